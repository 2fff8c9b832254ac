//! `kinderen-eerst db copy`: a pilot's SQLite database moved into PostgreSQL answers the same.

use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, pg_url, test_backend_url, test_settings};

const BIN: &str = env!("CARGO_BIN_EXE_kinderen-eerst");

pub(crate) fn copy(from: &str, to: &str) -> std::process::Output {
    Command::new(BIN)
        .args(["db", "copy", "--from", from, "--to", to])
        .output()
        .unwrap()
}

/// A new, empty PostgreSQL database beside `base`: (admin connection, name, URL).
pub(crate) fn new_target(base: &str) -> (PgConnection, String, String) {
    let name = format!("ke_copy_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(base).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let target = pg_url(base, &name);
    (admin, name, target)
}

/// Runs on the PostgreSQL pass (it needs a server to copy into); the SQLite pass has nothing to
/// copy to.
#[test]
fn db_copy_moves_a_sqlite_database_into_postgresql_and_it_answers_the_same() {
    let Some(base) = test_backend_url() else {
        eprintln!("db copy needs TEST_DATABASE_URL (the PostgreSQL pass runs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("pilot.db").to_string_lossy().into_owned();
    let src = TestApp::spawn_at(&sqlite, test_settings());
    let coord = src.coordinator();
    let net = src.get("/api/v1/networks", Some(&coord.token)).json()["items"][0]["id"].clone();
    let school = src
        .post("/api/v1/schools", Some(&coord.token), &json!({"network_id": net, "name": "Pilootschool", "institution_number": "123456", "level": "primary", "ses": {"any": 61.5}}))
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let worker = src.user(Role::SocialWorker, None);
    let res = src.post(
        "/api/v1/assignments",
        Some(&coord.token),
        &json!({"worker_id": worker.id, "school_id": school, "mode": "office_hours", "weekday": 2, "start_time": "08:30", "end_time": "10:00", "valid_from": "2020-01-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let school_user = src.user(Role::School, Some(&school));
    let case = src.post(
        "/api/v1/case-requests",
        Some(&school_user.token),
        &json!({"pupil": {"pseudonym": "P-1", "birth_year": 2016}, "themes": ["poverty", "housing"], "question": "Vraag"}),
    );
    assert_eq!(case.status, 201, "{}", case.text());
    let case_id = case.json()["id"].as_str().unwrap().to_string();
    let base_path = format!("/api/v1/cases/{case_id}");
    for (p, body) in [
        (
            "needs",
            json!({"text": "Huur", "theme": "housing", "raised_by": "parent"}),
        ),
        (
            "contact-moments",
            json!({"occurred_at": "2026-02-01T08:30:00Z", "kind": "office_hours", "summary": "Zitdag"}),
        ),
        (
            "consents",
            json!({"kind": "share_with_school", "given_by": "parent", "method": "verbal", "given_at": "2026-02-01T08:30:00Z"}),
        ),
    ] {
        let r = src.post(&format!("{base_path}/{p}"), Some(&worker.token), &body);
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let service = src
        .get("/api/v1/services?limit=1", Some(&worker.token))
        .json()["items"][0]["id"]
        .clone();
    let r = src.post(
        &format!("{base_path}/referrals"),
        Some(&worker.token),
        &json!({"service_id": service, "message_for_partner": "Graag contact"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let referral = r.json()["id"].as_str().unwrap().to_string();
    let r = src.post(
        &format!("/api/v1/referrals/{referral}/send"),
        Some(&worker.token),
        &json!({"consent_override": {"legal_basis": "vital_interest", "reason": "Dringend"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    let reads: Vec<(&str, String)> = vec![
        ("worker", base_path.clone()),
        ("worker", "/api/v1/cases".into()),
        ("coordinator", base_path.clone()),
        ("school", base_path.clone()),
        ("worker", format!("/api/v1/referrals/{referral}")),
        ("coordinator", "/api/v1/stats/cases".into()),
        ("coordinator", "/api/v1/schools".into()),
        ("coordinator", "/api/v1/events".into()),
        ("school", "/api/v1/assignments".into()),
        ("worker", "/api/v1/services?theme=poverty".into()),
    ];
    let token = |who: &str| match who {
        "worker" => worker.token.clone(),
        "coordinator" => coord.token.clone(),
        _ => school_user.token.clone(),
    };
    let answers = |app: &TestApp| -> Vec<Value> {
        reads
            .iter()
            .map(|(who, path)| {
                let r = app.get(path, Some(&token(who)));
                assert_eq!(r.status, 200, "{path}: {}", r.text());
                r.json()
            })
            .collect()
    };
    let before = answers(&src);
    let events_before = src
        .get("/api/v1/audit-events/verify", Some(&coord.token))
        .json()["events_checked"]
        .clone();
    drop(src);

    let (mut admin, name, target) = new_target(&base);
    let out = copy(&sqlite, &target);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("row counts match; audit chain intact"),
        "{stdout}"
    );
    let again = copy(&sqlite, &target);
    assert!(
        !again.status.success(),
        "a second copy into a non-empty target must be refused"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    let dst = TestApp::spawn_at(&target, test_settings());
    let report = dst
        .get("/api/v1/audit-events/verify", Some(&coord.token))
        .json();
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["events_checked"], events_before);
    let after = answers(&dst);
    for ((who, path), (b, a)) in reads.iter().zip(before.iter().zip(&after)) {
        assert_eq!(b, a, "{who} {path} answers differently after the copy");
    }
    // The copy keeps working: a new case gets the next reference, events the next position.
    let r = dst.post(
        "/api/v1/case-requests",
        Some(&school_user.token),
        &json!({"pupil": {"pseudonym": "P-2"}, "question": "Nog een vraag"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.json()["reference"].as_str().unwrap().ends_with("-00002"));
    drop(dst);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// Every GET of the OpenAPI document, for each role, with ids taken from that role's own lists:
/// `(role, path, status, answer)`. What grows with every audited read (the audit trail, a case's
/// access log, also inside its export) is left to the chain check.
fn walk(
    app: &TestApp,
    tokens: &[(&'static str, String)],
) -> Vec<(&'static str, String, u16, Value)> {
    let doc: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let mut paths: Vec<&String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, ops)| {
            ops.get("get").is_some()
                && p.starts_with("/api/v1/")
                && !p.contains("audit-events")
                && !p.ends_with("/access-log")
                && !p.ends_with(".ics")
        })
        .map(|(p, _)| p)
        .collect();
    // Lists before the paths that take an id from them.
    paths.sort_by_key(|p| (p.matches('{').count(), p.len()));
    let mut out = Vec::new();
    for (role, token) in tokens {
        let mut answers: std::collections::HashMap<String, Value> = Default::default();
        for template in &paths {
            let path = match template.find('{') {
                None => template.to_string(),
                Some(at) => {
                    let parent = template[..at].trim_end_matches('/');
                    let parent = if parent.ends_with("checklist-versions") {
                        format!("{parent}/current")
                    } else {
                        parent.to_string()
                    };
                    let Some(first) = answers.get(&parent).map(|a| {
                        if a["items"].is_array() {
                            a["items"][0].clone()
                        } else {
                            a.clone()
                        }
                    }) else {
                        continue;
                    };
                    let Some(id) = first["id"].as_str().or(first["code"].as_str()) else {
                        continue;
                    };
                    let end = template[at..].find('}').unwrap() + at + 1;
                    format!("{}{id}{}", &template[..at], &template[end..])
                }
            };
            let r = app.get(&path, Some(token));
            let mut body: Value = serde_json::from_slice(&r.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&r.body).into_owned()));
            if path.ends_with("/export") {
                // The export carries the case's access log (grown by these reads) and its time.
                body = json!({"case": body["case"], "referrals": body["referrals"]});
            }
            if let Some(o) = body.as_object_mut() {
                // The inbox says when it was made.
                o.remove("generated_at");
            }
            if r.status == 200 {
                answers.insert(path.clone(), body.clone());
            }
            out.push((*role, path, r.status, body));
        }
    }
    out
}

/// A pilot's database as `demo-data` fills it — years of cases, referrals, checklists,
/// presence, the outbox and the audit trail — copied into PostgreSQL answers every GET of the
/// API the same for every role, and its audit chain verifies.
#[test]
fn db_copy_of_a_demo_database_answers_every_read_the_same() {
    let Some(base) = test_backend_url() else {
        eprintln!("db copy needs TEST_DATABASE_URL (the PostgreSQL pass runs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("demo.db").to_string_lossy().into_owned();
    let password = "a demo password for the copy";
    let out = Command::new(BIN)
        .args([
            "demo-data",
            "--schools",
            "8",
            "--cases",
            "400",
            "--seed",
            "11",
        ])
        .args(["--password", password])
        .env("DATABASE_URL", &sqlite)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let src = TestApp::spawn_at(&sqlite, test_settings());
    let domain = kinderen_eerst::demo::EMAIL_DOMAIN;
    let tokens: Vec<(&'static str, String)> = [
        ("coordinator", "coordinator"),
        ("social_worker", "worker0001"),
        ("school", "school0001"),
    ]
    .into_iter()
    .map(|(role, who)| {
        let r = src.login(&format!("{who}@{domain}"), password);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        (role, r.json()["access_token"].as_str().unwrap().to_string())
    })
    .collect();
    let before = walk(&src, &tokens);
    let ok = before.iter().filter(|a| a.2 == 200).count();
    assert!(ok > 100, "only {ok} reads answered 200: {before:?}");
    let coord = &tokens[0].1;
    let events =
        src.get("/api/v1/audit-events/verify", Some(coord)).json()["events_checked"].clone();
    drop(src);

    let (mut admin, name, target) = new_target(&base);
    let out = copy(&sqlite, &target);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let dst = TestApp::spawn_at(&target, test_settings());
    let report = dst.get("/api/v1/audit-events/verify", Some(coord)).json();
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["events_checked"], events);
    let after = walk(&dst, &tokens);
    let paths = |w: &[(&str, String, u16, Value)]| {
        w.iter()
            .map(|a| format!("{} {}", a.0, a.1))
            .collect::<Vec<_>>()
    };
    assert_eq!(paths(&before), paths(&after));
    let differ: Vec<String> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.2 != a.2 || b.3 != a.3)
        .map(|(b, a)| format!("{} {}: {} {} / {} {}", b.0, b.1, b.2, b.3, a.2, a.3))
        .collect();
    assert!(
        differ.is_empty(),
        "answers differ after the copy:\n{}",
        differ.join("\n")
    );
    drop(dst);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}
