//! Webhook subscriptions: the coordinator names a city system's URL, the event types it wants
//! and a secret; the delivery worker (`crate::webhooks`) then POSTs each matching event there,
//! signed, and keeps a log of every delivery. The secret is write-only: shown once, on creation.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, Page, decode_cursor};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::db::events::{self as repo, DeliveryRow, EventRow, SubscriptionRow};
use crate::db::now;
use crate::db::schema::webhook_subscriptions;
use crate::domain::EVENT_TYPES;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::outbound;

/// A webhook subscription, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(example = "https://stad.example/hooks/kinderen-eerst")]
    pub url: String,
    /// Event types delivered; `*` for all.
    pub event_types: Vec<String>,
    pub description: String,
    /// Inactive subscriptions get no new deliveries; pending ones wait until reactivated.
    pub active: bool,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

/// A new subscription with its secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The HMAC-SHA256 key of `X-KE-Signature`. Store it now: it is never shown again.
    pub secret: String,
}

/// Whether the caller manages this subscription: the coordinator every one, a partner account
/// those its organisation made.
fn mine(user: &Viewer, r: &SubscriptionRow) -> bool {
    match user.own_partner() {
        None => true,
        Some(p) => r.partner_id.as_deref() == Some(p),
    }
}

/// The subscription, if the caller manages it; another's is not found.
fn owned(conn: &mut crate::db::DbConn, user: &Viewer, id: &str) -> ApiResult<SubscriptionRow> {
    let row = repo::subscription(conn, id)?;
    if mine(user, &row) {
        Ok(row)
    } else {
        Err(ApiError::NotFound)
    }
}

fn webhook_of(r: SubscriptionRow) -> Webhook {
    Webhook {
        event_types: r.types(),
        id: r.id,
        url: r.url,
        description: r.description,
        active: r.active,
        created_at: utc(r.created_at),
        updated_at: utc(r.updated_at),
    }
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://stad.example/hooks/kinderen-eerst", "event_types": ["referral.sent", "referral.accepted", "referral.completed"], "description": "Dossiersysteem van de stad"}))]
pub struct NewWebhook {
    /// `http` or `https` (use https outside a test setup), on a public internet address: a
    /// loopback, private, link-local or otherwise reserved address, `localhost`, or a name that
    /// resolves to one is refused (unless `WEBHOOK_ALLOW_PRIVATE_NETWORKS`).
    #[validate(url, length(max = 2000))]
    pub url: String,
    /// At least one event type (see `GET /api/v1/events`), or `*`.
    #[validate(length(min = 1))]
    #[schema(schema_with = crate::domain::event_types_schema)]
    pub event_types: Vec<String>,
    /// At least 16 characters; generated when absent. Returned once, in the 201.
    #[validate(length(min = 16, max = 200))]
    pub secret: Option<String>,
    #[serde(default)]
    #[validate(length(max = 500))]
    pub description: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct WebhookPatch {
    #[validate(url, length(max = 2000))]
    pub url: Option<String>,
    #[validate(length(min = 1))]
    #[schema(schema_with = crate::domain::event_types_patch_schema)]
    pub event_types: Option<Vec<String>>,
    /// A new secret (write-only; never returned).
    #[validate(length(min = 16, max = 200))]
    pub secret: Option<String>,
    #[validate(length(max = 500))]
    pub description: Option<String>,
    pub active: Option<bool>,
}

fn check_url(checks: &mut Checks, url: &str) {
    let lower = url.to_ascii_lowercase();
    checks.check(
        lower.starts_with("https://") || lower.starts_with("http://"),
        "url",
        Code::HttpUrl,
    );
}

/// Refuses a URL that points at a non-public address (SSRF; see `usecases::outbound`),
/// resolving its name off the request thread.
async fn check_public(state: &AppState, url: &str) -> ApiResult<()> {
    let (url, allow) = (
        url.to_string(),
        state.settings.webhook_allow_private_networks,
    );
    web::block(move || outbound::check_url(&url, allow))
        .await
        .map_err(ApiError::internal)?
        .map_err(|m| ApiError::field("url", m))
}

fn check_types(checks: &mut Checks, types: &[String]) {
    for (i, t) in types.iter().enumerate() {
        if !EVENT_TYPES.contains(&t.as_str()) {
            checks.add(
                &format!("event_types[{i}]"),
                crate::msg!(
                    EventTypeUnknown,
                    value = t,
                    allowed = EVENT_TYPES.join(", ")
                ),
            );
        }
    }
}

fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[utoipa::path(
    post, path = "/api/v1/webhooks", tag = "webhooks", operation_id = "create_webhook",
    summary = "Subscribe a city system to events",
    description = "From now on every matching event is POSTed to `url` as JSON (the `Event` of `GET \
/api/v1/events`) with headers `X-KE-Delivery` (the delivery id, the same on every retry), `X-KE-Event`, \
`X-KE-Timestamp` (unix seconds) and `X-KE-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + \".\" + \
body)>`. A 2xx answer counts as delivered; anything else, or no answer in time, is retried with exponential \
backoff. The secret is returned in this response only. `url` must point to a public internet address \
(422 otherwise; checked again at every delivery). A **partner** account's subscription belongs to its \
organisation and receives only the events about its referrals (and those of the organisations below it), with \
the referral's ids and states only. Roles: coordinator, partner.",
    security(("bearer" = [])), request_body = NewWebhook,
    responses(
        (status = 201, description = "Subscribed; the secret is shown this once", body = WebhookCreated, headers(("Location" = String, description = "The new subscription"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    user: Viewer,
    body: ApiJson<NewWebhook>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ManageWebhooks)?;
    let b = body.into_inner()?;
    let mut checks = Checks::default();
    check_url(&mut checks, &b.url);
    check_types(&mut checks, &b.event_types);
    checks.finish()?;
    check_public(&state, &b.url).await?;
    let secret = b.secret.unwrap_or_else(random_secret);
    let at = now();
    let row = SubscriptionRow {
        id: Uuid::now_v7().to_string(),
        url: b.url.trim().to_string(),
        event_types: serde_json::to_string(&b.event_types).unwrap_or_else(|_| "[]".into()),
        secret: secret.clone(),
        description: b.description.trim().to_string(),
        active: b.active,
        created_by: user.id.clone(),
        created_at: at,
        updated_at: at,
        partner_id: user.own_partner().map(str::to_string),
    };
    let stored = row.clone();
    state
        .db
        .write(move |conn| {
            diesel::insert_into(webhook_subscriptions::table)
                .values(&stored)
                .execute(conn)?;
            Ok(())
        })
        .await?;
    let id = row.id.clone();
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/webhooks/{id}"),
        ))
        .json(WebhookCreated {
            webhook: webhook_of(row),
            secret,
        }))
}

#[utoipa::path(
    get, path = "/api/v1/webhooks", tag = "webhooks", operation_id = "list_webhooks",
    summary = "List webhook subscriptions",
    description = "Oldest first, without their secrets. Roles: coordinator, partner (its own subscriptions; another's: 404).",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscriptions", body = Vec<Webhook>),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    user: Viewer,
) -> ApiResult<web::Json<Vec<Webhook>>> {
    require(&user, Action::ManageWebhooks)?;
    let rows = state.db.run(|conn| Ok(repo::subscriptions(conn)?)).await?;
    Ok(web::Json(
        rows.into_iter()
            .filter(|r| mine(&user, r))
            .map(webhook_of)
            .collect(),
    ))
}

#[utoipa::path(
    get, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "get_webhook",
    summary = "Get a webhook subscription",
    description = "Without its secret. Roles: coordinator, partner (its own subscriptions; another's: 404).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscription", body = Webhook),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Webhook>> {
    require(&user, Action::ManageWebhooks)?;
    let id = id.to_string();
    let row = state.db.run(move |conn| owned(conn, &user, &id)).await?;
    Ok(web::Json(webhook_of(row)))
}

#[utoipa::path(
    patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "update_webhook",
    summary = "Change a webhook subscription",
    description = "URL, event types, description, active, or a new secret (write-only). Deactivating stops \
new deliveries; pending ones resume on reactivation. Roles: coordinator, partner (its own subscriptions; another's: 404).",
    security(("bearer" = [])), request_body = WebhookPatch,
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "Changed", body = Webhook),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[patch("/api/v1/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<WebhookPatch>,
) -> ApiResult<web::Json<Webhook>> {
    require(&user, Action::ManageWebhooks)?;
    let id = id.to_string();
    // Another's subscription is not found, whatever the body says.
    let (u, i) = (user.clone(), id.clone());
    state.db.run(move |conn| owned(conn, &u, &i)).await?;
    let b = body.into_inner()?;
    let mut checks = Checks::default();
    if let Some(u) = &b.url {
        check_url(&mut checks, u);
    }
    if let Some(t) = &b.event_types {
        check_types(&mut checks, t);
    }
    checks.finish()?;
    if let Some(u) = &b.url {
        check_public(&state, u).await?;
    }
    let row = state
        .db
        .write(move |conn| {
            let c = owned(conn, &user, &id)?;
            diesel::update(webhook_subscriptions::table.find(&id))
                .set((
                    webhook_subscriptions::url
                        .eq(b.url.map(|u| u.trim().to_string()).unwrap_or(c.url)),
                    webhook_subscriptions::event_types.eq(b
                        .event_types
                        .map(|t| serde_json::to_string(&t).unwrap_or_else(|_| "[]".into()))
                        .unwrap_or(c.event_types)),
                    webhook_subscriptions::secret.eq(b.secret.unwrap_or(c.secret)),
                    webhook_subscriptions::description.eq(b
                        .description
                        .map(|d| d.trim().to_string())
                        .unwrap_or(c.description)),
                    webhook_subscriptions::active.eq(b.active.unwrap_or(c.active)),
                    webhook_subscriptions::updated_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(repo::subscription(conn, &id)?)
        })
        .await?;
    Ok(web::Json(webhook_of(row)))
}

#[utoipa::path(
    delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook",
    summary = "Delete a webhook subscription",
    description = "Stops all deliveries to it and removes its delivery log (deactivate it instead to keep \
the log). Roles: coordinator, partner (its own subscriptions; another's: 404).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[delete("/api/v1/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ManageWebhooks)?;
    let id = id.to_string();
    state
        .db
        .write(move |conn| {
            use crate::db::schema::webhook_deliveries;
            owned(conn, &user, &id)?;
            diesel::delete(
                webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(&id)),
            )
            .execute(conn)?;
            match diesel::delete(webhook_subscriptions::table.find(&id)).execute(conn)? {
                0 => Err(ApiError::NotFound),
                _ => Ok(()),
            }
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Which event a delivery carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveredEvent {
    pub position: i64,
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
}

/// One delivery of one event to one subscription, with the result of its last attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// The `X-KE-Delivery` header: the same on every attempt.
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub event: DeliveredEvent,
    /// `pending` (waiting for its next attempt), `delivered` (a 2xx answer) or `failed` (attempts
    /// exhausted).
    #[schema(example = "delivered")]
    pub status: String,
    pub attempts: i32,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status of the last attempt; null when it did not answer.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed: the HTTP status, or `no HTTP answer from the receiver` for
    /// every failure without one (timeout, refused, no such name, not a public address).
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn delivery_of((d, e): (DeliveryRow, EventRow)) -> Delivery {
    Delivery {
        next_attempt_at: (d.status == "pending").then(|| utc(d.next_attempt_at)),
        id: d.id,
        event: DeliveredEvent {
            position: e.position,
            id: e.event_id,
            event_type: e.event_type,
        },
        status: d.status,
        attempts: d.attempts,
        last_attempt_at: d.last_attempt_at.map(utc),
        last_status_code: d.last_status_code,
        last_error: d.last_error,
        delivered_at: d.delivered_at.map(utc),
        created_at: utc(d.created_at),
    }
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "list_webhook_deliveries",
    summary = "The delivery log of a subscription",
    description = "Newest first: each event sent (or to be sent) to this subscription, its attempts and the \
last result. Roles: coordinator, partner (its own subscriptions; another's: 404).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Subscription id"), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<Delivery>),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    query: ApiQuery<DeliveryQuery>,
) -> ApiResult<web::Json<Page<Delivery>>> {
    require(&user, Action::ManageWebhooks)?;
    let id = id.to_string();
    let q = query.0;
    let limit = common::limit(q.limit);
    let before = decode_cursor::<(chrono::NaiveDateTime, String)>(q.cursor.as_deref())?;
    let page = state
        .db
        .run(move |conn| {
            owned(conn, &user, &id)?;
            let rows = repo::deliveries(conn, &id, before, limit)?;
            Ok(common::page(
                rows,
                limit,
                |(d, _)| (d.created_at, d.id.clone()),
                delivery_of,
            ))
        })
        .await?;
    Ok(web::Json(page))
}
