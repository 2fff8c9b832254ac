//! One submission, consent or referral with its history, as the generator writes them.

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;

use super::generator::*;
use super::vocabulary::*;
use super::writer::*;

pub(super) struct Sub<'a> {
    pub(super) pseudonym: &'a str,
    pub(super) birth_year: i32,
    pub(super) class: &'a str,
    pub(super) status: &'a str,
    pub(super) submitted: NaiveDateTime,
    pub(super) triaged: Option<(usize, NaiveDateTime)>,
    pub(super) decided: Option<(usize, NaiveDateTime)>,
    pub(super) reason: Option<&'a str>,
    pub(super) case: Option<(&'a str, &'a str)>,
    pub(super) erased: bool,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn submission(
    g: &mut Gen,
    id: &str,
    school_id: &str,
    account: usize,
    version_id: &str,
    items: &[(String, String)],
    themes: &[&str],
    s: Sub<'_>,
) {
    let concern = weighted(&mut g.rng, &[("low", 20), ("medium", 50), ("high", 30)]);
    let updated = s.decided.or(s.triaged).map_or(s.submitted, |(_, t)| t);
    let (tb, ta) = match s.triaged {
        Some((w, t)) => (Some(g.users[w].clone()), Some(t)),
        None => (None, None),
    };
    let (db_, da) = match s.decided {
        Some((w, t)) => (Some(g.users[w].clone()), Some(t)),
        None => (None, None),
    };
    let context = if s.erased {
        ""
    } else {
        "Besproken op het MDO met de zorgcoördinator."
    };
    g.rows
        .row(T::Submissions)
        .s(id)
        .s(school_id)
        .s(&g.users[account].clone())
        .s(version_id)
        .s(s.pseudonym)
        .i(i64::from(s.birth_year))
        .s(s.class)
        .s(concern)
        .s(context)
        .b(g.rng.random_bool(0.7))
        .s(s.status)
        .os(tb.as_deref())
        .ots(ta)
        .os(ta.filter(|_| !s.erased).map(|_| "Signalen bevestigd."))
        .os(db_.as_deref())
        .ots(da)
        .os(s.reason)
        .os(s.case.map(|c| c.0))
        .os(s.case.map(|c| c.1))
        .ts(s.submitted)
        .ts(updated)
        // advice_for_school
        .null()
        .end();
    for (code, theme) in items {
        let answer = if themes.contains(&theme.as_str()) && g.rng.random_bool(0.6) {
            "yes"
        } else {
            weighted(&mut g.rng, &[("yes", 12), ("no", 78), ("unknown", 10)])
        };
        g.rows.row(T::Answers).s(id).s(code).s(answer).null().end();
    }
    g.audit(
        s.submitted,
        account,
        "school",
        "create",
        "checklist_submission",
        id,
        None,
    );
}

pub(super) fn consent(
    g: &mut Gen,
    case_id: &str,
    kind: &str,
    partner: Option<&str>,
    at: NaiveDateTime,
    worker: usize,
) -> String {
    let id = g.id(at);
    let given_by = weighted(
        &mut g.rng,
        &[("parent", 80), ("guardian", 10), ("pupil", 10)],
    );
    let method = weighted(&mut g.rng, &[("verbal", 60), ("written", 40)]);
    let withdrawn = g
        .rng
        .random_bool(0.04)
        .then(|| at + TimeDelta::days(g.rng.random_range(10..120)))
        .filter(|w| *w < g.until);
    g.rows
        .row(T::Consents)
        .s(&id)
        .s(case_id)
        .s(kind)
        .os(partner)
        .s(given_by)
        .s(method)
        .ts(at)
        .ots(withdrawn)
        .null()
        .s(&g.users[worker].clone())
        .ts(at)
        .ts(withdrawn.unwrap_or(at))
        // the contact data stays with the case team
        .b(false)
        .end();
    g.audit(
        at,
        worker,
        "social_worker",
        "create",
        "consent",
        &id,
        Some(case_id),
    );
    id
}

pub(super) struct Ref<'a> {
    pub(super) case_id: &'a str,
    pub(super) school_id: &'a str,
    pub(super) service_id: &'a str,
    pub(super) partner_id: &'a str,
    pub(super) theme: &'a str,
    pub(super) worker: usize,
    pub(super) created: NaiveDateTime,
    /// Nothing happens after this (the case's closing, or now).
    pub(super) limit: NaiveDateTime,
    pub(super) case_closed: bool,
    pub(super) override_: bool,
    pub(super) erased: bool,
}

/// One referral through (part of) its lifecycle; returns the time of its last change.
pub(super) fn referral(g: &mut Gen, r: Ref<'_>) -> NaiveDateTime {
    // The whole path this referral will take; an open case may still be on the way.
    let path: &[&str] = match g.rng.random_range(0..100) {
        0..50 => &["sent", "accepted", "in_progress", "completed"],
        50..60 => &["sent", "accepted", "completed"],
        60..68 => &[
            "sent",
            "accepted",
            "in_progress",
            "on_hold",
            "in_progress",
            "completed",
        ],
        68..80 => &["sent", "declined"],
        80..87 => &["sent", "accepted", "in_progress", "failed"],
        87..93 => &["sent", "cancelled"],
        _ => &["cancelled"],
    };
    let id = g.id(r.created);
    let worker_id = g.users[r.worker].clone();
    let mut steps: Vec<(&str, &str, NaiveDateTime)> = Vec::new();
    let total = (r.limit - r.created)
        .num_seconds()
        .max(path.len() as i64 + 1);
    let mut at = r.created;
    let mut from = "draft";
    for to in path {
        // A closed case's referrals finish before it closes; an open one's stop at now.
        let gap = if r.case_closed {
            total / (path.len() as i64 + 1)
        } else {
            g.rng.random_range(86_400..20 * 86_400)
        };
        let next = at + TimeDelta::seconds(g.rng.random_range(gap / 2..gap.max(1) + 1));
        if next >= r.limit {
            break;
        }
        at = next;
        steps.push((from, to, at));
        from = to;
    }
    let status = from;
    let when = |s: &str| steps.iter().find(|(_, to, _)| *to == s).map(|(_, _, t)| *t);
    let sent_at = when("sent");
    let answered_at = when("accepted").or(when("declined"));
    let completed_at = when("completed").or(when("failed"));
    let last = steps.last().map_or(r.created, |s| s.2);
    let keep = |s: &str| (!r.erased).then(|| s.to_string());
    let follow_up = sent_at.map(|s| (s + TimeDelta::days(14)).date());
    g.rows
        .row(T::Referrals)
        .s(&id)
        .s(r.case_id)
        .s(r.service_id)
        .s(r.partner_id)
        .os(keep("Gezin heeft vragen rond budget en schoolkosten; graag contact.").as_deref())
        .s(weighted(
            &mut g.rng,
            &[("low", 10), ("normal", 65), ("high", 20), ("urgent", 5)],
        ))
        .od(follow_up)
        .s(status)
        .os(r.override_.then_some("vital_interest"))
        .os(r
            .override_
            .then(|| keep("Kind in acuut gevaar; ouders onbereikbaar."))
            .flatten()
            .as_deref())
        .os(answered_at
            .filter(|_| status != "declined")
            .and_then(|_| keep("Sarah (onthaal)"))
            .as_deref())
        .os((status == "declined")
            .then(|| keep("Geen plaats vrij; wachtlijst."))
            .flatten()
            .as_deref())
        .os((status == "completed")
            .then(|| keep("Begeleiding afgerond, gezin zelfredzaam."))
            .flatten()
            .as_deref())
        .ots(sent_at)
        .ots(answered_at)
        .ots(completed_at)
        .ts(last)
        .d(last.date())
        .s(&worker_id)
        .ts(r.created)
        .ts(last)
        .end();
    g.rows.row(T::ReferralThemes).s(&id).s(r.theme).end();
    let tid = g.id(r.created);
    g.rows
        .row(T::Transitions)
        .s(&tid)
        .s(&id)
        .null()
        .s("draft")
        .s(&worker_id)
        .ts(r.created)
        .null()
        .b(false)
        .end();
    g.audit(
        r.created,
        r.worker,
        "social_worker",
        "create",
        "referral",
        &id,
        Some(r.case_id),
    );
    for (k, (from, to, at)) in steps.iter().enumerate() {
        let tid = g.id(*at);
        let reason = match *to {
            "declined" | "on_hold" | "failed" | "cancelled" => keep("Op vraag van het gezin."),
            _ => None,
        };
        let comment = if k == 0 && r.override_ && *to == "sent" {
            Some(format!(
                "sent without consent, on legal basis vital_interest: {}",
                if r.erased {
                    ""
                } else {
                    "Kind in acuut gevaar; ouders onbereikbaar."
                }
            ))
            .filter(|_| !r.erased)
        } else {
            reason
        };
        g.rows
            .row(T::Transitions)
            .s(&tid)
            .s(&id)
            .s(from)
            .s(to)
            .s(&worker_id)
            .ts(*at)
            .os(comment.as_deref())
            // The demo's workers record the partner's answers after a phone call.
            .b(!matches!(*to, "sent" | "cancelled"))
            .end();
        g.event(
            *at,
            &format!("referral.{to}"),
            serde_json::json!({"referral_id": id, "case_id": r.case_id, "school_id": r.school_id,
                "service_id": r.service_id, "partner_id": r.partner_id, "from_status": from,
                "to_status": to, "consent_override": r.override_.then_some("vital_interest"),
                "at": z(*at)}),
        );
        let action = if r.override_ && *to == "sent" {
            "consent_override"
        } else {
            "status_change"
        };
        g.audit(
            *at,
            r.worker,
            "social_worker",
            action,
            "referral",
            &id,
            Some(r.case_id),
        );
    }
    last
}
