//! Text that the network or the statistics see (agenda items, minutes, action points, notes on
//! held sessions) must not identify a family: it may not quote a case reference, nor the
//! pseudonym of a pupil with a case at the school concerned.

use crate::db::{DbConn, cases};
use crate::error::ApiResult;
use crate::error::Checks;

/// Whether `text` contains a case reference shaped like `KE-2026-00042` (any case's).
fn quotes_case_reference(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    (0..b.len()).any(|i| {
        b.len() >= i + 13
            && b[i..i + 3].eq_ignore_ascii_case(b"KE-")
            && digits(&b[i + 3..i + 7])
            && b[i + 7] == b'-'
            && digits(&b[i + 8..i + 13])
    })
}

/// Whether `needle` occurs in `text` as a whole word (case-insensitive; letters and digits on
/// either side make it part of another word).
fn quotes_word(text: &str, needle: &str) -> bool {
    let (t, n) = (text.to_lowercase(), needle.trim().to_lowercase());
    if n.chars().count() < 2 {
        return false;
    }
    let mut start = 0;
    while let Some(pos) = t[start..].find(&n) {
        let at = start + pos;
        let before = t[..at].chars().next_back();
        let after = t[at + n.len()..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        start = at + n.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Refuses text (naming `field`) that quotes a case reference, or the pupil pseudonym of a
/// case of one of `school_ids`. The message never repeats what it found.
pub fn check_anonymous(
    conn: &mut DbConn,
    checks: &mut Checks,
    field: &str,
    text: &str,
    school_ids: &[String],
) -> ApiResult<()> {
    if text.trim().is_empty() {
        return Ok(());
    }
    if quotes_case_reference(text) {
        checks.add(
            field,
            "must be anonymous: it quotes a case reference (KE-YYYY-NNNNN)",
        );
        return Ok(());
    }
    let pseudonyms = cases::pseudonyms_of_schools(conn, school_ids)?;
    if pseudonyms.iter().any(|p| quotes_word(text, p)) {
        checks.add(
            field,
            "must be anonymous: it quotes the pseudonym of a pupil with a case at the school",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_references_are_recognised_anywhere() {
        assert!(quotes_case_reference("zie KE-2026-00042."));
        assert!(quotes_case_reference("ke-2025-12345"));
        assert!(!quotes_case_reference("KE-2026-0004"));
        assert!(!quotes_case_reference("kosten €"));
    }

    #[test]
    fn pseudonyms_match_as_whole_words() {
        assert!(quotes_word("Leerling 4B-07 komt zonder lunch", "4b-07"));
        assert!(!quotes_word("klas 4B-071", "4B-07"));
        assert!(!quotes_word("Emma's broer", "mma"));
        assert!(quotes_word("Sam.", "sam"));
    }
}
