//! OWASP API4:2023 Unrestricted Resource Consumption: bodies are capped (413), pages are capped
//! (`limit` above 200 is 422 on every list in the OpenAPI document, 1000 on the event feed), and a client that is slow
//! to send its head or its body is cut off after `REQUEST_TIMEOUT_SECONDS` (408). Login
//! throttling is in `owasp_api2_broken_authentication.rs`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kinderen_eerst::domain::Role;
use serde_json::json;

use crate::cases::world;
use crate::helpers::{TestApp, test_settings};

#[test]
fn api4_bodies_above_the_limit_are_413_everywhere() {
    let mut settings = test_settings();
    settings.max_body_bytes = 4096;
    let w = crate::cases::world_with(settings);
    let big = json!({"school_id": w.school_a, "origin": "parent", "pupil": {"pseudonym": "x"}, "question": "a".repeat(8192)});
    let bytes = big.to_string().into_bytes();
    let token = w.worker_a.token.clone();
    // A JSON body, with and without an Idempotency-Key (the key's middleware reads the body).
    for headers in [vec![], vec![("idempotency-key", "big-1")]] {
        let res = w.app.request(
            "POST",
            "/api/v1/cases",
            Some(&token),
            Some(("application/json", bytes.clone())),
            &headers,
        );
        res.problem(413);
    }
    // The login, before any authentication.
    let res = w.app.request(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(("application/json", bytes.clone())),
        &[],
    );
    res.problem(413);
    // A CSV import (read as raw bytes).
    let csv = format!("name,institution_number\n{}", "x,1\n".repeat(4096));
    let res = w.app.request(
        "POST",
        "/api/v1/schools/import",
        Some(&w.coord.token),
        Some(("text/csv", csv.into_bytes())),
        &[],
    );
    res.problem(413);
}

#[test]
fn api4_limit_above_200_is_422_on_every_list() {
    let w = world();
    let case = w.case_by_worker("parent");
    let doc = kinderen_eerst::openapi::document();
    let doc = serde_json::to_value(&doc).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let takes_limit = get["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "limit"));
        if !takes_limit {
            continue;
        }
        // Pages of people-facing lists stop at 200; the event feed (a machine polling
        // ids and statuses, no personal data) documents 1000.
        let cap = if path == "/api/v1/events" { 1000 } else { 200 };
        let path = path.replace("{id}", case["id"].as_str().unwrap());
        // The first role that may read the list at all.
        let caller = [&w.coord, &w.worker_a, &w.user_a]
            .into_iter()
            .find(|u| w.app.get(&path, Some(&u.token)).status == 200);
        let Some(caller) = caller else {
            // Webhook deliveries need a webhook id; their cap is the same extractor.
            assert!(path.contains("/webhooks/"), "nobody may read {path}");
            continue;
        };
        let ok = w
            .app
            .get(&format!("{path}?limit={cap}"), Some(&caller.token));
        assert_eq!(ok.status, 200, "{path}?limit={cap}: {}", ok.text());
        for bad in [
            (cap + 1).to_string(),
            "100000".into(),
            "0".into(),
            "-1".into(),
        ] {
            let res = w
                .app
                .get(&format!("{path}?limit={bad}"), Some(&caller.token));
            let p = res.problem(422);
            assert_eq!(p["errors"][0]["field"], "limit", "{path}?limit={bad}: {p}");
        }
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} lists checked");
}

fn read_all(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn api4_a_client_slow_to_send_its_head_or_body_is_cut_off() {
    let mut settings = test_settings();
    settings.request_timeout_seconds = 1;
    let app = TestApp::spawn_with(settings);

    // Slow loris: half a request head, then nothing.
    let started = Instant::now();
    let mut s = TcpStream::connect(&app.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let answer = read_all(&mut s);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A body that never arrives in full.
    let started = Instant::now();
    let mut s = TcpStream::connect(&app.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"email\": ",
    )
    .unwrap();
    let answer = read_all(&mut s);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A normal client is not affected.
    assert_eq!(app.get("/healthz", None).status, 200);
    let user = app.user(Role::SocialWorker, None);
    assert_eq!(app.get("/api/v1/me", Some(&user.token)).status, 200);
}
