//! The deterministic benchmark corpus: N feeds x M items rotating RSS 2.0, RSS 1.0 (RDF),
//! Atom and JSON Feed 1.1, with 1-4 KB HTML bodies. Pure generation: no I/O, no clock.

use chrono::{DateTime, Duration, Utc};

use tidings::model::{ArticleBody, ArticleId, ArticleMeta, BodyKind, FeedId, NewArticle};

/// Every date in the corpus counts back from this instant (2025-06-01T00:00:00Z), so that the
/// same seed gives byte-identical feeds on every run.
pub const EPOCH: i64 = 1_748_736_000;

/// xorshift64*: small, fast, seeded, and the same on every platform.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Zero is a fixed point of xorshift; mix the seed so that 0, 1, 2... all work.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03 | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..hi` (hi exclusive; the tiny modulo bias does not matter here).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo) as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.range(0, items.len())]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Rss2,
    Rss1,
    Atom,
    JsonFeed,
}

impl Format {
    pub fn of_feed(index: usize) -> Format {
        [Format::Rss2, Format::Rss1, Format::Atom, Format::JsonFeed][index % 4]
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss2 => "rss",
            Format::Rss1 => "rdf",
            Format::Atom => "atom",
            Format::JsonFeed => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss2 => "application/rss+xml; charset=utf-8",
            Format::Rss1 => "application/rdf+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::JsonFeed => "application/feed+json; charset=utf-8",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Rss2 => "RSS 2.0",
            Format::Rss1 => "RSS 1.0",
            Format::Atom => "Atom",
            Format::JsonFeed => "JSON Feed 1.1",
        }
    }
}

/// One generated item, format-independent.
pub struct Item {
    pub guid: String,
    pub link: String,
    pub title: String,
    pub author: String,
    pub published: DateTime<Utc>,
    pub html: String,
}

/// One generated feed document, ready to serve.
pub struct FeedDoc {
    pub path: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub etag: String,
    pub last_modified: String,
}

const WORDS: &[&str] = &[
    "kernel",
    "release",
    "compiler",
    "network",
    "latency",
    "terminal",
    "protocol",
    "storage",
    "memory",
    "scheduler",
    "browser",
    "security",
    "update",
    "patch",
    "driver",
    "benchmark",
    "library",
    "server",
    "client",
    "cache",
    "index",
    "query",
    "thread",
    "signal",
    "archive",
    "format",
    "editor",
    "design",
    "review",
    "debate",
    "climate",
    "energy",
    "market",
    "budget",
    "election",
    "science",
    "research",
    "history",
    "garden",
    "recipe",
    "travel",
    "museum",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "for",
    "with",
    "on",
    "that",
    "is",
    "was",
    "from",
    "by",
    "as",
    "at",
    "an",
    "this",
    "new",
    "more",
    "about",
    "after",
    "over",
    "into",
    "we",
];

const AUTHORS: &[&str] = &[
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Barbara Liskov",
    "Ken Thompson",
    "Margaret Hamilton",
    "Donald Knuth",
    "Frances Allen",
    "Edsger Dijkstra",
    "Radia Perlman",
    "Dennis Ritchie",
    "Sophie Wilson",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::with_capacity(words * 8);
    for w in 0..words {
        if w > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    if let Some(first) = s.get(0..1) {
        let upper = first.to_ascii_uppercase();
        s.replace_range(0..1, &upper);
    }
    s
}

fn sentence_between(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let words = rng.range(lo, hi);
    sentence(rng, words)
}

/// A 1-4 KB HTML body: headings, paragraphs with inline markup and links, lists, code.
pub fn html_body(rng: &mut Rng, feed: usize) -> String {
    let target = rng.range(1024, 4097);
    let mut html = String::with_capacity(target + 512);
    while html.len() < target {
        match rng.range(0, 10) {
            0 => {
                html.push_str("<h2>");
                html.push_str(&sentence(rng, 4));
                html.push_str("</h2>\n");
            }
            1 | 2 => {
                html.push_str("<ul>\n");
                for _ in 0..rng.range(2, 6) {
                    html.push_str("<li>");
                    html.push_str(&sentence_between(rng, 3, 10));
                    html.push_str("</li>\n");
                }
                html.push_str("</ul>\n");
            }
            3 => {
                html.push_str("<blockquote><p>");
                html.push_str(&sentence_between(rng, 10, 25));
                html.push_str(".</p></blockquote>\n");
            }
            _ => {
                html.push_str("<p>");
                html.push_str(&sentence_between(rng, 8, 20));
                html.push_str(", <a href=\"https://example.org/");
                html.push_str(&feed.to_string());
                html.push_str("/ref/");
                html.push_str(&rng.range(0, 1000).to_string());
                html.push_str("\">");
                html.push_str(&sentence_between(rng, 1, 4));
                html.push_str("</a> ");
                html.push_str(&sentence_between(rng, 5, 15).to_lowercase());
                html.push_str(" <em>");
                html.push_str(rng.pick(WORDS));
                html.push_str("</em> and <code>");
                html.push_str(rng.pick(WORDS));
                html.push_str("()</code> ");
                html.push_str(&sentence_between(rng, 5, 20).to_lowercase());
                html.push_str(".</p>\n");
            }
        }
    }
    html
}

/// The items of feed `feed`, newest first.
pub fn items(seed: u64, feed: usize, count: usize) -> Vec<Item> {
    let mut rng = Rng::new(seed ^ (feed as u64).wrapping_mul(0x1000_0000_01B3));
    let newest = DateTime::from_timestamp(EPOCH, 0).expect("valid epoch")
        - Duration::minutes(rng.range(0, 24 * 60) as i64);
    (0..count)
        .map(|j| {
            let published = newest - Duration::minutes((j * 97) as i64 + rng.range(0, 90) as i64);
            Item {
                guid: format!("urn:tidings-bench:{seed}:{feed}:{j}"),
                link: format!("https://example.org/{feed}/posts/{j}"),
                title: format!("{} #{j}", sentence_between(&mut rng, 4, 11)),
                author: rng.pick(AUTHORS).to_string(),
                published,
                html: html_body(&mut rng, feed),
            }
        })
        .collect()
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn http_date(d: DateTime<Utc>) -> String {
    d.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Where feed `feed` is served.
pub fn feed_path(feed: usize) -> String {
    format!("/feeds/{feed}.{}", Format::of_feed(feed).extension())
}

/// The feed index a path of [`feed_path`] names (`None` for any other path).
pub fn feed_index(path: &str) -> Option<usize> {
    let (index, _) = path.strip_prefix("/feeds/")?.split_once('.')?;
    let feed: usize = index.parse().ok()?;
    (feed_path(feed) == path).then_some(feed)
}

/// Item `k` (from 0) of those feed `feed` gains after the corpus was generated (the soak's
/// growing feeds): each newer than every item before it, by a minute, and its own seeded body,
/// so that the same seed and `k` always give the same item.
pub fn added_item(seed: u64, feed: usize, k: u64) -> Item {
    let mut rng = Rng::new(
        seed ^ (feed as u64).wrapping_mul(0x1000_0000_01B3) ^ (k + 1).wrapping_mul(0x9E37_79B9),
    );
    let published =
        DateTime::from_timestamp(EPOCH, 0).expect("valid epoch") + Duration::minutes(k as i64 + 1);
    Item {
        guid: format!("urn:tidings-bench:{seed}:{feed}:new:{k}"),
        link: format!("https://example.org/{feed}/new/{k}"),
        title: format!("{} (new #{k})", sentence_between(&mut rng, 4, 11)),
        author: rng.pick(AUTHORS).to_string(),
        published,
        html: html_body(&mut rng, feed),
    }
}

/// Renders feed `feed` with `count` items in its rotating format.
pub fn feed_doc(seed: u64, feed: usize, count: usize) -> FeedDoc {
    render(seed, feed, &items(seed, feed, count))
}

/// Feed `feed` after it gained `added` items ([`added_item`]) on top of its `count`: the
/// newest first, as a feed lists them. `added == 0` gives the same bytes as [`feed_doc`].
pub fn grown_feed_doc(seed: u64, feed: usize, count: usize, added: u64) -> FeedDoc {
    let mut all: Vec<Item> = (0..added)
        .rev()
        .map(|k| added_item(seed, feed, k))
        .collect();
    all.extend(items(seed, feed, count));
    render(seed, feed, &all)
}

/// Renders `items` (newest first) as feed `feed` in its rotating format.
fn render(seed: u64, feed: usize, items: &[Item]) -> FeedDoc {
    let format = Format::of_feed(feed);
    let title = format!("Bench feed {feed} ({})", format.name());
    let home = format!("https://example.org/{feed}/");
    let newest = items
        .first()
        .map(|i| i.published)
        .unwrap_or_else(|| DateTime::from_timestamp(EPOCH, 0).expect("valid epoch"));
    let mut out = String::with_capacity(items.iter().map(|i| i.html.len() + 600).sum());
    match format {
        Format::Rss2 => {
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n");
            out.push_str(&format!(
                "<title>{title}</title>\n<link>{home}</link>\n<description>Generated feed {feed}</description>\n<lastBuildDate>{}</lastBuildDate>\n",
                newest.to_rfc2822()
            ));
            for i in items {
                out.push_str(&format!(
                    "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"false\">{}</guid>\n<pubDate>{}</pubDate>\n<dc:creator>{}</dc:creator>\n<description><![CDATA[{}]]></description>\n</item>\n",
                    xml_escape(&i.title),
                    i.link,
                    i.guid,
                    i.published.to_rfc2822(),
                    xml_escape(&i.author),
                    i.html
                ));
            }
            out.push_str("</channel>\n</rss>\n");
        }
        Format::Rss1 => {
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n");
            out.push_str(&format!(
                "<channel rdf:about=\"{home}\">\n<title>{title}</title>\n<link>{home}</link>\n<description>Generated feed {feed}</description>\n<items><rdf:Seq>\n"
            ));
            for i in items {
                out.push_str(&format!("<rdf:li rdf:resource=\"{}\"/>\n", i.link));
            }
            out.push_str("</rdf:Seq></items>\n</channel>\n");
            for i in items {
                out.push_str(&format!(
                    "<item rdf:about=\"{}\">\n<title>{}</title>\n<link>{}</link>\n<dc:date>{}</dc:date>\n<dc:creator>{}</dc:creator>\n<description>{}</description>\n<content:encoded><![CDATA[{}]]></content:encoded>\n</item>\n",
                    i.link,
                    xml_escape(&i.title),
                    i.link,
                    i.published.to_rfc3339(),
                    xml_escape(&i.author),
                    xml_escape(&i.title),
                    i.html
                ));
            }
            out.push_str("</rdf:RDF>\n");
        }
        Format::Atom => {
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
            out.push_str(&format!(
                "<title>{title}</title>\n<id>urn:tidings-bench:{seed}:{feed}</id>\n<link rel=\"alternate\" href=\"{home}\"/>\n<updated>{}</updated>\n",
                newest.to_rfc3339()
            ));
            for i in items {
                out.push_str(&format!(
                    "<entry>\n<title>{}</title>\n<id>{}</id>\n<link rel=\"alternate\" href=\"{}\"/>\n<published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n<content type=\"html\">{}</content>\n</entry>\n",
                    xml_escape(&i.title),
                    i.guid,
                    i.link,
                    i.published.to_rfc3339(),
                    i.published.to_rfc3339(),
                    xml_escape(&i.author),
                    xml_escape(&i.html)
                ));
            }
            out.push_str("</feed>\n");
        }
        Format::JsonFeed => {
            let items: Vec<serde_json::Value> = items
                .iter()
                .map(|i| {
                    serde_json::json!({
                        "id": i.guid,
                        "url": i.link,
                        "title": i.title,
                        "content_html": i.html,
                        "date_published": i.published.to_rfc3339(),
                        "authors": [{ "name": i.author }],
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "version": "https://jsonfeed.org/version/1.1",
                "title": title,
                "home_page_url": home,
                "items": items,
            });
            out = serde_json::to_string_pretty(&doc).expect("JSON values always serialise");
        }
    }
    let body = out.into_bytes();
    let etag = format!("\"{:016x}\"", tidings::model::fnv1a64(&[&body]));
    FeedDoc {
        path: feed_path(feed),
        content_type: format.content_type(),
        body,
        etag,
        last_modified: http_date(newest),
    }
}

/// Articles as the store holds them after a refresh of feed `feed_url` (all unread), for
/// building large stores directly, without fetching.
pub fn store_articles(
    seed: u64,
    feed_index: usize,
    feed_url: &str,
    count: usize,
    first_seen: DateTime<Utc>,
) -> Vec<NewArticle> {
    let feed = FeedId::from_url(feed_url);
    items(seed, feed_index, count)
        .into_iter()
        .map(|i| NewArticle {
            meta: ArticleMeta {
                id: ArticleId::derive(feed_url, Some(&i.guid), Some(&i.link), &i.title, None),
                feed,
                guid: Some(i.guid),
                title: i.title,
                link: Some(i.link),
                author: Some(i.author),
                published: Some(i.published),
                first_seen,
                read: false,
                starred: false,
                highlights: Vec::new(),
                media: tidings::model::MediaMark::None,
            },
            body: ArticleBody {
                kind: BodyKind::Html,
                content: i.html,
            },
            updated: None,
            enclosures: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    // Paths are spelled out: the parse bench includes this file without the test harness.
    #[test]
    fn same_seed_same_bytes() {
        for feed in 0..4 {
            let a = super::feed_doc(7, feed, 3);
            let b = super::feed_doc(7, feed, 3);
            assert_eq!(a.body, b.body);
            assert_eq!(a.etag, b.etag);
        }
        assert_ne!(super::feed_doc(7, 0, 3).body, super::feed_doc(8, 0, 3).body);
    }

    #[test]
    fn every_format_parses_with_every_item() {
        let now = chrono::DateTime::from_timestamp(super::EPOCH, 0).unwrap();
        for feed in 0..4 {
            let doc = super::feed_doc(1, feed, 5);
            let text = String::from_utf8(doc.body).unwrap();
            let url = format!("http://127.0.0.1:1{}", doc.path);
            let parsed = tidings::engine::parse::parse_feed(&url, &text, now)
                .unwrap_or_else(|e| panic!("feed {feed}: {e}"));
            assert_eq!(parsed.articles.len(), 5, "feed {feed}");
            for a in &parsed.articles {
                assert!(a.body.content.len() >= 1024, "feed {feed}: short body");
                assert!(a.meta.published.is_some(), "feed {feed}: no date");
                assert!(a.meta.author.is_some(), "feed {feed}: no author");
            }
        }
    }

    #[test]
    fn a_grown_feed_lists_its_new_items_first() {
        let now = chrono::DateTime::from_timestamp(super::EPOCH, 0).unwrap();
        for feed in 0..4 {
            let plain = super::feed_doc(5, feed, 3);
            let same = super::grown_feed_doc(5, feed, 3, 0);
            assert_eq!((plain.body, plain.etag), (same.body, same.etag));
            let grown = super::grown_feed_doc(5, feed, 3, 2);
            assert_eq!(grown.path, super::feed_path(feed));
            assert_eq!(super::feed_index(&grown.path), Some(feed));
            let text = String::from_utf8(grown.body).unwrap();
            let url = format!("http://127.0.0.1:1{}", grown.path);
            let parsed = tidings::engine::parse::parse_feed(&url, &text, now).unwrap();
            let links: Vec<_> = parsed
                .articles
                .iter()
                .map(|a| a.meta.link.clone().unwrap_or_default())
                .collect();
            assert_eq!(links.len(), 5, "feed {feed}");
            assert!(links[0].ends_with("/new/1"), "{links:?}");
            assert!(links[1].ends_with("/new/0"), "{links:?}");
            assert!(links[2].ends_with("/posts/0"), "{links:?}");
        }
        assert_eq!(super::feed_index("/feeds/3.rss"), None); // feed 3 is JSON
        assert_eq!(super::feed_index("/other/3.json"), None);
    }

    #[test]
    fn bodies_are_one_to_four_kib() {
        let mut rng = super::Rng::new(3);
        for i in 0..200 {
            let len = super::html_body(&mut rng, i).len();
            assert!((1024..4096 + 400).contains(&len), "{len}");
        }
    }
}
