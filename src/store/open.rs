//! Opening the store: the data-dir lock, connection settings, corruption detection and
//! moving a damaged file aside. Never deletes a store file, never retries in a loop.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::error::{Result, StoreError};
use super::schema;

pub const DB_FILE: &str = "tidings.db";
pub const LOCK_FILE: &str = "tidings.lock";

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// An exclusive advisory lock on `<data_dir>/tidings.lock`, released when dropped (and by the
/// kernel if the process dies, so a crash never leaves a stale lock behind).
#[derive(Debug)]
pub struct DirLock {
    file: File,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Unlocked explicitly, not just by the close: the lock belongs to the open file, and
        // a child this process is spawning at that moment (a browser, a player, a hook)
        // holds a copy of every descriptor until its `exec` closes them, which kept the data
        // dir locked for a moment after the store was dropped. Nothing to do if it fails: the
        // close that follows releases it anyway.
        let _ = self.file.unlock();
    }
}

/// Takes the read-write lock of a data dir, or says who holds it.
pub fn lock_data_dir(data_dir: &Path) -> Result<Arc<DirLock>> {
    let path = data_dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|source| StoreError::Io {
            action: "create the lock file",
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let pid = match text.trim().parse::<u32>() {
                Ok(pid) => format!(" (pid {pid})"),
                Err(_) => String::new(),
            };
            return Err(StoreError::Locked {
                data_dir: data_dir.to_path_buf(),
                lock: path,
                pid,
            });
        }
        Err(TryLockError::Error(source)) => {
            return Err(StoreError::Io {
                action: "lock",
                path,
                source,
            })
        }
    }
    // The pid is only a hint for the message a second process prints; failing to write it is harmless.
    let _ = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| write!(file, "{}", std::process::id()));
    Ok(Arc::new(DirLock { file }))
}

/// Settings every connection gets.
///
/// WAL with `synchronous = NORMAL`: a commit appends to the WAL with a `write()` but no
/// `fsync`. Data handed to the kernel survives the death of the process (`kill -9`, panic,
/// OOM kill), so a process crash loses nothing that was committed, and WAL never leaves a
/// half-written transaction visible. Only an OS crash or power cut can drop the last
/// transactions (never corrupt the file), which is within "lose at most the last second",
/// and it saves an fsync per writer batch.
pub fn configure(conn: &Connection, read_write: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    if read_write {
        // 16 KiB pages for a store created now (a no-op on an existing file): a body of a
        // few KB fits in its leaf page instead of spilling into overflow pages, and a b-tree
        // of 50,000 articles has a quarter of the pages to split and rewrite. A cold refresh
        // of 1,000 x 50 went from 2.6-2.8 s to 2.0 s with the same memory (the page cache
        // is sized in bytes); flipping a flag writes one 16 KiB page to the WAL.
        conn.execute_batch("PRAGMA page_size = 16384")?;
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.execute_batch("PRAGMA synchronous = NORMAL")?;
    }
    // 8 MiB page cache per connection: enough for the hot table, small for peak RSS.
    conn.execute_batch("PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY;")?;
    super::search::register_functions(conn)?;
    Ok(())
}

/// A read-write connection to an existing, migrated store (used by the writer thread).
pub fn connect_rw(db_path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn, true)?;
    // Checkpoints every 8,192 pages (128 MiB of 16 KiB pages) instead of SQLite's 1,000: a
    // refresh rewrites the same random pages of `articles` and its indexes in many commits,
    // and a checkpoint copies each page once however often the WAL holds it (measured on a
    // cold 1,000 x 50 refresh with 2 MiB commits: 4.8 s -> 3.3 s). The writer's connection
    // replaces this with its own checkpointer thread (`checkpoint.rs`); a connection of the
    // syncer keeps it.
    conn.execute_batch("PRAGMA wal_autocheckpoint = 8192")?;
    Ok(conn)
}

/// Why a store file could not be used.
enum Failure {
    /// The file is damaged: move it aside.
    Damaged(String),
    /// Anything else (permissions, too new, ...): report, touch nothing.
    Fatal(StoreError),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        if is_damage(&e) {
            Failure::Damaged(e.to_string())
        } else {
            Failure::Fatal(StoreError::Sqlite(e))
        }
    }
}

fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

/// Checks the 100-byte header before SQLite sees the file: the magic string, the page size,
/// and that the file holds as many pages as the header says (a cheap, exact test for a
/// truncated file; skipped while a non-empty WAL may still hold pages not yet copied back).
/// SQLite treats a 0-byte file as a new, empty database, which is fine: it holds nothing.
fn check_header(db_path: &Path) -> std::result::Result<(), Failure> {
    let io_err = |source| {
        Failure::Fatal(StoreError::Io {
            action: "read",
            path: db_path.to_path_buf(),
            source,
        })
    };
    let mut file = File::open(db_path).map_err(io_err)?;
    let len = file.metadata().map_err(io_err)?.len();
    if len == 0 {
        return Ok(());
    }
    if len < 100 {
        return Err(Failure::Damaged(format!(
            "only {len} bytes long, truncated"
        )));
    }
    let mut header = [0u8; 100];
    file.read_exact(&mut header).map_err(io_err)?;
    if &header[..16] != SQLITE_MAGIC {
        return Err(Failure::Damaged("not a SQLite database".to_string()));
    }
    let be32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536,
        n if n >= 512 && n.is_power_of_two() => u64::from(n),
        n => return Err(Failure::Damaged(format!("bad page size {n} in the header"))),
    };
    let pages = u64::from(be32(28));
    let size_valid = pages > 0 && be32(24) == be32(92);
    let wal = PathBuf::from(format!("{}-wal", db_path.display()));
    let wal_has_frames = fs::metadata(&wal).map(|m| m.len() > 32).unwrap_or(false);
    if size_valid && !wal_has_frames && len < pages * page_size {
        return Err(Failure::Damaged(format!(
            "truncated: {len} bytes, but the header says {}",
            pages * page_size
        )));
    }
    Ok(())
}

/// Runs a `PRAGMA quick_check` variant: it reads the pages and checks the b-tree structure,
/// without the slower index-content cross-checks of `integrity_check`.
fn quick_check(conn: &Connection, pragma: &str) -> std::result::Result<(), Failure> {
    let mut stmt = conn.prepare(pragma)?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(())
    } else {
        let mut detail = lines.into_iter().take(3).collect::<Vec<_>>().join("; ");
        if detail.is_empty() {
            detail = "quick_check gave no answer".to_string();
        }
        Err(Failure::Damaged(detail))
    }
}

/// Looks at an existing store through a read-only connection, which never writes to the file
/// (no WAL checkpoint, no recovery written back), so a damaged file keeps its exact bytes for
/// moving aside. Returns the connection and its schema version.
///
/// The full `quick_check` reads every page (about 0.4 s for 100k articles with bodies), too slow
/// for every start-up, so it runs only when `deep` (the last session saw damage, see
/// [`note_damage`]). Otherwise the header checks, the schema and the small tables are checked,
/// which catches garbage, truncated and foreign files at once.
fn probe(db_path: &Path, deep: bool) -> std::result::Result<(Connection, i64), Failure> {
    check_header(db_path)?;
    let conn = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn, false)?;
    let version = schema::version(&conn)?;
    if version > schema::LATEST {
        return Err(Failure::Fatal(StoreError::TooNew {
            path: db_path.to_path_buf(),
            found: version,
            supported: schema::LATEST,
        }));
    }
    if deep {
        quick_check(&conn, "PRAGMA quick_check")?;
    } else {
        let _: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if version >= 1 {
            quick_check(&conn, "PRAGMA quick_check(feeds)")?;
            quick_check(&conn, "PRAGMA quick_check(meta)")?;
        }
    }
    Ok((conn, version))
}

/// `<db>.needs-check`: written when a query hit damage, so the next read-write open runs the
/// full check (and moves the file aside if it is damaged).
fn marker_path(db_path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.needs-check", db_path.display()))
}

/// Remembers that `e` showed the store is damaged (if it did), for the next start-up.
pub fn note_damage(db_path: &Path, e: &StoreError) {
    let damaged = match e {
        StoreError::Sqlite(e) => is_damage(e),
        StoreError::Migration { source, .. } => is_damage(source),
        _ => false,
    };
    if damaged && db_path.exists() {
        let _ = fs::write(marker_path(db_path), b"a query found the store damaged\n");
    }
}

/// Opens, creates or upgrades the store; with a notice when an older store was upgraded.
fn try_open_rw(db_path: &Path) -> std::result::Result<(Connection, Option<String>), Failure> {
    if db_path.exists() {
        drop(probe(db_path, marker_path(db_path).exists())?);
    }
    let conn = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn, true)?;
    let started = Instant::now();
    match schema::migrate(&conn, db_path) {
        Ok(found) => {
            let notice = (found > 0 && found < schema::LATEST)
                .then(|| upgraded_notice(db_path, found, started.elapsed()));
            Ok((conn, notice))
        }
        Err(StoreError::Migration { source, .. }) if is_damage(&source) => {
            Err(Failure::Damaged(source.to_string()))
        }
        Err(e) => Err(Failure::Fatal(e)),
    }
}

/// Opens (creating or migrating) the read-write store. A damaged file is moved aside once and a
/// new store created; the returned notice says where the old one went.
pub fn open_rw(db_path: &Path) -> Result<(Connection, Vec<String>)> {
    let opened = open_rw_once(db_path);
    if opened.is_ok() {
        // The full check ran (or there was nothing to check): the mark has served its purpose.
        let _ = fs::remove_file(marker_path(db_path));
    }
    opened
}

/// Says that an older store was upgraded, how long it took, and that older builds can no
/// longer open it (they refuse a newer schema).
fn upgraded_notice(db_path: &Path, from: i64, took: Duration) -> String {
    format!(
        "upgraded the store {} from schema {from} to {} in {:.1} s; older tidings builds \
         cannot open it now",
        db_path.display(),
        schema::LATEST,
        took.as_secs_f64()
    )
}

fn open_rw_once(db_path: &Path) -> Result<(Connection, Vec<String>)> {
    match try_open_rw(db_path) {
        Ok((conn, upgraded)) => Ok((conn, upgraded.into_iter().collect())),
        Err(Failure::Fatal(e)) => Err(e),
        Err(Failure::Damaged(detail)) => {
            let aside = move_aside(db_path)?;
            let notice = format!(
                "the store {} was damaged ({detail}); moved it aside to {} and started a new, empty \
                 store. Articles will be fetched again; restore read/starred flags with \
                 `tidings import-state` if you have an export",
                db_path.display(),
                aside.display()
            );
            match try_open_rw(db_path) {
                // A new store: nothing was upgraded.
                Ok((conn, _)) => Ok((conn, vec![notice])),
                Err(Failure::Fatal(e)) => Err(e),
                Err(Failure::Damaged(detail)) => Err(StoreError::Corrupt {
                    path: db_path.to_path_buf(),
                    detail: format!("a new store is damaged too: {detail}"),
                }),
            }
        }
    }
}

/// Opens an existing store read-only. Never changes a file; a damaged store is an error.
pub fn open_ro(db_path: &Path) -> Result<Connection> {
    let corrupt = |detail| StoreError::Corrupt {
        path: db_path.to_path_buf(),
        detail,
    };
    let attempt = || -> std::result::Result<Connection, Failure> {
        let (conn, _) = probe(db_path, false)?;
        schema::check_read_only(&conn, db_path).map_err(Failure::Fatal)?;
        Ok(conn)
    };
    attempt().map_err(|f| match f {
        Failure::Damaged(detail) => corrupt(detail),
        Failure::Fatal(e) => e,
    })
}

/// Renames `tidings.db` (and its `-wal`/`-shm`) to `tidings.db.corrupt-<YYYYmmddTHHMMSS>[-n]`.
fn move_aside(db_path: &Path) -> Result<PathBuf> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S").to_string();
    let base = db_path.as_os_str().to_string_lossy().into_owned();
    let mut target = PathBuf::from(format!("{base}.corrupt-{stamp}"));
    let mut n = 2;
    while target.exists() {
        target = PathBuf::from(format!("{base}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    fs::rename(db_path, &target).map_err(|source| StoreError::Io {
        action: "move aside the damaged store",
        path: db_path.to_path_buf(),
        source,
    })?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{base}{suffix}"));
        if side.exists() {
            let to = PathBuf::from(format!("{}{suffix}", target.display()));
            fs::rename(&side, &to).map_err(|source| StoreError::Io {
                action: "move aside the damaged store's journal",
                path: side.clone(),
                source,
            })?;
        }
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of the lock's descriptor (what a child being spawned holds until its `exec`)
    /// does not keep the data dir locked once the lock is dropped.
    #[test]
    fn a_dropped_lock_is_free_while_a_copy_of_its_file_is_still_open() {
        let dir = tempfile::tempdir().unwrap();
        let lock = lock_data_dir(dir.path()).unwrap();
        let copy = lock.file.try_clone().unwrap();
        assert!(matches!(
            lock_data_dir(dir.path()),
            Err(StoreError::Locked { .. })
        ));
        drop(lock);
        lock_data_dir(dir.path()).expect("free once dropped");
        drop(copy);
    }
}
