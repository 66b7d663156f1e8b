//! Applying the kill rules (`[[ignore]]`) to stored articles from the commands that open
//! the store for writing, with a line on stderr saying what each rule caught.

use crate::app::{AppError, Environment};
use crate::highlight::Highlighter;
use crate::query::IgnoreAction;
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
        for line in describe(report) {
            eprintln!("tidings: {line}");
        }
    }
    Ok(report)
}

/// One line per rule that caught something, and one for the articles shown again.
pub fn describe(report: &IgnoreReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .rules
        .iter()
        .filter(|r| r.caught > 0)
        .map(|r| {
            let what = match r.action {
                IgnoreAction::Hide => "hides",
                IgnoreAction::Read => "marked read",
                IgnoreAction::Drop => "dropped",
            };
            let n = r.caught;
            format!(
                "kill rule {} (`{}`, {}) {what} {n} article{}",
                r.index + 1,
                r.query,
                r.action.as_str(),
                if n == 1 { "" } else { "s" }
            )
        })
        .collect();
    if report.unhidden > 0 {
        let n = report.unhidden;
        lines.push(format!(
            "{n} article{} hidden by kill rules no longer matched and came back",
            if n == 1 { "" } else { "s" }
        ));
    }
    lines
}
