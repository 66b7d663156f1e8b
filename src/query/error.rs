//! Query syntax errors: what was expected, and where (a column the prompt and the command
//! line can put a caret under). Never panics, whatever the input.

use std::fmt;

use unicode_width::UnicodeWidthChar;

/// What is wrong with a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryErrorKind {
    /// Nothing but spaces.
    Empty,
    /// A term was expected (at the start, or after `and`, `or`, `not`, `-`, `(`), and
    /// `found` came instead.
    ExpectedTerm {
        after: Option<String>,
        found: String,
    },
    /// `(` never closed.
    UnclosedParen,
    /// `)` with no `(` before it.
    UnexpectedClose,
    /// `"` never closed.
    UnclosedQuote,
    /// `name:` with an unknown name.
    UnknownField(String),
    /// `name:` with nothing after it.
    MissingValue(String),
    /// A word with no letter or digit in it (nothing the index can look for).
    NoWords(String),
    /// `age<…` / `age>…` that is not a number and a unit.
    BadAge(String),
    /// `after:` / `before:` that is not a YYYY-MM-DD date.
    BadDate(String),
    /// Parentheses or negations nested beyond the supported depth.
    TooDeep,
}

/// A syntax error at a position of the query text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {kind}")]
pub struct QueryError {
    pub kind: QueryErrorKind,
    /// Byte offset of the offending character in the query (its length when at the end).
    pub offset: usize,
    /// 1-based column of the offending character, counted in characters.
    pub column: usize,
}

impl QueryError {
    pub(super) fn new(kind: QueryErrorKind, query: &str, offset: usize) -> QueryError {
        let offset = floor_boundary(query, offset.min(query.len()));
        QueryError {
            kind,
            offset,
            column: query[..offset].chars().count() + 1,
        }
    }

    /// The query with a caret under the offending column, on two lines (tabs are kept in
    /// the indentation so the caret lines up; wide characters count double):
    ///
    /// ```text
    /// unread and (tag:rust or
    ///                        ^
    /// ```
    pub fn caret(&self, query: &str) -> String {
        // A query is one line; show line breaks as spaces so the caret stays under the text.
        let line: String = query
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        let mut indent = String::new();
        for c in line.chars().take(self.column.saturating_sub(1)) {
            if c == '\t' {
                indent.push('\t');
            } else {
                indent.extend(std::iter::repeat_n(' ', c.width().unwrap_or(0)));
            }
        }
        format!("{line}\n{indent}^")
    }

    /// One paragraph for the command line: the message, the query and the caret.
    pub fn render(&self, query: &str) -> String {
        format!(
            "error in the query, column {}: {}\n  {}",
            self.column,
            self.kind,
            self.caret(query).replace('\n', "\n  ")
        )
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for QueryErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryErrorKind::Empty => f.write_str(
                "the query is empty: expected a word, a \"phrase\" or a term like unread, \
                 tag:rust or age<7d",
            ),
            QueryErrorKind::ExpectedTerm { after, found } => {
                f.write_str("expected a word, a \"phrase\", a term like unread or `(`")?;
                if let Some(after) = after {
                    write!(f, " after {after}")?;
                }
                write!(f, ", found {found}")
            }
            QueryErrorKind::UnclosedParen => f.write_str("expected `)` to close this `(`"),
            QueryErrorKind::UnexpectedClose => {
                f.write_str("unexpected `)`: there is no `(` for it to close")
            }
            QueryErrorKind::UnclosedQuote => {
                f.write_str("expected a closing `\"` for the phrase that starts here")
            }
            QueryErrorKind::UnknownField(name) => write!(
                f,
                "unknown field `{name}:`; expected title:, text:, author:, feed:, tag:, hl:, \
                 after: or before: (put the word in quotes to search for it as written)"
            ),
            QueryErrorKind::MissingValue(name) => write!(
                f,
                "expected a value after `{name}:`, like {name}:{}",
                match name.as_str() {
                    "after" | "before" => "2026-11-01",
                    "feed" => "\"rust gazette\"",
                    "tag" => "rust",
                    "hl" => "Security",
                    _ => "word",
                }
            ),
            QueryErrorKind::NoWords(text) => write!(
                f,
                "`{text}` has no letter or digit to search for; words are matched whole, \
                 punctuation is ignored"
            ),
            QueryErrorKind::BadAge(text) => write!(
                f,
                "`{text}` is not an age: expected a number and a unit m, h, d or w, like \
                 age<7d or age>2h"
            ),
            QueryErrorKind::BadDate(text) => write!(
                f,
                "`{text}` is not a date: expected YYYY-MM-DD, like 2026-11-01"
            ),
            QueryErrorKind::TooDeep => {
                f.write_str("the query nests parentheses or negations too deeply")
            }
        }
    }
}
