//! Moderated agenda items: a school's item reaches the network's other schools only once a
//! worker of the network or the coordinator releases it; who sees which item in which state,
//! who may take which step, and that each step is audited.

use std::collections::BTreeSet;

use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::{Resp, TestUser};
use crate::meetings::network_of;

const ITEM: [&str; 12] = [
    "id",
    "meeting_id",
    "position",
    "title",
    "theme",
    "description",
    "school_id",
    "status",
    "author",
    "created_at",
    "updated_at",
    "return_reason",
];

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// A meeting of the network of schools A and B, planned by the coordinator.
fn meeting(w: &World) -> String {
    let net = network_of(w, &w.school_a);
    let res = w.post(
        &w.coord,
        "/api/v1/meetings",
        json!({"network_id": net, "title": "Netwerkmoment", "date": "2026-12-08",
               "invited_schools": [w.school_a, w.school_b]}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_string()
}

fn add(w: &World, by: &TestUser, meeting: &str, title: &str) -> Value {
    let res = w.post(
        by,
        &format!("/api/v1/meetings/{meeting}/agenda-items"),
        json!({"title": title, "description": "Meerdere gezinnen kunnen de bosklassen niet betalen."}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

fn step(w: &World, by: &TestUser, item: &str, action: &str, body: Option<Value>) -> Resp {
    w.post(
        by,
        &format!("/api/v1/agenda-items/{item}/{action}"),
        body.unwrap_or(json!({})),
    )
}

fn patch(w: &World, by: &TestUser, item: &str, body: Value, headers: &[(&str, &str)]) -> Resp {
    w.app.request(
        "PATCH",
        &format!("/api/v1/agenda-items/{item}"),
        Some(&by.token),
        Some(("application/json", body.to_string().into_bytes())),
        headers,
    )
}

/// The agenda of the meeting as `user` sees it: (item id, status, has a return reason).
fn agenda(w: &World, user: &TestUser, meeting: &str) -> Vec<(String, String, bool)> {
    let res = w
        .app
        .get(&format!("/api/v1/meetings/{meeting}"), Some(&user.token));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["status"].as_str().unwrap().to_string(),
                a.get("return_reason").is_some(),
            )
        })
        .collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[test]
fn another_school_reads_a_schools_agenda_item_only_once_it_is_released() {
    // Issue 17's scenario: a school posted an item and another school of the network read it
    // at once. Now the other school sees it only after a worker releases it.
    let w = world();
    let m = meeting(&w);
    let item = add(&w, &w.user_a, &m, "Verblijfspapieren: wie kan helpen?");
    assert_eq!(item["status"], "proposed");
    assert_eq!(item["school_id"], w.school_a.as_str());
    let item_id = id(&item);
    let path = format!("/api/v1/agenda-items/{item_id}");

    w.app.get(&path, Some(&w.user_b.token)).problem(404);
    assert!(agenda(&w, &w.user_b, &m).is_empty());
    for user in [&w.user_a, &w.worker_a, &w.worker_b, &w.coord] {
        let res = w.app.get(&path, Some(&user.token));
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "proposed");
        assert_eq!(agenda(&w, user, &m).len(), 1);
    }

    let res = step(&w, &w.worker_b, &item_id, "release", None);
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["status"], "released");
    let seen = w.app.get(&path, Some(&w.user_b.token));
    assert_eq!(seen.status, 200, "{}", seen.text());
    assert_eq!(
        agenda(&w, &w.user_b, &m),
        [(item_id.clone(), "released".to_string(), false)]
    );
}

#[test]
fn items_of_workers_and_the_coordinator_are_released_at_once() {
    let w = world();
    let m = meeting(&w);
    for by in [&w.worker_a, &w.coord] {
        let item = add(&w, by, &m, "Aanbod CAW");
        assert_eq!(item["status"], "released");
    }
    assert_eq!(agenda(&w, &w.user_b, &m).len(), 2);
}

/// Items of school A in each state: (label, item id). The released one was returned once, so
/// it carries a return reason.
fn items_in_every_state(w: &World, m: &str) -> Vec<(&'static str, String)> {
    let proposed = id(&add(w, &w.user_a, m, "Voorstel"));
    let returned = id(&add(w, &w.user_a, m, "Teruggestuurd"));
    let r = step(
        w,
        &w.worker_a,
        &returned,
        "return",
        Some(json!({"reason": "Graag minder details over de klas."})),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["return_reason"],
        "Graag minder details over de klas."
    );
    let released = id(&add(w, &w.user_a, m, "Vrijgegeven"));
    assert_eq!(
        step(
            w,
            &w.coord,
            &released,
            "return",
            Some(json!({"reason": "Zonder de klas."}))
        )
        .status,
        200
    );
    let edited = patch(
        w,
        &w.user_a,
        &released,
        json!({"description": "Een gezin zoekt hulp."}),
        &[],
    );
    assert_eq!(edited.status, 200, "{}", edited.text());
    assert_eq!(
        edited.json()["status"],
        "proposed",
        "an edited returned item is proposed again"
    );
    assert_eq!(step(w, &w.worker_b, &released, "release", None).status, 200);
    let withdrawn = id(&add(w, &w.user_a, m, "Ingetrokken"));
    assert_eq!(
        step(w, &w.worker_a, &withdrawn, "release", None).status,
        200
    );
    assert_eq!(step(w, &w.coord, &withdrawn, "withdraw", None).status, 200);
    let own_withdrawn = id(&add(w, &w.user_a, m, "Zelf ingetrokken"));
    let res = step(w, &w.user_a, &own_withdrawn, "withdraw", None);
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["status"], "withdrawn");
    vec![
        ("proposed", proposed),
        ("returned", returned),
        ("released", released),
        ("withdrawn", withdrawn),
        ("withdrawn", own_withdrawn),
    ]
}

#[test]
fn agenda_items_authorization_matrix() {
    let w = world();
    let m = meeting(&w);
    let items = items_in_every_state(&w, &m);
    // A social worker of no school of the network.
    let outsider = w.app.user(Role::SocialWorker, None);
    // (viewer, sees proposed, returned, released, withdrawn; reads return reasons)
    let rows: [(&str, &TestUser, [bool; 4], bool); 6] = [
        ("coordinator", &w.coord, [true, true, true, true], true),
        ("worker of A", &w.worker_a, [true, true, true, true], true),
        ("worker of B", &w.worker_b, [true, true, true, true], true),
        (
            "worker elsewhere",
            &outsider,
            [false, false, true, false],
            false,
        ),
        ("school A (own)", &w.user_a, [true, true, true, false], true),
        (
            "school B (other)",
            &w.user_b,
            [false, false, true, false],
            false,
        ),
    ];
    let state_index = |s: &str| {
        ["proposed", "returned", "released", "withdrawn"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    for (who, user, sees, reads_reason) in rows {
        let listed = agenda(&w, user, &m);
        for (state, item) in &items {
            let visible = sees[state_index(state)];
            let res = w
                .app
                .get(&format!("/api/v1/agenda-items/{item}"), Some(&user.token));
            assert_eq!(
                res.status,
                if visible { 200 } else { 404 },
                "{who} reading a {state} item: {}",
                res.text()
            );
            let in_list = listed.iter().find(|(i, ..)| i == item);
            assert_eq!(
                in_list.is_some(),
                visible,
                "{who}: {state} item in the agenda"
            );
            if visible {
                let body = res.json();
                assert_eq!(body["status"], *state, "{who}");
                let mut expected: BTreeSet<String> = ITEM.iter().map(|s| s.to_string()).collect();
                let has_reason = reads_reason && (*state == "returned" || *state == "released");
                if !has_reason {
                    expected.remove("return_reason");
                }
                assert_eq!(keys(&body), expected, "{who}: keys of a {state} item");
                assert_eq!(in_list.unwrap().2, has_reason, "{who}: reason in the list");
            }
        }
        // Positions are numbered among the items the caller sees: no gap betrays a hidden one.
        let res = w
            .app
            .get(&format!("/api/v1/meetings/{m}"), Some(&user.token));
        let positions: Vec<i64> = res.json()["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["position"].as_i64().unwrap())
            .collect();
        assert_eq!(
            positions,
            (1..=positions.len() as i64).collect::<Vec<_>>(),
            "{who}"
        );
    }
}

#[test]
fn agenda_steps_are_refused_to_the_wrong_role_and_from_the_wrong_state() {
    let w = world();
    let m = meeting(&w);
    let item = id(&add(&w, &w.user_a, &m, "Voorstel"));
    let outsider = w.app.user(Role::SocialWorker, None);

    // Schools do not moderate; a worker of another network does not see a proposed item.
    step(&w, &w.user_a, &item, "release", None).problem(403);
    step(&w, &w.user_b, &item, "release", None).problem(403);
    step(&w, &outsider, &item, "release", None).problem(404);
    step(&w, &w.user_b, &item, "withdraw", None).problem(404);
    patch(&w, &w.user_b, &item, json!({"title": "x"}), &[]).problem(404);
    // Moderators withdraw released items; a proposed one is returned instead.
    let p = step(&w, &w.worker_a, &item, "withdraw", None).problem(409);
    assert_eq!(p["current_state"], "proposed");
    // Someone else's text is the author's to change.
    patch(&w, &w.worker_a, &item, json!({"title": "x"}), &[]).problem(403);
    step(
        &w,
        &w.worker_a,
        &item,
        "return",
        Some(json!({"reason": " "})),
    )
    .problem(422);

    // A stale If-Match is 412.
    let res = w.app.get(
        &format!("/api/v1/agenda-items/{item}"),
        Some(&w.user_a.token),
    );
    let tag = res.header("etag").unwrap().to_string();
    assert_eq!(
        patch(
            &w,
            &w.user_a,
            &item,
            json!({"title": "Voorstel 2"}),
            &[("if-match", &tag)]
        )
        .status,
        200
    );
    patch(
        &w,
        &w.user_a,
        &item,
        json!({"title": "Voorstel 3"}),
        &[("if-match", &tag)],
    )
    .problem(412);

    assert_eq!(step(&w, &w.coord, &item, "release", None).status, 200);
    let p = step(&w, &w.worker_b, &item, "release", None).problem(409);
    assert_eq!(p["current_state"], "released");
    let p = patch(&w, &w.user_a, &item, json!({"title": "Later"}), &[]).problem(409);
    assert_eq!(p["current_state"], "released");
    let p = step(&w, &w.user_a, &item, "withdraw", None).problem(409);
    assert_eq!(p["current_state"], "released");
    // Another school sees the released item but cannot take it off the agenda.
    step(&w, &w.user_b, &item, "withdraw", None).problem(403);
    step(&w, &outsider, &item, "withdraw", None).problem(403);
    let res = step(&w, &w.worker_b, &item, "withdraw", None);
    assert_eq!(res.status, 200, "{}", res.text());
    let p = step(&w, &w.coord, &item, "return", Some(json!({"reason": "x"}))).problem(409);
    assert_eq!(p["current_state"], "withdrawn");
    w.app
        .get(
            &format!("/api/v1/agenda-items/{item}"),
            Some(&w.user_a.token),
        )
        .problem(404);
    w.app
        .get(
            &format!("/api/v1/agenda-items/{item}"),
            Some(&w.user_b.token),
        )
        .problem(404);

    // A worker edits the item they wrote (released at once).
    let own = id(&add(&w, &w.worker_a, &m, "Aanbod"));
    let res = patch(&w, &w.worker_a, &own, json!({"title": "Aanbod CAW"}), &[]);
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["status"], "released");
    patch(&w, &w.worker_b, &own, json!({"title": "x"}), &[]).problem(403);
}

#[test]
fn agenda_edits_and_return_reasons_are_screened() {
    let w = world();
    let case = w.case_by_worker("office_hours"); // school A, pupil 4B-07
    let reference = case["reference"].as_str().unwrap().to_string();
    let m = meeting(&w);
    let item = id(&add(&w, &w.user_a, &m, "Voorstel"));
    let p = patch(
        &w,
        &w.user_a,
        &item,
        json!({"description": format!("Over {}", reference.replace('-', " "))}),
        &[],
    )
    .problem(422);
    assert_eq!(p["errors"][0]["field"], "description");
    assert!(!p.to_string().contains(&reference));
    let p = step(
        &w,
        &w.worker_a,
        &item,
        "return",
        Some(json!({"reason": "Noem leerling 4B-07 niet"})),
    )
    .problem(422);
    assert_eq!(p["errors"][0]["field"], "reason");
}

#[test]
fn every_agenda_step_is_audited() {
    let w = world();
    let m = meeting(&w);
    let item = id(&add(&w, &w.user_a, &m, "Voorstel"));
    step(
        &w,
        &w.worker_a,
        &item,
        "return",
        Some(json!({"reason": "Korter graag."})),
    );
    patch(&w, &w.user_a, &item, json!({"title": "Voorstel kort"}), &[]);
    step(&w, &w.coord, &item, "release", None);
    step(&w, &w.worker_b, &item, "withdraw", None);
    let res = w.app.get(
        &format!("/api/v1/audit-events?object_type=agenda_item&object_id={item}"),
        Some(&w.coord.token),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let mut seen: Vec<(String, String)> = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor_role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    let mut expected: Vec<(String, String)> = [
        ("create", "school"),
        ("status_change", "social_worker"),
        ("update", "school"),
        ("status_change", "coordinator"),
        ("status_change", "social_worker"),
    ]
    .iter()
    .map(|(a, r)| (a.to_string(), r.to_string()))
    .collect();
    expected.sort();
    assert_eq!(seen, expected);
}
