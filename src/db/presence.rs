//! Office hours as stored: the weekly assignments they recur from, exceptions (cancelled or
//! moved sessions), closed periods, sessions logged as held, and calendar feed tokens.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use super::DbConn;
use super::assignments::AssignmentRow;
use super::schema::{
    assignments, calendar_tokens, closed_periods, office_hour_exceptions, office_hour_logs,
    schools, users,
};

/// An office-hours assignment with what a session shows beside it.
#[derive(Debug, Clone, Queryable)]
pub struct SlotRow {
    pub assignment: AssignmentRow,
    pub worker_name: String,
    pub school_name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
}

/// Which office-hours assignments to expand.
#[derive(Debug, Default, Clone)]
pub struct SlotFilter {
    pub school_id: Option<String>,
    pub worker_id: Option<String>,
}

/// Office-hours assignments valid at some point in `[from, to]`.
pub fn slots(
    conn: &mut DbConn,
    f: &SlotFilter,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<SlotRow>> {
    let mut q = assignments::table
        .inner_join(users::table)
        .inner_join(schools::table)
        .filter(assignments::mode.eq("office_hours"))
        .filter(assignments::valid_from.le(to))
        .filter(
            assignments::valid_to
                .is_null()
                .or(assignments::valid_to.ge(from)),
        )
        .select((
            AssignmentRow::as_select(),
            users::display_name,
            schools::name,
            schools::street,
            schools::postal_code,
            schools::city,
        ))
        .order(assignments::id)
        .into_boxed();
    if let Some(s) = &f.school_id {
        q = q.filter(assignments::school_id.eq(s.clone()));
    }
    if let Some(w) = &f.worker_id {
        q = q.filter(assignments::worker_id.eq(w.clone()));
    }
    q.load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = office_hour_exceptions, treat_none_as_null = true)]
pub struct ExceptionRow {
    pub id: String,
    pub assignment_id: String,
    pub session_date: NaiveDate,
    pub kind: String,
    pub moved_date: Option<NaiveDate>,
    pub moved_start_time: Option<NaiveTime>,
    pub moved_end_time: Option<NaiveTime>,
    pub reason: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn exceptions(
    conn: &mut DbConn,
    assignment_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ExceptionRow>> {
    office_hour_exceptions::table
        .filter(office_hour_exceptions::assignment_id.eq_any(assignment_ids))
        .filter(office_hour_exceptions::session_date.between(from, to))
        .select(ExceptionRow::as_select())
        .load(conn)
}

pub fn find_exception(conn: &mut DbConn, id: &str) -> QueryResult<ExceptionRow> {
    office_hour_exceptions::table
        .find(id)
        .select(ExceptionRow::as_select())
        .first(conn)
}

pub fn exception_on(
    conn: &mut DbConn,
    assignment_id: &str,
    day: NaiveDate,
) -> QueryResult<Option<ExceptionRow>> {
    office_hour_exceptions::table
        .filter(office_hour_exceptions::assignment_id.eq(assignment_id))
        .filter(office_hour_exceptions::session_date.eq(day))
        .select(ExceptionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_exception(conn: &mut DbConn, row: &ExceptionRow) -> QueryResult<()> {
    diesel::insert_into(office_hour_exceptions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete_exception(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(office_hour_exceptions::table.find(id)).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = office_hour_logs)]
pub struct LogRow {
    pub id: String,
    pub assignment_id: String,
    pub session_date: NaiveDate,
    pub contacts: i32,
    pub note: String,
    pub logged_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn logs(
    conn: &mut DbConn,
    assignment_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<LogRow>> {
    office_hour_logs::table
        .filter(office_hour_logs::assignment_id.eq_any(assignment_ids))
        .filter(office_hour_logs::session_date.between(from, to))
        .select(LogRow::as_select())
        .load(conn)
}

pub fn insert_log(conn: &mut DbConn, row: &LogRow) -> QueryResult<()> {
    diesel::insert_into(office_hour_logs::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = closed_periods)]
pub struct ClosedPeriodRow {
    pub id: String,
    pub name: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// One school's (a study day); `None` for every school (a holiday).
    pub school_id: Option<String>,
}

/// Closed periods overlapping `[from, to]` (all when both are open), by first day.
pub fn closed_periods(
    conn: &mut DbConn,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> QueryResult<Vec<ClosedPeriodRow>> {
    let mut q = closed_periods::table
        .select(ClosedPeriodRow::as_select())
        .order((closed_periods::first_day, closed_periods::id))
        .into_boxed();
    if let Some(f) = from {
        q = q.filter(closed_periods::last_day.ge(f));
    }
    if let Some(t) = to {
        q = q.filter(closed_periods::first_day.le(t));
    }
    q.load(conn)
}

pub fn insert_closed_period(conn: &mut DbConn, row: &ClosedPeriodRow) -> QueryResult<()> {
    diesel::insert_into(closed_periods::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete_closed_period(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(closed_periods::table.find(id)).execute(conn)
}

/// Stores the hash of a user's new feed token, replacing (and so revoking) the previous one.
pub fn set_calendar_token(
    conn: &mut DbConn,
    user_id: &str,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let changed = diesel::update(calendar_tokens::table.find(user_id))
        .set((
            calendar_tokens::token_hash.eq(token_hash),
            calendar_tokens::rotated_at.eq(at),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(calendar_tokens::table)
            .values((
                calendar_tokens::user_id.eq(user_id),
                calendar_tokens::token_hash.eq(token_hash),
                calendar_tokens::created_at.eq(at),
                calendar_tokens::rotated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The user a feed token hash belongs to.
pub fn user_of_calendar_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<String>> {
    calendar_tokens::table
        .filter(calendar_tokens::token_hash.eq(token_hash))
        .select(calendar_tokens::user_id)
        .first(conn)
        .optional()
}
