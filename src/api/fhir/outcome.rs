//! Errors of the FHIR endpoints as `OperationOutcome` (`application/fhir+json`), with the HTTP
//! status the JSON API gives the same error and our stable problem code in `details`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use super::resources::{
    CodeableConcept, Coding, OperationOutcome, OperationOutcomeIssue, PROBLEM_CODE_SYSTEM,
};
use crate::error::ApiError;
use crate::i18n;

pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// An `ApiError`, answered the FHIR way.
#[derive(Debug)]
pub struct FhirError(pub ApiError);

impl From<ApiError> for FhirError {
    fn from(e: ApiError) -> FhirError {
        FhirError(e)
    }
}

impl std::fmt::Display for FhirError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

pub type FhirResult<T> = Result<T, FhirError>;

/// The FHIR issue type of an error (`http://hl7.org/fhir/issue-type`).
fn issue_type(e: &ApiError) -> &'static str {
    match e {
        ApiError::BadRequest(_) => "structure",
        ApiError::Validation(_) => "invalid",
        ApiError::Unauthorized(_) => "login",
        ApiError::Forbidden(_) | ApiError::PasswordChangeRequired => "forbidden",
        ApiError::NotFound => "not-found",
        ApiError::MethodNotAllowed { .. } | ApiError::UnsupportedMediaType(_) => "not-supported",
        ApiError::NotAcceptable(_) => "not-supported",
        // An illegal transition breaks a rule of the referral's lifecycle; anything else in
        // the way (a missing consent, a stale version) is a conflict.
        ApiError::Conflict {
            current_state: Some(_),
            ..
        } => "business-rule",
        ApiError::Conflict { .. } | ApiError::Clash { .. } | ApiError::PreconditionFailed => {
            "conflict"
        }
        ApiError::PreconditionRequired => "required",
        ApiError::PayloadTooLarge { .. } => "too-costly",
        ApiError::RequestTimeout { .. } => "timeout",
        ApiError::TooManyRequests { .. } => "throttled",
        ApiError::Unavailable(_) => "transient",
        ApiError::Internal(_) => "exception",
    }
}

/// The OperationOutcome of an error, in the language of the request being answered.
pub fn outcome(e: &ApiError) -> OperationOutcome {
    let problem = e.to_problem();
    let kind = issue_type(e);
    let coded = |code: &str, text: String| {
        CodeableConcept::coded(Coding::new(PROBLEM_CODE_SYSTEM, code, None), Some(text))
    };
    let issue = match &problem.errors {
        // One issue per invalid field, each with its own code and where it is.
        Some(fields) if !fields.is_empty() => fields
            .iter()
            .map(|f| OperationOutcomeIssue {
                severity: "error",
                code: kind,
                details: coded(f.code, f.message.render(i18n::current())),
                expression: vec![f.field.clone()],
            })
            .collect(),
        _ => vec![OperationOutcomeIssue {
            severity: if matches!(e, ApiError::Internal(_)) {
                "fatal"
            } else {
                "error"
            },
            code: kind,
            details: coded(&problem.code, problem.detail.clone()),
            // A refused transition is about the Task's status.
            expression: match problem.current_state {
                Some(_) => vec!["Task.status".to_string()],
                None => vec![],
            },
        }],
    };
    OperationOutcome {
        resource_type: "OperationOutcome",
        issue,
    }
}

impl ResponseError for FhirError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        // The JSON API's answer gives the headers (Allow, Retry-After, WWW-Authenticate,
        // Content-Language, Vary) and logs an internal cause; only the body and type differ.
        let plain = self.0.error_response();
        let mut res = HttpResponse::build(self.status_code());
        for (name, value) in plain.headers() {
            if name != header::CONTENT_TYPE {
                res.append_header((name.clone(), value.clone()));
            }
        }
        res.insert_header((header::CONTENT_TYPE, FHIR_JSON));
        res.body(serde_json::to_string(&outcome(&self.0)).unwrap_or_default())
    }
}
