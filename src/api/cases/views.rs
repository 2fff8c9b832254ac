//! What a case looks like to each role: the worker's detail, the coordinator's metadata, the
//! school's view, and the choice between them (driven by the viewer).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::common::Page;
use crate::auth::{Sees, Viewer};
use crate::db::cases::{self as repo, CaseListItem, CaseListRow, CaseRow};
use crate::db::{DbConn, now};
use crate::domain::case::{
    CaseOrigin, CaseOutcome, CasePriority, CaseStatus, ConsentKind, ContactKind, NeedRaisedBy,
    NeedState,
};
pub use crate::domain::case::{FamilyContact, Pupil};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};

// ---------------------------------------------------------------------------------------------
// Representations

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSchool {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
    #[schema(format = Uuid)]
    pub network_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadWorker {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub display_name: String,
}

/// A case as its social workers see it: everything.
#[derive(Debug, Serialize, ToSchema)]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct CaseDetail {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    /// Human reference, sequential per year.
    #[schema(read_only, example = "KE-2026-00042")]
    pub reference: String,
    pub school: CaseSchool,
    pub origin: CaseOrigin,
    /// Theme codes (see `GET /api/v1/themes`).
    pub themes: Vec<String>,
    pub priority: CasePriority,
    /// Whether the family was already known to the OCMW; null when not known yet.
    pub known_to_ocmw: Option<bool>,
    #[schema(read_only)]
    pub status: CaseStatus,
    #[schema(read_only)]
    pub outcome: Option<CaseOutcome>,
    #[schema(read_only)]
    pub outcome_note: Option<String>,
    pub lead_worker: Option<LeadWorker>,
    #[schema(read_only)]
    pub opened_at: DateTime<Utc>,
    /// Set by the first contact moment.
    #[schema(read_only)]
    pub first_contact_at: Option<DateTime<Utc>>,
    #[schema(read_only)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Null once the case's personal data was erased.
    pub pupil: Option<Pupil>,
    pub family: FamilyContact,
    /// The question as it came in (a school's request, the checklist's context).
    pub question: Option<String>,
    /// What the school may read, when the family allows it (`share_with_school`).
    pub feedback_for_school: Option<String>,
    /// The `share_with_school` consent the feedback was written under: the school reads the
    /// feedback only while this consent is live (a later consent does not show it again).
    #[schema(read_only, format = Uuid)]
    pub feedback_consent_id: Option<String>,
    /// The checklist submission the case was opened from.
    #[schema(read_only, format = Uuid)]
    pub submission_id: Option<String>,
    /// The day the worker means to look at the case again.
    pub follow_up_on: Option<NaiveDate>,
    /// When the case's personal data was erased (retention or the family's request).
    #[schema(read_only)]
    pub erased_at: Option<DateTime<Utc>>,
    #[schema(read_only)]
    pub needs: Vec<Need>,
    #[schema(read_only)]
    pub contact_moments: Vec<ContactMoment>,
    #[schema(read_only)]
    pub consents: Vec<Consent>,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

/// A case in a social worker's list: the metadata and the pupil's pseudonym.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(example = "KE-2026-00042")]
    pub reference: String,
    pub school: CaseSchool,
    pub origin: CaseOrigin,
    pub themes: Vec<String>,
    pub priority: CasePriority,
    pub status: CaseStatus,
    pub outcome: Option<CaseOutcome>,
    pub lead_worker: Option<LeadWorker>,
    #[serde(serialize_with = "crate::domain::json_time::utc")]
    pub opened_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::domain::json_time::utc_opt")]
    pub first_contact_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::domain::json_time::utc_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    pub pupil: Option<Pupil>,
    #[serde(serialize_with = "crate::domain::json_time::utc")]
    pub updated_at: DateTime<Utc>,
}

/// A case as the coordinator sees it: metadata only — no pupil, family, question, needs,
/// contact moments, consents or feedback.
#[derive(Debug, Serialize, ToSchema)]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct CaseMetadata {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(example = "KE-2026-00042")]
    pub reference: String,
    pub school: CaseSchool,
    pub origin: CaseOrigin,
    pub themes: Vec<String>,
    pub priority: CasePriority,
    pub known_to_ocmw: Option<bool>,
    pub status: CaseStatus,
    pub outcome: Option<CaseOutcome>,
    pub lead_worker: Option<LeadWorker>,
    #[serde(serialize_with = "crate::domain::json_time::utc")]
    pub opened_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::domain::json_time::utc_opt")]
    pub first_contact_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::domain::json_time::utc_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::domain::json_time::utc")]
    pub updated_at: DateTime<Utc>,
}

/// A case as the school that raised it sees it: which of its pupils it is about (the pseudonym
/// and class the school chose), the submission it came from, that it is being handled, by whom,
/// and the feedback the worker shares with the family's consent. Nothing else.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000d1", "reference": "KE-2026-00042", "pupil_pseudonym": "4B-07", "pupil_class": "4B", "submission_id": "0193a1b2-0000-7000-8000-0000000000f1", "status": "in_progress", "opened_at": "2026-11-24T09:00:00Z", "closed_at": null, "worker_name": "Wendy Willems", "feedback_for_school": "Het gezin krijgt hulp bij de schoolkosten."}))]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct SchoolCase {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub reference: String,
    /// The pseudonym the school chose for the pupil; null once the case's personal data was
    /// erased.
    pub pupil_pseudonym: Option<String>,
    /// The pupil's class, when recorded; null once erased.
    pub pupil_class: Option<String>,
    /// The school's checklist submission the case was opened from.
    #[schema(format = Uuid)]
    pub submission_id: Option<String>,
    pub status: CaseStatus,
    #[serde(serialize_with = "crate::domain::json_time::utc")]
    pub opened_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::domain::json_time::utc_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    /// The lead social worker's name; null until a worker takes the case.
    pub worker_name: Option<String>,
    /// Shown only while the family's `share_with_school` consent is live.
    pub feedback_for_school: Option<String>,
}

/// One case, in the view the caller's role may see.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CaseView {
    /// social_worker
    Worker(Box<CaseDetail>),
    /// coordinator
    Coordinator(CaseMetadata),
    /// school
    School(SchoolCase),
}

/// A page of cases, in the view the caller's role may see.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CasePage {
    /// social_worker
    Worker(Page<CaseSummary>),
    /// coordinator
    Coordinator(Page<CaseMetadata>),
    /// school
    School(Page<SchoolCase>),
}

/// Something the family, the child, the school or the worker wants: side by side, so
/// multi-partiality stays visible.
#[derive(Debug, Serialize, ToSchema)]
pub struct Need {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    /// Null once erased.
    pub text: Option<String>,
    pub theme: Option<String>,
    pub raised_by: NeedRaisedBy,
    /// `open` until `met`, `not_met` or `withdrawn`; `met` and `not_met` can be reopened.
    #[schema(read_only)]
    pub state: NeedState,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    /// The last correction or change of state.
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
    /// What the need said before each change, oldest first. For the case team and the
    /// family's export only; emptied by erasure.
    #[schema(read_only)]
    pub history: Vec<NeedVersion>,
}

/// What a need was before one change, and who changed it, when and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedVersion {
    /// The text before the change.
    pub text: Option<String>,
    pub theme: Option<String>,
    pub raised_by: NeedRaisedBy,
    pub state: NeedState,
    /// Why it was changed.
    pub reason: String,
    pub changed_by: LeadWorker,
    pub changed_at: DateTime<Utc>,
}

/// A moment of contact with the family: the confidential timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactMoment {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub kind: ContactKind,
    /// Null once erased.
    pub summary: Option<String>,
    #[schema(read_only)]
    pub author: LeadWorker,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    /// The last correction.
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
    /// What the contact moment said before each correction, oldest first. For the case team
    /// and the family's export only; emptied by erasure.
    #[schema(read_only)]
    pub history: Vec<ContactVersion>,
}

/// What a contact moment was before one correction, and who corrected it, when and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactVersion {
    pub occurred_at: DateTime<Utc>,
    pub kind: ContactKind,
    /// The summary before the correction.
    pub summary: Option<String>,
    /// Why it was corrected.
    pub reason: String,
    pub changed_by: LeadWorker,
    pub changed_at: DateTime<Utc>,
}

/// A consent the family gave, and whether it was withdrawn.
#[derive(Debug, Serialize, ToSchema)]
pub struct Consent {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub kind: ConsentKind,
    /// For `refer_to_partner`: the partner organisation it allows.
    #[schema(format = Uuid)]
    pub partner_id: Option<String>,
    /// For `refer_to_partner`: the partner also sees the family's contact data (name, phone,
    /// language) with the referral. Default false.
    pub share_contact_with_partner: bool,
    pub given_by: crate::domain::case::ConsentGivenBy,
    pub method: crate::domain::case::ConsentMethod,
    pub given_at: DateTime<Utc>,
    #[schema(read_only)]
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Given and not withdrawn.
    #[schema(read_only)]
    pub live: bool,
    pub note: Option<String>,
}

/// What every list view of a case names beside it, taken from the item: its school, its lead
/// worker and its themes; the rest of the case is returned for the view to consume.
fn names_of(r: CaseListItem) -> (repo::CaseItem, CaseSchool, Option<LeadWorker>, Vec<String>) {
    let themes = r.theme_codes();
    let school = CaseSchool {
        id: r.case.school_id.to_string(),
        name: r.school_name,
        network_id: r.network_id,
    };
    let lead_worker = match (&r.case.lead_worker_id, r.lead_worker_name) {
        (Some(id), Some(display_name)) => Some(LeadWorker {
            id: id.to_string(),
            display_name,
        }),
        _ => None,
    };
    (r.case, school, lead_worker, themes)
}

pub(super) fn pupil_of(c: &CaseRow) -> Option<Pupil> {
    c.pupil_pseudonym.as_ref().map(|p| Pupil {
        pseudonym: p.clone(),
        birth_year: c.pupil_birth_year,
        class: c.pupil_class.clone(),
    })
}

pub(super) fn status_of(c: &CaseRow) -> CaseStatus {
    c.status
}

/// The coordinator's view of a case, built from the item it consumes (a page is 50 of them;
/// the case view converts its row once).
pub(super) fn metadata(r: CaseListItem) -> CaseMetadata {
    let (c, school, lead_worker, themes) = names_of(r);
    CaseMetadata {
        school,
        id: c.id.into(),
        reference: c.reference,
        origin: c.origin,
        themes,
        priority: c.priority,
        known_to_ocmw: c.known_to_ocmw,
        status: c.status,
        outcome: c.outcome,
        lead_worker,
        opened_at: utc(c.opened_at),
        first_contact_at: c.first_contact_at.map(utc),
        closed_at: c.closed_at.map(utc),
        updated_at: utc(c.updated_at),
    }
}

/// A worker's list item, built from the row it consumes (a page is 50 of them).
pub(super) fn summary(r: CaseListItem) -> CaseSummary {
    let (c, school, lead_worker, themes) = names_of(r);
    CaseSummary {
        school,
        id: c.id.into(),
        reference: c.reference,
        origin: c.origin,
        themes,
        priority: c.priority,
        status: c.status,
        outcome: c.outcome,
        lead_worker,
        opened_at: utc(c.opened_at),
        first_contact_at: c.first_contact_at.map(utc),
        closed_at: c.closed_at.map(utc),
        pupil: c.pupil_pseudonym.map(|pseudonym| Pupil {
            pseudonym,
            birth_year: c.pupil_birth_year,
            class: c.pupil_class,
        }),
        updated_at: utc(c.updated_at),
    }
}

/// The cases among `rows` whose feedback the school may read now: the consent it was written
/// under is still live. A later consent does not show feedback written under an earlier one.
pub(super) fn feedback_shown(
    conn: &mut DbConn,
    rows: &[CaseListItem],
) -> ApiResult<std::collections::HashSet<String>> {
    let consents: Vec<String> = rows
        .iter()
        .filter(|r| r.case.feedback_for_school.is_some())
        .filter_map(|r| r.case.feedback_consent_id.clone())
        .collect();
    let live = repo::live_consents(conn, &consents, now())?;
    Ok(rows
        .iter()
        .filter(|r| {
            r.case
                .feedback_consent_id
                .as_ref()
                .is_some_and(|k| live.contains(k))
        })
        .map(|r| r.case.id.to_string())
        .collect())
}

pub(super) fn school_view(r: &CaseListItem, feedback_shared: bool) -> SchoolCase {
    let c = &r.case;
    SchoolCase {
        id: c.id.to_string(),
        reference: c.reference.clone(),
        pupil_pseudonym: c.pupil_pseudonym.clone(),
        pupil_class: c.pupil_class.clone(),
        submission_id: c.submission_id.as_ref().map(|s| s.to_string()),
        status: c.status,
        opened_at: utc(c.opened_at),
        closed_at: c.closed_at.map(utc),
        worker_name: r.lead_worker_name.clone(),
        feedback_for_school: if feedback_shared {
            c.feedback_for_school.clone()
        } else {
            None
        },
    }
}

/// A need with its earlier versions (oldest first).
pub(crate) fn need_of(n: repo::NeedRow, history: Vec<(repo::NeedHistoryRow, String)>) -> Need {
    Need {
        id: n.id,
        text: n.text,
        theme: n.theme_code,
        raised_by: n.raised_by,
        state: n.state,
        created_at: utc(n.created_at),
        updated_at: utc(n.updated_at),
        history: history
            .into_iter()
            .map(|(h, name)| NeedVersion {
                text: h.text,
                theme: h.theme_code,
                raised_by: h.raised_by,
                state: h.state,
                reason: h.reason,
                changed_by: LeadWorker {
                    id: h.corrected_by,
                    display_name: name,
                },
                changed_at: utc(h.corrected_at),
            })
            .collect(),
    }
}

/// A contact moment with its author's name and its earlier versions (oldest first).
pub(crate) fn contact_of(
    (c, author): (repo::ContactRow, String),
    history: Vec<(repo::ContactHistoryRow, String)>,
) -> ContactMoment {
    ContactMoment {
        id: c.id,
        occurred_at: utc(c.occurred_at),
        kind: c.kind,
        summary: c.summary,
        author: LeadWorker {
            id: c.author_id,
            display_name: author,
        },
        created_at: utc(c.created_at),
        updated_at: utc(c.updated_at),
        history: history
            .into_iter()
            .map(|(h, name)| ContactVersion {
                occurred_at: utc(h.occurred_at),
                kind: h.kind,
                summary: h.summary,
                reason: h.reason,
                changed_by: LeadWorker {
                    id: h.corrected_by,
                    display_name: name,
                },
                changed_at: utc(h.corrected_at),
            })
            .collect(),
    }
}

/// Rows grouped by the id `key` names, each group in the order given.
pub(super) fn by_owner<T>(
    rows: Vec<T>,
    key: fn(&T) -> &str,
) -> std::collections::HashMap<String, Vec<T>> {
    let mut out: std::collections::HashMap<String, Vec<T>> = std::collections::HashMap::new();
    for r in rows {
        out.entry(key(&r).to_string()).or_default().push(r);
    }
    out
}

pub(crate) fn consent_of(c: repo::ConsentRow, at: chrono::NaiveDateTime) -> Consent {
    Consent {
        live: c.given_at <= at && c.withdrawn_at.is_none_or(|w| w > at),
        id: c.id,
        kind: c.kind,
        partner_id: c.partner_id,
        share_contact_with_partner: c.share_contact_with_partner,
        given_by: c.given_by,
        method: c.method,
        given_at: utc(c.given_at),
        withdrawn_at: c.withdrawn_at.map(utc),
        note: c.note,
    }
}

/// The worker's full view of a case, with everything that hangs on it.
pub fn detail(conn: &mut DbConn, r: CaseListRow) -> ApiResult<CaseDetail> {
    let children = crate::db::case_children::of_case(conn, r.case.id.as_str())?;
    Ok(detail_with(r, children))
}

/// The worker's full view of a case from the case and its children as read.
pub fn detail_with(r: CaseListRow, children: crate::db::case_children::Children) -> CaseDetail {
    let at = now();
    let mut need_history = by_owner(children.need_history, |(h, _)| h.need_id.as_str());
    let mut contact_history = by_owner(children.contact_history, |(h, _)| h.contact_id.as_str());
    let needs = children
        .needs
        .into_iter()
        .map(|n| {
            let h = need_history.remove(&n.id).unwrap_or_default();
            need_of(n, h)
        })
        .collect();
    let contact_moments = children
        .contacts
        .into_iter()
        .map(|c| {
            let h = contact_history.remove(&c.0.id).unwrap_or_default();
            contact_of(c, h)
        })
        .collect();
    let consents = children
        .consents
        .into_iter()
        .map(|c| consent_of(c, at))
        .collect();
    let m = metadata(CaseListItem::from(&r));
    let c = r.case;
    CaseDetail {
        pupil: pupil_of(&c),
        id: m.id,
        reference: m.reference,
        school: m.school,
        origin: m.origin,
        themes: m.themes,
        priority: m.priority,
        known_to_ocmw: m.known_to_ocmw,
        status: m.status,
        outcome: m.outcome,
        outcome_note: c.outcome_note,
        lead_worker: m.lead_worker,
        opened_at: m.opened_at,
        first_contact_at: m.first_contact_at,
        closed_at: m.closed_at,
        family: FamilyContact {
            name: c.family_name,
            phone: c.family_phone,
            language: c.family_language,
            interpreter_needed: c.interpreter_needed.unwrap_or(false),
        },
        question: c.question,
        feedback_for_school: c.feedback_for_school,
        feedback_consent_id: c.feedback_consent_id,
        submission_id: c.submission_id.map(String::from),
        follow_up_on: c.follow_up_on,
        erased_at: c.erased_at.map(utc),
        needs,
        contact_moments,
        consents,
        created_at: utc(c.created_at),
        updated_at: m.updated_at,
    }
}

// ---------------------------------------------------------------------------------------------
// Access

pub(super) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub(super) fn view(conn: &mut DbConn, user: &Viewer, r: CaseListRow) -> ApiResult<CaseView> {
    Ok(match user.sees() {
        Sees::CaseTeam => CaseView::Worker(Box::new(detail(conn, r)?)),
        Sees::Metadata => CaseView::Coordinator(metadata(CaseListItem::from(&r))),
        Sees::School => {
            let r = CaseListItem::from(&r);
            let shared = !feedback_shown(conn, std::slice::from_ref(&r))?.is_empty();
            CaseView::School(school_view(&r, shared))
        }
        // A partner's scope reaches no case.
        Sees::Partner => return Err(ApiError::NotFound),
    })
}
