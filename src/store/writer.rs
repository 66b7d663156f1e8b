//! The writer thread: owns its own read-write connection and turns a stream of `WriteOp`s into
//! few transactions. `send` never blocks, so the UI thread and async tasks can call it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::Connection;

use super::checkpoint::{Checkpointer, CHECKPOINT_FRAMES};
use super::error::{Result, StoreError};
use super::open::{connect_rw, note_damage, DirLock};
use super::queries::{self, write_tx};
use super::retention;
use super::Store;
use crate::config::Retention;
use crate::model::{ArticleId, FeedId, FeedState, NewArticle};

/// Ops arriving within this window of the first one share a transaction. Short enough that a
/// `kill -9` loses well under a second, long enough to turn a burst of keypresses or a refresh
/// of many feeds into one commit.
pub const BATCH_WINDOW: Duration = Duration::from_millis(100);

/// While a batch gathers, the writer looks for more ops this often (a flush waits at most
/// this long more).
const GATHER_TICK: Duration = Duration::from_millis(2);

/// At most this many ops per transaction, so one huge burst does not hold the write lock
/// long. Bytes ([`COMMIT_BYTES`]) and the window bound a refresh's batches first: a limit of
/// 1,000 ops (three per polled feed) cut a 10,000-feed refresh into commits of 333 feeds,
/// and every commit rewrote the pages of the feeds table and of the indexes keyed by feed
/// (written by the cold 10,000 x 5 refresh: 551 -> 519 MB under strace, CPU 3.9 -> 3.6 s).
const MAX_BATCH: usize = 10_000;

/// A batch holding this many bytes of articles is committed without waiting out
/// [`BATCH_WINDOW`]: a refresh waits for its writes to leave memory (the engine's byte
/// budget, 32 MiB), so the batch must be a fraction of that for fetching and writing to
/// overlap. Measured on 1,000 x 50: 2 MiB batches rewrote the random pages of the
/// articles table and its indexes so often that the refresh took 1.6x as long; 8 MiB is
/// as fast as unbounded batches.
const COMMIT_BYTES: u64 = 8 << 20;

/// After this long without ops, the writer adds articles to the full-text index. A refresh
/// keeps it busy (on a loaded machine with pauses of a few hundred ms, which 300 ms let
/// indexing into: measured +15% CPU on a cold 1,000 x 50 refresh), so indexing waits until
/// the refresh is done instead of slowing it.
const INDEX_IDLE: Duration = Duration::from_secs(1);

/// Pause between two indexing batches: a backlog (a store just upgraded, a big refresh) is
/// indexed at about half of one core, leaving the rest to the front end.
const INDEX_GAP: Duration = Duration::from_millis(50);

/// Articles indexed per transaction when idle: about 50 ms of work, so an op arriving
/// meanwhile (a keypress marking an article read) waits at most that long.
const INDEX_BATCH: usize = 200;

/// Once this many bytes of articles were written, the writer gives its page cache back when
/// it is next idle for [`INDEX_IDLE`] (after indexing): a refresh, not a keypress, is worth
/// the refill.
const RELEASE_AFTER: u64 = 1 << 20;

/// Keep at most this many unreported errors.
const MAX_ERRORS: usize = 100;

impl WriteOp {
    /// About how many bytes the op holds: what counts towards the backlog.
    fn weight(&self) -> u64 {
        match self {
            WriteOp::InsertArticles(items) => items
                .iter()
                .map(|a| (a.body.content.len() + a.meta.title.len() + 256) as u64)
                .sum(),
            WriteOp::SaveFullText(_, html) => html.len() as u64,
            _ => 0,
        }
    }
}

/// One change for the writer thread to apply.
pub enum WriteOp {
    InsertArticles(Vec<NewArticle>),
    SetRead(Vec<ArticleId>, bool),
    SetStarred(ArticleId, bool),
    SaveFeedState(FeedState),
    SaveFullText(ArticleId, String),
    SetHighlights(Vec<(ArticleId, Vec<u16>)>),
    Retention(FeedId, Retention),
    /// Hide (true) or show again articles (`hide` kill rules).
    SetHidden(Vec<ArticleId>, bool),
    /// Delete articles of a feed and never fetch them again (`drop` kill rules); starred
    /// ones are kept.
    Drop(FeedId, Vec<ArticleId>),
    /// The finished download of an enclosure (`None` forgets it).
    SetDownloaded {
        id: ArticleId,
        index: usize,
        path: Option<std::path::PathBuf>,
    },
    /// Writes nothing: the value is dropped once every op sent before it is committed (or
    /// has failed). A producer sends one after its writes to learn, by the drop, that they
    /// left memory: the engine's byte budget is given back this way.
    Release(Box<dyn std::any::Any + Send>),
}

enum Msg {
    Op(Box<WriteOp>),
    Flush(SyncSender<()>),
    Shutdown,
}

/// Handle to the writer thread. Clones share the thread; dropping the last one commits what
/// was sent and joins the thread. It keeps the data-dir lock alive while it runs.
#[derive(Clone)]
pub struct Writer {
    inner: Arc<Inner>,
}

struct Inner {
    tx: Sender<Msg>,
    backlog: Arc<AtomicU64>,
    thread: Mutex<Option<JoinHandle<()>>>,
    errors: Arc<Mutex<Vec<StoreError>>>,
    commits: Arc<AtomicU64>,
}

impl Writer {
    /// Starts the writer thread with its own connection to `store`'s database.
    /// Fails for a read-only store.
    pub fn spawn(store: &Store) -> Result<Writer> {
        let Some(lock) = store.lock.clone() else {
            return Err(StoreError::ReadOnly);
        };
        let mut conn = connect_rw(&store.db_path)?;
        let (tx, rx) = mpsc::channel();
        let errors = Arc::new(Mutex::new(Vec::new()));
        let checkpoint_errors = Arc::clone(&errors);
        let checkpointer =
            Checkpointer::spawn(&store.db_path, &mut conn, CHECKPOINT_FRAMES, move |e| {
                push_error(&checkpoint_errors, e)
            })?;
        let commits = Arc::new(AtomicU64::new(0));
        let backlog = Arc::new(AtomicU64::new(0));
        let shared = Shared {
            errors: Arc::clone(&errors),
            backlog: Arc::clone(&backlog),
            commits: Arc::clone(&commits),
            db_path: store.db_path.clone(),
            _lock: lock,
        };
        let thread = std::thread::Builder::new()
            .name("tidings-store-writer".to_string())
            .spawn(move || {
                run(&conn, rx, &shared);
                // Before the connection closes (and copies back what the WAL still holds).
                drop(checkpointer);
            })
            .map_err(|source| StoreError::Io {
                action: "start the writer thread for",
                path: store.db_path.clone(),
                source,
            })?;
        Ok(Writer {
            inner: Arc::new(Inner {
                tx,
                thread: Mutex::new(Some(thread)),
                errors,
                commits,
                backlog,
            }),
        })
    }

    /// Queues a change; never blocks. Committed within about [`BATCH_WINDOW`].
    pub fn send(&self, op: WriteOp) {
        self.inner.backlog.fetch_add(op.weight(), Ordering::Relaxed);
        if self.inner.tx.send(Msg::Op(Box::new(op))).is_err() {
            self.inner.push_error(StoreError::WriterGone);
        }
    }

    /// Blocks until everything sent before this call is committed (or has failed; see
    /// [`Writer::try_flush`]).
    pub fn flush(&self) {
        let (tx, rx) = mpsc::sync_channel(1);
        if self.inner.tx.send(Msg::Flush(tx)).is_err() || rx.recv().is_err() {
            self.inner.push_error(StoreError::WriterGone);
        }
    }

    /// [`Writer::flush`], then the first error since the last check, if any.
    pub fn try_flush(&self) -> Result<()> {
        self.flush();
        match self.take_errors().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Bytes of articles sent but not yet written. Producers that can wait (a refresh) hold
    /// back while it is large, so that a writer slower than the network does not make the
    /// queue, and the memory, grow with the size of the refresh.
    pub fn backlog_bytes(&self) -> u64 {
        self.inner.backlog.load(Ordering::Relaxed)
    }

    /// Transactions committed so far (a batch that failed and was retried op by op counts
    /// each op that succeeded). For tests and benchmarks.
    pub fn commits(&self) -> u64 {
        self.inner.commits.load(Ordering::Relaxed)
    }

    /// Errors of ops that could not be committed since the last call (oldest first).
    pub fn take_errors(&self) -> Vec<StoreError> {
        std::mem::take(&mut *lock_errors(&self.inner.errors))
    }
}

impl Inner {
    fn push_error(&self, e: StoreError) {
        push_error(&self.errors, e);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Shutdown);
        let handle = self.thread.get_mut().ok().and_then(Option::take);
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

fn lock_errors(errors: &Mutex<Vec<StoreError>>) -> std::sync::MutexGuard<'_, Vec<StoreError>> {
    errors
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn push_error(errors: &Mutex<Vec<StoreError>>, e: StoreError) {
    let mut errors = lock_errors(errors);
    if errors.len() < MAX_ERRORS {
        errors.push(e);
    }
}

/// What the writer thread shares with the handles (and the lock it keeps alive).
struct Shared {
    errors: Arc<Mutex<Vec<StoreError>>>,
    backlog: Arc<AtomicU64>,
    commits: Arc<AtomicU64>,
    db_path: std::path::PathBuf,
    _lock: Arc<DirLock>,
}

fn run(conn: &Connection, rx: Receiver<Msg>, shared: &Shared) {
    let mut pending: Vec<WriteOp> = Vec::new();
    let mut waiters: Vec<SyncSender<()>> = Vec::new();
    // Whether the full-text index may lag behind the bodies (checked on the first idle turn).
    let mut unindexed = true;
    // Whether the last turn indexed a batch (then the next one follows after a short gap).
    let mut indexing = false;
    // Bytes of articles written since the page cache was last given back.
    let mut cached: u64 = 0;
    loop {
        let first = if unindexed || cached >= RELEASE_AFTER {
            match rx.recv_timeout(if indexing { INDEX_GAP } else { INDEX_IDLE }) {
                Ok(msg) => {
                    indexing = false;
                    Some(msg)
                }
                Err(RecvTimeoutError::Timeout) if unindexed => {
                    let turn = index_some(conn, shared);
                    unindexed = turn != IndexTurn::Done;
                    indexing = turn == IndexTurn::More;
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {
                    release_memory(conn);
                    cached = 0;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => None,
            }
        } else {
            rx.recv().ok()
        };
        let mut shutdown = match first {
            Some(msg) => take(msg, &mut pending, &mut waiters),
            None => true,
        };
        let deadline = Instant::now() + BATCH_WINDOW;
        let mut weight: u64 = pending.iter().map(WriteOp::weight).sum();
        while !shutdown
            && waiters.is_empty()
            && pending.len() < MAX_BATCH
            && !pending.is_empty()
            && weight < COMMIT_BYTES
        {
            match rx.try_recv() {
                Ok(msg) => {
                    if let Msg::Op(op) = &msg {
                        weight += op.weight();
                    }
                    shutdown = take(msg, &mut pending, &mut waiters);
                }
                Err(TryRecvError::Empty) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    // Sleeping instead of blocking on the channel: a sender wakes a
                    // blocked receiver with a syscall and a context switch per op (three
                    // per polled feed), which was 4% of a 10,000-feed refresh's CPU.
                    std::thread::sleep(left.min(GATHER_TICK));
                }
                Err(TryRecvError::Disconnected) => shutdown = true,
            }
        }
        if !pending.is_empty() {
            unindexed |= pending
                .iter()
                .any(|op| matches!(op, WriteOp::InsertArticles(_) | WriteOp::SaveFullText(..)));
            commit(conn, &pending, shared);
            shared.backlog.fetch_sub(weight, Ordering::Relaxed);
            cached += weight;
            pending.clear();
        }
        for w in waiters.drain(..) {
            let _ = w.send(());
        }
        if shutdown {
            break;
        }
    }
}

/// Gives back the page cache of the writer's connection, then the freed pages to the
/// system. A refresh fills the cache (up to `cache_size`, 8 MiB), and a reader left running
/// held it for good: measured by `tidings-bench --soak`, 8 of the 15 MB a soaked reader held
/// above a fresh start on the same store. The next refresh fills it again, from the OS's
/// page cache.
fn release_memory(conn: &Connection) {
    // Frees only unused pages of the cache; nothing to report if it cannot.
    let _ = conn.execute_batch("PRAGMA shrink_memory");
    crate::memory::give_back();
}

/// What one indexing turn of the writer found.
#[derive(Debug, PartialEq, Eq)]
enum IndexTurn {
    /// It indexed a batch; more may be waiting (the next batch follows after a short gap).
    More,
    /// Nothing is left to index (or it failed and was reported).
    Done,
    /// Another connection kept the store busy past the timeout (a pass applying new kill
    /// rules, another command's write): nothing was lost, and the batch waits for the next
    /// idle turn. Reported as an error, it failed a `refresh` whose every feed was saved.
    Busy,
}

/// Indexes one batch of articles.
fn index_some(conn: &Connection, shared: &Shared) -> IndexTurn {
    match write_tx(conn, |c| queries::index_pending(c, INDEX_BATCH)) {
        Ok(0) => IndexTurn::Done,
        Ok(_) => IndexTurn::More,
        Err(e) if e.is_busy() => IndexTurn::Busy,
        Err(e) => {
            note_damage(&shared.db_path, &e);
            push_error(&shared.errors, e);
            IndexTurn::Done
        }
    }
}

/// Sorts one message into the batch; true for a shutdown.
fn take(msg: Msg, pending: &mut Vec<WriteOp>, waiters: &mut Vec<SyncSender<()>>) -> bool {
    match msg {
        Msg::Op(op) => pending.push(*op),
        Msg::Flush(w) => waiters.push(w),
        Msg::Shutdown => return true,
    }
    false
}

/// Applies a batch in one transaction; if that fails, applies each op on its own so one bad op
/// does not lose the others, and records the errors.
fn commit(conn: &Connection, ops: &[WriteOp], shared: &Shared) {
    let now = Utc::now();
    let record = |res: Result<()>| match res {
        Ok(()) => {
            shared.commits.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => {
            note_damage(&shared.db_path, &e);
            push_error(&shared.errors, e);
        }
    };
    let all = write_tx(conn, |c| ops.iter().try_for_each(|op| apply(c, op, now)));
    if all.is_ok() || ops.len() == 1 {
        record(all);
        return;
    }
    for op in ops {
        record(write_tx(conn, |c| apply(c, op, now)));
    }
}

fn apply(conn: &Connection, op: &WriteOp, now: chrono::DateTime<Utc>) -> Result<()> {
    match op {
        WriteOp::InsertArticles(items) => queries::insert_articles(conn, items).map(drop),
        WriteOp::SetRead(ids, read) => queries::set_read(conn, ids, *read),
        WriteOp::SetStarred(id, starred) => queries::set_starred(conn, *id, *starred),
        WriteOp::SaveFeedState(s) => queries::save_feed_state(conn, s),
        WriteOp::SaveFullText(id, html) => queries::save_full_text(conn, *id, html),
        WriteOp::SetHighlights(items) => queries::set_highlights(conn, items),
        WriteOp::Retention(feed, r) => retention::apply_retention(conn, *feed, r, now).map(drop),
        WriteOp::SetHidden(ids, hidden) => queries::set_hidden(conn, ids, *hidden),
        WriteOp::Drop(feed, ids) => queries::drop_articles(conn, *feed, ids, now).map(drop),
        WriteOp::SetDownloaded { id, index, path } => {
            super::media::set_downloaded(conn, *id, *index, path.as_deref())
        }
        WriteOp::Release(_) => Ok(()),
    }
}
