//! OWASP API8:2023 Security Misconfiguration: `nosniff` on every answer (errors and the docs
//! included), `no-store` on everything under /api/, no server or version banner, no internals in
//! errors, and CORS as an explicit allow-list that is closed by default.

use kinderen_eerst::config::Settings;
use serde_json::json;

use crate::cases::world;
use crate::helpers::{Resp, TestApp, test_settings};

#[track_caller]
fn hardened(res: &Resp, what: &str) {
    assert_eq!(
        res.header("x-content-type-options"),
        Some("nosniff"),
        "{what}: {:?}",
        res.headers
    );
    assert!(res.header("x-request-id").is_some(), "{what}");
    assert!(
        res.header("server").is_none(),
        "{what}: {:?}",
        res.header("server")
    );
    assert!(res.header("x-powered-by").is_none(), "{what}");
    let body = res.text();
    for leak in [
        "actix",
        "diesel",
        "sqlite",
        "postgres",
        "panicked",
        "backtrace",
        "src/",
    ] {
        if res.status >= 400 {
            assert!(
                !body.to_lowercase().contains(leak),
                "{what} leaks `{leak}`: {body}"
            );
        }
    }
}

#[test]
fn api8_every_answer_is_nosniff_and_api_answers_are_no_store() {
    let w = world();
    let case = w.case_by_worker("parent");
    let id = case["id"].as_str().unwrap();
    let t = Some(w.worker_a.token.as_str());
    let tc = Some(w.coord.token.as_str());
    let answers: Vec<(&str, Resp)> = vec![
        (
            "case with family data",
            w.app.get(&format!("/api/v1/cases/{id}"), t),
        ),
        (
            "case export",
            w.app.get(&format!("/api/v1/cases/{id}/export"), t),
        ),
        ("case list", w.app.get("/api/v1/cases", t)),
        ("me", w.app.get("/api/v1/me", t)),
        ("users", w.app.get("/api/v1/users", tc)),
        ("audit", w.app.get("/api/v1/audit-events", tc)),
        (
            "stats csv",
            w.app.request(
                "GET",
                "/api/v1/stats/cases",
                tc,
                None,
                &[("accept", "text/csv")],
            ),
        ),
        (
            "login",
            w.app.login(&w.coord.email, crate::helpers::PASSWORD),
        ),
        ("401", w.app.get("/api/v1/cases", None)),
        ("403", w.app.get("/api/v1/audit-events", t)),
        (
            "404",
            w.app
                .get(&format!("/api/v1/cases/{}", uuid::Uuid::new_v4()), t),
        ),
        ("404 outside /api", w.app.get("/nothing", None)),
        ("405", w.app.request("DELETE", "/api/v1/me", t, None, &[])),
        (
            "400 bad json",
            w.app.request(
                "POST",
                "/api/v1/cases",
                t,
                Some(("application/json", b"{".to_vec())),
                &[],
            ),
        ),
        (
            "415",
            w.app.request(
                "POST",
                "/api/v1/cases",
                t,
                Some(("text/plain", b"x".to_vec())),
                &[],
            ),
        ),
        (
            "422",
            w.app.post("/api/v1/cases", t, &json!({"nonsense": 1})),
        ),
        ("400 bad uuid", w.app.get("/api/v1/cases/not-a-uuid", t)),
        ("healthz", w.app.get("/healthz", None)),
        ("readyz", w.app.get("/readyz", None)),
        ("docs", w.app.get("/docs/", None)),
        ("docs redirect", w.app.get("/docs", None)),
        (
            "openapi document",
            w.app.get("/api-docs/openapi.json", None),
        ),
    ];
    for (what, res) in &answers {
        hardened(res, what);
        if what.starts_with("4") || *what == "415" || *what == "422" {
            assert!(res.status >= 400, "{what}: {}", res.status);
            assert_eq!(
                res.header("content-type"),
                Some("application/problem+json"),
                "{what}"
            );
        }
    }
    let outside_api = [
        "404 outside /api",
        "healthz",
        "readyz",
        "docs",
        "docs redirect",
        "openapi document",
    ];
    for (what, res) in answers.iter().filter(|(w, _)| !outside_api.contains(w)) {
        assert_eq!(res.header("cache-control"), Some("no-store"), "{what}");
    }
}

fn cors_app(origins: &[&str]) -> TestApp {
    TestApp::spawn_with(Settings {
        cors_allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
        ..test_settings()
    })
}

fn preflight(app: &TestApp, origin: &str, method: &str, headers: &str) -> Resp {
    app.request(
        "OPTIONS",
        "/api/v1/cases",
        None,
        None,
        &[
            ("origin", origin),
            ("access-control-request-method", method),
            ("access-control-request-headers", headers),
        ],
    )
}

#[test]
fn api8_cors_is_closed_by_default() {
    let app = TestApp::spawn();
    let res = preflight(
        &app,
        "https://app.example.be",
        "POST",
        "authorization,content-type",
    );
    assert!(res.status >= 400, "{}", res.status);
    assert!(res.header("access-control-allow-origin").is_none());
    hardened(&res, "refused preflight");
    let res = app.request(
        "GET",
        "/healthz",
        None,
        None,
        &[("origin", "https://app.example.be")],
    );
    assert!(res.header("access-control-allow-origin").is_none());
    // Same-origin calls (the docs page trying the API) need no CORS and still work.
    let me = format!("http://{}", app.addr);
    let res = app.request(
        "POST",
        "/api/v1/auth/login",
        None,
        Some((
            "application/json",
            json!({"email": "a@b.example", "password": "x"})
                .to_string()
                .into_bytes(),
        )),
        &[("origin", &me)],
    );
    res.problem(401);
}

#[test]
fn api8_cors_answers_allowed_origins_only() {
    let app = cors_app(&["https://app.example.be", " https://partner.example.org/ "]);
    for origin in ["https://app.example.be", "https://partner.example.org"] {
        let res = preflight(
            &app,
            origin,
            "POST",
            "authorization,content-type,idempotency-key",
        );
        assert_eq!(res.status, 200, "{origin}: {}", res.text());
        assert_eq!(res.header("access-control-allow-origin"), Some(origin));
        assert!(
            res.header("access-control-allow-methods")
                .unwrap()
                .contains("POST")
        );
        let allowed = res
            .header("access-control-allow-headers")
            .unwrap()
            .to_lowercase();
        for h in ["authorization", "content-type", "idempotency-key"] {
            assert!(allowed.contains(h), "{allowed}");
        }
        assert!(res.header("access-control-allow-credentials").is_none());
        assert!(
            res.header("vary")
                .unwrap()
                .to_lowercase()
                .contains("origin")
        );
        // The actual request carries the origin back, and exposes what a client reads.
        let res = app.request("GET", "/healthz", None, None, &[("origin", origin)]);
        assert_eq!(res.header("access-control-allow-origin"), Some(origin));
        let exposed = res
            .header("access-control-expose-headers")
            .unwrap()
            .to_lowercase();
        assert!(
            exposed.contains("etag") && exposed.contains("location"),
            "{exposed}"
        );
    }
    // Near misses are not allowed: other scheme, port, subdomain, suffix, null.
    for origin in [
        "http://app.example.be",
        "https://app.example.be:8443",
        "https://evil.app.example.be",
        "https://app.example.be.evil.example",
        "null",
    ] {
        let res = preflight(&app, origin, "POST", "authorization");
        assert!(res.status >= 400, "{origin}: {}", res.status);
        assert!(
            res.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
        let res = app.request("GET", "/healthz", None, None, &[("origin", origin)]);
        assert!(
            res.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
    // A method or header outside the list is refused in the preflight.
    let res = preflight(&app, "https://app.example.be", "TRACE", "authorization");
    assert!(res.status >= 400);
    let res = preflight(&app, "https://app.example.be", "GET", "x-evil");
    assert!(res.status >= 400);
}

#[test]
fn api8_a_wildcard_or_malformed_cors_origin_stops_the_start() {
    for bad in [
        "*",
        "app.example.be",
        "https://*.example.be",
        "https://app.example.be/path",
    ] {
        let settings = Settings {
            cors_allowed_origins: vec![bad.into()],
            ..test_settings()
        };
        let dir = tempfile::tempdir().unwrap();
        let opts = kinderen_eerst::db::DbOptions::new(dir.path().join("t.db").to_string_lossy());
        let err = kinderen_eerst::startup::prepare(&opts, settings)
            .err()
            .unwrap_or_else(|| panic!("`{bad}` accepted"));
        assert!(err.to_string().contains("CORS_ALLOWED_ORIGINS"), "{err}");
    }
}
