//! Timestamps: seconds since the Unix epoch (UTC), and RFC 3339 parsing and formatting.
//!
//! The core never reads a clock: callers pass `now` to the scan functions.

use crate::error::{Error, ErrorKind};
use std::fmt;

/// A point in time: whole seconds since 1970-01-01T00:00:00Z (fractions are truncated).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The earliest representable time (used as "no lower bound").
    pub const MIN: Timestamp = Timestamp(i64::MIN);
    /// The latest representable time (used as "no upper bound").
    pub const MAX: Timestamp = Timestamp(i64::MAX);

    /// Seconds since the epoch.
    pub fn from_unix(secs: i64) -> Timestamp {
        Timestamp(secs)
    }

    /// Seconds since the epoch.
    pub fn as_unix(self) -> i64 {
        self.0
    }

    /// Parses RFC 3339 / ISO 8601 forms used by the feeds:
    /// `2024-05-01T00:00:00Z`, `2024-05-01T00:00:00.123Z`, `2024-05-01T02:00:00+02:00`,
    /// `2024-05-01 00:00:00` (abuse.ch, UTC implied) and `2024-05-01` (midnight UTC).
    ///
    /// ```
    /// use linerate::Timestamp;
    /// assert_eq!(Timestamp::parse_rfc3339("1970-01-02T00:00:00Z").unwrap().as_unix(), 86400);
    /// assert!(Timestamp::parse_rfc3339("2024-13-01T00:00:00Z").is_err());
    /// ```
    pub fn parse_rfc3339(s: &str) -> Result<Timestamp, Error> {
        parse(s.trim()).ok_or_else(|| {
            Error::new(
                ErrorKind::BadTimestamp,
                format!(
                    "bad timestamp {:?}: expected RFC 3339 such as 2024-05-01T00:00:00Z",
                    crate::error::truncate(s, 60)
                ),
            )
        })
    }

    /// Formats as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86400);
        let secs = self.0.rem_euclid(86400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0')))
}

fn parse(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = num(&b[0..4])?;
    let mo = num(&b[5..7])?;
    let d = num(&b[8..10])?;
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) * 86400;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(Timestamp(secs));
    }
    if !(rest[0] == b'T' || rest[0] == b't' || rest[0] == b' ') || rest.len() < 9 {
        return None;
    }
    if rest[3] != b':' || rest[6] != b':' {
        return None;
    }
    let h = num(&rest[1..3])?;
    let mi = num(&rest[4..6])?;
    let se = num(&rest[7..9])?;
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    secs += h * 3600 + mi * 60 + se;
    let mut tail = &rest[9..];
    if let Some(frac) = tail.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        tail = &frac[n..];
    }
    match tail {
        [] | [b'Z'] | [b'z'] => {}
        [sign @ (b'+' | b'-'), hh1, hh2, b':', mm1, mm2]
        | [sign @ (b'+' | b'-'), hh1, hh2, mm1, mm2] => {
            let oh = num(&[*hh1, *hh2])?;
            let om = num(&[*mm1, *mm2])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            secs += if *sign == b'+' { -off } else { off };
        }
        _ => return None,
    }
    Some(Timestamp(secs))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_forms() {
        for (s, want) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2024-05-01T00:00:00.000Z", 1714521600),
            ("2024-05-01T02:00:00+02:00", 1714521600),
            ("2024-04-30T22:00:00-0200", 1714521600),
            ("2024-05-01 00:00:00", 1714521600),
            ("2024-05-01", 1714521600),
            ("2000-02-29T12:00:00Z", 951825600),
            ("1969-12-31T23:59:59Z", -1),
        ] {
            assert_eq!(Timestamp::parse_rfc3339(s).unwrap().0, want, "{s}");
        }
        assert_eq!(Timestamp(1714521600).to_string(), "2024-05-01T00:00:00Z");
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59Z");
        for bad in [
            "",
            "2024-5-1",
            "2023-02-29",
            "2024-05-01T25:00:00Z",
            "2024-05-01T00:00Z",
            "2024-05-01T00:00:00.Z",
            "2024-05-01T00:00:00+2",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
