//! UI latency: one keypress through `update` plus a full `view` of a 100,000-article list into
//! a `TestBackend` (what a user waits for between pressing `j` and seeing the result).
//! Triage at 100,000 articles: a keystroke in the search prompt to the redrawn list (flag and
//! tag queries evaluated in memory; full-text ones with the store's word hits, on a real
//! store), opening a saved view, and a read toggle with ten views counting.
//! Run: `cargo bench --bench ui` (`-- --test` runs each once, as CI does, at a smaller scale
//! for the full-text store).

use std::hint::black_box;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tidings::clean::Cleaner;
use tidings::config::{Config, FeedConfig, FeedLocation, View};
use tidings::engine::{Event, PollStatus};
use tidings::highlight::Highlighter;
use tidings::model::{
    ArticleBody, ArticleId, ArticleMeta, BodyKind, FeedId, FeedState, NewArticle,
};
use tidings::query::{parse, Expr, Query};
use tidings::store::{OpenMode, Store};
use tidings::ui::views::{WordAnswer, WordJob};
use tidings::ui::{update, view, AppState, Effect, Keymap, Msg};

const FEEDS: usize = 100;
const ARTICLES: usize = 100_000;

fn state() -> AppState {
    let urls: Vec<String> = (0..FEEDS)
        .map(|i| format!("https://feed{i}.example/rss"))
        .collect();
    let config = Config {
        feeds: urls
            .iter()
            .map(|u| FeedConfig {
                url: u.clone(),
                location: FeedLocation::Http(u.clone()),
                title: None,
                tags: Vec::new(),
                refresh_interval: None,
                full_text: false,
                synced: false,
            })
            .collect(),
        ..Config::default()
    };
    let now = Utc.with_ymd_and_hms(2024, 11, 27, 18, 0, 0).unwrap();
    let articles: Vec<ArticleMeta> = (0..ARTICLES)
        .map(|n| {
            let url = &urls[n % FEEDS];
            let title = format!("Article number {n} with a reasonably long headline to truncate");
            ArticleMeta {
                id: ArticleId::derive(url, Some(&n.to_string()), None, &title, None),
                feed: FeedId::from_url(url),
                guid: Some(n.to_string()),
                title,
                link: Some(format!("https://example.org/{n}")),
                author: None,
                published: Some(now - Duration::minutes(n as i64)),
                first_seen: now,
                read: n % 3 == 0,
                starred: false,
                highlights: Vec::new(),
                media: tidings::model::MediaMark::None,
            }
        })
        .collect();
    let highlighter = Arc::new(Highlighter::new(&config.highlight).unwrap());
    let mut s = AppState::new(
        Arc::new(config),
        highlighter,
        Arc::new(Cleaner::default()),
        Keymap::default(),
        Vec::new(),
        articles,
    );
    s.now = now;
    update(&mut s, Msg::Resize(120, 40));
    s
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn keypress(c: &mut Criterion) {
    let mut s = state();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    // Somewhere in the middle of the list.
    for _ in 0..500 {
        update(&mut s, key('j'));
    }
    let mut down = true;
    c.bench_function("keypress j + render, 100k articles", |b| {
        b.iter(|| {
            black_box(update(&mut s, key(if down { 'j' } else { 'k' })));
            down = !down;
            terminal.draw(|f| view(&s, f)).unwrap();
        })
    });

    // The two halves separately: drawing alone, and update alone.
    c.bench_function("render only, 100k articles", |b| {
        b.iter(|| {
            terminal.draw(|f| view(&s, f)).unwrap();
        })
    });
    c.bench_function("update only (j/k), 100k articles", |b| {
        b.iter(|| {
            black_box(update(&mut s, key(if down { 'j' } else { 'k' })));
            down = !down;
        })
    });

    // Moving in the feeds pane rebuilds the article list (1,000 of the 100,000 per feed).
    let mut s = state();
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    let mut down = true;
    c.bench_function("feed switch + render, 100k articles", |b| {
        b.iter(|| {
            black_box(update(&mut s, key(if down { 'j' } else { 'k' })));
            down = !down;
            terminal.draw(|f| view(&s, f)).unwrap();
        })
    });
}

// ---------------------------------------------------------------- engine events at scale

const BIG_FEEDS: usize = 10_000;
const BIG_ARTICLES: usize = 100_000;

fn big_urls() -> Vec<String> {
    (0..BIG_FEEDS)
        .map(|i| format!("https://feed{i}.example/rss"))
        .collect()
}

fn meta(url: &str, n: usize, now: chrono::DateTime<Utc>) -> ArticleMeta {
    let title = format!("Article number {n} with a reasonably long headline to truncate");
    ArticleMeta {
        id: ArticleId::derive(url, Some(&n.to_string()), None, &title, None),
        feed: FeedId::from_url(url),
        guid: Some(n.to_string()),
        title,
        link: Some(format!("https://example.org/{n}")),
        author: None,
        published: Some(now - Duration::minutes((n % 50_000) as i64)),
        first_seen: now,
        read: n.is_multiple_of(3),
        starred: false,
        highlights: Vec::new(),
        media: tidings::model::MediaMark::None,
    }
}

/// 10,000 feeds, 100,000 articles (10 per feed), at 160x50.
fn big_state(urls: &[String]) -> AppState {
    let config = Config {
        feeds: urls
            .iter()
            .map(|u| FeedConfig {
                url: u.clone(),
                location: FeedLocation::Http(u.clone()),
                title: None,
                tags: Vec::new(),
                refresh_interval: None,
                full_text: false,
                synced: false,
            })
            .collect(),
        ..Config::default()
    };
    let now = Utc.with_ymd_and_hms(2024, 11, 27, 18, 0, 0).unwrap();
    let articles: Vec<ArticleMeta> = (0..BIG_ARTICLES)
        .map(|n| meta(&urls[n % BIG_FEEDS], n, now))
        .collect();
    let highlighter = Arc::new(Highlighter::new(&config.highlight).unwrap());
    let mut s = AppState::new(
        Arc::new(config),
        highlighter,
        Arc::new(Cleaner::default()),
        Keymap::default(),
        Vec::new(),
        articles,
    );
    s.now = now;
    update(&mut s, Msg::Resize(160, 50));
    s
}

fn feed_state(url: &str) -> FeedState {
    let mut st = FeedState::new(url);
    st.feed_title = Some(format!("Title of {url}"));
    st.etag = Some("\"abc\"".into());
    st
}

/// What the UI thread pays per engine event during a refresh of 10,000 feeds over a store of
/// 100,000 articles: a 304 (new state, no article) and a feed with 10 new articles.
fn engine_events(c: &mut Criterion) {
    let urls = big_urls();
    let states: Vec<FeedState> = urls.iter().map(|u| feed_state(u)).collect();
    let mut g = c.benchmark_group("engine events, 10k feeds / 100k articles");
    g.sample_size(10);
    let mut s = big_state(&urls);
    let mut i = 0;
    g.bench_function("FeedUpdated, 304 (no new articles)", |b| {
        b.iter(|| {
            i = (i + 1) % BIG_FEEDS;
            black_box(update(
                &mut s,
                Msg::Engine(Event::FeedUpdated {
                    state: states[i].clone(),
                    new_articles: Vec::new(),
                    status: PollStatus::NotModified,
                    took: std::time::Duration::ZERO,
                }),
            ));
        })
    });
    let now = Utc.with_ymd_and_hms(2024, 11, 27, 18, 0, 0).unwrap();
    let mut n = BIG_ARTICLES;
    // `feeds` polls with `per_feed` new articles each, as one message. The state is rebuilt
    // (untimed) before it grows past 110,000 articles, so every figure is at 100k-110k.
    let mut polls = |b: &mut criterion::Bencher, feeds: usize, per_feed: usize| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                if s.articles.len() + feeds * per_feed > BIG_ARTICLES + 10_000 {
                    s = big_state(&urls);
                }
                let events: Vec<Event> = (0..feeds)
                    .map(|_| {
                        i = (i + 1) % BIG_FEEDS;
                        let new: Vec<ArticleMeta> =
                            (0..per_feed).map(|k| meta(&urls[i], n + k, now)).collect();
                        n += per_feed;
                        Event::FeedUpdated {
                            state: states[i].clone(),
                            new_articles: new,
                            status: PollStatus::Modified { bytes: 0 },
                            took: std::time::Duration::ZERO,
                        }
                    })
                    .collect();
                let msg = if feeds == 1 {
                    Msg::Engine(events.into_iter().next().expect("one event"))
                } else {
                    Msg::Events(events)
                };
                let started = std::time::Instant::now();
                black_box(update(&mut s, msg));
                total += started.elapsed();
            }
            total
        })
    };
    g.bench_function("FeedUpdated, 10 new articles", |b| polls(b, 1, 10));
    // The run loop applies events in batches of 16 and merges the lists once per batch.
    g.bench_function("Events batch: 16 feeds x 10 new articles", |b| {
        polls(b, 16, 10)
    });
    // What a key waits for at most besides its own update: one frame at 160x50.
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    g.bench_function("render 160x50", |b| {
        b.iter(|| {
            terminal.draw(|f| view(&s, f)).unwrap();
        })
    });
    g.finish();
}

// ---------------------------------------------------------------- triage

/// Articles in the full-text store: 100,000 under `cargo bench`, fewer when `cargo test
/// --all-targets` runs the benchmarks once (an unoptimised SQLite indexes slowly).
fn scale(n: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") {
        n
    } else {
        n / 50
    }
}

fn ctrl_key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Ten views over the 100 feeds (tagged by tens): flags, tags, highlights, a feed.
fn triage_config(urls: &[String]) -> Config {
    let views = [
        ("Unread", "unread"),
        ("Rust", "unread and (tag:rust or hl)"),
        ("Tech", "tag:tech -read"),
        ("Starred", "starred"),
        ("Old", "unread age>30d"),
        ("Feed 7", "feed:feed7."),
        ("Odd", "tag:odd and unread"),
        ("Read tech", "read tag:tech"),
        ("Not rust", "-tag:rust unread"),
        ("Both", "tag:rust and tag:tech"),
    ];
    Config {
        feeds: urls
            .iter()
            .enumerate()
            .map(|(i, u)| FeedConfig {
                url: u.clone(),
                location: FeedLocation::Http(u.clone()),
                title: None,
                tags: [
                    (i % 10 == 0).then_some("rust"),
                    (i % 3 == 0).then_some("tech"),
                    (i % 2 == 1).then_some("odd"),
                ]
                .into_iter()
                .flatten()
                .map(str::to_string)
                .collect(),
                refresh_interval: None,
                full_text: false,
                synced: false,
            })
            .collect(),
        views: views
            .iter()
            .map(|(name, q)| View {
                name: name.to_string(),
                query: parse(q).unwrap(),
            })
            .collect(),
        ..Config::default()
    }
}

fn triage_state(articles: Vec<ArticleMeta>, urls: &[String]) -> AppState {
    let config = triage_config(urls);
    let highlighter = Arc::new(Highlighter::new(&config.highlight).unwrap());
    let mut s = AppState::new(
        Arc::new(config),
        highlighter,
        Arc::new(Cleaner::default()),
        Keymap::default(),
        Vec::new(),
        articles,
    );
    s.now = Utc.with_ymd_and_hms(2024, 11, 27, 18, 0, 0).unwrap();
    update(&mut s, Msg::Resize(120, 40));
    s
}

/// What the run loop does after a key: answers (or looks up, in `store`) the search the
/// key asked for.
fn answer_searches(s: &mut AppState, fx: Vec<Effect>, store: Option<&Store>) {
    for effect in fx {
        let Effect::Words(WordJob::Search { seq, terms }) = effect else {
            continue;
        };
        let hits = match (terms.is_empty(), store) {
            (true, _) | (false, None) => Vec::new(),
            (false, Some(store)) => {
                let mut all: Vec<Expr> = terms.into_iter().map(Expr::Term).collect();
                let root = if all.len() == 1 {
                    all.pop().unwrap()
                } else {
                    Expr::Or(all)
                };
                store.word_hits(&Query { root }).unwrap().into_terms()
            }
        };
        update(s, Msg::Words(WordAnswer::Search { seq, hits }));
    }
}

fn type_text(s: &mut AppState, text: &str, store: Option<&Store>) {
    for c in text.chars() {
        let fx = update(s, key(c));
        answer_searches(s, fx, store);
    }
}

/// Bodies of the full-text store: a few sentences of a small vocabulary; "compiler" in
/// one article of 40, "kernel" in one of 300.
fn body(n: usize) -> String {
    const WORDS: [&str; 16] = [
        "release", "notes", "today", "team", "version", "fixes", "memory", "network", "build",
        "faster", "users", "report", "update", "design", "review", "tests",
    ];
    let mut text = String::from("<p>");
    let mut x = n as u64 * 0x9E37_79B9 + 1;
    for _ in 0..120 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        text.push_str(WORDS[(x % 16) as usize]);
        text.push(' ');
    }
    if n.is_multiple_of(40) {
        text.push_str("compiler ");
    }
    if n.is_multiple_of(300) {
        text.push_str("kernel ");
    }
    text.push_str("</p>");
    text
}

fn full_text_store(dir: &std::path::Path, urls: &[String], n: usize) -> Store {
    let store = Store::open(dir, OpenMode::ReadWrite).unwrap().store;
    let now = Utc.with_ymd_and_hms(2024, 11, 27, 18, 0, 0).unwrap();
    for from in (0..n).step_by(5000) {
        let items: Vec<NewArticle> = (from..(from + 5000).min(n))
            .map(|i| {
                let url = &urls[i % FEEDS];
                let mut m = meta(url, i, now);
                m.highlights = if i % 10 == 0 { vec![0] } else { Vec::new() };
                NewArticle {
                    meta: m,
                    body: ArticleBody {
                        kind: BodyKind::Html,
                        content: body(i),
                    },
                    updated: None,
                    enclosures: Vec::new(),
                }
            })
            .collect();
        store.insert_articles(&items).unwrap();
    }
    while store.index_pending(5000).unwrap() > 0 {}
    store
}

fn triage(c: &mut Criterion) {
    let urls: Vec<String> = (0..FEEDS)
        .map(|i| format!("https://feed{i}.example/rss"))
        .collect();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut g = c.benchmark_group("triage, 100k articles");
    g.sample_size(20);

    // In memory: a flag and tag query, one key typed and taken back, each evaluated.
    let articles: Vec<ArticleMeta> = state().articles;
    let mut s = triage_state(articles.clone(), &urls);
    update(&mut s, key('/'));
    type_text(&mut s, "unread tag:rust", None);
    eprintln!(
        "triage: `unread tag:rust` lists {} of {}",
        s.list.len(),
        s.articles.len()
    );
    let mut add = true;
    g.bench_function("search keystroke, flags and tag, + render", |b| {
        b.iter(|| {
            let fx = if add {
                update(&mut s, key(' '))
            } else {
                update(&mut s, ctrl_key(KeyCode::Backspace))
            };
            add = !add;
            answer_searches(&mut s, fx, None);
            terminal.draw(|f| view(&s, f)).unwrap();
        })
    });

    // Opening a view from the feeds pane: moving between two view rows.
    let mut s = triage_state(articles.clone(), &urls);
    update(&mut s, ctrl_key(KeyCode::Esc));
    update(&mut s, key('j'));
    let mut down = true;
    g.bench_function("open a view (feeds pane j/k) + render", |b| {
        b.iter(|| {
            black_box(update(&mut s, key(if down { 'j' } else { 'k' })));
            down = !down;
            terminal.draw(|f| view(&s, f)).unwrap();
        })
    });

    // A read toggle costs one evaluation per view, whatever the store holds.
    let mut s = triage_state(articles, &urls);
    g.bench_function("toggle read with 10 views counting", |b| {
        b.iter(|| black_box(update(&mut s, key('m'))))
    });
    g.finish();

    // Full text: the word looked up in a real store's index, the rest in memory.
    let dir = tempfile::tempdir().unwrap();
    let total = scale(100_000);
    let store = full_text_store(dir.path(), &urls, total);
    let mut s = triage_state(store.load_articles().unwrap(), &urls);
    update(&mut s, key('/'));
    type_text(&mut s, "compiler unread", Some(&store));
    eprintln!(
        "triage: `compiler unread` lists {} of {}",
        s.list.len(),
        s.articles.len()
    );
    let mut g = c.benchmark_group("triage, full text");
    g.sample_size(20);
    let mut add = true;
    // "… kernel" <-> "… kernels": a word term changes at each key, and is looked up.
    type_text(&mut s, " kernel", Some(&store));
    g.bench_function(
        format!("search keystroke, word looked up in the index ({total} articles), + render"),
        |b| {
            b.iter(|| {
                let fx = if add {
                    update(&mut s, key('s'))
                } else {
                    update(&mut s, ctrl_key(KeyCode::Backspace))
                };
                add = !add;
                answer_searches(&mut s, fx, Some(&store));
                terminal.draw(|f| view(&s, f)).unwrap();
            })
        },
    );
    // The worst case: a word nearly every article holds ("review" <-> "reviews").
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_text(&mut s, "compiler unread review", Some(&store));
    eprintln!(
        "triage: `compiler unread review` lists {} of {}",
        s.list.len(),
        s.articles.len()
    );
    let mut add = true;
    g.bench_function(
        format!("search keystroke, a word in almost every article ({total}), + render"),
        |b| {
            b.iter(|| {
                let fx = if add {
                    update(&mut s, key('s'))
                } else {
                    update(&mut s, ctrl_key(KeyCode::Backspace))
                };
                add = !add;
                answer_searches(&mut s, fx, Some(&store));
                terminal.draw(|f| view(&s, f)).unwrap();
            })
        },
    );
    g.finish();
}

criterion_group!(benches, keypress, engine_events, triage);
criterion_main!(benches);
