//! Feed discovery in HTML pages: finds `<link rel="alternate">` feed URLs and tells HTML
//! from feeds. Text scanning only: never fetches anything itself.

use std::sync::LazyLock;

use regex::Regex;
use reqwest::Url;

static COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->").expect("valid regex"));
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<(link|base)\b([^>]*)>").expect("valid regex"));
static ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#)
        .expect("valid regex")
});

/// Feed types in order of preference. `application/json` is the JSON Feed 1.0 type;
/// it ranks last because sites also use it for unrelated API documents.
const FEED_TYPES: [&str; 4] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
];

/// Absolute URLs of the feeds an HTML page advertises with
/// `<link rel="alternate" type="application/rss+xml|atom+xml|feed+json|json" href="...">`,
/// RSS/Atom/JSON Feed first (in page order), then `application/json` ones. Relative hrefs
/// are resolved against `<base href>` if present, else `base_url`. WordPress REST API
/// links (`/wp-json/`, also typed `application/json`) are not feeds and are skipped.
/// Duplicates are removed; commented-out links are ignored.
pub fn feed_links(html: &str, base_url: &str) -> Vec<String> {
    feed_link_details(html, base_url)
        .into_iter()
        .map(|link| link.url)
        .collect()
}

/// A feed a page advertises: its absolute url and the link's `title` attribute (trimmed,
/// `None` when absent or empty), for a user choosing among several.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedLink {
    pub url: String,
    pub title: Option<String>,
}

/// [`feed_links`] with each link's title, in the same order.
pub fn feed_link_details(html: &str, base_url: &str) -> Vec<FeedLink> {
    let html = COMMENT.replace_all(html, "");
    let mut base = Url::parse(base_url).ok();
    let mut found: Vec<(usize, FeedLink)> = Vec::new();
    for tag in TAG.captures_iter(&html) {
        let attrs = attributes(&tag[2]);
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        if tag[1].eq_ignore_ascii_case("base") {
            if let Some(href) = get("href") {
                if let Some(joined) = join(base.as_ref(), href) {
                    base = Some(joined);
                }
            }
            continue;
        }
        let is_alternate = get("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|t| t.eq_ignore_ascii_case("alternate"))
        });
        if !is_alternate {
            continue;
        }
        let Some(kind) = get("type").and_then(|t| {
            let t = t
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            FEED_TYPES.iter().position(|ft| *ft == t)
        }) else {
            continue;
        };
        let Some(href) = get("href").map(str::trim).filter(|h| !h.is_empty()) else {
            continue;
        };
        let Some(url) = join(base.as_ref(), href) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https" | "file") {
            continue;
        }
        if kind == 3 && url.path().contains("/wp-json/") {
            continue;
        }
        let url = url.to_string();
        if !found.iter().any(|(_, link)| link.url == url) {
            let title = get("title")
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|t| !t.is_empty());
            found.push((usize::from(kind == 3), FeedLink { url, title }));
        }
    }
    // Stable: keeps page order within each group.
    found.sort_by_key(|(group, _)| *group);
    found.into_iter().map(|(_, link)| link).collect()
}

fn join(base: Option<&Url>, href: &str) -> Option<Url> {
    match base {
        Some(base) => base.join(href).ok(),
        None => Url::parse(href).ok(),
    }
}

fn attributes(s: &str) -> Vec<(String, String)> {
    ATTR.captures_iter(s)
        .map(|c| {
            let value = c
                .get(2)
                .or_else(|| c.get(3))
                .or_else(|| c.get(4))
                .map_or("", |m| m.as_str());
            (c[1].to_string(), unescape(value))
        })
        .collect()
}

/// Decodes the character references that occur in URLs in practice.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let num = entity.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((ch, end + 1))
        });
        match decoded {
            Some((ch, len)) => {
                out.push(ch);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// True if `text` is an HTML page rather than a feed: looks at the first element after
/// any BOM, XML declaration, comments and doctype-less whitespace.
pub fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start_matches('\u{feff}')
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut rest = head.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>").map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    if rest.starts_with("<!doctype html") || rest.starts_with("<html") {
        return true;
    }
    let first_element =
        |r: &str| r.starts_with("<rss") || r.starts_with("<feed") || r.starts_with("<rdf:rdf");
    if first_element(rest)
        || rest.starts_with('{')
        || rest.starts_with('[')
        || rest.starts_with("<!doctype rss")
    {
        return false;
    }
    // No telling prologue (e.g. a fragment, or an odd doctype): HTML if it has the
    // structural tags of a page near the top.
    ["<head", "<body", "<html", "<meta ", "<title>"]
        .iter()
        .any(|tag| rest.contains(tag))
        && !rest.contains("<channel")
        && !rest.contains("<entry")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_alternate_links_resolved() {
        let html = r#"<!DOCTYPE html><html><head>
            <link rel="stylesheet" href="/s.css">
            <link rel="alternate" type="application/json" href="/feed.json">
            <LINK REL="Alternate" TYPE="application/rss+xml" title="RSS" HREF="/feed.xml?a=1&amp;b=2">
            <link type='application/atom+xml' rel='alternate home' href='atom.xml'>
            <link rel=alternate type=application/feed+json href=https://cdn.example.org/f.json>
            <!-- <link rel="alternate" type="application/rss+xml" href="/old.xml"> -->
            <link rel="alternate" type="application/json" href="https://example.com/wp-json/wp/v2/pages/2">
            <link rel="alternate" type="application/rss+xml" href="/feed.xml?a=1&b=2">
            <link rel="alternate" type="text/html" hreflang="de" href="/de/">
            </head><body></body></html>"#;
        assert_eq!(
            feed_links(html, "https://example.com/blog/post"),
            vec![
                "https://example.com/feed.xml?a=1&b=2",
                "https://example.com/blog/atom.xml",
                "https://cdn.example.org/f.json",
                "https://example.com/feed.json",
            ]
        );
    }

    #[test]
    fn details_carry_each_link_title() {
        let html = r#"<head><link rel="alternate" type="application/rss+xml" title="  All
            posts " href="/feed.xml"><link rel="alternate" type="application/atom+xml" title="" href="/c.xml"></head>"#;
        assert_eq!(
            feed_link_details(html, "https://example.com/"),
            vec![
                FeedLink {
                    url: "https://example.com/feed.xml".into(),
                    title: Some("All posts".into())
                },
                FeedLink {
                    url: "https://example.com/c.xml".into(),
                    title: None
                },
            ]
        );
    }

    #[test]
    fn honours_base_element() {
        let html = r#"<head><base href="https://other.example/sub/"><link rel="alternate" type="application/atom+xml" href="a.xml"></head>"#;
        assert_eq!(
            feed_links(html, "https://example.com/"),
            vec!["https://other.example/sub/a.xml"]
        );
        assert!(feed_links("<p>no links</p>", "https://example.com/").is_empty());
    }

    #[test]
    fn tells_html_from_feeds() {
        assert!(looks_like_html("<!DOCTYPE html><html><head></head></html>"));
        assert!(looks_like_html("\u{feff}  <HTML lang=en>"));
        assert!(looks_like_html(
            "<?xml version=\"1.0\"?>\n<!-- x -->\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"><html>"
        ));
        assert!(looks_like_html(
            "<head><title>x</title></head><body>hi</body>"
        ));
        assert!(!looks_like_html(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
        ));
        assert!(!looks_like_html(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>x</title>"
        ));
        assert!(!looks_like_html("<rdf:RDF xmlns:rdf=\"x\"><channel>"));
        assert!(!looks_like_html(
            "{\"version\": \"https://jsonfeed.org/version/1.1\"}"
        ));
        assert!(!looks_like_html(""));
    }
}
