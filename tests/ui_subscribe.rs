//! The reader's `a` prompt end to end, without a terminal: keys through `update`, the job on
//! the subscribing thread against a 127.0.0.1 server (as the run loop starts it), its answer
//! back through the inbox. The config file ends up exactly as `tidings add` writes it, and a
//! duplicate changes nothing.

mod support;
mod ui_fixture;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use support::{Response, TestServer};
use tidings::config::Config;
use tidings::ui::inbox::Inbox;
use tidings::ui::{subscriber, update, AppState, Effect, Msg};
use ui_fixture::*;

const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback Blog</title>
<item><guid>1</guid><title>First</title></item><item><guid>2</guid><title>Second</title></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Comments</title><id>urn:c</id>
<updated>2026-11-02T10:00:00Z</updated>
<entry><id>urn:c:1</id><title>A comment</title><updated>2026-11-02T10:00:00Z</updated></entry>
</feed>"#;

/// The user's config (its timeout generous, for a loaded machine).
const CONFIG: &str =
    "# Mine.\ntimeout = \"30s\"  # keep\n\n[[feeds]]\nurl = \"https://old.example/rss\"\n";

async fn site() -> TestServer {
    TestServer::start(|req| {
        let html = |links: &str| {
            Response::ok(format!(
                "<!DOCTYPE html><html><head><title>Blog</title>{links}</head><body><p>Hi</p></body></html>"
            ))
            .header("content-type", "text/html; charset=utf-8")
        };
        match req.path() {
            "/feed.xml" => Response::ok(RSS).header("content-type", "application/rss+xml"),
            "/comments.atom" => Response::ok(ATOM).header("content-type", "application/atom+xml"),
            "/two" => html(
                r#"<link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">
                <link rel="alternate" type="application/atom+xml" title="Comments" href="/comments.atom">"#,
            ),
            _ => Response::new(404),
        }
    })
    .await
}

/// Starts the subscribing jobs among `fx` as the run loop does, and feeds their answers
/// back; returns the effects of the answers.
fn run_jobs(s: &mut AppState, fx: Vec<Effect>, config: &Path, inbox: &Arc<Inbox>) -> Vec<Effect> {
    let mut out = Vec::new();
    for effect in fx {
        let Effect::Subscribe(job) = effect else {
            out.push(effect);
            continue;
        };
        subscriber::start(job, s.config.clone(), config.to_path_buf(), inbox.clone());
        let started = Instant::now();
        let answer = loop {
            inbox.wait(Duration::from_millis(100));
            if let Some(msg) = inbox.take_input().pop() {
                break msg;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no answer");
        };
        assert!(matches!(answer, Msg::Subscribe(_)), "{answer:?}");
        out.extend(update(s, answer));
    }
    out
}

fn type_line(s: &mut AppState, text: &str) -> Vec<Effect> {
    let mut fx: Vec<Effect> = text.chars().flat_map(|c| update(s, key(c))).collect();
    fx.extend(update(s, code(KeyCode::Enter)));
    fx
}

#[test]
fn a_page_with_two_feeds_is_picked_and_written_like_tidings_add() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(site());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, CONFIG).unwrap();
    let config = Config::load(&path).unwrap();
    let mut s = state_with(config, Vec::new(), Vec::new(), (100, 30));
    let inbox = Inbox::new();

    update(&mut s, key('a'));
    let page = server.url("/two");
    let fx = type_line(
        &mut s,
        &format!("{page} --tag loop --title 'Loop comments'"),
    );
    let fx = run_jobs(&mut s, fx, &path, &inbox);
    assert!(fx.is_empty(), "{fx:?}");
    let picker = s.picker.as_ref().expect("the page's feeds to pick from");
    assert_eq!(picker.feeds.len(), 2);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        CONFIG,
        "nothing yet"
    );
    update(&mut s, key('j'));
    let fx = update(&mut s, code(KeyCode::Enter));
    let fx = run_jobs(&mut s, fx, &path, &inbox);
    assert_eq!(fx, vec![Effect::ConfigChanged]);
    assert!(
        s.notice.as_deref().unwrap().contains("added Loop comments"),
        "{:?}",
        s.notice
    );
    let written = std::fs::read_to_string(&path).unwrap();

    // `tidings add` with the same choice writes the same file.
    let cli = dir.path().join("cli.toml");
    std::fs::write(&cli, CONFIG).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_tidings"))
        .arg("--config")
        .arg(&cli)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["add", &server.url("/comments.atom")])
        .args(["--tag", "loop", "--title", "Loop comments"])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(written, std::fs::read_to_string(&cli).unwrap());
    assert!(written.starts_with(CONFIG), "{written}");

    // Again: a duplicate, reported, and the file stays as it is.
    let reloaded = Config::load(&path).unwrap();
    let mut s = state_with(reloaded, Vec::new(), Vec::new(), (100, 30));
    update(&mut s, key('a'));
    let fx = type_line(&mut s, &server.url("/comments.atom"));
    run_jobs(&mut s, fx, &path, &inbox);
    assert!(
        s.notice.as_deref().unwrap().contains("already subscribed"),
        "{:?}",
        s.notice
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);

    // A url that is not there: the error, nothing written.
    update(&mut s, key('a'));
    let fx = type_line(&mut s, &server.url("/gone.xml"));
    run_jobs(&mut s, fx, &path, &inbox);
    assert!(
        s.notice.as_deref().unwrap().contains("404"),
        "{:?}",
        s.notice
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
}
