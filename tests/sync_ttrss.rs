//! `tidings sync` against a real Tiny Tiny RSS (a private instance per test binary; see
//! `support/ttrss.rs`). Each test has its own tt-rss user and its own data dirs.

#[path = "support/ttrss.rs"]
#[allow(dead_code)]
mod ttrss;

#[path = "support/data_dir.rs"]
mod data_dir;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use data_dir::wait_for_unlock;
use tidings::config::{Config, Retention};
use tidings::highlight::Highlighter;
use tidings::model::ArticleId;
use tidings::store::{OpenMode, Store};
use tidings::sync::{article_id, SyncSetup, Syncer};

use ttrss::{FixedServer, Hold, HoldingProxy, Ttrss, User};

const PASSWORD_VAR: &str = "TIDINGS_TEST_TTRSS_PASSWORD";

/// One tidings installation: a config with `[sync]` and a data dir.
struct Client {
    dir: tempfile::TempDir,
    user: User,
    url: String,
    password: String,
}

impl Client {
    fn new(url: &str, user: &User) -> Client {
        let client = Client {
            dir: tempfile::tempdir().unwrap(),
            user: user.clone(),
            url: url.to_string(),
            password: user.password.clone(),
        };
        client.write_config(url, "");
        client
    }

    fn write_config(&self, url: &str, extra: &str) {
        std::fs::write(
            self.config(),
            format!(
                "{extra}\n[sync]\nbackend = \"ttrss\"\nurl = \"{url}\"\nuser = \"{}\"\n\
                 password_env = \"{PASSWORD_VAR}\"\n",
                self.user.login
            ),
        )
        .unwrap();
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `tidings ARGS` on this installation, to be run at once.
    fn command(&self, args: &[&str]) -> Command {
        // The test's own `Store` of this data dir may just have been dropped: see
        // `wait_for_unlock`.
        wait_for_unlock(&self.data());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tidings"));
        cmd.arg("--config")
            .arg(self.config())
            .arg("--data-dir")
            .arg(self.data())
            .args(args)
            .env(PASSWORD_VAR, &self.password)
            .env_remove("TIDINGS_CONFIG")
            .env_remove("TIDINGS_DATA_DIR")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `tidings sync ARGS`; checks the password shows nowhere in the output.
    fn sync(&self, args: &[&str]) -> Output {
        let mut all = vec!["sync"];
        all.extend_from_slice(args);
        let out = self.command(&all).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !text.contains(&self.password),
            "the password shows in the output: {text}"
        );
        out
    }

    /// `tidings sync`, which must succeed; its summary line.
    fn sync_ok(&self) -> String {
        let out = self.sync(&[]);
        assert!(
            out.status.success(),
            "sync failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn store(&self) -> Store {
        // A `tidings` just run here, or a store just dropped: see `wait_for_unlock`.
        wait_for_unlock(&self.data());
        Store::open(&self.data(), OpenMode::ReadWrite)
            .unwrap_or_else(|e| panic!("{e}"))
            .store
    }

    fn account(&self) -> String {
        Config::load(&self.config())
            .unwrap()
            .sync
            .unwrap()
            .account()
    }

    fn local_id(&self, remote: i64) -> ArticleId {
        article_id(&self.account(), remote)
    }

    /// (read, starred) of every synced article held, by the server's id.
    fn flags(&self) -> HashMap<i64, (bool, bool)> {
        self.store()
            .held_articles()
            .unwrap()
            .into_iter()
            .map(|a| (a.remote_id, (a.read, a.starred)))
            .collect()
    }

    fn set_read(&self, remote: &[i64], read: bool) {
        let ids: Vec<ArticleId> = remote.iter().map(|r| self.local_id(*r)).collect();
        self.store().set_read(&ids, read).unwrap();
    }

    fn set_starred(&self, remote: i64, starred: bool) {
        self.store()
            .set_starred(self.local_id(remote), starred)
            .unwrap();
    }

    fn queued(&self) -> usize {
        self.store().outbox_len().unwrap()
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A user with `feeds` feeds of `per_feed` articles each; returns (user, feed ids, articles).
fn seeded(name: &str, feeds: usize, per_feed: usize) -> (User, Vec<i64>, Vec<i64>) {
    let server = Ttrss::shared();
    let user = server.user(name);
    let mut feed_ids = Vec::new();
    let mut articles = Vec::new();
    for f in 0..feeds {
        let feed = server.feed(
            user.id,
            &format!("Feed {f}"),
            &format!("https://example.org/{name}/{f}.xml"),
            None,
        );
        feed_ids.push(feed);
        articles.extend(server.articles(user.id, feed, per_feed, &format!("a{f}")));
    }
    (user, feed_ids, articles)
}

#[test]
fn first_sync_brings_every_feed_with_its_category_bodies_and_flags() {
    let server = Ttrss::shared();
    let user = server.user("first");
    let tech = server.category(user.id, "Tech");
    let news = server.category(user.id, "News");
    let f1 = server.feed(
        user.id,
        "Rust Blog",
        "https://blog.rust-lang.org/feed.xml",
        Some(tech),
    );
    let f2 = server.feed(user.id, "World", "https://news.example.org/rss", Some(news));
    let f3 = server.feed(user.id, "Loose", "https://loose.example.org/atom", None);
    let a1 = server.articles(user.id, f1, 4, "rust");
    let a2 = server.articles(user.id, f2, 3, "world");
    let a3 = server.articles(user.id, f3, 2, "loose");
    server.set_flags(user.id, &a1[..2], Some(false), None);
    server.set_flags(user.id, &a2[..1], None, Some(true));

    let client = Client::new(&server.url(), &user);
    let line = client.sync_ok();
    assert!(
        line.starts_with("sync: 3 feeds · 9 new articles · 0 changes pushed"),
        "{line}"
    );

    let store = client.store();
    let feeds = store.synced_feeds().unwrap();
    let by_title: HashMap<&str, &tidings::store::SyncedFeed> =
        feeds.iter().map(|f| (f.title.as_str(), f)).collect();
    assert_eq!(by_title["Rust Blog"].tags, vec!["Tech".to_string()]);
    assert_eq!(by_title["World"].tags, vec!["News".to_string()]);
    assert!(by_title["Loose"].tags.is_empty());
    assert_eq!(by_title["World"].url, "https://news.example.org/rss");
    // Synced feeds are stored under their own url, like configured ones.
    let ids = store.synced_feed_ids().unwrap();
    assert!(ids.contains(&tidings::model::FeedId::from_url(
        "https://news.example.org/rss"
    )));
    let states = store.load_feed_states().unwrap();
    assert!(states
        .iter()
        .any(|s| s.url == "https://blog.rust-lang.org/feed.xml"
            && s.feed_title.as_deref() == Some("Rust Blog")));

    let articles = store.load_articles().unwrap();
    assert_eq!(articles.len(), 9);
    let first = articles
        .iter()
        .find(|a| a.id == client.local_id(a1[0]))
        .expect("article stored under its synced id");
    assert_eq!(first.title, "rust 1");
    assert_eq!(
        first.link.as_deref(),
        Some(&*format!("https://example.org/{f1}/rust/1"))
    );
    assert!(first.read && !first.starred);
    let body = store.body(first.id).unwrap().unwrap();
    assert!(body.content.contains("Body of rust 1."), "{}", body.content);
    drop(store);
    let flags = client.flags();
    assert_eq!(flags[&a1[1]], (true, false));
    assert_eq!(flags[&a1[2]], (false, false));
    assert_eq!(flags[&a2[0]], (false, true));
    assert_eq!(flags[&a3[1]], (false, false));

    // `tidings list` sees them like any article.
    let out = client.command(&["list", "--starred"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&out);
    assert!(
        listed.contains("world 1") && !listed.contains("rust"),
        "{listed}"
    );
}

#[test]
fn attachments_arrive_as_enclosures() {
    let server = Ttrss::shared();
    let (user, _, articles) = seeded("media", 1, 2);
    // tt-rss keeps the feed's enclosure length in its `duration` column.
    server.sql(&format!(
        "INSERT INTO ttrss_enclosures (content_url, content_type, title, duration, post_id,
                                       width, height)
         VALUES ('https://cdn.example.org/ep1.mp3', 'audio/mpeg', '', '38000000', {}, 0, 0)",
        articles[0]
    ));
    let client = Client::new(&server.url(), &user);
    client.sync_ok();
    let store = client.store();
    let with = client.local_id(articles[0]);
    let enclosures = store.enclosures(with).unwrap();
    assert_eq!(enclosures.len(), 1, "{enclosures:?}");
    let e = &enclosures[0].enclosure;
    assert_eq!(e.url, "https://cdn.example.org/ep1.mp3");
    assert_eq!(e.mime.as_deref(), Some("audio/mpeg"));
    assert_eq!(e.length, Some(38_000_000));
    assert!(store
        .enclosures(client.local_id(articles[1]))
        .unwrap()
        .is_empty());
    let marks: HashMap<ArticleId, tidings::model::MediaMark> = store
        .load_articles()
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.media))
        .collect();
    assert_eq!(marks[&with], tidings::model::MediaMark::Attached);
}

#[test]
fn incremental_sync_fetches_only_what_is_new() {
    let server = Ttrss::shared();
    let (user, feeds, _) = seeded("incr", 2, 3);
    let client = Client::new(&server.url(), &user);
    assert!(client.sync_ok().contains("6 new articles"));
    let more = server.articles(user.id, feeds[1], 2, "later");
    let line = client.sync_ok();
    assert!(line.contains("2 feeds · 2 new articles"), "{line}");
    let line = client.sync_ok();
    assert!(
        line.contains("0 new articles · 0 changes pushed · 0 pulled"),
        "{line}"
    );
    assert_eq!(client.flags().len(), 8);
    assert!(client.flags().contains_key(&more[1]));
}

#[test]
fn more_than_a_page_of_new_articles_arrives_complete() {
    let server = Ttrss::shared();
    let user = server.user("pages");
    let big = server.feed(user.id, "Big", "https://example.org/pages/big.xml", None);
    let small = server.feed(
        user.id,
        "Small",
        "https://example.org/pages/small.xml",
        None,
    );
    // The first sync lists feed by feed: 450 articles are three pages of getHeadlines.
    let mut articles = server.articles(user.id, big, 450, "big");
    articles.extend(server.articles(user.id, small, 30, "small"));
    let client = Client::new(&server.url(), &user);
    let line = client.sync_ok();
    assert!(line.contains("480 new articles"), "{line}");
    // Later syncs page through everything new at once (several pages in flight).
    articles.extend(server.articles(user.id, big, 250, "big2"));
    articles.extend(server.articles(user.id, small, 170, "small2"));
    let line = client.sync_ok();
    assert!(line.contains("420 new articles"), "{line}");
    let flags = client.flags();
    assert_eq!(flags.len(), 900);
    assert!(articles.iter().all(|a| flags.contains_key(a)));
    assert!(client.sync_ok().contains("0 new articles"));
}

#[test]
fn read_and_starred_flow_both_ways() {
    let server = Ttrss::shared();
    let (user, _, a) = seeded("flags", 2, 5);
    let client = Client::new(&server.url(), &user);
    client.sync_ok();

    // Local -> server.
    client.set_read(&[a[0], a[1], a[6]], true);
    client.set_starred(a[2], true);
    assert_eq!(client.queued(), 4);
    let line = client.sync_ok();
    assert!(line.contains("4 changes pushed"), "{line}");
    assert_eq!(client.queued(), 0);
    assert_eq!(server.flags(user.id, a[0]), (false, false));
    assert_eq!(server.flags(user.id, a[6]), (false, false));
    assert_eq!(server.flags(user.id, a[2]), (true, true));
    assert_eq!(server.flags(user.id, a[3]), (true, false));

    // Server -> local, including a change that keeps the feed's unread count the same
    // (one read, one marked unread again) and an unstar.
    server.set_flags(user.id, &[a[3]], Some(false), None);
    server.set_flags(user.id, &[a[0]], Some(true), None);
    server.set_flags(user.id, &[a[2]], None, Some(false));
    server.set_flags(user.id, &[a[8]], None, Some(true));
    let line = client.sync_ok();
    assert!(line.contains("0 changes pushed"), "{line}");
    let flags = client.flags();
    assert_eq!(flags[&a[3]], (true, false), "read on the server");
    assert_eq!(flags[&a[0]], (false, false), "marked unread on the server");
    assert_eq!(flags[&a[2]], (false, false), "unstarred on the server");
    assert_eq!(flags[&a[8]], (false, true), "starred on the server");
    assert_eq!(client.queued(), 0, "pulled flags are not queued back");

    // A local change not yet pushed wins over the server's older state.
    client.set_read(&[a[4]], true);
    server.set_flags(user.id, &[a[4]], None, Some(true));
    client.sync_ok();
    assert_eq!(server.flags(user.id, a[4]), (false, true));
    assert_eq!(client.flags()[&a[4]], (true, true));
}

#[test]
fn a_change_made_while_the_server_is_down_is_sent_when_it_is_back() {
    let server = Ttrss::shared();
    let (user, _, a) = seeded("offline", 1, 4);
    // A web server of its own, so stopping it disturbs no other test.
    let http = server.extra_http();
    let client = Client::new(&http.url(), &user);
    client.sync_ok();

    http.stop();
    client.set_read(&[a[0], a[1]], true);
    client.set_starred(a[3], true);
    let out = client.sync(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out).trim(), "sync: offline · 3 changes queued");
    let err = stderr(&out);
    assert!(
        err.contains("cannot reach the sync server") && err.contains("connection refused"),
        "{err}"
    );
    // Still queued after a second failed attempt; the reader keeps working from the store.
    assert_eq!(client.sync(&[]).status.code(), Some(1));
    assert_eq!(client.queued(), 3);
    assert_eq!(server.flags(user.id, a[0]), (true, false));

    http.start();
    let line = client.sync_ok();
    assert!(line.contains("3 changes pushed"), "{line}");
    assert_eq!(client.queued(), 0);
    assert_eq!(server.flags(user.id, a[0]), (false, false));
    assert_eq!(server.flags(user.id, a[1]), (false, false));
    assert_eq!(server.flags(user.id, a[3]), (true, true));
}

/// Starts `tidings sync` through a proxy that holds the push, kills it with SIGKILL once the
/// push is held, and returns.
fn kill_during_push(client: &Client, proxy: &HoldingProxy) {
    client.write_config(&proxy.url(), "");
    let mut child = client
        .command(&["sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        proxy.wait_held(Duration::from_secs(30)),
        "tidings never sent its changes"
    );
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    client.write_config(&client.url, "");
}

#[test]
fn kill_9_between_queueing_and_pushing_loses_nothing_and_sends_nothing_wrong() {
    let server = Ttrss::shared();
    let (user, _, a) = seeded("kill", 1, 6);
    let client = Client::new(&server.url(), &user);
    client.sync_ok();

    // Killed while the push is on its way, before the server saw it.
    client.set_read(&[a[0], a[1]], true);
    client.set_starred(a[2], true);
    let proxy = HoldingProxy::start(server.http().port, "updateArticle", Hold::BeforeServer);
    kill_during_push(&client, &proxy);
    assert_eq!(client.queued(), 3, "nothing lost");
    assert_eq!(server.flags(user.id, a[0]), (true, false), "nothing sent");

    // Killed after the server applied the push but before tidings heard back.
    client.set_read(&[a[3]], true);
    let proxy = HoldingProxy::start(server.http().port, "updateArticle", Hold::AfterServer);
    kill_during_push(&client, &proxy);
    assert_eq!(client.queued(), 4, "unconfirmed changes stay queued");
    assert_eq!(
        server.flags(user.id, a[0]),
        (false, false),
        "the server has the first batch"
    );

    // Meanwhile the user changes a queued flag back: the newest value is what goes out.
    client.set_read(&[a[1]], false);
    let line = client.sync_ok();
    assert!(line.contains("4 changes pushed"), "{line}");
    assert_eq!(client.queued(), 0);
    // Sent again, but as absolute values (never a toggle): the result is the user's state.
    assert_eq!(server.flags(user.id, a[0]), (false, false));
    assert_eq!(server.flags(user.id, a[1]), (true, false));
    assert_eq!(server.flags(user.id, a[2]), (true, true));
    assert_eq!(server.flags(user.id, a[3]), (false, false));
    let flags = client.flags();
    assert_eq!(flags[&a[1]], (false, false));
    assert_eq!(flags[&a[2]], (false, true));
}

#[test]
fn a_wrong_password_says_so_and_never_shows_it() {
    let server = Ttrss::shared();
    let (user, _, _) = seeded("wrongpw", 1, 1);
    let mut client = Client::new(&server.url(), &user);
    client.password = "not-the-password-4711".into();
    let out = client.sync(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out).trim(), "sync: login failed · 0 changes queued");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("refused the login of user `{}`", user.login))
            && err.contains("wrong user or password"),
        "{err}"
    );
}

#[test]
fn api_access_disabled_says_where_to_enable_it() {
    let server = Ttrss::shared();
    let (user, _, a) = seeded("noapi", 1, 2);
    let client = Client::new(&server.url(), &user);
    client.sync_ok();
    client.set_read(&[a[0]], true);
    server.set_api_access(user.id, false);
    let out = client.sync(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out).trim(), "sync: API disabled · 1 change queued");
    let err = stderr(&out);
    assert!(
        err.contains("API access is disabled") && err.contains("Enable API"),
        "{err}"
    );
    server.set_api_access(user.id, true);
    assert!(client.sync_ok().contains("1 change pushed"));
}

#[test]
fn garbage_or_html_instead_of_json_is_a_clear_error_and_loses_nothing() {
    let server = Ttrss::shared();
    let (user, _, a) = seeded("garbage", 1, 3);
    let client = Client::new(&server.url(), &user);
    client.sync_ok();
    client.set_read(&[a[0]], true);
    let before = client.store().load_articles().unwrap();

    let html = FixedServer::start(
        200,
        "text/html",
        "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>hi</body></html>",
    );
    let garbage = FixedServer::start(200, "text/json", "\u{1}\u{2}not json at all");
    let not_found = FixedServer::start(404, "text/html", "<html>Not Found</html>");
    for (server_url, expect) in [
        (
            html.url(),
            "an HTML page (\"Welcome to nginx!\") instead of JSON",
        ),
        (garbage.url(), "something that is not JSON"),
        (not_found.url(), "HTTP 404"),
    ] {
        client.write_config(&server_url, "");
        let out = client.sync(&[]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            stdout(&out).trim(),
            "sync: not a sync server · 1 change queued"
        );
        let err = stderr(&out);
        assert!(
            err.contains(expect) && err.contains("Check that `url` in [sync] points"),
            "{err}"
        );
    }
    assert_eq!(client.queued(), 1);
    assert_eq!(
        client.store().load_articles().unwrap(),
        before,
        "nothing lost"
    );

    client.write_config(&server.url(), "");
    assert!(client.sync_ok().contains("1 change pushed"));
    assert_eq!(server.flags(user.id, a[0]), (false, false));
}

#[test]
fn an_expired_session_is_renewed_without_a_word() {
    let server = Ttrss::shared();
    let (user, feeds, _) = seeded("session", 1, 2);
    let client = Client::new(&server.url(), &user);
    let config = Config::load(&client.config()).unwrap().sync.unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let syncer = Syncer::new(SyncSetup {
            config,
            password: tidings::config::Secret::new(user.password.clone()),
            store: client.store(),
            highlighter: Arc::new(Highlighter::new(&[]).unwrap()),
            retention: Retention::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        })
        .unwrap();
        let first = syncer.sync().await;
        assert!(first.is_ok(), "{:?}", first.result);
        assert_eq!(first.new_articles, 2);
        let second = syncer.sync().await;
        assert!(second.is_ok(), "{:?}", second.result);
        assert_eq!(server.sessions(user.id), 1, "one session serves many syncs");
        // The server forgets the session (as when it expires) between two syncs of one
        // long-running syncer: the next request gets NOT_LOGGED_IN and logs in again.
        server.expire_sessions(user.id);
        assert_eq!(server.sessions(user.id), 0);
        server.articles(user.id, feeds[0], 1, "after");
        let third = syncer.sync().await;
        assert!(third.is_ok(), "{:?}", third.result);
        assert_eq!(third.new_articles, 1);
        assert_eq!(server.sessions(user.id), 1, "logged in again");
    });
}

#[test]
fn two_data_dirs_syncing_through_one_server_end_with_the_same_state() {
    let server = Ttrss::shared();
    let (user, _, a) = seeded("two", 2, 4);
    let laptop = Client::new(&server.url(), &user);
    let desktop = Client::new(&server.url(), &user);
    laptop.sync_ok();
    desktop.sync_ok();

    laptop.set_read(&[a[0], a[1], a[5]], true);
    laptop.set_starred(a[2], true);
    desktop.set_read(&[a[7]], true);
    desktop.set_starred(a[6], true);
    laptop.sync_ok();
    desktop.sync_ok();
    laptop.sync_ok();
    assert_eq!(laptop.flags(), desktop.flags());

    desktop.set_read(&[a[0]], false);
    desktop.set_starred(a[2], false);
    laptop.set_read(&[a[3]], true);
    desktop.sync_ok();
    laptop.sync_ok();
    desktop.sync_ok();
    let l = laptop.flags();
    assert_eq!(l, desktop.flags());
    assert_eq!(l[&a[0]], (false, false));
    assert_eq!(l[&a[1]], (true, false));
    assert_eq!(l[&a[2]], (false, false));
    assert_eq!(l[&a[3]], (true, false));
    assert_eq!(l[&a[6]], (false, true));
    assert_eq!(l[&a[7]], (true, false));
    // The same ids on both machines (derived from the account and the server's id).
    let ids = |c: &Client| {
        let mut v: Vec<_> = c
            .store()
            .load_articles()
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&laptop), ids(&desktop));
}

#[test]
fn push_feeds_subscribes_local_feeds_once_and_says_so() {
    let server = Ttrss::shared();
    let (user, _, _) = seeded("push", 1, 1);
    let feed = FixedServer::start(
        200,
        "application/rss+xml",
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Local</title>\
         <link>https://example.org/</link><description>d</description>\
         <item><title>One</title><link>https://example.org/1</link><guid>one</guid></item>\
         </channel></rss>",
    );
    let feed_url = format!("http://127.0.0.1:{}/feed.xml", feed.port);
    let client = Client::new(&server.url(), &user);
    client.write_config(
        &server.url(),
        &format!(
            "[[feeds]]\nurl = \"{feed_url}\"\n\n[[feeds]]\nurl = \"https://example.org/{}/0.xml\"\n\n\
             [[feeds]]\nurl = \"local.xml\"\n",
            user.login.trim_end_matches(char::is_numeric)
        ),
    );
    let out = client.sync(&["--push-feeds"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(
        text.contains(&format!("subscribed      {feed_url}")),
        "{text}"
    );
    assert!(text.contains("skipped         local.xml"), "{text}");
    assert!(
        text.contains("push-feeds: 1 subscribed, 1 already on the server, 1 skipped, 0 refused"),
        "{text}"
    );
    let subscribed = server.sql(&format!(
        "SELECT count(*) FROM ttrss_feeds WHERE owner_uid = {} AND feed_url = '{feed_url}'",
        user.id
    ));
    assert_eq!(subscribed, "1");
    assert!(text.contains("sync: 2 feeds"), "{text}");
    // Once: a second run finds it there.
    let text = stdout(&client.sync(&["--push-feeds"]));
    assert!(
        text.contains(&format!("already there   {feed_url}")),
        "{text}"
    );
    // Without the flag, nothing is subscribed.
    let text = client.sync_ok();
    assert!(!text.contains("subscribed"), "{text}");
    // Feeds the server now provides are not polled by `tidings refresh`; the others are.
    let out = client.command(&["refresh"]).output().unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("2 of the [[feeds]] come from the sync server"),
        "{err}"
    );
    let text = stdout(&out);
    assert!(
        text.contains("local.xml") && text.contains("1 feeds:"),
        "{text}"
    );
    assert!(!text.contains(&feed_url), "{text}");
}

#[test]
fn synced_feeds_are_listed_queried_exported_and_never_added_twice() {
    let server = Ttrss::shared();
    let user = server.user("lists");
    let tech = server.category(user.id, "Tech");
    let url = "https://blog.example.org/lists.xml";
    let feed = server.feed(user.id, "Lists Blog", url, Some(tech));
    server.articles(user.id, feed, 2, "listed");
    let client = Client::new(&server.url(), &user);
    client.sync_ok();

    // `list` names the synced feed, and `tag:` knows its category.
    let out = client
        .command(&["list", "--query", "tag:Tech", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", stdout(&out));
    assert_eq!(lines[0]["feed"], "Lists Blog");

    // The reading list exported, the category as its folder.
    let out = client.command(&["export-opml"]).output().unwrap();
    let opml = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(opml.contains("<outline text=\"Tech\""), "{opml}");
    assert!(opml.contains(&format!("xmlUrl=\"{url}\"")), "{opml}");

    // Adding it again is refused before any fetch, saying where it comes from.
    let out = client.command(&["add", url]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "already subscribed: the sync server provides {url} (category Tech); nothing added"
        )),
        "{}",
        stderr(&out)
    );
    assert!(!std::fs::read_to_string(client.config())
        .unwrap()
        .contains("[[feeds]]"));

    // `tidings refresh` does not poll it: the server does.
    let out = client.command(&["refresh"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 feeds"), "{}", stdout(&out));
}

#[test]
fn kill_rules_judge_synced_articles_as_they_arrive() {
    let server = Ttrss::shared();
    let user = server.user("kill");
    let news = server.category(user.id, "News");
    let feed = server.feed(user.id, "Wire", "https://wire.example.org/rss", Some(news));
    let keep = server.articles(user.id, feed, 2, "keep");
    let hidden = server.articles(user.id, feed, 2, "hideme");
    let read = server.articles(user.id, feed, 2, "readme");
    let dropped = server.articles(user.id, feed, 1, "dropme");
    let client = Client::new(&server.url(), &user);
    client.write_config(
        &server.url(),
        "[[ignore]]\nquery = 'title:hideme'\naction = \"hide\"\n\n\
         [[ignore]]\nquery = 'tag:News and title:readme'\naction = \"read\"\n\n\
         [[ignore]]\nquery = 'title:dropme'\naction = \"drop\"\n",
    );
    let out = client.sync(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for line in [
        "kill rule 1 (`title:hideme`, hide) caught 2 new synced articles",
        "kill rule 2 (`tag:News title:readme`, read) caught 2 new synced articles",
        "kill rule 3 (`title:dropme`, drop) caught 1 new synced article",
    ] {
        assert!(err.contains(line), "{err}");
    }
    // Marked read here, and queued for the server like the user's own change.
    assert!(stdout(&out).contains("· 2 queued"), "{}", stdout(&out));
    let flags = client.flags();
    assert_eq!(flags[&read[0]], (true, false));
    assert_eq!(flags[&keep[0]], (false, false));
    assert!(!flags.contains_key(&dropped[0]), "dropped: not stored");

    let listed = stdout(&client.command(&["list"]).output().unwrap());
    assert!(
        listed.contains("keep 1") && listed.contains("readme 1"),
        "{listed}"
    );
    assert!(
        !listed.contains("hideme") && !listed.contains("dropme"),
        "{listed}"
    );
    let ignored = stdout(&client.command(&["list", "--ignored"]).output().unwrap());
    assert!(ignored.contains("hideme 2"), "{ignored}");

    // The next sync sends the reads and brings nothing back.
    let line = client.sync_ok();
    assert!(
        line.contains("· 0 new articles · 2 changes pushed"),
        "{line}"
    );
    assert_eq!(server.flags(user.id, read[1]), (false, false));
    assert_eq!(server.flags(user.id, hidden[0]), (true, false));
    assert_eq!(server.flags(user.id, dropped[0]), (true, false));
    assert!(!client.flags().contains_key(&dropped[0]));
}
