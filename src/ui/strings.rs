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
pub const CONFIG_RELOADED: &str = "config reloaded:";
pub const CONFIG_KEPT: &str = "(the last good config keeps running)";
pub const CONFIG_FIXED: &str = "config fixed: the running config is the file's again";
pub const CONFIG_BROKEN: &str = "config not applied";
pub const NOT_WATCHED: &str = "config changes are not watched this session (no thread for it)";
pub const RELOAD_FAILED: &str = "could not read the articles again:";
pub const SEARCH_TITLE: &str = "Search";
pub const SEARCHING: &str = "searching…";
pub const NO_MATCHES: &str = "No article matches the query.";
pub const NO_TAGS: &str = "no tag groups here: give feeds `tags = [...]` in the config";
pub const NOTHING_TO_UNDO: &str = "nothing to undo";
pub const SUBSCRIBE_PROMPT: &str = "add feed: ";
pub const PICK_FEED: &str = "names several feeds; pick one (j/k, Enter; Esc cancels):";
pub const SUBSCRIBE_CANCELLED: &str = "nothing added";
pub const SEARCH_FAILED: &str = "search failed:";
pub const POLLED_NEXT_START: &str =
    "the new feed is in the config; it is polled from the next start of tidings";
pub const HELP_FOOTER: &str = "j/k scroll · any other key closes";

pub const FEED_FAILED_MARK: &str = "✗";
/// A feed read in part, or with a warning (`FeedState::warning`).
pub const FEED_PARTIAL_MARK: &str = "◐";
/// A saved view in the feeds pane.
pub const VIEW_MARK: &str = "≡";
/// A tag group, open / folded.
pub const TAG_OPEN_MARK: &str = "▾";
pub const TAG_FOLDED_MARK: &str = "▸";
pub const STAR_MARK: &str = "★";
pub const HIGHLIGHT_MARK: &str = "●";
/// In the list: the article has an enclosure / one is downloaded.
pub const MEDIA_MARK: &str = "♫";
pub const DOWNLOADED_MARK: &str = "↓";

pub const NO_ENCLOSURE: &str = "this article has no enclosure";
pub const LOADING_ENCLOSURES: &str = "loading the enclosures…";
pub const NO_PLAYER: &str = "no player found: set `player` in the config, like player = \"mpv %u\"";
pub const PLAYER_FAILED: &str = "could not start the player";
pub const CANNOT_PLAY: &str =
    "cannot play this enclosure: it is neither a web address nor a downloaded file";

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

/// "play which enclosure? 1-3 (Esc cancels)"
pub fn choose_enclosure(play: bool, count: usize) -> String {
    let verb = if play { "play" } else { "download" };
    format!("{verb} which enclosure? 1-{} (Esc cancels)", count.min(9))
}

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

/// "sorted: oldest first"
pub fn sort_name(sort: crate::config::SortOrder) -> &'static str {
    use crate::config::SortOrder;
    match sort {
        SortOrder::Date => "newest first",
        SortOrder::OldestFirst => "oldest first",
        SortOrder::Feed => "by feed",
        SortOrder::HighlightFirst => "highlights first",
    }
}

pub fn sorted(sort: crate::config::SortOrder) -> String {
    format!("sorted: {}", sort_name(sort))
}

/// What `u` set back.
pub fn undid_read(n: usize, read: bool, all: bool) -> String {
    let what = if read { "read" } else { "unread" };
    match (n, all) {
        (1, false) => format!("undone: the article is {what} again"),
        (n, true) => format!(
            "undone: mark all read ({n} article{} {what} again)",
            plural(n)
        ),
        (n, false) => format!("undone: {n} articles are {what} again"),
    }
}

pub fn undid_star(starred: bool) -> String {
    if starred {
        "undone: the article is starred again".to_string()
    } else {
        "undone: the star is off again".to_string()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "looking up https://…"
pub fn looking_up(url: &str) -> String {
    format!("looking up {url}…")
}

/// After a feed was added to the config.
pub fn subscribed(url: &str, title: Option<&str>, items: usize, path: &std::path::Path) -> String {
    let name = title
        .map(|t| format!("{t} ({url})"))
        .unwrap_or(url.to_string());
    format!(
        "added {name}, {items} item{} now, to {}",
        plural(items),
        path.display()
    )
}

/// "3 matches"
pub fn matches(n: usize) -> String {
    format!("{n} match{}", if n == 1 { "" } else { "es" })
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
