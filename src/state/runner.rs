//! Running database work for a request: on the blocking pool, within the request's connection
//! budget, and (for writes) in one transaction that also settles the request's idempotency claim.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::db::{Db, DbConn, idempotency, write_tx};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;

tokio::task_local! {
    /// How long the request answered on this task has waited for database connections so far
    /// (set by `count_connection_waits`): its waits together stay within the connect timeout.
    static WAITED: Cell<Duration>;
}

/// Runs a request's future with its connection waits counted together (see `Db::run`).
pub async fn count_connection_waits<F: std::future::Future>(f: F) -> F::Output {
    WAITED.scope(Cell::new(Duration::ZERO), f).await
}

impl Db {
    /// Runs blocking database work on actix's blocking thread pool, never on an async worker.
    /// A request waits at most `DB_CONNECT_TIMEOUT_SECONDS` for connections, in all.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let timeout = self.pool.connection_timeout();
        let waited = WAITED.try_with(Cell::get).unwrap_or_default();
        let (took, result) = self.run_within(timeout.saturating_sub(waited), f).await;
        let _ = WAITED.try_with(|w| w.set(waited + took));
        result
    }

    /// Like `run`, waiting at most `budget` for a connection: the time queued for a blocking
    /// thread counts too. Without that, while the database is down, a request queued behind
    /// others that each wait out the connect timeout would answer only after two of them.
    /// Also returns how long it waited.
    pub async fn run_within<T, F>(&self, budget: Duration, f: F) -> (Duration, ApiResult<T>)
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let metrics = self.metrics.clone();
        let request_id = crate::logging::request_id();
        let queued = Instant::now();
        let ran = actix_web::web::block(move || {
            let left = budget.saturating_sub(queued.elapsed());
            if left.is_zero() {
                metrics.db_pool_timeouts.inc();
                let e = ApiError::Unavailable(Code::NoConnectionFree.into());
                return (queued.elapsed(), Err(e));
            }
            let checkout = Instant::now();
            let conn = pool.get_timeout(left);
            metrics
                .db_pool_wait
                .observe(checkout.elapsed().as_secs_f64());
            let waited = queued.elapsed();
            match conn {
                // What this work logs names the request it does it for.
                Ok(mut conn) => (
                    waited,
                    crate::logging::with_request_id(request_id, || f(&mut conn)),
                ),
                Err(e) => {
                    metrics.db_pool_timeouts.inc();
                    (waited, Err(e.into()))
                }
            }
        })
        .await;
        match ran {
            Ok(done) => done,
            Err(e) => (queued.elapsed(), Err(e.into())),
        }
    }

    /// Like `run`, inside one write transaction. When the request holds an `Idempotency-Key`
    /// claim, the same transaction records that its write is done, so a crash between the
    /// commit and storing the answer can never lead a retry to write twice.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let claim = idempotency::held();
        self.run(move |conn| {
            write_tx(conn, |c| {
                let value = f(c)?;
                if let Some(claim) = &claim
                    && !idempotency::mark_committed(c, claim)?
                {
                    return Err(ApiError::conflict(Code::IdempotencyTakenOver));
                }
                Ok(value)
            })
        })
        .await
    }

    /// A read that returns personal data: runs like `run` (no transaction, no write lock), with
    /// the events it records collected; then commits them through the group commit, shared with
    /// other requests, and returns only once they are durable. A read whose events cannot be
    /// recorded is not answered.
    pub async fn read_audited<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        // Counted as running until its events are submitted: the group commit waits for them.
        let running = self.audit.reading();
        let (value, events) = self
            .run(move |conn| {
                let (value, events) = crate::db::audit::collecting(|| f(conn));
                Ok((value?, events))
            })
            .await?;
        drop(running);
        self.audit.commit(events).await.map_err(|e| match e {
            crate::db::audit_writer::CommitError::Failed(why) => {
                log::error!("a read was not answered: {why}");
                ApiError::Unavailable(Code::AuditNotRecorded.into())
            }
            crate::db::audit_writer::CommitError::Stopped => {
                ApiError::Unavailable(Code::ServiceStopping.into())
            }
        })?;
        Ok(value)
    }
}
