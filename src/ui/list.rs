//! Article lists: an ordered set of article indices produced by a filter (a [`ListView`]),
//! kept up to date incrementally. New articles are merged in at their sorted position (a
//! binary search each, then one move of the rows behind them), the selected row is found by
//! binary search: nothing here re-sorts or scans a whole list per event. Pure data, no I/O.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Deref;

use crate::config::SortOrder;
use crate::highlight::Highlighter;
use crate::model::{ArticleMeta, FeedId};

/// What the articles pane lists: the filter that produces a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListView {
    /// Every article, across feeds (the "All articles" row).
    All,
    /// One feed's articles.
    Feed(FeedId),
    /// Only articles matching a highlight rule, across feeds (key `H`).
    Highlights,
    /// Every feed of a tag group of the feeds pane (by group index).
    Tag(usize),
    /// A saved view (`[[views]]`, by index).
    View(usize),
    /// The search prompt's result.
    Search,
}

impl ListView {
    /// Whether the view lists `a`, when the article alone decides (`None` for tags and
    /// queries: the state knows their feeds and matches).
    pub fn admits(self, a: &ArticleMeta) -> Option<bool> {
        match self {
            ListView::All => Some(true),
            ListView::Feed(id) => Some(a.feed == id),
            ListView::Highlights => Some(!a.highlights.is_empty()),
            ListView::Tag(_) | ListView::View(_) | ListView::Search => None,
        }
    }

    /// The order of the view's rows: the chosen one, except that the highlights view lists
    /// newest first when the order is highlight-first (every row matches a rule there).
    pub fn sort(self, chosen: SortOrder) -> SortOrder {
        match self {
            ListView::Highlights if chosen == SortOrder::HighlightFirst => SortOrder::Date,
            _ => chosen,
        }
    }
}

/// Where each feed stands in the feeds pane, for the by-feed order. Feeds it does not list
/// (no longer in the config) come last, in id order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedRanks {
    rank: HashMap<FeedId, u32>,
}

impl FeedRanks {
    /// Ranks feeds in the order given (a feed given twice keeps its first place).
    pub fn new(order: impl IntoIterator<Item = FeedId>) -> FeedRanks {
        let mut rank = HashMap::new();
        for id in order {
            let next = rank.len() as u32;
            rank.entry(id).or_insert(next);
        }
        FeedRanks { rank }
    }

    fn key(&self, id: FeedId) -> (u32, FeedId) {
        (self.rank.get(&id).copied().unwrap_or(u32::MAX), id)
    }
}

/// Compares articles (by index into `articles`) in one sort order. The order is total: ties
/// of date are broken by id, so a position found by binary search is exact.
#[derive(Clone, Copy)]
pub struct Order<'a> {
    sort: SortOrder,
    articles: &'a [ArticleMeta],
    highlighter: &'a Highlighter,
    feeds: &'a FeedRanks,
}

impl<'a> Order<'a> {
    pub fn new(
        sort: SortOrder,
        articles: &'a [ArticleMeta],
        highlighter: &'a Highlighter,
        feeds: &'a FeedRanks,
    ) -> Self {
        Order {
            sort,
            articles,
            highlighter,
            feeds,
        }
    }

    pub fn cmp(&self, a: usize, b: usize) -> Ordering {
        let (x, y) = (&self.articles[a], &self.articles[b]);
        match self.sort {
            SortOrder::Date => newest_first(x, y),
            SortOrder::OldestFirst => newest_first(y, x),
            // Grouped by feed in the feeds pane's order, newest first in each group.
            SortOrder::Feed => self
                .feeds
                .key(x.feed)
                .cmp(&self.feeds.key(y.feed))
                .then_with(|| newest_first(x, y)),
            // Matching first (Some > None), higher priority first, then newest first.
            SortOrder::HighlightFirst => rank(self.highlighter, y)
                .cmp(&rank(self.highlighter, x))
                .then_with(|| newest_first(x, y)),
        }
    }

    /// Sorts indices into this order.
    pub fn sort(&self, rows: &mut [usize]) {
        rows.sort_unstable_by(|&a, &b| self.cmp(a, b));
    }

    /// Whether `rows` are in this order (a check, linear).
    pub fn is_sorted(&self, rows: &[usize]) -> bool {
        rows.windows(2)
            .all(|w| self.cmp(w[0], w[1]) != Ordering::Greater)
    }
}

/// Newest first; ties broken by id so the order is total and stable (the store sorts alike).
pub fn newest_first(a: &ArticleMeta, b: &ArticleMeta) -> Ordering {
    b.date().cmp(&a.date()).then_with(|| a.id.cmp(&b.id))
}

/// The highest priority among the rules an article matches (`None`: matches none).
fn rank(highlighter: &Highlighter, a: &ArticleMeta) -> Option<i32> {
    a.highlights.iter().map(|&r| highlighter.priority(r)).max()
}

/// Article indices in a list's order. Derefs to the rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArticleList {
    rows: Vec<usize>,
}

impl Deref for ArticleList {
    type Target = [usize];

    fn deref(&self) -> &[usize] {
        &self.rows
    }
}

impl ArticleList {
    /// A list of rows already in order.
    pub fn from_sorted(rows: Vec<usize>) -> ArticleList {
        ArticleList { rows }
    }

    /// The rows of `source` (in order) that `keep` admits.
    pub fn filtered(source: &[usize], keep: impl Fn(usize) -> bool) -> ArticleList {
        ArticleList {
            rows: source.iter().copied().filter(|&i| keep(i)).collect(),
        }
    }

    /// The row of article `i`, by binary search (`None` when the list does not hold it).
    pub fn position(&self, i: usize, order: &Order<'_>) -> Option<usize> {
        let p = self
            .rows
            .partition_point(|&r| order.cmp(r, i) == Ordering::Less);
        (self.rows.get(p) == Some(&i)).then_some(p)
    }

    /// How many rows sort before article `i` (its row, were it inserted).
    pub fn rank_of(&self, i: usize, order: &Order<'_>) -> usize {
        self.rows
            .partition_point(|&r| order.cmp(r, i) == Ordering::Less)
    }

    /// Merges `new` (sorted by `order`, none of them in the list) into the list: one binary
    /// search per new row, then the rows behind each insertion point move once.
    pub fn merge(&mut self, new: &[usize], order: &Order<'_>) {
        if new.is_empty() {
            return;
        }
        let n = self.rows.len();
        let mut at = Vec::with_capacity(new.len());
        let mut lo = 0;
        for &x in new {
            lo += self.rows[lo..].partition_point(|&r| order.cmp(r, x) == Ordering::Less);
            at.push(lo);
        }
        self.rows.resize(n + new.len(), 0);
        // From the back: the old rows in [at[j], end) move up by j + 1, new[j] lands before them.
        let mut end = n;
        for j in (0..new.len()).rev() {
            let p = at[j];
            self.rows.copy_within(p..end, p + j + 1);
            self.rows[p + j] = new[j];
            end = p;
        }
    }

    /// Drops the rows whose article is marked in `gone` (indexed by article).
    pub fn remove(&mut self, gone: &[bool]) {
        self.rows
            .retain(|&r| !gone.get(r).copied().unwrap_or(false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ArticleId;
    use chrono::{TimeZone, Utc};

    fn article(n: u64, minutes: i64) -> ArticleMeta {
        ArticleMeta {
            id: ArticleId(n),
            feed: FeedId(n % 3),
            guid: None,
            title: format!("a{n}"),
            link: None,
            author: None,
            published: Some(Utc.timestamp_opt(1_700_000_000 + minutes * 60, 0).unwrap()),
            first_seen: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            read: false,
            starred: false,
            highlights: Vec::new(),
            media: crate::model::MediaMark::None,
        }
    }

    #[test]
    fn merge_equals_a_full_sort() {
        // Dates with many ties, so the id tie-break matters.
        let articles: Vec<ArticleMeta> = (0..500)
            .map(|n| article(n * 7919 % 1000, (n as i64 * 37) % 50))
            .collect();
        let hl = Highlighter::new(&[]).unwrap();
        let ranks = FeedRanks::default();
        let order = Order::new(SortOrder::Date, &articles, &hl, &ranks);
        for split in [0, 1, 13, 250, 499, 500] {
            let mut old: Vec<usize> = (0..split).collect();
            order.sort(&mut old);
            let mut list = ArticleList::from_sorted(old);
            let mut new: Vec<usize> = (split..500).collect();
            order.sort(&mut new);
            list.merge(&new, &order);
            let mut all: Vec<usize> = (0..500).collect();
            order.sort(&mut all);
            assert_eq!(&*list, &all[..], "split {split}");
            for (row, &i) in all.iter().enumerate() {
                assert_eq!(list.position(i, &order), Some(row));
            }
        }
    }

    #[test]
    fn remove_and_filter() {
        let articles: Vec<ArticleMeta> = (0..10).map(|n| article(n, n as i64)).collect();
        let hl = Highlighter::new(&[]).unwrap();
        let ranks = FeedRanks::default();
        let order = Order::new(SortOrder::Date, &articles, &hl, &ranks);
        let mut all: Vec<usize> = (0..10).collect();
        order.sort(&mut all);
        assert_eq!(all, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        let feed = ArticleList::filtered(&all, |i| {
            ListView::Feed(FeedId(0)).admits(&articles[i]) == Some(true)
        });
        assert_eq!(&*feed, &[9, 6, 3, 0]);
        let mut list = ArticleList::from_sorted(all);
        let mut gone = vec![false; 10];
        gone[3] = true;
        gone[9] = true;
        list.remove(&gone);
        assert_eq!(&*list, &[8, 7, 6, 5, 4, 2, 1, 0]);
        assert_eq!(list.position(3, &order), None);
        assert_eq!(list.rank_of(3, &order), 5);
    }

    #[test]
    fn by_feed_follows_the_ranks_then_newest_first() {
        let articles: Vec<ArticleMeta> = (0..9).map(|n| article(n, n as i64)).collect();
        let hl = Highlighter::new(&[]).unwrap();
        // Feed 2 first, then 0; feed 1 is not ranked: last.
        let ranks = FeedRanks::new([FeedId(2), FeedId(0), FeedId(2)]);
        let order = Order::new(SortOrder::Feed, &articles, &hl, &ranks);
        let mut all: Vec<usize> = (0..9).collect();
        order.sort(&mut all);
        assert_eq!(all, [8, 5, 2, 6, 3, 0, 7, 4, 1]);
    }
}
