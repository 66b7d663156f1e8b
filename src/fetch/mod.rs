//! Fetching feeds, pages and enclosure downloads: HTTP with limits and politeness, local
//! files, character sets, feed discovery and polling-time rules. Never parses feeds and never
//! touches the store.

pub mod budget;
pub mod charset;
mod client;
pub mod discover;
pub mod download;
mod error;
pub mod hosts;
mod limits;
pub mod schedule;

use chrono::{DateTime, Utc};

use crate::config::FeedLocation;

pub use budget::{ByteBudget, Held, Waited};
pub use client::{Fetcher, USER_AGENT};
pub use download::{DownloadError, DownloadRequest, DownloadSource, Downloaded};
pub use error::{classify, FetchError, FetchFailure};
pub use limits::{format_duration, format_size, Limits, MAX_BYTES_IN_FLIGHT};

/// One feed to fetch, with the validators from its last successful fetch.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedRequest {
    pub location: FeedLocation,
    /// `ETag` from the last 200, sent as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` from the last 200, sent as `If-Modified-Since`. For files, an opaque
    /// validator (modification time and size) that `fetch_feed` returned before.
    pub last_modified: Option<String>,
}

impl FeedRequest {
    /// A request without validators.
    pub fn new(location: FeedLocation) -> FeedRequest {
        FeedRequest {
            location,
            etag: None,
            last_modified: None,
        }
    }
}

/// A fetched document, not yet decoded or parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// The body, decompressed, at most `Limits::max_body_size` bytes; not yet decoded
    /// (see [`charset::decode_document`]).
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The final URL, when every redirect on the way was permanent (301/308): the feed
    /// moved and the user may want to update the config. `None` without redirects or if
    /// any hop was temporary (302/303/307), since the configured URL is still the entry.
    pub permanent_redirect: Option<String>,
    /// No fetch before this time (`Cache-Control: max-age`, else `Expires`; capped at 24 h).
    pub not_before: Option<DateTime<Utc>>,
    /// Body size after decompression.
    pub bytes: u64,
}

/// The result of one feed fetch.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchOutcome {
    /// New content (a 2xx, or a changed file).
    Modified(Fetched),
    /// 304 (or an unchanged file): nothing to parse.
    NotModified {
        not_before: Option<DateTime<Utc>>,
    },
    Failed(FetchFailure),
}
