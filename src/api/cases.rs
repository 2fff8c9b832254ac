//! Cases: a help request about one pupil's family. Three views of the same case, by role:
//! the worker's (everything, for the schools they are assigned to), the coordinator's (metadata
//! only, every case) and the school's (reference, status, dates, worker, feedback — only for the
//! cases its school raised, and feedback only while the family allows it).

use std::collections::{HashMap, HashSet};

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, Page, check_if_match, created, decode_cursor, etag};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::assignments::schools_of_worker;
use crate::db::cases::{self as repo, CaseFilter, CaseListRow, CaseRow};
use crate::db::schema::cases;
use crate::db::{DbConn, now};
use crate::domain::case::{
    CaseOrigin, CaseOutcome, CasePriority, CaseStatus, CaseTransition, ConsentKind,
};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};
use crate::usecases::themes::check_themes;

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

/// The pupil as the school knows them: a pseudonym, never a full name.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pupil {
    /// The school's own short label for the pupil (not a name).
    #[validate(length(min = 1, max = 40))]
    #[schema(example = "4B-07")]
    pub pseudonym: String,
    #[validate(range(min = 1990, max = 2030))]
    #[schema(example = 2016)]
    pub birth_year: Option<i32>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(example = "4B")]
    pub class: Option<String>,
}

/// How to reach the family. Kept only on the case, seen only by its social workers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyContact {
    #[validate(length(max = 200))]
    #[schema(example = "Mevrouw Diallo")]
    pub name: Option<String>,
    #[validate(length(max = 50))]
    #[schema(example = "0470 12 34 56")]
    pub phone: Option<String>,
    /// The language the family speaks at home.
    #[validate(length(max = 50))]
    #[schema(example = "Frans")]
    pub language: Option<String>,
    #[serde(default)]
    pub interpreter_needed: bool,
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
    /// The checklist submission the case was opened from.
    #[schema(read_only, format = Uuid)]
    pub submission_id: Option<String>,
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
    pub opened_at: DateTime<Utc>,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub pupil: Option<Pupil>,
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
    pub opened_at: DateTime<Utc>,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// A case as the school that raised it sees it: that it is being handled, by whom, and the
/// feedback the worker shares with the family's consent. Nothing else.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000d1", "reference": "KE-2026-00042", "status": "in_progress", "opened_at": "2026-11-24T09:00:00Z", "closed_at": null, "worker_name": "Wendy Willems", "feedback_for_school": "Het gezin krijgt hulp bij de schoolkosten."}))]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct SchoolCase {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub reference: String,
    pub status: CaseStatus,
    pub opened_at: DateTime<Utc>,
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
    pub raised_by: crate::domain::case::NeedRaisedBy,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
}

/// A moment of contact with the family: the confidential timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactMoment {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub kind: crate::domain::case::ContactKind,
    /// Null once erased.
    pub summary: Option<String>,
    #[schema(read_only)]
    pub author: LeadWorker,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
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

fn parse_or<T: Copy>(code: &str, parse: fn(&str) -> Option<T>, default: T) -> T {
    parse(code).unwrap_or_else(|| {
        log::error!("unknown stored code `{code}`");
        default
    })
}

fn school_of(r: &CaseListRow) -> CaseSchool {
    CaseSchool {
        id: r.case.school_id.clone(),
        name: r.school_name.clone(),
        network_id: r.network_id.clone(),
    }
}

fn lead_of(r: &CaseListRow) -> Option<LeadWorker> {
    match (&r.case.lead_worker_id, &r.lead_worker_name) {
        (Some(id), Some(name)) => Some(LeadWorker {
            id: id.clone(),
            display_name: name.clone(),
        }),
        _ => None,
    }
}

fn pupil_of(c: &CaseRow) -> Option<Pupil> {
    c.pupil_pseudonym.as_ref().map(|p| Pupil {
        pseudonym: p.clone(),
        birth_year: c.pupil_birth_year,
        class: c.pupil_class.clone(),
    })
}

fn status_of(c: &CaseRow) -> CaseStatus {
    parse_or(&c.status, CaseStatus::parse, CaseStatus::New)
}

fn metadata(r: &CaseListRow, themes: Vec<String>) -> CaseMetadata {
    let c = &r.case;
    CaseMetadata {
        id: c.id.clone(),
        reference: c.reference.clone(),
        school: school_of(r),
        origin: parse_or(&c.origin, CaseOrigin::parse, CaseOrigin::SocialWorker),
        themes,
        priority: parse_or(&c.priority, CasePriority::parse, CasePriority::Normal),
        known_to_ocmw: c.known_to_ocmw,
        status: status_of(c),
        outcome: c.outcome.as_deref().and_then(CaseOutcome::parse),
        lead_worker: lead_of(r),
        opened_at: utc(c.opened_at),
        first_contact_at: c.first_contact_at.map(utc),
        closed_at: c.closed_at.map(utc),
        updated_at: utc(c.updated_at),
    }
}

fn summary(r: &CaseListRow, themes: Vec<String>) -> CaseSummary {
    let m = metadata(r, themes);
    CaseSummary {
        id: m.id,
        reference: m.reference,
        school: m.school,
        origin: m.origin,
        themes: m.themes,
        priority: m.priority,
        status: m.status,
        outcome: m.outcome,
        lead_worker: m.lead_worker,
        opened_at: m.opened_at,
        first_contact_at: m.first_contact_at,
        closed_at: m.closed_at,
        pupil: pupil_of(&r.case),
        updated_at: m.updated_at,
    }
}

fn school_view(r: &CaseListRow, feedback_shared: bool) -> SchoolCase {
    let c = &r.case;
    SchoolCase {
        id: c.id.clone(),
        reference: c.reference.clone(),
        status: status_of(c),
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

pub(crate) fn need_of(n: repo::NeedRow) -> Need {
    Need {
        id: n.id,
        text: n.text,
        theme: n.theme_code,
        raised_by: parse_or(
            &n.raised_by,
            crate::domain::case::NeedRaisedBy::parse,
            crate::domain::case::NeedRaisedBy::SocialWorker,
        ),
        created_at: utc(n.created_at),
    }
}

pub(crate) fn contact_of((c, author): (repo::ContactRow, String)) -> ContactMoment {
    ContactMoment {
        id: c.id,
        occurred_at: utc(c.occurred_at),
        kind: parse_or(
            &c.kind,
            crate::domain::case::ContactKind::parse,
            crate::domain::case::ContactKind::Other,
        ),
        summary: c.summary,
        author: LeadWorker {
            id: c.author_id,
            display_name: author,
        },
        created_at: utc(c.created_at),
    }
}

pub(crate) fn consent_of(c: repo::ConsentRow, at: chrono::NaiveDateTime) -> Consent {
    Consent {
        live: c.given_at <= at && c.withdrawn_at.is_none_or(|w| w > at),
        id: c.id,
        kind: parse_or(&c.kind, ConsentKind::parse, ConsentKind::ShareWithSchool),
        partner_id: c.partner_id,
        given_by: parse_or(
            &c.given_by,
            crate::domain::case::ConsentGivenBy::parse,
            crate::domain::case::ConsentGivenBy::Parent,
        ),
        method: parse_or(
            &c.method,
            crate::domain::case::ConsentMethod::parse,
            crate::domain::case::ConsentMethod::Verbal,
        ),
        given_at: utc(c.given_at),
        withdrawn_at: c.withdrawn_at.map(utc),
        note: c.note,
    }
}

/// The worker's full view of a case, with everything that hangs on it.
pub fn detail(conn: &mut DbConn, r: CaseListRow) -> ApiResult<CaseDetail> {
    let id = r.case.id.clone();
    let themes = repo::themes_of(conn, std::slice::from_ref(&id))?
        .remove(&id)
        .unwrap_or_default();
    let at = now();
    let needs = repo::needs(conn, &id)?.into_iter().map(need_of).collect();
    let contact_moments = repo::contacts(conn, &id)?
        .into_iter()
        .map(contact_of)
        .collect();
    let consents = repo::consents(conn, &id)?
        .into_iter()
        .map(|c| consent_of(c, at))
        .collect();
    let m = metadata(&r, themes);
    let c = r.case;
    Ok(CaseDetail {
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
        submission_id: c.submission_id,
        erased_at: c.erased_at.map(utc),
        needs,
        contact_moments,
        consents,
        created_at: utc(c.created_at),
        updated_at: m.updated_at,
    })
}

// ---------------------------------------------------------------------------------------------
// Access

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The case, for a social worker assigned to its school now; 404 otherwise.
pub fn worked_case(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<CaseListRow> {
    require(user, Action::WorkCases)?;
    Ok(repo::find_scoped(conn, id, &user.case_scope())?)
}

fn view(conn: &mut DbConn, user: &Viewer, r: CaseListRow) -> ApiResult<CaseView> {
    Ok(match user.sees() {
        Sees::CaseTeam => CaseView::Worker(Box::new(detail(conn, r)?)),
        Sees::Metadata => {
            let themes = repo::themes_of(conn, std::slice::from_ref(&r.case.id))?
                .remove(&r.case.id)
                .unwrap_or_default();
            CaseView::Coordinator(metadata(&r, themes))
        }
        Sees::School => {
            let shared = !repo::with_live_consent(
                conn,
                std::slice::from_ref(&r.case.id),
                ConsentKind::ShareWithSchool.as_str(),
                None,
                now(),
            )?
            .is_empty();
            CaseView::School(school_view(&r, shared))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the writes

/// A lead worker must be an active social worker assigned to the case's school now.
fn check_lead_worker(
    conn: &mut DbConn,
    checks: &mut Checks,
    field: &str,
    worker_id: &str,
    school_id: &str,
) -> ApiResult<()> {
    match crate::db::users::is_active_worker(conn, worker_id)? {
        true => {
            if !schools_of_worker(conn, worker_id, today())?
                .iter()
                .any(|s| s == school_id)
            {
                checks.add(
                    field,
                    "this social worker is not assigned to the case's school",
                );
            }
        }
        false => checks.add(field, "no such active social worker"),
    }
    Ok(())
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------------
// List and read

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// Only cases of this school.
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// Only cases of schools in this network.
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
    /// Only cases in this status.
    pub status: Option<CaseStatus>,
    /// Only cases with this theme code.
    #[validate(length(min = 1, max = 50))]
    pub theme: Option<String>,
    /// Only cases with this origin.
    pub origin: Option<CaseOrigin>,
    /// Only cases with this lead worker.
    #[param(format = Uuid)]
    pub worker: Option<Uuid>,
    /// Opened on or after this day.
    pub opened_from: Option<NaiveDate>,
    /// Opened on or before this day.
    pub opened_to: Option<NaiveDate>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/cases", tag = "cases", operation_id = "list_cases",
    summary = "List cases",
    description = "Newest first. What each role gets: a **social_worker** the cases of the schools they are \
assigned to now, as `CaseSummary`; the **coordinator** every case as `CaseMetadata` (no personal data); a \
**school** the cases its school raised (origin `checklist` or `school_request`) as `SchoolCase`. Roles: \
coordinator, social_worker, school.",
    security(("bearer" = [])), params(CaseQuery),
    responses((status = 200, description = "A page of cases in the caller's view", body = CasePage))
)]
#[get("/api/v1/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<CaseQuery>,
) -> ApiResult<web::Json<CasePage>> {
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(chrono::NaiveDateTime, String)>(q.cursor.as_deref())?;
    if let (Some(from), Some(to)) = (q.opened_from, q.opened_to)
        && from > to
    {
        return Err(ApiError::field(
            "opened_to",
            "must not be before opened_from",
        ));
    }
    let filter = CaseFilter {
        school_id: q.school.map(|s| s.to_string()),
        network_id: q.network.map(|n| n.to_string()),
        status: q.status.map(|s| s.as_str().to_string()),
        theme: q.theme,
        origin: q.origin.map(|o| o.as_str().to_string()),
        lead_worker_id: q.worker.map(|w| w.to_string()),
        opened_from: q.opened_from.and_then(|d| d.and_hms_opt(0, 0, 0)),
        opened_before: q
            .opened_to
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
    };
    let scope = user.case_scope();
    let sees = user.sees();
    let page = state
        .db
        .write(move |conn| {
            let rows = repo::list(conn, &scope, filter, after, limit)?;
            match sees {
                // Workers' and schools' lists carry personal data (pseudonyms, feedback).
                Sees::CaseTeam | Sees::School => {
                    record(conn, &user, AuditAction::List, "case", None, None)?
                }
                Sees::Metadata => {}
            }
            let key = |r: &CaseListRow| (r.case.opened_at, r.case.id.clone());
            let ids: Vec<String> = rows.iter().map(|r| r.case.id.clone()).collect();
            Ok(match sees {
                Sees::School => {
                    let shared: HashSet<String> = repo::with_live_consent(
                        conn,
                        &ids,
                        ConsentKind::ShareWithSchool.as_str(),
                        None,
                        now(),
                    )?
                    .into_iter()
                    .collect();
                    CasePage::School(common::page(rows, limit, key, |r| {
                        let s = shared.contains(&r.case.id);
                        school_view(&r, s)
                    }))
                }
                Sees::Metadata => {
                    let mut themes = repo::themes_of(conn, &ids)?;
                    CasePage::Coordinator(common::page(rows, limit, key, |r| {
                        let t = themes.remove(&r.case.id).unwrap_or_default();
                        metadata(&r, t)
                    }))
                }
                Sees::CaseTeam => {
                    let mut themes: HashMap<String, Vec<String>> = repo::themes_of(conn, &ids)?;
                    CasePage::Worker(common::page(rows, limit, key, |r| {
                        let t = themes.remove(&r.case.id).unwrap_or_default();
                        summary(&r, t)
                    }))
                }
            })
        })
        .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "get_case",
    summary = "Get a case",
    description = "A **social_worker** assigned to the case's school gets `CaseDetail` (with needs, contact \
moments and consents); the **coordinator** gets `CaseMetadata`; a **school** gets `SchoolCase` for a case its \
school raised. Any other case answers 404. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case in the caller's view", body = CaseView, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let (v, tag) = state
        .db
        .write(move |conn| {
            let r = repo::find_scoped(conn, &id, &user.case_scope())?;
            record(conn, &user, AuditAction::Read, "case", Some(&id), Some(&id))?;
            let tag = etag(r.case.updated_at);
            Ok((view(conn, &user, r)?, tag))
        })
        .await?;
    Ok(common::ok_with_etag(&v, &tag))
}

// ---------------------------------------------------------------------------------------------
// Create

/// A case a social worker opens (not from a checklist: triage opens those).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"school_id": "0193a1b2-0000-7000-8000-0000000000c1", "origin": "office_hours", "themes": ["school_costs", "finances_debt"], "priority": "normal", "known_to_ocmw": false, "pupil": {"pseudonym": "4B-07", "birth_year": 2016, "class": "4B"}, "family": {"name": "Mevrouw Diallo", "phone": "0470 12 34 56", "language": "Frans", "interpreter_needed": true}, "question": "Moeder vraagt hulp bij de schoolrekening."}))]
pub struct NewCase {
    #[schema(format = Uuid)]
    pub school_id: String,
    /// Any origin but `checklist` (a checklist becomes a case through triage).
    pub origin: CaseOrigin,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default = "normal")]
    pub priority: CasePriority,
    pub known_to_ocmw: Option<bool>,
    #[validate(nested)]
    pub pupil: Pupil,
    #[serde(default)]
    #[validate(nested)]
    pub family: FamilyContact,
    #[validate(length(max = 4000))]
    pub question: Option<String>,
    /// Defaults to the caller.
    #[schema(format = Uuid)]
    pub lead_worker_id: Option<String>,
}

fn normal() -> CasePriority {
    CasePriority::Normal
}

/// A case as a school raises it directly: the pupil's label, the themes and the question.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pupil": {"pseudonym": "4B-07", "birth_year": 2016, "class": "4B"}, "themes": ["school_costs"], "question": "De schoolrekeningen van dit gezin blijven al maanden open. Kan iemand contact opnemen?"}))]
pub struct NewCaseRequest {
    #[validate(nested)]
    pub pupil: Pupil,
    #[serde(default)]
    pub themes: Vec<String>,
    #[validate(length(min = 1, max = 4000))]
    pub question: String,
}

/// Everything a new case row needs besides what the caller sent; shared by every way a case
/// is opened (worker, school request, checklist triage).
pub struct Opening {
    pub school_id: String,
    pub origin: CaseOrigin,
    pub themes: Vec<String>,
    pub priority: CasePriority,
    pub known_to_ocmw: Option<bool>,
    pub pupil: Pupil,
    pub family: FamilyContact,
    pub question: Option<String>,
    pub lead_worker_id: Option<String>,
    pub submission_id: Option<String>,
    pub created_by: String,
}

/// Stores a new case with the next reference of the year. Call inside a write transaction.
pub fn open_case(conn: &mut DbConn, o: Opening) -> ApiResult<CaseRow> {
    let at = now();
    let reference = repo::next_reference(conn, at.year())?;
    let row = CaseRow {
        id: Uuid::now_v7().to_string(),
        reference,
        school_id: o.school_id,
        origin: o.origin.as_str().into(),
        priority: o.priority.as_str().into(),
        known_to_ocmw: o.known_to_ocmw,
        status: CaseStatus::New.as_str().into(),
        outcome: None,
        outcome_note: None,
        lead_worker_id: o.lead_worker_id,
        opened_at: at,
        first_contact_at: None,
        first_contact_days: None,
        closed_at: None,
        pupil_pseudonym: Some(o.pupil.pseudonym.trim().to_string()),
        pupil_birth_year: o.pupil.birth_year,
        pupil_class: trimmed(o.pupil.class),
        question: trimmed(o.question),
        family_name: trimmed(o.family.name),
        family_phone: trimmed(o.family.phone),
        family_language: trimmed(o.family.language),
        interpreter_needed: Some(o.family.interpreter_needed),
        feedback_for_school: None,
        feedback_at: None,
        submission_id: o.submission_id,
        erased_at: None,
        erasure_reason: None,
        created_by: o.created_by,
        created_at: at,
        updated_at: at,
    };
    repo::insert(conn, &row, &o.themes)?;
    crate::db::events::record(
        conn,
        "case.opened",
        &serde_json::json!({
            "case_id": row.id,
            "school_id": row.school_id,
            "origin": row.origin,
            "status": row.status,
            "at": utc(at),
        }),
        at,
    )?;
    Ok(row)
}

fn created_case(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<(CaseView, String)> {
    record(conn, user, AuditAction::Create, "case", Some(id), Some(id))?;
    let r = repo::find_scoped(conn, id, &user.case_scope())?;
    let tag = etag(r.case.updated_at);
    Ok((view(conn, user, r)?, tag))
}

#[utoipa::path(
    post, path = "/api/v1/cases", tag = "cases", operation_id = "create_case",
    summary = "Open a case",
    description = "A social worker opens a case for a school they are assigned to (a family at the office \
hours, a parent's call, their own observation). The reference (`KE-2026-00042`) is given by the server. \
Checklist cases are opened by triage instead. Roles: social_worker.",
    security(("bearer" = [])), request_body = NewCase,
    responses(
        (status = 201, description = "Opened", body = CaseDetail, headers(("Location" = String, description = "The new case"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    user: Viewer,
    body: ApiJson<NewCase>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WorkCases)?;
    let b = body.into_inner()?;
    let (v, tag, id) = state
        .db
        .write(move |conn| {
            let mut checks = Checks::default();
            let school_id = Uuid::parse_str(&b.school_id)
                .map(|u| u.to_string())
                .unwrap_or_default();
            if !user.acts_for(&school_id) {
                checks.add("school_id", "you are not assigned to this school");
            }
            if b.origin == CaseOrigin::Checklist {
                checks.add(
                    "origin",
                    "checklist cases are opened by triaging the submission",
                );
            }
            check_themes(conn, &mut checks, "themes", &b.themes)?;
            let lead = b.lead_worker_id.clone().unwrap_or_else(|| user.id.clone());
            if b.lead_worker_id.is_some() {
                check_lead_worker(conn, &mut checks, "lead_worker_id", &lead, &school_id)?;
            }
            checks.finish()?;
            let row = open_case(
                conn,
                Opening {
                    school_id,
                    origin: b.origin,
                    themes: b.themes,
                    priority: b.priority,
                    known_to_ocmw: b.known_to_ocmw,
                    pupil: b.pupil,
                    family: b.family,
                    question: b.question,
                    lead_worker_id: Some(lead),
                    submission_id: None,
                    created_by: user.id.clone(),
                },
            )?;
            let (v, tag) = created_case(conn, &user, &row.id)?;
            Ok((v, tag, row.id))
        })
        .await?;
    Ok(created(&v, format!("/api/v1/cases/{id}"), &tag))
}

#[utoipa::path(
    post, path = "/api/v1/case-requests", tag = "cases", operation_id = "raise_case_request",
    summary = "Raise a case as a school",
    description = "A school asks the programme to help a pupil's family. The case lands as `new` with origin \
`school_request` for the school's social workers; its lead worker is the school's SPOC when it has one. The \
school gets its own view of the case back. Roles: school.",
    security(("bearer" = [])), request_body = NewCaseRequest,
    responses(
        (status = 201, description = "Raised", body = SchoolCase, headers(("Location" = String, description = "The new case"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/case-requests")]
pub async fn raise_case_request(
    state: web::Data<AppState>,
    user: Viewer,
    body: ApiJson<NewCaseRequest>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::SubmitChecklist)?;
    let b = body.into_inner()?;
    let school_id = user
        .own_school()
        .map(String::from)
        .ok_or_else(|| ApiError::internal("school account without a school"))?;
    let (v, tag, id) = state
        .db
        .write(move |conn| {
            let mut checks = Checks::default();
            check_themes(conn, &mut checks, "themes", &b.themes)?;
            checks.finish()?;
            let lead = crate::db::assignments::spoc_of(conn, &school_id, today())?;
            let row = open_case(
                conn,
                Opening {
                    school_id,
                    origin: CaseOrigin::SchoolRequest,
                    themes: b.themes,
                    priority: CasePriority::Normal,
                    known_to_ocmw: None,
                    pupil: b.pupil,
                    family: FamilyContact::default(),
                    question: Some(b.question),
                    lead_worker_id: lead,
                    submission_id: None,
                    created_by: user.id.clone(),
                },
            )?;
            let (v, tag) = created_case(conn, &user, &row.id)?;
            Ok((v, tag, row.id))
        })
        .await?;
    Ok(created(&v, format!("/api/v1/cases/{id}"), &tag))
}

// ---------------------------------------------------------------------------------------------
// Change

/// Changes to a case's data; only the fields sent change. Status has its own actions.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"themes": ["school_costs", "housing"], "priority": "high", "known_to_ocmw": true, "family": {"name": "Mevrouw Diallo", "phone": "0470 12 34 56", "language": "Frans", "interpreter_needed": false}}))]
pub struct CasePatch {
    pub themes: Option<Vec<String>>,
    pub priority: Option<CasePriority>,
    pub known_to_ocmw: Option<bool>,
    #[validate(nested)]
    pub pupil: Option<Pupil>,
    #[validate(nested)]
    pub family: Option<FamilyContact>,
    #[validate(length(max = 4000))]
    pub question: Option<String>,
}

#[utoipa::path(
    patch, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "update_case",
    summary = "Change a case",
    description = "Themes, priority, whether the family was known to the OCMW, pupil, family contact and \
question. Send the ETag you read as If-Match. Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])), request_body = CasePatch,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = CaseDetail, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/cases/{id}")]
pub async fn update_case(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<CasePatch>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WorkCases)?;
    let (id, if_match, b) = (id.to_string(), common::if_match(&req), body.into_inner()?);
    let (v, tag) = state
        .db
        .write(move |conn| {
            let current = worked_case(conn, &user, &id)?;
            check_if_match(if_match.as_deref(), &etag(current.case.updated_at))?;
            let mut checks = Checks::default();
            if let Some(t) = &b.themes {
                // A theme retired since stays on the case; it cannot be added anew.
                let had = repo::themes_of(conn, std::slice::from_ref(&id))?
                    .remove(&id)
                    .unwrap_or_default();
                crate::usecases::themes::check_refs(conn, "themes", t, &had, &mut checks)?;
            }
            checks.finish()?;
            let c = &current.case;
            let at = now();
            let (pseudonym, birth_year, class) = match b.pupil {
                Some(p) => (
                    Some(p.pseudonym.trim().to_string()),
                    p.birth_year,
                    trimmed(p.class),
                ),
                None => (
                    c.pupil_pseudonym.clone(),
                    c.pupil_birth_year,
                    c.pupil_class.clone(),
                ),
            };
            let (fname, fphone, flang, interpreter) = match b.family {
                Some(f) => (
                    trimmed(f.name),
                    trimmed(f.phone),
                    trimmed(f.language),
                    Some(f.interpreter_needed),
                ),
                None => (
                    c.family_name.clone(),
                    c.family_phone.clone(),
                    c.family_language.clone(),
                    c.interpreter_needed,
                ),
            };
            diesel::update(cases::table.find(&id))
                .set((
                    cases::priority.eq(b
                        .priority
                        .map(|p| p.as_str().to_string())
                        .unwrap_or(c.priority.clone())),
                    cases::known_to_ocmw.eq(b.known_to_ocmw.or(c.known_to_ocmw)),
                    cases::pupil_pseudonym.eq(pseudonym),
                    cases::pupil_birth_year.eq(birth_year),
                    cases::pupil_class.eq(class),
                    cases::family_name.eq(fname),
                    cases::family_phone.eq(fphone),
                    cases::family_language.eq(flang),
                    cases::interpreter_needed.eq(interpreter),
                    cases::question.eq(match b.question {
                        Some(q) => trimmed(Some(q)),
                        None => c.question.clone(),
                    }),
                    cases::updated_at.eq(at),
                ))
                .execute(conn)?;
            if let Some(t) = &b.themes {
                repo::set_themes(conn, &id, t)?;
            }
            record(
                conn,
                &user,
                AuditAction::Update,
                "case",
                Some(&id),
                Some(&id),
            )?;
            let r = repo::find_scoped(conn, &id, &user.case_scope())?;
            let tag = etag(r.case.updated_at);
            Ok((detail(conn, r)?, tag))
        })
        .await?;
    Ok(common::ok_with_etag(&v, &tag))
}

/// Closing needs an outcome.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "resolved", "note": "Studietoelage aangevraagd, schoolrekening afbetaald."}))]
pub struct CloseCase {
    pub outcome: CaseOutcome,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// Applies a lifecycle action: 409 naming the current state when it is not allowed from there.
fn transition(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    t: CaseTransition,
    close: Option<CloseCase>,
) -> ApiResult<(CaseDetail, String)> {
    let current = worked_case(conn, user, id)?;
    check_if_match(if_match, &etag(current.case.updated_at))?;
    let from = status_of(&current.case);
    t.check(from)?;
    if let (CaseTransition::Close, Some(c)) = (t, &close)
        && c.outcome == CaseOutcome::Referred
        && !crate::db::referrals::case_has_sent_referral(conn, id)?
    {
        return Err(ApiError::conflict(
            "a case closes as `referred` only when at least one of its referrals was sent; \
                 send a referral first, or close with another outcome",
        ));
    }
    let at = now();
    let to = t.step().to;
    let (outcome, note, closed_at) = match (t, close) {
        (CaseTransition::Close, Some(c)) => (
            Some(c.outcome.as_str().to_string()),
            trimmed(c.note),
            Some(at),
        ),
        _ => (None, None, None),
    };
    let outcome_code = outcome.clone();
    diesel::update(cases::table.find(id))
        .set((
            cases::status.eq(to.as_str()),
            cases::outcome.eq(outcome),
            cases::outcome_note.eq(note),
            cases::closed_at.eq(closed_at),
            cases::updated_at.eq(at),
        ))
        .execute(conn)?;
    record(
        conn,
        user,
        AuditAction::StatusChange,
        "case",
        Some(id),
        Some(id),
    )?;
    crate::db::events::record(
        conn,
        "case.status_changed",
        &serde_json::json!({
            "case_id": id,
            "school_id": current.case.school_id,
            "from_status": from.as_str(),
            "to_status": to.as_str(),
            "outcome": outcome_code,
            "at": utc(at),
        }),
        at,
    )?;
    let r = repo::find_scoped(conn, id, &user.case_scope())?;
    let tag = etag(r.case.updated_at);
    Ok((detail(conn, r)?, tag))
}

/// A case action without a body.
fn plain_transition(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    _: (),
    t: CaseTransition,
) -> ApiResult<(CaseDetail, String)> {
    transition(conn, user, id, if_match, t, None)
}

fn close(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: CloseCase,
) -> ApiResult<(CaseDetail, String)> {
    transition(conn, user, id, if_match, CaseTransition::Close, Some(b))
}

/// The document of a case action without a body; the handler is `action_endpoint!`'s.
macro_rules! case_action {
    ($fn:ident, $t:expr, $path:literal, $op:literal, $summary:literal, $desc:literal, $from:literal) => {
        crate::api::lifecycle::action_endpoint! {
            #[utoipa::path(
                post, path = $path, tag = "cases", operation_id = $op, summary = $summary,
                description = concat!($desc, " Allowed from: ", $from, "; from any other state 409 with `current_state`. Roles: social_worker (assigned to the case's school)."),
                security(("bearer" = [])),
                params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
                responses(
                    (status = 200, description = "The case in its new state", body = CaseDetail, headers(("ETag" = String, description = "New version"))),
                    (status = 403, response = crate::openapi::Forbidden),
                    (status = 404, response = crate::openapi::NotFound),
                    (status = 409, response = crate::openapi::InvalidState),
                    (status = 412, response = crate::openapi::PreconditionFailed)
                )
            )]
            $path => $fn(crate::api::lifecycle::NoBody), may Action::WorkCases,
            apply plain_transition, ($t)
        }
    };
}

case_action!(
    start_case,
    CaseTransition::Start,
    "/api/v1/cases/{id}/start",
    "start_case",
    "Start working a case",
    "`new` → `in_progress`.",
    "new"
);
case_action!(
    put_case_on_wait,
    CaseTransition::Wait,
    "/api/v1/cases/{id}/wait",
    "put_case_on_wait",
    "Put a case on waiting",
    "`in_progress` → `waiting` (waiting for the family, a partner, a document).",
    "in_progress"
);
case_action!(
    resume_case,
    CaseTransition::Resume,
    "/api/v1/cases/{id}/resume",
    "resume_case",
    "Resume a waiting case",
    "`waiting` → `in_progress`.",
    "waiting"
);
case_action!(
    reopen_case,
    CaseTransition::Reopen,
    "/api/v1/cases/{id}/reopen",
    "reopen_case",
    "Reopen a closed case",
    "`closed` → `in_progress`; the outcome and closing date are cleared.",
    "closed"
);

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/close", tag = "cases", operation_id = "close_case",
    summary = "Close a case",
    description = "Any open state (`new`, `in_progress`, `waiting`) → `closed`, with an outcome. A closed case \
answers 409 with `current_state`; the outcome `referred` needs at least one referral of the case that was sent \
(409 otherwise). Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])), request_body = CloseCase,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "The closed case", body = CaseDetail, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/cases/{id}/close" => close_case(ApiJson<CloseCase>), may Action::WorkCases,
apply close
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"worker_id": "0193a1b2-0000-7000-8000-0000000000b2"}))]
pub struct LeadWorkerChange {
    /// An active social worker assigned to the case's school.
    #[schema(format = Uuid)]
    pub worker_id: String,
}

#[utoipa::path(
    put, path = "/api/v1/cases/{id}/lead-worker", tag = "cases", operation_id = "set_case_lead_worker",
    summary = "Change a case's lead worker",
    description = "The new lead must be an active social worker assigned to the case's school (422 otherwise). \
The coordinator gets the case's metadata back, a worker the full case. Roles: coordinator, social_worker \
(assigned to the case's school).",
    security(("bearer" = [])), request_body = LeadWorkerChange,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "The case with its new lead worker", body = CaseView, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[put("/api/v1/cases/{id}/lead-worker")]
pub async fn set_case_lead_worker(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<LeadWorkerChange>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ChangeLeadWorker)?;
    let (id, if_match, b) = (id.to_string(), common::if_match(&req), body.into_inner()?);
    let (v, tag) = state
        .db
        .write(move |conn| {
            let current = repo::find_scoped(conn, &id, &user.case_scope())?;
            check_if_match(if_match.as_deref(), &etag(current.case.updated_at))?;
            let mut checks = Checks::default();
            check_lead_worker(
                conn,
                &mut checks,
                "worker_id",
                &b.worker_id,
                &current.case.school_id,
            )?;
            checks.finish()?;
            diesel::update(cases::table.find(&id))
                .set((
                    cases::lead_worker_id.eq(&b.worker_id),
                    cases::updated_at.eq(now()),
                ))
                .execute(conn)?;
            record(
                conn,
                &user,
                AuditAction::Update,
                "case",
                Some(&id),
                Some(&id),
            )?;
            let r = repo::find_scoped(conn, &id, &user.case_scope())?;
            let tag = etag(r.case.updated_at);
            Ok((view(conn, &user, r)?, tag))
        })
        .await?;
    Ok(common::ok_with_etag(&v, &tag))
}

/// How the worker opens a case from a triaged checklist submission; everything is optional.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"priority": "high", "known_to_ocmw": false, "family": {"name": "Mevrouw Diallo", "phone": "0470 12 34 56", "language": "Frans", "interpreter_needed": true}}))]
pub struct CaseFromSubmission {
    /// Defaults to the themes of the items answered `yes`.
    pub themes: Option<Vec<String>>,
    /// Defaults from the school's overall concern (low → low, medium → normal, high → high).
    pub priority: Option<CasePriority>,
    pub known_to_ocmw: Option<bool>,
    #[serde(default)]
    #[validate(nested)]
    pub family: FamilyContact,
    /// Defaults to the caller.
    #[schema(format = Uuid)]
    pub lead_worker_id: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/checklist-submissions/{id}/open-case", tag = "checklists", operation_id = "open_case_from_submission",
    summary = "Open a case from a triaged submission",
    description = "`triaged` → `case_opened`: creates the case (origin `checklist`, the pupil as the school \
described them, the school's context as its question, the signalled themes) and links it to the submission; \
the school then sees the case's reference on its submission. Any other state is 409 with `current_state`. \
An empty body takes every default. Roles: social_worker (assigned to the submission's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Submission id")),
    request_body(content = Option<CaseFromSubmission>, description = "Optional; an empty body takes every default"),
    responses(
        (status = 201, description = "The new case", body = CaseDetail, headers(("Location" = String, description = "The new case"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState)
    )
)]
#[post("/api/v1/checklist-submissions/{id}/open-case")]
pub async fn open_case_from_submission(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    require(&user, Action::TriageChecklist)?;
    let b: CaseFromSubmission = if body.iter().all(u8::is_ascii_whitespace) {
        CaseFromSubmission::default()
    } else {
        let b: CaseFromSubmission = crate::api::extract::parse_json(&body)?;
        b.validate()?;
        b
    };
    let submission_id = id.to_string();
    let (v, tag, case_id) = state
        .db
        .write(move |conn| {
            use crate::db::checklists as sub_repo;
            let scope = user.schools().unwrap_or_default();
            let sub = sub_repo::find_submission_in(conn, &submission_id, &scope)?;
            if sub.status != sub_repo::TRIAGED {
                return Err(ApiError::invalid_state(
                    sub.status.clone(),
                    format!(
                        "only a triaged submission can become a case; this one is {}",
                        sub.status
                    ),
                ));
            }
            let mut checks = Checks::default();
            let themes = match b.themes {
                Some(t) => {
                    check_themes(conn, &mut checks, "themes", &t)?;
                    t
                }
                None => sub_repo::signal_themes(conn, &submission_id)?,
            };
            let lead = b.lead_worker_id.clone().unwrap_or_else(|| user.id.clone());
            if b.lead_worker_id.is_some() {
                check_lead_worker(conn, &mut checks, "lead_worker_id", &lead, &sub.school_id)?;
            }
            checks.finish()?;
            let priority = b.priority.unwrap_or(match sub.concern.as_str() {
                "high" => CasePriority::High,
                "low" => CasePriority::Low,
                _ => CasePriority::Normal,
            });
            let row = open_case(
                conn,
                Opening {
                    school_id: sub.school_id.clone(),
                    origin: CaseOrigin::Checklist,
                    themes,
                    priority,
                    known_to_ocmw: b.known_to_ocmw,
                    pupil: Pupil {
                        pseudonym: sub.pupil_pseudonym.clone(),
                        birth_year: Some(sub.birth_year),
                        class: Some(sub.class_name.clone()),
                    },
                    family: b.family,
                    question: Some(sub.context.clone()),
                    lead_worker_id: Some(lead),
                    submission_id: Some(submission_id.clone()),
                    created_by: user.id.clone(),
                },
            )?;
            sub_repo::mark_case_opened(conn, &submission_id, &row.id, &row.reference, &user.id)?;
            record(
                conn,
                &user,
                AuditAction::StatusChange,
                "checklist_submission",
                Some(&submission_id),
                Some(&row.id),
            )?;
            let (v, tag) = created_case(conn, &user, &row.id)?;
            Ok((v, tag, row.id))
        })
        .await?;
    Ok(created(&v, format!("/api/v1/cases/{case_id}"), &tag))
}
