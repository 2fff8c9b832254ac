//! A complete calendar: a school's study day cancels every worker's sessions there, a worker's
//! absence cancels theirs (or names a substitute), a deactivated worker is nobody's SPOC and
//! holds no sessions, consult visits show in both feeds and in `/office-hours`, and a visit is
//! not moved over someone else's change.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::cases::{World, world};
use crate::helpers::TestUser;

/// The next date on ISO `weekday` at least a week after today.
fn next(weekday: u32) -> NaiveDate {
    let mut d = Utc::now().date_naive() + Duration::days(7);
    while d.weekday().number_from_monday() != weekday {
        d += Duration::days(1);
    }
    d
}

fn office_hours(
    w: &World,
    worker: &TestUser,
    school: &str,
    weekday: u32,
    start: &str,
    end: &str,
) -> String {
    let res = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": worker.id, "school_id": school, "mode": "office_hours", "weekday": weekday,
               "start_time": start, "end_time": end, "valid_from": "2026-01-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_string()
}

fn sessions(w: &World, user: &TestUser, day: NaiveDate) -> Value {
    let res = w.app.get(
        &format!("/api/v1/office-hours?from={day}&to={day}"),
        Some(&user.token),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

fn status_of(list: &Value, assignment: &str) -> String {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["assignment_id"] == assignment)
        .unwrap_or_else(|| panic!("no session of {assignment} in {list}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_study_day_cancels_every_workers_sessions_at_that_school_and_nowhere_else() {
    let w = world();
    let day = next(2);
    let a1 = office_hours(&w, &w.worker_a, &w.school_a, 2, "08:30", "10:00");
    let a2 = office_hours(&w, &w.worker_b, &w.school_a, 2, "13:00", "14:30");
    let b1 = office_hours(&w, &w.worker_b, &w.school_b, 2, "08:30", "10:00");
    // One call, not one per assignment.
    let res = w.post(
        &w.coord,
        "/api/v1/closed-periods",
        json!({"school_id": w.school_a, "name": "Pedagogische studiedag", "first_day": day, "last_day": day}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["school_id"], w.school_a);
    let list = sessions(&w, &w.coord, day);
    assert_eq!(status_of(&list, &a1), "cancelled");
    assert_eq!(status_of(&list, &a2), "cancelled");
    assert_eq!(status_of(&list, &b1), "planned");
    let cancelled = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["assignment_id"] == a1)
        .unwrap();
    assert_eq!(cancelled["closed_period"], "Pedagogische studiedag");
    // School B does not see school A's study day; school A does.
    let of = |u: &TestUser| {
        w.app.get("/api/v1/closed-periods", Some(&u.token)).json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(of(&w.user_a), 1);
    assert_eq!(of(&w.user_b), 0);
    // An unknown school is named.
    let p = w
        .post(
            &w.coord,
            "/api/v1/closed-periods",
            json!({"school_id": uuid::Uuid::new_v4(), "name": "Studiedag", "first_day": day, "last_day": day}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "school_id");
}

#[test]
fn an_absence_cancels_the_workers_sessions_or_shows_the_substitute_to_the_school() {
    let w = world();
    let week1 = next(2);
    let week2 = week1 + Duration::days(7);
    let a = office_hours(&w, &w.worker_a, &w.school_a, 2, "08:30", "10:00");
    // Illness in week 1, without a substitute: recorded by the worker themself.
    let res = w.post(
        &w.worker_a,
        "/api/v1/absences",
        json!({"kind": "illness", "first_day": week1, "last_day": week1}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let absence = res.json();
    assert_eq!(absence["worker_id"], w.worker_a.id);
    // Leave in week 2, with worker B standing in: recorded by the coordinator.
    let res = w.post(
        &w.coord,
        "/api/v1/absences",
        json!({"worker_id": w.worker_a.id, "kind": "leave", "first_day": week2, "last_day": week2,
               "substitute_id": w.worker_b.id}),
    );
    assert_eq!(res.status, 201, "{}", res.text());

    let one = sessions(&w, &w.user_a, week1);
    assert_eq!(status_of(&one, &a), "cancelled");
    let s = &one["items"][0];
    assert_eq!(s["substitute"], Value::Null);
    // The school learns the worker is away, never why (illness is health data).
    let reason = s["reason"].as_str().unwrap();
    assert!(!reason.to_lowercase().contains("ziek"), "{reason}");
    let two = sessions(&w, &w.user_a, week2);
    assert_eq!(status_of(&two, &a), "planned");
    assert_eq!(two["items"][0]["substitute"]["id"], w.worker_b.id);

    // Who may record what.
    w.post(
        &w.user_a,
        "/api/v1/absences",
        json!({"kind": "leave", "first_day": week1, "last_day": week1}),
    )
    .problem(403);
    let res = w.post(
        &w.worker_b,
        "/api/v1/absences",
        json!({"worker_id": w.worker_a.id, "kind": "leave", "first_day": week1, "last_day": week1}),
    );
    assert_eq!(res.status, 404);
    let p = w
        .post(
            &w.coord,
            "/api/v1/absences",
            json!({"worker_id": w.worker_a.id, "kind": "leave", "first_day": week2, "last_day": week1,
                   "substitute_id": w.worker_a.id}),
        )
        .problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"last_day") && fields.contains(&"substitute_id"),
        "{fields:?}"
    );
    // Worker B sees none of A's absences; A sees both; removing one plans the session again.
    let listed = |u: &TestUser| {
        w.app.get("/api/v1/absences", Some(&u.token)).json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(listed(&w.worker_b), 0);
    assert_eq!(listed(&w.worker_a), 2);
    let id = absence["id"].as_str().unwrap();
    assert_eq!(
        w.app
            .request(
                "DELETE",
                &format!("/api/v1/absences/{id}"),
                Some(&w.worker_b.token),
                None,
                &[]
            )
            .status,
        404
    );
    assert_eq!(
        w.app
            .request(
                "DELETE",
                &format!("/api/v1/absences/{id}"),
                Some(&w.worker_a.token),
                None,
                &[]
            )
            .status,
        204
    );
    assert_eq!(status_of(&sessions(&w, &w.coord, week1), &a), "planned");
}

#[test]
fn a_deactivated_worker_is_no_schools_spoc_and_holds_no_planned_sessions() {
    let w = world();
    let day = next(3);
    office_hours(&w, &w.worker_a, &w.school_a, 3, "08:30", "10:00");
    let today = Utc::now().date_naive();
    let mut conn = w.app.conn();
    let before = kinderen_eerst::db::assignments::schools_without_spoc(&mut conn, today).unwrap();
    assert!(!before.iter().any(|(id, _)| *id == w.school_a));

    let res = w.app.request(
        "PATCH",
        &format!("/api/v1/users/{}", w.worker_a.id),
        Some(&w.coord.token),
        Some((
            "application/json",
            json!({"active": false}).to_string().into_bytes(),
        )),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text());

    let current = w
        .app
        .get(
            &format!("/api/v1/assignments?school={}&current=true", w.school_a),
            Some(&w.coord.token),
        )
        .json();
    assert_eq!(
        current["items"],
        json!([]),
        "no current assignment at school A"
    );
    assert_eq!(sessions(&w, &w.user_a, day)["items"], json!([]));
    let after = kinderen_eerst::db::assignments::schools_without_spoc(&mut conn, today).unwrap();
    assert!(
        after.iter().any(|(id, _)| *id == w.school_a),
        "school A lost its SPOC"
    );
    assert!(!after.iter().any(|(id, _)| *id == w.school_b));
    // The history stays: the SPOC assignment ended yesterday.
    let all = w
        .app
        .get(
            &format!("/api/v1/assignments?school={}", w.school_a),
            Some(&w.coord.token),
        )
        .json();
    let spoc = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["mode"] == "spoc")
        .unwrap();
    assert_eq!(spoc["valid_to"], (today - Duration::days(1)).to_string());
}

fn schedule(
    w: &World,
    user: &TestUser,
    id: &str,
    date: NaiveDate,
    start: &str,
    if_match: Option<&str>,
) -> crate::helpers::Resp {
    let headers: Vec<(&str, &str)> = if_match.map(|t| ("if-match", t)).into_iter().collect();
    w.app.request(
        "POST",
        &format!("/api/v1/consult-requests/{id}/schedule"),
        Some(&user.token),
        Some((
            "application/json",
            json!({"date": date, "start_time": start, "end_time": "11:00"})
                .to_string()
                .into_bytes(),
        )),
        &headers,
    )
}

fn request_consult(w: &World) -> String {
    let res = w.post(
        &w.user_a,
        "/api/v1/consult-requests",
        json!({"reason": "Vraag naar een gesprek"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_string()
}

fn feed_token(w: &World, user: &TestUser) -> String {
    let res = w.post(user, "/api/v1/me/calendar-token", json!({}));
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["token"].as_str().unwrap().to_string()
}

#[test]
fn consult_visits_appear_in_the_workers_and_the_schools_feeds_and_in_office_hours() {
    let w = world();
    let id = request_consult(&w);
    let day = next(4);
    let res = schedule(&w, &w.worker_a, &id, day, "09:30", None);
    assert_eq!(res.status, 200, "{}", res.text());
    let uid = format!("UID:consult-{id}@kinderen-eerst");

    let worker_feed = w.app.get(
        &format!(
            "/api/v1/calendar/workers/{}.ics?token={}",
            w.worker_a.id,
            feed_token(&w, &w.worker_a)
        ),
        None,
    );
    assert_eq!(worker_feed.status, 200, "{}", worker_feed.text());
    let text = worker_feed.text().replace("\r\n ", "");
    assert!(text.contains(&uid), "{text}");
    assert!(
        text.contains(&format!(
            "DTSTART;TZID=Europe/Brussels:{}T093000",
            day.format("%Y%m%d")
        )),
        "{text}"
    );
    let school_feed = w.app.get(
        &format!(
            "/api/v1/calendar/schools/{}.ics?token={}",
            w.school_a,
            feed_token(&w, &w.user_a)
        ),
        None,
    );
    assert_eq!(school_feed.status, 200, "{}", school_feed.text());
    assert!(school_feed.text().replace("\r\n ", "").contains(&uid));
    // Not in the other school's or the other worker's.
    let other = w.app.get(
        &format!(
            "/api/v1/calendar/workers/{}.ics?token={}",
            w.worker_b.id,
            feed_token(&w, &w.worker_b)
        ),
        None,
    );
    assert!(!other.text().replace("\r\n ", "").contains(&uid));

    for u in [&w.user_a, &w.worker_a, &w.coord] {
        let list = sessions(&w, u, day);
        let visits = list["visits"].as_array().unwrap();
        assert_eq!(visits.len(), 1, "{list}");
        assert_eq!(visits[0]["consult_request_id"], id);
        assert_eq!(visits[0]["start_time"], "09:30");
        assert_eq!(visits[0]["worker"]["id"], w.worker_a.id);
    }
    assert_eq!(sessions(&w, &w.user_b, day)["visits"], json!([]));
    assert_eq!(sessions(&w, &w.worker_b, day)["visits"], json!([]));
}

#[test]
fn a_second_worker_rescheduling_with_a_stale_etag_gets_412_and_without_one_428() {
    let w = world();
    // Worker C also works at school A.
    let worker_c = w.app.user(Role::SocialWorker, None);
    let res = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": worker_c.id, "school_id": w.school_a, "mode": "consult", "valid_from": "2020-01-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text());
    let id = request_consult(&w);
    let day = next(4);
    assert_eq!(
        schedule(&w, &w.worker_a, &id, day, "09:30", None).status,
        200
    );
    // Both read the planned visit.
    let read = |u: &TestUser| {
        w.app
            .get(&format!("/api/v1/consult-requests/{id}"), Some(&u.token))
            .header("etag")
            .unwrap()
            .to_string()
    };
    let seen_by_a = read(&w.worker_a);
    let seen_by_c = read(&worker_c);
    // A moves it; C, with the copy read before, cannot silently move it again.
    let res = schedule(&w, &w.worker_a, &id, day, "10:00", Some(&seen_by_a));
    assert_eq!(res.status, 200, "{}", res.text());
    schedule(
        &w,
        &worker_c,
        &id,
        day + Duration::days(1),
        "09:00",
        Some(&seen_by_c),
    )
    .problem(412);
    let p = schedule(&w, &worker_c, &id, day + Duration::days(1), "09:00", None).problem(428);
    assert_eq!(p["code"], "precondition_required");
    let now = w
        .app
        .get(
            &format!("/api/v1/consult-requests/{id}"),
            Some(&w.user_a.token),
        )
        .json();
    assert_eq!(now["visit"]["start_time"], "10:00");
    assert_eq!(now["visit"]["date"], day.to_string());
    // With the fresh ETag it works.
    let fresh = read(&worker_c);
    let res = schedule(
        &w,
        &worker_c,
        &id,
        day + Duration::days(1),
        "09:00",
        Some(&fresh),
    );
    assert_eq!(res.status, 200, "{}", res.text());
}
