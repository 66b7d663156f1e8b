//! `tidings add` through the real binary against a 127.0.0.1 server: a feed url, a page
//! naming one feed, a page naming two (`--first`, the non-terminal error, the terminal
//! prompt in a pty), duplicates, a page without feeds, a 404, a refused connection, a
//! non-feed; the config keeps its comments and is byte for byte unchanged on every failure.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use support::pty::Session;
use support::{refused_url, Response, TestServer};

const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback Blog</title><link>http://example.invalid/</link>
<item><guid>1</guid><title>First</title><link>http://example.invalid/1</link></item>
<item><guid>2</guid><title>Second</title><link>http://example.invalid/2</link></item>
<item><guid>3</guid><title>Third</title><link>http://example.invalid/3</link></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Loopback Comments</title><id>urn:c</id>
<updated>2026-11-02T10:00:00Z</updated>
<entry><id>urn:c:1</id><title>A comment</title><updated>2026-11-02T10:00:00Z</updated></entry>
</feed>"#;

fn page(links: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>A blog</title>\n\
         <link rel=\"stylesheet\" href=\"/style.css\">\n{links}\n</head>\n\
         <body><nav><a href=\"/\">Home</a></nav><article><h1>Hello</h1><p>Welcome.</p></article></body></html>"
    )
}

/// A site with feeds, pages naming none, one or two of them, and broken paths.
async fn site() -> TestServer {
    TestServer::start(|req| {
        let html = |body: String| Response::ok(body).header("content-type", "text/html; charset=utf-8");
        match req.path() {
            "/feed.xml" => Response::ok(RSS).header("content-type", "application/rss+xml"),
            "/comments.atom" => Response::ok(ATOM).header("content-type", "application/atom+xml"),
            "/one" => html(page(
                r#"<link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">"#,
            )),
            "/two" => html(page(
                r#"<link rel="alternate" type="application/rss+xml" title="All posts" href="/feed.xml">
                <link rel="alternate" type="application/atom+xml" title="Comments" href="comments.atom">"#,
            )),
            "/none" => html(page("")),
            "/dead-link" => html(page(
                r#"<link rel="alternate" type="application/rss+xml" href="/missing.xml">"#,
            )),
            "/moved.xml" => Response::redirect(301, "/feed.xml"),
            "/text" => Response::ok("plain words, not a feed").header("content-type", "text/plain"),
            _ => Response::new(404),
        }
    })
    .await
}

const CONFIG: &str = "# My feeds, hand-written.\ntimeout = \"30s\"  # keep this comment\n\n\
                      [[feeds]]\n# the old favourite\nurl = \"https://old.example/rss\"\n";

struct Sandbox {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Sandbox {
    fn new(config_text: Option<&str>) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("conf").join("config.toml");
        if let Some(text) = config_text {
            std::fs::create_dir_all(config.parent().unwrap()).unwrap();
            std::fs::write(&config, text).unwrap();
        }
        Sandbox { dir, config }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tidings"))
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(self.dir.path().join("data"))
            .args(args)
            .env_remove("TIDINGS_CONFIG")
            .env_remove("TIDINGS_DATA_DIR")
            .stdin(Stdio::null())
            .output()
            .expect("run tidings")
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.config).unwrap()
    }

    fn bytes(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.config).ok()
    }

    /// Runs `add` expecting a failure with `code`, stderr containing `needles`, and the
    /// config file exactly as it was.
    fn add_fails(&self, args: &[&str], code: i32, needles: &[&str]) -> String {
        let before = self.bytes();
        let mut all = vec!["add"];
        all.extend_from_slice(args);
        let output = self.run(&all);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(code), "{all:?}: {err}");
        for needle in needles {
            assert!(err.contains(needle), "{all:?}: missing {needle:?} in {err}");
        }
        assert_eq!(self.bytes(), before, "{all:?} changed the config");
        assert!(
            !self.config.with_extension("toml.tmp").exists(),
            "{all:?} left a temporary file"
        );
        err
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The `[[feeds]]` tables of a config, parsed.
fn feeds(text: &str) -> Vec<toml::Table> {
    let table: toml::Table = text.parse().unwrap();
    table["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_table().unwrap().clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feed_url_is_appended_keeping_comments_with_title_and_tags() {
    let server = site().await;
    let sandbox = Sandbox::new(Some(CONFIG));
    let url = server.url("/feed.xml");
    let output = sandbox.run(&[
        "add",
        &url,
        "--title",
        "My \"blog\"",
        "--tag",
        "tech",
        "--tag",
        "daily news",
    ]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(out.starts_with("added My \"blog\"\n"), "{out}");
    assert!(out.contains(&format!("  url     {url}\n")), "{out}");
    assert!(out.contains("  items   3\n"), "{out}");
    assert!(out.contains("  tags    tech, daily news\n"), "{out}");
    assert!(
        out.contains(&format!("  config  {}", sandbox.config.display())),
        "{out}"
    );

    let text = sandbox.text();
    // Every byte of the old text is kept, the new table follows.
    assert!(text.starts_with(CONFIG), "{text}");
    assert_eq!(
        &text[CONFIG.len()..],
        format!(
            "\n[[feeds]]\nurl = \"{url}\"\ntitle = \"My \\\"blog\\\"\"\ntags = [\"tech\", \"daily news\"]\n"
        )
    );
    let tables = feeds(&text);
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[1]["title"].as_str(), Some("My \"blog\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_naming_one_feed_adds_that_feed() {
    let server = site().await;
    let sandbox = Sandbox::new(Some(CONFIG));
    let output = sandbox.run(&["add", &server.url("/one")]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(out.starts_with("added Loopback Blog\n"), "{out}");
    assert!(
        out.contains(&format!("  from    {}\n", server.url("/one"))),
        "{out}"
    );
    let tables = feeds(&sandbox.text());
    assert_eq!(
        tables[1]["url"].as_str(),
        Some(server.url("/feed.xml").as_str())
    );
    assert!(
        !tables[1].contains_key("title"),
        "the feed's own title is not copied"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_naming_two_feeds_takes_the_first_only_when_told() {
    let server = site().await;
    let sandbox = Sandbox::new(Some(CONFIG));
    // Not a terminal, no --first: usage error listing both, nothing written.
    let err = sandbox.add_fails(
        &[&server.url("/two")],
        2,
        &[
            "names 2 feeds",
            &format!("1. {}  (All posts)", server.url("/feed.xml")),
            &format!("2. {}  (Comments)", server.url("/comments.atom")),
            "--first",
        ],
    );
    assert!(err.contains("pass one of these urls"), "{err}");

    let output = sandbox.run(&["add", &server.url("/two"), "--first"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let tables = feeds(&sandbox.text());
    assert_eq!(tables.len(), 2);
    assert_eq!(
        tables[1]["url"].as_str(),
        Some(server.url("/feed.xml").as_str())
    );

    // The second one, by its own url.
    let output = sandbox.run(&["add", &server.url("/comments.atom")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("  items   1\n"));
    assert_eq!(feeds(&sandbox.text()).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicates_are_refused_as_written_discovered_or_redirected() {
    let server = site().await;
    let feed = server.url("/feed.xml");
    let sandbox = Sandbox::new(Some(&format!("{CONFIG}\n[[feeds]]\nurl = \"{feed}\"\n")));
    let before = server.request_count();
    sandbox.add_fails(&[&feed], 1, &["already subscribed", &feed, "nothing added"]);
    assert_eq!(
        server.request_count(),
        before,
        "a known url is not even fetched"
    );
    // The same url spelled differently.
    let shouted = feed.replace("http://", "HTTP://");
    sandbox.add_fails(&[&shouted], 1, &["already subscribed"]);
    // A page whose feed is already there.
    sandbox.add_fails(
        &[&server.url("/one")],
        1,
        &["already subscribed", &server.url("/one"), &feed],
    );
    sandbox.add_fails(
        &[&server.url("/two"), "--first"],
        1,
        &["already subscribed"],
    );
    // A feed that moved for good to a known url.
    sandbox.add_fails(
        &[&server.url("/moved.xml")],
        1,
        &["already subscribed", &feed],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permanent_redirect_adds_the_new_address() {
    let server = site().await;
    let sandbox = Sandbox::new(Some(CONFIG));
    let output = sandbox.run(&["add", &server.url("/moved.xml")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        feeds(&sandbox.text())[1]["url"].as_str(),
        Some(server.url("/feed.xml").as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_without_feeds_errors_and_non_feeds_change_nothing() {
    let server = site().await;
    let sandbox = Sandbox::new(Some(CONFIG));
    sandbox.add_fails(
        &[&server.url("/none")],
        1,
        &["names no feed", &server.url("/none")],
    );
    sandbox.add_fails(
        &[&server.url("/missing.xml")],
        1,
        &["could not fetch", "HTTP 404"],
    );
    sandbox.add_fails(
        &[&server.url("/dead-link")],
        1,
        &["names the feed", &server.url("/missing.xml"), "HTTP 404"],
    );
    sandbox.add_fails(
        &[&server.url("/text")],
        1,
        &["neither a feed", "nor a web page"],
    );
    let refused = refused_url().await;
    sandbox.add_fails(&[&refused], 1, &["could not fetch", "connection refused"]);
    sandbox.add_fails(&["ftp://example.com/feed"], 2, &["not a web address"]);
    // Without a config file, a failure creates none.
    let empty = Sandbox::new(None);
    empty.add_fails(&[&server.url("/none")], 1, &["names no feed"]);
    assert!(!empty.config.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_config_file_one_is_created() {
    let server = site().await;
    let sandbox = Sandbox::new(None);
    let output = sandbox.run(&["add", &server.url("/feed.xml"), "--tag", "new"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = sandbox.text();
    assert!(text.starts_with("# tidings config:"), "{text}");
    assert_eq!(feeds(&text)[0]["tags"][0].as_str(), Some("new"));
    // The new config works: refresh reads the feed.
    let output = sandbox.run(&["refresh"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("3 new"), "{}", stdout(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_the_user_picks_one_of_several_feeds() {
    let server = site().await;
    let sandbox = Sandbox::new(Some(CONFIG));
    let config = sandbox.config.to_str().unwrap().to_string();
    let page = server.url("/two");
    let home = sandbox.dir.path().to_path_buf();
    // The pty session blocks while it waits: keep it off the server's runtime workers.
    let code = tokio::task::spawn_blocking(move || {
        let mut session = Session::start(&["--config", &config, "add", &page], &home);
        session.wait_for(&["1. ", "(All posts)", "2. ", "(Comments)", "Which one?"]);
        session.press("7\r");
        session.wait_for(&["\"7\" is not one of the numbers above"]);
        session.press("2\r");
        session.wait_exit()
    })
    .await
    .unwrap();
    assert_eq!(code, 0);
    let tables = feeds(&sandbox.text());
    assert_eq!(
        tables[1]["url"].as_str(),
        Some(server.url("/comments.atom").as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_that_does_not_load_is_left_alone() {
    let server = site().await;
    let broken = "# mine\n[[feeds]]\nurl = \"https://old.example/rss\"\ntittle = \"typo\"\n";
    let sandbox = Sandbox::new(Some(broken));
    sandbox.add_fails(
        &[&server.url("/feed.xml")],
        2,
        &["line 4, column 1", "tittle"],
    );
}

#[test]
fn import_opml_appends_through_the_same_path() {
    let sandbox = Sandbox::new(Some(CONFIG));
    let opml = sandbox.dir.path().join("feeds.opml");
    std::fs::write(
        &opml,
        r#"<opml version="2.0"><body><outline text="Tech"><outline text="A" xmlUrl="https://a.example/rss"/><outline xmlUrl="https://old.example/rss"/></outline></body></opml>"#,
    )
    .unwrap();
    let output = sandbox.run(&["import-opml", opml.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("added 1 feeds"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("(1 already there)"));
    assert_eq!(
        sandbox.text(),
        format!(
            "{CONFIG}\n# Imported from OPML.\n[[feeds]]\nurl = \"https://a.example/rss\"\ntitle = \"A\"\ntags = [\"Tech\"]\n"
        )
    );
    // Nothing new: the file is not rewritten.
    let before = sandbox.bytes();
    let output = sandbox.run(&["import-opml", opml.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("added 0 feeds"));
    assert_eq!(sandbox.bytes(), before);
}
