//! The one table of key bindings (action, config name, default keys, help text). Dispatch, the
//! `?` overlay and validation of the config's `[keys]` overrides all read it, so they cannot drift.
//! Never performs an action itself: it only maps keys to `Action`s.

use std::collections::HashMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::KeyOverride;

/// Everything a key can do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    HalfPageDown,
    HalfPageUp,
    Open,
    Back,
    NextPane,
    NextUnread,
    ScrollOrNextUnread,
    ToggleRead,
    ToggleStar,
    MarkFeedRead,
    RefreshFeed,
    RefreshAll,
    OpenBrowser,
    FullText,
    HighlightsOnly,
    Search,
    CycleSort,
    Undo,
    ToggleFold,
    ToggleFoldAll,
    Subscribe,
    /// Play (or open) the article's enclosure with the `player`.
    PlayEnclosure,
    /// Download the article's enclosure to the `download_dir`.
    DownloadEnclosure,
    /// Open the numbered link (1-9) of the article in the reader.
    OpenLink(u8),
}

/// One row of the table.
pub struct Binding {
    pub action: Action,
    /// Name used in the config's `[keys]` table.
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub help: &'static str,
}

const LINK_HELP: &str = "open link N of the article in the browser (the [N] marks in the text)";

/// Every binding, in the order the help overlay shows them.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    Binding { action: Action::Down, name: "down", keys: &["j", "Down"], help: "move down / scroll the article a line" },
    Binding { action: Action::Up, name: "up", keys: &["k", "Up"], help: "move up / scroll back a line" },
    Binding { action: Action::Top, name: "top", keys: &["g", "Home"], help: "go to the top" },
    Binding { action: Action::Bottom, name: "bottom", keys: &["G", "End"], help: "go to the bottom" },
    Binding { action: Action::PageDown, name: "page_down", keys: &["PgDn"], help: "one page down" },
    Binding { action: Action::PageUp, name: "page_up", keys: &["PgUp"], help: "one page up" },
    Binding { action: Action::HalfPageDown, name: "half_page_down", keys: &["Ctrl-d"], help: "half a page down" },
    Binding { action: Action::HalfPageUp, name: "half_page_up", keys: &["Ctrl-u"], help: "half a page up" },
    Binding { action: Action::Open, name: "open", keys: &["Enter", "l", "Right"], help: "open the feed or article (marks it read)" },
    Binding { action: Action::Back, name: "back", keys: &["h", "Esc", "Left"], help: "back to the previous pane" },
    Binding { action: Action::NextPane, name: "next_pane", keys: &["Tab"], help: "focus the next pane" },
    Binding { action: Action::NextUnread, name: "next_unread", keys: &["n"], help: "open the next unread article (across feeds)" },
    Binding { action: Action::ScrollOrNextUnread, name: "scroll_or_next_unread", keys: &["Space"], help: "scroll the article a page, at its end open the next unread" },
    Binding { action: Action::ToggleRead, name: "toggle_read", keys: &["m"], help: "toggle read / unread" },
    Binding { action: Action::ToggleStar, name: "toggle_star", keys: &["s"], help: "toggle the star" },
    Binding { action: Action::MarkFeedRead, name: "mark_feed_read", keys: &["A"], help: "mark every article in the list read" },
    Binding { action: Action::RefreshFeed, name: "refresh_feed", keys: &["r"], help: "refresh the selected feed" },
    Binding { action: Action::RefreshAll, name: "refresh_all", keys: &["R"], help: "refresh all feeds" },
    Binding { action: Action::OpenBrowser, name: "open_browser", keys: &["o"], help: "open the article's link in the browser" },
    Binding { action: Action::FullText, name: "full_text", keys: &["f"], help: "fetch the full article from its web page / back to the feed's text" },
    Binding { action: Action::HighlightsOnly, name: "highlights_only", keys: &["H"], help: "only articles matching a highlight rule (toggle)" },
    Binding { action: Action::Search, name: "search", keys: &["/"], help: "search as you type (Enter keeps the list, Esc goes back, ↑/↓ history)" },
    Binding { action: Action::CycleSort, name: "cycle_sort", keys: &["S"], help: "sort: newest first, oldest first, by feed, highlights first" },
    Binding { action: Action::Undo, name: "undo", keys: &["u"], help: "undo the last read / unread / star change (also A)" },
    Binding { action: Action::ToggleFold, name: "toggle_fold", keys: &["z"], help: "fold / unfold the tag group under the cursor" },
    Binding { action: Action::ToggleFoldAll, name: "toggle_fold_all", keys: &["Z"], help: "fold / unfold every tag group" },
    Binding { action: Action::Subscribe, name: "subscribe", keys: &["a"], help: "add a feed: type its url or a web page's (like `tidings add`)" },
    Binding { action: Action::PlayEnclosure, name: "play_enclosure", keys: &["e"], help: "play the enclosure (podcast episode) with the player, or its download" },
    Binding { action: Action::DownloadEnclosure, name: "download_enclosure", keys: &["E"], help: "download the enclosure to download_dir (progress in the status bar)" },
    Binding { action: Action::OpenLink(1), name: "open_link_1", keys: &["1"], help: LINK_HELP },
    Binding { action: Action::OpenLink(2), name: "open_link_2", keys: &["2"], help: LINK_HELP },
    Binding { action: Action::OpenLink(3), name: "open_link_3", keys: &["3"], help: LINK_HELP },
    Binding { action: Action::OpenLink(4), name: "open_link_4", keys: &["4"], help: LINK_HELP },
    Binding { action: Action::OpenLink(5), name: "open_link_5", keys: &["5"], help: LINK_HELP },
    Binding { action: Action::OpenLink(6), name: "open_link_6", keys: &["6"], help: LINK_HELP },
    Binding { action: Action::OpenLink(7), name: "open_link_7", keys: &["7"], help: LINK_HELP },
    Binding { action: Action::OpenLink(8), name: "open_link_8", keys: &["8"], help: LINK_HELP },
    Binding { action: Action::OpenLink(9), name: "open_link_9", keys: &["9"], help: LINK_HELP },
    Binding { action: Action::Help, name: "help", keys: &["?"], help: "show / hide this help" },
    Binding { action: Action::Quit, name: "quit", keys: &["q"], help: "quit" },
];

/// A key with its modifiers, normalised so that `G` and `Shift-g` are the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Key {
        // Shift-Tab is what terminals call BackTab.
        let code = match code {
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        // Shift is already in the character (`G`), and terminals disagree on reporting it.
        let modifiers = match code {
            KeyCode::Char(_) | KeyCode::BackTab => modifiers - KeyModifiers::SHIFT,
            _ => modifiers,
        };
        let modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        // Ctrl-letters arrive lower case on most terminals; store them lower case.
        let code = match code {
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        Key { code, modifiers }
    }

    pub fn from_event(event: &KeyEvent) -> Key {
        Key::new(event.code, event.modifiers)
    }

    /// Parses a key as written in the config or the table: `j`, `G`, `?`, `Enter`, `Esc`,
    /// `Tab`, `Space`, `Up`, `PgDn`, `F5`, `Ctrl-d`, `Alt-x`, `C-d`, `ctrl+d`.
    pub fn parse(text: &str) -> Option<Key> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text.trim();
        if rest.is_empty() {
            return None;
        }
        // Modifier prefixes; a lone "-" or "+" is the key itself.
        while let Some(pos) = rest
            .find(['-', '+'])
            .filter(|&p| p > 0 && p + 1 < rest.len())
        {
            let modifier = match rest[..pos].to_ascii_lowercase().as_str() {
                "ctrl" | "control" | "c" => KeyModifiers::CONTROL,
                "alt" | "meta" | "m" => KeyModifiers::ALT,
                "shift" | "s" => KeyModifiers::SHIFT,
                _ => return None,
            };
            modifiers |= modifier;
            rest = &rest[pos + 1..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if c.is_control() {
                    return None;
                }
                if modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" | "cr" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" | "spc" => KeyCode::Char(' '),
                "backspace" | "bs" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=24) => KeyCode::F(n),
                    _ => return None,
                },
                _ => return None,
            },
        };
        Some(Key::new(code, modifiers))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("BackTab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A bad `[keys]` entry in the config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error(
        "config line {line}, column {column}: `{action}` is not an action tidings knows in [keys]; \
         use one of: {known}"
    )]
    UnknownAction {
        action: String,
        line: usize,
        column: usize,
        known: String,
    },
    #[error(
        "config line {line}, column {column}: `{key}` (for `{action}`) is not a key tidings \
         understands in [keys]; write e.g. \"j\", \"G\", \"Enter\", \"Space\", \"PgDn\", \"F5\" or \"Ctrl-d\""
    )]
    UnknownKey {
        key: String,
        action: String,
        line: usize,
        column: usize,
    },
    #[error(
        "config line {line}, column {column}: key `{key}` is given to both `{first}` and \
         `{second}` in [keys]; give each key to one action only"
    )]
    Conflict {
        key: String,
        first: String,
        second: String,
        line: usize,
        column: usize,
    },
    #[error("config line {line}, column {column}: `{action}` has no keys in [keys]; give it at least one key, or remove the line to keep the default")]
    NoKeys {
        action: String,
        line: usize,
        column: usize,
    },
}

/// The effective bindings: the table's defaults with the config's overrides applied.
#[derive(Clone, Debug)]
pub struct Keymap {
    by_key: HashMap<Key, Action>,
    /// Keys per action, in table order (for the help overlay and hints).
    keys: Vec<(Action, Vec<Key>)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap::from_config(&[]).expect("the built-in key table is valid")
    }
}

impl Keymap {
    /// Applies `[keys]` overrides to the defaults. An override replaces all default keys of its
    /// action; a key an override takes is removed from the action that had it by default.
    pub fn from_config(overrides: &[KeyOverride]) -> Result<Keymap, KeymapError> {
        let mut keys: Vec<(Action, Vec<Key>)> = BINDINGS
            .iter()
            .map(|b| {
                let keys = b
                    .keys
                    .iter()
                    .map(|k| Key::parse(k).expect("valid key in table"))
                    .collect();
                (b.action, keys)
            })
            .collect();
        // Keys taken by an override, and which override took them.
        let mut taken: HashMap<Key, &str> = HashMap::new();
        for o in overrides {
            let Some(pos) = BINDINGS.iter().position(|b| b.name == o.action) else {
                return Err(KeymapError::UnknownAction {
                    action: o.action.clone(),
                    line: o.line,
                    column: o.column,
                    known: BINDINGS
                        .iter()
                        .map(|b| b.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            if o.keys.is_empty() {
                return Err(KeymapError::NoKeys {
                    action: o.action.clone(),
                    line: o.line,
                    column: o.column,
                });
            }
            let mut parsed = Vec::new();
            for text in &o.keys {
                let key = Key::parse(text).ok_or_else(|| KeymapError::UnknownKey {
                    key: text.clone(),
                    action: o.action.clone(),
                    line: o.line,
                    column: o.column,
                })?;
                if let Some(first) = taken.get(&key) {
                    if *first != o.action {
                        return Err(KeymapError::Conflict {
                            key: text.clone(),
                            first: first.to_string(),
                            second: o.action.clone(),
                            line: o.line,
                            column: o.column,
                        });
                    }
                }
                taken.insert(key, &o.action);
                if !parsed.contains(&key) {
                    parsed.push(key);
                }
            }
            keys[pos].1 = parsed;
        }
        // Overridden keys leave the actions that had them by default.
        for (i, (_, list)) in keys.iter_mut().enumerate() {
            let name = BINDINGS[i].name;
            list.retain(|k| taken.get(k).is_none_or(|owner| *owner == name));
        }
        let mut by_key = HashMap::new();
        for (action, list) in &keys {
            for key in list {
                by_key.entry(*key).or_insert(*action);
            }
        }
        Ok(Keymap { by_key, keys })
    }

    /// The action bound to a key press, if any.
    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        self.by_key.get(&Key::from_event(event)).copied()
    }

    /// The keys bound to an action.
    pub fn keys_for(&self, action: Action) -> &[Key] {
        self.keys
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, k)| k.as_slice())
            .unwrap_or(&[])
    }

    /// The first key of an action as text, for hints ("?" for help).
    pub fn hint(&self, action: Action) -> String {
        self.keys_for(action)
            .first()
            .map(Key::to_string)
            .unwrap_or_else(|| "-".into())
    }

    /// Rows for the help overlay: keys and help text, one row per distinct help text (the nine
    /// link keys share one row).
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        let mut rows: Vec<(String, &'static str)> = Vec::new();
        for (i, (_, keys)) in self.keys.iter().enumerate() {
            let help = BINDINGS[i].help;
            let text = keys
                .iter()
                .map(Key::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            match rows.last_mut() {
                Some((joined, last)) if *last == help => {
                    if !text.is_empty() {
                        if !joined.is_empty() {
                            joined.push(' ');
                        }
                        joined.push_str(&text);
                    }
                }
                _ => rows.push((text, help)),
            }
        }
        for (text, _) in &mut rows {
            if text == "1 2 3 4 5 6 7 8 9" {
                *text = "1-9".to_string();
            }
            if text.is_empty() {
                *text = "(unbound)".to_string();
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ov(action: &str, keys: &[&str]) -> KeyOverride {
        KeyOverride {
            action: action.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            line: 7,
            column: 1,
        }
    }

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn table_names_are_unique_and_keys_valid() {
        let mut names: Vec<_> = BINDINGS.iter().map(|b| b.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), BINDINGS.len());
        let map = Keymap::default();
        // Every default key reaches its own action: no key is bound twice in the table.
        for b in BINDINGS {
            for k in b.keys {
                let key = Key::parse(k).unwrap();
                assert_eq!(map.by_key[&key], b.action, "{k}");
            }
        }
    }

    #[test]
    fn parses_keys() {
        assert_eq!(
            Key::parse("G"),
            Some(Key::new(KeyCode::Char('G'), KeyModifiers::NONE))
        );
        assert_eq!(Key::parse("Shift-g"), Key::parse("G"));
        assert_eq!(
            Key::parse("Ctrl-d"),
            Some(Key::new(KeyCode::Char('d'), KeyModifiers::CONTROL))
        );
        assert_eq!(Key::parse("C-D"), Key::parse("ctrl+d"));
        assert_eq!(
            Key::parse("Space"),
            Some(Key::new(KeyCode::Char(' '), KeyModifiers::NONE))
        );
        assert_eq!(
            Key::parse("-"),
            Some(Key::new(KeyCode::Char('-'), KeyModifiers::NONE))
        );
        assert_eq!(
            Key::parse("F5"),
            Some(Key::new(KeyCode::F(5), KeyModifiers::NONE))
        );
        assert_eq!(Key::parse("PageDown"), Key::parse("PgDn"));
        assert_eq!(Key::parse("Shift-Tab"), Key::parse("BackTab"));
        assert_eq!(Key::parse("Hyper-x"), None);
        assert_eq!(Key::parse("Foo"), None);
        assert_eq!(Key::parse(""), None);
        assert_eq!(Key::parse("\u{1b}"), None);
    }

    #[test]
    fn dispatch_normalises_shift_and_ctrl() {
        let map = Keymap::default();
        assert_eq!(
            map.action(&press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('D'), KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char(' '), KeyModifiers::NONE)),
            Some(Action::ScrollOrNextUnread)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('3'), KeyModifiers::NONE)),
            Some(Action::OpenLink(3))
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('x'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn override_replaces_defaults_and_steals_keys() {
        let map = Keymap::from_config(&[ov("quit", &["x"]), ov("down", &["k"])]).unwrap();
        assert_eq!(
            map.action(&press(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        // `up` keeps its other default key.
        assert_eq!(map.keys_for(Action::Up), &[Key::parse("Up").unwrap()]);
        let rows = map.help_rows();
        assert!(rows.iter().any(|(k, h)| k == "x" && *h == "quit"));
    }

    #[test]
    fn bad_overrides_name_line_column_and_culprit() {
        let err = Keymap::from_config(&[ov("jump", &["j"])]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("line 7, column 1") && text.contains("`jump`"),
            "{text}"
        );
        assert!(text.contains("next_unread"), "{text}");

        let err = Keymap::from_config(&[ov("down", &["Ctrl-Banana"])]).unwrap_err();
        assert!(matches!(err, KeymapError::UnknownKey { ref key, .. } if key == "Ctrl-Banana"));
        assert!(err.to_string().contains("line 7, column 1"));

        let err = Keymap::from_config(&[ov("down", &["x"]), ov("up", &["x"])]).unwrap_err();
        assert!(matches!(err, KeymapError::Conflict { .. }), "{err}");

        let err = Keymap::from_config(&[ov("down", &[])]).unwrap_err();
        assert!(matches!(err, KeymapError::NoKeys { .. }));
    }

    #[test]
    fn help_lists_every_action() {
        let map = Keymap::default();
        let rows = map.help_rows();
        for b in BINDINGS {
            assert!(rows.iter().any(|(_, h)| *h == b.help), "{}", b.name);
        }
        assert!(rows.iter().any(|(k, _)| k == "1-9"));
    }
}
