//! `tidings download ID`: downloads an article's enclosure through the engine (the job the
//! TUI's `E` starts: same naming, resume and limits), prints progress on stderr when it is a
//! terminal and the file's path on stdout at the end.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use crate::app::{AppError, Environment};
use crate::cli::DownloadArgs;
use crate::engine::{Command, Event, Polling};
use crate::model::{media_size, ArticleId, MediaMark};

use super::output::{self, write_error};
use super::show::find_article;

pub fn run(env: &Environment, args: &DownloadArgs) -> Result<ExitCode, AppError> {
    args.id
        .parse::<ArticleId>()
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let article = {
        let store = env.open_store_read_only()?;
        match find_article(&store, &args.id)? {
            Some(article) => article,
            None => return Ok(ExitCode::from(1)),
        }
    };
    if article.media == MediaMark::None {
        eprintln!(
            "tidings: article {} has no enclosure (`tidings list --enclosures` lists those that do)",
            article.id
        );
        return Ok(ExitCode::from(1));
    }
    let index = usize::from(args.enclosure).saturating_sub(1);
    let highlighter = Arc::new(env.highlighter()?);
    let (store, _notices) = env.open_store()?;
    let mut engine = env.start_engine(store, highlighter, Polling::OnRequest)?;
    let mut events = engine.events.take().expect("events are taken once");
    let _ = engine.commands.send(Command::Download {
        id: article.id,
        index,
    });
    let tty = std::io::stderr().is_terminal();
    let mut result = None;
    while let Some(event) = crate::engine::next_event(&mut events) {
        match event {
            Event::DownloadProgress { done, total, .. } if tty => {
                let shown = match total.filter(|&t| t > 0) {
                    Some(t) => format!("{}% of {}", done.min(t) * 100 / t, media_size(t)),
                    None => media_size(done),
                };
                eprint!("\r\x1b[Kdownloading {shown}");
            }
            Event::DownloadFinished { result: r, .. } => {
                result = Some(r);
                break;
            }
            Event::Notice(text) => {
                if tty {
                    eprint!("\r\x1b[K");
                }
                eprintln!("tidings: {text}");
            }
            _ => {}
        }
    }
    if tty {
        eprint!("\r\x1b[K");
    }
    // Commits the download's mark before the process ends.
    engine.shutdown();
    match result {
        Some(Ok(done)) => {
            if done.already {
                eprintln!("tidings: already downloaded");
            } else if done.resumed_from > 0 {
                eprintln!(
                    "tidings: resumed after {} of {}",
                    media_size(done.resumed_from),
                    media_size(done.bytes)
                );
            }
            let mut out = output::stdout();
            writeln!(out, "{}", done.path.display()).map_err(write_error)?;
            output::flush(&mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Err(error)) => {
            eprintln!("tidings: download of {} failed: {error}", article.id);
            Ok(ExitCode::from(1))
        }
        None => Err(AppError::EngineStopped),
    }
}
