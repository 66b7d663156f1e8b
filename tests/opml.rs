//! OPML import/export: real-world shaped fixtures, error positions, round trips and
//! appending imported feeds to a config without losing its comments.

use tidings::opml::{self, OpmlError, OpmlFeed};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/opml/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn feed(url: &str, title: Option<&str>, tags: &[&str]) -> OpmlFeed {
    OpmlFeed {
        url: url.to_string(),
        title: title.map(str::to_string),
        tags: tags.iter().map(|t| t.to_string()).collect(),
    }
}

#[test]
fn newsboat_export_reads_flat_list_with_categories() {
    let feeds = opml::parse(&fixture("newsboat-export.opml")).unwrap();
    assert_eq!(
        feeds,
        vec![
            feed(
                "https://kernel-weekly.example.org/rss.xml",
                Some("Kernel Weekly"),
                &[]
            ),
            feed(
                "https://orbital-notes.example.net/feed.atom",
                Some("Orbital Notes"),
                &[]
            ),
            feed(
                "https://transit.example.com/news.rdf",
                Some("City Transit News"),
                &["local", "transport"]
            ),
            // An empty title is no title.
            feed("https://climate-desk.example.org/feed.json", None, &[]),
        ]
    );
}

#[test]
fn nested_folders_become_tags_outermost_first() {
    let feeds = opml::parse(&fixture("nested-folders.opml")).unwrap();
    assert_eq!(
        feeds,
        vec![
            feed("https://top.example.org/rss", Some("Top-level feed"), &[]),
            feed(
                "https://rust-gazette.example.org/atom.xml",
                Some("The Rust Gazette"),
                &["Tech", "Rust"]
            ),
            // Upper-case attribute name, no type, url padded with spaces.
            feed(
                "https://notype.example.org/feed",
                Some("No type attribute"),
                &["Tech", "Rust"]
            ),
            // Lower-case xmlurl; category adds tags, slash paths split.
            feed(
                "https://ohd.example.org/index.rss",
                Some("Open Hardware Digest"),
                &["Tech", "hardware", "Makers", "RISC-V"]
            ),
            // Listed in two folders: kept once, tags merged, first title wins.
            feed(
                "https://orbital-notes.example.net/feed.atom",
                Some("Orbital Notes"),
                &["Science", "Favourites"]
            ),
        ]
    );
}

#[test]
fn titles_are_entity_decoded_and_whitespace_collapsed() {
    let feeds = opml::parse(&fixture("entities.opml")).unwrap();
    let titles: Vec<_> = feeds.iter().map(|f| f.title.as_deref().unwrap()).collect();
    assert_eq!(
        titles,
        vec![
            "Ben & Jerry\u{2019}s Blog",
            // &nbsp; is whitespace too: it collapses to a plain space.
            "<b>Bold</b> claims \u{2014} weekly digest\u{2026}",
            // Only one level of escaping is XML's; the rest is the publisher's text.
            "Double &amp; escaped",
            "中文新闻 Zürich",
            "spread over lines",
        ]
    );
    assert_eq!(feeds[0].url, "https://example.org/feed?a=1&b=2");
    assert_eq!(feeds[0].tags, vec!["News & Views"]);
}

#[test]
fn mismatched_end_tag_reports_line_and_column() {
    let err = opml::parse(&fixture("malformed.opml")).unwrap_err();
    match &err {
        OpmlError::Syntax { line, column, .. } => {
            assert_eq!((*line, *column), (7, 5), "{err}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("line 7, column 5"), "{message}");
}

#[test]
fn truncated_file_is_an_error_not_a_partial_list() {
    let err = opml::parse(&fixture("truncated.opml")).unwrap_err();
    assert!(
        matches!(err, OpmlError::Syntax { .. }),
        "expected a syntax error, got {err:?}"
    );
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn other_documents_are_rejected_with_what_was_found() {
    let err = opml::parse(&fixture("not-opml.xml")).unwrap_err();
    assert_eq!(
        err,
        OpmlError::NotOpml {
            found: "rss".into(),
            line: 2,
            column: 1
        }
    );
    assert_eq!(opml::parse("").unwrap_err(), OpmlError::Empty);
    assert_eq!(
        opml::parse("<?xml version=\"1.0\"?>\n").unwrap_err(),
        OpmlError::Empty
    );
}

#[test]
fn unknown_entity_is_reported_with_position() {
    let text = "<opml version=\"2.0\"><body>\n  <outline text=\"a &bogus; b\" xmlUrl=\"https://e.org/x\"/>\n</body></opml>";
    match opml::parse(text).unwrap_err() {
        OpmlError::Syntax { line, column, .. } => assert_eq!((line, column), (2, 3)),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn outlines_outside_body_are_ignored() {
    let text = r#"<opml version="1.0"><head><outline xmlUrl="https://head.example/x"/></head>
        <body><outline xmlUrl="https://body.example/x"/></body></opml>"#;
    let feeds = opml::parse(text).unwrap();
    assert_eq!(feeds, vec![feed("https://body.example/x", None, &[])]);
}

#[test]
fn write_then_parse_round_trips() {
    let feeds = vec![
        feed("https://a.example.org/rss", Some("Plain"), &[]),
        feed(
            "https://b.example.org/feed?x=1&y=<2>",
            Some("Quotes \" and ' and <tags> & ampersands"),
            &["Tech"],
        ),
        feed(
            "https://c.example.org/atom",
            Some("Zürich 中文 عربي"),
            &["Tech", "rust", "weekly"],
        ),
        feed("https://d.example.org/untitled", None, &["Science & Space"]),
        feed("https://e.example.org/x", Some("E"), &[]),
    ];
    let text = opml::write(&feeds, "tidings export <& friends>");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"));
    assert!(text.contains("<title>tidings export &lt;&amp; friends&gt;</title>"));
    let back = opml::parse(&text).unwrap();
    // Untagged feeds come first, then folders in order of first appearance.
    let expected = vec![
        feeds[0].clone(),
        feeds[4].clone(),
        feeds[1].clone(),
        feeds[2].clone(),
        feeds[3].clone(),
    ];
    assert_eq!(back, expected);
}

#[test]
fn write_drops_characters_xml_cannot_carry() {
    let feeds = vec![feed(
        "https://x.example.org/",
        Some("Bad\u{1b}[31m title\twith tab"),
        &[],
    )];
    let text = opml::write(&feeds, "t");
    assert!(!text.contains('\u{1b}'));
    let back = opml::parse(&text).unwrap();
    assert_eq!(back[0].title.as_deref(), Some("Bad[31m title with tab"));
}

#[test]
fn append_keeps_comments_and_skips_duplicates() {
    let config = fixture("config-with-comments.toml");
    assert!(
        !config.ends_with('\n'),
        "fixture must end without a newline"
    );
    let mut feeds = opml::parse(&fixture("newsboat-export.opml")).unwrap();
    feeds.push(feed(
        "https://tricky.example.org/feed",
        Some("Quote \" backslash \\ tab\t and \u{1b} escape"),
        &["a \"tag\"", "Zürich"],
    ));
    // The same url twice in the import counts as a duplicate too.
    feeds.push(feed("https://tricky.example.org/feed", Some("again"), &[]));

    let (text, added, skipped) = opml::append_to_config(&config, &feeds);
    assert_eq!((added, skipped), (4, 2));
    assert!(
        text.starts_with(&config),
        "existing text must be kept byte for byte"
    );
    assert!(text.contains("# trailing comment, no newline at the end of the file\n\n"));
    assert_eq!(text.matches("kernel-weekly.example.org").count(), 1);

    let table: toml::Table = text.parse().expect("the result must be valid TOML");
    let entries = table["feeds"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    let tricky = &entries[4];
    assert_eq!(
        tricky["title"].as_str(),
        Some("Quote \" backslash \\ tab\t and \u{1b} escape")
    );
    let tags: Vec<_> = tricky["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags, vec!["a \"tag\"", "Zürich"]);
    // A feed without a title gets no title key.
    assert!(entries[3].get("title").is_none());
    assert_eq!(
        entries[2]["tags"].as_array().unwrap().len(),
        2,
        "categories become tags"
    );
    // The other tables are untouched.
    assert_eq!(table["highlight"].as_array().unwrap().len(), 1);
    assert_eq!(table["refresh_interval"].as_str(), Some("30m"));

    // Importing again adds nothing.
    let (again, added, skipped) = opml::append_to_config(&text, &feeds);
    assert_eq!((added, skipped), (0, 6));
    assert_eq!(again, text);
}

#[test]
fn append_to_empty_and_to_unparsable_config() {
    let feeds = vec![feed("https://a.example.org/rss", Some("A"), &[])];
    let (text, added, _) = opml::append_to_config("", &feeds);
    assert_eq!(added, 1);
    assert_eq!(
        text,
        "# Imported from OPML.\n[[feeds]]\nurl = \"https://a.example.org/rss\"\ntitle = \"A\"\n"
    );
    text.parse::<toml::Table>().unwrap();

    // A config with a syntax error elsewhere still has its urls recognised.
    let broken = "refresh_interval = \n[[feeds]]\nurl = \"https://a.example.org/rss\"\n";
    let (text, added, skipped) = opml::append_to_config(broken, &feeds);
    assert_eq!((added, skipped), (0, 1));
    assert_eq!(text, broken);
}
