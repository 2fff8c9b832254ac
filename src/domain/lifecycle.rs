//! One lifecycle abstraction for cases, referrals and consult requests: an action names the
//! states it may start from, the state it leads to, and what it needs (a reason, an outcome).
//! An action from any other state is refused naming the current state (409 in the API).

use std::fmt::Display;

use crate::i18n::{Code, Msg};

/// What an action needs besides the caller's optional comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requires {
    Nothing,
    Reason,
    Outcome,
}

/// One action of a lifecycle.
#[derive(Debug, Clone, Copy)]
pub struct Step<S: 'static> {
    /// The action's name as the API spells it (`start`, `close`, `decline`).
    pub action: &'static str,
    pub from: &'static [S],
    pub to: S,
    pub requires: Requires,
}

/// An action refused in the state its object is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The object's current state.
    pub current: String,
    pub detail: Msg,
}

impl<S: Copy + PartialEq + Display> Step<S> {
    /// Whether the action may start from `current`.
    pub fn allows(&self, current: S) -> bool {
        self.from.contains(&current)
    }

    /// Refuses the action on `object` (say "a case") in state `current` unless it is allowed.
    pub fn check(&self, object: Code, current: S) -> Result<(), Refused> {
        if self.allows(current) {
            return Ok(());
        }
        let allowed: Vec<String> = self.from.iter().map(|s| s.to_string()).collect();
        Err(Refused {
            current: current.to_string(),
            detail: Msg::new(Code::InvalidTransition)
                .arg_msg("object", Msg::new(object))
                .arg("action", self.action)
                .arg_msg("allowed", crate::i18n::or_list(&allowed))
                .arg("current", current),
        })
    }
}

/// An enum of actions that each map onto a `Step`.
pub trait Lifecycle: Copy {
    type State: Copy + PartialEq + Display + 'static;
    /// How the API names one object of this lifecycle in a refusal ("a case").
    const OBJECT: Code;
    fn step(self) -> Step<Self::State>;

    /// Refuses this action in state `current` unless it is allowed.
    fn check(self, current: Self::State) -> Result<(), Refused> {
        self.step().check(Self::OBJECT, current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::{CaseStatus, CaseTransition};

    #[test]
    fn a_refusal_names_the_current_state_and_the_allowed_ones() {
        let r = CaseTransition::Start.check(CaseStatus::Closed).unwrap_err();
        assert_eq!(r.current, "closed");
        assert_eq!(
            r.detail.render(crate::i18n::Lang::En),
            "a case can `start` only when it is new; it is closed"
        );
        assert_eq!(
            r.detail.render(crate::i18n::Lang::Nl),
            "een dossier kan `start` enkel in toestand new; de toestand is closed"
        );
        assert!(CaseTransition::Close.check(CaseStatus::Waiting).is_ok());
    }
}
