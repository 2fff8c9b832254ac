//! The city's identity provider over OpenID Connect: its signing keys, found by discovery
//! (`<issuer>/.well-known/openid-configuration` → `jwks_uri`) or at a configured JWKS URL,
//! kept in memory and fetched again on an interval and when a token names a key we do not hold
//! (at most once per `OIDC_JWKS_MIN_REFRESH_SECONDS`). A failed fetch keeps the keys we have,
//! so a provider that is down stops no token its cached keys verify.
//!
//! Only RS256 and ES256 keys meant for signatures are taken, and a token is verified with a
//! key of exactly the algorithm it names: no symmetric key from a JWKS, no algorithm switch.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use crate::metrics::Metrics;

/// Where the provider is and how its tokens are checked.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// The exact `iss` of its tokens; discovery is read below it.
    pub issuer: String,
    /// The JWKS, when given: no discovery.
    pub jwks_url: Option<String>,
    pub audience: String,
    /// The claim that carries the e-mail address of our user.
    pub email_claim: String,
    pub refresh_every: Duration,
    pub min_refresh: Duration,
    pub timeout: Duration,
}

struct CachedKey {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

/// Why a token of the provider was refused.
#[derive(Debug, PartialEq)]
pub enum OidcError {
    /// No cached key of the token's `kid` and algorithm: worth fetching the keys again.
    UnknownKey,
    Invalid(String),
}

pub struct Provider {
    config: OidcConfig,
    agent: ureq::Agent,
    keys: RwLock<Vec<CachedKey>>,
    /// Held (on a blocking thread) while fetching: one fetch at a time.
    fetching: Mutex<()>,
    /// When a fetch was last tried; locked only to read or write it.
    last_attempt: Mutex<Option<Instant>>,
    /// Requests that meet an unknown key queue here, without holding a thread, so they all
    /// share the one fetch under way.
    unknown_key_turn: tokio::sync::Mutex<()>,
    metrics: Arc<Metrics>,
}

/// http:// is accepted only for a loopback host (a local proxy, the test suite); a provider's
/// keys over plain HTTP elsewhere could be swapped on the way.
fn check_url(name: &str, url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{name} `{url}` is not a URL: {e}"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "{name} must be an https:// URL (http:// only on a loopback address): `{url}`"
        )),
    }
}

/// The algorithm a key is for: its own `alg`, else what its type and curve imply. `None` for
/// anything but RS256 and ES256 signature keys.
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(implied),
        Some(KeyAlgorithm::RS256) if implied == Algorithm::RS256 => Some(implied),
        Some(KeyAlgorithm::ES256) if implied == Algorithm::ES256 => Some(implied),
        Some(_) => None,
    }
}

fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

impl Provider {
    pub fn new(config: OidcConfig, metrics: Arc<Metrics>) -> Result<Provider, String> {
        check_url("OIDC_ISSUER_URL", &config.issuer)?;
        if let Some(j) = &config.jwks_url {
            check_url("OIDC_JWKS_URL", j)?;
        }
        if config.email_claim.trim().is_empty() {
            return Err("OIDC_EMAIL_CLAIM must name a claim".into());
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout))
            .max_redirects(3)
            .user_agent("kinderen-eerst-oidc/1")
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .provider(ureq::tls::TlsProvider::Rustls)
                    .unversioned_rustls_crypto_provider(Arc::new(
                        rustls::crypto::aws_lc_rs::default_provider(),
                    ))
                    .build(),
            )
            .build()
            .into();
        Ok(Provider {
            config,
            agent,
            keys: RwLock::new(Vec::new()),
            fetching: Mutex::new(()),
            last_attempt: Mutex::new(None),
            unknown_key_turn: tokio::sync::Mutex::new(()),
            metrics,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    pub fn refresh_every(&self) -> Duration {
        self.config.refresh_every
    }

    fn get_json(&self, url: &str) -> Result<Value, String> {
        let mut res = self
            .agent
            .get(url)
            .header("accept", "application/json")
            .call()
            .map_err(|e| format!("GET {url}: {e}"))?;
        let status = res.status().as_u16();
        if status != 200 {
            return Err(format!("GET {url}: HTTP {status}"));
        }
        res.body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_json()
            .map_err(|e| format!("GET {url}: not JSON: {e}"))
    }

    /// Discovery, when no JWKS URL is configured: the JWKS URL and the algorithms the
    /// provider signs with. Its `issuer` must be ours (OpenID Connect Discovery §4.3).
    fn discover(&self) -> Result<(String, Option<Vec<String>>), String> {
        if let Some(j) = &self.config.jwks_url {
            return Ok((j.clone(), None));
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let doc = self.get_json(&url)?;
        let issuer = doc["issuer"].as_str().unwrap_or_default();
        if !same_issuer(issuer, &self.config.issuer) {
            return Err(format!(
                "the discovery document names issuer `{issuer}`, not `{}`",
                self.config.issuer
            ));
        }
        let jwks = doc["jwks_uri"]
            .as_str()
            .ok_or("the discovery document has no jwks_uri")?
            .to_string();
        check_url("jwks_uri", &jwks)?;
        let algs = doc["id_token_signing_alg_values_supported"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            });
        Ok((jwks, algs))
    }

    fn fetch(&self) -> Result<Vec<CachedKey>, String> {
        let (jwks_url, stated) = self.discover()?;
        let set = self.get_json(&jwks_url)?;
        let entries = set["keys"]
            .as_array()
            .ok_or_else(|| format!("{jwks_url} holds no `keys`"))?;
        let mut keys = Vec::new();
        // One key of a kind we do not know does not spoil the others.
        for entry in entries {
            let Ok(jwk) = serde_json::from_value::<Jwk>(entry.clone()) else {
                continue;
            };
            let Some(alg) = algorithm_of(&jwk) else {
                continue;
            };
            if let Some(stated) = &stated
                && !stated.iter().any(|s| *s == format!("{alg:?}"))
            {
                continue;
            }
            match DecodingKey::from_jwk(&jwk) {
                Ok(key) => keys.push(CachedKey {
                    kid: jwk.common.key_id.clone(),
                    alg,
                    key,
                }),
                Err(e) => log::warn!(
                    "identity provider key {:?} is unusable: {e}",
                    jwk.common.key_id
                ),
            }
        }
        if keys.is_empty() {
            return Err(format!("{jwks_url} holds no RS256 or ES256 signing key"));
        }
        Ok(keys)
    }

    /// Fetches the keys now (blocking) and replaces the cache; on failure the cache stays.
    pub fn refresh(&self, reason: &str) -> Result<usize, String> {
        let _one_at_a_time = self.fetching.lock().unwrap_or_else(|p| p.into_inner());
        *self.last_attempt.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        match self.fetch() {
            Ok(keys) => {
                let n = keys.len();
                let kids: Vec<String> = keys
                    .iter()
                    .map(|k| k.kid.clone().unwrap_or_else(|| "(no kid)".into()))
                    .collect();
                *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
                self.metrics.oidc_keys.set(n as i64);
                self.metrics
                    .oidc_refreshes
                    .with_label_values(&[reason, "ok"])
                    .inc();
                log::info!(
                    "identity provider keys fetched ({reason}): {}",
                    kids.join(", ")
                );
                Ok(n)
            }
            Err(why) => {
                self.metrics
                    .oidc_refreshes
                    .with_label_values(&[reason, "failed"])
                    .inc();
                log::warn!(
                    "identity provider keys could not be fetched ({reason}); keeping the {} cached: {why}",
                    self.keys.read().map(|k| k.len()).unwrap_or(0)
                );
                Err(why)
            }
        }
    }

    /// A token named a key we do not hold: fetch again, unless a fetch was tried less than
    /// `min_refresh` ago (a flood of made-up `kid`s costs the provider one fetch per interval).
    /// Requests that arrive meanwhile wait for the fetch under way, without holding a thread,
    /// and share it. Call from the request's task.
    pub async fn refresh_for_unknown_key(self: &Arc<Self>) {
        let _turn = self.unknown_key_turn.lock().await;
        let recently = self
            .last_attempt
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|t| t.elapsed() < self.config.min_refresh);
        if recently {
            return;
        }
        let me = self.clone();
        let _ = actix_web::web::block(move || me.refresh("unknown_kid")).await;
    }

    /// Verifies a token of this provider; its e-mail claim, lower-cased.
    pub fn verify(&self, token: &str, header: &jsonwebtoken::Header) -> Result<String, OidcError> {
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(OidcError::Invalid(format!(
                "algorithm {:?} is not accepted from the identity provider",
                header.alg
            )));
        }
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let candidates: Vec<&CachedKey> = keys
            .iter()
            .filter(|k| k.alg == header.alg)
            .filter(|k| match &header.kid {
                Some(kid) => k.kid.as_deref() == Some(kid.as_str()),
                None => true,
            })
            .collect();
        if candidates.is_empty() {
            return Err(OidcError::UnknownKey);
        }
        let validation =
            super::jwt::validation(header.alg, &self.config.issuer, &self.config.audience);
        let mut last = String::new();
        for k in candidates {
            match jsonwebtoken::decode::<serde_json::Map<String, Value>>(token, &k.key, &validation)
            {
                Ok(data) => return self.email_of(&data.claims),
                Err(e) => last = e.to_string(),
            }
        }
        Err(OidcError::Invalid(format!(
            "invalid identity-provider token: {last}"
        )))
    }

    fn email_of(&self, claims: &serde_json::Map<String, Value>) -> Result<String, OidcError> {
        // A provider that says the address is unverified does not vouch for it.
        if claims.get("email_verified") == Some(&Value::Bool(false)) {
            return Err(OidcError::Invalid(
                "the identity provider has not verified the e-mail address".into(),
            ));
        }
        claims
            .get(&self.config.email_claim)
            .and_then(Value::as_str)
            .map(|e| e.trim().to_lowercase())
            .filter(|e| e.contains('@'))
            .ok_or_else(|| {
                OidcError::Invalid(format!(
                    "the token carries no e-mail address in claim `{}`",
                    self.config.email_claim
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(v: serde_json::Value) -> Jwk {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn only_rs256_and_es256_signature_keys_are_taken() {
        let n = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";
        let rsa = |extra: serde_json::Value| {
            let mut v = serde_json::json!({"kty": "RSA", "n": n, "e": "AQAB", "kid": "r"});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            jwk(v)
        };
        assert_eq!(
            algorithm_of(&rsa(serde_json::json!({}))),
            Some(Algorithm::RS256)
        );
        assert_eq!(
            algorithm_of(&rsa(serde_json::json!({"alg": "RS256", "use": "sig"}))),
            Some(Algorithm::RS256)
        );
        assert_eq!(algorithm_of(&rsa(serde_json::json!({"use": "enc"}))), None);
        assert_eq!(
            algorithm_of(&rsa(serde_json::json!({"alg": "PS256"}))),
            None
        );
        // An RSA key claiming an EC algorithm, a symmetric key: never.
        assert_eq!(
            algorithm_of(&rsa(serde_json::json!({"alg": "ES256"}))),
            None
        );
        assert_eq!(
            algorithm_of(&jwk(
                serde_json::json!({"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"})
            )),
            None
        );
    }

    #[test]
    fn provider_urls_are_https_or_loopback() {
        assert!(check_url("X", "https://login.stad.example/realms/ocmw").is_ok());
        assert!(check_url("X", "http://127.0.0.1:8081").is_ok());
        assert!(check_url("X", "http://localhost:8081").is_ok());
        assert!(check_url("X", "http://login.stad.example").is_err());
        assert!(check_url("X", "ftp://127.0.0.1").is_err());
    }
}
