//! The yearly report for the funder in one call: every table of the programme's figures for one
//! calendar year, as JSON, CSV (one block per table) or an Excel workbook (one sheet per table).
//! The figures are those of the statistics endpoints, grouped per network (`group_by=network`)
//! with their suppression, so a withheld cell is withheld alike in all three forms.

mod labels;
mod write;

use kinderen_eerst_macros::document_limits;
use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::csv_out::CsvDialect;
use crate::api::stats::groups::{self, Figures, GroupBy, Split};
use crate::api::stats::referrals::{ReferralCounts, referral_counts};
use crate::api::stats::{
    self, CaseStats, Cell, ChecklistStats, Count, PresenceStats, StatsQuery, StatsScopeInfo,
};
use crate::auth::Viewer;
use crate::db::DbConn;
use crate::db::activities::{self as activity_repo, ActivityFilter};
use crate::db::stats::StatScope;
use crate::domain::presence::{ActivityKind, Audience};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use labels::{Lang, label};

/// The form of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Json,
    /// One block per table: a title line, a header line, the rows, an empty line.
    Csv,
    /// An Excel workbook, one sheet per table.
    Xlsx,
}

/// An Excel workbook (the xlsx format), as downloaded.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Workbook(#[allow(dead_code)] Vec<u8>);

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct YearlyQuery {
    /// The calendar year reported on (1 January to 31 December; by opening date of cases,
    /// submission date of checklists, sending date of referrals, date of sessions and
    /// activities).
    #[validate(range(min = 2000, max = 2100))]
    pub year: i32,
    /// Only schools (and activities) of this network.
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
    /// Withhold every count under this number (see the statistics). For roles other than
    /// coordinator the configured minimum (`STATS_SUPPRESS_BELOW`) applies even when a lower
    /// value is asked.
    #[validate(range(min = 0, max = 1000))]
    pub suppress_below: Option<i64>,
    /// `json`, `csv` or `xlsx`; wins over `Accept` (`application/json`, `text/csv`,
    /// `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`). JSON when neither
    /// asks for another.
    #[param(inline)]
    pub format: Option<ReportFormat>,
    /// The language of the CSV and workbook labels and the CSV's form: `nl_be` (Dutch labels;
    /// in CSV `;`, decimal comma, UTF-8 BOM) or `en`. Without it, a first `Accept-Language`
    /// preference for Dutch gives `nl_be`, anything else `en`.
    #[param(inline)]
    pub dialect: Option<CsvDialect>,
}

/// What a column of a table holds, and so how it is written (the workbook's number format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// A whole number.
    Count,
    /// A fraction 0–1 (rounded to 4 decimals), shown as a percentage in the workbook.
    Share,
    /// A number of days.
    Days,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportColumn {
    /// A stable code (`cases`, a theme code, `share_new`, …).
    pub key: String,
    pub label_nl: String,
    pub label_en: String,
    pub kind: ColumnKind,
}

/// One figure of a table. `value` is null when the figure is withheld (`suppressed`) or
/// undefined (a share of nothing, a median of no cases).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct ReportCell {
    #[schema(value_type = Option<f64>)]
    pub value: Option<Value>,
    pub suppressed: bool,
}

/// A figure's number: whole for counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Whole(i64),
    Decimal(f64),
}

impl Value {
    pub fn as_f64(self) -> f64 {
        match self {
            Value::Whole(n) => n as f64,
            Value::Decimal(v) => v,
        }
    }
}

impl From<Cell> for ReportCell {
    fn from(c: Cell) -> Self {
        ReportCell {
            value: c.value.map(Value::Whole),
            suppressed: c.suppressed,
        }
    }
}

impl ReportCell {
    fn count(n: i64) -> Self {
        ReportCell {
            value: Some(Value::Whole(n)),
            suppressed: false,
        }
    }
    /// A share or median: null either because it is withheld (`withheld`) or undefined.
    fn decimal(v: Option<f64>, withheld: bool) -> Self {
        ReportCell {
            value: if withheld {
                None
            } else {
                v.map(|v| Value::Decimal((v * 10_000.0).round() / 10_000.0))
            },
            suppressed: withheld,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportRow {
    /// The network's or partner's id, a code, or `all` for the total row.
    pub key: String,
    pub label_nl: String,
    pub label_en: String,
    /// One per column, in the columns' order.
    pub cells: Vec<ReportCell>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportTable {
    /// A stable code (`cases_by_network_theme`, …).
    pub key: String,
    pub title_nl: String,
    pub title_en: String,
    /// The workbook's sheet name (at most 31 characters).
    pub sheet_nl: String,
    pub sheet_en: String,
    /// What the rows are (`Netwerk`, `Partner`, …).
    pub rows_label_nl: String,
    pub rows_label_en: String,
    pub columns: Vec<ReportColumn>,
    pub rows: Vec<ReportRow>,
}

/// The programme's figures of one calendar year.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearlyReport {
    pub year: i32,
    /// The period, schools and threshold counted.
    pub scope: StatsScopeInfo,
    /// In a fixed order: cases by network × theme, × origin, × outcome; reach; days to first
    /// contact; checklists; referrals by partner; consent overrides; office hours; consult
    /// requests; activities by kind × audience; publicity.
    pub tables: Vec<ReportTable>,
}

impl ReportTable {
    fn new(key: &str, columns: Vec<ReportColumn>, rows: Vec<ReportRow>) -> ReportTable {
        let (title_nl, title_en, sheet_nl, sheet_en, rows_nl, rows_en) = labels::table(key);
        ReportTable {
            key: key.to_string(),
            title_nl: title_nl.into(),
            title_en: title_en.into(),
            sheet_nl: sheet_nl.into(),
            sheet_en: sheet_en.into(),
            rows_label_nl: rows_nl.into(),
            rows_label_en: rows_en.into(),
            columns,
            rows,
        }
    }
}

fn column(key: &str, kind: ColumnKind) -> ReportColumn {
    ReportColumn {
        key: key.to_string(),
        label_nl: label(key, Lang::Nl),
        label_en: label(key, Lang::En),
        kind,
    }
}

/// A row of a per-network table: (key, name) of a network, or the total row.
struct RowHead {
    key: String,
    label_nl: String,
    label_en: String,
}

impl RowHead {
    fn named(key: &str, name: &str) -> RowHead {
        RowHead {
            key: key.to_string(),
            label_nl: name.to_string(),
            label_en: name.to_string(),
        }
    }
    fn code(key: &str) -> RowHead {
        RowHead {
            key: key.to_string(),
            label_nl: label(key, Lang::Nl),
            label_en: label(key, Lang::En),
        }
    }
    fn row(&self, cells: Vec<ReportCell>) -> ReportRow {
        ReportRow {
            key: self.key.clone(),
            label_nl: self.label_nl.clone(),
            label_en: self.label_en.clone(),
            cells,
        }
    }
}

fn cell_of(list: &[Count], key: &str) -> ReportCell {
    list.iter()
        .find(|c| c.key == key)
        .map(|c| c.count.into())
        // A key a figure does not list (a theme without cases) is a zero.
        .unwrap_or(ReportCell::count(0))
}

/// Figures per network and over all of them, each protected across the others.
struct PerNetwork<T> {
    rows: Vec<(RowHead, T)>,
}

fn per_network<T: Figures>(
    conn: &mut DbConn,
    scope: &StatScope,
    info: &StatsScopeInfo,
    compute: &groups::Compute<T>,
) -> ApiResult<PerNetwork<T>> {
    let (mut all, mut raw) = compute(conn, scope, info.clone())?;
    let groups = groups::grouped(
        conn,
        GroupBy::Network,
        scope,
        info,
        &mut all,
        &mut raw,
        compute,
    )?;
    let mut rows: Vec<(RowHead, T)> = groups
        .into_iter()
        .map(|(key, name, f)| (RowHead::named(&key, &name), f))
        .collect();
    rows.push((RowHead::code("all"), all));
    Ok(PerNetwork { rows })
}

/// The case tables; `themes` are (code, Dutch label, English label) of the themes to list first.
fn case_tables(p: &PerNetwork<CaseStats>, themes: &[(String, String, String)]) -> Vec<ReportTable> {
    let mut theme_cols = vec![column("cases", ColumnKind::Count)];
    let mut theme_keys: Vec<String> = themes.iter().map(|t| t.0.clone()).collect();
    // A retired theme still on cases of the year gets a column too, under its code.
    for (_, s) in &p.rows {
        for c in &s.by_theme {
            if !theme_keys.contains(&c.key) {
                theme_keys.push(c.key.clone());
            }
        }
    }
    theme_cols.extend(
        theme_keys
            .iter()
            .map(|k| match themes.iter().find(|t| t.0 == *k) {
                Some((code, nl, en)) => ReportColumn {
                    key: code.clone(),
                    label_nl: nl.clone(),
                    label_en: en.clone(),
                    kind: ColumnKind::Count,
                },
                None => ReportColumn {
                    key: k.clone(),
                    label_nl: k.clone(),
                    label_en: k.clone(),
                    kind: ColumnKind::Count,
                },
            }),
    );
    let by_theme = p
        .rows
        .iter()
        .map(|(h, s)| {
            let mut cells = vec![s.total.into()];
            cells.extend(theme_keys.iter().map(|k| cell_of(&s.by_theme, k)));
            h.row(cells)
        })
        .collect();
    let origins = crate::domain::case::CaseOrigin::ALL
        .iter()
        .map(|o| o.as_str())
        .collect::<Vec<_>>();
    let by_origin = p
        .rows
        .iter()
        .map(|(h, s)| {
            let mut cells = vec![s.total.into()];
            cells.extend(origins.iter().map(|k| cell_of(&s.by_origin, k)));
            h.row(cells)
        })
        .collect();
    let outcomes = crate::domain::case::CaseOutcome::ALL
        .iter()
        .map(|o| o.as_str())
        .collect::<Vec<_>>();
    let by_outcome = p
        .rows
        .iter()
        .map(|(h, s)| {
            let mut cells = vec![cell_of(&s.by_status, "closed")];
            cells.extend(outcomes.iter().map(|k| cell_of(&s.by_outcome, k)));
            h.row(cells)
        })
        .collect();
    let reach = p
        .rows
        .iter()
        .map(|(h, s)| {
            let withheld = s.reach.known.suppressed || s.reach.new.suppressed;
            h.row(vec![
                s.total.into(),
                s.reach.known.into(),
                s.reach.new.into(),
                s.reach.unknown.into(),
                ReportCell::decimal(s.reach.share_new, withheld),
            ])
        })
        .collect();
    let first_contact = p
        .rows
        .iter()
        .map(|(h, s)| {
            let withheld = s.first_contact.cases.suppressed;
            let days = |d: Option<i32>| ReportCell::decimal(d.map(f64::from), withheld);
            h.row(vec![
                s.first_contact.cases.into(),
                days(s.first_contact.median_days),
                days(s.first_contact.p90_days),
            ])
        })
        .collect();
    let cols = |first: &str, keys: &[&str]| {
        let mut v = vec![column(first, ColumnKind::Count)];
        v.extend(keys.iter().map(|k| column(k, ColumnKind::Count)));
        v
    };
    vec![
        ReportTable::new("cases_by_network_theme", theme_cols, by_theme),
        ReportTable::new(
            "cases_by_network_origin",
            cols("cases", &origins),
            by_origin,
        ),
        ReportTable::new(
            "cases_by_network_outcome",
            cols("closed", &outcomes),
            by_outcome,
        ),
        ReportTable::new(
            "reach",
            vec![
                column("cases", ColumnKind::Count),
                column("known", ColumnKind::Count),
                column("new", ColumnKind::Count),
                column("unknown", ColumnKind::Count),
                column("share_new", ColumnKind::Share),
            ],
            reach,
        ),
        ReportTable::new(
            "first_contact",
            vec![
                column("contacted", ColumnKind::Count),
                column("median_days", ColumnKind::Days),
                column("p90_days", ColumnKind::Days),
            ],
            first_contact,
        ),
    ]
}

const SUBMISSION_STATUSES: [&str; 4] = ["submitted", "triaged", "case_opened", "no_action"];

fn checklist_table(p: &PerNetwork<ChecklistStats>) -> ReportTable {
    let mut cols = vec![column("submissions", ColumnKind::Count)];
    cols.extend(
        SUBMISSION_STATUSES
            .iter()
            .map(|k| column(k, ColumnKind::Count)),
    );
    cols.push(column("share_became_case", ColumnKind::Share));
    let rows = p
        .rows
        .iter()
        .map(|(h, s)| {
            let mut cells = vec![s.total.into()];
            cells.extend(SUBMISSION_STATUSES.iter().map(|k| cell_of(&s.by_status, k)));
            let withheld = ["case_opened", "no_action"]
                .iter()
                .any(|k| cell_of(&s.by_status, k).suppressed);
            cells.push(ReportCell::decimal(s.share_became_case, withheld));
            h.row(cells)
        })
        .collect();
    ReportTable::new("checklists", cols, rows)
}

fn presence_tables(p: &PerNetwork<PresenceStats>) -> Vec<ReportTable> {
    let office = p
        .rows
        .iter()
        .map(|(h, s)| {
            h.row(vec![
                s.office_hours_held.into(),
                s.office_hours_contacts.into(),
            ])
        })
        .collect();
    let statuses = crate::domain::presence::ConsultStatus::ALL
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>();
    let mut consult_cols = vec![column("consult_requests", ColumnKind::Count)];
    consult_cols.extend(statuses.iter().map(|k| column(k, ColumnKind::Count)));
    let consults = p
        .rows
        .iter()
        .map(|(h, s)| {
            let mut cells = vec![s.consult_requests.into()];
            cells.extend(
                statuses
                    .iter()
                    .map(|k| cell_of(&s.consult_requests_by_status, k)),
            );
            h.row(cells)
        })
        .collect();
    vec![
        ReportTable::new(
            "office_hours",
            vec![
                column("sessions_held", ColumnKind::Count),
                column("contacts", ColumnKind::Count),
            ],
            office,
        ),
        ReportTable::new("consult_requests", consult_cols, consults),
    ]
}

impl Figures for ReferralCounts {
    fn cells(&mut self) -> Vec<(String, &mut Cell)> {
        vec![
            ("sent".into(), &mut self.sent),
            ("accepted".into(), &mut self.accepted),
            ("declined".into(), &mut self.declined),
            ("completed".into(), &mut self.completed),
            ("failed".into(), &mut self.failed),
            ("overrides".into(), &mut self.overrides),
        ]
    }
    fn sums(&self) -> Vec<(String, Vec<String>)> {
        // Each is a part of those sent, but they overlap (accepted, then completed).
        vec![]
    }
    fn settle(&mut self) {}
}

/// Referrals per partner, and over all partners, protected across the partners (each referral
/// goes to one partner, so the partners add up to the total row).
fn referral_tables(conn: &mut DbConn, scope: &StatScope, t: i64) -> ApiResult<Vec<ReportTable>> {
    let (rows, reached) = crate::db::referrals::sent_for_stats(conn, scope)?;
    let mut partners: BTreeMap<(String, String), Vec<&crate::db::referrals::StatRow>> =
        BTreeMap::new();
    for r in &rows {
        partners
            .entry((r.partner_name.clone(), r.partner_id.clone()))
            .or_default()
            .push(r);
    }
    let mut groups: Vec<(String, ReferralCounts, ReferralCounts)> = Vec::new();
    let mut heads = Vec::new();
    for ((name, id), list) in &partners {
        heads.push(RowHead::named(id, name));
        groups.push((
            id.clone(),
            referral_counts(list.iter().copied(), &reached, t),
            referral_counts(list.iter().copied(), &reached, 0),
        ));
    }
    let mut all = referral_counts(rows.iter(), &reached, t);
    let mut all_raw = referral_counts(rows.iter(), &reached, 0);
    groups::protect(&mut all, &mut all_raw, &mut groups, Split::Partition, t);
    heads.push(RowHead::code("all"));
    let counts: Vec<ReferralCounts> = groups
        .into_iter()
        .map(|(_, c, _)| c)
        .chain(std::iter::once(all))
        .collect();
    let table_rows = heads
        .iter()
        .zip(&counts)
        .map(|(h, c)| {
            h.row(vec![
                c.sent.into(),
                c.accepted.into(),
                c.declined.into(),
                c.completed.into(),
                c.failed.into(),
                ReportCell::decimal(c.median_days_to_answer, false),
                ReportCell::decimal(c.median_days_to_completion, false),
            ])
        })
        .collect();
    let overrides = heads
        .iter()
        .zip(&counts)
        .map(|(h, c)| h.row(vec![c.sent.into(), c.overrides.into()]))
        .collect();
    Ok(vec![
        ReportTable::new(
            "referrals",
            vec![
                column("sent", ColumnKind::Count),
                column("accepted", ColumnKind::Count),
                column("declined", ColumnKind::Count),
                column("completed", ColumnKind::Count),
                column("failed", ColumnKind::Count),
                column("median_days_to_answer", ColumnKind::Days),
                column("median_days_to_completion", ColumnKind::Days),
            ],
            table_rows,
        ),
        ReportTable::new(
            "consent_overrides",
            vec![
                column("sent", ColumnKind::Count),
                column("overrides", ColumnKind::Count),
            ],
            overrides,
        ),
    ])
}

/// Activities count what the programme did, never families: they are not suppressed (as in
/// `/stats/activities`).
fn activity_tables(
    conn: &mut DbConn,
    user: &Viewer,
    year: i32,
    network: Option<String>,
) -> ApiResult<Vec<ReportTable>> {
    let f = ActivityFilter {
        from: NaiveDate::from_ymd_opt(year, 1, 1),
        to: NaiveDate::from_ymd_opt(year, 12, 31),
        kind: None,
        school_id: None,
        network_id: network,
    };
    let list = activity_repo::list(conn, &user.activity_figures_scope(), &f, None, None)?;
    let ids: Vec<String> = list.iter().map(|r| r.0.id.clone()).collect();
    let (audiences, _) = activity_repo::codes_of(conn, &ids)?;
    // (kind, audience or "all") -> (activities, participants)
    let mut by: BTreeMap<(&str, String), (i64, i64)> = BTreeMap::new();
    // (network name, id) -> (publicity activities, posters, folders); and over all of them
    let mut publicity: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    let mut publicity_all = (0i64, 0i64, 0i64);
    for (r, _, network_name, _) in &list {
        let p = r.participants as i64;
        let mut add = |kind: &'static str, audience: &str| {
            let e = by.entry((kind, audience.to_string())).or_default();
            e.0 += 1;
            e.1 += p;
        };
        add(r.kind.as_str(), "all");
        add("all", "all");
        for a in audiences.get(&r.id).into_iter().flatten() {
            add(r.kind.as_str(), a);
        }
        if r.kind == ActivityKind::Publicity {
            let key = (
                network_name.clone().unwrap_or_default(),
                r.network_id.clone().unwrap_or_default(),
            );
            for e in [publicity.entry(key).or_default(), &mut publicity_all] {
                e.0 += 1;
                e.1 += r.posters as i64;
                e.2 += r.folders as i64;
            }
        }
    }
    let mut rows = Vec::new();
    for kind in ActivityKind::ALL.iter().map(|k| k.as_str()).chain(["all"]) {
        let audiences = std::iter::once("all").chain(if kind == "all" {
            vec![]
        } else {
            Audience::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>()
        });
        for audience in audiences {
            let (n, p) = by
                .get(&(kind, audience.to_string()))
                .copied()
                .unwrap_or_default();
            let key = format!("{kind}/{audience}");
            let (kn, ke) = (label(kind, Lang::Nl), label(kind, Lang::En));
            let (an, ae) = (label(audience, Lang::Nl), label(audience, Lang::En));
            rows.push(ReportRow {
                key,
                label_nl: if audience == "all" {
                    kn
                } else {
                    format!("{kn} – {an}")
                },
                label_en: if audience == "all" {
                    ke
                } else {
                    format!("{ke} – {ae}")
                },
                cells: vec![ReportCell::count(n), ReportCell::count(p)],
            });
        }
    }
    let publicity_rows = publicity
        .into_iter()
        .map(|((name, id), counts)| (RowHead::named(&id, &name), counts))
        .chain(std::iter::once((RowHead::code("all"), publicity_all)))
        .map(|(head, (n, posters, folders))| {
            head.row(vec![
                ReportCell::count(n),
                ReportCell::count(posters),
                ReportCell::count(folders),
            ])
        })
        .collect();
    Ok(vec![
        ReportTable::new(
            "activities",
            vec![
                column("activities", ColumnKind::Count),
                column("participants", ColumnKind::Count),
            ],
            rows,
        ),
        ReportTable::new(
            "publicity",
            vec![
                column("activities", ColumnKind::Count),
                column("posters", ColumnKind::Count),
                column("folders", ColumnKind::Count),
            ],
            publicity_rows,
        ),
    ])
}

fn build(
    conn: &mut DbConn,
    user: &Viewer,
    year: i32,
    scope: &StatScope,
    info: StatsScopeInfo,
) -> ApiResult<YearlyReport> {
    let t = info.suppress_below;
    let themes: Vec<(String, String, String)> =
        crate::db::themes::list(conn, Some(true), None, 1000)?
            .into_iter()
            .map(|t| (t.code, t.label_nl, t.label_en))
            .collect();
    let cases = per_network(conn, scope, &info, &|c, s, i| {
        stats::case_stats_with_raw(c, s, i)
    })?;
    let checklists = per_network(conn, scope, &info, &|c, s, i| {
        stats::checklist_stats_with_raw(c, s, i)
    })?;
    let presence = per_network(conn, scope, &info, &|c, s, i| {
        stats::presence_stats_with_raw(c, s, i)
    })?;
    let mut tables = case_tables(&cases, &themes);
    tables.push(checklist_table(&checklists));
    tables.extend(referral_tables(conn, scope, t)?);
    tables.extend(presence_tables(&presence));
    tables.extend(activity_tables(conn, user, year, scope.network_id.clone())?);
    Ok(YearlyReport {
        year,
        scope: info,
        tables,
    })
}

/// The form asked: the `format` parameter, else `Accept`, else JSON.
fn negotiate(req: &HttpRequest, asked: Option<ReportFormat>) -> ReportFormat {
    if let Some(f) = asked {
        return f;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if accept.contains(XLSX_TYPE) {
        ReportFormat::Xlsx
    } else if accept.contains("text/csv") {
        ReportFormat::Csv
    } else {
        ReportFormat::Json
    }
}

#[utoipa::path(
    get, path = "/api/v1/reports/yearly", tag = "reports", operation_id = "get_yearly_report",
    summary = "The yearly report in one call",
    description = "Every table of the programme's report for one calendar year: cases by network × theme, × \
origin and × outcome; the reach (families not known to the OCMW before); days to first contact (median, 90th \
percentile); checklist submissions and how many became cases; referrals by partner and outcome; consent overrides; \
office hours held and their contacts; consult requests; activities by kind × audience with participants; \
publicity (posters and folders handed out). Each per-network table has one row per network in the caller's \
scope and a total row (`all`).\n\n\
The figures are those of the statistics endpoints (`/stats/cases?group_by=network` and the others, for the \
year), with the same scope and suppression: a school account its own school, a social worker the schools \
assigned now, the coordinator everything; counts under `suppress_below` (for roles other than the coordinator \
at least `STATS_SUPPRESS_BELOW`) are withheld, and so is any cell that could be recomputed from the others \
(within a network, or across the networks and the total row). Activities are counts of what the programme did \
and are not suppressed.\n\n\
Forms (`format`, else `Accept`): JSON; CSV with one block per table (title line, header line, rows, an empty \
line), in the `dialect` asked (`nl_be`: `;`, decimal comma, UTF-8 BOM, Dutch labels); an Excel workbook \
(`xlsx`) with one sheet per table, a bold header row, column widths and number formats. A withheld cell is \
`null` with `suppressed: true` in JSON and `x` in CSV and the workbook; an undefined share or median is `null` \
in JSON and empty in CSV and the workbook. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(YearlyQuery),
    responses(
        (status = 200, description = "The report", body = YearlyReport, headers(("Age" = u32, description = "Seconds since these figures were computed (see `STATS_CACHE_SECONDS`)")), content(
            (YearlyReport = "application/json"),
            (String = "text/csv", example = "\u{feff}Dossiers per netwerk en thema\nNetwerk;Dossiers;Taal\nLuchtbal;12;x\nTotaal;30;7\n\n"),
            (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/reports/yearly")]
pub async fn get_yearly_report(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    // The role first: a partner is refused whatever it asks (the query is read after).
    user.reaches_school_objects()?;
    let q: YearlyQuery = crate::api::extract::parse_query(req.query_string())?;
    let year = q.year;
    let stats_query = StatsQuery {
        from: NaiveDate::from_ymd_opt(year, 1, 1),
        to: NaiveDate::from_ymd_opt(year, 12, 31),
        network: q.network,
        school: None,
        suppress_below: q.suppress_below,
        dialect: None,
        group_by: None,
    };
    let viewer = user.clone();
    let (report, age) = stats::figures(
        &state,
        "yearly-report",
        user,
        stats_query,
        move |conn, scope, info| build(conn, &viewer, year, scope, info),
    )
    .await?;
    let lang_dialect = CsvDialect::negotiate(&req, q.dialect);
    let mut res = HttpResponse::Ok();
    res.insert_header((header::AGE, age.as_secs().to_string()))
        .insert_header((header::VARY, "Accept, Accept-Language"));
    let name = format!("jaarrapport-{year}");
    Ok(match negotiate(&req, q.format) {
        ReportFormat::Json => res.json(&*report),
        ReportFormat::Csv => res
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ))
            .body(write::csv(&report, lang_dialect)?),
        ReportFormat::Xlsx => res
            .content_type(XLSX_TYPE)
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.xlsx\""),
            ))
            .body(
                write::xlsx(&report, lang_dialect)
                    .map_err(|e| ApiError::internal(format!("xlsx: {e}")))?,
            ),
    })
}
