//! `tidings export-state` / `import-state` / `gc`: reading state as portable JSON, and
//! removal of what the config no longer lists.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::app::{AppError, Environment};
use crate::config::FeedConfig;
use crate::model::FeedId;
use crate::store::StateExport;

use super::output::{self, write_error};

pub fn export(env: &Environment, file: Option<&Path>) -> Result<ExitCode, AppError> {
    let store = env.open_store_read_only()?;
    let state = store.export_state()?;
    let json = state.to_json();
    match file {
        Some(path) => std::fs::write(path, json + "\n")
            .map_err(|e| AppError::io(format!("could not write {}", path.display()), e))?,
        None => {
            let mut out = output::stdout();
            writeln!(out, "{json}").map_err(write_error)?;
            output::flush(&mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn import(env: &Environment, file: &Path) -> Result<ExitCode, AppError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| AppError::io(format!("could not read {}", file.display()), e))?;
    let state = StateExport::from_json(&text).map_err(|e| {
        AppError::Usage(format!(
            "{} is not a state file made by `tidings export-state`: {e}",
            file.display()
        ))
    })?;
    let (store, _) = env.open_store()?;
    let report = store.import_state(&state)?;
    // Kill rules changed since the last run apply here too.
    super::ignore::apply(env, &store, &env.highlighter()?)?;
    let mut out = output::stdout();
    writeln!(
        out,
        "imported {} items: {} matched stored articles ({} changed), {} not found here",
        report.matched + report.unmatched,
        report.matched,
        report.changed,
        report.unmatched
    )
    .map_err(write_error)?;
    output::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn gc(env: &Environment) -> Result<ExitCode, AppError> {
    let (store, _) = env.open_store()?;
    let keep: Vec<FeedId> = env.config.feeds.iter().map(FeedConfig::id).collect();
    let report = store.gc(&keep)?;
    let now = chrono::Utc::now();
    let mut expired = 0;
    for id in &keep {
        expired += store.apply_retention(*id, &env.config.retention, now)?;
    }
    super::ignore::apply(env, &store, &env.highlighter()?)?;
    let indexed = store.index_for(std::time::Duration::MAX)?;
    let mut out = output::stdout();
    for feed in &report.feeds {
        writeln!(
            out,
            "removed {} ({} articles): no longer in the config",
            feed.label(),
            feed.articles
        )
        .map_err(write_error)?;
    }
    writeln!(
        out,
        "gc removed {} feeds and {} articles",
        report.feeds.len(),
        report.articles
    )
    .map_err(write_error)?;
    writeln!(out, "retention removed {expired} old read articles").map_err(write_error)?;
    if indexed > 0 {
        writeln!(out, "indexed {indexed} articles for search").map_err(write_error)?;
    }
    output::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}
