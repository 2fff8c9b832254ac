//! Events and webhooks: the outbox stream, subscriptions, and delivery to a real HTTP receiver on
//! loopback — signed, retried, exactly once per delivery id, across a restart.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kinderen_eerst::config::Settings;
use serde_json::{Value, json};

use crate::helpers::test_settings;
use crate::referrals::{Fixture, fixture, id_of};

/// A request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: Vec<u8>,
    pub(crate) answered: u16,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A tiny HTTP receiver on 127.0.0.1 that records every request and answers with the next
/// scripted status (200 once the script is used up).
pub(crate) struct Receiver {
    pub(crate) url: String,
    log: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub(crate) fn start(script: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(
            script.iter().copied().collect::<VecDeque<u16>>(),
        ));
        let (l, s) = (log.clone(), script);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let Some((headers, body)) = read_request(&mut stream) else {
                    continue;
                };
                let status = s.lock().unwrap().pop_front().unwrap_or(200);
                l.lock().unwrap().push(Received {
                    headers,
                    body,
                    answered: status,
                });
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Receiver { url, log }
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was received (or fails after 20 s).
    #[track_caller]
    pub(crate) fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if done(&got) {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}; got {got:#?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<(HashMap<String, String>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, body))
}

/// Fast retries, so a test takes well under a second per attempt.
fn fast(retry_base_ms: u64, max_attempts: u32) -> Settings {
    Settings {
        webhook_poll_interval_ms: 25,
        webhook_timeout_ms: 2_000,
        webhook_retry_base_ms: retry_base_ms,
        webhook_retry_max_ms: 2_000,
        webhook_max_attempts: max_attempts,
        ..test_settings()
    }
}

fn subscribe(f: &Fixture, url: &str, types: Value, secret: &str) -> String {
    let res = f.w.post(
        &f.w.coord,
        "/api/v1/webhooks",
        json!({"url": url, "event_types": types, "secret": secret, "description": "test receiver"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let v = res.json();
    assert_eq!(v["secret"], secret);
    id_of(&v)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Checks `X-KE-Signature` with the secret, independently of the service's own signing code.
#[track_caller]
fn assert_signed(r: &Received, secret: &str) {
    use aws_lc_rs::hmac;
    let ts = r.header("x-ke-timestamp");
    let now = chrono::Utc::now().timestamp();
    let t: i64 = ts.parse().expect("a unix timestamp");
    assert!((now - t).abs() < 60, "timestamp {ts} is not recent");
    let sig = r
        .header("x-ke-signature")
        .strip_prefix("sha256=")
        .expect("sha256= prefix");
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut msg = ts.as_bytes().to_vec();
    msg.push(b'.');
    msg.extend_from_slice(&r.body);
    hmac::verify(&key, &msg, &unhex(sig)).expect("the signature verifies with the secret");
    let wrong = hmac::Key::new(hmac::HMAC_SHA256, b"another secret entirely");
    assert!(hmac::verify(&wrong, &msg, &unhex(sig)).is_err());
}

fn deliveries(f: &Fixture, hook: &str) -> Vec<Value> {
    let res = f.get(&f.w.coord, &format!("/api/v1/webhooks/{hook}/deliveries"));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"].as_array().unwrap().clone()
}

#[test]
fn the_coordinator_manages_webhook_subscriptions_and_the_secret_is_shown_once() {
    let f = fixture();
    let res = f.w.post(
        &f.w.coord,
        "/api/v1/webhooks",
        json!({"url": "https://stad.example/hooks", "event_types": ["referral.sent", "case.opened"]}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    assert!(
        res.header("location")
            .unwrap()
            .starts_with("/api/v1/webhooks/")
    );
    let created = res.json();
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 64, "a generated secret");
    let id = id_of(&created);
    let path = format!("/api/v1/webhooks/{id}");
    let read = f.get(&f.w.coord, &path).json();
    assert!(read.get("secret").is_none(), "{read}");
    assert_eq!(read["event_types"], json!(["referral.sent", "case.opened"]));
    assert_eq!(read["active"], true);
    let list = f.get(&f.w.coord, "/api/v1/webhooks").json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("secret").is_none());

    let patch = |body: Value| {
        f.w.app.request(
            "PATCH",
            &path,
            Some(&f.w.coord.token),
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        )
    };
    let res = patch(json!({"active": false, "secret": "a-new-secret-of-enough-length"}));
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["active"], false);
    assert!(res.json().get("secret").is_none());

    let fields = |p: &Value| -> BTreeSet<String> {
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    };
    let p = f
        .w
        .post(
            &f.w.coord,
            "/api/v1/webhooks",
            json!({"url": "ftp://stad.example/x", "event_types": ["referral.lost"], "secret": "short"}),
        )
        .problem(422);
    assert_eq!(
        fields(&p),
        BTreeSet::from(["secret".to_string()]),
        "validation rules first: {p}"
    );
    let p =
        f.w.post(
            &f.w.coord,
            "/api/v1/webhooks",
            json!({"url": "ftp://stad.example/x", "event_types": ["referral.lost"]}),
        )
        .problem(422);
    assert_eq!(
        fields(&p),
        BTreeSet::from(["url".into(), "event_types[0]".into()])
    );
    let p =
        f.w.post(
            &f.w.coord,
            "/api/v1/webhooks",
            json!({"url": "not a url", "event_types": []}),
        )
        .problem(422);
    // Both limits the document states are named at once.
    assert_eq!(
        fields(&p),
        BTreeSet::from(["url".into(), "event_types".into()])
    );
    let p = patch(json!({"event_types": []})).problem(422);
    assert_eq!(fields(&p), BTreeSet::from(["event_types".into()]));

    for u in [&f.w.worker_a, &f.w.user_a] {
        f.get(u, "/api/v1/webhooks").problem(403);
        f.get(u, &path).problem(403);
        f.get(u, &format!("{path}/deliveries")).problem(403);
        f.w.post(
            u,
            "/api/v1/webhooks",
            json!({"url": "https://x.example", "event_types": ["*"]}),
        )
        .problem(403);
    }
    let del = |p: &str| {
        f.w.app
            .request("DELETE", p, Some(&f.w.coord.token), None, &[])
    };
    assert_eq!(del(&path).status, 204);
    del(&path).problem(404);
    f.get(&f.w.coord, &path).problem(404);
}

#[test]
fn a_receiver_gets_each_event_signed_and_exactly_once_per_delivery_id() {
    let mut f = fixture();
    f.w.app.restart_with(fast(50, 5));
    let receiver = Receiver::start(&[]);
    let secret = "the-city-shares-this-secret-0123";
    let hook = subscribe(&f, &receiver.url, json!(["*"]), secret);
    let referrals_only = Receiver::start(&[]);
    subscribe(
        &f,
        &referrals_only.url,
        json!(["referral.accepted", "referral.completed"]),
        "another-secret-for-receiver-two",
    );
    f.consent("refer_to_partner", Some(&f.partner));
    let r = id_of(&f.draft());
    for step in ["send", "accept", "complete"] {
        f.step(&r, step);
    }
    let got = receiver.wait_for("three events", |g| g.len() >= 3);
    let two = referrals_only.wait_for("two events", |g| g.len() >= 2);
    // Give a duplicate the chance to show up.
    std::thread::sleep(Duration::from_millis(300));
    let got_after = receiver.received();
    assert_eq!(got_after.len(), 3, "exactly once each: {got_after:#?}");
    assert_eq!(referrals_only.received().len(), 2);

    let mut by_delivery = BTreeMap::new();
    for g in &got {
        assert_signed(g, secret);
        assert_eq!(g.header("content-type"), "application/json");
        let body = g.json();
        assert_eq!(g.header("x-ke-event"), body["type"].as_str().unwrap());
        assert_eq!(body["data"]["referral_id"], r.as_str());
        by_delivery.insert(g.header("x-ke-delivery").to_string(), body["type"].clone());
    }
    assert_eq!(by_delivery.len(), 3, "one delivery id per event");
    let types: BTreeSet<String> = by_delivery
        .values()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "referral.sent".into(),
            "referral.accepted".into(),
            "referral.completed".into()
        ])
    );
    let two_types: Vec<&str> = two.iter().map(|g| g.header("x-ke-event")).collect();
    assert_eq!(two_types, ["referral.accepted", "referral.completed"]);

    // The delivery log agrees: each delivered at the first attempt, under the same id.
    let log = deliveries(&f, &hook);
    assert_eq!(log.len(), 3);
    for d in &log {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["last_status_code"], 200);
        assert!(by_delivery.contains_key(d["id"].as_str().unwrap()));
    }
}

#[test]
fn a_receiver_answering_500_three_times_still_gets_the_event_once_it_recovers() {
    let mut f = fixture();
    f.w.app.restart_with(fast(40, 6));
    let receiver = Receiver::start(&[500, 500, 500]);
    let secret = "retry-secret-0123456789abcdef";
    let hook = subscribe(&f, &receiver.url, json!(["referral.sent"]), secret);
    f.consent("refer_to_partner", Some(&f.partner));
    let r = id_of(&f.draft());
    f.step(&r, "send");
    let got = receiver.wait_for("a 200 after three 500s", |g| {
        g.iter().any(|x| x.answered == 200)
    });
    std::thread::sleep(Duration::from_millis(300));
    let got = {
        let after = receiver.received();
        assert_eq!(after.len(), got.len(), "nothing after the success");
        after
    };
    let answers: Vec<u16> = got.iter().map(|g| g.answered).collect();
    assert_eq!(answers, [500, 500, 500, 200]);
    let ids: BTreeSet<&str> = got.iter().map(|g| g.header("x-ke-delivery")).collect();
    assert_eq!(ids.len(), 1, "every retry carries the same delivery id");
    for g in &got {
        assert_signed(g, secret);
    }
    // The waits grow: 40, 80, 160 ms at least (exponential backoff).
    let log = deliveries(&f, &hook);
    assert_eq!(log.len(), 1);
    let d = &log[0];
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 4);
    assert_eq!(d["last_status_code"], 200);
    assert_eq!(d["id"], *ids.iter().next().unwrap());
    assert!(d["delivered_at"].is_string());
}

#[test]
fn a_delivery_that_keeps_failing_is_given_up_after_the_last_attempt() {
    let mut f = fixture();
    f.w.app.restart_with(fast(20, 3));
    let receiver = Receiver::start(&[503, 503, 503, 503, 503]);
    let hook = subscribe(
        &f,
        &receiver.url,
        json!(["referral.sent"]),
        "give-up-secret-0123456789",
    );
    f.consent("refer_to_partner", Some(&f.partner));
    let r = id_of(&f.draft());
    f.step(&r, "send");
    receiver.wait_for("three attempts", |g| g.len() >= 3);
    let start = Instant::now();
    let d = loop {
        let log = deliveries(&f, &hook);
        if log[0]["status"] == "failed" || start.elapsed() > Duration::from_secs(10) {
            break log[0].clone();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(d["status"], "failed", "{d}");
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["last_status_code"], 503);
    assert!(d["last_error"].as_str().unwrap().contains("503"));
    assert_eq!(d["next_attempt_at"], Value::Null);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(receiver.received().len(), 3);
}

#[test]
fn a_restart_of_the_service_mid_retry_loses_nothing_and_keeps_the_delivery_id() {
    let mut f = fixture();
    // A long first wait, so the restart falls between two attempts.
    f.w.app.restart_with(fast(600, 6));
    let receiver = Receiver::start(&[500]);
    let secret = "restart-secret-0123456789abcdef";
    let hook = subscribe(&f, &receiver.url, json!(["*"]), secret);
    f.consent("refer_to_partner", Some(&f.partner));
    let r = id_of(&f.draft());
    f.step(&r, "send");
    let first = receiver.wait_for("the first (failed) attempt", |g| !g.is_empty());
    assert_eq!(first[0].answered, 500);
    let delivery = first[0].header("x-ke-delivery").to_string();

    // Stop the service and start a new one on the same database, as a redeploy does; then
    // record one more change.
    f.w.app.restart_with(fast(600, 6));
    f.step(&r, "accept");
    let got = receiver.wait_for("both events delivered", |g| {
        g.iter().filter(|x| x.answered == 200).count() >= 2
    });
    std::thread::sleep(Duration::from_millis(300));
    let got_after = receiver.received();
    assert_eq!(got_after.len(), got.len(), "no duplicates after success");
    let sent: Vec<&Received> = got_after
        .iter()
        .filter(|g| g.header("x-ke-event") == "referral.sent")
        .collect();
    assert_eq!(
        sent.len(),
        2,
        "one failed attempt before the restart, one after"
    );
    assert!(sent.iter().all(|g| g.header("x-ke-delivery") == delivery));
    assert_eq!(sent.iter().filter(|g| g.answered == 200).count(), 1);
    for g in &got_after {
        assert_signed(g, secret);
    }
    let log = deliveries(&f, &hook);
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|d| d["status"] == "delivered"), "{log:?}");
    let resumed = log.iter().find(|d| d["id"] == delivery.as_str()).unwrap();
    assert_eq!(resumed["attempts"], 2);
}
