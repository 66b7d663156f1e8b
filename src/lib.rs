//! tidings: a terminal newsreader for RSS, Atom and JSON Feed.
//!
//! The domain (config, fetch, parse, clean, highlight, images, store) knows nothing of the
//! terminal; the headless CLI and the TUI are two front ends on the same engine.

pub mod app;
pub mod clean;
pub mod cli;
pub mod config;
pub mod config_watch;
pub mod demo;
pub mod engine;
pub mod fetch;
pub mod headless;
pub mod highlight;
pub mod images;
pub mod memory;
pub mod model;
pub mod notify;
pub mod opml;
pub mod parse;
pub mod paths;
pub mod query;
pub mod readability;
pub mod store;
pub mod styled;
pub mod subscribe;
pub mod sync;
pub mod ui;
