//! Retention (count and age limits; starred and unread always kept), gc of removed feeds,
//! and export/import of read/starred flags.

mod store_support;

use std::path::Path;

use store_support::*;
use tidings::config::Retention;
use tidings::model::{ArticleId, FeedId};
use tidings::store::{OpenMode, StateExport, Store};

fn open_rw(dir: &Path) -> Store {
    Store::open(dir, OpenMode::ReadWrite).unwrap().store
}

fn ids_of(store: &Store, feed: &str) -> Vec<ArticleId> {
    let feed = FeedId::from_url(feed);
    store
        .load_articles()
        .unwrap()
        .into_iter()
        .filter(|a| a.feed == feed)
        .map(|a| a.id)
        .collect()
}

#[test]
fn count_limit_keeps_newest_and_never_drops_unread_or_starred() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let now = t(100_000);
    // 10 articles, n = 0 oldest .. 9 newest.
    let items: Vec<_> = (0..10).map(|n| article(FEED_A, n)).collect();
    let id = |n: usize| items[n].meta.id;
    store.insert_articles(&items).unwrap();
    store.insert_articles(&[article(FEED_B, 0)]).unwrap();
    // All read except 1; 2 is starred.
    let read: Vec<_> = (0..10).filter(|&n| n != 1).map(id).collect();
    store.set_read(&read, true).unwrap();
    store.set_read(&[article(FEED_B, 0).meta.id], true).unwrap();
    store.set_starred(id(2), true).unwrap();

    let r = Retention {
        max_articles_per_feed: Some(4),
        max_age_days: None,
    };
    let removed = store
        .apply_retention(FeedId::from_url(FEED_A), &r, now)
        .unwrap();
    // Newest 4 (9,8,7,6) kept; of 0..=5, 1 (unread) and 2 (starred) kept.
    assert_eq!(removed, 4);
    let mut left = ids_of(&store, FEED_A);
    left.sort();
    let mut want: Vec<_> = [9, 8, 7, 6, 2, 1].into_iter().map(id).collect();
    want.sort();
    assert_eq!(left, want);
    assert_eq!(ids_of(&store, FEED_B).len(), 1, "other feeds untouched");
    assert_eq!(store.body(id(0)).unwrap(), None, "bodies go too");

    // A refresh that still lists the dropped articles does not bring them back.
    let new = store.insert_articles(&items).unwrap();
    assert!(new.is_empty(), "{new:?}");
    assert!(store.known_ids().unwrap().contains(&id(0)));
    // Running again changes nothing.
    assert_eq!(
        store
            .apply_retention(FeedId::from_url(FEED_A), &r, now)
            .unwrap(),
        0
    );
}

#[test]
fn age_limit_drops_only_old_read_unstarred() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let now = t(1_000_000);
    let old_read = article_at(FEED_A, 1, days_ago(now, 40));
    let old_unread = article_at(FEED_A, 2, days_ago(now, 40));
    let old_starred = article_at(FEED_A, 3, days_ago(now, 40));
    let new_read = article_at(FEED_A, 4, days_ago(now, 5));
    store
        .insert_articles(&[
            old_read.clone(),
            old_unread.clone(),
            old_starred.clone(),
            new_read.clone(),
        ])
        .unwrap();
    store
        .set_read(
            &[old_read.meta.id, old_starred.meta.id, new_read.meta.id],
            true,
        )
        .unwrap();
    store.set_starred(old_starred.meta.id, true).unwrap();
    let r = Retention {
        max_articles_per_feed: None,
        max_age_days: Some(30),
    };
    assert_eq!(
        store
            .apply_retention(FeedId::from_url(FEED_A), &r, now)
            .unwrap(),
        1
    );
    let left = ids_of(&store, FEED_A);
    assert!(!left.contains(&old_read.meta.id));
    assert_eq!(left.len(), 3);

    // No limits: nothing happens.
    let none = Retention {
        max_articles_per_feed: None,
        max_age_days: None,
    };
    assert_eq!(
        store
            .apply_retention(FeedId::from_url(FEED_A), &none, now)
            .unwrap(),
        0
    );
}

#[test]
fn gc_removes_feeds_not_kept_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let c = "https://c.example.org/rss";
    store.save_feed_state(&feed_state(FEED_A)).unwrap();
    store.save_feed_state(&feed_state(FEED_B)).unwrap();
    store
        .insert_articles(&[article(FEED_A, 1), article(FEED_B, 1), article(FEED_B, 2)])
        .unwrap();
    // Articles of a feed whose state was never saved.
    store
        .insert_articles(&[article(c, 1), article(c, 2), article(c, 3)])
        .unwrap();
    store.set_starred(article(FEED_B, 1).meta.id, true).unwrap();

    let report = store.gc(&[FeedId::from_url(FEED_A)]).unwrap();
    assert_eq!(report.articles, 5);
    let got: Vec<_> = report
        .feeds
        .iter()
        .map(|f| (f.label(), f.articles))
        .collect();
    let mut want = vec![
        (FEED_B.to_string(), 2),
        (FeedId::from_url(c).to_string(), 3),
    ];
    want.sort();
    assert_eq!(got, want);

    let states = store.load_feed_states().unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].url, FEED_A);
    assert_eq!(store.load_articles().unwrap().len(), 1);
    assert_eq!(store.body(article(FEED_B, 2).meta.id).unwrap(), None);
    // Nothing left to collect.
    assert!(store
        .gc(&[FeedId::from_url(FEED_A)])
        .unwrap()
        .feeds
        .is_empty());
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn export_then_import_into_a_fresh_store() {
    let src_dir = tempfile::tempdir().unwrap();
    let src = open_rw(src_dir.path());
    src.save_feed_state(&feed_state(FEED_A)).unwrap();
    src.save_feed_state(&feed_state(FEED_B)).unwrap();
    let a1 = article(FEED_A, 1);
    let a2 = article(FEED_A, 2);
    let mut b1 = article(FEED_B, 1);
    b1.meta.guid = None; // matched by link
    let only_here = article(FEED_B, 9);
    src.insert_articles(&[a1.clone(), a2.clone(), b1.clone(), only_here.clone()])
        .unwrap();
    src.set_read(&[a1.meta.id, b1.meta.id, only_here.meta.id], true)
        .unwrap();
    src.set_starred(a2.meta.id, true).unwrap();

    let export = src.export_state().unwrap();
    assert_eq!(export.items.len(), 4, "only read or starred articles");
    let json = export.to_json();
    let parsed = StateExport::from_json(&json).unwrap();
    assert_eq!(parsed, export);
    assert!(StateExport::from_json("{\"nope\": 1}").is_err());

    let dst_dir = tempfile::tempdir().unwrap();
    let dst = open_rw(dst_dir.path());
    // The other machine has the articles (b1 under a different id: matched by link),
    // but not `only_here`.
    let mut b1_elsewhere = b1.clone();
    b1_elsewhere.meta.id = ArticleId(12345);
    dst.insert_articles(&[a1.clone(), a2.clone(), b1_elsewhere.clone()])
        .unwrap();
    // Import never clears: a flag set here stays.
    dst.set_starred(a1.meta.id, true).unwrap();

    let report = dst.import_state(&parsed).unwrap();
    assert_eq!(report.matched, 3);
    assert_eq!(report.unmatched, 1);
    assert_eq!(report.changed, 3);
    let got = dst.load_articles().unwrap();
    let find = |id| got.iter().find(|a| a.id == id).unwrap();
    assert!(find(a1.meta.id).read && find(a1.meta.id).starred);
    assert!(!find(a2.meta.id).read && find(a2.meta.id).starred);
    assert!(find(b1_elsewhere.meta.id).read);

    // Importing again changes nothing.
    let again = dst.import_state(&parsed).unwrap();
    assert_eq!((again.matched, again.changed), (3, 0));
}
