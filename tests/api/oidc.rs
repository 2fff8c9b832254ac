//! The city's identity provider over OpenID Connect: a real provider process on 127.0.0.1
//! (discovery and a JWKS over HTTP, keys made by `openssl` for this run) that rotates its keys
//! while the service runs, goes down, and comes back.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kinderen_eerst::config::Settings;
use kinderen_eerst::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TEST_SECRET, TestApp, test_settings};

/// A signing key of the provider, made with `openssl genpkey`.
#[derive(Clone)]
struct Key {
    kid: String,
    alg: Algorithm,
    private: EncodingKey,
    public: Value,
}

impl Key {
    fn new(kid: &str, alg: Algorithm) -> Key {
        let args: &[&str] = match alg {
            Algorithm::RS256 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            Algorithm::ES256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            other => panic!("no test keys for {other:?}"),
        };
        let out = std::process::Command::new("openssl")
            .arg("genpkey")
            .args(args)
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let private = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&out.stdout),
            _ => EncodingKey::from_ec_pem(&out.stdout),
        }
        .expect("a PKCS#8 key");
        let mut jwk = Jwk::from_encoding_key(&private, alg).expect("its public JWK");
        jwk.common.key_id = Some(kid.into());
        jwk.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
        Key {
            kid: kid.into(),
            alg,
            private,
            public: serde_json::to_value(jwk).unwrap(),
        }
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.private).unwrap()
    }
}

/// The identity provider: serves its discovery document and its current JWKS, counts what it
/// is asked, and can be taken down (it then answers 503) and brought back.
struct Provider {
    issuer: String,
    jwks: Arc<Mutex<Vec<Value>>>,
    down: Arc<AtomicBool>,
    discovery_hits: Arc<AtomicUsize>,
    jwks_hits: Arc<AtomicUsize>,
}

impl Provider {
    fn start(keys: &[&Key]) -> Provider {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let issuer = format!("http://{}/realms/ocmw", listener.local_addr().unwrap());
        let p = Provider {
            issuer: issuer.clone(),
            jwks: Arc::new(Mutex::new(keys.iter().map(|k| k.public.clone()).collect())),
            down: Arc::new(AtomicBool::new(false)),
            discovery_hits: Arc::new(AtomicUsize::new(0)),
            jwks_hits: Arc::new(AtomicUsize::new(0)),
        };
        let (jwks, down, dh, jh) = (
            p.jwks.clone(),
            p.down.clone(),
            p.discovery_hits.clone(),
            p.jwks_hits.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    continue;
                }
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
                let (status, body) = if down.load(Ordering::SeqCst) {
                    (503, json!({"error": "maintenance"}))
                } else if path == "/realms/ocmw/.well-known/openid-configuration" {
                    dh.fetch_add(1, Ordering::SeqCst);
                    (
                        200,
                        json!({"issuer": issuer, "jwks_uri": format!("{issuer}/certs"),
                               "id_token_signing_alg_values_supported": ["RS256", "ES256"]}),
                    )
                } else if path == "/realms/ocmw/certs" {
                    jh.fetch_add(1, Ordering::SeqCst);
                    (200, json!({"keys": *jwks.lock().unwrap()}))
                } else {
                    (404, json!({}))
                };
                let body = body.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        p
    }

    fn publish(&self, keys: &[&Key]) {
        *self.jwks.lock().unwrap() = keys.iter().map(|k| k.public.clone()).collect();
    }

    fn claims(&self, email: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({"iss": self.issuer, "aud": "kinderen-eerst-api", "sub": "f3a1c2", "email": email,
               "email_verified": true, "iat": now, "nbf": now, "exp": now + 300})
    }

    fn settings(&self) -> Settings {
        Settings {
            oidc_issuer_url: Some(self.issuer.clone()),
            oidc_jwks_min_refresh_seconds: 0,
            ..test_settings()
        }
    }
}

fn me(app: &TestApp, token: &str) -> u16 {
    app.get("/api/v1/me", Some(token)).status
}

/// Polls until `f` holds (at most 20 s).
#[track_caller]
fn eventually(what: &str, f: impl Fn() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(started.elapsed() < Duration::from_secs(20), "never: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_token_from_a_rotated_key_is_accepted_without_a_restart() {
    let k1 = Key::new("2026-rsa", Algorithm::RS256);
    let k2 = Key::new("2027-ec", Algorithm::ES256);
    let idp = Provider::start(&[&k1]);
    let app = TestApp::spawn_with(Settings {
        oidc_jwks_refresh_seconds: 1,
        ..idp.settings()
    });
    let worker = app.user(Role::SocialWorker, None);
    let old = k1.sign(&idp.claims(&worker.email.to_uppercase()));
    let res = app.get("/api/v1/me", Some(&old));
    assert_eq!(res.status, 200, "{}", res.text());
    // Role and school come from our database, not the token.
    assert_eq!(res.json()["id"], worker.id);
    assert_eq!(res.json()["role"], "social_worker");

    // The provider publishes its new key and signs with it: accepted at once, and the old key
    // keeps working while it is published.
    idp.publish(&[&k1, &k2]);
    let new = k2.sign(&idp.claims(&worker.email));
    assert_eq!(me(&app, &new), 200);
    assert_eq!(me(&app, &old), 200);

    // The provider retires the old key: after the next refresh its tokens are refused.
    idp.publish(&[&k2]);
    eventually("the retired key's token is refused", || {
        me(&app, &old) == 401
    });
    assert_eq!(me(&app, &new), 200);

    // The provider goes down: the cached key keeps verifying, through failed refreshes.
    idp.down.store(true, Ordering::SeqCst);
    let metrics = || app.get("/metrics", None).text();
    eventually("a refresh failed while the provider is down", || {
        metrics().contains(
            r#"kinderen_eerst_oidc_jwks_refreshes_total{reason="interval",result="failed"}"#,
        )
    });
    assert_eq!(me(&app, &new), 200);
    assert_eq!(me(&app, &k2.sign(&idp.claims(&worker.email))), 200);
    let m = metrics();
    assert!(m.contains("kinderen_eerst_oidc_jwks_keys 1"), "{m}");
    assert!(
        m.contains(r#"kinderen_eerst_oidc_jwks_refreshes_total{reason="unknown_kid",result="ok"}"#),
        "{m}"
    );
}

#[test]
fn the_providers_tokens_are_checked_like_our_own() {
    let rsa = Key::new("rsa", Algorithm::RS256);
    let ec = Key::new("ec", Algorithm::ES256);
    let idp = Provider::start(&[&rsa, &ec]);
    let app = TestApp::spawn_with(idp.settings());
    let worker = app.user(Role::SocialWorker, None);
    let good = idp.claims(&worker.email);
    assert_eq!(me(&app, &rsa.sign(&good)), 200);
    assert_eq!(me(&app, &ec.sign(&good)), 200);

    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    let now = chrono::Utc::now().timestamp();
    let refused: Vec<(&str, String)> = vec![
        (
            "wrong audience",
            rsa.sign(&with("aud", json!("another-api"))),
        ),
        (
            "wrong issuer",
            rsa.sign(&with("iss", json!("http://127.0.0.1:1/realms/other"))),
        ),
        ("expired", rsa.sign(&with("exp", json!(now - 120)))),
        ("not yet valid", rsa.sign(&with("nbf", json!(now + 600)))),
        (
            "unverified e-mail",
            rsa.sign(&with("email_verified", json!(false))),
        ),
        (
            "no such user",
            rsa.sign(&idp.claims("stranger@test.example")),
        ),
        ("no e-mail", {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove("email");
            rsa.sign(&c)
        }),
        // The EC key's kid on an RS256 token, and the reverse: no key of that algorithm.
        ("RS256 under the EC key's kid", {
            let mut h = Header::new(Algorithm::RS256);
            h.kid = Some("ec".into());
            jsonwebtoken::encode(&h, &good, &rsa.private).unwrap()
        }),
        // A key the provider never published.
        (
            "unpublished key",
            Key::new("rsa", Algorithm::RS256).sign(&good),
        ),
        // HS256 with the provider's issuer, signed with our own secret or its public key.
        ("HS256 with the provider's issuer", {
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &good,
                &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
            )
            .unwrap()
        }),
    ];
    for (why, token) in refused {
        let res = app.get("/api/v1/me", Some(&token));
        assert_eq!(res.status, 401, "{why}: {}", res.text());
    }

    // A deactivated account is refused whatever the provider says.
    let coord = app.coordinator();
    let res = app.request(
        "PATCH",
        &format!("/api/v1/users/{}", worker.id),
        Some(&coord.token),
        Some((
            "application/json",
            json!({"active": false}).to_string().into_bytes(),
        )),
        &[],
    );
    assert!(res.status < 300, "{}", res.text());
    assert_eq!(me(&app, &rsa.sign(&good)), 401);
}

#[test]
fn unknown_key_ids_fetch_the_keys_at_most_once_per_interval() {
    let k = Key::new("k", Algorithm::RS256);
    let idp = Provider::start(&[&k]);
    let app = TestApp::spawn_with(Settings {
        oidc_jwks_min_refresh_seconds: 3600,
        ..idp.settings()
    });
    let worker = app.user(Role::SocialWorker, None);
    assert_eq!(
        idp.jwks_hits.load(Ordering::SeqCst),
        1,
        "fetched once at start"
    );
    // A flood of made-up key ids within the interval: refused, and the provider is not asked
    // again (the rotation test shows an unknown key id does fetch once the interval allows).
    let stranger = Key::new("x", Algorithm::RS256);
    for i in 0..20 {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(format!("made-up-{i}"));
        let token =
            jsonwebtoken::encode(&h, &idp.claims(&worker.email), &stranger.private).unwrap();
        assert_eq!(me(&app, &token), 401);
    }
    assert_eq!(idp.jwks_hits.load(Ordering::SeqCst), 1);
    assert_eq!(me(&app, &k.sign(&idp.claims(&worker.email))), 200);
}

#[test]
fn a_provider_down_at_start_does_not_stop_the_service() {
    let k = Key::new("k", Algorithm::ES256);
    let idp = Provider::start(&[&k]);
    idp.down.store(true, Ordering::SeqCst);
    let app = TestApp::spawn_with(idp.settings());
    // Our own logins work; the provider's tokens wait for its keys.
    let worker = app.user(Role::SocialWorker, None);
    assert_eq!(me(&app, &worker.token), 200);
    let token = k.sign(&idp.claims(&worker.email));
    assert_eq!(me(&app, &token), 401);
    idp.down.store(false, Ordering::SeqCst);
    assert_eq!(me(&app, &token), 200);
}

#[test]
fn a_jwks_url_skips_discovery_and_the_email_claim_is_configurable() {
    let k = Key::new("k", Algorithm::RS256);
    let idp = Provider::start(&[&k]);
    let app = TestApp::spawn_with(Settings {
        oidc_jwks_url: Some(format!("{}/certs", idp.issuer)),
        oidc_email_claim: "upn".into(),
        oidc_audience: Some("api://kinderen-eerst".into()),
        ..idp.settings()
    });
    assert_eq!(idp.discovery_hits.load(Ordering::SeqCst), 0);
    let worker = app.user(Role::SocialWorker, None);
    let mut claims = idp.claims("someone-else@test.example");
    claims["upn"] = json!(worker.email);
    claims["aud"] = json!("api://kinderen-eerst");
    assert_eq!(me(&app, &k.sign(&claims)), 200);
    // The `email` claim alone does not count, nor the default audience.
    let mut only_email = idp.claims(&worker.email);
    only_email["aud"] = json!("api://kinderen-eerst");
    assert_eq!(me(&app, &k.sign(&only_email)), 401);
    claims["aud"] = json!("kinderen-eerst-api");
    assert_eq!(me(&app, &k.sign(&claims)), 401);
}

#[test]
fn the_static_key_file_keeps_working_beside_the_provider() {
    let k = Key::new("k", Algorithm::RS256);
    let idp = Provider::start(&[&k]);
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("idp.pem");
    std::fs::write(&pem, include_bytes!("../fixtures/idp-test-public.pem")).unwrap();
    let app = TestApp::spawn_with(Settings {
        jwt_public_key_file: Some(pem),
        ..idp.settings()
    });
    let worker = app.user(Role::SocialWorker, None);
    let now = chrono::Utc::now().timestamp();
    let static_token = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &json!({"sub": "s", "email": worker.email, "iat": now, "exp": now + 300,
                "iss": "city-idp", "aud": "kinderen-eerst-api"}),
        &EncodingKey::from_rsa_pem(include_bytes!("../fixtures/idp-test-private.pem")).unwrap(),
    )
    .unwrap();
    assert_eq!(me(&app, &static_token), 200);
    assert_eq!(me(&app, &k.sign(&idp.claims(&worker.email))), 200);
}

#[test]
fn provider_settings_that_cannot_be_checked_stop_the_start() {
    let refuse = |s: Settings, expected: &str| {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("t.db").to_string_lossy().into_owned();
        let err =
            match kinderen_eerst::startup::prepare(&kinderen_eerst::db::DbOptions::new(url), s) {
                Ok(_) => panic!("started with {expected}"),
                Err(e) => e.to_string(),
            };
        assert!(err.contains(expected), "{err}");
    };
    if crate::helpers::test_backend_url().is_some() {
        return; // the settings are checked the same way on either backend
    }
    refuse(
        Settings {
            oidc_jwks_url: Some("https://login.stad.example/certs".into()),
            ..test_settings()
        },
        "OIDC_JWKS_URL needs OIDC_ISSUER_URL",
    );
    refuse(
        Settings {
            oidc_issuer_url: Some("http://login.stad.example/realms/ocmw".into()),
            ..test_settings()
        },
        "https://",
    );
}
