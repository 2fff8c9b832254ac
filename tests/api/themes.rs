//! Themes: the seeded taxonomy, adding and retiring themes.

use serde_json::json;

use crate::helpers::TestApp;
use crate::partners::{field_names, new_partner, send, walk};

#[test]
fn the_thirteen_domain_themes_are_seeded() {
    let app = TestApp::spawn();
    let school = app.user(kinderen_eerst::domain::Role::SocialWorker, None);
    let all = walk(&app, &school, "/api/v1/themes?limit=5");
    let codes: Vec<&str> = all.iter().map(|t| t["code"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = kinderen_eerst::seed::THEMES.iter().map(|t| t.0).collect();
    expected.sort();
    assert_eq!(codes, expected);
    let language = all.iter().find(|t| t["code"] == "language").unwrap();
    assert_eq!(language["label_nl"], "Taal");
}

#[test]
fn a_theme_code_is_snake_case_and_unique() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let res = app.post(
        "/api/v1/themes",
        Some(&coord.token),
        &json!({"code": "Digital Inclusion", "label_nl": "Digitaal", "label_en": ""}),
    );
    let mut fields = field_names(&res.problem(422));
    fields.sort();
    assert_eq!(fields, vec!["code", "label_en"]);
    let ok = json!({"code": "digital_inclusion", "label_nl": "Digitale inclusie", "label_en": "Digital inclusion"});
    let res = app.post("/api/v1/themes", Some(&coord.token), &ok);
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(
        res.header("location"),
        Some("/api/v1/themes/digital_inclusion")
    );
    app.post("/api/v1/themes", Some(&coord.token), &ok)
        .problem(409);
}

#[test]
fn a_retired_theme_stays_on_old_services_but_cannot_be_added() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let p = new_partner(&app, &coord, json!({"name": "P", "kind": "ngo"}));
    let res = app.post(
        "/api/v1/services",
        Some(&coord.token),
        &json!({"partner_id": p["id"], "name": "Old", "themes": ["housing"]}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let old = res.json();
    let res = send(
        &app,
        "PATCH",
        "/api/v1/themes/housing",
        &coord,
        &json!({"active": false}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    // The old service keeps it, and can be edited without dropping it.
    let old_path = format!("/api/v1/services/{}", old["id"].as_str().unwrap());
    let res = send(
        &app,
        "PATCH",
        &old_path,
        &coord,
        &json!({"name": "Old, renamed", "themes": ["housing", "poverty"]}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["themes"][0]["code"], "housing");
    assert_eq!(res.json()["themes"][0]["active"], false);
    // A new reference is refused, naming the item.
    let res = app.post(
        "/api/v1/services",
        Some(&coord.token),
        &json!({"partner_id": p["id"], "name": "New", "themes": ["poverty", "housing"]}),
    );
    assert_eq!(field_names(&res.problem(422)), vec!["themes[1]"]);
    let active = walk(&app, &coord, "/api/v1/themes?active=false");
    assert_eq!(active.len(), 1);
}

#[test]
fn a_school_cannot_add_or_retire_themes() {
    let app = TestApp::spawn();
    let worker = app.user(kinderen_eerst::domain::Role::SocialWorker, None);
    send(
        &app,
        "PATCH",
        "/api/v1/themes/language",
        &worker,
        &json!({"active": false}),
    )
    .problem(403);
    let res = app.get("/api/v1/themes/language", Some(&worker.token));
    assert_eq!(res.status, 200);
    assert!(res.header("etag").is_some());
    app.get("/api/v1/themes/nope", Some(&worker.token))
        .problem(404);
}
