//! What the TUI reads from the store at start, in two steps so that start-up does not grow
//! with the store: first what the first screen needs (feed states, per-feed counts, the
//! newest articles: a prefix of the "All articles" list), from the store's indexes; then
//! every article from the same snapshot on a background thread, delivered as `Msg::Loaded`.
//! The heavy part of the second step (index, order) is built on that thread too.

use std::collections::HashMap;

use crate::config::SortOrder;
use crate::highlight::Highlighter;
use crate::model::{ArticleId, ArticleMeta, FeedState};
use crate::store::{FeedCounts, Snapshot, StoreError};

use super::list::{FeedRanks, Order};

/// Rows of the first list read before the first frame: several screens, so that paging
/// down works at once while the rest loads.
pub const FIRST_ROWS: usize = 300;

/// What the first screen needs.
#[derive(Clone, Debug, Default)]
pub struct Startup {
    pub feeds: Vec<FeedState>,
    /// Unread counts of every stored feed with unread articles.
    pub counts: Vec<FeedCounts>,
    /// The first rows of "All articles" in any order: once sorted, a prefix of the list.
    /// (For `sort = "highlight-first"`: every highlighted article and the newest others.)
    pub window: Vec<ArticleMeta>,
    /// How many articles the store holds.
    pub stored: usize,
}

impl Startup {
    /// Reads the first screen from a snapshot (a few index reads, whatever the store's size).
    pub fn read(snapshot: &Snapshot, sort: SortOrder) -> Result<Startup, StoreError> {
        let mut window = snapshot.newest_articles(FIRST_ROWS)?;
        if sort == SortOrder::HighlightFirst {
            // Highlighted articles come first whatever their date: all of them are needed.
            let newest: std::collections::HashSet<ArticleId> =
                window.iter().map(|a| a.id).collect();
            window.extend(
                snapshot
                    .highlighted_articles()?
                    .into_iter()
                    .filter(|a| !newest.contains(&a.id)),
            );
        }
        Ok(Startup {
            feeds: snapshot.feed_states()?,
            counts: snapshot.unread_counts()?,
            window,
            stored: snapshot.article_count()?,
        })
    }

    /// Everything is in the window (a small store): no second step needed.
    pub fn is_complete(&self) -> bool {
        self.window.len() >= self.stored
    }
}

/// Every article, ready to replace the state's: with its id index and the configured order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    pub(crate) articles: Vec<ArticleMeta>,
    pub(crate) index: HashMap<ArticleId, usize>,
    /// Indices into `articles` in `sort`'s order.
    pub(crate) order: Vec<usize>,
    pub(crate) sort: SortOrder,
}

impl Loaded {
    /// Indexes and orders `articles` (duplicate ids: the first is kept). Linear when they
    /// come newest first (as the store gives them) and the order is by date.
    pub fn build(
        mut articles: Vec<ArticleMeta>,
        sort: SortOrder,
        highlighter: &Highlighter,
        feeds: &FeedRanks,
    ) -> Loaded {
        let mut index = HashMap::with_capacity(articles.len());
        articles.retain(|a| {
            let next = index.len();
            match index.entry(a.id) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(next);
                    true
                }
                std::collections::hash_map::Entry::Occupied(_) => false,
            }
        });
        let mut order: Vec<usize> = (0..articles.len()).collect();
        let by = Order::new(sort, &articles, highlighter, feeds);
        if !by.is_sorted(&order) {
            by.sort(&mut order);
        }
        Loaded {
            articles,
            index,
            order,
            sort,
        }
    }
}
