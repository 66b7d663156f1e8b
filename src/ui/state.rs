//! Everything the TUI shows, as plain data: feeds, articles, the current list, selections,
//! the open article and its rendered text. Changed only by `update`; never does I/O.
//! Built for 100,000 articles: lists are index vectors, sorting happens only on change.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

use crate::clean::{sanitize_inline, Cleaner, Document};
use crate::config::{Config, SortOrder};
use crate::engine::Progress;
use crate::highlight::Highlighter;
use crate::model::{ArticleBody, ArticleId, ArticleMeta, FeedId, FeedState};
use crate::styled::{Span, SpanStyle, StyledLine};

use super::keys::Keymap;
use super::layout;
use super::strings;
use super::text;
use super::theme::Theme;

/// How many cleaned article bodies stay cached.
const BODY_CACHE: usize = 256;

/// Which pane has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Feeds,
    Articles,
    Reader,
}

/// What the articles pane lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListView {
    /// Every article, across feeds (the "All articles" row).
    All,
    /// One feed's articles.
    Feed(FeedId),
    /// Only articles matching a highlight rule, across feeds, newest first (key `H`).
    Highlights,
}

/// A feed as the feeds pane shows it.
#[derive(Clone, Debug)]
pub struct FeedEntry {
    pub id: FeedId,
    /// Display title (sanitised): the config's title, else the feed's own, else the url.
    pub title: String,
    pub url: String,
    title_from_config: bool,
    pub state: Option<FeedState>,
    pub unread: usize,
    pub highlighted_unread: usize,
    /// `full_text = true` in the config: fetch the web page when an article is opened.
    pub full_text: bool,
}

impl FeedEntry {
    pub fn is_failing(&self) -> bool {
        self.state.as_ref().is_some_and(FeedState::is_failing)
    }
}

/// A selection and scroll offset in a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves the selection to `to` (clamped) and scrolls so it is visible in `height` rows.
    pub fn select(&mut self, to: usize, len: usize, height: usize) {
        self.selected = to.min(len.saturating_sub(1));
        self.scroll_into_view(len, height);
    }

    pub fn scroll_into_view(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        // Do not leave empty rows at the bottom when the list could fill them.
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

/// A cleaned body, or where it is on its way.
#[derive(Clone, Debug)]
pub enum BodyState {
    Loading,
    /// The store has no body for the article.
    Missing,
    Ready(Arc<Document>),
}

/// The full-article version of an article.
#[derive(Clone, Debug)]
pub enum FullState {
    Fetching,
    Failed(String),
    Ready(Arc<Document>),
}

/// The article in the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader {
    pub id: ArticleId,
    /// First line shown.
    pub scroll: usize,
    /// Showing the full article (from its web page) instead of the feed's text.
    pub full: bool,
}

/// The whole TUI state.
pub struct AppState {
    pub config: Arc<Config>,
    pub highlighter: Arc<Highlighter>,
    pub cleaner: Arc<Cleaner>,
    pub keymap: Keymap,
    pub theme: Theme,

    pub feeds: Vec<FeedEntry>,
    feed_index: HashMap<FeedId, usize>,
    pub articles: Vec<ArticleMeta>,
    article_index: HashMap<ArticleId, usize>,
    /// Every article index, in display order.
    sorted: Vec<usize>,

    pub view: ListView,
    /// The articles pane's list: indices into `articles`.
    pub list: Vec<usize>,
    /// Row 0 is "All articles", row i + 1 is `feeds[i]`.
    pub feed_cursor: Cursor,
    pub article_cursor: Cursor,
    /// The selected article, kept by id so that new items never move it.
    pub selected: Option<ArticleId>,
    /// The user moved in or opened from the current list. Until then the selection follows
    /// the top of the list as feeds fill it (the first refresh after start).
    pub list_touched: bool,
    pub focus: Pane,

    pub reader: Option<Reader>,
    /// The reader's lines (header + text) for the current article, variant and width.
    pub reader_lines: Vec<StyledLine>,
    /// What `reader_lines` were laid out for: article, full text or not, width.
    reader_key: Option<(ArticleId, bool, u16)>,
    bodies: HashMap<ArticleId, BodyState>,
    body_order: VecDeque<ArticleId>,
    full: HashMap<ArticleId, FullState>,

    pub progress: Progress,
    /// Every notice of the session; the last one shows in the status bar until a key press.
    pub notices: Vec<String>,
    pub notice: Option<String>,
    /// Help overlay, with its scroll offset.
    pub help: Option<usize>,
    pub welcome: Option<String>,
    pub total_unread: usize,

    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// The clock and time zone used for dates (fixed in tests).
    pub now: DateTime<Utc>,
    pub tz: FixedOffset,
}

impl AppState {
    /// Builds the state from the config and what the store had. `feeds` may be empty.
    pub fn new(
        config: Arc<Config>,
        highlighter: Arc<Highlighter>,
        cleaner: Arc<Cleaner>,
        keymap: Keymap,
        feeds: Vec<FeedState>,
        articles: Vec<ArticleMeta>,
    ) -> AppState {
        let mut entries: Vec<FeedEntry> = config
            .feeds
            .iter()
            .map(|f| {
                let title = f
                    .title
                    .as_deref()
                    .map(sanitize_inline)
                    .filter(|t| !t.is_empty());
                FeedEntry {
                    id: f.id(),
                    title_from_config: title.is_some(),
                    title: title.unwrap_or_else(|| sanitize_inline(&f.url)),
                    url: f.url.clone(),
                    state: None,
                    unread: 0,
                    highlighted_unread: 0,
                    full_text: f.full_text,
                }
            })
            .collect();
        let feed_index: HashMap<FeedId, usize> =
            entries.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
        // Feeds the store knows but the config no longer lists are not shown (their articles
        // still appear under "All articles").
        for s in feeds {
            if let Some(&i) = feed_index.get(&s.id) {
                entries[i].apply_state(s);
            }
        }
        let mut state = AppState {
            config,
            highlighter,
            cleaner,
            keymap,
            theme: Theme::bundled(),
            feeds: entries,
            feed_index,
            article_index: HashMap::with_capacity(articles.len()),
            articles,
            sorted: Vec::new(),
            view: ListView::All,
            list: Vec::new(),
            feed_cursor: Cursor::default(),
            article_cursor: Cursor::default(),
            selected: None,
            list_touched: false,
            focus: Pane::Articles,
            reader: None,
            reader_lines: Vec::new(),
            reader_key: None,
            bodies: HashMap::new(),
            body_order: VecDeque::new(),
            full: HashMap::new(),
            progress: Progress::default(),
            notices: Vec::new(),
            notice: None,
            help: None,
            welcome: None,
            total_unread: 0,
            size: (80, 24),
            now: Utc::now(),
            tz: FixedOffset::east_opt(0).expect("zero offset is valid"),
        };
        // Duplicate ids would confuse the index: keep the first. One pass builds the index.
        let mut index = HashMap::with_capacity(state.articles.len());
        state.articles.retain(|a| {
            let next = index.len();
            match index.entry(a.id) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(next);
                    true
                }
                std::collections::hash_map::Entry::Occupied(_) => false,
            }
        });
        state.article_index = index;
        state.resort();
        state.recount();
        state.rebuild_list(false);
        state
    }

    /// Sort key order: see `config.sort`.
    fn resort(&mut self) {
        let articles = &self.articles;
        let mut sorted: Vec<usize> = (0..articles.len()).collect();
        match self.config.sort {
            SortOrder::Date => sorted.sort_by(|&a, &b| date_order(&articles[a], &articles[b])),
            SortOrder::OldestFirst => {
                sorted.sort_by(|&a, &b| date_order(&articles[b], &articles[a]));
            }
            SortOrder::Feed => {
                // Feeds in config order (the order of the feeds pane), newest first in each.
                let pos = |a: &ArticleMeta| self.feed_index.get(&a.feed).copied();
                sorted.sort_by(|&a, &b| {
                    let (fa, fb) = (pos(&articles[a]), pos(&articles[b]));
                    fa.is_none()
                        .cmp(&fb.is_none())
                        .then(fa.cmp(&fb))
                        .then_with(|| date_order(&articles[a], &articles[b]))
                });
            }
            SortOrder::HighlightFirst => {
                let hl = &self.highlighter;
                let rank = |a: &ArticleMeta| a.highlights.iter().map(|&r| hl.priority(r)).max();
                let ranks: Vec<Option<i32>> = articles.iter().map(rank).collect();
                sorted.sort_by(|&a, &b| {
                    // Matching first (Some > None), higher priority first, then newest first.
                    ranks[b]
                        .cmp(&ranks[a])
                        .then_with(|| date_order(&articles[a], &articles[b]))
                });
            }
        }
        self.sorted = sorted;
    }

    /// Recomputes unread and highlighted-unread counts.
    fn recount(&mut self) {
        for f in &mut self.feeds {
            f.unread = 0;
            f.highlighted_unread = 0;
        }
        let mut total = 0;
        for a in &self.articles {
            if a.read {
                continue;
            }
            total += 1;
            if let Some(&i) = self.feed_index.get(&a.feed) {
                self.feeds[i].unread += 1;
                if !a.highlights.is_empty() {
                    self.feeds[i].highlighted_unread += 1;
                }
            }
        }
        self.total_unread = total;
    }

    /// Unread articles matching a highlight rule, across feeds.
    pub fn highlighted_unread(&self) -> usize {
        self.feeds.iter().map(|f| f.highlighted_unread).sum()
    }

    /// Rebuilds the articles pane's list for the current view. With `keep` (and once the user
    /// has used the list), the selected article stays selected and on the same screen row:
    /// new items never make it jump. Otherwise the selection goes to the top.
    pub(crate) fn rebuild_list(&mut self, keep: bool) {
        let keep = keep && self.list_touched;
        if !keep {
            self.list_touched = false;
        }
        let screen_row = self
            .article_cursor
            .selected
            .saturating_sub(self.article_cursor.offset);
        let articles = &self.articles;
        self.list = match self.view {
            ListView::All => self.sorted.clone(),
            ListView::Feed(id) => self
                .sorted
                .iter()
                .copied()
                .filter(|&i| articles[i].feed == id)
                .collect(),
            ListView::Highlights => {
                let mut l: Vec<usize> = self
                    .sorted
                    .iter()
                    .copied()
                    .filter(|&i| !articles[i].highlights.is_empty())
                    .collect();
                if self.config.sort != SortOrder::Date {
                    l.sort_by(|&a, &b| date_order(&articles[a], &articles[b]));
                }
                l
            }
        };
        let height = self.article_list_height();
        let len = self.list.len();
        let found = if keep {
            self.selected
                .and_then(|id| self.list.iter().position(|&i| self.articles[i].id == id))
        } else {
            None
        };
        match found {
            Some(pos) => {
                self.article_cursor.selected = pos;
                self.article_cursor.offset =
                    pos.saturating_sub(screen_row.min(height.saturating_sub(1)));
                self.article_cursor.scroll_into_view(len, height);
            }
            None => {
                let to = if keep {
                    self.article_cursor.selected
                } else {
                    0
                };
                if !keep {
                    self.article_cursor = Cursor::default();
                }
                self.article_cursor.select(to, len, height);
                self.selected = self
                    .list
                    .get(self.article_cursor.selected)
                    .map(|&i| self.articles[i].id);
            }
        }
    }

    /// Rows in the feeds pane list (the "All articles" row plus one per feed).
    pub fn feed_rows(&self) -> usize {
        self.feeds.len() + 1
    }

    /// The feed on the feeds pane's selected row (`None` for "All articles").
    pub fn selected_feed(&self) -> Option<&FeedEntry> {
        self.feed_cursor
            .selected
            .checked_sub(1)
            .and_then(|i| self.feeds.get(i))
    }

    pub fn feed(&self, id: FeedId) -> Option<&FeedEntry> {
        self.feed_index.get(&id).map(|&i| &self.feeds[i])
    }

    pub fn article(&self, id: ArticleId) -> Option<&ArticleMeta> {
        self.article_index.get(&id).map(|&i| &self.articles[i])
    }

    pub(crate) fn article_mut(&mut self, id: ArticleId) -> Option<&mut ArticleMeta> {
        self.article_index.get(&id).map(|&i| &mut self.articles[i])
    }

    /// The article on the selected row of the articles pane.
    pub fn selected_article(&self) -> Option<&ArticleMeta> {
        self.list
            .get(self.article_cursor.selected)
            .map(|&i| &self.articles[i])
    }

    /// Display title of an article's feed.
    pub fn feed_title(&self, id: FeedId) -> &str {
        self.feed(id).map(|f| f.title.as_str()).unwrap_or("")
    }

    /// The view the feeds pane's selected row stands for.
    pub(crate) fn view_for_feed_row(&self) -> ListView {
        match self.selected_feed() {
            Some(f) => ListView::Feed(f.id),
            None => ListView::All,
        }
    }

    /// Visible rows of the articles list at the current size.
    pub fn article_list_height(&self) -> usize {
        layout::article_list_height(self)
    }

    pub fn feed_list_height(&self) -> usize {
        layout::feed_list_height(self)
    }

    /// Visible rows of the reader's text.
    pub fn reader_height(&self) -> usize {
        layout::reader_size(self).1.into()
    }

    pub(crate) fn push_notice(&mut self, text: impl Into<String>) {
        let text = sanitize_inline(&text.into());
        self.notices.push(text.clone());
        self.notice = Some(text);
    }

    // ---- feeds and articles from the engine ----

    /// Applies a polled feed's new state and articles.
    pub(crate) fn feed_updated(&mut self, state: FeedState, new_articles: Vec<ArticleMeta>) {
        if let Some(&i) = self.feed_index.get(&state.id) {
            let title = self.feeds[i].title.clone();
            self.feeds[i].apply_state(state);
            if self.feeds[i].title != title {
                // The reader header shows the feed's title.
                self.invalidate_reader();
                self.relayout_reader();
            }
        }
        let mut added = false;
        for a in new_articles {
            if self.article_index.contains_key(&a.id) {
                continue;
            }
            self.article_index.insert(a.id, self.articles.len());
            self.articles.push(a);
            added = true;
        }
        if added {
            self.resort();
            self.rebuild_list(true);
        }
        self.recount();
    }

    pub(crate) fn highlights_updated(&mut self, items: Vec<(ArticleId, Vec<u16>)>) {
        for (id, rules) in items {
            if let Some(a) = self.article_mut(id) {
                a.highlights = rules;
            }
        }
        self.resort();
        self.recount();
        self.rebuild_list(true);
        self.invalidate_reader();
        self.relayout_reader();
    }

    /// Sets read flags locally; returns the ids that changed.
    pub(crate) fn set_read(&mut self, ids: &[ArticleId], read: bool) -> Vec<ArticleId> {
        let mut changed = Vec::new();
        for &id in ids {
            if let Some(a) = self.article_mut(id) {
                if a.read != read {
                    a.read = read;
                    changed.push(id);
                }
            }
        }
        if !changed.is_empty() {
            self.recount();
        }
        changed
    }

    // ---- bodies and the reader ----

    pub(crate) fn body_state(&self, id: ArticleId) -> Option<&BodyState> {
        self.bodies.get(&id)
    }

    pub(crate) fn full_state(&self, id: ArticleId) -> Option<&FullState> {
        self.full.get(&id)
    }

    pub(crate) fn set_body_state(&mut self, id: ArticleId, body: BodyState) {
        if !self.bodies.contains_key(&id) {
            self.body_order.push_back(id);
            while self.body_order.len() > BODY_CACHE {
                if let Some(old) = self.body_order.pop_front() {
                    if self.reader.is_some_and(|r| r.id == old) {
                        self.body_order.push_back(old);
                        continue;
                    }
                    self.bodies.remove(&old);
                }
            }
        }
        self.bodies.insert(id, body);
        if self.reader.is_some_and(|r| r.id == id) {
            self.invalidate_reader();
        }
    }

    pub(crate) fn set_full_state(&mut self, id: ArticleId, full: FullState) {
        self.full.insert(id, full);
        if self.reader.is_some_and(|r| r.id == id) {
            self.invalidate_reader();
        }
    }

    /// Cleans a body (sanitises, removes boilerplate) and marks highlight matches.
    pub(crate) fn render_body(&self, body: &ArticleBody, base_url: Option<&str>) -> Arc<Document> {
        let mut doc = self.cleaner.clean(body, base_url);
        self.highlighter.mark_document(&mut doc);
        Arc::new(doc)
    }

    pub(crate) fn body_loaded(&mut self, id: ArticleId, body: Option<ArticleBody>) {
        let state = match body {
            Some(body) => {
                let base = self.article(id).and_then(|a| a.link.clone());
                BodyState::Ready(self.render_body(&body, base.as_deref()))
            }
            None => BodyState::Missing,
        };
        self.set_body_state(id, state);
        if self.reader.is_some_and(|r| r.id == id) {
            self.invalidate_reader();
            self.relayout_reader();
        }
    }

    pub(crate) fn full_text_loaded(&mut self, id: ArticleId, result: Result<ArticleBody, String>) {
        let state = match result {
            Ok(body) => {
                let base = self.article(id).and_then(|a| a.link.clone());
                FullState::Ready(self.render_body(&body, base.as_deref()))
            }
            Err(e) => FullState::Failed(sanitize_inline(&e)),
        };
        self.full.insert(id, state);
        if self.reader.is_some_and(|r| r.id == id) {
            self.invalidate_reader();
            self.relayout_reader();
        }
    }

    /// The document the reader shows (feed text or full text), when it is ready.
    pub fn reader_document(&self) -> Option<&Arc<Document>> {
        let r = self.reader?;
        if r.full {
            if let Some(FullState::Ready(doc)) = self.full.get(&r.id) {
                return Some(doc);
            }
            return None;
        }
        match self.bodies.get(&r.id) {
            Some(BodyState::Ready(doc)) => Some(doc),
            _ => None,
        }
    }

    /// Marks the reader's lines stale (its text, title or highlights changed).
    pub(crate) fn invalidate_reader(&mut self) {
        self.reader_key = None;
    }

    /// Lays the reader's lines out for the current article, variant and width, unless they
    /// already are; keeps the scroll position within the text.
    pub(crate) fn relayout_reader(&mut self) {
        let Some(r) = self.reader else {
            self.reader_lines.clear();
            self.reader_key = None;
            return;
        };
        let Some(a) = self.article(r.id) else {
            self.reader_lines.clear();
            self.reader_key = None;
            return;
        };
        let (width, height) = layout::reader_size(self);
        let key = (r.id, r.full, width);
        if self.reader_key == Some(key) {
            self.clamp_reader_scroll(height);
            return;
        }
        let mut lines = self.reader_header(a, width);
        lines.push(StyledLine::default());
        let muted = SpanStyle {
            italic: true,
            decoration: true,
            ..SpanStyle::default()
        };
        let note = |t: &str| text::wrap_spans(&[Span::new(t, muted)], width);
        let feed_text = |lines: &mut Vec<StyledLine>| match self.bodies.get(&r.id) {
            Some(BodyState::Ready(doc)) => lines.extend(doc.layout(width)),
            Some(BodyState::Missing) => lines.extend(note(strings::NO_BODY)),
            Some(BodyState::Loading) | None => lines.extend(note(strings::LOADING)),
        };
        if r.full {
            match self.full.get(&r.id) {
                Some(FullState::Ready(doc)) => lines.extend(doc.layout(width)),
                Some(FullState::Failed(e)) => {
                    let err = SpanStyle {
                        bold: true,
                        ..SpanStyle::default()
                    };
                    lines.extend(text::wrap_spans(
                        &[
                            Span::new(format!("{} ", strings::FULL_FAILED), err),
                            Span::plain(e.clone()),
                        ],
                        width,
                    ));
                    lines.extend(note(strings::SHOWING_FEED_TEXT));
                    lines.push(StyledLine::default());
                    feed_text(&mut lines);
                }
                Some(FullState::Fetching) | None => lines.extend(note(strings::FETCHING_FULL)),
            }
        } else {
            feed_text(&mut lines);
        }
        self.reader_lines = lines;
        self.reader_key = Some(key);
        self.clamp_reader_scroll(height);
    }

    fn clamp_reader_scroll(&mut self, height: u16) {
        let max = self.reader_lines.len().saturating_sub(usize::from(height));
        if let Some(r) = self.reader.as_mut() {
            r.scroll = r.scroll.min(max);
        }
    }

    /// Title, feed, author, date, link and matching rules, wrapped to `width`.
    fn reader_header(&self, a: &ArticleMeta, width: u16) -> Vec<StyledLine> {
        let label = SpanStyle {
            decoration: true,
            ..SpanStyle::default()
        };
        let title_style = SpanStyle {
            bold: true,
            heading: true,
            ..SpanStyle::default()
        };
        let mut lines = Vec::new();
        let title = sanitize_inline(&a.title);
        let title_spans = self.highlighter.mark(vec![Span::new(title, title_style)]);
        lines.extend(text::wrap_spans(&title_spans, width));
        let mut field = |name: &str, value: String, style: SpanStyle| {
            if !value.is_empty() {
                lines.extend(text::wrap_spans(
                    &[Span::new(name, label), Span::new(value, style)],
                    width,
                ));
            }
        };
        field(
            strings::LABEL_FEED,
            self.feed_title(a.feed).to_string(),
            SpanStyle::default(),
        );
        field(
            strings::LABEL_AUTHOR,
            a.author.as_deref().map(sanitize_inline).unwrap_or_default(),
            SpanStyle::default(),
        );
        field(
            strings::LABEL_DATE,
            text::long_date(a.date(), self.tz),
            SpanStyle::default(),
        );
        field(
            strings::LABEL_LINK,
            a.link.as_deref().map(sanitize_inline).unwrap_or_default(),
            SpanStyle {
                link: true,
                ..SpanStyle::default()
            },
        );
        if !a.highlights.is_empty() {
            let mut spans = vec![Span::new(strings::LABEL_MATCHES, label)];
            for (i, &rule) in a.highlights.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::plain(", "));
                }
                let style = SpanStyle {
                    highlight: Some(rule),
                    ..SpanStyle::default()
                };
                spans.push(Span::new(
                    sanitize_inline(self.highlighter.label(rule)),
                    style,
                ));
            }
            lines.extend(text::wrap_spans(&spans, width));
        }
        lines
    }
}

impl FeedEntry {
    fn apply_state(&mut self, s: FeedState) {
        if !self.title_from_config {
            if let Some(t) = s
                .feed_title
                .as_deref()
                .map(sanitize_inline)
                .filter(|t| !t.is_empty())
            {
                self.title = t;
            }
        }
        self.state = Some(s);
    }
}

/// Newest first; ties broken by id so the order is total and stable.
fn date_order(a: &ArticleMeta, b: &ArticleMeta) -> std::cmp::Ordering {
    b.date().cmp(&a.date()).then_with(|| a.id.cmp(&b.id))
}
