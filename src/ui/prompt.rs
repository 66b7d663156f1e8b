//! The one-line prompt at the bottom of the screen (`/` search, `a` subscribe): the text
//! being edited with its cursor, the syntax error of a search (shown with a caret), the
//! picker when a web page offers several feeds, and the search history (bounded,
//! de-duplicated, newest last; kept in a small file by the store reader thread). Pure data
//! and editing: what the text means is `update`'s business.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::fetch::discover::FeedLink;
use crate::query::QueryError;

/// What the prompt asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// A query; the list follows as you type.
    Search,
    /// A feed or web page url (with `--title T`, `--tag X` as `tidings add` takes them).
    Subscribe,
}

/// A subscription under way (the prompt closed, an answer awaited), or the choice of feeds
/// a page offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    pub page: String,
    pub feeds: Vec<FeedLink>,
    pub selected: usize,
    pub title: Option<String>,
    pub tags: Vec<String>,
}

/// See the module doc.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// Cursor position, in characters.
    pub cursor: usize,
    /// The search's syntax error, for the text as it is.
    pub error: Option<QueryError>,
    /// Where Up/Down is in the history (`None`: editing the draft).
    history_pos: Option<usize>,
    /// The text typed before walking the history.
    draft: String,
}

/// What an edit key did to the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// Only the cursor moved (or nothing happened).
    Moved,
    /// Not an editing key.
    Other,
}

impl Prompt {
    pub fn new(kind: PromptKind) -> Prompt {
        Prompt {
            kind,
            text: String::new(),
            cursor: 0,
            error: None,
            history_pos: None,
            draft: String::new(),
        }
    }

    pub fn with_text(kind: PromptKind, text: &str) -> Prompt {
        let mut p = Prompt::new(kind);
        p.set_text(text);
        p
    }

    /// The prompt's sign: `/` for a search, `add feed: ` for a subscription.
    pub fn label(&self) -> &'static str {
        match self.kind {
            PromptKind::Search => "/",
            PromptKind::Subscribe => super::strings::SUBSCRIBE_PROMPT,
        }
    }

    fn set_text(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.chars().count();
    }

    fn byte_at(&self, char_pos: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_pos)
            .map_or(self.text.len(), |(b, _)| b)
    }

    /// Applies an editing key: characters, Backspace, Delete, Left/Right, Home/End,
    /// Ctrl-A/E (start, end), Ctrl-U (clear to start), Ctrl-W (delete the word before).
    pub fn edit(&mut self, key: &KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let len = self.text.chars().count();
        match key.code {
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = len,
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
                return self.changed();
            }
            KeyCode::Char('w') if ctrl => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                while start > 0 && !chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                let (a, b) = (self.byte_at(start), self.byte_at(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor = start;
                return self.changed();
            }
            KeyCode::Char(_) if ctrl || key.modifiers.contains(KeyModifiers::ALT) => {
                return Edit::Other
            }
            KeyCode::Char(c) if !c.is_control() => {
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                return self.changed();
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let (a, b) = (self.byte_at(self.cursor - 1), self.byte_at(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor -= 1;
                return self.changed();
            }
            KeyCode::Delete if self.cursor < len => {
                let (a, b) = (self.byte_at(self.cursor), self.byte_at(self.cursor + 1));
                self.text.replace_range(a..b, "");
                return self.changed();
            }
            KeyCode::Backspace | KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            _ => return Edit::Other,
        }
        Edit::Moved
    }

    fn changed(&mut self) -> Edit {
        // Typing leaves the history walk: the text is the new draft.
        self.history_pos = None;
        Edit::Changed
    }

    /// Up (`older`) or Down through `history` (oldest first). Returns whether the text
    /// changed. Down past the newest entry brings back what was typed before.
    pub fn walk_history(&mut self, history: &History, older: bool) -> bool {
        let n = history.entries.len();
        let next = match (self.history_pos, older) {
            (None, true) if n > 0 => Some(n - 1),
            (None, _) => return false,
            (Some(p), true) => Some(p.saturating_sub(1)),
            (Some(p), false) if p + 1 < n => Some(p + 1),
            (Some(_), false) => None,
        };
        if next == self.history_pos {
            return false;
        }
        if self.history_pos.is_none() {
            self.draft = self.text.clone();
        }
        self.history_pos = next;
        let text = match next {
            Some(p) => history.entries[p].clone(),
            None => self.draft.clone(),
        };
        self.set_text(&text);
        true
    }
}

/// Most searches the history keeps.
pub const HISTORY_MAX: usize = 100;

/// The search history: oldest first, each query once (searching again moves it to the end).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    entries: Vec<String>,
}

impl History {
    /// Reads the history file's text: one query per line (blank lines skipped), oldest first.
    pub fn parse(text: &str) -> History {
        let mut h = History::default();
        for line in text.lines() {
            h.push(line);
        }
        h
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Adds a query as the newest; returns whether the history changed.
    pub fn push(&mut self, query: &str) -> bool {
        // One line per query: a pasted line break is a space.
        let query: String = query
            .trim()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if query.is_empty() || self.entries.last() == Some(&query) {
            return false;
        }
        self.entries.retain(|e| *e != query);
        self.entries.push(query);
        if self.entries.len() > HISTORY_MAX {
            let extra = self.entries.len() - HISTORY_MAX;
            self.entries.drain(..extra);
        }
        true
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn typed(p: &mut Prompt, s: &str) {
        for c in s.chars() {
            p.edit(&k(KeyCode::Char(c)));
        }
    }

    #[test]
    fn edits_at_the_cursor_in_characters() {
        let mut p = Prompt::new(PromptKind::Search);
        typed(&mut p, "zürich");
        p.edit(&k(KeyCode::Left));
        p.edit(&k(KeyCode::Left));
        p.edit(&k(KeyCode::Backspace));
        assert_eq!(p.text, "zürch");
        assert_eq!(p.cursor, 3);
        p.edit(&k(KeyCode::Home));
        p.edit(&k(KeyCode::Delete));
        assert_eq!(p.text, "ürch");
        p.edit(&k(KeyCode::End));
        typed(&mut p, " or rust");
        p.edit(&KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(p.text, "ürch or ");
        p.edit(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!((p.text.as_str(), p.cursor), ("", 0));
        assert_eq!(p.edit(&k(KeyCode::Backspace)), Edit::Moved);
        assert_eq!(p.edit(&k(KeyCode::F(2))), Edit::Other);
    }

    #[test]
    fn history_is_bounded_and_deduplicated() {
        let mut h = History::default();
        assert!(h.push("rust"));
        assert!(h.push("unread"));
        assert!(!h.push("unread"));
        assert!(h.push(" rust "));
        assert_eq!(h.entries(), ["unread", "rust"]);
        for i in 0..150 {
            h.push(&format!("q{i}"));
        }
        assert_eq!(h.entries().len(), HISTORY_MAX);
        assert_eq!(h.entries().last().unwrap(), "q149");
        let again = History::parse(&h.to_text());
        assert_eq!(again, h);
        assert!(!h.push("  "));
        h.push("a\nb");
        assert_eq!(h.entries().last().unwrap(), "a b");
    }

    #[test]
    fn up_and_down_walk_the_history_and_come_back_to_the_draft() {
        let h = History::parse("first\nsecond\n");
        let mut p = Prompt::new(PromptKind::Search);
        typed(&mut p, "dra");
        assert!(p.walk_history(&h, true));
        assert_eq!(p.text, "second");
        assert!(p.walk_history(&h, true));
        assert_eq!(p.text, "first");
        assert!(!p.walk_history(&h, true), "stays on the oldest");
        assert!(p.walk_history(&h, false));
        assert!(p.walk_history(&h, false));
        assert_eq!((p.text.as_str(), p.cursor), ("dra", 3));
        assert!(!p.walk_history(&h, false));
    }
}
