//! The terminal face: start-up for the TUI (the first screen from the store's indexes, then
//! the engine), the terminal (raw mode, alternate screen, always restored), and the run loop.
//!
//! The loop makes input win: keys wait in their own queue and are all handled before any
//! engine event; engine events are applied in small batches for at most `EVENT_BUDGET` per
//! turn, stopping as soon as a key arrives; a key's frame is drawn at once, engine news at
//! most every `FRAME`. It never waits on the network or the disk itself.

use std::io;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{Local, Utc};
use crossterm::event::{self as term_event, Event as TermEvent, KeyEventKind};
use tokio::sync::mpsc::UnboundedSender;

use crate::app::{AppError, Environment};
use crate::cli::GlobalArgs;
use crate::config::{Config, SortOrder};
use crate::engine::{Command, EngineHandle, Event, Polling};
use crate::highlight::Highlighter;
use crate::store::{Snapshot, Store};

use super::inbox::Inbox;
use super::keys::Keymap;
use super::load::{Loaded, Startup};
use super::picture::{EncodeJob, Pictures};
use super::reader::ReaderImages;
use super::state::AppState;
use super::update::{self, update, Effect, Msg};
use super::view::view;
use super::{strings, UiError};

/// The longest the loop applies engine events before it looks at keys and the screen again.
const EVENT_BUDGET: Duration = Duration::from_millis(4);
/// Engine events applied at once (the lists are merged once per batch).
const EVENT_BATCH: usize = 16;
/// Engine news alone redraws at most this often; a key redraws at once.
const FRAME: Duration = Duration::from_millis(16);
/// Redraw at least this often, so that "today" dates stay right.
const IDLE_REDRAW: Duration = Duration::from_secs(60);

/// Runs the terminal reader until the user quits.
pub fn run_tui(args: &GlobalArgs) -> Result<(), UiError> {
    let env = Environment::resolve(args)?;
    // A bad [keys] table is a config error: report it before touching the terminal.
    let keymap = Keymap::from_config(&env.config.keys).map_err(|error| UiError::Keymap {
        path: env.config_path.clone(),
        error,
    })?;
    let highlighter = Arc::new(env.highlighter()?);
    let cleaner = Arc::new(env.cleaner()?);
    let (store, notices) = env.open_store()?;
    let config = Arc::new(env.config.clone());

    // The first screen, from the store's indexes; every article follows in the background
    // from the same snapshot.
    let snapshot = store.snapshot().map_err(AppError::from)?;
    let startup = Startup::read(&snapshot, config.sort).map_err(AppError::from)?;
    let complete = startup.is_complete();
    let mut state = AppState::starting(
        config.clone(),
        highlighter.clone(),
        cleaner,
        keymap,
        startup,
    );
    state.welcome = (!env.config_exists).then(|| strings::welcome(&env.config_path));
    for n in notices {
        state.push_notice(n);
    }
    state.tz = *Local::now().offset();

    let mut terminal = Terminal::start()?;
    // Which graphics protocol the terminal speaks: asked in raw mode, before the first frame
    // and before the input thread reads anything (its answers must not reach the keys).
    state.images = ReaderImages::new(Pictures::detect(config.images));
    let size = terminal.inner.size()?;
    update(&mut state, Msg::Resize(size.width, size.height));
    terminal.inner.draw(|f| view(&state, f))?;
    if args.exit_after_first_frame {
        return Ok(());
    }

    let inbox = Inbox::new();
    if complete {
        drop(snapshot);
    } else {
        load_in_background(snapshot, config.sort, highlighter.clone(), inbox.clone())?;
    }
    let engine = Engine {
        env: &env,
        store,
        highlighter,
    };
    // The engine thread borrows the environment; the scope waits for it (every write
    // flushed) after the terminal is restored.
    thread::scope(|scope| {
        let commands = engine.start_in(scope, inbox.clone())?;
        let encoder = encode_in_background(&state.images.pictures, inbox.clone())?;
        let stop = Arc::new(AtomicBool::new(false));
        read_input(stop.clone(), inbox.clone())?;
        let out = Outlets {
            commands: &commands,
            encoder: encoder.as_ref(),
        };
        let result = main_loop(&mut state, &mut terminal, &inbox, &out);
        stop.store(true, Ordering::Relaxed);
        let _ = commands.send(Command::Shutdown);
        drop(terminal);
        result
    })
}

/// What the engine starts from.
struct Engine<'a> {
    env: &'a Environment,
    store: Store,
    highlighter: Arc<Highlighter>,
}

impl<'a> Engine<'a> {
    /// Starts the engine on a thread of `scope`, off the UI thread: building the HTTP client
    /// (it reads the system's certificates) and the store's id set take tens of ms that keys
    /// pressed right after the first frame must not wait for. That thread lowers its own
    /// scheduling priority first, so that every engine thread (they inherit it) yields the
    /// CPU to the UI thread when both want it. Returns where commands go; events arrive in
    /// the inbox. The thread ends after `Command::Shutdown`, once every write is flushed. If
    /// the engine cannot start, a notice says so and the reader works on without refreshing.
    fn start_in<'scope>(
        self,
        scope: &'scope thread::Scope<'scope, '_>,
        inbox: Arc<Inbox>,
    ) -> io::Result<UnboundedSender<Command>>
    where
        'a: 'scope,
    {
        let (commands, mut from_ui) = tokio::sync::mpsc::unbounded_channel::<Command>();
        thread::Builder::new()
            .name("tidings-ui-engine".into())
            .spawn_scoped(scope, move || {
                lower_priority();
                let mut engine = match self.start() {
                    Ok(engine) => engine,
                    Err(e) => {
                        inbox.push_event(Event::Notice(format!("{} {e}", strings::NO_ENGINE)));
                        while from_ui.blocking_recv().is_some() {}
                        return;
                    }
                };
                if let Some(mut events) = engine.events.take() {
                    // A plain thread turns the engine's tokio channel into the inbox's queue.
                    let inbox = inbox.clone();
                    let _ = thread::Builder::new()
                        .name("tidings-ui-events".into())
                        .spawn(move || {
                            while let Some(event) = events.blocking_recv() {
                                inbox.push_event(event);
                            }
                        });
                }
                while let Some(command) = from_ui.blocking_recv() {
                    let last = command == Command::Shutdown;
                    if engine.commands.send(command).is_err() || last {
                        break;
                    }
                }
                engine.shutdown();
            })?;
        Ok(commands)
    }

    fn start(self) -> Result<EngineHandle, AppError> {
        self.env
            .start_engine(self.store, self.highlighter, Polling::Scheduled)
    }
}

/// How much lower than the UI the engine's threads run (a nice value: 0 to 19).
const ENGINE_NICENESS: libc::c_int = 5;

/// Lowers the calling thread's scheduling priority by `ENGINE_NICENESS` (Linux: per thread,
/// and threads it starts inherit it). Best effort: nothing changes where it is refused.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread's own id; no memory is shared.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid, ENGINE_NICENESS);
    }
}

/// Reads every article from the start-up snapshot on a thread (at the engine's lower
/// priority), indexes and orders them there, and hands them to the loop as `Msg::Loaded`.
/// A failure is a notice: the first rows stay.
fn load_in_background(
    snapshot: Snapshot,
    sort: SortOrder,
    highlighter: Arc<Highlighter>,
    inbox: Arc<Inbox>,
) -> io::Result<()> {
    thread::Builder::new()
        .name("tidings-ui-load".into())
        .spawn(move || {
            lower_priority();
            match snapshot.all_articles() {
                Ok(articles) => {
                    let loaded = Loaded::build(articles, sort, &highlighter);
                    inbox.push_input(Msg::Loaded(Box::new(loaded)));
                }
                Err(e) => inbox.push_event(Event::Notice(format!("{} {e}", strings::LOAD_FAILED))),
            }
        })?;
    Ok(())
}

/// The picture encoder: a thread (at the engine's priority) that turns decoded images into
/// pictures for the terminal's protocol and hands them to the loop as `Msg::Picture`, through
/// the input queue (a picture is drawn at once, like a key's answer). None while images are
/// off. It ends when the loop drops its sender.
fn encode_in_background(
    pictures: &Pictures,
    inbox: Arc<Inbox>,
) -> io::Result<Option<mpsc::Sender<EncodeJob>>> {
    if !pictures.enabled() {
        return Ok(None);
    }
    let pictures = pictures.clone();
    let (jobs, queue) = mpsc::channel::<EncodeJob>();
    thread::Builder::new()
        .name("tidings-ui-pictures".into())
        .spawn(move || {
            lower_priority();
            while let Ok(job) = queue.recv() {
                inbox.push_input(Msg::Picture(pictures.encode(&job)));
            }
        })?;
    Ok(Some(jobs))
}

/// The input thread: keys and resizes into the inbox until `stop`.
fn read_input(stop: Arc<AtomicBool>, inbox: Arc<Inbox>) -> io::Result<()> {
    thread::Builder::new()
        .name("tidings-ui-input".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
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
                inbox.push_input(msg);
            }
        })?;
    Ok(())
}

/// The terminal in raw mode on the alternate screen (with a panic hook that restores it);
/// restored when dropped, whatever happened.
struct Terminal {
    inner: ratatui::DefaultTerminal,
}

impl Terminal {
    fn start() -> io::Result<Terminal> {
        Ok(Terminal {
            inner: ratatui::try_init()?,
        })
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = ratatui::try_restore();
        let _ = crossterm::execute!(io::stdout(), crossterm::cursor::Show);
    }
}

/// Where effects go: the engine's commands and the picture encoder's jobs.
struct Outlets<'a> {
    commands: &'a UnboundedSender<Command>,
    encoder: Option<&'a mpsc::Sender<EncodeJob>>,
}

fn main_loop(
    state: &mut AppState,
    terminal: &mut Terminal,
    inbox: &Inbox,
    out: &Outlets<'_>,
) -> Result<(), UiError> {
    let mut last_draw = Instant::now();
    // The state changed since the last frame (engine news not drawn yet).
    let mut stale = false;
    loop {
        let timeout = if stale {
            FRAME.saturating_sub(last_draw.elapsed())
        } else {
            IDLE_REDRAW.saturating_sub(last_draw.elapsed())
        };
        inbox.wait(timeout);
        state.now = Utc::now();

        // Input first: every key waiting, each answered before any engine event.
        let input = inbox.take_input();
        let keyed = !input.is_empty();
        for msg in input {
            if dispatch(state, msg, out) {
                return Ok(());
            }
        }

        // Engine news, in batches, for at most EVENT_BUDGET, and not while a key waits.
        let started = Instant::now();
        while !inbox.input_waiting() && started.elapsed() < EVENT_BUDGET {
            let events = inbox.take_events(EVENT_BATCH);
            if events.is_empty() {
                break;
            }
            dispatch(state, Msg::Events(events), out);
            stale = true;
        }

        let since = last_draw.elapsed();
        if keyed || (stale && since >= FRAME) || since >= IDLE_REDRAW {
            terminal.inner.draw(|f| view(state, f))?;
            last_draw = Instant::now();
            stale = false;
        }
    }
}

/// Applies a message and carries out its effects; returns whether to quit.
fn dispatch(state: &mut AppState, msg: Msg, out: &Outlets<'_>) -> bool {
    let mut quit = false;
    for effect in update(state, msg) {
        match effect {
            Effect::Send(c) => {
                // A closed engine is reported once by the lead; keys keep working.
                let _ = out.commands.send(c);
            }
            Effect::Encode(job) => {
                if let Some(encoder) = out.encoder {
                    let _ = encoder.send(job);
                }
            }
            Effect::OpenUrl(url) => {
                if let Err(e) = open_in_browser(&state.config, &url) {
                    state.push_notice(e);
                }
            }
            Effect::Quit => quit = true,
        }
    }
    quit
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
