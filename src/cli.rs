//! Command-line arguments. Names here are a contract with users and scripts: add, never rename.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A fast, keyboard-driven terminal newsreader for RSS, Atom and JSON Feed.
///
/// Without a command, starts the reader. Exit status: 0 on success, 1 when `refresh` had
/// failing feeds or `show` found no such article, 2 on any error (bad config, locked store...).
#[derive(Debug, Parser)]
#[command(name = "tidings", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<CommandArgs>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Config file [default: $TIDINGS_CONFIG, else the platform config dir's tidings/config.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Where read/starred state and articles are stored [default: $TIDINGS_DATA_DIR, else the platform data dir]
    #[arg(long, global = true, value_name = "PATH")]
    pub data_dir: Option<PathBuf>,

    /// Use the bundled demo feeds and a throw-away data dir (fully offline)
    #[arg(long, global = true)]
    pub demo: bool,

    /// Draw the first full frame, then exit (for start-up benchmarks)
    #[arg(long, global = true, hide = true)]
    pub exit_after_first_frame: bool,
}

#[derive(Debug, Subcommand)]
pub enum CommandArgs {
    /// Fetch every feed now and print one line per feed, then totals
    Refresh,
    /// List stored articles, newest first
    List(ListArgs),
    /// List the stored articles a query matches: `tidings search QUERY` is
    /// `tidings list --query QUERY` (and takes the same flags)
    Search(SearchArgs),
    /// Print each view of the config with its unread and total counts
    Views(ViewsArgs),
    /// Print the cleaned text of one article
    Show(ShowArgs),
    /// Add the feeds of an OPML file to the config file (existing text and comments are kept)
    ImportOpml {
        /// OPML file to read
        file: PathBuf,
    },
    /// Print the configured feeds as OPML 2.0
    ExportOpml,
    /// Write read and starred flags as JSON (to FILE, or stdout)
    ExportState { file: Option<PathBuf> },
    /// Apply read and starred flags from a JSON file made by export-state
    ImportState { file: PathBuf },
    /// Remove stored feeds that are no longer in the config, and apply retention rules
    Gc,
    /// Replace the url of every feed that moved (a permanent redirect, or a web page that names
    /// its feed) in the config file, keeping the feed's read and starred state
    UpdateUrls {
        /// Only print what would change
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only articles matching QUERY, e.g. 'unread tag:rust -title:sponsored' (see README)
    #[arg(long, value_name = "QUERY")]
    pub query: Option<String>,
    #[command(flatten)]
    pub filters: ListFilters,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query, e.g. '"open source" or rust*' (the language of `list --query`, see README)
    pub query: String,
    #[command(flatten)]
    pub filters: ListFilters,
}

/// What `list` and `search` print besides the query.
#[derive(Debug, Args, Default)]
pub struct ListFilters {
    /// Only unread articles
    #[arg(long)]
    pub unread: bool,
    /// Only starred articles
    #[arg(long)]
    pub starred: bool,
    /// Only articles of feeds whose title (or url) contains TITLE, case-insensitively
    #[arg(long, value_name = "TITLE")]
    pub feed: Option<String>,
    /// Only articles matching a highlight rule
    #[arg(long)]
    pub highlighted: bool,
    /// Only the articles kill rules ([[ignore]] with action = "hide") hid
    #[arg(long)]
    pub ignored: bool,
    /// At most N articles
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Plain)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ViewsArgs {
    /// `json`: one view per line (JSON Lines)
    #[arg(long, value_enum, default_value_t = Format::Plain)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Article id as `tidings list` prints it (a unique prefix is enough)
    pub id: String,
    /// Colour and style the output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Wrap to this many columns [default: the terminal width, else 80]
    #[arg(long, value_name = "COLUMNS")]
    pub width: Option<u16>,
    /// Mark the article read
    #[arg(long)]
    pub mark_read: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    #[default]
    Plain,
    /// JSON Lines: one article per line
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal
    Auto,
    Always,
    Never,
}
