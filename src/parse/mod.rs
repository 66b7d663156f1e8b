//! Turns a feed document into `NewArticle`s: RSS 0.90, 0.91-0.94, 1.0 and 2.0 (any or no
//! namespace), Atom 0.3 and 1.0, JSON Feed 1.0 and 1.1. tidings' own streaming readers (on
//! quick-xml and serde_json), borrowing from the text. Pure and synchronous: no I/O, no clock
//! (the caller passes `now`). Never all-or-nothing and never silent: a document that breaks
//! keeps every item completed before the break (`ParsedFeed::broken`), and items, roots or
//! namespaces seen but not understood are reported (`ParsedFeed::not_understood`).

mod article;
mod base;
mod date;
mod json;
mod text;
mod xml;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::{FeedWarning, NewArticle, WarningKind};

pub use text::strip_tags;

/// The formats tidings reads, as the document announced itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedFormat {
    Rss090,
    Rss091,
    /// RSS 0.92, 0.93, 0.94, or a `<channel>` root.
    Rss092,
    Rss10,
    Rss20,
    Atom03,
    Atom10,
    JsonFeed10,
    JsonFeed11,
    /// A root that is not a feed's, whose items were read anyway (see `not_understood`).
    Unknown,
}

impl FeedFormat {
    pub fn name(self) -> &'static str {
        match self {
            FeedFormat::Rss090 => "RSS 0.90",
            FeedFormat::Rss091 => "RSS 0.91",
            FeedFormat::Rss092 => "RSS 0.92",
            FeedFormat::Rss10 => "RSS 1.0",
            FeedFormat::Rss20 => "RSS 2.0",
            FeedFormat::Atom03 => "Atom 0.3",
            FeedFormat::Atom10 => "Atom 1.0",
            FeedFormat::JsonFeed10 => "JSON Feed 1.0",
            FeedFormat::JsonFeed11 => "JSON Feed 1.1",
            FeedFormat::Unknown => "unknown",
        }
    }
}

/// Where a document broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// 1-based line and column (in characters) of the break.
    pub line: usize,
    pub column: usize,
    /// What the parser found wrong.
    pub message: String,
    /// The document ended too early (truncated).
    pub at_end: bool,
}

impl fmt::Display for Break {
    /// `line 3, column 14: <parser message>` (`(end of input)` after the column when the
    /// document is truncated).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if self.at_end {
            f.write_str(" (end of input)")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What one parse of a feed yields.
#[derive(Debug)]
pub struct ParsedFeed {
    /// The feed's own title, sanitised.
    pub title: Option<String>,
    pub format: FeedFormat,
    pub articles: Vec<NewArticle>,
    /// How often the feed says it changes (RSS `<ttl>`, `sy:updatePeriod`/`sy:updateFrequency`).
    pub interval_hint: Option<Duration>,
    /// The document broke here; `articles` holds every item completed before the break.
    pub broken: Option<Break>,
    /// What the document holds that was not read, one sentence each ("root <feed> in
    /// namespace http://purl.org/atom/ns#: 3 <entry> elements, 0 understood").
    pub not_understood: Vec<String>,
}

impl ParsedFeed {
    /// The warning to keep with the feed, `None` for a clean parse. A break wins (the items
    /// after it are missing); anything not understood is appended to its message.
    pub fn warning(&self) -> Option<Box<FeedWarning>> {
        let format =
            if self.format == FeedFormat::JsonFeed10 || self.format == FeedFormat::JsonFeed11 {
                "JSON"
            } else {
                "XML"
            };
        let mut parts = Vec::new();
        let kind = match &self.broken {
            Some(b) => {
                let n = self.articles.len();
                parts.push(format!(
                    "{format} error at {b}; kept the {n} item{} before it",
                    if n == 1 { "" } else { "s" }
                ));
                WarningKind::Partial
            }
            None if self.not_understood.is_empty() => return None,
            None => WarningKind::NotUnderstood,
        };
        parts.extend(self.not_understood.iter().cloned());
        Some(Box::new(FeedWarning {
            kind,
            message: parts.join("; "),
        }))
    }
}

/// Why a document gave nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// Not RSS, Atom or JSON Feed (an HTML page, another XML or JSON document, plain text).
    NotAFeed,
    /// Broken before anything could be read from it.
    Syntax { line: usize, column: usize },
}

/// A document that yielded nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub kind: ParseErrorKind,
    /// Shown to the user: `not a feed (...)`, `XML error at line 3, column 14: ...`.
    pub message: String,
}

impl ParseError {
    pub(crate) fn not_a_feed(message: String) -> ParseError {
        ParseError {
            kind: ParseErrorKind::NotAFeed,
            message,
        }
    }

    pub(crate) fn syntax(line: usize, column: usize, message: &str, at_end: bool) -> ParseError {
        Self::syntax_in("XML", line, column, message, at_end)
    }

    pub(crate) fn syntax_in(
        format: &str,
        line: usize,
        column: usize,
        message: &str,
        at_end: bool,
    ) -> ParseError {
        let end = if at_end { " (end of input)" } else { "" };
        ParseError {
            kind: ParseErrorKind::Syntax { line, column },
            message: format!("{format} error at line {line}, column {column}{end}: {message}"),
        }
    }
}

/// Parses `text` (already decoded to UTF-8) as the feed at `feed_url` (relative links are
/// resolved against it).
pub fn parse_feed(
    feed_url: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ParsedFeed, ParseError> {
    let start = text
        .char_indices()
        .find(|(_, c)| !c.is_whitespace() && *c != '\u{feff}')
        .map_or(text.len(), |(i, _)| i);
    match text.as_bytes().get(start) {
        Some(b'<') => xml::parse(feed_url, text, start, now),
        Some(b'{') => json::parse(feed_url, text, now),
        _ => Err(ParseError::not_a_feed(
            "not a feed (no RSS, Atom or JSON Feed root element)".to_string(),
        )),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleId, BodyKind};
    use article::author_name;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap()
    }

    #[test]
    fn rss_items_without_guid_fall_back_to_link_then_title() {
        let xml = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T &amp; U</title><ttl>120</ttl>
            <item><title>One</title><link>https://e.x/1</link><description>&lt;p&gt;Hi&lt;/p&gt;</description></item>
            <item><title>Two</title><guid>g2</guid></item>
            <item><title>Three</title><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate></item>
            </channel></rss>"#;
        let feed = parse_feed("https://e.x/feed", xml, now()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("T & U"));
        assert_eq!(feed.interval_hint, Some(Duration::from_secs(120 * 60)));
        let a = &feed.articles;
        assert_eq!(a.len(), 3);
        assert_eq!(
            a[0].meta.id,
            ArticleId::derive("https://e.x/feed", None, Some("https://e.x/1"), "One", None)
        );
        assert_eq!(a[0].body.content, "<p>Hi</p>");
        assert_eq!(a[1].meta.guid.as_deref(), Some("g2"));
        assert!(a[2].meta.published.is_some());
        assert!(a[2].meta.link.is_none());
    }

    #[test]
    fn ids_are_the_same_on_a_second_parse() {
        let xml = r#"<rss version="2.0"><channel><title>x</title><item><title>Only a title</title></item></channel></rss>"#;
        let a = parse_feed("u", xml, now()).unwrap();
        let b = parse_feed("u", xml, now() + chrono::Duration::hours(1)).unwrap();
        assert_eq!(a.articles[0].meta.id, b.articles[0].meta.id);
    }

    #[test]
    fn broken_xml_reports_line_and_column() {
        let xml = "<rss version=\"2.0\"><channel>\n<title>x</title>\n<item><title>a</tit></item></channel></rss>";
        let err = parse_feed("u", xml, now()).unwrap_err();
        assert!(err.message.contains("line 3"), "{}", err.message);
    }

    #[test]
    fn truncated_xml_reports_the_end_of_input() {
        let xml = "<rss version=\"2.0\"><channel>\n<title>x</title>\n<item><title>a</title><description>cut her";
        let err = parse_feed("u", xml, now()).unwrap_err();
        assert!(err.message.contains("line 3"), "{}", err.message);
    }

    #[test]
    fn rss_author_parentheses_are_dropped() {
        assert_eq!(author_name("(Sara Keller)"), "Sara Keller");
        assert_eq!(author_name("Ann"), "Ann");
        assert_eq!(author_name("()"), "()");
    }

    #[test]
    fn html_is_not_a_feed() {
        let err = parse_feed("u", "<html><body>hi</body></html>", now()).unwrap_err();
        assert!(err.message.contains("not a feed"), "{}", err.message);
    }

    #[test]
    fn json_feed_text_content_is_text() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
            {"id":"1","title":"Plain","content_text":"hello\n\nworld","date_published":"2026-11-01T10:00:00Z"}]}"#;
        let feed = parse_feed("u", json, now()).unwrap();
        assert_eq!(feed.articles[0].body.kind, BodyKind::Text);
        assert_eq!(feed.articles[0].meta.guid.as_deref(), Some("1"));
    }

    #[test]
    fn syndication_module_hint() {
        let rdf = r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
          <channel rdf:about="x"><title>R</title><link>https://e.x</link><description>d</description>
          <sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel>
          <item rdf:about="https://e.x/a"><title>A</title><link>https://e.x/a</link></item></rdf:RDF>"#;
        let feed = parse_feed("u", rdf, now()).unwrap();
        assert_eq!(feed.articles.len(), 1);
        assert_eq!(feed.interval_hint, Some(Duration::from_secs(12 * 3600)));
    }
}
