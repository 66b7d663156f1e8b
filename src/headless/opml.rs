//! `tidings import-opml` / `export-opml`: move a feed list between readers.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::app::{AppError, Environment};
use crate::opml::{self as opml_format, OpmlFeed};

use super::feeds::FeedNames;
use super::output::{self, write_error};

/// Appends the OPML file's feeds to the config file, keeping its text and comments.
pub fn import(env: &Environment, file: &Path) -> Result<ExitCode, AppError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| AppError::io(format!("could not read {}", file.display()), e))?;
    let feeds = opml_format::parse(&text)
        .map_err(|e| AppError::Usage(format!("{}: {e}", file.display())))?;
    let path = &env.config_path;
    let existing = if path.exists() {
        std::fs::read_to_string(path)
            .map_err(|e| AppError::io(format!("could not read {}", path.display()), e))?
    } else {
        String::from("# tidings config: every key is documented in config.example.toml\n")
    };
    let (updated, added, skipped) = opml_format::append_to_config(&existing, &feeds);
    // Refuse to write a config that would not load: better an error now than a broken file.
    crate::config::Config::parse(&updated, path)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::io(format!("could not create {}", dir.display()), e))?;
    }
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, updated)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| AppError::io(format!("could not write {}", path.display()), e))?;
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
