//! Erasing a family's personal data: on request (one case) and by retention (every case closed
//! longer than `RETENTION_MONTHS`, and checklist submissions and consult requests that ended
//! without a case that long ago). What statistics need stays: the school, themes, origin,
//! priority, dates, status, outcome, whether the family was known to the OCMW, the kinds and
//! dates of needs and contact moments. The values are overwritten in place (NULL), and no copy
//! is left behind: answers kept for idempotent retries that mention the case are replaced;
//! SQLite runs with `secure_delete` and its write-ahead log is checkpointed and truncated after
//! every erasure (`flush`); on PostgreSQL the old row versions stay in the table files until
//! the tables are rewritten, which the retention run does for the tables erasure touches (see
//! the README for what PostgreSQL still keeps: WAL segments, replicas, backups).

use chrono::{Months, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::audit::{self, NewEvent};
use crate::db::idempotency::{self, StoredAnswer};
use crate::db::schema::{
    agenda_items, case_consents, case_contact_history, case_contacts, case_need_history,
    case_needs, cases, checklist_answers, checklist_submissions, consult_requests,
    referral_transitions, referrals, settings,
};
use crate::db::{Backend, Db, DbConn, now, write_tx};
use crate::error::{ApiError, ApiResult, PROBLEM_CONTENT_TYPE};

/// The tables erasure changes: on PostgreSQL the retention run rewrites them.
const ERASED_TABLES: &[&str] = &[
    "cases",
    "case_needs",
    "case_contacts",
    "case_need_history",
    "case_contact_history",
    "case_consents",
    "agenda_items",
    "referrals",
    "referral_transitions",
    "referral_messages",
    "consult_requests",
    "checklist_submissions",
    "checklist_answers",
    "idempotency_keys",
];

/// The settings key whose presence says an erasure happened since the tables were last rewritten.
const VACUUM_PENDING: &str = "erasure_vacuum_pending";

/// Erases the personal data of one case. Call inside a write transaction; after the commit,
/// call `flush` so that no copy stays in the database's files.
pub fn erase_case(conn: &mut DbConn, case_id: &str, reason: &str) -> QueryResult<()> {
    let at = now();
    // Everything of the case a stored answer could name, before the rows change or go.
    let mut ids: Vec<String> = vec![case_id.to_string()];
    ids.extend(
        case_needs::table
            .filter(case_needs::case_id.eq(case_id))
            .select(case_needs::id)
            .load::<String>(conn)?,
    );
    ids.extend(
        case_contacts::table
            .filter(case_contacts::case_id.eq(case_id))
            .select(case_contacts::id)
            .load::<String>(conn)?,
    );
    ids.extend(
        case_consents::table
            .filter(case_consents::case_id.eq(case_id))
            .select(case_consents::id)
            .load::<String>(conn)?,
    );
    diesel::update(cases::table.find(case_id))
        .set((
            cases::pupil_pseudonym.eq(None::<String>),
            cases::pupil_birth_year.eq(None::<i32>),
            cases::pupil_class.eq(None::<String>),
            cases::question.eq(None::<String>),
            cases::family_name.eq(None::<String>),
            cases::family_phone.eq(None::<String>),
            cases::family_language.eq(None::<String>),
            cases::interpreter_needed.eq(None::<bool>),
            cases::feedback_for_school.eq(None::<String>),
            cases::feedback_at.eq(None::<NaiveDateTime>),
            cases::feedback_consent_id.eq(None::<String>),
            cases::outcome_note.eq(None::<String>),
            cases::erased_at.eq(Some(at)),
            cases::erasure_reason.eq(Some(reason)),
            cases::updated_at.eq(at),
        ))
        .execute(conn)?;
    diesel::update(case_needs::table.filter(case_needs::case_id.eq(case_id)))
        .set(case_needs::text.eq(None::<String>))
        .execute(conn)?;
    diesel::update(case_contacts::table.filter(case_contacts::case_id.eq(case_id)))
        .set(case_contacts::summary.eq(None::<String>))
        .execute(conn)?;
    // Earlier versions of corrected needs and contact moments: nothing of them stays (the
    // audit trail keeps that a correction happened, never what it said).
    diesel::delete(case_need_history::table.filter(case_need_history::case_id.eq(case_id)))
        .execute(conn)?;
    diesel::delete(case_contact_history::table.filter(case_contact_history::case_id.eq(case_id)))
        .execute(conn)?;
    // Agenda items stay on their meeting's agenda (anonymised, the network's record); only their
    // link to the family goes.
    diesel::update(agenda_items::table.filter(agenda_items::case_id.eq(case_id)))
        .set(agenda_items::case_id.eq(None::<String>))
        .execute(conn)?;
    diesel::delete(case_consents::table.filter(case_consents::case_id.eq(case_id)))
        .execute(conn)?;
    // Referrals keep their statuses and dates; what was written about the family goes.
    let referral_ids: Vec<String> = referrals::table
        .filter(referrals::case_id.eq(case_id))
        .select(referrals::id)
        .load(conn)?;
    diesel::update(referrals::table.filter(referrals::case_id.eq(case_id)))
        .set((
            referrals::message_for_partner.eq(None::<String>),
            referrals::partner_contact_name.eq(None::<String>),
            referrals::decline_reason.eq(None::<String>),
            referrals::outcome.eq(None::<String>),
            referrals::consent_override_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(
        referral_transitions::table.filter(referral_transitions::referral_id.eq_any(&referral_ids)),
    )
    .set(referral_transitions::comment.eq(None::<String>))
    .execute(conn)?;
    // The thread with the partner: the texts go, who wrote when stays.
    crate::db::referral_messages::erase_for_cases(conn, &[case_id.to_string()])?;
    let consults: Vec<String> = consult_requests::table
        .filter(consult_requests::case_id.eq(case_id))
        .select(consult_requests::id)
        .load(conn)?;
    erase_consults(conn, &consults)?;
    let submissions: Vec<String> = checklist_submissions::table
        .filter(checklist_submissions::case_id.eq(case_id))
        .select(checklist_submissions::id)
        .load(conn)?;
    for s in &submissions {
        erase_submission(conn, s)?;
    }
    ids.extend(referral_ids);
    ids.extend(consults);
    ids.extend(submissions);
    forget_answers(conn, &ids)?;
    if conn.backend() == Backend::Postgres {
        conn.batch_execute(&format!(
            "INSERT INTO settings (key, value, updated_at) VALUES ('{VACUUM_PENDING}', '', \
             CURRENT_TIMESTAMP) ON CONFLICT (key) DO NOTHING"
        ))?;
    }
    Ok(())
}

/// Replaces the answers kept for idempotent retries that name one of `ids`: the first answer
/// to creating a case, adding a need or closing it holds what was just erased. A retry with
/// such a key gets 410 and writes nothing.
fn forget_answers(conn: &mut DbConn, ids: &[String]) -> QueryResult<()> {
    let gone = StoredAnswer {
        status: 410,
        content_type: Some(PROBLEM_CONTENT_TYPE.into()),
        location: None,
        etag: None,
        // Kept for any later retry, whose language is not known now: the default, Dutch.
        body: serde_json::json!({
            "type": "urn:kinderen-eerst:problem:gone",
            "code": crate::i18n::Code::AnswerErased.as_str(),
            "title": crate::i18n::Code::TitleGone.text(crate::i18n::Lang::Nl),
            "status": 410,
            "detail": crate::i18n::Code::AnswerErased.text(crate::i18n::Lang::Nl),
        })
        .to_string(),
    };
    for id in ids {
        idempotency::replace_answers_mentioning(conn, id, &gone)?;
    }
    Ok(())
}

/// After an erasure has committed: leaves no copy of the erased values in the database's
/// files. On SQLite the write-ahead log still holds the pages as they were before; a
/// checkpoint writes the new pages into the database file (where `secure_delete` already
/// zeroed the old values) and truncates the log. On PostgreSQL nothing can be done inside a
/// request: the retention run rewrites the tables (see `rewrite_if_erased`).
pub fn flush(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Sqlite(c) = conn {
        // Waits (busy timeout) for readers of older snapshots; reports `busy` if one stays.
        let busy: i32 = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
            .get_result::<Checkpoint>(c)?
            .busy;
        if busy != 0 {
            log::warn!("the WAL checkpoint after an erasure could not finish; the next one will");
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

#[derive(QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
}

/// What a retention run does on PostgreSQL after an erasure (`RETENTION_REWRITE_TABLES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewrite {
    /// `VACUUM FULL` of the tables erasure touches: no erased byte stays in their files, but
    /// each table is locked (reads and writes wait) while it is rewritten.
    Tables,
    /// A plain `VACUUM`: no lock; the old row versions' space is marked free and their bytes
    /// stay in the files until reused.
    VacuumOnly,
}

impl Rewrite {
    pub fn from_setting(rewrite_tables: bool) -> Rewrite {
        if rewrite_tables {
            Rewrite::Tables
        } else {
            Rewrite::VacuumOnly
        }
    }
}

/// How long the rewrite waits for a table's lock before it gives way to the service.
const LOCK_WAIT: &str = "5s";

/// On PostgreSQL, when an erasure happened since the last rewrite: rewrites the tables erasure
/// touches (`VACUUM FULL`). A plain vacuum only marks the space of the old row versions free;
/// their bytes stay in the table files until reused. The rewrite locks each table while it
/// runs; it waits at most `LOCK_WAIT` for the lock, and when it cannot have it a plain vacuum
/// runs instead and the next run tries the rewrite again. Statistics are analysed afresh (they
/// sample column values). VACUUM cannot run in a transaction: `conn` must not be in one.
fn rewrite_if_erased(conn: &mut DbConn, erased_now: bool, rewrite: Rewrite) -> QueryResult<()> {
    if conn.backend() != Backend::Postgres {
        return Ok(());
    }
    let pending = crate::db::settings::get(conn, VACUUM_PENDING)?.is_some();
    if !(erased_now || pending) {
        return Ok(());
    }
    let DbConn::Postgres(c) = conn else {
        return Ok(());
    };
    let setting = |c: &mut PgConnection, name: &str| -> QueryResult<String> {
        Ok(
            diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
                .get_result::<Setting>(c)?
                .value
                .replace('\'', ""),
        )
    };
    let (statement, lock) = (
        setting(c, "statement_timeout")?,
        setting(c, "lock_timeout")?,
    );
    // A rewrite of large tables may outlast the timeout meant for requests.
    c.batch_execute(&format!(
        "SET statement_timeout = 0; SET lock_timeout = '{LOCK_WAIT}'"
    ))?;
    let unseen = wait_for_older_snapshots(c);
    // One table at a time, each a few tries: a table whose lock stays busy is vacuumed instead
    // (and rewritten on the next run), without holding back the others.
    let mut rewritten = true;
    for table in ERASED_TABLES {
        let done = match rewrite {
            Rewrite::Tables => rewrite_table(c, table),
            // Chosen by the operator: no exclusive lock, the freed space keeps the bytes until
            // reused.
            Rewrite::VacuumOnly => c.batch_execute(&format!("VACUUM (ANALYZE) {table}")),
        };
        if let Err(e) = done {
            rewritten = false;
            log::warn!("rewriting {table} after an erasure failed ({e}); vacuuming it instead");
            if let Err(e) = c.batch_execute(&format!("VACUUM (ANALYZE) {table}")) {
                log::warn!("vacuum of {table} after an erasure failed: {e}");
            }
        }
    }
    // Earlier statistics may have sampled erased values; only the catalog's owner may rewrite
    // them (for anyone else PostgreSQL skips it with a warning).
    let _ = c.batch_execute("VACUUM FULL pg_catalog.pg_statistic");
    c.batch_execute(&format!(
        "SET statement_timeout = '{statement}'; SET lock_timeout = '{lock}'"
    ))?;
    if rewritten && unseen {
        diesel::delete(settings::table.filter(settings::key.eq(VACUUM_PENDING))).execute(conn)?;
    }
    Ok(())
}

/// `VACUUM (FULL, ANALYZE)` of one table, tried up to three times when its lock is busy.
fn rewrite_table(c: &mut PgConnection, table: &str) -> QueryResult<()> {
    let mut tries = 0;
    loop {
        tries += 1;
        match c.batch_execute(&format!("VACUUM (FULL, ANALYZE) {table}")) {
            Err(e) if tries < 3 => {
                log::info!("rewriting {table}: {e}; trying again");
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            done => return done,
        }
    }
}

/// How long the rewrite waits for transactions older than itself to end.
const SNAPSHOT_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Waits (at most `SNAPSHOT_WAIT`) until no other session of this database still runs a
/// transaction that began before now: such a transaction may still see the erased row
/// versions, and a rewrite keeps every version some transaction may see. On a busy service
/// these are requests of a few milliseconds. Past the wait the rewrite goes ahead anyway, with
/// a warning, and `false` is returned: the erasure stays pending, so the next run rewrites
/// again.
fn wait_for_older_snapshots(c: &mut PgConnection) -> bool {
    let older = |c: &mut PgConnection, since: &str| -> QueryResult<i64> {
        Ok(diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL AND xact_start < '{since}'"
        ))
        .get_result::<Count>(c)?
        .n)
    };
    let since = match diesel::sql_query("SELECT clock_timestamp()::text AS value")
        .get_result::<Setting>(c)
    {
        Ok(s) => s.value,
        Err(e) => {
            log::warn!("erasure rewrite: cannot read the clock ({e}); not waiting");
            return false;
        }
    };
    let started = std::time::Instant::now();
    loop {
        match older(c, &since) {
            Ok(0) => return true,
            Ok(n) if started.elapsed() >= SNAPSHOT_WAIT => {
                log::warn!(
                    "erasure rewrite: {n} session(s) still in a transaction after {}s; \
                     rewriting anyway, and again on the next run (what they may still see \
                     stays in the files until then)",
                    SNAPSHOT_WAIT.as_secs()
                );
                return false;
            }
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(e) => {
                log::warn!("erasure rewrite: cannot read the sessions ({e}); not waiting");
                return false;
            }
        }
    }
}

/// Erases what a checklist submission says about the pupil (label, class, context, remarks,
/// the worker's notes), keeping its school, version, dates, concern and the answers themselves.
pub fn erase_submission(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::update(checklist_submissions::table.find(id))
        .set((
            checklist_submissions::pupil_pseudonym.eq(""),
            checklist_submissions::class_name.eq(""),
            checklist_submissions::context.eq(""),
            checklist_submissions::triage_note.eq(None::<String>),
            checklist_submissions::no_action_reason.eq(None::<String>),
            checklist_submissions::advice_for_school.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(checklist_answers::table.filter(checklist_answers::submission_id.eq(id)))
        .set(checklist_answers::remark.eq(None::<String>))
        .execute(conn)?;
    Ok(())
}

/// Erases what consult requests say (the school's reason, the worker's notes), keeping
/// school, dates, urgency, status and themes.
fn erase_consults(conn: &mut DbConn, ids: &[String]) -> QueryResult<usize> {
    diesel::update(consult_requests::table.filter(consult_requests::id.eq_any(ids)))
        .set((
            consult_requests::reason.eq(""),
            consult_requests::outcome_note.eq(None::<String>),
            consult_requests::cancel_reason.eq(None::<String>),
        ))
        .execute(conn)
}

/// Consult requests that ended without a case before `cutoff`, not erased yet.
fn stale_consults(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<Vec<String>> {
    consult_requests::table
        .filter(consult_requests::status.eq_any(["done", "cancelled"]))
        .filter(consult_requests::case_id.is_null())
        .filter(consult_requests::updated_at.lt(cutoff))
        .filter(consult_requests::reason.ne(""))
        .select(consult_requests::id)
        .load(conn)
}

/// Submissions that never became a case, decided before `cutoff`, not erased yet.
fn stale_submissions(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<Vec<String>> {
    checklist_submissions::table
        .filter(checklist_submissions::status.eq("no_action"))
        .filter(checklist_submissions::decided_at.lt(cutoff))
        .filter(checklist_submissions::pupil_pseudonym.ne(""))
        .select(checklist_submissions::id)
        .load(conn)
}

/// A case whose personal data retention would erase.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: String,
    pub reference: String,
    pub closed_at: NaiveDateTime,
}

/// The cutoff: cases closed before it are past retention.
pub fn cutoff(months: u32, at: NaiveDateTime) -> NaiveDateTime {
    at.checked_sub_months(Months::new(months)).unwrap_or(at)
}

/// Cases closed before `cutoff` whose personal data is still there, oldest first.
pub fn due(conn: &mut DbConn, cutoff: NaiveDateTime, limit: i64) -> QueryResult<Vec<Due>> {
    cases::table
        .filter(cases::status.eq("closed"))
        .filter(cases::closed_at.lt(cutoff))
        .filter(cases::erased_at.is_null())
        .order((cases::closed_at, cases::id))
        .limit(limit)
        .select((cases::id, cases::reference, cases::closed_at))
        .load::<(String, String, Option<NaiveDateTime>)>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(|(id, reference, closed_at)| Due {
                    id,
                    reference,
                    closed_at: closed_at.unwrap_or_default(),
                })
                .collect()
        })
}

pub fn count_due(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<i64> {
    cases::table
        .filter(cases::status.eq("closed"))
        .filter(cases::closed_at.lt(cutoff))
        .filter(cases::erased_at.is_null())
        .count()
        .get_result(conn)
}

/// What a retention pass did (or, dry, would do).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub cutoff: NaiveDateTime,
    pub dry_run: bool,
    pub erased: Vec<Due>,
    /// Checklist submissions that never became a case, erased too.
    pub submissions_erased: usize,
}

const BATCH: i64 = 200;

/// One retention pass. Each batch of cases is erased in its own transaction, with one audit
/// event per case (actor `system`), so a long pass holds no lock for long and an interrupted
/// one simply continues next time. `progress(done, total)` is called after every batch.
pub fn run(
    db: &Db,
    months: u32,
    dry_run: bool,
    rewrite: Rewrite,
    progress: impl FnMut(usize, i64),
) -> ApiResult<Report> {
    let started = std::time::Instant::now();
    let result = run_pass(db, months, dry_run, rewrite, progress);
    let m = &db.metrics;
    if !dry_run {
        match &result {
            Ok(report) => {
                m.retention_runs.with_label_values(&["ok"]).inc();
                m.retention_cases_erased.inc_by(report.erased.len() as u64);
                m.retention_last_success.set(chrono::Utc::now().timestamp());
            }
            Err(_) => m.retention_runs.with_label_values(&["failed"]).inc(),
        }
        m.retention_last_duration_ms
            .set(started.elapsed().as_millis() as i64);
    }
    result
}

fn run_pass(
    db: &Db,
    months: u32,
    dry_run: bool,
    rewrite: Rewrite,
    mut progress: impl FnMut(usize, i64),
) -> ApiResult<Report> {
    let mut conn = db.pool.get()?;
    let cutoff = cutoff(months, now());
    let total = count_due(&mut conn, cutoff)?;
    let mut report = Report {
        cutoff,
        dry_run,
        ..Report::default()
    };
    if dry_run {
        report.erased = due(&mut conn, cutoff, i64::MAX)?;
        progress(report.erased.len(), total);
        return Ok(report);
    }
    loop {
        let batch = write_tx(&mut conn, |c| -> ApiResult<Vec<Due>> {
            let batch = due(c, cutoff, BATCH)?;
            for d in &batch {
                erase_case(c, &d.id, "retention")?;
                audit::append(
                    c,
                    NewEvent {
                        actor_id: None,
                        actor_role: "system".into(),
                        action: "erase".into(),
                        object_type: "case".into(),
                        object_id: Some(d.id.clone()),
                        case_id: Some(d.id.clone()),
                        request_id: "retention".into(),
                        client_addr: "local".into(),
                        object_ids: None,
                        case_ids: None,
                    },
                )?;
            }
            Ok(batch)
        })?;
        if batch.is_empty() {
            break;
        }
        report.erased.extend(batch);
        progress(report.erased.len(), total);
    }
    let (submissions, consults) = write_tx(&mut conn, |c| -> ApiResult<(usize, usize)> {
        let stale = stale_submissions(c, cutoff)?;
        for s in &stale {
            erase_submission(c, s)?;
        }
        let consults = stale_consults(c, cutoff)?;
        erase_consults(c, &consults)?;
        forget_answers(c, &stale)?;
        forget_answers(c, &consults)?;
        Ok((stale.len(), consults.len()))
    })?;
    report.submissions_erased = submissions;
    // The erase events are in the chain before the pass reports.
    audit::seal(&mut conn)?;
    let erased_now = !report.erased.is_empty() || submissions > 0 || consults > 0;
    // Old row versions (PostgreSQL) and log frames (SQLite) still hold the erased values.
    if let Err(e) = rewrite_if_erased(&mut conn, erased_now, rewrite) {
        log::warn!("vacuum after retention failed (the next run tries again): {e}");
    }
    if let Err(e) = flush(&mut conn) {
        log::warn!("WAL checkpoint after retention failed (the next run tries again): {e}");
    }
    Ok(report)
}

/// Claims today's retention run: true for exactly one caller per day, across every instance on
/// the same database (the claim is one conditional UPDATE of a settings row).
pub fn claim_daily_run(conn: &mut DbConn, today: chrono::NaiveDate) -> QueryResult<bool> {
    let key = "retention_last_run";
    conn.batch_execute(&format!(
        "INSERT INTO settings (key, value, updated_at) VALUES ('{key}', '', CURRENT_TIMESTAMP) \
         ON CONFLICT (key) DO NOTHING"
    ))?;
    let day = today.to_string();
    let won = diesel::update(
        settings::table
            .filter(settings::key.eq(key))
            .filter(settings::value.ne(&day)),
    )
    .set((settings::value.eq(&day), settings::updated_at.eq(now())))
    .execute(conn)?;
    Ok(won == 1)
}

/// The service's daily job: once an hour it tries to claim today's run; the instance that wins
/// runs the pass. Runs on its own thread until the process ends.
pub fn spawn_daily(db: Db, months: u32, rewrite: Rewrite) {
    std::thread::Builder::new()
        .name("retention".into())
        .spawn(move || {
            loop {
                if let Err(e) = daily_once(&db, months, rewrite) {
                    log::warn!("retention job: {e}");
                }
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        })
        .map(|_| ())
        .unwrap_or_else(|e| log::error!("cannot start the retention job: {e}"));
}

fn daily_once(db: &Db, months: u32, rewrite: Rewrite) -> Result<(), String> {
    let today = chrono::Utc::now().date_naive();
    let mut conn = db.pool.get().map_err(|e| e.to_string())?;
    let won = write_tx(&mut conn, |c| claim_daily_run(c, today)).map_err(|e| e.to_string())?;
    if won {
        match crate::db::idempotency::purge_expired(&mut conn) {
            Ok(n) if n > 0 => log::info!("dropped {n} expired idempotency key(s)"),
            Ok(_) => {}
            Err(e) => log::warn!("cannot drop expired idempotency keys: {e}"),
        }
    }
    drop(conn);
    if !won {
        return Ok(());
    }
    let report = run(db, months, false, rewrite, |_, _| {}).map_err(|e| match e {
        ApiError::Internal(m) => m,
        other => other.to_string(),
    })?;
    log::info!(
        "retention: erased the personal data of {} case(s) closed before {}",
        report.erased.len(),
        report.cutoff.format("%Y-%m-%d")
    );
    Ok(())
}
