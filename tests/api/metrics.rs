//! `/metrics`: a Prometheus scrape of an instance under load shows what an operator alerts on,
//! with route templates and fixed words as labels, never ids or personal data.

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use kinderen_eerst::config::Settings;
use serde_json::json;

use crate::helpers::{TestApp, test_settings};
use crate::referrals::id_of;
use crate::webhooks::Receiver;

/// One sample: name and labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Series {
    name: String,
    labels: BTreeMap<String, String>,
}

/// Reads the text format as Prometheus does, failing on what it would refuse: a sample
/// whose family has no `# TYPE`, a malformed label set, a value that is not a number.
pub(crate) fn parse(text: &str) -> BTreeMap<Series, f64> {
    let mut typed = Vec::new();
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            typed.push(parts.next().unwrap().to_string());
            let kind = parts.next().unwrap();
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("not a number: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                let labels = body
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                        (k.to_string(), v.trim_end_matches('"').to_string())
                    })
                    .collect();
                (name.to_string(), labels)
            }
        };
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| typed.iter().any(|t| t == f))
            })
            .unwrap_or(&name)
            .to_string();
        assert!(typed.contains(&family), "no # TYPE for {name}");
        samples.insert(Series { name, labels }, value);
    }
    samples
}

fn value(m: &BTreeMap<Series, f64>, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let key = Series {
        name: name.into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    m.get(&key).copied()
}

#[track_caller]
pub(crate) fn must(m: &BTreeMap<Series, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    value(m, name, labels).unwrap_or_else(|| {
        let same: Vec<_> = m.keys().filter(|s| s.name == name).collect();
        panic!("no {name} {labels:?}; have {same:?}")
    })
}

pub(crate) const P: &str = "kinderen_eerst_";

#[test]
fn a_scrape_of_a_loaded_instance_shows_every_figure_without_ids() {
    let w = crate::cases::world_with(Settings {
        webhook_poll_interval_ms: 25,
        webhook_retry_base_ms: 600_000,
        webhook_max_attempts: 2,
        ..test_settings()
    });
    let app = &w.app;
    // Two subscribers that answer 500: every event waits for a retry at each.
    let (r1, r2) = (Receiver::start(&[500; 10]), Receiver::start(&[500; 10]));
    let mut subs = Vec::new();
    for r in [&r1, &r2] {
        let res = w.post(
            &w.coord,
            "/api/v1/webhooks",
            json!({"url": r.url, "event_types": ["case.opened"], "secret": "s3cr3t-for-the-test-receiver"}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        subs.push(id_of(&res.json()));
    }

    // Load: cases opened (writes), each read 5 times (audited reads).
    let mut cases = Vec::new();
    for _ in 0..3 {
        cases.push(id_of(&w.case_by_worker("office_hours")));
    }
    let reads = 15;
    for i in 0..reads {
        let res = app.get(
            &format!("/api/v1/cases/{}", cases[i % cases.len()]),
            Some(&w.worker_a.token),
        );
        assert_eq!(res.status, 200, "{}", res.text());
    }
    assert_eq!(app.get(&format!("/nowhere/{}", cases[0]), None).status, 404);
    // Failed logins until throttled.
    let mut throttled = 0;
    for _ in 0..8 {
        let res = app.login(&w.worker_a.email, "not the password at all");
        if res.status == 429 {
            throttled += 1;
        }
    }
    assert!(throttled >= 1);
    // The first attempts fail at both receivers; then one subscriber's deliveries are made due
    // and old (as if an hour passed), and their second attempt gives them up.
    r1.wait_for("first attempts", |got| got.len() >= 3);
    r2.wait_for("first attempts", |got| got.len() >= 3);
    app.conn()
        .batch_execute(
            &format!(
                "UPDATE webhook_deliveries SET next_attempt_at = created_at, \
             created_at = created_at - INTERVAL_HOUR WHERE subscription_id = '{}'",
                subs[1]
            )
            .replace(
                "created_at - INTERVAL_HOUR",
                if crate::helpers::test_backend_url().is_some() {
                    "created_at - INTERVAL '1 hour'"
                } else {
                    "datetime(created_at, '-1 hour')"
                },
            ),
        )
        .unwrap();
    r2.wait_for("second attempts", |got| got.len() >= 6);
    // A retention pass of this instance.
    kinderen_eerst::retention::run(
        &app.state.db,
        24,
        false,
        kinderen_eerst::retention::Rewrite::from_setting(false),
        |_, _| {},
    )
    .unwrap();

    let mut m = BTreeMap::new();
    // The second attempts are recorded just after the receiver answered.
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(20) {
        let res = app.get("/metrics", None);
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("content-type"),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        m = parse(&res.text());
        if value(
            &m,
            &format!("{P}webhook_deliveries"),
            &[("status", "failed")],
        ) == Some(3.0)
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    // HTTP: by route template, method and status class.
    let case_route = [
        ("method", "GET"),
        ("route", "/api/v1/cases/{id}"),
        ("status", "2xx"),
    ];
    assert_eq!(
        must(&m, &format!("{P}http_requests_total"), &case_route),
        reads as f64
    );
    assert_eq!(
        must(
            &m,
            &format!("{P}http_request_duration_seconds_count"),
            &case_route
        ),
        reads as f64
    );
    let mut inf = case_route.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(
        must(
            &m,
            &format!("{P}http_request_duration_seconds_bucket"),
            &inf
        ),
        reads as f64
    );
    assert_eq!(
        must(
            &m,
            &format!("{P}http_requests_total"),
            &[("method", "GET"), ("route", "unmatched"), ("status", "4xx")]
        ),
        1.0
    );
    assert!(
        must(
            &m,
            &format!("{P}http_requests_total"),
            &[
                ("method", "POST"),
                ("route", "/api/v1/auth/login"),
                ("status", "4xx")
            ]
        ) >= 8.0
    );
    // The pool: its size, connections, waits.
    assert_eq!(must(&m, &format!("{P}db_pool_max_connections"), &[]), 4.0);
    let in_use = must(
        &m,
        &format!("{P}db_pool_connections"),
        &[("state", "in_use")],
    );
    let idle = must(&m, &format!("{P}db_pool_connections"), &[("state", "idle")]);
    assert!(
        in_use + idle <= 4.0 && in_use + idle >= 1.0,
        "{in_use} {idle}"
    );
    assert!(must(&m, &format!("{P}db_pool_wait_seconds_count"), &[]) >= reads as f64);
    assert!(value(&m, &format!("{P}db_pool_wait_seconds_sum"), &[]).is_some());
    assert_eq!(must(&m, &format!("{P}database_up"), &[]), 1.0);
    // The audit trail: each read's event went through the group commit, none waits there now.
    assert!(must(&m, &format!("{P}audit_group_commit_events_total"), &[]) >= reads as f64);
    assert!(
        must(
            &m,
            &format!("{P}audit_group_commits_total"),
            &[("result", "ok")]
        ) >= 1.0
    );
    assert_eq!(must(&m, &format!("{P}audit_writer_queue_events"), &[]), 0.0);
    // Every event is in the chain or waiting for the sealer.
    assert!(
        must(&m, &format!("{P}audit_chain_events"), &[])
            + must(&m, &format!("{P}audit_pending_events"), &[])
            >= reads as f64 + 3.0
    );
    assert!(value(&m, &format!("{P}audit_pending_oldest_age_seconds"), &[]).is_some());
    assert!(value(&m, &format!("{P}audit_sealed_events_total"), &[]).is_some());
    // Webhooks: one subscriber's deliveries wait for a retry, the other's were given up an
    // hour after they were made.
    let wh = format!("{P}webhook_deliveries");
    assert_eq!(must(&m, &wh, &[("status", "pending")]), 3.0);
    assert_eq!(must(&m, &wh, &[("status", "failed")]), 3.0);
    assert_eq!(
        must(&m, &format!("{P}webhook_deliveries_retrying"), &[]),
        3.0
    );
    let age = format!("{P}webhook_deliveries_oldest_age_seconds");
    assert!(must(&m, &age, &[("status", "failed")]) >= 3600.0);
    assert!(must(&m, &age, &[("status", "pending")]) < 3600.0);
    assert_eq!(
        must(
            &m,
            &format!("{P}webhook_delivery_attempts_total"),
            &[("result", "failed")]
        ),
        9.0
    );
    // Retention, login throttling, build.
    assert_eq!(
        must(&m, &format!("{P}retention_runs_total"), &[("result", "ok")]),
        1.0
    );
    assert!(
        must(
            &m,
            &format!("{P}retention_last_success_timestamp_seconds"),
            &[]
        ) > 0.0
    );
    assert_eq!(
        must(
            &m,
            &format!("{P}login_throttled_total"),
            &[("kind", "login")]
        ),
        throttled as f64
    );
    let backend = if crate::helpers::test_backend_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(
        must(
            &m,
            &format!("{P}build_info"),
            &[("backend", backend), ("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );

    // No label holds an id, an e-mail or a path with ids.
    let uuid = regex::Regex::new("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}").unwrap();
    for series in m.keys() {
        for (k, v) in &series.labels {
            assert!(
                !cases.iter().any(|c| v.contains(c.as_str()))
                    && !v.contains('@')
                    && !uuid.is_match(v),
                "label {k}=\"{v}\" of {}",
                series.name
            );
        }
    }
}

#[test]
fn with_a_metrics_token_only_its_holder_reads_the_figures() {
    let app = TestApp::spawn_with(Settings {
        metrics_token: Some("scrape-6c1f0b0e5a7d4f2b9e3c".into()),
        ..test_settings()
    });
    let res = app.get("/metrics", None);
    res.problem(401);
    let res = app.get("/metrics", Some("scrape-wrong"));
    res.problem(401);
    let coord = app.coordinator();
    app.get("/metrics", Some(&coord.token)).problem(401);
    let res = app.get("/metrics", Some("scrape-6c1f0b0e5a7d4f2b9e3c"));
    assert_eq!(res.status, 200);
    assert!(res.text().contains("kinderen_eerst_build_info"));
    // Without a token configured it is open, like the health probes.
    let open = TestApp::spawn();
    assert_eq!(open.get("/metrics", None).status, 200);
}
