//! The audit trail as the API shows it: the coordinator's view and chain check, and a case's
//! access log for its social workers. Recording is `usecases::audit`.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Page, decode_cursor};
use crate::api::extract::ApiQuery;
use crate::auth::Viewer;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::db::audit::{self as repo, AuditFilter, AuditRow};
use crate::db::now;
use crate::db::schema::users;
use crate::domain::utc;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::usecases::audit::AuditAction;

/// One audit event: who did what to which object, when, from where. Never the data itself.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": 42, "id": "0193a1b2-0000-7000-8000-0000000000f1", "at": "2026-11-24T09:00:00Z", "actor_id": "0193a1b2-0000-7000-8000-0000000000b1", "actor_role": "social_worker", "action": "read", "object_type": "case", "object_id": "0193a1b2-0000-7000-8000-0000000000d1", "case_id": "0193a1b2-0000-7000-8000-0000000000d1", "request_id": "5f0c7c1e-3d1e-4a55-9a43-1b2c3d4e5f60", "client_addr": "10.0.0.7", "prev_hash": "9f2c…", "hash": "1ab4…", "object_ids": null, "case_ids": null}))]
pub struct AuditEvent {
    /// Position in the chain, from 1.
    pub seq: i64,
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub at: DateTime<Utc>,
    #[schema(format = Uuid)]
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: AuditAction,
    /// `case`, `need`, `contact_moment`, `consent`, `feedback`, `checklist_submission`, `referral`, …
    pub object_type: String,
    pub object_id: Option<String>,
    /// The case the object belongs to, when it does.
    #[schema(format = Uuid)]
    pub case_id: Option<String>,
    pub request_id: String,
    pub client_addr: String,
    /// SHA-256 (hex) of the previous event.
    pub prev_hash: String,
    /// SHA-256 (hex) of this event, its previous hash included.
    pub hash: String,
    /// A `list` event: every object the page returned, in order (else null). Part of the hash.
    pub object_ids: Option<Vec<String>>,
    /// A `list` event: the cases those objects belong to, each once (else null). Part of the hash;
    /// each of these cases' access logs shows the event.
    pub case_ids: Option<Vec<String>>,
}

fn action_of(code: &str) -> AuditAction {
    AuditAction::from_code(code).unwrap_or_else(|| {
        log::error!("audit event with an unknown action `{code}`");
        AuditAction::Update
    })
}

fn ids(list: &str) -> Vec<String> {
    list.split_whitespace().map(String::from).collect()
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        let (object_ids, case_ids) = (r.object_ids.as_deref().map(ids), r.listed_cases().map(ids));
        AuditEvent {
            seq: r.seq,
            id: r.id,
            at: utc(r.at),
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            action: action_of(&r.action),
            object_type: r.object_type,
            object_id: r.object_id,
            case_id: r.case_id,
            request_id: r.request_id,
            client_addr: r.client_addr,
            prev_hash: r.prev_hash,
            hash: r.hash,
            object_ids,
            case_ids,
        }
    }
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only events of this user.
    #[param(format = Uuid)]
    pub actor: Option<Uuid>,
    /// Only events on this kind of object (`case`, `consent`, …).
    #[validate(length(min = 1, max = 50))]
    pub object_type: Option<String>,
    /// Only events on this object.
    #[validate(length(min = 1, max = 100))]
    pub object_id: Option<String>,
    /// Only events on this case or what hangs on it.
    #[param(format = Uuid)]
    pub case: Option<Uuid>,
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn seq_cursor(cursor: Option<&str>) -> ApiResult<Option<i64>> {
    decode_cursor::<i64>(cursor)
}

#[utoipa::path(
    get, path = "/api/v1/audit-events", tag = "audit", operation_id = "list_audit_events",
    summary = "List audit events",
    description = "Newest first: every read or write of personal data, with actor, role, action, object, \
time, request id and client address — never the data itself. Roles: coordinator.",
    security(("bearer" = [])), params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit events", body = Page<AuditEvent>),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    _: Allowed<can::ReadAuditLog>,
    query: ApiQuery<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditEvent>>> {
    let q = query.0;
    let limit = common::limit(q.limit);
    let before = seq_cursor(q.cursor.as_deref())?;
    let filter = AuditFilter {
        actor_id: q.actor.map(|a| a.to_string()),
        object_type: q.object_type,
        object_id: q.object_id,
        case_id: q.case.map(|c| c.to_string()),
        from: q.from.map(|t| t.naive_utc()),
        before: q.to.map(|t| t.naive_utc()),
    };
    let rows = state
        .db
        .run(move |conn| {
            repo::seal(conn)?;
            Ok(repo::list(conn, filter, before, limit)?)
        })
        .await?;
    Ok(web::Json(common::page(
        rows,
        limit,
        |r| r.seq.to_string(),
        AuditEvent::from,
    )))
}

/// The outcome of walking the whole chain.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"intact": false, "events_checked": 41, "first_break": {"seq": 42, "reason": "its content does not match its hash"}, "verified_at": "2026-11-24T09:00:00Z"}))]
pub struct ChainReport {
    pub intact: bool,
    /// Events that verified before the first break (all of them when intact).
    pub events_checked: i64,
    /// Where the chain first breaks; null when intact.
    pub first_break: Option<ChainBreak>,
    pub verified_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

#[utoipa::path(
    get, path = "/api/v1/audit-events/verify", tag = "audit", operation_id = "verify_audit_chain",
    summary = "Verify the audit chain",
    description = "Recomputes every event's hash in order and checks each against the next event's previous \
hash and the chain's head: an event altered, removed or inserted directly in the database shows as the first \
break. Roles: coordinator.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Whether the chain is intact, and where it first breaks", body = ChainReport),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/audit-events/verify")]
pub async fn verify_audit_chain(
    state: web::Data<AppState>,
    _: Allowed<can::ReadAuditLog>,
) -> ApiResult<web::Json<ChainReport>> {
    let (checked, broken) = state.db.run(|conn| Ok(repo::verify(conn)?)).await?;
    Ok(web::Json(ChainReport {
        intact: broken.is_none(),
        events_checked: checked,
        first_break: broken.map(|b| ChainBreak {
            seq: b.seq,
            reason: b.reason,
        }),
        verified_at: utc(now()),
    }))
}

/// Who accessed a case, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogEntry {
    pub at: DateTime<Utc>,
    #[schema(format = Uuid)]
    pub actor_id: Option<String>,
    /// Null when the account no longer exists.
    pub actor_name: Option<String>,
    pub actor_role: String,
    pub action: AuditAction,
    pub object_type: String,
    pub object_id: Option<String>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccessLogQuery {
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/access-log", tag = "audit", operation_id = "get_case_access_log",
    summary = "Who accessed a case",
    description = "Newest first: every read and write of the case and what hangs on it, with who and when. \
Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id"), AccessLogQuery),
    responses(
        (status = 200, description = "A page of the case's access log", body = Page<AccessLogEntry>),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}/access-log")]
pub async fn get_case_access_log(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    query: ApiQuery<AccessLogQuery>,
) -> ApiResult<web::Json<Page<AccessLogEntry>>> {
    let q = query.0;
    let limit = common::limit(q.limit);
    let before = seq_cursor(q.cursor.as_deref())?;
    let id = id.to_string();
    let rows = state
        .db
        .run(move |conn| {
            crate::usecases::cases::worked_case(conn, &user, &id)?;
            repo::seal(conn)?;
            let rows = repo::list(
                conn,
                AuditFilter {
                    case_id: Some(id),
                    ..AuditFilter::default()
                },
                before,
                limit,
            )?;
            let ids: Vec<String> = rows.iter().filter_map(|r| r.actor_id.clone()).collect();
            let names: std::collections::HashMap<String, String> = users::table
                .filter(users::id.eq_any(&ids))
                .select((users::id, users::display_name))
                .load::<(String, String)>(conn)?
                .into_iter()
                .collect();
            Ok(rows
                .into_iter()
                .map(|r| {
                    let name = r.actor_id.as_ref().and_then(|a| names.get(a).cloned());
                    (r, name)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(web::Json(common::page(
        rows,
        limit,
        |(r, _)| r.seq.to_string(),
        |(r, name)| AccessLogEntry {
            at: utc(r.at),
            actor_id: r.actor_id,
            actor_name: name,
            actor_role: r.actor_role,
            action: action_of(&r.action),
            object_type: r.object_type,
            object_id: r.object_id,
        },
    )))
}
