//! Failed-login counters, shared by every instance on one database.
//!
//! A counter lives for one fixed window from its first failure. An attempt is counted
//! *before* the password is checked (increment, then read, under the row's write lock), so
//! concurrent attempts cannot slip past the limit between a read and a write; a successful
//! login gives its attempt back.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::login_throttle as t;
use super::{DbConn, now};

/// One counter to check: its key and the most failures it allows per window (0: no limit).
pub struct Limit<'a> {
    pub key: &'a str,
    pub max_failures: i32,
}

/// Why an attempt was not counted.
#[derive(Debug)]
pub enum Refusal {
    /// A limit is used up: retry after this many seconds (when the fullest window ends).
    Throttled(u64),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Refusal {
    fn from(e: diesel::result::Error) -> Self {
        Refusal::Db(e)
    }
}

/// Counts one attempt against every limit, unless one of them is used up already; a refused
/// attempt rolls back and is not counted.
pub fn reserve(conn: &mut DbConn, limits: &[Limit<'_>], window: Duration) -> Result<(), Refusal> {
    use diesel::result::{DatabaseErrorKind, Error};
    let mut attempt = 0;
    loop {
        attempt += 1;
        // Two first failures racing both try to insert; the loser starts again and updates.
        match super::write_tx(conn, |c| try_reserve(c, limits, window)) {
            Err(Refusal::Db(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)))
                if attempt < 3 => {}
            other => return other,
        }
    }
}

fn try_reserve(c: &mut DbConn, limits: &[Limit<'_>], window: Duration) -> Result<(), Refusal> {
    let at = now();
    diesel::delete(t::table.filter(t::window_started_at.le(at - window))).execute(c)?;
    let mut wait: Option<u64> = None;
    for limit in limits.iter().filter(|l| l.max_failures > 0) {
        let updated = diesel::update(t::table.find(limit.key))
            .set(t::failures.eq(t::failures + 1))
            .execute(c)?;
        if updated == 0 {
            diesel::insert_into(t::table)
                .values((
                    t::key.eq(limit.key),
                    t::failures.eq(1),
                    t::window_started_at.eq(at),
                ))
                .execute(c)?;
        }
        let (failures, started): (i32, NaiveDateTime) = t::table
            .find(limit.key)
            .select((t::failures, t::window_started_at))
            .first(c)?;
        if failures > limit.max_failures {
            let left_ms = (started + window - at).num_milliseconds().max(1) as u64;
            let left = left_ms.div_ceil(1000);
            wait = Some(wait.map_or(left, |w| w.max(left)));
        }
    }
    match wait {
        Some(seconds) => Err(Refusal::Throttled(seconds)),
        None => Ok(()),
    }
}

/// Gives back the attempt a successful login reserved: the account starts afresh, and the
/// address keeps only its failures.
pub fn succeeded(conn: &mut DbConn, account_key: &str, address_key: &str) -> QueryResult<()> {
    super::write_tx(conn, |c| {
        diesel::delete(t::table.find(account_key)).execute(c)?;
        diesel::update(t::table.find(address_key).filter(t::failures.gt(0)))
            .set(t::failures.eq(t::failures - 1))
            .execute(c)?;
        Ok(())
    })
}
