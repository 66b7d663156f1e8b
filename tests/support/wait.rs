//! Waiting on a condition that another thread or process makes true, with a deadline that
//! only a failing test reaches (instead of a fixed sleep that a loaded machine can outlast).

use std::time::{Duration, Instant};

/// Checks `done` every few milliseconds until it holds (true) or `limit` has passed (false).
pub fn until(limit: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    true
}
