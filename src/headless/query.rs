//! The query language on the command line: what queries are evaluated against (feeds with
//! their display titles and tags, highlight rule labels, the time), and syntax errors as
//! one paragraph with a caret under the offending column (exit status 2).

use std::collections::HashSet;

use chrono::Utc;

use crate::app::{AppError, Environment};
use crate::highlight::Highlighter;
use crate::model::FeedState;
use crate::query::{self, Context, FeedInfo, Query};

use super::feeds::FeedNames;

/// Parses a query given on the command line.
pub fn parse(text: &str) -> Result<Query, AppError> {
    query::parse(text).map_err(|e| AppError::Usage(e.render(text)))
}

/// The context of queries: every configured or stored feed, the highlight rules' labels,
/// and now.
pub fn context(env: &Environment, states: &[FeedState], highlighter: &Highlighter) -> Context {
    let names = FeedNames::new(&env.config, states);
    let mut seen = HashSet::new();
    let mut feeds = Vec::new();
    for f in &env.config.feeds {
        let id = f.id();
        if seen.insert(id) {
            feeds.push(FeedInfo {
                id,
                title: names.title(id).to_string(),
                url: names.url(id).to_string(),
                tags: f.tags.clone(),
            });
        }
    }
    for s in states {
        if seen.insert(s.id) {
            feeds.push(FeedInfo {
                id: s.id,
                title: names.title(s.id).to_string(),
                url: s.url.clone(),
                tags: Vec::new(),
            });
        }
    }
    Context {
        now: Utc::now(),
        rule_labels: (0..env.config.highlight.len())
            .map(|i| highlighter.label(i as u16).to_string())
            .collect(),
        feeds,
    }
}
