//! Subscribing from a url the user gives: a feed, or a web page whose `<link rel="alternate">`
//! names its feeds. Finds the feed, checks that it parses, and appends a `[[feeds]]` table to
//! the config file keeping its text byte for byte. Shared by `tidings add` and the reader's
//! prompt: it never asks the user anything (a choice comes back as a value) and never
//! touches the terminal.

use std::path::{Path, PathBuf};

use chrono::Utc;
use reqwest::Url;

use crate::clean::sanitize_inline;
use crate::config::{Config, ConfigError, FeedLocation};
use crate::engine::parse::parse_feed;
use crate::fetch::discover::{self, FeedLink};
use crate::fetch::{charset, FeedRequest, FetchFailure, FetchOutcome, Fetched, Fetcher};
use crate::opml::{append_feeds, OpmlFeed};

/// The first line of a config file that `add` or `import-opml` creates.
pub const NEW_CONFIG_HEADER: &str =
    "# tidings config: every key is documented in config.example.toml\n";

/// What a url turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A feed that parses: the url itself, or the only feed its page names.
    Feed(CheckedFeed),
    /// A web page that names several feeds, in the page's order of preference (RSS, Atom
    /// and JSON Feed first). The caller picks one and passes it to [`check`].
    Choose { page: String, feeds: Vec<FeedLink> },
}

/// A feed that was fetched and parsed: ready to be added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFeed {
    /// The url to put in the config: where the feed is, after permanent redirects.
    pub url: String,
    /// The feed's own title (sanitised), if it has one.
    pub title: Option<String>,
    /// Entries in the feed now.
    pub items: usize,
    /// The web page the feed was discovered on, when the user gave a page.
    pub found_on: Option<String>,
}

/// A feed to add to the config, with the user's own title and tags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewFeed {
    pub url: String,
    pub title: Option<String>,
    pub tags: Vec<String>,
}

/// Why nothing was added. The config file is never changed when one of these is returned.
/// Plain data (`Clone`, `Eq`) so an engine event can carry it to the reader.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddError {
    /// The text given is not an http(s) url.
    #[error("{input:?} is not a web address: {reason}; give a feed or web page url such as https://example.com/blog")]
    InvalidUrl { input: String, reason: String },
    /// The config already lists this feed (as written, or the same url spelled differently).
    #[error("{}", duplicate_message(.url, .found_on.as_deref()))]
    Duplicate {
        url: String,
        found_on: Option<String>,
    },
    /// A web page that names no feed.
    #[error("{page} is a web page that names no feed (it has no <link rel=\"alternate\"> to RSS, Atom or JSON Feed); find the feed's url on the site and add that")]
    NoFeed { page: String },
    /// The url (or the feed a page names) could not be fetched.
    #[error("{}", fetch_message(.url, .found_on.as_deref(), .failure))]
    Fetch {
        url: String,
        found_on: Option<String>,
        failure: FetchFailure,
    },
    /// The document is neither a feed that parses nor a web page.
    #[error("{}", not_a_feed_message(.url, .found_on.as_deref(), .reason))]
    NotAFeed {
        url: String,
        found_on: Option<String>,
        reason: String,
    },
    /// The config would not load with the new table (or no longer loads): nothing written.
    /// `message` is the config error as `ConfigError` renders it (file, line, column).
    #[error("{message}")]
    Config { path: PathBuf, message: String },
    /// The config file could not be read or written.
    #[error("could not {action} {}: {message}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        kind: std::io::ErrorKind,
        message: String,
    },
}

impl From<ConfigError> for AddError {
    fn from(error: ConfigError) -> AddError {
        AddError::Config {
            path: error.path().to_path_buf(),
            message: error.to_string(),
        }
    }
}

fn io_error(action: &'static str, path: &Path, source: &std::io::Error) -> AddError {
    AddError::Io {
        action,
        path: path.to_path_buf(),
        kind: source.kind(),
        message: source.to_string(),
    }
}

fn duplicate_message(url: &str, found_on: Option<&str>) -> String {
    match found_on {
        Some(page) => format!(
            "already subscribed: {page} names the feed {url}, which the config already lists"
        ),
        None => format!("already subscribed: the config already lists {url}"),
    }
}

fn fetch_message(url: &str, found_on: Option<&str>, failure: &FetchFailure) -> String {
    match found_on {
        Some(page) => format!("{page} names the feed {url}, but fetching it failed: {failure}"),
        None => format!("could not fetch {url}: {failure}"),
    }
}

fn not_a_feed_message(url: &str, found_on: Option<&str>, reason: &str) -> String {
    match found_on {
        Some(page) => {
            format!("{page} names the feed {url}, but it is not a feed tidings can read: {reason}")
        }
        None => format!("{url} is neither a feed tidings can read nor a web page: {reason}"),
    }
}

/// Parses what the user typed: an http(s) url, or a host and path without a scheme, which
/// is taken as `https://`.
pub fn normalize_input(input: &str) -> Result<String, AddError> {
    let trimmed = input.trim();
    let invalid = |reason: &str| AddError::InvalidUrl {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    let candidate = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let url = Url::parse(&candidate).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("only http:// and https:// urls can be looked up"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    // Keep the user's spelling when it already was a url: it becomes the feed's identity.
    Ok(if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        url.to_string()
    })
}

/// Whether two feed urls name the same feed: equal as written, or equal once parsed
/// (`HTTP://Example.com` and `http://example.com/`).
pub fn same_url(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    a == b
        || match (Url::parse(a), Url::parse(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
}

/// The urls of the feeds `config` lists, for duplicate checks: the sync server's
/// subscriptions included (adding one of those would only poll what the sync brings).
pub fn known_urls(config: &Config) -> Vec<String> {
    config.feeds.iter().map(|f| f.url.clone()).collect()
}

/// When `error` says the feed is known because the sync server provides it: words that say
/// so (rather than "the config already lists").
pub fn synced_duplicate(config: &Config, error: &AddError) -> Option<String> {
    let AddError::Duplicate { url, found_on } = error else {
        return None;
    };
    let feed = config
        .feeds
        .iter()
        .find(|f| f.synced && same_url(&f.url, url))?;
    let category = feed
        .tags
        .first()
        .map(|c| format!(" (category {c})"))
        .unwrap_or_default();
    Some(match found_on {
        Some(page) => format!(
            "already subscribed: {page} names the feed {url}, which the sync server provides{category}"
        ),
        None => format!("already subscribed: the sync server provides {url}{category}"),
    })
}

fn check_not_known(url: &str, found_on: Option<&str>, known: &[String]) -> Result<(), AddError> {
    match known.iter().any(|k| same_url(k, url)) {
        true => Err(AddError::Duplicate {
            url: url.to_string(),
            found_on: found_on.map(str::to_string),
        }),
        false => Ok(()),
    }
}

/// Fetches `input` (a feed or a web page) and tells what it is: a feed that parses, or a
/// page naming several feeds to choose from. A page naming one feed is followed to it.
/// `known` are the urls already subscribed to (see [`known_urls`]).
pub async fn look_up(fetcher: &Fetcher, input: &str, known: &[String]) -> Result<Lookup, AddError> {
    let url = normalize_input(input)?;
    check_not_known(&url, None, known)?;
    let fetched = fetch(fetcher, &url, None).await?;
    let final_url = fetched.permanent_redirect.clone().unwrap_or(url.clone());
    let text = charset::decode_document(&fetched.body, fetched.content_type.as_deref());
    match parse_in_background(&final_url, text).await {
        Ok(parsed) => {
            check_not_known(&final_url, None, known)?;
            Ok(Lookup::Feed(CheckedFeed {
                url: final_url,
                title: parsed.0,
                items: parsed.1,
                found_on: None,
            }))
        }
        Err((reason, text)) => {
            if !discover::looks_like_html(&text) {
                return Err(AddError::NotAFeed {
                    url,
                    found_on: None,
                    reason,
                });
            }
            let mut feeds = discover::feed_link_details(&text, &final_url);
            for link in &mut feeds {
                link.title = link.title.as_deref().map(sanitize_inline);
            }
            match feeds.len() {
                0 => Err(AddError::NoFeed { page: url }),
                1 => {
                    let only = feeds.remove(0);
                    check(fetcher, &only.url, Some(&url), known)
                        .await
                        .map(Lookup::Feed)
                }
                _ => Ok(Lookup::Choose { page: url, feeds }),
            }
        }
    }
}

/// Fetches `feed_url` and checks that it parses as a feed. `found_on` is the page it was
/// discovered on (for messages); `known` as in [`look_up`].
pub async fn check(
    fetcher: &Fetcher,
    feed_url: &str,
    found_on: Option<&str>,
    known: &[String],
) -> Result<CheckedFeed, AddError> {
    check_not_known(feed_url, found_on, known)?;
    let fetched = fetch(fetcher, feed_url, found_on).await?;
    let final_url = fetched
        .permanent_redirect
        .clone()
        .unwrap_or(feed_url.to_string());
    let text = charset::decode_document(&fetched.body, fetched.content_type.as_deref());
    match parse_in_background(&final_url, text).await {
        Ok((title, items)) => {
            check_not_known(&final_url, found_on, known)?;
            Ok(CheckedFeed {
                url: final_url,
                title,
                items,
                found_on: found_on.map(str::to_string),
            })
        }
        Err((reason, text)) => {
            let reason = if discover::looks_like_html(&text) {
                "it is a web page".to_string()
            } else {
                reason
            };
            Err(AddError::NotAFeed {
                url: feed_url.to_string(),
                found_on: found_on.map(str::to_string),
                reason,
            })
        }
    }
}

async fn fetch(fetcher: &Fetcher, url: &str, found_on: Option<&str>) -> Result<Fetched, AddError> {
    let request = FeedRequest::new(FeedLocation::Http(url.to_string()));
    let failure = match fetcher.fetch_feed(&request).await {
        FetchOutcome::Modified(fetched) => return Ok(fetched),
        // Not possible without validators; a broken server may send it anyway.
        FetchOutcome::NotModified { .. } => FetchFailure::http_status(304, None),
        FetchOutcome::Failed(failure) => failure,
    };
    Err(AddError::Fetch {
        url: url.to_string(),
        found_on: found_on.map(str::to_string),
        failure,
    })
}

/// Parses on a blocking thread (CPU work): the feed's title and entry count, or the
/// parser's message and the text back (to look for feed links in it).
async fn parse_in_background(
    url: &str,
    text: String,
) -> Result<(Option<String>, usize), (String, String)> {
    let url = url.to_string();
    let joined = tokio::task::spawn_blocking(move || match parse_feed(&url, &text, Utc::now()) {
        Ok(parsed) => Ok((parsed.title, parsed.articles.len())),
        Err(error) => Err((error.to_string(), text)),
    })
    .await;
    match joined {
        Ok(result) => result,
        Err(join_error) => Err((format!("the parser crashed: {join_error}"), String::new())),
    }
}

/// Appends `feed` to the config file at `path`, creating the file (with a short header)
/// when there is none yet. Fails with [`AddError::Duplicate`] when the file already lists
/// the url (it may have changed since the look-up), and never writes a config that would
/// not load.
pub fn add_to_config(path: &Path, feed: &NewFeed) -> Result<(), AddError> {
    let entry = OpmlFeed {
        url: feed.url.clone(),
        title: feed.title.clone().filter(|t| !t.trim().is_empty()),
        tags: feed.tags.clone(),
    };
    let (added, _) = append_to_config_file(path, &[entry], None)?;
    if added == 0 {
        return Err(AddError::Duplicate {
            url: feed.url.clone(),
            found_on: None,
        });
    }
    Ok(())
}

/// Appends `feeds` as `[[feeds]]` tables (with a `# heading` comment above the first) to the
/// config file at `path`, keeping its text byte for byte; creates the file and its
/// directory when missing. Urls already listed are skipped. Returns (added, skipped). The
/// result is checked to load before it replaces the file (written to a temporary file,
/// then renamed), so a failure leaves the file as it was.
pub fn append_to_config_file(
    path: &Path,
    feeds: &[OpmlFeed],
    heading: Option<&str>,
) -> Result<(usize, usize), AddError> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(io_error("read", path, &source)),
    };
    let base = existing.as_deref().unwrap_or(NEW_CONFIG_HEADER);
    let (updated, added, skipped) = append_feeds(base, feeds, heading);
    if added == 0 {
        return Ok((0, skipped));
    }
    Config::parse(&updated, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error("create the directory of", path, &e))?;
    }
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, updated).map_err(|e| io_error("write", path, &e))?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        io_error("write", path, &e)
    })?;
    Ok((added, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_without_scheme_is_https_and_other_schemes_are_refused() {
        assert_eq!(
            normalize_input(" blog.example/posts ").unwrap(),
            "https://blog.example/posts"
        );
        assert_eq!(
            normalize_input("http://Blog.example").unwrap(),
            "http://Blog.example"
        );
        assert!(matches!(
            normalize_input("ftp://x.example/feed"),
            Err(AddError::InvalidUrl { .. })
        ));
        assert!(matches!(
            normalize_input("  "),
            Err(AddError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn urls_spelled_differently_are_the_same_feed() {
        assert!(same_url("HTTP://Example.com", "http://example.com/"));
        assert!(same_url(
            " https://a.example/feed ",
            "https://a.example/feed"
        ));
        assert!(!same_url(
            "https://a.example/feed",
            "https://a.example/feed/"
        ));
        assert!(!same_url("https://a.example/feed", "http://a.example/feed"));
    }

    #[test]
    fn appending_keeps_the_text_and_creates_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        let feed = NewFeed {
            url: "https://a.example/feed.xml".into(),
            title: Some("A \"quoted\" title".into()),
            tags: vec!["tech".into(), "daily".into()],
        };
        add_to_config(&path, &feed).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            format!(
                "{NEW_CONFIG_HEADER}\n[[feeds]]\nurl = \"https://a.example/feed.xml\"\n\
                 title = \"A \\\"quoted\\\" title\"\ntags = [\"tech\", \"daily\"]\n"
            )
        );
        let config = Config::parse(&text, &path).unwrap();
        assert_eq!(config.feeds[0].tags, ["tech", "daily"]);
        // A second add of the same url is refused and changes nothing.
        assert!(matches!(
            add_to_config(&path, &feed),
            Err(AddError::Duplicate { .. })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn a_config_that_would_not_load_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let broken = "# mine\nrefresh_interval = \"often\"\n";
        std::fs::write(&path, broken).unwrap();
        let feed = NewFeed {
            url: "https://a.example/feed.xml".into(),
            ..NewFeed::default()
        };
        assert!(matches!(
            add_to_config(&path, &feed),
            Err(AddError::Config { .. })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
        assert!(!path.with_extension("toml.tmp").exists());
    }
}
