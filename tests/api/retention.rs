//! A family's export and erasure, and retention: checked in the raw tables, on both backends.

use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use kinderen_eerst::db::schema::{
    audit_events, case_consents, case_contacts, case_needs, case_themes, cases,
};
use serde_json::{Value, json};

use crate::cases::{World, world};

const BIN: &str = env!("CARGO_BIN_EXE_kinderen-eerst");

/// A case of school A with two needs, a contact moment, both consents and feedback.
fn full_case(w: &World) -> String {
    let id = w.case_by_school()["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/cases/{id}");
    let posts = [
        (
            "needs",
            json!({"text": "Ouder: hulp bij de rekening", "theme": "school_costs", "raised_by": "parent"}),
        ),
        (
            "needs",
            json!({"text": "Kind: mee op schoolreis", "raised_by": "child"}),
        ),
        (
            "contact-moments",
            json!({"occurred_at": "2024-01-02T10:00:00Z", "kind": "phone", "summary": "Gebeld met moeder"}),
        ),
        (
            "consents",
            json!({"kind": "share_with_school", "given_by": "parent", "method": "written", "given_at": "2024-01-02T10:00:00Z"}),
        ),
    ];
    for (path, body) in posts {
        let res = w.post(&w.worker_a, &format!("{base}/{path}"), body);
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let res = w.put(
        &w.worker_a,
        &format!("{base}/feedback"),
        json!({"text": "Alles loopt goed."}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    id
}

fn close(w: &World, id: &str) {
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{id}/close"),
        json!({"outcome": "resolved", "note": "Afgerond met moeder"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
}

type Personal = (
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn personal(conn: &mut kinderen_eerst::db::DbConn, id: &str) -> Personal {
    cases::table
        .find(id)
        .select((
            cases::pupil_pseudonym,
            cases::pupil_birth_year,
            cases::pupil_class,
            cases::question,
            cases::family_name,
            cases::family_phone,
            cases::feedback_for_school,
            cases::outcome_note,
        ))
        .first(conn)
        .unwrap()
}

/// What statistics need, which erasure must keep.
fn skeleton(
    conn: &mut kinderen_eerst::db::DbConn,
    id: &str,
) -> (
    String,
    String,
    String,
    Option<String>,
    usize,
    Vec<String>,
    Vec<String>,
) {
    let (school, origin, status, outcome): (String, String, String, Option<String>) = cases::table
        .find(id)
        .select((
            cases::school_id,
            cases::origin,
            cases::status,
            cases::outcome,
        ))
        .first(conn)
        .unwrap();
    let themes: Vec<String> = case_themes::table
        .filter(case_themes::case_id.eq(id))
        .select(case_themes::theme_code)
        .load(conn)
        .unwrap();
    let raised: Vec<String> = case_needs::table
        .filter(case_needs::case_id.eq(id))
        .order(case_needs::created_at)
        .select(case_needs::raised_by)
        .load(conn)
        .unwrap();
    let contacts: i64 = case_contacts::table
        .filter(case_contacts::case_id.eq(id))
        .count()
        .get_result(conn)
        .unwrap();
    (
        school,
        origin,
        status,
        outcome,
        contacts as usize,
        themes,
        raised,
    )
}

fn texts_left(conn: &mut kinderen_eerst::db::DbConn, id: &str) -> (usize, usize, i64) {
    let needs: Vec<Option<String>> = case_needs::table
        .filter(case_needs::case_id.eq(id))
        .select(case_needs::text)
        .load(conn)
        .unwrap();
    let summaries: Vec<Option<String>> = case_contacts::table
        .filter(case_contacts::case_id.eq(id))
        .select(case_contacts::summary)
        .load(conn)
        .unwrap();
    let consents: i64 = case_consents::table
        .filter(case_consents::case_id.eq(id))
        .count()
        .get_result(conn)
        .unwrap();
    (
        needs.iter().flatten().count(),
        summaries.iter().flatten().count(),
        consents,
    )
}

fn retention_cli(w: &World, dry: bool) -> String {
    retention_cli_with(w, dry, &[])
}

fn retention_cli_with(w: &World, dry: bool, env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(BIN);
    cmd.args(["retention", "run"])
        .env("DATABASE_URL", &w.app.db_url)
        .env("RETENTION_MONTHS", "24")
        .envs(env.iter().copied());
    if dry {
        cmd.arg("--dry-run");
    }
    let out = cmd.output().unwrap();
    // Shown with a failing test: what the run logged (a table it could not rewrite, say).
    eprintln!("retention run: {}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A case closed 30 months ago, due for erasure.
fn due_case(w: &World) -> String {
    let id = full_case(w);
    close(w, &id);
    let long_ago = chrono::Utc::now()
        .naive_utc()
        .checked_sub_months(chrono::Months::new(30))
        .unwrap();
    diesel::update(cases::table.find(&id))
        .set(cases::closed_at.eq(long_ago))
        .execute(&mut w.app.conn())
        .unwrap();
    id
}

#[test]
fn an_operator_can_trade_the_table_rewrite_after_erasure_for_no_lock() {
    let w = world();
    let kinderen_eerst::db::DbConn::Postgres(pg) = &mut w.app.conn() else {
        return; // SQLite rewrites nothing: secure_delete and the WAL checkpoint do the work.
    };
    #[derive(diesel::QueryableByName)]
    struct Node {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        node: i64,
    }
    let mut node = || -> i64 {
        diesel::sql_query("SELECT pg_relation_filenode('cases')::bigint AS node")
            .get_result::<Node>(pg)
            .unwrap()
            .node
    };
    let before = node();
    due_case(&w);
    retention_cli_with(&w, false, &[("RETENTION_REWRITE_TABLES", "false")]);
    assert_eq!(
        node(),
        before,
        "RETENTION_REWRITE_TABLES=false rewrote the table"
    );
    due_case(&w);
    retention_cli(&w, false);
    assert_ne!(
        node(),
        before,
        "by default an erasure rewrites the erased tables"
    );
}

#[test]
fn retention_erases_exactly_the_cases_closed_longer_than_the_period() {
    let w = world();
    let old = full_case(&w);
    let recent = full_case(&w);
    let open = full_case(&w);
    close(&w, &old);
    close(&w, &recent);
    let mut conn = w.app.conn();
    // 30 months ago and 23 months ago, on either side of the 24-month boundary.
    let at = |months: u32| {
        chrono::Utc::now()
            .naive_utc()
            .checked_sub_months(chrono::Months::new(months))
            .unwrap()
    };
    diesel::update(cases::table.find(&old))
        .set(cases::closed_at.eq(at(30)))
        .execute(&mut conn)
        .unwrap();
    diesel::update(cases::table.find(&recent))
        .set(cases::closed_at.eq(at(23)))
        .execute(&mut conn)
        .unwrap();
    let before = skeleton(&mut conn, &old);
    let old_ref: String = cases::table
        .find(&old)
        .select(cases::reference)
        .first(&mut conn)
        .unwrap();

    let dry = retention_cli(&w, true);
    assert!(
        dry.contains("would erase the personal data of 1 case(s)"),
        "{dry}"
    );
    assert!(dry.contains(&old_ref), "{dry}");
    assert_eq!(
        texts_left(&mut conn, &old),
        (2, 1, 1),
        "a dry run erases nothing"
    );

    let run = retention_cli(&w, false);
    assert!(
        run.contains("erased the personal data of 1 case(s)"),
        "{run}"
    );
    assert_eq!(
        personal(&mut conn, &old),
        (None, None, None, None, None, None, None, None)
    );
    assert_eq!(texts_left(&mut conn, &old), (0, 0, 0));
    assert_eq!(
        skeleton(&mut conn, &old),
        before,
        "what statistics need stays"
    );
    for keep in [&recent, &open] {
        let p = personal(&mut conn, keep);
        assert_eq!(p.0.as_deref(), Some("5A-02"));
        assert_eq!(p.6.as_deref(), Some("Alles loopt goed."));
        assert_eq!(texts_left(&mut conn, keep), (2, 1, 1));
    }
    let erase_events: i64 = audit_events::table
        .filter(audit_events::action.eq("erase"))
        .filter(audit_events::case_id.eq(&old))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(erase_events, 1);
    let again = retention_cli(&w, false);
    assert!(
        again.contains("erased the personal data of 0 case(s)"),
        "{again}"
    );
    let report = w
        .app
        .get("/api/v1/audit-events/verify", Some(&w.coord.token))
        .json();
    assert_eq!(report["intact"], true, "{report}");
    // The worker sees what is left.
    let d = w
        .app
        .get(&format!("/api/v1/cases/{old}"), Some(&w.worker_a.token))
        .json();
    assert_eq!(d["pupil"], Value::Null);
    assert!(d["erased_at"].is_string());
    assert_eq!(d["needs"][0]["text"], Value::Null);
    assert_eq!(d["needs"][0]["raised_by"], "parent");
}

#[test]
fn the_export_holds_every_row_of_the_case_and_its_access_log() {
    let w = world();
    let id = full_case(&w);
    let res = w.app.get(
        &format!("/api/v1/cases/{id}/export?download=true"),
        Some(&w.worker_a.token),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let reference = res.json()["case"]["reference"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        res.header("content-disposition"),
        Some(format!("attachment; filename=\"{reference}.json\"").as_str())
    );
    let e = res.json();
    let mut conn = w.app.conn();
    let needs: i64 = case_needs::table
        .filter(case_needs::case_id.eq(&id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let contacts: i64 = case_contacts::table
        .filter(case_contacts::case_id.eq(&id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let consents: i64 = case_consents::table
        .filter(case_consents::case_id.eq(&id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let events: i64 = audit_events::table
        .filter(audit_events::case_id.eq(&id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(e["case"]["needs"].as_array().unwrap().len() as i64, needs);
    assert_eq!(
        e["case"]["contact_moments"].as_array().unwrap().len() as i64,
        contacts
    );
    assert_eq!(
        e["case"]["consents"].as_array().unwrap().len() as i64,
        consents
    );
    assert_eq!(e["case"]["family"]["interpreter_needed"], false);
    assert_eq!(e["case"]["feedback_for_school"], "Alles loopt goed.");
    assert_eq!(e["access_log"].as_array().unwrap().len() as i64, events);
    assert_eq!(
        e["access_log"].as_array().unwrap().last().unwrap()["action"],
        "export",
        "the export is audited, and in its own log"
    );
    w.app
        .get(
            &format!("/api/v1/cases/{id}/export"),
            Some(&w.worker_b.token),
        )
        .problem(404);
    w.app
        .get(&format!("/api/v1/cases/{id}/export"), Some(&w.coord.token))
        .problem(403);
    w.app
        .get(&format!("/api/v1/cases/{id}/export"), Some(&w.user_a.token))
        .problem(403);
}

#[test]
fn erasing_on_request_keeps_the_statistical_skeleton() {
    let w = world();
    let id = full_case(&w);
    let erase = |body: Value| w.post(&w.worker_a, &format!("/api/v1/cases/{id}/erase"), body);
    let p = erase(json!({"reason": "Verzoek van de ouder"})).problem(409);
    assert_eq!(p["current_state"], "new");
    erase(json!({})).problem(422);
    close(&w, &id);
    let meta_before = w
        .app
        .get(&format!("/api/v1/cases/{id}"), Some(&w.coord.token))
        .json();
    let mut conn = w.app.conn();
    let before = skeleton(&mut conn, &id);
    let res = erase(json!({"reason": "Verzoek van de ouder"}));
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["family"]["name"], Value::Null);
    assert_eq!(
        personal(&mut conn, &id),
        (None, None, None, None, None, None, None, None)
    );
    assert_eq!(texts_left(&mut conn, &id), (0, 0, 0));
    assert_eq!(skeleton(&mut conn, &id), before);
    let mut meta_after = w
        .app
        .get(&format!("/api/v1/cases/{id}"), Some(&w.coord.token))
        .json();
    meta_after["updated_at"] = meta_before["updated_at"].clone();
    assert_eq!(
        meta_after, meta_before,
        "the coordinator's figures do not change"
    );
    erase(json!({"reason": "nog eens"})).problem(409);
    w.post(
        &w.worker_b,
        &format!("/api/v1/cases/{id}/erase"),
        json!({"reason": "x"}),
    )
    .problem(404);
    // On SQLite, erased values are overwritten in the file, not left in free pages.
    if w.app.state.db.backend == kinderen_eerst::db::Backend::Sqlite {
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        let bytes = std::fs::read(&w.app.db_url).unwrap();
        let needle = b"Gebeld met moeder";
        assert!(
            !bytes.windows(needle.len()).any(|win| win == needle),
            "the erased summary is still in the database file"
        );
    }
}

/// Referrals: in the family's export with their history; on erasure their messages and the
/// partner's words go, their statuses stay; an override shows in the audit trail.
#[test]
fn referrals_are_exported_erased_and_an_override_is_audited() {
    use kinderen_eerst::db::schema::{referral_transitions, referrals};
    let f = crate::referrals::fixture();
    let w = &f.w;
    f.consent("refer_to_partner", Some(&f.partner));
    let r = crate::referrals::id_of(&f.draft());
    for step in ["send", "accept", "start", "complete"] {
        f.step(&r, step);
    }
    let other = crate::referrals::id_of(&f.draft_for(&f.other_service));
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/referrals/{other}/send"),
        json!({"consent_override": {"legal_basis": "vital_interest", "reason": "Kind in gevaar"}}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let overrides = w
        .app
        .get(
            &format!("/api/v1/audit-events?object_id={other}"),
            Some(&w.coord.token),
        )
        .json();
    assert!(
        overrides["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "consent_override"),
        "{overrides}"
    );

    let export = w
        .app
        .get(
            &format!("/api/v1/cases/{}/export", f.case_id),
            Some(&w.worker_a.token),
        )
        .json();
    let exported = export["referrals"].as_array().unwrap();
    assert_eq!(exported.len(), 2);
    assert_eq!(exported[0]["id"], r.as_str());
    assert_eq!(exported[0]["status"], "completed");
    assert_eq!(
        exported[0]["history"].as_array().unwrap().len(),
        5,
        "{}",
        exported[0]
    );

    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/referrals/{other}/cancel"),
        json!({"reason": "opgelost"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    close(w, &f.case_id);
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{}/erase", f.case_id),
        json!({"reason": "verzoek"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let mut conn = w.app.conn();
    type Left = (String, Option<String>, Option<String>, Option<String>);
    let left: Vec<Left> = referrals::table
        .filter(referrals::case_id.eq(&f.case_id))
        .order(referrals::created_at)
        .select((
            referrals::status,
            referrals::message_for_partner,
            referrals::outcome,
            referrals::partner_contact_name,
        ))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        left,
        vec![
            ("completed".to_string(), None, None, None),
            ("cancelled".to_string(), None, None, None)
        ]
    );
    let comments: i64 = referral_transitions::table
        .filter(referral_transitions::referral_id.eq_any([&r, &other]))
        .filter(referral_transitions::comment.is_not_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(comments, 0);
}

/// Every text of every row of every table, on PostgreSQL (`row::text`).
fn pg_table_texts(pg: &mut diesel::PgConnection) -> Vec<(String, String)> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        row: String,
    }
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()",
    )
    .load(pg)
    .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let rows: Vec<Row> =
            diesel::sql_query(format!("SELECT t::text AS row FROM \"{}\" t", t.name))
                .load(pg)
                .unwrap();
        out.extend(rows.into_iter().map(|r| (t.name.clone(), r.row)));
    }
    // Planner statistics sample column values (histograms, common values).
    let stats: Vec<Row> = diesel::sql_query(
        "SELECT s::text AS row FROM pg_stats s WHERE schemaname = current_schema()",
    )
    .load(pg)
    .unwrap();
    out.extend(stats.into_iter().map(|r| ("pg_stats".to_string(), r.row)));
    out
}

/// The raw files of every table, TOAST table and index, as PostgreSQL wrote them after a
/// checkpoint; `None` when the test's role may not read server files.
fn pg_relation_files(pg: &mut diesel::PgConnection) -> Option<Vec<(String, Vec<u8>)>> {
    #[derive(QueryableByName)]
    struct File {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Binary)]
        bytes: Vec<u8>,
    }
    pg.batch_execute("CHECKPOINT").ok()?;
    diesel::sql_query(
        "SELECT c.relname::text AS name, pg_read_binary_file(pg_relation_filepath(c.oid)) AS bytes \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 't', 'i') AND c.relfilenode <> 0 \
         AND (n.nspname = current_schema() OR n.nspname = 'pg_toast') \
         AND pg_relation_size(c.oid) > 0",
    )
    .load::<File>(pg)
    .ok()
    .map(|files| files.into_iter().map(|f| (f.name, f.bytes)).collect())
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    bytes.windows(n.len()).any(|w| w == n)
}

/// After `erase` and a retention run, the erased values are nowhere in the database: not in a
/// table (audit trail, events, the answers kept for idempotent retries included), and on
/// SQLite not in any of its files as raw bytes (database, WAL, shared memory).
#[test]
fn erasure_leaves_no_copy_of_the_values_in_any_file_of_the_database() {
    let w = world();
    let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
    let marker = |what: &str| format!("Mrk{what}{tag}");
    let markers: Vec<String> = [
        "Family",
        "Phone",
        "Question",
        "Need",
        "Contact",
        "Closing",
        "Pseudo",
        "Consent",
        "NeedFix",
        "NeedWhy",
        "ContactFix",
        "ContactWhy",
        "Feedback",
    ]
    .iter()
    .map(|m| marker(m))
    .collect();
    let with_key = |path: &str, body: &Value, key: &str| {
        w.app.request(
            "POST",
            path,
            Some(&w.worker_a.token),
            Some(("application/json", body.to_string().into_bytes())),
            &[("idempotency-key", key)],
        )
    };
    let create = json!({"school_id": w.school_a, "origin": "parent", "themes": ["housing"],
        "pupil": {"pseudonym": marker("Pseudo"), "birth_year": 2016, "class": "4B"},
        "family": {"name": marker("Family"), "phone": marker("Phone"), "language": "Frans"},
        "question": format!("{} en nog een lange uitleg {}", marker("Question"), "x".repeat(3000))});
    let create_key = uuid::Uuid::new_v4().to_string();
    let res = with_key("/api/v1/cases", &create, &create_key);
    assert_eq!(res.status, 201, "{}", res.text());
    let id = res.json()["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/cases/{id}");
    let res = with_key(
        &format!("{base}/needs"),
        &json!({"text": marker("Need"), "raised_by": "parent"}),
        &uuid::Uuid::new_v4().to_string(),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    for (path, body) in [
        (
            "contact-moments",
            json!({"occurred_at": "2024-01-02T10:00:00Z", "kind": "phone", "summary": marker("Contact")}),
        ),
        (
            "consents",
            json!({"kind": "share_with_school", "given_by": "parent", "method": "written",
                   "given_at": "2024-01-02T10:00:00Z", "note": marker("Consent")}),
        ),
    ] {
        let res = w.post(&w.worker_a, &format!("{base}/{path}"), body);
        assert_eq!(res.status, 201, "{}", res.text());
    }
    // Corrected: the earlier texts go to the histories, which erasure must take along.
    let needs = w
        .app
        .get(&format!("{base}/needs"), Some(&w.worker_a.token))
        .json();
    let contacts = w
        .app
        .get(&format!("{base}/contact-moments"), Some(&w.worker_a.token))
        .json();
    for (path, body) in [
        (
            format!("{base}/needs/{}", needs[0]["id"].as_str().unwrap()),
            json!({"text": marker("NeedFix"), "reason": marker("NeedWhy")}),
        ),
        (
            format!(
                "{base}/contact-moments/{}",
                contacts[0]["id"].as_str().unwrap()
            ),
            json!({"summary": marker("ContactFix"), "reason": marker("ContactWhy")}),
        ),
    ] {
        let res = w.app.request(
            "PATCH",
            &path,
            Some(&w.worker_a.token),
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        );
        assert_eq!(res.status, 200, "{}", res.text());
    }
    let res = w.put(
        &w.worker_a,
        &format!("{base}/feedback"),
        json!({"text": marker("Feedback")}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    // Read, so the audit trail records accesses; and exported.
    assert_eq!(w.app.get(&base, Some(&w.worker_a.token)).status, 200);
    assert_eq!(
        w.app
            .get(&format!("{base}/export"), Some(&w.worker_a.token))
            .status,
        200
    );
    let res = w.post(
        &w.worker_a,
        &format!("{base}/close"),
        json!({"outcome": "resolved", "note": marker("Closing")}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(
        &w.worker_a,
        &format!("{base}/erase"),
        json!({"reason": "Verzoek van de ouder"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());

    // A retry of the creation neither gets the erased answer back nor creates the case again.
    let retry = with_key("/api/v1/cases", &create, &create_key);
    assert_eq!(retry.status, 410, "{}", retry.text());
    for m in &markers {
        assert!(!retry.text().contains(m.as_str()), "{}", retry.text());
    }
    retention_cli(&w, false);

    let mut conn = w.app.conn();
    let cases_now: i64 = cases::table.count().get_result(&mut conn).unwrap();
    assert_eq!(cases_now, 1, "the retry created nothing");
    match &mut conn {
        kinderen_eerst::db::DbConn::Postgres(pg) => {
            for (table, row) in pg_table_texts(pg) {
                for m in &markers {
                    assert!(
                        !row.contains(m.as_str()),
                        "`{m}` is still in {table}: {row}"
                    );
                }
            }
            match pg_relation_files(pg) {
                Some(files) => {
                    for (name, bytes) in files {
                        for m in &markers {
                            assert!(!holds(&bytes, m), "`{m}` is still in the file of {name}");
                        }
                    }
                }
                None => {
                    eprintln!("cannot read PostgreSQL's files here; only the tables were checked")
                }
            }
        }
        kinderen_eerst::db::DbConn::Sqlite(_) => {
            let db = std::path::Path::new(&w.app.db_url);
            let dir = db.parent().unwrap();
            let mut read = 0;
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                read += 1;
                for m in &markers {
                    assert!(
                        !holds(&bytes, m),
                        "`{m}` is still in {}",
                        path.file_name().unwrap().to_string_lossy()
                    );
                }
            }
            assert!(read >= 2, "read the database and its WAL at least");
        }
    }
}
