//! Article bodies and the reader's document: the cache of bodies and full texts (cleaned
//! and highlighted once, when they arrive) and the reader's lines, laid out again only when
//! the article, variant or width changes. The engine loads bodies; nothing here touches the
//! disk or the network (the UI thread).

use std::sync::Arc;

use crate::clean::{sanitize_inline, Document};
use crate::model::{ArticleBody, ArticleId, FeedId};
use crate::ui::layout;
use crate::ui::reader::{self, BodyState, FullState, Page};

use super::AppState;

impl AppState {
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
