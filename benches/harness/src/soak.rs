//! A reader left running (issue 11's soak): the TUI polls feeds on 127.0.0.1 every
//! `POLL_EVERY` while each feed gains one item every `GROW_EVERY`, and its resident set is
//! sampled from /proc for some minutes; the same soak without new items is the control. At the
//! end, a fresh TUI on the soaked store is the yardstick (target: within 1.3x of it). Reads
//! /proc of the child only; never measures the harness.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use tidings::store::{OpenMode, Store};

use super::corpus;
use super::latency::{first_frame, next_refresh_over, refreshing, Tui};
use super::memory::{fresh_start, settled, wait_refresh, SETTLE, TARGET};
use super::report::{self, thousands, Machine};
use super::server::ServerProcess;
use super::suites::{self, Context};
use super::{remove_dir, BenchError, Result};

/// Every feed gains one item this often (the soak).
const GROW_EVERY: Duration = Duration::from_secs(10);
/// The config's `refresh_interval`: any duration above zero is allowed, so the TUI can poll
/// as often as the feeds grow.
const POLL_EVERY: &str = "10s";
/// RSS is read this often during the soak.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// After the soak, the next refresh must be over within this (the TUI polls every 10 s).
const LAST_REFRESH: Duration = Duration::from_secs(60);

/// One RSS reading during the soak.
struct Sample {
    at: Duration,
    rss_kib: u64,
    /// The status bar said "refreshing" when it was read.
    refreshing: bool,
}

/// One soak, with or without new items.
struct Soak {
    grows: bool,
    samples: Vec<Sample>,
    /// RSS `SETTLE` after the cold refresh, when the soak starts.
    start_kib: u64,
    /// RSS `SETTLE` after the first refresh that ended after the soak.
    end_kib: u64,
    /// The TUI's VmHWM at the end (the cold refresh included).
    hwm_kib: u64,
    /// Articles in the store at the start and at the end.
    articles: (usize, usize),
    /// A fresh TUI on the soaked store: RSS `SETTLE` after its first refresh, and its peak.
    fresh_kib: (u64, u64),
}

impl Soak {
    fn name(&self) -> &'static str {
        if self.grows {
            "new items"
        } else {
            "control (no new items)"
        }
    }

    fn peak_kib(&self) -> u64 {
        self.samples
            .iter()
            .map(|s| s.rss_kib)
            .chain([self.start_kib, self.end_kib])
            .max()
            .unwrap_or(0)
    }

    fn new_articles(&self) -> usize {
        self.articles.1.saturating_sub(self.articles.0)
    }

    /// The sample read closest to `at`.
    fn at(&self, at: Duration) -> Option<u64> {
        self.samples
            .iter()
            .min_by_key(|s| s.at.abs_diff(at))
            .map(|s| s.rss_kib)
    }
}

/// How many articles the store in `data` holds (read-only: the TUI may hold the lock).
fn article_count(data: &Path) -> Result<usize> {
    let store = Store::open(data, OpenMode::ReadOnly)?.store;
    Ok(store.snapshot()?.article_count()?)
}

fn one_soak(
    ctx: &Context,
    feeds: usize,
    items: usize,
    length: Duration,
    grows: bool,
) -> Result<Soak> {
    let dir = ctx.tmp.join(format!(
        "soak-{feeds}x{items}-{}",
        if grows { "growing" } else { "control" }
    ));
    suites::create_dir(&dir)?;
    let mut server = ServerProcess::start(&ctx.harness, ctx.seed, feeds, items)
        .map_err(|e| BenchError::io("could not start the HTTP server child on 127.0.0.1", e))?;
    let urls: Vec<String> = (0..feeds)
        .map(|i| server.url(&corpus::feed_path(i)))
        .collect();
    let config = dir.join("config.toml");
    suites::write_config_polling(&config, &urls, POLL_EVERY)?;
    let data = dir.join("data");

    let tui = Tui::start(&ctx.tidings, &config, &data, &dir)?;
    first_frame(&tui)?;
    let tui = wait_refresh(tui)?;
    let (start_kib, _) = settled(&tui, Instant::now())?;
    let articles_start = article_count(&data)?;
    eprintln!(
        "  after the cold refresh: {} articles, {}",
        thousands(articles_start),
        report::rss(start_kib)
    );
    if grows {
        server
            .grow(GROW_EVERY)
            .map_err(|e| BenchError::io("could not make the server's feeds grow", e))?;
    }
    let began = Instant::now();
    let mut samples = Vec::new();
    let mut next = began;
    while began.elapsed() < length {
        if let Some(rest) = next.checked_duration_since(Instant::now()) {
            thread::sleep(rest);
        }
        next += SAMPLE_EVERY;
        let refreshing = refreshing(&tui);
        let Some((rss_kib, _)) = tui.memory() else {
            return Err(BenchError::Failed(format!(
                "the TUI is gone after {} s of soak; the status bar said: {}",
                began.elapsed().as_secs(),
                tui.status().trim()
            )));
        };
        let at = began.elapsed();
        if at.as_secs() % 30 < SAMPLE_EVERY.as_secs() {
            eprintln!(
                "  {:>3} s: {}{}",
                at.as_secs(),
                report::rss(rss_kib),
                if refreshing { " (refreshing)" } else { "" }
            );
        }
        samples.push(Sample {
            at,
            rss_kib,
            refreshing,
        });
    }
    // The feeds stop growing, so that the fresh start below sees the same store (all 304).
    let added = if grows {
        server
            .freeze()
            .map_err(|e| BenchError::io("could not stop the server's feeds growing", e))?
    } else {
        0
    };
    if !next_refresh_over(&tui, LAST_REFRESH) {
        let status = tui.status();
        let _ = tui.quit();
        return Err(BenchError::Failed(format!(
            "no refresh ended within {} s after the soak; the status bar says: {}",
            LAST_REFRESH.as_secs(),
            status.trim()
        )));
    }
    let (end_kib, hwm_kib) = settled(&tui, Instant::now())?;
    let articles_end = article_count(&data)?;
    tui.quit()?;
    let fresh_kib = fresh_start(ctx, &config, &data, &dir, true)?;
    eprintln!(
        "  end: {} articles ({added} added per feed by the server), {} (peak {}); fresh start on \
         that store {} (peak {})",
        thousands(articles_end),
        report::rss(end_kib),
        report::rss(hwm_kib),
        report::rss(fresh_kib.0),
        report::rss(fresh_kib.1)
    );
    drop(server);
    remove_dir(&dir)?;
    Ok(Soak {
        grows,
        samples,
        start_kib,
        end_kib,
        hwm_kib,
        articles: (articles_start, articles_end),
        fresh_kib,
    })
}

/// The soak and its control on `feeds` x `items` for `minutes` each; prints the tables.
pub fn run(
    ctx: &Context,
    machine: &Machine,
    feeds: usize,
    items: usize,
    minutes: u64,
) -> Result<()> {
    let length = Duration::from_secs(minutes * 60);
    let label = format!("{} x {}", thousands(feeds), thousands(items));
    let mut soaks = Vec::new();
    for grows in [true, false] {
        eprintln!(
            "soak of {label} for {minutes} min in the TUI, polling every {POLL_EVERY}, {}:",
            if grows {
                "one new item per feed every 10 s"
            } else {
                "no new items (control)"
            }
        );
        soaks.push(one_soak(ctx, feeds, items, length, grows)?);
    }
    machine.print(&format!(
        "soak, {label} to start, seed {}, {minutes} min per soak, refresh_interval \"{POLL_EVERY}\", \
         RSS sampled every {} s; start and end are read {} s after a refresh ended, the fresh \
         TUI on the soaked store {} s after its first refresh (every feed 304)",
        ctx.seed,
        SAMPLE_EVERY.as_secs(),
        SETTLE.as_secs(),
        SETTLE.as_secs()
    ));
    println!("| soak | new articles | RSS at start | at end | peak (sampled) | growth | per new article | fresh TUI on that store | end / fresh | target | result |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
    for soak in &soaks {
        let growth_kib = soak.end_kib as i64 - soak.start_kib as i64;
        let per_article = match soak.new_articles() {
            0 => "—".to_string(),
            n => format!("{:.1} KB", growth_kib as f64 * 1.024 / n as f64),
        };
        let ratio = soak.end_kib as f64 / soak.fresh_kib.0.max(1) as f64;
        println!(
            "| {} | {} | {} | {} | {} | {:+.1} MB | {per_article} | {} | {ratio:.2}x | ≤ {TARGET}x | {} |",
            soak.name(),
            thousands(soak.new_articles()),
            report::rss(soak.start_kib),
            report::rss(soak.end_kib),
            report::rss(soak.peak_kib()),
            growth_kib as f64 * 1.024 / 1000.0,
            report::rss(soak.fresh_kib.0),
            if ratio <= TARGET { "pass" } else { "**MISS**" }
        );
    }
    println!();
    let header: Vec<String> = (0..=minutes).map(|m| format!("{m} min")).collect();
    println!("| RSS over the soak | {} |", header.join(" | "));
    println!("|---|{}", "---:|".repeat(header.len()));
    for soak in &soaks {
        let cells: Vec<String> = (0..=minutes)
            .map(|m| match m {
                0 => report::rss(soak.start_kib),
                m => soak
                    .at(Duration::from_secs(m * 60))
                    .map_or("—".to_string(), report::rss),
            })
            .collect();
        println!("| {} | {} |", soak.name(), cells.join(" | "));
    }
    println!();
    for soak in &soaks {
        let busy = soak.samples.iter().filter(|s| s.refreshing).count();
        println!(
            "{}: {} → {} articles; {busy} of {} samples were taken during a refresh; TUI peak RSS \
             (VmHWM, the cold refresh included) {}; fresh start's peak {}.",
            soak.name(),
            thousands(soak.articles.0),
            thousands(soak.articles.1),
            soak.samples.len(),
            report::rss(soak.hwm_kib),
            report::rss(soak.fresh_kib.1)
        );
    }
    Ok(())
}
