//! Fetch errors: the short, classified `FetchFailure` the UI shows, and how reqwest/io
//! errors are classified by walking their source chain. No I/O here.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::ErrorKind;

use super::limits::{format_duration, format_size};

/// Why a fetch failed, short enough for a status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchFailure {
    pub kind: ErrorKind,
    /// Short, for the UI: "HTTP 404 Not Found", "timed out after 30s", ...
    pub message: String,
    /// The HTTP status, when the server answered with one.
    pub status: Option<u16>,
    /// From `Retry-After` on a 429/503: no request to this feed before then.
    pub retry_after: Option<DateTime<Utc>>,
}

impl FetchFailure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> FetchFailure {
        FetchFailure {
            kind,
            message: message.into(),
            status: None,
            retry_after: None,
        }
    }

    /// "HTTP 404 Not Found".
    pub fn http_status(status: u16, retry_after: Option<DateTime<Utc>>) -> FetchFailure {
        let reason = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let message = format!("HTTP {status} {reason}").trim_end().to_string();
        FetchFailure {
            kind: ErrorKind::HttpStatus,
            message,
            status: Some(status),
            retry_after,
        }
    }

    pub fn too_large(limit: u64) -> FetchFailure {
        FetchFailure::new(
            ErrorKind::TooLarge,
            format!("body larger than {}", format_size(limit)),
        )
    }

    pub fn timeout(after: Duration) -> FetchFailure {
        FetchFailure::new(
            ErrorKind::Timeout,
            format!("timed out after {}", format_duration(after)),
        )
    }
}

impl fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for FetchFailure {}

/// Building the fetcher failed (it only fails if the TLS stack cannot be set up).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("could not set up the HTTP client ({0}); check the system's TLS certificates")]
    Client(#[source] reqwest::Error),
}

/// Classifies a transport error (anything but an HTTP status) for `host`.
/// `timeout` / `connect_timeout` only feed the message of a timeout.
pub fn classify(
    err: &(dyn StdError + 'static),
    host: &str,
    timeout: Duration,
    connect_timeout: Duration,
) -> FetchFailure {
    let reqwest_err = err.downcast_ref::<reqwest::Error>();
    let is_connect = reqwest_err.is_some_and(reqwest::Error::is_connect);
    if reqwest_err.is_some_and(reqwest::Error::is_dns) || chain(err).any(looks_like_dns) {
        return FetchFailure::new(ErrorKind::Dns, format!("DNS lookup failed for host {host}"));
    }
    if reqwest_err.is_some_and(reqwest::Error::is_timeout)
        || chain(err).any(|e| io_kind(e) == Some(io::ErrorKind::TimedOut))
    {
        return if is_connect {
            FetchFailure::new(
                ErrorKind::Timeout,
                format!(
                    "connecting to {host} timed out after {}",
                    format_duration(connect_timeout)
                ),
            )
        } else {
            FetchFailure::timeout(timeout)
        };
    }
    if let Some(tls) = chain(err).find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return FetchFailure::new(ErrorKind::Tls, format!("TLS error: {tls}"));
    }
    for e in chain(err) {
        let message = match io_kind(e) {
            Some(io::ErrorKind::ConnectionRefused) => "connection refused",
            Some(io::ErrorKind::ConnectionReset) => "connection reset by the server",
            Some(io::ErrorKind::ConnectionAborted) => "connection aborted",
            Some(io::ErrorKind::HostUnreachable) => "host unreachable",
            Some(io::ErrorKind::NetworkUnreachable) => "network unreachable",
            Some(io::ErrorKind::AddrNotAvailable) => "address not available",
            _ => continue,
        };
        return FetchFailure::new(ErrorKind::Connect, message);
    }
    let detail = innermost(err);
    if is_connect {
        return FetchFailure::new(
            ErrorKind::Connect,
            format!("could not connect to {host}: {detail}"),
        );
    }
    if let Some(r) = reqwest_err {
        if r.is_decode() {
            return FetchFailure::new(
                ErrorKind::Io,
                format!("could not decode the body: {detail}"),
            );
        }
        if r.is_body() || r.is_request() {
            return FetchFailure::new(ErrorKind::Io, format!("connection failed: {detail}"));
        }
        if r.is_builder() {
            return FetchFailure::new(ErrorKind::Other, format!("invalid request: {detail}"));
        }
    }
    if chain(err).any(|e| e.is::<io::Error>()) {
        return FetchFailure::new(ErrorKind::Io, detail);
    }
    FetchFailure::new(ErrorKind::Other, detail)
}

/// The error and its sources. `io::Error::source` skips the error it wraps, so a wrapped
/// error is visited explicitly (that is where rustls puts its errors, for example).
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut stack = vec![err];
    std::iter::from_fn(move || {
        let e = stack.pop()?;
        if let Some(src) = e.source() {
            stack.push(src);
        }
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            stack.push(inner);
        }
        Some(e)
    })
}

fn io_kind(e: &(dyn StdError + 'static)) -> Option<io::ErrorKind> {
    e.downcast_ref::<io::Error>().map(io::Error::kind)
}

fn looks_like_dns(e: &(dyn StdError + 'static)) -> bool {
    let text = e.to_string();
    text.contains("failed to lookup address") || text.starts_with("dns error")
}

/// The most specific message in the chain, capped in length for the UI.
fn innermost(err: &(dyn StdError + 'static)) -> String {
    let last = chain(err).last().unwrap_or(err);
    let mut text = last.to_string();
    if text.chars().count() > 120 {
        text = text.chars().take(119).collect::<String>() + "…";
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrap(&'static str, Box<dyn StdError + Send + Sync>);
    impl fmt::Display for Wrap {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for Wrap {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&*self.1)
        }
    }

    const T: Duration = Duration::from_secs(30);
    const C: Duration = Duration::from_secs(10);

    #[test]
    fn classifies_through_the_chain() {
        let refused = Wrap(
            "client error (Connect)",
            Box::new(io::Error::from(io::ErrorKind::ConnectionRefused)),
        );
        let f = classify(&refused, "h", T, C);
        assert_eq!(
            (f.kind, f.message.as_str()),
            (ErrorKind::Connect, "connection refused")
        );

        let timed_out = Wrap(
            "x",
            Box::new(io::Error::new(io::ErrorKind::TimedOut, "slow")),
        );
        let f = classify(&timed_out, "h", T, C);
        assert_eq!(
            (f.kind, f.message.as_str()),
            (ErrorKind::Timeout, "timed out after 30s")
        );

        // rustls inside an io::Error, as tokio-rustls reports it.
        let tls = Wrap(
            "client error (Connect)",
            Box::new(io::Error::new(
                io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
            )),
        );
        let f = classify(&tls, "h", T, C);
        assert_eq!(f.kind, ErrorKind::Tls);
        assert!(
            f.message.starts_with("TLS error: invalid peer certificate"),
            "{}",
            f.message
        );

        let dns = Wrap(
            "client error (Connect)",
            Box::new(Wrap(
                "dns error",
                Box::new(io::Error::other("failed to lookup address information")),
            )),
        );
        let f = classify(&dns, "feeds.example", T, C);
        assert_eq!(
            (f.kind, f.message.as_str()),
            (ErrorKind::Dns, "DNS lookup failed for host feeds.example")
        );

        let other = Wrap(
            "weird",
            Box::new(Wrap("innermost detail", Box::new(fmt::Error))),
        );
        let f = classify(&other, "h", T, C);
        assert_eq!(f.kind, ErrorKind::Other);
        assert_eq!(f.message, "an error occurred when formatting an argument");
    }

    #[test]
    fn status_messages() {
        assert_eq!(
            FetchFailure::http_status(404, None).message,
            "HTTP 404 Not Found"
        );
        assert_eq!(FetchFailure::http_status(599, None).message, "HTTP 599");
        assert_eq!(
            FetchFailure::too_large(20 << 20).message,
            "body larger than 20 MiB"
        );
    }
}
