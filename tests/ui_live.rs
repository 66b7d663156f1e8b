//! Live config and reloads through `update`: a config with a feed added or removed, new
//! highlight rules, keys rebound, a broken edit (read by the real config watcher) shown with
//! file, line and column while the last good config runs on; kill rules that changed the
//! store make the TUI read its articles again, where the store decides what is hidden or
//! read by a rule and the user's own later changes win.

mod ui_fixture;

#[path = "support/edit.rs"]
mod edit;

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use edit::write_in_place;
use tidings::config::{Config, KeyOverride, SortOrder};
use tidings::config_watch::ConfigWatcher;
use tidings::engine::{Command, Event};
use tidings::model::ArticleMeta;
use tidings::ui::state::{ListView, Pane};
use tidings::ui::{update, AppState, Effect, LiveConfig, Loaded, Msg};
use ui_fixture::*;

const FEED_D: &str = "https://d.example/feed";

fn sent(fx: &[Effect]) -> Vec<Command> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// The watcher's news of `config`, as the run loop delivers it.
fn reload(s: &mut AppState, config: Config) -> Vec<Effect> {
    update(
        s,
        Msg::Config(Box::new(LiveConfig::prepare(config).unwrap())),
    )
}

fn feed_titles(s: &AppState) -> Vec<String> {
    s.feeds.iter().map(|f| f.title.clone()).collect()
}

#[test]
fn a_feed_added_appears_and_the_engine_is_told() {
    let mut s = state((120, 40));
    let before = counts(&s);
    let mut config = config();
    config.feeds.push(feed(FEED_D, Some("Delta Daily")));
    let fx = reload(&mut s, config.clone());
    assert_eq!(
        sent(&fx),
        [Command::Reconfigure(Arc::new(config.clone()))],
        "the engine polls it"
    );
    assert_eq!(
        feed_titles(&s),
        ["Alpha News", "Beta Blog", "Gamma Weekly", "Delta Daily"]
    );
    // The feeds that stay keep their state and counts.
    assert_eq!(counts(&s)[..3], before[..3]);
    let screen = screen(&s);
    assert!(screen.contains("Delta Daily"), "{screen}");
    assert!(screen.contains("config reloaded: feeds +1 -0"), "{screen}");
    // Its articles arrive like any feed's.
    update(&mut s, Msg::Engine(polled(FEED_D, many(FEED_D, 1, 2, 0))));
    assert_eq!(s.feeds[3].unread, 2);
    // The same config again changes nothing and tells nobody.
    let fx = reload(&mut s, config);
    assert!(fx.is_empty(), "{fx:?}");
}

#[test]
fn a_feed_removed_leaves_the_pane_and_the_selection_stays_on_its_feed() {
    let mut s = state((120, 40));
    // Feeds pane, on Beta (row 2).
    update(&mut s, code(crossterm::event::KeyCode::Esc));
    press(&mut s, "jj");
    assert_eq!(
        s.view,
        ListView::Feed(tidings::model::FeedId::from_url(FEED_B))
    );
    let mut config = config();
    config.feeds.remove(0);
    reload(&mut s, config);
    assert_eq!(feed_titles(&s), ["Beta Blog", "Gamma Weekly"]);
    assert_eq!(s.feed_cursor.selected, 1, "still on Beta");
    assert_eq!(
        s.view,
        ListView::Feed(tidings::model::FeedId::from_url(FEED_B))
    );
    // Counted again: Alpha's unread articles are still stored (and in "All articles").
    assert_eq!(counts(&s), [(3, 1), (2, 1), (8, 2)]);

    // Its own feed gone, a list goes back to "All articles".
    let mut config = tidings::config::Config::default();
    config.feeds.push(feed(FEED_C, Some("Gamma Weekly")));
    reload(&mut s, config);
    assert_eq!(s.view, ListView::All);
    assert_eq!(s.feed_cursor.selected, 0);
    assert_eq!(s.list.len(), 9);
}

#[test]
fn a_broken_edit_keeps_the_running_config_until_the_file_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let good = format!("[[feeds]]\nurl = \"{FEED_A}\"\ntitle = \"Alpha News\"\n");
    std::fs::write(&path, &good).unwrap();
    let config = Config::load(&path).unwrap();
    let mut s = state_with(config.clone(), Vec::new(), articles(), (200, 40));
    let (tx, rx) = mpsc::channel();
    let _watcher = ConfigWatcher::spawn(path.clone(), config.clone(), Duration::from_millis(20), {
        move |change| {
            let _ = tx.send(Msg::from_config_change(change));
        }
    })
    .unwrap();
    let next = || {
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the watcher saw it")
    };

    // A title without its value on line 6.
    write_in_place(
        &path,
        &format!("{good}[[feeds]]\nurl = \"{FEED_B}\"\ntitle =\n"),
    );
    let msg = next();
    assert!(matches!(msg, Msg::ConfigError(_)), "{msg:?}");
    assert!(update(&mut s, msg).is_empty(), "nothing is sent");
    let shown = screen(&s);
    let path_text = path.display().to_string();
    assert!(
        shown.contains(&format!(
            "error in config file {path_text}, line 6, column 8"
        )),
        "{shown}"
    );
    assert!(
        shown.contains("(the last good config keeps running)"),
        "{shown}"
    );
    assert_eq!(*s.config, config, "the old config runs");
    assert_eq!(feed_titles(&s), ["Alpha News"]);
    // A key clears notices, not the error: it stays until the file is fixed.
    press(&mut s, "j");
    let shown = screen(&s);
    assert!(
        shown.contains("config not applied: error in config file"),
        "{shown}"
    );

    write_in_place(
        &path,
        &format!("{good}[[feeds]]\nurl = \"{FEED_B}\"\ntitle = \"Beta Fixed\"\n"),
    );
    let msg = next();
    let fx = update(&mut s, msg);
    assert!(
        matches!(&sent(&fx)[..], [Command::Reconfigure(c)] if c.feeds.len() == 2),
        "{fx:?}"
    );
    assert_eq!(feed_titles(&s), ["Alpha News", "Beta Fixed"]);
    assert_eq!(s.config_error, None);
    press(&mut s, "j");
    assert!(!screen(&s).contains("config not applied"));
}

#[test]
fn keys_are_rebound_live_and_a_bad_binding_is_a_config_error() {
    let mut s = state((120, 40));
    let with_keys = |keys: &[(&str, &str)]| Config {
        keys: keys
            .iter()
            .map(|(action, key)| KeyOverride {
                action: action.to_string(),
                keys: vec![key.to_string()],
                line: 9,
                column: 1,
            })
            .collect(),
        path: Some("/home/u/.config/tidings/config.toml".into()),
        ..config()
    };
    reload(&mut s, with_keys(&[("quit", "x")]));
    assert_eq!(update(&mut s, key('x')), [Effect::Quit]);
    assert!(update(&mut s, key('q')).is_empty());

    // Two actions on one key: not applied, said with its place in the file.
    let change =
        tidings::config_watch::Change::Config(Box::new(with_keys(&[("quit", "j"), ("down", "j")])));
    let msg = Msg::from_config_change(change);
    let Msg::ConfigError(error) = &msg else {
        panic!("{msg:?}");
    };
    assert!(
        error.starts_with(
            "error in config file /home/u/.config/tidings/config.toml, config line 9, column 1"
        ),
        "{error}"
    );
    update(&mut s, msg);
    assert_eq!(
        update(&mut s, key('x')),
        [Effect::Quit],
        "the running keys stay"
    );
}

#[test]
fn new_highlight_rules_reload_the_open_body_and_reorder_when_asked() {
    let mut s = state((120, 40));
    update(&mut s, code(crossterm::event::KeyCode::Enter));
    let open = s.reader.unwrap().id;
    loaded(&mut s, open, long_body(3));
    let mut config = config();
    config.highlight.push(rule(
        "garden",
        &["gardening"],
        9,
        tidings::config::NamedColor::Green,
    ));
    config.sort = SortOrder::HighlightFirst;
    let fx = reload(&mut s, config);
    // The body was cleaned and marked under the old rules: it is loaded again.
    assert!(sent(&fx).contains(&Command::LoadBody(open)), "{fx:?}");
    assert!(matches!(sent(&fx)[0], Command::Reconfigure(_)));
    assert_eq!(
        list_titles(&s)[..2],
        [
            "Gamma one: security advisory CVE-2024-1",
            "Beta one: Rust 2.0 released"
        ],
        "highlight-first"
    );
    // The engine re-matches the stored articles in the background, then says so.
    let gardening = id_of(FEED_B, 2);
    update(
        &mut s,
        Msg::Engine(Event::HighlightsUpdated(vec![(gardening, vec![2])])),
    );
    assert_eq!(list_titles(&s)[0], "Beta two: gardening tips");
    assert_eq!(s.highlighted_unread(), 3);
}

/// The store's articles after a kill rule hid A4 and B3 and marked A1 read, read at a time
/// when the user's `m` on A3 was not committed yet and C9 not stored yet.
fn store_after_rules() -> Vec<ArticleMeta> {
    let mut all: Vec<ArticleMeta> = articles()
        .into_iter()
        .filter(|a| a.id != id_of(FEED_A, 4) && a.id != id_of(FEED_B, 3))
        .collect();
    all[0].read = true;
    all.sort_by(tidings::ui::list::newest_first);
    all
}

fn reloaded(s: &AppState, all: Vec<ArticleMeta>) -> Msg {
    Msg::Reloaded(Ok(Box::new(Loaded::build(
        all,
        s.sort,
        &s.highlighter,
        &s.feed_ranks(),
    ))))
}

#[test]
fn kill_rules_that_changed_the_store_are_read_back_and_later_changes_win() {
    let mut s = state((120, 40));
    press(&mut s, "jjjjj");
    assert_eq!(selected_title(&s), "Alpha three: local sports");
    // Flush first: what the user did before is committed before the store is read.
    let fx = update(&mut s, Msg::Engine(Event::StoredArticlesChanged));
    assert_eq!(sent(&fx), [Command::Flush]);
    // Meanwhile: the user reads A3, the engine delivers C9.
    let fx = press(&mut s, "m");
    assert_eq!(
        sent(&fx),
        [Command::SetRead {
            ids: vec![id_of(FEED_A, 3)],
            read: true
        }]
    );
    update(
        &mut s,
        Msg::Engine(polled(FEED_C, vec![article(FEED_C, 9, "Gamma nine", 0)])),
    );
    let fx = update(&mut s, Msg::Engine(Event::Flushed));
    assert_eq!(fx, [Effect::ReadArticles]);
    // A second flush answer (someone else's) reads nothing more.
    assert!(update(&mut s, Msg::Engine(Event::Flushed)).is_empty());

    let msg = reloaded(&s, store_after_rules());
    let fx = update(&mut s, msg);
    assert!(fx.is_empty(), "{fx:?}");
    let titles = list_titles(&s);
    assert_eq!(titles.len(), 8, "{titles:?}");
    assert!(!titles
        .iter()
        .any(|t| t.starts_with("Alpha four") || t.starts_with("Beta three")));
    assert_eq!(titles[0], "Gamma nine", "delivered after the read: kept");
    let read = |s: &AppState, feed: &str, n: u32| s.article(id_of(feed, n)).unwrap().read;
    assert!(read(&s, FEED_A, 1), "read by the rule");
    assert!(read(&s, FEED_A, 3), "the user's own change wins");
    assert_eq!(selected_title(&s), "Alpha three: local sports");
    // Counted again from what is there.
    assert_eq!(counts(&s), [(0, 0), (2, 1), (3, 1), (5, 2)]);
}

#[test]
fn a_change_during_the_read_reads_again_and_a_gone_article_closes_the_reader() {
    let mut s = state((120, 40));
    press(&mut s, "G");
    update(&mut s, code(crossterm::event::KeyCode::Enter));
    assert_eq!(s.focus, Pane::Reader);
    update(&mut s, Msg::Engine(Event::StoredArticlesChanged));
    update(&mut s, Msg::Engine(Event::Flushed));
    // The rules changed the store again while it was being read.
    assert!(update(&mut s, Msg::Engine(Event::StoredArticlesChanged)).is_empty());
    let msg = reloaded(&s, store_after_rules());
    let fx = update(&mut s, msg);
    assert_eq!(sent(&fx), [Command::Flush], "read once more");
    // B3, open in the reader, is hidden now.
    assert_eq!(s.reader, None);
    assert_eq!(s.focus, Pane::Articles);
    assert_eq!(s.list.len(), 7);
    // A failed read says why and ends the reload.
    assert_eq!(
        update(&mut s, Msg::Engine(Event::Flushed)),
        [Effect::ReadArticles]
    );
    update(
        &mut s,
        Msg::Reloaded(Err("could not read: disk on fire".into())),
    );
    assert!(screen(&s).contains("disk on fire"));
    assert_eq!(
        sent(&update(&mut s, Msg::Engine(Event::StoredArticlesChanged))),
        [Command::Flush]
    );
}

#[test]
fn a_reload_while_start_up_still_loads_replaces_the_load() {
    let all = articles();
    let mut s = starting_state(config(), feed_states(), &all, 3, (120, 40));
    assert!(s.is_loading());
    let stale = loaded_msg(&s, &all);
    update(&mut s, Msg::Engine(Event::StoredArticlesChanged));
    update(&mut s, Msg::Engine(Event::Flushed));
    let msg = reloaded(&s, store_after_rules());
    update(&mut s, msg);
    assert!(!s.is_loading());
    assert_eq!(s.list.len(), 7);
    // The start-up load, from before the rules, arrives late: ignored.
    update(&mut s, stale);
    assert_eq!(s.list.len(), 7);
    assert_eq!(counts(&s), [(1, 0), (2, 1), (2, 1), (5, 2)]);
}
