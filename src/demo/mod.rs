//! `kinderen-eerst demo-data`: fills an empty, migrated database with realistic, reproducible
//! data — networks, schools with SES figures, workers and their assignments, school accounts,
//! checklist submissions, years of cases with themes, needs, contact moments, consents and
//! referrals through their lifecycle, the event outbox and a valid hash-chained audit trail.
//!
//! The audit trail gets the events that matter most for the bulk of the data (cases created and
//! changing status, checklists submitted, consents recorded, referrals created and moving), not
//! one per need or contact moment: a trail of every write would triple the database's size.
//!
//! Everything is drawn from one seeded RNG, so the same seed, sizes and `--until` day give the
//! same database. Rows are generated on this thread and written on another: PostgreSQL gets
//! them with `COPY … FROM STDIN` (text format), SQLite as multi-row `INSERT`s, a few thousand
//! rows per transaction. Constraints, foreign keys and indexes stay on.
//!
//! Split by job: `writer` (tables, encoding, the writer thread), `vocabulary`, `generator` (its
//! state), `records` (submissions, consents, referrals with their history), `indexes` (rebuilt
//! after the load); `generate` here drives them.

mod generator;
mod indexes;
mod records;
mod vocabulary;
mod writer;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::schema::*;
use crate::db::{DbConn, DbOptions};
use generator::*;
use indexes::*;
use records::*;
use vocabulary::*;
use writer::*;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub schools: usize,
    pub cases: usize,
    pub seed: u64,
    /// Cases are opened over this many years, up to `until`.
    pub years: u32,
    /// The last day of the generated history (default: today).
    pub until: NaiveDate,
    /// The password of every generated account.
    pub password: String,
    /// Rows per write transaction.
    pub batch_rows: usize,
}

/// What was generated, and one login per role.
#[derive(Debug, Clone)]
pub struct Summary {
    pub rows: u64,
    pub cases: usize,
    pub audit_events: i64,
    pub elapsed: Duration,
    pub coordinator: String,
    pub worker: String,
    pub school: String,
}

pub const EMAIL_DOMAIN: &str = "kinderen-eerst.example";

/// Fills the database. Refuses one that already has schools or cases.
pub fn generate(
    db: &DbOptions,
    o: &Options,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Summary> {
    if o.schools == 0 {
        bail!("--schools must be at least 1");
    }
    let started = Instant::now();
    crate::db::migrate(db)?;
    let mut conn =
        crate::db::establish(db).map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    crate::db::write_tx(&mut conn, |c| crate::seed::ensure(c, "Antwerpen"))
        .context("seeding failed")?;
    let n_schools: i64 = schools::table.count().get_result(&mut conn)?;
    let n_cases: i64 = cases::table.count().get_result(&mut conn)?;
    if n_schools > 0 || n_cases > 0 {
        bail!(
            "the database already has {n_schools} school(s) and {n_cases} case(s); demo-data fills \
             an empty (freshly migrated) database only"
        );
    }
    if let DbConn::Postgres(c) = &mut conn {
        // A crash loses at most the last batches of a run that is started over anyway.
        c.batch_execute("SET synchronous_commit = off")?;
    }
    if let DbConn::Sqlite(c) = &mut conn {
        // Bulk loading: a larger page cache; durability stays as the service sets it.
        c.batch_execute("PRAGMA cache_size = -65536")?;
    }

    // What the seed gave us.
    let mut network_ids: Vec<String> = networks::table
        .order(networks::name)
        .select(networks::id)
        .load(&mut conn)?;
    let network_names: Vec<String> = networks::table.select(networks::name).load(&mut conn)?;
    let services_seeded: Vec<(String, String)> = services::table
        .filter(services::active.eq(true))
        .order(services::name)
        .select((services::id, services::partner_id))
        .load(&mut conn)?;
    let services: Vec<Service> = services_seeded
        .into_iter()
        .map(|(id, partner_id)| Service { id, partner_id })
        .collect();
    if services.is_empty() {
        bail!("the database has no active services to refer to");
    }
    let version = crate::db::checklists::current_version(&mut conn, None)
        .context("no current checklist version")?;
    let items: Vec<(String, String)> =
        crate::db::checklists::items_of(&mut conn, std::slice::from_ref(&version.id))?
            .into_iter()
            .map(|i| (i.code, i.theme_code))
            .collect();
    let (audit_seq, audit_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(&mut conn)?;
    let first_new_seq = audit_seq + 1;
    let outbox: Option<i64> = outbox_events::table
        .select(diesel::dsl::max(outbox_events::position))
        .first(&mut conn)?;
    let backend = conn.backend();

    let password_hash = crate::auth::password::hash(&o.password)?;
    let enc = match backend {
        crate::db::Backend::Postgres => Enc::Copy,
        crate::db::Backend::Sqlite => Enc::Sql,
    };
    let mut g = Gen {
        rng: StdRng::seed_from_u64(o.seed),
        rows: Rows::new(enc),
        users: Vec::new(),
        audit_seq,
        audit_hash,
        user_names: Vec::new(),
        outbox: outbox.unwrap_or(0),
        until: NaiveDateTime::default(),
    };
    let mut indexes = SecondaryIndexes::drop(&mut conn, db)?;
    let mut writer = Writer::start(conn);

    let until = o
        .until
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .min(crate::db::now());
    g.until = until;
    let span = TimeDelta::days(365 * i64::from(o.years.max(1)));
    let start = until - span;
    let setup_at = start - TimeDelta::days(30);

    // Networks: the seeded seven, and more for a large city (about 15 schools each).
    let wanted_networks = o.schools.div_ceil(15);
    let mut k = 0;
    while network_ids.len() < wanted_networks {
        k += 1;
        let district = DISTRICTS[(k - 1) % DISTRICTS.len()];
        let name = if k <= DISTRICTS.len() {
            district.to_string()
        } else {
            format!("{district} {}", (k - 1) / DISTRICTS.len() + 1)
        };
        if network_names.contains(&name) {
            continue;
        }
        let id = g.id(setup_at);
        g.rows
            .row(T::Networks)
            .s(&id)
            .s(&name)
            .s("Antwerpen")
            .s("")
            .b(true)
            .ts(setup_at)
            .ts(setup_at)
            .end();
        network_ids.push(id);
    }

    // Users: one coordinator, a worker per eight schools, an account per school.
    let n_workers = o.schools.div_ceil(8).max(1);
    let user = |g: &mut Gen, email: String, name: String, role: &str, school: Option<&str>| {
        let id = g.id(setup_at);
        g.rows
            .row(T::Users)
            .s(&id)
            .s(&email)
            .s(&name)
            .s(role)
            .os(school)
            .b(true)
            .s(&password_hash)
            .ts(setup_at)
            .ts(setup_at)
            // credentials version, no password change required, never changed or reset
            .i(0)
            .b(false)
            .ots(None)
            .ots(None)
            .os(None)
            // no partner (the demo has no partner accounts)
            .os(None)
            // weekly capacity: a worker has 32 hours for the programme
            .oi((role == "social_worker").then_some(32))
            .end();
        g.users.push(id);
        g.user_names.push(name);
        g.users.len() - 1
    };
    let coordinator_email = format!("coordinator@{EMAIL_DOMAIN}");
    user(
        &mut g,
        coordinator_email.clone(),
        "Demo Coördinator".into(),
        "coordinator",
        None,
    );
    let mut workers = Vec::with_capacity(n_workers);
    for w in 0..n_workers {
        let name = format!(
            "{} {}",
            pick(&mut g.rng, FIRST_NAMES),
            pick(&mut g.rng, LAST_NAMES)
        );
        let u = user(
            &mut g,
            format!("worker{:04}@{EMAIL_DOMAIN}", w + 1),
            name,
            "social_worker",
            None,
        );
        workers.push(u);
    }

    // Schools, their accounts and assignments.
    let mut schools_v: Vec<School> = Vec::with_capacity(o.schools);
    let mut weights: Vec<f64> = Vec::with_capacity(o.schools);
    for s in 0..o.schools {
        let id = g.id(setup_at);
        let (kind, level) = SCHOOL_KINDS[g.rng.random_range(0..SCHOOL_KINDS.len())];
        let name = format!(
            "{kind} {}{}",
            pick(&mut g.rng, SCHOOL_NAMES),
            if o.schools > SCHOOL_NAMES.len() {
                format!(" {}", s / SCHOOL_NAMES.len() + 1)
            } else {
                String::new()
            }
        );
        let network = network_ids[g.rng.random_range(0..network_ids.len())].clone();
        let pupils: i64 = if level == "primary" {
            g.rng.random_range(120..500)
        } else {
            g.rng.random_range(300..1200)
        };
        // Poverty clusters: a school's SES share is drawn around its own level.
        let ses: f64 = g.rng.random_range(8.0..92.0);
        let part = |g: &mut Gen, f: f64| (ses * f * g.rng.random_range(0.6..1.1)).min(100.0);
        let home = part(&mut g, 0.8);
        let maternal = part(&mut g, 0.6);
        let allowance = part(&mut g, 0.7);
        let neighbourhood = part(&mut g, 0.75);
        let presence = ["office_hours", "consult", "spoc"][g.rng.random_range(0..3)];
        let contact = format!(
            "{} {}",
            pick(&mut g.rng, FIRST_NAMES),
            pick(&mut g.rng, LAST_NAMES)
        );
        let street = format!(
            "{} {}",
            pick(&mut g.rng, STREETS),
            g.rng.random_range(1..200)
        );
        g.rows
            .row(T::Schools)
            .s(&id)
            .s(&network)
            .s(&name)
            .s(&format!("{:06}", 100_000 + s))
            .s(level)
            .s(&street)
            .s("2000")
            .s("Antwerpen")
            .i(pupils)
            .f(ses)
            .f(home)
            .f(maternal)
            .f(allowance)
            .f(neighbourhood)
            .s(presence)
            .s("")
            .s(&contact)
            .s(&format!("zorg{:04}@school.{EMAIL_DOMAIN}", s + 1))
            .s("03 123 45 67")
            .b(true)
            .ts(setup_at)
            .ts(setup_at)
            // no wished weekdays or hours
            .s("")
            .ot(None)
            .ot(None)
            .end();
        let account = user(
            &mut g,
            format!("school{:04}@{EMAIL_DOMAIN}", s + 1),
            contact,
            "school",
            Some(&id),
        );
        let worker = workers[s % n_workers];
        let from = setup_at.date();
        let aid = g.id(setup_at);
        g.rows
            .row(T::Assignments)
            .s(&aid)
            .s(&g.users[worker].clone())
            .s(&id)
            .s("spoc")
            .null()
            .ot(None)
            .ot(None)
            .d(from)
            .od(None)
            .ts(setup_at)
            .ts(setup_at)
            .end();
        if g.rng.random_bool(0.7) {
            let aid = g.id(setup_at);
            let weekday = g.rng.random_range(1..=5);
            let (h, m) = [(8, 30), (10, 0), (13, 0), (15, 30)][g.rng.random_range(0..4)];
            let st = NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
            g.rows
                .row(T::Assignments)
                .s(&aid)
                .s(&g.users[worker].clone())
                .s(&id)
                .s("office_hours")
                .i(weekday)
                .t(st)
                .t(st + TimeDelta::minutes(90))
                .d(from)
                .od(None)
                .ts(setup_at)
                .ts(setup_at)
                .end();
        }
        weights.push(pupils as f64 * ses / 100.0);
        schools_v.push(School {
            id,
            name,
            network,
            worker,
            account,
        });
    }
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        acc += w;
        cumulative.push(acc);
    }
    writer.send(g.rows.take())?;

    // Cases, oldest first, with everything that hangs on them.
    let cutoff = until - TimeDelta::days(730);
    let mut counters: HashMap<i32, i64> = HashMap::new();
    let mut last_report = Instant::now();
    let span_us = span.num_microseconds().unwrap_or(1);
    for i in 0..o.cases {
        let frac = (i as f64 + g.rng.random::<f64>()) / o.cases as f64;
        let opened = start + TimeDelta::microseconds((span_us as f64 * frac) as i64);
        let year = opened.year();
        let n = counters.entry(year).or_insert(0);
        *n += 1;
        let reference = format!("KE-{year}-{:05}", *n);
        let si = {
            let r = g.rng.random::<f64>() * acc;
            cumulative
                .partition_point(|c| *c < r)
                .min(schools_v.len() - 1)
        };
        let (school_id, worker, account) = (
            schools_v[si].id.clone(),
            schools_v[si].worker,
            schools_v[si].account,
        );
        let worker_id = g.users[worker].clone();
        let origin = weighted(
            &mut g.rng,
            &[
                ("checklist", 35),
                ("school_request", 20),
                ("office_hours", 25),
                ("parent", 10),
                ("social_worker", 10),
            ],
        );
        let priority = weighted(
            &mut g.rng,
            &[("low", 15), ("normal", 60), ("high", 20), ("urgent", 5)],
        );
        let known = match g.rng.random_range(0..100) {
            0..33 => Some(true),
            33..93 => Some(false),
            _ => None,
        };
        let age_days = (until - opened).num_days();
        // First contact within three weeks, if it has happened by now.
        let first_contact = if age_days > 21 || g.rng.random_bool(0.7) {
            let fc = g.after(opened, 0, 21 * 86_400);
            (fc < until).then_some(fc)
        } else {
            None
        };
        let mut closed_at = None;
        let mut outcome = None;
        if let Some(fc) = first_contact {
            let long = g.rng.random_bool(0.25);
            let d = if long {
                g.after(fc, 60 * 86_400, 300 * 86_400)
            } else {
                g.after(fc, 7 * 86_400, 90 * 86_400)
            };
            if d < until {
                closed_at = Some(d);
                outcome = Some(weighted(
                    &mut g.rng,
                    &[
                        ("resolved", 48),
                        ("referred", 27),
                        ("declined_by_family", 8),
                        ("moved_away", 6),
                        ("other", 11),
                    ],
                ));
            }
        } else if age_days > 60 {
            closed_at = Some(g.after(opened, 30 * 86_400, 60 * 86_400));
            outcome = Some("no_contact");
        }
        let status = match (closed_at, first_contact) {
            (Some(_), _) => "closed",
            (None, None) => "new",
            (None, Some(_)) => {
                if g.rng.random_bool(0.72) {
                    "in_progress"
                } else {
                    "waiting"
                }
            }
        };
        let erased_at = closed_at
            .filter(|c| *c < cutoff)
            .map(|c| c + TimeDelta::days(730) + TimeDelta::hours(3));
        let erased = erased_at.is_some();
        let case_id = g.id(opened);
        let themes: Vec<&str> = {
            let mut t = vec![weighted(&mut g.rng, THEME_WEIGHTS)];
            for p in [0.5, 0.2] {
                if g.rng.random_bool(p) {
                    let x = weighted(&mut g.rng, THEME_WEIGHTS);
                    if !t.contains(&x) {
                        t.push(x);
                    }
                }
            }
            t
        };
        let class_year = g.rng.random_range(1..=6);
        let pseudonym = format!(
            "{class_year}{}-{:02}",
            ["A", "B", "C"][g.rng.random_range(0..3)],
            g.rng.random_range(1..30)
        );
        let birth_year = opened.year() - 6 - class_year;
        let class = pseudonym[..2].to_string();
        let language = weighted(&mut g.rng, LANGUAGES);
        let interpreter = language != "Nederlands" && g.rng.random_bool(0.4);
        let family = format!("Familie {}", pick(&mut g.rng, LAST_NAMES));
        let phone = format!(
            "04{:02} {:02} {:02} {:02}",
            g.rng.random_range(60..99),
            g.rng.random_range(0..100),
            g.rng.random_range(0..100),
            g.rng.random_range(0..100)
        );
        let question = pick(&mut g.rng, QUESTIONS);
        let mut updated = closed_at.or(first_contact).unwrap_or(opened);

        // The checklist this case was opened from.
        let mut submission_id = None;
        if origin == "checklist" {
            let submitted = opened - TimeDelta::seconds(g.rng.random_range(3_600..10 * 86_400));
            let triaged = submitted + (opened - submitted) / 2;
            let sid = g.id(submitted);
            submission(
                &mut g,
                &sid,
                &school_id,
                account,
                &version.id,
                &items,
                &themes,
                Sub {
                    pseudonym: if erased { "" } else { &pseudonym },
                    birth_year,
                    class: if erased { "" } else { &class },
                    status: "case_opened",
                    submitted,
                    triaged: Some((worker, triaged)),
                    decided: Some((worker, opened)),
                    reason: None,
                    case: Some((&case_id, &reference)),
                    erased,
                },
            );
            submission_id = Some(sid);
        }
        // Now and then a checklist that did not become a case.
        if g.rng.random_bool(0.12) {
            let submitted = g.after(opened, -20 * 86_400, 20 * 86_400);
            if submitted < until {
                let sid = g.id(submitted);
                let decided = g.after(submitted, 86_400, 10 * 86_400);
                let (status, triaged, decided, reason) = if decided >= until {
                    ("submitted", None, None, None)
                } else {
                    (
                        "no_action",
                        Some((worker, decided)),
                        Some((worker, decided)),
                        Some("Besproken met de school: opvolging door het CLB volstaat."),
                    )
                };
                let gone = decided.is_some_and(|(_, d)| d < cutoff);
                let ps = format!("{}-{:02}", &pseudonym[..2], g.rng.random_range(1..30));
                submission(
                    &mut g,
                    &sid,
                    &school_id,
                    account,
                    &version.id,
                    &items,
                    &[],
                    Sub {
                        pseudonym: if gone { "" } else { &ps },
                        birth_year,
                        class: if gone { "" } else { &class },
                        status,
                        submitted,
                        triaged,
                        decided,
                        reason,
                        case: None,
                        erased: gone,
                    },
                );
            }
        }

        let created_by = if origin == "school_request" {
            account
        } else {
            worker
        };
        let pd = |s: &str| (!erased).then(|| s.to_string());
        let first_contact_days = first_contact.map(|fc| (fc - opened).num_days());
        // The row is written below, once `updated` is known; hanging rows first go to the
        // buffers, but a batch always writes cases before their children (table order).
        let case_themes = {
            let mut codes = themes.clone();
            codes.sort_unstable();
            codes.join(" ")
        };
        for t in &themes {
            g.rows
                .row(T::CaseThemes)
                .s(&case_id)
                .s(t)
                .ts(opened)
                .s(&school_id)
                .s(status)
                .end();
        }
        let creator_role = if created_by == account {
            "school"
        } else {
            "social_worker"
        };
        g.audit(
            opened,
            created_by,
            creator_role,
            "create",
            "case",
            &case_id,
            Some(&case_id),
        );
        g.event(
            opened,
            "case.opened",
            serde_json::json!({"case_id": case_id, "school_id": school_id, "origin": origin,
                "status": "new", "at": z(opened)}),
        );
        let mut share_consent: Option<String> = None;
        if let Some(fc) = first_contact {
            g.audit(
                fc,
                worker,
                "social_worker",
                "status_change",
                "case",
                &case_id,
                Some(&case_id),
            );
            g.event(
                fc,
                "case.status_changed",
                serde_json::json!({"case_id": case_id, "school_id": school_id,
                    "from_status": "new", "to_status": "in_progress", "outcome": null, "at": z(fc)}),
            );
            // Needs, raised by the people around the child; a closed case's needs were met or
            // not (no random draw, so the rest of the data stays as it was).
            let need_state = match (closed_at, outcome) {
                (None, _) => "open",
                (Some(_), Some("resolved" | "referred")) => "met",
                (Some(_), _) => "not_met",
            };
            for _ in 0..g.rng.random_range(1..=3) {
                let at = g.after(fc, 0, 3 * 86_400);
                let nid = g.id(at);
                let raised = weighted(
                    &mut g.rng,
                    &[
                        ("parent", 35),
                        ("child", 15),
                        ("school", 30),
                        ("social_worker", 20),
                    ],
                );
                let theme = themes[g.rng.random_range(0..themes.len())];
                let text = pick(&mut g.rng, NEED_TEXTS);
                g.rows
                    .row(T::Needs)
                    .s(&nid)
                    .s(&case_id)
                    .os(pd(text).as_deref())
                    .s(theme)
                    .s(raised)
                    .s(&worker_id)
                    .ts(at)
                    .s(need_state)
                    .ts(at)
                    .end();
            }
            // Contact moments from the first contact until closing (or now).
            let end = closed_at.unwrap_or(until);
            let mut at = fc;
            for k in 0..g.rng.random_range(1..=5) {
                if k > 0 {
                    at = g.after(at, 86_400, 30 * 86_400);
                    if at >= end {
                        break;
                    }
                }
                let cid = g.id(at);
                let kind = weighted(
                    &mut g.rng,
                    &[
                        ("office_hours", 35),
                        ("phone", 30),
                        ("home_visit", 10),
                        ("consult", 10),
                        ("meeting", 10),
                        ("other", 5),
                    ],
                );
                let summary = pick(&mut g.rng, CONTACT_SUMMARIES);
                g.rows
                    .row(T::Contacts)
                    .s(&cid)
                    .s(&case_id)
                    .ts(at)
                    .s(kind)
                    .os(pd(summary).as_deref())
                    .s(&worker_id)
                    .ts(at)
                    .ts(at)
                    .end();
            }
            // Consent to tell the school how it goes (retention deletes consents).
            if !erased && g.rng.random_bool(0.55) {
                share_consent = Some(consent(
                    &mut g,
                    &case_id,
                    "share_with_school",
                    None,
                    fc,
                    worker,
                ));
            }
            // Referrals to a partner service.
            let p = if outcome == Some("referred") {
                0.95
            } else {
                0.25
            };
            let mut n_ref = usize::from(g.rng.random_bool(p));
            if n_ref == 1 && g.rng.random_bool(0.15) {
                n_ref = 2;
            }
            for _ in 0..n_ref {
                let created = g.after(fc, 86_400, 14 * 86_400);
                let limit = closed_at.unwrap_or(until);
                if created >= limit {
                    continue;
                }
                let svc = g.rng.random_range(0..services.len());
                let (service_id, partner_id) =
                    (services[svc].id.clone(), services[svc].partner_id.clone());
                let override_ = g.rng.random_bool(0.03);
                if !override_ && !erased {
                    consent(
                        &mut g,
                        &case_id,
                        "refer_to_partner",
                        Some(&partner_id),
                        created,
                        worker,
                    );
                }
                let last = referral(
                    &mut g,
                    Ref {
                        case_id: &case_id,
                        school_id: &school_id,
                        service_id: &service_id,
                        partner_id: &partner_id,
                        theme: themes[0],
                        worker,
                        created,
                        limit,
                        case_closed: closed_at.is_some(),
                        override_,
                        erased,
                    },
                );
                updated = updated.max(last);
            }
        }
        if let Some(c) = closed_at {
            g.audit(
                c,
                worker,
                "social_worker",
                "status_change",
                "case",
                &case_id,
                Some(&case_id),
            );
            g.event(
                c,
                "case.status_changed",
                serde_json::json!({"case_id": case_id, "school_id": school_id,
                    "from_status": if first_contact.is_some() { "in_progress" } else { "new" },
                    "to_status": "closed", "outcome": outcome, "at": z(c)}),
            );
        }
        // Feedback is written under the family's share_with_school consent, or not at all.
        let feedback = (!erased && status != "new" && g.rng.random_bool(0.3))
            .then(|| {
                "We zijn met het gezin aan de slag; de school hoeft niets te doen.".to_string()
            })
            .filter(|_| share_consent.is_some());
        let feedback_consent = feedback.as_ref().and(share_consent.clone());
        let feedback_at = feedback
            .as_ref()
            .and(first_contact)
            .map(|fc| fc + TimeDelta::days(2));
        if let Some(e) = erased_at {
            updated = updated.max(e);
        }
        let outcome_note = outcome
            .filter(|_| !erased)
            .map(|_| "Afgesloten in overleg.");
        g.rows
            .row(T::Cases)
            .s(&case_id)
            .s(&reference)
            .s(&school_id)
            .s(origin)
            .s(priority)
            .ob(known)
            .s(status)
            .os(outcome)
            .os(outcome_note)
            .s(&worker_id)
            .ts(opened)
            .ots(first_contact)
            .oi(first_contact_days)
            .ots(closed_at)
            .os(pd(&pseudonym).as_deref())
            .oi((!erased).then_some(i64::from(birth_year)))
            .os(pd(&class).as_deref())
            .os(pd(question).as_deref())
            .os(pd(&family).as_deref())
            .os(pd(&phone).as_deref())
            .os(pd(language).as_deref())
            .ob((!erased).then_some(interpreter))
            .os(feedback.as_deref())
            .ots(feedback_at)
            .os(submission_id.as_deref())
            .ots(erased_at)
            .os(erased.then_some("retention"))
            .s(&g.users[created_by].clone())
            .ts(opened)
            .ts(updated)
            .os(feedback_consent.as_deref())
            // follow_up_on: none in the demo.
            .os(None)
            // themes: the copy of the theme rows (the triggers of migration 000230 write the
            // same).
            .os(Some(case_themes.as_str()).filter(|t| !t.is_empty()))
            // school_name, school_network_id, lead_worker_name: the copies of the school's and
            // the worker's rows (the triggers of migration 000250 write the same).
            .s(&schools_v[si].name)
            .s(&schools_v[si].network)
            .s(&g.user_names[worker].clone())
            .end();

        if g.rows.total >= o.batch_rows {
            let batch = g.rows.take();
            writer.send(batch)?;
            if last_report.elapsed() >= Duration::from_secs(2) {
                last_report = Instant::now();
                let secs = started.elapsed().as_secs_f64().max(0.001);
                progress(&format!(
                    "{}/{} cases, {} rows, {:.0} rows/s",
                    i + 1,
                    o.cases,
                    g.rows.written,
                    g.rows.written as f64 / secs
                ));
            }
        }
    }
    let batch = g.rows.take();
    writer.send(batch)?;
    let mut conn = writer.finish()?;

    // The chain's head, the reference counters, the outbox sequence, fresh planner statistics.
    crate::db::write_tx(&mut conn, |c| -> anyhow::Result<()> {
        diesel::update(audit_head::table.find(1))
            .set((
                audit_head::seq.eq(g.audit_seq),
                audit_head::hash.eq(&g.audit_hash),
            ))
            .execute(c)?;
        // What the sealer writes for each event: which case it names. On PostgreSQL a read of
        // the case itself gets no row; the object index finds it (`db::audit::OwnCase`).
        let own_case = match c.backend() {
            crate::db::Backend::Postgres => {
                " AND NOT (object_type = 'case' AND object_id IS NOT NULL AND object_id = case_id)"
            }
            crate::db::Backend::Sqlite => "",
        };
        c.batch_execute(&format!(
            "INSERT INTO audit_event_cases (case_id, seq) SELECT case_id, seq FROM audit_events \
             WHERE case_id IS NOT NULL AND seq >= {first_new_seq}{own_case}"
        ))?;
        for (year, last) in &counters {
            c.batch_execute(&format!(
                "INSERT INTO case_counters (year, last) VALUES ({year}, {last}) \
                 ON CONFLICT (year) DO UPDATE SET last = excluded.last"
            ))?;
        }
        if let DbConn::Postgres(pg) = c {
            pg.batch_execute(
                "SELECT setval(pg_get_serial_sequence('outbox_events', 'position'), \
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM outbox_events), false)",
            )?;
        }
        Ok(())
    })?;
    progress("rebuilding indexes");
    indexes.rebuild(&mut conn)?;
    progress("analyzing");
    match &mut conn {
        // Also sets the visibility map, so index-only scans need not visit the table.
        DbConn::Postgres(c) => c.batch_execute("VACUUM ANALYZE")?,
        DbConn::Sqlite(c) => c.batch_execute("ANALYZE")?,
    }
    let secs = started.elapsed();
    Ok(Summary {
        rows: g.rows.written,
        cases: o.cases,
        audit_events: g.audit_seq,
        elapsed: secs,
        coordinator: coordinator_email,
        worker: format!("worker0001@{EMAIL_DOMAIN}"),
        school: format!("school0001@{EMAIL_DOMAIN}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_lists_follow_the_schema() {
        let (name, cols) = table_columns(T::Cases);
        assert_eq!(name, "cases");
        assert_eq!(cols.first().map(String::as_str), Some("id"));
        assert_eq!(cols.len(), 36);
        assert_eq!(cols.last().map(String::as_str), Some("lead_worker_name"));
        let (name, cols) = table_columns(T::Audit);
        assert_eq!(name, "audit_events");
        assert_eq!(cols.last().map(String::as_str), Some("case_ids"));
    }

    #[test]
    fn a_small_database_is_consistent_reproducible_and_filled_once() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let options = Options {
            schools: 3,
            cases: 80,
            seed: 7,
            years: 3,
            until: NaiveDate::from_ymd_opt(2026, 6, 1).expect("a day"),
            password: "a demo password".into(),
            batch_rows: 150,
        };
        let fill = |name: &str| {
            let db = DbOptions::new(dir.path().join(name).to_string_lossy().to_string());
            generate(&db, &options, &mut |_| {}).expect("demo-data runs");
            db
        };
        let (a, b) = (fill("a.db"), fill("b.db"));
        let mut ca = crate::db::establish(&a).expect("open a");
        let mut cb = crate::db::establish(&b).expect("open b");
        let (checked, broken) = crate::db::audit::verify(&mut ca).expect("verify");
        assert!(broken.is_none(), "{broken:?}");
        assert!(checked > 80);
        type Key = (String, String, String, Option<String>);
        let keys = |c: &mut DbConn| -> Vec<Key> {
            cases::table
                .order(cases::id)
                .select((cases::id, cases::reference, cases::status, cases::outcome))
                .load(c)
                .expect("cases")
        };
        let ka = keys(&mut ca);
        assert_eq!(ka.len(), 80);
        assert_eq!(ka, keys(&mut cb), "the same seed gives the same cases");
        assert!(ka.iter().any(|k| k.2 == "closed") && ka.iter().any(|k| k.2 != "closed"));
        let referrals: i64 = referrals::table.count().get_result(&mut ca).expect("count");
        assert!(referrals > 0);
        assert!(
            generate(&a, &options, &mut |_| {}).is_err(),
            "a filled database is refused"
        );
    }

    #[test]
    fn copy_text_escapes_separators() {
        let mut rows = Rows::new(Enc::Copy);
        rows.row(T::Networks).s("a\tb\\c\nd").null().b(true).end();
        let batch = rows.take();
        assert_eq!(batch[0].1, b"a\\tb\\\\c\\nd\t\\N\tt\n");
        let mut rows = Rows::new(Enc::Sql);
        rows.row(T::Networks).s("it's").i(3).end();
        rows.row(T::Networks).null().end();
        assert_eq!(rows.take()[0].1, b"('it''s',3),(NULL)");
    }
}
