//! Events for what people wait on: a school waits for its checklist to be picked up and its
//! consult to be planned, a worker for new signals. Ids, statuses and times only — never a
//! pseudonym, a name or a text — on `/events` and webhooks like the case and referral events.
//! Call inside the write transaction of the change.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::{DbConn, events};
use crate::domain::utc;

/// `checklist.submitted`, `.triaged`, `.case_opened` or `.no_action` (the submission's new
/// status).
pub fn submission(
    conn: &mut DbConn,
    status: &str,
    submission_id: &str,
    school_id: &str,
    case_id: Option<&str>,
    at: NaiveDateTime,
) -> diesel::QueryResult<i64> {
    events::record(
        conn,
        &format!("checklist.{status}"),
        &json!({
            "submission_id": submission_id,
            "school_id": school_id,
            "case_id": case_id,
            "status": status,
            "at": utc(at),
        }),
        at,
    )
}

/// `consult.requested`, `.scheduled`, `.done` or `.cancelled` (the request's new status).
pub fn consult(
    conn: &mut DbConn,
    status: &str,
    consult_id: &str,
    school_id: &str,
    worker_id: Option<&str>,
    at: NaiveDateTime,
) -> diesel::QueryResult<i64> {
    events::record(
        conn,
        &format!("consult.{status}"),
        &json!({
            "consult_id": consult_id,
            "school_id": school_id,
            "worker_id": worker_id,
            "status": status,
            "at": utc(at),
        }),
        at,
    )
}

/// `case.feedback_written`: the school has new feedback to read (never the text).
pub fn feedback(
    conn: &mut DbConn,
    case_id: &str,
    school_id: &str,
    at: NaiveDateTime,
) -> diesel::QueryResult<i64> {
    events::record(
        conn,
        "case.feedback_written",
        &json!({"case_id": case_id, "school_id": school_id, "at": utc(at)}),
        at,
    )
}
