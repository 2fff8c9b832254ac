//! The message thread of a referral, between the workers of its case team and the accounts of
//! its partner organisation: audited, screened like all text that leaves the case team, in the
//! family's export, erased with the case.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::extract::ApiJson;
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::referral_messages::{self as thread, MessageRow, Side};
use crate::db::referrals::{self as repo, ReferralListRow};
use crate::db::{DbConn, events, now};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult, Checks};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};
use crate::usecases::screening::Screen;

use super::views::Actor;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageSide {
    /// A social worker of the case team.
    CaseTeam,
    /// An account of the partner organisation.
    Partner,
}

impl From<Side> for MessageSide {
    fn from(s: Side) -> Self {
        match s {
            Side::CaseTeam => MessageSide::CaseTeam,
            Side::Partner => MessageSide::Partner,
        }
    }
}

/// One message of a referral's thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralMessage {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(read_only, format = Uuid)]
    pub referral_id: String,
    pub author: Actor,
    pub side: MessageSide,
    /// Empty once erased (retention, the family's erasure).
    pub body: String,
    pub at: DateTime<Utc>,
    /// When the other side first read it; null while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// A new message in a referral's thread.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Eerste gesprek gepland op dinsdag; we bellen de moeder na 15 uur."}))]
pub struct NewReferralMessage {
    /// 1 to 4000 characters; it must not identify the family (no case reference, pupil
    /// pseudonym, family name, phone number, e-mail address or birth date).
    #[validate(length(min = 1, max = 4000))]
    pub body: String,
}

/// The referral whose thread the caller reaches, and the caller's side: a worker of the case
/// team (assigned to the case's school), or a partner account of the referral's organisation
/// while the family's consent holds. Anyone else: 403 by role, 404 for another's referral.
fn thread_of(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    writing: bool,
) -> ApiResult<(ReferralListRow, Side)> {
    match user.sees() {
        Sees::CaseTeam => Ok((
            super::views::worked_referral(conn, user, id)?,
            Side::CaseTeam,
        )),
        Sees::Partner => {
            require(user, Action::AnswerReferrals)?;
            let r = repo::find_scoped(conn, id, &user.case_scope())?;
            let c = &r.referral;
            let live = c.consent_override_basis.is_some()
                || repo::live_partner_consents(conn, std::slice::from_ref(&c.case_id), now())?
                    .contains(&(c.case_id.clone(), c.partner_id.clone()));
            if !live && writing {
                return Err(ApiError::invalid_state(
                    c.status().as_str(),
                    crate::msg!(ReferralConsentGone, action = "message"),
                ));
            }
            Ok((r, Side::Partner))
        }
        Sees::Metadata | Sees::School => {
            require(user, Action::WorkCases)?;
            Err(ApiError::NotFound)
        }
    }
}

fn message_of((m, name): (MessageRow, String)) -> ReferralMessage {
    ReferralMessage {
        side: Side::parse(&m.side).into(),
        id: m.id,
        referral_id: m.referral_id,
        author: Actor {
            id: m.author_id,
            display_name: name,
        },
        body: m.body,
        at: utc(m.at),
        read_at: m.read_at.map(utc),
    }
}

#[utoipa::path(
    get, path = "/api/v1/referrals/{id}/messages", tag = "referrals", operation_id = "list_referral_messages",
    summary = "Read a referral's message thread",
    description = "Oldest first. Reading marks what the other side wrote as read. A **social_worker** assigned \
to the case's school reads the thread of its referrals; a **partner** account that of a referral sent to its \
organisation (another's: 404) — while the family's consent holds: after a withdrawal the partner gets an empty \
thread. Audited. Roles: social_worker, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The thread", body = Vec<ReferralMessage>),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/referrals/{id}/messages")]
pub async fn list_referral_messages(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<ReferralMessage>>> {
    require(&user, Action::AnswerReferrals)?;
    let id = id.to_string();
    let v = state
        .db
        .write(move |conn| {
            let (r, side) = thread_of(conn, &user, &id, false)?;
            let c = &r.referral;
            if side == Side::Partner
                && c.consent_override_basis.is_none()
                && !repo::live_partner_consents(conn, std::slice::from_ref(&c.case_id), now())?
                    .contains(&(c.case_id.clone(), c.partner_id.clone()))
            {
                return Ok(Vec::new());
            }
            thread::mark_read(conn, &id, side, now())?;
            record(
                conn,
                &user,
                AuditAction::List,
                "referral_message",
                Some(&id),
                Some(&c.case_id),
            )?;
            Ok(thread::thread(conn, &id)?
                .into_iter()
                .map(message_of)
                .collect())
        })
        .await?;
    Ok(web::Json(v))
}

#[utoipa::path(
    post, path = "/api/v1/referrals/{id}/messages", tag = "referrals", operation_id = "add_referral_message",
    summary = "Write in a referral's message thread",
    description = "Between the case team and the partner. The text leaves the case team, so it is screened: \
a case reference, a pupil's pseudonym or a family name of the network, a phone number, an e-mail address or a \
birth date is refused with 422 naming the kind of finding (never the text). The other side is told by a \
`referral.message` event (ids only). A partner cannot write once the family withdrew its consent (409). \
Audited. Roles: social_worker (assigned to the case's school), partner (its organisation's referrals).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Referral id")),
    request_body = NewReferralMessage,
    responses(
        (status = 201, description = "Written", body = ReferralMessage),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState)
    )
)]
#[post("/api/v1/referrals/{id}/messages")]
pub async fn add_referral_message(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<NewReferralMessage>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::AnswerReferrals)?;
    let (id, b) = (id.to_string(), body.into_inner()?);
    let v = state
        .db
        .write(move |conn| {
            let (r, side) = thread_of(conn, &user, &id, true)?;
            let text = b.body.trim().to_string();
            let mut checks = Checks::default();
            checks.check(!text.is_empty(), "body", Code::Blank);
            Screen::for_school(conn, &r.school_id)?.check(&mut checks, "body", &text);
            checks.finish()?;
            let at = now();
            let row = MessageRow {
                id: Uuid::now_v7().to_string(),
                referral_id: id.clone(),
                author_id: user.id.clone(),
                side: side.as_str().to_string(),
                body: text,
                at,
                read_at: None,
            };
            thread::insert(conn, &row)?;
            let c = &r.referral;
            events::record_for_partner(
                conn,
                "referral.message",
                &serde_json::json!({
                    "referral_id": id,
                    "case_id": c.case_id,
                    "service_id": c.service_id,
                    "partner_id": c.partner_id,
                    "message_id": row.id,
                    "side": side.as_str(),
                    "at": utc(at),
                }),
                at,
                Some(&c.partner_id),
            )?;
            record(
                conn,
                &user,
                AuditAction::Create,
                "referral_message",
                Some(&row.id),
                Some(&c.case_id),
            )?;
            Ok(message_of((row, user.display_name.clone())))
        })
        .await?;
    Ok(HttpResponse::Created().json(v))
}

/// Every message of the threads of a case's referrals, oldest first (the family's export).
pub fn messages_of_case(conn: &mut DbConn, case_id: &str) -> ApiResult<Vec<ReferralMessage>> {
    Ok(thread::of_case(conn, case_id)?
        .into_iter()
        .map(message_of)
        .collect())
}
