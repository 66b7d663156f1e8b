//! Start-up shared by the TUI and the headless commands: find the config and data dir (or
//! lay out the demo), load the config, compile rules, open the store, start the engine.
//! Both faces start the engine through `Environment::start_engine`; this module never polls,
//! ingests or draws anything itself, and knows no face: `main` picks the TUI (`ui::run_tui`)
//! or a headless command.

use std::path::PathBuf;
use std::sync::Arc;

use crate::clean::Cleaner;
use crate::cli::GlobalArgs;
use crate::config::Config;
use crate::demo::{DemoDir, DemoError};
use crate::engine::{
    self, Command, EngineHandle, EngineSetup, Event, Polling, RefreshMode, RefreshRequest,
};
use crate::fetch::{Fetcher, Limits};
use crate::highlight::Highlighter;
use crate::paths;
use crate::store::{OpenMode, Store, Writer};
use tokio::sync::mpsc::UnboundedReceiver;

/// Every error that ends the program with status 2. Each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Paths(#[from] paths::PathsError),
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("in the [[highlight]] rules: {0}")]
    Highlight(#[from] crate::highlight::HighlightError),
    #[error("in the boilerplate patterns: {0}")]
    Clean(#[from] crate::clean::CleanError),
    #[error("{0}")]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("{0}")]
    Demo(#[from] DemoError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error("the engine stopped before the refresh finished (a bug: please report it)")]
    EngineStopped,
}

impl AppError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> AppError {
        AppError::Io {
            context: context.into(),
            source,
        }
    }
}

/// Where this run reads its config and keeps its data.
pub struct Environment {
    pub config: Config,
    /// The config file, or where it would be (for messages) when there is none.
    pub config_path: PathBuf,
    /// False when no config file exists at the default location.
    pub config_exists: bool,
    pub data_dir: PathBuf,
    /// Keeps the demo's throw-away files alive for the run.
    _demo: Option<DemoDir>,
}

impl Environment {
    /// Resolves `--demo`, `--config`/`$TIDINGS_CONFIG` and `--data-dir`/`$TIDINGS_DATA_DIR`.
    pub fn resolve(args: &GlobalArgs) -> Result<Environment, AppError> {
        if args.demo {
            let demo = DemoDir::create()?;
            let config_path = demo.config_path();
            let config = Config::load(&config_path)?;
            return Ok(Environment {
                config,
                config_path,
                config_exists: true,
                data_dir: demo.data_dir(),
                _demo: Some(demo),
            });
        }
        let location = paths::config_path(args.config.as_deref())?;
        let data_dir = paths::data_dir(args.data_dir.as_deref())?;
        let (config, exists) = if location.explicit || location.path.exists() {
            (Config::load(&location.path)?, true)
        } else {
            (Config::default(), false)
        };
        Ok(Environment {
            config,
            config_path: location.path,
            config_exists: exists,
            data_dir,
            _demo: None,
        })
    }

    pub fn highlighter(&self) -> Result<Highlighter, AppError> {
        Ok(Highlighter::new(&self.config.highlight)?)
    }

    pub fn cleaner(&self) -> Result<Cleaner, AppError> {
        Ok(Cleaner::new(&self.config.boilerplate)?)
    }

    /// The HTTP client with the config's limits (needs a tokio runtime context).
    pub fn fetcher(&self) -> Result<Fetcher, AppError> {
        Ok(Fetcher::new(Limits::from_config(&self.config))?)
    }

    /// Opens the store for writing; notices (a corrupt store moved aside...) go to stderr too.
    pub fn open_store(&self) -> Result<(Store, Vec<String>), AppError> {
        let opened = Store::open(&self.data_dir, OpenMode::ReadWrite)?;
        for notice in &opened.notices {
            eprintln!("tidings: {notice}");
        }
        Ok((opened.store, opened.notices))
    }

    /// Opens the store for reading only: works while another tidings is running.
    pub fn open_store_read_only(&self) -> Result<Store, AppError> {
        Ok(Store::open(&self.data_dir, OpenMode::ReadOnly)?.store)
    }

    /// Opens the store, starts the engine on request only, and asks it to poll every feed in
    /// `mode`: the headless way to run one refresh. Returns the engine (to shut down once
    /// the run's `RunFinished` arrived) and its events.
    pub fn start_refresh(
        &self,
        mode: RefreshMode,
    ) -> Result<(EngineHandle, UnboundedReceiver<Event>), AppError> {
        let highlighter = Arc::new(self.highlighter()?);
        let (store, _notices) = self.open_store()?;
        let mut engine = self.start_engine(store, highlighter, Polling::OnRequest)?;
        let events = engine.events.take().expect("events are taken once");
        let _ = engine
            .commands
            .send(Command::Refresh(RefreshRequest::all(mode)));
        Ok((engine, events))
    }

    /// Starts the engine on `store` (opened for writing, see `open_store`), on its own
    /// runtime: the one way both faces get polling, ingest and full text. The engine reads
    /// the feed states and stored ids itself; the caller only takes `events` and sends
    /// commands (`Command::Refresh` to poll).
    pub fn start_engine(
        &self,
        store: Store,
        highlighter: Arc<Highlighter>,
        polling: Polling,
    ) -> Result<EngineHandle, AppError> {
        let writer = Writer::spawn(&store)?;
        let runtime = engine::runtime()
            .map_err(|e| AppError::io("could not start the background runtime", e))?;
        // reqwest needs a runtime context to build its client.
        let fetcher = {
            let _guard = runtime.enter();
            self.fetcher()?
        };
        Ok(engine::start(
            EngineSetup {
                config: Arc::new(self.config.clone()),
                writer,
                reader: store,
                fetcher,
                highlighter,
                polling,
            },
            runtime,
        ))
    }
}
