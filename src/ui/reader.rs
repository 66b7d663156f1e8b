//! The reader pane's data: the article shown, a bounded cache of cleaned bodies and full
//! texts, laying an article out into styled lines for a width (header + text), and the
//! article's image slots: rows reserved for pictures, sized once so that the text never moves
//! when a picture arrives, and which images to load, cancel or encode. Cleaning and
//! highlighting a body happens here, once per body, when the engine delivers it; the state
//! only keeps the results. No I/O: bodies and images arrive as events.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;

use chrono::FixedOffset;

use crate::clean::{sanitize_inline, Cleaner, Document, ImageRef};
use crate::highlight::Highlighter;
use crate::images::{DecodedImage, ImageError, ImageKey, ImageSource};
use crate::model::{ArticleBody, ArticleId, ArticleMeta, StoredEnclosure};
use crate::styled::{Span, SpanStyle, StyledLine};

use super::picture::{EncodeJob, Picture, PictureReady, Pictures};
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
    lay_out_anchored(page, width).0
}

/// An image of the text and where its picture would go: before line `line` of the lines
/// [`lay_out_anchored`] returned with it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedImage {
    pub line: usize,
    pub image: ImageRef,
}

/// [`lay_out`], and where the text's images belong in those lines (in order).
pub fn lay_out_anchored(page: &Page<'_>, width: u16) -> (Vec<StyledLine>, Vec<PlacedImage>) {
    let r = page.reader;
    let mut lines = header(page, width);
    lines.push(StyledLine::default());
    let mut placed = Vec::new();
    let muted = SpanStyle {
        italic: true,
        decoration: true,
        ..SpanStyle::default()
    };
    let note = |t: &str| text::wrap_spans(&[Span::new(t, muted)], width);
    let document = |lines: &mut Vec<StyledLine>, placed: &mut Vec<PlacedImage>, doc: &Document| {
        let (text, anchors) = doc.layout_anchored(width);
        let offset = lines.len();
        placed.extend(anchors.into_iter().map(|a| PlacedImage {
            line: offset + a.line,
            image: doc.images[a.image].clone(),
        }));
        lines.extend(text);
    };
    let feed_text =
        |lines: &mut Vec<StyledLine>, placed: &mut Vec<PlacedImage>| match page.bodies.body(r.id) {
            Some(BodyState::Ready(doc)) => document(lines, placed, doc),
            Some(BodyState::Missing) => lines.extend(note(strings::NO_BODY)),
            Some(BodyState::Loading) | None => lines.extend(note(strings::LOADING)),
        };
    if r.full {
        match page.bodies.full(r.id) {
            Some(FullState::Ready(doc)) => document(&mut lines, &mut placed, doc),
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
                feed_text(&mut lines, &mut placed);
            }
            Some(FullState::Fetching) | None => lines.extend(note(strings::FETCHING_FULL)),
        }
    } else {
        feed_text(&mut lines, &mut placed);
    }
    (lines, placed)
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

// ---------------------------------------------------------------- image slots

/// Most rows a picture takes (a taller image is shrunk to fit).
pub const MAX_IMAGE_ROWS: u16 = 20;
/// The aspect (width:height) assumed for an image whose size the article does not give.
const DEFAULT_ASPECT: (u32, u32) = (16, 9);
/// Images this many screens above or below the visible rows load too (scrolling finds them
/// ready); farther ones wait until they come near.
const NEAR_SCREENS: usize = 1;
/// Natural image sizes remembered across articles (for images without size attributes).
const NATURAL_SIZES: usize = 4096;

/// Rows reserved for one picture in the reader's lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    /// The first reserved line.
    pub line: usize,
    pub rows: u16,
    pub cols: u16,
    /// The image at the size that fits the slot.
    pub key: ImageKey,
    pub alt: String,
}

impl Slot {
    /// Whether any of its rows is in `from..to`.
    pub fn overlaps(&self, from: usize, to: usize) -> bool {
        self.line < to && self.line + usize::from(self.rows) > from
    }
}

/// Where an image of a slot is on its way to a picture.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// Asked of the engine.
    Requested,
    /// Decoded by the engine; to be encoded for the terminal.
    Decoded(DecodedImage),
    Encoding,
    Ready(Picture),
    Failed(String),
}

/// What the run loop must do for images after a message: engine commands and encoder jobs.
#[derive(Debug, Default, PartialEq)]
pub struct ImageWork {
    pub fetch: Vec<ImageKey>,
    pub cancel: Vec<ImageKey>,
    pub encode: Vec<EncodeJob>,
}

impl ImageWork {
    pub fn is_empty(&self) -> bool {
        self.fetch.is_empty() && self.cancel.is_empty() && self.encode.is_empty()
    }
}

/// The open article's image slots and loads. Without pictures (images off, or no graphics
/// protocol) it holds nothing and the reader's lines are exactly the text's.
#[derive(Default)]
pub struct ReaderImages {
    pub pictures: Pictures,
    /// The article, variant and width the slots were sized for.
    sized_for: Option<(ArticleId, bool, u16)>,
    /// (cols, rows) of each image (by its order in the text, and its src), kept while
    /// `sized_for` stays: a later layout (highlights changed...) reuses them, whatever was
    /// learnt about the image since.
    reserved: HashMap<(usize, String), (u16, u16)>,
    slots: Vec<Slot>,
    loads: HashMap<ImageKey, Load>,
    /// Requested loads no slot wants any more.
    to_cancel: Vec<ImageKey>,
    /// Sizes of images seen decoded, by source.
    natural: HashMap<ImageSource, (u32, u32)>,
}

impl ReaderImages {
    pub fn new(pictures: Pictures) -> ReaderImages {
        ReaderImages {
            pictures,
            ..ReaderImages::default()
        }
    }

    pub fn enabled(&self) -> bool {
        self.pictures.enabled()
    }

    /// The slots of the current layout, in line order.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn load(&self, key: &ImageKey) -> Option<&Load> {
        self.loads.get(key)
    }

    /// Inserts the reserved rows of each picture into `lines` (after the block holding its
    /// image) and records the slots. Images without a source the reader may load keep only
    /// their `[image: alt]` label. `local_dir`: the directory of the article's feed when the
    /// feed is a local file (its relative image references are files there). Without pictures,
    /// `lines` come back unchanged.
    pub fn place(
        &mut self,
        reader: Reader,
        width: u16,
        lines: Vec<StyledLine>,
        placed: Vec<PlacedImage>,
        local_dir: Option<&Path>,
    ) -> Vec<StyledLine> {
        if !self.enabled() {
            return lines;
        }
        let sized_for = (reader.id, reader.full, width);
        if self.sized_for != Some(sized_for) {
            self.reserved.clear();
            self.sized_for = Some(sized_for);
        }
        let cell = self.pictures.cell_size();
        let mut out = Vec::with_capacity(lines.len());
        let mut slots = Vec::with_capacity(placed.len());
        let mut rest = lines.into_iter();
        let mut copied = 0;
        for (i, p) in placed.into_iter().enumerate() {
            let Some(source) = image_source(&p.image, local_dir) else {
                continue;
            };
            let take = p.line.saturating_sub(copied);
            out.extend(rest.by_ref().take(take));
            copied += take;
            let natural = image_size(&p.image).or_else(|| self.natural.get(&source).copied());
            let (cols, rows) = *self
                .reserved
                .entry((i, p.image.src.clone()))
                .or_insert_with(|| slot_size(natural, p.image.width, width, cell));
            let key = ImageKey {
                source,
                max_width: u32::from(cols) * u32::from(cell.0),
                max_height: u32::from(rows) * u32::from(cell.1),
            };
            slots.push(Slot {
                line: out.len(),
                rows,
                cols,
                key,
                alt: p.image.alt,
            });
            out.extend((0..rows).map(|_| StyledLine::default()));
        }
        out.extend(rest);
        // Loads no slot wants any more (another article, another width) go.
        let wanted: std::collections::HashSet<&ImageKey> = slots.iter().map(|s| &s.key).collect();
        let gone: Vec<ImageKey> = self
            .loads
            .keys()
            .filter(|k| !wanted.contains(k))
            .cloned()
            .collect();
        for key in gone {
            if self.loads.remove(&key) == Some(Load::Requested) {
                self.to_cancel.push(key);
            }
        }
        self.slots = slots;
        out
    }

    /// After a message: loads to ask for (slots in or near the visible rows that have none),
    /// decoded images to encode, loads to cancel. `view` is the reader's (scroll, height), or
    /// `None` when no article is open (everything is dropped and cancelled).
    pub fn work(&mut self, view: Option<(usize, usize)>) -> ImageWork {
        let mut work = ImageWork {
            cancel: std::mem::take(&mut self.to_cancel),
            ..ImageWork::default()
        };
        let Some((scroll, height)) = view else {
            self.slots.clear();
            self.reserved.clear();
            self.sized_for = None;
            for (key, load) in self.loads.drain() {
                if load == Load::Requested {
                    work.cancel.push(key);
                }
            }
            return work;
        };
        let near = height.max(1) * NEAR_SCREENS;
        let (from, to) = (scroll.saturating_sub(near), scroll + height + near);
        for slot in &self.slots {
            if !slot.overlaps(from, to) || self.loads.contains_key(&slot.key) {
                continue;
            }
            self.loads.insert(slot.key.clone(), Load::Requested);
            work.fetch.push(slot.key.clone());
        }
        for slot in &self.slots {
            if let Some(load @ Load::Decoded(_)) = self.loads.get_mut(&slot.key) {
                if let Load::Decoded(image) = std::mem::replace(load, Load::Encoding) {
                    work.encode.push(EncodeJob {
                        key: slot.key.clone(),
                        image,
                        cols: slot.cols,
                        rows: slot.rows,
                    });
                }
            }
        }
        work
    }

    /// The engine's answer for an image. Ignored when no slot waits for it (the reader left).
    pub fn loaded(&mut self, key: ImageKey, result: Result<DecodedImage, ImageError>) {
        if let Ok(image) = &result {
            if self.natural.len() >= NATURAL_SIZES {
                self.natural.clear();
            }
            self.natural.insert(key.source.clone(), image.natural);
        }
        let Some(load) = self.loads.get_mut(&key) else {
            return;
        };
        *load = match result {
            Ok(image) => Load::Decoded(image),
            Err(e) => Load::Failed(sanitize_inline(&e.to_string())),
        };
    }

    /// The encoder's answer. Ignored when no slot waits for it.
    pub fn picture_ready(&mut self, ready: PictureReady) {
        let Some(load) = self.loads.get_mut(&ready.key) else {
            return;
        };
        if *load == Load::Encoding {
            *load = match ready.result {
                Ok(picture) => Load::Ready(picture),
                Err(e) => Load::Failed(sanitize_inline(&e)),
            };
        }
    }
}

/// Where the reader may load an image from: a file next to a local feed (a `file:` url, or a
/// relative reference, resolved against the feed file's directory; with the web url as a
/// fallback), else the http(s) url. Feeds from the web never make the reader open a file.
fn image_source(image: &ImageRef, local_dir: Option<&Path>) -> Option<ImageSource> {
    if let Some(dir) = local_dir {
        let has_scheme = image.src.split_once(':').is_some_and(|(s, _)| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        let file = if image.src.to_ascii_lowercase().starts_with("file:") {
            url::Url::parse(&image.src).ok()
        } else if !has_scheme && !image.src.starts_with("//") {
            url::Url::from_directory_path(dir)
                .ok()
                .and_then(|base| base.join(&image.src).ok())
        } else {
            None
        };
        if let Some(path) = file
            .filter(|u| u.scheme() == "file")
            .and_then(|u| u.to_file_path().ok())
        {
            return Some(ImageSource::File {
                path,
                web: image.url.clone(),
            });
        }
    }
    image.url.clone().map(ImageSource::Web)
}

/// The image's size from its `width` and `height` attributes, when both are given.
fn image_size(image: &ImageRef) -> Option<(u32, u32)> {
    Some((image.width?, image.height?))
}

/// Cells (cols, rows) reserved for an image: its natural size (or its width attribute, or
/// the pane's width) at most `width` columns wide and `MAX_IMAGE_ROWS` tall, with its aspect
/// (16:9 when unknown) given the cell's pixel size.
fn slot_size(
    natural: Option<(u32, u32)>,
    width_attr: Option<u32>,
    width: u16,
    cell: (u16, u16),
) -> (u16, u16) {
    let (cw, ch) = (u64::from(cell.0.max(1)), u64::from(cell.1.max(1)));
    let pane = u64::from(width.max(1));
    let (px_w, aspect) = match natural {
        Some((w, h)) if w > 0 && h > 0 => (Some(u64::from(w)), (u64::from(w), u64::from(h))),
        _ => (
            width_attr.map(u64::from),
            (u64::from(DEFAULT_ASPECT.0), u64::from(DEFAULT_ASPECT.1)),
        ),
    };
    // Never wider than the pane, nor wider than the image at one image pixel per pixel.
    let cols = px_w.map_or(pane, |w| w.div_ceil(cw).clamp(1, pane));
    // rows = cols * cw * (h / w) / ch, rounded up.
    let rows = (cols * cw * aspect.1).div_ceil(aspect.0 * ch);
    let max_rows = u64::from(MAX_IMAGE_ROWS);
    if rows <= max_rows {
        return (cols as u16, rows.max(1) as u16);
    }
    // Too tall: as many rows as allowed, and the columns that keep the aspect.
    let cols = (max_rows * ch * aspect.0 / (aspect.1 * cw)).clamp(1, pane);
    (cols as u16, MAX_IMAGE_ROWS)
}

#[cfg(test)]
mod image_tests {
    use super::*;

    #[test]
    fn slots_keep_the_aspect_within_the_pane_and_the_row_cap() {
        let cell = (10, 20);
        // 800x450 in an 80-column pane: 80 columns, 800*450/800/20 = 22.5 rows -> capped 20.
        assert_eq!(slot_size(Some((800, 450)), None, 80, cell), (71, 20));
        // 400x100 at most 40 columns (one image pixel per pixel), 40*10/4/20 = 5 rows.
        assert_eq!(slot_size(Some((400, 100)), None, 80, cell), (40, 5));
        // Unknown size: the pane's width at 16:9.
        assert_eq!(slot_size(None, None, 64, cell), (64, 18));
        // Only a width: that width at 16:9.
        assert_eq!(slot_size(None, Some(320), 64, cell), (32, 9));
        // A tiny icon keeps at least one cell.
        assert_eq!(slot_size(Some((1, 1)), None, 64, cell), (1, 1));
    }

    #[test]
    fn local_feeds_read_relative_images_from_their_directory() {
        let img = ImageRef {
            src: "media/chart.png".into(),
            url: Some("https://example.org/a/media/chart.png".into()),
            ..ImageRef::default()
        };
        let dir = Path::new("/srv/feeds");
        assert_eq!(
            image_source(&img, Some(dir)),
            Some(ImageSource::File {
                path: "/srv/feeds/media/chart.png".into(),
                web: Some("https://example.org/a/media/chart.png".into()),
            })
        );
        // A feed from the web never reads files, whatever its images say.
        assert_eq!(
            image_source(&img, None),
            Some(ImageSource::Web(
                "https://example.org/a/media/chart.png".into()
            ))
        );
        let file = ImageRef {
            src: "file:///etc/passwd".into(),
            ..ImageRef::default()
        };
        assert_eq!(image_source(&file, None), None);
        assert!(matches!(
            image_source(&file, Some(dir)),
            Some(ImageSource::File { .. })
        ));
        let web = ImageRef {
            src: "https://cdn.example/x.png".into(),
            url: Some("https://cdn.example/x.png".into()),
            ..ImageRef::default()
        };
        assert_eq!(
            image_source(&web, Some(dir)),
            Some(ImageSource::Web("https://cdn.example/x.png".into()))
        );
    }
}
