//! Waiting for a data dir's lock (`tidings.lock`) to be free, before a test starts a
//! read-write `tidings` (or opens the store read-write) on a data dir that something just
//! let go of: a `Store` of this process, a reader that quit, a child `tidings` that exited.
//! The store unlocks explicitly when dropped, so this is only a guard against a release that
//! lags on a loaded machine; a lock that is never released still fails the test.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a lock may stay held before the test fails.
const LIMIT: Duration = Duration::from_secs(30);

/// Returns once nobody holds the lock of `data_dir` (at once when no store was ever opened
/// there). The probe takes the lock and unlocks it explicitly, so a copy of its descriptor
/// in a child spawned meanwhile holds nothing.
pub fn wait_for_unlock(data_dir: &Path) {
    let path = data_dir.join(tidings::store::LOCK_FILE);
    let deadline = Instant::now() + LIMIT;
    loop {
        let Ok(file) = File::open(&path) else {
            return;
        };
        match file.try_lock() {
            Ok(()) => {
                file.unlock().unwrap();
                return;
            }
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => panic!("locking {}: {e}", path.display()),
        }
        assert!(
            Instant::now() < deadline,
            "{} stayed locked for {LIMIT:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
