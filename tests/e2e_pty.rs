//! End to end: the real binary in a pseudo-terminal. `--demo` (bundled feeds, offline):
//! list, open, help, quit with status 0; with no config at the default path, the welcome
//! screen; read state surviving a restart; keys answered while 1,000 feeds refresh, and no
//! key waiting a second or more for its frame while thousands of articles arrive.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::pty::Session;
use support::{Response, TestServer};

#[test]
fn demo_lists_opens_helps_and_quits() {
    let home = tempfile::tempdir().unwrap();
    let mut s = Session::start(&["--demo"], home.path());
    s.wait_for(&["Feeds", "The Rust Gazette", "Open Hardware Digest"]);
    // The poller fills the list in the background; wait for the articles pane's position
    // indicator (" 1/57 ┘").
    let position = regex::Regex::new(r" \d+/\d+ ┘").unwrap();
    s.wait_until("the article list", |screen| position.is_match(screen));
    s.press("j");
    s.press("\r");
    let screen = s.wait_for(&["Feed: ", "Date: "]);
    assert!(screen.contains("Article"), "{screen}");
    s.press("?");
    let screen = s.wait_for(&["Keys", "next unread"]);
    assert!(screen.contains("quit"), "{screen}");
    s.press("x"); // any key closes the overlay
    s.press("q");
    assert_eq!(s.wait_exit(), 0, "exit status");
}

#[test]
fn no_config_shows_the_welcome_screen() {
    let home = tempfile::tempdir().unwrap();
    let mut s = Session::start(&[], home.path());
    let screen = s.wait_for(&["Welcome", "--demo"]);
    assert!(screen.contains("config.example.toml"), "{screen}");
    s.press("q");
    assert_eq!(s.wait_exit(), 0, "exit status");
}

fn demo_config() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/config.toml")
}

fn list_json(config: &Path, data: &Path) -> Vec<serde_json::Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_tidings"))
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn read_and_starred_state_survive_a_restart() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("state");
    let data_arg = data.to_str().unwrap();
    let config = demo_config();
    let config_arg = config.to_str().unwrap();
    let args = ["--config", config_arg, "--data-dir", data_arg];

    let mut s = Session::start(&args, home.path());
    // 61 articles, and the one the truncated demo feed holds before its break, less the two
    // the demo's kill rule hides.
    s.wait_for(&["60 unread"]);
    s.press("\r"); // opens the first article: marks it read
    s.wait_for(&["59 unread", "Feed: "]);
    s.press("s");
    s.press("q");
    assert_eq!(s.wait_exit(), 0);

    let articles = list_json(&config, &data);
    let read: Vec<&serde_json::Value> = articles.iter().filter(|a| a["read"] == true).collect();
    let starred: Vec<&serde_json::Value> =
        articles.iter().filter(|a| a["starred"] == true).collect();
    assert_eq!(read.len(), 1, "{read:?}");
    assert_eq!(starred.len(), 1, "{starred:?}");
    assert_eq!(read[0]["id"], starred[0]["id"]);

    // Restarted, the reader shows the stored state at once.
    let mut s = Session::start(&args, home.path());
    let screen = s.wait_for(&["59 unread"]);
    assert!(screen.contains('★'), "the star is shown: {screen}");
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
}

/// 1,000 feeds on a slow loopback server keep the poller busy for seconds; meanwhile the
/// reader must answer keys (the help overlay opens while the status bar still says
/// "refreshing") and quit promptly.
#[test]
fn keys_are_answered_while_a_thousand_feeds_refresh() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(TestServer::start(|req| {
        let body = format!(
            "<rss version=\"2.0\"><channel><title>Feed {p}</title><item><guid>{p}</guid><title>Item of {p}</title></item></channel></rss>",
            p = req.path()
        );
        Response::ok(body).delay(Duration::from_millis(250))
    }));
    let home = tempfile::tempdir().unwrap();
    let mut config = String::from("max_concurrent_fetches = 16\nmax_per_host = 16\n");
    for n in 0..1000 {
        config.push_str(&format!(
            "[[feeds]]\nurl = \"{}\"\n",
            server.url(&format!("/{n}.xml"))
        ));
    }
    let config_path = home.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    let data = home.path().join("state");
    let args = [
        "--config",
        config_path.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let mut s = Session::start(&args, home.path());
    s.wait_for(&["refreshing"]);
    s.press("?");
    let screen = s.wait_for(&["Keys", "next unread"]);
    assert!(
        screen.contains("refreshing"),
        "the help overlay opened while the refresh still runs:\n{screen}"
    );
    s.press("x");
    s.press("j");
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
    assert!(
        server.request_count() < 1000,
        "quit did not wait for the whole refresh"
    );
}

/// While a refresh brings thousands of articles, every key gets its frame: `?` toggles the
/// help overlay every 200 ms and none may wait a second or more (a gross freeze, not a timing
/// target: the targets are measured by `tidings-bench --latency`).
#[test]
fn no_key_waits_a_second_while_many_feeds_refresh() {
    const FEEDS: usize = 600;
    const ITEMS: usize = 20;
    const FREEZE: Duration = Duration::from_secs(1);
    const HELP: &str = "any other key closes";
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(TestServer::start(|req| {
        let p = req.path();
        let mut body = format!("<rss version=\"2.0\"><channel><title>Feed {p}</title>");
        for i in 0..ITEMS {
            body.push_str(&format!(
                "<item><guid>{p}-{i}</guid><title>Item {i} of {p}</title>\
                 <description>&lt;p&gt;Text {i}&lt;/p&gt;</description></item>"
            ));
        }
        body.push_str("</channel></rss>");
        // The delay makes the refresh last over a second whatever the machine's speed.
        Response::ok(body).delay(Duration::from_millis(30))
    }));
    let home = tempfile::tempdir().unwrap();
    let mut config = String::from("max_concurrent_fetches = 16\nmax_per_host = 16\n");
    for n in 0..FEEDS {
        config.push_str(&format!(
            "[[feeds]]\nurl = \"{}\"\n",
            server.url(&format!("/{n}.xml"))
        ));
    }
    let config_path = home.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    let data = home.path().join("state");
    let args = [
        "--config",
        config_path.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let mut s = Session::start(&args, home.path());
    s.wait_for(&["refreshing"]);
    let mut open = false;
    let mut keys = 0;
    while s.screen().contains("refreshing") && keys < 60 {
        s.press("?");
        open = !open;
        let waited = s.time_until(FREEZE, |screen| screen.contains(HELP) == open);
        assert!(
            waited.is_some(),
            "key {keys} waited more than {FREEZE:?} for its frame during the refresh:\n{}",
            s.screen()
        );
        keys += 1;
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        keys >= 3,
        "the refresh ended before keys could be timed ({keys} keys)"
    );
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
}
