//! Timing rules for polling: failure backoff, `Retry-After`, HTTP caching hints and the
//! feed's own update hints. Pure functions of their inputs: no clock reads, no I/O.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// First backoff step after one failure.
const BACKOFF_BASE: Duration = Duration::from_secs(60);
/// Longest backoff, however many failures.
pub const BACKOFF_CAP: Duration = Duration::from_secs(6 * 60 * 60);
/// Longest delay accepted from a server's caching headers or a feed's update hints: a
/// misconfigured `max-age=31536000` must not silence a feed for a year.
pub const HINT_CAP: Duration = Duration::from_secs(24 * 60 * 60);

/// Delay before retrying a feed after `failures` consecutive failures: 1 min, 2 min, 4 min,
/// ... capped at 6 h, with a ±10% jitter derived from `seed` (e.g. the feed id) so feeds that
/// failed together do not retry together. Deterministic for a given `(failures, seed)`;
/// never exceeds the cap (at the cap the jitter only shortens). 0 failures: no delay.
pub fn backoff(failures: u32, seed: u64) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let doublings = (failures - 1).min(20);
    let base = BACKOFF_BASE
        .saturating_mul(1u32 << doublings)
        .min(BACKOFF_CAP);
    // Jitter in [-0.1, +0.1], from a well-mixed hash of seed and failure count.
    let r = splitmix64(seed ^ u64::from(failures).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let unit = (r >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
    let mut jitter = (unit * 2.0 - 1.0) * 0.1;
    if base >= BACKOFF_CAP {
        jitter = -jitter.abs();
    }
    base.mul_f64(1.0 + jitter).min(BACKOFF_CAP)
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Parses a `Retry-After` value: delay seconds (`"120"`) or an HTTP date. Returns the
/// instant after which a retry is allowed (a date in the past gives `now`); `None` if the
/// value is neither form.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Absurd values saturate at ~100 years rather than overflowing.
        let secs: i64 = value.parse().unwrap_or(i64::MAX).min(100 * 365 * 86_400);
        return now.checked_add_signed(chrono::Duration::seconds(secs));
    }
    parse_http_date(value).map(|date| date.max(now))
}

/// Parses an HTTP date in any of the three forms RFC 9110 requires recipients to accept:
/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
/// and asctime (`Sun Nov  6 08:49:37 1994`). Lenient about numeric zones (`+0000`).
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(d) = DateTime::parse_from_rfc2822(value) {
        return Some(d.with_timezone(&Utc));
    }
    let naive = |s: &str, fmt: &str| NaiveDateTime::parse_from_str(s, fmt).ok();
    let squeezed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let parsed = naive(&squeezed, "%A, %d-%b-%y %H:%M:%S GMT")
        .or_else(|| naive(&squeezed, "%a %b %e %H:%M:%S %Y"))
        .or_else(|| naive(&squeezed, "%a %b %d %H:%M:%S %Y"))?;
    Some(Utc.from_utc_datetime(&parsed))
}

/// Formats an instant as an IMF-fixdate, the form `If-Modified-Since` expects.
pub fn format_http_date(date: DateTime<Utc>) -> String {
    date.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The earliest time the server wants the resource fetched again, from
/// `Cache-Control: max-age` (minus `Age`), else `Expires`. `no-cache`/`no-store`/
/// `must-revalidate` with no max-age give `None`; hints are capped at [`HINT_CAP`].
pub fn cache_not_before(
    cache_control: Option<&str>,
    expires: Option<&str>,
    age: Option<&str>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut freshness: Option<i64> = None;
    let mut no_cache = false;
    if let Some(cc) = cache_control {
        for directive in cc.split(',') {
            let directive = directive.trim();
            let (name, arg) = match directive.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                None => (directive, None),
            };
            match (name.to_ascii_lowercase().as_str(), arg) {
                ("max-age", Some(a)) => freshness = a.parse::<i64>().ok(),
                ("no-cache" | "no-store", _) => no_cache = true,
                _ => {}
            }
        }
    }
    if no_cache {
        return None;
    }
    let until = match freshness {
        Some(secs) => {
            let age = age.and_then(|a| a.trim().parse::<i64>().ok()).unwrap_or(0);
            let secs = secs.saturating_sub(age.max(0));
            now.checked_add_signed(chrono::Duration::seconds(secs.min(i64::from(u32::MAX))))?
        }
        None => parse_http_date(expires?)?,
    };
    if until <= now {
        return None;
    }
    let cap = now + chrono::Duration::from_std(HINT_CAP).ok()?;
    Some(until.min(cap))
}

/// The polling interval a feed asks for: RSS `<ttl>` (minutes), and/or syndication module
/// `sy:updatePeriod` (hourly, daily, weekly, monthly, yearly) divided by
/// `sy:updateFrequency` (default 1). With both, the longer wins (the feed asked for both).
/// Capped at [`HINT_CAP`]; `None` when the feed gives no usable hint.
pub fn feed_interval_hint(
    ttl_minutes: Option<u32>,
    update_period: Option<&str>,
    update_frequency: Option<u32>,
) -> Option<Duration> {
    let ttl = ttl_minutes
        .filter(|m| *m > 0)
        .map(|m| Duration::from_secs(u64::from(m) * 60));
    let period = update_period.and_then(|p| {
        let secs: u64 = match p.trim().to_ascii_lowercase().as_str() {
            "hourly" => 3_600,
            "daily" => 86_400,
            "weekly" => 7 * 86_400,
            "monthly" => 30 * 86_400,
            "yearly" => 365 * 86_400,
            _ => return None,
        };
        let per = u64::from(update_frequency.unwrap_or(1).max(1));
        Some(Duration::from_secs(secs / per))
    });
    let hint = match (ttl, period) {
        (Some(a), Some(b)) => a.max(b),
        (a, b) => a.or(b)?,
    };
    Some(hint.min(HINT_CAP))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_cap() {
        assert_eq!(backoff(0, 7), Duration::ZERO);
        for failures in 1..=40u32 {
            for seed in [0u64, 1, 42, u64::MAX] {
                let d = backoff(failures, seed).as_secs_f64();
                let base = (60.0 * 2f64.powi(failures as i32 - 1)).min(6.0 * 3600.0);
                assert!(d >= base * 0.9 - 1e-6, "{failures} {seed}: {d} < {base}");
                assert!(
                    d <= (base * 1.1).min(6.0 * 3600.0) + 1e-6,
                    "{failures}: {d}"
                );
            }
        }
        // Deterministic, but differs between feeds.
        assert_eq!(backoff(3, 99), backoff(3, 99));
        let spread: std::collections::HashSet<_> = (0..50u64).map(|s| backoff(3, s)).collect();
        assert!(spread.len() > 40);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = at("2024-05-01T12:00:00Z");
        assert_eq!(
            parse_retry_after("120", now),
            Some(at("2024-05-01T12:02:00Z"))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(now));
        assert_eq!(
            parse_retry_after("Wed, 01 May 2024 13:30:00 GMT", now),
            Some(at("2024-05-01T13:30:00Z"))
        );
        // RFC 850 and asctime forms.
        assert_eq!(
            parse_retry_after("Wednesday, 01-May-24 13:30:00 GMT", now),
            Some(at("2024-05-01T13:30:00Z"))
        );
        assert_eq!(
            parse_retry_after("Wed May  1 13:30:00 2024", now),
            Some(at("2024-05-01T13:30:00Z"))
        );
        // Past dates mean "now"; garbage means nothing.
        assert_eq!(
            parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now),
            Some(now)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert!(parse_retry_after("99999999999999999999999", now).is_some());
    }

    #[test]
    fn cache_hints() {
        let now = at("2024-05-01T12:00:00Z");
        assert_eq!(
            cache_not_before(Some("public, max-age=600"), None, None, now),
            Some(at("2024-05-01T12:10:00Z"))
        );
        assert_eq!(
            cache_not_before(Some("max-age=600"), None, Some("100"), now),
            Some(at("2024-05-01T12:08:20Z"))
        );
        // max-age wins over Expires.
        assert_eq!(
            cache_not_before(
                Some("max-age=60"),
                Some("Wed, 01 May 2024 18:00:00 GMT"),
                None,
                now
            ),
            Some(at("2024-05-01T12:01:00Z"))
        );
        assert_eq!(
            cache_not_before(None, Some("Wed, 01 May 2024 18:00:00 GMT"), None, now),
            Some(at("2024-05-01T18:00:00Z"))
        );
        assert_eq!(cache_not_before(None, Some("0"), None, now), None);
        assert_eq!(
            cache_not_before(None, Some("Wed, 01 May 2024 10:00:00 GMT"), None, now),
            None
        );
        assert_eq!(
            cache_not_before(Some("no-cache, max-age=600"), None, None, now),
            None
        );
        assert_eq!(cache_not_before(Some("max-age=0"), None, None, now), None);
        assert_eq!(
            cache_not_before(Some("max-age=31536000"), None, None, now),
            Some(at("2024-05-02T12:00:00Z"))
        );
    }

    #[test]
    fn interval_hints() {
        assert_eq!(feed_interval_hint(None, None, None), None);
        assert_eq!(feed_interval_hint(Some(0), None, None), None);
        assert_eq!(
            feed_interval_hint(Some(90), None, None),
            Some(Duration::from_secs(5400))
        );
        assert_eq!(
            feed_interval_hint(None, Some("hourly"), Some(2)),
            Some(Duration::from_secs(1800))
        );
        assert_eq!(
            feed_interval_hint(None, Some(" Daily "), None),
            Some(Duration::from_secs(86_400))
        );
        assert_eq!(
            feed_interval_hint(Some(30), Some("hourly"), Some(1)),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            feed_interval_hint(None, Some("weekly"), Some(0)),
            Some(HINT_CAP)
        );
        assert_eq!(feed_interval_hint(None, Some("fortnightly"), None), None);
    }

    #[test]
    fn http_dates_round_trip() {
        let d = at("1994-11-06T08:49:37Z");
        assert_eq!(format_http_date(d), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_http_date(&format_http_date(d)), Some(d));
    }
}
