//! Referrals: the closed loop from draft to the partner's outcome, consent on sending, the
//! overdue list, the school's view, and who reaches what.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use kinderen_eerst::db::schema::{referrals, services};
use serde_json::{Value, json};

use crate::cases::World;
use crate::helpers::{Resp, TestApp, TestUser};

/// Two seeded services of two different partner organisations: (service id, partner id).
pub fn two_services(app: &TestApp) -> [(String, String); 2] {
    let rows: Vec<(String, String)> = services::table
        .order((services::name, services::id))
        .select((services::id, services::partner_id))
        .load(&mut app.conn())
        .expect("seeded services");
    let first = rows[0].clone();
    let other = rows
        .iter()
        .find(|(_, p)| *p != first.1)
        .expect("services of two partners")
        .clone();
    [first, other]
}

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_string()
}

/// A case of school A with a referral fixture: the service, its partner, and helpers.
pub struct Fixture {
    pub w: World,
    pub case_id: String,
    pub service: String,
    pub partner: String,
    pub other_service: String,
    pub other_partner: String,
}

pub fn fixture() -> Fixture {
    fixture_with(crate::helpers::test_settings())
}

pub fn fixture_with(settings: kinderen_eerst::config::Settings) -> Fixture {
    let w = crate::cases::world_with(settings);
    let case = w.case_by_school();
    let [(service, partner), (other_service, other_partner)] = two_services(&w.app);
    Fixture {
        case_id: id_of(&case),
        w,
        service,
        partner,
        other_service,
        other_partner,
    }
}

impl Fixture {
    pub fn draft(&self) -> Value {
        self.draft_for(&self.service)
    }

    pub fn draft_for(&self, service: &str) -> Value {
        let res = self.w.post(
            &self.w.worker_a,
            &format!("/api/v1/cases/{}/referrals", self.case_id),
            json!({"service_id": service, "themes": ["finances_debt"],
                   "message_for_partner": "Moeder zoekt hulp bij een afbetalingsplan.",
                   "urgency": "high", "follow_up_on": (today() + Duration::days(7)).to_string()}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()
    }

    pub fn consent(&self, kind: &str, partner: Option<&str>) -> String {
        let mut body = json!({"kind": kind, "given_by": "parent", "method": "written", "given_at": "2026-01-05T10:00:00Z"});
        if let Some(p) = partner {
            body["partner_id"] = json!(p);
        }
        let res = self.w.post(
            &self.w.worker_a,
            &format!("/api/v1/cases/{}/consents", self.case_id),
            body,
        );
        assert_eq!(res.status, 201, "{}", res.text());
        id_of(&res.json())
    }

    pub fn withdraw(&self, consent: &str) {
        let res = self.w.post(
            &self.w.worker_a,
            &format!("/api/v1/cases/{}/consents/{consent}/withdraw", self.case_id),
            json!({}),
        );
        assert_eq!(res.status, 200, "{}", res.text());
    }

    pub fn act(&self, id: &str, action: &str) -> Resp {
        let body = match action {
            "decline" | "hold" | "fail" | "cancel" => {
                json!({"reason": format!("reden voor {action}")})
            }
            "complete" => json!({"outcome": "Afbetalingsplan afgesproken."}),
            "accept" => json!({"partner_contact_name": "Sarah"}),
            _ => json!({}),
        };
        self.w.post(
            &self.w.worker_a,
            &format!("/api/v1/referrals/{id}/{action}"),
            body,
        )
    }

    #[track_caller]
    pub fn step(&self, id: &str, action: &str) -> Value {
        let res = self.act(id, action);
        assert_eq!(res.status, 200, "{action}: {}", res.text());
        res.json()
    }

    pub fn get(&self, user: &TestUser, path: &str) -> Resp {
        self.w.app.get(path, Some(&user.token))
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// What the coordinator and the school may never see of a referral.
const CONFIDENTIAL: [&str; 7] = [
    "message_for_partner",
    "partner_contact_name",
    "decline_reason",
    "outcome",
    "consent_override",
    "consent_withdrawn",
    "history",
];

#[test]
fn a_worker_refers_a_case_and_records_the_partners_answers_until_completion() {
    let f = fixture();
    f.consent("refer_to_partner", Some(&f.partner));
    let draft = f.draft();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["fhir_status"], "draft");
    assert_eq!(draft["partner"]["id"], f.partner);
    assert_eq!(draft["service"]["id"], f.service);
    assert_eq!(draft["themes"], json!(["finances_debt"]));
    assert_eq!(draft["urgency"], "high");
    assert_eq!(draft["overdue"], false);
    assert_eq!(draft["consent_withdrawn"], false);
    assert_eq!(draft["history"].as_array().unwrap().len(), 1);
    let id = id_of(&draft);

    let sent = f.step(&id, "send");
    assert_eq!(
        (sent["status"].as_str(), sent["fhir_status"].as_str()),
        (Some("sent"), Some("requested"))
    );
    assert!(sent["sent_at"].is_string());
    assert_eq!(sent["consent_override"], Value::Null);
    let accepted = f.step(&id, "accept");
    assert_eq!(accepted["partner_contact_name"], "Sarah");
    assert!(accepted["answered_at"].is_string());
    assert_eq!(f.step(&id, "start")["fhir_status"], "in-progress");
    assert_eq!(f.step(&id, "hold")["fhir_status"], "on-hold");
    assert_eq!(f.step(&id, "resume")["status"], "in_progress");
    let done = f.step(&id, "complete");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["outcome"], "Afbetalingsplan afgesproken.");
    assert!(done["completed_at"].is_string());

    let detail = f.get(&f.w.worker_a, &format!("/api/v1/referrals/{id}"));
    assert_eq!(detail.status, 200);
    assert!(detail.header("etag").is_some());
    let history = detail.json()["history"].as_array().unwrap().clone();
    let steps: Vec<(Value, Value)> = history
        .iter()
        .map(|t| (t["from_status"].clone(), t["to_status"].clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Value::Null, json!("draft")),
            (json!("draft"), json!("sent")),
            (json!("sent"), json!("accepted")),
            (json!("accepted"), json!("in_progress")),
            (json!("in_progress"), json!("on_hold")),
            (json!("on_hold"), json!("in_progress")),
            (json!("in_progress"), json!("completed")),
        ]
    );
    for t in &history {
        assert_eq!(t["actor"]["id"], f.w.worker_a.id);
        assert!(t["at"].is_string());
    }
    assert_eq!(history[4]["comment"], "reden voor hold");

    // The case can now close as referred.
    let res = f.w.post(
        &f.w.worker_a,
        &format!("/api/v1/cases/{}/close", f.case_id),
        json!({"outcome": "referred"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    // A closed case takes no new referrals.
    let p =
        f.w.post(
            &f.w.worker_a,
            &format!("/api/v1/cases/{}/referrals", f.case_id),
            json!({"service_id": f.service}),
        )
        .problem(409);
    assert_eq!(p["current_state"], "closed");
}

/// Every legal transition of DOMAIN.md's referral lifecycle, and every illegal one answered
/// 409 naming the current state.
#[test]
fn every_referral_transition_is_allowed_exactly_where_the_lifecycle_says() {
    let f = fixture();
    f.consent("refer_to_partner", Some(&f.partner));
    let actions = [
        "send", "accept", "decline", "start", "hold", "resume", "complete", "fail", "cancel",
    ];
    let legal = |from: &str, action: &str| -> Option<&'static str> {
        match (from, action) {
            ("draft", "send") => Some("sent"),
            ("sent", "accept") => Some("accepted"),
            ("sent", "decline") => Some("declined"),
            ("accepted", "start") => Some("in_progress"),
            ("accepted" | "in_progress", "hold") => Some("on_hold"),
            ("on_hold", "resume") => Some("in_progress"),
            ("accepted" | "in_progress", "complete") => Some("completed"),
            ("accepted" | "in_progress", "fail") => Some("failed"),
            ("draft" | "sent" | "accepted" | "in_progress" | "on_hold", "cancel") => {
                Some("cancelled")
            }
            _ => None,
        }
    };
    let paths: [(&str, &[&str]); 9] = [
        ("draft", &[]),
        ("sent", &["send"]),
        ("accepted", &["send", "accept"]),
        ("declined", &["send", "decline"]),
        ("in_progress", &["send", "accept", "start"]),
        ("on_hold", &["send", "accept", "hold"]),
        ("completed", &["send", "accept", "complete"]),
        ("failed", &["send", "accept", "fail"]),
        ("cancelled", &["cancel"]),
    ];
    let fhir = |s: &str| {
        match s {
            "sent" => "requested",
            "declined" => "rejected",
            "in_progress" => "in-progress",
            "on_hold" => "on-hold",
            other => other,
        }
        .to_string()
    };
    for (state, setup) in paths {
        for action in actions {
            let id = id_of(&f.draft());
            for step in setup {
                f.step(&id, step);
            }
            let res = f.act(&id, action);
            match legal(state, action) {
                Some(to) => {
                    assert_eq!(res.status, 200, "{state} -{action}-> {}", res.text());
                    let r = res.json();
                    assert_eq!(r["status"], to);
                    assert_eq!(r["fhir_status"], fhir(to));
                    let last = r["history"].as_array().unwrap().last().unwrap().clone();
                    assert_eq!(
                        (last["from_status"].as_str(), last["to_status"].as_str()),
                        (Some(state), Some(to))
                    );
                }
                None => {
                    let p = res.problem(409);
                    assert_eq!(p["current_state"], state, "{state} -{action}-> {p}");
                }
            }
        }
    }
}

#[test]
fn reasons_and_the_outcome_are_required_and_named_when_missing() {
    let f = fixture();
    f.consent("refer_to_partner", Some(&f.partner));
    let id = id_of(&f.draft());
    f.step(&id, "send");
    for (action, body) in [
        ("decline", None),
        ("decline", Some(json!({"reason": "   "}))),
        ("cancel", Some(json!({}))),
    ] {
        let res = match body {
            Some(b) => f.w.post(
                &f.w.worker_a,
                &format!("/api/v1/referrals/{id}/{action}"),
                b,
            ),
            None => f.w.app.request(
                "POST",
                &format!("/api/v1/referrals/{id}/{action}"),
                Some(&f.w.worker_a.token),
                None,
                &[],
            ),
        };
        let p = res.problem(422);
        assert_eq!(p["errors"][0]["field"], "reason", "{action}: {p}");
    }
    f.step(&id, "accept");
    for action in ["hold", "fail"] {
        let p =
            f.w.post(
                &f.w.worker_a,
                &format!("/api/v1/referrals/{id}/{action}"),
                json!({}),
            )
            .problem(422);
        assert_eq!(p["errors"][0]["field"], "reason");
    }
    let p =
        f.w.post(
            &f.w.worker_a,
            &format!("/api/v1/referrals/{id}/complete"),
            json!({"comment": "klaar"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "outcome");
    // Actions without a required field take no body at all.
    let res = f.w.app.request(
        "POST",
        &format!("/api/v1/referrals/{id}/start"),
        Some(&f.w.worker_a.token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let p =
        f.w.post(
            &f.w.worker_a,
            &format!("/api/v1/referrals/{id}/resume"),
            json!({"bogus": 1}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "bogus");
}

#[test]
fn sending_needs_the_familys_live_consent_for_the_services_partner_or_an_override() {
    let f = fixture();
    let id = id_of(&f.draft());
    let send = |body: Value| {
        f.w.post(&f.w.worker_a, &format!("/api/v1/referrals/{id}/send"), body)
    };

    // No consent at all.
    let p = send(json!({})).problem(409);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("refer_to_partner") && detail.contains(&f.partner),
        "{p}"
    );
    assert_eq!(p["code"], "referral_consent_none", "{p}");
    assert!(detail.contains("geen toestemming refer_to_partner"), "{p}");

    // Consent for another partner only.
    f.consent("refer_to_partner", Some(&f.other_partner));
    f.consent("share_with_school", None);
    let p = send(json!({})).problem(409);
    assert_eq!(p["code"], "referral_consent_only_other_partners", "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("enkel toestemming refer_to_partner voor andere partners"),
        "{p}"
    );

    // Consent for this partner, withdrawn.
    let consent = f.consent("refer_to_partner", Some(&f.partner));
    f.withdraw(&consent);
    let p = send(json!({})).problem(409);
    assert_eq!(p["code"], "referral_consent_withdrawn", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("ingetrokken"), "{p}");
    assert_eq!(
        f.get(&f.w.worker_a, &format!("/api/v1/referrals/{id}"))
            .json()["status"],
        "draft",
        "nothing changed"
    );

    // An override needs a known basis and a reason.
    let p =
        send(json!({"consent_override": {"legal_basis": "curiosity", "reason": "x"}})).problem(422);
    assert_eq!(p["errors"][0]["field"], "consent_override.legal_basis");
    let p = send(json!({"consent_override": {"legal_basis": "vital_interest", "reason": ""}}))
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "consent_override.reason");
    let p = send(json!({"consent_override": {"legal_basis": "vital_interest"}})).problem(422);
    assert_eq!(p["errors"][0]["field"], "consent_override.reason");

    // The override is accepted, flagged, kept in the history.
    let res = send(
        json!({"consent_override": {"legal_basis": "vital_interest", "reason": "Kind in acuut gevaar."}}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let r = res.json();
    assert_eq!(r["status"], "sent");
    assert_eq!(
        r["consent_override"],
        json!({"legal_basis": "vital_interest", "reason": "Kind in acuut gevaar."})
    );
    assert_eq!(
        r["consent_withdrawn"], false,
        "an override does not rest on consent"
    );
    let last = r["history"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["comment"].as_str().unwrap().contains("vital_interest"),
        "{last}"
    );
    let meta = f.get(&f.w.coord, &format!("/api/v1/referrals/{id}")).json();
    assert_eq!(meta["consent_override_basis"], "vital_interest");
    assert!(meta.get("consent_override").is_none());

    // With a live consent an override is refused as unnecessary; without one it goes through,
    // and withdrawing the consent afterwards marks the referral.
    let second = id_of(&f.draft());
    let live = f.consent("refer_to_partner", Some(&f.partner));
    let p =
        f.w.post(
            &f.w.worker_a,
            &format!("/api/v1/referrals/{second}/send"),
            json!({"consent_override": {"legal_basis": "legal_obligation", "reason": "x"}}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "consent_override");
    let sent = f.step(&second, "send");
    assert_eq!(sent["consent_withdrawn"], false);
    f.withdraw(&live);
    let after = f
        .get(&f.w.worker_a, &format!("/api/v1/referrals/{second}"))
        .json();
    assert_eq!(after["consent_withdrawn"], true);
    let listed = f
        .get(
            &f.w.worker_a,
            &format!("/api/v1/cases/{}/referrals", f.case_id),
        )
        .json();
    let flagged: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["consent_withdrawn"] == true)
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["id"], second.as_str());
    // Once stopped, the flag has done its job.
    let cancelled = f.step(&second, "cancel");
    assert_eq!(cancelled["consent_withdrawn"], false);
}

/// Sets a referral's follow-up day and the day of its last transition, as if time had passed.
fn age(f: &Fixture, id: &str, follow_up_on: NaiveDate, last_transition_on: NaiveDate) {
    diesel::update(referrals::table.find(id))
        .set((
            referrals::follow_up_on.eq(Some(follow_up_on)),
            referrals::last_transition_on.eq(last_transition_on),
            referrals::last_transition_at.eq(last_transition_on.and_hms_opt(12, 0, 0).unwrap()),
        ))
        .execute(&mut f.w.app.conn())
        .expect("age the referral");
}

#[test]
fn overdue_lists_open_referrals_past_follow_up_with_nothing_newer_around_the_date_boundary() {
    let f = fixture();
    f.consent("refer_to_partner", Some(&f.partner));
    let t = today();
    let d = |n: i64| t + Duration::days(n);
    let sent = |setup: &[&str]| {
        let id = id_of(&f.draft());
        for s in setup {
            f.step(&id, s);
        }
        id
    };
    // (name, id, follow_up_on, last transition day, expected overdue)
    let cases = vec![
        (
            "yesterday, untouched since",
            sent(&["send"]),
            d(-1),
            d(-3),
            true,
        ),
        (
            "yesterday, last transition that same day",
            sent(&["send"]),
            d(-1),
            d(-1),
            true,
        ),
        (
            "two days ago, a transition yesterday",
            sent(&["send"]),
            d(-2),
            d(-1),
            false,
        ),
        ("today", sent(&["send"]), d(0), d(-3), false),
        ("tomorrow", sent(&["send"]), d(1), d(-3), false),
        (
            "accepted, yesterday",
            sent(&["send", "accept"]),
            d(-1),
            d(-3),
            true,
        ),
        (
            "in progress, yesterday",
            sent(&["send", "accept", "start"]),
            d(-1),
            d(-3),
            true,
        ),
        (
            "on hold, yesterday",
            sent(&["send", "accept", "hold"]),
            d(-1),
            d(-3),
            true,
        ),
        (
            "a draft is not at the partner",
            sent(&[]),
            d(-1),
            d(-3),
            false,
        ),
        (
            "declined is final",
            sent(&["send", "decline"]),
            d(-1),
            d(-3),
            false,
        ),
        (
            "completed is final",
            sent(&["send", "accept", "complete"]),
            d(-1),
            d(-3),
            false,
        ),
        (
            "cancelled is final",
            sent(&["send", "cancel"]),
            d(-1),
            d(-3),
            false,
        ),
    ];
    for (_, id, follow, last, _) in &cases {
        age(&f, id, *follow, *last);
    }
    let listed: BTreeSet<String> = f
        .get(&f.w.worker_a, "/api/v1/referrals?overdue=true")
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    for (name, id, _, _, want) in &cases {
        assert_eq!(listed.contains(id), *want, "{name}");
        let one = f
            .get(&f.w.worker_a, &format!("/api/v1/referrals/{id}"))
            .json();
        assert_eq!(
            one["overdue"], *want,
            "{name}: the flag agrees with the list"
        );
    }
    // The coordinator sees the same list, as metadata; worker B sees none of it.
    let coord = f.get(&f.w.coord, "/api/v1/referrals?overdue=true").json();
    assert_eq!(coord["items"].as_array().unwrap().len(), listed.len());
    let b = f
        .get(&f.w.worker_b, "/api/v1/referrals?overdue=true")
        .json();
    assert_eq!(b["items"], json!([]));
    // A new transition after the follow-up day takes it off the list.
    let (_, first, ..) = &cases[0];
    f.step(first, "accept");
    let again = f
        .get(&f.w.worker_a, "/api/v1/referrals?overdue=true")
        .json();
    assert!(
        !again["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| id_of(r) == *first)
    );
}

#[test]
fn closing_a_case_as_referred_needs_a_referral_that_was_sent() {
    let f = fixture();
    let close = |outcome: &str| {
        f.w.post(
            &f.w.worker_a,
            &format!("/api/v1/cases/{}/close", f.case_id),
            json!({"outcome": outcome}),
        )
    };
    let p = close("referred").problem(409);
    assert_eq!(p["code"], "close_referred_needs_sent_referral", "{p}");
    let draft = id_of(&f.draft());
    close("referred").problem(409);
    f.step(&draft, "cancel");
    close("referred").problem(409);
    f.consent("refer_to_partner", Some(&f.partner));
    let id = id_of(&f.draft());
    f.step(&id, "send");
    f.step(&id, "decline");
    // Sent (then declined) counts: the worker did refer.
    let res = close("referred");
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["outcome"], "referred");
}

#[test]
fn a_school_sees_only_that_a_referral_exists_and_its_status_while_sharing_is_allowed() {
    let f = fixture();
    f.consent("refer_to_partner", Some(&f.partner));
    let draft = id_of(&f.draft());
    let sent = id_of(&f.draft());
    f.step(&sent, "send");
    f.step(&sent, "accept");
    let path = format!("/api/v1/cases/{}/referrals", f.case_id);

    // Without share_with_school: nothing.
    let res = f.get(&f.w.user_a, &path);
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json(), json!([]));

    let share = f.consent("share_with_school", None);
    let seen = f.get(&f.w.user_a, &path).json();
    let items = seen.as_array().unwrap();
    assert_eq!(items.len(), 1, "drafts are not shown: {seen}");
    assert_eq!(items[0], json!({"id": sent, "status": "accepted"}));
    assert_eq!(
        keys(&items[0]),
        BTreeSet::from(["id".to_string(), "status".to_string()])
    );
    assert!(!items.iter().any(|r| id_of(r) == draft));

    // Another school: the case does not exist for it; nor do single referrals for schools.
    f.get(&f.w.user_b, &path).problem(404);
    f.get(&f.w.user_a, &format!("/api/v1/referrals/{sent}"))
        .problem(403);
    f.get(&f.w.user_a, "/api/v1/referrals").problem(403);

    f.withdraw(&share);
    assert_eq!(f.get(&f.w.user_a, &path).json(), json!([]));
}

#[test]
fn drafts_change_and_bad_referral_input_is_422_naming_the_field() {
    let f = fixture();
    let base = format!("/api/v1/cases/{}/referrals", f.case_id);
    let fields = |p: &Value| -> BTreeSet<String> {
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    };
    let p =
        f.w.post(
            &f.w.worker_a,
            &base,
            json!({"service_id": "0193a1b2-0000-7000-8000-000000000000", "themes": ["nope"],
                   "follow_up_on": (today() - Duration::days(1)).to_string()}),
        )
        .problem(422);
    assert_eq!(
        fields(&p),
        BTreeSet::from([
            "service_id".into(),
            "themes[0]".into(),
            "follow_up_on".into()
        ])
    );
    let p =
        f.w.post(
            &f.w.worker_a,
            &base,
            json!({"service_id": f.service, "urgency": "asap"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "urgency");
    let p =
        f.w.post(
            &f.w.worker_a,
            &base,
            json!({"service_id": f.service, "follow_up_on": "soon"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "follow_up_on");
    let p = f.w.post(&f.w.worker_a, &base, json!({})).problem(422);
    assert_eq!(p["errors"][0]["field"], "service_id");
    f.w.app
        .get("/api/v1/referrals?status=lost", Some(&f.w.worker_a.token))
        .problem(422);
    f.w.app
        .get("/api/v1/referrals?overdue=maybe", Some(&f.w.worker_a.token))
        .problem(422);
    f.w.app
        .get(
            "/api/v1/referrals?cursor=garbage",
            Some(&f.w.worker_a.token),
        )
        .problem(422);

    // A draft changes (to the other partner's service: the partner follows the service).
    let draft = f.draft();
    let id = id_of(&draft);
    let path = format!("/api/v1/referrals/{id}");
    let tag = f
        .get(&f.w.worker_a, &path)
        .header("etag")
        .unwrap()
        .to_string();
    let patch = |body: Value, tag: &str| {
        f.w.app.request(
            "PATCH",
            &path,
            Some(&f.w.worker_a.token),
            Some(("application/json", body.to_string().into_bytes())),
            &[("if-match", tag)],
        )
    };
    let res = patch(
        json!({"service_id": f.other_service, "urgency": "urgent"}),
        &tag,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let changed = res.json();
    assert_eq!(changed["partner"]["id"], f.other_partner);
    assert_eq!(changed["urgency"], "urgent");
    assert_eq!(changed["message_for_partner"], draft["message_for_partner"]);
    patch(json!({"urgency": "low"}), &tag).problem(412);
    // Once sent it no longer changes.
    f.consent("refer_to_partner", Some(&f.other_partner));
    f.step(&id, "send");
    let p = patch(json!({"urgency": "low"}), "*").problem(409);
    assert_eq!(p["current_state"], "sent");
}

/// Each role × each referral endpoint × own/other school (assigned/unassigned worker).
#[test]
fn authorization_matrix_for_referrals() {
    let f = fixture();
    f.consent("refer_to_partner", Some(&f.partner));
    let id = id_of(&f.draft());
    let sent = id_of(&f.draft());
    f.step(&sent, "send");
    let c = format!("/api/v1/cases/{}/referrals", f.case_id);
    let r = format!("/api/v1/referrals/{id}");
    // (method, path, body, [coordinator, worker A (assigned), worker B (not), school A (own), school B (other)])
    let rows: Vec<(&str, String, Option<Value>, [u16; 5])> = vec![
        (
            "GET",
            "/api/v1/referrals".into(),
            None,
            [200, 200, 200, 403, 403],
        ),
        (
            "GET",
            "/api/v1/referrals?overdue=true".into(),
            None,
            [200, 200, 200, 403, 403],
        ),
        ("GET", c.clone(), None, [200, 200, 404, 200, 404]),
        (
            "POST",
            c.clone(),
            Some(json!({"service_id": f.service})),
            [403, 201, 404, 403, 403],
        ),
        ("GET", r.clone(), None, [200, 200, 404, 403, 403]),
        (
            "PATCH",
            r.clone(),
            Some(json!({"urgency": "low"})),
            [403, 200, 404, 403, 403],
        ),
        (
            "POST",
            format!("/api/v1/referrals/{sent}/accept"),
            Some(json!({})),
            [403, 200, 404, 403, 403],
        ),
        (
            "POST",
            format!("{r}/cancel"),
            Some(json!({"reason": "dubbel"})),
            [403, 200, 404, 403, 403],
        ),
    ];
    let share = f.consent("share_with_school", None);
    let users = [
        &f.w.coord,
        &f.w.worker_a,
        &f.w.worker_b,
        &f.w.user_a,
        &f.w.user_b,
    ];
    for (method, path, body, want) in &rows {
        for (user, want) in users.iter().zip(want) {
            let res = f.w.app.request(
                method,
                path,
                Some(&user.token),
                body.as_ref()
                    .map(|b| ("application/json", b.to_string().into_bytes())),
                &[],
            );
            assert_eq!(
                res.status,
                *want,
                "{method} {path} as {}: {}",
                user.email,
                res.text()
            );
            if res.status >= 400 {
                res.problem(*want);
                continue;
            }
            assert_eq!(res.header("cache-control"), Some("no-store"));
            let body = res.json();
            let objects: Vec<&Value> = match (body.get("items"), body.as_array()) {
                (Some(items), _) => items.as_array().unwrap().iter().collect(),
                (None, Some(list)) => list.iter().collect(),
                (None, None) => vec![&body],
            };
            for o in objects {
                if user.id == f.w.coord.id || user.id == f.w.user_a.id {
                    for k in CONFIDENTIAL {
                        assert!(
                            o.get(k).is_none(),
                            "{method} {path}: {} sees `{k}`",
                            user.email
                        );
                    }
                }
                if user.id == f.w.user_a.id {
                    assert_eq!(
                        keys(o),
                        BTreeSet::from(["id".to_string(), "status".to_string()])
                    );
                }
                if user.id == f.w.worker_a.id && !path.contains("overdue") {
                    assert!(
                        o.get("message_for_partner").is_some(),
                        "the worker sees the message"
                    );
                }
            }
        }
    }
    // School A without the share consent: its case still answers, with no referral in it.
    f.withdraw(&share);
    assert_eq!(f.get(&f.w.user_a, &c).json(), json!([]));
}

/// Moves a referral's sending, answer and completion into the past, as if time had passed.
fn backdate(f: &Fixture, id: &str, sent: i64, answered: Option<i64>, completed: Option<i64>) {
    let at = |days_ago: i64| (Utc::now() - Duration::days(days_ago)).naive_utc();
    diesel::update(referrals::table.find(id))
        .set((
            referrals::sent_at.eq(Some(at(sent))),
            referrals::answered_at.eq(answered.map(at)),
            referrals::completed_at.eq(completed.map(at)),
        ))
        .execute(&mut f.w.app.conn())
        .expect("backdate the referral");
}

#[test]
fn partner_statistics_count_outcomes_overrides_and_median_lead_times_for_the_coordinator() {
    let f = fixture();
    f.consent("refer_to_partner", Some(&f.partner));
    f.consent("refer_to_partner", Some(&f.other_partner));
    let make = |service: &str, steps: &[&str]| {
        let id = id_of(&f.draft_for(service));
        for s in steps {
            f.step(&id, s);
        }
        id
    };
    let a = make(&f.service, &["send", "accept", "complete"]);
    backdate(&f, &a, 10, Some(8), Some(4));
    let b = make(&f.service, &["send", "decline"]);
    backdate(&f, &b, 5, Some(4), None);
    let c = make(&f.service, &["send", "accept", "fail"]);
    backdate(&f, &c, 3, Some(2), None);
    make(&f.service, &[]); // a draft: not sent, not counted
    make(&f.service, &["cancel"]); // cancelled before sending: not counted
    let d = make(&f.other_service, &["send"]);
    backdate(&f, &d, 1, None, None);
    // An override, on a case without consent for the other partner's service.
    let other_case = f.w.case_by_worker("parent");
    let res = f.w.post(
        &f.w.worker_a,
        &format!("/api/v1/cases/{}/referrals", id_of(&other_case)),
        json!({"service_id": f.other_service}),
    );
    let e = id_of(&res.json());
    let res = f.w.post(
        &f.w.worker_a,
        &format!("/api/v1/referrals/{e}/send"),
        json!({"consent_override": {"legal_basis": "legal_obligation", "reason": "Meldingsplicht."}}),
    );
    assert_eq!(res.status, 200, "{}", res.text());

    let res = f.get(&f.w.coord, "/api/v1/stats/referrals");
    assert_eq!(res.status, 200, "{}", res.text());
    let stats = res.json();
    let partners = stats["partners"].as_array().unwrap();
    assert_eq!(partners.len(), 2, "{stats}");
    let of = |partner: &str| {
        partners
            .iter()
            .find(|p| p["partner"]["id"] == partner)
            .unwrap_or_else(|| panic!("{partner} in {stats}"))
            .clone()
    };
    let first = of(&f.partner);
    assert_eq!(first["sent"]["value"], 3);
    assert_eq!(first["accepted"]["value"], 2);
    assert_eq!(first["declined"]["value"], 1);
    assert_eq!(first["completed"]["value"], 1);
    assert_eq!(first["failed"]["value"], 1);
    assert_eq!(first["overrides"]["value"], 0);
    // Answers after 2, 1 and 1 days; one completion after 6 days.
    assert_eq!(first["median_days_to_answer"], 1.0);
    assert_eq!(first["median_days_to_completion"], 6.0);
    assert_eq!(first["services"].as_array().unwrap().len(), 1);
    assert_eq!(first["services"][0]["service"]["id"], f.service.as_str());
    assert_eq!(first["services"][0]["sent"]["value"], 3);
    let second = of(&f.other_partner);
    assert_eq!(second["sent"]["value"], 2);
    assert_eq!(second["overrides"]["value"], 1);
    assert_eq!(second["median_days_to_answer"], Value::Null);
    // The period filters on the day of sending.
    let from = (today() - Duration::days(4)).to_string();
    let recent = f
        .get(&f.w.coord, &format!("/api/v1/stats/referrals?from={from}"))
        .json();
    assert_eq!(
        recent["partners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["sent"]["value"].as_i64().unwrap())
            .sum::<i64>(),
        3,
        "{recent}"
    );
    f.get(
        &f.w.coord,
        "/api/v1/stats/referrals?from=2026-02-01&to=2026-01-01",
    )
    .problem(422);
    // Scoped by role, with the configured minimum: worker A's school has these referrals, but
    // three of one partner are too few to show; school B has none.
    let worker = f.get(&f.w.worker_a, "/api/v1/stats/referrals").json();
    assert_eq!(worker["partners"].as_array().unwrap().len(), 2, "{worker}");
    let p = worker["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["id"] == f.partner.as_str())
        .unwrap()
        .clone();
    assert_eq!(p["sent"], json!({"value": null, "suppressed": true}));
    assert_eq!(p["median_days_to_answer"], Value::Null);
    let other_school = f.get(&f.w.user_b, "/api/v1/stats/referrals").json();
    assert_eq!(other_school["partners"], json!([]));
    // The same figures as CSV, for the yearly report.
    let csv = f.w.app.request(
        "GET",
        "/api/v1/stats/referrals",
        Some(&f.w.coord.token),
        None,
        &[("accept", "text/csv")],
    );
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = csv.text();
    assert!(
        text.starts_with("partner,service,figure,value,suppressed\n"),
        "{text}"
    );
    let name = first["partner"]["name"].as_str().unwrap();
    assert!(
        text.lines()
            .any(|l| l.ends_with(",sent,3,false") && l.contains(name)),
        "{text}"
    );
}

#[test]
fn referral_figures_come_as_belgian_csv_with_decimal_commas_and_neutralised_names() {
    use kinderen_eerst::db::schema::partners;
    let f = fixture();
    f.consent("refer_to_partner", Some(&f.partner));
    // Answers after 2 and 1 days: a median of 1.5 days.
    for (sent, answered) in [(5, 3), (4, 3)] {
        let id = id_of(&f.draft_for(&f.service));
        f.step(&id, "send");
        f.step(&id, "accept");
        backdate(&f, &id, sent, Some(answered), None);
    }
    // A name a spreadsheet in some locales would run as a formula (full-width `＝`).
    diesel::update(partners::table.find(&f.partner))
        .set(partners::name.eq("＝HYPERLINK(\"http://x\")"))
        .execute(&mut f.w.app.conn())
        .expect("rename the partner");
    let json = f
        .get(&f.w.coord, "/api/v1/stats/referrals?suppress_below=0")
        .json();
    let p = &json["partners"][0];
    assert_eq!(p["median_days_to_answer"], 1.5, "{json}");
    let res = f.w.app.request(
        "GET",
        "/api/v1/stats/referrals?suppress_below=0",
        Some(&f.w.coord.token),
        None,
        &[
            ("accept", "text/csv"),
            ("accept-language", "nl-BE,nl;q=0.9,en;q=0.8"),
        ],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res
        .body
        .strip_prefix("\u{feff}".as_bytes())
        .expect("the Belgian dialect starts with a UTF-8 BOM");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(body);
    assert_eq!(
        reader.headers().unwrap(),
        vec!["partner", "dienst", "cijfer", "waarde", "afgeschermd"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let cell = |figure: &str| {
        rows.iter()
            .find(|r| r[1].is_empty() && &r[2] == figure)
            .unwrap_or_else(|| panic!("no {figure} in {rows:?}"))
            .clone()
    };
    assert_eq!(
        &cell("sent")[0],
        "'＝HYPERLINK(\"http://x\")",
        "neutralised"
    );
    assert_eq!(&cell("sent")[3], p["sent"]["value"].to_string());
    assert_eq!(&cell("sent")[4], "nee");
    assert_eq!(&cell("accepted")[3], p["accepted"]["value"].to_string());
    assert_eq!(&cell("median_days_to_answer")[3], "1,5", "a decimal comma");
    // `dialect=en` keeps the English form whatever the language.
    let res = f.w.app.request(
        "GET",
        "/api/v1/stats/referrals?suppress_below=0&dialect=en",
        Some(&f.w.coord.token),
        None,
        &[("accept", "text/csv"), ("accept-language", "nl")],
    );
    let text = res.text();
    assert!(
        text.starts_with("partner,service,figure,value,suppressed\n"),
        "{text}"
    );
    assert!(text.contains(",median_days_to_answer,1.5,"), "{text}");
}
