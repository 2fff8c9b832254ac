//! Small key/value settings the service keeps in its own database (e.g. the generated JWT secret).

use diesel::prelude::*;

use super::DbConn;
use super::schema::settings;

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .filter(settings::key.eq(key))
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Stores `value` unless the key has one already, and returns the value that is kept: two
/// instances starting together agree on the first one written.
pub fn get_or_insert(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<String> {
    if let Some(v) = get(conn, key)? {
        return Ok(v);
    }
    let inserted = diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(value),
            settings::updated_at.eq(super::now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(value.to_string()),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => get(conn, key).map(|v| v.unwrap_or_else(|| value.to_string())),
        Err(e) => Err(e),
    }
}
