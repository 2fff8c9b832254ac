//! A family's rights over its case: to get everything kept about it (export) and to have it
//! erased now. Both are done by the case's social worker, and both are audited.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::views::{CaseDetail, detail};
use crate::api::audit::AuditEvent;
use crate::api::common::etag;
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::db::audit::{self as audit_repo, AuditFilter};
use crate::db::now;
use crate::domain::case::CaseStatus;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};
use crate::usecases::cases::worked_case;

/// Everything kept about one case (GDPR art. 15): the case with its needs, contact moments
/// and consents (corrected ones with what they said before), the school's checklist
/// submission with its answers and remarks, the consult requests and agenda items linked to
/// the case, its referrals, and its whole access log.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseExport {
    #[schema(read_only)]
    pub exported_at: DateTime<Utc>,
    pub case: CaseDetail,
    /// The checklist submissions the case came from, with every answer and remark, oldest
    /// first.
    pub checklist_submissions: Vec<crate::api::checklist_submissions::WorkerSubmission>,
    /// The consult requests linked to the case (the school's reason and the visit's notes
    /// included), oldest first.
    pub consult_requests: Vec<crate::api::consults::ConsultRequest>,
    /// The network-meeting agenda items a worker linked to the case, oldest first.
    pub agenda_items: Vec<crate::api::agenda::AgendaItem>,
    /// The case's referrals with their history, oldest first.
    pub referrals: Vec<crate::api::referrals::ReferralDetail>,
    /// The message threads of those referrals with the partners, oldest first.
    pub referral_messages: Vec<crate::api::referrals::ReferralMessage>,
    /// Every audit event about the case and what hangs on it, oldest first.
    pub access_log: Vec<AuditEvent>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Answer as a file download (`Content-Disposition: attachment`).
    #[serde(default)]
    pub download: bool,
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/export", tag = "family-rights", operation_id = "export_case",
    summary = "Export everything kept about a case",
    description = "One JSON document with the case, its needs, contact moments and consents (corrected needs and \
contact moments with what they said before: `history`), the school's checklist submission with every answer and \
remark, the consult requests and network-meeting agenda items linked to the case, its referrals with their \
message threads with the partners and its whole access log — what the family is entitled to see (GDPR art. 15). With `download=true` it comes as a file. Audited. Roles: \
social_worker (assigned to the case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id"), ExportQuery),
    responses(
        (status = 200, description = "The export", body = CaseExport, headers(("Content-Disposition" = String, description = "With download=true: attachment; filename=<reference>.json"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}/export")]
pub async fn export_case(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    query: ApiQuery<ExportQuery>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WorkCases)?;
    let id = id.to_string();
    let export = state
        .db
        .write(move |conn| {
            let r = worked_case(conn, &user, &id)?;
            record(
                conn,
                &user,
                AuditAction::Export,
                "case",
                Some(&id),
                Some(&id),
            )?;
            let submission = r.case.submission_id.as_ref().map(|s| s.to_string());
            let case = detail(conn, r)?;
            let checklist_submissions = crate::api::checklist_submissions::views::of_case(
                conn,
                &id,
                submission.as_deref(),
            )?;
            let consult_requests = crate::api::consults::of_case(conn, &id)?;
            let agenda_items = crate::api::agenda::of_case(conn, &id)?;
            let referrals = crate::api::referrals::views::of_case(conn, &user, &id)?;
            let referral_messages = crate::api::referrals::messages_of_case(conn, &id)?;
            // The export's own event is in its log: sealed here, in this transaction (an export
            // is rare; it may hold the chain's head for its duration).
            audit_repo::seal_here(conn)?;
            let mut log = audit_repo::list(
                conn,
                AuditFilter {
                    case_id: Some(id.clone()),
                    ..AuditFilter::default()
                },
                None,
                i64::MAX - 1,
            )?;
            log.reverse();
            Ok(CaseExport {
                exported_at: utc(now()),
                case,
                checklist_submissions,
                consult_requests,
                agenda_items,
                referrals,
                referral_messages,
                access_log: log.into_iter().map(AuditEvent::from).collect(),
            })
        })
        .await?;
    let mut res = HttpResponse::Ok();
    if query.download {
        res.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.json\"", export.case.reference),
        ));
    }
    Ok(res.json(export))
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Verzoek van de moeder op 24/11/2026 (recht op gegevenswissing)."}))]
pub struct EraseCase {
    /// Why, for the audit trail (not personal data).
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/erase", tag = "family-rights", operation_id = "erase_case",
    summary = "Erase a case's personal data now",
    description = "On the family's request: removes the pupil, family contact, question, feedback, needs' \
texts, contact moments' summaries, the earlier versions of corrected needs and contact moments, consents and \
the links of agenda items to the case, and keeps what statistics need (school, themes, origin, \
dates, status, outcome). Answers kept for idempotent retries that name the case are replaced (a retry gets \
410), and no copy stays in the database files (SQLite: secure delete and a WAL checkpoint; PostgreSQL: the \
next retention run rewrites the tables). Only a closed case (409 otherwise: close it first, e.g. with outcome \
`declined_by_family`); a case erased before answers 409. Audited. Roles: social_worker (assigned to the \
case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")), request_body = EraseCase,
    responses(
        (status = 200, description = "What is left of the case", body = CaseDetail, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState)
    )
)]
#[post("/api/v1/cases/{id}/erase")]
pub async fn erase_case(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<EraseCase>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WorkCases)?;
    let b = body.into_inner()?;
    let id = id.to_string();
    let (v, tag) = state
        .db
        .write(move |conn| {
            let r = worked_case(conn, &user, &id)?;
            if r.case.erased_at.is_some() {
                return Err(ApiError::invalid_state("erased", Code::CaseErasedAlready));
            }
            if r.case.status != CaseStatus::Closed {
                return Err(ApiError::invalid_state(
                    r.case.status.as_str(),
                    Code::EraseOnlyClosed,
                ));
            }
            crate::retention::erase_case(conn, &id, b.reason.trim())?;
            record(
                conn,
                &user,
                AuditAction::Erase,
                "case",
                Some(&id),
                Some(&id),
            )?;
            let r = worked_case(conn, &user, &id)?;
            let tag = etag(r.case.updated_at);
            Ok((detail(conn, r)?, tag))
        })
        .await?;
    // The erasure has committed; now no copy of the values may stay in the files (SQLite's
    // write-ahead log). Should that fail, the erasure stands and the retention run retries.
    if let Err(e) = state
        .db
        .run(|conn| Ok(crate::retention::flush(conn)?))
        .await
    {
        log::warn!("flushing the database after an erasure failed: {e}");
    }
    Ok(crate::api::common::ok_with_etag(&v, &tag))
}
