//! A case's lifecycle actions (start, wait, resume, close, reopen), each one `action_endpoint!`.

use actix_web::post;
use diesel::prelude::*;
use kinderen_eerst_macros::document_limits;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::api::common::{check_if_match, etag};
use crate::api::extract::ApiJson;
use crate::auth::Viewer;
use crate::auth::policy::Action;
use crate::db::cases::{self as repo};
use crate::db::schema::cases;
use crate::db::{DbConn, now};
use crate::domain::case::{CaseOutcome, CaseTransition};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::usecases::audit::{AuditAction, record};

use super::views::*;
use crate::usecases::cases::{trimmed, worked_case};

/// Closing needs an outcome.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "resolved", "note": "Studietoelage aangevraagd, schoolrekening afbetaald."}))]
pub struct CloseCase {
    pub outcome: CaseOutcome,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// Applies a lifecycle action: 409 naming the current state when it is not allowed from there.
pub(super) fn transition(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    t: CaseTransition,
    close: Option<CloseCase>,
) -> ApiResult<(CaseDetail, String)> {
    let current = worked_case(conn, user, id)?;
    check_if_match(if_match, &etag(current.case.updated_at))?;
    let from = status_of(&current.case);
    t.check(from)?;
    if let (CaseTransition::Close, Some(c)) = (t, &close)
        && c.outcome == CaseOutcome::Referred
        && !crate::db::referrals::case_has_sent_referral(conn, id)?
    {
        return Err(ApiError::conflict(Code::CloseReferredNeedsSentReferral));
    }
    let at = now();
    let to = t.step().to;
    let (outcome, note, closed_at) = match (t, close) {
        (CaseTransition::Close, Some(c)) => (
            Some(c.outcome.as_str().to_string()),
            trimmed(c.note),
            Some(at),
        ),
        _ => (None, None, None),
    };
    let outcome_code = outcome.clone();
    diesel::update(cases::table.find(id))
        .set((
            cases::status.eq(to.as_str()),
            cases::outcome.eq(outcome),
            cases::outcome_note.eq(note),
            cases::closed_at.eq(closed_at),
            cases::updated_at.eq(at),
        ))
        .execute(conn)?;
    record(
        conn,
        user,
        AuditAction::StatusChange,
        "case",
        Some(id),
        Some(id),
    )?;
    crate::db::events::record(
        conn,
        "case.status_changed",
        &serde_json::json!({
            "case_id": id,
            "school_id": current.case.school_id,
            "from_status": from.as_str(),
            "to_status": to.as_str(),
            "outcome": outcome_code,
            "at": utc(at),
        }),
        at,
    )?;
    let r = repo::find_scoped(conn, id, &user.case_scope())?;
    let tag = etag(r.case.updated_at);
    Ok((detail(conn, r)?, tag))
}

/// A case action without a body.
pub(super) fn plain_transition(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    _: (),
    t: CaseTransition,
) -> ApiResult<(CaseDetail, String)> {
    transition(conn, user, id, if_match, t, None)
}

pub(super) fn close(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    b: CloseCase,
) -> ApiResult<(CaseDetail, String)> {
    transition(conn, user, id, if_match, CaseTransition::Close, Some(b))
}

/// The document of a case action without a body; the handler is `action_endpoint!`'s.
macro_rules! case_action {
    ($fn:ident, $t:expr, $path:literal, $op:literal, $summary:literal, $desc:literal, $from:literal) => {
        crate::api::lifecycle::action_endpoint! {
            #[utoipa::path(
                post, path = $path, tag = "cases", operation_id = $op, summary = $summary,
                description = concat!($desc, " Allowed from: ", $from, "; from any other state 409 with `current_state`. Roles: social_worker (assigned to the case's school)."),
                security(("bearer" = [])),
                params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
                responses(
                    (status = 200, description = "The case in its new state", body = CaseDetail, headers(("ETag" = String, description = "New version"))),
                    (status = 403, response = crate::openapi::Forbidden),
                    (status = 404, response = crate::openapi::NotFound),
                    (status = 409, response = crate::openapi::InvalidState),
                    (status = 412, response = crate::openapi::PreconditionFailed)
                )
            )]
            $path => $fn(crate::api::lifecycle::NoBody), may Action::WorkCases,
            apply plain_transition, ($t)
        }
    };
}

case_action!(
    start_case,
    CaseTransition::Start,
    "/api/v1/cases/{id}/start",
    "start_case",
    "Start working a case",
    "`new` → `in_progress`.",
    "new"
);
case_action!(
    put_case_on_wait,
    CaseTransition::Wait,
    "/api/v1/cases/{id}/wait",
    "put_case_on_wait",
    "Put a case on waiting",
    "`in_progress` → `waiting` (waiting for the family, a partner, a document).",
    "in_progress"
);
case_action!(
    resume_case,
    CaseTransition::Resume,
    "/api/v1/cases/{id}/resume",
    "resume_case",
    "Resume a waiting case",
    "`waiting` → `in_progress`.",
    "waiting"
);
case_action!(
    reopen_case,
    CaseTransition::Reopen,
    "/api/v1/cases/{id}/reopen",
    "reopen_case",
    "Reopen a closed case",
    "`closed` → `in_progress`; the outcome and closing date are cleared.",
    "closed"
);

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/close", tag = "cases", operation_id = "close_case",
    summary = "Close a case",
    description = "Any open state (`new`, `in_progress`, `waiting`) → `closed`, with an outcome. A closed case \
answers 409 with `current_state`; the outcome `referred` needs at least one referral of the case that was sent \
(409 otherwise). Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])), request_body = CloseCase,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "The closed case", body = CaseDetail, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/cases/{id}/close" => close_case(ApiJson<CloseCase>), may Action::WorkCases,
apply close
}
