//! A time of day as the API reads and writes it: 24-hour `HH:MM`, two digits each. One pattern,
//! used by the server to read a time and stated by the document (the `TimeOfDay` schema).

use chrono::NaiveTime;

/// The document's `pattern` for every time of day.
pub const PATTERN: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// The time `s` names, when it is exactly `HH:MM` (`PATTERN`); `None` otherwise.
pub fn parse(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    let digits = |i: usize| b[i].is_ascii_digit() && b[i + 1].is_ascii_digit();
    if b.len() != 5 || b[2] != b':' || !digits(0) || !digits(3) {
        return None;
    }
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

crate::text_pattern!(
    /// The schema of a time of day (`#[schema(value_type = TimeOfDay)]` on a `String` field).
    pub TimeOfDay,
    PATTERN,
    "A time of day, 24-hour `HH:MM` (Belgian local time)",
    example = "08:30"
);

#[cfg(test)]
mod tests {
    #[test]
    fn the_documented_pattern_accepts_exactly_the_times_the_server_reads() {
        let pattern = regex::Regex::new(super::PATTERN).unwrap();
        let mut samples = vec![
            "8:30".to_string(),
            "08:3".into(),
            "08:300".into(),
            " 08:30".into(),
            "08.30".into(),
            "24:00".into(),
            "".into(),
        ];
        for h in 0..30 {
            for m in (0..70).step_by(7) {
                samples.push(format!("{h:02}:{m:02}"));
            }
        }
        for s in samples {
            assert_eq!(pattern.is_match(&s), super::parse(&s).is_some(), "{s:?}");
        }
    }
}
