//! A worker's actions on a submission: triage, and closing it without a case.

use crate::i18n::Code;
use crate::usecases::audit::{AuditAction, record};

use actix_web::post;

use crate::api::common::{check_if_match, etag};
use crate::api::extract::ApiJson;
use crate::auth::Viewer;
use crate::auth::policy::Action;
use crate::db::DbConn;
use crate::db::checklists::{self as repo};
use crate::error::{ApiError, ApiResult};

use super::types::*;
use super::views::*;

/// A worker's transition of a submission in their scope: If-Match, `act`, the audit event, and
/// the worker's view of the result.
pub(super) fn transition(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    act: impl FnOnce(&mut DbConn, &str, &str) -> ApiResult<()>,
) -> ApiResult<(SubmissionView, String)> {
    let scope = readable_schools(user);
    let current = repo::find_submission_in(conn, id, &scope)?;
    check_if_match(if_match, &etag(current.updated_at))?;
    act(conn, id, &user.id)?;
    record(
        conn,
        user,
        AuditAction::StatusChange,
        OBJECT,
        Some(id),
        None,
    )?;
    let row = repo::find_submission(conn, id)?;
    crate::usecases::notify::submission(
        conn,
        &row.status,
        id,
        &row.school_id,
        None,
        row.updated_at,
    )?;
    load_view(conn, Perspective::Worker, row)
}

pub(super) fn triage(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: SubmissionTriage,
) -> ApiResult<(SubmissionView, String)> {
    let note = b
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    transition(conn, user, id, if_match, |conn, id, worker| {
        Ok(repo::triage(conn, id, worker, note.as_deref())?)
    })
}

pub(super) fn close_without_action(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: SubmissionNoAction,
) -> ApiResult<(SubmissionView, String)> {
    let reason = b.reason.trim().to_string();
    if reason.is_empty() {
        return Err(ApiError::field("reason", Code::Blank));
    }
    let advice = b
        .advice_for_school
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    transition(conn, user, id, if_match, |conn, id, worker| {
        Ok(repo::close_without_action(
            conn,
            id,
            worker,
            &reason,
            advice.as_deref(),
        )?)
    })
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/checklist-submissions/{id}/triage", tag = "checklists", operation_id = "triage_checklist_submission",
    summary = "Triage a submission",
    description = "`submitted` → `triaged`, with an optional note for workers (the school never sees it). Next: open a \
case from it, or close it with `no-action`. Only a social worker assigned to the submission's school; others get \
404. Roles: social_worker.",
    security(("bearer" = [])), request_body = SubmissionTriage,
    params(("id" = Uuid, Path, description = "Submission id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Triaged; the worker's view", body = WorkerSubmission, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The submission is not `submitted`; `current_state` names its state", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:kinderen-eerst:problem:conflict", "code": "submission_wrong_state", "title": "Conflict", "status": 409, "detail": "only a submitted submission can be triaged; this one is triaged", "current_state": "triaged"})),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/checklist-submissions/{id}/triage" => triage_checklist_submission(ApiJson<SubmissionTriage>),
may Action::TriageChecklist, apply triage
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/checklist-submissions/{id}/no-action", tag = "checklists", operation_id = "close_checklist_submission_without_action",
    summary = "Close a triaged submission without a case",
    description = "`triaged` → `no_action`, with the reason (required; the school sees the status, never the reason) and optional \
`advice_for_school`, which the school reads with its submission. \
Only a social worker assigned to the submission's school; others get 404. Roles: social_worker.",
    security(("bearer" = [])), request_body = SubmissionNoAction,
    params(("id" = Uuid, Path, description = "Submission id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Closed; the worker's view", body = WorkerSubmission, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The submission is not `triaged`; `current_state` names its state", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:kinderen-eerst:problem:conflict", "code": "submission_wrong_state", "title": "Conflict", "status": 409, "detail": "only a triaged submission can be closed without action; this one is submitted", "current_state": "submitted"})),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/checklist-submissions/{id}/no-action" => close_checklist_submission_without_action(ApiJson<SubmissionNoAction>),
may Action::TriageChecklist, apply close_without_action
}
