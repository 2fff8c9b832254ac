//! `/metrics`: this instance's figures for Prometheus, outside the API's path. Open like the
//! health probes unless the operator sets `METRICS_TOKEN`; the figures hold no personal data
//! and no ids either way.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db::backlog::{self, Backlog};
use crate::error::{ApiError, ApiResult};
use crate::metrics::{CONTENT_TYPE, Metrics};
use crate::state::AppState;

/// How long a scrape waits for the database figures; past it they are left out.
const DATABASE_BUDGET: Duration = Duration::from_secs(2);

/// Whether the request carries the configured token (compared in constant time).
fn token_accepted(req: &HttpRequest, expected: &str) -> bool {
    let sent = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .unwrap_or_default();
    // Hashing first makes both sides the same length, so the comparison's time says nothing.
    let (a, b) = (
        crate::domain::sha256_hex(sent.as_bytes()),
        crate::domain::sha256_hex(expected.as_bytes()),
    );
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

fn age_seconds(at: Option<chrono::NaiveDateTime>, now: chrono::NaiveDateTime) -> i64 {
    at.map_or(0, |t| (now - t).num_seconds().max(0))
}

fn set_backlog(m: &Metrics, b: &Backlog) {
    let now = crate::db::now();
    m.audit_chain_events.set(b.chain_events);
    m.audit_pending_events.set(b.audit_pending);
    m.audit_pending_oldest_age
        .set(age_seconds(b.audit_pending_oldest, now));
    for (status, count, oldest) in [
        ("pending", b.webhooks_pending, b.webhooks_pending_oldest),
        ("failed", b.webhooks_failed, b.webhooks_failed_oldest),
    ] {
        m.webhook_deliveries.with_label_values(&[status]).set(count);
        m.webhook_oldest_age
            .with_label_values(&[status])
            .set(age_seconds(oldest, now));
    }
    m.webhook_retrying.set(b.webhooks_retrying);
}

#[utoipa::path(
    get, path = "/metrics", tag = "health", operation_id = "get_metrics",
    summary = "This instance's figures for Prometheus",
    description = "The Prometheus text format (version 0.0.4): HTTP requests and latency histograms by route template, method and status class; the database pool (size, in use, idle, wait time, timeouts); the audit trail (group commit queue and commits, events waiting to be sealed and the oldest one's age, chain length); webhook deliveries pending, retrying and failed with the oldest one's age; retention runs; login throttling; identity-provider key refreshes; build info. Labels hold templates and fixed words only, never ids or personal data. Figures read from the database are left out when it does not answer in 2 s (`kinderen_eerst_database_up` is then 0). Roles: anyone, without a token, unless the operator sets `METRICS_TOKEN`: then only a caller that sends it as `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise).",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "The figures, in the Prometheus text format", content_type = "text/plain; version=0.0.4", body = String,
         example = "# HELP kinderen_eerst_http_requests_total HTTP requests answered, by route template, method and status class\n# TYPE kinderen_eerst_http_requests_total counter\nkinderen_eerst_http_requests_total{method=\"GET\",route=\"/api/v1/cases/{id}\",status=\"2xx\"} 42\n")
    )
)]
#[get("/metrics")]
pub async fn get_metrics(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if let Some(expected) = state
        .settings
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
        && !token_accepted(&req, expected)
    {
        return Err(ApiError::Unauthorized(
            crate::i18n::Code::MetricsTokenMissing.into(),
        ));
    }
    let m = &state.db.metrics;
    let pool = state.db.pool.state();
    m.db_pool_max.set(state.db.pool.max_size() as i64);
    m.db_pool_connections
        .with_label_values(&["idle"])
        .set(pool.idle_connections as i64);
    m.db_pool_connections
        .with_label_values(&["in_use"])
        .set(pool.connections.saturating_sub(pool.idle_connections) as i64);
    let (_, read) = state
        .db
        .run_within(DATABASE_BUDGET, |conn| Ok(backlog::read(conn)?))
        .await;
    let with_database = match read {
        Ok(b) => {
            set_backlog(m, &b);
            true
        }
        Err(e) => {
            log::warn!("metrics: the database figures are left out: {e}");
            false
        }
    };
    m.database_up.set(i64::from(with_database));
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, CONTENT_TYPE))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(m.encode(with_database)))
}
