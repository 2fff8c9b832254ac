//! Backups the operator can trust: `kinderen-eerst backup` takes a consistent copy of the
//! SQLite database while the service runs, `restore` puts one back, and `db check` proves a
//! database whole (either backend): SQLite's `integrity_check`, the audit chain recomputed,
//! the rows of every table counted.
//!
//! The copy is SQLite's `VACUUM INTO`: one read transaction, so it holds exactly what was
//! committed when it began (every acknowledged write before that moment), while the service
//! keeps reading and writing beside it (WAL). It is written to a temporary file, checked, and
//! only then given its name.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::MigrationHarness;

use crate::db::{self, Backend, DbConn, DbOptions};

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

fn texts(conn: &mut DbConn, sql: &str) -> anyhow::Result<Vec<String>> {
    let rows = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql).load::<TextRow>(c),
        DbConn::Postgres(c) => diesel::sql_query(sql).load::<TextRow>(c),
    }
    .with_context(|| format!("query failed: {sql}"))?;
    Ok(rows.into_iter().map(|r| r.v).collect())
}

fn number(conn: &mut DbConn, sql: &str) -> anyhow::Result<i64> {
    let rows = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql).load::<CountRow>(c),
        DbConn::Postgres(c) => diesel::sql_query(sql).load::<CountRow>(c),
    }
    .with_context(|| format!("query failed: {sql}"))?;
    Ok(rows.first().map_or(0, |r| r.n))
}

/// What `check` found in a database that holds up.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// SQLite's `PRAGMA integrity_check` said `ok` (None on PostgreSQL, which has no such
    /// pragma: see `pg_amcheck`).
    pub integrity_ok: Option<bool>,
    /// Events in the audit chain, every hash recomputed.
    pub audit_events: i64,
    /// Every table with its rows, by name.
    pub tables: Vec<(String, i64)>,
    /// Migrations this binary knows that the database does not have yet (applied on start).
    pub pending_migrations: usize,
}

impl CheckReport {
    pub fn rows(&self, table: &str) -> Option<i64> {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| *n)
    }
}

fn table_names(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let sql = match conn.backend() {
        Backend::Sqlite => {
            "SELECT name AS v FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '__diesel_schema_migrations' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS v FROM information_schema.tables WHERE table_schema = \
             current_schema() AND table_type = 'BASE TABLE' AND table_name <> \
             '__diesel_schema_migrations' ORDER BY table_name"
        }
    };
    texts(conn, sql)
}

/// Checks a database: integrity (SQLite), the audit chain, the rows of every table. Events
/// still waiting to be linked are linked first, as the service's sealer would. Fails on the
/// first problem, naming it. `progress` gets one line per step.
pub fn check_conn(
    conn: &mut DbConn,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<CheckReport> {
    let mut report = CheckReport::default();
    if conn.backend() == Backend::Sqlite {
        progress("integrity_check …");
        let found = texts(
            conn,
            "SELECT integrity_check AS v FROM pragma_integrity_check",
        )?;
        if found != ["ok"] {
            bail!(
                "PRAGMA integrity_check reports damage: {}",
                found.into_iter().take(10).collect::<Vec<_>>().join("; ")
            );
        }
        report.integrity_ok = Some(true);
        progress("integrity_check: ok");
    }
    report.pending_migrations = match conn {
        DbConn::Sqlite(c) => c.pending_migrations(db::SQLITE_MIGRATIONS).map(|p| p.len()),
        DbConn::Postgres(c) => c
            .pending_migrations(db::POSTGRES_MIGRATIONS)
            .map(|p| p.len()),
    }
    .map_err(|e| anyhow::anyhow!("cannot read the applied migrations: {e}"))?;
    progress("audit chain: recomputing every hash …");
    let (checked, broken) = db::audit::verify(conn).context("verifying the audit chain")?;
    if let Some(b) = broken {
        bail!("the audit chain breaks at event {}: {}", b.seq, b.reason);
    }
    report.audit_events = checked;
    progress(&format!("audit chain: intact, {checked} event(s)"));
    for t in table_names(conn)? {
        let n = number(conn, &format!("SELECT COUNT(*) AS n FROM \"{t}\""))?;
        report.tables.push((t, n));
    }
    let rows: i64 = report.tables.iter().map(|(_, n)| n).sum();
    progress(&format!(
        "counted {rows} row(s) in {} table(s)",
        report.tables.len()
    ));
    Ok(report)
}

/// `kinderen-eerst db check`: opens the database at `opts` (either backend; nothing is
/// migrated) and checks it.
pub fn check(opts: &DbOptions, progress: impl FnMut(&str)) -> anyhow::Result<CheckReport> {
    if opts.backend() == Backend::Sqlite && !Path::new(sqlite_file(&opts.url)).is_file() {
        bail!("{} does not exist", opts.url);
    }
    let mut conn =
        db::establish(opts).map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    check_conn(&mut conn, progress)
}

fn sqlite_file(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// A file beside `path` with a suffix of its own (same directory, so a rename moves it).
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Prints how far a file being written has grown, every second, until told to stop.
fn watch_growth(
    file: PathBuf,
    expected: u64,
    mut progress: impl FnMut(&str) + Send + 'static,
) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        while stopped.recv_timeout(Duration::from_secs(1)).is_err() {
            let written = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            progress(&format!(
                "copying: {} of about {} written",
                mib(written),
                mib(expected)
            ));
        }
    });
    (stop, handle)
}

/// Makes sure a finished file is on disk, not only in the page cache.
fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", path.display()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename is durable once the directory is synced (not possible everywhere).
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// What a backup holds.
#[derive(Debug)]
pub struct BackupReport {
    pub file: PathBuf,
    pub bytes: u64,
    pub elapsed: Duration,
    /// The chain's length in the source when the copy began: the copy holds at least these.
    pub source_audit_events: i64,
    pub check: CheckReport,
}

/// `kinderen-eerst backup --to FILE`: a consistent copy of the SQLite database at `opts`,
/// taken while the service may be running, checked before it gets its name.
pub fn backup(
    opts: &DbOptions,
    to: &Path,
    mut progress: impl FnMut(&str) + Send + Clone + 'static,
) -> anyhow::Result<BackupReport> {
    if opts.backend() != Backend::Sqlite {
        bail!(
            "`backup` copies the embedded SQLite database; back up PostgreSQL with pg_dump or \
             base backups (README, \"Backups and restore\")"
        );
    }
    let source = sqlite_file(&opts.url);
    if !Path::new(source).is_file() {
        bail!("{source} does not exist");
    }
    if to.exists() {
        bail!(
            "{} exists already; a backup never overwrites a file",
            to.display()
        );
    }
    let partial = beside(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    let started = Instant::now();
    let mut conn = db::establish(opts).map_err(|e| anyhow::anyhow!("cannot open {source}: {e}"))?;
    let pages = number(&mut conn, "SELECT page_count AS n FROM pragma_page_count")?;
    let page_size = number(&mut conn, "SELECT page_size AS n FROM pragma_page_size")?;
    let free = number(
        &mut conn,
        "SELECT freelist_count AS n FROM pragma_freelist_count",
    )?;
    let expected = ((pages - free).max(0) * page_size) as u64;
    let source_audit_events = number(
        &mut conn,
        "SELECT COALESCE(MAX(seq), 0) AS n FROM audit_head",
    )?;
    progress(&format!(
        "backup of {source} to {}: about {}, audit chain at event {source_audit_events}",
        to.display(),
        mib(expected)
    ));
    let target = partial.to_str().context("the target path is not UTF-8")?;
    let (stop, watcher) = watch_growth(partial.clone(), expected, progress.clone());
    // One read transaction: the snapshot of everything committed when it starts.
    let copied = conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")));
    let _ = stop.send(());
    let _ = watcher.join();
    drop(conn);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        bail!("the copy failed: {e}");
    }
    let bytes = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    progress(&format!(
        "copied {} in {:.1} s; checking the copy",
        mib(bytes),
        started.elapsed().as_secs_f64()
    ));
    let checked = check(&DbOptions::new(target), &mut progress);
    let check = match checked {
        Ok(c) if c.audit_events >= source_audit_events => c,
        Ok(c) => {
            let _ = std::fs::remove_file(&partial);
            bail!(
                "the copy's audit chain has {} event(s), the source had {source_audit_events} when the copy began",
                c.audit_events
            );
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.context("the copy failed its check and was removed"));
        }
    };
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(beside(&partial, suffix));
    }
    std::fs::rename(&partial, to)
        .with_context(|| format!("cannot rename the copy to {}", to.display()))?;
    sync_file(to)?;
    Ok(BackupReport {
        file: to.to_path_buf(),
        bytes: std::fs::metadata(to).map(|m| m.len()).unwrap_or(bytes),
        elapsed: started.elapsed(),
        source_audit_events,
        check,
    })
}

/// What a restore put back.
#[derive(Debug)]
pub struct RestoreReport {
    pub file: PathBuf,
    /// The target held a database that was replaced (`--force`).
    pub replaced: bool,
    pub check: CheckReport,
}

/// `kinderen-eerst restore --from FILE`: puts a backup in place of the SQLite database at
/// `opts`. Refuses a target that holds a database unless `force`, and refuses any target a
/// process still has open (stop the service first). The backup file itself is not touched:
/// a copy is checked, then renamed into place.
pub fn restore(
    opts: &DbOptions,
    from: &Path,
    force: bool,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<RestoreReport> {
    if opts.backend() != Backend::Sqlite {
        bail!(
            "`restore` puts back an SQLite backup; restore PostgreSQL with pg_restore (README, \
             \"Backups and restore\"), or move an SQLite backup into PostgreSQL with `db copy`"
        );
    }
    let target = PathBuf::from(sqlite_file(&opts.url));
    if !from.is_file() {
        bail!("{} does not exist", from.display());
    }
    let occupied = target.exists() && std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0) > 0;
    if occupied && !force {
        bail!(
            "{} holds a database already; restore into a new path, or pass --force to replace it \
             (with the service stopped)",
            target.display()
        );
    }
    if occupied {
        ensure_unused(&target)?;
    }
    let restoring = beside(&target, ".restoring");
    let _ = std::fs::remove_file(&restoring);
    let size = std::fs::metadata(from)?.len();
    progress(&format!(
        "copying {} ({}) to {}",
        from.display(),
        mib(size),
        restoring.display()
    ));
    std::fs::copy(from, &restoring)
        .with_context(|| format!("cannot copy {} beside the target", from.display()))?;
    let checked = check(
        &DbOptions::new(restoring.to_string_lossy().into_owned()),
        &mut progress,
    );
    let check = match checked {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&restoring);
            return Err(e.context("the backup failed its check; nothing was restored"));
        }
    };
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(beside(&restoring, suffix));
        // The replaced database's log must not be applied to the restored one.
        let _ = std::fs::remove_file(beside(&target, suffix));
    }
    std::fs::rename(&restoring, &target)
        .with_context(|| format!("cannot move the restored database to {}", target.display()))?;
    sync_file(&target)?;
    Ok(RestoreReport {
        file: target,
        replaced: occupied,
        check,
    })
}

/// Refuses a database file another process has open: leaving WAL mode needs the only
/// connection, so it fails ("database is locked") while a service holds one. On success the
/// log is checkpointed into the file and removed.
fn ensure_unused(target: &Path) -> anyhow::Result<()> {
    let mut opts = DbOptions::new(target.to_string_lossy().into_owned());
    opts.sqlite_busy_timeout_ms = 1_000;
    let mut conn = db::establish(&opts).map_err(|e| {
        anyhow::anyhow!(
            "{} is in use or unreadable ({e}); stop the service first",
            target.display()
        )
    })?;
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    let DbConn::Sqlite(c) = &mut conn else {
        bail!("{} is not an SQLite database", target.display());
    };
    let mode = diesel::sql_query("PRAGMA journal_mode = DELETE")
        .load::<Mode>(c)
        .map_err(|e| {
            anyhow::anyhow!(
                "{} is in use by another process ({e}); stop the service first",
                target.display()
            )
        })?;
    if mode.first().map(|m| m.journal_mode.as_str()) != Some("delete") {
        bail!(
            "{} is in use by another process; stop the service first",
            target.display()
        );
    }
    Ok(())
}
