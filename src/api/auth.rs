//! Logging in, and the caller's own account.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use chrono::{DateTime, Utc};

use crate::api::extract::ApiJson;
use crate::api::users::User;
use crate::auth::extractor::client_addr;
use crate::auth::{AuthUser, password};
use crate::db::users;
use crate::domain::{Email, check_password_rules, utc};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::attempts::Attempt;
use crate::usecases::audit::{AuditAction, record};

#[document_limits]
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

#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", operation_id = "create_token",
    summary = "Log in",
    description = "Exchanges e-mail and password for a bearer token. An unknown e-mail and a wrong password get the same answer. Failed attempts are counted per account from one client, per client over all accounts, and per account from all clients; past a limit the answer is 429 with `Retry-After` until the window ends. A client that has not failed on an account can always log in to it with the right password. An account whose password was set by someone else gets a token that only reaches `GET /me` and `POST /me/password` until the password is changed. Roles: anyone.",
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
    // Counted by the e-mail as typed (normalised), whether or not such an account exists, so
    // the throttle tells nothing about which e-mails are known.
    let attempt = Attempt::new(
        "account",
        &req.email.trim().to_lowercase(),
        &client_addr(&http),
    );
    let state2 = state.clone();
    let found = state
        .db
        .run(move |conn| {
            attempt
                .reserve(conn, &state2.settings)
                .inspect_err(|e| count_throttled(&state2, e, "login"))?;
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
                attempt.succeeded(conn)?;
            }
            Ok(user)
        })
        .await?;
    let user = found.ok_or_else(|| ApiError::Unauthorized(Code::CredentialsWrong.into()))?;
    token_answer(&state, &user)
}

/// Counts an attempt login throttling refused, for `/metrics`.
fn count_throttled(state: &AppState, e: &ApiError, kind: &str) {
    if matches!(e, ApiError::TooManyRequests { .. }) {
        state
            .db
            .metrics
            .login_throttled
            .with_label_values(&[kind])
            .inc();
    }
}

/// A fresh token for the account as it is now (its role, school and credentials version).
fn token_answer(state: &AppState, user: &users::UserRow) -> ApiResult<HttpResponse> {
    let token = state
        .jwt
        .issue(
            &user.id,
            user.role,
            user.school_id.as_deref(),
            user.partner_id.as_deref(),
            user.credentials_version,
        )
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: state.jwt.ttl_seconds,
        }))
}

/// Who set a password for someone else.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordSetter {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub display_name: String,
}

/// The caller's own account, with the state of its password.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub user: User,
    /// When the owner last changed the password themselves.
    pub password_changed_at: Option<DateTime<Utc>>,
    /// When someone else (a coordinator) last set this account's password.
    pub password_reset_at: Option<DateTime<Utc>>,
    /// Who did.
    pub password_reset_by: Option<PasswordSetter>,
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth", operation_id = "get_current_user",
    summary = "Who am I",
    description = "The account the bearer token belongs to, with when its password was last changed by its owner and when and by whom it was last reset. Answers also while a password change is required. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's account", body = Me))
)]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<web::Json<Me>> {
    let (row, setter) = state
        .db
        .run(move |conn| {
            let row = users::find(conn, &user.id)?;
            let setter = match &row.password_reset_by {
                Some(id) => crate::db::optional(users::find(conn, id))?.map(|s| PasswordSetter {
                    id: s.id,
                    display_name: s.display_name,
                }),
                None => None,
            };
            Ok((row, setter))
        })
        .await?;
    Ok(web::Json(Me {
        password_changed_at: row.password_changed_at.map(utc),
        password_reset_at: row.password_reset_at.map(utc),
        password_reset_by: setter,
        user: User::from(row),
    }))
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "the one from the log", "new_password": "a long new passphrase"}))]
pub struct ChangePasswordRequest {
    #[schema(format = Password)]
    #[validate(length(min = 1, max = 256))]
    pub current_password: String,
    /// At least 12 characters, not containing the e-mail address, and not guessable (zxcvbn
    /// score 3 or more).
    #[schema(format = Password)]
    #[validate(length(min = 12, max = 256))]
    pub new_password: String,
}

#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "auth", operation_id = "change_own_password",
    summary = "Change my password",
    description = "Needs the current password; wrong ones are counted like failed logins (429 with `Retry-After` past the limits). The new password must not be guessable: it is rated with zxcvbn (score 3 of 4 at least), the e-mail address and name counting as known words, and a refusal says why. Changing it ends every other session (tokens issued before answer 401) and lifts a required password change; the answer carries a fresh token. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed; a new token (the old ones stop working)", body = TokenResponse),
        (status = 403, description = "The current password is wrong", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is too short, contains the e-mail address or is too easy to guess (the reason is in `errors`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords; retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until the counting window ends"))),
    )
)]
#[post("/api/v1/me/password")]
pub async fn change_own_password(
    state: web::Data<AppState>,
    http: HttpRequest,
    user: AuthUser,
    body: ApiJson<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner()?;
    if let Err(m) = check_password_rules(&req.new_password, &user.email, &user.display_name) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "new_password",
            m,
        )]));
    }
    let attempt = Attempt::new("password-change", &user.id, &client_addr(&http));
    let state2 = state.clone();
    // Not one transaction: a wrong current password must stay counted.
    let row = state
        .db
        .run(move |conn| {
            attempt
                .reserve(conn, &state2.settings)
                .inspect_err(|e| count_throttled(&state2, e, "password_change"))?;
            let row = users::find(conn, &user.id)?;
            if !password::verify(&req.current_password, &row.password_hash) {
                return Err(ApiError::Forbidden(Code::CurrentPasswordWrong.into()));
            }
            attempt.succeeded(conn)?;
            if password::verify(&req.new_password, &row.password_hash) {
                return Err(ApiError::field("new_password", Code::PasswordMustDiffer));
            }
            let hash = password::hash(&req.new_password).map_err(ApiError::internal)?;
            crate::db::write_tx(conn, |c| {
                users::set_password(c, &user.id, &hash, users::SetBy::Owner)?;
                record(
                    c,
                    &user,
                    AuditAction::PasswordChange,
                    "user",
                    Some(&user.id),
                    None,
                )?;
                Ok::<_, ApiError>(users::find(c, &user.id)?)
            })
        })
        .await?;
    token_answer(&state, &row)
}
