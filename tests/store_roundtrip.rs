//! Everything the store keeps comes back unchanged, across a restart too; refreshes never
//! overwrite read/starred state; listing filters and order.

mod store_support;

use std::path::Path;

use store_support::*;
use tidings::model::{
    ArticleBody, BodyKind, ErrorKind, FeedId, FeedState, FeedWarning, WarningKind,
};
use tidings::store::{OpenMode, Store};

fn open_rw(dir: &Path) -> Store {
    Store::open(dir, OpenMode::ReadWrite).unwrap().store
}

fn full_feed_state() -> FeedState {
    FeedState {
        feed_title: Some("A — feed".into()),
        etag: Some("W/\"123\"".into()),
        last_modified: Some("Tue, 14 Nov 2023 22:13:20 GMT".into()),
        last_success: Some(t(10)),
        last_attempt: Some(t(20)),
        last_error: Some("HTTP 503 Service Unavailable".into()),
        error_kind: Some(ErrorKind::HttpStatus),
        failures: 3,
        next_due: Some(t(3600)),
        due_reason: tidings::model::DueReason::ServerAsked,
        moved_to: Some("https://a.example.org/new.xml".into()),
        discovered: Some("https://a.example.org/discovered.rss".into()),
        warning: Some(Box::new(FeedWarning {
            kind: WarningKind::Partial,
            message: "XML error at line 3, column 14: bad end tag; kept the 2 items before it"
                .into(),
        })),
        ..FeedState::new(FEED_A)
    }
}

#[test]
fn feed_states_round_trip_every_field_and_every_error_kind() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let full = full_feed_state();
    let bare = feed_state(FEED_B);
    store.save_feed_state(&full).unwrap();
    store.save_feed_state(&bare).unwrap();
    drop(store);

    let store = open_rw(dir.path());
    let mut got = store.load_feed_states().unwrap();
    got.sort_by(|a, b| a.url.cmp(&b.url));
    assert_eq!(got, vec![full.clone(), bare]);

    // Updating replaces the row.
    let kinds = [
        ErrorKind::Dns,
        ErrorKind::Connect,
        ErrorKind::Tls,
        ErrorKind::Timeout,
        ErrorKind::HttpStatus,
        ErrorKind::TooLarge,
        ErrorKind::TooManyRedirects,
        ErrorKind::NotAFeed,
        ErrorKind::Parse,
        ErrorKind::Io,
        ErrorKind::Other,
    ];
    for kind in kinds {
        let s = FeedState {
            error_kind: Some(kind),
            ..full.clone()
        };
        store.save_feed_state(&s).unwrap();
        let got = store.load_feed_states().unwrap();
        assert_eq!(got.iter().find(|f| f.id == s.id), Some(&s));
    }
    assert_eq!(store.load_feed_states().unwrap().len(), 2);

    // Both warning kinds, and a warning cleared.
    for warning in [
        Some(Box::new(FeedWarning {
            kind: WarningKind::NotUnderstood,
            message: "root <feed> in namespace urn:x: 3 <entry> elements, 0 understood".into(),
        })),
        None,
    ] {
        let s = FeedState {
            warning,
            ..full.clone()
        };
        store.save_feed_state(&s).unwrap();
        let got = store.load_feed_states().unwrap();
        assert_eq!(got.iter().find(|f| f.id == s.id), Some(&s));
    }
}

#[test]
fn articles_round_trip_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let mut a = article(FEED_A, 1);
    a.meta.read = true;
    a.meta.starred = true;
    a.meta.highlights = vec![0, 3, 65535];
    a.updated = Some(t(99));
    let mut b = article(FEED_B, 2);
    b.meta.guid = None;
    b.meta.link = None;
    b.meta.author = None;
    b.meta.published = None;
    b.body = ArticleBody {
        kind: BodyKind::Text,
        content: "plain\ntext with \u{0} nul and émoji 📰".into(),
    };
    let new = store.insert_articles(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(new, vec![a.meta.id, b.meta.id]);
    store
        .save_full_text(a.meta.id, "<article>full text</article>")
        .unwrap();
    store.meta_set("highlight_fingerprint", "42").unwrap();
    store.meta_set("highlight_fingerprint", "43").unwrap();
    drop(store);

    let store = open_rw(dir.path());
    let got = store.load_articles().unwrap();
    // Newest first: a (published t(60)) is newer than b (first seen t(120))? b's date is first_seen.
    let mut want = vec![a.meta.clone(), b.meta.clone()];
    want.sort_by_key(|m| std::cmp::Reverse(m.date()));
    assert_eq!(got, want);
    assert_eq!(store.body(a.meta.id).unwrap(), Some(a.body.clone()));
    assert_eq!(store.body(b.meta.id).unwrap(), Some(b.body.clone()));
    assert_eq!(
        store.full_text(a.meta.id).unwrap().as_deref(),
        Some("<article>full text</article>")
    );
    assert_eq!(store.full_text(b.meta.id).unwrap(), None);
    assert_eq!(
        store.meta_get("highlight_fingerprint").unwrap().as_deref(),
        Some("43")
    );
    assert_eq!(store.meta_get("missing").unwrap(), None);
    let unknown = article(FEED_A, 999).meta.id;
    assert_eq!(store.body(unknown).unwrap(), None);
    store.save_full_text(unknown, "<p>x</p>").unwrap();
    assert_eq!(
        store.full_text(unknown).unwrap(),
        None,
        "no body for an unknown article"
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn restart_keeps_read_starred_and_highlights() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<_> = (0..20).map(|n| article(FEED_A, n)).collect();
    let ids: Vec<_> = items.iter().map(|a| a.meta.id).collect();
    {
        let store = open_rw(dir.path());
        store.insert_articles(&items).unwrap();
        store.set_read(&ids[..5], true).unwrap();
        store.set_read(&ids[2..3], false).unwrap();
        store.set_starred(ids[7], true).unwrap();
        store
            .set_highlights(&[(ids[9], vec![1, 2]), (ids[10], vec![4])])
            .unwrap();
        store.set_highlights(&[(ids[10], vec![])]).unwrap();
    }
    let store = open_rw(dir.path());
    let got = store.load_articles().unwrap();
    let by_id = |id| got.iter().find(|a| a.id == id).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let a = by_id(*id);
        assert_eq!(a.read, i < 5 && i != 2, "read of {i}");
        assert_eq!(a.starred, i == 7, "starred of {i}");
    }
    assert_eq!(by_id(ids[9]).highlights, vec![1, 2]);
    assert!(by_id(ids[10]).highlights.is_empty());
}

#[test]
fn a_refresh_never_overwrites_stored_articles() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let a = article(FEED_A, 1);
    store.insert_articles(std::slice::from_ref(&a)).unwrap();
    store.set_read(&[a.meta.id], true).unwrap();
    store.set_starred(a.meta.id, true).unwrap();

    let mut again = a.clone();
    again.meta.title = "Changed title".into();
    again.body.content = "changed".into();
    let new = store.insert_articles(&[again, article(FEED_A, 2)]).unwrap();
    assert_eq!(new, vec![article(FEED_A, 2).meta.id]);
    let got = store.load_articles().unwrap();
    let stored = got.iter().find(|m| m.id == a.meta.id).unwrap();
    assert!(stored.read && stored.starred);
    assert_eq!(stored.title, a.meta.title);
    assert_eq!(store.body(a.meta.id).unwrap(), Some(a.body));
    assert_eq!(store.known_ids().unwrap().len(), 2);
}

/// The articles table is kept in arrival order, not by id (a hash): a refresh that brings a
/// few articles to each of many feeds then appends to the table instead of rewriting pages
/// all over it in every commit (schema version 8).
#[test]
fn articles_are_stored_in_arrival_order_whatever_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let first: Vec<_> = (1..=6).map(|n| article(FEED_A, n)).collect();
    let second: Vec<_> = (1..=6).map(|n| article(FEED_B, n)).collect();
    store.insert_articles(&first).unwrap();
    store.insert_articles(&second).unwrap();
    // Again, as a refresh does: nothing moves.
    store.insert_articles(&first).unwrap();
    let arrival: Vec<i64> = first
        .iter()
        .chain(&second)
        .map(|a| a.meta.id.as_i64())
        .collect();
    let mut by_id = arrival.clone();
    by_id.sort_unstable();
    assert_ne!(arrival, by_id, "the fixture's ids must not arrive sorted");
    drop(store);

    let conn = rusqlite::Connection::open(dir.path().join(tidings::store::DB_FILE)).unwrap();
    let mut stmt = conn
        .prepare("SELECT id FROM articles ORDER BY rowid")
        .unwrap();
    let stored: Vec<i64> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored, arrival);
    // Ids stay unique without being the key.
    let err = conn
        .execute(
            "INSERT INTO articles (id, feed_id, title, first_seen) VALUES (?1, 1, 't', 0)",
            [arrival[3]],
        )
        .unwrap_err();
    assert!(err.to_string().contains("UNIQUE"), "{err}");
}

#[test]
fn list_filters_by_unread_and_feed_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let mut items: Vec<_> = (0..6).map(|n| article(FEED_A, n)).collect();
    items.extend((10..14).map(|n| article(FEED_B, n)));
    store.insert_articles(&items).unwrap();
    store
        .set_read(&[items[0].meta.id, items[7].meta.id], true)
        .unwrap();

    let all = store.list_articles(false, None).unwrap();
    assert_eq!(all.len(), 10);
    assert!(
        all.windows(2).all(|w| w[0].date() >= w[1].date()),
        "newest first"
    );
    assert_eq!(all, store.load_articles().unwrap());

    let unread = store.list_articles(true, None).unwrap();
    assert_eq!(unread.len(), 8);
    assert!(unread.iter().all(|a| !a.read));

    let a_id = FeedId::from_url(FEED_A);
    let b_id = FeedId::from_url(FEED_B);
    let only_b = store.list_articles(true, Some(&[b_id])).unwrap();
    assert_eq!(only_b.len(), 3);
    assert!(only_b.iter().all(|m| m.feed == b_id));
    assert_eq!(
        store
            .list_articles(false, Some(&[a_id, b_id]))
            .unwrap()
            .len(),
        10
    );
    assert!(store.list_articles(false, Some(&[])).unwrap().is_empty());

    // A long feed list (filtered in memory) gives the same answer.
    let mut many: Vec<FeedId> = (0..1000)
        .map(|i| FeedId::from_url(&format!("x{i}")))
        .collect();
    many.push(b_id);
    assert_eq!(store.list_articles(true, Some(&many)).unwrap(), only_b);
}
