//! Cases: the three views, the lifecycle, what hangs on a case, references, and who reaches what.

use std::collections::BTreeSet;

use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp, TestUser, ids_of, item_ids};

/// Two schools in one network, each with its own worker (SPOC) and school account, and a
/// coordinator. School A's worker is `worker_a`; `worker_b` works only at school B.
pub struct World {
    pub app: TestApp,
    pub coord: TestUser,
    pub school_a: String,
    pub school_b: String,
    pub worker_a: TestUser,
    pub worker_b: TestUser,
    pub user_a: TestUser,
    pub user_b: TestUser,
}

pub fn world() -> World {
    world_with(crate::helpers::test_settings())
}

pub fn world_with(settings: kinderen_eerst::config::Settings) -> World {
    let app = TestApp::spawn_with(settings);
    let coord = app.coordinator();
    let nets = app.get("/api/v1/networks", Some(&coord.token)).json();
    let net = nets["items"][0]["id"].as_str().unwrap().to_string();
    let school = |number: &str| {
        let res = app.post(
            "/api/v1/schools",
            Some(&coord.token),
            &json!({"network_id": net, "name": format!("School {number}"), "institution_number": number, "level": "primary"}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["id"].as_str().unwrap().to_string()
    };
    let school_a = school("100001");
    let school_b = school("100002");
    let worker_a = app.user(Role::SocialWorker, None);
    let worker_b = app.user(Role::SocialWorker, None);
    for (w, s) in [(&worker_a, &school_a), (&worker_b, &school_b)] {
        let res = app.post(
            "/api/v1/assignments",
            Some(&coord.token),
            &json!({"worker_id": w.id, "school_id": s, "mode": "spoc", "valid_from": "2020-01-01"}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let user_a = app.user(Role::School, Some(&school_a));
    let user_b = app.user(Role::School, Some(&school_b));
    World {
        app,
        coord,
        school_a,
        school_b,
        worker_a,
        worker_b,
        user_a,
        user_b,
    }
}

impl World {
    /// A case worker A opens at school A.
    pub fn case_by_worker(&self, origin: &str) -> Value {
        let res = self.app.post(
            "/api/v1/cases",
            Some(&self.worker_a.token),
            &json!({"school_id": self.school_a, "origin": origin, "themes": ["school_costs"],
                    "pupil": {"pseudonym": "4B-07", "birth_year": 2016, "class": "4B"},
                    "family": {"name": "Mevrouw Diallo", "phone": "0470 12 34 56", "language": "Frans", "interpreter_needed": true},
                    "question": "Schoolrekening blijft open"}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()
    }

    /// A case school A raises itself.
    pub fn case_by_school(&self) -> Value {
        let res = self.app.post(
            "/api/v1/case-requests",
            Some(&self.user_a.token),
            &json!({"pupil": {"pseudonym": "5A-02", "birth_year": 2015}, "themes": ["poverty"],
                    "question": "Komt vaak zonder lunch naar school."}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()
    }

    /// The case `id` as `user` reads it, and its item in `user`'s list of cases.
    pub fn case_and_listed(&self, id: &str, user: &TestUser) -> (Value, Value) {
        let one = self
            .app
            .get(&format!("/api/v1/cases/{id}"), Some(&user.token))
            .json();
        let list = self.app.get("/api/v1/cases", Some(&user.token)).json();
        let item = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == json!(id))
            .cloned()
            .expect("the case is listed");
        (one, item)
    }

    pub fn post(&self, user: &TestUser, path: &str, body: Value) -> Resp {
        self.app.post(path, Some(&user.token), &body)
    }

    /// The coordinator assigns `worker` to `school` (`mode`: spoc, consult, …).
    pub fn assign(&self, worker: &TestUser, school: &str, mode: &str) {
        let res = self.app.post(
            "/api/v1/assignments",
            Some(&self.coord.token),
            &json!({"worker_id": worker.id, "school_id": school, "mode": mode, "valid_from": "2020-01-01"}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
    }

    /// `n` cases worker A opens with theme `school_costs`, every third at school B (worker A must
    /// work there), the others at school A; pseudonyms `{prefix}-{i}`, oldest first.
    pub fn cases_at_both_schools(&self, n: usize, prefix: &str) -> Vec<Value> {
        (0..n)
            .map(|i| {
                let school = if i % 3 == 0 { &self.school_b } else { &self.school_a };
                let res = self.post(
                    &self.worker_a,
                    "/api/v1/cases",
                    json!({"school_id": school, "origin": "office_hours", "themes": ["school_costs"],
                           "pupil": {"pseudonym": format!("{prefix}-{i}"), "birth_year": 2016}}),
                );
                assert_eq!(res.status, 201, "{}", res.text());
                res.json()
            })
            .collect()
    }

    pub fn put(&self, user: &TestUser, path: &str, body: Value) -> Resp {
        self.app.request(
            "PUT",
            path,
            Some(&user.token),
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        )
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

const SCHOOL_VIEW: [&str; 10] = [
    "id",
    "reference",
    "pupil_pseudonym",
    "pupil_class",
    "submission_id",
    "status",
    "opened_at",
    "closed_at",
    "worker_name",
    "feedback_for_school",
];

/// Keys no coordinator or school may ever see on a case.
const PERSONAL: [&str; 9] = [
    "pupil",
    "family",
    "question",
    "needs",
    "contact_moments",
    "consents",
    "submission_id",
    "outcome_note",
    "feedback_for_school",
];

#[test]
fn a_school_request_lands_as_new_with_the_school_spoc_and_each_role_sees_its_own_view() {
    let w = world();
    let created = w.case_by_school();
    assert_eq!(
        keys(&created),
        SCHOOL_VIEW.iter().map(|s| s.to_string()).collect(),
        "the school gets its own view back"
    );
    assert_eq!(created["status"], "new");
    assert_eq!(created["worker_name"], "Test social_worker");
    // Issue 17: the school can tell which of its pupils the case is about.
    assert_eq!(created["pupil_pseudonym"], "5A-02");
    assert_eq!(created["submission_id"], Value::Null);
    let reference = created["reference"].as_str().unwrap();
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(reference, format!("KE-{year}-00001"));
    let path = format!("/api/v1/cases/{}", created["id"].as_str().unwrap());

    let as_worker = w.app.get(&path, Some(&w.worker_a.token));
    assert_eq!(as_worker.status, 200, "{}", as_worker.text());
    let detail = as_worker.json();
    assert_eq!(detail["origin"], "school_request");
    assert_eq!(detail["lead_worker"]["id"], w.worker_a.id);
    assert_eq!(detail["pupil"]["pseudonym"], "5A-02");
    assert_eq!(detail["question"], "Komt vaak zonder lunch naar school.");

    let meta = w.app.get(&path, Some(&w.coord.token)).json();
    for k in PERSONAL {
        assert!(meta.get(k).is_none(), "coordinator sees `{k}`: {meta}");
    }
    assert_eq!(meta["themes"], json!(["poverty"]));
    assert_eq!(meta["school"]["id"], w.school_a);

    w.app.get(&path, Some(&w.user_b.token)).problem(404);
    w.app.get(&path, Some(&w.worker_b.token)).problem(404);
}

#[test]
fn the_school_sees_status_and_feedback_only_while_the_family_allows_it() {
    let w = world();
    let created = w.case_by_school();
    let id = created["id"].as_str().unwrap();
    let base = format!("/api/v1/cases/{id}");

    // The worker records a contact, needs from parent and school side by side, a consent.
    let res = w.post(
        &w.worker_a,
        &format!("{base}/contact-moments"),
        json!({"occurred_at": "2026-01-10T09:00:00Z", "kind": "office_hours", "summary": "Moeder op de zitdag"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    for (who, text) in [
        ("parent", "Hulp bij de schoolrekening"),
        ("school", "Dat het kind een lunch meeheeft"),
    ] {
        let res = w.post(
            &w.worker_a,
            &format!("{base}/needs"),
            json!({"text": text, "theme": "school_costs", "raised_by": who}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let feedback = json!({"text": "Het gezin krijgt hulp; de school hoeft niets te doen."});
    let p = w
        .put(&w.worker_a, &format!("{base}/feedback"), feedback.clone())
        .problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("share_with_school"),
        "{p}"
    );
    let consent = w.post(
        &w.worker_a,
        &format!("{base}/consents"),
        json!({"kind": "share_with_school", "given_by": "parent", "method": "verbal", "given_at": "2026-01-10T09:00:00Z"}),
    );
    assert_eq!(consent.status, 201, "{}", consent.text());
    assert_eq!(consent.json()["live"], true);
    let res = w.put(&w.worker_a, &format!("{base}/feedback"), feedback);
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(&w.worker_a, &format!("{base}/start"), json!({}));
    assert_eq!(res.status, 200, "{}", res.text());

    let detail = w.app.get(&base, Some(&w.worker_a.token)).json();
    assert_eq!(detail["first_contact_at"], "2026-01-10T09:00:00Z");
    let raised: Vec<&str> = detail["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["raised_by"].as_str().unwrap())
        .collect();
    assert_eq!(raised, ["parent", "school"]);
    assert_eq!(detail["contact_moments"][0]["author"]["id"], w.worker_a.id);

    let seen = w.app.get(&base, Some(&w.user_a.token)).json();
    assert_eq!(
        keys(&seen),
        SCHOOL_VIEW.iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(seen["status"], "in_progress");
    assert_eq!(
        seen["feedback_for_school"],
        "Het gezin krijgt hulp; de school hoeft niets te doen."
    );
    let listed = w.app.get("/api/v1/cases", Some(&w.user_a.token)).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(keys(&listed["items"][0]), keys(&seen));

    // Withdrawn: the school no longer sees the feedback, and it cannot be set again.
    let cid = consent.json()["id"].as_str().unwrap().to_string();
    let res = w.post(
        &w.worker_a,
        &format!("{base}/consents/{cid}/withdraw"),
        json!({}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["live"], false);
    w.post(
        &w.worker_a,
        &format!("{base}/consents/{cid}/withdraw"),
        json!({}),
    )
    .problem(409);
    let seen = w.app.get(&base, Some(&w.user_a.token)).json();
    assert_eq!(seen["feedback_for_school"], Value::Null);
    w.put(
        &w.worker_a,
        &format!("{base}/feedback"),
        json!({"text": "nog iets"}),
    )
    .problem(409);
}

#[test]
fn the_workers_view_lists_needs_contacts_and_consents_in_order_with_exact_times() {
    let w = world();
    let created = w.case_by_school();
    let base = format!("/api/v1/cases/{}", created["id"].as_str().unwrap());
    // Recorded out of order; shown by when they happened. Microseconds survive.
    for (at, summary) in [
        (
            "2026-02-03T10:15:30.123456Z",
            "Tweede gesprek: \"rekening\" besproken",
        ),
        ("2026-01-10T09:00:00Z", "Eerste gesprek op de zitdag"),
    ] {
        let body = json!({"occurred_at": at, "kind": "office_hours", "summary": summary});
        let res = w.post(&w.worker_a, &format!("{base}/contact-moments"), body);
        assert_eq!(res.status, 201, "{}", res.text());
    }
    for text in ["Schoolrekening", "Lunch, élke dag"] {
        let body = json!({"text": text, "theme": "school_costs", "raised_by": "parent"});
        assert_eq!(
            w.post(&w.worker_a, &format!("{base}/needs"), body).status,
            201
        );
    }
    let consent = w.post(
        &w.worker_a,
        &format!("{base}/consents"),
        json!({"kind": "share_with_school", "given_by": "parent", "method": "verbal", "given_at": "2026-01-10T09:00:00Z"}),
    );
    let cid = consent.json()["id"].as_str().unwrap().to_string();
    let res = w.post(
        &w.worker_a,
        &format!("{base}/consents/{cid}/withdraw"),
        json!({}),
    );
    assert_eq!(res.status, 200, "{}", res.text());

    let detail = w.app.get(&base, Some(&w.worker_a.token)).json();
    let contacts = detail["contact_moments"].as_array().unwrap();
    let when: Vec<&str> = contacts
        .iter()
        .map(|c| c["occurred_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        when,
        ["2026-01-10T09:00:00Z", "2026-02-03T10:15:30.123456Z"]
    );
    assert_eq!(
        contacts[1]["summary"],
        "Tweede gesprek: \"rekening\" besproken"
    );
    assert_eq!(
        contacts[0]["author"]["display_name"], "Test social_worker",
        "{}",
        contacts[0]
    );
    let needs: Vec<&str> = detail["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(needs, ["Schoolrekening", "Lunch, élke dag"]);
    let consents = detail["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0]["id"], cid.as_str());
    assert_eq!(consents[0]["live"], false);
    assert!(consents[0]["withdrawn_at"].is_string(), "{}", consents[0]);
    assert_eq!(consents[0]["given_at"], "2026-01-10T09:00:00Z");

    // A case with nothing hanging on it has empty lists.
    let bare = w.case_by_school();
    let bare = w
        .app
        .get(
            &format!("/api/v1/cases/{}", bare["id"].as_str().unwrap()),
            Some(&w.worker_a.token),
        )
        .json();
    for k in ["needs", "contact_moments", "consents"] {
        assert_eq!(bare[k], json!([]), "{k}");
    }
}

#[test]
fn a_case_the_school_did_not_raise_stays_invisible_to_the_school() {
    let w = world();
    let case = w.case_by_worker("office_hours");
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    w.app.get(&path, Some(&w.user_a.token)).problem(404);
    let list = w.app.get("/api/v1/cases", Some(&w.user_a.token)).json();
    assert_eq!(list["items"], json!([]));
    // The worker's own case: full detail, the family data kept here only.
    let detail = w.app.get(&path, Some(&w.worker_a.token)).json();
    assert_eq!(detail["family"]["name"], "Mevrouw Diallo");
    assert_eq!(detail["family"]["interpreter_needed"], true);
}

/// Every legal transition of DOMAIN.md's case lifecycle, and every illegal one answered 409
/// naming the current state.
#[test]
fn every_case_transition_is_allowed_exactly_where_the_lifecycle_says() {
    let w = world();
    let actions = ["start", "wait", "resume", "close", "reopen"];
    let legal = |from: &str, action: &str| -> Option<&'static str> {
        match (from, action) {
            ("new", "start") => Some("in_progress"),
            ("in_progress", "wait") => Some("waiting"),
            ("waiting", "resume") => Some("in_progress"),
            ("new" | "in_progress" | "waiting", "close") => Some("closed"),
            ("closed", "reopen") => Some("in_progress"),
            _ => None,
        }
    };
    // How to bring a fresh case into each state.
    let paths: [(&str, &[&str]); 4] = [
        ("new", &[]),
        ("in_progress", &["start"]),
        ("waiting", &["start", "wait"]),
        ("closed", &["close"]),
    ];
    let act = |id: &str, action: &str| {
        let body = if action == "close" {
            json!({"outcome": "resolved", "note": "opgelost"})
        } else {
            json!({})
        };
        w.post(&w.worker_a, &format!("/api/v1/cases/{id}/{action}"), body)
    };
    for (state, setup) in paths {
        for action in actions {
            let case = w.case_by_worker("parent");
            let id = case["id"].as_str().unwrap();
            for step in setup {
                let res = act(id, step);
                assert_eq!(res.status, 200, "{step}: {}", res.text());
            }
            let res = act(id, action);
            match legal(state, action) {
                Some(to) => {
                    assert_eq!(res.status, 200, "{state} -{action}-> {}", res.text());
                    let c = res.json();
                    assert_eq!(c["status"], to);
                    if to == "closed" {
                        assert_eq!(c["outcome"], "resolved");
                        assert!(c["closed_at"].is_string());
                    } else {
                        assert_eq!(c["outcome"], Value::Null);
                        assert_eq!(c["closed_at"], Value::Null);
                    }
                }
                None => {
                    let p = res.problem(409);
                    assert_eq!(p["current_state"], state, "{state} -{action}-> {p}");
                }
            }
        }
    }
    // Closing needs an outcome.
    let case = w.case_by_worker("parent");
    let p = w
        .post(
            &w.worker_a,
            &format!("/api/v1/cases/{}/close", case["id"].as_str().unwrap()),
            json!({}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "outcome");
}

#[test]
fn fifty_cases_created_at_once_get_fifty_consecutive_references() {
    let w = world();
    let refs: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let w = &w;
                s.spawn(move || {
                    let res = if i % 2 == 0 {
                        w.post(
                            &w.worker_a,
                            "/api/v1/cases",
                            json!({"school_id": w.school_a, "origin": "parent", "pupil": {"pseudonym": format!("P{i}")}}),
                        )
                    } else {
                        w.post(
                            &w.user_a,
                            "/api/v1/case-requests",
                            json!({"pupil": {"pseudonym": format!("P{i}")}, "question": "?"}),
                        )
                    };
                    assert_eq!(res.status, 201, "{}", res.text());
                    res.json()["reference"].as_str().unwrap().to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let unique: BTreeSet<&String> = refs.iter().collect();
    assert_eq!(unique.len(), 50, "duplicates among {refs:?}");
    let year = chrono::Utc::now().format("%Y").to_string();
    let expected: BTreeSet<String> = (1..=50).map(|n| format!("KE-{year}-{n:05}")).collect();
    assert_eq!(
        unique.into_iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );
}

#[test]
fn bad_case_input_is_422_naming_the_field() {
    let w = world();
    let p = w
        .post(
            &w.worker_a,
            "/api/v1/cases",
            json!({"school_id": w.school_b, "origin": "checklist", "themes": ["poverty", "no_such_theme"],
                   "pupil": {"pseudonym": "x"}}),
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
        BTreeSet::from(["school_id", "origin", "themes[1]"]),
        "{p}"
    );
    let p = w
        .post(
            &w.worker_a,
            "/api/v1/cases",
            json!({"school_id": w.school_a, "origin": "parent", "pupil": {"pseudonym": "", "birth_year": 1800}}),
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
        BTreeSet::from(["pupil.birth_year", "pupil.pseudonym"])
    );
    let p = w
        .post(
            &w.worker_a,
            "/api/v1/cases",
            json!({"school_id": w.school_a, "origin": "parent", "pupil": {"pseudonym": "x"}, "status": "closed"}),
        )
        .problem(422);
    assert_eq!(
        p["errors"][0]["field"], "status",
        "server-owned fields are refused"
    );

    let case = w.case_by_worker("parent");
    let base = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let p = w
        .post(
            &w.worker_a,
            &format!("{base}/consents"),
            json!({"kind": "refer_to_partner", "given_by": "parent", "method": "written", "given_at": "2026-01-01T00:00:00Z"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "partner_id");
    let p = w
        .post(
            &w.worker_a,
            &format!("{base}/contact-moments"),
            json!({"occurred_at": "2999-01-01T00:00:00Z", "kind": "phone", "summary": "x"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "occurred_at");
    let p = w
        .post(
            &w.worker_a,
            &format!("{base}/needs"),
            json!({"text": "x", "theme": "nope", "raised_by": "child"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "theme");
    let p = w
        .put(
            &w.worker_a,
            &format!("{base}/lead-worker"),
            json!({"worker_id": w.worker_b.id}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "worker_id");
}

#[test]
fn the_coordinator_reassigns_the_lead_worker_to_an_assigned_worker() {
    let w = world();
    let case = w.case_by_worker("parent");
    let id = case["id"].as_str().unwrap();
    let colleague = w.app.user(Role::SocialWorker, None);
    let res = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": colleague.id, "school_id": w.school_a, "mode": "consult", "valid_from": "2020-01-01"}),
    );
    assert_eq!(res.status, 201);
    let res = w.put(
        &w.coord,
        &format!("/api/v1/cases/{id}/lead-worker"),
        json!({"worker_id": colleague.id}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let meta = res.json();
    assert_eq!(meta["lead_worker"]["id"], colleague.id);
    assert!(meta.get("pupil").is_none());
    // The new lead works the case; filtering by worker finds it.
    let list = w
        .app
        .get(
            &format!("/api/v1/cases?worker={}", colleague.id),
            Some(&colleague.token),
        )
        .json();
    assert_eq!(list["items"][0]["id"], id);
    w.put(
        &w.user_a,
        &format!("/api/v1/cases/{id}/lead-worker"),
        json!({"worker_id": colleague.id}),
    )
    .problem(403);
}

#[test]
fn a_stale_if_match_on_a_case_is_412() {
    let w = world();
    let case = w.case_by_worker("parent");
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let read = w.app.get(&path, Some(&w.worker_a.token));
    let tag = read.header("etag").unwrap().to_string();
    let patch = |tag: &str, body: &str| {
        w.app.request(
            "PATCH",
            &path,
            Some(&w.worker_a.token),
            Some(("application/json", body.as_bytes().to_vec())),
            &[("if-match", tag)],
        )
    };
    let res = patch(&tag, r#"{"priority": "high", "known_to_ocmw": false}"#);
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["priority"], "high");
    assert_ne!(res.header("etag").unwrap(), tag);
    patch(&tag, r#"{"priority": "low"}"#).problem(412);
    // A note added to the case changes its version too.
    let fresh = res.header("etag").unwrap().to_string();
    let res = w.post(
        &w.worker_a,
        &format!("{path}/needs"),
        json!({"text": "x", "raised_by": "child"}),
    );
    assert_eq!(res.status, 201);
    patch(&fresh, r#"{"priority": "low"}"#).problem(412);
}

#[test]
fn case_lists_filter_and_page_without_gaps() {
    let w = world();
    let mut ids = BTreeSet::new();
    for i in 0..7 {
        let c = w.case_by_worker(if i % 2 == 0 { "parent" } else { "office_hours" });
        ids.insert(c["id"].as_str().unwrap().to_string());
        if i < 3 {
            w.post(
                &w.worker_a,
                &format!("/api/v1/cases/{}/start", c["id"].as_str().unwrap()),
                json!({}),
            );
        }
    }
    let mut seen = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?limit=3&cursor={c}"),
            None => "/api/v1/cases?limit=3".into(),
        };
        let page = w.app.get(&path, Some(&w.worker_a.token)).json();
        for item in page["items"].as_array().unwrap() {
            assert!(
                seen.insert(item["id"].as_str().unwrap().to_string()),
                "duplicate"
            );
            assert!(item.get("family").is_none(), "lists carry no family data");
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let count = |q: &str| {
        w.app
            .get(&format!("/api/v1/cases?{q}"), Some(&w.worker_a.token))
            .json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count("status=in_progress"), 3);
    assert_eq!(count("origin=office_hours"), 3);
    assert_eq!(count("theme=school_costs"), 7);
    assert_eq!(count("theme=housing"), 0);
    assert_eq!(count(&format!("school={}", w.school_b)), 0);
    assert_eq!(count("opened_from=2000-01-01&opened_to=2000-12-31"), 0);
    // Worker B sees none of school A's cases; the coordinator sees all seven.
    let b = w.app.get("/api/v1/cases", Some(&w.worker_b.token)).json();
    assert_eq!(b["items"], json!([]));
    let all = w.app.get("/api/v1/cases", Some(&w.coord.token)).json();
    assert_eq!(all["items"].as_array().unwrap().len(), 7);
    for item in all["items"].as_array().unwrap() {
        for k in PERSONAL {
            assert!(item.get(k).is_none(), "coordinator list carries `{k}`");
        }
    }
    w.app
        .get("/api/v1/cases?status=bogus", Some(&w.worker_a.token))
        .problem(422);
    w.app
        .get("/api/v1/cases?cursor=garbage", Some(&w.worker_a.token))
        .problem(422);
}

/// A list by theme and status is cut to the page on the theme rows: across two schools it pages
/// in the same order as the unfiltered list, and a search or a reference asked with it still
/// finds a case beyond the first page.
#[test]
fn a_list_by_theme_and_status_pages_across_schools_and_searches_beyond_its_first_page() {
    let w = world();
    // Worker A works at school B too.
    w.assign(&w.worker_a, &w.school_b, "consult");
    let made = w.cases_at_both_schools(7, "ZOEK");
    // One case of another theme, which no page below may show.
    let other = w.post(
        &w.worker_a,
        "/api/v1/cases",
        json!({"school_id": w.school_b, "origin": "office_hours", "themes": ["housing"],
               "pupil": {"pseudonym": "ANDER", "birth_year": 2016}}),
    );
    assert_eq!(other.status, 201, "{}", other.text());
    let status = made[0]["status"].as_str().unwrap().to_string();
    assert!(made.iter().all(|c| c["status"] == status.as_str()));
    let walk = |query: &str| -> Vec<String> {
        let path = format!("/api/v1/cases?{query}");
        ids_of(&crate::partners::walk(&w.app, &w.worker_a, &path))
    };
    let all = walk("limit=200");
    let expected: Vec<String> = all
        .iter()
        .filter(|id| made.iter().any(|c| c["id"] == id.as_str()))
        .cloned()
        .collect();
    assert_eq!(expected.len(), 7);
    let by_theme = walk(&format!("status={status}&theme=school_costs&limit=2"));
    assert_eq!(by_theme, expected, "pages of two, newest first, no gap");
    let at_b: Vec<String> = expected
        .iter()
        .filter(|id| {
            made.iter()
                .any(|c| c["id"] == id.as_str() && c["school"]["id"] == w.school_b.as_str())
        })
        .cloned()
        .collect();
    assert_eq!(at_b.len(), 3);
    let school = &w.school_b;
    assert_eq!(
        walk(&format!(
            "status={status}&theme=school_costs&school={school}&limit=2"
        )),
        at_b
    );
    // The oldest case is beyond the first page of two: a search and a reference still find it.
    let oldest = &made[0];
    let found = |query: String| {
        let page = w
            .app
            .get(&format!("/api/v1/cases?{query}"), Some(&w.worker_a.token))
            .json();
        item_ids(&page)
    };
    let id = oldest["id"].as_str().unwrap().to_string();
    assert_eq!(
        found(format!(
            "status={status}&theme=school_costs&limit=2&q=ZOEK-0"
        )),
        vec![id.clone()]
    );
    let reference = oldest["reference"].as_str().unwrap();
    assert_eq!(
        found(format!(
            "status={status}&theme=school_costs&limit=2&reference={reference}"
        )),
        vec![id]
    );
}

/// A worker's list over several schools, with a status, an opening window or none, in pages of
/// two, shows exactly the cases of those schools in the order of the coordinator's list of the
/// whole city, and no case of a school the worker does not work at.
#[test]
fn a_workers_list_over_several_schools_pages_in_the_order_of_the_whole_city() {
    let w = world();
    // Worker A works at school B too; school C is worker B's only.
    w.assign(&w.worker_a, &w.school_b, "consult");
    let nets = w.app.get("/api/v1/networks", Some(&w.coord.token)).json();
    let school_c = w.app.post(
        "/api/v1/schools",
        Some(&w.coord.token),
        &json!({"network_id": nets["items"][0]["id"], "name": "School 100003", "institution_number": "100003", "level": "primary"}),
    );
    assert_eq!(school_c.status, 201, "{}", school_c.text());
    let school_c = school_c.json()["id"].as_str().unwrap().to_string();
    w.assign(&w.worker_b, &school_c, "spoc");
    let made = w.cases_at_both_schools(9, "TWEE");
    // Every other case started: in progress.
    for case in made.iter().step_by(2) {
        let id = case["id"].as_str().unwrap();
        let res = w.post(&w.worker_a, &format!("/api/v1/cases/{id}/start"), json!({}));
        assert!(res.status < 300, "{}", res.text());
    }
    let outside = w.post(
        &w.worker_b,
        "/api/v1/cases",
        json!({"school_id": school_c, "origin": "office_hours", "themes": ["school_costs"],
               "pupil": {"pseudonym": "ELDERS", "birth_year": 2016}}),
    );
    assert_eq!(outside.status, 201, "{}", outside.text());
    let outside = outside.json()["id"].as_str().unwrap().to_string();
    let walk = |user: &crate::helpers::TestUser, query: &str| -> Vec<Value> {
        crate::partners::walk(&w.app, user, &format!("/api/v1/cases?{query}"))
    };
    let mine = [w.school_a.as_str(), w.school_b.as_str()];
    // A window around today, wide enough for a run across midnight in any time zone.
    let today = chrono::Utc::now().date_naive();
    let (yesterday, tomorrow) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let same_as_the_city = |city_schools: usize| {
        for query in [
            String::new(),
            "status=in_progress".to_string(),
            format!("opened_from={yesterday}&opened_to={tomorrow}"),
        ] {
            let and = if query.is_empty() { "" } else { "&" };
            let at = format!("`{query}`, {city_schools} schools");
            let city: Vec<Value> = walk(&w.coord, &format!("{query}{and}limit=200"))
                .into_iter()
                .filter(|c| mine.contains(&c["school"]["id"].as_str().unwrap()))
                .collect();
            let worker = walk(&w.worker_a, &format!("{query}{and}limit=2"));
            assert_eq!(
                ids_of(&worker),
                ids_of(&city),
                "{at}: the same cases, in the same order"
            );
            assert!(worker.len() >= 5, "{at}: {} cases", worker.len());
            assert!(
                worker
                    .iter()
                    .any(|c| c["school"]["id"] == w.school_b.as_str())
            );
            assert!(
                !ids_of(&worker).contains(&outside),
                "{at}: another worker's school"
            );
        }
        let started = walk(&w.worker_a, "status=in_progress&limit=2");
        assert_eq!(
            started.len(),
            made.iter().step_by(2).count(),
            "{city_schools} schools: each started case once"
        );
    };
    // The worker's two schools of three: the page walks the city's newest cases.
    let city_schools =
        |w: &World| crate::partners::walk(&w.app, &w.coord, "/api/v1/schools?limit=200").len();
    same_as_the_city(city_schools(&w));
    // Two of 24, a twelfth: on PostgreSQL the page is merged from each school's newest cases.
    for n in city_schools(&w)..24 {
        let res = w.app.post(
            "/api/v1/schools",
            Some(&w.coord.token),
            &json!({"network_id": nets["items"][0]["id"], "name": format!("School {}", 100100 + n),
                    "institution_number": format!("{}", 100100 + n), "level": "primary"}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
    }
    assert_eq!(city_schools(&w), 24);
    same_as_the_city(24);
}

/// Each role × each case endpoint × own/other school (assigned/unassigned worker).
#[test]
fn authorization_matrix_for_cases() {
    let w = world();
    let raised = w.case_by_school();
    let own = raised["id"].as_str().unwrap().to_string();
    let c = format!("/api/v1/cases/{own}");
    let cid = {
        let r = w.post(
            &w.worker_a,
            &format!("{c}/consents"),
            json!({"kind": "share_with_school", "given_by": "parent", "method": "verbal", "given_at": "2026-01-01T00:00:00Z"}),
        );
        assert_eq!(r.status, 201);
        r.json()["id"].as_str().unwrap().to_string()
    };
    let need = json!({"text": "x", "raised_by": "parent"});
    let contact =
        json!({"occurred_at": "2026-01-02T00:00:00Z", "kind": "phone", "summary": "gebeld"});
    let consent = json!({"kind": "share_with_school", "given_by": "parent", "method": "verbal", "given_at": "2026-01-01T00:00:00Z"});
    // (method, path, body, [coordinator, worker A (assigned), worker B (not), school A (own), school B (other)])
    let rows: Vec<(&str, String, Option<Value>, [u16; 5])> = vec![
        (
            "GET",
            "/api/v1/cases".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        ("GET", c.clone(), None, [200, 200, 404, 200, 404]),
        (
            "PATCH",
            c.clone(),
            Some(json!({"priority": "high"})),
            [403, 200, 404, 403, 403],
        ),
        ("GET", format!("{c}/needs"), None, [403, 200, 404, 403, 403]),
        (
            "POST",
            format!("{c}/needs"),
            Some(need),
            [403, 201, 404, 403, 403],
        ),
        (
            "GET",
            format!("{c}/contact-moments"),
            None,
            [403, 200, 404, 403, 403],
        ),
        (
            "POST",
            format!("{c}/contact-moments"),
            Some(contact),
            [403, 201, 404, 403, 403],
        ),
        (
            "GET",
            format!("{c}/consents"),
            None,
            [403, 200, 404, 403, 403],
        ),
        (
            "POST",
            format!("{c}/consents"),
            Some(consent),
            [403, 201, 404, 403, 403],
        ),
        (
            "PUT",
            format!("{c}/feedback"),
            Some(json!({"text": "ok"})),
            [403, 200, 404, 403, 403],
        ),
        (
            "POST",
            format!("{c}/consents/{cid}/withdraw"),
            Some(json!({})),
            [403, 200, 404, 403, 403],
        ),
        (
            "POST",
            format!("{c}/start"),
            Some(json!({})),
            [403, 200, 404, 403, 403],
        ),
        (
            "PUT",
            format!("{c}/lead-worker"),
            Some(json!({"worker_id": w.worker_a.id})),
            [200, 200, 404, 403, 403],
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(json!({"school_id": w.school_a, "origin": "parent", "pupil": {"pseudonym": "x"}})),
            [403, 201, 422, 403, 403],
        ),
        (
            "POST",
            "/api/v1/case-requests".into(),
            Some(json!({"pupil": {"pseudonym": "x"}, "question": "?"})),
            [403, 403, 403, 201, 201],
        ),
    ];
    let users = [&w.coord, &w.worker_a, &w.worker_b, &w.user_a, &w.user_b];
    for (method, path, body, want) in rows {
        for (user, want) in users.iter().zip(want) {
            let res = w.app.request(
                method,
                &path,
                Some(&user.token),
                body.as_ref()
                    .map(|b| ("application/json", b.to_string().into_bytes())),
                &[],
            );
            assert_eq!(
                res.status,
                want,
                "{method} {path} as {}: {}",
                user.email,
                res.text()
            );
            if res.status >= 400 {
                res.problem(want);
                continue;
            }
            assert_eq!(res.header("cache-control"), Some("no-store"));
            let body = res.json();
            let objects: Vec<&Value> = match body.get("items") {
                Some(items) => items.as_array().unwrap().iter().collect(),
                None => vec![&body],
            };
            for o in objects {
                if user.id == w.coord.id && path.starts_with("/api/v1/cases") {
                    for k in PERSONAL {
                        assert!(
                            o.get(k).is_none(),
                            "{method} {path}: coordinator sees `{k}`"
                        );
                    }
                }
                if user.id == w.user_a.id || user.id == w.user_b.id {
                    let allowed: BTreeSet<String> =
                        SCHOOL_VIEW.iter().map(|s| s.to_string()).collect();
                    assert!(
                        keys(o).is_subset(&allowed),
                        "{method} {path}: school sees {:?}",
                        keys(o)
                    );
                }
            }
        }
    }
}

/// Issue 4's whole flow through the API: a school's checklist becomes a worker's case, and
/// each role sees exactly its part.
#[test]
fn a_checklist_becomes_a_case_and_every_role_sees_only_its_part() {
    let w = world();
    let version = w
        .app
        .get("/api/v1/checklist-versions/current", Some(&w.user_a.token))
        .json();
    let answers: Vec<Value> = version["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().clone())
        .map(|i| {
            let code = i["code"].as_str().unwrap().to_string();
            let yes = ["A1", "A5", "E5"].contains(&code.as_str());
            json!({"code": code, "answer": if yes { "yes" } else { "no" }})
        })
        .collect();
    let res = w.post(
        &w.user_a,
        "/api/v1/checklist-submissions",
        json!({"pupil_pseudonym": "3A-11", "birth_year": 2017, "class_name": "3A", "concern": "high",
               "context": "Komt zonder lunch; rekeningen open.", "parents_informed": true, "answers": answers}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let sub = res.json()["id"].as_str().unwrap().to_string();
    let sub_path = format!("/api/v1/checklist-submissions/{sub}");
    // A worker of another school can neither triage it nor open a case from it.
    w.post(&w.worker_b, &format!("{sub_path}/open-case"), json!({}))
        .problem(404);
    w.post(&w.worker_b, &format!("{sub_path}/triage"), json!({}))
        .problem(404);
    let res = w.post(
        &w.worker_a,
        &format!("{sub_path}/triage"),
        json!({"note": "Snel bellen"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(&w.worker_a, &format!("{sub_path}/open-case"), json!({}));
    assert_eq!(res.status, 201, "{}", res.text());
    let case = res.json();
    assert_eq!(case["origin"], "checklist");
    assert_eq!(case["priority"], "high");
    assert_eq!(case["themes"], json!(["finances_debt", "poverty"]));
    assert_eq!(case["pupil"]["pseudonym"], "3A-11");
    assert_eq!(case["submission_id"], sub.as_str());
    let id = case["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/cases/{id}");
    w.post(&w.worker_a, &format!("{sub_path}/open-case"), json!({}))
        .problem(409);

    for (path, body) in [
        (
            "contact-moments",
            json!({"occurred_at": "2026-02-01T08:30:00Z", "kind": "office_hours", "summary": "Moeder op de zitdag"}),
        ),
        (
            "needs",
            json!({"text": "Afbetalingsplan schoolrekening", "theme": "finances_debt", "raised_by": "parent"}),
        ),
        (
            "needs",
            json!({"text": "Elke dag een lunch", "theme": "poverty", "raised_by": "school"}),
        ),
        (
            "consents",
            json!({"kind": "share_with_school", "given_by": "parent", "method": "verbal", "given_at": "2026-02-01T08:30:00Z"}),
        ),
    ] {
        let res = w.post(&w.worker_a, &format!("{base}/{path}"), body);
        assert_eq!(res.status, 201, "{path}: {}", res.text());
    }
    let res = w.put(
        &w.worker_a,
        &format!("{base}/feedback"),
        json!({"text": "We helpen het gezin met de rekeningen."}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        w.post(&w.worker_a, &format!("{base}/start"), json!({}))
            .status,
        200
    );

    // The school: status and feedback, nothing else; its submission names the case.
    let seen = w.app.get(&base, Some(&w.user_a.token)).json();
    assert_eq!(
        keys(&seen),
        SCHOOL_VIEW.iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(seen["status"], "in_progress");
    assert_eq!(
        seen["submission_id"],
        sub_path.rsplit('/').next().unwrap(),
        "the school sees the submission its case came from"
    );
    assert!(
        seen["pupil_pseudonym"].is_string() && seen["pupil_class"].is_string(),
        "{seen}"
    );
    assert_eq!(
        seen["feedback_for_school"],
        "We helpen het gezin met de rekeningen."
    );
    let s = w.app.get(&sub_path, Some(&w.user_a.token)).json();
    assert_eq!(s["status"], "case_opened");
    assert_eq!(s["case_reference"], case["reference"]);
    assert!(s.get("triage_note").is_none(), "{s}");
    // The coordinator: the case without personal data.
    let meta = w.app.get(&base, Some(&w.coord.token)).json();
    assert_eq!(meta["status"], "in_progress");
    for k in PERSONAL {
        assert!(meta.get(k).is_none(), "coordinator sees `{k}`");
    }
    // Another school and an unassigned worker: nothing.
    w.app.get(&base, Some(&w.user_b.token)).problem(404);
    w.app.get(&base, Some(&w.worker_b.token)).problem(404);
    w.app.get(&sub_path, Some(&w.user_b.token)).problem(404);
    w.app.get(&sub_path, Some(&w.worker_b.token)).problem(404);

    // Each role's page of cases shows the case as that role's view of it does: a page reads
    // only the columns its view shows, and none it shows is left out.
    let listed = |token: &str| {
        let page = w.app.get("/api/v1/cases", Some(token)).json();
        let items = page["items"].as_array().unwrap();
        items
            .iter()
            .find(|i| i["id"] == id.as_str())
            .unwrap()
            .clone()
    };
    assert_eq!(listed(&w.user_a.token), seen, "the school's page");
    assert_eq!(listed(&w.coord.token), meta, "the coordinator's page");
    let detail = w.app.get(&base, Some(&w.worker_a.token)).json();
    let item = listed(&w.worker_a.token);
    assert!(
        item["pupil"]["birth_year"] == 2017 && item["lead_worker"]["id"] == w.worker_a.id,
        "{item}"
    );
    assert!(item["first_contact_at"].is_string(), "{item}");
    for (k, v) in item.as_object().unwrap() {
        assert_eq!(&detail[k], v, "the worker's page, `{k}`");
    }
}

/// A case's themes are kept on its row (migration 000230) for its views and lists; triggers keep
/// that copy equal to the theme rows, whatever writes them: the API, or SQL on the rows.
#[test]
fn a_cases_themes_on_its_row_follow_every_change_to_its_theme_rows() {
    let w = world();
    let c = w.case_by_worker("parent");
    let id = c["id"].as_str().unwrap().to_string();
    let shown = |user: &TestUser| -> (Value, Value) {
        let (one, item) = w.case_and_listed(&id, user);
        (one["themes"].clone(), item["themes"].clone())
    };
    let both = |v: Value| (v.clone(), v);
    assert_eq!(shown(&w.worker_a), both(json!(["school_costs"])));

    // Through the API: sorted, on the worker's and the coordinator's views alike.
    let etag = w
        .app
        .get(&format!("/api/v1/cases/{id}"), Some(&w.worker_a.token))
        .header("etag")
        .unwrap()
        .to_string();
    let res = w.app.request(
        "PATCH",
        &format!("/api/v1/cases/{id}"),
        Some(&w.worker_a.token),
        Some((
            "application/json",
            json!({"themes": ["poverty", "housing"]})
                .to_string()
                .into_bytes(),
        )),
        &[("If-Match", &etag)],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["themes"], json!(["housing", "poverty"]));
    assert_eq!(shown(&w.worker_a), both(json!(["housing", "poverty"])));
    assert_eq!(shown(&w.coord), both(json!(["housing", "poverty"])));

    // Through SQL on the theme rows: an update, a delete, an insert.
    let mut conn = w.app.conn();
    run_sql(
        &mut conn,
        format!(
            "UPDATE case_themes SET theme_code = 'finances_debt' WHERE case_id = '{id}' AND theme_code = 'housing'"
        ),
    );
    assert_eq!(
        shown(&w.worker_a),
        both(json!(["finances_debt", "poverty"]))
    );
    run_sql(
        &mut conn,
        format!("DELETE FROM case_themes WHERE case_id = '{id}'"),
    );
    assert_eq!(shown(&w.worker_a), both(json!([])));
    run_sql(
        &mut conn,
        format!(
            "INSERT INTO case_themes (case_id, theme_code, opened_at, school_id, status) SELECT id, 'poverty', opened_at, school_id, status FROM cases WHERE id = '{id}'"
        ),
    );
    assert_eq!(shown(&w.worker_a), both(json!(["poverty"])));

    // And every case of the database agrees with its rows.
    assert_eq!(
        count_of(
            &mut conn,
            "SELECT count(*) AS n FROM cases c WHERE coalesce(c.themes, '') <> coalesce((SELECT \
             string_agg(t.theme_code, ' ' ORDER BY t.theme_code) FROM case_themes t WHERE \
             t.case_id = c.id), '')",
        ),
        0
    );
}

/// A case's school name and network and its lead worker's name are kept on its row (migration
/// 000250) for its views and lists; triggers keep those copies equal to the school and user
/// rows, whatever writes them: the API, or SQL on the rows.
#[test]
fn a_cases_names_on_its_row_follow_its_school_and_its_lead_worker() {
    let w = world();
    let c = w.case_by_worker("parent");
    let id = c["id"].as_str().unwrap().to_string();
    // (school name, network, lead worker id, lead worker name) in the case's view and in the
    // list, as `user` sees them.
    let shown = |user: &TestUser| -> Vec<Value> {
        let (one, item) = w.case_and_listed(&id, user);
        let names = |v: &Value| {
            json!([
                v["school"]["name"],
                v["school"]["network_id"],
                v["lead_worker"]["id"],
                v["lead_worker"]["display_name"]
            ])
        };
        vec![names(&one), names(&item)]
    };
    let both = |v: Value| vec![v.clone(), v];
    let network = c["school"]["network_id"].clone();
    let worker_name = c["lead_worker"]["display_name"].clone();
    assert_eq!(c["lead_worker"]["id"], json!(w.worker_a.id));
    assert_eq!(
        shown(&w.worker_a),
        both(json!([
            "School 100001",
            network,
            w.worker_a.id,
            worker_name
        ]))
    );

    // Through the API: the school renamed and moved to another network, the lead worker
    // renamed, then another lead worker.
    let other = w.post(
        &w.coord,
        "/api/v1/networks",
        json!({"name": "Netwerk Noord", "city": "Antwerpen"}),
    );
    assert_eq!(other.status, 201, "{}", other.text());
    let other = other.json()["id"].clone();
    let patch = |path: String, body: Value| {
        let res = w.app.request(
            "PATCH",
            &path,
            Some(&w.coord.token),
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        );
        assert_eq!(res.status, 200, "{}", res.text());
    };
    patch(
        format!("/api/v1/schools/{}", w.school_a),
        json!({"name": "Basisschool De Linde", "network_id": other}),
    );
    patch(
        format!("/api/v1/users/{}", w.worker_a.id),
        json!({"display_name": "Wendy Willems"}),
    );
    let expected = json!([
        "Basisschool De Linde",
        other,
        w.worker_a.id,
        "Wendy Willems"
    ]);
    assert_eq!(shown(&w.worker_a), both(expected.clone()));
    assert_eq!(shown(&w.coord), both(expected));
    let colleague = w.app.user(Role::SocialWorker, None);
    let res = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": colleague.id, "school_id": w.school_a, "mode": "consult", "valid_from": "2020-01-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let res = w.put(
        &w.coord,
        &format!("/api/v1/cases/{id}/lead-worker"),
        json!({"worker_id": colleague.id}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let colleague_name = res.json()["lead_worker"]["display_name"].clone();
    assert_ne!(colleague_name, json!("Wendy Willems"));
    assert_eq!(
        shown(&w.worker_a),
        both(json!([
            "Basisschool De Linde",
            other,
            colleague.id,
            colleague_name
        ]))
    );

    // Through SQL on the rows: the school, the user, the case's own school and lead worker.
    let mut conn = w.app.conn();
    run_sql(
        &mut conn,
        format!(
            "UPDATE schools SET name = 'Sint-Jozef', network_id = '{network}' WHERE id = '{}'",
            w.school_a,
            network = network.as_str().unwrap()
        ),
    );
    run_sql(
        &mut conn,
        format!(
            "UPDATE users SET display_name = 'Nora Peeters' WHERE id = '{}'",
            colleague.id
        ),
    );
    assert_eq!(
        shown(&w.worker_a),
        both(json!(["Sint-Jozef", network, colleague.id, "Nora Peeters"]))
    );
    run_sql(
        &mut conn,
        format!(
            "UPDATE cases SET lead_worker_id = '{}', school_id = '{}' WHERE id = '{id}'",
            w.worker_b.id, w.school_b
        ),
    );
    let one = w
        .app
        .get(&format!("/api/v1/cases/{id}"), Some(&w.worker_b.token))
        .json();
    assert_eq!(one["school"]["name"], json!("School 100002"));
    assert_eq!(one["lead_worker"]["id"], json!(w.worker_b.id));
    let name_b = w
        .app
        .get(
            &format!("/api/v1/users/{}", w.worker_b.id),
            Some(&w.coord.token),
        )
        .json()["display_name"]
        .clone();
    assert!(name_b.is_string());
    assert_eq!(one["lead_worker"]["display_name"], name_b);
    run_sql(
        &mut conn,
        format!("UPDATE cases SET lead_worker_id = NULL WHERE id = '{id}'"),
    );
    let one = w
        .app
        .get(&format!("/api/v1/cases/{id}"), Some(&w.worker_b.token))
        .json();
    assert_eq!(one["lead_worker"], Value::Null);

    // And every case of the database agrees with its school and lead worker.
    assert_eq!(
        count_of(
            &mut conn,
            "SELECT count(*) AS n FROM cases c JOIN schools s ON s.id = c.school_id LEFT JOIN users u \
             ON u.id = c.lead_worker_id WHERE c.school_name <> s.name OR c.school_network_id <> \
             s.network_id OR coalesce(c.lead_worker_name, '-') <> coalesce(u.display_name, '-')",
        ),
        0
    );
}

/// Runs `sql` (statements separated by `;`) on `conn`.
fn run_sql(conn: &mut kinderen_eerst::db::DbConn, sql: String) {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(&sql).expect("the statement runs")
}

/// The number `sql` counts (a query of one row with a `BIGINT` column `n`).
fn count_of(conn: &mut kinderen_eerst::db::DbConn, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let c: Count = diesel::sql_query(sql)
        .get_result(conn)
        .expect("the count runs");
    c.n
}

/// A page of cases, in each role's view, is a statement prepared once per connection and kept
/// in diesel's statement cache. Written with a `sql` literal (a column a view does not read as
/// `sql("NULL")`), it was sent unprepared, and PostgreSQL parsed and planned it again on every
/// request. PostgreSQL only: SQLite's statement cache cannot be seen from outside.
#[test]
fn a_page_of_cases_is_prepared_once_per_connection_in_every_view() {
    use kinderen_eerst::db::cases::{self as repo, CaseFilter, CaseScope, ItemView};
    if crate::helpers::test_backend_url().is_none() {
        return;
    }
    let app = TestApp::spawn();
    let mut conn = app.conn();
    let prepared = |conn: &mut kinderen_eerst::db::DbConn| {
        count_of(
            conn,
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE '%FROM \"cases\"%'",
        )
    };
    let views = [ItemView::CaseTeam, ItemView::Metadata, ItemView::School];
    let school = kinderen_eerst::domain::ids::SchoolId::new();
    for round in 1..=2 {
        for view in views {
            // The coordinator's page of one status, and a worker's by theme and status.
            let f = CaseFilter {
                status: Some("in_progress".into()),
                ..CaseFilter::default()
            };
            repo::list(&mut conn, &CaseScope::All, view, f, None, 50).unwrap();
            let f = CaseFilter {
                status: Some("in_progress".into()),
                theme: Some("poverty".into()),
                ..CaseFilter::default()
            };
            let scope = CaseScope::Schools(vec![school.clone()]);
            repo::list(&mut conn, &scope, view, f, None, 50).unwrap();
        }
        assert_eq!(
            prepared(&mut conn),
            6,
            "round {round}: two statements per view, kept"
        );
    }
}
