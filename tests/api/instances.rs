//! Several instances of the real binary on one PostgreSQL database, driven together: migrations
//! apply once, the daily retention claim is won once, an idempotency key used on one instance is
//! honoured on another, and every webhook event reaches a receiver exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TEST_SECRET, pg_url, test_backend_url};
use crate::webhooks::Receiver;

const BIN: &str = env!("CARGO_BIN_EXE_kinderen-eerst");

struct Instance {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Instance {
    fn start(db_url: &str) -> Instance {
        let mut child = Command::new(BIN)
            .env("DATABASE_URL", db_url)
            .env("BIND", "127.0.0.1:0")
            .env("JWT_SECRET", TEST_SECRET)
            .env("AUDIT_SIGNING_KEY_FILE", crate::helpers::test_audit_key())
            .env("RUST_LOG", "info")
            .env("DB_POOL_SIZE", "4")
            .env("WEBHOOK_POLL_INTERVAL_MS", "50")
            .env("WEBHOOK_RETRY_BASE_MS", "100")
            .env("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start an instance");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let l = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
                l.lock().unwrap().push(line);
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("the instance did not start: {:?}", log.lock().unwrap()));
        Instance { child, addr, log }
    }

    fn lines_with(&self, needle: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .cloned()
            .collect()
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value, BTreeMap<String, String>) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut b = ureq::http::Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let mut res = match body {
            Some(v) => agent.run(
                b.header("content-type", "application/json")
                    .body(v.to_string().into_bytes())
                    .unwrap(),
            ),
            None => agent.run(b.body(()).unwrap()),
        }
        .unwrap();
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let text = res.body_mut().read_to_string().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        )
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs on the PostgreSQL pass: instances of a city deployment share one PostgreSQL.
#[test]
fn three_instances_on_one_database_share_migrations_jobs_keys_and_deliveries() {
    let Some(base) = test_backend_url() else {
        eprintln!("several instances need TEST_DATABASE_URL (the PostgreSQL pass runs this)");
        return;
    };
    let name = format!("ke_multi_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&base).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let url = pg_url(&base, &name);

    // All three start at once on the empty database.
    let instances: Vec<Instance> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(|| Instance::start(&url))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let migrated: Vec<usize> = instances
        .iter()
        .map(|i| i.lines_with("applied ").len())
        .collect();
    assert_eq!(
        migrated.iter().sum::<usize>(),
        1,
        "exactly one instance migrates: {migrated:?}"
    );
    let first_start: Vec<String> = instances
        .iter()
        .flat_map(|i| i.lines_with("created coordinator "))
        .collect();
    assert_eq!(
        first_start.len(),
        1,
        "one first coordinator: {first_start:?}"
    );
    // The daily retention pass: claimed by exactly one instance.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut passes = 0;
    while Instant::now() < deadline {
        passes = instances
            .iter()
            .map(|i| i.lines_with("retention: erased").len())
            .sum();
        if passes > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let passes_now: usize = instances
        .iter()
        .map(|i| i.lines_with("retention: erased").len())
        .sum();
    assert_eq!(
        (passes, passes_now),
        (1, 1),
        "the daily retention pass runs once across instances"
    );

    let words: Vec<&str> = first_start[0]
        .split("created coordinator ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    let (email, password) = (words[0].to_string(), words[4].to_string());
    let (status, login, _) = instances[1].call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&json!({"email": email, "password": password})),
        &[],
    );
    assert_eq!(status, 200, "{login}");
    let one_time = login["access_token"].as_str().unwrap().to_string();
    // The first-start password is one-time; changing it on another instance ends the session
    // on every instance (the credentials version is in the shared database).
    let (status, changed, _) = instances[0].call(
        "POST",
        "/api/v1/me/password",
        Some(&one_time),
        Some(&json!({"current_password": password, "new_password": "Wie-Het-Programma-Trekt-Kiest-2026"})),
        &[],
    );
    assert_eq!(status, 200, "{changed}");
    let token = changed["access_token"].as_str().unwrap().to_string();
    let (status, _, _) = instances[2].call("GET", "/api/v1/me", Some(&one_time), None, &[]);
    assert_eq!(status, 401, "the one-time session ended everywhere");

    // An idempotency key used on one instance is honoured on another.
    let body = json!({"name": "Hoboken", "city": "Antwerpen"});
    let (s1, n1, _) = instances[0].call(
        "POST",
        "/api/v1/networks",
        Some(&token),
        Some(&body),
        &[("idempotency-key", "net-1")],
    );
    let (s2, n2, h2) = instances[2].call(
        "POST",
        "/api/v1/networks",
        Some(&token),
        Some(&body),
        &[("idempotency-key", "net-1")],
    );
    assert_eq!((s1, s2), (201, 201), "{n1} {n2}");
    assert_eq!(n1["id"], n2["id"]);
    assert_eq!(
        h2.get("idempotent-replayed").map(String::as_str),
        Some("true")
    );

    // Webhooks: events made on every instance reach the receiver once each.
    let receiver = Receiver::start(&[]);
    let (status, hook, _) = instances[0].call(
        "POST",
        "/api/v1/webhooks",
        Some(&token),
        Some(&json!({"url": receiver.url, "event_types": ["case.opened"], "secret": "a-webhook-secret-of-32-bytes-or-more!"})),
        &[],
    );
    assert_eq!(status, 201, "{hook}");
    let net = n1["id"].as_str().unwrap();
    let (status, school, _) = instances[1].call(
        "POST",
        "/api/v1/schools",
        Some(&token),
        Some(&json!({"network_id": net, "name": "School", "institution_number": "654321", "level": "primary"})),
        &[],
    );
    assert_eq!(status, 201, "{school}");
    let (status, user, _) = instances[2].call(
        "POST",
        "/api/v1/users",
        Some(&token),
        Some(&json!({"email": "brugfiguur@multi.example", "display_name": "School", "role": "school", "school_id": school["id"], "password": "correct horse battery staple"})),
        &[],
    );
    assert_eq!(status, 201, "{user}");
    let (_, school_login, _) = instances[0].call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(
            &json!({"email": "brugfiguur@multi.example", "password": "correct horse battery staple"}),
        ),
        &[],
    );
    let (status, changed, _) = instances[1].call(
        "POST",
        "/api/v1/me/password",
        Some(school_login["access_token"].as_str().unwrap()),
        Some(&json!({"current_password": "correct horse battery staple", "new_password": "Zorg-Op-School-Voor-Elk-Kind-2026"})),
        &[],
    );
    assert_eq!(status, 200, "{changed}");
    let school_token = changed["access_token"].as_str().unwrap().to_string();
    let cases = 12;
    std::thread::scope(|s| {
        for i in 0..cases {
            let (inst, t) = (&instances[i % 3], &school_token);
            s.spawn(move || {
                let (status, body, _) = inst.call(
                    "POST",
                    "/api/v1/case-requests",
                    Some(t),
                    Some(&json!({"pupil": {"pseudonym": format!("M{i}")}, "question": "?"})),
                    &[],
                );
                assert_eq!(status, 201, "{body}");
            });
        }
    });
    let got = receiver.wait_for("one delivery per event", |r| r.len() >= cases);
    std::thread::sleep(Duration::from_millis(1500));
    let got_later = receiver.received();
    assert_eq!(got_later.len(), got.len(), "no event delivered twice");
    let deliveries: BTreeSet<String> = got_later
        .iter()
        .map(|r| r.header("x-ke-delivery").to_string())
        .collect();
    let events: BTreeSet<String> = got_later
        .iter()
        .map(|r| r.json()["data"]["case_id"].to_string())
        .collect();
    assert_eq!((deliveries.len(), events.len()), (cases, cases));

    // Audited reads and writes on all three at once keep one chain: each instance inserts its
    // events without a lock, the sealers take turns.
    std::thread::scope(|s| {
        for i in 0..9 {
            let (inst, t) = (&instances[i % 3], &school_token);
            s.spawn(move || {
                for n in 0..10 {
                    let (status, body, _) = inst.call("GET", "/api/v1/cases", Some(t), None, &[]);
                    assert_eq!(status, 200, "{body}");
                    let (status, body, _) = inst.call(
                        "POST",
                        "/api/v1/case-requests",
                        Some(t),
                        Some(
                            &json!({"pupil": {"pseudonym": format!("C{i}-{n}")}, "question": "?"}),
                        ),
                        &[],
                    );
                    assert_eq!(status, 201, "{body}");
                }
            });
        }
    });
    let (status, cp, _) = instances[1].call(
        "POST",
        "/api/v1/audit-events/checkpoints",
        Some(&token),
        Some(&json!({})),
        &[],
    );
    assert_eq!(status, 201, "{cp}");
    let (status, report, _) = instances[2].call(
        "POST",
        "/api/v1/audit-events/verify",
        Some(&token),
        Some(&json!({"checkpoints": [cp]})),
        &[],
    );
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(
        report["checkpoints"][0]["finding"], "consistent",
        "{report}"
    );
    assert!(
        report["events_checked"].as_i64().unwrap() >= 90 * 2,
        "every read and write left its events: {report}"
    );

    // A login throttled on one instance is throttled on the others: the counts are shared.
    let wrong = json!({"email": email, "password": "not the password at all"});
    for i in 0..5 {
        let (status, _, _) =
            instances[i % 2].call("POST", "/api/v1/auth/login", None, Some(&wrong), &[]);
        assert_eq!(status, 401);
    }
    let (status, _, headers) =
        instances[2].call("POST", "/api/v1/auth/login", None, Some(&wrong), &[]);
    assert_eq!(
        status, 429,
        "the third instance knows of the failures on the other two"
    );
    assert!(headers.contains_key("retry-after"));

    drop(instances);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}
