//! OWASP API3:2023 Broken Object Property Level Authorization (with mass assignment): a body
//! that carries an unknown or server-owned property is refused whole with 422 naming it, never
//! applied in part; a property outside what the role may change is refused and stays as it was;
//! and no answer carries a property the role may not see (password hashes, webhook secrets,
//! the family's data for the coordinator, the school and a partner).

use std::collections::BTreeSet;

use diesel::prelude::*;
use kinderen_eerst::db::schema::{cases, users};
use serde_json::{Value, json};

use crate::cases::world;
use crate::helpers::{Resp, TestUser};
use crate::owasp_api1_bola::Objects;
use crate::referrals::fixture;

fn send(
    w: &crate::cases::World,
    who: &TestUser,
    method: &str,
    path: &str,
    body: &Value,
    etag: Option<&str>,
) -> Resp {
    let mut headers = vec![];
    if let Some(e) = etag {
        headers.push(("if-match", e));
    }
    w.app.request(
        method,
        path,
        Some(&who.token),
        Some(("application/json", body.to_string().into_bytes())),
        &headers,
    )
}

#[test]
fn api3_server_owned_and_unknown_properties_are_refused_whole_with_422() {
    let w = world();
    let case = w.case_by_worker("parent");
    let case_id = case["id"].as_str().unwrap().to_string();
    let case_path = format!("/api/v1/cases/{case_id}");
    let etag = w
        .app
        .get(&case_path, Some(&w.worker_a.token))
        .header("etag")
        .unwrap()
        .to_string();
    let user = w.app.user(kinderen_eerst::domain::Role::SocialWorker, None);
    let new_case =
        json!({"school_id": w.school_a, "origin": "parent", "pupil": {"pseudonym": "MA-1"}});
    let new_request =
        json!({"pupil": {"pseudonym": "MA-2"}, "themes": ["poverty"], "question": "?"});
    let new_user = json!({"email": "ma@test.example", "display_name": "MA", "role": "social_worker", "password": "a long first password"});
    let school_path = format!("/api/v1/schools/{}", w.school_a);
    type Probe<'a> = (
        &'a TestUser,
        &'a str,
        String,
        Value,
        Option<&'a str>,
        Vec<(&'a str, Value)>,
    );
    let probes: Vec<Probe> = vec![
        (
            &w.worker_a,
            "POST",
            "/api/v1/cases".into(),
            new_case.clone(),
            None,
            vec![
                ("id", json!(uuid::Uuid::new_v4().to_string())),
                ("status", json!("closed")),
                ("reference", json!("KE-2026-9999")),
                ("opened_at", json!("2020-01-01T00:00:00Z")),
                ("closed_at", json!("2020-01-01T00:00:00Z")),
                ("created_by", json!(w.worker_b.id)),
                ("erased_at", json!("2020-01-01T00:00:00Z")),
                ("feedback_for_school", json!("gelekt")),
            ],
        ),
        (
            &w.user_a,
            "POST",
            "/api/v1/case-requests".into(),
            new_request.clone(),
            None,
            vec![
                ("school_id", json!(w.school_b)),
                ("lead_worker_id", json!(w.worker_b.id)),
                ("status", json!("in_progress")),
                ("family", json!({"name": "x"})),
                ("origin", json!("social_worker")),
            ],
        ),
        (
            &w.worker_a,
            "PATCH",
            case_path.clone(),
            json!({"question": "bijgewerkt"}),
            Some(etag.as_str()),
            vec![
                ("status", json!("closed")),
                ("school_id", json!(w.school_b)),
                ("reference", json!("KE-0")),
                ("lead_worker_id", json!(w.worker_b.id)),
                ("opened_at", json!("2020-01-01T00:00:00Z")),
                ("origin", json!("school_request")),
            ],
        ),
        (
            &w.coord,
            "POST",
            "/api/v1/users".into(),
            new_user.clone(),
            None,
            vec![
                ("id", json!(uuid::Uuid::new_v4().to_string())),
                ("password_hash", json!("$argon2id$v=19$m=8,t=1,p=1$x$y")),
                ("created_at", json!("2020-01-01T00:00:00Z")),
            ],
        ),
        (
            &w.coord,
            "PATCH",
            format!("/api/v1/users/{}", user.id),
            json!({"display_name": "Nieuwe naam"}),
            None,
            vec![
                ("role", json!("coordinator")),
                ("email", json!("other@test.example")),
                ("school_id", json!(w.school_a)),
                ("password_hash", json!("x")),
                ("password", json!("a long new password")),
            ],
        ),
        (
            &user,
            "POST",
            "/api/v1/me/password".into(),
            json!({"current_password": crate::helpers::PASSWORD, "new_password": "another long passphrase"}),
            None,
            vec![("role", json!("coordinator")), ("active", json!(true))],
        ),
        (
            &w.user_a,
            "PATCH",
            school_path.clone(),
            json!({"contact": {"name": "Juf Anna"}}),
            None,
            vec![
                ("id", json!(uuid::Uuid::new_v4().to_string())),
                ("created_at", json!("2020-01-01T00:00:00Z")),
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (who, method, path, body, etag, extras) in &probes {
        for (field, value) in extras {
            let mut b = body.clone();
            b[*field] = value.clone();
            let res = send(&w, who, method, path, &b, *etag);
            let named = res.status == 422
                && res.json()["errors"]
                    .as_array()
                    .is_some_and(|es| es.iter().any(|e| e["field"] == *field));
            if !named {
                failures.push(format!(
                    "{method} {path} + `{field}`: {} {}",
                    res.status,
                    res.text()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nothing was applied: one case (the world's), its status and school as they were; the
    // account keeps its role.
    let n: i64 = cases::table.count().get_result(&mut w.app.conn()).unwrap();
    assert_eq!(n, 1);
    let now = w.app.get(&case_path, Some(&w.worker_a.token)).json();
    assert_eq!(now["status"], "new");
    assert_eq!(now["question"], case["question"]);
    let role: String = users::table
        .find(&user.id)
        .select(users::role)
        .first(&mut w.app.conn())
        .unwrap();
    assert_eq!(role, "social_worker");
}

#[test]
fn api3_a_school_cannot_change_more_than_its_own_contact_data() {
    let w = world();
    let path = format!("/api/v1/schools/{}", w.school_a);
    let before = w.app.get(&path, Some(&w.coord.token)).json();
    for (field, value) in [
        ("name", json!("Overgenomen")),
        ("network_id", json!(uuid::Uuid::new_v4().to_string())),
        ("institution_number", json!("999999")),
        ("ses", json!({"any": 1.0})),
        ("pupil_count", json!(1)),
        ("active", json!(false)),
    ] {
        let res = send(
            &w,
            &w.user_a,
            "PATCH",
            &path,
            &json!({ field: value }),
            None,
        );
        assert!(
            res.status == 403 || res.status == 422,
            "{field}: {} {}",
            res.status,
            res.text()
        );
        res.problem(res.status);
    }
    let after = w.app.get(&path, Some(&w.coord.token)).json();
    for key in [
        "name",
        "network_id",
        "institution_number",
        "ses",
        "pupil_count",
        "active",
    ] {
        assert_eq!(before[key], after[key], "{key}");
    }
}

fn all_keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                all_keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| all_keys(v, out)),
        _ => {}
    }
}

#[test]
fn api3_no_answer_carries_what_the_role_may_not_see() {
    let f = fixture();
    let w = &f.w;
    let o = Objects::new(&f);
    // Family data on the case the fixture's school raised, and a case the worker opened.
    let family = json!({"name": "Familie Vandersteen-BOPLA", "phone": "0499 88 77 66", "language": "Arabisch"});
    let etag = w
        .app
        .get(
            &format!("/api/v1/cases/{}", o.case),
            Some(&w.worker_a.token),
        )
        .header("etag")
        .unwrap()
        .to_string();
    let res = send(
        w,
        &w.worker_a,
        "PATCH",
        &format!("/api/v1/cases/{}", o.case),
        &json!({"family": family, "question": "Vraag-BOPLA over de schoolrekening"}),
        Some(&etag),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{}/needs", o.case),
        json!({"text": "Nood-BOPLA", "theme": "school_costs", "raised_by": "parent"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    // A correction: the earlier text lives on in a history, for the case team alone.
    let need = res.json()["id"].as_str().unwrap().to_string();
    let res = send(
        w,
        &w.worker_a,
        "PATCH",
        &format!("/api/v1/cases/{}/needs/{need}", o.case),
        &json!({"text": "Nood-BOPLA-gecorrigeerd", "reason": "Reden-BOPLA"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let secret_family = [
        "Vandersteen-BOPLA",
        "0499 88 77 66",
        "Vraag-BOPLA",
        "Nood-BOPLA",
        "Reden-BOPLA",
    ];

    let doc = serde_json::to_value(kinderen_eerst::openapi::document()).unwrap();
    let gets: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, item)| p.starts_with("/api/") && item.get("get").is_some())
        .filter(|(p, _)| !crate::owasp_api1_bola::walked_elsewhere(p))
        .map(|(p, _)| {
            if p.contains('{') {
                o.path(p, true)
            } else {
                p.clone()
            }
        })
        .collect();
    // The referral is sent, so the account of its partner reads it (with the package its
    // consent allows: not the family's contact data).
    let res = w.post(
        &w.worker_a,
        &format!("/api/v1/referrals/{}/send", o.referral),
        json!({}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let partner = w.app.partner_user(&f.partner);
    let res = w.app.get(
        &format!("/api/v1/referrals/{}", o.referral),
        Some(&partner.token),
    );
    assert_eq!(
        res.status,
        200,
        "control: the partner reads it: {}",
        res.text()
    );
    let mut failures = Vec::new();
    let mut read = 0;
    for (role, who) in [
        ("coordinator", &w.coord),
        ("social_worker", &w.worker_a),
        ("school", &w.user_a),
        ("partner", &partner),
    ] {
        for path in &gets {
            let res = w.app.get(path, Some(&who.token));
            if res.status != 200 {
                continue;
            }
            read += 1;
            let text = res.text();
            let mut keys = BTreeSet::new();
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                all_keys(&v, &mut keys);
            }
            // Nobody, ever.
            for k in [
                "password_hash",
                "password",
                "secret",
                "secret_hash",
                "jwt_secret",
            ] {
                if keys.contains(k) {
                    failures.push(format!("{role} GET {path} carries `{k}`"));
                }
            }
            if text.contains("$argon2") {
                failures.push(format!("{role} GET {path} carries a password hash"));
            }
            // The family's data is for the worker of the case's school alone.
            if role != "social_worker" {
                for k in [
                    "family",
                    "needs",
                    "contact_moments",
                    "consents",
                    "question",
                    "outcome_note",
                    "history",
                    "feedback_consent_id",
                ] {
                    // A partner's referral has its own history: steps, and comments of the
                    // partner's own steps only.
                    if keys.contains(k) && !(role == "partner" && k == "history") {
                        failures.push(format!("{role} GET {path} carries `{k}`"));
                    }
                }
                for s in secret_family {
                    if text.contains(s) {
                        failures.push(format!("{role} GET {path} carries the family's `{s}`"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(read >= 60, "only {read} answers read");
    // Control: the worker does see it.
    let res = w.app.get(
        &format!("/api/v1/cases/{}", o.case),
        Some(&w.worker_a.token),
    );
    assert!(res.text().contains("Vandersteen-BOPLA"));
}
