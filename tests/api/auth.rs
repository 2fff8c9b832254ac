use diesel::prelude::*;
use kinderen_eerst::db::schema::users;
use kinderen_eerst::domain::Role;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

#[test]
fn login_returns_a_bearer_token_that_identifies_the_caller() {
    let app = TestApp::spawn();
    let user = app.user(Role::SocialWorker, None);
    let res = app.login(&user.email, PASSWORD);
    assert_eq!(res.status, 200);
    let body = res.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let me = app.get("/api/v1/me", body["access_token"].as_str());
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["id"], user.id);
    assert_eq!(me["email"], user.email);
    assert_eq!(me["role"], "social_worker");
    assert!(me.get("password_hash").is_none(), "{me}");
    assert!(me["created_at"].as_str().unwrap().ends_with('Z'), "{me}");
}

#[test]
fn login_ignores_case_and_spaces_in_the_email() {
    let app = TestApp::spawn();
    let user = app.user(Role::Coordinator, None);
    let res = app.login(&format!("  {} ", user.email.to_uppercase()), PASSWORD);
    assert_eq!(res.status, 200, "{}", res.text());
}

#[test]
fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    let wrong = app.login(&user.email, "not the password at all");
    let unknown = app.login("nobody@test.example", PASSWORD);
    let a = wrong.problem(401);
    let b = unknown.problem(401);
    assert_eq!(a, b);
}

#[test]
fn deactivated_user_cannot_log_in_and_its_token_stops_working() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    diesel::update(users::table.find(&user.id))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    app.login(&user.email, PASSWORD).problem(401);
    let res = app.get("/api/v1/me", Some(&user.token));
    res.problem(401);
    assert!(
        res.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
}

#[test]
fn token_of_a_deleted_user_is_refused() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    diesel::delete(users::table.find(&user.id))
        .execute(&mut app.conn())
        .unwrap();
    app.get("/api/v1/me", Some(&user.token)).problem(401);
}

#[test]
fn token_is_refused_when_the_role_changed_since_login() {
    let app = TestApp::spawn();
    let user = app.user(Role::SocialWorker, None);
    diesel::update(users::table.find(&user.id))
        .set(users::role.eq("coordinator"))
        .execute(&mut app.conn())
        .unwrap();
    app.get("/api/v1/me", Some(&user.token)).problem(401);
}

#[test]
fn a_user_changes_their_own_password() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    let path = "/api/v1/me/password";
    let res = app.post(
        path,
        Some(&user.token),
        &json!({"current_password": "wrong one", "new_password": "a brand new passphrase"}),
    );
    res.problem(403);
    let res = app.post(
        path,
        Some(&user.token),
        &json!({"current_password": PASSWORD, "new_password": "short"}),
    );
    assert_eq!(res.problem(422)["errors"][0]["field"], "new_password");
    let res = app.post(
        path,
        Some(&user.token),
        &json!({"current_password": PASSWORD, "new_password": format!("my {} pass", user.email)}),
    );
    assert_eq!(res.problem(422)["errors"][0]["field"], "new_password");
    let res = app.post(
        path,
        Some(&user.token),
        &json!({"current_password": PASSWORD, "new_password": "a brand new passphrase for Antwerp"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    // The answer carries a new token; the one used to change the password is dead.
    let fresh = res.json()["access_token"].as_str().unwrap().to_string();
    app.get("/api/v1/me", Some(&user.token)).problem(401);
    assert_eq!(app.get("/api/v1/me", Some(&fresh)).status, 200);
    app.login(&user.email, PASSWORD).problem(401);
    assert_eq!(
        app.login(&user.email, "a brand new passphrase for Antwerp")
            .status,
        200
    );
}

#[test]
fn first_start_creates_one_coordinator_only_on_an_empty_database() {
    let app = TestApp::spawn();
    let count: i64 = users::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 1, "one coordinator on first start");
    let role: String = users::table
        .select(users::role)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(role, "coordinator");
    // Preparing again (a restart) creates no second one.
    let opts = kinderen_eerst::db::DbOptions::new(app.db_url.clone());
    kinderen_eerst::startup::prepare(&opts, crate::helpers::test_settings()).unwrap();
    let count: i64 = users::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 1);
}
