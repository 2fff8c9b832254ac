//! The closed vocabularies of referrals and their lifecycle (DOMAIN.md), with the FHIR Task
//! status each state maps onto one to one.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::case::code_enum;
pub use crate::domain::lifecycle::Requires;
use crate::domain::lifecycle::{Lifecycle, Step};
use crate::i18n::Code;

code_enum! {
    /// `draft` → `sent` → `accepted` | `declined`; `accepted` → `in_progress` | `on_hold` |
    /// `completed` | `failed`; `in_progress` ⇄ `on_hold`; `in_progress` → `completed` | `failed`;
    /// `cancelled` from any state that is not final.
    pub enum ReferralStatus {
        Draft = "draft",
        Sent = "sent",
        Accepted = "accepted",
        Declined = "declined",
        InProgress = "in_progress",
        OnHold = "on_hold",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

impl ReferralStatus {
    /// The equivalent FHIR Task status (`http://hl7.org/fhir/task-status`).
    pub fn fhir(self) -> &'static str {
        match self {
            ReferralStatus::Draft => "draft",
            ReferralStatus::Sent => "requested",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Declined => "rejected",
            ReferralStatus::InProgress => "in-progress",
            ReferralStatus::OnHold => "on-hold",
            ReferralStatus::Completed => "completed",
            ReferralStatus::Failed => "failed",
            ReferralStatus::Cancelled => "cancelled",
        }
    }

    /// No transition leaves a final state.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ReferralStatus::Declined
                | ReferralStatus::Completed
                | ReferralStatus::Failed
                | ReferralStatus::Cancelled
        )
    }

    /// Sent and waiting for, or being worked by, the partner: what `overdue` watches.
    pub const OPEN_AT_PARTNER: [ReferralStatus; 4] = [
        ReferralStatus::Sent,
        ReferralStatus::Accepted,
        ReferralStatus::InProgress,
        ReferralStatus::OnHold,
    ];
}

code_enum! {
    pub enum ReferralUrgency {
        Low = "low",
        Normal = "normal",
        High = "high",
        Urgent = "urgent",
    }
}

code_enum! {
    /// A lawful basis other than the family's consent for sending a referral (GDPR art. 6(1)):
    /// a child in danger (`vital_interest`) or a duty laid down by law (`legal_obligation`).
    pub enum LegalBasis {
        VitalInterest = "vital_interest",
        LegalObligation = "legal_obligation",
    }
}

/// A lifecycle action on a referral: the states it may start from and the state it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralAction {
    Send,
    Accept,
    Decline,
    Start,
    Hold,
    Resume,
    Complete,
    Fail,
    Cancel,
}

impl ReferralAction {
    pub const ALL: [ReferralAction; 9] = [
        ReferralAction::Send,
        ReferralAction::Accept,
        ReferralAction::Decline,
        ReferralAction::Start,
        ReferralAction::Hold,
        ReferralAction::Resume,
        ReferralAction::Complete,
        ReferralAction::Fail,
        ReferralAction::Cancel,
    ];
}

impl ReferralAction {
    /// The partner's answers: a partner account takes them, or a worker records them on its
    /// behalf. Sending and cancelling stay with the case team.
    pub fn by_partner(self) -> bool {
        match self {
            ReferralAction::Accept
            | ReferralAction::Decline
            | ReferralAction::Start
            | ReferralAction::Hold
            | ReferralAction::Resume
            | ReferralAction::Complete
            | ReferralAction::Fail => true,
            ReferralAction::Send | ReferralAction::Cancel => false,
        }
    }
}

impl Lifecycle for ReferralAction {
    type State = ReferralStatus;
    const OBJECT: Code = Code::ObjectReferral;
    fn step(self) -> Step<ReferralStatus> {
        use ReferralStatus::*;
        let (action, from, to): (_, &'static [ReferralStatus], _) = match self {
            ReferralAction::Send => ("send", &[Draft], Sent),
            ReferralAction::Accept => ("accept", &[Sent], Accepted),
            ReferralAction::Decline => ("decline", &[Sent], Declined),
            ReferralAction::Start => ("start", &[Accepted], InProgress),
            ReferralAction::Hold => ("hold", &[Accepted, InProgress], OnHold),
            ReferralAction::Resume => ("resume", &[OnHold], InProgress),
            ReferralAction::Complete => ("complete", &[Accepted, InProgress], Completed),
            ReferralAction::Fail => ("fail", &[Accepted, InProgress], Failed),
            ReferralAction::Cancel => (
                "cancel",
                &[Draft, Sent, Accepted, InProgress, OnHold],
                Cancelled,
            ),
        };
        let requires = match self {
            ReferralAction::Decline
            | ReferralAction::Hold
            | ReferralAction::Fail
            | ReferralAction::Cancel => Requires::Reason,
            ReferralAction::Complete => Requires::Outcome,
            ReferralAction::Send
            | ReferralAction::Accept
            | ReferralAction::Start
            | ReferralAction::Resume => Requires::Nothing,
        };
        Step {
            action,
            from,
            to,
            requires,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_possible_from_every_state_that_is_not_final() {
        for s in ReferralStatus::ALL {
            assert_eq!(
                ReferralAction::Cancel.step().allows(*s),
                !s.is_final(),
                "{s}"
            );
        }
    }

    #[test]
    fn no_action_leaves_a_final_state() {
        for a in ReferralAction::ALL {
            assert!(a.step().from.iter().all(|s| !s.is_final()), "{a:?}");
        }
    }

    #[test]
    fn fhir_codes_are_distinct() {
        let codes: std::collections::HashSet<_> =
            ReferralStatus::ALL.iter().map(|s| s.fhir()).collect();
        assert_eq!(codes.len(), ReferralStatus::ALL.len());
    }
}
