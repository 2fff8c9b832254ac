//! Signal checklist submissions: a school fills in the current version for one pupil; a social
//! worker assigned to that school triages it. Two views, two schemas: the school sees its own
//! input and the status, never what a worker wrote; the worker sees everything, with a summary of
//! the signals per theme. The coordinator sees counts only.

use crate::usecases::audit::{AuditAction, record};
use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, Page, check_if_match, decode_cursor, etag, ok_with_etag};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::extractor::Allowed;
use crate::auth::policy::{Action, allows, can};
use crate::auth::{Sees, Viewer};
use crate::db::checklists::{self as repo, AnswerRow, SubmissionFilter, SubmissionRow};
use crate::db::schema::{schools, users};
use crate::db::{DbConn, now};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The audit trail's name for a submission.
const OBJECT: &str = "checklist_submission";

/// A school's answer to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignalAnswer {
    /// The school observes the signal.
    Yes,
    No,
    /// The school cannot tell.
    Unknown,
}

impl SignalAnswer {
    fn as_str(self) -> &'static str {
        match self {
            SignalAnswer::Yes => "yes",
            SignalAnswer::No => "no",
            SignalAnswer::Unknown => "unknown",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "yes" => SignalAnswer::Yes,
            "no" => SignalAnswer::No,
            _ => SignalAnswer::Unknown,
        }
    }
}

/// How worried the school is, overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionConcern {
    Low,
    Medium,
    High,
}

impl SubmissionConcern {
    fn as_str(self) -> &'static str {
        match self {
            SubmissionConcern::Low => "low",
            SubmissionConcern::Medium => "medium",
            SubmissionConcern::High => "high",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "low" => SubmissionConcern::Low,
            "high" => SubmissionConcern::High,
            _ => SubmissionConcern::Medium,
        }
    }
}

/// `submitted` → `triaged` → `case_opened` | `no_action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Waiting for a social worker.
    Submitted,
    /// A social worker has looked at it.
    Triaged,
    /// A case was opened from it.
    CaseOpened,
    /// Closed without a case, with a reason.
    NoAction,
}

impl SubmissionStatus {
    fn parse(s: &str) -> Self {
        match s {
            repo::TRIAGED => SubmissionStatus::Triaged,
            repo::CASE_OPENED => SubmissionStatus::CaseOpened,
            repo::NO_ACTION => SubmissionStatus::NoAction,
            _ => SubmissionStatus::Submitted,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Submitted => repo::SUBMITTED,
            SubmissionStatus::Triaged => repo::TRIAGED,
            SubmissionStatus::CaseOpened => repo::CASE_OPENED,
            SubmissionStatus::NoAction => repo::NO_ACTION,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

// Serialize: validator's length rule on a list records the list in its error.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubmissionAnswer {
    /// The item's code in the version answered.
    #[schema(example = "A1")]
    pub code: String,
    pub answer: SignalAnswer,
    /// What the school saw, briefly; no names.
    #[validate(length(max = 1000))]
    pub remark: Option<String>,
}

/// A filled-in checklist for one pupil. The school is the caller's own; it is never sent.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pupil_pseudonym": "L5B-03", "birth_year": 2016, "class_name": "5B", "concern": "medium", "context": "Sinds de herfstvakantie vaak moe en zonder lunch.", "parents_informed": false, "answers": [{"code": "A1", "answer": "yes", "remark": "3 keer deze week"}, {"code": "A2", "answer": "no"}, {"code": "A3", "answer": "unknown"}]}))]
pub struct NewSubmission {
    /// The published version answered; without it, the current version of the default template.
    pub version_id: Option<Uuid>,
    /// The school's own short label for the pupil (e.g. initials and class, or a number) — a
    /// pseudonym, never the pupil's name: something that looks like a full name is refused.
    #[validate(length(min = 1, max = 40))]
    #[schema(example = "L5B-03")]
    pub pupil_pseudonym: String,
    /// Between 21 and 2 years before this year.
    #[schema(example = 2016)]
    pub birth_year: i32,
    #[validate(length(min = 1, max = 20))]
    #[schema(example = "5B")]
    pub class_name: String,
    pub concern: SubmissionConcern,
    /// Anything the worker should know, briefly; no names.
    #[serde(default)]
    #[validate(length(max = 4000))]
    pub context: String,
    /// Whether the parents know of the school's concern.
    pub parents_informed: bool,
    /// One answer per item of the version: none missing, none unknown, none twice.
    #[validate(length(max = 500), nested)]
    pub answers: Vec<NewSubmissionAnswer>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Gezin al bekend bij wijkwerk; contact opnemen met moeder."}))]
pub struct SubmissionTriage {
    /// For workers only; the school never sees it.
    #[validate(length(max = 4000))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Na overleg met de zorgcoördinator: tijdelijke situatie, al opgevolgd door het CLB."}))]
pub struct SubmissionNoAction {
    /// Why no case is opened; required. For workers only; the school never sees it.
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubmissionQuery {
    /// Only submissions in this status.
    pub status: Option<SubmissionStatus>,
    /// One school (within the caller's).
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// The schools of one network (within the caller's).
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
    /// Submitted on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Submitted on or before this day (UTC).
    pub to: Option<NaiveDate>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CountsQuery {
    #[param(format = Uuid)]
    /// One school (within the caller's).
    pub school: Option<Uuid>,
    #[param(format = Uuid)]
    /// The schools of one network (within the caller's).
    pub network: Option<Uuid>,
    /// Submitted on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Submitted on or before this day (UTC).
    pub to: Option<NaiveDate>,
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionSchool {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionUser {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub display_name: String,
}

/// The version a submission answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionVersion {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub template_name: String,
    pub number: i32,
}

/// An answer, shown beside its item as the version answered words it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionAnswer {
    #[schema(example = "A1")]
    pub code: String,
    #[schema(example = "A")]
    pub section: String,
    pub section_title: String,
    pub text: String,
    #[schema(example = "poverty")]
    pub theme: String,
    pub answer: SignalAnswer,
    pub remark: Option<String>,
}

/// How the signals of one theme were answered.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"theme": "health_hygiene", "label": "Gezondheid en hygiëne", "items": 4, "yes": 3, "unknown": 1}))]
pub struct ThemeSignals {
    pub theme: String,
    /// The theme's Dutch label.
    pub label: String,
    /// Items of the version with this theme.
    pub items: i64,
    /// Of those, answered `yes`.
    pub yes: i64,
    /// Of those, answered `unknown`.
    pub unknown: i64,
}

/// The school's view of its own submission: its input, the status and, once a case is opened,
/// the case reference. Nothing a social worker wrote.
#[derive(Debug, Serialize, ToSchema)]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct SchoolSubmission {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub version: SubmissionVersion,
    pub pupil_pseudonym: String,
    pub birth_year: i32,
    pub class_name: String,
    pub concern: SubmissionConcern,
    pub context: String,
    pub parents_informed: bool,
    pub submitted_by: SubmissionUser,
    pub submitted_at: DateTime<Utc>,
    pub status: SubmissionStatus,
    /// The reference of the case opened from it, e.g. `KE-2026-00042`.
    pub case_reference: Option<String>,
    pub answers: Vec<SubmissionAnswer>,
}

/// The social worker's view: everything, with the triage and decision, and the signals per
/// theme so a worker sees where they cluster.
#[derive(Debug, Serialize, ToSchema)]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct WorkerSubmission {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub school: SubmissionSchool,
    pub version: SubmissionVersion,
    pub pupil_pseudonym: String,
    pub birth_year: i32,
    pub class_name: String,
    pub concern: SubmissionConcern,
    pub context: String,
    pub parents_informed: bool,
    pub submitted_by: SubmissionUser,
    pub submitted_at: DateTime<Utc>,
    pub status: SubmissionStatus,
    pub triaged_by: Option<SubmissionUser>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub triage_note: Option<String>,
    /// Who closed it without action or opened the case, and when.
    pub decided_by: Option<SubmissionUser>,
    pub decided_at: Option<DateTime<Utc>>,
    pub no_action_reason: Option<String>,
    #[schema(format = Uuid)]
    pub case_id: Option<String>,
    pub case_reference: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Items answered `yes`.
    pub yes_count: i64,
    /// Every theme of the version, most `yes` answers first.
    pub theme_summary: Vec<ThemeSignals>,
    pub answers: Vec<SubmissionAnswer>,
}

/// A submission in the school's list.
#[derive(Debug, Serialize, ToSchema)]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct SchoolSubmissionSummary {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub version: SubmissionVersion,
    pub pupil_pseudonym: String,
    pub birth_year: i32,
    pub class_name: String,
    pub concern: SubmissionConcern,
    pub submitted_at: DateTime<Utc>,
    pub status: SubmissionStatus,
    pub case_reference: Option<String>,
}

/// A submission in a worker's list, with the themes that have signals.
#[derive(Debug, Serialize, ToSchema)]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct WorkerSubmissionSummary {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub school: SubmissionSchool,
    pub version: SubmissionVersion,
    pub pupil_pseudonym: String,
    pub birth_year: i32,
    pub class_name: String,
    pub concern: SubmissionConcern,
    pub parents_informed: bool,
    pub submitted_at: DateTime<Utc>,
    pub status: SubmissionStatus,
    pub triaged_at: Option<DateTime<Utc>>,
    #[schema(format = Uuid)]
    pub case_id: Option<String>,
    pub case_reference: Option<String>,
    pub yes_count: i64,
    /// Only the themes with at least one `yes`, most first.
    pub signal_themes: Vec<ThemeSignals>,
}

/// A submission as the caller may see it: `WorkerSubmission` for a social worker,
/// `SchoolSubmission` for a school account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum SubmissionView {
    Worker(Box<WorkerSubmission>),
    School(Box<SchoolSubmission>),
}

/// A list entry as the caller may see it: `WorkerSubmissionSummary` for a social worker,
/// `SchoolSubmissionSummary` for a school account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum SubmissionListItem {
    Worker(WorkerSubmissionSummary),
    School(SchoolSubmissionSummary),
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SubmissionStatusCounts {
    pub submitted: i64,
    pub triaged: i64,
    pub case_opened: i64,
    pub no_action: i64,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SubmissionConcernCounts {
    pub low: i64,
    pub medium: i64,
    pub high: i64,
}

/// How many submissions there are, by status and by concern. No pupil data.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({"total": 12, "by_status": {"submitted": 3, "triaged": 2, "case_opened": 5, "no_action": 2}, "by_concern": {"low": 2, "medium": 7, "high": 3}}))]
pub struct SubmissionCounts {
    pub total: i64,
    pub by_status: SubmissionStatusCounts,
    pub by_concern: SubmissionConcernCounts,
}

// ---------------------------------------------------------------------------------------------
// Who sees what
// ---------------------------------------------------------------------------------------------

/// Which view of submissions a caller gets: workers triage, schools submit; the coordinator
/// reads aggregates only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perspective {
    Worker,
    School,
}

fn viewer(user: &Viewer) -> ApiResult<Perspective> {
    match user.sees() {
        Sees::CaseTeam => Ok(Perspective::Worker),
        Sees::School => Ok(Perspective::School),
        Sees::Metadata => Err(ApiError::Forbidden(format!(
            "the {} role sees checklist submissions as counts only (GET /api/v1/checklist-submissions/counts)",
            user.role
        ))),
    }
}

/// The schools whose submissions the caller may read now: a school account its own, a worker
/// the schools assigned to them today.
fn readable_schools(user: &Viewer) -> Vec<String> {
    user.schools().unwrap_or_default()
}

/// Narrows a scope to the school asked for; asking for one outside it leaves nothing.
fn narrow(scope: Vec<String>, school: Option<Uuid>) -> Vec<String> {
    match school {
        None => scope,
        Some(s) => {
            let s = s.to_string();
            scope.into_iter().filter(|id| *id == s).collect()
        }
    }
}

fn period(
    checks: &mut Checks,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) {
    if let (Some(f), Some(t)) = (from, to) {
        checks.check(f <= t, "to", "must not be before from");
    }
    (
        from.map(|d| d.and_time(chrono::NaiveTime::MIN)),
        to.map(SubmissionFilter::day_after),
    )
}

// ---------------------------------------------------------------------------------------------
// Building the views
// ---------------------------------------------------------------------------------------------

/// Everything the views of some submissions need beside their rows, in a few queries.
struct Context {
    answers: HashMap<String, Vec<AnswerRow>>,
    /// (version id, item code) → (position, section code, text, theme)
    items: HashMap<(String, String), (i32, String, String, String)>,
    /// version id → theme codes of its items, with how many items each
    version_themes: HashMap<String, Vec<(String, i64)>>,
    section_titles: HashMap<(String, String), String>,
    versions: HashMap<String, (String, i32)>,
    theme_labels: HashMap<String, String>,
    users: HashMap<String, String>,
    schools: HashMap<String, String>,
}

fn load_context(
    conn: &mut DbConn,
    rows: &[SubmissionRow],
    with_answers: bool,
) -> ApiResult<Context> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let version_ids: Vec<String> = rows
        .iter()
        .map(|r| r.version_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut answers: HashMap<String, Vec<AnswerRow>> = HashMap::new();
    for a in repo::answers_of(conn, &ids)? {
        answers.entry(a.submission_id.clone()).or_default().push(a);
    }
    let mut items = HashMap::new();
    let mut version_themes: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    for i in repo::items_of(conn, &version_ids)? {
        let themes = version_themes.entry(i.version_id.clone()).or_default();
        match themes.iter_mut().find(|(t, _)| *t == i.theme_code) {
            Some((_, n)) => *n += 1,
            None => themes.push((i.theme_code.clone(), 1)),
        }
        items.insert(
            (i.version_id, i.code),
            (i.position, i.section_code, i.text, i.theme_code),
        );
    }
    let section_titles = if with_answers {
        repo::sections_of(conn, &version_ids)?
            .into_iter()
            .map(|s| ((s.version_id, s.code), s.title))
            .collect()
    } else {
        HashMap::new()
    };
    let mut versions = HashMap::new();
    for vid in &version_ids {
        let v = repo::find_version(conn, vid)?;
        let t = repo::find_template(conn, &v.template_id)?;
        versions.insert(vid.clone(), (t.name, v.number));
    }
    let theme_labels = repo::themes(conn)?
        .into_iter()
        .map(|(code, label, _)| (code, label))
        .collect();
    let user_ids: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            [
                Some(r.submitted_by.clone()),
                r.triaged_by.clone(),
                r.decided_by.clone(),
            ]
        })
        .flatten()
        .collect();
    let users = users::table
        .filter(users::id.eq_any(&user_ids))
        .select((users::id, users::display_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let school_ids: Vec<String> = rows.iter().map(|r| r.school_id.clone()).collect();
    let schools = schools::table
        .filter(schools::id.eq_any(&school_ids))
        .select((schools::id, schools::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(Context {
        answers,
        items,
        version_themes,
        section_titles,
        versions,
        theme_labels,
        users,
        schools,
    })
}

impl Context {
    fn user(&self, id: &str) -> SubmissionUser {
        SubmissionUser {
            id: id.to_string(),
            display_name: self.users.get(id).cloned().unwrap_or_default(),
        }
    }
    fn school(&self, id: &str) -> SubmissionSchool {
        SubmissionSchool {
            id: id.to_string(),
            name: self.schools.get(id).cloned().unwrap_or_default(),
        }
    }
    fn version(&self, id: &str) -> SubmissionVersion {
        let (template_name, number) = self.versions.get(id).cloned().unwrap_or_default();
        SubmissionVersion {
            id: id.to_string(),
            template_name,
            number,
        }
    }
    fn answers(&self, r: &SubmissionRow) -> Vec<SubmissionAnswer> {
        let mut list: Vec<(i32, SubmissionAnswer)> = self
            .answers
            .get(&r.id)
            .map(|a| a.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|a| {
                let (pos, section, text, theme) = self
                    .items
                    .get(&(r.version_id.clone(), a.item_code.clone()))
                    .cloned()
                    .unwrap_or_default();
                let section_title = self
                    .section_titles
                    .get(&(r.version_id.clone(), section.clone()))
                    .cloned()
                    .unwrap_or_default();
                (
                    pos,
                    SubmissionAnswer {
                        code: a.item_code.clone(),
                        section,
                        section_title,
                        text,
                        theme,
                        answer: SignalAnswer::parse(&a.answer),
                        remark: a.remark.clone(),
                    },
                )
            })
            .collect();
        list.sort_by_key(|(pos, _)| *pos);
        list.into_iter().map(|(_, a)| a).collect()
    }
    /// Per theme of the submission's version: items, `yes` and `unknown` answers; most `yes`
    /// first, then by theme code.
    fn theme_summary(&self, r: &SubmissionRow) -> Vec<ThemeSignals> {
        let mut out: Vec<ThemeSignals> = self
            .version_themes
            .get(&r.version_id)
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|(theme, n)| ThemeSignals {
                theme: theme.clone(),
                label: self.theme_labels.get(theme).cloned().unwrap_or_default(),
                items: *n,
                yes: 0,
                unknown: 0,
            })
            .collect();
        for a in self
            .answers
            .get(&r.id)
            .map(|a| a.as_slice())
            .unwrap_or_default()
        {
            let Some((_, _, _, theme)) =
                self.items.get(&(r.version_id.clone(), a.item_code.clone()))
            else {
                continue;
            };
            if let Some(t) = out.iter_mut().find(|t| t.theme == *theme) {
                match a.answer.as_str() {
                    "yes" => t.yes += 1,
                    "unknown" => t.unknown += 1,
                    _ => {}
                }
            }
        }
        out.sort_by(|a, b| b.yes.cmp(&a.yes).then_with(|| a.theme.cmp(&b.theme)));
        out
    }
    fn yes_count(&self, r: &SubmissionRow) -> i64 {
        self.answers
            .get(&r.id)
            .map(|a| a.iter().filter(|a| a.answer == "yes").count() as i64)
            .unwrap_or(0)
    }

    fn school_view(&self, r: SubmissionRow) -> SchoolSubmission {
        SchoolSubmission {
            answers: self.answers(&r),
            version: self.version(&r.version_id),
            submitted_by: self.user(&r.submitted_by),
            concern: SubmissionConcern::parse(&r.concern),
            status: SubmissionStatus::parse(&r.status),
            submitted_at: utc(r.submitted_at),
            id: r.id,
            pupil_pseudonym: r.pupil_pseudonym,
            birth_year: r.birth_year,
            class_name: r.class_name,
            context: r.context,
            parents_informed: r.parents_informed,
            case_reference: r.case_reference,
        }
    }

    fn worker_view(&self, r: SubmissionRow) -> WorkerSubmission {
        WorkerSubmission {
            answers: self.answers(&r),
            theme_summary: self.theme_summary(&r),
            yes_count: self.yes_count(&r),
            school: self.school(&r.school_id),
            version: self.version(&r.version_id),
            submitted_by: self.user(&r.submitted_by),
            triaged_by: r.triaged_by.as_deref().map(|u| self.user(u)),
            decided_by: r.decided_by.as_deref().map(|u| self.user(u)),
            concern: SubmissionConcern::parse(&r.concern),
            status: SubmissionStatus::parse(&r.status),
            submitted_at: utc(r.submitted_at),
            triaged_at: r.triaged_at.map(utc),
            decided_at: r.decided_at.map(utc),
            updated_at: utc(r.updated_at),
            id: r.id,
            pupil_pseudonym: r.pupil_pseudonym,
            birth_year: r.birth_year,
            class_name: r.class_name,
            context: r.context,
            parents_informed: r.parents_informed,
            triage_note: r.triage_note,
            no_action_reason: r.no_action_reason,
            case_id: r.case_id,
            case_reference: r.case_reference,
        }
    }

    fn view(&self, v: Perspective, r: SubmissionRow) -> SubmissionView {
        match v {
            Perspective::Worker => SubmissionView::Worker(Box::new(self.worker_view(r))),
            Perspective::School => SubmissionView::School(Box::new(self.school_view(r))),
        }
    }

    fn list_item(&self, v: Perspective, r: SubmissionRow) -> SubmissionListItem {
        match v {
            Perspective::School => SubmissionListItem::School(SchoolSubmissionSummary {
                version: self.version(&r.version_id),
                concern: SubmissionConcern::parse(&r.concern),
                status: SubmissionStatus::parse(&r.status),
                submitted_at: utc(r.submitted_at),
                id: r.id,
                pupil_pseudonym: r.pupil_pseudonym,
                birth_year: r.birth_year,
                class_name: r.class_name,
                case_reference: r.case_reference,
            }),
            Perspective::Worker => SubmissionListItem::Worker(WorkerSubmissionSummary {
                signal_themes: self
                    .theme_summary(&r)
                    .into_iter()
                    .filter(|t| t.yes > 0)
                    .collect(),
                yes_count: self.yes_count(&r),
                school: self.school(&r.school_id),
                version: self.version(&r.version_id),
                concern: SubmissionConcern::parse(&r.concern),
                status: SubmissionStatus::parse(&r.status),
                submitted_at: utc(r.submitted_at),
                triaged_at: r.triaged_at.map(utc),
                id: r.id,
                pupil_pseudonym: r.pupil_pseudonym,
                birth_year: r.birth_year,
                class_name: r.class_name,
                parents_informed: r.parents_informed,
                case_id: r.case_id,
                case_reference: r.case_reference,
            }),
        }
    }
}

/// One submission in the caller's view, with its ETag.
fn load_view(
    conn: &mut DbConn,
    v: Perspective,
    row: SubmissionRow,
) -> ApiResult<(SubmissionView, String)> {
    let tag = etag(row.updated_at);
    let ctx = load_context(conn, std::slice::from_ref(&row), true)?;
    Ok((ctx.view(v, row), tag))
}

// ---------------------------------------------------------------------------------------------
// Checking a submission
// ---------------------------------------------------------------------------------------------

/// Whether a label looks like a pupil's full name (two or more capitalised words, nothing but
/// letters): the API keeps names out, the school chooses a pseudonym.
pub fn looks_like_full_name(label: &str) -> bool {
    let words: Vec<&str> = label.split_whitespace().collect();
    let name_like = |w: &&str| {
        w.chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
    };
    let capitalised = |w: &&&str| {
        let mut cs = w.chars();
        matches!((cs.next(), cs.next()), (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase())
    };
    words.len() >= 2 && words.iter().all(name_like) && words.iter().filter(capitalised).count() >= 2
}

/// Checks a submission against its version; returns the version id and the answer rows.
fn check_submission(
    conn: &mut DbConn,
    b: &NewSubmission,
    submission_id: &str,
) -> ApiResult<(String, Vec<AnswerRow>)> {
    let mut checks = Checks::default();
    let pseudonym = b.pupil_pseudonym.trim();
    if pseudonym.is_empty() {
        checks.add("pupil_pseudonym", "must not be blank");
    } else if pseudonym.contains('@') || looks_like_full_name(pseudonym) {
        checks.add(
            "pupil_pseudonym",
            "looks like a name or an address; use the school's own short label (e.g. initials and class, or a number)",
        );
    }
    let year = Utc::now().year();
    checks.check(
        (year - 21..=year - 2).contains(&b.birth_year),
        "birth_year",
        &format!("must be between {} and {}", year - 21, year - 2),
    );
    checks.check(
        !b.class_name.trim().is_empty(),
        "class_name",
        "must not be blank",
    );

    let version = match b.version_id {
        Some(id) => match crate::db::optional(repo::find_version(conn, &id.to_string()))? {
            Some(v) if v.status == repo::PUBLISHED => Some(v),
            _ => {
                checks.add("version_id", "no published checklist version with this id");
                None
            }
        },
        None => match crate::db::optional(repo::current_version(conn, None))? {
            Some(v) => Some(v),
            None => {
                return Err(ApiError::conflict(
                    "no checklist version is published yet; ask the coordinator",
                ));
            }
        },
    };
    let mut rows = Vec::new();
    if let Some(v) = version.as_ref() {
        let items = repo::items_of(conn, std::slice::from_ref(&v.id))?;
        let known: HashSet<&str> = items.iter().map(|i| i.code.as_str()).collect();
        let mut seen = HashSet::new();
        for (i, a) in b.answers.iter().enumerate() {
            let code = a.code.trim();
            if !known.contains(code) {
                checks.add(
                    &format!("answers[{i}].code"),
                    format!("version {} has no item `{code}`", v.number),
                );
            } else if !seen.insert(code.to_string()) {
                checks.add(
                    &format!("answers[{i}].code"),
                    format!("item `{code}` is answered twice"),
                );
            } else {
                rows.push(AnswerRow {
                    submission_id: submission_id.to_string(),
                    item_code: code.to_string(),
                    answer: a.answer.as_str().to_string(),
                    remark: a
                        .remark
                        .as_deref()
                        .map(str::trim)
                        .filter(|r| !r.is_empty())
                        .map(String::from),
                });
            }
        }
        for item in &items {
            if !seen.contains(&item.code) {
                checks.add("answers", format!("item `{}` is not answered", item.code));
            }
        }
    }
    checks.finish()?;
    let version_id = version.map(|v| v.id).unwrap_or_default();
    Ok((version_id, rows))
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

#[utoipa::path(
    post, path = "/api/v1/checklist-submissions", tag = "checklists", operation_id = "create_checklist_submission",
    summary = "Submit a signal checklist for a pupil",
    description = "A school account submits for its own school (taken from the account, never from the body). \
Every item of the version is answered once; an unknown or repeated code is 422 naming `answers[i].code`, and each \
missing item is named under `answers`. The pupil is a pseudonym the school chooses, never a name. The answer is the \
school's view of the submission. Roles: school.",
    security(("bearer" = [])), request_body = NewSubmission,
    responses(
        (status = 201, description = "Submitted; the school's view", body = SchoolSubmission, headers(("Location" = String, description = "The new submission"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "No checklist version is published yet", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/checklist-submissions")]
pub async fn create_checklist_submission(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::SubmitChecklist>,
    body: ApiJson<NewSubmission>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner()?;
    let school_id = user
        .school_id
        .clone()
        .ok_or_else(|| ApiError::Forbidden("this account is not bound to a school".into()))?;
    let (view, tag) = state
        .db
        .write(move |conn| {
            let id = Uuid::now_v7().to_string();
            let (version_id, answers) = check_submission(conn, &b, &id)?;
            let at = now();
            let row = SubmissionRow {
                id: id.clone(),
                school_id,
                submitted_by: user.id.clone(),
                version_id,
                pupil_pseudonym: b.pupil_pseudonym.trim().to_string(),
                birth_year: b.birth_year,
                class_name: b.class_name.trim().to_string(),
                concern: b.concern.as_str().to_string(),
                context: b.context.trim().to_string(),
                parents_informed: b.parents_informed,
                status: repo::SUBMITTED.to_string(),
                triaged_by: None,
                triaged_at: None,
                triage_note: None,
                decided_by: None,
                decided_at: None,
                no_action_reason: None,
                case_id: None,
                case_reference: None,
                submitted_at: at,
                updated_at: at,
            };
            repo::insert_submission(conn, &row, &answers)?;
            record(conn, &user, AuditAction::Create, OBJECT, Some(&id), None)?;
            let row = repo::find_submission(conn, &id)?;
            load_view(conn, Perspective::School, row)
        })
        .await?;
    let SubmissionView::School(v) = view else {
        return Err(ApiError::internal("a school got another view"));
    };
    Ok(common::created(
        &v,
        format!("/api/v1/checklist-submissions/{}", v.id),
        &tag,
    ))
}

#[utoipa::path(
    get, path = "/api/v1/checklist-submissions", tag = "checklists", operation_id = "list_checklist_submissions",
    summary = "List checklist submissions",
    description = "Newest first. A school account sees its own school's submissions (`SchoolSubmissionSummary`); a \
social worker those of the schools assigned to them today (`WorkerSubmissionSummary`, with the themes that have \
signals). Filters narrow within that; a school outside it gives an empty page. The coordinator sees counts only \
(403 here). Roles: social_worker, school.",
    security(("bearer" = [])), params(SubmissionQuery),
    responses(
        (status = 200, description = "A page of submissions", body = Page<SubmissionListItem>),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/checklist-submissions")]
pub async fn list_checklist_submissions(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionListItem>>> {
    let v = viewer(&user)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let before = decode_cursor::<String>(q.cursor.as_deref())?;
    let mut checks = Checks::default();
    let (from, until) = period(&mut checks, q.from, q.to);
    checks.finish()?;
    let page = state
        .db
        .write(move |conn| {
            record(conn, &user, AuditAction::List, OBJECT, None, None)?;
            let scope = narrow(readable_schools(&user), q.school);
            let f = SubmissionFilter {
                school_ids: scope,
                network_id: q.network.map(|n| n.to_string()),
                status: q.status.map(|s| s.as_str().to_string()),
                from,
                until,
            };
            let mut rows = repo::list_submissions(conn, &f, before, limit)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = if more {
                rows.last().map(|r| common::encode_cursor(&r.id))
            } else {
                None
            };
            let ctx = load_context(conn, &rows, false)?;
            Ok(Page {
                items: rows.into_iter().map(|r| ctx.list_item(v, r)).collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    get, path = "/api/v1/checklist-submissions/counts", tag = "checklists", operation_id = "count_checklist_submissions",
    summary = "Count checklist submissions",
    description = "Counts by status and by concern, without any pupil data. The coordinator counts all schools; a \
social worker the schools assigned to them today; a school account its own. Filters narrow within that. \
Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(CountsQuery),
    responses((status = 200, description = "The counts", body = SubmissionCounts))
)]
#[get("/api/v1/checklist-submissions/counts")]
pub async fn count_checklist_submissions(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<CountsQuery>,
) -> ApiResult<web::Json<SubmissionCounts>> {
    if !allows(user.role, Action::ReadChecklistAggregates) {
        viewer(&user)?;
    }
    let q = query.0;
    let mut checks = Checks::default();
    let (from, until) = period(&mut checks, q.from, q.to);
    checks.finish()?;
    let counts = state
        .db
        .run(move |conn| {
            let scope = match user.schools() {
                None => schools::table.select(schools::id).load::<String>(conn)?,
                Some(own) => own,
            };
            let f = SubmissionFilter {
                school_ids: narrow(scope, q.school),
                network_id: q.network.map(|n| n.to_string()),
                status: None,
                from,
                until,
            };
            Ok(repo::count_submissions(conn, &f)?)
        })
        .await?;
    let mut out = SubmissionCounts::default();
    for (status, n) in counts.0 {
        out.total += n;
        match status.as_str() {
            repo::SUBMITTED => out.by_status.submitted = n,
            repo::TRIAGED => out.by_status.triaged = n,
            repo::CASE_OPENED => out.by_status.case_opened = n,
            repo::NO_ACTION => out.by_status.no_action = n,
            _ => {}
        }
    }
    for (concern, n) in counts.1 {
        match concern.as_str() {
            "low" => out.by_concern.low = n,
            "medium" => out.by_concern.medium = n,
            "high" => out.by_concern.high = n,
            _ => {}
        }
    }
    Ok(web::Json(out))
}

#[utoipa::path(
    get, path = "/api/v1/checklist-submissions/{id}", tag = "checklists", operation_id = "get_checklist_submission",
    summary = "Get a checklist submission",
    description = "A school account gets `SchoolSubmission` for its own school's submission: its input, the status \
and the case reference, nothing a worker wrote. A social worker assigned to the school gets `WorkerSubmission`, \
with triage, decision and the signals per theme. Another school's submission, or one of a school the worker is not \
assigned to, is 404. The coordinator sees counts only (403). Roles: social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The submission in the caller's view", body = SubmissionView, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/checklist-submissions/{id}")]
pub async fn get_checklist_submission(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let v = viewer(&user)?;
    let id = id.to_string();
    let (view, tag) = state
        .db
        .write(move |conn| {
            let scope = readable_schools(&user);
            let row = repo::find_submission_in(conn, &id, &scope)?;
            record(
                conn,
                &user,
                AuditAction::Read,
                OBJECT,
                Some(&id),
                row.case_id.as_deref(),
            )?;
            load_view(conn, v, row)
        })
        .await?;
    Ok(ok_with_etag(&view, &tag))
}

/// A worker's transition of a submission in their scope: If-Match, `act`, the audit event, and
/// the worker's view of the result.
fn transition(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    act: impl FnOnce(&mut DbConn, &str, &str) -> ApiResult<()>,
) -> ApiResult<(SubmissionView, String)> {
    let scope = readable_schools(user);
    let current = repo::find_submission_in(conn, id, &scope)?;
    check_if_match(if_match, &etag(current.updated_at))?;
    act(conn, id, &user.id)?;
    record(
        conn,
        user,
        AuditAction::StatusChange,
        OBJECT,
        Some(id),
        None,
    )?;
    let row = repo::find_submission(conn, id)?;
    load_view(conn, Perspective::Worker, row)
}

fn triage(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: SubmissionTriage,
) -> ApiResult<(SubmissionView, String)> {
    let note = b
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    transition(conn, user, id, if_match, |conn, id, worker| {
        Ok(repo::triage(conn, id, worker, note.as_deref())?)
    })
}

fn close_without_action(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: SubmissionNoAction,
) -> ApiResult<(SubmissionView, String)> {
    let reason = b.reason.trim().to_string();
    if reason.is_empty() {
        return Err(ApiError::field("reason", "must not be blank"));
    }
    transition(conn, user, id, if_match, |conn, id, worker| {
        Ok(repo::close_without_action(conn, id, worker, &reason)?)
    })
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/checklist-submissions/{id}/triage", tag = "checklists", operation_id = "triage_checklist_submission",
    summary = "Triage a submission",
    description = "`submitted` → `triaged`, with an optional note for workers (the school never sees it). Next: open a \
case from it, or close it with `no-action`. Only a social worker assigned to the submission's school; others get \
404. Roles: social_worker.",
    security(("bearer" = [])), request_body = SubmissionTriage,
    params(("id" = Uuid, Path, description = "Submission id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Triaged; the worker's view", body = WorkerSubmission, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The submission is not `submitted`; `current_state` names its state", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:kinderen-eerst:problem:conflict", "title": "Conflict", "status": 409, "detail": "only a submitted submission can be triaged; this one is triaged", "current_state": "triaged"})),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/checklist-submissions/{id}/triage" => triage_checklist_submission(ApiJson<SubmissionTriage>),
may Action::TriageChecklist, apply triage
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/checklist-submissions/{id}/no-action", tag = "checklists", operation_id = "close_checklist_submission_without_action",
    summary = "Close a triaged submission without a case",
    description = "`triaged` → `no_action`, with the reason (required; the school sees the status, never the reason). \
Only a social worker assigned to the submission's school; others get 404. Roles: social_worker.",
    security(("bearer" = [])), request_body = SubmissionNoAction,
    params(("id" = Uuid, Path, description = "Submission id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Closed; the worker's view", body = WorkerSubmission, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The submission is not `triaged`; `current_state` names its state", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:kinderen-eerst:problem:conflict", "title": "Conflict", "status": 409, "detail": "only a triaged submission can be closed without action; this one is submitted", "current_state": "submitted"})),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/checklist-submissions/{id}/no-action" => close_checklist_submission_without_action(ApiJson<SubmissionNoAction>),
may Action::TriageChecklist, apply close_without_action
}

#[cfg(test)]
mod tests {
    use super::looks_like_full_name;

    #[test]
    fn full_names_are_told_from_pseudonyms() {
        for name in [
            "Jan Janssens",
            "Noah Peeters",
            "Jan van den Broeck",
            "Fatima El-Amrani",
        ] {
            assert!(looks_like_full_name(name), "{name}");
        }
        for label in [
            "L5B-03",
            "Leerling 5B",
            "Kind A",
            "J.V.",
            "Mo",
            "blauwe vis",
            "JJ 4A",
            "Lln 12",
        ] {
            assert!(!looks_like_full_name(label), "{label}");
        }
    }
}
