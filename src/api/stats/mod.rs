//! Statistics: aggregates only, scoped by role (school: its own; worker: assigned schools;
//! coordinator: all), with small cells suppressed before they leave the system — including
//! cells that could be recovered by subtracting the shown ones from a shown total. Every
//! statistic is also available as CSV (`Accept: text/csv`) for the yearly report.
//!
//! The room also holds the referral figures per partner (`referrals`).

pub mod groups;
pub mod referrals;

use kinderen_eerst_macros::document_limits;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::csv_out::CsvDialect;
use crate::api::extract::ApiQuery;
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::DbConn;
use crate::db::stats::{self as repo, StatScope};
use crate::domain::case::{CaseOrigin, CaseOutcome, CaseStatus};
use crate::domain::ids::SchoolId;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;

/// A count that may be withheld: `value` is null when `suppressed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"value": 12, "suppressed": false}))]
pub struct Cell {
    pub value: Option<i64>,
    /// The count is below the threshold, or would let a withheld count be recomputed.
    pub suppressed: bool,
}

impl Cell {
    fn shown(n: i64) -> Cell {
        Cell {
            value: Some(n),
            suppressed: false,
        }
    }
    fn hidden() -> Cell {
        Cell {
            value: None,
            suppressed: true,
        }
    }
}

/// Suppresses a group of counts that add up to `total` (shown or not). Every count in
/// `1..threshold` is withheld; then, while the withheld counts could be recovered from a shown
/// total — a single one withheld, or together fewer than the threshold — the smallest shown
/// non-zero count is withheld too. When the total itself is small, everything is withheld, zeros
/// too: a zero beside a withheld small total says where the few are. When a total that is not
/// small is withheld (it was withheld beside others, in another group), every non-zero count is
/// withheld, or adding them up would give it back.
pub fn suppress_group(total: i64, counts: &[i64], threshold: i64, total_shown: bool) -> Vec<Cell> {
    let mut hidden: Vec<bool> = counts
        .iter()
        .map(|&n| threshold > 1 && n > 0 && n < threshold)
        .collect();
    withhold_recoverable(total, !total_shown, counts, &mut hidden, threshold);
    counts
        .iter()
        .zip(hidden)
        .map(|(&n, h)| if h { Cell::hidden() } else { Cell::shown(n) })
        .collect()
}

/// The rule of [`suppress_group`] applied to counts some of which are already withheld
/// (`hidden`, for whatever reason): withholds more of them until none of the withheld ones can
/// be recovered from the total. Grouped figures use it again across groups (see `groups`), so
/// a cell withheld in one group cannot be recomputed from the other groups and the overall
/// figure either.
pub(crate) fn withhold_recoverable(
    total: i64,
    total_hidden: bool,
    counts: &[i64],
    hidden: &mut [bool],
    threshold: i64,
) {
    if threshold <= 1 {
        return;
    }
    if total > 0 && total < threshold {
        hidden.iter_mut().for_each(|h| *h = true);
        return;
    }
    if total_hidden && total > 0 {
        for (h, &n) in hidden.iter_mut().zip(counts) {
            if n != 0 {
                *h = true;
            }
        }
        return;
    }
    loop {
        let withheld: Vec<i64> = counts
            .iter()
            .zip(hidden.iter())
            .filter(|(_, h)| **h)
            .map(|(n, _)| *n)
            .collect();
        let exposed = !withheld.is_empty()
            && (withheld.len() == 1 || withheld.iter().sum::<i64>() < threshold);
        if !exposed {
            break;
        }
        let next = counts
            .iter()
            .enumerate()
            .filter(|(i, n)| !hidden[*i] && **n > 0)
            .min_by_key(|(i, n)| (**n, *i))
            .map(|(i, _)| i);
        match next {
            Some(i) => hidden[i] = true,
            None => break,
        }
    }
}

/// A count of a part of a group (cases with one theme, cases with a first contact) that does not
/// add up with the other parts: withheld when it is small, when the rest of the group
/// (`total - n`) is small and the total is shown — subtracting would give the rest — and, zeros
/// too, when the whole group is small.
pub(crate) fn part(n: i64, total: i64, threshold: i64, total_shown: bool) -> Cell {
    let small = |k: i64| k > 0 && k < threshold;
    if threshold > 1 && (small(n) || small(total) || (total_shown && small(total - n))) {
        Cell::hidden()
    } else {
        Cell::shown(n)
    }
}

/// One count on its own: withheld when under the threshold.
pub(crate) fn single(n: i64, threshold: i64) -> Cell {
    if n > 0 && n < threshold {
        Cell::hidden()
    } else {
        Cell::shown(n)
    }
}

/// One category of a breakdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    /// A code (status, origin, outcome, theme, …).
    pub key: String,
    pub count: Cell,
}

/// Builds a breakdown over `keys` (every key listed, zeros included) of a group of `total`:
/// `additive` when the parts add up to it (statuses), otherwise parts that overlap (themes).
fn breakdown(
    keys: &[String],
    counts: &[(String, i64)],
    total: i64,
    threshold: i64,
    total_shown: bool,
    additive: bool,
) -> Vec<Count> {
    let by_key: BTreeMap<&str, i64> = counts.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    // The listed keys in their order, then any other key alphabetically: the same on every
    // backend, whatever order the database groups in.
    let mut all: Vec<String> = keys.to_vec();
    let mut extra: Vec<&String> = counts
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !keys.contains(k))
        .collect();
    extra.sort();
    extra.dedup();
    all.extend(extra.into_iter().cloned());
    let values: Vec<i64> = all
        .iter()
        .map(|k| by_key.get(k.as_str()).copied().unwrap_or(0))
        .collect();
    let cells = if additive {
        suppress_group(total, &values, threshold, total_shown)
    } else {
        values
            .iter()
            .map(|&n| part(n, total, threshold, total_shown))
            .collect()
    };
    all.into_iter()
        .zip(cells)
        .map(|(key, count)| Count { key, count })
        .collect()
}

fn codes<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|v| f(*v).to_string()).collect()
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First day of the period (opening date of cases, submission date of checklists). For a
    /// school account the period is always one whole calendar year: the year that holds `from`
    /// and `to` (both must fall in the same year, or 422), the current year when neither is
    /// given; the answer's `scope.period_from`/`period_to` say which.
    pub from: Option<NaiveDate>,
    /// Last day of the period (for a school account: see `from`).
    pub to: Option<NaiveDate>,
    /// Only schools of this network.
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
    /// Only this school (within the caller's own scope).
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// Withhold every count under this number. For roles other than coordinator the configured
    /// minimum (`STATS_SUPPRESS_BELOW`) applies even when a lower value is asked.
    #[validate(range(min = 0, max = 1000))]
    pub suppress_below: Option<i64>,
    /// The form of a CSV answer (`Accept: text/csv`): `nl_be` for Excel in a Belgian locale
    /// (`;`, decimal comma, UTF-8 BOM, Dutch column labels), `en` for `,`, `.` and English
    /// labels. Without it, `Accept-Language` decides: a first preference for Dutch (`nl`,
    /// `nl-BE`) gives `nl_be`, anything else (or nothing) `en`.
    #[param(inline)]
    pub dialect: Option<CsvDialect>,
    /// Adds the same figures per group (`groups`): per `network` or `school` in the caller's
    /// scope, per `theme` (case figures only; a case with two themes is in both groups) or per
    /// calendar `month` of the period (at most 120). Each group is suppressed like a whole
    /// answer, and a cell withheld in one group is also kept from being recomputed from the
    /// other groups and the overall figures, which may then withhold a few more cells there. In
    /// CSV the rows gain a first column `group` (the group's name; empty for the overall rows).
    #[param(inline)]
    pub group_by: Option<groups::GroupBy>,
}

/// The grid a statistic's period keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodGrid {
    /// The period as asked (coordinator, social worker: their figures hold only cases they may
    /// read anyway, or all of them).
    Free,
    /// One whole calendar year (a school account): two periods a school can ask for are the same
    /// year or different years, never one inside the other, so no subtraction isolates a few
    /// days or weeks of the cases it may not see.
    CalendarYear,
}

/// What a statistic covered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsScopeInfo {
    /// `from` as asked.
    pub from: Option<NaiveDate>,
    /// `to` as asked.
    pub to: Option<NaiveDate>,
    /// The first day actually counted (null: from the start).
    pub period_from: Option<NaiveDate>,
    /// The last day actually counted (null: up to now).
    pub period_to: Option<NaiveDate>,
    /// `calendar_year` when the period asked was widened to its calendar year.
    pub period_grid: PeriodGrid,
    #[schema(format = Uuid)]
    pub network: Option<String>,
    #[schema(format = Uuid)]
    pub school: Option<String>,
    /// Counts under this number are withheld.
    pub suppress_below: i64,
}

/// The calendar year a period on the year grid covers: the year of `from` and `to` (which must
/// be the same), or of `today` when neither is given.
fn calendar_year(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> ApiResult<i32> {
    use chrono::Datelike;
    match (from, to) {
        (Some(f), Some(t)) if f.year() != t.year() => {
            Err(ApiError::field("to", Code::SchoolStatsOneYear))
        }
        (Some(d), _) | (None, Some(d)) => Ok(d.year()),
        (None, None) => Ok(today.year()),
    }
}

/// Resolves the caller's scope: which schools, which period, which threshold.
fn resolve(
    user: &Viewer,
    q: &StatsQuery,
    default_threshold: i64,
) -> ApiResult<(StatScope, StatsScopeInfo)> {
    if let (Some(f), Some(t)) = (q.from, q.to)
        && f > t
    {
        return Err(ApiError::field(
            "to",
            crate::msg!(NotBefore, other = "from"),
        ));
    }
    // A partner's figures are about the referrals sent to its organisations, from any school;
    // which school or network they came from is not the partner's to narrow by.
    let partner_ids = user.partner_reach().map(<[String]>::to_vec);
    if partner_ids.is_some() {
        for (field, asked) in [
            ("school", q.school.is_some()),
            ("network", q.network.is_some()),
        ] {
            if asked {
                return Err(ApiError::field(field, Code::NotForPartners));
            }
        }
    }
    let school_ids = match &partner_ids {
        Some(_) => None,
        None => user.schools_narrowed(q.school.map(SchoolId::from)),
    };
    let threshold = user.suppress_below(q.suppress_below, default_threshold);
    // A school's figures hold cases it may not read (office hours, parent, worker): their
    // periods keep to the calendar-year grid. A worker's hold only cases of their schools, which
    // they read one by one anyway; the coordinator sees everything.
    let (own_signals, grid) = match user.sees() {
        Sees::School => (true, PeriodGrid::CalendarYear),
        Sees::Metadata | Sees::CaseTeam | Sees::Partner => (false, PeriodGrid::Free),
    };
    let (period_from, period_to) = match grid {
        PeriodGrid::Free => (q.from, q.to),
        PeriodGrid::CalendarYear => {
            let year = calendar_year(q.from, q.to, chrono::Utc::now().date_naive())?;
            (
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year, 12, 31),
            )
        }
    };
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0);
    Ok((
        StatScope {
            school_ids,
            network_id: q.network.map(|n| n.to_string()),
            from: period_from.and_then(midnight),
            before: period_to.and_then(|d| d.succ_opt()).and_then(midnight),
            own_signals,
            theme: None,
            partner_ids,
        },
        StatsScopeInfo {
            from: q.from,
            to: q.to,
            period_from,
            period_to,
            period_grid: grid,
            network: q.network.map(|n| n.to_string()),
            school: q.school.map(|s| s.to_string()),
            suppress_below: threshold,
        },
    ))
}

/// The programme's reach: families the OCMW did not know before.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reach {
    /// Cases of families already known to the OCMW.
    pub known: Cell,
    /// Cases of families the OCMW reached for the first time.
    pub new: Cell,
    /// Cases where it is not recorded.
    pub unknown: Cell,
    /// `new / (known + new)`, 0–1; null when either count is withheld or both are 0.
    pub share_new: Option<f64>,
}

/// Whole days from opening a case to the first contact with the family.
#[derive(Debug, Serialize, ToSchema)]
pub struct FirstContact {
    /// Cases with a first contact.
    pub cases: Cell,
    /// Median (nearest rank); null when withheld or there are none.
    pub median_days: Option<i32>,
    /// 90th percentile (nearest rank); null when withheld or there are none.
    pub p90_days: Option<i32>,
}

/// Nearest-rank percentile of a histogram of (value, count).
fn percentile(hist: &[(i32, i64)], p: f64) -> Option<i32> {
    let mut sorted = hist.to_vec();
    sorted.sort();
    let n: i64 = sorted.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return None;
    }
    let rank = ((p * n as f64).ceil() as i64).max(1);
    let mut seen = 0;
    for (v, c) in sorted {
        seen += c;
        if seen >= rank {
            return Some(v);
        }
    }
    None
}

/// Case figures for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseStats {
    pub scope: StatsScopeInfo,
    /// Cases opened in the period.
    pub total: Cell,
    pub by_status: Vec<Count>,
    pub by_origin: Vec<Count>,
    /// Closed cases by outcome (adds up to the `closed` status).
    pub by_outcome: Vec<Count>,
    /// Cases per theme; a case with several themes counts for each.
    pub by_theme: Vec<Count>,
    pub reach: Reach,
    pub first_contact: FirstContact,
    /// For a school account: the cases it raised itself, unsuppressed (null for other roles).
    pub raised_by_school: Option<RaisedCaseStats>,
    /// With `group_by`: the same figures per group, each suppressed like a whole answer and
    /// across the groups (see `group_by`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub groups: Option<Vec<groups::CaseGroup>>,
}

/// A school's own cases in its figures: those it raised (checklist, school request), which its
/// case view shows one by one anyway, so counted without suppression.
#[derive(Debug, Serialize, ToSchema)]
pub struct RaisedCaseStats {
    /// Cases the school raised, opened in the period.
    pub total: Cell,
    pub by_status: Vec<Count>,
    pub by_origin: Vec<Count>,
    pub by_outcome: Vec<Count>,
    pub by_theme: Vec<Count>,
}

/// The case figures. For a school account its own cases (those it raised) are not what
/// suppression protects: a cell is withheld only when the part of it the school may not see
/// (cases opened at office hours, by a parent or by a worker) would be withheld on its own, and
/// `raised_by_school` gives the school's own cases exactly. Subtracting the two reveals only what
/// the figures of the other cases show anyway.
///
/// Beside them come the same figures unsuppressed over the cases suppression protects (all of
/// them; for a school account those it may not see): the counts grouped figures protect across
/// their groups (see `groups`).
pub(crate) fn case_stats_with_raw(
    conn: &mut DbConn,
    s: &StatScope,
    info: StatsScopeInfo,
) -> ApiResult<(CaseStats, CaseStats)> {
    let t = info.suppress_below;
    let profile = repo::case_profile(conn, s)?;
    if !s.own_signals {
        let themes = repo::cases_by_theme(conn, s, false)?;
        let origins = codes(CaseOrigin::ALL, CaseOrigin::as_str);
        let raw = case_figures(profile.clone(), themes.clone(), &origins, 0, info.clone());
        return Ok((case_figures(profile, themes, &origins, t, info), raw));
    }
    let raised = |origin: &str| CaseOrigin::RAISED_BY_SCHOOL.contains(&origin);
    let all_themes = repo::cases_by_theme(conn, s, false)?;
    let own_themes = repo::cases_by_theme(conn, s, true)?;
    let other_themes: Vec<(String, i64)> = all_themes
        .iter()
        .map(|(k, n)| {
            let own = own_themes
                .iter()
                .find(|(o, _)| o == k)
                .map_or(0, |(_, m)| *m);
            (k.clone(), n - own)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let (own_p, other_p): (Vec<_>, Vec<_>) = profile.iter().cloned().partition(|r| raised(&r.1));
    let all_origins = codes(CaseOrigin::ALL, CaseOrigin::as_str);
    // The other cases never have an origin the school raises: those keys are zero by definition,
    // not a figure about them, so they leave the combined origins untouched.
    let other_origins: Vec<String> = all_origins.iter().filter(|o| !raised(o)).cloned().collect();
    let own_theme_keys: Vec<String> = own_themes.iter().map(|(k, _)| k.clone()).collect();
    let raw = case_figures(
        other_p.clone(),
        other_themes.clone(),
        &other_origins,
        0,
        info.clone(),
    );
    let others = case_figures(other_p, other_themes, &other_origins, t, info.clone());
    let own = case_figures(own_p, own_themes, &all_origins, 0, info.clone());
    let mut all = case_figures(profile, all_themes, &all_origins, 0, info);
    // When the other cases are too few to show, they are withheld whole: the theme list then
    // names only the school's own themes, or a theme of theirs would show by being listed.
    let others_withheld_whole = others.total.suppressed;
    if others_withheld_whole {
        all.by_theme.retain(|c| own_theme_keys.contains(&c.key));
    }
    let mask = |cell: Cell, other: Option<Cell>| match other {
        Some(o) if o.suppressed => Cell::hidden(),
        _ => cell,
    };
    let mask_list = |list: &mut Vec<Count>, other: &[Count]| {
        for c in list.iter_mut() {
            c.count = mask(
                c.count,
                other.iter().find(|o| o.key == c.key).map(|o| o.count),
            );
        }
    };
    all.total = mask(all.total, Some(others.total));
    mask_list(&mut all.by_status, &others.by_status);
    mask_list(&mut all.by_origin, &others.by_origin);
    mask_list(&mut all.by_outcome, &others.by_outcome);
    mask_list(&mut all.by_theme, &others.by_theme);
    if others_withheld_whole {
        for c in all.by_theme.iter_mut() {
            c.count = Cell::hidden();
        }
    }
    all.reach.known = mask(all.reach.known, Some(others.reach.known));
    all.reach.new = mask(all.reach.new, Some(others.reach.new));
    all.reach.unknown = mask(all.reach.unknown, Some(others.reach.unknown));
    all.reach.share_new = match (all.reach.known.value, all.reach.new.value) {
        (Some(k), Some(n)) if k + n > 0 => Some(n as f64 / (k + n) as f64),
        _ => None,
    };
    if others.first_contact.cases.suppressed {
        all.first_contact = FirstContact {
            cases: Cell::hidden(),
            median_days: None,
            p90_days: None,
        };
    }
    all.raised_by_school = Some(RaisedCaseStats {
        total: own.total,
        by_status: own.by_status,
        by_origin: own.by_origin,
        by_outcome: own.by_outcome,
        by_theme: own.by_theme,
    });
    Ok((all, raw))
}

/// The case figures of one set of cases, suppressed at `t`.
fn case_figures(
    profile: Vec<repo::ProfileRow>,
    themes: Vec<(String, i64)>,
    origins: &[String],
    t: i64,
    info: StatsScopeInfo,
) -> CaseStats {
    // One pass over the cases for every figure but the themes.
    let mut status: Vec<(String, i64)> = Vec::new();
    let mut origin: Vec<(String, i64)> = Vec::new();
    let mut outcome: Vec<(String, i64)> = Vec::new();
    let mut known_rows: Vec<(String, i64)> = Vec::new();
    let mut hist: Vec<(i32, i64)> = Vec::new();
    fn add<K: PartialEq>(v: &mut Vec<(K, i64)>, k: K, n: i64) {
        match v.iter_mut().find(|(x, _)| *x == k) {
            Some((_, m)) => *m += n,
            None => v.push((k, n)),
        }
    }
    for (st, or, out, known, days, n) in profile {
        add(&mut status, st, n);
        add(&mut origin, or, n);
        if let Some(o) = out {
            add(&mut outcome, o, n);
        }
        let k = match known {
            Some(true) => "known",
            Some(false) => "new",
            None => "unknown",
        };
        add(&mut known_rows, k.to_string(), n);
        if let Some(d) = days {
            add(&mut hist, d, n);
        }
    }
    let total: i64 = status.iter().map(|(_, n)| n).sum();
    let total_cell = single(total, t);
    let by_status = breakdown(
        &codes(CaseStatus::ALL, CaseStatus::as_str),
        &status,
        total,
        t,
        !total_cell.suppressed,
        true,
    );
    let by_origin = breakdown(origins, &origin, total, t, !total_cell.suppressed, true);
    let closed = status
        .iter()
        .find(|(k, _)| k == "closed")
        .map(|(_, n)| *n)
        .unwrap_or(0);
    let closed_shown = by_status
        .iter()
        .find(|c| c.key == "closed")
        .is_some_and(|c| !c.count.suppressed);
    let mut by_outcome = breakdown(
        &codes(CaseOutcome::ALL, CaseOutcome::as_str),
        &outcome,
        closed,
        t,
        closed_shown,
        true,
    );
    // Within a small group the closed ones are withheld whole as well, even none: zeros would
    // add up to the withheld `closed`.
    if total_cell.suppressed {
        for c in by_outcome.iter_mut() {
            c.count = Cell::hidden();
        }
    }
    let by_theme = breakdown(&[], &themes, total, t, !total_cell.suppressed, false);
    let reach_counts = breakdown(
        &[
            "known".to_string(),
            "new".to_string(),
            "unknown".to_string(),
        ],
        &known_rows,
        total,
        t,
        !total_cell.suppressed,
        true,
    );
    let cell = |k: &str| {
        reach_counts
            .iter()
            .find(|c| c.key == k)
            .map(|c| c.count)
            .unwrap_or(Cell::shown(0))
    };
    let (known, new) = (cell("known"), cell("new"));
    let share_new = match (known.value, new.value) {
        (Some(k), Some(n)) if k + n > 0 => Some(n as f64 / (k + n) as f64),
        _ => None,
    };
    let contacted: i64 = hist.iter().map(|(_, n)| n).sum();
    let contacted_cell = part(contacted, total, t, !total_cell.suppressed);
    let (median_days, p90_days) = if contacted_cell.suppressed {
        (None, None)
    } else {
        (percentile(&hist, 0.5), percentile(&hist, 0.9))
    };
    CaseStats {
        scope: info,
        total: total_cell,
        by_status,
        by_origin,
        by_outcome,
        by_theme,
        raised_by_school: None,
        groups: None,
        reach: Reach {
            known,
            new,
            unknown: cell("unknown"),
            share_new,
        },
        first_contact: FirstContact {
            cases: contacted_cell,
            median_days,
            p90_days,
        },
    }
}

/// Checklist figures for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistStats {
    pub scope: StatsScopeInfo,
    /// Submissions in the period.
    pub total: Cell,
    pub by_status: Vec<Count>,
    /// Submissions that became a case (`case_opened`) as a share of those decided
    /// (`case_opened` + `no_action`); null when withheld or none were decided.
    pub share_became_case: Option<f64>,
    /// With `group_by`: the same figures per group.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub groups: Option<Vec<groups::ChecklistGroup>>,
}

/// The checklist figures, and the same unsuppressed (see `case_stats_with_raw`).
pub(crate) fn checklist_stats_with_raw(
    conn: &mut DbConn,
    s: &StatScope,
    info: StatsScopeInfo,
) -> ApiResult<(ChecklistStats, ChecklistStats)> {
    // A school's submissions are all its own: it sees every one of them anyway.
    let t = if s.own_signals {
        0
    } else {
        info.suppress_below
    };
    let rows = repo::submissions_by_status(conn, s)?;
    Ok((
        checklist_figures(rows.clone(), t, info.clone()),
        checklist_figures(rows, 0, info),
    ))
}

/// The checklist figures of submission counts by status, suppressed at `t`.
pub(crate) fn checklist_figures(
    rows: Vec<(String, i64)>,
    t: i64,
    info: StatsScopeInfo,
) -> ChecklistStats {
    let total: i64 = rows.iter().map(|(_, n)| n).sum();
    let total_cell = single(total, t);
    let keys: Vec<String> = ["submitted", "triaged", "case_opened", "no_action"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let by_status = breakdown(&keys, &rows, total, t, !total_cell.suppressed, true);
    let get = |k: &str| {
        by_status
            .iter()
            .find(|c| c.key == k)
            .and_then(|c| c.count.value)
    };
    let share = match (get("case_opened"), get("no_action")) {
        (Some(o), Some(n)) if o + n > 0 => Some(o as f64 / (o + n) as f64),
        _ => None,
    };
    ChecklistStats {
        scope: info,
        total: total_cell,
        by_status,
        share_became_case: share,
        groups: None,
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

pub use crate::api::csv_out::neutralise;

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

/// The value of one CSV row: a count that may be withheld, or a decimal (a share, a median)
/// that is null when withheld or undefined.
#[derive(Debug, Clone, Copy)]
enum Figure {
    Count(Cell),
    Decimal(Option<f64>),
}

impl From<Cell> for Figure {
    fn from(c: Cell) -> Figure {
        Figure::Count(c)
    }
}

type Row = (String, String, Figure);

/// `section,key,value,suppressed` rows (in the Belgian dialect `sectie;sleutel;waarde;afgeschermd`).
fn to_csv(rows: Vec<Row>, dialect: CsvDialect) -> ApiResult<String> {
    let mut w = dialect.writer();
    let io = |e: csv::Error| ApiError::internal(format!("csv: {e}"));
    w.write_record(dialect.header(["section", "key", "value", "suppressed"]))
        .map_err(io)?;
    for (section, key, figure) in rows {
        let (value, suppressed) = figure_cells(figure, dialect);
        w.write_record([neutralise(&section), neutralise(&key), value, suppressed])
            .map_err(io)?;
    }
    crate::api::csv_out::finish(w)
}

/// The rows of `to_csv`, and with groups a first column `group`: empty for the overall rows,
/// the group's name for each group's rows.
fn to_csv_grouped(
    overall: Vec<Row>,
    groups: Option<Vec<(String, Vec<Row>)>>,
    dialect: CsvDialect,
) -> ApiResult<String> {
    let Some(groups) = groups else {
        return to_csv(overall, dialect);
    };
    let mut w = dialect.writer();
    let io = |e: csv::Error| ApiError::internal(format!("csv: {e}"));
    let group = match dialect {
        CsvDialect::En => "group",
        CsvDialect::NlBe => "groep",
    };
    let [s, k, v, x] = dialect.header(["section", "key", "value", "suppressed"]);
    w.write_record([group, s, k, v, x]).map_err(io)?;
    let all = std::iter::once((String::new(), overall)).chain(groups);
    for (label, rows) in all {
        for (section, key, figure) in rows {
            let (value, suppressed) = figure_cells(figure, dialect);
            w.write_record([
                neutralise(&label),
                neutralise(&section),
                neutralise(&key),
                value,
                suppressed,
            ])
            .map_err(io)?;
        }
    }
    crate::api::csv_out::finish(w)
}

fn figure_cells(figure: Figure, dialect: CsvDialect) -> (String, String) {
    match figure {
        Figure::Count(cell) => (
            cell.value.map(|v| v.to_string()).unwrap_or_default(),
            dialect.yes_no(cell.suppressed).to_string(),
        ),
        // A null decimal is either withheld or undefined: the column stays empty.
        Figure::Decimal(v) => (
            v.map(|v| dialect.decimal(v)).unwrap_or_default(),
            String::new(),
        ),
    }
}

fn rows_of(section: &str, counts: &[Count]) -> Vec<Row> {
    counts
        .iter()
        .map(|c| (section.to_string(), c.key.clone(), c.count.into()))
        .collect()
}

/// The cache key of a statistic: the endpoint, whose scope it is (coordinators share one, a
/// school account its school's, a worker their own) and the question asked.
fn figures_key(endpoint: &str, user: &Viewer, q: &StatsQuery) -> String {
    let scope = user.figures_scope_key();
    format!(
        "{endpoint}|{scope}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        q.from, q.to, q.network, q.school, q.suppress_below, q.group_by
    )
}

/// Resolves the caller's scope and computes a statistic with `f`, or takes it from the figures
/// kept for `STATS_CACHE_SECONDS` (see `stats_cache`); with the answer's age.
pub(crate) async fn figures<T, F>(
    state: &AppState,
    endpoint: &str,
    user: Viewer,
    q: StatsQuery,
    f: F,
) -> ApiResult<(Arc<T>, Duration)>
where
    T: Send + Sync + 'static,
    F: FnOnce(&mut DbConn, &StatScope, StatsScopeInfo) -> ApiResult<T> + Send + 'static,
{
    figures_for(Action::ReadStatistics, state, endpoint, user, q, f).await
}

/// `figures` for a statistic readable under `action` (the referral figures: partners too).
pub(crate) async fn figures_for<T, F>(
    action: Action,
    state: &AppState,
    endpoint: &str,
    user: Viewer,
    q: StatsQuery,
    f: F,
) -> ApiResult<(Arc<T>, Duration)>
where
    T: Send + Sync + 'static,
    F: FnOnce(&mut DbConn, &StatScope, StatsScopeInfo) -> ApiResult<T> + Send + 'static,
{
    require(&user, action)?;
    let key = figures_key(endpoint, &user, &q);
    let threshold = state.settings.stats_suppress_below;
    let db = state.db.clone();
    let (scope, info) = resolve(&user, &q, threshold)?;
    state
        .figures
        .get(key, || async move {
            db.run(move |conn| f(conn, &scope, info)).await
        })
        .await
}

/// A statistic's answer: JSON, or with `Accept: text/csv` the CSV `csv` writes in the dialect
/// asked (see `CsvDialect::negotiate`), downloaded as `<name>.csv`; either way with the
/// figures' `Age`.
pub(crate) fn respond_with<T: Serialize>(
    req: &HttpRequest,
    body: &T,
    age: Duration,
    dialect: Option<CsvDialect>,
    csv: impl FnOnce(CsvDialect) -> ApiResult<String>,
    name: &str,
) -> ApiResult<HttpResponse> {
    let mut res = HttpResponse::Ok();
    res.insert_header((header::AGE, age.as_secs().to_string()));
    if wants_csv(req) {
        let dialect = CsvDialect::negotiate(req, dialect);
        Ok(res
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::VARY, "Accept, Accept-Language"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ))
            .body(csv(dialect)?))
    } else {
        Ok(res.json(body))
    }
}

#[utoipa::path(
    get, path = "/api/v1/stats/cases", tag = "stats", operation_id = "get_case_stats",
    summary = "Case figures",
    description = "Cases opened in the period by status, origin, outcome and theme; the programme's reach \
(families new to the OCMW); median and 90th percentile days from opening to first contact. Scoped by role: a \
school its own school, a social worker their assigned schools, the coordinator all. Counts under \
`suppress_below` are withheld (`value: null, suppressed: true`), and so is the smallest other count when a \
withheld one could otherwise be recomputed from a shown total. A school account sees the cases it raised itself \
(checklist, school request) unsuppressed in `raised_by_school`; in the other figures a cell is withheld only when \
its part of the cases the school may not see (office hours, parent, social worker) would be. With \
`Accept: text/csv` the same figures come as CSV rows `section,key,value,suppressed`. Roles: coordinator, \
social_worker, school.",
    security(("bearer" = [])), params(StatsQuery),
    responses(
        (status = 200, description = "The figures", body = CaseStats, headers(("Age" = u32, description = "Seconds since these figures were computed: the same question from the same scope is answered from them for `STATS_CACHE_SECONDS`")), content(
            (CaseStats = "application/json"),
            (String = "text/csv", example = "section,key,value,suppressed\ntotal,cases,42,false\nstatus,new,,true\n")
        )),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/stats/cases")]
pub async fn get_case_stats(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    query: ApiQuery<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let dialect = query.dialect;
    let by = query.group_by;
    let (stats, age) = figures(&state, "case", user, query.0, move |conn, scope, info| {
        let (mut all, mut raw) = case_stats_with_raw(conn, scope, info.clone())?;
        if let Some(by) = by {
            let groups =
                groups::grouped(conn, by, scope, &info, &mut all, &mut raw, &|c, s, i| {
                    case_stats_with_raw(c, s, i)
                })?;
            all.groups = Some(groups.into_iter().map(Into::into).collect());
        }
        Ok(all)
    })
    .await?;
    let grouped = stats.groups.as_ref().map(|g| {
        g.iter()
            .map(|g| (g.label.clone(), case_rows(&g.figures)))
            .collect()
    });
    respond_with(
        &req,
        &*stats,
        age,
        dialect,
        |d| to_csv_grouped(case_rows(&stats), grouped, d),
        "case-stats",
    )
}

/// The CSV rows of the case figures.
fn case_rows(stats: &CaseStats) -> Vec<Row> {
    let mut rows = vec![("total".to_string(), "cases".to_string(), stats.total.into())];
    rows.extend(rows_of("status", &stats.by_status));
    rows.extend(rows_of("origin", &stats.by_origin));
    rows.extend(rows_of("outcome", &stats.by_outcome));
    rows.extend(rows_of("theme", &stats.by_theme));
    for (k, c) in [
        ("known", stats.reach.known),
        ("new", stats.reach.new),
        ("unknown", stats.reach.unknown),
    ] {
        rows.push(("reach".into(), k.into(), c.into()));
    }
    rows.push((
        "reach".into(),
        "share_new".into(),
        Figure::Decimal(stats.reach.share_new),
    ));
    rows.push((
        "first_contact".into(),
        "cases".into(),
        stats.first_contact.cases.into(),
    ));
    for (k, v) in [
        ("median_days", stats.first_contact.median_days),
        ("p90_days", stats.first_contact.p90_days),
    ] {
        let cell = match v {
            Some(d) => Cell::shown(d as i64),
            None => Cell::hidden(),
        };
        rows.push(("first_contact".into(), k.into(), cell.into()));
    }
    if let Some(own) = &stats.raised_by_school {
        rows.push(("raised_by_school".into(), "cases".into(), own.total.into()));
        rows.extend(rows_of("raised_by_school_status", &own.by_status));
        rows.extend(rows_of("raised_by_school_origin", &own.by_origin));
        rows.extend(rows_of("raised_by_school_outcome", &own.by_outcome));
        rows.extend(rows_of("raised_by_school_theme", &own.by_theme));
    }
    rows
}

#[utoipa::path(
    get, path = "/api/v1/stats/checklists", tag = "stats", operation_id = "get_checklist_stats",
    summary = "Checklist figures",
    description = "Signal checklist submissions in the period by status, and the share that became a case. \
Scoped and suppressed like the case figures, except that a school account's own submissions are not suppressed; `Accept: text/csv` for CSV. Roles: coordinator, social_worker, \
school.",
    security(("bearer" = [])), params(StatsQuery),
    responses(
        (status = 200, description = "The figures", body = ChecklistStats, headers(("Age" = u32, description = "Seconds since these figures were computed: the same question from the same scope is answered from them for `STATS_CACHE_SECONDS`")), content(
            (ChecklistStats = "application/json"),
            (String = "text/csv", example = "section,key,value,suppressed\ntotal,submissions,12,false\n")
        )),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/stats/checklists")]
pub async fn get_checklist_stats(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    query: ApiQuery<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let dialect = query.dialect;
    let by = query.group_by;
    let (stats, age) = figures(
        &state,
        "checklist",
        user,
        query.0,
        move |conn, scope, info| {
            let (mut all, mut raw) = checklist_stats_with_raw(conn, scope, info.clone())?;
            if let Some(by) = by {
                no_theme_groups(by)?;
                let groups =
                    groups::grouped(conn, by, scope, &info, &mut all, &mut raw, &|c, s, i| {
                        checklist_stats_with_raw(c, s, i)
                    })?;
                all.groups = Some(groups.into_iter().map(Into::into).collect());
            }
            Ok(all)
        },
    )
    .await?;
    let grouped = stats.groups.as_ref().map(|g| {
        g.iter()
            .map(|g| (g.label.clone(), checklist_rows(&g.figures)))
            .collect()
    });
    respond_with(
        &req,
        &*stats,
        age,
        dialect,
        |d| to_csv_grouped(checklist_rows(&stats), grouped, d),
        "checklist-stats",
    )
}

/// The CSV rows of the checklist figures.
fn checklist_rows(stats: &ChecklistStats) -> Vec<Row> {
    let mut rows = vec![(
        "total".to_string(),
        "submissions".to_string(),
        stats.total.into(),
    )];
    rows.extend(rows_of("status", &stats.by_status));
    rows.push((
        "share".into(),
        "became_case".into(),
        Figure::Decimal(stats.share_became_case),
    ));
    rows
}

/// Theme groups are groups of cases; submissions, sessions and requests have no theme.
fn no_theme_groups(by: groups::GroupBy) -> ApiResult<()> {
    match by {
        groups::GroupBy::Theme => Err(ApiError::field(
            "group_by",
            crate::i18n::Code::ThemeGroupsCasesOnly,
        )),
        groups::GroupBy::Network | groups::GroupBy::School | groups::GroupBy::Month => Ok(()),
    }
}

/// Presence figures for a period: office hours held, and consult requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresenceStats {
    pub scope: StatsScopeInfo,
    /// Office-hours sessions logged as held (by session date).
    pub office_hours_held: Cell,
    /// Families and pupils seen at those sessions, together.
    pub office_hours_contacts: Cell,
    /// Consult requests made in the period.
    pub consult_requests: Cell,
    pub consult_requests_by_status: Vec<Count>,
    /// With `group_by`: the same figures per group.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub groups: Option<Vec<groups::PresenceGroup>>,
}

/// The presence figures, and the same unsuppressed (see `case_stats_with_raw`).
pub(crate) fn presence_stats_with_raw(
    conn: &mut DbConn,
    s: &StatScope,
    info: StatsScopeInfo,
) -> ApiResult<(PresenceStats, PresenceStats)> {
    let t = info.suppress_below;
    let held = repo::office_hours_held(conn, s)?;
    let consults = repo::consults_by_status(conn, s)?;
    Ok((
        presence_figures(&held, consults.clone(), t, info.clone()),
        presence_figures(&held, consults, 0, info),
    ))
}

/// The presence figures of held sessions (their contacts each) and consult requests by status,
/// suppressed at `t`.
pub(crate) fn presence_figures(
    held: &[i32],
    consults: Vec<(String, i64)>,
    t: i64,
    info: StatsScopeInfo,
) -> PresenceStats {
    let contacts: i64 = held.iter().map(|c| *c as i64).sum();
    let total: i64 = consults.iter().map(|(_, n)| n).sum();
    let total_cell = single(total, t);
    let keys: Vec<String> = crate::domain::presence::ConsultStatus::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    PresenceStats {
        scope: info,
        office_hours_held: single(held.len() as i64, t),
        office_hours_contacts: single(contacts, t),
        consult_requests: total_cell,
        consult_requests_by_status: breakdown(
            &keys,
            &consults,
            total,
            t,
            !total_cell.suppressed,
            true,
        ),
        groups: None,
    }
}

#[utoipa::path(
    get, path = "/api/v1/stats/presence", tag = "stats", operation_id = "get_presence_stats",
    summary = "Presence figures",
    description = "Office-hours sessions logged as held and the contacts at them, and consult requests by \
status, in the period. Scoped and suppressed like the case figures; `Accept: text/csv` for CSV. Roles: \
coordinator, social_worker, school.",
    security(("bearer" = [])), params(StatsQuery),
    responses(
        (status = 200, description = "The figures", body = PresenceStats, headers(("Age" = u32, description = "Seconds since these figures were computed: the same question from the same scope is answered from them for `STATS_CACHE_SECONDS`")), content(
            (PresenceStats = "application/json"),
            (String = "text/csv", example = "section,key,value,suppressed\noffice_hours,held,40,false\n")
        )),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/stats/presence")]
pub async fn get_presence_stats(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    query: ApiQuery<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let dialect = query.dialect;
    let by = query.group_by;
    let (stats, age) = figures(
        &state,
        "presence",
        user,
        query.0,
        move |conn, scope, info| {
            let (mut all, mut raw) = presence_stats_with_raw(conn, scope, info.clone())?;
            if let Some(by) = by {
                no_theme_groups(by)?;
                let groups =
                    groups::grouped(conn, by, scope, &info, &mut all, &mut raw, &|c, s, i| {
                        presence_stats_with_raw(c, s, i)
                    })?;
                all.groups = Some(groups.into_iter().map(Into::into).collect());
            }
            Ok(all)
        },
    )
    .await?;
    let grouped = stats.groups.as_ref().map(|g| {
        g.iter()
            .map(|g| (g.label.clone(), presence_rows(&g.figures)))
            .collect()
    });
    respond_with(
        &req,
        &*stats,
        age,
        dialect,
        |d| to_csv_grouped(presence_rows(&stats), grouped, d),
        "presence-stats",
    )
}

/// The CSV rows of the presence figures.
fn presence_rows(stats: &PresenceStats) -> Vec<Row> {
    let mut rows = vec![
        (
            "office_hours".to_string(),
            "held".to_string(),
            stats.office_hours_held.into(),
        ),
        (
            "office_hours".to_string(),
            "contacts".to_string(),
            stats.office_hours_contacts.into(),
        ),
        (
            "consult_requests".to_string(),
            "total".to_string(),
            stats.consult_requests.into(),
        ),
    ];
    rows.extend(rows_of("consult_status", &stats.consult_requests_by_status));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(cells: &[Cell]) -> Vec<Option<i64>> {
        cells.iter().map(|c| c.value).collect()
    }

    #[test]
    fn small_counts_are_withheld_and_so_is_one_more_when_one_could_be_recomputed() {
        // 3 alone under 5 could be recomputed as 100 - 40 - 57: the smallest other goes too.
        let cells = suppress_group(100, &[40, 3, 57, 0], 5, true);
        assert_eq!(values(&cells), [None, None, Some(57), Some(0)]);
        // Two small ones that together stay under the threshold: one more is withheld.
        let cells = suppress_group(100, &[1, 2, 50, 47], 5, true);
        assert_eq!(values(&cells), [None, None, Some(50), None]);
        // Two small ones that together reach it: enough.
        let cells = suppress_group(100, &[3, 4, 50, 43], 5, true);
        assert_eq!(values(&cells), [None, None, Some(50), Some(43)]);
        // A small total withholds everything, zeros too: a zero beside it says where the few
        // are.
        let cells = suppress_group(4, &[1, 3, 0], 5, false);
        assert_eq!(values(&cells), [None, None, None]);
        // A total withheld beside others in another group: adding up the shown counts must
        // not give it back.
        let cells = suppress_group(8, &[8, 0], 5, false);
        assert_eq!(values(&cells), [None, Some(0)]);
        // No threshold, no suppression.
        assert_eq!(
            values(&suppress_group(10, &[1, 9], 0, true)),
            [Some(1), Some(9)]
        );
    }

    #[test]
    fn no_withheld_count_can_be_recomputed_from_a_shown_total() {
        // Exhaustive over small groups: whenever the total is shown, the withheld counts are
        // either none or at least two that together reach the threshold (or every non-zero).
        let t = 5;
        for a in 0..8 {
            for b in 0..8 {
                for c in 0..8 {
                    let counts = [a, b, c];
                    let total: i64 = counts.iter().sum();
                    let shown = !(total > 0 && total < t);
                    let cells = suppress_group(total, &counts, t, shown);
                    let withheld: Vec<i64> = counts
                        .iter()
                        .zip(&cells)
                        .filter(|(_, c)| c.suppressed)
                        .map(|(n, _)| *n)
                        .collect();
                    if shown && !withheld.is_empty() {
                        let nonzero_shown = counts
                            .iter()
                            .zip(&cells)
                            .any(|(n, c)| !c.suppressed && *n > 0);
                        assert!(
                            (withheld.len() >= 2 && withheld.iter().sum::<i64>() >= t)
                                || !nonzero_shown,
                            "{counts:?} -> {cells:?}"
                        );
                    }
                    for (n, c) in counts.iter().zip(&cells) {
                        if *n > 0 && *n < t {
                            assert!(c.suppressed, "{counts:?}: {n} shown");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_part_is_withheld_when_it_or_the_rest_is_small() {
        assert_eq!(part(3, 10, 5, true), Cell::hidden());
        assert_eq!(part(8, 10, 5, true), Cell::hidden(), "10 - 8 = 2");
        assert_eq!(
            part(8, 10, 5, false),
            Cell::shown(8),
            "no total to subtract from"
        );
        assert_eq!(
            part(0, 3, 5, false),
            Cell::hidden(),
            "a small group is withheld whole"
        );
        assert_eq!(part(5, 10, 5, true), Cell::shown(5));
        assert_eq!(part(10, 10, 5, true), Cell::shown(10));
        assert_eq!(part(2, 10, 0, true), Cell::shown(2));
    }

    #[test]
    fn a_schools_period_is_one_calendar_year() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let today = d("2026-12-05").unwrap();
        assert_eq!(calendar_year(None, None, today).unwrap(), 2026);
        assert_eq!(
            calendar_year(d("2023-06-07"), d("2023-06-07"), today).unwrap(),
            2023
        );
        assert_eq!(calendar_year(None, d("2022-12-31"), today).unwrap(), 2022);
        assert_eq!(calendar_year(d("2021-01-01"), None, today).unwrap(), 2021);
        assert!(calendar_year(d("2020-01-01"), d("2023-06-07"), today).is_err());
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let hist = [(0, 1), (2, 2), (10, 1)];
        assert_eq!(percentile(&hist, 0.5), Some(2));
        assert_eq!(percentile(&hist, 0.9), Some(10));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
