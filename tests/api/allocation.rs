//! Allocation proposals: a worked example checked by hand, and the properties of the method.

use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::presence::{keys, set};

/// Four schools in the second network:
///
/// | school | pupils | SES                               | help requests | wish    | weight                     |
/// |--------|--------|-----------------------------------|---------------|---------|----------------------------|
/// | Alfa   | 200    | any 60 %                          | 0             | —       | 200 × 0.60 = 120           |
/// | Beta   | 100    | home language 40, allowance 20: 30 % | 2 consults | —       | 100 × 0.30 + 10 × 2 = 50   |
/// | Gamma  | 300    | none: 0 %                         | 0             | —       | 0                          |
/// | Delta  | 400    | any 90 %                          | 0             | consult | not eligible               |
///
/// Capacity 4 + 3 = 7 slots, minimum 1: Alfa, Beta and Gamma get 1 each, 4 are shared over a
/// total weight of 170. Quotas of the shared part: Alfa 4 × 120/170 = 2.82, Beta 4 × 50/170 =
/// 1.18, Gamma 0. Whole parts 2 + 1 + 0 = 3; the last slot goes to the largest remainder,
/// Alfa's 0.82. So Alfa 1 + 3 = 4, Beta 1 + 1 = 2, Gamma 1, Delta 0; total 7.
fn example(w: &World) -> (String, Value) {
    let nets = w.app.get("/api/v1/networks", Some(&w.coord.token)).json();
    let net = nets["items"][1]["id"].as_str().unwrap().to_string();
    let school = |name: &str, number: &str, extra: Value| {
        let mut body = json!({"network_id": net, "name": name, "institution_number": number, "level": "primary"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = w.post(&w.coord, "/api/v1/schools", body);
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["id"].as_str().unwrap().to_string()
    };
    school(
        "Alfa",
        "200001",
        json!({"pupil_count": 200, "ses": {"any": 60.0}}),
    );
    let beta = school(
        "Beta",
        "200002",
        json!({"pupil_count": 100, "ses": {"home_language": 40.0, "school_allowance": 20.0}}),
    );
    school("Gamma", "200003", json!({"pupil_count": 300}));
    school(
        "Delta",
        "200004",
        json!({"pupil_count": 400, "ses": {"any": 90.0}, "wishes": {"preferred_presence": "consult"}}),
    );
    let beta_user = w.app.user(Role::School, Some(&beta));
    for _ in 0..2 {
        let res = w.post(
            &beta_user,
            "/api/v1/consult-requests",
            json!({"reason": "Vraag naar een gesprek"}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let request = json!({
        "workers": [{"worker_id": w.worker_a.id, "slots": 4}, {"worker_id": w.worker_b.id, "slots": 3}],
        "period": {"from": "2027-01-01", "to": "2027-06-30"},
        "minimum_per_school": 1,
        "network_id": net
    });
    (net, request)
}

fn propose(w: &World, body: &Value) -> Value {
    let res = w.post(&w.coord, "/api/v1/allocation/proposal", body.clone());
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

#[test]
fn the_worked_example_gives_the_hand_computed_shares_with_reasons() {
    let w = world();
    let (_, request) = example(&w);
    let p = propose(&w, &request);
    assert_eq!(
        keys(&p),
        set(&[
            "period",
            "capacity",
            "minimum_per_school",
            "method",
            "weight_formula",
            "tie_break",
            "help_request_window",
            "allocated",
            "unallocated",
            "schools"
        ])
    );
    assert_eq!(p["capacity"], 7);
    assert_eq!(p["allocated"], 7);
    assert_eq!(p["method"], "largest_remainder");
    assert_eq!(
        p["help_request_window"],
        json!({"from": "2026-01-01", "until": "2027-01-01"})
    );
    let by_name = |n: &str| {
        p["schools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["school"]["name"] == n)
            .unwrap()
            .clone()
    };
    let alfa = by_name("Alfa");
    assert_eq!(
        keys(&alfa),
        set(&[
            "school", "inputs", "eligible", "weight", "quota", "slots", "reason"
        ])
    );
    assert_eq!(alfa["weight"], 120.0);
    assert_eq!(alfa["slots"], 4);
    assert_eq!(alfa["quota"], 3.8235);
    assert_eq!(alfa["inputs"]["ses_source"], "ses_any");
    assert!(
        alfa["reason"]
            .as_str()
            .unwrap()
            .contains("largest remainders"),
        "{alfa}"
    );
    let beta = by_name("Beta");
    assert_eq!(beta["weight"], 50.0);
    assert_eq!(beta["slots"], 2);
    assert_eq!(beta["quota"], 2.1765);
    assert_eq!(beta["inputs"]["ses_source"], "indicator_mean");
    assert_eq!(beta["inputs"]["ses_share"], 30.0);
    assert_eq!(beta["inputs"]["consult_requests"], 2);
    let gamma = by_name("Gamma");
    assert_eq!(gamma["weight"], 0.0);
    assert_eq!(gamma["slots"], 1);
    assert_eq!(gamma["inputs"]["ses_source"], "none");
    let delta = by_name("Delta");
    assert_eq!(delta["eligible"], false);
    assert_eq!(delta["slots"], 0);
    assert!(delta["reason"].as_str().unwrap().contains("consult only"));
    let order: Vec<&str> = p["schools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["school"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["Alfa", "Beta", "Gamma", "Delta"]);
}

#[test]
fn shares_sum_to_capacity_follow_weight_and_repeat_exactly() {
    let w = world();
    let (_, base) = example(&w);
    for (a, b, minimum) in [(4, 3, 0), (1, 0, 0), (10, 7, 2), (0, 3, 1), (13, 0, 0)] {
        let mut request = base.clone();
        request["workers"][0]["slots"] = json!(a);
        request["workers"][1]["slots"] = json!(b);
        request["minimum_per_school"] = json!(minimum);
        let p = propose(&w, &request);
        let schools = p["schools"].as_array().unwrap();
        let total: u64 = schools.iter().map(|s| s["slots"].as_u64().unwrap()).sum();
        assert_eq!(total, a + b, "shares sum to capacity: {p}");
        let eligible: Vec<&Value> = schools.iter().filter(|s| s["eligible"] == true).collect();
        for x in &eligible {
            assert!(x["slots"].as_u64().unwrap() >= minimum);
            for y in &eligible {
                if x["weight"].as_f64() > y["weight"].as_f64() {
                    assert!(
                        x["slots"].as_u64() >= y["slots"].as_u64(),
                        "a higher weight never gets fewer slots: {p}"
                    );
                }
            }
        }
        assert_eq!(p, propose(&w, &request), "same input, same output");
    }
}

#[test]
fn bad_proposals_name_the_field_and_only_the_coordinator_may_ask() {
    let w = world();
    let (_, request) = example(&w);
    let mut too_much = request.clone();
    too_much["minimum_per_school"] = json!(3);
    let p = w
        .post(&w.coord, "/api/v1/allocation/proposal", too_much)
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "minimum_per_school");
    let mut not_a_worker = request.clone();
    not_a_worker["workers"][1]["worker_id"] = json!(w.user_a.id);
    let p = w
        .post(&w.coord, "/api/v1/allocation/proposal", not_a_worker)
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "workers[1].worker_id");
    let mut backwards = request.clone();
    backwards["period"] = json!({"from": "2027-06-30", "to": "2027-01-01"});
    let p = w
        .post(&w.coord, "/api/v1/allocation/proposal", backwards)
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "period.to");
    let mut negative = request.clone();
    negative["workers"][0]["slots"] = json!(-1);
    let p = w
        .post(&w.coord, "/api/v1/allocation/proposal", negative)
        .problem(422);
    assert!(
        p["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("workers[0].slots"),
        "{p}"
    );
    for user in [&w.worker_a, &w.user_a] {
        w.post(user, "/api/v1/allocation/proposal", request.clone())
            .problem(403);
    }
    // Without a network: every active school, the world's two included, nothing stored.
    let mut all = request.clone();
    all.as_object_mut().unwrap().remove("network_id");
    let p = propose(&w, &all);
    assert_eq!(p["schools"].as_array().unwrap().len(), 6);
    assert_eq!(p["allocated"], 7);
}
