//! A small RFC 5545 writer: just what a feed of office-hours sessions needs. Lines end in CRLF,
//! are folded at 75 octets (never inside a UTF-8 character) and text values are escaped.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// The time zone office hours are kept in (local school time).
pub const TZID: &str = "Europe/Brussels";

/// Europe/Brussels as a VTIMEZONE (EU rules since 1996: last Sunday of March and October).
const VTIMEZONE: [&str; 17] = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Brussels",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// Escapes a TEXT value (RFC 5545 §3.3.11).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line into lines of at most 75 octets, continuation lines starting with a
/// space, each ended by CRLF (RFC 5545 §3.1).
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

/// A local date-time in `TZID`, as `20261103T083000`.
pub fn local(date: NaiveDate, time: NaiveTime) -> String {
    date.and_time(time).format("%Y%m%dT%H%M%S").to_string()
}

/// A UTC date-time, as `20261103T083000Z`.
pub fn utc(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// One event of the feed.
pub struct Event {
    pub uid: String,
    pub stamp: NaiveDateTime,
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub summary: String,
    pub location: String,
    pub description: Option<String>,
    pub cancelled: bool,
    pub sequence: u32,
}

/// A whole VCALENDAR with its VTIMEZONE and one VEVENT per event.
pub fn calendar(name: &str, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |s: String| out.push_str(&fold(&s));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//OCMW//Kinderen Eerst API//NL".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    line(format!("X-WR-TIMEZONE:{TZID}"));
    for l in VTIMEZONE {
        line(l.to_string());
    }
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", e.uid));
        line(format!("DTSTAMP:{}", utc(e.stamp)));
        line(format!("DTSTART;TZID={TZID}:{}", local(e.date, e.start)));
        line(format!("DTEND;TZID={TZID}:{}", local(e.date, e.end)));
        line(format!("SEQUENCE:{}", e.sequence));
        line(format!("SUMMARY:{}", escape_text(&e.summary)));
        if !e.location.is_empty() {
            line(format!("LOCATION:{}", escape_text(&e.location)));
        }
        if let Some(d) = &e.description {
            line(format!("DESCRIPTION:{}", escape_text(d)));
        }
        line(format!(
            "STATUS:{}",
            if e.cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            }
        ));
        line("TRANSP:OPAQUE".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let line = format!("SUMMARY:{}", "é".repeat(100));
        let folded = fold(&line);
        for l in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{line}\r\n"));
    }
}
