//! The query tree and its printer. Printing a tree and parsing the text again gives the same
//! tree (`parse(&q.to_string()) == Ok(q)`), so views, history and messages can show a query
//! in one canonical spelling.

use std::fmt;

use chrono::NaiveDate;

use super::tokenize;

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub root: Expr,
}

/// A node of the query tree. `And` and `Or` hold at least two children; a parenthesised
/// group stays a child of its own (so printing keeps the parentheses the user wrote).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Term(Term),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// Where words are looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// Title and article text (a free word or "phrase").
    Any,
    /// `title:`
    Title,
    /// `text:` (the article text, HTML stripped)
    Text,
    /// `author:`
    Author,
}

impl Field {
    fn prefix(self) -> &'static str {
        match self {
            Field::Any => "",
            Field::Title => "title:",
            Field::Text => "text:",
            Field::Author => "author:",
        }
    }
}

/// `age<…` (newer than) or `age>…` (older than).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AgeCmp {
    Newer,
    Older,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AgeUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
}

impl AgeUnit {
    pub fn seconds(self) -> i64 {
        match self {
            AgeUnit::Minutes => 60,
            AgeUnit::Hours => 3600,
            AgeUnit::Days => 86_400,
            AgeUnit::Weeks => 7 * 86_400,
        }
    }

    pub fn letter(self) -> char {
        match self {
            AgeUnit::Minutes => 'm',
            AgeUnit::Hours => 'h',
            AgeUnit::Days => 'd',
            AgeUnit::Weeks => 'w',
        }
    }

    pub fn from_letter(c: char) -> Option<AgeUnit> {
        match c.to_ascii_lowercase() {
            'm' => Some(AgeUnit::Minutes),
            'h' => Some(AgeUnit::Hours),
            'd' => Some(AgeUnit::Days),
            'w' => Some(AgeUnit::Weeks),
            _ => None,
        }
    }
}

/// One condition on an article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// Whole words (a phrase when the text holds several), matched in `field`; with
    /// `prefix` the last word may continue (`word*`). `text` is kept as written.
    Words {
        field: Field,
        text: String,
        prefix: bool,
    },
    /// `feed:` the feed's title or url contains this, case-insensitively.
    Feed(String),
    /// `tag:` the feed carries this tag (case-insensitive).
    Tag(String),
    Unread,
    Read,
    Starred,
    /// `hl` (any highlight rule matched) or `hl:NAME` (the rule of that name matched).
    Hl(Option<String>),
    /// `age<7d` / `age>2h`: the article's date against now.
    Age {
        cmp: AgeCmp,
        amount: u32,
        unit: AgeUnit,
    },
    /// `after:2026-11-01`: dated on or after that day (UTC).
    After(NaiveDate),
    /// `before:2026-11-01`: dated before that day (UTC).
    Before(NaiveDate),
}

impl Term {
    /// The age limit in seconds (saturating: a huge amount means "ever").
    pub fn age_seconds(amount: u32, unit: AgeUnit) -> i64 {
        i64::from(amount).saturating_mul(unit.seconds())
    }
}

/// Bare words that mean something else than a word to search for.
pub(super) const KEYWORDS: &[&str] = &["and", "or", "not", "unread", "read", "starred", "hl"];

/// Field names (`name:`), lower case.
pub(super) const FIELDS: &[&str] = &[
    "title", "text", "author", "feed", "tag", "hl", "after", "before",
];

/// Whether `s` can be printed without quotes as the value of a term and read back as the
/// same text. `words` is true for word terms, where a trailing `*` means a prefix.
fn bare_ok(s: &str, words: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first == '-' || (words && s.ends_with('*')) {
        return false;
    }
    if s.chars()
        .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\\' | ':' | '<' | '>'))
    {
        return false;
    }
    !KEYWORDS.contains(&s.to_lowercase().as_str())
}

fn write_value(f: &mut fmt::Formatter<'_>, s: &str, words: bool) -> fmt::Result {
    if bare_ok(s, words) {
        return f.write_str(s);
    }
    f.write_str("\"")?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Words {
                field,
                text,
                prefix,
            } => {
                f.write_str(field.prefix())?;
                write_value(f, text, true)?;
                if *prefix {
                    f.write_str("*")?;
                }
                Ok(())
            }
            Term::Feed(s) => {
                f.write_str("feed:")?;
                write_value(f, s, false)
            }
            Term::Tag(s) => {
                f.write_str("tag:")?;
                write_value(f, s, false)
            }
            Term::Unread => f.write_str("unread"),
            Term::Read => f.write_str("read"),
            Term::Starred => f.write_str("starred"),
            Term::Hl(None) => f.write_str("hl"),
            Term::Hl(Some(name)) => {
                f.write_str("hl:")?;
                write_value(f, name, false)
            }
            Term::Age { cmp, amount, unit } => {
                let op = match cmp {
                    AgeCmp::Newer => '<',
                    AgeCmp::Older => '>',
                };
                write!(f, "age{op}{amount}{}", unit.letter())
            }
            Term::After(d) => write!(f, "after:{}", d.format("%Y-%m-%d")),
            Term::Before(d) => write!(f, "before:{}", d.format("%Y-%m-%d")),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Term(t) => t.fmt(f),
            Expr::Not(inner) => match inner.as_ref() {
                Expr::Term(_) | Expr::Not(_) => write!(f, "-{inner}"),
                _ => write!(f, "-({inner})"),
            },
            Expr::And(children) => {
                for (i, c) in children.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    match c {
                        Expr::And(_) | Expr::Or(_) => write!(f, "({c})")?,
                        _ => c.fmt(f)?,
                    }
                }
                Ok(())
            }
            Expr::Or(children) => {
                for (i, c) in children.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    match c {
                        Expr::Or(_) => write!(f, "({c})")?,
                        _ => c.fmt(f)?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}

impl Expr {
    /// Calls `f` on every term of the tree.
    pub fn visit_terms<'a>(&'a self, f: &mut impl FnMut(&'a Term)) {
        match self {
            Expr::Term(t) => f(t),
            Expr::Not(e) => e.visit_terms(f),
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.visit_terms(f)),
        }
    }
}

impl Query {
    /// Whether any term searches words (needs the article text or the full-text index).
    pub fn uses_words(&self) -> bool {
        self.any_term(|t| matches!(t, Term::Words { .. }))
    }

    /// Whether the answer depends on the current time (`age<…`, `age>…`).
    pub fn uses_time(&self) -> bool {
        self.any_term(|t| matches!(t, Term::Age { .. }))
    }

    /// Whether the answer depends on highlight matches (`hl`, `hl:NAME`).
    pub fn uses_highlights(&self) -> bool {
        self.any_term(|t| matches!(t, Term::Hl(_)))
    }

    fn any_term(&self, pred: impl Fn(&Term) -> bool) -> bool {
        let mut found = false;
        self.root.visit_terms(&mut |t| found |= pred(t));
        found
    }
}

/// The folded words of a word term, as the full-text index sees them.
pub fn term_tokens(text: &str) -> Vec<String> {
    tokenize::tokens(text)
}
