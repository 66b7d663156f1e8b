//! A query prepared for evaluating many articles of a list held in memory (a front end's
//! search keystroke, a view's counts): `feed:` and `tag:` resolved to feed ids, `hl:NAME`
//! to rule indices, ages to instants, once, exactly as the store's SQL evaluator resolves
//! them; word terms are answered by the caller (the store's `WordHits`).

use std::collections::HashSet;

use super::ast::{AgeCmp, Expr, Query, Term};
use super::eval::day_start;
use super::Context;
use crate::model::{ArticleMeta, FeedId};

/// See the module doc.
#[derive(Clone, Debug)]
pub struct Prepared {
    root: Node,
}

#[derive(Clone, Debug)]
enum Node {
    Words(Term),
    Feeds(HashSet<FeedId>),
    Unread,
    Read,
    Starred,
    AnyHighlight,
    Highlights(Vec<u16>),
    /// Dated strictly after these unix seconds.
    NewerThan(i64),
    /// Dated strictly before.
    OlderThan(i64),
    /// Dated at or after.
    Since(i64),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
}

impl Query {
    /// Resolves the query against `ctx` (its feeds, highlight rules and time).
    pub fn prepare(&self, ctx: &Context) -> Prepared {
        Prepared {
            root: prepare(&self.root, ctx),
        }
    }
}

fn prepare(e: &Expr, ctx: &Context) -> Node {
    match e {
        Expr::Not(inner) => Node::Not(Box::new(prepare(inner, ctx))),
        Expr::And(v) => Node::And(v.iter().map(|e| prepare(e, ctx)).collect()),
        Expr::Or(v) => Node::Or(v.iter().map(|e| prepare(e, ctx)).collect()),
        Expr::Term(t) => match t {
            Term::Words { .. } => Node::Words(t.clone()),
            Term::Feed(needle) => Node::Feeds(ctx.feeds_matching(needle).into_iter().collect()),
            Term::Tag(tag) => Node::Feeds(ctx.feeds_tagged(tag).into_iter().collect()),
            Term::Unread => Node::Unread,
            Term::Read => Node::Read,
            Term::Starred => Node::Starred,
            Term::Hl(None) => Node::AnyHighlight,
            Term::Hl(Some(name)) => Node::Highlights(ctx.rules_named(name)),
            Term::Age { cmp, amount, unit } => {
                let limit = ctx.age_limit(*amount, *unit);
                match cmp {
                    AgeCmp::Newer => Node::NewerThan(limit),
                    AgeCmp::Older => Node::OlderThan(limit),
                }
            }
            Term::After(d) => Node::Since(day_start(*d)),
            Term::Before(d) => Node::OlderThan(day_start(*d)),
        },
    }
}

impl Prepared {
    /// Whether the article matches; `words(term)` answers the word terms for it.
    pub fn matches_meta(&self, meta: &ArticleMeta, words: &mut dyn FnMut(&Term) -> bool) -> bool {
        eval(&self.root, meta, meta.date().timestamp(), words)
    }
}

fn eval(n: &Node, m: &ArticleMeta, date: i64, words: &mut dyn FnMut(&Term) -> bool) -> bool {
    match n {
        Node::Words(t) => words(t),
        Node::Feeds(ids) => ids.contains(&m.feed),
        Node::Unread => !m.read,
        Node::Read => m.read,
        Node::Starred => m.starred,
        Node::AnyHighlight => !m.highlights.is_empty(),
        Node::Highlights(rules) => m.highlights.iter().any(|r| rules.contains(r)),
        Node::NewerThan(t) => date > *t,
        Node::OlderThan(t) => date < *t,
        Node::Since(t) => date >= *t,
        Node::Not(inner) => !eval(inner, m, date, words),
        Node::And(v) => v.iter().all(|n| eval(n, m, date, words)),
        Node::Or(v) => v.iter().any(|n| eval(n, m, date, words)),
    }
}
