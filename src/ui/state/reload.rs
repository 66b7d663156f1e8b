//! Live config and reloads: a new config swapped in (feeds, rules, views, order, keys,
//! theme), the feeds pane and views rebuilt, and every article taken again after kill rules
//! changed the store (journaled in [`Reload`]). The store is read by the run loop and
//! handed over: nothing here touches the disk or the network (the UI thread).

use std::collections::{HashMap, HashSet};

use crate::clean::sanitize_inline;
use crate::config::SortOrder;
use crate::model::{ArticleId, FeedId};
use crate::ui::feeds_pane::{FeedsPane, Row};
use crate::ui::layout::Pane;
use crate::ui::list::{ArticleList, ListView};
use crate::ui::live::LiveConfig;
use crate::ui::load::Loaded;
use crate::ui::reader::Bodies;

use super::{saved_views, AppState, FeedEntry, Reload, Spot};

impl AppState {
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
    pub(super) fn spot(&self) -> Spot {
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
    pub(super) fn rebuild_pane(&mut self, spot: Spot) {
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
}
