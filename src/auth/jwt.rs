//! Bearer tokens: HS256 tokens we issue, and optionally RS256 tokens of the city's identity
//! provider (mapped to a local user by e-mail).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::domain::Role;

/// The claims of a token we issue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
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
    },
    Idp {
        email: String,
    },
}

pub struct IdpKey {
    pub key: DecodingKey,
    pub issuer: String,
}

pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    local: Validation,
    idp: Option<(DecodingKey, Validation)>,
    issuer: String,
    audience: String,
    pub ttl_seconds: i64,
}

/// Clock skew tolerated between us and the identity provider.
const LEEWAY_SECONDS: u64 = 5;

fn validation(alg: Algorithm, issuer: &str, audience: &str) -> Validation {
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
    ) -> Jwt {
        Jwt {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            local: validation(Algorithm::HS256, issuer, audience),
            idp: idp.map(|k| (k.key, validation(Algorithm::RS256, &k.issuer, audience))),
            issuer: issuer.into(),
            audience: audience.into(),
            ttl_seconds,
        }
    }

    pub fn issue(&self, user_id: &str, role: Role, school: Option<&str>) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.into(),
            role: role.as_str().into(),
            school: school.map(Into::into),
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Checks signature, algorithm, issuer, audience and validity window. The key is picked by
    /// the algorithm the token claims, and each key accepts only its own algorithm, so an
    /// RS256 public key can never be used as an HS256 secret.
    pub fn verify(&self, token: &str) -> Result<TokenSubject, String> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
        match header.alg {
            Algorithm::HS256 => {
                let data = decode::<Claims>(token, &self.decoding, &self.local)
                    .map_err(|e| format!("invalid token: {e}"))?;
                let c = data.claims;
                Ok(TokenSubject::Local {
                    user_id: c.sub,
                    role: c.role,
                    school: c.school,
                })
            }
            Algorithm::RS256 => match &self.idp {
                Some((key, validation)) => {
                    let data = decode::<IdpClaims>(token, key, validation)
                        .map_err(|e| format!("invalid identity-provider token: {e}"))?;
                    Ok(TokenSubject::Idp {
                        email: data.claims.email,
                    })
                }
                None => {
                    Err("RS256 tokens are not accepted (no identity provider configured)".into())
                }
            },
            other => Err(format!("algorithm {other:?} is not accepted")),
        }
    }
}
