//! Each role against each endpoint of the social map added with themes, partners, services and
//! the HSDS view: everyone reads, only the coordinator writes; a school edits its own school's
//! contact data, a partner account its own organisation's.

use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::partners::new_partner;
use crate::services::{network_id, new_service};

#[test]
fn authorization_matrix_for_themes_partners_services_and_hsds() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let net = network_id(&app, &coord, "Luchtbal");
    let own = app.post(
        "/api/v1/schools",
        Some(&coord.token),
        &json!({"network_id": net, "name": "Eigen school", "institution_number": "700001", "level": "primary"}),
    );
    assert_eq!(own.status, 201, "{}", own.text());
    let own = own.json();
    let other = app.post(
        "/api/v1/schools",
        Some(&coord.token),
        &json!({"network_id": net, "name": "Andere school", "institution_number": "700002", "level": "primary"}),
    );
    let other = other.json();
    let worker = app.user(Role::SocialWorker, None);
    let school = app.user(Role::School, own["id"].as_str());
    let p = new_partner(&app, &coord, json!({"name": "Matrix vzw", "kind": "ngo"}));
    let s = new_service(
        &app,
        &coord,
        json!({"partner_id": p["id"], "name": "Matrixdienst", "themes": ["language"], "networks": [net]}),
    );
    let doomed_p = new_partner(&app, &coord, json!({"name": "Weg vzw", "kind": "ngo"}));
    let doomed_s = new_service(&app, &coord, json!({"partner_id": p["id"], "name": "Weg"}));
    let (pid, sid) = (p["id"].as_str().unwrap(), s["id"].as_str().unwrap());

    let other_p = new_partner(&app, &coord, json!({"name": "Ander vzw", "kind": "ngo"}));
    // A partner account of Matrix vzw.
    let partner = app.partner_user(pid);
    type Case = (&'static str, String, Option<Value>, [u16; 4]);
    // Expected status per role: school, social_worker, partner, coordinator (the coordinator
    // last, so the deletes it may do come after the others were refused).
    let cases: Vec<Case> = vec![
        ("GET", "/api/v1/themes".into(), None, [200, 200, 200, 200]),
        (
            "GET",
            "/api/v1/themes/language".into(),
            None,
            [200, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/themes".into(),
            Some(json!({"code": "matrix", "label_nl": "M", "label_en": "M"})),
            [403, 403, 403, 201],
        ),
        (
            "PATCH",
            "/api/v1/themes/matrix".into(),
            Some(json!({"label_en": "Matrix"})),
            [403, 403, 403, 200],
        ),
        ("GET", "/api/v1/partners".into(), None, [200, 200, 200, 200]),
        (
            "GET",
            format!("/api/v1/partners/{pid}"),
            None,
            [200, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/partners".into(),
            Some(json!({"name": "Nieuw", "kind": "ngo"})),
            [403, 403, 403, 201],
        ),
        (
            "PATCH",
            format!("/api/v1/partners/{pid}"),
            Some(json!({"phone": "03"})),
            [403, 403, 200, 200],
        ),
        (
            "DELETE",
            format!("/api/v1/partners/{}", doomed_p["id"].as_str().unwrap()),
            None,
            [403, 403, 403, 204],
        ),
        (
            "GET",
            format!("/api/v1/services?theme=language&network={net}"),
            None,
            [200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/api/v1/services/{sid}"),
            None,
            [200, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/services".into(),
            Some(json!({"partner_id": pid, "name": "Nieuw"})),
            [403, 403, 403, 201],
        ),
        (
            "PATCH",
            format!("/api/v1/services/{sid}"),
            Some(json!({"eligibility": "iedereen"})),
            [403, 403, 403, 200],
        ),
        (
            "DELETE",
            format!("/api/v1/services/{}", doomed_s["id"].as_str().unwrap()),
            None,
            [403, 403, 403, 204],
        ),
        (
            "GET",
            "/api/v1/hsds/services".into(),
            None,
            [200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/api/v1/hsds/services/{sid}"),
            None,
            [200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/hsds/organizations".into(),
            None,
            [200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/api/v1/hsds/organizations/{pid}"),
            None,
            [200, 200, 200, 200],
        ),
        // The one social-map write a school may make: its own school's contact data.
        (
            "PATCH",
            format!("/api/v1/schools/{}", own["id"].as_str().unwrap()),
            Some(json!({"contact": {"name": "Brugfiguur"}})),
            [200, 403, 403, 200],
        ),
        (
            "PATCH",
            format!("/api/v1/schools/{}", other["id"].as_str().unwrap()),
            Some(json!({"contact": {"name": "Brugfiguur"}})),
            [404, 403, 403, 200],
        ),
        // A partner account edits its own organisation's contact data only.
        (
            "PATCH",
            format!("/api/v1/partners/{}", other_p["id"].as_str().unwrap()),
            Some(json!({"phone": "03"})),
            [403, 403, 404, 200],
        ),
        (
            "PATCH",
            format!("/api/v1/partners/{pid}"),
            Some(json!({"description": "Overgenomen"})),
            [403, 403, 403, 200],
        ),
    ];
    for (method, path, body, want) in &cases {
        let mut bodies = Vec::new();
        for (user, want) in [&school, &worker, &partner, &coord].into_iter().zip(want) {
            let res = app.request(
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
                res.problem(res.status);
            }
            if *method == "GET" {
                let text = res.text();
                assert!(
                    !text.contains("password_hash"),
                    "{method} {path} leaks password hashes"
                );
                bodies.push(text);
            }
        }
        // Reads of the social map are the same for every role: nothing role-specific leaks.
        if *method == "GET" {
            assert!(
                bodies.windows(2).all(|w| w[0] == w[1]),
                "{method} {path} differs by role"
            );
        }
    }
}
