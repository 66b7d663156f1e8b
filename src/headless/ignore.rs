//! Applying the kill rules (`[[ignore]]`) to stored articles from the commands that open
//! the store for writing, with a line on stderr saying what each rule caught.

use crate::app::{AppError, Environment};
use crate::highlight::Highlighter;
use crate::store::{IgnoreReport, Store};

use super::query::context;

/// Applies the kill rules if they changed since the last time (or depend on the time);
/// reports what they did on stderr.
pub fn apply(
    env: &Environment,
    store: &Store,
    highlighter: &Highlighter,
) -> Result<Option<IgnoreReport>, AppError> {
    let ctx = context(env, &store.load_feed_states()?, highlighter);
    let report = store.apply_ignore_rules(&env.config.ignore, &ctx)?;
    if let Some(report) = &report {
        for line in report.lines() {
            eprintln!("tidings: {line}");
        }
    }
    Ok(report)
}
