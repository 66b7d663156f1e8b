//! The store side of sync, without a server: the outbox written with the flag change, what
//! leaves it and when, server flags versus queued local changes, linking articles polled here
//! before, gc and account switches; and the syncer's batching, with a scripted backend.

mod store_support;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use store_support::*;
use tidings::config::Retention;
use tidings::highlight::Highlighter;
use tidings::model::{ArticleId, FeedId};
use tidings::store::{
    OpenMode, RemoteFlags, Store, SyncArticle, SyncCategory, SyncFeed, SyncFlag, WriteOp, Writer,
};
use tidings::sync::{
    Backend, BoxFuture, RemoteArticle, RemoteFeed, Sink, Subscribed, Subscriptions, SyncError,
    SyncEvent, Syncer,
};

const ACCOUNT: &str = "ttrss rss.example.org me";

fn open_rw(dir: &Path) -> Store {
    Store::open(dir, OpenMode::ReadWrite).unwrap().store
}

/// Article `n` of FEED_A as the server's article `remote`.
fn synced(n: u32, remote: i64) -> SyncArticle {
    let mut article = article(FEED_A, n);
    article.meta.id = tidings::sync::article_id(ACCOUNT, remote);
    SyncArticle {
        remote_id: remote,
        remote_feed: "7".into(),
        article,
    }
}

fn subscribe_a(store: &Store) {
    store
        .save_subscriptions(
            &[SyncCategory {
                remote_id: "3".into(),
                title: "Tech".into(),
            }],
            &[SyncFeed {
                remote_id: "7".into(),
                url: FEED_A.into(),
                title: "Feed A".into(),
                category: Some("3".into()),
            }],
        )
        .unwrap();
}

fn flags(store: &Store, id: ArticleId) -> (bool, bool) {
    let a = store
        .load_articles()
        .unwrap()
        .into_iter()
        .find(|a| a.id == id)
        .unwrap();
    (a.read, a.starred)
}

fn queued(store: &Store) -> Vec<(i64, SyncFlag, bool)> {
    let mut v: Vec<_> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|o| (o.remote_id, o.flag, o.value))
        .collect();
    v.sort_by_key(|(id, f, _)| (*id, *f == SyncFlag::Starred));
    v
}

#[test]
fn flag_changes_of_synced_articles_are_queued_with_the_change_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    subscribe_a(&store);
    let page = store
        .store_synced_articles(
            &[synced(1, 101), synced(2, 102)],
            &Retention::default(),
            Utc::now(),
        )
        .unwrap();
    assert_eq!(page.new.len(), 2);
    let local = article(FEED_B, 9);
    store.insert_articles(std::slice::from_ref(&local)).unwrap();
    let a = tidings::sync::article_id(ACCOUNT, 101);
    let b = tidings::sync::article_id(ACCOUNT, 102);

    // Through the store...
    store.set_read(&[a, local.meta.id], true).unwrap();
    // ...and through the writer thread, as the UI does.
    let writer = Writer::spawn(&store).unwrap();
    writer.send(WriteOp::SetStarred(b, true));
    writer.send(WriteOp::SetRead(vec![b], true));
    writer.send(WriteOp::SetRead(vec![b], false));
    writer.try_flush().unwrap();
    drop(writer);
    // Setting a flag to what it already is queues nothing.
    store.set_read(&[a], true).unwrap();

    assert_eq!(
        queued(&store),
        vec![
            (101, SyncFlag::Read, true),
            (102, SyncFlag::Read, false),
            (102, SyncFlag::Starred, true)
        ],
        "only synced articles, last value wins"
    );
    assert_eq!(store.outbox_len().unwrap(), 3);

    // The queue is in the database file: a new process (after a kill -9) sees it.
    drop(store);
    let store = open_rw(dir.path());
    assert_eq!(store.outbox_len().unwrap(), 3);
}

#[test]
fn a_confirmation_drops_only_the_value_the_server_got() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    subscribe_a(&store);
    store
        .store_synced_articles(
            &[synced(1, 101), synced(2, 102)],
            &Retention::default(),
            Utc::now(),
        )
        .unwrap();
    let a = tidings::sync::article_id(ACCOUNT, 101);
    let b = tidings::sync::article_id(ACCOUNT, 102);
    store.set_read(&[a, b], true).unwrap();
    // The push of "read" is in flight when the user marks b unread again.
    store.set_read(&[b], false).unwrap();
    assert_eq!(
        store
            .confirm_outbox(SyncFlag::Read, true, &[101, 102])
            .unwrap(),
        1
    );
    assert_eq!(queued(&store), vec![(102, SyncFlag::Read, false)]);
}

#[test]
fn server_flags_win_except_over_a_queued_local_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    subscribe_a(&store);
    let items: Vec<SyncArticle> = (1..=4).map(|n| synced(n, 100 + i64::from(n))).collect();
    store
        .store_synced_articles(&items, &Retention::default(), Utc::now())
        .unwrap();
    let id = |r: i64| tidings::sync::article_id(ACCOUNT, r);
    store.set_read(&[id(101)], true).unwrap(); // queued: read
    store.set_starred(id(104), true).unwrap(); // queued: starred

    let changed = store
        .apply_remote_flags(
            &[
                RemoteFlags {
                    remote_id: 101,
                    read: Some(false),
                    starred: Some(true),
                },
                RemoteFlags {
                    remote_id: 102,
                    read: Some(true),
                    starred: None,
                },
                RemoteFlags {
                    remote_id: 999,
                    read: Some(true),
                    starred: None,
                },
            ],
            &[],
            false,
        )
        .unwrap();
    assert_eq!(changed.len(), 2);
    assert_eq!(
        flags(&store, id(101)),
        (true, true),
        "queued read kept, star taken"
    );
    assert_eq!(flags(&store, id(102)), (true, false));
    assert_eq!(
        store.outbox_len().unwrap(),
        2,
        "pulled flags are not queued"
    );

    // Complete lists: feed 7's only unread article is 103; nothing is starred.
    store
        .apply_remote_flags(
            &[RemoteFlags {
                remote_id: 103,
                read: Some(false),
                starred: Some(false),
            }],
            &["7".to_string()],
            true,
        )
        .unwrap();
    assert_eq!(flags(&store, id(103)), (false, false));
    assert_eq!(
        flags(&store, id(101)),
        (true, false),
        "unstarred by the complete list"
    );
    assert_eq!(
        flags(&store, id(104)),
        (true, true),
        "read by the list, queued star kept"
    );
}

#[test]
fn articles_polled_here_before_are_linked_not_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    // Feed A was polled locally: article 1 read here, article 2 starred here.
    let mut one = article(FEED_A, 1);
    one.meta.read = true;
    let mut two = article(FEED_A, 2);
    two.meta.starred = true;
    store.insert_articles(&[one.clone(), two.clone()]).unwrap();
    subscribe_a(&store);
    // The server has the same articles (same links), unread and unstarred, and a third.
    let page = store
        .store_synced_articles(
            &[synced(1, 201), synced(2, 202), synced(3, 203)],
            &Retention::default(),
            Utc::now(),
        )
        .unwrap();
    assert_eq!(page.adopted, 2);
    assert_eq!(page.new.len(), 1);
    let all = store.load_articles().unwrap();
    assert_eq!(all.len(), 3, "no duplicates");
    assert_eq!(flags(&store, one.meta.id), (true, false));
    assert_eq!(flags(&store, two.meta.id), (false, true));
    // What was done here goes to the server.
    assert_eq!(
        queued(&store),
        vec![(201, SyncFlag::Read, true), (202, SyncFlag::Starred, true)]
    );
    let held: HashSet<i64> = store
        .held_articles()
        .unwrap()
        .into_iter()
        .map(|h| h.remote_id)
        .collect();
    assert_eq!(held, HashSet::from([201, 202, 203]));
}

#[test]
fn gc_keeps_synced_feeds_and_account_switches_start_over() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    assert_eq!(store.begin_sync_account(ACCOUNT).unwrap(), None);
    subscribe_a(&store);
    store
        .store_synced_articles(&[synced(1, 101)], &Retention::default(), Utc::now())
        .unwrap();
    store.insert_articles(&[article(FEED_B, 1)]).unwrap();
    store.set_sync_cursor("101").unwrap();

    // No [[feeds]] at all: the synced feed stays, the stray one goes.
    let report = store.gc(&[]).unwrap();
    assert_eq!(report.feeds.len(), 1);
    assert_eq!(report.feeds[0].id, FeedId::from_url(FEED_B));
    assert_eq!(store.load_articles().unwrap().len(), 1);
    let synced_feeds = store.synced_feeds().unwrap();
    assert_eq!(synced_feeds[0].tags, vec!["Tech".to_string()]);
    assert!(store
        .synced_feed_ids()
        .unwrap()
        .contains(&FeedId::from_url(FEED_A)));

    store
        .set_read(&[tidings::sync::article_id(ACCOUNT, 101)], true)
        .unwrap();
    assert_eq!(
        store.begin_sync_account(ACCOUNT).unwrap(),
        None,
        "same account"
    );
    assert_eq!(
        store
            .begin_sync_account("ttrss other.example.org me")
            .unwrap(),
        Some(1),
        "the old account's queued change is dropped"
    );
    assert_eq!(store.outbox_len().unwrap(), 0);
    assert_eq!(store.sync_cursor().unwrap(), None);
    assert!(store.synced_feeds().unwrap().is_empty());
    assert_eq!(store.load_articles().unwrap().len(), 1, "articles stay");
}

#[test]
fn retention_applies_to_synced_feeds_and_dropped_articles_stay_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    subscribe_a(&store);
    let keep_two = Retention {
        max_articles_per_feed: Some(2),
        max_age_days: None,
    };
    let mut items: Vec<SyncArticle> = (1..=4).map(|n| synced(n, 100 + i64::from(n))).collect();
    for item in &mut items {
        item.article.meta.read = true;
    }
    store
        .store_synced_articles(&items, &keep_two, Utc::now())
        .unwrap();
    assert_eq!(store.load_articles().unwrap().len(), 2);
    // Listed again by the server: not brought back.
    let page = store
        .store_synced_articles(&items, &keep_two, Utc::now())
        .unwrap();
    assert!(page.new.is_empty());
    assert_eq!(store.load_articles().unwrap().len(), 2);
    assert_eq!(store.linked_remote_ids().unwrap().len(), 4);
}

/// A server in memory: records pushes, fails the push of a given batch on demand. Clones
/// share their state (the test keeps one, the syncer another).
#[derive(Clone, Default)]
struct Scripted {
    calls: Arc<Mutex<Vec<(SyncFlag, bool, usize)>>>,
    fail_after: Arc<Mutex<Option<usize>>>,
    articles: Vec<RemoteArticle>,
}

impl Backend for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }
    fn login(&self) -> BoxFuture<'_, Result<(), SyncError>> {
        Box::pin(async { Ok(()) })
    }
    fn max_batch(&self) -> usize {
        1000
    }
    fn set_flag<'a>(
        &'a self,
        flag: SyncFlag,
        value: bool,
        ids: &'a [i64],
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async move {
            let mut calls = self.calls.lock().unwrap();
            if *self.fail_after.lock().unwrap() == Some(calls.len()) {
                return Err(SyncError::Offline {
                    url: "https://x/".into(),
                    detail: "connection refused".into(),
                });
            }
            calls.push((flag, value, ids.len()));
            Ok(())
        })
    }
    fn pull<'a>(
        &'a self,
        _cursor: Option<&'a str>,
        sink: &'a Sink,
    ) -> BoxFuture<'a, Result<Option<String>, SyncError>> {
        Box::pin(async move {
            sink.subscriptions(Subscriptions {
                categories: vec![],
                feeds: vec![RemoteFeed {
                    id: "7".into(),
                    url: FEED_A.into(),
                    title: "Feed A".into(),
                    category: None,
                }],
            })
            .await?;
            sink.articles(self.articles.clone()).await?;
            Ok(Some("1".into()))
        })
    }
    fn subscriptions(&self) -> BoxFuture<'_, Result<Subscriptions, SyncError>> {
        Box::pin(async { Ok(Default::default()) })
    }
    fn subscribe<'a>(
        &'a self,
        _url: &'a str,
        _category: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Subscribed, SyncError>> {
        Box::pin(async { Ok(Subscribed::Added) })
    }
}

fn remote(id: i64) -> RemoteArticle {
    RemoteArticle {
        id,
        feed: "7".into(),
        title: format!("Remote {id}"),
        link: Some(format!("https://a.example.org/r/{id}")),
        author: None,
        published: None,
        updated: None,
        content: "<p>x</p>".into(),
        read: false,
        starred: false,
        enclosures: Vec::new(),
    }
}

#[test]
fn pushes_go_in_batches_per_flag_and_value_and_stop_cleanly_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let articles: Vec<RemoteArticle> = (1..=2503).map(remote).collect();
    let backend = Scripted {
        articles,
        ..Default::default()
    };
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let syncer = Syncer::with_backend(
        Box::new(backend.clone()),
        ACCOUNT.into(),
        store.reopen().unwrap(),
        Arc::new(Highlighter::new(&[]).unwrap()),
        Retention::default(),
    )
    .unwrap()
    .on_event(move |e| {
        if let SyncEvent::Pushed { done, total } = e {
            seen.lock().unwrap().push((done, total));
        }
    });
    let first = rt.block_on(syncer.sync());
    assert!(first.is_ok());
    assert_eq!(first.new_articles, 2503);

    let ids: Vec<ArticleId> = (1..=2503)
        .map(|r| tidings::sync::article_id(ACCOUNT, r))
        .collect();
    store.set_read(&ids, true).unwrap();
    for id in &ids[..3] {
        store.set_starred(*id, true).unwrap();
    }
    assert_eq!(store.outbox_len().unwrap(), 2506);

    // The third request fails: what was confirmed before is gone from the outbox, the rest stays.
    *backend.fail_after.lock().unwrap() = Some(2);
    let failed = rt.block_on(syncer.sync());
    assert!(matches!(failed.result, Err(SyncError::Offline { .. })));
    assert_eq!(failed.pushed, 2000);
    assert_eq!(failed.queued, 506);
    assert_eq!(failed.status_line(), "sync: offline · 506 changes queued");

    *backend.fail_after.lock().unwrap() = None;
    let ok = rt.block_on(syncer.sync());
    assert!(ok.is_ok());
    assert_eq!(ok.pushed, 506);
    assert_eq!(ok.queued, 0);
    // One request per flag, value and batch of 1000, never one per article.
    let mut calls = backend.calls.lock().unwrap().clone();
    calls.sort_by_key(|(f, _, n)| (*f == SyncFlag::Starred, std::cmp::Reverse(*n)));
    assert_eq!(
        calls,
        vec![
            (SyncFlag::Read, true, 1000),
            (SyncFlag::Read, true, 1000),
            (SyncFlag::Read, true, 503),
            (SyncFlag::Starred, true, 3),
        ]
    );
    assert_eq!(events.lock().unwrap().last(), Some(&(506, 506)));
}
