//! Allocation plans: the proposal that finishes the job. `POST /allocation/plans` proposes
//! worker × school × mode (office hours on a weekday and time, consult, SPOC) from the schools'
//! SES weight, help requests and wishes and the workers' capacity, with no worker at two places
//! at once; the plan is stored, edited line by line, compared with the current assignments
//! (`/diff`) and applied in one transaction (`/apply`): assignments the plan does not keep are
//! ended, the missing ones created. Applying a plan again changes nothing.

use kinderen_eerst_macros::document_limits;
use std::collections::{HashMap, HashSet};

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::allocation::{Period, ses_share};
use crate::api::assignments::{NewAssignment, build_row, changed_event, check_clash};
use crate::api::common::{self, Checks, check_if_match, etag, ok_with_etag};
use crate::api::extract::ApiJson;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::db::allocation_plans::{self as repo, LineRow, PlanRow};
use crate::db::assignments::{self as assignments_repo, AssignmentRow};
use crate::db::{DbConn, allocation, consults, now, optional, schools, users};
use crate::domain::planning::{self, Booked, Knobs, PlanSchool, PlanStatus, PlanWorker, Reason};
use crate::domain::social_map::PresenceMode;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};

/// What to plan: a period, and optionally which workers and schools.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"period": {"from": "2027-09-01", "to": "2028-06-30"}}))]
pub struct NewPlan {
    pub period: Period,
    /// The workers to plan; default: every active social worker with a capacity above 0.
    /// Each needs a capacity (`weekly_capacity_hours`, 422 naming the worker otherwise).
    #[validate(length(min = 1, max = 100))]
    pub worker_ids: Option<Vec<Uuid>>,
    /// Only the (active) schools of this network; default: every active school.
    #[schema(format = Uuid)]
    pub network_id: Option<Uuid>,
    /// Only these schools.
    #[validate(length(min = 1, max = 500))]
    pub school_ids: Option<Vec<Uuid>>,
}

/// One reason for a line: a stable code and the text in the answer's language.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanReason {
    #[schema(example = "allocation.reason.wish_day_met")]
    pub code: String,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanPerson {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

/// One line of a plan: a worker at a school in a mode.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000d1", "worker": {"id": "0193a1b2-0000-7000-8000-0000000000b1", "name": "Wendy Willems"}, "school": {"id": "0193a1b2-0000-7000-8000-0000000000c1", "name": "Basisschool De Luchtballon"}, "mode": "office_hours", "weekday": 2, "start_time": "08:30", "end_time": "10:30", "hours": 2.0, "reasons": [{"code": "allocation.reason.wish_day_met", "text": "op een gewenste dag en binnen de gewenste uren van de school"}]}))]
pub struct PlanLine {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub worker: PlanPerson,
    pub school: PlanPerson,
    pub mode: PresenceMode,
    #[schema(minimum = 1, maximum = 7)]
    pub weekday: Option<i32>,
    #[schema(example = "08:30")]
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(example = "10:30")]
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    /// Hours a week the line takes of the worker's capacity.
    pub hours: f64,
    pub reasons: Vec<PlanReason>,
}

/// A worker's week in the plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanWorkerLoad {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
    pub capacity_hours: Option<i32>,
    pub planned_hours: f64,
}

/// A stored allocation plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub status: PlanStatus,
    pub period: Period,
    pub created_at: DateTime<Utc>,
    pub applied_at: Option<DateTime<Utc>>,
    /// By school name, mode, weekday and time.
    pub lines: Vec<PlanLine>,
    /// Each worker the lines name, with their capacity and planned hours.
    pub workers: Vec<PlanWorkerLoad>,
}

/// A plan in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub status: PlanStatus,
    pub period: Period,
    pub created_at: DateTime<Utc>,
    pub applied_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    /// Newest first (the last 100).
    pub items: Vec<PlanSummary>,
}

/// One row of a diff: an assignment and/or a line, and what it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffItem {
    #[schema(format = Uuid)]
    pub assignment_id: Option<String>,
    #[schema(format = Uuid)]
    pub line_id: Option<String>,
    #[schema(format = Uuid)]
    pub worker_id: String,
    #[schema(format = Uuid)]
    pub school_id: String,
    pub mode: PresenceMode,
    pub weekday: Option<i32>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
}

/// What applying the plan would do to the assignments at its schools that overlap its period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDiff {
    #[schema(format = Uuid)]
    pub plan_id: String,
    /// Assignments that already are as a line says: untouched.
    pub keep: Vec<DiffItem>,
    /// Assignments no line keeps: they end the day before the period (removed when they would
    /// only start in it).
    pub end: Vec<DiffItem>,
    /// Lines without an assignment: created for the period.
    pub create: Vec<DiffItem>,
}

/// What applying did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplyResult {
    #[schema(format = Uuid)]
    pub plan_id: String,
    /// Ids of the assignments created.
    pub created: Vec<String>,
    /// Ids of the assignments ended or removed.
    pub ended: Vec<String>,
    /// Ids of the assignments kept as they were.
    pub kept: Vec<String>,
}

fn hhmm(t: Option<NaiveTime>) -> Option<String> {
    t.map(|t| t.format("%H:%M").to_string())
}

fn status(r: &PlanRow) -> PlanStatus {
    PlanStatus::parse(&r.status).unwrap_or(PlanStatus::Draft)
}

fn reasons_of(stored: &str) -> Vec<PlanReason> {
    serde_json::from_str::<Vec<Reason>>(stored)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let m = r.msg();
            PlanReason {
                code: m.code().as_str().to_string(),
                text: m.text(),
            }
        })
        .collect()
}

fn load_plan(conn: &mut DbConn, id: &str) -> ApiResult<(Plan, String)> {
    let p = repo::find(conn, id)?;
    let lines = repo::lines(conn, id)?;
    let mut loads: Vec<PlanWorkerLoad> = Vec::new();
    for (l, name, _) in &lines {
        match loads.iter_mut().find(|w| w.id == l.worker_id) {
            Some(w) => w.planned_hours += l.hours,
            None => loads.push(PlanWorkerLoad {
                id: l.worker_id.clone(),
                name: name.clone(),
                capacity_hours: optional(users::find(conn, &l.worker_id))?
                    .and_then(|u| u.weekly_capacity_hours),
                planned_hours: l.hours,
            }),
        }
    }
    loads.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let tag = etag(p.updated_at);
    Ok((
        Plan {
            id: p.id.clone(),
            status: status(&p),
            period: Period {
                from: p.period_from,
                to: p.period_to,
            },
            created_at: utc(p.created_at),
            applied_at: p.applied_at.map(utc),
            lines: lines
                .into_iter()
                .map(|(l, worker, school)| PlanLine {
                    reasons: reasons_of(&l.reasons),
                    worker: PlanPerson {
                        id: l.worker_id,
                        name: worker,
                    },
                    school: PlanPerson {
                        id: l.school_id,
                        name: school,
                    },
                    mode: l.mode,
                    weekday: l.weekday,
                    start_time: hhmm(l.start_time),
                    end_time: hhmm(l.end_time),
                    hours: l.hours,
                    id: l.id,
                })
                .collect(),
            workers: loads,
        },
        tag,
    ))
}

fn knobs(state: &AppState) -> Knobs {
    Knobs {
        session_minutes: state.settings.allocation_session_minutes,
        travel_gap_minutes: state.settings.allocation_travel_gap_minutes,
        contact_hours: state.settings.allocation_contact_hours,
    }
}

#[utoipa::path(
    post, path = "/api/v1/allocation/plans", tag = "allocation", operation_id = "create_allocation_plan",
    summary = "Propose an allocation plan: worker × school × mode",
    description = "Proposes and stores a plan for the period. Every school gets a SPOC (schools by weight — \
pupil_count × SES share + `ALLOCATION_HELP_REQUEST_WEIGHT` × help requests in the year before the period, as in \
`/allocation/proposal` — each taking the worker with the most free hours); a school that wishes consult also gets \
a consult line, one that wishes SPOC only nothing more; the other schools share the office-hours sessions the \
remaining capacity allows by largest remainder over their weights. A session lasts `ALLOCATION_SESSION_MINUTES` \
(120) and is placed at the first free moment (08:30 onwards, the school's wished weekdays and hours first, its \
SPOC first) where the worker is nowhere else: two schools on one day are at least `ALLOCATION_TRAVEL_GAP_MINUTES` \
(30) apart. SPOC and consult lines take `ALLOCATION_CONTACT_HOURS` (1) hour a week. No worker is planned beyond \
their capacity (`weekly_capacity_hours` on the user). Every line carries its reasons (codes and text). Nothing \
changes until the plan is applied. Roles: coordinator.",
    security(("bearer" = [])), request_body = NewPlan,
    responses(
        (status = 201, description = "The plan", body = Plan, headers(("Location" = String, description = "The plan"), ("ETag" = String, description = "Version, for If-Match on apply"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/allocation/plans")]
pub async fn create_allocation_plan(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ProposeAllocation>,
    body: ApiJson<NewPlan>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner()?;
    let k = knobs(&state);
    let per_request = state.settings.allocation_help_request_weight;
    let (plan, tag) = state
        .db
        .write(move |conn| {
            let mut checks = Checks::default();
            checks.check(
                b.period.from <= b.period.to,
                "period.to",
                crate::msg!(NotBefore, other = "period.from"),
            );
            let workers: Vec<PlanWorker> = match &b.worker_ids {
                Some(ids) => {
                    let mut out = Vec::new();
                    for (i, id) in ids.iter().enumerate() {
                        let field = format!("worker_ids[{i}]");
                        let id = id.to_string();
                        if !users::is_active_worker(conn, &id)? {
                            checks.add(&field, Code::ActiveSocialWorker);
                            continue;
                        }
                        if out.iter().any(|w: &PlanWorker| w.id == id) {
                            checks.add(&field, Code::ListedTwice);
                            continue;
                        }
                        match users::find(conn, &id)?.weekly_capacity_hours {
                            Some(h) => out.push(PlanWorker {
                                id,
                                capacity_hours: h as f64,
                            }),
                            None => checks.add(&field, Code::CapacityNotSet),
                        }
                    }
                    out
                }
                None => {
                    let all = users::active_workers_with_capacity(conn)?;
                    if all.is_empty() {
                        checks.add("worker_ids", Code::NoWorkersWithCapacity);
                    }
                    all.into_iter()
                        .map(|(id, h)| PlanWorker {
                            id,
                            capacity_hours: h as f64,
                        })
                        .collect()
                }
            };
            checks.finish()?;
            let rows = allocation::schools(
                conn,
                b.network_id.map(|n| n.to_string()),
                b.school_ids
                    .as_ref()
                    .map(|ids| ids.iter().map(Uuid::to_string).collect()),
            )?;
            let window_from = b
                .period
                .from
                .checked_sub_signed(chrono::Duration::days(365))
                .ok_or_else(|| ApiError::field("period.from", Code::TooFarInPast))?;
            let (wf, wt) = (
                window_from.and_hms_opt(0, 0, 0).unwrap_or_default(),
                b.period.from.and_hms_opt(0, 0, 0).unwrap_or_default(),
            );
            let cases: HashMap<String, i64> = allocation::cases_by_school(conn, wf, wt)?;
            let asked: HashMap<String, i64> = consults::count_by_school(conn, wf, wt)?;
            let schools_in: Vec<PlanSchool> = rows
                .iter()
                .map(|s| {
                    let (share, _) = ses_share(s);
                    let help = cases.get(&s.id).copied().unwrap_or(0)
                        + asked.get(&s.id).copied().unwrap_or(0);
                    PlanSchool {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        weight: s.pupil_count.max(0) as f64 * share / 100.0
                            + per_request * help as f64,
                        pupils: s.pupil_count,
                        ses: share,
                        help_requests: help,
                        preferred: s
                            .preferred_presence
                            .as_deref()
                            .and_then(PresenceMode::parse),
                        weekdays: schools::parse_weekdays(&s.wish_weekdays),
                        earliest: s.wish_start_time,
                        latest: s.wish_end_time,
                    }
                })
                .collect();
            let (lines, _unplaced) = planning::plan(&workers, &schools_in, k);
            let at = now();
            let plan = PlanRow {
                id: Uuid::now_v7().to_string(),
                period_from: b.period.from,
                period_to: b.period.to,
                status: PlanStatus::Draft.as_str().into(),
                created_by: user.id.clone(),
                applied_at: None,
                applied_by: None,
                created_at: at,
                updated_at: at,
            };
            repo::insert_plan(conn, &plan)?;
            let rows: Vec<LineRow> = lines
                .into_iter()
                .map(|l| LineRow {
                    id: Uuid::now_v7().to_string(),
                    plan_id: plan.id.clone(),
                    worker_id: l.worker_id,
                    school_id: l.school_id,
                    mode: l.mode,
                    weekday: l.weekday,
                    start_time: l.start,
                    end_time: l.end,
                    hours: l.hours,
                    reasons: serde_json::to_string(&l.reasons).unwrap_or_else(|_| "[]".into()),
                    created_at: at,
                    updated_at: at,
                })
                .collect();
            repo::insert_lines(conn, &rows)?;
            record(
                conn,
                &user,
                AuditAction::Create,
                "allocation_plan",
                Some(&plan.id),
                None,
            )?;
            load_plan(conn, &plan.id)
        })
        .await?;
    let location = format!("/api/v1/allocation/plans/{}", plan.id);
    Ok(common::created(&plan, location, &tag))
}

#[utoipa::path(
    get, path = "/api/v1/allocation/plans", tag = "allocation", operation_id = "list_allocation_plans",
    summary = "List allocation plans", description = "The last 100, newest first. Roles: coordinator.",
    security(("bearer" = [])),
    responses((status = 200, description = "The plans", body = PlanList), (status = 403, response = crate::openapi::Forbidden))
)]
#[get("/api/v1/allocation/plans")]
pub async fn list_allocation_plans(
    state: web::Data<AppState>,
    _: Allowed<can::ProposeAllocation>,
) -> ApiResult<web::Json<PlanList>> {
    let rows = state.db.run(|conn| Ok(repo::list(conn, 100)?)).await?;
    Ok(web::Json(PlanList {
        items: rows
            .into_iter()
            .map(|p| PlanSummary {
                status: status(&p),
                id: p.id,
                period: Period {
                    from: p.period_from,
                    to: p.period_to,
                },
                created_at: utc(p.created_at),
                applied_at: p.applied_at.map(utc),
            })
            .collect(),
    }))
}

#[utoipa::path(
    get, path = "/api/v1/allocation/plans/{id}", tag = "allocation", operation_id = "get_allocation_plan",
    summary = "Get an allocation plan", description = "With its lines, their reasons and each worker's planned hours. Roles: coordinator.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The plan", body = Plan, headers(("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/allocation/plans/{id}")]
pub async fn get_allocation_plan(
    state: web::Data<AppState>,
    _: Allowed<can::ProposeAllocation>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let (plan, tag) = state.db.run(move |conn| load_plan(conn, &id)).await?;
    Ok(ok_with_etag(&plan, &tag))
}

/// The plan's lines and the assignments they would replace, matched: (kept pairs, assignments to
/// end, lines to create).
type Diff = (
    Vec<(AssignmentRow, LineRow)>,
    Vec<AssignmentRow>,
    Vec<LineRow>,
);

fn diff(conn: &mut DbConn, plan: &PlanRow) -> ApiResult<Diff> {
    let lines: Vec<LineRow> = repo::lines(conn, &plan.id)?
        .into_iter()
        .map(|v| v.0)
        .collect();
    let schools_in: Vec<String> = lines
        .iter()
        .map(|l| l.school_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Only the plan's schools: a planned worker keeps what they hold elsewhere (a clash with it
    // is refused on apply).
    let mut current =
        assignments_repo::overlapping(conn, &schools_in, plan.period_from, plan.period_to)?;
    let mut keep = Vec::new();
    let mut create = Vec::new();
    for l in lines {
        let found = current.iter().position(|a| {
            a.worker_id == l.worker_id
                && a.school_id == l.school_id
                && a.mode == l.mode
                && a.weekday == l.weekday
                && a.start_time == l.start_time
                && a.end_time == l.end_time
                && a.valid_from <= plan.period_from
                && a.valid_to.is_none_or(|t| t >= plan.period_to)
        });
        match found {
            Some(i) => keep.push((current.remove(i), l)),
            None => create.push(l),
        }
    }
    Ok((keep, current, create))
}

fn item_of_assignment(a: &AssignmentRow, line: Option<&LineRow>) -> DiffItem {
    DiffItem {
        assignment_id: Some(a.id.clone()),
        line_id: line.map(|l| l.id.clone()),
        worker_id: a.worker_id.clone(),
        school_id: a.school_id.clone(),
        mode: a.mode,
        weekday: a.weekday,
        start_time: hhmm(a.start_time),
        end_time: hhmm(a.end_time),
    }
}

fn item_of_line(l: &LineRow) -> DiffItem {
    DiffItem {
        assignment_id: None,
        line_id: Some(l.id.clone()),
        worker_id: l.worker_id.clone(),
        school_id: l.school_id.clone(),
        mode: l.mode,
        weekday: l.weekday,
        start_time: hhmm(l.start_time),
        end_time: hhmm(l.end_time),
    }
}

#[utoipa::path(
    get, path = "/api/v1/allocation/plans/{id}/diff", tag = "allocation", operation_id = "diff_allocation_plan",
    summary = "Compare a plan with the current assignments",
    description = "Against the assignments at the plan's schools (those its lines name) that overlap its period, \
whoever holds them: those a line \
keeps as they are (same worker, school, mode, weekday and times, covering the period), those that would end, and \
the lines that would become new assignments. An applied plan whose assignments nobody changed has an empty `end` \
and `create`. Roles: coordinator.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The diff", body = PlanDiff, headers(("ETag" = String, description = "The plan's version, for If-Match on apply"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/allocation/plans/{id}/diff")]
pub async fn diff_allocation_plan(
    state: web::Data<AppState>,
    _: Allowed<can::ProposeAllocation>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let (d, tag) = state
        .db
        .run(move |conn| {
            let plan = repo::find(conn, &id)?;
            let (keep, end, create) = diff(conn, &plan)?;
            Ok((
                PlanDiff {
                    plan_id: plan.id.clone(),
                    keep: keep
                        .iter()
                        .map(|(a, l)| item_of_assignment(a, Some(l)))
                        .collect(),
                    end: end.iter().map(|a| item_of_assignment(a, None)).collect(),
                    create: create.iter().map(item_of_line).collect(),
                },
                etag(plan.updated_at),
            ))
        })
        .await?;
    Ok(ok_with_etag(&d, &tag))
}

#[utoipa::path(
    post, path = "/api/v1/allocation/plans/{id}/apply", tag = "allocation", operation_id = "apply_allocation_plan",
    summary = "Apply a plan: end and create assignments in one transaction",
    description = "Does what `/diff` shows, all or nothing: assignments at the plan's schools no line keeps end the day before the \
period (or are removed when they would only start in it), the lines without an assignment become assignments \
for the period. Needs `If-Match` with the plan's ETag (428 without, 412 when the plan changed since). A line \
that would double-book a worker against an assignment outside the plan is 409 `assignment_clash` and nothing \
changes. Each assignment changed records an `assignment.changed` event and an audit event. Applying again \
changes nothing (empty `created` and `ended`). Roles: coordinator.",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), ("If-Match" = String, Header, description = "The plan's ETag; 412 when stale, 428 when missing")),
    responses(
        (status = 200, description = "What changed", body = ApplyResult, headers(("ETag" = String, description = "The plan's new version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "A double booking (`assignment_clash`, `conflicting_id`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 428, description = "If-Match is missing", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/allocation/plans/{id}/apply")]
pub async fn apply_allocation_plan(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ProposeAllocation>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.to_string(), common::if_match(&req));
    let gap = state.settings.allocation_travel_gap_minutes;
    let (result, tag) = state
        .db
        .write(move |conn| {
            let plan = repo::find(conn, &id)?;
            let Some(if_match) = if_match else {
                return Err(ApiError::PreconditionRequired);
            };
            check_if_match(Some(&if_match), &etag(plan.updated_at))?;
            let (keep, end, create) = diff(conn, &plan)?;
            let mut ended = Vec::new();
            for a in &end {
                let removed = assignments_repo::end_before(conn, a, plan.period_from)?;
                let action = if removed {
                    AuditAction::Delete
                } else {
                    AuditAction::Update
                };
                record(conn, &user, action, "assignment", Some(&a.id), None)?;
                changed_event(conn, a)?;
                ended.push(a.id.clone());
            }
            let mut created = Vec::new();
            for l in &create {
                let new = NewAssignment {
                    worker_id: l.worker_id.clone(),
                    school_id: l.school_id.clone(),
                    mode: l.mode,
                    weekday: l.weekday,
                    start_time: hhmm(l.start_time),
                    end_time: hhmm(l.end_time),
                    valid_from: plan.period_from,
                    valid_to: Some(plan.period_to),
                };
                let row = build_row(conn, Uuid::now_v7().to_string(), &new, now())?;
                check_clash(conn, &row, gap, &[])?;
                assignments_repo::insert(conn, &row)?;
                record(
                    conn,
                    &user,
                    AuditAction::Create,
                    "assignment",
                    Some(&row.id),
                    None,
                )?;
                changed_event(conn, &row)?;
                created.push(row.id);
            }
            let changed = !ended.is_empty() || !created.is_empty();
            let mut plan_tag = etag(plan.updated_at);
            if changed || status(&plan) != PlanStatus::Applied {
                let at = now();
                repo::touch(
                    conn,
                    &plan.id,
                    PlanStatus::Applied.as_str(),
                    Some((&user.id, at)),
                    at,
                )?;
                record(
                    conn,
                    &user,
                    AuditAction::StatusChange,
                    "allocation_plan",
                    Some(&plan.id),
                    None,
                )?;
                plan_tag = etag(at);
            }
            Ok((
                ApplyResult {
                    plan_id: plan.id.clone(),
                    created,
                    ended,
                    kept: keep.into_iter().map(|(a, _)| a.id).collect(),
                },
                plan_tag,
            ))
        })
        .await?;
    Ok(ok_with_etag(&result, &tag))
}

/// A line added by hand.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"worker_id": "0193a1b2-0000-7000-8000-0000000000b1", "school_id": "0193a1b2-0000-7000-8000-0000000000c1", "mode": "office_hours", "weekday": 4, "start_time": "13:30", "end_time": "15:30"}))]
pub struct NewPlanLine {
    #[schema(format = Uuid)]
    pub worker_id: Uuid,
    #[schema(format = Uuid)]
    pub school_id: Uuid,
    pub mode: PresenceMode,
    /// ISO weekday; office hours only.
    #[validate(range(min = 1, max = 7))]
    pub weekday: Option<i32>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    /// Hours a week; default the slot's length for office hours, `ALLOCATION_CONTACT_HOURS` else.
    #[validate(range(min = 0.0, max = 60.0))]
    pub hours: Option<f64>,
}

/// Changes to one line; only the fields sent change.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"weekday": 4, "start_time": "13:30", "end_time": "15:30"}))]
pub struct PlanLinePatch {
    #[schema(format = Uuid)]
    pub worker_id: Option<Uuid>,
    pub mode: Option<PresenceMode>,
    #[validate(range(min = 1, max = 7))]
    pub weekday: Option<i32>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    #[validate(range(min = 0.0, max = 60.0))]
    pub hours: Option<f64>,
}

/// Checks a line as an assignment would be checked (active worker, school, office hours with
/// a weekday and a slot), and against the plan's other lines: a double booking is 409
/// `plan_line_clash` naming the other line.
fn check_line(conn: &mut DbConn, row: &LineRow, gap: i64) -> ApiResult<()> {
    let as_assignment = NewAssignment {
        worker_id: row.worker_id.clone(),
        school_id: row.school_id.clone(),
        mode: row.mode,
        weekday: row.weekday,
        start_time: hhmm(row.start_time),
        end_time: hhmm(row.end_time),
        valid_from: NaiveDate::MIN,
        valid_to: None,
    };
    build_row(conn, row.id.clone(), &as_assignment, now())?;
    let (Some(weekday), Some(start), Some(end)) = (row.weekday, row.start_time, row.end_time)
    else {
        return Ok(());
    };
    let me = Booked {
        weekday,
        start,
        end,
        school_id: &row.school_id,
    };
    for (other, ..) in repo::lines(conn, &row.plan_id)? {
        if other.id == row.id || other.worker_id != row.worker_id {
            continue;
        }
        let (Some(d), Some(s), Some(e)) = (other.weekday, other.start_time, other.end_time) else {
            continue;
        };
        let them = Booked {
            weekday: d,
            start: s,
            end: e,
            school_id: &other.school_id,
        };
        if planning::clashes(&me, &them, gap) {
            return Err(ApiError::Clash {
                detail: crate::msg!(
                    PlanLineClash,
                    other = &other.id,
                    weekday = d,
                    start = s.format("%H:%M"),
                    end = e.format("%H:%M"),
                    gap = gap
                ),
                conflicting_id: other.id,
            });
        }
    }
    Ok(())
}

fn parse_time(checks: &mut Checks, field: &str, v: &Option<String>) -> Option<NaiveTime> {
    v.as_deref().and_then(|s| {
        crate::domain::time_of_day::parse(s)
            .ok_or(())
            .map_err(|_| checks.add(field, Code::TimeHhMm))
            .ok()
    })
}

fn default_hours(
    k: &Knobs,
    mode: PresenceMode,
    start: Option<NaiveTime>,
    end: Option<NaiveTime>,
) -> f64 {
    match (mode, start, end) {
        (PresenceMode::OfficeHours, Some(s), Some(e)) => (e - s).num_minutes().max(0) as f64 / 60.0,
        _ => k.contact_hours,
    }
}

/// Loads the plan for an edit and checks If-Match (optional, as on other edits).
fn plan_for_edit(conn: &mut DbConn, id: &str, if_match: Option<&str>) -> ApiResult<PlanRow> {
    let plan = repo::find(conn, id)?;
    check_if_match(if_match, &etag(plan.updated_at))?;
    Ok(plan)
}

fn edited(conn: &mut DbConn, plan_id: &str) -> ApiResult<(Plan, String)> {
    repo::touch(conn, plan_id, PlanStatus::Draft.as_str(), None, now())?;
    load_plan(conn, plan_id)
}

#[utoipa::path(
    post, path = "/api/v1/allocation/plans/{id}/lines", tag = "allocation", operation_id = "add_allocation_plan_line",
    summary = "Add a line to a plan",
    description = "Checked as an assignment is (422 naming the field), and against the plan's other lines: a double \
booking is 409 `plan_line_clash` with the other line's id in `conflicting_id`. The plan becomes `draft` again. \
Roles: coordinator.",
    security(("bearer" = [])), request_body = NewPlanLine,
    params(("id" = Uuid, Path, description = "Plan id"), ("If-Match" = Option<String>, Header, description = "The plan's ETag; 412 when stale")),
    responses(
        (status = 201, description = "The plan with the new line", body = Plan, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "A double booking within the plan (`plan_line_clash`, `conflicting_id`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[post("/api/v1/allocation/plans/{id}/lines")]
pub async fn add_allocation_plan_line(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ProposeAllocation>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<NewPlanLine>,
) -> ApiResult<HttpResponse> {
    let (id, b, if_match) = (id.to_string(), body.into_inner()?, common::if_match(&req));
    let (k, gap) = (knobs(&state), state.settings.allocation_travel_gap_minutes);
    let (plan, tag) = state
        .db
        .write(move |conn| {
            let plan = plan_for_edit(conn, &id, if_match.as_deref())?;
            let mut checks = Checks::default();
            let start = parse_time(&mut checks, "start_time", &b.start_time);
            let end = parse_time(&mut checks, "end_time", &b.end_time);
            checks.finish()?;
            let at = now();
            let row = LineRow {
                id: Uuid::now_v7().to_string(),
                plan_id: plan.id.clone(),
                worker_id: b.worker_id.to_string(),
                school_id: b.school_id.to_string(),
                mode: b.mode,
                weekday: b.weekday,
                start_time: start,
                end_time: end,
                hours: b
                    .hours
                    .unwrap_or_else(|| default_hours(&k, b.mode, start, end)),
                reasons: serde_json::to_string(&[Reason::Manual]).unwrap_or_default(),
                created_at: at,
                updated_at: at,
            };
            check_line(conn, &row, gap)?;
            repo::insert_lines(conn, std::slice::from_ref(&row))?;
            record(
                conn,
                &user,
                AuditAction::Update,
                "allocation_plan",
                Some(&plan.id),
                None,
            )?;
            edited(conn, &plan.id)
        })
        .await?;
    let location = format!("/api/v1/allocation/plans/{}", plan.id);
    Ok(common::created(&plan, location, &tag))
}

#[utoipa::path(
    patch, path = "/api/v1/allocation/plans/{id}/lines/{line_id}", tag = "allocation", operation_id = "update_allocation_plan_line",
    summary = "Change one line of a plan",
    description = "Only the fields sent change; the line's reasons become `allocation.reason.manual`. Checked as on \
add (422, 409 `plan_line_clash`). The plan becomes `draft` again. Roles: coordinator.",
    security(("bearer" = [])), request_body = PlanLinePatch,
    params(("id" = Uuid, Path, description = "Plan id"), ("line_id" = Uuid, Path, description = "Line id"), ("If-Match" = Option<String>, Header, description = "The plan's ETag; 412 when stale")),
    responses(
        (status = 200, description = "The plan", body = Plan, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "A double booking within the plan (`plan_line_clash`, `conflicting_id`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/allocation/plans/{id}/lines/{line_id}")]
pub async fn update_allocation_plan_line(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ProposeAllocation>,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    body: ApiJson<PlanLinePatch>,
) -> ApiResult<HttpResponse> {
    let (id, line_id) = (path.0.to_string(), path.1.to_string());
    let (p, if_match) = (body.into_inner()?, common::if_match(&req));
    let (k, gap) = (knobs(&state), state.settings.allocation_travel_gap_minutes);
    let (plan, tag) = state
        .db
        .write(move |conn| {
            let plan = plan_for_edit(conn, &id, if_match.as_deref())?;
            let mut row = repo::find_line(conn, &plan.id, &line_id)?;
            let mut checks = Checks::default();
            let start = parse_time(&mut checks, "start_time", &p.start_time);
            let end = parse_time(&mut checks, "end_time", &p.end_time);
            checks.finish()?;
            let mode = p.mode.unwrap_or(row.mode);
            let slot = mode == PresenceMode::OfficeHours;
            if let Some(w) = p.worker_id {
                row.worker_id = w.to_string();
            }
            row.mode = mode;
            row.weekday = p.weekday.or(if slot { row.weekday } else { None });
            row.start_time = start.or(if slot { row.start_time } else { None });
            row.end_time = end.or(if slot { row.end_time } else { None });
            row.hours = p
                .hours
                .unwrap_or_else(|| default_hours(&k, mode, row.start_time, row.end_time));
            row.reasons = serde_json::to_string(&[Reason::Manual]).unwrap_or_default();
            row.updated_at = now();
            check_line(conn, &row, gap)?;
            repo::update_line(conn, &row)?;
            record(
                conn,
                &user,
                AuditAction::Update,
                "allocation_plan",
                Some(&plan.id),
                None,
            )?;
            edited(conn, &plan.id)
        })
        .await?;
    Ok(ok_with_etag(&plan, &tag))
}

#[utoipa::path(
    delete, path = "/api/v1/allocation/plans/{id}/lines/{line_id}", tag = "allocation", operation_id = "delete_allocation_plan_line",
    summary = "Remove one line from a plan",
    description = "The plan becomes `draft` again. Roles: coordinator.",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), ("line_id" = Uuid, Path, description = "Line id"), ("If-Match" = Option<String>, Header, description = "The plan's ETag; 412 when stale")),
    responses(
        (status = 200, description = "The plan", body = Plan, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[delete("/api/v1/allocation/plans/{id}/lines/{line_id}")]
pub async fn delete_allocation_plan_line(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ProposeAllocation>,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, line_id, if_match) = (
        path.0.to_string(),
        path.1.to_string(),
        common::if_match(&req),
    );
    let (plan, tag) = state
        .db
        .write(move |conn| {
            let plan = plan_for_edit(conn, &id, if_match.as_deref())?;
            let row = repo::find_line(conn, &plan.id, &line_id)?;
            repo::delete_line(conn, &row.id)?;
            record(
                conn,
                &user,
                AuditAction::Update,
                "allocation_plan",
                Some(&plan.id),
                None,
            )?;
            edited(conn, &plan.id)
        })
        .await?;
    Ok(ok_with_etag(&plan, &tag))
}
