//! One error type for the whole API, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;
use validator::{ValidationErrors, ValidationErrorsKind};

use crate::domain::screening::Finding;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The field, as a JSON path into the request (`address.postal_code`, `items[2].code`) or
    /// the name of a query or path parameter.
    #[schema(example = "email")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must be a valid e-mail address")]
    pub message: String,
    /// For free text refused by the screening: the kind of identifying detail it holds. The
    /// detail itself is never repeated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            finding: None,
        }
    }

    /// A screened text holds `finding`.
    pub fn screened(field: impl Into<String>, finding: Finding) -> Self {
        Self {
            field: field.into(),
            message: finding.message(),
            finding: Some(finding),
        }
    }
}

/// An error, as RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:kinderen-eerst:problem:validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"field": "email", "message": "must be a valid e-mail address"}]
}))]
pub struct Problem {
    /// A URI identifying the kind of problem; stable, so clients can branch on it.
    #[serde(rename = "type")]
    #[schema(example = "urn:kinderen-eerst:problem:not-found")]
    pub type_: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// For validation problems: each invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For lifecycle conflicts: the state the object is in now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The account's password was set by someone else and must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        current_state: Option<String>,
    },
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("not acceptable: {0}")]
    NotAcceptable(String),
    /// The client took longer than the request timeout to send its body.
    #[error("request timeout")]
    RequestTimeout { seconds: u64 },
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything the client cannot fix. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            current_state: None,
        }
    }
    pub fn invalid_state(current: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            current_state: Some(current.into()),
        }
    }
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal(cause.to_string())
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Validation(_) => ("validation", "Validation failed"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed"),
            ApiError::PasswordChangeRequired => {
                ("password-change-required", "Password change required")
            }
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict { .. } => ("conflict", "Conflict"),
            ApiError::PreconditionFailed => ("precondition-failed", "Precondition failed"),
            ApiError::PreconditionRequired => ("precondition-required", "Precondition required"),
            ApiError::PayloadTooLarge { .. } => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::NotAcceptable(_) => ("not-acceptable", "Not acceptable"),
            ApiError::RequestTimeout { .. } => ("request-timeout", "Request timeout"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal error"),
        }
    }

    pub fn to_problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let mut errors = None;
        let mut current_state = None;
        let detail = match self {
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::NotAcceptable(d) => d.clone(),
            ApiError::Validation(list) => {
                errors = Some(list.clone());
                match list.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    _ => format!("{} fields are invalid", list.len()),
                }
            }
            ApiError::NotFound => "no such resource, or it is not yours to see".into(),
            ApiError::PasswordChangeRequired => "this account's password was set by someone else; change it with POST /api/v1/me/password first (GET /api/v1/me still answers)".into(),
            ApiError::MethodNotAllowed { allow } => {
                format!("this resource allows {}", allow.join(", "))
            }
            ApiError::Conflict {
                detail,
                current_state: cs,
            } => {
                current_state = cs.clone();
                detail.clone()
            }
            ApiError::PreconditionFailed => {
                "the object changed since you read it (If-Match does not match its ETag)".into()
            }
            ApiError::PreconditionRequired => "send If-Match with the ETag you read".into(),
            ApiError::PayloadTooLarge { limit } => format!("the body exceeds {limit} bytes"),
            ApiError::RequestTimeout { seconds } => {
                format!("the request was not received within {seconds} s")
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => {
                format!("too many attempts; retry after {retry_after_seconds} s")
            }
            ApiError::Unavailable(d) => d.clone(),
            ApiError::Internal(_) => "an internal error occurred; it has been logged".into(),
        };
        Problem {
            type_: format!("urn:kinderen-eerst:problem:{slug}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail,
            errors,
            current_state,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            log::error!("internal error: {cause}");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            ApiError::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"kinderen-eerst\""));
            }
            ApiError::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => {
                res.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.to_problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => ApiError::NotFound,
            E::DatabaseError(K::UniqueViolation, _) => {
                ApiError::conflict("an object with the same unique value exists already")
            }
            E::DatabaseError(K::ForeignKeyViolation, _) => {
                ApiError::conflict("the object is referenced by, or refers to, other objects")
            }
            E::DatabaseError(K::ClosedConnection, info) => {
                log::warn!("database connection lost: {}", info.message());
                ApiError::Unavailable("the database is not reachable; try again shortly".into())
            }
            other => ApiError::Internal(format!("database: {other}")),
        }
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Query(e) => e.into(),
            crate::db::DbError::InvalidState { current, detail } => {
                ApiError::invalid_state(current, detail)
            }
        }
    }
}

impl From<crate::domain::lifecycle::Refused> for ApiError {
    fn from(r: crate::domain::lifecycle::Refused) -> Self {
        ApiError::invalid_state(r.current, r.detail)
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        log::warn!("database pool: {e}");
        ApiError::Unavailable("the database is not reachable; try again shortly".into())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {e}"))
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        ApiError::Validation(flatten_validation_errors(&errors))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Collects field errors, then fails once with all of them.
#[derive(Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }
    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }
    pub fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// Flattens `validator`'s nested errors into `{field, message}` pairs with JSON paths.
pub fn flatten_validation_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    flatten_into(errors, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn flatten_into(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = match &e.message {
                        Some(m) => m.to_string(),
                        None => describe(e),
                    };
                    out.push(FieldError::new(path.clone(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten_into(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    flatten_into(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

fn describe(e: &validator::ValidationError) -> String {
    let p = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "length is out of range".into(),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "out of range".into(),
        },
        "email" => "must be a valid e-mail address".into(),
        "url" => "must be a valid URL".into(),
        other => format!("is invalid ({other})"),
    }
}
