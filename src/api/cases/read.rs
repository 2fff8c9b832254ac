//! Finding cases: the list in the caller's view, and one case.

use kinderen_eerst_macros::document_limits;
use std::collections::HashSet;

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, decode_cursor, etag};
use crate::api::extract::ApiQuery;
use crate::auth::{DeferredViewer, Sees, Viewer};
use crate::db::cases::{self as repo, CaseFilter, CaseListItem};
use crate::domain::case::{CaseOrigin, CaseStatus};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record, record_list};

use super::views::*;

// ---------------------------------------------------------------------------------------------
// List and read

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// Only cases of this school.
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// Only cases of schools in this network.
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
    /// Only cases in this status.
    pub status: Option<CaseStatus>,
    /// Only cases with this theme code.
    #[validate(length(min = 1, max = 50))]
    pub theme: Option<String>,
    /// Only cases with this origin.
    pub origin: Option<CaseOrigin>,
    /// Only cases with this lead worker.
    #[param(format = Uuid)]
    pub worker: Option<Uuid>,
    /// Opened on or after this day.
    pub opened_from: Option<NaiveDate>,
    /// Opened on or before this day.
    pub opened_to: Option<NaiveDate>,
    /// Search words. A social worker finds cases by reference (any spacing: `ke 2026 42`), pupil
    /// pseudonym or family name; a school by reference or pseudonym; the coordinator by
    /// reference only. Each word must start a word of the name (accents and case ignored).
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
    /// Only the case with this reference, in any spacing or case (`KE-2026-00042`, `ke 2026 42`).
    #[param(value_type = Option<crate::usecases::search::CaseReferenceText>)]
    pub reference: Option<String>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/cases", tag = "cases", operation_id = "list_cases",
    summary = "List cases",
    description = "Newest first. What each role gets: a **social_worker** the cases of the schools they are \
assigned to now, as `CaseSummary`; the **coordinator** every case as `CaseMetadata` (no personal data); a \
**school** the cases its school raised (origin `checklist` or `school_request`) as `SchoolCase`. \
`q` searches (see the parameter: what each role can search by); every case a worker's or a school's page \
returns is named in the audit trail. A **partner** account reaches no case (403). Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(CaseQuery),
    responses((status = 200, description = "A page of cases in the caller's view", body = CasePage), (status = 403, response = crate::openapi::Forbidden))
)]
#[get("/api/v1/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    caller: DeferredViewer,
    query: ApiQuery<CaseQuery>,
) -> ApiResult<web::Json<CasePage>> {
    let q = query.0;
    let limit = common::limit(q.limit);
    // Checked here, refused only after the caller is (the order of the answers stays: 401,
    // 403, then 422).
    let asked = case_filter(&q);
    let search = q.q.clone();
    let page = state
        .db
        .read_audited(move |conn| {
            // The caller's account is checked on this connection: one per request.
            let user = caller.0.viewer(conn)?;
            // Partners reach no case, only the referrals sent to them.
            user.reaches_school_objects()?;
            let (mut filter, after) = asked?;
            let scope = user.case_scope();
            let sees = user.sees();
            if let Some(q) = &search {
                filter.ids = Some(search_ids(conn, &scope, sees, q)?);
            }
            let view = match sees {
                Sees::CaseTeam => repo::ItemView::CaseTeam,
                Sees::School => repo::ItemView::School,
                Sees::Metadata | Sees::Partner => repo::ItemView::Metadata,
            };
            let rows = repo::list(conn, &scope, view, filter, after, limit)?;
            match sees {
                // Workers' and schools' lists carry personal data (pseudonyms, feedback): each
                // case on the page is named.
                Sees::CaseTeam | Sees::School => record_list(
                    conn,
                    &user,
                    "case",
                    rows.iter()
                        .take(limit as usize)
                        .map(|r| (r.case.id.as_str(), Some(r.case.id.as_str()))),
                )?,
                Sees::Metadata | Sees::Partner => {}
            }
            let key = |r: &CaseListItem| (r.case.opened_at, r.case.id.clone());
            Ok(match sees {
                Sees::School => {
                    let shared: HashSet<String> = feedback_shown(conn, &rows)?;
                    CasePage::School(common::page(rows, limit, key, |r| {
                        let s = shared.contains(r.case.id.as_str());
                        school_view(&r, s)
                    }))
                }
                Sees::Metadata => CasePage::Coordinator(common::page(rows, limit, key, metadata)),
                Sees::CaseTeam => CasePage::Worker(common::page(rows, limit, key, summary)),
                // Refused before the query; a partner's scope holds no case anyway.
                Sees::Partner => return Err(ApiError::NotFound),
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// The filter and the cursor a list query asks for, or why they are refused.
type AskedCases = ApiResult<(CaseFilter, Option<(chrono::NaiveDateTime, String)>)>;

fn case_filter(q: &CaseQuery) -> AskedCases {
    let after = decode_cursor::<(chrono::NaiveDateTime, String)>(q.cursor.as_deref())?;
    if let (Some(from), Some(to)) = (q.opened_from, q.opened_to)
        && from > to
    {
        return Err(ApiError::field(
            "opened_to",
            crate::msg!(NotBefore, other = "opened_from"),
        ));
    }
    let reference = match q.reference.as_deref() {
        Some(r) => Some(
            crate::usecases::search::reference(r)
                .ok_or_else(|| ApiError::field("reference", Code::NotAReference))?,
        ),
        None => None,
    };
    let filter = CaseFilter {
        school_id: q.school.map(|s| s.to_string()),
        network_id: q.network.map(|n| n.to_string()),
        status: q.status.map(|s| s.as_str().to_string()),
        theme: q.theme.clone(),
        origin: q.origin.map(|o| o.as_str().to_string()),
        lead_worker_id: q.worker.map(|w| w.to_string()),
        opened_from: q.opened_from.and_then(|d| d.and_hms_opt(0, 0, 0)),
        opened_before: q
            .opened_to
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        reference,
        ids: None,
    };
    Ok((filter, after))
}

/// The cases of `scope` that `q` finds for a caller with this view: by reference for every
/// view; by pupil pseudonym for the case team and the school; by family name for the case team
/// only (the school and the coordinator never see family data, so they cannot search it).
fn search_ids(
    conn: &mut crate::db::DbConn,
    scope: &repo::CaseScope,
    sees: Sees,
    q: &str,
) -> ApiResult<Vec<String>> {
    use crate::usecases::search::{case_reference, prefix_match, words};
    let mut ids = Vec::new();
    if let Some(r) = case_reference(q)
        && let Some(id) = crate::db::optional(repo::id_by_reference(conn, &r, scope))?
    {
        ids.push(id);
    }
    let words = words(Some(q));
    match sees {
        // A partner reaches no case (refused before); the coordinator searches by reference.
        Sees::Metadata | Sees::Partner => {}
        Sees::CaseTeam | Sees::School => {
            for r in repo::search_rows(conn, scope)? {
                let family = match sees {
                    Sees::CaseTeam => r.family_name.as_deref(),
                    Sees::School | Sees::Metadata | Sees::Partner => None,
                };
                if prefix_match(&words, &[r.pupil_pseudonym.as_deref(), family])
                    && !ids.contains(&r.id)
                {
                    ids.push(r.id);
                }
            }
        }
    }
    Ok(ids)
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "get_case",
    summary = "Get a case",
    description = "A **social_worker** assigned to the case's school gets `CaseDetail` (with needs, contact \
moments and consents); the **coordinator** gets `CaseMetadata`; a **school** gets `SchoolCase` for a case its \
school raised. Any other case answers 404. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case in the caller's view", body = CaseView, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    caller: DeferredViewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let (v, tag) = state
        .db
        .read_audited(move |conn| {
            // The caller's account is checked on this connection: one per request.
            let user = caller.0.viewer(conn)?;
            user.reaches_school_objects()?;
            let scope = user.case_scope();
            if user.sees() == Sees::CaseTeam {
                // The case and everything on it in one statement.
                let (r, children) = repo::find_scoped_with_children(conn, &id, &scope)?;
                record(conn, &user, AuditAction::Read, "case", Some(&id), Some(&id))?;
                let tag = etag(r.case.updated_at);
                let v = CaseView::Worker(Box::new(detail_with(r, children)));
                return Ok((v, tag));
            }
            let r = repo::find_scoped(conn, &id, &scope)?;
            record(conn, &user, AuditAction::Read, "case", Some(&id), Some(&id))?;
            let tag = etag(r.case.updated_at);
            Ok((view(conn, &user, r)?, tag))
        })
        .await?;
    Ok(common::ok_with_etag(&v, &tag))
}

#[utoipa::path(
    get, path = "/api/v1/cases/by-reference/{reference}", tag = "cases", operation_id = "get_case_by_reference",
    summary = "Get a case by its reference",
    description = "For links from letters and phone calls: the reference in any spacing or case (`KE-2026-00042`, \
`ke 2026 42`, `KE202600042`). The answer is the case as `GET /api/v1/cases/{id}` gives it to the caller, with \
`Content-Location` naming that address; a case outside the caller's scope answers 404, like an unknown \
reference. Audited as a read. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])),
    params(("reference" = crate::usecases::search::CaseReferenceText, Path, description = "The case's reference", example = "KE-2026-00042")),
    responses(
        (status = 200, description = "The case in the caller's view", body = CaseView, headers(("ETag" = String, description = "Version, for If-Match"), ("Content-Location" = String, description = "The case's own address"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/by-reference/{reference}")]
pub async fn get_case_by_reference(
    state: web::Data<AppState>,
    user: Viewer,
    reference: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.reaches_school_objects()?;
    let reference = crate::usecases::search::reference(&reference.into_inner())
        .ok_or_else(|| ApiError::field("reference", Code::NotAReference))?;
    let (v, tag, id) = state
        .db
        .read_audited(move |conn| {
            let scope = user.case_scope();
            let id = repo::id_by_reference(conn, &reference, &scope)?;
            let r = repo::find_scoped(conn, &id, &scope)?;
            record(conn, &user, AuditAction::Read, "case", Some(&id), Some(&id))?;
            let tag = etag(r.case.updated_at);
            Ok((view(conn, &user, r)?, tag, id))
        })
        .await?;
    let mut resp = common::ok_with_etag(&v, &tag);
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&format!("/api/v1/cases/{id}")) {
        resp.headers_mut()
            .insert(actix_web::http::header::CONTENT_LOCATION, v);
    }
    Ok(resp)
}
