//! Logging in, and the caller's own account.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::extract::ApiJson;
use crate::api::users::User;
use crate::auth::{AuthUser, password};
use crate::db::users;
use crate::domain::{Email, Role, check_password_rules};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::startup::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "coordinator@kinderen-eerst.local", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    #[schema(format = Email)]
    #[validate(length(min = 3, max = 254))]
    pub email: String,
    #[schema(format = Password)]
    #[validate(length(min = 1, max = 256))]
    pub password: String,
}

/// A bearer token for the `Authorization` header.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIuLi4ifQ.c2ln", "token_type": "Bearer", "expires_in": 3600}))]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

const WRONG_CREDENTIALS: &str = "the e-mail address or the password is wrong";

#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", operation_id = "create_token",
    summary = "Log in",
    description = "Exchanges e-mail and password for a bearer token. An unknown e-mail and a wrong password get the same answer. Roles: anyone.",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong e-mail or password, or the account is deactivated", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner()?;
    let found = state
        .db
        .run(move |conn| {
            let email = Email::parse(&req.email).ok();
            let row = match &email {
                Some(e) => users::find_by_email(conn, e.as_str())?,
                None => None,
            };
            // Always verify one hash, so timing does not tell which e-mails exist.
            Ok(match row {
                Some(r) if password::verify(&req.password, &r.password_hash) && r.active => Some(r),
                Some(_) => None,
                None => {
                    password::verify_dummy(&req.password);
                    None
                }
            })
        })
        .await?;
    let user = found.ok_or_else(|| ApiError::Unauthorized(WRONG_CREDENTIALS.into()))?;
    let role: Role = user.role.parse().map_err(ApiError::Internal)?;
    let token = state
        .jwt
        .issue(&user.id, role, user.school_id.as_deref())
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: state.jwt.ttl_seconds,
        }))
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth", operation_id = "get_current_user",
    summary = "Who am I",
    description = "The account the bearer token belongs to. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's account", body = User))
)]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<web::Json<User>> {
    let row = state
        .db
        .run(move |conn| Ok(users::find(conn, &user.id)?))
        .await?;
    Ok(web::Json(User::from(row)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "the one from the log", "new_password": "a long new passphrase"}))]
pub struct ChangePasswordRequest {
    #[schema(format = Password)]
    #[validate(length(min = 1, max = 256))]
    pub current_password: String,
    /// At least 12 characters, and not containing the e-mail address.
    #[schema(format = Password)]
    #[validate(length(min = 1, max = 256))]
    pub new_password: String,
}

#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "auth", operation_id = "change_own_password",
    summary = "Change my password",
    description = "Needs the current password. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "The current password is wrong", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/me/password")]
pub async fn change_own_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner()?;
    if let Err(m) = check_password_rules(&req.new_password, &user.email) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "new_password",
            m,
        )]));
    }
    state
        .db
        .write(move |conn| {
            let row = users::find(conn, &user.id)?;
            if !password::verify(&req.current_password, &row.password_hash) {
                return Err(ApiError::Forbidden("the current password is wrong".into()));
            }
            let hash = password::hash(&req.new_password).map_err(ApiError::internal)?;
            users::set_password(conn, &user.id, &hash)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
