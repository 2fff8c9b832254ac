//! The Open Referral HSDS 3.0 view, validated against HSDS's own JSON schemas (copied unchanged
//! into tests/fixtures/hsds-3.0, so the test runs in a fresh clone).

use std::collections::BTreeSet;

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
fn page_schema(mut item: Value) -> Value {
    // A definition's `definitions` move to the root, where its `#/definitions/...` point.
    let definitions = item
        .as_object_mut()
        .and_then(|o| o.remove("definitions"))
        .unwrap_or(json!({}));
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
        "definitions": definitions,
        "allOf": [page],
        "properties": {"contents": {"type": "array", "items": item}},
        "required": required
    })
}

/// A schema from the `definitions` HSDS compiles into service_with_definitions.json (taxonomy,
/// taxonomy_term, location, service_at_location ...), with those definitions beside it.
fn definition(name: &str) -> Value {
    let all = fixture("service_with_definitions.json");
    let defs = all["definitions"].clone();
    assert!(defs.get(name).is_some(), "no HSDS definition {name}");
    json!({"definitions": defs, "$ref": format!("#/definitions/{name}")})
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
    // Services have no places of their own: they are given at their organization's address.
    let sal = &one["service_at_locations"][0];
    assert_eq!(sal["service_id"], service["id"]);
    assert_eq!(
        sal["location_id"],
        one["organization"]["locations"][0]["id"]
    );
    assert_eq!(sal["location"]["addresses"][0]["postal_code"], "2018");

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

/// GET `path` as `user`, 200, the body.
#[track_caller]
fn ok(app: &TestApp, user: &crate::helpers::TestUser, path: &str) -> Value {
    let res = app.get(path, Some(&user.token));
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    res.json()
}

fn ids(page: &Value) -> Vec<String> {
    page["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn hsds_taxonomies_and_terms_are_our_themes_and_partner_kinds_and_validate() {
    let app = TestApp::spawn();
    let (coord, _, service) = directory(&app);
    let taxonomies = ok(&app, &coord, "/api/v1/hsds/taxonomies");
    assert_valid(
        &validator(&page_schema(definition("taxonomy"))),
        &taxonomies,
        "a page of taxonomies",
    );
    assert_eq!(taxonomies["total_items"], 2);
    let themes = taxonomies["contents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "kinderen-eerst-themes")
        .expect("the themes taxonomy")
        .clone();
    let themes_id = themes["id"].as_str().unwrap();
    let one = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/taxonomies/{themes_id}"),
    );
    assert_valid(&validator(&definition("taxonomy")), &one, "a taxonomy");
    assert_eq!(one, themes);
    let found = ok(&app, &coord, "/api/v1/hsds/taxonomies?search=ORGANISATIONS");
    assert_eq!(found["total_items"], 1, "{found}");

    let terms = ok(&app, &coord, "/api/v1/hsds/taxonomy_terms?per_page=1000");
    let term_schema = validator(&definition("taxonomy_term"));
    assert_valid(
        &validator(&page_schema(definition("taxonomy_term"))),
        &terms,
        "a page of taxonomy terms",
    );
    let theme_terms = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/taxonomy_terms?taxonomy_id={themes_id}&per_page=1000"),
    );
    let active_themes = crate::partners::walk(&app, &coord, "/api/v1/themes");
    assert_eq!(
        theme_terms["total_items"].as_i64().unwrap() as usize,
        active_themes.len(),
        "every theme is a term of the themes taxonomy"
    );
    assert_eq!(
        terms["total_items"].as_i64().unwrap() as usize,
        active_themes.len() + 8,
        "the themes and the eight partner kinds"
    );
    assert!(
        theme_terms["contents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["taxonomy_id"] == themes_id)
    );
    // The terms a service's attributes name are the terms served here.
    let full = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/services/{}", service["id"].as_str().unwrap()),
    );
    for a in full["attributes"].as_array().unwrap() {
        let id = a["taxonomy_term_id"].as_str().unwrap();
        let t = ok(&app, &coord, &format!("/api/v1/hsds/taxonomy_terms/{id}"));
        assert_valid(&term_schema, &t, "a taxonomy term");
        assert_eq!(t, a["taxonomy_term"]);
    }
    let caw = ok(&app, &coord, "/api/v1/hsds/taxonomy_terms?search=caw");
    assert_eq!(caw["total_items"], 1, "{caw}");
    assert_eq!(caw["contents"][0]["code"], "caw");
    assert_eq!(
        caw["contents"][0]["taxonomy"],
        "kinderen-eerst-partner-kinds"
    );
    let children = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/taxonomy_terms?parent_id={themes_id}"),
    );
    assert_eq!(children["total_items"], 0);
    assert_eq!(children["empty"], true);
    for path in ["taxonomies", "taxonomy_terms"] {
        app.get(
            &format!("/api/v1/hsds/{path}/{}", uuid::Uuid::new_v4()),
            Some(&coord.token),
        )
        .problem(404);
    }
}

#[test]
fn hsds_services_take_hsds_query_parameters() {
    let app = TestApp::spawn();
    let (coord, partner, service) = directory(&app);
    let sid = service["id"].as_str().unwrap().to_string();
    let pid = partner["id"].as_str().unwrap().to_string();
    let other = new_service(
        &app,
        &coord,
        json!({"partner_id": pid, "name": "Huiswerkklas", "themes": ["housing"]}),
    );
    let bare = new_service(
        &app,
        &coord,
        json!({"partner_id": pid, "name": "Zonder thema"}),
    );
    let one = ok(&app, &coord, &format!("/api/v1/hsds/services/{sid}"));
    let parenting = one["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["taxonomy_term"]["code"] == "parenting")
        .unwrap()["taxonomy_term"]
        .clone();
    let list_schema = validator(&page_schema(fixture("service_list.json")));

    let by_term = ok(
        &app,
        &coord,
        &format!(
            "/api/v1/hsds/services?per_page=1000&taxonomy_term_id={}",
            parenting["id"].as_str().unwrap()
        ),
    );
    assert_valid(&list_schema, &by_term, "services by term");
    assert!(ids(&by_term).contains(&sid));
    assert!(!ids(&by_term).contains(&other["id"].as_str().unwrap().to_string()));
    let mine = ok(
        &app,
        &coord,
        &format!(
            "/api/v1/hsds/services?organization_id={pid}&taxonomy_id={}",
            parenting["taxonomy_id"].as_str().unwrap()
        ),
    );
    assert_eq!(
        mine["total_items"], 2,
        "the two services with themes: {mine}"
    );
    assert!(!ids(&mine).contains(&bare["id"].as_str().unwrap().to_string()));
    let unknown = ok(
        &app,
        &coord,
        &format!(
            "/api/v1/hsds/services?taxonomy_term_id={}",
            uuid::Uuid::new_v4()
        ),
    );
    assert_eq!(unknown["total_items"], 0);

    let future = ok(
        &app,
        &coord,
        "/api/v1/hsds/services?modified_after=2999-01-01T00:00:00Z",
    );
    assert_eq!(future["total_items"], 0);
    assert_eq!(future["empty"], true);
    assert_valid(&list_schema, &future, "an empty page");
    let since = one["last_modified"].as_str().unwrap().replace('+', "%2B");
    let recent = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/services?organization_id={pid}&modified_after={since}"),
    );
    assert!(
        ids(&recent).contains(&sid),
        "modified on or after: {recent}"
    );

    let minimal = ok(&app, &coord, "/api/v1/hsds/services?minimal=true");
    assert_valid(&list_schema, &minimal, "a minimal page of services");
    assert_eq!(minimal["total_pages"], 1, "minimal lists come in one call");
    for s in minimal["contents"].as_array().unwrap() {
        let keys: BTreeSet<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["id", "name", "status", "last_modified"]),
            "{s}"
        );
    }
    let full = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/services?full_service=true&organization_id={pid}"),
    );
    assert_valid(
        &validator(&page_schema(fixture("service.json"))),
        &full,
        "a page of full services",
    );
    assert_eq!(full["total_items"], 3);
    assert!(full["contents"][0]["contacts"].is_array());
}

#[test]
fn hsds_query_parameters_out_of_their_declared_limits_are_422_naming_them() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let long = "a".repeat(101);
    for (path, field) in [
        ("services?per_page=1001", "per_page"),
        ("services?per_page=0", "per_page"),
        ("services?page=0", "page"),
        ("services?page=100001", "page"),
        ("services?modified_after=yesterday", "modified_after"),
        ("services?taxonomy_term_id=parenting", "taxonomy_term_id"),
        ("services?taxonomy_id=1", "taxonomy_id"),
        ("services?minimal=yes", "minimal"),
        (&format!("services?search={long}"), "search"),
        ("organizations?per_page=1001", "per_page"),
        (
            "organizations?modified_after=2026-13-01T00:00:00Z",
            "modified_after",
        ),
        ("organizations?full_service=1x", "full_service"),
        ("taxonomies?page=0", "page"),
        ("taxonomy_terms?taxonomy_id=themes", "taxonomy_id"),
        ("taxonomy_terms?per_page=5000", "per_page"),
        ("service_at_locations?postcode=12345678901", "postcode"),
        ("service_at_locations?per_page=0", "per_page"),
    ] {
        let p = app
            .get(&format!("/api/v1/hsds/{path}"), Some(&coord.token))
            .problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{path}: {p}");
    }
    // The limits the server enforces are the ones the document declares.
    let doc = app.get("/api-docs/openapi.json", None).json();
    for (path, name, key, value) in [
        ("/api/v1/hsds/services", "per_page", "maximum", 1000),
        ("/api/v1/hsds/services", "per_page", "minimum", 1),
        ("/api/v1/hsds/services", "page", "maximum", 100000),
        ("/api/v1/hsds/services", "search", "maxLength", 100),
        ("/api/v1/hsds/organizations", "per_page", "maximum", 1000),
        ("/api/v1/hsds/taxonomy_terms", "page", "minimum", 1),
        (
            "/api/v1/hsds/service_at_locations",
            "postcode",
            "maxLength",
            10,
        ),
    ] {
        let param = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} declares {name}"));
        assert_eq!(param["schema"][key], value, "{path} {name}");
    }
}

#[test]
fn hsds_organizations_take_paging_search_modified_after_minimal_and_full_service() {
    let app = TestApp::spawn();
    let (coord, partner, service) = directory(&app);
    let pid = partner["id"].as_str().unwrap();
    let minimal = ok(&app, &coord, "/api/v1/hsds/organizations?minimal=true");
    assert_valid(
        &validator(&page_schema(fixture("organization_list.json"))),
        &minimal,
        "a minimal page of organizations",
    );
    assert_eq!(minimal["total_pages"], 1);
    for o in minimal["contents"].as_array().unwrap() {
        let keys: BTreeSet<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["id", "name", "description"]), "{o}");
    }
    let found = ok(
        &app,
        &coord,
        "/api/v1/hsds/organizations?search=gezinscoaches%20test&full_service=true",
    );
    assert_valid(
        &validator(&page_schema(fixture("organization.json"))),
        &found,
        "a page of organizations with full services",
    );
    assert_eq!(found["total_items"], 1, "{found}");
    let services = &found["contents"][0]["services"];
    assert_eq!(services[0]["id"], service["id"]);
    assert_eq!(services[0]["contacts"].as_array().unwrap().len(), 2);
    let plain = ok(
        &app,
        &coord,
        "/api/v1/hsds/organizations?search=gezinscoaches%20test&full=true",
    );
    assert!(
        plain["contents"][0]["services"][0]
            .get("contacts")
            .is_none()
    );

    let one = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/organizations/{pid}?full_service=true"),
    );
    assert_valid(
        &validator(&fixture("organization.json")),
        &one,
        "an organization with full services",
    );
    assert_eq!(
        one["services"][0]["attributes"].as_array().unwrap().len(),
        2
    );

    let future = ok(
        &app,
        &coord,
        "/api/v1/hsds/organizations?modified_after=2999-01-01T00:00:00Z",
    );
    assert_eq!(future["total_items"], 0);
    let all = ok(
        &app,
        &coord,
        "/api/v1/hsds/organizations?modified_after=2000-01-01T00:00:00Z&per_page=1",
    );
    assert!(all["total_items"].as_i64().unwrap() >= 2);
    assert_eq!(all["size"], 1);
    assert_eq!(all["last_page"], false);
}

#[test]
fn hsds_services_are_at_their_organizations_address_and_validate() {
    let app = TestApp::spawn();
    let (coord, partner, service) = directory(&app);
    let pid = partner["id"].as_str().unwrap();
    // A partner without an address: its services have no service_at_location.
    let homeless = new_partner(&app, &coord, json!({"name": "Zonder adres", "kind": "ngo"}));
    let nowhere = new_service(
        &app,
        &coord,
        json!({"partner_id": homeless["id"], "name": "Nergens"}),
    );
    let list = ok(
        &app,
        &coord,
        "/api/v1/hsds/service_at_locations?per_page=1000",
    );
    assert_valid(
        &validator(&page_schema(fixture("service_at_location_list.json"))),
        &list,
        "a page of service_at_locations",
    );
    let service_ids: Vec<&Value> = list["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["service_id"])
        .collect();
    assert!(service_ids.contains(&&service["id"]));
    assert!(!service_ids.contains(&&nowhere["id"]));
    let nowhere_full = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/services/{}", nowhere["id"].as_str().unwrap()),
    );
    assert_eq!(nowhere_full["service_at_locations"], json!([]));

    let mine = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/service_at_locations?organization_id={pid}&postcode=2018&full=true"),
    );
    assert_eq!(mine["total_items"], 1, "{mine}");
    let sal = &mine["contents"][0];
    assert_eq!(sal["location"]["organization_id"], partner["id"]);
    assert_eq!(sal["service"]["contacts"].as_array().unwrap().len(), 2);
    assert_valid(
        &validator(&fixture("service.json")),
        &sal["service"],
        "the service of a service_at_location",
    );
    let elsewhere = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/service_at_locations?organization_id={pid}&postcode=9000"),
    );
    assert_eq!(elsewhere["total_items"], 0);

    let id = sal["id"].as_str().unwrap();
    let one = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/service_at_locations/{id}"),
    );
    assert_valid(
        &validator(&definition("service_at_location")),
        &one,
        "a service_at_location",
    );
    assert_valid(
        &validator(&fixture("service_at_location_list.json")),
        &one,
        "a service_at_location (list schema)",
    );
    assert_valid(
        &validator(&definition("location")),
        &one["location"],
        "a location",
    );
    assert_eq!(one["service"]["id"], service["id"]);
    // The id is the one the fully nested service gives.
    let full = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/services/{}", service["id"].as_str().unwrap()),
    );
    assert_eq!(full["service_at_locations"][0]["id"], sal["id"]);
    app.get(
        &format!("/api/v1/hsds/service_at_locations/{}", uuid::Uuid::new_v4()),
        Some(&coord.token),
    )
    .problem(404);
}

#[test]
fn every_signed_in_role_reads_every_hsds_endpoint_and_no_token_reads_none() {
    use kinderen_eerst::domain::Role;
    let app = TestApp::spawn();
    let (coord, partner, service) = directory(&app);
    let nets = app.get("/api/v1/networks", Some(&coord.token)).json();
    let school = app.post(
        "/api/v1/schools",
        Some(&coord.token),
        &json!({"network_id": nets["items"][0]["id"], "name": "School HSDS", "institution_number": "123456", "level": "primary"}),
    );
    assert_eq!(school.status, 201, "{}", school.text());
    let one = ok(
        &app,
        &coord,
        &format!("/api/v1/hsds/services/{}", service["id"].as_str().unwrap()),
    );
    let term = one["attributes"][0]["taxonomy_term_id"].as_str().unwrap();
    let taxonomy = one["attributes"][0]["taxonomy_term"]["taxonomy_id"]
        .as_str()
        .unwrap();
    let sal = one["service_at_locations"][0]["id"].as_str().unwrap();
    let paths = [
        "/api/v1/hsds/services".to_string(),
        format!("/api/v1/hsds/services/{}", service["id"].as_str().unwrap()),
        "/api/v1/hsds/organizations".to_string(),
        format!(
            "/api/v1/hsds/organizations/{}",
            partner["id"].as_str().unwrap()
        ),
        "/api/v1/hsds/taxonomies".to_string(),
        format!("/api/v1/hsds/taxonomies/{taxonomy}"),
        "/api/v1/hsds/taxonomy_terms".to_string(),
        format!("/api/v1/hsds/taxonomy_terms/{term}"),
        "/api/v1/hsds/service_at_locations".to_string(),
        format!("/api/v1/hsds/service_at_locations/{sal}"),
    ];
    let users = [
        coord,
        app.user(Role::SocialWorker, None),
        app.user(Role::School, Some(school.json()["id"].as_str().unwrap())),
        app.partner_user(partner["id"].as_str().unwrap()),
    ];
    for path in &paths {
        for u in &users {
            ok(&app, u, path);
        }
        app.get(path, None).problem(401);
    }
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
