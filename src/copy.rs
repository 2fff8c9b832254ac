//! `kinderen-eerst db copy`: moves a pilot's SQLite database into an empty PostgreSQL database,
//! in one transaction, and checks the result before committing: the same number of rows in
//! every table, and an intact audit chain.
//!
//! Rows travel as JSON: SQLite's `json_object` reads a batch of rows, PostgreSQL's
//! `json_populate_recordset` writes it, converting each value with the target column's own type
//! (SQLite's 0/1 becomes a boolean, its timestamp text a timestamp). Tables go in foreign-key
//! order; serial columns get their sequences moved past the copied values.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::{self, Backend, DbConn, DbOptions};

/// Rows per INSERT statement.
const BATCH: i64 = 2_000;

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    v: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// What was copied.
#[derive(Debug, Default)]
pub struct CopyReport {
    /// Each table with its number of rows, in the order they were copied.
    pub tables: Vec<(String, i64)>,
    /// Audit events verified on the target.
    pub audit_events: i64,
}

fn texts(conn: &mut SqliteConnection, sql: &str) -> anyhow::Result<Vec<String>> {
    Ok(diesel::sql_query(sql)
        .load::<TextRow>(conn)
        .with_context(|| format!("reading the source: {sql}"))?
        .into_iter()
        .map(|r| r.v)
        .collect())
}

fn count(conn: &mut DbConn, table: &str) -> anyhow::Result<i64> {
    let rows = match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM \"{table}\"")).load::<CountRow>(c)
        }
        DbConn::Postgres(c) => {
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM \"{table}\"")).load::<CountRow>(c)
        }
    }
    .with_context(|| format!("counting {table}"))?;
    Ok(rows.first().map(|r| r.n).unwrap_or(0))
}

/// The source's tables, parents before children (self-references are fine: PostgreSQL checks
/// foreign keys at the end of each statement, and a table is copied in order of insertion).
fn tables_in_order(src: &mut SqliteConnection) -> anyhow::Result<Vec<String>> {
    let names = texts(
        src,
        "SELECT name AS v FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations' ORDER BY name",
    )?;
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in &names {
        let parents = texts(
            src,
            &format!("SELECT DISTINCT \"table\" AS v FROM pragma_foreign_key_list('{t}')"),
        )?;
        deps.insert(t.clone(), parents.into_iter().filter(|p| p != t).collect());
    }
    let mut order = Vec::new();
    let mut done = BTreeSet::new();
    while order.len() < names.len() {
        let ready: Vec<String> = names
            .iter()
            .filter(|t| !done.contains(*t) && deps[*t].iter().all(|p| done.contains(p)))
            .cloned()
            .collect();
        if ready.is_empty() {
            bail!("the source's foreign keys form a cycle");
        }
        for t in ready {
            done.insert(t.clone());
            order.push(t);
        }
    }
    Ok(order)
}

/// Every text value PostgreSQL cannot take (one holding a NUL character, which SQLite stores
/// and the API refuses nowadays), as `table <t>, row <key>, column <c>`: found before the copy,
/// so the answer names what to fix rather than PostgreSQL's "unsupported Unicode escape
/// sequence" somewhere in a batch.
fn unmovable(src: &mut SqliteConnection, tables: &[String]) -> anyhow::Result<Vec<String>> {
    /// Enough to show what is wrong; the rest follow once these are fixed.
    const SHOWN: usize = 50;
    let mut found = Vec::new();
    for t in tables {
        let columns = texts(
            src,
            &format!("SELECT name AS v FROM pragma_table_info('{t}') ORDER BY cid"),
        )?;
        let keys = texts(
            src,
            &format!("SELECT name AS v FROM pragma_table_info('{t}') WHERE pk > 0 ORDER BY pk"),
        )?;
        let key = if keys.is_empty() {
            "'rowid ' || rowid".to_string()
        } else {
            keys.iter()
                .map(|k| format!("'{k} ' || quote(\"{k}\")"))
                .collect::<Vec<_>>()
                .join(" || ', ' || ")
        };
        for c in &columns {
            let rows = texts(
                src,
                &format!(
                    "SELECT {key} AS v FROM \"{t}\" WHERE typeof(\"{c}\") = 'text' \
                     AND instr(CAST(\"{c}\" AS BLOB), x'00') > 0 ORDER BY rowid LIMIT {SHOWN}"
                ),
            )?;
            found.extend(
                rows.into_iter()
                    .map(|row| format!("table {t}, row {row}, column {c}")),
            );
            if found.len() >= SHOWN {
                found.truncate(SHOWN);
                return Ok(found);
            }
        }
    }
    Ok(found)
}

/// Copies everything from the SQLite database at `from` into the PostgreSQL database at `to`.
/// Both are migrated first. Refuses a target that holds data. `progress(table, rows)` is called
/// after every batch.
pub fn copy(
    from: &str,
    to: &str,
    mut progress: impl FnMut(&str, i64),
) -> anyhow::Result<CopyReport> {
    if Backend::from_url(from) != Backend::Sqlite {
        bail!("--from must be an SQLite database file");
    }
    if Backend::from_url(to) != Backend::Postgres {
        bail!("--to must be a postgres:// URL");
    }
    let (from_opts, to_opts) = (DbOptions::new(from), DbOptions::new(to));
    if !std::path::Path::new(from.trim_start_matches("sqlite://")).exists() {
        bail!("{from} does not exist");
    }
    db::migrate(&from_opts).context("migrating the source")?;
    db::migrate(&to_opts).context("migrating the target")?;
    let mut src = db::establish(&from_opts).map_err(|e| anyhow::anyhow!("source: {e}"))?;
    let mut dst = db::establish(&to_opts).map_err(|e| anyhow::anyhow!("target: {e}"))?;
    let DbConn::Sqlite(sqlite) = &mut src else {
        bail!("the source is not SQLite");
    };
    let order = tables_in_order(sqlite)?;
    let stuck = unmovable(sqlite, &order)?;
    if !stuck.is_empty() {
        bail!(
            "PostgreSQL cannot store a NUL character in text; fix or clear these values in the \
             source and copy again (nothing was copied):\n  {}",
            stuck.join("\n  ")
        );
    }

    for t in &order {
        let n = count(&mut dst, t)?;
        let expected = if t == "audit_head" { 1 } else { 0 };
        if n > expected {
            bail!("the target is not empty: table {t} holds {n} row(s); copy into a new database");
        }
    }
    let head_seq: Vec<CountRow> = match &mut dst {
        DbConn::Postgres(pg) => {
            diesel::sql_query("SELECT COALESCE(MAX(seq), 0) AS n FROM audit_head").load(pg)?
        }
        DbConn::Sqlite(_) => bail!("the target is not PostgreSQL"),
    };
    if head_seq.first().is_some_and(|r| r.n != 0) {
        bail!("the target is not empty: its audit trail has events");
    }

    let mut report = CopyReport::default();
    db::write_tx(&mut dst, |dst| -> anyhow::Result<()> {
        dst.batch_execute("DELETE FROM audit_head")?;
        for t in &order {
            let columns = texts(
                sqlite,
                &format!("SELECT name AS v FROM pragma_table_info('{t}') ORDER BY cid"),
            )?;
            let object = columns
                .iter()
                .map(|c| format!("'{c}', \"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let mut copied = 0i64;
            loop {
                let batch = texts(
                    sqlite,
                    &format!(
                        "SELECT COALESCE(json_group_array(json(o)), '[]') AS v FROM \
                         (SELECT json_object({object}) AS o FROM \"{t}\" ORDER BY rowid \
                          LIMIT {BATCH} OFFSET {copied})"
                    ),
                )?;
                let json = batch.into_iter().next().unwrap_or_else(|| "[]".into());
                if json == "[]" {
                    break;
                }
                // Dollar quoting with a tag the data cannot contain: no escaping needed.
                let mut tag = format!("ke{}", uuid::Uuid::new_v4().simple());
                while json.contains(&tag) {
                    tag = format!("ke{}", uuid::Uuid::new_v4().simple());
                }
                let cols = columns
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                dst.batch_execute(&format!(
                    "INSERT INTO \"{t}\" ({cols}) SELECT {cols} FROM \
                     json_populate_recordset(NULL::\"{t}\", ${tag}${json}${tag}$)"
                ))
                .with_context(|| format!("writing {t}"))?;
                copied += count_in_batch(&json).unwrap_or(BATCH);
                progress(t, copied);
            }
            // Check before committing: the same number of rows on both sides.
            let rows = count(dst, t)?;
            let source: i64 = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM \"{t}\""))
                .load::<CountRow>(sqlite)?
                .first()
                .map(|r| r.n)
                .unwrap_or(0);
            if rows != source {
                bail!(
                    "{t}: {source} row(s) in the source but {rows} copied; nothing was committed"
                );
            }
            report.tables.push((t.clone(), rows));
        }
        // Serial columns continue after the copied values.
        if let DbConn::Postgres(pg) = dst {
            #[derive(QueryableByName)]
            struct Serial {
                #[diesel(sql_type = Text)]
                table_name: String,
                #[diesel(sql_type = Text)]
                column_name: String,
            }
            let serials: Vec<Serial> = diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND column_default LIKE 'nextval(%'",
            )
            .load(pg)?;
            for s in serials {
                let (t, c) = (s.table_name, s.column_name);
                pg.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('\"{t}\"', '{c}'), \
                     COALESCE((SELECT MAX(\"{c}\") FROM \"{t}\"), 1), \
                     (SELECT MAX(\"{c}\") FROM \"{t}\") IS NOT NULL)"
                ))?;
            }
        }
        // Check before committing: the audit chain arrived intact.
        let (checked, broken) = db::audit::verify(dst)?;
        if let Some(b) = broken {
            bail!(
                "the copied audit chain breaks at event {}: {}; nothing was committed",
                b.seq,
                b.reason
            );
        }
        report.audit_events = checked;
        Ok(())
    })?;
    Ok(report)
}

fn count_in_batch(json: &str) -> Option<i64> {
    serde_json::from_str::<Vec<serde_json::Value>>(json)
        .ok()
        .map(|v| v.len() as i64)
}
