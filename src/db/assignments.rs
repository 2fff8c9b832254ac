//! Assignments of social workers to schools, and the one answer to "which schools may this
//! worker act for, now".

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{assignments, schools, users};
use crate::domain::ids::SchoolId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = assignments, treat_none_as_null = true)]
pub struct AssignmentRow {
    pub id: String,
    pub worker_id: String,
    pub school_id: String,
    pub mode: crate::domain::social_map::PresenceMode,
    pub weekday: Option<i32>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An assignment with the names a reader needs beside it.
pub type AssignmentView = (AssignmentRow, String, String, String);

fn current_on(
    day: NaiveDate,
) -> Box<
    dyn BoxableExpression<
            assignments::table,
            super::MultiBackend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
> {
    Box::new(
        assignments::valid_from.le(day).and(
            assignments::valid_to
                .is_null()
                .or(assignments::valid_to.ge(day)),
        ),
    )
}

/// An account with the schools it may act for on `day` as a worker (see `schools_of_worker`),
/// in one statement: what every request of a worker reads before anything else.
pub fn user_with_schools(
    conn: &mut DbConn,
    user_id: &str,
    day: NaiveDate,
) -> QueryResult<(super::users::UserRow, Vec<SchoolId>)> {
    let schools = assignments::table
        .filter(assignments::worker_id.eq(users::id))
        .filter(
            assignments::valid_from.le(day).and(
                assignments::valid_to
                    .is_null()
                    .or(assignments::valid_to.ge(day)),
            ),
        )
        .select(super::cases::string_agg(assignments::school_id, " "))
        .single_value();
    let (row, joined): (super::users::UserRow, Option<String>) = users::table
        .find(user_id)
        .select((super::users::UserRow::as_select(), schools))
        .first(conn)?;
    let mut ids: Vec<SchoolId> = joined
        .unwrap_or_default()
        .split_whitespace()
        .map(|s| SchoolId::from(s.to_string()))
        .collect();
    ids.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
    ids.dedup_by(|a, b| a.as_str() == b.as_str());
    Ok((row, ids))
}

/// The schools a worker may act for on `day`: those with an assignment valid that day, in any
/// mode. Reassignments take effect at once because this is asked on every request.
pub fn schools_of_worker(
    conn: &mut DbConn,
    worker_id: &str,
    day: NaiveDate,
) -> QueryResult<Vec<SchoolId>> {
    assignments::table
        .filter(assignments::worker_id.eq(worker_id))
        .filter(current_on(day))
        .select(assignments::school_id)
        .distinct()
        .load(conn)
}

pub struct AssignmentFilter {
    pub worker_id: Option<String>,
    pub school_id: Option<String>,
    pub mode: Option<String>,
    pub current_on: Option<NaiveDate>,
}

/// Assignments with the worker's name and e-mail and the school's name, sorted by school name.
pub fn list(
    conn: &mut DbConn,
    f: AssignmentFilter,
    after: Option<(String, String)>,
    limit: i64,
) -> QueryResult<Vec<AssignmentView>> {
    let mut q = assignments::table
        .inner_join(users::table)
        .inner_join(schools::table)
        .select((
            AssignmentRow::as_select(),
            users::display_name,
            users::email,
            schools::name,
        ))
        .order((schools::name, assignments::id))
        .into_boxed();
    if let Some(w) = f.worker_id {
        q = q.filter(assignments::worker_id.eq(w));
    }
    if let Some(s) = f.school_id {
        q = q.filter(assignments::school_id.eq(s));
    }
    if let Some(m) = f.mode {
        q = q.filter(assignments::mode.eq(m));
    }
    if let Some(day) = f.current_on {
        q = q.filter(
            assignments::valid_from.le(day).and(
                assignments::valid_to
                    .is_null()
                    .or(assignments::valid_to.ge(day)),
            ),
        );
    }
    if let Some((name, id)) = after {
        q = q.filter(
            schools::name
                .gt(name.clone())
                .or(schools::name.eq(name).and(assignments::id.gt(id))),
        );
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<AssignmentView> {
    find_scoped(conn, id, None, None)
}

/// The assignment, if it is `worker`'s (when given) at `school` (when given); else not found.
pub fn find_scoped(
    conn: &mut DbConn,
    id: &str,
    worker: Option<&str>,
    school: Option<&str>,
) -> QueryResult<AssignmentView> {
    let mut q = assignments::table
        .inner_join(users::table)
        .inner_join(schools::table)
        .filter(assignments::id.eq(id))
        .select((
            AssignmentRow::as_select(),
            users::display_name,
            users::email,
            schools::name,
        ))
        .into_boxed();
    if let Some(w) = worker {
        q = q.filter(assignments::worker_id.eq(w.to_string()));
    }
    if let Some(s) = school {
        q = q.filter(assignments::school_id.eq(s.to_string()));
    }
    q.first(conn)
}

pub fn insert(conn: &mut DbConn, row: &AssignmentRow) -> QueryResult<()> {
    diesel::insert_into(assignments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConn, row: &AssignmentRow) -> QueryResult<()> {
    diesel::update(assignments::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(assignments::table.find(id)).execute(conn)
}

/// The school's SPOC on `day`: the worker with a current `spoc` assignment there (the earliest
/// assigned when there are several), if any.
pub fn spoc_of(conn: &mut DbConn, school_id: &str, day: NaiveDate) -> QueryResult<Option<String>> {
    assignments::table
        .filter(assignments::school_id.eq(school_id))
        .filter(assignments::mode.eq("spoc"))
        .filter(current_on(day))
        .order((assignments::valid_from, assignments::id))
        .select(assignments::worker_id)
        .first(conn)
        .optional()
}

/// The office-hours assignments of `worker_id` on `weekday` whose validity overlaps
/// `[from, to]` (open-ended when `to` is `None`), other than `except`, with the school's name:
/// what a new weekly slot of that worker could clash with.
pub fn same_day_office_hours(
    conn: &mut DbConn,
    worker_id: &str,
    weekday: i32,
    from: NaiveDate,
    to: Option<NaiveDate>,
    except: &[String],
) -> QueryResult<Vec<(AssignmentRow, String)>> {
    let mut q = assignments::table
        .inner_join(schools::table)
        .filter(assignments::worker_id.eq(worker_id))
        .filter(assignments::mode.eq("office_hours"))
        .filter(assignments::weekday.eq(weekday))
        .filter(
            assignments::valid_to
                .is_null()
                .or(assignments::valid_to.ge(from)),
        )
        .filter(assignments::id.ne_all(except.to_vec()))
        .select((AssignmentRow::as_select(), schools::name))
        .order(assignments::id)
        .into_boxed();
    if let Some(t) = to {
        q = q.filter(assignments::valid_from.le(t));
    }
    q.load(conn)
}

/// Assignments at one of `schools_in` valid at some point in `[from, to]`: what an allocation
/// plan over those schools replaces.
pub fn overlapping(
    conn: &mut DbConn,
    schools_in: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<AssignmentRow>> {
    assignments::table
        .filter(assignments::school_id.eq_any(schools_in.to_vec()))
        .filter(assignments::valid_from.le(to))
        .filter(
            assignments::valid_to
                .is_null()
                .or(assignments::valid_to.ge(from)),
        )
        .select(AssignmentRow::as_select())
        .order(assignments::id)
        .load(conn)
}

/// The assignments of `worker_id` valid on `day` or later.
pub fn of_worker_from(
    conn: &mut DbConn,
    worker_id: &str,
    day: NaiveDate,
) -> QueryResult<Vec<AssignmentRow>> {
    assignments::table
        .filter(assignments::worker_id.eq(worker_id))
        .filter(
            assignments::valid_to
                .is_null()
                .or(assignments::valid_to.ge(day)),
        )
        .select(AssignmentRow::as_select())
        .order(assignments::id)
        .load(conn)
}

/// Ends an assignment before `day`: it keeps its history up to the day before, or, when it
/// would not have started by then, it is removed. Returns whether it was removed.
pub fn end_before(conn: &mut DbConn, a: &AssignmentRow, day: NaiveDate) -> QueryResult<bool> {
    match day.pred_opt().filter(|last| a.valid_from <= *last) {
        Some(last) => {
            diesel::update(assignments::table.find(&a.id))
                .set((
                    assignments::valid_to.eq(Some(last)),
                    assignments::updated_at.eq(super::now()),
                ))
                .execute(conn)?;
            Ok(false)
        }
        None => {
            delete(conn, &a.id)?;
            Ok(true)
        }
    }
}

/// Active schools without a SPOC on `day`: no current `spoc` assignment of an active worker
/// (for the coordinator's inbox, after a worker left or was deactivated), by name.
pub fn schools_without_spoc(
    conn: &mut DbConn,
    day: NaiveDate,
) -> QueryResult<Vec<(String, String)>> {
    let with_spoc: Vec<String> = assignments::table
        .inner_join(users::table)
        .filter(assignments::mode.eq("spoc"))
        .filter(users::active.eq(true))
        .filter(assignments::valid_from.le(day))
        .filter(
            assignments::valid_to
                .is_null()
                .or(assignments::valid_to.ge(day)),
        )
        .select(assignments::school_id)
        .load(conn)?;
    let all: Vec<(String, String)> = schools::table
        .filter(schools::active.eq(true))
        .select((schools::id, schools::name))
        .order((schools::name, schools::id))
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|(id, _)| !with_spoc.contains(id))
        .collect())
}

/// The school's SPOC on `day` with their name: assignment id, worker id, display name, and
/// since when (the assignment's first day).
pub fn spoc_with_name(
    conn: &mut DbConn,
    school_id: &str,
    day: NaiveDate,
) -> QueryResult<Option<(String, String, String, NaiveDateTime)>> {
    assignments::table
        .inner_join(users::table.on(users::id.eq(assignments::worker_id)))
        .filter(assignments::school_id.eq(school_id))
        .filter(assignments::mode.eq("spoc"))
        .filter(assignments::valid_from.le(day))
        .filter(
            assignments::valid_to
                .is_null()
                .or(assignments::valid_to.ge(day)),
        )
        .order((assignments::valid_from, assignments::id))
        .select((
            assignments::id,
            assignments::worker_id,
            users::display_name,
            assignments::valid_from,
        ))
        .first::<(String, String, String, NaiveDate)>(conn)
        .optional()
        .map(|r| r.map(|(a, w, n, from)| (a, w, n, from.and_time(NaiveTime::MIN))))
}
