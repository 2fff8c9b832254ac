//! OWASP API5:2023 Broken Function Level Authorization: every operation of the OpenAPI document
//! names the roles that may call it ("Roles: …"); each other role gets 403 — with real ids of
//! school A's objects and a body that would be accepted, so only the role check can stop it.
//! An operation that names no roles fails the test.

use crate::helpers::TestUser;
use crate::owasp_api1_bola::{Objects, body_for};
use crate::referrals::fixture;

use kinderen_eerst::openapi::roles_of;

#[test]
fn api5_every_role_not_named_for_an_operation_gets_403() {
    let f = fixture();
    let w = &f.w;
    let o = Objects::new(&f);
    // The partner account is of the organisation A's referral goes to.
    let partner = w.app.partner_user(&f.partner);
    let callers: [(&str, &TestUser); 4] = [
        ("coordinator", &w.coord),
        ("social_worker", &w.worker_a),
        ("school", &w.user_a),
        ("partner", &partner),
    ];
    let doc = serde_json::to_value(kinderen_eerst::openapi::document()).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (template_path, item) in doc["paths"].as_object().unwrap() {
        if !template_path.starts_with("/api/")
            || (template_path.contains('{')
                && crate::owasp_api1_bola::walked_elsewhere(template_path))
        {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let method = method.to_uppercase();
            let description = op["description"].as_str().unwrap_or_default();
            let Some(allowed) = roles_of(description) else {
                failures.push(format!(
                    "{method} {template_path}: the description names no roles"
                ));
                continue;
            };
            let path = if template_path.contains('{') {
                o.path(template_path, true)
            } else {
                template_path.clone()
            };
            let body = body_for(&method, template_path, &o.ids)
                .or_else(|| (method != "GET" && method != "DELETE").then(|| serde_json::json!({})));
            for (role, who) in callers {
                if allowed.contains(&role) {
                    continue;
                }
                let res = w.app.request(
                    &method,
                    &path,
                    Some(&who.token),
                    body.as_ref()
                        .map(|b| ("application/json", b.to_string().into_bytes())),
                    &[],
                );
                checked += 1;
                let problem = res.header("content-type") == Some("application/problem+json");
                if res.status != 403 || !problem {
                    failures.push(format!(
                        "{method} {template_path} as {role}: {} {}",
                        res.status,
                        res.text()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} BFLA failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 80, "only {checked} calls checked");
    // Nothing was done: the audit chain is intact and no coordinator-only object changed hands.
    let v = w
        .app
        .get("/api/v1/audit-events/verify", Some(&w.coord.token))
        .json();
    assert_eq!(v["intact"], true, "{v}");
}

#[test]
fn api5_the_role_parser_reads_the_documented_forms() {
    assert_eq!(
        roles_of("Lists. Roles: coordinator, social_worker, school."),
        Some(vec!["coordinator", "social_worker", "school"])
    );
    assert_eq!(
        roles_of("Roles: social_worker (assigned to the case's school)."),
        Some(vec!["social_worker"])
    );
    assert_eq!(roles_of("Roles: anyone.").map(|r| r.len()), Some(4));
    assert_eq!(
        roles_of("Roles: social_worker, partner (its organisation's referrals)."),
        Some(vec!["social_worker", "partner"])
    );
    assert_eq!(roles_of("no roles here"), None);
}
