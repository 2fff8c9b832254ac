//! Drafting a referral and changing the draft.

use actix_web::{HttpRequest, HttpResponse, patch, post, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use kinderen_eerst_macros::document_limits;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, check_if_match, created, etag};
use crate::api::extract::ApiJson;
use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::db::now;
use crate::db::referrals::{self as repo, ReferralRow};
use crate::db::schema::referrals;
use crate::domain::case::CaseStatus;
use crate::domain::referral::{ReferralStatus, ReferralUrgency};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};
use crate::usecases::themes::check_themes;

use super::views::*;

// ---------------------------------------------------------------------------------------------
// Create and change a draft

/// A new referral, created as a `draft`; `send` hands it to the partner.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"service_id": "0193a1b2-0000-7000-8000-0000000000e2", "themes": ["finances_debt"], "message_for_partner": "Moeder (Franstalig) zoekt hulp bij een afbetalingsplan voor de schoolrekening. Bereikbaar na 15 uur.", "urgency": "normal", "follow_up_on": "2026-12-15"}))]
pub struct NewReferral {
    /// The partner service to refer to (see the social map).
    #[schema(format = Uuid)]
    pub service_id: String,
    #[serde(default)]
    pub themes: Vec<String>,
    /// Only what the partner needs to act.
    #[validate(length(max = 4000))]
    pub message_for_partner: Option<String>,
    #[serde(default = "normal")]
    pub urgency: ReferralUrgency,
    /// By when the partner should have answered; not in the past.
    pub follow_up_on: Option<NaiveDate>,
}

pub(super) fn normal() -> ReferralUrgency {
    ReferralUrgency::Normal
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/referrals", tag = "referrals", operation_id = "create_referral",
    summary = "Draft a referral",
    description = "Creates a referral of the case to one partner service, as `draft`. Nothing reaches the \
partner until `send`. A closed case takes no new referrals (409). Roles: social_worker (assigned to the case's \
school).",
    security(("bearer" = [])), request_body = NewReferral,
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 201, description = "Drafted", body = ReferralDetail, headers(("Location" = String, description = "The new referral"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState)
    )
)]
#[post("/api/v1/cases/{id}/referrals")]
pub async fn create_referral(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<NewReferral>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WorkCases)?;
    let (case_id, b) = (id.to_string(), body.into_inner()?);
    let (v, tag, id) = state
        .db
        .write(move |conn| {
            let case = crate::usecases::cases::worked_case(conn, &user, &case_id)?;
            if case.case.status == CaseStatus::Closed {
                return Err(ApiError::invalid_state(
                    "closed",
                    Code::CaseClosedNoReferrals,
                ));
            }
            let mut checks = Checks::default();
            let partner = check_service(conn, &mut checks, &b.service_id)?;
            check_themes(conn, &mut checks, "themes", &b.themes)?;
            check_follow_up(&mut checks, b.follow_up_on);
            checks.finish()?;
            let at = now();
            let row = ReferralRow {
                id: Uuid::now_v7().to_string(),
                case_id: case_id.clone(),
                service_id: b.service_id.to_lowercase(),
                partner_id: partner.unwrap_or_default(),
                message_for_partner: trimmed(b.message_for_partner),
                urgency: b.urgency,
                follow_up_on: b.follow_up_on,
                status: ReferralStatus::Draft,
                consent_override_basis: None,
                consent_override_reason: None,
                partner_contact_name: None,
                decline_reason: None,
                outcome: None,
                sent_at: None,
                answered_at: None,
                completed_at: None,
                last_transition_at: at,
                last_transition_on: at.date(),
                created_by: user.id.clone(),
                created_at: at,
                updated_at: at,
            };
            repo::insert(conn, &row, &b.themes)?;
            diesel::insert_into(crate::db::schema::referral_transitions::table)
                .values(&repo::TransitionRow {
                    id: Uuid::now_v7().to_string(),
                    referral_id: row.id.clone(),
                    from_status: None,
                    to_status: ReferralStatus::Draft,
                    actor_id: user.id.clone(),
                    at,
                    comment: None,
                    on_behalf_of_partner: false,
                })
                .execute(conn)?;
            record(
                conn,
                &user,
                AuditAction::Create,
                "referral",
                Some(&row.id),
                Some(&case_id),
            )?;
            let r = worked_referral(conn, &user, &row.id)?;
            let tag = etag(r.referral.updated_at);
            Ok((detail(conn, r)?, tag, row.id))
        })
        .await?;
    Ok(created(&v, referral_location(&id), &tag))
}

/// Changes to a draft; only the fields sent change.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"urgency": "high", "follow_up_on": "2026-12-10"}))]
pub struct ReferralPatch {
    #[schema(format = Uuid)]
    pub service_id: Option<String>,
    pub themes: Option<Vec<String>>,
    #[validate(length(max = 4000))]
    pub message_for_partner: Option<String>,
    pub urgency: Option<ReferralUrgency>,
    pub follow_up_on: Option<NaiveDate>,
}

#[utoipa::path(
    patch, path = "/api/v1/referrals/{id}", tag = "referrals", operation_id = "update_referral",
    summary = "Change a draft referral",
    description = "Service, themes, message, urgency and follow-up day of a referral that is still `draft`; \
any other state answers 409 with `current_state`. Send the ETag you read as If-Match. Roles: social_worker \
(assigned to the case's school).",
    security(("bearer" = [])), request_body = ReferralPatch,
    params(("id" = Uuid, Path, description = "Referral id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = ReferralDetail, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/referrals/{id}")]
pub async fn update_referral(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<ReferralPatch>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WorkCases)?;
    let (id, if_match, b) = (id.to_string(), common::if_match(&req), body.into_inner()?);
    let (v, tag) = state
        .db
        .write(move |conn| {
            let current = worked_referral(conn, &user, &id)?;
            check_if_match(if_match.as_deref(), &etag(current.referral.updated_at))?;
            let status = current.referral.status();
            if status != ReferralStatus::Draft {
                return Err(ApiError::invalid_state(
                    status.as_str(),
                    crate::msg!(ReferralOnlyDraftChanges, status = status),
                ));
            }
            let mut checks = Checks::default();
            let partner = match &b.service_id {
                Some(s) => check_service(conn, &mut checks, s)?,
                None => Some(current.referral.partner_id.clone()),
            };
            if let Some(t) = &b.themes {
                check_themes(conn, &mut checks, "themes", t)?;
            }
            check_follow_up(&mut checks, b.follow_up_on);
            checks.finish()?;
            let c = &current.referral;
            diesel::update(referrals::table.find(&id))
                .set((
                    referrals::service_id.eq(b
                        .service_id
                        .map(|s| s.to_lowercase())
                        .unwrap_or(c.service_id.clone())),
                    referrals::partner_id.eq(partner.unwrap_or(c.partner_id.clone())),
                    referrals::message_for_partner.eq(match b.message_for_partner {
                        Some(m) => trimmed(Some(m)),
                        None => c.message_for_partner.clone(),
                    }),
                    referrals::urgency.eq(b.urgency.unwrap_or(c.urgency)),
                    referrals::follow_up_on.eq(b.follow_up_on.or(c.follow_up_on)),
                    referrals::updated_at.eq(now()),
                ))
                .execute(conn)?;
            if let Some(t) = &b.themes {
                repo::set_themes(conn, &id, t)?;
            }
            record(
                conn,
                &user,
                AuditAction::Update,
                "referral",
                Some(&id),
                Some(&c.case_id),
            )?;
            let r = worked_referral(conn, &user, &id)?;
            let tag = etag(r.referral.updated_at);
            Ok((detail(conn, r)?, tag))
        })
        .await?;
    Ok(common::ok_with_etag(&v, &tag))
}

/// A new follow-up day.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"follow_up_on": "2026-12-20"}))]
pub struct FollowUpChange {
    /// Not in the past; null removes the follow-up day.
    pub follow_up_on: Option<NaiveDate>,
}

#[utoipa::path(
    patch, path = "/api/v1/referrals/{id}/follow-up", tag = "referrals", operation_id = "move_referral_follow_up",
    summary = "Move a referral's follow-up day",
    description = "The day by which the partner should have answered or acted, in any state that is not final \
(`draft`, `sent`, `accepted`, `in_progress`, `on_hold`; a final one answers 409 with `current_state`). Not in \
the past. Send the ETag you read as If-Match. Audited; the partner is told by a `referral.follow_up_changed` \
event once the referral was sent. Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])), request_body = FollowUpChange,
    params(("id" = Uuid, Path, description = "Referral id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Moved", body = ReferralDetail, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/referrals/{id}/follow-up")]
pub async fn move_referral_follow_up(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<FollowUpChange>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WorkCases)?;
    let (id, if_match, b) = (id.to_string(), common::if_match(&req), body.into_inner()?);
    let (v, tag) = state
        .db
        .write(move |conn| {
            let current = worked_referral(conn, &user, &id)?;
            check_if_match(if_match.as_deref(), &etag(current.referral.updated_at))?;
            let status = current.referral.status();
            if status.is_final() {
                return Err(ApiError::invalid_state(
                    status.as_str(),
                    crate::msg!(ReferralFinalNoFollowUp, status = status),
                ));
            }
            let mut checks = Checks::default();
            check_follow_up(&mut checks, b.follow_up_on);
            checks.finish()?;
            let at = now();
            diesel::update(referrals::table.find(&id))
                .set((
                    referrals::follow_up_on.eq(b.follow_up_on),
                    referrals::updated_at.eq(at),
                ))
                .execute(conn)?;
            let c = &current.referral;
            if c.sent_at.is_some() {
                crate::db::events::record_for_partner(
                    conn,
                    "referral.follow_up_changed",
                    &serde_json::json!({
                        "referral_id": id,
                        "case_id": c.case_id,
                        "service_id": c.service_id,
                        "partner_id": c.partner_id,
                        "follow_up_on": b.follow_up_on,
                        "at": crate::domain::utc(at),
                    }),
                    at,
                    Some(&c.partner_id),
                )?;
            }
            record(
                conn,
                &user,
                AuditAction::Update,
                "referral",
                Some(&id),
                Some(&c.case_id),
            )?;
            let r = worked_referral(conn, &user, &id)?;
            let tag = etag(r.referral.updated_at);
            Ok((detail(conn, r)?, tag))
        })
        .await?;
    Ok(common::ok_with_etag(&v, &tag))
}
