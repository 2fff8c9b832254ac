//! Checking a school's submission against its version before it is stored: answers complete,
//! pseudonyms that are not names.

use std::collections::HashSet;

use chrono::{Datelike, Utc};

use crate::api::common::Checks;
use crate::db::DbConn;
use crate::db::checklists::{self as repo, AnswerRow};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;

use super::types::*;

// ---------------------------------------------------------------------------------------------
// Checking a submission
// ---------------------------------------------------------------------------------------------

/// Whether a label looks like a pupil's full name (two or more capitalised words, nothing but
/// letters): the API keeps names out, the school chooses a pseudonym.
pub fn looks_like_full_name(label: &str) -> bool {
    let words: Vec<&str> = label.split_whitespace().collect();
    let name_like = |w: &&str| {
        w.chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
    };
    let capitalised = |w: &&&str| {
        let mut cs = w.chars();
        matches!((cs.next(), cs.next()), (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase())
    };
    words.len() >= 2 && words.iter().all(name_like) && words.iter().filter(capitalised).count() >= 2
}

/// Checks a submission against its version; returns the version id and the answer rows.
pub(super) fn check_submission(
    conn: &mut DbConn,
    b: &NewSubmission,
    submission_id: &str,
) -> ApiResult<(String, Vec<AnswerRow>)> {
    let mut checks = Checks::default();
    let pseudonym = b.pupil_pseudonym.trim();
    if pseudonym.is_empty() {
        checks.add("pupil_pseudonym", Code::Blank);
    } else if pseudonym.contains('@') || looks_like_full_name(pseudonym) {
        checks.add("pupil_pseudonym", Code::PseudonymLooksLikeName);
    }
    let year = Utc::now().year();
    checks.check(
        (year - 21..=year - 2).contains(&b.birth_year),
        "birth_year",
        crate::msg!(BirthYearSchoolAge, min = year - 21, max = year - 2),
    );
    checks.check(!b.class_name.trim().is_empty(), "class_name", Code::Blank);

    let version = match b.version_id {
        Some(id) => match crate::db::optional(repo::find_version(conn, &id.to_string()))? {
            Some(v) if v.status == repo::PUBLISHED => Some(v),
            _ => {
                checks.add("version_id", Code::NoPublishedVersionWithId);
                None
            }
        },
        None => match crate::db::optional(repo::current_version(conn, None))? {
            Some(v) => Some(v),
            None => {
                return Err(ApiError::conflict(Code::NoPublishedChecklist));
            }
        },
    };
    let mut rows = Vec::new();
    if let Some(v) = version.as_ref() {
        let items = repo::items_of(conn, std::slice::from_ref(&v.id))?;
        let known: HashSet<&str> = items.iter().map(|i| i.code.as_str()).collect();
        let mut seen = HashSet::new();
        for (i, a) in b.answers.iter().enumerate() {
            let code = a.code.trim();
            if !known.contains(code) {
                checks.add(
                    &format!("answers[{i}].code"),
                    crate::msg!(VersionHasNoItem, number = v.number, code = code),
                );
            } else if !seen.insert(code.to_string()) {
                checks.add(
                    &format!("answers[{i}].code"),
                    crate::msg!(ItemAnsweredTwice, code = code),
                );
            } else {
                rows.push(AnswerRow {
                    submission_id: submission_id.to_string(),
                    item_code: code.to_string(),
                    answer: a.answer.as_str().to_string(),
                    remark: a
                        .remark
                        .as_deref()
                        .map(str::trim)
                        .filter(|r| !r.is_empty())
                        .map(String::from),
                });
            }
        }
        for item in &items {
            if !seen.contains(&item.code) {
                checks.add("answers", crate::msg!(ItemNotAnswered, code = &item.code));
            }
        }
    }
    checks.finish()?;
    let version_id = version.map(|v| v.id).unwrap_or_default();
    Ok((version_id, rows))
}

#[cfg(test)]
mod tests {
    use super::looks_like_full_name;

    #[test]
    fn full_names_are_told_from_pseudonyms() {
        for name in [
            "Jan Janssens",
            "Noah Peeters",
            "Jan van den Broeck",
            "Fatima El-Amrani",
        ] {
            assert!(looks_like_full_name(name), "{name}");
        }
        for label in [
            "L5B-03",
            "Leerling 5B",
            "Kind A",
            "J.V.",
            "Mo",
            "blauwe vis",
            "JJ 4A",
            "Lln 12",
        ] {
            assert!(!looks_like_full_name(label), "{label}");
        }
    }
}
