//! The moderation of network-meeting agenda items: who may see an item in which state, and
//! the steps between states.
//!
//! `proposed` → `released` | `returned` (with a reason, to the author); `returned` → `proposed`
//! when the author edits it; the author withdraws a `proposed` or `returned` item, a worker or
//! the coordinator a `released` one. A `withdrawn` item is gone for schools.

use crate::domain::case::code_enum;
use crate::domain::lifecycle::{Lifecycle, Requires, Step};
use crate::i18n::Code;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum! {
    /// Where an agenda item stands.
    pub enum AgendaStatus {
        /// Put forward by a school: seen by that school, the network's workers and the
        /// coordinator, not yet by the other schools.
        Proposed = "proposed",
        /// Seen by every school of the network.
        Released = "released",
        /// Sent back to the author with a reason; the author may edit it (back to `proposed`).
        Returned = "returned",
        /// Taken off the agenda; schools no longer see it.
        Withdrawn = "withdrawn",
    }
}

/// A step of an agenda item's moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaAction {
    /// A worker of the network or the coordinator lets the other schools see it.
    Release,
    /// A worker of the network or the coordinator sends it back to the author, with a reason.
    Return,
    /// The author school changes its item; a returned item is proposed again.
    Edit,
    /// A worker or the coordinator changes an item they wrote themselves (released at once).
    EditOwnReleased,
    /// The author school takes its item back before it is released.
    Withdraw,
    /// A worker of the network or the coordinator takes a released item off the agenda.
    WithdrawReleased,
}

impl Lifecycle for AgendaAction {
    type State = AgendaStatus;
    const OBJECT: Code = Code::ObjectAgendaItem;
    fn step(self) -> Step<AgendaStatus> {
        use AgendaStatus::*;
        let step = |action, from, to, requires| Step {
            action,
            from,
            to,
            requires,
        };
        match self {
            AgendaAction::Release => step("release", &[Proposed], Released, Requires::Nothing),
            AgendaAction::Return => step("return", &[Proposed], Returned, Requires::Reason),
            AgendaAction::Edit => step("edit", &[Proposed, Returned], Proposed, Requires::Nothing),
            AgendaAction::EditOwnReleased => step("edit", &[Released], Released, Requires::Nothing),
            AgendaAction::Withdraw => step(
                "withdraw",
                &[Proposed, Returned],
                Withdrawn,
                Requires::Nothing,
            ),
            AgendaAction::WithdrawReleased => {
                step("withdraw", &[Released], Withdrawn, Requires::Nothing)
            }
        }
    }
}

/// How a caller stands to the agenda of one meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaReach<'a> {
    /// The coordinator, or a social worker assigned to a school of the meeting's network:
    /// sees every item in every state, releases, returns and withdraws.
    Moderator,
    /// A social worker of another network: sees released items only.
    Outsider,
    /// A school account of the network: its own items (not withdrawn) and released ones.
    School(&'a str),
}

impl AgendaReach<'_> {
    /// Whether this caller sees an item of `school_id` in `status`.
    pub fn sees(self, status: AgendaStatus, school_id: Option<&str>) -> bool {
        match self {
            AgendaReach::Moderator => true,
            AgendaReach::Outsider => status == AgendaStatus::Released,
            AgendaReach::School(own) => {
                status == AgendaStatus::Released
                    || (status != AgendaStatus::Withdrawn && school_id == Some(own))
            }
        }
    }

    /// Whether this caller reads the reason an item was returned: moderators, and the school
    /// the item is of. Another school never does, whatever the item's state.
    pub fn reads_return_reason(self, school_id: Option<&str>) -> bool {
        match self {
            AgendaReach::Moderator => true,
            AgendaReach::Outsider => false,
            AgendaReach::School(own) => school_id == Some(own),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgendaStatus::*;

    #[test]
    fn another_school_sees_only_released_items() {
        let other = AgendaReach::School("b");
        for s in AgendaStatus::ALL {
            assert_eq!(other.sees(*s, Some("a")), *s == Released, "{s}");
        }
        let own = AgendaReach::School("a");
        assert!(own.sees(Proposed, Some("a")) && own.sees(Returned, Some("a")));
        assert!(!own.sees(Withdrawn, Some("a")));
        assert!(AgendaReach::Moderator.sees(Withdrawn, Some("a")));
        assert!(!AgendaReach::Outsider.sees(Proposed, Some("a")));
        assert!(!other.reads_return_reason(Some("a")));
    }

    #[test]
    fn a_step_from_a_wrong_state_names_it() {
        let r = AgendaAction::Release.check(Withdrawn).unwrap_err();
        assert_eq!(r.current, "withdrawn");
        assert!(AgendaAction::Edit.check(Returned).is_ok());
        assert_eq!(AgendaAction::Edit.step().to, Proposed);
        assert!(AgendaAction::Withdraw.check(Released).is_err());
    }
}
