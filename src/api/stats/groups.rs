//! Figures per group (`group_by`: network, school, theme, month): each group is suppressed
//! like a whole answer, and then, because the groups and the overall figures stand in one
//! answer, a cell withheld in one group is kept from being recomputed from the other groups
//! and the overall figure (the rule of `suppress_group`, applied across the groups).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CaseStats, Cell, ChecklistStats, PresenceStats, StatsScopeInfo, withhold_recoverable};
use crate::db::DbConn;
use crate::db::stats::{self as repo, StatScope};
use crate::error::{ApiError, ApiResult};

/// How grouped figures split the cases (or submissions, sessions, requests) in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One group per network in the caller's scope.
    Network,
    /// One group per school in the caller's scope.
    School,
    /// One group per theme (case figures only): the cases with that theme; a case with two
    /// themes is in both groups.
    Theme,
    /// One group per calendar month of the period (at most 120).
    Month,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Network => "network",
            GroupBy::School => "school",
            GroupBy::Theme => "theme",
            GroupBy::Month => "month",
        }
    }
}

/// The most months `group_by=month` splits a period into.
pub const MAX_MONTHS: usize = 120;

macro_rules! group_type {
    ($name:ident, $figures:ty, $what:literal) => {
        #[doc = concat!("One group of grouped ", $what, " figures.")]
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            /// The network's or school's id, the theme's code, or the month (`2026-03`).
            pub key: String,
            /// The network's or school's name, the theme's code, or the month.
            pub label: String,
            pub figures: $figures,
        }
        impl From<(String, String, $figures)> for $name {
            fn from((key, label, figures): (String, String, $figures)) -> Self {
                $name {
                    key,
                    label,
                    figures,
                }
            }
        }
    };
}
group_type!(CaseGroup, CaseStats, "case");
group_type!(ChecklistGroup, ChecklistStats, "checklist");
group_type!(PresenceGroup, PresenceStats, "presence");

/// The cells of a statistic as the passes across groups see them, by a path (`total`,
/// `theme:housing`, …), and the sums among them (a total and the parts that add up to it).
pub(crate) trait Figures {
    fn cells(&mut self) -> Vec<(String, &mut Cell)>;
    fn sums(&self) -> Vec<(String, Vec<String>)>;
    /// Recomputes what derives from the cells (shares, medians) once cells were withheld.
    fn settle(&mut self);
    /// Lists, as shown zeros, the keys the overall figure has and this group lacks (a theme
    /// none of the group's cases has), so they can be withheld too: a zero beside a withheld
    /// small overall figure would say where the few are.
    fn align(&mut self, _overall: &Self) {}
}

fn list_paths<'a>(prefix: &str, list: &'a mut [super::Count]) -> Vec<(String, &'a mut Cell)> {
    list.iter_mut()
        .map(|c| (format!("{prefix}:{}", c.key), &mut c.count))
        .collect()
}

fn keys_of(prefix: &str, list: &[super::Count]) -> Vec<String> {
    list.iter().map(|c| format!("{prefix}:{}", c.key)).collect()
}

impl Figures for CaseStats {
    fn cells(&mut self) -> Vec<(String, &mut Cell)> {
        let mut v: Vec<(String, &mut Cell)> = vec![("total".into(), &mut self.total)];
        v.extend(list_paths("status", &mut self.by_status));
        v.extend(list_paths("origin", &mut self.by_origin));
        v.extend(list_paths("outcome", &mut self.by_outcome));
        v.extend(list_paths("theme", &mut self.by_theme));
        v.push(("reach:known".into(), &mut self.reach.known));
        v.push(("reach:new".into(), &mut self.reach.new));
        v.push(("reach:unknown".into(), &mut self.reach.unknown));
        v.push(("first_contact:cases".into(), &mut self.first_contact.cases));
        v
    }
    fn sums(&self) -> Vec<(String, Vec<String>)> {
        vec![
            ("total".into(), keys_of("status", &self.by_status)),
            ("total".into(), keys_of("origin", &self.by_origin)),
            (
                "total".into(),
                vec![
                    "reach:known".into(),
                    "reach:new".into(),
                    "reach:unknown".into(),
                ],
            ),
            ("status:closed".into(), keys_of("outcome", &self.by_outcome)),
        ]
    }
    fn settle(&mut self) {
        self.reach.share_new = match (self.reach.known.value, self.reach.new.value) {
            (Some(k), Some(n)) if k + n > 0 => Some(n as f64 / (k + n) as f64),
            _ => None,
        };
        if self.first_contact.cases.suppressed {
            self.first_contact.median_days = None;
            self.first_contact.p90_days = None;
        }
    }
    fn align(&mut self, overall: &Self) {
        for c in &overall.by_theme {
            if !self.by_theme.iter().any(|o| o.key == c.key) {
                self.by_theme.push(super::Count {
                    key: c.key.clone(),
                    count: Cell::shown(0),
                });
            }
        }
        self.by_theme.sort_by(|a, b| a.key.cmp(&b.key));
    }
}

impl Figures for ChecklistStats {
    fn cells(&mut self) -> Vec<(String, &mut Cell)> {
        let mut v: Vec<(String, &mut Cell)> = vec![("total".into(), &mut self.total)];
        v.extend(list_paths("status", &mut self.by_status));
        v
    }
    fn sums(&self) -> Vec<(String, Vec<String>)> {
        vec![("total".into(), keys_of("status", &self.by_status))]
    }
    fn settle(&mut self) {
        let get = |k: &str| {
            self.by_status
                .iter()
                .find(|c| c.key == k)
                .and_then(|c| c.count.value)
        };
        self.share_became_case = match (get("case_opened"), get("no_action")) {
            (Some(o), Some(n)) if o + n > 0 => Some(o as f64 / (o + n) as f64),
            _ => None,
        };
    }
}

impl Figures for PresenceStats {
    fn cells(&mut self) -> Vec<(String, &mut Cell)> {
        let mut v: Vec<(String, &mut Cell)> = vec![
            ("office_hours:held".into(), &mut self.office_hours_held),
            (
                "office_hours:contacts".into(),
                &mut self.office_hours_contacts,
            ),
            ("consult_requests:total".into(), &mut self.consult_requests),
        ];
        v.extend(list_paths(
            "consult_status",
            &mut self.consult_requests_by_status,
        ));
        v
    }
    fn sums(&self) -> Vec<(String, Vec<String>)> {
        vec![(
            "consult_requests:total".into(),
            keys_of("consult_status", &self.consult_requests_by_status),
        )]
    }
    fn settle(&mut self) {}
}

/// One statistic's cells: the count each protects and whether it is withheld.
type Sheet = BTreeMap<String, (i64, bool)>;

fn sheet<T: Figures>(figures: &mut T, raw: &mut T) -> Sheet {
    let raw: BTreeMap<String, i64> = raw
        .cells()
        .into_iter()
        .map(|(k, c)| (k, c.value.unwrap_or(0)))
        .collect();
    figures
        .cells()
        .into_iter()
        .map(|(k, c)| {
            let n = raw.get(&k).copied().unwrap_or(0);
            (k, (n, c.suppressed))
        })
        .collect()
}

/// Withholds more of `parts` until none can be recovered from `total`; true when anything
/// changed. When no shown part is left to withhold and a withheld one could still be recovered
/// (the others are zeros), the total is withheld instead. A total of 0 has nothing to protect.
fn settle_sum(
    total: &mut (i64, bool),
    parts: &mut [Option<&mut (i64, bool)>],
    threshold: i64,
) -> bool {
    if total.0 == 0 {
        return false;
    }
    let counts: Vec<i64> = parts
        .iter()
        .map(|p| p.as_ref().map_or(0, |c| c.0))
        .collect();
    // A part absent from its sheet (a theme a group does not have) is a zero that is shown.
    let mut hidden: Vec<bool> = parts
        .iter()
        .map(|p| p.as_ref().is_some_and(|c| c.1))
        .collect();
    let before = hidden.clone();
    withhold_recoverable(total.0, total.1, &counts, &mut hidden, threshold);
    let mut changed = false;
    for (p, (h, b)) in parts.iter_mut().zip(hidden.iter().zip(before)) {
        if let Some(c) = p
            && *h
            && !b
        {
            c.1 = true;
            changed = true;
        }
    }
    let withheld: Vec<i64> = counts
        .iter()
        .zip(&hidden)
        .filter(|(_, h)| **h)
        .map(|(n, _)| *n)
        .collect();
    let exposed =
        !withheld.is_empty() && (withheld.len() == 1 || withheld.iter().sum::<i64>() < threshold);
    if exposed && !total.1 {
        total.1 = true;
        changed = true;
    }
    changed
}

/// Whether the groups split the overall figure (each case in one group) or overlap (themes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    Partition,
    /// Each group is the part of the overall figure with one theme: its cells are parts of the
    /// overall cells, and its total is the overall `theme:<key>` cell.
    Themes,
}

/// Withholds, in the groups and the overall figures, every cell that could be recomputed from
/// the others of the answer: within each (its sums), and across the groups (a partition adds
/// up to the overall figure; overlapping groups are parts of it). Repeats until nothing changes.
pub(crate) fn protect<T: Figures>(
    overall: &mut T,
    overall_raw: &mut T,
    groups: &mut [(String, T, T)],
    split: Split,
    threshold: i64,
) {
    if threshold <= 1 {
        return;
    }
    if split == Split::Partition {
        for (_, f, r) in groups.iter_mut() {
            f.align(overall);
            r.align(overall);
        }
    }
    let mut all = sheet(overall, overall_raw);
    let mut sheets: Vec<Sheet> = groups.iter_mut().map(|(_, f, r)| sheet(f, r)).collect();
    let sums = overall.sums();
    let group_sums: Vec<Vec<(String, Vec<String>)>> =
        groups.iter().map(|(_, f, _)| f.sums()).collect();
    let small = |k: i64| k > 0 && k < threshold;
    // Each figure already keeps its own sums; they are settled again only in a figure where a
    // pass across the groups withheld something (`dirty`).
    let mut dirty_all = false;
    let mut dirty: Vec<bool> = vec![false; sheets.len()];
    loop {
        let mut changed = false;
        let figures = std::iter::once((&mut all, &sums, &mut dirty_all)).chain(
            sheets
                .iter_mut()
                .zip(&group_sums)
                .zip(dirty.iter_mut())
                .map(|((s, g), d)| (s, g, d)),
        );
        for (s, sums, dirty) in figures {
            if !*dirty {
                continue;
            }
            *dirty = false;
            for (total, parts) in sums {
                let Some(mut t) = s.get(total).copied() else {
                    continue;
                };
                let mut cells: BTreeMap<&String, (i64, bool)> = BTreeMap::new();
                for p in parts {
                    if let Some(c) = s.get(p) {
                        cells.insert(p, *c);
                    }
                }
                let mut refs: Vec<Option<&mut (i64, bool)>> =
                    cells.values_mut().map(Some).collect();
                if settle_sum(&mut t, &mut refs, threshold) {
                    changed = true;
                    // A total withheld here is a cell of the passes across groups too.
                    *dirty = true;
                    s.insert(total.clone(), t);
                    for (p, c) in cells {
                        s.insert(p.clone(), c);
                    }
                }
            }
        }
        match split {
            Split::Partition => {
                let paths: Vec<String> = all.keys().cloned().collect();
                for path in paths {
                    let Some(total) = all.get_mut(&path) else {
                        continue;
                    };
                    let total_before = total.1;
                    let before: Vec<bool> = sheets
                        .iter()
                        .map(|s| s.get(&path).is_some_and(|c| c.1))
                        .collect();
                    let mut refs: Vec<Option<&mut (i64, bool)>> =
                        sheets.iter_mut().map(|s| s.get_mut(&path)).collect();
                    if settle_sum(total, &mut refs, threshold) {
                        changed = true;
                        dirty_all |= total.1 && !total_before;
                        for ((s, d), b) in sheets.iter().zip(dirty.iter_mut()).zip(before) {
                            if s.get(&path).is_some_and(|c| c.1) && !b {
                                *d = true;
                            }
                        }
                    }
                }
            }
            Split::Themes => {
                for (((key, ..), s), d) in
                    groups.iter().zip(sheets.iter_mut()).zip(dirty.iter_mut())
                {
                    // The group's total is the overall count of its theme: withheld together.
                    let theme = format!("theme:{key}");
                    if let (Some(a), Some(g)) = (all.get_mut(&theme), s.get_mut("total"))
                        && a.1 != g.1
                    {
                        dirty_all |= !a.1;
                        *d |= !g.1;
                        a.1 = true;
                        g.1 = true;
                        changed = true;
                    }
                    for (path, cell) in s.iter_mut() {
                        if path == "total" || cell.1 {
                            continue;
                        }
                        if let Some(whole) = all.get(path)
                            && !whole.1
                            && small(whole.0 - cell.0)
                        {
                            cell.1 = true;
                            *d = true;
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    apply(overall, &all);
    for ((_, f, _), s) in groups.iter_mut().zip(&sheets) {
        apply(f, s);
    }
}

fn apply<T: Figures>(figures: &mut T, sheet: &Sheet) {
    for (path, cell) in figures.cells() {
        if sheet.get(&path).is_some_and(|c| c.1) {
            *cell = Cell::hidden();
        }
    }
    figures.settle();
}

/// The groups of a scope: (key, label, the scope narrowed to the group).
pub(crate) fn scopes(
    conn: &mut DbConn,
    by: GroupBy,
    s: &StatScope,
    info: &StatsScopeInfo,
) -> ApiResult<Vec<(String, String, StatScope)>> {
    let narrowed = |f: &dyn Fn(&mut StatScope)| {
        let mut g = s.clone();
        f(&mut g);
        g
    };
    Ok(match by {
        GroupBy::Network => repo::networks_of(conn, s.school_ids.as_deref())?
            .into_iter()
            .filter(|(id, _)| s.network_id.as_ref().is_none_or(|n| n == id))
            .map(|(id, name)| {
                let g = narrowed(&|g| g.network_id = Some(id.clone()));
                (id, name, g)
            })
            .collect(),
        GroupBy::School => {
            repo::schools_in(conn, s.school_ids.as_deref(), s.network_id.as_deref())?
                .into_iter()
                .map(|(id, name)| {
                    let g = narrowed(&|g| g.school_ids = Some(vec![id.clone().into()]));
                    (id, name, g)
                })
                .collect()
        }
        GroupBy::Theme => {
            let mut codes: Vec<String> = crate::db::themes::list(conn, Some(true), None, 1000)?
                .into_iter()
                .map(|t| t.code)
                .collect();
            for (code, _) in repo::cases_by_theme(conn, s, false)? {
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
            codes
                .into_iter()
                .map(|code| {
                    let g = narrowed(&|g| g.theme = Some(code.clone()));
                    (code.clone(), code, g)
                })
                .collect()
        }
        GroupBy::Month => {
            let today = chrono::Utc::now().date_naive();
            let first = match info.period_from {
                Some(d) => Some(d),
                None => repo::first_opened(conn, s)?.map(|t| t.date()),
            };
            let Some(first) = first else {
                return Ok(vec![]);
            };
            let last = info.period_to.unwrap_or(today).max(first);
            let months = (last.year() - first.year()) as i64 * 12 + last.month() as i64
                - first.month() as i64
                + 1;
            if months as usize > MAX_MONTHS {
                return Err(ApiError::field(
                    "group_by",
                    crate::i18n::Msg::new(crate::i18n::Code::MonthGroupsAtMost)
                        .arg("max", MAX_MONTHS),
                ));
            }
            let mut out = Vec::new();
            let mut start = NaiveDate::from_ymd_opt(first.year(), first.month(), 1)
                .ok_or_else(|| ApiError::internal("month start"))?;
            while start <= last {
                let next = start
                    .checked_add_months(chrono::Months::new(1))
                    .ok_or_else(|| ApiError::internal("month end"))?;
                let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0);
                let from = s.from.max(midnight(start));
                let before = match s.before {
                    Some(b) => midnight(next).map(|n| n.min(b)),
                    None => midnight(next),
                };
                let g = narrowed(&|g| {
                    g.from = from;
                    g.before = before;
                });
                let key = format!("{:04}-{:02}", start.year(), start.month());
                out.push((key.clone(), key, g));
                start = next;
            }
            out
        }
    })
}

/// Computes a statistic of a scope: its figures and their unsuppressed counts.
pub(crate) type Compute<T> = dyn Fn(&mut DbConn, &StatScope, StatsScopeInfo) -> ApiResult<(T, T)>;

/// Computes a statistic for every group of `by` and protects the cells across them; `compute`
/// gives a group's figures and their unsuppressed counts (see `protect`).
pub(crate) fn grouped<T: Figures>(
    conn: &mut DbConn,
    by: GroupBy,
    s: &StatScope,
    info: &StatsScopeInfo,
    overall: &mut T,
    overall_raw: &mut T,
    compute: &Compute<T>,
) -> ApiResult<Vec<(String, String, T)>> {
    let split = match by {
        GroupBy::Theme => Split::Themes,
        GroupBy::Network | GroupBy::School | GroupBy::Month => Split::Partition,
    };
    let mut groups = Vec::new();
    let mut labels = Vec::new();
    for (key, label, scope) in scopes(conn, by, s, info)? {
        let mut group_info = info.clone();
        match by {
            GroupBy::Network => group_info.network = Some(key.clone()),
            GroupBy::School => group_info.school = Some(key.clone()),
            GroupBy::Theme => {}
            GroupBy::Month => {
                group_info.period_from = scope.from.map(|d| d.date());
                group_info.period_to = scope.before.and_then(|d| d.date().pred_opt());
            }
        }
        let (f, r) = compute(conn, &scope, group_info)?;
        groups.push((key.clone(), f, r));
        labels.push(label);
    }
    protect(
        overall,
        overall_raw,
        &mut groups,
        split,
        info.suppress_below,
    );
    Ok(groups
        .into_iter()
        .zip(labels)
        .map(|((key, figures, _), label)| (key, label, figures))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::stats::{Count, suppress_group};

    fn checklist(counts: &[(&str, i64)], t: i64) -> (ChecklistStats, ChecklistStats) {
        let rows: Vec<(String, i64)> = counts.iter().map(|(k, n)| (k.to_string(), *n)).collect();
        let info = StatsScopeInfo {
            from: None,
            to: None,
            period_from: None,
            period_to: None,
            period_grid: super::super::PeriodGrid::Free,
            network: None,
            school: None,
            suppress_below: t,
        };
        (
            super::super::checklist_figures(rows.clone(), t, info.clone()),
            super::super::checklist_figures(rows, 0, info),
        )
    }

    fn value(list: &[Count], k: &str) -> Option<i64> {
        list.iter().find(|c| c.key == k).unwrap().count.value
    }

    #[test]
    fn a_cell_withheld_in_one_group_is_not_recomputed_from_the_others_and_the_total() {
        // Group A has 2 triaged (withheld), group B 20: the overall 22 is shown, so B's 20
        // would give A's 2 back; B's triaged is withheld too.
        let t = 5;
        let (a, ra) = checklist(&[("submitted", 10), ("triaged", 2)], t);
        let (b, rb) = checklist(&[("submitted", 10), ("triaged", 20)], t);
        let (mut all, mut rall) = checklist(&[("submitted", 20), ("triaged", 22)], t);
        assert_eq!(value(&all.by_status, "triaged"), Some(22));
        let mut groups = vec![("a".to_string(), a, ra), ("b".to_string(), b, rb)];
        protect(&mut all, &mut rall, &mut groups, Split::Partition, t);
        let (a, b) = (groups.remove(0).1, groups.remove(0).1);
        assert_eq!(value(&a.by_status, "triaged"), None);
        assert_eq!(value(&b.by_status, "triaged"), None);
        // Within group A, submitted (10) alone beside a withheld triaged would give it back
        // from A's total (12): withheld too, and so, across groups, is B's submitted.
        assert_eq!(value(&a.by_status, "submitted"), None);
        assert_eq!(value(&b.by_status, "submitted"), None);
        assert_eq!(value(&all.by_status, "submitted"), Some(20));
        // Nothing is ever shown that suppress_group alone would withhold.
        let alone = suppress_group(12, &[10, 2], t, true);
        assert!(alone[1].suppressed);
    }

    #[test]
    fn no_threshold_withholds_nothing_across_groups() {
        let (a, ra) = checklist(&[("submitted", 1)], 0);
        let (mut all, mut rall) = checklist(&[("submitted", 1)], 0);
        let mut groups = vec![("a".to_string(), a, ra)];
        protect(&mut all, &mut rall, &mut groups, Split::Partition, 0);
        assert_eq!(value(&groups[0].1.by_status, "submitted"), Some(1));
    }
}
