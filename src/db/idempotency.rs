//! Idempotency keys: claim a key for a request, store its answer, find it again.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::idempotency_keys as k;
use super::{DbConn, now};

/// How long a key is honoured.
pub const TTL_HOURS: i64 = 24;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = k)]
pub struct KeyRow {
    pub user_id: String,
    pub key: String,
    pub request_hash: String,
    /// Null while the first request is still being answered.
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub enum Claim {
    /// This request is the first: answer it, then `finish` or `release`. The claim's time tells
    /// it apart from a later claim of the same key.
    First(NaiveDateTime),
    /// An earlier request with this key; its answer if it has one yet.
    Earlier(KeyRow),
}

/// `status` of a claim whose request has committed its write but not stored its answer yet.
pub const COMMITTED: i32 = 0;

/// The claim the current request holds, so that `Db::write` can record, in the same transaction
/// as the write, that the write was done (see `mark_committed`).
#[derive(Debug, Clone)]
pub struct HeldClaim {
    pub user_id: String,
    pub key: String,
    pub claimed_at: NaiveDateTime,
}

tokio::task_local! {
    pub static HELD: HeldClaim;
}

/// The claim of the request being answered on this task, if it has one.
pub fn held() -> Option<HeldClaim> {
    HELD.try_with(|c| c.clone()).ok()
}

/// Claims `key` for `user_id`, or returns the earlier request that holds it. An expired key is
/// dropped first. When two requests race, the database's primary key lets one insert; the
/// other sees the unique violation and finds the winner's row on its next look.
///
/// A claim older than `stale` whose request never committed a write (its process was killed,
/// or the database went away before the key could be released) is abandoned: nothing was
/// written, so the retry takes it over. One that committed keeps its key (no second write).
pub fn claim(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    hash: &str,
    stale: Duration,
) -> QueryResult<Claim> {
    use diesel::result::{DatabaseErrorKind, Error};
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_claim(conn, user_id, key, hash, stale) {
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) if attempt < 3 => {}
            other => return other,
        }
    }
}

fn try_claim(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    hash: &str,
    stale: Duration,
) -> QueryResult<Claim> {
    super::write_tx(conn, |c| {
        let at = now();
        let mine = k::table
            .filter(k::user_id.eq(user_id))
            .filter(k::key.eq(key));
        diesel::delete(mine.filter(k::expires_at.lt(at))).execute(c)?;
        diesel::delete(
            mine.filter(k::status.is_null())
                .filter(k::created_at.lt(at - stale)),
        )
        .execute(c)?;
        if let Some(row) = find(c, user_id, key)? {
            return Ok(Claim::Earlier(row));
        }
        diesel::insert_into(k::table)
            .values(&KeyRow {
                user_id: user_id.into(),
                key: key.into(),
                request_hash: hash.into(),
                status: None,
                content_type: None,
                location: None,
                etag: None,
                body: None,
                created_at: at,
                expires_at: at + Duration::hours(TTL_HOURS),
            })
            .execute(c)?;
        Ok(Claim::First(at))
    })
}

pub fn find(conn: &mut DbConn, user_id: &str, key: &str) -> QueryResult<Option<KeyRow>> {
    k::table
        .filter(k::user_id.eq(user_id))
        .filter(k::key.eq(key))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()
}

/// The answer of the first request, as a retry gets it again.
pub struct StoredAnswer {
    pub status: i32,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: String,
}

/// Stores the answer of the first request.
pub fn finish(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    answer: StoredAnswer,
) -> QueryResult<()> {
    let StoredAnswer {
        status,
        content_type,
        location,
        etag,
        body,
    } = answer;
    diesel::update(
        k::table
            .filter(k::user_id.eq(user_id))
            .filter(k::key.eq(key)),
    )
    .set((
        k::status.eq(Some(status)),
        k::content_type.eq(content_type),
        k::location.eq(location),
        k::etag.eq(etag),
        k::body.eq(Some(body)),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Lets the key go (the first request failed on our side; a retry may try again) — unless the
/// request committed a write before failing: then a retry must not write again.
pub fn release(conn: &mut DbConn, user_id: &str, key: &str) -> QueryResult<()> {
    diesel::delete(
        k::table
            .filter(k::user_id.eq(user_id))
            .filter(k::key.eq(key))
            .filter(k::status.is_null()),
    )
    .execute(conn)
    .map(|_| ())
}

/// Inside the request's write transaction: records that the write is done, so that the claim
/// is never taken over once the write has committed. Returns false when the claim is no longer
/// this request's (a retry took it over as stale): the caller must then roll back.
pub fn mark_committed(conn: &mut DbConn, claim: &HeldClaim) -> QueryResult<bool> {
    let n = diesel::update(
        k::table
            .filter(k::user_id.eq(&claim.user_id))
            .filter(k::key.eq(&claim.key))
            .filter(k::created_at.eq(claim.claimed_at))
            .filter(k::status.is_null().or(k::status.eq(COMMITTED))),
    )
    .set(k::status.eq(Some(COMMITTED)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Drops expired keys; returns how many.
pub fn purge_expired(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::delete(k::table.filter(k::expires_at.lt(now()))).execute(conn)
}

/// Replaces every stored answer whose body or location mentions `id` (an id the service
/// generated, so no LIKE wildcards) by `answer`: an erased case's data must not stay behind in
/// the answers kept for retries. The key stays claimed, so a retry gets `answer` and never
/// writes the erased data again.
pub fn replace_answers_mentioning(
    conn: &mut DbConn,
    id: &str,
    answer: &StoredAnswer,
) -> QueryResult<usize> {
    let pattern = format!("%{id}%");
    diesel::update(k::table.filter(k::body.like(pattern.clone()).or(k::location.like(pattern))))
        .set((
            k::status.eq(Some(answer.status)),
            k::content_type.eq(answer.content_type.clone()),
            k::location.eq(answer.location.clone()),
            k::etag.eq(answer.etag.clone()),
            k::body.eq(Some(answer.body.clone())),
        ))
        .execute(conn)
}
