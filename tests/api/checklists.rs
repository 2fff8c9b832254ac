//! Signal checklists: the seeded template, versioning, submissions, triage, and who sees what.

use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp, TestUser};

/// The keys only a worker's view may carry; a school's JSON must lack every one.
const WORKER_ONLY: [&str; 9] = [
    "triage_note",
    "triaged_by",
    "triaged_at",
    "no_action_reason",
    "decided_by",
    "decided_at",
    "theme_summary",
    "signal_themes",
    "case_id",
];

/// A school, the school account of it, and a social worker assigned to it today.
struct SchoolSetup {
    school_id: String,
    school: TestUser,
    worker: TestUser,
}

fn new_school(app: &TestApp, coord: &TestUser, number: &str) -> String {
    let nets = app
        .get("/api/v1/networks?limit=200", Some(&coord.token))
        .json();
    let net = nets["items"][0]["id"].as_str().unwrap().to_string();
    let res = app.post(
        "/api/v1/schools",
        Some(&coord.token),
        &json!({"network_id": net, "name": format!("School {number}"), "institution_number": number, "level": "primary"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_string()
}

fn assign(app: &TestApp, coord: &TestUser, worker: &TestUser, school_id: &str) {
    let res = app.post(
        "/api/v1/assignments",
        Some(&coord.token),
        &json!({"worker_id": worker.id, "school_id": school_id, "mode": "spoc", "valid_from": "2020-01-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
}

fn school_with_worker(app: &TestApp, coord: &TestUser, number: &str) -> SchoolSetup {
    let school_id = new_school(app, coord, number);
    let school = app.user(Role::School, Some(&school_id));
    let worker = app.user(Role::SocialWorker, None);
    assign(app, coord, &worker, &school_id);
    SchoolSetup {
        school_id,
        school,
        worker,
    }
}

fn current_version(app: &TestApp, token: &str) -> Value {
    let res = app.get("/api/v1/checklist-versions/current", Some(token));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

fn item_codes(version: &Value) -> Vec<String> {
    version["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().iter())
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

/// Answers every item: `yes` for the codes given, `no` for the rest.
fn answers(codes: &[String], yes: &[&str]) -> Value {
    Value::Array(
        codes
            .iter()
            .map(|c| {
                let a = if yes.contains(&c.as_str()) {
                    "yes"
                } else {
                    "no"
                };
                json!({"code": c, "answer": a})
            })
            .collect(),
    )
}

fn submission_body(answers: Value) -> Value {
    json!({"pupil_pseudonym": "L5B-03", "birth_year": 2016, "class_name": "5B", "concern": "medium",
           "context": "Vaak moe.", "parents_informed": false, "answers": answers})
}

pub(crate) fn submit(app: &TestApp, school: &TestUser, yes: &[&str]) -> Value {
    let codes = item_codes(&current_version(app, &school.token));
    let res = app.post(
        "/api/v1/checklist-submissions",
        Some(&school.token),
        &submission_body(answers(&codes, yes)),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

fn empty() -> Value {
    json!({})
}

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

#[track_caller]
fn assert_school_view(v: &Value) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"));
    for key in WORKER_ONLY {
        assert!(
            !obj.contains_key(key),
            "the school's view carries `{key}`: {v}"
        );
    }
    assert!(!obj.contains_key("school"), "{v}");
}

fn version_body(codes: &[(&str, &str)]) -> Value {
    json!({"intro": "Versie 2", "sections": [{"code": "A", "title": "Basisbehoeften", "items":
        codes.iter().map(|(c, t)| json!({"code": c, "text": format!("Signaal {c}"), "theme": t})).collect::<Vec<_>>()}]})
}

#[test]
fn the_signal_checklist_is_seeded_as_the_current_version() {
    let app = TestApp::spawn();
    let school_id = new_school(&app, &app.coordinator(), "610001");
    let school = app.user(Role::School, Some(&school_id));
    let v = current_version(&app, &school.token);
    assert_eq!(v["template_name"], "Signaallijst kinderarmoede");
    assert_eq!(v["number"], 1);
    assert_eq!(v["status"], "published");
    assert_eq!(v["is_current"], true);
    assert!(
        v["intro"]
            .as_str()
            .unwrap()
            .starts_with("Een signaal is een waarneming, geen label.")
    );
    let titles: Vec<&str> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Basisbehoeften",
            "Gezondheid en welzijn",
            "Op school",
            "Vrije tijd",
            "Het gezin zoals de school het ziet"
        ]
    );
    let codes = item_codes(&v);
    assert_eq!(codes.len(), 25);
    assert_eq!(codes.first().map(String::as_str), Some("A1"));
    assert_eq!(codes.last().map(String::as_str), Some("E9"));
    let e4 = &v["sections"][4]["items"][3];
    assert_eq!(e4["code"], "E4");
    assert_eq!(e4["theme"], "residence_status");
    assert_eq!(
        e4["text"],
        "Er zijn aanwijzingen van een onzeker of tijdelijk verblijfsstatuut."
    );
    // Everything the seed holds, exactly.
    let seeded: Vec<(String, String, String)> = kinderen_eerst::seed::checklist::SECTIONS
        .iter()
        .flat_map(|(_, _, items)| items.iter())
        .map(|(c, t, th)| (c.to_string(), t.to_string(), th.to_string()))
        .collect();
    let served: Vec<(String, String, String)> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().iter())
        .map(|i| {
            (
                i["code"].as_str().unwrap().into(),
                i["text"].as_str().unwrap().into(),
                i["theme"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(served, seeded);
    // The template list shows it with its current version.
    let list = app
        .get("/api/v1/checklist-templates", Some(&school.token))
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["current_version"]["item_count"], 25);
}

#[test]
fn a_published_version_never_changes() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let v = current_version(&app, &coord.token);
    let path = format!("/api/v1/checklist-versions/{}", v["id"].as_str().unwrap());
    let body = version_body(&[("A1", "poverty")]).to_string().into_bytes();
    let res = app.request(
        "PUT",
        &path,
        Some(&coord.token),
        Some(("application/json", body)),
        &[],
    );
    let p = res.problem(409);
    assert_eq!(p["current_state"], "published");
    let p = app
        .post(&format!("{path}/publish"), Some(&coord.token), &empty())
        .problem(409);
    assert_eq!(p["current_state"], "published");
}

#[test]
fn a_draft_is_edited_then_published_and_becomes_current() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let v1 = current_version(&app, &coord.token);
    let template = v1["template_id"].as_str().unwrap();
    // A draft with no items can be saved but not published.
    let res = app.post(
        &format!("/api/v1/checklist-templates/{template}/versions"),
        Some(&coord.token),
        &json!({"intro": "", "sections": []}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let draft = res.json();
    assert_eq!(
        (draft["number"].as_i64(), draft["status"].as_str()),
        (Some(2), Some("draft"))
    );
    let path = format!(
        "/api/v1/checklist-versions/{}",
        draft["id"].as_str().unwrap()
    );
    let p = app
        .post(&format!("{path}/publish"), Some(&coord.token), &empty())
        .problem(422);
    assert_eq!(fields(&p), ["sections"]);
    // Drafts are the coordinator's alone.
    let s = new_school(&app, &coord, "610002");
    let school = app.user(Role::School, Some(&s));
    app.get(&path, Some(&school.token)).problem(404);
    let tpl = app
        .get(
            &format!("/api/v1/checklist-templates/{template}"),
            Some(&school.token),
        )
        .json();
    assert_eq!(tpl["versions"].as_array().unwrap().len(), 1, "{tpl}");
    let tpl = app
        .get(
            &format!("/api/v1/checklist-templates/{template}"),
            Some(&coord.token),
        )
        .json();
    assert_eq!(tpl["versions"].as_array().unwrap().len(), 2, "{tpl}");
    // Replace its content, with If-Match.
    let tag = app
        .get(&path, Some(&coord.token))
        .header("etag")
        .unwrap()
        .to_string();
    let body = version_body(&[("A1", "poverty"), ("A9", "housing")]);
    let res = app.request(
        "PUT",
        &path,
        Some(&coord.token),
        Some(("application/json", body.to_string().into_bytes())),
        &[("if-match", &tag)],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(item_codes(&res.json()), ["A1", "A9"]);
    let res = app.request(
        "PUT",
        &path,
        Some(&coord.token),
        Some(("application/json", body.to_string().into_bytes())),
        &[("if-match", &tag)],
    );
    res.problem(412);
    // Publish: it becomes current, version 1 stays published but not current.
    let res = app.post(&format!("{path}/publish"), Some(&coord.token), &empty());
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["is_current"], true);
    assert_eq!(current_version(&app, &school.token)["number"], 2);
    let old = app
        .get(
            &format!("/api/v1/checklist-versions/{}", v1["id"].as_str().unwrap()),
            Some(&school.token),
        )
        .json();
    assert_eq!(
        (old["status"].as_str(), old["is_current"].as_bool()),
        (Some("published"), Some(false))
    );
}

#[test]
fn version_content_errors_name_the_field() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let template = current_version(&app, &coord.token)["template_id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({"sections": [
        {"code": "A", "title": "Een", "items": [{"code": "A1", "text": "x", "theme": "poverty"}]},
        {"code": "A", "title": "Twee", "items": [
            {"code": "B1", "text": "x", "theme": "poverty"},
            {"code": "B2", "text": "x", "theme": "housing"},
            {"code": "B3", "text": "x", "theme": "no_such_theme"},
            {"code": "A1", "text": "x", "theme": "poverty"},
            {"code": "B 5", "text": "x", "theme": "poverty"}
        ]}
    ]});
    let p = app
        .post(
            &format!("/api/v1/checklist-templates/{template}/versions"),
            Some(&coord.token),
            &body,
        )
        .problem(422);
    let f = fields(&p);
    for want in [
        "sections[1].code",
        "sections[1].items[2].theme",
        "sections[1].items[3].code",
        "sections[1].items[4].code",
    ] {
        assert!(f.contains(&want.to_string()), "{want} not in {p}");
    }
    // A missing text is named by its path too.
    let p = app
        .post(
            &format!("/api/v1/checklist-templates/{template}/versions"),
            Some(&coord.token),
            &json!({"sections": [{"code": "A", "title": "x", "items": [{"code": "A1", "theme": "poverty"}]}]}),
        )
        .problem(422);
    assert_eq!(fields(&p), ["sections[0].items[0].text"]);
    // A retired theme is refused.
    {
        use diesel::prelude::*;
        use kinderen_eerst::db::schema::themes;
        diesel::update(themes::table.find("leisure"))
            .set(themes::active.eq(false))
            .execute(&mut app.conn())
            .unwrap();
    }
    let p = app
        .post(
            &format!("/api/v1/checklist-templates/{template}/versions"),
            Some(&coord.token),
            &version_body(&[("A1", "poverty"), ("A2", "leisure")]),
        )
        .problem(422);
    assert_eq!(fields(&p), ["sections[0].items[1].theme"]);
    assert_eq!(p["errors"][0]["code"], "theme_retired", "{p}");
}

#[test]
fn a_template_is_created_and_gets_its_own_current_version() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let res = app.post(
        "/api/v1/checklist-templates",
        Some(&coord.token),
        &json!({"name": "Signaallijst kleuters", "description": "Kleuteronderwijs"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let t = res.json();
    assert_eq!(t["current_version"], Value::Null);
    let id = t["id"].as_str().unwrap();
    app.post(
        "/api/v1/checklist-templates",
        Some(&coord.token),
        &json!({"name": "Signaallijst kleuters"}),
    )
    .problem(409);
    let draft = app
        .post(
            &format!("/api/v1/checklist-templates/{id}/versions"),
            Some(&coord.token),
            &version_body(&[("K1", "language")]),
        )
        .json();
    assert_eq!(draft["number"], 1);
    let res = app.post(
        &format!(
            "/api/v1/checklist-versions/{}/publish",
            draft["id"].as_str().unwrap()
        ),
        Some(&coord.token),
        &empty(),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let cur = app
        .get(
            &format!("/api/v1/checklist-versions/current?template={id}"),
            Some(&coord.token),
        )
        .json();
    assert_eq!(item_codes(&cur), ["K1"]);
    // Without `template`, still the seeded list.
    assert_eq!(
        current_version(&app, &coord.token)["template_name"],
        "Signaallijst kinderarmoede"
    );
    let p = app
        .get(
            "/api/v1/checklist-versions/current?template=nope",
            Some(&coord.token),
        )
        .problem(422);
    assert_eq!(fields(&p), ["template"]);
}

#[test]
fn a_submission_answers_every_item_once_and_nothing_else() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let s = school_with_worker(&app, &coord, "620001");
    let codes = item_codes(&current_version(&app, &s.school.token));
    let mut list: Vec<Value> = answers(&codes, &[]).as_array().unwrap().clone();
    // Drop A3 and C2, add an unknown code and a duplicate.
    list.retain(|a| a["code"] != "A3" && a["code"] != "C2");
    list.insert(4, json!({"code": "Z9", "answer": "yes"}));
    list.push(json!({"code": "A1", "answer": "no"}));
    let p = app
        .post(
            "/api/v1/checklist-submissions",
            Some(&s.school.token),
            &submission_body(Value::Array(list.clone())),
        )
        .problem(422);
    let errors = p["errors"].as_array().unwrap();
    let has = |field: &str, code: &str, needle: &str| {
        errors.iter().any(|e| {
            e["field"] == field
                && e["code"] == code
                && e["message"].as_str().unwrap().contains(needle)
        })
    };
    assert!(has("answers[4].code", "version_has_no_item", "Z9"), "{p}");
    assert!(
        has(
            &format!("answers[{}].code", list.len() - 1),
            "item_answered_twice",
            "`A1`"
        ),
        "{p}"
    );
    assert!(has("answers", "item_not_answered", "`A3`"), "{p}");
    assert!(has("answers", "item_not_answered", "`C2`"), "{p}");
    // A bad answer value names its path.
    let mut bad = answers(&codes, &[]);
    bad[2]["answer"] = json!("maybe");
    let p = app
        .post(
            "/api/v1/checklist-submissions",
            Some(&s.school.token),
            &submission_body(bad),
        )
        .problem(422);
    assert_eq!(fields(&p), ["answers[2].answer"]);
    // Pupil data: a pseudonym, a plausible birth year, a class.
    let mut body = submission_body(answers(&codes, &[]));
    body["pupil_pseudonym"] = json!("Jan Janssens");
    body["birth_year"] = json!(1980);
    body["class_name"] = json!(" ");
    let p = app
        .post(
            "/api/v1/checklist-submissions",
            Some(&s.school.token),
            &body,
        )
        .problem(422);
    let f = fields(&p);
    for want in ["pupil_pseudonym", "birth_year", "class_name"] {
        assert!(f.contains(&want.to_string()), "{want} not in {p}");
    }
    // A draft or unknown version is refused, naming version_id.
    let mut body = submission_body(answers(&codes, &[]));
    body["version_id"] = json!(uuid::Uuid::new_v4().to_string());
    let p = app
        .post(
            "/api/v1/checklist-submissions",
            Some(&s.school.token),
            &body,
        )
        .problem(422);
    assert_eq!(fields(&p), ["version_id"]);
    // The school is the account's: a school_id in the body is an unknown field.
    let mut body = submission_body(answers(&codes, &[]));
    body["school_id"] = json!(s.school_id);
    let p = app
        .post(
            "/api/v1/checklist-submissions",
            Some(&s.school.token),
            &body,
        )
        .problem(422);
    assert_eq!(fields(&p), ["school_id"]);
    // Nothing was stored.
    let list = app
        .get("/api/v1/checklist-submissions", Some(&s.school.token))
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[test]
fn the_worker_sees_the_signals_per_theme_and_the_school_sees_none_of_the_workers_notes() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let s = school_with_worker(&app, &coord, "630001");
    let created = submit(&app, &s.school, &["A4", "B1", "B2", "E2"]);
    assert_school_view(&created);
    assert_eq!(created["status"], "submitted");
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/checklist-submissions/{id}");

    let w = app.get(&path, Some(&s.worker.token)).json();
    assert_eq!(w["school"]["id"], s.school_id);
    assert_eq!(w["yes_count"], 4);
    let summary = w["theme_summary"].as_array().unwrap();
    assert_eq!(summary[0]["theme"], "health_hygiene");
    assert_eq!(
        (summary[0]["yes"].as_i64(), summary[0]["items"].as_i64()),
        (Some(3), Some(4))
    );
    assert_eq!(summary[1]["theme"], "language");
    assert_eq!(summary[1]["yes"], 1);
    assert!(summary[2..].iter().all(|t| t["yes"] == 0));
    assert_eq!(w["answers"][3]["code"], "A4");
    assert_eq!(w["answers"][3]["section_title"], "Basisbehoeften");
    assert_eq!(w["answers"][3]["theme"], "health_hygiene");
    let list = app
        .get("/api/v1/checklist-submissions", Some(&s.worker.token))
        .json();
    let themes: Vec<&str> = list["items"][0]["signal_themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["theme"].as_str().unwrap())
        .collect();
    assert_eq!(themes, ["health_hygiene", "language"]);

    // Triage with a note, then close without action with a reason.
    let res = app.post(
        &format!("{path}/triage"),
        Some(&s.worker.token),
        &json!({"note": "Bekend bij wijkwerk"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let p = app
        .post(
            &format!("{path}/no-action"),
            Some(&s.worker.token),
            &json!({"reason": "  "}),
        )
        .problem(422);
    assert_eq!(fields(&p), ["reason"]);
    let p = app
        .post(
            &format!("{path}/no-action"),
            Some(&s.worker.token),
            &empty(),
        )
        .problem(422);
    assert_eq!(fields(&p), ["reason"]);
    let res = app.post(
        &format!("{path}/no-action"),
        Some(&s.worker.token),
        &json!({"reason": "Tijdelijk, CLB volgt op",
                "advice_for_school": "Bespreek de schoolrekening met de ouders; het OCMW-zitdag staat open."}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let w = res.json();
    assert_eq!(w["status"], "no_action");
    assert_eq!(
        w["advice_for_school"],
        "Bespreek de schoolrekening met de ouders; het OCMW-zitdag staat open."
    );
    assert_eq!(w["triage_note"], "Bekend bij wijkwerk");
    assert_eq!(w["triaged_by"]["id"], s.worker.id);
    assert_eq!(w["decided_by"]["id"], s.worker.id);

    // The school sees the status, and nothing the worker wrote.
    let res = app.get(&path, Some(&s.school.token));
    let v = res.json();
    assert_school_view(&v);
    assert_eq!(v["status"], "no_action");
    // Issue 17: a `no_action` decision tells the school the advice written for it.
    assert_eq!(
        v["advice_for_school"],
        "Bespreek de schoolrekening met de ouders; het OCMW-zitdag staat open."
    );
    let text = res.text();
    assert!(!text.contains("Bekend bij wijkwerk") && !text.contains("CLB volgt op"));
    let list = app
        .get("/api/v1/checklist-submissions", Some(&s.school.token))
        .json();
    assert_school_view(&list["items"][0]);
    assert_eq!(list["items"][0]["status"], "no_action");
}

#[test]
fn every_illegal_transition_is_409_naming_the_current_state() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let s = school_with_worker(&app, &coord, "640001");
    let id = submit(&app, &s.school, &["A1"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/checklist-submissions/{id}");
    let triage = || app.post(&format!("{path}/triage"), Some(&s.worker.token), &empty());
    let no_action = || {
        app.post(
            &format!("{path}/no-action"),
            Some(&s.worker.token),
            &json!({"reason": "r"}),
        )
    };
    // submitted: no_action is illegal.
    assert_eq!(no_action().problem(409)["current_state"], "submitted");
    assert_eq!(triage().status, 200);
    // triaged: triage again is illegal.
    assert_eq!(triage().problem(409)["current_state"], "triaged");
    assert_eq!(no_action().status, 200);
    // no_action is final.
    assert_eq!(triage().problem(409)["current_state"], "no_action");
    assert_eq!(no_action().problem(409)["current_state"], "no_action");
}

#[test]
fn opening_a_case_needs_a_triaged_submission_and_shows_the_school_the_reference() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let s = school_with_worker(&app, &coord, "650001");
    let id = submit(&app, &s.school, &["A1", "A2", "E5", "C3"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    use kinderen_eerst::db::checklists;
    let mut conn = app.conn();
    let err = checklists::mark_case_opened(&mut conn, &id, "case-1", "KE-2026-00001", &s.worker.id)
        .unwrap_err();
    assert_eq!(
        kinderen_eerst::error::ApiError::from(err)
            .to_problem()
            .current_state
            .as_deref(),
        Some("submitted")
    );
    assert_eq!(
        checklists::signal_themes(&mut conn, &id).unwrap(),
        ["finances_debt", "housing", "poverty"]
    );
    let path = format!("/api/v1/checklist-submissions/{id}");
    assert_eq!(
        app.post(&format!("{path}/triage"), Some(&s.worker.token), &empty())
            .status,
        200
    );
    checklists::mark_case_opened(&mut conn, &id, "case-1", "KE-2026-00001", &s.worker.id).unwrap();
    let err = checklists::mark_case_opened(&mut conn, &id, "case-2", "KE-2026-00002", &s.worker.id)
        .unwrap_err();
    assert_eq!(
        kinderen_eerst::error::ApiError::from(err)
            .to_problem()
            .current_state
            .as_deref(),
        Some("case_opened")
    );
    let row = checklists::find_submission(&mut conn, &id).unwrap();
    assert_eq!(
        (row.status.as_str(), row.case_id.as_deref()),
        ("case_opened", Some("case-1"))
    );
    assert!(checklists::mark_case_opened(&mut conn, "no-such-id", "c", "r", &s.worker.id).is_err());

    let v = app.get(&path, Some(&s.school.token)).json();
    assert_school_view(&v);
    assert_eq!(
        (v["status"].as_str(), v["case_reference"].as_str()),
        (Some("case_opened"), Some("KE-2026-00001"))
    );
    let w = app.get(&path, Some(&s.worker.token)).json();
    assert_eq!(w["case_id"], "case-1");
    // After a case: no more transitions through this API.
    let p = app
        .post(
            &format!("{path}/no-action"),
            Some(&s.worker.token),
            &json!({"reason": "r"}),
        )
        .problem(409);
    assert_eq!(p["current_state"], "case_opened");
}

#[test]
fn earlier_submissions_keep_answering_their_own_version() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let s = school_with_worker(&app, &coord, "660001");
    let old = submit(&app, &s.school, &["A1", "E9"]);
    let v1 = current_version(&app, &coord.token);
    // Version 2: one old item kept, one new.
    let template = v1["template_id"].as_str().unwrap();
    let draft = app
        .post(
            &format!("/api/v1/checklist-templates/{template}/versions"),
            Some(&coord.token),
            &version_body(&[("A1", "poverty"), ("N1", "housing")]),
        )
        .json();
    let v2_id = draft["id"].as_str().unwrap().to_string();
    let res = app.post(
        &format!("/api/v1/checklist-versions/{v2_id}/publish"),
        Some(&coord.token),
        &empty(),
    );
    assert_eq!(res.status, 200, "{}", res.text());

    // The old submission still shows version 1, its 25 answers and their wording.
    let path = format!(
        "/api/v1/checklist-submissions/{}",
        old["id"].as_str().unwrap()
    );
    let w = app.get(&path, Some(&s.worker.token)).json();
    assert_eq!(w["version"]["id"], v1["id"]);
    assert_eq!(w["version"]["number"], 1);
    assert_eq!(w["answers"].as_array().unwrap().len(), 25);
    assert_eq!(
        w["answers"][24]["text"],
        "Er zijn tekenen van verwaarlozing."
    );
    assert_eq!(w["yes_count"], 2);
    let school_view = app.get(&path, Some(&s.school.token)).json();
    assert_eq!(school_view["version"]["number"], 1);

    // New submissions answer version 2: its items, and only those.
    let v1_codes = item_codes(&v1);
    let p = app
        .post(
            "/api/v1/checklist-submissions",
            Some(&s.school.token),
            &submission_body(answers(&v1_codes, &[])),
        )
        .problem(422);
    let msgs: Vec<String> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e["field"], e["code"], e["message"]))
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("answers[1].code") && m.contains("A2")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("item_not_answered") && m.contains("`N1`")),
        "{msgs:?}"
    );
    let new_codes = vec!["A1".to_string(), "N1".to_string()];
    let res = app.post(
        "/api/v1/checklist-submissions",
        Some(&s.school.token),
        &submission_body(answers(&new_codes, &["N1"])),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["version"]["number"], 2);
    // Answering the old version explicitly is still allowed: it stays published.
    let mut body = submission_body(answers(&v1_codes, &[]));
    body["version_id"] = v1["id"].clone();
    let res = app.post(
        "/api/v1/checklist-submissions",
        Some(&s.school.token),
        &body,
    );
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["version"]["number"], 1);
}

#[test]
fn lists_are_scoped_filtered_and_paged() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let a = school_with_worker(&app, &coord, "670001");
    let b = school_with_worker(&app, &coord, "670002");
    // A second worker for both schools.
    let both = app.user(Role::SocialWorker, None);
    assign(&app, &coord, &both, &a.school_id);
    assign(&app, &coord, &both, &b.school_id);
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            submit(&app, &a.school, &["A1"])["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    submit(&app, &b.school, &[]);
    let first = ids[0].clone();
    app.post(
        &format!("/api/v1/checklist-submissions/{first}/triage"),
        Some(&a.worker.token),
        &empty(),
    );
    let count = |user: &TestUser, query: &str| {
        let res = app.get(
            &format!("/api/v1/checklist-submissions{query}"),
            Some(&user.token),
        );
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["items"].as_array().unwrap().len()
    };
    assert_eq!(count(&a.school, ""), 5);
    assert_eq!(count(&b.school, ""), 1);
    assert_eq!(count(&a.worker, ""), 5);
    assert_eq!(count(&both, ""), 6);
    assert_eq!(count(&both, &format!("?school={}", b.school_id)), 1);
    assert_eq!(count(&a.worker, &format!("?school={}", b.school_id)), 0);
    assert_eq!(count(&a.school, &format!("?school={}", b.school_id)), 0);
    assert_eq!(count(&both, "?status=triaged"), 1);
    assert_eq!(count(&both, "?status=submitted"), 5);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(count(&both, &format!("?from={today}&to={today}")), 6);
    assert_eq!(count(&both, &format!("?from={tomorrow}")), 0);
    let p = app
        .get(
            &format!("/api/v1/checklist-submissions?from={tomorrow}&to={today}"),
            Some(&both.token),
        )
        .problem(422);
    assert_eq!(fields(&p), ["to"]);
    let p = app
        .get(
            "/api/v1/checklist-submissions?status=lost",
            Some(&both.token),
        )
        .problem(422);
    assert_eq!(fields(&p), ["status"]);
    // Paging, newest first, without gaps or duplicates.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=2&cursor={c}"),
            None => "?limit=2".to_string(),
        };
        let page = app
            .get(
                &format!("/api/v1/checklist-submissions{q}"),
                Some(&a.school.token),
            )
            .json();
        for i in page["items"].as_array().unwrap() {
            seen.push(i["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    let p = app
        .get(
            "/api/v1/checklist-submissions?cursor=garbage",
            Some(&a.school.token),
        )
        .problem(422);
    assert_eq!(fields(&p), ["cursor"]);
}

#[test]
fn counts_are_aggregates_within_the_callers_schools() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let a = school_with_worker(&app, &coord, "680001");
    let b = school_with_worker(&app, &coord, "680002");
    for _ in 0..3 {
        submit(&app, &a.school, &[]);
    }
    let id = submit(&app, &b.school, &[])["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/checklist-submissions/{id}/triage"),
        Some(&b.worker.token),
        &empty(),
    );
    let counts = |user: &TestUser, q: &str| {
        let res = app.get(
            &format!("/api/v1/checklist-submissions/counts{q}"),
            Some(&user.token),
        );
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    };
    let all = counts(&coord, "");
    assert_eq!(all["total"], 4);
    assert_eq!(all["by_status"]["submitted"], 3);
    assert_eq!(all["by_status"]["triaged"], 1);
    assert_eq!(all["by_concern"]["medium"], 4);
    assert!(
        !all.to_string().contains("L5B-03"),
        "counts carry no pupil data"
    );
    assert_eq!(
        counts(&coord, &format!("?school={}", b.school_id))["total"],
        1
    );
    let nets = app
        .get("/api/v1/networks?limit=200", Some(&coord.token))
        .json();
    let first_net = nets["items"][0]["id"].as_str().unwrap();
    let other_net = nets["items"][1]["id"].as_str().unwrap();
    assert_eq!(counts(&coord, &format!("?network={first_net}"))["total"], 4);
    assert_eq!(counts(&coord, &format!("?network={other_net}"))["total"], 0);
    assert_eq!(counts(&a.worker, "")["total"], 3);
    assert_eq!(
        counts(&a.worker, &format!("?school={}", b.school_id))["total"],
        0
    );
    assert_eq!(counts(&b.school, "")["total"], 1);
}

#[test]
fn a_worker_loses_access_when_the_assignment_ends() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let s = school_with_worker(&app, &coord, "690001");
    let id = submit(&app, &s.school, &[])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/checklist-submissions/{id}");
    assert_eq!(app.get(&path, Some(&s.worker.token)).status, 200);
    let list = app
        .get(
            &format!("/api/v1/assignments?worker={}", s.worker.id),
            Some(&coord.token),
        )
        .json();
    let assignment = list["items"][0]["id"].as_str().unwrap();
    let res = app.request(
        "PATCH",
        &format!("/api/v1/assignments/{assignment}"),
        Some(&coord.token),
        Some((
            "application/json",
            br#"{"valid_to": "2021-01-01"}"#.to_vec(),
        )),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    app.get(&path, Some(&s.worker.token)).problem(404);
    app.post(&format!("{path}/triage"), Some(&s.worker.token), &empty())
        .problem(404);
}

/// Every endpoint of this module, for every role: coordinator, the assigned worker, a worker not
/// assigned, the submitting school, another school. For each 200, the keys the role may not see
/// are absent.
#[test]
fn authorization_matrix_for_checklists() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let s = school_with_worker(&app, &coord, "700001");
    let other_school_id = new_school(&app, &coord, "700002");
    let other_school = app.user(Role::School, Some(&other_school_id));
    let unassigned = app.user(Role::SocialWorker, None);
    let v1 = current_version(&app, &coord.token);
    let template = v1["template_id"].as_str().unwrap().to_string();
    let v1_id = v1["id"].as_str().unwrap().to_string();
    let codes = item_codes(&v1);
    // Objects for each state a transition needs.
    let to_triage = submit(&app, &s.school, &["A1"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let to_close = submit(&app, &s.school, &["A1"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/checklist-submissions/{to_close}/triage"),
        Some(&s.worker.token),
        &json!({"note": "geheim"}),
    );
    let draft_of = || {
        app.post(
            &format!("/api/v1/checklist-templates/{template}/versions"),
            Some(&coord.token),
            &version_body(&[("A1", "poverty")]),
        )
        .json()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };

    let users: [(&str, &TestUser); 5] = [
        ("coordinator", &coord),
        ("assigned worker", &s.worker),
        ("unassigned worker", &unassigned),
        ("own school", &s.school),
        ("other school", &other_school),
    ];
    // (method, path, body, expected per user in the order above). Writes that succeed change
    // state, so each row that can succeed for several users gets fresh objects per user.
    type Row<'a> = (
        &'static str,
        Box<dyn Fn() -> String + 'a>,
        Option<Value>,
        [u16; 5],
    );
    let t = template.clone();
    let v = v1_id.clone();
    let sub = to_triage.clone();
    let sub2 = to_triage.clone();
    let rows: Vec<Row> = vec![
        (
            "GET",
            Box::new(|| "/api/v1/checklist-templates".into()),
            None,
            [200; 5],
        ),
        (
            "GET",
            Box::new(move || format!("/api/v1/checklist-templates/{t}")),
            None,
            [200; 5],
        ),
        (
            "GET",
            Box::new(|| "/api/v1/checklist-versions/current".into()),
            None,
            [200; 5],
        ),
        (
            "GET",
            Box::new(move || format!("/api/v1/checklist-versions/{v}")),
            None,
            [200; 5],
        ),
        (
            "POST",
            Box::new(|| "/api/v1/checklist-templates".into()),
            Some(json!({"name": format!("T {}", uuid::Uuid::new_v4())})),
            [201, 403, 403, 403, 403],
        ),
        (
            "POST",
            Box::new({
                let t = template.clone();
                move || format!("/api/v1/checklist-templates/{t}/versions")
            }),
            Some(version_body(&[("A1", "poverty")])),
            [201, 403, 403, 403, 403],
        ),
        (
            "PUT",
            Box::new(|| format!("/api/v1/checklist-versions/{}", draft_of())),
            Some(version_body(&[("A1", "poverty"), ("A2", "housing")])),
            [200, 403, 403, 403, 403],
        ),
        (
            "POST",
            Box::new({
                let d = draft_of();
                move || format!("/api/v1/checklist-versions/{d}/publish")
            }),
            Some(empty()),
            [200, 403, 403, 403, 403],
        ),
        (
            "POST",
            Box::new(|| "/api/v1/checklist-submissions".into()),
            Some({
                // Version 1 explicitly: the publish row above made another version current.
                let mut b = submission_body(answers(&codes, &["A1"]));
                b["version_id"] = json!(v1_id);
                b
            }),
            [403, 403, 403, 201, 201],
        ),
        (
            "GET",
            Box::new(|| "/api/v1/checklist-submissions".into()),
            None,
            [403, 200, 200, 200, 200],
        ),
        (
            "GET",
            Box::new(|| "/api/v1/checklist-submissions/counts".into()),
            None,
            [200; 5],
        ),
        (
            "GET",
            Box::new(move || format!("/api/v1/checklist-submissions/{sub}")),
            None,
            [403, 200, 404, 200, 404],
        ),
        (
            "POST",
            Box::new(move || format!("/api/v1/checklist-submissions/{sub2}/triage")),
            Some(empty()),
            [403, 200, 404, 403, 403],
        ),
        (
            "POST",
            Box::new({
                let c = to_close.clone();
                move || format!("/api/v1/checklist-submissions/{c}/no-action")
            }),
            Some(json!({"reason": "geen actie"})),
            [403, 200, 404, 403, 403],
        ),
    ];
    // The coordinator comes first, so the one draft of the publish row is published once.
    for (method, path, body, want) in &rows {
        for ((who, user), want) in users.iter().zip(want) {
            let path = path();
            let res: Resp = app.request(
                method,
                &path,
                Some(&user.token),
                body.as_ref()
                    .map(|b| ("application/json", b.to_string().into_bytes())),
                &[],
            );
            assert_eq!(
                res.status,
                *want,
                "{method} {path} as {who}: {}",
                res.text()
            );
            if res.status >= 400 {
                res.problem(res.status);
                continue;
            }
            let json = res.json();
            let text = res.text();
            let is_school = who.ends_with("school");
            if path.starts_with("/api/v1/checklist-submissions") && !path.ends_with("/counts") {
                let objects: Vec<Value> = match json.get("items") {
                    Some(items) => items.as_array().unwrap().clone(),
                    None => vec![json.clone()],
                };
                for o in &objects {
                    if is_school {
                        assert_school_view(o);
                        assert!(!text.contains("geheim"), "{method} {path} as {who}: {text}");
                    } else {
                        assert!(o.get("school").is_some(), "{method} {path} as {who}: {o}");
                    }
                }
                if *who == "other school" || *who == "unassigned worker" {
                    assert!(
                        objects
                            .iter()
                            .all(|o| o["id"] != to_triage && o["id"] != to_close),
                        "{method} {path} as {who} sees another school's submissions"
                    );
                }
            }
            if path.ends_with("/counts") {
                let mut keys: Vec<&String> = json.as_object().unwrap().keys().collect();
                keys.sort();
                assert_eq!(keys, ["by_concern", "by_status", "total"], "{json}");
            }
            if path.starts_with("/api/v1/checklist-templates") && *who != "coordinator" {
                assert!(!text.contains("\"draft\""), "{who} sees a draft: {text}");
            }
        }
    }
    // Drafts stay invisible to schools and workers.
    app.get(
        &format!("/api/v1/checklist-versions/{}", draft_of()),
        Some(&s.school.token),
    )
    .problem(404);
    app.get(
        &format!("/api/v1/checklist-versions/{}", draft_of()),
        Some(&s.worker.token),
    )
    .problem(404);
}

#[test]
fn bad_ids_and_bodies_are_4xx_naming_the_field() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let s = school_with_worker(&app, &coord, "710001");
    let p = app
        .get(
            "/api/v1/checklist-submissions/not-a-uuid",
            Some(&s.worker.token),
        )
        .problem(422);
    assert_eq!(fields(&p), ["id"]);
    let p = app
        .get(
            "/api/v1/checklist-versions/not-a-uuid",
            Some(&s.worker.token),
        )
        .problem(422);
    assert_eq!(fields(&p), ["id"]);
    app.get(
        &format!("/api/v1/checklist-submissions/{}", uuid::Uuid::new_v4()),
        Some(&s.worker.token),
    )
    .problem(404);
    app.get(
        &format!("/api/v1/checklist-versions/{}", uuid::Uuid::new_v4()),
        Some(&coord.token),
    )
    .problem(404);
    let p = app
        .post(
            "/api/v1/checklist-submissions",
            Some(&s.school.token),
            &json!({}),
        )
        .problem(422);
    assert!(!fields(&p).is_empty());
    let res = app.request(
        "POST",
        "/api/v1/checklist-submissions",
        Some(&s.school.token),
        Some(("application/json", b"{".to_vec())),
        &[],
    );
    res.problem(400);
    let p = app
        .post(
            &format!(
                "/api/v1/checklist-templates/{}/versions",
                uuid::Uuid::new_v4()
            ),
            Some(&coord.token),
            &version_body(&[("A1", "poverty")]),
        )
        .problem(404);
    assert!(p.get("errors").is_none());
}

#[test]
fn concurrent_triage_moves_a_submission_once() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let s = school_with_worker(&app, &coord, "720001");
    let id = submit(&app, &s.school, &["A1"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/checklist-submissions/{id}/triage");
    let statuses: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let res = app.post(&path, Some(&s.worker.token), &empty());
                    (res.status, res.json())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "{statuses:?}"
    );
    for (status, body) in &statuses {
        if *status != 200 {
            assert_eq!(*status, 409, "{body}");
            assert_eq!(body["current_state"], "triaged");
        }
    }
}
