//! The HTTP (and local file) fetcher: conditional GET, redirects, limits and politeness.
//! Never parses feeds and never retries on its own: it reports, the poller decides.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::FeedLocation;
use crate::model::ErrorKind;

use super::budget::{ByteBudget, Held, Waited};
use super::error::{classify, FetchError, FetchFailure};
use super::hosts::HostLimiter;
use super::limits::Limits;
use super::{charset, schedule, FeedRequest, FetchOutcome, Fetched};

/// Sent with every request, so server operators can tell who is polling them.
pub const USER_AGENT: &str = concat!(
    "tidings/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/tidings-rs/tidings)"
);

const ACCEPT_FEED: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, \
     */*;q=0.5";
const ACCEPT_PAGE: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";
/// The formats the reader decodes first; anything else is tried by its content.
const ACCEPT_IMAGE: &str = "image/png, image/jpeg, image/gif, image/webp, image/*;q=0.8, */*;q=0.5";

/// Fetches feeds and pages within [`Limits`]. Cheap to clone: clones share the connection
/// pool and the concurrency limits.
#[derive(Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    limits: Limits,
    global: Arc<Semaphore>,
    hosts: HostLimiter,
    /// Bytes of bodies held at once (see `budget`).
    bytes: ByteBudget,
}

/// What the caller sends with a request.
#[derive(Clone, Copy)]
enum Want<'a> {
    Feed {
        etag: Option<&'a str>,
        last_modified: Option<&'a str>,
    },
    Page,
    /// An article image, with its own body cap (`max_image_size`).
    Image {
        max: u64,
    },
}

/// A successful response after redirects.
struct Got {
    body: Vec<u8>,
    /// The body's share of the byte budget.
    held: Held,
    content_type: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
    final_url: Url,
    /// At least one redirect, and every one was 301/308.
    moved_permanently: bool,
    not_before: Option<DateTime<Utc>>,
}

enum Answer {
    NotModified { not_before: Option<DateTime<Utc>> },
    Body(Box<Got>),
}

enum Hop {
    Redirect { status: StatusCode, to: Url },
    Done(Answer),
}

impl Fetcher {
    /// Builds the HTTP client (rustls with the ring provider, installed process-wide once).
    pub fn new(limits: Limits) -> Result<Fetcher, FetchError> {
        Fetcher::build(limits, None)
    }

    fn build(
        limits: Limits,
        resolver: Option<Arc<dyn reqwest::dns::Resolve>>,
    ) -> Result<Fetcher, FetchError> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .gzip(true)
            .brotli(true)
            .deflate(true)
            // Redirects are followed by hand: loop detection, permanent-move tracking and
            // per-host limits for each hop need the whole chain.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.connect_timeout)
            .pool_max_idle_per_host(limits.max_per_host.max(1))
            .referer(false);
        if let Some(resolver) = resolver {
            builder = builder.dns_resolver(resolver);
        }
        let client = builder.build().map_err(FetchError::Client)?;
        Ok(Fetcher {
            inner: Arc::new(Inner {
                client,
                global: Arc::new(Semaphore::new(limits.max_concurrent.max(1))),
                hosts: HostLimiter::new(limits.max_per_host),
                bytes: ByteBudget::new(limits.max_bytes_in_flight),
                limits,
            }),
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The HTTP client (for the download module, which streams instead of buffering).
    pub(super) fn http(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// Waits for a per-host slot for `url`, then a global one (the order `get` uses).
    pub(super) async fn slots(&self, url: &Url) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let host = self.inner.hosts.acquire(&host_key(url)).await;
        let global = self.global_slot().await;
        (host, global)
    }

    /// Waits for a global slot only (local files).
    pub(super) async fn global_slot(&self) -> OwnedSemaphorePermit {
        Arc::clone(&self.inner.global)
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed")
    }

    /// Classifies a transport error of a request to `url`.
    pub(super) fn failure(&self, err: &reqwest::Error, url: &Url) -> FetchFailure {
        self.classify(err, url)
    }

    /// Fetches a feed, sending the request's validators. Waits for a global and a per-host
    /// slot first; never fails outside the returned outcome.
    pub async fn fetch_feed(&self, req: &FeedRequest) -> FetchOutcome {
        self.fetch_feed_held(req).await.0
    }

    /// The byte budget shared by this fetcher's fetches (`Limits::max_bytes_in_flight`).
    pub fn byte_budget(&self) -> &ByteBudget {
        &self.inner.bytes
    }

    /// [`Fetcher::fetch_feed`], also returning the body's share of the byte budget: keep it
    /// as long as the document (or what is parsed from it) is held, so that the next bodies
    /// wait. Local files are not counted (empty `Held`).
    pub async fn fetch_feed_held(&self, req: &FeedRequest) -> (FetchOutcome, Held) {
        let outcome = match &req.location {
            FeedLocation::Http(url) => {
                let want = Want::Feed {
                    etag: req.etag.as_deref(),
                    last_modified: req.last_modified.as_deref(),
                };
                match self.get(url, want).await {
                    Ok(Answer::NotModified { not_before }) => {
                        FetchOutcome::NotModified { not_before }
                    }
                    Ok(Answer::Body(got)) => {
                        let got = *got;
                        return (
                            FetchOutcome::Modified(Fetched {
                                bytes: got.body.len() as u64,
                                body: got.body,
                                content_type: got.content_type,
                                etag: got.etag,
                                last_modified: got.last_modified,
                                permanent_redirect: got
                                    .moved_permanently
                                    .then(|| got.final_url.to_string()),
                                not_before: got.not_before,
                            }),
                            got.held,
                        );
                    }
                    Err(failure) => FetchOutcome::Failed(failure),
                }
            }
            FeedLocation::File(path) => self.fetch_file(path, req.last_modified.as_deref()).await,
        };
        (outcome, Held::default())
    }

    /// Fetches a web page (for full-text extraction) and decodes it to UTF-8, under the same
    /// limits as feeds.
    pub async fn fetch_page(&self, url: &str) -> Result<String, FetchFailure> {
        match self.get(url, Want::Page).await? {
            Answer::Body(got) => {
                if let Some(ct) = got.content_type.as_deref().filter(|ct| !is_textual(ct)) {
                    let ct = ct.split(';').next().unwrap_or(ct).trim();
                    return Err(FetchFailure::new(
                        ErrorKind::Other,
                        format!("not a web page ({ct}); open it in the browser instead"),
                    ));
                }
                Ok(charset::decode_document(
                    &got.body,
                    got.content_type.as_deref(),
                ))
            }
            // Not reachable without validators, but a server may send it anyway.
            Answer::NotModified { .. } => Err(FetchFailure::http_status(304, None)),
        }
    }

    /// Fetches an article image: the body as it came, at most `max` bytes, under the same
    /// limits as feeds (global and per-host slots, timeout, redirects). An HTML page instead of
    /// an image (a login wall, an error page served with 200) is an error.
    pub async fn fetch_image(&self, url: &str, max: u64) -> Result<Vec<u8>, FetchFailure> {
        match self.get(url, Want::Image { max }).await? {
            Answer::Body(got) => {
                let html = got.content_type.as_deref().is_some_and(|ct| {
                    let mime = ct.split(';').next().unwrap_or("").trim();
                    mime.eq_ignore_ascii_case("text/html")
                });
                if html {
                    return Err(FetchFailure::new(
                        ErrorKind::Other,
                        "not an image (the server sent a web page)",
                    ));
                }
                Ok(got.body)
            }
            Answer::NotModified { .. } => Err(FetchFailure::http_status(304, None)),
        }
    }

    /// GET with redirects followed by hand. Each hop takes a per-host slot, then a global
    /// slot (in that order, so feeds queued behind one busy host do not hold global slots),
    /// and releases both before the next hop (so no task waits while holding a slot).
    async fn get(&self, url: &str, want: Want<'_>) -> Result<Answer, FetchFailure> {
        let limits = &self.inner.limits;
        let mut url = Url::parse(url.trim()).map_err(|e| {
            FetchFailure::new(ErrorKind::Other, format!("invalid URL {url:?}: {e}"))
        })?;
        check_scheme(&url)?;
        let mut seen: HashSet<String> = HashSet::from([url.to_string()]);
        let mut redirects = 0usize;
        let mut all_permanent = true;
        let mut budget = limits.timeout;
        // Time spent waiting for the byte budget: not counted against the timeout.
        let waited = Waited::default();
        loop {
            let _host = self.inner.hosts.acquire(&host_key(&url)).await;
            let _global = Arc::clone(&self.inner.global)
                .acquire_owned()
                .await
                .expect("the global semaphore is never closed");
            let started = Instant::now();
            let waited_before = waited.so_far();
            let hop = match within(budget, &waited, self.hop(&url, want, &waited)).await {
                Some(hop) => hop?,
                None => return Err(FetchFailure::timeout(limits.timeout)),
            };
            let waited_now = waited.so_far().saturating_sub(waited_before);
            budget = budget.saturating_sub(started.elapsed().saturating_sub(waited_now));
            let (status, to) = match hop {
                Hop::Done(Answer::Body(mut got)) => {
                    got.moved_permanently = redirects > 0 && all_permanent;
                    return Ok(Answer::Body(got));
                }
                Hop::Done(answer) => return Ok(answer),
                Hop::Redirect { status, mut to } => {
                    // Fragments never reach the server: `/a#x` and `/a` are one resource.
                    to.set_fragment(None);
                    (status, to)
                }
            };
            redirects += 1;
            all_permanent &= matches!(
                status,
                StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
            );
            if !seen.insert(to.to_string()) {
                return Err(FetchFailure::new(
                    ErrorKind::TooManyRedirects,
                    format!("redirect loop at {to}"),
                ));
            }
            if redirects > limits.max_redirects {
                return Err(FetchFailure::new(
                    ErrorKind::TooManyRedirects,
                    format!(
                        "more than {} redirects (last to {to})",
                        limits.max_redirects
                    ),
                ));
            }
            check_scheme(&to)?;
            if budget.is_zero() {
                return Err(FetchFailure::timeout(limits.timeout));
            }
            url = to;
        }
    }

    /// One request: a redirect to follow, or the final answer with its body read.
    async fn hop(&self, url: &Url, want: Want<'_>, waited: &Waited) -> Result<Hop, FetchFailure> {
        let limits = &self.inner.limits;
        let mut request = self.inner.client.get(url.clone());
        match want {
            Want::Feed {
                etag,
                last_modified,
            } => {
                request = request.header(header::ACCEPT, ACCEPT_FEED);
                // A validator that is not a valid header value (corrupt state) is dropped:
                // an unconditional GET is better than no GET.
                if let Some(v) = etag.and_then(|v| HeaderValue::from_str(v).ok()) {
                    request = request.header(header::IF_NONE_MATCH, v);
                }
                if let Some(v) = last_modified.and_then(|v| HeaderValue::from_str(v).ok()) {
                    request = request.header(header::IF_MODIFIED_SINCE, v);
                }
            }
            Want::Page => request = request.header(header::ACCEPT, ACCEPT_PAGE),
            Want::Image { .. } => request = request.header(header::ACCEPT, ACCEPT_IMAGE),
        }
        let mut response = request.send().await.map_err(|e| self.classify(&e, url))?;
        let status = response.status();
        let headers = response.headers();
        if matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
            let to = text(headers, header::LOCATION)
                .and_then(|loc| url.join(loc.trim()).ok())
                .ok_or_else(|| {
                    let mut f = FetchFailure::http_status(status.as_u16(), None);
                    f.message.push_str(" without a valid Location");
                    f
                })?;
            return Ok(Hop::Redirect { status, to });
        }
        let now = Utc::now();
        let not_before = schedule::cache_not_before(
            text(headers, header::CACHE_CONTROL),
            text(headers, header::EXPIRES),
            text(headers, header::AGE),
            now,
        );
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Hop::Done(Answer::NotModified { not_before }));
        }
        if !status.is_success() {
            let retry_after = match status {
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                    text(headers, header::RETRY_AFTER)
                        .and_then(|v| schedule::parse_retry_after(v, now))
                }
                _ => None,
            };
            return Err(FetchFailure::http_status(status.as_u16(), retry_after));
        }
        let content_type = text(headers, header::CONTENT_TYPE).map(str::to_string);
        let etag = text(headers, header::ETAG).map(str::to_string);
        let last_modified = text(headers, header::LAST_MODIFIED).map(str::to_string);
        let final_url = response.url().clone();
        let max = match want {
            Want::Image { max } => max,
            Want::Feed { .. } | Want::Page => limits.max_body_size,
        };
        let (body, held) = self.read_body(&mut response, url, max, waited).await?;
        Ok(Hop::Done(Answer::Body(Box::new(Got {
            body,
            held,
            content_type,
            etag,
            last_modified,
            final_url,
            moved_permanently: false,
            not_before,
        }))))
    }

    /// Reads the (already decompressed) body, stopping as soon as it passes `max`: a
    /// compression bomb costs at most `max` bytes of memory and the time to inflate them.
    /// Reserves the body's bytes from the byte budget first (its `Content-Length`), or as it
    /// grows when the length is unknown; time spent waiting for them goes to `waited`.
    async fn read_body(
        &self,
        response: &mut reqwest::Response,
        url: &Url,
        max: u64,
        waited: &Waited,
    ) -> Result<(Vec<u8>, Held), FetchFailure> {
        // Only known without compression (reqwest drops the length of what it inflates).
        let declared = response.content_length();
        if declared.is_some_and(|len| len > max) {
            return Err(FetchFailure::too_large(max));
        }
        let budget = &self.inner.bytes;
        let mut held = Held::default();
        if let Some(len) = declared {
            budget.reserve(&mut held, len, waited).await;
        }
        let initial = declared.unwrap_or(0).min(max).min(1 << 20);
        let mut body = Vec::with_capacity(initial as usize);
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(&e, url))? {
            let len = (body.len() + chunk.len()) as u64;
            if len > max {
                return Err(FetchFailure::too_large(max));
            }
            budget.grow(&mut held, len, waited).await;
            body.extend_from_slice(&chunk);
        }
        Ok((body, held))
    }

    fn classify(&self, err: &reqwest::Error, url: &Url) -> FetchFailure {
        let limits = &self.inner.limits;
        classify(
            err,
            url.host_str().unwrap_or("?"),
            limits.timeout,
            limits.connect_timeout,
        )
    }

    /// Reads a local feed file on the blocking pool. The validator is the file's
    /// modification time and size: unchanged since `known` => `NotModified`.
    async fn fetch_file(&self, path: &Path, known: Option<&str>) -> FetchOutcome {
        // Bounds the blocking threads used, like network fetches.
        let _global = Arc::clone(&self.inner.global)
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed");
        let max = self.inner.limits.max_body_size;
        let path = path.to_path_buf();
        let known = known.map(str::to_string);
        let task = tokio::task::spawn_blocking(move || read_file(&path, max, known.as_deref()));
        match task.await {
            Ok(outcome) => outcome,
            Err(e) => FetchOutcome::Failed(FetchFailure::new(
                ErrorKind::Other,
                format!("reading the file failed: {e}"),
            )),
        }
    }
}

/// Runs `fut` for at most `limit`, plus the time it spends waiting for the byte budget
/// (counted in `waited`). `None` when it ran out of time.
async fn within<F: std::future::Future>(
    limit: Duration,
    waited: &Waited,
    fut: F,
) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let started = tokio::time::Instant::now();
    let before = waited.so_far();
    let mut excused = Duration::ZERO;
    loop {
        match tokio::time::timeout_at(started + limit + excused, fut.as_mut()).await {
            Ok(output) => return Some(output),
            Err(_) => {
                let now = waited.so_far().saturating_sub(before);
                if now <= excused {
                    return None;
                }
                excused = now;
            }
        }
    }
}

fn read_file(path: &Path, max: u64, known: Option<&str>) -> FetchOutcome {
    let io_failure = |e: std::io::Error| {
        let shown = path.display();
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => format!("file not found: {shown}"),
            std::io::ErrorKind::PermissionDenied => format!("permission denied: {shown}"),
            _ => format!("cannot read {shown}: {e}"),
        };
        FetchOutcome::Failed(FetchFailure::new(ErrorKind::Io, message))
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return io_failure(e),
    };
    if meta.is_dir() {
        return FetchOutcome::Failed(FetchFailure::new(
            ErrorKind::Io,
            format!("{} is a directory, not a feed file", path.display()),
        ));
    }
    if meta.len() > max {
        return FetchOutcome::Failed(FetchFailure::too_large(max));
    }
    let validator = meta.modified().ok().map(|t| {
        let t: DateTime<Utc> = t.into();
        format!(
            "{} ({} bytes)",
            t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            meta.len()
        )
    });
    if validator.is_some() && validator.as_deref() == known {
        return FetchOutcome::NotModified { not_before: None };
    }
    let mut body = Vec::with_capacity(meta.len() as usize);
    let read = std::fs::File::open(path).and_then(|f| f.take(max + 1).read_to_end(&mut body));
    if let Err(e) = read {
        return io_failure(e);
    }
    if body.len() as u64 > max {
        return FetchOutcome::Failed(FetchFailure::too_large(max));
    }
    FetchOutcome::Modified(Fetched {
        bytes: body.len() as u64,
        content_type: content_type_for(path),
        body,
        etag: None,
        last_modified: validator,
        permanent_redirect: None,
        not_before: None,
    })
}

/// A content type for a local file, from its extension, so callers can treat files and
/// HTTP responses alike.
fn content_type_for(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    let ct = match ext.as_str() {
        "json" => "application/json",
        "xml" | "rss" | "atom" | "rdf" => "application/xml",
        "html" | "htm" => "text/html",
        _ => return None,
    };
    Some(ct.to_string())
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another part of the process installed one first: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Whether a page with this content type can be read as text (HTML, XHTML, XML, plain).
fn is_textual(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime.is_empty() || mime.starts_with("text/") || mime.contains("html") || mime.contains("xml")
}

pub(super) fn check_scheme(url: &Url) -> Result<(), FetchFailure> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(FetchFailure::new(
            ErrorKind::Other,
            format!("unsupported URL scheme {other:?} in {url}"),
        )),
    }
}

/// The per-host limiter key: `host:port`, port defaulted by scheme.
fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

pub(super) fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    /// A resolver that fails every lookup: DNS errors without touching the network.
    struct NoDns;
    impl reqwest::dns::Resolve for NoDns {
        fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async {
                Err::<Box<dyn Iterator<Item = SocketAddr> + Send>, _>(
                    "no such host (test resolver)".into(),
                )
            })
        }
    }

    #[tokio::test]
    async fn dns_failures_are_classified() {
        let fetcher = Fetcher::build(Limits::default(), Some(Arc::new(NoDns))).unwrap();
        let req = FeedRequest {
            location: FeedLocation::Http("http://feeds.invalid/rss".into()),
            etag: None,
            last_modified: None,
        };
        match fetcher.fetch_feed(&req).await {
            FetchOutcome::Failed(f) => {
                assert_eq!(f.kind, ErrorKind::Dns, "{f:?}");
                assert_eq!(f.message, "DNS lookup failed for host feeds.invalid");
            }
            other => panic!("expected a DNS failure, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn rejects_unsupported_urls() {
        let fetcher = Fetcher::new(Limits::default()).unwrap();
        let f = fetcher.fetch_page("ftp://example.com/x").await.unwrap_err();
        assert_eq!(f.kind, ErrorKind::Other);
        assert!(
            f.message.contains("unsupported URL scheme"),
            "{}",
            f.message
        );
        let f = fetcher.fetch_page("not a url").await.unwrap_err();
        assert!(f.message.starts_with("invalid URL"), "{}", f.message);
    }

    #[test]
    fn host_keys_include_default_ports() {
        let k = |u: &str| host_key(&Url::parse(u).unwrap());
        assert_eq!(k("https://Example.COM/feed"), "example.com:443");
        assert_eq!(k("http://example.com/feed"), "example.com:80");
        assert_eq!(k("http://127.0.0.1:8080/"), "127.0.0.1:8080");
    }

    #[test]
    fn user_agent_names_the_project() {
        assert!(USER_AGENT.starts_with("tidings/"));
        assert!(USER_AGENT.ends_with("(+https://github.com/tidings-rs/tidings)"));
    }
}
