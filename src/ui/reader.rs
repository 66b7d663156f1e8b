//! The reader pane's data: the article shown, a bounded cache of cleaned bodies and full
//! texts, and laying an article out into styled lines for a width (header + text). Cleaning
//! and highlighting a body happens here, once per body, when the engine delivers it; the
//! state only keeps the results. No I/O: bodies arrive as events.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::FixedOffset;

use crate::clean::{sanitize_inline, Cleaner, Document};
use crate::highlight::Highlighter;
use crate::model::{ArticleBody, ArticleId, ArticleMeta, StoredEnclosure};
use crate::styled::{Span, SpanStyle, StyledLine};

use super::strings;
use super::text;

/// How many cleaned article bodies stay cached.
const BODY_CACHE: usize = 256;

/// The article in the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader {
    pub id: ArticleId,
    /// First line shown.
    pub scroll: usize,
    /// Showing the full article (from its web page) instead of the feed's text.
    pub full: bool,
}

/// A cleaned body, or where it is on its way.
#[derive(Clone, Debug)]
pub enum BodyState {
    Loading,
    /// The store has no body for the article.
    Missing,
    Ready(Arc<Document>),
}

/// The full-article version of an article.
#[derive(Clone, Debug)]
pub enum FullState {
    Fetching,
    Failed(String),
    Ready(Arc<Document>),
}

/// Cleaned bodies (the last `BODY_CACHE` asked for) and full texts, by article.
#[derive(Default)]
pub struct Bodies {
    bodies: HashMap<ArticleId, BodyState>,
    order: VecDeque<ArticleId>,
    full: HashMap<ArticleId, FullState>,
}

impl Bodies {
    pub fn body(&self, id: ArticleId) -> Option<&BodyState> {
        self.bodies.get(&id)
    }

    pub fn full(&self, id: ArticleId) -> Option<&FullState> {
        self.full.get(&id)
    }

    /// Stores a body, evicting the oldest ones beyond the cache size (never `open`, the
    /// article in the reader).
    pub fn set_body(&mut self, id: ArticleId, body: BodyState, open: Option<ArticleId>) {
        if !self.bodies.contains_key(&id) {
            self.order.push_back(id);
            // Each article is in `order` once: at most one full turn finds nothing to evict.
            let mut turns = self.order.len();
            while self.order.len() > BODY_CACHE && turns > 0 {
                turns -= 1;
                if let Some(old) = self.order.pop_front() {
                    if Some(old) == open {
                        self.order.push_back(old);
                        continue;
                    }
                    self.bodies.remove(&old);
                }
            }
        }
        self.bodies.insert(id, body);
    }

    pub fn set_full(&mut self, id: ArticleId, full: FullState) {
        self.full.insert(id, full);
    }

    /// The document the reader shows (feed text or full text), when it is ready.
    pub fn document(&self, reader: Reader) -> Option<&Arc<Document>> {
        if reader.full {
            return match self.full.get(&reader.id) {
                Some(FullState::Ready(doc)) => Some(doc),
                _ => None,
            };
        }
        match self.bodies.get(&reader.id) {
            Some(BodyState::Ready(doc)) => Some(doc),
            _ => None,
        }
    }
}

/// Cleans a body (sanitises, removes boilerplate) and marks highlight matches.
pub fn render_body(
    cleaner: &Cleaner,
    highlighter: &Highlighter,
    body: &ArticleBody,
    base_url: Option<&str>,
) -> Arc<Document> {
    let mut doc = cleaner.clean(body, base_url);
    highlighter.mark_document(&mut doc);
    Arc::new(doc)
}

/// What the reader needs to lay an article out.
pub struct Page<'a> {
    pub article: &'a ArticleMeta,
    pub feed_title: &'a str,
    pub reader: Reader,
    pub bodies: &'a Bodies,
    pub highlighter: &'a Highlighter,
    pub tz: FixedOffset,
    /// The article's enclosures, once loaded (empty before, or without any).
    pub enclosures: &'a [StoredEnclosure],
}

/// The reader's lines for `width`: the header, a blank line, then the text (or a note saying
/// it is loading, missing, or that the full article failed).
pub fn lay_out(page: &Page<'_>, width: u16) -> Vec<StyledLine> {
    let r = page.reader;
    let mut lines = header(page, width);
    lines.push(StyledLine::default());
    let muted = SpanStyle {
        italic: true,
        decoration: true,
        ..SpanStyle::default()
    };
    let note = |t: &str| text::wrap_spans(&[Span::new(t, muted)], width);
    let feed_text = |lines: &mut Vec<StyledLine>| match page.bodies.body(r.id) {
        Some(BodyState::Ready(doc)) => lines.extend(doc.layout(width)),
        Some(BodyState::Missing) => lines.extend(note(strings::NO_BODY)),
        Some(BodyState::Loading) | None => lines.extend(note(strings::LOADING)),
    };
    if r.full {
        match page.bodies.full(r.id) {
            Some(FullState::Ready(doc)) => lines.extend(doc.layout(width)),
            Some(FullState::Failed(e)) => {
                let err = SpanStyle {
                    bold: true,
                    ..SpanStyle::default()
                };
                lines.extend(text::wrap_spans(
                    &[
                        Span::new(format!("{} ", strings::FULL_FAILED), err),
                        Span::plain(e.clone()),
                    ],
                    width,
                ));
                lines.extend(note(strings::SHOWING_FEED_TEXT));
                lines.push(StyledLine::default());
                feed_text(&mut lines);
            }
            Some(FullState::Fetching) | None => lines.extend(note(strings::FETCHING_FULL)),
        }
    } else {
        feed_text(&mut lines);
    }
    lines
}

/// One line per enclosure, under the header: `♫ 42 min · 38 MB · audio/mpeg`, `↓ file` when
/// it is downloaded, then its url as a link; numbered when there are several (`e` then a
/// number picks one).
pub fn enclosure_lines(enclosures: &[StoredEnclosure], width: u16) -> Vec<StyledLine> {
    let label = SpanStyle {
        decoration: true,
        ..SpanStyle::default()
    };
    let link = SpanStyle {
        link: true,
        ..SpanStyle::default()
    };
    let several = enclosures.len() > 1;
    let mut lines = Vec::new();
    for e in enclosures {
        let mut spans = Vec::with_capacity(4);
        if several {
            spans.push(Span::new(format!("{}) ", e.index + 1), label));
        }
        spans.push(Span::plain(sanitize_inline(&e.enclosure.summary())));
        if let Some(path) = &e.downloaded {
            let name = path
                .file_name()
                .map_or_else(|| path.to_string_lossy(), |n| n.to_string_lossy());
            spans.push(Span::plain(format!(
                " · {} {}",
                strings::DOWNLOADED_MARK,
                sanitize_inline(&name)
            )));
        }
        spans.push(Span::plain("  "));
        spans.push(Span::new(sanitize_inline(&e.enclosure.url), link));
        lines.extend(text::wrap_spans(&spans, width));
    }
    lines
}

/// Title, feed, author, date, link and matching rules, wrapped to `width`.
fn header(page: &Page<'_>, width: u16) -> Vec<StyledLine> {
    let a = page.article;
    let label = SpanStyle {
        decoration: true,
        ..SpanStyle::default()
    };
    let title_style = SpanStyle {
        bold: true,
        heading: true,
        ..SpanStyle::default()
    };
    let mut lines = Vec::new();
    let title = sanitize_inline(&a.title);
    let title_spans = page.highlighter.mark(vec![Span::new(title, title_style)]);
    lines.extend(text::wrap_spans(&title_spans, width));
    let mut field = |name: &str, value: String, style: SpanStyle| {
        if !value.is_empty() {
            lines.extend(text::wrap_spans(
                &[Span::new(name, label), Span::new(value, style)],
                width,
            ));
        }
    };
    field(
        strings::LABEL_FEED,
        page.feed_title.to_string(),
        SpanStyle::default(),
    );
    field(
        strings::LABEL_AUTHOR,
        a.author.as_deref().map(sanitize_inline).unwrap_or_default(),
        SpanStyle::default(),
    );
    field(
        strings::LABEL_DATE,
        text::long_date(a.date(), page.tz),
        SpanStyle::default(),
    );
    field(
        strings::LABEL_LINK,
        a.link.as_deref().map(sanitize_inline).unwrap_or_default(),
        SpanStyle {
            link: true,
            ..SpanStyle::default()
        },
    );
    if !a.highlights.is_empty() {
        let mut spans = vec![Span::new(strings::LABEL_MATCHES, label)];
        for (i, &rule) in a.highlights.iter().enumerate() {
            if i > 0 {
                spans.push(Span::plain(", "));
            }
            let style = SpanStyle {
                highlight: Some(rule),
                ..SpanStyle::default()
            };
            spans.push(Span::new(
                sanitize_inline(page.highlighter.label(rule)),
                style,
            ));
        }
        lines.extend(text::wrap_spans(&spans, width));
    }
    lines.extend(enclosure_lines(page.enclosures, width));
    lines
}
