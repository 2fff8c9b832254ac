//! What an allocation proposal reads: the schools it shares slots over and their help requests.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{cases, schools};
use super::schools::SchoolRow;

/// Active schools, optionally of one network or among `ids`, by name then id.
pub fn schools(
    conn: &mut DbConn,
    network_id: Option<String>,
    ids: Option<Vec<String>>,
) -> QueryResult<Vec<SchoolRow>> {
    let mut q = schools::table
        .filter(schools::active.eq(true))
        .select(SchoolRow::as_select())
        .order((schools::name, schools::id))
        .into_boxed();
    if let Some(n) = network_id {
        q = q.filter(schools::network_id.eq(n));
    }
    if let Some(ids) = ids {
        q = q.filter(schools::id.eq_any(ids));
    }
    q.load(conn)
}

/// Cases per school opened in `[from, to)`.
pub fn cases_by_school(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = cases::table
        .filter(cases::opened_at.ge(from))
        .filter(cases::opened_at.lt(to))
        .group_by(cases::school_id)
        .select((cases::school_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
