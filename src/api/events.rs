//! The event stream: every case and referral status change, in commit order, with ids, statuses
//! and times only — never personal data. City systems poll it (`after=<position>`) or receive
//! the same events by webhook.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::extract::ApiQuery;
use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::db::events::{self as repo, EventRow};
use crate::domain::utc;
use crate::error::ApiResult;
use crate::state::AppState;

pub use crate::domain::EVENT_TYPES;

/// One event, exactly as a webhook receives it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"position": 42, "id": "0193a1b2-0000-7000-8000-00000000aa01", "type": "referral.accepted", "occurred_at": "2026-11-25T10:15:00Z", "data": {"referral_id": "0193a1b2-0000-7000-8000-0000000000f1", "case_id": "0193a1b2-0000-7000-8000-0000000000d1", "school_id": "0193a1b2-0000-7000-8000-0000000000c1", "service_id": "0193a1b2-0000-7000-8000-0000000000e2", "partner_id": "0193a1b2-0000-7000-8000-0000000000e1", "from_status": "sent", "to_status": "accepted", "fhir_status": "accepted", "consent_override": null, "at": "2026-11-25T10:15:00Z"}}))]
pub struct Event {
    /// The event's place in the stream; strictly increasing in commit order.
    pub position: i64,
    /// Unique id of the event (the same in the stream and in every webhook delivery of it).
    #[schema(read_only, format = Uuid)]
    pub id: String,
    /// `case.opened`, `case.status_changed`, `case.feedback_written`, `referral.<new status>`,
    /// `checklist.<new status>`, `consult.<new status>` or `audit.checkpoint` (the list:
    /// `GET /api/v1/vocabularies`, `event_type`).
    #[serde(rename = "type")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    /// Ids, statuses and times of the change.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

pub fn event_of(row: EventRow) -> Event {
    Event {
        position: row.position,
        id: row.event_id,
        event_type: row.event_type,
        occurred_at: utc(row.created_at),
        data: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
    }
}

/// A batch of events; poll again with `after=last_position`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventBatch {
    pub items: Vec<Event>,
    /// The position of the last event returned, or `after` when there was none: the next poll's
    /// `after`.
    pub last_position: i64,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// Only events after this position (default 0: from the start).
    #[validate(range(min = 0))]
    pub after: Option<i64>,
    /// At most this many events (1–1000, default 100).
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<i64>,
}

#[utoipa::path(
    get, path = "/api/v1/events", tag = "events", operation_id = "list_events",
    summary = "Poll the event stream",
    description = "Case and referral status changes after `after`, oldest first: `case.opened`, \
`case.status_changed`, `referral.sent`, `referral.accepted`, `referral.declined`, `referral.in_progress`, \
`referral.on_hold`, `referral.completed`, `referral.failed`, `referral.cancelled`. Each is written in the \
transaction of the change and carries ids, statuses and times, never personal data. Positions appear in commit \
order, so polling with the last `last_position` misses nothing. A **partner** account polls only the events about \
its organisation's referrals (and those of the organisations below it): `referral.*`, also \
`referral.consent_withdrawn`, `referral.message` and `referral.follow_up_changed`, with the referral's ids and \
states only (no case or school id). Roles: coordinator, partner.",
    security(("bearer" = [])), params(EventQuery),
    responses(
        (status = 200, description = "The next events", body = EventBatch),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<EventQuery>,
) -> ApiResult<web::Json<EventBatch>> {
    require(&user, Action::ReadEvents)?;
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(100);
    let partners = user.partner_reach().map(<[String]>::to_vec);
    let own = partners.is_some();
    let rows = state
        .db
        .run(move |conn| Ok(repo::after(conn, after, limit, partners.as_deref())?))
        .await?;
    let last_position = rows.last().map(|r| r.position).unwrap_or(after);
    Ok(web::Json(EventBatch {
        items: rows
            .into_iter()
            .map(event_of)
            .map(|mut e| {
                if own {
                    e.data = repo::partner_payload(&e.data);
                }
                e
            })
            .collect(),
        last_position,
    }))
}
