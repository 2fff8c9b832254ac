//! The closed vocabularies of cases (DOMAIN.md's lifecycles), each stored as its snake_case code.

use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::lifecycle::{Lifecycle, Requires, Step};
use crate::i18n::Code;
use validator::Validate;

/// An enum of stable snake_case codes: serde, OpenAPI, and `as_str`/`parse` for the database.
macro_rules! code_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        /// Parsed when a row is read: a code this version does not know fails the read (logged),
        /// never a silent default.
        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let code = String::from_sql(bytes)?;
                $name::parse(&code).ok_or_else(|| {
                    log::error!("unknown stored {} `{code}`", stringify!($name));
                    format!("unknown stored {} `{code}`", stringify!($name)).into()
                })
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            /// The value for a stored code; `None` for a code this version does not know.
            pub fn parse(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use code_enum;

code_enum! {
    /// How the case came in.
    pub enum CaseOrigin {
        /// From a school's signal checklist.
        Checklist = "checklist",
        /// The school asked directly.
        SchoolRequest = "school_request",
        /// A family came to the office hours at school.
        OfficeHours = "office_hours",
        /// A parent contacted the worker.
        Parent = "parent",
        /// The worker noticed it.
        SocialWorker = "social_worker",
    }
}

impl CaseOrigin {
    /// Cases a school raised: the only ones its school view shows. A family that came to the
    /// office hours on its own stays invisible to the school.
    pub const RAISED_BY_SCHOOL: [&'static str; 2] = ["checklist", "school_request"];
}

code_enum! {
    pub enum CasePriority {
        Low = "low",
        Normal = "normal",
        High = "high",
        Urgent = "urgent",
    }
}

code_enum! {
    /// `new` → `in_progress` ⇄ `waiting`; any open state → `closed`; `closed` → `in_progress`.
    pub enum CaseStatus {
        New = "new",
        InProgress = "in_progress",
        Waiting = "waiting",
        Closed = "closed",
    }
}

code_enum! {
    /// Why a case was closed.
    pub enum CaseOutcome {
        Resolved = "resolved",
        Referred = "referred",
        DeclinedByFamily = "declined_by_family",
        NoContact = "no_contact",
        MovedAway = "moved_away",
        Other = "other",
    }
}

code_enum! {
    /// Who raised a need: parent, child and school may want different things.
    pub enum NeedRaisedBy {
        Parent = "parent",
        Child = "child",
        School = "school",
        SocialWorker = "social_worker",
    }
}

code_enum! {
    /// Where a need stands: `open` until it is `met`, `not_met` or `withdrawn`.
    pub enum NeedState {
        /// Still to be worked on.
        Open = "open",
        /// What was asked for came about.
        Met = "met",
        /// It could not be met (the worker's judgement, with the reason in the history).
        NotMet = "not_met",
        /// The one who raised it no longer asks for it.
        Withdrawn = "withdrawn",
    }
}

/// A change of a need's state. `met` and `not_met` can be reopened (a need that comes back, or
/// a judgement that was premature); `withdrawn` is final: when the family asks again it is a
/// new need, so what was withdrawn stays readable as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedTransition {
    Meet,
    NotMeet,
    Withdraw,
    Reopen,
}

impl NeedTransition {
    /// The transition that leads to `to`.
    pub fn to(to: NeedState) -> NeedTransition {
        match to {
            NeedState::Met => NeedTransition::Meet,
            NeedState::NotMet => NeedTransition::NotMeet,
            NeedState::Withdrawn => NeedTransition::Withdraw,
            NeedState::Open => NeedTransition::Reopen,
        }
    }
}

impl Lifecycle for NeedTransition {
    type State = NeedState;
    const OBJECT: Code = Code::ObjectNeed;
    fn step(self) -> Step<NeedState> {
        use NeedState::*;
        let (action, from, to): (_, &'static [NeedState], _) = match self {
            NeedTransition::Meet => ("met", &[Open], Met),
            NeedTransition::NotMeet => ("not_met", &[Open], NotMet),
            NeedTransition::Withdraw => ("withdrawn", &[Open], Withdrawn),
            NeedTransition::Reopen => ("open", &[Met, NotMet], Open),
        };
        Step {
            action,
            from,
            to,
            requires: Requires::Reason,
        }
    }
}

code_enum! {
    pub enum ContactKind {
        OfficeHours = "office_hours",
        Consult = "consult",
        Phone = "phone",
        HomeVisit = "home_visit",
        Meeting = "meeting",
        Other = "other",
    }
}

code_enum! {
    /// What the family allowed.
    pub enum ConsentKind {
        /// The worker may share feedback (and referral status) with the school.
        ShareWithSchool = "share_with_school",
        /// The worker may refer the case to one partner organisation.
        ReferToPartner = "refer_to_partner",
    }
}

code_enum! {
    pub enum ConsentGivenBy {
        Parent = "parent",
        Guardian = "guardian",
        Pupil = "pupil",
    }
}

code_enum! {
    pub enum ConsentMethod {
        Verbal = "verbal",
        Written = "written",
    }
}

/// A lifecycle action on a case: the states it may start from and the state it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseTransition {
    Start,
    Wait,
    Resume,
    Close,
    Reopen,
}

impl Lifecycle for CaseTransition {
    type State = CaseStatus;
    const OBJECT: Code = Code::ObjectCase;
    fn step(self) -> Step<CaseStatus> {
        use CaseStatus::*;
        let (action, from, to): (_, &'static [CaseStatus], _) = match self {
            CaseTransition::Start => ("start", &[New], InProgress),
            CaseTransition::Wait => ("wait", &[InProgress], Waiting),
            CaseTransition::Resume => ("resume", &[Waiting], InProgress),
            CaseTransition::Close => ("close", &[New, InProgress, Waiting], Closed),
            CaseTransition::Reopen => ("reopen", &[Closed], InProgress),
        };
        let requires = match self {
            CaseTransition::Close => Requires::Outcome,
            CaseTransition::Start
            | CaseTransition::Wait
            | CaseTransition::Resume
            | CaseTransition::Reopen => Requires::Nothing,
        };
        Step {
            action,
            from,
            to,
            requires,
        }
    }
}

/// The pupil as the school knows them: a pseudonym, never a full name.
#[document_limits]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pupil {
    /// The school's own short label for the pupil (not a name).
    #[validate(length(min = 1, max = 40))]
    #[schema(example = "4B-07")]
    pub pseudonym: String,
    #[validate(range(min = 1990, max = 2030))]
    #[schema(example = 2016)]
    pub birth_year: Option<i32>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(example = "4B")]
    pub class: Option<String>,
}

/// How to reach the family. Kept only on the case, seen only by its social workers.
#[document_limits]
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyContact {
    #[validate(length(max = 200))]
    #[schema(example = "Mevrouw Diallo")]
    pub name: Option<String>,
    #[validate(length(max = 50))]
    #[schema(example = "0470 12 34 56")]
    pub phone: Option<String>,
    /// The language the family speaks at home.
    #[validate(length(max = 50))]
    #[schema(example = "Frans")]
    pub language: Option<String>,
    #[serde(default)]
    pub interpreter_needed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(*s));
        }
        for o in CaseOutcome::ALL {
            assert_eq!(CaseOutcome::parse(o.as_str()), Some(*o));
        }
        assert_eq!(CaseStatus::parse("bogus"), None);
    }

    #[test]
    fn an_open_need_ends_three_ways_and_only_met_or_not_met_reopen() {
        use NeedState::*;
        for (from, to, ok) in [
            (Open, Met, true),
            (Open, NotMet, true),
            (Open, Withdrawn, true),
            (Met, Open, true),
            (NotMet, Open, true),
            (Met, NotMet, false),
            (NotMet, Met, false),
            (Met, Withdrawn, false),
            (Withdrawn, Open, false),
            (Withdrawn, Met, false),
        ] {
            let r = NeedTransition::to(to).check(from);
            assert_eq!(r.is_ok(), ok, "{from} -> {to}");
            if let Err(e) = r {
                assert_eq!(e.current, from.as_str());
            }
        }
    }

    #[test]
    fn every_open_state_can_close_and_only_closed_reopens() {
        for s in [CaseStatus::New, CaseStatus::InProgress, CaseStatus::Waiting] {
            assert!(CaseTransition::Close.step().allows(s));
            assert!(!CaseTransition::Reopen.step().allows(s));
        }
    }
}
