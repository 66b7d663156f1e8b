//! Syncing with a feed server (`[sync]`): the server's subscriptions become feeds (its
//! categories tags), its articles go into the store like polled ones, and read/starred flags
//! flow both ways. Offline first: local changes wait in the store's outbox until the server
//! confirms them, and a sync that fails loses nothing.
//!
//! A [`Syncer`] runs one sync at a time as an async job (no terminal, no UI): push the outbox
//! in batches, then pull through the [`Backend`] into the store, reporting progress as
//! [`SyncEvent`]s. The store connection lives on a thread of its own. Backends are one file
//! each (see [`backend`]); Tiny Tiny RSS is the first.

pub mod backend;
mod error;
mod feeds;
mod local;
mod password;
mod rules;
pub mod ttrss;

use std::fmt;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::config::{FeedConfig, FeedLocation, Retention, Secret, SyncBackend, SyncConfig};
use crate::engine::NotifyArticle;
use crate::highlight::Highlighter;
use crate::store::{Store, SyncFlag};

pub use backend::{
    Backend, BoxFuture, FlagReport, LocalFlags, RemoteArticle, RemoteCategory, RemoteFeed,
    Subscribed, Subscriptions,
};
pub use error::{PasswordError, SyncError};
pub use feeds::{carry_synced_feeds, feed_config, merge_synced_feeds};
pub use local::{article_id, EventFn, Sink, SyncEvent, Tally};
pub use password::resolve_password;
pub use rules::SyncRules;

use local::LocalStore;

/// Installs rustls' ring provider once for the process (the fetcher does the same; whichever
/// comes first wins, and both install the same one).
pub(crate) fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// What a [`Syncer`] needs.
pub struct SyncSetup {
    pub config: SyncConfig,
    /// From [`resolve_password`].
    pub password: Secret,
    /// A read-write store of its own (`Store::reopen` beside a running writer).
    pub store: Store,
    pub highlighter: Arc<Highlighter>,
    pub retention: Retention,
    /// Per request.
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

/// The backend for `config`. Adding a server means one arm here and one file.
pub fn connect(
    config: &SyncConfig,
    password: Secret,
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<Box<dyn Backend>, SyncError> {
    Ok(match config.backend {
        SyncBackend::Ttrss => Box::new(ttrss::Ttrss::new(
            &config.url,
            &config.user,
            password,
            timeout,
            connect_timeout,
        )?),
    })
}

/// Time spent in each phase of a sync.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Phases {
    pub login: Duration,
    pub push: Duration,
    /// Subscriptions, new articles and flags (the requests overlap).
    pub pull: Duration,
}

/// What one sync did, and how it ended.
#[derive(Debug)]
pub struct SyncReport {
    /// `Err` when the sync stopped early; what it did before stays done.
    pub result: Result<(), SyncError>,
    /// Subscriptions on the server.
    pub feeds: usize,
    pub new_articles: usize,
    /// Local changes the server confirmed.
    pub pushed: usize,
    /// Local flags the server changed.
    pub pulled: usize,
    /// Articles polled here before, now linked to the server's copy.
    pub adopted: usize,
    /// Local changes still waiting for the server.
    pub queued: usize,
    /// Queued changes dropped because `[sync]` names another account than last time.
    pub dropped: Option<usize>,
    /// A notice per kill rule that caught new articles (`` kill rule 1 (`title:ad`, hide)
    /// caught 3 new synced articles ``), with [`Syncer::with_rules`].
    pub caught: Vec<String>,
    /// New articles that match the config's `notify` query, with [`Syncer::with_rules`].
    pub notify: Vec<NotifyArticle>,
    pub took: Duration,
    pub phases: Phases,
}

impl SyncReport {
    pub fn is_ok(&self) -> bool {
        self.result.is_ok()
    }

    /// The short status: `sync: offline · 12 changes queued`, or what was done.
    pub fn status_line(&self) -> String {
        match &self.result {
            Err(e) => format!(
                "sync: {} · {} {} queued",
                e.label(),
                self.queued,
                plural(self.queued, "change")
            ),
            Ok(()) => {
                let mut line = format!(
                    "sync: {} {} · {} new {} · {} {} pushed · {} pulled",
                    self.feeds,
                    plural(self.feeds, "feed"),
                    self.new_articles,
                    plural(self.new_articles, "article"),
                    self.pushed,
                    plural(self.pushed, "change"),
                    self.pulled,
                );
                if self.queued > 0 {
                    line.push_str(&format!(" · {} queued", self.queued));
                }
                line
            }
        }
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} · {:.2}s",
            self.status_line(),
            self.took.as_secs_f64()
        )
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// How long to wait before retrying after `failures` transient failures in a row: 30 s,
/// doubling, at most 30 min. For a front end that syncs in the background.
pub fn retry_delay(failures: u32) -> Duration {
    let secs = 30u64.saturating_mul(1u64 << failures.saturating_sub(1).min(6));
    Duration::from_secs(secs.min(30 * 60))
}

/// What `push_feeds` did with one local feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushedFeed {
    pub url: String,
    pub outcome: PushOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Subscribed,
    AlreadyThere,
    /// A local file: the server cannot fetch it.
    SkippedFile,
    Refused(String),
}

/// Syncs one store with one server account. Holds the store connection (on its own thread)
/// and the login session; call [`Syncer::sync`] as often as wanted, one at a time.
pub struct Syncer {
    backend: Box<dyn Backend>,
    local: Arc<LocalStore>,
    account: String,
    highlighter: Arc<Highlighter>,
    retention: Retention,
    rules: Option<Arc<SyncRules>>,
    events: EventFn,
}

impl Syncer {
    /// Needs a tokio runtime context (the HTTP client is built here). Does no I/O yet.
    pub fn new(setup: SyncSetup) -> Result<Syncer, SyncError> {
        let backend = connect(
            &setup.config,
            setup.password,
            setup.timeout,
            setup.connect_timeout,
        )?;
        Syncer::with_backend(
            backend,
            setup.config.account(),
            setup.store,
            setup.highlighter,
            setup.retention,
        )
    }

    /// A syncer over any backend (tests use this with their own).
    pub fn with_backend(
        backend: Box<dyn Backend>,
        account: String,
        store: Store,
        highlighter: Arc<Highlighter>,
        retention: Retention,
    ) -> Result<Syncer, SyncError> {
        Ok(Syncer {
            backend,
            local: Arc::new(LocalStore::spawn(store)?),
            account,
            highlighter,
            retention,
            rules: None,
            events: Arc::new(|_| {}),
        })
    }

    /// Applies the config's kill rules and `notify` query to the articles a sync brings, as
    /// the engine does to polled ones (see [`SyncRules`]).
    pub fn with_rules(mut self, rules: SyncRules) -> Syncer {
        self.rules = Some(Arc::new(rules));
        self
    }

    /// Replaces the rules (a config reloaded while the reader runs); the next sync uses them.
    pub fn set_rules(&mut self, rules: SyncRules) {
        self.rules = Some(Arc::new(rules));
    }

    /// Receives progress as it happens.
    pub fn on_event(mut self, f: impl Fn(SyncEvent) + Send + Sync + 'static) -> Syncer {
        self.events = Arc::new(f);
        self
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// Local changes waiting for the server.
    pub async fn queued(&self) -> Result<usize, SyncError> {
        self.local.run(|s| s.outbox_len()).await
    }

    /// One sync: push the queued local changes, then pull subscriptions, new articles and
    /// flags. Never panics on a bad server; the report says how it ended.
    pub async fn sync(&self) -> SyncReport {
        self.timed(true).await
    }

    /// Only pushes the queued local changes (a front end calls this soon after the user read
    /// or starred something, between full syncs). Logs in first when there is no session.
    pub async fn push(&self) -> SyncReport {
        self.timed(false).await
    }

    async fn timed(&self, pull: bool) -> SyncReport {
        let started = Instant::now();
        let mut report = SyncReport {
            result: Ok(()),
            feeds: 0,
            new_articles: 0,
            pushed: 0,
            pulled: 0,
            adopted: 0,
            queued: 0,
            dropped: None,
            caught: Vec::new(),
            notify: Vec::new(),
            took: Duration::ZERO,
            phases: Phases::default(),
        };
        report.result = self.run(&mut report, pull).await;
        report.queued = self.queued().await.unwrap_or(report.queued);
        report.took = started.elapsed();
        report
    }

    async fn run(&self, report: &mut SyncReport, pull: bool) -> Result<(), SyncError> {
        let t = Instant::now();
        self.backend.login().await?;
        report.phases.login = t.elapsed();
        // Only a successful login proves another account: a mistyped url loses nothing.
        let account = self.account.clone();
        report.dropped = self
            .local
            .run(move |s| s.begin_sync_account(&account))
            .await?;

        let t = Instant::now();
        self.push_outbox(report).await?;
        report.phases.push = t.elapsed();
        if pull {
            let t = Instant::now();
            self.pull(report).await?;
            report.phases.pull = t.elapsed();
        }
        Ok(())
    }

    /// Sends the outbox: one request per flag, value and batch, in the order the changes
    /// were made; each batch leaves the outbox once the server confirmed it.
    async fn push_outbox(&self, report: &mut SyncReport) -> Result<(), SyncError> {
        let outbox = self.local.run(|s| s.outbox()).await?;
        let total = outbox.len();
        let mut groups: Vec<((SyncFlag, bool), Vec<i64>)> = Vec::new();
        for item in outbox {
            let key = (item.flag, item.value);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, ids)) => ids.push(item.remote_id),
                None => groups.push((key, vec![item.remote_id])),
            }
        }
        for ((flag, value), ids) in groups {
            for batch in ids.chunks(self.backend.max_batch().max(1)) {
                self.backend.set_flag(flag, value, batch).await?;
                let batch = batch.to_vec();
                report.pushed += self
                    .local
                    .run(move |s| s.confirm_outbox(flag, value, &batch))
                    .await?;
                (self.events)(SyncEvent::Pushed {
                    done: report.pushed,
                    total,
                });
            }
        }
        Ok(())
    }

    /// Pulls subscriptions, new articles and flags into the store, then saves the cursor.
    async fn pull(&self, report: &mut SyncReport) -> Result<(), SyncError> {
        let (cursor, feeds) = self
            .local
            .run(|s| Ok((s.sync_cursor()?, s.synced_feeds()?)))
            .await?;
        let sink = Sink::new(
            Arc::clone(&self.local),
            self.account.clone(),
            Arc::clone(&self.highlighter),
            self.retention,
            feeds,
            self.rules.clone(),
            Arc::clone(&self.events),
        );
        let pulled = self.backend.pull(cursor.as_deref(), &sink).await;
        let tally = sink.tally();
        report.feeds = tally.feeds;
        report.new_articles = tally.new_articles;
        report.pulled = tally.pulled;
        report.adopted = tally.adopted;
        let (caught, notify) = sink.take_judged();
        if let Some(rules) = &self.rules {
            report.caught = caught
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .filter_map(|(i, n)| rules.caught_line(i, *n))
                .collect();
        }
        report.notify = notify;
        let cursor = pulled?;
        self.local
            .run(move |s| {
                if let Some(c) = cursor {
                    s.set_sync_cursor(&c)?;
                }
                s.set_last_sync(Utc::now())
            })
            .await?;
        Ok(())
    }

    /// Subscribes the server to every local `[[feeds]]` url it does not have yet (http only:
    /// the server cannot read local files). Reports each feed; the first tag picks the
    /// category when the server has one of that name.
    pub async fn push_feeds(&self, feeds: &[FeedConfig]) -> Result<Vec<PushedFeed>, SyncError> {
        self.backend.login().await?;
        let subs = self.backend.subscriptions().await?;
        let mut out = Vec::new();
        for feed in feeds {
            let outcome = match &feed.location {
                FeedLocation::File(_) => PushOutcome::SkippedFile,
                FeedLocation::Http(url) if subs.feeds.iter().any(|f| f.url == *url) => {
                    PushOutcome::AlreadyThere
                }
                FeedLocation::Http(url) => {
                    let category = feed.tags.first().and_then(|tag| {
                        subs.categories
                            .iter()
                            .find(|c| c.title == *tag)
                            .map(|c| c.id.as_str())
                    });
                    match self.backend.subscribe(url, category).await? {
                        Subscribed::Added => PushOutcome::Subscribed,
                        Subscribed::AlreadyThere => PushOutcome::AlreadyThere,
                        Subscribed::Refused(why) => PushOutcome::Refused(why),
                    }
                }
            };
            out.push(PushedFeed {
                url: feed.url.clone(),
                outcome,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_up_to_half_an_hour() {
        assert_eq!(retry_delay(0), Duration::from_secs(30));
        assert_eq!(retry_delay(1), Duration::from_secs(30));
        assert_eq!(retry_delay(2), Duration::from_secs(60));
        assert_eq!(retry_delay(4), Duration::from_secs(240));
        assert_eq!(retry_delay(40), Duration::from_secs(1800));
    }

    #[test]
    fn status_lines() {
        let mut r = SyncReport {
            result: Err(SyncError::Offline {
                url: "https://x/".into(),
                detail: "connection refused".into(),
            }),
            feeds: 0,
            new_articles: 0,
            pushed: 0,
            pulled: 0,
            adopted: 0,
            queued: 12,
            dropped: None,
            caught: Vec::new(),
            notify: Vec::new(),
            took: Duration::from_millis(10),
            phases: Phases::default(),
        };
        assert_eq!(r.status_line(), "sync: offline · 12 changes queued");
        r.result = Ok(());
        r.feeds = 1;
        r.new_articles = 3;
        r.queued = 0;
        assert_eq!(
            r.status_line(),
            "sync: 1 feed · 3 new articles · 0 changes pushed · 0 pulled"
        );
    }
}
