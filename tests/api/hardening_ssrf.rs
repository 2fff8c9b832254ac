//! Webhooks cannot be turned against the service's own network (SSRF): a subscriber URL must
//! point to a public address at registration and at every delivery, and the delivery log does
//! not tell an open port from a closed one.

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use kinderen_eerst::config::Settings;
use serde_json::{Value, json};

use crate::helpers::{TestApp, test_settings};
use crate::partners::field_names;
use crate::referrals::{Fixture, fixture, id_of};
use crate::webhooks::Receiver;

/// What the delivery log says of every attempt without an HTTP answer.
const NO_ANSWER: &str = "no HTTP answer from the receiver";

/// Fast deliveries, one attempt each, with or without private networks.
fn one_attempt(allow_private: bool) -> Settings {
    Settings {
        webhook_poll_interval_ms: 25,
        webhook_timeout_ms: 2_000,
        webhook_max_attempts: 1,
        webhook_allow_private_networks: allow_private,
        ..test_settings()
    }
}

fn subscribe(f: &Fixture, url: &str) -> String {
    let res = f.w.post(
        &f.w.coord,
        "/api/v1/webhooks",
        json!({"url": url, "event_types": ["referral.sent"]}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    id_of(&res.json())
}

/// Sends a referral (one `referral.sent` event) and waits until the delivery to `hook` has
/// failed; returns it.
fn failed_delivery(f: &Fixture, hook: &str) -> Value {
    let start = Instant::now();
    loop {
        let res = f.get(&f.w.coord, &format!("/api/v1/webhooks/{hook}/deliveries"));
        assert_eq!(res.status, 200, "{}", res.text());
        let items = res.json()["items"].clone();
        if items[0]["status"] == "failed" {
            return items[0].clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the delivery never failed: {items}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn send_a_referral(f: &Fixture) {
    f.consent("refer_to_partner", Some(&f.partner));
    let r = id_of(&f.draft());
    f.step(&r, "send");
}

#[test]
fn webhooks_to_loopback_private_link_local_and_metadata_addresses_are_refused() {
    let app = TestApp::spawn_with(one_attempt(false));
    let coord = app.coordinator();
    for url in [
        "http://127.0.0.1:5432/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://192.0.2.1/",
        "http://198.18.0.1/",
        "http://240.0.0.1/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[64:ff9b::7f00:1]/",
        "http://localhost:8080/",
        "http://foo.localhost/",
        "http://LocalHost./",
    ] {
        let res = app.post(
            "/api/v1/webhooks",
            Some(&coord.token),
            &json!({"url": url, "event_types": ["*"]}),
        );
        let p = res.problem(422);
        assert_eq!(field_names(&p), ["url"], "{url}: {p}");
    }
    // A public address is fine; so is a name that does not resolve (yet): every delivery
    // checks it again.
    for url in ["https://1.1.1.1/hook", "https://stad.example/hooks"] {
        let res = app.post(
            "/api/v1/webhooks",
            Some(&coord.token),
            &json!({"url": url, "event_types": ["*"]}),
        );
        assert_eq!(res.status, 201, "{url}: {}", res.text());
    }
    // Changing a subscription's URL is checked the same way.
    let id = app.get("/api/v1/webhooks", Some(&coord.token)).json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app.request(
        "PATCH",
        &format!("/api/v1/webhooks/{id}"),
        Some(&coord.token),
        Some((
            "application/json",
            json!({"url": "http://127.0.0.1/"}).to_string().into_bytes(),
        )),
        &[],
    );
    assert_eq!(field_names(&res.problem(422)), ["url"]);
}

/// A subscription made while private networks were allowed (or a name re-pointed after
/// registration) reaches nothing local once they are not: the delivery checks the address it
/// connects to.
#[test]
fn a_delivery_to_a_loopback_receiver_is_refused_when_private_networks_are_not_allowed() {
    let mut f = fixture();
    f.w.app.restart_with(one_attempt(true));
    let receiver = Receiver::start(&[]);
    let hook = subscribe(&f, &receiver.url);
    let by_name = Receiver::start(&[]);
    let by_name_url = by_name.url.replace("127.0.0.1", "localhost");
    let named = subscribe(&f, &by_name_url);
    f.w.app.restart_with(one_attempt(false));
    send_a_referral(&f);
    for h in [&hook, &named] {
        let d = failed_delivery(&f, h);
        assert_eq!(d["last_error"], NO_ANSWER, "{d}");
        assert_eq!(d["last_status_code"], Value::Null, "{d}");
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(receiver.received().is_empty(), "{:?}", receiver.received());
    assert!(by_name.received().is_empty(), "{:?}", by_name.received());
}

#[test]
fn the_delivery_log_reads_the_same_for_a_closed_port_and_a_port_that_does_not_speak_http() {
    let mut f = fixture();
    f.w.app.restart_with(one_attempt(true));
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let open = TcpListener::bind("127.0.0.1:0").unwrap();
    let open_addr = open.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in open.incoming() {
            let Ok(mut s) = s else { continue };
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n");
        }
    });
    let to_closed = subscribe(&f, &format!("http://{closed}/hook"));
    let to_open = subscribe(&f, &format!("http://{open_addr}/hook"));
    send_a_referral(&f);
    let (a, b) = (
        failed_delivery(&f, &to_closed),
        failed_delivery(&f, &to_open),
    );
    assert_eq!(a["last_error"], NO_ANSWER, "{a}");
    assert_eq!(b["last_error"], a["last_error"], "{b}");
    assert_eq!(a["last_status_code"], Value::Null);
    assert_eq!(b["last_status_code"], Value::Null);
}
