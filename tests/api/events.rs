//! The event stream: every case and referral status change, in commit order, without personal
//! data, for the coordinator only.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::TestUser;
use crate::referrals::{Fixture, fixture, id_of};

fn events(f: &Fixture, user: &TestUser, after: i64) -> Value {
    let res = f.get(user, &format!("/api/v1/events?after={after}&limit=1000"));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

#[test]
fn every_case_and_referral_status_change_is_an_event_in_commit_order_without_personal_data() {
    let f = fixture();
    f.consent("refer_to_partner", Some(&f.partner));
    let r = id_of(&f.draft());
    // A refused transition leaves no event.
    f.act(&r, "accept").problem(409);
    for step in ["send", "accept", "start", "complete"] {
        f.step(&r, step);
    }
    let case = format!("/api/v1/cases/{}", f.case_id);
    let res = f.w.post(
        &f.w.worker_a,
        &format!("{case}/close"),
        json!({"outcome": "referred"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());

    let all = events(&f, &f.w.coord, 0);
    // The world's assignments of worker A and B come first; this test is about cases and
    // referrals (tests/api/allocation_plans.rs checks `assignment.changed`).
    let items: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] != "assignment.changed")
        .collect();
    let types: Vec<&str> = items.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "case.opened",
            "referral.sent",
            "referral.accepted",
            "referral.in_progress",
            "referral.completed",
            "case.status_changed"
        ]
    );
    let positions: Vec<i64> = items
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert_eq!(all["last_position"], *positions.last().unwrap());
    let ids: BTreeSet<&str> = items.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), items.len());
    assert_eq!(items[0]["data"]["case_id"], f.case_id.as_str());
    assert_eq!(items[0]["data"]["status"], "new");
    let sent = &items[1]["data"];
    assert_eq!(sent["referral_id"], r.as_str());
    assert_eq!(sent["partner_id"], f.partner.as_str());
    assert_eq!(sent["service_id"], f.service.as_str());
    assert_eq!(
        (sent["from_status"].as_str(), sent["to_status"].as_str()),
        (Some("draft"), Some("sent"))
    );
    assert_eq!(sent["fhir_status"], "requested");
    let closed = &items[5]["data"];
    assert_eq!(
        (closed["from_status"].as_str(), closed["to_status"].as_str()),
        (Some("new"), Some("closed"))
    );
    assert_eq!(closed["outcome"], "referred");
    // Ids, statuses and times only: nothing of the pupil, family, question or message.
    let text = all.to_string();
    for personal in [
        "5A-02",
        "lunch",
        "afbetalingsplan",
        "Sarah",
        "Afbetalingsplan",
    ] {
        assert!(!text.contains(personal), "the stream carries `{personal}`");
    }
    // Polling from a position returns what came after it; the end returns nothing new.
    let tail = events(&f, &f.w.coord, positions[3]);
    assert_eq!(tail["items"].as_array().unwrap().len(), 2);
    let end = events(&f, &f.w.coord, positions[5]);
    assert_eq!(end["items"], json!([]));
    assert_eq!(end["last_position"], positions[5]);
    // Only the coordinator reads the stream.
    for u in [&f.w.worker_a, &f.w.user_a] {
        f.get(u, "/api/v1/events").problem(403);
    }
    f.get(&f.w.coord, "/api/v1/events?after=-1").problem(422);
    f.get(&f.w.coord, "/api/v1/events?limit=0").problem(422);
}
