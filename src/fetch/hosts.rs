//! Per-host concurrency limiter: one semaphore per `host:port`, created on demand.
//! Never blocks a thread: waiting happens on tokio semaphores.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Hands out at most `per_host` permits for each key at a time.
#[derive(Debug)]
pub struct HostLimiter {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Idle entries are pruned once the map grows past this many hosts.
const PRUNE_ABOVE: usize = 256;

impl HostLimiter {
    /// `per_host` of 0 is treated as 1 (0 would block every request forever).
    pub fn new(per_host: usize) -> HostLimiter {
        HostLimiter {
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a slot for `key` (FIFO among waiters for the same key).
    pub async fn acquire(&self, key: &str) -> OwnedSemaphorePermit {
        let semaphore = self.semaphore(key);
        semaphore
            .acquire_owned()
            .await
            .expect("host semaphores are never closed")
    }

    fn semaphore(&self, key: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = hosts.get(key) {
            return Arc::clone(s);
        }
        if hosts.len() >= PRUNE_ABOVE {
            // An entry nobody holds or waits on (only the map's reference left, all
            // permits free) carries no state and can go.
            let per_host = self.per_host;
            hosts.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < per_host);
        }
        let s = Arc::new(Semaphore::new(self.per_host));
        hosts.insert(key.to_string(), Arc::clone(&s));
        s
    }

    /// Number of hosts currently tracked (for tests).
    pub fn tracked_hosts(&self) -> usize {
        self.hosts.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_each_host_separately() {
        let limiter = HostLimiter::new(2);
        let a1 = limiter.acquire("a:80").await;
        let _a2 = limiter.acquire("a:80").await;
        // A third permit for a must wait; b is independent.
        let _b1 = limiter.acquire("b:80").await;
        let sem = limiter.semaphore("a:80");
        assert_eq!(sem.available_permits(), 0);
        drop(a1);
        assert_eq!(sem.available_permits(), 1);
    }

    #[tokio::test]
    async fn prunes_idle_hosts() {
        let limiter = HostLimiter::new(1);
        for i in 0..(PRUNE_ABOVE + 10) {
            let _p = limiter.acquire(&format!("h{i}:80")).await;
        }
        assert!(limiter.tracked_hosts() <= PRUNE_ABOVE);
    }
}
