//! Agenda items of network meetings, and their moderation: a school's item is seen at once by
//! its own school, the workers of the network's schools and the coordinator, and by the other
//! schools only once a worker or the coordinator releases it (`domain::agenda`). Every text is
//! screened (`usecases::screening`), every step audited.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, check_if_match, etag, ok_with_etag};
use crate::api::extract::ApiJson;
use crate::api::lifecycle::NoBody;
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::meetings::{self as repo, AgendaItemRow};
use crate::db::{DbConn, now};
use crate::domain::agenda::{AgendaAction, AgendaReach, AgendaStatus};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};
use crate::usecases::screening::Screen;
use crate::usecases::themes::check_themes;

const OBJECT: &str = "agenda_item";

#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaAuthor {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub display_name: String,
}

/// A point on the agenda: a question, need or anonymised situation put to the network.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000e1", "meeting_id": "0193a1b2-0000-7000-8000-0000000000a2", "position": 1, "title": "Schoolkosten bij uitstappen", "theme": "school_costs", "description": "Meerdere gezinnen kunnen de bosklassen niet betalen.", "school_id": "0193a1b2-0000-7000-8000-0000000000c1", "status": "proposed", "author": {"id": "0193a1b2-0000-7000-8000-0000000000b9", "display_name": "Zorgcoördinator De Luchtballon"}, "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:00:00Z"}))]
pub struct AgendaItem {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(read_only, format = Uuid)]
    pub meeting_id: String,
    /// Order among the items the caller sees, from 1.
    #[schema(read_only)]
    pub position: i32,
    pub title: String,
    /// Theme code.
    pub theme: Option<String>,
    /// Anonymised: screened like every text the network reads.
    pub description: String,
    /// The school that put it on the agenda (or that it concerns).
    #[schema(format = Uuid)]
    pub school_id: Option<String>,
    /// `proposed` until a worker or the coordinator releases it to the network's other
    /// schools (or returns it to its author); `withdrawn` items are seen by workers and the
    /// coordinator only.
    #[schema(read_only)]
    pub status: AgendaStatus,
    /// Why it was last returned. Only for the school the item is of, its workers and the
    /// coordinator: absent for anyone else.
    #[schema(read_only)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_reason: Option<String>,
    #[schema(read_only)]
    pub author: AgendaAuthor,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------------
// Who sees what

/// How `user` stands to the agenda of a meeting of `network_id`: a worker moderates the
/// agendas of the networks of the schools they are assigned to now.
pub(crate) fn agenda_role<'a>(
    conn: &mut DbConn,
    user: &'a Viewer,
    network_id: &str,
) -> ApiResult<AgendaReach<'a>> {
    Ok(match user.sees() {
        Sees::Metadata => AgendaReach::Moderator,
        Sees::CaseTeam => {
            let network = repo::schools_of_network(conn, network_id)?;
            if network.iter().any(|s| user.acts_for(s)) {
                AgendaReach::Moderator
            } else {
                AgendaReach::Outsider
            }
        }
        Sees::School => AgendaReach::School(user.own_school().unwrap_or_default()),
        // Partners take no part in meetings through the API (policy refuses them first).
        Sees::Partner => AgendaReach::Outsider,
    })
}

/// The items of a meeting `role` may see, in order, numbered among themselves (so a hidden
/// item leaves no gap).
pub(crate) fn visible_agenda(
    conn: &mut DbConn,
    role: AgendaReach<'_>,
    meeting_id: &str,
) -> ApiResult<Vec<(AgendaItem, String)>> {
    Ok(repo::agenda(conn, meeting_id)?
        .into_iter()
        .filter(|(a, _)| role.sees(a.status, a.school_id.as_deref()))
        .enumerate()
        .map(|(n, (a, author))| {
            let tag = etag(a.updated_at);
            let reason = role.reads_return_reason(a.school_id.as_deref());
            let item = AgendaItem {
                position: n as i32 + 1,
                title: a.title,
                theme: a.theme_code,
                description: a.description,
                status: a.status,
                return_reason: a.return_reason.filter(|_| reason),
                author: AgendaAuthor {
                    id: a.author_id,
                    display_name: author,
                },
                created_at: utc(a.created_at),
                updated_at: utc(a.updated_at),
                school_id: a.school_id,
                meeting_id: a.meeting_id,
                id: a.id,
            };
            (item, tag)
        })
        .collect())
}

/// The case, when the caller works it; `None` for any other case, existing or not.
fn optional_case(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
) -> ApiResult<Option<crate::db::cases::CaseListRow>> {
    match crate::usecases::cases::worked_case(conn, user, id) {
        Ok(r) => Ok(Some(r)),
        Err(ApiError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The agenda items linked to a case, oldest first, as the network's moderators see them: for
/// the family's export, after the caller was checked against the case.
pub fn of_case(conn: &mut DbConn, case_id: &str) -> ApiResult<Vec<AgendaItem>> {
    let mut out = Vec::new();
    for (meeting_id, ids) in repo::agenda_items_of_case(conn, case_id)? {
        out.extend(
            visible_agenda(conn, AgendaReach::Moderator, &meeting_id)?
                .into_iter()
                .map(|(item, _)| item)
                .filter(|item| ids.contains(&item.id)),
        );
    }
    out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(out)
}

/// The item as `role` sees it, with its ETag; not found when it may not see it.
fn item_answer(
    conn: &mut DbConn,
    role: AgendaReach<'_>,
    meeting_id: &str,
    id: &str,
) -> ApiResult<(AgendaItem, String)> {
    visible_agenda(conn, role, meeting_id)?
        .into_iter()
        .find(|(a, _)| a.id == id)
        .ok_or(ApiError::NotFound)
}

/// The item, if the caller may see it: a school only its own network's, and in the states
/// `AgendaReach::sees` allows; otherwise not found.
fn load<'a>(
    conn: &mut DbConn,
    user: &'a Viewer,
    id: &str,
) -> ApiResult<(AgendaItemRow, AgendaReach<'a>)> {
    require(user, Action::ReadMeetings)?;
    let (row, _, network) = repo::find_agenda_item(conn, id)?;
    if user.meeting_network().is_some_and(|own| own != network) {
        return Err(ApiError::NotFound);
    }
    let role = agenda_role(conn, user, &network)?;
    if !role.sees(row.status, row.school_id.as_deref()) {
        return Err(ApiError::NotFound);
    }
    Ok((row, role))
}

/// Stores a changed item, touches its meeting (its agenda changed), records the step, and
/// answers with the item as the caller sees it.
fn store(
    conn: &mut DbConn,
    user: &Viewer,
    role: AgendaReach<'_>,
    mut row: AgendaItemRow,
    audit: AuditAction,
) -> ApiResult<(AgendaItem, String)> {
    row.updated_at = now();
    repo::update_agenda_item(conn, &row)?;
    repo::touch(conn, &row.meeting_id, row.updated_at)?;
    record(conn, user, audit, OBJECT, Some(&row.id), None)?;
    item_answer(conn, role, &row.meeting_id, &row.id)
}

fn not_moderator() -> ApiError {
    ApiError::Forbidden(Code::AgendaNotModerator.into())
}

// ---------------------------------------------------------------------------------------------
// Create, read, edit

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Schoolkosten bij uitstappen", "theme": "school_costs", "description": "Meerdere gezinnen kunnen de bosklassen niet betalen. Welke partners kunnen helpen?"}))]
pub struct NewAgendaItem {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    /// Theme code.
    pub theme: Option<String>,
    /// Anonymised: screened like the title (422 naming the field and the `finding`).
    #[serde(default)]
    #[validate(length(max = 4000))]
    pub description: String,
    /// The school it concerns (a school account: always its own). Must be in the network.
    #[schema(format = Uuid)]
    pub school_id: Option<Uuid>,
    /// The case the item is about, for the family's export: only a social worker who works the
    /// case (of a school of the meeting's network) links one (422 otherwise). The link is never
    /// shown on the agenda, and erasure removes it.
    #[schema(format = Uuid, write_only)]
    pub case_id: Option<Uuid>,
}

fn check_theme(conn: &mut DbConn, checks: &mut Checks, theme: &Option<String>) -> ApiResult<()> {
    if let Some(t) = theme {
        check_themes(conn, checks, "theme", std::slice::from_ref(t))?;
        if let Some(e) = checks.0.iter_mut().find(|e| e.field == "theme[0]") {
            e.field = "theme".into();
        }
    }
    Ok(())
}

#[utoipa::path(
    post, path = "/api/v1/meetings/{id}/agenda-items", tag = "meetings", operation_id = "add_agenda_item",
    summary = "Put an item on a meeting's agenda",
    description = "Schools put questions, needs and anonymised situations to their network. The title and \
description are screened: text holding a case reference (in any spelling), the pseudonym of a pupil with a case \
or checklist in the network, a family name recorded on one of the network's cases, a phone number, an e-mail \
address, a national register number, an IBAN or a date of birth is refused with 422 naming the field and the \
`finding` (never the text found). A school's item is `proposed`: its own school, the social workers of the \
network's schools and the coordinator see it at once, the network's other schools only once one of them releases \
it. An item of a social worker or the coordinator is `released` at once. A school account adds items only to its \
own network's meetings (404 otherwise). Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), request_body = NewAgendaItem,
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 201, description = "Added", body = AgendaItem, headers(("Location" = String, description = "The item"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[post("/api/v1/meetings/{id}/agenda-items")]
pub async fn add_agenda_item(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<NewAgendaItem>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::AddAgendaItem)?;
    let (id, b) = (id.to_string(), body.into_inner()?);
    let (item, tag) = state
        .db
        .write(move |conn| {
            let (meeting, _) = repo::find_scoped(conn, &id, user.meeting_network())?;
            let role = agenda_role(conn, &user, &meeting.network_id)?;
            let mut checks = Checks::default();
            let network_schools = repo::schools_of_network(conn, &meeting.network_id)?;
            // A school proposes for itself; a worker or the coordinator may name the school.
            let (school_id, status) = match role {
                AgendaReach::School(own) => (Some(own.to_string()), AgendaStatus::Proposed),
                AgendaReach::Moderator | AgendaReach::Outsider => {
                    (b.school_id.map(|s| s.to_string()), AgendaStatus::Released)
                }
            };
            if let Some(s) = &school_id {
                checks.check(
                    network_schools.contains(s),
                    "school_id",
                    Code::NotNetworkSchool,
                );
            }
            check_theme(conn, &mut checks, &b.theme)?;
            checks.check(!b.title.trim().is_empty(), "title", Code::Blank);
            let case_id = b.case_id.map(|c| c.to_string());
            if let Some(c) = &case_id {
                // The same answer for a case that does not exist and one the caller may not
                // link: nothing tells that it is there.
                let linkable = match user.sees() {
                    Sees::CaseTeam => optional_case(conn, &user, c)?
                        .is_some_and(|r| network_schools.contains(&r.case.school_id.to_string())),
                    Sees::Metadata | Sees::School | Sees::Partner => false,
                };
                checks.check(linkable, "case_id", Code::CaseNotLinkable);
            }
            let screen = Screen::for_network(conn, &meeting.network_id)?;
            screen.check(&mut checks, "title", &b.title);
            screen.check(&mut checks, "description", &b.description);
            checks.finish()?;
            let at = now();
            let row = AgendaItemRow {
                id: Uuid::now_v7().to_string(),
                meeting_id: id.clone(),
                position: repo::next_position(conn, &id)?,
                title: b.title.trim().to_string(),
                theme_code: b.theme,
                description: b.description.trim().to_string(),
                school_id,
                author_id: user.id.clone(),
                created_at: at,
                status,
                return_reason: None,
                updated_at: at,
            };
            repo::insert_agenda_item(conn, &row)?;
            if let Some(c) = &case_id {
                repo::link_agenda_item(conn, &row.id, c)?;
            }
            repo::touch(conn, &id, at)?;
            record(
                conn,
                &user,
                AuditAction::Create,
                OBJECT,
                Some(&row.id),
                None,
            )?;
            item_answer(conn, role, &id, &row.id)
        })
        .await?;
    let location = format!("/api/v1/agenda-items/{}", item.id);
    Ok(common::created(&item, location, &tag))
}

#[utoipa::path(
    get, path = "/api/v1/agenda-items/{id}", tag = "meetings", operation_id = "get_agenda_item",
    summary = "Get an agenda item",
    description = "A school account sees its own school's items (not withdrawn) and the released items of its \
network; a social worker of one of the network's schools and the coordinator see every item, withdrawn ones \
included; a social worker of another network the released ones. Anything else is 404. The return reason is only \
in the answer to the item's own school, workers and the coordinator. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Agenda item id")),
    responses(
        (status = 200, description = "The item", body = AgendaItem, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/agenda-items/{id}")]
pub async fn get_agenda_item(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let (item, tag) = state
        .db
        .run(move |conn| {
            let (row, role) = load(conn, &user, &id)?;
            item_answer(conn, role, &row.meeting_id, &id)
        })
        .await?;
    Ok(ok_with_etag(&item, &tag))
}

/// Changes to an agenda item; only the fields sent change.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Meerdere gezinnen kunnen de bosklassen niet betalen."}))]
pub struct AgendaItemPatch {
    #[validate(length(min = 1, max = 200))]
    pub title: Option<String>,
    /// Theme code.
    pub theme: Option<String>,
    #[validate(length(max = 4000))]
    pub description: Option<String>,
}

#[utoipa::path(
    patch, path = "/api/v1/agenda-items/{id}", tag = "meetings", operation_id = "update_agenda_item",
    summary = "Change an agenda item",
    description = "The school the item is of changes it while it is `proposed` or `returned`; a returned item is \
`proposed` again. A social worker or the coordinator changes an item they wrote themselves (released at once). \
The text is screened again (422 naming the field and the `finding`). From another state 409 with \
`current_state`; someone else's item 403. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), request_body = AgendaItemPatch,
    params(("id" = Uuid, Path, description = "Agenda item id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = AgendaItem, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/agenda-items/{id}")]
pub async fn update_agenda_item(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<AgendaItemPatch>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::AddAgendaItem)?;
    let (id, if_match) = (id.to_string(), common::if_match(&req));
    let b = body.into_inner()?;
    let (item, tag) = state
        .db
        .write(move |conn| {
            let (mut row, role) = load(conn, &user, &id)?;
            let action = match role {
                AgendaReach::School(own) if row.school_id.as_deref() == Some(own) => {
                    AgendaAction::Edit
                }
                AgendaReach::Moderator if row.author_id == user.id => AgendaAction::EditOwnReleased,
                AgendaReach::School(_) | AgendaReach::Moderator | AgendaReach::Outsider => {
                    return Err(ApiError::Forbidden(Code::AgendaOnlyAuthor.into()));
                }
            };
            check_if_match(if_match.as_deref(), &etag(row.updated_at))?;
            action.check(row.status)?;
            let mut checks = Checks::default();
            check_theme(conn, &mut checks, &b.theme)?;
            if let Some(t) = &b.title {
                checks.check(!t.trim().is_empty(), "title", Code::Blank);
            }
            let network = repo::find_agenda_item(conn, &id)?.2;
            let screen = Screen::for_network(conn, &network)?;
            if let Some(t) = &b.title {
                screen.check(&mut checks, "title", t);
            }
            if let Some(d) = &b.description {
                screen.check(&mut checks, "description", d);
            }
            checks.finish()?;
            if let Some(t) = b.title {
                row.title = t.trim().to_string();
            }
            if b.theme.is_some() {
                row.theme_code = b.theme;
            }
            if let Some(d) = b.description {
                row.description = d.trim().to_string();
            }
            row.status = action.step().to;
            store(conn, &user, role, row, AuditAction::Update)
        })
        .await?;
    Ok(ok_with_etag(&item, &tag))
}

// ---------------------------------------------------------------------------------------------
// Moderation

/// A moderation step by a worker of the network or the coordinator.
fn moderate(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    action: AgendaAction,
    reason: Option<String>,
) -> ApiResult<(AgendaItem, String)> {
    let (mut row, role) = load(conn, user, id)?;
    if role != AgendaReach::Moderator {
        return Err(not_moderator());
    }
    check_if_match(if_match, &etag(row.updated_at))?;
    action.check(row.status)?;
    row.status = action.step().to;
    if reason.is_some() {
        row.return_reason = reason;
    }
    store(conn, user, role, row, AuditAction::StatusChange)
}

fn release(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    _: (),
) -> ApiResult<(AgendaItem, String)> {
    moderate(conn, user, id, if_match, AgendaAction::Release, None)
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/agenda-items/{id}/release", tag = "meetings", operation_id = "release_agenda_item",
    summary = "Release an agenda item to the network",
    description = "`proposed` → `released`: the network's other schools see it from now on. From any other state \
409 with `current_state`. Roles: coordinator, social_worker (of one of the network's schools; 403 for another \
network's worker).",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agenda item id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Released", body = AgendaItem, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/agenda-items/{id}/release" => release_agenda_item(NoBody), may Action::WriteMeetings,
apply release
}

/// Why the item goes back to its author.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Graag zonder de klas en de nationaliteit: dan is het gezin herkenbaar."}))]
pub struct ReturnAgendaItem {
    /// For the author school (and workers, the coordinator); screened like the item.
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

fn return_item(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: ReturnAgendaItem,
) -> ApiResult<(AgendaItem, String)> {
    let reason = b.reason.trim().to_string();
    let mut checks = Checks::default();
    checks.check(!reason.is_empty(), "reason", Code::Blank);
    let network = repo::find_agenda_item(conn, id)?.2;
    Screen::for_network(conn, &network)?.check(&mut checks, "reason", &reason);
    // The item must be visible before the text is judged: no 422 about an item one cannot see.
    load(conn, user, id)?;
    checks.finish()?;
    moderate(conn, user, id, if_match, AgendaAction::Return, Some(reason))
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/agenda-items/{id}/return", tag = "meetings", operation_id = "return_agenda_item",
    summary = "Return an agenda item to its author",
    description = "`proposed` → `returned`, with a reason the author school reads (no other school ever does). The \
author may change the item, which proposes it again. From any other state 409 with `current_state`. Roles: \
coordinator, social_worker (of one of the network's schools).",
    security(("bearer" = [])), request_body = ReturnAgendaItem,
    params(("id" = Uuid, Path, description = "Agenda item id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Returned", body = AgendaItem, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/agenda-items/{id}/return" => return_agenda_item(ApiJson<ReturnAgendaItem>), may Action::WriteMeetings,
apply return_item
}

fn withdraw(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    _: (),
) -> ApiResult<(AgendaItem, String)> {
    let (mut row, role) = load(conn, user, id)?;
    let action = match role {
        AgendaReach::School(own) if row.school_id.as_deref() == Some(own) => AgendaAction::Withdraw,
        AgendaReach::Moderator => AgendaAction::WithdrawReleased,
        AgendaReach::School(_) => {
            return Err(ApiError::Forbidden(Code::AgendaSchoolOwnOnly.into()));
        }
        AgendaReach::Outsider => return Err(not_moderator()),
    };
    check_if_match(if_match, &etag(row.updated_at))?;
    action.check(row.status)?;
    row.status = action.step().to;
    match role {
        AgendaReach::School(_) => {
            // The school no longer sees it: it gets the item as withdrawn, off its agenda
            // (position 0), from the view of its own school's items.
            let (mut item, tag) = store(
                conn,
                user,
                AgendaReach::Moderator,
                row,
                AuditAction::StatusChange,
            )?;
            item.position = 0;
            Ok((item, tag))
        }
        AgendaReach::Moderator | AgendaReach::Outsider => {
            store(conn, user, role, row, AuditAction::StatusChange)
        }
    }
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/agenda-items/{id}/withdraw", tag = "meetings", operation_id = "withdraw_agenda_item",
    summary = "Take an item off the agenda",
    description = "The school the item is of withdraws it while `proposed` or `returned`; a social worker of the \
network's schools or the coordinator withdraws a `released` one, which disappears for every school (workers and \
the coordinator still see it as `withdrawn`). From another state 409 with `current_state`; another school's item \
403. The answer to a school is the item as it was withdrawn (position 0): it no longer sees it. Roles: \
coordinator, social_worker, school.",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agenda item id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Withdrawn", body = AgendaItem, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/agenda-items/{id}/withdraw" => withdraw_agenda_item(NoBody), may Action::AddAgendaItem,
apply withdraw
}
