//! Enclosures in the store: written with their article, read for one article at a time, and
//! the downloaded file remembered (with the article's `media` mark kept in step, the one
//! thing the lists read). Never touches the files themselves.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::error::Result;
use crate::model::{ArticleId, Enclosure, FeedId, MediaMark, StoredEnclosure};

/// Stores an article's enclosures (called with the article's insert, in its transaction).
pub fn insert_enclosures(conn: &Connection, id: ArticleId, items: &[Enclosure]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO enclosures (article_id, position, url, mime, length, duration)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (i, e) in items.iter().enumerate() {
        stmt.execute(params![
            id.as_i64(),
            i as i64,
            e.url,
            e.mime,
            e.length.and_then(|n| i64::try_from(n).ok()),
            e.duration.map(|d| d.as_secs().min(i64::MAX as u64) as i64),
        ])?;
    }
    Ok(())
}

/// The enclosures of one article, in document order (empty when it has none).
pub fn enclosures(conn: &Connection, id: ArticleId) -> Result<Vec<StoredEnclosure>> {
    let mut stmt = conn.prepare_cached(
        "SELECT position, url, mime, length, duration, downloaded FROM enclosures
         WHERE article_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id.as_i64()], |r| {
        Ok(StoredEnclosure {
            article: id,
            index: r.get::<_, i64>(0)?.max(0) as usize,
            enclosure: Enclosure {
                url: r.get(1)?,
                mime: r.get(2)?,
                length: r
                    .get::<_, Option<i64>>(3)?
                    .and_then(|n| u64::try_from(n).ok()),
                duration: r
                    .get::<_, Option<i64>>(4)?
                    .and_then(|s| u64::try_from(s).ok())
                    .map(Duration::from_secs),
            },
            downloaded: r.get::<_, Option<String>>(5)?.map(PathBuf::from),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The feed an article belongs to (for resolving a local feed's relative enclosure).
pub fn article_feed(conn: &Connection, id: ArticleId) -> Result<Option<FeedId>> {
    let mut stmt = conn.prepare_cached("SELECT feed_id FROM articles WHERE id = ?1")?;
    Ok(stmt
        .query_row([id.as_i64()], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|f| FeedId(f as u64)))
}

/// Remembers (or, with `None`, forgets) the downloaded file of enclosure `index` of `id`, and
/// updates the article's mark. A no-op for an enclosure the store does not hold.
pub fn set_downloaded(
    conn: &Connection,
    id: ArticleId,
    index: usize,
    path: Option<&Path>,
) -> Result<()> {
    let path = path.map(|p| p.to_string_lossy().into_owned());
    conn.prepare_cached(
        "UPDATE enclosures SET downloaded = ?3 WHERE article_id = ?1 AND position = ?2",
    )?
    .execute(params![id.as_i64(), index as i64, path])?;
    let (any, downloaded): (i64, i64) = conn
        .prepare_cached("SELECT count(*), count(downloaded) FROM enclosures WHERE article_id = ?1")?
        .query_row([id.as_i64()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mark = match (any, downloaded) {
        (0, _) => MediaMark::None,
        (_, 0) => MediaMark::Attached,
        _ => MediaMark::Downloaded,
    };
    conn.prepare_cached("UPDATE articles SET media = ?2 WHERE id = ?1")?
        .execute(params![id.as_i64(), mark.as_i64()])?;
    Ok(())
}
