//! Group commit for the events of reads: one thread takes the events of every request waiting,
//! inserts them together (one self-committing statement, or one transaction when a batch needs
//! several), and tells each request once its events are committed. A
//! response carrying personal data leaves only after that, so its event is durable; yet
//! concurrent reads share one commit instead of queueing for the write lock one by one (SQLite)
//! or paying one commit each (PostgreSQL).

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Pool;
use crate::metrics::Metrics;
use diesel::r2d2;

use super::audit::{NewEvent, PENDING_ROWS_PER_STATEMENT, insert_pending};

/// Events written per transaction at most; more wait for the next one.
const MAX_BATCH_EVENTS: usize = 20_000;

struct Job {
    events: Vec<NewEvent>,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// The handle requests submit to; the thread ends when the last handle is dropped.
pub struct AuditWriter {
    jobs: mpsc::Sender<Job>,
    metrics: Arc<Metrics>,
}

/// How one group commit went, for the tests and the log.
#[derive(Debug)]
pub enum CommitError {
    /// No connection in time, or the database refused: the events are not recorded.
    Failed(String),
    /// The writer thread is gone (the service is stopping).
    Stopped,
}

impl AuditWriter {
    pub fn start(pool: Pool, connect_timeout: Duration, metrics: Arc<Metrics>) -> AuditWriter {
        let (jobs, rx) = mpsc::channel::<Job>();
        let m = metrics.clone();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || run(pool, connect_timeout, rx, &m))
            .expect("the audit writer thread starts");
        AuditWriter { jobs, metrics }
    }

    /// Commits `events` together with whatever other requests submit meanwhile; returns once
    /// they are committed.
    pub async fn commit(&self, events: Vec<NewEvent>) -> Result<(), CommitError> {
        if events.is_empty() {
            return Ok(());
        }
        let (done, answer) = tokio::sync::oneshot::channel();
        let queued = events.len() as i64;
        self.metrics.audit_queue_events.add(queued);
        if self.jobs.send(Job { events, done }).is_err() {
            self.metrics.audit_queue_events.sub(queued);
            return Err(CommitError::Stopped);
        }
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(CommitError::Failed(why)),
            Err(_) => Err(CommitError::Stopped),
        }
    }
}

fn run(pool: Pool, connect_timeout: Duration, rx: mpsc::Receiver<Job>, metrics: &Metrics) {
    // While requests keep coming, the writer keeps its connection (no checkout, no ping per
    // batch); it gives it back to the pool as soon as nothing waits.
    let mut held: Option<r2d2::PooledConnection<super::DbManager>> = None;
    loop {
        let first = match rx.try_recv() {
            Ok(job) => job,
            Err(mpsc::TryRecvError::Empty) => {
                held = None;
                match rx.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            }
            Err(mpsc::TryRecvError::Disconnected) => return,
        };
        let mut size = first.events.len();
        let mut batch = vec![first];
        while size < MAX_BATCH_EVENTS {
            match rx.try_recv() {
                Ok(job) => {
                    size += job.events.len();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        let events: Vec<NewEvent> = batch
            .iter_mut()
            .flat_map(|j| std::mem::take(&mut j.events))
            .collect();
        let started = Instant::now();
        let conn = match held.take() {
            Some(conn) => Ok(conn),
            None => pool
                .get_timeout(connect_timeout)
                .map_err(|e| format!("no database connection for the audit events: {e}")),
        };
        let result = conn.and_then(|mut conn| {
            write(&mut conn, events)
                .map_err(|e| format!("the audit events could not be written: {e}"))?;
            // Kept only after a success: a connection that failed may be broken.
            held = Some(conn);
            Ok(())
        });
        metrics
            .audit_group_commit_seconds
            .observe(started.elapsed().as_secs_f64());
        metrics.audit_queue_events.sub(size as i64);
        match &result {
            Ok(()) => {
                metrics.audit_group_commits.with_label_values(&["ok"]).inc();
                metrics.audit_group_commit_events.inc_by(size as u64);
            }
            Err(why) => {
                metrics
                    .audit_group_commits
                    .with_label_values(&["failed"])
                    .inc();
                log::error!("audit group commit of {size} event(s) failed: {why}");
            }
        }
        for job in batch {
            let _ = job.done.send(result.clone());
        }
    }
}

/// Writes a batch: in one statement, which commits on its own (atomic and durable, one round
/// trip), unless it needs several; then in one transaction.
fn write(conn: &mut super::DbConn, events: Vec<NewEvent>) -> diesel::QueryResult<()> {
    if events.len() <= PENDING_ROWS_PER_STATEMENT {
        insert_pending(conn, events)
    } else {
        super::write_tx(conn, |c| insert_pending(c, events))
    }
}
