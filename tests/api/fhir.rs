//! FHIR R4 for partner systems: referrals as Tasks and ServiceRequests, searched, read and moved
//! through the same lifecycle as the JSON API; errors as OperationOutcome; nothing of the case
//! beyond the referral's package.

use serde_json::{Value, json};

use crate::helpers::{Resp, TestUser};
use crate::referrals::{Fixture, fixture, id_of, two_services};

const FHIR: &str = "application/fhir+json";

fn get(f: &Fixture, user: &TestUser, path: &str) -> Resp {
    f.w.app.get(path, Some(&user.token))
}

fn patch(f: &Fixture, user: &TestUser, id: &str, ops: Value, if_match: Option<&str>) -> Resp {
    let headers: Vec<(&str, &str)> = if_match.map(|m| ("if-match", m)).into_iter().collect();
    f.w.app.request(
        "PATCH",
        &format!("/fhir/r4/Task/{id}"),
        Some(&user.token),
        Some(("application/json-patch+json", ops.to_string().into_bytes())),
        &headers,
    )
}

/// Asserts a FHIR answer (status and content type) and returns its body.
#[track_caller]
fn fhir(res: &Resp, status: u16) -> Value {
    assert_eq!(res.status, status, "{}", res.text());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with(FHIR)),
        "content type {:?}",
        res.header("content-type")
    );
    res.json()
}

/// Asserts an OperationOutcome with this status, and returns the first issue.
#[track_caller]
fn outcome(res: &Resp, status: u16) -> Value {
    let v = fhir(res, status);
    assert_eq!(v["resourceType"], "OperationOutcome", "{v}");
    let issue = v["issue"][0].clone();
    assert_eq!(issue["severity"], "error", "{v}");
    assert!(issue["details"]["coding"][0]["code"].is_string(), "{v}");
    issue
}

/// A sent referral of school A's case to the fixture's service (with consent).
fn sent(f: &Fixture) -> String {
    f.consent("refer_to_partner", Some(&f.partner));
    let id = id_of(&f.draft());
    f.step(&id, "send");
    id
}

fn set_status(status: &str) -> Value {
    json!([{"op": "replace", "path": "/status", "value": status}])
}

#[test]
fn a_sent_referral_reads_as_a_task_that_orders_the_fulfilment_of_its_service_request() {
    let f = fixture();
    let id = sent(&f);
    let res = get(&f, &f.w.worker_a, &format!("/fhir/r4/Task/{id}"));
    let t = fhir(&res, 200);
    assert_eq!(t["resourceType"], "Task");
    assert_eq!(t["id"], id);
    assert_eq!(t["status"], "requested");
    assert_eq!(t["intent"], "order");
    assert_eq!(t["priority"], "urgent");
    assert_eq!(t["code"]["coding"][0]["code"], "fulfill");
    assert_eq!(t["businessStatus"]["coding"][0]["code"], "sent");
    assert_eq!(t["focus"]["reference"], format!("ServiceRequest/{id}"));
    assert_eq!(
        t["owner"]["reference"],
        format!("Organization/{}", f.partner)
    );
    assert_eq!(t["requester"]["reference"], "#requester");
    assert_eq!(t["contained"][0]["resourceType"], "Practitioner");
    assert_eq!(t["contained"][0]["telecom"][0]["value"], f.w.worker_a.email);
    assert!(t["authoredOn"].is_string() && t["lastModified"].is_string());
    assert!(t["restriction"]["period"]["end"].is_string());
    let version = t["meta"]["versionId"].as_str().unwrap();
    assert_eq!(
        res.header("etag"),
        Some(format!("W/\"{version}\"").as_str())
    );

    let res = get(&f, &f.w.worker_a, &format!("/fhir/r4/ServiceRequest/{id}"));
    let sr = fhir(&res, 200);
    assert_eq!(sr["resourceType"], "ServiceRequest");
    assert_eq!(sr["status"], "active");
    assert_eq!(sr["intent"], "order");
    assert_eq!(sr["code"]["coding"][0]["code"], f.service);
    assert_eq!(sr["category"][0]["coding"][0]["code"], "finances_debt");
    assert_eq!(
        sr["note"][0]["text"],
        "Moeder zoekt hulp bij een afbetalingsplan."
    );
    assert_eq!(
        sr["performer"][0]["reference"],
        format!("Organization/{}", f.partner)
    );
}

#[test]
fn a_task_carries_nothing_of_the_case_and_no_family_data_without_consent_to_share_it() {
    let mut f = fixture();
    // A case with family contact data, needs and a pupil class.
    let case = f.w.case_by_worker("parent");
    f.case_id = id_of(&case);
    let need = f.w.post(
        &f.w.worker_a,
        &format!("/api/v1/cases/{}/needs", f.case_id),
        json!({"text": "Vochtige woning", "theme": "housing", "raised_by": "parent"}),
    );
    assert_eq!(need.status, 201, "{}", need.text());
    let id = sent(&f);
    for path in [
        format!("/fhir/r4/Task/{id}"),
        format!("/fhir/r4/ServiceRequest/{id}"),
        "/fhir/r4/Task".to_string(),
    ] {
        let body = get(&f, &f.w.worker_a, &path).text();
        for secret in [
            "Mevrouw Diallo",
            "0470 12 34 56",
            "Vochtige woning",
            "4B",
            f.case_id.as_str(),
            f.w.school_a.as_str(),
        ] {
            assert!(!body.contains(secret), "{path} shows {secret}: {body}");
        }
    }
    let t = get(&f, &f.w.worker_a, &format!("/fhir/r4/Task/{id}")).json();
    assert!(t.get("for").is_none(), "{t}");
    let sr = get(&f, &f.w.worker_a, &format!("/fhir/r4/ServiceRequest/{id}")).json();
    assert!(sr["subject"].get("reference").is_none(), "{sr}");
    assert_eq!(sr["subject"]["identifier"]["value"], id);
}

#[test]
fn a_draft_is_no_task_and_other_schools_referrals_are_not_found() {
    let f = fixture();
    let draft = id_of(&f.draft());
    let issue = outcome(
        &get(&f, &f.w.worker_a, &format!("/fhir/r4/Task/{draft}")),
        404,
    );
    assert_eq!(issue["code"], "not-found");
    outcome(
        &get(
            &f,
            &f.w.worker_a,
            &format!("/fhir/r4/ServiceRequest/{draft}"),
        ),
        404,
    );
    let bundle = fhir(&get(&f, &f.w.worker_a, "/fhir/r4/Task"), 200);
    assert_eq!(bundle["entry"], json!([]));

    let id = sent(&f);
    outcome(&get(&f, &f.w.worker_b, &format!("/fhir/r4/Task/{id}")), 404);
    outcome(
        &get(&f, &f.w.worker_b, &format!("/fhir/r4/ServiceRequest/{id}")),
        404,
    );
    outcome(
        &patch(&f, &f.w.worker_b, &id, set_status("accepted"), None),
        404,
    );
    let theirs = fhir(&get(&f, &f.w.worker_b, "/fhir/r4/Task"), 200);
    assert_eq!(theirs["entry"], json!([]));
    outcome(&get(&f, &f.w.worker_a, "/fhir/r4/Task/not-a-uuid"), 404);
}

#[test]
fn the_coordinator_and_schools_may_not_use_fhir_and_anonymous_callers_must_log_in() {
    let f = fixture();
    let id = sent(&f);
    for user in [&f.w.coord, &f.w.user_a] {
        for path in [
            format!("/fhir/r4/Task/{id}"),
            format!("/fhir/r4/ServiceRequest/{id}"),
            "/fhir/r4/Task".into(),
        ] {
            let issue = outcome(&get(&f, user, &path), 403);
            assert_eq!(issue["code"], "forbidden");
        }
        outcome(&patch(&f, user, &id, set_status("accepted"), None), 403);
    }
    let res = f.w.app.get(&format!("/fhir/r4/Task/{id}"), None);
    assert_eq!(outcome(&res, 401)["code"], "login");
    assert!(res.header("www-authenticate").is_some());
}

#[test]
fn tasks_are_searched_by_owner_status_and_last_update_and_paged_with_next_links() {
    let f = fixture();
    let first = sent(&f);
    f.consent("refer_to_partner", Some(&f.other_partner));
    let second = id_of(&f.draft_for(&f.other_service));
    f.step(&second, "send");
    f.step(&second, "accept");
    let ids = |path: &str| -> Vec<String> {
        let b = fhir(&get(&f, &f.w.worker_a, path), 200);
        assert_eq!(b["resourceType"], "Bundle");
        assert_eq!(b["type"], "searchset");
        b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert!(
                    e["fullUrl"]
                        .as_str()
                        .unwrap()
                        .ends_with(e["resource"]["id"].as_str().unwrap())
                );
                e["resource"]["id"].as_str().unwrap().to_string()
            })
            .collect()
    };
    assert_eq!(ids("/fhir/r4/Task"), vec![second.clone(), first.clone()]);
    assert_eq!(
        ids(&format!("/fhir/r4/Task?owner=Organization/{}", f.partner)),
        vec![first.clone()]
    );
    assert_eq!(
        ids(&format!("/fhir/r4/Task?owner={}", f.other_partner)),
        vec![second.clone()]
    );
    assert_eq!(ids("/fhir/r4/Task?status=requested"), vec![first.clone()]);
    assert_eq!(ids("/fhir/r4/Task?status=accepted"), vec![second.clone()]);
    assert_eq!(ids("/fhir/r4/Task?status=requested,accepted").len(), 2);
    assert_eq!(ids("/fhir/r4/Task?status=completed"), Vec::<String>::new());

    let t = get(&f, &f.w.worker_a, &format!("/fhir/r4/Task/{second}")).json();
    let changed = t["meta"]["lastUpdated"].as_str().unwrap().to_string();
    let enc = |s: &str| s.replace('+', "%2B").replace(':', "%3A");
    assert_eq!(
        ids(&format!("/fhir/r4/Task?_lastUpdated=ge{}", enc(&changed))),
        vec![second.clone()]
    );
    assert_eq!(
        ids(&format!("/fhir/r4/Task?_lastUpdated=gt{}", enc(&changed))),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&format!("/fhir/r4/Task?_lastUpdated=lt{}", enc(&changed))),
        vec![first.clone()]
    );
    assert_eq!(
        ids(&format!("/fhir/r4/Task?_lastUpdated=le{}", enc(&changed))).len(),
        2
    );
    assert_eq!(
        ids("/fhir/r4/Task?_lastUpdated=ge2000-01-01&_lastUpdated=lt2000-01-02"),
        Vec::<String>::new()
    );

    let page = fhir(
        &get(
            &f,
            &f.w.worker_a,
            "/fhir/r4/Task?_count=1&status=requested,accepted",
        ),
        200,
    );
    assert_eq!(page["entry"].as_array().unwrap().len(), 1);
    let next = page["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .expect("a next link")["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        next.contains("status=requested%2Caccepted") && next.contains("_count=1"),
        "{next}"
    );
    let path = &next[next.find("/fhir/").unwrap()..];
    let rest = fhir(&get(&f, &f.w.worker_a, path), 200);
    assert_eq!(rest["entry"][0]["resource"]["id"], first);
    assert!(
        rest["link"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["relation"] != "next")
    );
}

#[test]
fn bad_search_parameters_are_refused_with_an_operation_outcome_naming_them() {
    let f = fixture();
    for (query, param) in [
        ("_sort=status", "_sort"),
        ("status=draft", "status"),
        ("status=bogus", "status"),
        ("_lastUpdated=2026-01-01", "_lastUpdated"),
        ("_count=0", "_count"),
        ("_count=201", "_count"),
        ("owner=Organization/nope", "owner"),
        ("_cursor=nope", "_cursor"),
    ] {
        let issue = outcome(
            &get(&f, &f.w.worker_a, &format!("/fhir/r4/Task?{query}")),
            422,
        );
        assert_eq!(issue["code"], "invalid", "{query}");
        assert_eq!(issue["expression"][0], param, "{query}: {issue}");
    }
}

#[test]
fn a_task_goes_from_requested_to_completed_with_an_outcome_and_the_json_api_shows_each_step() {
    let f = fixture();
    let id = sent(&f);
    let t = fhir(
        &patch(&f, &f.w.worker_a, &id, set_status("accepted"), None),
        200,
    );
    assert_eq!(t["status"], "accepted");
    let res = patch(&f, &f.w.worker_a, &id, set_status("in-progress"), None);
    let t = fhir(&res, 200);
    assert_eq!(t["status"], "in-progress");
    let version = t["meta"]["versionId"].as_str().unwrap().to_string();
    assert_eq!(
        res.header("etag"),
        Some(format!("W/\"{version}\"").as_str())
    );
    // On hold and back, with a reason.
    let t = fhir(
        &patch(
            &f,
            &f.w.worker_a,
            &id,
            json!([{"op": "replace", "path": "/status", "value": "on-hold"},
                   {"op": "add", "path": "/statusReason", "value": {"text": "Gezin op vakantie"}}]),
            Some(&format!("W/\"{version}\"")),
        ),
        200,
    );
    assert_eq!(t["status"], "on-hold");
    assert_eq!(t["statusReason"]["text"], "Gezin op vakantie");
    assert_eq!(t["businessStatus"]["coding"][0]["code"], "on_hold");
    // The version read before the hold is stale now.
    let stale = patch(
        &f,
        &f.w.worker_a,
        &id,
        set_status("in-progress"),
        Some(&format!("W/\"{version}\"")),
    );
    assert_eq!(outcome(&stale, 412)["code"], "conflict");
    assert_eq!(
        fhir(
            &patch(&f, &f.w.worker_a, &id, set_status("in-progress"), None),
            200
        )["status"],
        "in-progress"
    );
    let done = fhir(
        &patch(
            &f,
            &f.w.worker_a,
            &id,
            json!([{"op": "test", "path": "/status", "value": "in-progress"},
                   {"op": "replace", "path": "/status", "value": "completed"},
                   {"op": "add", "path": "/output", "value": [{"type": {"coding": [{"system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes", "code": "resulting-activity"}]},
                        "valueCodeableConcept": {"text": "Afbetalingsplan afgesproken."}}]}]),
            None,
        ),
        200,
    );
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["output"][0]["valueCodeableConcept"]["text"],
        "Afbetalingsplan afgesproken."
    );
    assert_eq!(
        done["output"][0]["type"]["coding"][0]["code"],
        "resulting-activity"
    );
    let sr = get(&f, &f.w.worker_a, &format!("/fhir/r4/ServiceRequest/{id}")).json();
    assert_eq!(sr["status"], "completed");

    let json_api = get(&f, &f.w.worker_a, &format!("/api/v1/referrals/{id}")).json();
    assert_eq!(json_api["status"], "completed");
    assert_eq!(json_api["outcome"], "Afbetalingsplan afgesproken.");
    let steps: Vec<&str> = json_api["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "draft",
            "sent",
            "accepted",
            "in_progress",
            "on_hold",
            "in_progress",
            "completed"
        ]
    );
    assert_eq!(json_api["history"][4]["comment"], "Gezin op vakantie");
    // Each step was published like the JSON API's.
    let events = get(&f, &f.w.coord, "/api/v1/events?limit=1000").json();
    let completed = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "referral.completed" || e["event_type"] == "referral.completed")
        .count();
    assert_eq!(completed, 1, "{events}");
}

#[test]
fn an_illegal_step_is_a_conflict_and_a_missing_reason_or_outcome_names_the_fhir_element() {
    let f = fixture();
    let id = sent(&f);
    let issue = outcome(
        &patch(&f, &f.w.worker_a, &id, set_status("completed"), None),
        409,
    );
    assert_eq!(issue["code"], "business-rule");
    assert_eq!(issue["expression"][0], "Task.status");
    outcome(
        &patch(&f, &f.w.worker_a, &id, set_status("requested"), None),
        409,
    );
    outcome(
        &patch(&f, &f.w.worker_a, &id, set_status("received"), None),
        409,
    );
    let issue = outcome(
        &patch(&f, &f.w.worker_a, &id, set_status("rejected"), None),
        422,
    );
    assert_eq!(issue["expression"][0], "/statusReason");
    let issue = outcome(
        &patch(&f, &f.w.worker_a, &id, set_status("bogus"), None),
        422,
    );
    assert_eq!(issue["expression"][0], "/status");
    let issue = outcome(
        &patch(
            &f,
            &f.w.worker_a,
            &id,
            json!([{"op": "replace", "path": "/owner", "value": {}}]),
            None,
        ),
        422,
    );
    assert_eq!(issue["expression"][0], "[0].path");
    let issue = outcome(
        &patch(
            &f,
            &f.w.worker_a,
            &id,
            json!([{"op": "remove", "path": "/status"}]),
            None,
        ),
        422,
    );
    assert_eq!(issue["expression"][0], "[0].op");
    outcome(&patch(&f, &f.w.worker_a, &id, json!([]), None), 422);
    let issue = outcome(
        &patch(
            &f,
            &f.w.worker_a,
            &id,
            json!([{"op": "test", "path": "/status", "value": "accepted"},
                   {"op": "replace", "path": "/status", "value": "accepted"}]),
            None,
        ),
        422,
    );
    assert_eq!(issue["expression"][0], "[0].value");
    let bad = f.w.app.request(
        "PATCH",
        &format!("/fhir/r4/Task/{id}"),
        Some(&f.w.worker_a.token),
        Some(("application/json-patch+json", b"[{".to_vec())),
        &[],
    );
    outcome(&bad, 400);
    let plain = f.w.app.request(
        "PATCH",
        &format!("/fhir/r4/Task/{id}"),
        Some(&f.w.worker_a.token),
        Some(("text/plain", b"accepted".to_vec())),
        &[],
    );
    outcome(&plain, 415);
    // Nothing moved.
    let t = get(&f, &f.w.worker_a, &format!("/fhir/r4/Task/{id}")).json();
    assert_eq!(t["status"], "requested");
    // Declining with a reason works, and the reason is the Task's statusReason.
    let t = fhir(
        &patch(
            &f,
            &f.w.worker_a,
            &id,
            json!([{"op": "replace", "path": "/status", "value": "rejected"},
                   {"op": "replace", "path": "/statusReason", "value": {"text": "Buiten ons werkgebied"}}]),
            None,
        ),
        200,
    );
    assert_eq!(t["status"], "rejected");
    assert_eq!(t["statusReason"]["text"], "Buiten ons werkgebied");
    let sr = get(&f, &f.w.worker_a, &format!("/fhir/r4/ServiceRequest/{id}")).json();
    assert_eq!(sr["status"], "revoked");
}

#[test]
fn fhir_reads_and_updates_are_in_the_audit_trail() {
    let f = fixture();
    let id = sent(&f);
    get(&f, &f.w.worker_a, &format!("/fhir/r4/Task/{id}"));
    get(&f, &f.w.worker_a, "/fhir/r4/Task");
    patch(&f, &f.w.worker_a, &id, set_status("accepted"), None);
    let log = get(
        &f,
        &f.w.coord,
        &format!("/api/v1/audit-events?object_id={id}&limit=200"),
    );
    let text = log.text();
    assert_eq!(log.status, 200, "{text}");
    let actions: Vec<String> = log.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor_id"] == f.w.worker_a.id)
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect();
    for a in ["read", "status_change"] {
        assert!(actions.iter().any(|x| x == a), "{a} missing: {actions:?}");
    }
    let _ = two_services;
}

// ---------------------------------------------------------------------------------------------
// Partner accounts: the main users of the FHIR endpoints.

#[test]
fn a_partner_reads_and_searches_its_organisations_tasks_and_another_organisations_are_not_found() {
    let f = fixture();
    let ours = sent(&f);
    f.consent("refer_to_partner", Some(&f.other_partner));
    let theirs = id_of(&f.draft_for(&f.other_service));
    f.step(&theirs, "send");
    let partner = f.w.app.partner_user(&f.partner);

    let t = fhir(&get(&f, &partner, &format!("/fhir/r4/Task/{ours}")), 200);
    assert_eq!(
        t["owner"]["reference"],
        format!("Organization/{}", f.partner)
    );
    assert_eq!(t["contained"][0]["telecom"][0]["value"], f.w.worker_a.email);
    let sr = fhir(
        &get(&f, &partner, &format!("/fhir/r4/ServiceRequest/{ours}")),
        200,
    );
    assert_eq!(
        sr["note"][0]["text"],
        "Moeder zoekt hulp bij een afbetalingsplan."
    );

    outcome(&get(&f, &partner, &format!("/fhir/r4/Task/{theirs}")), 404);
    outcome(
        &get(&f, &partner, &format!("/fhir/r4/ServiceRequest/{theirs}")),
        404,
    );
    outcome(
        &patch(&f, &partner, &theirs, set_status("accepted"), None),
        404,
    );
    let all = fhir(&get(&f, &partner, "/fhir/r4/Task"), 200);
    let ids: Vec<&str> = all["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![ours.as_str()]);
    let other = fhir(
        &get(
            &f,
            &partner,
            &format!("/fhir/r4/Task?owner=Organization/{}", f.other_partner),
        ),
        200,
    );
    assert_eq!(other["entry"], json!([]));
    // A draft to the partner's own organisation is no Task either.
    let draft = id_of(&f.draft());
    outcome(&get(&f, &partner, &format!("/fhir/r4/Task/{draft}")), 404);
}

#[test]
fn a_partner_accepts_starts_and_completes_a_task_and_the_worker_sees_each_step_as_the_partners() {
    let f = fixture();
    let id = sent(&f);
    let partner = f.w.app.partner_user(&f.partner);
    assert_eq!(
        fhir(&patch(&f, &partner, &id, set_status("accepted"), None), 200)["status"],
        "accepted"
    );
    assert_eq!(
        fhir(
            &patch(&f, &partner, &id, set_status("in-progress"), None),
            200
        )["status"],
        "in-progress"
    );
    let done = fhir(
        &patch(
            &f,
            &partner,
            &id,
            json!([{"op": "replace", "path": "/status", "value": "completed"},
                   {"op": "add", "path": "/output/-", "value": {"type": {"text": "resulting activity"}, "valueString": "Budgetbegeleiding gestart."}}]),
            None,
        ),
        200,
    );
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["output"][0]["valueCodeableConcept"]["text"],
        "Budgetbegeleiding gestart."
    );
    let seen = get(&f, &f.w.worker_a, &format!("/api/v1/referrals/{id}")).json();
    assert_eq!(seen["status"], "completed");
    assert_eq!(seen["outcome"], "Budgetbegeleiding gestart.");
    for step in &seen["history"].as_array().unwrap()[2..] {
        assert_eq!(step["actor"]["id"], partner.id, "{step}");
    }
    // A partner never cancels: that is the case team's.
    let f2 = fixture();
    let id2 = sent(&f2);
    let p2 = f2.w.app.partner_user(&f2.partner);
    let res = patch(
        &f2,
        &p2,
        &id2,
        json!([{"op": "replace", "path": "/status", "value": "cancelled"},
               {"op": "replace", "path": "/statusReason", "value": {"text": "Dubbel"}}]),
        None,
    );
    assert_eq!(outcome(&res, 403)["code"], "forbidden");
}

/// A second `refer_to_partner` consent for the fixture's partner, sharing the family's contact.
fn share_contact(f: &Fixture) {
    let res = f.w.post(
        &f.w.worker_a,
        &format!("/api/v1/cases/{}/consents", f.case_id),
        json!({"kind": "refer_to_partner", "partner_id": f.partner, "share_contact_with_partner": true,
               "given_by": "parent", "method": "written", "given_at": "2026-01-06T10:00:00Z"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
}

#[test]
fn the_family_is_the_tasks_subject_only_when_its_consent_shares_its_contact_data_with_the_partner()
{
    let mut f = fixture();
    f.case_id = id_of(&f.w.case_by_worker("parent"));
    let id = sent(&f);
    let partner = f.w.app.partner_user(&f.partner);
    let t = get(&f, &partner, &format!("/fhir/r4/Task/{id}")).json();
    assert!(t.get("for").is_none(), "{t}");
    assert!(!t.to_string().contains("Diallo"));

    share_contact(&f);
    let t = fhir(&get(&f, &partner, &format!("/fhir/r4/Task/{id}")), 200);
    assert_eq!(t["for"]["reference"], "#family");
    let patient = t["contained"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["resourceType"] == "Patient")
        .expect("a contained Patient")
        .clone();
    assert_eq!(patient["name"][0]["text"], "Mevrouw Diallo");
    assert_eq!(patient["telecom"][0]["value"], "0470 12 34 56");
    assert_eq!(patient["communication"][0]["language"]["text"], "Frans");
    assert_eq!(patient.as_object().unwrap().len(), 5, "{patient}");
    let sr = get(&f, &partner, &format!("/fhir/r4/ServiceRequest/{id}")).json();
    assert_eq!(sr["subject"]["reference"], "#family");
    assert!(!sr.to_string().contains("4B"), "{sr}");
}

#[test]
fn once_the_consent_is_withdrawn_the_task_is_a_bare_reference() {
    let f = fixture();
    let consent = f.consent("refer_to_partner", Some(&f.partner));
    let id = id_of(&f.draft());
    f.step(&id, "send");
    let partner = f.w.app.partner_user(&f.partner);
    fhir(&patch(&f, &partner, &id, set_status("accepted"), None), 200);
    f.withdraw(&consent);
    for user in [&partner, &f.w.worker_a] {
        let t = fhir(&get(&f, user, &format!("/fhir/r4/Task/{id}")), 200);
        // Held by the withdrawal, and the partner is told why.
        assert_eq!(t["status"], "on-hold");
        assert_eq!(t["statusReason"]["text"], "consent withdrawn", "{t}");
        assert_eq!(
            t["owner"]["reference"],
            format!("Organization/{}", f.partner)
        );
        for absent in ["priority", "restriction", "for", "contained"] {
            assert!(t.get(absent).is_none(), "{absent}: {t}");
        }
        assert_eq!(t["requester"]["display"], "Kinderen Eerst");
        let sr = fhir(
            &get(&f, user, &format!("/fhir/r4/ServiceRequest/{id}")),
            200,
        );
        for absent in ["note", "priority", "contained"] {
            assert!(sr.get(absent).is_none(), "{absent}: {sr}");
        }
        assert_eq!(sr["category"], json!([]));
    }
}

#[test]
fn a_partner_sees_its_own_reasons_but_not_the_case_teams() {
    let f = fixture();
    let id = sent(&f);
    let partner = f.w.app.partner_user(&f.partner);
    patch(&f, &partner, &id, set_status("accepted"), None);
    let held = fhir(
        &patch(
            &f,
            &partner,
            &id,
            json!([{"op": "replace", "path": "/status", "value": "on-hold"},
                   {"op": "replace", "path": "/statusReason", "value": {"text": "Wachtlijst"}}]),
            None,
        ),
        200,
    );
    assert_eq!(held["statusReason"]["text"], "Wachtlijst");
    let cancelled = patch(
        &f,
        &f.w.worker_a,
        &id,
        json!([{"op": "replace", "path": "/status", "value": "cancelled"},
               {"op": "replace", "path": "/statusReason", "value": {"text": "Gezin verhuisd naar Gent"}}]),
        None,
    );
    assert_eq!(
        fhir(&cancelled, 200)["statusReason"]["text"],
        "Gezin verhuisd naar Gent"
    );
    let t = fhir(&get(&f, &partner, &format!("/fhir/r4/Task/{id}")), 200);
    assert_eq!(t["status"], "cancelled");
    assert!(t.get("statusReason").is_none(), "{t}");
}
