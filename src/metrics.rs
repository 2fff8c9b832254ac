//! The figures an operator alerts on, per instance, in the Prometheus text format (`/metrics`).
//! Labels carry route templates, methods, status classes and fixed words only: never a path
//! with its ids, an e-mail or any other value a caller chooses.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The content type of the exposition (the Prometheus text format, version 0.0.4).
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Latency buckets, in seconds: from a cached read to a request near its timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Waits for a pooled connection, in seconds: mostly zero, a queue under load, the connect
/// timeout when the database is gone.
const WAIT_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The route label of a request no route matched (unknown paths are not labels of their own).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Every figure of one instance. Counters count from the start of the process; gauges read from
/// the database are set when `/metrics` is scraped.
pub struct Metrics {
    registry: Registry,
    /// The figures read from the database at each scrape: left out when it does not answer,
    /// rather than repeating stale values.
    db_registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    pub db_pool_max: IntGauge,
    pub db_pool_connections: IntGaugeVec,
    pub db_pool_wait: Histogram,
    pub db_pool_timeouts: IntCounter,
    pub database_up: IntGauge,
    pub audit_queue_events: IntGauge,
    pub audit_group_commits: IntCounterVec,
    pub audit_group_commit_events: IntCounter,
    pub audit_group_commit_seconds: Histogram,
    pub audit_sealed_events: IntCounter,
    pub audit_pending_vacuums: IntCounter,
    pub audit_chain_events: IntGauge,
    pub audit_pending_events: IntGauge,
    pub audit_pending_oldest_age: IntGauge,
    pub webhook_deliveries: IntGaugeVec,
    pub webhook_oldest_age: IntGaugeVec,
    pub webhook_retrying: IntGauge,
    pub webhook_attempts: IntCounterVec,
    pub retention_runs: IntCounterVec,
    pub retention_cases_erased: IntCounter,
    pub retention_last_success: IntGauge,
    pub retention_last_duration_ms: IntGauge,
    pub login_throttled: IntCounterVec,
    pub oidc_refreshes: IntCounterVec,
    pub oidc_keys: IntGauge,
}

fn must<T>(r: prometheus::Result<T>) -> T {
    // Names and labels are constants of this file: a failure is a programming error, caught by
    // the first test that builds a `Metrics`.
    r.unwrap_or_else(|e| panic!("metric definition: {e}"))
}

impl Metrics {
    pub fn new(backend: &str) -> Metrics {
        let registry = must(Registry::new_custom(Some("kinderen_eerst".into()), None));
        let db_registry = must(Registry::new_custom(Some("kinderen_eerst".into()), None));
        macro_rules! reg {
            ($m:expr) => {{
                let m = must($m);
                must(registry.register(Box::new(m.clone())));
                m
            }};
        }
        macro_rules! reg_db {
            ($m:expr) => {{
                let m = must($m);
                must(db_registry.register(Box::new(m.clone())));
                m
            }};
        }
        let build = reg!(IntGaugeVec::new(
            Opts::new(
                "build_info",
                "The running build: always 1, with its version and database backend as labels"
            ),
            &["version", "backend"]
        ));
        build
            .with_label_values(&[env!("CARGO_PKG_VERSION"), backend])
            .set(1);
        let start = reg!(IntGauge::new(
            "process_start_time_seconds",
            "When this process started, in Unix seconds"
        ));
        start.set(chrono::Utc::now().timestamp());
        Metrics {
            http_requests: reg!(IntCounterVec::new(
                Opts::new(
                    "http_requests_total",
                    "HTTP requests answered, by route template, method and status class"
                ),
                &["route", "method", "status"]
            )),
            http_duration: reg!(HistogramVec::new(
                HistogramOpts::new(
                    "http_request_duration_seconds",
                    "Time from a request's arrival to its answer, by route template, method and status class"
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
                &["route", "method", "status"]
            )),
            db_pool_max: reg!(IntGauge::new(
                "db_pool_max_connections",
                "Connections the pool may open (DB_POOL_SIZE)"
            )),
            db_pool_connections: reg!(IntGaugeVec::new(
                Opts::new(
                    "db_pool_connections",
                    "Open connections of the pool, in use or idle"
                ),
                &["state"]
            )),
            db_pool_wait: reg!(Histogram::with_opts(
                HistogramOpts::new(
                    "db_pool_wait_seconds",
                    "Time a request's database work waited for a pooled connection"
                )
                .buckets(WAIT_BUCKETS.to_vec())
            )),
            db_pool_timeouts: reg!(IntCounter::new(
                "db_pool_timeouts_total",
                "Database work refused because no connection became free in time (503)"
            )),
            database_up: reg!(IntGauge::new(
                "database_up",
                "1 when the database answered the scrape's queries, 0 when it did not (the figures read from it are then absent)"
            )),
            audit_queue_events: reg!(IntGauge::new(
                "audit_writer_queue_events",
                "Audit events of reads handed to the group commit and not yet committed"
            )),
            audit_group_commits: reg!(IntCounterVec::new(
                Opts::new(
                    "audit_group_commits_total",
                    "Group commits of read events, by result"
                ),
                &["result"]
            )),
            audit_group_commit_events: reg!(IntCounter::new(
                "audit_group_commit_events_total",
                "Audit events of reads committed by the group commit"
            )),
            audit_group_commit_seconds: reg!(Histogram::with_opts(
                HistogramOpts::new(
                    "audit_group_commit_seconds",
                    "Time one group commit took, connection checkout included"
                )
                .buckets(LATENCY_BUCKETS.to_vec())
            )),
            audit_sealed_events: reg!(IntCounter::new(
                "audit_sealed_events_total",
                "Audit events this instance's sealer linked into the hash chain"
            )),
            audit_pending_vacuums: reg!(IntCounter::new(
                "audit_pending_vacuums_total",
                "Vacuums of the queue of waiting audit events by this instance's sealer (PostgreSQL)"
            )),
            audit_chain_events: reg_db!(IntGauge::new(
                "audit_chain_events",
                "Events in the audit hash chain (its head's sequence number)"
            )),
            audit_pending_events: reg_db!(IntGauge::new(
                "audit_pending_events",
                "Audit events written but not yet linked into the chain (the sealer's lag)"
            )),
            audit_pending_oldest_age: reg_db!(IntGauge::new(
                "audit_pending_oldest_age_seconds",
                "Age of the oldest audit event not yet linked into the chain (0 when none waits)"
            )),
            webhook_deliveries: reg_db!(IntGaugeVec::new(
                Opts::new(
                    "webhook_deliveries",
                    "Webhook deliveries still to be sent (pending) and given up (failed)"
                ),
                &["status"]
            )),
            webhook_oldest_age: reg_db!(IntGaugeVec::new(
                Opts::new(
                    "webhook_deliveries_oldest_age_seconds",
                    "Age of the oldest pending or failed delivery (0 when there is none)"
                ),
                &["status"]
            )),
            webhook_retrying: reg_db!(IntGauge::new(
                "webhook_deliveries_retrying",
                "Pending deliveries that failed at least once and wait for a retry"
            )),
            webhook_attempts: reg!(IntCounterVec::new(
                Opts::new(
                    "webhook_delivery_attempts_total",
                    "Delivery attempts this instance made, by result"
                ),
                &["result"]
            )),
            retention_runs: reg!(IntCounterVec::new(
                Opts::new(
                    "retention_runs_total",
                    "Retention passes run by this process, by result"
                ),
                &["result"]
            )),
            retention_cases_erased: reg!(IntCounter::new(
                "retention_cases_erased_total",
                "Cases whose personal data retention passes of this process erased"
            )),
            retention_last_success: reg!(IntGauge::new(
                "retention_last_success_timestamp_seconds",
                "When this process last finished a retention pass, in Unix seconds (0: never)"
            )),
            retention_last_duration_ms: reg!(IntGauge::new(
                "retention_last_duration_milliseconds",
                "How long the last retention pass of this process took"
            )),
            login_throttled: reg!(IntCounterVec::new(
                Opts::new(
                    "login_throttled_total",
                    "Attempts at a secret refused with 429 by login throttling, by kind"
                ),
                &["kind"]
            )),
            oidc_refreshes: reg!(IntCounterVec::new(
                Opts::new(
                    "oidc_jwks_refreshes_total",
                    "Fetches of the identity provider's keys, by reason and result"
                ),
                &["reason", "result"]
            )),
            oidc_keys: reg!(IntGauge::new(
                "oidc_jwks_keys",
                "Signing keys of the identity provider held in the cache"
            )),
            registry,
            db_registry,
        }
    }

    /// One answered request. `route` is the matched route template (or `UNMATCHED_ROUTE`),
    /// never the path.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let labels = [route, method_label(method), status_class(status)];
        self.http_requests.with_label_values(&labels).inc();
        self.http_duration
            .with_label_values(&labels)
            .observe(seconds);
    }

    /// The exposition of every figure; those read from the database only `with_database`.
    pub fn encode(&self, with_database: bool) -> String {
        let mut families = self.registry.gather();
        if with_database {
            families.extend(self.db_registry.gather());
            families.sort_by(|a, b| a.name().cmp(b.name()));
        }
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&families, &mut out) {
            log::warn!("metrics encoding failed: {e}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The standard methods as themselves; anything else a client invents is one label.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_templates_methods_and_classes_only() {
        let m = Metrics::new("sqlite");
        m.observe_request("/api/v1/cases/{id}", "GET", 200, 0.01);
        m.observe_request(UNMATCHED_ROUTE, "BREW", 404, 0.001);
        let text = m.encode(true);
        assert!(text.contains(
            r#"kinderen_eerst_http_requests_total{method="GET",route="/api/v1/cases/{id}",status="2xx"} 1"#
        ), "{text}");
        assert!(text.contains(
            r#"kinderen_eerst_http_requests_total{method="other",route="unmatched",status="4xx"} 1"#
        ), "{text}");
        assert!(text.contains(r#"kinderen_eerst_build_info{backend="sqlite",version=""#));
    }
}
