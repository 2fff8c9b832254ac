//! The audit trail: every read and write of personal data leaves an event without the data,
//! the chain shows tampering, the table refuses changes, and a case's workers see its access log.

use diesel::connection::SimpleConnection;
use kinderen_eerst::db::{Backend, DbConn};
use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::TestUser;

/// The items of one page `user` reads at `path` (which must answer 200).
fn items(w: &World, user: &TestUser, path: &str) -> Vec<Value> {
    let res = w.app.get(path, Some(&user.token));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"].as_array().unwrap().clone()
}

fn events(w: &World, query: &str) -> Vec<Value> {
    items(w, &w.coord, &format!("/api/v1/audit-events?{query}"))
}

/// The case's whole access log (up to 200 entries), as its worker reads it.
fn access_log(w: &World, case: &str) -> Vec<Value> {
    let path = format!("/api/v1/cases/{case}/access-log?limit=200");
    items(w, &w.worker_a, &path)
}

fn verify(w: &World) -> Value {
    let res = w
        .app
        .get("/api/v1/audit-events/verify", Some(&w.coord.token));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

/// A case with a need, a contact moment and a consent, read once by its worker and its school.
fn busy_case(w: &World) -> String {
    let case = w.case_by_school();
    let id = case["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/cases/{id}");
    for (path, body) in [
        (
            "needs",
            json!({"text": "Geheime nood XYZZY", "raised_by": "parent"}),
        ),
        (
            "contact-moments",
            json!({"occurred_at": "2026-01-02T10:00:00Z", "kind": "home_visit", "summary": "Huisbezoek PLUGH"}),
        ),
        (
            "consents",
            json!({"kind": "share_with_school", "given_by": "guardian", "method": "written", "given_at": "2026-01-02T10:00:00Z"}),
        ),
    ] {
        let res = w.post(&w.worker_a, &format!("{base}/{path}"), body);
        assert_eq!(res.status, 201, "{}", res.text());
    }
    assert_eq!(w.app.get(&base, Some(&w.worker_a.token)).status, 200);
    assert_eq!(w.app.get(&base, Some(&w.user_a.token)).status, 200);
    id
}

/// Runs raw SQL on the test database with the append-only triggers out of the way, as an
/// attacker with direct database access would.
fn tamper(conn: &mut DbConn, sql: &str) {
    match conn.backend() {
        Backend::Sqlite => conn
            .batch_execute(&format!(
                "DROP TRIGGER IF EXISTS audit_events_no_update; \
                 DROP TRIGGER IF EXISTS audit_events_no_delete; {sql}"
            ))
            .unwrap(),
        Backend::Postgres => conn
            .batch_execute(&format!(
                "ALTER TABLE audit_events DISABLE TRIGGER USER; {sql}; \
                 ALTER TABLE audit_events ENABLE TRIGGER USER;"
            ))
            .unwrap(),
    }
}

#[test]
fn reads_and_writes_of_a_case_leave_events_that_carry_no_personal_data() {
    let w = world();
    let id = busy_case(&w);
    let evs = events(&w, &format!("case={id}&limit=200"));
    let mut seen: Vec<(String, String, String)> = evs
        .iter()
        .map(|e| {
            (
                e["actor_role"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
                e["object_type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.reverse();
    let expected: Vec<(String, String, String)> = [
        ("school", "create", "case"),
        ("social_worker", "create", "need"),
        ("social_worker", "create", "contact_moment"),
        ("social_worker", "create", "consent"),
        ("social_worker", "read", "case"),
        ("school", "read", "case"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(seen, expected);
    for e in &evs {
        assert!(e["request_id"].as_str().is_some_and(|r| !r.is_empty()));
        assert_eq!(e["client_addr"], "127.0.0.1");
    }
    let all = serde_json::to_string(&events(&w, "limit=200")).unwrap();
    for secret in ["XYZZY", "PLUGH", "5A-02", "lunch"] {
        assert!(
            !all.contains(secret),
            "the audit trail carries personal data `{secret}`"
        );
    }
    let report = verify(&w);
    assert_eq!(report["intact"], true, "{report}");
    assert!(report["events_checked"].as_i64().unwrap() >= 6);
    // Filters: by actor, by object type, and time windows.
    let by_school = events(&w, &format!("actor={}", w.user_a.id));
    assert_eq!(by_school.len(), 2);
    assert_eq!(events(&w, "object_type=consent").len(), 1);
    assert!(events(&w, "to=2000-01-01T00:00:00Z").is_empty());
}

#[test]
fn only_the_coordinator_reads_the_trail_and_only_the_cases_workers_read_its_access_log() {
    let w = world();
    let id = busy_case(&w);
    for u in [&w.worker_a, &w.user_a] {
        w.app
            .get("/api/v1/audit-events", Some(&u.token))
            .problem(403);
        w.app
            .get("/api/v1/audit-events/verify", Some(&u.token))
            .problem(403);
    }
    let log_path = format!("/api/v1/cases/{id}/access-log");
    let res = w.app.get(&log_path, Some(&w.worker_a.token));
    assert_eq!(res.status, 200, "{}", res.text());
    let log = res.json();
    let readers: Vec<(&str, &str)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "read")
        .map(|e| {
            (
                e["actor_name"].as_str().unwrap(),
                e["actor_role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        readers,
        [
            ("Test school", "school"),
            ("Test social_worker", "social_worker")
        ]
    );
    w.app.get(&log_path, Some(&w.worker_b.token)).problem(404);
    w.app.get(&log_path, Some(&w.coord.token)).problem(403);
    w.app.get(&log_path, Some(&w.user_a.token)).problem(403);
}

#[test]
fn a_read_of_a_case_shows_once_in_its_access_log_however_it_was_indexed() {
    // On PostgreSQL a read of a case is found by its event's object, with no row in
    // `audit_event_cases`; reads sealed before that change keep their row, so they are found both
    // ways. Each read still shows once, in the case's access log and in the trail by case.
    let w = world();
    let id = busy_case(&w);
    let reads_by_case = || -> Vec<Value> {
        events(&w, &format!("case={id}&limit=200"))
            .into_iter()
            .filter(|e| e["action"] == "read" && e["object_type"] == "case")
            .collect()
    };
    let log = access_log(&w, &id);
    let reads = log.iter().filter(|e| e["action"] == "read").count();
    assert_eq!(reads, 2, "the worker's and the school's read: {log:?}");
    let trail = reads_by_case();
    assert_eq!(trail.len(), 2, "{trail:?}");
    // Every read of a case gets its row, as the sealer wrote them before.
    w.app
        .conn()
        .batch_execute(
            "INSERT INTO audit_event_cases (case_id, seq) SELECT case_id, seq FROM audit_events \
             WHERE object_type = 'case' AND object_id = case_id ON CONFLICT DO NOTHING",
        )
        .unwrap();
    assert_eq!(access_log(&w, &id), log);
    assert_eq!(reads_by_case(), trail);
}

#[test]
fn the_audit_table_refuses_updates_and_deletes() {
    let w = world();
    busy_case(&w);
    // Verifying seals what is waiting, so the chain holds every event.
    assert_eq!(verify(&w)["intact"], true);
    let mut conn = w.app.conn();
    let update = conn.batch_execute("UPDATE audit_events SET actor_role = 'coordinator'");
    assert!(update.is_err(), "an UPDATE of the audit trail went through");
    let delete = conn.batch_execute("DELETE FROM audit_events");
    assert!(delete.is_err(), "a DELETE of the audit trail went through");
    assert_eq!(verify(&w)["intact"], true);
}

#[test]
fn verification_finds_an_altered_a_removed_and_an_inserted_event() {
    let attacks: [(&str, &str, i64); 4] = [
        (
            "altered",
            "UPDATE audit_events SET actor_role = 'coordinator' WHERE seq = 3",
            3,
        ),
        ("removed", "DELETE FROM audit_events WHERE seq = 3", 3),
        (
            "inserted",
            "INSERT INTO audit_events (seq, id, at, actor_id, actor_role, action, object_type, object_id, \
             case_id, request_id, client_addr, prev_hash, hash) SELECT 1000, 'forged', at, actor_id, actor_role, \
             action, object_type, object_id, case_id, request_id, client_addr, hash, hash FROM audit_events \
             WHERE seq = 8",
            9,
        ),
        (
            // The world's two assignments are events 1 and 2; the case's six follow.
            "truncated at the end",
            "DELETE FROM audit_events WHERE seq = 8",
            8,
        ),
    ];
    for (what, sql, broken_at) in attacks {
        let w = world();
        busy_case(&w);
        assert_eq!(verify(&w)["intact"], true);
        tamper(&mut w.app.conn(), sql);
        let report = verify(&w);
        assert_eq!(report["intact"], false, "{what}: {report}");
        assert_eq!(report["first_break"]["seq"], broken_at, "{what}: {report}");
    }
}

#[test]
fn concurrent_reads_are_each_audited_and_keep_one_chain() {
    let w = world();
    let id = busy_case(&w);
    let path = format!("/api/v1/cases/{id}");
    std::thread::scope(|s| {
        for _ in 0..32 {
            s.spawn(|| {
                let res = w.app.get(&path, Some(&w.worker_a.token));
                assert_eq!(res.status, 200, "{}", res.text());
            });
        }
    });
    let reads = events(&w, &format!("case={id}&limit=200"))
        .into_iter()
        .filter(|e| e["action"] == "read")
        .count();
    assert_eq!(reads, 2 + 32);
    let report = verify(&w);
    assert_eq!(report["intact"], true, "{report}");
}

#[test]
fn a_list_names_every_case_it_returned_and_the_cases_access_log_shows_the_list() {
    let w = world();
    let id = busy_case(&w);
    let other = w.case_by_school();
    let other = other["id"].as_str().unwrap().to_string();
    let listed = w
        .app
        .get("/api/v1/cases?limit=200", Some(&w.worker_a.token));
    assert_eq!(listed.status, 200, "{}", listed.text());
    let returned = crate::helpers::item_ids(&listed.json());
    assert!(returned.contains(&id) && returned.contains(&other));
    // One `list` event naming every case on the page, in order, and the cases (each once).
    let evs = events(
        &w,
        &format!("actor={}&object_type=case&limit=200", w.worker_a.id),
    );
    let lists: Vec<&Value> = evs.iter().filter(|e| e["action"] == "list").collect();
    assert_eq!(lists.len(), 1, "{evs:?}");
    let ids = |key: &str| -> Vec<String> {
        let v = lists[0][key]
            .as_array()
            .unwrap_or_else(|| panic!("{key}: {}", lists[0]));
        v.iter().map(|i| i.as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids("object_ids"), returned);
    assert_eq!(ids("case_ids"), returned);
    assert!(lists[0]["object_id"].is_null() && lists[0]["case_id"].is_null());
    // The case's access log shows that the worker listed it.
    let log = w.app.get(
        &format!("/api/v1/cases/{id}/access-log"),
        Some(&w.worker_a.token),
    );
    assert_eq!(log.status, 200, "{}", log.text());
    assert!(
        log.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "list" && e["actor_name"] == "Test social_worker"),
        "{}",
        log.text()
    );
    assert_eq!(verify(&w)["intact"], true);
}

/// On PostgreSQL a page's first read names its cases one by one and every later read of the same
/// page is found from it (migration 000260); on SQLite each read names its cases. Either way a
/// case's access log shows every read of every page that returned it, sealed together or apart,
/// and no read of a page that did not.
#[test]
fn every_read_of_a_page_shows_in_the_access_log_of_each_case_on_it_and_of_no_other() {
    let w = world();
    let id = busy_case(&w);
    let newest = w.case_by_school();
    let newest = newest["id"].as_str().unwrap().to_string();
    let list = |path: &str| {
        let res = w.app.get(path, Some(&w.worker_a.token));
        assert_eq!(res.status, 200, "{}", res.text());
        crate::helpers::item_ids(&res.json())
    };
    let lists_in_log = |case: &str| {
        access_log(&w, case)
            .iter()
            .filter(|e| e["action"] == "list")
            .count()
    };
    // Three reads of the whole page, one after the other (sealed in one batch or a few), then
    // the access log (which seals what waits), then two more reads of the same page.
    for _ in 0..3 {
        let page = list("/api/v1/cases?limit=200");
        assert!(page.contains(&id) && page.contains(&newest), "{page:?}");
    }
    assert_eq!(lists_in_log(&id), 3);
    for _ in 0..2 {
        list("/api/v1/cases?limit=200");
    }
    // A page of one case: the newest, not `id`.
    assert_eq!(list("/api/v1/cases?limit=1"), vec![newest.clone()]);
    assert_eq!(lists_in_log(&id), 5);
    assert_eq!(lists_in_log(&newest), 6);
    assert_eq!(verify(&w)["intact"], true);
}

#[test]
fn a_list_of_referrals_shows_in_the_access_log_of_each_case_it_named_and_of_no_other() {
    // A list of other objects names their cases in `case_ids` (on PostgreSQL found from the first
    // read of the page, on SQLite by the rows of `audit_event_cases` of every read).
    let f = crate::referrals::fixture();
    let w = &f.w;
    let referral = crate::referrals::id_of(&f.draft());
    let other = w.case_by_school();
    let other = crate::referrals::id_of(&other);
    let listed = f.get(&w.worker_a, "/api/v1/referrals?limit=200");
    assert_eq!(listed.status, 200, "{}", listed.text());
    let ids: Vec<String> = listed.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(crate::referrals::id_of)
        .collect();
    assert_eq!(ids, [referral]);
    let lists_in_log = |case: &str| -> usize {
        let log = f.get(&w.worker_a, &format!("/api/v1/cases/{case}/access-log"));
        assert_eq!(log.status, 200, "{}", log.text());
        log.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "list" && e["object_type"] == "referral")
            .count()
    };
    assert_eq!(lists_in_log(&f.case_id), 1);
    assert_eq!(lists_in_log(&other), 0);
    let evs = events(
        w,
        &format!("case={}&object_type=referral&limit=200", f.case_id),
    );
    assert_eq!(
        evs.iter().filter(|e| e["action"] == "list").count(),
        1,
        "{evs:?}"
    );
    assert_eq!(verify(w)["intact"], true);
}

#[test]
fn a_list_events_objects_are_part_of_its_hash() {
    let w = world();
    busy_case(&w);
    let listed = w.app.get("/api/v1/cases", Some(&w.worker_a.token));
    assert_eq!(listed.status, 200, "{}", listed.text());
    let evs = events(&w, &format!("actor={}&limit=200", w.worker_a.id));
    let list = evs
        .iter()
        .find(|e| e["action"] == "list")
        .expect("a list event");
    let seq = list["seq"].as_i64().unwrap();
    assert_eq!(verify(&w)["intact"], true);
    // Someone hides from the trail that one case was on the page.
    tamper(
        &mut w.app.conn(),
        &format!("UPDATE audit_events SET object_ids = '', case_ids = '' WHERE seq = {seq}"),
    );
    let report = verify(&w);
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["first_break"]["seq"], seq, "{report}");
}

/// Takes a signed checkpoint (as an auditor would keep it).
fn checkpoint(w: &World) -> Value {
    let res = w.app.post(
        "/api/v1/audit-events/checkpoints",
        Some(&w.coord.token),
        &json!({}),
    );
    assert!(res.status == 201 || res.status == 200, "{}", res.text());
    res.json()
}

fn verify_with(w: &World, kept: &[&Value]) -> Value {
    let res = w.app.post(
        "/api/v1/audit-events/verify",
        Some(&w.coord.token),
        &json!({ "checkpoints": kept }),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

/// Rewrites event `from` (its role) and recomputes its hash and every later one, and the head:
/// a chain that verifies on its own, as a careful attacker with database access leaves it.
fn rewrite_and_recompute(conn: &mut DbConn, from: i64) {
    use diesel::prelude::*;
    use kinderen_eerst::db::audit::{AuditRow, hash_of};
    use kinderen_eerst::db::schema::{audit_events as ev, audit_head as head};
    tamper(conn, "SELECT 1");
    if conn.backend() == Backend::Postgres {
        conn.batch_execute("ALTER TABLE audit_events DISABLE TRIGGER USER")
            .unwrap();
    }
    let mut rows: Vec<AuditRow> = ev::table
        .filter(ev::seq.ge(from - 1))
        .order(ev::seq)
        .select(AuditRow::as_select())
        .load(conn)
        .unwrap();
    let mut prev = rows[0].hash.clone();
    for r in rows.iter_mut().skip(1) {
        if r.seq == from {
            r.actor_role = "coordinator".into();
        }
        r.prev_hash = prev.clone();
        r.hash = hash_of(r);
        prev = r.hash.clone();
        diesel::update(ev::table.find(r.seq))
            .set((
                ev::actor_role.eq(&r.actor_role),
                ev::prev_hash.eq(&r.prev_hash),
                ev::hash.eq(&r.hash),
            ))
            .execute(conn)
            .unwrap();
    }
    diesel::update(head::table.find(1))
        .set(head::hash.eq(&prev))
        .execute(conn)
        .unwrap();
}

#[test]
fn checkpoints_kept_outside_show_every_tampering_naming_the_first_bad_event() {
    // (what, how) — each on a fresh world with checkpoint A, two more reads, checkpoint B; the
    // attack starts at the first event after A.
    type Attack = fn(&mut DbConn, i64, &Value, &Value);
    let attacks: [(&str, Attack); 5] = [
        ("an event edited", |c, t, _, _| {
            tamper(
                c,
                &format!("UPDATE audit_events SET actor_role = 'coordinator' WHERE seq = {t}"),
            )
        }),
        ("an event deleted", |c, t, _, _| {
            tamper(c, &format!("DELETE FROM audit_events WHERE seq = {t}"))
        }),
        ("an event inserted", |c, _, _, b| {
            let at = b["seq"].as_i64().unwrap();
            tamper(
                c,
                &format!(
                    "INSERT INTO audit_events (seq, id, at, actor_id, actor_role, action, object_type, object_id, \
                     case_id, request_id, client_addr, prev_hash, hash) SELECT {}, 'forged', at, actor_id, actor_role, \
                     action, object_type, object_id, case_id, request_id, client_addr, hash, hash FROM audit_events \
                     WHERE seq = {at}",
                    at + 5
                ),
            )
        }),
        ("the tail deleted and the head rewound", |c, t, a, _| {
            tamper(
                c,
                &format!(
                    "DELETE FROM audit_events WHERE seq >= {t}; UPDATE audit_head SET seq = {}, hash = '{}'",
                    a["seq"].as_i64().unwrap(),
                    a["hash"].as_str().unwrap()
                ),
            )
        }),
        (
            "an event edited and every later hash and the head recomputed",
            |c, t, _, _| rewrite_and_recompute(c, t),
        ),
    ];
    for (what, attack) in attacks {
        let w = world();
        let id = busy_case(&w);
        let a = checkpoint(&w);
        for _ in 0..2 {
            let r = w
                .app
                .get(&format!("/api/v1/cases/{id}"), Some(&w.worker_a.token));
            assert_eq!(r.status, 200);
        }
        let b = checkpoint(&w);
        let (sa, sb) = (a["seq"].as_i64().unwrap(), b["seq"].as_i64().unwrap());
        assert_eq!(sb, sa + 2, "{what}: two reads, two events");
        let before = verify_with(&w, &[&a, &b]);
        assert_eq!(before["intact"], true, "{what}: {before}");
        let first_bad = sa + 1;
        attack(&mut w.app.conn(), first_bad, &a, &b);
        let report = verify_with(&w, &[&a, &b]);
        assert_eq!(report["intact"], false, "{what}: {report}");
        let want = if what == "an event inserted" {
            sb + 1
        } else {
            first_bad
        };
        assert_eq!(report["first_break"]["seq"], want, "{what}: {report}");
        assert_eq!(
            report["checkpoints"][0]["finding"], "consistent",
            "{what}: {report}"
        );
        assert_eq!(report["checkpoints"][0]["signature_valid"], true);
        if what.starts_with("the tail") {
            assert_eq!(report["checkpoints"][1]["finding"], "removed", "{report}");
            // The chain alone looks fine: only the checkpoint tells.
            assert_eq!(verify(&w)["intact"], true);
        }
        if what.contains("recomputed") {
            assert_eq!(report["checkpoints"][1]["finding"], "rewritten", "{report}");
            assert_eq!(verify(&w)["intact"], true);
        }
    }
}

#[test]
fn a_checkpoint_is_signed_with_the_published_key_and_a_forged_one_is_not_believed() {
    let w = world();
    busy_case(&w);
    let cp = checkpoint(&w);
    let page = w
        .app
        .get("/api/v1/audit-events/checkpoints", Some(&w.coord.token));
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.json();
    assert_eq!(page["algorithm"], "Ed25519");
    assert_eq!(page["items"][0]["seq"], cp["seq"]);
    // The same head gives the same checkpoint.
    let again = w.app.post(
        "/api/v1/audit-events/checkpoints",
        Some(&w.coord.token),
        &json!({}),
    );
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["signature"], cp["signature"]);
    // A checkpoint with another hash under the same signature is not ours.
    let mut forged = cp.clone();
    forged["hash"] = json!("0".repeat(64));
    let report = verify_with(&w, &[&forged]);
    assert_eq!(report["checkpoints"][0]["signature_valid"], false);
    assert_eq!(report["checkpoints"][0]["finding"], "signature_invalid");
    // It is also an event on /events, so a city system keeps a copy.
    let events = w.app.get("/api/v1/events?limit=200", Some(&w.coord.token));
    assert_eq!(events.status, 200, "{}", events.text());
    assert!(
        events.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "audit.checkpoint" && e["data"]["signature"] == cp["signature"]),
        "{}",
        events.text()
    );
    // Only the coordinator.
    w.app
        .get("/api/v1/audit-events/checkpoints", Some(&w.worker_a.token))
        .problem(403);
}

/// The sealer deletes each waiting event as it links it; on PostgreSQL it also vacuums the
/// queue every `AUDIT_PENDING_VACUUM_EVENTS`, so the table does not keep every event ever read
/// as a dead row (this machine's PostgreSQL runs without autovacuum, as some do).
#[test]
fn the_sealer_vacuums_the_queue_of_waiting_events_on_postgresql() {
    let w = crate::cases::world_with(kinderen_eerst::config::Settings {
        audit_seal_interval_ms: 20,
        audit_pending_vacuum_events: 10,
        ..crate::helpers::test_settings()
    });
    let id = busy_case(&w);
    let path = format!("/api/v1/cases/{id}");
    let vacuums = || {
        use crate::metrics::{P, must, parse};
        let scrape = parse(&w.app.get("/metrics", None).text());
        must(&scrape, &format!("{P}audit_pending_vacuums_total"), &[])
    };
    let postgres = matches!(w.app.conn(), DbConn::Postgres(_));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // Reads until the sealer has vacuumed twice (PostgreSQL), or as many reads (SQLite).
    let mut reads = 0;
    while (postgres && vacuums() < 2.0) || (!postgres && reads < 40) {
        assert!(
            std::time::Instant::now() < deadline,
            "no vacuum after {reads} reads"
        );
        for _ in 0..10 {
            let res = w.app.get(&path, Some(&w.worker_a.token));
            assert_eq!(res.status, 200, "{}", res.text());
            reads += 1;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if postgres {
        // PostgreSQL counts the vacuums of the table itself too.
        let mut conn = w.app.conn();
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        use diesel::RunQueryDsl;
        let counted: Count = diesel::sql_query(
            "SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relname = 'audit_pending'",
        )
        .get_result(&mut conn)
        .unwrap();
        assert!(counted.n >= 1, "audit_pending was never vacuumed");
    } else {
        // SQLite reuses the pages the deleted rows leave: nothing to vacuum.
        assert_eq!(vacuums(), 0.0);
    }
    // Every read is still in the chain, which verifies.
    let logged = events(&w, &format!("case={id}&limit=200"))
        .into_iter()
        .filter(|e| e["action"] == "read")
        .count();
    assert_eq!(logged, 2 + reads);
    let report = verify(&w);
    assert_eq!(report["intact"], true, "{report}");
}
