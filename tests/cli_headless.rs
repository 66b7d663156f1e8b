//! The real `tidings` binary, headless, against feeds served on 127.0.0.1 by the test:
//! refresh, list (plain and JSON), show, state export/import, persistence across runs,
//! the data-dir lock, bad config, and a crash test that kills refreshes with SIGKILL.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::data_dir::wait_for_unlock;
use support::{Response, TestServer, ARTICLE_PAGE};

const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback News</title><link>http://example.invalid/</link>
<item><guid>n1</guid><title>Rust on Mars</title><link>http://example.invalid/1</link>
  <pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate>
  <description>&lt;p&gt;The rover now runs &lt;b&gt;Rust&lt;/b&gt; firmware.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;Second paragraph.&lt;/p&gt;</description></item>
<item><guid>n2</guid><title>Quiet day</title><link>http://example.invalid/2</link>
  <pubDate>Tue, 03 Nov 2026 10:00:00 GMT</pubDate><description>Nothing happened.</description></item>
<item><guid>n3</guid><title>Metadata formats compared</title><link>http://example.invalid/3</link>
  <pubDate>Wed, 04 Nov 2026 10:00:00 GMT</pubDate><description>About metadata, not the company.</description></item>
</channel></rss>"#;

const JSON_FEED: &str = r#"{"version":"https://jsonfeed.org/version/1.1","title":"Escapes",
 "items":[{"id":"e1","title":"\u001b[31mred\u001b[0m title\u202e","content_html":"<p>bell\u0007 and \u001b]52;c;Zm9v\u0007 clipboard</p>",
 "date_published":"2026-11-05T10:00:00Z","url":"http://example.invalid/e1"}]}"#;

/// A feed server with ETag support, a JSON feed and a failing path.
async fn feed_server() -> TestServer {
    TestServer::start(|req| match req.path() {
        "/news.xml" => {
            if req.header("if-none-match") == Some("\"v1\"") {
                Response::new(304)
            } else {
                Response::ok(RSS)
                    .header("content-type", "application/rss+xml")
                    .header("etag", "\"v1\"")
            }
        }
        "/escapes.json" => Response::ok(JSON_FEED).header("content-type", "application/feed+json"),
        _ => Response::new(500),
    })
    .await
}

struct Sandbox {
    _dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
}

impl Sandbox {
    fn new(config_text: &str) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, config_text).unwrap();
        let data = dir.path().join("data");
        Sandbox {
            _dir: dir,
            config,
            data,
        }
    }

    fn for_server(server: &TestServer) -> Sandbox {
        Sandbox::new(&format!(
            r#"timeout = "30s"
[[feeds]]
url = "{}"
[[feeds]]
url = "{}"
title = "Escape tests"
[[feeds]]
url = "{}"
title = "Always broken"

[[highlight]]
name = "rust"
keywords = ["Rust"]
[[highlight]]
keywords = ["Meta"]
"#,
            server.url("/news.xml"),
            server.url("/escapes.json"),
            server.url("/broken"),
        ))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tidings"));
        command
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env_remove("TIDINGS_CONFIG")
            .env_remove("TIDINGS_DATA_DIR")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run tidings")
    }

    /// Runs a command that takes the data-dir lock right after this test process released it
    /// (a `Store` opened and dropped here): see `wait_for_unlock`.
    fn run_after_unlock(&self, args: &[&str]) -> Output {
        wait_for_unlock(&self.data);
        self.run(args)
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn list_json(sandbox: &Sandbox, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["list", "--format", "json"];
    args.extend_from_slice(extra);
    let output = sandbox.run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

fn id_of(articles: &[serde_json::Value], title_part: &str) -> String {
    articles
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains(title_part))
        .unwrap_or_else(|| panic!("no article titled {title_part}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_then_list_and_show_from_the_store() {
    let server = feed_server().await;
    let sandbox = Sandbox::for_server(&server);

    let output = sandbox.run(&["refresh"]);
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failing feed gives status 1: {text}"
    );
    assert!(text.contains("ok      Loopback News  (3 new"), "{text}");
    assert!(text.contains("ok      Escape tests  (1 new"), "{text}");
    assert!(
        text.contains("failed  Always broken  (http: HTTP 500"),
        "{text}"
    );
    assert!(
        text.contains("3 feeds: 2 ok, 0 not modified, 1 failed · 4 new articles"),
        "{text}"
    );

    // A second refresh sends the validator and gets a 304.
    let again = stdout(&sandbox.run(&["refresh"]));
    assert!(again.contains("Loopback News  (not modified"), "{again}");
    assert!(again.contains("0 new articles"), "{again}");
    let conditional = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/news.xml")
        .filter(|r| r.header("if-none-match") == Some("\"v1\""))
        .count();
    assert_eq!(conditional, 1);

    let articles = list_json(&sandbox, &[]);
    assert_eq!(articles.len(), 4);
    for article in &articles {
        for field in [
            "id",
            "feed",
            "title",
            "link",
            "author",
            "published",
            "read",
            "starred",
            "highlights",
        ] {
            assert!(article.get(field).is_some(), "missing {field} in {article}");
        }
        let id = article["id"].as_str().unwrap();
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
    // Newest first; RFC 3339 dates; highlights name the rule; whole words only.
    assert_eq!(articles[0]["feed"], "Escape tests");
    assert_eq!(articles[0]["published"], "2026-11-05T10:00:00+00:00");
    let mars = articles
        .iter()
        .find(|a| a["title"] == "Rust on Mars")
        .unwrap();
    assert_eq!(mars["highlights"], serde_json::json!(["rust"]));
    assert_eq!(mars["feed"], "Loopback News");
    let metadata = articles
        .iter()
        .find(|a| a["title"] == "Metadata formats compared")
        .unwrap();
    assert_eq!(metadata["highlights"], serde_json::json!([]));

    // No control character from a feed reaches the output, in JSON or in plain text.
    let escapes = &articles[0];
    let title = escapes["title"].as_str().unwrap();
    assert!(
        !title.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{title:?}"
    );
    let plain = stdout(&sandbox.run(&["list"]));
    assert!(
        !plain.contains('\x1b') && !plain.contains('\u{202e}'),
        "{plain:?}"
    );

    // show: cleaned text, plain when stdout is a pipe.
    let id = id_of(&articles, "Rust on Mars");
    let shown = sandbox.run(&["show", &id]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    let text = stdout(&shown);
    assert!(text.starts_with("Rust on Mars\n"), "{text}");
    assert!(text.contains("The rover now runs Rust firmware."), "{text}");
    assert!(text.contains("Second paragraph."), "{text}");
    assert!(
        !text.contains("alert(1)") && !text.contains("<p>"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colour on a pipe: {text:?}");
    // With --color=always the highlight rule is styled.
    let coloured = stdout(&sandbox.run(&["show", &id, "--color", "always"]));
    assert!(coloured.contains("\x1b["), "{coloured:?}");

    let escaped = stdout(&sandbox.run(&["show", &id_of(&articles, "red")]));
    assert!(
        !escaped.chars().any(|c| c.is_control() && c != '\n'),
        "{escaped:?}"
    );

    // Unknown and malformed ids.
    let missing = sandbox.run(&["show", "ffffffffffffffff"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no article with id"));
    let malformed = sandbox.run(&["show", "not-an-id"]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(stderr(&malformed).contains("is not an article id"));

    // Filters.
    assert_eq!(list_json(&sandbox, &["--feed", "loopback"]).len(), 3);
    assert_eq!(list_json(&sandbox, &["--highlighted"]).len(), 1);
    let unknown_feed = sandbox.run(&["list", "--feed", "nope"]);
    assert_eq!(unknown_feed.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn read_state_survives_restarts_and_moves_between_data_dirs() {
    let server = feed_server().await;
    let sandbox = Sandbox::for_server(&server);
    sandbox.run(&["refresh"]);
    let before = list_json(&sandbox, &[]);
    let id = id_of(&before, "Quiet day");

    let shown = sandbox.run(&["show", &id, "--mark-read"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    let unread = list_json(&sandbox, &["--unread"]);
    assert_eq!(unread.len(), 3);
    assert!(unread.iter().all(|a| a["id"] != id.as_str()));

    // Ids are stable across runs and refreshes.
    sandbox.run(&["refresh"]);
    let after = list_json(&sandbox, &[]);
    let ids = |list: &[serde_json::Value]| {
        let mut ids: Vec<String> = list.iter().map(|a| a["id"].to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&before), ids(&after));

    // Export, then import into a fresh data dir after fetching the same feeds there.
    let exported = sandbox.run(&["export-state"]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let state_file = sandbox.data.with_file_name("state.json");
    std::fs::write(&state_file, &exported.stdout).unwrap();

    let other = Sandbox::for_server(&server);
    std::fs::copy(&sandbox.config, &other.config).unwrap();
    other.run(&["refresh"]);
    assert_eq!(list_json(&other, &["--unread"]).len(), 4);
    let imported = other.run(&["import-state", state_file.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stdout(&imported).contains("1 matched"),
        "{}",
        stdout(&imported)
    );
    assert_eq!(list_json(&other, &["--unread"]).len(), 3);

    let garbage = other.data.with_file_name("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let bad = other.run(&["import-state", garbage.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not a state file"),
        "{}",
        stderr(&bad)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_writer_is_refused_but_readers_still_work() {
    let server = feed_server().await;
    let sandbox = Sandbox::for_server(&server);
    sandbox.run(&["refresh"]);
    let held = tidings::store::Store::open(&sandbox.data, tidings::store::OpenMode::ReadWrite)
        .expect("open the store");
    let refused = sandbox.run(&["refresh"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("another tidings"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(list_json(&sandbox, &[]).len(), 4, "list reads while locked");
    drop(held);
    let again = sandbox.run_after_unlock(&["refresh"]);
    assert!(again.status.code() != Some(2), "{}", stderr(&again));
}

#[test]
fn config_errors_name_file_line_and_column_and_exit_2() {
    let sandbox = Sandbox::new(
        "refresh_interval = \"10m\"\n[[feeds]]\nurl = \"https://e.x/feed\"\ntittle = \"typo\"\n",
    );
    let output = sandbox.run(&["list"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains(&sandbox.config.display().to_string()),
        "{message}"
    );
    assert!(message.contains("line 4, column 1"), "{message}");
    assert!(message.contains("tittle"), "{message}");
    assert!(
        !message.contains("panicked") && !message.contains("RUST_BACKTRACE"),
        "{message}"
    );

    let missing = Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(["--config", "/nonexistent/tidings/config.toml", "list"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("/nonexistent/tidings/config.toml"));
}

#[test]
fn refresh_with_no_feeds_says_what_to_do() {
    let sandbox = Sandbox::new("# empty\n");
    let output = sandbox.run(&["refresh"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("[[feeds]]"), "{}", stderr(&output));
}

#[test]
fn demo_refresh_reads_the_bundled_feeds_offline() {
    let output = Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(["--demo", "refresh"])
        .env_remove("TIDINGS_CONFIG")
        .env_remove("TIDINGS_DATA_DIR")
        .output()
        .unwrap();
    let text = stdout(&output);
    // The demo ships one deliberately broken (truncated) feed: it is read up to the break,
    // shown as partial, and is no failure.
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    let new: usize = text
        .lines()
        .last()
        .and_then(|l| l.split(" · ").nth(1))
        .and_then(|part| part.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no totals line in {text}"));
    // 64 items (the podcast's 2 included); the demo's kill rule hides two of them, which are
    // not counted as new.
    assert_eq!(new, 62, "{text}");
    assert!(
        stderr(&output).contains(
            "(`title:\"quick links\" or title:\"weekly chart\"`, hide) caught 2 new articles"
        ),
        "{}",
        stderr(&output)
    );
    assert!(
        text.contains("7 ok, 1 partial, 0 not modified, 0 failed"),
        "{text}"
    );
    assert!(
        text.contains("partial  Broken Feed (demo of a truncated feed)  (1 new, "),
        "{text}"
    );
    assert!(text.contains("kept the 1 item before it"), "{text}");
}

/// Feed `n` as served for the `k`th request: after the first pass, every request brings
/// new items, so that every killed refresh was writing.
fn slow_feed(n: usize, k: usize) -> String {
    let generation = if k < 60 { 0 } else { k };
    let items: String = (0..20)
        .map(|i| format!("<item><guid>f{n}-{generation}-{i}</guid><title>Feed {n} item {i}</title><description>&lt;p&gt;Body {i}&lt;/p&gt;</description></item>"))
        .collect();
    format!("<rss version=\"2.0\"><channel><title>Slow {n}</title>{items}</channel></rss>")
}

fn integrity_and_read_flags(data: &Path, must_be_read: &[String]) {
    // The previous check's store was just dropped: see `wait_for_unlock`.
    wait_for_unlock(data);
    let opened = tidings::store::Store::open(data, tidings::store::OpenMode::ReadWrite)
        .expect("the store opens after a crash");
    assert!(
        opened.notices.is_empty(),
        "no corruption expected: {:?}",
        opened.notices
    );
    assert_eq!(opened.store.integrity_check().unwrap(), "ok");
    let read: Vec<String> = opened
        .store
        .list_articles(false, None)
        .unwrap()
        .into_iter()
        .filter(|a| a.read)
        .map(|a| a.id.to_string())
        .collect();
    for id in must_be_read {
        assert!(read.contains(id), "read flag of {id} was lost");
    }
}

/// Kills `tidings refresh` with SIGKILL at different moments, many times, then checks that
/// the store is intact and that no committed read flag was lost.
#[tokio::test(flavor = "multi_thread")]
async fn killing_refresh_mid_way_never_corrupts_the_store() {
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    let server = TestServer::start(move |req| {
        let n: usize = req
            .path()
            .trim_start_matches("/f")
            .trim_end_matches(".xml")
            .parse()
            .unwrap_or(0);
        let k = counter.fetch_add(1, Ordering::SeqCst);
        Response::ok(slow_feed(n, k)).delay(Duration::from_millis(5 * (n as u64 % 20)))
    })
    .await;
    let mut config = String::from("max_per_host = 8\n");
    for n in 0..60 {
        config.push_str(&format!(
            "[[feeds]]\nurl = \"{}\"\n",
            server.url(&format!("/f{n}.xml"))
        ));
    }
    let sandbox = Sandbox::new(&config);

    // A first full refresh, then commit some read flags.
    sandbox.run(&["refresh"]);
    let all = list_json(&sandbox, &[]);
    assert_eq!(all.len(), 60 * 20);
    let marked: Vec<String> = all
        .iter()
        .step_by(97)
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    for id in &marked {
        assert!(sandbox.run(&["show", id, "--mark-read"]).status.success());
    }

    for round in 0..8u64 {
        let before = served.load(Ordering::SeqCst);
        let mut child = sandbox
            .command(&["refresh"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if round % 2 == 1 {
            // Every other round counts from the refresh's first request, so that some kills
            // surely land while it fetches and writes: on a loaded machine the child can take
            // longer to start than the longest sleep below.
            let deadline = Instant::now() + Duration::from_secs(30);
            while served.load(Ordering::SeqCst) == before
                && Instant::now() < deadline
                && child.try_wait().unwrap().is_none()
            {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(20 + round * 37)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        integrity_and_read_flags(&sandbox.data, &marked);
    }
    assert!(served.load(Ordering::SeqCst) > 60);
    // And the store still works normally afterwards.
    let output = sandbox.run_after_unlock(&["refresh"]);
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn changed_highlight_rules_rematch_stored_articles() {
    let server = feed_server().await;
    let sandbox = Sandbox::for_server(&server);
    sandbox.run(&["refresh"]);
    assert_eq!(list_json(&sandbox, &["--highlighted"]).len(), 1);

    let mut config = std::fs::read_to_string(&sandbox.config).unwrap();
    config.push_str("[[highlight]]\nname = \"calm\"\nkeywords = [\"nothing happened\"]\n");
    std::fs::write(&sandbox.config, config).unwrap();
    let listed = sandbox.run(&["list"]);
    assert!(
        stderr(&listed).contains("highlight rules changed"),
        "{}",
        stderr(&listed)
    );

    let refreshed = sandbox.run(&["refresh"]);
    assert!(
        stderr(&refreshed).contains("1 stored articles re-matched"),
        "{}",
        stderr(&refreshed)
    );
    let highlighted = list_json(&sandbox, &["--highlighted"]);
    assert_eq!(highlighted.len(), 2);
    let quiet = highlighted
        .iter()
        .find(|a| a["title"] == "Quiet day")
        .unwrap();
    assert_eq!(quiet["highlights"], serde_json::json!(["calm"]));
    assert!(!stderr(&sandbox.run(&["list"])).contains("highlight rules changed"));

    // Removing every rule clears the stored matches.
    let config = std::fs::read_to_string(&sandbox.config).unwrap();
    let without_rules = &config[..config.find("[[highlight]]").unwrap()];
    std::fs::write(&sandbox.config, without_rules).unwrap();
    let refreshed = sandbox.run(&["refresh"]);
    assert!(
        stderr(&refreshed).contains("2 stored articles re-matched"),
        "{}",
        stderr(&refreshed)
    );
    assert!(list_json(&sandbox, &["--highlighted"]).is_empty());
}

/// More feeds than the refresh keeps in flight at once (its window is 128 by default):
/// every one is still polled and counted.
#[tokio::test(flavor = "multi_thread")]
async fn refresh_polls_every_feed_beyond_the_in_flight_window() {
    let server = TestServer::start(|req| {
        Response::ok(format!(
            "<rss version=\"2.0\"><channel><title>F{p}</title><item><guid>{p}</guid><title>Item {p}</title></item></channel></rss>",
            p = req.path()
        ))
    })
    .await;
    let mut config = String::from("max_concurrent_fetches = 8\nmax_per_host = 8\n");
    for n in 0..300 {
        config.push_str(&format!(
            "[[feeds]]\nurl = \"{}\"\n",
            server.url(&format!("/{n}"))
        ));
    }
    let sandbox = Sandbox::new(&config);
    let output = sandbox.run(&["refresh"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("300 feeds: 300 ok, 0 not modified, 0 failed · 300 new articles"),
        "{}",
        text.lines().last().unwrap_or_default()
    );
    assert_eq!(server.request_count(), 300);
    assert_eq!(list_json(&sandbox, &[]).len(), 300);
}

/// A permanent redirect is reported, the config is left alone until `update-urls`, which
/// rewrites the url in place and keeps the feed's read state; a web page naming its feed
/// is offered the same way.
#[tokio::test(flavor = "multi_thread")]
async fn moved_feeds_are_updated_on_request_keeping_read_state() {
    let server = TestServer::start(|req| match req.path() {
        "/old.xml" => Response::redirect(301, "/new.xml"),
        "/new.xml" => Response::ok(RSS).header("content-type", "application/rss+xml"),
        "/blog" => Response::ok(
            "<!doctype html><html><head><link rel=\"alternate\" type=\"application/json\" href=\"/escapes.json\"></head><body>blog</body></html>",
        )
        .header("content-type", "text/html"),
        "/escapes.json" => Response::ok(JSON_FEED),
        _ => Response::new(404),
    })
    .await;
    let (old, new) = (server.url("/old.xml"), server.url("/new.xml"));
    let (blog, blog_feed) = (server.url("/blog"), server.url("/escapes.json"));
    let sandbox = Sandbox::new(&format!(
        "# my feeds\n[[feeds]]\nurl = \"{old}\"  # moved\ntitle = \"News\"\n[[feeds]]\nurl = \"{blog}\"\n"
    ));
    let refreshed = stdout(&sandbox.run(&["refresh"]));
    assert!(
        refreshed.contains(&format!("feed moved to {new}")),
        "{refreshed}"
    );
    assert!(refreshed.contains(&blog_feed), "{refreshed}");
    let id = id_of(&list_json(&sandbox, &[]), "Quiet day");
    assert!(sandbox.run(&["show", &id, "--mark-read"]).status.success());

    let before = std::fs::read_to_string(&sandbox.config).unwrap();
    let dry = stdout(&sandbox.run(&["update-urls", "--dry-run"]));
    assert!(dry.contains(&format!("would move {old} -> {new}")), "{dry}");
    assert!(
        dry.contains(&format!("would move {blog} -> {blog_feed}")),
        "{dry}"
    );
    assert_eq!(std::fs::read_to_string(&sandbox.config).unwrap(), before);

    let done = sandbox.run(&["update-urls"]);
    assert!(done.status.success(), "{}", stderr(&done));
    let config = std::fs::read_to_string(&sandbox.config).unwrap();
    assert!(
        config.contains(&format!("url = \"{new}\"  # moved")),
        "{config}"
    );
    assert!(
        config.contains(&format!("url = \"{blog_feed}\"")),
        "{config}"
    );
    assert!(config.starts_with("# my feeds\n"), "{config}");

    // The moved feed's articles kept their state and are not fetched again as new.
    let unread_before = list_json(&sandbox, &["--unread"]).len();
    let again = stdout(&sandbox.run(&["refresh"]));
    assert!(again.contains("ok      News  (0 new"), "{again}");
    let articles = list_json(&sandbox, &[]);
    let quiet = articles.iter().find(|a| a["title"] == "Quiet day").unwrap();
    assert_eq!(quiet["read"], true);
    assert_eq!(list_json(&sandbox, &["--unread"]).len(), unread_before + 1);
    assert_eq!(
        stdout(&sandbox.run(&["update-urls"])),
        "no feed has moved\n"
    );
}

/// Requests per path so far.
fn hits(server: &TestServer, path: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path() == path)
        .count()
}

/// `refresh` leaves alone a feed whose server asked to wait (429 + Retry-After) and one that
/// backs off after a failure, and says until when; `--force` polls them; `--due` polls only
/// the feeds whose schedule is due.
#[tokio::test(flavor = "multi_thread")]
async fn refresh_is_polite_by_default_forced_on_request_and_due_for_cron() {
    let server = TestServer::start(|req| match req.path() {
        "/news.xml" => {
            if req.header("if-none-match") == Some("\"v1\"") {
                Response::new(304)
            } else {
                Response::ok(RSS).header("etag", "\"v1\"")
            }
        }
        "/fast.xml" => Response::ok(
            "<rss version=\"2.0\"><channel><title>Fast</title><item><guid>f1</guid><title>F</title></item></channel></rss>",
        ),
        "/limited.xml" => Response::new(429).header("retry-after", "3600"),
        _ => Response::new(500),
    })
    .await;
    let sandbox = Sandbox::new(&format!(
        "[[feeds]]\nurl = \"{}\"\n\
         [[feeds]]\nurl = \"{}\"\nrefresh_interval = \"1s\"\n\
         [[feeds]]\nurl = \"{}\"\ntitle = \"Limited\"\n\
         [[feeds]]\nurl = \"{}\"\ntitle = \"Broken\"\n",
        server.url("/news.xml"),
        server.url("/fast.xml"),
        server.url("/limited.xml"),
        server.url("/broken.xml"),
    ));
    let paths = ["/news.xml", "/fast.xml", "/limited.xml", "/broken.xml"];
    let counts = |server: &TestServer| paths.map(|p| hits(server, p));

    let first = sandbox.run(&["refresh"]);
    assert_eq!(first.status.code(), Some(1), "{}", stdout(&first));
    assert_eq!(counts(&server), [1, 1, 1, 1]);

    // Default: the 429 and the failing feed wait, each on a line saying why.
    let second = sandbox.run(&["refresh"]);
    let text = stdout(&second);
    assert_eq!(counts(&server), [2, 2, 1, 1], "{text}");
    let limited = text
        .lines()
        .find(|l| l.starts_with("skip    Limited  waiting until "))
        .unwrap_or_else(|| panic!("no waiting line for Limited in {text}"));
    assert!(
        limited.contains(" (server asked) · last error: HTTP 429"),
        "{limited}"
    );
    // The time is local hh:mm (or a date and hh:mm when the wait ends another day).
    let until = limited
        .trim_start_matches("skip    Limited  waiting until ")
        .split(" (")
        .next()
        .unwrap();
    let hhmm = until.rsplit(' ').next().unwrap();
    assert!(hhmm.len() == 5 && hhmm.as_bytes()[2] == b':', "{limited}");
    assert!(
        text.contains("skip    Broken  waiting until ")
            && text.contains("(backing off after 1 failure) · last error: HTTP 500"),
        "{text}"
    );
    assert!(
        text.contains("4 feeds: 1 ok, 1 not modified, 0 failed, 2 waiting · 0 new articles"),
        "{text}"
    );
    // Nothing polled failed: a waiting feed does not make the run fail.
    assert_eq!(second.status.code(), Some(0), "{text}");

    // --due: only the feed whose 1 s interval has passed.
    std::thread::sleep(Duration::from_millis(1100));
    let due = sandbox.run(&["refresh", "--due"]);
    let text = stdout(&due);
    assert_eq!(counts(&server), [2, 3, 1, 1], "{text}");
    assert!(
        text.contains("4 feeds: 1 ok, 0 not modified, 0 failed, 3 waiting"),
        "{text}"
    );
    assert!(
        !text.contains("Loopback News"),
        "not due, not listed: {text}"
    );
    assert!(text.contains("skip    Limited  waiting until "), "{text}");

    // --force: every feed, whatever it waits for.
    let forced = sandbox.run(&["refresh", "--force"]);
    let text = stdout(&forced);
    assert_eq!(counts(&server), [3, 4, 2, 2], "{text}");
    assert!(!text.contains("skip"), "{text}");
    assert_eq!(forced.status.code(), Some(1), "{text}");

    let both = sandbox.run(&["refresh", "--force", "--due"]);
    assert_eq!(
        both.status.code(),
        Some(2),
        "the two modes exclude each other"
    );
}

/// For `full_text = true` feeds, `refresh` fetches the web page of each new article in the
/// same run and stores its extract, so it reads offline; a page that fails is counted and
/// named, and fails neither the feed nor the run. Nothing is fetched again for old articles.
#[tokio::test(flavor = "multi_thread")]
async fn refresh_prefetches_the_full_text_of_new_articles() {
    let server = TestServer::start(|req| {
        let base = format!("http://{}", req.header("host").unwrap_or("127.0.0.1"));
        let item = |n: &str, page: &str| {
            format!("<item><guid>{n}</guid><title>Story {n}</title><link>{base}{page}</link><description>Summary {n}.</description></item>")
        };
        match req.path() {
            "/full.xml" => Response::ok(format!(
                "<rss version=\"2.0\"><channel><title>Full</title>{}{}{}</channel></rss>",
                item("a", "/a.html"),
                item("b", "/b.html"),
                item("c", "/gone.html"),
            )),
            "/summary.xml" => Response::ok(format!(
                "<rss version=\"2.0\"><channel><title>Summary</title>{}</channel></rss>",
                item("s", "/s.html"),
            )),
            "/a.html" | "/b.html" | "/s.html" => {
                Response::ok(ARTICLE_PAGE).header("content-type", "text/html; charset=utf-8")
            }
            _ => Response::new(404),
        }
    })
    .await;
    let sandbox = Sandbox::new(&format!(
        "[[feeds]]\nurl = \"{}\"\nfull_text = true\n[[feeds]]\nurl = \"{}\"\n",
        server.url("/full.xml"),
        server.url("/summary.xml"),
    ));
    let pages = |server: &TestServer| {
        ["/a.html", "/b.html", "/gone.html", "/s.html"].map(|p| hits(server, p))
    };

    let output = sandbox.run(&["refresh"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(
        text.contains("· 4 new articles · full text: 2 saved, 1 failed ·"),
        "{text}"
    );
    assert!(
        stderr(&output).contains("full text of \"Story c\" (Full): HTTP 404"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        pages(&server),
        [1, 1, 1, 0],
        "only full_text feeds, once each"
    );

    // The extracts are in the store, for reading offline.
    let store = tidings::store::Store::open(&sandbox.data, tidings::store::OpenMode::ReadOnly)
        .unwrap()
        .store;
    let articles = list_json(&sandbox, &[]);
    for (title, saved) in [("Story a", true), ("Story b", true), ("Story c", false)] {
        let id: tidings::model::ArticleId = id_of(&articles, title).parse().unwrap();
        let full = store.full_text(id).unwrap();
        assert_eq!(full.is_some(), saved, "{title}");
        if let Some(html) = full {
            assert!(html.contains("orbital mechanics"), "{html}");
            assert!(!html.contains("Privacy policy"), "{html}");
        }
    }
    drop(store);

    // A second run finds no new article: no page is fetched again.
    let again = sandbox.run(&["refresh"]);
    let text = stdout(&again);
    assert!(text.contains("· 0 new articles ·"), "{text}");
    assert!(!text.contains("full text"), "{text}");
    assert_eq!(pages(&server), [1, 1, 1, 0]);
}

/// Kill rules act on articles as they arrive: `read` marks them read, `hide` keeps them out of
/// `list` (but in `list --ignored`), `drop` never stores them, not even on the next refresh.
#[tokio::test(flavor = "multi_thread")]
async fn kill_rules_act_on_new_articles_at_ingest() {
    let server =
        TestServer::start(|_| Response::ok(RSS).header("content-type", "application/rss+xml"))
            .await;
    let sandbox = Sandbox::new(&format!(
        r#"[[feeds]]
url = "{}"

[[ignore]]
query = "title:quiet"
action = "read"

[[ignore]]
query = "title:metadata"
action = "drop"

[[ignore]]
query = "text:rover"
action = "hide"
"#,
        server.url("/news.xml")
    ));
    let first = sandbox.run(&["refresh"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let err = stderr(&first);
    for rule in [
        "kill rule 1 (`title:quiet`, read) caught 1 new article",
        "kill rule 2 (`title:metadata`, drop) caught 1 new article",
        "kill rule 3 (`text:rover`, hide) caught 1 new article",
    ] {
        assert!(err.contains(rule), "{rule}: {err}");
    }
    let listed = list_json(&sandbox, &[]);
    let titles: Vec<&str> = listed
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Quiet day"], "{listed:?}");
    assert_eq!(listed[0]["read"], true);
    let hidden = list_json(&sandbox, &["--ignored"]);
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    assert_eq!(hidden[0]["title"], "Rust on Mars");

    // The server still lists the dropped article: it stays dropped.
    let again = sandbox.run(&["refresh", "--force"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stdout(&again).contains("(0 new"), "{}", stdout(&again));
    assert_eq!(list_json(&sandbox, &[]).len(), 1);
    assert_eq!(list_json(&sandbox, &["--ignored"]).len(), 1);
}

/// `list` names, on stderr, every listed feed that failed or was read only in part, so that a
/// feed with missing articles never looks merely quiet; `--feed` limits it to those feeds.
#[tokio::test(flavor = "multi_thread")]
async fn list_names_failing_and_partial_feeds_on_stderr() {
    let server = TestServer::start(|req| match req.path() {
        "/news.xml" => Response::ok(RSS).header("content-type", "application/rss+xml"),
        // Cut in the middle of the second item: the first is kept, the feed is partial.
        "/cut.xml" => Response::ok(&RSS[..RSS.find("<item><guid>n3").unwrap() - 40]),
        _ => Response::new(500),
    })
    .await;
    let sandbox = Sandbox::new(&format!(
        "[[feeds]]\nurl = \"{}\"\ntitle = \"News\"\n[[feeds]]\nurl = \"{}\"\ntitle = \"Cut\"\n\
         [[feeds]]\nurl = \"{}\"\ntitle = \"Down\"\n",
        server.url("/news.xml"),
        server.url("/cut.xml"),
        server.url("/down.xml"),
    ));
    sandbox.run(&["refresh"]);
    let listed = sandbox.run(&["list"]);
    assert!(listed.status.success());
    let err = stderr(&listed);
    assert!(
        err.contains("tidings: feed Down: failing: http: HTTP 500"),
        "{err}"
    );
    assert!(
        err.contains("tidings: feed Cut: partial: XML error"),
        "{err}"
    );
    assert!(!err.contains("feed News"), "{err}");
    let only_news = stderr(&sandbox.run(&["list", "--feed", "news"]));
    assert!(only_news.is_empty(), "{only_news}");
}
