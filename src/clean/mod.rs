//! Turns an article body (feed HTML or plain text) into a [`Document`] of styled blocks and
//! lays it out for a given width. Owns sanitising of network text: nothing it returns can
//! contain a control character, an escape sequence or a bidi override. Never does I/O.

mod boilerplate;
mod layout;
mod links;
mod render;
mod sanitize;
mod table;

use std::collections::{HashMap, HashSet};

pub use sanitize::sanitize_inline;

use crate::model::{ArticleBody, BodyKind};
use crate::styled::{Span, SpanStyle, StyledLine};

/// A boilerplate pattern could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CleanError {
    #[error(
        "boilerplate pattern `{pattern}` (from {origin}) is not usable: {reason}; \
         fix or remove it (plain phrases, `start:`, `any:` or `re:` patterns are accepted)"
    )]
    BadPattern {
        origin: String,
        pattern: String,
        reason: String,
    },
}

/// Cleans article bodies. Built once (the boilerplate rules are compiled) and shared.
#[derive(Debug)]
pub struct Cleaner {
    rules: boilerplate::Rules,
}

impl Cleaner {
    /// Built-in boilerplate rules plus the user's `extra_patterns` (from the config's
    /// `boilerplate` list; same syntax as `assets/boilerplate.txt`).
    pub fn new(extra_patterns: &[String]) -> Result<Cleaner, CleanError> {
        Ok(Cleaner {
            rules: boilerplate::Rules::new(extra_patterns)?,
        })
    }

    /// Cleans one body. `base_url` (the article's link) resolves relative links; without it
    /// relative links are shown as plain text.
    pub fn clean(&self, body: &ArticleBody, base_url: Option<&str>) -> Document {
        let raw = match body.kind {
            BodyKind::Html => render::render_html(&body.content, base_url, &self.rules),
            BodyKind::Text => render::render_text(&body.content, &self.rules),
        };
        finish(raw, &self.rules)
    }
}

impl Default for Cleaner {
    /// The built-in rules only.
    fn default() -> Cleaner {
        Cleaner::new(&[]).expect("built-in boilerplate rules compile (checked by a unit test)")
    }
}

/// A cleaned article: blocks of styled text plus the link targets their footnotes point to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    pub(crate) blocks: Vec<Block>,
    /// Link targets: footnote `[n]` in the text refers to `links[n - 1]`. Absolute http,
    /// https or mailto URLs only, each listed once.
    pub links: Vec<String>,
    /// The article's images in document order (tracking pixels left out). The text shows
    /// each as its `[image: alt]` label; a reader that draws pictures places them with
    /// [`Document::layout_anchored`].
    pub images: Vec<ImageRef>,
    /// Images before the first block.
    pub(crate) lead_images: Vec<usize>,
}

/// An `<img>` of the article.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageRef {
    /// The reference as written (`src`, else a lazy-loading `data-src`, else the first
    /// `srcset` candidate), trimmed; never a `data:` url and never holding a control character.
    pub src: String,
    /// `src` resolved against the article's link (or the document's `<base>`), when that gives
    /// an http(s) url.
    pub url: Option<String>,
    /// The alt text, sanitised (empty when there is none).
    pub alt: String,
    /// The `width` and `height` attributes, in CSS pixels, when given as numbers.
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Where a picture goes in laid-out lines: before line `line` (right after the block that
/// holds the image), for `Document::images[image]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageAnchor {
    pub line: usize,
    pub image: usize,
}

impl Document {
    /// The text without wrapping: one line per paragraph, blocks separated by a blank line,
    /// list markers and quote bars included, no link list. For matching and plain output.
    pub fn plain_text(&self) -> String {
        let lines = layout::layout_blocks(&self.blocks, usize::from(u16::MAX));
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(line.plain_text().trim_end());
        }
        out
    }

    /// Lines wrapped to `width` columns, followed by the numbered link list. Preformatted
    /// lines longer than the width are clipped (the last column shows `›`).
    pub fn layout(&self, width: u16) -> Vec<StyledLine> {
        let width = usize::from(width.max(1));
        let mut lines = layout::layout_blocks(&self.blocks, width);
        layout::link_list(&self.links, width, &mut lines);
        lines
    }

    /// The same lines as [`Document::layout`], and where each image belongs in them: after
    /// the last line of the block that holds it, in document order.
    pub fn layout_anchored(&self, width: u16) -> (Vec<StyledLine>, Vec<ImageAnchor>) {
        let width = usize::from(width.max(1));
        let mut anchors: Vec<ImageAnchor> = self
            .lead_images
            .iter()
            .map(|&image| ImageAnchor { line: 0, image })
            .collect();
        let mut lines = layout::layout_blocks_with(&self.blocks, width, |block, line| {
            for &image in &self.blocks[block].images {
                anchors.push(ImageAnchor { line, image });
            }
        });
        layout::link_list(&self.links, width, &mut lines);
        (lines, anchors)
    }

    /// True when cleaning left nothing to show.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty() && self.images.is_empty()
    }

    /// Every independent run of text (paragraph, heading, list item, table cell, code line),
    /// for the highlighter: a phrase may span a future line wrap but not two runs.
    pub(crate) fn text_runs_mut(&mut self) -> Vec<&mut Vec<Span>> {
        let mut out = Vec::new();
        for block in &mut self.blocks {
            match &mut block.kind {
                BlockKind::Para(spans) | BlockKind::Heading(_, spans) => out.push(spans),
                BlockKind::Pre(lines) => out.extend(lines.iter_mut()),
                BlockKind::Table(rows) => {
                    for row in rows {
                        out.extend(row.cells.iter_mut());
                    }
                }
                BlockKind::Rule => {}
            }
        }
        out
    }
}

/// What encloses a block: quotes and list items, outermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Container {
    Quote {
        id: u32,
    },
    /// A list item (or a `dd`): its content is indented by `indent` columns; the first line
    /// of its first block shows `marker` in that space.
    Item {
        list: u32,
        item: u32,
        indent: u16,
        marker: Option<String>,
    },
}

impl Container {
    fn same(&self, other: &Container) -> bool {
        match (self, other) {
            (Container::Quote { id: a }, Container::Quote { id: b }) => a == b,
            (
                Container::Item {
                    list: a, item: x, ..
                },
                Container::Item {
                    list: b, item: y, ..
                },
            ) => a == b && x == y,
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Block {
    pub(crate) kind: BlockKind,
    pub(crate) ctx: Vec<Container>,
    /// Images (indices into `Document::images`) shown after this block.
    pub(crate) images: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum BlockKind {
    /// Inline text; a span whose text is exactly "\n" is a hard line break.
    Para(Vec<Span>),
    Heading(u8, Vec<Span>),
    /// Verbatim lines, never re-wrapped.
    Pre(Vec<Vec<Span>>),
    Table(Vec<Row>),
    /// A horizontal rule.
    Rule,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    pub(crate) header: bool,
    pub(crate) cells: Vec<Vec<Span>>,
}

/// The hard line break marker inside a paragraph's spans.
pub(crate) const BREAK: &str = "\n";

/// Inline content as the renderer builds it, before link numbers are known.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Inline {
    Text(Span),
    Break,
    /// Footnote for `RawDoc::links[i]`.
    Link(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RawKind {
    Para(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    Pre(Vec<String>),
    Table(Vec<RawRow>),
    Rule,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RawRow {
    pub(crate) header: bool,
    pub(crate) cells: Vec<Vec<Inline>>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RawBlock {
    pub(crate) kind: RawKind,
    pub(crate) ctx: Vec<Container>,
    /// Images seen in or right after this block (indices into `RawDoc::images`).
    pub(crate) images: Vec<usize>,
}

/// Renderer output: blocks plus the resolved targets of every link seen (used or not).
#[derive(Debug, Default)]
pub(crate) struct RawDoc {
    pub(crate) blocks: Vec<RawBlock>,
    pub(crate) links: Vec<String>,
    pub(crate) images: Vec<ImageRef>,
    /// Images before the first block.
    pub(crate) lead_images: Vec<usize>,
}

/// Visible text of inline content, decoration (image labels) excluded: what boilerplate
/// rules and de-duplication look at.
pub(crate) fn inline_text(items: &[Inline]) -> String {
    let mut s = String::new();
    for item in items {
        match item {
            Inline::Text(span) if !span.style.decoration => s.push_str(&span.text),
            Inline::Text(_) | Inline::Link(_) => {}
            Inline::Break => s.push(' '),
        }
    }
    s
}

/// Drops boilerplate blocks and repeated paragraphs, then numbers the links that are left.
fn finish(raw: RawDoc, rules: &boilerplate::Rules) -> Document {
    let mut seen: HashSet<String> = HashSet::new();
    let mut numbers: HashMap<usize, usize> = HashMap::new();
    let mut by_url: HashMap<&str, usize> = HashMap::new();
    let mut links: Vec<String> = Vec::new();
    let mut blocks: Vec<Block> = Vec::with_capacity(raw.blocks.len());
    let mut lead_images = raw.lead_images;
    let mut dropped_markers: Vec<Container> = Vec::new();
    // A dropped block's images stay where they were: after the block before it.
    let mut keep_images = |blocks: &mut Vec<Block>, images: Vec<usize>| match blocks.last_mut() {
        Some(b) => b.images.extend(images),
        None => lead_images.extend(images),
    };
    for block in raw.blocks {
        let text = match &block.kind {
            RawKind::Para(items) | RawKind::Heading(_, items) => Some(inline_text(items)),
            _ => None,
        };
        if let Some(text) = text {
            if rules.matches(&text) {
                // A removed first block of a list item hands its marker to the next block of
                // the same item, so the item keeps its bullet.
                dropped_markers.extend(block.ctx.iter().filter(|c| has_marker(c)).cloned());
                keep_images(&mut blocks, block.images);
                continue;
            }
            let key = boilerplate::normalize(&text);
            if key.split(' ').count() >= 4 && !seen.insert(key) {
                keep_images(&mut blocks, block.images);
                continue;
            }
        }
        let mut ctx = block.ctx;
        if !dropped_markers.is_empty() {
            for c in ctx.iter_mut() {
                if let Some(pos) = dropped_markers.iter().position(|d| d.same(c)) {
                    let d = dropped_markers.swap_remove(pos);
                    if !has_marker(c) {
                        *c = d;
                    }
                }
            }
            dropped_markers.clear();
        }
        let mut convert = |items: Vec<Inline>| -> Vec<Span> {
            let mut spans: Vec<Span> = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Inline::Text(span) => push_span(&mut spans, span),
                    Inline::Break => spans.push(Span::plain(BREAK)),
                    Inline::Link(i) => {
                        let n = *numbers.entry(i).or_insert_with(|| {
                            let url = raw.links[i].as_str();
                            *by_url.entry(url).or_insert_with(|| {
                                links.push(url.to_string());
                                links.len()
                            })
                        });
                        push_span(
                            &mut spans,
                            Span::new(
                                format!("[{n}]"),
                                SpanStyle {
                                    decoration: true,
                                    ..SpanStyle::default()
                                },
                            ),
                        );
                    }
                }
            }
            spans
        };
        let kind = match block.kind {
            RawKind::Para(items) => BlockKind::Para(convert(items)),
            RawKind::Heading(level, items) => BlockKind::Heading(level, convert(items)),
            RawKind::Pre(lines) => BlockKind::Pre(
                lines
                    .into_iter()
                    .map(|l| {
                        if l.is_empty() {
                            Vec::new()
                        } else {
                            vec![Span::new(
                                l,
                                SpanStyle {
                                    code: true,
                                    ..SpanStyle::default()
                                },
                            )]
                        }
                    })
                    .collect(),
            ),
            RawKind::Table(rows) => BlockKind::Table(
                rows.into_iter()
                    .map(|r| Row {
                        header: r.header,
                        cells: r.cells.into_iter().map(&mut convert).collect(),
                    })
                    .collect(),
            ),
            RawKind::Rule => BlockKind::Rule,
        };
        blocks.push(Block {
            kind,
            ctx,
            images: block.images,
        });
    }
    Document {
        blocks,
        links,
        images: raw.images,
        lead_images,
    }
}

fn has_marker(c: &Container) -> bool {
    matches!(
        c,
        Container::Item {
            marker: Some(_),
            ..
        }
    )
}

/// Appends a span, merging it into the previous one when the styles are equal.
pub(crate) fn push_span(spans: &mut Vec<Span>, span: Span) {
    if span.text.is_empty() {
        return;
    }
    if let Some(last) = spans.last_mut() {
        if last.style == span.style && last.text != BREAK && span.text != BREAK {
            last.text.push_str(&span.text);
            return;
        }
    }
    spans.push(span);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_compile() {
        let _ = Cleaner::default();
    }

    fn clean(html: &str) -> Document {
        let body = ArticleBody {
            kind: BodyKind::Html,
            content: html.to_string(),
        };
        Cleaner::default().clean(&body, Some("https://news.example/2024/post/"))
    }

    #[test]
    fn images_keep_their_reference_size_and_alt() {
        let doc = clean(
            "<p><img src=\"a.png\" width=\"640px\" height=\"360\" alt=\"A &amp; B\"></p>\
             <img data-src=\"/lazy.jpg\" src=\"data:image/gif;base64,R0lGOD\">\
             <img srcset=\"small.webp 480w, big.webp 1080w\">\
             <img src=\"https://t.example/p.gif\" width=\"1\" height=\"1\">\
             <img src=\"javascript:alert(1)\" alt=\"x\">",
        );
        let refs: Vec<(&str, Option<&str>)> = doc
            .images
            .iter()
            .map(|i| (i.src.as_str(), i.url.as_deref()))
            .collect();
        assert_eq!(
            refs,
            [
                ("a.png", Some("https://news.example/2024/post/a.png")),
                ("/lazy.jpg", Some("https://news.example/lazy.jpg")),
                (
                    "small.webp",
                    Some("https://news.example/2024/post/small.webp")
                ),
                ("javascript:alert(1)", None),
            ]
        );
        assert_eq!(doc.images[0].alt, "A & B");
        assert_eq!(
            (doc.images[0].width, doc.images[0].height),
            (Some(640), Some(360))
        );
        assert_eq!((doc.images[1].width, doc.images[1].height), (None, None));
    }

    #[test]
    fn anchors_follow_the_block_that_holds_the_image() {
        let doc = clean(
            "<img src=\"first.png\">\
             <p>One <img src=\"inline.png\" alt=\"inline\"> two.</p>\
             <p><img src=\"alone.png\"></p>\
             <p>Three.</p>",
        );
        let (lines, anchors) = doc.layout_anchored(40);
        // The same lines as without images.
        assert_eq!(lines, doc.layout(40));
        let text: Vec<String> = lines.iter().map(StyledLine::plain_text).collect();
        assert_eq!(text, ["One [image: inline] two.", "", "Three."]);
        let placed: Vec<(usize, &str)> = anchors
            .iter()
            .map(|a| (a.line, doc.images[a.image].src.as_str()))
            .collect();
        // Before everything; after the paragraph holding it; an image alone in an otherwise
        // empty paragraph goes where that paragraph was (after "One ... two.").
        assert_eq!(
            placed,
            [(0, "first.png"), (1, "inline.png"), (1, "alone.png")]
        );
    }

    #[test]
    fn images_of_dropped_boilerplate_stay_in_place() {
        let doc = clean(
            "<p>Story.</p>\
             <p>Share this article <img src=\"share.png\" alt=\"share\"></p>\
             <p>More story.</p>",
        );
        let (lines, anchors) = doc.layout_anchored(60);
        let text: Vec<String> = lines.iter().map(StyledLine::plain_text).collect();
        assert_eq!(text, ["Story.", "", "More story."]);
        assert_eq!(anchors.len(), 1);
        assert_eq!(
            anchors[0].line, 1,
            "after \"Story.\", where the dropped block was"
        );
    }
}
