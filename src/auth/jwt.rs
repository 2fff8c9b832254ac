//! Bearer tokens: HS256 tokens we issue, and optionally tokens of the city's identity provider
//! (mapped to a local user by e-mail): RS256 with a static key file, and RS256 or ES256 with the
//! keys its OpenID Connect discovery publishes (`oidc`).

use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use super::oidc::{OidcError, Provider};

use crate::domain::Role;

/// The claims of a token we issue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    /// For `partner` accounts: the partner organisation they act for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// The account's credentials version when the token was issued: a password change, a reset,
    /// a deactivation raise it, and older tokens stop working.
    #[serde(default)]
    pub cv: i32,
}

#[derive(Debug, Deserialize)]
struct IdpClaims {
    email: String,
}

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenSubject {
    Local {
        user_id: String,
        role: String,
        school: Option<String>,
        partner: Option<String>,
        credentials_version: i32,
    },
    Idp {
        email: String,
    },
}

pub struct IdpKey {
    pub key: DecodingKey,
    pub issuer: String,
}

/// Why a token was refused.
#[derive(Debug, PartialEq)]
pub enum TokenError {
    /// The identity provider's token names a key not in our cache: fetching its keys again
    /// (`Provider::refresh_for_unknown_key`) may help.
    UnknownKey,
    Invalid(String),
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::UnknownKey => {
                f.write_str("signed with a key the identity provider has not published (to us) yet")
            }
            TokenError::Invalid(why) => f.write_str(why),
        }
    }
}

pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    local: Validation,
    idp: Option<(DecodingKey, Validation)>,
    oidc: Option<Arc<Provider>>,
    issuer: String,
    audience: String,
    pub ttl_seconds: i64,
}

/// How to make a good secret, for every refusal.
const HOW_TO_GENERATE: &str = "generate one with `openssl rand -hex 32` (or `head -c 32 /dev/urandom | base64`) and give every instance the same";

/// Words of the placeholders that sample configurations ship with.
const PLACEHOLDERS: &[&str] = &[
    "change-me",
    "changeme",
    "change_me",
    "change this",
    "changethis",
    "replace-me",
    "replaceme",
    "placeholder",
    "your-secret",
    "your_secret",
    "yoursecret",
    "example",
    "default",
    "insecure",
];

/// The least zxcvbn guesses (as log10) a signing secret must need: zxcvbn counts in a u64, so
/// 10^18 is close to the most it reports; a random 32-byte secret in hex or base64 is far above
/// it, a repeated word, a sequence or a sentence far below.
const MIN_SECRET_GUESSES_LOG10: f64 = 18.0;

/// Refuses signing secrets anyone could guess: shorter than 32 bytes, a known placeholder, or
/// of low entropy (zxcvbn finds repeats, sequences, words, keyboard walks: 32 zero bytes, `aaaa…`,
/// `0123…`, `change-me-change-me-…`). The answer says how to generate a good one.
pub fn check_secret(name: &str, secret: &str) -> Result<(), String> {
    if secret.len() < 32 {
        return Err(format!(
            "{name} must be at least 32 bytes long; {HOW_TO_GENERATE}"
        ));
    }
    let lower = secret.to_lowercase();
    if let Some(p) = PLACEHOLDERS.iter().find(|p| lower.contains(**p)) {
        return Err(format!(
            "{name} is a placeholder (it contains `{p}`), which anyone can read in sample configurations; {HOW_TO_GENERATE}"
        ));
    }
    // zxcvbn's matching grows fast with length; the first 64 characters tell enough.
    let head: String = secret.chars().take(64).collect();
    let estimate = zxcvbn::zxcvbn(&head, &[]);
    if estimate.guesses_log10() < MIN_SECRET_GUESSES_LOG10 {
        return Err(format!(
            "{name} is too easy to guess (about 10^{:.0} guesses: repeats, sequences or words); {HOW_TO_GENERATE}",
            estimate.guesses_log10()
        ));
    }
    Ok(())
}

/// Clock skew tolerated between us and the identity provider.
const LEEWAY_SECONDS: u64 = 5;

pub(crate) fn validation(alg: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut v = Validation::new(alg);
    v.set_issuer(&[issuer]);
    v.set_audience(&[audience]);
    v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    v.validate_nbf = true;
    v.leeway = LEEWAY_SECONDS;
    v
}

impl Jwt {
    pub fn new(
        secret: &[u8],
        issuer: &str,
        audience: &str,
        ttl_seconds: i64,
        idp: Option<IdpKey>,
        oidc: Option<Arc<Provider>>,
    ) -> Jwt {
        Jwt {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            local: validation(Algorithm::HS256, issuer, audience),
            idp: idp.map(|k| (k.key, validation(Algorithm::RS256, &k.issuer, audience))),
            oidc,
            issuer: issuer.into(),
            audience: audience.into(),
            ttl_seconds,
        }
    }

    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        school: Option<&str>,
        partner: Option<&str>,
        credentials_version: i32,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.into(),
            role: role.as_str().into(),
            school: school.map(Into::into),
            partner: partner.map(Into::into),
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: uuid::Uuid::new_v4().to_string(),
            cv: credentials_version,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The OpenID Connect provider, when one is configured.
    pub fn oidc(&self) -> Option<&Arc<Provider>> {
        self.oidc.as_ref()
    }

    /// Checks signature, algorithm, issuer, audience and validity window. The key is picked by
    /// the algorithm the token claims (and, for the identity provider, its issuer and `kid`),
    /// and each key accepts only its own algorithm, so a public key can never be used as an
    /// HS256 secret.
    pub fn verify(&self, token: &str) -> Result<TokenSubject, TokenError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| TokenError::Invalid(format!("malformed token: {e}")))?;
        match header.alg {
            Algorithm::HS256 => {
                let data = decode::<Claims>(token, &self.decoding, &self.local)
                    .map_err(|e| TokenError::Invalid(format!("invalid token: {e}")))?;
                let c = data.claims;
                Ok(TokenSubject::Local {
                    user_id: c.sub,
                    role: c.role,
                    school: c.school,
                    partner: c.partner,
                    credentials_version: c.cv,
                })
            }
            Algorithm::RS256 | Algorithm::ES256 => {
                // The issuer the token names (unverified) only chooses which keys to try; the
                // check of those keys' validation includes `iss` again.
                if let Some(oidc) = &self.oidc
                    && unverified_issuer(token).is_some_and(|iss| iss == oidc.issuer())
                {
                    return oidc
                        .verify(token, &header)
                        .map(|email| TokenSubject::Idp { email })
                        .map_err(|e| match e {
                            OidcError::UnknownKey => TokenError::UnknownKey,
                            OidcError::Invalid(why) => TokenError::Invalid(why),
                        });
                }
                match (&self.idp, header.alg) {
                    (Some((key, validation)), Algorithm::RS256) => {
                        let data = decode::<IdpClaims>(token, key, validation).map_err(|e| {
                            TokenError::Invalid(format!("invalid identity-provider token: {e}"))
                        })?;
                        Ok(TokenSubject::Idp {
                            email: data.claims.email,
                        })
                    }
                    _ => Err(TokenError::Invalid(format!(
                        "{:?} tokens of this issuer are not accepted (no identity provider configured for it)",
                        header.alg
                    ))),
                }
            }
            other => Err(TokenError::Invalid(format!(
                "algorithm {other:?} is not accepted"
            ))),
        }
    }
}

/// The `iss` a token claims, read without checking anything.
fn unverified_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("iss")?.as_str().map(String::from)
}

#[cfg(test)]
mod tests {
    use super::check_secret;

    #[test]
    fn placeholders_and_low_entropy_secrets_are_refused_with_how_to_generate_one() {
        for bad in [
            "change-me-change-me-change-me-change-me",
            &"\0".repeat(32),
            &"a".repeat(64),
            "0123456789abcdef0123456789abcdef0123456789abcdef",
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
            "please-replace-me-with-a-long-random-string-now",
            "short",
        ] {
            let why = check_secret("JWT_SECRET", bad).expect_err(bad);
            assert!(why.contains("openssl rand"), "{why}");
        }
        for good in [
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "3q2+7wAAAAD1y0Fj6k3Q9mJzL8bX2cVtR0pWnHsY4uE=",
        ] {
            check_secret("JWT_SECRET", good).unwrap_or_else(|w| panic!("{good}: {w}"));
        }
        check_secret("JWT_SECRET", &crate::auth::password::random_secret()).unwrap();
    }
}
