//! Allocation plans as stored: the plan (period, status) and its lines, one worker × school ×
//! mode each, with the reasons as JSON.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{allocation_plan_lines, allocation_plans, schools, users};
use crate::domain::social_map::PresenceMode;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = allocation_plans, treat_none_as_null = true)]
pub struct PlanRow {
    pub id: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub status: String,
    pub created_by: String,
    pub applied_at: Option<NaiveDateTime>,
    pub applied_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = allocation_plan_lines, treat_none_as_null = true)]
pub struct LineRow {
    pub id: String,
    pub plan_id: String,
    pub worker_id: String,
    pub school_id: String,
    pub mode: PresenceMode,
    pub weekday: Option<i32>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub hours: f64,
    pub reasons: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A line with the worker's and the school's names.
pub type LineView = (LineRow, String, String);

pub fn insert_plan(conn: &mut DbConn, row: &PlanRow) -> QueryResult<()> {
    diesel::insert_into(allocation_plans::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_lines(conn: &mut DbConn, rows: &[LineRow]) -> QueryResult<()> {
    // One statement per line: a batch insert does not compile on the multi-backend connection.
    for row in rows {
        diesel::insert_into(allocation_plan_lines::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<PlanRow> {
    allocation_plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
}

/// Plans, newest first.
pub fn list(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<PlanRow>> {
    allocation_plans::table
        .select(PlanRow::as_select())
        .order((
            allocation_plans::created_at.desc(),
            allocation_plans::id.desc(),
        ))
        .limit(limit)
        .load(conn)
}

/// A plan's lines by school name, mode, weekday and time.
pub fn lines(conn: &mut DbConn, plan_id: &str) -> QueryResult<Vec<LineView>> {
    allocation_plan_lines::table
        .inner_join(users::table.on(users::id.eq(allocation_plan_lines::worker_id)))
        .inner_join(schools::table.on(schools::id.eq(allocation_plan_lines::school_id)))
        .filter(allocation_plan_lines::plan_id.eq(plan_id))
        .select((LineRow::as_select(), users::display_name, schools::name))
        .order((
            schools::name,
            allocation_plan_lines::mode,
            allocation_plan_lines::weekday,
            allocation_plan_lines::start_time,
            allocation_plan_lines::id,
        ))
        .load(conn)
}

pub fn find_line(conn: &mut DbConn, plan_id: &str, id: &str) -> QueryResult<LineRow> {
    allocation_plan_lines::table
        .filter(allocation_plan_lines::plan_id.eq(plan_id))
        .filter(allocation_plan_lines::id.eq(id))
        .select(LineRow::as_select())
        .first(conn)
}

pub fn update_line(conn: &mut DbConn, row: &LineRow) -> QueryResult<()> {
    diesel::update(allocation_plan_lines::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete_line(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(allocation_plan_lines::table.find(id)).execute(conn)
}

/// Marks a plan changed (its ETag moves) and, when `applied_by` is given, applied.
pub fn touch(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    applied: Option<(&str, NaiveDateTime)>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let q = diesel::update(allocation_plans::table.find(id));
    match applied {
        Some((by, when)) => q
            .set((
                allocation_plans::status.eq(status),
                allocation_plans::applied_by.eq(Some(by)),
                allocation_plans::applied_at.eq(Some(when)),
                allocation_plans::updated_at.eq(at),
            ))
            .execute(conn),
        None => q
            .set((
                allocation_plans::status.eq(status),
                allocation_plans::updated_at.eq(at),
            ))
            .execute(conn),
    }
    .map(|_| ())
}
