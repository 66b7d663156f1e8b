//! The query language used everywhere (search, views, kill rules, `list --query`): parsing
//! with positioned errors, printing, word splitting as the full-text index does it, and the
//! in-memory evaluator. The SQL evaluator lives with the store (`store/search.rs`); both
//! read the same tree and must agree. Pure: no I/O, no terminal, no SQL.
//!
//! ```text
//! unread and (tag:rust or hl) -title:sponsored age<7d
//! ```

mod ast;
mod error;
mod eval;
mod ignore;
mod parse;
mod prepared;
mod text;
mod tokenize;
mod unicode_table;

use chrono::{DateTime, Utc};

use crate::model::FeedId;

pub use ast::{term_tokens, AgeCmp, AgeUnit, Expr, Field, Query, Term};
pub use error::{QueryError, QueryErrorKind};
pub use eval::{day_start, feed_matches, searchable_text, tag_matches, Article, Subject};
pub use ignore::{FeedRef, IgnoreAction, IgnoreRule, IgnoreRules, Verdicts};
pub use parse::parse;
pub use prepared::Prepared;
pub use text::{body_text, html_to_text};
pub use tokenize::{has_token, tokens, TokenList, FTS_TOKENIZER};

impl std::str::FromStr for Query {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Query, QueryError> {
        parse(s)
    }
}

/// A feed as `feed:` and `tag:` see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedInfo {
    pub id: FeedId,
    /// The display title: the config's title, else the feed's own, else its url.
    pub title: String,
    pub url: String,
    pub tags: Vec<String>,
}

/// What evaluating a query needs besides the article: the time, the highlight rules' labels
/// (for `hl:NAME`) and, for the store's evaluator, the feeds (for `feed:` and `tag:`).
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub now: DateTime<Utc>,
    /// Label of each highlight rule, by rule index (`Highlighter::label`).
    pub rule_labels: Vec<String>,
    /// Every known feed (the config's and the store's).
    pub feeds: Vec<FeedInfo>,
}

impl Context {
    /// The context of queries over a store: every configured feed, then every stored one the
    /// config no longer lists, with its display title (the config's title, else the feed's
    /// own, else its url) and tags; the highlight rules' labels; and `now`.
    pub fn for_feeds(
        config: &crate::config::Config,
        states: &[crate::model::FeedState],
        highlighter: &crate::highlight::Highlighter,
        now: DateTime<Utc>,
    ) -> Context {
        let own: std::collections::HashMap<FeedId, &crate::model::FeedState> =
            states.iter().map(|s| (s.id, s)).collect();
        let mut seen = std::collections::HashSet::new();
        let mut feeds = Vec::new();
        for f in &config.feeds {
            let id = f.id();
            if seen.insert(id) {
                let title = f
                    .title
                    .clone()
                    .or_else(|| own.get(&id).and_then(|s| s.feed_title.clone()))
                    .unwrap_or_else(|| f.url.clone());
                feeds.push(FeedInfo {
                    id,
                    title,
                    url: f.url.clone(),
                    tags: f.tags.clone(),
                });
            }
        }
        for s in states {
            if seen.insert(s.id) {
                feeds.push(FeedInfo {
                    id: s.id,
                    title: s.feed_title.clone().unwrap_or_else(|| s.url.clone()),
                    url: s.url.clone(),
                    tags: Vec::new(),
                });
            }
        }
        Context {
            now,
            rule_labels: (0..config.highlight.len())
                .map(|i| highlighter.label(i as u16).to_string())
                .collect(),
            feeds,
        }
    }

    /// The unix time `amount` `unit`s before now: what `age<…`/`age>…` compare dates with.
    pub fn age_limit(&self, amount: u32, unit: AgeUnit) -> i64 {
        self.now
            .timestamp()
            .saturating_sub(Term::age_seconds(amount, unit))
    }

    /// Indices of the highlight rules named `name` (case-insensitively).
    pub fn rules_named(&self, name: &str) -> Vec<u16> {
        let name = name.to_lowercase();
        self.rule_labels
            .iter()
            .enumerate()
            .filter(|(_, label)| label.to_lowercase() == name)
            .map(|(i, _)| i as u16)
            .collect()
    }

    /// Feeds whose title or url contains `needle`.
    pub fn feeds_matching(&self, needle: &str) -> Vec<FeedId> {
        self.feeds
            .iter()
            .filter(|f| feed_matches(needle, &f.title, &f.url))
            .map(|f| f.id)
            .collect()
    }

    /// Feeds tagged `tag`.
    pub fn feeds_tagged(&self, tag: &str) -> Vec<FeedId> {
        self.feeds
            .iter()
            .filter(|f| tag_matches(tag, &f.tags))
            .map(|f| f.id)
            .collect()
    }
}
