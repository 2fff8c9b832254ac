//! Services and the social-map query.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};
use crate::partners::{field_names, new_partner, send, walk};

pub fn network_id(app: &TestApp, user: &TestUser, name: &str) -> String {
    walk(app, user, "/api/v1/networks")
        .into_iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("no network {name}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn new_service(app: &TestApp, coord: &TestUser, body: Value) -> Value {
    let res = app.post("/api/v1/services", Some(&coord.token), &body);
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn unknown_themes_and_networks_are_422_naming_the_item() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let p = new_partner(&app, &coord, json!({"name": "P", "kind": "ngo"}));
    let res = app.post(
        "/api/v1/services",
        Some(&coord.token),
        &json!({"partner_id": p["id"], "name": "S", "themes": ["language", "astrology"],
                "networks": [uuid::Uuid::new_v4().to_string()], "email": "x@", "url": "not a url",
                "contacts": [{"name": "An", "email": "an"}]}),
    );
    let mut fields = field_names(&res.problem(422));
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "contacts[0].email",
            "email",
            "networks[0]",
            "themes[1]",
            "url"
        ]
    );
    let res = app.post(
        "/api/v1/services",
        Some(&coord.token),
        &json!({"partner_id": uuid::Uuid::new_v4().to_string(), "name": "S"}),
    );
    assert_eq!(field_names(&res.problem(422)), vec!["partner_id"]);
}

#[test]
fn lists_sent_replace_the_stored_lists_and_keep_contact_order() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let p = new_partner(&app, &coord, json!({"name": "P", "kind": "caw"}));
    let kiel = network_id(&app, &coord, "Antwerpen-Kiel");
    let merksem = network_id(&app, &coord, "Merksem");
    let s = new_service(
        &app,
        &coord,
        json!({"partner_id": p["id"], "name": "Inloopteam", "themes": ["parenting", "language"], "networks": [kiel],
               "contacts": [{"name": "Zoë", "function": "coach"}, {"name": "Ahmed", "phone": "03 2"}],
               "email": "inloop@caw.example", "url": "https://caw.example/inloop"}),
    );
    assert_eq!(s["contacts"][0]["name"], "Zoë");
    assert_eq!(s["contacts"][1]["name"], "Ahmed");
    assert_eq!(s["partner"]["kind"], "caw");
    assert_eq!(s["themes"][0]["code"], "language");
    let path = format!("/api/v1/services/{}", s["id"].as_str().unwrap());
    let res = send(
        &app,
        "PATCH",
        &path,
        &coord,
        &json!({"networks": [merksem], "contacts": [{"name": "Ahmed"}]}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let s = res.json();
    assert_eq!(s["networks"].as_array().unwrap().len(), 1);
    assert_eq!(s["networks"][0]["name"], "Merksem");
    assert_eq!(s["contacts"].as_array().unwrap().len(), 1);
    assert_eq!(
        s["themes"].as_array().unwrap().len(),
        2,
        "themes not sent stay"
    );
    // A failing write changes nothing, lists included.
    let res = send(
        &app,
        "PATCH",
        &path,
        &coord,
        &json!({"themes": ["housing"], "networks": ["x"]}),
    );
    res.problem(422);
    let s = app.get(&path, Some(&coord.token)).json();
    assert_eq!(s["themes"].as_array().unwrap().len(), 2);
    let res = app.request("DELETE", &path, Some(&coord.token), None, &[]);
    assert_eq!(res.status, 204);
    app.get(&path, Some(&coord.token)).problem(404);
}

#[test]
fn the_social_map_lists_active_services_for_a_theme_in_a_network() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let luchtbal = network_id(&app, &coord, "Luchtbal");
    let kiel = network_id(&app, &coord, "Antwerpen-Kiel");
    let p = new_partner(&app, &coord, json!({"name": "Buurtwerk", "kind": "ngo"}));
    let gone = new_partner(
        &app,
        &coord,
        json!({"name": "Verdwenen vzw", "kind": "ngo"}),
    );
    new_service(
        &app,
        &coord,
        json!({"partner_id": p["id"], "name": "Taalcafé Luchtbal", "themes": ["language"], "networks": [luchtbal]}),
    );
    new_service(
        &app,
        &coord,
        json!({"partner_id": p["id"], "name": "Taalcafé Kiel", "themes": ["language"], "networks": [kiel]}),
    );
    new_service(
        &app,
        &coord,
        json!({"partner_id": p["id"], "name": "Speelpleinwerking", "themes": ["leisure"], "networks": [luchtbal]}),
    );
    let off = new_service(
        &app,
        &coord,
        json!({"partner_id": p["id"], "name": "Taalklas (gestopt)", "themes": ["language"], "networks": [luchtbal]}),
    );
    send(
        &app,
        "PATCH",
        &format!("/api/v1/services/{}", off["id"].as_str().unwrap()),
        &coord,
        &json!({"active": false}),
    );
    new_service(
        &app,
        &coord,
        json!({"partner_id": gone["id"], "name": "Taalhulp", "themes": ["language"], "networks": [luchtbal]}),
    );
    send(
        &app,
        "PATCH",
        &format!("/api/v1/partners/{}", gone["id"].as_str().unwrap()),
        &coord,
        &json!({"active": false}),
    );

    let school = app.user(kinderen_eerst::domain::Role::SocialWorker, None);
    let found = walk(
        &app,
        &school,
        &format!("/api/v1/services?theme=language&network={luchtbal}"),
    );
    assert_eq!(names(&found), vec!["Taalcafé Luchtbal"]);
    let item = &found[0];
    assert_eq!(item["partner"]["name"], "Buurtwerk");
    assert_eq!(item["themes"][0]["label_nl"], "Taal");
    assert_eq!(item["networks"][0]["name"], "Luchtbal");
    let retired = walk(
        &app,
        &coord,
        &format!("/api/v1/services?theme=language&network={luchtbal}&active=false"),
    );
    let mut retired = names(&retired);
    retired.sort();
    assert_eq!(retired, vec!["Taalhulp", "Taalklas (gestopt)"]);
    let res = app.get("/api/v1/services?theme=astrology", Some(&school.token));
    assert_eq!(field_names(&res.problem(422)), vec!["theme"]);
}

#[test]
fn the_social_map_ranks_name_over_partner_over_description_ignoring_accents() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let net = network_id(&app, &coord, "Deurne-Noord");
    let schuld = new_partner(
        &app,
        &coord,
        json!({"name": "Schuldhulp Antwerpen", "kind": "ngo"}),
    );
    let other = new_partner(&app, &coord, json!({"name": "Wijkcentrum", "kind": "ngo"}));
    new_service(
        &app,
        &coord,
        json!({"partner_id": other["id"], "name": "Budgetbegeleiding", "description": "Ook bij schulden en SCHULDBEMIDDELING.", "networks": [net]}),
    );
    new_service(
        &app,
        &coord,
        json!({"partner_id": schuld["id"], "name": "Onthaal", "networks": [net]}),
    );
    new_service(
        &app,
        &coord,
        json!({"partner_id": other["id"], "name": "Schuldbemiddeling", "networks": [net]}),
    );
    new_service(
        &app,
        &coord,
        json!({"partner_id": other["id"], "name": "Schulden en één gezin", "networks": [net]}),
    );
    new_service(
        &app,
        &coord,
        json!({"partner_id": other["id"], "name": "Fietsherstel", "networks": [net]}),
    );
    let found = walk(
        &app,
        &coord,
        &format!("/api/v1/services?network={net}&q=SCHULD&limit=1"),
    );
    assert_eq!(
        names(&found),
        vec![
            "Schuldbemiddeling",
            "Schulden en één gezin",
            "Onthaal",
            "Budgetbegeleiding"
        ]
    );
    let found = walk(
        &app,
        &coord,
        &format!("/api/v1/services?network={net}&q=EEN%20schulden"),
    );
    assert_eq!(names(&found), vec!["Schulden en één gezin"]);
}

#[test]
fn social_map_pages_by_relevance_never_repeat_or_skip_a_service() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let net = network_id(&app, &coord, "Merksem");
    let p = new_partner(&app, &coord, json!({"name": "Kansen", "kind": "ngo"}));
    let mut expected = Vec::new();
    for i in 0..23 {
        // Three relevance levels, with equal names inside a level.
        let (name, description) = match i % 3 {
            0 => (format!("Huiswerk {}", i % 4), String::new()),
            1 => (format!("Klas {}", i % 4), "huiswerkbegeleiding".to_string()),
            _ => (format!("Andere {}", i % 4), String::new()),
        };
        let s = new_service(
            &app,
            &coord,
            json!({"partner_id": p["id"], "name": name, "description": description, "networks": [net]}),
        );
        if i % 3 != 2 {
            expected.push(s["id"].as_str().unwrap().to_string());
        }
    }
    let found = walk(
        &app,
        &coord,
        &format!("/api/v1/services?network={net}&q=huiswerk&limit=4"),
    );
    let ids: Vec<String> = found
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "a page repeated a service");
    expected.sort();
    assert_eq!(unique, expected, "a page skipped a service");
    let first_desc = found
        .iter()
        .position(|s| s["name"].as_str().unwrap().starts_with("Klas"))
        .unwrap();
    assert!(
        found[..first_desc]
            .iter()
            .all(|s| s["name"].as_str().unwrap().starts_with("Huiswerk"))
    );
    let res = app.get("/api/v1/services?cursor=bm9wZQ", Some(&coord.token));
    assert_eq!(field_names(&res.problem(422)), vec!["cursor"]);
}
