//! The articles pane's list and the feeds pane's cursor, kept right by deltas: unread
//! counts, the order of "All articles" and of each view, new or moved articles merged in
//! (`settle`), the background start-up load taken in, the cursor placed after a change.
//! Never touches the disk or the network (the UI thread), and never sorts every article on
//! an engine event (only on a key press or a config change).

use crate::config::SortOrder;
use crate::model::{ArticleId, ArticleMeta, FeedId};
use crate::ui::list::{ArticleList, ListView, Order};
use crate::ui::load::Loaded;
use crate::ui::views::Which;

use super::{AppState, Cursor};

impl AppState {
    /// Adds (or takes away) article `i`'s share of the unread counts.
    pub(super) fn count(&mut self, i: usize, add: bool) {
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
    pub(super) fn order(&self) -> Order<'_> {
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
    pub(super) fn recount(&mut self) {
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
}
