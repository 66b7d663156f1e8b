//! The reader's own sync with the `[sync]` server, as an engine job: one task owns the
//! `Syncer` (with a store connection of its own, a `Store::reopen` of the engine's that shares
//! its data-dir lock) and runs one sync at a time: at start, every `refresh_interval`, when
//! the front end forces a refresh (`R`), and a push of local changes a few seconds after the
//! user read or starred something. Offline and other transient failures are retried with
//! backoff (`sync::retry_delay`, at most `refresh_interval`); the reader keeps working from
//! the store meanwhile. What a sync brings goes out as events as it happens: new articles,
//! flags the server changed, new subscriptions, and the status for the status bar.
//! Never touches the terminal; never asks for the password (the front end got it first).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant};

use crate::config::{Config, Secret, SyncConfig};
use crate::highlight::Highlighter;
use crate::model::FeedId;
use crate::store::{Store, StoreError, Writer};
use crate::sync::{
    feed_config, retry_delay, PasswordError, SyncError, SyncEvent, SyncReport, SyncRules,
    SyncSetup, Syncer,
};

use super::{Event, SyncState, SyncStatus};

/// A push of local changes waits this long after the last one, so that a burst of changes
/// (reading article after article) goes in one request...
const PUSH_DELAY: Duration = Duration::from_secs(3);
/// ...but never longer than this after the first of them.
const PUSH_MAX_DELAY: Duration = Duration::from_secs(15);
/// When the reader quits, changes not pushed yet get this long to reach the server (they
/// stay queued in the store otherwise, for the next sync).
const FINAL_PUSH_LIMIT: Duration = Duration::from_secs(5);

/// What the sync job starts from, besides the engine's own store, writer and config.
pub struct SyncStart {
    pub config: SyncConfig,
    /// From `sync::resolve_password`, got before the terminal was taken. Without it the job
    /// only says why in the status bar.
    pub password: Result<Secret, PasswordError>,
}

/// What the engine tells the job.
enum Trigger {
    /// Sync now (a forced refresh); joins a sync already running.
    Now,
    /// The user changed a read or starred flag: push soon.
    Changed,
    /// The config was reloaded: kill rules and notify judge synced articles by these.
    Rules(SyncRules),
}

/// The running job; dropped through [`SyncJob::stop`].
pub(super) struct SyncJob {
    tx: Option<UnboundedSender<Trigger>>,
    task: JoinHandle<()>,
}

/// The engine's parts the job uses.
pub(super) struct SyncContext {
    pub config: Arc<Config>,
    /// A connection of its own (`Store::reopen` of the engine's), or why there is none.
    pub store: Result<Store, StoreError>,
    /// The engine's reader, for counting queued changes without the syncer.
    pub reader: Arc<Mutex<Store>>,
    /// The engine's writer: flushed before a push, so that the outbox holds every change.
    pub writer: Writer,
    pub highlighter: Arc<Highlighter>,
    pub events: UnboundedSender<Event>,
}

impl SyncJob {
    /// Starts the job on the current runtime; its first sync starts at once.
    pub(super) fn spawn(start: SyncStart, ctx: SyncContext) -> SyncJob {
        let (tx, rx) = unbounded_channel();
        let task = tokio::spawn(run(start, ctx, rx));
        SyncJob { tx: Some(tx), task }
    }

    /// A forced refresh: sync now.
    pub(super) fn sync_now(&self) {
        self.send(Trigger::Now);
    }

    /// A local read/starred change went to the writer: push it soon.
    pub(super) fn changed(&self) {
        self.send(Trigger::Changed);
    }

    /// The config changed while the reader runs: new kill rules, notify and feed titles
    /// apply to the articles the next sync brings.
    pub(super) fn rules(&self, rules: SyncRules) {
        self.send(Trigger::Rules(rules));
    }

    fn send(&self, trigger: Trigger) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(trigger);
        }
    }

    /// Stops the job: a sync in progress is dropped (what it stored stays), changes made
    /// since the last push get [`FINAL_PUSH_LIMIT`] to reach the server.
    pub(super) async fn stop(mut self) {
        drop(self.tx.take());
        let limit = FINAL_PUSH_LIMIT + Duration::from_secs(2);
        if tokio::time::timeout(limit, &mut self.task).await.is_err() {
            self.task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Local changes not pushed yet, and when to push them.
#[derive(Clone, Copy)]
struct Pending {
    first: Instant,
    last: Instant,
}

impl Pending {
    fn due(self) -> Instant {
        (self.last + PUSH_DELAY).min(self.first + PUSH_MAX_DELAY)
    }
}

fn note_change(pending: &mut Option<Pending>) {
    let now = Instant::now();
    match pending {
        Some(p) => p.last = now,
        None => {
            *pending = Some(Pending {
                first: now,
                last: now,
            })
        }
    }
}

/// How an attempt ended.
enum Outcome {
    /// It ran to its end (well or not).
    Ended {
        /// The user changed flags while it ran: push those soon.
        changed: bool,
        /// A forced refresh came while a push ran: sync fully next.
        sync_asked: bool,
    },
    /// The engine stopped meanwhile.
    Stopped { changed: bool },
}

/// Counts of the sync running now, updated from the syncer's events.
#[derive(Default)]
struct Running {
    new_articles: usize,
    pulled: usize,
    pushed: usize,
    /// Queued when it started.
    queued: usize,
}

struct Job {
    config: Arc<Config>,
    reader: Arc<Mutex<Store>>,
    writer: Writer,
    events: UnboundedSender<Event>,
    syncer: Result<Syncer, SyncError>,
    running: Arc<Mutex<Running>>,
    /// Transient failures in a row.
    failures: u32,
    /// After a transient failure: no attempt before this (unless forced).
    backoff_until: Option<Instant>,
    /// The last status sent.
    status: SyncStatus,
}

async fn run(start: SyncStart, ctx: SyncContext, mut rx: UnboundedReceiver<Trigger>) {
    if let Some(warning) = &start.config.warning {
        let _ = ctx
            .events
            .send(Event::Notice(format!("warning: {warning}")));
    }
    let mut job = Job::new(start, ctx);
    let interval = job.config.refresh_interval.max(Duration::from_secs(1));
    let mut next_sync = Instant::now();
    let mut pending: Option<Pending> = None;
    if job.syncer.is_err() {
        // No password or no store: say why once, then only keep the queued count right.
        job.failed_to_start().await;
        next_sync = far_future();
    }
    loop {
        let wake = pending.map_or(next_sync, |p| p.due().min(next_sync));
        tokio::select! {
            trigger = rx.recv() => match trigger {
                None => break,
                Some(Trigger::Now) => {
                    if job.syncer.is_ok() {
                        next_sync = Instant::now();
                    }
                }
                Some(Trigger::Changed) => note_change(&mut pending),
                Some(Trigger::Rules(rules)) => job.set_rules(rules),
            },
            _ = sleep_until(wake) => {
                let now = Instant::now();
                let full = now >= next_sync;
                if !full && (job.syncer.is_err() || job.backing_off(now)) {
                    // Offline (or no syncer): only the count of queued changes moves.
                    pending = None;
                    job.recount().await;
                    continue;
                }
                pending = None;
                match job.attempt(full, &mut rx).await {
                    Outcome::Stopped { changed } => {
                        if changed {
                            note_change(&mut pending);
                        }
                        break;
                    }
                    Outcome::Ended { changed, sync_asked } => {
                        if changed {
                            note_change(&mut pending);
                        }
                        let now = Instant::now();
                        match job.backoff_until {
                            Some(until) => next_sync = until,
                            None if full => next_sync = now + interval,
                            None => {}
                        }
                        if sync_asked {
                            next_sync = now;
                        }
                    }
                }
            }
        }
    }
    // Stopping: changes made since the last push, unless the server is known to be away.
    if pending.is_some() && job.syncer.is_ok() && !job.backing_off(Instant::now()) {
        let _ = tokio::time::timeout(FINAL_PUSH_LIMIT, job.final_push()).await;
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}

impl Job {
    fn new(start: SyncStart, ctx: SyncContext) -> Job {
        let running = Arc::new(Mutex::new(Running::default()));
        let syncer = match (start.password, ctx.store) {
            (Err(e), _) => Err(SyncError::Password(e)),
            (_, Err(e)) => Err(SyncError::Store(e)),
            (Ok(password), Ok(store)) => Syncer::new(SyncSetup {
                config: start.config,
                password,
                store,
                highlighter: ctx.highlighter.clone(),
                retention: ctx.config.retention,
                timeout: ctx.config.timeout,
                connect_timeout: ctx.config.connect_timeout,
            })
            .map(|s| {
                s.with_rules(SyncRules::new(&ctx.config, &ctx.highlighter))
                    .on_event(on_event(&ctx.config, &ctx.events, &running))
            }),
        };
        Job {
            config: ctx.config,
            reader: ctx.reader,
            writer: ctx.writer,
            events: ctx.events,
            syncer,
            running,
            failures: 0,
            backoff_until: None,
            status: SyncStatus {
                state: SyncState::Running,
                new_articles: 0,
                pulled: 0,
                pushed: 0,
                queued: 0,
                next: None,
            },
        }
    }

    fn set_rules(&mut self, rules: SyncRules) {
        if let Ok(syncer) = self.syncer.as_mut() {
            syncer.set_rules(rules);
        }
    }

    fn backing_off(&self, now: Instant) -> bool {
        self.backoff_until.is_some_and(|until| now < until)
    }

    fn emit(&mut self, status: SyncStatus) {
        self.status = status.clone();
        let _ = self.events.send(Event::Sync(status));
    }

    /// Flushes the engine's writer (the user's last changes reach the outbox), then counts
    /// the outbox.
    async fn flush_and_count(&self) -> usize {
        let writer = self.writer.clone();
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            writer.flush();
            lock(&reader).outbox_len().unwrap_or(0)
        })
        .await
        .unwrap_or(0)
    }

    /// Keeps the status's queued count right while no sync can run.
    async fn recount(&mut self) {
        let queued = self.flush_and_count().await;
        if queued != self.status.queued {
            let mut status = self.status.clone();
            status.queued = queued;
            self.emit(status);
        }
    }

    /// The syncer could not be made: the status says why, for the whole run.
    async fn failed_to_start(&mut self) {
        let queued = self.flush_and_count().await;
        let Err(e) = &self.syncer else {
            return;
        };
        let status = SyncStatus {
            state: SyncState::Failed {
                label: e.label(),
                message: format!("{e} (sync is off until tidings starts again)"),
                transient: false,
            },
            new_articles: 0,
            pulled: 0,
            pushed: 0,
            queued,
            next: None,
        };
        self.emit(status);
    }

    /// One sync (`full`) or push, while listening to the engine: a forced refresh joins a
    /// running sync, a change is noted for the next push, and a stop drops the attempt.
    async fn attempt(&mut self, full: bool, rx: &mut UnboundedReceiver<Trigger>) -> Outcome {
        let queued = self.flush_and_count().await;
        if !full && queued == 0 {
            // The changes were not to synced articles (or a sync sent them already).
            return Outcome::Ended {
                changed: false,
                sync_asked: false,
            };
        }
        *lock(&self.running) = Running {
            queued,
            ..Running::default()
        };
        if full {
            let status = SyncStatus {
                state: SyncState::Running,
                new_articles: 0,
                pulled: 0,
                pushed: 0,
                queued,
                next: None,
            };
            self.emit(status);
        }
        let (mut changed, mut sync_asked) = (false, false);
        let mut rules = None;
        let report = {
            let Ok(syncer) = &self.syncer else {
                return Outcome::Ended {
                    changed: false,
                    sync_asked: false,
                };
            };
            let work = async {
                if full {
                    syncer.sync().await
                } else {
                    syncer.push().await
                }
            };
            tokio::pin!(work);
            loop {
                tokio::select! {
                    report = &mut work => break report,
                    trigger = rx.recv() => match trigger {
                        None => return Outcome::Stopped { changed },
                        Some(Trigger::Now) => sync_asked |= !full,
                        Some(Trigger::Changed) => changed = true,
                        Some(Trigger::Rules(new)) => rules = Some(new),
                    },
                }
            }
        };
        if let Some(rules) = rules {
            self.set_rules(rules);
        }
        self.finish(full, report);
        Outcome::Ended {
            changed,
            sync_asked,
        }
    }

    /// Takes a finished attempt's report: the status, notices, and the next try.
    fn finish(&mut self, full: bool, mut report: SyncReport) {
        for line in std::mem::take(&mut report.caught) {
            let _ = self.events.send(Event::Notice(line));
        }
        // The articles are stored by now: a front end may show them at once.
        if !report.notify.is_empty() {
            let _ = self
                .events
                .send(Event::Notify(std::mem::take(&mut report.notify)));
        }
        if let Some(n) = report.dropped {
            let _ = self.events.send(Event::Notice(format!(
                "[sync] names another account than the last sync: its links were reset{}",
                if n > 0 {
                    format!(", and {n} changes queued for the old account were dropped")
                } else {
                    String::new()
                }
            )));
        }
        if report.adopted > 0 {
            let _ = self.events.send(Event::Notice(format!(
                "{} articles polled here before are now synced (their read and starred flags \
                 were kept and sent)",
                report.adopted
            )));
        }
        let now = Instant::now();
        let interval = self.config.refresh_interval.max(Duration::from_secs(1));
        let (state, next) = match &report.result {
            Ok(()) => {
                self.failures = 0;
                self.backoff_until = None;
                (SyncState::Done, full.then_some(interval))
            }
            Err(e) => {
                self.failures = self.failures.saturating_add(1);
                let wait = if e.is_transient() {
                    retry_delay(self.failures).min(interval)
                } else {
                    // Needs a fix first (password, API access): try again at the usual time.
                    interval
                };
                self.backoff_until = Some(now + wait);
                let state = SyncState::Failed {
                    label: e.label(),
                    message: e.to_string(),
                    transient: e.is_transient(),
                };
                (state, Some(wait))
            }
        };
        let next =
            next.map(|wait| Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default());
        let status = SyncStatus {
            state,
            new_articles: report.new_articles,
            pulled: report.pulled,
            pushed: report.pushed,
            queued: report.queued,
            next: next.or(self.status.next),
        };
        self.emit(status);
    }

    /// At shutdown: pushes what the user changed since the last push.
    async fn final_push(&mut self) {
        let queued = self.flush_and_count().await;
        if queued == 0 {
            return;
        }
        if let Ok(syncer) = &self.syncer {
            let _ = syncer.push().await;
        }
    }
}

/// Turns the syncer's progress into engine events, as it happens: new subscriptions (before
/// their articles), new articles, pulled flags, and a running status.
fn on_event(
    config: &Config,
    events: &UnboundedSender<Event>,
    running: &Arc<Mutex<Running>>,
) -> impl Fn(SyncEvent) + Send + Sync + 'static {
    let events = events.clone();
    let running = Arc::clone(running);
    let listed: Mutex<HashSet<FeedId>> = Mutex::new(config.feeds.iter().map(|f| f.id()).collect());
    move |event| {
        let progress = |r: &Running| {
            Event::Sync(SyncStatus {
                state: SyncState::Running,
                new_articles: r.new_articles,
                pulled: r.pulled,
                pushed: r.pushed,
                queued: r.queued.saturating_sub(r.pushed),
                next: None,
            })
        };
        match event {
            SyncEvent::Pushed { done, .. } => {
                let mut r = lock(&running);
                r.pushed = done;
                let _ = events.send(progress(&r));
            }
            SyncEvent::Subscriptions(feeds) => {
                let mut listed = lock(&listed);
                let new: Vec<_> = feeds
                    .iter()
                    .filter(|f| listed.insert(f.id))
                    .map(feed_config)
                    .collect();
                if !new.is_empty() {
                    let _ = events.send(Event::SyncedFeeds(new));
                }
            }
            SyncEvent::Articles(metas) => {
                let mut r = lock(&running);
                r.new_articles += metas.len();
                let _ = events.send(Event::SyncedArticles(metas));
                let _ = events.send(progress(&r));
            }
            SyncEvent::Flags(changes) => {
                let mut r = lock(&running);
                r.pulled += changes.len();
                let _ = events.send(Event::SyncedFlags(changes));
                let _ = events.send(progress(&r));
            }
        }
    }
}

impl SyncStatus {
    /// The status bar's words: `sync: 3 new · 5 changes pulled`, `sync: offline · 12 changes
    /// queued`, `sync: login failed · 0 changes queued`, `sync: up to date`.
    pub fn status_line(&self) -> String {
        let changes = |n: usize| if n == 1 { "change" } else { "changes" };
        match &self.state {
            SyncState::Failed { label, .. } => {
                format!(
                    "sync: {label} · {} {} queued",
                    self.queued,
                    changes(self.queued)
                )
            }
            state => {
                let mut parts = Vec::new();
                if self.new_articles > 0 {
                    parts.push(format!("{} new", self.new_articles));
                }
                if self.pulled > 0 {
                    parts.push(format!("{} {} pulled", self.pulled, changes(self.pulled)));
                }
                if self.pushed > 0 {
                    parts.push(format!("{} {} pushed", self.pushed, changes(self.pushed)));
                }
                if self.queued > 0 {
                    parts.push(format!("{} {} queued", self.queued, changes(self.queued)));
                }
                let head = if *state == SyncState::Running {
                    "sync: syncing…"
                } else if parts.is_empty() {
                    "sync: up to date"
                } else {
                    "sync:"
                };
                if parts.is_empty() {
                    head.to_string()
                } else if *state == SyncState::Running {
                    format!("{head} · {}", parts.join(" · "))
                } else {
                    format!("{head} {}", parts.join(" · "))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(
        state: SyncState,
        new: usize,
        pulled: usize,
        pushed: usize,
        queued: usize,
    ) -> SyncStatus {
        SyncStatus {
            state,
            new_articles: new,
            pulled,
            pushed,
            queued,
            next: None,
        }
    }

    #[test]
    fn status_lines_say_what_the_sync_did() {
        let offline = SyncState::Failed {
            label: "offline",
            message: "cannot reach".into(),
            transient: true,
        };
        assert_eq!(
            status(offline, 0, 0, 0, 12).status_line(),
            "sync: offline · 12 changes queued"
        );
        assert_eq!(
            status(SyncState::Done, 3, 5, 0, 0).status_line(),
            "sync: 3 new · 5 changes pulled"
        );
        assert_eq!(
            status(SyncState::Done, 0, 0, 1, 0).status_line(),
            "sync: 1 change pushed"
        );
        assert_eq!(
            status(SyncState::Done, 0, 0, 0, 0).status_line(),
            "sync: up to date"
        );
        assert_eq!(
            status(SyncState::Running, 0, 0, 0, 0).status_line(),
            "sync: syncing…"
        );
        assert_eq!(
            status(SyncState::Running, 400, 0, 0, 2).status_line(),
            "sync: syncing… · 400 new · 2 changes queued"
        );
    }

    #[test]
    fn a_push_waits_for_a_pause_but_not_forever() {
        let t = Instant::now();
        let mut p = Pending { first: t, last: t };
        assert_eq!(p.due(), t + PUSH_DELAY);
        p.last = t + Duration::from_secs(14);
        assert_eq!(p.due(), t + PUSH_MAX_DELAY);
    }
}
