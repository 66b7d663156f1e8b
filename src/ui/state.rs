//! Everything the TUI shows, as data: feeds with their unread counts, articles, the current
//! list, selections, the open article. Changed only by `update`; never does I/O.
//! Built for 100,000 articles and 10,000 feeds: an engine event costs what it carries, never
//! what the store holds. Counts move by deltas, new articles are merged into the lists at
//! their place (see `list`), once per batch of events (`settle`).
//!
//! This file holds the data (`AppState`, feed entries, cursors, the load and reload
//! journals), its constructors, lookups and geometry; what changes it lives by concern in
//! the child modules: `lists` (counts, order, cursor placement), `queries` (saved views and
//! the search), `events` (engine events, read and star flags), `bodies` (body cache, reader
//! layout), `reload` (live config, reading the store again), `sync` (the sync's events).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, Utc};

use crate::clean::{sanitize_inline, Cleaner};
use crate::config::{Config, FeedConfig, SortOrder};
use crate::engine::{Event, Progress, SyncStatus};
use crate::highlight::Highlighter;
use crate::model::{ArticleId, ArticleMeta, FeedId, FeedState};
use crate::query::{Context, FeedInfo};
use crate::styled::StyledLine;

use super::details;
use super::feeds_pane::{FeedsPane, Row};
use super::keys::Keymap;
use super::layout::{self, Areas};
use super::list::{ArticleList, FeedRanks};
use super::load::{Loaded, Startup};
use super::media::Media;
use super::prompt::{History, Picker, Prompt};
use super::reader::{Bodies, ReaderImages};
use super::theme::Theme;
use super::undo::UndoStack;
use super::views::{QueryView, Views, WordJob};

mod bodies;
mod events;
mod lists;
mod queries;
mod reload;
mod sync;

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
