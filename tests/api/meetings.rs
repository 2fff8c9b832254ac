//! Network meetings (agenda anonymisation, attendance, minutes, action points), activities and
//! their statistics, and who may do what with them.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::TestUser;
use crate::presence::{keys, set};

const MEETING: [&str; 12] = [
    "id",
    "network",
    "title",
    "date",
    "start_time",
    "place",
    "invitees",
    "agenda",
    "minutes",
    "action_points",
    "created_at",
    "updated_at",
];

/// The network a school belongs to.
pub(crate) fn network_of(w: &World, school: &str) -> String {
    w.app
        .get(&format!("/api/v1/schools/{school}"), Some(&w.coord.token))
        .json()["network_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn partner(w: &World) -> String {
    // A partner organisation seeded on start.
    use diesel::prelude::*;
    use kinderen_eerst::db::schema::partners;
    let mut conn = w.app.conn();
    partners::table
        .select(partners::id)
        .first::<String>(&mut conn)
        .expect("seeded partners")
}

fn meeting(w: &World, by: &TestUser) -> Value {
    let net = network_of(w, &w.school_a);
    let res = w.post(
        by,
        "/api/v1/meetings",
        json!({"network_id": net, "title": "Netwerkmoment", "date": "2026-12-08", "start_time": "13:30",
               "place": "Buurthuis", "invited_schools": [w.school_a, w.school_b], "invited_partners": [partner(w)]}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

#[test]
fn a_meeting_keeps_agenda_attendance_minutes_and_action_points() {
    let w = world();
    let m = meeting(&w, &w.coord);
    assert_eq!(keys(&m), set(&MEETING));
    let id = m["id"].as_str().unwrap();
    let base = format!("/api/v1/meetings/{id}");
    assert_eq!(m["invitees"]["schools"].as_array().unwrap().len(), 2);
    assert_eq!(m["invitees"]["schools"][0]["attended"], Value::Null);

    let res = w.post(
        &w.user_a,
        &format!("{base}/agenda-items"),
        json!({"title": "Schoolkosten bij uitstappen", "theme": "school_costs",
               "description": "Meerdere gezinnen kunnen de bosklassen niet betalen."}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let proposed = res.json();
    assert_eq!(
        proposed["school_id"], w.school_a,
        "a school's item is its own"
    );
    assert_eq!(proposed["status"], "proposed");
    // School B reads it once a worker of the network releases it (see `agenda`).
    let res = w.post(
        &w.worker_a,
        &format!(
            "/api/v1/agenda-items/{}/release",
            proposed["id"].as_str().unwrap()
        ),
        json!({}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(
        &w.worker_b,
        &format!("{base}/agenda-items"),
        json!({"title": "Aanbod CAW", "description": "Toelichting"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let res = w.app.request(
        "PUT",
        &format!("{base}/attendance"),
        Some(&w.worker_a.token),
        Some((
            "application/json",
            json!({"schools": [w.school_a]}).to_string().into_bytes(),
        )),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.app.request(
        "PATCH",
        &base,
        Some(&w.coord.token),
        Some((
            "application/json",
            json!({"minutes": "Twee scholen brachten vragen over schoolkosten."})
                .to_string()
                .into_bytes(),
        )),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let res = w.post(
        &w.worker_a,
        &format!("{base}/action-points"),
        json!({"description": "Lijst tweedehandsuniformen delen", "owner": "Buurtregie", "due_date": "2026-01-15"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let point = res.json();
    assert_eq!(point["overdue"], true);
    let res = w.app.request(
        "PATCH",
        &format!("{base}/action-points/{}", point["id"].as_str().unwrap()),
        Some(&w.worker_a.token),
        Some((
            "application/json",
            json!({"done": true}).to_string().into_bytes(),
        )),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["overdue"], false);

    let seen = w.app.get(&base, Some(&w.user_b.token));
    assert_eq!(seen.status, 200, "{}", seen.text());
    let m = seen.json();
    assert_eq!(keys(&m), set(&MEETING));
    let agenda: Vec<&str> = m["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(agenda, ["Schoolkosten bij uitstappen", "Aanbod CAW"]);
    assert_eq!(m["agenda"][1]["position"], 2);
    let attended: BTreeSet<(String, bool)> = m["invitees"]["schools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["attended"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        attended,
        [(w.school_a.clone(), true), (w.school_b.clone(), false)]
            .into_iter()
            .collect()
    );
    assert_eq!(m["invitees"]["partners"][0]["attended"], false);
    assert_eq!(
        m["minutes"],
        "Twee scholen brachten vragen over schoolkosten."
    );
    assert_eq!(m["action_points"][0]["done"], true);
}

#[test]
fn agenda_items_quoting_a_case_reference_or_a_known_pseudonym_are_refused() {
    let w = world();
    let case = w.case_by_worker("office_hours"); // school A, pupil 4B-07
    let reference = case["reference"].as_str().unwrap().to_string();
    let m = meeting(&w, &w.worker_a);
    let path = format!(
        "/api/v1/meetings/{}/agenda-items",
        m["id"].as_str().unwrap()
    );
    let refused = |user: &TestUser, body: Value, field: &str| {
        let p = w.post(user, &path, body).problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{p}");
        assert!(
            !p.to_string().contains("4B-07"),
            "the message does not repeat the pseudonym: {p}"
        );
    };
    refused(
        &w.user_a,
        json!({"title": "Vraag", "description": format!("Over dossier {reference}, graag advies")}),
        "description",
    );
    refused(
        &w.user_a,
        json!({"title": "Vraag", "description": "Leerling 4b-07 komt zonder lunch"}),
        "description",
    );
    refused(
        &w.worker_a,
        json!({"title": "Vraag", "description": "Over KE-1999-00001"}),
        "description",
    );
    refused(
        &w.worker_a,
        json!({"title": "Over 4B-07", "description": "Anoniem"}),
        "title",
    );
    // School B is in the same network: the pseudonym of school A's pupil is refused for it too.
    refused(
        &w.user_b,
        json!({"title": "Vraag", "description": "Klas 4B-07 gaat op uitstap"}),
        "description",
    );
    // An anonymised description passes; minutes are held to the same rule.
    let res = w.post(
        &w.user_a,
        &path,
        json!({"title": "Vraag", "description": "Een kind uit het vierde leerjaar komt zonder lunch"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let p = w
        .app
        .request(
            "PATCH",
            &format!("/api/v1/meetings/{}", m["id"].as_str().unwrap()),
            Some(&w.coord.token),
            Some((
                "application/json",
                json!({"minutes": format!("{reference} besproken")})
                    .to_string()
                    .into_bytes(),
            )),
            &[],
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "minutes");
    let p = w
        .post(
            &w.user_a,
            &path,
            json!({"title": "Vraag", "theme": "nonsense"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "theme");
}

#[test]
fn meetings_authorization_matrix() {
    let w = world();
    let m = meeting(&w, &w.worker_a);
    let id = m["id"].as_str().unwrap();
    // A meeting of another network, which the world's schools do not belong to.
    let nets = w.app.get("/api/v1/networks", Some(&w.coord.token)).json();
    let other = nets["items"][1]["id"].as_str().unwrap();
    let res = w.post(
        &w.coord,
        "/api/v1/meetings",
        json!({"network_id": other, "title": "Elders", "date": "2026-12-09"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let elsewhere = res.json()["id"].as_str().unwrap().to_string();

    let listed = |user: &TestUser| {
        let res = w.app.get("/api/v1/meetings", Some(&user.token));
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                assert_eq!(
                    keys(m),
                    set(&["id", "network", "title", "date", "start_time", "place"])
                );
                m["id"].as_str().unwrap().to_string()
            })
            .collect::<BTreeSet<_>>()
    };
    let both = set(&[id, &elsewhere]);
    assert_eq!(listed(&w.coord), both);
    assert_eq!(listed(&w.worker_b), both);
    assert_eq!(listed(&w.user_a), set(&[id]));
    assert_eq!(listed(&w.user_b), set(&[id]));

    for user in [&w.coord, &w.worker_a, &w.worker_b, &w.user_a, &w.user_b] {
        let res = w
            .app
            .get(&format!("/api/v1/meetings/{id}"), Some(&user.token));
        assert_eq!(res.status, 200);
        assert_eq!(keys(&res.json()), set(&MEETING));
    }
    w.app
        .get(
            &format!("/api/v1/meetings/{elsewhere}"),
            Some(&w.user_a.token),
        )
        .problem(404);
    w.post(
        &w.user_a,
        &format!("/api/v1/meetings/{elsewhere}/agenda-items"),
        json!({"title": "Vraag"}),
    )
    .problem(404);
    let net = network_of(&w, &w.school_a);
    w.post(
        &w.user_a,
        "/api/v1/meetings",
        json!({"network_id": net, "title": "Eigen", "date": "2026-12-10"}),
    )
    .problem(403);
    w.post(
        &w.user_a,
        &format!("/api/v1/meetings/{id}/action-points"),
        json!({"description": "x", "owner": "y"}),
    )
    .problem(403);
    let p = w
        .post(
            &w.coord,
            "/api/v1/meetings",
            json!({"network_id": other, "title": "Fout", "date": "2026-12-10", "invited_schools": [w.school_a]}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "invited_schools[0]");
}

// ---------------------------------------------------------------------------------------------
// Activities

const ACTIVITY: [&str; 15] = [
    "id",
    "kind",
    "title",
    "date",
    "school",
    "network",
    "audiences",
    "participants",
    "posters",
    "folders",
    "themes",
    "description",
    "owner",
    "created_at",
    "updated_at",
];

fn activity(w: &World, by: &TestUser, body: Value) -> Value {
    let res = w.post(by, "/api/v1/activities", body);
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

#[test]
fn activities_count_in_the_statistics_by_role() {
    let w = world();
    let a = activity(
        &w,
        &w.worker_a,
        json!({"kind": "training", "title": "Vorming kansarmoede", "date": "2026-10-05", "school_id": w.school_a,
               "audiences": ["teachers", "pupil_counsellors"], "participants": 20, "themes": ["poverty"]}),
    );
    assert_eq!(keys(&a), set(&ACTIVITY));
    assert_eq!(a["network"]["id"], network_of(&w, &w.school_a));
    activity(
        &w,
        &w.worker_b,
        json!({"kind": "coaching", "title": "Kostenbewust lesgeven", "date": "2026-10-06", "school_id": w.school_b,
               "audiences": ["teachers"], "participants": 8}),
    );
    let net = network_of(&w, &w.school_a);
    activity(
        &w,
        &w.coord,
        json!({"kind": "publicity", "title": "Infomarkt", "date": "2026-10-07", "network_id": net,
               "audiences": ["parents", "partners"], "participants": 40}),
    );

    let stats = |user: &TestUser| {
        let res = w.app.get(
            "/api/v1/stats/activities?from=2026-09-01&to=2027-06-30",
            Some(&user.token),
        );
        assert_eq!(res.status, 200, "{}", res.text());
        let s = res.json();
        assert_eq!(
            keys(&s),
            set(&["from", "to", "total", "by_kind", "by_audience"])
        );
        s
    };
    let all = stats(&w.coord);
    assert_eq!(all["total"], json!({"activities": 3, "participants": 68}));
    let kind = |s: &Value, k: &str| {
        s["by_kind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["kind"] == k)
            .unwrap()["activities"]
            .clone()
    };
    assert_eq!(kind(&all, "training"), 1);
    assert_eq!(kind(&all, "school_activity"), 0);
    let teachers = all["by_audience"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["audience"] == "teachers")
        .unwrap()
        .clone();
    assert_eq!(
        teachers,
        json!({"audience": "teachers", "activities": 2, "participants": 28})
    );
    assert_eq!(
        stats(&w.worker_a)["total"],
        json!({"activities": 1, "participants": 20})
    );
    assert_eq!(
        stats(&w.user_b)["total"],
        json!({"activities": 1, "participants": 8})
    );
}

#[test]
fn activities_authorization_matrix() {
    let w = world();
    let a = activity(
        &w,
        &w.worker_a,
        json!({"kind": "school_activity", "title": "Klasgesprek", "date": "2026-10-05", "school_id": w.school_a,
               "audiences": ["pupils"], "participants": 22}),
    );
    let id = a["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/activities/{id}");
    let listed = |user: &TestUser| {
        let res = w.app.get("/api/v1/activities", Some(&user.token));
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                assert_eq!(keys(x), set(&ACTIVITY));
                x["id"].as_str().unwrap().to_string()
            })
            .collect::<BTreeSet<_>>()
    };
    let none: BTreeSet<String> = BTreeSet::new();
    assert_eq!(listed(&w.coord), set(&[&id]));
    assert_eq!(listed(&w.worker_a), set(&[&id]));
    assert_eq!(listed(&w.worker_b), none);
    assert_eq!(listed(&w.user_a), set(&[&id]));
    assert_eq!(listed(&w.user_b), none);
    for (user, status) in [
        (&w.coord, 200),
        (&w.worker_a, 200),
        (&w.worker_b, 404),
        (&w.user_a, 200),
        (&w.user_b, 404),
    ] {
        assert_eq!(w.app.get(&path, Some(&user.token)).status, status);
    }
    let patch = |user: &TestUser| {
        w.app.request(
            "PATCH",
            &path,
            Some(&user.token),
            Some((
                "application/json",
                json!({"participants": 25}).to_string().into_bytes(),
            )),
            &[],
        )
    };
    patch(&w.worker_b).problem(404);
    patch(&w.user_a).problem(403);
    assert_eq!(patch(&w.worker_a).json()["participants"], 25);
    assert_eq!(patch(&w.coord).status, 200);
    // A worker records activities only at their own schools; bad codes name the field.
    let p = w
        .post(
            &w.worker_b,
            "/api/v1/activities",
            json!({"kind": "training", "title": "x", "date": "2026-10-05", "school_id": w.school_a, "participants": 1}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "school_id");
    let p = w
        .post(
            &w.coord,
            "/api/v1/activities",
            json!({"kind": "party", "title": "x", "date": "2026-10-05", "school_id": w.school_a, "participants": 1}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "kind");
    let p = w
        .post(
            &w.coord,
            "/api/v1/activities",
            json!({"kind": "training", "title": "x", "date": "2026-10-05", "participants": 1}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "school_id");
    w.post(
        &w.user_a,
        "/api/v1/activities",
        json!({"kind": "training", "title": "x", "date": "2026-10-05", "school_id": w.school_a, "participants": 1}),
    )
    .problem(403);
    let res = w
        .app
        .request("DELETE", &path, Some(&w.worker_a.token), None, &[]);
    assert_eq!(res.status, 204);
}
