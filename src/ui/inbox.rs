//! The run loop's mailbox: input (keys, resizes) in one queue, engine events in another, so
//! the loop always takes every waiting key before any event, however many events wait. The
//! input thread, the engine-forwarding thread and the background load put; the run loop
//! alone takes. Never blocks a producer.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::engine::Event;

use super::update::Msg;

#[derive(Default)]
struct Queues {
    /// Keys, resizes and the background load's answer, in arrival order.
    input: VecDeque<Msg>,
    events: VecDeque<Event>,
}

/// See the module doc.
#[derive(Default)]
pub struct Inbox {
    queues: Mutex<Queues>,
    ready: Condvar,
    /// Set while `input` is not empty: read without the lock between batches of events.
    input_waiting: AtomicBool,
}

impl Inbox {
    pub fn new() -> Arc<Inbox> {
        Arc::new(Inbox::default())
    }

    fn lock(&self) -> MutexGuard<'_, Queues> {
        // A producer that panicked left the queues intact (every change is one push).
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A key, a resize, or the background load's answer: taken before any engine event.
    pub fn push_input(&self, msg: Msg) {
        self.lock().input.push_back(msg);
        self.input_waiting.store(true, Ordering::Release);
        self.ready.notify_one();
    }

    pub fn push_event(&self, event: Event) {
        self.lock().events.push_back(event);
        self.ready.notify_one();
    }

    /// Waits until something is queued, or `timeout` passes.
    pub fn wait(&self, timeout: Duration) {
        let queues = self.lock();
        if !queues.input.is_empty() || !queues.events.is_empty() {
            return;
        }
        let _ = self.ready.wait_timeout_while(queues, timeout, |q| {
            q.input.is_empty() && q.events.is_empty()
        });
    }

    /// Whether input waits (cheap: no lock).
    pub fn input_waiting(&self) -> bool {
        self.input_waiting.load(Ordering::Acquire)
    }

    /// Every queued input message, oldest first.
    pub fn take_input(&self) -> Vec<Msg> {
        let mut queues = self.lock();
        self.input_waiting.store(false, Ordering::Release);
        queues.input.drain(..).collect()
    }

    /// Up to `max` engine events, oldest first.
    pub fn take_events(&self, max: usize) -> Vec<Event> {
        let mut queues = self.lock();
        let n = queues.events.len().min(max);
        queues.events.drain(..n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Progress;

    #[test]
    fn input_is_taken_apart_from_events() {
        let inbox = Inbox::new();
        for _ in 0..5 {
            inbox.push_event(Event::Progress(Progress::default()));
        }
        assert!(!inbox.input_waiting());
        inbox.push_input(Msg::Resize(10, 10));
        assert!(inbox.input_waiting());
        inbox.wait(Duration::from_secs(5));
        assert_eq!(inbox.take_input(), vec![Msg::Resize(10, 10)]);
        assert!(!inbox.input_waiting());
        assert_eq!(inbox.take_events(3).len(), 3);
        assert_eq!(inbox.take_events(3).len(), 2);
        assert!(inbox.take_events(3).is_empty());
    }

    #[test]
    fn wait_wakes_on_a_push_from_another_thread() {
        let inbox = Inbox::new();
        let producer = inbox.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            producer.push_input(Msg::Resize(1, 1));
        });
        let started = std::time::Instant::now();
        inbox.wait(Duration::from_secs(30));
        assert!(started.elapsed() < Duration::from_secs(30));
        assert_eq!(inbox.take_input().len(), 1);
        t.join().unwrap();
    }
}
