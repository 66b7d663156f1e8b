//! What the store keeps for syncing with a feed server: the server's subscriptions and
//! categories, the map between the server's article ids and ours, the article cursor, and the
//! outbox of local read/starred changes not yet confirmed by the server.
//!
//! Synced articles go into `articles`/`bodies` like polled ones, so everything else works on
//! them unchanged. The rules kept here: a local change is queued in the same transaction as
//! the flag change (`queue_change`, called by `queries::set_read`/`set_starred`); it leaves the
//! outbox only once the server confirmed that exact value; while it is queued, the server's
//! state for that flag is ignored (the local change is newer). Otherwise the server wins.
//! No network here: `crate::sync` drives these functions.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::error::Result;
use super::queries::{self, secs};
use super::{retention, Store};
use crate::config::Retention;
use crate::model::{ArticleId, ArticleMeta, FeedId, NewArticle};

/// `meta` keys.
const ACCOUNT_KEY: &str = "sync.account";
const CURSOR_KEY: &str = "sync.cursor";
const LAST_SYNC_KEY: &str = "sync.last_success";

/// The flags that sync both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyncFlag {
    Read,
    Starred,
}

impl SyncFlag {
    fn key(self) -> &'static str {
        match self {
            SyncFlag::Read => "read",
            SyncFlag::Starred => "starred",
        }
    }

    fn from_key(s: &str) -> Option<SyncFlag> {
        match s {
            "read" => Some(SyncFlag::Read),
            "starred" => Some(SyncFlag::Starred),
            _ => None,
        }
    }
}

/// A category on the server (becomes a tag).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncCategory {
    pub remote_id: String,
    pub title: String,
}

/// A subscription on the server, as the syncer saves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncFeed {
    pub remote_id: String,
    /// The feed's own url, as the server reports it: its local identity (`FeedId::from_url`).
    pub url: String,
    pub title: String,
    /// `SyncCategory::remote_id`, when the feed is in a category.
    pub category: Option<String>,
}

/// A feed the sync server provides: the engine does not poll these, the UI lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedFeed {
    pub id: FeedId,
    pub remote_id: String,
    pub url: String,
    pub title: String,
    /// The server's category, if any.
    pub tags: Vec<String>,
}

/// An article from the server, converted (id, feed, highlights) and ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncArticle {
    pub remote_id: i64,
    pub remote_feed: String,
    /// `meta.read`/`meta.starred` are the server's flags.
    pub article: NewArticle,
}

/// The server's flags of one article; `None` where the server said nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoteFlags {
    pub remote_id: i64,
    pub read: Option<bool>,
    pub starred: Option<bool>,
}

/// A queued local change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub remote_id: i64,
    pub flag: SyncFlag,
    pub value: bool,
}

/// A synced article the store holds, with its current local flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldArticle {
    pub remote_id: i64,
    pub remote_feed: String,
    pub read: bool,
    pub starred: bool,
}

/// An article whose flags the server changed here (the new flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagChange {
    pub id: ArticleId,
    pub read: bool,
    pub starred: bool,
}

/// What storing a page of synced articles did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoredPage {
    /// Articles stored for the first time.
    pub new: Vec<ArticleMeta>,
    /// Articles already held whose flags the server changed.
    pub changed: Vec<FlagChange>,
    /// Articles already held from polling the same feed, now linked to the server's copy.
    pub adopted: usize,
}

/// Queues a local flag change of `id` for the sync server, if the article is synced.
/// A later change of the same flag replaces the queued one (only the last value matters).
pub(super) fn queue_change(
    conn: &Connection,
    id: ArticleId,
    flag: SyncFlag,
    value: bool,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_outbox (remote_id, flag, value, queued_at)
         SELECT remote_id, ?2, ?3, ?4 FROM sync_articles WHERE article_id = ?1
         ON CONFLICT(remote_id, flag) DO UPDATE SET value = excluded.value,
                                                    queued_at = excluded.queued_at",
    )?
    .execute(params![id.as_i64(), flag.key(), value, secs(Utc::now())])?;
    Ok(())
}

fn queue_remote(conn: &Connection, remote_id: i64, flag: SyncFlag, value: bool) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_outbox (remote_id, flag, value, queued_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(remote_id, flag) DO UPDATE SET value = excluded.value,
                                                    queued_at = excluded.queued_at",
    )?
    .execute(params![remote_id, flag.key(), value, secs(Utc::now())])?;
    Ok(())
}

fn pending(conn: &Connection) -> Result<HashSet<(i64, SyncFlag)>> {
    let mut stmt = conn.prepare_cached("SELECT remote_id, flag FROM sync_outbox")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = HashSet::new();
    for row in rows {
        let (id, flag) = row?;
        if let Some(flag) = SyncFlag::from_key(&flag) {
            out.insert((id, flag));
        }
    }
    Ok(out)
}

/// Sets flags the server reported, skipping the ones with a queued local change. Returns the
/// article's flags if anything changed. Never queues anything.
fn apply_server_flags(
    conn: &Connection,
    article: ArticleId,
    remote_id: i64,
    read: Option<bool>,
    starred: Option<bool>,
    pending: &HashSet<(i64, SyncFlag)>,
) -> Result<Option<FlagChange>> {
    let read = read.filter(|_| !pending.contains(&(remote_id, SyncFlag::Read)));
    let starred = starred.filter(|_| !pending.contains(&(remote_id, SyncFlag::Starred)));
    if read.is_none() && starred.is_none() {
        return Ok(None);
    }
    let changed = conn
        .prepare_cached(
            "UPDATE articles SET read = coalesce(?2, read), starred = coalesce(?3, starred)
             WHERE id = ?1 AND (read != coalesce(?2, read) OR starred != coalesce(?3, starred))
             RETURNING read, starred",
        )?
        .query_row(params![article.as_i64(), read, starred], |r| {
            Ok(FlagChange {
                id: article,
                read: r.get(0)?,
                starred: r.get(1)?,
            })
        })
        .optional()?;
    Ok(changed)
}

impl Store {
    /// The account the store's sync data belongs to (`SyncConfig::account`).
    pub fn sync_account(&self) -> Result<Option<String>> {
        self.meta_get(ACCOUNT_KEY)
    }

    /// Makes `account` the store's sync account. When another account was synced before, its
    /// ids, cursor and queued changes mean nothing to the new server: they are dropped (the
    /// articles stay) and the number of dropped queued changes is returned.
    pub fn begin_sync_account(&self, account: &str) -> Result<Option<usize>> {
        self.write(|c| {
            let current = queries::meta_get(c, ACCOUNT_KEY)?;
            let mut dropped = None;
            if current.as_deref().is_some_and(|a| a != account) {
                let queued: i64 =
                    c.query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))?;
                c.execute_batch(
                    "DELETE FROM sync_outbox; DELETE FROM sync_articles; DELETE FROM sync_feeds;
                     DELETE FROM sync_categories;
                     DELETE FROM meta WHERE key IN ('sync.cursor', 'sync.last_success');",
                )?;
                dropped = Some(queued.max(0) as usize);
            }
            if current.as_deref() != Some(account) {
                queries::meta_set(c, ACCOUNT_KEY, account)?;
            }
            Ok(dropped)
        })
    }

    /// Replaces the stored subscriptions and categories with the server's, and gives every
    /// subscribed feed a feed state (so that lists name it) without touching other fields.
    pub fn save_subscriptions(
        &self,
        categories: &[SyncCategory],
        feeds: &[SyncFeed],
    ) -> Result<()> {
        self.write(|c| {
            c.execute_batch("DELETE FROM sync_categories; DELETE FROM sync_feeds;")?;
            let mut cat = c.prepare_cached(
                "INSERT OR REPLACE INTO sync_categories (remote_id, title) VALUES (?1, ?2)",
            )?;
            for k in categories {
                cat.execute(params![k.remote_id, k.title])?;
            }
            let mut feed = c.prepare_cached(
                "INSERT OR REPLACE INTO sync_feeds (remote_id, feed_id, url, title, category)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut state = c.prepare_cached(
                "INSERT INTO feeds (id, url, feed_title) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET feed_title = excluded.feed_title
                 WHERE feed_title IS NOT excluded.feed_title",
            )?;
            for f in feeds {
                let id = FeedId::from_url(&f.url).0 as i64;
                feed.execute(params![f.remote_id, id, f.url, f.title, f.category])?;
                state.execute(params![id, f.url, f.title])?;
            }
            Ok(())
        })
    }

    /// The feeds the sync server provides, by title.
    pub fn synced_feeds(&self) -> Result<Vec<SyncedFeed>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT f.feed_id, f.remote_id, f.url, f.title, k.title
                 FROM sync_feeds f LEFT JOIN sync_categories k ON k.remote_id = f.category
                 ORDER BY f.title COLLATE NOCASE, f.url",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(SyncedFeed {
                    id: FeedId(r.get::<_, i64>(0)? as u64),
                    remote_id: r.get(1)?,
                    url: r.get(2)?,
                    title: r.get(3)?,
                    tags: r.get::<_, Option<String>>(4)?.into_iter().collect(),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Ids of the feeds the sync server provides: the poller skips them.
    pub fn synced_feed_ids(&self) -> Result<HashSet<FeedId>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT feed_id FROM sync_feeds")?;
            let rows = stmt.query_map([], |r| r.get::<_, i64>(0).map(|id| FeedId(id as u64)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Stores a page of the server's articles in one transaction: new ones are inserted (or,
    /// when the same feed was polled here before, linked to the copy already held, matched by
    /// link), known ones take the server's flags unless a local change is queued. Retention
    /// runs for the feeds that got articles.
    pub fn store_synced_articles(
        &self,
        items: &[SyncArticle],
        retention: &Retention,
        now: DateTime<Utc>,
    ) -> Result<StoredPage> {
        self.write(|c| store_page(c, items, retention, now))
    }

    /// Every synced article held, with its local flags.
    pub fn held_articles(&self) -> Result<Vec<HeldArticle>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT s.remote_id, s.remote_feed, a.read, a.starred
                 FROM sync_articles s JOIN articles a ON a.id = s.article_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(HeldArticle {
                    remote_id: r.get(0)?,
                    remote_feed: r.get(1)?,
                    read: r.get(2)?,
                    starred: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Every server article id the store has linked, including articles retention dropped
    /// since (a sync has no reason to fetch those again).
    pub fn linked_remote_ids(&self) -> Result<HashSet<i64>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT remote_id FROM sync_articles")?;
            let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Applies the server's flags, in one transaction. `states` are flags the server stated;
    /// for each feed in `unread_complete`, `states` listed every unread article of it, so the
    /// others are read; with `starred_complete`, `states` listed every starred article. A flag
    /// with a queued local change is left alone. Returns the articles that changed.
    pub fn apply_remote_flags(
        &self,
        states: &[RemoteFlags],
        unread_complete: &[String],
        starred_complete: bool,
    ) -> Result<Vec<FlagChange>> {
        self.write(|c| apply_flags(c, states, unread_complete, starred_complete))
    }

    /// The queued local changes, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT remote_id, flag, value FROM sync_outbox ORDER BY queued_at, remote_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (remote_id, flag, value) = row?;
                if let Some(flag) = SyncFlag::from_key(&flag) {
                    out.push(OutboxItem {
                        remote_id,
                        flag,
                        value,
                    });
                }
            }
            Ok(out)
        })
    }

    /// How many local changes wait for the server.
    pub fn outbox_len(&self) -> Result<usize> {
        self.read(|c| {
            let n: i64 = c.query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))?;
            Ok(n.max(0) as usize)
        })
    }

    /// The server confirmed `flag = value` for `remote_ids`: drops those queued changes, unless
    /// the user changed the flag again meanwhile (then the new value stays queued).
    pub fn confirm_outbox(&self, flag: SyncFlag, value: bool, remote_ids: &[i64]) -> Result<usize> {
        self.write(|c| {
            let mut stmt = c.prepare_cached(
                "DELETE FROM sync_outbox WHERE remote_id = ?1 AND flag = ?2 AND value = ?3",
            )?;
            let mut n = 0;
            for id in remote_ids {
                n += stmt.execute(params![id, flag.key(), value])?;
            }
            Ok(n)
        })
    }

    /// Where the last complete article listing ended (backend-defined), if any.
    pub fn sync_cursor(&self) -> Result<Option<String>> {
        self.meta_get(CURSOR_KEY)
    }

    pub fn set_sync_cursor(&self, cursor: &str) -> Result<()> {
        self.meta_set(CURSOR_KEY, cursor)
    }

    /// When the last sync succeeded.
    pub fn last_sync(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .meta_get(LAST_SYNC_KEY)?
            .and_then(|s| s.parse::<i64>().ok())
            .map(queries::date))
    }

    pub fn set_last_sync(&self, at: DateTime<Utc>) -> Result<()> {
        self.meta_set(LAST_SYNC_KEY, &secs(at).to_string())
    }
}

fn store_page(
    c: &Connection,
    items: &[SyncArticle],
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<StoredPage> {
    let pending = pending(c)?;
    let mut out = StoredPage::default();
    let mut mapped =
        c.prepare_cached("SELECT article_id FROM sync_articles WHERE remote_id = ?1")?;
    let mut removed = c.prepare_cached("SELECT EXISTS (SELECT 1 FROM removed WHERE id = ?1)")?;
    let mut held = c.prepare_cached("SELECT read, starred FROM articles WHERE id = ?1")?;
    let mut map = c.prepare_cached(
        "INSERT OR REPLACE INTO sync_articles (article_id, remote_id, remote_feed)
         VALUES (?1, ?2, ?3)",
    )?;
    // Feeds that hold articles not linked to the server (polled here before): only those
    // need the look-up by link.
    let mut has_unlinked: HashMap<FeedId, bool> = HashMap::new();
    let mut by_link = c.prepare_cached(
        "SELECT a.id, a.read, a.starred FROM articles a
         WHERE a.feed_id = ?1 AND a.link = ?2
           AND NOT EXISTS (SELECT 1 FROM sync_articles s WHERE s.article_id = a.id)
         LIMIT 1",
    )?;
    let mut fed: HashSet<FeedId> = HashSet::new();
    for item in items {
        let meta = &item.article.meta;
        let (read, starred) = (meta.read, meta.starred);
        if let Some(id) = mapped
            .query_row([item.remote_id], |r| r.get::<_, i64>(0))
            .optional()?
        {
            let id = ArticleId::from_i64(id);
            if let Some(ch) =
                apply_server_flags(c, id, item.remote_id, Some(read), Some(starred), &pending)?
            {
                out.changed.push(ch);
            }
            continue;
        }
        if removed.query_row([meta.id.as_i64()], |r| r.get::<_, bool>(0))? {
            continue;
        }
        // Held under this very id (its link to the server was lost): link it again.
        if held
            .query_row([meta.id.as_i64()], |_| Ok(()))
            .optional()?
            .is_some()
        {
            map.execute(params![meta.id.as_i64(), item.remote_id, item.remote_feed])?;
            if let Some(ch) = apply_server_flags(
                c,
                meta.id,
                item.remote_id,
                Some(read),
                Some(starred),
                &pending,
            )? {
                out.changed.push(ch);
            }
            continue;
        }
        let unlinked = match has_unlinked.get(&meta.feed) {
            Some(v) => *v,
            None => {
                let v: bool = c
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM articles a WHERE a.feed_id = ?1
                           AND NOT EXISTS (SELECT 1 FROM sync_articles s
                                           WHERE s.article_id = a.id))",
                    )?
                    .query_row([meta.feed.0 as i64], |r| r.get(0))?;
                has_unlinked.insert(meta.feed, v);
                v
            }
        };
        if unlinked {
            if let Some(link) = meta.link.as_deref().filter(|l| !l.is_empty()) {
                let found = by_link
                    .query_row(params![meta.feed.0 as i64, link], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, bool>(1)?,
                            r.get::<_, bool>(2)?,
                        ))
                    })
                    .optional()?;
                if let Some((local, local_read, local_starred)) = found {
                    // Polled here before the server had it: keep what the user did here
                    // (read or starred) and tell the server; take the rest from the server.
                    let local = ArticleId::from_i64(local);
                    map.execute(params![local.as_i64(), item.remote_id, item.remote_feed])?;
                    let want_read = read || local_read;
                    let want_starred = starred || local_starred;
                    if want_read != read {
                        queue_remote(c, item.remote_id, SyncFlag::Read, want_read)?;
                    }
                    if want_starred != starred {
                        queue_remote(c, item.remote_id, SyncFlag::Starred, want_starred)?;
                    }
                    let pending = super::sync::pending(c)?;
                    if let Some(ch) = apply_server_flags(
                        c,
                        local,
                        item.remote_id,
                        Some(want_read),
                        Some(want_starred),
                        &pending,
                    )? {
                        out.changed.push(ch);
                    }
                    out.adopted += 1;
                    continue;
                }
            }
        }
        queries::insert_articles(c, std::slice::from_ref(&item.article))?;
        map.execute(params![meta.id.as_i64(), item.remote_id, item.remote_feed])?;
        fed.insert(meta.feed);
        out.new.push(meta.clone());
    }
    if retention.max_articles_per_feed.is_some() || retention.max_age_days.is_some() {
        for feed in fed {
            retention::apply_retention(c, feed, retention, now)?;
        }
    }
    Ok(out)
}

fn apply_flags(
    c: &Connection,
    states: &[RemoteFlags],
    unread_complete: &[String],
    starred_complete: bool,
) -> Result<Vec<FlagChange>> {
    let pending = pending(c)?;
    let mut changes = Vec::new();
    let mut mapped =
        c.prepare_cached("SELECT article_id FROM sync_articles WHERE remote_id = ?1")?;
    let mut listed_unread: HashSet<i64> = HashSet::new();
    let mut listed_starred: HashSet<i64> = HashSet::new();
    for s in states {
        if s.read == Some(false) {
            listed_unread.insert(s.remote_id);
        }
        if s.starred == Some(true) {
            listed_starred.insert(s.remote_id);
        }
        let Some(id) = mapped
            .query_row([s.remote_id], |r| r.get::<_, i64>(0))
            .optional()?
        else {
            continue;
        };
        if let Some(ch) = apply_server_flags(
            c,
            ArticleId::from_i64(id),
            s.remote_id,
            s.read,
            s.starred,
            &pending,
        )? {
            changes.push(ch);
        }
    }
    // Everything the complete lists left out: read, or not starred.
    let mut implied: Vec<(i64, i64, Option<bool>, Option<bool>)> = Vec::new();
    if !unread_complete.is_empty() {
        let feeds: HashSet<&str> = unread_complete.iter().map(String::as_str).collect();
        let mut stmt = c.prepare_cached(
            "SELECT s.article_id, s.remote_id, s.remote_feed FROM sync_articles s
             JOIN articles a ON a.id = s.article_id WHERE a.read = 0",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (id, remote, feed) = row?;
            if feeds.contains(feed.as_str()) && !listed_unread.contains(&remote) {
                implied.push((id, remote, Some(true), None));
            }
        }
    }
    if starred_complete {
        let mut stmt = c.prepare_cached(
            "SELECT s.article_id, s.remote_id FROM sync_articles s
             JOIN articles a ON a.id = s.article_id WHERE a.starred = 1",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (id, remote) = row?;
            if !listed_starred.contains(&remote) {
                implied.push((id, remote, None, Some(false)));
            }
        }
    }
    for (id, remote, read, starred) in implied {
        if let Some(ch) =
            apply_server_flags(c, ArticleId::from_i64(id), remote, read, starred, &pending)?
        {
            changes.push(ch);
        }
    }
    Ok(changes)
}
