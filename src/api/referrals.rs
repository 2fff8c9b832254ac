//! Referrals: a worker hands (part of) a case to one partner service and follows it until the
//! partner has answered and finished — the closed loop. Three views: the worker's (everything,
//! for the schools they are assigned to), the coordinator's (metadata: no message, no partner
//! answer, no history comments) and the school's (that a referral exists and its status, only
//! while the family allows sharing with the school).

use std::collections::HashSet;

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, Page, check_if_match, created, decode_cursor, etag};
use crate::api::extract::{ApiJson, ApiQuery, OptionalJson};
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::cases as case_repo;
use crate::db::referrals::{self as repo, ReferralFilter, ReferralListRow, ReferralRow};
use crate::db::schema::{partners, referrals, services};
use crate::db::{DbConn, events, now, optional};
use crate::domain::case::{CaseStatus, ConsentKind};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::referral::{
    LegalBasis, ReferralAction, ReferralStatus, ReferralUrgency, Requires,
};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};
use crate::usecases::themes::check_themes;

// ---------------------------------------------------------------------------------------------
// Representations

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralSchool {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralService {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralPartner {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

/// Sending without the family's consent, on another lawful basis: a child in danger
/// (`vital_interest`) or a duty laid down by law (`legal_obligation`), with the reason.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"legal_basis": "vital_interest", "reason": "Acuut gevaar: het kind slaapt sinds een week op straat."}))]
pub struct ConsentOverride {
    pub legal_basis: LegalBasis,
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

/// A referral as the case's social workers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Referral {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(read_only, format = Uuid)]
    pub case_id: String,
    #[schema(read_only)]
    pub school: ReferralSchool,
    pub service: ReferralService,
    /// The service's organisation: the one the family's `refer_to_partner` consent must name.
    #[schema(read_only)]
    pub partner: ReferralPartner,
    /// Theme codes (see `GET /api/v1/themes`).
    pub themes: Vec<String>,
    /// Only what the partner needs; kept apart from the case's notes. Null once erased.
    pub message_for_partner: Option<String>,
    pub urgency: ReferralUrgency,
    /// The day by which the partner should have answered or acted.
    pub follow_up_on: Option<NaiveDate>,
    #[schema(read_only)]
    pub status: ReferralStatus,
    /// The equivalent FHIR Task status: draft, requested, accepted, rejected, in-progress,
    /// on-hold, completed, failed, cancelled.
    #[schema(read_only, example = "requested")]
    pub fhir_status: String,
    /// Open at the partner (`sent`, `accepted`, `in_progress`, `on_hold`), past `follow_up_on`,
    /// and no transition after that day.
    #[schema(read_only)]
    pub overdue: bool,
    /// Sent on the family's consent, still open, and that consent is no longer live: the worker
    /// must stop the referral (`cancel`).
    #[schema(read_only)]
    pub consent_withdrawn: bool,
    /// Set when the referral was sent without consent, on another lawful basis.
    #[schema(read_only)]
    pub consent_override: Option<ConsentOverride>,
    /// The partner's contact person, recorded on `accept`.
    #[schema(read_only)]
    pub partner_contact_name: Option<String>,
    /// Why the partner declined, recorded on `decline`.
    #[schema(read_only)]
    pub decline_reason: Option<String>,
    /// What the partner achieved, recorded on `complete`.
    #[schema(read_only)]
    pub outcome: Option<String>,
    #[schema(read_only)]
    pub sent_at: Option<DateTime<Utc>>,
    /// When the partner accepted or declined.
    #[schema(read_only)]
    pub answered_at: Option<DateTime<Utc>>,
    #[schema(read_only)]
    pub completed_at: Option<DateTime<Utc>>,
    #[schema(read_only)]
    pub last_transition_at: DateTime<Utc>,
    #[schema(read_only, format = Uuid)]
    pub created_by: String,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Actor {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub display_name: String,
}

/// One step of a referral's life: who, when and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralTransition {
    /// Null for the creation of the draft.
    pub from_status: Option<ReferralStatus>,
    pub to_status: ReferralStatus,
    pub actor: Actor,
    pub at: DateTime<Utc>,
    /// The reason, or the worker's comment.
    pub comment: Option<String>,
}

/// A referral with its status history: what its social workers get for one referral.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralDetail {
    #[serde(flatten)]
    pub referral: Referral,
    /// Oldest first.
    pub history: Vec<ReferralTransition>,
}

/// A referral as the coordinator sees it: metadata only — no message, no partner answer, no
/// history comments, no consent details.
#[derive(Debug, Serialize, ToSchema)]
// Closed in the document (additionalProperties: false), so the role views of a `oneOf` are exclusive.
#[serde(deny_unknown_fields)]
pub struct ReferralMetadata {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub case_id: String,
    pub school: ReferralSchool,
    pub service: ReferralService,
    pub partner: ReferralPartner,
    pub themes: Vec<String>,
    pub urgency: ReferralUrgency,
    pub follow_up_on: Option<NaiveDate>,
    pub status: ReferralStatus,
    #[schema(example = "requested")]
    pub fhir_status: String,
    pub overdue: bool,
    /// The lawful basis when it was sent without consent.
    pub consent_override_basis: Option<LegalBasis>,
    pub sent_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a school sees of a referral on a case it raised: that it exists and its status.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000f1", "status": "accepted"}))]
pub struct SchoolReferral {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub status: ReferralStatus,
}

/// One referral, in the view the caller's role may see.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReferralView {
    /// social_worker
    Worker(Box<ReferralDetail>),
    /// coordinator
    Coordinator(Box<ReferralMetadata>),
}

/// A page of referrals, in the view the caller's role may see.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReferralPage {
    /// social_worker
    Worker(Page<Referral>),
    /// coordinator
    Coordinator(Page<ReferralMetadata>),
}

/// A case's referrals, in the view the caller's role may see.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CaseReferrals {
    /// social_worker
    Worker(Vec<Referral>),
    /// coordinator
    Coordinator(Vec<ReferralMetadata>),
    /// school
    School(Vec<SchoolReferral>),
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn urgency_of(r: &ReferralRow) -> ReferralUrgency {
    ReferralUrgency::parse(&r.urgency).unwrap_or(ReferralUrgency::Normal)
}

fn basis_of(r: &ReferralRow) -> Option<LegalBasis> {
    r.consent_override_basis
        .as_deref()
        .and_then(LegalBasis::parse)
}

/// Pairs (case, partner) with a live `refer_to_partner` consent, for a set of referrals.
fn live_consents(
    conn: &mut DbConn,
    rows: &[ReferralListRow],
) -> ApiResult<HashSet<(String, String)>> {
    let ids: Vec<String> = rows.iter().map(|r| r.referral.case_id.clone()).collect();
    Ok(repo::live_partner_consents(conn, &ids, now())?)
}

fn worker_view(
    r: ReferralListRow,
    themes: Vec<String>,
    live: &HashSet<(String, String)>,
    day: NaiveDate,
) -> Referral {
    let row = r.referral;
    let status = row.status();
    let basis = basis_of(&row);
    let consent_withdrawn = row.sent_at.is_some()
        && !status.is_final()
        && basis.is_none()
        && !live.contains(&(row.case_id.clone(), row.partner_id.clone()));
    Referral {
        overdue: row.overdue(day),
        consent_withdrawn,
        consent_override: basis.map(|b| ConsentOverride {
            legal_basis: b,
            reason: row.consent_override_reason.clone().unwrap_or_default(),
        }),
        urgency: urgency_of(&row),
        fhir_status: status.fhir().into(),
        status,
        id: row.id,
        case_id: row.case_id,
        school: ReferralSchool {
            id: r.school_id,
            name: r.school_name,
        },
        service: ReferralService {
            id: row.service_id,
            name: r.service_name,
        },
        partner: ReferralPartner {
            id: row.partner_id,
            name: r.partner_name,
        },
        themes,
        message_for_partner: row.message_for_partner,
        follow_up_on: row.follow_up_on,
        partner_contact_name: row.partner_contact_name,
        decline_reason: row.decline_reason,
        outcome: row.outcome,
        sent_at: row.sent_at.map(utc),
        answered_at: row.answered_at.map(utc),
        completed_at: row.completed_at.map(utc),
        last_transition_at: utc(row.last_transition_at),
        created_by: row.created_by,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

fn metadata_view(r: ReferralListRow, themes: Vec<String>, day: NaiveDate) -> ReferralMetadata {
    let row = r.referral;
    let status = row.status();
    ReferralMetadata {
        overdue: row.overdue(day),
        consent_override_basis: basis_of(&row),
        urgency: urgency_of(&row),
        fhir_status: status.fhir().into(),
        status,
        id: row.id,
        case_id: row.case_id,
        school: ReferralSchool {
            id: r.school_id,
            name: r.school_name,
        },
        service: ReferralService {
            id: row.service_id,
            name: r.service_name,
        },
        partner: ReferralPartner {
            id: row.partner_id,
            name: r.partner_name,
        },
        themes,
        follow_up_on: row.follow_up_on,
        sent_at: row.sent_at.map(utc),
        answered_at: row.answered_at.map(utc),
        completed_at: row.completed_at.map(utc),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// The worker's full view of one referral, with its history.
pub(crate) fn detail(conn: &mut DbConn, r: ReferralListRow) -> ApiResult<ReferralDetail> {
    let id = r.referral.id.clone();
    let themes = repo::themes_of(conn, std::slice::from_ref(&id))?
        .remove(&id)
        .unwrap_or_default();
    let live = live_consents(conn, std::slice::from_ref(&r))?;
    let history = repo::history(conn, &id)?
        .into_iter()
        .map(|(t, name)| ReferralTransition {
            from_status: t.from_status.as_deref().and_then(ReferralStatus::parse),
            to_status: ReferralStatus::parse(&t.to_status).unwrap_or(ReferralStatus::Draft),
            actor: Actor {
                id: t.actor_id,
                display_name: name,
            },
            at: utc(t.at),
            comment: t.comment,
        })
        .collect();
    Ok(ReferralDetail {
        referral: worker_view(r, themes, &live, today()),
        history,
    })
}

fn view(conn: &mut DbConn, user: &Viewer, r: ReferralListRow) -> ApiResult<ReferralView> {
    Ok(match user.sees() {
        Sees::Metadata => {
            let id = r.referral.id.clone();
            let themes = repo::themes_of(conn, std::slice::from_ref(&id))?
                .remove(&id)
                .unwrap_or_default();
            ReferralView::Coordinator(Box::new(metadata_view(r, themes, today())))
        }
        Sees::CaseTeam => ReferralView::Worker(Box::new(detail(conn, r)?)),
        // Schools see referrals only through their case (`list_case_referrals`).
        Sees::School => return Err(ApiError::NotFound),
    })
}

/// Who may read referrals at all, by role: workers (their schools) and the coordinator
/// (metadata); schools only through their case.
fn require_reader(user: &Viewer) -> ApiResult<()> {
    match user.sees() {
        Sees::Metadata => require(user, Action::ReadReferralMetadata),
        Sees::CaseTeam | Sees::School => require(user, Action::WorkCases),
    }
}

/// The referral, for a social worker assigned to its case's school now; 404 otherwise.
/// Every referral of a case the caller works, in full, oldest first (for the family's export).
pub(crate) fn of_case(
    conn: &mut DbConn,
    user: &Viewer,
    case_id: &str,
) -> ApiResult<Vec<ReferralDetail>> {
    require(user, Action::WorkCases)?;
    let filter = ReferralFilter {
        case_id: Some(case_id.to_string()),
        ..ReferralFilter::default()
    };
    let mut rows = repo::list(conn, &user.case_scope(), filter, None, None)?;
    rows.reverse();
    rows.into_iter().map(|r| detail(conn, r)).collect()
}

fn worked_referral(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<ReferralListRow> {
    require(user, Action::WorkCases)?;
    Ok(repo::find_scoped(conn, id, &user.case_scope())?)
}

/// The service must exist and be active; returns its partner.
fn check_service(
    conn: &mut DbConn,
    checks: &mut Checks,
    service_id: &str,
) -> ApiResult<Option<String>> {
    let found: Option<(String, bool, bool)> = optional(
        services::table
            .inner_join(partners::table)
            .filter(services::id.eq(service_id.to_lowercase()))
            .select((services::partner_id, services::active, partners::active))
            .first(conn),
    )?;
    Ok(match found {
        None => {
            checks.add("service_id", "no such service");
            None
        }
        Some((_, false, _)) | Some((_, _, false)) => {
            checks.add("service_id", "this service is no longer offered");
            None
        }
        Some((partner, true, true)) => Some(partner),
    })
}

fn check_follow_up(checks: &mut Checks, day: Option<NaiveDate>) {
    if let Some(d) = day {
        checks.check(d >= today(), "follow_up_on", "must not be in the past");
    }
}

fn referral_location(id: &str) -> String {
    format!("/api/v1/referrals/{id}")
}

// ---------------------------------------------------------------------------------------------
// Create and change a draft

/// A new referral, created as a `draft`; `send` hands it to the partner.
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

fn normal() -> ReferralUrgency {
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
            let case = crate::api::cases::worked_case(conn, &user, &case_id)?;
            if case.case.status == CaseStatus::Closed.as_str() {
                return Err(ApiError::invalid_state(
                    "closed",
                    "a closed case takes no new referrals; reopen it first",
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
                urgency: b.urgency.as_str().into(),
                follow_up_on: b.follow_up_on,
                status: ReferralStatus::Draft.as_str().into(),
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
                    to_status: ReferralStatus::Draft.as_str().into(),
                    actor_id: user.id.clone(),
                    at,
                    comment: None,
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
                    format!("only a draft referral can be changed; it is {status}"),
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
                    referrals::urgency.eq(b
                        .urgency
                        .map(|u| u.as_str().to_string())
                        .unwrap_or(c.urgency.clone())),
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

// ---------------------------------------------------------------------------------------------
// Read

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
answer). `overdue=true` is the follow-up list: referrals the partner has not answered or finished by their \
`follow_up_on` day with nothing happening since. Roles: coordinator, social_worker.",
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
        sent_only: false,
    };
    let scope = user.case_scope();
    let sees = user.sees();
    let page = state
        .db
        .write(move |conn| {
            match sees {
                // A worker's list carries the messages to partners.
                Sees::CaseTeam => record(conn, &user, AuditAction::List, "referral", None, None)?,
                Sees::Metadata | Sees::School => {}
            }
            let rows = repo::list(conn, &scope, filter, after, Some(limit))?;
            let key = |r: &ReferralListRow| (r.referral.created_at, r.referral.id.clone());
            let ids: Vec<String> = rows.iter().map(|r| r.referral.id.clone()).collect();
            let mut themes = repo::themes_of(conn, &ids)?;
            Ok(match sees {
                Sees::Metadata => ReferralPage::Coordinator(common::page(rows, limit, key, |r| {
                    let t = themes.remove(&r.referral.id).unwrap_or_default();
                    metadata_view(r, t, day)
                })),
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
    let case_id = id.to_string();
    let v = state
        .db
        .write(move |conn| {
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
history (who, when, why); the **coordinator** gets `ReferralMetadata`. Any other referral answers 404. Schools \
see referral status on their case instead (`GET /api/v1/cases/{id}/referrals`). Roles: coordinator, \
social_worker.",
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
        .write(move |conn| {
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

// ---------------------------------------------------------------------------------------------
// Lifecycle

/// `send`: optional body. Without a live `refer_to_partner` consent for the service's partner,
/// name another lawful basis in `consent_override`.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"comment": "Telefonisch aangekondigd bij het onthaal."}))]
pub struct SendReferral {
    #[validate(nested)]
    pub consent_override: Option<ConsentOverride>,
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
}

/// `accept`: optional body, with the partner's contact person.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"partner_contact_name": "Sarah (onthaal CAW)", "comment": "Eerste afspraak op 3 december."}))]
pub struct AcceptReferral {
    #[validate(length(max = 200))]
    pub partner_contact_name: Option<String>,
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
}

/// `start`, `resume`: an optional comment.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"comment": "Begeleiding gestart."}))]
pub struct TransitionNote {
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
}

/// `decline`, `hold`, `fail`, `cancel`: the reason is required.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Het gezin woont buiten het werkgebied van deze dienst."}))]
pub struct TransitionReason {
    /// Required.
    #[validate(length(max = 2000))]
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// `complete`: the outcome is required.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "Afbetalingsplan met de school afgesproken; budgetbegeleiding loopt.", "comment": "Afgesloten door de partner."}))]
pub struct CompleteReferral {
    /// Required: what the partner achieved.
    #[validate(length(max = 2000))]
    #[schema(required = true)]
    pub outcome: Option<String>,
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
}

/// Everything any action may carry, gathered from its body.
#[derive(Default)]
struct Step {
    comment: Option<String>,
    reason: Option<String>,
    outcome: Option<String>,
    partner_contact_name: Option<String>,
    consent_override: Option<ConsentOverride>,
}

impl From<SendReferral> for Step {
    fn from(b: SendReferral) -> Step {
        Step {
            comment: b.comment,
            consent_override: b.consent_override,
            ..Step::default()
        }
    }
}
impl From<AcceptReferral> for Step {
    fn from(b: AcceptReferral) -> Step {
        Step {
            comment: b.comment,
            partner_contact_name: b.partner_contact_name,
            ..Step::default()
        }
    }
}
impl From<TransitionNote> for Step {
    fn from(b: TransitionNote) -> Step {
        Step {
            comment: b.comment,
            ..Step::default()
        }
    }
}
impl From<TransitionReason> for Step {
    fn from(b: TransitionReason) -> Step {
        Step {
            reason: b.reason,
            ..Step::default()
        }
    }
}
impl From<CompleteReferral> for Step {
    fn from(b: CompleteReferral) -> Step {
        Step {
            comment: b.comment,
            outcome: b.outcome,
            ..Step::default()
        }
    }
}

/// Sending needs the family's live consent for the service's partner, or an override. Says
/// precisely what is missing.
fn check_consent(
    conn: &mut DbConn,
    r: &ReferralListRow,
    over: Option<&ConsentOverride>,
) -> ApiResult<()> {
    let at = now();
    let row = &r.referral;
    let live = repo::live_partner_consents(conn, std::slice::from_ref(&row.case_id), at)?;
    let has = live.contains(&(row.case_id.clone(), row.partner_id.clone()));
    match (has, over) {
        (true, None) | (false, Some(_)) => Ok(()),
        (true, Some(_)) => Err(ApiError::field(
            "consent_override",
            "not needed: the family's refer_to_partner consent for this partner is live; send without an override",
        )),
        (false, None) => {
            let consents = case_repo::consents(conn, &row.case_id)?;
            let for_partner = consents.iter().any(|c| {
                c.kind == ConsentKind::ReferToPartner.as_str()
                    && c.partner_id.as_deref() == Some(row.partner_id.as_str())
            });
            let others = consents.iter().any(|c| {
                c.kind == ConsentKind::ReferToPartner.as_str()
                    && c.partner_id.as_deref() != Some(row.partner_id.as_str())
                    && c.given_at <= at
                    && c.withdrawn_at.is_none_or(|w| w > at)
            });
            let why = if for_partner {
                format!(
                    "the family's refer_to_partner consent for {} was withdrawn",
                    r.partner_name
                )
            } else if others {
                format!(
                    "the case has refer_to_partner consent only for other partners, not for {} (the partner of this service)",
                    r.partner_name
                )
            } else {
                format!(
                    "the case has no refer_to_partner consent for {}",
                    r.partner_name
                )
            };
            Err(ApiError::conflict(format!(
                "sending needs a live refer_to_partner consent of the family for partner {} ({}): {why}; \
                 record the consent on the case, or send with consent_override {{legal_basis: vital_interest | \
                 legal_obligation, reason}}",
                r.partner_name, row.partner_id
            )))
        }
    }
}

/// Applies a lifecycle action: 409 naming the current state when it is not allowed from there;
/// records the transition and its event in the same transaction.
fn transition(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    action: ReferralAction,
    step: Step,
) -> ApiResult<(ReferralDetail, String)> {
    let current = worked_referral(conn, user, id)?;
    check_if_match(if_match, &etag(current.referral.updated_at))?;
    let from = current.referral.status();
    action.check(from)?;
    let lifecycle = action.step();
    let reason = trimmed(step.reason);
    let outcome = trimmed(step.outcome);
    match lifecycle.requires {
        Requires::Reason if reason.is_none() => {
            return Err(ApiError::field(
                "reason",
                format!("required to {}", lifecycle.action),
            ));
        }
        Requires::Outcome if outcome.is_none() => {
            return Err(ApiError::field("outcome", "required to complete"));
        }
        _ => {}
    }
    if action == ReferralAction::Send {
        check_consent(conn, &current, step.consent_override.as_ref())?;
    }
    let at = now();
    let to = lifecycle.to;
    let c = &current.referral;
    let over = step
        .consent_override
        .filter(|_| action == ReferralAction::Send);
    diesel::update(referrals::table.find(id))
        .set((
            referrals::status.eq(to.as_str()),
            referrals::last_transition_at.eq(at),
            referrals::last_transition_on.eq(at.date()),
            referrals::updated_at.eq(at),
            referrals::sent_at.eq(if action == ReferralAction::Send {
                Some(at)
            } else {
                c.sent_at
            }),
            referrals::answered_at.eq(
                if matches!(action, ReferralAction::Accept | ReferralAction::Decline) {
                    Some(at)
                } else {
                    c.answered_at
                },
            ),
            referrals::completed_at.eq(if action == ReferralAction::Complete {
                Some(at)
            } else {
                c.completed_at
            }),
            referrals::consent_override_basis.eq(match &over {
                Some(o) => Some(o.legal_basis.as_str().to_string()),
                None => c.consent_override_basis.clone(),
            }),
            referrals::consent_override_reason.eq(match &over {
                Some(o) => Some(o.reason.trim().to_string()),
                None => c.consent_override_reason.clone(),
            }),
            referrals::partner_contact_name.eq(match action {
                ReferralAction::Accept => trimmed(step.partner_contact_name),
                _ => c.partner_contact_name.clone(),
            }),
            referrals::decline_reason.eq(match action {
                ReferralAction::Decline => reason.clone(),
                _ => c.decline_reason.clone(),
            }),
            referrals::outcome.eq(match action {
                ReferralAction::Complete => outcome.clone(),
                _ => c.outcome.clone(),
            }),
        ))
        .execute(conn)?;
    // The history keeps the why: the reason where one is required, else the comment; an
    // override is written into it too, so the audit trail shows it beside who and when.
    let mut comment = reason.or(trimmed(step.comment));
    if let Some(o) = &over {
        let note = format!(
            "sent without consent, on legal basis {}: {}",
            o.legal_basis,
            o.reason.trim()
        );
        comment = Some(match comment {
            Some(c) => format!("{note} — {c}"),
            None => note,
        });
    }
    diesel::insert_into(crate::db::schema::referral_transitions::table)
        .values(&repo::TransitionRow {
            id: Uuid::now_v7().to_string(),
            referral_id: id.to_string(),
            from_status: Some(from.as_str().into()),
            to_status: to.as_str().into(),
            actor_id: user.id.clone(),
            at,
            comment,
        })
        .execute(conn)?;
    let basis = over
        .as_ref()
        .map(|o| o.legal_basis.as_str().to_string())
        .or(c.consent_override_basis.clone());
    events::record(
        conn,
        &format!("referral.{}", to.as_str()),
        &serde_json::json!({
            "referral_id": id,
            "case_id": c.case_id,
            "school_id": current.school_id,
            "service_id": c.service_id,
            "partner_id": c.partner_id,
            "from_status": from.as_str(),
            "to_status": to.as_str(),
            "fhir_status": to.fhir(),
            "consent_override": basis,
            "at": utc(at),
        }),
        at,
    )?;
    record(
        conn,
        user,
        if over.is_some() {
            AuditAction::ConsentOverride
        } else {
            AuditAction::StatusChange
        },
        "referral",
        Some(id),
        Some(&c.case_id),
    )?;
    let r = worked_referral(conn, user, id)?;
    let tag = etag(r.referral.updated_at);
    Ok((detail(conn, r)?, tag))
}

/// A referral action with its body, whatever its kind.
fn act<B: Into<Step>>(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    body: B,
    action: ReferralAction,
) -> ApiResult<(ReferralDetail, String)> {
    transition(conn, user, id, if_match, action, body.into())
}

/// The document of a referral action; the handler is `action_endpoint!`'s.
macro_rules! referral_action {
    ($fn:ident, $action:expr, $body:ty, $path:literal, $op:literal, $summary:literal, $desc:literal) => {
        crate::api::lifecycle::action_endpoint! {
            #[utoipa::path(
                post, path = $path, tag = "referrals", operation_id = $op, summary = $summary,
                description = concat!($desc, " From any other state 409 with `current_state`. Every transition is \
kept in the history (who, when, why) and published as an event. Roles: social_worker (assigned to the case's \
school), who records the partner's answers too."),
                security(("bearer" = [])), request_body(content = Option<$body>, content_type = "application/json"),
                params(("id" = Uuid, Path, description = "Referral id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
                responses(
                    (status = 200, description = "The referral in its new state", body = ReferralDetail, headers(("ETag" = String, description = "New version"))),
                    (status = 403, response = crate::openapi::Forbidden),
                    (status = 404, response = crate::openapi::NotFound),
                    (status = 409, response = crate::openapi::InvalidState),
                    (status = 412, response = crate::openapi::PreconditionFailed)
                )
            )]
            $path => $fn(OptionalJson<$body>), may Action::WorkCases,
            apply act, ($action)
        }
    };
}

crate::api::lifecycle::action_endpoint! {
#[utoipa::path(
    post, path = "/api/v1/referrals/{id}/send", tag = "referrals", operation_id = "send_referral",
    summary = "Send a referral to the partner",
    description = "`draft` → `sent` (FHIR `requested`). Needs a live `refer_to_partner` consent on the case for \
the service's partner; without it 409 saying what is missing (no consent, a withdrawn one, or consent for other \
partners only) — unless the body carries `consent_override` with another lawful basis (`vital_interest`: a \
child in danger; `legal_obligation`) and a reason. An override is flagged on the referral, written into its \
history and counted in the partner statistics. From any other state 409 with `current_state`. Roles: \
social_worker (assigned to the case's school).",
    security(("bearer" = [])), request_body(content = Option<SendReferral>, content_type = "application/json"),
    params(("id" = Uuid, Path, description = "Referral id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "The referral, sent", body = ReferralDetail, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
"/api/v1/referrals/{id}/send" => send_referral(OptionalJson<SendReferral>), may Action::WorkCases,
apply act, (ReferralAction::Send)
}

referral_action!(
    accept_referral,
    ReferralAction::Accept,
    AcceptReferral,
    "/api/v1/referrals/{id}/accept",
    "accept_referral",
    "Record that the partner accepted",
    "`sent` → `accepted` (FHIR `accepted`), with the partner's contact person."
);
referral_action!(
    decline_referral,
    ReferralAction::Decline,
    TransitionReason,
    "/api/v1/referrals/{id}/decline",
    "decline_referral",
    "Record that the partner declined",
    "`sent` → `declined` (FHIR `rejected`); `reason` is required (422 otherwise)."
);
referral_action!(
    start_referral,
    ReferralAction::Start,
    TransitionNote,
    "/api/v1/referrals/{id}/start",
    "start_referral",
    "Record that the partner started",
    "`accepted` → `in_progress` (FHIR `in-progress`)."
);
referral_action!(
    hold_referral,
    ReferralAction::Hold,
    TransitionReason,
    "/api/v1/referrals/{id}/hold",
    "hold_referral",
    "Put a referral on hold",
    "`accepted` or `in_progress` → `on_hold` (FHIR `on-hold`); `reason` is required (422 otherwise)."
);
referral_action!(
    resume_referral,
    ReferralAction::Resume,
    TransitionNote,
    "/api/v1/referrals/{id}/resume",
    "resume_referral",
    "Resume a referral on hold",
    "`on_hold` → `in_progress` (FHIR `in-progress`)."
);
referral_action!(
    complete_referral,
    ReferralAction::Complete,
    CompleteReferral,
    "/api/v1/referrals/{id}/complete",
    "complete_referral",
    "Record that the partner completed",
    "`accepted` or `in_progress` → `completed` (FHIR `completed`); `outcome` is required (422 otherwise)."
);
referral_action!(
    fail_referral,
    ReferralAction::Fail,
    TransitionReason,
    "/api/v1/referrals/{id}/fail",
    "fail_referral",
    "Record that a referral failed",
    "`accepted` or `in_progress` → `failed` (FHIR `failed`); `reason` is required (422 otherwise)."
);
referral_action!(
    cancel_referral,
    ReferralAction::Cancel,
    TransitionReason,
    "/api/v1/referrals/{id}/cancel",
    "cancel_referral",
    "Cancel a referral",
    "Any state that is not final (`draft`, `sent`, `accepted`, `in_progress`, `on_hold`) → `cancelled` (FHIR \
`cancelled`), e.g. when the family withdrew its consent; `reason` is required (422 otherwise)."
);
