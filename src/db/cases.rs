//! Cases and what hangs on them (themes, needs, contact moments, consents): rows and queries.
//! Every read that serves a caller goes through a `CaseScope`, so a case outside the caller's
//! reach is simply not found.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    case_consents, case_contact_history, case_contacts, case_counters, case_need_history,
    case_needs, case_themes, cases, users,
};
use super::{Backend, DbConn};
use crate::domain::case::{
    CaseOrigin, CaseOutcome, CasePriority, CaseStatus, ConsentGivenBy, ConsentKind, ConsentMethod,
    ContactKind, NeedRaisedBy, NeedState,
};
use crate::domain::ids::{CaseId, SchoolId, SubmissionId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cases, treat_none_as_null = true)]
pub struct CaseRow {
    pub id: CaseId,
    pub reference: String,
    pub school_id: SchoolId,
    pub origin: CaseOrigin,
    pub priority: CasePriority,
    pub known_to_ocmw: Option<bool>,
    pub status: CaseStatus,
    pub outcome: Option<CaseOutcome>,
    pub outcome_note: Option<String>,
    pub lead_worker_id: Option<UserId>,
    pub opened_at: NaiveDateTime,
    pub first_contact_at: Option<NaiveDateTime>,
    pub first_contact_days: Option<i32>,
    pub closed_at: Option<NaiveDateTime>,
    pub pupil_pseudonym: Option<String>,
    pub pupil_birth_year: Option<i32>,
    pub pupil_class: Option<String>,
    pub question: Option<String>,
    pub family_name: Option<String>,
    pub family_phone: Option<String>,
    pub family_language: Option<String>,
    pub interpreter_needed: Option<bool>,
    pub feedback_for_school: Option<String>,
    pub feedback_at: Option<NaiveDateTime>,
    pub submission_id: Option<SubmissionId>,
    pub erased_at: Option<NaiveDateTime>,
    pub erasure_reason: Option<String>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The `share_with_school` consent the feedback was written under: the school reads the
    /// feedback only while that consent is live.
    pub feedback_consent_id: Option<String>,
    /// When the worker means to look at the case again.
    pub follow_up_on: Option<chrono::NaiveDate>,
}

/// A case with the names its views show beside it: school name, network, lead worker's name.
#[derive(Debug, Clone, Queryable)]
pub struct CaseListRow {
    pub case: CaseRow,
    pub school_name: String,
    pub network_id: String,
    pub lead_worker_name: Option<String>,
    /// The case's theme codes separated by spaces (`None`: no theme).
    pub themes: Option<String>,
}

impl CaseListRow {
    /// The case's theme codes, sorted.
    pub fn theme_codes(&self) -> Vec<String> {
        sorted_codes(self.themes.as_deref())
    }
}

/// The columns of a case that its list views show (the worker's, the school's and the
/// coordinator's): a page of cases reads no question, family contact, outcome note or erasure
/// data, which only the worker's view of one case shows. Each view reads only its own of these
/// (`item_columns!`, in the order of these fields).
#[derive(Debug, Clone, Queryable)]
pub struct CaseItem {
    pub id: CaseId,
    pub reference: String,
    pub school_id: SchoolId,
    pub origin: CaseOrigin,
    pub priority: CasePriority,
    pub known_to_ocmw: Option<bool>,
    pub status: CaseStatus,
    pub outcome: Option<CaseOutcome>,
    pub lead_worker_id: Option<UserId>,
    pub opened_at: NaiveDateTime,
    pub first_contact_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub pupil_pseudonym: Option<String>,
    pub pupil_birth_year: Option<i32>,
    pub pupil_class: Option<String>,
    pub feedback_for_school: Option<String>,
    pub submission_id: Option<SubmissionId>,
    pub updated_at: NaiveDateTime,
    pub feedback_consent_id: Option<String>,
}

/// A case as its lists show it, with the names beside it (as `CaseListRow`).
#[derive(Debug, Clone, Queryable)]
pub struct CaseListItem {
    pub case: CaseItem,
    pub school_name: String,
    pub network_id: String,
    pub lead_worker_name: Option<String>,
    /// The case's theme codes separated by spaces (`None`: no theme).
    pub themes: Option<String>,
}

impl CaseListItem {
    /// The case's theme codes, sorted.
    pub fn theme_codes(&self) -> Vec<String> {
        sorted_codes(self.themes.as_deref())
    }
}

impl From<&CaseListRow> for CaseListItem {
    fn from(r: &CaseListRow) -> Self {
        let c = &r.case;
        CaseListItem {
            case: CaseItem {
                id: c.id.clone(),
                reference: c.reference.clone(),
                school_id: c.school_id.clone(),
                origin: c.origin,
                priority: c.priority,
                known_to_ocmw: c.known_to_ocmw,
                status: c.status,
                outcome: c.outcome,
                lead_worker_id: c.lead_worker_id.clone(),
                opened_at: c.opened_at,
                first_contact_at: c.first_contact_at,
                closed_at: c.closed_at,
                pupil_pseudonym: c.pupil_pseudonym.clone(),
                pupil_birth_year: c.pupil_birth_year,
                pupil_class: c.pupil_class.clone(),
                feedback_for_school: c.feedback_for_school.clone(),
                submission_id: c.submission_id.clone(),
                updated_at: c.updated_at,
                feedback_consent_id: c.feedback_consent_id.clone(),
            },
            school_name: r.school_name.clone(),
            network_id: r.network_id.clone(),
            lead_worker_name: r.lead_worker_name.clone(),
            themes: r.themes.clone(),
        }
    }
}

fn sorted_codes(themes: Option<&str>) -> Vec<String> {
    let mut codes: Vec<String> = themes
        .unwrap_or("")
        .split_whitespace()
        .map(String::from)
        .collect();
    codes.sort_unstable();
    codes
}

/// Whose cases a caller may see.
#[derive(Debug, Clone)]
pub enum CaseScope {
    /// The coordinator: every case (the API shows metadata only).
    All,
    /// A social worker: cases of the schools they are assigned to now (the viewer's schools).
    Schools(Vec<SchoolId>),
    /// A school account: the cases its school raised (checklist, school request).
    SchoolRaised { school_id: SchoolId },
    /// A partner account: no case at all; the referrals sent (never drafts) to these
    /// organisations (its own and those below it).
    Partner { partners: Vec<String> },
}

/// Restricts a boxed query on `cases` (alone or joined) to a scope. One macro for every query
/// that reaches cases (cases, referrals): the scope cannot be written differently twice.
macro_rules! scoped {
    ($q:expr, $scope:expr) => {{
        let q = $q;
        match $scope {
            CaseScope::All => q,
            CaseScope::Schools(schools) => q.filter(cases::school_id.eq_any(schools.clone())),
            CaseScope::SchoolRaised { school_id } => q
                .filter(cases::school_id.eq(school_id.clone()))
                .filter(cases::origin.eq_any(crate::domain::case::CaseOrigin::RAISED_BY_SCHOOL)),
            // Cases are never a partner's; its referrals are scoped by `referral_scoped!`.
            CaseScope::Partner { .. } => q.filter(cases::id.eq_any(Vec::<String>::new())),
        }
    }};
}
pub(crate) use scoped;

/// A boxed list of cases (newest first) cut to the filter's opening window and to the cases
/// after the cursor `after` (the last row's opening time and id): the conditions every page of
/// cases carries, read as one set or merged per school (`newest_of_schools`).
macro_rules! opened_within {
    ($q:expr, $f:expr, $after:expr) => {{
        let mut q = $q;
        if let Some(from) = $f.opened_from {
            q = q.filter(cases::opened_at.ge(from));
        }
        if let Some(before) = $f.opened_before {
            q = q.filter(cases::opened_at.lt(before));
        }
        if let Some((at, id)) = $after {
            q = q.filter(
                cases::opened_at
                    .lt(at)
                    .or(cases::opened_at.eq(at).and(cases::id.lt(id))),
            );
        }
        q
    }};
}

#[derive(Debug, Default)]
pub struct CaseFilter {
    pub school_id: Option<String>,
    pub network_id: Option<String>,
    pub status: Option<String>,
    pub theme: Option<String>,
    pub origin: Option<String>,
    pub lead_worker_id: Option<String>,
    pub opened_from: Option<NaiveDateTime>,
    pub opened_before: Option<NaiveDateTime>,
    /// Only these cases (what a search found).
    pub ids: Option<Vec<String>>,
    /// Only the case with this reference (`KE-2026-00042`, already normalised).
    pub reference: Option<String>,
}

#[diesel::declare_sql_function]
extern "SQL" {
    /// The values joined with `delimiter`, in no particular order (PostgreSQL; SQLite 3.44+).
    #[aggregate]
    fn string_agg(
        expr: diesel::sql_types::Text,
        delimiter: diesel::sql_types::Text,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// What a case's views show beside it, in the statement of the case: the school's name and
/// network, the lead worker's name and the case's themes, all copies on the case row kept by
/// triggers (migrations 000230 and 000250), so no school, user or theme row is read. `case` is
/// the case's columns (`CaseRow`); a page of cases reads its view's (`item_columns!`).
fn with_names<S>(
    case: S,
) -> (
    S,
    cases::school_name,
    cases::school_network_id,
    cases::lead_worker_name,
    cases::themes,
) {
    (
        case,
        cases::school_name,
        cases::school_network_id,
        cases::lead_worker_name,
        cases::themes,
    )
}

/// Which columns of a case a page of cases reads: those its view shows (`CaseItem`), each
/// column another view shows replaced by a NULL of its type, so the statement neither reads
/// nor carries it. The coordinator's page reads no pupil; the school's no theme, outcome or
/// first contact; the worker's no feedback meant for the school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemView {
    /// The case team's summary (`CaseSummary`).
    CaseTeam,
    /// The coordinator's metadata (`CaseMetadata`).
    Metadata,
    /// The school's view of a case it raised (`SchoolCase`), with the feedback's consent.
    School,
}

/// A nullable column of `CaseItem` that a view reads (`read`), or a NULL of its SQL type `$st`
/// (`skip`).
macro_rules! read_or_null {
    (read, $col:expr, $st:ty) => {
        $col
    };
    (skip, $col:expr, $st:ty) => {
        Fixed::<diesel::sql_types::Nullable<$st>>::new("NULL")
    };
}

/// `with_names` of `CaseItem`'s columns in the order of its fields (it is loaded by position),
/// groups of them read or not: `ocmw` (known to the OCMW), `pupil` (pseudonym, class), `birth`
/// (birth year), `team` (outcome, lead worker, first contact, themes), `school` (feedback, its
/// consent, the submission).
macro_rules! item_columns {
    ($ocmw:ident, $pupil:ident, $birth:ident, $team:ident, $school:ident) => {
        (
            (
                cases::id,
                cases::reference,
                cases::school_id,
                cases::origin,
                cases::priority,
                read_or_null!($ocmw, cases::known_to_ocmw, diesel::sql_types::Bool),
                cases::status,
                read_or_null!($team, cases::outcome, diesel::sql_types::Text),
                read_or_null!($team, cases::lead_worker_id, diesel::sql_types::Text),
                cases::opened_at,
                read_or_null!($team, cases::first_contact_at, diesel::sql_types::Timestamp),
                cases::closed_at,
                read_or_null!($pupil, cases::pupil_pseudonym, diesel::sql_types::Text),
                read_or_null!($birth, cases::pupil_birth_year, diesel::sql_types::Integer),
                read_or_null!($pupil, cases::pupil_class, diesel::sql_types::Text),
                read_or_null!($school, cases::feedback_for_school, diesel::sql_types::Text),
                read_or_null!($school, cases::submission_id, diesel::sql_types::Text),
                cases::updated_at,
                read_or_null!($school, cases::feedback_consent_id, diesel::sql_types::Text),
            ),
            cases::school_name,
            cases::school_network_id,
            cases::lead_worker_name,
            read_or_null!($team, cases::themes, diesel::sql_types::Text),
        )
    };
}

/// A boxed statement of the cases a page shows to `view`, its columns as `item_columns!`.
macro_rules! case_items {
    ($view:expr) => {
        match $view {
            ItemView::CaseTeam => cases::table
                .select(item_columns!(skip, read, read, read, skip))
                .into_boxed(),
            ItemView::Metadata => cases::table
                .select(item_columns!(read, skip, skip, read, skip))
                .into_boxed(),
            ItemView::School => cases::table
                .select(item_columns!(skip, read, skip, skip, read))
                .into_boxed(),
        }
    };
}

/// The case with this id, if the scope reaches it.
pub fn find_scoped(conn: &mut DbConn, id: &str, scope: &CaseScope) -> QueryResult<CaseListRow> {
    let q = cases::table
        .filter(cases::id.eq(id.to_string()))
        .select(with_names(CaseRow::as_select()))
        .into_boxed();
    scoped!(q, scope).first(conn)
}

/// The case with this id, if the scope reaches it, with everything that hangs on it (see
/// `case_children`): one statement, the worker's view of a case being the most frequent audited
/// read.
pub fn find_scoped_with_children(
    conn: &mut DbConn,
    id: &str,
    scope: &CaseScope,
) -> QueryResult<(CaseListRow, super::case_children::Children)> {
    let [a, b, c, d, e] = super::case_children::columns_on_case(conn.backend());
    let list = Fixed::<diesel::sql_types::Nullable<diesel::sql_types::Text>>::new;
    let q = cases::table
        .filter(cases::id.eq(id.to_string()))
        .select((
            CaseRow::as_select(),
            cases::school_name,
            cases::school_network_id,
            cases::lead_worker_name,
            cases::themes,
            list(a),
            list(b),
            list(c),
            list(d),
            list(e),
        ))
        .into_boxed();
    type Found = (
        CaseRow,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let (case, school_name, network_id, lead_worker_name, themes, a, b, c, d, e): Found =
        scoped!(q, scope).first(conn)?;
    let row = CaseListRow {
        case,
        school_name,
        network_id,
        lead_worker_name,
        themes,
    };
    Ok((row, super::case_children::decode(id, (a, b, c, d, e))?))
}

/// SQL text of type `ST`, fixed per backend and binding nothing: a case's aggregated children
/// (see `case_children::columns_on_case`), a column a view does not read (`NULL`), a status
/// written into SQLite's statement. Unlike `dsl::sql`, which diesel never keeps in its statement
/// cache (a literal could hold anything), a statement with it is prepared and planned once per
/// connection and text.
#[derive(Debug, Clone)]
pub(crate) struct Fixed<ST> {
    sql: std::borrow::Cow<'static, str>,
    sql_type: std::marker::PhantomData<ST>,
}

impl<ST> Fixed<ST> {
    pub(crate) fn new(sql: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Fixed {
            sql: sql.into(),
            sql_type: std::marker::PhantomData,
        }
    }
}

impl<ST> Expression for Fixed<ST>
where
    ST: diesel::sql_types::SqlType + diesel::expression::TypedExpressionType,
{
    type SqlType = ST;
}

impl<ST, DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for Fixed<ST> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql(&self.sql);
        Ok(())
    }
}

// The text varies: the statement cache keys on it.
impl<ST> diesel::query_builder::QueryId for Fixed<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, GB> diesel::expression::ValidGrouping<GB> for Fixed<ST> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<ST, QS> diesel::AppearsOnTable<QS> for Fixed<ST> where Fixed<ST>: Expression {}
impl<ST, QS> diesel::SelectableExpression<QS> for Fixed<ST> where Fixed<ST>: Expression {}

/// What a search of cases compares, for the cases in `scope` whose personal data is kept.
#[derive(Debug, Queryable)]
pub struct SearchRow {
    pub id: String,
    pub pupil_pseudonym: Option<String>,
    pub family_name: Option<String>,
}

/// Every case of `scope` with the pseudonym and family name a search compares (a worker's
/// schools or a school's raised cases: a few thousand rows at most, folded in memory, since
/// accents and case must be ignored the same way on both backends).
pub fn search_rows(conn: &mut DbConn, scope: &CaseScope) -> QueryResult<Vec<SearchRow>> {
    let q = cases::table
        .filter(cases::erased_at.is_null())
        .select((cases::id, cases::pupil_pseudonym, cases::family_name))
        .into_boxed();
    scoped!(q, scope).load(conn)
}

/// The id of the case with `reference` in `scope`.
pub fn id_by_reference(
    conn: &mut DbConn,
    reference: &str,
    scope: &CaseScope,
) -> QueryResult<String> {
    let q = cases::table
        .filter(cases::reference.eq(reference.to_string()))
        .select(cases::id)
        .into_boxed();
    scoped!(q, scope).first(conn)
}

/// Schools a page is merged from at most (`newest_of_schools`); a scope with more is read as one
/// set: the statement grows with every school, and a worker has a handful.
const MERGED_SCHOOLS_MAX: usize = 32;

/// A page's schools are merged when they are at most this fraction of the city's (one in
/// twelve): the walk over the city's newest cases reads about a page divided by their share,
/// each merged school costs a branch to start. Measured with 8 schools (`benches/results/
/// 20261207-18*`): at a fifth of the city (100k cases) the walk took 2.7 times the reference's
/// CPU and the merge 3.1; at 2 % (1M) the walk 4.9 and the merge 3.1–3.3; so the two cost about
/// the same near 7 %.
const MERGED_SHARE_DIVISOR: i64 = 12;

/// Whether `n` schools are at most a twelfth of the city's (`MERGED_SHARE_DIVISOR`); one count
/// of `schools` (a few hundred rows), only for a page that could be merged.
fn few_of_the_city(conn: &mut DbConn, n: usize) -> QueryResult<bool> {
    use super::schema::schools;
    let city: i64 = schools::table.count().get_result(conn)?;
    Ok(i64::try_from(n)
        .unwrap_or(i64::MAX)
        .saturating_mul(MERGED_SHARE_DIVISOR)
        <= city)
}

/// A page of the cases of `schools` (two or more), newest first, for a filter with no condition
/// but a status and the opening window (PostgreSQL). Read as one set, the page walks every case
/// of the city newest first and keeps those of `schools`: for a worker's 8 schools among 400,
/// about 2,600 cases read for a page of 51 (`EXPLAIN ANALYZE` at 1M cases). Here each school's
/// newest cases are read in its own index (`cases_school_opened`, or
/// `cases_school_status_opened` with a status), whole rows, and merged: about one row read per
/// row shown, plus one per school, whatever share of the city the schools hold. (Merged as a
/// filter on the page's ids instead, the cases were looked up by key and sorted again, which
/// cost more than it saved where the schools are a fifth of the city.)
fn newest_of_schools(
    conn: &mut DbConn,
    view: ItemView,
    schools: &[String],
    f: &CaseFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<CaseListItem>> {
    let branches = schools
        .iter()
        .map(|school| {
            let mut b = case_items!(view)
                .filter(cases::school_id.eq(school.clone()))
                .order((cases::opened_at.desc(), cases::id.desc()));
            if let Some(s) = f.status.clone() {
                b = b.filter(cases::status.eq(s));
            }
            opened_within!(b, f, after.clone())
        })
        .collect();
    super::paged::MergedPage::new(branches, &["opened_at", "id"], limit + 1).load(conn)
}

/// Cases newest first (`opened_at`, then id, both descending), with the columns `view` shows;
/// `after` is the last row's key.
pub fn list(
    conn: &mut DbConn,
    scope: &CaseScope,
    view: ItemView,
    f: CaseFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<CaseListItem>> {
    let backend = conn.backend();
    let mut q = case_items!(view).order((cases::opened_at.desc(), cases::id.desc()));
    q = scoped!(q, scope);
    if let Some(s) = f.school_id.clone() {
        q = q.filter(cases::school_id.eq(s));
    }
    if let Some(n) = f.network_id.clone() {
        q = q.filter(cases::school_network_id.eq(n));
    }
    // With a theme, a status and a known set of schools (a worker's, or one asked for), the
    // cases come from the theme rows, which carry the case's school, status and opening time
    // (migration 000163): one index holds exactly the rows asked for, instead of every case of
    // the schools in that status checked for the theme. When every other condition can be put
    // on the theme rows too, they are cut to the page there, so a common status (`closed`)
    // reads one page of cases, not all of them.
    let schools: Option<Vec<String>> = match (scope, &f.school_id) {
        (CaseScope::Schools(v), None) => Some(v.iter().map(|s| s.to_string()).collect()),
        (CaseScope::Schools(v), Some(s)) => {
            Some(v.iter().map(|x| x.to_string()).filter(|x| x == s).collect())
        }
        (_, Some(s)) => Some(vec![s.clone()]),
        (CaseScope::All, None) => None,
        (CaseScope::SchoolRaised { school_id }, None) => Some(vec![school_id.to_string()]),
        (CaseScope::Partner { .. }, None) => Some(vec![]),
    };
    let by_theme_rows = f.theme.is_some() && f.status.is_some() && schools.is_some();
    // Cut to the page before the case rows are read only when no condition left for them can
    // drop a row of it (a search's ids and a reference are such conditions too).
    let cut_to_page = f.network_id.is_none()
        && f.origin.is_none()
        && f.lead_worker_id.is_none()
        && f.ids.is_none()
        && f.reference.is_none()
        && !matches!(scope, CaseScope::SchoolRaised { .. });
    // A worker's page over a few schools of a large city, with no condition but a status and
    // the opening window, is merged from each school's own newest cases on PostgreSQL
    // (`newest_of_schools`).
    if let Some(schools) = schools.as_ref().filter(|v| {
        backend == Backend::Postgres
            && cut_to_page
            && f.theme.is_none()
            && (2..=MERGED_SCHOOLS_MAX).contains(&v.len())
    }) && few_of_the_city(conn, schools.len())?
    {
        return newest_of_schools(conn, view, schools, &f, after, limit);
    }
    if let (true, Some(theme), Some(status), Some(schools)) =
        (by_theme_rows, &f.theme, &f.status, schools)
    {
        // Conditions not asked for hold for every row: the statement keeps one shape.
        // (Years 1 and 9999: SQLite compares timestamps as text, which a sign would upset.)
        let first = chrono::NaiveDate::from_ymd_opt(1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        let last =
            chrono::NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59));
        let (first, last) = (first.unwrap_or_default(), last.unwrap_or_default());
        let (from, before) = (
            f.opened_from.unwrap_or(first),
            f.opened_before.unwrap_or(last),
        );
        let (at, id) = after.clone().unwrap_or((last, String::new()));
        let rows = case_themes::table
            .filter(case_themes::school_id.eq_any(schools))
            .filter(case_themes::theme_code.eq(theme.clone()))
            .filter(case_themes::status.eq(status.clone()))
            .filter(case_themes::opened_at.ge(from))
            .filter(case_themes::opened_at.lt(before))
            .filter(
                case_themes::opened_at.lt(at).or(case_themes::opened_at
                    .eq(at)
                    .and(case_themes::case_id.lt(id))),
            )
            .select(case_themes::case_id)
            .order((case_themes::opened_at.desc(), case_themes::case_id.desc()))
            .limit(if cut_to_page { limit + 1 } else { i64::MAX });
        q = q.filter(cases::id.eq_any(rows));
    }
    if let Some(s) = f.status.filter(|_| !by_theme_rows) {
        let code = CaseStatus::parse(&s);
        q = match code {
            // On SQLite the status is written into the statement, not bound: one cached
            // statement per status (`Fixed`; with a `sql` literal it was prepared again on
            // every call), planned knowing how rare it is (`in_progress` is a few per
            // cent of a city's cases, `closed` most of them); SQLite plans bound values blind
            // (see .cargo/config.toml). PostgreSQL plans each execution with the value bound.
            Some(code) if backend == Backend::Sqlite => {
                q.filter(
                    cases::status.eq(Fixed::<diesel::sql_types::Text>::new(format!(
                        "'{}'",
                        code.as_str()
                    ))),
                )
            }
            _ => q.filter(cases::status.eq(s)),
        };
    }
    if let Some(o) = f.origin {
        q = q.filter(cases::origin.eq(o));
    }
    if let Some(ids) = f.ids {
        q = q.filter(cases::id.eq_any(ids));
    }
    if let Some(r) = f.reference {
        q = q.filter(cases::reference.eq(r));
    }
    if let Some(w) = f.lead_worker_id {
        q = q.filter(cases::lead_worker_id.eq(w));
    }
    if let Some(t) = f.theme.filter(|_| !by_theme_rows) {
        // A correlated EXISTS: each candidate case is checked by the primary key of
        // case_themes, instead of first collecting every case of the city with that theme.
        q = q.filter(diesel::dsl::exists(
            case_themes::table
                .filter(case_themes::case_id.eq(cases::id))
                .filter(case_themes::theme_code.eq(t)),
        ));
    }
    q = opened_within!(q, f, after);
    super::paged::Paged::new(q, limit + 1).load(conn)
}

/// The next reference of `year`: `KE-2026-00042`. The counter row is created if missing
/// (`ON CONFLICT DO NOTHING` is the same on both backends), then incremented under the row lock
/// (PostgreSQL) or the write lock (SQLite), so concurrent creations never share a number.
pub fn next_reference(conn: &mut DbConn, year: i32) -> QueryResult<String> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(&format!(
        "INSERT INTO case_counters (year, last) VALUES ({year}, 0) ON CONFLICT (year) DO NOTHING"
    ))?;
    diesel::update(case_counters::table.find(year))
        .set(case_counters::last.eq(case_counters::last + 1))
        .execute(conn)?;
    let n: i32 = case_counters::table
        .find(year)
        .select(case_counters::last)
        .first(conn)?;
    Ok(format!("KE-{year}-{n:05}"))
}

pub fn insert(conn: &mut DbConn, row: &CaseRow, themes: &[String]) -> QueryResult<()> {
    diesel::insert_into(cases::table)
        .values(row)
        .execute(conn)?;
    set_themes(conn, &row.id, themes)
}

/// Replaces a case's themes. Each theme row carries the case's opening time and school, which
/// the statistics count by.
pub fn set_themes(conn: &mut DbConn, case_id: &str, themes: &[String]) -> QueryResult<()> {
    diesel::delete(case_themes::table.filter(case_themes::case_id.eq(case_id))).execute(conn)?;
    if themes.is_empty() {
        return Ok(());
    }
    let (opened_at, school_id, status): (NaiveDateTime, String, String) = cases::table
        .find(case_id)
        .select((cases::opened_at, cases::school_id, cases::status))
        .first(conn)?;
    for t in themes {
        diesel::insert_into(case_themes::table)
            .values((
                case_themes::case_id.eq(case_id),
                case_themes::theme_code.eq(t),
                case_themes::opened_at.eq(opened_at),
                case_themes::school_id.eq(&school_id),
                case_themes::status.eq(&status),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Theme codes per case, for a page of cases in one query.
pub fn themes_of(conn: &mut DbConn, ids: &[String]) -> QueryResult<HashMap<String, Vec<String>>> {
    let rows: Vec<(String, String)> = case_themes::table
        .filter(case_themes::case_id.eq_any(ids))
        .order((case_themes::case_id, case_themes::theme_code))
        .select((case_themes::case_id, case_themes::theme_code))
        .load(conn)?;
    Ok(super::grouped(rows))
}

/// Marks the case changed (new ETag) at `at`.
pub fn touch(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set(cases::updated_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_needs)]
pub struct NeedRow {
    pub id: String,
    pub case_id: String,
    pub text: Option<String>,
    pub theme_code: Option<String>,
    pub raised_by: NeedRaisedBy,
    pub author_id: String,
    pub created_at: NaiveDateTime,
    pub state: NeedState,
    pub updated_at: NaiveDateTime,
}

/// What a need said before one change, and who changed it, when and why.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_need_history)]
pub struct NeedHistoryRow {
    pub id: String,
    pub need_id: String,
    pub case_id: String,
    pub text: Option<String>,
    pub theme_code: Option<String>,
    pub raised_by: NeedRaisedBy,
    pub state: NeedState,
    pub reason: String,
    pub corrected_by: String,
    pub corrected_at: NaiveDateTime,
}

/// What a contact moment said before one correction, and who corrected it, when and why.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_contact_history)]
pub struct ContactHistoryRow {
    pub id: String,
    pub contact_id: String,
    pub case_id: String,
    pub occurred_at: NaiveDateTime,
    pub kind: ContactKind,
    pub summary: Option<String>,
    pub reason: String,
    pub corrected_by: String,
    pub corrected_at: NaiveDateTime,
}

/// One need of one case; another case's is `NotFound`.
pub fn find_need(conn: &mut DbConn, case_id: &str, id: &str) -> QueryResult<NeedRow> {
    case_needs::table
        .filter(case_needs::case_id.eq(case_id))
        .filter(case_needs::id.eq(id))
        .select(NeedRow::as_select())
        .first(conn)
}

/// One contact moment of one case, with its author's name; another case's is `NotFound`.
pub fn find_contact(
    conn: &mut DbConn,
    case_id: &str,
    id: &str,
) -> QueryResult<(ContactRow, String)> {
    case_contacts::table
        .inner_join(users::table.on(users::id.eq(case_contacts::author_id)))
        .filter(case_contacts::case_id.eq(case_id))
        .filter(case_contacts::id.eq(id))
        .select((ContactRow::as_select(), users::display_name))
        .first(conn)
}

/// Which earlier versions to read: of one record, or of every record of a case.
#[derive(Debug, Clone, Copy)]
pub enum HistoryOf<'a> {
    Record(&'a str),
    Case(&'a str),
}

/// Earlier versions of needs, oldest first, with the name of who changed them.
pub fn need_history(
    conn: &mut DbConn,
    of: HistoryOf<'_>,
) -> QueryResult<Vec<(NeedHistoryRow, String)>> {
    let q = case_need_history::table
        .inner_join(users::table.on(users::id.eq(case_need_history::corrected_by)))
        .order((case_need_history::corrected_at, case_need_history::id))
        .select((NeedHistoryRow::as_select(), users::display_name))
        .into_boxed();
    match of {
        HistoryOf::Record(id) => q.filter(case_need_history::need_id.eq(id.to_string())),
        HistoryOf::Case(id) => q.filter(case_need_history::case_id.eq(id.to_string())),
    }
    .load(conn)
}

/// Earlier versions of contact moments, oldest first, with the name of who corrected them.
pub fn contact_history(
    conn: &mut DbConn,
    of: HistoryOf<'_>,
) -> QueryResult<Vec<(ContactHistoryRow, String)>> {
    let q = case_contact_history::table
        .inner_join(users::table.on(users::id.eq(case_contact_history::corrected_by)))
        .order((case_contact_history::corrected_at, case_contact_history::id))
        .select((ContactHistoryRow::as_select(), users::display_name))
        .into_boxed();
    match of {
        HistoryOf::Record(id) => q.filter(case_contact_history::contact_id.eq(id.to_string())),
        HistoryOf::Case(id) => q.filter(case_contact_history::case_id.eq(id.to_string())),
    }
    .load(conn)
}

/// Of these consent ids, the ones live at `at` (given, not withdrawn).
pub fn live_consents(
    conn: &mut DbConn,
    ids: &[String],
    at: NaiveDateTime,
) -> QueryResult<std::collections::HashSet<String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(case_consents::table
        .filter(case_consents::id.eq_any(ids))
        .filter(case_consents::given_at.le(at))
        .filter(
            case_consents::withdrawn_at
                .is_null()
                .or(case_consents::withdrawn_at.gt(at)),
        )
        .select(case_consents::id)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// The case's live `share_with_school` consent given last, if any: feedback is written under it.
pub fn live_share_consent(
    conn: &mut DbConn,
    case_id: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<String>> {
    super::optional(
        case_consents::table
            .filter(case_consents::case_id.eq(case_id))
            .filter(case_consents::kind.eq(ConsentKind::ShareWithSchool))
            .filter(case_consents::given_at.le(at))
            .filter(
                case_consents::withdrawn_at
                    .is_null()
                    .or(case_consents::withdrawn_at.gt(at)),
            )
            .order((case_consents::given_at.desc(), case_consents::id.desc()))
            .select(case_consents::id)
            .first(conn),
    )
}

pub fn needs(conn: &mut DbConn, case_id: &str) -> QueryResult<Vec<NeedRow>> {
    case_needs::table
        .filter(case_needs::case_id.eq(case_id))
        .order((case_needs::created_at, case_needs::id))
        .select(NeedRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_contacts)]
pub struct ContactRow {
    pub id: String,
    pub case_id: String,
    pub occurred_at: NaiveDateTime,
    pub kind: ContactKind,
    pub summary: Option<String>,
    pub author_id: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Contact moments, oldest first, with their author's name.
pub fn contacts(conn: &mut DbConn, case_id: &str) -> QueryResult<Vec<(ContactRow, String)>> {
    case_contacts::table
        .inner_join(users::table.on(users::id.eq(case_contacts::author_id)))
        .filter(case_contacts::case_id.eq(case_id))
        .order((case_contacts::occurred_at, case_contacts::id))
        .select((ContactRow::as_select(), users::display_name))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_consents, treat_none_as_null = true)]
pub struct ConsentRow {
    pub id: String,
    pub case_id: String,
    pub kind: ConsentKind,
    pub partner_id: Option<String>,
    pub given_by: ConsentGivenBy,
    pub method: ConsentMethod,
    pub given_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// For `refer_to_partner`: the family lets the partner see its contact data.
    pub share_contact_with_partner: bool,
}

pub fn consents(conn: &mut DbConn, case_id: &str) -> QueryResult<Vec<ConsentRow>> {
    case_consents::table
        .filter(case_consents::case_id.eq(case_id))
        .order((case_consents::given_at, case_consents::id))
        .select(ConsentRow::as_select())
        .load(conn)
}

pub fn find_consent(conn: &mut DbConn, case_id: &str, id: &str) -> QueryResult<ConsentRow> {
    case_consents::table
        .filter(case_consents::case_id.eq(case_id))
        .filter(case_consents::id.eq(id))
        .select(ConsentRow::as_select())
        .first(conn)
}

/// The cases among `ids` with a live (given, not withdrawn) consent of `kind`; for
/// `refer_to_partner`, `partner_id` narrows it to that partner.
pub fn with_live_consent(
    conn: &mut DbConn,
    ids: &[String],
    kind: &str,
    partner_id: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    let mut q = case_consents::table
        .filter(case_consents::case_id.eq_any(ids))
        .filter(case_consents::kind.eq(kind))
        .filter(case_consents::given_at.le(at))
        .filter(
            case_consents::withdrawn_at
                .is_null()
                .or(case_consents::withdrawn_at.gt(at)),
        )
        .select(case_consents::case_id)
        .distinct()
        .into_boxed();
    if let Some(p) = partner_id {
        q = q.filter(case_consents::partner_id.eq(p.to_string()));
    }
    q.load(conn)
}

/// The pupil pseudonyms of the cases of these schools (erased ones have none).
pub fn pseudonyms_of_schools(conn: &mut DbConn, school_ids: &[String]) -> QueryResult<Vec<String>> {
    cases::table
        .filter(cases::school_id.eq_any(school_ids))
        .filter(cases::pupil_pseudonym.is_not_null())
        .select(cases::pupil_pseudonym.assume_not_null())
        .distinct()
        .load(conn)
}
