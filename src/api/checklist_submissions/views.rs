//! Who sees which submissions and how: the perspective the viewer drives, and building each
//! view from stored rows.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use uuid::Uuid;

use crate::api::common::{Checks, etag};
use crate::auth::{Sees, Viewer};
use crate::db::DbConn;
use crate::db::checklists::{self as repo, AnswerRow, SubmissionFilter, SubmissionRow};
use crate::db::schema::{schools, users};
use crate::domain::ids::SchoolId;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};

use super::types::*;

// ---------------------------------------------------------------------------------------------
// Who sees what
// ---------------------------------------------------------------------------------------------

/// Which view of submissions a caller gets: workers triage, schools submit; the coordinator
/// reads aggregates only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Perspective {
    Worker,
    School,
}

pub(super) fn viewer(user: &Viewer) -> ApiResult<Perspective> {
    match user.sees() {
        Sees::CaseTeam => Ok(Perspective::Worker),
        Sees::School => Ok(Perspective::School),
        Sees::Metadata => Err(ApiError::Forbidden(crate::msg!(
            SubmissionsCountsOnly,
            role = user.role
        ))),
        Sees::Partner => Err(ApiError::Forbidden(crate::msg!(
            RoleForbidden,
            role = user.role
        ))),
    }
}

/// The schools whose submissions the caller may read now: a school account its own, a worker
/// the schools assigned to them today.
pub(super) fn readable_schools(user: &Viewer) -> Vec<SchoolId> {
    user.schools().unwrap_or_default()
}

/// Narrows a scope to the school asked for; asking for one outside it leaves nothing.
pub(super) fn narrow(scope: Vec<SchoolId>, school: Option<Uuid>) -> Vec<SchoolId> {
    match school {
        None => scope,
        Some(s) => {
            let s = SchoolId::from(s);
            scope.into_iter().filter(|id| *id == s).collect()
        }
    }
}

pub(super) fn period(
    checks: &mut Checks,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) {
    if let (Some(f), Some(t)) = (from, to) {
        checks.check(f <= t, "to", crate::msg!(NotBefore, other = "from"));
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
pub(super) struct Context {
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

pub(super) fn load_context(
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
    pub(super) fn user(&self, id: &str) -> SubmissionUser {
        SubmissionUser {
            id: id.to_string(),
            display_name: self.users.get(id).cloned().unwrap_or_default(),
        }
    }
    pub(super) fn school(&self, id: &str) -> SubmissionSchool {
        SubmissionSchool {
            id: id.to_string(),
            name: self.schools.get(id).cloned().unwrap_or_default(),
        }
    }
    pub(super) fn version(&self, id: &str) -> SubmissionVersion {
        let (template_name, number) = self.versions.get(id).cloned().unwrap_or_default();
        SubmissionVersion {
            id: id.to_string(),
            template_name,
            number,
        }
    }
    pub(super) fn answers(&self, r: &SubmissionRow) -> Vec<SubmissionAnswer> {
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
    pub(super) fn theme_summary(&self, r: &SubmissionRow) -> Vec<ThemeSignals> {
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
    pub(super) fn yes_count(&self, r: &SubmissionRow) -> i64 {
        self.answers
            .get(&r.id)
            .map(|a| a.iter().filter(|a| a.answer == "yes").count() as i64)
            .unwrap_or(0)
    }

    pub(super) fn school_view(&self, r: SubmissionRow) -> SchoolSubmission {
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
            advice_for_school: r.advice_for_school,
        }
    }

    pub(super) fn worker_view(&self, r: SubmissionRow) -> WorkerSubmission {
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
            advice_for_school: r.advice_for_school,
            case_id: r.case_id,
            case_reference: r.case_reference,
        }
    }

    pub(super) fn view(&self, v: Perspective, r: SubmissionRow) -> SubmissionView {
        match v {
            Perspective::Worker => SubmissionView::Worker(Box::new(self.worker_view(r))),
            Perspective::School => SubmissionView::School(Box::new(self.school_view(r))),
        }
    }

    pub(super) fn list_item(&self, v: Perspective, r: SubmissionRow) -> SubmissionListItem {
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

/// The checklist submissions a case came from (its `submission_id`, and any submission that
/// names the case), whole — answers and remarks included: for the family's export, after the
/// caller was checked against the case.
pub fn of_case(
    conn: &mut DbConn,
    case_id: &str,
    submission_id: Option<&str>,
) -> ApiResult<Vec<WorkerSubmission>> {
    let rows = repo::submissions_of_case(conn, case_id, submission_id)?;
    let ctx = load_context(conn, &rows, true)?;
    Ok(rows.into_iter().map(|r| ctx.worker_view(r)).collect())
}

/// One submission in the caller's view, with its ETag.
pub(super) fn load_view(
    conn: &mut DbConn,
    v: Perspective,
    row: SubmissionRow,
) -> ApiResult<(SubmissionView, String)> {
    let tag = etag(row.updated_at);
    let ctx = load_context(conn, std::slice::from_ref(&row), true)?;
    Ok((ctx.view(v, row), tag))
}
