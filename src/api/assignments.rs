//! Assignments: which social worker is at which school, in which mode, from when to when.
//! They decide a worker's access to a school's cases (see `db::assignments::schools_of_worker`).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{NaiveDate, NaiveTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, Page, check_if_match, decode_cursor, etag, ok_with_etag};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Viewer;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::auth::policy::{Action, require};
use crate::db::assignments::{self as repo, AssignmentFilter, AssignmentRow, AssignmentView};
use crate::db::{DbConn, now, optional, schools, users};
use crate::domain::planning::{Booked, clashes};
use crate::domain::social_map::PresenceMode;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedWorker {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub display_name: String,
    #[schema(format = Email)]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedSchool {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

/// A social worker's presence at a school.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000a1", "worker": {"id": "0193a1b2-0000-7000-8000-0000000000b1", "display_name": "Wendy Willems", "email": "wendy@ocmw.example"}, "school": {"id": "0193a1b2-0000-7000-8000-0000000000c1", "name": "Basisschool De Luchtballon"}, "mode": "office_hours", "weekday": 2, "start_time": "08:30", "end_time": "10:00", "valid_from": "2026-09-01", "valid_to": "2027-06-30", "current": true}))]
pub struct Assignment {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub worker: AssignedWorker,
    pub school: AssignedSchool,
    pub mode: PresenceMode,
    /// ISO weekday (1 = Monday … 7 = Sunday), for `office_hours`.
    #[schema(minimum = 1, maximum = 7)]
    pub weekday: Option<i32>,
    /// Local time (HH:MM), for `office_hours`.
    #[schema(example = "08:30")]
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(example = "10:00")]
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    pub valid_from: NaiveDate,
    /// Last day; null for open-ended.
    pub valid_to: Option<NaiveDate>,
    /// Whether it is valid today.
    #[schema(read_only)]
    pub current: bool,
}

fn hhmm(t: Option<NaiveTime>) -> Option<String> {
    t.map(|t| t.format("%H:%M").to_string())
}

impl From<AssignmentView> for Assignment {
    fn from((r, worker_name, worker_email, school_name): AssignmentView) -> Self {
        let today = Utc::now().date_naive();
        Assignment {
            current: r.valid_from <= today && r.valid_to.is_none_or(|to| to >= today),
            worker: AssignedWorker {
                id: r.worker_id,
                display_name: worker_name,
                email: worker_email,
            },
            school: AssignedSchool {
                id: r.school_id,
                name: school_name,
            },
            mode: r.mode,
            weekday: r.weekday,
            start_time: hhmm(r.start_time),
            end_time: hhmm(r.end_time),
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            id: r.id,
        }
    }
}

#[document_limits]
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"worker_id": "0193a1b2-0000-7000-8000-0000000000b1", "school_id": "0193a1b2-0000-7000-8000-0000000000c1", "mode": "office_hours", "weekday": 2, "start_time": "08:30", "end_time": "10:00", "valid_from": "2026-09-01", "valid_to": "2027-06-30"}))]
pub struct NewAssignment {
    #[schema(format = Uuid)]
    pub worker_id: String,
    #[schema(format = Uuid)]
    pub school_id: String,
    pub mode: PresenceMode,
    /// ISO weekday (1 = Monday … 7 = Sunday); required for `office_hours` only.
    pub weekday: Option<i32>,
    /// HH:MM; required for `office_hours` only.
    #[schema(example = "08:30")]
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(example = "10:00")]
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"valid_to": "2027-01-31"}))]
pub struct AssignmentPatch {
    pub mode: Option<PresenceMode>,
    pub weekday: Option<i32>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

fn parse_time(checks: &mut Checks, field: &str, v: &Option<String>) -> Option<NaiveTime> {
    v.as_deref().and_then(|s| {
        crate::domain::time_of_day::parse(s)
            .ok_or(())
            .map_err(|_| checks.add(field, Code::TimeHhMm))
            .ok()
    })
}

/// Checks an assignment and builds its row: the worker must be an active social worker, the
/// school must exist, office hours need a weekday and a slot with start before end.
pub(crate) fn build_row(
    conn: &mut DbConn,
    id: String,
    a: &NewAssignment,
    created_at: chrono::NaiveDateTime,
) -> ApiResult<AssignmentRow> {
    let mut checks = Checks::default();
    match optional(users::find(conn, &a.worker_id))? {
        Some(u) if users::is_active_worker(conn, &u.id)? => {}
        Some(_) => checks.add("worker_id", Code::ActiveSocialWorker),
        None => checks.add("worker_id", Code::NoSuchUser),
    }
    if optional(schools::find(conn, &a.school_id))?.is_none() {
        checks.add("school_id", Code::NoSuchSchool);
    }
    let start = parse_time(&mut checks, "start_time", &a.start_time);
    let end = parse_time(&mut checks, "end_time", &a.end_time);
    if a.mode == PresenceMode::OfficeHours {
        checks.check(
            a.weekday.is_some_and(|d| (1..=7).contains(&d)),
            "weekday",
            Code::OfficeHoursWeekday,
        );
        checks.check(a.start_time.is_some(), "start_time", Code::OfficeHoursStart);
        checks.check(a.end_time.is_some(), "end_time", Code::OfficeHoursEnd);
        if let (Some(s), Some(e)) = (start, end) {
            checks.check(s < e, "end_time", Code::EndAfterStart);
        }
    } else {
        for (field, present) in [
            ("weekday", a.weekday.is_some()),
            ("start_time", a.start_time.is_some()),
            ("end_time", a.end_time.is_some()),
        ] {
            checks.check(!present, field, Code::WeeklySlotOfficeHoursOnly);
        }
    }
    if let Some(to) = a.valid_to {
        checks.check(
            a.valid_from <= to,
            "valid_to",
            crate::msg!(NotBefore, other = "valid_from"),
        );
    }
    checks.finish()?;
    Ok(AssignmentRow {
        id,
        worker_id: a.worker_id.clone(),
        school_id: a.school_id.clone(),
        mode: a.mode,
        weekday: a.weekday,
        start_time: start,
        end_time: end,
        valid_from: a.valid_from,
        valid_to: a.valid_to,
        created_at,
        updated_at: now(),
    })
}

/// Refuses a double booking: an office-hours slot of a worker who holds another one that day
/// (validity overlapping) too close to it — overlapping at the same school, or less than the
/// travel gap apart at another. 409 `assignment_clash` naming the other assignment.
pub(crate) fn check_clash(
    conn: &mut DbConn,
    row: &AssignmentRow,
    gap: i64,
    except: &[String],
) -> ApiResult<()> {
    let (Some(weekday), Some(start), Some(end)) = (row.weekday, row.start_time, row.end_time)
    else {
        return Ok(());
    };
    if row.mode != PresenceMode::OfficeHours {
        return Ok(());
    }
    let mut skip = except.to_vec();
    skip.push(row.id.clone());
    let me = Booked {
        weekday,
        start,
        end,
        school_id: &row.school_id,
    };
    for (other, school_name) in repo::same_day_office_hours(
        conn,
        &row.worker_id,
        weekday,
        row.valid_from,
        row.valid_to,
        &skip,
    )? {
        let (Some(s), Some(e)) = (other.start_time, other.end_time) else {
            continue;
        };
        let them = Booked {
            weekday,
            start: s,
            end: e,
            school_id: &other.school_id,
        };
        if clashes(&me, &them, gap) {
            return Err(ApiError::Clash {
                detail: crate::msg!(
                    AssignmentClash,
                    other = &other.id,
                    school = school_name,
                    weekday = weekday,
                    start = s.format("%H:%M"),
                    end = e.format("%H:%M"),
                    gap = gap
                ),
                conflicting_id: other.id.clone(),
            });
        }
    }
    Ok(())
}

/// Records that an assignment changed (ids only), in the write's transaction.
pub(crate) fn changed_event(conn: &mut DbConn, row: &AssignmentRow) -> ApiResult<()> {
    crate::db::events::record(
        conn,
        "assignment.changed",
        &serde_json::json!({"assignment_id": row.id, "worker_id": row.worker_id, "school_id": row.school_id}),
        now(),
    )?;
    Ok(())
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssignmentQuery {
    #[param(format = Uuid)]
    /// Only assignments at this school.
    pub school: Option<Uuid>,
    #[param(format = Uuid)]
    /// Only assignments of this social worker.
    pub worker: Option<Uuid>,
    /// Only assignments in this presence mode.
    pub mode: Option<PresenceMode>,
    /// Only assignments valid today.
    pub current: Option<bool>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/assignments", tag = "assignments", operation_id = "list_assignments",
    summary = "List assignments",
    description = "The coordinator sees all; a social worker their own; a school account its school's (its SPOC, office hours and consult workers). Filters narrow within that. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(AssignmentQuery),
    responses((status = 200, description = "A page of assignments, by school name", body = Page<Assignment>))
)]
#[get("/api/v1/assignments")]
pub async fn list_assignments(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<AssignmentQuery>,
) -> ApiResult<web::Json<Page<Assignment>>> {
    require(&user, Action::ReadAssignments)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(String, String)>(q.cursor.as_deref())?;
    // Asking for someone else's: the scope wins, and the mismatch yields an empty page.
    let Some((worker_id, school_id)) = user.narrow_worker_school(
        q.worker.map(|w| w.to_string()),
        q.school.map(|s| s.to_string()),
    ) else {
        return Ok(web::Json(Page {
            items: vec![],
            next_cursor: None,
        }));
    };
    let f = AssignmentFilter {
        worker_id,
        school_id,
        mode: q.mode.map(|m| m.as_str().to_string()),
        current_on: q.current.filter(|c| *c).map(|_| Utc::now().date_naive()),
    };
    let rows = state
        .db
        .run(move |conn| Ok(repo::list(conn, f, after, limit)?))
        .await?;
    Ok(web::Json(common::page(
        rows,
        limit,
        |r| (r.3.clone(), r.0.id.clone()),
        Assignment::from,
    )))
}

/// Loads an assignment the caller may see; anything else is 404.
fn find_visible(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<AssignmentView> {
    let (worker, school) = user.object_worker_school();
    Ok(repo::find_scoped(conn, id, worker, school)?)
}

#[utoipa::path(
    get, path = "/api/v1/assignments/{id}", tag = "assignments", operation_id = "get_assignment",
    summary = "Get an assignment", description = "Another worker's or another school's assignment is 404. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Assignment id")),
    responses((status = 200, description = "The assignment", body = Assignment, headers(("ETag" = String, description = "Version"))), (status = 404, response = crate::openapi::NotFound))
)]
#[get("/api/v1/assignments/{id}")]
pub async fn get_assignment(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.reaches_school_objects()?;
    let id = id.to_string();
    let view = state
        .db
        .run(move |conn| find_visible(conn, &user, &id))
        .await?;
    let tag = etag(view.0.updated_at);
    Ok(ok_with_etag(&Assignment::from(view), &tag))
}

#[utoipa::path(
    post, path = "/api/v1/assignments", tag = "assignments", operation_id = "create_assignment",
    summary = "Assign a social worker to a school", description = "An office-hours slot the worker cannot hold — overlapping another of their slots that day, or less than `ALLOCATION_TRAVEL_GAP_MINUTES` (30) from one at another school — is 409 `assignment_clash`, with the other assignment's id in `conflicting_id`. Records an `assignment.changed` event. Audited (`create` on the assignment). Roles: coordinator.",
    security(("bearer" = [])), request_body = NewAssignment,
    responses(
        (status = 201, description = "Created", body = Assignment, headers(("Location" = String, description = "The new assignment"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "A double booking: the worker holds another slot then (`assignment_clash`, `conflicting_id`)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/assignments")]
pub async fn create_assignment(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ManageAssignments>,
    body: ApiJson<NewAssignment>,
) -> ApiResult<HttpResponse> {
    let a = body.into_inner()?;
    let gap = state.settings.allocation_travel_gap_minutes;
    let view = state
        .db
        .write(move |conn| {
            let row = build_row(conn, Uuid::now_v7().to_string(), &a, now())?;
            check_clash(conn, &row, gap, &[])?;
            repo::insert(conn, &row)?;
            changed_event(conn, &row)?;
            record(
                conn,
                &user,
                AuditAction::Create,
                "assignment",
                Some(&row.id),
                None,
            )?;
            Ok(repo::find(conn, &row.id)?)
        })
        .await?;
    let (tag, location) = (
        etag(view.0.updated_at),
        format!("/api/v1/assignments/{}", view.0.id),
    );
    Ok(common::created(&Assignment::from(view), location, &tag))
}

#[utoipa::path(
    patch, path = "/api/v1/assignments/{id}", tag = "assignments", operation_id = "update_assignment",
    summary = "Change an assignment", description = "Only the fields sent change (send `valid_to` to end it). A double booking is 409 `assignment_clash` as on create. Records an `assignment.changed` event. Audited (`update` on the assignment). Roles: coordinator.",
    security(("bearer" = [])), request_body = AssignmentPatch,
    params(("id" = Uuid, Path, description = "Assignment id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = Assignment, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "A double booking: the worker holds another slot then (`assignment_clash`, `conflicting_id`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/assignments/{id}")]
pub async fn update_assignment(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ManageAssignments>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<AssignmentPatch>,
) -> ApiResult<HttpResponse> {
    let (id, p, if_match) = (id.to_string(), body.into_inner()?, common::if_match(&req));
    let gap = state.settings.allocation_travel_gap_minutes;
    let view = state
        .db
        .write(move |conn| {
            let (cur, ..) = repo::find(conn, &id)?;
            check_if_match(if_match.as_deref(), &etag(cur.updated_at))?;
            let mode = p.mode.unwrap_or(cur.mode);
            let slot = mode == PresenceMode::OfficeHours;
            let merged = NewAssignment {
                worker_id: cur.worker_id.clone(),
                school_id: cur.school_id.clone(),
                mode,
                weekday: p.weekday.or(if slot { cur.weekday } else { None }),
                start_time: p
                    .start_time
                    .or(if slot { hhmm(cur.start_time) } else { None }),
                end_time: p.end_time.or(if slot { hhmm(cur.end_time) } else { None }),
                valid_from: p.valid_from.unwrap_or(cur.valid_from),
                valid_to: p.valid_to.or(cur.valid_to),
            };
            let row = build_row(conn, cur.id.clone(), &merged, cur.created_at)?;
            check_clash(conn, &row, gap, &[])?;
            repo::update(conn, &row)?;
            changed_event(conn, &row)?;
            record(
                conn,
                &user,
                AuditAction::Update,
                "assignment",
                Some(&row.id),
                None,
            )?;
            Ok(repo::find(conn, &row.id)?)
        })
        .await?;
    let tag = etag(view.0.updated_at);
    Ok(ok_with_etag(&Assignment::from(view), &tag))
}

#[utoipa::path(
    delete, path = "/api/v1/assignments/{id}", tag = "assignments", operation_id = "delete_assignment",
    summary = "Delete an assignment", description = "To end one while keeping its history, set `valid_to` instead. Audited (`delete` on the assignment). Roles: coordinator.",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Assignment id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses((status = 204, description = "Deleted"), (status = 403, response = crate::openapi::Forbidden), (status = 404, response = crate::openapi::NotFound), (status = 412, response = crate::openapi::PreconditionFailed))
)]
#[delete("/api/v1/assignments/{id}")]
pub async fn delete_assignment(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ManageAssignments>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.to_string(), common::if_match(&req));
    state
        .db
        .write(move |conn| {
            let (cur, ..) = repo::find(conn, &id)?;
            check_if_match(if_match.as_deref(), &etag(cur.updated_at))?;
            repo::delete(conn, &id)?;
            changed_event(conn, &cur)?;
            record(
                conn,
                &user,
                AuditAction::Delete,
                "assignment",
                Some(&id),
                None,
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
