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
    // Housing (2) is under 3. Themes do not add up to a total, but each is part of it: school
    // costs (3) is withheld too, or 5 - 3 would say that 2 cases are about something else.
    assert_eq!(count(&s, "by_theme", "housing")["suppressed"], true);
    assert_eq!(count(&s, "by_theme", "school_costs")["suppressed"], true);
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

/// A CSV answer in the Belgian dialect, read back as Excel in a Belgian locale reads it.
fn belgian_csv(res: &crate::helpers::Resp) -> (Vec<String>, Vec<csv::StringRecord>) {
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res
        .body
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or_else(|| panic!("no UTF-8 BOM: {}", res.text()));
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(body);
    let headers = reader.headers().unwrap().iter().map(String::from).collect();
    (headers, reader.records().map(|r| r.unwrap()).collect())
}

#[test]
fn figures_come_as_belgian_csv_when_dutch_is_asked() {
    let w = five_cases(0);
    // One family the OCMW knew: the reach becomes a fraction (2 new of 3).
    let r = w.post(
        &w.worker_b,
        "/api/v1/cases",
        json!({"school_id": w.school_b, "origin": "parent", "themes": ["housing"], "known_to_ocmw": true,
               "pupil": {"pseudonym": "K"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let json = stats(&w, &w.coord.token, "");
    let res = w.app.request(
        "GET",
        "/api/v1/stats/cases",
        Some(&w.coord.token),
        None,
        &[("accept", "text/csv"), ("accept-language", "nl")],
    );
    assert!(
        res.header("vary")
            .unwrap_or_default()
            .contains("Accept-Language")
    );
    let (headers, rows) = belgian_csv(&res);
    assert_eq!(headers, ["sectie", "sleutel", "waarde", "afgeschermd"]);
    let value = |section: &str, key: &str| {
        rows.iter()
            .find(|r| &r[0] == section && &r[1] == key)
            .unwrap_or_else(|| panic!("no {section}.{key} in {rows:?}"))[2]
            .to_string()
    };
    assert_eq!(value("total", "cases"), json["total"]["value"].to_string());
    for section in ["status", "origin", "theme"] {
        for c in json[&format!("by_{section}")].as_array().unwrap() {
            let key = c["key"].as_str().unwrap();
            assert_eq!(
                value(section, key),
                c["count"]["value"].to_string(),
                "{section}.{key}"
            );
        }
    }
    assert_eq!(
        value("reach", "new"),
        json["reach"]["new"]["value"].to_string()
    );
    let share = json["reach"]["share_new"].as_f64().expect("a share");
    assert!(share > 0.0 && share < 1.0, "a fraction: {json}");
    let cell = value("reach", "share_new");
    assert!(
        cell.contains(',') && !cell.contains('.'),
        "decimal comma: {cell}"
    );
    assert_eq!(cell.replace(',', ".").parse::<f64>().unwrap(), share);
    assert!(
        rows.iter()
            .all(|r| &r[3] == "nee" || &r[3] == "ja" || r[3].is_empty())
    );

    // The parameter decides over the language, both ways; nothing asked keeps the English form.
    let res = w.app.request(
        "GET",
        "/api/v1/stats/cases?dialect=nl_be",
        Some(&w.coord.token),
        None,
        &[("accept", "text/csv")],
    );
    assert_eq!(belgian_csv(&res).0[0], "sectie");
    for (query, language) in [
        ("?dialect=en", Some("nl-BE")),
        ("", None),
        ("", Some("en, nl")),
    ] {
        let mut headers = vec![("accept", "text/csv")];
        headers.extend(language.map(|l| ("accept-language", l)));
        let res = w.app.request(
            "GET",
            &format!("/api/v1/stats/cases{query}"),
            Some(&w.coord.token),
            None,
            &headers,
        );
        let text = res.text();
        assert!(
            text.starts_with("section,key,value,suppressed\n"),
            "{query} {language:?}: {text}"
        );
        assert!(text.contains(&format!("reach,share_new,{share}")), "{text}");
    }
    let p = w
        .app
        .request(
            "GET",
            "/api/v1/stats/cases?dialect=excel",
            Some(&w.coord.token),
            None,
            &[("accept", "text/csv")],
        )
        .problem(422);
    assert!(p.to_string().contains("dialect"), "{p}");
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
    // The whole: its own origins exactly; the three cases it did not raise are too few and stay
    // withheld whole, and so does every cell they may be part of (the total, every theme: its
    // own poverty too, or a shown 2 would say that none of them is about poverty), so
    // subtracting its own counts reveals nothing of them. Their theme is not even listed.
    assert_eq!(count(&s, "by_origin", "school_request")["value"], 2);
    assert_eq!(count(&s, "by_origin", "office_hours")["suppressed"], true);
    assert_eq!(count(&s, "by_origin", "parent")["suppressed"], true);
    assert_eq!(s["total"]["suppressed"], true);
    assert_eq!(count(&s, "by_theme", "poverty")["suppressed"], true);
    assert!(
        s["by_theme"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["key"] != "school_costs"),
        "{s}"
    );
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

// ---------------------------------------------------------------------------------------------
// Figures that cannot be differenced (issue 17): no set of requests a school or a worker can make
// derives, by subtraction, a small count about cases they may not see.

mod differencing {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::NaiveDate;
    use diesel::prelude::*;
    use kinderen_eerst::db::schema::{case_themes, cases};
    use serde_json::{Value, json};

    use crate::cases::{World, world_with};
    use crate::helpers::{TestUser, test_settings};

    pub const T: i64 = 5;
    const RAISED: [&str; 2] = ["checklist", "school_request"];

    /// A case as the database holds it: the ground truth the figures are checked against.
    #[derive(Debug)]
    pub struct Truth {
        pub school: String,
        origin: String,
        status: String,
        outcome: Option<String>,
        known: Option<bool>,
        contacted: bool,
        opened: NaiveDate,
        themes: Vec<String>,
    }

    /// A cell of the case figures, by what it counts.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Total,
        Status(String),
        Origin(String),
        Outcome(String),
        Theme(String),
        Reach(String),
        FirstContact,
    }

    impl Key {
        fn holds(&self, c: &Truth) -> bool {
            match self {
                Key::Total => true,
                Key::Status(s) => c.status == *s,
                Key::Origin(o) => c.origin == *o,
                Key::Outcome(o) => c.outcome.as_deref() == Some(o.as_str()),
                Key::Theme(t) => c.themes.contains(t),
                Key::Reach(r) => {
                    r == match c.known {
                        Some(true) => "known",
                        Some(false) => "new",
                        None => "unknown",
                    }
                }
                Key::FirstContact => c.contacted,
            }
        }
        /// Every case this cell counts is counted by `other`, by definition (whatever the data):
        /// what a caller knows nests, and may subtract.
        fn within(&self, other: &Key) -> bool {
            self == other
                || *other == Key::Total
                || matches!((self, other), (Key::Outcome(_), Key::Status(s)) if s == "closed")
        }
    }

    /// The cases a response counts: a period (null: open) and a set of schools.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    struct Set {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        schools: BTreeSet<String>,
    }

    impl Set {
        fn has(&self, c: &Truth) -> bool {
            self.schools.contains(&c.school)
                && self.from.is_none_or(|f| c.opened >= f)
                && self.to.is_none_or(|t| c.opened <= t)
        }
        fn within(&self, other: &Set) -> bool {
            let from_ok = match (self.from, other.from) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => a >= b,
            };
            let to_ok = match (self.to, other.to) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => a <= b,
            };
            from_ok && to_ok && self.schools.is_subset(&other.schools)
        }
    }

    struct Seed {
        at_a: bool,
        origin: &'static str,
        themes: &'static [&'static str],
        known: Option<bool>,
        opened: &'static str,
        outcome: Option<&'static str>,
        contacted: bool,
    }

    const fn seed(
        at_a: bool,
        origin: &'static str,
        themes: &'static [&'static str],
        opened: &'static str,
    ) -> Seed {
        Seed {
            at_a,
            origin,
            themes,
            known: None,
            opened,
            outcome: None,
            contacted: false,
        }
    }

    /// School A's own cases (school requests) in 2021–2023 and the cases it may not see: none in
    /// 2021, two in 2022 (too few), nine in 2023 with small groups inside (one office-hours case
    /// about residence status, referred, on 2023-06-07; one opened by a worker), and cases at
    /// school B in 2023.
    const SEEDS: &[Seed] = &[
        seed(true, "school_request", &["poverty"], "2021-02-01"),
        seed(true, "school_request", &["poverty"], "2021-03-01"),
        seed(true, "school_request", &["poverty"], "2021-05-01"),
        seed(
            true,
            "school_request",
            &["poverty", "housing"],
            "2021-09-01",
        ),
        seed(true, "school_request", &["poverty"], "2021-11-01"),
        seed(true, "school_request", &["poverty"], "2022-02-01"),
        seed(true, "school_request", &["housing"], "2022-10-01"),
        seed(true, "parent", &["housing"], "2022-03-01"),
        Seed {
            known: Some(false),
            ..seed(true, "parent", &["housing", "wellbeing"], "2022-12-31")
        },
        seed(true, "school_request", &["poverty"], "2023-01-10"),
        Seed {
            outcome: Some("resolved"),
            ..seed(true, "school_request", &["poverty"], "2023-02-10")
        },
        seed(
            true,
            "school_request",
            &["poverty", "housing"],
            "2023-03-10",
        ),
        seed(true, "school_request", &["housing"], "2023-06-07"),
        seed(
            true,
            "school_request",
            &["housing", "poverty"],
            "2023-09-10",
        ),
        seed(true, "school_request", &["poverty"], "2023-12-31"),
        Seed {
            known: Some(true),
            contacted: true,
            ..seed(true, "parent", &["housing"], "2023-01-05")
        },
        Seed {
            known: Some(true),
            contacted: true,
            ..seed(true, "parent", &["housing"], "2023-02-05")
        },
        Seed {
            known: Some(false),
            contacted: true,
            outcome: Some("resolved"),
            ..seed(true, "parent", &["housing", "school_costs"], "2023-03-05")
        },
        Seed {
            known: Some(false),
            contacted: true,
            ..seed(true, "parent", &["housing"], "2023-04-05")
        },
        Seed {
            known: Some(false),
            contacted: true,
            outcome: Some("resolved"),
            ..seed(true, "parent", &["housing", "wellbeing"], "2023-05-05")
        },
        Seed {
            known: Some(false),
            contacted: true,
            ..seed(true, "parent", &["housing"], "2023-06-06")
        },
        Seed {
            known: Some(true),
            ..seed(true, "parent", &["housing"], "2023-08-05")
        },
        seed(true, "social_worker", &["housing", "neglect"], "2023-10-05"),
        // The family of issue 17's scenario.
        Seed {
            known: Some(false),
            contacted: true,
            outcome: Some("referred"),
            ..seed(true, "office_hours", &["residence_status"], "2023-06-07")
        },
        seed(false, "parent", &["housing"], "2023-02-01"),
        seed(false, "parent", &["housing"], "2023-06-07"),
        seed(false, "office_hours", &["residence_status"], "2023-06-08"),
        seed(false, "school_request", &["poverty"], "2022-06-01"),
    ];

    fn plant(w: &World, s: &Seed, n: usize) {
        let (worker, school) = if s.at_a {
            (&w.worker_a, &w.school_a)
        } else {
            (&w.worker_b, &w.school_b)
        };
        let mut body = json!({"school_id": school, "origin": s.origin, "themes": s.themes,
                              "pupil": {"pseudonym": format!("P-{n}")}});
        if let Some(k) = s.known {
            body["known_to_ocmw"] = json!(k);
        }
        let res = w.post(worker, "/api/v1/cases", body);
        assert_eq!(res.status, 201, "{}", res.text());
        let id = res.json()["id"].as_str().unwrap().to_string();
        let at = NaiveDate::parse_from_str(s.opened, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let mut conn = w.app.conn();
        // Dates, closing (a referred case would need a referral sent first) and first contact
        // are set in the database: the figures are what is tested, not the lifecycle.
        diesel::update(cases::table.find(&id))
            .set((
                cases::opened_at.eq(at),
                cases::first_contact_days.eq(s.contacted.then_some(2)),
            ))
            .execute(&mut conn)
            .unwrap();
        if let Some(o) = s.outcome {
            diesel::update(cases::table.find(&id))
                .set((
                    cases::status.eq("closed"),
                    cases::outcome.eq(Some(o)),
                    cases::closed_at.eq(Some(at)),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        diesel::update(case_themes::table.filter(case_themes::case_id.eq(&id)))
            .set(case_themes::opened_at.eq(Some(at)))
            .execute(&mut conn)
            .unwrap();
    }

    pub fn seeded() -> World {
        let mut settings = test_settings();
        settings.stats_suppress_below = T;
        let w = world_with(settings);
        for (n, s) in SEEDS.iter().enumerate() {
            plant(&w, s, n);
        }
        w
    }

    pub fn truth(w: &World) -> Vec<Truth> {
        let mut conn = w.app.conn();
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<bool>,
            Option<i32>,
            chrono::NaiveDateTime,
        );
        let rows: Vec<Row> = cases::table
            .select((
                cases::id,
                cases::school_id,
                cases::origin,
                cases::status,
                cases::outcome,
                cases::known_to_ocmw,
                cases::first_contact_days,
                cases::opened_at,
            ))
            .load(&mut conn)
            .unwrap();
        let themes: Vec<(String, String)> = case_themes::table
            .select((case_themes::case_id, case_themes::theme_code))
            .load(&mut conn)
            .unwrap();
        rows.into_iter()
            .map(
                |(id, school, origin, status, outcome, known, days, at)| Truth {
                    school,
                    origin,
                    status,
                    outcome,
                    known,
                    contacted: days.is_some(),
                    opened: at.date(),
                    themes: themes
                        .iter()
                        .filter(|(c, _)| *c == id)
                        .map(|(_, t)| t.clone())
                        .collect(),
                },
            )
            .collect()
    }

    /// Nested, overlapping and adjacent periods, single days, whole years, open ends.
    pub const WINDOWS: &[(Option<&str>, Option<&str>)] = &[
        (None, None),
        (Some("2020-01-01"), Some("2023-06-06")),
        (Some("2020-01-01"), Some("2023-06-07")),
        (Some("2023-06-07"), Some("2023-06-07")),
        (Some("2023-06-06"), Some("2023-06-06")),
        (Some("2023-06-08"), Some("2023-06-08")),
        (Some("2023-01-01"), Some("2023-06-06")),
        (Some("2023-01-01"), Some("2023-06-07")),
        (Some("2023-06-07"), Some("2023-12-31")),
        (Some("2023-06-08"), Some("2023-12-31")),
        (Some("2023-04-01"), Some("2023-06-30")),
        (Some("2023-07-01"), Some("2023-09-30")),
        (Some("2023-01-01"), Some("2023-12-31")),
        (Some("2022-01-01"), Some("2022-12-31")),
        (Some("2022-06-01"), Some("2023-05-31")),
        (Some("2022-12-31"), Some("2022-12-31")),
        (Some("2021-01-01"), Some("2021-12-31")),
        (Some("2023-06-07"), None),
        (None, Some("2023-06-07")),
        (None, Some("2022-12-31")),
    ];

    /// Every filter the API offers: none, each school, the network, another network. (Themes
    /// and origins are not filters but breakdowns of every answer: each of their cells is
    /// checked as the figure of a request filtered on it.)
    pub fn filters(w: &World) -> Vec<(String, BTreeSet<String>)> {
        let net = crate::meetings::network_of(w, &w.school_a);
        let both: BTreeSet<String> = [w.school_a.clone(), w.school_b.clone()].into();
        vec![
            (String::new(), both.clone()),
            (
                format!("school={}", w.school_a),
                [w.school_a.clone()].into(),
            ),
            (
                format!("school={}", w.school_b),
                [w.school_b.clone()].into(),
            ),
            (format!("network={net}"), both),
            (
                "network=00000000-0000-4000-8000-000000000000".to_string(),
                BTreeSet::new(),
            ),
        ]
    }

    pub fn query(window: &(Option<&str>, Option<&str>), filter: &str) -> String {
        let mut q: Vec<String> = Vec::new();
        if let Some(f) = window.0 {
            q.push(format!("from={f}"));
        }
        if let Some(t) = window.1 {
            q.push(format!("to={t}"));
        }
        if !filter.is_empty() {
            q.push(filter.to_string());
        }
        q.join("&")
    }

    fn cells(s: &Value) -> Vec<(Key, Option<i64>)> {
        let cell = |c: &Value| {
            if c["suppressed"] == true {
                None
            } else {
                Some(c["value"].as_i64().unwrap())
            }
        };
        let mut out = vec![(Key::Total, cell(&s["total"]))];
        for (section, key) in [
            ("by_status", Key::Status as fn(String) -> Key),
            ("by_origin", Key::Origin),
            ("by_outcome", Key::Outcome),
            ("by_theme", Key::Theme),
        ] {
            for c in s[section].as_array().unwrap() {
                out.push((key(c["key"].as_str().unwrap().into()), cell(&c["count"])));
            }
        }
        for r in ["known", "new", "unknown"] {
            out.push((Key::Reach(r.into()), cell(&s["reach"][r])));
        }
        out.push((Key::FirstContact, cell(&s["first_contact"]["cases"])));
        out
    }

    /// Which of `eqs` (coefficients over the unknowns, = a constant) pin one unknown down.
    fn determined(eqs: &[(Vec<(usize, f64)>, f64)], n: usize) -> Vec<usize> {
        let mut m: Vec<Vec<f64>> = eqs
            .iter()
            .map(|(terms, c)| {
                let mut row = vec![0.0; n + 1];
                for (i, a) in terms {
                    row[*i] += a;
                }
                row[n] = *c;
                row
            })
            .collect();
        let mut pivots = Vec::new();
        let mut r = 0;
        for col in 0..n {
            let Some(p) = (r..m.len()).find(|&i| m[i][col].abs() > 1e-9) else {
                continue;
            };
            m.swap(r, p);
            let pv = m[r][col];
            for x in m[r].iter_mut() {
                *x /= pv;
            }
            let pivot_row = m[r].clone();
            for (i, row) in m.iter_mut().enumerate() {
                if i != r && row[col].abs() > 1e-9 {
                    let f = row[col];
                    for (x, p) in row.iter_mut().zip(&pivot_row) {
                        *x -= f * p;
                    }
                }
            }
            pivots.push((r, col));
            r += 1;
        }
        pivots
            .into_iter()
            .filter(|(row, col)| (0..n).all(|j| j == *col || m[*row][j].abs() < 1e-9))
            .map(|(_, c)| c)
            .collect()
    }

    /// Asks every window × filter as `user`, checks each shown count against the truth, and
    /// asserts that nothing small about the cases `sees` rejects can be derived: no two nested
    /// cells differ by 1..T in what they count of those cases, no withheld cell can be
    /// recomputed, no withheld part of a group adds up to a small number. Returns the answers.
    pub fn assert_nothing_small_derivable(
        w: &World,
        user: &TestUser,
        scope: &BTreeSet<String>,
        sees: &dyn Fn(&Truth) -> bool,
        truth: &[Truth],
    ) -> Vec<Value> {
        let mut answers = Vec::new();
        // (set, key) -> the protected part when shown, None when withheld.
        let mut known: BTreeMap<(Set, Key), Option<i64>> = BTreeMap::new();
        for window in WINDOWS {
            for (filter, schools) in filters(w) {
                let q = query(window, &filter);
                let res = w
                    .app
                    .get(&format!("/api/v1/stats/cases?{q}"), Some(&user.token));
                if res.status == 422 {
                    answers.push(json!({"refused": q}));
                    continue;
                }
                assert_eq!(res.status, 200, "{q}: {}", res.text());
                let s = res.json();
                let day = |k: &str| {
                    s["scope"][k]
                        .as_str()
                        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap())
                };
                let set = Set {
                    from: day("period_from"),
                    to: day("period_to"),
                    schools: scope.intersection(&schools).cloned().collect(),
                };
                for (key, shown) in cells(&s) {
                    let count = |f: &dyn Fn(&Truth) -> bool| {
                        truth
                            .iter()
                            .filter(|c| set.has(c) && key.holds(c) && f(c))
                            .count() as i64
                    };
                    let protected = shown.map(|v| {
                        assert_eq!(v, count(&|_| true), "{q}: {key:?} is not the truth");
                        v - count(sees)
                    });
                    let prev = known.insert((set.clone(), key.clone()), protected);
                    if let Some(p) = prev {
                        assert_eq!(p, protected, "{q}: {key:?} differs from an earlier answer");
                    }
                }
                answers.push(s);
            }
        }
        let shown: Vec<(&(Set, Key), i64)> = known
            .iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        for ((s1, k1), p1) in &shown {
            for ((s2, k2), p2) in &shown {
                if s1.within(s2) && k1.within(k2) {
                    assert!(
                        !(1..T).contains(&(p2 - p1)),
                        "{k2:?} of {s2:?} minus {k1:?} of {s1:?} = {} cases out of sight",
                        p2 - p1
                    );
                }
            }
        }
        // Within each set of cases, the groups that add up.
        let sets: BTreeSet<Set> = known.keys().map(|(s, _)| s.clone()).collect();
        for set in sets {
            let of = |k: &Key| known.get(&(set.clone(), k.clone())).copied();
            let members = |f: fn(&Key) -> bool| -> Vec<Key> {
                known
                    .keys()
                    .filter(|(s, k)| *s == set && f(k))
                    .map(|(_, k)| k.clone())
                    .collect()
            };
            let groups = [
                (Key::Total, members(|k| matches!(k, Key::Status(_)))),
                (Key::Total, members(|k| matches!(k, Key::Origin(_)))),
                (Key::Total, members(|k| matches!(k, Key::Reach(_)))),
                (
                    Key::Status("closed".into()),
                    members(|k| matches!(k, Key::Outcome(_))),
                ),
            ];
            let mut unknowns: Vec<Key> = Vec::new();
            let index = |k: &Key, u: &mut Vec<Key>| match u.iter().position(|x| x == k) {
                Some(i) => i,
                None => {
                    u.push(k.clone());
                    u.len() - 1
                }
            };
            let mut eqs = Vec::new();
            for (parent, parts) in &groups {
                // parent - sum(parts) = 0, shown values moved to the constant side.
                let mut terms = Vec::new();
                let mut constant = 0.0;
                let mut withheld_sum: Option<i64> = of(parent).flatten();
                for (k, sign) in
                    std::iter::once((parent, 1.0)).chain(parts.iter().map(|k| (k, -1.0)))
                {
                    match of(k).flatten() {
                        Some(v) => {
                            constant -= sign * v as f64;
                            if sign < 0.0 {
                                withheld_sum = withheld_sum.map(|s| s - v);
                            }
                        }
                        None => terms.push((index(k, &mut unknowns), sign)),
                    }
                }
                if let Some(rest) = withheld_sum {
                    assert!(
                        !(1..T).contains(&rest),
                        "{set:?}: the withheld parts of {parent:?} add up to {rest}"
                    );
                }
                eqs.push((terms, constant));
            }
            let pinned = determined(&eqs, unknowns.len());
            assert!(
                pinned.is_empty(),
                "{set:?}: withheld {:?} can be recomputed",
                pinned.iter().map(|i| &unknowns[*i]).collect::<Vec<_>>()
            );
        }
        answers
    }

    pub fn raised(c: &Truth) -> bool {
        RAISED.contains(&c.origin.as_str())
    }
}

/// Issue 17: a school asked 2020-01-01..2023-06-06 (8) and ..2023-06-07 (9), then the single day
/// 2023-06-07: zeros, the theme list and the outcome gave away one family's office-hours case.
#[test]
fn a_school_cannot_single_out_a_case_it_may_not_see_by_narrowing_the_period() {
    let w = differencing::seeded();
    for to in ["2023-06-06", "2023-06-07"] {
        let p = w
            .app
            .get(
                &format!("/api/v1/stats/cases?from=2020-01-01&to={to}"),
                Some(&w.user_a.token),
            )
            .problem(422);
        assert!(p.to_string().contains("\"to\""), "names the field: {p}");
    }
    let day = stats(&w, &w.user_a.token, "from=2023-06-07&to=2023-06-07");
    assert_eq!(day["scope"]["period_from"], "2023-01-01");
    assert_eq!(day["scope"]["period_to"], "2023-12-31");
    assert_eq!(day["scope"]["period_grid"], "calendar_year");
    assert_eq!(day["scope"]["from"], "2023-06-07", "what was asked");
    // The whole year, whichever day of it is asked.
    let year = stats(&w, &w.user_a.token, "from=2023-01-01&to=2023-12-31");
    for k in [
        "total",
        "by_status",
        "by_origin",
        "by_outcome",
        "by_theme",
        "reach",
    ] {
        assert_eq!(day[k], year[k], "{k}");
    }
    // Nine cases it may not see in 2023: the count shows, their small groups do not.
    assert_eq!(day["total"]["value"], 15);
    assert_eq!(day["raised_by_school"]["total"]["value"], 6);
    assert_eq!(count(&day, "by_origin", "office_hours")["suppressed"], true);
    assert_eq!(
        count(&day, "by_theme", "residence_status")["suppressed"],
        true
    );
    assert_eq!(count(&day, "by_outcome", "referred")["suppressed"], true);
    assert_eq!(
        count(&day, "by_outcome", "declined_by_family")["suppressed"],
        true
    );
    // 2022: two such cases, withheld whole: no zero, no theme of theirs.
    let y22 = stats(&w, &w.user_a.token, "to=2022-12-31");
    assert_eq!(y22["total"]["suppressed"], true);
    for c in y22["by_status"].as_array().unwrap() {
        assert_eq!(c["count"]["suppressed"], true, "{y22}");
    }
    assert!(
        y22["by_theme"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["key"] != "wellbeing" && c["count"]["suppressed"] == true),
        "{y22}"
    );
    assert_eq!(count(&y22, "by_origin", "school_request")["value"], 2);
    // The coordinator keeps free periods.
    let coord = stats(&w, &w.coord.token, "from=2023-06-07&to=2023-06-07");
    assert_eq!(coord["scope"]["period_grid"], "free");
    assert_eq!(coord["total"]["value"], 3);
}

#[test]
fn no_pair_of_figures_a_school_can_ask_for_differs_by_a_few_cases_it_may_not_see() {
    let w = differencing::seeded();
    let truth = differencing::truth(&w);
    let a = w.school_a.clone();
    let scope = [a.clone()].into();
    let answers = differencing::assert_nothing_small_derivable(
        &w,
        &w.user_a,
        &scope,
        &|c| c.school == a && differencing::raised(c),
        &truth,
    );
    let refused = answers
        .iter()
        .filter(|a| a.get("refused").is_some())
        .count();
    assert!(refused > 0 && refused < answers.len() / 2, "{refused}");
}

#[test]
fn a_workers_figures_hold_nothing_of_schools_they_are_not_assigned_to() {
    let w = differencing::seeded();
    let truth = differencing::truth(&w);
    let a = w.school_a.clone();
    let scope = [a.clone()].into();
    let ask = |truth: &[differencing::Truth]| {
        // Worker A reads every case of school A; a count of anything else must be zero.
        differencing::assert_nothing_small_derivable(
            &w,
            &w.worker_a,
            &scope,
            &|c| c.school == a,
            truth,
        )
    };
    let before = ask(&truth);
    let school = differencing::assert_nothing_small_derivable(
        &w,
        &w.user_a,
        &scope,
        &|c| c.school == a && differencing::raised(c),
        &truth,
    );
    // More cases at school B change nothing worker A or school A is shown, not even which
    // cells are withheld.
    for _ in 0..3 {
        let r = w.post(
            &w.worker_b,
            "/api/v1/cases",
            json!({"school_id": w.school_b, "origin": "office_hours", "themes": ["residence_status"],
                   "pupil": {"pseudonym": "X"}}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let truth = differencing::truth(&w);
    assert_eq!(ask(&truth), before);
    let school_after = differencing::assert_nothing_small_derivable(
        &w,
        &w.user_a,
        &scope,
        &|c| c.school == a && differencing::raised(c),
        &truth,
    );
    assert_eq!(school_after, school);
}
