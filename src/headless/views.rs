//! `tidings views`: every `[[views]]` entry of the config with its unread and total counts,
//! as aligned text or JSON Lines.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::app::{AppError, Environment};
use crate::cli::{Format, ViewsArgs};
use crate::store::Filter;

use super::output::{self, write_error};
use super::query::context;

/// One line of `--format json`. Field names are a contract with scripts.
#[derive(Serialize)]
struct ViewJson<'a> {
    name: &'a str,
    query: String,
    unread: usize,
    total: usize,
}

pub fn run(env: &Environment, args: &ViewsArgs) -> Result<ExitCode, AppError> {
    if env.config.views.is_empty() {
        return Err(AppError::Usage(format!(
            "no views in {}: add one, like [[views]] name = \"Morning\" query = \"unread and \
             (tag:rust or hl)\" (see config.example.toml)",
            env.config_path.display()
        )));
    }
    let store = env.open_store_read_only()?;
    let highlighter = env.highlighter()?;
    let ctx = context(env, &store.load_feed_states()?, &highlighter);
    let width = env
        .config
        .views
        .iter()
        .map(|v| v.name.width())
        .max()
        .unwrap_or(0);
    let mut out = output::stdout();
    for view in &env.config.views {
        let counts = store.count(
            &Filter {
                query: Some(&view.query),
                ..Filter::default()
            },
            &ctx,
        )?;
        match args.format {
            Format::Json => serde_json::to_writer(
                &mut out,
                &ViewJson {
                    name: &view.name,
                    query: view.query.to_string(),
                    unread: counts.unread,
                    total: counts.total,
                },
            )
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
            Format::Plain => writeln!(
                out,
                "{}{}  {:>6} unread  {:>7} total  {}",
                view.name,
                " ".repeat(width - view.name.width()),
                counts.unread,
                counts.total,
                view.query
            ),
        }
        .map_err(write_error)?;
    }
    output::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}
