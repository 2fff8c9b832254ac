//! Submitting, listing, counting and reading submissions.

use crate::i18n::Code;
use crate::usecases::audit::{AuditAction, record, record_list};

use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use uuid::Uuid;

use crate::api::common::{self, Checks, Page, decode_cursor, ok_with_etag};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Viewer;
use crate::auth::extractor::Allowed;
use crate::auth::policy::{Action, allows, can};
use crate::db::checklists::{self as repo, SubmissionFilter, SubmissionRow};
use crate::db::now;
use crate::db::schema::schools;
use crate::domain::ids::SchoolId;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::checks::*;
use super::types::*;
use super::views::*;

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

#[utoipa::path(
    post, path = "/api/v1/checklist-submissions", tag = "checklists", operation_id = "create_checklist_submission",
    summary = "Submit a signal checklist for a pupil",
    description = "A school account submits for its own school (taken from the account, never from the body). \
Every item of the version is answered once; an unknown or repeated code is 422 naming `answers[i].code`, and each \
missing item is named under `answers`. The pupil is a pseudonym the school chooses, never a name. The answer is the \
school's view of the submission. Roles: school.",
    security(("bearer" = [])), request_body = NewSubmission,
    responses(
        (status = 201, description = "Submitted; the school's view", body = SchoolSubmission, headers(("Location" = String, description = "The new submission"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "No checklist version is published yet", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/checklist-submissions")]
pub async fn create_checklist_submission(
    state: web::Data<AppState>,
    Allowed(user, _): Allowed<can::SubmitChecklist>,
    body: ApiJson<NewSubmission>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner()?;
    let school_id = user
        .school_id
        .clone()
        .ok_or_else(|| ApiError::Forbidden(Code::AccountNotBoundToSchool.into()))?;
    let (view, tag) = state
        .db
        .write(move |conn| {
            let id = Uuid::now_v7().to_string();
            let (version_id, answers) = check_submission(conn, &b, &id)?;
            let at = now();
            let row = SubmissionRow {
                id: id.clone(),
                school_id,
                submitted_by: user.id.clone(),
                version_id,
                pupil_pseudonym: b.pupil_pseudonym.trim().to_string(),
                birth_year: b.birth_year,
                class_name: b.class_name.trim().to_string(),
                concern: b.concern.as_str().to_string(),
                context: b.context.trim().to_string(),
                parents_informed: b.parents_informed,
                status: repo::SUBMITTED.to_string(),
                triaged_by: None,
                triaged_at: None,
                triage_note: None,
                decided_by: None,
                decided_at: None,
                no_action_reason: None,
                advice_for_school: None,
                case_id: None,
                case_reference: None,
                submitted_at: at,
                updated_at: at,
            };
            repo::insert_submission(conn, &row, &answers)?;
            record(conn, &user, AuditAction::Create, OBJECT, Some(&id), None)?;
            crate::usecases::notify::submission(
                conn,
                repo::SUBMITTED,
                &id,
                &row.school_id,
                None,
                at,
            )?;
            let row = repo::find_submission(conn, &id)?;
            load_view(conn, Perspective::School, row)
        })
        .await?;
    let SubmissionView::School(v) = view else {
        return Err(ApiError::internal("a school got another view"));
    };
    Ok(common::created(
        &v,
        format!("/api/v1/checklist-submissions/{}", v.id),
        &tag,
    ))
}

#[utoipa::path(
    get, path = "/api/v1/checklist-submissions", tag = "checklists", operation_id = "list_checklist_submissions",
    summary = "List checklist submissions",
    description = "Newest first. A school account sees its own school's submissions (`SchoolSubmissionSummary`); a \
social worker those of the schools assigned to them today (`WorkerSubmissionSummary`, with the themes that have \
signals). Filters narrow within that; a school outside it gives an empty page; `q` finds a pupil by pseudonym. \
Every submission on the page is named in the audit trail. The coordinator sees counts only (403 here). Roles: \
social_worker, school.",
    security(("bearer" = [])), params(SubmissionQuery),
    responses(
        (status = 200, description = "A page of submissions", body = Page<SubmissionListItem>),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/checklist-submissions")]
pub async fn list_checklist_submissions(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionListItem>>> {
    let v = viewer(&user)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let before = decode_cursor::<String>(q.cursor.as_deref())?;
    let mut checks = Checks::default();
    let (from, until) = period(&mut checks, q.from, q.to);
    checks.finish()?;
    let page = state
        .db
        .read_audited(move |conn| {
            let scope = narrow(readable_schools(&user), q.school);
            let ids = match &q.q {
                Some(q) => {
                    let words = crate::usecases::search::words(Some(q));
                    Some(
                        repo::pseudonyms(conn, &scope)?
                            .into_iter()
                            .filter(|(_, p)| {
                                crate::usecases::search::prefix_match(&words, &[Some(p)])
                            })
                            .map(|(id, _)| id)
                            .collect(),
                    )
                }
                None => None,
            };
            let f = SubmissionFilter {
                school_ids: scope,
                network_id: q.network.map(|n| n.to_string()),
                status: q.status.map(|s| s.as_str().to_string()),
                from,
                until,
                ids,
            };
            let mut rows = repo::list_submissions(conn, &f, before, limit)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            // Each submission on the page is named (it carries a pupil's pseudonym and answers).
            record_list(
                conn,
                &user,
                OBJECT,
                rows.iter().map(|r| (r.id.as_str(), None)),
            )?;
            let next_cursor = if more {
                rows.last().map(|r| common::encode_cursor(&r.id))
            } else {
                None
            };
            let ctx = load_context(conn, &rows, false)?;
            Ok(Page {
                items: rows.into_iter().map(|r| ctx.list_item(v, r)).collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    get, path = "/api/v1/checklist-submissions/counts", tag = "checklists", operation_id = "count_checklist_submissions",
    summary = "Count checklist submissions",
    description = "Counts by status and by concern, without any pupil data. The coordinator counts all schools; a \
social worker the schools assigned to them today; a school account its own. Filters narrow within that. \
Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(CountsQuery),
    responses((status = 200, description = "The counts", body = SubmissionCounts))
)]
#[get("/api/v1/checklist-submissions/counts")]
pub async fn count_checklist_submissions(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<CountsQuery>,
) -> ApiResult<web::Json<SubmissionCounts>> {
    if !allows(user.role, Action::ReadChecklistAggregates) {
        viewer(&user)?;
    }
    let q = query.0;
    let mut checks = Checks::default();
    let (from, until) = period(&mut checks, q.from, q.to);
    checks.finish()?;
    let counts = state
        .db
        .run(move |conn| {
            let scope = match user.schools() {
                None => schools::table.select(schools::id).load::<SchoolId>(conn)?,
                Some(own) => own,
            };
            let f = SubmissionFilter {
                school_ids: narrow(scope, q.school),
                network_id: q.network.map(|n| n.to_string()),
                status: None,
                from,
                until,
                ids: None,
            };
            Ok(repo::count_submissions(conn, &f)?)
        })
        .await?;
    let mut out = SubmissionCounts::default();
    for (status, n) in counts.0 {
        out.total += n;
        match status.as_str() {
            repo::SUBMITTED => out.by_status.submitted = n,
            repo::TRIAGED => out.by_status.triaged = n,
            repo::CASE_OPENED => out.by_status.case_opened = n,
            repo::NO_ACTION => out.by_status.no_action = n,
            _ => {}
        }
    }
    for (concern, n) in counts.1 {
        match concern.as_str() {
            "low" => out.by_concern.low = n,
            "medium" => out.by_concern.medium = n,
            "high" => out.by_concern.high = n,
            _ => {}
        }
    }
    Ok(web::Json(out))
}

#[utoipa::path(
    get, path = "/api/v1/checklist-submissions/{id}", tag = "checklists", operation_id = "get_checklist_submission",
    summary = "Get a checklist submission",
    description = "A school account gets `SchoolSubmission` for its own school's submission: its input, the status \
and the case reference, nothing a worker wrote. A social worker assigned to the school gets `WorkerSubmission`, \
with triage, decision and the signals per theme. Another school's submission, or one of a school the worker is not \
assigned to, is 404. The coordinator sees counts only (403). Roles: social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The submission in the caller's view", body = SubmissionView, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/checklist-submissions/{id}")]
pub async fn get_checklist_submission(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let v = viewer(&user)?;
    let id = id.to_string();
    let (view, tag) = state
        .db
        .read_audited(move |conn| {
            let scope = readable_schools(&user);
            let row = repo::find_submission_in(conn, &id, &scope)?;
            record(
                conn,
                &user,
                AuditAction::Read,
                OBJECT,
                Some(&id),
                row.case_id.as_deref(),
            )?;
            load_view(conn, v, row)
        })
        .await?;
    Ok(ok_with_etag(&view, &tag))
}
