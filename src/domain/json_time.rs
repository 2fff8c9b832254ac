//! UTC times in JSON exactly as chrono's `Serialize` writes them (RFC 3339 with `Z`, the
//! fraction of a second in 0, 3, 6 or 9 digits), from a buffer on the stack. chrono formats
//! through `fmt`, which serde_json takes one character at a time: a page of 50 cases writes
//! 200 times, and that was a tenth of the page's serialisation. For `#[serde(serialize_with)]`;
//! the document still says `date-time` (the field's type is unchanged).

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// `2026-11-24T09:30:00Z`, `2026-11-24T09:30:00.123456Z`, …
pub fn utc<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 32];
    match write(at, &mut buf) {
        // Only ASCII digits and separators are written.
        Some(n) => {
            s.serialize_str(std::str::from_utf8(&buf[..n]).map_err(serde::ser::Error::custom)?)
        }
        // Years outside 0–9999 and leap seconds: chrono's own.
        None => at.serialize(s),
    }
}

/// `utc` for an optional time (null when absent).
pub fn utc_opt<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    struct Ts<'a>(&'a DateTime<Utc>);
    impl Serialize for Ts<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            utc(self.0, s)
        }
    }
    match at {
        Some(at) => s.serialize_some(&Ts(at)),
        None => s.serialize_none(),
    }
}

fn write(at: &DateTime<Utc>, buf: &mut [u8; 32]) -> Option<usize> {
    let (year, nanos) = (at.year(), at.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return None;
    }
    buf[..20].copy_from_slice(b"0000-00-00T00:00:00Z");
    digits(&mut buf[0..4], year as u32);
    digits(&mut buf[5..7], at.month());
    digits(&mut buf[8..10], at.day());
    digits(&mut buf[11..13], at.hour());
    digits(&mut buf[14..16], at.minute());
    digits(&mut buf[17..19], at.second());
    // chrono's `SecondsFormat::AutoSi`: as few of 3, 6 or 9 digits as show the value exactly.
    let (value, width) = match nanos {
        0 => return Some(20),
        _ if nanos % 1_000_000 == 0 => (nanos / 1_000_000, 3),
        _ if nanos % 1_000 == 0 => (nanos / 1_000, 6),
        _ => (nanos, 9),
    };
    buf[19] = b'.';
    digits(&mut buf[20..20 + width], value);
    buf[20 + width] = b'Z';
    Some(21 + width)
}

/// `value` in decimal, right-aligned in `out` with leading zeros.
fn digits(out: &mut [u8], mut value: u32) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[derive(Serialize)]
    struct Ours {
        #[serde(serialize_with = "utc")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "utc_opt")]
        maybe: Option<DateTime<Utc>>,
    }

    #[derive(Serialize)]
    struct Chronos {
        at: DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
    }

    #[test]
    fn writes_what_chrono_writes() {
        let mut checked = 0;
        for (y, mo, d, h, mi, s) in [
            (2026, 11, 24, 9, 30, 0),
            (1, 1, 1, 0, 0, 0),
            (9999, 12, 31, 23, 59, 59),
            (2024, 2, 29, 12, 5, 7),
        ] {
            for nanos in [
                0,
                1,
                999,
                1_000,
                120_000,
                123_456_000,
                5_000_000,
                100_000_000,
                999_999_999,
                7,
            ] {
                let at = Utc.from_utc_datetime(
                    &NaiveDate::from_ymd_opt(y, mo, d)
                        .and_then(|d| d.and_hms_nano_opt(h, mi, s, nanos))
                        .expect("a valid time"),
                );
                for maybe in [None, Some(at)] {
                    let ours = serde_json::to_string(&Ours { at, maybe }).expect("serialises");
                    let theirs = serde_json::to_string(&Chronos { at, maybe }).expect("serialises");
                    assert_eq!(ours, theirs);
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 80);
        // Outside what the buffer writes, a year past 9999 and a leap second: chrono's own,
        // the same text.
        for (y, nanos) in [(12345, 0), (2016, 1_500_000_000)] {
            let at = Utc.from_utc_datetime(
                &NaiveDate::from_ymd_opt(y, 12, 31)
                    .and_then(|d| d.and_hms_nano_opt(23, 59, 59, nanos))
                    .expect("valid"),
            );
            let mut buf = [0u8; 32];
            assert_eq!(write(&at, &mut buf), None, "{at:?} falls back");
            assert_eq!(
                serde_json::to_string(&Ours {
                    at,
                    maybe: Some(at)
                })
                .expect("serialises"),
                serde_json::to_string(&Chronos {
                    at,
                    maybe: Some(at)
                })
                .expect("serialises")
            );
        }
    }
}
