//! `--demo` for the headless commands: each run starts from an empty throw-away store, so
//! before a command that reads articles (`list`, `show`...) the engine polls the demo's feeds
//! (local files: a few ms) into it, quietly. Never used without `--demo`.

use std::sync::Arc;

use crate::app::{AppError, Environment};
use crate::engine::{Command, Event, Polling, RefreshMode, RefreshRequest};

/// Polls every demo feed into the demo's store and waits until the articles are committed.
pub fn fill(env: &Environment) -> Result<(), AppError> {
    let highlighter = Arc::new(env.highlighter()?);
    let (store, _notices) = env.open_store()?;
    let mut engine = env.start_engine(store, highlighter, Polling::OnRequest)?;
    let mut events = engine.events.take().expect("events are taken once");
    let _ = engine
        .commands
        .send(Command::Refresh(RefreshRequest::all(RefreshMode::Force)));
    let mut finished = false;
    while let Some(event) = events.blocking_recv() {
        match event {
            Event::RunFinished(_) => {
                finished = true;
                break;
            }
            Event::Notice(text) => eprintln!("tidings: {text}"),
            _ => {}
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
