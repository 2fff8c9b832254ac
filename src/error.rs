//! One error type for the whole API, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;
use validator::{ValidationErrors, ValidationErrorsKind};

use crate::domain::screening::Finding;
use crate::i18n::{self, Code, Msg};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The field, as a JSON path into the request (`address.postal_code`, `items[2].code`) or
    /// the name of a query or path parameter.
    #[schema(example = "email")]
    pub field: String,
    /// What is wrong with it, as a stable machine code (`invalid_email`, `unknown_value`,
    /// `length_between`, …): the same in every language, so clients branch on it, never on
    /// `message`.
    #[schema(value_type = String, example = "invalid_email")]
    pub code: &'static str,
    /// What is wrong with it, for people: Dutch by default, English with `Accept-Language: en`.
    #[schema(value_type = String, example = "must be a valid e-mail address")]
    pub message: Msg,
    /// For free text refused by the screening: the kind of identifying detail it holds. The
    /// detail itself is never repeated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<Msg>) -> Self {
        let message = message.into();
        Self {
            field: field.into(),
            code: message.code().as_str(),
            message,
            finding: None,
        }
    }

    /// A screened text holds `finding`.
    pub fn screened(field: impl Into<String>, finding: Finding) -> Self {
        Self {
            finding: Some(finding),
            ..Self::new(field, finding.message())
        }
    }
}

/// An error, as RFC 9457 problem details. `title`, `detail` and each field's `message` are
/// written in the language asked with `Accept-Language` (`nl`, the default, or `en`; the answer
/// names it in `Content-Language`); `type` and `code` never change with the language.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:kinderen-eerst:problem:validation",
    "code": "validation_failed",
    "title": "Validation failed",
    "status": 422,
    "detail": "email: must be a valid e-mail address",
    "errors": [{"field": "email", "code": "invalid_email", "message": "must be a valid e-mail address"}]
}))]
pub struct Problem {
    /// A URI identifying the kind of problem; stable, so clients can branch on it.
    #[serde(rename = "type")]
    #[schema(example = "urn:kinderen-eerst:problem:not-found")]
    pub type_: String,
    /// What went wrong in this occurrence, as a stable machine code (`not_found`,
    /// `invalid_transition`, `token_invalid`, `validation_failed`, …), the same in every
    /// language; `type` is the kind, `code` the precise reason.
    #[schema(example = "not_found")]
    pub code: String,
    /// Short summary of the kind of problem, in the answer's language.
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong in this occurrence, in the answer's language.
    pub detail: String,
    /// For validation problems: each invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For lifecycle conflicts: the state the object is in now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    /// For a double booking (`assignment_clash`, `plan_line_clash`): the id of the assignment
    /// or plan line it clashes with.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub conflicting_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(Msg),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("unauthorized: {0}")]
    Unauthorized(Msg),
    #[error("forbidden: {0}")]
    Forbidden(Msg),
    /// The account's password was set by someone else and must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("conflict: {detail}")]
    Conflict {
        detail: Msg,
        current_state: Option<String>,
    },
    /// A double booking: the worker is elsewhere then (`conflicting_id` names where).
    #[error("clash: {detail}")]
    Clash { detail: Msg, conflicting_id: String },
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(Msg),
    #[error("not acceptable: {0}")]
    NotAcceptable(Msg),
    /// The client took longer than the request timeout to send its body.
    #[error("request timeout")]
    RequestTimeout { seconds: u64 },
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(Msg),
    /// Anything the client cannot fix. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn conflict(detail: impl Into<Msg>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            current_state: None,
        }
    }
    pub fn invalid_state(current: impl Into<String>, detail: impl Into<Msg>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            current_state: Some(current.into()),
        }
    }
    pub fn field(field: impl Into<String>, message: impl Into<Msg>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal(cause.to_string())
    }

    fn slug_and_title(&self) -> (&'static str, Code) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", Code::TitleBadRequest),
            ApiError::Validation(_) => ("validation", Code::TitleValidation),
            ApiError::Unauthorized(_) => ("unauthorized", Code::TitleUnauthorized),
            ApiError::Forbidden(_) => ("forbidden", Code::TitleForbidden),
            ApiError::PasswordChangeRequired => (
                "password-change-required",
                Code::TitlePasswordChangeRequired,
            ),
            ApiError::NotFound => ("not-found", Code::TitleNotFound),
            ApiError::MethodNotAllowed { .. } => {
                ("method-not-allowed", Code::TitleMethodNotAllowed)
            }
            ApiError::Conflict { .. } | ApiError::Clash { .. } => ("conflict", Code::TitleConflict),
            ApiError::PreconditionFailed => ("precondition-failed", Code::TitlePreconditionFailed),
            ApiError::PreconditionRequired => {
                ("precondition-required", Code::TitlePreconditionRequired)
            }
            ApiError::PayloadTooLarge { .. } => ("payload-too-large", Code::TitlePayloadTooLarge),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", Code::TitleUnsupportedMediaType)
            }
            ApiError::NotAcceptable(_) => ("not-acceptable", Code::TitleNotAcceptable),
            ApiError::RequestTimeout { .. } => ("request-timeout", Code::TitleRequestTimeout),
            ApiError::TooManyRequests { .. } => ("too-many-requests", Code::TitleTooManyRequests),
            ApiError::Unavailable(_) => ("unavailable", Code::TitleUnavailable),
            ApiError::Internal(_) => ("internal", Code::TitleInternal),
        }
    }

    /// What went wrong, as a message: its code is the problem's `code`.
    fn detail(&self) -> Msg {
        match self {
            ApiError::BadRequest(m)
            | ApiError::Unauthorized(m)
            | ApiError::Forbidden(m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::NotAcceptable(m)
            | ApiError::Unavailable(m)
            | ApiError::Conflict { detail: m, .. }
            | ApiError::Clash { detail: m, .. } => m.clone(),
            ApiError::Validation(list) => match list.as_slice() {
                [one] => Msg::new(Code::ValidationFailedOne)
                    .arg("field", &one.field)
                    .arg_msg("message", one.message.clone()),
                _ => crate::msg!(ValidationFailed, count = list.len()),
            },
            ApiError::NotFound => Code::NotFound.into(),
            ApiError::PasswordChangeRequired => Code::PasswordChangeRequired.into(),
            ApiError::MethodNotAllowed { allow } => {
                crate::msg!(MethodNotAllowed, allow = allow.join(", "))
            }
            ApiError::PreconditionFailed => Code::PreconditionFailed.into(),
            ApiError::PreconditionRequired => Code::PreconditionRequired.into(),
            ApiError::PayloadTooLarge { limit } => crate::msg!(PayloadTooLarge, limit = limit),
            ApiError::RequestTimeout { seconds } => crate::msg!(RequestTimeout, seconds = seconds),
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => crate::msg!(TooManyRequests, seconds = retry_after_seconds),
            ApiError::Internal(_) => Code::InternalError.into(),
        }
    }

    /// The problem's stable `code`: the detail's, and `validation_failed` for any invalid input.
    pub fn code(&self) -> Code {
        match self {
            ApiError::Validation(_) => Code::ValidationFailed,
            other => other.detail().code(),
        }
    }

    /// The problem, in the language of the request being answered (see `i18n::current`).
    pub fn to_problem(&self) -> Problem {
        let lang = i18n::current();
        let (slug, title) = self.slug_and_title();
        let (errors, current_state) = match self {
            ApiError::Validation(list) => (Some(list.clone()), None),
            ApiError::Conflict { current_state, .. } => (None, current_state.clone()),
            _ => (None, None),
        };
        let conflicting_id = match self {
            ApiError::Clash { conflicting_id, .. } => Some(conflicting_id.clone()),
            _ => None,
        };
        Problem {
            type_: format!("urn:kinderen-eerst:problem:{slug}"),
            code: self.code().as_str().to_string(),
            title: title.text(lang).to_string(),
            status: self.status_code().as_u16(),
            detail: self.detail().render(lang),
            errors,
            current_state,
            conflicting_id,
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
            ApiError::Conflict { .. } | ApiError::Clash { .. } => StatusCode::CONFLICT,
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
        let lang = i18n::current();
        res.insert_header((header::CONTENT_LANGUAGE, lang.tag()));
        res.insert_header((header::VARY, "Accept-Language"));
        res.body(serde_json::to_string(&self.to_problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => ApiError::NotFound,
            E::DatabaseError(K::UniqueViolation, _) => ApiError::conflict(Code::UniqueViolation),
            E::DatabaseError(K::ForeignKeyViolation, _) => {
                ApiError::conflict(Code::ForeignKeyViolation)
            }
            E::DatabaseError(K::ClosedConnection, info) => {
                log::warn!("database connection lost: {}", info.message());
                ApiError::Unavailable(Code::DatabaseUnreachable.into())
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
        ApiError::Unavailable(Code::DatabaseUnreachable.into())
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
    pub fn add(&mut self, field: &str, message: impl Into<Msg>) {
        self.0.push(FieldError::new(field, message));
    }
    pub fn check(&mut self, ok: bool, field: &str, message: impl Into<Msg>) {
        if !ok {
            self.add(field, message);
        }
    }
    /// The `#[validate]` limits of a part of the request (`address`), named under `prefix`,
    /// collected with the other checks so one answer names every bad field.
    pub fn part(&mut self, prefix: &str, part: &impl validator::Validate) {
        if let Err(errors) = part.validate() {
            let mut found = Vec::new();
            flatten_into(&errors, prefix, &mut found);
            self.0.extend(found);
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

/// Flattens `validator`'s nested errors into `{field, code, message}` with JSON paths.
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
                    out.push(FieldError::new(path.clone(), describe(e)));
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

/// A `validator` rule as a catalogue message. A custom rule names its message by its code
/// (`ValidationError::new("snake_case_code")`).
fn describe(e: &validator::ValidationError) -> Msg {
    let p = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => crate::msg!(LengthBetween, min = min, max = max),
            (Some(min), None) => crate::msg!(LengthMin, min = min),
            (None, Some(max)) => crate::msg!(LengthMax, max = max),
            _ => crate::msg!(InvalidRule, rule = "length"),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => crate::msg!(RangeBetween, min = min, max = max),
            (Some(min), None) => crate::msg!(RangeMin, min = min),
            (None, Some(max)) => crate::msg!(RangeMax, max = max),
            _ => crate::msg!(InvalidRule, rule = "range"),
        },
        "email" => Code::InvalidEmail.into(),
        "url" => Code::InvalidUrl.into(),
        other => match Code::parse(other) {
            Some(code) => code.into(),
            None => crate::msg!(InvalidRule, rule = other),
        },
    }
}
