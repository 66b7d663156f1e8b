//! Notifications of new articles that match `notify`: the engine sends one batch per run (and
//! none when nothing new matches), and `tidings refresh --notify` against a loopback server
//! runs `notify_command` once per run with its placeholders filled, writes the terminal's
//! escape sequence only when stderr is a terminal, and refuses `--notify` without `notify`.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use support::{Response, TestServer};
use tidings::config::Config;
use tidings::engine::{self, Command as EngineCommand, EngineSetup, Event, Polling};
use tidings::engine::{RefreshMode, RefreshRequest};
use tidings::fetch::{Fetcher, Limits};
use tidings::highlight::Highlighter;
use tidings::store::{OpenMode, Store, Writer};

fn rss(title: &str, items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title)| {
            format!("<item><guid>{guid}</guid><title>{title}</title><description>About {title}.</description></item>")
        })
        .collect();
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>{items}</channel></rss>")
}

/// Feed A: three articles about Rust and one not; feed B: one about Rust, one not.
async fn server() -> TestServer {
    TestServer::start(|req| match req.path() {
        "/a.xml" => Response::ok(rss(
            "Alpha",
            &[
                ("a1", "Rust 2.0 released"),
                ("a2", "Gardening tips"),
                ("a3", "Rust in the kernel"),
                ("a4", "Why Rust; and why now"),
            ],
        )),
        "/b.xml" => Response::ok(rss("Beta", &[("b1", "Weather"), ("b2", "-rf Rust tricks")])),
        _ => Response::new(404),
    })
    .await
}

const RULES: &str = "[[highlight]]\nname = \"rust\"\nkeywords = [\"Rust\"]\n";

struct Sandbox {
    dir: tempfile::TempDir,
    config: PathBuf,
}

/// A `notify_command` that appends its arguments, bracketed, then an end mark, to `{LOG}`.
const LOGGING_COMMAND: &str = r#"notify_command = ["sh", "-c", "printf '[%s]' \"$@\" >> '{LOG}'; echo END >> '{LOG}'", "sh", "{count}", "{title}", "{titles}", "{feed}"]"#;

impl Sandbox {
    /// Feeds A and B of `server`, the rule, and `extra` config lines (`{LOG}` in them is
    /// [`Sandbox::log`]).
    fn new(server: &TestServer, extra: &str) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        let log = dir.path().join("notified.log");
        let extra = extra.replace("{LOG}", &log.display().to_string());
        // The timeout is generous: the loopback server answers at once, a loaded machine
        // may not.
        let text = format!(
            "timeout = \"30s\"\n{extra}\n[[feeds]]\nurl = \"{}\"\n[[feeds]]\nurl = \"{}\"\ntitle = \"Beta Blog\"\n{RULES}",
            server.url("/a.xml"),
            server.url("/b.xml"),
        );
        std::fs::write(&config, text).unwrap();
        Sandbox { dir, config }
    }

    /// Where the test's notify_command writes.
    fn log(&self) -> PathBuf {
        self.dir.path().join("notified.log")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tidings"));
        command
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(self.dir.path().join("data"))
            .args(args)
            .env_remove("TIDINGS_CONFIG")
            .env_remove("TIDINGS_DATA_DIR")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run tidings")
    }

    fn notified(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn refresh_notify_runs_the_command_once_per_run_with_the_placeholders() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(server());
    let sandbox = Sandbox::new(&server, &format!("notify = \"hl\"\n{LOGGING_COMMAND}"));

    let output = sandbox.run(&["refresh", "--notify"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // stderr is not a terminal here: no escape sequence, and nothing else on stderr.
    assert!(
        !text(&output.stderr).contains('\x1b'),
        "{:?}",
        text(&output.stderr)
    );
    let log = sandbox.notified();
    assert_eq!(
        log.matches("END").count(),
        1,
        "one notification for the run: {log}"
    );
    let fields: Vec<&str> = log
        .trim_end()
        .trim_end_matches("END")
        .trim_end()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split("][")
        .collect();
    assert_eq!(fields.len(), 4, "{log}");
    assert_eq!(fields[0], "4", "{{count}}: {log}");
    let matching = [
        "Rust 2.0 released",
        "Rust in the kernel",
        "Why Rust; and why now",
        "-rf Rust tricks",
    ];
    // A title a feed starts with `-` gets a leading space (it is the whole argument here).
    assert!(
        matching.contains(&fields[1].trim_start()),
        "{{title}}: {log}"
    );
    let mut titles: Vec<&str> = fields[2].lines().map(str::trim_start).collect();
    titles.sort();
    let mut expected = matching.to_vec();
    expected.sort();
    assert_eq!(titles, expected, "{{titles}}: {log}");
    let mut feeds: Vec<&str> = fields[3].split(", ").collect();
    feeds.sort();
    assert_eq!(feeds, ["Alpha", "Beta Blog"], "{{feed}}: {log}");

    // Nothing new on the next run: no notification.
    let again = sandbox.run(&["refresh", "--notify"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(sandbox.notified().matches("END").count(), 1);
}

#[test]
fn refresh_without_notify_flag_or_without_matches_runs_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(server());
    let plain = Sandbox::new(&server, &format!("notify = \"hl\"\n{LOGGING_COMMAND}"));
    // Without --notify, the refresh does not notify (the reader does, while it runs).
    let output = plain.run(&["refresh"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(!plain.log().exists());

    // A query nothing matches: no notification even with --notify.
    let none = Sandbox::new(
        &server,
        &format!("notify = \"hl:sports\"\n{LOGGING_COMMAND}"),
    );
    let output = none.run(&["refresh", "--notify"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(!none.log().exists(), "{}", none.notified());
}

#[test]
fn refresh_notify_needs_notify_in_the_config() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(server());
    let sandbox = Sandbox::new(&server, "");
    let output = sandbox.run(&["refresh", "--notify"]);
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    assert!(err.contains("--notify needs notify in"), "{err}");
    assert_eq!(server.request_count(), 0, "nothing polled");
}

#[test]
fn refresh_notify_reports_a_failing_command_and_still_succeeds() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(server());
    let missing = Sandbox::new(
        &server,
        "notify = \"hl\"\nnotify_command = [\"/nonexistent/notifier\", \"{count}\"]",
    );
    let output = missing.run(&["refresh", "--notify"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let err = text(&output.stderr);
    assert!(
        err.contains("could not run notify_command `/nonexistent/notifier`"),
        "{err}"
    );
}

#[test]
fn refresh_notify_on_a_terminal_writes_one_sanitized_escape_sequence() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(TestServer::start(|req| match req.path() {
        "/a.xml" => Response::ok(rss(
            "Alpha",
            &[
                ("h1", "Rust \u{7}bell and \u{1b}]0;pwned\u{7} title"),
                ("h2", "More Rust"),
            ],
        )),
        _ => Response::ok(rss("Beta", &[])),
    }));
    let sandbox = Sandbox::new(&server, "notify = \"hl\"");
    let out = on_terminal(&sandbox, &["refresh", "--notify"]);
    let starts: Vec<usize> = out.match_indices("\x1b]777;").map(|(i, _)| i).collect();
    assert_eq!(starts.len(), 1, "{out:?}");
    let sequence = &out[starts[0]..];
    let end = sequence.find('\x07').expect("ends with BEL");
    let sequence = &sequence[..=end];
    assert!(
        sequence.starts_with("\x1b]777;notify;tidings: 2 new articles;"),
        "{sequence:?}"
    );
    let body = &sequence[sequence.rfind(';').unwrap()..];
    assert!(body.contains("More Rust"), "{sequence:?}");
    // The feed's BEL and its own OSC did not survive: the sequence ends where it should.
    assert!(
        sequence.contains("bell and") && sequence.contains("title"),
        "{sequence:?}"
    );
    assert!(!out.contains("pwned\x07"), "{out:?}");
}

/// Runs tidings with stdout and stderr on a pseudo-terminal (TERM=xterm-256color, no hints of
/// another terminal); returns what it wrote.
fn on_terminal(sandbox: &Sandbox, args: &[&str]) -> String {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tidings"));
    cmd.arg("--config");
    cmd.arg(&sandbox.config);
    cmd.arg("--data-dir");
    cmd.arg(sandbox.dir.path().join("data"));
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    for var in [
        "TERM_PROGRAM",
        "LC_TERMINAL",
        "KITTY_WINDOW_ID",
        "TMUX",
        "TIDINGS_CONFIG",
        "TIDINGS_DATA_DIR",
    ] {
        cmd.env_remove(var);
    }
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let reading = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    });
    let status = child.wait().unwrap();
    drop(pair.master);
    let out = text(&reading.join().unwrap());
    assert!(status.success(), "{out}");
    out
}

/// The engine itself, on local feed files: many matching articles in one run make one
/// `Event::Notify`, sent right before `RunFinished`; a run with nothing new sends none.
#[test]
fn engine_sends_one_batch_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("g{i}"),
                format!("Item {i} {}", if i % 4 == 0 { "Rust" } else { "other" }),
            )
        })
        .collect();
    let items: Vec<(&str, &str)> = items
        .iter()
        .map(|(g, t)| (g.as_str(), t.as_str()))
        .collect();
    std::fs::write(dir.path().join("one.xml"), rss("One", &items[..20])).unwrap();
    std::fs::write(dir.path().join("two.xml"), rss("Two", &items[20..])).unwrap();
    let config_text = format!(
        "notify = \"hl:rust\"\n[[feeds]]\nurl = \"one.xml\"\n[[feeds]]\nurl = \"two.xml\"\n{RULES}"
    );
    let events = |dir: &Path| run_engine(dir, &config_text);
    let first = events(dir.path());
    let batches: Vec<&Vec<tidings::engine::NotifyArticle>> = first
        .iter()
        .filter_map(|e| match e {
            Event::Notify(batch) => Some(batch),
            _ => None,
        })
        .collect();
    assert_eq!(batches.len(), 1, "{first:?}");
    assert_eq!(batches[0].len(), 10);
    assert!(batches[0].iter().all(|a| a.title.contains("Rust")));
    let n = first.len();
    assert!(
        matches!(first[n - 2], Event::Notify(_)),
        "{:?}",
        &first[n - 2..]
    );
    assert!(matches!(first[n - 1], Event::RunFinished(_)));

    // Same files, same store: nothing new, nothing to notify.
    let second = events(dir.path());
    assert!(matches!(second.last(), Some(Event::RunFinished(_))));
    assert!(!second.iter().any(|e| matches!(e, Event::Notify(_))));
}

/// One forced refresh by an engine on the store in `dir`; every event until `RunFinished`.
fn run_engine(dir: &Path, config_text: &str) -> Vec<Event> {
    let config = Config::parse(config_text, &dir.join("config.toml")).unwrap();
    let store = Store::open(&dir.join("data"), OpenMode::ReadWrite)
        .unwrap()
        .store;
    let writer = Writer::spawn(&store).unwrap();
    let runtime = engine::runtime().unwrap();
    let fetcher = {
        let _guard = runtime.enter();
        Fetcher::new(Limits::from_config(&config)).unwrap()
    };
    let mut handle = engine::start(
        EngineSetup {
            highlighter: Arc::new(Highlighter::new(&config.highlight).unwrap()),
            config: Arc::new(config),
            writer,
            reader: store,
            fetcher,
            polling: Polling::OnRequest,
        },
        runtime,
    );
    let mut events = handle.events.take().unwrap();
    handle
        .commands
        .send(EngineCommand::Refresh(RefreshRequest::all(
            RefreshMode::Force,
        )))
        .unwrap();
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        match events.try_recv() {
            Ok(event) => {
                let done = matches!(event, Event::RunFinished(_));
                seen.push(event);
                if done {
                    break;
                }
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    handle.shutdown();
    seen
}
