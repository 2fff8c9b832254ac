//! Workers' absences (leave, illness): rows and queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{users, worker_absences};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = worker_absences, treat_none_as_null = true)]
pub struct AbsenceRow {
    pub id: String,
    pub worker_id: String,
    pub kind: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub substitute_id: Option<String>,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &AbsenceRow) -> QueryResult<()> {
    diesel::insert_into(worker_absences::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<AbsenceRow> {
    worker_absences::table
        .find(id)
        .select(AbsenceRow::as_select())
        .first(conn)
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(worker_absences::table.find(id)).execute(conn)
}

/// Absences overlapping `[from, to]`, of `worker` when given, by first day.
pub fn overlapping(
    conn: &mut DbConn,
    worker: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<AbsenceRow>> {
    let mut q = worker_absences::table
        .filter(worker_absences::first_day.le(to))
        .filter(worker_absences::last_day.ge(from))
        .select(AbsenceRow::as_select())
        .order((worker_absences::first_day, worker_absences::id))
        .into_boxed();
    if let Some(w) = worker {
        q = q.filter(worker_absences::worker_id.eq(w.to_string()));
    }
    q.load(conn)
}

/// Display names of `ids`.
pub fn names(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::id.eq_any(ids.to_vec()))
        .select((users::id, users::display_name))
        .load(conn)
}
