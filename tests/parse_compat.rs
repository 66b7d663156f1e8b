//! Compatibility of the feed parser, one class per test, each with a small fixture feed in
//! `tests/fixtures/feeds/`: the old and odd formats, the fields real feeds get wrong, the
//! repairs, and the rule that a feed is never silently empty nor all-or-nothing.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use tidings::clean::Cleaner;
use tidings::model::{BodyKind, NewArticle, WarningKind};
use tidings::parse::{parse_feed, FeedFormat, ParseErrorKind, ParsedFeed};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str) -> ParsedFeed {
    let url = format!("https://feeds.example.org/{name}");
    parse_feed(&url, &fixture(name), now()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn titles(feed: &ParsedFeed) -> Vec<&str> {
    feed.articles
        .iter()
        .map(|a| a.meta.title.as_str())
        .collect()
}

/// The article's text as the reader shows it.
fn shown(a: &NewArticle) -> String {
    let doc = Cleaner::default().clean(&a.body, a.meta.link.as_deref());
    doc.plain_text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn links_shown(a: &NewArticle) -> Vec<String> {
    Cleaner::default()
        .clean(&a.body, a.meta.link.as_deref())
        .links
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

#[test]
fn atom_0_3_reads_every_entry_date_and_content_mode() {
    let feed = parse("atom03.xml");
    assert_eq!(feed.format, FeedFormat::Atom03);
    assert!(feed.broken.is_none() && feed.not_understood.is_empty());
    assert_eq!(feed.title.as_deref(), Some("Old <b>Blog</b>"));
    assert_eq!(
        titles(&feed),
        ["Escaped HTML", "Base64 title", "Inline XHTML"]
    );
    let [escaped, base64, xml] = &feed.articles[..] else {
        panic!("three entries")
    };
    // issued -> published, modified -> updated, created when nothing else dates it.
    assert_eq!(escaped.meta.published, Some(utc(2004, 5, 1, 12, 0)));
    assert_eq!(escaped.updated, Some(utc(2004, 5, 2, 8, 0)));
    assert_eq!(base64.meta.published, Some(utc(2004, 4, 30, 9, 0)));
    assert_eq!(
        escaped.meta.link.as_deref(),
        Some("http://old.example.org/2004/05/escaped")
    );
    assert_eq!(
        escaped.meta.guid.as_deref(),
        Some("tag:old.example.org,2004:escaped")
    );
    assert_eq!(escaped.meta.author.as_deref(), Some("Ann Author"));
    // mode="escaped", mode="base64", mode="xml": all three read as HTML.
    assert_eq!(escaped.body.kind, BodyKind::Html);
    assert_eq!(shown(escaped), "Hello escaped world");
    assert_eq!(base64.body.content, "<p>Decoded from <i>base64</i></p>");
    assert_eq!(shown(base64), "Decoded from base64");
    assert_eq!(xml.body.kind, BodyKind::Html);
    assert_eq!(shown(xml), "Inline markup & text");
}

#[test]
fn rss_2_0_in_a_default_namespace_is_rss() {
    let feed = parse("rss2_default_ns.xml");
    assert_eq!(feed.format, FeedFormat::Rss20);
    assert_eq!(feed.title.as_deref(), Some("Userland Weblog"));
    assert_eq!(titles(&feed), ["First", "Second"]);
    assert_eq!(
        feed.articles[0].meta.link.as_deref(),
        Some("http://userland.example.org/2003/01/first")
    );
    assert_eq!(
        feed.articles[0].meta.published,
        Some(utc(2003, 1, 1, 10, 0))
    );
    assert_eq!(shown(&feed.articles[1]), "Two");
}

#[test]
fn rss_0_90_reads_items_beside_the_channel() {
    let feed = parse("rss090.rdf");
    assert_eq!(feed.format, FeedFormat::Rss090);
    // The channel's title, not the image's.
    assert_eq!(feed.title.as_deref(), Some("Netscape Era News"));
    assert_eq!(titles(&feed), ["Ninety one", "Ninety two"]);
    assert_eq!(
        feed.articles[1].meta.link.as_deref(),
        Some("http://netscape.example.org/92")
    );
}

#[test]
fn a_permalink_guid_is_the_link_when_there_is_no_link() {
    let feed = parse("guid_link.xml");
    let links: Vec<Option<&str>> = feed
        .articles
        .iter()
        .map(|a| a.meta.link.as_deref())
        .collect();
    assert_eq!(
        links,
        [
            Some("https://guids.example.org/posts/1"),
            Some("https://guids.example.org/posts/2"),
            None, // isPermaLink="false"
            Some("https://guids.example.org/p/4"),
            None, // not a URL
        ]
    );
    // The guid stays the identity.
    assert_eq!(
        feed.articles[0].meta.guid.as_deref(),
        Some("https://guids.example.org/posts/1")
    );
}

#[test]
fn xml_base_resolves_entry_links_and_links_in_content() {
    let feed = parse("xml_base.atom");
    let [nested, absolute] = &feed.articles[..] else {
        panic!("two entries")
    };
    // feed base + entry base "2006/" + link "post.html"
    assert_eq!(
        nested.meta.link.as_deref(),
        Some("http://base.example.org/blog/2006/post.html")
    );
    // content base "images/" nests under the entry's.
    assert!(
        nested
            .body
            .content
            .contains(r#"href="http://base.example.org/blog/2006/post.html#more""#),
        "{}",
        nested.body.content
    );
    assert!(nested
        .body
        .content
        .contains(r#"src="http://base.example.org/blog/2006/images/cat.png""#));
    assert!(nested.body.content.contains(r##"href="#top""##));
    assert_eq!(
        links_shown(nested),
        [
            "http://base.example.org/blog/2006/post.html#more",
            "https://elsewhere.example.com/x"
        ]
    );
    // An absolute entry base replaces the feed's; enclosures resolve too.
    assert_eq!(
        absolute.meta.link.as_deref(),
        Some("http://other.example.net/page")
    );
    assert_eq!(
        absolute.enclosures[0].url,
        "http://other.example.net/root/ep.mp3"
    );
    assert_eq!(
        links_shown(absolute),
        ["http://other.example.net/root/notes/"]
    );
}

#[test]
fn relative_links_resolve_against_the_feed_url() {
    let feed = parse("relative_links.xml");
    assert_eq!(
        feed.articles[0].meta.link.as_deref(),
        Some("https://feeds.example.org/posts/relative")
    );
    // With a link, the reader resolves the body's links against it ...
    assert_eq!(
        links_shown(&feed.articles[0]),
        ["https://feeds.example.org/about"]
    );
    // ... and without one, against the document.
    assert_eq!(feed.articles[1].meta.link, None);
    assert_eq!(
        links_shown(&feed.articles[1]),
        ["https://feeds.example.org/about"]
    );
}

#[test]
fn base64_content_is_decoded_and_binary_content_falls_back_to_the_summary() {
    let feed = parse("base64.atom");
    assert_eq!(feed.articles[0].body.kind, BodyKind::Html);
    assert_eq!(feed.articles[0].body.content, "Example <b>Atom</b>");
    assert_eq!(shown(&feed.articles[1]), "The picture's caption");
}

#[test]
fn c1_controls_are_repaired_as_windows_1252() {
    let feed = parse("c1_controls.xml");
    assert_eq!(feed.title.as_deref(), Some("Smart \u{201c}Quotes\u{201d}"));
    assert_eq!(
        feed.articles[0].meta.title,
        "Don\u{2019}t panic \u{2013} it\u{2019}s fine"
    );
    assert!(!feed.articles[0].meta.title.contains("Dont"));
    assert_eq!(
        shown(&feed.articles[0]),
        "It\u{2019}s \u{201c}quoted\u{201d} \u{2026} and costs \u{20ac}20"
    );
    // Character references in the C1 range mean the same, as in HTML.
    assert_eq!(
        feed.articles[1].meta.title,
        "Don\u{2019}t \u{201c}reference\u{201d}"
    );
}

#[test]
fn html_in_titles_is_removed_only_where_it_is_markup() {
    let feed = parse("html_titles.xml");
    assert_eq!(
        titles(&feed),
        [
            "Bold move",
            "E = mc2",
            "Linked and slanted code",
            "Vec<T> is not Box<[T]>",
            "Why <p> is a block",
            "Generic <T> and bold",
            "Tom & Jerry",
        ]
    );
    let atom = parse("html_titles.atom");
    assert_eq!(atom.title.as_deref(), Some("Typed titles"));
    assert_eq!(
        titles(&atom),
        [
            "<b>kept</b> as text",
            "HTML title & more",
            "History of the <blink> tag"
        ]
    );
}

#[test]
fn escape_sequences_are_removed_whole_from_titles_and_bodies() {
    let feed = parse("escapes.xml");
    assert_eq!(feed.title.as_deref(), Some("Escapes"));
    assert_eq!(feed.articles[0].meta.title, "BREAKING news");
    assert_eq!(shown(&feed.articles[0]), "Bold claim here");
    assert_eq!(feed.articles[1].meta.title, "Referenced escape");
    for a in &feed.articles {
        assert!(!a.meta.title.contains(['\u{1b}', '\u{241b}']));
        assert!(!shown(a).chars().any(|c| c.is_control() || c == '\u{241b}'));
    }
}

#[test]
fn a_truncated_feed_keeps_the_items_before_the_break() {
    let feed = parse("truncated.xml");
    assert_eq!(titles(&feed), ["One", "Two"]);
    let broken = feed.broken.as_ref().expect("the break is reported");
    assert!(broken.at_end);
    assert_eq!(broken.line, 7);
    let warning = feed.warning().unwrap();
    assert_eq!(warning.kind, WarningKind::Partial);
    assert!(
        warning.message.starts_with("XML error at line 7, column ")
            && warning.message.ends_with("; kept the 2 items before it"),
        // The item cut off is not reported as "not understood".
        "{}",
        warning.message
    );
    assert!(warning
        .to_string()
        .starts_with("partial: XML error at line 7"));
}

#[test]
fn a_malformed_feed_keeps_the_items_before_the_break() {
    let feed = parse("malformed.xml");
    assert_eq!(titles(&feed), ["One", "Two"]);
    let broken = feed.broken.as_ref().unwrap();
    assert_eq!((broken.line, broken.column), (7, 38)); // the bad end tag
    assert!(!broken.at_end);
    assert!(broken.message.contains("tittle"), "{}", broken.message);
}

#[test]
fn a_feed_broken_before_any_item_fails_with_the_position() {
    let err = parse_feed("u", &fixture("broken_before_items.xml"), now()).unwrap_err();
    assert_eq!(
        err.kind,
        ParseErrorKind::Syntax {
            line: 3,
            column: 19
        }
    );
    assert!(
        err.message.starts_with("XML error at line 3, column 19: "),
        "{}",
        err.message
    );
}

#[test]
fn a_truncated_json_feed_keeps_the_items_before_the_break() {
    let feed = parse("truncated.json");
    assert_eq!(feed.format, FeedFormat::JsonFeed10);
    assert_eq!(titles(&feed), ["One", "Two"]);
    let warning = feed.warning().unwrap();
    assert_eq!(warning.kind, WarningKind::Partial);
    assert!(
        warning
            .message
            .starts_with("JSON error at line 7, column 30 (end of input): "),
        "{}",
        warning.message
    );
}

#[test]
fn items_that_are_not_understood_are_a_warning_naming_what_was_seen() {
    let feed = parse("not_understood.atom");
    assert!(feed.articles.is_empty());
    let warning = feed.warning().expect("never plain ok");
    assert_eq!(warning.kind, WarningKind::NotUnderstood);
    assert_eq!(
        warning.message,
        "root <feed> in namespace http://www.w3.org/2005/Atom: 3 <entry> elements, 0 understood"
    );
    assert_eq!(
        warning.to_string(),
        "warning: root <feed> in namespace http://www.w3.org/2005/Atom: 3 <entry> elements, 0 understood"
    );
}

#[test]
fn an_unknown_root_with_items_is_read_with_a_warning() {
    let feed = parse("unknown_root.xml");
    assert_eq!(titles(&feed), ["Read anyway"]);
    assert_eq!(
        feed.warning().unwrap().message,
        "root <newsfeed> with no namespace is not RSS or Atom: read 1 item anyway"
    );
}

#[test]
fn a_document_that_is_no_feed_is_not_a_feed() {
    for (text, what) in [
        ("<html><body><p>hi</p></body></html>", "html"),
        ("<opml version=\"2.0\"><body/></opml>", "opml"),
        ("[1, 2, 3]", "json array"),
        ("{\"items\": 3}", "json without items"),
        ("{\"name\": \"not a feed\"}", "json object"),
        ("plain text", "text"),
    ] {
        let err = parse_feed("u", text, now()).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::NotAFeed, "{what}: {err}");
        assert!(err.message.starts_with("not a feed"), "{what}: {err}");
    }
}

#[test]
fn rss_enclosures_media_rss_and_itunes_duration() {
    let feed = parse("enclosures.xml");
    let e = &feed.articles[0].enclosures;
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].url, "https://cdn.example.org/ep1.mp3");
    assert_eq!(e[0].mime.as_deref(), Some("audio/mpeg"));
    assert_eq!(e[0].length, Some(39_845_888));
    assert_eq!(e[0].duration, Some(Duration::from_secs(42 * 60 + 5)));
    // A relative URL resolves; a zero length is no length; H:MM:SS.
    let e = &feed.articles[1].enclosures;
    assert_eq!(e[0].url, "https://feeds.example.org/ep2.mp3");
    assert_eq!(e[0].length, None);
    assert_eq!(e[0].duration, Some(Duration::from_secs(3723)));
    // media:group and media:content, the same URL once.
    let e = &feed.articles[2].enclosures;
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].url, "https://cdn.example.org/ep3-hd.mp4");
    assert_eq!(e[0].length, Some(900_000));
    assert_eq!(e[0].duration, Some(Duration::from_secs(3600)));
    assert_eq!(e[1].url, "https://cdn.example.org/ep3-sd.mp4");
    assert_eq!(feed.articles[2].meta.title, "Video");
}

#[test]
fn atom_enclosure_links() {
    let feed = parse("enclosures.atom");
    let a = &feed.articles[0];
    assert_eq!(a.meta.link.as_deref(), Some("https://atom.example.org/ep1"));
    assert_eq!(a.enclosures.len(), 1);
    assert_eq!(a.enclosures[0].url, "https://atom.example.org/ep1.ogg");
    assert_eq!(a.enclosures[0].mime.as_deref(), Some("audio/ogg"));
    assert_eq!(a.enclosures[0].length, Some(2048));
}

#[test]
fn json_feed_attachments() {
    let feed = parse("enclosures.json");
    let a = &feed.articles[0];
    // A number where the spec wants a string is read, not a failure.
    assert_eq!(a.meta.guid.as_deref(), Some("7"));
    assert_eq!(a.body.kind, BodyKind::Text);
    let e = &a.enclosures[0];
    assert_eq!(e.url, "https://json.example.org/ep7.m4a");
    assert_eq!(e.mime.as_deref(), Some("audio/x-m4a"));
    assert_eq!(e.length, Some(89_970_236));
    assert_eq!(e.duration, Some(Duration::from_secs(6629)));
}

#[test]
fn demo_feeds_keep_their_article_ids() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let mut expected: Vec<(String, String)> = Vec::new();
    for line in fixture("demo_ids.txt").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let (file, id) = (cols.next().unwrap(), cols.next().unwrap());
        expected.push((file.to_string(), id.to_string()));
    }
    assert!(expected.len() >= 60);
    let mut files: Vec<&str> = expected.iter().map(|(f, _)| f.as_str()).collect();
    files.dedup();
    for file in files {
        let text = std::fs::read_to_string(demo.join(file)).unwrap();
        let url = format!("http://127.0.0.1:8080/{file}");
        let feed = parse_feed(&url, &text, now()).unwrap();
        assert!(feed.warning().is_none(), "{file}: {:?}", feed.warning());
        let got: Vec<String> = feed
            .articles
            .iter()
            .map(|a| a.meta.id.to_string())
            .collect();
        let want: Vec<String> = expected
            .iter()
            .filter(|(f, _)| f == file)
            .map(|(_, id)| id.clone())
            .collect();
        assert_eq!(got, want, "{file}");
    }
}

#[test]
fn every_truncation_keeps_a_prefix_of_the_items_and_never_panics() {
    for name in [
        "atom03.xml",
        "enclosures.xml",
        "html_titles.xml",
        "xml_base.atom",
        "enclosures.json",
    ] {
        let text = fixture(name);
        let full = parse(name);
        let all: Vec<String> = full
            .articles
            .iter()
            .map(|a| a.meta.id.to_string())
            .collect();
        for cut in (0..text.len()).filter(|i| text.is_char_boundary(*i)) {
            let Ok(feed) = parse_feed(
                &format!("https://feeds.example.org/{name}"),
                &text[..cut],
                now(),
            ) else {
                continue;
            };
            let got: Vec<String> = feed
                .articles
                .iter()
                .map(|a| a.meta.id.to_string())
                .collect();
            assert!(
                all.starts_with(&got),
                "{name} cut at {cut}: {got:?} is not a prefix of {all:?}"
            );
            if got.len() < all.len() && !got.is_empty() {
                assert!(
                    feed.broken.is_some(),
                    "{name} cut at {cut}: missing items, no break"
                );
            }
        }
    }
}

mod never_panics {
    use proptest::prelude::*;
    use tidings::parse::parse_feed;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("<rss version=\"2.0\">".to_string()),
            Just("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">".to_string()),
            Just("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"../x/\">".to_string()),
            Just("<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\">".to_string()),
            Just("<channel>".to_string()),
            Just("<item>".to_string()),
            Just("</item>".to_string()),
            Just("<entry xml:base=\"http://e.x/a/\">".to_string()),
            Just("</entry>".to_string()),
            Just("<title type=\"xhtml\">".to_string()),
            Just("<title>".to_string()),
            Just("</title>".to_string()),
            Just("<content mode=\"base64\" type=\"text/html\">".to_string()),
            Just("<content type=\"html\">".to_string()),
            Just("</content>".to_string()),
            Just("<link href=\"/p\"/>".to_string()),
            Just("<enclosure url=\"a.mp3\" length=\"-1\"/>".to_string()),
            Just("<media:group><media:content url=\"v\"/>".to_string()),
            Just("<itunes:duration>99:99:99:99</itunes:duration>".to_string()),
            Just("<pubDate>Mon, 99 Foo 2024 25:61:61 +9999</pubDate>".to_string()),
            Just("<![CDATA[<p>x</p>".to_string()),
            Just("]]>".to_string()),
            Just("&amp;&#146;&#0;&#x110000;&bogus;&".to_string()),
            Just("\u{1b}[31m\u{9b}\u{92}".to_string()),
            Just("{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[".to_string()),
            Just(
                "{\"id\":1e400,\"attachments\":[{\"url\":\"x\",\"duration_in_seconds\":1e300}]}"
                    .to_string()
            ),
            "[a-z <>/=\"&;]{0,20}",
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn any_document_parses_or_fails_cleanly(parts in prop::collection::vec(piece(), 0..30)) {
            let text = parts.concat();
            let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
            if let Ok(feed) = parse_feed("https://e.x/feed", &text, now) {
                for a in &feed.articles {
                    prop_assert!(!a.meta.title.chars().any(char::is_control));
                }
            }
        }
    }
}
