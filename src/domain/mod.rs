//! Value types parsed once at the edge, so the rest of the code never re-checks them.

pub mod agenda;
pub mod case;
pub mod ical;
pub mod ids;
pub mod lifecycle;
pub mod presence;
pub mod referral;
pub mod screening;
pub mod social_map;
pub mod text;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

case::code_enum! {
    /// Who a user is in the programme; decides what the API lets them see and do.
    pub enum Role {
        /// The programme's coordinator at the OCMW.
        Coordinator = "coordinator",
        /// An OCMW social worker assigned to schools.
        SocialWorker = "social_worker",
        /// School staff (care coordinator, pupil counsellor), bound to one school.
        School = "school",
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s)
            .ok_or_else(|| format!("unknown role `{s}` (coordinator, social_worker, school)"))
    }
}

/// An e-mail address, trimmed and lower-cased, so lookups and uniqueness ignore case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let e = raw.trim().to_lowercase();
        if e.len() > 254 || !validator::ValidateEmail::validate_email(&e) {
            return Err("must be a valid e-mail address".into());
        }
        Ok(Email(e))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The rules a new password must meet; the reasons are shown to the user.
pub fn check_password_rules(password: &str, email: &str, display_name: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < 12 {
        return Err("must be at least 12 characters".into());
    }
    if chars > 256 {
        return Err("must be at most 256 characters".into());
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if lower == email.to_lowercase() || (local.len() >= 4 && lower.contains(&local)) {
        return Err("must not contain your e-mail address".into());
    }
    check_password_strength(password, email, display_name)
}

/// The least zxcvbn score a password must reach: 3, "safely unguessable" (about 10^8 to 10^10
/// guesses), which an online attacker throttled per account and client cannot reach.
pub const MIN_PASSWORD_SCORE: u8 = 3;

/// Refuses guessable passwords (repeats, sequences, keyboard walks, common words and names,
/// dates, the account's own e-mail and name) with zxcvbn's own reason.
fn check_password_strength(password: &str, email: &str, display_name: &str) -> Result<(), String> {
    // zxcvbn's matching grows fast with length; beyond 100 characters only the start is
    // estimated, and such a passphrase is strong enough on length alone.
    let head: String = password.chars().take(100).collect();
    let mut context: Vec<&str> = vec![email];
    context.extend(
        email
            .split(['@', '.', '-', '_', '+'])
            .filter(|p| p.len() >= 3),
    );
    context.extend(display_name.split_whitespace().filter(|p| p.len() >= 3));
    let estimate = zxcvbn::zxcvbn(&head, &context);
    if u8::from(estimate.score()) >= MIN_PASSWORD_SCORE {
        return Ok(());
    }
    let mut why = String::from("is too easy to guess");
    if let Some(feedback) = estimate.feedback() {
        if let Some(w) = feedback.warning() {
            why.push_str(&format!(": {w}"));
        }
        let tips: Vec<String> = feedback
            .suggestions()
            .iter()
            .map(|s| s.to_string())
            .collect();
        if !tips.is_empty() {
            why.push_str(&format!(" ({})", tips.join(" ")));
        }
    }
    Err(why)
}

/// Formats a stored UTC timestamp as RFC 3339 (`2026-11-24T09:30:00Z`).
pub fn utc(ts: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    ts.and_utc()
}

/// SHA-256 of `bytes`, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The event types, for webhook subscriptions (`*` subscribes to all).
pub const EVENT_TYPES: [&str; 12] = [
    "case.opened",
    "case.status_changed",
    "referral.sent",
    "referral.accepted",
    "referral.declined",
    "referral.in_progress",
    "referral.on_hold",
    "referral.completed",
    "referral.failed",
    "referral.cancelled",
    "audit.checkpoint",
    "*",
];
