//! Use cases of cases that several endpoints share: opening a case (by a worker, a school's
//! request, a triaged submission, a consult) and finding the case a worker works.

use chrono::Datelike;

use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::db::cases::{self as repo, CaseListRow, CaseRow};
use crate::db::{DbConn, now};
use crate::domain::case::{CaseOrigin, CasePriority, CaseStatus, FamilyContact, Pupil};
use crate::domain::ids::{CaseId, SchoolId, SubmissionId, UserId};
use crate::domain::utc;
use crate::error::ApiResult;

/// Trims a text; blank is none.
pub fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// The case, for a social worker assigned to its school now; 404 otherwise.
pub fn worked_case(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<CaseListRow> {
    require(user, Action::WorkCases)?;
    Ok(repo::find_scoped(conn, id, &user.case_scope())?)
}

/// Everything a new case row needs besides what the caller sent; shared by every way a case
/// is opened (worker, school request, checklist triage).
pub struct Opening {
    pub school_id: SchoolId,
    pub origin: CaseOrigin,
    pub themes: Vec<String>,
    pub priority: CasePriority,
    pub known_to_ocmw: Option<bool>,
    pub pupil: Pupil,
    pub family: FamilyContact,
    pub question: Option<String>,
    pub lead_worker_id: Option<UserId>,
    pub submission_id: Option<SubmissionId>,
    pub created_by: UserId,
}

/// Stores a new case with the next reference of the year. Call inside a write transaction.
pub fn open_case(conn: &mut DbConn, o: Opening) -> ApiResult<CaseRow> {
    let at = now();
    let reference = repo::next_reference(conn, at.year())?;
    let row = CaseRow {
        id: CaseId::new(),
        reference,
        school_id: o.school_id,
        origin: o.origin,
        priority: o.priority,
        known_to_ocmw: o.known_to_ocmw,
        status: CaseStatus::New,
        outcome: None,
        outcome_note: None,
        lead_worker_id: o.lead_worker_id,
        opened_at: at,
        first_contact_at: None,
        first_contact_days: None,
        closed_at: None,
        pupil_pseudonym: Some(o.pupil.pseudonym.trim().to_string()),
        pupil_birth_year: o.pupil.birth_year,
        pupil_class: trimmed(o.pupil.class),
        question: trimmed(o.question),
        family_name: trimmed(o.family.name),
        family_phone: trimmed(o.family.phone),
        family_language: trimmed(o.family.language),
        interpreter_needed: Some(o.family.interpreter_needed),
        feedback_for_school: None,
        feedback_at: None,
        feedback_consent_id: None,
        follow_up_on: None,
        submission_id: o.submission_id,
        erased_at: None,
        erasure_reason: None,
        created_by: o.created_by,
        created_at: at,
        updated_at: at,
    };
    repo::insert(conn, &row, &o.themes)?;
    crate::db::events::record(
        conn,
        "case.opened",
        &serde_json::json!({
            "case_id": row.id,
            "school_id": row.school_id,
            "origin": row.origin,
            "status": row.status,
            "at": utc(at),
        }),
        at,
    )?;
    Ok(row)
}
