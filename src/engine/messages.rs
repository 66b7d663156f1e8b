//! The messages between the engine and a front end. Plain data, no behaviour.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{Config, FeedConfig};
use crate::model::{ArticleBody, ArticleId, ArticleMeta, FeedId, FeedState, StoredEnclosure};
use crate::store::FlagChange;

use super::download::{DownloadDone, EnclosureError};
use crate::images::{DecodedImage, ImageError, ImageKey};

use super::fulltext::FullTextError;
use super::poll::PollStatus;

/// Which feeds a refresh asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feeds {
    /// Every configured feed, in config order.
    All,
    /// One feed, ahead of any queued poll (key `r`).
    One(FeedId),
}

/// Which of the asked-for feeds a refresh really polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshMode {
    /// Every one, whatever it waits for (keys `r`/`R`, `tidings refresh --force`).
    Force,
    /// Every one except those a server asked to wait (`Retry-After`) or that back off after
    /// failures (`tidings refresh`).
    Polite,
    /// Only those whose schedule is due: interval, ttl, max-age, and the waits above
    /// (`tidings refresh --due`, and the engine's own timer when it polls by itself).
    Due,
}

/// A refresh request: answered by `FeedWaiting`/`FeedUpdated` events and, once everything it
/// started is done and committed, one `RunFinished`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshRequest {
    pub feeds: Feeds,
    pub mode: RefreshMode,
}

impl RefreshRequest {
    pub fn all(mode: RefreshMode) -> RefreshRequest {
        RefreshRequest {
            feeds: Feeds::All,
            mode,
        }
    }

    pub fn one(id: FeedId, mode: RefreshMode) -> RefreshRequest {
        RefreshRequest {
            feeds: Feeds::One(id),
            mode,
        }
    }
}

/// A request from a front end. Sending one never blocks.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Poll feeds now (both faces start every refresh with this).
    Refresh(RefreshRequest),
    /// Load an article body from the store; answered by `Event::BodyLoaded`.
    LoadBody(ArticleId),
    /// Fetch and extract the article's web page; answered by `Event::FullTextLoaded`.
    FetchFullText { id: ArticleId, url: String },
    /// Load an article image (disk cache, network under the feeds' limits, or a file next to
    /// a local feed), decoded and shrunk to the key's box; answered by `Event::ImageLoaded`.
    /// A key already loading is not loaded twice.
    FetchImage(ImageKey),
    /// The reader left these images (another article, or scrolled far away): stop loading
    /// them. No event answers a cancelled load.
    CancelImages(Vec<ImageKey>),
    /// Persist read flags (the front end has already updated its own view).
    SetRead { ids: Vec<ArticleId>, read: bool },
    /// Persist a star (the front end has already updated its own view).
    SetStarred { id: ArticleId, starred: bool },
    /// Run on a new config from now on (the config file changed): feeds added are polled at
    /// once and removed ones no longer (a poll of one still in flight is dropped when it
    /// ends), the highlight and kill rules are rebuilt and re-applied to stored articles in
    /// the background, the fetcher is rebuilt if its limits changed. `[sync]` is not used by
    /// the engine.
    Reconfigure(Arc<Config>),
    /// Commit every write asked for before this command; answered by `Event::Flushed`. A
    /// front end that re-reads the store waits for it, so that what it reads holds its own
    /// changes (read, star) sent before.
    Flush,
    /// Load an article's enclosures from the store; answered by `Event::EnclosuresLoaded`.
    LoadEnclosures(ArticleId),
    /// Download enclosure `index` (0-based) of an article into the download dir, at most
    /// `max_downloads` at once; answered by `DownloadProgress` events and one
    /// `DownloadFinished`.
    Download { id: ArticleId, index: usize },
    /// Flush pending writes and stop.
    Shutdown,
}

/// Refresh progress, for the status bar ("refreshing 12/40 · 2 failed").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Polls asked for in the current run.
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    /// False once the run is over (polls, full-text prefetches and writes all done).
    pub running: bool,
}

/// Full-text prefetch counts of a run (`full_text = true` feeds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FullTextTotals {
    /// New articles whose web page was asked for.
    pub wanted: usize,
    /// Pages fetched, extracted and saved for offline reading.
    pub saved: usize,
    /// Pages that could not be fetched or extracted (the feed itself is not failed).
    pub failed: usize,
}

/// What one run did, sent with `Event::RunFinished`. A request that arrives while a run is
/// going joins it, and its counts add up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunTotals {
    /// Feeds the run was asked about: polled plus waiting.
    pub feeds: usize,
    /// Polled, changed and parsed.
    pub ok: usize,
    /// Polled and changed, but read only in part (see `FeedState::warning`).
    pub partial: usize,
    pub not_modified: usize,
    pub failed: usize,
    /// Not polled: the request's mode let them wait (see `RefreshMode`).
    pub waiting: usize,
    pub new_articles: usize,
    /// Feed bytes downloaded (bodies of changed feeds).
    pub bytes: u64,
    pub full_text: FullTextTotals,
    /// Writes the store could not commit (each also reported as an `Event::Notice`).
    pub write_errors: usize,
    /// From the first request of the run until everything it started was committed.
    pub elapsed: Duration,
}

/// A new article that matches the config's `notify` query (see `Event::Notify`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyArticle {
    pub id: ArticleId,
    pub feed: FeedId,
    /// As the feed gave it (not sanitized).
    pub title: String,
    /// The feed's display title: the config's, else the feed's own, else its url.
    pub feed_title: String,
}

/// Where the sync with the `[sync]` server stands (see `SyncStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncState {
    /// A sync (or a push of local changes) is running.
    Running,
    /// The last one ended well.
    Done,
    /// The last one failed. `label` is short ("offline", "login failed"); `message` says
    /// what happened and what to do (never the password). `transient` failures are retried
    /// with backoff by themselves (see `SyncStatus::retry_at`); the others wait for the next
    /// `refresh_interval`, or `R`.
    Failed {
        label: &'static str,
        message: String,
        transient: bool,
    },
}

/// The sync's status, for the status bar: `sync: offline · 12 changes queued`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    pub state: SyncState,
    /// Articles the running (or last) sync brought.
    pub new_articles: usize,
    /// Local read/starred flags it changed to the server's.
    pub pulled: usize,
    /// Local changes the server confirmed.
    pub pushed: usize,
    /// Local changes waiting for the server.
    pub queued: usize,
    /// When the engine syncs again by itself.
    pub next: Option<DateTime<Utc>>,
}

/// Something the engine learned. Applied by the front end's `update`.
// Events are moved once through a channel, a few per feed poll: their size does not matter,
// and boxing the feed state would only make every producer and consumer noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Progress(Progress),
    /// A feed was polled: its new state, and the articles never seen before.
    FeedUpdated {
        state: FeedState,
        new_articles: Vec<ArticleMeta>,
        /// What the poll did (changed, not modified, failed).
        status: PollStatus,
        /// How long the poll took, from its start to its parsed result.
        took: Duration,
    },
    /// A feed a request asked for was not polled because a server asked it to wait or it
    /// backs off after failures: `state.next_due` says until when, `state.due_reason` why.
    /// Feeds that only wait for their schedule are counted in `RunTotals::waiting` without
    /// an event.
    FeedWaiting {
        state: FeedState,
    },
    /// The full text of a new article of a `full_text = true` feed was prefetched (and saved
    /// in the store for offline reading), or could not be.
    FullTextPrefetched {
        id: ArticleId,
        feed: FeedId,
        title: String,
        result: Result<(), FullTextError>,
    },
    /// Answer to `Command::LoadBody` (`None` when the store has no body for it).
    BodyLoaded {
        id: ArticleId,
        body: Option<ArticleBody>,
    },
    /// Answer to `Command::FetchFullText`: the extracted article, or why not.
    FullTextLoaded {
        id: ArticleId,
        result: Result<ArticleBody, FullTextError>,
    },
    /// Answer to `Command::LoadEnclosures` (empty when the article has none).
    EnclosuresLoaded {
        id: ArticleId,
        enclosures: Vec<StoredEnclosure>,
    },
    /// A download moved on: `done` bytes of `total` (when known) are on disk.
    DownloadProgress {
        id: ArticleId,
        index: usize,
        done: u64,
        total: Option<u64>,
    },
    /// A download ended: the file, or why not. The `.part` of a failed one stays for a resume.
    DownloadFinished {
        id: ArticleId,
        index: usize,
        result: Result<DownloadDone, EnclosureError>,
    },
    /// Answer to `Command::FetchImage`.
    ImageLoaded {
        key: ImageKey,
        result: Result<DecodedImage, ImageError>,
    },
    /// Highlight rule matches recomputed (after the rules changed).
    HighlightsUpdated(Vec<(ArticleId, Vec<u16>)>),
    /// The run's new articles that match the config's `notify` query, all at once: sent
    /// once per run that has any, after its writes are committed, right before `RunFinished`.
    /// Never sent without `notify` in the config.
    Notify(Vec<NotifyArticle>),
    /// Everything a run started is done and its writes are committed (or failed, counted in
    /// `write_errors`). Follows the run's last `Progress` (with `running: false`).
    RunFinished(RunTotals),
    /// Kill rules changed stored articles (hid them, showed them again, marked them read or
    /// dropped them): a front end that holds articles should read them again from the store.
    StoredArticlesChanged,
    /// Answer to `Command::Flush`: everything asked for before it is committed.
    Flushed,
    /// Something the user should know (shown in the status bar).
    Notice(String),
    /// The sync started, moved on or ended (only with `[sync]`, in the TUI's engine).
    Sync(SyncStatus),
    /// Articles a sync stored for the first time (a page of them, several feeds at once):
    /// like `FeedUpdated`'s `new_articles`, to merge into the lists.
    SyncedArticles(Vec<ArticleMeta>),
    /// Read/starred flags the server changed on articles held here (already stored).
    SyncedFlags(Vec<FlagChange>),
    /// Subscriptions the server has that the run's feed list does not yet: feed entries
    /// marked `synced`, their categories as tags. Sent before their articles.
    SyncedFeeds(Vec<FeedConfig>),
}
