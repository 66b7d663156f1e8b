//! The engine: everything slow (network, parsing, disk) runs here, off the UI thread.
//! Front ends talk to it only through `Command`s in and `Event`s out; it never touches the terminal.

pub mod download;
pub mod fulltext;
mod ingest;
mod messages;
/// The parser lives in `crate::parse` (config -> fetch -> parse -> store); kept here by name.
pub use crate::parse;
pub mod poll;
pub mod priority;
mod receive;
pub mod rehighlight;
mod runner;
mod select;
mod sync_job;

pub use download::{DownloadDone, EnclosureError};
pub use fulltext::FullTextError;
pub use ingest::{poll_window, MAX_WRITE_BACKLOG};
pub use messages::{
    Command, Event, Feeds, FullTextTotals, NotifyArticle, Progress, RefreshMode, RefreshRequest,
    RunTotals, SyncState, SyncStatus,
};
pub use poll::PollStatus;
pub use receive::next_event;
pub use runner::{start, start_with_sync, EngineHandle, EngineSetup, Polling};
pub use select::waits;
pub use sync_job::SyncStart;

/// The async runtime the engine runs on: a worker per core, and few blocking threads.
/// Parsing runs on blocking threads and is CPU work: more of them than cores only adds
/// memory (each thread gets its own malloc arena) and no speed. Every thread of it runs at a
/// lower priority than the writer and the UI (see [`priority`]).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tidings-engine")
        .max_blocking_threads(cores * 2)
        .on_thread_start(priority::lower_this_thread)
        .build()
}
