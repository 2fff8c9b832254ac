//! Every class of bad request is answered with problem+json, never a 500.

use serde_json::json;

use crate::helpers::TestApp;

const LOGIN: &str = "/api/v1/auth/login";

#[test]
fn malformed_json_is_400() {
    let app = TestApp::spawn();
    let res = app.request(
        "POST",
        LOGIN,
        None,
        Some(("application/json", b"{\"email\": ".to_vec())),
        &[],
    );
    res.problem(400);
}

#[test]
fn wrong_content_type_is_415() {
    let app = TestApp::spawn();
    let res = app.request(
        "POST",
        LOGIN,
        None,
        Some(("text/plain", b"{}".to_vec())),
        &[],
    );
    res.problem(415);
}

#[test]
fn oversized_body_is_413() {
    let app = TestApp::spawn();
    let big = format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let res = app.request(
        "POST",
        LOGIN,
        None,
        Some(("application/json", big.into_bytes())),
        &[],
    );
    res.problem(413);
}

#[test]
fn a_field_of_the_wrong_type_is_422_naming_it() {
    let app = TestApp::spawn();
    let p = app
        .post(LOGIN, None, &json!({"email": 5, "password": "x"}))
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "email");
}

#[test]
fn a_missing_field_is_422_naming_it() {
    let app = TestApp::spawn();
    let p = app
        .post(LOGIN, None, &json!({"email": "a@b.example"}))
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "password");
}

#[test]
fn an_unknown_field_is_422_naming_it() {
    let app = TestApp::spawn();
    let p = app
        .post(
            LOGIN,
            None,
            &json!({"email": "a@b.example", "password": "x", "role": "coordinator"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "role");
}

#[test]
fn a_rule_violation_is_422_naming_the_field() {
    let app = TestApp::spawn();
    let p = app
        .post(
            LOGIN,
            None,
            &json!({"email": "a@b.example", "password": ""}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "password");
    assert_eq!(p["type"], "urn:kinderen-eerst:problem:validation");
}

#[test]
fn unknown_route_is_404() {
    let app = TestApp::spawn();
    app.get("/api/v1/nothing-here", None).problem(404);
}

#[test]
fn wrong_method_is_405_with_allow() {
    let app = TestApp::spawn();
    let res = app.request("DELETE", "/api/v1/me", None, None, &[]);
    res.problem(405);
    assert_eq!(res.header("allow"), Some("GET"));
    let res = app.get(LOGIN, None);
    res.problem(405);
    assert_eq!(res.header("allow"), Some("POST"));
}

#[test]
fn docs_page_and_document_are_served() {
    let app = TestApp::spawn();
    let res = app.get("/api-docs/openapi.json", None);
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["openapi"], "3.1.0");
    let res = app.get("/docs/", None);
    assert_eq!(res.status, 200);
    assert!(res.text().contains("swagger-ui"), "{}", res.text());
}
