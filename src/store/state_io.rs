//! Export and import of read/starred flags as JSON, matched by feed url + guid, else link,
//! so a user can move to another machine or recover. Import only ever sets flags, never clears.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::error::{Result, StoreError};
use super::queries::{set_read, set_starred};
use crate::model::{ArticleId, FeedId};

/// Version of the export format, written into every export.
pub const EXPORT_FORMAT: u32 = 1;

/// The read/starred state of a store, as `tidings export-state` writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateExport {
    pub format: u32,
    pub items: Vec<StateItem>,
}

/// One article that is read or starred.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateItem {
    pub feed_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub read: bool,
    #[serde(default)]
    pub starred: bool,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Items that matched a stored article.
    pub matched: usize,
    /// Items with no stored article (not fetched here yet, or dropped by retention).
    pub unmatched: usize,
    /// Matched articles whose flags actually changed.
    pub changed: usize,
}

impl StateExport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a StateExport always serialises")
    }

    pub fn from_json(text: &str) -> Result<StateExport> {
        serde_json::from_str(text).map_err(StoreError::BadExport)
    }
}

/// Every read or starred article whose feed url is known (feeds saved with `save_feed_state`).
pub fn export_state(conn: &Connection) -> Result<StateExport> {
    let mut stmt = conn.prepare(
        "SELECT f.url, a.guid, a.link, a.title, a.read, a.starred
         FROM articles a JOIN feeds f ON f.id = a.feed_id
         WHERE a.read = 1 OR a.starred = 1
         ORDER BY f.url, a.first_seen, a.id",
    )?;
    let items = stmt
        .query_map([], |r| {
            Ok(StateItem {
                feed_url: r.get(0)?,
                guid: r.get(1)?,
                link: r.get(2)?,
                title: r.get(3)?,
                read: r.get(4)?,
                starred: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(StateExport {
        format: EXPORT_FORMAT,
        items,
    })
}

struct Stored {
    id: ArticleId,
    read: bool,
    starred: bool,
}

/// Sets read/starred on the articles the export names (by feed url + guid, else link).
/// Flags are only ever added: an import never marks anything unread or unstarred.
pub fn import_state(conn: &Connection, s: &StateExport) -> Result<ImportReport> {
    // One pass over the table, then matching in memory: no per-item query and no extra index.
    let mut by_guid: HashMap<(FeedId, String), usize> = HashMap::new();
    let mut by_link: HashMap<(FeedId, String), usize> = HashMap::new();
    let mut stored = Vec::new();
    {
        let mut stmt =
            conn.prepare("SELECT id, feed_id, guid, link, read, starred FROM articles")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let feed = FeedId(r.get::<_, i64>(1)? as u64);
            let i = stored.len();
            if let Some(guid) = r.get::<_, Option<String>>(2)? {
                by_guid.insert((feed, guid), i);
            }
            if let Some(link) = r.get::<_, Option<String>>(3)? {
                by_link.entry((feed, link)).or_insert(i);
            }
            stored.push(Stored {
                id: ArticleId::from_i64(r.get(0)?),
                read: r.get(4)?,
                starred: r.get(5)?,
            });
        }
    }
    let mut report = ImportReport::default();
    let mut to_read = Vec::new();
    let mut to_star = Vec::new();
    for item in &s.items {
        let feed = FeedId::from_url(&item.feed_url);
        let hit = item
            .guid
            .as_ref()
            .and_then(|g| by_guid.get(&(feed, g.clone())))
            .or_else(|| {
                item.link
                    .as_ref()
                    .and_then(|l| by_link.get(&(feed, l.clone())))
            });
        let Some(&i) = hit else {
            report.unmatched += 1;
            continue;
        };
        report.matched += 1;
        let a = &mut stored[i];
        let mut changed = false;
        if item.read && !a.read {
            a.read = true;
            to_read.push(a.id);
            changed = true;
        }
        if item.starred && !a.starred {
            a.starred = true;
            to_star.push(a.id);
            changed = true;
        }
        report.changed += usize::from(changed);
    }
    set_read(conn, &to_read, true)?;
    for id in to_star {
        set_starred(conn, id, true)?;
    }
    Ok(report)
}
