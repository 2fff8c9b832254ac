//! What the inbox reads: for each role the things waiting for it, by id, school and time —
//! never a pseudonym, a name of a family or a text. Each query takes the caller's schools
//! (`None`: every school, the coordinator) so the scope is part of the query.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    assignments, cases, checklist_submissions, consult_requests, inbox_seen, networks, partners,
    referrals, schools, users,
};
use crate::domain::presence::{ConsultStatus, ConsultUrgency};
use crate::domain::referral::ReferralStatus;

/// When `user_id` last marked the inbox as seen.
pub fn seen_at(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<NaiveDateTime>> {
    inbox_seen::table
        .find(user_id)
        .select(inbox_seen::seen_at)
        .first(conn)
        .optional()
}

/// Marks the inbox of `user_id` as seen at `at` (never moving the mark back).
pub fn set_seen(conn: &mut DbConn, user_id: &str, at: NaiveDateTime) -> QueryResult<()> {
    match seen_at(conn, user_id)? {
        Some(old) if old >= at => {}
        Some(_) => {
            diesel::update(inbox_seen::table.find(user_id))
                .set(inbox_seen::seen_at.eq(at))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(inbox_seen::table)
                .values((inbox_seen::user_id.eq(user_id), inbox_seen::seen_at.eq(at)))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A submission not yet picked up: id, school, school name, submitted at.
pub type WaitingSubmission = (String, String, String, NaiveDateTime);

/// Submissions still `submitted` at the schools (every school for `None`), oldest first;
/// with `before`, only those submitted before it.
pub fn submissions_waiting(
    conn: &mut DbConn,
    schools_in: Option<&[String]>,
    before: Option<NaiveDateTime>,
) -> QueryResult<Vec<WaitingSubmission>> {
    let mut q = checklist_submissions::table
        .inner_join(schools::table.on(schools::id.eq(checklist_submissions::school_id)))
        .filter(checklist_submissions::status.eq(super::checklists::SUBMITTED))
        .select((
            checklist_submissions::id,
            checklist_submissions::school_id,
            schools::name,
            checklist_submissions::submitted_at,
        ))
        .order((
            checklist_submissions::submitted_at,
            checklist_submissions::id,
        ))
        .into_boxed();
    if let Some(s) = schools_in {
        q = q.filter(checklist_submissions::school_id.eq_any(s.to_vec()));
    }
    if let Some(b) = before {
        q = q.filter(checklist_submissions::submitted_at.lt(b));
    }
    q.load(conn)
}

/// A consult request as the inbox lists it.
#[derive(Debug, Queryable)]
pub struct ConsultItem {
    pub id: String,
    pub school_id: String,
    pub school_name: String,
    pub status: ConsultStatus,
    pub urgency: ConsultUrgency,
    pub scheduled_date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub worker_id: Option<String>,
    pub worker_name: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Consult requests of the schools still `requested`, and those `scheduled` from `from` to
/// `to` (for `worker`, only theirs), in order of date.
pub fn consults(
    conn: &mut DbConn,
    schools_in: &[String],
    worker: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ConsultItem>> {
    let rows: Vec<ConsultItem> = consult_requests::table
        .inner_join(schools::table.on(schools::id.eq(consult_requests::school_id)))
        .left_join(users::table.on(users::id.nullable().eq(consult_requests::worker_id)))
        .filter(consult_requests::school_id.eq_any(schools_in.to_vec()))
        .filter(
            consult_requests::status
                .eq(ConsultStatus::Requested.as_str())
                .or(consult_requests::status
                    .eq(ConsultStatus::Scheduled.as_str())
                    .and(consult_requests::scheduled_date.ge(from))
                    .and(consult_requests::scheduled_date.le(to))),
        )
        .select((
            consult_requests::id,
            consult_requests::school_id,
            schools::name,
            consult_requests::status,
            consult_requests::urgency,
            consult_requests::scheduled_date,
            consult_requests::scheduled_start_time,
            consult_requests::scheduled_end_time,
            consult_requests::worker_id,
            users::display_name.nullable(),
            consult_requests::created_at,
            consult_requests::updated_at,
        ))
        .order((
            consult_requests::scheduled_date,
            consult_requests::created_at,
            consult_requests::id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|c| {
            c.status == ConsultStatus::Requested
                || worker.is_none_or(|w| c.worker_id.as_deref() == Some(w))
        })
        .collect())
}

/// A referral as the inbox lists it: ids, state and dates, the partner's name.
#[derive(Debug, Queryable)]
pub struct ReferralItem {
    pub id: String,
    pub case_id: String,
    pub status: ReferralStatus,
    pub follow_up_on: Option<NaiveDate>,
    pub last_transition_at: NaiveDateTime,
    pub last_transition_on: NaiveDate,
    pub school_id: String,
    pub school_name: String,
    pub partner_name: String,
}

/// Referrals of cases at the schools that are overdue on `today` (the rule of
/// `ReferralRow::overdue`) or that the partner answered since `answered_since`.
pub fn referrals(
    conn: &mut DbConn,
    schools_in: &[String],
    today: NaiveDate,
    answered_since: NaiveDateTime,
) -> QueryResult<Vec<ReferralItem>> {
    let open: Vec<&str> = ReferralStatus::OPEN_AT_PARTNER
        .iter()
        .map(|s| s.as_str())
        .collect();
    let answered: Vec<&str> = [
        ReferralStatus::Accepted,
        ReferralStatus::Declined,
        ReferralStatus::InProgress,
        ReferralStatus::OnHold,
        ReferralStatus::Completed,
        ReferralStatus::Failed,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    referrals::table
        .inner_join(cases::table.on(cases::id.eq(referrals::case_id)))
        .inner_join(schools::table.on(schools::id.eq(cases::school_id)))
        .inner_join(partners::table.on(partners::id.eq(referrals::partner_id)))
        .filter(cases::school_id.eq_any(schools_in.to_vec()))
        .filter(
            referrals::status
                .eq_any(open)
                .and(referrals::follow_up_on.lt(today))
                .and(
                    referrals::last_transition_on
                        .nullable()
                        .le(referrals::follow_up_on),
                )
                .or(referrals::status
                    .eq_any(answered)
                    .and(referrals::last_transition_at.ge(answered_since))
                    .nullable()),
        )
        .select((
            referrals::id,
            referrals::case_id,
            referrals::status,
            referrals::follow_up_on,
            referrals::last_transition_at,
            referrals::last_transition_on,
            cases::school_id,
            schools::name,
            partners::name,
        ))
        .order((referrals::last_transition_at.desc(), referrals::id))
        .load(conn)
}

/// A case whose follow-up day has come: id, reference, school, school name, status,
/// follow-up day, last change.
pub type FollowUp = (
    String,
    String,
    String,
    String,
    String,
    NaiveDate,
    NaiveDateTime,
);

/// Open cases of the schools whose follow-up day is `today` or before.
pub fn follow_ups_due(
    conn: &mut DbConn,
    schools_in: &[String],
    today: NaiveDate,
) -> QueryResult<Vec<FollowUp>> {
    cases::table
        .inner_join(schools::table)
        .filter(cases::school_id.eq_any(schools_in.to_vec()))
        .filter(cases::status.ne("closed"))
        .filter(cases::follow_up_on.le(today))
        .select((
            cases::id,
            cases::reference,
            cases::school_id,
            schools::name,
            cases::status,
            cases::follow_up_on.assume_not_null(),
            cases::updated_at,
        ))
        .order((cases::follow_up_on, cases::id))
        .load(conn)
}

/// Feedback on a case: case id, reference, written at, the consent it was written under.
pub type Feedback = (String, String, NaiveDateTime, Option<String>);

/// Cases the school raised with feedback written since `since` (the school reads it only
/// while the consent it was written under is live).
pub fn feedback_since(
    conn: &mut DbConn,
    school_id: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<Feedback>> {
    cases::table
        .filter(cases::school_id.eq(school_id))
        .filter(cases::origin.eq_any(crate::domain::case::CaseOrigin::RAISED_BY_SCHOOL))
        .filter(cases::erased_at.is_null())
        .filter(cases::feedback_at.ge(since))
        .select((
            cases::id,
            cases::reference,
            cases::feedback_at.assume_not_null(),
            cases::feedback_consent_id,
        ))
        .order(cases::feedback_at.desc())
        .load(conn)
}

/// Active schools without a current assignment of `mode` on `day`: id, name, network name,
/// and since when (the end of the last such assignment, or the school's creation).
pub fn schools_without(
    conn: &mut DbConn,
    mode: &str,
    day: NaiveDate,
) -> QueryResult<Vec<(String, String, String, NaiveDateTime)>> {
    let with = assignments::table
        .filter(assignments::mode.eq(mode.to_string()))
        .filter(assignments::valid_from.le(day))
        .filter(
            assignments::valid_to
                .is_null()
                .or(assignments::valid_to.ge(day)),
        )
        .select(assignments::school_id);
    let rows: Vec<(String, String, String, NaiveDateTime)> = schools::table
        .inner_join(networks::table)
        .filter(schools::active.eq(true))
        .filter(schools::id.ne_all(with))
        .select((
            schools::id,
            schools::name,
            networks::name,
            schools::created_at,
        ))
        .order((networks::name, schools::name, schools::id))
        .load(conn)?;
    // Since when: the day after the last such assignment ended, where there was one.
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let ended: Vec<(String, Option<NaiveDate>)> = assignments::table
        .filter(assignments::mode.eq(mode.to_string()))
        .filter(assignments::school_id.eq_any(ids))
        .filter(assignments::valid_to.lt(day))
        .select((assignments::school_id, assignments::valid_to))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, network, created)| {
            let last_end = ended
                .iter()
                .filter(|(s, _)| *s == id)
                .filter_map(|(_, e)| *e)
                .max()
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0));
            let since = last_end.map_or(created, |e| e.max(created));
            (id, name, network, since)
        })
        .collect())
}

/// Overdue referrals of a network: network id, name, how many, the earliest follow-up day.
pub type OverdueInNetwork = (String, String, i64, Option<NaiveDate>);

/// Overdue referrals on `today` per network.
pub fn overdue_referrals_per_network(
    conn: &mut DbConn,
    today: NaiveDate,
) -> QueryResult<Vec<OverdueInNetwork>> {
    let open: Vec<&str> = ReferralStatus::OPEN_AT_PARTNER
        .iter()
        .map(|s| s.as_str())
        .collect();
    referrals::table
        .inner_join(cases::table.on(cases::id.eq(referrals::case_id)))
        .inner_join(schools::table.on(schools::id.eq(cases::school_id)))
        .inner_join(networks::table.on(networks::id.eq(schools::network_id)))
        .filter(referrals::status.eq_any(open))
        .filter(referrals::follow_up_on.lt(today))
        .filter(
            referrals::last_transition_on
                .nullable()
                .le(referrals::follow_up_on),
        )
        .group_by((networks::id, networks::name))
        .select((
            networks::id,
            networks::name,
            count_star(),
            min(referrals::follow_up_on),
        ))
        .order(networks::name)
        .load(conn)
}

/// A worker's current assignments, for their load: worker id, name, capacity (hours a week),
/// and each assignment's mode with its weekly slot.
pub struct WorkerLoad {
    pub worker_id: String,
    pub display_name: String,
    pub capacity_hours: i32,
    pub assignments: Vec<(String, Option<NaiveTime>, Option<NaiveTime>)>,
}

/// Active social workers with a capacity, with their assignments valid on `day`.
pub fn worker_loads(conn: &mut DbConn, day: NaiveDate) -> QueryResult<Vec<WorkerLoad>> {
    let rows: Vec<(String, String, Option<i32>)> = users::table
        .filter(users::role.eq(crate::domain::Role::SocialWorker.as_str()))
        .filter(users::active.eq(true))
        .filter(users::weekly_capacity_hours.is_not_null())
        .select((users::id, users::display_name, users::weekly_capacity_hours))
        .order((users::display_name, users::id))
        .load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let held: Vec<(String, String, Option<NaiveTime>, Option<NaiveTime>)> = assignments::table
        .filter(assignments::worker_id.eq_any(ids))
        .filter(assignments::valid_from.le(day))
        .filter(
            assignments::valid_to
                .is_null()
                .or(assignments::valid_to.ge(day)),
        )
        .select((
            assignments::worker_id,
            assignments::mode,
            assignments::start_time,
            assignments::end_time,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, capacity)| {
            Some(WorkerLoad {
                assignments: held
                    .iter()
                    .filter(|h| h.0 == id)
                    .map(|h| (h.1.clone(), h.2, h.3))
                    .collect(),
                worker_id: id,
                display_name: name,
                capacity_hours: capacity?,
            })
        })
        .collect())
}
