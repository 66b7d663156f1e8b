//! The schema and its ordered migrations, versioned with `PRAGMA user_version`.
//! Never edit a shipped migration: add a new step at the end (and its fixture in `tests/store_fixtures/`).

use std::path::Path;

use rusqlite::Connection;

use super::error::{Result, StoreError};

/// `MIGRATIONS[i]` upgrades a store from version `i` to version `i + 1`.
///
/// Layout choices (measured, see `benches/store.rs`): list columns live in `articles`, bodies in
/// `bodies`, so the start-up scan of `articles` reads a small table (about 150 bytes a row)
/// instead of kilobytes of HTML per row. Dates are unix seconds. `removed` remembers articles
/// that retention or the user dropped, so a feed that still lists them does not bring them back
/// as unread.
pub const MIGRATIONS: &[&str] = &[
    // 1: first shipped version.
    "
    CREATE TABLE feeds (
        id            INTEGER PRIMARY KEY,   -- FeedId as i64
        url           TEXT NOT NULL,
        feed_title    TEXT,
        etag          TEXT,
        last_modified TEXT,
        last_success  INTEGER,
        last_attempt  INTEGER,
        last_error    TEXT,
        error_kind    TEXT,
        failures      INTEGER NOT NULL DEFAULT 0,
        next_due      INTEGER,
        moved_to      TEXT,
        discovered    TEXT
    );
    CREATE TABLE articles (
        id          INTEGER PRIMARY KEY,     -- ArticleId as i64
        feed_id     INTEGER NOT NULL,
        guid        TEXT,
        link        TEXT,
        title       TEXT NOT NULL,
        author      TEXT,
        published   INTEGER,
        updated     INTEGER,
        first_seen  INTEGER NOT NULL,
        read        INTEGER NOT NULL DEFAULT 0,
        starred     INTEGER NOT NULL DEFAULT 0,
        highlights  TEXT NOT NULL DEFAULT '', -- rule indices, \"0,3\"
        body        INTEGER                  -- bodies.ref
    );
    CREATE INDEX articles_feed_date ON articles(feed_id, coalesce(published, first_seen));
    CREATE INDEX articles_unread ON articles(coalesce(published, first_seen)) WHERE read = 0;
    -- Bodies get sequential keys (articles.body points at them): article ids are random
    -- 64-bit hashes, and keying 1-4 KB rows by them made every insert split a random page
    -- (measured: about 3x slower inserts of a 50k-article refresh).
    CREATE TABLE bodies (
        ref        INTEGER PRIMARY KEY,
        body_kind  TEXT NOT NULL,            -- 'html' | 'text'
        content    TEXT NOT NULL,
        full_text  TEXT                      -- readability extract, when fetched
    );
    CREATE TABLE removed (
        id          INTEGER PRIMARY KEY,     -- ArticleId of a dropped article
        feed_id     INTEGER NOT NULL,
        removed_at  INTEGER NOT NULL
    );
    CREATE INDEX removed_feed ON removed(feed_id);
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    ",
    // 2: why a feed's next_due is what it is (server asked / backoff / schedule), so that a
    // polite `tidings refresh` skips only the feeds a server or the backoff holds. Stores
    // from version 1 only knew failures: a failing feed was backing off.
    "
    ALTER TABLE feeds ADD COLUMN due_reason TEXT NOT NULL DEFAULT 'schedule';
    UPDATE feeds SET due_reason = 'backoff' WHERE failures > 0;
    ",
    // 3: sync with a feed server (issue 12). Synced articles live in `articles`/`bodies` like
    // any other; these tables map them to the server's ids. One account at a time (its name and
    // the article cursor are in `meta`, keys `sync.*`). The outbox holds local flag changes
    // not yet confirmed by the server, written in the same transaction as the change.
    "
    CREATE TABLE sync_categories (
        remote_id  TEXT PRIMARY KEY,
        title      TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE sync_feeds (
        remote_id  TEXT PRIMARY KEY,
        feed_id    INTEGER NOT NULL,          -- FeedId of url
        url        TEXT NOT NULL,
        title      TEXT NOT NULL,
        category   TEXT                       -- sync_categories.remote_id
    ) WITHOUT ROWID;
    CREATE TABLE sync_articles (
        article_id   INTEGER PRIMARY KEY,     -- ArticleId as i64
        remote_id    INTEGER NOT NULL UNIQUE,
        remote_feed  TEXT NOT NULL
    );
    CREATE TABLE sync_outbox (
        remote_id  INTEGER NOT NULL,
        flag       TEXT NOT NULL,             -- 'read' | 'starred'
        value      INTEGER NOT NULL,
        queued_at  INTEGER NOT NULL,
        PRIMARY KEY (remote_id, flag)
    ) WITHOUT ROWID;
    ",
    // 4: a feed parsed only in part keeps a warning (`FeedState::warning`), shown as
    // `partial` or `warning` beside its title; NULL for a clean parse.
    "
    ALTER TABLE feeds ADD COLUMN warning TEXT;
    ALTER TABLE feeds ADD COLUMN warning_kind TEXT;  -- 'partial' | 'not-understood'
    ",
    // 5: search and kill rules (issue 9). `hidden` marks what a kill rule hides. The
    // full-text index holds each article's title, author and text (its body with HTML
    // stripped, see `query::body_text`), keyed by `bodies.ref`: sequential keys keep the
    // index about a third smaller than random article ids would. Contentless: the text is
    // not stored twice. The index is filled by the writer when it is idle, in key order, up
    // to `meta.fts_indexed_upto` (see `queries::index_pending`): filling it here would stop
    // the first start after an upgrade for tens of seconds on a big store, and indexing in
    // the refresh's write path would double its cost. Searches read articles not indexed yet
    // directly (`search.rs`). Every article gets a body row first, so that every article has
    // a key in the index.
    "
    ALTER TABLE articles ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
    CREATE TEMP TABLE bodiless AS
        SELECT id,
               (SELECT coalesce(max(ref), 0) FROM bodies) + row_number() OVER (ORDER BY id) AS ref
        FROM articles
        WHERE body IS NULL OR body NOT IN (SELECT ref FROM bodies);
    INSERT INTO bodies (ref, body_kind, content) SELECT ref, 'html', '' FROM temp.bodiless;
    UPDATE articles SET body = (SELECT ref FROM temp.bodiless b WHERE b.id = articles.id)
        WHERE id IN (SELECT id FROM temp.bodiless);
    DROP TABLE temp.bodiless;
    CREATE INDEX articles_body ON articles(body);
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, author, text,
        content = '', contentless_delete = 1,
        tokenize = \"unicode61 remove_diacritics 0 categories 'L* N* Co M*' tokenchars '_'\"
    );
    ",
    // 6: indexes for a fast start (read by store/startup.rs): the newest articles in the
    // order the lists show them, per-feed unread counts (covering), and the highlighted
    // articles (few rows). Partial: articles a kill rule hides are never on screen.
    "
    CREATE INDEX articles_newest ON articles(coalesce(published, first_seen) DESC, id)
        WHERE hidden = 0;
    CREATE INDEX articles_unread_counts ON articles(feed_id, highlights)
        WHERE read = 0 AND hidden = 0;
    CREATE INDEX articles_highlighted ON articles(id) WHERE highlights != '' AND hidden = 0;
    ",
    // 7: enclosures (podcast episodes, videos) with what the feed says of them and the local
    // file once downloaded. Loaded on demand for one article; the lists only read
    // `articles.media` (0 none, 1 attached, 2 one is downloaded: `MediaMark`). Few articles
    // have enclosures, so keying rows by the random article id costs little.
    "
    CREATE TABLE enclosures (
        article_id  INTEGER NOT NULL,         -- ArticleId as i64
        position    INTEGER NOT NULL,         -- 0-based, in document order
        url         TEXT NOT NULL,
        mime        TEXT,
        length      INTEGER,                  -- bytes, as the feed says
        duration    INTEGER,                  -- seconds
        downloaded  TEXT,                     -- path of the finished download
        PRIMARY KEY (article_id, position)
    ) WITHOUT ROWID;
    ALTER TABLE articles ADD COLUMN media INTEGER NOT NULL DEFAULT 0;
    ",
    // 8: articles are kept in the order they arrived (`seq`, the rowid) instead of by their
    // id, a hash, which stays unique through its own small index. Keyed by the hash, a
    // refresh that brought a few articles to each of many feeds wrote them into pages all
    // over the table, and every commit rewrote nearly the whole table: measured on a cold
    // refresh of 10,000 feeds x 5 items, 35,100 WAL frames (1,400 per commit at the end)
    // against 25,000 for 100 x 500, the same 50,000 articles. Columns keep their order.
    "
    CREATE TABLE articles_by_arrival (
        id          INTEGER NOT NULL,        -- ArticleId as i64 (unique: articles_id)
        feed_id     INTEGER NOT NULL,
        guid        TEXT,
        link        TEXT,
        title       TEXT NOT NULL,
        author      TEXT,
        published   INTEGER,
        updated     INTEGER,
        first_seen  INTEGER NOT NULL,
        read        INTEGER NOT NULL DEFAULT 0,
        starred     INTEGER NOT NULL DEFAULT 0,
        highlights  TEXT NOT NULL DEFAULT '', -- rule indices, \"0,3\"
        body        INTEGER,                 -- bodies.ref
        hidden      INTEGER NOT NULL DEFAULT 0,
        media       INTEGER NOT NULL DEFAULT 0,
        seq         INTEGER PRIMARY KEY      -- arrival order (bodies.ref order for old rows)
    );
    INSERT INTO articles_by_arrival (id, feed_id, guid, link, title, author, published,
                                     updated, first_seen, read, starred, highlights, body,
                                     hidden, media)
        SELECT id, feed_id, guid, link, title, author, published, updated, first_seen, read,
               starred, highlights, body, hidden, media
        FROM articles ORDER BY body, id;
    DROP TABLE articles;
    ALTER TABLE articles_by_arrival RENAME TO articles;
    CREATE UNIQUE INDEX articles_id ON articles(id);
    CREATE INDEX articles_feed_date ON articles(feed_id, coalesce(published, first_seen));
    CREATE INDEX articles_unread ON articles(coalesce(published, first_seen)) WHERE read = 0;
    CREATE INDEX articles_body ON articles(body);
    CREATE INDEX articles_newest ON articles(coalesce(published, first_seen) DESC, id)
        WHERE hidden = 0;
    CREATE INDEX articles_unread_counts ON articles(feed_id, highlights)
        WHERE read = 0 AND hidden = 0;
    CREATE INDEX articles_highlighted ON articles(id) WHERE highlights != '' AND hidden = 0;
    ",
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Reads `PRAGMA user_version`.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// The store's schema version, refused when a newer tidings wrote it.
fn not_newer(conn: &Connection, path: &Path) -> Result<i64> {
    let found = version(conn)?;
    if found > LATEST {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: LATEST,
        });
    }
    Ok(found)
}

/// Brings the store up to [`LATEST`], one transaction per step, and returns the version it
/// found (0 for a new store). A store from a newer tidings is refused and left untouched.
pub fn migrate(conn: &Connection, path: &Path) -> Result<i64> {
    let found = not_newer(conn, path)?;
    for from in found..LATEST {
        let step = MIGRATIONS[from as usize];
        let to = from + 1;
        let run = || -> rusqlite::Result<()> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let res = conn
                .execute_batch(step)
                .and_then(|()| conn.execute_batch(&format!("PRAGMA user_version = {to}")))
                .and_then(|()| conn.execute_batch("COMMIT"));
            if res.is_err() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            res
        };
        run().map_err(|source| StoreError::Migration {
            path: path.to_path_buf(),
            from,
            to,
            source,
        })?;
    }
    Ok(found)
}

/// Checks, without changing anything, that a read-only connection sees the current schema.
pub fn check_read_only(conn: &Connection, path: &Path) -> Result<()> {
    let found = not_newer(conn, path)?;
    if found < LATEST {
        return Err(StoreError::NeedsUpgrade {
            path: path.to_path_buf(),
            found,
            supported: LATEST,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_index_splits_words_as_the_query_module_does() {
        let step = super::MIGRATIONS
            .iter()
            .find(|s| s.contains("CREATE VIRTUAL TABLE articles_fts"))
            .expect("a migration creates the index");
        assert!(
            step.contains(&format!("tokenize = \"{}\"", crate::query::FTS_TOKENIZER)),
            "the FTS tokenizer options in the migration differ from query::FTS_TOKENIZER"
        );
    }
}
