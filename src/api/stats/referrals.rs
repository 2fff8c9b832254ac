//! Referral statistics per partner and service, for the coordinator: aggregates only.

use std::collections::{BTreeMap, HashSet};

use actix_web::{get, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Cell, StatsQuery, StatsScopeInfo, part, single};
use crate::api::csv_out::CsvDialect;
use crate::api::extract::ApiQuery;
use crate::auth::Viewer;
use crate::db::referrals::{self as repo, StatRow};
use crate::error::ApiResult;
use crate::state::AppState;

/// Referral counts and lead times of one service, or of all services of one partner. Counts
/// under the caller's threshold are withheld, and so is a median over too few referrals.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"sent": {"value": 12, "suppressed": false}, "accepted": {"value": 9, "suppressed": false}, "declined": {"value": null, "suppressed": true}, "completed": {"value": 6, "suppressed": false}, "failed": {"value": null, "suppressed": true}, "overrides": {"value": null, "suppressed": true}, "median_days_to_answer": 2.5, "median_days_to_completion": 21.0}))]
pub struct ReferralCounts {
    /// Referrals sent in the period.
    pub sent: Cell,
    /// Of those, how many the partner accepted (at any time).
    pub accepted: Cell,
    pub declined: Cell,
    pub completed: Cell,
    pub failed: Cell,
    /// Sent without the family's consent, on another lawful basis.
    pub overrides: Cell,
    /// Median days from sending to the partner's answer (accepted or declined); null without
    /// answers, or when they are too few to show.
    pub median_days_to_answer: Option<f64>,
    /// Median days from sending to completion; null without completions, or too few to show.
    pub median_days_to_completion: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsService {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceReferralStats {
    pub service: StatsService,
    #[serde(flatten)]
    pub counts: ReferralCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerReferralStats {
    pub partner: StatsService,
    /// All services of the partner together.
    #[serde(flatten)]
    pub counts: ReferralCounts,
    pub services: Vec<ServiceReferralStats>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralStats {
    /// The period (day of sending), schools and threshold the figures cover.
    pub scope: StatsScopeInfo,
    /// Partners with at least one referral sent in the period, by name.
    pub partners: Vec<PartnerReferralStats>,
}

fn days(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    (to - from).num_seconds() as f64 / 86_400.0
}

/// The median, to one decimal; computed here so it is the same on both backends.
fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let m = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some((m * 10.0).round() / 10.0)
}

pub(crate) fn referral_counts<'a>(
    rows: impl Iterator<Item = &'a StatRow>,
    reached: &std::collections::HashMap<String, HashSet<String>>,
    threshold: i64,
) -> ReferralCounts {
    let (mut sent, mut accepted, mut declined, mut completed, mut failed, mut overrides) =
        (0i64, 0i64, 0i64, 0i64, 0i64, 0i64);
    let (mut answer, mut completion) = (Vec::new(), Vec::new());
    let none = HashSet::new();
    for r in rows {
        let got = reached.get(&r.id).unwrap_or(&none);
        sent += 1;
        accepted += got.contains("accepted") as i64;
        declined += got.contains("declined") as i64;
        completed += got.contains("completed") as i64;
        failed += got.contains("failed") as i64;
        overrides += r.consent_override_basis.is_some() as i64;
        if let Some(s) = r.sent_at {
            if let Some(a) = r.answered_at {
                answer.push(days(s, a));
            }
            if let Some(done) = r.completed_at {
                completion.push(days(s, done));
            }
        }
    }
    let enough = |n: usize| !(n > 0 && (n as i64) < threshold);
    // Each figure is a part of those sent: withheld also when the rest of them is small, or
    // `sent` minus it would give that away.
    let sent_cell = single(sent, threshold);
    let of_sent = |n: i64| part(n, sent, threshold, !sent_cell.suppressed);
    ReferralCounts {
        sent: sent_cell,
        accepted: of_sent(accepted),
        declined: of_sent(declined),
        completed: of_sent(completed),
        failed: of_sent(failed),
        overrides: of_sent(overrides),
        median_days_to_answer: if enough(answer.len()) {
            median(answer)
        } else {
            None
        },
        median_days_to_completion: if enough(completion.len()) {
            median(completion)
        } else {
            None
        },
    }
}

#[utoipa::path(
    get, path = "/api/v1/stats/referrals", tag = "stats", operation_id = "get_referral_stats",
    summary = "Referral statistics per partner and service",
    description = "For every partner organisation and each of its services: referrals sent in the period, \
how many were accepted, declined, completed and failed, how many were sent on a consent override, and the \
median days from sending to the partner's answer and to completion. `from`/`to` are days of sending. Scoped \
and suppressed like the case figures (a school its own school, a worker their schools, the coordinator all, a \
partner the referrals sent to its own organisation and those below it, from any school — `school` and `network` \
are 422 for a partner; counts under `suppress_below` withheld). With `Accept: text/csv` the same figures come as CSV rows \
`partner,service,figure,value,suppressed` (the partner's own total has an empty service). Roles: \
coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(StatsQuery),
    responses(
        (status = 200, description = "The statistics", body = ReferralStats, headers(("Age" = u32, description = "Seconds since these figures were computed: the same question from the same scope is answered from them for `STATS_CACHE_SECONDS`")), content(
            (ReferralStats = "application/json"),
            (String = "text/csv", example = "partner,service,figure,value,suppressed\nCAW Antwerpen,,sent,12,false\n")
        )),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/stats/referrals")]
pub async fn get_referral_stats(
    state: web::Data<AppState>,
    user: Viewer,
    req: actix_web::HttpRequest,
    query: ApiQuery<StatsQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let dialect = query.dialect;
    if query.group_by.is_some() {
        return Err(crate::error::ApiError::field(
            "group_by",
            crate::i18n::Code::ReferralsNotGrouped,
        ));
    }
    let (figures, age) = super::figures_for(
        crate::auth::policy::Action::ReadReferralStatistics,
        &state,
        "referrals",
        user,
        query.0,
        |conn, scope, info| {
            let (rows, reached) = repo::sent_for_stats(conn, scope)?;
            Ok((info, rows, reached))
        },
    )
    .await?;
    let (info, rows, reached) = &*figures;
    let info = info.clone();
    let t = info.suppress_below;
    // Grouped by partner, then service (the rows come ordered by their names).
    let mut partners: BTreeMap<(String, String), Vec<&StatRow>> = BTreeMap::new();
    for r in rows {
        partners
            .entry((r.partner_name.clone(), r.partner_id.clone()))
            .or_default()
            .push(r);
    }
    let partners = partners
        .into_iter()
        .map(|((name, id), list)| {
            let mut services: BTreeMap<(String, String), Vec<&StatRow>> = BTreeMap::new();
            for r in &list {
                services
                    .entry((r.service_name.clone(), r.service_id.clone()))
                    .or_default()
                    .push(r);
            }
            PartnerReferralStats {
                partner: StatsService { id, name },
                counts: referral_counts(list.iter().copied(), reached, t),
                services: services
                    .into_iter()
                    .map(|((name, id), l)| ServiceReferralStats {
                        service: StatsService { id, name },
                        counts: referral_counts(l.into_iter(), reached, t),
                    })
                    .collect(),
            }
        })
        .collect();
    let stats = ReferralStats {
        scope: info,
        partners,
    };
    super::respond_with(
        &req,
        &stats,
        age,
        dialect,
        |d| to_csv(&stats, d),
        "referral-stats",
    )
}

/// One row per figure of each partner (service empty) and of each of its services; partner and
/// service names are neutralised so a spreadsheet never runs them as formulas.
fn to_csv(stats: &ReferralStats, dialect: CsvDialect) -> ApiResult<String> {
    use super::neutralise;
    let io = |e: csv::Error| crate::error::ApiError::internal(format!("csv: {e}"));
    let mut w = dialect.writer();
    w.write_record(dialect.header(["partner", "service", "figure", "value", "suppressed"]))
        .map_err(io)?;
    let write = |w: &mut csv::Writer<Vec<u8>>,
                 partner: &str,
                 service: &str,
                 c: &ReferralCounts|
     -> ApiResult<()> {
        let cells = [
            ("sent", c.sent),
            ("accepted", c.accepted),
            ("declined", c.declined),
            ("completed", c.completed),
            ("failed", c.failed),
            ("overrides", c.overrides),
        ];
        for (figure, cell) in cells {
            w.write_record([
                neutralise(partner),
                neutralise(service),
                figure.to_string(),
                cell.value.map(|v| v.to_string()).unwrap_or_default(),
                dialect.yes_no(cell.suppressed).to_string(),
            ])
            .map_err(io)?;
        }
        for (figure, median) in [
            ("median_days_to_answer", c.median_days_to_answer),
            ("median_days_to_completion", c.median_days_to_completion),
        ] {
            w.write_record([
                neutralise(partner),
                neutralise(service),
                figure.to_string(),
                median.map(|v| dialect.decimal(v)).unwrap_or_default(),
                // A null median is either withheld or over no referrals: the column stays empty.
                String::new(),
            ])
            .map_err(io)?;
        }
        Ok(())
    };
    for p in &stats.partners {
        write(&mut w, &p.partner.name, "", &p.counts)?;
        for s in &p.services {
            write(&mut w, &p.partner.name, &s.service.name, &s.counts)?;
        }
    }
    crate::api::csv_out::finish(w)
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(super::median(vec![]), None);
        assert_eq!(super::median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(super::median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
