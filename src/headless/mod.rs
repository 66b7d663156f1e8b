//! The headless front end: the same engine as the TUI, driven from the command line for
//! scripts and benchmarks. Prints to stdout; never draws a TUI.

mod add;
mod ansi;
mod demo;
mod download;
mod feeds;
mod ignore;
mod list;
mod moved;
mod opml;
mod output;
mod query;
mod refresh;
mod shell;
mod show;
mod state;
mod sync;
mod views;

use std::process::ExitCode;

use crate::app::{AppError, Environment};
use crate::cli::{CommandArgs, GlobalArgs};

/// Runs one subcommand to completion.
pub fn run(command: CommandArgs, global: &GlobalArgs) -> Result<ExitCode, AppError> {
    match &command {
        // `add` may create the config file, so it finds the config itself.
        CommandArgs::Add(args) => return output::finish(add::run(args, global)),
        // Generated from the command-line definitions: no config, no store.
        CommandArgs::Completions { shell } => {
            return output::finish(write_out(|out| shell::completions(*shell, out)))
        }
        CommandArgs::Man => return output::finish(write_out(shell::man_page)),
        _ => {}
    }
    let env = Environment::resolve(global)?;
    if global.demo && reads_articles(&command) {
        demo::fill(&env)?;
    }
    let result = match command {
        CommandArgs::Refresh(args) => refresh::run(&env, &args),
        CommandArgs::List(args) => list::run(&env, args.query.as_deref(), &args.filters),
        CommandArgs::Search(args) => list::run(&env, Some(&args.query), &args.filters),
        CommandArgs::Views(args) => views::run(&env, &args),
        CommandArgs::Show(args) => show::run(&env, &args),
        CommandArgs::Download(args) => download::run(&env, &args),
        CommandArgs::ImportOpml { file } => opml::import(&env, &file),
        CommandArgs::ExportOpml => opml::export(&env),
        CommandArgs::ExportState { file } => state::export(&env, file.as_deref()),
        CommandArgs::ImportState { file } => state::import(&env, &file),
        CommandArgs::Gc => state::gc(&env),
        CommandArgs::UpdateUrls { dry_run } => moved::update_urls(&env, dry_run),
        CommandArgs::Add(_) | CommandArgs::Completions { .. } | CommandArgs::Man => {
            unreachable!("returned before the environment was resolved")
        }
        CommandArgs::Sync(args) => sync::run(&env, &args),
    };
    output::finish(result)
}

/// Whether a command shows or changes stored articles: with `--demo`, those start from a
/// throw-away store that the demo's feeds fill first.
fn reads_articles(command: &CommandArgs) -> bool {
    match command {
        CommandArgs::List(_)
        | CommandArgs::Search(_)
        | CommandArgs::Views(_)
        | CommandArgs::Show(_)
        | CommandArgs::ExportState { .. }
        | CommandArgs::ImportState { .. }
        | CommandArgs::Download(_)
        | CommandArgs::Gc => true,
        CommandArgs::Refresh(_)
        | CommandArgs::Add(_)
        | CommandArgs::ImportOpml { .. }
        | CommandArgs::ExportOpml
        | CommandArgs::UpdateUrls { .. }
        | CommandArgs::Sync(_)
        | CommandArgs::Completions { .. }
        | CommandArgs::Man => false,
    }
}

/// Runs `write` on buffered stdout and flushes it.
fn write_out(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<ExitCode, AppError> {
    let mut out = output::stdout();
    write(&mut out).map_err(output::write_error)?;
    output::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}
