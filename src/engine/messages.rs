//! The messages between the engine and a front end. Plain data, no behaviour.

use crate::model::{ArticleBody, ArticleId, ArticleMeta, FeedId, FeedState};

/// A request from a front end. Sending one never blocks.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Refresh every feed now, ignoring schedules (key `R`).
    RefreshAll,
    /// Refresh one feed now, ignoring its schedule (key `r`).
    RefreshFeed(FeedId),
    /// Load an article body from the store; answered by `Event::BodyLoaded`.
    LoadBody(ArticleId),
    /// Fetch and extract the article's web page; answered by `Event::FullTextLoaded`.
    FetchFullText { id: ArticleId, url: String },
    /// Persist read flags (the front end has already updated its own view).
    SetRead { ids: Vec<ArticleId>, read: bool },
    /// Persist a star (the front end has already updated its own view).
    SetStarred { id: ArticleId, starred: bool },
    /// Flush pending writes and stop.
    Shutdown,
}

/// Refresh progress, for the status bar ("refreshing 12/40 · 2 failed").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub running: bool,
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
    },
    /// Answer to `Command::LoadBody` (`None` when the store has no body for it).
    BodyLoaded {
        id: ArticleId,
        body: Option<ArticleBody>,
    },
    /// Answer to `Command::FetchFullText`: the extracted article, or a short error.
    FullTextLoaded {
        id: ArticleId,
        result: Result<ArticleBody, String>,
    },
    /// Highlight rule matches recomputed (after the rules changed).
    HighlightsUpdated(Vec<(ArticleId, Vec<u16>)>),
    /// Something the user should know (shown in the status bar).
    Notice(String),
}
