//! The committed OpenAPI document is what the code generates.

#[test]
fn committed_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = kinderen_eerst::openapi::document_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it with:\n    cargo run -- openapi -o openapi/openapi.json"
    );
}

#[test]
fn every_operation_has_an_id_a_tag_and_described_responses() {
    let doc: serde_json::Value =
        serde_json::from_str(&kinderen_eerst::openapi::document_json()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{id} is not snake_case"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id} has no tag"
            );
            assert!(
                op["summary"].is_string() && op["description"].is_string(),
                "{id} lacks summary or description"
            );
            for (status, resp) in op["responses"].as_object().unwrap() {
                let described = resp.get("description").is_some() || resp.get("$ref").is_some();
                assert!(described, "{id} response {status} has no description");
            }
            let secured = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
            });
            if secured {
                assert!(
                    op["responses"].get("401").is_some(),
                    "{id} is secured but lacks 401"
                );
            }
        }
    }
    for (name, resp) in doc["components"]["responses"].as_object().unwrap() {
        assert!(
            resp["description"].is_string(),
            "response component {name} has no description"
        );
    }
}
