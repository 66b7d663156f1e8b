//! Keypress latency while tidings works: the real binary in a pseudo-terminal (portable-pty),
//! its screen decoded with vt100. A key (`?`, which toggles the help overlay) is sent every
//! `KEY_INTERVAL`, one at a time, and each is timed from the write to the pty until the
//! screen shows the overlay opened or closed. Scenarios: a cold refresh inside the TUI, and
//! `R` on a large store where every feed answers 304.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

use super::corpus;
use super::report::{self, thousands, Machine};
use super::server::ServerProcess;
use super::suites::{self, Context};
use super::{remove_dir, BenchError, Result};

/// Terminal size of the pseudo-terminal (the same as the start-up scenario's).
const ROWS: u16 = 50;
const COLS: u16 = 160;
/// Time between two keys (from one key's write to the next), when the first was answered.
const KEY_INTERVAL: Duration = Duration::from_millis(150);
/// A key not answered within this is counted at this value (and reported as unanswered).
const KEY_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a scenario may run before it is stopped.
const SCENARIO_LIMIT: Duration = Duration::from_secs(300);
/// Keys on the idle TUI before `R`, for the baseline.
const IDLE_KEYS: usize = 10;
/// Only the help overlay shows this (its bottom border).
const HELP_MARK: &str = "any other key closes";
/// The status bar says this while the engine refreshes.
const REFRESHING: &str = "refreshing";

/// What the reader thread shares with the driver.
pub(crate) struct Watch {
    parser: vt100::Parser,
    /// A key in flight: whether the overlay should be open once it is answered, and when the
    /// key was written.
    probe: Option<(bool, Instant)>,
    /// The answer to the last probe.
    answered: Option<Duration>,
    /// The screen showed `REFRESHING` at some point since `seen_refreshing` was cleared.
    seen_refreshing: bool,
    closed: bool,
}

impl Watch {
    fn help_open(&self) -> bool {
        self.parser.screen().contents().contains(HELP_MARK)
    }

    fn status(&self) -> String {
        self.parser
            .screen()
            .rows(0, COLS)
            .last()
            .unwrap_or_default()
    }
}

/// tidings in a pseudo-terminal.
pub(crate) struct Tui {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    watch: Arc<(Mutex<Watch>, Condvar)>,
    _master: Box<dyn MasterPty + Send>,
}

impl Tui {
    pub(crate) fn start(tidings: &Path, config: &Path, data: &Path, cwd: &Path) -> Result<Tui> {
        // portable-pty reports `anyhow` errors: only their text is kept.
        let pty_err = |e: String| BenchError::Failed(format!("pseudo-terminal: {e}"));
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| pty_err(e.to_string()))?;
        let mut cmd = CommandBuilder::new(tidings);
        cmd.arg("--config");
        cmd.arg(config);
        cmd.arg("--data-dir");
        cmd.arg(data);
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("TIDINGS_CONFIG");
        cmd.env_remove("TIDINGS_DATA_DIR");
        let child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| pty_err(e.to_string()))?;
        drop(pair.slave);
        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| pty_err(e.to_string()))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| pty_err(e.to_string()))?;
        let rows = NonZeroU16::new(ROWS).expect("rows > 0");
        let cols = NonZeroU16::new(COLS).expect("cols > 0");
        let watch = Arc::new((
            Mutex::new(Watch {
                parser: vt100::Parser::new(rows, cols, 0),
                probe: None,
                answered: None,
                seen_refreshing: false,
                closed: false,
            }),
            Condvar::new(),
        ));
        let shared = watch.clone();
        // Drains the pty continuously (or the child blocks on a full buffer) and answers the
        // probe the moment the screen shows the change.
        thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => 0,
                    Ok(n) => n,
                };
                let (lock, ready) = &*shared;
                let mut w = lock.lock().unwrap_or_else(|e| e.into_inner());
                if n == 0 {
                    w.closed = true;
                    ready.notify_all();
                    return;
                }
                w.parser.process(&buf[..n]);
                if w.status().contains(REFRESHING) {
                    w.seen_refreshing = true;
                }
                if let Some((want_open, sent)) = w.probe {
                    if w.help_open() == want_open {
                        w.answered = Some(sent.elapsed());
                        w.probe = None;
                    }
                }
                ready.notify_all();
            }
        });
        Ok(Tui {
            child,
            writer,
            watch,
            _master: pair.master,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Watch> {
        self.watch.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `ready` holds for the screen, or `timeout`; returns whether it held.
    pub(crate) fn wait_until(&self, timeout: Duration, ready: impl Fn(&Watch) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut w = self.lock();
        loop {
            if ready(&w) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline || w.closed {
                return false;
            }
            w = self
                .watch
                .1
                .wait_timeout(w, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn press(&mut self, keys: &str) -> Result<()> {
        self.writer
            .write_all(keys.as_bytes())
            .and_then(|()| self.writer.flush())
            .map_err(|e| BenchError::io("writing a key to the pseudo-terminal", e))
    }

    /// Sends `?` and waits until the help overlay shows toggled; returns the wait (`None`:
    /// not within `KEY_TIMEOUT`).
    fn toggle_help(&mut self) -> Result<Option<Duration>> {
        {
            let mut w = self.lock();
            let open = w.help_open();
            w.answered = None;
            w.probe = Some((!open, Instant::now()));
        }
        self.press("?")?;
        let answered = self.wait_until(KEY_TIMEOUT, |w| w.answered.is_some());
        let mut w = self.lock();
        w.probe = None;
        Ok(if answered { w.answered.take() } else { None })
    }

    pub(crate) fn status(&self) -> String {
        self.lock().status()
    }

    /// Resident set now and at its peak (VmRSS, VmHWM, KiB), from /proc.
    pub(crate) fn memory(&self) -> Option<(u64, u64)> {
        let pid = self.child.process_id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// CPU time of the process so far by thread name (from /proc), most first: where the
    /// time went, printed under each run.
    fn threads(&self) -> String {
        let Some(pid) = self.child.process_id() else {
            return String::new();
        };
        let tick = 100.0; // USER_HZ: 100 on Linux
        let mut by_name: Vec<(String, f64)> = Vec::new();
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return String::new();
        };
        for task in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
                continue;
            };
            // "tid (comm) state ... utime stime ...": fields 14 and 15, counted after the ')'.
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let name = stat[open + 1..close].to_string();
            let rest: Vec<&str> = stat[close + 2..].split_whitespace().collect();
            let secs = |i: usize| {
                rest.get(i)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            let cpu = (secs(11) + secs(12)) / tick;
            match by_name.iter_mut().find(|(n, _)| *n == name) {
                Some(e) => e.1 += cpu,
                None => by_name.push((name, cpu)),
            }
        }
        by_name.sort_by(|a, b| b.1.total_cmp(&a.1));
        by_name
            .iter()
            .map(|(n, c)| format!("{n} {c:.2} s"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Closes the overlay if open, presses `q`, waits for the exit (killing it after 60 s).
    pub(crate) fn quit(mut self) -> Result<()> {
        if self.lock().help_open() {
            self.toggle_help()?;
        }
        self.press("q")?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    return Err(BenchError::Failed(format!(
                        "tidings exited with {status:?} after q"
                    )))
                }
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                _ => {
                    let _ = self.child.kill();
                    return Err(BenchError::Failed(
                        "tidings did not exit within 60 s of q".into(),
                    ));
                }
            }
        }
    }
}

/// The key latencies of one scenario, over its runs.
#[derive(Debug, Default)]
struct Keys {
    answered: Vec<Duration>,
    /// Keys not answered within `KEY_TIMEOUT`.
    unanswered: usize,
    /// How long the work under measurement took (first key to the end of the refresh).
    work: Vec<Duration>,
    /// Peak RSS of the TUI process (VmHWM, KiB) and its RSS at the end (VmRSS).
    peak_rss_kib: u64,
    end_rss_kib: u64,
}

impl Keys {
    fn record(&mut self, wait: Option<Duration>) {
        match wait {
            Some(d) => self.answered.push(d),
            None => self.unanswered += 1,
        }
    }

    fn memory(&mut self, tui: &Tui) {
        if let Some((rss, hwm)) = tui.memory() {
            self.peak_rss_kib = self.peak_rss_kib.max(hwm);
            self.end_rss_kib = self.end_rss_kib.max(rss);
        }
    }

    /// (median, 90th percentile, worst), an unanswered key counting as `KEY_TIMEOUT`.
    fn summary(&self) -> Option<(Duration, Duration, Duration)> {
        let mut all = self.answered.clone();
        all.extend(std::iter::repeat_n(KEY_TIMEOUT, self.unanswered));
        if all.is_empty() {
            return None;
        }
        all.sort();
        let at = |q: f64| all[((all.len() - 1) as f64 * q).round() as usize];
        Some((at(0.5), at(0.9), all[all.len() - 1]))
    }
}

/// Sends keys, one every `KEY_INTERVAL`, until `done` says the work is over (checked after
/// each key) or the scenario's time is up. Returns how long that took.
fn keys_until(tui: &mut Tui, keys: &mut Keys, done: impl Fn(&Tui) -> bool) -> Result<Duration> {
    let started = Instant::now();
    loop {
        let sent = Instant::now();
        keys.record(tui.toggle_help()?);
        keys.memory(tui);
        if done(tui) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > SCENARIO_LIMIT {
            return Err(BenchError::Failed(format!(
                "the refresh did not end within {} s; the status bar says: {}",
                SCENARIO_LIMIT.as_secs(),
                tui.status().trim()
            )));
        }
        if let Some(rest) = KEY_INTERVAL.checked_sub(sent.elapsed()) {
            thread::sleep(rest);
        }
    }
}

/// The refresh the status bar showed is over.
pub(crate) fn refresh_over(tui: &Tui) -> bool {
    let w = tui.lock();
    w.seen_refreshing && !w.status().contains(REFRESHING)
}

/// Waits for the next refresh to be over: one the status bar shows from now on (or the one in
/// progress, if it still draws), then leaves. Returns whether that happened within `timeout`.
pub(crate) fn next_refresh_over(tui: &Tui, timeout: Duration) -> bool {
    tui.lock().seen_refreshing = false;
    tui.wait_until(timeout, |w| {
        w.seen_refreshing && !w.status().contains(REFRESHING)
    })
}

/// Whether the status bar says the engine refreshes now.
pub(crate) fn refreshing(tui: &Tui) -> bool {
    tui.status().contains(REFRESHING)
}

/// Waits for the first frame (the status bar's key hints).
pub(crate) fn first_frame(tui: &Tui) -> Result<()> {
    if tui.wait_until(Duration::from_secs(30), |w| w.status().contains("quit")) {
        Ok(())
    } else {
        Err(BenchError::Failed(format!(
            "no first frame within 30 s; the screen shows: {}",
            tui.lock().parser.screen().contents().trim()
        )))
    }
}

/// One corpus: cold refreshes inside the TUI (a fresh data dir each), and, on the store the
/// last one left, idle keys and then `R` with every feed answering 304.
struct CorpusRun {
    feeds: usize,
    items: usize,
    cold: std::result::Result<Keys, String>,
    idle: Option<std::result::Result<Keys, String>>,
    again: Option<std::result::Result<Keys, String>>,
}

fn corpus_run(ctx: &Context, feeds: usize, items: usize, with_r: bool) -> Result<CorpusRun> {
    let dir = ctx.tmp.join(format!("latency-{feeds}x{items}"));
    suites::create_dir(&dir)?;
    let server = ServerProcess::start(&ctx.harness, ctx.seed, feeds, items)
        .map_err(|e| BenchError::io("could not start the HTTP server child on 127.0.0.1", e))?;
    let urls: Vec<String> = (0..feeds)
        .map(|i| server.url(&corpus::feed_path(i)))
        .collect();
    let config = dir.join("config.toml");
    suites::write_config(&config, &urls)?;
    let label = format!("{} x {}", thousands(feeds), thousands(items));

    let mut data = PathBuf::new();
    let mut cold = Keys::default();
    let mut failed = None;
    for r in 0..ctx.repeat {
        if r > 0 {
            remove_dir(&data)?;
        }
        data = dir.join(format!("data-{r}"));
        eprintln!(
            "keys during a cold refresh of {label} in the TUI, run {}/{}:",
            r + 1,
            ctx.repeat
        );
        let mut tui = Tui::start(&ctx.tidings, &config, &data, &dir)?;
        let run = first_frame(&tui).and_then(|()| keys_until(&mut tui, &mut cold, refresh_over));
        eprintln!("  CPU by thread: {}", tui.threads());
        tui.quit()?;
        match run {
            Ok(work) => {
                eprintln!(
                    "  {} keys over {}",
                    cold.answered.len(),
                    report::duration(work)
                );
                cold.work.push(work);
            }
            Err(e) => {
                failed = Some(e.to_string());
                break;
            }
        }
    }
    let cold = match failed {
        Some(e) => Err(e),
        None => Ok(cold),
    };
    let (idle, again) = if with_r && cold.is_ok() {
        let (idle, again) = r_on_store(ctx, &config, &data, &dir, &label)?;
        (Some(idle), Some(again))
    } else {
        (None, None)
    };
    remove_dir(&dir)?;
    Ok(CorpusRun {
        feeds,
        items,
        cold,
        idle,
        again,
    })
}

type KeysOutcome = std::result::Result<Keys, String>;

/// On a store every feed of which is fresh: keys on the idle TUI, then `R` (every feed
/// answers 304) with keys until the refresh ends.
fn r_on_store(
    ctx: &Context,
    config: &Path,
    data: &Path,
    dir: &Path,
    label: &str,
) -> Result<(KeysOutcome, KeysOutcome)> {
    let mut idle = Keys::default();
    let mut again = Keys::default();
    for r in 0..ctx.repeat {
        eprintln!(
            "keys on the idle TUI, then `R` (all 304), store of {label}, run {}/{}:",
            r + 1,
            ctx.repeat
        );
        let mut tui = Tui::start(&ctx.tidings, config, data, dir)?;
        let run = first_frame(&tui).and_then(|()| {
            for _ in 0..IDLE_KEYS {
                let sent = Instant::now();
                idle.record(tui.toggle_help()?);
                if let Some(rest) = KEY_INTERVAL.checked_sub(sent.elapsed()) {
                    thread::sleep(rest);
                }
            }
            idle.memory(&tui);
            let shown: Vec<String> = idle.answered.iter().map(|d| ms(*d)).collect();
            eprintln!("  idle keys: {}", shown.join(", "));
            tui.lock().seen_refreshing = false;
            tui.press("R")?;
            keys_until(&mut tui, &mut again, refresh_over)
        });
        eprintln!("  CPU by thread: {}", tui.threads());
        tui.quit()?;
        match run {
            Ok(work) => {
                eprintln!(
                    "  {} keys over {}",
                    again.answered.len(),
                    report::duration(work)
                );
                again.work.push(work);
            }
            Err(e) => {
                let e = e.to_string();
                return Ok((Err(e.clone()), Err(e)));
            }
        }
    }
    Ok((Ok(idle), Ok(again)))
}

/// Keypress latency during a cold refresh of each corpus inside the TUI, and during `R` on
/// the last one's store (all 304): 1,000 x 50 and 10,000 x 10 by default.
pub fn run(ctx: &Context, machine: &Machine, corpora: &[(usize, usize)]) -> Result<()> {
    let mut runs = Vec::new();
    for (n, &(feeds, items)) in corpora.iter().enumerate() {
        runs.push(corpus_run(ctx, feeds, items, n + 1 == corpora.len())?);
    }
    machine.print(&format!(
        "keypress latency, seed {}, {} run(s) per scenario, {COLS}x{ROWS} pty, a key every {} ms",
        ctx.seed,
        ctx.repeat,
        KEY_INTERVAL.as_millis()
    ));
    println!("| scenario | keys | median | p90 | worst | unanswered (> {} s) | work took | TUI peak RSS | target | result |", KEY_TIMEOUT.as_secs());
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
    for run in &runs {
        let label = format!("{} x {}", thousands(run.feeds), thousands(run.items));
        row(
            &format!("cold refresh of {label} inside the TUI"),
            &run.cold,
            true,
        );
        let store = format!(
            "{} feeds / {} articles",
            thousands(run.feeds),
            thousands(run.feeds * run.items)
        );
        if let Some(idle) = &run.idle {
            row(&format!("idle TUI, {store}"), idle, false);
        }
        if let Some(again) = &run.again {
            row(&format!("`R` on {store}, every feed 304"), again, true);
        }
    }
    println!();
    println!(
        "Latency is from writing `?` to the pty until the screen shows the help overlay opened \
         (or closed); keys go one at a time. \"Work took\" is from the first key to the status bar \
         leaving \"refreshing\" (median over runs)."
    );
    Ok(())
}

fn row(scenario: &str, keys: &KeysOutcome, target: bool) {
    let keys = match keys {
        Ok(k) => k,
        Err(e) => {
            println!("| {scenario} | — | — | — | — | — | — | — | — | FAILED: {e} |");
            return;
        }
    };
    let Some((median, p90, worst)) = keys.summary() else {
        println!("| {scenario} | 0 | — | — | — | — | — | — | — | no key sent |");
        return;
    };
    let work = {
        let mut w = keys.work.clone();
        w.sort();
        w.get(w.len() / 2)
            .map_or("—".to_string(), |d| report::duration(*d))
    };
    let (goal, verdict) = if target {
        let ok = median <= Duration::from_millis(50) && worst <= Duration::from_millis(150);
        (
            "median ≤ 50 ms, worst ≤ 150 ms",
            if ok { "pass" } else { "**MISS**" },
        )
    } else {
        ("—", "—")
    };
    println!(
        "| {scenario} | {} | {} | {} | {} | {} | {work} | {} | {goal} | {verdict} |",
        keys.answered.len() + keys.unanswered,
        ms(median),
        ms(p90),
        ms(worst),
        keys.unanswered,
        report::rss(keys.peak_rss_kib),
    );
}

/// Milliseconds with one decimal (latencies are a few ms when all is well).
fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_unanswered_keys_as_the_timeout() {
        let ms = Duration::from_millis;
        let mut k = Keys::default();
        assert!(k.summary().is_none());
        for d in [5, 1, 3, 2, 4] {
            k.record(Some(ms(d)));
        }
        assert_eq!(k.summary(), Some((ms(3), ms(5), ms(5))));
        k.record(None);
        let (_, _, worst) = k.summary().unwrap();
        assert_eq!(worst, KEY_TIMEOUT);
    }
}
