//! `LOG_FORMAT=json`: the real binary writes one JSON object per line, the access log with the
//! request id, route template, status and latency, and every other line with the request it
//! was written for.

use std::time::Duration;

use serde_json::Value;

use crate::process::{FreshDb, Service, read_from};

fn get(url: &str, headers: &[(&str, &str)]) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut req = agent.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.call().map(|r| r.status().as_u16()).unwrap_or(0)
}

#[test]
fn json_log_lines_parse_and_carry_request_route_status_and_latency() {
    let dir = tempfile::tempdir().unwrap();
    let db = FreshDb::new(dir.path());
    let log = dir.path().join("service.log");
    let svc = Service::start(
        &db.url,
        &[
            ("LOG_FORMAT", "json"),
            ("RUST_LOG", "info,kinderen_eerst=debug"),
        ],
        &log,
    );
    let case = "0b5c7a52-3a0e-4c4f-9a55-0e6f2c1d9b11";
    assert_eq!(
        get(&svc.url("/healthz"), &[("x-request-id", "json-health-1")]),
        200
    );
    assert_eq!(
        get(
            &svc.url(&format!("/api/v1/cases/{case}")),
            &[
                ("x-request-id", "json-case-1"),
                ("authorization", "Bearer not.a.token")
            ]
        ),
        401
    );
    assert_eq!(
        get(&svc.url("/nowhere"), &[("x-request-id", "json-none-1")]),
        404
    );
    std::thread::sleep(Duration::from_millis(300));
    let text = read_from(&log, 0);
    drop(svc);

    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 5, "{text}");
    for l in &lines {
        for key in ["time", "level", "target", "message"] {
            assert!(l[key].is_string(), "no {key}: {l}");
        }
        chrono::DateTime::parse_from_rfc3339(l["time"].as_str().unwrap()).expect("RFC 3339 time");
    }
    let access = |rid: &str| -> &Value {
        lines
            .iter()
            .find(|l| l["target"] == "access" && l["request_id"] == rid)
            .unwrap_or_else(|| panic!("no access line for {rid}:\n{text}"))
    };
    let health = access("json-health-1");
    assert_eq!(health["route"], "/healthz");
    assert_eq!(health["method"], "GET");
    assert_eq!(health["status"], 200);
    assert!(
        health["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{health}"
    );
    let denied = access("json-case-1");
    assert_eq!(denied["route"], "/api/v1/cases/{id}");
    assert_eq!(denied["status"], 401);
    assert_eq!(access("json-none-1")["route"], "unmatched");
    // A line written while serving the request, not by the access log, names it too.
    assert!(
        lines.iter().any(|l| l["target"] != "access"
            && l["request_id"] == "json-case-1"
            && l["message"].as_str().unwrap().contains("token refused")),
        "{text}"
    );
    // Lines outside any request have no request id.
    let listening = lines
        .iter()
        .find(|l| l["message"].as_str().unwrap().contains("listening on"))
        .expect("the listening line");
    assert!(listening.get("request_id").is_none(), "{listening}");
}

#[test]
fn an_unknown_log_format_stops_the_start() {
    let out = std::process::Command::new(crate::process::BIN)
        .arg("openapi")
        .env("LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("LOG_FORMAT must be `text` or `json`"));
}
