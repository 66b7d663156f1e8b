//! The writer gives its page cache back once it is idle after a refresh-sized write, so a
//! reader left running does not keep the cache of its last refresh (issue 11's soak). Alone
//! in its test binary: it reads SQLite's process-wide memory counter.

mod store_support;

use std::time::{Duration, Instant};

use store_support::*;
use tidings::store::{OpenMode, Store, WriteOp, Writer};

fn sqlite_memory_used() -> i64 {
    // SAFETY: a read of SQLite's own counter; takes no pointer.
    unsafe { rusqlite::ffi::sqlite3_memory_used() }
}

#[test]
fn the_writer_gives_its_page_cache_back_when_idle_after_a_big_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), OpenMode::ReadWrite).unwrap().store;
    let writer = Writer::spawn(&store).unwrap();
    let before = sqlite_memory_used();
    // About 4 MB of bodies: more than the 1 MiB that makes the cache worth giving back,
    // less than the 8 MiB cache, so it all stays cached after the commit.
    let filler = "<p>".to_string() + &"lorem ipsum dolor sit amet ".repeat(400) + "</p>";
    let items: Vec<_> = (0..400)
        .map(|n| {
            let mut a = article(FEED_A, n);
            a.body.content = format!("{filler}{n}");
            a
        })
        .collect();
    writer.send(WriteOp::InsertArticles(items));
    writer.try_flush().unwrap();
    let filled = sqlite_memory_used();
    assert!(
        filled > before + 3_000_000,
        "the write did not fill the cache: {before} -> {filled} bytes"
    );
    // Idle: after a second (and indexing the new bodies), the cache goes.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut now = filled;
    while now > before + 1_000_000 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        now = sqlite_memory_used();
    }
    assert!(
        now <= before + 1_000_000,
        "still {now} bytes in SQLite after the writer was idle (was {before}, {filled} after the write)"
    );
    // The articles are all there, and the writer still works.
    assert_eq!(store.load_articles().unwrap().len(), 400);
    writer.send(WriteOp::InsertArticles(vec![article(FEED_A, 1000)]));
    writer.try_flush().unwrap();
    assert_eq!(store.load_articles().unwrap().len(), 401);
}
