//! What awaits a partner: the referrals sent to its organisation that it has not answered, those
//! on hold, those with messages it has not read, and those whose follow-up day has come.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::db::referral_messages::{self as thread, Side};
use crate::db::referrals::{self as repo, ReferralFilter};
use crate::domain::referral::ReferralStatus;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::usecases::audit::record_list;

use super::views::{PartnerReferral, partner_views, today};

/// At most this many referrals of each list; the full lists are `GET /api/v1/referrals`.
const INBOX_LIMIT: usize = 200;

/// A partner's inbox; a referral may stand in more than one list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerInbox {
    /// Sent and not yet accepted or declined, oldest first.
    pub awaiting_answer: Vec<PartnerReferral>,
    /// On hold (by the partner, or because the family withdrew its consent).
    pub on_hold: Vec<PartnerReferral>,
    /// With messages of the case team the partner has not read.
    pub unread_messages: Vec<PartnerReferral>,
    /// Open at the partner and the follow-up day is today or past.
    pub follow_up_due: Vec<PartnerReferral>,
}

#[utoipa::path(
    get, path = "/api/v1/partner/inbox", tag = "referrals", operation_id = "get_partner_inbox",
    summary = "What awaits the partner",
    description = "For a **partner** account: the referrals sent to its organisation (and those below it) that \
await it, in four lists (at most 200 each, oldest first): sent and not answered, on hold, with unread messages \
of the case team, and open with the follow-up day today or past. Each as `PartnerReferral` (the package only \
while the family's consent is live). Audited like the list of referrals. Roles: partner.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The inbox", body = PartnerInbox),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/partner/inbox")]
pub async fn get_partner_inbox(
    state: web::Data<AppState>,
    user: Viewer,
) -> ApiResult<web::Json<PartnerInbox>> {
    require(&user, Action::AnswerReferrals)?;
    // Workers answer on the partner's behalf from the referral itself; the inbox is the
    // partner's own.
    if user.partner_reach().is_none() {
        return Err(crate::error::ApiError::Forbidden(crate::msg!(
            RoleForbidden,
            role = user.role
        )));
    }
    let v = state
        .db
        .read_audited(move |conn| {
            let open: Vec<ReferralStatus> = ReferralStatus::OPEN_AT_PARTNER.to_vec();
            let mut rows = Vec::new();
            for s in open {
                let filter = ReferralFilter {
                    status: Some(s.as_str().to_string()),
                    ..ReferralFilter::default()
                };
                rows.extend(repo::list(conn, &user.case_scope(), filter, None, None)?);
            }
            // Oldest first.
            rows.sort_by(|a, b| {
                (a.referral.created_at, &a.referral.id)
                    .cmp(&(b.referral.created_at, &b.referral.id))
            });
            let ids: Vec<String> = rows.iter().map(|r| r.referral.id.clone()).collect();
            let unread = thread::unread_counts(conn, &ids, Side::Partner)?;
            let day = today();
            let pick =
                |rows: &[crate::db::referrals::ReferralListRow],
                 keep: &dyn Fn(&crate::db::referrals::ReferralListRow) -> bool| {
                    rows.iter()
                        .filter(|r| keep(r))
                        .take(INBOX_LIMIT)
                        .cloned()
                        .collect::<Vec<_>>()
                };
            let awaiting = pick(&rows, &|r| r.referral.status() == ReferralStatus::Sent);
            let on_hold = pick(&rows, &|r| r.referral.status() == ReferralStatus::OnHold);
            let unread_rows = pick(&rows, &|r| {
                unread.get(&r.referral.id).is_some_and(|n| *n > 0)
            });
            let due = pick(&rows, &|r| {
                r.referral.follow_up_on.is_some_and(|f| f <= day)
            });
            let mut named: Vec<&str> = Vec::new();
            for r in awaiting
                .iter()
                .chain(&on_hold)
                .chain(&unread_rows)
                .chain(&due)
            {
                if !named.contains(&r.referral.id.as_str()) {
                    named.push(&r.referral.id);
                }
            }
            let case_of = |id: &str| {
                rows.iter()
                    .find(|r| r.referral.id == id)
                    .map(|r| r.referral.case_id.clone())
            };
            let named: Vec<(String, Option<String>)> = named
                .into_iter()
                .map(|id| (id.to_string(), case_of(id)))
                .collect();
            record_list(
                conn,
                &user,
                "referral",
                named.iter().map(|(i, c)| (i.as_str(), c.as_deref())),
            )?;
            Ok(PartnerInbox {
                awaiting_answer: partner_views(conn, awaiting)?,
                on_hold: partner_views(conn, on_hold)?,
                unread_messages: partner_views(conn, unread_rows)?,
                follow_up_due: partner_views(conn, due)?,
            })
        })
        .await?;
    Ok(web::Json(v))
}
