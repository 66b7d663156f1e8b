//! Text to query tree: a lexer (words, "phrases", `name:value`, operators) and a recursive
//! descent parser. `not`/`-` bind tightest, then `and` (also implicit between terms), then
//! `or`. Any input gives a tree or a positioned error; nesting is bounded, so no input can
//! exhaust the stack.

use chrono::NaiveDate;

use super::ast::{AgeCmp, AgeUnit, Expr, Field, Query, Term, FIELDS};
use super::error::{QueryError, QueryErrorKind};
use super::tokenize;

/// Deepest nesting of parentheses and negations accepted.
const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    Minus,
    And,
    Or,
    Not,
    Term(Term),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Open => "`(`".into(),
            Tok::Close => "`)`".into(),
            Tok::Minus => "`-`".into(),
            Tok::And => "`and`".into(),
            Tok::Or => "`or`".into(),
            Tok::Not => "`not`".into(),
            Tok::Term(t) => format!("`{t}`"),
        }
    }

    fn starts_unary(&self) -> bool {
        matches!(self, Tok::Open | Tok::Minus | Tok::Not | Tok::Term(_))
    }
}

/// Parses a query. Blank input is an error ([`QueryErrorKind::Empty`]).
pub fn parse(input: &str) -> Result<Query, QueryError> {
    let toks = Lexer { input, pos: 0 }.run()?;
    if toks.is_empty() {
        return Err(QueryError::new(QueryErrorKind::Empty, input, 0));
    }
    let mut p = Parser {
        input,
        toks,
        next: 0,
        depth: 0,
        parens: 0,
    };
    let root = p.or()?;
    if let Some((_, at)) = p.peek() {
        // `or()` stops only before a `)` it has no `(` for: anything else joins a term.
        return Err(QueryError::new(QueryErrorKind::UnexpectedClose, input, *at));
    }
    Ok(Query { root })
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

impl Lexer<'_> {
    fn err(&self, kind: QueryErrorKind, at: usize) -> QueryError {
        QueryError::new(kind, self.input, at)
    }

    fn peek_char(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn run(mut self) -> Result<Vec<(Tok, usize)>, QueryError> {
        let mut out = Vec::new();
        while let Some(c) = self.peek_char() {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            let tok = match c {
                '(' => {
                    self.pos += 1;
                    Tok::Open
                }
                ')' => {
                    self.pos += 1;
                    Tok::Close
                }
                '-' => {
                    self.pos += 1;
                    match self.peek_char() {
                        Some(n) if !n.is_whitespace() && n != ')' => Tok::Minus,
                        _ => {
                            let found = match self.peek_char() {
                                None => "the end of the query".to_string(),
                                Some(_) => {
                                    let rest = self.input[self.pos..].trim_start();
                                    match rest.chars().next() {
                                        None => "the end of the query".to_string(),
                                        Some(')') => "`)`".to_string(),
                                        Some(_) => "a space".to_string(),
                                    }
                                }
                            };
                            return Err(self.err(
                                QueryErrorKind::ExpectedTerm {
                                    after: Some("`-`".into()),
                                    found,
                                },
                                self.pos,
                            ));
                        }
                    }
                }
                '"' => {
                    let text = self.quoted()?;
                    let prefix = self.star();
                    Tok::Term(words(Field::Any, text, prefix, self.input, start)?)
                }
                _ => self.word()?,
            };
            out.push((tok, start));
        }
        Ok(out)
    }

    /// A `"…"` string at `self.pos`, with `\"` and `\\` escapes; moves past it.
    fn quoted(&mut self) -> Result<String, QueryError> {
        let open = self.pos;
        self.pos += 1;
        let mut text = String::new();
        let mut chars = self.input[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(text);
                }
                '\\' => match chars.clone().next() {
                    Some((_, n @ ('"' | '\\'))) => {
                        chars.next();
                        text.push(n);
                    }
                    _ => text.push('\\'),
                },
                c => text.push(c),
            }
        }
        Err(self.err(QueryErrorKind::UnclosedQuote, open))
    }

    /// Consumes a `*` right after a quoted string (a prefix mark).
    fn star(&mut self) -> bool {
        if self.peek_char() == Some('*') {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A bare word at `self.pos`: a keyword, `age<…`, `name:value` or words.
    fn word(&mut self) -> Result<Tok, QueryError> {
        let start = self.pos;
        let len = self.input[start..]
            .find(is_delimiter)
            .unwrap_or(self.input.len() - start);
        self.pos += len;
        let word = &self.input[start..start + len];
        let lower = word.to_lowercase();
        match lower.as_str() {
            "and" => return Ok(Tok::And),
            "or" => return Ok(Tok::Or),
            "not" => return Ok(Tok::Not),
            "unread" => return Ok(Tok::Term(Term::Unread)),
            "read" => return Ok(Tok::Term(Term::Read)),
            "starred" => return Ok(Tok::Term(Term::Starred)),
            "hl" => return Ok(Tok::Term(Term::Hl(None))),
            _ => {}
        }
        if let Some(rest) = lower.strip_prefix("age") {
            if rest.starts_with(['<', '>']) {
                return Ok(Tok::Term(self.age(word, start)?));
            }
        }
        if let Some((name, value)) = word.split_once(':') {
            if !name.is_empty() && name.chars().all(char::is_alphabetic) {
                let field = name.to_lowercase();
                if !FIELDS.contains(&field.as_str()) {
                    return Err(self.err(QueryErrorKind::UnknownField(name.to_string()), start));
                }
                let value_at = start + name.len() + 1;
                return Ok(Tok::Term(self.field(&field, value, value_at)?));
            }
        }
        let (text, prefix) = match word.strip_suffix('*') {
            Some(t) => (t, true),
            None => (word, false),
        };
        Ok(Tok::Term(words(
            Field::Any,
            text.to_string(),
            prefix,
            self.input,
            start,
        )?))
    }

    fn age(&self, word: &str, start: usize) -> Result<Term, QueryError> {
        let bad = || self.err(QueryErrorKind::BadAge(word.to_string()), start);
        // "age" is ASCII in any case that lower-cases to it, so byte 3 is the operator.
        let (op, spec) = word
            .get(3..)
            .and_then(|r| Some((r.chars().next()?, r.get(1..)?)))
            .ok_or_else(bad)?;
        let cmp = if op == '<' {
            AgeCmp::Newer
        } else {
            AgeCmp::Older
        };
        let digits = spec.bytes().take_while(u8::is_ascii_digit).count();
        let amount: u32 = spec[..digits].parse().map_err(|_| bad())?;
        let mut unit_chars = spec[digits..].chars();
        let unit = match (unit_chars.next(), unit_chars.next()) {
            (Some(u), None) => AgeUnit::from_letter(u).ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        Ok(Term::Age { cmp, amount, unit })
    }

    /// The value of `field:`; `value` is what followed the colon in the bare word (empty
    /// when a quoted value follows).
    fn field(&mut self, field: &str, value: &str, value_at: usize) -> Result<Term, QueryError> {
        let (value, prefix) = if value.is_empty() {
            if self.peek_char() != Some('"') {
                return Err(self.err(QueryErrorKind::MissingValue(field.to_string()), value_at));
            }
            let text = self.quoted()?;
            let prefix = matches!(field, "title" | "text" | "author") && self.star();
            (text, prefix)
        } else {
            match value.strip_suffix('*') {
                Some(v) if matches!(field, "title" | "text" | "author") => (v.to_string(), true),
                _ => (value.to_string(), false),
            }
        };
        let missing = || {
            QueryError::new(
                QueryErrorKind::MissingValue(field.to_string()),
                self.input,
                value_at,
            )
        };
        Ok(match field {
            "title" => words(Field::Title, value, prefix, self.input, value_at)?,
            "text" => words(Field::Text, value, prefix, self.input, value_at)?,
            "author" => words(Field::Author, value, prefix, self.input, value_at)?,
            "feed" if !value.is_empty() => Term::Feed(value),
            "tag" if !value.is_empty() => Term::Tag(value),
            "hl" if !value.is_empty() => Term::Hl(Some(value)),
            "after" | "before" if !value.is_empty() => {
                let date = parse_date(&value).ok_or_else(|| {
                    QueryError::new(QueryErrorKind::BadDate(value.clone()), self.input, value_at)
                })?;
                if field == "after" {
                    Term::After(date)
                } else {
                    Term::Before(date)
                }
            }
            _ => return Err(missing()),
        })
    }
}

/// A word term, refused when the text holds nothing the index can search for.
fn words(
    field: Field,
    text: String,
    prefix: bool,
    input: &str,
    at: usize,
) -> Result<Term, QueryError> {
    if !tokenize::has_token(&text) {
        let shown = if prefix { format!("{text}*") } else { text };
        return Err(QueryError::new(QueryErrorKind::NoWords(shown), input, at));
    }
    Ok(Term::Words {
        field,
        text,
        prefix,
    })
}

/// Exactly `YYYY-MM-DD`.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return None;
    }
    NaiveDate::from_ymd_opt(
        s[0..4].parse().ok()?,
        s[5..7].parse().ok()?,
        s[8..10].parse().ok()?,
    )
}

struct Parser<'a> {
    input: &'a str,
    toks: Vec<(Tok, usize)>,
    next: usize,
    /// Parentheses and negations open around the current position.
    depth: usize,
    /// Parentheses open around the current position.
    parens: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&(Tok, usize)> {
        self.toks.get(self.next)
    }

    fn end(&self) -> usize {
        self.input.len()
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut children = vec![self.and(None)?];
        while let Some((Tok::Or, _)) = self.peek() {
            self.next += 1;
            children.push(self.and(Some("`or`"))?);
        }
        Ok(one_or(children, Expr::Or))
    }

    /// Terms joined by `and` (or nothing); `after` names what came before, for errors.
    fn and(&mut self, after: Option<&str>) -> Result<Expr, QueryError> {
        let mut children = vec![self.unary(after)?];
        loop {
            match self.peek() {
                Some((Tok::And, _)) => {
                    self.next += 1;
                    children.push(self.operand("`and`")?);
                }
                Some((tok, _)) if tok.starts_unary() => children.push(self.unary(None)?),
                _ => break,
            }
        }
        Ok(one_or(children, Expr::And))
    }

    /// The operand after a binary operator.
    fn operand(&mut self, after: &str) -> Result<Expr, QueryError> {
        self.unary(Some(after))
    }

    fn expected(&self, after: Option<&str>) -> QueryError {
        let (found, at) = match self.peek() {
            Some((tok, at)) => (tok.describe(), *at),
            None => ("the end of the query".to_string(), self.end()),
        };
        QueryError::new(
            QueryErrorKind::ExpectedTerm {
                after: after.map(str::to_string),
                found,
            },
            self.input,
            at,
        )
    }

    fn deeper(&mut self, at: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::new(QueryErrorKind::TooDeep, self.input, at));
        }
        Ok(())
    }

    fn unary(&mut self, after: Option<&str>) -> Result<Expr, QueryError> {
        let Some((tok, at)) = self.peek().cloned() else {
            return Err(self.expected(after));
        };
        match tok {
            Tok::Not | Tok::Minus => {
                self.next += 1;
                self.deeper(at)?;
                let what = if tok == Tok::Not { "`not`" } else { "`-`" };
                let inner = self.unary(Some(what))?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(inner)))
            }
            Tok::Open => {
                self.next += 1;
                self.deeper(at)?;
                self.parens += 1;
                if let Some((Tok::Close, _)) = self.peek() {
                    return Err(self.expected(Some("`(`")));
                }
                let inner = self.or_after_open()?;
                match self.peek() {
                    Some((Tok::Close, _)) => self.next += 1,
                    _ => {
                        return Err(QueryError::new(
                            QueryErrorKind::UnclosedParen,
                            self.input,
                            at,
                        ))
                    }
                }
                self.parens -= 1;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Term(term) => {
                self.next += 1;
                Ok(Expr::Term(term))
            }
            Tok::Close if self.parens == 0 => Err(QueryError::new(
                QueryErrorKind::UnexpectedClose,
                self.input,
                at,
            )),
            Tok::And | Tok::Or | Tok::Close => Err(self.expected(after)),
        }
    }

    /// The expression inside `( … )`.
    fn or_after_open(&mut self) -> Result<Expr, QueryError> {
        match self.peek() {
            Some((tok, _)) if tok.starts_unary() => self.or(),
            _ => Err(self.expected(Some("`(`"))),
        }
    }
}

fn one_or(mut children: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if children.len() == 1 {
        children.pop().expect("one child")
    } else {
        make(children)
    }
}
