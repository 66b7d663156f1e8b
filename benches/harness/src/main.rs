//! `tidings-bench`: the reproducible end-to-end benchmark. Generates a seeded corpus, serves it
//! on 127.0.0.1, and times the real `tidings` binary as a child (refresh, TUI start-up, list).
//! Never touches the user's config or data: everything lives in a temp dir it removes.

mod bare;
mod corpus;
mod floor;
mod latency;
mod measure;
mod memory;
mod report;
mod server;
mod soak;
mod suites;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser};

/// Reproducible end-to-end benchmark of tidings on a generated corpus served from 127.0.0.1.
///
/// Build first with `cargo build --release --workspace`, then run
/// `cargo run --release -p tidings-bench` (see BENCHMARKS.md).
#[derive(Debug, Parser)]
#[command(name = "tidings-bench")]
pub struct Args {
    /// Number of feeds in the corpus [--soak: 200 unless given]
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub feeds: usize,
    /// Items per feed
    #[arg(long, default_value_t = 50, value_name = "M")]
    pub items: usize,
    /// Seed of the corpus generator (same seed, same bytes)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Timed runs per scenario (the table reports the median and the minimum)
    #[arg(long, default_value_t = 3, value_name = "R")]
    pub repeat: usize,
    /// Only run the linearity curve: 100 x 500, 1,000 x 50, 10,000 x 5 and 10,000 x 10 (cold + warm refresh)
    #[arg(long)]
    pub scaling: bool,
    /// Only run the keypress-latency scenarios: keys during a cold refresh of 1,000 x 50 and
    /// 10,000 x 10 inside the TUI, and during `R` on the 10,000-feed store (all 304)
    #[arg(long, conflicts_with = "scaling")]
    pub latency: bool,
    /// Only run the memory scenario: RSS of the TUI a few seconds after it refreshed
    /// --feeds x --items into an empty store, against a fresh TUI on that store
    #[arg(long, conflicts_with_all = ["scaling", "latency"])]
    pub memory: bool,
    /// Only run the soak: the TUI polls every 10 s while each of --feeds feeds (200 unless
    /// given; --items to start with) gains an item every 10 s, its RSS sampled for
    /// --soak-minutes; then the same without new items; each against a fresh TUI on its store
    #[arg(long, conflicts_with_all = ["scaling", "latency", "memory"])]
    pub soak: bool,
    /// Length of each of the two soaks, in minutes
    #[arg(long, default_value_t = 4, value_name = "MIN")]
    pub soak_minutes: u64,
    /// Corpora of the latency scenarios, as FEEDSxITEMS; `R` runs on the last one's store
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1000x50,10000x10",
        value_name = "FxI,FxI"
    )]
    pub latency_corpora: Vec<String>,
    /// Timed runs of each newsboat scenario, when newsboat is installed (it is slow)
    #[arg(long, default_value_t = 1, value_name = "R")]
    pub newsboat_repeat: usize,
    /// Skip the TUI start-up and `list --unread` scenarios (and building their stores)
    #[arg(long)]
    pub skip_tui: bool,
    /// Article counts of the stores for the TUI start-up and `list --unread` scenarios
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "5000,100000",
        value_name = "N,N"
    )]
    pub store_articles: Vec<usize>,
    /// A newsraft binary: also time its cold and warm `reload-all` on the same corpus and
    /// server (default run only; skipped when not given or not a file)
    #[arg(long, value_name = "PATH")]
    pub newsraft: Option<PathBuf>,
    /// A curl binary: --scaling also times it fetching each corpus (--parallel, bodies
    /// discarded), the cost of the transfers alone [default: curl on PATH]
    #[arg(long, value_name = "PATH")]
    pub curl: Option<PathBuf>,
    /// The tidings binary to time [default: `tidings` next to this executable]
    #[arg(long, value_name = "PATH")]
    pub tidings: Option<PathBuf>,
    /// Keep the temp dir (corpus configs, data dirs, outputs) and print its path
    #[arg(long)]
    pub keep: bool,
    /// Internal: be the HTTP server child (corpus of --feeds x --items, --seed)
    #[arg(long, hide = true)]
    pub internal_serve: bool,
    /// Internal: be the store-building child, writing into DIR
    #[arg(long, hide = true, value_name = "DIR")]
    pub internal_build_store: Option<PathBuf>,
    /// Internal: be the barest client, fetching every URL listed in FILE (one per line)
    #[arg(long, hide = true, value_name = "FILE")]
    pub internal_fetch: Option<PathBuf>,
    /// Internal: article count for --internal-build-store
    #[arg(long, hide = true, default_value_t = 0)]
    pub internal_articles: usize,
}

/// Everything that stops a benchmark run. Each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{0}")]
    Usage(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Failed(String),
    #[error("building the benchmark store: {0}")]
    Store(#[from] tidings::store::StoreError),
}

impl BenchError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> BenchError {
        BenchError::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, BenchError>;

const MAX_FEEDS: usize = 100_000;
const MAX_ITEMS: usize = 10_000;
/// The corpus is held in memory while it is served (about 3 KB per item).
const MAX_CORPUS_ITEMS: usize = 2_000_000;
const MAX_STORE_ARTICLES: usize = 2_000_000;
const MAX_REPEAT: usize = 100;
const MAX_SOAK_MINUTES: u64 = 120;
/// The soak's --feeds when not given (issue 11's soak).
const SOAK_FEEDS: usize = 200;

fn validate(args: &Args) -> Result<()> {
    let usage = |m: String| Err(BenchError::Usage(m));
    if !(1..=MAX_FEEDS).contains(&args.feeds) {
        return usage(format!(
            "--feeds must be between 1 and {MAX_FEEDS} (got {})",
            args.feeds
        ));
    }
    if !(1..=MAX_ITEMS).contains(&args.items) {
        return usage(format!(
            "--items must be between 1 and {MAX_ITEMS} (got {})",
            args.items
        ));
    }
    if args.feeds * args.items > MAX_CORPUS_ITEMS {
        return usage(format!(
            "--feeds x --items is {} items; at most {MAX_CORPUS_ITEMS} fit in memory (about 3 KB each)",
            args.feeds * args.items
        ));
    }
    if !(1..=MAX_REPEAT).contains(&args.repeat) {
        return usage(format!(
            "--repeat must be between 1 and {MAX_REPEAT} (got {})",
            args.repeat
        ));
    }
    if !(1..=MAX_REPEAT).contains(&args.newsboat_repeat) {
        return usage(format!(
            "--newsboat-repeat must be between 1 and {MAX_REPEAT} (got {})",
            args.newsboat_repeat
        ));
    }
    if !(1..=MAX_SOAK_MINUTES).contains(&args.soak_minutes) {
        return usage(format!(
            "--soak-minutes must be between 1 and {MAX_SOAK_MINUTES} (got {})",
            args.soak_minutes
        ));
    }
    if !args.skip_tui {
        if args.store_articles.is_empty() {
            return usage("--store-articles needs at least one count (or use --skip-tui)".into());
        }
        if let Some(bad) = args
            .store_articles
            .iter()
            .find(|n| !(1..=MAX_STORE_ARTICLES).contains(*n))
        {
            return usage(format!(
                "--store-articles: each count must be between 1 and {MAX_STORE_ARTICLES} (got {bad})"
            ));
        }
    }
    Ok(())
}

/// `--latency-corpora`, checked like `--feeds` and `--items`.
fn latency_corpora(args: &Args) -> Result<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    for c in &args.latency_corpora {
        let parsed = c
            .split_once('x')
            .and_then(|(f, i)| Some((f.trim().parse().ok()?, i.trim().parse().ok()?)));
        match parsed {
            Some((f, i))
                if (1..=MAX_FEEDS).contains(&f)
                    && (1..=MAX_ITEMS).contains(&i)
                    && f * i <= MAX_CORPUS_ITEMS =>
            {
                out.push((f, i))
            }
            _ => {
                return Err(BenchError::Usage(format!(
                    "--latency-corpora: `{c}` is not FEEDSxITEMS (1 to {MAX_FEEDS} feeds, 1 to {MAX_ITEMS} items, at most {MAX_CORPUS_ITEMS} items in all)"
                )))
            }
        }
    }
    if out.is_empty() {
        return Err(BenchError::Usage(
            "--latency-corpora needs at least one FEEDSxITEMS".into(),
        ));
    }
    Ok(out)
}

fn tidings_binary(args: &Args) -> Result<PathBuf> {
    let path = match &args.tidings {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .map_err(|e| {
                BenchError::io(
                    "could not find this executable's path (pass --tidings PATH)",
                    e,
                )
            })?
            .with_file_name("tidings"),
    };
    if !path.is_file() {
        return Err(BenchError::Usage(format!(
            "no tidings binary at {}: build it with `cargo build --release --workspace`, or pass --tidings PATH",
            path.display()
        )));
    }
    // Children run in other directories: the path must not depend on ours.
    std::fs::canonicalize(&path)
        .map_err(|e| BenchError::io(format!("could not resolve {}", path.display()), e))
}

/// A temp dir for one run, removed on drop unless kept.
pub struct TempDir {
    pub path: PathBuf,
    keep: bool,
}

impl TempDir {
    fn create(keep: bool) -> Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("tidings-bench-{}-{nanos:08x}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| BenchError::io(format!("could not create {}", path.display()), e))?;
        Ok(TempDir { path, keep })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("tidings-bench: kept {}", self.path.display());
        } else if let Err(e) = std::fs::remove_dir_all(&self.path) {
            eprintln!(
                "tidings-bench: could not remove {}: {e}",
                self.path.display()
            );
        }
    }
}

/// Removes a directory tree if it exists (a data dir between cold runs).
pub fn remove_dir(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(BenchError::io(
            format!("could not remove {}", path.display()),
            e,
        )),
    }
}

fn main() -> ExitCode {
    let matches = Args::command().get_matches();
    let mut args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    if args.soak && matches.value_source("feeds") == Some(ValueSource::DefaultValue) {
        args.feeds = SOAK_FEEDS;
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tidings-bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<()> {
    validate(args)?;
    // The harness re-runs itself for the children that hold the corpus or build stores, so
    // that its own peak RSS (which Linux carries into its children's) stays a few MB.
    if args.internal_serve {
        return server::serve_stdio(args.seed, args.feeds, args.items)
            .map_err(|e| BenchError::io("server child", e));
    }
    if let Some(dir) = &args.internal_build_store {
        return suites::build_store_child(dir, args.feeds, args.internal_articles, args.seed);
    }
    if let Some(list) = &args.internal_fetch {
        let text = std::fs::read_to_string(list)
            .map_err(|e| BenchError::io(format!("could not read {}", list.display()), e))?;
        let ok = bare::fetch_all(&text, suites::CONCURRENCY).map_err(BenchError::Failed)?;
        println!("ok {ok}");
        return Ok(());
    }
    let tidings = tidings_binary(args)?;
    let harness = std::env::current_exe()
        .map_err(|e| BenchError::io("could not find this executable's path", e))?;
    let tmp = TempDir::create(args.keep)?;
    let ctx = suites::Context {
        tidings,
        harness,
        tmp: tmp.path.clone(),
        repeat: args.repeat,
        seed: args.seed,
    };
    let machine = report::Machine::probe(&ctx.tidings);
    if args.scaling {
        let curl = floor::find_curl(args.curl.as_deref());
        suites::scaling(&ctx, &machine, curl.as_deref())
    } else if args.memory {
        memory::run(&ctx, &machine, args.feeds, args.items)
    } else if args.soak {
        soak::run(&ctx, &machine, args.feeds, args.items, args.soak_minutes)
    } else if args.latency {
        latency::run(&ctx, &machine, &latency_corpora(args)?)
    } else {
        suites::default_run(&ctx, args, &machine)
    }
}
