//! The selected feed's problem as lines of text (error, "partial: …"/"warning: …", "feed
//! moved to", "last ok"): shown
//! under the feeds list and in an empty article list. One place for both `layout` sizing
//! (through the state) and `view` drawing. Pure: reads a feed state, knows no pane.

use chrono::FixedOffset;

use crate::clean::sanitize_inline;
use crate::model::FeedState;
use crate::styled::{Span, SpanStyle, StyledLine};

use super::strings;
use super::text;

/// The feed's problem, wrapped to `width`: error text, the parser's warning ("partial: …",
/// "warning: …"), "feed moved to …", "last ok …". Empty when the feed is fine (or was never
/// polled). Error lines are bold (drawn in the error colour), warning lines italic (drawn in
/// the warning colour).
pub fn feed_details(state: Option<&FeedState>, tz: FixedOffset, width: u16) -> Vec<StyledLine> {
    let Some(s) = state else {
        return Vec::new();
    };
    if s.last_error.is_none() && s.moved_to.is_none() && s.warning.is_none() {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let err = SpanStyle {
        bold: true,
        ..SpanStyle::default()
    };
    if let Some(e) = &s.last_error {
        let kind = s
            .error_kind
            .map(|k| format!("{}: ", k.as_str()))
            .unwrap_or_default();
        let t = format!("{} {kind}{}", strings::FEED_FAILED_MARK, sanitize_inline(e));
        lines.extend(text::wrap_spans(&[Span::new(t, err)], width));
    }
    if let Some(w) = &s.warning {
        let warn = SpanStyle {
            italic: true,
            ..SpanStyle::default()
        };
        let t = format!(
            "{} {}",
            strings::FEED_PARTIAL_MARK,
            sanitize_inline(&w.to_string())
        );
        lines.extend(text::wrap_spans(&[Span::new(t, warn)], width));
    }
    if let Some(m) = &s.moved_to {
        let t = format!("{} {}", strings::MOVED_TO, sanitize_inline(m));
        lines.extend(text::wrap_spans(&[Span::plain(t)], width));
    }
    if s.moved_to.is_some() || s.discovered.is_some() {
        let hint = Span::new(strings::UPDATE_URLS_HINT, SpanStyle::DECORATION);
        lines.extend(text::wrap_spans(&[hint], width));
    }
    let ok = match s.last_success {
        Some(d) => format!("{} {}", strings::LAST_OK, text::long_date(d, tz)),
        None => strings::NEVER_OK.to_string(),
    };
    if s.last_error.is_some() {
        lines.extend(text::wrap_spans(&[Span::plain(ok)], width));
    }
    lines
}
