//! Referral statistics per partner and service, for the coordinator: aggregates only.

use std::collections::{BTreeMap, HashSet};

use actix_web::{get, web};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::extract::ApiQuery;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::db::referrals::{self as repo, StatRow};
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;

/// Referral counts and lead times of one service, or of all services of one partner.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({"sent": 12, "accepted": 9, "declined": 2, "completed": 6, "failed": 1, "overrides": 1, "median_days_to_answer": 2.5, "median_days_to_completion": 21.0}))]
pub struct ReferralCounts {
    /// Referrals sent in the period.
    pub sent: u32,
    /// Of those, how many the partner accepted (at any time).
    pub accepted: u32,
    pub declined: u32,
    pub completed: u32,
    pub failed: u32,
    /// Sent without the family's consent, on another lawful basis.
    pub overrides: u32,
    /// Median days from sending to the partner's answer (accepted or declined); null without answers.
    pub median_days_to_answer: Option<f64>,
    /// Median days from sending to completion; null without completions.
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
    pub sent_from: Option<NaiveDate>,
    pub sent_to: Option<NaiveDate>,
    /// Partners with at least one referral sent in the period, by name.
    pub partners: Vec<PartnerReferralStats>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReferralStatsQuery {
    /// Only referrals sent on or after this day.
    pub sent_from: Option<NaiveDate>,
    /// Only referrals sent on or before this day.
    pub sent_to: Option<NaiveDate>,
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

fn counts<'a>(
    rows: impl Iterator<Item = &'a StatRow>,
    reached: &std::collections::HashMap<String, HashSet<String>>,
) -> ReferralCounts {
    let mut c = ReferralCounts::default();
    let (mut answer, mut completion) = (Vec::new(), Vec::new());
    let none = HashSet::new();
    for r in rows {
        let got = reached.get(&r.id).unwrap_or(&none);
        c.sent += 1;
        c.accepted += got.contains("accepted") as u32;
        c.declined += got.contains("declined") as u32;
        c.completed += got.contains("completed") as u32;
        c.failed += got.contains("failed") as u32;
        c.overrides += r.consent_override_basis.is_some() as u32;
        if let Some(sent) = r.sent_at {
            if let Some(a) = r.answered_at {
                answer.push(days(sent, a));
            }
            if let Some(done) = r.completed_at {
                completion.push(days(sent, done));
            }
        }
    }
    c.median_days_to_answer = median(answer);
    c.median_days_to_completion = median(completion);
    c
}

#[utoipa::path(
    get, path = "/api/v1/stats/referrals", tag = "stats", operation_id = "get_referral_stats",
    summary = "Referral statistics per partner and service",
    description = "For every partner organisation and each of its services: referrals sent in the period, \
how many were accepted, declined, completed and failed, how many were sent on a consent override, and the \
median days from sending to the partner's answer and to completion. Aggregates only. Roles: coordinator.",
    security(("bearer" = [])), params(ReferralStatsQuery),
    responses(
        (status = 200, description = "The statistics", body = ReferralStats),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/stats/referrals")]
pub async fn get_referral_stats(
    state: web::Data<AppState>,
    _: Allowed<can::ReadReferralMetadata>,
    query: ApiQuery<ReferralStatsQuery>,
) -> ApiResult<web::Json<ReferralStats>> {
    let (from, to) = (query.sent_from, query.sent_to);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(ApiError::field("sent_to", "must not be before sent_from"));
        }
    }
    let (rows, reached) = state
        .db
        .run(move |conn| {
            Ok(repo::sent_for_stats(
                conn,
                from.and_then(|d| d.and_hms_opt(0, 0, 0)),
                to.and_then(|d| d.succ_opt())
                    .and_then(|d| d.and_hms_opt(0, 0, 0)),
            )?)
        })
        .await?;
    // Grouped by partner, then service (the rows come ordered by their names).
    let mut partners: BTreeMap<(String, String), Vec<&StatRow>> = BTreeMap::new();
    for r in &rows {
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
                counts: counts(list.iter().copied(), &reached),
                services: services
                    .into_iter()
                    .map(|((name, id), l)| ServiceReferralStats {
                        service: StatsService { id, name },
                        counts: counts(l.into_iter(), &reached),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(web::Json(ReferralStats {
        sent_from: from,
        sent_to: to,
        partners,
    }))
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
