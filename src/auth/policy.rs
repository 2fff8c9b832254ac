//! Who may do what: DOMAIN.md's role table, in one place. Handlers ask `require`; they never
//! compare roles themselves. Object-level scope (which school, which assigned worker) is part of
//! the repository queries, so what is not yours is simply not found (404).

use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};

/// An action, named after a row of the role table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// networks, schools, partners, services, themes
    ReadSocialMap,
    WriteSocialMap,
    /// the code lists with their labels (`/vocabularies`): every role
    ReadVocabularies,
    /// a school account editing its own school's contact data and wishes
    EditOwnSchoolContact,
    /// a partner account editing its own organisation's contact data (website, phone, e-mail,
    /// address)
    EditOwnPartnerContact,
    /// answer a referral (accept, decline, start, hold, resume, complete, fail) and write in its
    /// message thread: a partner account for the referrals sent to its organisation (from `sent`
    /// on, with the package the consent allows); a worker of the case team on the partner's
    /// behalf
    AnswerReferrals,
    ManageUsers,
    ReadOwnProfile,
    ManageAssignments,
    /// assignments (scoped by the viewer: a worker their own, a school its school's)
    ReadAssignments,
    ReadChecklistTemplates,
    WriteChecklistTemplates,
    SubmitChecklist,
    TriageChecklist,
    ReadChecklistAggregates,
    ReadAllCaseMetadata,
    ReassignCase,
    /// name a case's lead worker (the coordinator reassigning, a worker of the case's school)
    ChangeLeadWorker,
    /// family data, notes, needs, consents, referrals of assigned schools
    WorkCases,
    ReadSchoolCaseView,
    ReadStatistics,
    /// referral figures (`/stats/referrals`): the roles with statistics, and a partner for the
    /// referrals sent to its own organisation
    ReadReferralStatistics,
    ReadAuditLog,
    /// referrals of every case as metadata (no message, no partner answer), and their statistics
    ReadReferralMetadata,
    /// the event stream and the webhook subscriptions that push it to city systems (a partner
    /// account: the events about its organisation's referrals, and its own subscriptions)
    ReadEvents,
    ManageWebhooks,
    /// office-hours sessions (scoped: a school its own, a worker theirs)
    ReadOfficeHours,
    /// cancel or move a session (a worker their own sessions)
    RecordOfficeHourExceptions,
    /// log a session as held, with a number of contacts
    LogOfficeHours,
    /// school holidays and other closed periods
    ManageClosedPeriods,
    /// a worker's absences (leave, illness): the coordinator any worker's, a worker their own
    ManageAbsences,
    /// a personal calendar feed token
    UseCalendarFeed,
    RequestConsult,
    /// read consult requests (scoped: a school its own, a worker those of their schools)
    ReadConsults,
    /// schedule, complete, open a case from a consult request
    HandleConsults,
    /// cancel a consult request (the school that asked, or those who handle it)
    CancelConsult,
    ProposeAllocation,
    /// meetings of the network (a school: its own network's)
    ReadMeetings,
    WriteMeetings,
    AddAgendaItem,
    /// activities (scoped: a worker their own, a school its school's)
    ReadActivities,
    /// a worker: their own activities
    WriteActivities,
    /// the inbox: what waits for the caller (each role its own)
    ReadInbox,
}

/// The role table. Read it as: role → the actions it may take.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Coordinator => matches!(
            action,
            ReadSocialMap
                | WriteSocialMap
                | ReadVocabularies
                | ManageUsers
                | ReadOwnProfile
                | ManageAssignments
                | ReadAssignments
                | ReadChecklistTemplates
                | WriteChecklistTemplates
                | ReadChecklistAggregates
                | ReadAllCaseMetadata
                | ReassignCase
                | ChangeLeadWorker
                | ReadStatistics
                | ReadReferralStatistics
                | ReadAuditLog
                | ReadReferralMetadata
                | ReadEvents
                | ManageWebhooks
                | ReadOfficeHours
                | RecordOfficeHourExceptions
                | ManageClosedPeriods
                | ManageAbsences
                | UseCalendarFeed
                | ReadConsults
                | HandleConsults
                | CancelConsult
                | ProposeAllocation
                | ReadMeetings
                | WriteMeetings
                | AddAgendaItem
                | ReadActivities
                | WriteActivities
                | ReadInbox
        ),
        Role::SocialWorker => matches!(
            action,
            ReadSocialMap
                | ReadVocabularies
                | ReadOwnProfile
                | ReadAssignments
                | ReadChecklistTemplates
                | TriageChecklist
                | WorkCases
                | AnswerReferrals
                | ChangeLeadWorker
                | ReadStatistics
                | ReadReferralStatistics
                | ReadOfficeHours
                | RecordOfficeHourExceptions
                | LogOfficeHours
                | ManageAbsences
                | UseCalendarFeed
                | ReadConsults
                | HandleConsults
                | CancelConsult
                | ReadMeetings
                | WriteMeetings
                | AddAgendaItem
                | ReadActivities
                | WriteActivities
                | ReadInbox
        ),
        Role::School => matches!(
            action,
            ReadSocialMap
                | ReadVocabularies
                | EditOwnSchoolContact
                | ReadOwnProfile
                | ReadAssignments
                | ReadChecklistTemplates
                | SubmitChecklist
                | ReadSchoolCaseView
                | ReadStatistics
                | ReadReferralStatistics
                | ReadOfficeHours
                | UseCalendarFeed
                | RequestConsult
                | CancelConsult
                | ReadConsults
                | ReadMeetings
                | AddAgendaItem
                | ReadActivities
                | ReadInbox
        ),
        Role::Partner => matches!(
            action,
            ReadSocialMap
                | ReadVocabularies
                | EditOwnPartnerContact
                | ReadOwnProfile
                | AnswerReferrals
                | ReadReferralStatistics
                | ReadEvents
                | ManageWebhooks
        ),
    }
}

/// Refuses (403) an action the caller's role may never take.
pub fn require(user: &AuthUser, action: Action) -> ApiResult<()> {
    if allows(user.role, action) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(crate::msg!(
            RoleForbidden,
            role = user.role
        )))
    }
}

/// A type standing for one action, for the `Allowed<A>` extractor.
pub trait ActionMarker {
    const ACTION: Action;
}

/// Marker types, one per action that a handler requires up front.
pub mod can {
    use super::{Action, ActionMarker};
    macro_rules! markers {
        ($($name:ident),*) => {$(
            pub struct $name;
            impl ActionMarker for $name {
                const ACTION: Action = Action::$name;
            }
        )*};
    }
    markers!(
        WriteSocialMap,
        ManageUsers,
        ManageAssignments,
        ReadAuditLog,
        WriteChecklistTemplates,
        SubmitChecklist,
        TriageChecklist,
        ReadEvents,
        ManageWebhooks,
        ReadReferralMetadata,
        ManageClosedPeriods,
        ProposeAllocation,
        WriteMeetings
    );
}
