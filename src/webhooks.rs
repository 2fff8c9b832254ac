//! The webhook delivery worker: a background task in every instance that claims due deliveries,
//! POSTs each event, signed, to its subscriber and records the result, retrying with exponential
//! backoff. Delivery state lives in the database only, so a restart resumes where it stopped
//! (same delivery ids) and several instances share the work without sending a delivery twice at
//! the same time (see `db::events::claim_due`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use chrono::Utc;
use uuid::Uuid;

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::api::events::event_of;
use crate::db::events::{self as repo, Attempt};
use crate::db::now;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::usecases::outbound;

/// Deliveries claimed per round.
const BATCH: i64 = 10;

/// `hex(HMAC-SHA256(secret, timestamp + "." + body))`: the `X-KE-Signature` value after `sha256=`.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    use aws_lc_rs::hmac;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp.as_bytes());
    ctx.update(b".");
    ctx.update(body);
    ctx.sign()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What the delivery log says of an attempt that got no HTTP answer, whatever the reason
/// (refused, reset, timeout, no such name, an address that is not public): the reason would
/// tell which ports are open where the service runs. The reason itself goes to the server log.
pub const NO_ANSWER: &str = "no HTTP answer from the receiver";

/// Resolves like ureq's default resolver, then keeps only the addresses the outbound policy
/// allows: the connection goes to an address checked at this moment, not to whatever the name
/// resolves to at registration or on a second lookup (DNS rebinding).
#[derive(Debug, Default)]
struct PublicOnly(DefaultResolver);

impl Resolver for PublicOnly {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let found = self.0.resolve(uri, config, timeout)?;
        let mut kept = self.0.empty();
        for addr in found.iter().filter(|a| outbound::is_public(a.ip())) {
            kept.push(*addr);
        }
        if kept.is_empty() {
            let all: Vec<String> = found.iter().map(|a| a.ip().to_string()).collect();
            return Err(ureq::Error::Other(
                format!(
                    "{} resolves to no public address ({}); refused",
                    uri.host().unwrap_or_default(),
                    all.join(", ")
                )
                .into(),
            ));
        }
        Ok(kept)
    }
}

/// The HTTP client: no redirects (a subscriber answers itself), no proxy from the environment (a
/// proxy would resolve the name itself, past the address check), a bounded time per attempt, TLS
/// through rustls on the aws-lc-rs provider with the webpki roots; public addresses only unless
/// `allow_private`.
fn client(timeout: Duration, allow_private: bool) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .build();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_global(Some(timeout))
        .user_agent("kinderen-eerst-webhooks/1")
        .tls_config(tls)
        .build();
    if allow_private {
        return config.into();
    }
    ureq::Agent::with_parts(config, DefaultConnector::default(), PublicOnly::default())
}

/// Starts the worker on the current actix runtime (call from inside it); it stops with it.
pub fn spawn(state: web::Data<AppState>) {
    if !state.settings.webhook_worker {
        return;
    }
    let worker = Uuid::new_v4().to_string();
    let agent = Arc::new(client(
        Duration::from_millis(state.settings.webhook_timeout_ms.max(1)),
        state.settings.webhook_allow_private_networks,
    ));
    let poll = Duration::from_millis(state.settings.webhook_poll_interval_ms.max(10));
    actix_web::rt::spawn(async move {
        loop {
            let (s, w, a) = (state.clone(), worker.clone(), agent.clone());
            match web::block(move || round(&s, &w, &a)).await {
                // A full batch: there may be more due right away.
                Ok(Ok(n)) if n as i64 >= BATCH => continue,
                Ok(Ok(_)) => {}
                Ok(Err(e)) => log::warn!("webhook delivery round failed: {e}"),
                Err(e) => log::error!("webhook delivery round panicked: {e}"),
            }
            actix_web::rt::time::sleep(poll).await;
        }
    });
}

/// One round: claim what is due, send each, record each result. Returns how many were claimed.
fn round(state: &AppState, worker: &str, agent: &ureq::Agent) -> ApiResult<usize> {
    let s = &state.settings;
    let mut conn = state.db.pool.get()?;
    let at = now();
    if !repo::any_due(&mut conn, at)? {
        return Ok(0);
    }
    // The lease outlasts one attempt, so no other instance takes a delivery while it is sent.
    let lease = at
        + chrono::Duration::milliseconds((s.webhook_timeout_ms + 5_000).min(i64::MAX as u64) as i64);
    let ids = repo::claim_due(&mut conn, worker, at, lease, BATCH)?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in &ids {
        claimed.push(repo::load_claimed(&mut conn, id)?);
    }
    // In stream order (UPDATE … RETURNING gives no order). Only first attempts keep it: a
    // delivery waiting for a retry does not hold back the ones after it.
    claimed.sort_by_key(|(d, _, _)| d.event_position);
    for (d, sub, e) in claimed {
        let id = &d.id;
        let event_type = e.event_type.clone();
        let mut event = event_of(e);
        // A partner's subscription gets the referral's ids and states only.
        if sub.partner_id.is_some() {
            event.data = crate::db::events::partner_payload(&event.data);
        }
        let body = serde_json::to_vec(&event).unwrap_or_default();
        let sent = send(agent, &sub.url, &sub.secret, &d.id, &event_type, &body);
        let attempts = d.attempts.max(0) as u32 + 1;
        let finished = now();
        let next = (attempts < s.webhook_max_attempts).then(|| {
            finished
                + chrono::Duration::from_std(s.webhook_backoff(attempts))
                    .unwrap_or(chrono::Duration::hours(1))
        });
        let result = match sent {
            Ok(code) if (200..300).contains(&code) => Attempt::Delivered {
                status_code: code as i32,
            },
            Ok(code) => Attempt::Failed {
                status_code: Some(code as i32),
                error: format!("the receiver answered HTTP {code}"),
                next,
            },
            Err(cause) => {
                log::warn!("webhook delivery {id} attempt {attempts}: no HTTP answer: {cause}");
                Attempt::Failed {
                    status_code: None,
                    error: NO_ANSWER.into(),
                    next,
                }
            }
        };
        state
            .db
            .metrics
            .webhook_attempts
            .with_label_values(&[match &result {
                Attempt::Delivered { .. } => "delivered",
                Attempt::Failed { .. } => "failed",
            }])
            .inc();
        if let Attempt::Failed { error, next, .. } = &result {
            log::info!(
                "webhook delivery {id} attempt {attempts} failed ({error}); {}",
                match next {
                    Some(n) => format!("next attempt at {n}"),
                    None => "giving up".into(),
                }
            );
        }
        repo::finish_attempt(&mut conn, id, worker, finished, result)?;
    }
    Ok(ids.len())
}

/// One attempt; the receiver's status code, or why there was none (for the server log only).
fn send(
    agent: &ureq::Agent,
    url: &str,
    secret: &str,
    delivery_id: &str,
    event_type: &str,
    body: &[u8],
) -> Result<u16, String> {
    let timestamp = Utc::now().timestamp().to_string();
    let req = ureq::http::Request::builder()
        .method("POST")
        .uri(url)
        .header("content-type", "application/json")
        .header("x-ke-delivery", delivery_id)
        .header("x-ke-event", event_type)
        .header("x-ke-timestamp", &timestamp)
        .header(
            "x-ke-signature",
            format!("sha256={}", signature(secret, &timestamp, body)),
        )
        .body(body.to_vec())
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let mut res = agent.run(req).map_err(|e| e.to_string())?;
    let code = res.status().as_u16();
    // Read (a little of) the answer so the connection closes cleanly; its content is ignored.
    let _ = res.body_mut().with_config().limit(64 * 1024).read_to_vec();
    Ok(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_is_hmac_sha256_over_timestamp_dot_body() {
        // Computed independently: python3 -c 'import hmac, hashlib;
        // print(hmac.new(b"Jefe", b"1700000000.{\"a\":1}", hashlib.sha256).hexdigest())'
        assert_eq!(
            super::signature("Jefe", "1700000000", br#"{"a":1}"#),
            "fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a"
        );
    }

    /// An https URL goes through rustls on the aws-lc-rs provider: against a peer that does not
    /// speak TLS it fails as an error to retry, it does not panic for want of a provider.
    #[test]
    fn https_receivers_use_rustls_and_fail_cleanly_without_tls() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                use std::io::Write;
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\n\r\n");
            }
        });
        let agent = super::client(std::time::Duration::from_secs(5), true);
        let r = super::send(&agent, &format!("https://{addr}/"), "s", "d", "t", b"{}");
        assert!(r.is_err(), "{r:?}");
    }
}
