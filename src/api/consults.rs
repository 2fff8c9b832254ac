//! Consult requests: a school asks for a visit (reason, themes, preferred dates, urgency); a
//! worker of the school or the coordinator schedules it, the visit is done or the request is
//! cancelled. A consult can open a case. `requested` → `scheduled` (again: rescheduled) →
//! `done`; `requested` | `scheduled` → `cancelled`. The reason may mention a pupil, so every
//! read and write leaves an audit event.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, Page, check_if_match, decode_cursor, etag, ok_with_etag};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::assignments::schools_of_worker;
use crate::db::consults::{self as repo, ConsultFilter, ConsultRow};
use crate::db::{DbConn, now, users};
use crate::domain::case::{CaseOrigin, CasePriority};
use crate::domain::case::{FamilyContact, Pupil};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::presence::{ConsultAction, ConsultStatus, ConsultUrgency};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record, record_list};
use crate::usecases::cases::{Opening, open_case};
use crate::usecases::themes::check_themes;

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultSchool {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultWorker {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub display_name: String,
}

/// When and by whom the visit takes place.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultVisit {
    pub date: NaiveDate,
    /// Local time, HH:MM.
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    pub worker: ConsultWorker,
}

/// A school's request for a visit, as the school and its social workers see it.
#[derive(Debug, Serialize, ToSchema)]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000a1", "school": {"id": "0193a1b2-0000-7000-8000-0000000000c1", "name": "Basisschool De Luchtballon"}, "reason": "Enkele ouders vragen hulp bij de schoolrekening; graag een gesprek met de zorgcoördinator.", "themes": ["school_costs"], "preferred_dates": ["2026-12-01", "2026-12-03"], "urgency": "normal", "status": "scheduled", "visit": {"date": "2026-12-03", "start_time": "09:00", "end_time": "10:00", "worker": {"id": "0193a1b2-0000-7000-8000-0000000000b1", "display_name": "Wendy Willems"}}, "outcome_note": null, "cancel_reason": null, "case_id": null, "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-25T10:00:00Z"}))]
pub struct ConsultRequest {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub school: ConsultSchool,
    pub reason: String,
    pub themes: Vec<String>,
    pub preferred_dates: Vec<NaiveDate>,
    pub urgency: ConsultUrgency,
    #[schema(read_only)]
    pub status: ConsultStatus,
    /// Set once scheduled.
    #[schema(read_only)]
    pub visit: Option<ConsultVisit>,
    #[schema(read_only)]
    pub outcome_note: Option<String>,
    #[schema(read_only)]
    pub cancel_reason: Option<String>,
    /// The case opened from this consult.
    #[schema(read_only, format = Uuid)]
    pub case_id: Option<String>,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

/// A consult request as the coordinator sees it: metadata only (school, themes, urgency, status,
/// dates, worker). Never the school's `reason`, the visit's outcome note or a cancel reason: the
/// school's text may be about a family, which the coordinator never sees.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000a1", "school": {"id": "0193a1b2-0000-7000-8000-0000000000c1", "name": "Basisschool De Luchtballon"}, "themes": ["school_costs"], "preferred_dates": ["2026-12-01", "2026-12-03"], "urgency": "normal", "status": "scheduled", "visit": {"date": "2026-12-03", "start_time": "09:00", "end_time": "10:00", "worker": {"id": "0193a1b2-0000-7000-8000-0000000000b1", "display_name": "Wendy Willems"}}, "case_id": null, "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-25T10:00:00Z"}))]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct ConsultMetadata {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub school: ConsultSchool,
    pub themes: Vec<String>,
    pub preferred_dates: Vec<NaiveDate>,
    pub urgency: ConsultUrgency,
    pub status: ConsultStatus,
    /// Set once scheduled: the date, times and social worker.
    pub visit: Option<ConsultVisit>,
    /// The case opened from this consult (its metadata is the coordinator's to read).
    #[schema(format = Uuid)]
    pub case_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A consult request in the view the caller's role may see.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ConsultView {
    /// school, social_worker
    Full(ConsultRequest),
    /// coordinator
    Coordinator(ConsultMetadata),
}

impl ConsultView {
    fn id(&self) -> &str {
        match self {
            ConsultView::Full(c) => &c.id,
            ConsultView::Coordinator(c) => &c.id,
        }
    }
}

/// The view `user` gets of a request.
fn view_for(user: &Viewer, c: ConsultRequest) -> ConsultView {
    match user.sees() {
        Sees::CaseTeam | Sees::School => ConsultView::Full(c),
        // Partners never reach consult requests (policy); were one asked, metadata only.
        Sees::Metadata | Sees::Partner => ConsultView::Coordinator(ConsultMetadata {
            id: c.id,
            school: c.school,
            themes: c.themes,
            preferred_dates: c.preferred_dates,
            urgency: c.urgency,
            status: c.status,
            visit: c.visit,
            case_id: c.case_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }),
    }
}

fn hhmm(t: Option<NaiveTime>) -> Option<String> {
    t.map(|t| t.format("%H:%M").to_string())
}

fn status_of(r: &ConsultRow) -> ConsultStatus {
    r.status
}

fn to_api((r, school_name, worker_name): repo::ConsultView, themes: Vec<String>) -> ConsultRequest {
    let visit = match (r.scheduled_date, &r.worker_id) {
        (Some(date), Some(w)) => Some(ConsultVisit {
            date,
            start_time: hhmm(r.scheduled_start_time),
            end_time: hhmm(r.scheduled_end_time),
            worker: ConsultWorker {
                id: w.clone(),
                display_name: worker_name.unwrap_or_default(),
            },
        }),
        _ => None,
    };
    ConsultRequest {
        status: status_of(&r),
        school: ConsultSchool {
            id: r.school_id,
            name: school_name,
        },
        reason: r.reason,
        themes,
        preferred_dates: r
            .preferred_dates
            .split(',')
            .filter_map(|d| d.parse().ok())
            .collect(),
        urgency: r.urgency,
        visit,
        outcome_note: r.outcome_note,
        cancel_reason: r.cancel_reason,
        case_id: r.case_id,
        created_at: utc(r.created_at),
        updated_at: utc(r.updated_at),
        id: r.id,
    }
}

/// The consult requests linked to a case, oldest first, whole (the school's reason and the
/// visit's notes): for the family's export, after the caller was checked against the case.
pub fn of_case(conn: &mut DbConn, case_id: &str) -> ApiResult<Vec<ConsultRequest>> {
    let rows = repo::of_case(conn, case_id)?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.id.clone()).collect();
    let mut themes = repo::themes_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let t = themes.remove(&r.0.id).unwrap_or_default();
            to_api(r, t)
        })
        .collect())
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The schools whose requests the caller reaches: a school its own, a worker the schools they
/// are assigned to now, the coordinator all.
fn load(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<repo::ConsultView> {
    Ok(repo::find(conn, id, &user.schools())?)
}

fn answer(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<(ConsultView, String)> {
    let view = load(conn, user, id)?;
    let themes = repo::themes_of(conn, std::slice::from_ref(&view.0.id))?
        .remove(&view.0.id)
        .unwrap_or_default();
    let tag = etag(view.0.updated_at);
    Ok((view_for(user, to_api(view, themes)), tag))
}

// ---------------------------------------------------------------------------------------------
// Create, list, read

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Enkele ouders vragen hulp bij de schoolrekening; graag een gesprek met de zorgcoördinator.", "themes": ["school_costs"], "preferred_dates": ["2026-12-01", "2026-12-03"], "urgency": "normal"}))]
pub struct NewConsultRequest {
    /// What the visit is about.
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
    /// Theme codes.
    #[serde(default)]
    pub themes: Vec<String>,
    /// Days that suit the school (at most 10).
    #[serde(default)]
    #[validate(length(max = 10))]
    pub preferred_dates: Vec<NaiveDate>,
    #[serde(default = "normal")]
    pub urgency: ConsultUrgency,
}

fn normal() -> ConsultUrgency {
    ConsultUrgency::Normal
}

#[utoipa::path(
    post, path = "/api/v1/consult-requests", tag = "consults", operation_id = "create_consult_request",
    summary = "Ask for a consult",
    description = "A school asks for a social worker's visit. It lands as `requested` for the school's workers and \
the coordinator. Roles: school.",
    security(("bearer" = [])), request_body = NewConsultRequest,
    responses(
        (status = 201, description = "Requested", body = ConsultView, headers(("Location" = String, description = "The new request"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/consult-requests")]
pub async fn create_consult_request(
    state: web::Data<AppState>,
    user: Viewer,
    body: ApiJson<NewConsultRequest>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::RequestConsult)?;
    let b = body.into_inner()?;
    let school_id = user
        .school_id
        .clone()
        .ok_or_else(|| ApiError::internal("school account without a school"))?;
    let (c, tag) = state
        .db
        .write(move |conn| {
            let mut checks = Checks::default();
            check_themes(conn, &mut checks, "themes", &b.themes)?;
            checks.check(!b.reason.trim().is_empty(), "reason", Code::Blank);
            for (i, d) in b.preferred_dates.iter().enumerate() {
                checks.check(
                    *d >= today(),
                    &format!("preferred_dates[{i}]"),
                    Code::NotInPast,
                );
            }
            checks.finish()?;
            let at = now();
            let mut dates = b.preferred_dates.clone();
            dates.sort();
            dates.dedup();
            let row = ConsultRow {
                id: Uuid::now_v7().to_string(),
                school_id,
                reason: b.reason.trim().to_string(),
                urgency: b.urgency,
                preferred_dates: dates
                    .iter()
                    .map(NaiveDate::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                status: ConsultStatus::Requested,
                scheduled_date: None,
                scheduled_start_time: None,
                scheduled_end_time: None,
                worker_id: None,
                outcome_note: None,
                cancel_reason: None,
                case_id: None,
                requested_by: user.id.clone(),
                created_at: at,
                updated_at: at,
            };
            repo::insert(conn, &row, &b.themes)?;
            record(
                conn,
                &user,
                AuditAction::Create,
                "consult_request",
                Some(&row.id),
                None,
            )?;
            crate::usecases::notify::consult(
                conn,
                row.status.as_str(),
                &row.id,
                &row.school_id,
                None,
                at,
            )?;
            answer(conn, &user, &row.id)
        })
        .await?;
    let location = format!("/api/v1/consult-requests/{}", c.id());
    Ok(common::created(&c, location, &tag))
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsultQuery {
    /// Only requests of this school (within the caller's scope).
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// Only requests in this state.
    pub status: Option<ConsultStatus>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/consult-requests", tag = "consults", operation_id = "list_consult_requests",
    summary = "List consult requests",
    description = "Newest first. A school sees its own requests; a social worker those of the schools they are \
assigned to now; the coordinator all. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(ConsultQuery),
    responses((status = 200, description = "A page of consult requests", body = Page<ConsultView>))
)]
#[get("/api/v1/consult-requests")]
pub async fn list_consult_requests(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<ConsultQuery>,
) -> ApiResult<web::Json<Page<ConsultView>>> {
    require(&user, Action::ReadConsults)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(chrono::NaiveDateTime, String)>(q.cursor.as_deref())?;
    let page = state
        .db
        .read_audited(move |conn| {
            let s = user.schools();
            let f = ConsultFilter {
                school_id: q.school.map(|s| s.to_string()),
                status: q.status.map(|s| s.as_str().to_string()),
            };
            let rows = repo::list(conn, &s, f, after, limit)?;
            record_list(
                conn,
                &user,
                "consult_request",
                rows.iter()
                    .take(limit as usize)
                    .map(|r| (r.0.id.as_str(), r.0.case_id.as_deref())),
            )?;
            let ids: Vec<String> = rows.iter().map(|r| r.0.id.clone()).collect();
            let mut themes = repo::themes_of(conn, &ids)?;
            Ok(common::page(
                rows,
                limit,
                |r| (r.0.created_at, r.0.id.clone()),
                |r| {
                    let t = themes.remove(&r.0.id).unwrap_or_default();
                    view_for(&user, to_api(r, t))
                },
            ))
        })
        .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    get, path = "/api/v1/consult-requests/{id}", tag = "consults", operation_id = "get_consult_request",
    summary = "Get a consult request",
    description = "Another school's request, or one of a school the worker is not assigned to, is 404. Roles: \
coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Consult request id")),
    responses(
        (status = 200, description = "The request", body = ConsultView, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/consult-requests/{id}")]
pub async fn get_consult_request(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ReadConsults)?;
    let id = id.to_string();
    let (c, tag) = state
        .db
        .read_audited(move |conn| {
            let out = answer(conn, &user, &id)?;
            record(
                conn,
                &user,
                AuditAction::Read,
                "consult_request",
                Some(&id),
                None,
            )?;
            Ok(out)
        })
        .await?;
    Ok(ok_with_etag(&c, &tag))
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

/// Loads the request for a transition, checks If-Match and that `action` may start from its
/// state; the row comes back in its new state, to be completed and stored.
fn for_transition(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    action: ConsultAction,
) -> ApiResult<ConsultRow> {
    let (mut row, ..) = load(conn, user, id)?;
    check_if_match(if_match, &etag(row.updated_at))?;
    action.check(status_of(&row))?;
    row.status = action.step().to;
    Ok(row)
}

fn store(
    conn: &mut DbConn,
    user: &Viewer,
    row: &mut ConsultRow,
) -> ApiResult<(ConsultView, String)> {
    row.updated_at = now();
    repo::update(conn, row)?;
    record(
        conn,
        user,
        AuditAction::StatusChange,
        "consult_request",
        Some(&row.id),
        row.case_id.as_deref(),
    )?;
    crate::usecases::notify::consult(
        conn,
        row.status.as_str(),
        &row.id,
        &row.school_id,
        row.worker_id.as_deref(),
        row.updated_at,
    )?;
    answer(conn, user, &row.id)
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2026-12-03", "start_time": "09:00", "end_time": "10:00", "worker_id": "0193a1b2-0000-7000-8000-0000000000b1"}))]
pub struct ScheduleConsult {
    pub date: NaiveDate,
    /// HH:MM.
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    /// An active social worker assigned to the school; defaults to the caller (a worker).
    #[schema(format = Uuid)]
    pub worker_id: Option<Uuid>,
}

fn parse_time(checks: &mut Checks, field: &str, v: &Option<String>) -> Option<NaiveTime> {
    v.as_deref().and_then(|s| {
        crate::domain::time_of_day::parse(s)
            .ok_or(())
            .map_err(|_| checks.add(field, Code::TimeHhMm))
            .ok()
    })
}

fn schedule(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: ScheduleConsult,
) -> ApiResult<(ConsultView, String)> {
    // Moving a planned visit must not silently overwrite someone else's plan: If-Match is
    // required then (428 without), so a second worker with a stale copy gets 412.
    let (current, ..) = load(conn, user, id)?;
    if status_of(&current) == ConsultStatus::Scheduled && if_match.is_none() {
        return Err(ApiError::PreconditionRequired);
    }
    let mut row = for_transition(conn, user, id, if_match, ConsultAction::Schedule)?;
    let mut checks = Checks::default();
    let start = parse_time(&mut checks, "start_time", &b.start_time);
    let end = parse_time(&mut checks, "end_time", &b.end_time);
    if let (Some(s), Some(e)) = (start, end) {
        checks.check(s < e, "end_time", Code::EndAfterStart);
    }
    let worker = match (b.worker_id, user.own_worker()) {
        (Some(w), _) => w.to_string(),
        (None, Some(me)) => me.to_string(),
        (None, None) => {
            checks.add("worker_id", Code::NameVisitingWorker);
            String::new()
        }
    };
    if !worker.is_empty() {
        let ok = users::is_active_worker(conn, &worker)?
            && schools_of_worker(conn, &worker, today())?
                .iter()
                .any(|s| *s == row.school_id);
        checks.check(ok, "worker_id", Code::WorkerAssignedToSchool);
    }
    checks.finish()?;
    row.scheduled_date = Some(b.date);
    row.scheduled_start_time = start;
    row.scheduled_end_time = end;
    row.worker_id = Some(worker);
    store(conn, user, &mut row)
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/consult-requests/{id}/schedule", tag = "consults", operation_id = "schedule_consult_request",
    summary = "Schedule (or reschedule) a consult",
    description = "`requested` → `scheduled`, or a new date for a `scheduled` one: a date, optional times and a \
social worker assigned to the school (422 naming `worker_id` otherwise). Rescheduling a `scheduled` one needs \
`If-Match` (428 without, 412 when someone changed it since you read it). The visit appears in `/office-hours` \
(`visits`) and in the worker's and the school's calendar feeds. From `done` or `cancelled` 409 with \
`current_state`. Roles: coordinator, social_worker (assigned to the school).",
    security(("bearer" = [])), request_body = ScheduleConsult,
    params(("id" = Uuid, Path, description = "Consult request id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Scheduled", body = ConsultView, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 428, description = "Rescheduling without If-Match", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
"/api/v1/consult-requests/{id}/schedule" => schedule_consult_request(ApiJson<ScheduleConsult>), may Action::HandleConsults,
apply schedule
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Gesprek met zorgcoördinator; twee gezinnen doorverwezen naar de zitdag."}))]
pub struct CompleteConsult {
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

fn complete(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: CompleteConsult,
) -> ApiResult<(ConsultView, String)> {
    let mut row = for_transition(conn, user, id, if_match, ConsultAction::Complete)?;
    row.outcome_note = b
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    store(conn, user, &mut row)
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/consult-requests/{id}/complete", tag = "consults", operation_id = "complete_consult_request",
    summary = "Mark a consult as done",
    description = "`scheduled` → `done`; from any other state 409 with `current_state`. Roles: coordinator, \
social_worker (assigned to the school).",
    security(("bearer" = [])), request_body = CompleteConsult,
    params(("id" = Uuid, Path, description = "Consult request id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Done", body = ConsultView, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/consult-requests/{id}/complete" => complete_consult_request(ApiJson<CompleteConsult>), may Action::HandleConsults,
apply complete
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "De vraag is intussen opgelost."}))]
pub struct CancelConsult {
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

fn cancel(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: CancelConsult,
) -> ApiResult<(ConsultView, String)> {
    if b.reason.trim().is_empty() {
        return Err(ApiError::field("reason", Code::Blank));
    }
    let mut row = for_transition(conn, user, id, if_match, ConsultAction::Cancel)?;
    row.cancel_reason = Some(b.reason.trim().to_string());
    store(conn, user, &mut row)
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/consult-requests/{id}/cancel", tag = "consults", operation_id = "cancel_consult_request",
    summary = "Cancel a consult request",
    description = "`requested` or `scheduled` → `cancelled`, with a reason; from `done` or `cancelled` 409 with \
`current_state`. Roles: school (its own requests), coordinator, social_worker (assigned to the school).",
    security(("bearer" = [])), request_body = CancelConsult,
    params(("id" = Uuid, Path, description = "Consult request id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Cancelled", body = ConsultView, headers(("ETag" = String, description = "New version"))),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/consult-requests/{id}/cancel" => cancel_consult_request(ApiJson<CancelConsult>), may Action::CancelConsult,
apply cancel
}

/// What the worker knows when opening a case from a consult.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pupil": {"pseudonym": "4B-07", "birth_year": 2016, "class": "4B"}, "themes": ["school_costs"], "question": "Moeder vraagt hulp bij de schoolrekening.", "family": {"name": "Mevrouw Diallo", "phone": "0470 12 34 56"}}))]
pub struct ConsultCase {
    #[validate(nested)]
    pub pupil: Pupil,
    /// Defaults to the consult's themes.
    pub themes: Option<Vec<String>>,
    #[serde(default = "normal_priority")]
    pub priority: CasePriority,
    pub known_to_ocmw: Option<bool>,
    #[serde(default)]
    #[validate(nested)]
    pub family: FamilyContact,
    /// Defaults to the consult's reason.
    #[validate(length(max = 4000))]
    pub question: Option<String>,
}

fn normal_priority() -> CasePriority {
    CasePriority::Normal
}

#[utoipa::path(
    post, path = "/api/v1/consult-requests/{id}/open-case", tag = "consults", operation_id = "open_case_from_consult",
    summary = "Open a case from a consult",
    description = "The worker opens a case (origin `school_request`, the caller as lead worker) for one pupil's \
family the consult brought up; the consult links to it. A cancelled consult, or one that opened a case already, \
answers 409 with `current_state`. Answers with the new case as its social worker sees it. Roles: social_worker \
(assigned to the school).",
    security(("bearer" = [])), request_body = ConsultCase,
    params(("id" = Uuid, Path, description = "Consult request id")),
    responses(
        (status = 201, description = "The new case", body = crate::api::cases::CaseDetail, headers(("Location" = String, description = "The new case"), ("ETag" = String, description = "The case's version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState)
    )
)]
#[post("/api/v1/consult-requests/{id}/open-case")]
pub async fn open_case_from_consult(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<ConsultCase>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WorkCases)?;
    let (id, b) = (id.to_string(), body.into_inner()?);
    let (case, tag) = state
        .db
        .write(move |conn| {
            let (mut row, ..) = load(conn, &user, &id)?;
            let current = status_of(&row);
            if current == ConsultStatus::Cancelled {
                return Err(ApiError::invalid_state(
                    current.as_str(),
                    Code::ConsultCancelledNoCase,
                ));
            }
            if row.case_id.is_some() {
                return Err(ApiError::invalid_state(
                    current.as_str(),
                    Code::ConsultCaseOpenedAlready,
                ));
            }
            let themes = match b.themes {
                Some(t) => t,
                None => repo::themes_of(conn, std::slice::from_ref(&id))?
                    .remove(&id)
                    .unwrap_or_default(),
            };
            let mut checks = Checks::default();
            check_themes(conn, &mut checks, "themes", &themes)?;
            checks.finish()?;
            let case = open_case(
                conn,
                Opening {
                    school_id: row.school_id.clone().into(),
                    origin: CaseOrigin::SchoolRequest,
                    themes,
                    priority: b.priority,
                    known_to_ocmw: b.known_to_ocmw,
                    pupil: b.pupil,
                    family: b.family,
                    question: b.question.or(Some(row.reason.clone())),
                    lead_worker_id: Some(user.id.clone().into()),
                    submission_id: None,
                    created_by: user.id.clone().into(),
                },
            )?;
            record(
                conn,
                &user,
                AuditAction::Create,
                "case",
                Some(&case.id),
                Some(&case.id),
            )?;
            row.case_id = Some(case.id.to_string());
            row.updated_at = now();
            repo::update(conn, &row)?;
            record(
                conn,
                &user,
                AuditAction::Update,
                "consult_request",
                Some(&row.id),
                Some(&case.id),
            )?;
            let r = crate::db::cases::find_scoped(conn, &case.id, &user.case_scope())?;
            let tag = etag(r.case.updated_at);
            Ok((crate::api::cases::views::detail(conn, r)?, tag))
        })
        .await?;
    let location = format!("/api/v1/cases/{}", case.id);
    Ok(common::created(&case, location, &tag))
}
