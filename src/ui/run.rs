//! The terminal face: start-up for the TUI (the first screen from the store's indexes, then
//! the engine), the terminal (raw mode, alternate screen, always restored), and the run loop.
//!
//! The loop makes input win: keys wait in their own queue and are all handled before any
//! engine event; engine events are applied in small batches for at most `EVENT_BUDGET` per
//! turn, stopping as soon as a key arrives; a key's frame is drawn at once, engine news at
//! most every `FRAME`. It never waits on the network or the disk itself: the config file is
//! watched and parsed on the watcher's thread (`crate::config_watch`), the articles are read
//! again on a thread of their own after kill rules changed them.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{Local, Utc};
use crossterm::event::{
    self as term_event, DisableFocusChange, DisableMouseCapture, EnableFocusChange,
    EnableMouseCapture, Event as TermEvent, KeyEventKind, MouseEventKind,
};
use tokio::sync::mpsc::UnboundedSender;

use crate::app::{AppError, Environment};
use crate::cli::GlobalArgs;
use crate::config::{Config, PlayTarget, SortOrder};
use crate::config_watch::{self, Change, ConfigWatcher};
use crate::engine::{Command, EngineHandle, Event, Polling};
use crate::highlight::Highlighter;
use crate::notify::{self, Notification, TerminalTarget};
use crate::store::{OpenMode, Snapshot, Store};

use super::inbox::Inbox;
use super::keys::Keymap;
use super::list::FeedRanks;
use super::live;
use super::load::{Loaded, Startup};
use super::picture::{EncodeJob, Pictures};
use super::prompt::History;
use super::reader::ReaderImages;
use super::state::AppState;
use super::update::{self, update, Effect, Msg};
use super::view::view;
use super::views::{WordAnswer, WordJob};
use super::worker::{self, Worker};
use super::{strings, subscriber, UiError};

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
    // The config's `theme`, else `mono` when NO_COLOR is set, else `dark`.
    state.theme = live::theme_for(&config);
    state.welcome = (!env.config_exists).then(|| strings::welcome(&env.config_path));
    for n in notices {
        state.push_notice(n);
    }
    state.tz = *Local::now().offset();
    state.history = History::parse(&worker::load_history(&env.data_dir));

    // A `password_command` may ask for a passphrase: before the terminal is taken.
    env.prepare_sync();
    let inbox = Inbox::new();
    let worker = Worker::start(env.data_dir.clone(), inbox.clone())?;
    let mut terminal = Terminal::start(false, false)?;
    // Which graphics protocol the terminal speaks: asked in raw mode, before the first frame,
    // before mouse and focus reports are on and before the input thread reads anything (its
    // answers must not reach the keys).
    state.images = ReaderImages::new(Pictures::detect(config.images));
    terminal.set_mouse(config.mouse);
    // Focus reports tell notifications whether the user is looking (see `update::notify`).
    terminal.set_focus_reports(config.notify.is_some());
    let size = terminal.inner.size()?;
    // The saved views' word terms are asked for now; their counts follow.
    let first = update(&mut state, Msg::Resize(size.width, size.height));
    terminal.inner.draw(|f| view(&state, f))?;
    if args.exit_after_first_frame {
        return Ok(());
    }

    let watcher = watch_config(&env, inbox.clone());
    if watcher.is_none() {
        state.push_notice(strings::NOT_WATCHED);
    }
    if complete {
        drop(snapshot);
    } else {
        load_in_background(
            snapshot,
            config.sort,
            highlighter.clone(),
            state.feed_ranks(),
            inbox.clone(),
        )?;
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
        let mut face = Face {
            commands: &commands,
            worker: &worker,
            inbox: &inbox,
            config_path: &env.config_path,
            data_dir: &env.data_dir,
            watcher: watcher.as_ref(),
            encoder: encoder.as_ref(),
            search: None,
        };
        face.carry_out(&mut state, first, &mut terminal);
        face.flush_search(&mut state, &mut terminal);
        let result = main_loop(&mut state, &mut terminal, &mut face);
        terminal.stop_focus_reports();
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
                            while let Some(event) = crate::engine::next_event(&mut events) {
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
    ranks: FeedRanks,
    inbox: Arc<Inbox>,
) -> io::Result<()> {
    thread::Builder::new()
        .name("tidings-ui-load".into())
        .spawn(move || {
            lower_priority();
            match snapshot.all_articles() {
                Ok(articles) => {
                    let loaded = Loaded::build(articles, sort, &highlighter, &ranks);
                    inbox.push_input(Msg::Loaded(Box::new(loaded)));
                }
                Err(e) => inbox.push_event(Event::Notice(format!("{} {e}", strings::LOAD_FAILED))),
            }
        })?;
    Ok(())
}

/// Watches the config file (whether it exists yet or not): each change becomes a
/// `Msg::Config` (everything built, on the watcher's thread) or a `Msg::ConfigError`.
/// `None` when the thread cannot start.
fn watch_config(env: &Environment, inbox: Arc<Inbox>) -> Option<ConfigWatcher> {
    let path = env.config.path.clone().unwrap_or(env.config_path.clone());
    let deliver = move |change: Change| inbox.push_input(Msg::from_config_change(change));
    ConfigWatcher::spawn(path, env.config.clone(), config_watch::INTERVAL, deliver).ok()
}

/// Reads every article again from the store on a thread (at the engine's lower priority),
/// from a read-only connection of its own, and hands them over as `Msg::Reloaded`.
fn read_articles(
    data_dir: PathBuf,
    sort: SortOrder,
    highlighter: Arc<Highlighter>,
    ranks: FeedRanks,
    inbox: Arc<Inbox>,
) {
    let reply = inbox.clone();
    let spawned = thread::Builder::new()
        .name("tidings-ui-reload".into())
        .spawn(move || {
            lower_priority();
            let read = Store::open(&data_dir, OpenMode::ReadOnly)
                .and_then(|opened| opened.store.snapshot())
                .and_then(Snapshot::all_articles);
            let msg = match read {
                Ok(articles) => Ok(Box::new(Loaded::build(
                    articles,
                    sort,
                    &highlighter,
                    &ranks,
                ))),
                Err(e) => Err(format!("{} {e}", strings::RELOAD_FAILED)),
            };
            inbox.push_input(Msg::Reloaded(msg));
        });
    if let Err(e) = spawned {
        reply.push_input(Msg::Reloaded(Err(format!(
            "{} {e}",
            strings::RELOAD_FAILED
        ))));
    }
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

/// The input thread: keys, mouse and resizes into the inbox until `stop`.
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
                    // Clicks and the wheel; moves and drags are not used (and many).
                    Ok(TermEvent::Mouse(m))
                        if matches!(
                            m.kind,
                            MouseEventKind::Down(_)
                                | MouseEventKind::ScrollDown
                                | MouseEventKind::ScrollUp
                        ) =>
                    {
                        Msg::Mouse {
                            event: m,
                            at: Instant::now(),
                        }
                    }
                    Ok(TermEvent::FocusGained) => Msg::Focus(true),
                    Ok(TermEvent::FocusLost) => Msg::Focus(false),
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
    /// Mouse capture is on (and must be turned off before the shell gets the terminal).
    mouse: bool,
    /// Focus reporting is on (and must be turned off before the shell gets the terminal).
    focus_reports: bool,
}

impl Terminal {
    /// `focus_reports`: ask the terminal to report focus changes (`Msg::Focus`).
    fn start(mouse: bool, focus_reports: bool) -> io::Result<Terminal> {
        let mut terminal = Terminal {
            inner: ratatui::try_init()?,
            mouse: false,
            focus_reports: false,
        };
        terminal.set_mouse(mouse);
        terminal.set_focus_reports(focus_reports);
        Ok(terminal)
    }

    /// Turns mouse capture on or off (best effort: a terminal without it ignores it).
    fn set_mouse(&mut self, on: bool) {
        if on == self.mouse {
            return;
        }
        let done = if on {
            crossterm::execute!(io::stdout(), EnableMouseCapture)
        } else {
            crossterm::execute!(io::stdout(), DisableMouseCapture)
        };
        if done.is_ok() {
            self.mouse = on;
        }
    }

    /// Turns focus reports on or off (`notify` set or not).
    fn set_focus_reports(&mut self, on: bool) {
        if on == self.focus_reports {
            return;
        }
        if !on {
            self.stop_focus_reports();
        } else if crossterm::execute!(io::stdout(), EnableFocusChange).is_ok() {
            self.focus_reports = true;
        }
    }

    fn stop_focus_reports(&mut self) {
        if std::mem::take(&mut self.focus_reports) {
            let _ = crossterm::execute!(io::stdout(), DisableFocusChange);
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.set_mouse(false);
        self.stop_focus_reports();
        let _ = ratatui::try_restore();
        let _ = crossterm::execute!(io::stdout(), crossterm::cursor::Show);
    }
}

/// Keys, engine events and frames until the user quits.
fn main_loop(
    state: &mut AppState,
    terminal: &mut Terminal,
    face: &mut Face<'_>,
) -> Result<(), UiError> {
    let inbox = face.inbox;
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
            if face.dispatch(state, msg, terminal) {
                return Ok(());
            }
        }
        // The newest search of the keys just taken (the ones typed before it are skipped).
        face.flush_search(state, terminal);

        // Engine news, in batches, for at most EVENT_BUDGET, and not while a key waits.
        let started = Instant::now();
        while !inbox.input_waiting() && started.elapsed() < EVENT_BUDGET {
            let events = inbox.take_events(EVENT_BATCH);
            if events.is_empty() {
                break;
            }
            face.dispatch(state, Msg::Events(events), terminal);
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

/// Where the loop's effects go: the engine, the store reader, the inbox (for answers the
/// loop gives itself), the config file for `a`.
struct Face<'a> {
    commands: &'a UnboundedSender<Command>,
    worker: &'a Worker,
    inbox: &'a Arc<Inbox>,
    config_path: &'a std::path::Path,
    /// For reading the articles again.
    data_dir: &'a Path,
    watcher: Option<&'a ConfigWatcher>,
    /// The picture encoder's jobs (none while images are off).
    encoder: Option<&'a mpsc::Sender<EncodeJob>>,
    /// The newest search of the keys being handled, started once they all are.
    search: Option<WordJob>,
}

impl Face<'_> {
    /// Applies a message and carries out its effects; returns whether to quit.
    fn dispatch(&mut self, state: &mut AppState, msg: Msg, terminal: &mut Terminal) -> bool {
        let effects = update(state, msg);
        self.carry_out(state, effects, terminal)
    }

    fn carry_out(
        &mut self,
        state: &mut AppState,
        effects: Vec<Effect>,
        terminal: &mut Terminal,
    ) -> bool {
        let mut quit = false;
        for effect in effects {
            match effect {
                Effect::Send(c) => {
                    // A closed engine is reported once by the lead; keys keep working.
                    let _ = self.commands.send(c);
                }
                Effect::Encode(job) => {
                    if let Some(encoder) = self.encoder {
                        let _ = encoder.send(job);
                    }
                }
                Effect::ReadArticles => read_articles(
                    self.data_dir.to_path_buf(),
                    state.sort,
                    state.highlighter.clone(),
                    state.feed_ranks(),
                    self.inbox.clone(),
                ),
                Effect::SetMouse(on) => terminal.set_mouse(on),
                Effect::SetFocusReports(on) => terminal.set_focus_reports(on),
                Effect::CheckConfig => {
                    if let Some(watcher) = self.watcher {
                        watcher.check_now();
                    }
                }
                // `a` wrote a feed into the config file: the watcher reads it at once, and
                // the engine polls the new feed when it gets the new config.
                Effect::ConfigChanged => match self.watcher {
                    Some(watcher) => watcher.check_now(),
                    None => config_changed(state),
                },
                Effect::OpenUrl(url) => {
                    if let Err(e) = open_in_browser(&state.config, &url) {
                        state.push_notice(e);
                    }
                }
                Effect::Notify(notification) => {
                    if let Err(e) = send_notification(&state.config, &notification, terminal) {
                        state.push_notice(e);
                    }
                }
                Effect::Play { url, file } => {
                    if let Err(e) = play(&state.config, &url, file.as_deref()) {
                        state.push_notice(e);
                    }
                }
                Effect::Words(job @ WordJob::Search { .. }) => self.search = Some(job),
                Effect::Words(job) => self.worker.words(job),
                Effect::SaveHistory(text) => self.worker.save_history(text),
                Effect::Subscribe(job) => subscriber::start(
                    job,
                    state.config.clone(),
                    self.config_path.to_path_buf(),
                    self.inbox.clone(),
                ),
                Effect::Quit => quit = true,
            }
        }
        quit
    }

    /// Starts the pending search: at once when it needs no look-up (its answer is applied
    /// before the next frame), else on the store reader.
    fn flush_search(&mut self, state: &mut AppState, terminal: &mut Terminal) {
        while let Some(job) = self.search.take() {
            match job {
                WordJob::Search { seq, terms } if terms.is_empty() => {
                    let answer = WordAnswer::Search {
                        seq,
                        hits: Vec::new(),
                    };
                    self.dispatch(state, Msg::Words(answer), terminal);
                }
                job => self.worker.words(job),
            }
        }
    }
}

/// The reader added a feed to the config file (`a`) while nothing watches the file: the
/// engine keeps the feeds it has, the new one is polled from the next start, and the notice
/// says so.
fn config_changed(state: &mut AppState) {
    let added = state.notice.take().unwrap_or_default();
    state.push_notice(format!("{added}; {}", strings::POLLED_NEXT_START));
}

/// Sends a notification the way the config says: the terminal's escape sequence (written
/// between frames; it draws nothing) and/or `notify_command` (no shell, not waited for).
fn send_notification(
    config: &Config,
    notification: &Notification,
    terminal: &mut Terminal,
) -> Result<(), String> {
    let Some(settings) = &config.notify else {
        return Ok(());
    };
    if settings.terminal {
        let target = TerminalTarget::from_env();
        notify::write_terminal(notification, target, terminal.inner.backend_mut())
            .map_err(|e| format!("could not send the terminal notification: {e}"))?;
    }
    if let Some(command) = &settings.command {
        let child = notify::spawn_command(notification, command).map_err(|e| e.to_string())?;
        reap(child);
    }
    Ok(())
}

/// Waits for a child on a thread of its own, so that it never lingers as a zombie.
fn reap(mut child: std::process::Child) {
    let _ = thread::Builder::new()
        .name("tidings-reap".into())
        .spawn(move || {
            let _ = child.wait();
        });
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
    launch(&program, &args, strings::BROWSER_FAILED)
}

/// Launches the `player` on an enclosure: its file when there is one that still exists (a
/// download the user did not delete, a local feed's file), else its http(s) url. No shell,
/// output discarded, not waited for.
fn play(config: &Config, url: &str, file: Option<&std::path::Path>) -> Result<(), String> {
    let target = match file.filter(|f| f.is_file()) {
        Some(f) => PlayTarget::File(f),
        None if update::is_web_url(url) => PlayTarget::Url(url),
        None => return Err(strings::CANNOT_PLAY.to_string()),
    };
    let Some((program, args)) = config.player_command(&target) else {
        return Err(strings::NO_PLAYER.to_string());
    };
    launch(&program, &args, strings::PLAYER_FAILED)
}

/// Starts a program detached from the terminal (a thread reaps it).
fn launch(program: &str, args: &[String], failed: &str) -> Result<(), String> {
    let child = std::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{failed} `{program}`: {e}"))?;
    reap(child);
    Ok(())
}
