//! Consult requests: rows and queries. Reads that serve a caller take the schools the caller
//! may see, so another school's request is simply not found.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{consult_request_themes, consult_requests, schools, users};
use crate::domain::ids::SchoolId;
use crate::domain::presence::{ConsultStatus, ConsultUrgency};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = consult_requests, treat_none_as_null = true)]
pub struct ConsultRow {
    pub id: String,
    pub school_id: String,
    pub reason: String,
    pub urgency: ConsultUrgency,
    /// ISO dates, comma-separated.
    pub preferred_dates: String,
    pub status: ConsultStatus,
    pub scheduled_date: Option<NaiveDate>,
    pub scheduled_start_time: Option<NaiveTime>,
    pub scheduled_end_time: Option<NaiveTime>,
    pub worker_id: Option<String>,
    pub outcome_note: Option<String>,
    pub cancel_reason: Option<String>,
    pub case_id: Option<String>,
    pub requested_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A request with its school's name and the scheduled worker's name.
pub type ConsultView = (ConsultRow, String, Option<String>);

/// Which schools' requests a caller reaches; `None` is every school.
pub type SchoolScope = Option<Vec<SchoolId>>;

#[derive(Debug, Default)]
pub struct ConsultFilter {
    pub school_id: Option<String>,
    pub status: Option<String>,
}

pub fn find(conn: &mut DbConn, id: &str, scope: &SchoolScope) -> QueryResult<ConsultView> {
    let mut q = consult_requests::table
        .inner_join(schools::table)
        .left_join(users::table.on(users::id.nullable().eq(consult_requests::worker_id)))
        .filter(consult_requests::id.eq(id.to_string()))
        .select((
            ConsultRow::as_select(),
            schools::name,
            users::display_name.nullable(),
        ))
        .into_boxed();
    if let Some(s) = scope {
        q = q.filter(consult_requests::school_id.eq_any(s.clone()));
    }
    q.first(conn)
}

/// The requests linked to a case, oldest first. For the case's own team (the caller has been
/// checked against the case).
pub fn of_case(conn: &mut DbConn, case_id: &str) -> QueryResult<Vec<ConsultView>> {
    consult_requests::table
        .inner_join(schools::table)
        .left_join(users::table.on(users::id.nullable().eq(consult_requests::worker_id)))
        .filter(consult_requests::case_id.eq(case_id))
        .order((consult_requests::created_at, consult_requests::id))
        .select((
            ConsultRow::as_select(),
            schools::name,
            users::display_name.nullable(),
        ))
        .load(conn)
}

/// Requests newest first (created, then id, descending); `after` is the last row's key.
pub fn list(
    conn: &mut DbConn,
    scope: &SchoolScope,
    f: ConsultFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<ConsultView>> {
    let mut q = consult_requests::table
        .inner_join(schools::table)
        .left_join(users::table.on(users::id.nullable().eq(consult_requests::worker_id)))
        .select((
            ConsultRow::as_select(),
            schools::name,
            users::display_name.nullable(),
        ))
        .order((
            consult_requests::created_at.desc(),
            consult_requests::id.desc(),
        ))
        .into_boxed();
    if let Some(s) = scope {
        q = q.filter(consult_requests::school_id.eq_any(s.clone()));
    }
    if let Some(s) = f.school_id {
        q = q.filter(consult_requests::school_id.eq(s));
    }
    if let Some(s) = f.status {
        q = q.filter(consult_requests::status.eq(s));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            consult_requests::created_at
                .lt(at)
                .or(consult_requests::created_at
                    .eq(at)
                    .and(consult_requests::id.lt(id))),
        );
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

pub fn insert(conn: &mut DbConn, row: &ConsultRow, themes: &[String]) -> QueryResult<()> {
    diesel::insert_into(consult_requests::table)
        .values(row)
        .execute(conn)?;
    for t in themes {
        diesel::insert_into(consult_request_themes::table)
            .values((
                consult_request_themes::consult_id.eq(&row.id),
                consult_request_themes::theme_code.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &ConsultRow) -> QueryResult<()> {
    diesel::update(consult_requests::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn themes_of(conn: &mut DbConn, ids: &[String]) -> QueryResult<HashMap<String, Vec<String>>> {
    let rows: Vec<(String, String)> = consult_request_themes::table
        .filter(consult_request_themes::consult_id.eq_any(ids))
        .order((
            consult_request_themes::consult_id,
            consult_request_themes::theme_code,
        ))
        .select((
            consult_request_themes::consult_id,
            consult_request_themes::theme_code,
        ))
        .load(conn)?;
    Ok(super::grouped(rows))
}

/// Consult requests per school created in `[from, to)`.
pub fn count_by_school(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = consult_requests::table
        .filter(consult_requests::created_at.ge(from))
        .filter(consult_requests::created_at.lt(to))
        .group_by(consult_requests::school_id)
        .select((consult_requests::school_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A planned visit with what a calendar shows beside it.
pub type VisitRow = (ConsultRow, String, String, String, String, String);

/// Scheduled visits on a day in `[from, to]`, at `school` and/or by `worker` when given:
/// (request, school name, street, postal code, city, worker name), by date.
pub fn visits(
    conn: &mut DbConn,
    school: Option<&str>,
    worker: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<VisitRow>> {
    let mut q = consult_requests::table
        .inner_join(schools::table)
        .inner_join(users::table.on(users::id.nullable().eq(consult_requests::worker_id)))
        .filter(consult_requests::status.eq(ConsultStatus::Scheduled.as_str()))
        .filter(consult_requests::scheduled_date.ge(from))
        .filter(consult_requests::scheduled_date.le(to))
        .select((
            ConsultRow::as_select(),
            schools::name,
            schools::street,
            schools::postal_code,
            schools::city,
            users::display_name,
        ))
        .order((consult_requests::scheduled_date, consult_requests::id))
        .into_boxed();
    if let Some(s) = school {
        q = q.filter(consult_requests::school_id.eq(s.to_string()));
    }
    if let Some(w) = worker {
        q = q.filter(consult_requests::worker_id.eq(w.to_string()));
    }
    q.load(conn)
}
