//! The store side of a sync: one store connection on a thread of its own (a `Store` is not
//! `Sync`, and its calls block), and the [`Sink`] through which a backend's pull reaches it.
//! Converting the server's articles (ids, highlights) happens on that thread too, so the
//! async tasks only wait on the network. Never talks to the network.

use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};

use chrono::Utc;

use crate::config::Retention;
use crate::engine::rehighlight::rules_for;
use crate::highlight::Highlighter;
use crate::model::{fnv1a64, ArticleBody, ArticleId, ArticleMeta, BodyKind, FeedId, NewArticle};
use crate::store::{
    FlagChange, Store, StoreError, SyncArticle, SyncCategory, SyncFeed, SyncedFeed,
};

use super::backend::{FlagReport, LocalFlags, RemoteArticle, Subscriptions};
use super::error::SyncError;

type Job = Box<dyn FnOnce(&Store) + Send>;

/// A store connection served by its own thread; jobs run one at a time, in order. Dropping
/// it waits for the thread, so the store (and its data-dir lock) is closed when it returns.
pub struct LocalStore {
    tx: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LocalStore {
    pub fn spawn(store: Store) -> Result<LocalStore, SyncError> {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("tidings-sync-store".into())
            .spawn(move || {
                for job in rx {
                    job(&store);
                }
            })
            .map_err(|e| SyncError::Client(format!("could not start the store thread: {e}")))?;
        Ok(LocalStore {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Runs `f` on the store thread and waits for its result without blocking the runtime.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, SyncError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.tx
            .as_ref()
            .ok_or(SyncError::StoreGone)?
            .send(Box::new(move |store| {
                let _ = tx.send(f(store));
            }))
            .map_err(|_| SyncError::StoreGone)?;
        Ok(rx.await.map_err(|_| SyncError::StoreGone)??)
    }
}

impl Drop for LocalStore {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Progress of a sync, for a front end: what changed in the store as it happened.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncEvent {
    /// Local changes confirmed by the server so far, of `total` queued at the start.
    Pushed { done: usize, total: usize },
    /// The server's subscriptions, as now stored.
    Subscriptions(Vec<SyncedFeed>),
    /// Articles stored for the first time.
    Articles(Vec<ArticleMeta>),
    /// Articles whose read/starred flags the server changed.
    Flags(Vec<FlagChange>),
}

/// Receives [`SyncEvent`]s (from async tasks: keep it quick).
pub type EventFn = Arc<dyn Fn(SyncEvent) + Send + Sync>;

/// What a pull changed, counted by the [`Sink`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub feeds: usize,
    pub new_articles: usize,
    /// Local flags the server changed.
    pub pulled: usize,
    /// Articles polled here before, now linked to the server's copy.
    pub adopted: usize,
}

/// Where a backend delivers what it pulls; each call returns once the store has it.
pub struct Sink {
    local: Arc<LocalStore>,
    convert: Arc<Convert>,
    events: EventFn,
    tally: Mutex<Tally>,
}

/// Turns the server's articles into the store's.
struct Convert {
    account: String,
    highlighter: Arc<Highlighter>,
    retention: Retention,
    /// Remote feed id -> the feed's url.
    feeds: Mutex<HashMap<String, String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The local id of a server's article: stable for the account, the same on every machine
/// that syncs it.
pub fn article_id(account: &str, remote_id: i64) -> ArticleId {
    ArticleId(fnv1a64(&[
        b"sync",
        account.as_bytes(),
        remote_id.to_string().as_bytes(),
    ]))
}

impl Convert {
    fn article(&self, a: RemoteArticle, feeds: &HashMap<String, String>) -> SyncArticle {
        let url = feeds
            .get(&a.feed)
            .cloned()
            // An article of a feed the server no longer lists (archived): keep it under a
            // feed of its own rather than lose it.
            .unwrap_or_else(|| format!("{}#feed={}", self.account, a.feed));
        let body = ArticleBody {
            kind: BodyKind::Html,
            content: a.content,
        };
        let highlights = rules_for(&self.highlighter, &a.title, &body);
        SyncArticle {
            remote_id: a.id,
            remote_feed: a.feed,
            article: NewArticle {
                meta: ArticleMeta {
                    id: article_id(&self.account, a.id),
                    feed: FeedId::from_url(&url),
                    guid: None,
                    title: a.title,
                    link: a.link.filter(|l| !l.is_empty()),
                    author: a.author.filter(|s| !s.is_empty()),
                    published: a.published.or(a.updated),
                    first_seen: Utc::now(),
                    read: a.read,
                    starred: a.starred,
                    highlights,
                    media: crate::model::MediaMark::of(&a.enclosures),
                },
                body,
                updated: a.updated,
                enclosures: a.enclosures,
            },
        }
    }
}

impl Sink {
    pub(super) fn new(
        local: Arc<LocalStore>,
        account: String,
        highlighter: Arc<Highlighter>,
        retention: Retention,
        feeds: HashMap<String, String>,
        events: EventFn,
    ) -> Sink {
        Sink {
            local,
            convert: Arc::new(Convert {
                account,
                highlighter,
                retention,
                feeds: Mutex::new(feeds),
            }),
            events,
            tally: Mutex::new(Tally::default()),
        }
    }

    pub(super) fn tally(&self) -> Tally {
        *lock(&self.tally)
    }

    /// Stores the server's subscriptions (replacing the previous list).
    pub async fn subscriptions(&self, subs: Subscriptions) -> Result<(), SyncError> {
        {
            let mut map = lock(&self.convert.feeds);
            map.clear();
            map.extend(subs.feeds.iter().map(|f| (f.id.clone(), f.url.clone())));
        }
        let categories: Vec<SyncCategory> = subs
            .categories
            .into_iter()
            .map(|k| SyncCategory {
                remote_id: k.id,
                title: k.title,
            })
            .collect();
        let feeds: Vec<SyncFeed> = subs
            .feeds
            .into_iter()
            .map(|f| SyncFeed {
                remote_id: f.id,
                url: f.url,
                title: f.title,
                category: f.category,
            })
            .collect();
        let stored = self
            .local
            .run(move |s| {
                s.save_subscriptions(&categories, &feeds)?;
                s.synced_feeds()
            })
            .await?;
        lock(&self.tally).feeds = stored.len();
        (self.events)(SyncEvent::Subscriptions(stored));
        Ok(())
    }

    /// Stores a page of articles (new ones inserted, known ones take the server's flags).
    pub async fn articles(&self, items: Vec<RemoteArticle>) -> Result<(), SyncError> {
        if items.is_empty() {
            return Ok(());
        }
        let convert = Arc::clone(&self.convert);
        let page = self
            .local
            .run(move |s| {
                let rows: Vec<SyncArticle> = {
                    let feeds = lock(&convert.feeds);
                    items
                        .into_iter()
                        .map(|a| convert.article(a, &feeds))
                        .collect()
                };
                s.store_synced_articles(&rows, &convert.retention, Utc::now())
            })
            .await?;
        {
            let mut t = lock(&self.tally);
            t.new_articles += page.new.len();
            t.pulled += page.changed.len();
            t.adopted += page.adopted;
        }
        if !page.new.is_empty() {
            (self.events)(SyncEvent::Articles(page.new));
        }
        if !page.changed.is_empty() {
            (self.events)(SyncEvent::Flags(page.changed));
        }
        Ok(())
    }

    /// The synced articles the store holds now (everything delivered so far included).
    pub async fn held(&self) -> Result<LocalFlags, SyncError> {
        self.local
            .run(|s| {
                let held = s
                    .held_articles()?
                    .into_iter()
                    .map(|a| (a.remote_id, a))
                    .collect();
                let known = s.linked_remote_ids()?;
                let pending = s
                    .outbox()?
                    .into_iter()
                    .map(|o| (o.remote_id, o.flag))
                    .collect();
                Ok(LocalFlags {
                    held,
                    known,
                    pending,
                })
            })
            .await
    }

    /// Applies the server's flags (queued local changes win).
    pub async fn flags(&self, report: FlagReport) -> Result<(), SyncError> {
        let changed = self
            .local
            .run(move |s| {
                s.apply_remote_flags(
                    &report.states,
                    &report.unread_complete,
                    report.starred_complete,
                )
            })
            .await?;
        lock(&self.tally).pulled += changed.len();
        if !changed.is_empty() {
            (self.events)(SyncEvent::Flags(changed));
        }
        Ok(())
    }
}
