//! Referrals: a worker hands (part of) a case to one partner service and follows it until the
//! partner has answered and finished — the closed loop. Three views: the worker's (everything,
//! for the schools they are assigned to), the coordinator's (metadata: no message, no partner
//! answer, no history comments) and the school's (that a referral exists and its status, only
//! while the family allows sharing with the school).
//!
//! The room is split by job: `views` (what each role sees, who may read), `write` (draft),
//! `read` (lists, one referral) and `lifecycle` (send and the answers).

mod inbox;
mod lifecycle;
mod messages;
mod read;
pub mod views;
mod write;

pub use inbox::*;
pub use lifecycle::*;
pub use messages::*;
pub use read::*;
pub use views::{
    CaseReferrals, ReferralDetail, ReferralMetadata, ReferralPage, ReferralView, SchoolReferral,
};
pub use write::*;
