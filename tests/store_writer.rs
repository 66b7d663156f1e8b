//! The writer thread: batching into transactions, flush, drop-flushes, and every op kind.

mod store_support;

use std::path::Path;

use store_support::*;
use tidings::config::Retention;
use tidings::model::FeedId;
use tidings::store::{OpenMode, Store, WriteOp, Writer};

fn open_rw(dir: &Path) -> Store {
    Store::open(dir, OpenMode::ReadWrite).unwrap().store
}

#[test]
fn flush_makes_every_sent_op_visible() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let writer = Writer::spawn(&store).unwrap();
    let items: Vec<_> = (0..50).map(|n| article(FEED_A, n)).collect();
    let ids: Vec<_> = items.iter().map(|a| a.meta.id).collect();
    writer.send(WriteOp::SaveFeedState(feed_state(FEED_A)));
    writer.send(WriteOp::InsertArticles(items.clone()));
    writer.send(WriteOp::SetRead(ids[..10].to_vec(), true));
    writer.send(WriteOp::SetStarred(ids[20], true));
    writer.send(WriteOp::SaveFullText(ids[30], "<p>full</p>".into()));
    writer.send(WriteOp::SetHighlights(vec![(ids[40], vec![2, 5])]));
    writer.send(WriteOp::Retention(
        FeedId::from_url(FEED_A),
        Retention {
            max_articles_per_feed: Some(45),
            max_age_days: None,
        },
    ));
    writer.try_flush().unwrap();

    assert_eq!(store.load_feed_states().unwrap().len(), 1);
    let got = store.load_articles().unwrap();
    // The 5 oldest are read and beyond the newest 45: retention dropped them.
    assert_eq!(got.len(), 45);
    assert_eq!(got.iter().filter(|a| a.read).count(), 5);
    assert!(got.iter().find(|a| a.id == ids[20]).unwrap().starred);
    assert_eq!(
        got.iter().find(|a| a.id == ids[40]).unwrap().highlights,
        vec![2, 5]
    );
    assert_eq!(
        store.full_text(ids[30]).unwrap().as_deref(),
        Some("<p>full</p>")
    );
}

#[test]
fn ops_sent_together_share_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let writer = Writer::spawn(&store).unwrap();
    for n in 0..200 {
        writer.send(WriteOp::InsertArticles(vec![article(FEED_A, n)]));
        writer.send(WriteOp::SetRead(vec![article(FEED_A, n).meta.id], true));
    }
    writer.flush();
    assert_eq!(store.list_articles(false, None).unwrap().len(), 200);
    assert!(store.list_articles(true, None).unwrap().is_empty());
    // 400 ops sent in a burst take a handful of commits (usually 1), not 400.
    let commits = writer.commits();
    assert!((1..=10).contains(&commits), "{commits} commits");
    // A flush with nothing pending commits nothing.
    writer.flush();
    assert_eq!(writer.commits(), commits);
}

#[test]
fn dropping_the_last_handle_commits_and_releases_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open_rw(dir.path());
        let writer = Writer::spawn(&store).unwrap();
        let clone = writer.clone();
        drop(store);
        std::thread::spawn(move || {
            clone.send(WriteOp::InsertArticles(vec![article(FEED_A, 1)]));
        })
        .join()
        .unwrap();
        writer.send(WriteOp::SetRead(vec![article(FEED_A, 1).meta.id], true));
        // No flush: drop must commit.
    }
    let store = open_rw(dir.path());
    let got = store.load_articles().unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].read);
}

#[test]
fn a_failing_op_does_not_lose_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let writer = Writer::spawn(&store).unwrap();
    // A trigger makes inserting one particular title fail.
    rusqlite::Connection::open(store.path())
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER poison BEFORE INSERT ON articles WHEN NEW.title = 'poison'
             BEGIN SELECT RAISE(ABORT, 'poisoned'); END;",
        )
        .unwrap();
    let good = article(FEED_A, 1);
    let mut bad = article(FEED_A, 2);
    bad.meta.title = "poison".into();
    writer.send(WriteOp::InsertArticles(vec![good.clone()]));
    writer.send(WriteOp::InsertArticles(vec![bad]));
    writer.send(WriteOp::SetRead(vec![good.meta.id], true));
    let err = writer.try_flush().expect_err("the poisoned insert fails");
    assert!(err.to_string().contains("poisoned"), "{err}");
    let got = store.load_articles().unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].read, "ops after the failing one were applied");
    assert!(writer.take_errors().is_empty(), "errors are reported once");
}

/// Another connection holding the write lock past the busy timeout (5 s) only delays the
/// writer's idle indexing: nothing is reported as "could not save" (which failed a
/// `tidings refresh` whose every feed was saved), and the articles are indexed once the
/// other connection lets go.
#[test]
fn a_store_kept_busy_delays_indexing_without_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let items: Vec<_> = (0..20).map(|n| article(FEED_A, n)).collect();
    store.insert_articles(&items).unwrap();
    assert_eq!(store.index_backlog().unwrap(), 20, "inserted, not indexed");

    // Taken before the writer starts, so its first idle turn (after 1 s) meets it.
    let other = rusqlite::Connection::open(store.path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let writer = Writer::spawn(&store).unwrap();
    // Past the writer's first indexing turn and its 5 s busy timeout.
    std::thread::sleep(std::time::Duration::from_secs(7));
    assert_eq!(store.index_backlog().unwrap(), 20);
    other.execute_batch("COMMIT").unwrap();
    drop(other);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while store.index_backlog().unwrap() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "indexed once the store is free"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let errors: Vec<String> = writer
        .take_errors()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
