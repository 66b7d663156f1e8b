//! Searching the store: the full-text index (built for migrated stores, filled by the writer
//! when idle, kept in step with deletions), query terms evaluated in SQL, counts, and kill
//! rules applied to stored articles.

mod store_support;

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use store_support::*;
use tidings::model::{ArticleBody, ArticleId, BodyKind, FeedId, NewArticle};
use tidings::query::{parse, Context, FeedInfo, IgnoreAction, IgnoreRule};
use tidings::store::{Filter, OpenMode, Store, WriteOp, Writer, DB_FILE};

fn open(dir: &Path) -> Store {
    Store::open(dir, OpenMode::ReadWrite).unwrap().store
}

fn now() -> DateTime<Utc> {
    t(100_000)
}

fn ctx() -> Context {
    Context {
        now: now(),
        rule_labels: vec!["Security".into(), "Rust & RISC-V".into()],
        feeds: vec![
            FeedInfo {
                id: FeedId::from_url(FEED_A),
                title: "Alpha News".into(),
                url: FEED_A.into(),
                tags: vec!["tech".into(), "Rust".into()],
            },
            FeedInfo {
                id: FeedId::from_url(FEED_B),
                title: "Beta Weekly".into(),
                url: FEED_B.into(),
                tags: vec!["local".into()],
            },
        ],
    }
}

fn html(feed: &str, n: u32, title: &str, body: &str) -> NewArticle {
    let mut a = article(feed, n);
    a.meta.title = title.into();
    a.body = ArticleBody {
        kind: BodyKind::Html,
        content: body.into(),
    };
    a
}

/// The ids (as article numbers) a query finds.
fn find(store: &Store, query: &str) -> Vec<u32> {
    let q = parse(query).unwrap();
    let filter = Filter {
        query: Some(&q),
        ..Filter::default()
    };
    let ids: HashSet<ArticleId> = store
        .search_ids(&filter, &ctx())
        .unwrap()
        .into_iter()
        .collect();
    let metas = store.search(&filter, &ctx()).unwrap();
    assert_eq!(
        metas.len(),
        ids.len(),
        "{query}: search and search_ids differ"
    );
    let mut found: Vec<u32> = metas
        .iter()
        .map(|m| {
            assert!(ids.contains(&m.id));
            m.guid
                .as_deref()
                .unwrap()
                .rsplit('-')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    found.sort_unstable();
    found
}

fn sample(store: &Store) {
    let mut items = vec![
        html(
            FEED_A,
            1,
            "Rust 1.90 released",
            "<p>The <b>Rust</b> compiler got faster.</p>",
        ),
        html(
            FEED_A,
            2,
            "Open source in Zürich",
            "<p>ZÜRICH meets <em>open</em> source.</p>",
        ),
        html(
            FEED_A,
            3,
            "Kernel notes",
            "<p>rust-lang and C++ and snake_case</p>",
        ),
        html(
            FEED_B,
            4,
            "Café culture",
            "<p>caf&eacute; and <a href=\"x\">link</a>text</p>",
        ),
        html(
            FEED_B,
            5,
            "Sponsored: buy now",
            "<p>Security advisory inside</p><script>rust</script>",
        ),
    ];
    items[0].meta.author = Some("Ann Author".into());
    items[1].meta.read = true;
    items[2].meta.starred = true;
    items[3].meta.highlights = vec![0];
    items[4].meta.highlights = vec![0, 1];
    items[4].meta.published = Some(now() - chrono::Duration::days(30));
    store.insert_articles(&items).unwrap();
}

fn check_sample_queries(store: &Store) {
    assert_eq!(find(store, "rust"), [1, 3]);
    assert_eq!(find(store, "RUST compiler"), [1]);
    assert_eq!(find(store, "\"rust compiler\""), [1]);
    assert_eq!(find(store, "\"compiler rust\""), Vec::<u32>::new());
    assert_eq!(find(store, "title:rust"), [1]);
    assert_eq!(find(store, "text:rust"), [1, 3]);
    assert_eq!(find(store, "comp*"), [1]);
    assert_eq!(find(store, "zürich"), [2]);
    assert_eq!(find(store, "zurich"), Vec::<u32>::new());
    assert_eq!(find(store, "rust-lang"), [3]);
    assert_eq!(find(store, "snake"), Vec::<u32>::new());
    assert_eq!(find(store, "snake_case"), [3]);
    assert_eq!(find(store, "café"), [4]);
    assert_eq!(find(store, "linktext"), [4]);
    assert_eq!(find(store, "author:ann"), [1]);
    assert_eq!(find(store, "unread -rust"), [4, 5]);
    assert_eq!(find(store, "rust or café"), [1, 3, 4]);
    assert_eq!(find(store, "rust or unread"), [1, 3, 4, 5]);
    assert_eq!(find(store, "-rust or starred"), [2, 3, 4, 5]);
    assert_eq!(find(store, "not (rust or open)"), [4, 5]);
    assert_eq!(find(store, "starred"), [3]);
    assert_eq!(find(store, "read"), [2]);
    assert_eq!(find(store, "feed:alpha"), [1, 2, 3]);
    assert_eq!(find(store, "feed:b.example"), [4, 5]);
    assert_eq!(find(store, "tag:rust"), [1, 2, 3]);
    assert_eq!(find(store, "tag:nope"), Vec::<u32>::new());
    assert_eq!(find(store, "hl"), [4, 5]);
    assert_eq!(find(store, "hl:\"rust & risc-v\""), [5]);
    assert_eq!(find(store, "hl:unknown"), Vec::<u32>::new());
    assert_eq!(find(store, "age>7d"), [5]);
    assert_eq!(find(store, "age<7d tag:local"), [4]);
    assert_eq!(find(store, "security"), [5]);
}

#[test]
fn terms_select_the_right_articles_before_and_after_indexing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    sample(&store);
    // Not indexed yet: the bodies are read directly.
    assert_eq!(store.index_backlog().unwrap(), 5);
    check_sample_queries(&store);
    assert_eq!(store.index_pending(3).unwrap(), 3);
    check_sample_queries(&store);
    while store.index_pending(100).unwrap() > 0 {}
    assert_eq!(store.index_backlog().unwrap(), 0);
    check_sample_queries(&store);
}

#[test]
fn counts_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    sample(&store);
    let q = parse("feed:alpha").unwrap();
    let counts = store
        .count(
            &Filter {
                query: Some(&q),
                ..Filter::default()
            },
            &ctx(),
        )
        .unwrap();
    assert_eq!((counts.total, counts.unread), (3, 2));
    let starred = store
        .search(
            &Filter {
                query: Some(&q),
                starred: true,
                ..Filter::default()
            },
            &ctx(),
        )
        .unwrap();
    assert_eq!(starred.len(), 1);
}

#[test]
fn migrated_v1_store_finds_its_articles_by_text() {
    let dir = tempfile::tempdir().unwrap();
    let sql = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/store_fixtures/v1.sql"),
    )
    .unwrap();
    Connection::open(dir.path().join(DB_FILE))
        .unwrap()
        .execute_batch(&sql)
        .unwrap();
    let store = open(dir.path());
    let ids = |query: &str| -> Vec<i64> {
        let q = parse(query).unwrap();
        let mut v: Vec<i64> = store
            .search_ids(
                &Filter {
                    query: Some(&q),
                    ..Filter::default()
                },
                &Context::default(),
            )
            .unwrap()
            .into_iter()
            .map(ArticleId::as_i64)
            .collect();
        v.sort_unstable();
        v
    };
    for indexed in [false, true] {
        assert_eq!(ids("one"), [-42], "indexed: {indexed}");
        assert_eq!(ids("two"), [7], "indexed: {indexed}");
        assert_eq!(ids("title:unread"), [7], "indexed: {indexed}");
        assert_eq!(ids("starred or two"), [-42, 7], "indexed: {indexed}");
        while store.index_pending(1).unwrap() > 0 {}
    }
    assert_eq!(store.index_backlog().unwrap(), 0);
}

fn index_rows(dir: &Path) -> i64 {
    Connection::open(dir.join(DB_FILE))
        .unwrap()
        .query_row("SELECT count(*) FROM articles_fts_docsize", [], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn deleting_articles_removes_them_from_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    sample(&store);
    store
        .insert_articles(&[html(
            "https://c.example.org/feed",
            6,
            "Gone soon",
            "<p>gc</p>",
        )])
        .unwrap();
    while store.index_pending(100).unwrap() > 0 {}
    assert_eq!(index_rows(dir.path()), 6);
    // A drop (kill rule), gc of an unconfigured feed, and a rename that merges.
    let id5 = article(FEED_B, 5).meta.id;
    assert_eq!(
        store
            .drop_articles(FeedId::from_url(FEED_B), &[id5])
            .unwrap(),
        1
    );
    assert!(store.known_ids().unwrap().contains(&id5));
    store
        .gc(&[FeedId::from_url(FEED_A), FeedId::from_url(FEED_B)])
        .unwrap();
    assert_eq!(index_rows(dir.path()), 4);
    assert_eq!(find(&store, "security"), Vec::<u32>::new());
    // A starred article is never dropped.
    let id3 = article(FEED_A, 3).meta.id;
    assert_eq!(
        store
            .drop_articles(FeedId::from_url(FEED_A), &[id3])
            .unwrap(),
        0
    );
    assert_eq!(find(&store, "snake_case"), [3]);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn the_writer_indexes_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let writer = Writer::spawn(&store).unwrap();
    writer.send(WriteOp::InsertArticles(vec![html(
        FEED_A,
        1,
        "Idle",
        "<p>words</p>",
    )]));
    writer.try_flush().unwrap();
    let start = Instant::now();
    while store.index_backlog().unwrap() > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the writer never indexed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(find(&store, "words"), [1]);
    writer.send(WriteOp::SetHidden(vec![article(FEED_A, 1).meta.id], true));
    writer.try_flush().unwrap();
    assert_eq!(find(&store, "words"), Vec::<u32>::new());
    assert!(store.load_articles().unwrap().is_empty());
}

// ---- kill rules ----

fn rule(query: &str, action: IgnoreAction) -> IgnoreRule {
    IgnoreRule {
        query: parse(query).unwrap(),
        action,
    }
}

fn hidden(store: &Store) -> Vec<u32> {
    let mut v: Vec<u32> = store
        .search(
            &Filter {
                hidden: true,
                ..Filter::default()
            },
            &ctx(),
        )
        .unwrap()
        .iter()
        .map(|m| {
            m.guid
                .as_deref()
                .unwrap()
                .rsplit('-')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn hide_rules_hide_and_give_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    sample(&store);
    let rules = vec![
        rule("title:sponsored", IgnoreAction::Hide),
        rule("rust", IgnoreAction::Hide),
    ];
    let report = store.apply_ignore_rules(&rules, &ctx()).unwrap().unwrap();
    // 3 is starred: never hidden.
    assert_eq!(hidden(&store), [1, 5]);
    let caught: Vec<usize> = report.rules.iter().map(|r| r.caught).collect();
    assert_eq!(caught, [1, 1]);
    assert_eq!(find(&store, "rust"), [3]);
    assert_eq!(store.load_articles().unwrap().len(), 3);
    // Unchanged rules: nothing to do.
    assert_eq!(store.apply_ignore_rules(&rules, &ctx()).unwrap(), None);
    // A rule goes: its articles come back.
    let report = store
        .apply_ignore_rules(&rules[..1], &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(report.unhidden, 1);
    assert_eq!(hidden(&store), [5]);
    let report = store.apply_ignore_rules(&[], &ctx()).unwrap().unwrap();
    assert_eq!(report.unhidden, 1);
    assert!(hidden(&store).is_empty());
}

#[test]
fn read_rules_apply_once_and_drop_rules_spare_starred() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    sample(&store);
    let rules = vec![
        rule("feed:beta", IgnoreAction::Read),
        rule("kernel or security", IgnoreAction::Drop),
    ];
    let report = store.apply_ignore_rules(&rules, &ctx()).unwrap().unwrap();
    let caught: Vec<(IgnoreAction, usize)> =
        report.rules.iter().map(|r| (r.action, r.caught)).collect();
    // 5 is dropped (drop is stronger than read); 3 (kernel) is starred and stays.
    assert_eq!(caught, [(IgnoreAction::Read, 1), (IgnoreAction::Drop, 1)]);
    let id5 = article(FEED_B, 5).meta.id;
    assert!(store.body(id5).unwrap().is_none());
    assert!(store.known_ids().unwrap().contains(&id5));
    assert_eq!(find(&store, "kernel"), [3]);
    assert_eq!(find(&store, "feed:beta unread"), Vec::<u32>::new());
    // The user marks one unread again: the unchanged rule does not undo that.
    let id4 = article(FEED_B, 4).meta.id;
    store.set_read(&[id4], false).unwrap();
    assert_eq!(store.apply_ignore_rules(&rules, &ctx()).unwrap(), None);
    assert_eq!(find(&store, "feed:beta unread"), [4]);
    // A dropped article is not stored again by a refresh.
    assert!(store
        .insert_articles(&[article(FEED_B, 5)])
        .unwrap()
        .is_empty());
}

#[test]
fn indexing_with_a_time_budget() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let items: Vec<NewArticle> = (0..450)
        .map(|n| html(FEED_A, n, "Budget", "<p>indexed words</p>"))
        .collect();
    store.insert_articles(&items).unwrap();
    // A zero budget still indexes one batch: progress is always made.
    assert_eq!(store.index_for(Duration::ZERO).unwrap(), 200);
    assert_eq!(store.index_backlog().unwrap(), 250);
    assert_eq!(store.index_for(Duration::MAX).unwrap(), 250);
    assert_eq!(store.index_backlog().unwrap(), 0);
    assert_eq!(find(&store, "indexed").len(), 450);
}
