//! Opening and changing cases: a worker's new case, a school's request, the case's data, its
//! lead worker, and a case from a triaged checklist submission.

use actix_web::{HttpRequest, HttpResponse, patch, post, put, web};
use diesel::prelude::*;
use kinderen_eerst_macros::document_limits;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, check_if_match, created, etag};
use crate::api::extract::ApiJson;
use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::db::assignments::schools_of_worker;
use crate::db::cases::{self as repo};
use crate::db::schema::cases;
use crate::db::{DbConn, now};
use crate::domain::case::{CaseOrigin, CasePriority};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};
use crate::usecases::themes::check_themes;

use super::views::*;
use crate::domain::case::{FamilyContact, Pupil};
use crate::usecases::cases::{Opening, open_case, trimmed, worked_case};

// ---------------------------------------------------------------------------------------------
// Checks shared by the writes

/// A lead worker must be an active social worker assigned to the case's school now.
pub(super) fn check_lead_worker(
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
                checks.add(field, Code::WorkerNotAssignedToCaseSchool);
            }
        }
        false => checks.add(field, Code::NoSuchActiveWorker),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Create

/// A case a social worker opens (not from a checklist: triage opens those).
#[document_limits]
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
    /// For a submission not yet triaged: the triage note for workers (the school never sees
    /// it). Ignored when the submission was triaged before.
    #[validate(length(max = 4000))]
    pub triage_note: Option<String>,
}

pub(super) fn normal() -> CasePriority {
    CasePriority::Normal
}

/// A case as a school raises it directly: the pupil's label, the themes and the question.
#[document_limits]
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

pub(super) fn created_case(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
) -> ApiResult<(CaseView, String)> {
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
                checks.add("school_id", Code::YouNotAssignedToSchool);
            }
            if b.origin == CaseOrigin::Checklist {
                checks.add("origin", Code::ChecklistCasesByTriage);
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
                    school_id: school_id.into(),
                    origin: b.origin,
                    themes: b.themes,
                    priority: b.priority,
                    known_to_ocmw: b.known_to_ocmw,
                    pupil: b.pupil,
                    family: b.family,
                    question: b.question,
                    lead_worker_id: Some(lead.into()),
                    submission_id: None,
                    created_by: user.id.clone().into(),
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
                    school_id: school_id.into(),
                    origin: CaseOrigin::SchoolRequest,
                    themes: b.themes,
                    priority: CasePriority::Normal,
                    known_to_ocmw: None,
                    pupil: b.pupil,
                    family: FamilyContact::default(),
                    question: Some(b.question),
                    lead_worker_id: lead.map(Into::into),
                    submission_id: None,
                    created_by: user.id.clone().into(),
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
#[document_limits]
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
    /// The day to look at the case again (a waiting case past it shows in the worker's inbox);
    /// `null` clears it.
    #[serde(default, deserialize_with = "crate::api::common::present")]
    #[schema(value_type = Option<String>, format = Date, nullable)]
    pub follow_up_on: Option<Option<chrono::NaiveDate>>,
}

#[utoipa::path(
    patch, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "update_case",
    summary = "Change a case",
    description = "Themes, priority, whether the family was known to the OCMW, pupil, family contact and \
question, and the day to follow the case up. Send the ETag you read as If-Match. Roles: social_worker (assigned to the case's school).",
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
                    cases::priority.eq(b.priority.unwrap_or(c.priority)),
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
                    cases::follow_up_on.eq(match b.follow_up_on {
                        Some(f) => f,
                        None => c.follow_up_on,
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

#[document_limits]
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
#[document_limits]
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
    /// For a submission not yet triaged: the triage note for workers (the school never sees
    /// it). Ignored when the submission was triaged before.
    #[validate(length(max = 4000))]
    pub triage_note: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/checklist-submissions/{id}/open-case", tag = "checklists", operation_id = "open_case_from_submission",
    summary = "Open a case from a submission",
    description = "`triaged` → `case_opened`, or `submitted` → `triaged` → `case_opened` in one call (with the \
optional `triage_note`): creates the case (origin `checklist`, the pupil as the school \
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
            // One call from signal to case: a submission not yet triaged is triaged here, in
            // the same transaction (with the optional note), then the case is opened.
            let triage_now = sub.status == sub_repo::SUBMITTED;
            if !triage_now && sub.status != sub_repo::TRIAGED {
                return Err(ApiError::invalid_state(
                    sub.status.clone(),
                    crate::msg!(SubmissionNotTriaged, status = &sub.status),
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
                    school_id: sub.school_id.clone().into(),
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
                    lead_worker_id: Some(lead.into()),
                    submission_id: Some(submission_id.clone().into()),
                    created_by: user.id.clone().into(),
                },
            )?;
            if triage_now {
                let note = b
                    .triage_note
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty());
                sub_repo::triage(conn, &submission_id, &user.id, note)?;
                crate::usecases::notify::submission(
                    conn,
                    sub_repo::TRIAGED,
                    &submission_id,
                    &sub.school_id,
                    None,
                    row.opened_at,
                )?;
            }
            sub_repo::mark_case_opened(conn, &submission_id, &row.id, &row.reference, &user.id)?;
            crate::usecases::notify::submission(
                conn,
                sub_repo::CASE_OPENED,
                &submission_id,
                &sub.school_id,
                Some(&row.id),
                row.opened_at,
            )?;
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
