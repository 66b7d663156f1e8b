//! Moving a feed to a new url (after a permanent redirect, or when the configured url was a
//! web page): its articles are re-keyed so that read and starred state survive the move.

use rusqlite::{params, Connection, OptionalExtension};

use super::error::Result;
use super::queries::opt_date;
use crate::model::{ArticleId, FeedId};

/// What an article's id derives from, and the flags to keep.
struct Stored {
    id: i64,
    guid: Option<String>,
    link: Option<String>,
    title: String,
    published: Option<i64>,
    read: bool,
    starred: bool,
}

/// Re-keys the feed at `old` and its articles to `new` (article ids derive from the feed
/// url). An article already stored under the new url keeps its row and gains the old one's
/// read and starred flags. Returns how many articles moved.
pub fn rename_feed(conn: &Connection, old: &str, new: &str) -> Result<usize> {
    let (old_id, new_id) = (FeedId::from_url(old), FeedId::from_url(new));
    if old_id == new_id {
        return Ok(0);
    }
    let rows: Vec<Stored> = conn
        .prepare(
            "SELECT id, guid, link, title, published, read, starred FROM articles
             WHERE feed_id = ?1",
        )?
        .query_map([old_id.0 as i64], |r| {
            Ok(Stored {
                id: r.get(0)?,
                guid: r.get(1)?,
                link: r.get(2)?,
                title: r.get(3)?,
                published: r.get(4)?,
                read: r.get(5)?,
                starred: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut exists = conn.prepare("SELECT EXISTS (SELECT 1 FROM articles WHERE id = ?1)")?;
    let mut merge = conn
        .prepare("UPDATE articles SET read = read OR ?2, starred = starred OR ?3 WHERE id = ?1")?;
    let mut drop_old =
        conn.prepare("DELETE FROM bodies WHERE ref = (SELECT body FROM articles WHERE id = ?1)")?;
    let mut unindex = conn.prepare(
        "DELETE FROM articles_fts WHERE rowid = (SELECT body FROM articles WHERE id = ?1)",
    )?;
    let mut delete = conn.prepare("DELETE FROM articles WHERE id = ?1")?;
    let mut rekey = conn.prepare("UPDATE articles SET id = ?2, feed_id = ?3 WHERE id = ?1")?;
    // Enclosures follow their article; a merged one keeps the row already under the new id.
    let mut drop_enclosures = conn.prepare("DELETE FROM enclosures WHERE article_id = ?1")?;
    let mut rekey_enclosures =
        conn.prepare("UPDATE enclosures SET article_id = ?2 WHERE article_id = ?1")?;
    for a in &rows {
        let moved = ArticleId::derive(
            new,
            a.guid.as_deref(),
            a.link.as_deref(),
            &a.title,
            opt_date(a.published),
        )
        .as_i64();
        if exists.query_row([moved], |r| r.get::<_, bool>(0))? {
            merge.execute(params![moved, a.read, a.starred])?;
            unindex.execute([a.id])?;
            drop_old.execute([a.id])?;
            drop_enclosures.execute([a.id])?;
            delete.execute([a.id])?;
        } else {
            rekey.execute(params![a.id, moved, new_id.0 as i64])?;
            rekey_enclosures.execute(params![a.id, moved])?;
        }
    }
    let had_new: Option<i64> = conn
        .query_row(
            "SELECT id FROM feeds WHERE id = ?1",
            [new_id.0 as i64],
            |r| r.get(0),
        )
        .optional()?;
    if had_new.is_some() {
        conn.execute("DELETE FROM feeds WHERE id = ?1", [old_id.0 as i64])?;
    } else {
        conn.execute(
            "UPDATE feeds SET id = ?2, url = ?3, moved_to = NULL, discovered = NULL,
                              etag = NULL, last_modified = NULL, next_due = NULL
             WHERE id = ?1",
            params![old_id.0 as i64, new_id.0 as i64, new],
        )?;
    }
    Ok(rows.len())
}
