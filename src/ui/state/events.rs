//! Engine events applied to the state: polled feeds and their new articles (O(1) each
//! until `settle` places them), highlight changes, enclosures and downloads, and the read
//! and star flags. An event costs what it carries, never what the store holds; nothing here
//! touches the disk or the network (the UI thread).

use crate::config::SortOrder;
use crate::engine::Event;
use crate::model::{ArticleId, ArticleMeta, FeedState};
use crate::ui::list::ListView;

use super::AppState;

impl AppState {
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
}
