//! The query language at 100,000 articles: what a keystroke in the search prompt costs the
//! store (ids of the matching articles), what opening a view costs (its counts and ids), and
//! what the full-text index costs (indexing 10,000 articles; store size with and without).
//! Run: `cargo bench --bench query` (`-- --test` runs each once, as CI does).
//!
//! The text is drawn from a Zipf-distributed vocabulary of 20,000 words (like natural
//! language: a few very common words, a long tail of rare ones), so that index sizes and
//! posting lists look like real feeds', not like a corpus of a few dozen words.

use std::hint::black_box;
use std::path::Path;

use chrono::{DateTime, Duration};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use tidings::model::{
    ArticleBody, ArticleId, ArticleMeta, BodyKind, FeedId, FeedState, NewArticle,
};
use tidings::query::{parse, Context, FeedInfo, Query};
use tidings::store::{Filter, OpenMode, Store, DB_FILE};

const FEEDS: usize = 1000;

/// Articles in the big store: 100,000 under `cargo bench`; a few thousand when `cargo test
/// --all-targets` runs the benchmarks once to check they work (an unoptimised SQLite would
/// take minutes to index 100,000 articles).
fn scale(n: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") {
        n
    } else {
        n / 50
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Words of the corpus and their cumulative Zipf weights. A few real words are placed at
/// chosen ranks so the benchmark queries find something: "rust" is common, "compiler"
/// middling, "kernel" and "source" rarer.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new() -> Vocabulary {
        const SYLLABLES: [&str; 24] = [
            "ka", "ro", "mi", "te", "su", "la", "ne", "po", "di", "gu", "ver", "tion", "al", "ing",
            "er", "str", "on", "an", "is", "ex", "qua", "bel", "dor", "fin",
        ];
        let mut rng = Rng(0x5EED);
        let mut words: Vec<String> = (0..20_000)
            .map(|_| {
                let n = 1 + rng.below(4);
                (0..n)
                    .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                    .collect()
            })
            .collect();
        for (rank, word) in [
            (40, "rust"),
            (300, "compiler"),
            (900, "open"),
            (2500, "source"),
            (3000, "kernel"),
        ] {
            words[rank] = word.to_string();
        }
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|k| {
                total += 1.0 / k as f64;
                total
            })
            .collect::<Vec<_>>();
        let cumulative = cumulative.iter().map(|c| c / total).collect();
        Vocabulary { words, cumulative }
    }

    /// 67 words drawn uniformly, like the `tidings-bench` corpus (the one issue 6's refresh
    /// targets are measured on): few distinct words, so a much smaller index.
    fn small() -> Vocabulary {
        let mut v = Vocabulary::new();
        v.words.truncate(67);
        v.cumulative = (1..=67).map(|k| k as f64 / 67.0).collect();
        v
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let u = rng.next() as f64 / u64::MAX as f64;
        let i = self.cumulative.partition_point(|&c| c < u);
        &self.words[i.min(self.words.len() - 1)]
    }

    fn sentence(&self, rng: &mut Rng, n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.word(rng));
        }
        s
    }
}

fn feed_url(i: usize) -> String {
    format!("https://feeds.example.org/{i}/feed.xml")
}

fn tags(i: usize) -> Vec<String> {
    let mut t = Vec::new();
    if i.is_multiple_of(10) {
        t.push("rust".to_string());
    }
    if i.is_multiple_of(3) {
        t.push("tech".to_string());
    }
    t
}

/// Articles `from..to` of the corpus: 1-4 KB HTML bodies, dates a few minutes apart.
fn articles(vocab: &Vocabulary, from: usize, to: usize) -> Vec<NewArticle> {
    let base = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    (from..to)
        .map(|i| {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
            let url = feed_url(i % FEEDS);
            let guid = format!("{url}#{i}");
            let published = base + Duration::minutes(i as i64 * 7);
            let target = 1024 + rng.below(3072);
            let mut content = String::with_capacity(target + 256);
            while content.len() < target {
                content.push_str("<p>");
                content.push_str(&vocab.sentence(&mut rng, 8));
                content.push_str(" <a href=\"https://example.org/x\">");
                content.push_str(&vocab.sentence(&mut rng, 2));
                content.push_str("</a> <em>");
                content.push_str(vocab.word(&mut rng));
                content.push_str("</em> ");
                content.push_str(&vocab.sentence(&mut rng, 10));
                content.push_str(".</p>\n");
            }
            if i % 50 == 0 {
                content.push_str("<p>Another <b>open</b> source release.</p>\n");
            }
            let title_len = 6 + rng.below(6);
            NewArticle {
                meta: ArticleMeta {
                    id: ArticleId::derive(&url, Some(&guid), None, "", None),
                    feed: FeedId::from_url(&url),
                    guid: Some(guid),
                    title: vocab.sentence(&mut rng, title_len),
                    link: None,
                    author: (i % 3 != 0).then(|| format!("Author {}", i % 50)),
                    published: Some(published),
                    first_seen: published,
                    read: i % 4 != 0,
                    starred: i % 97 == 0,
                    highlights: if i % 10 == 0 { vec![0] } else { Vec::new() },
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

fn context() -> Context {
    Context {
        now: DateTime::from_timestamp(1_700_000_000, 0).unwrap() + Duration::days(500),
        rule_labels: vec!["Security".to_string()],
        feeds: (0..FEEDS)
            .map(|i| FeedInfo {
                id: FeedId::from_url(&feed_url(i)),
                title: format!("Feed number {i}"),
                url: feed_url(i),
                tags: tags(i),
            })
            .collect(),
    }
}

fn filled_store(dir: &Path, vocab: &Vocabulary, n: usize) -> Store {
    let store = Store::open(dir, OpenMode::ReadWrite).unwrap().store;
    for i in 0..FEEDS {
        store
            .save_feed_state(&FeedState::new(&feed_url(i)))
            .unwrap();
    }
    for from in (0..n).step_by(5000) {
        store
            .insert_articles(&articles(vocab, from, (from + 5000).min(n)))
            .unwrap();
    }
    store
}

fn index_all(store: &Store) {
    while store.index_pending(2000).unwrap() > 0 {}
}

fn db_size(dir: &Path) -> u64 {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let pages: u64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64;
    let free: u64 = conn
        .query_row("PRAGMA freelist_count", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64;
    let page: u64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64;
    (pages - free) * page
}

fn bench_query(c: &mut Criterion) {
    let vocab = Vocabulary::new();
    let ctx = context();

    let q = "unread and (tag:rust or hl) -title:\"open source\" age<30d";
    c.bench_function("query/parse", |b| {
        b.iter(|| black_box(parse(black_box(q)).unwrap()))
    });

    // The cost of the index: indexing 10,000 articles (done by the writer when idle, off
    // the refresh's path), next to inserting them (`store/insert_10k` in benches/store.rs).
    let items = articles(&vocab, 0, scale(10_000));
    let mut group = c.benchmark_group("query/fts");
    group.sample_size(10);
    group.bench_function("insert_10k", |b| {
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
    group.bench_function("insert_and_index_10k", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let store = Store::open(dir.path(), OpenMode::ReadWrite).unwrap().store;
                black_box(store.insert_articles(&items).unwrap());
                index_all(&store);
                dir
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    drop(items);

    let dir = tempfile::tempdir().unwrap();
    let total = scale(100_000);
    let store = filled_store(dir.path(), &vocab, total);
    let without = db_size(dir.path());
    let started = std::time::Instant::now();
    index_all(&store);
    let took = started.elapsed();
    let with = db_size(dir.path());
    eprintln!(
        "query/fts/size: {total} articles: {:.1} MB without the index, {:.1} MB with \
         (+{:.1}%); indexing them took {:.1} s",
        without as f64 / 1e6,
        with as f64 / 1e6,
        (with as f64 / without as f64 - 1.0) * 100.0,
        took.as_secs_f64()
    );

    // What a front end holding the list does on a keystroke: word terms from the index
    // (`word_hits`), everything else evaluated in memory over the 100,000 list entries.
    let metas = store.load_articles().unwrap();
    let keystroke = |query: &Query| -> usize {
        let hits = store.word_hits(query).unwrap();
        let prepared = query.prepare(&ctx);
        metas
            .iter()
            .filter(|m| prepared.matches_meta(m, &mut |t| hits.contains(t, m.id)))
            .count()
    };
    let small = tempfile::tempdir().unwrap();
    let small_store = filled_store(small.path(), &Vocabulary::small(), scale(20_000));
    let without = db_size(small.path());
    index_all(&small_store);
    let with = db_size(small.path());
    eprintln!(
        "query/fts/size_small_vocabulary: {:.1} MB without the index, {:.1} MB with (+{:.1}%)",
        without as f64 / 1e6,
        with as f64 / 1e6,
        (with as f64 / without as f64 - 1.0) * 100.0
    );
    drop(small_store);

    let mut group = c.benchmark_group("query/100k_keystroke");
    group.sample_size(10);
    group.bench_function("yardstick_load_all", |b| {
        b.iter(|| black_box(store.load_articles().unwrap()))
    });
    for (name, text) in [
        ("flags", "unread -starred"),
        ("tag_flag", "tag:rust unread"),
        ("view", "unread and (tag:rust or hl)"),
        ("title_word", "title:compiler"),
        ("title_prefix", "title:comp*"),
        ("text_word", "compiler"),
        ("text_common_word", "rust"),
        ("text_phrase", "\"open source\""),
        ("text_and_flags", "compiler unread -starred"),
    ] {
        let q = parse(text).unwrap();
        eprintln!(
            "query/100k_keystroke/{name}: `{text}` finds {}",
            keystroke(&q)
        );
        group.bench_function(name, |b| b.iter(|| black_box(keystroke(&q))));
    }
    group.finish();

    let mut group = c.benchmark_group("query/100k");
    group.sample_size(10);
    let mut ids = |name: &str, query: &str| {
        let q = parse(query).unwrap();
        let filter = Filter {
            query: Some(&q),
            ..Filter::default()
        };
        let found = store.search_ids(&filter, &ctx).unwrap().len();
        eprintln!("query/100k/{name}: `{query}` finds {found}");
        group.bench_function(name, |b| {
            b.iter(|| black_box(store.search_ids(&filter, &ctx).unwrap()))
        });
    };
    // Keystrokes in the search prompt: the ids to filter the list in memory with.
    ids("flag_unread", "unread");
    ids("tag_flag", "tag:rust unread");
    ids("title_word", "title:compiler");
    ids("title_prefix", "title:comp*");
    ids("text_word", "compiler");
    ids("text_rare_word", "kernel");
    ids("text_common_word", "rust");
    ids("text_phrase", "\"open source\"");
    ids("text_and_flags", "compiler unread -starred");
    ids("text_or", "kernel or source or compiler");
    // Opening a view: its counts and its articles.
    let view = parse("unread and (tag:rust or hl)").unwrap();
    let filter = Filter {
        query: Some(&view),
        ..Filter::default()
    };
    group.bench_function("view_count", |b| {
        b.iter(|| black_box(store.count(&filter, &ctx).unwrap()))
    });
    group.bench_function("view_ids", |b| {
        b.iter(|| black_box(store.search_ids(&filter, &ctx).unwrap()))
    });
    let text_view = parse("unread compiler").unwrap();
    let text_filter = Filter {
        query: Some(&text_view),
        ..Filter::default()
    };
    group.bench_function("view_text_count", |b| {
        b.iter(|| black_box(store.count(&text_filter, &ctx).unwrap()))
    });
    // `list --query` reads whole rows (no bodies) and sorts them.
    let list_q = parse("compiler").unwrap();
    let list_filter = Filter {
        query: Some(&list_q),
        ..Filter::default()
    };
    group.bench_function("list_text_word", |b| {
        b.iter(|| black_box(store.search(&list_filter, &ctx).unwrap()))
    });
    group.finish();

    // Right after a refresh, before the writer has indexed the new articles: 1,000 articles
    // are searched by reading their bodies.
    store
        .insert_articles(&articles(&vocab, total, total + scale(1000)))
        .unwrap();
    let mut group = c.benchmark_group("query/100k_plus_1k_unindexed");
    group.sample_size(10);
    let q = parse("compiler").unwrap();
    let filter = Filter {
        query: Some(&q),
        ..Filter::default()
    };
    group.bench_function("text_word", |b| {
        b.iter(|| black_box(store.search_ids(&filter, &ctx).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench_query);
criterion_main!(benches);
