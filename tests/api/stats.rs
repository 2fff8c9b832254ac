//! Statistics: scoped by role, small cells withheld (also from subtraction), CSV, unchanged by
//! erasure.

use serde_json::{Value, json};

use crate::cases::{World, world_with};
use crate::helpers::test_settings;

fn stats(w: &World, token: &str, query: &str) -> Value {
    let res = w
        .app
        .get(&format!("/api/v1/stats/cases?{query}"), Some(token));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

fn count(s: &Value, section: &str, key: &str) -> Value {
    s[section]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .map(|c| c["count"].clone())
        .unwrap_or_else(|| panic!("no {section}.{key} in {s}"))
}

/// Three cases at school A (worker A), two at school B (worker B).
fn five_cases(threshold: i64) -> World {
    let mut settings = test_settings();
    settings.stats_suppress_below = threshold;
    let w = world_with(settings);
    for i in 0..3 {
        let c = w.case_by_worker(if i == 0 { "office_hours" } else { "parent" });
        let id = c["id"].as_str().unwrap();
        if i == 0 {
            let r = w.post(
                &w.worker_a,
                &format!("/api/v1/cases/{id}/contact-moments"),
                json!({"occurred_at": chrono::Utc::now().to_rfc3339(), "kind": "phone", "summary": "x"}),
            );
            assert_eq!(r.status, 201);
        }
    }
    for _ in 0..2 {
        let r = w.post(
            &w.worker_b,
            "/api/v1/cases",
            json!({"school_id": w.school_b, "origin": "parent", "themes": ["housing"], "known_to_ocmw": false,
                   "pupil": {"pseudonym": "B"}}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
    w
}

#[test]
fn each_role_counts_only_its_own_schools() {
    let w = five_cases(0);
    let all = stats(&w, &w.coord.token, "");
    assert_eq!(all["total"], json!({"value": 5, "suppressed": false}));
    assert_eq!(count(&all, "by_theme", "housing")["value"], 2);
    assert_eq!(count(&all, "by_theme", "school_costs")["value"], 3);
    assert_eq!(count(&all, "by_origin", "office_hours")["value"], 1);
    assert_eq!(all["reach"]["new"]["value"], 2);
    assert_eq!(all["reach"]["unknown"]["value"], 3);
    assert_eq!(all["reach"]["share_new"], 1.0);
    assert_eq!(all["first_contact"]["cases"]["value"], 1);
    assert_eq!(all["first_contact"]["median_days"], 0);
    let a = stats(&w, &w.worker_a.token, "");
    assert_eq!(a["total"]["value"], 3);
    assert_eq!(count(&a, "by_theme", "school_costs")["value"], 3);
    assert!(
        a["by_theme"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["key"] != "housing")
    );
    let b = stats(&w, &w.user_b.token, "");
    assert_eq!(b["total"]["value"], 2);
    // Asking for another school inside one's scope gives nothing, not that school's figures.
    let other = stats(&w, &w.worker_a.token, &format!("school={}", w.school_b));
    assert_eq!(other["total"]["value"], 0);
    let narrowed = stats(&w, &w.coord.token, &format!("school={}", w.school_b));
    assert_eq!(narrowed["total"]["value"], 2);
    // Themes are counted within the same scope and period as the cases.
    assert_eq!(count(&narrowed, "by_theme", "housing")["value"], 2);
    let themes = |s: &Value| -> Vec<String> {
        s["by_theme"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(themes(&narrowed), ["housing"]);
    let future = stats(&w, &w.coord.token, "from=2999-01-01");
    assert_eq!(future["total"]["value"], 0);
    assert!(themes(&future).is_empty(), "{future}");
    let network = w
        .app
        .get(
            &format!("/api/v1/schools/{}", w.school_b),
            Some(&w.coord.token),
        )
        .json()["network_id"]
        .clone();
    let net = stats(
        &w,
        &w.coord.token,
        &format!("network={}", network.as_str().unwrap()),
    );
    assert_eq!(count(&net, "by_theme", "housing")["value"], 2);
    let elsewhere = stats(
        &w,
        &w.coord.token,
        &format!("network={}", uuid::Uuid::new_v4()),
    );
    assert!(themes(&elsewhere).is_empty(), "{elsewhere}");
    w.app
        .get(
            "/api/v1/stats/cases?from=2026-02-01&to=2026-01-01",
            Some(&w.coord.token),
        )
        .problem(422);
}

#[test]
fn small_cells_are_withheld_including_those_recoverable_by_subtraction() {
    let w = five_cases(0);
    // Threshold 3 over the coordinator's 5 cases: origin office_hours (1) is withheld, and so
    // is parent (4), or 5 - 4 would give it away.
    let s = stats(&w, &w.coord.token, "suppress_below=3");
    assert_eq!(s["total"], json!({"value": 5, "suppressed": false}));
    assert_eq!(
        count(&s, "by_origin", "office_hours"),
        json!({"value": null, "suppressed": true})
    );
    assert_eq!(
        count(&s, "by_origin", "parent"),
        json!({"value": null, "suppressed": true})
    );
    assert_eq!(
        count(&s, "by_origin", "checklist"),
        json!({"value": 0, "suppressed": false})
    );
    // Housing (2) is under 3; themes do not add up to a total, so only it is withheld.
    assert_eq!(count(&s, "by_theme", "housing")["suppressed"], true);
    assert_eq!(count(&s, "by_theme", "school_costs")["value"], 3);
    assert_eq!(
        s["reach"]["share_new"],
        Value::Null,
        "a share over withheld counts is withheld"
    );
    assert_eq!(s["first_contact"]["median_days"], Value::Null);

    // Roles other than the coordinator get the configured minimum whatever they ask.
    let w = five_cases(4);
    let a = stats(&w, &w.worker_a.token, "suppress_below=0");
    assert_eq!(a["scope"]["suppress_below"], 4);
    assert_eq!(a["total"], json!({"value": null, "suppressed": true}));
    for c in a["by_status"].as_array().unwrap() {
        assert!(
            c["count"]["value"] == 0 || c["count"]["suppressed"] == true,
            "{a}"
        );
    }
    let coord = stats(&w, &w.coord.token, "");
    assert_eq!(coord["total"]["value"], 5, "the coordinator chooses");
}

#[test]
fn figures_come_as_csv_for_the_yearly_report() {
    let w = five_cases(0);
    let res = w.app.request(
        "GET",
        "/api/v1/stats/cases?suppress_below=3",
        Some(&w.coord.token),
        None,
        &[("accept", "text/csv")],
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = res.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "section,key,value,suppressed");
    assert!(lines.contains(&"total,cases,5,false"), "{text}");
    assert!(lines.contains(&"origin,office_hours,,true"), "{text}");
    let res = w.app.request(
        "GET",
        "/api/v1/stats/checklists",
        Some(&w.coord.token),
        None,
        &[("accept", "text/csv")],
    );
    assert!(
        res.text()
            .starts_with("section,key,value,suppressed\ntotal,submissions,0,false")
    );
}

#[test]
fn erasing_a_case_leaves_the_statistics_unchanged() {
    let w = five_cases(0);
    let before = stats(&w, &w.coord.token, "");
    let list = w.app.get("/api/v1/cases", Some(&w.worker_a.token)).json();
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    let r = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{id}/close"),
        json!({"outcome": "resolved"}),
    );
    assert_eq!(r.status, 200);
    let closed = stats(&w, &w.coord.token, "");
    let r = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{id}/erase"),
        json!({"reason": "verzoek"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let after = stats(&w, &w.coord.token, "");
    assert_eq!(after, closed);
    assert_eq!(after["total"], before["total"]);
    assert_eq!(count(&after, "by_outcome", "resolved")["value"], 1);
}

#[test]
fn presence_figures_count_held_sessions_contacts_and_consults_per_scope() {
    let w = five_cases(0);
    let res = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": w.worker_a.id, "school_id": w.school_a, "mode": "office_hours", "weekday": 2,
               "start_time": "08:30", "end_time": "10:00", "valid_from": "2026-01-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let a = res.json()["id"].as_str().unwrap().to_string();
    for (date, contacts) in [("2026-01-20", 3), ("2026-01-27", 4)] {
        let r = w.post(
            &w.worker_a,
            "/api/v1/office-hours/logs",
            json!({"assignment_id": a, "date": date, "contacts": contacts}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string();
    let r = w.post(
        &w.user_a,
        "/api/v1/consult-requests",
        json!({"reason": "Vraag", "themes": ["school_costs"], "preferred_dates": [soon], "urgency": "normal"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let get = |token: &str, q: &str| {
        let res = w
            .app
            .get(&format!("/api/v1/stats/presence?{q}"), Some(token));
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    };
    let all = get(&w.coord.token, "");
    assert_eq!(all["office_hours_held"]["value"], 2);
    assert_eq!(all["office_hours_contacts"]["value"], 7);
    assert_eq!(all["consult_requests"]["value"], 1);
    assert_eq!(
        count(&all, "consult_requests_by_status", "requested")["value"],
        1
    );
    let january = get(&w.coord.token, "from=2026-01-21&to=2026-01-31");
    assert_eq!(january["office_hours_held"]["value"], 1);
    let b = get(&w.worker_b.token, "");
    assert_eq!(b["office_hours_held"]["value"], 0);
    assert_eq!(b["consult_requests"]["value"], 0);
    let small = get(&w.coord.token, "suppress_below=3");
    assert_eq!(small["office_hours_held"]["suppressed"], true);
    assert_eq!(small["office_hours_contacts"]["value"], 7);
}

/// With `STATS_CACHE_SECONDS` the same question from the same scope is answered from the figures
/// computed first (the `Age` header says how old) until they are that old; another scope never
/// gets them, and after the time a new case is counted.
#[test]
fn figures_are_shared_for_the_configured_time() {
    let mut settings = test_settings();
    settings.stats_cache_seconds = 2;
    settings.stats_suppress_below = 0;
    let w = world_with(settings);
    let get = |token: &str| {
        let r = w.app.get("/api/v1/stats/cases", Some(token));
        assert_eq!(r.status, 200, "{}", r.text());
        let age: u64 = r.header("age").expect("an Age header").parse().unwrap();
        (r.json()["total"]["value"].as_i64().unwrap(), age)
    };
    w.case_by_worker("parent");
    assert_eq!(get(&w.coord.token).0, 1);
    let worker_b = get(&w.worker_b.token).0;
    assert_eq!(worker_b, 0, "worker B sees only school B");
    w.case_by_worker("parent");
    // Within the time: the figures first computed, for this scope only.
    let (total, age) = get(&w.coord.token);
    assert_eq!(total, 1, "the kept figures");
    assert!(age <= 2);
    assert_eq!(
        get(&w.worker_a.token).0,
        2,
        "worker A's scope is computed on its own"
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let (total, age) = get(&w.coord.token);
    assert_eq!(
        total, 2,
        "after STATS_CACHE_SECONDS the new case is counted"
    );
    assert_eq!(age, 0);
}

#[test]
fn a_school_counts_its_own_signals_unsuppressed_and_the_rest_stays_protected() {
    // Issue 17: a school's figures hid its own signals, while what it may not see (an
    // office-hours case) was what needed protecting.
    let w = five_cases(5); // school A: one office-hours and two parent cases, by worker A
    for _ in 0..2 {
        w.case_by_school(); // origin school_request, theme poverty
    }
    let s = stats(&w, &w.user_a.token, "");
    let own = &s["raised_by_school"];
    assert_eq!(own["total"], json!({"value": 2, "suppressed": false}));
    assert_eq!(count(own, "by_origin", "school_request")["value"], 2);
    assert_eq!(count(own, "by_theme", "poverty")["value"], 2);
    assert_eq!(count(own, "by_status", "new")["value"], 2);
    // The whole: its own origins exactly; the three cases it did not raise stay withheld, and
    // so does every cell they are part of (the total, school_costs), so subtracting its own
    // counts reveals nothing of them.
    assert_eq!(count(&s, "by_origin", "school_request")["value"], 2);
    assert_eq!(count(&s, "by_origin", "office_hours")["suppressed"], true);
    assert_eq!(count(&s, "by_origin", "parent")["suppressed"], true);
    assert_eq!(s["total"]["suppressed"], true);
    assert_eq!(count(&s, "by_theme", "school_costs")["suppressed"], true);
    assert_eq!(count(&s, "by_theme", "poverty")["value"], 2);
    assert_eq!(count(&s, "by_status", "new")["suppressed"], true);
    // Other roles get no such section.
    assert_eq!(
        stats(&w, &w.worker_a.token, "")["raised_by_school"],
        Value::Null
    );
    assert_eq!(
        stats(&w, &w.coord.token, "")["raised_by_school"],
        Value::Null
    );
    let b = stats(&w, &w.user_b.token, "");
    assert_eq!(b["raised_by_school"]["total"]["value"], 0);
    assert_eq!(
        b["total"]["suppressed"], true,
        "school B's two parent cases"
    );
}

#[test]
fn a_school_sees_its_own_checklist_submissions_unsuppressed() {
    let mut settings = test_settings();
    settings.stats_suppress_below = 5;
    let w = world_with(settings);
    crate::checklists::submit(&w.app, &w.user_a, &[]);
    let get = |token: &str| {
        let r = w.app.get("/api/v1/stats/checklists", Some(token));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    };
    assert_eq!(
        get(&w.user_a.token)["total"],
        json!({"value": 1, "suppressed": false})
    );
    assert_eq!(get(&w.worker_a.token)["total"]["suppressed"], true);
}
