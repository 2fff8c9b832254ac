//! What a referral looks like to each role, and who may read one: the worker's full referral
//! with its history, the coordinator's metadata, the school's status-only view, the partner's
//! package (what the family's consent passes on).

use kinderen_eerst_macros::document_limits;
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::common::{Checks, Page};
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::referrals::{self as repo, ReferralFilter, ReferralListRow, ReferralRow};
use crate::db::schema::{partners, services};
use crate::db::{DbConn, now, optional};
use crate::domain::referral::{LegalBasis, ReferralStatus, ReferralUrgency};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;

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
#[document_limits]
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
    /// A step the partner took, recorded by a worker of the case team (after a phone call).
    pub on_behalf_of_partner: bool,
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

/// The social worker who sent the referral, for the partner to call back.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferringWorker {
    pub display_name: String,
    #[schema(format = Email)]
    pub email: String,
}

/// The family's contact data, passed on only when its `refer_to_partner` consent says so
/// (`share_contact_with_partner`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerFamilyContact {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The family's language, for the first call.
    pub language: Option<String>,
    pub interpreter_needed: Option<bool>,
}

/// What the family's consent passes on to the partner: what it needs to act, nothing about the
/// case itself (no needs, notes, contact moments, other referrals or consents, no class).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralPackage {
    pub message_for_partner: Option<String>,
    pub themes: Vec<String>,
    pub urgency: ReferralUrgency,
    pub follow_up_on: Option<NaiveDate>,
    pub referring_worker: ReferringWorker,
    /// Null unless the consent shares the family's contact data with the partner.
    pub family_contact: Option<PartnerFamilyContact>,
}

/// A referral as its partner organisation sees it: the reference, its state and the partner's
/// own answers always; the package only while the family's consent is live (or the referral
/// was sent on another lawful basis).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerReferral {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub service: ReferralService,
    pub partner: ReferralPartner,
    pub status: ReferralStatus,
    #[schema(example = "requested")]
    pub fhir_status: String,
    pub overdue: bool,
    /// The family withdrew its consent: the package is withheld from now on.
    pub consent_withdrawn: bool,
    /// Null when the consent was withdrawn.
    pub package: Option<ReferralPackage>,
    /// The partner's contact person, recorded on `accept`.
    pub partner_contact_name: Option<String>,
    pub decline_reason: Option<String>,
    pub outcome: Option<String>,
    /// Messages of the thread the partner has not read yet.
    pub unread_messages: i64,
    pub sent_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// One step of a referral's life as the partner sees it: comments only of the partner's own
/// steps (and those recorded on its behalf), never the case team's.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerTransition {
    pub from_status: Option<ReferralStatus>,
    pub to_status: ReferralStatus,
    /// Who took the step (a partner account or a worker of the case team).
    pub actor: Actor,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
    pub on_behalf_of_partner: bool,
}

/// A referral with its status history, as its partner organisation sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerReferralDetail {
    #[serde(flatten)]
    pub referral: PartnerReferral,
    /// Oldest first; the draft's steps are not shown.
    pub history: Vec<PartnerTransition>,
}

/// One referral, in the view the caller's role may see.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReferralView {
    /// social_worker
    Worker(Box<ReferralDetail>),
    /// coordinator
    Coordinator(Box<ReferralMetadata>),
    /// partner
    Partner(Box<PartnerReferralDetail>),
}

/// A page of referrals, in the view the caller's role may see.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReferralPage {
    /// social_worker
    Worker(Page<Referral>),
    /// coordinator
    Coordinator(Page<ReferralMetadata>),
    /// partner
    Partner(Page<PartnerReferral>),
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

pub(super) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub(super) fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

pub(super) fn urgency_of(r: &ReferralRow) -> ReferralUrgency {
    r.urgency
}

pub(super) fn basis_of(r: &ReferralRow) -> Option<LegalBasis> {
    r.consent_override_basis
}

/// Pairs (case, partner) with a live `refer_to_partner` consent, for a set of referrals.
pub(super) fn live_consents(
    conn: &mut DbConn,
    rows: &[ReferralListRow],
) -> ApiResult<HashSet<(String, String)>> {
    let ids: Vec<String> = rows.iter().map(|r| r.referral.case_id.clone()).collect();
    Ok(repo::live_partner_consents(conn, &ids, now())?)
}

pub(super) fn worker_view(
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

pub(super) fn metadata_view(
    r: ReferralListRow,
    themes: Vec<String>,
    day: NaiveDate,
) -> ReferralMetadata {
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
            from_status: t.from_status,
            to_status: t.to_status,
            actor: Actor {
                id: t.actor_id,
                display_name: name,
            },
            at: utc(t.at),
            comment: t.comment,
            on_behalf_of_partner: t.on_behalf_of_partner,
        })
        .collect();
    Ok(ReferralDetail {
        referral: worker_view(r, themes, &live, today()),
        history,
    })
}

pub(super) fn view(
    conn: &mut DbConn,
    user: &Viewer,
    r: ReferralListRow,
) -> ApiResult<ReferralView> {
    Ok(match user.sees() {
        Sees::Metadata => {
            let id = r.referral.id.clone();
            let themes = repo::themes_of(conn, std::slice::from_ref(&id))?
                .remove(&id)
                .unwrap_or_default();
            ReferralView::Coordinator(Box::new(metadata_view(r, themes, today())))
        }
        Sees::CaseTeam => ReferralView::Worker(Box::new(detail(conn, r)?)),
        Sees::Partner => ReferralView::Partner(Box::new(partner_detail(conn, r)?)),
        // Schools see referrals only through their case (`list_case_referrals`).
        Sees::School => return Err(ApiError::NotFound),
    })
}

/// The partner's views of a page of referrals (one query per table, not per referral).
pub(crate) fn partner_views(
    conn: &mut DbConn,
    rows: Vec<ReferralListRow>,
) -> ApiResult<Vec<PartnerReferral>> {
    let ids: Vec<String> = rows.iter().map(|r| r.referral.id.clone()).collect();
    let case_ids: Vec<String> = rows.iter().map(|r| r.referral.case_id.clone()).collect();
    let mut themes = repo::themes_of(conn, &ids)?;
    let consents = repo::live_partner_consent_sharing(conn, &case_ids, now())?;
    let creators: Vec<String> = rows.iter().map(|r| r.referral.created_by.clone()).collect();
    let workers = repo::worker_contacts(conn, &creators)?;
    let families = repo::family_contacts(conn, &case_ids)?;
    let unread = crate::db::referral_messages::unread_counts(
        conn,
        &ids,
        crate::db::referral_messages::Side::Partner,
    )?;
    let day = today();
    Ok(rows
        .into_iter()
        .map(|r| {
            let row = r.referral;
            let status = row.status();
            let key = (row.case_id.clone(), row.partner_id.clone());
            let consent = consents.get(&key).copied();
            let basis = basis_of(&row);
            // Sent on the family's consent and that consent is gone: a bare reference.
            let withdrawn = basis.is_none() && consent.is_none();
            let package = (!withdrawn).then(|| {
                let (name, email) = workers.get(&row.created_by).cloned().unwrap_or_default();
                ReferralPackage {
                    message_for_partner: row.message_for_partner.clone(),
                    themes: themes.remove(&row.id).unwrap_or_default(),
                    urgency: row.urgency,
                    follow_up_on: row.follow_up_on,
                    referring_worker: ReferringWorker {
                        display_name: name,
                        email,
                    },
                    family_contact: consent
                        .filter(|share| *share)
                        .and_then(|_| families.get(&row.case_id))
                        .map(|f| PartnerFamilyContact {
                            name: f.0.clone(),
                            phone: f.1.clone(),
                            language: f.2.clone(),
                            interpreter_needed: f.3,
                        }),
                }
            });
            PartnerReferral {
                overdue: row.overdue(day),
                consent_withdrawn: withdrawn,
                package,
                fhir_status: status.fhir().into(),
                status,
                unread_messages: unread.get(&row.id).copied().unwrap_or(0),
                id: row.id,
                service: ReferralService {
                    id: row.service_id,
                    name: r.service_name,
                },
                partner: ReferralPartner {
                    id: row.partner_id,
                    name: r.partner_name,
                },
                partner_contact_name: row.partner_contact_name,
                decline_reason: row.decline_reason,
                outcome: row.outcome,
                sent_at: row.sent_at.map(utc),
                answered_at: row.answered_at.map(utc),
                completed_at: row.completed_at.map(utc),
                updated_at: utc(row.updated_at),
            }
        })
        .collect())
}

/// The partner's view of one referral, with the history from `sent` on.
pub(crate) fn partner_detail(
    conn: &mut DbConn,
    r: ReferralListRow,
) -> ApiResult<PartnerReferralDetail> {
    let id = r.referral.id.clone();
    let referral = partner_views(conn, vec![r])?
        .pop()
        .ok_or(ApiError::NotFound)?;
    let history = repo::history_with_sides(conn, &id)?
        .into_iter()
        .filter(|(t, _, _)| {
            t.from_status.is_some_and(|f| f != ReferralStatus::Draft)
                || t.to_status == ReferralStatus::Sent
        })
        .map(|(t, name, by_partner_account)| {
            // The system's hold on a withdrawn consent says why to the partner too.
            let withdrawn = t.comment.as_deref() == Some(consent_withdrawn_reason());
            let partner_side = by_partner_account || t.on_behalf_of_partner || withdrawn;
            PartnerTransition {
                from_status: t.from_status,
                to_status: t.to_status,
                actor: Actor {
                    id: t.actor_id,
                    display_name: name,
                },
                at: utc(t.at),
                comment: t.comment.filter(|_| partner_side),
                on_behalf_of_partner: t.on_behalf_of_partner,
            }
        })
        .collect();
    Ok(PartnerReferralDetail { referral, history })
}

/// The reason a referral is held with when the family withdraws its consent.
pub(crate) fn consent_withdrawn_reason() -> &'static str {
    Code::ReferralConsentWithdrawnReason.text(crate::i18n::Lang::En)
}

/// Who may read referrals at all, by role: workers (their schools), the coordinator
/// (metadata) and partners (those sent to their organisation); schools only through their case.
pub(super) fn require_reader(user: &Viewer) -> ApiResult<()> {
    match user.sees() {
        Sees::Metadata => require(user, Action::ReadReferralMetadata),
        Sees::CaseTeam | Sees::School => require(user, Action::WorkCases),
        Sees::Partner => require(user, Action::AnswerReferrals),
    }
}

/// The referral, for a social worker assigned to its case's school now; 404 otherwise.
/// Every referral of a case the caller works, in full, oldest first (for the family's export).
pub fn of_case(conn: &mut DbConn, user: &Viewer, case_id: &str) -> ApiResult<Vec<ReferralDetail>> {
    require(user, Action::WorkCases)?;
    let filter = ReferralFilter {
        case_id: Some(case_id.to_string()),
        ..ReferralFilter::default()
    };
    let mut rows = repo::list(conn, &user.case_scope(), filter, None, None)?;
    rows.reverse();
    rows.into_iter().map(|r| detail(conn, r)).collect()
}

pub(super) fn worked_referral(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
) -> ApiResult<ReferralListRow> {
    require(user, Action::WorkCases)?;
    Ok(repo::find_scoped(conn, id, &user.case_scope())?)
}

/// The service must exist and be active; returns its partner.
pub(super) fn check_service(
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
            checks.add("service_id", Code::NoSuchService);
            None
        }
        Some((_, false, _)) | Some((_, _, false)) => {
            checks.add("service_id", Code::ServiceNotOffered);
            None
        }
        Some((partner, true, true)) => Some(partner),
    })
}

pub(super) fn check_follow_up(checks: &mut Checks, day: Option<NaiveDate>) {
    if let Some(d) = day {
        checks.check(d >= today(), "follow_up_on", Code::NotInPast);
    }
}

pub(super) fn referral_location(id: &str) -> String {
    format!("/api/v1/referrals/{id}")
}
