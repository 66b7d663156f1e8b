//! The interface between the syncer and one kind of feed server. A backend knows its server's
//! protocol and nothing of the store: it pushes flag changes it is given, and pulls into a
//! [`Sink`] (subscriptions, then articles, then flags). Adding a server (Google Reader API,
//! Miniflux, Nextcloud News) means one new file implementing [`Backend`] and one line in
//! `super::connect`.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::store::{HeldArticle, RemoteFlags, SyncFlag};

use super::error::SyncError;
use super::local::Sink;

/// A boxed, sendable future: what [`Backend`] methods return (keeps the trait object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One feed server account.
pub trait Backend: Send + Sync {
    /// The server's kind, for messages ("Tiny Tiny RSS").
    fn name(&self) -> &'static str;

    /// Makes sure there is a session, logging in when there is none (a wrong password or a
    /// disabled account shows here). Called at the start of every sync; a session that
    /// expires later is renewed by the backend itself, without a word.
    fn login(&self) -> BoxFuture<'_, Result<(), SyncError>>;

    /// Most article ids one [`Backend::set_flag`] call takes.
    fn max_batch(&self) -> usize;

    /// Sets `flag` to `value` on every article of `ids` (at most `max_batch`), in one request.
    /// Must be idempotent (an absolute value, never a toggle): a change whose confirmation was
    /// lost is sent again.
    fn set_flag<'a>(
        &'a self,
        flag: SyncFlag,
        value: bool,
        ids: &'a [i64],
    ) -> BoxFuture<'a, Result<(), SyncError>>;

    /// Pulls into `sink`: the subscriptions first, then the articles that arrived after
    /// `cursor` (bodies included), then the server's flags of the articles the store holds
    /// (see [`Sink::held`] and [`FlagReport`]). Returns the cursor for the next sync.
    fn pull<'a>(
        &'a self,
        cursor: Option<&'a str>,
        sink: &'a Sink,
    ) -> BoxFuture<'a, Result<Option<String>, SyncError>>;

    /// The account's subscriptions and categories, as they are now.
    fn subscriptions(&self) -> BoxFuture<'_, Result<Subscriptions, SyncError>>;

    /// Subscribes the account to the feed at `url`, in category `category`
    /// (`RemoteCategory::id`) if given.
    fn subscribe<'a>(
        &'a self,
        url: &'a str,
        category: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Subscribed, SyncError>>;
}

/// What [`Backend::subscribe`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subscribed {
    Added,
    AlreadyThere,
    /// The server could not subscribe (it could not fetch the url, found no feed there...).
    Refused(String),
}

/// A category on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteCategory {
    pub id: String,
    pub title: String,
}

/// A subscription on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteFeed {
    pub id: String,
    /// The feed's own url, as the server reports it.
    pub url: String,
    pub title: String,
    /// `RemoteCategory::id`.
    pub category: Option<String>,
}

/// The account's subscriptions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscriptions {
    pub categories: Vec<RemoteCategory>,
    pub feeds: Vec<RemoteFeed>,
}

/// An article as the server sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteArticle {
    pub id: i64,
    /// `RemoteFeed::id`.
    pub feed: String,
    pub title: String,
    pub link: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// HTML.
    pub content: String,
    pub read: bool,
    pub starred: bool,
    /// Attachments (podcast episodes...), when the server sends them.
    pub enclosures: Vec<crate::model::Enclosure>,
}

/// The server's flags, as a backend found them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlagReport {
    /// Flags the server stated, article by article.
    pub states: Vec<RemoteFlags>,
    /// Feeds (`RemoteFeed::id`) for which `states` lists every unread article: the others
    /// are read.
    pub unread_complete: Vec<String>,
    /// `states` lists every starred article: the others are not starred.
    pub starred_complete: bool,
}

/// The store's view of the synced articles, for a backend deciding what to ask the server.
#[derive(Clone, Debug, Default)]
pub struct LocalFlags {
    /// Every synced article held, by the server's id.
    pub held: HashMap<i64, HeldArticle>,
    /// Every server id the store has ever linked (held, or dropped by retention): there is no
    /// point fetching these again.
    pub known: HashSet<i64>,
    /// Flags with a local change queued: the local value wins over the server's.
    pub pending: HashSet<(i64, SyncFlag)>,
}

impl LocalFlags {
    /// Unread articles per feed, after applying `states` as the store would (queued local
    /// changes win).
    pub fn unread_by_feed(&self, states: &[RemoteFlags]) -> HashMap<String, usize> {
        let mut read: HashMap<i64, bool> = self.held.iter().map(|(id, a)| (*id, a.read)).collect();
        for s in states {
            if let (Some(r), Some(cur)) = (s.read, read.get_mut(&s.remote_id)) {
                if !self.pending.contains(&(s.remote_id, SyncFlag::Read)) {
                    *cur = r;
                }
            }
        }
        let mut out: HashMap<String, usize> = HashMap::new();
        for (id, a) in &self.held {
            if !read[id] {
                *out.entry(a.remote_feed.clone()).or_default() += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_counts_follow_states_except_pending() {
        let mut local = LocalFlags::default();
        for (id, feed, read) in [(1, "a", false), (2, "a", false), (3, "b", true)] {
            local.held.insert(
                id,
                HeldArticle {
                    remote_id: id,
                    remote_feed: feed.into(),
                    read,
                    starred: false,
                },
            );
        }
        local.pending.insert((2, SyncFlag::Read));
        let states = [
            RemoteFlags {
                remote_id: 1,
                read: Some(true),
                starred: None,
            },
            RemoteFlags {
                remote_id: 2,
                read: Some(true),
                starred: None,
            },
            RemoteFlags {
                remote_id: 3,
                read: Some(false),
                starred: None,
            },
        ];
        let counts = local.unread_by_feed(&states);
        assert_eq!(counts.get("a"), Some(&1), "2 keeps its queued local flag");
        assert_eq!(counts.get("b"), Some(&1));
    }
}
