//! What submissions look like on the wire: requests, the school's and the worker's views, counts.

use chrono::{DateTime, NaiveDate, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::db::checklists::{self as repo};

/// The audit trail's name for a submission.
pub(super) const OBJECT: &str = "checklist_submission";

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
    pub(super) fn as_str(self) -> &'static str {
        match self {
            SignalAnswer::Yes => "yes",
            SignalAnswer::No => "no",
            SignalAnswer::Unknown => "unknown",
        }
    }
    pub(super) fn parse(s: &str) -> Self {
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
    pub(super) fn as_str(self) -> &'static str {
        match self {
            SubmissionConcern::Low => "low",
            SubmissionConcern::Medium => "medium",
            SubmissionConcern::High => "high",
        }
    }
    pub(super) fn parse(s: &str) -> Self {
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
    pub(super) fn parse(s: &str) -> Self {
        match s {
            repo::TRIAGED => SubmissionStatus::Triaged,
            repo::CASE_OPENED => SubmissionStatus::CaseOpened,
            repo::NO_ACTION => SubmissionStatus::NoAction,
            _ => SubmissionStatus::Submitted,
        }
    }
    pub(super) fn as_str(self) -> &'static str {
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
#[document_limits]
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
#[document_limits]
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

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Gezin al bekend bij wijkwerk; contact opnemen met moeder."}))]
pub struct SubmissionTriage {
    /// For workers only; the school never sees it.
    #[validate(length(max = 4000))]
    pub note: Option<String>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Na overleg met de zorgcoördinator: tijdelijke situatie, al opgevolgd door het CLB."}))]
pub struct SubmissionNoAction {
    /// Why no case is opened; required. For workers only; the school never sees it.
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
    /// Advice written for the school (what it can do itself, whom it can call); the school
    /// reads it with the submission. Nothing else of the worker's reasoning reaches the school.
    #[validate(length(min = 1, max = 2000))]
    pub advice_for_school: Option<String>,
}

#[document_limits]
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
    /// Search by the pupil's pseudonym: each word must start a word of it (accents and case
    /// ignored).
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[document_limits]
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
    /// With `no_action`: the advice the social worker wrote for the school, if any.
    pub advice_for_school: Option<String>,
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
    /// With `no_action`: the advice written for the school (the school reads it).
    pub advice_for_school: Option<String>,
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
