//! The terminal front end: state + `update` + `view`, and the run loop that owns the terminal.
//! It never waits on the network or the disk: slow work is the engine's, answered by events.

pub mod keys;
pub mod layout;
pub mod state;
pub mod strings;
pub mod text;
pub mod theme;
pub mod update;
pub mod view;

use std::io;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use chrono::{Local, Utc};
use crossterm::event::{self as term_event, Event as TermEvent, KeyEventKind};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::clean::Cleaner;
use crate::config::Config;
use crate::engine::{Command, Event};
use crate::highlight::Highlighter;
use crate::model::{ArticleMeta, FeedState};

pub use keys::{Keymap, KeymapError};
pub use state::AppState;
pub use update::{update, Effect, Msg};
pub use view::view;

/// Everything the TUI needs, handed over by `main`.
pub struct UiContext {
    pub config: Arc<Config>,
    /// Cached feed states from the store (may be empty).
    pub feeds: Vec<FeedState>,
    /// Every article the store has.
    pub articles: Vec<ArticleMeta>,
    pub highlighter: Arc<Highlighter>,
    pub cleaner: Arc<Cleaner>,
    pub commands: UnboundedSender<Command>,
    pub events: UnboundedReceiver<Event>,
    /// Notices to show at start (e.g. from opening the store).
    pub notices: Vec<String>,
    /// Set when there is no config file: text telling how to create one.
    pub welcome: Option<String>,
    /// Draw one frame and return (for benchmarks).
    pub exit_after_first_frame: bool,
}

/// Why the TUI stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("{0}")]
    Keymap(#[from] KeymapError),
    #[error("terminal error: {0}; is stdout a terminal? For scripts use `tidings list` or `tidings show`")]
    Terminal(#[from] io::Error),
}

/// Moves the context's data into a fresh state.
fn initial_state(ctx: &mut UiContext, keymap: Keymap) -> AppState {
    let mut state = AppState::new(
        ctx.config.clone(),
        ctx.highlighter.clone(),
        ctx.cleaner.clone(),
        keymap,
        std::mem::take(&mut ctx.feeds),
        std::mem::take(&mut ctx.articles),
    );
    state.welcome = ctx.welcome.take();
    for n in std::mem::take(&mut ctx.notices) {
        state.push_notice(n);
    }
    state.tz = *Local::now().offset();
    state
}

/// Runs the TUI until `q`. Sets the terminal up (raw mode, alternate screen, a panic hook that
/// restores it) and always restores it, then sends `Command::Shutdown`.
pub fn run(mut ctx: UiContext) -> Result<(), UiError> {
    // A bad [keys] table is a config error: report it before touching the terminal.
    let keymap = Keymap::from_config(&ctx.config.keys)?;
    let mut state = initial_state(&mut ctx, keymap);
    let commands = ctx.commands.clone();

    let (tx, rx) = mpsc::channel::<Msg>();
    // Engine events: a plain thread turns the tokio receiver into the merged std channel.
    let mut events = ctx.events;
    let engine_tx = tx.clone();
    thread::Builder::new()
        .name("tidings-ui-events".into())
        .spawn(move || {
            while let Some(event) = events.blocking_recv() {
                if engine_tx.send(Msg::Engine(event)).is_err() {
                    break;
                }
            }
        })?;

    let mut terminal = ratatui::try_init()?;
    let stop = Arc::new(AtomicBool::new(false));
    let input_stop = stop.clone();
    let input = thread::Builder::new()
        .name("tidings-ui-input".into())
        .spawn(move || {
            while !input_stop.load(Ordering::Relaxed) {
                match term_event::poll(Duration::from_millis(100)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => break,
                }
                let msg = match term_event::read() {
                    Ok(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
                    Ok(TermEvent::Resize(w, h)) => Msg::Resize(w, h),
                    Ok(_) => continue,
                    Err(_) => break,
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });

    let result = match input {
        Ok(_) => main_loop(
            &mut state,
            &mut terminal,
            &rx,
            &commands,
            ctx.exit_after_first_frame,
        ),
        Err(e) => Err(UiError::Terminal(e)),
    };
    stop.store(true, Ordering::Relaxed);
    let _ = commands.send(Command::Shutdown);
    let _ = ratatui::try_restore();
    let _ = crossterm::execute!(io::stdout(), crossterm::cursor::Show);
    result
}

fn main_loop(
    state: &mut AppState,
    terminal: &mut ratatui::DefaultTerminal,
    rx: &mpsc::Receiver<Msg>,
    commands: &UnboundedSender<Command>,
    exit_after_first_frame: bool,
) -> Result<(), UiError> {
    let size = terminal.size()?;
    update(state, Msg::Resize(size.width, size.height));
    terminal.draw(|f| view(state, f))?;
    if exit_after_first_frame {
        return Ok(());
    }
    loop {
        // Wake at least once a minute so that "today" dates stay right.
        let first = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(input) => Some(input),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        };
        state.now = Utc::now();
        let pending = first
            .into_iter()
            .chain(std::iter::from_fn(|| rx.try_recv().ok()))
            // Draw at least every 1024 messages, even under a flood of events.
            .take(1024);
        let mut quit = false;
        for msg in pending {
            for effect in update(state, msg) {
                match effect {
                    Effect::Send(c) => {
                        // A closed engine is reported once by the lead; keys keep working.
                        let _ = commands.send(c);
                    }
                    Effect::OpenUrl(url) => {
                        if let Err(e) = open_in_browser(&state.config, &url) {
                            state.push_notice(e);
                        }
                    }
                    Effect::Quit => quit = true,
                }
            }
            if quit {
                return Ok(());
            }
        }
        terminal.draw(|f| view(state, f))?;
    }
}

/// Launches the configured browser on an http(s) url: no shell, output discarded, not waited
/// for (a thread reaps it).
fn open_in_browser(config: &Config, url: &str) -> Result<(), String> {
    if !update::is_web_url(url) {
        return Err(strings::NOT_WEB_LINK.to_string());
    }
    let Some((program, args)) = config.browser_command(url) else {
        return Err(strings::NO_BROWSER.to_string());
    };
    let child = std::process::Command::new(&program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{} `{program}`: {e}", strings::BROWSER_FAILED))?;
    let _ = thread::Builder::new()
        .name("tidings-browser".into())
        .spawn(move || {
            let mut child = child;
            let _ = child.wait();
        });
    Ok(())
}
