//! The `tidings` binary: parse arguments, run the reader or a headless command, and turn
//! errors into one clear paragraph on stderr with exit status 2.

use std::process::ExitCode;

use clap::Parser;

use tidings::cli::Cli;

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    // The face: the terminal reader, or a headless command.
    let result = match cli.command {
        None => tidings::ui::run_tui(&cli.global)
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| e.to_string()),
        Some(command) => tidings::headless::run(command, &cli.global).map_err(|e| e.to_string()),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("tidings: {error}");
            ExitCode::from(2)
        }
    }
}

/// glibc gives every thread that allocates its own malloc arena, and freed memory stays in
/// the arena it came from: with parse threads, tokio workers and the store writer passing
/// articles between them, a refresh's peak RSS grew by tens of MB of such slack. Four arenas
/// are plenty for a program whose hot work is I/O, a few parse threads and one writer
/// (measured on a 1,000 x 50 cold refresh: peak RSS 156 MB -> 144 MB, same wall time
/// within noise; with 2 arenas 136 MB but slower).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first thing in main, before any other thread exists; mallopt only sets
    // a tunable of the allocator.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 4);
        // Blocks of 64 KiB and more (feed bodies, decoded documents, batches) get their own
        // mapping, given back to the system when freed. glibc's default threshold grows up
        // to 32 MiB once such a block is freed, after which bodies came from the arenas and
        // the small allocations living between them kept freed pages resident (measured on
        // a cold 1,000 x 50 refresh: peak 118 MB -> 84 MB; the TUI 5 s after that refresh
        // 78 MB -> 63 MB, against 51 MB for a fresh start on the same store).
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 10);
    }
}
