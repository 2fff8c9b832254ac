//! Secrets never reach the log: the real binary at `RUST_LOG=debug` takes a representative slice
//! of the suite's traffic (logins right and wrong, token use and forged tokens, a case with
//! family data, its needs, contact moments, export and a search, idempotent replays, a password
//! change) and its whole log output is scanned for every password, token, family value and
//! pupil pseudonym that went over the wire.

use std::time::Duration;

use serde_json::json;

use crate::helpers::TEST_SECRET;
use crate::process::{FreshDb, Service, agent, call, create_user};

#[test]
fn no_password_token_or_family_data_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = FreshDb::new(dir.path());
    let log = dir.path().join("service.log");
    let p_coord = "Coordinator-Passphrase-7Q2x";
    let p_worker = "Worker-Passphrase-K8v3";
    let p_worker_new = "Worker-New-Passphrase-M4t9";
    let p_wrong = "Wrong-Guess-Passphrase-Z1";
    let p_stranger = "Stranger-Passphrase-H6";
    let family = "Familie Oyelaran-Peeters";
    let phone = "0486 31 27 95";
    let pseudonym = "PSEUDO-7C-19";
    let question = "Huurachterstand-Vraag-xq";
    let need = "Nood-Boodschappen-xq";
    let summary = "Gesprek-Met-Mama-xq";
    let coord_email = "log.coordinator@test.example";
    let worker_email = "log.worker@test.example";
    create_user(&db.url, coord_email, "coordinator", p_coord);
    let mut svc = Service::start(&db.url, &[("RUST_LOG", "debug")], &log);
    let a = agent(Duration::from_secs(30));
    let url = |p: &str| svc.url(p);
    let login = |email: &str, pw: &str| {
        call(
            &a,
            "POST",
            &url("/api/v1/auth/login"),
            None,
            Some(&json!({"email": email, "password": pw})),
            &[],
        )
        .unwrap()
    };

    let res = login(coord_email, p_coord);
    assert_eq!(res.status, 200, "{}", res.body);
    let t_coord = res.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(login(coord_email, p_wrong).status, 401);
    assert_eq!(login("stranger@test.example", p_stranger).status, 401);
    assert_eq!(login("not an e-mail", p_stranger).status, 401);

    let net = call(
        &a,
        "GET",
        &url("/api/v1/networks"),
        Some(&t_coord),
        None,
        &[],
    )
    .unwrap()
    .json()["items"][0]["id"]
        .clone();
    let school = call(&a, "POST", &url("/api/v1/schools"), Some(&t_coord),
        Some(&json!({"network_id": net, "name": "Logschool", "institution_number": "300001", "level": "primary"})), &[]).unwrap();
    assert_eq!(school.status, 201, "{}", school.body);
    let school = school.json()["id"].as_str().unwrap().to_string();
    let worker = call(&a, "POST", &url("/api/v1/users"), Some(&t_coord),
        Some(&json!({"email": worker_email, "display_name": "Log Worker", "role": "social_worker", "password": p_worker})), &[]).unwrap();
    assert_eq!(worker.status, 201, "{}", worker.body);
    let worker_id = worker.json()["id"].as_str().unwrap().to_string();
    let res = call(&a, "POST", &url("/api/v1/assignments"), Some(&t_coord),
        Some(&json!({"worker_id": worker_id, "school_id": school, "mode": "spoc", "valid_from": "2020-01-01"})), &[]).unwrap();
    assert_eq!(res.status, 201, "{}", res.body);

    let res = login(worker_email, p_worker);
    let t_once = res.json()["access_token"].as_str().unwrap().to_string();
    // The coordinator's password is one-time: a password change, and the new password in use.
    let res = call(
        &a,
        "POST",
        &url("/api/v1/me/password"),
        Some(&t_once),
        Some(&json!({"current_password": p_worker, "new_password": p_worker_new})),
        &[],
    )
    .unwrap();
    assert_eq!(res.status, 200, "{}", res.body);
    let t_worker = res.json()["access_token"].as_str().unwrap().to_string();
    let body = json!({"school_id": school, "origin": "parent", "themes": ["housing"],
        "pupil": {"pseudonym": pseudonym, "birth_year": 2016, "class": "3A"},
        "family": {"name": family, "phone": phone, "language": "Engels", "interpreter_needed": false},
        "question": question});
    let created = call(
        &a,
        "POST",
        &url("/api/v1/cases"),
        Some(&t_worker),
        Some(&body),
        &[("idempotency-key", "log-case-1")],
    )
    .unwrap();
    assert_eq!(created.status, 201, "{}", created.body);
    let replay = call(
        &a,
        "POST",
        &url("/api/v1/cases"),
        Some(&t_worker),
        Some(&body),
        &[("idempotency-key", "log-case-1")],
    )
    .unwrap();
    assert_eq!(replay.status, 201);
    let case = created.json()["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/cases/{case}");
    for (path, b) in [
        (
            format!("{base}/needs"),
            json!({"text": need, "theme": "housing", "raised_by": "parent"}),
        ),
        (
            format!("{base}/contact-moments"),
            json!({"occurred_at": "2026-01-05T10:00:00Z", "kind": "home_visit", "summary": summary}),
        ),
        (
            format!("{base}/consents"),
            json!({"kind": "share_with_school", "given_by": "parent", "method": "verbal", "given_at": "2026-01-05T10:00:00Z"}),
        ),
    ] {
        let res = call(&a, "POST", &url(&path), Some(&t_worker), Some(&b), &[]).unwrap();
        assert_eq!(res.status, 201, "{path}: {}", res.body);
    }
    for path in [
        base.clone(),
        format!("{base}/export"),
        format!("{base}/needs"),
        format!("{base}/access-log"),
    ] {
        let res = call(&a, "GET", &url(&path), Some(&t_worker), None, &[]).unwrap();
        assert_eq!(res.status, 200, "{path}: {}", res.body);
    }
    // Personal data in a query string and in a refused body.
    let _ = call(
        &a,
        "GET",
        &url(&format!(
            "/api/v1/cases?search={}",
            family.replace(' ', "+")
        )),
        Some(&t_worker),
        None,
        &[],
    )
    .unwrap();
    let _ = call(
        &a,
        "GET",
        &url(&format!("/api/v1/cases?pseudonym={pseudonym}")),
        Some(&t_worker),
        None,
        &[],
    )
    .unwrap();
    let res = call(&a, "POST", &url("/api/v1/cases"), Some(&t_worker),
        Some(&json!({"school_id": school, "origin": "parent", "family": {"name": family, "phone": 486312795}})), &[]).unwrap();
    assert_eq!(res.status, 422);
    // The coordinator reads the case (metadata only) and the audit trail.
    assert_eq!(
        call(&a, "GET", &url(&base), Some(&t_coord), None, &[])
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        call(
            &a,
            "GET",
            &url("/api/v1/audit-events"),
            Some(&t_coord),
            None,
            &[]
        )
        .unwrap()
        .status,
        200
    );
    // Forged and stale tokens.
    let forged = format!("{}x", &t_worker[..t_worker.len() - 1]);
    assert_eq!(
        call(&a, "GET", &url("/api/v1/me"), Some(&forged), None, &[])
            .unwrap()
            .status,
        401
    );
    assert_eq!(
        call(
            &a,
            "GET",
            &url("/api/v1/me"),
            Some(&format!("{t_coord}.extra")),
            None,
            &[]
        )
        .unwrap()
        .status,
        401
    );
    // A wrong current password, and the new password in use.
    let res = call(
        &a,
        "POST",
        &url("/api/v1/me/password"),
        Some(&t_worker),
        Some(&json!({"current_password": p_wrong, "new_password": p_stranger})),
        &[],
    )
    .unwrap();
    assert_eq!(res.status, 403);
    let res = login(worker_email, p_worker_new);
    let t_worker_new = res.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        call(
            &a,
            "GET",
            &url("/api/v1/me"),
            Some(&t_worker_new),
            None,
            &[]
        )
        .unwrap()
        .status,
        200
    );

    svc.sigterm();
    assert!(
        svc.wait_exit(Duration::from_secs(40)).is_some(),
        "the service stops on SIGTERM"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("POST /api/v1/auth/login 200"),
        "the access log is there:\n{text}"
    );
    assert!(text.contains("DEBUG"), "debug logging was on");

    let mut secrets: Vec<(&str, String)> = vec![
        ("coordinator password", p_coord.into()),
        ("worker password", p_worker.into()),
        ("worker's new password", p_worker_new.into()),
        ("wrong guess", p_wrong.into()),
        ("stranger's password", p_stranger.into()),
        ("family name", family.into()),
        ("family name, query-encoded", family.replace(' ', "+")),
        ("family phone", phone.into()),
        ("family phone, digits", "486312795".into()),
        ("pupil pseudonym", pseudonym.into()),
        ("question", question.into()),
        ("need", need.into()),
        ("contact summary", summary.into()),
        ("JWT secret", TEST_SECRET.into()),
    ];
    for (what, t) in [
        ("coordinator token", &t_coord),
        ("worker token", &t_worker),
        ("new worker token", &t_worker_new),
        ("forged token", &forged),
    ] {
        secrets.push((what, t.to_string()));
        let parts: Vec<&str> = t.split('.').collect();
        secrets.push((what, parts[1].to_string()));
        secrets.push((what, parts[2].to_string()));
    }
    let leaks: Vec<String> = secrets
        .iter()
        .filter(|(_, s)| text.contains(s.as_str()))
        .map(|(what, s)| {
            let line = text
                .lines()
                .find(|l| l.contains(s.as_str()))
                .unwrap_or_default();
            format!("{what} in: {line}")
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "secrets in the log:\n{}",
        leaks.join("\n")
    );
}
