//! The real binary in a pseudo-terminal (portable-pty), its screen decoded with vt100.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

pub const ROWS: u16 = 40;
pub const COLS: u16 = 120;
/// How long a wait for the screen may take before the test fails: long, as a loaded
/// machine can be slow, and only ever waited out when something is wrong.
pub const WAIT: Duration = Duration::from_secs(30);
/// The same for the exit, longer: tidings commits every pending write before it exits, and
/// after a big refresh on a loaded machine that alone can take many seconds.
pub const EXIT_WAIT: Duration = Duration::from_secs(60);

pub struct Session {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    parser: vt100::Parser,
    // Keeps the pty open while the session lives.
    _master: Box<dyn MasterPty + Send>,
}

impl Session {
    /// Starts tidings with `args`, a private HOME / XDG dirs under `home`, and no TIDINGS_* env.
    pub fn start(args: &[&str], home: &Path) -> Session {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tidings"));
        cmd.args(args);
        cmd.cwd(home);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("XDG_CACHE_HOME", home.join("cache"));
        cmd.env("TIDINGS_DATA_DIR", home.join("tidings-data"));
        cmd.env("BROWSER", "true");
        cmd.env_remove("TIDINGS_CONFIG");
        let child = pair.slave.spawn_command(cmd).expect("spawn tidings");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let (tx, output) = mpsc::channel();
        // The pty must be drained continuously or the child blocks on a full buffer.
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let rows = NonZeroU16::new(ROWS).unwrap();
        let cols = NonZeroU16::new(COLS).unwrap();
        Session {
            child,
            writer,
            output,
            parser: vt100::Parser::new(rows, cols, 0),
            _master: pair.master,
        }
    }

    fn pump(&mut self) {
        while let Ok(bytes) = self.output.try_recv() {
            self.parser.process(&bytes);
        }
    }

    pub fn screen(&mut self) -> String {
        self.pump();
        self.parser.screen().contents()
    }

    /// Polls the screen until it contains every needle, or fails with the screen shown.
    pub fn wait_for(&mut self, needles: &[&str]) -> String {
        self.wait_until(&format!("{needles:?}"), |screen| {
            needles.iter().all(|n| screen.contains(n))
        })
    }

    /// Polls the screen until `ready` holds, or fails with the screen shown.
    pub fn wait_until(&mut self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if start.elapsed() > WAIT {
                let _ = self.child.kill();
                panic!("screen never showed {what}; it shows:\n{screen}");
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("tidings exited early ({status:?}); screen:\n{screen}");
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls the screen (every few ms) until `ready` holds; returns how long that took, or
    /// `None` when it did not within `limit`.
    pub fn time_until(
        &mut self,
        limit: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> Option<Duration> {
        let start = Instant::now();
        loop {
            if ready(&self.screen()) {
                return Some(start.elapsed());
            }
            if start.elapsed() > limit {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn press(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Waits for the process to exit and returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            self.pump();
            match self.child.try_wait().expect("wait for tidings") {
                Some(status) => return status.exit_code(),
                None if start.elapsed() > EXIT_WAIT => {
                    let _ = self.child.kill();
                    panic!("tidings did not exit after q; screen:\n{}", self.screen());
                }
                None => thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}
