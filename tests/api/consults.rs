//! Consult requests: the lifecycle and its 409s, who sees which request, opening a case.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::TestUser;
use crate::presence::{keys, set};

const CONSULT: [&str; 13] = [
    "id",
    "school",
    "reason",
    "themes",
    "preferred_dates",
    "urgency",
    "status",
    "visit",
    "outcome_note",
    "cancel_reason",
    "case_id",
    "created_at",
    "updated_at",
];

/// The coordinator's view: metadata only, never the school's text or a worker's note.
const CONSULT_METADATA: [&str; 10] = [
    "id",
    "school",
    "themes",
    "preferred_dates",
    "urgency",
    "status",
    "visit",
    "case_id",
    "created_at",
    "updated_at",
];

fn request(w: &World, user: &TestUser) -> Value {
    let soon = (Utc::now().date_naive() + Duration::days(7)).to_string();
    let res = w.post(
        user,
        "/api/v1/consult-requests",
        json!({"reason": "Ouders vragen hulp bij de schoolrekening", "themes": ["school_costs"],
               "preferred_dates": [soon], "urgency": "high"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

fn act(w: &World, user: &TestUser, id: &str, action: &str, body: Value) -> crate::helpers::Resp {
    w.post(
        user,
        &format!("/api/v1/consult-requests/{id}/{action}"),
        body,
    )
}

#[test]
fn a_school_requests_a_consult_and_sees_it_scheduled_then_done() {
    let w = world();
    let c = request(&w, &w.user_a);
    assert_eq!(keys(&c), set(&CONSULT));
    assert_eq!(c["status"], "requested");
    assert_eq!(c["urgency"], "high");
    assert_eq!(c["school"]["id"], w.school_a);
    let id = c["id"].as_str().unwrap();
    let date = (Utc::now().date_naive() + Duration::days(8)).to_string();

    // Completing or opening nothing before it is scheduled.
    let p = act(&w, &w.worker_a, id, "complete", json!({})).problem(409);
    assert_eq!(p["current_state"], "requested");

    let res = act(
        &w,
        &w.worker_a,
        id,
        "schedule",
        json!({"date": date, "start_time": "09:00", "end_time": "10:00"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let seen = w
        .app
        .get(
            &format!("/api/v1/consult-requests/{id}"),
            Some(&w.user_a.token),
        )
        .json();
    assert_eq!(seen["status"], "scheduled");
    assert_eq!(seen["visit"]["date"], date);
    assert_eq!(seen["visit"]["worker"]["id"], w.worker_a.id);

    let res = act(
        &w,
        &w.worker_a,
        id,
        "complete",
        json!({"note": "Gesprek gehad"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["status"], "done");
    for (action, body) in [
        ("complete", json!({})),
        ("cancel", json!({"reason": "te laat"})),
        ("schedule", json!({"date": date})),
    ] {
        let p = act(&w, &w.worker_a, id, action, body).problem(409);
        assert_eq!(p["current_state"], "done", "{action}");
    }
}

#[test]
fn cancelled_consults_stay_cancelled_and_need_a_reason() {
    let w = world();
    let id = request(&w, &w.user_a)["id"].as_str().unwrap().to_string();
    let p = act(&w, &w.user_a, &id, "cancel", json!({})).problem(422);
    assert_eq!(p["errors"][0]["field"], "reason");
    let res = act(&w, &w.user_a, &id, "cancel", json!({"reason": "Opgelost"}));
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["cancel_reason"], "Opgelost");
    let date = (Utc::now().date_naive() + Duration::days(3)).to_string();
    let p = act(&w, &w.worker_a, &id, "schedule", json!({"date": date})).problem(409);
    assert_eq!(p["current_state"], "cancelled");
    let p = act(
        &w,
        &w.worker_a,
        &id,
        "open-case",
        json!({"pupil": {"pseudonym": "3C-11"}}),
    )
    .problem(409);
    assert_eq!(p["current_state"], "cancelled");
}

#[test]
fn scheduling_needs_a_worker_of_that_school() {
    let w = world();
    let id = request(&w, &w.user_a)["id"].as_str().unwrap().to_string();
    let date = (Utc::now().date_naive() + Duration::days(3)).to_string();
    let p = act(
        &w,
        &w.coord,
        &id,
        "schedule",
        json!({"date": date, "worker_id": w.worker_b.id}),
    )
    .problem(422);
    assert_eq!(p["errors"][0]["field"], "worker_id");
    let p = act(&w, &w.coord, &id, "schedule", json!({"date": date})).problem(422);
    assert_eq!(p["errors"][0]["field"], "worker_id");
    let res = act(
        &w,
        &w.coord,
        &id,
        "schedule",
        json!({"date": date, "worker_id": w.worker_a.id}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    // Worker B does not reach school A's request at all; a school cannot schedule.
    act(&w, &w.worker_b, &id, "schedule", json!({"date": date})).problem(404);
    act(&w, &w.user_a, &id, "schedule", json!({"date": date})).problem(403);
}

#[test]
fn a_consult_opens_a_case_once_and_links_to_it() {
    let w = world();
    let id = request(&w, &w.user_a)["id"].as_str().unwrap().to_string();
    let body = json!({"pupil": {"pseudonym": "3C-11", "birth_year": 2017}});
    act(&w, &w.worker_b, &id, "open-case", body.clone()).problem(404);
    act(&w, &w.user_a, &id, "open-case", body.clone()).problem(403);
    let res = act(&w, &w.worker_a, &id, "open-case", body.clone());
    assert_eq!(res.status, 201, "{}", res.text());
    let case = res.json();
    assert_eq!(case["origin"], "school_request");
    assert_eq!(case["themes"], json!(["school_costs"]));
    assert_eq!(case["question"], "Ouders vragen hulp bij de schoolrekening");
    assert_eq!(case["lead_worker"]["id"], w.worker_a.id);
    let consult = w
        .app
        .get(
            &format!("/api/v1/consult-requests/{id}"),
            Some(&w.worker_a.token),
        )
        .json();
    assert_eq!(consult["case_id"], case["id"]);
    let p = act(&w, &w.worker_a, &id, "open-case", body).problem(409);
    assert_eq!(p["current_state"], "requested");
    // The school sees the case it asked about in its own view.
    let res = w.app.get(
        &format!("/api/v1/cases/{}", case["id"].as_str().unwrap()),
        Some(&w.user_a.token),
    );
    assert_eq!(res.status, 200, "{}", res.text());
}

#[test]
fn each_role_sees_only_the_consult_requests_it_may() {
    let w = world();
    let a = request(&w, &w.user_a)["id"].as_str().unwrap().to_string();
    let b = request(&w, &w.user_b)["id"].as_str().unwrap().to_string();
    let listed = |user: &TestUser| {
        let res = w.app.get("/api/v1/consult-requests", Some(&user.token));
        assert_eq!(res.status, 200, "{}", res.text());
        let page = res.json();
        assert_eq!(keys(&page), set(&["items", "next_cursor"]));
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let expected = if user.id == w.coord.id {
                    set(&CONSULT_METADATA)
                } else {
                    set(&CONSULT)
                };
                assert_eq!(keys(c), expected);
                c["id"].as_str().unwrap().to_string()
            })
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(listed(&w.coord), set(&[&a, &b]));
    assert_eq!(listed(&w.worker_a), set(&[&a]));
    assert_eq!(listed(&w.worker_b), set(&[&b]));
    assert_eq!(listed(&w.user_a), set(&[&a]));
    assert_eq!(listed(&w.user_b), set(&[&b]));
    let get = |user: &TestUser, id: &str| {
        w.app
            .get(&format!("/api/v1/consult-requests/{id}"), Some(&user.token))
            .status
    };
    assert_eq!(get(&w.user_a, &b), 404);
    assert_eq!(get(&w.worker_a, &b), 404);
    assert_eq!(get(&w.coord, &b), 200);
    // Only schools ask; bad input names the field.
    w.post(
        &w.worker_a,
        "/api/v1/consult-requests",
        json!({"reason": "x"}),
    )
    .problem(403);
    let p = w
        .post(
            &w.user_a,
            "/api/v1/consult-requests",
            json!({"reason": "x", "themes": ["nonsense"]}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "themes[0]");
    let p = w
        .post(
            &w.user_a,
            "/api/v1/consult-requests",
            json!({"reason": "x", "urgency": "yesterday"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "urgency");
}

#[test]
fn the_coordinator_sees_a_consult_requests_metadata_never_its_reason_or_notes() {
    // Issue 17: the coordinator read a request's `reason` word for word, with a full name.
    let w = world();
    let id = request(&w, &w.user_a)["id"].as_str().unwrap().to_string();
    let date = (Utc::now().date_naive() + Duration::days(3)).to_string();
    let res = act(
        &w,
        &w.coord,
        &id,
        "schedule",
        json!({"date": date, "start_time": "09:00", "worker_id": w.worker_a.id}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        keys(&res.json()),
        set(&CONSULT_METADATA),
        "the coordinator's answer to its own step"
    );
    let res = act(
        &w,
        &w.worker_a,
        &id,
        "complete",
        json!({"note": "Twee gezinnen doorverwezen."}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let other = request(&w, &w.user_b)["id"].as_str().unwrap().to_string();
    let res = act(
        &w,
        &w.coord,
        &other,
        "cancel",
        json!({"reason": "Dubbel gevraagd"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let never = ["reason", "outcome_note", "cancel_reason"];

    let detail = w.app.get(
        &format!("/api/v1/consult-requests/{id}"),
        Some(&w.coord.token),
    );
    assert_eq!(detail.status, 200, "{}", detail.text());
    let c = detail.json();
    assert_eq!(keys(&c), set(&CONSULT_METADATA));
    assert_eq!(c["status"], "done");
    assert_eq!(c["visit"]["worker"]["id"], w.worker_a.id);
    assert_eq!(c["themes"], json!(["school_costs"]));
    assert_eq!(c["urgency"], "high");
    let text = detail.text();
    assert!(
        !text.contains("schoolrekening") && !text.contains("doorverwezen"),
        "{text}"
    );

    let list = w.app.get("/api/v1/consult-requests", Some(&w.coord.token));
    assert!(!list.text().contains("schoolrekening") && !list.text().contains("Dubbel"));
    for item in list.json()["items"].as_array().unwrap() {
        for k in never {
            assert!(
                item.get(k).is_none(),
                "{k} in the coordinator's list: {item}"
            );
        }
    }
    // The school and its worker keep the full view.
    for user in [&w.user_a, &w.worker_a] {
        let c = w
            .app
            .get(&format!("/api/v1/consult-requests/{id}"), Some(&user.token))
            .json();
        assert_eq!(keys(&c), set(&CONSULT));
        assert_eq!(c["outcome_note"], "Twee gezinnen doorverwezen.");
    }
}
