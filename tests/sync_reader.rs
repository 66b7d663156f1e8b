//! The reader syncing by itself against a real Tiny Tiny RSS (a private instance per test
//! binary, see `support/ttrss.rs`): the engine started as the TUI starts it
//! (`Environment::start_engine`, `Polling::Scheduled`) with its events applied through
//! `update`, and one pty test of the real binary. Each test has its own tt-rss user and data
//! dir.

#[path = "support/ttrss.rs"]
#[allow(dead_code)]
mod ttrss;

#[path = "support/data_dir.rs"]
mod data_dir;

#[path = "support/pty.rs"]
#[allow(dead_code)]
mod pty;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use data_dir::wait_for_unlock;
use tidings::app::Environment;
use tidings::cli::GlobalArgs;
use tidings::config::Config;
use tidings::engine::{Command, EngineHandle, Event, Polling, SyncState};
use tidings::model::ArticleId;
use tidings::sync::article_id;
use tidings::ui::{update, AppState, Effect, Keymap, LiveConfig, Msg};

use ttrss::{Ttrss, User};

/// How long a test waits for the reader to get somewhere.
const WAIT: Duration = Duration::from_secs(30);

fn write_config(dir: &Path, url: &str, user: &User, password: &str) -> PathBuf {
    write_config_with(dir, url, user, password, "refresh_interval = \"1h\"")
}

fn write_config_every(
    dir: &Path,
    url: &str,
    user: &User,
    password: &str,
    interval: &str,
) -> PathBuf {
    write_config_with(
        dir,
        url,
        user,
        password,
        &format!("refresh_interval = \"{interval}\""),
    )
}

/// `top` goes before `[sync]`.
fn write_config_with(dir: &Path, url: &str, user: &User, password: &str, top: &str) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "{top}\n\n[sync]\nbackend = \"ttrss\"\nurl = \"{url}\"\n\
             user = \"{}\"\npassword = \"{password}\"\n",
            user.login
        ),
    )
    .unwrap();
    path
}

/// The reader's engine and state, without a terminal.
struct Reader {
    handle: Option<EngineHandle>,
    events: tokio::sync::mpsc::UnboundedReceiver<Event>,
    state: AppState,
    account: String,
    /// Desktop notifications `update` asked for.
    notified: Vec<tidings::notify::Notification>,
}

impl Reader {
    fn start(dir: &Path) -> Reader {
        let args = GlobalArgs {
            config: Some(dir.join("config.toml")),
            data_dir: Some(dir.join("data")),
            ..GlobalArgs::default()
        };
        let env = Environment::resolve(&args).unwrap();
        env.prepare_sync();
        let highlighter = Arc::new(env.highlighter().unwrap());
        // Started again on the data dir a reader just quit: see `wait_for_unlock`.
        wait_for_unlock(&dir.join("data"));
        let (store, _) = env.open_store().unwrap();
        let articles = store.load_articles().unwrap();
        let states = store.load_feed_states().unwrap();
        let mut state = AppState::new(
            Arc::new(env.config.clone()),
            highlighter.clone(),
            Arc::new(env.cleaner().unwrap()),
            Keymap::from_config(&env.config.keys).unwrap(),
            states,
            articles,
        );
        update(&mut state, Msg::Resize(120, 30));
        let mut handle = env
            .start_engine(store, highlighter, Polling::Scheduled)
            .unwrap();
        let events = handle.events.take().unwrap();
        Reader {
            handle: Some(handle),
            events,
            state,
            account: env.config.sync.as_ref().unwrap().account(),
            notified: Vec::new(),
        }
    }

    fn send(&self, command: Command) {
        let _ = self.handle.as_ref().unwrap().commands.send(command);
    }

    fn effects(&mut self, fx: Vec<Effect>) {
        for effect in fx {
            match effect {
                Effect::Send(command) => self.send(command),
                Effect::Notify(n) => self.notified.push(n),
                _ => {}
            }
        }
    }

    fn press(&mut self, c: char) {
        let fx = update(
            &mut self.state,
            Msg::Key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            )),
        );
        self.effects(fx);
    }

    /// Applies engine events until `ready` holds.
    fn until(&mut self, what: &str, ready: impl Fn(&AppState) -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            // Checked after every event, not after draining the queue: a state the reader
            // passes through counts even when a later event (the next sync, with a short
            // `refresh_interval`, on a machine that left this thread waiting) is already
            // queued behind it and would overwrite it.
            if ready(&self.state) {
                return;
            }
            if let Ok(event) = self.events.try_recv() {
                let fx = update(&mut self.state, Msg::Engine(event));
                self.effects(fx);
                continue;
            }
            assert!(
                Instant::now() < deadline,
                "the reader never got to {what}; sync: {:?}; notices: {:?}",
                self.line(),
                self.state.notices
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The status bar's sync words.
    fn line(&self) -> String {
        self.state
            .sync
            .as_ref()
            .map(|s| s.status_line())
            .unwrap_or_default()
    }

    fn until_line(&mut self, line: &str) {
        self.until(&format!("{line:?}"), |s| {
            s.sync.as_ref().is_some_and(|st| st.status_line() == line)
        });
    }

    /// Waits for the end of a sync (or push) that says `words`.
    fn until_done_with(&mut self, words: &str) {
        self.until(&format!("a sync that ends with {words:?}"), |s| {
            s.sync
                .as_ref()
                .is_some_and(|st| st.state == SyncState::Done && st.status_line().contains(words))
        });
    }

    fn id(&self, remote: i64) -> ArticleId {
        article_id(&self.account, remote)
    }

    fn quit(mut self) {
        if let Some(handle) = self.handle.take() {
            handle.shutdown();
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.shutdown();
        }
    }
}

/// A user with one feed of `n` articles in category "Tech"; (user, articles).
fn seeded(name: &str, n: usize) -> (User, Vec<i64>) {
    let server = Ttrss::shared();
    let user = server.user(name);
    let tech = server.category(user.id, "Tech");
    let feed = server.feed(
        user.id,
        "Rust Blog",
        &format!("https://example.org/{name}/rust.xml"),
        Some(tech),
    );
    let articles = server.articles(user.id, feed, n, name);
    (user, articles)
}

#[test]
fn the_reader_syncs_at_start_and_lists_what_arrives() {
    let server = Ttrss::shared();
    let (user, a) = seeded("start", 3);
    let world = server.feed(
        user.id,
        "World",
        "https://example.org/start/world.xml",
        None,
    );
    let w = server.articles(user.id, world, 2, "world");
    server.set_flags(user.id, &w[..1], None, Some(true));
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &server.url(), &user, &user.password);

    let mut reader = Reader::start(dir.path());
    assert!(reader.state.feeds.is_empty(), "nothing synced yet");
    reader.until_line("sync: 5 new");
    // The subscriptions became feeds, the category a tag; every article is listed.
    let titles: Vec<&str> = reader
        .state
        .feeds
        .iter()
        .map(|f| f.title.as_str())
        .collect();
    assert_eq!(titles, ["Rust Blog", "World"]);
    let rust = reader
        .state
        .config
        .feeds
        .iter()
        .find(|f| f.url.ends_with("start/rust.xml"))
        .unwrap();
    assert!(rust.synced);
    assert_eq!(rust.tags, ["Tech"]);
    assert_eq!(reader.state.list.len(), 5);
    assert_eq!(reader.state.total_unread, 5);
    assert_eq!(reader.state.feeds[0].unread, 3);
    assert!(reader.state.article(reader.id(w[0])).unwrap().starred);
    assert!(reader.state.article(reader.id(a[2])).is_some());
    reader.quit();

    // Started again: the feeds come from the store at once, and nothing is new.
    let mut reader = Reader::start(dir.path());
    let titles: Vec<&str> = reader
        .state
        .feeds
        .iter()
        .map(|f| f.title.as_str())
        .collect();
    assert_eq!(titles, ["Rust Blog", "World"]);
    assert_eq!(reader.state.feeds[0].unread, 3);
    reader.until_line("sync: up to date");
    reader.quit();
}

#[test]
fn kill_rules_and_notify_judge_what_a_sync_brings() {
    let server = Ttrss::shared();
    let (user, _) = seeded("rules", 2);
    let feed: i64 = server
        .sql(&format!(
            "SELECT id FROM ttrss_feeds WHERE owner_uid = {}",
            user.id
        ))
        .parse()
        .unwrap();
    let hidden = server.articles(user.id, feed, 1, "hideme");
    let urgent = server.articles(user.id, feed, 1, "urgent");
    let dir = tempfile::tempdir().unwrap();
    write_config_with(
        dir.path(),
        &server.url(),
        &user,
        &user.password,
        "refresh_interval = \"1h\"\nnotify = 'title:urgent'\nnotify_terminal = false\n\n\
         [[ignore]]\nquery = 'tag:Tech title:hideme'\naction = \"hide\"",
    );
    let mut reader = Reader::start(dir.path());
    reader.until_line("sync: 3 new");
    assert!(reader.state.article(reader.id(hidden[0])).is_none());
    assert!(reader.state.article(reader.id(urgent[0])).is_some());
    reader.until("the kill rule's notice and the notification", |s| {
        s.notices
            .iter()
            .any(|n| n.contains("caught 1 new synced article"))
    });
    let titles: Vec<String> = reader
        .notified
        .iter()
        .flat_map(|n| n.titles.clone())
        .chain(reader.state.notices.clone())
        .collect();
    assert!(titles.iter().any(|t| t.contains("urgent 1")), "{titles:?}");
    reader.quit();
}

#[test]
fn a_config_edited_while_synced_keeps_the_servers_feeds_and_its_new_kill_rule_judges_the_next_sync()
{
    let server = Ttrss::shared();
    let (user, _) = seeded("reload", 2);
    let feed: i64 = server
        .sql(&format!(
            "SELECT id FROM ttrss_feeds WHERE owner_uid = {}",
            user.id
        ))
        .parse()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_config_with(
        dir.path(),
        &server.url(),
        &user,
        &user.password,
        "refresh_interval = \"1h\"",
    );
    let mut reader = Reader::start(dir.path());
    reader.until_line("sync: 2 new");
    assert_eq!(reader.state.feeds.len(), 1);

    // The user adds a kill rule to the file; the watcher hands the new config over.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[[ignore]]\nquery = 'title:spoiler'\naction = \"hide\"\n");
    std::fs::write(&path, text).unwrap();
    let live = LiveConfig::prepare(Config::load(&path).unwrap()).unwrap();
    let fx = update(&mut reader.state, Msg::Config(Box::new(live)));
    reader.effects(fx);
    // The file lists no subscription of the server's: its feed stays in the pane.
    assert_eq!(reader.state.feeds.len(), 1, "{:?}", reader.state.notices);
    assert!(reader.state.config.feeds[0].synced);

    let spoiler = server.articles(user.id, feed, 1, "spoiler");
    let kept = server.articles(user.id, feed, 1, "kept");
    reader.press('R');
    reader.until_done_with("1 new");
    assert!(reader.state.article(reader.id(spoiler[0])).is_none());
    assert!(reader.state.article(reader.id(kept[0])).is_some());
    assert_eq!(reader.state.feeds.len(), 1);
    reader.quit();
}

#[test]
fn r_syncs_and_brings_what_changed_on_the_server_into_the_list() {
    let server = Ttrss::shared();
    let (user, a) = seeded("pull", 3);
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &server.url(), &user, &user.password);
    let mut reader = Reader::start(dir.path());
    reader.until_line("sync: 3 new");
    assert_eq!(reader.state.total_unread, 3);

    // Another client reads one and stars another; the server gets a new article.
    server.set_flags(user.id, &a[..1], Some(false), None);
    server.set_flags(user.id, &a[1..2], None, Some(true));
    let feed: i64 = server
        .sql(&format!(
            "SELECT id FROM ttrss_feeds WHERE owner_uid = {}",
            user.id
        ))
        .parse()
        .unwrap();
    let late = server.articles(user.id, feed, 1, "late");
    reader.press('R');
    reader.until_done_with("1 new");
    let (read, starred) = (reader.id(a[0]), reader.id(a[1]));
    assert!(reader.state.article(read).unwrap().read);
    assert!(reader.state.article(starred).unwrap().starred);
    assert!(reader.state.article(reader.id(late[0])).is_some());
    assert_eq!(reader.state.list.len(), 4);
    // Three unread before, one read elsewhere, one new.
    assert_eq!(reader.state.total_unread, 3);
    assert_eq!(reader.state.feeds[0].unread, 3);
    assert!(
        reader.line().contains("2 changes pulled"),
        "{}",
        reader.line()
    );
    reader.quit();
}

#[test]
fn the_reader_syncs_again_every_refresh_interval() {
    let server = Ttrss::shared();
    let (user, _) = seeded("every", 1);
    let dir = tempfile::tempdir().unwrap();
    write_config_every(dir.path(), &server.url(), &user, &user.password, "2s");
    let mut reader = Reader::start(dir.path());
    reader.until_line("sync: 1 new");
    let feed: i64 = server
        .sql(&format!(
            "SELECT id FROM ttrss_feeds WHERE owner_uid = {}",
            user.id
        ))
        .parse()
        .unwrap();
    let later = server.articles(user.id, feed, 2, "later");
    // Nobody asks: the next sync comes by itself.
    reader.until_line("sync: 2 new");
    assert!(reader.state.article(reader.id(later[1])).is_some());
    assert_eq!(reader.state.list.len(), 3);
    reader.quit();
}

#[test]
fn a_change_made_in_the_reader_reaches_the_server_soon_and_at_quit() {
    let server = Ttrss::shared();
    let (user, a) = seeded("push", 3);
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &server.url(), &user, &user.password);
    let mut reader = Reader::start(dir.path());
    reader.until_line("sync: 3 new");

    // Marked read in the reader: pushed a few seconds later, without a sync being asked for.
    let id = reader.id(a[0]);
    let ids = reader.state.article(id).map(|a| vec![a.id]).unwrap();
    reader.send(Command::SetRead { ids, read: true });
    reader.until_line("sync: 1 change pushed");
    assert_eq!(server.flags(user.id, a[0]), (false, false));

    // Starred right before quitting: sent on the way out.
    reader.send(Command::SetStarred {
        id: reader.id(a[1]),
        starred: true,
    });
    reader.quit();
    assert_eq!(server.flags(user.id, a[1]), (true, true));
}

#[test]
fn offline_the_status_bar_counts_queued_changes_and_r_catches_up() {
    let server = Ttrss::shared();
    let (user, a) = seeded("away", 3);
    // A web server of its own, so stopping it disturbs no other test.
    let http = server.extra_http();
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &http.url(), &user, &user.password);
    let mut reader = Reader::start(dir.path());
    reader.until_line("sync: 3 new");

    http.stop();
    reader.send(Command::SetRead {
        ids: vec![reader.id(a[0])],
        read: true,
    });
    reader.until_line("sync: offline · 1 change queued");
    assert!(
        reader
            .state
            .notices
            .iter()
            .any(|n| n.contains("cannot reach the sync server") && n.contains("Nothing is lost")),
        "{:?}",
        reader.state.notices
    );
    // While it backs off, more changes only move the count; the reader works on.
    reader.send(Command::SetStarred {
        id: reader.id(a[1]),
        starred: true,
    });
    reader.until_line("sync: offline · 2 changes queued");
    assert_eq!(server.flags(user.id, a[0]), (true, false));

    http.start();
    reader.press('R');
    reader.until_done_with("2 changes pushed");
    assert_eq!(server.flags(user.id, a[0]), (false, false));
    assert_eq!(server.flags(user.id, a[1]), (true, true));
    assert_eq!(reader.state.sync.as_ref().unwrap().queued, 0);
    reader.quit();
}

#[test]
fn a_wrong_password_is_named_in_the_status_bar_and_never_shown() {
    let server = Ttrss::shared();
    let (user, _) = seeded("wrongpw", 1);
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &server.url(), &user, "not-the-password");
    let mut reader = Reader::start(dir.path());
    reader.until_line("sync: login failed · 0 changes queued");
    let notices = reader.state.notices.join("\n");
    assert!(notices.contains("wrong user or password"), "{notices}");
    // A password written in the config is allowed, and warned about.
    assert!(
        notices.contains("warning: the sync password is written in"),
        "{notices}"
    );
    assert!(!notices.contains("not-the-password"), "{notices}");
    assert!(reader.state.articles.is_empty());
    reader.quit();
}

/// The real binary in a terminal: it syncs at start, the user opens the newest article and
/// quits, and the server has it read.
#[test]
fn the_reader_in_a_terminal_syncs_and_the_server_sees_what_was_read() {
    let server = Ttrss::shared();
    let (user, a) = seeded("pty", 3);
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), &server.url(), &user, &user.password);
    let data = home.path().join("data");
    let mut session = pty::Session::start(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        home.path(),
    );
    // Newest first: "pty 3" is on top, selected.
    session.wait_for(&["pty 3", "pty 1", "Rust Blog", "sync: 3 new"]);
    session.press("\r");
    session.wait_for(&["Body of pty 3."]);
    session.press("q");
    assert_eq!(session.wait_exit(), 0);
    assert_eq!(
        server.flags(user.id, a[2]),
        (false, false),
        "read on the server"
    );
    assert_eq!(server.flags(user.id, a[0]), (true, false));
    assert_eq!(server.flags(user.id, a[1]), (true, false));
}
