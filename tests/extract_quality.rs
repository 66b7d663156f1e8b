//! `tidings show --full` through the real binary against pages served on 127.0.0.1: the
//! extract is saved and reused offline, a locked store still prints, failures print the
//! feed's text and exit 1; and extraction quality on the article pages of
//! `tests/fixtures/pages/` (news, blogs, docs, cookie banners, comments, paywalls, code,
//! lists, German, Spanish, French...), scored by word-overlap F1 against the text each
//! page's `.txt` says a reader should see.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use support::data_dir::wait_for_unlock;
use support::{Response, TestServer, ARTICLE_PAGE};

/// The mean F1 over all pages must stay at or above this (measured: see BENCHMARKS.md).
const MEAN_F1_FLOOR: f64 = 0.95;
/// And no single page may fall below this.
const PAGE_F1_FLOOR: f64 = 0.85;

struct Sandbox {
    _dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
}

impl Sandbox {
    fn new(feed_url: &str) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            // Every server here answers at once: the timeout only has to outlast a loaded
            // machine.
            format!("timeout = \"30s\"\n[[feeds]]\nurl = \"{feed_url}\"\n"),
        )
        .unwrap();
        let data = dir.path().join("data");
        Sandbox {
            _dir: dir,
            config,
            data,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tidings"))
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env_remove("TIDINGS_CONFIG")
            .env_remove("TIDINGS_DATA_DIR")
            .stdin(Stdio::null())
            .output()
            .expect("run tidings")
    }

    /// Refreshes, then maps each article title to its id.
    fn refresh_and_ids(&self) -> HashMap<String, String> {
        let output = self.run(&["refresh"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let output = self.run(&["list", "--format", "json"]);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                (
                    v["title"].as_str().unwrap().to_string(),
                    v["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn show_full(&self, id: &str) -> Output {
        self.run(&["show", "--full", id, "--color", "never", "--width", "100"])
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// `show`'s output without its header (everything up to the first blank line).
fn body_of(shown: &str) -> &str {
    shown.split_once("\n\n").map_or("", |(_, body)| body)
}

fn item(base: &str, guid: &str, title: &str, link: Option<&str>, summary: &str) -> String {
    let link = link.map_or(String::new(), |l| format!("<link>{base}{l}</link>"));
    format!("<item><guid>{guid}</guid><title>{title}</title>{link}<description>{summary}</description></item>")
}

#[tokio::test(flavor = "multi_thread")]
async fn show_full_prints_the_page_saves_it_and_reads_it_offline() {
    let server = TestServer::start(|req| {
        let base = format!("http://{}", req.header("host").unwrap_or("127.0.0.1"));
        match req.path() {
            "/feed.xml" => Response::ok(format!(
                "<rss version=\"2.0\"><channel><title>Loop</title>{}{}{}{}</channel></rss>",
                item(
                    &base,
                    "a",
                    "Story a",
                    Some("/a.html"),
                    "Only a summary of a."
                ),
                item(
                    &base,
                    "b",
                    "Story b",
                    Some("/b.html"),
                    "Only a summary of b."
                ),
                item(
                    &base,
                    "gone",
                    "Gone",
                    Some("/gone.html"),
                    "The feed's own words."
                ),
                item(&base, "nolink", "No link", None, "Nothing to fetch."),
            )),
            "/a.html" | "/b.html" => {
                Response::ok(ARTICLE_PAGE).header("content-type", "text/html; charset=utf-8")
            }
            "/empty.html" => Response::ok("<html><body></body></html>"),
            _ => Response::new(404),
        }
    })
    .await;
    let sandbox = Sandbox::new(&server.url("/feed.xml"));
    let ids = sandbox.refresh_and_ids();
    let hits = |path: &str| {
        server
            .requests()
            .iter()
            .filter(|r| r.path() == path)
            .count()
    };

    // Fetched, extracted, printed under the same header as `show`.
    let first = sandbox.show_full(&ids["Story a"]);
    let text = stdout(&first);
    assert_eq!(first.status.code(), Some(0), "{text}{}", stderr(&first));
    assert!(text.starts_with("Story a\nFeed    Loop\n"), "{text}");
    assert!(text.contains("orbital mechanics"), "{text}");
    assert!(!text.contains("Privacy policy"), "{text}");
    assert!(!text.contains("Only a summary"), "{text}");
    assert_eq!(stderr(&first), "");
    assert_eq!(hits("/a.html"), 1);

    // Saved: the second time needs no network.
    let addr = server.addr();
    drop(server);
    // Dropping the server only asks its task to stop: the listener closes once a worker of
    // the runtime drops the task. Until then a fetch would be accepted, not refused.
    assert!(
        support::wait::until(Duration::from_secs(30), || {
            std::net::TcpStream::connect(addr).is_err()
        }),
        "{addr} still accepts connections"
    );
    let again = sandbox.show_full(&ids["Story a"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(stdout(&again), text);

    // Offline without a saved copy: the feed's text, the reason, exit 1.
    let offline = sandbox.show_full(&ids["Story b"]);
    assert_eq!(offline.status.code(), Some(1));
    assert!(stdout(&offline).contains("Only a summary of b."));
    let err = stderr(&offline);
    assert!(
        err.contains("no full article for") && err.contains("printed the feed's text instead"),
        "{err}"
    );
    assert!(err.contains("connection refused"), "{err}");
    let no_link = sandbox.show_full(&ids["No link"]);
    assert_eq!(no_link.status.code(), Some(1));
    assert!(stdout(&no_link).contains("Nothing to fetch."));
    assert!(stderr(&no_link).contains("no link"), "{}", stderr(&no_link));
}

#[tokio::test(flavor = "multi_thread")]
async fn show_full_reports_http_errors_and_pages_without_an_article() {
    let server = TestServer::start(|req| {
        let base = format!("http://{}", req.header("host").unwrap_or("127.0.0.1"));
        match req.path() {
            "/feed.xml" => Response::ok(format!(
                "<rss version=\"2.0\"><channel><title>Loop</title>{}{}{}</channel></rss>",
                item(&base, "gone", "Gone", Some("/gone.html"), "The feed's own words."),
                item(&base, "empty", "Empty", Some("/empty.html"), "An empty page."),
                item(&base, "pdf", "Pdf", Some("/paper.pdf"), "A paper."),
            )),
            "/empty.html" => Response::ok("<!doctype html><html><head><title>x</title></head><body><nav><a href=\"/\">Home</a></nav></body></html>")
                .header("content-type", "text/html"),
            "/paper.pdf" => Response::ok("%PDF-1.7").header("content-type", "application/pdf"),
            _ => Response::new(404),
        }
    })
    .await;
    let sandbox = Sandbox::new(&server.url("/feed.xml"));
    let ids = sandbox.refresh_and_ids();
    for (title, feed_text, reason) in [
        ("Gone", "The feed's own words.", "HTTP 404"),
        ("Empty", "An empty page.", "no article text"),
        ("Pdf", "A paper.", "not a web page (application/pdf)"),
    ] {
        let output = sandbox.show_full(&ids[title]);
        assert_eq!(output.status.code(), Some(1), "{title}");
        assert!(
            stdout(&output).contains(feed_text),
            "{title}: {}",
            stdout(&output)
        );
        assert!(
            stderr(&output).contains(reason),
            "{title}: {}",
            stderr(&output)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn show_full_still_prints_while_a_reader_holds_the_store() {
    let server = TestServer::start(|req| {
        let base = format!("http://{}", req.header("host").unwrap_or("127.0.0.1"));
        match req.path() {
            "/feed.xml" => Response::ok(format!(
                "<rss version=\"2.0\"><channel><title>Loop</title>{}</channel></rss>",
                item(&base, "a", "Story a", Some("/a.html"), "Summary."),
            )),
            "/a.html" => Response::ok(ARTICLE_PAGE).header("content-type", "text/html"),
            _ => Response::new(404),
        }
    })
    .await;
    let sandbox = Sandbox::new(&server.url("/feed.xml"));
    let ids = sandbox.refresh_and_ids();
    let id: tidings::model::ArticleId = ids["Story a"].parse().unwrap();
    {
        // What a running reader holds.
        let _held = tidings::store::Store::open(&sandbox.data, tidings::store::OpenMode::ReadWrite)
            .unwrap();
        let output = sandbox.show_full(&ids["Story a"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(stdout(&output).contains("orbital mechanics"));
        assert_eq!(stderr(&output), "", "nothing alarming");
    }
    let store = tidings::store::Store::open(&sandbox.data, tidings::store::OpenMode::ReadOnly)
        .unwrap()
        .store;
    assert_eq!(store.full_text(id).unwrap(), None, "not saved while locked");
    drop(store);
    // Free again: this time it is saved (once no child of another test holds a copy of the
    // lock just dropped: see `wait_for_unlock`).
    wait_for_unlock(&sandbox.data);
    let output = sandbox.show_full(&ids["Story a"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let store = tidings::store::Store::open(&sandbox.data, tidings::store::OpenMode::ReadOnly)
        .unwrap()
        .store;
    assert!(store.full_text(id).unwrap().is_some());
}

// ---- extraction quality ----

fn pages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

/// Lower-cased words (runs of letters and digits), footnote markers `[n]` left out.
fn words(text: &str) -> Vec<String> {
    let without_markers = regex::Regex::new(r"\[\d+\]")
        .unwrap()
        .replace_all(text, " ");
    without_markers
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Word-overlap F1 of `got` against `expected`, counting repeated words as often as they
/// occur in both (bag of words). Returns (precision, recall, f1).
fn f1(got: &str, expected: &str) -> (f64, f64, f64) {
    let mut want: HashMap<String, usize> = HashMap::new();
    for w in words(expected) {
        *want.entry(w).or_default() += 1;
    }
    let got = words(got);
    let expected_count: usize = want.values().sum();
    let mut overlap = 0usize;
    for w in &got {
        if let Some(n) = want.get_mut(w).filter(|n| **n > 0) {
            *n -= 1;
            overlap += 1;
        }
    }
    if overlap == 0 {
        return (0.0, 0.0, 0.0);
    }
    let precision = overlap as f64 / got.len() as f64;
    let recall = overlap as f64 / expected_count as f64;
    (
        precision,
        recall,
        2.0 * precision * recall / (precision + recall),
    )
}

#[test]
fn f1_counts_shared_words() {
    assert_eq!(f1("a b c", "a b c"), (1.0, 1.0, 1.0));
    assert_eq!(f1("x y", "a b"), (0.0, 0.0, 0.0));
    let (p, r, f) = f1("The cat, the HAT [1]", "the cat sat");
    assert_eq!((p, r), (0.5, 2.0 / 3.0));
    assert!((f - 4.0 / 7.0).abs() < 1e-9);
    // Accented and non-Latin letters are words too.
    assert_eq!(f1("Straße über", "straße über").2, 1.0);
}

/// The links list the cleaner appends after the text (footnote targets) is not article
/// text: cut it off before scoring.
fn without_link_list(body: &str) -> &str {
    match body.rfind("\nLinks:\n") {
        Some(at) => &body[..at],
        None => body,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn extraction_quality_on_real_world_style_pages() {
    let mut names: Vec<String> = std::fs::read_dir(pages_dir())
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension()? == "html").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    assert!(names.len() >= 15, "{} pages", names.len());
    let pages: Arc<HashMap<String, Vec<u8>>> = Arc::new(
        names
            .iter()
            .map(|name| {
                let html = std::fs::read(pages_dir().join(format!("{name}.html"))).unwrap();
                (format!("/pages/{name}.html"), html)
            })
            .collect(),
    );
    let feed_names = names.clone();
    let served = Arc::clone(&pages);
    let server = TestServer::start(move |req| {
        let base = format!("http://{}", req.header("host").unwrap_or("127.0.0.1"));
        if req.path() == "/feed.xml" {
            let items: String = feed_names
                .iter()
                .map(|n| {
                    item(
                        &base,
                        n,
                        n,
                        Some(&format!("/pages/{n}.html")),
                        "Summary only.",
                    )
                })
                .collect();
            return Response::ok(format!(
                "<rss version=\"2.0\"><channel><title>Pages</title>{items}</channel></rss>"
            ));
        }
        match served.get(req.path()) {
            Some(html) => {
                Response::ok(html.clone()).header("content-type", "text/html; charset=utf-8")
            }
            None => Response::new(404),
        }
    })
    .await;
    let sandbox = Sandbox::new(&server.url("/feed.xml"));
    let ids = sandbox.refresh_and_ids();

    let mut table = String::from("\npage                        precision  recall     F1\n");
    let mut scores = Vec::new();
    for name in &names {
        let output = sandbox.show_full(&ids[name]);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        let shown = stdout(&output);
        let got = without_link_list(body_of(&shown));
        let expected = std::fs::read_to_string(pages_dir().join(format!("{name}.txt"))).unwrap();
        let (p, r, f) = f1(got, &expected);
        table.push_str(&format!("{name:<28}{p:>9.3}{r:>8.3}{f:>7.3}\n"));
        scores.push((name.clone(), f, got.to_string()));
    }
    let mean = scores.iter().map(|(_, f, _)| f).sum::<f64>() / scores.len() as f64;
    table.push_str(&format!("{:<28}{:>24.3}\n", "mean", mean));
    // Shown with `cargo test --test extract_quality -- --nocapture`.
    println!("{table}");
    for (name, f, got) in &scores {
        assert!(
            *f >= PAGE_F1_FLOOR,
            "{name}: F1 {f:.3} below {PAGE_F1_FLOOR}; extracted text:\n{got}\n{table}"
        );
    }
    assert!(
        mean >= MEAN_F1_FLOOR,
        "mean F1 {mean:.3} below {MEAN_F1_FLOOR}\n{table}"
    );
}
