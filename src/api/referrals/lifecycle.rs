//! The closed loop: send (with the family's consent or a recorded override), the partner's
//! answers, and the end states, each one `action_endpoint!`. The partner's answers (accept,
//! decline, start, hold, resume, complete, fail) are taken by a partner account of the
//! referral's organisation, or recorded by a worker of the case team on its behalf (marked so).

use actix_web::post;
use diesel::prelude::*;
use kinderen_eerst_macros::document_limits;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{check_if_match, etag};
use crate::api::extract::OptionalJson;
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::cases as case_repo;
use crate::db::referrals::{self as repo, ReferralListRow};
use crate::db::schema::referrals;
use crate::db::{DbConn, events, now};
use crate::domain::case::ConsentKind;
use crate::domain::lifecycle::Lifecycle;
use crate::domain::referral::{ReferralAction, Requires};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::usecases::audit::{AuditAction, record};

use super::views::*;

// ---------------------------------------------------------------------------------------------
// Lifecycle

/// `send`: optional body. Without a live `refer_to_partner` consent for the service's partner,
/// name another lawful basis in `consent_override`.
#[document_limits]
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
#[document_limits]
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
#[document_limits]
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"comment": "Begeleiding gestart."}))]
pub struct TransitionNote {
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
}

/// `decline`, `hold`, `fail`, `cancel`: the reason is required.
#[document_limits]
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Het gezin woont buiten het werkgebied van deze dienst."}))]
pub struct TransitionReason {
    /// Required.
    #[validate(length(min = 1, max = 2000))]
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// `complete`: the outcome is required.
#[document_limits]
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
pub(crate) struct Step {
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
pub(super) fn check_consent(
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
            Code::ConsentOverrideNotNeeded,
        )),
        (false, None) => {
            let consents = case_repo::consents(conn, &row.case_id)?;
            let for_partner = consents.iter().any(|c| {
                c.kind == ConsentKind::ReferToPartner
                    && c.partner_id.as_deref() == Some(row.partner_id.as_str())
            });
            let others = consents.iter().any(|c| {
                c.kind == ConsentKind::ReferToPartner
                    && c.partner_id.as_deref() != Some(row.partner_id.as_str())
                    && c.given_at <= at
                    && c.withdrawn_at.is_none_or(|w| w > at)
            });
            // Each reason its own code: a client tells them apart without reading the text.
            let why = if for_partner {
                Code::ReferralConsentWithdrawn
            } else if others {
                Code::ReferralConsentOnlyOthers
            } else {
                Code::ReferralConsentNone
            };
            Err(ApiError::conflict(
                crate::i18n::Msg::new(why)
                    .arg("partner", &r.partner_name)
                    .arg("partner_id", &row.partner_id)
                    .arg_msg("advice", Code::ReferralConsentAdvice.into()),
            ))
        }
    }
}

/// The referral an action is taken on, and whether a worker records a partner's step: the case
/// team acts on the referrals of its cases; a partner account only answers (never sends or
/// cancels: 403) the referrals sent to its organisation (another's: 404).
fn acted_referral(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    action: ReferralAction,
) -> ApiResult<(ReferralListRow, bool)> {
    match user.sees() {
        Sees::CaseTeam => Ok((worked_referral(conn, user, id)?, action.by_partner())),
        Sees::Partner if action.by_partner() => {
            require(user, Action::AnswerReferrals)?;
            Ok((repo::find_scoped(conn, id, &user.case_scope())?, false))
        }
        Sees::Partner | Sees::Metadata | Sees::School => {
            require(user, Action::WorkCases)?;
            Err(ApiError::NotFound)
        }
    }
}

/// The referral after an action, in the actor's view.
fn acted_view(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<(ReferralView, String)> {
    let r = repo::find_scoped(conn, id, &user.case_scope())?;
    let tag = etag(r.referral.updated_at);
    Ok((view(conn, user, r)?, tag))
}

/// Applies a lifecycle action: 409 naming the current state when it is not allowed from there;
/// records the transition and its event in the same transaction.
pub(super) fn transition(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    action: ReferralAction,
    step: Step,
) -> ApiResult<(ReferralView, String)> {
    let (current, on_behalf) = acted_referral(conn, user, id, action)?;
    check_if_match(if_match, &etag(current.referral.updated_at))?;
    let from = current.referral.status();
    action.check(from)?;
    // Without the family's consent (withdrawn, no other lawful basis) the partner no longer
    // takes the help further: it can only decline or fail it (or the worker cancel it).
    if matches!(
        action,
        ReferralAction::Accept | ReferralAction::Start | ReferralAction::Resume
    ) && current.referral.consent_override_basis.is_none()
        && current.referral.sent_at.is_some()
    {
        let c = &current.referral;
        let live = repo::live_partner_consents(conn, std::slice::from_ref(&c.case_id), now())?;
        if !live.contains(&(c.case_id.clone(), c.partner_id.clone())) {
            return Err(ApiError::invalid_state(
                from.as_str(),
                crate::msg!(ReferralConsentGone, action = action.step().action),
            ));
        }
    }
    let lifecycle = action.step();
    let reason = trimmed(step.reason);
    let outcome = trimmed(step.outcome);
    match lifecycle.requires {
        Requires::Reason if reason.is_none() => {
            return Err(ApiError::field(
                "reason",
                crate::msg!(RequiredToAct, action = lifecycle.action),
            ));
        }
        Requires::Outcome if outcome.is_none() => {
            return Err(ApiError::field("outcome", Code::OutcomeRequired));
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
                Some(o) => Some(o.legal_basis),
                None => c.consent_override_basis,
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
            from_status: Some(from),
            to_status: to,
            actor_id: user.id.clone(),
            at,
            comment,
            on_behalf_of_partner: on_behalf,
        })
        .execute(conn)?;
    let basis = over
        .as_ref()
        .map(|o| o.legal_basis)
        .or(c.consent_override_basis);
    events::record_for_partner(
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
            "on_behalf_of_partner": on_behalf,
            "at": utc(at),
        }),
        at,
        Some(&c.partner_id),
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
    acted_view(conn, user, id)
}

/// The family withdrew its `refer_to_partner` consent for `partner_id` on this case (call in the
/// withdrawal's transaction): unless another live consent for that partner remains, every
/// referral sent to it on that consent and still open loses its package at once (the views
/// read the consent live), an accepted or running one is put on hold with the reason "consent
/// withdrawn", and the partner is told by a `referral.consent_withdrawn` event. The hold is the
/// system's step: recorded with the withdrawing worker as actor (who set it off) and the
/// reason, never on the partner's behalf.
pub fn consent_withdrawn(
    conn: &mut DbConn,
    user: &Viewer,
    case_id: &str,
    partner_id: &str,
) -> ApiResult<()> {
    use crate::domain::referral::ReferralStatus;
    let at = now();
    let live = repo::live_partner_consents(conn, &[case_id.to_string()], at)?;
    if live.contains(&(case_id.to_string(), partner_id.to_string())) {
        return Ok(());
    }
    let open: Vec<&str> = ReferralStatus::OPEN_AT_PARTNER
        .iter()
        .map(|s| s.as_str())
        .collect();
    let rows: Vec<repo::ReferralRow> = referrals::table
        .filter(referrals::case_id.eq(case_id))
        .filter(referrals::partner_id.eq(partner_id))
        .filter(referrals::sent_at.is_not_null())
        .filter(referrals::consent_override_basis.is_null())
        .filter(referrals::status.eq_any(open))
        .select(repo::ReferralRow::as_select())
        .load(conn)?;
    let reason = consent_withdrawn_reason().to_string();
    for r in rows {
        let from = r.status();
        let hold = ReferralAction::Hold.step().allows(from);
        let to = if hold { ReferralStatus::OnHold } else { from };
        diesel::update(referrals::table.find(&r.id))
            .set((
                referrals::status.eq(to.as_str()),
                referrals::updated_at.eq(at),
            ))
            .execute(conn)?;
        if hold {
            diesel::update(referrals::table.find(&r.id))
                .set((
                    referrals::last_transition_at.eq(at),
                    referrals::last_transition_on.eq(at.date()),
                ))
                .execute(conn)?;
            diesel::insert_into(crate::db::schema::referral_transitions::table)
                .values(&repo::TransitionRow {
                    id: Uuid::now_v7().to_string(),
                    referral_id: r.id.clone(),
                    from_status: Some(from),
                    to_status: to,
                    actor_id: user.id.clone(),
                    at,
                    comment: Some(reason.clone()),
                    on_behalf_of_partner: false,
                })
                .execute(conn)?;
        }
        let data = serde_json::json!({
                "referral_id": r.id,
                "case_id": r.case_id,
                "service_id": r.service_id,
                "partner_id": r.partner_id,
                "from_status": from.as_str(),
                "to_status": to.as_str(),
                "fhir_status": to.fhir(),
                "reason_code": "consent_withdrawn",
                "at": utc(at),
        });
        if hold {
            events::record_for_partner(conn, "referral.on_hold", &data, at, Some(&r.partner_id))?;
        }
        events::record_for_partner(
            conn,
            "referral.consent_withdrawn",
            &data,
            at,
            Some(&r.partner_id),
        )?;
        record(
            conn,
            user,
            AuditAction::StatusChange,
            "referral",
            Some(&r.id),
            Some(case_id),
        )?;
    }
    Ok(())
}

/// A referral action with its body, whatever its kind.
pub(crate) fn act<B: Into<Step>>(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    body: B,
    action: ReferralAction,
) -> ApiResult<(ReferralView, String)> {
    transition(conn, user, id, if_match, action, body.into())
}

/// The document of a partner's answer; the handler is `action_endpoint!`'s. A partner account
/// takes it itself; a worker of the case team records it on the partner's behalf.
macro_rules! partner_action {
    ($fn:ident, $action:expr, $body:ty, $path:literal, $op:literal, $summary:literal, $desc:literal) => {
        crate::api::lifecycle::action_endpoint! {
            #[utoipa::path(
                post, path = $path, tag = "referrals", operation_id = $op, summary = $summary,
                description = concat!($desc, " From any other state 409 with `current_state`. Every transition is \
kept in the history (who, when, why) and published as an event. A **partner** account answers the referrals \
sent to its organisation (another's: 404) and gets `PartnerReferralDetail`; a **social_worker** assigned to the \
case's school records the partner's step on its behalf (after a phone call): the step is marked \
`on_behalf_of_partner` in the history and the event. Roles: social_worker, partner."),
                security(("bearer" = [])), request_body(content = Option<$body>, content_type = "application/json"),
                params(("id" = Uuid, Path, description = "Referral id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
                responses(
                    (status = 200, description = "The referral in its new state, in the caller's view", body = ReferralView, headers(("ETag" = String, description = "New version"))),
                    (status = 403, response = crate::openapi::Forbidden),
                    (status = 404, response = crate::openapi::NotFound),
                    (status = 409, response = crate::openapi::InvalidState),
                    (status = 412, response = crate::openapi::PreconditionFailed)
                )
            )]
            $path => $fn(OptionalJson<$body>), may Action::AnswerReferrals,
            apply act, ($action)
        }
    };
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

partner_action!(
    accept_referral,
    ReferralAction::Accept,
    AcceptReferral,
    "/api/v1/referrals/{id}/accept",
    "accept_referral",
    "Accept a referral (the partner)",
    "`sent` → `accepted` (FHIR `accepted`), with the partner's contact person."
);
partner_action!(
    decline_referral,
    ReferralAction::Decline,
    TransitionReason,
    "/api/v1/referrals/{id}/decline",
    "decline_referral",
    "Decline a referral (the partner)",
    "`sent` → `declined` (FHIR `rejected`); `reason` is required (422 otherwise)."
);
partner_action!(
    start_referral,
    ReferralAction::Start,
    TransitionNote,
    "/api/v1/referrals/{id}/start",
    "start_referral",
    "Start the help (the partner)",
    "`accepted` → `in_progress` (FHIR `in-progress`)."
);
partner_action!(
    hold_referral,
    ReferralAction::Hold,
    TransitionReason,
    "/api/v1/referrals/{id}/hold",
    "hold_referral",
    "Put a referral on hold",
    "`accepted` or `in_progress` → `on_hold` (FHIR `on-hold`); `reason` is required (422 otherwise)."
);
partner_action!(
    resume_referral,
    ReferralAction::Resume,
    TransitionNote,
    "/api/v1/referrals/{id}/resume",
    "resume_referral",
    "Resume a referral on hold",
    "`on_hold` → `in_progress` (FHIR `in-progress`)."
);
partner_action!(
    complete_referral,
    ReferralAction::Complete,
    CompleteReferral,
    "/api/v1/referrals/{id}/complete",
    "complete_referral",
    "Complete a referral with its outcome (the partner)",
    "`accepted` or `in_progress` → `completed` (FHIR `completed`); `outcome` is required (422 otherwise)."
);
partner_action!(
    fail_referral,
    ReferralAction::Fail,
    TransitionReason,
    "/api/v1/referrals/{id}/fail",
    "fail_referral",
    "Report that a referral failed (the partner)",
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
