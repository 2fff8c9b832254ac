//! Logging in, and the caller's own account.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::extract::ApiJson;
use crate::api::users::User;
use crate::auth::{AuthUser, password};
use crate::db::{login_throttle, users};
use crate::domain::{Email, check_password_rules};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;

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

/// The throttle's key for one account or address: a hash, so the table keeps neither in the
/// clear.
fn throttle_key(kind: &str, value: &str) -> String {
    crate::domain::sha256_hex(format!("{kind}\0{value}").as_bytes())
}

#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", operation_id = "create_token",
    summary = "Log in",
    description = "Exchanges e-mail and password for a bearer token. An unknown e-mail and a wrong password get the same answer. Failed attempts are counted per account and per client address; past the configured limits the answer is 429 with `Retry-After` until the window ends. Roles: anyone.",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong e-mail or password, or the account is deactivated", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts for this account or address; retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until the counting window ends"))),
    )
)]
#[post("/api/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    http: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner()?;
    let settings = &state.settings;
    // The peer as this server sees it; a forwarded header is the client's to invent.
    let address = http
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    // Counted by the e-mail as typed (normalised), whether or not such an account exists, so
    // the throttle tells nothing about which e-mails are known.
    let account_key = throttle_key("account", &req.email.trim().to_lowercase());
    let address_key = throttle_key("address", &address);
    let per_account = settings.login_max_failures_per_account.min(i32::MAX as u32) as i32;
    let per_address = settings.login_max_failures_per_address.min(i32::MAX as u32) as i32;
    let window =
        chrono::Duration::seconds(settings.login_window_seconds.clamp(1, 86_400 * 365) as i64);
    let found = state
        .db
        .run(move |conn| {
            let limits = [
                login_throttle::Limit {
                    key: &address_key,
                    max_failures: per_address,
                },
                login_throttle::Limit {
                    key: &account_key,
                    max_failures: per_account,
                },
            ];
            match login_throttle::reserve(conn, &limits, window) {
                Ok(()) => {}
                Err(login_throttle::Refusal::Throttled(seconds)) => {
                    log::warn!("login refused: too many failed attempts (retry in {seconds} s)");
                    return Err(ApiError::TooManyRequests {
                        retry_after_seconds: seconds,
                    });
                }
                Err(login_throttle::Refusal::Db(e)) => return Err(e.into()),
            }
            let email = Email::parse(&req.email).ok();
            let row = match &email {
                Some(e) => users::find_by_email(conn, e.as_str())?,
                None => None,
            };
            // Always verify one hash, so timing does not tell which e-mails exist.
            let user = match row {
                Some(r) if password::verify(&req.password, &r.password_hash) && r.active => Some(r),
                Some(_) => None,
                None => {
                    password::verify_dummy(&req.password);
                    None
                }
            };
            if user.is_some() {
                login_throttle::succeeded(conn, &account_key, &address_key)?;
            }
            Ok(user)
        })
        .await?;
    let user = found.ok_or_else(|| ApiError::Unauthorized(WRONG_CREDENTIALS.into()))?;
    let role = user.role;
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
