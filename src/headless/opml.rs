//! `tidings import-opml` / `export-opml`: move a feed list between readers.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::app::{AppError, Environment};
use crate::opml::{self as opml_format, OpmlFeed};
use crate::subscribe;

use super::feeds::FeedNames;
use super::output::{self, write_error};

/// Appends the OPML file's feeds to the config file, keeping its text and comments.
pub fn import(env: &Environment, file: &Path) -> Result<ExitCode, AppError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| AppError::io(format!("could not read {}", file.display()), e))?;
    let feeds = opml_format::parse(&text)
        .map_err(|e| AppError::Usage(format!("{}: {e}", file.display())))?;
    let path = &env.config_path;
    // The same appender as `tidings add`: keeps the text, creates a missing file, never
    // writes a config that would not load.
    let (added, skipped) =
        subscribe::append_to_config_file(path, &feeds, Some("Imported from OPML."))
            .map_err(super::add::app_error)?;
    let mut out = output::stdout();
    writeln!(
        out,
        "added {added} feeds to {} ({skipped} already there)",
        path.display()
    )
    .map_err(write_error)?;
    output::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the configured feeds as OPML 2.0, folders from each feed's first tag.
pub fn export(env: &Environment) -> Result<ExitCode, AppError> {
    let states = match env.open_store_read_only() {
        Ok(store) => store.load_feed_states()?,
        Err(_) => Vec::new(),
    };
    let names = FeedNames::new(&env.config, &states);
    let feeds: Vec<OpmlFeed> = env
        .config
        .feeds
        .iter()
        .map(|feed| OpmlFeed {
            url: feed.url.clone(),
            title: Some(names.title(feed.id()).to_string()),
            tags: feed.tags.clone(),
        })
        .collect();
    let mut out = output::stdout();
    out.write_all(opml_format::write(&feeds, "tidings feeds").as_bytes())
        .map_err(write_error)?;
    output::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}
