//! The byte budget: how many bytes of fetched documents all fetches of one `Fetcher` may hold
//! at once (bodies being read, then, in the engine, the parsed feed until its articles are
//! handed to the store writer). Only counts and waits; never allocates or reads anything.
//!
//! A fetch reserves a body's `Content-Length` before reading it (or reserves as the body
//! grows when the length is unknown) and the reservation lives as long as the [`Held`] that
//! carries it. Deadlock-free by construction: a fetch that must wait for more gives back
//! what it holds first, so every waiter holds nothing of its own, and the semaphore serves
//! waiters in order (bytes given back go to the first waiter until it has all it asked
//! for); a body larger than the whole budget waits for all of it and then goes through
//! alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Reserve at least this much when a body of unknown length grows, so that a body read in
/// small chunks does not touch the semaphore for each.
const STEP: u64 = 64 << 10;

/// The bytes all fetches may hold at once. Cheap to clone: clones share the budget.
#[derive(Clone, Debug)]
pub struct ByteBudget {
    semaphore: Arc<Semaphore>,
    total: u32,
}

/// Bytes reserved from a [`ByteBudget`]; given back when dropped.
#[derive(Debug, Default)]
pub struct Held {
    permit: Option<OwnedSemaphorePermit>,
}

/// Time a fetch spent waiting for the budget (finished waits, and the one in progress), so
/// that its timeout can leave it out: waiting for memory is not the server being slow.
#[derive(Debug)]
pub struct Waited {
    base: Instant,
    /// Finished waits, in nanoseconds.
    total: AtomicU64,
    /// When the wait in progress started (nanoseconds after `base`, plus 1); 0 when none is.
    since: AtomicU64,
}

impl Default for Waited {
    fn default() -> Self {
        Waited {
            base: Instant::now(),
            total: AtomicU64::new(0),
            since: AtomicU64::new(0),
        }
    }
}

impl Waited {
    /// All the time waited so far, the wait in progress included.
    pub fn so_far(&self) -> Duration {
        let mut nanos = self.total.load(Ordering::Relaxed);
        let since = self.since.load(Ordering::Relaxed);
        if since > 0 {
            nanos += self.now().saturating_sub(since - 1);
        }
        Duration::from_nanos(nanos)
    }

    fn now(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }

    fn begin(&self) {
        self.since.store(self.now() + 1, Ordering::Relaxed);
    }

    fn end(&self) {
        let since = self.since.swap(0, Ordering::Relaxed);
        if since > 0 {
            let spent = self.now().saturating_sub(since - 1);
            self.total.fetch_add(spent, Ordering::Relaxed);
        }
    }
}

impl Held {
    /// Bytes reserved.
    pub fn bytes(&self) -> u64 {
        self.permit.as_ref().map_or(0, |p| p.num_permits() as u64)
    }
}

impl ByteBudget {
    /// A budget of `bytes` (at least 1 byte, at most 4 GiB).
    pub fn new(bytes: u64) -> ByteBudget {
        let total = bytes.clamp(1, u64::from(u32::MAX)) as u32;
        ByteBudget {
            semaphore: Arc::new(Semaphore::new(total as usize)),
            total,
        }
    }

    /// The whole budget in bytes.
    pub fn total(&self) -> u64 {
        u64::from(self.total)
    }

    /// Bytes not reserved by anyone now.
    pub fn available(&self) -> u64 {
        self.semaphore.available_permits() as u64
    }

    /// Makes `held` cover `bytes` (at most the whole budget), waiting if need be; the time
    /// spent waiting is counted in `waited`.
    pub async fn reserve(&self, held: &mut Held, bytes: u64, waited: &Waited) {
        let want = bytes.min(self.total());
        let have = held.bytes();
        if have >= want {
            return;
        }
        let extra = (want - have) as u32;
        match Arc::clone(&self.semaphore).try_acquire_many_owned(extra) {
            Ok(more) => match &mut held.permit {
                Some(permit) => permit.merge(more),
                None => held.permit = Some(more),
            },
            Err(_) => {
                // Give back what is held before waiting: a waiter never holds any of the
                // budget, so holders can always finish and the queue always moves.
                held.permit = None;
                waited.begin();
                let permit = Arc::clone(&self.semaphore)
                    .acquire_many_owned(want as u32)
                    .await
                    .expect("the byte budget's semaphore is never closed");
                waited.end();
                held.permit = Some(permit);
            }
        }
    }

    /// Like [`ByteBudget::reserve`] for a body of unknown length that has reached `len`
    /// bytes: reserves in steps, so most chunks cost nothing.
    pub async fn grow(&self, held: &mut Held, len: u64, waited: &Waited) {
        if len <= held.bytes() {
            return;
        }
        let step = (len - held.bytes()).max(STEP);
        self.reserve(held, held.bytes() + step, waited).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn reservations_are_given_back_on_drop() {
        let budget = ByteBudget::new(1000);
        let waited = Waited::default();
        let mut a = Held::default();
        budget.reserve(&mut a, 600, &waited).await;
        assert_eq!(a.bytes(), 600);
        assert_eq!(budget.available(), 400);
        budget.reserve(&mut a, 700, &waited).await;
        assert_eq!(a.bytes(), 700);
        drop(a);
        assert_eq!(budget.available(), 1000);
        assert_eq!(waited.so_far(), Duration::ZERO);
    }

    #[tokio::test]
    async fn a_body_larger_than_the_budget_goes_through_alone() {
        let budget = ByteBudget::new(1000);
        let waited = Waited::default();
        let mut small = Held::default();
        budget.reserve(&mut small, 10, &waited).await;
        let big = {
            let budget = budget.clone();
            tokio::spawn(async move {
                let waited = Waited::default();
                let mut big = Held::default();
                budget.reserve(&mut big, 50_000, &waited).await;
                big.bytes()
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!big.is_finished(), "the big one waits for the small one");
        drop(small);
        let got = tokio::time::timeout(Duration::from_secs(5), big)
            .await
            .expect("the big one went through")
            .unwrap();
        assert_eq!(got, 1000, "it holds the whole budget");
        assert_eq!(budget.available(), 1000);
    }

    #[tokio::test]
    async fn two_growing_bodies_never_deadlock() {
        // Each holds half, then both want more than is left: the one that waits gives its
        // half back first, so the other finishes, and then the first.
        let budget = ByteBudget::new(1000);
        let run = |budget: ByteBudget| async move {
            let waited = Waited::default();
            let mut held = Held::default();
            budget.reserve(&mut held, 500, &waited).await;
            tokio::time::sleep(Duration::from_millis(10)).await;
            budget.reserve(&mut held, 900, &waited).await;
            tokio::time::sleep(Duration::from_millis(10)).await;
            held.bytes()
        };
        let a = tokio::spawn(run(budget.clone()));
        let b = tokio::spawn(run(budget.clone()));
        let both = tokio::time::timeout(Duration::from_secs(5), async {
            (a.await.unwrap(), b.await.unwrap())
        })
        .await
        .expect("no deadlock");
        assert_eq!(both, (900, 900));
        assert_eq!(budget.available(), 1000);
    }

    #[tokio::test]
    async fn growth_reserves_in_steps() {
        let budget = ByteBudget::new(1 << 20);
        let waited = Waited::default();
        let mut held = Held::default();
        budget.grow(&mut held, 100, &waited).await;
        assert_eq!(held.bytes(), STEP);
        budget.grow(&mut held, STEP, &waited).await;
        assert_eq!(held.bytes(), STEP);
        budget.grow(&mut held, STEP + 1, &waited).await;
        assert_eq!(held.bytes(), 2 * STEP);
    }
}
