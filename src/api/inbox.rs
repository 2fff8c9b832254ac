//! The inbox: a day's work in one call. Per role, what waits — new signals, consults to plan,
//! referrals overdue or answered, this week's office hours and visits, cases to follow up; for a
//! school its consults, visits, feedback and next office hour; for the coordinator the gaps in
//! the programme. Each item links its resource and is marked new since the caller last looked.
//! Items carry ids, references, school and partner names, dates and counts — never a pupil's
//! pseudonym, a family's name or a text — so the inbox itself needs no audit event: opening an
//! item does.

use kinderen_eerst_macros::document_limits;
use std::cmp::Reverse;

use actix_web::{get, post, web};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::presence::expand;
use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::auth::viewer::Reach;
use crate::db::inbox as repo;
use crate::db::presence::SlotFilter;
use crate::db::{DbConn, now};
use crate::domain::Role;
use crate::domain::case::code_enum;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;

code_enum! {
    /// What an inbox item is about.
    pub enum InboxKind {
        /// A worker: a checklist submission of one of their schools, not yet triaged.
        SubmissionNew = "submission_new",
        /// A worker: a school's consult request to plan.
        ConsultToPlan = "consult_to_plan",
        /// A worker: a referral past its follow-up day without an answer.
        ReferralOverdue = "referral_overdue",
        /// A worker: a partner's answer to a referral (accepted, declined, started, on hold,
        /// completed, failed) in the last `INBOX_RECENT_DAYS`.
        ReferralAnswered = "referral_answered",
        /// A worker: an office-hours session this week; a school: its next one.
        OfficeHour = "office_hour",
        /// A worker: a consult visit this week; a school: a planned visit.
        Visit = "visit",
        /// A worker: an open case whose follow-up day has come.
        CaseFollowUp = "case_follow_up",
        /// A school: one of its consult requests not planned yet.
        ConsultRequested = "consult_requested",
        /// A school: feedback on a case it raised (shown while the family's consent is live).
        FeedbackNew = "feedback_new",
        /// A school: its single point of contact at the OCMW.
        Spoc = "spoc",
        /// The coordinator: an active school without a current SPOC.
        SchoolWithoutSpoc = "school_without_spoc",
        /// The coordinator: an active school without current office hours.
        SchoolWithoutOfficeHours = "school_without_office_hours",
        /// The coordinator: a social worker whose current assignments take more hours a week
        /// than their capacity (`count`: the hours assigned; `capacity_hours`: theirs).
        WorkerOverCapacity = "worker_over_capacity",
        /// The coordinator: overdue referrals in a network (a count).
        ReferralsOverdue = "referrals_overdue",
        /// The coordinator: submissions of a school waiting longer than
        /// `INBOX_SUBMISSION_WAIT_DAYS` (a count).
        SubmissionsWaiting = "submissions_waiting",
    }
}

/// A school as an inbox item names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxSchool {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

/// A social worker as an inbox item names them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxWorker {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub display_name: String,
}

/// A network as an inbox item names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxNetwork {
    #[schema(read_only, format = Uuid)]
    pub id: Option<String>,
    pub name: String,
}

/// One thing waiting. Which fields are set depends on `kind`; none carries personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"kind": "submission_new", "at": "2026-12-04T08:12:00Z", "new": true, "link": "/api/v1/checklist-submissions/0193a1b2-0000-7000-8000-0000000000d9", "id": "0193a1b2-0000-7000-8000-0000000000d9", "reference": null, "school": {"id": "0193a1b2-0000-7000-8000-0000000000c1", "name": "Basisschool De Luchtballon"}, "network": null, "worker": null, "partner_name": null, "status": "submitted", "urgency": null, "date": null, "start_time": null, "end_time": null, "count": null}))]
pub struct InboxItem {
    pub kind: InboxKind,
    /// When it arose (submitted, requested, answered, written) or, for what is planned, when
    /// it takes place.
    pub at: DateTime<Utc>,
    /// It arose or changed after the caller last marked the inbox as seen.
    pub new: bool,
    /// Where to read or handle it (a path of this API).
    pub link: String,
    /// The id of the object `link` names, when it names one.
    #[schema(read_only, format = Uuid)]
    pub id: Option<String>,
    /// A case's reference (`KE-2026-00042`).
    pub reference: Option<String>,
    pub school: Option<InboxSchool>,
    pub network: Option<InboxNetwork>,
    pub worker: Option<InboxWorker>,
    /// The partner organisation of a referral.
    pub partner_name: Option<String>,
    /// The object's status (a submission's, consult's, referral's, case's or session's).
    pub status: Option<String>,
    /// A consult request's urgency.
    pub urgency: Option<String>,
    /// The day of a session or visit, or a case's follow-up day.
    pub date: Option<NaiveDate>,
    /// HH:MM, local time.
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub start_time: Option<String>,
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub end_time: Option<String>,
    /// For the coordinator's counts (for `worker_over_capacity`: the hours a week assigned,
    /// rounded up).
    pub count: Option<i64>,
    /// For `worker_over_capacity`: the worker's capacity, hours a week.
    pub capacity_hours: Option<i64>,
}

impl InboxItem {
    fn new(kind: InboxKind, at: NaiveDateTime, link: String) -> InboxItem {
        InboxItem {
            kind,
            at: utc(at),
            new: false,
            link,
            id: None,
            reference: None,
            school: None,
            network: None,
            worker: None,
            partner_name: None,
            status: None,
            urgency: None,
            date: None,
            start_time: None,
            end_time: None,
            count: None,
            capacity_hours: None,
        }
    }

    fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }

    fn school(mut self, id: &str, name: &str) -> Self {
        self.school = Some(InboxSchool {
            id: id.to_string(),
            name: name.to_string(),
        });
        self
    }

    fn status(mut self, s: &str) -> Self {
        self.status = Some(s.to_string());
        self
    }

    /// Marks the item new when `changed` is after the mark (everything is new before the
    /// first mark).
    fn new_after(mut self, seen: Option<NaiveDateTime>, changed: NaiveDateTime) -> Self {
        self.new = seen.is_none_or(|s| changed > s);
        self
    }
}

/// The caller's inbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    pub role: Role,
    pub generated_at: DateTime<Utc>,
    /// When the caller last marked the inbox as seen (`POST /api/v1/inbox/seen`); null before
    /// the first time, when every item is new.
    pub seen_at: Option<DateTime<Utc>>,
    /// How many items are new.
    pub new_count: i64,
    /// Overdue and new first within each kind; kinds in the order of `InboxKind`.
    pub items: Vec<InboxItem>,
}

fn hhmm(t: Option<NaiveTime>) -> Option<String> {
    t.map(|t| t.format("%H:%M").to_string())
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn day_start(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

/// What the inbox settings say.
#[derive(Debug, Clone, Copy)]
struct Knobs {
    recent_days: i64,
    wait_days: i64,
    contact_hours: f64,
}

fn worker_items(
    conn: &mut DbConn,
    user: &Viewer,
    schools: &[String],
    seen: Option<NaiveDateTime>,
    k: Knobs,
) -> ApiResult<Vec<InboxItem>> {
    let (today, at) = (today(), now());
    let week_end = today + Duration::days(6);
    let mut items = Vec::new();
    for (id, school_id, school_name, submitted) in
        repo::submissions_waiting(conn, Some(schools), None)?
    {
        items.push(
            InboxItem::new(
                InboxKind::SubmissionNew,
                submitted,
                format!("/api/v1/checklist-submissions/{id}"),
            )
            .id(&id)
            .school(&school_id, &school_name)
            .status("submitted")
            .new_after(seen, submitted),
        );
    }
    for c in repo::consults(conn, schools, Some(&user.id), today, week_end)? {
        let link = format!("/api/v1/consult-requests/{}", c.id);
        let item = match c.scheduled_date {
            Some(d) if c.status == crate::domain::presence::ConsultStatus::Scheduled => {
                let start = d.and_time(c.start_time.unwrap_or(NaiveTime::MIN));
                let mut i = InboxItem::new(InboxKind::Visit, start, link);
                i.date = Some(d);
                i.start_time = hhmm(c.start_time);
                i.end_time = hhmm(c.end_time);
                i
            }
            _ => {
                let mut i = InboxItem::new(InboxKind::ConsultToPlan, c.created_at, link);
                i.urgency = Some(c.urgency.as_str().to_string());
                i
            }
        };
        items.push(
            item.id(&c.id)
                .school(&c.school_id, &c.school_name)
                .status(c.status.as_str())
                .new_after(seen, c.updated_at),
        );
    }
    let since = at - Duration::days(k.recent_days);
    for r in repo::referrals(conn, schools, today, since)? {
        let overdue = crate::domain::referral::ReferralStatus::OPEN_AT_PARTNER.contains(&r.status)
            && r.follow_up_on
                .is_some_and(|f| f < today && r.last_transition_on <= f);
        let (kind, when) = match (overdue, r.follow_up_on) {
            (true, Some(f)) => (
                InboxKind::ReferralOverdue,
                day_start(f.succ_opt().unwrap_or(f)),
            ),
            _ => (InboxKind::ReferralAnswered, r.last_transition_at),
        };
        let mut i = InboxItem::new(kind, when, format!("/api/v1/referrals/{}", r.id))
            .id(&r.id)
            .school(&r.school_id, &r.school_name)
            .status(r.status.as_str())
            .new_after(seen, when);
        i.partner_name = Some(r.partner_name);
        i.date = r.follow_up_on;
        items.push(i);
    }
    let f = SlotFilter {
        school_id: None,
        worker_id: Some(user.id.clone()),
    };
    for e in expand(conn, &f, today, week_end)? {
        let s = e.session;
        let start = s.date.and_time(e.start);
        let mut i = InboxItem::new(
            InboxKind::OfficeHour,
            start,
            format!(
                "/api/v1/office-hours?worker={}&from={}&to={}",
                user.id, s.date, s.date
            ),
        )
        .id(&s.assignment_id)
        .school(&s.school.id, &s.school.name)
        .status(s.status.as_str())
        .new_after(seen, e.changed_at);
        i.date = Some(s.date);
        i.start_time = Some(s.start_time);
        i.end_time = Some(s.end_time);
        items.push(i);
    }
    for (id, reference, school_id, school_name, status, follow_up, changed) in
        repo::follow_ups_due(conn, schools, today)?
    {
        let mut i = InboxItem::new(
            InboxKind::CaseFollowUp,
            day_start(follow_up),
            format!("/api/v1/cases/{id}"),
        )
        .id(&id)
        .school(&school_id, &school_name)
        .status(&status)
        .new_after(seen, changed.max(day_start(follow_up)));
        i.reference = Some(reference);
        i.date = Some(follow_up);
        items.push(i);
    }
    Ok(items)
}

fn school_items(
    conn: &mut DbConn,
    school_id: &str,
    seen: Option<NaiveDateTime>,
    k: Knobs,
) -> ApiResult<Vec<InboxItem>> {
    let today = today();
    let mut items = Vec::new();
    let schools = [school_id.to_string()];
    // Planned visits a term ahead: what a school plans around.
    for c in repo::consults(conn, &schools, None, today, today + Duration::days(120))? {
        let link = format!("/api/v1/consult-requests/{}", c.id);
        let mut item = match c.scheduled_date {
            Some(d) if c.status == crate::domain::presence::ConsultStatus::Scheduled => {
                let start = d.and_time(c.start_time.unwrap_or(NaiveTime::MIN));
                let mut i = InboxItem::new(InboxKind::Visit, start, link);
                i.date = Some(d);
                i.start_time = hhmm(c.start_time);
                i.end_time = hhmm(c.end_time);
                if let (Some(id), Some(name)) = (&c.worker_id, &c.worker_name) {
                    i.worker = Some(InboxWorker {
                        id: id.clone(),
                        display_name: name.clone(),
                    });
                }
                i
            }
            _ => InboxItem::new(InboxKind::ConsultRequested, c.created_at, link),
        };
        item.urgency = Some(c.urgency.as_str().to_string());
        items.push(
            item.id(&c.id)
                .school(&c.school_id, &c.school_name)
                .status(c.status.as_str())
                .new_after(seen, c.updated_at),
        );
    }
    let since = now() - Duration::days(k.recent_days);
    let written = repo::feedback_since(conn, school_id, since)?;
    let consents: Vec<String> = written.iter().filter_map(|w| w.3.clone()).collect();
    let live = crate::db::cases::live_consents(conn, &consents, now())?;
    for (id, reference, at, consent) in written {
        if !consent.is_some_and(|k| live.contains(&k)) {
            continue;
        }
        let mut i = InboxItem::new(InboxKind::FeedbackNew, at, format!("/api/v1/cases/{id}"))
            .id(&id)
            .new_after(seen, at);
        i.reference = Some(reference);
        items.push(i);
    }
    let f = SlotFilter {
        school_id: Some(school_id.to_string()),
        worker_id: None,
    };
    let next = expand(conn, &f, today, today + Duration::days(27))?
        .into_iter()
        .find(|e| {
            e.session.status == crate::domain::presence::SessionStatus::Planned
                && e.session.date.and_time(e.end) >= now()
        });
    if let Some(e) = next {
        let s = e.session;
        let mut i = InboxItem::new(
            InboxKind::OfficeHour,
            s.date.and_time(e.start),
            format!(
                "/api/v1/office-hours?school={school_id}&from={}&to={}",
                s.date, s.date
            ),
        )
        .id(&s.assignment_id)
        .school(&s.school.id, &s.school.name)
        .status(s.status.as_str())
        .new_after(seen, e.changed_at);
        i.worker = Some(InboxWorker {
            id: s.worker.id,
            display_name: s.worker.display_name,
        });
        i.date = Some(s.date);
        i.start_time = Some(s.start_time);
        i.end_time = Some(s.end_time);
        items.push(i);
    }
    if let Some((assignment, worker_id, worker_name, since)) =
        crate::db::assignments::spoc_with_name(conn, school_id, today)?
    {
        let mut i = InboxItem::new(
            InboxKind::Spoc,
            since,
            format!("/api/v1/assignments?school={school_id}"),
        )
        .id(&assignment)
        .new_after(seen, since);
        i.worker = Some(InboxWorker {
            id: worker_id,
            display_name: worker_name,
        });
        items.push(i);
    }
    Ok(items)
}

fn coordinator_items(
    conn: &mut DbConn,
    seen: Option<NaiveDateTime>,
    k: Knobs,
) -> ApiResult<Vec<InboxItem>> {
    let today = today();
    let mut items = Vec::new();
    for (mode, kind) in [
        ("spoc", InboxKind::SchoolWithoutSpoc),
        ("office_hours", InboxKind::SchoolWithoutOfficeHours),
    ] {
        for (id, name, network, since) in repo::schools_without(conn, mode, today)? {
            let mut i = InboxItem::new(kind, since, format!("/api/v1/assignments?school={id}"))
                .id(&id)
                .school(&id, &name)
                .new_after(seen, since);
            i.network = Some(InboxNetwork {
                id: None,
                name: network,
            });
            items.push(i);
        }
    }
    // A SPOC or consult assignment counts the contact hours the planner gives it; office hours
    // their weekly slot.
    for w in repo::worker_loads(conn, today)? {
        let hours: f64 = w
            .assignments
            .iter()
            .map(|(mode, start, end)| match (mode.as_str(), start, end) {
                ("office_hours", Some(s), Some(e)) => (*e - *s).num_minutes() as f64 / 60.0,
                _ => k.contact_hours,
            })
            .sum();
        if hours > f64::from(w.capacity_hours) + 1e-9 {
            let mut i = InboxItem::new(
                InboxKind::WorkerOverCapacity,
                now(),
                format!("/api/v1/assignments?worker={}", w.worker_id),
            )
            .id(&w.worker_id);
            i.worker = Some(InboxWorker {
                id: w.worker_id,
                display_name: w.display_name,
            });
            i.count = Some(hours.ceil() as i64);
            i.capacity_hours = Some(i64::from(w.capacity_hours));
            // A load has no moment it arose; it is new until the coordinator has looked.
            i.new = seen.is_none();
            items.push(i);
        }
    }
    for (network_id, name, count, earliest) in repo::overdue_referrals_per_network(conn, today)? {
        let when = earliest
            .and_then(|f| f.succ_opt())
            .map(day_start)
            .unwrap_or_else(now);
        let mut i = InboxItem::new(
            InboxKind::ReferralsOverdue,
            when,
            format!("/api/v1/referrals?overdue=true&network={network_id}"),
        )
        .new_after(seen, when);
        i.network = Some(InboxNetwork {
            id: Some(network_id),
            name,
        });
        i.count = Some(count);
        i.date = earliest;
        items.push(i);
    }
    let before = now() - Duration::days(k.wait_days);
    let mut per_school: Vec<(String, String, i64, NaiveDateTime)> = Vec::new();
    for (_, school_id, school_name, submitted) in
        repo::submissions_waiting(conn, None, Some(before))?
    {
        match per_school.iter_mut().find(|p| p.0 == school_id) {
            Some(p) => p.2 += 1,
            None => per_school.push((school_id, school_name, 1, submitted)),
        }
    }
    for (school_id, name, count, oldest) in per_school {
        let became = oldest + Duration::days(k.wait_days);
        let mut i = InboxItem::new(
            InboxKind::SubmissionsWaiting,
            oldest,
            format!("/api/v1/checklist-submissions/counts?school={school_id}"),
        )
        .school(&school_id, &name)
        .new_after(seen, became);
        i.count = Some(count);
        items.push(i);
    }
    Ok(items)
}

/// Orders items: by kind, then new and overdue first, then by time (what is planned soonest,
/// what arose longest ago).
fn sorted(mut items: Vec<InboxItem>) -> Vec<InboxItem> {
    let rank = |k: InboxKind| InboxKind::ALL.iter().position(|x| *x == k).unwrap_or(0);
    items.sort_by_key(|i| (rank(i.kind), Reverse(i.new), i.at, i.link.clone()));
    items
}

#[utoipa::path(
    get, path = "/api/v1/inbox", tag = "inbox", operation_id = "get_inbox",
    summary = "What waits for me",
    description = "A day's work in one call, per role:\n\n\
- **social_worker**: new checklist submissions of their schools, consult requests to plan, referrals overdue \
or answered by the partner (last `INBOX_RECENT_DAYS`), this week's office hours and consult visits, open \
cases whose follow-up day (`follow_up_on`) has come;\n\
- **school**: its consult requests and planned visits, new feedback on cases it raised (while the family's \
consent is live), the next office hour and its SPOC;\n\
- **coordinator** (metadata only): active schools without a SPOC (also when a worker's deactivation ended it) or \
without office hours, social workers over their capacity, overdue referrals per network, submissions waiting \
longer than `INBOX_SUBMISSION_WAIT_DAYS` per school.\n\n\
Each item links its resource and is `new` when it arose after the caller's last `POST /api/v1/inbox/seen`. \
Items carry ids, references, names of schools, workers and partners, dates and counts, never a pupil's \
pseudonym, a family's name or a text. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's inbox", body = Inbox))
)]
#[get("/api/v1/inbox")]
pub async fn get_inbox(state: web::Data<AppState>, user: Viewer) -> ApiResult<web::Json<Inbox>> {
    require(&user, Action::ReadInbox)?;
    let k = Knobs {
        recent_days: state.settings.inbox_recent_days,
        wait_days: state.settings.inbox_submission_wait_days,
        contact_hours: state.settings.allocation_contact_hours,
    };
    let inbox = state
        .db
        .run(move |conn| {
            let seen = repo::seen_at(conn, &user.id)?;
            let items = match &user.reach {
                Reach::SocialWorker { schools } => {
                    let schools: Vec<String> = schools.iter().map(|s| s.to_string()).collect();
                    worker_items(conn, &user, &schools, seen, k)?
                }
                Reach::School { school_id, .. } => school_items(conn, school_id, seen, k)?,
                Reach::Coordinator => coordinator_items(conn, seen, k)?,
                // A partner's inbox is its referrals' (`GET /api/v1/partner/inbox`); the policy
                // keeps it out of this one.
                Reach::Partner { .. } => Vec::new(),
            };
            let items = sorted(items);
            Ok(Inbox {
                role: user.role,
                generated_at: utc(now()),
                seen_at: seen.map(utc),
                new_count: items.iter().filter(|i| i.new).count() as i64,
                items,
            })
        })
        .await?;
    Ok(web::Json(inbox))
}

/// Up to when the inbox was read.
#[document_limits]
#[derive(Debug, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"seen_at": "2026-12-04T08:30:00Z"}))]
pub struct InboxSeen {
    /// The `generated_at` of the inbox that was read (default: now), so what arrived while
    /// reading stays new. Not in the future; a mark never moves back.
    pub seen_at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    post, path = "/api/v1/inbox/seen", tag = "inbox", operation_id = "mark_inbox_seen",
    summary = "Mark my inbox as seen",
    description = "Items that arose up to `seen_at` (default now) are no longer `new`. Send the `generated_at` of \
the inbox you showed, so nothing that arrived meanwhile is marked. A mark never moves back (an earlier \
`seen_at` leaves it). Roles: coordinator, social_worker, school.",
    security(("bearer" = [])),
    request_body(content = Option<InboxSeen>, description = "Optional; an empty body marks up to now"),
    responses((status = 200, description = "The mark as it stands", body = InboxSeen))
)]
#[post("/api/v1/inbox/seen")]
pub async fn mark_inbox_seen(
    state: web::Data<AppState>,
    user: Viewer,
    body: web::Bytes,
) -> ApiResult<web::Json<InboxSeen>> {
    require(&user, Action::ReadInbox)?;
    let b: InboxSeen = if body.iter().all(u8::is_ascii_whitespace) {
        InboxSeen::default()
    } else {
        // `null` is the same as no body.
        let b: Option<InboxSeen> = crate::api::extract::parse_json(&body)?;
        let b = b.unwrap_or_default();
        b.validate()?;
        b
    };
    let at = match b.seen_at {
        Some(t) if t > Utc::now() + Duration::seconds(5) => {
            return Err(ApiError::field("seen_at", Code::NotInFuture));
        }
        Some(t) => t.naive_utc(),
        None => now(),
    };
    let seen = state
        .db
        .write(move |conn| {
            repo::set_seen(conn, &user.id, at)?;
            Ok(repo::seen_at(conn, &user.id)?)
        })
        .await?;
    Ok(web::Json(InboxSeen {
        seen_at: seen.map(utc),
    }))
}
