//! Reads for a fast start, all from one read snapshot: what the first screen needs straight
//! from the indexes (per-feed unread counts, the article count, the newest articles, the
//! highlighted ones), then every article, possibly on another thread, from the same snapshot
//! so that the two never disagree. Read-only: never writes, takes no lock.

use std::path::PathBuf;

use rusqlite::{Connection, OpenFlags};

use super::error::Result;
use super::queries::{self, meta_from_row, LIST_COLUMNS};
use super::{open, Store};
use crate::model::{ArticleMeta, FeedId, FeedState};

/// Unread articles of one feed, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedCounts {
    pub feed: FeedId,
    pub unread: usize,
    /// Unread articles that match a highlight rule.
    pub highlighted_unread: usize,
}

/// A read transaction on its own connection: every read sees the store as it was when the
/// snapshot was taken, whatever is written meanwhile. `Send`: take it on one thread, finish
/// it on another.
pub struct Snapshot {
    conn: Connection,
    db_path: PathBuf,
}

impl Store {
    /// Opens a second, read-only connection and starts a read snapshot on it.
    pub fn snapshot(&self) -> Result<Snapshot> {
        let conn = Connection::open_with_flags(
            &self.db_path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        open::configure(&conn, false)?;
        // One pass over each table: a page cache would only hold pages never read again
        // (and stay resident after the load).
        conn.execute_batch("PRAGMA cache_size = -512")?;
        // A deferred transaction takes its snapshot at the first read: read at once.
        conn.execute_batch("BEGIN")?;
        let _: i64 = conn.query_row("SELECT count(*) FROM feeds", [], |r| r.get(0))?;
        Ok(Snapshot {
            conn,
            db_path: self.db_path.clone(),
        })
    }
}

impl Snapshot {
    /// Runs a query; damage it runs into is remembered for the next start-up's full check.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let res = f(&self.conn);
        if let Err(e) = &res {
            open::note_damage(&self.db_path, e);
        }
        res
    }

    pub fn feed_states(&self) -> Result<Vec<FeedState>> {
        self.read(queries::load_feed_states)
    }

    /// Unread and highlighted-unread counts of every feed with unread articles (one scan of
    /// the `articles_unread_counts` index).
    pub fn unread_counts(&self) -> Result<Vec<FeedCounts>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT feed_id, count(*), sum(highlights != '') FROM articles
                 WHERE read = 0 AND hidden = 0 GROUP BY feed_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(FeedCounts {
                    feed: FeedId(r.get::<_, i64>(0)? as u64),
                    unread: r.get::<_, i64>(1)?.max(0) as usize,
                    highlighted_unread: r.get::<_, i64>(2)?.max(0) as usize,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// How many articles the store holds.
    pub fn article_count(&self) -> Result<usize> {
        self.read(|c| {
            let n: i64 =
                c.query_row("SELECT count(*) FROM articles WHERE hidden = 0", [], |r| {
                    r.get(0)
                })?;
            Ok(n.max(0) as usize)
        })
    }

    /// The `limit` newest articles, newest first (ties by id), from the `articles_newest` index.
    pub fn newest_articles(&self, limit: usize) -> Result<Vec<ArticleMeta>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {LIST_COLUMNS} FROM articles WHERE hidden = 0
                 ORDER BY coalesce(published, first_seen) DESC, id LIMIT ?1"
            ))?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map([limit], meta_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Every article that matches a highlight rule (the `articles_highlighted` index).
    pub fn highlighted_articles(&self) -> Result<Vec<ArticleMeta>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {LIST_COLUMNS} FROM articles WHERE highlights != '' AND hidden = 0"
            ))?;
            let rows = stmt.query_map([], meta_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Every article, newest first (ties by id), and the end of the snapshot.
    pub fn all_articles(self) -> Result<Vec<ArticleMeta>> {
        let all = self.read(queries::load_articles)?;
        let _ = self.conn.execute_batch("COMMIT");
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleBody, ArticleId, BodyKind, NewArticle};
    use chrono::{TimeZone, Utc};

    fn new_article(feed: &str, n: i64, read: bool, highlighted: bool) -> NewArticle {
        let title = format!("{feed} {n}");
        NewArticle {
            meta: ArticleMeta {
                id: ArticleId::derive(feed, Some(&n.to_string()), None, &title, None),
                feed: FeedId::from_url(feed),
                guid: Some(n.to_string()),
                title,
                link: None,
                author: None,
                published: Some(Utc.timestamp_opt(1_700_000_000 + n * 60, 0).unwrap()),
                first_seen: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
                read,
                starred: false,
                highlights: if highlighted { vec![0] } else { Vec::new() },
                media: crate::model::MediaMark::None,
            },
            body: ArticleBody {
                kind: BodyKind::Text,
                content: "text".into(),
            },
            updated: None,
            enclosures: Vec::new(),
        }
    }

    #[test]
    fn a_snapshot_reads_one_consistent_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), super::super::OpenMode::ReadWrite)
            .unwrap()
            .store;
        let (a, b) = ("https://a.example/feed", "https://b.example/feed");
        let mut items = Vec::new();
        for n in 0..30 {
            items.push(new_article(a, n, n % 3 == 0, n % 5 == 0));
            items.push(new_article(b, 100 + n, false, false));
        }
        store.insert_articles(&items).unwrap();
        let snapshot = store.snapshot().unwrap();
        // Written after the snapshot: none of its reads may see it.
        store
            .insert_articles(&[new_article(a, 1000, false, true)])
            .unwrap();

        assert_eq!(snapshot.article_count().unwrap(), 60);
        let mut counts = snapshot.unread_counts().unwrap();
        counts.sort_by_key(|c| c.unread);
        let unread_a = (0..30).filter(|n| n % 3 != 0).count();
        let highlighted_a = (0..30).filter(|n| n % 3 != 0 && n % 5 == 0).count();
        assert_eq!(
            counts,
            vec![
                FeedCounts {
                    feed: FeedId::from_url(a),
                    unread: unread_a,
                    highlighted_unread: highlighted_a,
                },
                FeedCounts {
                    feed: FeedId::from_url(b),
                    unread: 30,
                    highlighted_unread: 0,
                },
            ]
        );
        assert_eq!(snapshot.highlighted_articles().unwrap().len(), 6);
        let all = snapshot.all_articles().unwrap();
        assert_eq!(all.len(), 60);
        let newest = store.snapshot().unwrap().newest_articles(7).unwrap();
        assert_eq!(newest.len(), 7);
        assert_eq!(
            newest[0].title,
            format!("{a} 1000"),
            "a new snapshot sees it"
        );
        // The window is the head of the full order.
        let now_all = store.load_articles().unwrap();
        assert_eq!(&newest[..], &now_all[..7]);
    }

    /// The plan SQLite picks for `sql`, one detail per line.
    fn plan(c: &Connection, sql: &str) -> String {
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        rows.join("\n")
    }

    #[test]
    fn first_screen_queries_read_indexes_not_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), super::super::OpenMode::ReadWrite)
            .unwrap()
            .store;
        let c = &store.conn;
        let counts = plan(
            c,
            "SELECT feed_id, count(*), sum(highlights != '') FROM articles WHERE read = 0 AND hidden = 0 GROUP BY feed_id",
        );
        assert!(
            counts.contains("COVERING INDEX articles_unread_counts"),
            "{counts}"
        );
        let newest = plan(
            c,
            &format!("SELECT {LIST_COLUMNS} FROM articles WHERE hidden = 0 ORDER BY coalesce(published, first_seen) DESC, id LIMIT 10"),
        );
        assert!(newest.contains("INDEX articles_newest"), "{newest}");
        assert!(!newest.contains("TEMP B-TREE"), "{newest}");
        let highlighted = plan(
            c,
            &format!("SELECT {LIST_COLUMNS} FROM articles WHERE highlights != '' AND hidden = 0"),
        );
        assert!(
            highlighted.contains("INDEX articles_highlighted"),
            "{highlighted}"
        );
    }
}
