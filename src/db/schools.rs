//! Schools: rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{assignments, schools, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schools, treat_none_as_null = true)]
pub struct SchoolRow {
    pub id: String,
    pub network_id: String,
    pub name: String,
    pub institution_number: String,
    pub level: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub pupil_count: i32,
    pub ses_any: Option<f64>,
    pub ses_home_language: Option<f64>,
    pub ses_maternal_education: Option<f64>,
    pub ses_school_allowance: Option<f64>,
    pub ses_neighbourhood: Option<f64>,
    pub preferred_presence: Option<String>,
    pub wishes_note: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// ISO weekdays the school wishes, comma-separated ('' for none).
    pub wish_weekdays: String,
    pub wish_start_time: Option<chrono::NaiveTime>,
    pub wish_end_time: Option<chrono::NaiveTime>,
}

/// ISO weekdays from their stored form (`"2,4"`); anything else is left out.
pub fn parse_weekdays(stored: &str) -> Vec<u8> {
    stored
        .split(',')
        .filter_map(|d| d.trim().parse::<u8>().ok())
        .filter(|d| (1..=7).contains(d))
        .collect()
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<SchoolRow> {
    schools::table
        .find(id)
        .select(SchoolRow::as_select())
        .first(conn)
}

pub fn find_by_institution_number(
    conn: &mut DbConn,
    number: &str,
) -> QueryResult<Option<SchoolRow>> {
    schools::table
        .filter(schools::institution_number.eq(number))
        .select(SchoolRow::as_select())
        .first(conn)
        .optional()
}

pub struct SchoolFilter {
    pub network_id: Option<String>,
    pub active: Option<bool>,
    pub q: Option<String>,
}

pub fn list(
    conn: &mut DbConn,
    f: SchoolFilter,
    after: Option<(String, String)>,
    limit: i64,
) -> QueryResult<Vec<SchoolRow>> {
    let mut q = schools::table
        .select(SchoolRow::as_select())
        .order((schools::name, schools::id))
        .into_boxed();
    if let Some(n) = f.network_id {
        q = q.filter(schools::network_id.eq(n));
    }
    if let Some(a) = f.active {
        q = q.filter(schools::active.eq(a));
    }
    if let Some(text) = f.q {
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let pattern = pattern.to_lowercase();
        q = q.filter(
            super::lower(schools::name)
                .like(pattern.clone())
                .escape('\\')
                .or(schools::institution_number.like(pattern).escape('\\')),
        );
    }
    if let Some((name, id)) = after {
        q = q.filter(
            schools::name
                .gt(name.clone())
                .or(schools::name.eq(name).and(schools::id.gt(id))),
        );
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

pub fn insert(conn: &mut DbConn, row: &SchoolRow) -> QueryResult<()> {
    diesel::insert_into(schools::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConn, row: &SchoolRow) -> QueryResult<()> {
    diesel::update(schools::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Whether users or assignments still refer to the school.
pub fn in_use(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let u: i64 = users::table
        .filter(users::school_id.eq(id))
        .count()
        .get_result(conn)?;
    let a: i64 = assignments::table
        .filter(assignments::school_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(u + a > 0)
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(schools::table.find(id)).execute(conn)?;
    Ok(())
}
