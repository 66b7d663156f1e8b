//! The engine's threads give way to the store's writer and to the UI thread.
//!
//! A cold refresh is bound by the writer, the one thread that can commit articles: measured
//! on 1,000 x 50 on 2 cores, the writer was runnable 85% of the time but ran for only about
//! 60%, because fetching and parsing on the engine's threads took the cores from it, and it
//! then drained its backlog alone at the end. At a nice value of [`ENGINE_NICE`] the engine
//! fills whatever the writer leaves: 1.15 -> 1.08 s (median of 12 alternating runs). The
//! UI thread keeps the default priority, so keys win over engine work too.

/// The nice value of the engine's threads (Linux, where it is per thread; elsewhere it would
/// apply to the whole process, so nothing is changed).
pub const ENGINE_NICE: i32 = 5;

/// Lowers the calling thread's priority to [`ENGINE_NICE`], unless it is already lower (a
/// reader started under `nice -n 10` stays at 10). Called on every engine thread as it starts;
/// failure only means the thread keeps its priority.
pub fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain syscalls on the calling thread (who = 0), no pointers.
        unsafe {
            if libc::getpriority(libc::PRIO_PROCESS, 0) < ENGINE_NICE {
                libc::setpriority(libc::PRIO_PROCESS, 0, ENGINE_NICE);
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The calling thread's nice value.
    fn this_thread_nice() -> i32 {
        // SAFETY: a plain syscall on the calling thread.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }

    #[test]
    fn engine_threads_run_below_the_caller_and_blocking_threads_too() {
        let before = this_thread_nice();
        let runtime = crate::engine::runtime().unwrap();
        let (worker, blocking) = runtime.block_on(async {
            let worker = tokio::spawn(async { this_thread_nice() }).await.unwrap();
            let blocking = tokio::task::spawn_blocking(this_thread_nice).await.unwrap();
            (worker, blocking)
        });
        assert_eq!(worker, ENGINE_NICE.max(before));
        assert_eq!(blocking, ENGINE_NICE.max(before));
        // The thread that built the runtime (the UI thread, in the reader) is not changed.
        assert_eq!(this_thread_nice(), before);
    }

    #[test]
    fn a_thread_already_lower_is_left_alone() {
        std::thread::spawn(|| {
            // SAFETY: raising the nice value of the calling thread needs no privilege.
            unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 12) };
            lower_this_thread();
            assert_eq!(this_thread_nice(), 12);
        })
        .join()
        .unwrap();
    }
}
