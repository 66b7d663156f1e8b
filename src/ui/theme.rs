//! The TUI's themes, compiled in as data: `dark` (`assets/theme.toml`, the default), `light`
//! (`assets/theme-light.toml`) and `mono` (`assets/theme-mono.toml`: no colour, only bold,
//! underline, reverse...). The config's `theme` key picks one, and NO_COLOR picks `mono` when
//! it does not (`ThemeName::resolve`). Highlight rule styles come from the config, unless the
//! theme replaces them (`[highlight]`, for `mono`). Never reads files at run time.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::config::ThemeName;

const THEME_TOML: &str = include_str!("../../assets/theme.toml");
const LIGHT_TOML: &str = include_str!("../../assets/theme-light.toml");
const MONO_TOML: &str = include_str!("../../assets/theme-mono.toml");

/// One style as written in the theme file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleDef {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    reversed: bool,
}

impl StyleDef {
    fn to_style(&self, name: &str) -> Result<Style, ThemeError> {
        let color = |c: &Option<String>| -> Result<Option<Color>, ThemeError> {
            c.as_deref()
                .map(|text| {
                    Color::from_str(text).map_err(|_| ThemeError::Color {
                        name: name.to_string(),
                        value: text.to_string(),
                    })
                })
                .transpose()
        };
        let mut style = Style::default();
        if let Some(fg) = color(&self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = color(&self.bg)? {
            style = style.bg(bg);
        }
        let flags = [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.dim, Modifier::DIM),
            (self.reversed, Modifier::REVERSED),
        ];
        for (on, modifier) in flags {
            if on {
                style = style.add_modifier(modifier);
            }
        }
        Ok(style)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    border: StyleDef,
    border_focused: StyleDef,
    title: StyleDef,
    selected: StyleDef,
    selected_unfocused: StyleDef,
    unread: StyleDef,
    read: StyleDef,
    date: StyleDef,
    feed: StyleDef,
    count: StyleDef,
    error: StyleDef,
    star: StyleDef,
    highlight_mark: StyleDef,
    status: StyleDef,
    status_key: StyleDef,
    status_notice: StyleDef,
    decoration: StyleDef,
    code: StyleDef,
    heading: StyleDef,
    link: StyleDef,
    help_key: StyleDef,
    muted: StyleDef,
    /// When present, the style of every highlight rule's matches instead of the rule's own.
    highlight: Option<StyleDef>,
}

/// A broken theme file (only possible when someone edits `assets/theme*.toml`; tests guard them).
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("the theme file is not valid: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("the theme file's [{name}] has colour `{value}`; use a name, \"#rrggbb\" or a palette index")]
    Color { name: String, value: String },
}

/// Resolved styles, ready for ratatui.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    pub selected: Style,
    pub selected_unfocused: Style,
    pub unread: Style,
    pub read: Style,
    pub date: Style,
    pub feed: Style,
    pub count: Style,
    pub error: Style,
    pub star: Style,
    pub highlight_mark: Style,
    pub status: Style,
    pub status_key: Style,
    pub status_notice: Style,
    pub decoration: Style,
    pub code: Style,
    pub heading: Style,
    pub link: Style,
    pub help_key: Style,
    pub muted: Style,
    /// Replaces the highlight rules' own styles when set (see [`Theme::rule_style`]).
    pub highlight: Option<Style>,
}

impl Theme {
    /// Parses a theme file's text.
    pub fn parse(text: &str) -> Result<Theme, ThemeError> {
        let f: ThemeFile = toml::from_str(text)?;
        Ok(Theme {
            border: f.border.to_style("border")?,
            border_focused: f.border_focused.to_style("border_focused")?,
            title: f.title.to_style("title")?,
            selected: f.selected.to_style("selected")?,
            selected_unfocused: f.selected_unfocused.to_style("selected_unfocused")?,
            unread: f.unread.to_style("unread")?,
            read: f.read.to_style("read")?,
            date: f.date.to_style("date")?,
            feed: f.feed.to_style("feed")?,
            count: f.count.to_style("count")?,
            error: f.error.to_style("error")?,
            star: f.star.to_style("star")?,
            highlight_mark: f.highlight_mark.to_style("highlight_mark")?,
            status: f.status.to_style("status")?,
            status_key: f.status_key.to_style("status_key")?,
            status_notice: f.status_notice.to_style("status_notice")?,
            decoration: f.decoration.to_style("decoration")?,
            code: f.code.to_style("code")?,
            heading: f.heading.to_style("heading")?,
            link: f.link.to_style("link")?,
            help_key: f.help_key.to_style("help_key")?,
            muted: f.muted.to_style("muted")?,
            highlight: f.highlight.map(|h| h.to_style("highlight")).transpose()?,
        })
    }

    /// The default theme (`dark`).
    pub fn bundled() -> Theme {
        Theme::named(ThemeName::Dark)
    }

    /// One of the bundled themes.
    pub fn named(name: ThemeName) -> Theme {
        let text = match name {
            ThemeName::Dark => THEME_TOML,
            ThemeName::Light => LIGHT_TOML,
            ThemeName::Mono => MONO_TOML,
        };
        Theme::parse(text).expect("the bundled themes are valid (guarded by a test)")
    }

    /// The style of a highlight rule's matches: the rule's own (`rule`, from the config),
    /// unless the theme replaces every rule's (`mono` has no colour to give them).
    pub fn rule_style(&self, rule: Style) -> Style {
        self.highlight.unwrap_or(rule)
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::bundled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_theme_parses() {
        let t = Theme::parse(THEME_TOML).unwrap();
        assert!(t.error.fg.is_some());
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(t.highlight, None, "dark keeps the rules' own colours");
    }

    #[test]
    fn every_theme_parses_and_marks_selection_and_unread() {
        for name in [ThemeName::Dark, ThemeName::Light, ThemeName::Mono] {
            let t = Theme::parse(match name {
                ThemeName::Dark => THEME_TOML,
                ThemeName::Light => LIGHT_TOML,
                ThemeName::Mono => MONO_TOML,
            })
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
            assert!(
                t.selected.add_modifier.contains(Modifier::REVERSED),
                "{name:?}"
            );
            assert!(t.unread.add_modifier.contains(Modifier::BOLD), "{name:?}");
        }
        assert_ne!(
            Theme::named(ThemeName::Light),
            Theme::named(ThemeName::Dark)
        );
    }

    #[test]
    fn mono_has_no_colour_and_its_own_highlight_style() {
        let t = Theme::named(ThemeName::Mono);
        let styles = [
            t.border,
            t.border_focused,
            t.title,
            t.selected,
            t.selected_unfocused,
            t.unread,
            t.read,
            t.date,
            t.feed,
            t.count,
            t.error,
            t.star,
            t.highlight_mark,
            t.status,
            t.status_key,
            t.status_notice,
            t.decoration,
            t.code,
            t.heading,
            t.link,
            t.help_key,
            t.muted,
        ];
        for style in styles {
            assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
        }
        let rule = Style::default().fg(Color::Red);
        let marked = t.rule_style(rule);
        assert_eq!(marked.fg, None);
        assert!(marked.add_modifier.contains(Modifier::UNDERLINED));
        assert_eq!(Theme::bundled().rule_style(rule), rule);
    }

    #[test]
    fn bad_colour_is_named() {
        let text = THEME_TOML.replace("fg = \"cyan\"", "fg = \"mauve-ish\"");
        let err = Theme::parse(&text).unwrap_err().to_string();
        assert!(err.contains("mauve-ish"), "{err}");
    }
}
