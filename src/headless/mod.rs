//! The headless front end: the same engine as the TUI, driven from the command line for
//! scripts and benchmarks. Prints to stdout; never draws a TUI.

mod add;
mod ansi;
mod download;
mod feeds;
mod ignore;
mod list;
mod moved;
mod opml;
mod output;
mod query;
mod refresh;
mod show;
mod state;
mod sync;
mod views;

use std::process::ExitCode;

use crate::app::{AppError, Environment};
use crate::cli::{CommandArgs, GlobalArgs};

/// Runs one subcommand to completion.
pub fn run(command: CommandArgs, global: &GlobalArgs) -> Result<ExitCode, AppError> {
    if let CommandArgs::Add(args) = &command {
        // `add` may create the config file, so it finds the config itself.
        return output::finish(add::run(args, global));
    }
    let env = Environment::resolve(global)?;
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
        CommandArgs::Add(_) => unreachable!("`add` returned before the environment was resolved"),
        CommandArgs::Sync(args) => sync::run(&env, &args),
    };
    output::finish(result)
}
