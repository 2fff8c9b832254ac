//! Partners in the loop (issue 19): a partner account reads the referrals sent to its
//! organisation with the package the family's consent allows, answers them through the same
//! state machine, writes with the case team, is told of what concerns it by its own events and
//! webhooks, and loses the package the moment the consent is withdrawn.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use kinderen_eerst::db::schema::{referral_messages, referrals, webhook_deliveries};
use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::{Resp, TestUser};
use crate::referrals::{id_of, today, two_services};

/// A case of worker A with family data, a service and its partner, another partner's service.
struct Loop {
    w: World,
    case: String,
    service: String,
    partner: String,
    other_service: String,
    other_partner: String,
}

fn setup() -> Loop {
    let w = world();
    let case = id_of(&w.case_by_worker("social_worker"));
    let [(service, partner), (other_service, other_partner)] = two_services(&w.app);
    Loop {
        w,
        case,
        service,
        partner,
        other_service,
        other_partner,
    }
}

impl Loop {
    fn consent(&self, partner: &str, share_contact: bool) -> String {
        let res = self.w.post(
            &self.w.worker_a,
            &format!("/api/v1/cases/{}/consents", self.case),
            json!({"kind": "refer_to_partner", "partner_id": partner, "share_contact_with_partner": share_contact,
                   "given_by": "parent", "method": "written", "given_at": "2026-01-05T10:00:00Z"}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["share_contact_with_partner"], share_contact);
        id_of(&res.json())
    }

    fn draft(&self, service: &str) -> String {
        let res = self.w.post(
            &self.w.worker_a,
            &format!("/api/v1/cases/{}/referrals", self.case),
            json!({"service_id": service, "themes": ["finances_debt"],
                   "message_for_partner": "Moeder zoekt hulp bij een afbetalingsplan.",
                   "urgency": "high", "follow_up_on": (today() + Duration::days(7)).to_string()}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        id_of(&res.json())
    }

    /// A referral sent to `service` (whose partner's consent must be there).
    fn sent(&self, service: &str) -> String {
        let id = self.draft(service);
        let res = self.act(&self.w.worker_a, &id, "send");
        assert_eq!(res.status, 200, "{}", res.text());
        id
    }

    fn act(&self, who: &TestUser, id: &str, action: &str) -> Resp {
        let body = match action {
            "decline" | "hold" | "fail" | "cancel" => {
                json!({"reason": format!("reden voor {action}")})
            }
            "complete" => json!({"outcome": "Afbetalingsplan afgesproken."}),
            "accept" => json!({"partner_contact_name": "Sarah"}),
            _ => json!({}),
        };
        self.w
            .post(who, &format!("/api/v1/referrals/{id}/{action}"), body)
    }

    fn get(&self, who: &TestUser, path: &str) -> Resp {
        self.w.app.get(path, Some(&who.token))
    }

    fn withdraw(&self, consent: &str) {
        let res = self.w.post(
            &self.w.worker_a,
            &format!("/api/v1/cases/{}/consents/{consent}/withdraw", self.case),
            json!({}),
        );
        assert_eq!(res.status, 200, "{}", res.text());
    }

    fn patch(&self, who: &TestUser, path: &str, body: Value, if_match: Option<&str>) -> Resp {
        let mut headers = vec![];
        if let Some(e) = if_match {
            headers.push(("if-match", e));
        }
        self.w.app.request(
            "PATCH",
            path,
            Some(&who.token),
            Some(("application/json", body.to_string().into_bytes())),
            &headers,
        )
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Exactly what a partner sees of a referral (in a list and the inbox).
const PARTNER_REFERRAL: &[&str] = &[
    "id",
    "service",
    "partner",
    "status",
    "fhir_status",
    "overdue",
    "consent_withdrawn",
    "package",
    "partner_contact_name",
    "decline_reason",
    "outcome",
    "unread_messages",
    "sent_at",
    "answered_at",
    "completed_at",
    "updated_at",
];

const PACKAGE: &[&str] = &[
    "message_for_partner",
    "themes",
    "urgency",
    "follow_up_on",
    "referring_worker",
    "family_contact",
];

/// What a partner never gets, at any depth of its answers.
const NEVER: &[&str] = &[
    "case_id",
    "school",
    "needs",
    "contact_moments",
    "consents",
    "pupil",
    "pupil_class",
    "class",
    "question",
    "checklist",
    "submission_id",
    "consent_override",
    "referrals",
];

fn assert_nothing_of_the_case(v: &Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                assert!(!NEVER.contains(&k.as_str()), "a partner got `{k}`: {m:?}");
                assert_nothing_of_the_case(v);
            }
        }
        Value::Array(a) => a.iter().for_each(assert_nothing_of_the_case),
        _ => {}
    }
}

fn age(l: &Loop, id: &str, follow_up_on: NaiveDate, last_transition_on: NaiveDate) {
    diesel::update(referrals::table.find(id))
        .set((
            referrals::follow_up_on.eq(Some(follow_up_on)),
            referrals::last_transition_on.eq(last_transition_on),
        ))
        .execute(&mut l.w.app.conn())
        .expect("age the referral");
}

fn overdue_ids(l: &Loop) -> Vec<String> {
    let res = l.get(&l.w.worker_a, "/api/v1/referrals?overdue=true");
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect()
}

#[test]
fn done_when_a_partner_answers_its_referral_through_the_api_and_the_worker_sees_each_step() {
    let l = setup();
    let w = &l.w;
    l.consent(&l.partner, true);
    let id = l.sent(&l.service);
    // Past its follow-up day with nothing since: on the worker's overdue list.
    age(
        &l,
        &id,
        today() - Duration::days(2),
        today() - Duration::days(3),
    );
    assert_eq!(overdue_ids(&l), vec![id.clone()]);

    // The coordinator makes the partner's account; its owner logs in.
    let res = w.post(
        &w.coord,
        "/api/v1/users",
        json!({"email": "onthaal@caw.example", "display_name": "Sarah (onthaal)", "role": "partner",
               "partner_id": l.partner, "password": "a long first password for Sarah"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["partner_id"], l.partner.as_str());
    let partner = w.app.partner_user(&l.partner);

    // The inbox holds it, with only the consented package.
    let inbox = l.get(&partner, "/api/v1/partner/inbox");
    assert_eq!(inbox.status, 200, "{}", inbox.text());
    let inbox = inbox.json();
    assert_nothing_of_the_case(&inbox);
    let waiting = inbox["awaiting_answer"].as_array().unwrap();
    assert_eq!(waiting.len(), 1, "{inbox}");
    assert_eq!(keys(&waiting[0]), set(PARTNER_REFERRAL));
    assert_eq!(keys(&waiting[0]["package"]), set(PACKAGE));
    assert_eq!(
        waiting[0]["package"]["message_for_partner"],
        "Moeder zoekt hulp bij een afbetalingsplan."
    );
    assert_eq!(
        waiting[0]["package"]["referring_worker"]["email"],
        w.worker_a.email.as_str()
    );
    assert_eq!(
        waiting[0]["package"]["family_contact"]["phone"],
        "0470 12 34 56"
    );
    assert_eq!(inbox["follow_up_due"].as_array().unwrap().len(), 1);

    // It accepts, starts, writes to the worker and completes with an outcome.
    for step in ["accept", "start"] {
        let res = l.act(&partner, &id, step);
        assert_eq!(res.status, 200, "{step}: {}", res.text());
        assert_nothing_of_the_case(&res.json());
    }
    assert!(
        overdue_ids(&l).is_empty(),
        "the partner's answer empties the list"
    );
    let res = w.post(
        &partner,
        &format!("/api/v1/referrals/{id}/messages"),
        json!({"body": "Eerste gesprek gehad; volgende week een tweede."}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["side"], "partner");
    let res = l.act(&partner, &id, "complete");
    assert_eq!(res.status, 200, "{}", res.text());
    let done = res.json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["outcome"], "Afbetalingsplan afgesproken.");

    // The worker sees every step, taken by the partner itself, and its message.
    let r = l
        .get(&w.worker_a, &format!("/api/v1/referrals/{id}"))
        .json();
    let steps: Vec<(&str, &str, bool)> = r["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["to_status"].as_str().unwrap(),
                t["actor"]["id"].as_str().unwrap(),
                t["on_behalf_of_partner"].as_bool().unwrap(),
            )
        })
        .collect();
    let (wa, p) = (w.worker_a.id.as_str(), partner.id.as_str());
    assert_eq!(
        steps,
        vec![
            ("draft", wa, false),
            ("sent", wa, false),
            ("accepted", p, false),
            ("in_progress", p, false),
            ("completed", p, false),
        ]
    );
    assert_eq!(r["outcome"], "Afbetalingsplan afgesproken.");
    let thread = l
        .get(&w.worker_a, &format!("/api/v1/referrals/{id}/messages"))
        .json();
    assert_eq!(thread.as_array().unwrap().len(), 1, "{thread}");
    assert_eq!(thread[0]["author"]["id"], partner.id.as_str());
    assert!(overdue_ids(&l).is_empty());
    // The partner's own message is read by the worker now.
    let again = l
        .get(&partner, &format!("/api/v1/referrals/{id}/messages"))
        .json();
    assert!(again[0]["read_at"].is_string(), "{again}");
}

#[test]
fn a_partner_reads_only_referrals_sent_to_its_organisation_never_drafts_or_anothers() {
    let l = setup();
    l.consent(&l.partner, false);
    l.consent(&l.other_partner, false);
    let draft = l.draft(&l.service);
    let sent = l.sent(&l.service);
    let others = l.sent(&l.other_service);
    let partner = l.w.app.partner_user(&l.partner);
    let other = l.w.app.partner_user(&l.other_partner);

    for (who, id, status) in [
        (&partner, &draft, 404),
        (&partner, &sent, 200),
        (&partner, &others, 404),
        (&other, &sent, 404),
        (&other, &others, 200),
        (&other, &draft, 404),
    ] {
        let res = l.get(who, &format!("/api/v1/referrals/{id}"));
        assert_eq!(res.status, status, "{id}: {}", res.text());
        if status == 404 {
            let ghost = l.get(who, &format!("/api/v1/referrals/{}", uuid::Uuid::new_v4()));
            assert_eq!((res.status, res.text()), (ghost.status, ghost.text()));
        } else {
            let v = res.json();
            let mut want = set(PARTNER_REFERRAL);
            want.insert("history".into());
            assert_eq!(keys(&v), want);
            assert_nothing_of_the_case(&v);
            // Without share_contact_with_partner: no family contact.
            assert!(v["package"]["family_contact"].is_null(), "{v}");
            // The draft's steps are the case team's.
            assert!(
                v["history"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|t| t["to_status"] != "draft"),
                "{v}"
            );
        }
    }
    let listed: Vec<String> = l.get(&partner, "/api/v1/referrals").json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(listed, vec![sent.clone()]);
    // Nothing of the case reaches it: no case, no case's referrals, no consents.
    let case = &l.case;
    for path in [
        "/api/v1/cases".to_string(),
        format!("/api/v1/cases/{case}"),
        format!("/api/v1/cases/{case}/referrals"),
        format!("/api/v1/cases/{case}/consents"),
        format!("/api/v1/cases/{case}/export"),
        "/api/v1/checklist-submissions".to_string(),
        "/api/v1/audit-events".to_string(),
        "/api/v1/stats/cases".to_string(),
        "/api/v1/stats/checklists".to_string(),
        "/api/v1/reports/yearly?year=2026".to_string(),
    ] {
        let res = l.get(&partner, &path);
        assert!(
            [403, 404].contains(&res.status),
            "{path}: {} {}",
            res.status,
            res.text()
        );
    }
}

#[test]
fn a_partner_counts_the_referrals_sent_to_its_own_organisation_from_any_school() {
    let l = setup();
    l.consent(&l.partner, false);
    l.consent(&l.other_partner, false);
    l.sent(&l.service);
    l.sent(&l.service);
    l.sent(&l.other_service);
    let partner = l.w.app.partner_user(&l.partner);
    let res = l.get(&partner, "/api/v1/stats/referrals?suppress_below=1");
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    let partners = v["partners"].as_array().unwrap();
    assert_eq!(partners.len(), 1, "{v}");
    assert_eq!(partners[0]["partner"]["id"], l.partner.as_str());
    // Two referrals: at least the configured threshold hides or shows them the same way for
    // every scope; the other organisation's never shows.
    assert!(!v.to_string().contains(&l.other_partner), "{v}");
    // As CSV too.
    let csv = l.w.app.request(
        "GET",
        "/api/v1/stats/referrals",
        Some(&partner.token),
        None,
        &[("accept", "text/csv")],
    );
    assert_eq!(csv.status, 200);
    // Narrowing by school or network would tell where a family lives: 422.
    for q in [
        format!("school={}", l.w.school_a),
        format!("network={}", uuid::Uuid::new_v4()),
    ] {
        let p = l
            .get(&partner, &format!("/api/v1/stats/referrals?{q}"))
            .problem(422);
        assert_eq!(p["errors"][0]["code"], "not_for_partners", "{q}");
    }
    // The coordinator still counts both organisations.
    let all = l.get(&l.w.coord, "/api/v1/stats/referrals").json();
    assert_eq!(all["partners"].as_array().unwrap().len(), 2, "{all}");
}

#[test]
fn a_parent_organisations_account_answers_for_its_sub_organisations_and_not_the_reverse() {
    let l = setup();
    let w = &l.w;
    let mk = |body: Value| {
        let res = w.post(&w.coord, "/api/v1/partners", body);
        assert_eq!(res.status, 201, "{}", res.text());
        id_of(&res.json())
    };
    let caw = mk(json!({"name": "CAW Antwerpen", "kind": "caw"}));
    let coaches = mk(json!({"name": "Gezinscoaches 03", "kind": "caw", "parent_id": caw}));
    let service = |partner: &str, name: &str| {
        let res = w.post(
            &w.coord,
            "/api/v1/services",
            json!({"partner_id": partner, "name": name}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        id_of(&res.json())
    };
    let onthaal = service(&caw, "Onthaal");
    let coaching = service(&coaches, "Gezinscoaching");
    l.consent(&caw, false);
    l.consent(&coaches, false);
    let to_parent = l.sent(&onthaal);
    let to_child = l.sent(&coaching);
    let parent = w.app.partner_user(&caw);
    let child = w.app.partner_user(&coaches);
    for (who, id, status) in [
        (&parent, &to_parent, 200),
        (&parent, &to_child, 200),
        (&child, &to_child, 200),
        (&child, &to_parent, 404),
    ] {
        let res = l.get(who, &format!("/api/v1/referrals/{id}"));
        assert_eq!(res.status, status, "{}", res.text());
    }
    // The parent answers for its sub-organisation too.
    assert_eq!(l.act(&parent, &to_child, "accept").status, 200);
    assert_eq!(l.act(&child, &to_parent, "accept").status, 404);
    let n = |who: &TestUser| {
        l.get(who, "/api/v1/referrals").json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!((n(&parent), n(&child)), (2, 1));
}

#[test]
fn a_worker_records_a_partners_step_on_its_behalf_and_it_is_marked_so() {
    let l = setup();
    l.consent(&l.partner, false);
    let id = l.sent(&l.service);
    let res = l.act(&l.w.worker_a, &id, "accept");
    assert_eq!(res.status, 200, "{}", res.text());
    let last = res.json()["history"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last["to_status"], "accepted");
    assert_eq!(last["on_behalf_of_partner"], true);
    assert_eq!(last["actor"]["id"], l.w.worker_a.id.as_str());
    // Sending and cancelling are no answers: never on the partner's behalf.
    let sent_step = &res.json()["history"][1];
    assert_eq!(sent_step["on_behalf_of_partner"], false);
    // The partner sees the step, marked, and the event says so.
    let partner = l.w.app.partner_user(&l.partner);
    let v = l.get(&partner, &format!("/api/v1/referrals/{id}")).json();
    let last = v["history"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(last["on_behalf_of_partner"], true);
    let events = l.get(&partner, "/api/v1/events").json();
    let accepted = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "referral.accepted")
        .cloned()
        .unwrap_or_else(|| panic!("{events}"));
    assert_eq!(accepted["data"]["on_behalf_of_partner"], true);
}

#[test]
fn a_partner_answers_but_never_sends_cancels_or_answers_without_a_reason() {
    let l = setup();
    l.consent(&l.partner, false);
    let draft = l.draft(&l.service);
    let id = l.sent(&l.service);
    let partner = l.w.app.partner_user(&l.partner);
    // The draft is not its: 404; sending and cancelling are the case team's: 403.
    assert_eq!(l.act(&partner, &draft, "send").status, 403);
    l.act(&partner, &id, "cancel").problem(403);
    let res = l.w.post(
        &partner,
        &format!("/api/v1/referrals/{id}/decline"),
        json!({}),
    );
    let p = res.problem(422);
    assert_eq!(p["errors"][0]["field"], "reason");
    // An illegal step is 409 with the state.
    let p = l.act(&partner, &id, "start").problem(409);
    assert_eq!(p["current_state"], "sent");
    let res = l.act(&partner, &id, "decline");
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["decline_reason"], "reden voor decline");
    let w = l
        .get(&l.w.worker_a, &format!("/api/v1/referrals/{id}"))
        .json();
    assert_eq!(w["status"], "declined");
    assert_eq!(w["decline_reason"], "reden voor decline");
}

#[test]
fn withdrawing_consent_cuts_the_partners_package_at_once_and_holds_the_referral() {
    let l = setup();
    let consent = l.consent(&l.partner, true);
    let id = l.sent(&l.service);
    let partner = l.w.app.partner_user(&l.partner);
    assert_eq!(l.act(&partner, &id, "accept").status, 200);
    let msg = l.w.post(
        &l.w.worker_a,
        &format!("/api/v1/referrals/{id}/messages"),
        json!({"body": "Moeder is enkel na 15 uur bereikbaar."}),
    );
    assert_eq!(msg.status, 201, "{}", msg.text());
    let before = l.get(&partner, "/api/v1/events").json()["last_position"]
        .as_i64()
        .unwrap();

    l.withdraw(&consent);

    let v = l.get(&partner, &format!("/api/v1/referrals/{id}"));
    assert_eq!(v.status, 200, "a bare reference stays: {}", v.text());
    let v = v.json();
    assert!(v["package"].is_null(), "{v}");
    assert_eq!(v["consent_withdrawn"], true);
    assert_eq!(v["status"], "on_hold");
    let text = v.to_string();
    assert!(!text.contains("afbetalingsplan"), "{text}");
    assert!(!text.contains("0470"), "{text}");
    let last = v["history"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(last["to_status"], "on_hold");
    assert_eq!(last["comment"], "consent withdrawn");
    assert_eq!(last["on_behalf_of_partner"], false);
    // The thread is part of the package.
    let thread = l.get(&partner, &format!("/api/v1/referrals/{id}/messages"));
    assert_eq!(thread.status, 200);
    assert_eq!(thread.json(), json!([]));
    let p =
        l.w.post(
            &partner,
            &format!("/api/v1/referrals/{id}/messages"),
            json!({"body": "Nog nieuws?"}),
        )
        .problem(409);
    assert_eq!(p["code"], "referral_consent_gone");
    // It cannot take the help further; it can still close its side.
    let p = l.act(&partner, &id, "resume").problem(409);
    assert_eq!(p["code"], "referral_consent_gone");
    // Its inbox shows the referral on hold, without package.
    let inbox = l.get(&partner, "/api/v1/partner/inbox").json();
    assert_eq!(inbox["on_hold"][0]["id"], id.as_str());
    assert!(inbox["on_hold"][0]["package"].is_null());
    // It is told by its events.
    let events = l
        .get(&partner, &format!("/api/v1/events?after={before}"))
        .json();
    let types: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec!["referral.on_hold", "referral.consent_withdrawn"]
    );
    assert_eq!(
        events["items"][1]["data"]["reason_code"],
        "consent_withdrawn"
    );
    // The worker still sees it all, and can stop it.
    let wv = l
        .get(&l.w.worker_a, &format!("/api/v1/referrals/{id}"))
        .json();
    assert_eq!(wv["consent_withdrawn"], true);
    assert_eq!(l.act(&l.w.worker_a, &id, "cancel").status, 200);
    assert_eq!(l.act(&partner, &id, "fail").status, 409);
}

#[test]
fn partner_events_and_webhooks_carry_only_its_own_referrals_without_case_ids() {
    let l = setup();
    l.consent(&l.partner, false);
    l.consent(&l.other_partner, false);
    let partner = l.w.app.partner_user(&l.partner);
    let other = l.w.app.partner_user(&l.other_partner);
    let hook = |who: &TestUser| {
        let res = l.w.post(
            who,
            "/api/v1/webhooks",
            json!({"url": "https://partner.example/hooks", "event_types": ["*"]}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        id_of(&res.json())
    };
    let (mine, theirs) = (hook(&partner), hook(&other));
    let id = l.sent(&l.service);
    assert_eq!(l.act(&partner, &id, "accept").status, 200);
    let other_id = l.sent(&l.other_service);

    let events = l.get(&partner, "/api/v1/events").json();
    let items = events["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{events}");
    for e in items {
        assert_eq!(e["data"]["referral_id"], id.as_str(), "{e}");
        assert_eq!(e["data"]["partner_id"], l.partner.as_str(), "{e}");
        for k in ["case_id", "school_id"] {
            assert!(e["data"].get(k).is_none(), "{k} in {e}");
        }
    }
    let theirs_events = l.get(&other, "/api/v1/events").json();
    assert!(
        theirs_events["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["data"]["referral_id"] == other_id.as_str()),
        "{theirs_events}"
    );
    // The coordinator's stream still holds everything.
    let all = l.get(&l.w.coord, "/api/v1/events").json();
    assert!(all["items"].as_array().unwrap().len() > items.len());

    // Deliveries: each partner's subscription got its own referral's events only.
    let mut conn = l.w.app.conn();
    let mut count = |sub: &str| -> i64 {
        webhook_deliveries::table
            .filter(webhook_deliveries::subscription_id.eq(sub))
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    assert_eq!(count(&mine), 2, "sent and accepted");
    assert_eq!(count(&theirs), 1, "sent");
    // Subscriptions are the partner's own: another's is not found, not listed.
    let listed: Vec<String> = l
        .get(&partner, "/api/v1/webhooks")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(listed, vec![mine.clone()]);
    l.get(&partner, &format!("/api/v1/webhooks/{theirs}"))
        .problem(404);
    l.get(&partner, &format!("/api/v1/webhooks/{theirs}/deliveries"))
        .problem(404);
    let res = l.w.app.request(
        "DELETE",
        &format!("/api/v1/webhooks/{theirs}"),
        Some(&partner.token),
        None,
        &[],
    );
    res.problem(404);
    assert_eq!(
        l.get(&l.w.coord, "/api/v1/webhooks")
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Schools and workers still have no event stream.
    l.get(&l.w.worker_a, "/api/v1/events").problem(403);
}

#[test]
fn the_worker_moves_the_follow_up_day_in_any_state_that_is_not_final() {
    let l = setup();
    l.consent(&l.partner, false);
    let id = l.sent(&l.service);
    let path = format!("/api/v1/referrals/{id}/follow-up");
    let day = (today() + Duration::days(20)).to_string();
    let etag = l
        .get(&l.w.worker_a, &format!("/api/v1/referrals/{id}"))
        .header("etag")
        .unwrap()
        .to_string();
    let res = l.patch(
        &l.w.worker_a,
        &path,
        json!({"follow_up_on": day}),
        Some(&etag),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["follow_up_on"], day.as_str());
    // A stale version, a past day, a partner, another worker: refused.
    l.patch(
        &l.w.worker_a,
        &path,
        json!({"follow_up_on": day}),
        Some(&etag),
    )
    .problem(412);
    let p = l
        .patch(
            &l.w.worker_a,
            &path,
            json!({"follow_up_on": (today() - Duration::days(1)).to_string()}),
            None,
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "follow_up_on");
    let partner = l.w.app.partner_user(&l.partner);
    l.patch(&partner, &path, json!({"follow_up_on": day}), None)
        .problem(403);
    l.patch(&l.w.worker_b, &path, json!({"follow_up_on": day}), None)
        .problem(404);
    // The partner sees the new day, and is told.
    let v = l.get(&partner, &format!("/api/v1/referrals/{id}")).json();
    assert_eq!(v["package"]["follow_up_on"], day.as_str());
    let events = l.get(&partner, "/api/v1/events").json();
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "referral.follow_up_changed"),
        "{events}"
    );
    // Final: 409.
    assert_eq!(l.act(&partner, &id, "accept").status, 200);
    assert_eq!(l.act(&partner, &id, "complete").status, 200);
    let p = l
        .patch(&l.w.worker_a, &path, json!({"follow_up_on": day}), None)
        .problem(409);
    assert_eq!(p["current_state"], "completed");
    // The move is audited.
    let log = l.get(&l.w.coord, &format!("/api/v1/audit-events?object_id={id}"));
    assert_eq!(log.status, 200, "{}", log.text());
}

#[test]
fn messages_are_screened_exported_and_erased_with_the_case() {
    let l = setup();
    l.consent(&l.partner, false);
    let id = l.sent(&l.service);
    let path = format!("/api/v1/referrals/{id}/messages");
    // Text that leaves the case team must not identify the family.
    let p =
        l.w.post(
            &l.w.worker_a,
            &path,
            json!({"body": "Bel mama op 0470 12 34 56."}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "body");
    assert_eq!(p["errors"][0]["finding"], "phone_number");
    assert!(!p.to_string().contains("0470"), "{p}");
    l.w.post(&l.w.worker_a, &path, json!({"body": ""}))
        .problem(422);
    let res = l.w.post(
        &l.w.worker_a,
        &path,
        json!({"body": "Het gezin verwacht uw telefoon deze week."}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    // Others: the coordinator and a school never; another worker not found.
    l.get(&l.w.coord, &path).problem(403);
    l.get(&l.w.user_a, &path).problem(403);
    l.get(&l.w.worker_b, &path).problem(404);
    // Unread for the partner, in its view and inbox.
    let partner = l.w.app.partner_user(&l.partner);
    let inbox = l.get(&partner, "/api/v1/partner/inbox").json();
    assert_eq!(inbox["unread_messages"][0]["unread_messages"], 1, "{inbox}");
    // In the family's export.
    let export = l
        .get(&l.w.worker_a, &format!("/api/v1/cases/{}/export", l.case))
        .json();
    assert_eq!(
        export["referral_messages"][0]["body"],
        "Het gezin verwacht uw telefoon deze week."
    );
    // Erased with the case.
    let res = l.w.post(
        &l.w.worker_a,
        &format!("/api/v1/cases/{}/close", l.case),
        json!({"outcome": "resolved", "note": "opgelost"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = l.w.post(
        &l.w.worker_a,
        &format!("/api/v1/cases/{}/erase", l.case),
        json!({"reason": "op vraag van de familie"}),
    );
    assert!(res.status < 300, "{}", res.text());
    let bodies: Vec<String> = referral_messages::table
        .select(referral_messages::body)
        .load(&mut l.w.app.conn())
        .unwrap();
    assert_eq!(bodies, vec![String::new()]);
}

#[test]
fn the_coordinator_creates_partner_accounts_bound_to_one_existing_partner() {
    let l = setup();
    let w = &l.w;
    let new = |body: Value| w.post(&w.coord, "/api/v1/users", body);
    let base = |role: &str| {
        json!({"email": format!("{}@partner.example", uuid::Uuid::new_v4().simple()),
               "display_name": "Partner", "role": role, "password": "a long first password for it"})
    };
    let mut b = base("partner");
    let p = new(b.clone()).problem(422);
    assert_eq!(p["errors"][0]["code"], "partner_account_needs_partner");
    b["partner_id"] = json!(uuid::Uuid::new_v4().to_string());
    let p = new(b.clone()).problem(422);
    assert_eq!(p["errors"][0]["code"], "no_such_partner");
    let mut s = base("social_worker");
    s["partner_id"] = json!(l.partner);
    let p = new(s).problem(422);
    assert_eq!(p["errors"][0]["code"], "only_partner_accounts_have_partner");
    b["partner_id"] = json!(l.partner);
    let res = new(b.clone());
    assert_eq!(res.status, 201, "{}", res.text());
    // Workers and partners cannot make accounts.
    let partner = w.app.partner_user(&l.partner);
    for who in [&partner, &w.worker_a] {
        w.post(who, "/api/v1/users", b.clone()).problem(403);
    }
    // Its owner logs in; the token carries the partner; its profile is its own.
    let login = w
        .app
        .login(b["email"].as_str().unwrap(), "a long first password for it");
    assert_eq!(login.status, 200, "{}", login.text());
    let me = l.get(&partner, "/api/v1/me").json();
    assert_eq!(me["role"], "partner");
    assert_eq!(me["partner_id"], l.partner.as_str());
}

#[test]
fn a_partner_edits_only_its_own_organisations_contact_data() {
    let l = setup();
    let partner = l.w.app.partner_user(&l.partner);
    let own = format!("/api/v1/partners/{}", l.partner);
    let res = l.patch(&partner, &own, json!({"phone": "03 123 45 67"}), None);
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["phone"], "03 123 45 67");
    let p = l
        .patch(&partner, &own, json!({"name": "Overgenomen"}), None)
        .problem(403);
    assert_eq!(p["code"], "partner_contact_only");
    l.patch(
        &partner,
        &format!("/api/v1/partners/{}", l.other_partner),
        json!({"phone": "03 000 00 00"}),
        None,
    )
    .problem(404);
    // The social map is its to read, not to write.
    assert_eq!(l.get(&partner, "/api/v1/services").status, 200);
    l.w.post(
        &partner,
        "/api/v1/partners",
        json!({"name": "Nieuw", "kind": "ngo"}),
    )
    .problem(403);
}
