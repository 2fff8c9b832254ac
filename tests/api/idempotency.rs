//! Idempotency-Key: a retried creation creates once and answers the same, also when retries race.

use std::collections::BTreeSet;

use diesel::prelude::*;
use kinderen_eerst::db::schema::cases;
use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::{Resp, TestUser};

fn create(w: &World, user: &TestUser, key: &str, body: &Value) -> Resp {
    w.app.request(
        "POST",
        "/api/v1/cases",
        Some(&user.token),
        Some(("application/json", body.to_string().into_bytes())),
        &[("idempotency-key", key)],
    )
}

fn body(w: &World, pseudonym: &str) -> Value {
    json!({"school_id": w.school_a, "origin": "parent", "pupil": {"pseudonym": pseudonym}})
}

fn case_count(w: &World) -> i64 {
    cases::table.count().get_result(&mut w.app.conn()).unwrap()
}

#[test]
fn a_retry_with_the_same_key_creates_once_and_gets_the_same_answer() {
    let w = world();
    let first = create(&w, &w.worker_a, "key-1", &body(&w, "A"));
    assert_eq!(first.status, 201, "{}", first.text());
    let again = create(&w, &w.worker_a, "key-1", &body(&w, "A"));
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(case_count(&w), 1);
    // Another key creates another case; the same key of another user is another key.
    assert_eq!(create(&w, &w.worker_a, "key-2", &body(&w, "A")).status, 201);
    let colleague = w.app.user(kinderen_eerst::domain::Role::SocialWorker, None);
    w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": colleague.id, "school_id": w.school_a, "mode": "consult", "valid_from": "2020-01-01"}),
    );
    assert_eq!(create(&w, &colleague, "key-1", &body(&w, "A")).status, 201);
    assert_eq!(case_count(&w), 3);
}

#[test]
fn the_same_key_with_another_body_is_422_and_creates_nothing() {
    let w = world();
    assert_eq!(create(&w, &w.worker_a, "k", &body(&w, "A")).status, 201);
    let p = create(&w, &w.worker_a, "k", &body(&w, "B")).problem(422);
    assert_eq!(p["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(case_count(&w), 1);
    let p = create(&w, &w.worker_a, &"x".repeat(300), &body(&w, "A")).problem(422);
    assert_eq!(p["errors"][0]["field"], "Idempotency-Key");
    // A refused request is answered the same way again, and still creates nothing.
    let bad = json!({"school_id": w.school_b, "origin": "parent", "pupil": {"pseudonym": "x"}});
    create(&w, &w.worker_a, "bad", &bad).problem(422);
    create(&w, &w.worker_a, "bad", &bad).problem(422);
    assert_eq!(case_count(&w), 1);
}

#[test]
fn concurrent_retries_with_one_key_create_one_case() {
    let w = world();
    let b = body(&w, "race");
    let ids: BTreeSet<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..12)
            .map(|_| {
                s.spawn(|| {
                    let res = create(&w, &w.worker_a, "race-key", &b);
                    assert_eq!(res.status, 201, "{}", res.text());
                    res.json()["id"].as_str().unwrap().to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(case_count(&w), 1);
}

/// A first request that died (its process killed, its database gone) leaves its claim behind.
/// If it wrote nothing, a retry takes the key over once the claim is stale; if its write
/// committed (recorded in the write's own transaction), a retry never writes again.
#[test]
fn a_stale_claim_is_taken_over_only_when_its_request_wrote_nothing() {
    use kinderen_eerst::db::schema::idempotency_keys as k;
    let mut settings = crate::helpers::test_settings();
    settings.idempotency_stale_seconds = 1;
    let w = crate::cases::world_with(settings);
    let long_ago = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(5);
    let claim = |key: &str, status: Option<i32>| {
        let path = "/api/v1/cases";
        let b = body(&w, key);
        let mut fp = format!("POST {path}\n").into_bytes();
        fp.extend_from_slice(b.to_string().as_bytes());
        diesel::insert_into(k::table)
            .values((
                k::user_id.eq(&w.worker_a.id),
                k::key.eq(key),
                k::request_hash.eq(kinderen_eerst::domain::sha256_hex(&fp)),
                k::status.eq(status),
                k::created_at.eq(long_ago),
                k::expires_at.eq(long_ago + chrono::Duration::hours(24)),
            ))
            .execute(&mut w.app.conn())
            .unwrap();
    };
    claim("died-before-writing", None);
    let res = create(
        &w,
        &w.worker_a,
        "died-before-writing",
        &body(&w, "died-before-writing"),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    claim("died-after-writing", Some(0));
    let started = std::time::Instant::now();
    let res = create(
        &w,
        &w.worker_a,
        "died-after-writing",
        &body(&w, "died-after-writing"),
    );
    let p = res.problem(409);
    assert_eq!(p["code"], "idempotency_answer_lost", "{p}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(case_count(&w), 1);
}
