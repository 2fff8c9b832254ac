//! Partner organisations: rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{partners, services};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = partners, treat_none_as_null = true)]
pub struct PartnerRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub website: String,
    pub phone: String,
    pub email: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<PartnerRow> {
    partners::table
        .find(id)
        .select(PartnerRow::as_select())
        .first(conn)
}

pub fn find_many(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<PartnerRow>> {
    partners::table
        .filter(partners::id.eq_any(ids))
        .select(PartnerRow::as_select())
        .load(conn)
}

pub struct PartnerFilter {
    pub kind: Option<String>,
    pub active: Option<bool>,
}

/// Partners after the keyset `(name, id)`, in that order; all of them (the directory holds a
/// few dozen), so the caller can apply the accent-insensitive text filter before cutting a page.
pub fn list_after(
    conn: &mut DbConn,
    f: &PartnerFilter,
    after: Option<(String, String)>,
) -> QueryResult<Vec<PartnerRow>> {
    let mut q = partners::table
        .select(PartnerRow::as_select())
        .order((partners::name, partners::id))
        .into_boxed();
    if let Some(k) = &f.kind {
        q = q.filter(partners::kind.eq(k.clone()));
    }
    if let Some(a) = f.active {
        q = q.filter(partners::active.eq(a));
    }
    if let Some((name, id)) = after {
        q = q.filter(
            partners::name
                .gt(name.clone())
                .or(partners::name.eq(name).and(partners::id.gt(id))),
        );
    }
    q.load(conn)
}

/// Every partner, by name: the HSDS view pages through them by number.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<PartnerRow>> {
    partners::table
        .select(PartnerRow::as_select())
        .order((partners::name, partners::id))
        .load(conn)
}

pub fn insert(conn: &mut DbConn, row: &PartnerRow) -> QueryResult<()> {
    diesel::insert_into(partners::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConn, row: &PartnerRow) -> QueryResult<()> {
    diesel::update(partners::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// The parent of a partner: `None` when there is no such partner, `Some(None)` at the top.
pub fn parent_of(conn: &mut DbConn, id: &str) -> QueryResult<Option<Option<String>>> {
    partners::table
        .find(id)
        .select(partners::parent_id)
        .first(conn)
        .optional()
}

/// Why a partner cannot be deleted: services or child organisations still refer to it.
pub fn in_use(conn: &mut DbConn, id: &str) -> QueryResult<(i64, i64)> {
    let s: i64 = services::table
        .filter(services::partner_id.eq(id))
        .count()
        .get_result(conn)?;
    let c: i64 = partners::table
        .filter(partners::parent_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok((s, c))
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(partners::table.find(id)).execute(conn)?;
    Ok(())
}

/// `id` and every organisation below it (children, their children), own id first: the
/// organisations a partner account answers for. Bounded by the depth of the social map; a
/// cycle (refused when written) cannot loop here.
pub fn with_descendants(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
    let mut all = vec![id.to_string()];
    let mut frontier = vec![id.to_string()];
    while !frontier.is_empty() && all.len() < 10_000 {
        let children: Vec<String> = partners::table
            .filter(partners::parent_id.eq_any(&frontier))
            .select(partners::id)
            .load(conn)?;
        frontier = children.into_iter().filter(|c| !all.contains(c)).collect();
        all.extend(frontier.iter().cloned());
    }
    Ok(all)
}
