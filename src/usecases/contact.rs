//! Checks of contact data that partners, services and schools share.

use crate::domain::Email;
use crate::error::Checks;
use crate::i18n::Code;

/// An e-mail field that may be empty.
pub fn check_email(checks: &mut Checks, field: &str, v: &str) {
    if !v.trim().is_empty() && Email::parse(v).is_err() {
        checks.add(field, Code::InvalidEmail);
    }
}

/// A web address that may be empty; when given, an absolute http(s) URL.
pub fn check_web_url(checks: &mut Checks, field: &str, v: &str) {
    let v = v.trim();
    if v.is_empty() {
        return;
    }
    let lower = v.to_ascii_lowercase();
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    if !http || !validator::ValidateUrl::validate_url(&v) || v.contains(char::is_whitespace) {
        checks.add(field, Code::WebUrl);
    }
}
