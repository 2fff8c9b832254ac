//! Backups an operator can trust: the real binary backs up the SQLite database while the real
//! server serves audited reads and writes, and the copy restores to a database whose chain
//! verifies and that holds every write acknowledged before the backup began. `db check` and a
//! pg_dump / pg_restore drill cover PostgreSQL.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{TestApp, test_backend_url, test_settings};
use crate::process::BIN;
use crate::referrals::id_of;

fn run(args: &[&str], database_url: &str) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("AUDIT_SIGNING_KEY_FILE")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What the load acknowledged: each write's case id and each read's request id, with the
/// moment its answer arrived.
#[derive(Default)]
struct Acked {
    cases: Vec<(Instant, String)>,
    reads: Vec<(Instant, String)>,
}

fn audit_request_ids(db_url: &str) -> std::collections::BTreeSet<String> {
    use kinderen_eerst::db::schema::{audit_events, audit_pending};
    let mut conn =
        kinderen_eerst::db::establish(&kinderen_eerst::db::DbOptions::new(db_url)).unwrap();
    let mut ids: std::collections::BTreeSet<String> = audit_events::table
        .select(audit_events::request_id)
        .load::<String>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    ids.extend(
        audit_pending::table
            .select(audit_pending::request_id)
            .load::<String>(&mut conn)
            .unwrap(),
    );
    ids
}

#[test]
fn a_backup_under_load_restores_every_acknowledged_write_and_a_verifying_chain() {
    if test_backend_url().is_some() {
        return; // `backup` copies the embedded SQLite file; PostgreSQL: the pg_dump drill below
    }
    let w = crate::cases::world_with(test_settings());
    let app = &w.app;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let first = id_of(&w.case_by_worker("office_hours"));
    // Writers open cases, readers read them (each read is an audited event).
    let mut load = Vec::new();
    for n in 0..3 {
        let (acked, stop, url, token, school) = (
            acked.clone(),
            stop.clone(),
            app.url(""),
            w.worker_a.token.clone(),
            w.school_a.clone(),
        );
        let first = first.clone();
        load.push(std::thread::spawn(move || {
            let agent = crate::process::agent(Duration::from_secs(30));
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                if n == 0 {
                    let body = json!({"school_id": school, "origin": "office_hours", "themes": ["housing"],
                        "pupil": {"pseudonym": format!("L-{i}"), "birth_year": 2016}, "question": "Backup load"});
                    let res = crate::process::call(&agent, "POST", &format!("{url}/api/v1/cases"), Some(&token), Some(&body), &[]);
                    if let Ok(r) = res
                        && r.status == 201
                    {
                        let id = r.json()["id"].as_str().unwrap().to_string();
                        acked.lock().unwrap().cases.push((Instant::now(), id));
                    }
                } else {
                    let rid = format!("backup-load-{n}-{i}");
                    let res = crate::process::call(&agent, "GET", &format!("{url}/api/v1/cases/{first}"), Some(&token), None, &[("x-request-id", &rid)]);
                    if let Ok(r) = res
                        && r.status == 200
                    {
                        acked.lock().unwrap().reads.push((Instant::now(), rid));
                    }
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("nightly.db");
    let began = Instant::now();
    let (ok, stdout, stderr) = run(&["backup", "--to", copy.to_str().unwrap()], &app.db_url);
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    for t in load {
        t.join().unwrap();
    }
    assert!(ok, "backup failed:\n{stdout}\n{stderr}");
    // Progress on stderr, the result on stdout.
    assert!(stderr.contains("backup: integrity_check: ok"), "{stderr}");
    assert!(stderr.contains("backup: audit chain: intact"), "{stderr}");
    assert!(stdout.contains("audit chain: intact"), "{stdout}");
    assert!(!dir.path().join("nightly.db.partial").exists());
    let acked = acked.lock().unwrap();
    let before = |list: &[(Instant, String)]| -> Vec<String> {
        list.iter()
            .filter(|(at, _)| *at < began)
            .map(|(_, id)| id.clone())
            .collect()
    };
    let (cases_before, reads_before) = (before(&acked.cases), before(&acked.reads));
    assert!(
        cases_before.len() >= 3 && reads_before.len() >= 10,
        "too little load"
    );
    assert!(
        acked.cases.len() > cases_before.len() || acked.reads.len() > reads_before.len(),
        "the load did not go on while the backup ran"
    );

    // A backup never overwrites.
    let (ok, _, stderr) = run(&["backup", "--to", copy.to_str().unwrap()], &app.db_url);
    assert!(!ok && stderr.contains("exists already"), "{stderr}");

    // Restore into a new place, as a restore drill does.
    let restored = dir.path().join("restored.db");
    let restored_url = restored.to_str().unwrap();
    let (ok, stdout, stderr) = run(&["restore", "--from", copy.to_str().unwrap()], restored_url);
    assert!(ok, "restore failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("audit chain: intact"), "{stdout}");
    // The audit key is not in the backup: the restore says so.
    assert!(stdout.contains("audit-key.pem"), "{stdout}");

    // Every write acknowledged before the backup began is in the restored database.
    let mut conn =
        kinderen_eerst::db::establish(&kinderen_eerst::db::DbOptions::new(restored_url)).unwrap();
    use kinderen_eerst::db::schema::cases;
    let there: std::collections::BTreeSet<String> = cases::table
        .select(cases::id)
        .load::<String>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    drop(conn);
    let missing: Vec<_> = cases_before
        .iter()
        .filter(|c| !there.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "cases acknowledged before the backup and missing: {missing:?}"
    );
    let events = audit_request_ids(restored_url);
    let missing: Vec<_> = reads_before
        .iter()
        .filter(|r| !events.contains(*r))
        .collect();
    assert!(
        missing.is_empty(),
        "reads acknowledged before the backup without their event: {missing:?}"
    );

    // The restored database serves, and its chain verifies through the API.
    let restored_app = TestApp::spawn_at(restored_url, test_settings());
    let v = restored_app
        .get("/api/v1/audit-events/verify", Some(&w.coord.token))
        .json();
    assert_eq!(v["intact"], true, "{v}");
    let res = restored_app.get(
        &format!("/api/v1/cases/{}", cases_before[0]),
        Some(&w.worker_a.token),
    );
    assert_eq!(res.status, 200, "{}", res.text());

    // The live database is not replaced by accident, nor while it is in use.
    let (ok, _, stderr) = run(&["restore", "--from", copy.to_str().unwrap()], &app.db_url);
    assert!(
        !ok && stderr.contains("holds a database already"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(
        &["restore", "--from", copy.to_str().unwrap(), "--force"],
        &app.db_url,
    );
    assert!(!ok && stderr.contains("stop the service first"), "{stderr}");
    drop(restored_app);
    // Once stopped, --force replaces it. (The stopped test server's pooled connections close
    // with its last threads, a moment after it stops; a stopped process closes them at once.)
    let started = Instant::now();
    let (ok, stdout, stderr) = loop {
        let (ok, stdout, stderr) = run(
            &["restore", "--from", copy.to_str().unwrap(), "--force"],
            restored_url,
        );
        if ok || !stderr.contains("in use") || started.elapsed() > Duration::from_secs(20) {
            break (ok, stdout, stderr);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("was replaced"), "{stdout}");
}

#[test]
fn a_damaged_backup_is_not_restored() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.db");
    // A real database with its middle overwritten.
    let app = TestApp::spawn();
    if test_backend_url().is_some() {
        return;
    }
    let copy = dir.path().join("good.db");
    let (ok, _, stderr) = run(&["backup", "--to", copy.to_str().unwrap()], &app.db_url);
    assert!(ok, "{stderr}");
    let mut bytes = std::fs::read(&copy).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 8192] {
        *b = 0x5a;
    }
    std::fs::write(&bad, bytes).unwrap();
    let target = dir.path().join("target.db");
    let (ok, _, stderr) = run(
        &["restore", "--from", bad.to_str().unwrap()],
        target.to_str().unwrap(),
    );
    assert!(!ok, "a damaged file was restored");
    assert!(stderr.contains("nothing was restored"), "{stderr}");
    assert!(!target.exists());
    assert!(!dir.path().join("target.db.restoring").exists());
}

#[test]
fn backup_and_restore_point_postgresql_to_its_own_tools() {
    let url = "postgres://nobody@127.0.0.1:1/none";
    let (ok, _, stderr) = run(&["backup", "--to", "/tmp/never.db"], url);
    assert!(!ok && stderr.contains("pg_dump"), "{stderr}");
    let (ok, _, stderr) = run(&["restore", "--from", "/etc/hostname"], url);
    assert!(!ok && stderr.contains("pg_restore"), "{stderr}");
}

/// The README's PostgreSQL drill: pg_dump of a database in use, pg_restore into a new one,
/// `db check` proves it whole, and the service serves it with its chain intact.
#[test]
fn a_postgresql_dump_restores_to_a_database_whose_chain_verifies() {
    let Some(base) = test_backend_url() else {
        return;
    };
    let tool = |name: &str| -> Option<std::path::PathBuf> {
        let on_path = Command::new(name).arg("--version").output().is_ok();
        if on_path {
            return Some(name.into());
        }
        std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|d| d.path().join("bin").join(name))
            .find(|p| p.exists())
    };
    let (Some(dump), Some(restore)) = (tool("pg_dump"), tool("pg_restore")) else {
        eprintln!("pg_dump / pg_restore not installed: drill skipped");
        return;
    };
    let w = crate::cases::world();
    let case = id_of(&w.case_by_worker("office_hours"));
    assert_eq!(
        w.app
            .get(&format!("/api/v1/cases/{case}"), Some(&w.worker_a.token))
            .status,
        200
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ke.dump");
    let out = Command::new(&dump)
        .args([
            "--format=custom",
            "--file",
            file.to_str().unwrap(),
            &w.app.db_url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let target = crate::process::FreshDb::on_postgres(&base);
    let out = Command::new(&restore)
        .args([
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            &target.url,
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, stdout, stderr) = run(&["db", "check"], &target.url);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("audit chain: intact"), "{stdout}");
    assert!(stdout.contains("  cases: 1"), "{stdout}");
    let restored = TestApp::spawn_at(&target.url, test_settings());
    let v = restored
        .get("/api/v1/audit-events/verify", Some(&w.coord.token))
        .json();
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(
        restored
            .get(&format!("/api/v1/cases/{case}"), Some(&w.worker_a.token))
            .status,
        200
    );
}

#[test]
fn db_check_reports_a_broken_chain() {
    let w = crate::cases::world();
    let case = id_of(&w.case_by_worker("office_hours"));
    let _ = w
        .app
        .get(&format!("/api/v1/cases/{case}"), Some(&w.worker_a.token));
    let (ok, stdout, stderr) = run(&["db", "check"], &w.app.db_url);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("audit chain: intact"), "{stdout}");
    // Someone with write access edits an event behind the triggers' back.
    let sql = "UPDATE audit_events SET action = 'tampered' WHERE seq = 1";
    w.app
        .conn()
        .batch_execute(&match test_backend_url() {
            None => format!(
                "DROP TRIGGER IF EXISTS audit_events_no_update; \
                 DROP TRIGGER IF EXISTS audit_events_no_delete; {sql}"
            ),
            Some(_) => format!(
                "ALTER TABLE audit_events DISABLE TRIGGER USER; {sql}; \
                 ALTER TABLE audit_events ENABLE TRIGGER USER;"
            ),
        })
        .unwrap();
    let (ok, _, stderr) = run(&["db", "check"], &w.app.db_url);
    assert!(!ok, "a tampered chain passed the check");
    assert!(
        stderr.contains("the audit chain breaks at event 1"),
        "{stderr}"
    );
}
