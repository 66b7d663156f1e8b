//! The engine: everything slow (network, parsing, disk) runs here, off the UI thread.
//! Front ends talk to it only through `Command`s in and `Event`s out; it never touches the terminal.

mod ingest;
mod messages;
pub mod parse;
pub mod poll;
pub mod rehighlight;
mod runner;

pub use ingest::{poll_window, Ingest, MAX_WRITE_BACKLOG};
pub use messages::{Command, Event, Progress};
pub use runner::{start, EngineHandle, EngineSetup};
