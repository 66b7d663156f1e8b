//! `tidings list` and `tidings search`: stored articles (those a query matches), newest
//! first, as aligned text or JSON Lines. Articles kill rules hid show only with `--ignored`;
//! with `--enclosures`, only articles with enclosures, each followed by them.

use std::io::Write;
use std::process::ExitCode;

use chrono::{Datelike, Timelike};
use serde::Serialize;

use crate::app::{AppError, Environment};
use crate::cli::{Format, ListFilters};
use crate::engine::rehighlight::is_stale;
use crate::highlight::Highlighter;
use crate::model::{ArticleMeta, FeedId, FeedState, MediaMark, StoredEnclosure};

use super::feeds::FeedNames;
use super::output::{self, write_error};
use super::query::{context, parse};
use crate::store::Filter;

/// One line of `--format json`. Field names are a contract with scripts.
#[derive(Serialize)]
struct ArticleJson<'a> {
    id: String,
    feed: &'a str,
    feed_url: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    author: Option<&'a str>,
    published: Option<String>,
    read: bool,
    starred: bool,
    highlights: Vec<&'a str>,
    /// Only with `--enclosures`.
    #[serde(skip_serializing_if = "Option::is_none")]
    enclosures: Option<Vec<EnclosureJson>>,
}

/// One enclosure in `--format json --enclosures`. Field names are a contract with scripts.
#[derive(Serialize)]
struct EnclosureJson {
    url: String,
    #[serde(rename = "type")]
    mime: Option<String>,
    length: Option<u64>,
    duration_seconds: Option<u64>,
    downloaded_path: Option<String>,
}

impl EnclosureJson {
    fn new(e: StoredEnclosure) -> EnclosureJson {
        EnclosureJson {
            url: e.enclosure.url,
            mime: e.enclosure.mime,
            length: e.enclosure.length,
            duration_seconds: e.enclosure.duration.map(|d| d.as_secs()),
            downloaded_path: e.downloaded.map(|p| p.to_string_lossy().into_owned()),
        }
    }
}

/// `tidings list [--query QUERY]` and `tidings search QUERY`.
pub fn run(
    env: &Environment,
    query: Option<&str>,
    args: &ListFilters,
) -> Result<ExitCode, AppError> {
    // A syntax error is reported before anything is opened.
    let query = query.map(parse).transpose()?;
    let store = env.open_store_read_only()?;
    let highlighter = env.highlighter()?;
    let states = store.load_feed_states()?;
    if is_stale(&store, &highlighter)? && !states.is_empty() {
        eprintln!(
            "tidings: the highlight rules changed since the last refresh; \
             `tidings refresh` (or starting the reader) updates the matches shown here"
        );
    }
    let ctx = context(env, &states, &highlighter);
    if !states.is_empty() && store.ignore_rules_changed(&env.config.ignore, &ctx)? {
        eprintln!(
            "tidings: the kill rules ([[ignore]]) changed since they were last applied; \
             `tidings refresh` or `tidings gc` applies them to the stored articles"
        );
    }
    let names = FeedNames::new(&env.config, &states);
    let feeds = args.feed.as_deref().map(|needle| names.matching(needle));
    if let (Some(needle), Some(ids)) = (&args.feed, &feeds) {
        if ids.is_empty() {
            return Err(AppError::Usage(format!(
                "no feed's title or url contains `{needle}`"
            )));
        }
    }
    let mut articles = store.search(
        &Filter {
            query: query.as_ref(),
            unread: args.unread,
            starred: args.starred,
            highlighted: args.highlighted,
            feeds: feeds.as_deref(),
            hidden: args.ignored,
        },
        &ctx,
    )?;
    articles.retain(|a| !args.enclosures || a.media != MediaMark::None);
    if let Some(limit) = args.limit {
        articles.truncate(limit);
    }
    let mut out = output::stdout();
    for article in &articles {
        let enclosures = if args.enclosures {
            Some(store.enclosures(article.id)?)
        } else {
            None
        };
        match args.format {
            Format::Json => {
                let mut json = to_json(article, &names, &highlighter);
                json.enclosures =
                    enclosures.map(|list| list.into_iter().map(EnclosureJson::new).collect());
                serde_json::to_writer(&mut out, &json)
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n"))
            }
            Format::Plain => write_plain_line(&mut out, article, &names).and_then(|()| {
                enclosures
                    .iter()
                    .flatten()
                    .try_for_each(|e| write_enclosure_line(&mut out, e))
            }),
        }
        .map_err(write_error)?;
    }
    output::flush(&mut out)?;
    report_feed_problems(&states, feeds.as_deref(), &names);
    // The process ends right after: freeing 100k articles one by one would cost more than
    // printing them (measured: a fifth of `list --unread` on 100k articles).
    std::mem::forget(articles);
    Ok(ExitCode::SUCCESS)
}

/// On stderr, after the list: every listed feed whose last poll failed, or that was read only
/// in part or with a warning, so that a feed with missing articles never looks merely quiet.
/// (`feeds`: the feeds `--feed` selected; all when None.)
fn report_feed_problems(states: &[FeedState], feeds: Option<&[FeedId]>, names: &FeedNames) {
    for state in states {
        if feeds.is_some_and(|ids| !ids.contains(&state.id)) {
            continue;
        }
        let problem = match (&state.last_error, &state.warning) {
            (Some(error), _) => {
                let kind = state.error_kind.map_or("error", |k| k.as_str());
                format!("failing: {kind}: {error}")
            }
            (None, Some(warning)) => warning.to_string(),
            (None, None) => continue,
        };
        eprintln!("tidings: feed {}: {problem}", names.title(state.id));
    }
}

fn to_json<'a>(
    article: &'a ArticleMeta,
    names: &'a FeedNames,
    highlighter: &'a Highlighter,
) -> ArticleJson<'a> {
    ArticleJson {
        id: article.id.to_string(),
        feed: names.title(article.feed),
        feed_url: names.url(article.feed),
        title: &article.title,
        link: article.link.as_deref(),
        author: article.author.as_deref(),
        published: article.published.map(|d| d.to_rfc3339()),
        read: article.read,
        starred: article.starred,
        highlights: article
            .highlights
            .iter()
            .map(|&rule| highlighter.label(rule))
            .collect(),
        enclosures: None,
    }
}

/// `    ♫ 42 min · 38 MB · audio/mpeg  <url>` and, when downloaded, `  ↓ <path>`.
fn write_enclosure_line(out: &mut impl Write, e: &StoredEnclosure) -> std::io::Result<()> {
    let clean = crate::clean::sanitize_inline;
    write!(
        out,
        "    {}  {}",
        e.enclosure.summary(),
        clean(&e.enclosure.url)
    )?;
    if let Some(path) = &e.downloaded {
        write!(out, "  ↓ {}", clean(&path.to_string_lossy()))?;
    }
    writeln!(out)
}

/// `id  date  flags  feed  title`; flags: N unread, * starred, ! highlighted.
fn write_plain_line(
    out: &mut impl Write,
    article: &ArticleMeta,
    names: &FeedNames,
) -> std::io::Result<()> {
    // Formatted by hand: chrono's strftime parser ran once per line.
    let date = article.date().naive_utc();
    let (day, time) = (date.date(), date.time());
    writeln!(
        out,
        "{}  {:04}-{:02}-{:02} {:02}:{:02}  {}{}{}  {}  {}",
        article.id,
        day.year(),
        day.month(),
        day.day(),
        time.hour(),
        time.minute(),
        if article.read { '-' } else { 'N' },
        if article.starred { '*' } else { '-' },
        if article.highlights.is_empty() {
            '-'
        } else {
            '!'
        },
        names.title(article.feed),
        article.title
    )
}
