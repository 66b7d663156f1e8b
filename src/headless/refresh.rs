//! `tidings refresh`: poll every configured feed once, concurrently (under the same global
//! and per-host limits as the TUI), print one line per feed as it finishes, then totals.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinSet;

use crate::app::{AppError, Environment};
use crate::engine::poll::{poll_feed, PollContext, PollResult, PollStatus};
use crate::engine::rehighlight::rehighlight;
use crate::engine::{self, poll_window, Ingest};
use crate::model::{FeedId, FeedState};
use crate::store::Writer;

use super::feeds::FeedNames;
use super::output::{self, write_error};

#[derive(Default)]
struct Totals {
    ok: usize,
    partial: usize,
    not_modified: usize,
    failed: usize,
    new_articles: usize,
    bytes: u64,
}

pub fn run(env: &Environment) -> Result<ExitCode, AppError> {
    let config = &env.config;
    if config.feeds.is_empty() {
        return Err(AppError::Usage(format!(
            "no feeds to refresh: add [[feeds]] to {} (see config.example.toml), or try `tidings --demo refresh`",
            env.config_path.display()
        )));
    }
    let highlighter = Arc::new(env.highlighter()?);
    let (store, _notices) = env.open_store()?;
    let mut states: HashMap<FeedId, FeedState> = store
        .load_feed_states()?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let names = FeedNames::new(config, &states.values().cloned().collect::<Vec<_>>());
    let rematched = rehighlight(&store, &highlighter)?;
    if !rematched.is_empty() {
        eprintln!(
            "tidings: highlight rules changed; {} stored articles re-matched",
            rematched.len()
        );
    }
    let known = store.known_ids()?;
    let mut ingest = Ingest::new(known, Writer::spawn(&store)?, config.retention);
    let runtime =
        engine::runtime().map_err(|e| AppError::io("could not start the async runtime", e))?;
    let started = Instant::now();
    let progress_on_tty = std::io::stderr().is_terminal();
    let mut out = output::stdout();
    let mut totals = Totals::default();
    let total = config.feeds.len();

    runtime.block_on(async {
        let ctx = PollContext {
            fetcher: env.fetcher()?,
            highlighter,
            default_interval: config.refresh_interval,
        };
        let mut polls: JoinSet<PollResult> = JoinSet::new();
        let mut queue = config.feeds.iter();
        let window = poll_window(config.max_concurrent_fetches);
        let mut spawn_next = |polls: &mut JoinSet<PollResult>| {
            if let Some(feed) = queue.next() {
                let state = states
                    .remove(&feed.id())
                    .unwrap_or_else(|| FeedState::new(&feed.url));
                let (ctx, feed) = (ctx.clone(), feed.clone());
                polls.spawn(async move { poll_feed(&ctx, &feed, state).await });
            }
        };
        for _ in 0..window {
            spawn_next(&mut polls);
        }
        let mut done = 0;
        while let Some(joined) = polls.join_next().await {
            // Start the next poll as this one is applied, unless the writer is behind.
            while ingest.writer_is_behind() {
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            spawn_next(&mut polls);
            let Ok(result) = joined else { continue };
            done += 1;
            let status = result.status;
            let took = result.took;
            let (state, fresh) = ingest.apply(result);
            totals.new_articles += fresh.len();
            let (label, detail) = match status {
                PollStatus::Modified { bytes } => {
                    totals.ok += 1;
                    totals.bytes += bytes;
                    ("ok", format!("{} new, {}", fresh.len(), human_bytes(bytes)))
                }
                PollStatus::Partial { bytes } => {
                    totals.partial += 1;
                    totals.bytes += bytes;
                    let warning = state.warning.as_ref();
                    let label = warning.map_or("partial", |w| w.kind.as_str());
                    let message = warning.map_or("", |w| w.message.as_str());
                    (
                        label,
                        format!("{} new, {}; {message}", fresh.len(), human_bytes(bytes)),
                    )
                }
                PollStatus::NotModified => {
                    totals.not_modified += 1;
                    ("ok", "not modified".to_string())
                }
                PollStatus::Failed => {
                    totals.failed += 1;
                    let kind = state.error_kind.map_or("error", |k| k.as_str());
                    let message = state.last_error.as_deref().unwrap_or("failed");
                    ("failed", format!("{kind}: {message}"))
                }
            };
            let moved = state
                .moved_to
                .as_deref()
                .map(|to| {
                    format!(" · feed moved to {to} (`tidings update-urls` updates your config)")
                })
                .unwrap_or_default();
            if progress_on_tty {
                eprint!("\r\x1b[K");
            }
            writeln!(
                out,
                "{label:<6}  {title}  ({detail}, {secs:.2}s){moved}",
                title = names.title_for(&state),
                secs = took.as_secs_f64(),
            )
            .map_err(write_error)?;
            if progress_on_tty {
                output::flush(&mut out)?;
                eprint!("refreshing {done}/{total} · {} failed", totals.failed);
            }
        }
        Ok::<(), AppError>(())
    })?;
    if progress_on_tty {
        eprint!("\r\x1b[K");
    }
    ingest.writer().flush();
    let partial = if totals.partial > 0 {
        format!(", {} partial", totals.partial)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{total} feeds: {} ok{partial}, {} not modified, {} failed · {} new articles · {} · {:.2}s",
        totals.ok,
        totals.not_modified,
        totals.failed,
        totals.new_articles,
        human_bytes(totals.bytes),
        started.elapsed().as_secs_f64()
    )
    .map_err(write_error)?;
    output::flush(&mut out)?;
    Ok(if totals.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_bytes_picks_a_unit() {
        assert_eq!(super::human_bytes(512), "512 B");
        assert_eq!(super::human_bytes(2048), "2.0 KiB");
        assert_eq!(super::human_bytes(5 * 1024 * 1024 + 1), "5.0 MiB");
    }
}
