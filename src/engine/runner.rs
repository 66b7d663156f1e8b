//! The background loop behind the TUI: schedules polls, applies their results, answers
//! body and full-text requests, and reports everything as `Event`s. Never touches the terminal.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinSet;

use crate::config::{Config, FeedConfig};
use crate::fetch::Fetcher;
use crate::highlight::Highlighter;
use crate::model::{ArticleBody, ArticleId, BodyKind, FeedId, FeedState};
use crate::store::{Store, WriteOp, Writer};

use super::ingest::{poll_window, Ingest};
use super::poll::{is_due, poll_feed, PollContext, PollResult, PollStatus};
use super::rehighlight::rehighlight;
use super::{Command, Event, Progress};

/// What the engine starts from.
pub struct EngineSetup {
    pub config: Arc<Config>,
    /// Feed states loaded from the store.
    pub states: Vec<FeedState>,
    /// Ids of every stored article.
    pub known: HashSet<ArticleId>,
    pub writer: Writer,
    /// The store, for reads (bodies, cached full text) on blocking threads only; it also
    /// holds the data-dir lock for the engine's lifetime.
    pub reader: Store,
    pub fetcher: Fetcher,
    pub highlighter: Arc<Highlighter>,
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

/// Starts the engine on its own tokio runtime; polls every due feed at once.
pub fn start(setup: EngineSetup, runtime: tokio::runtime::Runtime) -> EngineHandle {
    let (command_tx, command_rx) = unbounded_channel();
    let (event_tx, event_rx) = unbounded_channel();
    let task = runtime.spawn(run(setup, command_rx, event_tx));
    EngineHandle {
        commands: command_tx,
        events: Some(event_rx),
        runtime,
        task,
    }
}

struct Engine {
    feeds: Vec<FeedConfig>,
    /// Index into `feeds` by id.
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
}

async fn run(
    setup: EngineSetup,
    mut commands: UnboundedReceiver<Command>,
    events: UnboundedSender<Event>,
) {
    let mut states: HashMap<FeedId, FeedState> =
        setup.states.into_iter().map(|s| (s.id, s)).collect();
    for feed in &setup.config.feeds {
        states
            .entry(feed.id())
            .or_insert_with(|| FeedState::new(&feed.url));
    }
    let mut engine = Engine {
        index: setup
            .config
            .feeds
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id(), i))
            .collect(),
        feeds: setup.config.feeds.clone(),
        states,
        in_flight: HashSet::new(),
        queue: VecDeque::new(),
        queued: HashSet::new(),
        window: poll_window(setup.config.max_concurrent_fetches),
        ingest: Ingest::new(setup.known, setup.writer, setup.config.retention),
        reader: Arc::new(Mutex::new(setup.reader)),
        ctx: PollContext {
            fetcher: setup.fetcher,
            highlighter: setup.highlighter,
            default_interval: setup.config.refresh_interval,
        },
        events,
        progress: Progress::default(),
    };
    engine.rehighlight_in_background();
    let mut polls: JoinSet<PollResult> = JoinSet::new();
    // Schedules are scanned only when the timer fires, never per finished poll, so that a
    // refresh of N feeds costs O(N), not O(N^2).
    let mut wake_at = tokio::time::Instant::now();
    let mut retry_at = far_future();
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None | Some(Command::Shutdown) => break,
                Some(command) => engine.handle(command),
            },
            Some(done) = polls.join_next(), if !polls.is_empty() => {
                if let Ok(result) = done {
                    if let Some(due) = engine.finish(result) {
                        wake_at = wake_at.min(due);
                    }
                }
                if polls.is_empty() && engine.queue.is_empty() {
                    engine.progress.running = false;
                    engine.emit(Event::Progress(engine.progress));
                }
            }
            _ = tokio::time::sleep_until(wake_at.min(retry_at)) => {
                if tokio::time::Instant::now() >= wake_at {
                    engine.start_due();
                    wake_at = tokio::time::Instant::now() + engine.next_wake();
                }
            }
        }
        // Polls wait only for the window or for the writer: look again soon in that case.
        let waiting = engine.pump(&mut polls);
        retry_at = if waiting && engine.in_flight.len() < engine.window {
            tokio::time::Instant::now() + Duration::from_millis(5)
        } else {
            far_future()
        };
    }
    polls.abort_all();
    let writer = engine.ingest.writer().clone();
    let _ = tokio::task::spawn_blocking(move || writer.flush()).await;
}

impl Engine {
    fn emit(&self, event: Event) {
        // The front end may have gone; there is nobody left to tell.
        let _ = self.events.send(event);
    }

    /// Re-matches stored articles if the highlight rules changed since the last run.
    fn rehighlight_in_background(&self) {
        let reader = self.reader.clone();
        let highlighter = self.ctx.highlighter.clone();
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let Ok(store) = reader.lock() else { return };
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
        });
    }

    fn start_due(&mut self) {
        let now = Utc::now();
        // In config order, so that the first feeds listed are the first fetched.
        let due: Vec<FeedId> = self
            .feeds
            .iter()
            .map(FeedConfig::id)
            .filter(|id| !self.in_flight.contains(id))
            .filter(|id| self.states.get(id).is_none_or(|s| is_due(s, now)))
            .collect();
        for id in due {
            self.start_poll(id, false);
        }
    }

    /// Queues a poll of `id` (at the front when the user asked for it); `pump` starts it.
    fn start_poll(&mut self, id: FeedId, urgent: bool) {
        if !self.index.contains_key(&id) || self.in_flight.contains(&id) || !self.queued.insert(id)
        {
            return;
        }
        if urgent {
            self.queue.push_front(id);
        } else {
            self.queue.push_back(id);
        }
        if !self.progress.running {
            self.progress = Progress {
                running: true,
                ..Progress::default()
            };
        }
        self.progress.total += 1;
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
            let feed = self.feeds[self.index[&id]].clone();
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

    /// Applies a finished poll; returns when the feed is next due, to wake up for it.
    fn finish(&mut self, result: PollResult) -> Option<tokio::time::Instant> {
        let id = result.state.id;
        self.in_flight.remove(&id);
        self.progress.done += 1;
        if result.status == PollStatus::Failed {
            self.progress.failed += 1;
        }
        let (state, new_articles) = self.ingest.apply(result);
        let due = state.next_due.map(|due| {
            let wait = (due - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            tokio::time::Instant::now() + wait
        });
        self.states.insert(id, state.clone());
        self.emit(Event::Progress(self.progress));
        self.emit(Event::FeedUpdated {
            state,
            new_articles,
        });
        due
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::RefreshAll => {
                let ids: Vec<FeedId> = self.feeds.iter().map(FeedConfig::id).collect();
                for id in ids {
                    self.start_poll(id, false);
                }
            }
            Command::RefreshFeed(id) => self.start_poll(id, true),
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
                    let result = full_text(id, &url, reader, &writer, &fetcher).await;
                    let _ = events.send(Event::FullTextLoaded { id, result });
                });
            }
            Command::SetRead { ids, read } => {
                self.ingest.writer().send(WriteOp::SetRead(ids, read));
            }
            Command::SetStarred { id, starred } => {
                self.ingest.writer().send(WriteOp::SetStarred(id, starred));
            }
            Command::Shutdown => {}
        }
    }
}

/// The article's web page, reduced to its main content: from the store's cache, else fetched.
async fn full_text(
    id: ArticleId,
    url: &str,
    reader: Arc<Mutex<Store>>,
    writer: &Writer,
    fetcher: &Fetcher,
) -> Result<ArticleBody, String> {
    let cached = {
        let writer = writer.clone();
        tokio::task::spawn_blocking(move || {
            writer.flush();
            reader
                .lock()
                .ok()
                .and_then(|s| s.full_text(id).ok().flatten())
        })
        .await
        .ok()
        .flatten()
    };
    let html = match cached {
        Some(html) => html,
        None => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "cannot fetch the full article: {url} is not a web address"
                ));
            }
            let page = fetcher
                .fetch_page(url)
                .await
                .map_err(|f| format!("could not fetch the full article: {}", f.message))?;
            let page_url = url.to_string();
            let html =
                tokio::task::spawn_blocking(move || crate::readability::extract(&page, &page_url))
                    .await
                    .map_err(|e| format!("extraction crashed: {e}"))?
                    .map_err(|e| format!("could not extract the article: {e}"))?;
            writer.send(WriteOp::SaveFullText(id, html.clone()));
            html
        }
    };
    Ok(ArticleBody {
        kind: BodyKind::Html,
        content: html,
    })
}

/// A deadline that never comes (tokio's `sleep_until` needs one).
fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}
