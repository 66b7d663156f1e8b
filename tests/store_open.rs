//! Opening the store: migrations (from every shipped version), refusal of newer stores,
//! moving damaged files aside, the data-dir lock (in-process and across processes), read-only.

mod store_support;

#[path = "support/data_dir.rs"]
mod data_dir;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use data_dir::wait_for_unlock;
use rusqlite::Connection;
use store_support::*;
use tidings::model::{ArticleId, FeedId};
use tidings::store::{OpenMode, Store, StoreError, Writer, DB_FILE, SCHEMA_VERSION};

fn open_rw(dir: &Path) -> Store {
    wait_for_unlock(dir);
    Store::open(dir, OpenMode::ReadWrite).unwrap().store
}

fn user_version(db: &Path) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// The schema as `sqlite_master` holds it, for comparing a migrated store with a new one.
fn schema_of(db: &Path) -> Vec<(String, String, Option<String>)> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| {
        let sql: Option<String> = r.get(2)?;
        // Indentation is not schema.
        let sql = sql.map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
        Ok((r.get(0)?, r.get(1)?, sql))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The moved-aside database files (not their `-wal`/`-shm` companions).
fn corrupt_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.contains(".corrupt-") && !name.ends_with("-wal") && !name.ends_with("-shm")
        })
        .collect();
    v.sort();
    v
}

// ---- migrations ----

#[test]
fn new_store_gets_latest_version() {
    let dir = tempfile::tempdir().unwrap();
    let opened = Store::open(dir.path(), OpenMode::ReadWrite).unwrap();
    assert!(opened.notices.is_empty());
    drop(opened);
    assert_eq!(user_version(&dir.path().join(DB_FILE)), SCHEMA_VERSION);
}

fn page_size(db: &Path) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap()
}

/// A store made now has 16 KiB pages (faster bulk writes); one made with SQLite's default
/// 4 KiB pages keeps them and works as before.
#[test]
fn new_stores_get_16_kib_pages_and_older_ones_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    store.insert_articles(&[article(FEED_A, 1)]).unwrap();
    drop(store);
    assert_eq!(page_size(&dir.path().join(DB_FILE)), 16384);

    let old = tempfile::tempdir().unwrap();
    let db = old.path().join(DB_FILE);
    let sql = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/store_fixtures/v1.sql"),
    )
    .unwrap();
    Connection::open(&db).unwrap().execute_batch(&sql).unwrap();
    assert_eq!(page_size(&db), 4096);
    let store = open_rw(old.path());
    let before = store.load_articles().unwrap().len();
    store.insert_articles(&[article(FEED_A, 2)]).unwrap();
    assert_eq!(store.load_articles().unwrap().len(), before + 1);
    drop(store);
    assert_eq!(page_size(&db), 4096);
}

#[test]
fn empty_v0_file_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(DB_FILE);
    fs::write(&db, b"").unwrap();
    let store = open_rw(dir.path());
    store.insert_articles(&[article(FEED_A, 1)]).unwrap();
    drop(store);
    assert_eq!(user_version(&db), SCHEMA_VERSION);
    assert!(corrupt_files(dir.path()).is_empty());
}

#[test]
fn every_shipped_version_migrates_to_the_current_schema() {
    let fresh = tempfile::tempdir().unwrap();
    drop(open_rw(fresh.path()));
    let want = schema_of(&fresh.path().join(DB_FILE));

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/store_fixtures");
    for version in 1..=SCHEMA_VERSION {
        let sql =
            fs::read_to_string(fixtures.join(format!("v{version}.sql"))).unwrap_or_else(|e| {
                panic!("missing fixture v{version}.sql (add one per shipped version): {e}")
            });
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(DB_FILE);
        Connection::open(&db).unwrap().execute_batch(&sql).unwrap();
        assert_eq!(user_version(&db), version);

        let opened = Store::open(dir.path(), OpenMode::ReadWrite).unwrap();
        // An upgrade is said once, with the versions; the current schema opens silently.
        if version < SCHEMA_VERSION {
            assert_eq!(opened.notices.len(), 1, "v{version}: {:?}", opened.notices);
            let notice = &opened.notices[0];
            let versions = format!("from schema {version} to {SCHEMA_VERSION} in ");
            assert!(notice.starts_with("upgraded the store "), "{notice}");
            assert!(notice.contains(&versions), "v{version}: {notice}");
            assert!(notice.contains(&db.display().to_string()), "{notice}");
        } else {
            assert!(opened.notices.is_empty(), "{:?}", opened.notices);
        }
        let store = opened.store;
        assert_eq!(store.integrity_check().unwrap(), "ok");

        // The fixture's data survives every migration.
        let feeds = store.load_feed_states().unwrap();
        assert_eq!(feeds.len(), 1, "v{version}");
        let f = &feeds[0];
        assert_eq!(f.id, FeedId(1001));
        assert_eq!(f.url, "https://fixture.example.org/feed.xml");
        assert_eq!(f.etag.as_deref(), Some("\"abc\""));
        assert_eq!(f.failures, 2);
        assert_eq!(f.error_kind, Some(tidings::model::ErrorKind::HttpStatus));
        // A failing feed of a store older than `due_reason` was backing off.
        assert_eq!(
            f.due_reason,
            tidings::model::DueReason::Backoff,
            "v{version}"
        );
        let articles = store.load_articles().unwrap();
        assert_eq!(articles.len(), 2);
        let a = articles
            .iter()
            .find(|a| a.id == ArticleId::from_i64(-42))
            .unwrap();
        assert!(a.read && a.starred);
        assert_eq!(a.highlights, vec![0, 3]);
        // Enclosures arrived with version 7: older stores have none (and no mark).
        let enclosures = store.enclosures(a.id).unwrap();
        if version >= 7 {
            assert_eq!(a.media, tidings::model::MediaMark::Downloaded);
            assert_eq!(enclosures.len(), 2, "v{version}");
            assert_eq!(enclosures[0].enclosure.length, Some(38_000_000));
            assert_eq!(
                enclosures[0].downloaded.as_deref(),
                Some(Path::new("/home/u/Downloads/ep1.mp3"))
            );
        } else {
            assert_eq!(a.media, tidings::model::MediaMark::None, "v{version}");
            assert!(enclosures.is_empty(), "v{version}");
        }
        assert_eq!(
            store
                .full_text(ArticleId::from_i64(-42))
                .unwrap()
                .as_deref(),
            Some("<article>full</article>")
        );
        assert_eq!(
            store.body(ArticleId::from_i64(7)).unwrap().unwrap().content,
            "two"
        );
        assert!(store
            .known_ids()
            .unwrap()
            .contains(&ArticleId::from_i64(99)));
        assert_eq!(
            store.meta_get("highlight_fingerprint").unwrap().as_deref(),
            Some("12345")
        );
        drop(store);
        assert_eq!(user_version(&db), SCHEMA_VERSION);
        assert_eq!(
            schema_of(&db),
            want,
            "v{version} migrates to a different schema"
        );
    }
}

#[test]
fn newer_store_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(DB_FILE);
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE future (x); INSERT INTO future VALUES (1); PRAGMA user_version = {};",
            SCHEMA_VERSION + 5
        ))
        .unwrap();
    }
    let before = fs::read(&db).unwrap();
    for mode in [OpenMode::ReadWrite, OpenMode::ReadOnly] {
        let err = Store::open(dir.path(), mode).err().expect("must refuse");
        assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("newer tidings"), "{msg}");
        assert!(msg.contains("not changed"), "{msg}");
    }
    assert!(
        fs::read(&db).unwrap() == before,
        "the newer store was modified"
    );
    assert!(corrupt_files(dir.path()).is_empty());
}

#[test]
fn read_only_open_refuses_a_store_that_needs_migrating() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(DB_FILE), b"").unwrap();
    let err = Store::open(dir.path(), OpenMode::ReadOnly).err().unwrap();
    assert!(matches!(err, StoreError::NeedsUpgrade { .. }), "{err:?}");
}

// ---- corruption ----

fn assert_moved_aside(dir: &Path, original: &[u8], notices: &[String]) {
    let aside = corrupt_files(dir);
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(
        fs::read(&aside[0]).unwrap() == original,
        "original bytes kept"
    );
    assert_eq!(notices.len(), 1, "{notices:?}");
    let db = dir.join(DB_FILE);
    assert!(
        notices[0].contains(&db.display().to_string()),
        "{}",
        notices[0]
    );
    assert!(
        notices[0].contains(&aside[0].display().to_string()),
        "{}",
        notices[0]
    );
}

fn check_fresh_store_works(dir: &Path) {
    wait_for_unlock(dir);
    let opened = Store::open(dir, OpenMode::ReadWrite).unwrap();
    assert!(
        opened.notices.is_empty(),
        "no second move: {:?}",
        opened.notices
    );
    let store = opened.store;
    store.insert_articles(&[article(FEED_A, 1)]).unwrap();
    assert_eq!(store.load_articles().unwrap().len(), 1);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn garbage_file_is_moved_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(dir.path().join(DB_FILE), &garbage).unwrap();

    // Read-only never moves anything.
    let err = Store::open(dir.path(), OpenMode::ReadOnly).err().unwrap();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(corrupt_files(dir.path()).is_empty());

    let opened = Store::open(dir.path(), OpenMode::ReadWrite).unwrap();
    assert!(opened.store.load_articles().unwrap().is_empty());
    assert_moved_aside(dir.path(), &garbage, &opened.notices);
    drop(opened);
    check_fresh_store_works(dir.path());
}

#[test]
fn text_file_with_a_sqlite_like_name_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"this is not a database\n".repeat(3);
    fs::write(dir.path().join(DB_FILE), &text).unwrap();
    let opened = Store::open(dir.path(), OpenMode::ReadWrite).unwrap();
    assert_moved_aside(dir.path(), &text, &opened.notices);
}

fn filled_store_bytes(dir: &Path) -> Vec<u8> {
    let store = open_rw(dir);
    store.save_feed_state(&feed_state(FEED_A)).unwrap();
    let items: Vec<_> = (0..3000).map(|n| article(FEED_A, n)).collect();
    store.insert_articles(&items).unwrap();
    drop(store); // the last connection checkpoints the WAL into the file
    wait_for_unlock(dir); // the callers open it read-write again
    fs::read(dir.join(DB_FILE)).unwrap()
}

#[test]
fn truncated_file_is_moved_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let full = filled_store_bytes(dir.path());
    assert!(full.len() > 100_000, "{}", full.len());
    let truncated = &full[..full.len() / 2];
    fs::write(dir.path().join(DB_FILE), truncated).unwrap();

    let err = Store::open(dir.path(), OpenMode::ReadOnly).err().unwrap();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");

    let opened = Store::open(dir.path(), OpenMode::ReadWrite).unwrap();
    assert_moved_aside(dir.path(), truncated, &opened.notices);
    drop(opened);
    check_fresh_store_works(dir.path());
}

#[test]
fn file_truncated_inside_the_header_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let full = filled_store_bytes(dir.path());
    fs::write(dir.path().join(DB_FILE), &full[..60]).unwrap();
    let opened = Store::open(dir.path(), OpenMode::ReadWrite).unwrap();
    assert_moved_aside(dir.path(), &full[..60], &opened.notices);
}

#[test]
fn damaged_pages_are_moved_aside_with_their_wal() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = filled_store_bytes(dir.path());
    // Overwrite a run of pages in the middle with junk, keeping the header intact.
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 16384] {
        *b = 0xA5;
    }
    fs::write(dir.path().join(DB_FILE), &bytes).unwrap();
    // Start-up does not read every page (too slow for 100k articles); the damage shows when a
    // query or the integrity check meets it, and the next start moves the file aside.
    {
        let opened = Store::open(dir.path(), OpenMode::ReadWrite).unwrap();
        assert!(opened.notices.is_empty());
        let check = opened.store.integrity_check();
        assert!(check.as_deref().map_or(true, |r| r != "ok"), "{check:?}");
    }
    assert!(
        fs::read(dir.path().join(DB_FILE)).unwrap() == bytes,
        "the session changed nothing"
    );
    // A WAL left behind goes aside with its database.
    fs::write(dir.path().join("tidings.db-wal"), b"stale wal").unwrap();
    wait_for_unlock(dir.path());
    let opened = Store::open(dir.path(), OpenMode::ReadWrite).unwrap();
    assert_moved_aside(dir.path(), &bytes, &opened.notices);
    let aside = corrupt_files(dir.path());
    let wal = PathBuf::from(format!("{}-wal", aside[0].display()));
    assert_eq!(fs::read(wal).unwrap(), b"stale wal");
}

// ---- lock ----

#[test]
fn second_read_write_open_is_locked_out() {
    let dir = tempfile::tempdir().unwrap();
    let first = open_rw(dir.path());
    let err = Store::open(dir.path(), OpenMode::ReadWrite)
        .err()
        .expect("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("another tidings"), "{msg}");
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(msg.contains("--data-dir"), "{msg}");
    assert!(msg.contains("read-only"), "{msg}");
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    drop(first);
    open_rw(dir.path());
}

#[test]
fn writer_keeps_the_lock_after_the_store_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let writer = Writer::spawn(&store).unwrap();
    drop(store);
    assert!(matches!(
        Store::open(dir.path(), OpenMode::ReadWrite).err(),
        Some(StoreError::Locked { .. })
    ));
    drop(writer);
    open_rw(dir.path());
}

#[test]
fn read_only_open_works_while_a_writer_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let rw = open_rw(dir.path());
    rw.insert_articles(&[article(FEED_A, 1)]).unwrap();
    let ro = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
    assert!(ro.notices.is_empty());
    let ro = ro.store;
    assert!(ro.is_read_only());
    assert_eq!(ro.load_articles().unwrap().len(), 1);
    rw.insert_articles(&[article(FEED_A, 2)]).unwrap();
    rw.set_read(&[article(FEED_A, 1).meta.id], true).unwrap();
    let now = ro.list_articles(true, None).unwrap();
    assert_eq!(now.len(), 1, "the reader sees the writer's commits");
    assert!(matches!(
        ro.set_read(&[article(FEED_A, 2).meta.id], true),
        Err(StoreError::ReadOnly)
    ));
    assert!(matches!(Writer::spawn(&ro), Err(StoreError::ReadOnly)));
}

#[test]
fn read_only_open_of_a_closed_store() {
    let dir = tempfile::tempdir().unwrap();
    let rw = open_rw(dir.path());
    rw.insert_articles(&[article(FEED_A, 1)]).unwrap();
    drop(rw);
    let ro = Store::open(dir.path(), OpenMode::ReadOnly).unwrap().store;
    assert_eq!(ro.load_articles().unwrap().len(), 1);
}

#[test]
fn read_only_open_of_a_missing_store_is_an_empty_view() {
    let dir = tempfile::tempdir().unwrap();
    let opened = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
    assert!(opened.store.load_articles().unwrap().is_empty());
    assert!(opened.store.load_feed_states().unwrap().is_empty());
    assert_eq!(opened.notices.len(), 1);
    assert!(
        opened.notices[0].contains("no store"),
        "{}",
        opened.notices[0]
    );
    assert!(
        !dir.path().join(DB_FILE).exists(),
        "read-only creates nothing"
    );
}

const CHILD_ENV: &str = "TIDINGS_STORE_TEST_CHILD_DIR";

/// Not a test on its own: the body of the child process of `second_process_is_locked_out`.
#[test]
fn child_process_holding_the_lock() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let _store = open_rw(Path::new(&dir));
    println!("CHILD-LOCKED");
    std::thread::sleep(std::time::Duration::from_secs(30));
}

#[test]
fn second_process_is_locked_out_until_the_first_dies() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_holding_the_lock",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("child exited early").unwrap();
        if line.contains("CHILD-LOCKED") {
            break;
        }
    }
    let err = Store::open(dir.path(), OpenMode::ReadWrite)
        .err()
        .expect("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!("pid {}", child.id())),
        "{err}"
    );
    // Read-only works alongside.
    Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
    // kill -9: the kernel releases the lock, no stale lock file blocks the next start.
    child.kill().unwrap();
    child.wait().unwrap();
    let store = open_rw(dir.path());
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
