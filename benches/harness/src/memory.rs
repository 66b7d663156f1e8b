//! Memory given back after a refresh (issue 11): the TUI refreshes a corpus into an empty
//! data dir, and its resident set some seconds after the refresh ended is compared with that
//! of a fresh TUI started on the store it left, read at the same time after its first frame.
//! Also the yardsticks the soak shares (`wait_refresh`, `settled`, `fresh_start`). Reads
//! /proc of the child only; never measures the harness.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::corpus;
use super::latency::{first_frame, refresh_over, Tui};
use super::report::{self, thousands, Machine};
use super::server::ServerProcess;
use super::suites::{self, Context};
use super::{remove_dir, BenchError, Result};

/// How long after the refresh ends (or after the first frame of a fresh start) RSS is read:
/// time for the store's background load and the writer's idle work to settle.
pub(crate) const SETTLE: Duration = Duration::from_secs(5);
/// Longest a refresh may take before the scenario is stopped.
const LIMIT: Duration = Duration::from_secs(300);
/// Target (issue 11): after a refresh, RSS within this factor of a fresh start.
pub(crate) const TARGET: f64 = 1.3;

/// One run: (RSS after the refresh, peak during it, RSS of the fresh start, its peak), KiB.
type Run = (u64, u64, u64, u64);

/// RSS now and at peak, `SETTLE` after `since`.
pub(crate) fn settled(tui: &Tui, since: Instant) -> Result<(u64, u64)> {
    if let Some(rest) = SETTLE.checked_sub(since.elapsed()) {
        thread::sleep(rest);
    }
    tui.memory()
        .ok_or_else(|| BenchError::Failed("could not read the TUI's /proc status".into()))
}

fn one_run(ctx: &Context, dir: &Path, config: &Path, r: usize) -> Result<Run> {
    let data = dir.join(format!("data-{r}"));
    let tui = Tui::start(&ctx.tidings, config, &data, dir)?;
    first_frame(&tui)?;
    let tui = wait_refresh(tui)?;
    let (after, peak) = settled(&tui, Instant::now())?;
    tui.quit()?;
    let (fresh_rss, fresh_peak) = fresh_start(ctx, config, &data, dir, false)?;
    remove_dir(&data)?;
    eprintln!(
        "  after the refresh {} (peak {}), fresh start on its store {} (peak {})",
        report::rss(after),
        report::rss(peak),
        report::rss(fresh_rss),
        report::rss(fresh_peak)
    );
    Ok((after, peak, fresh_rss, fresh_peak))
}

/// Waits until the refresh the TUI started with is over (at most `LIMIT`); on failure quits
/// the TUI and says what the status bar showed.
pub(crate) fn wait_refresh(tui: Tui) -> Result<Tui> {
    let started = Instant::now();
    while !refresh_over(&tui) {
        if started.elapsed() > LIMIT {
            let status = tui.status();
            let _ = tui.quit();
            return Err(BenchError::Failed(format!(
                "the refresh did not end within {} s; the status bar says: {}",
                LIMIT.as_secs(),
                status.trim()
            )));
        }
        thread::sleep(Duration::from_millis(20));
    }
    Ok(tui)
}

/// A fresh TUI on the store in `data`: its RSS and peak `SETTLE` after its first frame, or,
/// when `polls` (its feeds are due), `SETTLE` after the refresh it starts with is over.
pub(crate) fn fresh_start(
    ctx: &Context,
    config: &Path,
    data: &Path,
    dir: &Path,
    polls: bool,
) -> Result<(u64, u64)> {
    let fresh = Tui::start(&ctx.tidings, config, data, dir)?;
    first_frame(&fresh)?;
    let fresh = if polls { wait_refresh(fresh)? } else { fresh };
    let rss = settled(&fresh, Instant::now())?;
    fresh.quit()?;
    Ok(rss)
}

/// The scenario on `feeds` x `items`, `ctx.repeat` times; prints a table.
pub fn run(ctx: &Context, machine: &Machine, feeds: usize, items: usize) -> Result<()> {
    let dir = ctx.tmp.join(format!("memory-{feeds}x{items}"));
    suites::create_dir(&dir)?;
    let server = ServerProcess::start(&ctx.harness, ctx.seed, feeds, items)
        .map_err(|e| BenchError::io("could not start the HTTP server child on 127.0.0.1", e))?;
    let urls: Vec<String> = (0..feeds)
        .map(|i| server.url(&corpus::feed_path(i)))
        .collect();
    let config = dir.join("config.toml");
    suites::write_config(&config, &urls)?;
    let label = format!("{} x {}", thousands(feeds), thousands(items));
    let mut runs = Vec::new();
    for r in 0..ctx.repeat {
        eprintln!(
            "memory after a cold refresh of {label} in the TUI, run {}/{}:",
            r + 1,
            ctx.repeat
        );
        runs.push(one_run(ctx, &dir, &config, r)?);
    }
    drop(server);
    remove_dir(&dir)?;
    machine.print(&format!(
        "memory after a refresh, {label}, seed {}, {} run(s), RSS read {} s after the refresh \
         ended / after the fresh start's first frame",
        ctx.seed,
        ctx.repeat,
        SETTLE.as_secs()
    ));
    println!("| run | TUI after its cold refresh | its peak | fresh TUI on that store | its peak | ratio | target | result |");
    println!("|---|---:|---:|---:|---:|---:|---|---|");
    let mut ratios = Vec::new();
    for (i, (after, peak, fresh, fresh_peak)) in runs.iter().enumerate() {
        let ratio = *after as f64 / (*fresh).max(1) as f64;
        ratios.push(ratio);
        println!(
            "| {} | {} | {} | {} | {} | {ratio:.2}x | ≤ {TARGET}x | {} |",
            i + 1,
            report::rss(*after),
            report::rss(*peak),
            report::rss(*fresh),
            report::rss(*fresh_peak),
            if ratio <= TARGET { "pass" } else { "**MISS**" }
        );
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    println!();
    println!(
        "Median ratio {median:.2}x (range {:.2}-{:.2}x): {}",
        ratios[0],
        ratios[ratios.len() - 1],
        if median <= TARGET { "pass" } else { "**MISS**" }
    );
    Ok(())
}
