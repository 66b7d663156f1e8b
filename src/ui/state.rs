//! Everything the TUI shows, as data: feeds with their unread counts, articles, the current
//! list, selections, the open article. Changed only by `update`; never does I/O.
//! Built for 100,000 articles and 10,000 feeds: an engine event costs what it carries, never
//! what the store holds. Counts move by deltas, new articles are merged into the lists at
//! their place (see `list`), once per batch of events (`settle`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, Utc};

use crate::clean::{sanitize_inline, Cleaner, Document};
use crate::config::{Config, FeedConfig, SortOrder};
use crate::engine::{Event, Progress, SyncState, SyncStatus};
use crate::highlight::Highlighter;
use crate::model::{ArticleBody, ArticleId, ArticleMeta, FeedId, FeedState};
use crate::query::{Context, FeedInfo};
use crate::store::FlagChange;
use crate::styled::StyledLine;

use super::details;
use super::feeds_pane::{FeedsPane, Row};
use super::keys::Keymap;
use super::layout::{self, Areas};
use super::list::{ArticleList, FeedRanks, Order};
use super::live::LiveConfig;
use super::load::{Loaded, Startup};
use super::media::Media;
use super::prompt::{History, Picker, Prompt};
use super::reader::{self, Bodies, Page, ReaderImages};
use super::theme::Theme;
use super::undo::UndoStack;
use super::views::{QueryView, Views, Which, WordAnswer, WordJob};

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
    /// The feed's tags (the config's `tags`; a sync server's categories): its groups in the
    /// feeds pane and what `tag:` matches.
    pub tags: Vec<String>,
}

impl FeedEntry {
    /// The entry of a configured feed (a `[[feeds]]` table or a synced subscription).
    fn from_config(f: &FeedConfig) -> FeedEntry {
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
            tags: f.tags.clone(),
        }
    }

    pub fn is_failing(&self) -> bool {
        self.state.as_ref().is_some_and(FeedState::is_failing)
    }

    /// The last document was read only in part, or with a warning (not a failure).
    pub fn has_warning(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.warning.is_some())
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
    /// The config changed the feeds meanwhile: the counts are recounted once all are in.
    recount: bool,
    /// The config changed the order meanwhile: the loaded rows are sorted again.
    reordered: bool,
}

/// Reading every article again from the store after kill rules changed it (hid, showed
/// again, marked read, dropped). The store is read once the writer has committed what the
/// TUI asked for before (`Command::Flush`); what changes in the state after that point is
/// journaled here, so that the read does not undo it.
#[derive(Debug, Default)]
struct Reload {
    /// The flush is done and the store is being read.
    reading: bool,
    /// Kill rules changed the store again while it was read: read once more.
    again: bool,
    /// Articles whose read or star flag the user changed since the flush was asked for.
    touched: HashSet<ArticleId>,
    /// Articles whose highlight matches changed since then.
    rematched: HashSet<ArticleId>,
    /// Articles the engine delivered since then (the read may not hold them yet).
    arrived: HashSet<ArticleId>,
}

/// The last mouse click, to recognise a double click.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Click {
    pub at: Instant,
    pub column: u16,
    pub row: u16,
}

/// What the list showed before the search prompt opened.
#[derive(Clone, Debug)]
pub(crate) struct Back {
    pub view: ListView,
    pub search: Option<QueryView>,
    pub feed_cursor: Cursor,
    pub selected: Option<ArticleId>,
    pub focus: Pane,
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
    /// Every article, in the chosen order: the rows of "All articles".
    sorted: ArticleList,
    /// The order of the lists (`S` cycles; starts as the config's `sort`).
    pub sort: SortOrder,
    /// Feeds in the feeds pane's order, for the by-feed sort.
    ranks: FeedRanks,

    pub view: ListView,
    /// The articles pane's list: indices into `articles`.
    pub list: ArticleList,
    /// The feeds pane's rows: "All articles", views, tag groups, feeds.
    pub pane: FeedsPane,
    /// Saved views and the search, with the word hits they share.
    pub views: Views,
    /// The prompt at the bottom (`/`, `a`), while it is open.
    pub prompt: Option<Prompt>,
    /// Searches made, kept across restarts.
    pub history: History,
    /// Where Esc in the search prompt goes back to.
    pub(crate) search_back: Option<Back>,
    /// A page offered several feeds: the choice shown at the bottom.
    pub picker: Option<Picker>,
    /// The url being looked up for `a` (the status bar says so).
    pub subscribing: Option<String>,
    pub(crate) undo: UndoStack,
    /// Store look-ups the run loop must start (word hits of views and searches).
    jobs: Vec<WordJob>,
    /// A feed's title changed since the views resolved `feed:` terms.
    titles_changed: bool,
    /// Cursor in the feeds pane's rows.
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
    /// Enclosures of the articles looked at, downloads in progress, a pending `e`/`E`.
    pub media: Media,
    /// The open article's image slots and pictures (nothing while images are off).
    pub images: ReaderImages,

    pub progress: Progress,
    /// The sync with the `[sync]` server, as the engine last reported it (`None`: no sync).
    pub sync: Option<SyncStatus>,
    /// Every notice of the session; the last one shows in the status bar until a key press.
    pub notices: Vec<String>,
    pub notice: Option<String>,
    /// Help overlay, with its scroll offset.
    pub help: Option<usize>,
    pub welcome: Option<String>,
    /// Why the config file on disk is not in use (it changed and is broken; the last good
    /// config runs on). Shown in the status bar until the file is fixed.
    pub config_error: Option<String>,
    /// The last left click (see `mouse`).
    pub last_click: Option<Click>,
    /// Unread articles, every stored feed included.
    pub total_unread: usize,
    /// Unread articles matching a rule, over the configured feeds.
    total_highlighted_unread: usize,

    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Whether the terminal window has focus, as it last reported (None: it never said;
    /// not every terminal reports focus). Used to decide about notifications.
    pub terminal_focus: Option<bool>,
    /// The clock and time zone used for dates (fixed in tests).
    pub now: DateTime<Utc>,
    pub tz: FixedOffset,

    /// Articles added since the last `settle`, to merge into the lists.
    fresh: Vec<usize>,
    /// Articles whose place in the lists may have changed (their highlights did).
    moved: Vec<usize>,
    loading: Option<Loading>,
    reload: Option<Reload>,
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
        let mut state = AppState::empty(config, highlighter, cleaner, keymap, feeds);
        let loaded = Loaded::build(articles, state.sort, &state.highlighter, &state.ranks);
        state.articles = loaded.articles;
        state.article_index = loaded.index;
        state.sorted = ArticleList::from_sorted(loaded.order);
        for i in 0..state.articles.len() {
            state.count(i, true);
        }
        state.views_ready();
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
        let mut state = AppState::empty(config, highlighter, cleaner, keymap, startup.feeds);
        let loaded = Loaded::build(startup.window, state.sort, &state.highlighter, &state.ranks);
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
                recount: false,
                reordered: false,
            });
        }
        state.views_ready();
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
        let mut entries: Vec<FeedEntry> = config.feeds.iter().map(FeedEntry::from_config).collect();
        let feed_index: HashMap<FeedId, usize> =
            entries.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
        // Feeds the store knows but the config no longer lists are not shown (their articles
        // still appear under "All articles").
        for s in feeds {
            if let Some(&i) = feed_index.get(&s.id) {
                entries[i].apply_state(s);
            }
        }
        let pane = FeedsPane::new(
            config.views.len(),
            entries.iter().map(|f| f.tags.as_slice()),
        );
        let ids: Vec<FeedId> = entries.iter().map(|f| f.id).collect();
        let ranks = pane.ranks(&ids);
        let ctx = query_context(&entries, &highlighter, config.highlight.len(), Utc::now());
        let views = Views::new(saved_views(&config, &ctx));
        AppState {
            sort: config.sort,
            ranks,
            pane,
            views,
            prompt: None,
            history: History::default(),
            search_back: None,
            picker: None,
            subscribing: None,
            undo: UndoStack::default(),
            jobs: Vec::new(),
            titles_changed: false,
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
            media: Media::default(),
            images: ReaderImages::default(),
            progress: Progress::default(),
            sync: None,
            notices: Vec::new(),
            notice: None,
            help: None,
            welcome: None,
            config_error: None,
            last_click: None,
            total_unread: 0,
            total_highlighted_unread: 0,
            size: (80, 24),
            terminal_focus: None,
            now: Utc::now(),
            tz: FixedOffset::east_opt(0).expect("zero offset is valid"),
            fresh: Vec::new(),
            moved: Vec::new(),
            loading: None,
            reload: None,
        }
    }

    // ---- counts ----

    /// Adds (or takes away) article `i`'s share of the unread counts.
    fn count(&mut self, i: usize, add: bool) {
        let a = &self.articles[i];
        if a.read {
            return;
        }
        self.views.count(a, add);
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
        match self.view {
            ListView::All => true,
            ListView::View(v) => self.loading.is_none() && self.views.ready(Which::Saved(v)),
            ListView::Search => self.loading.is_none() && self.views.ready(Which::Search),
            _ => self.loading.is_none(),
        }
    }

    /// Whether the current list is a query's whose word hits are still on their way.
    pub fn query_pending(&self) -> bool {
        match self.view {
            ListView::Search => !self.views.ready(Which::Search),
            ListView::View(v) => !self.views.ready(Which::Saved(v)),
            _ => false,
        }
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

    /// The order of "All articles" (the current sort).
    fn order(&self) -> Order<'_> {
        self.order_for(self.sort)
    }

    fn order_for(&self, sort: SortOrder) -> Order<'_> {
        Order::new(sort, &self.articles, &self.highlighter, &self.ranks)
    }

    /// Whether `view` lists an article: decided by the article, its feed's tags, or a query.
    fn admitter(&self, view: ListView) -> Box<dyn Fn(&ArticleMeta) -> bool + '_> {
        match view {
            ListView::Tag(t) => {
                let feeds: std::collections::HashSet<FeedId> = self
                    .pane
                    .tag_feeds(t)
                    .iter()
                    .filter_map(|&f| self.feeds.get(f).map(|f| f.id))
                    .collect();
                Box::new(move |a| feeds.contains(&a.feed))
            }
            ListView::View(v) => Box::new(move |a| self.views.matches(Which::Saved(v), a)),
            ListView::Search => Box::new(move |a| self.views.matches(Which::Search, a)),
            simple => Box::new(move |a| simple.admits(a).unwrap_or(false)),
        }
    }

    /// Rebuilds the articles pane's list for the current view (one pass over the sorted
    /// articles: a key press, never an engine event). With `keep` (and once the user has used
    /// the list), the selected article stays selected and on the same screen row. Otherwise
    /// the selection goes to the top.
    pub(crate) fn rebuild_list(&mut self, keep: bool) {
        let screen_row = self.screen_row();
        let sort = self.sort;
        self.list = if !self.list_complete() {
            ArticleList::default()
        } else if self.view == ListView::All {
            self.sorted.clone()
        } else {
            let view = self.view;
            let articles = &self.articles;
            let admits = self.admitter(view);
            let mut list = ArticleList::filtered(&self.sorted, |i| admits(&articles[i]));
            if view.sort(sort) != sort {
                let mut rows = list.to_vec();
                self.order_for(view.sort(sort)).sort(&mut rows);
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
            let order = self.order_for(self.view.sort(self.sort));
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
        let sort = self.sort;
        let order = Order::new(sort, &self.articles, &self.highlighter, &self.ranks);
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
            let admits = self.admitter(view);
            add.retain(|&i| admits(&self.articles[i]));
            drop(admits);
            let view_order = Order::new(
                view.sort(sort),
                &self.articles,
                &self.highlighter,
                &self.ranks,
            );
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
            sort,
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
        let mut order = order;
        if loading.reordered || sort != self.sort {
            self.order().sort(&mut order);
        }
        let by = self.order();
        by.sort(&mut arrived);
        let mut sorted = ArticleList::from_sorted(order);
        sorted.merge(&arrived, &by);
        self.sorted = sorted;
        if loading.recount {
            self.recount();
        }
        // Views count over every article: now they can.
        self.views.recount(&self.articles);
        self.rebuild_list(true);
        for event in loading.deferred {
            self.apply(event);
        }
        self.settle();
    }

    /// Counts every unread article again (the feeds changed).
    fn recount(&mut self) {
        self.total_unread = 0;
        self.total_highlighted_unread = 0;
        for f in &mut self.feeds {
            f.unread = 0;
            f.highlighted_unread = 0;
        }
        for i in 0..self.articles.len() {
            self.count(i, true);
        }
        // Absolute counts (the passes above only added to what the views had).
        self.views.recount(&self.articles);
    }

    // ---- live config and reloads ----

    /// Swaps in a new config and what was built from it: feeds (a feed that stays keeps its
    /// state and counts; the selection stays on its feed, or goes to "All articles" when its
    /// feed is gone), rules, key table, theme, order. Bodies cleaned or highlighted under the
    /// old rules are dropped (the open one is loaded again by `update`).
    pub(crate) fn reconfigure(&mut self, live: LiveConfig) {
        let old = std::mem::replace(&mut self.config, live.config);
        self.keymap = live.keymap;
        self.theme = live.theme;
        let rules_changed = old.highlight != self.config.highlight;
        if rules_changed || old.boilerplate != self.config.boilerplate {
            self.bodies = Bodies::default();
        }
        self.highlighter = live.highlighter;
        self.cleaner = live.cleaner;
        self.welcome = None;
        let feeds_changed = old.feeds != self.config.feeds;
        let spot = self.spot();
        if feeds_changed {
            self.rebuild_feeds();
        }
        if feeds_changed || old.views != self.config.views || rules_changed {
            self.rebuild_pane(spot);
        }
        // A new `sort` in the file is where `S` starts again.
        if old.sort != self.config.sort {
            self.sort = self.config.sort;
        }
        let reorder = old.sort != self.config.sort
            || (rules_changed && self.sort == SortOrder::HighlightFirst)
            || (feeds_changed && self.sort == SortOrder::Feed);
        if reorder {
            let mut rows = self.sorted.to_vec();
            self.order().sort(&mut rows);
            self.sorted = ArticleList::from_sorted(rows);
            if let Some(loading) = self.loading.as_mut() {
                loading.reordered = true;
            }
        }
        self.rebuild_list(true);
        let (rows, height) = (self.feed_rows(), self.feed_list_height());
        self.feed_cursor.scroll_into_view(rows, height);
        self.invalidate_reader();
        self.relayout_reader();
    }

    /// What the feeds pane's cursor is on, by name (rows move when the pane is rebuilt).
    fn spot(&self) -> Spot {
        match self.selected_row() {
            Row::All => Spot::All,
            Row::View(v) => Spot::View(v),
            Row::Tag(t) => self
                .pane
                .groups
                .get(t)
                .map_or(Spot::All, |g| Spot::Tag(g.name.to_lowercase())),
            Row::Feed { feed, .. } => self.feeds.get(feed).map_or(Spot::All, |f| Spot::Feed(f.id)),
        }
    }

    /// Builds the feeds pane's rows, the feed ranks and the saved views again after the
    /// feeds, their tags or the views changed (a reloaded config, a subscription the sync
    /// server gained). Folded groups stay folded; the cursor stays on the feed, view or tag
    /// it was on when that is still there, else goes to "All articles".
    fn rebuild_pane(&mut self, spot: Spot) {
        let folded: HashSet<String> = self
            .pane
            .groups
            .iter()
            .filter(|g| g.folded)
            .map(|g| g.name.to_lowercase())
            .collect();
        let mut pane = FeedsPane::new(
            self.config.views.len(),
            self.feeds.iter().map(|f| f.tags.as_slice()),
        );
        for at in 0..pane.groups.len() {
            if folded.contains(&pane.groups[at].name.to_lowercase()) {
                if let Some(row) = pane.tag_row(at) {
                    pane.toggle_fold(row);
                }
            }
        }
        let ids: Vec<FeedId> = self.feeds.iter().map(|f| f.id).collect();
        self.ranks = pane.ranks(&ids);
        self.pane = pane;

        let ctx = self.query_context();
        let names_or_queries_changed = self.views.saved.len() != self.config.views.len()
            || self
                .views
                .saved
                .iter()
                .zip(&self.config.views)
                .any(|(v, c)| v.name != sanitize_inline(&c.name) || v.query != c.query);
        if names_or_queries_changed {
            self.views.saved = saved_views(&self.config, &ctx);
        }
        self.views.reprepare(&ctx, &self.articles);
        self.views_ready();

        let row = match spot {
            Spot::All => Some(0),
            Spot::View(v) => (v < self.config.views.len()).then(|| 1 + v),
            Spot::Tag(name) => self
                .pane
                .groups
                .iter()
                .position(|g| g.name.to_lowercase() == name)
                .and_then(|t| self.pane.tag_row(t)),
            Spot::Feed(id) => self
                .feed_index
                .get(&id)
                .and_then(|&i| self.pane.reveal_feed(i)),
        };
        let (rows, height) = (self.feed_rows(), self.feed_list_height());
        self.feed_cursor.select(row.unwrap_or(0), rows, height);
        self.view = self.view_for_feed_row();
    }

    /// The feed entries again from the config (the cursor is `rebuild_pane`'s to place).
    fn rebuild_feeds(&mut self) {
        let mut old: HashMap<FeedId, FeedEntry> = std::mem::take(&mut self.feeds)
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
        self.feeds = self
            .config
            .feeds
            .iter()
            .map(|f| {
                let mut entry = FeedEntry::from_config(f);
                if let Some(was) = old.remove(&entry.id) {
                    entry.unread = was.unread;
                    entry.highlighted_unread = was.highlighted_unread;
                    if let Some(state) = was.state {
                        entry.apply_state(state);
                    }
                }
                entry
            })
            .collect();
        self.feed_index = self
            .feeds
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i))
            .collect();
        match self.loading.as_mut() {
            // Only the first rows are in: the counts are made once all are.
            Some(loading) => loading.recount = true,
            None => self.recount(),
        }
        if let ListView::Feed(id) = self.view {
            if !self.feed_index.contains_key(&id) {
                self.view = ListView::All;
            }
        }
    }

    /// Kill rules changed the stored articles: returns whether to ask the engine for a flush
    /// (a reload starts; see [`Reload`]).
    pub(crate) fn stored_articles_changed(&mut self) -> bool {
        match self.reload.as_mut() {
            None => {
                self.reload = Some(Reload::default());
                true
            }
            Some(reload) => {
                // Not read yet: the read comes after this change anyway.
                reload.again |= reload.reading;
                false
            }
        }
    }

    /// The engine flushed: returns whether to read the store now.
    pub(crate) fn flushed(&mut self) -> bool {
        match self.reload.as_mut() {
            Some(reload) if !reload.reading => {
                reload.reading = true;
                true
            }
            _ => false,
        }
    }

    /// Replaces the articles with those read from the store: the store decides what is
    /// hidden, dropped or read by a rule; what changed in the state since the flush wins
    /// (see [`Reload`]). The selection stays on its article while it exists. Returns whether
    /// to read again (the store changed again meanwhile).
    pub(crate) fn articles_reloaded(&mut self, loaded: Result<Loaded, String>) -> bool {
        let Some(reload) = self.reload.take() else {
            return false;
        };
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(e) => {
                self.push_notice(e);
                return false;
            }
        };
        self.settle();
        // Read in the current order (`sort` is the one it was asked for).
        let Loaded {
            mut articles,
            mut index,
            order,
            sort: _,
        } = loaded;
        let mine = |id: &ArticleId| self.article_index.get(id).map(|&i| &self.articles[i]);
        for id in &reload.touched {
            if let (Some(&i), Some(a)) = (index.get(id), mine(id)) {
                articles[i].read = a.read;
                articles[i].starred = a.starred;
            }
        }
        for id in &reload.rematched {
            if let (Some(&i), Some(a)) = (index.get(id), mine(id)) {
                articles[i].highlights = a.highlights.clone();
            }
        }
        let mut arrived = Vec::new();
        for id in &reload.arrived {
            if let (false, Some(a)) = (index.contains_key(id), mine(id)) {
                index.insert(*id, articles.len());
                arrived.push(articles.len());
                articles.push(a.clone());
            }
        }
        self.articles = articles;
        self.article_index = index;
        let mut order = order;
        let by = self.order();
        if !by.is_sorted(&order) {
            by.sort(&mut order);
        }
        by.sort(&mut arrived);
        let mut sorted = ArticleList::from_sorted(order);
        sorted.merge(&arrived, &self.order());
        self.sorted = sorted;
        let deferred = self.loading.take().map(|l| l.deferred).unwrap_or_default();
        self.recount();
        if let Some(r) = self.reader {
            if !self.article_index.contains_key(&r.id) {
                // Its article is gone (dropped, or hidden by a rule).
                self.reader = None;
                if self.focus == Pane::Reader {
                    self.focus = Pane::Articles;
                }
            }
        }
        self.rebuild_list(true);
        self.invalidate_reader();
        self.relayout_reader();
        for event in deferred {
            self.apply(event);
        }
        self.settle();
        if reload.again {
            self.reload = Some(Reload::default());
        }
        reload.again
    }

    // ---- geometry of the frame ----

    /// Where each pane is drawn at the current size (what `view` draws into).
    pub fn areas(&self) -> Areas {
        self.areas_in(self.size.0, self.size.1)
    }

    /// Where each pane is drawn in a frame of `width` x `height`.
    pub fn areas_in(&self, width: u16, height: u16) -> Areas {
        layout::compute(
            width,
            height,
            self.focus,
            self.reader.is_some(),
            self.welcome.is_some() && self.feeds.is_empty(),
        )
    }

    // ---- lookups ----

    /// Rows in the feeds pane list ("All articles", views, tag groups, feeds).
    pub fn feed_rows(&self) -> usize {
        self.pane.len()
    }

    /// Feeds in the feeds pane's order (for the by-feed sort of the background load).
    pub fn feed_ranks(&self) -> FeedRanks {
        self.ranks.clone()
    }

    /// The feeds pane's selected row.
    pub fn selected_row(&self) -> Row {
        self.pane.row(self.feed_cursor.selected).unwrap_or(Row::All)
    }

    /// The feed on the feeds pane's selected row (`None` for the other rows).
    pub fn selected_feed(&self) -> Option<&FeedEntry> {
        match self.selected_row() {
            Row::Feed { feed, .. } => self.feeds.get(feed),
            _ => None,
        }
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
        match self.selected_row() {
            Row::All => ListView::All,
            Row::View(v) => ListView::View(v),
            Row::Tag(t) => ListView::Tag(t),
            Row::Feed { feed, .. } => self
                .feeds
                .get(feed)
                .map_or(ListView::All, |f| ListView::Feed(f.id)),
        }
    }

    /// What `feed:`, `tag:` and `hl:NAME` see: the feeds as the pane shows them (display
    /// titles, tags), the rules' labels, and the state's clock.
    pub fn query_context(&self) -> Context {
        query_context(
            &self.feeds,
            &self.highlighter,
            self.config.highlight.len(),
            self.now,
        )
    }

    /// Unread articles of a tag group (its feeds' counts summed; each article has one feed).
    pub fn tag_unread(&self, t: usize) -> (usize, usize) {
        self.pane.tag_feeds(t).iter().fold((0, 0), |(u, h), &f| {
            let f = &self.feeds[f];
            (u + f.unread, h + f.highlighted_unread)
        })
    }

    // ---- views and searches ----

    /// Asks for the saved views' word hits when some are missing, and counts the views that
    /// can be counted (every article in memory).
    fn views_ready(&mut self) {
        let missing = self.views.missing_saved_terms();
        if !missing.is_empty() {
            self.jobs.push(WordJob::Terms(missing));
        }
        if self.loading.is_none() {
            self.views.recount(&self.articles);
        }
    }

    /// The store look-ups to start (taken by `update`, which hands them to the run loop).
    pub(crate) fn take_jobs(&mut self) -> Vec<WordJob> {
        std::mem::take(&mut self.jobs)
    }

    /// Takes the store's answer about word terms.
    pub(crate) fn words_answered(&mut self, answer: WordAnswer) {
        match answer {
            WordAnswer::Terms(hits) => {
                self.views.add_hits(hits);
                if self.loading.is_none() {
                    self.views.recount(&self.articles);
                }
                if matches!(self.view, ListView::View(_)) {
                    self.rebuild_list(true);
                }
            }
            WordAnswer::Search { seq, hits } => {
                // An answer for an older query still holds good hits (a newer query may
                // share its terms); the list changes for the newest query only.
                let pending = self.query_pending();
                self.views.add_hits(hits);
                self.views.forget_unused();
                let newest = seq == self.views.search_seq;
                if self.view == ListView::Search && (newest || pending) && !self.query_pending() {
                    self.rebuild_list(false);
                }
            }
            WordAnswer::Classified { ids, hits } => {
                // Each article's share comes out under the old answers and goes back under
                // the new ones; its place in the list is looked at again.
                let rows: Vec<usize> = ids
                    .iter()
                    .filter_map(|id| self.article_index.get(id).copied())
                    .collect();
                for &i in &rows {
                    self.count(i, false);
                }
                self.views.add_hits(hits);
                for &i in &rows {
                    self.count(i, true);
                }
                if matches!(self.view, ListView::View(_) | ListView::Search) {
                    self.moved.extend(rows);
                }
            }
            WordAnswer::Failed(e) => {
                self.push_notice(format!("{} {e}", super::strings::SEARCH_FAILED));
            }
        }
    }

    /// Sets the search's query (from the prompt) and asks for its word hits: a job for the
    /// run loop, which answers at once when every term is cached.
    pub(crate) fn set_search(&mut self, text: &str, query: crate::query::Query) {
        let ctx = self.query_context();
        let view = QueryView::new(text.trim().to_string(), query, &ctx);
        let terms = self.views.cache().missing(view.terms());
        self.views.search = Some(view);
        self.views.search_seq += 1;
        self.jobs.push(WordJob::Search {
            seq: self.views.search_seq,
            terms,
        });
    }

    /// The run finished and is committed: asks which new articles the word terms match,
    /// and resolves `feed:` terms again when feed titles changed.
    fn run_finished(&mut self) {
        let ids = self.views.take_unclassified();
        if !ids.is_empty() {
            let terms = self.views.terms_in_use();
            self.jobs.push(WordJob::Classify { ids, terms });
        }
        if std::mem::take(&mut self.titles_changed) && self.loading.is_none() {
            let ctx = self.query_context();
            self.views.reprepare(&ctx, &self.articles);
            if matches!(self.view, ListView::View(_) | ListView::Search) {
                self.rebuild_list(true);
            }
        }
    }

    /// Resolves a saved view's feeds, tags and ages again (time passes) and counts it.
    pub(crate) fn refresh_view(&mut self, v: usize) {
        if self.loading.is_some() {
            return;
        }
        let ctx = self.query_context();
        if let Some(view) = self.views.saved.get_mut(v) {
            view.prepare(&ctx);
        }
        self.views.recount_one(v, &self.articles);
    }

    /// Changes the order of every list (`S`): one sort of every article; the selected
    /// article stays selected.
    pub(crate) fn set_sort(&mut self, sort: SortOrder) {
        self.settle();
        self.sort = sort;
        let mut rows = self.sorted.to_vec();
        Order::new(sort, &self.articles, &self.highlighter, &self.ranks).sort(&mut rows);
        self.sorted = ArticleList::from_sorted(rows);
        if self.selected.is_some() {
            self.list_touched = true;
        }
        self.rebuild_list(true);
    }

    /// Folds the tag group under the feeds cursor (`all`: every group); the cursor stays on
    /// what it showed, or goes to the group's heading.
    pub(crate) fn fold(&mut self, all: bool) -> bool {
        let at = self.feed_cursor.selected;
        let to = if all {
            if self.pane.groups.is_empty() {
                return false;
            }
            Some(self.pane.toggle_fold_all(at))
        } else {
            self.pane.toggle_fold(at)
        };
        let Some(to) = to else {
            return false;
        };
        let height = self.feed_list_height();
        let rows = self.feed_rows();
        self.feed_cursor.select(to, rows, height);
        true
    }

    /// Shows feed `i`'s row (unfolding its group when needed) and selects it.
    pub(crate) fn select_feed_row(&mut self, i: usize) {
        if let Some(row) = self.pane.reveal_feed(i) {
            let height = self.feed_list_height();
            let rows = self.feed_rows();
            self.feed_cursor.select(row, rows, height);
        }
    }

    /// The article's row in the current list (a binary search).
    pub(crate) fn row_of(&self, id: ArticleId) -> Option<usize> {
        let &i = self.article_index.get(&id)?;
        self.list
            .position(i, &self.order_for(self.view.sort(self.sort)))
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
            Event::EnclosuresLoaded { id, enclosures } => {
                let open = self.reader.map(|r| r.id);
                self.media.loaded(id, enclosures, open);
                self.enclosures_changed(id);
            }
            Event::DownloadProgress {
                id,
                index,
                done,
                total,
            } => self.media.progress(id, index, done, total),
            Event::DownloadFinished { id, index, result } => {
                self.download_finished(id, index, result)
            }
            // The TUI forces its refreshes (nothing waits) and reads prefetched full text from
            // the store when the article is opened; `Progress` already says when a run ends.
            // `update` decides about notifications (`Event::Notify`) before events get here.
            Event::FeedWaiting { .. } | Event::FullTextPrefetched { .. } | Event::Notify(_) => {}
            Event::RunFinished(_) => self.run_finished(),
            // A reload of the articles, which needs effects: `update` handles them.
            Event::StoredArticlesChanged | Event::Flushed => {}
            Event::Sync(status) => self.sync_status(status),
            Event::SyncedArticles(new_articles) => self.add_articles(new_articles),
            Event::SyncedFlags(changes) => self.synced_flags(changes),
            Event::SyncedFeeds(feeds) => self.synced_feeds(feeds),
        }
    }

    /// Sets one article's star; returns whether it changed.
    pub(crate) fn set_star(&mut self, id: ArticleId, starred: bool) -> bool {
        let Some(&i) = self.article_index.get(&id) else {
            return false;
        };
        if self.articles[i].starred == starred {
            return false;
        }
        self.count(i, false);
        self.articles[i].starred = starred;
        self.count(i, true);
        true
    }

    /// Applies a polled feed's new state and articles: O(1) for the state (a 304), O(1) per
    /// new article until `settle` places them.
    pub(crate) fn feed_updated(&mut self, state: FeedState, new_articles: Vec<ArticleMeta>) {
        if let Some(&f) = self.feed_index.get(&state.id) {
            let id = state.id;
            if self.feeds[f].apply_state(state) {
                self.titles_changed = true;
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
        self.add_articles(new_articles);
    }

    /// Takes articles new to the store (polled or synced): O(1) each until `settle` places
    /// them in the lists.
    fn add_articles(&mut self, new_articles: Vec<ArticleMeta>) {
        for a in new_articles {
            if self.article_index.contains_key(&a.id) {
                continue;
            }
            if let Some(reload) = self.reload.as_mut() {
                reload.arrived.insert(a.id);
            }
            let i = self.articles.len();
            self.article_index.insert(a.id, i);
            self.views.arrived(a.id);
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
        // Highlights decide the place only in a highlight-first order, the highlights view,
        // and query lists (`hl` terms).
        let reorder = self.sort == SortOrder::HighlightFirst
            || matches!(
                self.view,
                ListView::Highlights | ListView::View(_) | ListView::Search
            );
        let mut changed = false;
        for (id, rules) in items {
            let Some(&i) = self.article_index.get(&id) else {
                continue;
            };
            if self.articles[i].highlights == rules {
                continue;
            }
            if let Some(reload) = self.reload.as_mut() {
                reload.rematched.insert(id);
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

    /// The reader shows `id`'s enclosures: lay it out again if it is open.
    fn enclosures_changed(&mut self, id: ArticleId) {
        if self.reader.is_some_and(|r| r.id == id) {
            self.invalidate_reader();
            self.relayout_reader();
        }
    }

    fn download_finished(
        &mut self,
        id: ArticleId,
        index: usize,
        result: Result<crate::engine::DownloadDone, crate::engine::EnclosureError>,
    ) {
        match result {
            Ok(done) => {
                let name = done
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.push_notice(if done.already {
                    format!("already downloaded: {}", done.path.display())
                } else {
                    format!("downloaded {name} to {}", done.path.display())
                });
                self.media.finished(id, index, Some(done.path));
                if let Some(&i) = self.article_index.get(&id) {
                    self.articles[i].media = crate::model::MediaMark::Downloaded;
                }
                self.enclosures_changed(id);
            }
            Err(e) => {
                // A refused duplicate request leaves the one already going in the status bar.
                if e != crate::engine::EnclosureError::AlreadyQueued {
                    self.media.finished(id, index, None);
                }
                self.push_notice(format!("download failed: {e}"));
            }
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
                if let Some(reload) = self.reload.as_mut() {
                    reload.touched.insert(id);
                }
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
        let starred = !self.articles[i].starred;
        self.set_star(id, starred);
        Some(starred)
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
                enclosures: self.media.enclosures(r.id).unwrap_or_default(),
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

// ---- sync ----

impl AppState {
    /// The sync's new status; a failure's full message (what to do) goes to the notices once,
    /// not again at every retry.
    fn sync_status(&mut self, status: SyncStatus) {
        let message = |s: &SyncStatus| match &s.state {
            SyncState::Failed { message, .. } => Some(message.clone()),
            _ => None,
        };
        let new = message(&status);
        if new.is_some() && new != self.sync.as_ref().and_then(message) {
            self.push_notice(new.unwrap_or_default());
        }
        self.sync = Some(status);
    }

    /// Read/starred flags the server changed (already stored): O(changes). While start-up
    /// still loads, they wait for every article to be in.
    fn synced_flags(&mut self, changes: Vec<FlagChange>) {
        if let Some(loading) = self.loading.as_mut() {
            loading.deferred.push(Event::SyncedFlags(changes));
            return;
        }
        let open = self.reader.map(|r| r.id);
        let mut shown = false;
        for change in changes {
            let Some(&i) = self.article_index.get(&change.id) else {
                continue;
            };
            if self.articles[i].read != change.read {
                self.count(i, false);
                self.articles[i].read = change.read;
                self.count(i, true);
            }
            self.articles[i].starred = change.starred;
            shown |= open == Some(change.id);
        }
        if shown {
            self.invalidate_reader();
            self.relayout_reader();
        }
    }

    /// Subscriptions the server gained while the reader runs: new rows in the feeds pane,
    /// and entries of the state's feed list (so names, tags and queries know them).
    fn synced_feeds(&mut self, feeds: Vec<FeedConfig>) {
        let feeds: Vec<FeedConfig> = feeds
            .into_iter()
            .filter(|f| !self.feed_index.contains_key(&f.id()))
            .collect();
        if feeds.is_empty() {
            return;
        }
        let spot = self.spot();
        for f in &feeds {
            self.feed_index.insert(f.id(), self.feeds.len());
            self.feeds.push(FeedEntry::from_config(f));
        }
        Arc::make_mut(&mut self.config).feeds.extend(feeds);
        self.rebuild_pane(spot);
    }
}

/// The config's `[[views]]`, resolved against `ctx` (not counted yet).
fn saved_views(config: &Config, ctx: &Context) -> Vec<QueryView> {
    config
        .views
        .iter()
        .map(|v| QueryView::new(sanitize_inline(&v.name), v.query.clone(), ctx))
        .collect()
}

/// A place in the feeds pane that outlives a rebuild of its rows.
enum Spot {
    All,
    View(usize),
    /// A tag group, by its lowercased name.
    Tag(String),
    Feed(FeedId),
}

/// [`AppState::query_context`] for these feeds.
fn query_context(
    feeds: &[FeedEntry],
    highlighter: &Highlighter,
    rules: usize,
    now: DateTime<Utc>,
) -> Context {
    Context {
        now,
        rule_labels: (0..rules)
            .map(|i| highlighter.label(i as u16).to_string())
            .collect(),
        feeds: feeds
            .iter()
            .map(|f| FeedInfo {
                id: f.id,
                title: f.title.clone(),
                url: f.url.clone(),
                tags: f.tags.clone(),
            })
            .collect(),
    }
}
