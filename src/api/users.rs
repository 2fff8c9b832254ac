//! Users as the API shows them, and their administration by the coordinator.

use chrono::{DateTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::password;
use crate::db::users::{self, UserRow};
use crate::domain::{Role, check_password_rules, utc};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Email, example = "an.peeters@ocmw.example")]
    pub email: String,
    #[schema(example = "An Peeters")]
    pub display_name: String,
    pub role: Role,
    /// The school a `school` account is bound to; null for other roles.
    #[schema(format = Uuid)]
    pub school_id: Option<String>,
    /// The partner organisation a `partner` account is bound to; null for other roles.
    #[schema(format = Uuid)]
    pub partner_id: Option<String>,
    /// A deactivated account cannot log in, and its tokens stop working at once.
    pub active: bool,
    /// The password was set by someone else (a new account, a reset) and its owner has not
    /// changed it yet: until then the account reaches only `GET /me` and `POST /me/password`.
    pub password_change_required: bool,
    /// For a social worker: hours a week they have for the programme (allocation plans keep
    /// within it); null when not set.
    #[schema(minimum = 0, maximum = 60)]
    pub weekly_capacity_hours: Option<i32>,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            role: r.role,
            school_id: r.school_id,
            partner_id: r.partner_id,
            active: r.active,
            password_change_required: r.must_change_password,
            weekly_capacity_hours: r.weekly_capacity_hours,
            created_at: utc(r.created_at),
        }
    }
}

// ---- user administration (coordinator) ----

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Page, check_if_match, decode_cursor, etag, ok_with_etag};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::AuthUser;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::auth::policy::{Action, require};
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};
use crate::usecases::users::{CreateUser, create};

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only accounts of this school.
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// Only active (true) or deactivated (false) accounts.
    pub active: Option<bool>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "wendy@ocmw.example", "display_name": "Wendy Willems", "role": "social_worker", "password": "a long first password"}))]
pub struct NewUser {
    #[schema(format = Email)]
    #[validate(length(max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    pub display_name: String,
    pub role: Role,
    /// Required for `school` accounts, absent otherwise.
    #[schema(format = Uuid)]
    pub school_id: Option<String>,
    /// Required for `partner` accounts (the partner organisation they answer for), absent
    /// otherwise.
    #[schema(format = Uuid)]
    pub partner_id: Option<String>,
    /// A one-time password: at least 12 characters, not containing the e-mail address, not
    /// guessable (zxcvbn score 3 or more). The owner must change it at first login.
    #[schema(format = Password, write_only)]
    #[validate(length(min = 12, max = 256))]
    pub password: String,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UserPatch {
    #[validate(length(min = 1, max = 200))]
    pub display_name: Option<String>,
    /// `false` deactivates the account: it cannot log in and its tokens stop working at once.
    /// A social worker's assignments end the day before (those not yet started are removed),
    /// so they are nobody's SPOC and hold no planned sessions any more.
    pub active: Option<bool>,
    /// A social worker's capacity, hours a week (0–60).
    #[validate(range(min = 0, max = 60))]
    pub weekly_capacity_hours: Option<i32>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"new_password": "a long temporary password"}))]
pub struct PasswordReset {
    #[schema(format = Password, write_only)]
    #[validate(length(min = 12, max = 256))]
    pub new_password: String,
}

#[utoipa::path(
    get, path = "/api/v1/users", tag = "users", operation_id = "list_users",
    summary = "List user accounts", description = "Sorted by e-mail. Roles: coordinator.",
    security(("bearer" = [])), params(UserQuery),
    responses((status = 200, description = "A page of users", body = Page<User>), (status = 403, response = crate::openapi::Forbidden))
)]
#[get("/api/v1/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _: Allowed<can::ManageUsers>,
    query: ApiQuery<UserQuery>,
) -> ApiResult<web::Json<Page<User>>> {
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(String, String)>(q.cursor.as_deref())?;
    let rows = state
        .db
        .run(move |conn| {
            let school = q.school.map(|s| s.to_string());
            Ok(users::list(
                conn,
                q.role,
                school.as_deref(),
                q.active,
                after,
                limit,
            )?)
        })
        .await?;
    Ok(web::Json(common::page(
        rows,
        limit,
        |r| (r.email.clone(), r.id.clone()),
        User::from,
    )))
}

#[utoipa::path(
    post, path = "/api/v1/users", tag = "users", operation_id = "create_user",
    summary = "Create a user account", description = "A `school` account is bound to one school, a `partner` account to one partner organisation (`partner_id`). The password is one-time: until its owner changes it, the account reaches only `GET /me` and `POST /me/password`. Audited (`create` on the user). Roles: coordinator.",
    security(("bearer" = [])), request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = User, headers(("Location" = String, description = "The new user"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "A user with this e-mail exists", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ManageUsers>,
    body: ApiJson<NewUser>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner()?;
    let row = state
        .db
        .write(move |conn| {
            let row = create(
                conn,
                CreateUser {
                    email: b.email,
                    display_name: b.display_name,
                    role: b.role,
                    school_id: b.school_id,
                    partner_id: b.partner_id,
                    password: b.password,
                    one_time_password: true,
                },
            )?;
            record(
                conn,
                &user,
                AuditAction::Create,
                "user",
                Some(&row.id),
                None,
            )?;
            Ok(row)
        })
        .await?;
    let tag = etag(row.updated_at);
    Ok(common::created(
        &User::from(row.clone()),
        format!("/api/v1/users/{}", row.id),
        &tag,
    ))
}

#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users", operation_id = "get_user",
    summary = "Get a user account", description = "The coordinator reads any account; others only their own (others: 404). Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The user", body = User, headers(("ETag" = String, description = "Version"))), (status = 404, response = crate::openapi::NotFound))
)]
#[get("/api/v1/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    if id != user.id && require(&user, Action::ManageUsers).is_err() {
        return Err(ApiError::NotFound);
    }
    let row = state
        .db
        .run(move |conn| Ok(users::find(conn, &id)?))
        .await?;
    Ok(ok_with_etag(
        &User::from(row.clone()),
        &etag(row.updated_at),
    ))
}

#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users", operation_id = "update_user",
    summary = "Change an account (name, active, capacity)", description = "Deactivation takes effect at once, also for tokens already issued; reactivation does not revive them. Deactivating a social worker ends their assignments (from today; each records `assignment.changed`): they are no school's SPOC and hold no planned sessions any more. `weekly_capacity_hours` is for social workers only (422 otherwise). A coordinator cannot deactivate their own account. Audited (`update`, `deactivate`, `reactivate` on the user). Roles: coordinator.",
    security(("bearer" = [])), request_body = UserPatch,
    params(("id" = Uuid, Path, description = "User id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = User, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "A coordinator cannot deactivate their own account", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ManageUsers>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<UserPatch>,
) -> ApiResult<HttpResponse> {
    let (id, b, if_match) = (id.to_string(), body.into_inner()?, common::if_match(&req));
    if id == user.id && b.active == Some(false) {
        return Err(ApiError::conflict(Code::CannotDeactivateSelf));
    }
    let row = state
        .db
        .write(move |conn| {
            let current = users::find(conn, &id)?;
            check_if_match(if_match.as_deref(), &etag(current.updated_at))?;
            let name = b
                .display_name
                .as_deref()
                .map(str::trim)
                .unwrap_or(&current.display_name)
                .to_string();
            let active = b.active.unwrap_or(current.active);
            let worker = users::find_worker(conn, &id)?.is_some();
            if let Some(h) = b.weekly_capacity_hours {
                if !worker {
                    return Err(ApiError::field(
                        "weekly_capacity_hours",
                        Code::ActiveSocialWorker,
                    ));
                }
                users::set_capacity(conn, &id, Some(h))?;
            }
            users::update_profile(conn, &id, &name, active, active != current.active)?;
            if current.active && !active && worker {
                end_assignments(conn, &user, &id)?;
            }
            let action = match (current.active, active) {
                (true, false) => AuditAction::Deactivate,
                (false, true) => AuditAction::Reactivate,
                _ => AuditAction::Update,
            };
            record(conn, &user, action, "user", Some(&id), None)?;
            Ok(users::find(conn, &id)?)
        })
        .await?;
    Ok(ok_with_etag(
        &User::from(row.clone()),
        &etag(row.updated_at),
    ))
}

/// Ends a deactivated worker's assignments from today: each keeps its history up to
/// yesterday, or is removed when it had not started yet. Records `assignment.changed` for each.
fn end_assignments(conn: &mut crate::db::DbConn, by: &AuthUser, worker_id: &str) -> ApiResult<()> {
    let today = Utc::now().date_naive();
    for a in crate::db::assignments::of_worker_from(conn, worker_id, today)? {
        let removed = crate::db::assignments::end_before(conn, &a, today)?;
        let action = if removed {
            AuditAction::Delete
        } else {
            AuditAction::Update
        };
        record(conn, by, action, "assignment", Some(&a.id), None)?;
        crate::api::assignments::changed_event(conn, &a)?;
    }
    Ok(())
}

#[utoipa::path(
    post, path = "/api/v1/users/{id}/password", tag = "users", operation_id = "reset_user_password",
    summary = "Set a new password for an account", description = "For a user who lost theirs. The password is one-time: every session of the account ends, and until its owner changes it, the account reaches only `GET /me` and `POST /me/password`, so nobody can use it to act as the owner unnoticed. The owner's `GET /me` shows when and by whom it was reset; the audit trail has a `password_reset` event naming both. Not for one's own account (409 `cannot_reset_own_password`): that is `POST /me/password`, which asks for the current password, so a stolen token cannot take the account over. Roles: coordinator.",
    security(("bearer" = [])), request_body = PasswordReset, params(("id" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Set"), (status = 403, response = crate::openapi::Forbidden), (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The caller's own account: use `POST /me/password`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password is too short, contains the e-mail address or is too easy to guess (the reason is in `errors`)", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[post("/api/v1/users/{id}/password")]
pub async fn reset_user_password(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::ManageUsers>,
    id: web::Path<Uuid>,
    body: ApiJson<PasswordReset>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (id.to_string(), body.into_inner()?);
    if id == user.id {
        return Err(ApiError::conflict(Code::CannotResetOwnPassword));
    }
    let target = {
        let id = id.clone();
        state
            .db
            .run(move |conn| Ok(users::find(conn, &id)?))
            .await?
    };
    check_password_rules(&b.new_password, &target.email, &target.display_name)
        .map_err(|m| ApiError::field("new_password", m))?;
    let hash = web::block(move || password::hash(&b.new_password))
        .await?
        .map_err(ApiError::internal)?;
    state
        .db
        .write(move |conn| {
            users::set_password(conn, &id, &hash, users::SetBy::Other { user_id: &user.id })?;
            record(
                conn,
                &user,
                AuditAction::PasswordReset,
                "user",
                Some(&id),
                None,
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
