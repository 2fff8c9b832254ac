//! Themes: the small taxonomy services (and later cases) are tagged with.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::themes;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = themes)]
pub struct ThemeRow {
    pub code: String,
    pub label_nl: String,
    pub label_en: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, code: &str) -> QueryResult<ThemeRow> {
    themes::table
        .find(code)
        .select(ThemeRow::as_select())
        .first(conn)
}

pub fn find_many(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<ThemeRow>> {
    themes::table
        .filter(themes::code.eq_any(codes))
        .select(ThemeRow::as_select())
        .load(conn)
}

pub fn list(
    conn: &mut DbConn,
    active: Option<bool>,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<ThemeRow>> {
    let mut q = themes::table
        .select(ThemeRow::as_select())
        .order(themes::code)
        .into_boxed();
    if let Some(a) = active {
        q = q.filter(themes::active.eq(a));
    }
    if let Some(code) = after {
        q = q.filter(themes::code.gt(code));
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

pub fn insert(conn: &mut DbConn, row: &ThemeRow) -> QueryResult<()> {
    diesel::insert_into(themes::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(
    conn: &mut DbConn,
    code: &str,
    label_nl: &str,
    label_en: &str,
    active: bool,
) -> QueryResult<()> {
    diesel::update(themes::table.find(code))
        .set((
            themes::label_nl.eq(label_nl),
            themes::label_en.eq(label_en),
            themes::active.eq(active),
            themes::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}
