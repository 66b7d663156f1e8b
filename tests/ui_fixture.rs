//! Shared builders for the UI tests (`mod ui_fixture;`): a config with a few feeds, articles
//! with fixed dates, and an `AppState` on a fixed clock in UTC. No terminal, no engine.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tidings::clean::Cleaner;
use tidings::config::{
    Color, Config, FeedConfig, FeedLocation, HighlightRule, HighlightStyle, NamedColor,
};
use tidings::engine::{Event, PollStatus};
use tidings::highlight::Highlighter;
use tidings::model::{ArticleBody, ArticleId, ArticleMeta, BodyKind, FeedId, FeedState};
use tidings::store::FeedCounts;
use tidings::ui::{update, view, AppState, Effect, Keymap, Loaded, Msg, Startup};

pub const FEED_A: &str = "https://a.example/feed.xml";
pub const FEED_B: &str = "https://b.example/rss";
pub const FEED_C: &str = "https://c.example/atom";

/// 2024-11-27 18:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 11, 27, 18, 0, 0).unwrap()
}

pub fn feed(url: &str, title: Option<&str>) -> FeedConfig {
    FeedConfig {
        url: url.to_string(),
        location: FeedLocation::Http(url.to_string()),
        title: title.map(str::to_string),
        tags: Vec::new(),
        refresh_interval: None,
        full_text: false,
        synced: false,
    }
}

pub fn rule(name: &str, keywords: &[&str], priority: i32, fg: NamedColor) -> HighlightRule {
    HighlightRule {
        name: Some(name.to_string()),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        regex: None,
        whole_word: true,
        case_sensitive: false,
        priority,
        style: HighlightStyle {
            fg: Some(Color::Named(fg)),
            bg: None,
            bold: true,
            underline: false,
        },
    }
}

/// Three feeds (A titled in the config, B and C titled by their states) and two rules.
pub fn config() -> Config {
    Config {
        feeds: vec![
            feed(FEED_A, Some("Alpha News")),
            feed(FEED_B, None),
            feed(FEED_C, Some("Gamma Weekly")),
        ],
        highlight: vec![
            rule("rust", &["rust"], 1, NamedColor::Magenta),
            rule("security", &["security", "CVE"], 5, NamedColor::Red),
        ],
        ..Config::default()
    }
}

/// An article `n` of a feed, `hours` before `now()`.
pub fn article(feed_url: &str, n: u32, title: &str, hours: i64) -> ArticleMeta {
    let link = format!("https://{}/post/{n}", FeedId::from_url(feed_url));
    ArticleMeta {
        id: ArticleId::derive(feed_url, Some(&format!("guid-{n}")), None, title, None),
        feed: FeedId::from_url(feed_url),
        guid: Some(format!("guid-{n}")),
        title: title.to_string(),
        link: Some(link),
        author: Some("Ada Writer".to_string()),
        published: Some(now() - Duration::hours(hours)),
        first_seen: now() - Duration::hours(hours),
        read: false,
        starred: false,
        highlights: Vec::new(),
        media: tidings::model::MediaMark::None,
    }
}

pub fn with(mut a: ArticleMeta, f: impl FnOnce(&mut ArticleMeta)) -> ArticleMeta {
    f(&mut a);
    a
}

/// Feed A: 4 articles (1 read), B: 3 (all unread, one matches "rust"), C: 2 (one "security").
pub fn articles() -> Vec<ArticleMeta> {
    vec![
        article(FEED_A, 1, "Alpha one: city council meets", 1),
        with(article(FEED_A, 2, "Alpha two: weather report", 5), |a| {
            a.read = true
        }),
        article(FEED_A, 3, "Alpha three: local sports", 30),
        article(
            FEED_A,
            4,
            "Alpha four: a long long title that will need truncating in narrow panes",
            80,
        ),
        with(article(FEED_B, 1, "Beta one: Rust 2.0 released", 2), |a| {
            a.highlights = vec![0]
        }),
        article(FEED_B, 2, "Beta two: gardening tips", 10),
        article(FEED_B, 3, "Beta three: a recipe", 400 * 24),
        with(
            article(FEED_C, 1, "Gamma one: security advisory CVE-2024-1", 3),
            |a| {
                a.highlights = vec![1];
                a.starred = true;
            },
        ),
        article(FEED_C, 2, "Gamma two: weekly digest", 50),
    ]
}

pub fn feed_states() -> Vec<FeedState> {
    let mut b = FeedState::new(FEED_B);
    b.feed_title = Some("Beta \u{1b}[31mBlog".to_string());
    b.last_success = Some(now() - Duration::hours(1));
    vec![b]
}

pub fn state_with(
    config: Config,
    feeds: Vec<FeedState>,
    articles: Vec<ArticleMeta>,
    size: (u16, u16),
) -> AppState {
    let highlighter = Arc::new(Highlighter::new(&config.highlight).expect("rules compile"));
    let keymap = Keymap::from_config(&config.keys).expect("keys valid");
    let mut s = AppState::new(
        Arc::new(config),
        highlighter,
        Arc::new(Cleaner::default()),
        keymap,
        feeds,
        articles,
    );
    s.now = now();
    s.tz = FixedOffset::east_opt(0).unwrap();
    update(&mut s, Msg::Resize(size.0, size.1));
    s
}

pub fn state(size: (u16, u16)) -> AppState {
    state_with(config(), feed_states(), articles(), size)
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Presses keys in order, collecting every effect.
pub fn press(s: &mut AppState, keys: &str) -> Vec<Effect> {
    keys.chars().flat_map(|c| update(s, key(c))).collect()
}

pub fn html(text: &str) -> ArticleBody {
    ArticleBody {
        kind: BodyKind::Html,
        content: text.to_string(),
    }
}

/// A body with `n` paragraphs and two links.
pub fn long_body(n: usize) -> ArticleBody {
    let mut s = String::from(
        "<p>Intro with <a href=\"https://example.org/one\">a first link</a> and \
         <a href=\"https://example.org/two\">a second link</a>.</p>",
    );
    for i in 0..n {
        s.push_str(&format!(
            "<p>Paragraph {i}: the quick brown fox jumps over the lazy dog.</p>"
        ));
    }
    html(&s)
}

pub fn loaded(s: &mut AppState, id: ArticleId, body: ArticleBody) {
    update(
        s,
        Msg::Engine(Event::BodyLoaded {
            id,
            body: Some(body),
        }),
    );
}

pub fn id_of(feed_url: &str, n: u32) -> ArticleId {
    ArticleId::derive(feed_url, Some(&format!("guid-{n}")), None, "", None)
}

/// Title of the selected article.
pub fn selected_title(s: &AppState) -> String {
    s.selected_article()
        .map(|a| a.title.clone())
        .unwrap_or_default()
}

/// What start-up reads from a store holding `articles` (and `feeds`), with a first window of
/// `rows` rows: the newest articles (plus, for highlight-first, every highlighted one), the
/// per-feed unread counts and the article count, as `store::Snapshot` gives them.
pub fn startup(
    config: &Config,
    feeds: Vec<FeedState>,
    articles: &[ArticleMeta],
    rows: usize,
) -> Startup {
    let mut newest = articles.to_vec();
    newest.sort_by(tidings::ui::list::newest_first);
    let mut window: Vec<ArticleMeta> = newest.iter().take(rows).cloned().collect();
    if config.sort == tidings::config::SortOrder::HighlightFirst {
        let more: Vec<ArticleMeta> = newest
            .iter()
            .skip(rows)
            .filter(|a| !a.highlights.is_empty())
            .cloned()
            .collect();
        window.extend(more);
    }
    let mut counts: Vec<FeedCounts> = Vec::new();
    for a in articles.iter().filter(|a| !a.read) {
        let hl = usize::from(!a.highlights.is_empty());
        match counts.iter_mut().find(|c| c.feed == a.feed) {
            Some(c) => {
                c.unread += 1;
                c.highlighted_unread += hl;
            }
            None => counts.push(FeedCounts {
                feed: a.feed,
                unread: 1,
                highlighted_unread: hl,
            }),
        }
    }
    Startup {
        feeds,
        counts,
        window,
        stored: articles.len(),
    }
}

/// The state start-up builds from [`startup`], on the fixed clock, at `size`.
pub fn starting_state(
    config: Config,
    feeds: Vec<FeedState>,
    articles: &[ArticleMeta],
    rows: usize,
    size: (u16, u16),
) -> AppState {
    let first = startup(&config, feeds, articles, rows);
    let highlighter = Arc::new(Highlighter::new(&config.highlight).expect("rules compile"));
    let keymap = Keymap::from_config(&config.keys).expect("keys valid");
    let mut s = AppState::starting(
        Arc::new(config),
        highlighter,
        Arc::new(Cleaner::default()),
        keymap,
        first,
    );
    s.now = now();
    s.tz = FixedOffset::east_opt(0).unwrap();
    update(&mut s, Msg::Resize(size.0, size.1));
    s
}

/// The background load's answer for `articles`, as the store gives them (newest first).
pub fn loaded_msg(s: &AppState, articles: &[ArticleMeta]) -> Msg {
    let mut all = articles.to_vec();
    all.sort_by(tidings::ui::list::newest_first);
    Msg::Loaded(Box::new(Loaded::build(
        all,
        s.config.sort,
        &s.highlighter,
        &s.feed_ranks(),
    )))
}

/// `n` articles of `feed_url` (numbered from `from`), one an hour apart from `hours` ago on.
pub fn many(feed_url: &str, from: u32, n: u32, hours: i64) -> Vec<ArticleMeta> {
    (from..from + n)
        .map(|k| {
            article(
                feed_url,
                k,
                &format!("Item {k} of {feed_url}"),
                hours + i64::from(k - from),
            )
        })
        .collect()
}

/// Titles of the current list, in order.
pub fn list_titles(s: &AppState) -> Vec<String> {
    s.list
        .iter()
        .map(|&i| s.articles[i].title.clone())
        .collect()
}

/// A feed's new state and articles, as the engine reports a poll.
pub fn polled(feed_url: &str, new_articles: Vec<ArticleMeta>) -> Event {
    let status = if new_articles.is_empty() {
        PollStatus::NotModified
    } else {
        PollStatus::Modified { bytes: 0 }
    };
    Event::FeedUpdated {
        state: FeedState::new(feed_url),
        new_articles,
        status,
        took: std::time::Duration::ZERO,
    }
}

/// The state drawn into a `TestBackend` of its size.
pub fn render(s: &AppState) -> Terminal<TestBackend> {
    let (w, h) = s.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(s, f)).unwrap();
    t
}

/// The drawn screen as text.
pub fn screen(s: &AppState) -> String {
    render(s).backend().to_string()
}

/// (unread, highlighted unread) of every feed, then the totals.
pub fn counts(s: &AppState) -> Vec<(usize, usize)> {
    let mut c: Vec<(usize, usize)> = s
        .feeds
        .iter()
        .map(|f| (f.unread, f.highlighted_unread))
        .collect();
    c.push((s.total_unread, s.highlighted_unread()));
    c
}
