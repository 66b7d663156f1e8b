//! Maps terminal-independent styled text (`crate::styled`) and config colours to ratatui, and
//! small text helpers (wrapping of header lines, dates). Never sees raw feed text: spans arrive
//! sanitised by the cleaner or `sanitize_inline`.

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::config::{Color as ConfigColor, HighlightStyle, NamedColor};
use crate::highlight::Highlighter;
use crate::styled::{self, SpanStyle, StyledLine};

use super::theme::Theme;

/// A config colour as a ratatui colour.
pub fn color(c: ConfigColor) -> Color {
    match c {
        ConfigColor::Named(n) => match n {
            NamedColor::Black => Color::Black,
            NamedColor::Red => Color::Red,
            NamedColor::Green => Color::Green,
            NamedColor::Yellow => Color::Yellow,
            NamedColor::Blue => Color::Blue,
            NamedColor::Magenta => Color::Magenta,
            NamedColor::Cyan => Color::Cyan,
            NamedColor::Gray => Color::Gray,
            NamedColor::DarkGray => Color::DarkGray,
            NamedColor::BrightRed => Color::LightRed,
            NamedColor::BrightGreen => Color::LightGreen,
            NamedColor::BrightYellow => Color::LightYellow,
            NamedColor::BrightBlue => Color::LightBlue,
            NamedColor::BrightMagenta => Color::LightMagenta,
            NamedColor::BrightCyan => Color::LightCyan,
            NamedColor::White => Color::White,
        },
        ConfigColor::Indexed(i) => Color::Indexed(i),
        ConfigColor::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

/// A highlight rule's style as a ratatui style (to patch over the text's own style).
pub fn highlight_style(h: &HighlightStyle) -> Style {
    let mut style = Style::default();
    if let Some(fg) = h.fg {
        style = style.fg(color(fg));
    }
    if let Some(bg) = h.bg {
        style = style.bg(color(bg));
    }
    if h.bold {
        style = style.add_modifier(Modifier::BOLD);
    }
    if h.underline {
        style = style.add_modifier(Modifier::UNDERLINED);
    }
    style
}

/// The ratatui style of a styled span: theme styles for the semantic flags, then the
/// highlight rule's style on top.
pub fn span_style(s: &SpanStyle, theme: &Theme, highlighter: &Highlighter) -> Style {
    let mut style = Style::default();
    if s.heading {
        style = style.patch(theme.heading);
    }
    if s.code {
        style = style.patch(theme.code);
    }
    if s.link {
        style = style.patch(theme.link);
    }
    if s.decoration {
        style = style.patch(theme.decoration);
    }
    if s.bold {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.italic {
        style = style.add_modifier(Modifier::ITALIC);
    }
    if let Some(rule) = s.highlight {
        style = style.patch(theme.rule_style(highlight_style(highlighter.style(rule))));
    }
    style
}

/// A styled line as a ratatui line.
pub fn line<'a>(l: &'a StyledLine, theme: &Theme, highlighter: &Highlighter) -> Line<'a> {
    Line::from(
        l.spans
            .iter()
            .map(|s| Span::styled(s.text.as_str(), span_style(&s.style, theme, highlighter)))
            .collect::<Vec<_>>(),
    )
}

/// Word-wraps styled spans to `width` columns (for the reader header: title, link). Words
/// longer than a line are split; never produces an empty result for non-empty input.
pub fn wrap_spans(spans: &[styled::Span], width: u16) -> Vec<StyledLine> {
    let width = usize::from(width.max(1));
    let mut lines = vec![StyledLine::default()];
    let mut col = 0usize;
    for span in spans {
        // Split into words and the spaces after them, keeping the span's style.
        for word in split_keep_spaces(&span.text) {
            let w = word.width();
            let is_space = word.chars().all(char::is_whitespace);
            if col + w > width && col > 0 {
                if is_space {
                    continue;
                }
                lines.push(StyledLine::default());
                col = 0;
            }
            if is_space && col == 0 && lines.len() > 1 {
                continue;
            }
            if w <= width - col {
                push(lines.last_mut().unwrap(), word, span.style);
                col += w;
                continue;
            }
            // A word longer than the line: split by characters.
            let mut piece = String::new();
            for ch in word.chars() {
                let cw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
                if col + cw > width && col > 0 {
                    push(lines.last_mut().unwrap(), &piece, span.style);
                    piece.clear();
                    lines.push(StyledLine::default());
                    col = 0;
                }
                piece.push(ch);
                col += cw;
            }
            push(lines.last_mut().unwrap(), &piece, span.style);
        }
    }
    lines
}

fn push(line: &mut StyledLine, text: &str, style: SpanStyle) {
    if text.is_empty() {
        return;
    }
    match line.spans.last_mut() {
        Some(last) if last.style == style => last.text.push_str(text),
        _ => line.spans.push(styled::Span::new(text, style)),
    }
}

fn split_keep_spaces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (i, ch) in text.char_indices() {
        let space = ch.is_whitespace();
        if in_space.is_some_and(|s| s != space) {
            out.push(&text[start..i]);
            start = i;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// A list date, at most 6 columns: "14:05" today, "Nov 27" this year, "2023" before (the
/// reader header has the full date).
pub fn short_date(date: DateTime<Utc>, now: DateTime<Utc>, offset: FixedOffset) -> String {
    let d = date.with_timezone(&offset);
    let n = now.with_timezone(&offset);
    if d.date_naive() == n.date_naive() {
        d.format("%H:%M").to_string()
    } else if d.year() == n.year() {
        d.format("%b %e").to_string()
    } else {
        d.format("%Y").to_string()
    }
}

/// A full date for the reader header: "Mon, 27 Nov 2023 14:05".
pub fn long_date(date: DateTime<Utc>, offset: FixedOffset) -> String {
    date.with_timezone(&offset)
        .format("%a, %d %b %Y %H:%M")
        .to_string()
}

/// Truncates plain text to `width` columns, ending with "…" when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut col = 0;
    for ch in text.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if col + cw > width - 1 {
            break;
        }
        out.push(ch);
        col += cw;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn wraps_words_and_splits_long_ones() {
        let spans = vec![styled::Span::plain("hello wonderful world")];
        let lines: Vec<String> = wrap_spans(&spans, 10)
            .iter()
            .map(|l| l.plain_text())
            .collect();
        assert_eq!(lines, ["hello ", "wonderful ", "world"]);
        let lines: Vec<String> = wrap_spans(&[styled::Span::plain("abcdefghij")], 4)
            .iter()
            .map(|l| l.plain_text())
            .collect();
        assert_eq!(lines, ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_spans(&[styled::Span::plain("日本語")], 1).len(), 3);
    }

    #[test]
    fn dates() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let now = Utc.with_ymd_and_hms(2024, 11, 27, 18, 0, 0).unwrap();
        assert_eq!(
            short_date(
                Utc.with_ymd_and_hms(2024, 11, 27, 14, 5, 0).unwrap(),
                now,
                utc
            ),
            "14:05"
        );
        assert_eq!(
            short_date(
                Utc.with_ymd_and_hms(2024, 11, 2, 14, 5, 0).unwrap(),
                now,
                utc
            ),
            "Nov  2"
        );
        assert_eq!(
            short_date(Utc.with_ymd_and_hms(2023, 1, 2, 0, 0, 0).unwrap(), now, utc),
            "2023"
        );
    }

    #[test]
    fn truncates_by_width() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello", 4), "hel…");
        assert_eq!(truncate("日本語", 4), "日…");
        assert_eq!(truncate("x", 0), "");
    }
}
