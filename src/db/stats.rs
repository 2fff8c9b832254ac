//! Aggregate queries for the statistics: counts grouped in the database, never rows of people.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{case_themes, cases, checklist_submissions, schools};
use crate::domain::ids::SchoolId;

/// Which cases (or submissions) a statistic counts: a period and a set of schools.
#[derive(Debug, Clone, Default)]
pub struct StatScope {
    /// `None`: every school (the coordinator); otherwise only these.
    pub school_ids: Option<Vec<SchoolId>>,
    pub network_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub before: Option<NaiveDateTime>,
    /// The caller is the school account these figures are about: its own submissions and the
    /// cases it raised are its to see, so they are not suppressed (see `api::stats`).
    pub own_signals: bool,
    /// Only cases with this theme (a group of `group_by=theme`).
    pub theme: Option<String>,
    /// Only referrals to these partner organisations (a partner account's own and those below
    /// it); `None`: any.
    pub partner_ids: Option<Vec<String>>,
}

/// Applies the scope to a boxed query: `$school` and `$at` are the columns holding the school
/// and the date the period is about; `$ids` selects the network's school ids (typed to match).
macro_rules! scoped {
    ($q:expr, $s:expr, $school:expr, $at:expr, $ids:expr) => {{
        let mut q = $q;
        if let Some(ids) = &$s.school_ids {
            q = q.filter($school.eq_any(ids.clone()));
        }
        if let Some(n) = &$s.network_id {
            q = q.filter(
                $school.eq_any(
                    schools::table
                        .filter(schools::network_id.eq(n.clone()))
                        .select($ids),
                ),
            );
        }
        if let Some(f) = $s.from {
            q = q.filter($at.ge(f));
        }
        if let Some(b) = $s.before {
            q = q.filter($at.lt(b));
        }
        q
    }};
}

/// The scope over `cases`, by opening date.
macro_rules! case_scope {
    ($q:expr, $s:expr) => {{
        let mut q = scoped!($q, $s, cases::school_id, cases::opened_at, schools::id);
        if let Some(t) = &$s.theme {
            q = q.filter(
                cases::id.eq_any(
                    case_themes::table
                        .filter(case_themes::theme_code.eq(t.clone()))
                        .select(case_themes::case_id),
                ),
            );
        }
        q
    }};
}

diesel::alias!(case_themes as with_theme: WithTheme);

fn grouped<C>(rows: QueryResult<Vec<(C, i64)>>) -> QueryResult<Vec<(String, i64)>>
where
    C: Into<Option<String>>,
{
    rows.map(|r| {
        r.into_iter()
            .map(|(k, n)| (k.into().unwrap_or_else(|| "unknown".into()), n))
            .collect()
    })
}

/// One group of cases that share status, origin, outcome, whether the family was known to the
/// OCMW and the days to first contact, with its size.
pub type ProfileRow = (
    String,
    String,
    Option<String>,
    Option<bool>,
    Option<i32>,
    i64,
);

/// Every case figure but the themes, in one pass over the cases in scope: grouped by status,
/// origin, outcome, known_to_ocmw and first_contact_days (a few thousand groups at most, summed
/// per figure by the caller), instead of one scan per figure.
pub fn case_profile(conn: &mut DbConn, s: &StatScope) -> QueryResult<Vec<ProfileRow>> {
    let q = case_scope!(
        cases::table
            .group_by((
                cases::status,
                cases::origin,
                cases::outcome,
                cases::known_to_ocmw,
                cases::first_contact_days,
            ))
            .select((
                cases::status,
                cases::origin,
                cases::outcome,
                cases::known_to_ocmw,
                cases::first_contact_days,
                count_star(),
            ))
            .into_boxed(),
        s
    );
    q.load(conn)
}

/// Cases per theme (a case with two themes counts for both), from the theme rows alone: they
/// carry their case's opening time and school, so only the period's part of
/// `case_themes_opened` is read. With `raised_only`, only the cases a school raised itself
/// (checklist, school request).
pub fn cases_by_theme(
    conn: &mut DbConn,
    s: &StatScope,
    raised_only: bool,
) -> QueryResult<Vec<(String, i64)>> {
    let mut q = case_themes::table
        .group_by(case_themes::theme_code)
        .select((case_themes::theme_code, count_star()))
        .into_boxed();
    if raised_only {
        let raised = cases::table
            .filter(cases::origin.eq_any(crate::domain::case::CaseOrigin::RAISED_BY_SCHOOL))
            .select(cases::id);
        q = q.filter(case_themes::case_id.eq_any(raised));
    }
    if let Some(t) = &s.theme {
        // The themes that come with `t`: every theme of the cases that have it.
        let ids = with_theme
            .filter(with_theme.field(case_themes::theme_code).eq(t.clone()))
            .select(with_theme.field(case_themes::case_id));
        q = q.filter(case_themes::case_id.eq_any(ids));
    }
    let q = scoped!(
        q,
        s,
        case_themes::school_id,
        case_themes::opened_at,
        schools::id.nullable()
    );
    grouped(q.load::<(String, i64)>(conn))
}

/// Checklist submissions by status, within the same kind of scope (by submission date).
pub fn submissions_by_status(conn: &mut DbConn, s: &StatScope) -> QueryResult<Vec<(String, i64)>> {
    let q = scoped!(
        checklist_submissions::table
            .group_by(checklist_submissions::status)
            .select((checklist_submissions::status, count_star()))
            .into_boxed(),
        s,
        checklist_submissions::school_id,
        checklist_submissions::submitted_at,
        schools::id
    );
    q.load::<(String, i64)>(conn)
}

/// Office-hours sessions logged as held in the period, with their number of contacts each.
pub fn office_hours_held(conn: &mut DbConn, s: &StatScope) -> QueryResult<Vec<i32>> {
    use super::schema::{assignments, office_hour_logs};
    let mut q = office_hour_logs::table
        .inner_join(assignments::table)
        .select(office_hour_logs::contacts)
        .into_boxed();
    if let Some(ids) = &s.school_ids {
        q = q.filter(assignments::school_id.eq_any(ids.clone()));
    }
    if let Some(n) = &s.network_id {
        q = q.filter(
            assignments::school_id.eq_any(
                schools::table
                    .filter(schools::network_id.eq(n.clone()))
                    .select(schools::id),
            ),
        );
    }
    if let Some(f) = s.from {
        q = q.filter(office_hour_logs::session_date.ge(f.date()));
    }
    if let Some(b) = s.before {
        q = q.filter(office_hour_logs::session_date.lt(b.date()));
    }
    q.load(conn)
}

/// Consult requests made in the period, by status.
pub fn consults_by_status(conn: &mut DbConn, s: &StatScope) -> QueryResult<Vec<(String, i64)>> {
    use super::schema::consult_requests;
    let mut q = consult_requests::table
        .group_by(consult_requests::status)
        .select((consult_requests::status, count_star()))
        .into_boxed();
    if let Some(ids) = &s.school_ids {
        q = q.filter(consult_requests::school_id.eq_any(ids.clone()));
    }
    if let Some(n) = &s.network_id {
        q = q.filter(
            consult_requests::school_id.eq_any(
                schools::table
                    .filter(schools::network_id.eq(n.clone()))
                    .select(schools::id),
            ),
        );
    }
    if let Some(f) = s.from {
        q = q.filter(consult_requests::created_at.ge(f));
    }
    if let Some(b) = s.before {
        q = q.filter(consult_requests::created_at.lt(b));
    }
    q.load(conn)
}

/// The networks of these schools (every network when `None`), as (id, name), by name.
pub fn networks_of(
    conn: &mut DbConn,
    school_ids: Option<&[SchoolId]>,
) -> QueryResult<Vec<(String, String)>> {
    use super::schema::networks;
    let mut q = networks::table
        .select((networks::id, networks::name))
        .order((networks::name, networks::id))
        .into_boxed();
    if let Some(ids) = school_ids {
        q = q.filter(
            networks::id.eq_any(
                schools::table
                    .filter(schools::id.eq_any(ids.to_vec()))
                    .select(schools::network_id),
            ),
        );
    }
    q.load(conn)
}

/// These schools (every school when `None`), optionally of one network, as (id, name), by name.
pub fn schools_in(
    conn: &mut DbConn,
    school_ids: Option<&[SchoolId]>,
    network_id: Option<&str>,
) -> QueryResult<Vec<(String, String)>> {
    let mut q = schools::table
        .select((schools::id, schools::name))
        .order((schools::name, schools::id))
        .into_boxed();
    if let Some(ids) = school_ids {
        q = q.filter(schools::id.eq_any(ids.to_vec()));
    }
    if let Some(n) = network_id {
        q = q.filter(schools::network_id.eq(n.to_string()));
    }
    q.load(conn)
}

/// When the first case in scope was opened (the start of an open-ended period).
pub fn first_opened(conn: &mut DbConn, s: &StatScope) -> QueryResult<Option<NaiveDateTime>> {
    let q = case_scope!(
        cases::table
            .select(diesel::dsl::min(cases::opened_at))
            .into_boxed(),
        s
    );
    q.first(conn)
}
