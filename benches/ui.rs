//! UI latency: one keypress through `update` plus a full `view` of a 100,000-article list into
//! a `TestBackend` (what a user waits for between pressing `j` and seeing the result).

use std::hint::black_box;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tidings::clean::Cleaner;
use tidings::config::{Config, FeedConfig, FeedLocation};
use tidings::engine::{Event, PollStatus};
use tidings::highlight::Highlighter;
use tidings::model::{ArticleId, ArticleMeta, FeedId, FeedState};
use tidings::ui::{update, view, AppState, Keymap, Msg};

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

criterion_group!(benches, keypress, engine_events);
criterion_main!(benches);
