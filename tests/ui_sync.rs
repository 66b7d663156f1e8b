//! What the reader does with the sync job's events, through `update` and `view` (no server,
//! no engine): new synced articles merge into the lists, flags the server changed move the
//! counts, new subscriptions become feeds, and the status bar says how the sync stands.

mod ui_fixture;

use tidings::config::{FeedConfig, FeedLocation};
use tidings::engine::{Event, SyncState, SyncStatus};
use tidings::model::FeedId;
use tidings::store::FlagChange;
use tidings::ui::{update, Msg};
use ui_fixture::{article, counts, screen, state, with, FEED_A};

fn status(state: SyncState, new: usize, pulled: usize, queued: usize) -> SyncStatus {
    SyncStatus {
        state,
        new_articles: new,
        pulled,
        pushed: 0,
        queued,
        next: None,
    }
}

fn offline() -> SyncState {
    SyncState::Failed {
        label: "offline",
        message: "cannot reach the sync server at http://127.0.0.1:9/: connection refused. \
                  Nothing is lost"
            .into(),
        transient: true,
    }
}

fn status_bar(s: &tidings::ui::AppState) -> String {
    screen(s).lines().last().unwrap_or_default().to_string()
}

#[test]
fn the_status_bar_says_how_the_sync_stands() {
    let mut s = state((120, 30));
    assert!(!status_bar(&s).contains("sync:"), "no [sync], no word");

    update(
        &mut s,
        Msg::Engine(Event::Sync(status(SyncState::Running, 40, 0, 0))),
    );
    assert!(
        status_bar(&s).contains("sync: syncing… · 40 new"),
        "{}",
        status_bar(&s)
    );
    update(
        &mut s,
        Msg::Engine(Event::Sync(status(SyncState::Done, 3, 5, 0))),
    );
    assert!(
        status_bar(&s).contains("sync: 3 new · 5 changes pulled"),
        "{}",
        status_bar(&s)
    );
    update(
        &mut s,
        Msg::Engine(Event::Sync(status(offline(), 0, 0, 12))),
    );
    let bar = status_bar(&s);
    assert!(bar.contains("sync: offline · 12 changes queued"), "{bar}");
    // The full message, once, as a notice (it says what happened and that nothing is lost).
    assert!(bar.contains("cannot reach the sync server"), "{bar}");
    assert_eq!(s.notices.len(), 1);
    update(&mut s, ui_fixture::key('j'));
    // A retry that fails the same way only updates the count.
    update(
        &mut s,
        Msg::Engine(Event::Sync(status(offline(), 0, 0, 13))),
    );
    assert_eq!(s.notices.len(), 1);
    let bar = status_bar(&s);
    assert!(
        bar.contains("sync: offline · 13 changes queued") && !bar.contains("cannot reach"),
        "{bar}"
    );
    // Another failure gets its own message.
    let login = SyncState::Failed {
        label: "login failed",
        message: "Tiny Tiny RSS at http://x/ refused the login of user `me`: wrong user or \
                  password"
            .into(),
        transient: false,
    };
    update(&mut s, Msg::Engine(Event::Sync(status(login, 0, 0, 13))));
    assert_eq!(s.notices.len(), 2);
    assert!(status_bar(&s).contains("sync: login failed · 13 changes queued"));
}

#[test]
fn synced_articles_merge_into_the_lists_like_polled_ones() {
    let mut s = state((120, 30));
    let before = s.list.len();
    let unread = s.total_unread;
    let fresh = vec![
        article(FEED_A, 10, "Synced newest", 0),
        with(article(FEED_A, 11, "Synced read", 7), |a| a.read = true),
    ];
    update(&mut s, Msg::Engine(Event::SyncedArticles(fresh.clone())));
    assert_eq!(s.list.len(), before + 2);
    assert_eq!(s.total_unread, unread + 1);
    // In date order: the newest on top.
    assert_eq!(s.articles[s.list[0]].title, "Synced newest");
    // The same page again (a sync that started over) adds nothing.
    update(&mut s, Msg::Engine(Event::SyncedArticles(fresh)));
    assert_eq!(s.list.len(), before + 2);
    assert!(screen(&s).contains("Synced newest"));
}

#[test]
fn flags_pulled_from_the_server_change_only_those_articles() {
    let mut s = state((120, 30));
    let before = counts(&s);
    let unread = s
        .articles
        .iter()
        .find(|a| a.feed == FeedId::from_url(FEED_A) && !a.read)
        .unwrap()
        .clone();
    let read = s.articles.iter().find(|a| a.read).unwrap().clone();
    update(
        &mut s,
        Msg::Engine(Event::SyncedFlags(vec![
            FlagChange {
                id: unread.id,
                read: true,
                starred: true,
            },
            FlagChange {
                id: read.id,
                read: false,
                starred: false,
            },
        ])),
    );
    assert!(s.article(unread.id).unwrap().read && s.article(unread.id).unwrap().starred);
    assert!(!s.article(read.id).unwrap().read);
    // One read, one unread again: the totals hold, per feed too when both are in feed A.
    let after = counts(&s);
    assert_eq!(after.last().unwrap().0, before.last().unwrap().0);
}

#[test]
fn new_subscriptions_become_feeds_with_their_category() {
    let mut s = state((120, 30));
    let feeds = s.feeds.len();
    let url = "https://new.example.org/rss";
    let synced = FeedConfig {
        url: url.into(),
        location: FeedLocation::Http(url.into()),
        title: Some("New on the server".into()),
        tags: vec!["Tech".into()],
        refresh_interval: None,
        full_text: false,
        synced: true,
    };
    update(
        &mut s,
        Msg::Engine(Event::SyncedFeeds(vec![synced.clone()])),
    );
    assert_eq!(s.feeds.len(), feeds + 1);
    assert_eq!(s.feeds[feeds].title, "New on the server");
    assert!(s.config.feeds.iter().any(|f| f == &synced));
    // Its articles count for it.
    update(
        &mut s,
        Msg::Engine(Event::SyncedArticles(vec![article(
            url,
            1,
            "First of new",
            1,
        )])),
    );
    assert_eq!(s.feeds[feeds].unread, 1);
    assert!(screen(&s).contains("New on the server"));
    // Announced twice (two syncs racing a restart): one feed.
    update(&mut s, Msg::Engine(Event::SyncedFeeds(vec![synced])));
    assert_eq!(s.feeds.len(), feeds + 1);
}
