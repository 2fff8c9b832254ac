//! The document states what the server checks, from the same declarations, and the server takes
//! what the document allows (issue 22). Schemathesis checks the same at run time, as every role
//! (tests/contract/schemathesis.sh); these tests pin the parts a user relies on.

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn document() -> Value {
    serde_json::from_str(&kinderen_eerst::openapi::document_json()).unwrap()
}

/// Every input struct whose limits the server validates (`derive(Validate)`) and the document
/// shows (`ToSchema`/`IntoParams`) goes through `#[document_limits]`, so no limit is known to
/// the validator alone.
#[test]
fn every_validated_input_writes_its_limits_into_the_document() {
    let mut missing = Vec::new();
    let mut seen = 0;
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if !line.trim_start().starts_with("#[derive(") {
                    continue;
                }
                // The derive list may run over several lines.
                let mut derive = String::new();
                for l in &lines[i..] {
                    derive.push_str(l);
                    if l.trim_end().ends_with(")]") {
                        break;
                    }
                }
                let validated = derive.contains("Validate");
                let documented = derive.contains("ToSchema") || derive.contains("IntoParams");
                if !(validated && documented) {
                    continue;
                }
                seen += 1;
                let marked = lines[..i]
                    .iter()
                    .rev()
                    .take_while(|l| {
                        l.trim_start().starts_with("#[") || l.trim_start().starts_with("///")
                    })
                    .any(|l| l.contains("document_limits"));
                if !marked {
                    missing.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(seen > 100, "only {seen} validated inputs found");
    assert!(missing.is_empty(), "no #[document_limits] at {missing:#?}");
}

#[test]
fn the_document_states_the_limits_patterns_roles_and_links() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    // A #[validate] length and range, as the document states them.
    assert_eq!(
        schemas["ContactPerson"]["properties"]["name"]["minLength"],
        1
    );
    assert_eq!(
        schemas["ContactPerson"]["properties"]["name"]["maxLength"],
        200
    );
    let limit = doc["paths"]["/api/v1/cases"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 200);
    // Patterns from the constants the server reads with.
    assert_eq!(
        schemas["TimeOfDay"]["pattern"],
        kinderen_eerst::domain::time_of_day::PATTERN
    );
    assert_eq!(
        schemas["ContactPerson"]["properties"]["phone"]["pattern"],
        kinderen_eerst::domain::text::PLAIN_TEXT_PATTERN
    );
    let key = doc["paths"]["/api/v1/cases"]["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Idempotency-Key")
        .unwrap();
    assert_eq!(
        key["schema"]["pattern"],
        kinderen_eerst::api::idempotency::KEY_PATTERN
    );
    assert_eq!(
        key["schema"]["maxLength"],
        kinderen_eerst::api::idempotency::KEY_MAX_LEN
    );
    // Every operation lists its roles, the same as its description's "Roles: …".
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let described =
                kinderen_eerst::openapi::roles_of(op["description"].as_str().unwrap_or_default())
                    .unwrap_or_default();
            let listed: Vec<&str> = op["x-roles"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} has no x-roles"))
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            assert!(!listed.is_empty(), "{method} {path}: no roles");
            assert_eq!(listed, described, "{method} {path}");
        }
    }
    // A create links to the read and the actions on what it made.
    let links = &doc["paths"]["/api/v1/cases"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["get_case"]["operationId"], "get_case");
    assert_eq!(links["get_case"]["parameters"]["id"], "$response.body#/id");
    let links = &doc["paths"]["/api/v1/cases/{id}/referrals"]["post"]["responses"]["201"]["links"];
    assert_eq!(
        links["decline_referral"]["parameters"]["header.If-Match"],
        "$response.header.ETag"
    );
    // An optional body is the object, not "the object or null"; one that needs a field is required.
    let accept = &doc["paths"]["/api/v1/referrals/{id}/accept"]["post"]["requestBody"];
    assert_eq!(
        accept["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/AcceptReferral"
    );
    assert_ne!(accept["required"], true);
    let decline = &doc["paths"]["/api/v1/referrals/{id}/decline"]["post"]["requestBody"];
    assert_eq!(decline["required"], true);
    // Open operations say so.
    assert_eq!(
        doc["paths"]["/api/v1/auth/login"]["post"]["security"],
        json!([{}])
    );
}

#[test]
fn the_server_takes_what_the_document_allows() {
    let w = crate::cases::world();
    let app: &TestApp = &w.app;
    // JSON has one number type: a whole float is an integer.
    let res = app.request(
        "PATCH",
        &format!("/api/v1/users/{}", w.worker_a.id),
        Some(&w.coord.token),
        Some((
            "application/json",
            br#"{"weekly_capacity_hours": 12.0}"#.to_vec(),
        )),
        &[],
    );
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["weekly_capacity_hours"], 12);
    // `null` for an optional body is no body.
    let res = app.request(
        "POST",
        "/api/v1/inbox/seen",
        Some(&w.worker_a.token),
        Some(("application/json", b"null".to_vec())),
        &[],
    );
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    // A time is exactly HH:MM, as the document's pattern says.
    let res = app.post(
        "/api/v1/assignments",
        Some(&w.coord.token),
        &json!({"worker_id": w.worker_b.id, "school_id": w.school_b, "mode": "office_hours",
                "weekday": 3, "start_time": "8:30", "end_time": "10:00", "valid_from": "2026-09-01"}),
    );
    let p = res.problem(422);
    assert_eq!(p["errors"][0]["field"], "start_time");
    assert_eq!(p["errors"][0]["code"], "time_hh_mm");
    // A well-formed reference that names no case is not found, not refused.
    let res = app.get(
        "/api/v1/cases/by-reference/KE-2026-00000",
        Some(&w.worker_a.token),
    );
    res.problem(404);
    // An event type is one of the list.
    let res = app.post(
        "/api/v1/webhooks",
        Some(&w.coord.token),
        &json!({"url": "https://stad.example/hooks", "event_types": []}),
    );
    assert_eq!(res.problem(422)["errors"][0]["field"], "event_types");
}

#[test]
fn a_coordinator_changes_their_own_password_only_with_the_current_one() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let res = app.post(
        &format!("/api/v1/users/{}/password", coord.id),
        Some(&coord.token),
        &json!({"new_password": "een lang nieuw wachtwoord voor mezelf"}),
    );
    assert_eq!(res.problem(409)["code"], "cannot_reset_own_password");
    // Nothing changed: the session lives on.
    assert_eq!(app.get("/api/v1/me", Some(&coord.token)).status, 200);
}
