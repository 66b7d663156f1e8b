//! The terminal front end: state + `update` + `view`, and the run loop that owns the terminal.
//! It never waits on the network or the disk: slow work is the engine's, answered by events.
//!
//! Modules, each importing only those above it: `strings`, `theme`, `text`, `keys`,
//! `layout` (geometry), `details` (a feed's problem as lines), `list` (ordered article
//! lists), `feeds_pane` (rows, tag groups), `views` (saved views, the search, word hits),
//! `prompt` (the bottom prompt, search history), `undo`, `picture` (graphics protocol, image
//! encoding and drawing), `reader` (body cache, reader layout, image slots), `load` (start-up
//! reads), `live` (a config reloaded while running), `media` (enclosures and downloads),
//! `state`, `mouse` (what is under the pointer), `update` with `triage` (the triage keys),
//! `view`, and the face: `inbox`, `worker` (store look-ups), `subscriber` (`a`) and `run`
//! (the loop).

pub mod details;
pub mod feeds_pane;
pub mod inbox;
pub mod keys;
pub mod layout;
pub mod list;
pub mod live;
pub mod load;
pub mod media;
pub mod mouse;
pub mod picture;
pub mod prompt;
pub mod reader;
mod run;
pub mod state;
pub mod strings;
pub mod subscriber;
pub mod text;
pub mod theme;
mod triage;
pub mod undo;
pub mod update;
pub mod view;
pub mod views;
pub mod worker;

use std::io;
use std::path::PathBuf;

use crate::app::AppError;

pub use keys::{Keymap, KeymapError};
pub use live::{LiveConfig, LiveConfigError};
pub use load::{Loaded, Startup};
pub use run::run_tui;
pub use state::AppState;
pub use update::{update, Effect, Msg};
pub use view::view;

/// Why the TUI stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("{0}")]
    App(#[from] AppError),
    /// Key bindings come from the config file: say which one.
    #[error("error in config file {}, {error}", path.display())]
    Keymap { path: PathBuf, error: KeymapError },
    #[error("terminal error: {0}; is stdout a terminal? For scripts use `tidings list` or `tidings show`")]
    Terminal(#[from] io::Error),
}
