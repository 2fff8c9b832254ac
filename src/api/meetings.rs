//! Network meetings (netwerkmoment): date, place, invited schools and partners with their
//! attendance, an agenda that schools and workers add to, minutes and action points. Meetings
//! are about situations, never about identifiable families: their free text is screened
//! (`usecases::screening`) and refused when it could identify one.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::agenda::{AgendaItem, agenda_role, visible_agenda};
use crate::api::common::{self, Checks, Page, check_if_match, decode_cursor, etag, ok_with_etag};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Viewer;
use crate::auth::extractor::Allowed;
use crate::auth::policy::{Action, can, require};
use crate::db::meetings::{self as repo, ActionPointRow, MeetingFilter, MeetingRow};
use crate::db::schema::partners;
use crate::db::{DbConn, now, optional};
use crate::domain::utc;
use crate::error::ApiResult;
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::screening::Screen;

// ---------------------------------------------------------------------------------------------
// Representations

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingNetwork {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

/// An invited school or partner organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Invitee {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
    /// Null until attendance is recorded.
    pub attended: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Invitees {
    pub schools: Vec<Invitee>,
    pub partners: Vec<Invitee>,
}

/// Something someone agreed to do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionPoint {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub description: String,
    /// Who does it (a person or organisation of the network).
    pub owner: String,
    pub due_date: Option<NaiveDate>,
    pub done: bool,
    /// Not done and past its due date.
    #[schema(read_only)]
    pub overdue: bool,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

/// A network meeting with everything on it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000a2", "network": {"id": "0193a1b2-0000-7000-8000-000000000001", "name": "Luchtbal"}, "title": "Netwerkmoment Luchtbal", "date": "2026-12-08", "start_time": "13:30", "place": "Buurthuis Luchtbal", "invitees": {"schools": [{"id": "0193a1b2-0000-7000-8000-0000000000c1", "name": "Basisschool De Luchtballon", "attended": true}], "partners": [{"id": "0193a1b2-0000-7000-8000-0000000000a3", "name": "CAW Antwerpen", "attended": null}]}, "agenda": [], "minutes": "", "action_points": [], "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:00:00Z"}))]
pub struct Meeting {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub network: MeetingNetwork,
    pub title: String,
    pub date: NaiveDate,
    /// Local time, HH:MM.
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    pub place: String,
    pub invitees: Invitees,
    /// The items the caller may see (see `GET /api/v1/agenda-items/{id}`).
    pub agenda: Vec<AgendaItem>,
    pub minutes: String,
    pub action_points: Vec<ActionPoint>,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

/// A meeting in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingSummary {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub network: MeetingNetwork,
    pub title: String,
    pub date: NaiveDate,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    pub place: String,
}

fn hhmm(t: Option<NaiveTime>) -> Option<String> {
    t.map(|t| t.format("%H:%M").to_string())
}

fn action_point(r: ActionPointRow) -> ActionPoint {
    let today = Utc::now().date_naive();
    ActionPoint {
        overdue: !r.done && r.due_date.is_some_and(|d| d < today),
        id: r.id,
        description: r.description,
        owner: r.owner,
        due_date: r.due_date,
        done: r.done,
        updated_at: utc(r.updated_at),
    }
}

fn full(
    conn: &mut DbConn,
    user: &Viewer,
    (m, network_name): repo::MeetingView,
) -> ApiResult<Meeting> {
    let (mut schools, mut partners) = (Vec::new(), Vec::new());
    for i in repo::invitees(conn, &m.id)? {
        match (i.school_id, i.partner_id) {
            (Some(id), _) => schools.push(Invitee {
                id,
                name: i.name,
                attended: i.attended,
            }),
            (None, Some(id)) => partners.push(Invitee {
                id,
                name: i.name,
                attended: i.attended,
            }),
            _ => {}
        }
    }
    let role = agenda_role(conn, user, &m.network_id)?;
    let agenda = visible_agenda(conn, role, &m.id)?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    let action_points = repo::action_points(conn, &m.id)?
        .into_iter()
        .map(action_point)
        .collect();
    Ok(Meeting {
        network: MeetingNetwork {
            id: m.network_id,
            name: network_name,
        },
        title: m.title,
        date: m.meeting_date,
        start_time: hhmm(m.start_time),
        place: m.place,
        invitees: Invitees { schools, partners },
        agenda,
        minutes: m.minutes,
        action_points,
        created_at: utc(m.created_at),
        updated_at: utc(m.updated_at),
        id: m.id,
    })
}

// ---------------------------------------------------------------------------------------------
// Access

/// The meeting, if the caller may see it: a school only its own network's.
fn visible(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<repo::MeetingView> {
    require(user, Action::ReadMeetings)?;
    Ok(repo::find_scoped(conn, id, user.meeting_network())?)
}

fn answer(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<(Meeting, String)> {
    let view = repo::find(conn, id)?;
    let tag = etag(view.0.updated_at);
    Ok((full(conn, user, view)?, tag))
}

// ---------------------------------------------------------------------------------------------
// Meetings

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeetingQuery {
    /// Only this network's meetings.
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
    /// On or after this day.
    pub from: Option<NaiveDate>,
    /// On or before this day.
    pub to: Option<NaiveDate>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/meetings", tag = "meetings", operation_id = "list_meetings",
    summary = "List network meetings",
    description = "Newest first. The coordinator and social workers see every network's meetings; a school \
account its own network's. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(MeetingQuery),
    responses((status = 200, description = "A page of meetings", body = Page<MeetingSummary>))
)]
#[get("/api/v1/meetings")]
pub async fn list_meetings(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<MeetingQuery>,
) -> ApiResult<web::Json<Page<MeetingSummary>>> {
    require(&user, Action::ReadMeetings)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(chrono::NaiveDate, String)>(q.cursor.as_deref())?;
    let rows = state
        .db
        .run(move |conn| {
            let mut f = MeetingFilter {
                network_id: q.network.map(|n| n.to_string()),
                from: q.from,
                to: q.to,
            };
            if let Some(own) = user.meeting_network() {
                if f.network_id.as_deref().is_some_and(|asked| asked != own) {
                    return Ok(vec![]);
                }
                f.network_id = Some(own.to_string());
            }
            Ok(repo::list(conn, f, after, limit)?)
        })
        .await?;
    Ok(web::Json(common::page(
        rows,
        limit,
        |(m, _)| (m.meeting_date.to_string(), m.id.clone()),
        |(m, name)| MeetingSummary {
            network: MeetingNetwork {
                id: m.network_id,
                name,
            },
            title: m.title,
            date: m.meeting_date,
            start_time: hhmm(m.start_time),
            place: m.place,
            id: m.id,
        },
    )))
}

#[utoipa::path(
    get, path = "/api/v1/meetings/{id}", tag = "meetings", operation_id = "get_meeting",
    summary = "Get a network meeting",
    description = "With invitees and attendance, the agenda, minutes and action points. Another network's meeting \
is 404 for a school account. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The meeting", body = Meeting, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/meetings/{id}")]
pub async fn get_meeting(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let (m, tag) = state
        .db
        .run(move |conn| {
            visible(conn, &user, &id)?;
            answer(conn, &user, &id)
        })
        .await?;
    Ok(ok_with_etag(&m, &tag))
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"network_id": "0193a1b2-0000-7000-8000-000000000001", "title": "Netwerkmoment Luchtbal", "date": "2026-12-08", "start_time": "13:30", "place": "Buurthuis Luchtbal", "invited_schools": ["0193a1b2-0000-7000-8000-0000000000c1"], "invited_partners": ["0193a1b2-0000-7000-8000-0000000000a3"]}))]
pub struct NewMeeting {
    #[schema(format = Uuid)]
    pub network_id: Uuid,
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    pub date: NaiveDate,
    /// HH:MM.
    #[schema(example = "13:30")]
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200))]
    pub place: String,
    /// Schools of the meeting's network.
    #[serde(default)]
    pub invited_schools: Vec<Uuid>,
    /// Partner organisations.
    #[serde(default)]
    pub invited_partners: Vec<Uuid>,
}

/// Checks invitees: schools of the network, existing partners, none twice.
fn check_invitees(
    conn: &mut DbConn,
    checks: &mut Checks,
    network_id: &str,
    schools: &[Uuid],
    partner_ids: &[Uuid],
) -> ApiResult<(Vec<String>, Vec<String>)> {
    use diesel::prelude::*;
    let of_network = repo::schools_of_network(conn, network_id)?;
    let mut s_out: Vec<String> = Vec::new();
    for (i, s) in schools.iter().enumerate() {
        let s = s.to_string();
        if !of_network.contains(&s) {
            checks.add(&format!("invited_schools[{i}]"), Code::NotNetworkSchool);
        } else if s_out.contains(&s) {
            checks.add(&format!("invited_schools[{i}]"), Code::ListedTwice);
        } else {
            s_out.push(s);
        }
    }
    let ids: Vec<String> = partner_ids.iter().map(Uuid::to_string).collect();
    let known: Vec<String> = partners::table
        .filter(partners::id.eq_any(&ids))
        .select(partners::id)
        .load(conn)?;
    let mut p_out: Vec<String> = Vec::new();
    for (i, p) in ids.into_iter().enumerate() {
        if !known.contains(&p) {
            checks.add(&format!("invited_partners[{i}]"), Code::NoSuchPartner);
        } else if p_out.contains(&p) {
            checks.add(&format!("invited_partners[{i}]"), Code::ListedTwice);
        } else {
            p_out.push(p);
        }
    }
    Ok((s_out, p_out))
}

fn parse_time(checks: &mut Checks, field: &str, v: &Option<String>) -> Option<NaiveTime> {
    v.as_deref().and_then(|s| {
        crate::domain::time_of_day::parse(s)
            .ok_or(())
            .map_err(|_| checks.add(field, Code::TimeHhMm))
            .ok()
    })
}

#[utoipa::path(
    post, path = "/api/v1/meetings", tag = "meetings", operation_id = "create_meeting",
    summary = "Plan a network meeting",
    description = "A meeting of one network with the schools (of that network) and partner organisations \
invited. Roles: coordinator, social_worker.",
    security(("bearer" = [])), request_body = NewMeeting,
    responses(
        (status = 201, description = "Planned", body = Meeting, headers(("Location" = String, description = "The new meeting"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    user: Viewer,
    body: ApiJson<NewMeeting>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WriteMeetings)?;
    let b = body.into_inner()?;
    let (m, tag) = state
        .db
        .write(move |conn| {
            let mut checks = Checks::default();
            let network_id = b.network_id.to_string();
            if optional(crate::db::networks::find(conn, &network_id))?.is_none() {
                checks.add("network_id", Code::NoSuchNetwork);
            } else {
                Screen::for_network(conn, &network_id)?.check(&mut checks, "title", &b.title);
            }
            let start = parse_time(&mut checks, "start_time", &b.start_time);
            checks.check(!b.title.trim().is_empty(), "title", Code::Blank);
            let (s, p) = check_invitees(
                conn,
                &mut checks,
                &network_id,
                &b.invited_schools,
                &b.invited_partners,
            )?;
            checks.finish()?;
            let at = now();
            let row = MeetingRow {
                id: Uuid::now_v7().to_string(),
                network_id,
                title: b.title.trim().to_string(),
                meeting_date: b.date,
                start_time: start,
                place: b.place.trim().to_string(),
                minutes: String::new(),
                created_by: user.id.clone(),
                created_at: at,
                updated_at: at,
            };
            repo::insert(conn, &row)?;
            repo::set_invitees(conn, &row.id, &s, &p)?;
            answer(conn, &user, &row.id)
        })
        .await?;
    let location = format!("/api/v1/meetings/{}", m.id);
    Ok(common::created(&m, location, &tag))
}

/// Changes to a meeting; only the fields sent change. Sending an invitee list replaces it
/// (attendance of those still invited is kept).
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"minutes": "Drie scholen brachten vragen over schoolkosten; CAW licht zijn aanbod toe."}))]
pub struct MeetingPatch {
    #[validate(length(min = 1, max = 200))]
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[validate(length(max = 200))]
    pub place: Option<String>,
    /// Anonymised, like agenda items.
    #[validate(length(max = 20000))]
    pub minutes: Option<String>,
    pub invited_schools: Option<Vec<Uuid>>,
    pub invited_partners: Option<Vec<Uuid>>,
}

#[utoipa::path(
    patch, path = "/api/v1/meetings/{id}", tag = "meetings", operation_id = "update_meeting",
    summary = "Change a meeting, its invitees or its minutes",
    description = "The title and minutes are screened like the agenda (422 naming the field and the `finding`). \
Roles: coordinator, social_worker.",
    security(("bearer" = [])), request_body = MeetingPatch,
    params(("id" = Uuid, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = Meeting, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/meetings/{id}")]
pub async fn update_meeting(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<MeetingPatch>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WriteMeetings)?;
    let (id, if_match, b) = (id.to_string(), common::if_match(&req), body.into_inner()?);
    let (m, tag) = state
        .db
        .write(move |conn| {
            let (mut row, _) = repo::find(conn, &id)?;
            check_if_match(if_match.as_deref(), &etag(row.updated_at))?;
            let mut checks = Checks::default();
            let start = parse_time(&mut checks, "start_time", &b.start_time);
            let screen = Screen::for_network(conn, &row.network_id)?;
            if let Some(minutes) = &b.minutes {
                screen.check(&mut checks, "minutes", minutes);
            }
            if let Some(title) = &b.title {
                screen.check(&mut checks, "title", title);
            }
            let invitees = if b.invited_schools.is_some() || b.invited_partners.is_some() {
                let current = repo::invitees(conn, &id)?;
                let keep = |f: fn(&repo::Invitee) -> Option<&String>| -> Vec<Uuid> {
                    current
                        .iter()
                        .filter_map(|i| f(i).and_then(|s| Uuid::parse_str(s).ok()))
                        .collect()
                };
                let s = b
                    .invited_schools
                    .clone()
                    .unwrap_or_else(|| keep(|i| i.school_id.as_ref()));
                let p = b
                    .invited_partners
                    .clone()
                    .unwrap_or_else(|| keep(|i| i.partner_id.as_ref()));
                Some(check_invitees(conn, &mut checks, &row.network_id, &s, &p)?)
            } else {
                None
            };
            if let Some(t) = &b.title {
                checks.check(!t.trim().is_empty(), "title", Code::Blank);
            }
            checks.finish()?;
            if let Some(t) = b.title {
                row.title = t.trim().to_string();
            }
            if let Some(d) = b.date {
                row.meeting_date = d;
            }
            if b.start_time.is_some() {
                row.start_time = start;
            }
            if let Some(p) = b.place {
                row.place = p.trim().to_string();
            }
            if let Some(m) = b.minutes {
                row.minutes = m;
            }
            row.updated_at = now();
            repo::update(conn, &row)?;
            if let Some((s, p)) = invitees {
                repo::set_invitees(conn, &id, &s, &p)?;
            }
            answer(conn, &user, &id)
        })
        .await?;
    Ok(ok_with_etag(&m, &tag))
}

/// Who came: the invitees listed attended, the other invitees did not.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"schools": ["0193a1b2-0000-7000-8000-0000000000c1"], "partners": []}))]
pub struct Attendance {
    #[serde(default)]
    pub schools: Vec<Uuid>,
    #[serde(default)]
    pub partners: Vec<Uuid>,
}

#[utoipa::path(
    put, path = "/api/v1/meetings/{id}/attendance", tag = "meetings", operation_id = "set_meeting_attendance",
    summary = "Record who attended",
    description = "The schools and partners listed attended; every other invitee did not. Listing one that was not \
invited is 422. Roles: coordinator, social_worker.",
    security(("bearer" = [])), request_body = Attendance,
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The meeting with its attendance", body = Meeting, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[put("/api/v1/meetings/{id}/attendance")]
pub async fn set_meeting_attendance(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<Attendance>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WriteMeetings)?;
    let (id, b) = (id.to_string(), body.into_inner()?);
    let (m, tag) = state
        .db
        .write(move |conn| {
            repo::find(conn, &id)?;
            let invitees = repo::invitees(conn, &id)?;
            let mut checks = Checks::default();
            let schools: Vec<String> = b.schools.iter().map(Uuid::to_string).collect();
            let partners: Vec<String> = b.partners.iter().map(Uuid::to_string).collect();
            for (field, list, pick) in [
                (
                    "schools",
                    &schools,
                    (|i: &repo::Invitee| i.school_id.clone())
                        as fn(&repo::Invitee) -> Option<String>,
                ),
                ("partners", &partners, |i: &repo::Invitee| {
                    i.partner_id.clone()
                }),
            ] {
                for (n, x) in list.iter().enumerate() {
                    if !invitees.iter().any(|i| pick(i).as_ref() == Some(x)) {
                        checks.add(&format!("{field}[{n}]"), Code::WasNotInvited);
                    }
                }
            }
            checks.finish()?;
            for i in &invitees {
                let came = match (&i.school_id, &i.partner_id) {
                    (Some(s), _) => schools.contains(s),
                    (None, Some(p)) => partners.contains(p),
                    _ => false,
                };
                repo::set_attended(conn, &i.id, came)?;
            }
            repo::touch(conn, &id, now())?;
            answer(conn, &user, &id)
        })
        .await?;
    Ok(ok_with_etag(&m, &tag))
}

// ---------------------------------------------------------------------------------------------
// Agenda items and action points

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Lijst van tweedehandsuniformen delen met alle scholen", "owner": "Buurtregie Luchtbal", "due_date": "2027-01-15"}))]
pub struct NewActionPoint {
    #[validate(length(min = 1, max = 1000))]
    pub description: String,
    /// Who does it.
    #[validate(length(min = 1, max = 200))]
    pub owner: String,
    pub due_date: Option<NaiveDate>,
}

#[utoipa::path(
    post, path = "/api/v1/meetings/{id}/action-points", tag = "meetings", operation_id = "add_action_point",
    summary = "Add an action point to a meeting",
    description = "The description and owner are screened like the agenda (422 naming the field and the \
`finding`). Roles: coordinator, social_worker.",
    security(("bearer" = [])), request_body = NewActionPoint,
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 201, description = "Added", body = ActionPoint),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[post("/api/v1/meetings/{id}/action-points")]
pub async fn add_action_point(
    state: web::Data<AppState>,
    _: Allowed<can::WriteMeetings>,
    id: web::Path<Uuid>,
    body: ApiJson<NewActionPoint>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (id.to_string(), body.into_inner()?);
    let point = state
        .db
        .write(move |conn| {
            let (meeting, _) = repo::find(conn, &id)?;
            let mut checks = Checks::default();
            let screen = Screen::for_network(conn, &meeting.network_id)?;
            screen.check(&mut checks, "description", &b.description);
            screen.check(&mut checks, "owner", &b.owner);
            checks.check(!b.owner.trim().is_empty(), "owner", Code::Blank);
            checks.finish()?;
            let at = now();
            let row = ActionPointRow {
                id: Uuid::now_v7().to_string(),
                meeting_id: id.clone(),
                description: b.description.trim().to_string(),
                owner: b.owner.trim().to_string(),
                due_date: b.due_date,
                done: false,
                created_at: at,
                updated_at: at,
            };
            repo::insert_action_point(conn, &row)?;
            repo::touch(conn, &id, at)?;
            Ok(action_point(row))
        })
        .await?;
    Ok(HttpResponse::Created().json(point))
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"done": true}))]
pub struct ActionPointPatch {
    #[validate(length(min = 1, max = 1000))]
    pub description: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub owner: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub done: Option<bool>,
}

#[utoipa::path(
    patch, path = "/api/v1/meetings/{id}/action-points/{point_id}", tag = "meetings", operation_id = "update_action_point",
    summary = "Change an action point or mark it done",
    description = "Only the fields sent change. Roles: coordinator, social_worker.",
    security(("bearer" = [])), request_body = ActionPointPatch,
    params(("id" = Uuid, Path, description = "Meeting id"), ("point_id" = Uuid, Path, description = "Action point id")),
    responses(
        (status = 200, description = "Changed", body = ActionPoint),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[patch("/api/v1/meetings/{id}/action-points/{point_id}")]
pub async fn update_action_point(
    state: web::Data<AppState>,
    _: Allowed<can::WriteMeetings>,
    path: web::Path<(Uuid, Uuid)>,
    body: ApiJson<ActionPointPatch>,
) -> ApiResult<HttpResponse> {
    let ((id, point), b) = (path.into_inner(), body.into_inner()?);
    let (id, point) = (id.to_string(), point.to_string());
    let p = state
        .db
        .write(move |conn| {
            let (meeting, _) = repo::find(conn, &id)?;
            let mut row = repo::find_action_point(conn, &id, &point)?;
            let mut checks = Checks::default();
            if b.description.is_some() || b.owner.is_some() {
                let screen = Screen::for_network(conn, &meeting.network_id)?;
                if let Some(d) = &b.description {
                    screen.check(&mut checks, "description", d);
                }
                if let Some(o) = &b.owner {
                    screen.check(&mut checks, "owner", o);
                }
            }
            checks.finish()?;
            if let Some(d) = b.description {
                row.description = d.trim().to_string();
            }
            if let Some(o) = b.owner {
                row.owner = o.trim().to_string();
            }
            if b.due_date.is_some() {
                row.due_date = b.due_date;
            }
            if let Some(d) = b.done {
                row.done = d;
            }
            row.updated_at = now();
            repo::update_action_point(conn, &row)?;
            repo::touch(conn, &id, row.updated_at)?;
            Ok(action_point(row))
        })
        .await?;
    Ok(HttpResponse::Ok().json(p))
}
