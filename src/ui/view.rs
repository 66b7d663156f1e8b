//! `view`: draws the state into a ratatui frame. Pure: reads the state, changes nothing, and
//! only touches visible rows (a list of 100,000 articles costs what its screen rows cost).

use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::clean::sanitize_inline;
use crate::model::{ArticleMeta, MediaMark};
use crate::styled::{self, StyledLine};

use super::feeds_pane::Row;
use super::keys::Action;
use super::layout::{self, Areas};
use super::picture;
use super::prompt::Prompt;
use super::reader::Load;
use super::state::{AppState, ListView, Pane};
use super::strings;
use super::text;

/// Draws everything.
pub fn view(state: &AppState, frame: &mut Frame) {
    let area = frame.area();
    // The rectangles mouse clicks are tested against (`state.areas()`).
    let areas = state.areas_in(area.width, area.height);
    if areas.too_small {
        draw_too_small(frame, area);
        return;
    }
    draw_panes(state, frame, &areas);
    if let Some(status) = areas.status {
        if let Some(picker) = &state.picker {
            draw_picker(state, picker, frame, area, status);
        } else if let Some(prompt) = &state.prompt {
            draw_prompt(state, prompt, frame, status);
        } else {
            draw_status(state, frame, status);
        }
    }
    if state.help.is_some() {
        draw_help(state, frame, area);
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let y = area.y + area.height / 2;
    let line = Line::from(text::truncate(strings::TOO_SMALL, usize::from(area.width)))
        .alignment(Alignment::Center);
    frame.render_widget(line, Rect::new(area.x, y, area.width, 1));
}

fn draw_panes(state: &AppState, frame: &mut Frame, areas: &Areas) {
    if let Some(r) = areas.welcome {
        draw_welcome(state, frame, r);
    }
    if let Some(r) = areas.feeds {
        draw_feeds(state, frame, r);
    }
    if let Some(r) = areas.articles {
        draw_articles(state, frame, r);
    }
    if let Some(r) = areas.reader {
        draw_reader(state, frame, r);
    }
}

fn pane_block<'a>(state: &AppState, pane: Pane, title: Line<'a>) -> Block<'a> {
    let focused = state.focus == pane;
    let t = &state.theme;
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focused } else { t.border })
        .title(title)
}

fn title_line<'a>(state: &AppState, text: String, focused: bool) -> Line<'a> {
    let style = if focused {
        state.theme.title
    } else {
        state.theme.title.remove_modifier(Modifier::BOLD)
    };
    Line::from(Span::styled(format!(" {text} "), style))
}

fn selection_style(state: &AppState, pane: Pane) -> Style {
    if state.focus == pane {
        state.theme.selected
    } else {
        state.theme.selected_unfocused
    }
}

// ---------------------------------------------------------------- welcome

fn draw_welcome(state: &AppState, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border_focused)
        .title(title_line(state, strings::WELCOME_TITLE.to_string(), true));
    frame.render_widget(block, area);
    let inner = layout::inner(area);
    // Some air around the text when there is room.
    let text_area = if inner.width > 20 && inner.height > 4 {
        Rect::new(inner.x + 2, inner.y + 1, inner.width - 4, inner.height - 1)
    } else {
        inner
    };
    let mut text = Text::from(state.welcome.clone().unwrap_or_default());
    text.push_line(Line::default());
    text.push_line(Line::styled(strings::WELCOME_QUIT, state.theme.muted));
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), text_area);
}

// ---------------------------------------------------------------- feeds

fn draw_feeds(state: &AppState, frame: &mut Frame, area: Rect) {
    let focused = state.focus == Pane::Feeds;
    let block = pane_block(
        state,
        Pane::Feeds,
        title_line(state, strings::FEEDS_TITLE.to_string(), focused),
    );
    frame.render_widget(block, area);
    let inner = layout::inner(area);
    if inner.is_empty() {
        return;
    }
    let details_lines = state.feed_details(inner.width);
    let (list, details) = layout::split_feed_details(inner, details_lines.len());
    let t = &state.theme;
    let rows = state.feed_rows();
    let height = usize::from(list.height);
    let mut cursor = state.feed_cursor;
    cursor.scroll_into_view(rows, height);
    for (screen, row) in (cursor.offset..rows.min(cursor.offset + height)).enumerate() {
        let r = Rect::new(list.x, list.y + screen as u16, list.width, 1);
        let FeedRow {
            indent,
            mark,
            title,
            unread,
            hl,
        } = feed_row(state, state.pane.row(row).unwrap_or(Row::All));
        let mut right: Vec<Span> = Vec::new();
        match unread {
            Some(0) => {}
            Some(unread) => right.push(Span::styled(format!(" {unread}"), t.count)),
            // A view still being counted.
            None => right.push(Span::styled(" …", t.muted)),
        }
        if hl > 0 {
            right.push(Span::styled(
                format!(" {}{hl}", strings::HIGHLIGHT_MARK),
                t.highlight_mark,
            ));
        }
        let right_w: usize = right.iter().map(|s| s.content.width()).sum();
        let mark_span = match mark {
            Mark::None => Span::raw(format!("{indent}  ")),
            Mark::Failing => {
                Span::styled(format!("{indent}{} ", strings::FEED_FAILED_MARK), t.error)
            }
            Mark::Partial => {
                Span::styled(format!("{indent}{} ", strings::FEED_PARTIAL_MARK), t.count)
            }
            Mark::View => Span::styled(format!("{indent}{} ", strings::VIEW_MARK), t.title),
            Mark::Tag(open) => Span::styled(
                format!(
                    "{indent}{} ",
                    if open {
                        strings::TAG_OPEN_MARK
                    } else {
                        strings::TAG_FOLDED_MARK
                    }
                ),
                t.title,
            ),
        };
        let title_w = usize::from(r.width).saturating_sub(mark_span.content.width() + right_w);
        let title_style = if row == 0 || unread.unwrap_or(0) > 0 {
            t.unread
        } else {
            t.read
        };
        let mut spans = vec![
            mark_span,
            Span::styled(text::truncate(&title, title_w), title_style),
        ];
        let used: usize = spans.iter().map(|s| s.content.width()).sum();
        let pad = usize::from(r.width).saturating_sub(used + right_w);
        spans.push(Span::raw(" ".repeat(pad)));
        spans.extend(right);
        frame.render_widget(Line::from(spans), r);
        if row == cursor.selected {
            frame
                .buffer_mut()
                .set_style(r, selection_style(state, Pane::Feeds));
        }
    }
    if rows == 1 && height > 2 && state.feeds.is_empty() {
        let r = Rect::new(list.x, list.y + 2, list.width, 1);
        frame.render_widget(
            Line::styled(
                text::truncate(strings::NO_FEEDS, usize::from(r.width)),
                t.muted,
            ),
            r,
        );
    }
    if let Some(d) = details {
        let lines = details_lines;
        let sep = "─".repeat(usize::from(d.width));
        frame.render_widget(Line::styled(sep, t.border), Rect::new(d.x, d.y, d.width, 1));
        for (i, l) in lines
            .iter()
            .take(usize::from(d.height.saturating_sub(1)))
            .enumerate()
        {
            let r = Rect::new(d.x, d.y + 1 + i as u16, d.width, 1);
            let style = match l.spans.first().map(|s| s.style) {
                Some(s) if s.bold => t.error,
                Some(s) if s.italic => t.count,
                _ => t.muted,
            };
            frame.render_widget(Line::styled(l.plain_text(), style), r);
        }
    }
}

/// How a row of the feeds pane starts.
enum Mark {
    None,
    Failing,
    Partial,
    View,
    /// A tag group, open or folded.
    Tag(bool),
}

struct FeedRow<'a> {
    indent: &'static str,
    mark: Mark,
    title: std::borrow::Cow<'a, str>,
    /// `None`: not counted yet (a view waiting for its articles or word hits).
    unread: Option<usize>,
    hl: usize,
}

fn feed_row(state: &AppState, row: Row) -> FeedRow<'_> {
    match row {
        Row::All => FeedRow {
            indent: "",
            mark: Mark::None,
            title: strings::ALL_FEEDS.into(),
            unread: Some(state.total_unread),
            hl: state.highlighted_unread(),
        },
        Row::View(v) => {
            let view = &state.views.saved[v];
            FeedRow {
                indent: "",
                mark: Mark::View,
                title: view.name.as_str().into(),
                unread: view.unread,
                hl: 0,
            }
        }
        Row::Tag(t) => {
            let (unread, hl) = state.tag_unread(t);
            let group = &state.pane.groups[t];
            FeedRow {
                indent: "",
                mark: Mark::Tag(!group.folded),
                title: sanitize_inline(&group.name).into(),
                unread: Some(unread),
                hl,
            }
        }
        Row::Feed { feed, tag } => {
            let f = &state.feeds[feed];
            let mark = if f.is_failing() {
                Mark::Failing
            } else if f.has_warning() {
                Mark::Partial
            } else {
                Mark::None
            };
            FeedRow {
                indent: if tag.is_some() { "  " } else { "" },
                mark,
                title: f.title.as_str().into(),
                unread: Some(f.unread),
                hl: f.highlighted_unread,
            }
        }
    }
}

// ---------------------------------------------------------------- articles

fn articles_title(state: &AppState) -> String {
    match state.view {
        ListView::All => strings::ALL_FEEDS.to_string(),
        ListView::Highlights => strings::HIGHLIGHTS_VIEW.to_string(),
        ListView::Feed(id) => state.feed_title(id).to_string(),
        ListView::Tag(t) => state
            .pane
            .groups
            .get(t)
            .map(|g| format!("#{}", sanitize_inline(&g.name)))
            .unwrap_or_default(),
        ListView::View(v) => state
            .views
            .saved
            .get(v)
            .map(|v| format!("{} {}", strings::VIEW_MARK, v.name))
            .unwrap_or_default(),
        ListView::Search => match &state.views.search {
            Some(q) => format!("{}: {}", strings::SEARCH_TITLE, sanitize_inline(&q.name)),
            None => strings::SEARCH_TITLE.to_string(),
        },
    }
}

fn draw_articles(state: &AppState, frame: &mut Frame, area: Rect) {
    let focused = state.focus == Pane::Articles;
    let title = format!("{} · {}", strings::ARTICLES_TITLE, articles_title(state));
    let title = text::truncate(&title, usize::from(area.width.saturating_sub(4)));
    let mut block = pane_block(state, Pane::Articles, title_line(state, title, focused));
    if !state.list.is_empty() && area.width > 20 {
        let pos = format!(
            " {}/{} ",
            state.article_cursor.selected + 1,
            state.list_len()
        );
        block =
            block.title_bottom(Line::styled(pos, state.theme.muted).alignment(Alignment::Right));
    }
    // The order, when it is not the usual newest first.
    let sort = state.view.sort(state.sort);
    if sort != crate::config::SortOrder::Date && area.width > 30 {
        let label = format!(" {} ", strings::sort_name(sort));
        block =
            block.title_bottom(Line::styled(label, state.theme.muted).alignment(Alignment::Left));
    }
    frame.render_widget(block, area);
    let inner = layout::inner(area);
    if inner.is_empty() {
        return;
    }
    if state.list.is_empty() {
        draw_empty_list(state, frame, inner);
        return;
    }
    let height = usize::from(inner.height);
    let mut cursor = state.article_cursor;
    cursor.scroll_into_view(state.list.len(), height);
    let across_feeds = !matches!(state.view, ListView::Feed(_));
    let end = state.list.len().min(cursor.offset + height);
    for (screen, pos) in (cursor.offset..end).enumerate() {
        let a = &state.articles[state.list[pos]];
        let r = Rect::new(inner.x, inner.y + screen as u16, inner.width, 1);
        frame.render_widget(article_row(state, a, r.width, across_feeds), r);
        if pos == cursor.selected {
            frame
                .buffer_mut()
                .set_style(r, selection_style(state, Pane::Articles));
        }
    }
}

fn draw_empty_list(state: &AppState, frame: &mut Frame, inner: Rect) {
    let t = &state.theme;
    let mut lines = vec![Line::styled(
        if state.query_pending() {
            strings::SEARCHING
        } else if !state.list_complete() {
            strings::LOADING_LIST
        } else if state.view == ListView::Highlights {
            strings::NO_HIGHLIGHTS
        } else if matches!(state.view, ListView::Search | ListView::View(_)) {
            strings::NO_MATCHES
        } else {
            strings::NO_ARTICLES
        },
        t.muted,
    )];
    if let ListView::Feed(id) = state.view {
        if let Some(f) = state.feed(id) {
            for l in feed_details_for(state, f.id, inner.width) {
                lines.push(Line::styled(l.plain_text(), t.error));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn feed_details_for(state: &AppState, id: crate::model::FeedId, width: u16) -> Vec<StyledLine> {
    if state.selected_feed().is_some_and(|f| f.id == id) {
        state.feed_details(width).into_iter().take(3).collect()
    } else {
        Vec::new()
    }
}

/// One row of the articles list: marks, date, feed (across feeds), title with highlighted
/// keywords, and the matching rule right-aligned when there is room.
fn article_row<'a>(state: &AppState, a: &ArticleMeta, width: u16, across_feeds: bool) -> Line<'a> {
    let t = &state.theme;
    let width = usize::from(width);
    let mut spans: Vec<Span<'a>> = Vec::new();
    // Marks: star, highlight.
    spans.push(if a.starred {
        Span::styled(strings::STAR_MARK, t.star)
    } else {
        Span::raw(" ")
    });
    spans.push(if a.highlights.is_empty() {
        Span::raw(" ")
    } else {
        Span::styled(strings::HIGHLIGHT_MARK, t.highlight_mark)
    });
    // The enclosure mark takes the space before the date: rows without one look as before.
    spans.push(match a.media {
        MediaMark::None => Span::raw(" "),
        MediaMark::Attached => Span::styled(strings::MEDIA_MARK, t.date),
        MediaMark::Downloaded => Span::styled(strings::DOWNLOADED_MARK, t.star),
    });
    let date = text::short_date(a.date(), state.now, state.tz);
    spans.push(Span::styled(format!("{date:>6} "), t.date));
    let mut used = 2 + 8;
    if across_feeds && width >= 60 {
        let feed_w = (width / 6).clamp(8, 18);
        let feed = text::truncate(state.feed_title(a.feed), feed_w);
        let pad = feed_w.saturating_sub(feed.width());
        spans.push(Span::styled(format!("{feed}{} ", " ".repeat(pad)), t.feed));
        used += feed_w + 1;
    }
    // The rule that matched, right-aligned, when there is room.
    let label = match a.highlights.first() {
        Some(&rule) if width >= 70 => {
            let l = text::truncate(&sanitize_inline(state.highlighter.label(rule)), 16);
            let style = t.rule_style(super::text::highlight_style(state.highlighter.style(rule)));
            Some(Span::styled(format!(" {l}"), style))
        }
        _ => None,
    };
    let label_w = label.as_ref().map_or(0, |s| s.content.width());
    let title_w = width.saturating_sub(used + label_w);
    let base = if a.read { t.read } else { t.unread };
    let title = text::truncate(&sanitize_inline(&a.title), title_w);
    let title_spans = state.highlighter.mark(vec![styled::Span::plain(title)]);
    let mut title_used = 0;
    for s in title_spans {
        title_used += s.text.width();
        let style = base.patch(text::span_style(&s.style, t, &state.highlighter));
        spans.push(Span::styled(s.text, style));
    }
    if let Some(label) = label {
        spans.push(Span::raw(" ".repeat(title_w.saturating_sub(title_used))));
        spans.push(label);
    }
    Line::from(spans)
}

// ---------------------------------------------------------------- reader

fn draw_reader(state: &AppState, frame: &mut Frame, area: Rect) {
    let focused = state.focus == Pane::Reader;
    let mut title = strings::READER_TITLE.to_string();
    if state.reader.is_some_and(|r| r.full) {
        title = format!("{title} · {}", strings::FULL_TEXT_TAG);
    }
    let mut block = pane_block(state, Pane::Reader, title_line(state, title, focused));
    let text_area = layout::reader_text(area);
    let height = usize::from(text_area.height);
    let total = state.reader_lines.len();
    let scroll = state
        .reader
        .map_or(0, |r| r.scroll.min(total.saturating_sub(height)));
    if state.reader.is_some() && area.width > 12 {
        let pos = if total <= height {
            "All".to_string()
        } else if scroll == 0 {
            "Top".to_string()
        } else if scroll + height >= total {
            "End".to_string()
        } else {
            format!("{}%", (scroll + height) * 100 / total)
        };
        block = block.title_bottom(
            Line::styled(format!(" {pos} "), state.theme.muted).alignment(Alignment::Right),
        );
    }
    frame.render_widget(block, area);
    if text_area.is_empty() {
        return;
    }
    if state.reader.is_none() {
        let p = Paragraph::new(Line::styled(strings::NO_ARTICLE_OPEN, state.theme.muted))
            .wrap(Wrap { trim: true });
        frame.render_widget(p, text_area);
        return;
    }
    for (screen, l) in state
        .reader_lines
        .iter()
        .skip(scroll)
        .take(height)
        .enumerate()
    {
        let r = Rect::new(text_area.x, text_area.y + screen as u16, text_area.width, 1);
        frame.render_widget(text::line(l, &state.theme, &state.highlighter), r);
    }
    draw_image_slots(state, frame, text_area, scroll);
}

/// Pictures over their reserved rows, or the reserved box with what is happening to the
/// image. Pictures give way to the help overlay (a graphics protocol would draw over it).
fn draw_image_slots(state: &AppState, frame: &mut Frame, area: Rect, scroll: usize) {
    let images = &state.images;
    let height = usize::from(area.height);
    let buf = frame.buffer_mut();
    for slot in images.slots() {
        if !slot.overlaps(scroll, scroll + height) {
            continue;
        }
        let top = slot.line as i32 - scroll as i32;
        let label = match images.load(&slot.key) {
            Some(Load::Ready(p)) if state.help.is_none() => {
                picture::draw_picture(buf, area, top, p);
                continue;
            }
            Some(Load::Failed(e)) => format!("{} {e}", strings::IMAGE_FAILED),
            _ => strings::IMAGE_LOADING.to_string(),
        };
        let size = (slot.cols, slot.rows);
        picture::draw_placeholder(buf, area, top, size, &label, state.theme.muted);
    }
}

// ---------------------------------------------------------------- status bar

fn draw_status(state: &AppState, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.buffer_mut().set_style(area, t.status);
    let p = state.progress;
    let left = if p.running {
        strings::refreshing(p.done, p.total, p.failed)
    } else {
        strings::unread(state.total_unread)
    };
    let km = &state.keymap;
    let hints = [(Action::Help, "help"), (Action::Quit, "quit")];
    let mut right: Vec<Span> = Vec::new();
    for (action, label) in hints {
        right.push(Span::styled(km.hint(action), t.status_key));
        right.push(Span::styled(format!(" {label}  "), t.status));
    }
    let right_w: u16 = right.iter().map(|s| s.content.width() as u16).sum();
    let right_w = right_w.min(area.width);
    let l = Rect {
        width: area.width - right_w,
        ..area
    };
    let rr = Rect {
        x: area.x + area.width - right_w,
        width: right_w,
        ..area
    };
    let mut spans = vec![Span::styled(format!(" {left}"), t.status)];
    if let Some(sync) = &state.sync {
        spans.push(Span::styled(format!(" · {}", sync.status_line()), t.status));
    }
    if let Some(url) = &state.subscribing {
        spans.push(Span::styled(" · ", t.status));
        spans.push(Span::styled(
            strings::looking_up(&sanitize_inline(url)),
            t.status_key,
        ));
    }
    if state.view == ListView::Highlights {
        spans.push(Span::styled(
            format!(
                " · {} {}",
                strings::HIGHLIGHT_MARK,
                strings::HIGHLIGHTS_ONLY
            ),
            t.status_key,
        ));
    }
    if let Some(downloads) = state.media.status() {
        spans.push(Span::styled(format!(" · {downloads}"), t.status));
    }
    if let Some(n) = &state.notice {
        spans.push(Span::styled(" · ", t.status));
        spans.push(Span::styled(n.clone(), t.status_notice));
    } else if let Some(e) = &state.config_error {
        // Until the file is fixed, after its notice is gone.
        spans.push(Span::styled(" · ", t.status));
        spans.push(Span::styled(
            format!("{}: {e}", strings::CONFIG_BROKEN),
            t.status_notice,
        ));
    }
    frame.render_widget(Line::from(spans), l);
    if area.width >= 50 {
        frame.render_widget(Line::from(right), rr);
    }
}

// ---------------------------------------------------------------- prompt

/// The prompt on the status row; a search's syntax error on the row above it, with a caret
/// under the column and the message.
fn draw_prompt(state: &AppState, prompt: &Prompt, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.buffer_mut().set_style(area, t.status);
    let label = prompt.label();
    let width = usize::from(area.width);
    let label_w = label.width();
    // Scroll the text so the cursor stays visible.
    let chars: Vec<char> = prompt.text.chars().collect();
    let room = width.saturating_sub(label_w + 1).max(1);
    let before: String = chars[..prompt.cursor.min(chars.len())].iter().collect();
    let skip_w = before.width().saturating_sub(room.saturating_sub(1));
    let mut skipped = 0;
    let mut start = 0;
    while skipped < skip_w && start < chars.len() {
        skipped += unicode_width::UnicodeWidthChar::width(chars[start]).unwrap_or(0);
        start += 1;
    }
    let shown: String = chars[start..].iter().collect();
    let shown = sanitize_inline(&shown);
    let line = Line::from(vec![
        Span::styled(label, t.status_key),
        Span::styled(text::truncate(&shown, room), t.status),
    ]);
    frame.render_widget(line, area);
    let cursor_x: String = chars[start..prompt.cursor.min(chars.len())]
        .iter()
        .collect();
    let x = area.x + (label_w + cursor_x.width()).min(width.saturating_sub(1)) as u16;
    frame.set_cursor_position((x, area.y));
    let status = if let Some(e) = &prompt.error {
        // Column of the caret on screen: the label, then the text before the error.
        let upto: String = chars
            .get(start..e.column.saturating_sub(1).min(chars.len()).max(start))
            .map(|c| c.iter().collect())
            .unwrap_or_default();
        let at = label_w + upto.width();
        let message = format!("^ column {}: {}", e.column, e.kind);
        let message = text::truncate(&message, width.saturating_sub(at).max(1));
        Some(Line::from(vec![
            Span::raw(" ".repeat(at.min(width.saturating_sub(1)))),
            Span::styled(message, t.error),
        ]))
    } else if state.view == ListView::Search && state.query_pending() {
        Some(Line::styled(format!(" {}", strings::SEARCHING), t.muted))
    } else if state.view == ListView::Search && state.list_complete() {
        Some(Line::styled(
            format!(" {}", strings::matches(state.list.len())),
            t.muted,
        ))
    } else {
        None
    };
    if let Some(line) = status {
        if area.y > 0 {
            let r = Rect::new(area.x, area.y - 1, area.width, 1);
            frame.render_widget(Clear, r);
            frame.render_widget(line, r);
        }
    }
}

/// The feeds a page offers, above the status row: one per line, the chosen one marked.
fn draw_picker(
    state: &AppState,
    picker: &super::prompt::Picker,
    frame: &mut Frame,
    area: Rect,
    status: Rect,
) {
    let t = &state.theme;
    let rows = (picker.feeds.len() as u16 + 1).min(status.y.saturating_sub(area.y));
    if rows == 0 {
        return;
    }
    let top = status.y - rows;
    let width = usize::from(area.width);
    let r = Rect::new(area.x, top, area.width, rows);
    frame.render_widget(Clear, r);
    frame.buffer_mut().set_style(r, t.status);
    let head = format!(" {} {}", sanitize_inline(&picker.page), strings::PICK_FEED);
    frame.render_widget(
        Line::styled(text::truncate(&head, width), t.status_key),
        Rect::new(area.x, top, area.width, 1),
    );
    for (i, feed) in picker.feeds.iter().take(usize::from(rows) - 1).enumerate() {
        let mut text = format!(" {}. {}", i + 1, sanitize_inline(&feed.url));
        if let Some(title) = &feed.title {
            text.push_str(&format!("  ({})", sanitize_inline(title)));
        }
        let line_r = Rect::new(area.x, top + 1 + i as u16, area.width, 1);
        frame.render_widget(Line::styled(text::truncate(&text, width), t.status), line_r);
        if i == picker.selected {
            frame.buffer_mut().set_style(line_r, t.selected);
        }
    }
    draw_status(state, frame, status);
}

// ---------------------------------------------------------------- help overlay

fn draw_help(state: &AppState, frame: &mut Frame, area: Rect) {
    let rows = state.keymap.help_rows();
    let keys_w = rows
        .iter()
        .map(|(k, _)| k.width())
        .max()
        .unwrap_or(0)
        .min(22);
    let help_w = rows.iter().map(|(_, h)| h.width()).max().unwrap_or(0);
    let footer_w = strings::HELP_FOOTER.width() + 4;
    let want = (keys_w + help_w + 6).max(footer_w) as u16;
    let width = area.width.saturating_sub(4).min(want);
    let height = area.height.saturating_sub(2).min(rows.len() as u16 + 2);
    if width < 10 || height < 3 {
        return;
    }
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    let t = &state.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focused)
        .title(title_line(state, strings::HELP_TITLE.to_string(), true))
        .title_bottom(
            Line::styled(format!(" {} ", strings::HELP_FOOTER), t.muted)
                .alignment(Alignment::Right),
        );
    frame.render_widget(block, popup);
    let inner = layout::inner(popup);
    let visible = usize::from(inner.height);
    let scroll = state
        .help
        .unwrap_or(0)
        .min(rows.len().saturating_sub(visible));
    for (i, (keys, help)) in rows.iter().skip(scroll).take(visible).enumerate() {
        let r = Rect::new(inner.x, inner.y + i as u16, inner.width, 1);
        let keys = text::truncate(keys, keys_w);
        let pad = keys_w.saturating_sub(keys.width());
        let help_w = usize::from(r.width).saturating_sub(keys_w + 3);
        let line = Line::from(vec![
            Span::styled(format!(" {keys}{} ", " ".repeat(pad)), t.help_key),
            Span::raw(" "),
            Span::raw(text::truncate(help, help_w)),
        ]);
        frame.render_widget(line, r);
    }
}
