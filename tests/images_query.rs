//! Detecting the terminal's graphics protocol, end to end in a pseudo-terminal that plays
//! the terminal: one that answers the start-up query with sixel support and its cell size gets
//! the demo's chart as a sixel picture; one that never answers gets its first screen anyway,
//! after the short deadline, with every key working and `[image: ...]` lines only.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, PtySize};

const ROWS: u16 = 40;
const COLS: u16 = 120;
/// How long a wait may take before the test fails: long, as a loaded machine can be slow,
/// and only ever waited out when something is wrong.
const WAIT: Duration = Duration::from_secs(30);

/// The query ends with this status request.
const STATUS_REQUEST: &[u8] = b"\x1b[5n";

struct Term {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Term {
    /// tidings on a copy of the demo in `dir`, as seen by a terminal whose `TERM` is `term`.
    /// `answer`, when given, is what the terminal says to the start-up query: it is typed
    /// before tidings starts (see below).
    fn start(dir: &Path, term: &str, answer: Option<&[u8]>) -> Term {
        let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
        for entry in std::fs::read_dir(assets).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tidings"));
        cmd.args([
            "--config",
            dir.join("config.toml").to_str().unwrap(),
            "--data-dir",
            dir.join("data").to_str().unwrap(),
        ]);
        cmd.cwd(dir);
        cmd.env("TERM", term);
        cmd.env("HOME", dir);
        for name in [
            "TIDINGS_CONFIG",
            "TIDINGS_DATA_DIR",
            "TERM_PROGRAM",
            "LC_TERMINAL",
            "KITTY_WINDOW_ID",
            "WEZTERM_EXECUTABLE",
            "KONSOLE_VERSION",
            "ITERM_SESSION_ID",
            "TMUX",
        ] {
            cmd.env_remove(name);
        }
        let mut writer = pair.master.take_writer().unwrap();
        if let Some(answer) = answer {
            // tidings waits only 250 ms for the answer after writing its query. A test that
            // answered once it saw the query could miss that on a loaded machine (the
            // answer, read late, would then reach the keys), so the answer waits in the
            // terminal's input before tidings starts, where its query's read finds it at
            // once: tidings reads nothing from the terminal before the query. Without line
            // editing and echo (raw mode, as tidings sets it anyway) so that it is neither
            // held back for a newline nor echoed to the screen.
            let fd = pair.master.as_raw_fd().expect("the pty's descriptor");
            // SAFETY: `termios` is plain data that tcgetattr fills; `fd` is the open pty.
            unsafe {
                let mut termios: libc::termios = std::mem::zeroed();
                assert_eq!(libc::tcgetattr(fd, &mut termios), 0);
                termios.c_lflag &= !(libc::ICANON | libc::ECHO);
                assert_eq!(libc::tcsetattr(fd, libc::TCSANOW, &termios), 0);
            }
            writer.write_all(answer).unwrap();
            writer.flush().unwrap();
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Term {
            child,
            writer,
            output,
            _master: pair.master,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    fn screen(&self) -> String {
        let rows = std::num::NonZeroU16::new(ROWS).unwrap();
        let cols = std::num::NonZeroU16::new(COLS).unwrap();
        let mut parser = vt100::Parser::new(rows, cols, 0);
        parser.process(&self.bytes());
        parser.screen().contents()
    }

    fn wait(&mut self, what: &str, ready: impl Fn(&Term) -> bool) {
        let start = Instant::now();
        while !ready(self) {
            if start.elapsed() > WAIT {
                let _ = self.child.kill();
                panic!("never saw {what}; screen:\n{}", self.screen());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_text(&mut self, text: &str) {
        self.wait(text, |t| t.screen().contains(text));
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn quit(&mut self) {
        self.send(b"q");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert_eq!(status.exit_code(), 0);
                return;
            }
            assert!(start.elapsed() < WAIT, "tidings did not quit");
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Opens the Kp index article (second of Orbital Notes, the fourth feed).
    fn open_kp_article(&mut self) {
        self.wait_text("How to read an aurora forecast");
        // To the feeds pane with `h` (Esc's twin): an Esc read together with the `j`s that
        // follow, as happens when tidings is slow to read, would be one Alt key.
        self.send(b"h");
        // Down to Orbital Notes' first row (under a tag group), counted on the screen.
        let rows = |screen: &str| {
            let row = |name: &str| {
                screen.lines().position(|l| {
                    l.starts_with('│') && l.split("││").next().unwrap().contains(name)
                })
            };
            Some(row("Orbital Notes")? - row("All articles")?)
        };
        self.wait("Orbital Notes' row", |t| rows(&t.screen()).is_some());
        let down = rows(&self.screen()).unwrap();
        self.send("j".repeat(down).as_bytes());
        self.send(b"\r");
        self.wait("Orbital Notes' list", |t| {
            t.screen().contains("Articles · Orbital Notes")
        });
        self.send(b"j\r");
        self.wait_text("[image: Bar chart of the Kp index");
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a_terminal_that_answers_sixel_gets_sixel_pictures() {
    let dir = tempfile::tempdir().unwrap();
    // Sixel (attribute 4), cells of 10x20 pixels, then the status.
    let answer = b"\x1b[?62;4;22c\x1b[6;20;10t\x1b[0n";
    let mut t = Term::start(dir.path(), "foot", Some(answer));
    t.wait("the start-up query", |t| {
        find(&t.bytes(), STATUS_REQUEST).is_some()
    });
    let query = t.bytes();
    assert!(
        find(&query, b"\x1b[c").is_some(),
        "asks for device attributes"
    );
    assert!(
        find(&query, b"\x1b[16t").is_some(),
        "asks for the cell size"
    );
    t.open_kp_article();
    // The picture follows as a sixel sequence: DCS, parameters, `q`.
    t.wait("a sixel picture", |t| {
        let bytes = t.bytes();
        let mut from = 0;
        while let Some(i) = find(&bytes[from..], b"\x1bP") {
            let start = from + i;
            if bytes[start..].iter().take(16).any(|&b| b == b'q') {
                return true;
            }
            from = start + 2;
        }
        false
    });
    assert!(!t.screen().contains("image unavailable"), "{}", t.screen());
    t.quit();
}

#[test]
fn a_terminal_that_never_answers_still_gets_its_screen_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Term::start(dir.path(), "foot", None);
    t.wait("the start-up query", |t| {
        find(&t.bytes(), STATUS_REQUEST).is_some()
    });
    // No answer at all: the first screen comes after the deadline. Timed from the query, not
    // from the start: the start-up work before it can be slow on a loaded machine.
    let asked = Instant::now();
    t.wait_text("Orbital Notes");
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "the unanswered query held the first screen back"
    );
    t.open_kp_article();
    t.send(b"?");
    t.wait_text("next unread");
    t.send(b"x");
    let screen = t.screen();
    assert!(!screen.contains("loading image"), "no pictures: {screen}");
    t.quit();
}
