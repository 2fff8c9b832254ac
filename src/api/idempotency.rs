//! `Idempotency-Key` on POST: a retry of a request that was answered gets the same answer
//! instead of creating twice — also when the retries race each other, and on any instance,
//! since the keys live in the database. The same key with a different request is 422. Keys are
//! per user and expire after 24 hours. A first request that fails on our side (5xx) releases
//! its key so the client can retry; one that never finished (its process killed, its database
//! gone) is released once `IDEMPOTENCY_STALE_SECONDS` old — unless it committed its write, which
//! the write's own transaction records, so a retry can never write twice.

use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};

use crate::auth::jwt::TokenSubject;
use crate::db::idempotency::{self as repo, Claim, KeyRow};
use crate::domain::sha256_hex;
use crate::error::ApiError;
use crate::i18n::Code;
use crate::i18n::Lang;
use crate::i18n::messages::language_of_title;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";

/// The longest key the service keeps (the document's `maxLength`).
pub const KEY_MAX_LEN: usize = 255;
/// A key is 1 to `KEY_MAX_LEN` visible ASCII characters, no spaces (the document's `pattern`).
pub const KEY_PATTERN: &str = "^[!-~]+$";

/// Whether `key` is a key the service accepts; `KEY_PATTERN` and `KEY_MAX_LEN` say the same.
pub fn key_is_valid(key: &str) -> bool {
    !key.is_empty() && key.len() <= KEY_MAX_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

/// How long a retry waits for a concurrent first request with the same key to finish.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(15);
/// Releasing a key after a failure is best effort: while the database is down it must not hold
/// a blocking thread, which other requests queue for, for a whole connect timeout. A key that
/// is not released is freed once stale (`IDEMPOTENCY_STALE_SECONDS`).
const RELEASE_WAIT: Duration = Duration::from_millis(250);

fn problem(req: ServiceRequest, e: ApiError) -> ServiceResponse<BoxBody> {
    let (req, _) = req.into_parts();
    ServiceResponse::new(req, e.error_response())
}

fn replay(row: &KeyRow) -> HttpResponse {
    let status = row
        .status
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    if let Some(v) = &row.content_type {
        res.insert_header((header::CONTENT_TYPE, v.clone()));
        // A kept problem is replayed in the language it was first written in; say which.
        if v.starts_with(crate::error::PROBLEM_CONTENT_TYPE) {
            let lang = row
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
                .and_then(|p| p["title"].as_str().and_then(language_of_title))
                .unwrap_or(Lang::Nl);
            res.insert_header((header::CONTENT_LANGUAGE, lang.tag()));
            res.insert_header((header::VARY, "Accept-Language"));
        }
    }
    if let Some(v) = &row.location {
        res.insert_header((header::LOCATION, v.clone()));
    }
    if let Some(v) = &row.etag {
        res.insert_header((header::ETAG, v.clone()));
    }
    res.insert_header(("idempotent-replayed", "true"));
    res.body(row.body.clone().unwrap_or_default())
}

fn header_str(res: &HttpResponse<impl MessageBody>, name: header::HeaderName) -> Option<String> {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

/// The caller's identity for scoping keys, from the bearer token alone (the handler still
/// authenticates the request fully). `None`: no valid token, so nothing to make idempotent.
fn caller(req: &ServiceRequest, state: &AppState) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    match state.jwt.verify(token.trim()).ok()? {
        TokenSubject::Local { user_id, .. } => Some(user_id),
        TokenSubject::Idp { email } => Some(format!("idp:{}", email.to_lowercase())),
    }
}

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_string));
    let (Some(key), true) = (key, req.method() == Method::POST) else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let key = match key {
        Ok(k) if key_is_valid(&k) => k,
        _ => {
            return Ok(problem(
                req,
                ApiError::field("Idempotency-Key", Code::IdempotencyKeyFormat),
            ));
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let Some(user_id) = caller(&req, &state) else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    // The body is read here (within the configured size limit) and handed on unchanged.
    let body = match req.extract::<web::Bytes>().await {
        Ok(b) => b,
        Err(e) => {
            return Ok(ServiceResponse::new(
                req.request().clone(),
                e.error_response(),
            ));
        }
    };
    req.set_payload(Payload::from(body.clone()));
    let mut fingerprint = format!("{} {}\n", req.method(), req.uri()).into_bytes();
    fingerprint.extend_from_slice(&body);
    let hash = sha256_hex(&fingerprint);

    let claim = {
        let (db, user_id, key, hash) =
            (state.db.clone(), user_id.clone(), key.clone(), hash.clone());
        let stale = chrono::Duration::seconds(
            state.settings.idempotency_stale_seconds.clamp(1, 86_400) as i64,
        );
        db.run(move |conn| Ok(repo::claim(conn, &user_id, &key, &hash, stale)?))
            .await
    };
    let (earlier, claimed_at) = match claim {
        Err(e) => return Ok(problem(req, e)),
        Ok(Claim::Earlier(row)) => (Some(row), None),
        Ok(Claim::First(at)) => (None, Some(at)),
    };
    if let Some(mut row) = earlier {
        if row.request_hash != hash {
            return Ok(problem(
                req,
                ApiError::field("Idempotency-Key", Code::IdempotencyKeyReused),
            ));
        }
        // A concurrent first request may still be running: wait for its answer.
        let started = Instant::now();
        let stale_at = chrono::Utc::now().naive_utc()
            - chrono::Duration::seconds(
                state.settings.idempotency_stale_seconds.clamp(1, 86_400) as i64
            );
        while row.status.is_none() || row.status == Some(repo::COMMITTED) {
            // A committed first request that is stale will never store its answer: say so now.
            let abandoned = row.status == Some(repo::COMMITTED) && row.created_at < stale_at;
            if abandoned || started.elapsed() > WAIT_FOR_FIRST {
                let detail = if row.status == Some(repo::COMMITTED) {
                    Code::IdempotencyAnswerLost
                } else {
                    Code::IdempotencyInProgress
                };
                return Ok(problem(req, ApiError::conflict(detail)));
            }
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
            let (db, u, k) = (state.db.clone(), user_id.clone(), key.clone());
            match db.run(move |conn| Ok(repo::find(conn, &u, &k)?)).await {
                Ok(Some(r)) => row = r,
                Ok(None) => {
                    return Ok(problem(
                        req,
                        ApiError::conflict(Code::IdempotencyFirstFailed),
                    ));
                }
                Err(e) => return Ok(problem(req, e)),
            }
        }
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(req, replay(&row)));
    }

    // The first request: answer it, then keep the answer (or let the key go on a 5xx).
    let held = repo::HeldClaim {
        user_id: user_id.clone(),
        key: key.clone(),
        claimed_at: claimed_at.expect("a first claim has its time"),
    };
    let res = repo::HELD.scope(held, next.call(req)).await?;
    let (http_req, res) = res.into_parts();
    let status = res.status();
    let content_type = header_str(&res, header::CONTENT_TYPE);
    let location = header_str(&res, header::LOCATION);
    let etag = header_str(&res, header::ETAG);
    let mut headers = res.headers().clone();
    let bytes = match actix_web::body::to_bytes(res.into_body()).await {
        Ok(b) => b,
        Err(_) => web::Bytes::new(),
    };
    let db = state.db.clone();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if status.is_server_error() {
        // Usually the database is what failed: the answer must not wait another connect
        // timeout for the release. If it cannot be done, the claim is freed once stale.
        actix_web::rt::spawn(async move {
            let (_, released) = db
                .run_within(RELEASE_WAIT, move |conn| {
                    Ok(repo::release(conn, &user_id, &key)?)
                })
                .await;
            if let Err(e) = released {
                log::warn!("cannot release an idempotency key after a failure: {e}");
            }
        });
    } else {
        let stored = db
            .run(move |conn| {
                let answer = repo::StoredAnswer {
                    status: status.as_u16() as i32,
                    content_type,
                    location,
                    etag,
                    body: text,
                };
                Ok(repo::finish(conn, &user_id, &key, answer)?)
            })
            .await;
        if let Err(e) = stored {
            log::warn!("cannot store the answer of an idempotent request: {e}");
        }
    }
    let mut rebuilt = HttpResponse::build(status);
    for (name, value) in headers.drain() {
        if let Some(name) = name {
            rebuilt.append_header((name, value));
        }
    }
    Ok(ServiceResponse::new(http_req, rebuilt.body(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_pattern_accepts_exactly_the_keys_the_service_accepts() {
        let pattern = regex::Regex::new(KEY_PATTERN).unwrap();
        for byte in 0u8..=255 {
            let key = (byte as char).to_string();
            assert_eq!(pattern.is_match(&key), key_is_valid(&key), "{byte:#04x}");
        }
        assert!(key_is_valid(&"k".repeat(KEY_MAX_LEN)));
        assert!(!key_is_valid(&"k".repeat(KEY_MAX_LEN + 1)));
    }
}
