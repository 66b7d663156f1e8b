//! Watches the config file while tidings runs: a thread looks at the file's metadata every
//! `interval` (modification time, size, inode and device, also of a symlink pointing at it,
//! so that editors that write a new file and rename it over the old one are caught), waits
//! until the file stops changing, then reads and parses it there, never on the caller's
//! thread, and hands over the new config, or the error that keeps the old one running.
//! A config equal to the last one handed over (a comment edited, the file touched) is not.
//! Knows no front end: it never imports the terminal libraries.

use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

use crate::config::{Config, ConfigError};

/// How often the file is looked at.
pub const INTERVAL: Duration = Duration::from_secs(1);
/// A change is read once the file has looked the same for this long (an editor's save is
/// several writes and renames).
pub const SETTLE: Duration = Duration::from_millis(200);
/// A file still changing after this long is read anyway.
const MAX_SETTLE: Duration = Duration::from_secs(3);

/// What the watcher hands over.
#[derive(Debug)]
pub enum Change {
    /// The file holds a valid config different from the last one handed over.
    Config(Box<Config>),
    /// The file cannot be used (unreadable, invalid, gone): the last good config stays.
    Broken(ConfigError),
}

/// The file's metadata as far as changes go; `None` when it does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    changed: i64,
    len: u64,
    inode: u64,
    device: u64,
    /// The same of the link itself, when the path is a symlink (a dotfile manager may point
    /// it elsewhere).
    link_modified: Option<SystemTime>,
    link_inode: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    let link = std::fs::symlink_metadata(path).ok();
    let (inode, device, changed) = ids(&meta);
    Some(Stamp {
        modified: meta.modified().ok(),
        changed,
        len: meta.len(),
        inode,
        device,
        link_modified: link.as_ref().and_then(|l| l.modified().ok()),
        link_inode: link.as_ref().map_or(0, |l| ids(l).0),
    })
}

#[cfg(unix)]
fn ids(meta: &Metadata) -> (u64, u64, i64) {
    use std::os::unix::fs::MetadataExt;
    (
        meta.ino(),
        meta.dev(),
        meta.ctime_nsec() + meta.ctime() * 1_000_000_000,
    )
}

#[cfg(not(unix))]
fn ids(_meta: &Metadata) -> (u64, u64, i64) {
    (0, 0, 0)
}

#[derive(Default)]
struct Flags {
    stop: bool,
    /// Look at the file now, without waiting for the next tick (`check_now`).
    poke: bool,
}

#[derive(Default)]
struct Shared {
    flags: Mutex<Flags>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps up to `timeout`; returns false once asked to stop. A poke ends the wait.
    fn sleep(&self, timeout: Duration) -> bool {
        let flags = self.lock();
        let (mut flags, _) = self
            .wake
            .wait_timeout_while(flags, timeout, |f| !f.stop && !f.poke)
            .unwrap_or_else(|e| e.into_inner());
        flags.poke = false;
        !flags.stop
    }
}

/// The watching thread; stops (and is joined) when dropped.
pub struct ConfigWatcher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl ConfigWatcher {
    /// Watches `path`, whose contents are `current` now (`Config::default()` when the file
    /// does not exist: creating it is a change). `deliver` runs on the watcher's thread.
    pub fn spawn(
        path: PathBuf,
        current: Config,
        interval: Duration,
        deliver: impl FnMut(Change) + Send + 'static,
    ) -> std::io::Result<ConfigWatcher> {
        let shared = Arc::new(Shared::default());
        let watch = Watch {
            path,
            last: current,
            seen: None,
            broken: false,
            interval,
            shared: shared.clone(),
        };
        let thread = thread::Builder::new()
            .name("tidings-config-watch".into())
            .spawn(move || watch.run(deliver))?;
        Ok(ConfigWatcher {
            shared,
            thread: Some(thread),
        })
    }

    /// Looks at the file at once rather than at the next tick (after tidings wrote it itself).
    pub fn check_now(&self) {
        self.shared.lock().poke = true;
        self.shared.wake.notify_all();
    }
}

impl Drop for ConfigWatcher {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Watch {
    path: PathBuf,
    /// The last config handed over (or the one the program started with).
    last: Config,
    /// The file's stamp when it was last read; `None` before the first look, so that a
    /// change between the program's own read and the watcher's start is not missed.
    seen: Option<Option<Stamp>>,
    /// The last thing handed over was an error.
    broken: bool,
    interval: Duration,
    shared: Arc<Shared>,
}

impl Watch {
    fn run(mut self, mut deliver: impl FnMut(Change)) {
        loop {
            let now = stamp(&self.path);
            if self.seen != Some(now) {
                let Some(settled) = self.settle(now) else {
                    return;
                };
                self.seen = Some(settled);
                if let Some(change) = self.read(settled.is_some()) {
                    deliver(change);
                }
            }
            if !self.shared.sleep(self.interval) {
                return;
            }
        }
    }

    /// Waits until the stamp stays the same for `SETTLE` (at most `MAX_SETTLE`); `None`
    /// when asked to stop meanwhile. The first look reads at once.
    fn settle(&self, mut last: Option<Stamp>) -> Option<Option<Stamp>> {
        if self.seen.is_none() {
            return Some(last);
        }
        let mut waited = Duration::ZERO;
        while waited < MAX_SETTLE {
            if !self.shared.sleep(SETTLE) {
                return None;
            }
            waited += SETTLE;
            let now = stamp(&self.path);
            if now == last {
                break;
            }
            last = now;
        }
        Some(last)
    }

    /// Reads and parses the file; what to hand over, if anything.
    fn read(&mut self, exists: bool) -> Option<Change> {
        let result = if exists {
            Config::load(&self.path)
        } else {
            Err(ConfigError::NotFound {
                path: self.path.clone(),
            })
        };
        match result {
            Ok(config) => {
                if config == self.last && !self.broken {
                    return None;
                }
                self.broken = false;
                self.last = config.clone();
                Some(Change::Config(Box::new(config)))
            }
            // No file then and none now: nothing changed (the program runs on defaults).
            Err(ConfigError::NotFound { .. }) if self.last.path.is_none() && !self.broken => None,
            Err(error) => {
                self.broken = true;
                Some(Change::Broken(error))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn write(path: &Path, text: &str) {
        // A new file renamed over the old one, as many editors save.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    }

    fn watch(path: &Path, current: Config) -> (ConfigWatcher, mpsc::Receiver<Change>) {
        let (tx, rx) = mpsc::channel();
        let watcher = ConfigWatcher::spawn(
            path.to_path_buf(),
            current,
            Duration::from_millis(20),
            move |c| {
                let _ = tx.send(c);
            },
        )
        .unwrap();
        (watcher, rx)
    }

    fn next(rx: &mpsc::Receiver<Change>) -> Change {
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the watcher reported nothing")
    }

    #[test]
    fn edits_are_handed_over_and_a_broken_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        write(&path, "refresh_interval = \"10m\"\n");
        let current = Config::load(&path).unwrap();
        let (_watcher, rx) = watch(&path, current);
        // Nothing changed since the program read it.
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());

        write(&path, "refresh_interval = \"5m\"\n");
        match next(&rx) {
            Change::Config(c) => assert_eq!(c.refresh_interval, Duration::from_secs(300)),
            other => panic!("{other:?}"),
        }
        write(&path, "refresh_interval = \n");
        match next(&rx) {
            Change::Broken(e) => assert_eq!(e.line(), Some(1), "{e}"),
            other => panic!("{other:?}"),
        }
        // Fixed back to the config already running: handed over again, to clear the error.
        write(&path, "refresh_interval = \"5m\"\n");
        assert!(matches!(next(&rx), Change::Config(_)));
        // A comment changes nothing.
        write(&path, "# hello\nrefresh_interval = \"5m\"\n");
        assert!(rx.recv_timeout(Duration::from_millis(500)).is_err());
    }

    #[test]
    fn a_file_created_later_is_read_and_check_now_does_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let (tx, rx) = mpsc::channel();
        // A tick far longer than the test: only `check_now` can make it look.
        let watcher = ConfigWatcher::spawn(
            path.clone(),
            Config::default(),
            Duration::from_secs(3600),
            move |c| {
                let _ = tx.send(c);
            },
        )
        .unwrap();
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        write(&path, "mouse = false\n");
        watcher.check_now();
        // The change settles first, then is read.
        match next(&rx) {
            Change::Config(c) => assert!(!c.mouse),
            other => panic!("{other:?}"),
        }
        drop(watcher);
        assert!(rx.recv().is_err(), "the thread ended with the watcher");
    }
}
