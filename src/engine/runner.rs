//! The engine loop, the one place that schedules, polls and ingests, whichever front end
//! drives it: the TUI (which also lets it poll on the feeds' schedules) and `tidings refresh`
//! (which sends one request and prints the events). Answers body and full-text requests,
//! prefetches full text for `full_text` feeds, downloads enclosures (at most
//! `max_downloads` at once), and reports everything as `Event`s. Takes a new config while it
//! runs (`Command::Reconfigure`). Never touches the terminal.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::{AbortHandle, JoinSet};

use crate::config::{Config, FeedConfig};
use crate::fetch::{Fetcher, Limits};
use crate::highlight::Highlighter;
use crate::images::{ImageKey, Loader};
use crate::model::{ArticleId, ArticleMeta, DueReason, FeedId, FeedState};
use crate::query::Context;
use crate::store::{Store, WriteOp, Writer};

use super::download::{self, DownloadDone, EnclosureError, JobContext};
use super::fulltext::{self, is_web_address, FullTextError};
use super::ingest::{poll_window, Ingest};
use super::poll::{poll_feed, PollContext, PollResult, PollStatus};
use super::rehighlight::{rehighlight, rules_for};
use super::select::waits;
use super::sync_job::{SyncContext, SyncJob, SyncStart};
use super::{
    Command, Event, Feeds, NotifyArticle, Progress, RefreshMode, RefreshRequest, RunTotals,
};
use crate::sync::SyncRules;

/// Whether the engine polls feeds by itself when they fall due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polling {
    /// Every due feed at start, then each feed when its `next_due` comes (the TUI).
    Scheduled,
    /// Only on `Command::Refresh` (`tidings refresh`).
    OnRequest,
}

/// What the engine starts from. It reads the feed states and the ids of stored articles
/// itself, from `reader` on a blocking thread, before its first poll.
pub struct EngineSetup {
    pub config: Arc<Config>,
    pub writer: Writer,
    /// The store, for reads (states, known ids, bodies, cached full text) on blocking threads
    /// only; it also holds the data-dir lock for the engine's lifetime.
    pub reader: Store,
    pub fetcher: Fetcher,
    pub highlighter: Arc<Highlighter>,
    pub polling: Polling,
}

/// A running engine: send commands, receive events, then `shutdown`.
pub struct EngineHandle {
    pub commands: UnboundedSender<Command>,
    /// Taken by the front end.
    pub events: Option<UnboundedReceiver<Event>>,
    runtime: tokio::runtime::Runtime,
    task: tokio::task::JoinHandle<()>,
}

impl EngineHandle {
    /// Stops the loop and waits until every write is committed.
    pub fn shutdown(self) {
        let _ = self.commands.send(Command::Shutdown);
        let _ = self.runtime.block_on(self.task);
        self.runtime.shutdown_timeout(Duration::from_secs(2));
    }
}

/// Starts the engine on its own tokio runtime.
pub fn start(setup: EngineSetup, runtime: tokio::runtime::Runtime) -> EngineHandle {
    start_with_sync(setup, None, runtime)
}

/// Starts the engine, and with `sync` (and `Polling::Scheduled`) its sync job: the reader
/// syncs with the `[sync]` server by itself (see `sync_job`).
pub fn start_with_sync(
    setup: EngineSetup,
    sync: Option<SyncStart>,
    runtime: tokio::runtime::Runtime,
) -> EngineHandle {
    let (command_tx, command_rx) = unbounded_channel();
    let (event_tx, event_rx) = unbounded_channel();
    let sync = sync
        .filter(|_| setup.polling == Polling::Scheduled)
        .map(|start| {
            // The syncer's own connection, sharing the engine's data-dir lock.
            let store = setup.reader.reopen();
            (start, store)
        });
    let task = runtime.spawn(run(setup, sync, command_rx, event_tx));
    EngineHandle {
        commands: command_tx,
        events: Some(event_rx),
        runtime,
        task,
    }
}

/// The run in progress: every request that arrives before it ends joins it.
struct Run {
    started: Instant,
    totals: RunTotals,
    /// New articles that match `notify`, sent in one `Event::Notify` when the run ends.
    notify: Vec<NotifyArticle>,
}

/// A full-text prefetch waiting for a slot (see `pump_prefetches`).
struct PrefetchJob {
    id: ArticleId,
    feed: FeedId,
    title: String,
    url: String,
}

/// A finished enclosure download.
struct DownloadEnded {
    id: ArticleId,
    index: usize,
    result: Result<DownloadDone, EnclosureError>,
}

/// A finished full-text prefetch.
struct Prefetched {
    id: ArticleId,
    feed: FeedId,
    title: String,
    result: Result<(), FullTextError>,
}

struct Engine {
    config: Arc<Config>,
    /// Index into `config.feeds` by id.
    index: HashMap<FeedId, usize>,
    states: HashMap<FeedId, FeedState>,
    in_flight: HashSet<FeedId>,
    /// Polls asked for but not started yet (see `pump`), and the same as a set.
    queue: VecDeque<FeedId>,
    queued: HashSet<FeedId>,
    /// At most this many polls in flight.
    window: usize,
    ingest: Ingest,
    reader: Arc<Mutex<Store>>,
    ctx: PollContext,
    events: UnboundedSender<Event>,
    progress: Progress,
    run: Option<Run>,
    /// Full-text pages to fetch, started at most `window` at a time so that a first refresh
    /// of many `full_text` feeds does not hold one task per article.
    prefetch_queue: VecDeque<PrefetchJob>,
    /// Re-matching stored articles after the highlight rules changed; a run does not end
    /// before it (so its count is reported with the run).
    rehighlighting: bool,
    /// Feeds the sync server provides: never polled here.
    synced: HashSet<FeedId>,
    /// The latest background pass over stored articles (see `background_pass`): an older
    /// one that has not started yet when a newer one is asked for skips its work.
    latest_pass: Arc<AtomicU64>,
    /// Enclosure downloads asked for and not started yet, in order.
    download_queue: VecDeque<(ArticleId, usize)>,
    /// Downloads queued or running (a second request for one is refused).
    downloading: HashSet<(ArticleId, usize)>,
    images: ImageJobs,
}

/// Image loads the reader asked for. Each is a task of its own (fetches wait for the
/// fetcher's slots like polls do); a cancelled one is aborted.
struct ImageJobs {
    loader: Arc<Loader>,
    running: HashMap<ImageKey, AbortHandle>,
}

/// Finished loads are forgotten once this many are tracked.
const IMAGE_JOBS_PRUNE: usize = 64;

async fn run(
    setup: EngineSetup,
    sync: Option<(SyncStart, crate::store::Result<Store>)>,
    mut commands: UnboundedReceiver<Command>,
    events: UnboundedSender<Event>,
) {
    // Images are cached next to the store, under its data-dir lock.
    let image_cache = setup.reader.path().parent().map(|d| d.join("images"));
    let reader = Arc::new(Mutex::new(setup.reader));
    let Loaded {
        states,
        known,
        synced,
    } = match load(reader.clone()).await {
        Ok(loaded) => loaded,
        Err(message) => {
            // The store opened but cannot be read: poll anyway (the store itself never
            // stores an article twice), and say so.
            let _ = events.send(Event::Notice(message));
            Loaded::default()
        }
    };
    // Feeds the sync server provides are its to poll: the sync brings their articles. That
    // holds for `[[feeds]]` the server also lists too, as long as `[sync]` is there.
    let synced: HashSet<FeedId> = setup
        .config
        .feeds
        .iter()
        .filter(|f| f.synced || (setup.config.sync.is_some() && synced.contains(&f.id())))
        .map(FeedConfig::id)
        .collect();
    let doubled = setup
        .config
        .feeds
        .iter()
        .filter(|f| !f.synced && synced.contains(&f.id()))
        .count();
    if doubled > 0 {
        let _ = events.send(Event::Notice(format!(
            "{doubled} of the [[feeds]] come from the sync server and are not polled here \
             (the sync brings their articles)"
        )));
    }
    let mut states: HashMap<FeedId, FeedState> = states.into_iter().map(|s| (s.id, s)).collect();
    for feed in &setup.config.feeds {
        states
            .entry(feed.id())
            .or_insert_with(|| FeedState::new(&feed.url));
    }
    let loader = Loader::new(
        setup.fetcher.clone(),
        setup.config.max_image_size,
        image_cache,
        setup.config.image_cache_mb.saturating_mul(1024 * 1024),
    );
    let mut engine = Engine {
        index: feed_index(&setup.config, &synced),
        states,
        in_flight: HashSet::new(),
        queue: VecDeque::new(),
        queued: HashSet::new(),
        window: poll_window(setup.config.max_concurrent_fetches),
        ingest: Ingest::new(known, setup.writer, &setup.config, &setup.highlighter),
        reader,
        ctx: PollContext {
            fetcher: setup.fetcher,
            highlighter: setup.highlighter,
            default_interval: setup.config.refresh_interval,
        },
        config: setup.config,
        events,
        progress: Progress::default(),
        run: None,
        prefetch_queue: VecDeque::new(),
        rehighlighting: true,
        synced,
        latest_pass: Arc::new(AtomicU64::new(0)),
        download_queue: VecDeque::new(),
        downloading: HashSet::new(),
        images: ImageJobs {
            loader: Arc::new(loader),
            running: HashMap::new(),
        },
    };
    let sync_job = sync.map(|(start, store)| {
        SyncJob::spawn(
            start,
            SyncContext {
                config: engine.config.clone(),
                store,
                reader: engine.reader.clone(),
                writer: engine.ingest.writer().clone(),
                highlighter: engine.ctx.highlighter.clone(),
                events: engine.events.clone(),
            },
        )
    });
    let mut passes: JoinSet<()> = JoinSet::new();
    engine.background_pass(&mut passes);
    let mut polls: JoinSet<PollResult> = JoinSet::new();
    let mut prefetches: JoinSet<Prefetched> = JoinSet::new();
    let mut downloads: JoinSet<DownloadEnded> = JoinSet::new();
    // Schedules are scanned only when the timer fires, never per finished poll, so that a
    // refresh of N feeds costs O(N), not O(N^2).
    let scheduled = setup.polling == Polling::Scheduled;
    let mut wake_at = if scheduled {
        tokio::time::Instant::now()
    } else {
        far_future()
    };
    let mut retry_at = far_future();
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None | Some(Command::Shutdown) => break,
                Some(Command::Reconfigure(config)) => {
                    engine.reconfigure(config, &mut passes);
                    if let Some(job) = &sync_job {
                        job.rules(SyncRules::new(&engine.config, &engine.ctx.highlighter));
                    }
                    if scheduled {
                        // Look at every schedule again: intervals may have changed.
                        wake_at = tokio::time::Instant::now();
                    }
                }
                Some(command) => {
                    if let Some(job) = &sync_job {
                        engine.tell_sync(job, &command);
                    }
                    engine.handle(command)
                }
            },
            Some(done) = polls.join_next(), if !polls.is_empty() => {
                if let Ok(result) = done {
                    if let Some(due) = engine.finish(result) {
                        if scheduled {
                            wake_at = wake_at.min(due);
                        }
                    }
                }
            }
            Some(done) = prefetches.join_next(), if !prefetches.is_empty() => {
                if let Ok(done) = done {
                    engine.prefetched(done);
                }
            }
            Some(done) = downloads.join_next(), if !downloads.is_empty() => {
                if let Ok(done) = done {
                    engine.downloaded(done);
                }
            }
            Some(_) = passes.join_next(), if !passes.is_empty() => {
                engine.rehighlighting = !passes.is_empty();
            }
            _ = tokio::time::sleep_until(wake_at.min(retry_at)) => {
                if scheduled && tokio::time::Instant::now() >= wake_at {
                    engine.request(RefreshRequest::all(RefreshMode::Due), false);
                    wake_at = tokio::time::Instant::now() + engine.next_wake();
                }
            }
        }
        // Polls and prefetches wait only for their window or for the writer: look again soon
        // in that case.
        let polls_wait = engine.pump(&mut polls);
        let prefetches_wait = engine.pump_prefetches(&mut prefetches);
        engine.pump_downloads(&mut downloads);
        retry_at = if (polls_wait && engine.in_flight.len() < engine.window)
            || (prefetches_wait && prefetches.len() < engine.window)
        {
            tokio::time::Instant::now() + Duration::from_millis(5)
        } else {
            far_future()
        };
        if polls.is_empty() && prefetches.is_empty() {
            engine.end_run();
        }
    }
    polls.abort_all();
    prefetches.abort_all();
    // Interrupted downloads keep their `.part` files: the next try resumes them.
    downloads.abort_all();
    let writer = engine.ingest.writer().clone();
    let _ = tokio::task::spawn_blocking(move || writer.flush()).await;
    // After the flush: the last changes are in the outbox for the sync's final push.
    if let Some(job) = sync_job {
        job.stop().await;
    }
}

/// What the engine reads from the store before its first poll and its first ingest.
#[derive(Default)]
struct Loaded {
    states: Vec<FeedState>,
    /// Ids of every stored (or dropped) article.
    known: HashSet<ArticleId>,
    /// Feeds the sync server provides (never polled by the engine).
    synced: HashSet<FeedId>,
}

/// Index into `config.feeds` by id, of the feeds the engine polls (not those of the sync
/// server).
fn feed_index(config: &Config, synced: &HashSet<FeedId>) -> HashMap<FeedId, usize> {
    config
        .feeds
        .iter()
        .enumerate()
        .filter(|(_, f)| !synced.contains(&f.id()))
        .map(|(i, f)| (f.id(), i))
        .collect()
}

/// Reads [`Loaded`] on a blocking thread.
async fn load(reader: Arc<Mutex<Store>>) -> Result<Loaded, String> {
    tokio::task::spawn_blocking(move || {
        let store = reader
            .lock()
            .map_err(|_| "the store is unusable after a crash of a reader".to_string())?;
        let read = || -> crate::store::Result<Loaded> {
            Ok(Loaded {
                states: store.load_feed_states()?,
                known: store.known_ids()?,
                synced: store.synced_feed_ids()?,
            })
        };
        read().map_err(|e| format!("could not read the store: {e}"))
    })
    .await
    .unwrap_or_else(|e| Err(format!("could not read the store: {e}")))
}

impl Engine {
    fn emit(&self, event: Event) {
        // The front end may have gone; there is nobody left to tell.
        let _ = self.events.send(event);
    }

    /// Starts a pass over the stored articles on a blocking thread (a run does not end
    /// before it is done): re-matches them if the highlight rules changed since they were
    /// last matched, then applies the kill rules if they changed (or depend on the time),
    /// with a notice per rule that caught something and `StoredArticlesChanged` when any
    /// did. It first waits for the writer, so that articles ingested under older rules are
    /// in the store to be matched again. Of passes asked for before one starts, only the
    /// latest does the work (it has the latest rules).
    fn background_pass(&mut self, passes: &mut JoinSet<()>) {
        let reader = self.reader.clone();
        let writer = self.ingest.writer().clone();
        let highlighter = self.ctx.highlighter.clone();
        let config = self.config.clone();
        let events = self.events.clone();
        let latest = self.latest_pass.clone();
        let pass = latest.fetch_add(1, Ordering::SeqCst) + 1;
        self.rehighlighting = true;
        passes.spawn_blocking(move || {
            writer.flush();
            let Ok(store) = reader.lock() else { return };
            if latest.load(Ordering::SeqCst) != pass {
                return;
            }
            match rehighlight(&store, &highlighter) {
                Ok(changed) if changed.is_empty() => {}
                Ok(changed) => {
                    let _ = events.send(Event::HighlightsUpdated(changed));
                }
                Err(e) => {
                    let _ = events.send(Event::Notice(format!(
                        "could not re-match highlight rules: {e}"
                    )));
                }
            }
            // After re-matching: `hl` terms of kill rules see the new matches.
            let applied = store.load_feed_states().and_then(|states| {
                let ctx = Context::for_feeds(&config, &states, &highlighter, Utc::now());
                store.apply_ignore_rules(&config.ignore, &ctx)
            });
            match applied {
                Ok(None) => {}
                Ok(Some(report)) => {
                    for line in report.lines() {
                        let _ = events.send(Event::Notice(line));
                    }
                    if report.rules.iter().any(|r| r.caught > 0) || report.unhidden > 0 {
                        let _ = events.send(Event::StoredArticlesChanged);
                    }
                }
                Err(e) => {
                    let _ = events.send(Event::Notice(format!("could not apply kill rules: {e}")));
                }
            }
        });
    }

    /// Takes a new config (see `Command::Reconfigure`).
    fn reconfigure(&mut self, config: Arc<Config>, passes: &mut JoinSet<()>) {
        if config == self.config {
            return;
        }
        // What the old kill rules caught so far is reported under their own names.
        self.report_caught();
        let old = std::mem::replace(&mut self.config, config.clone());
        if old.highlight != config.highlight {
            match Highlighter::new(&config.highlight) {
                Ok(h) => self.ctx.highlighter = Arc::new(h),
                Err(e) => self.emit(Event::Notice(format!(
                    "the new highlight rules are not used: {e}"
                ))),
            }
        }
        let limits = Limits::from_config(&config);
        if &limits != self.ctx.fetcher.limits() {
            // Polls in flight finish with the fetcher they started with.
            match Fetcher::new(limits) {
                Ok(fetcher) => self.ctx.fetcher = fetcher,
                Err(e) => self.emit(Event::Notice(format!("the new limits are not used: {e}"))),
            }
        }
        self.ctx.default_interval = config.refresh_interval;
        self.window = poll_window(config.max_concurrent_fetches);
        self.ingest.reconfigure(&config, &self.ctx.highlighter);

        let before = std::mem::replace(&mut self.index, feed_index(&config, &self.synced));
        // Queued polls of removed feeds never start; one in flight is dropped when it ends.
        let queued = self.queue.len();
        let index = &self.index;
        self.queue.retain(|id| index.contains_key(id));
        self.queued.retain(|id| index.contains_key(id));
        self.progress.total -= queued - self.queue.len();
        self.sooner_schedules(&old);
        let added: Vec<FeedId> = config
            .feeds
            .iter()
            .map(FeedConfig::id)
            .filter(|id| self.index.contains_key(id) && !before.contains_key(id))
            .collect();
        for feed in &config.feeds {
            self.states
                .entry(feed.id())
                .or_insert_with(|| FeedState::new(&feed.url));
        }
        // Added feeds are polled at once (unless a server or the backoff holds them), in
        // config order.
        for &id in added.iter().rev() {
            self.request(RefreshRequest::one(id, RefreshMode::Polite), true);
        }
        // `feed:` and `tag:` terms of kill rules depend on the feeds.
        let feeds_changed = old.feeds != config.feeds;
        if old.highlight != config.highlight || old.ignore != config.ignore || feeds_changed {
            self.background_pass(passes);
        }
    }

    /// Brings each feed's next poll forward when its interval got shorter (a poll already
    /// scheduled under the old interval would come too late); a longer one applies from the
    /// next poll on.
    fn sooner_schedules(&mut self, old: &Config) {
        let before: HashMap<FeedId, Duration> = old
            .feeds
            .iter()
            .map(|f| (f.id(), f.refresh_interval.unwrap_or(old.refresh_interval)))
            .collect();
        for feed in &self.config.feeds {
            let id = feed.id();
            let now = feed
                .refresh_interval
                .unwrap_or(self.config.refresh_interval);
            if before.get(&id).is_none_or(|&was| now >= was) {
                continue;
            }
            let Some(state) = self.states.get_mut(&id) else {
                continue;
            };
            if state.due_reason != DueReason::Schedule {
                continue;
            }
            if let (Some(ok), Some(due)) = (state.last_success, state.next_due) {
                let sooner = ok + chrono::Duration::from_std(now).unwrap_or(chrono::Duration::MAX);
                if sooner < due {
                    state.next_due = Some(sooner);
                }
            }
        }
    }

    /// What the sync job must know of a front end's command: a refresh of every feed, or of
    /// a feed the sync server provides, syncs now; a read/starred change is pushed soon.
    fn tell_sync(&self, job: &SyncJob, command: &Command) {
        match command {
            Command::Refresh(RefreshRequest {
                feeds: Feeds::All, ..
            }) => job.sync_now(),
            Command::Refresh(RefreshRequest {
                feeds: Feeds::One(id),
                ..
            }) if !self.index.contains_key(id) => job.sync_now(),
            Command::SetRead { .. } | Command::SetStarred { .. } => job.changed(),
            _ => {}
        }
    }

    /// Queues the polls a request asks for (ahead of the others for one feed) and counts
    /// the feeds it lets wait. A request from the engine's own timer that finds nothing due
    /// starts no run; a front end's request always ends with `RunFinished`.
    fn request(&mut self, request: RefreshRequest, from_front_end: bool) {
        let now = Utc::now();
        let ids: Vec<FeedId> = match request.feeds {
            Feeds::All => self
                .config
                .feeds
                .iter()
                .map(FeedConfig::id)
                .filter(|id| self.index.contains_key(id))
                .collect(),
            Feeds::One(id) if self.index.contains_key(&id) => vec![id],
            Feeds::One(_) => Vec::new(),
        };
        let mut poll = Vec::new();
        let mut held = Vec::new();
        for id in ids {
            // Already part of the run in progress.
            if self.in_flight.contains(&id) || self.queued.contains(&id) {
                continue;
            }
            match waits(self.states.get(&id), request.mode, now) {
                None => poll.push(id),
                Some(reason) => held.push((id, reason)),
            }
        }
        if poll.is_empty() && !from_front_end {
            return;
        }
        if self.run.is_none() {
            self.run = Some(Run {
                started: Instant::now(),
                totals: RunTotals::default(),
                notify: Vec::new(),
            });
            self.progress = Progress {
                running: true,
                ..Progress::default()
            };
        }
        if let Some(run) = &mut self.run {
            run.totals.feeds += poll.len() + held.len();
            run.totals.waiting += held.len();
        }
        for (id, reason) in held {
            // Waiting for the schedule is the normal case: counted, not announced; nor is
            // anything the engine's own timer finds waiting (it looks again and again).
            if from_front_end && reason != DueReason::Schedule {
                if let Some(state) = self.states.get(&id) {
                    self.emit(Event::FeedWaiting {
                        state: state.clone(),
                    });
                }
            }
        }
        let urgent = matches!(request.feeds, Feeds::One(_));
        for id in poll {
            self.queued.insert(id);
            if urgent {
                self.queue.push_front(id);
            } else {
                self.queue.push_back(id);
            }
            self.progress.total += 1;
        }
        self.emit(Event::Progress(self.progress));
    }

    /// Starts queued polls while the window has room and the writer keeps up, so that a
    /// refresh of thousands of feeds holds a bounded number of parsed feeds in memory.
    /// Returns whether polls are still waiting.
    fn pump(&mut self, polls: &mut JoinSet<PollResult>) -> bool {
        while self.in_flight.len() < self.window && !self.ingest.writer_is_behind() {
            let Some(id) = self.queue.pop_front() else {
                return false;
            };
            self.queued.remove(&id);
            let feed = self.config.feeds[self.index[&id]].clone();
            self.in_flight.insert(id);
            let state = self
                .states
                .get(&id)
                .cloned()
                .unwrap_or_else(|| FeedState::new(&feed.url));
            let ctx = self.ctx.clone();
            polls.spawn(async move { poll_feed(&ctx, &feed, state).await });
        }
        !self.queue.is_empty()
    }

    /// How long to sleep before the next feed is due (at most a minute, so that a clock
    /// change or a suspend is noticed).
    fn next_wake(&self) -> Duration {
        let now = Utc::now();
        self.states
            .values()
            .filter(|s| self.index.contains_key(&s.id))
            .filter(|s| !self.in_flight.contains(&s.id) && !self.queued.contains(&s.id))
            .filter_map(|s| s.next_due)
            .map(|due| (due - now).to_std().unwrap_or(Duration::ZERO))
            .min()
            .unwrap_or(Duration::from_secs(60))
            .clamp(Duration::from_millis(50), Duration::from_secs(60))
    }

    /// Applies a finished poll and queues the full-text prefetch of its new articles;
    /// returns when the feed is next due, to wake up for it.
    fn finish(&mut self, result: PollResult) -> Option<tokio::time::Instant> {
        let id = result.state.id;
        let (status, took) = (result.status, result.took);
        self.in_flight.remove(&id);
        self.progress.done += 1;
        if status == PollStatus::Failed {
            self.progress.failed += 1;
        }
        if !self.index.contains_key(&id) {
            // The feed was removed from the config while it was polled: nothing of it is
            // stored or reported, so that it does not come back.
            self.emit(Event::Progress(self.progress));
            return None;
        }
        let mut result = result;
        let highlighter = &self.ctx.highlighter;
        if result.matched_with != highlighter.fingerprint() {
            // The highlight rules changed while it was polled.
            for article in &mut result.articles {
                article.meta.highlights =
                    rules_for(highlighter, &article.meta.title, &article.body);
            }
        }
        let (state, new_articles) = self.ingest.apply(result);
        let to_notify = self.ingest.take_notify();
        if let Some(run) = &mut self.run {
            run.notify.extend(to_notify);
            let totals = &mut run.totals;
            match status {
                PollStatus::Modified { bytes } => {
                    totals.ok += 1;
                    totals.bytes += bytes;
                }
                PollStatus::Partial { bytes } => {
                    totals.partial += 1;
                    totals.bytes += bytes;
                }
                PollStatus::NotModified => totals.not_modified += 1,
                PollStatus::Failed => totals.failed += 1,
            }
            totals.new_articles += new_articles.len();
        }
        self.queue_prefetches(&new_articles);
        let due = state.next_due.map(|due| {
            let wait = (due - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            tokio::time::Instant::now() + wait
        });
        self.states.insert(id, state.clone());
        self.emit(Event::Progress(self.progress));
        self.emit(Event::FeedUpdated {
            state,
            new_articles,
            status,
            took,
        });
        due
    }

    /// Queues the web page of each new article of a `full_text = true` feed, to be fetched
    /// under the same limits as the polls (the same fetcher) and saved for offline reading.
    fn queue_prefetches(&mut self, articles: &[ArticleMeta]) {
        let Some(first) = articles.first() else {
            return;
        };
        let wanted = self
            .index
            .get(&first.feed)
            .is_some_and(|&i| self.config.feeds[i].full_text);
        if !wanted {
            return;
        }
        for article in articles {
            let Some(url) = article.link.clone().filter(|l| is_web_address(l)) else {
                continue;
            };
            if let Some(run) = &mut self.run {
                run.totals.full_text.wanted += 1;
            }
            self.prefetch_queue.push_back(PrefetchJob {
                id: article.id,
                feed: article.feed,
                title: article.title.clone(),
                url,
            });
        }
    }

    /// Starts queued prefetches while fewer than `window` run and the writer keeps up.
    /// Returns whether prefetches are still waiting.
    fn pump_prefetches(&mut self, prefetches: &mut JoinSet<Prefetched>) -> bool {
        while prefetches.len() < self.window && !self.ingest.writer_is_behind() {
            let Some(job) = self.prefetch_queue.pop_front() else {
                return false;
            };
            let fetcher = self.ctx.fetcher.clone();
            let writer = self.ingest.writer().clone();
            prefetches.spawn(async move {
                let result = fulltext::prefetch(&fetcher, &writer, job.id, &job.url).await;
                Prefetched {
                    id: job.id,
                    feed: job.feed,
                    title: job.title,
                    result,
                }
            });
        }
        !self.prefetch_queue.is_empty()
    }

    fn prefetched(&mut self, done: Prefetched) {
        if let Some(run) = &mut self.run {
            if done.result.is_ok() {
                run.totals.full_text.saved += 1;
            } else {
                run.totals.full_text.failed += 1;
            }
        }
        self.emit(Event::FullTextPrefetched {
            id: done.id,
            feed: done.feed,
            title: done.title,
            result: done.result,
        });
    }

    /// Starts queued downloads while fewer than `max_downloads` run.
    fn pump_downloads(&mut self, downloads: &mut JoinSet<DownloadEnded>) {
        while downloads.len() < self.config.max_downloads.max(1) {
            let Some((id, index)) = self.download_queue.pop_front() else {
                return;
            };
            let ctx = JobContext {
                config: self.config.clone(),
                fetcher: self.ctx.fetcher.clone(),
                reader: self.reader.clone(),
                writer: self.ingest.writer().clone(),
                events: self.events.clone(),
            };
            downloads.spawn(async move {
                // A panic in the job is reported as such, not as a vanished download.
                let job = tokio::spawn(download::run_job(ctx, id, index));
                // Aborting this task (the engine stops) stops the download as well, at once
                // rather than when the runtime goes; its `.part` stays for the next try.
                let _stop = AbortOnDrop(job.abort_handle());
                let result = job
                    .await
                    .unwrap_or_else(|e| Err(EnclosureError::Crashed(e.to_string())));
                DownloadEnded { id, index, result }
            });
        }
    }

    fn downloaded(&mut self, done: DownloadEnded) {
        self.downloading.remove(&(done.id, done.index));
        self.emit(Event::DownloadFinished {
            id: done.id,
            index: done.index,
            result: done.result,
        });
    }

    /// Ends the run in progress once nothing it started is left (the caller checked polls and
    /// prefetches): commits its writes on a blocking thread, then reports the totals.
    fn end_run(&mut self) {
        if self.rehighlighting
            || !self.queue.is_empty()
            || !self.in_flight.is_empty()
            || !self.prefetch_queue.is_empty()
        {
            return;
        }
        let Some(run) = self.run.take() else {
            return;
        };
        self.progress.running = false;
        self.emit(Event::Progress(self.progress));
        self.report_caught();
        let writer = self.ingest.writer().clone();
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            writer.flush();
            let mut totals = run.totals;
            for error in writer.take_errors() {
                totals.write_errors += 1;
                let _ = events.send(Event::Notice(format!("could not save: {error}")));
            }
            totals.elapsed = run.started.elapsed();
            // The articles are in the store by now: a front end may show them at once.
            if !run.notify.is_empty() {
                let _ = events.send(Event::Notify(run.notify));
            }
            let _ = events.send(Event::RunFinished(totals));
            // What the run freed goes back to the system (see `crate::memory`).
            crate::memory::give_back();
        });
    }

    /// A notice per kill rule that caught new articles since the last report.
    fn report_caught(&mut self) {
        for (i, caught) in self.ingest.take_caught().into_iter().enumerate() {
            if caught > 0 {
                let Some(rule) = self.config.ignore.get(i) else {
                    continue;
                };
                self.emit(Event::Notice(format!(
                    "kill rule {} (`{}`, {}) caught {caught} new article{}",
                    i + 1,
                    rule.query,
                    rule.action.as_str(),
                    if caught == 1 { "" } else { "s" }
                )));
            }
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Refresh(request) => self.request(request, true),
            Command::LoadBody(id) => {
                let reader = self.reader.clone();
                let writer = self.ingest.writer().clone();
                let events = self.events.clone();
                tokio::task::spawn_blocking(move || {
                    // The article may still be in the writer's queue.
                    writer.flush();
                    let body = reader.lock().ok().and_then(|s| s.body(id).ok().flatten());
                    let _ = events.send(Event::BodyLoaded { id, body });
                });
            }
            Command::FetchFullText { id, url } => {
                let reader = self.reader.clone();
                let writer = self.ingest.writer().clone();
                let fetcher = self.ctx.fetcher.clone();
                let events = self.events.clone();
                tokio::spawn(async move {
                    let result = fulltext::full_text(id, &url, reader, &writer, &fetcher).await;
                    let _ = events.send(Event::FullTextLoaded { id, result });
                });
            }
            Command::FetchImage(key) => self.fetch_image(key),
            Command::CancelImages(keys) => {
                for key in keys {
                    if let Some(job) = self.images.running.remove(&key) {
                        job.abort();
                    }
                }
            }
            Command::SetRead { ids, read } => {
                self.ingest.writer().send(WriteOp::SetRead(ids, read));
            }
            Command::SetStarred { id, starred } => {
                self.ingest.writer().send(WriteOp::SetStarred(id, starred));
            }
            Command::Flush => {
                let writer = self.ingest.writer().clone();
                let events = self.events.clone();
                tokio::task::spawn_blocking(move || {
                    writer.flush();
                    let _ = events.send(Event::Flushed);
                });
            }
            Command::LoadEnclosures(id) => {
                let reader = self.reader.clone();
                let writer = self.ingest.writer().clone();
                let events = self.events.clone();
                tokio::task::spawn_blocking(move || {
                    // The article (or its download mark) may still be in the writer's queue.
                    writer.flush();
                    let enclosures = reader
                        .lock()
                        .ok()
                        .and_then(|s| s.enclosures(id).ok())
                        .unwrap_or_default();
                    let _ = events.send(Event::EnclosuresLoaded { id, enclosures });
                });
            }
            Command::Download { id, index } => {
                if self.downloading.insert((id, index)) {
                    self.download_queue.push_back((id, index));
                } else {
                    self.emit(Event::DownloadFinished {
                        id,
                        index,
                        result: Err(EnclosureError::AlreadyQueued),
                    });
                }
            }
            // The loop handles these itself.
            Command::Reconfigure(_) | Command::Shutdown => {}
        }
    }
}

impl Engine {
    /// Starts loading an image, unless it is loading already.
    fn fetch_image(&mut self, key: ImageKey) {
        let jobs = &mut self.images;
        if jobs.running.get(&key).is_some_and(|j| !j.is_finished()) {
            return;
        }
        if jobs.running.len() >= IMAGE_JOBS_PRUNE {
            jobs.running.retain(|_, j| !j.is_finished());
        }
        let loader = jobs.loader.clone();
        let events = self.events.clone();
        let task_key = key.clone();
        let job = tokio::spawn(async move {
            let result = loader.load(&task_key).await;
            if let Some(problem) = loader.take_cache_problem() {
                let _ = events.send(Event::Notice(format!(
                    "images are not cached on disk: {problem}"
                )));
            }
            let _ = events.send(Event::ImageLoaded {
                key: task_key,
                result,
            });
        });
        jobs.running.insert(key, job.abort_handle());
    }
}

/// Aborts a spawned task when dropped (a finished one is left alone).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A deadline that never comes (tokio's `sleep_until` needs one).
fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}
