//! The durable store: SQLite (WAL) in `<data_dir>/tidings.db`, guarded by a lock file.
//! Synchronous; used from background threads and the headless CLI, never from the UI thread.
//!
//! One read-write process per data dir (`OpenMode::ReadWrite` takes `<data_dir>/tidings.lock`);
//! read-only opens need no lock and see the last committed state while a writer runs.

mod checkpoint;
mod error;
mod ignore;
mod media;
mod open;
mod queries;
mod rename;
mod retention;
mod schema;
mod search;
mod startup;
mod state_io;
mod sync;
mod writer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use error::{Result, StoreError};
pub use ignore::{IgnoreReport, RuleReport, IGNORE_APPLIED_KEY, IGNORE_HIDE_KEY};
pub use open::{DB_FILE, LOCK_FILE};
pub use queries::FTS_INDEXED_UPTO;
pub use retention::{GcFeed, GcReport};
pub use schema::{LATEST as SCHEMA_VERSION, MIGRATIONS};
pub use search::{Counts, Filter, WordHits};
pub use startup::{FeedCounts, Snapshot};
pub use state_io::{ImportReport, StateExport, StateItem, EXPORT_FORMAT};
pub use sync::{
    FlagChange, HeldArticle, OutboxItem, RemoteFlags, StoredPage, SyncArticle, SyncCategory,
    SyncFeed, SyncFlag, SyncedFeed,
};
pub use writer::{WriteOp, Writer, BATCH_WINDOW};

use crate::config::Retention;
use crate::model::{
    ArticleBody, ArticleId, ArticleMeta, FeedId, FeedState, NewArticle, StoredEnclosure,
};
use crate::query::{Context, IgnoreRule};
use queries::write_tx;

/// How to open the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Takes the data-dir lock; creates, migrates and repairs (moves aside) as needed.
    ReadWrite,
    /// No lock, never changes a file. A missing store opens as an empty, in-memory view
    /// (with a notice); a damaged, older or newer store is an error.
    ReadOnly,
}

/// An opened store and what the user should be told about opening it (on stderr and in the UI).
pub struct Opened {
    pub store: Store,
    pub notices: Vec<String>,
}

/// The store. Not `Sync`: give each thread its own (or use the [`Writer`] for writes).
pub struct Store {
    conn: Connection,
    db_path: PathBuf,
    /// Held for the life of the store and of every `Writer` spawned from it.
    lock: Option<Arc<open::DirLock>>,
}

impl Store {
    /// Opens the store of `data_dir` (see [`OpenMode`]).
    pub fn open(data_dir: &Path, mode: OpenMode) -> Result<Opened> {
        let db_path = data_dir.join(DB_FILE);
        match mode {
            OpenMode::ReadWrite => {
                std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
                    action: "create the data dir",
                    path: data_dir.to_path_buf(),
                    source,
                })?;
                let lock = open::lock_data_dir(data_dir)?;
                let (conn, notices) = open::open_rw(&db_path)?;
                Ok(Opened {
                    store: Store {
                        conn,
                        db_path,
                        lock: Some(lock),
                    },
                    notices,
                })
            }
            OpenMode::ReadOnly if !db_path.exists() => {
                let conn = Connection::open_in_memory()?;
                open::configure(&conn, false)?;
                schema::migrate(&conn, &db_path)?;
                Ok(Opened {
                    store: Store {
                        conn,
                        db_path: db_path.clone(),
                        lock: None,
                    },
                    notices: vec![format!(
                        "no store at {} yet: nothing stored so far (run `tidings refresh` first, \
                         or check `--data-dir`)",
                        db_path.display()
                    )],
                })
            }
            OpenMode::ReadOnly => Ok(Opened {
                store: Store {
                    conn: open::open_ro(&db_path)?,
                    db_path,
                    lock: None,
                },
                notices: Vec::new(),
            }),
        }
    }

    /// Another read-write connection to the same store, sharing this one's data-dir lock: for
    /// a task that writes on its own thread beside the [`Writer`] (the syncer). Fails for a
    /// read-only store.
    pub fn reopen(&self) -> Result<Store> {
        let Some(lock) = self.lock.clone() else {
            return Err(StoreError::ReadOnly);
        };
        Ok(Store {
            conn: open::connect_rw(&self.db_path)?,
            db_path: self.db_path.clone(),
            lock: Some(lock),
        })
    }

    /// The database file (`<data_dir>/tidings.db`).
    pub fn path(&self) -> &Path {
        &self.db_path
    }

    pub fn is_read_only(&self) -> bool {
        self.lock.is_none()
    }

    /// Runs a query; damage it runs into is remembered for the next start-up's full check.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let res = f(&self.conn);
        if let Err(e) = &res {
            open::note_damage(&self.db_path, e);
        }
        res
    }

    /// Runs `f` in a write transaction (refused on a read-only store).
    fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if self.is_read_only() {
            return Err(StoreError::ReadOnly);
        }
        self.read(|c| write_tx(c, f))
    }

    pub fn load_feed_states(&self) -> Result<Vec<FeedState>> {
        self.read(queries::load_feed_states)
    }

    /// Inserts or replaces the state of `s.id`.
    pub fn save_feed_state(&self, s: &FeedState) -> Result<()> {
        self.write(|c| queries::save_feed_state(c, s))
    }

    /// Every article kill rules do not hide, newest first (by `ArticleMeta::date`, ties by
    /// id). No bodies.
    /// About 70-100 ms for 100k articles on a 2-core machine (see `benches/store.rs`).
    pub fn load_articles(&self) -> Result<Vec<ArticleMeta>> {
        self.read(queries::load_articles)
    }

    /// Newest first, optionally only unread, optionally only from `feeds`; never hidden ones.
    pub fn list_articles(
        &self,
        unread_only: bool,
        feeds: Option<&[FeedId]>,
    ) -> Result<Vec<ArticleMeta>> {
        self.read(|c| queries::list_articles(c, unread_only, feeds))
    }

    /// The articles `filter` selects (its query evaluated at `ctx`), newest first.
    pub fn search(&self, filter: &Filter<'_>, ctx: &Context) -> Result<Vec<ArticleMeta>> {
        self.read(|c| search::search(c, filter, ctx))
    }

    /// The ids of the articles `filter` selects, in no particular order (for a front end
    /// that already holds the articles).
    pub fn search_ids(&self, filter: &Filter<'_>, ctx: &Context) -> Result<Vec<ArticleId>> {
        self.read(|c| search::search_ids(c, filter, ctx))
    }

    /// How many articles `filter` selects, and how many of those are unread.
    pub fn count(&self, filter: &Filter<'_>, ctx: &Context) -> Result<Counts> {
        self.read(|c| search::count(c, filter, ctx))
    }

    /// For each word term of `query`, the articles it matches (see [`WordHits`]).
    pub fn word_hits(&self, query: &crate::query::Query) -> Result<WordHits> {
        self.read(|c| search::word_hits(c, query))
    }

    /// [`Store::word_hits`] among the articles `ids` only (articles that just arrived).
    pub fn word_hits_among(
        &self,
        query: &crate::query::Query,
        ids: &[ArticleId],
    ) -> Result<WordHits> {
        self.read(|c| search::word_hits_among(c, query, ids))
    }

    /// Hides (or shows again) articles, as `hide` kill rules do.
    pub fn set_hidden(&self, ids: &[ArticleId], hidden: bool) -> Result<()> {
        self.write(|c| queries::set_hidden(c, ids, hidden))
    }

    /// Drops articles of `feed` as a `drop` kill rule does: deletes them (never a starred
    /// one) and remembers their ids so no refresh brings them back. Returns how many stored
    /// articles went.
    pub fn drop_articles(&self, feed: FeedId, ids: &[ArticleId]) -> Result<usize> {
        self.write(|c| queries::drop_articles(c, feed, ids, chrono::Utc::now()))
    }

    /// Adds up to `limit` articles not indexed yet to the full-text index (the writer does
    /// this when idle). Returns how many it looked at: 0 once the index is complete.
    pub fn index_pending(&self, limit: usize) -> Result<usize> {
        self.write(|c| queries::index_pending(c, limit))
    }

    /// Indexes articles not in the full-text index yet, batch after batch, until none is
    /// left or `budget` has passed (checked between batches of about 50 ms). Returns how
    /// many it indexed. For commands that end right after writing, where the writer never
    /// gets idle time (`tidings refresh` with a share of its run time, `tidings gc` fully).
    pub fn index_for(&self, budget: std::time::Duration) -> Result<usize> {
        let started = std::time::Instant::now();
        let mut done = 0;
        loop {
            let n = self.index_pending(200)?;
            done += n;
            if n == 0 || started.elapsed() >= budget {
                return Ok(done);
            }
        }
    }

    /// How many bodies the full-text index does not hold yet (searches read those directly).
    pub fn index_backlog(&self) -> Result<usize> {
        self.read(|c| {
            let upto = queries::fts_indexed_upto(c)?;
            let n: i64 =
                c.query_row("SELECT count(*) FROM bodies WHERE ref > ?1", [upto], |r| {
                    r.get(0)
                })?;
            Ok(n.max(0) as usize)
        })
    }

    /// Whether the kill rules changed since they were last applied to the stored articles.
    pub fn ignore_rules_changed(&self, rules: &[IgnoreRule], ctx: &Context) -> Result<bool> {
        self.read(|c| ignore::changed(c, rules, ctx))
    }

    /// Applies the kill rules to the stored articles if they changed since the last time
    /// (see [`IgnoreReport`]); None when there was nothing to do.
    pub fn apply_ignore_rules(
        &self,
        rules: &[IgnoreRule],
        ctx: &Context,
    ) -> Result<Option<IgnoreReport>> {
        self.write(|c| ignore::apply(c, rules, ctx))
    }

    /// Ids of stored articles, plus those retention dropped (a refresh must not re-add them).
    pub fn known_ids(&self) -> Result<HashSet<ArticleId>> {
        self.read(queries::known_ids)
    }

    /// Inserts articles not stored yet (existing ones, their read/starred flags included, are
    /// left alone; dropped ones are not re-added). Returns the ids that were new.
    pub fn insert_articles(&self, items: &[NewArticle]) -> Result<Vec<ArticleId>> {
        self.write(|c| queries::insert_articles(c, items))
    }

    pub fn body(&self, id: ArticleId) -> Result<Option<ArticleBody>> {
        self.read(|c| queries::body(c, id))
    }

    /// The enclosures of `id`, in document order, with their downloaded files.
    pub fn enclosures(&self, id: ArticleId) -> Result<Vec<StoredEnclosure>> {
        self.read(|c| media::enclosures(c, id))
    }

    /// The feed article `id` belongs to, if the store holds it.
    pub fn article_feed(&self, id: ArticleId) -> Result<Option<FeedId>> {
        self.read(|c| media::article_feed(c, id))
    }

    /// Remembers the downloaded file of enclosure `index` of `id` (`None` forgets it) and
    /// updates the article's `media` mark.
    pub fn set_downloaded(
        &self,
        id: ArticleId,
        index: usize,
        path: Option<&std::path::Path>,
    ) -> Result<()> {
        self.write(|c| media::set_downloaded(c, id, index, path))
    }

    pub fn set_read(&self, ids: &[ArticleId], read: bool) -> Result<()> {
        self.write(|c| queries::set_read(c, ids, read))
    }

    pub fn set_starred(&self, id: ArticleId, starred: bool) -> Result<()> {
        self.write(|c| queries::set_starred(c, id, starred))
    }

    /// The readability extract saved for `id`, if any.
    pub fn full_text(&self, id: ArticleId) -> Result<Option<String>> {
        self.read(|c| queries::full_text(c, id))
    }

    /// Saves the readability extract; ignored for an article the store does not hold.
    pub fn save_full_text(&self, id: ArticleId, html: &str) -> Result<()> {
        self.write(|c| queries::save_full_text(c, id, html))
    }

    /// Visits every article's id, title, stored highlight rules and body, streaming.
    pub fn for_each_text(
        &self,
        f: impl FnMut(ArticleId, &str, Vec<u16>, &ArticleBody),
    ) -> Result<()> {
        self.read(|c| queries::for_each_text(c, f))
    }

    /// Ids of the articles with any stored highlight match.
    pub fn highlighted_ids(&self) -> Result<Vec<ArticleId>> {
        self.read(queries::highlighted_ids)
    }

    pub fn set_highlights(&self, items: &[(ArticleId, Vec<u16>)]) -> Result<()> {
        self.write(|c| queries::set_highlights(c, items))
    }

    pub fn meta_get(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| queries::meta_get(c, key))
    }

    pub fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        self.write(|c| queries::meta_set(c, key, value))
    }

    /// Drops read, unstarred articles of `feed` beyond `r.max_articles_per_feed` (newest kept)
    /// or older than `r.max_age_days`. Returns how many were dropped.
    pub fn apply_retention(
        &self,
        feed: FeedId,
        r: &Retention,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        self.write(|c| retention::apply_retention(c, feed, r, now))
    }

    /// Moves the feed stored under url `old` to url `new`, re-keying its articles so that
    /// their read and starred state survive (see `tidings update-urls`).
    pub fn rename_feed(&self, old: &str, new: &str) -> Result<usize> {
        self.write(|c| rename::rename_feed(c, old, new))
    }

    /// Removes every feed not in `keep` with all its articles; reports what went.
    pub fn gc(&self, keep: &[FeedId]) -> Result<GcReport> {
        self.write(|c| retention::gc(c, keep))
    }

    /// Read/starred flags of every read or starred article, for `tidings export-state`.
    pub fn export_state(&self) -> Result<StateExport> {
        self.read(state_io::export_state)
    }

    /// Sets the flags an export names (never clears any); see [`ImportReport`].
    pub fn import_state(&self, s: &StateExport) -> Result<ImportReport> {
        self.write(|c| state_io::import_state(c, s))
    }

    /// `PRAGMA integrity_check`: "ok", or the problems found, one per line. Problems are also
    /// remembered, so the next read-write open moves the damaged store aside.
    pub fn integrity_check(&self) -> Result<String> {
        let report = self.read(|c| {
            let mut stmt = c.prepare("PRAGMA integrity_check")?;
            let lines = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(lines.join("\n"))
        })?;
        if report != "ok" {
            open::note_damage(
                &self.db_path,
                &StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                    Some(report.clone()),
                )),
            );
        }
        Ok(report)
    }
}
