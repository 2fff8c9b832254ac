//! Database access for both backends: one connection type, one pool, embedded migrations.
//!
//! The backend is chosen from the URL: `postgres://` or `postgresql://` is PostgreSQL, anything
//! else is a path to an embedded SQLite file (an optional `sqlite://` prefix is stripped).

pub mod absences;
pub mod activities;
pub mod allocation;
pub mod allocation_plans;
pub mod assignments;
pub mod audit;
pub mod audit_writer;
pub mod backlog;
pub mod case_children;
pub mod cases;
pub mod checklists;
pub mod consults;
pub mod events;
pub mod idempotency;
pub mod identifiers;
pub mod inbox;
pub mod login_throttle;
pub mod meetings;
pub mod networks;
pub mod paged;
pub mod partners;
pub mod presence;
pub mod referral_messages;
pub mod referrals;
pub mod schema;
pub mod schools;
pub mod services;
pub mod settings;
pub mod stats;
pub mod themes;
pub mod users;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Queries written once against `schema.rs` run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgres(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Connection settings that matter per connection.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout: Duration,
    /// PostgreSQL `statement_timeout`; 0 disables it.
    pub statement_timeout_ms: u64,
    /// SQLite `busy_timeout`: how long a writer waits for the write lock.
    pub sqlite_busy_timeout_ms: u64,
    /// How long the audit group commit waits for the events of reads still running (see
    /// `audit_writer`).
    pub audit_group_commit_delay: Duration,
}

impl DbOptions {
    pub fn new(url: impl Into<String>) -> Self {
        DbOptions {
            url: url.into(),
            pool_size: 10,
            connect_timeout: Duration::from_secs(5),
            statement_timeout_ms: 30_000,
            sqlite_busy_timeout_ms: 30_000,
            audit_group_commit_delay: Duration::from_micros(audit_writer::DEFAULT_DELAY_US),
        }
    }
    pub fn backend(&self) -> Backend {
        Backend::from_url(&self.url)
    }
}

fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// libpq takes `connect_timeout` from the URL; add ours unless the URL sets one.
fn pg_url_with_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={}", timeout.as_secs().max(1))
}

/// Opens a connection of the backend the URL names, with its session settings applied.
/// (The derived `DbConn::establish` tries each backend in turn and hides the real error.)
pub fn establish(opts: &DbOptions) -> Result<DbConn, r2d2::Error> {
    match opts.backend() {
        Backend::Postgres => {
            let mut conn =
                PgConnection::establish(&pg_url_with_timeout(&opts.url, opts.connect_timeout))
                    .map_err(r2d2::Error::ConnectionError)?;
            conn.batch_execute(&format!(
                "SET statement_timeout = {}; SET TIME ZONE 'UTC';",
                opts.statement_timeout_ms
            ))
            .map_err(r2d2::Error::QueryError)?;
            Ok(DbConn::Postgres(conn))
        }
        Backend::Sqlite => {
            let mut conn = SqliteConnection::establish(sqlite_path(&opts.url))
                .map_err(r2d2::Error::ConnectionError)?;
            // WAL lets readers run beside the one writer; the busy timeout makes a second
            // writer wait for the lock instead of failing with "database is locked".
            // secure_delete overwrites erased values in the file instead of leaving them in
            // free pages: erasure of personal data must be real.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
                opts.sqlite_busy_timeout_ms
            ))
            .map_err(r2d2::Error::QueryError)?;
            Ok(DbConn::Sqlite(conn))
        }
    }
}

pub struct DbManager {
    opts: DbOptions,
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        establish(&self.opts)
    }
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<DbManager>;

/// The shared handle handlers use: a pool and the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pub pool: Pool,
    pub backend: Backend,
    /// The group commit for the audit events of reads (see `audit_writer`).
    pub audit: std::sync::Arc<audit_writer::AuditWriter>,
    /// This instance's figures (`/metrics`).
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
}

impl Db {
    /// Builds the pool without connecting: the service starts even when PostgreSQL is down,
    /// and reports it on `/readyz`.
    pub fn new(opts: &DbOptions) -> Db {
        let pool = r2d2::Pool::builder()
            .max_size(opts.pool_size)
            .min_idle(Some(0))
            .connection_timeout(opts.connect_timeout)
            .test_on_check_out(true)
            .build_unchecked(DbManager { opts: opts.clone() });
        let metrics = std::sync::Arc::new(crate::metrics::Metrics::new(opts.backend().name()));
        let audit = audit_writer::AuditWriter::start(
            pool.clone(),
            opts.connect_timeout,
            opts.audit_group_commit_delay,
            metrics.clone(),
        );
        Db {
            pool,
            backend: opts.backend(),
            audit: std::sync::Arc::new(audit),
            metrics,
        }
    }
}

/// A write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, which takes the write lock
/// at once (waiting up to the busy timeout) instead of failing later when a read upgrades to a
/// write while another writer holds the lock.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) =
                <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                log::warn!("rollback failed: {rollback}");
            }
            Err(e)
        }
    }
}

/// Applies pending migrations and returns their names. On PostgreSQL an advisory lock makes
/// instances that start together take turns: one migrates, the others wait and find nothing
/// left to do.
pub fn migrate(opts: &DbOptions) -> anyhow::Result<Vec<String>> {
    let conn = establish(opts).map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    let applied = match conn {
        DbConn::Sqlite(mut c) => run_migrations(&mut c, SQLITE_MIGRATIONS)?,
        DbConn::Postgres(mut c) => {
            // A migration may rewrite a large table (backfilling a column over millions of
            // rows): the statement timeout meant for requests does not apply to it.
            c.batch_execute("SET statement_timeout = 0; SELECT pg_advisory_lock(4242001)")?;
            let result = run_migrations(&mut c, POSTGRES_MIGRATIONS);
            c.batch_execute("SELECT pg_advisory_unlock(4242001)")?;
            result?
        }
    };
    Ok(applied)
}

fn run_migrations<C>(conn: &mut C, source: EmbeddedMigrations) -> anyhow::Result<Vec<String>>
where
    C: MigrationHarness<C::Backend> + Connection,
{
    let done = conn
        .run_pending_migrations(source)
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(done.iter().map(|v| v.to_string()).collect())
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Maps "no row" to `None` for lookups where absence is normal.
pub fn optional<T>(r: QueryResult<T>) -> QueryResult<Option<T>> {
    r.optional()
}

/// What storage can answer besides a diesel error: an object in the wrong state for a change
/// (the API turns it into 409 naming the state). The db layer never speaks HTTP.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("{detail} (state: {current})")]
    InvalidState {
        current: String,
        detail: crate::i18n::Msg,
    },
}

impl DbError {
    pub fn invalid_state(current: impl Into<String>, detail: impl Into<crate::i18n::Msg>) -> Self {
        DbError::InvalidState {
            current: current.into(),
            detail: detail.into(),
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// Groups `(key, value)` rows by key, keeping their order (theme codes per object).
pub fn grouped(rows: Vec<(String, String)>) -> std::collections::HashMap<String, Vec<String>> {
    let mut map: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (key, value) in rows {
        map.entry(key).or_default().push(value);
    }
    map
}

/// The current time, to the microsecond both backends store.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
