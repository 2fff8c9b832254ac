//! Rectification and a complete export (GDPR arts. 15 and 16; issue 17, item 5): workers correct
//! needs and contact moments and the earlier text stays in a history the case team and the
//! export see; needs have a state; the export holds the school's checklist answers and remarks,
//! the consult requests and agenda items linked to the case; feedback for the school is tied to
//! the consent it was written under.

use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::{Resp, TestUser};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn patch(w: &World, by: &TestUser, path: &str, body: Value, if_match: Option<&str>) -> Resp {
    let mut headers = vec![];
    if let Some(e) = if_match {
        headers.push(("if-match", e));
    }
    w.app.request(
        "PATCH",
        path,
        Some(&by.token),
        Some(("application/json", body.to_string().into_bytes())),
        &headers,
    )
}

/// A case school A raised, with one need and one contact moment; (case, need, contact).
fn case_with_records(w: &World) -> (String, String, String) {
    let case = id(&w.case_by_school());
    let need = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case}/needs"),
        json!({"text": "Moeder wil de rekening in twee schijven betalen", "theme": "school_costs", "raised_by": "parent"}),
    );
    assert_eq!(need.status, 201, "{}", need.text());
    let contact = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case}/contact-moments"),
        json!({"occurred_at": "2026-01-05T10:00:00Z", "kind": "phone", "summary": "Gebeld met vader"}),
    );
    assert_eq!(contact.status, 201, "{}", contact.text());
    (case, id(&need.json()), id(&contact.json()))
}

/// A checklist submission of school A with a remark on its first item, triaged and turned into
/// a case by worker A; (case, submission, the first item's code).
fn case_from_checklist(w: &World, remark: &str) -> (String, String, String) {
    let version = w
        .app
        .get("/api/v1/checklist-versions/current", Some(&w.user_a.token))
        .json();
    let codes: Vec<String> = version["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().iter())
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect();
    let answers: Vec<Value> = codes
        .iter()
        .enumerate()
        .map(|(n, c)| {
            if n == 0 {
                json!({"code": c, "answer": "yes", "remark": remark})
            } else {
                json!({"code": c, "answer": "no"})
            }
        })
        .collect();
    let res = w.post(
        &w.user_a,
        "/api/v1/checklist-submissions",
        json!({"pupil_pseudonym": "L6A-11", "birth_year": 2015, "class_name": "6A", "concern": "high",
               "context": "Komt zonder jas naar school.", "parents_informed": true, "answers": answers}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let submission = id(&res.json());
    let path = format!("/api/v1/checklist-submissions/{submission}");
    let res = w.post(&w.worker_a, &format!("{path}/triage"), json!({}));
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(&w.worker_a, &format!("{path}/open-case"), json!({}));
    assert_eq!(res.status, 201, "{}", res.text());
    (id(&res.json()), submission, codes[0].clone())
}

fn share_consent(w: &World, case: &str) -> String {
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case}/consents"),
        json!({"kind": "share_with_school", "given_by": "parent", "method": "written", "given_at": "2026-01-05T10:00:00Z"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    id(&res.json())
}

fn school_feedback(w: &World, case: &str) -> Value {
    let res = w
        .app
        .get(&format!("/api/v1/cases/{case}"), Some(&w.user_a.token));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["feedback_for_school"].clone()
}

/// The scenario of issue 17 ("Why"), on a fresh database: needs and contact moments could not
/// be corrected, needs had no state, the export left out the school's checklist answers and
/// remarks, and a new `share_with_school` consent showed feedback written under an earlier,
/// withdrawn one.
#[test]
fn issue17_needs_and_contacts_are_corrected_needs_have_a_state_the_export_is_complete_and_feedback_keeps_to_its_consent()
 {
    let w = world();
    let (case, _, code) = case_from_checklist(&w, "Opmerking-van-de-school");
    let base = format!("/api/v1/cases/{case}");
    let need = id(&w
        .post(
            &w.worker_a,
            &format!("{base}/needs"),
            json!({"text": "Hulp bij de schoolrekening", "raised_by": "school"}),
        )
        .json());
    let contact = id(&w
        .post(
            &w.worker_a,
            &format!("{base}/contact-moments"),
            json!({"occurred_at": "2026-01-05T10:00:00Z", "kind": "phone", "summary": "Gebeld met de grootmoeder"}),
        )
        .json());

    // A need is corrected and gets a state; the earlier text stays in its history.
    let res = patch(
        &w,
        &w.worker_a,
        &format!("{base}/needs/{need}"),
        json!({"text": "Hulp bij de studietoelage", "raised_by": "parent", "reason": "Verkeerd genoteerd"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let n = res.json();
    assert_eq!(n["text"], "Hulp bij de studietoelage");
    assert_eq!(n["state"], "open");
    assert_eq!(n["history"][0]["text"], "Hulp bij de schoolrekening");
    assert_eq!(n["history"][0]["raised_by"], "school");
    assert_eq!(n["history"][0]["reason"], "Verkeerd genoteerd");
    assert_eq!(n["history"][0]["changed_by"]["id"], w.worker_a.id.as_str());
    let res = patch(
        &w,
        &w.worker_a,
        &format!("{base}/needs/{need}"),
        json!({"state": "met", "reason": "Toelage toegekend"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["state"], "met");

    // A contact moment is corrected; its history keeps the earlier summary.
    let res = patch(
        &w,
        &w.worker_a,
        &format!("{base}/contact-moments/{contact}"),
        json!({"summary": "Gebeld met de moeder", "reason": "Het was de moeder"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json()["history"][0]["summary"],
        "Gebeld met de grootmoeder"
    );

    // The case view names who wrote a contact moment and who corrected each record, from their
    // accounts (one statement reads the case with its records and these names).
    let view = w.app.get(&base, Some(&w.worker_a.token)).json();
    let (n, c) = (&view["needs"][0], &view["contact_moments"][0]);
    let worker = "Test social_worker";
    assert_eq!(
        n["history"][0]["changed_by"]["display_name"], worker,
        "{view}"
    );
    assert_eq!(c["author"]["display_name"], worker, "{view}");
    assert_eq!(
        c["history"][0]["changed_by"]["display_name"], worker,
        "{view}"
    );
    assert_eq!(c["history"][0]["changed_by"]["id"], w.worker_a.id.as_str());

    // The export holds the school's answers and remarks and the histories.
    let export = w
        .app
        .get(&format!("{base}/export"), Some(&w.worker_a.token))
        .json();
    let submissions = export["checklist_submissions"].as_array().unwrap();
    assert_eq!(submissions.len(), 1, "{export}");
    let answer = submissions[0]["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == code.as_str())
        .unwrap();
    assert_eq!(answer["remark"], "Opmerking-van-de-school");
    assert_eq!(answer["answer"], "yes");
    assert_eq!(submissions[0]["context"], "Komt zonder jas naar school.");
    let needs = export["case"]["needs"].as_array().unwrap();
    assert_eq!(needs[0]["history"].as_array().unwrap().len(), 2);
    assert_eq!(
        export["case"]["contact_moments"][0]["history"][0]["summary"],
        "Gebeld met de grootmoeder"
    );

    // Feedback written under a consent that is later withdrawn does not come back with a new
    // consent.
    let first = share_consent(&w, &case);
    let res = w.put(
        &w.worker_a,
        &format!("{base}/feedback"),
        json!({"text": "Geschreven-onder-de-eerste-toestemming"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        school_feedback(&w, &case),
        "Geschreven-onder-de-eerste-toestemming"
    );
    let res = w.post(
        &w.worker_a,
        &format!("{base}/consents/{first}/withdraw"),
        json!({}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(school_feedback(&w, &case), Value::Null);
    share_consent(&w, &case);
    assert_eq!(school_feedback(&w, &case), Value::Null, "a later consent");
    let list = w.app.get("/api/v1/cases", Some(&w.user_a.token)).json();
    assert!(
        !list.to_string().contains("Geschreven-onder-de-eerste"),
        "{list}"
    );
    // Written again under the new consent, the school reads it.
    let res = w.put(
        &w.worker_a,
        &format!("{base}/feedback"),
        json!({"text": "Opnieuw geschreven"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(school_feedback(&w, &case), "Opnieuw geschreven");
}

#[test]
fn a_need_is_met_not_met_or_withdrawn_from_open_only_met_or_not_met_reopen_and_withdrawn_is_final()
{
    let w = world();
    let (case, need, _) = case_with_records(&w);
    let path = format!("/api/v1/cases/{case}/needs/{need}");
    let to = |state: &str| {
        patch(
            &w,
            &w.worker_a,
            &path,
            json!({"state": state, "reason": "stap"}),
            None,
        )
    };
    assert_eq!(to("met").status, 200);
    let p = to("not_met").problem(409);
    assert_eq!(p["current_state"], "met");
    assert_eq!(to("open").status, 200);
    assert_eq!(to("not_met").status, 200);
    assert_eq!(to("open").status, 200);
    assert_eq!(to("withdrawn").status, 200);
    for state in ["open", "met", "not_met"] {
        let p = to(state).problem(409);
        assert_eq!(p["current_state"], "withdrawn", "{state}");
    }
    // An unknown state is the request's fault.
    let p = to("done").problem(422);
    assert!(p.to_string().contains("state"), "{p}");
    // The text of a withdrawn need can still be corrected (rectification is not a transition).
    let res = patch(
        &w,
        &w.worker_a,
        &path,
        json!({"text": "Juiste tekst", "reason": "tikfout"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let n = res.json();
    assert_eq!(
        (n["state"].as_str(), n["text"].as_str()),
        (Some("withdrawn"), Some("Juiste tekst"))
    );
    let states: Vec<&str> = n["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["open", "met", "open", "not_met", "open", "withdrawn"]
    );
}

#[test]
fn a_correction_needs_a_reason_and_a_change_and_a_refusal_names_the_field() {
    let w = world();
    let (case, need, contact) = case_with_records(&w);
    let need_path = format!("/api/v1/cases/{case}/needs/{need}");
    let contact_path = format!("/api/v1/cases/{case}/contact-moments/{contact}");
    let field = |p: &Value| -> Vec<String> {
        p["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let cases = [
        (&need_path, json!({"text": "Nieuw"}), "reason"),
        (&need_path, json!({"text": "Nieuw", "reason": ""}), "reason"),
        (
            &need_path,
            json!({"text": "Nieuw", "reason": "x".repeat(501)}),
            "reason",
        ),
        (&need_path, json!({"text": "   ", "reason": "r"}), "text"),
        (
            &need_path,
            json!({"text": "x".repeat(2001), "reason": "r"}),
            "text",
        ),
        (
            &need_path,
            json!({"theme": "no_such_theme", "reason": "r"}),
            "theme",
        ),
        (&need_path, json!({"reason": "niets"}), "reason"),
        (
            &need_path,
            json!({"state": "open", "reason": "al open"}),
            "reason",
        ),
        (&contact_path, json!({"summary": "Nieuw"}), "reason"),
        (
            &contact_path,
            json!({"summary": " ", "reason": "r"}),
            "summary",
        ),
        (
            &contact_path,
            json!({"occurred_at": "2999-01-01T00:00:00Z", "reason": "r"}),
            "occurred_at",
        ),
        (
            &contact_path,
            json!({"kind": "phone", "reason": "zelfde"}),
            "reason",
        ),
    ];
    for (path, body, expected) in cases {
        let p = patch(&w, &w.worker_a, path, body.clone(), None).problem(422);
        assert!(
            field(&p).iter().any(|f| f == expected) || p.to_string().contains(expected),
            "{body}: {p}"
        );
    }
    // An unknown field is refused too (deny_unknown_fields).
    patch(
        &w,
        &w.worker_a,
        &need_path,
        json!({"author_id": w.worker_b.id, "reason": "r"}),
        None,
    )
    .problem(422);
    // Nothing changed by the refusals.
    let n = w.app.get(&need_path, Some(&w.worker_a.token)).json();
    assert_eq!(n["history"], json!([]));
}

#[test]
fn a_correction_with_a_stale_if_match_is_412_and_changes_nothing() {
    let w = world();
    let (case, need, contact) = case_with_records(&w);
    for (path, body) in [
        (
            format!("/api/v1/cases/{case}/needs/{need}"),
            json!({"text": "Eerste correctie", "reason": "r"}),
        ),
        (
            format!("/api/v1/cases/{case}/contact-moments/{contact}"),
            json!({"summary": "Eerste correctie", "reason": "r"}),
        ),
    ] {
        let read = w.app.get(&path, Some(&w.worker_a.token));
        assert_eq!(read.status, 200, "{}", read.text());
        let tag = read.header("etag").unwrap().to_string();
        let res = patch(&w, &w.worker_a, &path, body.clone(), Some(&tag));
        assert_eq!(res.status, 200, "{}", res.text());
        let new_tag = res.header("etag").unwrap().to_string();
        assert_ne!(new_tag, tag);
        // Someone else's change in between: the old tag no longer matches.
        let stale = if path.contains("/needs/") {
            json!({"text": "Tweede", "reason": "r2"})
        } else {
            json!({"summary": "Tweede", "reason": "r2"})
        };
        patch(&w, &w.worker_a, &path, stale, Some(&tag)).problem(412);
        let now = w.app.get(&path, Some(&w.worker_a.token)).json();
        assert_eq!(now["history"].as_array().unwrap().len(), 1, "{now}");
    }
}

#[test]
fn every_correction_is_an_audit_event_naming_the_case_without_the_text() {
    let w = world();
    let (case, need, contact) = case_with_records(&w);
    let res = patch(
        &w,
        &w.worker_a,
        &format!("/api/v1/cases/{case}/needs/{need}"),
        json!({"text": "Tekst-die-niet-in-de-audit-mag", "reason": "Reden-die-niet-in-de-audit-mag"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = patch(
        &w,
        &w.worker_a,
        &format!("/api/v1/cases/{case}/contact-moments/{contact}"),
        json!({"kind": "home_visit", "reason": "Het was een huisbezoek"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let events = w
        .app
        .get(
            &format!("/api/v1/audit-events?case={case}&limit=200"),
            Some(&w.coord.token),
        )
        .json();
    let corrections: Vec<(String, String)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "correct")
        .map(|e| {
            assert_eq!(e["case_id"], case.as_str(), "{e}");
            assert_eq!(e["actor_id"], w.worker_a.id.as_str(), "{e}");
            (
                e["object_type"].as_str().unwrap().to_string(),
                e["object_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        corrections.contains(&("need".into(), need.clone())),
        "{events}"
    );
    assert!(
        corrections.contains(&("contact_moment".into(), contact.clone())),
        "{events}"
    );
    assert!(!events.to_string().contains("niet-in-de-audit"));
}

/// Role × own/other for the new endpoints: only a worker of the case's school reads or corrects;
/// another school's worker gets 404 (as for a case that does not exist); the school and the
/// coordinator never (403), and their views of the case carry no history.
#[test]
fn corrections_and_histories_are_for_the_case_team_alone() {
    let w = world();
    let (case, need, contact) = case_with_records(&w);
    let res = patch(
        &w,
        &w.worker_a,
        &format!("/api/v1/cases/{case}/needs/{need}"),
        json!({"text": "Gecorrigeerd-geheim", "reason": "Reden-geheim"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let ghost = uuid::Uuid::new_v4();
    let need_path = format!("/api/v1/cases/{case}/needs/{need}");
    let contact_path = format!("/api/v1/cases/{case}/contact-moments/{contact}");
    #[rustfmt::skip]
    let matrix: [(&str, &TestUser, u16, u16); 4] = [
        // who, reading and correcting, for a real object, then for the same path on another case
        ("worker A (own school)", &w.worker_a, 200, 404),
        ("worker B (other school)", &w.worker_b, 404, 404),
        ("school A", &w.user_a, 403, 403),
        ("coordinator", &w.coord, 403, 403),
    ];
    for (who, user, own, other) in matrix {
        for path in [&need_path, &contact_path] {
            let other_path = path.replace(&case, &ghost.to_string());
            assert_eq!(
                w.app.get(path, Some(&user.token)).status,
                own,
                "{who} GET {path}"
            );
            assert_eq!(
                w.app.get(&other_path, Some(&user.token)).status,
                other,
                "{who} GET {other_path}"
            );
            if own != 200 {
                let b = if path.contains("/needs/") {
                    json!({"text": "Overgenomen", "reason": "r"})
                } else {
                    json!({"summary": "Overgenomen", "reason": "r"})
                };
                let res = patch(&w, user, path, b, None);
                assert_eq!(res.status, own, "{who} PATCH {path}: {}", res.text());
            }
        }
    }
    // A need of another case under this case's path is not found either.
    let (_, other_need, _) = case_with_records(&w);
    assert_eq!(
        w.app
            .get(
                &format!("/api/v1/cases/{case}/needs/{other_need}"),
                Some(&w.worker_a.token)
            )
            .status,
        404
    );
    // The school's and the coordinator's views of the case carry nothing of it.
    for user in [&w.user_a, &w.coord] {
        let text = w
            .app
            .get(&format!("/api/v1/cases/{case}"), Some(&user.token))
            .text();
        for s in [
            "history",
            "Gecorrigeerd-geheim",
            "Reden-geheim",
            "Moeder wil",
        ] {
            assert!(!text.contains(s), "{s} in {text}");
        }
    }
}

#[test]
fn a_corrected_contact_time_moves_first_contact_at_both_ways() {
    let w = world();
    let (case, _, contact) = case_with_records(&w);
    let later = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case}/contact-moments"),
        json!({"occurred_at": "2026-02-01T10:00:00Z", "kind": "office_hours", "summary": "Zitdag"}),
    );
    assert_eq!(later.status, 201);
    let first = || {
        w.app
            .get(&format!("/api/v1/cases/{case}"), Some(&w.worker_a.token))
            .json()["first_contact_at"]
            .clone()
    };
    assert_eq!(first(), "2026-01-05T10:00:00Z");
    let path = format!("/api/v1/cases/{case}/contact-moments/{contact}");
    let res = patch(
        &w,
        &w.worker_a,
        &path,
        json!({"occurred_at": "2026-03-01T09:00:00Z", "reason": "Verkeerde datum"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json()["history"][0]["occurred_at"],
        "2026-01-05T10:00:00Z"
    );
    assert_eq!(
        first(),
        "2026-02-01T10:00:00Z",
        "the other one is earliest now"
    );
    let res = patch(
        &w,
        &w.worker_a,
        &path,
        json!({"occurred_at": "2025-12-20T09:00:00Z", "reason": "Toch vroeger"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(first(), "2025-12-20T09:00:00Z");
}

#[test]
fn the_export_holds_the_consult_requests_and_the_agenda_items_linked_to_the_case() {
    let w = world();
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string();
    let res = w.post(
        &w.user_a,
        "/api/v1/consult-requests",
        json!({"reason": "Consult-reden-van-de-school", "themes": ["school_costs"],
               "preferred_dates": [soon], "urgency": "high"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let consult = id(&res.json());
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/consult-requests/{consult}/open-case"),
        json!({"pupil": {"pseudonym": "3C-04", "birth_year": 2017}}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let case = id(&res.json());

    // A meeting of the network, an item linked to the case by its worker, one not linked.
    let net = crate::meetings::network_of(&w, &w.school_a);
    let res = w.post(
        &w.coord,
        "/api/v1/meetings",
        json!({"network_id": net, "title": "Netwerkmoment", "date": "2026-12-08",
               "invited_schools": [w.school_a, w.school_b]}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let meeting = id(&res.json());
    let add = |by: &TestUser, title: &str, case_id: Option<&str>| {
        let mut body = json!({"title": title, "description": "Meerdere gezinnen kunnen de bosklassen niet betalen."});
        if let Some(c) = case_id {
            body["case_id"] = json!(c);
        }
        w.post(
            by,
            &format!("/api/v1/meetings/{meeting}/agenda-items"),
            body,
        )
    };
    let res = add(&w.worker_a, "Gekoppeld agendapunt", Some(&case));
    assert_eq!(res.status, 201, "{}", res.text());
    let linked = res.json();
    assert!(
        linked.get("case_id").is_none(),
        "the link is never shown: {linked}"
    );
    assert_eq!(add(&w.worker_a, "Los agendapunt", None).status, 201);
    // Only a worker of the case links it; anyone else, or a case that does not exist, is 422
    // alike.
    for (by, c) in [
        (&w.worker_b, case.clone()),
        (&w.user_a, case.clone()),
        (&w.coord, case.clone()),
        (&w.worker_a, uuid::Uuid::new_v4().to_string()),
    ] {
        let p = add(by, "Poging", Some(&c)).problem(422);
        assert!(p.to_string().contains("case_id"), "{p}");
    }
    // The agenda shows no link to anyone.
    for user in [&w.worker_a, &w.user_b, &w.coord] {
        let text = w
            .app
            .get(&format!("/api/v1/meetings/{meeting}"), Some(&user.token))
            .text();
        assert!(!text.contains(&case), "{text}");
    }

    let export = w
        .app
        .get(
            &format!("/api/v1/cases/{case}/export"),
            Some(&w.worker_a.token),
        )
        .json();
    let consults = export["consult_requests"].as_array().unwrap();
    assert_eq!(consults.len(), 1, "{export}");
    assert_eq!(consults[0]["id"], consult.as_str());
    assert_eq!(consults[0]["reason"], "Consult-reden-van-de-school");
    let items: Vec<&str> = export["agenda_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(items, ["Gekoppeld agendapunt"]);
    assert_eq!(export["checklist_submissions"], json!([]));

    // Erasure takes the link away; the item stays on the agenda.
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case}/close"),
        json!({"outcome": "resolved"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case}/erase"),
        json!({"reason": "Verzoek van de ouder"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let export = w
        .app
        .get(
            &format!("/api/v1/cases/{case}/export"),
            Some(&w.worker_a.token),
        )
        .json();
    assert_eq!(export["agenda_items"], json!([]));
    let item = w.app.get(
        &format!("/api/v1/agenda-items/{}", id(&linked)),
        Some(&w.worker_a.token),
    );
    assert_eq!(item.status, 200);
}

#[test]
fn erasure_deletes_the_histories_and_a_correction_of_an_erased_case_is_409() {
    use diesel::prelude::*;
    use kinderen_eerst::db::schema::{case_contact_history, case_need_history};
    let w = world();
    let (case, need, contact) = case_with_records(&w);
    for (path, body) in [
        (
            format!("/api/v1/cases/{case}/needs/{need}"),
            json!({"text": "Gecorrigeerd", "reason": "r"}),
        ),
        (
            format!("/api/v1/cases/{case}/contact-moments/{contact}"),
            json!({"summary": "Gecorrigeerd", "reason": "r"}),
        ),
    ] {
        assert_eq!(patch(&w, &w.worker_a, &path, body, None).status, 200);
    }
    let count = |w: &World| -> (i64, i64) {
        let mut conn = w.app.conn();
        (
            case_need_history::table
                .filter(case_need_history::case_id.eq(&case))
                .count()
                .get_result(&mut conn)
                .unwrap(),
            case_contact_history::table
                .filter(case_contact_history::case_id.eq(&case))
                .count()
                .get_result(&mut conn)
                .unwrap(),
        )
    };
    assert_eq!(count(&w), (1, 1));
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case}/close"),
        json!({"outcome": "resolved"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{case}/erase"),
        json!({"reason": "Verzoek van de ouder"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(count(&w), (0, 0));
    let v = res.json();
    assert_eq!(v["needs"][0]["history"], json!([]));
    assert_eq!(v["needs"][0]["text"], Value::Null);
    let p = patch(
        &w,
        &w.worker_a,
        &format!("/api/v1/cases/{case}/needs/{need}"),
        json!({"text": "Nog iets", "reason": "r"}),
        None,
    )
    .problem(409);
    assert_eq!(p["current_state"], "erased");
}
