//! The config file as serde sees it (spans kept on every value that is checked later), and
//! the conversion into the clean public types with positioned errors.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::color::{Color, COLOR_EXPECTED};
use super::sync::{is_loopback_url, PasswordSource, Secret, SyncBackend, SyncConfig};
use super::units::{self, DURATION_EXPECTED, SIZE_EXPECTED};
use super::{
    Config, ConfigError, FeedConfig, FeedLocation, HighlightRule, HighlightStyle, ImagesMode,
    KeyOverride, NotifyConfig, Retention, SortOrder, ThemeName, View,
};
use crate::query::{parse as parse_query, IgnoreAction, IgnoreRule, Query};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    refresh_interval: Option<Spanned<IntOrStr<DurationKind>>>,
    max_concurrent_fetches: Option<Spanned<usize>>,
    max_per_host: Option<Spanned<usize>>,
    timeout: Option<Spanned<IntOrStr<DurationKind>>>,
    connect_timeout: Option<Spanned<IntOrStr<DurationKind>>>,
    max_body_size: Option<Spanned<IntOrStr<SizeKind>>>,
    max_redirects: Option<usize>,
    browser: Option<Spanned<String>>,
    player: Option<Spanned<String>>,
    download_dir: Option<Spanned<String>>,
    max_downloads: Option<Spanned<usize>>,
    max_download_size: Option<Spanned<IntOrStr<SizeKind>>>,
    sort: Option<RawSort>,
    #[serde(default)]
    boilerplate: Vec<Spanned<String>>,
    #[serde(default)]
    retention: RawRetention,
    #[serde(default)]
    keys: RawKeys,
    #[serde(default)]
    feeds: Vec<RawFeed>,
    #[serde(default)]
    highlight: Vec<Spanned<RawHighlight>>,
    sync: Option<Spanned<RawSync>>,
    #[serde(default)]
    views: Vec<Spanned<RawView>>,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
    mouse: Option<bool>,
    theme: Option<RawTheme>,
    notify: Option<Spanned<String>>,
    notify_command: Option<Spanned<Vec<String>>>,
    notify_terminal: Option<Spanned<bool>>,
    images: Option<RawImages>,
    image_cache_mb: Option<u64>,
    max_image_size: Option<Spanned<IntOrStr<SizeKind>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawTheme {
    Dark,
    Light,
    Mono,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawImages {
    Auto,
    Off,
    Halfblocks,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSync {
    backend: Spanned<String>,
    url: Spanned<String>,
    user: Spanned<String>,
    password_command: Option<Spanned<Vec<String>>>,
    password_env: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
    #[serde(default)]
    allow_insecure_http: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawView {
    name: Spanned<String>,
    query: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    query: Spanned<String>,
    action: Option<RawAction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawAction {
    Hide,
    Read,
    Drop,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawSort {
    #[serde(alias = "newest-first")]
    Date,
    OldestFirst,
    Feed,
    HighlightFirst,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    max_articles_per_feed: Option<Spanned<usize>>,
    max_age_days: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    url: Spanned<String>,
    title: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    refresh_interval: Option<Spanned<IntOrStr<DurationKind>>>,
    #[serde(default)]
    full_text: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHighlight {
    name: Option<String>,
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
    regex: Option<Spanned<String>>,
    whole_word: Option<bool>,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    priority: i32,
    fg: Option<Spanned<IntOrStr<ColorKind>>>,
    bg: Option<Spanned<IntOrStr<ColorKind>>>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    underline: bool,
}

/// A TOML integer or string, to be interpreted later; `K` names what is expected so that a
/// value of the wrong type (a boolean, a float, a table) gets a helpful message.
struct IntOrStr<K> {
    value: Scalar,
    kind: PhantomData<K>,
}

enum Scalar {
    Int(i64),
    Str(String),
}

impl<K> IntOrStr<K> {
    fn new(value: Scalar) -> Self {
        IntOrStr {
            value,
            kind: PhantomData,
        }
    }
}

trait Expecting {
    const EXPECTING: &'static str;
}
struct DurationKind;
impl Expecting for DurationKind {
    const EXPECTING: &'static str = DURATION_EXPECTED;
}
struct SizeKind;
impl Expecting for SizeKind {
    const EXPECTING: &'static str = SIZE_EXPECTED;
}
struct ColorKind;
impl Expecting for ColorKind {
    const EXPECTING: &'static str = COLOR_EXPECTED;
}

impl<'de, K: Expecting> Deserialize<'de> for IntOrStr<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<K>(PhantomData<K>);
        impl<K: Expecting> Visitor<'_> for V<K> {
            type Value = IntOrStr<K>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(K::EXPECTING)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IntOrStr::new(Scalar::Int(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(|v| IntOrStr::new(Scalar::Int(v)))
                    .map_err(|_| E::custom("number too large"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IntOrStr::new(Scalar::Str(v.to_string())))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The keys bound to one action: `"k"` or `["k", "Up"]`.
struct KeyList(Vec<String>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key like \"j\" or a list of keys like [\"j\", \"Down\"]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyList(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = seq.next_element::<String>()? {
                    keys.push(key);
                }
                Ok(KeyList(keys))
            }
        }
        d.deserialize_any(V)
    }
}

/// The `[keys]` table in file order, with the position of each action name.
#[derive(Default)]
struct RawKeys(Vec<(Spanned<String>, KeyList)>);

impl<'de> Deserialize<'de> for RawKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of action = \"key\" or action = [\"key\", ...]")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(action) = map.next_key::<Spanned<String>>()? {
                    entries.push((action, map.next_value::<KeyList>()?));
                }
                // The deserializer hands keys over sorted; users expect file order.
                entries.sort_by_key(|(action, _)| action.span().start);
                Ok(RawKeys(entries))
            }
        }
        d.deserialize_map(V)
    }
}

const BROWSER_HINT: &str = "give a command like \"firefox --new-tab\", or remove the key to \
     use $BROWSER or the system default";
const PLAYER_HINT: &str = "give a command like \"mpv %u\", or remove the key to use the \
     system default";

/// Parses and validates config text; see [`Config::parse`].
pub(super) fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        // serde names Rust types; say what the user can write instead.
        let message = e
            .message()
            .trim()
            .replace("expected usize", "expected a whole number (0 or more)")
            .replace("expected u32", "expected a whole number (0 or more)")
            .replace("expected i32", "expected a whole number");
        match e.span() {
            Some(span) => ConfigError::at(path, text, span, message),
            None => ConfigError::Invalid {
                path: path.to_path_buf(),
                location: None,
                message,
            },
        }
    })?;
    Converter { text, path }.config(raw)
}

/// Turns raw values into public types; knows the text and path to position its errors.
struct Converter<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Converter<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError::at(self.path, self.text, span, message.into())
    }

    fn config(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let defaults = Config::default();
        let mut config = Config {
            refresh_interval: self
                .positive_duration(raw.refresh_interval, "refresh_interval")?
                .unwrap_or(defaults.refresh_interval),
            max_concurrent_fetches: self
                .at_least_one(raw.max_concurrent_fetches, "max_concurrent_fetches", "")?
                .unwrap_or(defaults.max_concurrent_fetches),
            max_per_host: self
                .at_least_one(raw.max_per_host, "max_per_host", "")?
                .unwrap_or(defaults.max_per_host),
            timeout: self
                .positive_duration(raw.timeout, "timeout")?
                .unwrap_or(defaults.timeout),
            connect_timeout: self
                .positive_duration(raw.connect_timeout, "connect_timeout")?
                .unwrap_or(defaults.connect_timeout),
            max_body_size: match raw.max_body_size {
                Some(v) => self.size(v, "max_body_size")?,
                None => defaults.max_body_size,
            },
            max_redirects: raw.max_redirects.unwrap_or(defaults.max_redirects),
            browser: match raw.browser {
                Some(b) => Some(self.command_line(b, "browser", BROWSER_HINT)?),
                None => None,
            },
            player: match raw.player {
                Some(p) => Some(self.command_line(p, "player", PLAYER_HINT)?),
                None => None,
            },
            download_dir: match raw.download_dir {
                Some(dir) if dir.get_ref().trim().is_empty() => {
                    return Err(self.err(
                        dir.span(),
                        "download_dir is empty: give a directory like \"~/Podcasts\", or \
                         remove the key to use your Downloads directory",
                    ))
                }
                Some(dir) => Some(self.resolve(Path::new(dir.get_ref().trim()))),
                None => None,
            },
            max_downloads: self
                .at_least_one(raw.max_downloads, "max_downloads", "")?
                .unwrap_or(defaults.max_downloads),
            max_download_size: match raw.max_download_size {
                Some(v) => self.size(v, "max_download_size")?,
                None => defaults.max_download_size,
            },
            sort: match raw.sort {
                Some(RawSort::Date) | None => SortOrder::Date,
                Some(RawSort::OldestFirst) => SortOrder::OldestFirst,
                Some(RawSort::Feed) => SortOrder::Feed,
                Some(RawSort::HighlightFirst) => SortOrder::HighlightFirst,
            },
            boilerplate: self.boilerplate(raw.boilerplate)?,
            retention: self.retention(raw.retention)?,
            keys: raw
                .keys
                .0
                .into_iter()
                .map(|(action, keys)| {
                    let loc = super::Location::from_span(self.text, action.span());
                    KeyOverride {
                        action: action.into_inner(),
                        keys: keys.0,
                        line: loc.line,
                        column: loc.column,
                    }
                })
                .collect(),
            feeds: Vec::with_capacity(raw.feeds.len()),
            highlight: Vec::with_capacity(raw.highlight.len()),
            sync: None,
            theme: raw.theme.map(|theme| match theme {
                RawTheme::Dark => ThemeName::Dark,
                RawTheme::Light => ThemeName::Light,
                RawTheme::Mono => ThemeName::Mono,
            }),
            notify: None,
            views: Vec::with_capacity(raw.views.len()),
            ignore: Vec::with_capacity(raw.ignore.len()),
            mouse: raw.mouse.unwrap_or(defaults.mouse),
            images: match raw.images {
                Some(RawImages::Auto) | None => ImagesMode::Auto,
                Some(RawImages::Off) => ImagesMode::Off,
                Some(RawImages::Halfblocks) => ImagesMode::Halfblocks,
            },
            image_cache_mb: raw.image_cache_mb.unwrap_or(defaults.image_cache_mb),
            max_image_size: match raw.max_image_size {
                Some(v) => self.size(v, "max_image_size")?,
                None => defaults.max_image_size,
            },
            path: Some(self.path.to_path_buf()),
        };
        config.notify = self.notify(raw.notify, raw.notify_command, raw.notify_terminal)?;
        // url -> where it was first given; a map so that 10,000 feeds cost O(n), not O(n^2).
        let mut seen: HashMap<String, Range<usize>> = HashMap::new();
        for feed in raw.feeds {
            let feed = self.feed(feed, &mut seen)?;
            config.feeds.push(feed);
        }
        for rule in raw.highlight {
            let span = rule.span();
            config
                .highlight
                .push(self.highlight(rule.into_inner(), span)?);
        }
        if let Some(sync) = raw.sync {
            let span = sync.span();
            config.sync = Some(self.sync(sync.into_inner(), span)?);
        }
        let mut names: HashMap<String, Range<usize>> = HashMap::new();
        for view in raw.views {
            let view = view.into_inner();
            let span = view.name.span();
            let name = view.name.get_ref().trim().to_string();
            if name.is_empty() {
                return Err(self.err(span, "a view needs a name, like name = \"Morning\""));
            }
            if let Some(first) = names.get(&name.to_lowercase()) {
                let first = super::Location::from_span(self.text, first.clone());
                return Err(self.err(
                    span,
                    format!(
                        "the view name \"{name}\" is used twice (first on line {}); rename one",
                        first.line
                    ),
                ));
            }
            names.insert(name.to_lowercase(), span);
            let query = self.query(&view.query, "[[views]]")?;
            config.views.push(View { name, query });
        }
        for rule in raw.ignore {
            let rule = rule.into_inner();
            config.ignore.push(IgnoreRule {
                query: self.query(&rule.query, "[[ignore]]")?,
                action: match rule.action {
                    Some(RawAction::Hide) | None => IgnoreAction::Hide,
                    Some(RawAction::Read) => IgnoreAction::Read,
                    Some(RawAction::Drop) => IgnoreAction::Drop,
                },
            });
        }
        Ok(config)
    }

    fn notify(
        &self,
        query: Option<Spanned<String>>,
        command: Option<Spanned<Vec<String>>>,
        terminal: Option<Spanned<bool>>,
    ) -> Result<Option<NotifyConfig>, ConfigError> {
        let Some(query) = query else {
            let orphan = command
                .as_ref()
                .map(|c| ("notify_command", c.span()))
                .or_else(|| terminal.as_ref().map(|t| ("notify_terminal", t.span())));
            return match orphan {
                Some((key, span)) => Err(self.err(
                    span,
                    format!(
                        "{key} needs notify, the query of the articles to notify about, \
                         like notify = \"hl\""
                    ),
                )),
                None => Ok(None),
            };
        };
        let query = self.query(&query, "notify")?;
        let command = match command {
            None => None,
            Some(c) => {
                let span = c.span();
                let words = c.into_inner();
                if words.first().is_none_or(|p| p.trim().is_empty()) {
                    return Err(self.err(
                        span,
                        format!(
                            "notify_command needs a program and its arguments, like {}",
                            super::NOTIFY_COMMAND_EXAMPLE
                        ),
                    ));
                }
                Some(words)
            }
        };
        Ok(Some(NotifyConfig {
            query,
            command,
            terminal: terminal.is_none_or(Spanned::into_inner),
        }))
    }

    /// Parses the query of a view or kill rule; a syntax error points at the offending
    /// character inside the string in the file.
    fn query(&self, value: &Spanned<String>, table: &str) -> Result<Query, ConfigError> {
        parse_query(value.get_ref()).map_err(|e| {
            let at = offset_in_literal(self.text, value.span(), e.offset);
            self.err(at..at + 1, format!("invalid query in {table}: {}", e.kind))
        })
    }

    fn duration(
        &self,
        value: Spanned<IntOrStr<DurationKind>>,
        key: &str,
    ) -> Result<Duration, ConfigError> {
        let span = value.span();
        let duration = match value.into_inner().value {
            Scalar::Int(secs) => u64::try_from(secs).map(Duration::from_secs).map_err(|_| {
                self.err(
                    span.clone(),
                    format!("{key} cannot be negative: expected {DURATION_EXPECTED}"),
                )
            })?,
            Scalar::Str(s) => units::parse_duration(&s).map_err(|m| self.err(span, m))?,
        };
        Ok(duration)
    }

    fn positive_duration(
        &self,
        value: Option<Spanned<IntOrStr<DurationKind>>>,
        key: &str,
    ) -> Result<Option<Duration>, ConfigError> {
        let Some(value) = value else { return Ok(None) };
        let span = value.span();
        let duration = self.duration(value, key)?;
        if duration.is_zero() {
            return Err(self.err(
                span,
                format!("{key} must be greater than zero, like \"30m\" or \"90s\""),
            ));
        }
        Ok(Some(duration))
    }

    /// A count that must be at least 1 when given.
    fn at_least_one<T: Copy + PartialEq + From<u8>>(
        &self,
        value: Option<Spanned<T>>,
        key: &str,
        hint: &str,
    ) -> Result<Option<T>, ConfigError> {
        match value {
            Some(v) if *v.get_ref() == T::from(0) => {
                Err(self.err(v.span(), format!("{key} must be at least 1{hint}")))
            }
            v => Ok(v.map(Spanned::into_inner)),
        }
    }

    fn size(&self, value: Spanned<IntOrStr<SizeKind>>, key: &str) -> Result<u64, ConfigError> {
        let span = value.span();
        let size = match value.into_inner().value {
            Scalar::Int(n) => u64::try_from(n).map_err(|_| {
                self.err(
                    span.clone(),
                    format!("{key} cannot be negative: expected {SIZE_EXPECTED}"),
                )
            })?,
            Scalar::Str(s) => units::parse_size(&s).map_err(|m| self.err(span.clone(), m))?,
        };
        if size == 0 {
            return Err(self.err(span, format!("{key} must be greater than zero")));
        }
        Ok(size)
    }

    fn color(
        &self,
        value: Option<Spanned<IntOrStr<ColorKind>>>,
    ) -> Result<Option<Color>, ConfigError> {
        let Some(value) = value else { return Ok(None) };
        let span = value.span();
        let color = match value.into_inner().value {
            Scalar::Int(n) => Color::from_index(n),
            Scalar::Str(s) => Color::parse(&s),
        };
        color.map(Some).map_err(|m| self.err(span, m))
    }

    /// A command line (`browser`, `player`) that must split into at least one word.
    fn command_line(
        &self,
        value: Spanned<String>,
        key: &str,
        hint: &str,
    ) -> Result<String, ConfigError> {
        let span = value.span();
        let line = value.into_inner();
        match super::browser::split_command_line(&line) {
            Ok(words) if words.is_empty() => Err(self.err(span, format!("{key} is empty: {hint}"))),
            Ok(_) => Ok(line),
            Err(problem) => Err(self.err(
                span,
                format!("cannot split the {key} command line: {problem}"),
            )),
        }
    }

    fn boilerplate(&self, patterns: Vec<Spanned<String>>) -> Result<Vec<String>, ConfigError> {
        patterns
            .into_iter()
            .map(|p| {
                if p.get_ref().trim().is_empty() {
                    Err(self.err(p.span(), "boilerplate patterns must not be empty"))
                } else {
                    Ok(p.into_inner())
                }
            })
            .collect()
    }

    fn retention(&self, raw: RawRetention) -> Result<Retention, ConfigError> {
        const HINT: &str = "; remove the key to keep everything";
        Ok(Retention {
            max_articles_per_feed: self.at_least_one(
                raw.max_articles_per_feed,
                "max_articles_per_feed",
                HINT,
            )?,
            max_age_days: self.at_least_one(raw.max_age_days, "max_age_days", HINT)?,
        })
    }

    fn feed(
        &self,
        raw: RawFeed,
        seen: &mut HashMap<String, Range<usize>>,
    ) -> Result<FeedConfig, ConfigError> {
        let span = raw.url.span();
        let url = raw.url.get_ref().trim().to_string();
        if url.is_empty() {
            return Err(self.err(
                span,
                "feed url is empty: give an http(s):// url, a file:// url or a path to a file",
            ));
        }
        if let Some(first) = seen.get(&url) {
            let first = super::Location::from_span(self.text, first.clone());
            return Err(self.err(
                span,
                format!(
                    "feed url \"{url}\" is listed twice (first on line {}); remove one",
                    first.line
                ),
            ));
        }
        seen.insert(url.clone(), span.clone());
        let location = self.location(&url, span.clone())?;
        let refresh_interval = self.positive_duration(raw.refresh_interval, "refresh_interval")?;
        Ok(FeedConfig {
            url,
            location,
            title: raw
                .title
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            tags: raw.tags,
            refresh_interval,
            full_text: raw.full_text,
            synced: false,
        })
    }

    /// http(s) urls as they are; `file://` urls and plain paths become files, plain relative
    /// paths relative to the config file's directory.
    fn location(&self, url: &str, span: Range<usize>) -> Result<FeedLocation, ConfigError> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Ok(FeedLocation::File(self.resolve(Path::new(url))));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" => {
                let host = rest.split(['/', '?', '#']).next().unwrap_or("");
                if host.is_empty() {
                    return Err(self.err(span, format!("feed url \"{url}\" has no host name")));
                }
                Ok(FeedLocation::Http(url.to_string()))
            }
            "file" => {
                let path = rest.strip_prefix("localhost").unwrap_or(rest);
                if !path.starts_with('/') {
                    return Err(self.err(
                        span,
                        format!(
                            "file url \"{url}\" needs an absolute path, like \
                             file:///home/me/feed.xml; for a path relative to the config \
                             file, write the path without file://"
                        ),
                    ));
                }
                Ok(FeedLocation::File(PathBuf::from(super::percent_decode(
                    path,
                ))))
            }
            other => Err(self.err(
                span,
                format!(
                    "unsupported url scheme \"{other}\" in feed url \"{url}\": use http://, \
                     https://, file:// or a path to a local file"
                ),
            )),
        }
    }

    fn resolve(&self, path: &Path) -> PathBuf {
        if let Ok(rest) = path.strip_prefix("~") {
            if let Some(home) = directories::BaseDirs::new() {
                return home.home_dir().join(rest);
            }
        }
        match self.path.parent() {
            Some(dir) => dir.join(path),
            None => path.to_path_buf(),
        }
    }

    fn highlight(
        &self,
        raw: RawHighlight,
        span: Range<usize>,
    ) -> Result<HighlightRule, ConfigError> {
        let mut keywords = Vec::with_capacity(raw.keywords.len());
        for keyword in raw.keywords {
            let trimmed = keyword.get_ref().trim();
            if trimmed.is_empty() {
                return Err(self.err(keyword.span(), "highlight keywords must not be empty"));
            }
            keywords.push(trimmed.to_string());
        }
        let regex = match raw.regex {
            Some(re) => {
                let span = re.span();
                let pattern = re.into_inner();
                if let Err(e) = regex::Regex::new(&pattern) {
                    return Err(self.err(
                        span,
                        format!("invalid regex \"{pattern}\": {}", regex_problem(&e)),
                    ));
                }
                Some(pattern)
            }
            None => None,
        };
        if keywords.is_empty() && regex.is_none() {
            return Err(self.err(
                span,
                "a [[highlight]] rule needs `keywords = [\"word\", \"a phrase\"]` or `regex = \"...\"`",
            ));
        }
        Ok(HighlightRule {
            name: raw
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            keywords,
            regex,
            whole_word: raw.whole_word.unwrap_or(true),
            case_sensitive: raw.case_sensitive,
            priority: raw.priority,
            style: HighlightStyle {
                fg: self.color(raw.fg)?,
                bg: self.color(raw.bg)?,
                bold: raw.bold,
                underline: raw.underline,
            },
        })
    }
}

impl Converter<'_> {
    fn sync(&self, raw: RawSync, span: Range<usize>) -> Result<SyncConfig, ConfigError> {
        let backend = SyncBackend::from_key(raw.backend.get_ref().trim()).ok_or_else(|| {
            let known: Vec<String> = SyncBackend::ALL
                .iter()
                .map(|b| format!("\"{}\" ({})", b.key(), b.label()))
                .collect();
            self.err(
                raw.backend.span(),
                format!(
                    "unknown sync backend \"{}\": supported are {}",
                    raw.backend.get_ref(),
                    known.join(", ")
                ),
            )
        })?;
        let url = self.sync_url(&raw.url, raw.allow_insecure_http)?;
        let user = raw.user.get_ref().trim().to_string();
        if user.is_empty() {
            return Err(self.err(
                raw.user.span(),
                "user is empty: give your login on the server",
            ));
        }
        let mut given = Vec::new();
        if let Some(c) = &raw.password_command {
            given.push(c.span());
        }
        if let Some(e) = &raw.password_env {
            given.push(e.span());
        }
        if let Some(p) = &raw.password {
            given.push(p.span());
        }
        given.sort_by_key(|s| s.start);
        if given.len() > 1 {
            return Err(self.err(
                given[1].clone(),
                "give only one of password_command, password_env and password",
            ));
        }
        let mut warning = None;
        let password = if let Some(command) = raw.password_command {
            let words = command.get_ref();
            if words.is_empty() || words[0].trim().is_empty() {
                return Err(self.err(
                    command.span(),
                    "password_command is empty: give a program and its arguments, like \
                     [\"pass\", \"show\", \"ttrss\"]",
                ));
            }
            PasswordSource::Command(command.into_inner())
        } else if let Some(var) = raw.password_env {
            let name = var.get_ref().trim();
            if name.is_empty() || name.contains('=') || name.contains('\0') {
                return Err(self.err(
                    var.span(),
                    "password_env must name an environment variable, like \"TIDINGS_TTRSS_PASSWORD\"",
                ));
            }
            PasswordSource::Env(name.to_string())
        } else if let Some(password) = raw.password {
            let loc = super::Location::from_span(self.text, password.span());
            warning = Some(format!(
                "the sync password is written in {} (line {}): anyone who can read that file \
                 can read it; prefer password_command = [\"pass\", \"show\", \"ttrss\"] or \
                 password_env = \"TIDINGS_TTRSS_PASSWORD\"",
                self.path.display(),
                loc.line
            ));
            PasswordSource::Inline(Secret::new(password.into_inner()))
        } else {
            return Err(self.err(
                span,
                "[sync] needs a password source: password_command = [\"pass\", \"show\", \
                 \"ttrss\"], password_env = \"TIDINGS_TTRSS_PASSWORD\", or password = \"...\"",
            ));
        };
        Ok(SyncConfig {
            backend,
            url,
            user,
            password,
            allow_insecure_http: raw.allow_insecure_http,
            warning,
        })
    }

    /// An http(s) url without credentials; plain http only to this machine unless allowed.
    fn sync_url(&self, raw: &Spanned<String>, insecure_ok: bool) -> Result<String, ConfigError> {
        let url = raw.get_ref().trim().to_string();
        let span = raw.span();
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(self.err(
                span,
                format!(
                    "sync url \"{url}\" needs https://, like \"https://rss.example.org/tt-rss/\""
                ),
            ));
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.is_empty() {
            return Err(self.err(span, format!("sync url \"{url}\" has no host name")));
        }
        if authority.contains('@') {
            return Err(self.err(
                span,
                "the sync url must not carry a user or password: give the user in `user` and \
                 the password with password_command or password_env",
            ));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "https" => Ok(url),
            "http" if insecure_ok || is_loopback_url(&url) => Ok(url),
            "http" => Err(self.err(
                span,
                format!(
                    "sync url \"{url}\" is plain http: your password and articles would cross \
                     the network unencrypted. Use https://, or add allow_insecure_http = true \
                     to [sync] if you really mean it"
                ),
            )),
            other => Err(self.err(
                span,
                format!("unsupported url scheme \"{other}\" in sync url \"{url}\": use https://"),
            )),
        }
    }
}

/// The regex crate's syntax errors span several lines (pattern, caret, description); keep
/// the description.
fn regex_problem(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(|| text.replace('\n', " "), str::to_string)
}

/// The byte offset in `text` of byte `at` of the value of the TOML string at `span`
/// (quotes included): the delimiter is skipped and escapes are decoded, so that an error
/// inside a query points at the right character of the file.
fn offset_in_literal(text: &str, span: Range<usize>, at: usize) -> usize {
    let Some(lit) = text.get(span.clone()) else {
        return span.start;
    };
    let (delim, basic) = if lit.starts_with("\"\"\"") {
        (3, true)
    } else if lit.starts_with("\'\'\'") {
        (3, false)
    } else if lit.starts_with('"') {
        (1, true)
    } else {
        (1, false)
    };
    let mut pos = span.start + delim;
    // A multi-line string drops a line break right after the opening delimiter.
    if delim == 3 {
        if text[pos..].starts_with("\r\n") {
            pos += 2;
        } else if text[pos..].starts_with('\n') {
            pos += 1;
        }
    }
    let end = span.end.saturating_sub(delim).max(pos);
    if !basic {
        return (pos + at).min(end);
    }
    let mut decoded = 0;
    let mut chars = text[pos..end].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if decoded >= at {
            return pos + i;
        }
        if c != '\\' {
            decoded += c.len_utf8();
            continue;
        }
        match chars.next() {
            Some((_, 'u')) | Some((_, 'U')) => {
                let n = if text[pos + i + 1..].starts_with('u') {
                    4
                } else {
                    8
                };
                let hex = text.get(pos + i + 2..pos + i + 2 + n).unwrap_or("");
                let ch = u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{FFFD}');
                decoded += ch.len_utf8();
                for _ in 0..n {
                    chars.next();
                }
            }
            Some((_, w)) if w.is_whitespace() => {
                // A line-ending backslash: the line break and the next line's indentation go.
                while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some(_) => decoded += 1,
            None => {}
        }
    }
    end.min(text.len())
}
