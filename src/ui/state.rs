//! Everything the TUI shows, as data: feeds with their unread counts, articles, the current
//! list, selections, the open article. Changed only by `update`; never does I/O.
//! Built for 100,000 articles and 10,000 feeds: an engine event costs what it carries, never
//! what the store holds. Counts move by deltas, new articles are merged into the lists at
//! their place (see `list`), once per batch of events (`settle`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

use crate::clean::{sanitize_inline, Cleaner, Document};
use crate::config::Config;
use crate::engine::{Event, Progress};
use crate::highlight::Highlighter;
use crate::model::{ArticleBody, ArticleId, ArticleMeta, FeedId, FeedState};
use crate::styled::StyledLine;

use super::details;
use super::keys::Keymap;
use super::layout;
use super::list::{ArticleList, Order};
use super::load::{Loaded, Startup};
use super::reader::{self, Bodies, Page, ReaderImages};
use super::theme::Theme;

pub use super::layout::Pane;
pub use super::list::ListView;
pub use super::reader::{BodyState, FullState, Reader};

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

    /// Takes a polled state; returns whether the display title changed.
    fn apply_state(&mut self, s: FeedState) -> bool {
        let mut changed = false;
        if !self.title_from_config {
            if let Some(t) = s
                .feed_title
                .as_deref()
                .map(sanitize_inline)
                .filter(|t| !t.is_empty())
            {
                changed = t != self.title;
                self.title = t;
            }
        }
        self.state = Some(s);
        changed
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

/// Start-up has shown the first rows; the rest of the articles are on their way (`Loaded`).
#[derive(Debug)]
struct Loading {
    /// Articles the store held at start (the window is the first of them in list order).
    stored: usize,
    /// How many of them the state has (the window).
    window: usize,
    /// Events that need every article (highlight changes), applied once all are in.
    deferred: Vec<Event>,
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
    /// Every article, in the configured order: the rows of "All articles".
    sorted: ArticleList,

    pub view: ListView,
    /// The articles pane's list: indices into `articles`.
    pub list: ArticleList,
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
    bodies: Bodies,
    /// The open article's image slots and pictures (nothing while images are off).
    pub images: ReaderImages,

    pub progress: Progress,
    /// Every notice of the session; the last one shows in the status bar until a key press.
    pub notices: Vec<String>,
    pub notice: Option<String>,
    /// Help overlay, with its scroll offset.
    pub help: Option<usize>,
    pub welcome: Option<String>,
    /// Unread articles, every stored feed included.
    pub total_unread: usize,
    /// Unread articles matching a rule, over the configured feeds.
    total_highlighted_unread: usize,

    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// The clock and time zone used for dates (fixed in tests).
    pub now: DateTime<Utc>,
    pub tz: FixedOffset,

    /// Articles added since the last `settle`, to merge into the lists.
    fresh: Vec<usize>,
    /// Articles whose place in the lists may have changed (their highlights did).
    moved: Vec<usize>,
    loading: Option<Loading>,
}

impl AppState {
    /// Builds the state from the config and every article the store has. `feeds` may be
    /// empty. (The TUI starts with [`AppState::starting`] instead.)
    pub fn new(
        config: Arc<Config>,
        highlighter: Arc<Highlighter>,
        cleaner: Arc<Cleaner>,
        keymap: Keymap,
        feeds: Vec<FeedState>,
        articles: Vec<ArticleMeta>,
    ) -> AppState {
        let loaded = Loaded::build(articles, config.sort, &highlighter);
        let mut state = AppState::empty(config, highlighter, cleaner, keymap, feeds);
        state.articles = loaded.articles;
        state.article_index = loaded.index;
        state.sorted = ArticleList::from_sorted(loaded.order);
        for i in 0..state.articles.len() {
            state.count(i, true);
        }
        state.rebuild_list(false);
        state
    }

    /// Builds the state for the first frame from what start-up read: the first rows of the
    /// list and the stored counts. The other articles follow as `Msg::Loaded`; until then
    /// only "All articles" lists (its first rows), and every count is already right.
    pub fn starting(
        config: Arc<Config>,
        highlighter: Arc<Highlighter>,
        cleaner: Arc<Cleaner>,
        keymap: Keymap,
        startup: Startup,
    ) -> AppState {
        let complete = startup.is_complete();
        let loaded = Loaded::build(startup.window, config.sort, &highlighter);
        let mut state = AppState::empty(config, highlighter, cleaner, keymap, startup.feeds);
        state.articles = loaded.articles;
        state.article_index = loaded.index;
        state.sorted = ArticleList::from_sorted(loaded.order);
        if complete {
            for i in 0..state.articles.len() {
                state.count(i, true);
            }
        } else {
            for c in &startup.counts {
                state.total_unread += c.unread;
                if let Some(&f) = state.feed_index.get(&c.feed) {
                    state.feeds[f].unread = c.unread;
                    state.feeds[f].highlighted_unread = c.highlighted_unread;
                    state.total_highlighted_unread += c.highlighted_unread;
                }
            }
            // Sorted, the window is a prefix of the list (for highlight-first it holds every
            // highlighted article and the newest others: see `Startup::read`).
            state.loading = Some(Loading {
                stored: startup.stored,
                window: state.articles.len(),
                deferred: Vec::new(),
            });
        }
        state.rebuild_list(false);
        state
    }

    fn empty(
        config: Arc<Config>,
        highlighter: Arc<Highlighter>,
        cleaner: Arc<Cleaner>,
        keymap: Keymap,
        feeds: Vec<FeedState>,
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
        AppState {
            config,
            highlighter,
            cleaner,
            keymap,
            theme: Theme::bundled(),
            feeds: entries,
            feed_index,
            articles: Vec::new(),
            article_index: HashMap::new(),
            sorted: ArticleList::default(),
            view: ListView::All,
            list: ArticleList::default(),
            feed_cursor: Cursor::default(),
            article_cursor: Cursor::default(),
            selected: None,
            list_touched: false,
            focus: Pane::Articles,
            reader: None,
            reader_lines: Vec::new(),
            reader_key: None,
            bodies: Bodies::default(),
            images: ReaderImages::default(),
            progress: Progress::default(),
            notices: Vec::new(),
            notice: None,
            help: None,
            welcome: None,
            total_unread: 0,
            total_highlighted_unread: 0,
            size: (80, 24),
            now: Utc::now(),
            tz: FixedOffset::east_opt(0).expect("zero offset is valid"),
            fresh: Vec::new(),
            moved: Vec::new(),
            loading: None,
        }
    }

    // ---- counts ----

    /// Adds (or takes away) article `i`'s share of the unread counts.
    fn count(&mut self, i: usize, add: bool) {
        let a = &self.articles[i];
        if a.read {
            return;
        }
        let highlighted = !a.highlights.is_empty();
        let feed = self.feed_index.get(&a.feed).copied();
        let step = |n: &mut usize| *n = if add { *n + 1 } else { n.saturating_sub(1) };
        step(&mut self.total_unread);
        if let Some(f) = feed {
            step(&mut self.feeds[f].unread);
            if highlighted {
                step(&mut self.feeds[f].highlighted_unread);
                step(&mut self.total_highlighted_unread);
            }
        }
    }

    /// Unread articles matching a highlight rule, across the configured feeds.
    pub fn highlighted_unread(&self) -> usize {
        self.total_highlighted_unread
    }

    // ---- lists ----

    /// Whether every article is in memory (start-up loads most of them in the background).
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// Whether the current list holds all its rows. While start-up loads, only "All articles"
    /// has rows (its first ones); other views wait.
    pub fn list_complete(&self) -> bool {
        self.loading.is_none() || self.view == ListView::All
    }

    /// How many articles the current list has, counting those still loading.
    pub fn list_len(&self) -> usize {
        match &self.loading {
            Some(l) if self.view == ListView::All => {
                l.stored + self.articles.len().saturating_sub(l.window)
            }
            _ => self.list.len(),
        }
    }

    fn order(&self) -> Order<'_> {
        Order::new(self.config.sort, &self.articles, &self.highlighter)
    }

    /// Rebuilds the articles pane's list for the current view (one pass over the sorted
    /// articles: a key press, never an engine event). With `keep` (and once the user has used
    /// the list), the selected article stays selected and on the same screen row. Otherwise
    /// the selection goes to the top.
    pub(crate) fn rebuild_list(&mut self, keep: bool) {
        let screen_row = self.screen_row();
        let sort = self.config.sort;
        self.list = if !self.list_complete() {
            ArticleList::default()
        } else if self.view == ListView::All {
            self.sorted.clone()
        } else {
            let view = self.view;
            let articles = &self.articles;
            let mut list = ArticleList::filtered(&self.sorted, |i| view.admits(&articles[i]));
            if view.sort(sort) != sort {
                let mut rows = list.to_vec();
                Order::new(view.sort(sort), articles, &self.highlighter).sort(&mut rows);
                list = ArticleList::from_sorted(rows);
            }
            list
        };
        self.place_cursor(keep, screen_row);
    }

    fn screen_row(&self) -> usize {
        self.article_cursor
            .selected
            .saturating_sub(self.article_cursor.offset)
    }

    /// After the list changed: keeps the selected article on its screen row (`keep`, once the
    /// user used the list), else selects the top.
    fn place_cursor(&mut self, keep: bool, screen_row: usize) {
        let keep = keep && self.list_touched;
        if !keep {
            self.list_touched = false;
        }
        let height = self.article_list_height();
        let len = self.list.len();
        let found = if keep {
            let order = Order::new(
                self.view.sort(self.config.sort),
                &self.articles,
                &self.highlighter,
            );
            self.selected
                .and_then(|id| self.article_index.get(&id))
                .and_then(|&i| self.list.position(i, &order))
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

    /// Merges what events added or moved since the last call into the lists: a binary search
    /// per article and one move of the rows behind, never a sort of the whole list. Called
    /// once per message (or batch of engine events) by `update`.
    pub(crate) fn settle(&mut self) {
        if self.fresh.is_empty() && self.moved.is_empty() {
            return;
        }
        let screen_row = self.screen_row();
        let mut add = std::mem::take(&mut self.fresh);
        let moved = std::mem::take(&mut self.moved);
        if !moved.is_empty() {
            let mut gone = vec![false; self.articles.len()];
            for &i in &moved {
                gone[i] = true;
            }
            self.sorted.remove(&gone);
            self.list.remove(&gone);
            add.extend(moved);
        }
        let sort = self.config.sort;
        let order = Order::new(sort, &self.articles, &self.highlighter);
        order.sort(&mut add);
        if self.loading.is_some() {
            // Only rows before the last known one are surely in place; the others are placed
            // when every article is in (`articles_loaded`).
            match self.sorted.last() {
                Some(&last) => {
                    add.retain(|&i| order.cmp(i, last) == std::cmp::Ordering::Less);
                }
                None => add.clear(),
            }
        }
        self.sorted.merge(&add, &order);
        if self.list_complete() {
            let view = self.view;
            add.retain(|&i| view.admits(&self.articles[i]));
            let view_order = Order::new(view.sort(sort), &self.articles, &self.highlighter);
            if view.sort(sort) != sort {
                view_order.sort(&mut add);
            }
            self.list.merge(&add, &view_order);
        }
        self.place_cursor(true, screen_row);
    }

    /// Takes every article from the background load. The state's own copies win (the user may
    /// have read or starred them); articles the engine delivered meanwhile are merged in; the
    /// selection stays on its article and screen row.
    pub(crate) fn articles_loaded(&mut self, loaded: Loaded) {
        if self.loading.is_none() {
            return;
        }
        self.settle();
        let Some(loading) = self.loading.take() else {
            return;
        };
        let Loaded {
            mut articles,
            mut index,
            order,
        } = loaded;
        let mut arrived = Vec::new();
        for a in std::mem::take(&mut self.articles) {
            match index.get(&a.id) {
                Some(&i) => articles[i] = a,
                None => {
                    let i = articles.len();
                    index.insert(a.id, i);
                    articles.push(a);
                    arrived.push(i);
                }
            }
        }
        self.articles = articles;
        self.article_index = index;
        self.sorted = ArticleList::from_sorted(order);
        let by = self.order();
        by.sort(&mut arrived);
        let mut sorted = std::mem::take(&mut self.sorted);
        sorted.merge(&arrived, &self.order());
        self.sorted = sorted;
        self.rebuild_list(true);
        for event in loading.deferred {
            self.apply(event);
        }
        self.settle();
    }

    // ---- lookups ----

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

    /// The selected feed's problem (error, "moved to", "last ok"), wrapped to `width`.
    pub fn feed_details(&self, width: u16) -> Vec<StyledLine> {
        let state = self.selected_feed().and_then(|f| f.state.as_ref());
        details::feed_details(state, self.tz, width)
    }

    // ---- geometry ----

    /// Visible rows of the articles list at the current size.
    pub fn article_list_height(&self) -> usize {
        layout::article_list_height(self.size, self.reader.is_some())
    }

    /// Visible rows of the feeds list (the pane less the selected feed's details).
    pub fn feed_list_height(&self) -> usize {
        let Some(inner) = layout::feeds_inner(self.size, self.reader.is_some()) else {
            return usize::from(self.size.1);
        };
        let lines = self.feed_details(inner.width).len();
        usize::from(layout::split_feed_details(inner, lines).0.height)
    }

    /// Visible rows of the reader's text.
    pub fn reader_height(&self) -> usize {
        layout::reader_size(self.size).1.into()
    }

    pub(crate) fn push_notice(&mut self, text: impl Into<String>) {
        let text = sanitize_inline(&text.into());
        self.notices.push(text.clone());
        self.notice = Some(text);
    }

    // ---- engine events ----

    /// Applies one engine event. Lists are brought up to date by the next `settle`.
    pub(crate) fn apply(&mut self, event: Event) {
        match event {
            Event::Progress(p) => self.progress = p,
            Event::FeedUpdated {
                state: feed,
                new_articles,
                ..
            } => self.feed_updated(feed, new_articles),
            Event::BodyLoaded { id, body, .. } => self.body_loaded(id, body),
            Event::FullTextLoaded { id, result, .. } => {
                self.full_text_loaded(id, result.map_err(|e| e.to_string()))
            }
            Event::HighlightsUpdated(items) => self.highlights_updated(items),
            Event::ImageLoaded { key, result } => self.images.loaded(key, result),
            Event::Notice(text) => self.push_notice(text),
            // The TUI forces its refreshes (nothing waits) and reads prefetched full text from
            // the store when the article is opened; `Progress` already says when a run ends.
            Event::FeedWaiting { .. }
            | Event::FullTextPrefetched { .. }
            | Event::RunFinished(_) => {}
            // Kill rules changed stored articles at start-up; the notices say what they did.
            // (Re-reading the articles from the store is the triage slice's reload.)
            Event::StoredArticlesChanged => {}
        }
    }

    /// Applies a polled feed's new state and articles: O(1) for the state (a 304), O(1) per
    /// new article until `settle` places them.
    pub(crate) fn feed_updated(&mut self, state: FeedState, new_articles: Vec<ArticleMeta>) {
        if let Some(&f) = self.feed_index.get(&state.id) {
            let id = state.id;
            if self.feeds[f].apply_state(state) {
                // The reader header shows the feed's title.
                let shown = self
                    .reader
                    .and_then(|r| self.article(r.id))
                    .is_some_and(|a| a.feed == id);
                if shown {
                    self.invalidate_reader();
                    self.relayout_reader();
                }
            }
        }
        for a in new_articles {
            if self.article_index.contains_key(&a.id) {
                continue;
            }
            let i = self.articles.len();
            self.article_index.insert(a.id, i);
            self.articles.push(a);
            self.count(i, true);
            self.fresh.push(i);
        }
    }

    pub(crate) fn highlights_updated(&mut self, items: Vec<(ArticleId, Vec<u16>)>) {
        if let Some(loading) = self.loading.as_mut() {
            loading.deferred.push(Event::HighlightsUpdated(items));
            return;
        }
        // Highlights decide the place only in a highlight-first order and the highlights view.
        let reorder = self.config.sort == crate::config::SortOrder::HighlightFirst
            || self.view == ListView::Highlights;
        let mut changed = false;
        for (id, rules) in items {
            let Some(&i) = self.article_index.get(&id) else {
                continue;
            };
            if self.articles[i].highlights == rules {
                continue;
            }
            self.count(i, false);
            self.articles[i].highlights = rules;
            self.count(i, true);
            if reorder {
                self.moved.push(i);
            }
            changed = true;
        }
        if changed {
            self.invalidate_reader();
            self.relayout_reader();
        }
    }

    /// Sets read flags locally; returns the ids that changed.
    pub(crate) fn set_read(&mut self, ids: &[ArticleId], read: bool) -> Vec<ArticleId> {
        let mut changed = Vec::new();
        for &id in ids {
            let Some(&i) = self.article_index.get(&id) else {
                continue;
            };
            if self.articles[i].read != read {
                self.count(i, false);
                self.articles[i].read = read;
                self.count(i, true);
                changed.push(id);
            }
        }
        changed
    }

    /// Flips the star of an article; returns the new value.
    pub(crate) fn toggle_star(&mut self, id: ArticleId) -> Option<bool> {
        let i = *self.article_index.get(&id)?;
        let a = &mut self.articles[i];
        a.starred = !a.starred;
        Some(a.starred)
    }

    // ---- bodies and the reader ----

    pub(crate) fn body_state(&self, id: ArticleId) -> Option<&BodyState> {
        self.bodies.body(id)
    }

    pub(crate) fn full_state(&self, id: ArticleId) -> Option<&FullState> {
        self.bodies.full(id)
    }

    pub(crate) fn set_body_state(&mut self, id: ArticleId, body: BodyState) {
        let open = self.reader.map(|r| r.id);
        self.bodies.set_body(id, body, open);
        if open == Some(id) {
            self.invalidate_reader();
        }
    }

    pub(crate) fn set_full_state(&mut self, id: ArticleId, full: FullState) {
        self.bodies.set_full(id, full);
        if self.reader.is_some_and(|r| r.id == id) {
            self.invalidate_reader();
        }
    }

    fn render_body(&self, id: ArticleId, body: &ArticleBody) -> Arc<Document> {
        let base = self.article(id).and_then(|a| a.link.as_deref());
        reader::render_body(&self.cleaner, &self.highlighter, body, base)
    }

    pub(crate) fn body_loaded(&mut self, id: ArticleId, body: Option<ArticleBody>) {
        let state = match body {
            Some(body) => BodyState::Ready(self.render_body(id, &body)),
            None => BodyState::Missing,
        };
        self.set_body_state(id, state);
        if self.reader.is_some_and(|r| r.id == id) {
            self.relayout_reader();
        }
    }

    pub(crate) fn full_text_loaded(&mut self, id: ArticleId, result: Result<ArticleBody, String>) {
        let state = match result {
            Ok(body) => FullState::Ready(self.render_body(id, &body)),
            Err(e) => FullState::Failed(sanitize_inline(&e)),
        };
        self.set_full_state(id, state);
        if self.reader.is_some_and(|r| r.id == id) {
            self.relayout_reader();
        }
    }

    /// The directory of a feed that is a local file (its articles' relative images are
    /// files there); `None` for feeds from the web.
    fn local_feed_dir(&self, feed: FeedId) -> Option<std::path::PathBuf> {
        let url = &self.feed(feed)?.url;
        let config = self.config.feeds.iter().find(|f| &f.url == url)?;
        match &config.location {
            crate::config::FeedLocation::File(path) => path.parent().map(|p| p.to_path_buf()),
            crate::config::FeedLocation::Http(_) => None,
        }
    }

    /// The document the reader shows (feed text or full text), when it is ready.
    pub fn reader_document(&self) -> Option<&Arc<Document>> {
        self.reader.and_then(|r| self.bodies.document(r))
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
        let Some(article) = self.article(r.id) else {
            self.reader_lines.clear();
            self.reader_key = None;
            return;
        };
        let (width, height) = layout::reader_size(self.size);
        let key = (r.id, r.full, width);
        if self.reader_key != Some(key) {
            let page = Page {
                article,
                feed_title: self.feed_title(article.feed),
                reader: r,
                bodies: &self.bodies,
                highlighter: &self.highlighter,
                tz: self.tz,
            };
            let (lines, placed) = reader::lay_out_anchored(&page, width);
            let local_dir = if self.images.enabled() && !placed.is_empty() {
                self.local_feed_dir(article.feed)
            } else {
                None
            };
            self.reader_lines = self
                .images
                .place(r, width, lines, placed, local_dir.as_deref());
            self.reader_key = Some(key);
        }
        let max = self.reader_lines.len().saturating_sub(usize::from(height));
        if let Some(r) = self.reader.as_mut() {
            r.scroll = r.scroll.min(max);
        }
    }
}
