//! The checkpointer: copies the WAL back into the database file on its own thread and
//! connection, so that the writer never stops for it.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses the threshold: the
//! writer thread then copies tens of MiB of pages and waits for two `fsync`s (50-130 ms each
//! here) while the refresh, whose byte budget is only given back by commits, stalls. A
//! passive checkpoint on another connection runs beside the writer's next transactions
//! instead (WAL allows one checkpointer and one writer at once), on the other core.
//!
//! The writer's connection gets a WAL hook (which replaces its autocheckpoint) that wakes
//! this thread once the WAL holds [`CHECKPOINT_FRAMES`] frames. Never blocks the writer:
//! the hook only sets a flag and notifies a condition variable.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;

use super::error::{Result, StoreError};
use super::open::{connect_rw, note_damage};

/// WAL frames (pages) that wake the checkpointer: 8,192 pages of 16 KiB are 128 MiB, the
/// threshold the writer's own autocheckpoint had. A page rewritten by many commits between
/// two checkpoints is copied once, so fewer checkpoints copy less. Measured on cold
/// refreshes of 100 x 500, 1,000 x 50 and 10,000 x 5 (alternating binaries, 3 runs each):
/// 8,192 was as fast as or faster than 2,048 and 4,096 on every shape.
pub const CHECKPOINT_FRAMES: i32 = 8192;

/// What the hook and the thread share.
#[derive(Default)]
struct Signal {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Default)]
struct State {
    /// The WAL reached the threshold since the last checkpoint started.
    due: bool,
    stop: bool,
}

/// Handle to the checkpointer thread; dropping it stops and joins the thread (after the
/// checkpoint in progress, if any).
pub struct Checkpointer {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread with its own connection to `db_path` and hooks `writer_conn`, the
    /// connection whose commits it follows: a commit that leaves `frames` or more frames in
    /// the WAL wakes it ([`CHECKPOINT_FRAMES`] for the writer). `on_error` gets what a
    /// checkpoint could not do (a busy database is not an error: the next one catches up).
    pub fn spawn(
        db_path: &Path,
        writer_conn: &mut Connection,
        frames: i32,
        on_error: impl Fn(StoreError) + Send + 'static,
    ) -> Result<Checkpointer> {
        let conn = connect_rw(db_path)?;
        let signal = Arc::new(Signal::default());
        let hook_signal = Arc::clone(&signal);
        writer_conn.wal_hook(Some(
            move |_: &mut rusqlite::hooks::Wal, wal_frames: i32| {
                if wal_frames >= frames {
                    hook_signal.raise();
                }
                Ok(())
            },
        ))?;
        let thread_signal = Arc::clone(&signal);
        let path = db_path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("tidings-checkpoint".to_string())
            .spawn(move || run(conn, &thread_signal, &path, on_error))
            .map_err(|source| StoreError::Io {
                action: "start the checkpoint thread for",
                path: db_path.to_path_buf(),
                source,
            })?;
        Ok(Checkpointer {
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.signal.update(|s| s.stop = true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Signal {
    fn raise(&self) {
        self.update(|s| s.due = true);
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut state);
        self.wake.notify_one();
    }

    /// Waits until a checkpoint is due (true) or the thread must stop (false).
    fn wait(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if state.stop {
                return false;
            }
            if std::mem::take(&mut state.due) {
                return true;
            }
            state = self.wake.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}

fn run(conn: Connection, signal: &Signal, db_path: &Path, on_error: impl Fn(StoreError)) {
    while signal.wait() {
        match checkpoint(&conn) {
            Ok(()) => {}
            // Another connection checkpoints or holds a lock: the next one catches up.
            Err(e) if e.is_busy() => {}
            Err(e) => {
                note_damage(db_path, &e);
                on_error(e);
            }
        }
    }
}

/// One passive checkpoint: copies what the WAL holds up to the last commit, without waiting
/// for the writer or readers (a busy one copies what it can; the next catches up).
fn checkpoint(conn: &Connection) -> Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OpenMode, Store};

    #[test]
    fn the_thread_copies_the_wal_back_while_the_writer_keeps_its_connection() {
        let dir = tempfile::tempdir().unwrap();
        let db = Store::open(dir.path(), OpenMode::ReadWrite).unwrap().store;
        let path = db.path().to_path_buf();
        let mut writer = connect_rw(&path).unwrap();
        let _checkpointer = Checkpointer::spawn(&path, &mut writer, 8, |e| panic!("{e}")).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        writer
            .execute_batch("CREATE TABLE filler (data BLOB)")
            .unwrap();
        for _ in 0..40 {
            writer
                .execute("INSERT INTO filler VALUES (zeroblob(20000))", [])
                .unwrap();
        }
        // The hook replaced the writer's own autocheckpoint: only the thread copies pages
        // into the file, which grows by about 40 x 20 KB once it has.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut size = before;
        while size < before + 500_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
            size = std::fs::metadata(&path).unwrap().len();
        }
        assert!(
            size >= before + 500_000,
            "the database file stayed at {size} bytes (was {before})"
        );
        let rows: i64 = db
            .conn
            .query_row("SELECT count(*) FROM filler", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 40);
    }

    #[test]
    fn without_enough_frames_nothing_is_copied_until_the_connection_closes() {
        let dir = tempfile::tempdir().unwrap();
        let db = Store::open(dir.path(), OpenMode::ReadWrite).unwrap().store;
        let path = db.path().to_path_buf();
        drop(db);
        let mut writer = connect_rw(&path).unwrap();
        let checkpointer =
            Checkpointer::spawn(&path, &mut writer, 100_000, |e| panic!("{e}")).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        writer
            .execute_batch(
                "CREATE TABLE filler (data BLOB); INSERT INTO filler VALUES (zeroblob(200000));",
            )
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), before);
        drop(checkpointer);
        drop(writer);
        assert!(std::fs::metadata(&path).unwrap().len() > before + 150_000);
    }
}
