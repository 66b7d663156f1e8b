//! Turns a feed document (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into `NewArticle`s via feed-rs.
//! Pure and synchronous: no I/O, no clock (the caller passes `now`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};

use crate::clean::sanitize_inline;
use crate::fetch::schedule::feed_interval_hint;
use crate::model::{ArticleBody, ArticleId, ArticleMeta, BodyKind, FeedId, NewArticle};

/// What one parse of a feed yields.
#[derive(Debug)]
pub struct ParsedFeed {
    /// The feed's own title, sanitised.
    pub title: Option<String>,
    pub articles: Vec<NewArticle>,
    /// How often the feed says it changes (RSS `<ttl>`, `sy:updatePeriod`/`sy:updateFrequency`).
    pub interval_hint: Option<Duration>,
}

/// A document that is not a feed we can read.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
}

/// Parses `text` (already decoded to UTF-8) as the feed at `feed_url`.
pub fn parse_feed(
    feed_url: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ParsedFeed, ParseError> {
    let parser = feed_rs::parser::Builder::new()
        // Without a guid, feed-rs invents one; we want to know, so that de-duplication can
        // fall back to the link and then to title + date, as documented.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    let feed = parser
        .parse(text.as_bytes())
        .map_err(|e| describe_error(e, text))?;
    let feed_id = FeedId::from_url(feed_url);
    let feed_author = feed.authors.first().and_then(|p| p.name.clone());
    let mut articles = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        articles.push(article_from_entry(
            feed_url,
            feed_id,
            entry,
            feed_author.as_deref(),
            now,
        ));
    }
    let (period, frequency) = syndication_hints(text);
    Ok(ParsedFeed {
        title: feed
            .title
            .map(|t| text_to_inline(&t))
            .filter(|t| !t.is_empty()),
        articles,
        interval_hint: feed_interval_hint(feed.ttl, period.as_deref(), frequency),
    })
}

fn article_from_entry(
    feed_url: &str,
    feed: FeedId,
    entry: Entry,
    feed_author: Option<&str>,
    now: DateTime<Utc>,
) -> NewArticle {
    let guid = Some(entry.id).filter(|g| !g.trim().is_empty());
    let link = entry
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| entry.links.first())
        .map(|l| l.href.trim().to_string())
        .filter(|l| !l.is_empty());
    let title = entry.title.as_ref().map(text_to_inline).unwrap_or_default();
    let published = entry.published.or(entry.updated);
    let id = ArticleId::derive(
        feed_url,
        guid.as_deref(),
        link.as_deref(),
        &title,
        published,
    );
    let author = entry
        .authors
        .first()
        .and_then(|p| p.name.as_deref())
        .or(feed_author)
        .map(author_name)
        .filter(|a| !a.is_empty());
    let body = match (entry.content, entry.summary) {
        (Some(content), summary) => match content.body {
            Some(body) => ArticleBody {
                kind: kind_of(content.content_type.essence().to_string().as_str()),
                content: body,
            },
            None => summary.map(text_body).unwrap_or_default(),
        },
        (None, Some(summary)) => text_body(summary),
        (None, None) => ArticleBody::default(),
    };
    NewArticle {
        meta: ArticleMeta {
            id,
            feed,
            guid,
            title: if title.is_empty() {
                "(untitled)".to_string()
            } else {
                title
            },
            link,
            author,
            published,
            first_seen: now,
            read: false,
            starred: false,
            highlights: Vec::new(),
        },
        body,
        updated: entry.updated,
    }
}

/// RSS `<author>` is "email (Name)"; feed-rs keeps the parentheses around the name.
fn author_name(raw: &str) -> String {
    let name = sanitize_inline(raw);
    match name.strip_prefix('(').and_then(|n| n.strip_suffix(')')) {
        Some(inner) if !inner.trim().is_empty() => inner.trim().to_string(),
        _ => name,
    }
}

fn kind_of(mime: &str) -> BodyKind {
    if mime.eq_ignore_ascii_case("text/plain") {
        BodyKind::Text
    } else {
        BodyKind::Html
    }
}

fn text_body(text: Text) -> ArticleBody {
    ArticleBody {
        kind: kind_of(text.content_type.essence().to_string().as_str()),
        content: text.content,
    }
}

/// A title or name: HTML titles lose their tags, everything is sanitised to one line.
fn text_to_inline(text: &Text) -> String {
    let essence = text.content_type.essence().to_string();
    if essence.contains("html") && text.content.contains('<') {
        sanitize_inline(&strip_tags(&text.content))
    } else {
        sanitize_inline(&text.content)
    }
}

/// Removes markup for matching and for titles. Not a renderer: the cleaner renders bodies.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// `sy:updatePeriod` / `sy:updateFrequency` (RSS 1.0 syndication module), which feed-rs
/// does not expose. They belong to the channel, which comes before the items, so only the
/// text before the first item is scanned (a full scan of every document cost 5% of a refresh).
fn syndication_hints(text: &str) -> (Option<String>, Option<u32>) {
    let head = &text[..text.find("<item").unwrap_or(text.len())];
    if !head.contains("<sy:") {
        return (None, None);
    }
    let leaf = |name: &str| -> Option<String> {
        let open = format!("<sy:{name}>");
        let start = head.find(&open)? + open.len();
        let end = start + head[start..].find('<')?;
        Some(head[start..end].trim().to_string())
    };
    (
        leaf("updatePeriod"),
        leaf("updateFrequency").and_then(|f| f.parse().ok()),
    )
}

fn describe_error(error: ParseFeedError, text: &str) -> ParseError {
    let message = match &error {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            "not a feed (no RSS, Atom or JSON Feed root element)".to_string()
        }
        ParseFeedError::ParseError(kind) => format!("parse error: {kind}"),
        ParseFeedError::JsonSerde(e) => {
            format!("JSON error at line {}, column {}", e.line(), e.column())
        }
        ParseFeedError::JsonUnsupportedVersion(v) => format!("unsupported JSON Feed version {v}"),
        ParseFeedError::XmlReader(e) => match xml_error_position(text) {
            Some((line, column)) => format!("XML error at line {line}, column {column}: {e}"),
            None => {
                // quick-xml alone finds nothing wrong: the document ends too early.
                let (line, column) = line_column(text, text.len());
                format!("XML error at line {line}, column {column} (end of input): {e}")
            }
        },
        ParseFeedError::IoError(e) => format!("read error: {e}"),
    };
    ParseError { message }
}

/// feed-rs does not say where XML is broken; quick-xml does, so ask it.
fn xml_error_position(text: &str) -> Option<(usize, usize)> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return None,
            Ok(_) => {}
            Err(_) => {
                let offset = usize::try_from(reader.error_position()).ok()?;
                return Some(line_column(text, offset.min(text.len())));
            }
        }
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

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
