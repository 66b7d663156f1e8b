//! Human-friendly durations ("90s", "1h30m") and sizes ("20MiB", "512k") as written in the
//! config. Pure string parsing: the caller attaches file positions to the error text.

use std::time::Duration;

/// What a duration may look like, for error messages.
pub(crate) const DURATION_EXPECTED: &str = "a duration like \"90s\", \"30m\", \"2h\", \"1d\" or \
     \"1h30m\", or a whole number of seconds";

/// What a size may look like, for error messages.
pub(crate) const SIZE_EXPECTED: &str =
    "a size like \"20MiB\", \"500KB\", \"1GB\" or \"512k\", or a whole number of bytes";

/// Parses a duration: one or more `<number><unit>` parts (units `s`, `m`, `h`, `d`, or their
/// long forms like `minutes`), optionally separated by spaces, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let fail = || format!("invalid duration \"{text}\": expected {DURATION_EXPECTED}");
    let s = text.trim();
    if s.is_empty() {
        return Err(fail());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map(Duration::from_secs).map_err(|_| fail());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(fail());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| fail())?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = match rest[..unit_len].to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            _ => return Err(fail()),
        };
        total = number
            .checked_mul(unit)
            .and_then(|secs| total.checked_add(secs))
            .ok_or_else(|| format!("duration \"{text}\" is too large"))?;
        rest = rest[unit_len..].trim_start();
    }
    Ok(Duration::from_secs(total))
}

/// Parses a size in bytes: a whole number, optionally followed by a unit. `KB`, `MB`, `GB` are
/// decimal (1000); `KiB`, `MiB`, `GiB` and the one-letter `k`, `M`, `G` are binary (1024).
/// Units are case-insensitive.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let fail = || format!("invalid size \"{text}\": expected {SIZE_EXPECTED}");
    let s = text.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(fail());
    }
    let number: u64 = s[..digits].parse().map_err(|_| fail())?;
    let unit: u64 = match s[digits..].trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000 * 1000,
        "gb" => 1000 * 1000 * 1000,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        _ => return Err(fail()),
    };
    number
        .checked_mul(unit)
        .ok_or_else(|| format!("size \"{text}\" is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> u64 {
        parse_duration(s).unwrap().as_secs()
    }

    #[test]
    fn durations() {
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("30m"), 1800);
        assert_eq!(secs("2h"), 7200);
        assert_eq!(secs("1d"), 86_400);
        assert_eq!(secs("1h30m"), 5400);
        assert_eq!(secs("1h 30m 15s"), 5415);
        assert_eq!(secs("45"), 45);
        assert_eq!(secs("10 minutes"), 600);
        assert_eq!(secs("2H"), 7200);
    }

    #[test]
    fn bad_durations() {
        for bad in ["", "5 parsecs", "m", "1.5h", "-3m", "3m x", "h1", "30 m m"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.starts_with("invalid duration"), "{bad}: {err}");
        }
        assert!(parse_duration("99999999999999999d")
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("20MiB"), Ok(20 * 1024 * 1024));
        assert_eq!(parse_size("500KB"), Ok(500_000));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("2 M"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("7b"), Ok(7));
    }

    #[test]
    fn bad_sizes() {
        for bad in ["", "MiB", "20 parsecs", "1.5MB", "-1k", "20MiBs"] {
            assert!(
                parse_size(bad).unwrap_err().starts_with("invalid size"),
                "{bad}"
            );
        }
        assert!(parse_size("99999999999GiB")
            .unwrap_err()
            .contains("too large"));
    }
}
