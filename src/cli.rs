//! Command-line arguments. Names here are a contract with users and scripts: add, never rename.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A fast, keyboard-driven terminal newsreader for RSS, Atom and JSON Feed.
///
/// Without a command, starts the reader. Exit status: 0 on success, 1 when `refresh` polled
/// failing feeds, `show` found no such article, `sync` failed or `download` failed, 2 on any
/// error (bad config, locked store...).
#[derive(Debug, Parser)]
#[command(name = "tidings", version = env!("TIDINGS_VERSION"), about, long_about)]
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
    /// Fetch feeds now and print one line per feed, then totals. By default every feed is
    /// polled except those whose server asked to wait (Retry-After) or that back off after
    /// failures; exit status 1 when a polled feed failed
    Refresh(RefreshArgs),
    /// List stored articles, newest first
    List(ListArgs),
    /// List the stored articles a query matches: `tidings search QUERY` is
    /// `tidings list --query QUERY` (and takes the same flags)
    Search(SearchArgs),
    /// Print each view of the config with its unread and total counts
    Views(ViewsArgs),
    /// Print the cleaned text of one article
    Show(ShowArgs),
    /// Download an article's enclosure (a podcast episode) to download_dir, resuming a
    /// partial download; prints the file's path (progress on stderr when it is a terminal).
    /// Exit status 1 when there is no such article or enclosure, or the download failed (a
    /// partial file stays for the next try)
    Download(DownloadArgs),
    /// Subscribe to a feed: give its url, or a web page's url to use the feed the page names.
    /// The feed is fetched and must parse; then a [[feeds]] table is appended to the config
    /// file (existing text and comments are kept; the file is created if missing). Exit
    /// status 1 when nothing was added (already subscribed, no feed, network error, not a
    /// feed), 2 on a usage error (a page with several feeds and no terminal to ask on)
    Add(AddArgs),
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
    /// Sync with the feed server of [sync]: send local read/starred changes, then fetch
    /// subscriptions, new articles and flags; one summary line (exit 1 when it failed: the
    /// changes stay queued)
    Sync(SyncArgs),
    /// Print a completion script for SHELL to stdout (install lines in the README)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout, e.g.
    /// `tidings man > ~/.local/share/man/man1/tidings.1`
    Man,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// First subscribe the server to the local [[feeds]] it does not have (prints each one)
    #[arg(long)]
    pub push_feeds: bool,
}

#[derive(Debug, Args, Default)]
pub struct RefreshArgs {
    /// Poll every feed, even one whose server asked to wait or that backs off after failures
    #[arg(long, conflicts_with = "due")]
    pub force: bool,
    /// Poll only feeds whose schedule is due (refresh interval, the feed's ttl, the server's
    /// max-age, and the waits above): for cron
    #[arg(long)]
    pub due: bool,
    /// Notify about the new articles that match the config's `notify` query: one
    /// notification for the whole run, by `notify_command`, and by the terminal when stderr
    /// is one (`notify_terminal`): for cron
    #[arg(long)]
    pub notify: bool,
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
    /// Only articles with enclosures (podcast episodes...), each followed by its enclosures
    #[arg(long)]
    pub enclosures: bool,
    /// Only the articles kill rules ([[ignore]] with action = "hide") hid
    #[arg(long)]
    pub ignored: bool,
    /// At most N articles
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// `json`: one article per line (JSON Lines)
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
    /// Colour and style the output. `auto`: when stdout is a terminal and NO_COLOR is not set
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Wrap to this many columns [default: the terminal width, else 80]
    #[arg(long, value_name = "COLUMNS")]
    pub width: Option<u16>,
    /// Mark the article read
    #[arg(long)]
    pub mark_read: bool,
    /// Print the full article from its web page (fetched and extracted, or the copy saved by
    /// an earlier fetch) instead of the feed's text. If that fails, the feed's text is
    /// printed, the reason goes to stderr and the exit status is 1
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Article id as `tidings list` prints it (a unique prefix is enough)
    pub id: String,
    /// Which enclosure, when the article has several (1 is the first)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub enclosure: u16,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A feed url, or a web page that names its feed (`<link rel="alternate">`); without a
    /// scheme, https:// is assumed
    pub url: String,
    /// Show the feed under this title instead of its own
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,
    /// Tag the feed (repeat for several tags)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// When the page names several feeds, take the first instead of asking
    #[arg(long)]
    pub first: bool,
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
