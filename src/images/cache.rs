//! The on-disk image cache: one file per image url under `<data dir>/images/`, bounded in
//! bytes, least recently used first out. The last use of an entry is its file's modification
//! time, so the order survives restarts. A damaged entry is deleted and counts as a miss: the
//! cache never fails a load. Blocking file I/O: call it from blocking threads only.
//!
//! An entry is `MAGIC`, the url's length (u32 LE) and bytes, the body's length (u64 LE) and
//! the body, written to a temporary file and renamed into place.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

const MAGIC: &[u8] = b"tidings-image 1\n";
const EXT: &str = "img";
/// Marks a file being written (left over only by a crash; removed at open).
const TMP: &str = ".tmp";

/// See the module doc. Shared between loading tasks (`&self` everywhere).
#[derive(Debug)]
pub struct ImageCache {
    dir: PathBuf,
    bound: u64,
    index: Mutex<Index>,
    /// Numbers temporary files.
    writes: AtomicU64,
}

#[derive(Debug, Default)]
struct Index {
    entries: HashMap<String, Entry>,
    total: u64,
    /// Last-use ticks: higher is more recent.
    clock: u64,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    size: u64,
    used: u64,
}

impl ImageCache {
    /// Opens (creating) the cache in `dir`, holding at most `bound` bytes: lists the entries,
    /// oldest use first, removes left-over temporary files, and evicts down to the bound (it
    /// may have been lowered).
    pub fn open(dir: &Path, bound: u64) -> io::Result<ImageCache> {
        fs::create_dir_all(dir)?;
        let mut found: Vec<(String, u64, SystemTime)> = Vec::new();
        for item in fs::read_dir(dir)? {
            let Ok(item) = item else { continue };
            let name = item.file_name().to_string_lossy().into_owned();
            let Ok(meta) = item.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            if name.contains(TMP) {
                let _ = fs::remove_file(item.path());
                continue;
            }
            if !name.ends_with(&format!(".{EXT}")) {
                continue;
            }
            let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((name, meta.len(), used));
        }
        found.sort_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.cmp(&b.0)));
        let mut index = Index::default();
        for (name, size, _) in found {
            index.clock += 1;
            index.total += size;
            let used = index.clock;
            index.entries.insert(name, Entry { size, used });
        }
        let cache = ImageCache {
            dir: dir.to_path_buf(),
            bound,
            index: Mutex::new(index),
            writes: AtomicU64::new(0),
        };
        cache.evict();
        Ok(cache)
    }

    /// The bound, in bytes.
    pub fn bound(&self) -> u64 {
        self.bound
    }

    /// Bytes on disk (entries only).
    pub fn total_bytes(&self) -> u64 {
        self.lock().total
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `url` has an entry (without counting as a use).
    pub fn contains(&self, url: &str) -> bool {
        self.lock().entries.contains_key(&file_name(url))
    }

    /// The body stored for `url`, and a use of it. A damaged entry is deleted: `None`.
    pub fn get(&self, url: &str) -> Option<Vec<u8>> {
        let name = file_name(url);
        if !self.lock().entries.contains_key(&name) {
            return None;
        }
        let path = self.dir.join(&name);
        match fs::read(&path).ok().and_then(|data| parse(&data, url)) {
            Some(Parsed::Body(body)) => {
                self.touch(&name, &path);
                Some(body)
            }
            // Another url with the same hash: a miss, `put` replaces it.
            Some(Parsed::OtherUrl) => None,
            None => {
                self.forget(&name);
                None
            }
        }
    }

    /// Stores `body` for `url` (replacing any entry) and evicts the least recently used
    /// entries until the cache is within its bound. A body larger than the bound is not kept.
    /// Failures to write only mean the next load fetches again.
    pub fn put(&self, url: &str, body: &[u8]) {
        let size = entry_size(url, body);
        if size > self.bound {
            return;
        }
        let name = file_name(url);
        let n = self.writes.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!("{name}{TMP}-{}-{n}", std::process::id()));
        if write_entry(&tmp, url, body).is_err() {
            let _ = fs::remove_file(&tmp);
            return;
        }
        let mut index = self.lock();
        if fs::rename(&tmp, self.dir.join(&name)).is_err() {
            let _ = fs::remove_file(&tmp);
            return;
        }
        index.clock += 1;
        let used = index.clock;
        if let Some(old) = index.entries.insert(name, Entry { size, used }) {
            index.total -= old.size;
        }
        index.total += size;
        drop(index);
        self.evict();
    }

    /// Deletes the entry for `url` (it turned out not to decode).
    pub fn remove(&self, url: &str) {
        self.forget(&file_name(url));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn forget(&self, name: &str) {
        let mut index = self.lock();
        if let Some(old) = index.entries.remove(name) {
            index.total -= old.size;
        }
        let _ = fs::remove_file(self.dir.join(name));
    }

    /// Marks a use: in memory, and as the file's modification time for the next start.
    fn touch(&self, name: &str, path: &Path) {
        let mut index = self.lock();
        index.clock += 1;
        let clock = index.clock;
        if let Some(e) = index.entries.get_mut(name) {
            e.used = clock;
        }
        drop(index);
        if let Ok(file) = fs::File::options().append(true).open(path) {
            let _ = file.set_modified(SystemTime::now());
        }
    }

    /// Removes least recently used entries until the total is within the bound.
    fn evict(&self) {
        let mut index = self.lock();
        if index.total <= self.bound {
            return;
        }
        let mut by_use: Vec<(u64, String)> = index
            .entries
            .iter()
            .map(|(name, e)| (e.used, name.clone()))
            .collect();
        by_use.sort_unstable();
        for (_, name) in by_use {
            if index.total <= self.bound {
                break;
            }
            if let Some(e) = index.entries.remove(&name) {
                index.total -= e.size;
                let _ = fs::remove_file(self.dir.join(&name));
            }
        }
    }
}

/// The entry's file name: a 64-bit FNV-1a hash of the url, in hex (stable across builds,
/// unlike std's hasher). The url inside the entry settles collisions.
fn file_name(url: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in url.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}.{EXT}")
}

fn entry_size(url: &str, body: &[u8]) -> u64 {
    (MAGIC.len() + 4 + url.len() + 8 + body.len()) as u64
}

fn write_entry(path: &Path, url: &str, body: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    let url_len = u32::try_from(url.len()).map_err(|_| io::ErrorKind::InvalidInput)?;
    let mut head = Vec::with_capacity(MAGIC.len() + 12 + url.len());
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&url_len.to_le_bytes());
    head.extend_from_slice(url.as_bytes());
    head.extend_from_slice(&(body.len() as u64).to_le_bytes());
    file.write_all(&head)?;
    file.write_all(body)?;
    file.flush()
}

enum Parsed {
    Body(Vec<u8>),
    OtherUrl,
}

/// Reads an entry; `None` when it is damaged (bad header, wrong length).
fn parse(data: &[u8], url: &str) -> Option<Parsed> {
    let rest = data.strip_prefix(MAGIC)?;
    let (len, rest) = rest.split_first_chunk::<4>()?;
    let url_len = u32::from_le_bytes(*len) as usize;
    if rest.len() < url_len {
        return None;
    }
    let (stored_url, rest) = rest.split_at(url_len);
    let (len, body) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*len) != body.len() as u64 {
        return None;
    }
    if stored_url != url.as_bytes() {
        return Some(Parsed::OtherUrl);
    }
    Some(Parsed::Body(body.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_stable() {
        // Entries written by one build must be found by the next.
        assert_eq!(file_name(""), "cbf29ce484222325.img");
        assert_eq!(file_name("a"), "af63dc4c8601ec8c.img");
    }

    #[test]
    fn damaged_entries_do_not_parse() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        write_entry(&path, "u", b"body").unwrap();
        let good = fs::read(&path).unwrap();
        assert!(matches!(parse(&good, "u"), Some(Parsed::Body(b)) if b == b"body"));
        assert!(matches!(parse(&good, "v"), Some(Parsed::OtherUrl)));
        assert!(parse(&good[..good.len() - 1], "u").is_none());
        assert!(parse(&good[1..], "u").is_none());
        assert!(parse(b"", "u").is_none());
    }
}
