//! Creating a user account: used by the API, the `user create` command and the first start.

use crate::auth::password;
use crate::db::users::{self, NewUserRow, UserRow};
use crate::db::{DbConn, now, optional, schema};
use crate::domain::{Email, Role, check_password_rules};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::i18n::Code;

/// What creating a user needs, before checks.
pub struct CreateUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub school_id: Option<String>,
    /// Required for `partner` accounts, absent otherwise.
    pub partner_id: Option<String>,
    pub password: String,
    /// Whether the password is one-time: set by someone other than the account's owner (the
    /// coordinator, an operator, the first start), it must be changed before anything else.
    pub one_time_password: bool,
}

/// Checks and stores a new user. Hashing is slow on purpose: call from a blocking context.
pub fn create(conn: &mut DbConn, input: CreateUser) -> ApiResult<UserRow> {
    let mut errors = Vec::new();
    let email = Email::parse(&input.email)
        .map_err(|m| errors.push(FieldError::new("email", m)))
        .ok();
    let name = input.display_name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            "display_name",
            crate::msg!(CharsBetween, min = 1, max = 200),
        ));
    }
    if let Err(m) = check_password_rules(&input.password, &input.email, &name) {
        errors.push(FieldError::new("password", m));
    }
    match (input.role, &input.school_id) {
        (Role::School, None) => {
            errors.push(FieldError::new("school_id", Code::SchoolAccountNeedsSchool))
        }
        (Role::School, Some(id)) => {
            use diesel::prelude::*;
            let exists = optional(
                schema::schools::table
                    .find(id)
                    .select(schema::schools::id)
                    .first::<String>(conn),
            )?;
            if exists.is_none() {
                errors.push(FieldError::new("school_id", Code::NoSuchSchool));
            }
        }
        (_, Some(_)) => errors.push(FieldError::new(
            "school_id",
            Code::OnlySchoolAccountsHaveSchool,
        )),
        (_, None) => {}
    }
    match (input.role, &input.partner_id) {
        (Role::Partner, None) => errors.push(FieldError::new(
            "partner_id",
            Code::PartnerAccountNeedsPartner,
        )),
        (Role::Partner, Some(id)) => {
            use diesel::prelude::*;
            let exists = optional(
                schema::partners::table
                    .find(id.to_lowercase())
                    .select(schema::partners::id)
                    .first::<String>(conn),
            )?;
            if exists.is_none() {
                errors.push(FieldError::new("partner_id", Code::NoSuchPartner));
            }
        }
        (_, Some(_)) => errors.push(FieldError::new(
            "partner_id",
            Code::OnlyPartnerAccountsHavePartner,
        )),
        (_, None) => {}
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    if users::find_by_email(conn, email.as_str())?.is_some() {
        return Err(ApiError::conflict(crate::msg!(
            UserEmailExists,
            email = email
        )));
    }
    let at = now();
    let row = NewUserRow {
        id: uuid::Uuid::now_v7().to_string(),
        email: email.as_str().to_string(),
        display_name: name,
        role: input.role.as_str().to_string(),
        school_id: input.school_id,
        partner_id: input.partner_id.map(|p| p.to_lowercase()),
        active: true,
        password_hash: password::hash(&input.password).map_err(ApiError::internal)?,
        created_at: at,
        updated_at: at,
        must_change_password: input.one_time_password,
    };
    users::insert(conn, &row)?;
    users::find(conn, &row.id).map_err(ApiError::from)
}
