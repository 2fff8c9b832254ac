//! Networks: rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{networks, schools, service_networks};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = networks)]
pub struct NetworkRow {
    pub id: String,
    pub name: String,
    pub city: String,
    pub description: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<NetworkRow> {
    networks::table
        .find(id)
        .select(NetworkRow::as_select())
        .first(conn)
}

pub fn list(
    conn: &mut DbConn,
    active: Option<bool>,
    after: Option<(String, String)>,
    limit: i64,
) -> QueryResult<Vec<NetworkRow>> {
    let mut q = networks::table
        .select(NetworkRow::as_select())
        .order((networks::name, networks::id))
        .into_boxed();
    if let Some(a) = active {
        q = q.filter(networks::active.eq(a));
    }
    if let Some((name, id)) = after {
        q = q.filter(
            networks::name
                .gt(name.clone())
                .or(networks::name.eq(name).and(networks::id.gt(id))),
        );
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

/// Whether anything still refers to the network (then it is deactivated, not deleted).
pub fn in_use(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let schools: i64 = schools::table
        .filter(schools::network_id.eq(id))
        .count()
        .get_result(conn)?;
    let services: i64 = service_networks::table
        .filter(service_networks::network_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(schools + services > 0)
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(networks::table.find(id)).execute(conn)?;
    Ok(())
}
