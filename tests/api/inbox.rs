//! A day's work in a few calls: the inbox per role, search by what is written on a letter,
//! events for what people wait on, and one call from signal to case (issue 20).

use chrono::{Datelike, Duration, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::cases::{World, world_with};
use crate::checklists::submit;
use crate::helpers::{Resp, TestUser};
use crate::presence::{keys, set};
use crate::referrals::{Fixture, id_of, today, two_services};
use kinderen_eerst::db::schema::referrals;

/// Every key an inbox item has; which are set depends on its kind.
const ITEM: [&str; 17] = [
    "kind",
    "at",
    "new",
    "link",
    "id",
    "reference",
    "school",
    "network",
    "worker",
    "partner_name",
    "status",
    "urgency",
    "date",
    "start_time",
    "end_time",
    "count",
    "capacity_hours",
];

fn inbox(w: &World, user: &TestUser) -> Value {
    let res = w.app.get("/api/v1/inbox", Some(&user.token));
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    for item in v["items"].as_array().unwrap() {
        assert_eq!(keys(item), set(&ITEM), "{item}");
        for k in ["school", "worker", "network"] {
            if item[k].is_object() {
                let allowed: &[&str] = match k {
                    "worker" => &["id", "display_name"],
                    _ => &["id", "name"],
                };
                assert_eq!(keys(&item[k]), set(allowed), "{item}");
            }
        }
    }
    v
}

fn kinds(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect()
}

fn of_kind<'a>(v: &'a Value, kind: &str) -> Vec<&'a Value> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == kind)
        .collect()
}

/// No personal data of the fixtures anywhere in an answer. Ids, alone or in
/// a path, are left out of the search: a random UUID may hold `0470`.
#[track_caller]
fn no_personal_data(v: &Value) {
    let uuid =
        regex::Regex::new("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let text = uuid.replace_all(&v.to_string(), "<id>").into_owned();
    for word in [
        "L5B-03",
        "4B-07",
        "5A-02",
        "Diallo",
        "Çelik",
        "0470",
        "Vaak moe",
        "schoolrekening",
        "afbetalingsplan",
    ] {
        assert!(!text.contains(word), "`{word}` in {text}");
    }
}

fn patch(w: &World, user: &TestUser, path: &str, body: Value, etag: Option<&str>) -> Resp {
    let mut headers = vec![];
    if let Some(e) = etag {
        headers.push(("if-match", e));
    }
    w.app.request(
        "PATCH",
        path,
        Some(&user.token),
        Some(("application/json", body.to_string().into_bytes())),
        &headers,
    )
}

fn consult(w: &World, school: &TestUser) -> Value {
    let soon = (Utc::now().date_naive() + Duration::days(7)).to_string();
    let res = w.post(
        school,
        "/api/v1/consult-requests",
        json!({"reason": "Ouders vragen hulp bij de schoolrekening", "themes": ["school_costs"],
               "preferred_dates": [soon], "urgency": "high"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

/// Worker A holds office hours at school A on today's weekday.
fn office_hours_today(w: &World) {
    let res = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": w.worker_a.id, "school_id": w.school_a, "mode": "office_hours",
               "weekday": Utc::now().date_naive().weekday().number_from_monday(),
               "start_time": "23:00", "end_time": "23:59", "valid_from": "2020-01-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
}

fn settings() -> kinderen_eerst::config::Settings {
    let mut s = crate::helpers::test_settings();
    s.inbox_submission_wait_days = 0;
    s
}

/// A sent referral of a case of school A, past its follow-up day with no answer.
fn overdue_referral(f: &Fixture) -> String {
    f.consent("refer_to_partner", Some(&f.partner));
    let id = id_of(&f.draft());
    f.step(&id, "send");
    let past = today() - Duration::days(3);
    diesel::update(referrals::table.find(&id))
        .set((
            referrals::follow_up_on.eq(Some(past)),
            referrals::last_transition_on.eq(past - Duration::days(5)),
        ))
        .execute(&mut f.w.app.conn())
        .unwrap();
    id
}

#[test]
fn a_worker_starts_the_day_with_one_call_and_new_marks_what_came_since() {
    let f = crate::referrals::fixture_with(settings());
    let w = &f.w;
    office_hours_today(w);
    let sub = submit(&w.app, &w.user_a, &[]);
    let c = consult(w, &w.user_a);
    let referral = overdue_referral(&f);
    // A case whose follow-up day has come.
    let case = w.case_by_worker("social_worker");
    let case_id = id_of(&case);
    let etag = w
        .app
        .get(&format!("/api/v1/cases/{case_id}"), Some(&w.worker_a.token))
        .header("etag")
        .unwrap()
        .to_string();
    let yesterday = (Utc::now().date_naive() - Duration::days(1)).to_string();
    let res = patch(
        w,
        &w.worker_a,
        &format!("/api/v1/cases/{case_id}"),
        json!({"follow_up_on": yesterday}),
        Some(&etag),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["follow_up_on"], yesterday);

    let v = inbox(w, &w.worker_a);
    assert_eq!(v["role"], "social_worker");
    assert!(v["seen_at"].is_null());
    no_personal_data(&v);
    let k = kinds(&v);
    for kind in [
        "submission_new",
        "consult_to_plan",
        "referral_overdue",
        "office_hour",
        "case_follow_up",
    ] {
        assert!(k.contains(&kind.to_string()), "{kind} missing: {v}");
    }
    let s = of_kind(&v, "submission_new");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["id"], sub["id"]);
    assert_eq!(
        s[0]["link"],
        format!(
            "/api/v1/checklist-submissions/{}",
            sub["id"].as_str().unwrap()
        )
    );
    assert_eq!(s[0]["school"]["id"], w.school_a);
    assert_eq!(of_kind(&v, "consult_to_plan")[0]["id"], c["id"]);
    assert_eq!(of_kind(&v, "consult_to_plan")[0]["urgency"], "high");
    let r = of_kind(&v, "referral_overdue");
    assert_eq!(r[0]["id"], referral);
    assert!(r[0]["partner_name"].is_string());
    let fu = of_kind(&v, "case_follow_up");
    assert_eq!(fu[0]["reference"], case["reference"]);
    assert_eq!(fu[0]["date"], yesterday);
    assert_eq!(of_kind(&v, "office_hour")[0]["start_time"], "23:00");
    // Before the first mark, everything is new.
    assert_eq!(v["new_count"], v["items"].as_array().unwrap().len());
    // Every link answers the worker.
    for item in v["items"].as_array().unwrap() {
        let link = item["link"].as_str().unwrap();
        let res = w.app.get(link, Some(&w.worker_a.token));
        assert_eq!(res.status, 200, "{link}: {}", res.text());
    }

    // Worker B, at school B, sees none of it.
    let b = inbox(w, &w.worker_b);
    assert!(
        !b.to_string().contains(&w.school_a),
        "school A in B's inbox: {b}"
    );

    // Marked as seen: nothing is new; a new submission is, and only it.
    let res = w.post(&w.worker_a, "/api/v1/inbox/seen", json!({}));
    assert_eq!(res.status, 200, "{}", res.text());
    let v = inbox(w, &w.worker_a);
    assert_eq!(v["new_count"], 0, "{v}");
    assert!(v["seen_at"].is_string());
    std::thread::sleep(std::time::Duration::from_millis(20));
    let sub2 = submit(&w.app, &w.user_a, &[]);
    let v = inbox(w, &w.worker_a);
    assert_eq!(v["new_count"], 1, "{v}");
    let new: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["new"] == true)
        .collect();
    assert_eq!(new[0]["id"], sub2["id"]);

    // A mark never moves back, and never into the future.
    let seen = v["seen_at"].clone();
    let res = w.post(
        &w.worker_a,
        "/api/v1/inbox/seen",
        json!({"seen_at": "2020-01-01T00:00:00Z"}),
    );
    assert_eq!(res.json()["seen_at"], seen);
    let p = w
        .post(
            &w.worker_a,
            "/api/v1/inbox/seen",
            json!({"seen_at": "2999-01-01T00:00:00Z"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "seen_at");
    let p = w
        .post(&w.worker_a, "/api/v1/inbox/seen", json!({"seen": 1}))
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "seen");

    // The scheduled visit replaces the consult to plan, as a visit this week.
    let etag = w
        .app
        .get(
            &format!("/api/v1/consult-requests/{}", c["id"].as_str().unwrap()),
            Some(&w.worker_a.token),
        )
        .header("etag")
        .unwrap()
        .to_string();
    let day = (Utc::now().date_naive() + Duration::days(2)).to_string();
    let res = w.app.request(
        "POST",
        &format!(
            "/api/v1/consult-requests/{}/schedule",
            c["id"].as_str().unwrap()
        ),
        Some(&w.worker_a.token),
        Some((
            "application/json",
            json!({"date": day, "start_time": "09:00", "end_time": "10:00"})
                .to_string()
                .into_bytes(),
        )),
        &[("if-match", &etag)],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let v = inbox(w, &w.worker_a);
    assert!(of_kind(&v, "consult_to_plan").is_empty(), "{v}");
    let visit = of_kind(&v, "visit");
    assert_eq!(visit[0]["date"], day);
    assert_eq!(visit[0]["start_time"], "09:00");
    assert_eq!(visit[0]["new"], true);
}

#[test]
fn a_school_sees_its_consults_visits_feedback_next_office_hour_and_spoc() {
    let w = world_with(settings());
    office_hours_today(&w);
    let c = consult(&w, &w.user_a);
    let v = inbox(&w, &w.user_a);
    assert_eq!(v["role"], "school");
    no_personal_data(&v);
    assert_eq!(of_kind(&v, "consult_requested")[0]["id"], c["id"]);
    let spoc = of_kind(&v, "spoc");
    assert_eq!(spoc[0]["worker"]["id"], w.worker_a.id);
    let oh = of_kind(&v, "office_hour");
    assert_eq!(oh.len(), 1, "only the next one: {v}");
    assert_eq!(oh[0]["worker"]["id"], w.worker_a.id);
    // Nothing of school B, and B's inbox holds nothing of A.
    let b = inbox(&w, &w.user_b);
    assert!(!b.to_string().contains(&w.school_a), "{b}");
    assert!(of_kind(&b, "consult_requested").is_empty());

    // Feedback on a case it raised shows while the family's consent is live.
    let case = w.case_by_school();
    let case_id = id_of(&case);
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case_id}/consents"),
        json!({"kind": "share_with_school", "given_by": "parent", "method": "verbal", "given_at": "2026-01-05T10:00:00Z"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let consent = id_of(&res.json());
    let res = w.put(
        &w.worker_a,
        &format!("/api/v1/cases/{case_id}/feedback"),
        json!({"text": "Het gezin krijgt hulp."}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let v = inbox(&w, &w.user_a);
    let fb = of_kind(&v, "feedback_new");
    assert_eq!(fb.len(), 1, "{v}");
    assert_eq!(fb[0]["reference"], case["reference"]);
    assert!(!v.to_string().contains("Het gezin krijgt hulp"));
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case_id}/consents/{consent}/withdraw"),
        json!({}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(of_kind(&inbox(&w, &w.user_a), "feedback_new").is_empty());
}

#[test]
fn the_coordinator_sees_the_gaps_of_the_programme_as_metadata_only() {
    let f = crate::referrals::fixture_with(settings());
    let w = &f.w;
    overdue_referral(&f);
    submit(&w.app, &w.user_a, &[]);
    submit(&w.app, &w.user_a, &[]);
    // A school with no one assigned.
    let nets = w.app.get("/api/v1/networks", Some(&w.coord.token)).json();
    let net = nets["items"][0]["id"].as_str().unwrap().to_string();
    let res = w.post(
        &w.coord,
        "/api/v1/schools",
        json!({"network_id": net, "name": "School zonder SPOC", "institution_number": "100009", "level": "primary"}),
    );
    assert_eq!(res.status, 201);
    let lonely = id_of(&res.json());
    // Worker A: one hour a week, but SPOC (1 contact hour) and two hours of office hours.
    let res = w.app.request(
        "PATCH",
        &format!("/api/v1/users/{}", w.worker_a.id),
        Some(&w.coord.token),
        Some((
            "application/json",
            json!({"weekly_capacity_hours": 1}).to_string().into_bytes(),
        )),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": w.worker_a.id, "school_id": w.school_a, "mode": "office_hours",
               "weekday": 2, "start_time": "08:30", "end_time": "10:30", "valid_from": "2020-01-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    // Worker B leaves: school B loses its SPOC.
    let res = w.app.request(
        "PATCH",
        &format!("/api/v1/users/{}", w.worker_b.id),
        Some(&w.coord.token),
        Some((
            "application/json",
            json!({"active": false}).to_string().into_bytes(),
        )),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());

    let v = inbox(w, &w.coord);
    assert_eq!(v["role"], "coordinator");
    no_personal_data(&v);
    let spoc: Vec<&Value> = of_kind(&v, "school_without_spoc");
    assert!(spoc.iter().any(|i| i["school"]["id"] == lonely), "{v}");
    assert!(!spoc.iter().any(|i| i["school"]["id"] == w.school_a), "{v}");
    assert!(spoc.iter().any(|i| i["school"]["id"] == w.school_b), "{v}");
    let over = of_kind(&v, "worker_over_capacity");
    assert_eq!(over.len(), 1, "{v}");
    assert_eq!(over[0]["worker"]["id"], w.worker_a.id);
    assert_eq!(over[0]["count"], 3);
    assert_eq!(over[0]["capacity_hours"], 1);
    let oh = of_kind(&v, "school_without_office_hours");
    assert!(oh.iter().any(|i| i["school"]["id"] == lonely), "{v}");
    assert!(!oh.iter().any(|i| i["school"]["id"] == w.school_a), "{v}");
    let overdue = of_kind(&v, "referrals_overdue");
    assert_eq!(overdue[0]["count"], 1, "{v}");
    assert_eq!(overdue[0]["network"]["id"], net);
    let waiting = of_kind(&v, "submissions_waiting");
    assert_eq!(waiting[0]["count"], 2, "{v}");
    assert_eq!(waiting[0]["school"]["id"], w.school_a);
}

#[test]
fn a_worker_finds_a_case_by_what_is_written_on_a_letter() {
    let w = world_with(settings());
    let res = w.post(
        &w.worker_a,
        "/api/v1/cases",
        json!({"school_id": w.school_a, "origin": "social_worker", "themes": ["school_costs"],
               "pupil": {"pseudonym": "Noor-B", "birth_year": 2016, "class": "4B"},
               "family": {"name": "Familie Çelik"}}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let case = res.json();
    let other = w.case_by_worker("social_worker");
    let reference = case["reference"].as_str().unwrap().to_string();
    let number: u32 = reference.rsplit('-').next().unwrap().parse().unwrap();
    let year = &reference[3..7];
    let ids = |user: &TestUser, q: &str| -> Vec<String> {
        let res = w.app.get(&format!("/api/v1/cases?{q}"), Some(&user.token));
        assert_eq!(res.status, 200, "{q}: {}", res.text());
        crate::helpers::item_ids(&res.json())
    };
    let one = vec![case["id"].as_str().unwrap().to_string()];
    // By family name: a prefix, accents and case ignored.
    for q in ["q=celik", "q=%C3%87EL", "q=familie%20cel", "q=noor"] {
        assert_eq!(ids(&w.worker_a, q), one, "{q}");
    }
    assert!(ids(&w.worker_a, "q=elik").is_empty());
    // By reference in any spacing, in q and in reference.
    for r in [
        reference.clone(),
        format!("ke {year} {number}"),
        format!("KE{year}{number:05}"),
    ] {
        let enc = r.replace(' ', "%20");
        assert_eq!(ids(&w.worker_a, &format!("q={enc}")), one, "{r}");
        assert_eq!(ids(&w.worker_a, &format!("reference={enc}")), one, "{r}");
    }
    let p = w
        .app
        .get("/api/v1/cases?reference=Diallo", Some(&w.worker_a.token))
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "reference");
    assert_eq!(p["errors"][0]["code"], "not_a_reference");
    // The other worker finds nothing at school A; the coordinator only by reference.
    assert!(ids(&w.worker_b, "q=celik").is_empty());
    assert!(ids(&w.worker_b, &format!("reference={reference}")).is_empty());
    assert!(ids(&w.coord, "q=celik").is_empty());
    assert_eq!(ids(&w.coord, &format!("q={reference}")), one);
    // The hit is named in the case's access log.
    let log = w
        .app
        .get(
            &format!("/api/v1/cases/{}/access-log", one[0]),
            Some(&w.worker_a.token),
        )
        .json();
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "list" && e["actor_id"] == w.worker_a.id),
        "{log}"
    );

    // By reference as a link: the case in the caller's view, its own address named.
    let path = format!("/api/v1/cases/by-reference/ke%20{year}%20{number}");
    let res = w.app.get(&path, Some(&w.worker_a.token));
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["id"], case["id"]);
    assert_eq!(res.json()["family"]["name"], "Familie Çelik");
    assert_eq!(
        res.header("content-location"),
        Some(format!("/api/v1/cases/{}", one[0]).as_str())
    );
    assert!(res.header("etag").is_some());
    let res = w.app.get(&path, Some(&w.coord.token));
    assert_eq!(res.status, 200);
    assert!(res.json().get("family").is_none());
    w.app.get(&path, Some(&w.worker_b.token)).problem(404);
    w.app.get(&path, Some(&w.user_a.token)).problem(404); // not raised by the school
    w.app
        .get(
            "/api/v1/cases/by-reference/KE-1999-99999",
            Some(&w.worker_a.token),
        )
        .problem(404);
    let p = w
        .app
        .get("/api/v1/cases/by-reference/hallo", Some(&w.worker_a.token))
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "reference");
    let _ = other;
}

#[test]
fn a_school_finds_the_cases_it_raised_by_pseudonym_never_by_family_name() {
    let w = world_with(settings());
    let raised = w.case_by_school(); // pupil 5A-02
    let case_id = id_of(&raised);
    let etag = w
        .app
        .get(&format!("/api/v1/cases/{case_id}"), Some(&w.worker_a.token))
        .header("etag")
        .unwrap()
        .to_string();
    let res = patch(
        &w,
        &w.worker_a,
        &format!("/api/v1/cases/{case_id}"),
        json!({"family": {"name": "Familie Peeters"}}),
        Some(&etag),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let found = |user: &TestUser, q: &str| -> usize {
        let res = w
            .app
            .get(&format!("/api/v1/cases?q={q}"), Some(&user.token));
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["items"].as_array().unwrap().len()
    };
    assert_eq!(found(&w.user_a, "5a"), 1);
    assert_eq!(found(&w.user_a, "peeters"), 0);
    assert_eq!(found(&w.worker_a, "peeters"), 1);
    assert_eq!(found(&w.user_b, "5a"), 0);
    // Its submissions by pseudonym too (L5B-03).
    submit(&w.app, &w.user_a, &[]);
    let subs = |user: &TestUser, q: &str| -> usize {
        let res = w.app.get(
            &format!("/api/v1/checklist-submissions?q={q}"),
            Some(&user.token),
        );
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["items"].as_array().unwrap().len()
    };
    assert_eq!(subs(&w.user_a, "l5b"), 1);
    assert_eq!(subs(&w.user_a, "03"), 1);
    assert_eq!(subs(&w.user_a, "b03"), 0);
    assert_eq!(subs(&w.worker_a, "L5B-03"), 1);
    assert_eq!(subs(&w.user_b, "l5b"), 0);
    assert_eq!(subs(&w.worker_b, "l5b"), 0);
    let p = w
        .app
        .get("/api/v1/cases?q=", Some(&w.user_a.token))
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "q");
}

fn events_after(w: &World, after: i64) -> Vec<Value> {
    let res = w.app.get(
        &format!("/api/v1/events?after={after}&limit=1000"),
        Some(&w.coord.token),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"].as_array().unwrap().clone()
}

#[test]
fn what_people_wait_on_raises_events_with_ids_only_and_one_call_opens_a_case_from_a_signal() {
    let w = world_with(settings());
    let start = events_after(&w, 0)
        .last()
        .map_or(0, |e| e["position"].as_i64().unwrap());
    let sub = submit(&w.app, &w.user_a, &[]);
    let sub_id = id_of(&sub);
    // One call from signal to case: the submission was never triaged.
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/checklist-submissions/{sub_id}/open-case"),
        json!({"triage_note": "Gezin bekend bij wijkwerk"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let case = res.json();
    let s = w
        .app
        .get(
            &format!("/api/v1/checklist-submissions/{sub_id}"),
            Some(&w.worker_a.token),
        )
        .json();
    assert_eq!(s["status"], "case_opened", "{s}");
    assert_eq!(s["triage_note"], "Gezin bekend bij wijkwerk", "{s}");
    // Once opened, a second call is 409 naming the state.
    let p = w
        .post(
            &w.worker_a,
            &format!("/api/v1/checklist-submissions/{sub_id}/open-case"),
            json!({}),
        )
        .problem(409);
    assert_eq!(p["current_state"], "case_opened");

    let c = consult(&w, &w.user_a);
    let cid = id_of(&c);
    let day = (Utc::now().date_naive() + Duration::days(3)).to_string();
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/consult-requests/{cid}/schedule"),
        json!({"date": day}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(
        &w.user_a,
        &format!("/api/v1/consult-requests/{cid}/cancel"),
        json!({"reason": "Opgelost"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let case_id = id_of(&case);
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case_id}/consents"),
        json!({"kind": "share_with_school", "given_by": "parent", "method": "verbal", "given_at": "2026-01-05T10:00:00Z"}),
    );
    assert_eq!(res.status, 201);
    let res = w.put(
        &w.worker_a,
        &format!("/api/v1/cases/{case_id}/feedback"),
        json!({"text": "Het gezin krijgt hulp."}),
    );
    assert_eq!(res.status, 200);
    let sub2 = id_of(&submit(&w.app, &w.user_a, &[]));
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/checklist-submissions/{sub2}/triage"),
        json!({}),
    );
    assert_eq!(res.status, 200, "{}", res.text());

    let events = events_after(&w, start);
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    for t in [
        "checklist.submitted",
        "checklist.triaged",
        "checklist.case_opened",
        "case.opened",
        "consult.requested",
        "consult.scheduled",
        "consult.cancelled",
        "case.feedback_written",
    ] {
        assert!(types.contains(&t), "{t} missing in {types:?}");
    }
    let opened = events
        .iter()
        .find(|e| e["type"] == "checklist.case_opened")
        .unwrap();
    assert_eq!(opened["data"]["submission_id"], sub_id);
    assert_eq!(opened["data"]["case_id"], case_id);
    assert_eq!(opened["data"]["school_id"], w.school_a);
    let scheduled = events
        .iter()
        .find(|e| e["type"] == "consult.scheduled")
        .unwrap();
    assert_eq!(scheduled["data"]["worker_id"], w.worker_a.id);
    let text = serde_json::to_string(&events).unwrap();
    for word in [
        "L5B-03",
        "Vaak moe",
        "Gezin bekend",
        "Opgelost",
        "krijgt hulp",
        "schoolrekening",
    ] {
        assert!(!text.contains(word), "`{word}` in events");
    }
    // A webhook can subscribe to them.
    let res = w.post(
        &w.coord,
        "/api/v1/webhooks",
        json!({"url": "https://example.org/hook", "event_types": ["checklist.submitted", "consult.requested", "case.feedback_written"]}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let _ = two_services;
}
