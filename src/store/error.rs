//! Errors of the store. Every message names the file involved and says what to do next.

use std::io;
use std::path::PathBuf;

/// What can go wrong opening or using the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the read-write lock on this data dir.
    #[error(
        "another tidings{pid} is already running on the data dir {data_dir} (lock file {lock}). \
         Close it, or start this one with `--data-dir <other dir>` for a separate store, \
         or use a read-only command (such as `tidings list`) which works alongside it"
    )]
    Locked {
        data_dir: PathBuf,
        lock: PathBuf,
        /// " (pid N)" when the lock file names the holder, else empty.
        pid: String,
    },

    /// The store was written by a newer tidings. It is left untouched.
    #[error(
        "the store {path} has schema version {found}, but this tidings only knows versions up to \
         {supported}: it was written by a newer tidings. Upgrade tidings, or use `--data-dir` \
         for a separate store. The file was not changed"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// A read-only open found a store that needs a migration first.
    #[error(
        "the store {path} has schema version {found} and needs an upgrade to version {supported}, \
         which a read-only command cannot do. Run a read-write command (such as `tidings refresh`) once"
    )]
    NeedsUpgrade {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// A read-only open found a corrupt store (read-write opens move it aside instead).
    #[error(
        "the store {path} is damaged ({detail}). Run a read-write command (such as `tidings refresh`) \
         to move it aside and start a new one, or restore it from a backup"
    )]
    Corrupt { path: PathBuf, detail: String },

    /// A migration step failed; the transaction was rolled back and the file is unchanged.
    #[error(
        "could not upgrade the store {path} from schema version {from} to {to}: {source}. \
         The file was not changed; report this bug, or use `--data-dir` for a separate store"
    )]
    Migration {
        path: PathBuf,
        from: i64,
        to: i64,
        #[source]
        source: rusqlite::Error,
    },

    /// A file-system operation on the data dir failed.
    #[error("cannot {action} {path}: {source}. Check that the data dir is writable, or pick another with `--data-dir`")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// A write was attempted on a store opened read-only.
    #[error("the store was opened read-only (another tidings holds the data dir); this change was not saved")]
    ReadOnly,

    /// The writer thread is gone (it panicked); later writes are lost.
    #[error("the store writer stopped unexpectedly; changes made from now on are not saved. Restart tidings")]
    WriterGone,

    /// A state export that is not valid JSON of the expected shape.
    #[error("not a tidings state export: {0}. Pass a file written by `tidings export-state`")]
    BadExport(#[source] serde_json::Error),

    /// Any other SQLite failure.
    #[error("store database error: {0}. If it keeps happening, check free disk space and the permissions of the data dir")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// Whether another connection held the database for longer than the busy timeout: the
    /// same work may succeed later, and housekeeping (indexing, checkpoints) just waits for
    /// its next turn instead of reporting a failure.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(e) if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        )
    }
}

/// Result with a [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
