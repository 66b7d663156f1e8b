//! Resource limits for one fetch (timeouts, body size, redirects, concurrency).
//! Plain data: never performs I/O; `Fetcher` enforces these.

use std::time::Duration;

/// What a single fetch may cost, and how many may run at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Total time for one fetch, from the first byte sent to the last body byte read
    /// (summed over redirect hops). Time spent waiting for a concurrency slot is not counted.
    pub timeout: Duration,
    /// Time allowed to establish one TCP (+TLS) connection.
    pub connect_timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body_size: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Requests in flight across all hosts.
    pub max_concurrent: usize,
    /// Requests in flight to one `host:port`.
    pub max_per_host: usize,
    /// Bytes of fetched documents held at once by all fetches (see `budget`): bodies being
    /// read and, in the engine, parsed feeds until the writer has their articles.
    pub max_bytes_in_flight: u64,
}

/// The default of [`Limits::max_bytes_in_flight`]. Not a config key: it bounds memory, not
/// politeness. Measured (tidings-bench): peak RSS of a cold refresh 110-120 MB for every
/// shape of the scaling run (100 x 500 was 290 MB without it), at the same speed.
pub const MAX_BYTES_IN_FLIGHT: u64 = 32 << 20;

impl Default for Limits {
    /// The same defaults as the config file.
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_size: 20 * 1024 * 1024,
            max_redirects: 10,
            max_concurrent: 32,
            max_per_host: 2,
            max_bytes_in_flight: MAX_BYTES_IN_FLIGHT,
        }
    }
}

impl Limits {
    /// The limits the user configured.
    pub fn from_config(config: &crate::config::Config) -> Limits {
        Limits {
            timeout: config.timeout,
            connect_timeout: config.connect_timeout,
            max_body_size: config.max_body_size,
            max_redirects: config.max_redirects,
            max_concurrent: config.max_concurrent_fetches,
            max_per_host: config.max_per_host,
            max_bytes_in_flight: MAX_BYTES_IN_FLIGHT,
        }
    }
}

/// "30s", "1.5s", "250ms", "2m", "2m30s": how a duration appears in an error message.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    if !ms.is_multiple_of(1000) {
        let tenths = (ms % 1000) / 100;
        return format!("{secs}.{tenths}s");
    }
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

/// "20 MiB", "1.5 MiB", "500 KiB", "900 bytes": how a size appears in an error message.
pub fn format_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    let scaled = |unit: u64, name: &str| {
        let whole = bytes / unit;
        let tenths = (bytes % unit) * 10 / unit;
        if tenths == 0 {
            format!("{whole} {name}")
        } else {
            format!("{whole}.{tenths} {name}")
        }
    };
    if bytes >= MIB {
        scaled(MIB, "MiB")
    } else if bytes >= KIB {
        scaled(KIB, "KiB")
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_config_defaults() {
        let config = crate::config::Config::default();
        assert_eq!(Limits::from_config(&config), Limits::default());
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_secs(30)), "30s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(120)), "2m");
        assert_eq!(format_duration(Duration::from_secs(150)), "2m30s");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(format_size(20 * 1024 * 1024), "20 MiB");
        assert_eq!(format_size(1024 * 1024 * 3 / 2), "1.5 MiB");
        assert_eq!(format_size(500 * 1024), "500 KiB");
        assert_eq!(format_size(900), "900 bytes");
    }
}
