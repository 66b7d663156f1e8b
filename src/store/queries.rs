//! SQL for each store operation, as functions over a connection so the `Store` (one statement
//! at a time) and the writer thread (many per transaction) share them. No locking, no threads.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::error::Result;
use crate::model::{
    ArticleBody, ArticleId, ArticleMeta, BodyKind, DueReason, ErrorKind, FeedId, FeedState,
    FeedWarning, MediaMark, NewArticle, WarningKind,
};

/// Runs `f` in a `BEGIN IMMEDIATE` transaction: taking the write lock up front means a busy
/// database is waited for (busy_timeout) instead of failing half-way.
pub fn write_tx<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(v) => match conn.execute_batch("COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

pub fn secs(d: DateTime<Utc>) -> i64 {
    d.timestamp()
}

pub fn opt_secs(d: Option<DateTime<Utc>>) -> Option<i64> {
    d.map(secs)
}

pub fn date(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

pub fn opt_date(s: Option<i64>) -> Option<DateTime<Utc>> {
    s.map(date)
}

/// Highlight rule indices as stored: "0,3".
pub fn encode_highlights(rules: &[u16]) -> String {
    let mut out = String::with_capacity(rules.len() * 3);
    for (i, r) in rules.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&r.to_string());
    }
    out
}

pub fn decode_highlights(s: &str) -> Vec<u16> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

/// Stable names for `ErrorKind` in the database (independent of the UI labels).
fn error_kind_key(k: ErrorKind) -> &'static str {
    match k {
        ErrorKind::Dns => "dns",
        ErrorKind::Connect => "connect",
        ErrorKind::Tls => "tls",
        ErrorKind::Timeout => "timeout",
        ErrorKind::HttpStatus => "http_status",
        ErrorKind::TooLarge => "too_large",
        ErrorKind::TooManyRedirects => "too_many_redirects",
        ErrorKind::NotAFeed => "not_a_feed",
        ErrorKind::Parse => "parse",
        ErrorKind::Io => "io",
        ErrorKind::Other => "other",
    }
}

fn error_kind_from_key(s: &str) -> ErrorKind {
    match s {
        "dns" => ErrorKind::Dns,
        "connect" => ErrorKind::Connect,
        "tls" => ErrorKind::Tls,
        "timeout" => ErrorKind::Timeout,
        "http_status" => ErrorKind::HttpStatus,
        "too_large" => ErrorKind::TooLarge,
        "too_many_redirects" => ErrorKind::TooManyRedirects,
        "not_a_feed" => ErrorKind::NotAFeed,
        "parse" => ErrorKind::Parse,
        "io" => ErrorKind::Io,
        _ => ErrorKind::Other,
    }
}

fn warning_kind_key(k: WarningKind) -> &'static str {
    match k {
        WarningKind::Partial => "partial",
        WarningKind::NotUnderstood => "not-understood",
    }
}

fn warning_from_columns(message: Option<String>, kind: Option<String>) -> Option<Box<FeedWarning>> {
    Some(Box::new(FeedWarning {
        kind: match kind.as_deref() {
            Some("partial") => WarningKind::Partial,
            _ => WarningKind::NotUnderstood,
        },
        message: message?,
    }))
}

// ---- feeds ----

pub fn load_feed_states(conn: &Connection) -> Result<Vec<FeedState>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, url, feed_title, etag, last_modified, last_success, last_attempt, last_error,
                error_kind, failures, next_due, moved_to, discovered, due_reason, warning,
                warning_kind
         FROM feeds",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(FeedState {
            id: FeedId(r.get::<_, i64>(0)? as u64),
            url: r.get(1)?,
            feed_title: r.get(2)?,
            etag: r.get(3)?,
            last_modified: r.get(4)?,
            last_success: opt_date(r.get(5)?),
            last_attempt: opt_date(r.get(6)?),
            last_error: r.get(7)?,
            error_kind: r
                .get::<_, Option<String>>(8)?
                .map(|k| error_kind_from_key(&k)),
            failures: r.get::<_, i64>(9)?.clamp(0, i64::from(u32::MAX)) as u32,
            next_due: opt_date(r.get(10)?),
            moved_to: r.get(11)?,
            discovered: r.get(12)?,
            due_reason: DueReason::from_key(&r.get::<_, String>(13)?),
            warning: warning_from_columns(r.get(14)?, r.get(15)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn save_feed_state(conn: &Connection, s: &FeedState) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO feeds (id, url, feed_title, etag, last_modified, last_success, last_attempt,
                            last_error, error_kind, failures, next_due, moved_to, discovered,
                            due_reason, warning, warning_kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT(id) DO UPDATE SET
            url = excluded.url, feed_title = excluded.feed_title, etag = excluded.etag,
            last_modified = excluded.last_modified, last_success = excluded.last_success,
            last_attempt = excluded.last_attempt, last_error = excluded.last_error,
            error_kind = excluded.error_kind, failures = excluded.failures,
            next_due = excluded.next_due, moved_to = excluded.moved_to,
            discovered = excluded.discovered, due_reason = excluded.due_reason,
            warning = excluded.warning, warning_kind = excluded.warning_kind",
    )?;
    stmt.execute(params![
        s.id.0 as i64,
        s.url,
        s.feed_title,
        s.etag,
        s.last_modified,
        opt_secs(s.last_success),
        opt_secs(s.last_attempt),
        s.last_error,
        s.error_kind.map(error_kind_key),
        i64::from(s.failures),
        opt_secs(s.next_due),
        s.moved_to,
        s.discovered,
        s.due_reason.as_str(),
        s.warning.as_ref().map(|w| w.message.as_str()),
        s.warning.as_ref().map(|w| warning_kind_key(w.kind)),
    ])?;
    Ok(())
}

// ---- articles ----

pub const LIST_COLUMNS: &str =
    "id, feed_id, guid, title, link, author, published, first_seen, read, starred, highlights, media";

pub fn meta_from_row(r: &Row<'_>) -> rusqlite::Result<ArticleMeta> {
    let highlights = match r.get_ref(10)?.as_str_or_null()? {
        None | Some("") => Vec::new(),
        Some(s) => decode_highlights(s),
    };
    Ok(ArticleMeta {
        id: ArticleId::from_i64(r.get(0)?),
        feed: FeedId(r.get::<_, i64>(1)? as u64),
        guid: r.get(2)?,
        title: r.get(3)?,
        link: r.get(4)?,
        author: r.get(5)?,
        published: opt_date(r.get(6)?),
        first_seen: date(r.get(7)?),
        read: r.get(8)?,
        starred: r.get(9)?,
        highlights,
        media: MediaMark::from_i64(r.get(11)?),
    })
}

/// Newest first (by `ArticleMeta::date`), ties by ascending id, so every caller sees one
/// stable order; the UI sorts the same way, so its first sort of a loaded store is one pass.
fn sort_newest_first(v: &mut [ArticleMeta]) {
    v.sort_unstable_by(newest_first);
}

pub fn newest_first(a: &ArticleMeta, b: &ArticleMeta) -> std::cmp::Ordering {
    b.date().cmp(&a.date()).then(a.id.cmp(&b.id))
}

/// Every article kill rules do not hide, newest first. Reading two halves of the table on
/// two threads was measured slower on a busy 2-core machine (contention), so this stays one
/// sequential scan.
pub fn load_articles(conn: &Connection) -> Result<Vec<ArticleMeta>> {
    let count: i64 = conn.query_row("SELECT count(*) FROM articles", [], |r| r.get(0))?;
    let mut out = Vec::with_capacity(count.max(0) as usize);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {LIST_COLUMNS} FROM articles WHERE hidden = 0"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        out.push(meta_from_row(row)?);
    }
    sort_newest_first(&mut out);
    Ok(out)
}

/// Above this many feeds the filter runs in memory rather than as SQL parameters.
const MAX_SQL_FEEDS: usize = 256;

pub fn list_articles(
    conn: &Connection,
    unread_only: bool,
    feeds: Option<&[FeedId]>,
) -> Result<Vec<ArticleMeta>> {
    // The partial index `articles_unread` wins when few articles are unread; walking it costs a
    // table lookup per row, so with many unread a plain scan is faster (measured: 100k articles,
    // 75% unread: 210 ms through the index, 75 ms scanning). Pick by counting (the count reads
    // only the small index).
    let mut from = "articles";
    if unread_only {
        let total: i64 = conn.query_row("SELECT count(*) FROM articles", [], |r| r.get(0))?;
        let unread: i64 =
            conn.query_row("SELECT count(*) FROM articles WHERE read = 0", [], |r| {
                r.get(0)
            })?;
        if unread * 4 > total {
            from = "articles NOT INDEXED";
        }
    }
    let mut sql = format!("SELECT {LIST_COLUMNS} FROM {from} WHERE hidden = 0");
    if unread_only {
        sql.push_str(" AND read = 0");
    }
    let mut ids: Vec<i64> = Vec::new();
    let mut in_memory: Option<HashSet<FeedId>> = None;
    match feeds {
        Some([]) => return Ok(Vec::new()),
        Some(f) if f.len() <= MAX_SQL_FEEDS => {
            ids = f.iter().map(|id| id.0 as i64).collect();
            let marks = vec!["?"; ids.len()].join(",");
            sql.push_str(&format!(" AND feed_id IN ({marks})"));
        }
        Some(f) => in_memory = Some(f.iter().copied().collect()),
        None => {}
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(ids.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let meta = meta_from_row(row)?;
        if in_memory
            .as_ref()
            .is_none_or(|set| set.contains(&meta.feed))
        {
            out.push(meta);
        }
    }
    sort_newest_first(&mut out);
    Ok(out)
}

/// Ids of stored articles and of articles retention dropped (which a refresh must not re-add).
pub fn known_ids(conn: &Connection) -> Result<HashSet<ArticleId>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM articles UNION ALL SELECT id FROM removed")?;
    let rows = stmt.query_map([], |r| r.get::<_, i64>(0).map(ArticleId::from_i64))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_articles(conn: &Connection, items: &[NewArticle]) -> Result<Vec<ArticleId>> {
    let mut known = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM articles WHERE id = ?1)
             OR EXISTS (SELECT 1 FROM removed WHERE id = ?1)",
    )?;
    let mut body =
        conn.prepare_cached("INSERT INTO bodies (body_kind, content) VALUES (?1, ?2)")?;
    let mut article = conn.prepare_cached(
        "INSERT INTO articles (id, feed_id, guid, link, title, author, published, updated,
                               first_seen, read, starred, highlights, body, media)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let mut new = Vec::new();
    for item in items {
        let m = &item.meta;
        let id = m.id.as_i64();
        // A refresh never overwrites: stored (or dropped) articles keep their state.
        if known.query_row([id], |r| r.get::<_, bool>(0))? {
            continue;
        }
        let body_ref = body.insert(params![item.body.kind.as_str(), item.body.content])?;
        article.execute(params![
            id,
            m.feed.0 as i64,
            m.guid,
            m.link,
            m.title,
            m.author,
            opt_secs(m.published),
            opt_secs(item.updated),
            secs(m.first_seen),
            m.read,
            m.starred,
            encode_highlights(&m.highlights),
            body_ref,
            MediaMark::of(&item.enclosures).as_i64(),
        ])?;
        super::media::insert_enclosures(conn, m.id, &item.enclosures)?;
        new.push(m.id);
    }
    Ok(new)
}

pub fn body(conn: &Connection, id: ArticleId) -> Result<Option<ArticleBody>> {
    let mut stmt = conn.prepare_cached(
        "SELECT b.body_kind, b.content FROM articles a JOIN bodies b ON b.ref = a.body
         WHERE a.id = ?1",
    )?;
    Ok(stmt
        .query_row([id.as_i64()], |r| {
            Ok(ArticleBody {
                kind: BodyKind::parse(r.get_ref(0)?.as_str()?),
                content: r.get(1)?,
            })
        })
        .optional()?)
}

/// Calls `f` with every article's id, title, stored highlights and body, one row at a time
/// (the bodies of 100k articles are far too big to collect).
pub fn for_each_text(
    conn: &Connection,
    mut f: impl FnMut(ArticleId, &str, Vec<u16>, &ArticleBody),
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.title, a.highlights, b.body_kind, b.content
         FROM articles a LEFT JOIN bodies b ON b.ref = a.body",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let kind: Option<String> = r.get(3)?;
        let body = ArticleBody {
            kind: BodyKind::parse(kind.as_deref().unwrap_or("html")),
            content: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
        };
        let title: String = r.get(1)?;
        let stored: Option<String> = r.get(2)?;
        f(
            ArticleId::from_i64(r.get(0)?),
            &title,
            decode_highlights(stored.as_deref().unwrap_or("")),
            &body,
        );
    }
    Ok(())
}

/// Ids of the articles with any stored highlight match (no body is read).
pub fn highlighted_ids(conn: &Connection) -> Result<Vec<ArticleId>> {
    let mut stmt = conn.prepare("SELECT id FROM articles WHERE highlights != ''")?;
    let ids = stmt
        .query_map([], |r| r.get::<_, i64>(0))?
        .map(|id| id.map(ArticleId::from_i64))
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Sets the read flag. For a synced article whose flag changed, the change is queued in the
/// sync outbox in the same transaction (see `super::sync`), so no crash can lose it.
pub fn set_read(conn: &Connection, ids: &[ArticleId], read: bool) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("UPDATE articles SET read = ?2 WHERE id = ?1 AND read != ?2")?;
    for id in ids {
        if stmt.execute(params![id.as_i64(), read])? > 0 {
            super::sync::queue_change(conn, *id, super::sync::SyncFlag::Read, read)?;
        }
    }
    Ok(())
}

/// Sets the starred flag; queued for the sync server like [`set_read`].
pub fn set_starred(conn: &Connection, id: ArticleId, starred: bool) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("UPDATE articles SET starred = ?2 WHERE id = ?1 AND starred != ?2")?;
    if stmt.execute(params![id.as_i64(), starred])? > 0 {
        super::sync::queue_change(conn, id, super::sync::SyncFlag::Starred, starred)?;
    }
    Ok(())
}

pub fn full_text(conn: &Connection, id: ArticleId) -> Result<Option<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT b.full_text FROM articles a JOIN bodies b ON b.ref = a.body WHERE a.id = ?1",
    )?;
    Ok(stmt
        .query_row([id.as_i64()], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// Stores the extracted full text; a no-op for an article the store does not hold.
pub fn save_full_text(conn: &Connection, id: ArticleId, html: &str) -> Result<()> {
    let updated = conn
        .prepare_cached(
            "UPDATE bodies SET full_text = ?2 WHERE ref = (SELECT body FROM articles WHERE id = ?1)",
        )?
        .execute(params![id.as_i64(), html])?;
    if updated == 0 {
        // An article stored without a body: give it one that holds only the full text.
        let exists: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM articles WHERE id = ?1)")?
            .query_row([id.as_i64()], |r| r.get(0))?;
        if exists {
            let body_ref = conn
                .prepare_cached(
                    "INSERT INTO bodies (body_kind, content, full_text) VALUES ('html', '', ?1)",
                )?
                .insert([html])?;
            conn.prepare_cached("UPDATE articles SET body = ?2 WHERE id = ?1")?
                .execute(params![id.as_i64(), body_ref])?;
        }
    }
    Ok(())
}

pub fn set_highlights(conn: &Connection, items: &[(ArticleId, Vec<u16>)]) -> Result<()> {
    let mut stmt = conn.prepare_cached("UPDATE articles SET highlights = ?2 WHERE id = ?1")?;
    for (id, rules) in items {
        stmt.execute(params![id.as_i64(), encode_highlights(rules)])?;
    }
    Ok(())
}

// ---- meta ----

pub fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?;
    Ok(stmt.query_row([key], |r| r.get(0)).optional()?)
}

pub fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?;
    stmt.execute([key, value])?;
    Ok(())
}

// ---- removal ----

/// Deletes articles and their bodies and remembers their ids, so a feed that still lists them
/// does not bring them back as unread. Returns how many articles were deleted.
pub fn remove_articles(
    conn: &Connection,
    feed: FeedId,
    ids: &[i64],
    now: DateTime<Utc>,
    remember: bool,
) -> Result<usize> {
    let mut del_body = conn.prepare_cached(
        "DELETE FROM bodies WHERE ref = (SELECT body FROM articles WHERE id = ?1)",
    )?;
    let mut del_index = conn.prepare_cached(
        "DELETE FROM articles_fts WHERE rowid = (SELECT body FROM articles WHERE id = ?1)",
    )?;
    let mut del_article = conn.prepare_cached("DELETE FROM articles WHERE id = ?1")?;
    let mut del_enclosures = conn.prepare_cached("DELETE FROM enclosures WHERE article_id = ?1")?;
    let mut tomb = conn.prepare_cached(
        "INSERT INTO removed (id, feed_id, removed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET removed_at = excluded.removed_at",
    )?;
    let mut n = 0;
    for &id in ids {
        del_index.execute([id])?;
        del_body.execute([id])?;
        del_enclosures.execute([id])?;
        n += del_article.execute([id])?;
        if remember {
            tomb.execute(params![id, feed.0 as i64, secs(now)])?;
        }
    }
    Ok(n)
}

// ---- kill rules ----

/// Sets or clears the `hidden` flag (what `hide` kill rules set).
pub fn set_hidden(conn: &Connection, ids: &[ArticleId], hidden: bool) -> Result<()> {
    let mut stmt = conn.prepare_cached("UPDATE articles SET hidden = ?2 WHERE id = ?1")?;
    for id in ids {
        stmt.execute(params![id.as_i64(), hidden])?;
    }
    Ok(())
}

/// Records that the articles `ids` of `feed` were dropped by a kill rule: deletes those that
/// are stored and remembers all of them, so a refresh never brings them back. Starred
/// articles are kept. Returns how many stored articles were deleted.
pub fn drop_articles(
    conn: &Connection,
    feed: FeedId,
    ids: &[ArticleId],
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut starred = conn.prepare_cached("SELECT starred FROM articles WHERE id = ?1")?;
    let mut doomed = Vec::with_capacity(ids.len());
    for id in ids {
        let is_starred: Option<bool> = starred.query_row([id.as_i64()], |r| r.get(0)).optional()?;
        if is_starred != Some(true) {
            doomed.push(id.as_i64());
        }
    }
    remove_articles(conn, feed, &doomed, now, true)
}

// ---- full-text index ----

/// Meta key: every body with a `ref` up to this value is in the full-text index.
pub const FTS_INDEXED_UPTO: &str = "fts_indexed_upto";

/// The highest body `ref` indexed so far (see [`FTS_INDEXED_UPTO`]).
pub fn fts_indexed_upto(conn: &Connection) -> Result<i64> {
    Ok(meta_get(conn, FTS_INDEXED_UPTO)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// The highest body `ref` there is.
pub fn max_body_ref(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(ref), 0) FROM bodies", [], |r| r.get(0))?)
}

/// Adds up to `limit` bodies not indexed yet (in `ref` order) to the full-text index, with
/// their article's title and author. Returns how many bodies it looked at (0 when the index
/// is complete). Run it in a transaction.
pub fn index_pending(conn: &Connection, limit: usize) -> Result<usize> {
    let from = fts_indexed_upto(conn)?;
    let mut select = conn.prepare_cached(
        "SELECT b.ref, b.body_kind, b.content, a.title, a.author
         FROM bodies b LEFT JOIN articles a ON a.body = b.ref
         WHERE b.ref > ?1 ORDER BY b.ref LIMIT ?2",
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO articles_fts (rowid, title, author, text) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut rows = select.query(params![from, limit as i64])?;
    let mut seen = 0;
    let mut last = from;
    while let Some(r) = rows.next()? {
        seen += 1;
        last = r.get(0)?;
        // A body no article points at (none are written) has nothing to index.
        let Some(title) = r.get::<_, Option<String>>(3)? else {
            continue;
        };
        let body = ArticleBody {
            kind: BodyKind::parse(&r.get::<_, String>(1)?),
            content: r.get(2)?,
        };
        let author: Option<String> = r.get(4)?;
        insert.execute(params![
            last,
            title,
            author.unwrap_or_default(),
            crate::query::body_text(&body)
        ])?;
    }
    if seen > 0 {
        meta_set(conn, FTS_INDEXED_UPTO, &last.to_string())?;
    }
    Ok(seen)
}
