//! The Open Referral HSDS 3.0 view, validated against HSDS's own JSON schemas (copied unchanged
//! into tests/fixtures/hsds-3.0, so the test runs in a fresh clone).

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::partners::new_partner;
use crate::services::{network_id, new_service};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/hsds-3.0/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the HSDS schema compiles")
}

#[track_caller]
fn assert_valid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid HSDS 3.0: {errors:#?}\n{instance:#}"
    );
}

/// HSDS's `Page` envelope (from its openapi.json) with `contents` of the given item schema;
/// every envelope field is required here, as our API always sends them.
fn page_schema(item: Value) -> Value {
    let openapi = fixture("openapi.json");
    let page = openapi["components"]["schemas"]["Page"].clone();
    let mut required: Vec<Value> = page["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| json!(k))
        .collect();
    required.push(json!("contents"));
    json!({
        "allOf": [page],
        "properties": {"contents": {"type": "array", "items": item}},
        "required": required
    })
}

/// A partner and a service with every field filled, so every mapping is exercised.
fn directory(app: &TestApp) -> (crate::helpers::TestUser, Value, Value) {
    let coord = app.coordinator();
    let parent = new_partner(app, &coord, json!({"name": "CAW Test", "kind": "caw"}));
    let partner = new_partner(
        app,
        &coord,
        json!({"name": "Gezinscoaches Test", "kind": "caw", "parent_id": parent["id"],
               "description": "Coaching aan huis.", "website": "https://caw.example/coaches",
               "phone": "03 000 00 00", "email": "coaches@caw.example",
               "address": {"street": "Lange Lozanastraat 14", "postal_code": "2018", "city": "Antwerpen"}}),
    );
    let net = network_id(app, &coord, "Luchtbal");
    let service = new_service(
        app,
        &coord,
        json!({"partner_id": partner["id"], "name": "Gezinscoaching", "description": "Begeleiding.",
               "email": "coaching@caw.example", "url": "https://caw.example/coaching",
               "eligibility": "Gezinnen met kinderen", "themes": ["parenting", "neglect"], "networks": [net],
               "contacts": [{"name": "Els", "function": "coach", "phone": "03 1", "email": "els@caw.example"}, {"name": "Jan"}]}),
    );
    (coord, partner, service)
}

#[test]
fn hsds_service_and_organization_validate_against_the_hsds_schemas() {
    let app = TestApp::spawn();
    let (coord, partner, service) = directory(&app);
    let t = Some(coord.token.as_str());

    let one = app.get(
        &format!("/api/v1/hsds/services/{}", service["id"].as_str().unwrap()),
        t,
    );
    assert_eq!(one.status, 200, "{}", one.text());
    let one = one.json();
    let service_schema = validator(&fixture("service.json"));
    assert_valid(&service_schema, &one, "a service");
    assert_eq!(one["status"], "active");
    assert_eq!(one["organization_id"], partner["id"]);
    assert_eq!(one["contacts"][0]["phones"][0]["number"], "03 1");
    assert_eq!(one["contacts"][0]["title"], "coach");
    assert_eq!(one["attributes"].as_array().unwrap().len(), 2);
    assert_eq!(one["attributes"][1]["taxonomy_term"]["code"], "parenting");
    assert_eq!(one["service_areas"][0]["name"], "Luchtbal");
    let address = &one["organization"]["locations"][0]["addresses"][0];
    assert_eq!(address["state_province"], "Antwerpen");
    assert_eq!(address["country"], "BE");

    let org = app.get(
        &format!(
            "/api/v1/hsds/organizations/{}",
            partner["id"].as_str().unwrap()
        ),
        t,
    );
    assert_eq!(org.status, 200, "{}", org.text());
    let org = org.json();
    assert_valid(
        &validator(&fixture("organization.json")),
        &org,
        "an organization",
    );
    assert_eq!(org["services"][0]["id"], service["id"]);
    assert_eq!(org["parent_organization_id"], partner["parent_id"]);

    let list = app.get("/api/v1/hsds/services?per_page=3&page=2", t).json();
    assert_valid(
        &validator(&page_schema(fixture("service_list.json"))),
        &list,
        "a page of services",
    );
    assert_eq!(list["page_number"], 2);
    assert_eq!(list["size"], 3);
    let full = app
        .get(
            &format!(
                "/api/v1/hsds/services?full=true&organization_id={}",
                partner["id"].as_str().unwrap()
            ),
            t,
        )
        .json();
    assert_valid(
        &validator(&page_schema(fixture("service.json"))),
        &full,
        "a page of full services",
    );
    assert_eq!(full["total_items"], 1);
    assert_eq!(full["contents"][0]["contacts"].as_array().unwrap().len(), 2);
    let found = app
        .get("/api/v1/hsds/services?search=COACHING%20t%C3%A9st", t)
        .json();
    assert_eq!(found["total_items"], 1, "{found}");

    let orgs = app.get("/api/v1/hsds/organizations?per_page=200", t).json();
    assert_valid(
        &validator(&page_schema(fixture("organization_list.json"))),
        &orgs,
        "a page of organizations",
    );
    assert_eq!(orgs["first_page"], true);
    assert_eq!(orgs["last_page"], true);
    let full_orgs = app.get("/api/v1/hsds/organizations?full=true", t).json();
    assert_valid(
        &validator(&page_schema(fixture("organization.json"))),
        &full_orgs,
        "a page of full organizations",
    );
}

#[test]
fn the_hsds_check_fails_when_a_required_field_is_missing() {
    let app = TestApp::spawn();
    let (coord, _, service) = directory(&app);
    let one = app
        .get(
            &format!("/api/v1/hsds/services/{}", service["id"].as_str().unwrap()),
            Some(&coord.token),
        )
        .json();
    let schema = validator(&fixture("service.json"));
    assert!(schema.is_valid(&one));
    for (what, mutate) in [
        (
            "service name",
            Box::new(|v: &mut Value| {
                v.as_object_mut().unwrap().remove("name");
            }) as Box<dyn Fn(&mut Value)>,
        ),
        (
            "service status",
            Box::new(|v: &mut Value| {
                v.as_object_mut().unwrap().remove("status");
            }),
        ),
        (
            "address state_province",
            Box::new(|v: &mut Value| {
                v["organization"]["locations"][0]["addresses"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("state_province");
            }),
        ),
        (
            "phone number",
            Box::new(|v: &mut Value| {
                v["contacts"][0]["phones"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("number");
            }),
        ),
        (
            "a uuid",
            Box::new(|v: &mut Value| {
                v["id"] = json!("42");
            }),
        ),
    ] {
        let mut broken = one.clone();
        mutate(&mut broken);
        assert!(
            !schema.is_valid(&broken),
            "a response without its {what} passed"
        );
    }
}

#[test]
fn hsds_marks_services_of_an_inactive_partner_inactive() {
    let app = TestApp::spawn();
    let (coord, partner, service) = directory(&app);
    let res = app.request(
        "PATCH",
        &format!("/api/v1/partners/{}", partner["id"].as_str().unwrap()),
        Some(&coord.token),
        Some(("application/json", br#"{"active": false}"#.to_vec())),
        &[],
    );
    assert_eq!(res.status, 200);
    let one = app
        .get(
            &format!("/api/v1/hsds/services/{}", service["id"].as_str().unwrap()),
            Some(&coord.token),
        )
        .json();
    assert_eq!(one["status"], "inactive");
    app.get(
        &format!("/api/v1/hsds/services/{}", uuid::Uuid::new_v4()),
        Some(&coord.token),
    )
    .problem(404);
}
