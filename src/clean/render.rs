//! Walks the parsed HTML (dom_query/html5ever) and produces raw blocks: paragraphs, headings,
//! lists, quotes, code, tables. Owns which elements are dropped and how whitespace collapses;
//! never decides line breaks for a width (that is `layout`).

use dom_query::{Document as DomDocument, NodeData, NodeRef};

use super::boilerplate::Rules;
use super::links;
use super::sanitize::{self, classify, decode_extra_level, CharClass};
use super::{inline_text, Container, ImageRef, Inline, RawBlock, RawDoc, RawKind, RawRow};
use crate::styled::{Span, SpanStyle};

/// Elements whose whole subtree is dropped.
const SKIP: &[&str] = &[
    "script", "style", "noscript", "iframe", "frame", "frameset", "form", "input", "button",
    "select", "textarea", "option", "nav", "header", "footer", "aside", "svg", "math", "template",
    "object", "embed", "canvas", "audio", "video", "source", "track", "head", "title", "meta",
    "link", "base", "map", "area", "dialog", "label", "output", "progress", "meter",
];

/// Elements that start and end a block.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "center",
    "address",
    "figure",
    "details",
    "summary",
    "dl",
    "hgroup",
    "body",
    "html",
    "fieldset",
    "legend",
    "caption",
    "figcaption",
    "dt",
    "search",
];

/// Bullets by nesting depth of unordered lists.
const BULLETS: &[&str] = &["•", "◦", "▪", "‣"];

/// Renders an HTML body.
pub(crate) fn render_html(html: &str, base_url: Option<&str>, rules: &Rules) -> RawDoc {
    // Some feeds escape their HTML once more than they should ("&lt;p&gt;Hi&lt;/p&gt;"): a
    // body with no tag at all but escaped tags is decoded once and parsed as HTML.
    let unescaped;
    let html = if !html.contains('<') && looks_escaped_html(html) {
        unescaped = decode_extra_level(html).into_owned();
        unescaped.as_str()
    } else if !html.contains('<') {
        return render_text(&decode_extra_level(html), rules);
    } else {
        html
    };
    let doc = DomDocument::from(html);
    let document_base = doc
        .base_uri()
        .and_then(|b| links::resolve(base_url, &b))
        .filter(|b| b.starts_with("http"));
    let mut w = Walker::new(document_base.as_deref().or(base_url), rules);
    w.walk_children(&doc.root());
    w.flush();
    w.place_pending_images();
    w.out
}

/// Where an `<img>` points: `src`, else what lazy-loading scripts would put there, else the
/// first `srcset` candidate. Never a `data:` url or one with control characters.
fn image_src(node: &NodeRef) -> Option<String> {
    let usable = |v: &str| {
        let v = v.trim();
        (!v.is_empty()
            && !v.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:"))
            && !v.chars().any(char::is_control))
        .then(|| v.to_string())
    };
    for name in ["src", "data-src", "data-original", "data-lazy-src"] {
        if let Some(v) = node.attr(name).and_then(|v| usable(&v)) {
            return Some(v);
        }
    }
    node.attr("srcset")
        .and_then(|set| {
            set.split(',')
                .next()
                .and_then(|c| c.split_whitespace().next())
                .map(str::to_string)
        })
        .and_then(|v| usable(&v))
}

fn looks_escaped_html(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    [
        "&lt;p&gt;",
        "&lt;p ",
        "&lt;br",
        "&lt;div",
        "&lt;a href",
        "&lt;img ",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// Renders a plain-text body: paragraphs split on blank lines, lines inside a paragraph
/// joined, except that lines starting with a list marker keep their line break. Bare
/// http(s) URLs become links.
pub(crate) fn render_text(text: &str, rules: &Rules) -> RawDoc {
    let text = decode_extra_level(text);
    let mut w = Walker::new(None, rules);
    let text = text.replace("\r\n", "\n");
    for para in text.split("\n\n") {
        for (i, line) in para.lines().enumerate() {
            let t = line.trim_start();
            if i > 0 && (t.starts_with("- ") || t.starts_with("* ") || t.starts_with("• ")) {
                w.line_break();
            }
            for (j, word) in line.split(' ').enumerate() {
                if j > 0 {
                    w.text(" ");
                }
                if word.starts_with("http://") || word.starts_with("https://") {
                    let url = word.trim_end_matches(['.', ',', ')', ';', ':', '!', '?']);
                    let rest = &word[url.len()..];
                    match links::resolve(None, url) {
                        Some(target) => {
                            w.link += 1;
                            w.text(url);
                            w.link -= 1;
                            w.out.links.push(target);
                            let idx = w.out.links.len() - 1;
                            w.inline.push(Inline::Link(idx));
                        }
                        None => w.text(url),
                    }
                    w.text(rest);
                } else {
                    w.text(word);
                }
            }
            w.text(" ");
        }
        w.flush();
    }
    w.out
}

struct ListState {
    ordered: bool,
    reversed: bool,
    next: i64,
    kind: char,
    indent: u16,
    id: u32,
    depth: usize,
}

struct Walker<'a> {
    out: RawDoc,
    rules: &'a Rules,
    base: Option<String>,
    ctx: Vec<Container>,
    next_id: u32,
    inline: Vec<Inline>,
    pending_space: bool,
    heading: Option<u8>,
    bold: u32,
    italic: u32,
    code: u32,
    link: u32,
    /// Inside a table cell: block boundaries become spaces.
    in_cell: u32,
    ul_depth: usize,
    /// Inline index where the last link of the current paragraph started and ended.
    last_link: Option<(usize, usize)>,
    /// Blocks emitted so far; a link that spans a block boundary is not trimmed.
    flushes: usize,
    /// Images seen since the last block was emitted: they go with the next block emitted,
    /// or after the last one if the current paragraph turns out empty.
    pending_images: Vec<usize>,
}

impl<'a> Walker<'a> {
    fn new(base: Option<&str>, rules: &'a Rules) -> Walker<'a> {
        Walker {
            out: RawDoc::default(),
            rules,
            base: base.map(str::to_string),
            ctx: Vec::new(),
            next_id: 0,
            inline: Vec::new(),
            pending_space: false,
            heading: None,
            bold: 0,
            italic: 0,
            code: 0,
            link: 0,
            in_cell: 0,
            ul_depth: 0,
            last_link: None,
            flushes: 0,
            pending_images: Vec::new(),
        }
    }

    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn style(&self) -> SpanStyle {
        SpanStyle {
            bold: self.bold > 0 || self.heading.is_some(),
            italic: self.italic > 0,
            code: self.code > 0,
            heading: self.heading.is_some(),
            link: self.link > 0,
            ..SpanStyle::default()
        }
    }

    fn has_content(&self) -> bool {
        matches!(self.inline.last(), Some(Inline::Text(_) | Inline::Link(_)))
    }

    fn push_str(&mut self, s: &str, style: SpanStyle) {
        if let Some(Inline::Text(last)) = self.inline.last_mut() {
            if last.style == style {
                last.text.push_str(s);
                return;
            }
        }
        self.inline.push(Inline::Text(Span::new(s, style)));
    }

    fn emit_pending_space(&mut self, style: SpanStyle) {
        if self.pending_space && self.has_content() {
            // The space takes only the styles both neighbours share, so an underline does not
            // run past the end of a link.
            let prev = match self.inline.last() {
                Some(Inline::Text(s)) => s.style,
                _ => SpanStyle::default(),
            };
            let common = SpanStyle {
                bold: prev.bold && style.bold,
                italic: prev.italic && style.italic,
                code: prev.code && style.code,
                heading: prev.heading && style.heading,
                link: prev.link && style.link,
                ..SpanStyle::default()
            };
            self.push_str(" ", common);
        }
        self.pending_space = false;
    }

    /// Appends network text: sanitised (escape sequences removed whole, C1 repaired),
    /// whitespace collapsed.
    fn text(&mut self, s: &str) {
        let style = self.style();
        let s = sanitize::strip_escape_sequences(s);
        let mut run = String::new();
        for c in s.chars() {
            let shown = match classify(c) {
                CharClass::Space => {
                    if !run.is_empty() {
                        self.push_str(&run, style);
                        run.clear();
                    }
                    self.pending_space = true;
                    continue;
                }
                CharClass::Drop => continue,
                CharClass::Keep => c,
                CharClass::Replace(r) => r,
            };
            if self.pending_space {
                if !run.is_empty() {
                    self.push_str(&run, style);
                    run.clear();
                }
                self.emit_pending_space(style);
            }
            self.pending_space = false;
            run.push(shown);
        }
        if !run.is_empty() {
            self.push_str(&run, style);
        }
    }

    /// Decoration text (image labels) in the flow.
    fn decoration(&mut self, s: &str) {
        let style = SpanStyle {
            decoration: true,
            link: self.link > 0,
            ..SpanStyle::default()
        };
        self.emit_pending_space(style);
        self.push_str(s, style);
    }

    fn line_break(&mut self) {
        if self.in_cell > 0 {
            self.pending_space = true;
            return;
        }
        self.pending_space = false;
        match self.inline.last() {
            // Two breaks in a row separate paragraphs, as `<br><br>` is used in feeds.
            Some(Inline::Break) => {
                self.inline.pop();
                self.flush();
            }
            Some(_) => self.inline.push(Inline::Break),
            None => {}
        }
    }

    /// Ends the current paragraph (if it has any text) and emits it as a block.
    fn flush(&mut self) {
        if self.in_cell > 0 {
            self.pending_space = true;
            return;
        }
        self.pending_space = false;
        while matches!(self.inline.last(), Some(Inline::Break)) {
            self.inline.pop();
        }
        self.trim_trailing_link();
        // Trailing spaces come only from emit_pending_space; strip them.
        if let Some(Inline::Text(last)) = self.inline.last_mut() {
            let t = last.text.trim_end().len();
            last.text.truncate(t);
        }
        let mut items = std::mem::take(&mut self.inline);
        items.retain(|i| !matches!(i, Inline::Text(s) if s.text.is_empty()));
        let has_text = items.iter().any(|i| match i {
            Inline::Text(s) => !s.text.trim().is_empty(),
            _ => false,
        });
        self.last_link = None;
        if !has_text {
            self.place_pending_images();
            return;
        }
        let kind = match self.heading {
            Some(level) => RawKind::Heading(level, items),
            None => RawKind::Para(items),
        };
        self.emit(kind);
    }

    /// A paragraph that ends with a boilerplate link ("… Read more", "Continue reading →")
    /// loses that link; the rest of the paragraph stays.
    fn trim_trailing_link(&mut self) {
        let Some((start, end)) = self.last_link else {
            return;
        };
        if start == 0 || end > self.inline.len() {
            return;
        }
        let after = inline_text(&self.inline[end..]);
        if after.chars().any(char::is_alphanumeric) {
            return;
        }
        let text = inline_text(&self.inline[start..end]);
        if self.rules.matches(&text) {
            self.inline.truncate(start);
        }
    }

    fn emit(&mut self, kind: RawKind) {
        let ctx = self.ctx.clone();
        // The marker belongs to the first block of the item only.
        for c in &mut self.ctx {
            if let Container::Item { marker, .. } = c {
                *marker = None;
            }
        }
        self.flushes += 1;
        let images = std::mem::take(&mut self.pending_images);
        self.out.blocks.push(RawBlock { kind, ctx, images });
    }

    /// Images whose paragraph had no text: after the last block so far (or first of all).
    fn place_pending_images(&mut self) {
        if self.pending_images.is_empty() {
            return;
        }
        let images = std::mem::take(&mut self.pending_images);
        match self.out.blocks.last_mut() {
            Some(b) => b.images.extend(images),
            None => self.out.lead_images.extend(images),
        }
    }

    fn walk_children(&mut self, node: &NodeRef) {
        let mut child = node.first_child();
        while let Some(c) = child {
            self.walk(&c);
            child = c.next_sibling();
        }
    }

    fn walk(&mut self, node: &NodeRef) {
        enum What {
            Text(String),
            Element(String),
            Other,
        }
        let what = node.query_or(What::Other, |n| match &n.data {
            NodeData::Text { contents } => What::Text(contents.to_string()),
            NodeData::Element(el) => What::Element(el.name.local.to_string()),
            NodeData::Document | NodeData::Fragment => What::Element(String::new()),
            _ => What::Other,
        });
        match what {
            What::Text(t) => {
                if self.code > 0 {
                    self.text(&t);
                } else {
                    let t = decode_extra_level(&t).into_owned();
                    self.text(&t);
                }
            }
            What::Element(name) => self.element(node, &name),
            What::Other => {}
        }
    }

    fn element(&mut self, node: &NodeRef, name: &str) {
        if name.is_empty() {
            return self.walk_children(node);
        }
        if SKIP.contains(&name) || is_hidden(node) {
            return;
        }
        match name {
            "br" => self.line_break(),
            "hr" => {
                self.flush();
                if self.in_cell == 0 {
                    self.emit(RawKind::Rule);
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let saved = self.heading;
                if self.in_cell == 0 {
                    self.heading = Some(name.as_bytes()[1] - b'0');
                }
                self.walk_children(node);
                self.flush();
                self.heading = saved;
            }
            "ul" | "ol" | "menu" | "dir" => self.list(node, name == "ol"),
            "li" => {
                // An item outside any list: give it a bullet of its own.
                self.flush();
                let list = self.id();
                self.item(node, list, 2, "•".to_string());
            }
            "dd" => {
                self.flush();
                let list = self.id();
                let item = self.id();
                self.ctx.push(Container::Item {
                    list,
                    item,
                    indent: 2,
                    marker: None,
                });
                self.walk_children(node);
                self.flush();
                self.ctx.pop();
            }
            "blockquote" => {
                self.flush();
                let id = self.id();
                if self.in_cell == 0 {
                    self.ctx.push(Container::Quote { id });
                }
                self.walk_children(node);
                self.flush();
                if self.in_cell == 0 {
                    self.ctx.pop();
                }
            }
            "pre" | "listing" | "xmp" | "plaintext" => self.pre(node),
            "table" => self.table(node),
            "img" => self.image(node),
            "a" => self.anchor(node),
            "b" | "strong" => {
                self.bold += 1;
                self.walk_children(node);
                self.bold -= 1;
            }
            "i" | "em" | "cite" | "dfn" | "var" => {
                self.italic += 1;
                self.walk_children(node);
                self.italic -= 1;
            }
            "code" | "kbd" | "samp" | "tt" => {
                self.code += 1;
                self.walk_children(node);
                self.code -= 1;
            }
            "q" => {
                self.text("\u{201C}");
                self.walk_children(node);
                self.text("\u{201D}");
            }
            "figcaption" | "caption" => {
                self.flush();
                self.italic += 1;
                self.walk_children(node);
                self.flush();
                self.italic -= 1;
            }
            "dt" => {
                self.flush();
                self.bold += 1;
                self.walk_children(node);
                self.flush();
                self.bold -= 1;
            }
            "td" | "th" | "tr" | "thead" | "tbody" | "tfoot" => {
                // Table parts outside a table (the parser normally prevents this).
                self.flush();
                self.walk_children(node);
                self.flush();
            }
            _ if BLOCK.contains(&name) => {
                self.flush();
                self.walk_children(node);
                self.flush();
            }
            _ => self.walk_children(node),
        }
    }

    fn list(&mut self, node: &NodeRef, ordered: bool) {
        self.flush();
        let items: Vec<NodeRef> = node
            .element_children()
            .into_iter()
            .filter(|c| c.has_name("li"))
            .collect();
        let count = items.len() as i64;
        let reversed = ordered && node.has_attr("reversed");
        let start = node
            .attr("start")
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(if reversed { count } else { 1 });
        let kind = node
            .attr("type")
            .and_then(|t| t.chars().next())
            .filter(|c| matches!(c, '1' | 'a' | 'A' | 'i' | 'I'))
            .unwrap_or('1');
        let depth = self.ul_depth;
        let indent = if ordered {
            // Wide enough for the widest number, so the texts line up.
            let last = if reversed {
                start - count + 1
            } else {
                start + count - 1
            };
            let w = ordinal(start, kind)
                .chars()
                .count()
                .max(ordinal(last, kind).chars().count());
            (w + 2) as u16
        } else {
            2
        };
        let mut state = ListState {
            ordered,
            reversed,
            next: start,
            kind,
            indent,
            id: self.id(),
            depth,
        };
        if !ordered {
            self.ul_depth += 1;
        }
        let mut child = node.first_child();
        while let Some(c) = child {
            if c.has_name("li") && !is_hidden(&c) {
                if let Some(v) = c.attr("value").and_then(|v| v.trim().parse::<i64>().ok()) {
                    state.next = v;
                }
                let marker = if state.ordered {
                    let m = format!("{}.", ordinal(state.next, state.kind));
                    format!("{m:>w$} ", w = usize::from(state.indent) - 1)
                } else {
                    format!("{} ", BULLETS[state.depth % BULLETS.len()])
                };
                state.next += if state.reversed { -1 } else { 1 };
                self.item(&c, state.id, state.indent, marker);
            } else {
                self.walk(&c);
            }
            child = c.next_sibling();
        }
        if !ordered {
            self.ul_depth -= 1;
        }
        self.flush();
    }

    fn item(&mut self, node: &NodeRef, list: u32, indent: u16, marker: String) {
        self.flush();
        if self.in_cell > 0 {
            self.walk_children(node);
            self.flush();
            return;
        }
        let item = self.id();
        self.ctx.push(Container::Item {
            list,
            item,
            indent,
            marker: Some(marker.trim_end().to_string()),
        });
        self.walk_children(node);
        self.flush();
        self.ctx.pop();
    }

    fn pre(&mut self, node: &NodeRef) {
        self.flush();
        let mut raw = String::new();
        collect_pre(node, &mut raw);
        if self.in_cell > 0 {
            self.code += 1;
            self.text(&raw);
            self.code -= 1;
            return;
        }
        let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
        let mut lines: Vec<String> = raw.lines().map(sanitize::sanitize_verbatim_line).collect();
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        while lines.first().is_some_and(String::is_empty) {
            lines.remove(0);
        }
        if !lines.is_empty() {
            self.emit(RawKind::Pre(lines));
        }
    }

    fn image(&mut self, node: &NodeRef) {
        let dim = |name: &str| {
            node.attr(name).map(|v| {
                v.trim()
                    .trim_end_matches("px")
                    .trim()
                    .parse::<f32>()
                    .unwrap_or(f32::MAX)
            })
        };
        // Tracking pixels: 0 or 1 pixel in either direction.
        if dim("width").is_some_and(|w| w <= 1.0) || dim("height").is_some_and(|h| h <= 1.0) {
            return;
        }
        let alt = node
            .attr("alt")
            .map(|a| sanitize::sanitize_inline(&a))
            .unwrap_or_default();
        if let Some(src) = image_src(node) {
            let url = links::resolve(self.base.as_deref(), &src).filter(|u| {
                let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
                lower.starts_with("http://") || lower.starts_with("https://")
            });
            let px = |v: Option<f32>| {
                v.filter(|v| v.is_finite() && *v >= 1.0 && *v <= 100_000.0)
                    .map(|v| v.round() as u32)
            };
            self.out.images.push(ImageRef {
                src,
                url,
                alt: alt.clone(),
                width: px(dim("width")),
                height: px(dim("height")),
            });
            self.pending_images.push(self.out.images.len() - 1);
        }
        if !alt.is_empty() {
            self.decoration(&format!("[image: {alt}]"));
        } else if self.link > 0 {
            // An image that is a link's only content still needs something to carry the
            // footnote; `anchor` drops the label again if the link has text.
            self.decoration("[image]");
        }
    }

    fn anchor(&mut self, node: &NodeRef) {
        let target = node
            .attr("href")
            .and_then(|h| links::resolve(self.base.as_deref(), &h));
        let Some(target) = target else {
            return self.walk_children(node);
        };
        if self.link > 0 {
            // Nested links are invalid HTML; keep the outer one.
            return self.walk_children(node);
        }
        let flushes = self.flushes;
        self.emit_pending_space(self.style());
        let start = self.inline.len();
        self.link += 1;
        self.walk_children(node);
        self.link -= 1;
        if self.flushes != flushes {
            // The link contained blocks; put its number after whatever text is current.
            if self.has_content() {
                self.add_footnote(target);
            }
            return;
        }
        let end = self.inline.len();
        let own = &self.inline[start.min(end)..];
        let has_text = own.iter().any(|i| match i {
            Inline::Text(s) => !s.style.decoration && !s.text.trim().is_empty(),
            _ => false,
        });
        let has_label = own
            .iter()
            .any(|i| matches!(i, Inline::Text(s) if s.style.decoration));
        if !has_text && !has_label {
            return;
        }
        let pending = self.pending_space;
        self.pending_space = false;
        self.add_footnote(target);
        self.pending_space = pending;
        self.last_link = Some((start, self.inline.len()));
    }

    fn add_footnote(&mut self, target: String) {
        self.out.links.push(target);
        let idx = self.out.links.len() - 1;
        self.inline.push(Inline::Link(idx));
    }

    fn table(&mut self, node: &NodeRef) {
        self.flush();
        let rows = table_rows(node);
        let columns = rows.iter().map(|(_, cells)| cells.len()).max().unwrap_or(0);
        let nested = node
            .descendants_it()
            .any(|d| d.has_name("table") || d.has_name("pre"));
        if self.in_cell > 0 {
            for (_, cells) in &rows {
                for cell in cells {
                    self.walk_children(cell);
                    self.pending_space = true;
                }
            }
            return;
        }
        if columns <= 1 || nested {
            // A layout table: its cells are ordinary content.
            for (_, cells) in &rows {
                for cell in cells {
                    self.walk_children(cell);
                    self.flush();
                }
            }
            return;
        }
        if let Some(caption) = node
            .element_children()
            .into_iter()
            .find(|c| c.has_name("caption"))
        {
            self.element(&caption, "caption");
        }
        let mut out = Vec::new();
        for (in_head, cells) in &rows {
            let mut row = RawRow {
                header: *in_head || cells.iter().all(|c| c.has_name("th")),
                cells: Vec::new(),
            };
            for cell in cells {
                self.in_cell += 1;
                let bold = cell.has_name("th");
                if bold {
                    self.bold += 1;
                }
                self.walk_children(cell);
                if bold {
                    self.bold -= 1;
                }
                self.in_cell -= 1;
                let mut items = std::mem::take(&mut self.inline);
                self.pending_space = false;
                if let Some(Inline::Text(last)) = items.last_mut() {
                    let t = last.text.trim_end().len();
                    last.text.truncate(t);
                }
                items.retain(|i| !matches!(i, Inline::Break));
                row.cells.push(items);
            }
            if row.cells.iter().any(|c| !inline_text(c).trim().is_empty()) {
                out.push(row);
            }
        }
        self.last_link = None;
        if !out.is_empty() {
            self.emit(RawKind::Table(out));
        }
    }
}

/// Rows of a table (not of nested tables) with their cells, and whether each row is in
/// the `thead`.
fn table_rows<'t>(table: &NodeRef<'t>) -> Vec<(bool, Vec<NodeRef<'t>>)> {
    let mut rows = Vec::new();
    let mut push_row = |tr: &NodeRef<'t>, head: bool| {
        let cells: Vec<NodeRef<'t>> = tr
            .element_children()
            .into_iter()
            .filter(|c| (c.has_name("td") || c.has_name("th")) && !is_hidden(c))
            .collect();
        if !cells.is_empty() {
            rows.push((head, cells));
        }
    };
    for child in table.element_children() {
        if child.has_name("tr") {
            push_row(&child, false);
        } else if child.has_name("thead") || child.has_name("tbody") || child.has_name("tfoot") {
            let head = child.has_name("thead");
            for tr in child.element_children() {
                if tr.has_name("tr") {
                    push_row(&tr, head);
                }
            }
        }
    }
    rows
}

fn collect_pre(node: &NodeRef, out: &mut String) {
    let mut child = node.first_child();
    while let Some(c) = child {
        let text = c.query_or(None, |n| match &n.data {
            NodeData::Text { contents } => Some(contents.to_string()),
            _ => None,
        });
        if let Some(t) = text {
            out.push_str(&t);
        } else if c.has_name("br") {
            out.push('\n');
        } else if c.is_element() {
            let skip = c
                .node_name()
                .is_some_and(|n| SKIP.contains(&n.as_ref()) || is_hidden(&c));
            if !skip {
                collect_pre(&c, out);
            }
        }
        child = c.next_sibling();
    }
}

/// `hidden`, `aria-hidden="true"` or an inline `display:none` / `visibility:hidden`.
fn is_hidden(node: &NodeRef) -> bool {
    node.query_or(false, |n| match &n.data {
        NodeData::Element(el) => el.attrs.iter().any(|a| {
            let name: &str = &a.name.local;
            match name {
                "hidden" => true,
                "aria-hidden" => a.value.trim().eq_ignore_ascii_case("true"),
                "style" => {
                    let v: String = a
                        .value
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    v.contains("display:none") || v.contains("visibility:hidden")
                }
                _ => false,
            }
        }),
        _ => false,
    })
}

/// The number `n` written in an ordered list's style: 1, a, A, i or I.
fn ordinal(n: i64, kind: char) -> String {
    match kind {
        'a' | 'A' if n >= 1 => {
            let mut n = n;
            let mut s = Vec::new();
            while n > 0 {
                n -= 1;
                s.push((b'a' + (n % 26) as u8) as char);
                n /= 26;
            }
            let s: String = s.into_iter().rev().collect();
            if kind == 'A' {
                s.to_ascii_uppercase()
            } else {
                s
            }
        }
        'i' | 'I' if (1..4000).contains(&n) => {
            const R: &[(i64, &str)] = &[
                (1000, "m"),
                (900, "cm"),
                (500, "d"),
                (400, "cd"),
                (100, "c"),
                (90, "xc"),
                (50, "l"),
                (40, "xl"),
                (10, "x"),
                (9, "ix"),
                (5, "v"),
                (4, "iv"),
                (1, "i"),
            ];
            let mut n = n;
            let mut s = String::new();
            for (v, r) in R {
                while n >= *v {
                    s.push_str(r);
                    n -= v;
                }
            }
            if kind == 'I' {
                s.to_ascii_uppercase()
            } else {
                s
            }
        }
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn ordinals() {
        assert_eq!(ordinal(3, '1'), "3");
        assert_eq!(ordinal(28, 'a'), "ab");
        assert_eq!(ordinal(14, 'I'), "XIV");
        assert_eq!(ordinal(-2, 'i'), "-2");
    }
}
