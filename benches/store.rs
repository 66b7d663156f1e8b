//! Store hot paths: inserting a refresh worth of articles, and the start-up load of the list.
//! Run: `cargo bench --bench store` (`-- --test` runs each once, as CI does).

use std::hint::black_box;
use std::path::Path;

use chrono::DateTime;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use tidings::model::{
    ArticleBody, ArticleId, ArticleMeta, BodyKind, FeedId, FeedState, NewArticle,
};
use tidings::store::{OpenMode, Store};

const FEEDS: usize = 1000;

/// `n` articles spread over `FEEDS` feeds, with 1-4 KB HTML bodies; deterministic.
fn articles(n: usize) -> Vec<NewArticle> {
    let base = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    (0..n)
        .map(|i| {
            let feed_url = format!("https://feeds.example.org/{}/feed.xml", i % FEEDS);
            let guid = format!("https://feeds.example.org/{}/posts/{i}", i % FEEDS);
            let published = base + chrono::Duration::minutes(i as i64 * 7);
            let paragraph = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do \
                             eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>";
            let content = paragraph.repeat(8 + (i * 7919) % 24);
            NewArticle {
                meta: ArticleMeta {
                    id: ArticleId::derive(&feed_url, Some(&guid), None, "", None),
                    feed: FeedId::from_url(&feed_url),
                    guid: Some(guid.clone()),
                    title: format!("Article number {i}: a headline of typical length for a feed"),
                    link: Some(guid),
                    author: (i % 3 != 0).then(|| format!("Author {}", i % 50)),
                    published: Some(published),
                    first_seen: published,
                    read: i % 4 == 0,
                    starred: i % 97 == 0,
                    highlights: if i % 10 == 0 { vec![0, 3] } else { Vec::new() },
                    media: tidings::model::MediaMark::None,
                },
                body: ArticleBody {
                    kind: BodyKind::Html,
                    content,
                },
                updated: None,
                enclosures: Vec::new(),
            }
        })
        .collect()
}

fn filled_store(dir: &Path, n: usize) -> Store {
    let store = Store::open(dir, OpenMode::ReadWrite).unwrap().store;
    for i in 0..FEEDS {
        store
            .save_feed_state(&FeedState::new(&format!(
                "https://feeds.example.org/{i}/feed.xml"
            )))
            .unwrap();
    }
    for chunk in articles(n).chunks(5000) {
        store.insert_articles(chunk).unwrap();
    }
    store
}

fn bench_store(c: &mut Criterion) {
    let items = articles(10_000);
    c.bench_function("store/insert_10k", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let store = Store::open(dir.path(), OpenMode::ReadWrite).unwrap().store;
                black_box(store.insert_articles(&items).unwrap());
                dir
            },
            BatchSize::PerIteration,
        )
    });

    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(dir.path(), 10_000);
    c.bench_function("store/load_10k", |b| {
        b.iter(|| black_box(store.load_articles().unwrap()))
    });
    drop(store);

    let dir = tempfile::tempdir().unwrap();
    drop(filled_store(dir.path(), 100_000));
    let mut group = c.benchmark_group("store/100k");
    group.sample_size(10);
    group.bench_function("open_read_write", |b| {
        b.iter(|| black_box(Store::open(dir.path(), OpenMode::ReadWrite).unwrap()))
    });
    let store = Store::open(dir.path(), OpenMode::ReadWrite).unwrap().store;
    group.bench_function("load_all", |b| {
        b.iter(|| black_box(store.load_articles().unwrap()))
    });
    group.bench_function("list_unread", |b| {
        b.iter(|| black_box(store.list_articles(true, None).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench_store);
criterion_main!(benches);
