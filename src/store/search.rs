//! The SQL evaluator of the query language: a query tree compiled to a `WHERE` condition on
//! `articles a`, word terms answered by the full-text index `articles_fts` (keyed by the
//! body's `ref`). It must agree with the in-memory evaluator (`query/eval.rs`); the agreement
//! is tested on random queries (`tests/query_agreement.rs`).
//!
//! Word terms next to each other in the tree are merged into one FTS5 `MATCH`, so a query of
//! several words costs one index lookup, not one per word. Searches scan `articles` once
//! (`NOT INDEXED`) and probe the set of index hits: driving from the hits through the
//! `articles_body` index costs a random row lookup per hit, measured 10x slower for a
//! common word at 100,000 articles, and the partial index of unread articles has the same
//! problem. [`word_hits`] is the other way round, for a front end that holds the articles
//! and evaluates the rest of the query in memory.

use std::collections::HashSet;
use std::fmt::Write as _;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::error::Result;
use super::queries::{fts_indexed_upto, max_body_ref, meta_from_row, newest_first, LIST_COLUMNS};
use crate::model::{ArticleId, ArticleMeta, FeedId};
use crate::query::{
    day_start, html_to_text, parse, term_tokens, AgeCmp, Article, Context, Expr, Field, Query,
    Subject, Term,
};

/// Which articles a search looks at, besides its query.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter<'a> {
    pub query: Option<&'a Query>,
    pub unread: bool,
    pub starred: bool,
    pub highlighted: bool,
    /// Only these feeds.
    pub feeds: Option<&'a [FeedId]>,
    /// Only the articles kill rules hid, instead of the visible ones.
    pub hidden: bool,
}

/// How many articles a query matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    pub unread: usize,
}

/// A compiled condition and its parameters (the `MATCH` strings).
pub(crate) struct Condition {
    pub sql: String,
    pub params: Vec<Value>,
}

/// Compiles `query` into a condition on `articles a` (hidden or not: callers add that).
/// `pending`: the index holds bodies up to this `ref` only, and the bodies after it are
/// searched directly (None when the index is complete).
pub(crate) fn condition(query: &Query, ctx: &Context, pending: Option<i64>) -> Condition {
    let mut params = Vec::new();
    let sql = condition_with(query, ctx, pending, &mut params);
    Condition { sql, params }
}

/// [`condition`], numbering its parameters after those already in `params` (to combine
/// several queries in one statement).
pub(crate) fn condition_with(
    query: &Query,
    ctx: &Context,
    pending: Option<i64>,
    params: &mut Vec<Value>,
) -> String {
    let mut c = Compiler {
        ctx,
        pending,
        params: std::mem::take(params),
    };
    let sql = c.compile(&query.root).into_sql(&mut c);
    *params = c.params;
    sql
}

/// A compiled subtree: word terms (an FTS5 query and the same subtree for searching bodies
/// not indexed yet), possibly negated, or SQL.
enum Part {
    Words {
        fts: String,
        expr: Expr,
        negated: bool,
    },
    Sql(String),
}

struct Compiler<'a> {
    ctx: &'a Context,
    pending: Option<i64>,
    params: Vec<Value>,
}

impl Part {
    fn into_sql(self, c: &mut Compiler<'_>) -> String {
        match self {
            Part::Sql(s) => s,
            Part::Words { fts, expr, negated } => {
                c.params.push(Value::Text(fts));
                let mut matched = format!(
                    "a.body IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?{})",
                    c.params.len()
                );
                if let Some(upto) = c.pending {
                    c.params.push(Value::Text(Query { root: expr }.to_string()));
                    matched = format!(
                        "({matched} OR (a.body > {upto} AND coalesce((SELECT tidings_words(?{}, \
                         a.title, a.author, b.body_kind, b.content) FROM bodies b \
                         WHERE b.ref = a.body), 0)))",
                        c.params.len()
                    );
                }
                if negated {
                    // NULL (an article without a body) does not match: NOT must hold.
                    format!("NOT coalesce({matched}, 0)")
                } else {
                    matched
                }
            }
        }
    }
}

pub(crate) fn group(parts: &[String], op: &str) -> String {
    if parts.len() == 1 {
        return parts[0].clone();
    }
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            let _ = write!(out, " {op} ");
        }
        let _ = write!(out, "({p})");
    }
    out
}

fn ids(list: &[FeedId]) -> String {
    if list.is_empty() {
        return "0".to_string();
    }
    let inner: Vec<String> = list.iter().map(|f| (f.0 as i64).to_string()).collect();
    format!("a.feed_id IN ({})", inner.join(","))
}

/// The FTS5 text of one word term: `{title text} : "w1 w2" *`.
fn fts_words(field: Field, text: &str, prefix: bool) -> String {
    let columns = match field {
        Field::Any => "{title text}",
        Field::Title => "title",
        Field::Text => "text",
        Field::Author => "author",
    };
    // Tokens are word characters only (no quote can occur), already folded.
    let phrase = term_tokens(text).join(" ");
    format!("{columns} : \"{phrase}\"{}", if prefix { " *" } else { "" })
}

const DATE: &str = "coalesce(a.published, a.first_seen)";

/// Words parts of one `and`/`or` node, combined.
struct Words {
    fts: Vec<String>,
    exprs: Vec<Expr>,
}

impl Words {
    fn new() -> Words {
        Words {
            fts: Vec::new(),
            exprs: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.fts.is_empty()
    }

    fn push(&mut self, fts: String, expr: Expr) {
        self.fts.push(fts);
        self.exprs.push(expr);
    }

    /// All of them (`and`) or any (`or`), as one FTS5 query and one tree.
    fn join(mut self, and: bool) -> (String, Expr) {
        let fts = group(&self.fts, if and { "AND" } else { "OR" });
        let expr = if self.exprs.len() == 1 {
            self.exprs.pop().expect("one")
        } else if and {
            Expr::And(self.exprs)
        } else {
            Expr::Or(self.exprs)
        };
        (fts, expr)
    }
}

impl Compiler<'_> {
    fn term(&self, t: &Term) -> Part {
        let ctx = self.ctx;
        Part::Sql(match t {
            Term::Words {
                field,
                text,
                prefix,
            } => {
                return Part::Words {
                    fts: fts_words(*field, text, *prefix),
                    expr: Expr::Term(t.clone()),
                    negated: false,
                }
            }
            Term::Feed(needle) => ids(&ctx.feeds_matching(needle)),
            Term::Tag(tag) => ids(&ctx.feeds_tagged(tag)),
            Term::Unread => "a.read = 0".into(),
            Term::Read => "a.read != 0".into(),
            Term::Starred => "a.starred != 0".into(),
            Term::Hl(None) => "a.highlights != ''".into(),
            Term::Hl(Some(name)) => {
                let rules = ctx.rules_named(name);
                if rules.is_empty() {
                    "0".into()
                } else {
                    let tests: Vec<String> = rules
                        .iter()
                        .map(|r| format!("instr(',' || a.highlights || ',', ',{r},') > 0"))
                        .collect();
                    group(&tests, "OR")
                }
            }
            Term::Age { cmp, amount, unit } => {
                let limit = ctx.age_limit(*amount, *unit);
                match cmp {
                    AgeCmp::Newer => format!("{DATE} > {limit}"),
                    AgeCmp::Older => format!("{DATE} < {limit}"),
                }
            }
            Term::After(d) => format!("{DATE} >= {}", day_start(*d)),
            Term::Before(d) => format!("{DATE} < {}", day_start(*d)),
        })
    }

    fn compile(&mut self, e: &Expr) -> Part {
        match e {
            Expr::Term(t) => self.term(t),
            Expr::Not(inner) => match self.compile(inner) {
                Part::Words { fts, expr, negated } => Part::Words {
                    fts,
                    expr,
                    negated: !negated,
                },
                Part::Sql(s) => Part::Sql(format!("NOT ({s})")),
            },
            Expr::And(children) | Expr::Or(children) => {
                let and = matches!(e, Expr::And(_));
                if children.is_empty() {
                    return Part::Sql(if and { "1" } else { "0" }.into());
                }
                let (mut pos, mut neg, mut sql) = (Words::new(), Words::new(), Vec::new());
                for child in children {
                    match self.compile(child) {
                        Part::Words {
                            fts,
                            expr,
                            negated: false,
                        } => pos.push(fts, expr),
                        Part::Words {
                            fts,
                            expr,
                            negated: true,
                        } => neg.push(fts, expr),
                        Part::Sql(s) => sql.push(s),
                    }
                }
                // The word terms of this node as few index lookups as possible. FTS5 has no
                // unary NOT: negations join the positive terms (`a NOT b`) or stay one
                // negated lookup (`not a and not b` = `not (a or b)`).
                let mut words = Vec::new();
                match (pos.is_empty(), neg.is_empty(), and) {
                    (true, true, _) => {}
                    (false, true, _) => {
                        let (fts, expr) = pos.join(and);
                        words.push((fts, expr, false));
                    }
                    (true, false, _) => {
                        // not a and not b = not (a or b); not a or not b = not (a and b)
                        let (fts, expr) = neg.join(!and);
                        words.push((fts, expr, true));
                    }
                    (false, false, true) => {
                        let (p_fts, p_expr) = pos.join(true);
                        let (n_fts, n_expr) = neg.join(false);
                        words.push((
                            format!("({p_fts}) NOT ({n_fts})"),
                            Expr::And(vec![p_expr, Expr::Not(Box::new(n_expr))]),
                            false,
                        ));
                    }
                    (false, false, false) => {
                        let (p_fts, p_expr) = pos.join(false);
                        let (n_fts, n_expr) = neg.join(true);
                        words.push((p_fts, p_expr, false));
                        words.push((n_fts, n_expr, true));
                    }
                }
                if sql.is_empty() && words.len() == 1 {
                    let (fts, expr, negated) = words.pop().expect("one");
                    return Part::Words { fts, expr, negated };
                }
                let mut all: Vec<String> = words
                    .into_iter()
                    .map(|(fts, expr, negated)| Part::Words { fts, expr, negated }.into_sql(self))
                    .collect();
                all.extend(sql);
                Part::Sql(group(&all, if and { "AND" } else { "OR" }))
            }
        }
    }
}

/// Registers `tidings_words(query, title, author, body_kind, content)`: whether an article
/// not in the full-text index yet matches a query of word terms, decided by the in-memory
/// evaluator (which splits words as the index does).
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "tidings_words",
        5,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |f| {
            let query = f.get_or_create_aux(0, |v| -> std::result::Result<Query, String> {
                let text = v.as_str().map_err(|e| e.to_string())?;
                parse(text).map_err(|e| e.to_string())
            })?;
            let title = f.get_raw(1).as_str_or_null()?.unwrap_or("");
            let author = f.get_raw(2).as_str_or_null()?;
            let kind = f.get_raw(3).as_str_or_null()?.unwrap_or("html");
            let content = f.get_raw(4).as_str_or_null()?.unwrap_or("");
            let text = if kind == "text" {
                std::borrow::Cow::Borrowed(content)
            } else {
                std::borrow::Cow::Owned(html_to_text(content))
            };
            let subject = Subject::new(Article {
                title,
                author,
                text: &text,
                feed_title: "",
                feed_url: "",
                tags: &[],
                read: false,
                starred: false,
                highlights: &[],
                date: chrono::DateTime::default(),
            });
            Ok(query.matches(&subject, &Context::default()))
        },
    )
}

/// How far the full-text index is behind: None when complete, else the last `ref` it holds.
pub(crate) fn pending(conn: &Connection) -> Result<Option<i64>> {
    let upto = fts_indexed_upto(conn)?;
    Ok((max_body_ref(conn)? > upto).then_some(upto))
}

/// The `WHERE` condition of a filtered search, and its parameters.
fn filter_condition(conn: &Connection, filter: &Filter<'_>, ctx: &Context) -> Result<Condition> {
    let mut parts = vec![if filter.hidden {
        "a.hidden != 0".to_string()
    } else {
        "a.hidden = 0".to_string()
    }];
    if filter.unread {
        parts.push("a.read = 0".into());
    }
    if filter.starred {
        parts.push("a.starred != 0".into());
    }
    if filter.highlighted {
        parts.push("a.highlights != ''".into());
    }
    if let Some(feeds) = filter.feeds {
        parts.push(ids(feeds));
    }
    let mut params = Vec::new();
    if let Some(query) = filter.query {
        let pending = if query.uses_words() {
            pending(conn)?
        } else {
            None
        };
        let c = condition(query, ctx, pending);
        parts.push(c.sql);
        params = c.params;
    }
    Ok(Condition {
        sql: group(&parts, "AND"),
        params,
    })
}

/// The articles `filter` selects, newest first.
pub fn search(conn: &Connection, filter: &Filter<'_>, ctx: &Context) -> Result<Vec<ArticleMeta>> {
    if filter.query.is_none() && !filter.hidden {
        // No query: the plain list, which picks the unread index when few are unread.
        let mut out = super::queries::list_articles(conn, filter.unread, filter.feeds)?;
        out.retain(|a| {
            (!filter.starred || a.starred) && (!filter.highlighted || !a.highlights.is_empty())
        });
        return Ok(out);
    }
    let c = filter_condition(conn, filter, ctx)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {LIST_COLUMNS} FROM articles a NOT INDEXED WHERE {}",
        c.sql
    ))?;
    let mut rows = stmt.query(params_from_iter(c.params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(meta_from_row(row)?);
    }
    out.sort_unstable_by(newest_first);
    Ok(out)
}

/// The ids of the articles `filter` selects (in no particular order): what a list already
/// in memory needs to filter itself.
pub fn search_ids(conn: &Connection, filter: &Filter<'_>, ctx: &Context) -> Result<Vec<ArticleId>> {
    let c = filter_condition(conn, filter, ctx)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT a.id FROM articles a NOT INDEXED WHERE {}",
        c.sql
    ))?;
    let ids = stmt
        .query_map(params_from_iter(c.params.iter()), |r| {
            r.get::<_, i64>(0).map(ArticleId::from_i64)
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// How many articles `filter` selects, and how many of them are unread.
pub fn count(conn: &Connection, filter: &Filter<'_>, ctx: &Context) -> Result<Counts> {
    let c = filter_condition(conn, filter, ctx)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT count(*), coalesce(sum(a.read = 0), 0) FROM articles a NOT INDEXED WHERE {}",
        c.sql
    ))?;
    let (total, unread): (i64, i64) = stmt.query_row(params_from_iter(c.params.iter()), |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(Counts {
        total: total.max(0) as usize,
        unread: unread.max(0) as usize,
    })
}

/// For each word term of a query, the ids of the articles it matches (hidden ones too).
/// A front end that holds the articles' list data evaluates the query in memory with these
/// answers for the word terms (see `Query::prepare`): a search keystroke then costs one
/// index lookup per word term and no scan of the table.
#[derive(Clone, Debug, Default)]
pub struct WordHits {
    terms: Vec<(Term, HashSet<ArticleId>)>,
}

impl WordHits {
    /// Whether article `id` matches the word term `term` (false for a term not looked up).
    pub fn contains(&self, term: &Term, id: ArticleId) -> bool {
        self.terms
            .iter()
            .find(|(t, _)| t == term)
            .is_some_and(|(_, ids)| ids.contains(&id))
    }

    /// The ids matching `term`, if it was looked up.
    pub fn get(&self, term: &Term) -> Option<&HashSet<ArticleId>> {
        self.terms
            .iter()
            .find(|(t, _)| t == term)
            .map(|(_, ids)| ids)
    }

    /// Every term looked up, with the ids it matches.
    pub fn into_terms(self) -> Vec<(Term, HashSet<ArticleId>)> {
        self.terms
    }
}

/// Looks up every distinct word term of `query` (see [`WordHits`]).
pub fn word_hits(conn: &Connection, query: &Query) -> Result<WordHits> {
    word_hits_in(conn, query, None)
}

/// [`word_hits`] among the articles `ids` only: what a front end asks about the articles
/// that just arrived (the cost follows the ids and the index hits, not the table).
pub fn word_hits_among(conn: &Connection, query: &Query, ids: &[ArticleId]) -> Result<WordHits> {
    let mut out = WordHits::default();
    // Bounded statements: a few hundred ids each.
    for chunk in ids.chunks(500) {
        for (term, found) in word_hits_in(conn, query, Some(chunk))?.terms {
            match out.terms.iter_mut().find(|(t, _)| *t == term) {
                Some((_, have)) => have.extend(found),
                None => out.terms.push((term, found)),
            }
        }
    }
    if ids.is_empty() {
        out = word_hits_in(conn, query, Some(&[]))?;
    }
    Ok(out)
}

fn word_hits_in(conn: &Connection, query: &Query, among: Option<&[ArticleId]>) -> Result<WordHits> {
    let mut terms: Vec<Term> = Vec::new();
    query.root.visit_terms(&mut |t| {
        if matches!(t, Term::Words { .. }) && !terms.contains(t) {
            terms.push(t.clone());
        }
    });
    let pending = if terms.is_empty() {
        None
    } else {
        pending(conn)?
    };
    let ctx = Context::default();
    let mut out = WordHits::default();
    for term in terms {
        let single = Query {
            root: Expr::Term(term.clone()),
        };
        let c = condition(&single, &ctx, pending);
        // Index hits map to article ids through `articles_body` (which holds the rowid, the
        // id): no table row is read, except for articles not indexed yet.
        let within = match among {
            None => String::new(),
            Some([]) => " AND 0".to_string(),
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(|id| id.as_i64().to_string()).collect();
                format!(" AND a.id IN ({})", list.join(","))
            }
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT a.id FROM articles a WHERE ({}){within}",
            c.sql
        ))?;
        let ids = stmt
            .query_map(params_from_iter(c.params.iter()), |r| {
                r.get::<_, i64>(0).map(ArticleId::from_i64)
            })?
            .collect::<rusqlite::Result<HashSet<_>>>()?;
        out.terms.push((term, ids));
    }
    Ok(out)
}
