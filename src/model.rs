//! Plain data shared by every layer: feed and article identities and records.
//! No I/O, no terminal: the poller, the store, the headless CLI and the UI all speak these types.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// 64-bit FNV-1a. Used for identities that must be stable across runs, Rust versions and
/// machines (std's `DefaultHasher` guarantees none of that).
pub fn fnv1a64(parts: &[&[u8]]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A separator that cannot occur in UTF-8 text keeps ("ab","c") != ("a","bc").
            hash ^= 0xff;
            hash = hash.wrapping_mul(PRIME);
        }
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// Identity of a feed: a hash of its URL exactly as written in the config.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeedId(pub u64);

impl FeedId {
    pub fn from_url(url: &str) -> FeedId {
        FeedId(fnv1a64(&[url.as_bytes()]))
    }
}

impl fmt::Display for FeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Identity of an article, stable across runs: a hash of the feed URL and the article's
/// de-duplication key (guid, else link, else title + date). Shown as 16 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArticleId(pub u64);

impl ArticleId {
    /// Computes the id from the feed URL and the article's fields, in the order of
    /// preference the de-duplication rule gives.
    pub fn derive(
        feed_url: &str,
        guid: Option<&str>,
        link: Option<&str>,
        title: &str,
        date: Option<DateTime<Utc>>,
    ) -> ArticleId {
        let key = if let Some(guid) = non_empty(guid) {
            format!("g:{guid}")
        } else if let Some(link) = non_empty(link) {
            format!("l:{link}")
        } else {
            let date = date.map(|d| d.timestamp().to_string()).unwrap_or_default();
            format!("t:{}\u{0}{date}", title.trim())
        };
        ArticleId(fnv1a64(&[feed_url.as_bytes(), key.as_bytes()]))
    }

    /// The id as SQLite stores it (an INTEGER is signed).
    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }

    pub fn from_i64(v: i64) -> ArticleId {
        ArticleId(v as u64)
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Error for an article id that is not 1 to 16 hex digits.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{0}` is not an article id (expected up to 16 hexadecimal digits, as `tidings list` prints)"
)]
pub struct BadArticleId(pub String);

impl FromStr for ArticleId {
    type Err = BadArticleId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || t.len() > 16 {
            return Err(BadArticleId(s.to_string()));
        }
        u64::from_str_radix(t, 16)
            .map(ArticleId)
            .map_err(|_| BadArticleId(s.to_string()))
    }
}

/// How an article body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BodyKind {
    #[default]
    Html,
    Text,
}

impl BodyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::Html => "html",
            BodyKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> BodyKind {
        if s == "text" {
            BodyKind::Text
        } else {
            BodyKind::Html
        }
    }
}

/// The body of an article, as the feed sent it (raw, not cleaned). Loaded on demand.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ArticleBody {
    pub kind: BodyKind,
    pub content: String,
}

/// What the lists need to know about an article. Kept in memory for every article, so it
/// holds no body: bodies are loaded on demand.
#[derive(Clone, Debug, PartialEq)]
pub struct ArticleMeta {
    pub id: ArticleId,
    pub feed: FeedId,
    pub guid: Option<String>,
    pub title: String,
    pub link: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub first_seen: DateTime<Utc>,
    pub read: bool,
    pub starred: bool,
    /// Indices into the configured highlight rules that match the title or the body.
    pub highlights: Vec<u16>,
    /// Whether the article has enclosures, and whether one is downloaded (the list's mark);
    /// the enclosures themselves are loaded on demand.
    pub media: MediaMark,
}

/// What the lists know about an article's enclosures: one byte per article.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MediaMark {
    /// No enclosure.
    #[default]
    None,
    /// At least one enclosure, none downloaded.
    Attached,
    /// At least one enclosure is downloaded.
    Downloaded,
}

impl MediaMark {
    /// As the store keeps it (`articles.media`).
    pub fn as_i64(self) -> i64 {
        match self {
            MediaMark::None => 0,
            MediaMark::Attached => 1,
            MediaMark::Downloaded => 2,
        }
    }

    /// The reverse of `as_i64`; an unknown value reads as attached when non-zero.
    pub fn from_i64(v: i64) -> MediaMark {
        match v {
            0 => MediaMark::None,
            2 => MediaMark::Downloaded,
            _ => MediaMark::Attached,
        }
    }

    /// The mark for articles with these enclosures.
    pub fn of(enclosures: &[Enclosure]) -> MediaMark {
        if enclosures.is_empty() {
            MediaMark::None
        } else {
            MediaMark::Attached
        }
    }
}

impl ArticleMeta {
    /// The date to show and to sort by: published, else when tidings first saw it.
    pub fn date(&self) -> DateTime<Utc> {
        self.published.unwrap_or(self.first_seen)
    }
}

/// A freshly parsed article with its body, before it reaches the store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewArticle {
    pub meta: ArticleMeta,
    pub body: ArticleBody,
    pub updated: Option<DateTime<Utc>>,
    /// Media attached to the article (podcast episodes, videos, images), in document order.
    pub enclosures: Vec<Enclosure>,
}

/// A media file attached to an article: RSS `<enclosure>`, Atom `<link rel="enclosure">`,
/// JSON Feed `attachments`, Media RSS `<media:content>`; `itunes:duration` fills the duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enclosure {
    /// Absolute URL (resolved against `xml:base` and the feed's URL).
    pub url: String,
    /// MIME type as the feed gives it (`audio/mpeg`), if it does.
    pub mime: Option<String>,
    /// Size in bytes, when the feed gives a non-zero one.
    pub length: Option<u64>,
    /// Play time, when the feed gives one.
    pub duration: Option<Duration>,
}

impl Enclosure {
    /// `♫ 42 min · 38 MB · audio/mpeg`: the duration and the size when known, the type (or
    /// "unknown type"). One line, the same in the reader and in `tidings show` and `list`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::with_capacity(3);
        if let Some(d) = self.duration.filter(|d| !d.is_zero()) {
            parts.push(play_time(d));
        }
        if let Some(n) = self.length {
            parts.push(media_size(n));
        }
        parts.push(
            self.mime
                .as_deref()
                .map(|m| m.chars().filter(|c| !c.is_control()).collect())
                .unwrap_or_else(|| "unknown type".to_string()),
        );
        format!("♫ {}", parts.join(" · "))
    }
}

/// A stored enclosure: what the feed said, its place among the article's enclosures, and
/// the local file once downloaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEnclosure {
    pub article: ArticleId,
    /// 0-based, in document order.
    pub index: usize,
    pub enclosure: Enclosure,
    /// The finished download, when there is one.
    pub downloaded: Option<PathBuf>,
}

/// "45 s", "42 min", "1 h 5 min": a play time, rounded to the minute from a minute on.
pub fn play_time(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        return format!("{secs} s");
    }
    let minutes = (secs + 30) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// "900 B", "12 kB", "38 MB", "1.2 GB": a media size in decimal units, as podcast apps and
/// file managers show it.
pub fn media_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let tenths = bytes * 10 / unit;
            return if tenths < 100 && !tenths.is_multiple_of(10) {
                format!("{}.{} {name}", tenths / 10, tenths % 10)
            } else {
                format!("{} {name}", (bytes + unit / 2) / unit)
            };
        }
    }
    format!("{bytes} B")
}

/// Classification of a failed fetch, shown short in the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Dns,
    Connect,
    Tls,
    Timeout,
    HttpStatus,
    TooLarge,
    TooManyRedirects,
    NotAFeed,
    Parse,
    Io,
    Other,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::HttpStatus => "http",
            ErrorKind::TooLarge => "too large",
            ErrorKind::TooManyRedirects => "redirects",
            ErrorKind::NotAFeed => "not a feed",
            ErrorKind::Parse => "parse",
            ErrorKind::Io => "io",
            ErrorKind::Other => "error",
        }
    }
}

/// Why a feed's `next_due` is what it is. A polite refresh (`tidings refresh` without
/// `--force`) skips a feed only while the server or the backoff holds it, never for its
/// schedule; `--due` skips it for any of the three.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DueReason {
    /// The feed's refresh interval, its own update hints (ttl, sy:updatePeriod) or the
    /// server's caching headers (max-age, Expires).
    #[default]
    Schedule,
    /// The server asked to wait: `Retry-After` on a 429, a 503 or another failure.
    ServerAsked,
    /// Backing off after consecutive failures (see `failures`).
    Backoff,
}

impl DueReason {
    /// Stable name, as the store keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            DueReason::Schedule => "schedule",
            DueReason::ServerAsked => "server_asked",
            DueReason::Backoff => "backoff",
        }
    }

    /// The reverse of `as_str`; an unknown name reads as the schedule.
    pub fn from_key(key: &str) -> DueReason {
        match key {
            "server_asked" => DueReason::ServerAsked,
            "backoff" => DueReason::Backoff,
            _ => DueReason::Schedule,
        }
    }
}

/// Everything tidings remembers about polling one feed. Persisted by the store.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FeedState {
    pub id: FeedId,
    pub url: String,
    /// Title the feed itself gives (the config's title wins for display).
    pub feed_title: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub error_kind: Option<ErrorKind>,
    /// Consecutive failures, drives the backoff.
    pub failures: u32,
    /// No request before this time (backoff, Retry-After, or the feed's own caching hints).
    pub next_due: Option<DateTime<Utc>>,
    /// Why `next_due` is what it is.
    pub due_reason: DueReason,
    /// A permanent redirect target seen on the last fetch ("feed moved to ...").
    pub moved_to: Option<String>,
    /// A feed URL discovered in an HTML page at the configured URL.
    pub discovered: Option<String>,
    /// The last document parsed only in part (it broke, or held elements tidings could not
    /// read). Not a failure: the articles read are kept. Cleared by a clean parse. Boxed:
    /// rare, and `FeedState` travels by value through the store writer's queue.
    pub warning: Option<Box<FeedWarning>>,
}

/// Why a feed that parsed is not plainly "ok".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningKind {
    /// The document broke (truncated or malformed): the items before the break were kept.
    Partial,
    /// The document holds items, a root or a namespace that tidings does not read.
    NotUnderstood,
}

impl WarningKind {
    /// The word shown in the refresh line, the feeds pane and `list`.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::Partial => "partial",
            WarningKind::NotUnderstood => "warning",
        }
    }
}

/// A warning about the last document of a feed, with the message shown to the user
/// (`XML error at line 3, column 14: ...; kept the 2 items before it`, or
/// `root <feed> in namespace http://purl.org/atom/ns#: 3 <entry> elements, 0 understood`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedWarning {
    pub kind: WarningKind,
    pub message: String,
}

impl fmt::Display for FeedWarning {
    /// `partial: <message>` or `warning: <message>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl FeedState {
    pub fn new(url: &str) -> FeedState {
        FeedState {
            id: FeedId::from_url(url),
            url: url.to_string(),
            ..FeedState::default()
        }
    }

    pub fn is_failing(&self) -> bool {
        self.last_error.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_prefer_guid() {
        let a = ArticleId::derive("https://x/feed", Some("g1"), Some("https://x/1"), "T", None);
        let b = ArticleId::derive(
            "https://x/feed",
            Some("g1"),
            Some("https://x/other"),
            "U",
            None,
        );
        assert_eq!(a, b);
        let c = ArticleId::derive("https://x/feed", None, Some("https://x/1"), "T", None);
        assert_ne!(a, c);
        // Known value: guards against an accidental change of the hash (ids are a contract).
        assert_eq!(FeedId::from_url("").0, 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn ids_round_trip_through_text() {
        let id = ArticleId(0x00ab_cdef_0123_4567);
        assert_eq!(id.to_string(), "00abcdef01234567");
        assert_eq!(id.to_string().parse::<ArticleId>().unwrap(), id);
        assert!("xyz".parse::<ArticleId>().is_err());
        assert!("".parse::<ArticleId>().is_err());
        assert_eq!(ArticleId::from_i64(id.as_i64()), id);
    }

    #[test]
    fn enclosure_summaries_read_naturally() {
        let e = Enclosure {
            url: "https://x/ep.mp3".into(),
            mime: Some("audio/mpeg".into()),
            length: Some(38_000_000),
            duration: Some(Duration::from_secs(42 * 60 + 10)),
        };
        assert_eq!(e.summary(), "♫ 42 min · 38 MB · audio/mpeg");
        let bare = Enclosure {
            url: "https://x/a".into(),
            mime: None,
            length: None,
            duration: None,
        };
        assert_eq!(bare.summary(), "♫ unknown type");
        assert_eq!(play_time(Duration::from_secs(45)), "45 s");
        assert_eq!(play_time(Duration::from_secs(3600 + 5 * 60)), "1 h 5 min");
        assert_eq!(play_time(Duration::from_secs(7200)), "2 h");
        assert_eq!(media_size(900), "900 B");
        assert_eq!(media_size(12_345), "12 kB");
        assert_eq!(media_size(1_234_567), "1.2 MB");
        assert_eq!(media_size(1_250_000_000), "1.2 GB");
        assert_eq!(media_size(5_000), "5 kB");
    }

    #[test]
    fn media_marks_round_trip() {
        for m in [MediaMark::None, MediaMark::Attached, MediaMark::Downloaded] {
            assert_eq!(MediaMark::from_i64(m.as_i64()), m);
        }
    }

    #[test]
    fn blank_guid_falls_back_to_link() {
        let a = ArticleId::derive("f", Some("  "), Some("l"), "t", None);
        let b = ArticleId::derive("f", None, Some("l"), "t", None);
        assert_eq!(a, b);
    }
}
