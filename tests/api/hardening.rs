//! The penetration test's findings (issue "Hardening"), each as a test: secrets, proxies,
//! lockout, impersonation, sessions, passwords, headers, methods. (SSRF and control characters
//! have files of their own.)

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kinderen_eerst::config::Settings;
use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::hardening_net::{Proxy, request};
use crate::helpers::{PASSWORD, TestApp, test_settings};

const BIN: &str = env!("CARGO_BIN_EXE_kinderen-eerst");

// ---- 1. no default secret can run ----

/// Starts the binary with `secret` and waits for it to stop; returns its exit and its log.
fn start_with_secret(secret: &str) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .env("BIND", "127.0.0.1:0")
        .env("DATABASE_URL", dir.path().join("s.db"))
        .env("JWT_SECRET", secret)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            let mut log = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
            return (exit, log);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the service started with the secret {secret:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_service_refuses_placeholder_and_guessable_secrets_and_says_how_to_make_one() {
    for secret in [
        "change-me-change-me-change-me-change-me",
        "00000000000000000000000000000000",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop",
        "short-secret",
    ] {
        let (exit, log) = start_with_secret(secret);
        assert!(!exit.success(), "{secret}: {log}");
        assert!(log.contains("JWT_SECRET"), "{secret}: {log}");
        assert!(log.contains("openssl rand -hex 32"), "{secret}: {log}");
        assert!(!log.contains(secret), "the log repeats the secret: {log}");
    }
}

#[test]
fn compose_starts_only_with_a_secret_of_ones_own_and_trusts_only_its_proxy() {
    let compose =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docker-compose.yml"))
            .unwrap();
    let secret_lines: Vec<&str> = compose
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("JWT_SECRET:"))
        .collect();
    assert_eq!(secret_lines.len(), 1, "{secret_lines:?}");
    // `${VAR:?message}`: compose refuses to start when the variable is unset or empty.
    assert!(
        secret_lines[0].starts_with("JWT_SECRET: ${JWT_SECRET:?"),
        "{}",
        secret_lines[0]
    );
    assert!(
        !compose.contains("JWT_SECRET:-"),
        "a default secret is back"
    );
    let trusted = compose
        .lines()
        .find_map(|l| l.trim().strip_prefix("TRUSTED_PROXIES:"))
        .expect("the instances trust the proxy")
        .trim()
        .to_string();
    let proxy_ip = compose
        .lines()
        .find_map(|l| l.trim().strip_prefix("ipv4_address:"))
        .expect("the proxy has a fixed address")
        .trim()
        .to_string();
    assert_eq!(trusted, proxy_ip);
    let nginx =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf")).unwrap();
    assert!(nginx.contains("X-Forwarded-For $proxy_add_x_forwarded_for"));
}

// ---- 2. behind a proxy ----

fn behind_proxy_settings() -> Settings {
    Settings {
        trusted_proxies: vec!["127.0.0.1".into()],
        login_max_failures_per_account: 3,
        login_max_failures_per_address: 6,
        ..test_settings()
    }
}

fn login_body(email: &str, password: &str) -> Value {
    json!({"email": email, "password": password})
}

#[test]
fn behind_a_trusted_proxy_each_client_is_counted_on_its_own_and_forged_headers_are_ignored() {
    let app = TestApp::spawn_with(behind_proxy_settings());
    let proxy = Proxy::start(&app.addr, "http");
    let coordinator = app.coordinator();
    let login = |from: &str, to: &str, email: &str, pw: &str, headers: &[(&str, &str)]| {
        request(
            from,
            to,
            "POST",
            "/api/v1/auth/login",
            headers,
            Some(&login_body(email, pw)),
        )
    };
    // An attacker at 127.0.0.2 fails on the coordinator's account until refused…
    for _ in 0..3 {
        let a = login(
            "127.0.0.2",
            &proxy.addr,
            &coordinator.email,
            "wrong password!",
            &[],
        );
        assert_eq!(a.status, 401);
    }
    let a = login(
        "127.0.0.2",
        &proxy.addr,
        &coordinator.email,
        "wrong password!",
        &[],
    );
    assert_eq!(a.status, 429);
    assert!(a.header("retry-after").is_some());
    // …while the coordinator at 127.0.0.3, through the same proxy, logs in.
    let a = login("127.0.0.3", &proxy.addr, &coordinator.email, PASSWORD, &[]);
    assert_eq!(a.status, 200, "{:?}", String::from_utf8_lossy(&a.body));

    // Six failures from one client, each claiming another address in X-Forwarded-For, then a
    // seventh: refused, because the claim is not read.
    let spend_budget_claiming = |from: &str, to: &str, forged_net: &str| {
        for i in 0..6 {
            let forged = format!("{forged_net}.{i}");
            let a = login(
                from,
                to,
                &format!("nobody{i}@test.example"),
                "wrong password!",
                &[("X-Forwarded-For", &forged)],
            );
            assert_eq!(a.status, 401);
        }
        let forged = format!("{forged_net}.99");
        login(
            from,
            to,
            "nobody-else@test.example",
            "x",
            &[("X-Forwarded-For", &forged)],
        )
    };
    // Through the proxy, a client's own X-Forwarded-For is left of the hop the proxy adds and is
    // not read: rotating it does not make 127.0.0.4 a new client each time.
    let a = spend_budget_claiming("127.0.0.4", &proxy.addr, "203.0.113");
    assert_eq!(
        a.status, 429,
        "the per-client limit holds whatever the client claims"
    );
    // Straight to the service from an untrusted peer, the header is not believed at all.
    let a = spend_budget_claiming("127.0.0.5", &app.addr, "198.51.100");
    assert_eq!(a.status, 429);
    // Another client is not affected by either.
    let a = login(
        "127.0.0.6",
        &proxy.addr,
        "x@test.example",
        "wrong password!",
        &[],
    );
    assert_eq!(a.status, 401);

    // The audit trail names the client behind the proxy, not the proxy.
    let worker = app.user(Role::SocialWorker, None);
    let a = request(
        "127.0.0.7",
        &proxy.addr,
        "GET",
        "/api/v1/cases",
        &[("Authorization", &format!("Bearer {}", worker.token))],
        None,
    );
    assert_eq!(a.status, 200);
    let events = app.get(
        &format!("/api/v1/audit-events?actor={}", worker.id),
        Some(&coordinator.token),
    );
    let items = events.json()["items"].as_array().unwrap().clone();
    assert!(!items.is_empty(), "the list was audited");
    assert_eq!(items[0]["client_addr"], "127.0.0.7", "{items:?}");
}

// ---- 3. lockout without denial of service ----

#[test]
fn nobody_can_lock_a_user_out_and_an_attack_from_many_clients_is_still_slowed() {
    let app = TestApp::spawn_with(Settings {
        login_max_failures_per_account: 3,
        login_max_failures_per_account_all_clients: 5,
        ..test_settings()
    });
    let worker = app.user(Role::SocialWorker, None);
    let login = |from: &str, pw: &str| {
        request(
            from,
            &app.addr,
            "POST",
            "/api/v1/auth/login",
            &[],
            Some(&login_body(&worker.email, pw)),
        )
    };
    // One client guessing is stopped after 3…
    for _ in 0..3 {
        assert_eq!(login("127.0.1.1", "not the password").status, 401);
    }
    assert_eq!(login("127.0.1.1", "not the password").status, 429);
    assert_eq!(
        login("127.0.1.1", PASSWORD).status,
        429,
        "not even the right one from there"
    );
    // …but the worker, elsewhere, is not locked out.
    assert_eq!(login("127.0.1.2", PASSWORD).status, 200);
    // Many clients (5 failures on the account in all): each that has failed once is refused,
    for n in 3..=5 {
        assert_eq!(
            login(&format!("127.0.1.{n}"), "not the password").status,
            401
        );
    }
    assert_eq!(login("127.0.1.3", "not the password").status, 429);
    assert_eq!(login("127.0.1.4", PASSWORD).status, 429);
    // while a client that has not failed on it still gets in with the right password.
    assert_eq!(login("127.0.1.9", PASSWORD).status, 200);
    // A fresh guesser gets one try.
    assert_eq!(login("127.0.1.10", "not the password").status, 401);
    assert_eq!(login("127.0.1.10", "not the password either").status, 429);
}

// ---- 4. no silent impersonation; 5. sessions end on credential change ----

fn token_of(res: &crate::helpers::Resp) -> String {
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["access_token"].as_str().unwrap().to_string()
}

#[test]
fn a_reset_password_is_one_time_audited_and_shown_to_its_owner() {
    let app = TestApp::spawn();
    let coordinator = app.coordinator();
    let worker = app.user(Role::SocialWorker, None);
    assert_eq!(app.get("/api/v1/cases", Some(&worker.token)).status, 200);

    let reset = app.post(
        &format!("/api/v1/users/{}/password", worker.id),
        Some(&coordinator.token),
        &json!({"new_password": "Tijdelijk-Wachtwoord-48213"}),
    );
    assert_eq!(reset.status, 204, "{}", reset.text());
    // The worker's sessions ended.
    app.get("/api/v1/cases", Some(&worker.token)).problem(401);
    // Whoever logs in with the reset password reaches nothing but the password change.
    let one_time = token_of(&app.login(&worker.email, "Tijdelijk-Wachtwoord-48213"));
    let p = app.get("/api/v1/cases", Some(&one_time)).problem(403);
    assert_eq!(
        p["type"],
        "urn:kinderen-eerst:problem:password-change-required"
    );
    for path in [
        "/api/v1/schools",
        "/api/v1/referrals",
        &format!("/api/v1/users/{}", worker.id),
    ] {
        app.get(path, Some(&one_time)).problem(403);
    }
    let me = app.get("/api/v1/me", Some(&one_time));
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["password_change_required"], true);
    assert!(me["password_reset_at"].is_string(), "{me}");
    assert_eq!(me["password_reset_by"]["id"], coordinator.id.as_str());
    assert_eq!(me["password_reset_by"]["display_name"], "Test coordinator");
    // The trail names both.
    let events = app.get(
        &format!(
            "/api/v1/audit-events?object_type=user&object_id={}",
            worker.id
        ),
        Some(&coordinator.token),
    );
    let events = events.json()["items"].as_array().unwrap().clone();
    assert!(
        events.iter().any(|e| e["action"] == "password_reset"
            && e["actor_id"] == coordinator.id.as_str()
            && e["object_id"] == worker.id.as_str()),
        "{events:?}"
    );
    // The owner changes it and is back, with a new token; the one-time token is dead.
    let changed = app.post(
        "/api/v1/me/password",
        Some(&one_time),
        &json!({"current_password": "Tijdelijk-Wachtwoord-48213", "new_password": "Mijn-Eigen-Zin-Over-Bergen-7"}),
    );
    let fresh = token_of(&changed);
    app.get("/api/v1/me", Some(&one_time)).problem(401);
    assert_eq!(app.get("/api/v1/cases", Some(&fresh)).status, 200);
    let me = app.get("/api/v1/me", Some(&fresh)).json();
    assert_eq!(me["password_change_required"], false);
    assert!(me["password_changed_at"].is_string());
}

#[test]
fn accounts_the_coordinator_creates_start_with_a_one_time_password_and_are_audited() {
    let app = TestApp::spawn();
    let coordinator = app.coordinator();
    let created = app.post(
        "/api/v1/users",
        Some(&coordinator.token),
        &json!({"email": "wendy.willems@ocmw.example", "display_name": "Wendy Willems", "role": "social_worker", "password": "Eerste-Keer-Inloggen-5512"}),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert_eq!(created.json()["password_change_required"], true);
    let token = token_of(&app.login("wendy.willems@ocmw.example", "Eerste-Keer-Inloggen-5512"));
    app.get("/api/v1/cases", Some(&token)).problem(403);
    let events = app.get(
        &format!("/api/v1/audit-events?object_type=user&object_id={id}"),
        Some(&coordinator.token),
    );
    let events = events.json()["items"].as_array().unwrap().clone();
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "create" && e["actor_id"] == coordinator.id.as_str())
    );
    // Deactivation and reactivation are audited too, and assignments.
    let nets = app
        .get("/api/v1/networks?limit=1", Some(&coordinator.token))
        .json();
    let school = app.post(
        "/api/v1/schools",
        Some(&coordinator.token),
        &json!({"network_id": nets["items"][0]["id"], "name": "Basisschool De Linde", "institution_number": "123456", "level": "primary"}),
    );
    assert_eq!(school.status, 201, "{}", school.text());
    let assignment = app.post(
        "/api/v1/assignments",
        Some(&coordinator.token),
        &json!({"worker_id": id, "school_id": school.json()["id"], "mode": "spoc", "valid_from": "2026-09-01"}),
    );
    assert_eq!(assignment.status, 201, "{}", assignment.text());
    let assignment_id = assignment.json()["id"].as_str().unwrap().to_string();
    let events = app.get(
        &format!("/api/v1/audit-events?object_type=assignment&object_id={assignment_id}"),
        Some(&coordinator.token),
    );
    assert_eq!(events.json()["items"][0]["action"], "create");
    assert_eq!(
        events.json()["items"][0]["actor_id"],
        coordinator.id.as_str()
    );
}

#[test]
fn tokens_die_with_a_password_change_and_a_deactivation_and_stay_dead_after_reactivation() {
    let app = TestApp::spawn();
    let coordinator = app.coordinator();
    let worker = app.user(Role::SocialWorker, None);
    let second = token_of(&app.login(&worker.email, PASSWORD));
    // Changing one's password ends the other sessions.
    let changed = app.post(
        "/api/v1/me/password",
        Some(&worker.token),
        &json!({"current_password": PASSWORD, "new_password": "Nieuw-Lang-Wachtwoord-Voor-Mij-31"}),
    );
    let current = token_of(&changed);
    app.get("/api/v1/cases", Some(&second)).problem(401);
    app.get("/api/v1/cases", Some(&worker.token)).problem(401);
    assert_eq!(app.get("/api/v1/cases", Some(&current)).status, 200);
    // Deactivation ends it; reactivation does not bring it back.
    let patch = |active: bool| {
        let user = app.get(
            &format!("/api/v1/users/{}", worker.id),
            Some(&coordinator.token),
        );
        let etag = user.header("etag").unwrap().to_string();
        app.request(
            "PATCH",
            &format!("/api/v1/users/{}", worker.id),
            Some(&coordinator.token),
            Some((
                "application/json",
                json!({"active": active}).to_string().into_bytes(),
            )),
            &[("If-Match", &etag)],
        )
    };
    assert_eq!(patch(false).status, 200);
    app.get("/api/v1/cases", Some(&current)).problem(401);
    assert_eq!(patch(true).status, 200);
    app.get("/api/v1/cases", Some(&current)).problem(401);
    let again = token_of(&app.login(&worker.email, "Nieuw-Lang-Wachtwoord-Voor-Mij-31"));
    assert_eq!(app.get("/api/v1/cases", Some(&again)).status, 200);
    let events = app.get(
        &format!(
            "/api/v1/audit-events?object_type=user&object_id={}",
            worker.id
        ),
        Some(&coordinator.token),
    );
    let actions: Vec<String> = events.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    for a in ["password_change", "deactivate", "reactivate"] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
}

// ---- 6. guessing and weak passwords ----

#[test]
fn changing_a_password_is_throttled_and_guessable_passwords_are_refused_with_the_reason() {
    let app = TestApp::spawn_with(Settings {
        login_max_failures_per_account: 4,
        ..test_settings()
    });
    let worker = app.user(Role::SocialWorker, None);
    let change = |current: &str, new: &str| {
        app.post(
            "/api/v1/me/password",
            Some(&worker.token),
            &json!({"current_password": current, "new_password": new}),
        )
    };
    for weak in [
        "aaaaaaaaaaaa",
        "password1234",
        "qwertyuiopasdf",
        "123456789012",
    ] {
        let p = change(PASSWORD, weak).problem(422);
        assert_eq!(p["errors"][0]["field"], "new_password", "{p}");
        assert_eq!(p["errors"][0]["code"], "password_guessable", "{p}");
        // zxcvbn's reason comes along, in the catalogue's Dutch.
        let why = p["errors"][0]["message"].as_str().unwrap();
        assert!(
            why.starts_with("is te makkelijk te raden: "),
            "{weak}: {why}"
        );
    }
    // The account's own name and e-mail count as known words.
    let local = worker.email.split('@').next().unwrap().to_string();
    change(PASSWORD, &format!("{local}2026!")).problem(422);
    // Wrong current passwords are counted like failed logins.
    for _ in 0..4 {
        change("not my password", "Een-Heel-Sterk-Wachtwoord-77").problem(403);
    }
    let p = change(PASSWORD, "Een-Heel-Sterk-Wachtwoord-77").problem(429);
    assert_eq!(p["code"], "too_many_requests", "{p}");
}

// ---- 9. headers ----

#[test]
fn answers_forbid_framing_and_referrers_the_docs_page_has_a_strict_policy_and_hsts_follows_tls() {
    let app = TestApp::spawn_with(Settings {
        trusted_proxies: vec!["127.0.0.1".into()],
        ..test_settings()
    });
    for path in [
        "/api/v1/schools",
        "/docs/",
        "/healthz",
        "/api/v1/nothing-here",
    ] {
        let r = app.get(path, None);
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        let csp = r
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert!(
            r.header("strict-transport-security").is_none(),
            "{path}: HSTS over plain HTTP"
        );
    }
    let docs = app.get("/docs/", None);
    assert_eq!(docs.status, 200);
    let csp = docs.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    let api_csp = app.get("/api/v1/schools", None);
    assert!(
        api_csp
            .header("content-security-policy")
            .unwrap()
            .starts_with("default-src 'none'")
    );
    // Behind a TLS-terminating trusted proxy: HSTS.
    let tls_proxy = Proxy::start(&app.addr, "https");
    let r = request("127.0.0.2", &tls_proxy.addr, "GET", "/healthz", &[], None);
    assert!(
        r.header("strict-transport-security")
            .unwrap()
            .contains("max-age=")
    );
    // A client that claims TLS on its own is not believed.
    let r = request(
        "127.0.0.2",
        &app.addr,
        "GET",
        "/healthz",
        &[("X-Forwarded-Proto", "https")],
        None,
    );
    assert!(r.header("strict-transport-security").is_none());
}

// ---- 10. methods ----

#[test]
fn every_undeclared_method_on_a_declared_path_answers_405_with_allow() {
    let app = TestApp::spawn();
    let coordinator = app.coordinator();
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    let all = ["GET", "PUT", "POST", "DELETE", "PATCH"];
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let declared: Vec<&str> = all
            .iter()
            .copied()
            .filter(|m| item.get(m.to_lowercase()).is_some())
            .collect();
        // Every `{param}` (also inside a segment, as in `{id}.ics`) becomes an id.
        let mut concrete = String::new();
        let mut rest = path.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').unwrap() + open;
            concrete.push_str(&rest[..open]);
            concrete.push_str("0193a1b2-0000-7000-8000-000000000001");
            rest = &rest[close + 1..];
        }
        concrete.push_str(rest);
        for method in all.iter().filter(|m| !declared.contains(m)) {
            let r = app.request(method, &concrete, Some(&coordinator.token), None, &[]);
            assert_eq!(r.status, 405, "{method} {path}: {}", r.text());
            let p = r.problem(405);
            let mut allow: Vec<&str> = r.header("allow").unwrap().split(", ").collect();
            allow.sort();
            let mut want = declared.clone();
            want.sort();
            assert_eq!(allow, want, "{method} {path}: {p}");
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} combinations");
    let r = app.request(
        "PATCH",
        "/api/v1/schools/import",
        Some(&coordinator.token),
        None,
        &[],
    );
    r.problem(405);
    assert_eq!(r.header("allow"), Some("POST"));
}
