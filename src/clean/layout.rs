//! Lays cleaned blocks out for a width: Unicode-width-aware word wrapping, list markers,
//! quote bars, blank lines between blocks and the numbered link list. Never re-wraps
//! preformatted text (long lines are clipped) and never returns a line wider than `width`.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{push_span, table, Block, BlockKind, Container, BREAK};
use crate::styled::{Span, SpanStyle, StyledLine};

const DECO: SpanStyle = SpanStyle::DECORATION;

/// Shown in the last column of a clipped preformatted line.
const CLIP_MARK: &str = "›";

pub(crate) fn layout_blocks(blocks: &[Block], width: usize) -> Vec<StyledLine> {
    layout_blocks_with(blocks, width, |_, _| {})
}

/// [`layout_blocks`], calling `block_end(i, lines so far)` after block `i`'s lines.
pub(crate) fn layout_blocks_with(
    blocks: &[Block],
    width: usize,
    mut block_end: impl FnMut(usize, usize),
) -> Vec<StyledLine> {
    let mut lines = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 && gap_between(&blocks[i - 1], block) {
            lines.push(gap_line(&blocks[i - 1].ctx, &block.ctx, width));
        }
        layout_block(block, width, &mut lines);
        block_end(i, lines.len());
    }
    lines
}

/// Appends "Links:" and one `[n] url` entry per link (long URLs wrap with a hanging indent).
pub(crate) fn link_list(links: &[String], width: usize, lines: &mut Vec<StyledLine>) {
    if links.is_empty() {
        return;
    }
    if !lines.is_empty() {
        lines.push(StyledLine::default());
    }
    lines.push(StyledLine {
        spans: vec![Span::new(clip_str("Links:", width), DECO)],
    });
    let style = SpanStyle {
        link: true,
        ..SpanStyle::default()
    };
    for (i, url) in links.iter().enumerate() {
        let label = format!("[{}] ", i + 1);
        let lw = label.width();
        let url = [Span::new(url.as_str(), style)];
        if lw + 8 > width {
            // Too narrow for a hanging indent: the number on a line of its own.
            lines.push(StyledLine {
                spans: vec![Span::new(clip_str(label.trim_end(), width), DECO)],
            });
            for row in wrap(&url, width) {
                lines.push(StyledLine { spans: row });
            }
            continue;
        }
        for (j, row) in wrap(&url, width - lw).into_iter().enumerate() {
            let mut spans = if j == 0 {
                vec![Span::new(label.clone(), DECO)]
            } else {
                vec![Span::plain(" ".repeat(lw))]
            };
            spans.extend(row);
            lines.push(StyledLine { spans });
        }
    }
}

/// Blank line between two blocks, except between list items of the same list and before
/// the first item of a list nested in the previous block's item.
fn gap_between(a: &Block, b: &Block) -> bool {
    let Some(i) = b.ctx.iter().position(|c| {
        matches!(
            c,
            Container::Item {
                marker: Some(_),
                ..
            }
        )
    }) else {
        return true;
    };
    let shared = a.ctx.len() >= i && a.ctx[..i].iter().zip(&b.ctx[..i]).all(|(x, y)| x.same(y));
    if !shared {
        return true;
    }
    let sibling = match (a.ctx.get(i), &b.ctx[i]) {
        (Some(Container::Item { list: x, .. }), Container::Item { list: y, .. }) => x == y,
        _ => false,
    };
    let nested_start = i > 0 && a.ctx.len() == i && matches!(a.ctx[i - 1], Container::Item { .. });
    !(sibling || nested_start)
}

/// The blank line keeps the quote bars both blocks share.
fn gap_line(a: &[Container], b: &[Container], width: usize) -> StyledLine {
    let common: Vec<Container> = a
        .iter()
        .zip(b)
        .take_while(|(x, y)| x.same(y))
        .map(|(x, _)| strip_marker(x))
        .collect();
    if !common.iter().any(|c| matches!(c, Container::Quote { .. })) {
        return StyledLine::default();
    }
    let mut spans = prefix(&common, false, width);
    trim_end(&mut spans);
    StyledLine { spans }
}

fn strip_marker(c: &Container) -> Container {
    match c {
        Container::Item {
            list, item, indent, ..
        } => Container::Item {
            list: *list,
            item: *item,
            indent: *indent,
            marker: None,
        },
        q => q.clone(),
    }
}

fn trim_end(spans: &mut Vec<Span>) {
    while let Some(last) = spans.last_mut() {
        let t = last.text.trim_end().len();
        last.text.truncate(t);
        if last.text.is_empty() {
            spans.pop();
        } else {
            break;
        }
    }
}

/// The prefix for a line of a block inside `ctx`. On the first line, list markers show.
/// A prefix wider than half the width (very deep nesting) loses its outermost parts.
fn prefix(ctx: &[Container], first: bool, width: usize) -> Vec<Span> {
    let mut parts: Vec<(String, bool)> = Vec::with_capacity(ctx.len());
    for c in ctx {
        match c {
            Container::Quote { .. } => parts.push(("│ ".to_string(), true)),
            Container::Item { indent, marker, .. } => {
                let indent = usize::from(*indent);
                match marker {
                    Some(m) if first => {
                        let pad = indent.saturating_sub(m.width()).max(1);
                        parts.push((format!("{m}{}", " ".repeat(pad)), true));
                    }
                    _ => parts.push((" ".repeat(indent), false)),
                }
            }
        }
    }
    let max = width / 2;
    let mut total: usize = parts.iter().map(|(s, _)| s.width()).sum();
    let mut skip = 0;
    while total > max && skip < parts.len() {
        total -= parts[skip].0.width();
        skip += 1;
    }
    let mut spans = Vec::new();
    for (text, deco) in parts.into_iter().skip(skip) {
        let style = if deco { DECO } else { SpanStyle::default() };
        push_span(&mut spans, Span::new(text, style));
    }
    spans
}

fn layout_block(block: &Block, width: usize, out: &mut Vec<StyledLine>) {
    let first = prefix(&block.ctx, true, width);
    let rest = prefix(&block.ctx, false, width);
    let pw = rest.iter().map(|s| s.text.width()).sum::<usize>();
    let fw = first.iter().map(|s| s.text.width()).sum::<usize>();
    let avail = width.saturating_sub(pw.max(fw)).max(1);
    let rows: Vec<Vec<Span>> = match &block.kind {
        BlockKind::Para(spans) | BlockKind::Heading(_, spans) => wrap(spans, avail),
        BlockKind::Pre(lines) => lines.iter().map(|l| clip(l, avail)).collect(),
        BlockKind::Table(rows) => table::layout(rows, avail),
        BlockKind::Rule => vec![vec![Span::new("─".repeat(avail.min(40)), DECO)]],
    };
    for (i, row) in rows.into_iter().enumerate() {
        let mut spans = if i == 0 { first.clone() } else { rest.clone() };
        for s in row {
            push_span(&mut spans, s);
        }
        if spans.iter().all(|s| s.text.trim().is_empty()) {
            trim_end(&mut spans);
        }
        out.push(StyledLine { spans });
    }
}

/// Cuts a verbatim line to `avail` columns, marking the cut.
fn clip(line: &[Span], avail: usize) -> Vec<Span> {
    let total: usize = line.iter().map(|s| s.text.width()).sum();
    if total <= avail {
        return line.to_vec();
    }
    let keep = avail.saturating_sub(1);
    let mut out = Vec::new();
    let mut w = 0;
    'outer: for span in line {
        let mut text = String::new();
        for c in span.text.chars() {
            let cw = c.width().unwrap_or(0);
            if w + cw > keep {
                if !text.is_empty() {
                    out.push(Span::new(text, span.style));
                }
                break 'outer;
            }
            w += cw;
            text.push(c);
        }
        if !text.is_empty() {
            out.push(Span::new(text, span.style));
        }
    }
    if avail > 0 {
        out.push(Span::new(CLIP_MARK, DECO));
    }
    out
}

fn clip_str(s: &str, width: usize) -> String {
    let mut w = 0;
    s.chars()
        .take_while(|c| {
            w += c.width().unwrap_or(0);
            w <= width
        })
        .collect()
}

/// How an atom joins the previous one.
#[derive(Clone, Copy, PartialEq)]
enum Sep {
    /// Start of text or after a hard break.
    None,
    /// A space (with its style); a line may break here, dropping the space.
    Space(SpanStyle),
    /// No space, but a line may break here (between CJK characters).
    Zero,
    /// A hard line break.
    Break,
}

/// An unbreakable unit: a word, or one CJK character with its attached punctuation.
struct Atom {
    sep: Sep,
    segs: Vec<(String, SpanStyle)>,
}

impl Atom {
    fn width(&self) -> usize {
        self.segs.iter().map(|(t, _)| t.width()).sum()
    }
}

/// Characters that may be broken around without a space (ideographs, kana, hangul, fullwidth forms).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x2E80..=0x2FFF | 0x3040..=0x30FF | 0x3100..=0x31FF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7FF
        | 0xF900..=0xFAFF | 0xFF00..=0xFF60 | 0x20000..=0x3FFFF)
}

/// Closing punctuation that must not start a line (kinsoku).
fn no_break_before(c: char) -> bool {
    matches!(
        c,
        '。' | '、'
            | '，'
            | '．'
            | '」'
            | '』'
            | '）'
            | '！'
            | '？'
            | '：'
            | '；'
            | '〉'
            | '》'
            | '】'
            | 'ー'
            | '…'
            | '・'
            | ')'
            | ']'
            | '.'
            | ','
            | '!'
            | '?'
            | ':'
            | ';'
    )
}

/// Opening punctuation that must not end a line.
fn no_break_after(c: char) -> bool {
    matches!(c, '「' | '『' | '（' | '〈' | '《' | '【')
}

fn atoms(spans: &[Span]) -> Vec<Atom> {
    let mut atoms: Vec<Atom> = Vec::new();
    let mut sep = Sep::None;
    let mut cur: Option<Atom> = None;
    // The previous character was CJK (or opening punctuation attached to the next one).
    let mut after_cjk = false;
    let mut glue_next = false;
    fn push_char(atom: &mut Atom, c: char, style: SpanStyle) {
        match atom.segs.last_mut() {
            Some((t, s)) if *s == style => t.push(c),
            _ => atom.segs.push((c.to_string(), style)),
        }
    }
    for span in spans {
        if span.text == BREAK {
            if let Some(a) = cur.take() {
                atoms.push(a);
            }
            sep = Sep::Break;
            after_cjk = false;
            glue_next = false;
            continue;
        }
        for c in span.text.chars() {
            if c == ' ' {
                if let Some(a) = cur.take() {
                    atoms.push(a);
                }
                if sep != Sep::Break {
                    sep = Sep::Space(span.style);
                }
                after_cjk = false;
                glue_next = false;
                continue;
            }
            let cjk = is_cjk(c);
            let starts_new = match &cur {
                None => true,
                Some(_) if glue_next => false,
                Some(_) if no_break_before(c) => false,
                Some(_) => cjk || after_cjk,
            };
            if starts_new {
                if let Some(a) = cur.take() {
                    atoms.push(a);
                    if sep == Sep::None {
                        sep = Sep::Zero;
                    }
                }
                let this_sep = if atoms.is_empty() && sep == Sep::Zero {
                    Sep::None
                } else {
                    sep
                };
                cur = Some(Atom {
                    sep: this_sep,
                    segs: Vec::new(),
                });
                sep = Sep::None;
            }
            if let Some(a) = cur.as_mut() {
                push_char(a, c, span.style);
            }
            glue_next = no_break_after(c);
            after_cjk = cjk || glue_next;
        }
    }
    if let Some(a) = cur.take() {
        atoms.push(a);
    }
    atoms
}

/// Greedy word wrap to `avail` columns. Words longer than a line are split between
/// characters (combining marks stay with their base); everything else breaks at spaces, or
/// between CJK characters.
pub(crate) fn wrap(spans: &[Span], avail: usize) -> Vec<Vec<Span>> {
    let avail = avail.max(1);
    let mut lines: Vec<Vec<Span>> = Vec::new();
    let mut line: Vec<Span> = Vec::new();
    let mut w = 0usize;
    let mut started = false;
    for atom in atoms(spans) {
        let aw = atom.width();
        match atom.sep {
            Sep::Break => {
                lines.push(std::mem::take(&mut line));
                w = 0;
            }
            Sep::Space(style) if w > 0 => {
                if w + 1 + aw <= avail {
                    push_span(&mut line, Span::new(" ", style));
                    w += 1;
                } else {
                    lines.push(std::mem::take(&mut line));
                    w = 0;
                }
            }
            Sep::Zero if w > 0 && w + aw > avail => {
                lines.push(std::mem::take(&mut line));
                w = 0;
            }
            _ => {}
        }
        started = true;
        if w > 0 && w + aw > avail {
            lines.push(std::mem::take(&mut line));
            w = 0;
        }
        if w + aw <= avail {
            for (t, s) in atom.segs {
                push_span(&mut line, Span::new(t, s));
            }
            w += aw;
            continue;
        }
        // Longer than a whole line: split between characters.
        for (t, s) in atom.segs {
            let mut piece = String::new();
            for c in t.chars() {
                let cw = c.width().unwrap_or(0);
                if w + cw > avail && w > 0 {
                    push_span(&mut line, Span::new(std::mem::take(&mut piece), s));
                    lines.push(std::mem::take(&mut line));
                    w = 0;
                }
                piece.push(c);
                w += cw;
            }
            push_span(&mut line, Span::new(piece, s));
        }
    }
    if started || !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[Vec<Span>]) -> Vec<String> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn wraps_at_spaces_and_splits_long_words() {
        let rows = wrap(&[Span::plain("aaa bbb ccc dddddddddd e")], 7);
        assert_eq!(texts(&rows), ["aaa bbb", "ccc", "ddddddd", "ddd e"]);
    }

    #[test]
    fn wraps_cjk_between_characters() {
        let rows = wrap(&[Span::plain("日本語の文章です。とても長い")], 8);
        // "。" may not start a line, so it takes "す" with it.
        assert_eq!(texts(&rows), ["日本語の", "文章で", "す。とて", "も長い"]);
    }

    #[test]
    fn hard_breaks() {
        let rows = wrap(
            &[Span::plain("a b"), Span::plain(BREAK), Span::plain("c")],
            10,
        );
        assert_eq!(texts(&rows), ["a b", "c"]);
    }
}
