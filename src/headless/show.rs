//! `tidings show ID`: one article's header and cleaned text; styled on a terminal, plain
//! text when stdout is not one (unless `--color=always`). With `--full`, the article's web
//! page extracted by the engine's full-text code instead of the feed's text.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::app::{AppError, Environment};
use crate::clean::sanitize_inline;
use crate::cli::{ColorChoice, ShowArgs};
use crate::engine::fulltext;
use crate::model::{ArticleBody, ArticleId, ArticleMeta, BodyKind, MediaMark, StoredEnclosure};
use crate::store::{OpenMode, Store, StoreError};
use crate::styled::{Span, SpanStyle, StyledLine};

use super::ansi::{no_color, render_line};
use super::feeds::FeedNames;
use super::output::{self, write_error};

pub fn run(env: &Environment, args: &ShowArgs) -> Result<ExitCode, AppError> {
    // Validates the id's syntax with the same message everywhere.
    args.id
        .parse::<ArticleId>()
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let store = env.open_store_read_only()?;
    let Some(article) = find_article(&store, &args.id)? else {
        return Ok(ExitCode::from(1));
    };
    let article = &article;
    let highlighter = env.highlighter()?;
    let cleaner = env.cleaner()?;
    let names = FeedNames::new(&env.config, &store.load_feed_states()?);
    let enclosures = if article.media == MediaMark::None {
        Vec::new()
    } else {
        store.enclosures(article.id)?
    };
    let feed_body = store.body(article.id)?.unwrap_or_default();
    let (body, full_text_failure) = if args.full {
        match full_text(env, &store, article) {
            Ok(body) => (body, None),
            Err(reason) => (feed_body, Some(reason)),
        }
    } else {
        (feed_body, None)
    };
    let mut document = cleaner.clean(&body, article.link.as_deref());
    highlighter.mark_document(&mut document);
    let stdout_is_tty = std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // https://no-color.org: an explicit `--color always` still wins.
        ColorChoice::Auto => stdout_is_tty && !no_color(),
    };
    let width = args
        .width
        .or_else(|| {
            stdout_is_tty
                .then(crossterm::terminal::size)
                .and_then(Result::ok)
                .map(|(w, _)| w)
        })
        .unwrap_or(80)
        .max(20);

    let mut out = output::stdout();
    for line in header(article, &names, &highlighter)
        .into_iter()
        .chain(enclosure_lines(&enclosures))
    {
        writeln!(out, "{}", render_line(&line, &highlighter, color)).map_err(write_error)?;
    }
    writeln!(out).map_err(write_error)?;
    for line in document.layout(width) {
        writeln!(out, "{}", render_line(&line, &highlighter, color)).map_err(write_error)?;
    }
    output::flush(&mut out)?;
    drop(store);
    if args.mark_read && !article.read {
        let opened = crate::store::Store::open(&env.data_dir, OpenMode::ReadWrite)?;
        opened.store.set_read(&[article.id], true)?;
    }
    if let Some(reason) = full_text_failure {
        eprintln!(
            "tidings: no full article for {}: {reason}; printed the feed's text instead",
            article.id
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The article whose id starts with `id` (already checked to be an id). None, after saying
/// so on stderr, when there is none; an error when several match.
pub(super) fn find_article(store: &Store, id: &str) -> Result<Option<ArticleMeta>, AppError> {
    let prefix = id.trim().to_ascii_lowercase();
    let mut matches: Vec<ArticleMeta> = store
        .list_articles(false, None)?
        .into_iter()
        .filter(|a| a.id.to_string().starts_with(&prefix))
        .collect();
    match matches.len() {
        1 => Ok(matches.pop()),
        0 => {
            eprintln!("tidings: no article with id {prefix} (ids are listed by `tidings list`)");
            Ok(None)
        }
        many => Err(AppError::Usage(format!(
            "`{prefix}` matches {many} articles; give more digits of the id"
        ))),
    }
}

/// The article's web page, extracted: the copy an earlier fetch saved in the store, else
/// fetched and extracted by the engine's full-text code (and saved when the store is free).
/// The error is the reason, for stderr.
fn full_text(
    env: &Environment,
    store: &Store,
    article: &ArticleMeta,
) -> Result<ArticleBody, String> {
    let Some(link) = article.link.as_deref() else {
        return Err("the article has no link to a web page".to_string());
    };
    let html = match store.full_text(article.id).ok().flatten() {
        Some(html) => html,
        None => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("could not start the async runtime: {e}"))?;
            let fetcher = {
                // reqwest needs a runtime context to build its client.
                let _guard = runtime.enter();
                env.fetcher().map_err(|e| e.to_string())?
            };
            let html = runtime
                .block_on(fulltext::fetch_article(&fetcher, link))
                .map_err(|e| e.to_string())?;
            save_full_text(env, article.id, &html);
            html
        }
    };
    Ok(ArticleBody {
        kind: BodyKind::Html,
        content: html,
    })
}

/// Saves the extract for next time when the store can be written. While the reader runs it
/// holds the store: then the text is simply not saved (the reader fetches its own).
fn save_full_text(env: &Environment, id: ArticleId, html: &str) {
    let saved = Store::open(&env.data_dir, OpenMode::ReadWrite)
        .and_then(|opened| opened.store.save_full_text(id, html));
    match saved {
        Ok(()) | Err(StoreError::Locked { .. }) => {}
        Err(error) => {
            eprintln!("tidings: note: the full article was not saved for next time: {error}")
        }
    }
}

fn header(
    article: &ArticleMeta,
    names: &FeedNames,
    highlighter: &crate::highlight::Highlighter,
) -> Vec<StyledLine> {
    let bold = SpanStyle {
        bold: true,
        ..SpanStyle::default()
    };
    let label = SpanStyle::DECORATION;
    let mut title = vec![Span::new(article.title.clone(), bold)];
    title = highlighter.mark(title);
    let mut lines = vec![StyledLine { spans: title }];
    let mut field = |name: &str, value: String| {
        lines.push(StyledLine {
            spans: vec![Span::new(format!("{name:<8}"), label), Span::plain(value)],
        });
    };
    field("Feed", names.title(article.feed).to_string());
    if let Some(author) = &article.author {
        field("Author", author.clone());
    }
    field(
        "Date",
        article.date().format("%Y-%m-%d %H:%M UTC").to_string(),
    );
    if let Some(link) = &article.link {
        field("Link", sanitize_inline(link));
    }
    field("Id", article.id.to_string());
    if !article.highlights.is_empty() {
        let labels: Vec<&str> = article
            .highlights
            .iter()
            .map(|&rule| highlighter.label(rule))
            .collect();
        field("Matches", labels.join(", "));
    }
    lines
}

/// One line per enclosure under the header, as the reader shows them:
/// `♫ 42 min · 38 MB · audio/mpeg  https://...`, the downloaded file on a line of its own.
pub(super) fn enclosure_lines(enclosures: &[StoredEnclosure]) -> Vec<StyledLine> {
    let several = enclosures.len() > 1;
    let mut lines = Vec::new();
    for e in enclosures {
        let mut spans = Vec::with_capacity(4);
        if several {
            spans.push(Span::new(
                format!("{}) ", e.index + 1),
                SpanStyle::DECORATION,
            ));
        }
        spans.push(Span::plain(sanitize_inline(&e.enclosure.summary())));
        spans.push(Span::plain("  "));
        spans.push(Span::new(
            sanitize_inline(&e.enclosure.url),
            SpanStyle {
                link: true,
                ..SpanStyle::default()
            },
        ));
        lines.push(StyledLine { spans });
        if let Some(path) = &e.downloaded {
            lines.push(StyledLine {
                spans: vec![
                    Span::new("  ↓ ", SpanStyle::DECORATION),
                    Span::plain(sanitize_inline(&path.to_string_lossy())),
                ],
            });
        }
    }
    lines
}
