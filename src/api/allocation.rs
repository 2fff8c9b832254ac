//! Allocation proposals: how to share the social workers' weekly office-hour slots over the
//! schools, so the coordinator can defend every school's share. Nothing is stored and no
//! assignment is made: the proposal is advice.
//!
//! The weight of a school is an estimate of its pupils facing disadvantage plus its recent
//! demand: `pupil_count × SES share + ALLOCATION_HELP_REQUEST_WEIGHT × help requests`, where the
//! SES share is `ses.any` (pupils with at least one indicator) or, when the school lacks it, the
//! mean of the indicators it has (0 without figures), and help requests are the cases opened
//! and consult requests made at the school in the 365 days before the period starts. A school
//! that wishes consult only (`wishes.preferred_presence = consult`) gets no office-hour slots.
//! Every other school first gets the minimum; the rest is shared by largest remainder
//! (Hamilton), ties going to the higher weight, then to the school name, then its id.

use kinderen_eerst_macros::document_limits;
use std::collections::HashMap;

use actix_web::{post, web};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::common::Checks;
use crate::api::extract::ApiJson;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::db::schools::SchoolRow;
use crate::db::{allocation as repo, consults, users};
use crate::domain::presence::{Claim, largest_remainder};
use crate::domain::social_map::PresenceMode;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;

/// One social worker's weekly capacity.
#[document_limits]
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerCapacity {
    #[schema(format = Uuid)]
    pub worker_id: Uuid,
    /// Office-hour slots a week.
    #[validate(range(min = 0, max = 40))]
    pub slots: u32,
}

#[document_limits]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: NaiveDate,
    /// Included.
    pub to: NaiveDate,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"workers": [{"worker_id": "0193a1b2-0000-7000-8000-0000000000b1", "slots": 4}, {"worker_id": "0193a1b2-0000-7000-8000-0000000000b2", "slots": 3}], "period": {"from": "2026-09-01", "to": "2027-06-30"}, "minimum_per_school": 0, "network_id": null}))]
pub struct AllocationRequest {
    /// The workers whose slots are shared; the capacity is the sum of their slots.
    #[validate(length(min = 1, max = 100), nested)]
    pub workers: Vec<WorkerCapacity>,
    pub period: Period,
    /// Slots every school that wants office hours gets first (default
    /// `ALLOCATION_MIN_SLOTS_PER_SCHOOL`, 0).
    #[validate(range(min = 0, max = 10))]
    pub minimum_per_school: Option<u32>,
    /// Only the (active) schools of this network; default: every active school.
    #[schema(format = Uuid)]
    pub network_id: Option<Uuid>,
    /// Only these schools (within `network_id`, when both are sent).
    #[validate(length(min = 1, max = 500))]
    pub school_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalSchool {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
    #[schema(format = Uuid)]
    pub network_id: String,
}

/// Where the SES share came from.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SesSource {
    /// `ses.any`: pupils with at least one indicator.
    SesAny,
    /// The mean of the indicators the school has figures for.
    IndicatorMean,
    /// No SES figures: the share counts as 0.
    None,
}

/// What the weight was computed from.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationInputs {
    pub pupil_count: i32,
    /// Percentage (0–100) used as the SES share.
    pub ses_share: f64,
    pub ses_source: SesSource,
    /// Cases opened at the school in the help-request window.
    pub cases: i64,
    /// Consult requests the school made in the window.
    pub consult_requests: i64,
    pub preferred_presence: Option<PresenceMode>,
}

/// One school's share, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchoolShare {
    pub school: ProposalSchool,
    pub inputs: AllocationInputs,
    /// Whether the school takes part (false: it wishes consult only).
    pub eligible: bool,
    pub weight: f64,
    /// The exact share (minimum included) before rounding to whole slots.
    pub quota: f64,
    /// Proposed weekly office-hour slots.
    pub slots: u32,
    /// The computation in words, to defend the share.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HelpRequestWindow {
    pub from: NaiveDate,
    /// Excluded: the period's first day.
    pub until: NaiveDate,
}

/// A proposal: per school its inputs, weight, quota, slots and reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationProposal {
    pub period: Period,
    /// Total weekly slots: the sum of the workers' slots.
    pub capacity: u32,
    pub minimum_per_school: u32,
    /// `largest_remainder` (Hamilton).
    pub method: String,
    pub weight_formula: String,
    pub tie_break: String,
    pub help_request_window: HelpRequestWindow,
    /// Slots given to schools; equals `capacity` unless no school is eligible.
    pub allocated: u32,
    pub unallocated: u32,
    /// By slots, then weight (both descending), then name.
    pub schools: Vec<SchoolShare>,
}

pub(crate) fn ses_share(s: &SchoolRow) -> (f64, SesSource) {
    if let Some(any) = s.ses_any {
        return (any, SesSource::SesAny);
    }
    let known: Vec<f64> = [
        s.ses_home_language,
        s.ses_maternal_education,
        s.ses_school_allowance,
        s.ses_neighbourhood,
    ]
    .into_iter()
    .flatten()
    .collect();
    if known.is_empty() {
        (0.0, SesSource::None)
    } else {
        (
            known.iter().sum::<f64>() / known.len() as f64,
            SesSource::IndicatorMean,
        )
    }
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

#[utoipa::path(
    post, path = "/api/v1/allocation/proposal", tag = "allocation", operation_id = "propose_allocation",
    summary = "Propose how to share office-hour slots over the schools",
    description = "Given the social workers' weekly capacity (office-hour slots), a period and a minimum per school, \
proposes per school the weekly slots, with its inputs, weight, exact quota and the reason in words. \
Weight = pupil_count × SES share (`ses.any`, else the mean of the indicators, else 0) + \
`ALLOCATION_HELP_REQUEST_WEIGHT` (10) × help requests (cases opened and consult requests made in the 365 days \
before the period). A school that wishes consult only gets no slots. Every other school gets the minimum first; \
the rest is shared by largest remainder (Hamilton), ties to the higher weight, then the school name, then its id: \
the same input gives the same proposal. A capacity below minimum × schools is 422 naming `minimum_per_school`. \
Nothing is stored; no assignment is made. Roles: coordinator.",
    security(("bearer" = [])), request_body = AllocationRequest,
    responses(
        (status = 200, description = "The proposal", body = AllocationProposal),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/allocation/proposal")]
pub async fn propose_allocation(
    state: web::Data<AppState>,
    _: Allowed<can::ProposeAllocation>,
    body: ApiJson<AllocationRequest>,
) -> ApiResult<web::Json<AllocationProposal>> {
    let b = body.into_inner()?;
    let minimum = b
        .minimum_per_school
        .unwrap_or(state.settings.allocation_min_slots_per_school);
    let per_request = state.settings.allocation_help_request_weight;
    let proposal = state
        .db
        .run(move |conn| {
            let mut checks = Checks::default();
            checks.check(
                b.period.from <= b.period.to,
                "period.to",
                crate::msg!(NotBefore, other = "period.from"),
            );
            let mut seen = Vec::new();
            for (i, w) in b.workers.iter().enumerate() {
                let field = format!("workers[{i}].worker_id");
                let id = w.worker_id.to_string();
                if !users::is_active_worker(conn, &id)? {
                    checks.add(&field, Code::ActiveSocialWorker);
                }
                if seen.contains(&id) {
                    checks.add(&field, Code::ListedTwice);
                }
                seen.push(id);
            }
            checks.finish()?;
            let capacity: u32 = b.workers.iter().map(|w| w.slots).sum();
            let schools = repo::schools(
                conn,
                b.network_id.map(|n| n.to_string()),
                b.school_ids
                    .as_ref()
                    .map(|ids| ids.iter().map(Uuid::to_string).collect()),
            )?;
            let window_from = b
                .period
                .from
                .checked_sub_signed(Duration::days(365))
                .ok_or_else(|| ApiError::field("period.from", Code::TooFarInPast))?;
            let (wf, wt) = (
                window_from.and_hms_opt(0, 0, 0).unwrap_or_default(),
                b.period.from.and_hms_opt(0, 0, 0).unwrap_or_default(),
            );
            let cases: HashMap<String, i64> = repo::cases_by_school(conn, wf, wt)?;
            let consults: HashMap<String, i64> = consults::count_by_school(conn, wf, wt)?;
            propose(
                b.period,
                capacity,
                minimum,
                per_request,
                &schools,
                &cases,
                &consults,
                window_from,
            )
        })
        .await?;
    Ok(web::Json(proposal))
}

/// The proposal from its inputs: pure, so the same input gives the same output.
#[allow(clippy::too_many_arguments)]
fn propose(
    period: Period,
    capacity: u32,
    minimum: u32,
    per_request: f64,
    schools: &[SchoolRow],
    cases: &HashMap<String, i64>,
    consults: &HashMap<String, i64>,
    window_from: NaiveDate,
) -> ApiResult<AllocationProposal> {
    struct Row<'a> {
        school: &'a SchoolRow,
        inputs: AllocationInputs,
        eligible: bool,
        weight: f64,
    }
    let rows: Vec<Row> = schools
        .iter()
        .map(|s| {
            let (share, source) = ses_share(s);
            let preferred = s
                .preferred_presence
                .as_deref()
                .and_then(PresenceMode::parse);
            let c = cases.get(&s.id).copied().unwrap_or(0);
            let k = consults.get(&s.id).copied().unwrap_or(0);
            let eligible = preferred != Some(PresenceMode::Consult);
            let weight = s.pupil_count.max(0) as f64 * share / 100.0 + per_request * (c + k) as f64;
            Row {
                school: s,
                inputs: AllocationInputs {
                    pupil_count: s.pupil_count,
                    ses_share: share,
                    ses_source: source,
                    cases: c,
                    consult_requests: k,
                    preferred_presence: preferred,
                },
                eligible,
                weight: if eligible { weight } else { 0.0 },
            }
        })
        .collect();
    let eligible: Vec<&Row> = rows.iter().filter(|r| r.eligible).collect();
    let claims: Vec<Claim> = eligible
        .iter()
        .map(|r| Claim {
            weight: r.weight,
            tie_key: format!("{}\u{0}{}", r.school.name, r.school.id),
        })
        .collect();
    let shares = if eligible.is_empty() {
        Vec::new()
    } else {
        largest_remainder(capacity, minimum, &claims).ok_or_else(|| {
            ApiError::field(
                "minimum_per_school",
                crate::msg!(
                    AllocationCapacity,
                    minimum = minimum,
                    schools = eligible.len(),
                    needed = minimum as usize * eligible.len(),
                    capacity = capacity
                ),
            )
        })?
    };
    let total_weight: f64 = eligible.iter().map(|r| r.weight).sum();
    let shared = capacity.saturating_sub(minimum * eligible.len() as u32);
    let mut share_of: HashMap<&str, &crate::domain::presence::Share> = HashMap::new();
    for (r, s) in eligible.iter().zip(shares.iter()) {
        share_of.insert(r.school.id.as_str(), s);
    }
    let mut out: Vec<SchoolShare> = rows
        .into_iter()
        .map(|r| {
            let i = &r.inputs;
            let help = i.cases + i.consult_requests;
            let (quota, slots, reason) = match share_of.get(r.school.id.as_str()) {
                None => (
                    0.0,
                    0,
                    "The school wishes consult only (wishes.preferred_presence = consult): no office-hour slots."
                        .to_string(),
                ),
                Some(s) => {
                    let ses = match i.ses_source {
                        SesSource::SesAny => format!("{:.1}% with an SES indicator", i.ses_share),
                        SesSource::IndicatorMean => {
                            format!("{:.1}% (mean of its SES indicators)", i.ses_share)
                        }
                        SesSource::None => "0% (no SES figures)".to_string(),
                    };
                    let pct = if total_weight > 0.0 {
                        format!("{:.1}% of the total weight", 100.0 * r.weight / total_weight)
                    } else {
                        "all weights are 0, so an equal part".to_string()
                    };
                    let extra = if s.remainder_slot {
                        " (rounded up: one of the largest remainders)"
                    } else {
                        ""
                    };
                    (
                        s.quota,
                        s.slots,
                        format!(
                            "{} pupils × {ses} = {:.1}, plus {help} help request(s) ({} case(s), {} consult request(s)) × {per_request} = {:.1}: weight {:.1}, {pct}. \
                             {minimum} minimum + {:.2} of the {shared} shared slot(s) = quota {:.2} → {} slot(s){extra}.",
                            i.pupil_count,
                            i.pupil_count.max(0) as f64 * i.ses_share / 100.0,
                            i.cases,
                            i.consult_requests,
                            per_request * help as f64,
                            r.weight,
                            s.quota - minimum as f64,
                            s.quota,
                            s.slots,
                        ),
                    )
                }
            };
            SchoolShare {
                school: ProposalSchool {
                    id: r.school.id.clone(),
                    name: r.school.name.clone(),
                    network_id: r.school.network_id.clone(),
                },
                eligible: r.eligible,
                weight: round(r.weight, 4),
                quota: round(quota, 4),
                slots,
                reason,
                inputs: r.inputs,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.slots
            .cmp(&a.slots)
            .then(b.weight.total_cmp(&a.weight))
            .then(a.school.name.cmp(&b.school.name))
            .then(a.school.id.cmp(&b.school.id))
    });
    let allocated: u32 = out.iter().map(|s| s.slots).sum();
    Ok(AllocationProposal {
        period,
        capacity,
        minimum_per_school: minimum,
        method: "largest_remainder".into(),
        weight_formula: format!(
            "pupil_count × SES share (ses.any, else the mean of the indicators, else 0) + {per_request} × (cases + consult requests in the window)"
        ),
        tie_break: "equal remainders: higher weight first, then school name, then school id".into(),
        help_request_window: HelpRequestWindow {
            from: window_from,
            until: period.from,
        },
        allocated,
        unallocated: capacity - allocated,
        schools: out,
    })
}
