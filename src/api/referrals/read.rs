//! Finding referrals: the list in the caller's view, a case's referrals, one referral.

use actix_web::{HttpResponse, get, web};
use kinderen_eerst_macros::document_limits;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, decode_cursor, etag};
use crate::api::extract::ApiQuery;
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::cases as case_repo;
use crate::db::now;
use crate::db::referrals::{self as repo, ReferralFilter, ReferralListRow};
use crate::domain::case::ConsentKind;
use crate::domain::referral::ReferralStatus;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record, record_list};

use super::views::*;

// ---------------------------------------------------------------------------------------------
// Read

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReferralQuery {
    /// Only referrals in this status.
    pub status: Option<ReferralStatus>,
    /// Only referrals to this partner organisation.
    #[param(format = Uuid)]
    pub partner: Option<Uuid>,
    /// Only referrals to this service.
    #[param(format = Uuid)]
    pub service: Option<Uuid>,
    /// Only referrals of cases of this school.
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// `true`: only overdue referrals — `sent`, `accepted`, `in_progress` or `on_hold`, past
    /// `follow_up_on` (before today, UTC) and no transition after that day.
    pub overdue: Option<bool>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/referrals", tag = "referrals", operation_id = "list_referrals",
    summary = "List referrals",
    description = "Newest first. A **social_worker** gets the referrals of the cases of the schools they are \
assigned to now, as `Referral`; the **coordinator** every referral as `ReferralMetadata` (no message, no partner \
answer); a **partner** account the referrals sent to its organisation (and to the organisations below it), \
never drafts, as `PartnerReferral` (the package only while the family's consent is live). `overdue=true` is the \
follow-up list: referrals the partner has not answered or finished by their `follow_up_on` day with nothing \
happening since. Roles: coordinator, social_worker, partner.",
    security(("bearer" = [])), params(ReferralQuery),
    responses(
        (status = 200, description = "A page of referrals in the caller's view", body = ReferralPage),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/referrals")]
pub async fn list_referrals(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<ReferralQuery>,
) -> ApiResult<web::Json<ReferralPage>> {
    require_reader(&user)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(chrono::NaiveDateTime, String)>(q.cursor.as_deref())?;
    let day = today();
    let filter = ReferralFilter {
        case_id: None,
        status: q.status.map(|s| s.as_str().to_string()),
        partner_id: q.partner.map(|p| p.to_string()),
        service_id: q.service.map(|s| s.to_string()),
        school_id: q.school.map(|s| s.to_string()),
        overdue_on: q.overdue.filter(|o| *o).map(|_| day),
        ..ReferralFilter::default()
    };
    let scope = user.case_scope();
    let sees = user.sees();
    let page = state
        .db
        .read_audited(move |conn| {
            let rows = repo::list(conn, &scope, filter, after, Some(limit))?;
            match sees {
                // A worker's and a partner's list carry the messages to partners: each referral
                // is named.
                Sees::CaseTeam | Sees::Partner => record_list(
                    conn,
                    &user,
                    "referral",
                    rows.iter()
                        .take(limit as usize)
                        .map(|r| (r.referral.id.as_str(), Some(r.referral.case_id.as_str()))),
                )?,
                Sees::Metadata | Sees::School => {}
            }
            let key = |r: &ReferralListRow| (r.referral.created_at, r.referral.id.clone());
            let ids: Vec<String> = rows.iter().map(|r| r.referral.id.clone()).collect();
            let mut themes = repo::themes_of(conn, &ids)?;
            Ok(match sees {
                Sees::Metadata => ReferralPage::Coordinator(common::page(rows, limit, key, |r| {
                    let t = themes.remove(&r.referral.id).unwrap_or_default();
                    metadata_view(r, t, day)
                })),
                Sees::Partner => {
                    let mut rows = rows;
                    let more = rows.len() as i64 > limit;
                    rows.truncate(limit as usize);
                    let next_cursor = if more {
                        rows.last().map(|r| common::encode_cursor(&key(r)))
                    } else {
                        None
                    };
                    ReferralPage::Partner(common::Page {
                        items: partner_views(conn, rows)?,
                        next_cursor,
                    })
                }
                // `require_reader` keeps schools out before this.
                Sees::CaseTeam | Sees::School => {
                    let live = live_consents(conn, &rows)?;
                    ReferralPage::Worker(common::page(rows, limit, key, |r| {
                        let t = themes.remove(&r.referral.id).unwrap_or_default();
                        worker_view(r, t, &live, day)
                    }))
                }
            })
        })
        .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/referrals", tag = "referrals", operation_id = "list_case_referrals",
    summary = "List a case's referrals",
    description = "Newest first, in the caller's view. A **social_worker** assigned to the case's school gets \
`Referral`s; the **coordinator** `ReferralMetadata`. A **school** gets, for a case its school raised, only that \
a referral was sent and its status (`SchoolReferral`: drafts and referrals cancelled before sending are not \
shown) — and only while the case has a live `share_with_school` consent; without it the list is empty. Never \
the message, the partner's answer or a consent override. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case's referrals in the caller's view", body = CaseReferrals),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}/referrals")]
pub async fn list_case_referrals(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<CaseReferrals>> {
    user.reaches_school_objects()?;
    let case_id = id.to_string();
    let v = state
        .db
        .read_audited(move |conn| {
            let scope = user.case_scope();
            case_repo::find_scoped(conn, &case_id, &scope)?;
            record(
                conn,
                &user,
                AuditAction::List,
                "referral",
                None,
                Some(&case_id),
            )?;
            let day = today();
            let filter = |sent_only| ReferralFilter {
                case_id: Some(case_id.clone()),
                sent_only,
                ..ReferralFilter::default()
            };
            Ok(match user.sees() {
                // A partner reaches no case (the scope above found none); kept for the match.
                Sees::Partner => return Err(crate::error::ApiError::NotFound),
                Sees::School => {
                    require(&user, Action::ReadSchoolCaseView)?;
                    let shared = !case_repo::with_live_consent(
                        conn,
                        std::slice::from_ref(&case_id),
                        ConsentKind::ShareWithSchool.as_str(),
                        None,
                        now(),
                    )?
                    .is_empty();
                    let rows = if shared {
                        repo::list(conn, &scope, filter(true), None, None)?
                    } else {
                        Vec::new()
                    };
                    CaseReferrals::School(
                        rows.into_iter()
                            .map(|r| SchoolReferral {
                                status: r.referral.status(),
                                id: r.referral.id,
                            })
                            .collect(),
                    )
                }
                Sees::Metadata => {
                    require(&user, Action::ReadReferralMetadata)?;
                    let rows = repo::list(conn, &scope, filter(false), None, None)?;
                    let ids: Vec<String> = rows.iter().map(|r| r.referral.id.clone()).collect();
                    let mut themes = repo::themes_of(conn, &ids)?;
                    CaseReferrals::Coordinator(
                        rows.into_iter()
                            .map(|r| {
                                let t = themes.remove(&r.referral.id).unwrap_or_default();
                                metadata_view(r, t, day)
                            })
                            .collect(),
                    )
                }
                Sees::CaseTeam => {
                    require(&user, Action::WorkCases)?;
                    let rows = repo::list(conn, &scope, filter(false), None, None)?;
                    let ids: Vec<String> = rows.iter().map(|r| r.referral.id.clone()).collect();
                    let mut themes = repo::themes_of(conn, &ids)?;
                    let live = live_consents(conn, &rows)?;
                    CaseReferrals::Worker(
                        rows.into_iter()
                            .map(|r| {
                                let t = themes.remove(&r.referral.id).unwrap_or_default();
                                worker_view(r, t, &live, day)
                            })
                            .collect(),
                    )
                }
            })
        })
        .await?;
    Ok(web::Json(v))
}

#[utoipa::path(
    get, path = "/api/v1/referrals/{id}", tag = "referrals", operation_id = "get_referral",
    summary = "Get a referral",
    description = "A **social_worker** assigned to the case's school gets `ReferralDetail`, with the status \
history (who, when, why); the **coordinator** gets `ReferralMetadata`; a **partner** account, for a referral sent \
to its organisation, `PartnerReferralDetail` (the package the consent allows, the history from `sent` on with \
comments of the partner's own steps only). Any other referral (for a partner also a draft) answers 404. Schools \
see referral status on their case instead (`GET /api/v1/cases/{id}/referrals`). Roles: coordinator, \
social_worker, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The referral in the caller's view", body = ReferralView, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/referrals/{id}")]
pub async fn get_referral(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require_reader(&user)?;
    let id = id.to_string();
    let (v, tag) = state
        .db
        .read_audited(move |conn| {
            let r = repo::find_scoped(conn, &id, &user.case_scope())?;
            record(
                conn,
                &user,
                AuditAction::Read,
                "referral",
                Some(&id),
                Some(&r.referral.case_id),
            )?;
            let tag = etag(r.referral.updated_at);
            Ok((view(conn, &user, r)?, tag))
        })
        .await?;
    Ok(common::ok_with_etag(&v, &tag))
}
