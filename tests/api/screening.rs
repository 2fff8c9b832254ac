//! Free text that leaves the case team is screened: refused with 422 naming the field and the
//! kind of finding, never echoing what was found.

use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::{Resp, TestUser};
use crate::meetings::network_of;

fn meeting(w: &World) -> String {
    let res = w.post(
        &w.worker_a,
        "/api/v1/meetings",
        json!({"network_id": network_of(w, &w.school_a), "title": "Netwerkmoment", "date": "2026-12-08",
               "invited_schools": [w.school_a, w.school_b]}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_string()
}

/// A 422 naming `field` and `finding`, in whose body none of `hidden` occurs (any case).
fn refused(res: Resp, field: &str, finding: &str, hidden: &[&str]) -> Value {
    assert_eq!(
        res.header("content-type"),
        Some("application/problem+json"),
        "{}",
        res.text()
    );
    let p = res.problem(422);
    let errors = p["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == field && e["finding"] == finding),
        "expected {field}: {finding} in {p}"
    );
    let body = res.text().to_lowercase();
    for h in hidden {
        assert!(
            !body.contains(&h.to_lowercase()),
            "the refusal repeats `{h}`: {body}"
        );
    }
    p
}

#[test]
fn agenda_items_with_a_reference_variant_a_network_family_name_or_a_phone_number_are_refused() {
    let w = world();
    // A case of school A: pupil 4B-07, family "Mevrouw Diallo".
    let case = w.case_by_worker("office_hours");
    let reference = case["reference"].as_str().unwrap().to_string(); // KE-YYYY-00001
    let id = meeting(&w);
    let path = format!("/api/v1/meetings/{id}/agenda-items");
    let post = |user: &TestUser, body: Value| w.post(user, &path, body);

    // The reference with spaces and a zero-width space instead of hyphens.
    let variant = reference.replacen('-', " ", 1).replacen('-', "\u{200B}", 1);
    refused(
        post(
            &w.user_a,
            json!({"title": "Vraag", "description": format!("Over dossier {variant}, graag advies")}),
        ),
        "description",
        "case_reference",
        &[&variant, &reference, &reference.replace('-', "")],
    );
    let fused = reference.replace('-', "");
    refused(
        post(&w.worker_a, json!({"title": format!("Dossier {fused}")})),
        "title",
        "case_reference",
        &[&fused],
    );
    // School B, in the same network, writes the family name of school A's case.
    refused(
        post(
            &w.user_b,
            json!({"title": "Het gezin DIALLO uit 3B heeft geen verblijfspapieren; wie kan helpen?"}),
        ),
        "title",
        "family_name",
        &["diallo"],
    );
    refused(
        post(
            &w.user_b,
            json!({"title": "Vraag", "description": "Mama is bereikbaar op 0470/12.34.56 na 16 uur"}),
        ),
        "description",
        "phone_number",
        &["0470", "12.34.56"],
    );
    // Several findings in one text: each kind once.
    let p = refused(
        post(
            &w.user_a,
            json!({"title": "Vraag", "description": "Leerling 4B 07, mail jan@telenet.be of +32 470 12 34 56"}),
        ),
        "description",
        "email_address",
        &["telenet", "4b 07", "470 12"],
    );
    let kinds: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["finding"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["pupil_pseudonym", "phone_number", "email_address"]);

    // Nothing of it was kept; an ordinary item passes.
    let m = w
        .app
        .get(&format!("/api/v1/meetings/{id}"), Some(&w.worker_a.token))
        .json();
    assert_eq!(m["agenda"], json!([]), "{m}");
    let res = post(
        &w.user_b,
        json!({"title": "Schoolkosten", "description": "Meerdere gezinnen kunnen de bosklassen niet betalen. Info op 12/01/2027 om 19u30 in lokaal 1.12."}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
}

#[test]
fn minutes_action_points_session_notes_and_activities_are_screened_too() {
    let w = world();
    w.case_by_worker("office_hours");
    let id = meeting(&w);
    let res = w.app.request(
        "PATCH",
        &format!("/api/v1/meetings/{id}"),
        Some(&w.coord.token),
        Some((
            "application/json",
            json!({"minutes": "Gezin Diallo: rekening BE68 5390 0754 7034"})
                .to_string()
                .into_bytes(),
        )),
        &[],
    );
    let p = refused(res, "minutes", "family_name", &["diallo", "5390"]);
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "minutes" && e["finding"] == "iban"),
        "{p}"
    );
    refused(
        w.post(
            &w.worker_a,
            &format!("/api/v1/meetings/{id}/action-points"),
            json!({"description": "Afspraak maken", "owner": "mama (geboren op 12/03/1990)"}),
        ),
        "owner",
        "date_of_birth",
        &["12/03/1990"],
    );
    refused(
        w.post(
            &w.worker_a,
            "/api/v1/activities",
            json!({"kind": "training", "title": "Vorming", "date": "2026-10-05", "school_id": w.school_a,
                   "participants": 20, "description": "Vragen aan fatou.diallo@example.org"}),
        ),
        "description",
        "email_address",
        &["fatou", "example.org"],
    );
}
