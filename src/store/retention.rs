//! Retention (per-feed limits by count and age) and `gc` (dropping feeds no longer configured).
//! Never removes a starred or an unread article.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection};

use super::error::Result;
use super::queries::{remove_articles, secs};
use crate::config::Retention;
use crate::model::FeedId;

/// What `gc` removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// One entry per removed feed, sorted by url.
    pub feeds: Vec<GcFeed>,
    /// Articles removed in total.
    pub articles: usize,
}

/// One feed `gc` removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GcFeed {
    pub id: FeedId,
    /// The url the feed was configured with; `None` when only its articles were stored.
    pub url: Option<String>,
    pub articles: usize,
}

impl GcFeed {
    /// The url, else the feed id in hex: something to print.
    pub fn label(&self) -> String {
        self.url.clone().unwrap_or_else(|| self.id.to_string())
    }
}

/// Drops the read, unstarred articles of `feed` that fall beyond the newest
/// `max_articles_per_feed` or are older than `max_age_days` (by `ArticleMeta::date`).
/// Dropped ids are remembered so a refresh does not bring them back. Returns how many went.
pub fn apply_retention(
    conn: &Connection,
    feed: FeedId,
    r: &Retention,
    now: DateTime<Utc>,
) -> Result<usize> {
    if r.max_articles_per_feed.is_none() && r.max_age_days.is_none() {
        return Ok(0);
    }
    let cutoff = r
        .max_age_days
        .map(|d| secs(now - Duration::days(i64::from(d))));
    let mut stmt = conn.prepare_cached(
        "SELECT id, coalesce(published, first_seen) AS d, read, starred FROM articles
         WHERE feed_id = ?1 ORDER BY d DESC, id DESC",
    )?;
    let mut rows = stmt.query([feed.0 as i64])?;
    let mut doomed = Vec::new();
    let mut rank = 0usize;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let d: i64 = row.get(1)?;
        let read: bool = row.get(2)?;
        let starred: bool = row.get(3)?;
        let too_many = r.max_articles_per_feed.is_some_and(|n| rank >= n);
        let too_old = cutoff.is_some_and(|c| d < c);
        rank += 1;
        if read && !starred && (too_many || too_old) {
            doomed.push(id);
        }
    }
    // Finish the read before deleting from the table it walks.
    drop(rows);
    remove_articles(conn, feed, &doomed, now, true)
}

/// Removes every feed not in `keep`, with its articles, bodies and remembered removals.
/// Feeds the sync server provides (`sync_feeds`) are always kept.
pub fn gc(conn: &Connection, keep: &[FeedId]) -> Result<GcReport> {
    let mut keep: HashSet<FeedId> = keep.iter().copied().collect();
    {
        let mut stmt = conn.prepare("SELECT feed_id FROM sync_feeds")?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        for id in rows {
            keep.insert(FeedId(id? as u64));
        }
    }
    let mut found: BTreeMap<FeedId, Option<String>> = BTreeMap::new();
    {
        let mut stmt = conn.prepare("SELECT id, url FROM feeds")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            found.insert(FeedId(row.get::<_, i64>(0)? as u64), Some(row.get(1)?));
        }
        let mut stmt = conn.prepare(
            "SELECT DISTINCT feed_id FROM articles UNION SELECT DISTINCT feed_id FROM removed",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            found
                .entry(FeedId(row.get::<_, i64>(0)? as u64))
                .or_insert(None);
        }
    }
    let mut report = GcReport::default();
    for (id, url) in found {
        if keep.contains(&id) {
            continue;
        }
        let fid = id.0 as i64;
        conn.execute(
            "DELETE FROM articles_fts WHERE rowid IN (SELECT body FROM articles WHERE feed_id = ?1)",
            [fid],
        )?;
        conn.execute(
            "DELETE FROM bodies WHERE ref IN (SELECT body FROM articles WHERE feed_id = ?1)",
            [fid],
        )?;
        conn.execute(
            "DELETE FROM sync_articles WHERE article_id IN
                (SELECT id FROM articles WHERE feed_id = ?1)",
            [fid],
        )?;
        conn.execute(
            "DELETE FROM enclosures WHERE article_id IN
                (SELECT id FROM articles WHERE feed_id = ?1)",
            [fid],
        )?;
        let articles = conn.execute("DELETE FROM articles WHERE feed_id = ?1", [fid])?;
        conn.execute("DELETE FROM removed WHERE feed_id = ?1", [fid])?;
        conn.execute("DELETE FROM feeds WHERE id = ?1", params![fid])?;
        report.articles += articles;
        report.feeds.push(GcFeed { id, url, articles });
    }
    report.feeds.sort_by_key(|f| f.label());
    Ok(report)
}
