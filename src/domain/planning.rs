//! Allocation plans as pure arithmetic: which worker goes to which school in which mode, on
//! which weekday and at which time, from the schools' weights and wishes and the workers'
//! capacity, with no worker at two places at once. The same input gives the same plan.

use chrono::{Duration, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::case::code_enum;
use crate::domain::presence::{Claim, largest_remainder};
use crate::domain::social_map::PresenceMode;
use crate::i18n::Msg;

code_enum! {
    /// Where an allocation plan stands.
    pub enum PlanStatus {
        /// Proposed or being edited; no assignment changed yet.
        Draft = "draft",
        /// Applied: the assignments are as the plan says (applying again changes nothing).
        Applied = "applied",
    }
}

code_enum! {
    /// Why a worker is away.
    pub enum AbsenceKind {
        Leave = "leave",
        Illness = "illness",
        Other = "other",
    }
}

/// Why a plan line is as it is: a stable code with its values, rendered in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    Weight {
        weight: f64,
        pupils: i32,
        ses: f64,
        help: i64,
    },
    Spoc {
        left: f64,
    },
    WishConsult,
    WishSpoc,
    OfficeHoursShare {
        number: u32,
        of: u32,
    },
    WishDayMet,
    WishDayMissed,
    NoClash {
        gap: i64,
    },
    Capacity {
        used: f64,
        capacity: f64,
    },
    Manual,
}

fn one(x: f64) -> String {
    format!("{:.1}", x)
}

impl Reason {
    /// The reason as a message (its code is the reason's stable code).
    pub fn msg(&self) -> Msg {
        match self {
            Reason::Weight {
                weight,
                pupils,
                ses,
                help,
            } => crate::msg!(
                ReasonWeight,
                weight = one(*weight),
                pupils = pupils,
                ses = one(*ses),
                help = help
            ),
            Reason::Spoc { left } => crate::msg!(ReasonSpoc, left = one(*left)),
            Reason::WishConsult => crate::msg!(ReasonWishConsult),
            Reason::WishSpoc => crate::msg!(ReasonWishSpoc),
            Reason::OfficeHoursShare { number, of } => {
                crate::msg!(ReasonOfficeHoursShare, number = number, of = of)
            }
            Reason::WishDayMet => crate::msg!(ReasonWishDayMet),
            Reason::WishDayMissed => crate::msg!(ReasonWishDayMissed),
            Reason::NoClash { gap } => crate::msg!(ReasonNoClash, gap = gap),
            Reason::Capacity { used, capacity } => {
                crate::msg!(ReasonCapacity, used = one(*used), capacity = one(*capacity))
            }
            Reason::Manual => crate::msg!(ReasonManual),
        }
    }
}

/// A worker a plan may use, with the hours a week they have.
#[derive(Debug, Clone)]
pub struct PlanWorker {
    pub id: String,
    pub capacity_hours: f64,
}

/// A school a plan covers, with what its share is computed from.
#[derive(Debug, Clone)]
pub struct PlanSchool {
    pub id: String,
    pub name: String,
    pub weight: f64,
    pub pupils: i32,
    pub ses: f64,
    pub help_requests: i64,
    pub preferred: Option<PresenceMode>,
    /// ISO weekdays the school wishes (empty: any).
    pub weekdays: Vec<u8>,
    pub earliest: Option<NaiveTime>,
    pub latest: Option<NaiveTime>,
}

#[derive(Debug, Clone, Copy)]
pub struct Knobs {
    pub session_minutes: i64,
    pub travel_gap_minutes: i64,
    pub contact_hours: f64,
}

/// One proposed line: a worker at a school in a mode (office hours with a weekly slot).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub worker_id: String,
    pub school_id: String,
    pub mode: PresenceMode,
    pub weekday: Option<i32>,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    pub hours: f64,
    pub reasons: Vec<Reason>,
}

/// A weekly slot held by someone: (weekday, start, end, school).
#[derive(Debug, Clone)]
pub struct Booked<'a> {
    pub weekday: i32,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub school_id: &'a str,
}

/// Whether one worker can hold both weekly slots: on another day always; on the same day the
/// slots may not overlap, and at different schools they need `gap` minutes in between.
pub fn clashes(a: &Booked, b: &Booked, gap: i64) -> bool {
    if a.weekday != b.weekday {
        return false;
    }
    let gap = if a.school_id == b.school_id {
        Duration::zero()
    } else {
        Duration::minutes(gap.max(0))
    };
    a.start < b.end + gap && b.start < a.end + gap
}

/// The start times a day offers: from 08:30, one session plus the travel gap apart, ending by
/// 16:30.
fn day_starts(k: &Knobs) -> Vec<NaiveTime> {
    let first = NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default();
    let last_end = NaiveTime::from_hms_opt(16, 30, 0).unwrap_or_default();
    let len = Duration::minutes(k.session_minutes.max(15));
    let step = len + Duration::minutes(k.travel_gap_minutes.max(0));
    let mut out = Vec::new();
    let mut t = first;
    while t + len <= last_end && out.len() < 24 {
        out.push(t);
        let (next, wrapped) = t.overflowing_add_signed(step);
        if wrapped != 0 {
            break;
        }
        t = next;
    }
    out
}

/// The plan. Every school gets a SPOC (the worker with the most free hours when its turn
/// comes, schools by weight); a school that wishes consult also gets a consult line, one that
/// wishes SPOC only nothing more; the others share the office-hours sessions the remaining
/// capacity allows by largest remainder over their weights, each placed at the first free
/// moment (the school's wished days and hours first, its SPOC first) that clashes with nothing
/// the worker holds. Returns the lines and the schools nothing could be placed for.
pub fn plan(workers: &[PlanWorker], schools: &[PlanSchool], k: Knobs) -> (Vec<Line>, Vec<String>) {
    let mut order: Vec<&PlanSchool> = schools.iter().collect();
    order.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(a.name.cmp(&b.name))
            .then(a.id.cmp(&b.id))
    });
    let mut left: Vec<f64> = workers.iter().map(|w| w.capacity_hours).collect();
    let mut lines: Vec<Line> = Vec::new();
    let mut unplaced: Vec<String> = Vec::new();
    let mut spoc_of: std::collections::HashMap<&str, usize> = Default::default();
    let contact = k.contact_hours.max(0.0);
    let session_hours = k.session_minutes.max(15) as f64 / 60.0;
    let weight_reason = |s: &PlanSchool| Reason::Weight {
        weight: s.weight,
        pupils: s.pupils,
        ses: s.ses,
        help: s.help_requests,
    };
    // SPOC (and consult) first: every school needs a point of contact.
    for s in &order {
        let best = (0..workers.len())
            .filter(|&i| left[i] + 1e-9 >= contact)
            .max_by(|&a, &b| {
                left[a]
                    .total_cmp(&left[b])
                    .then(workers[b].id.cmp(&workers[a].id))
            });
        let Some(i) = best else {
            unplaced.push(s.id.clone());
            continue;
        };
        let free = left[i];
        left[i] -= contact;
        spoc_of.insert(s.id.as_str(), i);
        let mut reasons = vec![weight_reason(s), Reason::Spoc { left: free }];
        if s.preferred == Some(PresenceMode::Spoc) {
            reasons.push(Reason::WishSpoc);
        }
        lines.push(Line {
            worker_id: workers[i].id.clone(),
            school_id: s.id.clone(),
            mode: PresenceMode::Spoc,
            weekday: None,
            start: None,
            end: None,
            hours: contact,
            reasons,
        });
        if s.preferred == Some(PresenceMode::Consult) && left[i] + 1e-9 >= contact {
            left[i] -= contact;
            lines.push(Line {
                worker_id: workers[i].id.clone(),
                school_id: s.id.clone(),
                mode: PresenceMode::Consult,
                weekday: None,
                start: None,
                end: None,
                hours: contact,
                reasons: vec![weight_reason(s), Reason::WishConsult],
            });
        }
    }
    // Office hours: the sessions the remaining capacity allows, shared by weight.
    let eligible: Vec<&PlanSchool> = order
        .iter()
        .copied()
        .filter(|s| {
            !matches!(
                s.preferred,
                Some(PresenceMode::Consult) | Some(PresenceMode::Spoc)
            ) && spoc_of.contains_key(s.id.as_str())
        })
        .collect();
    let starts = day_starts(&k);
    let slots_per_worker = (starts.len() * 5) as u32;
    let sessions: u32 = left
        .iter()
        .map(|h| ((h + 1e-9) / session_hours).floor().max(0.0) as u32)
        .map(|n| n.min(slots_per_worker))
        .sum();
    let claims: Vec<Claim> = eligible
        .iter()
        .map(|s| Claim {
            weight: s.weight,
            tie_key: format!("{}\u{0}{}", s.name, s.id),
        })
        .collect();
    let shares = largest_remainder(sessions, 0, &claims).unwrap_or_default();
    let mut booked: Vec<Vec<(i32, NaiveTime, NaiveTime, String)>> = vec![Vec::new(); workers.len()];
    let len = Duration::minutes(k.session_minutes.max(15));
    for (s, share) in eligible.iter().zip(shares.iter()) {
        let home = spoc_of.get(s.id.as_str()).copied();
        let mut candidates_workers: Vec<usize> = home.into_iter().collect();
        let mut others: Vec<usize> = (0..workers.len()).filter(|i| Some(*i) != home).collect();
        others.sort_by(|&a, &b| {
            left[b]
                .total_cmp(&left[a])
                .then(workers[a].id.cmp(&workers[b].id))
        });
        candidates_workers.extend(others);
        let mut days_used: Vec<i32> = Vec::new();
        for n in 0..share.slots {
            let wished_day = |d: i32| s.weekdays.is_empty() || s.weekdays.contains(&(d as u8));
            let wished_time = |t: NaiveTime| {
                s.earliest.is_none_or(|e| t >= e) && s.latest.is_none_or(|l| t + len <= l)
            };
            let mut moments: Vec<(bool, i32, NaiveTime)> = Vec::new();
            for d in 1..=5 {
                for &t in &starts {
                    moments.push((wished_day(d) && wished_time(t), d, t));
                }
            }
            // Wished moments first, then days the school has no session yet, then early.
            moments.sort_by_key(|(met, d, t)| (!*met, days_used.contains(d), *d, *t));
            let mut placed = None;
            'search: for &(met, d, t) in &moments {
                for &w in &candidates_workers {
                    if left[w] + 1e-9 < session_hours {
                        continue;
                    }
                    let me = Booked {
                        weekday: d,
                        start: t,
                        end: t + len,
                        school_id: &s.id,
                    };
                    let free = booked[w].iter().all(|(bd, bs, be, bschool)| {
                        !clashes(
                            &me,
                            &Booked {
                                weekday: *bd,
                                start: *bs,
                                end: *be,
                                school_id: bschool,
                            },
                            k.travel_gap_minutes,
                        )
                    });
                    if free {
                        placed = Some((w, d, t, met));
                        break 'search;
                    }
                }
            }
            let Some((w, d, t, met)) = placed else {
                if !unplaced.contains(&s.id) {
                    unplaced.push(s.id.clone());
                }
                break;
            };
            left[w] -= session_hours;
            booked[w].push((d, t, t + len, s.id.clone()));
            days_used.push(d);
            lines.push(Line {
                worker_id: workers[w].id.clone(),
                school_id: s.id.clone(),
                mode: PresenceMode::OfficeHours,
                weekday: Some(d),
                start: Some(t),
                end: Some(t + len),
                hours: session_hours,
                reasons: vec![
                    weight_reason(s),
                    Reason::OfficeHoursShare {
                        number: n + 1,
                        of: share.slots,
                    },
                    if met {
                        Reason::WishDayMet
                    } else {
                        Reason::WishDayMissed
                    },
                    Reason::NoClash {
                        gap: k.travel_gap_minutes,
                    },
                ],
            });
        }
    }
    // Each line says how much of its worker's week the whole plan uses.
    for l in &mut lines {
        if let Some(i) = workers.iter().position(|w| w.id == l.worker_id) {
            l.reasons.push(Reason::Capacity {
                used: workers[i].capacity_hours - left[i],
                capacity: workers[i].capacity_hours,
            });
        }
    }
    (lines, unplaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn two_schools_on_one_morning_need_the_travel_gap() {
        let a = Booked {
            weekday: 1,
            start: t(8, 30),
            end: t(10, 30),
            school_id: "a",
        };
        let close = Booked {
            weekday: 1,
            start: t(10, 45),
            end: t(12, 0),
            school_id: "b",
        };
        let far = Booked {
            start: t(11, 0),
            ..close.clone()
        };
        assert!(clashes(&a, &close, 30));
        assert!(!clashes(&a, &far, 30));
        let same_school = Booked {
            school_id: "a",
            ..close.clone()
        };
        assert!(!clashes(&a, &same_school, 30));
        let other_day = Booked {
            weekday: 2,
            ..a.clone()
        };
        assert!(!clashes(&a, &other_day, 30));
    }
}
