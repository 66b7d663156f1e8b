//! The in-memory evaluator: does one article (with its body text) match a query? Used where
//! the article is not in the store yet (kill rules at ingest, notifications). It must agree
//! with the store's SQL evaluator on every query; `tests/query_agreement.rs` checks that on
//! random queries.

use std::borrow::Cow;
use std::cell::OnceCell;

use chrono::{DateTime, NaiveTime, Utc};

use super::ast::{AgeCmp, Expr, Field, Query, Term};
use super::ignore::FeedRef;
use super::text::body_text;
use super::tokenize::{tokens, TokenList};
use super::Context;
use crate::model::NewArticle;

/// One article as the in-memory evaluator sees it.
#[derive(Clone, Copy, Debug)]
pub struct Article<'a> {
    pub title: &'a str,
    pub author: Option<&'a str>,
    /// The searchable text of the body ([`super::body_text`]).
    pub text: &'a str,
    /// The feed's display title (the config's title, else the feed's own, else its url).
    pub feed_title: &'a str,
    pub feed_url: &'a str,
    /// The feed's tags from the config.
    pub tags: &'a [String],
    pub read: bool,
    pub starred: bool,
    /// Indices of the highlight rules that match the article.
    pub highlights: &'a [u16],
    /// `ArticleMeta::date()`: published, else first seen.
    pub date: DateTime<Utc>,
}

/// An article with its words split once, however many queries look at it.
pub struct Subject<'a> {
    article: Article<'a>,
    title: OnceCell<TokenList>,
    author: OnceCell<TokenList>,
    text: OnceCell<TokenList>,
}

impl<'a> Article<'a> {
    /// A new article (not stored yet) of `feed`, with `text`: its body's searchable text, or
    /// "" when the query looks at no words (see [`searchable_text`]).
    pub fn of_new(article: &'a NewArticle, feed: FeedRef<'a>, text: &'a str) -> Article<'a> {
        let m = &article.meta;
        Article {
            title: &m.title,
            author: m.author.as_deref(),
            text,
            feed_title: feed.title,
            feed_url: feed.url,
            tags: feed.tags,
            read: m.read,
            starred: m.starred,
            highlights: &m.highlights,
            date: m.date(),
        }
    }
}

/// A new article's searchable text when `words` (some query looks at words), else "" (the
/// body is not read at all).
pub fn searchable_text(article: &NewArticle, words: bool) -> Cow<'_, str> {
    if words {
        body_text(&article.body)
    } else {
        Cow::Borrowed("")
    }
}

impl<'a> Subject<'a> {
    pub fn new(article: Article<'a>) -> Subject<'a> {
        Subject {
            article,
            title: OnceCell::new(),
            author: OnceCell::new(),
            text: OnceCell::new(),
        }
    }

    pub fn article(&self) -> &Article<'a> {
        &self.article
    }

    fn title(&self) -> &TokenList {
        self.title
            .get_or_init(|| TokenList::new(self.article.title))
    }

    fn author(&self) -> &TokenList {
        self.author
            .get_or_init(|| TokenList::new(self.article.author.unwrap_or("")))
    }

    fn text(&self) -> &TokenList {
        self.text.get_or_init(|| TokenList::new(self.article.text))
    }
}

/// `feed:` matching: the needle is in the feed's title or url, case-insensitively.
pub fn feed_matches(needle: &str, title: &str, url: &str) -> bool {
    let needle = needle.to_lowercase();
    title.to_lowercase().contains(&needle) || url.to_lowercase().contains(&needle)
}

/// `tag:` matching: one of the tags is the needle, case-insensitively.
pub fn tag_matches(needle: &str, tags: &[String]) -> bool {
    let fold = |s: &str| {
        s.chars()
            .flat_map(char::to_lowercase)
            .collect::<Vec<char>>()
    };
    let needle = fold(needle);
    tags.iter().any(|t| fold(t) == needle)
}

/// Unix seconds of the start (00:00 UTC) of a day.
pub fn day_start(d: chrono::NaiveDate) -> i64 {
    d.and_time(NaiveTime::MIN).and_utc().timestamp()
}

impl Query {
    /// Whether `subject` matches the query at `ctx.now`.
    pub fn matches(&self, subject: &Subject<'_>, ctx: &Context) -> bool {
        eval(&self.root, subject, ctx)
    }
}

fn eval(e: &Expr, s: &Subject<'_>, ctx: &Context) -> bool {
    match e {
        Expr::Term(t) => term(t, s, ctx),
        Expr::Not(inner) => !eval(inner, s, ctx),
        Expr::And(v) => v.iter().all(|e| eval(e, s, ctx)),
        Expr::Or(v) => v.iter().any(|e| eval(e, s, ctx)),
    }
}

fn term(t: &Term, s: &Subject<'_>, ctx: &Context) -> bool {
    let a = s.article();
    let date = a.date.timestamp();
    match t {
        Term::Words {
            field,
            text,
            prefix,
        } => {
            let phrase = tokens(text);
            let found = |list: &TokenList| list.contains_phrase(&phrase, *prefix);
            match field {
                Field::Any => found(s.title()) || found(s.text()),
                Field::Title => found(s.title()),
                Field::Text => found(s.text()),
                Field::Author => found(s.author()),
            }
        }
        Term::Feed(needle) => feed_matches(needle, a.feed_title, a.feed_url),
        Term::Tag(needle) => tag_matches(needle, a.tags),
        Term::Unread => !a.read,
        Term::Read => a.read,
        Term::Starred => a.starred,
        Term::Hl(None) => !a.highlights.is_empty(),
        Term::Hl(Some(name)) => {
            let rules = ctx.rules_named(name);
            a.highlights.iter().any(|r| rules.contains(r))
        }
        Term::Age { cmp, amount, unit } => {
            let limit = ctx.age_limit(*amount, *unit);
            match cmp {
                AgeCmp::Newer => date > limit,
                AgeCmp::Older => date < limit,
            }
        }
        Term::After(d) => date >= day_start(*d),
        Term::Before(d) => date < day_start(*d),
    }
}
