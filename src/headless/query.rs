//! The query language on the command line: what queries are evaluated against (feeds with
//! their display titles and tags, highlight rule labels, the time), and syntax errors as
//! one paragraph with a caret under the offending column (exit status 2).

use chrono::Utc;

use crate::app::{AppError, Environment};
use crate::highlight::Highlighter;
use crate::model::FeedState;
use crate::query::{self, Context, Query};

/// Parses a query given on the command line.
pub fn parse(text: &str) -> Result<Query, AppError> {
    query::parse(text).map_err(|e| AppError::Usage(e.render(text)))
}

/// The context of queries: every configured or stored feed, the highlight rules' labels,
/// and now.
pub fn context(env: &Environment, states: &[FeedState], highlighter: &Highlighter) -> Context {
    Context::for_feeds(&env.config, states, highlighter, Utc::now())
}
