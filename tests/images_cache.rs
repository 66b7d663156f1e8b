//! The on-disk image cache in a temporary directory: the size bound holds over many entries
//! of different sizes, the least recently used entries go first (a read counts as a use),
//! the order and the totals survive a restart, a lowered bound is applied at open, and a
//! damaged entry is deleted and reported as a miss, never as an error.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use tidings::images::ImageCache;

fn url(n: usize) -> String {
    format!("https://img.example/{n}.png")
}

fn body(n: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + n) as u8).collect()
}

/// Entry files in the cache directory.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn on_disk(dir: &Path) -> u64 {
    files(dir)
        .iter()
        .map(|p| fs::metadata(p).unwrap().len())
        .sum()
}

#[test]
fn stays_within_its_bound_over_many_entries() {
    let dir = tempfile::tempdir().unwrap();
    let bound = 50_000;
    let cache = ImageCache::open(dir.path(), bound).unwrap();
    for n in 0..300 {
        // 1 to ~4 KB, so that evictions remove one or several entries.
        cache.put(&url(n), &body(n, 1000 + (n * 37) % 3000));
        assert!(
            cache.total_bytes() <= bound,
            "entry {n}: {}",
            cache.total_bytes()
        );
    }
    assert_eq!(cache.total_bytes(), on_disk(dir.path()));
    assert_eq!(cache.len(), files(dir.path()).len());
    assert!(
        cache.total_bytes() > bound / 2,
        "the bound is used, not emptied"
    );
    // The newest entries are there, the oldest are gone.
    assert_eq!(
        cache.get(&url(299)),
        Some(body(299, 1000 + (299 * 37) % 3000))
    );
    assert!(cache.get(&url(0)).is_none());
    assert!(!cache.contains(&url(1)));
}

#[test]
fn least_recently_used_goes_first_and_a_read_is_a_use() {
    let dir = tempfile::tempdir().unwrap();
    let one = body(0, 1000).len() as u64 + 64;
    // Room for ten entries (each is the body plus a small header).
    let cache = ImageCache::open(dir.path(), one * 10).unwrap();
    for n in 0..10 {
        cache.put(&url(n), &body(n, 1000));
    }
    assert_eq!(cache.len(), 10);
    // Entry 0 is read: entry 1 is now the least recently used.
    assert!(cache.get(&url(0)).is_some());
    cache.put(&url(10), &body(10, 1000));
    assert!(cache.contains(&url(0)), "read recently: kept");
    assert!(!cache.contains(&url(1)), "least recently used: evicted");
    assert!(cache.contains(&url(2)));
    // Replacing an entry does not count it twice.
    cache.put(&url(2), &body(2, 500));
    assert_eq!(cache.total_bytes(), on_disk(dir.path()));
    assert_eq!(cache.get(&url(2)), Some(body(2, 500)));
}

#[test]
fn an_image_larger_than_the_bound_is_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ImageCache::open(dir.path(), 2_000).unwrap();
    cache.put(&url(1), &body(1, 500));
    cache.put(&url(2), &body(2, 5_000));
    assert!(cache.contains(&url(1)), "the small one stays");
    assert!(!cache.contains(&url(2)));
    assert_eq!(files(dir.path()).len(), 1);
}

#[test]
fn order_and_totals_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = ImageCache::open(dir.path(), 1_000_000).unwrap();
        for n in 0..6 {
            cache.put(&url(n), &body(n, 1000));
        }
    }
    // The last use is the file's modification time: make entry 3 the oldest, then the
    // others in order, as if they had been used at those times.
    let base = SystemTime::now() - Duration::from_secs(3600);
    let mut order = vec![3, 0, 1, 2, 4, 5];
    for (i, n) in order.iter().enumerate() {
        let path = files(dir.path())
            .into_iter()
            .find(|p| {
                fs::read(p)
                    .unwrap()
                    .windows(url(*n).len())
                    .any(|w| w == url(*n).as_bytes())
            })
            .unwrap();
        let file = fs::File::options().append(true).open(path).unwrap();
        file.set_modified(base + Duration::from_secs(i as u64))
            .unwrap();
    }
    let reopened = ImageCache::open(dir.path(), 1_000_000).unwrap();
    assert_eq!(reopened.len(), 6);
    assert_eq!(reopened.total_bytes(), on_disk(dir.path()));
    drop(reopened);
    // Reopened with room for four: the two least recently used (3, then 0) go.
    let one = on_disk(dir.path()) / 6;
    let smaller = ImageCache::open(dir.path(), one * 4).unwrap();
    assert_eq!(smaller.len(), 4);
    order.drain(..2);
    for n in [3, 0] {
        assert!(!smaller.contains(&url(n)), "entry {n} should be evicted");
    }
    for n in order {
        assert!(smaller.contains(&url(n)), "entry {n} should stay");
    }
    assert_eq!(smaller.total_bytes(), on_disk(dir.path()));
}

#[test]
fn a_damaged_entry_is_deleted_and_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ImageCache::open(dir.path(), 1_000_000).unwrap();
    cache.put(&url(1), &body(1, 1000));
    cache.put(&url(2), &body(2, 1000));
    let before = cache.total_bytes();
    // Entry 1 is cut short (a crash while the disk was full), entry 2 overwritten with junk.
    for (n, damage) in [(1usize, 0u8), (2, 1)] {
        let path = files(dir.path())
            .into_iter()
            .find(|p| {
                fs::read(p)
                    .unwrap()
                    .windows(url(n).len())
                    .any(|w| w == url(n).as_bytes())
            })
            .unwrap();
        if damage == 0 {
            let data = fs::read(&path).unwrap();
            fs::write(&path, &data[..data.len() - 10]).unwrap();
        } else {
            fs::write(&path, b"not an entry at all").unwrap();
        }
    }
    assert_eq!(cache.get(&url(1)), None);
    assert_eq!(cache.get(&url(2)), None);
    assert!(cache.is_empty());
    assert_eq!(cache.total_bytes(), 0);
    assert!(before > 0);
    assert!(files(dir.path()).is_empty(), "damaged entries are deleted");
    // And the cache goes on working.
    cache.put(&url(1), &body(1, 10));
    assert_eq!(cache.get(&url(1)), Some(body(1, 10)));
}

#[test]
fn leftovers_of_a_crash_are_removed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("0123456789abcdef.img.tmp-1-0"),
        b"half written",
    )
    .unwrap();
    let cache = ImageCache::open(dir.path(), 1_000_000).unwrap();
    assert!(cache.is_empty());
    assert!(files(dir.path()).is_empty());
}
