//! Table layout: aligned columns when the table fits the width, otherwise one wrapped
//! "cell | cell" line group per row. Never produces a line wider than the width it is given.

use unicode_width::UnicodeWidthStr;

use super::layout::wrap;
use super::{push_span, Row};
use crate::styled::{Span, SpanStyle};

const SEP: &str = " │ ";
const DECO: SpanStyle = SpanStyle::DECORATION;

fn cell_width(cell: &[Span]) -> usize {
    cell.iter().map(|s| s.text.width()).sum()
}

fn cell_text(cell: &[Span]) -> String {
    cell.iter().map(|s| s.text.as_str()).collect()
}

/// A cell that reads as a number ("1,200", "-3.5", "42 %", "$9.99") is right-aligned.
fn numeric(cell: &[Span]) -> bool {
    let t = cell_text(cell);
    let t = t.trim();
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || " .,%$€£+-−".contains(c))
}

pub(crate) fn layout(rows: &[Row], avail: usize) -> Vec<Vec<Span>> {
    let columns = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (i, cell) in row.cells.iter().enumerate() {
            widths[i] = widths[i].max(cell_width(cell));
        }
    }
    let right: Vec<bool> = (0..columns)
        .map(|i| {
            let mut body = rows
                .iter()
                .filter(|r| !r.header)
                .filter_map(|r| r.cells.get(i));
            let mut any = false;
            let all = body.all(|c| {
                let empty = cell_text(c).trim().is_empty();
                any |= !empty;
                empty || numeric(c)
            });
            all && any
        })
        .collect();
    let total = widths.iter().sum::<usize>() + SEP.width() * columns.saturating_sub(1);
    if total <= avail && columns > 0 {
        aligned(rows, &widths, &right)
    } else {
        fallback(rows, avail)
    }
}

fn aligned(rows: &[Row], widths: &[usize], right: &[bool]) -> Vec<Vec<Span>> {
    let mut out = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let mut line: Vec<Span> = Vec::new();
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                push_span(&mut line, Span::new(SEP, DECO));
            }
            let empty = Vec::new();
            let cell = row.cells.get(i).unwrap_or(&empty);
            let pad = " ".repeat(w - cell_width(cell));
            let last = i + 1 == widths.len();
            let align_right = right[i] && !row.header;
            if align_right {
                push_span(&mut line, Span::plain(pad.clone()));
            }
            for s in cell {
                push_span(&mut line, s.clone());
            }
            if !align_right && !last {
                push_span(&mut line, Span::plain(pad));
            }
        }
        trim_end(&mut line);
        out.push(line);
        let next_is_body = rows.get(r + 1).is_some_and(|n| !n.header);
        if row.header && next_is_body {
            let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
            out.push(vec![Span::new(rule.join("─┼─"), DECO)]);
        }
    }
    out
}

fn trim_end(line: &mut Vec<Span>) {
    while let Some(last) = line.last_mut() {
        let t = last.text.trim_end().len();
        last.text.truncate(t);
        if last.text.is_empty() {
            line.pop();
        } else {
            break;
        }
    }
}

/// Too wide for columns: each row becomes "cell | cell | cell", wrapped with a hanging
/// indent of two columns.
fn fallback(rows: &[Row], avail: usize) -> Vec<Vec<Span>> {
    let mut out = Vec::new();
    for row in rows {
        let mut spans: Vec<Span> = Vec::new();
        for cell in &row.cells {
            if cell_text(cell).trim().is_empty() {
                continue;
            }
            if !spans.is_empty() {
                spans.push(Span::plain(" "));
                spans.push(Span::new("|", DECO));
                spans.push(Span::plain(" "));
            }
            for s in cell {
                spans.push(s.clone());
            }
        }
        // Continuation lines hang by two columns; the first line uses the same width so
        // the wrap stays one simple pass.
        let indent = if avail > 8 { 2 } else { 0 };
        for (j, l) in wrap(&spans, avail - indent).into_iter().enumerate() {
            let mut line = Vec::new();
            if j > 0 && indent > 0 {
                line.push(Span::plain(" ".repeat(indent)));
            }
            line.extend(l);
            out.push(line);
        }
    }
    out
}
