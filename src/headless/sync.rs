//! `tidings sync`: one sync with the `[sync]` server and a summary line; exit 1 when it failed
//! (local changes stay queued for the next one). `--push-feeds` first subscribes the server to
//! the local `[[feeds]]` it lacks, printing each. Never draws a TUI, never shows the password.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::app::{AppError, Environment};
use crate::cli::SyncArgs;
use crate::engine;
use crate::sync::{
    resolve_password, PushOutcome, SyncError, SyncEvent, SyncRules, SyncSetup, Syncer,
};

use super::output::{self, write_error};

pub fn run(env: &Environment, args: &SyncArgs) -> Result<ExitCode, AppError> {
    let Some(config) = env.config.sync.clone() else {
        return Err(AppError::Usage(format!(
            "nothing to sync with: add a [sync] table to {} (README, section \"Sync with Tiny Tiny RSS\", shows \
             how; config.example.toml has a commented one)",
            env.config_path.display()
        )));
    };
    if let Some(warning) = &config.warning {
        eprintln!("tidings: warning: {warning}");
    }
    let highlighter = Arc::new(env.highlighter()?);
    let rules = SyncRules::new(&env.config, &highlighter);
    let (store, _notices) = env.open_store()?;
    let queued = store.outbox_len()?;
    let mut out = output::stdout();
    let password = match resolve_password(&config.password) {
        Ok(p) => p,
        Err(e) => return failed(&mut out, &e.into(), queued),
    };
    let runtime =
        engine::runtime().map_err(|e| AppError::io("could not start the async runtime", e))?;
    let on_tty = std::io::stderr().is_terminal();
    runtime.block_on(async {
        let setup = SyncSetup {
            config,
            password,
            store,
            highlighter,
            retention: env.config.retention,
            timeout: env.config.timeout,
            connect_timeout: env.config.connect_timeout,
        };
        let syncer = match Syncer::new(setup) {
            Ok(s) => s.with_rules(rules),
            Err(e) => return failed(&mut out, &e, queued),
        };
        let articles = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&articles);
        let syncer = syncer.on_event(move |event| {
            if !on_tty {
                return;
            }
            match event {
                SyncEvent::Pushed { done, total } => {
                    eprint!("\r\x1b[Ksync: sent {done}/{total} changes");
                }
                SyncEvent::Articles(new) => {
                    let n = seen.fetch_add(new.len(), Ordering::Relaxed) + new.len();
                    eprint!("\r\x1b[Ksync: {n} new articles");
                }
                _ => {}
            }
        });
        if args.push_feeds {
            if let Err(e) = push_feeds(env, &syncer, &mut out).await {
                let queued = syncer.queued().await.unwrap_or(queued);
                return failed(&mut out, &e, queued);
            }
        }
        let report = syncer.sync().await;
        if on_tty {
            eprint!("\r\x1b[K");
        }
        if let Some(n) = report.dropped {
            eprintln!(
                "tidings: [sync] names another account than the last sync: its links were \
                 reset{}",
                if n > 0 {
                    format!(", and {n} changes queued for the old account were dropped")
                } else {
                    String::new()
                }
            );
        }
        for line in &report.caught {
            eprintln!("tidings: {line}");
        }
        if report.adopted > 0 {
            eprintln!(
                "tidings: {} articles polled here before are now synced (their read and \
                 starred flags were kept and sent)",
                report.adopted
            );
        }
        if let Err(e) = &report.result {
            eprintln!("tidings: {e}");
            writeln!(out, "{}", report.status_line()).map_err(write_error)?;
            output::flush(&mut out)?;
            return Ok(ExitCode::from(1));
        }
        writeln!(out, "{report}").map_err(write_error)?;
        output::flush(&mut out)?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints what happened to each local feed, then a total.
async fn push_feeds(
    env: &Environment,
    syncer: &Syncer,
    out: &mut impl Write,
) -> Result<(), SyncError> {
    let feeds = &env.config.feeds;
    if feeds.is_empty() {
        let _ = writeln!(
            out,
            "push-feeds: no [[feeds]] in {} to send",
            env.config_path.display()
        );
        return Ok(());
    }
    let pushed = syncer.push_feeds(feeds).await?;
    let (mut added, mut there, mut skipped, mut refused) = (0, 0, 0, 0);
    for p in &pushed {
        let line = match &p.outcome {
            PushOutcome::Subscribed => {
                added += 1;
                format!("subscribed      {}", p.url)
            }
            PushOutcome::AlreadyThere => {
                there += 1;
                format!("already there   {}", p.url)
            }
            PushOutcome::SkippedFile => {
                skipped += 1;
                format!(
                    "skipped         {} (a local file: the server cannot read it)",
                    p.url
                )
            }
            PushOutcome::Refused(why) => {
                refused += 1;
                format!("refused         {}: {why}", p.url)
            }
        };
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "push-feeds: {added} subscribed, {there} already on the server, {skipped} skipped, \
         {refused} refused"
    );
    let _ = out.flush();
    Ok(())
}

/// A sync that could not run: the reason on stderr, the status line on stdout, exit 1.
fn failed(out: &mut impl Write, e: &SyncError, queued: usize) -> Result<ExitCode, AppError> {
    eprintln!("tidings: {e}");
    writeln!(
        out,
        "sync: {} · {queued} {} queued",
        e.label(),
        if queued == 1 { "change" } else { "changes" }
    )
    .map_err(write_error)?;
    output::flush(out)?;
    Ok(ExitCode::from(1))
}
