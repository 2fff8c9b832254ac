//! Office hours: recurrence, exceptions, closed periods, held sessions, calendar feeds and who
//! sees which sessions.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::cases::{World, world};

pub fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

pub fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Worker A holds office hours at school A on Tuesdays 08:30–10:00 from 2026-01-01; worker B
/// at school B on Thursdays. Returns the two assignment ids.
fn office_hours(w: &World) -> (String, String) {
    let mut ids = Vec::new();
    for (worker, school, day) in [(&w.worker_a, &w.school_a, 2), (&w.worker_b, &w.school_b, 4)] {
        let res = w.post(
            &w.coord,
            "/api/v1/assignments",
            json!({"worker_id": worker.id, "school_id": school, "mode": "office_hours", "weekday": day,
                   "start_time": "08:30", "end_time": "10:00", "valid_from": "2026-01-01"}),
        );
        assert_eq!(res.status, 201, "{}", res.text());
        ids.push(res.json()["id"].as_str().unwrap().to_string());
    }
    (ids[0].clone(), ids[1].clone())
}

fn sessions(w: &World, user: &crate::helpers::TestUser, query: &str) -> Vec<Value> {
    let res = w
        .app
        .get(&format!("/api/v1/office-hours?{query}"), Some(&user.token));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"].as_array().unwrap().clone()
}

const SESSION: [&str; 13] = [
    "assignment_id",
    "date",
    "start_time",
    "end_time",
    "school",
    "worker",
    "status",
    "moved_to",
    "reason",
    "closed_period",
    "exception_id",
    "contacts",
    "substitute",
];

#[test]
fn weekly_sessions_cross_a_month_and_honour_a_holiday_a_move_a_cancellation_and_a_log() {
    let w = world();
    let (a, _) = office_hours(&w);
    let q = format!("from=2026-01-20&to=2026-02-17&school={}", w.school_a);

    let plain = sessions(&w, &w.coord, &q);
    let dates: Vec<&str> = plain.iter().map(|s| s["date"].as_str().unwrap()).collect();
    assert_eq!(
        dates,
        [
            "2026-01-20",
            "2026-01-27",
            "2026-02-03",
            "2026-02-10",
            "2026-02-17"
        ]
    );
    assert!(plain.iter().all(|s| s["status"] == "planned"));
    assert_eq!(keys(&plain[0]), set(&SESSION));
    assert_eq!(plain[0]["start_time"], "08:30");

    let res = w.post(
        &w.coord,
        "/api/v1/closed-periods",
        json!({"name": "Krokusvakantie", "first_day": "2026-02-16", "last_day": "2026-02-22"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let res = w.post(
        &w.worker_a,
        "/api/v1/office-hours/exceptions",
        json!({"assignment_id": a, "date": "2026-02-03", "kind": "cancelled", "reason": "Ziek"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["status"], "cancelled");
    let res = w.post(
        &w.coord,
        "/api/v1/office-hours/exceptions",
        json!({"assignment_id": a, "date": "2026-02-10", "kind": "moved", "reason": "Studiedag",
               "moved_to": {"date": "2026-02-12", "start_time": "13:00", "end_time": "14:30"}}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let res = w.post(
        &w.worker_a,
        "/api/v1/office-hours/logs",
        json!({"assignment_id": a, "date": "2026-01-20", "contacts": 3, "note": "Vragen over de schooltoeslag"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());

    let s = sessions(&w, &w.user_a, &q);
    let by_date = |d: &str| s.iter().find(|x| x["date"] == d).unwrap().clone();
    assert_eq!(by_date("2026-01-20")["status"], "held");
    assert_eq!(by_date("2026-01-20")["contacts"], 3);
    assert_eq!(by_date("2026-01-27")["status"], "planned");
    assert_eq!(by_date("2026-02-03")["status"], "cancelled");
    assert_eq!(by_date("2026-02-03")["reason"], "Ziek");
    let moved = by_date("2026-02-10");
    assert_eq!(moved["status"], "moved");
    assert_eq!(
        moved["moved_to"],
        json!({"date": "2026-02-12", "start_time": "13:00", "end_time": "14:30"})
    );
    let holiday = by_date("2026-02-17");
    assert_eq!(holiday["status"], "cancelled");
    assert_eq!(holiday["closed_period"], "Krokusvakantie");
    assert_eq!(holiday["reason"], "Krokusvakantie");

    // Undoing the cancellation brings the session back.
    let id = by_date("2026-02-03")["exception_id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = w.app.request(
        "DELETE",
        &format!("/api/v1/office-hours/exceptions/{id}"),
        Some(&w.worker_a.token),
        None,
        &[],
    );
    assert_eq!(res.status, 204, "{}", res.text());
    let s = sessions(&w, &w.worker_a, &q);
    assert_eq!(s[2]["status"], "planned");
}

#[test]
fn sessions_cannot_be_logged_twice_in_the_future_or_when_cancelled() {
    let w = world();
    let (a, _) = office_hours(&w);
    let log = |date: &str| {
        w.post(
            &w.worker_a,
            "/api/v1/office-hours/logs",
            json!({"assignment_id": a, "date": date, "contacts": 2}),
        )
    };
    assert_eq!(log("2026-03-03").status, 201);
    assert_eq!(log("2026-03-03").problem(409)["current_state"], "held");
    let p = log("2026-03-04").problem(422);
    assert_eq!(p["errors"][0]["field"], "date", "a Wednesday: {p}");
    let future = (Utc::now().date_naive() + Duration::days(14)).to_string();
    let p = log(&future).problem(422);
    assert!(p["errors"].to_string().contains("date"), "{p}");
    let res = w.post(
        &w.worker_a,
        "/api/v1/office-hours/exceptions",
        json!({"assignment_id": a, "date": "2026-03-10", "kind": "cancelled"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(log("2026-03-10").problem(409)["current_state"], "cancelled");
    // A held session cannot be cancelled; a session has one exception at most.
    let cancel = |date: &str| {
        w.post(
            &w.worker_a,
            "/api/v1/office-hours/exceptions",
            json!({"assignment_id": a, "date": date, "kind": "cancelled"}),
        )
    };
    assert_eq!(cancel("2026-03-03").problem(409)["current_state"], "held");
    assert_eq!(
        cancel("2026-03-10").problem(409)["current_state"],
        "cancelled"
    );
    // A moved session needs its new time; a log note naming a case is refused.
    let p = w
        .post(
            &w.worker_a,
            "/api/v1/office-hours/exceptions",
            json!({"assignment_id": a, "date": "2026-03-17", "kind": "moved"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "moved_to");
    let p = w
        .post(
            &w.worker_a,
            "/api/v1/office-hours/logs",
            json!({"assignment_id": a, "date": "2026-03-17", "contacts": 1, "note": "Moeder van KE-2026-00001"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "note");
}

#[test]
fn office_hours_are_scoped_and_the_range_is_capped() {
    let w = world();
    let (a, b) = office_hours(&w);
    let q = "from=2026-03-01&to=2026-03-31";
    let of = |user| {
        sessions(&w, user, q)
            .iter()
            .map(|s| s["assignment_id"].as_str().unwrap().to_string())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(of(&w.coord), set(&[&a, &b]));
    assert_eq!(of(&w.worker_a), set(&[&a]));
    assert_eq!(of(&w.worker_b), set(&[&b]));
    assert_eq!(of(&w.user_a), set(&[&a]));
    assert_eq!(of(&w.user_b), set(&[&b]));
    // Asking for someone else's gives nothing, not an error.
    assert!(sessions(&w, &w.user_a, &format!("{q}&school={}", w.school_b)).is_empty());
    assert!(sessions(&w, &w.worker_a, &format!("{q}&worker={}", w.worker_b.id)).is_empty());

    let p = w
        .app
        .get(
            "/api/v1/office-hours?from=2026-01-01&to=2027-06-30",
            Some(&w.coord.token),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "to");
    let p = w
        .app
        .get(
            "/api/v1/office-hours?from=2026-03-01&to=2026-02-01",
            Some(&w.coord.token),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "to");
    let p = w
        .app
        .get("/api/v1/office-hours?from=tomorrow", Some(&w.coord.token))
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "from");

    // Worker B may not touch worker A's sessions; schools may not record anything.
    w.post(
        &w.worker_b,
        "/api/v1/office-hours/exceptions",
        json!({"assignment_id": a, "date": "2026-03-03", "kind": "cancelled"}),
    )
    .problem(404);
    w.post(
        &w.user_a,
        "/api/v1/office-hours/exceptions",
        json!({"assignment_id": a, "date": "2026-03-03", "kind": "cancelled"}),
    )
    .problem(403);
    w.post(
        &w.coord,
        "/api/v1/office-hours/logs",
        json!({"assignment_id": a, "date": "2026-03-03", "contacts": 1}),
    )
    .problem(403);
    for user in [&w.worker_a, &w.user_a] {
        w.post(
            user,
            "/api/v1/closed-periods",
            json!({"name": "Vakantie", "first_day": "2026-07-01", "last_day": "2026-08-31"}),
        )
        .problem(403);
    }
    let p = w
        .post(
            &w.coord,
            "/api/v1/closed-periods",
            json!({"name": "Omgekeerd", "first_day": "2026-08-31", "last_day": "2026-07-01"}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "last_day");
    let listed = w.app.get("/api/v1/closed-periods", Some(&w.user_b.token));
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["items"], json!([]));
}

// ---------------------------------------------------------------------------------------------
// Calendar feeds

/// Unfolds an iCalendar text after checking every physical line: CRLF, at most 75 octets.
fn unfold(ics: &str) -> Vec<String> {
    assert!(ics.ends_with("\r\n"), "ends with CRLF");
    let body = &ics[..ics.len() - 2];
    for line in body.split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare LF or CR"
        );
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    body.replace("\r\n ", "")
        .split("\r\n")
        .map(String::from)
        .collect()
}

/// The next date on ISO `weekday` strictly after today.
fn next(weekday: u32) -> NaiveDate {
    let mut d = Utc::now().date_naive() + Duration::days(1);
    while d.weekday().number_from_monday() != weekday {
        d += Duration::days(1);
    }
    d
}

fn token(w: &World, user: &crate::helpers::TestUser) -> String {
    let res = w.post(user, "/api/v1/me/calendar-token", json!({}));
    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    assert_eq!(keys(&body), set(&["token", "created_at", "feeds"]));
    body["token"].as_str().unwrap().to_string()
}

#[test]
fn a_school_feed_is_valid_icalendar_with_stable_uids_and_cancelled_sessions() {
    let w = world();
    let street =
        "Lange Leemstraat van de Heilige Familie en Onze-Lieve-Vrouw-ter-Sneeuw 123, bus 4";
    let res = w.app.request(
        "PATCH",
        &format!("/api/v1/schools/{}", w.school_a),
        Some(&w.coord.token),
        Some((
            "application/json",
            json!({"address": {"street": street, "postal_code": "2018", "city": "Antwerpen"}})
                .to_string()
                .into_bytes(),
        )),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let (a, _) = office_hours(&w);
    let tuesday = next(2);
    let res = w.post(
        &w.worker_a,
        "/api/v1/office-hours/exceptions",
        json!({"assignment_id": a, "date": tuesday, "kind": "cancelled", "reason": "Staking; geen zitdag"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());

    let t = token(&w, &w.user_a);
    let path = format!("/api/v1/calendar/schools/{}.ics?token={t}", w.school_a);
    let first = w.app.get(&path, None);
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(
        first.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let lines = unfold(&first.text());
    assert_eq!(lines.first().unwrap(), "BEGIN:VCALENDAR");
    assert_eq!(lines.last().unwrap(), "END:VCALENDAR");
    for required in ["VERSION:2.0", "BEGIN:VTIMEZONE", "TZID:Europe/Brussels"] {
        assert!(lines.iter().any(|l| l == required), "{required} missing");
    }
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    let events = lines.iter().filter(|l| *l == "BEGIN:VEVENT").count();
    assert!(events >= 26, "about 30 weeks of Tuesdays, got {events}");
    let uid = format!("UID:{a}-{}@kinderen-eerst", tuesday.format("%Y%m%d"));
    let at = lines
        .iter()
        .position(|l| *l == uid)
        .expect("the session's UID");
    let event: Vec<&String> = lines[at..]
        .iter()
        .take_while(|l| *l != "END:VEVENT")
        .collect();
    assert!(event.iter().any(|l| *l == "STATUS:CANCELLED"), "{event:?}");
    assert!(
        event.iter().any(|l| **l
            == format!(
                "DTSTART;TZID=Europe/Brussels:{}T083000",
                tuesday.format("%Y%m%d")
            )),
        "{event:?}"
    );
    assert!(
        event.iter().any(|l| l.starts_with("LOCATION:")
            && l.contains("Onze-Lieve-Vrouw-ter-Sneeuw 123\\, bus 4")),
        "the long address is folded and unfolds with commas escaped: {event:?}"
    );
    assert!(
        event
            .iter()
            .any(|l| *l == "DESCRIPTION:Geannuleerd: Staking\\; geen zitdag"),
        "{event:?}"
    );
    assert!(first.text().contains("\r\n "), "some line was folded");

    let second = w.app.get(&path, None);
    let uids = |r: &crate::helpers::Resp| -> Vec<String> {
        unfold(&r.text())
            .into_iter()
            .filter(|l| l.starts_with("UID:"))
            .collect()
    };
    assert_eq!(uids(&first), uids(&second), "UIDs are stable");
    assert_eq!(
        first.text(),
        second.text(),
        "nothing changed, nothing differs"
    );

    // Rotating stops the old token at once.
    let new = token(&w, &w.user_a);
    w.app.get(&path, None).problem(401);
    let res = w.app.get(
        &format!("/api/v1/calendar/schools/{}.ics?token={new}", w.school_a),
        None,
    );
    assert_eq!(res.status, 200);
}

#[test]
fn a_feed_token_opens_only_its_owners_feeds() {
    let w = world();
    office_hours(&w);
    let school = |s: &str, t: &str| format!("/api/v1/calendar/schools/{s}.ics?token={t}");
    let worker = |u: &str, t: &str| format!("/api/v1/calendar/workers/{u}.ics?token={t}");
    let (ta, tb, twa, twb, tc) = (
        token(&w, &w.user_a),
        token(&w, &w.user_b),
        token(&w, &w.worker_a),
        token(&w, &w.worker_b),
        token(&w, &w.coord),
    );
    let status = |p: String| w.app.get(&p, None).status;
    assert_eq!(status(school(&w.school_a, &ta)), 200);
    assert_eq!(status(school(&w.school_b, &ta)), 404);
    assert_eq!(status(school(&w.school_b, &tb)), 200);
    assert_eq!(status(worker(&w.worker_a.id, &ta)), 404);
    assert_eq!(status(worker(&w.worker_a.id, &twa)), 200);
    assert_eq!(status(worker(&w.worker_b.id, &twa)), 404);
    assert_eq!(status(school(&w.school_a, &twa)), 200);
    assert_eq!(status(school(&w.school_b, &twa)), 404);
    assert_eq!(status(worker(&w.worker_b.id, &twb)), 200);
    assert_eq!(status(school(&w.school_a, &tc)), 200);
    assert_eq!(status(worker(&w.worker_b.id, &tc)), 200);
    w.app
        .get(
            &format!("/api/v1/calendar/schools/{}.ics", w.school_a),
            None,
        )
        .problem(401);
    w.app
        .get(&school(&w.school_a, "not-a-token"), None)
        .problem(401);
    let p = w
        .app
        .get(
            &format!("/api/v1/calendar/schools/nope.ics?token={ta}"),
            None,
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "id");
    // The worker's own feed has their Tuesdays only, with the school in the summary.
    let ics = w.app.get(&worker(&w.worker_a.id, &twa), None).text();
    assert!(ics.contains("School 100001"));
    assert!(!ics.contains("School 100002"));
}
