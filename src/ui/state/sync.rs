//! What the sync with the `[sync]` server changes in the state: its status (a failure's
//! message noticed once), flags the server changed, subscriptions it gained. The engine
//! talks to the server and stores what it says; this only applies its events, O(changes),
//! and never touches the disk or the network (the UI thread).

use std::sync::Arc;

use crate::config::FeedConfig;
use crate::engine::{Event, SyncState, SyncStatus};
use crate::store::FlagChange;

use super::{AppState, FeedEntry};

impl AppState {
    /// The sync's new status; a failure's full message (what to do) goes to the notices once,
    /// not again at every retry.
    pub(super) fn sync_status(&mut self, status: SyncStatus) {
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
    pub(super) fn synced_flags(&mut self, changes: Vec<FlagChange>) {
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
    pub(super) fn synced_feeds(&mut self, feeds: Vec<FeedConfig>) {
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
