//! `--demo` for the headless commands: each run starts from an empty throw-away store, so
//! before a command that reads articles (`list`, `show`...) the engine polls the demo's feeds
//! (local files: a few ms) into it, quietly. Never used without `--demo`.

use crate::app::{AppError, Environment};
use crate::engine::{Event, RefreshMode};

/// Polls every demo feed into the demo's store and waits until the articles are committed.
pub fn fill(env: &Environment) -> Result<(), AppError> {
    let (engine, mut events) = env.start_refresh(RefreshMode::Force)?;
    // Quiet: the command's own output follows. (The engine's notices, like the demo's kill
    // rule catching articles, are what `tidings --demo refresh` is for.)
    let mut finished = false;
    while let Some(event) = crate::engine::next_event(&mut events) {
        if let Event::RunFinished(totals) = event {
            if totals.write_errors > 0 {
                eprintln!("tidings: the demo's articles could not all be stored");
            }
            finished = true;
            break;
        }
    }
    // Returns once every write is flushed and the store's lock is released.
    engine.shutdown();
    if finished {
        Ok(())
    } else {
        Err(AppError::EngineStopped)
    }
}
