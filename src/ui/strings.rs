//! Every user-visible string of the TUI, in one place. Plain text only: no styling here,
//! and never text that came from a feed.

pub const FEEDS_TITLE: &str = "Feeds";
pub const ARTICLES_TITLE: &str = "Articles";
pub const READER_TITLE: &str = "Article";
pub const HELP_TITLE: &str = "Keys";
pub const WELCOME_TITLE: &str = "Welcome to tidings";
pub const ALL_FEEDS: &str = "All articles";
pub const HIGHLIGHTS_ONLY: &str = "highlights only";
pub const HIGHLIGHTS_VIEW: &str = "Highlights (all feeds)";

pub const WELCOME_QUIT: &str = "Press q to quit.";
pub const TOO_SMALL: &str = "terminal too small";
pub const LOADING: &str = "loading…";
pub const NO_BODY: &str = "(this article has no text; press o to open it in the browser)";
pub const FETCHING_FULL: &str = "fetching full article…";
/// Inside the reserved box of a picture on its way.
pub const IMAGE_LOADING: &str = "loading image…";
/// Inside the reserved box of a picture that could not be had, before the reason.
pub const IMAGE_FAILED: &str = "image unavailable:";
pub const FULL_FAILED: &str = "full article failed:";
pub const SHOWING_FEED_TEXT: &str = "showing the feed's text instead; f to retry";
pub const FULL_TEXT_TAG: &str = "full text";
pub const NO_ARTICLE_OPEN: &str = "No article open. Select one and press Enter.";
pub const NO_ARTICLES: &str = "No articles.";
pub const NO_HIGHLIGHTS: &str = "No article matches a highlight rule.";
pub const NO_FEEDS: &str = "No feeds configured.";
pub const NO_UNREAD: &str = "no unread articles left";
pub const STILL_LOADING: &str = "still loading the article list; try again in a moment";
pub const LOADING_LIST: &str = "Loading articles…";
pub const LOAD_FAILED: &str = "could not load the stored articles:";
pub const NO_ENGINE: &str = "refreshing is off for this session:";
pub const NO_LINK: &str = "this article has no link";
pub const NOT_WEB_LINK: &str = "only http and https links are opened";
pub const NO_BROWSER: &str = "no browser found: set `browser` in the config or $BROWSER";
pub const BROWSER_FAILED: &str = "could not start the browser";
pub const OPENING: &str = "opening";
pub const HELP_FOOTER: &str = "j/k scroll · any other key closes";

pub const FEED_FAILED_MARK: &str = "✗";
pub const STAR_MARK: &str = "★";
pub const HIGHLIGHT_MARK: &str = "●";

pub const LABEL_FEED: &str = "Feed: ";
pub const LABEL_AUTHOR: &str = "By: ";
pub const LABEL_DATE: &str = "Date: ";
pub const LABEL_LINK: &str = "Link: ";
pub const LABEL_MATCHES: &str = "Matches: ";
pub const LAST_OK: &str = "last ok";
pub const NEVER_OK: &str = "never fetched successfully";
pub const MOVED_TO: &str = "feed moved to";
pub const UPDATE_URLS_HINT: &str =
    "`tidings update-urls` puts the new url in your config (nothing changes until you run it)";

/// "refreshing 12/40 · 2 failed"
pub fn refreshing(done: usize, total: usize, failed: usize) -> String {
    if failed > 0 {
        format!("refreshing {done}/{total} · {failed} failed")
    } else {
        format!("refreshing {done}/{total}")
    }
}

/// "123 unread"
pub fn unread(count: usize) -> String {
    format!("{count} unread")
}

/// When a number key asks for a link the article does not have.
pub fn link_number_hint(n: usize) -> String {
    format!("no link [{n}] in this article")
}

/// Toggle notices.
pub fn marked_read(n: usize) -> String {
    match n {
        0 => "nothing to mark read".to_string(),
        1 => "marked 1 article read".to_string(),
        n => format!("marked {n} articles read"),
    }
}

/// The text shown in the reader when there is no config file yet.
pub fn welcome(config_path: &std::path::Path) -> String {
    format!(
        "No config file yet. tidings looks for it at {path}.\n\n\
         To start, copy config.example.toml (shipped with tidings; it documents every key) to that path \
         and list your feeds under [[feeds]], or run `tidings --config FILE`.\n\n\
         To try tidings right away on bundled feeds, fully offline: `tidings --demo`.\n\n\
         To bring your feeds from another reader: `tidings import-opml FILE.opml`.",
        path = config_path.display()
    )
}
