//! Office hours as iCalendar feeds, per school and per worker, so staff subscribe in their own
//! calendar. Calendar clients cannot send a bearer header, so a feed is opened with a personal
//! feed token in the query string: random, stored only as its SHA-256, rotated (and the old one
//! revoked) on request. The access log never shows query strings, so the token stays out of it.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Expanded, ExpandedVisit, expand, visits};
use crate::auth::Viewer;
use crate::auth::policy::{Action, allows, require};
use crate::auth::viewer::Managed;
use crate::db::presence::{self as repo, SlotFilter};
use crate::db::users::{self};
use crate::db::{DbConn, now, optional, schools};
use crate::domain::ical::{self, Event};
use crate::domain::presence::SessionStatus;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;

fn hash(token: &str) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new feed token, shown once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"token": "q3V0b2tlbi1leGFtcGxlLW5vdC1yZWFsLTAxMjM0NTY3ODk", "created_at": "2026-11-25T09:00:00Z", "feeds": ["/api/v1/calendar/workers/0193a1b2-0000-7000-8000-0000000000b1.ics?token=q3V0b2tlbi1leGFtcGxlLW5vdC1yZWFsLTAxMjM0NTY3ODk"]}))]
pub struct CalendarToken {
    /// Send as `?token=` to a feed. Shown only now; the previous token stops working at once.
    pub token: String,
    pub created_at: DateTime<Utc>,
    /// The feeds this token opens today (the coordinator's opens every feed; none are listed).
    pub feeds: Vec<String>,
}

#[utoipa::path(
    post, path = "/api/v1/me/calendar-token", tag = "presence", operation_id = "rotate_calendar_token",
    summary = "Create or rotate your calendar feed token",
    description = "Creates a personal token for the iCalendar feeds, or replaces it: the previous token stops \
working at once. The token is returned only in this answer (it is stored hashed). A school's token opens its \
school's feed; a social worker's their own feed and those of the schools they are assigned to; the \
coordinator's any feed. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new token and the feeds it opens", body = CalendarToken),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/me/calendar-token")]
pub async fn rotate_calendar_token(
    state: web::Data<AppState>,
    user: Viewer,
) -> ApiResult<HttpResponse> {
    require(&user, Action::UseCalendarFeed)?;
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hashed = hash(&token);
    let at = now();
    let t = token.clone();
    let feeds = state
        .db
        .write(move |conn| {
            repo::set_calendar_token(conn, &user.id, &hashed, at)?;
            Ok(user
                .calendar_feeds()
                .into_iter()
                .map(|f| format!("{f}?token={t}"))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Created().json(CalendarToken {
        token,
        created_at: utc(at),
        feeds,
    }))
}

/// The feed token from the query string (documented as the `calendar_token` security scheme).
/// Only the token matters, and calendar clients may add other parameters; a token that cannot be
/// one of ours (any text, control characters included) is simply not a valid token: 401.
fn feed_token(req: &HttpRequest) -> Option<String> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
}

/// The active user a feed token belongs to, with what they reach; 401 otherwise.
fn feed_user(conn: &mut DbConn, token: Option<&str>) -> ApiResult<Viewer> {
    let unauthorized = |why: Code| ApiError::Unauthorized(why.into());
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized(Code::FeedTokenMissing))?;
    let user_id = repo::user_of_calendar_token(conn, &hash(token))?
        .ok_or_else(|| unauthorized(Code::FeedTokenInvalid))?;
    let user = optional(users::find(conn, &user_id))?
        .filter(|u| u.active)
        .ok_or_else(|| unauthorized(Code::AccountDeactivated))?;
    let user = Viewer::load(conn, user, String::new(), String::new())?;
    if !allows(user.role, Action::UseCalendarFeed) {
        return Err(ApiError::Forbidden(Code::CalendarRoleNone.into()));
    }
    Ok(user)
}

fn events(sessions: &[Expanded]) -> Vec<Event> {
    sessions
        .iter()
        .map(|e| {
            let s = &e.session;
            let (date, start, end) = match (&s.moved_to, s.status) {
                (Some(m), _) => (
                    m.date,
                    crate::domain::time_of_day::parse(&m.start_time).unwrap_or(e.start),
                    crate::domain::time_of_day::parse(&m.end_time).unwrap_or(e.end),
                ),
                _ => (s.date, e.start, e.end),
            };
            let cancelled = s.status == SessionStatus::Cancelled;
            let description = match (s.status, &s.reason) {
                (SessionStatus::Cancelled, Some(r)) => Some(format!("Geannuleerd: {r}")),
                (SessionStatus::Moved, Some(r)) => {
                    Some(format!("Verplaatst van {}: {r}", s.date.format("%d/%m/%Y")))
                }
                (SessionStatus::Moved, None) => {
                    Some(format!("Verplaatst van {}", s.date.format("%d/%m/%Y")))
                }
                _ => None,
            };
            Event {
                uid: format!(
                    "{}-{}@kinderen-eerst",
                    s.assignment_id,
                    s.date.format("%Y%m%d")
                ),
                stamp: e.changed_at,
                date,
                start,
                end,
                summary: format!(
                    "Zitdag Kinderen Eerst – {} ({})",
                    s.school.name, s.worker.display_name
                ),
                location: if e.address.is_empty() {
                    s.school.name.clone()
                } else {
                    format!("{}, {}", s.school.name, e.address)
                },
                description,
                cancelled,
                sequence: u32::from(s.exception_id.is_some() || s.closed_period.is_some()),
            }
        })
        .collect()
}

/// Consult visits as events: `<consult request id>@kinderen-eerst`, at the agreed time (09:00 for
/// an hour when no time was agreed yet, said so in the description).
fn visit_events(list: &[ExpandedVisit]) -> Vec<Event> {
    let nine = chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    list.iter()
        .map(|e| {
            let v = &e.visit;
            let parse =
                |t: &Option<String>| t.as_deref().and_then(crate::domain::time_of_day::parse);
            let start = parse(&v.start_time);
            let end = parse(&v.end_time);
            let (s, t) = match (start, end) {
                (Some(s), Some(t)) => (s, t),
                (Some(s), None) => (s, s + Duration::hours(1)),
                _ => (nine, nine + Duration::hours(1)),
            };
            Event {
                uid: format!("consult-{}@kinderen-eerst", v.consult_request_id),
                stamp: e.changed_at,
                date: v.date,
                start: s,
                end: t,
                summary: format!(
                    "Consult Kinderen Eerst – {} ({})",
                    v.school.name, v.worker.display_name
                ),
                location: if e.address.is_empty() {
                    v.school.name.clone()
                } else {
                    format!("{}, {}", v.school.name, e.address)
                },
                description: start.is_none().then(|| "Uur nog af te spreken".to_string()),
                cancelled: false,
                sequence: 0,
            }
        })
        .collect()
}

/// The weeks a feed covers: (back, ahead).
type Window = (i64, i64);

fn window(state: &AppState) -> Window {
    (
        state.settings.calendar_weeks_back.clamp(0, 520),
        state.settings.calendar_weeks_ahead.clamp(0, 520),
    )
}

fn feed(conn: &mut DbConn, (back, ahead): Window, name: &str, f: &SlotFilter) -> ApiResult<String> {
    let today = Utc::now().date_naive();
    let (from, to) = (
        today - Duration::weeks(back),
        today + Duration::weeks(ahead),
    );
    let sessions = expand(conn, f, from, to)?;
    let mut all = events(&sessions);
    all.extend(visit_events(&visits(conn, f, from, to)?));
    Ok(ical::calendar(name, &all))
}

fn calendar_response(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .body(body)
}

#[utoipa::path(
    get, path = "/api/v1/calendar/schools/{id}.ics", tag = "presence", operation_id = "get_school_calendar",
    summary = "A school's office hours as an iCalendar feed",
    description = "RFC 5545: one VEVENT per session from `CALENDAR_WEEKS_BACK` (4) weeks ago to \
`CALENDAR_WEEKS_AHEAD` (26) weeks ahead, with a stable UID (`<assignment id>-<yyyymmdd>@kinderen-eerst`), local \
times in Europe/Brussels (VTIMEZONE included), the school's address as LOCATION; moved sessions at their new \
time, cancelled ones (also those in a closed period) with `STATUS:CANCELLED`; planned consult visits too \
(UID `consult-<consult request id>@kinderen-eerst`). Authenticated by a feed token in \
the query string (`POST /api/v1/me/calendar-token`), not a bearer header. The token of a school opens its own \
school's feed, a social worker's the feeds of the schools they are assigned to, the coordinator's any; anything \
else is 404. Roles: coordinator, social_worker, school.",
    security(("calendar_token" = [])),
    params(("id" = Uuid, Path, description = "School id")),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar; charset=utf-8", body = String,
         example = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//OCMW//Kinderen Eerst API//NL\r\n…\r\nEND:VCALENDAR\r\n"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/calendar/schools/{id}.ics")]
pub async fn get_school_calendar(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, token, w) = (id.to_string(), feed_token(&req), window(&state));
    let body = state
        .db
        .run(move |conn| {
            let user = feed_user(conn, token.as_deref())?;
            let school = schools::find(conn, &id)?;
            if !user.acts_for(&id) {
                return Err(ApiError::NotFound);
            }
            let f = SlotFilter {
                school_id: Some(id.clone()),
                worker_id: None,
            };
            feed(conn, w, &format!("Zitdagen {}", school.name), &f)
        })
        .await?;
    Ok(calendar_response(body))
}

#[utoipa::path(
    get, path = "/api/v1/calendar/workers/{id}.ics", tag = "presence", operation_id = "get_worker_calendar",
    summary = "A social worker's office hours as an iCalendar feed",
    description = "The same feed as a school's, for all the worker's office hours and consult visits at every school. A social \
worker's token opens only their own feed, the coordinator's any; anything else is 404. Roles: coordinator, \
social_worker.",
    security(("calendar_token" = [])),
    params(("id" = Uuid, Path, description = "The social worker's user id")),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar; charset=utf-8", body = String,
         example = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//OCMW//Kinderen Eerst API//NL\r\n…\r\nEND:VCALENDAR\r\n"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/calendar/workers/{id}.ics")]
pub async fn get_worker_calendar(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, token, w) = (id.to_string(), feed_token(&req), window(&state));
    let body = state
        .db
        .run(move |conn| {
            let user = feed_user(conn, token.as_deref())?;
            let allowed = match user.managed_workers() {
                Managed::Anyone => true,
                Managed::Only(me) => me == id,
                Managed::Nobody => false,
            };
            let worker = users::find_worker(conn, &id)?;
            let Some(worker) = worker.filter(|_| allowed) else {
                return Err(ApiError::NotFound);
            };
            let f = SlotFilter {
                school_id: None,
                worker_id: Some(id.clone()),
            };
            feed(conn, w, &format!("Zitdagen {}", worker.display_name), &f)
        })
        .await?;
    Ok(calendar_response(body))
}
