//! Every way a bearer token can be wrong gets 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use kinderen_eerst::auth::jwt::Claims;
use kinderen_eerst::domain::Role;
use serde_json::json;

use crate::helpers::{TEST_SECRET, TestApp, TestUser, test_settings};

fn claims_for(user: &TestUser, role: &str) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: user.id.clone(),
        role: role.into(),
        school: None,
        partner: None,
        iat: now,
        nbf: now,
        exp: now + 600,
        iss: "kinderen-eerst".into(),
        aud: "kinderen-eerst-api".into(),
        jti: "t".into(),
        cv: 0,
    }
}

fn sign(claims: &Claims, alg: Algorithm, secret: &[u8]) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

#[track_caller]
fn refused(app: &TestApp, token: &str) {
    let res = app.get("/api/v1/me", Some(token));
    res.problem(401);
}

#[test]
fn a_well_formed_token_is_accepted() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    let token = sign(
        &claims_for(&user, "coordinator"),
        Algorithm::HS256,
        TEST_SECRET.as_bytes(),
    );
    assert_eq!(app.get("/api/v1/me", Some(&token)).status, 200);
}

#[test]
fn missing_or_non_bearer_authorization_is_refused() {
    let app = TestApp::spawn();
    app.get("/api/v1/me", None).problem(401);
    let res = app.request(
        "GET",
        "/api/v1/me",
        None,
        None,
        &[("authorization", "Basic dXNlcjpwYXNz")],
    );
    res.problem(401);
    refused(&app, "not-a-jwt");
}

#[test]
fn alg_none_is_refused() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims_for(&user, "coordinator")).unwrap());
    refused(&app, &format!("{header}.{payload}."));
}

#[test]
fn other_hmac_algorithms_are_refused() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    refused(
        &app,
        &sign(
            &claims_for(&user, "coordinator"),
            Algorithm::HS512,
            TEST_SECRET.as_bytes(),
        ),
    );
}

#[test]
fn a_bad_signature_is_refused() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    refused(
        &app,
        &sign(
            &claims_for(&user, "coordinator"),
            Algorithm::HS256,
            b"another-secret-another-secret-another",
        ),
    );
}

#[test]
fn a_tampered_role_claim_is_refused() {
    let app = TestApp::spawn();
    let worker = app.user(Role::SocialWorker, None);
    // Payload edited, signature kept.
    let parts: Vec<&str> = worker.token.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["role"] = json!("coordinator");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    refused(&app, &forged);
    // Even validly signed, a role the account does not have is refused.
    refused(
        &app,
        &sign(
            &claims_for(&worker, "coordinator"),
            Algorithm::HS256,
            TEST_SECRET.as_bytes(),
        ),
    );
}

#[test]
fn an_expired_token_is_refused() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    let mut c = claims_for(&user, "coordinator");
    c.iat -= 7200;
    c.nbf -= 7200;
    c.exp = chrono::Utc::now().timestamp() - 60;
    refused(&app, &sign(&c, Algorithm::HS256, TEST_SECRET.as_bytes()));
}

#[test]
fn a_token_not_yet_valid_is_refused() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    let mut c = claims_for(&user, "coordinator");
    c.nbf += 3600;
    refused(&app, &sign(&c, Algorithm::HS256, TEST_SECRET.as_bytes()));
}

#[test]
fn wrong_issuer_or_audience_is_refused() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    let mut c = claims_for(&user, "coordinator");
    c.iss = "someone-else".into();
    refused(&app, &sign(&c, Algorithm::HS256, TEST_SECRET.as_bytes()));
    let mut c = claims_for(&user, "coordinator");
    c.aud = "another-api".into();
    refused(&app, &sign(&c, Algorithm::HS256, TEST_SECRET.as_bytes()));
}

const IDP_PRIVATE: &[u8] = include_bytes!("../fixtures/idp-test-private.pem");
const IDP_PUBLIC: &[u8] = include_bytes!("../fixtures/idp-test-public.pem");

fn idp_token(email: &str, iss: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": "idp-subject", "email": email, "iat": now, "exp": now + 600, "iss": iss, "aud": "kinderen-eerst-api"});
    encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(IDP_PRIVATE).unwrap(),
    )
    .unwrap()
}

#[test]
fn rs256_tokens_are_refused_without_an_identity_provider() {
    let app = TestApp::spawn();
    let user = app.coordinator();
    refused(&app, &idp_token(&user.email, "city-idp"));
}

#[test]
fn identity_provider_tokens_map_to_local_users_by_email() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("idp.pem");
    std::fs::write(&key, IDP_PUBLIC).unwrap();
    let mut settings = test_settings();
    settings.jwt_public_key_file = Some(key);
    let app = TestApp::spawn_with(settings);
    let user = app.user(Role::SocialWorker, None);
    let res = app.get(
        "/api/v1/me",
        Some(&idp_token(&user.email.to_uppercase(), "city-idp")),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["id"], user.id);
    // Wrong issuer, or an e-mail we do not know: refused.
    refused(&app, &idp_token(&user.email, "other-idp"));
    refused(&app, &idp_token("stranger@test.example", "city-idp"));
    // HS/RS confusion: an HS256 token signed with the public key's bytes as secret.
    let confused = sign(
        &claims_for(&user, "social_worker"),
        Algorithm::HS256,
        IDP_PUBLIC,
    );
    refused(&app, &confused);
}
