//! Dates as feeds write them: RFC 822/2822 (RSS) with the real-world variants (long or wrong
//! weekday and month names, month before day, one-digit hours, no seconds, two-digit years,
//! named and missing zones, `24:` hours), and ISO 8601 / RFC 3339 / W3C-DTF (Atom, JSON Feed,
//! Dublin Core) with or without separators, seconds, fractions or zone. Pure functions.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

/// Parses a feed date; `None` when it is not one.
pub(crate) fn parse(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if s.len() >= 4 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        iso8601(s).or_else(|| rfc822(s))
    } else {
        rfc822(s).or_else(|| iso8601(s))
    }
}

/// A cursor over ASCII-ish date text.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            s: s.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Up to `max` digits (at least `min`).
    fn digits(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let start = self.i;
        let mut v: u32 = 0;
        while self.i - start < max {
            match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(d - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        let n = self.i - start;
        (n >= min).then_some((v, n))
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r' | b',')) {
            self.i += 1;
        }
    }

    fn word(&mut self) -> &'a str {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'.')
        {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i]).unwrap_or("")
    }

    fn rest(&self) -> &'a str {
        std::str::from_utf8(&self.s[self.i.min(self.s.len())..])
            .unwrap_or("")
            .trim()
    }
}

/// ISO 8601 profiles: `2024-03-05`, `2024-03`, `2024`, `20240305T101500Z`,
/// `2024-03-05T10:15Z`, `2024-03-05 10:15:00.123+0100`, `2024-03-05T10:15:00` (UTC).
fn iso8601(s: &str) -> Option<DateTime<Utc>> {
    let mut c = Cursor::new(s);
    let (year, _) = c.digits(4, 4)?;
    let dashed = c.eat(b'-');
    let (month, day) = match c.digits(2, 2) {
        Some((m, _)) => {
            if dashed {
                c.eat(b'-');
            }
            let day = c.digits(2, 2).map_or(1, |(d, _)| d);
            (m, day)
        }
        None => (1, 1),
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let mut time = NaiveTime::MIN;
    let mut offset = 0i64;
    if matches!(c.peek(), Some(b'T' | b't' | b' ')) {
        c.i += 1;
        while c.eat(b' ') {}
        if let Some((h, _)) = c.digits(2, 2) {
            let colon = c.eat(b':');
            let (m, _) = c.digits(2, 2).unwrap_or((0, 0));
            if colon {
                c.eat(b':');
            }
            let (mut sec, _) = c.digits(2, 2).unwrap_or((0, 0));
            let mut nanos = 0u32;
            if c.eat(b'.') || c.eat(b',') {
                let (frac, n) = c.digits(1, 9).unwrap_or((0, 0));
                while c.peek().is_some_and(|d| d.is_ascii_digit()) {
                    c.i += 1;
                }
                nanos = frac * 10u32.pow(9 - n as u32);
            }
            sec = sec.min(59);
            let h = if h == 24 { 0 } else { h };
            time = NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?;
        }
        while c.eat(b' ') {}
        offset = iso_zone(&mut c)?;
    }
    let local = NaiveDateTime::new(date, time);
    Some(local.and_utc() - Duration::seconds(offset))
}

/// `Z`, `+01:00`, `+0100`, `+01`, a zone name, or nothing (UTC). Seconds east of UTC.
fn iso_zone(c: &mut Cursor<'_>) -> Option<i64> {
    match c.peek() {
        None => Some(0),
        Some(b'Z' | b'z') => Some(0),
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let (h, _) = c.digits(2, 2)?;
            c.eat(b':');
            let (m, _) = c.digits(2, 2).unwrap_or((0, 0));
            let secs = i64::from(h * 3600 + m * 60);
            Some(if sign == b'-' { -secs } else { secs })
        }
        Some(_) => zone_name(c.rest()),
    }
}

fn month(word: &str) -> Option<u32> {
    if word.len() < 3 {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = word[..3].to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as u32 + 1)
}

/// A named zone or an offset, as RFC 822 writes them and feeds add to them. Unknown names
/// and military letters count as UTC (what RFC 2822 says of the letters).
fn zone_name(z: &str) -> Option<i64> {
    let z = z.trim();
    if z.is_empty() {
        return Some(0);
    }
    if let Some(sign) = z.strip_prefix(['+', '-']).map(|_| z.as_bytes()[0]) {
        let digits: String = z[1..]
            .chars()
            .filter(|c| c.is_ascii_digit())
            .take(4)
            .collect();
        let (h, m) = match digits.len() {
            1 | 2 => (digits.parse::<i64>().ok()?, 0),
            3 => (
                digits[..1].parse::<i64>().ok()?,
                digits[1..].parse::<i64>().ok()?,
            ),
            4 => (
                digits[..2].parse::<i64>().ok()?,
                digits[2..].parse::<i64>().ok()?,
            ),
            _ => return None,
        };
        let secs = h * 3600 + m * 60;
        return Some(if sign == b'-' { -secs } else { secs });
    }
    let name: String = z
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    let hours = match name.as_str() {
        "UT" | "UTC" | "GMT" | "Z" | "WET" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "AKST" => -9,
        "AKDT" => -8,
        "HST" => -10,
        "AST" => -4,
        "ADT" => -3,
        "BST" | "CET" | "WEST" | "MET" => 1,
        "CEST" | "EET" | "MEST" => 2,
        "EEST" | "MSK" => 3,
        "IST" => return Some(5 * 3600 + 1800),
        "JST" | "KST" => 9,
        "AEST" => 10,
        "AEDT" => 11,
        "NZST" => 12,
        "NZDT" => 13,
        _ => {
            // `GMT+2`, `UTC-0500`: a name and an offset.
            let tail = &z[name.len().min(z.len())..];
            if tail.starts_with(['+', '-']) {
                return zone_name(tail);
            }
            0
        }
    };
    // `GMT+0100`
    if let Some(tail) = z.get(name.len()..).filter(|t| t.starts_with(['+', '-'])) {
        return zone_name(tail);
    }
    Some(hours * 3600)
}

/// RFC 822 and its variants: `Tue, 10 Jun 2003 04:00:00 GMT`, `Thursday, 13 July 2011 07:38
/// EDT`, `Jun 10 2003 4:00:00 +0100`, `10 Jun 03 04:00 Z`, `Wed, 02 Oct 2002 13:00:00 -0000`.
fn rfc822(s: &str) -> Option<DateTime<Utc>> {
    let mut c = Cursor::new(s);
    c.skip_space();
    // A weekday (any spelling), with or without its comma.
    if c.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
        let save = c.i;
        let w = c.word();
        if month(w).is_some() && !is_weekday(w) {
            c.i = save; // it was a month (month-first order)
        }
    }
    c.skip_space();
    let (day, mon) = if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let (d, _) = c.digits(1, 2)?;
        c.skip_space();
        c.eat(b'-');
        let m = month(c.word())?;
        (d, m)
    } else {
        let m = month(c.word())?;
        c.skip_space();
        let (d, _) = c.digits(1, 2)?;
        (d, m)
    };
    c.skip_space();
    c.eat(b'-');
    let (y, n) = c.digits(2, 4)?;
    let year = match n {
        2 if y < 50 => 2000 + y,
        2 => 1900 + y,
        3 => 1900 + y,
        _ => y,
    };
    let date = NaiveDate::from_ymd_opt(year as i32, mon, day)?;
    c.skip_space();
    let mut time = NaiveTime::MIN;
    if let Some((h, _)) = c.digits(1, 2) {
        if !c.eat(b':') {
            return None;
        }
        let (m, _) = c.digits(2, 2)?;
        let sec = if c.eat(b':') { c.digits(2, 2)?.0 } else { 0 };
        if c.eat(b'.') {
            while c.peek().is_some_and(|d| d.is_ascii_digit()) {
                c.i += 1;
            }
        }
        let h = if h == 24 { 0 } else { h };
        time = NaiveTime::from_hms_opt(h, m, sec.min(59))?;
        c.skip_space();
        // `4:00 PM`
        let save = c.i;
        let w = c.word();
        if w.eq_ignore_ascii_case("pm") && time.hour() < 12 {
            time += Duration::hours(12);
        } else if !w.eq_ignore_ascii_case("am") {
            c.i = save;
        }
    }
    let offset = zone_name(c.rest())?;
    let local = NaiveDateTime::new(date, time);
    Some(local.and_utc() - Duration::seconds(offset))
}

fn is_weekday(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .any(|d| l.starts_with(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Option<i64> {
        parse(s).map(|d| d.timestamp())
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
            .and_utc()
            .timestamp()
    }

    #[test]
    fn rfc822_and_its_variants() {
        let t = Some(utc(2003, 6, 10, 4, 0, 0));
        assert_eq!(ts("Tue, 10 Jun 2003 04:00:00 GMT"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 04:00:00 +0000"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 04:00:00 -0000"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 04:00:00 UTC"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 04:00:00 Z"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 04:00 GMT"), t);
        assert_eq!(ts("10 Jun 2003 04:00:00 GMT"), t);
        assert_eq!(ts("Tuesday, 10 June 2003 04:00:00 GMT"), t);
        assert_eq!(ts("Thurs, 10 Jun 2003 04:00:00 GMT"), t); // a wrong weekday is ignored
        assert_eq!(ts("Tue, 10 Jun 03 04:00:00 GMT"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 4:00:00 GMT"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 00:00:00 -0400"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 00:00:00 EDT"), t);
        assert_eq!(ts("Mon, 09 Jun 2003 21:00:00 PDT"), t);
        assert_eq!(ts("Jun 10 2003 04:00:00 GMT"), t);
        assert_eq!(ts("Tue, Jun 10 2003 04:00:00 GMT"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 06:00:00 CEST"), t);
        assert_eq!(ts("Tue, 10 Jun 2003 04:00:00"), t);
        assert_eq!(ts("10 Jun 2003"), Some(utc(2003, 6, 10, 0, 0, 0)));
        assert_eq!(
            ts("Tue, 10 Jun 2003 24:00:00 GMT"),
            Some(utc(2003, 6, 10, 0, 0, 0))
        );
        assert_eq!(
            ts("Sun, 01 Mar 2026 10:00:00 GMT"),
            Some(utc(2026, 3, 1, 10, 0, 0))
        );
        assert_eq!(
            ts("Mar 01 2026 10:00:00 GMT"),
            Some(utc(2026, 3, 1, 10, 0, 0))
        );
    }

    #[test]
    fn iso8601_and_its_variants() {
        let t = Some(utc(2003, 12, 13, 18, 30, 2));
        assert_eq!(ts("2003-12-13T18:30:02Z"), t);
        assert_eq!(ts("2003-12-13T18:30:02.25Z"), t);
        assert_eq!(ts("2003-12-13T19:30:02+01:00"), t);
        assert_eq!(ts("2003-12-13T19:30:02+0100"), t);
        assert_eq!(ts("2003-12-13T13:30:02-05"), t);
        assert_eq!(ts("2003-12-13 18:30:02"), t);
        assert_eq!(ts("20031213T183002Z"), t);
        assert_eq!(ts("2003-12-13T18:30Z"), Some(utc(2003, 12, 13, 18, 30, 0)));
        assert_eq!(ts("2003-12-13"), Some(utc(2003, 12, 13, 0, 0, 0)));
        assert_eq!(ts("2003-12"), Some(utc(2003, 12, 1, 0, 0, 0)));
        assert_eq!(ts("2003"), Some(utc(2003, 1, 1, 0, 0, 0)));
        let nanos = parse("2003-12-13T18:30:02.123456789Z").unwrap();
        assert_eq!(nanos.timestamp_subsec_nanos(), 123_456_789);
    }

    #[test]
    fn garbage_is_no_date() {
        for s in [
            "",
            "soon",
            "Tue, 45 Jun 2003",
            "2003-13-45",
            "yesterday at noon",
        ] {
            assert_eq!(ts(s), None, "{s}");
        }
    }
}
