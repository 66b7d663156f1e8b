//! Styled text to ANSI SGR escapes for `tidings show` on a terminal (or `--color=always`).
//! Only our own escapes are emitted: span text is sanitised by the cleaner before it gets here.

use crate::config::{Color, HighlightStyle};
use crate::highlight::Highlighter;
use crate::styled::{SpanStyle, StyledLine};

/// Whether the user asked for no colour: `NO_COLOR` set and not empty (https://no-color.org).
pub fn no_color() -> bool {
    crate::config::no_color_requested()
}

/// Renders one line; `color` false gives plain text.
pub fn render_line(line: &StyledLine, highlighter: &Highlighter, color: bool) -> String {
    let mut out = String::new();
    for span in &line.spans {
        let sgr = if color {
            sgr_codes(span.style, highlighter)
        } else {
            String::new()
        };
        if sgr.is_empty() {
            out.push_str(&span.text);
        } else {
            out.push_str(&format!("\x1b[{sgr}m{}\x1b[0m", span.text));
        }
    }
    out
}

fn sgr_codes(style: SpanStyle, highlighter: &Highlighter) -> String {
    let mut codes: Vec<String> = Vec::new();
    if style.bold || style.heading {
        codes.push("1".into());
    }
    if style.italic {
        codes.push("3".into());
    }
    if style.link {
        codes.push("4".into());
    }
    if style.decoration {
        codes.push("2".into());
    }
    if style.code {
        codes.push("36".into());
    }
    if let Some(rule) = style.highlight {
        push_highlight(&mut codes, highlighter.style(rule));
    }
    codes.join(";")
}

fn push_highlight(codes: &mut Vec<String>, style: &HighlightStyle) {
    if style.bold {
        codes.push("1".into());
    }
    if style.underline {
        codes.push("4".into());
    }
    if let Some(fg) = style.fg {
        codes.push(color_code(fg, false));
    }
    if let Some(bg) = style.bg {
        codes.push(color_code(bg, true));
    }
    if style.fg.is_none() && style.bg.is_none() && !style.bold && !style.underline {
        // A rule without a style still has to show: reverse video.
        codes.push("7".into());
    }
}

fn color_code(color: Color, background: bool) -> String {
    let base = if background { 40 } else { 30 };
    match color {
        Color::Named(named) => {
            let index = named.ansi_index();
            if index < 8 {
                (base + u32::from(index)).to_string()
            } else {
                (base + 60 + u32::from(index - 8)).to_string()
            }
        }
        Color::Indexed(index) => format!("{};5;{index}", base + 8),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", base + 8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NamedColor;

    #[test]
    fn colour_codes() {
        assert_eq!(color_code(Color::Named(NamedColor::Red), false), "31");
        assert_eq!(
            color_code(Color::Named(NamedColor::BrightBlue), true),
            "104"
        );
        assert_eq!(color_code(Color::Indexed(208), false), "38;5;208");
        assert_eq!(color_code(Color::Rgb(1, 2, 3), true), "48;2;1;2;3");
    }
}
