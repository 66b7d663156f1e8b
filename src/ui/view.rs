//! `view`: draws the state into a ratatui frame. Pure: reads the state, changes nothing, and
//! only touches visible rows (a list of 100,000 articles costs what its screen rows cost).

use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::clean::sanitize_inline;
use crate::model::ArticleMeta;
use crate::styled::{self, StyledLine};

use super::keys::Action;
use super::layout::{self, Areas};
use super::picture;
use super::reader::Load;
use super::state::{AppState, ListView, Pane};
use super::strings;
use super::text;

/// Draws everything.
pub fn view(state: &AppState, frame: &mut Frame) {
    let area = frame.area();
    let areas = layout::compute(
        area.width,
        area.height,
        state.focus,
        state.reader.is_some(),
        state.welcome.is_some() && state.feeds.is_empty(),
    );
    if areas.too_small {
        draw_too_small(frame, area);
        return;
    }
    draw_panes(state, frame, &areas);
    if let Some(status) = areas.status {
        draw_status(state, frame, status);
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
        let (mark, title, unread, hl, failing) = if row == 0 {
            (
                "",
                strings::ALL_FEEDS,
                state.total_unread,
                state.highlighted_unread(),
                false,
            )
        } else {
            let f = &state.feeds[row - 1];
            let failing = f.is_failing();
            let mark = if failing {
                strings::FEED_FAILED_MARK
            } else {
                ""
            };
            (
                mark,
                f.title.as_str(),
                f.unread,
                f.highlighted_unread,
                failing,
            )
        };
        let mut right: Vec<Span> = Vec::new();
        if unread > 0 {
            right.push(Span::styled(format!(" {unread}"), t.count));
        }
        if hl > 0 {
            right.push(Span::styled(
                format!(" {}{hl}", strings::HIGHLIGHT_MARK),
                t.highlight_mark,
            ));
        }
        let right_w: usize = right.iter().map(|s| s.content.width()).sum();
        let mark_span = if failing {
            Span::styled(format!("{mark} "), t.error)
        } else {
            Span::raw("  ")
        };
        let title_w = usize::from(r.width).saturating_sub(2 + right_w);
        let title_style = if row == 0 || unread > 0 {
            t.unread
        } else {
            t.read
        };
        let mut spans = vec![
            mark_span,
            Span::styled(text::truncate(title, title_w), title_style),
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
            let style = if l.spans.first().is_some_and(|s| s.style.bold) {
                t.error
            } else {
                t.muted
            };
            frame.render_widget(Line::styled(l.plain_text(), style), r);
        }
    }
}

// ---------------------------------------------------------------- articles

fn articles_title(state: &AppState) -> String {
    match state.view {
        ListView::All => strings::ALL_FEEDS.to_string(),
        ListView::Highlights => strings::HIGHLIGHTS_VIEW.to_string(),
        ListView::Feed(id) => state.feed_title(id).to_string(),
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
        if !state.list_complete() {
            strings::LOADING_LIST
        } else if state.view == ListView::Highlights {
            strings::NO_HIGHLIGHTS
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
    let date = text::short_date(a.date(), state.now, state.tz);
    spans.push(Span::styled(format!(" {date:>6} "), t.date));
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
            let style = super::text::highlight_style(state.highlighter.style(rule));
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
    if let Some(n) = &state.notice {
        spans.push(Span::styled(" · ", t.status));
        spans.push(Span::styled(n.clone(), t.status_notice));
    }
    frame.render_widget(Line::from(spans), l);
    if area.width >= 50 {
        frame.render_widget(Line::from(right), rr);
    }
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
