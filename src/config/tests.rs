//! Unit tests of config parsing: defaults, the shipped example, and positioned errors.

use super::*;
use crate::query::IgnoreAction;

const PATH: &str = "/home/me/.config/tidings/config.toml";

fn parse(text: &str) -> Config {
    Config::parse(text, Path::new(PATH)).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses `text`, expects an error, and returns (line, column, full message).
fn error(text: &str) -> (usize, usize, String) {
    let err = Config::parse(text, Path::new(PATH)).expect_err("config should be rejected");
    let shown = err.to_string();
    let (Some(line), Some(column)) = (err.line(), err.column()) else {
        panic!("error without a position: {shown}");
    };
    assert!(
        shown.starts_with(&format!(
            "error in config file {PATH}, line {line}, column {column}: "
        )),
        "{shown}"
    );
    (line, column, shown)
}

#[test]
fn empty_file_gives_defaults() {
    let config = parse("");
    assert_eq!(
        config,
        Config {
            path: Some(PathBuf::from(PATH)),
            ..Config::default()
        }
    );
    let d = Config::default();
    assert_eq!(d.refresh_interval, Duration::from_secs(1800));
    assert_eq!(d.max_concurrent_fetches, 32);
    assert_eq!(d.max_per_host, 2);
    assert_eq!(d.timeout, Duration::from_secs(30));
    assert_eq!(d.connect_timeout, Duration::from_secs(10));
    assert_eq!(d.max_body_size, 20 * 1024 * 1024);
    assert_eq!(d.max_redirects, 10);
    assert_eq!(d.sort, SortOrder::Date);
    assert_eq!(d.retention, Retention::default());
    assert!(d.browser.is_none() && d.feeds.is_empty() && d.highlight.is_empty());
    assert!(d.path.is_none());
    assert_eq!(d.images, ImagesMode::Auto);
    assert_eq!(d.image_cache_mb, 200);
    assert_eq!(d.max_image_size, 10 * 1024 * 1024);
}

#[test]
fn image_keys() {
    let c = parse("images = \"halfblocks\"\nimage_cache_mb = 0\nmax_image_size = \"2MiB\"\n");
    assert_eq!(c.images, ImagesMode::Halfblocks);
    assert_eq!(c.image_cache_mb, 0);
    assert_eq!(c.max_image_size, 2 * 1024 * 1024);
    assert_eq!(parse("images = \"off\"").images, ImagesMode::Off);
    let (line, column, shown) = error("\nimages = \"sixel\"\n");
    assert_eq!((line, column), (2, 10));
    assert!(shown.contains("`auto`, `off`, `halfblocks`"), "{shown}");
    let (line, _, shown) = error("max_image_size = \"big\"\n");
    assert_eq!(line, 1);
    assert!(shown.contains("invalid size \"big\""), "{shown}");
    let (_, _, shown) = error("max_image_size = 0\n");
    assert!(
        shown.contains("max_image_size must be greater than zero"),
        "{shown}"
    );
    let (_, _, shown) = error("image_cache_mb = -1\n");
    assert!(shown.contains("image_cache_mb"), "{shown}");
}

#[test]
fn example_config_parses_and_shows_the_defaults() {
    let path = Path::new("/srv/example/config.example.toml");
    let config = Config::parse(include_str!("../../config.example.toml"), path)
        .unwrap_or_else(|e| panic!("config.example.toml: {e}"));
    // The global settings in the example are the defaults, so the comments cannot lie.
    let d = Config::default();
    assert_eq!(config.refresh_interval, d.refresh_interval);
    assert_eq!(config.max_concurrent_fetches, d.max_concurrent_fetches);
    assert_eq!(config.max_per_host, d.max_per_host);
    assert_eq!(config.timeout, d.timeout);
    assert_eq!(config.connect_timeout, d.connect_timeout);
    assert_eq!(config.max_body_size, d.max_body_size);
    assert_eq!(config.max_redirects, d.max_redirects);
    assert_eq!(config.sort, d.sort);
    assert_eq!(config.max_downloads, d.max_downloads);
    assert_eq!(config.max_download_size, d.max_download_size);
    assert_eq!(config.player, d.player);
    assert_eq!(config.download_dir, d.download_dir);

    assert!(config.feeds.len() >= 4);
    assert!(config
        .feeds
        .iter()
        .any(|f| matches!(f.location, FeedLocation::Http(_))));
    assert!(config.feeds.iter().any(|f| f.full_text));
    assert!(config.feeds.iter().any(|f| f.refresh_interval.is_some()));
    assert!(config.feeds.iter().any(|f| !f.tags.is_empty()));
    assert!(config.feeds.iter().any(|f| matches!(
        &f.location,
        FeedLocation::File(p) if p.starts_with("/srv/example")
    )));
    assert!(config.highlight.iter().any(|h| h.regex.is_some()));
    assert!(config.highlight.iter().any(|h| !h.whole_word));
    assert!(config
        .highlight
        .iter()
        .any(|h| h.keywords.iter().any(|k| k.contains(' '))));
    assert!(!config.keys.is_empty());
    assert!(!config.boilerplate.is_empty());
    assert!(config.retention.max_age_days.is_some());
    assert_eq!(config.mouse, d.mouse);
    assert_eq!(config.images, d.images);
    assert_eq!(config.image_cache_mb, d.image_cache_mb);
    assert_eq!(config.max_image_size, d.max_image_size);
    assert!(config.views.len() >= 2);
    let actions: Vec<_> = config.ignore.iter().map(|r| r.action).collect();
    assert!(
        [IgnoreAction::Hide, IgnoreAction::Read, IgnoreAction::Drop]
            .iter()
            .all(|a| actions.contains(a)),
        "config.example.toml shows every kill rule action"
    );
    // Every feed url is distinct, so every feed has its own identity.
    let mut ids: Vec<_> = config.feeds.iter().map(FeedConfig::id).collect();
    ids.dedup();
    assert_eq!(ids.len(), config.feeds.len());
}

#[test]
fn full_config() {
    let config = parse(
        r##"
refresh_interval = "1h30m"
max_concurrent_fetches = 8
max_per_host = 1
timeout = 45
connect_timeout = "5s"
max_body_size = "512k"
max_redirects = 3
browser = "firefox --new-tab %u"
sort = "highlight-first"
boilerplate = ["Sponsored content", "Sign up for our newsletter"]

[retention]
max_articles_per_feed = 500
max_age_days = 90

[keys]
quit = "Q"
down = ["j", "Down"]

[[feeds]]
url = "  https://example.org/feed.xml "
title = "Example"
tags = ["news", "tech"]
refresh_interval = "2h"
full_text = true

[[feeds]]
url = "feeds/local.xml"

[[feeds]]
url = "file:///var/feeds/my%20feed.xml"

[[highlight]]
name = "Rust"
keywords = ["rust", "cargo build"]
priority = 10
fg = "bright-red"
bg = "#202020"
bold = true
underline = true

[[highlight]]
regex = 'CVE-\d{4}-\d+'
whole_word = false
case_sensitive = true
fg = 208
"##,
    );
    assert_eq!(config.refresh_interval, Duration::from_secs(5400));
    assert_eq!(config.max_concurrent_fetches, 8);
    assert_eq!(config.max_per_host, 1);
    assert_eq!(config.timeout, Duration::from_secs(45));
    assert_eq!(config.connect_timeout, Duration::from_secs(5));
    assert_eq!(config.max_body_size, 512 * 1024);
    assert_eq!(config.max_redirects, 3);
    assert_eq!(config.browser.as_deref(), Some("firefox --new-tab %u"));
    assert_eq!(config.sort, SortOrder::HighlightFirst);
    assert_eq!(config.boilerplate.len(), 2);
    assert_eq!(
        config.retention,
        Retention {
            max_articles_per_feed: Some(500),
            max_age_days: Some(90)
        }
    );
    assert_eq!(
        config.keys,
        vec![
            KeyOverride {
                action: "quit".into(),
                keys: vec!["Q".into()],
                line: 18,
                column: 1
            },
            KeyOverride {
                action: "down".into(),
                keys: vec!["j".into(), "Down".into()],
                line: 19,
                column: 1
            },
        ]
    );

    let [web, local, file] = &config.feeds[..] else {
        panic!("three feeds expected")
    };
    assert_eq!(web.url, "https://example.org/feed.xml");
    assert_eq!(web.id(), FeedId::from_url("https://example.org/feed.xml"));
    assert_eq!(
        web.location,
        FeedLocation::Http("https://example.org/feed.xml".into())
    );
    assert_eq!(web.title.as_deref(), Some("Example"));
    assert_eq!(web.tags, ["news", "tech"]);
    assert_eq!(web.refresh_interval, Some(Duration::from_secs(7200)));
    assert!(web.full_text);
    assert_eq!(
        local.location,
        FeedLocation::File(PathBuf::from("/home/me/.config/tidings/feeds/local.xml"))
    );
    assert_eq!(local.title, None);
    assert!(!local.full_text && local.refresh_interval.is_none());
    assert_eq!(
        file.location,
        FeedLocation::File(PathBuf::from("/var/feeds/my feed.xml"))
    );
    assert_eq!(config.feed(local.id()), Some(local));
    assert_eq!(config.feed(FeedId(1)), None);

    let [rust, cve] = &config.highlight[..] else {
        panic!("two rules expected")
    };
    assert_eq!(rust.label(), "Rust");
    assert_eq!(rust.keywords, ["rust", "cargo build"]);
    assert!(rust.whole_word && !rust.case_sensitive);
    assert_eq!(rust.priority, 10);
    assert_eq!(
        rust.style,
        HighlightStyle {
            fg: Some(Color::Named(NamedColor::BrightRed)),
            bg: Some(Color::Rgb(0x20, 0x20, 0x20)),
            bold: true,
            underline: true
        }
    );
    assert_eq!(cve.label(), r"CVE-\d{4}-\d+");
    assert!(!cve.whole_word && cve.case_sensitive);
    assert_eq!(cve.style.fg, Some(Color::Indexed(208)));
    assert_eq!(cve.priority, 0);
}

#[test]
fn label_falls_back_to_keywords() {
    let config = parse("[[highlight]]\nkeywords = [\"a\", \"b c\"]\n");
    assert_eq!(config.highlight[0].label(), "a, b c");
}

#[test]
fn relative_paths_resolve_against_the_config_dir() {
    let config = Config::parse(
        "[[feeds]]\nurl = \"demo/rss.xml\"\n[[feeds]]\nurl = \"../x.xml\"\n[[feeds]]\nurl = \"/abs/y.xml\"\n",
        Path::new("/opt/tidings/assets/config.toml"),
    )
    .unwrap();
    let paths: Vec<_> = config
        .feeds
        .iter()
        .map(|f| match &f.location {
            FeedLocation::File(p) => p.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        paths,
        [
            PathBuf::from("/opt/tidings/assets/demo/rss.xml"),
            PathBuf::from("/opt/tidings/assets/../x.xml"),
            PathBuf::from("/abs/y.xml"),
        ]
    );
    // The identity is the url as written, not the resolved path.
    assert_eq!(config.feeds[0].id(), FeedId::from_url("demo/rss.xml"));
}

#[test]
fn unknown_key_names_line_column_and_the_expected_keys() {
    let (line, column, shown) = error("timeout = 5\n\n  refersh_interval = \"5m\"\n");
    assert_eq!((line, column), (3, 3));
    assert!(
        shown.contains("unknown field `refersh_interval`"),
        "{shown}"
    );
    assert!(shown.contains("refresh_interval"), "{shown}");
    assert!(shown.contains("3 |   refersh_interval"), "{shown}");
}

#[test]
fn unknown_key_in_a_feed() {
    let (line, column, shown) =
        error("[[feeds]]\nurl = \"https://a.example/feed\"\ntitel = \"A\"\n");
    assert_eq!((line, column), (3, 1));
    assert!(shown.contains("unknown field `titel`"), "{shown}");
    assert!(shown.contains("`title`"), "{shown}");
}

#[test]
fn unknown_table() {
    let (line, column, shown) = error("[[feed]]\nurl = \"https://a.example/feed\"\n");
    assert_eq!((line, column), (1, 3));
    assert!(shown.contains("unknown field `feed`"), "{shown}");
}

#[test]
fn wrong_types() {
    let (line, column, shown) = error("max_concurrent_fetches = \"lots\"\n");
    assert_eq!((line, column), (1, 26));
    assert!(shown.contains("invalid type: string \"lots\""), "{shown}");

    let (line, column, shown) = error("\n[[feeds]]\nurl = \"x.xml\"\nfull_text = \"yes\"\n");
    assert_eq!((line, column), (4, 13));
    assert!(shown.contains("expected a boolean"), "{shown}");

    let (line, column, shown) = error("timeout = true\n");
    assert_eq!((line, column), (1, 11));
    assert!(shown.contains("expected a duration like"), "{shown}");

    let (line, column, shown) = error("[keys]\nquit = 5\n");
    assert_eq!((line, column), (2, 8));
    assert!(shown.contains("expected a key like"), "{shown}");

    let (line, column, shown) = error("max_per_host = -1\n");
    assert_eq!((line, column), (1, 16));
    assert!(shown.contains("-1"), "{shown}");
}

#[test]
fn missing_url() {
    let (line, _, shown) = error("[[feeds]]\ntitle = \"no url\"\n");
    assert_eq!(line, 1);
    assert!(shown.contains("missing field `url`"), "{shown}");
}

#[test]
fn toml_syntax_error() {
    let (line, column, shown) = error("timeout = 1\nrefresh_interval = \"30m\n");
    assert_eq!((line, column), (2, 24));
    assert!(shown.contains("invalid basic string"), "{shown}");
}

#[test]
fn bad_duration() {
    let (line, column, shown) = error("\nrefresh_interval = \"5 parsecs\"\n");
    assert_eq!((line, column), (2, 20));
    assert!(shown.contains("invalid duration \"5 parsecs\""), "{shown}");
    assert!(shown.contains("\"1h30m\""), "{shown}");

    let (line, column, _) = error("[[feeds]]\nurl = \"x.xml\"\nrefresh_interval = \"soon\"\n");
    assert_eq!((line, column), (3, 20));
}

#[test]
fn zero_refresh_interval() {
    let (line, column, shown) = error("refresh_interval = 0\n");
    assert_eq!((line, column), (1, 20));
    assert!(
        shown.contains("refresh_interval must be greater than zero"),
        "{shown}"
    );

    let (line, column, _) = error("[[feeds]]\nurl = \"x.xml\"\nrefresh_interval = \"0m\"\n");
    assert_eq!((line, column), (3, 20));

    let (line, column, _) = error("max_concurrent_fetches = 0\n");
    assert_eq!((line, column), (1, 26));
}

#[test]
fn bad_size() {
    let (line, column, shown) = error("max_body_size = \"20 parsecs\"\n");
    assert_eq!((line, column), (1, 17));
    assert!(shown.contains("invalid size"), "{shown}");
    let (line, column, _) = error("max_body_size = -5\n");
    assert_eq!((line, column), (1, 17));
}

#[test]
fn bad_color() {
    let (line, column, shown) = error("[[highlight]]\nkeywords = [\"x\"]\nfg = \"purple-ish\"\n");
    assert_eq!((line, column), (3, 6));
    assert!(shown.contains("invalid colour \"purple-ish\""), "{shown}");
    let (line, column, shown) = error("[[highlight]]\nkeywords = [\"x\"]\nbg = 300\n");
    assert_eq!((line, column), (3, 6));
    assert!(shown.contains("0 to 255"), "{shown}");
}

#[test]
fn highlight_without_keywords_or_regex() {
    let (line, column, shown) =
        error("[[feeds]]\nurl = \"a.xml\"\n\n[[highlight]]\nname = \"empty\"\nbold = true\n");
    assert_eq!((line, column), (4, 1));
    assert!(shown.contains("needs `keywords"), "{shown}");

    let (line, column, _) = error("[[highlight]]\nkeywords = [\"ok\", \"  \"]\n");
    assert_eq!((line, column), (2, 19));
}

#[test]
fn invalid_regex() {
    let (line, column, shown) = error("[[highlight]]\nname = \"r\"\nregex = \"(unclosed\"\n");
    assert_eq!((line, column), (3, 9));
    assert!(
        shown.contains("invalid regex \"(unclosed\": unclosed group"),
        "{shown}"
    );
}

#[test]
fn feed_url_problems() {
    let (line, column, shown) = error("[[feeds]]\nurl = \"ftp://example.org/feed.xml\"\n");
    assert_eq!((line, column), (2, 7));
    assert!(shown.contains("unsupported url scheme \"ftp\""), "{shown}");

    let (line, column, shown) = error("[[feeds]]\nurl = \"  \"\n");
    assert_eq!((line, column), (2, 7));
    assert!(shown.contains("feed url is empty"), "{shown}");

    let (line, column, shown) = error("[[feeds]]\nurl = \"file://feeds/x.xml\"\n");
    assert_eq!((line, column), (2, 7));
    assert!(shown.contains("needs an absolute path"), "{shown}");

    let (line, column, _) = error("[[feeds]]\nurl = \"https://\"\n");
    assert_eq!((line, column), (2, 7));

    let (line, column, shown) = error(
        "[[feeds]]\nurl = \"https://a.example/f\"\n[[feeds]]\nurl = \"https://a.example/f\"\n",
    );
    assert_eq!((line, column), (4, 7));
    assert!(shown.contains("listed twice (first on line 2)"), "{shown}");
}

#[test]
fn bad_browser_and_retention() {
    let (line, column, shown) = error("browser = \"firefox 'oops\"\n");
    assert_eq!((line, column), (1, 11));
    assert!(shown.contains("unterminated single quote"), "{shown}");

    let (line, column, _) = error("[retention]\nmax_age_days = 0\n");
    assert_eq!((line, column), (2, 16));

    let (line, column, shown) = error("sort = \"random\"\n");
    assert_eq!((line, column), (1, 8));
    assert!(shown.contains("`date`"), "{shown}");
}

#[test]
fn load_reports_missing_and_non_utf8_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let err = Config::load(&missing).unwrap_err();
    assert!(matches!(err, ConfigError::NotFound { .. }));
    assert!(err.to_string().contains(&missing.display().to_string()));

    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"# ok\ntitle = \"caf\xe9\"\n").unwrap();
    let err = Config::load(&latin1).unwrap_err();
    assert_eq!((err.line(), err.column()), (Some(2), Some(13)));
    assert!(err.to_string().contains("not valid UTF-8"));
}

#[test]
fn rust_type_names_are_not_shown() {
    let (_, _, shown) = error("max_per_host = 1.5\n");
    assert!(
        shown.contains("expected a whole number (0 or more)"),
        "{shown}"
    );
}

#[test]
fn sync_table_with_a_password_command() {
    let config = parse(
        "[sync]\nbackend = \"ttrss\"\nurl = \"https://rss.example.org/tt-rss/\"\nuser = \"me\"\n\
         password_command = [\"pass\", \"show\", \"ttrss\"]\n",
    );
    let sync = config.sync.unwrap();
    assert_eq!(sync.backend, SyncBackend::Ttrss);
    assert_eq!(sync.url, "https://rss.example.org/tt-rss/");
    assert_eq!(sync.user, "me");
    assert_eq!(
        sync.password,
        PasswordSource::Command(vec!["pass".into(), "show".into(), "ttrss".into()])
    );
    assert!(!sync.allow_insecure_http && sync.warning.is_none());
    assert!(parse("").sync.is_none());

    let sync = parse(
        "[sync]\nbackend = \"ttrss\"\nurl = \"http://127.0.0.1:8080/\"\nuser = \"me\"\n\
         password_env = \"TIDINGS_TTRSS_PASSWORD\"\n",
    )
    .sync
    .unwrap();
    assert_eq!(
        sync.password,
        PasswordSource::Env("TIDINGS_TTRSS_PASSWORD".into())
    );
}

#[test]
fn a_password_in_the_file_is_allowed_but_warned_about_and_never_shown() {
    let text = "[sync]\nbackend = \"ttrss\"\nurl = \"https://rss.example.org/\"\nuser = \"me\"\n\
                password = \"hunter2\"\n";
    let config = parse(text);
    let sync = config.sync.as_ref().unwrap();
    let warning = sync.warning.as_deref().unwrap();
    assert!(
        warning.contains(PATH) && warning.contains("line 5"),
        "{warning}"
    );
    assert!(warning.contains("password_command"), "{warning}");
    assert!(!warning.contains("hunter2"));
    assert!(!format!("{config:?}").contains("hunter2"));
    let PasswordSource::Inline(secret) = &sync.password else {
        panic!("inline password");
    };
    assert_eq!(secret.expose(), "hunter2");

    // A mistake on the password line does not echo it.
    let (line, _, shown) = error(&text.replace("\"hunter2\"", "\"hunter2\" oops"));
    assert_eq!(line, 5);
    assert!(!shown.contains("hunter2"), "{shown}");
    let (_, _, shown) = error(&text.replace("\"hunter2\"", "123456"));
    assert!(!shown.contains("123456"), "{shown}");
}

#[test]
fn sync_mistakes_are_positioned() {
    let base = "[sync]\nbackend = \"ttrss\"\nurl = \"https://rss.example.org/\"\nuser = \"me\"\n\
                password_env = \"X\"\n";
    let (line, column, shown) = error(&base.replace("\"ttrss\"", "\"miniflux\""));
    assert_eq!((line, column), (2, 11));
    assert!(
        shown.contains("unknown sync backend \"miniflux\""),
        "{shown}"
    );
    assert!(shown.contains("\"ttrss\" (Tiny Tiny RSS)"), "{shown}");

    let insecure = base.replace("https://rss", "http://rss");
    let (line, column, shown) = error(&insecure);
    assert_eq!((line, column), (3, 7));
    assert!(
        shown.contains("plain http") && shown.contains("allow_insecure_http"),
        "{shown}"
    );
    let allowed = parse(&format!("{insecure}allow_insecure_http = true\n"));
    assert!(allowed.sync.unwrap().allow_insecure_http);
    parse(&base.replace("https://rss.example.org/", "http://localhost:8080/tt-rss/"));

    let (line, _, shown) = error(&base.replace("https://rss", "https://me:pw@rss"));
    assert_eq!(line, 3);
    assert!(
        shown.contains("must not carry a user or password"),
        "{shown}"
    );
    let (line, _, shown) = error(&base.replace("https://", "ftp://"));
    assert_eq!(line, 3);
    assert!(shown.contains("unsupported url scheme \"ftp\""), "{shown}");

    let (line, _, shown) = error(&format!("{base}password_command = [\"pass\"]\n"));
    assert_eq!(line, 6);
    assert!(shown.contains("only one of"), "{shown}");
    let (line, _, shown) = error(&base.replace("password_env = \"X\"\n", ""));
    assert_eq!(line, 1);
    assert!(shown.contains("needs a password source"), "{shown}");
    let (line, _, shown) = error(&base.replace("password_env = \"X\"", "password_command = []"));
    assert_eq!(line, 5);
    assert!(shown.contains("password_command is empty"), "{shown}");
    let (line, _, shown) = error(&base.replace("user = \"me\"", "user = \" \""));
    assert_eq!(line, 4);
    assert!(shown.contains("user is empty"), "{shown}");
    let (line, _, shown) = error(&format!("{base}pasword = \"x\"\n"));
    assert_eq!(line, 6);
    assert!(shown.contains("unknown field `pasword`"), "{shown}");
    let (_, _, shown) = error(&base.replace("user = \"me\"\n", ""));
    assert!(shown.contains("missing field `user`"), "{shown}");
}

#[test]
fn theme_is_dark_light_or_mono_and_unset_by_default() {
    assert_eq!(parse("").theme, None);
    assert_eq!(parse("theme = \"dark\"").theme, Some(ThemeName::Dark));
    assert_eq!(parse("theme = \"light\"").theme, Some(ThemeName::Light));
    assert_eq!(parse("theme = \"mono\"").theme, Some(ThemeName::Mono));
    let (line, column, message) = error("sort = \"date\"\ntheme = \"solarized\"\n");
    assert_eq!((line, column), (2, 9), "{message}");
    assert!(
        message.contains("dark") && message.contains("light") && message.contains("mono"),
        "{message}"
    );
}

#[test]
fn notify_keys() {
    assert_eq!(parse("").notify, None);
    let n = parse("notify = \"hl\"").notify.unwrap();
    assert_eq!(n.query.to_string(), "hl");
    assert_eq!(n.command, None);
    assert!(n.terminal, "the terminal is on by default");
    let n = parse(
        "notify = \"hl:Security\"\nnotify_command = [\"notify-send\", \"{count} new: {title}\"]\n\
         notify_terminal = false\n",
    )
    .notify
    .unwrap();
    assert_eq!(n.query.to_string(), "hl:Security");
    assert_eq!(
        n.command.as_deref(),
        Some(
            &[
                "notify-send".to_string(),
                "{count} new: {title}".to_string()
            ][..]
        )
    );
    assert!(!n.terminal);
}

#[test]
fn notify_mistakes_are_located() {
    let (line, column, message) = error("notify_command = [\"notify-send\"]\n");
    assert_eq!((line, column), (1, 18), "{message}");
    assert!(message.contains("needs notify"), "{message}");
    let (line, _, message) = error("notify = \"hl\"\nnotify_command = []\n");
    assert_eq!(line, 2, "{message}");
    assert!(message.contains("a program and its arguments"), "{message}");
    let (line, _, message) = error("notify = \"hl\"\nnotify_terminal = \"yes\"\n");
    assert_eq!(line, 2, "{message}");
    // A query syntax error points inside the string.
    let (line, column, message) = error("notify = \"tag:rust and (hl\"\n");
    assert_eq!(line, 1, "{message}");
    assert!(column > 10, "{column}: {message}");
    assert!(message.contains("invalid query in notify"), "{message}");
}

#[test]
fn podcast_settings() {
    let d = Config::default();
    assert!(d.player.is_none() && d.download_dir.is_none());
    assert_eq!(d.max_downloads, 2);
    assert_eq!(d.max_download_size, 2 * 1024 * 1024 * 1024);
    let config = parse(
        "player = \"mpv --no-video %u\"\ndownload_dir = \"podcasts\"\nmax_downloads = 4\n\
         max_download_size = \"500MiB\"\n",
    );
    assert_eq!(config.player.as_deref(), Some("mpv --no-video %u"));
    // Relative to the config file's directory, like feed paths.
    assert_eq!(
        config.download_dir(),
        Some(PathBuf::from("/home/me/.config/tidings/podcasts"))
    );
    assert_eq!(config.max_downloads, 4);
    assert_eq!(config.max_download_size, 500 * 1024 * 1024);
    let home = parse("download_dir = \"~/Podcasts\"\n");
    assert!(home.download_dir().unwrap().ends_with("Podcasts"));
    assert!(!home.download_dir().unwrap().starts_with("~"));
}

#[test]
fn bad_podcast_settings_are_positioned() {
    let (line, column, shown) = error("\nmax_downloads = 0\n");
    assert_eq!((line, column), (2, 17));
    assert!(
        shown.contains("max_downloads must be at least 1"),
        "{shown}"
    );
    let (line, _, shown) = error("player = \"mpv 'oops\"\n");
    assert_eq!(line, 1);
    assert!(
        shown.contains("cannot split the player command line: unterminated single quote"),
        "{shown}"
    );
    let (_, _, shown) = error("player = \"  \"\n");
    assert!(shown.contains("player is empty"), "{shown}");
    let (_, _, shown) = error("download_dir = \"\"\n");
    assert!(shown.contains("download_dir is empty"), "{shown}");
    let (_, _, shown) = error("max_download_size = \"2 parsecs\"\n");
    assert!(shown.contains("invalid size"), "{shown}");
}

#[test]
fn views_ignore_rules_mouse_and_sort_values() {
    let config = parse(
        r#"
mouse = false
sort = "oldest-first"

[[views]]
name = "Morning"
query = "unread and (tag:rust or hl)"

[[views]]
name = " Starred "
query = 'starred'

[[ignore]]
query = "title:sponsored"

[[ignore]]
query = "feed:\"city transit\" age>30d"
action = "drop"

[[ignore]]
query = "tag:local"
action = "read"
"#,
    );
    assert!(!config.mouse);
    assert_eq!(config.sort, SortOrder::OldestFirst);
    let views: Vec<(&str, String)> = config
        .views
        .iter()
        .map(|v| (v.name.as_str(), v.query.to_string()))
        .collect();
    assert_eq!(
        views,
        [
            ("Morning", "unread (tag:rust or hl)".to_string()),
            ("Starred", "starred".to_string())
        ]
    );
    let rules: Vec<(String, IgnoreAction)> = config
        .ignore
        .iter()
        .map(|r| (r.query.to_string(), r.action))
        .collect();
    assert_eq!(
        rules,
        [
            ("title:sponsored".to_string(), IgnoreAction::Hide),
            (
                "feed:\"city transit\" age>30d".to_string(),
                IgnoreAction::Drop
            ),
            ("tag:local".to_string(), IgnoreAction::Read),
        ]
    );
    assert!(Config::default().mouse);
    for (value, order) in [
        ("date", SortOrder::Date),
        ("newest-first", SortOrder::Date),
        ("oldest-first", SortOrder::OldestFirst),
        ("feed", SortOrder::Feed),
        ("highlight-first", SortOrder::HighlightFirst),
    ] {
        assert_eq!(parse(&format!("sort = \"{value}\"")).sort, order);
    }
    let mut order = SortOrder::Date;
    for _ in 0..SortOrder::ALL.len() {
        order = order.next();
    }
    assert_eq!(order, SortOrder::Date);
}

#[test]
fn a_query_error_points_into_the_string_in_the_file() {
    // The `)` is at column 34 of line 3: 9 for `query = "`, then the query's column 25.
    let (line, column, shown) =
        error("[[views]]\nname = \"Morning\"\nquery = \"unread and (tag:rust or )\"\n");
    assert_eq!((line, column), (3, 34), "{shown}");
    assert!(
        shown.contains("invalid query in [[views]]: expected a word"),
        "{shown}"
    );
    assert!(shown.ends_with("^"), "{shown}");
    // Escapes before the error count as the characters they stand for in the file.
    let (line, column, _) = error("[[ignore]]\nquery = \"\\\"a b\\\" \\u00e9 zz:x\"\n");
    assert_eq!((line, column), (2, 25));
    // Literal and multi-line strings.
    let (_, column, _) = error("[[ignore]]\nquery = 'tag:rust or'\n");
    assert_eq!(column, 21);
    let (line, column, _) = error("[[ignore]]\nquery = \"\"\"\nunread\nand\"\"\"\n");
    assert_eq!((line, column), (4, 4));
    let (line, column, shown) = error("[[ignore]]\nquery = \"\"\n");
    assert_eq!((line, column), (2, 10));
    assert!(shown.contains("the query is empty"), "{shown}");
}

#[test]
fn views_and_rules_are_checked() {
    let (line, _, shown) =
        error("[[views]]\nname = \"A\"\nquery = \"x\"\n[[views]]\nname = \"a\"\nquery = \"y\"\n");
    assert_eq!(line, 5);
    assert!(shown.contains("used twice (first on line 2)"), "{shown}");
    let (_, _, shown) = error("[[views]]\nname = \" \"\nquery = \"x\"\n");
    assert!(shown.contains("a view needs a name"), "{shown}");
    let (line, _, shown) = error("[[ignore]]\nquery = \"x\"\naction = \"delete\"\n");
    assert_eq!(line, 3);
    assert!(shown.contains("hide") && shown.contains("drop"), "{shown}");
    let (_, _, shown) = error("[[views]]\nname = \"A\"\n");
    assert!(shown.contains("query"), "{shown}");
    let (_, _, shown) = error("mouse = \"yes\"\n");
    assert!(shown.contains("bool"), "{shown}");
    let (_, _, shown) = error("sort = \"random\"\n");
    assert!(shown.contains("oldest-first"), "{shown}");
}

#[test]
fn example_config_commented_theme_and_notify_lines_are_valid() {
    let example = include_str!("../../config.example.toml");
    let mut text = example.to_string();
    for key in ["theme", "notify", "notify_command", "notify_terminal"] {
        let commented = format!("\n# {key} = ");
        assert!(text.contains(&commented), "config.example.toml shows {key}");
        text = text.replace(&commented, &format!("\n{key} = "));
    }
    let config = Config::parse(&text, Path::new("/srv/example/config.example.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.theme, Some(ThemeName::Light));
    let notify = config.notify.expect("notify set");
    assert_eq!(notify.query.to_string(), "hl");
    assert_eq!(notify.command.unwrap()[0], "notify-send");
    assert!(notify.terminal);
}

#[test]
fn percent_decode_takes_only_two_hex_digits_and_keeps_the_rest() {
    assert_eq!(percent_decode("My%20Feed%C3%A9.xml"), "My Feedé.xml");
    // Not escapes: kept as written (`+f` is not two hex digits).
    assert_eq!(percent_decode("a%+fb%2"), "a%+fb%2");
    assert_eq!(percent_decode("100%"), "100%");
    // Bytes that are no UTF-8 are replaced, never a panic.
    assert_eq!(percent_decode("%FF"), "\u{FFFD}");
}
