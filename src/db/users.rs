//! Users: lookups and writes. Rows stay in this module; the API has its own response types.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::users;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// Parsed when the row is read: an unknown stored role fails the read.
    pub role: crate::domain::Role,
    pub school_id: Option<String>,
    pub active: bool,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Raised whenever the credentials change (password, reset, deactivation, role or school):
    /// a token issued for an older version is refused.
    pub credentials_version: i32,
    /// The password was set by someone else (a reset, a new account, the first start): its
    /// owner must change it before doing anything else.
    pub must_change_password: bool,
    pub password_changed_at: Option<NaiveDateTime>,
    pub password_reset_at: Option<NaiveDateTime>,
    pub password_reset_by: Option<String>,
    /// For `partner` accounts: the partner organisation they act for.
    pub partner_id: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub school_id: Option<String>,
    pub partner_id: Option<String>,
    pub active: bool,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub must_change_password: bool,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<UserRow> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, row: &NewUserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Who set a password: its owner (who knew the old one), or someone else (a coordinator's
/// reset), whose password is then one-time.
#[derive(Debug, Clone, Copy)]
pub enum SetBy<'a> {
    Owner,
    Other { user_id: &'a str },
}

/// Stores a new password hash and ends every session of the account (its tokens carry the old
/// credentials version).
pub fn set_password(
    conn: &mut DbConn,
    id: &str,
    password_hash: &str,
    by: SetBy<'_>,
) -> QueryResult<usize> {
    let at = super::now();
    let q = diesel::update(users::table.find(id));
    let common = (
        users::password_hash.eq(password_hash),
        users::credentials_version.eq(users::credentials_version + 1),
        users::updated_at.eq(at),
    );
    match by {
        SetBy::Owner => q
            .set((
                common,
                users::must_change_password.eq(false),
                users::password_changed_at.eq(Some(at)),
            ))
            .execute(conn),
        SetBy::Other { user_id } => q
            .set((
                common,
                users::must_change_password.eq(true),
                users::password_reset_at.eq(Some(at)),
                users::password_reset_by.eq(Some(user_id)),
            ))
            .execute(conn),
    }
}

pub fn list(
    conn: &mut DbConn,
    role: Option<crate::domain::Role>,
    school_id: Option<&str>,
    active: Option<bool>,
    after: Option<(String, String)>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut q = users::table
        .select(UserRow::as_select())
        .order((users::email, users::id))
        .into_boxed();
    if let Some(r) = role {
        q = q.filter(users::role.eq(r.as_str()));
    }
    if let Some(s) = school_id {
        q = q.filter(users::school_id.eq(s.to_string()));
    }
    if let Some(a) = active {
        q = q.filter(users::active.eq(a));
    }
    if let Some((email, id)) = after {
        q = q.filter(
            users::email
                .gt(email.clone())
                .or(users::email.eq(email).and(users::id.gt(id))),
        );
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

/// Renames and (de)activates an account. `end_sessions` raises its credentials version, so that
/// tokens issued before stop working (set it when `active` changes: a reactivated account's old
/// tokens stay dead).
pub fn update_profile(
    conn: &mut DbConn,
    id: &str,
    display_name: &str,
    active: bool,
    end_sessions: bool,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(display_name),
            users::active.eq(active),
            users::credentials_version.eq(users::credentials_version + i32::from(end_sessions)),
            users::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

/// Whether `id` is an active social worker (a lead worker, a visitor, an assignee must be).
pub fn is_active_worker(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let found = users::table
        .find(id)
        .filter(users::role.eq(crate::domain::Role::SocialWorker.as_str()))
        .filter(users::active.eq(true))
        .select(users::id)
        .first::<String>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The social worker with this id (active or not), if there is one.
pub fn find_worker(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .filter(users::role.eq(crate::domain::Role::SocialWorker.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}
