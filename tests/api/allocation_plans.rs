//! Allocation plans that finish the job: a proposal of worker × school × mode becomes the
//! assignments in one call, without double bookings, within each worker's capacity; schools keep
//! their own wishes; a hand-made double booking is refused naming the clash.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveTime;
use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::{Resp, TestUser};

fn patch(w: &World, user: &TestUser, path: &str, body: Value, if_match: Option<&str>) -> Resp {
    let headers: Vec<(&str, &str)> = if_match.map(|t| ("if-match", t)).into_iter().collect();
    w.app.request(
        "PATCH",
        path,
        Some(&user.token),
        Some(("application/json", body.to_string().into_bytes())),
        &headers,
    )
}

fn post_if(w: &World, user: &TestUser, path: &str, if_match: Option<&str>) -> Resp {
    let headers: Vec<(&str, &str)> = if_match.map(|t| ("if-match", t)).into_iter().collect();
    w.app.request(
        "POST",
        path,
        Some(&user.token),
        Some(("application/json", b"{}".to_vec())),
        &headers,
    )
}

fn set_capacity(w: &World, worker: &str, hours: i64) {
    let res = patch(
        w,
        &w.coord,
        &format!("/api/v1/users/{worker}"),
        json!({"weekly_capacity_hours": hours}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["weekly_capacity_hours"], hours);
}

fn school(w: &World, net: &str, n: usize, extra: Value) -> String {
    let mut body = json!({"network_id": net, "name": format!("Stadsschool {n:02}"),
                          "institution_number": format!("3{n:05}"), "level": "primary",
                          "pupil_count": 100 + 17 * n as i64 % 300, "ses": {"any": (n * 7 % 90) as f64}});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let res = w.post(&w.coord, "/api/v1/schools", body);
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_string()
}

fn network(w: &World) -> String {
    let nets = w.app.get("/api/v1/networks", Some(&w.coord.token)).json();
    nets["items"][1]["id"].as_str().unwrap().to_string()
}

fn assignments_of(w: &World, schools: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/assignments?limit=200&cursor={c}"),
            None => "/api/v1/assignments?limit=200".to_string(),
        };
        let page = w.app.get(&path, Some(&w.coord.token)).json();
        for a in page["items"].as_array().unwrap() {
            if schools.contains(a["school"]["id"].as_str().unwrap()) {
                out.insert(format!(
                    "{} {} {} {} {} {} {} {}",
                    a["id"],
                    a["worker"]["id"],
                    a["school"]["id"],
                    a["mode"],
                    a["weekday"],
                    a["start_time"],
                    a["end_time"],
                    a["valid_to"]
                ));
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    out
}

fn t(v: &Value) -> NaiveTime {
    NaiveTime::parse_from_str(v.as_str().unwrap(), "%H:%M").unwrap()
}

/// No worker holds two office hours that overlap, or are less than `gap` minutes apart at two
/// schools on one day.
fn assert_no_clash(lines: &[Value], gap: i64) {
    let oh: Vec<&Value> = lines
        .iter()
        .filter(|l| l["mode"] == "office_hours")
        .collect();
    for (i, a) in oh.iter().enumerate() {
        for b in &oh[i + 1..] {
            if a["worker"]["id"] != b["worker"]["id"] || a["weekday"] != b["weekday"] {
                continue;
            }
            let g = if a["school"]["id"] == b["school"]["id"] {
                0
            } else {
                gap
            };
            let gap = chrono::Duration::minutes(g);
            let clash = t(&a["start_time"]) < t(&b["end_time"]) + gap
                && t(&b["start_time"]) < t(&a["end_time"]) + gap;
            assert!(!clash, "clash: {a} and {b}");
        }
    }
}

fn propose(w: &World, body: Value) -> (Value, String) {
    let res = w.post(&w.coord, "/api/v1/allocation/plans", body);
    assert_eq!(res.status, 201, "{}", res.text());
    let tag = res.header("etag").unwrap().to_string();
    assert!(
        res.header("location")
            .unwrap()
            .starts_with("/api/v1/allocation/plans/")
    );
    (res.json(), tag)
}

#[test]
fn a_plan_becomes_the_assignments_in_one_apply_and_a_second_apply_changes_nothing() {
    let w = world();
    let net = network(&w);
    let schools: Vec<String> = (1..=6).map(|n| school(&w, &net, n, json!({}))).collect();
    set_capacity(&w, &w.worker_a.id, 10);
    set_capacity(&w, &w.worker_b.id, 8);
    let period = json!({"from": "2027-09-01", "to": "2028-06-30"});
    // What worker A holds today at the first of these schools (Saturdays, which no plan
    // proposes): it will end.
    let old = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": w.worker_a.id, "school_id": schools[0], "mode": "office_hours", "weekday": 6,
               "start_time": "09:00", "end_time": "10:00", "valid_from": "2026-01-01"}),
    );
    assert_eq!(old.status, 201, "{}", old.text());
    let old = old.json()["id"].as_str().unwrap().to_string();

    // Call 1: the proposal, stored.
    let (plan, _) = propose(
        &w,
        json!({"period": period, "network_id": net,
               "worker_ids": [w.worker_a.id, w.worker_b.id]}),
    );
    let id = plan["id"].as_str().unwrap();
    assert_eq!(plan["status"], "draft");
    let lines = plan["lines"].as_array().unwrap();
    for s in &schools {
        assert!(
            lines
                .iter()
                .any(|l| l["school"]["id"] == *s && l["mode"] == "spoc"),
            "school {s} has a SPOC"
        );
    }
    assert!(lines.iter().any(|l| l["mode"] == "office_hours"));
    for l in lines {
        let codes: Vec<&str> = l["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"allocation.reason.weight"), "{l}");
        assert!(codes.contains(&"allocation.reason.capacity"), "{l}");
        assert!(!l["reasons"][0]["text"].as_str().unwrap().is_empty());
    }
    assert_no_clash(lines, 30);
    // Listed and read back.
    let list = w
        .app
        .get("/api/v1/allocation/plans", Some(&w.coord.token))
        .json();
    assert_eq!(list["items"][0]["id"], id);
    let read = w.app.get(
        &format!("/api/v1/allocation/plans/{id}"),
        Some(&w.coord.token),
    );
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["lines"], plan["lines"]);

    // Call 2: the diff against today's assignments at these schools: every line is new and the
    // Saturday ends; the SPOCs the world gave worker A and B at other schools are not touched.
    let res = w.app.get(
        &format!("/api/v1/allocation/plans/{id}/diff"),
        Some(&w.coord.token),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let tag = res.header("etag").unwrap().to_string();
    let diff = res.json();
    assert_eq!(diff["create"].as_array().unwrap().len(), lines.len());
    assert_eq!(diff["keep"].as_array().unwrap().len(), 0);
    assert_eq!(diff["end"].as_array().unwrap().len(), 1);
    assert_eq!(diff["end"][0]["assignment_id"], old);

    // Apply needs If-Match.
    post_if(
        &w,
        &w.coord,
        &format!("/api/v1/allocation/plans/{id}/apply"),
        None,
    )
    .problem(428);
    post_if(
        &w,
        &w.coord,
        &format!("/api/v1/allocation/plans/{id}/apply"),
        Some("\"1\""),
    )
    .problem(412);

    // Call 3: apply — one call instead of one per assignment.
    let res = post_if(
        &w,
        &w.coord,
        &format!("/api/v1/allocation/plans/{id}/apply"),
        Some(&tag),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let applied = res.json();
    assert_eq!(applied["created"].as_array().unwrap().len(), lines.len());
    assert_eq!(applied["ended"], json!([old]));
    let ended = w
        .app
        .get(&format!("/api/v1/assignments/{old}"), Some(&w.coord.token))
        .json();
    assert_eq!(ended["valid_to"], "2027-08-31");
    let world_spoc = w
        .app
        .get(
            &format!("/api/v1/assignments?school={}&current=true", w.school_a),
            Some(&w.coord.token),
        )
        .json();
    assert_eq!(world_spoc["items"].as_array().unwrap().len(), 1);
    let tag = res.header("etag").unwrap().to_string();
    let plan_now = w
        .app
        .get(
            &format!("/api/v1/allocation/plans/{id}"),
            Some(&w.coord.token),
        )
        .json();
    assert_eq!(plan_now["status"], "applied");

    let mut all: BTreeSet<String> = schools.iter().cloned().collect();
    all.insert(w.school_a.clone());
    all.insert(w.school_b.clone());
    let after_first = assignments_of(&w, &all);
    // Each created assignment is announced (ids only).
    let events = w
        .app
        .get("/api/v1/events?after=0&limit=1000", Some(&w.coord.token))
        .json();
    let changed: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "assignment.changed")
        .collect();
    assert!(changed.len() > lines.len(), "{} events", changed.len());
    assert!(changed.iter().all(|e| {
        let keys: BTreeSet<&str> = e["data"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys == ["assignment_id", "school_id", "worker_id"]
            .into_iter()
            .collect()
    }));

    // Applying again changes nothing.
    let res = post_if(
        &w,
        &w.coord,
        &format!("/api/v1/allocation/plans/{id}/apply"),
        Some(&tag),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let again = res.json();
    assert_eq!(again["created"], json!([]));
    assert_eq!(again["ended"], json!([]));
    assert_eq!(again["kept"].as_array().unwrap().len(), lines.len());
    assert_eq!(assignments_of(&w, &all), after_first);
    let diff = w
        .app
        .get(
            &format!("/api/v1/allocation/plans/{id}/diff"),
            Some(&w.coord.token),
        )
        .json();
    assert_eq!(diff["create"], json!([]));
    assert_eq!(diff["end"], json!([]));

    // Only the coordinator plans.
    w.post(
        &w.worker_a,
        "/api/v1/allocation/plans",
        json!({"period": period}),
    )
    .problem(403);
    w.app
        .get(
            &format!("/api/v1/allocation/plans/{id}"),
            Some(&w.user_a.token),
        )
        .problem(403);
}

#[test]
fn a_generated_city_gets_a_plan_without_clash_within_capacity_that_applies_once() {
    let w = world();
    let net = network(&w);
    let modes = ["office_hours", "consult", "spoc"];
    let schools: Vec<String> = (1..=30)
        .map(|n| {
            let wishes = match n % 5 {
                0 => json!({"preferred_presence": modes[n % 3], "weekdays": [2, 4], "earliest": "08:30", "latest": "12:00"}),
                1 => json!({"weekdays": [1]}),
                _ => json!({}),
            };
            school(&w, &net, n, json!({"wishes": wishes}))
        })
        .collect();
    let workers: Vec<TestUser> = (0..4)
        .map(|_| w.app.user(Role::SocialWorker, None))
        .collect();
    let capacities = [32, 24, 19, 12];
    for (worker, h) in workers.iter().zip(capacities) {
        set_capacity(&w, &worker.id, h);
    }
    let ids: Vec<&str> = workers.iter().map(|u| u.id.as_str()).collect();
    let (plan, _) = propose(
        &w,
        json!({"period": {"from": "2027-09-01", "to": "2028-06-30"}, "network_id": net, "worker_ids": ids}),
    );
    let lines = plan["lines"].as_array().unwrap();
    assert_no_clash(lines, 30);
    let mut used: HashMap<String, f64> = HashMap::new();
    for l in lines {
        *used
            .entry(l["worker"]["id"].as_str().unwrap().to_string())
            .or_default() += l["hours"].as_f64().unwrap();
    }
    for (worker, h) in workers.iter().zip(capacities) {
        let u = used.get(&worker.id).copied().unwrap_or(0.0);
        assert!(u <= h as f64 + 1e-9, "worker uses {u} of {h}");
        assert!(u > 0.0, "every worker has work");
    }
    for load in plan["workers"].as_array().unwrap() {
        assert!(
            load["planned_hours"].as_f64().unwrap()
                <= load["capacity_hours"].as_f64().unwrap() + 1e-9
        );
    }
    for s in &schools {
        assert_eq!(
            lines
                .iter()
                .filter(|l| l["school"]["id"] == *s && l["mode"] == "spoc")
                .count(),
            1,
            "one SPOC for {s}"
        );
    }
    // A school wishing consult gets no office hours; one wishing office hours on Tuesdays and
    // Thursdays in the morning gets them then, and the reasons say so.
    for (n, s) in schools.iter().enumerate().map(|(i, s)| (i + 1, s)) {
        let oh: Vec<&Value> = lines
            .iter()
            .filter(|l| l["school"]["id"] == *s && l["mode"] == "office_hours")
            .collect();
        if n % 5 == 0 && modes[n % 3] != "office_hours" {
            assert!(oh.is_empty(), "school {n} wishes {}", modes[n % 3]);
        }
        if n % 5 == 0 && modes[n % 3] == "office_hours" {
            for l in &oh {
                assert!([2, 4].contains(&l["weekday"].as_i64().unwrap()), "{l}");
                assert!(t(&l["end_time"]) <= NaiveTime::from_hms_opt(12, 0, 0).unwrap());
                assert!(
                    l["reasons"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|r| r["code"] == "allocation.reason.wish_day_met")
                );
            }
        }
    }
    let id = plan["id"].as_str().unwrap();
    let tag = w
        .app
        .get(
            &format!("/api/v1/allocation/plans/{id}"),
            Some(&w.coord.token),
        )
        .header("etag")
        .unwrap()
        .to_string();
    let res = post_if(
        &w,
        &w.coord,
        &format!("/api/v1/allocation/plans/{id}/apply"),
        Some(&tag),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["created"].as_array().unwrap().len(), lines.len());
    let all: BTreeSet<String> = schools.iter().cloned().collect();
    let first = assignments_of(&w, &all);
    assert_eq!(first.len(), lines.len());
    let tag = res.header("etag").unwrap().to_string();
    let res = post_if(
        &w,
        &w.coord,
        &format!("/api/v1/allocation/plans/{id}/apply"),
        Some(&tag),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["created"], json!([]));
    assert_eq!(res.json()["ended"], json!([]));
    assert_eq!(assignments_of(&w, &all), first);
}

#[test]
fn plan_lines_are_edited_one_by_one_and_a_double_booking_within_the_plan_is_409() {
    let w = world();
    let net = network(&w);
    let a = school(&w, &net, 1, json!({}));
    let b = school(&w, &net, 2, json!({}));
    // Two hours: the two SPOC lines, no office hours yet.
    set_capacity(&w, &w.worker_a.id, 2);
    let (plan, tag) = propose(
        &w,
        json!({"period": {"from": "2027-09-01", "to": "2027-12-31"}, "school_ids": [a, b], "worker_ids": [w.worker_a.id]}),
    );
    assert!(
        plan["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["mode"] == "spoc")
    );
    let id = plan["id"].as_str().unwrap();
    let base = format!("/api/v1/allocation/plans/{id}/lines");
    // Add Monday 08:30–10:30 at A.
    let res = w.app.request(
        "POST",
        &base,
        Some(&w.coord.token),
        Some(("application/json", json!({"worker_id": w.worker_a.id, "school_id": a, "mode": "office_hours", "weekday": 1, "start_time": "08:30", "end_time": "10:30"}).to_string().into_bytes())),
        &[("if-match", tag.as_str())],
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let plan = res.json();
    let added = plan["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["reasons"][0]["code"] == "allocation.reason.manual" && l["school"]["id"] == a)
        .unwrap()
        .clone();
    assert_eq!(added["hours"], 2.0);
    // The old ETag is stale now.
    let stale = w.app.request(
        "DELETE",
        &format!("{base}/{}", added["id"].as_str().unwrap()),
        Some(&w.coord.token),
        None,
        &[("if-match", tag.as_str())],
    );
    assert_eq!(stale.status, 412);
    // Monday 10:45 at B is too close (30 minutes of travel): 409 naming the line.
    let res = w.post(
        &w.coord,
        &base,
        json!({"worker_id": w.worker_a.id, "school_id": b, "mode": "office_hours", "weekday": 1, "start_time": "10:45", "end_time": "12:00"}),
    );
    let p = res.problem(409);
    assert_eq!(p["code"], "plan_line_clash");
    assert_eq!(p["conflicting_id"], added["id"]);
    // At 11:00 it fits; moving it onto 09:00 by PATCH clashes again.
    let res = w.post(
        &w.coord,
        &base,
        json!({"worker_id": w.worker_a.id, "school_id": b, "mode": "office_hours", "weekday": 1, "start_time": "11:00", "end_time": "12:00"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let second = res.json()["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["start_time"] == "11:00" && l["weekday"] == 1)
        .unwrap()
        .clone();
    let sid = second["id"].as_str().unwrap();
    let p = patch(
        &w,
        &w.coord,
        &format!("{base}/{sid}"),
        json!({"start_time": "09:00"}),
        None,
    )
    .problem(409);
    assert_eq!(p["code"], "plan_line_clash");
    let res = patch(
        &w,
        &w.coord,
        &format!("{base}/{sid}"),
        json!({"weekday": 3}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    // Bad input names the field.
    let p = patch(
        &w,
        &w.coord,
        &format!("{base}/{sid}"),
        json!({"start_time": "9 uur"}),
        None,
    )
    .problem(422);
    assert_eq!(p["errors"][0]["field"], "start_time");
    // Removing a line.
    let res = w.app.request(
        "DELETE",
        &format!("{base}/{sid}"),
        Some(&w.coord.token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(
        !res.json()["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == sid)
    );
    let res = w.app.request(
        "DELETE",
        &format!("{base}/{sid}"),
        Some(&w.coord.token),
        None,
        &[],
    );
    assert_eq!(res.status, 404);
}

#[test]
fn a_double_booking_on_monday_morning_is_refused_with_409_naming_the_clash() {
    let w = world();
    let first = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": w.worker_a.id, "school_id": w.school_a, "mode": "office_hours", "weekday": 1,
               "start_time": "08:30", "end_time": "10:30", "valid_from": "2027-01-01"}),
    );
    assert_eq!(first.status, 201, "{}", first.text());
    let first_id = first.json()["id"].as_str().unwrap().to_string();
    for (start, end) in [("09:00", "11:00"), ("10:45", "12:00")] {
        let p = w
            .post(
                &w.coord,
                "/api/v1/assignments",
                json!({"worker_id": w.worker_a.id, "school_id": w.school_b, "mode": "office_hours", "weekday": 1,
                       "start_time": start, "end_time": end, "valid_from": "2027-01-01"}),
            )
            .problem(409);
        assert_eq!(p["code"], "assignment_clash");
        assert_eq!(p["conflicting_id"], first_id);
    }
    // An assignment that ended before the first starts does not clash; neither does one after
    // the travel gap, nor another worker.
    for body in [
        json!({"worker_id": w.worker_a.id, "school_id": w.school_b, "mode": "office_hours", "weekday": 1,
               "start_time": "09:00", "end_time": "10:00", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}),
        json!({"worker_id": w.worker_b.id, "school_id": w.school_b, "mode": "office_hours", "weekday": 1,
               "start_time": "09:00", "end_time": "10:00", "valid_from": "2027-01-01"}),
    ] {
        let res = w.post(&w.coord, "/api/v1/assignments", body);
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let later = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": w.worker_a.id, "school_id": w.school_b, "mode": "office_hours", "weekday": 1,
               "start_time": "11:00", "end_time": "12:00", "valid_from": "2027-01-01"}),
    );
    assert_eq!(later.status, 201, "{}", later.text());
    // Moving it into the first by hand is refused too, and nothing changes.
    let later_id = later.json()["id"].as_str().unwrap().to_string();
    let p = patch(
        &w,
        &w.coord,
        &format!("/api/v1/assignments/{later_id}"),
        json!({"start_time": "10:00"}),
        None,
    )
    .problem(409);
    assert_eq!(p["code"], "assignment_clash");
    assert_eq!(p["conflicting_id"], first_id);
    let now = w
        .app
        .get(
            &format!("/api/v1/assignments/{later_id}"),
            Some(&w.coord.token),
        )
        .json();
    assert_eq!(now["start_time"], "11:00");
}

#[test]
fn a_school_records_its_own_wishes_and_the_coordinator_reads_them() {
    let w = world();
    let wishes = json!({"preferred_presence": "office_hours", "note": "Liefst dinsdagvoormiddag",
                        "weekdays": [2], "earliest": "08:30", "latest": "12:00"});
    let res = patch(
        &w,
        &w.user_a,
        &format!("/api/v1/schools/{}", w.school_a),
        json!({"wishes": wishes}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let read = w
        .app
        .get(
            &format!("/api/v1/schools/{}", w.school_a),
            Some(&w.coord.token),
        )
        .json();
    assert_eq!(read["wishes"], wishes);
    // Not another school's, and not the other fields of its own.
    let res = patch(
        &w,
        &w.user_a,
        &format!("/api/v1/schools/{}", w.school_b),
        json!({"wishes": wishes}),
        None,
    );
    assert_eq!(res.status, 404);
    let p = patch(
        &w,
        &w.user_a,
        &format!("/api/v1/schools/{}", w.school_a),
        json!({"pupil_count": 9}),
        None,
    )
    .problem(403);
    assert_eq!(p["code"], "school_contact_only");
    // Bad wishes name the field.
    let p = patch(
        &w,
        &w.user_a,
        &format!("/api/v1/schools/{}", w.school_a),
        json!({"wishes": {"weekdays": [8], "earliest": "12:00", "latest": "08:00"}}),
        None,
    )
    .problem(422);
    let fields: BTreeSet<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["wishes.latest", "wishes.weekdays"].into_iter().collect()
    );
}

#[test]
fn capacity_is_set_by_the_coordinator_for_social_workers_only() {
    let w = world();
    set_capacity(&w, &w.worker_a.id, 24);
    let p = patch(
        &w,
        &w.coord,
        &format!("/api/v1/users/{}", w.user_a.id),
        json!({"weekly_capacity_hours": 10}),
        None,
    )
    .problem(422);
    assert_eq!(p["errors"][0]["field"], "weekly_capacity_hours");
    patch(
        &w,
        &w.coord,
        &format!("/api/v1/users/{}", w.worker_a.id),
        json!({"weekly_capacity_hours": 61}),
        None,
    )
    .problem(422);
    patch(
        &w,
        &w.worker_a,
        &format!("/api/v1/users/{}", w.worker_a.id),
        json!({"weekly_capacity_hours": 40}),
        None,
    )
    .problem(403);
    // A worker without capacity cannot be planned.
    let p = w
        .post(
            &w.coord,
            "/api/v1/allocation/plans",
            json!({"period": {"from": "2027-09-01", "to": "2028-06-30"}, "worker_ids": [w.worker_b.id]}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "worker_ids[0]");
    assert_eq!(p["errors"][0]["code"], "capacity_not_set");
}
