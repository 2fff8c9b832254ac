//! Dutch by default, English on request: the same problem in both languages carries the same
//! `code`; `/vocabularies` labels every code of every list in both.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Resp, TestApp, test_settings};
use kinderen_eerst::domain::Role;

/// `method path` with a JSON body (or none) and `Accept-Language` (or none).
fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    language: Option<&str>,
    extra: &[(&str, &str)],
) -> Resp {
    let mut headers: Vec<(&str, &str)> = extra.to_vec();
    if let Some(l) = language {
        headers.push(("accept-language", l));
    }
    app.request(
        method,
        path,
        token,
        body.map(|b| ("application/json", b.to_string().into_bytes())),
        &headers,
    )
}

/// The problem answered in Dutch (no header) and in English, with the same status and code.
#[track_caller]
fn both(status: u16, ask: impl Fn(Option<&str>) -> Resp) -> (Value, Value) {
    let nl = ask(None);
    let p_nl = nl.problem(status);
    assert_eq!(nl.header("content-language"), Some("nl"), "{p_nl}");
    let en = ask(Some("en"));
    let p_en = en.problem(status);
    assert_eq!(en.header("content-language"), Some("en"), "{p_en}");
    assert_eq!(p_nl["code"], p_en["code"], "{p_nl} / {p_en}");
    assert_eq!(p_nl["type"], p_en["type"]);
    assert_ne!(p_nl["detail"], p_en["detail"], "{p_nl} / {p_en}");
    (p_nl, p_en)
}

#[test]
fn a_validation_error_is_dutch_by_default_and_english_on_request_with_one_code() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let (nl, en) = both(422, |lang| {
        call(
            &app,
            "POST",
            "/api/v1/themes",
            Some(&coord.token),
            Some(json!({"code": "digitaal", "label_nl": " ", "label_en": "Digital"})),
            lang,
            &[],
        )
    });
    assert_eq!(nl["code"], "validation_failed");
    assert_eq!(nl["title"], "Ongeldige invoer");
    assert_eq!(en["title"], "Validation failed");
    assert_eq!(nl["errors"][0]["field"], "label_nl");
    assert_eq!(nl["errors"][0]["code"], "blank");
    assert_eq!(en["errors"][0]["code"], "blank");
    assert_eq!(nl["errors"][0]["message"], "mag niet leeg zijn");
    assert_eq!(en["errors"][0]["message"], "must not be blank");
    assert_eq!(nl["detail"], "label_nl: mag niet leeg zijn");

    // A validator rule (a length limit) in both languages, with the same code.
    let (nl, en) = both(422, |lang| {
        call(
            &app,
            "POST",
            "/api/v1/themes",
            Some(&coord.token),
            Some(json!({"code": "x".repeat(60), "label_nl": "Digitaal", "label_en": "Digital"})),
            lang,
            &[],
        )
    });
    let code = |p: &Value| p["errors"][0]["code"].as_str().unwrap().to_string();
    assert_eq!(code(&nl), code(&en));
    assert!(
        ["length_between", "snake_case_code"].contains(&code(&nl).as_str()),
        "{nl}"
    );
}

#[test]
fn a_rejected_import_line_says_what_was_expected_in_the_language_asked() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let file = "instellingsnummer;naam;netwerk;niveau\r\n100041;De Linde;Luchtbal;kleuter\r\n";
    let line = |lang: Option<&str>| {
        let mut headers = vec![];
        if let Some(l) = lang {
            headers.push(("accept-language", l));
        }
        let res = app.request(
            "POST",
            "/api/v1/schools/import?dry_run=true",
            Some(&coord.token),
            Some(("text/csv", file.as_bytes().to_vec())),
            &headers,
        );
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["lines"][0]["errors"][0].clone()
    };
    let (nl, en) = (line(None), line(Some("en-GB")));
    assert_eq!(nl["field"], "level");
    assert_eq!(nl["code"], "school_level_values");
    assert_eq!(en["code"], "school_level_values");
    assert!(
        nl["message"]
            .as_str()
            .unwrap()
            .starts_with("moet basisonderwijs"),
        "{nl}"
    );
    assert!(
        en["message"]
            .as_str()
            .unwrap()
            .starts_with("must be primary"),
        "{en}"
    );
}

#[test]
fn an_unknown_enum_value_is_dutch_naming_the_field_and_the_allowed_codes() {
    let app = TestApp::spawn();
    let worker = app.user(Role::SocialWorker, None);
    // In a query string …
    let (nl, en) = both(422, |lang| {
        call(
            &app,
            "GET",
            "/api/v1/cases?status=hoog",
            Some(&worker.token),
            None,
            lang,
            &[],
        )
    });
    let e = &nl["errors"][0];
    assert_eq!(e["field"], "status");
    assert_eq!(e["code"], "unknown_value");
    assert_eq!(en["errors"][0]["code"], "unknown_value");
    let m = e["message"].as_str().unwrap();
    assert!(
        m.starts_with("onbekende waarde `hoog`; toegelaten: "),
        "{m}"
    );
    for allowed in ["`new`", "`in_progress`", "`waiting`", "`closed`"] {
        assert!(m.contains(allowed), "{m}");
    }
    assert!(
        en["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown value `hoog`; allowed: "),
        "{en}"
    );
    // … and in a JSON body: the same code, the field's path.
    let coord = app.coordinator();
    let (nl, _) = both(422, |lang| {
        call(
            &app,
            "POST",
            "/api/v1/partners",
            Some(&coord.token),
            Some(json!({"name": "Buurtwerk", "kind": "stadsdienst"})),
            lang,
            &[],
        )
    });
    assert_eq!(nl["errors"][0]["field"], "kind");
    assert_eq!(nl["errors"][0]["code"], "unknown_value");
    let m = nl["errors"][0]["message"].as_str().unwrap();
    assert!(m.contains("`stadsdienst`") && m.contains("`ocmw`"), "{m}");
}

#[test]
fn not_found_unauthorized_forbidden_and_precondition_failed_speak_both_languages() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let missing = format!("/api/v1/schools/{}", uuid::Uuid::new_v4());

    let (nl, en) = both(404, |lang| {
        call(&app, "GET", &missing, Some(&coord.token), None, lang, &[])
    });
    assert_eq!(nl["code"], "not_found");
    assert_eq!(nl["title"], "Niet gevonden");
    assert_eq!(en["detail"], "no such resource, or it is not yours to see");

    let (nl, _) = both(401, |lang| {
        call(&app, "GET", "/api/v1/me", None, None, lang, &[])
    });
    assert_eq!(nl["code"], "auth_header_missing");
    let (nl, en) = both(401, |lang| {
        call(
            &app,
            "GET",
            "/api/v1/me",
            Some("not-a-token"),
            None,
            lang,
            &[],
        )
    });
    assert_eq!(nl["code"], "token_invalid");
    assert_eq!(nl["detail"], "het token is ongeldig of verlopen");
    assert_eq!(en["detail"], "the token is invalid or expired");
    let (nl, _) = both(401, |lang| {
        call(
            &app,
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": coord.email, "password": "niet het wachtwoord"})),
            lang,
            &[],
        )
    });
    assert_eq!(nl["code"], "credentials_wrong");

    let school_user = app.user(Role::SocialWorker, None);
    let (nl, en) = both(403, |lang| {
        call(
            &app,
            "POST",
            "/api/v1/themes",
            Some(&school_user.token),
            Some(json!({"code": "digitaal", "label_nl": "Digitaal", "label_en": "Digital"})),
            lang,
            &[],
        )
    });
    assert_eq!(nl["code"], "role_forbidden");
    assert_eq!(nl["detail"], "de rol social_worker mag dit niet");
    assert_eq!(en["detail"], "the social_worker role may not do this");

    let (nl, _) = both(412, |lang| {
        call(
            &app,
            "PATCH",
            "/api/v1/themes/language",
            Some(&coord.token),
            Some(json!({"label_en": "Languages"})),
            lang,
            &[("if-match", "\"stale\"")],
        )
    });
    assert_eq!(nl["code"], "precondition_failed");

    let (nl, _) = both(409, |lang| {
        call(
            &app,
            "POST",
            "/api/v1/themes",
            Some(&coord.token),
            Some(json!({"code": "language", "label_nl": "Taal", "label_en": "Language"})),
            lang,
            &[],
        )
    });
    assert_eq!(nl["code"], "theme_exists");

    let (nl, _) = both(405, |lang| {
        call(&app, "DELETE", "/api/v1/me", None, None, lang, &[])
    });
    assert_eq!(nl["code"], "method_not_allowed");

    let (nl, _) = both(415, |lang| {
        let mut headers = vec![];
        if let Some(l) = lang {
            headers.push(("accept-language", l));
        }
        app.request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(("text/plain", b"{}".to_vec())),
            &headers,
        )
    });
    assert_eq!(nl["code"], "json_content_type_required");
}

#[test]
fn too_many_logins_are_refused_in_both_languages() {
    let mut settings = test_settings();
    settings.login_max_failures_per_account = 1;
    let app = TestApp::spawn_with(settings);
    let user = app.coordinator();
    app.login(&user.email, "niet het wachtwoord").problem(401);
    let (nl, en) = both(429, |lang| {
        call(
            &app,
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": user.email, "password": PASSWORD})),
            lang,
            &[],
        )
    });
    assert_eq!(nl["code"], "too_many_requests");
    assert!(
        nl["detail"]
            .as_str()
            .unwrap()
            .starts_with("te veel pogingen"),
        "{nl}"
    );
    assert!(
        en["detail"]
            .as_str()
            .unwrap()
            .starts_with("too many attempts"),
        "{en}"
    );
}

#[test]
fn accept_language_is_read_with_regions_and_q_values_and_falls_back_to_dutch() {
    let app = TestApp::spawn();
    let lang_of = |header: &str| {
        let res = call(&app, "GET", "/api/v1/me", None, None, Some(header), &[]);
        let p = res.problem(401);
        (res.header("content-language").unwrap().to_string(), p)
    };
    for (header, expected) in [
        ("nl-BE", "nl"),
        ("en-GB", "en"),
        ("EN-us", "en"),
        ("nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        ("nl;q=0.2, en;q=0.9", "en"),
        ("fr-BE, en;q=0.7", "en"),
        ("fr, de", "nl"),
        ("*", "nl"),
        ("en;q=0", "nl"),
        ("garbage;;q=x", "nl"),
    ] {
        let (got, p) = lang_of(header);
        assert_eq!(got, expected, "{header}: {p}");
        assert_eq!(p["code"], "auth_header_missing");
    }
    // The unknown route answers in the language asked too.
    let res = call(
        &app,
        "GET",
        "/api/v1/nothing-here",
        None,
        None,
        Some("en"),
        &[],
    );
    assert_eq!(res.problem(404)["title"], "Not found");
}

#[test]
fn vocabularies_label_every_code_of_every_list_in_dutch_and_english() {
    let app = TestApp::spawn();
    app.get("/api/v1/vocabularies", None).problem(401);
    let school = app.user(Role::SocialWorker, None);
    let res = app.get("/api/v1/vocabularies", Some(&school.token));
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    let lists = body["vocabularies"].as_array().unwrap();
    let find = |name: &str| {
        lists
            .iter()
            .find(|l| l["name"] == name)
            .unwrap_or_else(|| panic!("no list `{name}`"))
    };

    // Every string enum of the published document is a list, with exactly its codes.
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut enums = 0;
    for (schema, def) in doc["components"]["schemas"].as_object().unwrap() {
        let Some(codes) = def["enum"].as_array() else {
            continue;
        };
        enums += 1;
        let list = lists
            .iter()
            .find(|l| l["schema"] == schema.as_str())
            .unwrap_or_else(|| panic!("no list for {schema}"));
        let listed: Vec<&Value> = list["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| &v["code"])
            .collect();
        assert_eq!(listed, codes.iter().collect::<Vec<_>>(), "{schema}");
    }
    assert!(enums > 25, "{enums} enums");

    // Every value of every list has both labels.
    for list in lists {
        for key in ["label_nl", "label_en"] {
            assert!(
                list[key].as_str().is_some_and(|l| !l.is_empty()),
                "{}: {key}",
                list["name"]
            );
        }
        for v in list["values"].as_array().unwrap() {
            for key in ["label_nl", "label_en"] {
                assert!(
                    v[key].as_str().is_some_and(|l| !l.trim().is_empty()),
                    "{}.{}: {key}",
                    list["name"],
                    v["code"]
                );
            }
        }
    }

    // Labels a client shows as they are.
    let label = |list: &str, code: &str, key: &str| {
        find(list)["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["code"] == code)
            .unwrap_or_else(|| panic!("{list}.{code}"))[key]
            .clone()
    };
    assert_eq!(label("case_status", "closed", "label_nl"), "Afgesloten");
    assert_eq!(label("case_status", "closed", "label_en"), "Closed");
    assert_eq!(label("submission_concern", "high", "label_nl"), "Hoog");
    assert_eq!(label("theme", "poverty", "label_nl"), "(Verdoken) armoede");
    assert_eq!(
        label("theme", "school_costs", "label_en"),
        "School costs and study grant"
    );
    assert_eq!(
        label("event_type", "referral.sent", "label_nl"),
        "Doorverwijzing verstuurd"
    );
    assert_eq!(find("theme")["values"].as_array().unwrap().len(), 13);
    for name in [
        "role",
        "case_origin",
        "case_outcome",
        "activity_kind",
        "contact_kind",
        "presence_mode",
        "referral_status",
        "need_state",
        "consent_kind",
        "referral_urgency",
    ] {
        find(name);
    }

    // A retired theme stays listed, marked inactive.
    let coord = app.coordinator();
    let theme = app.get("/api/v1/themes/other", Some(&coord.token));
    let tag = theme.header("etag").unwrap().to_string();
    let res = app.request(
        "PATCH",
        "/api/v1/themes/other",
        Some(&coord.token),
        Some(("application/json", br#"{"active": false}"#.to_vec())),
        &[("if-match", &tag)],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let body = app.get("/api/v1/vocabularies", Some(&coord.token)).json();
    let themes = body["vocabularies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "theme")
        .unwrap()
        .clone();
    let other = themes["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["code"] == "other")
        .unwrap();
    assert_eq!(other["active"], false);
}
