//! Guessing secrets, slowed down without locking anyone out (OWASP Authentication Cheat Sheet):
//! failed attempts at a secret (a login, the current password when changing it) are counted
//!
//! - per subject (an account) **from one client**: past `LOGIN_MAX_FAILURES_PER_ACCOUNT`, that
//!   client waits for the window to end;
//! - per **client** over all subjects: past `LOGIN_MAX_FAILURES_PER_ADDRESS`, it waits;
//! - per subject **from all clients**: past `LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_CLIENTS`, a
//!   client that has failed on the subject once waits, while one that has not may still try.
//!
//! So an attacker gets a handful of guesses per client, and the owner with the right password
//! on a client that has not failed is never locked out. Counters live in the database, shared
//! by every instance; keys are hashes, so the table holds no e-mail, user id or address.

use crate::config::Settings;
use crate::db::{DbConn, login_throttle};
use crate::error::{ApiError, ApiResult};

/// The counters one attempt is counted on.
pub struct Attempt {
    pair: String,
    client: String,
    subject: String,
}

fn key(kind: &str, value: &str) -> String {
    crate::domain::sha256_hex(format!("{kind}\0{value}").as_bytes())
}

fn limit(n: u32) -> i32 {
    n.min(i32::MAX as u32) as i32
}

impl Attempt {
    /// An attempt at `subject` (of kind `kind`: `account` for logins by e-mail,
    /// `password-change` for a user id) from `client`.
    pub fn new(kind: &str, subject: &str, client: &str) -> Attempt {
        Attempt {
            pair: key(&format!("{kind}-from"), &format!("{subject}\0{client}")),
            // Every kind of guessing counts against the one budget of a client.
            client: key("address", client),
            subject: key(kind, subject),
        }
    }

    /// Counts the attempt before the secret is checked, or refuses it with 429 and
    /// `Retry-After`. Call before verifying, give back with `succeeded`.
    pub fn reserve(&self, conn: &mut DbConn, settings: &Settings) -> ApiResult<()> {
        use login_throttle::{Enforce, Limit};
        let window =
            chrono::Duration::seconds(settings.login_window_seconds.clamp(1, 86_400 * 365) as i64);
        let limits = [
            Limit {
                key: &self.pair,
                max_failures: limit(settings.login_max_failures_per_account),
                enforce: Enforce::Always,
            },
            Limit {
                key: &self.client,
                max_failures: limit(settings.login_max_failures_per_address),
                enforce: Enforce::Always,
            },
            Limit {
                key: &self.subject,
                max_failures: limit(settings.login_max_failures_per_account_all_clients),
                enforce: Enforce::IfFailed(&self.pair),
            },
        ];
        match login_throttle::reserve(conn, &limits, window) {
            Ok(()) => Ok(()),
            Err(login_throttle::Refusal::Throttled(seconds)) => {
                log::warn!("attempt refused: too many failed attempts (retry in {seconds} s)");
                Err(ApiError::TooManyRequests {
                    retry_after_seconds: seconds,
                })
            }
            Err(login_throttle::Refusal::Db(e)) => Err(e.into()),
        }
    }

    /// The secret was right: this client starts afresh on the subject; the client's and the
    /// subject's other failures stay.
    pub fn succeeded(&self, conn: &mut DbConn) -> ApiResult<()> {
        login_throttle::succeeded(conn, &[&self.pair], &[&self.client, &self.subject])?;
        Ok(())
    }
}
