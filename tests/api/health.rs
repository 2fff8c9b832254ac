use crate::helpers::TestApp;

#[test]
fn healthz_answers_without_a_token() {
    let app = TestApp::spawn();
    let res = app.get("/healthz", None);
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ok");
}

#[test]
fn readyz_reports_the_reachable_backend() {
    let app = TestApp::spawn();
    let res = app.get("/readyz", None);
    assert_eq!(res.status, 200, "{}", res.text());
    let expected = if crate::helpers::test_backend_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(res.json()["database"], expected);
}

#[test]
fn migrations_apply_once_from_an_empty_database() {
    let app = TestApp::spawn();
    // The app migrated on start; a second run finds nothing to do.
    let again =
        kinderen_eerst::db::migrate(&kinderen_eerst::db::DbOptions::new(app.db_url.clone()))
            .unwrap();
    assert!(again.is_empty(), "migrations ran twice: {again:?}");
    // And the tables are there and usable.
    let res = app.get("/api/v1/me", Some(&app.coordinator().token));
    assert_eq!(res.status, 200);
}

#[test]
fn request_id_is_echoed_or_generated() {
    let app = TestApp::spawn();
    let res = app.request(
        "GET",
        "/healthz",
        None,
        None,
        &[("x-request-id", "abc-123")],
    );
    assert_eq!(res.header("x-request-id"), Some("abc-123"));
    let res = app.get("/healthz", None);
    let generated = res.header("x-request-id").expect("generated request id");
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    // A header that could forge log lines is replaced, not echoed.
    let res = app.request("GET", "/healthz", None, None, &[("x-request-id", "a b\tc")]);
    assert_ne!(res.header("x-request-id"), Some("a b\tc"));
}

#[test]
fn every_response_carries_nosniff() {
    let app = TestApp::spawn();
    for path in ["/healthz", "/nowhere", "/api/v1/me"] {
        let res = app.get(path, None);
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
    }
}
