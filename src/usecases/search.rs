//! Searching: words folded for case and accents, how well a service matches, and finding a
//! case by what is written on a letter (reference, pseudonym, family name).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Case- and accent-insensitive text for search: decomposed (NFD), without combining marks,
/// lower case (`Çelik` → `celik`, `Ñúñez` → `nunez`).
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether every search word starts a word of one of `fields` (folded; words are runs of
/// letters and digits): `dia` finds `Mevrouw Diallo`, `l5b-03` finds `L5B-03`.
pub fn prefix_match(words: &[String], fields: &[Option<&str>]) -> bool {
    if words.is_empty() {
        return false;
    }
    let field_words: Vec<String> = fields
        .iter()
        .flatten()
        .flat_map(|f| {
            fold(f)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect();
    // A search word is cut where a name is (`L5B-03` is `l5b` and `03`).
    let parts: Vec<&str> = words
        .iter()
        .flat_map(|w| w.split(|c: char| !c.is_alphanumeric()))
        .filter(|p| !p.is_empty())
        .collect();
    !parts.is_empty()
        && parts
            .iter()
            .all(|p| field_words.iter().any(|f| f.starts_with(p)))
}

/// The shape of a case reference where one is asked for (`?reference=`, `/cases/by-reference/…`),
/// as the document states it: `KE` (optional), the year, the number, with spaces or hyphens
/// between; case ignored. `reference` reads exactly these (a unit test holds them together).
pub const CASE_REFERENCE_PATTERN: &str = "^ *(?:[Kk][Ee][- ]*)?[0-9]{4}[- ]*[0-9]{1,6} *$";
/// The longest reference text read.
pub const CASE_REFERENCE_MAX_LEN: usize = 40;

/// A reference asked for by `CASE_REFERENCE_PATTERN`, as stored (`KE-2026-00042`); `None` when
/// `s` does not have that shape. (A number no case has, `KE-2026-00000` too, then finds nothing.)
pub fn reference(s: &str) -> Option<String> {
    static SHAPE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(CASE_REFERENCE_PATTERN).expect("a regex"));
    if s.len() > CASE_REFERENCE_MAX_LEN || !SHAPE.is_match(s) {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let (year, n) = digits.split_at(4);
    Some(format!("KE-{year}-{:05}", n.parse::<u32>().ok()?))
}

crate::text_pattern!(
    /// The schema of a reference asked for (`CASE_REFERENCE_PATTERN`).
    pub CaseReferenceText,
    CASE_REFERENCE_PATTERN,
    "A case reference in any spacing or case: `KE-2026-00042`, `ke 2026 42`, `KE202600042`",
    example = "KE-2026-00042",
    max_length = CASE_REFERENCE_MAX_LEN
);

/// A case reference as written on a letter or said on the phone, in any spacing or case
/// (`ke 2026 42`, `KE-2026-00042`, `2026/42`), as stored: `KE-2026-00042`. `None` when it is
/// not a reference.
pub fn case_reference(q: &str) -> Option<String> {
    let s: String = q
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    let digits = s.strip_prefix("KE").unwrap_or(&s);
    if digits.len() < 5 || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, n) = digits.split_at(4);
    let n: u32 = n.parse().ok()?;
    (n > 0).then(|| format!("KE-{year}-{n:05}"))
}

/// How well a service matches the search words: per word 3 for the service name, 2 for the
/// partner name, 1 for the description (the best of them); `None` when a word matches nowhere.
pub fn relevance(words: &[String], name: &str, partner: &str, description: &str) -> Option<u32> {
    let (name, partner, description) = (fold(name), fold(partner), fold(description));
    words.iter().try_fold(0, |sum, w| {
        let score = if name.contains(w.as_str()) {
            3
        } else if partner.contains(w.as_str()) {
            2
        } else if description.contains(w.as_str()) {
            1
        } else {
            return None;
        };
        Some(sum + score)
    })
}

/// The search words of `q`, folded.
pub fn words(q: Option<&str>) -> Vec<String> {
    q.map(fold)
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reference_asked_for_has_exactly_the_documented_shape() {
        let shape = regex::Regex::new(super::CASE_REFERENCE_PATTERN).unwrap();
        for s in [
            "KE-2026-00042",
            "ke 2026 42",
            "KE202600042",
            "2026-42",
            " KE - 2026 - 1 ",
            "KE-2026-000000",
            "KE-2026-0000000",
            "K-2026-42",
            "KE-26-42",
            "KE 2026 4 2",
            "",
            "KE-2026-",
            "2026/42",
        ] {
            assert_eq!(shape.is_match(s), super::reference(s).is_some(), "{s:?}");
        }
        assert_eq!(
            super::reference("ke 2026 42").as_deref(),
            Some("KE-2026-00042")
        );
        assert_eq!(
            super::reference("KE-2026-00000").as_deref(),
            Some("KE-2026-00000")
        );
    }

    use super::*;

    #[test]
    fn a_reference_is_found_in_any_spacing() {
        for q in [
            "KE-2026-00042",
            "ke 2026 42",
            "KE2026-0042",
            " 2026/00042 ",
            "Ke-2026-042",
        ] {
            assert_eq!(case_reference(q).as_deref(), Some("KE-2026-00042"), "{q}");
        }
        for q in ["Diallo", "KE-2026", "KE-2026-0", "12", "KE-ABCD-00001"] {
            assert_eq!(case_reference(q), None, "{q}");
        }
    }

    #[test]
    fn names_match_by_prefix_ignoring_accents_and_case() {
        let w = words(Some("dia"));
        assert!(prefix_match(&w, &[Some("Mevrouw Diallo"), None]));
        assert!(prefix_match(&words(Some("ÇEL")), &[Some("Familie Çelik")]));
        assert!(prefix_match(
            &words(Some("celik fam")),
            &[Some("Familie Çelik")]
        ));
        assert!(!prefix_match(
            &words(Some("allo")),
            &[Some("Mevrouw Diallo")]
        ));
        assert!(!prefix_match(&words(Some("")), &[Some("Diallo")]));
        assert!(prefix_match(&words(Some("noor")), &[None, Some("Noor-B")]));
    }
}
