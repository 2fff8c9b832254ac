//! OWASP API1:2023 Broken Object Level Authorization: every route of the OpenAPI document that
//! takes an id is called with the ids of school A's and worker A's objects by school B, worker
//! B and partner B (an account of another partner organisation than A's referral goes to). None may answer 2xx; reads answer 404 (or 403 where the role may never), and every answer
//! equals the answer for an id that does not exist, so nothing tells that the object is there.
//! A route the walk does not know fails the test until it is classified here.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{Resp, TestUser};
use crate::referrals::{fixture, id_of};

/// What an id in a path stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// Belongs to school A or its worker: B must not reach it.
    Owned,
    /// Part of the shared social map or checklist: every role reads it, only the coordinator
    /// writes it (writes by B are 403 whoever owns it).
    Shared,
    /// Only the coordinator has any business with it.
    CoordinatorOnly,
}

/// Id-taking routes of presence, consults, meetings, activities and calendar feeds: they came
/// after this walk was written and are not in it yet; their own authorization matrices
/// (tests/api/presence.rs, consults.rs, meetings.rs, agenda.rs) probe them with school B and
/// worker B (agenda items also with a worker of another network). The FHIR routes answer
/// OperationOutcome, not problem+json: tests/api/fhir.rs probes them with worker B, another
/// organisation's partner account, school accounts and the coordinator.
pub fn walked_elsewhere(path: &str) -> bool {
    [
        "/api/v1/activities/",
        "/api/v1/consult-requests/",
        "/api/v1/meetings/",
        "/api/v1/agenda-items/",
        "/api/v1/office-hours/",
        "/api/v1/closed-periods/",
        "/api/v1/calendar/",
        "/fhir/r4/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

fn kind_of(path: &str) -> Kind {
    let owned = [
        "/api/v1/cases/",
        "/api/v1/referrals/",
        "/api/v1/checklist-submissions/",
        "/api/v1/assignments/",
        "/api/v1/users/",
        "/api/v1/absences/",
    ];
    let shared = [
        "/api/v1/networks/",
        "/api/v1/schools/",
        "/api/v1/themes/",
        "/api/v1/partners/",
        "/api/v1/services/",
        "/api/v1/hsds/",
        "/api/v1/checklist-templates/",
        "/api/v1/checklist-versions/",
    ];
    if owned.iter().any(|p| path.starts_with(p)) {
        Kind::Owned
    } else if shared.iter().any(|p| path.starts_with(p)) {
        Kind::Shared
    } else if path.starts_with("/api/v1/webhooks/") || path.starts_with("/api/v1/allocation/plans/")
    {
        Kind::CoordinatorOnly
    } else {
        panic!("BOLA walk: classify the id-taking route {path} in owasp_api1_bola.rs")
    }
}

/// A body the route would accept from its rightful caller, so that validation cannot answer
/// before ownership is checked.
pub fn body_for(method: &str, path: &str, ids: &BTreeMap<&str, String>) -> Option<Value> {
    let soon = (Utc::now().date_naive() + Duration::days(7)).to_string();
    let b = match (method, path) {
        ("GET" | "DELETE", _) => return None,
        ("PATCH", "/api/v1/cases/{id}") => json!({"question": "Gewijzigd"}),
        ("POST", "/api/v1/cases/{id}/wait") => json!({"reason": "wacht op ouders"}),
        ("POST", "/api/v1/cases/{id}/close") => {
            json!({"outcome": "resolved", "note": "opgelost"})
        }
        ("PUT", "/api/v1/cases/{id}/lead-worker") => json!({"worker_id": ids["worker_b"]}),
        ("POST", "/api/v1/checklist-submissions/{id}/open-case") => json!({}),
        ("POST", "/api/v1/cases/{id}/needs") => {
            json!({"text": "Rekening", "theme": "school_costs", "raised_by": "parent"})
        }
        ("POST", "/api/v1/cases/{id}/contact-moments") => {
            json!({"occurred_at": "2026-01-05T10:00:00Z", "kind": "home_visit", "summary": "Bezoek"})
        }
        ("POST", "/api/v1/cases/{id}/consents") => {
            json!({"kind": "share_with_school", "given_by": "parent", "method": "written", "given_at": "2026-01-05T10:00:00Z"})
        }
        ("PUT", "/api/v1/cases/{id}/feedback") => json!({"text": "Het gaat beter."}),
        ("PATCH", "/api/v1/cases/{id}/needs/{need_id}") => {
            json!({"text": "Overgenomen", "state": "met", "reason": "correctie"})
        }
        ("PATCH", "/api/v1/cases/{id}/contact-moments/{contact_id}") => {
            json!({"summary": "Overgenomen", "reason": "correctie"})
        }
        ("POST", "/api/v1/cases/{id}/erase") => json!({"reason": "op vraag van de familie"}),
        ("POST", "/api/v1/cases/{id}/referrals") => {
            json!({"service_id": ids["service"], "themes": ["finances_debt"], "urgency": "high", "follow_up_on": soon})
        }
        ("PATCH", "/api/v1/referrals/{id}") => json!({"urgency": "low"}),
        ("PATCH", "/api/v1/referrals/{id}/follow-up") => json!({"follow_up_on": soon}),
        ("POST", "/api/v1/referrals/{id}/messages") => json!({"body": "Afspraak gemaakt."}),
        ("POST", p) if p.starts_with("/api/v1/referrals/{id}/") => {
            match p.rsplit('/').next().unwrap() {
                "decline" | "hold" | "fail" | "cancel" => json!({"reason": "reden"}),
                "complete" => json!({"outcome": "klaar"}),
                "accept" => json!({"partner_contact_name": "Sarah"}),
                _ => json!({}),
            }
        }
        ("POST", "/api/v1/checklist-submissions/{id}/triage") => json!({}),
        ("POST", "/api/v1/checklist-submissions/{id}/no-action") => {
            json!({"reason": "geen actie nodig"})
        }
        ("PATCH", "/api/v1/assignments/{id}") => json!({"mode": "consult"}),
        ("PATCH", "/api/v1/users/{id}") => json!({"display_name": "Overgenomen"}),
        ("POST", "/api/v1/users/{id}/password") => {
            json!({"new_password": "a takeover passphrase"})
        }
        ("PATCH", "/api/v1/schools/{id}") => json!({"contact_phone": "03 000 00 00"}),
        ("PATCH", "/api/v1/webhooks/{id}") => json!({"active": false}),
        ("PATCH", _) => json!({"name": "Overgenomen"}),
        _ => json!({}),
    };
    Some(b)
}

/// School A's objects (and shared ones) whose ids fill the templated paths.
pub struct Objects {
    pub case: String,
    pub case_reference: String,
    pub consent: String,
    pub need: String,
    pub contact: String,
    pub referral: String,
    pub submission: String,
    pub assignment: String,
    pub webhook: String,
    /// Worker A's absence.
    pub absence: String,
    /// An allocation plan over school A, and one of its lines.
    pub plan: String,
    pub plan_line: String,
    pub template: String,
    pub version: String,
    pub network: String,
    pub partner: String,
    pub service: String,
    pub worker_a: String,
    pub school_a: String,
    pub ids: BTreeMap<&'static str, String>,
}

impl Objects {
    /// A case raised by school A and worked by worker A, a consent and a referral on it, a
    /// checklist submission of school A, worker A's assignment, a webhook.
    pub fn new(f: &crate::referrals::Fixture) -> Objects {
        let w = &f.w;
        let case = f.case_id.clone();
        // The partner gets an address, so its services have an HSDS service_at_location.
        let located = w.app.request(
            "PATCH",
            &format!("/api/v1/partners/{}", f.partner),
            Some(&w.coord.token),
            Some((
                "application/json",
                br#"{"address": {"street": "Kerkstraat 1", "postal_code": "2000", "city": "Antwerpen"}}"#
                    .to_vec(),
            )),
            &[],
        );
        assert_eq!(located.status, 200, "{}", located.text());
        let consent = f.consent("refer_to_partner", Some(&f.partner));
        let need = w.post(
            &w.worker_a,
            &format!("/api/v1/cases/{case}/needs"),
            json!({"text": "Rekening", "raised_by": "parent"}),
        );
        assert_eq!(need.status, 201, "{}", need.text());
        let contact = w.post(
            &w.worker_a,
            &format!("/api/v1/cases/{case}/contact-moments"),
            json!({"occurred_at": "2026-01-05T10:00:00Z", "kind": "phone", "summary": "Gebeld"}),
        );
        assert_eq!(contact.status, 201, "{}", contact.text());
        let (need, contact) = (id_of(&need.json()), id_of(&contact.json()));
        let referral = id_of(&f.draft());
        let version = w
            .app
            .get("/api/v1/checklist-versions/current", Some(&w.user_a.token))
            .json();
        let answers: Vec<Value> = version["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["items"].as_array().unwrap().iter())
            .map(|i| json!({"code": i["code"], "answer": "no"}))
            .collect();
        let res = w.post(
            &w.user_a,
            "/api/v1/checklist-submissions",
            json!({"pupil_pseudonym": "L5B-03", "birth_year": 2016, "class_name": "5B", "concern": "medium",
                   "context": "Vaak moe.", "parents_informed": false, "answers": answers}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        let submission = id_of(&res.json());
        let assignments = w
            .app
            .get(
                &format!("/api/v1/assignments?worker={}", w.worker_a.id),
                Some(&w.coord.token),
            )
            .json();
        let assignment = assignments["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| {
                a["school"]["id"] == w.school_a.as_str() || a["school_id"] == w.school_a.as_str()
            })
            .map(id_of)
            .unwrap_or_else(|| panic!("worker A's assignment: {assignments}"));
        let webhook = w.post(
            &w.coord,
            "/api/v1/webhooks",
            json!({"url": "https://stad.example/hooks", "event_types": ["referral.sent"]}),
        );
        assert_eq!(webhook.status, 201, "{}", webhook.text());
        let webhook = id_of(&webhook.json());
        let absence = w.post(
            &w.worker_a,
            "/api/v1/absences",
            json!({"kind": "leave", "first_day": "2027-02-15", "last_day": "2027-02-19"}),
        );
        assert_eq!(absence.status, 201, "{}", absence.text());
        let absence = id_of(&absence.json());
        let res = w.app.request(
            "PATCH",
            &format!("/api/v1/users/{}", w.worker_a.id),
            Some(&w.coord.token),
            Some((
                "application/json",
                json!({"weekly_capacity_hours": 10})
                    .to_string()
                    .into_bytes(),
            )),
            &[],
        );
        assert_eq!(res.status, 200, "{}", res.text());
        let plan = w.post(
            &w.coord,
            "/api/v1/allocation/plans",
            json!({"period": {"from": "2027-09-01", "to": "2028-06-30"}, "school_ids": [w.school_a],
                   "worker_ids": [w.worker_a.id]}),
        );
        assert_eq!(plan.status, 201, "{}", plan.text());
        let plan = plan.json();
        let plan_line = id_of(&plan["lines"][0]);
        let plan = id_of(&plan);
        let template = w
            .app
            .get("/api/v1/checklist-templates", Some(&w.coord.token))
            .json()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let case_reference = w
            .app
            .get(&format!("/api/v1/cases/{case}"), Some(&w.worker_a.token))
            .json()["reference"]
            .as_str()
            .unwrap()
            .to_string();
        let network = w.app.get("/api/v1/networks", Some(&w.coord.token)).json()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let ids = [
            ("worker_b", w.worker_b.id.clone()),
            ("service", f.service.clone()),
        ]
        .into_iter()
        .collect();
        Objects {
            case,
            case_reference,
            consent,
            need,
            contact,
            referral,
            submission,
            assignment,
            webhook,
            absence,
            plan,
            plan_line,
            template,
            version: version["id"].as_str().unwrap().to_string(),
            network,
            partner: f.partner.clone(),
            service: f.service.clone(),
            worker_a: w.worker_a.id.clone(),
            school_a: w.school_a.clone(),
            ids,
        }
    }

    /// The path with A's ids filled in (`real`), or ids that exist nowhere.
    pub fn path(&self, template_path: &str, real: bool) -> String {
        use kinderen_eerst::api::hsds::derived_id;
        let pick = |id: &str| -> String {
            if real {
                id.to_string()
            } else {
                uuid::Uuid::new_v4().to_string()
            }
        };
        let p = template_path;
        let id = if p.starts_with("/api/v1/cases/") {
            pick(&self.case)
        } else if p.starts_with("/api/v1/referrals/") {
            pick(&self.referral)
        } else if p.starts_with("/api/v1/checklist-submissions/") {
            pick(&self.submission)
        } else if p.starts_with("/api/v1/assignments/") {
            pick(&self.assignment)
        } else if p.starts_with("/api/v1/users/") {
            pick(&self.worker_a)
        } else if p.starts_with("/api/v1/schools/") {
            pick(&self.school_a)
        } else if p.starts_with("/api/v1/webhooks/") {
            pick(&self.webhook)
        } else if p.starts_with("/api/v1/absences/") {
            pick(&self.absence)
        } else if p.starts_with("/api/v1/allocation/plans/") {
            pick(&self.plan)
        } else if p.starts_with("/api/v1/checklist-templates/") {
            pick(&self.template)
        } else if p.starts_with("/api/v1/checklist-versions/") {
            pick(&self.version)
        } else if p.starts_with("/api/v1/themes/") {
            if real {
                "school_costs".into()
            } else {
                "no_such_theme".into()
            }
        } else if p.starts_with("/api/v1/partners/") || p.starts_with("/api/v1/hsds/organizations/")
        {
            pick(&self.partner)
        } else if p.starts_with("/api/v1/services/") || p.starts_with("/api/v1/hsds/services/") {
            pick(&self.service)
        } else if p.starts_with("/api/v1/networks/") {
            pick(&self.network)
        } else if p.starts_with("/api/v1/hsds/taxonomies/") {
            pick(&derived_id(&["taxonomy", "kinderen-eerst-themes"]))
        } else if p.starts_with("/api/v1/hsds/taxonomy_terms/") {
            pick(&derived_id(&[
                "taxonomy_term",
                "kinderen-eerst-themes",
                "school_costs",
            ]))
        } else if p.starts_with("/api/v1/hsds/service_at_locations/") {
            pick(&derived_id(&["service_at_location", &self.service]))
        } else {
            panic!("no id for {p}")
        };
        template_path
            .replace("{id}", &id)
            .replace("{code}", &id)
            .replace("{consent_id}", &pick(&self.consent))
            .replace("{need_id}", &pick(&self.need))
            .replace("{contact_id}", &pick(&self.contact))
            .replace(
                "{reference}",
                if real {
                    &self.case_reference
                } else {
                    "KE-1999-99999"
                },
            )
            .replace("{line_id}", &pick(&self.plan_line))
    }
}

macro_rules! check {
    ($failures:ident, $cond:expr, $($fmt:tt)+) => {
        if !$cond {
            $failures.push(format!($($fmt)+));
        }
    };
}

fn call(
    f: &crate::referrals::Fixture,
    who: &TestUser,
    method: &str,
    path: &str,
    body: Option<&Value>,
    if_match: Option<&str>,
) -> Resp {
    let mut headers = vec![];
    if let Some(e) = if_match {
        headers.push(("if-match", e));
    }
    f.w.app.request(
        method,
        path,
        Some(&who.token),
        body.map(|b| ("application/json", b.to_string().into_bytes())),
        &headers,
    )
}

#[test]
fn api1_no_id_taking_route_gives_school_b_or_worker_b_anything_of_school_a() {
    let f = fixture();
    let w = &f.w;
    let o = Objects::new(&f);
    let (case, referral, submission, assignment) = (
        o.case.clone(),
        o.referral.clone(),
        o.submission.clone(),
        o.assignment.clone(),
    );
    let ids = &o.ids;
    // A partner account of another organisation than the one A's referral goes to.
    let partner_b = w.app.partner_user(&f.other_partner);
    // The owner's ETag, sent as If-Match: even knowing it must not help.
    let etag_of = |who: &TestUser, path: &str| {
        w.app
            .get(path, Some(&who.token))
            .header("etag")
            .map(String::from)
    };
    let case_etag = etag_of(&w.worker_a, &format!("/api/v1/cases/{case}"));
    let referral_etag = etag_of(&w.worker_a, &format!("/api/v1/referrals/{referral}"));
    let submission_etag = etag_of(
        &w.user_a,
        &format!("/api/v1/checklist-submissions/{submission}"),
    );
    let assignment_etag = etag_of(&w.coord, &format!("/api/v1/assignments/{assignment}"));

    let doc = serde_json::to_value(kinderen_eerst::openapi::document()).unwrap();
    let mut checked = 0;
    let mut table = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for (template_path, item) in doc["paths"].as_object().unwrap() {
        if !template_path.contains('{') || walked_elsewhere(template_path) {
            continue;
        }
        let kind = kind_of(template_path);
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let method = method.to_uppercase();
            let fill = |real: bool| o.path(template_path, real);
            let if_match = if template_path.starts_with("/api/v1/cases/") {
                case_etag.as_deref()
            } else if template_path.starts_with("/api/v1/referrals/") {
                referral_etag.as_deref()
            } else if template_path.starts_with("/api/v1/checklist-submissions/") {
                submission_etag.as_deref()
            } else if template_path.starts_with("/api/v1/assignments/") {
                assignment_etag.as_deref()
            } else {
                None
            };
            let body = body_for(&method, template_path, ids);
            if method == "GET" && kind == Kind::Owned {
                // Control: the ids are real, the rightful owner (or the coordinator) reads them.
                let path = fill(true);
                let owner_reads = [&w.worker_a, &w.user_a, &w.coord]
                    .into_iter()
                    .any(|u| w.app.get(&path, Some(&u.token)).status == 200);
                check!(
                    failures,
                    owner_reads,
                    "GET {path}: no rightful reader gets 200; the walk uses a wrong id"
                );
            }
            for who in [&w.user_b, &w.worker_b, &partner_b] {
                let real = call(&f, who, &method, &fill(true), body.as_ref(), if_match);
                let ghost = call(&f, who, &method, &fill(false), body.as_ref(), if_match);
                let role = if who.id == w.user_b.id {
                    "school B"
                } else if who.id == partner_b.id {
                    "partner B"
                } else {
                    "worker B"
                };
                let what = format!("{method} {template_path} as {role}");
                table.push(format!("{what}: {} / {}", real.status, ghost.status));
                match kind {
                    Kind::Shared if method == "GET" => {
                        // The social map is everyone's to read; nothing owned is in it.
                        check!(
                            failures,
                            real.status == 200 || real.status == 403,
                            "{what}: {}",
                            real.text()
                        );
                        continue;
                    }
                    Kind::Shared | Kind::CoordinatorOnly => {
                        check!(
                            failures,
                            real.status == 403 || real.status == 404,
                            "{what}: {} {}",
                            real.status,
                            real.text()
                        );
                    }
                    Kind::Owned => {
                        check!(
                            failures,
                            !(200..300).contains(&real.status),
                            "{what}: {} {}",
                            real.status,
                            real.text()
                        );
                        if method == "GET" {
                            check!(
                                failures,
                                real.status == 404 || real.status == 403,
                                "{what}: {} {}",
                                real.status,
                                real.text()
                            );
                        } else {
                            check!(
                                failures,
                                [403, 404].contains(&real.status),
                                "{what}: {} {} (validation or state must not be reached before ownership)",
                                real.status,
                                real.text()
                            );
                        }
                    }
                }
                check!(
                    failures,
                    real.header("content-type") == Some("application/problem+json"),
                    "{what}: not problem+json"
                );
                check!(
                    failures,
                    (real.status, real.text()) == (ghost.status, ghost.text()),
                    "{what}: A's object and a missing one must look alike: {} {} vs {} {}",
                    real.status,
                    real.text(),
                    ghost.status,
                    ghost.text()
                );
                checked += 1;
            }
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(
        failures.is_empty(),
        "{} BOLA failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 100, "only {checked} calls checked");
    // Nothing of A's changed: the case and the referral are as they were.
    assert_eq!(
        etag_of(&w.worker_a, &format!("/api/v1/cases/{case}")),
        case_etag
    );
    assert_eq!(
        etag_of(&w.worker_a, &format!("/api/v1/referrals/{referral}")),
        referral_etag
    );
    assert_eq!(
        etag_of(&w.coord, &format!("/api/v1/assignments/{assignment}")),
        assignment_etag
    );
    let me = w.app.login(&w.worker_a.email, crate::helpers::PASSWORD);
    assert_eq!(me.status, 200, "worker A's password is unchanged");
}
