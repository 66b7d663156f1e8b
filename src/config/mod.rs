//! The user's configuration: reads and validates the TOML file into plain typed settings.
//! Every mistake is reported with file, line and column; this module never panics on input,
//! never touches the network, and never writes the config file.

mod browser;
mod color;
mod error;
mod raw;
mod sync;
mod units;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::model::FeedId;
use crate::query::{IgnoreRule, Query};

pub use browser::split_command_line;
pub use color::{Color, NamedColor};
pub use error::{ConfigError, Location};
pub use sync::{is_loopback_url, PasswordSource, Secret, SyncBackend, SyncConfig};
pub use units::{parse_duration, parse_size};

/// The example `notify_command` shown in messages and docs.
pub const NOTIFY_COMMAND_EXAMPLE: &str = r#"["notify-send", "{count} new: {title}"]"#;

/// Default `refresh_interval`: 30 minutes.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(30 * 60);
/// Default `max_concurrent_fetches`.
pub const DEFAULT_MAX_CONCURRENT_FETCHES: usize = 32;
/// Default `max_per_host`.
pub const DEFAULT_MAX_PER_HOST: usize = 2;
/// Default `timeout` (total, per request).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `max_body_size`: 20 MiB after decompression.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 20 * 1024 * 1024;
/// Default `max_redirects`.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;
/// Default `max_downloads`: enclosure downloads at once.
pub const DEFAULT_MAX_DOWNLOADS: usize = 2;
/// Default `max_download_size`: 2 GiB.
pub const DEFAULT_MAX_DOWNLOAD_SIZE: u64 = 2 * 1024 * 1024 * 1024;
/// Default `image_cache_mb`: the on-disk cache of article images, in MiB.
pub const DEFAULT_IMAGE_CACHE_MB: u64 = 200;
/// Default `max_image_size`: 10 MiB per image.
pub const DEFAULT_MAX_IMAGE_SIZE: u64 = 10 * 1024 * 1024;

/// How the reader shows an article's images (`images` in the config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ImagesMode {
    /// Drawn with the terminal's graphics protocol (kitty, sixel, iTerm2) when it has one,
    /// detected at start; elsewhere `[image: alt]` lines.
    #[default]
    Auto,
    /// Always `[image: alt]` lines; nothing is fetched.
    Off,
    /// Drawn with Unicode half blocks on any terminal with colours.
    Halfblocks,
}

/// Everything the config file can set. `Config::default()` is what a missing file means.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// How often each feed is polled unless it sets its own interval.
    pub refresh_interval: Duration,
    /// How many feeds are fetched at once, over all hosts.
    pub max_concurrent_fetches: usize,
    /// How many requests may run at once against one host.
    pub max_per_host: usize,
    /// Total time allowed for one request, body included.
    pub timeout: Duration,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Largest accepted body, in bytes after decompression.
    pub max_body_size: u64,
    /// Most redirects followed for one request.
    pub max_redirects: usize,
    /// Command line that opens a link; see [`Config::browser_command`].
    pub browser: Option<String>,
    /// Command line that plays an enclosure; see [`Config::player_command`].
    pub player: Option<String>,
    /// Where enclosures are downloaded (`~` expanded, relative to the config file's
    /// directory); `None` for the platform's download dir, see [`Config::download_dir`].
    pub download_dir: Option<PathBuf>,
    /// Enclosure downloads running at once.
    pub max_downloads: usize,
    /// Largest enclosure downloaded, in bytes (the feeds' `max_body_size` does not apply).
    pub max_download_size: u64,
    /// Order of the article list.
    pub sort: SortOrder,
    /// Extra boilerplate patterns for the cleaner (plain text, case-insensitive).
    pub boilerplate: Vec<String>,
    /// How long articles are kept.
    pub retention: Retention,
    /// Key binding overrides, in file order; the UI keymap validates them.
    pub keys: Vec<KeyOverride>,
    /// The feeds, in file order.
    pub feeds: Vec<FeedConfig>,
    /// Highlight rules, in file order (their index is the rule number).
    pub highlight: Vec<HighlightRule>,
    /// The feed server to sync with (`[sync]`), if any.
    pub sync: Option<SyncConfig>,
    /// The reader's colours, when the file sets `theme` (see [`ThemeName::resolve`]).
    pub theme: Option<ThemeName>,
    /// Notifications of new matching articles (`notify`, `notify_command`,
    /// `notify_terminal`); None without `notify`.
    pub notify: Option<NotifyConfig>,
    /// Saved views (`[[views]]`), in file order.
    pub views: Vec<View>,
    /// Kill rules (`[[ignore]]`), in file order.
    pub ignore: Vec<IgnoreRule>,
    /// Mouse support in the reader (default true).
    pub mouse: bool,
    /// Inline images in the reader.
    pub images: ImagesMode,
    /// Bound of the on-disk image cache, in MiB (0: nothing is kept on disk).
    pub image_cache_mb: u64,
    /// Largest image accepted, in bytes (after decompression of the transfer).
    pub max_image_size: u64,
    /// The file the config was loaded from; None for defaults.
    pub path: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            refresh_interval: DEFAULT_REFRESH_INTERVAL,
            max_concurrent_fetches: DEFAULT_MAX_CONCURRENT_FETCHES,
            max_per_host: DEFAULT_MAX_PER_HOST,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            browser: None,
            player: None,
            download_dir: None,
            max_downloads: DEFAULT_MAX_DOWNLOADS,
            max_download_size: DEFAULT_MAX_DOWNLOAD_SIZE,
            sort: SortOrder::Date,
            boilerplate: Vec::new(),
            retention: Retention::default(),
            keys: Vec::new(),
            feeds: Vec::new(),
            highlight: Vec::new(),
            sync: None,
            theme: None,
            notify: None,
            views: Vec::new(),
            ignore: Vec::new(),
            mouse: true,
            images: ImagesMode::Auto,
            image_cache_mb: DEFAULT_IMAGE_CACHE_MB,
            max_image_size: DEFAULT_MAX_IMAGE_SIZE,
            path: None,
        }
    }
}

impl Config {
    /// Reads and validates the config file at `path`. A missing file is
    /// [`ConfigError::NotFound`], so a caller using the default location can fall back to
    /// `Config::default()`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        // Absolute, so messages are unambiguous and relative feed paths survive a chdir.
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound { path });
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                // Point at the first bad byte; the text before it is valid, so its offset is
                // the same in the lossy copy.
                let at = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes());
                return Err(ConfigError::at(
                    &path,
                    &text,
                    at..at + 1,
                    "the file is not valid UTF-8; save it as UTF-8".into(),
                ));
            }
        };
        Config::parse(&text, &path)
    }

    /// Parses config text. `path` names the file in messages, and relative feed paths are
    /// resolved against its directory.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        raw::parse(text, path)
    }

    /// The feed with this id, if it is in the config.
    pub fn feed(&self, id: FeedId) -> Option<&FeedConfig> {
        self.feeds.iter().find(|f| f.id() == id)
    }

    /// The program and arguments that open `url` in a browser: the `browser` setting, else
    /// `$BROWSER`, else `xdg-open` (`open` on macOS). `%u` or `{url}` in the command line is
    /// replaced by the url, else the url is appended. Quotes are honoured; no shell is run.
    /// None when `url` is not http(s) (a link from a feed must never become an option or a
    /// local file) or no opener is known for this platform.
    pub fn browser_command(&self, url: &str) -> Option<(String, Vec<String>)> {
        let env = std::env::var("BROWSER").ok();
        browser::browser_command(self.browser.as_deref(), env.as_deref(), url)
    }

    /// The program and arguments that play an enclosure: the `player` setting (`"mpv %u"`),
    /// else the system opener (`xdg-open`, `open` on macOS). Same rules as the browser: `%u`
    /// or `{url}` replaced (else the target is appended), quotes honoured, no shell. The
    /// target is an http(s) url or a local file (a download); anything else gives `None`.
    pub fn player_command(&self, target: &PlayTarget<'_>) -> Option<(String, Vec<String>)> {
        browser::player_command(self.player.as_deref(), target)
    }

    /// Where downloads go: `download_dir`, else the platform's download dir (`~/Downloads`
    /// on most systems), else `~/Downloads`. `None` without a home directory.
    pub fn download_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = &self.download_dir {
            return Some(dir.clone());
        }
        let user = directories::UserDirs::new()?;
        Some(
            user.download_dir()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| user.home_dir().join("Downloads")),
        )
    }
}

/// What the player is given: a web address, or a file on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlayTarget<'a> {
    /// An http(s) url (anything else is refused).
    Url(&'a str),
    /// A local file: a finished download, or the enclosure of a local feed.
    File(&'a Path),
}

/// Notifications about new articles (see `crate::notify`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyConfig {
    /// Which new articles notify: a query of the query language (`notify = "hl"`).
    pub query: Query,
    /// `notify_command`: a program and its arguments, with placeholders; run without a shell.
    pub command: Option<Vec<String>>,
    /// `notify_terminal`: also notify through the terminal's escape sequences (default true).
    pub terminal: bool,
}

/// The reader's colour themes (`theme = "dark" | "light" | "mono"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeName {
    /// Light text on a dark terminal (the default).
    Dark,
    /// Dark text on a light terminal.
    Light,
    /// No colour at all: bold, underline and reverse video only.
    Mono,
}

impl ThemeName {
    /// The theme to use: the config's `theme` when it sets one (an explicit choice wins, as
    /// the NO_COLOR convention asks), else `mono` when `no_color` (see [`no_color_requested`]),
    /// else `dark`.
    pub fn resolve(configured: Option<ThemeName>, no_color: bool) -> ThemeName {
        match configured {
            Some(theme) => theme,
            None if no_color => ThemeName::Mono,
            None => ThemeName::Dark,
        }
    }
}

/// Whether the environment asks for no colour: `NO_COLOR` set and not empty
/// (https://no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

/// Order of the article list (`sort`; the reader's `S` cycles through them in this order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// Newest first (`"date"`, also `"newest-first"`).
    #[default]
    Date,
    /// Oldest first (`"oldest-first"`).
    OldestFirst,
    /// By feed (display title), newest first within a feed (`"feed"`).
    Feed,
    /// Articles matching a highlight rule first (higher priority first), then newest first
    /// (`"highlight-first"`).
    HighlightFirst,
}

impl SortOrder {
    /// Every order, in the order `S` cycles through them.
    pub const ALL: [SortOrder; 4] = [
        SortOrder::Date,
        SortOrder::OldestFirst,
        SortOrder::Feed,
        SortOrder::HighlightFirst,
    ];

    /// The config value for this order.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Date => "date",
            SortOrder::OldestFirst => "oldest-first",
            SortOrder::Feed => "feed",
            SortOrder::HighlightFirst => "highlight-first",
        }
    }

    /// The next order of the cycle.
    pub fn next(self) -> SortOrder {
        let i = SortOrder::ALL.iter().position(|&o| o == self).unwrap_or(0);
        SortOrder::ALL[(i + 1) % SortOrder::ALL.len()]
    }
}

/// One `[[views]]` entry: a named query, shown like a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub name: String,
    pub query: Query,
}

/// How long articles are kept. Starred and unread articles are always kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Keep at most this many articles per feed; None keeps all.
    pub max_articles_per_feed: Option<usize>,
    /// Drop read articles older than this many days; None keeps them forever.
    pub max_age_days: Option<u32>,
}

/// One entry of the `[keys]` table: an action name and the keys bound to it, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOverride {
    pub action: String,
    pub keys: Vec<String>,
    /// Position of the action name in the config file (1-based), for the UI's messages.
    pub line: usize,
    pub column: usize,
}

/// One `[[feeds]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedConfig {
    /// The url exactly as written (trimmed); the feed's identity.
    pub url: String,
    /// Where to fetch it from.
    pub location: FeedLocation,
    pub title: Option<String>,
    pub tags: Vec<String>,
    /// Overrides the global `refresh_interval`.
    pub refresh_interval: Option<Duration>,
    /// Fetch each article's web page and show the extracted full text.
    pub full_text: bool,
    /// The feed is one of the sync server's subscriptions, added to this run's feed list from
    /// the store (see `crate::sync::merge_synced_feeds`), not a `[[feeds]]` table: the engine
    /// never polls it (the sync brings its articles). Never set from the config file.
    pub synced: bool,
}

impl FeedConfig {
    /// The feed's identity: a hash of its url as written.
    pub fn id(&self) -> FeedId {
        FeedId::from_url(&self.url)
    }
}

/// Decodes `%XX` escapes in a url's path (a file url's path, a download's file name);
/// invalid escapes are kept as written, invalid UTF-8 is replaced.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        if let (b'%', Some(hex)) = (bytes[i], hex) {
            let digit = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            out.push(digit(hex[0]) << 4 | digit(hex[1]));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where a feed comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedLocation {
    /// An http:// or https:// url.
    Http(String),
    /// A local file: from a `file://` url, or a plain path resolved against the config
    /// file's directory.
    File(PathBuf),
}

/// One `[[highlight]]` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HighlightRule {
    pub name: Option<String>,
    /// Words or phrases; at least one keyword or a regex is always present.
    pub keywords: Vec<String>,
    /// A regular expression, already checked to compile.
    pub regex: Option<String>,
    /// Keywords match whole words only (default true).
    pub whole_word: bool,
    /// Default false: matching folds Unicode case.
    pub case_sensitive: bool,
    /// Higher sorts first with `sort = "highlight-first"` (default 0).
    pub priority: i32,
    pub style: HighlightStyle,
}

impl HighlightRule {
    /// What to call the rule in the UI: its name, else its keywords, else its regex.
    pub fn label(&self) -> String {
        if let Some(name) = &self.name {
            name.clone()
        } else if !self.keywords.is_empty() {
            self.keywords.join(", ")
        } else {
            self.regex.clone().unwrap_or_default()
        }
    }
}

/// How matches of a highlight rule look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HighlightStyle {
    pub fg: Option<Color>,
    pub bg: Option<Color>,
    pub bold: bool,
    pub underline: bool,
}

#[cfg(test)]
mod tests;
