//! Gives memory back to the system once a run is over (the engine) or the store's writer is
//! idle. A refresh frees most of what it allocated (bodies, parsed feeds, the writer's
//! queue, the writer's page cache), but glibc keeps freed pages in its arenas for reuse, so
//! a reader left running stayed at the refresh's peak. Only asks the allocator; never frees
//! or touches anything the program holds.

/// Returns the free pages of every malloc arena to the system (glibc's `malloc_trim`); a
/// no-op elsewhere. Takes a few milliseconds on a heap of 100 MB: call it off the UI thread,
/// once per run, not per event.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas; it is
    // thread-safe (it locks each arena) and takes no pointer.
    unsafe {
        libc::malloc_trim(0);
    }
}
