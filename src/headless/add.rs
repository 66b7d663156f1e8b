//! `tidings add URL`: subscribe from the command line. The work (discovery, the parse check,
//! the config append) is `crate::subscribe`'s; this file asks which feed on a terminal and
//! prints the outcome.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::app::{AppError, Environment};
use crate::clean::sanitize_inline;
use crate::cli::{AddArgs, GlobalArgs};
use crate::config::Config;
use crate::fetch::discover::FeedLink;
use crate::fetch::{Fetcher, Limits};
use crate::paths;
use crate::subscribe::{self, AddError, CheckedFeed, Lookup, NewFeed};

use super::output::{self, write_error};

pub fn run(args: &AddArgs, global: &GlobalArgs) -> Result<ExitCode, AppError> {
    let target = config_for_adding(global)?;
    let known = subscribe::known_urls(&target.config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::io("could not start the async runtime", e))?;
    let fetcher = {
        // reqwest needs a runtime context to build its client.
        let _guard = runtime.enter();
        Fetcher::new(Limits::from_config(&target.config))?
    };

    let looked_up = runtime.block_on(subscribe::look_up(&fetcher, &args.url, &known));
    let checked = match looked_up {
        Ok(Lookup::Feed(feed)) => Ok(feed),
        Ok(Lookup::Choose { page, feeds }) => {
            let chosen = if args.first {
                Some(0)
            } else if std::io::stdin().is_terminal() {
                ask(&page, &feeds)?
            } else {
                let mut message = format!("{page} names {} feeds:\n", feeds.len());
                message.push_str(&numbered(&feeds));
                message.push_str(
                    "pass one of these urls to `tidings add`, or add --first to take the first",
                );
                return Err(AppError::Usage(message));
            };
            let Some(index) = chosen else {
                eprintln!("tidings: nothing added");
                return Ok(ExitCode::from(1));
            };
            runtime.block_on(subscribe::check(
                &fetcher,
                &feeds[index].url,
                Some(&page),
                &known,
            ))
        }
        Err(error) => Err(error),
    };
    let checked = match checked {
        Ok(feed) => feed,
        Err(error) => return failed(&target.config, error),
    };
    let new_feed = NewFeed {
        url: checked.url.clone(),
        title: args.title.clone(),
        tags: args.tags.clone(),
    };
    if let Err(error) = subscribe::add_to_config(&target.path, &new_feed) {
        return failed(&target.config, error);
    }
    print_added(&checked, &new_feed, &target.path)?;
    Ok(ExitCode::SUCCESS)
}

/// The config file to append to and what it holds now.
struct Target {
    path: PathBuf,
    config: Config,
    /// Keeps the demo's throw-away config alive for the run.
    _env: Option<Environment>,
}

/// `--config`, `$TIDINGS_CONFIG` or the default path, which need not exist yet (it is
/// created then).
fn config_for_adding(global: &GlobalArgs) -> Result<Target, AppError> {
    let location = paths::config_path(global.config.as_deref())?;
    if global.demo || location.path.exists() {
        let env = Environment::resolve(global)?;
        return Ok(Target {
            path: env.config_path.clone(),
            config: env.config.clone(),
            _env: Some(env),
        });
    }
    Ok(Target {
        path: location.path,
        config: Config::default(),
        _env: None,
    })
}

/// Exit status 1 for "nothing to add at that url", 2 for what the user must fix elsewhere.
fn failed(config: &Config, error: AddError) -> Result<ExitCode, AppError> {
    if let Some(message) = subscribe::synced_duplicate(config, &error) {
        eprintln!("tidings: {message}; nothing added");
        return Ok(ExitCode::from(1));
    }
    match error {
        AddError::Duplicate { .. }
        | AddError::NoFeed { .. }
        | AddError::Fetch { .. }
        | AddError::NotAFeed { .. } => {
            eprintln!("tidings: {error}; nothing added");
            Ok(ExitCode::from(1))
        }
        other => Err(app_error(other)),
    }
}

/// An [`AddError`] as an error that ends the program with status 2 (the message says
/// what to fix: the config's file, line and column, or the file that could not be written).
pub(super) fn app_error(error: AddError) -> AppError {
    AppError::Usage(error.to_string())
}

/// "  1. url  (title)" lines.
fn numbered(feeds: &[FeedLink]) -> String {
    let mut out = String::new();
    for (i, feed) in feeds.iter().enumerate() {
        out.push_str(&format!("  {}. {}", i + 1, sanitize_inline(&feed.url)));
        if let Some(title) = &feed.title {
            out.push_str(&format!("  ({title})"));
        }
        out.push('\n');
    }
    out
}

/// Asks on the terminal which feed to add; `None` when the user declines.
fn ask(page: &str, feeds: &[FeedLink]) -> Result<Option<usize>, AppError> {
    let stdin = std::io::stdin();
    let mut stderr = std::io::stderr().lock();
    let prompt_error = |e| AppError::io("could not write to the terminal", e);
    write!(
        stderr,
        "{page} names {} feeds:\n{}",
        feeds.len(),
        numbered(feeds)
    )
    .map_err(prompt_error)?;
    loop {
        write!(
            stderr,
            "Which one? [1-{}, Enter for 1, q to cancel] ",
            feeds.len()
        )
        .map_err(prompt_error)?;
        stderr.flush().map_err(prompt_error)?;
        let mut answer = String::new();
        let read = stdin
            .lock()
            .read_line(&mut answer)
            .map_err(|e| AppError::io("could not read the answer", e))?;
        let answer = answer.trim();
        if read == 0 || answer.eq_ignore_ascii_case("q") {
            return Ok(None);
        }
        if answer.is_empty() {
            return Ok(Some(0));
        }
        match answer.parse::<usize>() {
            Ok(n) if (1..=feeds.len()).contains(&n) => return Ok(Some(n - 1)),
            _ => writeln!(stderr, "{answer:?} is not one of the numbers above")
                .map_err(prompt_error)?,
        }
    }
}

fn print_added(
    checked: &CheckedFeed,
    added: &NewFeed,
    config_path: &std::path::Path,
) -> Result<(), AppError> {
    let mut out = output::stdout();
    let title = added
        .title
        .clone()
        .or_else(|| checked.title.clone())
        .unwrap_or_else(|| "(untitled)".to_string());
    let mut lines = vec![
        format!("added {}", sanitize_inline(&title)),
        format!("  url     {}", sanitize_inline(&checked.url)),
        format!("  items   {}", checked.items),
    ];
    if !added.tags.is_empty() {
        lines.push(format!(
            "  tags    {}",
            sanitize_inline(&added.tags.join(", "))
        ));
    }
    if let Some(page) = &checked.found_on {
        lines.push(format!("  from    {}", sanitize_inline(page)));
    }
    lines.push(format!("  config  {}", config_path.display()));
    for line in lines {
        writeln!(out, "{line}").map_err(write_error)?;
    }
    output::flush(&mut out)
}
