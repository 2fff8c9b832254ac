//! The search parameters of `GET /fhir/r4/Task`: `owner`, `status`, `_lastUpdated`, `_count`
//! and our paging cursor. Unknown parameters are refused (422), not ignored: a client that
//! filters on something we do not support must not get every Task back.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime};
use uuid::Uuid;

use crate::domain::referral::ReferralStatus;
use crate::domain::text::{control_message, forbidden_control};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::i18n::Code;

pub const DEFAULT_COUNT: i64 = 50;
pub const MAX_COUNT: i64 = 200;
const PARAMS: &str = "owner, status, _lastUpdated, _count, _cursor";

/// The `owner` a search takes: `Organization/<id>` or the bare id (a UUID in its hyphenated form).
pub const OWNER_PATTERN: &str =
    "^(Organization/)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// The partner organisation an `owner` names (`OWNER_PATTERN`), or `None`.
pub fn owner_id(value: &str) -> Option<String> {
    static SHAPE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(OWNER_PATTERN).expect("a regex"));
    if !SHAPE.is_match(value) {
        return None;
    }
    let id = value.strip_prefix("Organization/").unwrap_or(value);
    Uuid::parse_str(id).ok().map(|u| u.to_string())
}

crate::text_pattern!(
    /// The schema of `owner` (`OWNER_PATTERN`).
    pub OwnerReference,
    OWNER_PATTERN,
    "`Organization/<id>` or the bare id of a partner organisation",
    example = "Organization/0193a1b2-0000-7000-8000-0000000000a1"
);

/// `status`: FHIR Task codes, comma separated, no spaces.
pub fn status_pattern() -> String {
    let codes = ReferralStatus::ALL
        .iter()
        .filter(|s| **s != ReferralStatus::Draft)
        .map(|s| s.fhir())
        .collect::<Vec<_>>()
        .join("|");
    format!("^({codes})(,({codes}))*$")
}

/// `_lastUpdated`: a prefix and a date (`YYYY-MM-DD`) or an RFC 3339 time with its zone.
pub const LAST_UPDATED_PATTERN: &str = "^(ge|gt|le|lt)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$";

/// `status_pattern` and `LAST_UPDATED_PATTERN`, compiled once.
static STATUS: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(&status_pattern()).expect("a regex"));
static LAST_UPDATED: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(LAST_UPDATED_PATTERN).expect("a regex"));

crate::text_pattern!(
    /// The schema of `status` (`status_pattern`).
    pub TaskStatusList,
    status_pattern(),
    "FHIR Task status codes, comma separated",
    example = "requested,in-progress"
);

crate::text_pattern!(
    /// The schema of `_lastUpdated` (`LAST_UPDATED_PATTERN`).
    pub LastUpdated,
    LAST_UPDATED_PATTERN,
    "A prefix (`ge`, `gt`, `le`, `lt`) and a date or an RFC 3339 time with its zone",
    example = "ge2026-12-01"
);

#[derive(Debug, Default)]
pub struct TaskSearch {
    /// A partner organisation's id.
    pub owner: Option<String>,
    /// Referral states (from FHIR Task codes); `None` is any.
    pub statuses: Option<Vec<ReferralStatus>>,
    pub updated_from: Option<NaiveDateTime>,
    pub updated_before: Option<NaiveDateTime>,
    pub count: i64,
    pub cursor: Option<String>,
}

/// The referral state of a FHIR Task status code; drafts are never Tasks.
pub fn status_of_code(code: &str) -> Option<ReferralStatus> {
    ReferralStatus::ALL
        .iter()
        .copied()
        .filter(|s| *s != ReferralStatus::Draft)
        .find(|s| s.fhir() == code)
}

pub fn task_codes() -> String {
    ReferralStatus::ALL
        .iter()
        .filter(|s| **s != ReferralStatus::Draft)
        .map(|s| s.fhir())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A date or date-time of `_lastUpdated`: the first instant it covers and the first after.
fn span(value: &str) -> Option<(NaiveDateTime, NaiveDateTime)> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = day.and_hms_opt(0, 0, 0)?;
        return Some((start, start + Duration::days(1)));
    }
    let at = DateTime::parse_from_rfc3339(value).ok()?.naive_utc();
    Some((at, at + Duration::microseconds(1)))
}

pub fn parse(query: &str) -> ApiResult<TaskSearch> {
    let mut s = TaskSearch {
        count: DEFAULT_COUNT,
        ..TaskSearch::default()
    };
    let mut errors = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(c) = forbidden_control(&name).or(forbidden_control(&value)) {
            errors.push(FieldError::new("query", control_message(c)));
            continue;
        }
        let value = value.into_owned();
        match name.as_ref() {
            "owner" => match owner_id(&value) {
                Some(id) => s.owner = Some(id),
                None => errors.push(FieldError::new("owner", Code::FhirOwnerInvalid)),
            },
            "status" if !STATUS.is_match(&value) => errors.push(FieldError::new(
                "status",
                crate::msg!(FhirTaskStatusUnknown, value = value, allowed = task_codes()),
            )),
            "_lastUpdated" if !LAST_UPDATED.is_match(&value) => {
                errors.push(FieldError::new("_lastUpdated", Code::FhirDateInvalid))
            }
            "status" => {
                let mut list = s.statuses.take().unwrap_or_default();
                for code in value.split(',') {
                    match status_of_code(code) {
                        Some(st) => list.push(st),
                        None => errors.push(FieldError::new(
                            "status",
                            crate::msg!(
                                FhirTaskStatusUnknown,
                                value = code,
                                allowed = task_codes()
                            ),
                        )),
                    }
                }
                s.statuses = Some(list);
            }
            "_lastUpdated" => {
                // The prefix is two ASCII letters; anything else (a multi-byte character there
                // too) is no prefix, and the whole value is refused below.
                let (prefix, rest) = match value.get(..2) {
                    Some(p) => (p, &value[2..]),
                    None => ("", value.as_str()),
                };
                match (prefix, span(rest)) {
                    ("ge", Some((start, _))) => s.updated_from = s.updated_from.max(Some(start)),
                    ("gt", Some((_, after))) => s.updated_from = s.updated_from.max(Some(after)),
                    ("lt", Some((start, _))) => {
                        s.updated_before = Some(s.updated_before.map_or(start, |b| b.min(start)))
                    }
                    ("le", Some((_, after))) => {
                        s.updated_before = Some(s.updated_before.map_or(after, |b| b.min(after)))
                    }
                    _ => errors.push(FieldError::new("_lastUpdated", Code::FhirDateInvalid)),
                }
            }
            "_count" => match value.parse::<i64>() {
                Ok(n) if (1..=MAX_COUNT).contains(&n) => s.count = n,
                _ => errors.push(FieldError::new(
                    "_count",
                    crate::msg!(RangeBetween, min = 1, max = MAX_COUNT),
                )),
            },
            "_cursor" => s.cursor = Some(value),
            other => errors.push(FieldError::new(
                other,
                crate::msg!(FhirSearchParamUnknown, allowed = PARAMS),
            )),
        }
    }
    if errors.is_empty() {
        Ok(s)
    } else {
        Err(ApiError::Validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_updated_prefixes_become_half_open_bounds() {
        let s = parse("_lastUpdated=gt2026-01-05&_lastUpdated=lt2026-02-01").unwrap();
        assert_eq!(s.updated_from.unwrap().to_string(), "2026-01-06 00:00:00");
        assert_eq!(s.updated_before.unwrap().to_string(), "2026-02-01 00:00:00");
        let s = parse("_lastUpdated=le2026-01-05T10:00:00%2B01:00").unwrap();
        assert_eq!(
            s.updated_before.unwrap().to_string(),
            "2026-01-05 09:00:00.000001"
        );
        assert!(parse("_lastUpdated=2026-01-05").is_err());
        assert!(parse("_lastUpdated=ge2026-13-01").is_err());
        // A multi-byte character where the prefix should be is refused, not a panic.
        assert!(parse("_lastUpdated=%F1%98%9B%B9%F1%9C%A4%A5").is_err());
        assert!(parse("_lastUpdated=g%C3%A9").is_err());
    }

    #[test]
    fn status_lists_and_owner_references_are_read_and_drafts_are_no_task_status() {
        let s = parse(
            "status=requested,in-progress&owner=Organization/0193a1b2-0000-7000-8000-0000000000a1",
        )
        .unwrap();
        assert_eq!(
            s.statuses.unwrap(),
            vec![ReferralStatus::Sent, ReferralStatus::InProgress]
        );
        assert_eq!(s.owner.unwrap(), "0193a1b2-0000-7000-8000-0000000000a1");
        assert!(parse("status=draft").is_err());
        assert!(parse("_count=0").is_err());
        assert!(parse("_sort=x").is_err());
    }
}
