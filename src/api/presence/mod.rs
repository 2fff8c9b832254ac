//! Office hours (zitdag): the concrete sessions expanded from the weekly `office_hours`
//! assignments, the exceptions that cancel or move one, closed periods (school holidays) and
//! sessions logged as held. A session in a closed period is shown as `cancelled` with the
//! period's name, so a subscribed calendar shows the holiday instead of silently losing it.
//!
//! The room also holds the calendar feeds (`calendar`).

pub mod absences;
pub mod calendar;

use kinderen_eerst_macros::document_limits;
use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::Checks;
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Viewer;
use crate::auth::extractor::Allowed;
use crate::auth::policy::{Action, can, require};
use crate::auth::viewer::Managed;
use crate::db::presence::{self as repo, ClosedPeriodRow, ExceptionRow, LogRow, SlotFilter};
use crate::db::{DbConn, assignments, now};
use crate::domain::presence::{ExceptionKind, SessionStatus, weekly_dates};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionSchool {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionWorker {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub display_name: String,
}

/// Where and when a moved session takes place instead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovedTo {
    pub date: NaiveDate,
    /// Local time, HH:MM.
    #[schema(example = "13:00")]
    #[schema(value_type = crate::domain::time_of_day::TimeOfDay)]
    pub start_time: String,
    #[schema(example = "14:30")]
    #[schema(value_type = crate::domain::time_of_day::TimeOfDay)]
    pub end_time: String,
}

/// One office-hours session of one assignment on one day.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"assignment_id": "0193a1b2-0000-7000-8000-0000000000a1", "date": "2026-11-03", "start_time": "08:30", "end_time": "10:00", "school": {"id": "0193a1b2-0000-7000-8000-0000000000c1", "name": "Basisschool De Luchtballon"}, "worker": {"id": "0193a1b2-0000-7000-8000-0000000000b1", "display_name": "Wendy Willems"}, "status": "moved", "moved_to": {"date": "2026-11-05", "start_time": "13:00", "end_time": "14:30"}, "reason": "Pedagogische studiedag", "closed_period": null, "exception_id": "0193a1b2-0000-7000-8000-0000000000e1", "contacts": null, "substitute": null}))]
pub struct Session {
    #[schema(format = Uuid)]
    pub assignment_id: String,
    /// The session's regular date (a moved session keeps it; see `moved_to`).
    pub date: NaiveDate,
    /// Local time (Europe/Brussels), HH:MM.
    #[schema(value_type = crate::domain::time_of_day::TimeOfDay)]
    pub start_time: String,
    #[schema(value_type = crate::domain::time_of_day::TimeOfDay)]
    pub end_time: String,
    pub school: SessionSchool,
    pub worker: SessionWorker,
    pub status: SessionStatus,
    /// For a moved session: when it takes place instead.
    pub moved_to: Option<MovedTo>,
    /// Why it was cancelled or moved (for a closed period: the period's name).
    pub reason: Option<String>,
    /// The closed period (school holiday) the session falls in, if any.
    pub closed_period: Option<String>,
    /// The exception that cancelled or moved it (to delete it).
    #[schema(format = Uuid)]
    pub exception_id: Option<String>,
    /// For a held session: the number of contacts (people, never names).
    pub contacts: Option<i32>,
    /// While the worker is away: who holds the session instead (null: it is cancelled).
    pub substitute: Option<SessionWorker>,
}

/// A session with what a calendar feed needs besides.
pub struct Expanded {
    pub session: Session,
    pub address: String,
    /// The last change to the session (assignment, exception or log), for DTSTAMP.
    pub changed_at: NaiveDateTime,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// Expands the office-hours assignments matching `f` into sessions in `[from, to]` (by
/// regular date), applying logs, exceptions and closed periods; sorted by date, start, school.
pub fn expand(
    conn: &mut DbConn,
    f: &SlotFilter,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<Expanded>> {
    let slots = repo::slots(conn, f, from, to)?;
    let ids: Vec<String> = slots.iter().map(|s| s.assignment.id.clone()).collect();
    let exceptions: HashMap<(String, NaiveDate), ExceptionRow> =
        repo::exceptions(conn, &ids, from, to)?
            .into_iter()
            .map(|e| ((e.assignment_id.clone(), e.session_date), e))
            .collect();
    let logs: HashMap<(String, NaiveDate), LogRow> = repo::logs(conn, &ids, from, to)?
        .into_iter()
        .map(|l| ((l.assignment_id.clone(), l.session_date), l))
        .collect();
    let closed = repo::closed_periods(conn, Some(from), Some(to))?;
    let absences = crate::db::absences::overlapping(conn, None, from, to)?;
    let substitutes: HashMap<String, String> = crate::db::absences::names(
        conn,
        &absences
            .iter()
            .filter_map(|a| a.substitute_id.clone())
            .collect::<Vec<_>>(),
    )?
    .into_iter()
    .collect();
    let mut out = Vec::new();
    for slot in slots {
        let a = &slot.assignment;
        let (Some(weekday), Some(start), Some(end)) = (a.weekday, a.start_time, a.end_time) else {
            continue;
        };
        let address = [
            slot.street.trim().to_string(),
            format!("{} {}", slot.postal_code.trim(), slot.city.trim())
                .trim()
                .to_string(),
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        for day in weekly_dates(weekday as u32, a.valid_from, a.valid_to, from, to) {
            let key = (a.id.clone(), day);
            let exception = exceptions.get(&key);
            let log = logs.get(&key);
            let holiday = closed.iter().find(|p| {
                p.first_day <= day
                    && day <= p.last_day
                    && p.school_id.as_ref().is_none_or(|s| *s == a.school_id)
            });
            let away = absences
                .iter()
                .find(|x| x.worker_id == a.worker_id && x.first_day <= day && day <= x.last_day);
            let mut changed_at = a.updated_at;
            let mut session = Session {
                assignment_id: a.id.clone(),
                date: day,
                start_time: hhmm(start),
                end_time: hhmm(end),
                school: SessionSchool {
                    id: a.school_id.clone(),
                    name: slot.school_name.clone(),
                },
                worker: SessionWorker {
                    id: a.worker_id.clone(),
                    display_name: slot.worker_name.clone(),
                },
                status: SessionStatus::Planned,
                moved_to: None,
                reason: None,
                closed_period: holiday.map(|h| h.name.clone()),
                exception_id: None,
                contacts: None,
                substitute: None,
            };
            if let Some(x) = away {
                changed_at = changed_at.max(x.updated_at);
                session.reason = Some(Code::WorkerAway.text(crate::i18n::current()).to_string());
                match &x.substitute_id {
                    Some(sub) => {
                        session.substitute = Some(SessionWorker {
                            id: sub.clone(),
                            display_name: substitutes.get(sub).cloned().unwrap_or_default(),
                        })
                    }
                    None => session.status = SessionStatus::Cancelled,
                }
            }
            if let Some(h) = holiday {
                session.status = SessionStatus::Cancelled;
                session.reason = Some(h.name.clone());
                changed_at = changed_at.max(h.updated_at);
            }
            if let Some(e) = exception {
                changed_at = changed_at.max(e.updated_at);
                session.exception_id = Some(e.id.clone());
                session.reason = Some(e.reason.clone()).filter(|r| !r.is_empty());
                match ExceptionKind::parse(&e.kind) {
                    Some(ExceptionKind::Moved) => {
                        session.status = SessionStatus::Moved;
                        if let (Some(d), Some(s), Some(t)) =
                            (e.moved_date, e.moved_start_time, e.moved_end_time)
                        {
                            session.moved_to = Some(MovedTo {
                                date: d,
                                start_time: hhmm(s),
                                end_time: hhmm(t),
                            });
                        }
                    }
                    _ => session.status = SessionStatus::Cancelled,
                }
            }
            if let Some(l) = log {
                changed_at = changed_at.max(l.updated_at);
                session.status = SessionStatus::Held;
                session.contacts = Some(l.contacts);
            }
            out.push(Expanded {
                session,
                address: address.clone(),
                changed_at,
                start,
                end,
            });
        }
    }
    out.sort_by(|x, y| {
        (
            x.session.date,
            &x.session.start_time,
            &x.session.school.name,
            &x.session.assignment_id,
        )
            .cmp(&(
                y.session.date,
                &y.session.start_time,
                &y.session.school.name,
                &y.session.assignment_id,
            ))
    });
    Ok(out)
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

// ---------------------------------------------------------------------------------------------
// Sessions

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OfficeHoursQuery {
    /// First day (default: today).
    pub from: Option<NaiveDate>,
    /// Last day, included (default: `from` + 27 days). At most `OFFICE_HOURS_MAX_RANGE_DAYS`
    /// (366) days after `from`.
    pub to: Option<NaiveDate>,
    /// Only this school's sessions.
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// Only this worker's sessions.
    #[param(format = Uuid)]
    pub worker: Option<Uuid>,
}

/// A planned consult visit (a scheduled consult request), as the calendar shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Visit {
    #[schema(format = Uuid)]
    pub consult_request_id: String,
    pub date: NaiveDate,
    /// Local time, HH:MM; null when not agreed yet.
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    pub school: SessionSchool,
    pub worker: SessionWorker,
}

/// The sessions in a date range.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// By date, then start time, then school name.
    pub items: Vec<Session>,
    /// Consult visits planned in the range (scheduled consult requests), by date.
    pub visits: Vec<Visit>,
}

/// A visit with the school's address, for a calendar feed.
pub struct ExpandedVisit {
    pub visit: Visit,
    pub address: String,
    pub changed_at: NaiveDateTime,
}

/// The scheduled consult visits matching `f` in `[from, to]`.
pub fn visits(
    conn: &mut DbConn,
    f: &SlotFilter,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<ExpandedVisit>> {
    let rows = crate::db::consults::visits(
        conn,
        f.school_id.as_deref(),
        f.worker_id.as_deref(),
        from,
        to,
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(r, school, street, postal, city, worker)| {
            let date = r.scheduled_date?;
            let address = [
                street.trim().to_string(),
                format!("{} {}", postal.trim(), city.trim())
                    .trim()
                    .to_string(),
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
            Some(ExpandedVisit {
                visit: Visit {
                    consult_request_id: r.id.clone(),
                    date,
                    start_time: r.scheduled_start_time.map(hhmm),
                    end_time: r.scheduled_end_time.map(hhmm),
                    school: SessionSchool {
                        id: r.school_id.clone(),
                        name: school,
                    },
                    worker: SessionWorker {
                        id: r.worker_id.clone().unwrap_or_default(),
                        display_name: worker,
                    },
                },
                address,
                changed_at: r.updated_at,
            })
        })
        .collect())
}

/// The caller's scope on sessions: a worker their own, a school its own; `None` when the
/// filter asks for someone else's (the answer is then empty, not an error).
fn scoped_filter(
    user: &Viewer,
    school: Option<String>,
    worker: Option<String>,
) -> Option<SlotFilter> {
    let (worker_id, school_id) = user.narrow_worker_school(worker, school)?;
    Some(SlotFilter {
        school_id,
        worker_id,
    })
}

#[utoipa::path(
    get, path = "/api/v1/office-hours", tag = "presence", operation_id = "list_office_hours",
    summary = "List office-hours sessions",
    description = "Expands the weekly `office_hours` assignments into concrete sessions between `from` and `to` \
(at most 366 days apart by default; 422 naming `to` beyond). Each session is `planned`, `cancelled` (by an \
exception, or because it falls in a closed period such as a school holiday — then `closed_period` and `reason` \
name it; a closed period holds for every school, a holiday, or for one, a study day — or while the worker is \
away, then with `substitute` when someone holds it instead), `moved` (see `moved_to`) or `held` (with the number \
of contacts). `visits` lists the consult visits planned in the range. The coordinator sees every session; \
a social worker their own; a school account its school's. Asking for someone else's gives an empty list. \
Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(OfficeHoursQuery),
    responses((status = 200, description = "The sessions in the range", body = SessionList))
)]
#[get("/api/v1/office-hours")]
pub async fn list_office_hours(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<OfficeHoursQuery>,
) -> ApiResult<web::Json<SessionList>> {
    require(&user, Action::ReadOfficeHours)?;
    let q = query.0;
    let from = q.from.unwrap_or_else(today);
    let to = match q.to {
        Some(t) => t,
        None => from
            .checked_add_signed(Duration::days(27))
            .ok_or_else(|| ApiError::field("from", Code::TooFarInFuture))?,
    };
    let max = state.settings.office_hours_max_range_days;
    if to < from {
        return Err(ApiError::field(
            "to",
            crate::msg!(NotBefore, other = "from"),
        ));
    }
    if (to - from).num_days() > max {
        return Err(ApiError::field("to", crate::msg!(RangeMaxDays, max = max)));
    }
    let Some(f) = scoped_filter(
        &user,
        q.school.map(|s| s.to_string()),
        q.worker.map(|w| w.to_string()),
    ) else {
        return Ok(web::Json(SessionList {
            from,
            to,
            items: vec![],
            visits: vec![],
        }));
    };
    let (items, visits) = state
        .db
        .run(move |conn| Ok((expand(conn, &f, from, to)?, visits(conn, &f, from, to)?)))
        .await?;
    Ok(web::Json(SessionList {
        from,
        to,
        items: items.into_iter().map(|e| e.session).collect(),
        visits: visits.into_iter().map(|v| v.visit).collect(),
    }))
}

/// The office-hours assignment behind a session, if the caller may act on it: the coordinator
/// any, a worker their own; anything else is 404.
fn acted_assignment(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
) -> ApiResult<assignments::AssignmentRow> {
    let worker = match user.managed_workers() {
        Managed::Anyone => None,
        Managed::Only(w) => Some(w),
        Managed::Nobody => return Err(ApiError::NotFound),
    };
    Ok(assignments::find_scoped(conn, id, worker, None)?.0)
}

/// The session of assignment `id` on `day`, as it stands now.
fn session_on(conn: &mut DbConn, id: &str, day: NaiveDate) -> ApiResult<Session> {
    let f = SlotFilter::default();
    expand(conn, &f, day, day)?
        .into_iter()
        .map(|e| e.session)
        .find(|s| s.assignment_id == id)
        .ok_or(ApiError::NotFound)
}

/// Checks that the assignment holds office hours on `day`.
fn check_session_day(checks: &mut Checks, a: &assignments::AssignmentRow, day: NaiveDate) {
    let ok = a.mode == crate::domain::social_map::PresenceMode::OfficeHours
        && a.weekday == Some(day.weekday().number_from_monday() as i32)
        && a.valid_from <= day
        && a.valid_to.is_none_or(|t| day <= t);
    checks.check(ok, "date", Code::NoSessionOnDate);
}

fn parse_time(checks: &mut Checks, field: &str, v: &str) -> Option<NaiveTime> {
    crate::domain::time_of_day::parse(v)
        .ok_or(())
        .map_err(|_| checks.add(field, Code::TimeHhMm))
        .ok()
}

/// Cancels or moves one session.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"assignment_id": "0193a1b2-0000-7000-8000-0000000000a1", "date": "2026-11-03", "kind": "moved", "moved_to": {"date": "2026-11-05", "start_time": "13:00", "end_time": "14:30"}, "reason": "Pedagogische studiedag"}))]
pub struct NewException {
    #[schema(format = Uuid)]
    pub assignment_id: Uuid,
    /// The session's regular date.
    pub date: NaiveDate,
    pub kind: ExceptionKind,
    /// Required for `moved`, refused for `cancelled`.
    pub moved_to: Option<MovedTo>,
    /// Shown to the school and in calendars; screened like agenda items (422 naming `reason`).
    #[serde(default)]
    #[validate(length(max = 500))]
    pub reason: String,
}

#[utoipa::path(
    post, path = "/api/v1/office-hours/exceptions", tag = "presence", operation_id = "create_office_hours_exception",
    summary = "Cancel or move an office-hours session",
    description = "Records an exception for one session (the assignment's regular date): `cancelled`, or `moved` to \
another date and time. A session has at most one exception (409 with `current_state` when it has one; delete it \
first), and a session logged as held cannot be changed (409, `current_state: held`). Roles: coordinator, \
social_worker (their own sessions).",
    security(("bearer" = [])), request_body = NewException,
    responses(
        (status = 201, description = "The session as it now stands", body = Session),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState)
    )
)]
#[post("/api/v1/office-hours/exceptions")]
pub async fn create_office_hours_exception(
    state: web::Data<AppState>,
    user: Viewer,
    body: ApiJson<NewException>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::RecordOfficeHourExceptions)?;
    let b = body.into_inner()?;
    let session = state
        .db
        .write(move |conn| {
            let id = b.assignment_id.to_string();
            let a = acted_assignment(conn, &user, &id)?;
            let mut checks = Checks::default();
            check_session_day(&mut checks, &a, b.date);
            let mut moved = (None, None, None);
            match (b.kind, &b.moved_to) {
                (ExceptionKind::Moved, None) => checks.add("moved_to", Code::MovedNeedsNewTime),
                (ExceptionKind::Cancelled, Some(_)) => {
                    checks.add("moved_to", Code::OnlyMovedHasNewTime)
                }
                (ExceptionKind::Moved, Some(m)) => {
                    let s = parse_time(&mut checks, "moved_to.start_time", &m.start_time);
                    let e = parse_time(&mut checks, "moved_to.end_time", &m.end_time);
                    if let (Some(s), Some(e)) = (s, e) {
                        checks.check(s < e, "moved_to.end_time", Code::EndAfterStart);
                    }
                    moved = (Some(m.date), s, e);
                }
                (ExceptionKind::Cancelled, None) => {}
            }
            crate::usecases::screening::Screen::for_school(conn, &a.school_id)?.check(
                &mut checks,
                "reason",
                &b.reason,
            );
            checks.finish()?;
            let current = session_on(conn, &id, b.date)?;
            if current.status == SessionStatus::Held {
                return Err(ApiError::invalid_state("held", Code::SessionHeldImmutable));
            }
            if let Some(e) = repo::exception_on(conn, &id, b.date)? {
                return Err(ApiError::invalid_state(
                    e.kind,
                    Code::SessionExceptionExists,
                ));
            }
            let at = now();
            repo::insert_exception(
                conn,
                &ExceptionRow {
                    id: Uuid::now_v7().to_string(),
                    assignment_id: id.clone(),
                    session_date: b.date,
                    kind: b.kind.as_str().into(),
                    moved_date: moved.0,
                    moved_start_time: moved.1,
                    moved_end_time: moved.2,
                    reason: b.reason.trim().to_string(),
                    recorded_by: user.id.clone(),
                    created_at: at,
                    updated_at: at,
                },
            )?;
            session_on(conn, &id, b.date)
        })
        .await?;
    Ok(HttpResponse::Created().json(session))
}

#[utoipa::path(
    delete, path = "/api/v1/office-hours/exceptions/{id}", tag = "presence", operation_id = "delete_office_hours_exception",
    summary = "Undo a cancelled or moved session",
    description = "The session takes place as planned again. Roles: coordinator, social_worker (their own sessions).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Exception id (`exception_id` of the session)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[delete("/api/v1/office-hours/exceptions/{id}")]
pub async fn delete_office_hours_exception(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::RecordOfficeHourExceptions)?;
    let id = id.to_string();
    state
        .db
        .write(move |conn| {
            let e = repo::find_exception(conn, &id)?;
            acted_assignment(conn, &user, &e.assignment_id)?;
            repo::delete_exception(conn, &id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A session that took place.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"assignment_id": "0193a1b2-0000-7000-8000-0000000000a1", "date": "2026-11-03", "contacts": 4, "note": "Vooral vragen over de schooltoeslag."}))]
pub struct NewSessionLog {
    #[schema(format = Uuid)]
    pub assignment_id: Uuid,
    /// The session's regular date (also for a moved session).
    pub date: NaiveDate,
    /// People the worker spoke with.
    #[validate(range(min = 0, max = 1000))]
    pub contacts: i32,
    /// Without anything that identifies a family: screened like agenda items (422 naming `note`).
    #[serde(default)]
    #[validate(length(max = 1000))]
    pub note: String,
}

#[utoipa::path(
    post, path = "/api/v1/office-hours/logs", tag = "presence", operation_id = "log_office_hours_session",
    summary = "Log an office-hours session as held",
    description = "The worker records that a session took place and how many people came (numbers only, never \
names). Not before the session's date (422 naming `date`); a cancelled session answers 409 \
(`current_state: cancelled`), one already logged 409 (`current_state: held`). Roles: social_worker (their own \
sessions).",
    security(("bearer" = [])), request_body = NewSessionLog,
    responses(
        (status = 201, description = "The session, now `held`", body = Session),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState)
    )
)]
#[post("/api/v1/office-hours/logs")]
pub async fn log_office_hours_session(
    state: web::Data<AppState>,
    user: Viewer,
    body: ApiJson<NewSessionLog>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::LogOfficeHours)?;
    let b = body.into_inner()?;
    let session = state
        .db
        .write(move |conn| {
            let id = b.assignment_id.to_string();
            let a = acted_assignment(conn, &user, &id)?;
            let mut checks = Checks::default();
            check_session_day(&mut checks, &a, b.date);
            checks.check(b.date <= today(), "date", Code::SessionLoggedOnOrAfter);
            crate::usecases::screening::Screen::for_school(conn, &a.school_id)?.check(
                &mut checks,
                "note",
                &b.note,
            );
            checks.finish()?;
            let current = session_on(conn, &id, b.date)?;
            match current.status {
                SessionStatus::Cancelled => {
                    return Err(ApiError::invalid_state(
                        "cancelled",
                        Code::SessionCancelledNotHeld,
                    ));
                }
                SessionStatus::Held => {
                    return Err(ApiError::invalid_state("held", Code::SessionLoggedAlready));
                }
                _ => {}
            }
            let at = now();
            repo::insert_log(
                conn,
                &LogRow {
                    id: Uuid::now_v7().to_string(),
                    assignment_id: id.clone(),
                    session_date: b.date,
                    contacts: b.contacts,
                    note: b.note.trim().to_string(),
                    logged_by: user.id.clone(),
                    created_at: at,
                    updated_at: at,
                },
            )?;
            session_on(conn, &id, b.date)
        })
        .await?;
    Ok(HttpResponse::Created().json(session))
}

// ---------------------------------------------------------------------------------------------
// Closed periods

/// A period without office hours (a school holiday).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000f1", "name": "Herfstvakantie", "first_day": "2026-10-26", "last_day": "2026-11-08", "created_at": "2026-09-01T08:00:00Z"}))]
pub struct ClosedPeriod {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    /// The one school it closes (a study day); null: every school (a holiday).
    #[schema(format = Uuid)]
    pub school_id: Option<String>,
    pub name: String,
    pub first_day: NaiveDate,
    /// Included.
    pub last_day: NaiveDate,
    #[schema(read_only)]
    pub created_at: chrono::DateTime<Utc>,
}

impl From<ClosedPeriodRow> for ClosedPeriod {
    fn from(r: ClosedPeriodRow) -> Self {
        ClosedPeriod {
            school_id: r.school_id,
            id: r.id,
            name: r.name,
            first_day: r.first_day,
            last_day: r.last_day,
            created_at: utc(r.created_at),
        }
    }
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Kerstvakantie", "first_day": "2026-12-21", "last_day": "2027-01-03"}))]
pub struct NewClosedPeriod {
    /// Only this school (a study day): every worker's sessions there are cancelled. Default:
    /// every school.
    #[schema(format = Uuid)]
    pub school_id: Option<Uuid>,
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ClosedPeriodQuery {
    /// Only periods ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Only periods starting on or before this day.
    pub to: Option<NaiveDate>,
}

/// Closed periods, by first day.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosedPeriodList {
    pub items: Vec<ClosedPeriod>,
}

#[utoipa::path(
    get, path = "/api/v1/closed-periods", tag = "presence", operation_id = "list_closed_periods",
    summary = "List closed periods",
    description = "School holidays and other periods without office hours, by first day. None are seeded: the \
coordinator enters each school year's holidays. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(ClosedPeriodQuery),
    responses((status = 200, description = "The closed periods", body = ClosedPeriodList))
)]
#[get("/api/v1/closed-periods")]
pub async fn list_closed_periods(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<ClosedPeriodQuery>,
) -> ApiResult<web::Json<ClosedPeriodList>> {
    require(&user, Action::ReadOfficeHours)?;
    let (from, to) = (query.from, query.to);
    let own = user.own_school().map(String::from);
    let rows = state
        .db
        .run(move |conn| Ok(repo::closed_periods(conn, from, to)?))
        .await?
        .into_iter()
        // A school sees the holidays and its own study days.
        .filter(|p| match (&own, &p.school_id) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => true,
        })
        .collect::<Vec<_>>();
    Ok(web::Json(ClosedPeriodList {
        items: rows.into_iter().map(ClosedPeriod::from).collect(),
    }))
}

#[utoipa::path(
    post, path = "/api/v1/closed-periods", tag = "presence", operation_id = "create_closed_period",
    summary = "Add a closed period",
    description = "Sessions from `first_day` to `last_day` (both included) show as `cancelled` with the period's \
name: at every school, or with `school_id` at that school only (a study day: every worker's sessions there). \
Roles: coordinator.",
    security(("bearer" = [])), request_body = NewClosedPeriod,
    responses(
        (status = 201, description = "Added", body = ClosedPeriod, headers(("Location" = String, description = "The closed periods list"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/closed-periods")]
pub async fn create_closed_period(
    state: web::Data<AppState>,
    _: Allowed<can::ManageClosedPeriods>,
    body: ApiJson<NewClosedPeriod>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner()?;
    let mut checks = Checks::default();
    checks.check(!b.name.trim().is_empty(), "name", Code::Blank);
    checks.check(
        b.first_day <= b.last_day,
        "last_day",
        crate::msg!(NotBefore, other = "first_day"),
    );
    checks.check(
        (b.last_day - b.first_day).num_days() <= 366,
        "last_day",
        Code::ClosedPeriodMaxYear,
    );
    checks.finish()?;
    let at = now();
    let row = ClosedPeriodRow {
        id: Uuid::now_v7().to_string(),
        name: b.name.trim().to_string(),
        first_day: b.first_day,
        last_day: b.last_day,
        created_at: at,
        updated_at: at,
        school_id: b.school_id.map(|s| s.to_string()),
    };
    let stored = row.clone();
    state
        .db
        .write(move |conn| {
            if let Some(s) = &stored.school_id
                && crate::db::optional(crate::db::schools::find(conn, s))?.is_none()
            {
                return Err(ApiError::field("school_id", Code::NoSuchSchool));
            }
            Ok(repo::insert_closed_period(conn, &stored)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", "/api/v1/closed-periods"))
        .json(ClosedPeriod::from(row)))
}

#[utoipa::path(
    delete, path = "/api/v1/closed-periods/{id}", tag = "presence", operation_id = "delete_closed_period",
    summary = "Remove a closed period",
    description = "Its sessions are offered again. Roles: coordinator.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Closed period id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[delete("/api/v1/closed-periods/{id}")]
pub async fn delete_closed_period(
    state: web::Data<AppState>,
    _: Allowed<can::ManageClosedPeriods>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let n = state
        .db
        .write(move |conn| Ok(repo::delete_closed_period(conn, &id)?))
        .await?;
    if n == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}
