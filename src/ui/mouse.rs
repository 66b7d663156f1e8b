//! What is under the mouse pointer: a row of the feeds pane, a row of the articles list, a
//! link mark `[N]` in the reader, or just a pane. Found in the rectangles `view` draws into
//! (`layout`, through `AppState::areas`) with the scroll offsets `view` uses, so a click
//! lands where the eye sees it. Also tells a double click from two clicks. Pure: `update`
//! decides what a click or the wheel does.

use std::time::Duration;

use ratatui::layout::{Position, Rect};
use unicode_width::UnicodeWidthChar;

use crate::styled::StyledLine;

use super::layout;
use super::state::{AppState, Click, Cursor, Pane};

/// Two clicks on the same spot at most this far apart are a double click.
pub const DOUBLE_CLICK: Duration = Duration::from_millis(400);
/// Rows (or reader lines) one step of the wheel moves in the articles list and the reader.
pub const WHEEL_ROWS: isize = 3;

/// What a point of the screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A row of the feeds pane (`AppState::pane`: "All articles", views, tag groups, feeds).
    FeedRow(usize),
    /// A row of the articles list (its position in the list).
    ArticleRow(usize),
    /// A link mark `[N]` in the reader (N counts from 1), in the text or the link list.
    Link(usize),
    /// Anywhere else in a pane: its border, empty rows, the reader's text.
    Pane(Pane),
}

/// What is at (`column`, `row`) of the screen; `None` outside every pane (status bar,
/// welcome screen, a terminal too small).
pub fn target(state: &AppState, column: u16, row: u16) -> Option<Target> {
    let at = Position::new(column, row);
    let areas = state.areas();
    if areas.too_small {
        return None;
    }
    if let Some(rect) = areas.feeds.filter(|r| r.contains(at)) {
        return Some(feeds_target(state, rect, at).unwrap_or(Target::Pane(Pane::Feeds)));
    }
    if let Some(rect) = areas.articles.filter(|r| r.contains(at)) {
        return Some(articles_target(state, rect, at).unwrap_or(Target::Pane(Pane::Articles)));
    }
    if let Some(rect) = areas.reader.filter(|r| r.contains(at)) {
        return Some(reader_target(state, rect, at).unwrap_or(Target::Pane(Pane::Reader)));
    }
    None
}

/// The pane at a point (for the wheel).
pub fn pane_at(state: &AppState, column: u16, row: u16) -> Option<Pane> {
    match target(state, column, row)? {
        Target::FeedRow(_) => Some(Pane::Feeds),
        Target::ArticleRow(_) => Some(Pane::Articles),
        Target::Link(_) => Some(Pane::Reader),
        Target::Pane(pane) => Some(pane),
    }
}

/// Whether `click` is the second click of a double click after `last`.
pub fn is_double(last: Option<Click>, click: Click) -> bool {
    last.is_some_and(|last| {
        last.row == click.row
            && last.column.abs_diff(click.column) <= 1
            && click
                .at
                .checked_duration_since(last.at)
                .is_some_and(|gap| gap <= DOUBLE_CLICK)
    })
}

/// The first row a list shows, as `view` scrolls it (the selection always visible).
fn first_row(cursor: Cursor, len: usize, height: u16) -> usize {
    let mut cursor = cursor;
    cursor.scroll_into_view(len, usize::from(height));
    cursor.offset
}

fn feeds_target(state: &AppState, pane: Rect, at: Position) -> Option<Target> {
    let inner = layout::inner(pane);
    let details = state.feed_details(inner.width).len();
    let (list, _) = layout::split_feed_details(inner, details);
    if !list.contains(at) {
        return None;
    }
    let rows = state.feed_rows();
    let row = first_row(state.feed_cursor, rows, list.height) + usize::from(at.y - list.y);
    (row < rows).then_some(Target::FeedRow(row))
}

fn articles_target(state: &AppState, pane: Rect, at: Position) -> Option<Target> {
    let inner = layout::inner(pane);
    if !inner.contains(at) {
        return None;
    }
    let len = state.list.len();
    let row = first_row(state.article_cursor, len, inner.height) + usize::from(at.y - inner.y);
    (row < len).then_some(Target::ArticleRow(row))
}

fn reader_target(state: &AppState, pane: Rect, at: Position) -> Option<Target> {
    let reader = state.reader?;
    let text = layout::reader_text(pane);
    if !text.contains(at) {
        return None;
    }
    let total = state.reader_lines.len();
    let scroll = reader
        .scroll
        .min(total.saturating_sub(usize::from(text.height)));
    let line = state
        .reader_lines
        .get(scroll + usize::from(at.y - text.y))?;
    link_at(line, usize::from(at.x - text.x)).map(Target::Link)
}

/// The number of the link mark `[N]` drawn at display column `column` of `line`, if any.
/// Marks are decoration the cleaner adds (`[3]` after a link's text, `[3] ` before each url
/// of the link list): text that merely looks like one is not a mark.
pub fn link_at(line: &StyledLine, column: usize) -> Option<usize> {
    // Each character with whether it is decoration, and the column it starts at.
    let mut chars: Vec<(char, bool)> = Vec::new();
    let mut hit = None;
    let mut x = 0;
    for span in &line.spans {
        for c in span.text.chars() {
            let w = c.width().unwrap_or(0);
            if hit.is_none() && column >= x && column < x + w.max(1) {
                hit = Some(chars.len());
            }
            chars.push((c, span.style.decoration));
            x += w;
        }
    }
    let hit = hit?;
    let mark = |i: usize| chars.get(i).filter(|(_, deco)| *deco).map(|(c, _)| *c);
    // Back to the `[`, over digits.
    let mut start = hit;
    if mark(start) == Some(']') {
        start = start.checked_sub(1)?;
    }
    while mark(start).is_some_and(|c| c.is_ascii_digit()) {
        start = start.checked_sub(1)?;
    }
    if mark(start) != Some('[') {
        return None;
    }
    let mut end = start + 1;
    let mut n: usize = 0;
    while let Some(d) = mark(end).and_then(|c| c.to_digit(10)) {
        n = n.checked_mul(10)?.checked_add(d as usize)?;
        end += 1;
    }
    (end > start + 1 && mark(end) == Some(']') && hit <= end && n > 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::styled::{Span, SpanStyle};

    fn line(parts: &[(&str, bool)]) -> StyledLine {
        StyledLine {
            spans: parts
                .iter()
                .map(|(t, deco)| {
                    Span::new(
                        *t,
                        SpanStyle {
                            decoration: *deco,
                            ..SpanStyle::default()
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn marks_are_found_on_any_of_their_columns() {
        let l = line(&[("see the docs", false), ("[12]", true), (" and [3]", false)]);
        for column in 12..16 {
            assert_eq!(link_at(&l, column), Some(12), "column {column}");
        }
        assert_eq!(link_at(&l, 11), None);
        assert_eq!(link_at(&l, 16), None);
        // Text that only looks like a mark is not one.
        assert_eq!(link_at(&l, 22), None);
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let l = line(&[("日本", false), ("[2]", true)]);
        assert_eq!(link_at(&l, 3), None);
        assert_eq!(link_at(&l, 4), Some(2));
        assert_eq!(link_at(&l, 6), Some(2));
        // The link list: "[1] https://…".
        let l = line(&[("[1] ", true), ("https://example.org/", false)]);
        assert_eq!(link_at(&l, 0), Some(1));
        assert_eq!(link_at(&l, 3), None);
        assert_eq!(link_at(&l, 5), None);
    }

    #[test]
    fn double_clicks_are_close_in_time_and_place() {
        let t = std::time::Instant::now();
        let click = |ms: u64, column: u16, row: u16| Click {
            at: t + Duration::from_millis(ms),
            column,
            row,
        };
        assert!(!is_double(None, click(0, 5, 5)));
        assert!(is_double(Some(click(0, 5, 5)), click(300, 6, 5)));
        assert!(!is_double(Some(click(0, 5, 5)), click(500, 5, 5)));
        assert!(!is_double(Some(click(0, 5, 5)), click(100, 5, 6)));
        assert!(!is_double(Some(click(0, 5, 5)), click(100, 9, 5)));
    }
}
