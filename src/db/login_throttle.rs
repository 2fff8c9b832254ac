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

/// One counter to count the attempt on: its key and the most failures it allows per window
/// (0: no limit), and when that limit applies.
pub struct Limit<'a> {
    pub key: &'a str,
    pub max_failures: i32,
    pub enforce: Enforce<'a>,
}

/// When a used-up limit refuses an attempt.
#[derive(Clone, Copy)]
pub enum Enforce<'a> {
    Always,
    /// Only when the counter under this key already holds a failure of this window: an
    /// account attacked from everywhere stays open to a client that has not failed on it.
    IfFailed(&'a str),
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
    // Read before this attempt is counted.
    let mut enforced = Vec::with_capacity(limits.len());
    for limit in limits {
        enforced.push(match limit.enforce {
            Enforce::Always => true,
            Enforce::IfFailed(key) => t::table
                .find(key)
                .select(t::failures)
                .first::<i32>(c)
                .optional()?
                .is_some_and(|f| f > 0),
        });
    }
    for (limit, enforced) in limits.iter().zip(enforced) {
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
        if enforced && limit.max_failures > 0 && failures > limit.max_failures {
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

/// Gives back the attempt a success reserved: the counters under `fresh` start afresh (the
/// account from this client), the others give back this one attempt and keep their failures
/// (the client's, the account's from everywhere: an attacker's failures are not wiped by the
/// owner logging in).
pub fn succeeded(conn: &mut DbConn, fresh: &[&str], give_back: &[&str]) -> QueryResult<()> {
    super::write_tx(conn, |c| {
        for key in fresh {
            diesel::delete(t::table.find(*key)).execute(c)?;
        }
        for key in give_back {
            diesel::update(t::table.find(*key).filter(t::failures.gt(0)))
                .set(t::failures.eq(t::failures - 1))
                .execute(c)?;
        }
        Ok(())
    })
}
