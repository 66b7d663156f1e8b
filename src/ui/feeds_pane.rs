//! The rows of the feeds pane: "All articles", the saved views, the tag groups (a tag row,
//! then its feeds unless folded) and the feeds without a tag. A feed with two tags is listed
//! under both. Tags come from the feed entries (the config's `tags`, or a sync server's
//! categories), grouped case-insensitively in order of first appearance. Pure data: rows
//! are rebuilt when a group folds or the feeds change, never per event.

use super::list::FeedRanks;
use crate::model::FeedId;

/// One row of the feeds pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    All,
    /// A saved view, by index into the config's views.
    View(usize),
    /// A tag group's heading, by group index.
    Tag(usize),
    /// A feed, by index into the state's feeds; `tag` is the group it is listed under.
    Feed {
        feed: usize,
        tag: Option<usize>,
    },
}

/// A tag and the feeds (indices into the state's feeds, in their order) that carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagGroup {
    /// As first written.
    pub name: String,
    pub feeds: Vec<usize>,
    pub folded: bool,
}

/// See the module doc.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedsPane {
    pub groups: Vec<TagGroup>,
    /// Feeds without a tag, in order.
    untagged: Vec<usize>,
    views: usize,
    rows: Vec<Row>,
}

impl FeedsPane {
    /// The pane for `views` saved views and feeds carrying `tags` (one list per feed, in
    /// the feeds' order).
    pub fn new<'a>(views: usize, tags: impl IntoIterator<Item = &'a [String]>) -> FeedsPane {
        let mut groups: Vec<TagGroup> = Vec::new();
        let mut untagged = Vec::new();
        for (i, tags) in tags.into_iter().enumerate() {
            let mut listed = false;
            for tag in tags {
                let tag = tag.trim();
                if tag.is_empty() {
                    continue;
                }
                listed = true;
                let key = tag.to_lowercase();
                match groups.iter_mut().find(|g| g.name.to_lowercase() == key) {
                    Some(g) => {
                        if g.feeds.last() != Some(&i) {
                            g.feeds.push(i);
                        }
                    }
                    None => groups.push(TagGroup {
                        name: tag.to_string(),
                        feeds: vec![i],
                        folded: false,
                    }),
                }
            }
            if !listed {
                untagged.push(i);
            }
        }
        let mut pane = FeedsPane {
            groups,
            untagged,
            views,
            rows: Vec::new(),
        };
        pane.rebuild();
        pane
    }

    fn rebuild(&mut self) {
        let mut rows = Vec::with_capacity(1 + self.views + self.groups.len() + self.untagged.len());
        rows.push(Row::All);
        rows.extend((0..self.views).map(Row::View));
        for (t, g) in self.groups.iter().enumerate() {
            rows.push(Row::Tag(t));
            if !g.folded {
                rows.extend(g.feeds.iter().map(|&feed| Row::Feed { feed, tag: Some(t) }));
            }
        }
        rows.extend(
            self.untagged
                .iter()
                .map(|&feed| Row::Feed { feed, tag: None }),
        );
        self.rows = rows;
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn row(&self, i: usize) -> Option<Row> {
        self.rows.get(i).copied()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Folds or unfolds the group of row `at` (a tag row, or a feed listed under a tag);
    /// returns the row of the group's heading, where the cursor belongs after folding.
    pub fn toggle_fold(&mut self, at: usize) -> Option<usize> {
        let t = match self.row(at)? {
            Row::Tag(t) | Row::Feed { tag: Some(t), .. } => t,
            _ => return None,
        };
        self.groups[t].folded = !self.groups[t].folded;
        self.rebuild();
        self.tag_row(t)
    }

    /// Folds every group when any is open, else unfolds them all. Returns the row that shows
    /// what was on row `at` (the group's heading when its feed row went away).
    pub fn toggle_fold_all(&mut self, at: usize) -> usize {
        let before = self.row(at);
        let fold = self.groups.iter().any(|g| !g.folded);
        for g in &mut self.groups {
            g.folded = fold;
        }
        self.rebuild();
        match before {
            Some(Row::Feed { tag: Some(t), .. }) if fold => self.tag_row(t),
            Some(row) => self.rows.iter().position(|r| *r == row),
            None => None,
        }
        .unwrap_or(0)
    }

    pub fn tag_row(&self, t: usize) -> Option<usize> {
        self.rows.iter().position(|r| *r == Row::Tag(t))
    }

    /// The first row that lists feed `feed`, unfolding its first group when every group it
    /// is in is folded.
    pub fn reveal_feed(&mut self, feed: usize) -> Option<usize> {
        let find = |rows: &[Row]| {
            rows.iter()
                .position(|r| matches!(r, Row::Feed { feed: f, .. } if *f == feed))
        };
        if let Some(row) = find(&self.rows) {
            return Some(row);
        }
        let t = self.groups.iter().position(|g| g.feeds.contains(&feed))?;
        self.groups[t].folded = false;
        self.rebuild();
        find(&self.rows)
    }

    /// The feeds of group `t`.
    pub fn tag_feeds(&self, t: usize) -> &[usize] {
        self.groups.get(t).map_or(&[], |g| &g.feeds)
    }

    /// Feeds in the order the unfolded pane lists them first: for the by-feed sort.
    pub fn feed_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = self.groups.iter().flat_map(|g| g.feeds.clone()).collect();
        order.extend(&self.untagged);
        order
    }

    /// [`FeedsPane::feed_order`] as ranks of feed ids.
    pub fn ranks(&self, ids: &[FeedId]) -> FeedRanks {
        FeedRanks::new(
            self.feed_order()
                .into_iter()
                .filter_map(|i| ids.get(i).copied()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter()
            .map(|t| t.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    fn pane(views: usize, list: &[&[&str]]) -> FeedsPane {
        let t = tags(list);
        FeedsPane::new(views, t.iter().map(Vec::as_slice))
    }

    #[test]
    fn groups_in_order_of_first_appearance_feeds_in_two_tags_twice() {
        let p = pane(1, &[&["tech", "linux"], &[], &["Linux"], &["science"], &[]]);
        let names: Vec<&str> = p.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["tech", "linux", "science"]);
        use Row::*;
        assert_eq!(
            p.rows(),
            [
                All,
                View(0),
                Tag(0),
                Feed {
                    feed: 0,
                    tag: Some(0)
                },
                Tag(1),
                Feed {
                    feed: 0,
                    tag: Some(1)
                },
                Feed {
                    feed: 2,
                    tag: Some(1)
                },
                Tag(2),
                Feed {
                    feed: 3,
                    tag: Some(2)
                },
                Feed { feed: 1, tag: None },
                Feed { feed: 4, tag: None },
            ]
        );
        assert_eq!(p.feed_order(), [0, 0, 2, 3, 1, 4]);
    }

    #[test]
    fn no_tags_no_views_is_all_then_the_feeds() {
        let p = pane(0, &[&[], &[]]);
        assert_eq!(
            p.rows(),
            [
                Row::All,
                Row::Feed { feed: 0, tag: None },
                Row::Feed { feed: 1, tag: None }
            ]
        );
    }

    #[test]
    fn folding_from_a_feed_row_lands_on_its_heading() {
        let mut p = pane(0, &[&["a"], &["a"], &["b"]]);
        // Rows: All, Tag a, f0, f1, Tag b, f2.
        assert_eq!(p.toggle_fold(3), Some(1));
        assert_eq!(p.len(), 4);
        assert_eq!(p.row(2), Some(Row::Tag(1)));
        assert_eq!(p.toggle_fold(1), Some(1));
        assert_eq!(p.len(), 6);
        assert_eq!(p.toggle_fold(0), None);
        // Fold all from f2 (row 5): everything folds, the cursor goes to b's heading.
        assert_eq!(p.toggle_fold_all(5), 2);
        assert_eq!(p.len(), 3);
        assert_eq!(p.toggle_fold_all(2), 4);
        assert_eq!(p.len(), 6);
        p.toggle_fold_all(0);
        assert_eq!(p.reveal_feed(2), Some(3));
        assert!(!p.groups[1].folded && p.groups[0].folded);
    }
}
