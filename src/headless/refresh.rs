//! `tidings refresh`: asks the engine for one run over every configured feed and prints its
//! events: one line per feed as it finishes (or as it is found waiting), then the totals.
//! No polling, scheduling or ingest here: the engine does all of it, as for the TUI.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use chrono::{DateTime, Local, TimeZone, Utc};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::app::{AppError, Environment};
use crate::cli::RefreshArgs;
use crate::config::NotifyConfig;
use crate::engine::{Event, NotifyArticle, PollStatus, RefreshMode, RunTotals};
use crate::model::{DueReason, FeedId, FeedState};
use crate::notify::{self, Notification, TerminalTarget};

use super::feeds::FeedNames;
use super::output::{self, write_error};

pub fn run(env: &Environment, args: &RefreshArgs) -> Result<ExitCode, AppError> {
    let config = &env.config;
    if config.feeds.is_empty() {
        return Err(AppError::Usage(format!(
            "no feeds to refresh: add [[feeds]] to {} (see config.example.toml), or try `tidings --demo refresh`",
            env.config_path.display()
        )));
    }
    let notify = if args.notify {
        Some(NotifyPlan::new(env)?)
    } else {
        None
    };
    let mode = if args.force {
        RefreshMode::Force
    } else if args.due {
        RefreshMode::Due
    } else {
        RefreshMode::Polite
    };
    let (engine, mut events) = env.start_refresh(mode)?;
    let printer = Printer {
        names: FeedNames::new(config, &[]),
        progress_on_tty: std::io::stderr().is_terminal(),
    };
    let run = printer.print_run(&mut events);
    engine.shutdown();
    let (totals, matched) = run?;
    if let Some(plan) = notify {
        plan.send(&matched);
    }
    Ok(if totals.write_errors > 0 {
        // Each was reported on stderr; what was printed above may not all be stored.
        ExitCode::from(2)
    } else if totals.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

struct Printer {
    names: FeedNames,
    progress_on_tty: bool,
}

impl Printer {
    /// Prints the run's events until it finishes; returns its totals and the new articles
    /// that match `notify`.
    fn print_run(
        &self,
        events: &mut UnboundedReceiver<Event>,
    ) -> Result<(RunTotals, Vec<NotifyArticle>), AppError> {
        let mut out = output::stdout();
        let mut matched = Vec::new();
        // Display names as the polls learn them, for later lines about the same feed.
        let mut titles: HashMap<FeedId, String> = HashMap::new();
        let mut full_text_done = 0;
        let mut progress = String::new();
        while let Some(event) = crate::engine::next_event(events) {
            match event {
                Event::FeedUpdated {
                    state,
                    new_articles,
                    status,
                    took,
                } => {
                    let line = self.polled_line(&state, new_articles.len(), status, took);
                    titles.insert(state.id, self.names.title_for(&state));
                    self.clear_progress();
                    writeln!(out, "{line}").map_err(write_error)?;
                }
                Event::FeedWaiting { state } => {
                    let line = self.waiting_line(&state, Utc::now(), &Local);
                    self.clear_progress();
                    writeln!(out, "{line}").map_err(write_error)?;
                }
                Event::Progress(p) => {
                    progress = format!("refreshing {}/{} · {} failed", p.done, p.total, p.failed);
                }
                Event::FullTextPrefetched {
                    feed,
                    title,
                    result,
                    ..
                } => {
                    full_text_done += 1;
                    if let Err(error) = result {
                        self.clear_progress();
                        let feed = titles.get(&feed).map_or(self.names.title(feed), |t| t);
                        eprintln!("tidings: full text of {title:?} ({feed}): {error}");
                    }
                }
                Event::HighlightsUpdated(items) => {
                    self.clear_progress();
                    eprintln!(
                        "tidings: highlight rules changed; {} stored articles re-matched",
                        items.len()
                    );
                }
                Event::Notice(text) => {
                    self.clear_progress();
                    eprintln!("tidings: {text}");
                }
                Event::Notify(articles) => matched.extend(articles),
                Event::RunFinished(totals) => {
                    self.clear_progress();
                    writeln!(out, "{}", totals_line(&totals)).map_err(write_error)?;
                    output::flush(&mut out)?;
                    return Ok((totals, matched));
                }
                // Answers to requests `refresh` never sends.
                Event::BodyLoaded { .. }
                | Event::FullTextLoaded { .. }
                | Event::Flushed
                | Event::StoredArticlesChanged
                | Event::ImageLoaded { .. }
                | Event::EnclosuresLoaded { .. }
                | Event::DownloadProgress { .. }
                | Event::DownloadFinished { .. } => {}
                // Only the TUI's engine syncs by itself (`tidings sync` is the headless one).
                Event::Sync(_)
                | Event::SyncedArticles(_)
                | Event::SyncedFlags(_)
                | Event::SyncedFeeds(_) => {}
            }
            if self.progress_on_tty && !progress.is_empty() {
                output::flush(&mut out)?;
                let full = if full_text_done > 0 {
                    format!(" · {full_text_done} full texts")
                } else {
                    String::new()
                };
                eprint!("{progress}{full}");
            }
        }
        Err(AppError::EngineStopped)
    }

    fn clear_progress(&self) {
        if self.progress_on_tty {
            eprint!("\r\x1b[K");
        }
    }

    /// `ok      Title  (3 new, 1.2 KiB, 0.05s)`, `failed  Title  (http: HTTP 500, 0.01s)`.
    fn polled_line(
        &self,
        state: &FeedState,
        new: usize,
        status: PollStatus,
        took: std::time::Duration,
    ) -> String {
        let (label, detail) = match status {
            PollStatus::Modified { bytes } => ("ok", format!("{new} new, {}", human_bytes(bytes))),
            PollStatus::Partial { bytes } => {
                let warning = state.warning.as_ref();
                let label = warning.map_or("partial", |w| w.kind.as_str());
                let message = warning.map_or("", |w| w.message.as_str());
                (
                    label,
                    format!("{new} new, {}; {message}", human_bytes(bytes)),
                )
            }
            PollStatus::NotModified => ("ok", "not modified".to_string()),
            PollStatus::Failed => {
                let kind = state.error_kind.map_or("error", |k| k.as_str());
                let message = state.last_error.as_deref().unwrap_or("failed");
                ("failed", format!("{kind}: {message}"))
            }
        };
        let moved = state
            .moved_to
            .as_deref()
            .map(|to| format!(" · feed moved to {to} (`tidings update-urls` updates your config)"))
            .unwrap_or_default();
        format!(
            "{label:<6}  {title}  ({detail}, {secs:.2}s){moved}",
            title = self.names.title_for(state),
            secs = took.as_secs_f64(),
        )
    }

    /// `skip    Title  waiting until 17:20 (server asked) · last error: HTTP 429 ...`, in the
    /// zone `tz` (the local one, but for tests).
    fn waiting_line<Tz: TimeZone>(&self, state: &FeedState, now: DateTime<Utc>, tz: &Tz) -> String
    where
        Tz::Offset: std::fmt::Display,
    {
        let until = state
            .next_due
            .map_or_else(|| "later".to_string(), |due| local_time(due, now, tz));
        let why = match state.due_reason {
            DueReason::ServerAsked => "server asked".to_string(),
            DueReason::Backoff => format!(
                "backing off after {} failure{}",
                state.failures,
                if state.failures == 1 { "" } else { "s" }
            ),
            DueReason::Schedule => "not due yet".to_string(),
        };
        let last = state
            .last_error
            .as_deref()
            .map(|e| format!(" · last error: {e}"))
            .unwrap_or_default();
        format!(
            "{label:<6}  {title}  waiting until {until} ({why}){last}",
            label = "skip",
            title = self.names.title_for(state),
        )
    }
}

/// How `--notify` notifies: `notify_command`, and the terminal when stderr is one.
struct NotifyPlan {
    command: Option<Vec<String>>,
    terminal: Option<TerminalTarget>,
}

/// How long `--notify` waits for `notify_command` before leaving it running.
const COMMAND_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl NotifyPlan {
    fn new(env: &Environment) -> Result<NotifyPlan, AppError> {
        let Some(NotifyConfig {
            command, terminal, ..
        }) = &env.config.notify
        else {
            return Err(AppError::Usage(format!(
                "--notify needs notify in {}: the query of the articles to notify about, like \
                 notify = \"hl\" (see config.example.toml)",
                env.config_path.display()
            )));
        };
        let terminal =
            (*terminal && std::io::stderr().is_terminal()).then(TerminalTarget::from_env);
        if command.is_none() && terminal.is_none() {
            eprintln!(
                "tidings: --notify: no notify_command in the config and stderr is not a \
                 terminal: nothing to notify with (e.g. notify_command = {})",
                crate::config::NOTIFY_COMMAND_EXAMPLE
            );
        }
        Ok(NotifyPlan {
            command: command.clone(),
            terminal,
        })
    }

    /// One notification for the run's matches, if any. Failures are reported on stderr and do
    /// not change the exit status (the refresh itself succeeded).
    fn send(&self, matched: &[NotifyArticle]) {
        let Some(notification) = Notification::new(matched) else {
            return;
        };
        if let Some(target) = self.terminal {
            let _ = notify::write_terminal(&notification, target, &mut std::io::stderr());
        }
        let Some(command) = &self.command else {
            return;
        };
        match notify::spawn_command(&notification, command) {
            Err(error) => eprintln!("tidings: {error}"),
            Ok(mut child) => {
                let started = std::time::Instant::now();
                loop {
                    match child.try_wait() {
                        Ok(Some(status)) if status.success() => break,
                        Ok(Some(status)) => {
                            eprintln!("tidings: notify_command `{}` failed: {status}", command[0]);
                            break;
                        }
                        Ok(None) if started.elapsed() < COMMAND_WAIT => {
                            std::thread::sleep(std::time::Duration::from_millis(10));
                        }
                        Ok(None) => {
                            eprintln!(
                                "tidings: notify_command `{}` still runs after {}s; not waiting for it",
                                command[0],
                                COMMAND_WAIT.as_secs()
                            );
                            break;
                        }
                        Err(error) => {
                            eprintln!("tidings: notify_command `{}`: {error}", command[0]);
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// `17:20` today, else `2026-11-03 17:20`, in `tz`.
fn local_time<Tz: TimeZone>(at: DateTime<Utc>, now: DateTime<Utc>, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let at = at.with_timezone(tz);
    if at.date_naive() == now.with_timezone(tz).date_naive() {
        at.format("%H:%M").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// `3 feeds: 2 ok, 0 not modified, 1 failed · 4 new articles · 12.0 KiB · 0.31s`, with
/// `, N waiting` and ` · full text: N saved, N failed` when there are any.
fn totals_line(t: &RunTotals) -> String {
    let waiting = if t.waiting > 0 {
        format!(", {} waiting", t.waiting)
    } else {
        String::new()
    };
    let partial = if t.partial > 0 {
        format!(", {} partial", t.partial)
    } else {
        String::new()
    };
    let full_text = if t.full_text.wanted > 0 {
        format!(
            " · full text: {} saved, {} failed",
            t.full_text.saved, t.full_text.failed
        )
    } else {
        String::new()
    };
    format!(
        "{} feeds: {} ok{partial}, {} not modified, {} failed{waiting} · {} new articles{full_text} · {} · {:.2}s",
        t.feeds,
        t.ok,
        t.not_modified,
        t.failed,
        t.new_articles,
        human_bytes(t.bytes),
        t.elapsed.as_secs_f64()
    )
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
    use super::*;
    use crate::config::Config;
    use chrono::FixedOffset;

    fn printer() -> Printer {
        let config = Config::parse(
            "[[feeds]]\nurl = \"https://e.x/feed\"\ntitle = \"Slow\"\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap();
        Printer {
            names: FeedNames::new(&config, &[]),
            progress_on_tty: false,
        }
    }

    #[test]
    fn human_bytes_picks_a_unit() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(2048), "2.0 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024 + 1), "5.0 MiB");
    }

    #[test]
    fn waiting_lines_say_until_when_and_why_in_local_time() {
        let now = DateTime::parse_from_rfc3339("2026-11-02T15:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let paris = FixedOffset::east_opt(3600).unwrap();
        let mut state = FeedState::new("https://e.x/feed");
        state.next_due = Some(now + chrono::Duration::minutes(80));
        state.due_reason = DueReason::ServerAsked;
        state.failures = 1;
        state.last_error = Some("HTTP 429 Too Many Requests".into());
        assert_eq!(
            printer().waiting_line(&state, now, &paris),
            "skip    Slow  waiting until 17:20 (server asked) · last error: HTTP 429 Too Many Requests"
        );
        state.due_reason = DueReason::Backoff;
        state.failures = 3;
        state.next_due = Some(now + chrono::Duration::days(1));
        state.last_error = None;
        assert_eq!(
            printer().waiting_line(&state, now, &paris),
            "skip    Slow  waiting until 2026-11-03 16:00 (backing off after 3 failures)"
        );
    }

    #[test]
    fn totals_mention_waits_and_full_text_only_when_there_are_any() {
        let mut totals = RunTotals {
            feeds: 3,
            ok: 2,
            failed: 1,
            new_articles: 4,
            bytes: 2048,
            ..RunTotals::default()
        };
        assert_eq!(
            totals_line(&totals),
            "3 feeds: 2 ok, 0 not modified, 1 failed · 4 new articles · 2.0 KiB · 0.00s"
        );
        totals.waiting = 1;
        totals.full_text.wanted = 4;
        totals.full_text.saved = 3;
        totals.full_text.failed = 1;
        assert_eq!(
            totals_line(&totals),
            "3 feeds: 2 ok, 0 not modified, 1 failed, 1 waiting · 4 new articles · full text: 3 saved, 1 failed · 2.0 KiB · 0.00s"
        );
    }
}
