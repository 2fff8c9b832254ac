//! The vocabularies of presence at schools and the network's work, and the two pieces of pure
//! arithmetic behind them: weekly recurrence of office hours and largest-remainder apportionment.

use chrono::{Datelike, NaiveDate};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::case::code_enum;
use crate::i18n::Code;

code_enum! {
    /// Where one office-hours session stands.
    pub enum SessionStatus {
        /// On the calendar, not (yet) logged as held.
        Planned = "planned",
        /// Cancelled by an exception, or falling in a closed period (school holiday).
        Cancelled = "cancelled",
        /// Moved to another date or time by an exception.
        Moved = "moved",
        /// Logged by the worker as held, with a number of contacts.
        Held = "held",
    }
}

code_enum! {
    /// What an exception does to one session.
    pub enum ExceptionKind {
        Cancelled = "cancelled",
        Moved = "moved",
    }
}

code_enum! {
    /// `requested` → `scheduled` → `done` | `cancelled`; `requested` → `cancelled`.
    pub enum ConsultStatus {
        Requested = "requested",
        Scheduled = "scheduled",
        Done = "done",
        Cancelled = "cancelled",
    }
}

/// A lifecycle action on a consult request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultAction {
    /// Plan a visit, or move a planned one.
    Schedule,
    Complete,
    Cancel,
}

impl crate::domain::lifecycle::Lifecycle for ConsultAction {
    type State = ConsultStatus;
    const OBJECT: Code = Code::ObjectConsult;
    fn step(self) -> crate::domain::lifecycle::Step<ConsultStatus> {
        use crate::domain::lifecycle::{Requires, Step};
        use ConsultStatus::*;
        match self {
            ConsultAction::Schedule => Step {
                action: "schedule",
                from: &[Requested, Scheduled],
                to: Scheduled,
                requires: Requires::Nothing,
            },
            ConsultAction::Complete => Step {
                action: "complete",
                from: &[Scheduled],
                to: Done,
                requires: Requires::Nothing,
            },
            ConsultAction::Cancel => Step {
                action: "cancel",
                from: &[Requested, Scheduled],
                to: Cancelled,
                requires: Requires::Reason,
            },
        }
    }
}

code_enum! {
    /// How soon the school needs the visit.
    pub enum ConsultUrgency {
        Low = "low",
        Normal = "normal",
        High = "high",
        Urgent = "urgent",
    }
}

code_enum! {
    /// What kind of activity the programme held.
    pub enum ActivityKind {
        /// A training (vorming) given by the programme.
        Training = "training",
        /// An activity at or with a school.
        SchoolActivity = "school_activity",
        /// Coaching a school on poverty and cost-conscious education.
        Coaching = "coaching",
        /// Making the programme known.
        Publicity = "publicity",
    }
}

code_enum! {
    /// Who an activity was for.
    pub enum Audience {
        Pupils = "pupils",
        PupilCounsellors = "pupil_counsellors",
        Teachers = "teachers",
        ClbStaff = "clb_staff",
        Parents = "parents",
        Partners = "partners",
    }
}

/// The dates in `[from, to]` on which a weekly slot on ISO `weekday` (1 = Monday) falls while
/// the assignment is valid (`valid_from` ..= `valid_to`).
pub fn weekly_dates(
    weekday: u32,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<NaiveDate> {
    let start = from.max(valid_from);
    let end = valid_to.map_or(to, |v| v.min(to));
    if start > end || !(1..=7).contains(&weekday) {
        return Vec::new();
    }
    let ahead = (weekday + 7 - start.weekday().number_from_monday()) % 7;
    let mut next = start.checked_add_days(chrono::Days::new(ahead as u64));
    let mut out = Vec::new();
    while let Some(day) = next.filter(|d| *d <= end) {
        out.push(day);
        next = day.checked_add_days(chrono::Days::new(7));
    }
    out
}

/// One claimant in an apportionment: its weight and a key that orders ties (smaller first).
#[derive(Debug, Clone)]
pub struct Claim {
    pub weight: f64,
    pub tie_key: String,
}

/// One claimant's share: its exact quota and the whole slots it gets.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub quota: f64,
    pub slots: u32,
    /// Whether it got one of the slots handed out by largest remainder.
    pub remainder_slot: bool,
}

/// Largest remainder (Hamilton): every claimant first gets `minimum`; the rest of `capacity` is
/// divided in proportion to the weights (all equal when every weight is 0): each gets the whole
/// part of its quota, and the slots left go one each to the largest fractional parts. Ties go
/// to the higher weight, then to the smaller `tie_key`, so the result is deterministic.
/// `None` when the capacity cannot give everyone the minimum.
pub fn largest_remainder(capacity: u32, minimum: u32, claims: &[Claim]) -> Option<Vec<Share>> {
    let n = claims.len() as u32;
    let floor_total = minimum.checked_mul(n)?;
    if floor_total > capacity {
        return None;
    }
    if claims.is_empty() {
        return Some(Vec::new());
    }
    let rest = capacity - floor_total;
    let total: f64 = claims.iter().map(|c| c.weight.max(0.0)).sum();
    let exact: Vec<f64> = claims
        .iter()
        .map(|c| {
            if total > 0.0 {
                rest as f64 * c.weight.max(0.0) / total
            } else {
                rest as f64 / n as f64
            }
        })
        .collect();
    let mut whole: Vec<u32> = exact.iter().map(|q| q.floor() as u32).collect();
    let given: u32 = whole.iter().sum();
    let mut order: Vec<usize> = (0..claims.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra)
            .then(claims[b].weight.total_cmp(&claims[a].weight))
            .then(claims[a].tie_key.cmp(&claims[b].tie_key))
    });
    let mut extra = vec![false; claims.len()];
    for &i in order.iter().take(rest.saturating_sub(given) as usize) {
        whole[i] += 1;
        extra[i] = true;
    }
    Some(
        exact
            .iter()
            .zip(whole)
            .zip(extra)
            .map(|((q, w), e)| Share {
                quota: minimum as f64 + q,
                slots: minimum + w,
                remainder_slot: e,
            })
            .collect(),
    )
}

/// An ISO weekday number, 1 = Monday … 7 = Sunday, where a list of them is taken.
pub fn is_iso_weekday(day: &u8) -> bool {
    (1..=7).contains(day)
}

/// The schema of an ISO weekday in a list (`#[schema(value_type = Vec<IsoWeekday>)]`); the same
/// bounds as `is_iso_weekday`.
pub struct IsoWeekday;

impl utoipa::PartialSchema for IsoWeekday {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .minimum(Some(1))
            .maximum(Some(7))
            .description(Some("ISO weekday: 1 = Monday … 7 = Sunday"))
            .into()
    }
}

impl utoipa::ToSchema for IsoWeekday {}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn tuesdays_across_a_month_boundary() {
        let days = weekly_dates(2, d("2026-01-01"), None, d("2026-01-20"), d("2026-02-10"));
        assert_eq!(
            days,
            vec![
                d("2026-01-20"),
                d("2026-01-27"),
                d("2026-02-03"),
                d("2026-02-10")
            ]
        );
    }

    #[test]
    fn validity_bounds_the_recurrence() {
        let days = weekly_dates(
            3,
            d("2026-01-14"),
            Some(d("2026-01-28")),
            d("2026-01-01"),
            d("2026-03-01"),
        );
        assert_eq!(
            days,
            vec![d("2026-01-14"), d("2026-01-21"), d("2026-01-28")]
        );
        assert!(
            weekly_dates(3, d("2026-05-01"), None, d("2026-01-01"), d("2026-03-01")).is_empty()
        );
    }

    fn claims(weights: &[f64]) -> Vec<Claim> {
        weights
            .iter()
            .enumerate()
            .map(|(i, w)| Claim {
                weight: *w,
                tie_key: format!("{i:03}"),
            })
            .collect()
    }

    #[test]
    fn hamilton_on_a_textbook_example() {
        // 10 seats, weights 5 : 3 : 2 → exactly 5, 3, 2.
        let s = largest_remainder(10, 0, &claims(&[50.0, 30.0, 20.0])).unwrap();
        assert_eq!(s.iter().map(|x| x.slots).collect::<Vec<_>>(), vec![5, 3, 2]);
        // 5 seats over 45 : 35 : 20 → quotas 2.25, 1.75, 1.0 → 2, 2, 1.
        let s = largest_remainder(5, 0, &claims(&[45.0, 35.0, 20.0])).unwrap();
        assert_eq!(s.iter().map(|x| x.slots).collect::<Vec<_>>(), vec![2, 2, 1]);
        assert!(s[1].remainder_slot && !s[0].remainder_slot);
    }

    #[test]
    fn minimum_first_then_proportional() {
        // 8 slots, minimum 1 each for 3 → 5 left over 3 : 1 : 1 → 3, 1, 1 → 4, 2, 2.
        let s = largest_remainder(8, 1, &claims(&[3.0, 1.0, 1.0])).unwrap();
        assert_eq!(s.iter().map(|x| x.slots).collect::<Vec<_>>(), vec![4, 2, 2]);
        assert!(largest_remainder(2, 1, &claims(&[1.0, 1.0, 1.0])).is_none());
    }

    #[test]
    fn equal_weights_and_ties_are_broken_by_the_key() {
        let s = largest_remainder(2, 0, &claims(&[1.0, 1.0, 1.0])).unwrap();
        assert_eq!(s.iter().map(|x| x.slots).collect::<Vec<_>>(), vec![1, 1, 0]);
        let s = largest_remainder(2, 0, &claims(&[0.0, 0.0, 0.0])).unwrap();
        assert_eq!(s.iter().map(|x| x.slots).collect::<Vec<_>>(), vec![1, 1, 0]);
    }

    #[test]
    fn properties_hold_over_many_inputs() {
        // A small deterministic generator: no dependency needed.
        let mut seed: u64 = 42;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u32
        };
        for _ in 0..500 {
            let n = 1 + next() % 8;
            let weights: Vec<f64> = (0..n).map(|_| (next() % 1000) as f64 / 7.0).collect();
            let minimum = next() % 3;
            let capacity = minimum * n + next() % 40;
            let c = claims(&weights);
            let s = largest_remainder(capacity, minimum, &c).unwrap();
            assert_eq!(s.iter().map(|x| x.slots).sum::<u32>(), capacity);
            for i in 0..c.len() {
                assert!(s[i].slots >= minimum);
                for j in 0..c.len() {
                    if c[i].weight > c[j].weight {
                        assert!(s[i].slots >= s[j].slots, "{weights:?} {capacity} {s:?}");
                    }
                }
            }
            assert_eq!(s, largest_remainder(capacity, minimum, &c).unwrap());
        }
    }
}
