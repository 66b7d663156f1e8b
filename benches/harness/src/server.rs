//! A small HTTP/1.1 server for the corpus on 127.0.0.1: keep-alive with Content-Length, ETag
//! and Last-Modified, 304 on a matching validator. Runs on its own thread and single-threaded
//! tokio runtime; serves pre-rendered bytes (no work per request), except that once told to
//! grow ([`Server::grow`]) every feed gains one item per interval: a feed is then rendered
//! again once per new item, and its validators change with it. The harness runs it in a child
//! process of its own (`ServerProcess`) so that the corpus never inflates the harness's
//! memory: Linux carries a parent's peak RSS into the `ru_maxrss` of every child it spawns.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::DateTime;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::corpus::FeedDoc;

/// Request counters, to check that a warm refresh really was all 304s.
#[derive(Default)]
pub struct Stats {
    pub ok: AtomicU64,
    pub not_modified: AtomicU64,
    pub not_found: AtomicU64,
    pub bytes: AtomicU64,
    pub connections: AtomicU64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub ok: u64,
    pub not_modified: u64,
    pub not_found: u64,
    pub bytes: u64,
    pub connections: u64,
}

impl Stats {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            ok: self.ok.load(Ordering::Relaxed),
            not_modified: self.not_modified.load(Ordering::Relaxed),
            not_found: self.not_found.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
        }
    }
}

impl std::ops::Sub for Snapshot {
    type Output = Snapshot;
    fn sub(self, o: Snapshot) -> Snapshot {
        Snapshot {
            ok: self.ok - o.ok,
            not_modified: self.not_modified - o.not_modified,
            not_found: self.not_found - o.not_found,
            bytes: self.bytes - o.bytes,
            connections: self.connections - o.connections,
        }
    }
}

/// How the feeds grow once told to: from `since`, every feed of `items` items gains one item
/// per `every` ([`corpus::added_item`](super::corpus::added_item)), so that what a feed holds
/// depends only on the seed and the time elapsed.
#[derive(Clone, Copy, Debug)]
pub struct Growth {
    pub seed: u64,
    pub items: usize,
    pub every: Duration,
    pub since: Instant,
    /// Stop at this many added items (`freeze`): the feeds stay as they are from then on.
    pub frozen: Option<u64>,
}

impl Growth {
    /// Items each feed has gained by `now`.
    pub fn added(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.since);
        let steps = (elapsed.as_millis() / self.every.as_millis().max(1)) as u64;
        self.frozen.map_or(steps, |f| f.min(steps))
    }
}

/// The documents served: the generated corpus and, once growing, each feed as last rendered.
struct Docs {
    fixed: HashMap<String, FeedDoc>,
    growth: Mutex<Option<Growth>>,
    /// Path -> (items added, the feed rendered with them).
    grown: Mutex<HashMap<String, (u64, Arc<FeedDoc>)>>,
}

/// One document to answer with.
enum Served<'a> {
    Fixed(&'a FeedDoc),
    Grown(Arc<FeedDoc>),
}

impl std::ops::Deref for Served<'_> {
    type Target = FeedDoc;
    fn deref(&self) -> &FeedDoc {
        match self {
            Served::Fixed(d) => d,
            Served::Grown(d) => d,
        }
    }
}

impl Docs {
    /// The document at `path` as it is now.
    fn get(&self, path: &str) -> Option<Served<'_>> {
        let fixed = self.fixed.get(path)?;
        let growth = *self.growth.lock().unwrap_or_else(|e| e.into_inner());
        let Some(growth) = growth else {
            return Some(Served::Fixed(fixed));
        };
        let added = growth.added(Instant::now());
        let feed = super::corpus::feed_index(path);
        let (Some(feed), 1..) = (feed, added) else {
            return Some(Served::Fixed(fixed));
        };
        let mut grown = self.grown.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((n, doc)) = grown.get(path) {
            if *n == added {
                return Some(Served::Grown(doc.clone()));
            }
        }
        let doc = Arc::new(super::corpus::grown_feed_doc(
            growth.seed,
            feed,
            growth.items,
            added,
        ));
        grown.insert(path.to_string(), (added, doc.clone()));
        Some(Served::Grown(doc))
    }
}

/// A running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    docs: Arc<Docs>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds 127.0.0.1 on a free port and serves `docs` by path.
    pub fn start(docs: Vec<FeedDoc>) -> std::io::Result<Server> {
        let docs = Arc::new(Docs {
            fixed: docs.into_iter().map(|d| (d.path.clone(), d)).collect(),
            growth: Mutex::new(None),
            grown: Mutex::new(HashMap::new()),
        });
        let served = docs.clone();
        let stats = Arc::new(Stats::default());
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("bench-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match TcpListener::from_std(std_listener) {
                        Ok(l) => l,
                        Err(e) => {
                            eprintln!("tidings-bench: server could not start: {e}");
                            return;
                        }
                    };
                    let mut stop_rx = stop_rx;
                    loop {
                        tokio::select! {
                            _ = &mut stop_rx => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                thread_stats.connections.fetch_add(1, Ordering::Relaxed);
                                let (docs, stats) = (served.clone(), thread_stats.clone());
                                tokio::spawn(async move {
                                    let _ = serve_connection(stream, &docs, &stats).await;
                                });
                            }
                        }
                    }
                });
            })?;
        Ok(Server {
            addr,
            stats,
            docs,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Server {
    /// From now on every feed grows as `growth` says (the corpus must be `growth.items` per
    /// feed, of `growth.seed`).
    pub fn grow(&self, growth: Growth) {
        *self.docs.growth.lock().unwrap_or_else(|e| e.into_inner()) = Some(growth);
    }

    /// Stops the growth where it is; returns how many items each feed has gained.
    pub fn freeze(&self) -> u64 {
        let mut growth = self.docs.growth.lock().unwrap_or_else(|e| e.into_inner());
        match growth.as_mut() {
            Some(g) => {
                let added = g.added(Instant::now());
                g.frozen = Some(added);
                added
            }
            None => 0,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Body of the `--internal-serve` child: generates the corpus, serves it, prints
/// `ready <port> <corpus bytes>`, then until stdin closes answers each line on it: `stats`
/// with a counters line, `grow <ms>` (every feed gains an item every `ms` from now) with
/// `growing`, `freeze` with the items each feed has gained.
pub fn serve_stdio(seed: u64, feeds: usize, items: usize) -> std::io::Result<()> {
    let started = std::time::Instant::now();
    let docs: Vec<FeedDoc> = (0..feeds)
        .map(|i| super::corpus::feed_doc(seed, i, items))
        .collect();
    let bytes: u64 = docs.iter().map(|d| d.body.len() as u64).sum();
    eprintln!(
        "corpus {feeds} x {items}: {} generated in {:.2} s",
        super::report::bytes(bytes),
        started.elapsed().as_secs_f64()
    );
    let server = Server::start(docs)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready {} {bytes}", server.addr.port())?;
    out.flush()?;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let mut words = line.split_whitespace();
        match (words.next(), words.next().map(str::parse::<u64>)) {
            (Some("stats"), None) => {
                let s = server.stats.snapshot();
                writeln!(
                    out,
                    "{} {} {} {} {}",
                    s.ok, s.not_modified, s.not_found, s.bytes, s.connections
                )?;
            }
            (Some("grow"), Some(Ok(ms))) if ms > 0 => {
                server.grow(Growth {
                    seed,
                    items,
                    every: Duration::from_millis(ms),
                    since: Instant::now(),
                    frozen: None,
                });
                writeln!(out, "growing")?;
            }
            (Some("freeze"), None) => writeln!(out, "{}", server.freeze())?,
            _ => writeln!(out, "unknown command `{}`", line.trim())?,
        }
        out.flush()?;
    }
    Ok(())
}

/// The harness's handle on a server child process (see [`serve_stdio`]); stops it on drop.
pub struct ServerProcess {
    pub port: u16,
    pub corpus_bytes: u64,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: std::io::BufReader<ChildStdout>,
}

impl ServerProcess {
    /// Starts `harness --internal-serve` for `feeds` x `items` and waits until it listens.
    pub fn start(
        harness: &Path,
        seed: u64,
        feeds: usize,
        items: usize,
    ) -> std::io::Result<ServerProcess> {
        let mut child = Command::new(harness)
            .arg("--internal-serve")
            .args(["--seed", &seed.to_string()])
            .args(["--feeds", &feeds.to_string()])
            .args(["--items", &items.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().map(std::io::BufReader::new);
        let (Some(stdin), Some(mut stdout)) = (stdin, stdout) else {
            return Err(std::io::Error::other("server child has no pipes"));
        };
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let mut words = line.split_whitespace();
        let (Some("ready"), Some(port), Some(bytes)) = (words.next(), words.next(), words.next())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "the server child did not start (said `{}`)",
                line.trim()
            )));
        };
        let parse_err = |_| std::io::Error::other(format!("bad ready line `{}`", line.trim()));
        Ok(ServerProcess {
            port: port.parse().map_err(parse_err)?,
            corpus_bytes: bytes.parse().map_err(parse_err)?,
            child,
            stdin: Some(stdin),
            stdout,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// User + system CPU time the server child has used so far (Linux: `/proc/PID/stat`),
    /// to tell its share of a run on the same cores from the client's.
    pub fn cpu(&self) -> std::io::Result<std::time::Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        let Some(ticks) = cpu_ticks(&stat) else {
            return Err(std::io::Error::other(format!(
                "unexpected /proc stat line `{}`",
                stat.trim()
            )));
        };
        // SAFETY: sysconf only reads a constant of the system.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        Ok(std::time::Duration::from_secs_f64(ticks as f64 / hz))
    }

    /// Sends one command line to the child and returns its one-line answer.
    fn ask(&mut self, command: &str) -> std::io::Result<String> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("server stopped"))?;
        writeln!(stdin, "{command}")?;
        stdin.flush()?;
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("the server child closed its stdout"));
        }
        Ok(line)
    }

    /// Every feed gains one item per `every` from now on ([`Growth`]).
    pub fn grow(&mut self, every: Duration) -> std::io::Result<()> {
        let line = self.ask(&format!("grow {}", every.as_millis().max(1)))?;
        if line.trim() == "growing" {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "the server child did not start growing (said `{}`)",
                line.trim()
            )))
        }
    }

    /// Stops the growth; returns how many items each feed gained.
    pub fn freeze(&mut self) -> std::io::Result<u64> {
        let line = self.ask("freeze")?;
        line.trim()
            .parse()
            .map_err(|_| std::io::Error::other(format!("bad freeze answer `{}`", line.trim())))
    }

    /// The request counters so far.
    pub fn stats(&mut self) -> std::io::Result<Snapshot> {
        let line = self.ask("stats")?;
        let n: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        match n[..] {
            [ok, not_modified, not_found, bytes, connections] => Ok(Snapshot {
                ok,
                not_modified,
                not_found,
                bytes,
                connections,
            }),
            _ => Err(std::io::Error::other(format!(
                "bad stats line `{}`",
                line.trim()
            ))),
        }
    }
}

/// utime + stime, in clock ticks, of a `/proc/PID/stat` line: fields 14 and 15, counted
/// after the command name (which may hold spaces and parentheses: it ends at the last ')').
fn cpu_ticks(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // EOF on stdin ends the child's loop; it drops its server and exits.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// Longest request head we accept (request line + headers).
const MAX_HEAD: usize = 64 * 1024;

async fn serve_connection(stream: TcpStream, docs: &Docs, stats: &Stats) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let request_line = line.trim_end().to_string();
        if request_line.is_empty() {
            continue; // tolerated stray CRLF between requests
        }
        let mut head_len = line.len();
        let mut if_none_match = None;
        let mut if_modified_since = None;
        let mut close = false;
        loop {
            line.clear();
            let n = reader.read_line(&mut line).await?;
            head_len += n;
            if n == 0 || head_len > MAX_HEAD {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim().to_string();
            match name.trim().to_ascii_lowercase().as_str() {
                "if-none-match" => if_none_match = Some(value),
                "if-modified-since" => if_modified_since = Some(value),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                "content-length" | "transfer-encoding" => {
                    // Feed readers send GETs without bodies; anything else is not ours.
                    write
                        .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await?;
                    return Ok(());
                }
                _ => {}
            }
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("");
        let target = parts.next().unwrap_or("");
        let version = parts.next().unwrap_or("");
        if version == "HTTP/1.0" {
            close = true;
        }
        let connection = if close { "close" } else { "keep-alive" };
        let path = target.split('?').next().unwrap_or("");
        let head = method == "HEAD";
        let doc = if method == "GET" || head {
            docs.get(path)
        } else {
            None
        };
        match doc {
            None => {
                stats.not_found.fetch_add(1, Ordering::Relaxed);
                let response = format!(
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: {connection}\r\n\r\n"
                );
                write.write_all(response.as_bytes()).await?;
            }
            Some(doc)
                if not_modified(&doc, if_none_match.as_deref(), if_modified_since.as_deref()) =>
            {
                stats.not_modified.fetch_add(1, Ordering::Relaxed);
                let response = format!(
                    "HTTP/1.1 304 Not Modified\r\nETag: {}\r\nLast-Modified: {}\r\nConnection: {connection}\r\n\r\n",
                    doc.etag, doc.last_modified
                );
                write.write_all(response.as_bytes()).await?;
            }
            Some(doc) => {
                stats.ok.fetch_add(1, Ordering::Relaxed);
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nETag: {}\r\nLast-Modified: {}\r\nConnection: {connection}\r\n\r\n",
                    doc.content_type,
                    doc.body.len(),
                    doc.etag,
                    doc.last_modified
                );
                write.write_all(response.as_bytes()).await?;
                if !head {
                    write.write_all(&doc.body).await?;
                    stats
                        .bytes
                        .fetch_add(doc.body.len() as u64, Ordering::Relaxed);
                }
            }
        }
        if close {
            write.shutdown().await?;
            return Ok(());
        }
    }
}

/// RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only counts without it.
fn not_modified(
    doc: &FeedDoc,
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
) -> bool {
    if let Some(tags) = if_none_match {
        let ours = doc.etag.trim_start_matches("W/");
        return tags
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == ours);
    }
    match (
        if_modified_since.and_then(|s| DateTime::parse_from_rfc2822(s).ok()),
        DateTime::parse_from_rfc2822(&doc.last_modified).ok(),
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn doc() -> FeedDoc {
        FeedDoc {
            path: "/feeds/0.rss".into(),
            content_type: "application/rss+xml",
            body: b"<rss/>".to_vec(),
            etag: "\"abc\"".into(),
            last_modified: "Sun, 01 Jun 2025 00:00:00 GMT".into(),
        }
    }

    #[test]
    fn cpu_ticks_are_read_after_a_command_name_with_spaces_and_parentheses() {
        let line = "4242 (tid (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 37 5 0 0 20 0 3 0";
        assert_eq!(cpu_ticks(line), Some(42));
        assert_eq!(cpu_ticks("4242 (short) S 1 2"), None);
        assert_eq!(cpu_ticks("no parenthesis at all"), None);
        // The harness's own line has the fields where the kernel puts them.
        let own = std::fs::read_to_string("/proc/self/stat").unwrap();
        assert!(cpu_ticks(&own).is_some(), "{own}");
    }

    #[test]
    fn validators() {
        let d = doc();
        assert!(not_modified(&d, Some("\"abc\""), None));
        assert!(not_modified(&d, Some("\"x\", W/\"abc\""), None));
        assert!(!not_modified(
            &d,
            Some("\"x\""),
            Some("Sun, 01 Jun 2025 00:00:00 GMT")
        ));
        assert!(not_modified(
            &d,
            None,
            Some("Sun, 01 Jun 2025 00:00:00 GMT")
        ));
        assert!(!not_modified(
            &d,
            None,
            Some("Sat, 31 May 2025 00:00:00 GMT")
        ));
        assert!(!not_modified(&d, None, None));
    }

    #[test]
    fn keep_alive_then_304() {
        let server = Server::start(vec![doc()]).unwrap();
        let mut conn = std::net::TcpStream::connect(server.addr).unwrap();
        conn.write_all(b"GET /feeds/0.rss HTTP/1.1\r\nHost: x\r\n\r\nGET /feeds/0.rss HTTP/1.1\r\nIf-None-Match: \"abc\"\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut text = String::new();
        conn.read_to_string(&mut text).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("Content-Length: 6\r\n"));
        assert!(
            text.contains("<rss/>HTTP/1.1 304 Not Modified\r\n"),
            "{text}"
        );
        let s = server.stats.snapshot();
        assert_eq!((s.ok, s.not_modified, s.connections), (1, 1, 1));
    }

    /// One GET on a new connection: (status code, ETag, Last-Modified, body).
    fn get(addr: SocketAddr, path: &str, etag: Option<&str>) -> (u16, String, String, String) {
        let mut conn = std::net::TcpStream::connect(addr).unwrap();
        let validator = etag.map_or(String::new(), |e| format!("If-None-Match: {e}\r\n"));
        write!(
            conn,
            "GET {path} HTTP/1.1\r\nHost: x\r\n{validator}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        conn.read_to_string(&mut text).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_default()
                .to_string()
        };
        let status = head[9..12].parse().unwrap();
        (
            status,
            header("ETag: "),
            header("Last-Modified: "),
            body.into(),
        )
    }

    #[test]
    fn growth_counts_whole_intervals_and_stops_when_frozen() {
        let since = Instant::now();
        let mut g = Growth {
            seed: 1,
            items: 3,
            every: Duration::from_secs(10),
            since,
            frozen: None,
        };
        let at = |secs: u64| since + Duration::from_secs(secs);
        assert_eq!(g.added(since), 0);
        assert_eq!(g.added(at(9)), 0);
        assert_eq!(g.added(at(10)), 1);
        assert_eq!(g.added(at(25)), 2);
        g.frozen = Some(2);
        assert_eq!(g.added(at(600)), 2);
    }

    #[test]
    fn a_growing_feed_changes_its_validators_and_304s_when_unchanged() {
        use super::super::corpus;
        let (seed, items) = (9, 3);
        let path = corpus::feed_path(0); // RSS 2.0: one <item> per item
        let server = Server::start(vec![corpus::feed_doc(seed, 0, items)]).unwrap();
        let (status, etag0, modified0, body) = get(server.addr, &path, None);
        assert_eq!((status, body.matches("<item>").count()), (200, 3));
        // Growing, as if told to 25 s ago: two intervals of 10 s have passed.
        server.grow(Growth {
            seed,
            items,
            every: Duration::from_secs(10),
            since: Instant::now() - Duration::from_secs(25),
            frozen: None,
        });
        let (status, etag1, modified1, body) = get(server.addr, &path, Some(&etag0));
        assert_eq!((status, body.matches("<item>").count()), (200, 5));
        assert_ne!(etag1, etag0);
        assert_ne!(modified1, modified0);
        let (status, etag, _, body) = get(server.addr, &path, Some(&etag1));
        assert_eq!(
            (status, etag.as_str(), body.as_str()),
            (304, etag1.as_str(), "")
        );
        // Frozen: the feed stays as it is.
        assert_eq!(server.freeze(), 2);
        assert_eq!(get(server.addr, &path, Some(&etag1)).0, 304);
        assert_eq!(get(server.addr, "/feeds/9.rss", None).0, 404);
        let s = server.stats.snapshot();
        assert_eq!((s.ok, s.not_modified, s.not_found), (2, 2, 1));
    }
}
