//! What `u` can undo: the last read/unread and star changes (`m`, `s`, `A`, and the read mark
//! an opened article gets), newest last, at most `UNDO_MAX` of them. Each entry holds exactly
//! the articles that changed, so undoing sets them back and nothing else. Pure data.

use crate::model::ArticleId;

/// Changes kept for undo.
pub const UNDO_MAX: usize = 100;

/// One change, as it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// These articles were marked `read` (or unread); `all` for `A` on a whole list.
    Read {
        ids: Vec<ArticleId>,
        read: bool,
        all: bool,
    },
    /// This article's star was set to `starred`.
    Star { id: ArticleId, starred: bool },
}

/// See the module doc.
#[derive(Clone, Debug, Default)]
pub struct UndoStack {
    changes: Vec<Change>,
}

impl UndoStack {
    /// Remembers a change (nothing for an empty one); the oldest goes past `UNDO_MAX`.
    pub fn push(&mut self, change: Change) {
        if matches!(&change, Change::Read { ids, .. } if ids.is_empty()) {
            return;
        }
        self.changes.push(change);
        if self.changes.len() > UNDO_MAX {
            self.changes.remove(0);
        }
    }

    pub fn pop(&mut self) -> Option<Change> {
        self.changes.pop()
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_newest_first_and_empty_changes_skipped() {
        let mut u = UndoStack::default();
        u.push(Change::Read {
            ids: vec![],
            read: true,
            all: true,
        });
        assert!(u.is_empty());
        for n in 0..(UNDO_MAX as u64 + 5) {
            u.push(Change::Star {
                id: ArticleId(n),
                starred: true,
            });
        }
        assert_eq!(u.len(), UNDO_MAX);
        assert_eq!(
            u.pop(),
            Some(Change::Star {
                id: ArticleId(UNDO_MAX as u64 + 4),
                starred: true
            })
        );
    }
}
