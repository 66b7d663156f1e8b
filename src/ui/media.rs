//! The TUI's view of enclosures: those loaded for the articles the user looked at (a bounded
//! cache), the downloads in progress (for the status bar), and a play or download waiting for
//! the user to pick an enclosure or for the enclosures to load. Plain data: no I/O.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;

use crate::model::{media_size, ArticleId, StoredEnclosure};

/// How many articles' enclosures stay cached.
const CACHE: usize = 256;

/// What `e` and `E` do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaAction {
    Play,
    Download,
}

/// An action waiting for something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// The enclosures of `id` are on their way; act when they arrive.
    Loading { id: ArticleId, action: MediaAction },
    /// The article has `count` enclosures: the next key (1-9) picks one.
    Choose {
        id: ArticleId,
        action: MediaAction,
        count: usize,
    },
}

/// Bytes of one download so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    pub done: u64,
    pub total: Option<u64>,
}

/// Enclosures, downloads and the pending action.
#[derive(Debug, Default)]
pub struct Media {
    enclosures: HashMap<ArticleId, Vec<StoredEnclosure>>,
    order: VecDeque<ArticleId>,
    loading: HashSet<ArticleId>,
    /// Downloads asked for and not finished (queued ones at 0).
    pub downloads: BTreeMap<(ArticleId, usize), Transfer>,
    pub pending: Option<Pending>,
}

impl Media {
    /// The loaded enclosures of `id`, if they are loaded.
    pub fn enclosures(&self, id: ArticleId) -> Option<&[StoredEnclosure]> {
        self.enclosures.get(&id).map(Vec::as_slice)
    }

    /// Marks the enclosures of `id` as asked for; false when they already are (or are in).
    pub fn start_loading(&mut self, id: ArticleId) -> bool {
        !self.enclosures.contains_key(&id) && self.loading.insert(id)
    }

    /// Keeps the enclosures of `id`, evicting the oldest beyond the cache size (never `keep`,
    /// the article in the reader).
    pub fn loaded(&mut self, id: ArticleId, list: Vec<StoredEnclosure>, keep: Option<ArticleId>) {
        self.loading.remove(&id);
        if self.enclosures.insert(id, list).is_none() {
            self.order.push_back(id);
        }
        let mut turns = self.order.len();
        while self.order.len() > CACHE && turns > 0 {
            turns -= 1;
            if let Some(old) = self.order.pop_front() {
                if Some(old) == keep {
                    self.order.push_back(old);
                } else {
                    self.enclosures.remove(&old);
                }
            }
        }
    }

    /// A download asked for; false when it is already going.
    pub fn queue(&mut self, id: ArticleId, index: usize, total: Option<u64>) -> bool {
        if self.downloads.contains_key(&(id, index)) {
            return false;
        }
        self.downloads
            .insert((id, index), Transfer { done: 0, total });
        true
    }

    pub fn progress(&mut self, id: ArticleId, index: usize, done: u64, total: Option<u64>) {
        // A progress event after the end (events cross) must not bring the download back.
        if let Some(t) = self.downloads.get_mut(&(id, index)) {
            *t = Transfer {
                done,
                total: total.or(t.total),
            };
        }
    }

    /// A download ended; with `path`, the enclosure's file is remembered.
    pub fn finished(&mut self, id: ArticleId, index: usize, path: Option<PathBuf>) {
        self.downloads.remove(&(id, index));
        if let Some(path) = path {
            if let Some(e) = self
                .enclosures
                .get_mut(&id)
                .and_then(|list| list.iter_mut().find(|e| e.index == index))
            {
                e.downloaded = Some(path);
            }
        }
    }

    /// `downloading 2 · 35% of 38 MB` (the percentage over the downloads whose size is
    /// known), `None` when nothing downloads.
    pub fn status(&self) -> Option<String> {
        if self.downloads.is_empty() {
            return None;
        }
        let n = self.downloads.len();
        let (mut done, mut total) = (0u64, 0u64);
        for t in self.downloads.values() {
            if let Some(size) = t.total.filter(|&s| s > 0) {
                done += t.done.min(size);
                total += size;
            }
        }
        let percent = (done * 100).checked_div(total);
        Some(match percent {
            Some(percent) => format!("downloading {n} · {percent}% of {}", media_size(total)),
            None => {
                let done: u64 = self.downloads.values().map(|t| t.done).sum();
                format!("downloading {n} · {}", media_size(done))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_sums_the_downloads() {
        let mut m = Media::default();
        assert_eq!(m.status(), None);
        let (a, b) = (ArticleId(1), ArticleId(2));
        assert!(m.queue(a, 0, Some(30_000_000)));
        assert!(!m.queue(a, 0, None), "a second request is refused");
        assert!(m.queue(b, 1, None));
        m.progress(a, 0, 6_000_000, None);
        m.progress(b, 1, 1_000, Some(8_000_000));
        assert_eq!(m.status().as_deref(), Some("downloading 2 · 15% of 38 MB"));
        m.finished(a, 0, None);
        m.progress(a, 0, 7_000_000, None);
        assert_eq!(m.status().as_deref(), Some("downloading 1 · 0% of 8 MB"));
        m.finished(b, 1, None);
        assert_eq!(m.status(), None);
    }
}
