//! Partner organisations: validation, hierarchy, deletion, search.

use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp, TestUser};

/// Sends a JSON body with any method.
pub fn send(app: &TestApp, method: &str, path: &str, user: &TestUser, body: &Value) -> Resp {
    app.request(
        method,
        path,
        Some(&user.token),
        Some(("application/json", body.to_string().into_bytes())),
        &[],
    )
}

pub fn field_names(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

pub fn new_partner(app: &TestApp, coord: &TestUser, body: Value) -> Value {
    let res = app.post("/api/v1/partners", Some(&coord.token), &body);
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

/// All items of a list, walking its cursor.
pub fn walk(app: &TestApp, user: &TestUser, path: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}cursor={c}"),
            None => path.to_string(),
        };
        let res = app.get(&url, Some(&user.token));
        assert_eq!(res.status, 200, "{url}: {}", res.text());
        let page = res.json();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return items,
        }
    }
    panic!("{path} never ends");
}

#[test]
fn the_brochure_partners_are_seeded_with_their_parents() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let all = walk(&app, &coord, "/api/v1/partners?limit=3");
    let coaches = all
        .iter()
        .find(|p| p["name"] == "Gezinscoaches 03")
        .expect("seeded");
    let parent = all
        .iter()
        .find(|p| p["id"] == coaches["parent_id"])
        .expect("its parent is a partner");
    assert_eq!(parent["kind"], "caw");
    let mut ids: Vec<&str> = all.iter().map(|p| p["id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "a page repeated a partner");
}

#[test]
fn partner_validation_names_each_bad_field() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let res = app.post(
        "/api/v1/partners",
        Some(&coord.token),
        &json!({"name": " ", "kind": "ocmw", "email": "not-an-email", "website": "ftp://x",
                "parent_id": uuid::Uuid::new_v4().to_string(), "address": {"postal_code": "12345678901"}}),
    );
    let fields = field_names(&res.problem(422));
    for f in [
        "name",
        "email",
        "website",
        "parent_id",
        "address.postal_code",
    ] {
        assert!(
            fields.contains(&f.to_string()),
            "{f} not named in {fields:?}"
        );
    }
    // An unknown kind and a too-long name are named too.
    let res = app.post(
        "/api/v1/partners",
        Some(&coord.token),
        &json!({"name": "X", "kind": "bank"}),
    );
    assert_eq!(field_names(&res.problem(422)), vec!["kind"]);
    let res = app.post(
        "/api/v1/partners",
        Some(&coord.token),
        &json!({"name": "x".repeat(201), "kind": "ngo"}),
    );
    assert_eq!(field_names(&res.problem(422)), vec!["name"]);
    let res = app.post(
        "/api/v1/partners",
        Some(&coord.token),
        &json!({"kind": "ngo"}),
    );
    assert_eq!(field_names(&res.problem(422)), vec!["name"]);
}

#[test]
fn a_partner_cannot_become_its_own_ancestor() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let top = new_partner(&app, &coord, json!({"name": "Top", "kind": "ngo"}));
    let mid = new_partner(
        &app,
        &coord,
        json!({"name": "Mid", "kind": "ngo", "parent_id": top["id"]}),
    );
    let low = new_partner(
        &app,
        &coord,
        json!({"name": "Low", "kind": "ngo", "parent_id": mid["id"]}),
    );
    let path = format!("/api/v1/partners/{}", top["id"].as_str().unwrap());
    let res = send(
        &app,
        "PATCH",
        &path,
        &coord,
        &json!({"parent_id": low["id"]}),
    );
    assert_eq!(field_names(&res.problem(422)), vec!["parent_id"]);
    let res = send(
        &app,
        "PATCH",
        &path,
        &coord,
        &json!({"parent_id": top["id"]}),
    );
    assert_eq!(field_names(&res.problem(422)), vec!["parent_id"]);
    // null removes a parent.
    let low_path = format!("/api/v1/partners/{}", low["id"].as_str().unwrap());
    let res = send(
        &app,
        "PATCH",
        &low_path,
        &coord,
        &json!({"parent_id": null}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(res.json()["parent_id"].is_null());
}

#[test]
fn a_partner_with_services_or_children_is_deactivated_not_deleted() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let p = new_partner(&app, &coord, json!({"name": "Vzw Buurt", "kind": "ngo"}));
    let child = new_partner(
        &app,
        &coord,
        json!({"name": "Vzw Buurt Noord", "kind": "ngo", "parent_id": p["id"]}),
    );
    let s = app.post(
        "/api/v1/services",
        Some(&coord.token),
        &json!({"partner_id": child["id"], "name": "Huiswerkklas"}),
    );
    assert_eq!(s.status, 201, "{}", s.text());
    let del = |id: &Value| {
        app.request(
            "DELETE",
            &format!("/api/v1/partners/{}", id.as_str().unwrap()),
            Some(&coord.token),
            None,
            &[],
        )
    };
    del(&p["id"]).problem(409);
    del(&child["id"]).problem(409);
    let res = send(
        &app,
        "PATCH",
        &format!("/api/v1/partners/{}", child["id"].as_str().unwrap()),
        &coord,
        &json!({"active": false}),
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["active"], false);
    let lone = new_partner(
        &app,
        &coord,
        json!({"name": "Kortstondig", "kind": "other"}),
    );
    assert_eq!(del(&lone["id"]).status, 204);
}

#[test]
fn partner_search_ignores_case_and_accents() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    new_partner(
        &app,
        &coord,
        json!({"name": "Café Solidair", "kind": "ngo"}),
    );
    let res = app.get("/api/v1/partners?q=CAFE", Some(&coord.token));
    let names: Vec<String> = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["Café Solidair"]);
    let res = app.get("/api/v1/partners?kind=ckg", Some(&coord.token));
    assert!(
        res.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["kind"] == "ckg")
    );
}

#[test]
fn a_stale_if_match_on_a_partner_is_412() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let p = new_partner(&app, &coord, json!({"name": "Etag", "kind": "ngo"}));
    let path = format!("/api/v1/partners/{}", p["id"].as_str().unwrap());
    let tag = app
        .get(&path, Some(&coord.token))
        .header("etag")
        .unwrap()
        .to_string();
    let body = || Some(("application/json", br#"{"phone": "03 1"}"#.to_vec()));
    assert_eq!(
        app.request(
            "PATCH",
            &path,
            Some(&coord.token),
            body(),
            &[("if-match", &tag)]
        )
        .status,
        200
    );
    app.request(
        "PATCH",
        &path,
        Some(&coord.token),
        body(),
        &[("if-match", &tag)],
    )
    .problem(412);
}
