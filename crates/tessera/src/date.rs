//! Reading ISO 8601 dates into Unix timestamps.
//!
//! Accepts `YYYY-MM-DD`, optionally followed by `T` (or a blank) and
//! `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`, optionally followed by `Z` or an
//! offset `±HH:MM` / `±HHMM` / `±HH`. A date without an offset is taken as
//! UTC. Calendar validity is checked by the `time` crate.

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

fn num(s: &str, len: usize) -> Option<(u32, &str)> {
    if s.len() < len || !s.as_bytes()[..len].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((s[..len].parse().ok()?, &s[len..]))
}

fn expect(s: &str, c: char) -> Option<&str> {
    s.strip_prefix(c)
}

/// Parses an ISO 8601 date or date-time into seconds since the Unix epoch.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let (year, rest) = num(s, 4)?;
    let (month, rest) = num(expect(rest, '-')?, 2)?;
    let (day, rest) = num(expect(rest, '-')?, 2)?;
    let date = Date::from_calendar_date(year as i32, Month::try_from(month as u8).ok()?, day as u8)
        .ok()?;
    let mut time = Time::MIDNIGHT;
    let mut offset = UtcOffset::UTC;
    let mut rest = rest;
    if let Some(r) = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' ')) {
        let (h, r) = num(r, 2)?;
        let (m, mut r) = num(expect(r, ':')?, 2)?;
        let mut sec = 0;
        let mut nanos = 0;
        if let Some(r2) = r.strip_prefix(':') {
            let (sv, r3) = num(r2, 2)?;
            sec = sv;
            r = r3;
            if let Some(frac) = r.strip_prefix('.').or_else(|| r.strip_prefix(',')) {
                let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                let take = digits.min(9);
                let v: u32 = frac[..take].parse().ok()?;
                nanos = v * 10u32.pow(9 - take as u32);
                r = &frac[digits..];
            }
        }
        time = Time::from_hms_nano(h as u8, m as u8, sec as u8, nanos).ok()?;
        rest = r;
    }
    if !rest.is_empty() {
        if rest == "Z" || rest == "z" {
            offset = UtcOffset::UTC;
        } else {
            let sign: i8 = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let r = &rest[1..];
            let (h, r) = num(r, 2)?;
            let r = r.strip_prefix(':').unwrap_or(r);
            let m = if r.is_empty() {
                0
            } else {
                num(r, 2).filter(|(_, t)| t.is_empty())?.0
            };
            offset = UtcOffset::from_hms(sign * h as i8, sign * m as i8, 0).ok()?;
        }
    }
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .unix_timestamp(),
    )
}

/// Formats a timestamp as `YYYY-MM-DD` (UTC).
pub fn format_day(ts: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(ts) {
        Ok(t) => format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        Err(_) => ts.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_dates() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1970-01-01", Some(0)),
            ("1987-02-26T15:01:01.790", Some(541_350_061)),
            ("1987-02-26 15:01:01", Some(541_350_061)),
            ("2016-07-15T10:00:00Z", Some(1_468_576_800)),
            ("2016-07-15T12:00:00+02:00", Some(1_468_576_800)),
            ("2016-07-15T05:00-0500", Some(1_468_576_800)),
            ("2016-07-15T10:00", Some(1_468_576_800)),
            ("2016-02-30", None),
            ("15 July 2016", None),
            ("2016-07-15T25:00:00", None),
            ("2016-07-15Tfoo", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_timestamp(s), *want, "{s}");
        }
        assert_eq!(format_day(1_468_576_800), "2016-07-15");
    }
}
