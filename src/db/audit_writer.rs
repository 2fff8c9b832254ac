//! Group commit for the events of reads: one thread takes the events of every request waiting,
//! inserts them together (one self-committing statement, or one transaction when a batch needs
//! several), and tells each request once its events are committed. A
//! response carrying personal data leaves only after that, so its event is durable; yet
//! concurrent reads share one commit instead of queueing for the write lock one by one (SQLite)
//! or paying one commit each (PostgreSQL).
//!
//! Like PostgreSQL's `commit_delay` with `commit_siblings`, the writer waits a moment
//! (`AUDIT_GROUP_COMMIT_DELAY_US`) before it writes a batch, but only while other audited reads are
//! still running: their events join the same commit. Under load that makes fewer, larger commits
//! (a commit costs about as much for one event as for twenty); a lone read never waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Pool;
use crate::metrics::Metrics;
use diesel::r2d2;

use super::audit::{NewEvent, PENDING_ROWS_PER_STATEMENT, insert_pending};

/// Events written per transaction at most; more wait for the next one.
const MAX_BATCH_EVENTS: usize = 20_000;

/// `AUDIT_GROUP_COMMIT_DELAY_US` when not set: 1 ms, in microseconds.
pub const DEFAULT_DELAY_US: u64 = 1_000;

struct Job {
    events: Vec<NewEvent>,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// The handle requests submit to; the thread ends when the last handle is dropped.
pub struct AuditWriter {
    jobs: mpsc::Sender<Job>,
    metrics: Arc<Metrics>,
    /// Audited reads running now, whose events are still to come.
    reading: Arc<AtomicUsize>,
}

/// An audited read in progress (see `AuditWriter::reading`); it ends when dropped.
pub struct Reading(Arc<AtomicUsize>);

impl Drop for Reading {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
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
    /// `delay`: how long a batch waits, at most, for the events of reads still running.
    pub fn start(
        pool: Pool,
        connect_timeout: Duration,
        delay: Duration,
        metrics: Arc<Metrics>,
    ) -> AuditWriter {
        let (jobs, rx) = mpsc::channel::<Job>();
        let m = metrics.clone();
        let reading = Arc::new(AtomicUsize::new(0));
        let gather = Gather {
            reading: reading.clone(),
            delay,
        };
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || run(pool, connect_timeout, rx, gather, &m))
            .expect("the audit writer thread starts");
        AuditWriter {
            jobs,
            metrics,
            reading,
        }
    }

    /// Marks an audited read as running until the value is dropped: drop it before `commit`.
    /// While any read runs, a batch waits up to the delay for its events.
    pub fn reading(&self) -> Reading {
        self.reading.fetch_add(1, Ordering::AcqRel);
        Reading(self.reading.clone())
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

/// Which events a batch waits for: those of the reads running, for at most `delay`.
struct Gather {
    reading: Arc<AtomicUsize>,
    delay: Duration,
}

impl Gather {
    /// Takes every job waiting after `first`, then, while reads are running and the delay lasts,
    /// the jobs they submit. Returns the jobs and their number of events.
    fn batch(&self, first: Job, rx: &mpsc::Receiver<Job>) -> (Vec<Job>, usize) {
        let deadline = Instant::now() + self.delay;
        let mut size = first.events.len();
        let mut batch = vec![first];
        while size < MAX_BATCH_EVENTS {
            let job = match rx.try_recv() {
                Ok(job) => job,
                Err(mpsc::TryRecvError::Disconnected) => break,
                Err(mpsc::TryRecvError::Empty) => {
                    let now = Instant::now();
                    if now >= deadline || self.reading.load(Ordering::Acquire) == 0 {
                        break;
                    }
                    // Woken by the next job, not by polling: a read that ends without events
                    // (it failed) leaves the batch waiting until the deadline at most.
                    match rx.recv_timeout(deadline - now) {
                        Ok(job) => job,
                        // The deadline passed, or the service is stopping.
                        Err(_) => break,
                    }
                }
            };
            size += job.events.len();
            batch.push(job);
        }
        (batch, size)
    }
}

fn run(
    pool: Pool,
    connect_timeout: Duration,
    rx: mpsc::Receiver<Job>,
    gather: Gather,
    metrics: &Metrics,
) {
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
        let (mut batch, size) = gather.batch(first, &rx);
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

#[cfg(test)]
mod tests {
    use super::super::{Db, DbOptions, migrate};
    use super::*;

    fn event(n: usize) -> Vec<NewEvent> {
        vec![NewEvent {
            actor_id: None,
            actor_role: "social_worker".into(),
            action: "read".into(),
            object_type: "case".into(),
            object_id: None,
            case_id: None,
            request_id: format!("request-{n}"),
            client_addr: "127.0.0.1".into(),
            object_ids: None,
            case_ids: None,
        }]
    }

    fn db(delay: Duration) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let opts = DbOptions {
            audit_group_commit_delay: delay,
            ..DbOptions::new(dir.path().join("t.db").to_string_lossy().into_owned())
        };
        migrate(&opts).expect("migrate");
        (dir, Db::new(&opts))
    }

    fn commits(db: &Db) -> u64 {
        db.metrics
            .audit_group_commits
            .with_label_values(&["ok"])
            .get()
    }

    #[actix_web::test]
    async fn a_lone_read_is_committed_without_waiting_for_the_delay() {
        let (_dir, db) = db(Duration::from_secs(30));
        let started = Instant::now();
        // As `read_audited` does: the read ends before it hands over its events.
        drop(db.audit.reading());
        db.audit.commit(event(1)).await.expect("committed");
        // No other read runs: the batch is written at once, not after 30 s.
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(commits(&db), 1);
    }

    #[actix_web::test]
    async fn a_batch_waits_for_the_events_of_reads_still_running_and_commits_them_together() {
        let (_dir, db) = db(Duration::from_secs(30));
        let other = db.audit.reading();
        let started = Instant::now();
        // The other read submits 300 ms after this one; both land in one commit.
        let first = db.audit.commit(event(1));
        let second = async {
            actix_web::rt::time::sleep(Duration::from_millis(300)).await;
            drop(other);
            db.audit.commit(event(2)).await
        };
        let (a, b) = futures_util::future::join(first, second).await;
        a.expect("first committed");
        b.expect("second committed");
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(commits(&db), 1, "one commit for both reads");
        assert_eq!(db.metrics.audit_group_commit_events.get(), 2);
    }

    #[actix_web::test]
    async fn a_read_that_ends_without_events_holds_the_batch_no_longer_than_the_delay() {
        let (_dir, db) = db(Duration::from_millis(600));
        let other = db.audit.reading();
        let started = Instant::now();
        let first = db.audit.commit(event(1));
        let ends = async {
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
            // Failed: it submits nothing.
            drop(other);
        };
        let (a, ()) = futures_util::future::join(first, ends).await;
        a.expect("committed");
        // It waited for the other read, and then no longer than the delay.
        assert!(started.elapsed() >= Duration::from_millis(500));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(commits(&db), 1);
    }
}
