//! Applies poll results to the store: de-duplicates articles per feed (by id: guid, else link,
//! else title + date), applies the kill rules (`[[ignore]]`) to the new ones, picks those
//! that match `notify` (while their text is at hand), and queues the writes. Never waits for
//! the disk: the writer batches.

use std::collections::{HashMap, HashSet};

use chrono::Utc;

use crate::clean::sanitize_inline;
use crate::config::{Config, Retention};
use crate::highlight::Highlighter;
use crate::model::{ArticleId, ArticleMeta, FeedId, FeedState};
use crate::notify::Matcher;
use crate::query::{FeedRef, IgnoreRules};
use crate::store::{WriteOp, Writer};

use super::poll::PollResult;
use super::NotifyArticle;

/// Above this many bytes of articles waiting for the writer, no new poll starts: a writer
/// slower than the network must not turn a big refresh into a big queue in memory.
pub const MAX_WRITE_BACKLOG: u64 = 32 << 20;

/// How many polls may be started but not yet applied at once, for `max_concurrent_fetches`
/// of `limit`. Each finished poll holds a parsed feed until it is applied, so this bounds
/// memory too; it is twice the fetch limit (at least 64) so that per-host limits rarely
/// starve the window. Measured on 1,000 x 50 feeds: a window of 4x and a backlog of 24 MB
/// peaked at 186 MB; 2x and 8 MB at 116 MB but starved the writer (3.4 s instead of 1.9 s).
pub fn poll_window(limit: usize) -> usize {
    (limit * 2).max(64)
}

/// What kill rules need to know of a configured feed.
struct FeedInfo {
    /// The config's title, when it gives one (else the feed's own title, else its url).
    title: Option<String>,
    tags: Vec<String>,
}

/// The ids already stored, the kill rules, the `notify` matcher and the writer that stores
/// new articles.
pub struct Ingest {
    known: HashSet<ArticleId>,
    writer: Writer,
    retention: Retention,
    ignore: IgnoreRules,
    feeds: HashMap<FeedId, FeedInfo>,
    /// New articles each kill rule caught since the last `take_caught`, by rule index.
    caught: Vec<usize>,
    notify: Option<Matcher>,
    /// New articles that matched `notify` since the last `take_notify`.
    to_notify: Vec<NotifyArticle>,
}

impl Ingest {
    pub fn new(
        known: HashSet<ArticleId>,
        writer: Writer,
        config: &Config,
        highlighter: &Highlighter,
    ) -> Ingest {
        let mut ingest = Ingest {
            known,
            writer,
            retention: config.retention,
            ignore: IgnoreRules::new(Vec::new(), Vec::new()),
            feeds: HashMap::new(),
            caught: Vec::new(),
            notify: None,
            to_notify: Vec::new(),
        };
        ingest.reconfigure(config, highlighter);
        ingest
    }

    /// Takes the kill rules, `notify`, retention and feed titles and tags of a new config (the
    /// known ids and the articles waiting to be notified stay). Counts of what the old rules
    /// caught are dropped: take them first.
    pub fn reconfigure(&mut self, config: &Config, highlighter: &Highlighter) {
        let labels = (0..config.highlight.len())
            .map(|i| highlighter.label(i as u16).to_string())
            .collect();
        self.feeds = config
            .feeds
            .iter()
            .map(|f| {
                let info = FeedInfo {
                    title: f.title.as_deref().map(sanitize_inline),
                    tags: f.tags.clone(),
                };
                (f.id(), info)
            })
            .collect();
        self.retention = config.retention;
        self.ignore = IgnoreRules::new(config.ignore.clone(), labels);
        self.caught = vec![0; config.ignore.len()];
        self.notify = Matcher::new(config);
    }

    /// The new articles that matched `notify` since the last call.
    pub fn take_notify(&mut self) -> Vec<NotifyArticle> {
        std::mem::take(&mut self.to_notify)
    }

    /// Queues the new articles and the feed's state for writing; returns the new articles the
    /// front end should show (not those a kill rule hid or dropped).
    pub fn apply(&mut self, result: PollResult) -> (FeedState, Vec<ArticleMeta>) {
        let mut fresh = Vec::new();
        for article in result.articles {
            if self.known.insert(article.meta.id) {
                fresh.push(article);
            }
        }
        let feed = result.state.id;
        let mut hidden = Vec::new();
        let mut dropped = Vec::new();
        if !fresh.is_empty() && (!self.ignore.is_empty() || self.notify.is_some()) {
            let info = self.feeds.get(&feed);
            let own_title = result.state.feed_title.as_deref().map(sanitize_inline);
            let title = info
                .and_then(|i| i.title.clone())
                .or(own_title)
                .unwrap_or_else(|| result.state.url.clone());
            let tags = info.map_or(&[][..], |i| &i.tags[..]);
            let feed_ref = FeedRef {
                title: &title,
                url: &result.state.url,
                tags,
            };
            let now = Utc::now();
            if !self.ignore.is_empty() {
                let verdicts = self.ignore.sort_out(&mut fresh, feed_ref, now);
                for (total, n) in self.caught.iter_mut().zip(verdicts.caught) {
                    *total += n;
                }
                hidden = verdicts.hidden;
                dropped = verdicts.dropped;
            }
            // After the kill rules: nothing dropped or hidden notifies, and `unread` in the
            // query sees what they marked read.
            if let Some(matcher) = &self.notify {
                let matched = matcher.matching(&fresh, &hidden, feed_ref, now);
                self.to_notify.extend(matched);
            }
        }
        let metas: Vec<ArticleMeta> = fresh
            .iter()
            .filter(|a| !hidden.contains(&a.meta.id))
            .map(|a| a.meta.clone())
            .collect();
        if !fresh.is_empty() {
            self.writer.send(WriteOp::InsertArticles(fresh));
        }
        if !hidden.is_empty() {
            self.writer.send(WriteOp::SetHidden(hidden, true));
        }
        if !dropped.is_empty() {
            // Recorded as removed, so that the next poll does not bring them back.
            self.writer.send(WriteOp::Drop(feed, dropped));
        }
        self.writer
            .send(WriteOp::SaveFeedState(result.state.clone()));
        if !metas.is_empty()
            && (self.retention.max_articles_per_feed.is_some()
                || self.retention.max_age_days.is_some())
        {
            self.writer.send(WriteOp::Retention(feed, self.retention));
        }
        // The document's share of the byte budget is given back once the writer has
        // committed its articles: parsed feeds waiting for the writer count against it too.
        if result.held.bytes() > 0 {
            self.writer.send(WriteOp::Release(Box::new(result.held)));
        }
        (result.state, metas)
    }

    /// How many new articles each kill rule caught since the last call (by rule index), and
    /// starts counting again.
    pub fn take_caught(&mut self) -> Vec<usize> {
        let zero = vec![0; self.caught.len()];
        std::mem::replace(&mut self.caught, zero)
    }

    /// Whether new polls should wait for the writer to catch up.
    pub fn writer_is_behind(&self) -> bool {
        self.writer.backlog_bytes() > MAX_WRITE_BACKLOG
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }
}
