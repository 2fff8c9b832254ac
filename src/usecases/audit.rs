//! Recording what was done to personal data: called by every handler that reads or writes it,
//! inside the transaction of that work.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::audit::{self as repo, NewEvent};
use crate::error::ApiResult;

/// What was done to personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Read,
    List,
    Create,
    Update,
    /// A correction of what was recorded (GDPR art. 16): the earlier text is kept in a history.
    Correct,
    StatusChange,
    Export,
    Erase,
    /// A referral sent without the family's consent, on another legal basis.
    ConsentOverride,
    /// An account's owner changed its password.
    PasswordChange,
    /// A coordinator set someone else's password (one-time: the owner must change it).
    PasswordReset,
    /// An account was deactivated (its sessions end) or reactivated.
    Deactivate,
    Reactivate,
    Delete,
}

impl AuditAction {
    pub const ALL: [AuditAction; 14] = [
        AuditAction::Read,
        AuditAction::List,
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Correct,
        AuditAction::StatusChange,
        AuditAction::Export,
        AuditAction::Erase,
        AuditAction::ConsentOverride,
        AuditAction::PasswordChange,
        AuditAction::PasswordReset,
        AuditAction::Deactivate,
        AuditAction::Reactivate,
        AuditAction::Delete,
    ];

    /// The action a stored code names.
    pub fn from_code(code: &str) -> Option<AuditAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Read => "read",
            AuditAction::List => "list",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Correct => "correct",
            AuditAction::StatusChange => "status_change",
            AuditAction::Export => "export",
            AuditAction::Erase => "erase",
            AuditAction::ConsentOverride => "consent_override",
            AuditAction::PasswordChange => "password_change",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::Deactivate => "deactivate",
            AuditAction::Reactivate => "reactivate",
            AuditAction::Delete => "delete",
        }
    }
}

/// Records that `user` did `action` to an object. Call inside the transaction of the work it
/// records, so a write and its event commit together; in a read (`Db::read_audited`), the event
/// is committed with other requests' before the read is answered.
pub fn record(
    conn: &mut DbConn,
    user: &AuthUser,
    action: AuditAction,
    object_type: &str,
    object_id: Option<&str>,
    case_id: Option<&str>,
) -> ApiResult<()> {
    repo::append(
        conn,
        NewEvent {
            object_id: object_id.map(String::from),
            case_id: case_id.map(String::from),
            ..event(user, action, object_type)
        },
    )?;
    Ok(())
}

fn event(user: &AuthUser, action: AuditAction, object_type: &str) -> NewEvent {
    NewEvent {
        actor_id: Some(user.id.clone()),
        actor_role: user.role.as_str().to_string(),
        action: action.as_str().to_string(),
        object_type: object_type.to_string(),
        object_id: None,
        case_id: None,
        request_id: user.request_id.clone(),
        client_addr: user.client_addr.clone(),
        object_ids: None,
        case_ids: None,
    }
}

/// Records a list read: one `list` event naming every object the page returned, in order (its
/// `object_ids`), and the cases they belong to (`case_ids`; for a list of cases, the objects
/// themselves), so each case's access log shows who listed it. A page that returned nothing leaves an event without objects (the search itself).
pub fn record_list<'a>(
    conn: &mut DbConn,
    user: &AuthUser,
    object_type: &str,
    objects: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> ApiResult<()> {
    // A list of cases names its cases once (`object_ids`): the row stays small.
    let of_cases = object_type == repo::CASE;
    let (mut object_ids, mut case_ids) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for (object_id, case_id) in objects {
        object_ids.push(object_id);
        if let Some(c) = case_id.filter(|_| !of_cases)
            && seen.insert(c)
        {
            case_ids.push(c);
        }
    }
    let joined = |ids: Vec<&str>| (!ids.is_empty()).then(|| ids.join(" "));
    repo::append(
        conn,
        NewEvent {
            case_ids: joined(case_ids),
            object_ids: joined(object_ids),
            ..event(user, AuditAction::List, object_type)
        },
    )?;
    Ok(())
}
