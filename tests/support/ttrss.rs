//! A private Tiny Tiny RSS on 127.0.0.1 for sync tests and benchmarks: Debian's `tt-rss`
//! package (web root copied into a temp dir with its own config.php), a private PostgreSQL
//! cluster (`initdb`, fsync off) and `php -S`. One per test binary ([`Ttrss::shared`]); tests
//! isolate themselves with a user each. Entries are inserted with SQL, so the server never
//! fetches feeds (except `subscribeToFeed`, which the loopback patch below allows).
//!
//! Needs (once): `apt-get install --no-install-recommends tt-rss php-cgi php-cli php-pgsql
//! php-xml php-mbstring php-intl php-curl` (`.ci/run` does it). tt-rss and initdb refuse to run
//! as root, so as root everything runs as `nobody`. A watchdog stops the servers and removes
//! the directory when the test process exits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

const WWW: &str = "/usr/share/tt-rss/www";
const SCHEMA: &str = "/usr/share/tt-rss/schema/ttrss_schema_pgsql.sql";
/// Requests the PHP server answers at once (like a php-fpm pool).
const PHP_WORKERS: &str = "4";

/// The packages a machine needs, for messages.
pub const INSTALL_HINT: &str = "install the test server once: \
    echo 'tt-rss tt-rss/dbconfig-install boolean false' | debconf-set-selections && \
    apt-get install -y --no-install-recommends tt-rss php-cgi php-cli php-pgsql php-xml \
    php-mbstring php-intl php-curl dbconfig-no-thanks";

/// A running server.
pub struct Ttrss {
    root: PathBuf,
    pg: Pg,
    http: HttpServer,
    _postgres: Mutex<Child>,
    /// Outlives this process on purpose (it cleans up after it).
    _watchdog: Child,
}

/// The private PostgreSQL.
struct Pg {
    bin: PathBuf,
    port: u16,
}

impl Pg {
    fn try_psql(&self, user: &str, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
            ])
            .arg(self.port.to_string())
            .args(["-U", user, "-d", db, "-c", sql])
            .env("PGPASSWORD", "ttrss")
            .env("PGOPTIONS", "-c client_min_messages=warning")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    fn psql(&self, user: &str, db: &str, sql: &str) -> String {
        self.try_psql(user, db, sql)
            .unwrap_or_else(|e| panic!("SQL failed: {e}\n{sql}"))
    }
}

/// One `php -S` serving the web root; several may serve the same database.
pub struct HttpServer {
    root: PathBuf,
    pub port: u16,
    child: Mutex<Option<Child>>,
}

/// A tt-rss account made for one test.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub password: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `program` as `nobody` when running as root (tt-rss and initdb refuse root).
fn unprivileged(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The newest PostgreSQL's binaries (Debian keeps them per version).
fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

/// Copies the web root, re-pointing the package's relative symlinks absolutely.
fn copy_web_root(to: &Path) {
    run(
        Command::new("cp").arg("-a").arg(WWW).arg(to),
        "copying the tt-rss web root",
    );
    fn walk(src: &Path, dst: &Path) {
        for entry in std::fs::read_dir(src).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let target = dst.join(entry.file_name());
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let _ = std::fs::remove_file(&target);
                let _ = std::fs::remove_dir_all(&target);
                if let Ok(real) = std::fs::canonicalize(&path) {
                    std::os::unix::fs::symlink(real, &target).unwrap();
                }
            } else if meta.is_dir() {
                walk(&path, &target);
            }
        }
    }
    walk(Path::new(WWW), to);
}

/// tt-rss refuses to fetch from loopback or ports other than 80/443, and drops ports from
/// urls; the private copy allows them so that `subscribeToFeed` can reach a test server.
fn allow_loopback(www: &Path) {
    let file = www.join("classes/urlhelper.php");
    let Ok(text) = std::fs::read_to_string(&file) else {
        return;
    };
    let text = text.replace(
        "if ($extended_filtering) {",
        "if (false && $extended_filtering) {",
    );
    let loopback = regex::Regex::new(r#"strpos\(\$[a-z_]+, "127\."\) === 0"#).unwrap();
    let mut text = loopback.replace_all(&text, "false").into_owned();
    text = text.replace(
        "$tmp = $parts['scheme'] . \"://\" . $parts['host'];",
        "$tmp = $parts['scheme'] . \"://\" . $parts['host'];\n\t\tif (isset($parts['port'])) $tmp .= \":\" . $parts['port'];",
    );
    std::fs::write(&file, text).unwrap();
}

fn config_php(root: &Path, pg_port: u16) -> String {
    let r = root.display();
    format!(
        "<?php
define('DB_TYPE', 'pgsql');
define('DB_HOST', '127.0.0.1');
define('DB_PORT', '{pg_port}');
define('DB_USER', 'ttrss');
define('DB_NAME', 'ttrss');
define('DB_PASS', 'ttrss');
define('MYSQL_CHARSET', 'UTF8');
define('SELF_URL_PATH', 'http://127.0.0.1/');
define('_SKIP_SELF_URL_PATH_CHECKS', true);
define('SINGLE_USER_MODE', false);
define('SIMPLE_UPDATE_MODE', false);
define('PHP_EXECUTABLE', '/usr/bin/php');
define('LOCK_DIRECTORY', '{r}/lock');
define('CACHE_DIR', '{r}/cache');
define('ICONS_DIR', 'feed-icons');
define('ICONS_URL', 'feed-icons');
define('AUTH_AUTO_CREATE', false);
define('AUTH_AUTO_LOGIN', false);
define('FORCE_ARTICLE_PURGE', 0);
define('ENABLE_REGISTRATION', false);
define('REG_NOTIFY_ADDRESS', 'user@example.org');
define('REG_MAX_USERS', 10);
define('SESSION_COOKIE_LIFETIME', 86400);
define('SMTP_FROM_NAME', 'Tiny Tiny RSS');
define('SMTP_FROM_ADDRESS', 'noreply@example.org');
define('DIGEST_SUBJECT', '[tt-rss] digest');
define('CHECK_FOR_UPDATES', false);
define('ENABLE_GZIP_OUTPUT', false);
define('PLUGINS', 'auth_internal');
define('LOG_DESTINATION', '');
define('CONFIG_VERSION', 26);
"
    )
}

/// Waits until nothing listens on `port` any more (the server on it stopped).
fn wait_for_close(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("{what} did not close port {port}");
}

/// Waits until `child` listens on `port`: true, or false if it exited first (it could not
/// listen there: a port [`free_port`] found free was taken before the server bound it).
fn wait_listening(child: &mut Child, port: u16, what: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        assert!(Instant::now() < deadline, "{what} did not open port {port}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// How often a server is started again on another port when its port was taken meanwhile.
const PORT_TRIES: usize = 5;

impl HttpServer {
    fn new(root: &Path) -> HttpServer {
        for _ in 0..PORT_TRIES {
            let server = HttpServer {
                root: root.to_path_buf(),
                port: free_port(),
                child: Mutex::new(None),
            };
            if server.try_start() {
                return server;
            }
        }
        panic!("php -S found no port to listen on; see {}", root.display())
    }

    fn pid_file(&self) -> PathBuf {
        self.root.join(format!("http-{}.pid", self.port))
    }

    /// Starts serving (again); returns once the port answers.
    pub fn start(&self) {
        assert!(
            self.try_start(),
            "php -S could not listen on port {} again: {}",
            self.port,
            std::fs::read_to_string(self.root.join(format!("php-{}.log", self.port)))
                .unwrap_or_default()
        );
    }

    /// Starts serving; false when php exits instead (the port is taken).
    fn try_start(&self) -> bool {
        let mut child = self.child.lock().unwrap();
        assert!(child.is_none(), "already serving on {}", self.port);
        let www = self.root.join("www");
        let log = std::fs::File::create(self.root.join(format!("php-{}.log", self.port))).unwrap();
        let mut spawned = unprivileged(Path::new("php"))
            // opcache as php-fpm has it in production: without it every request compiles
            // tt-rss anew.
            .args(["-d", "display_errors=0", "-d", "opcache.enable_cli=1", "-S"])
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("-t")
            .arg(&www)
            .current_dir(&www)
            .env("PHP_CLI_SERVER_WORKERS", PHP_WORKERS)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("php -S starts");
        std::fs::write(self.pid_file(), spawned.id().to_string()).unwrap();
        if !wait_listening(&mut spawned, self.port, "php -S") {
            let _ = std::fs::remove_file(self.pid_file());
            return false;
        }
        *child = Some(spawned);
        true
    }

    /// Stops serving: connections are refused until [`HttpServer::start`].
    pub fn stop(&self) {
        let Some(mut child) = self.child.lock().unwrap().take() else {
            return;
        };
        // The master and its workers form a process group of their own.
        // SAFETY: kill with the group of a process we spawned.
        unsafe {
            libc::kill(-(child.id() as i32), libc::SIGTERM);
        }
        let _ = child.wait();
        let _ = std::fs::remove_file(self.pid_file());
        wait_for_close(self.port, "php -S");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

static SHARED: OnceLock<Ttrss> = OnceLock::new();
static USERS: AtomicUsize = AtomicUsize::new(0);

impl Ttrss {
    /// The server of this test binary, started on first use (1-2 s). Panics with the install
    /// command when the packages are missing.
    pub fn shared() -> &'static Ttrss {
        SHARED.get_or_init(Ttrss::start)
    }

    fn start() -> Ttrss {
        let bin = pg_bin();
        let php = Command::new("php").arg("-v").output();
        if !Path::new(WWW).exists() || bin.is_none() || php.is_err() {
            panic!("Tiny Tiny RSS, PostgreSQL or PHP is not installed: {INSTALL_HINT}");
        }
        let root = tempfile::Builder::new()
            .prefix("tidings-ttrss-")
            .tempdir()
            .unwrap()
            .keep();
        let mut pg = Pg {
            bin: bin.unwrap(),
            port: free_port(),
        };
        copy_web_root(&root.join("www"));
        allow_loopback(&root.join("www"));
        let _ = std::fs::remove_file(root.join("www/config.php"));
        let _ = std::fs::remove_file(root.join("www/feed-icons"));
        std::fs::write(root.join("www/config.php"), config_php(&root, pg.port)).unwrap();
        for dir in [
            "www/feed-icons",
            "cache/images",
            "cache/upload",
            "cache/export",
            "lock",
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        if is_root() {
            run(
                Command::new("chown")
                    .args(["-R", "nobody:nogroup"])
                    .arg(&root),
                "chown",
            );
        }
        // The watchdog: stops everything and removes the directory once this process is gone.
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
             for f in {r}/http-*.pid; do [ -f \"$f\" ] && kill -- -$(cat \"$f\"); done; \
             [ -f {r}/pg/postmaster.pid ] && kill -INT $(head -1 {r}/pg/postmaster.pid); \
             sleep 2; rm -rf {r}",
            pid = std::process::id(),
            r = root.display()
        );
        let watchdog = Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("setsid starts the watchdog");

        run(
            unprivileged(&pg.bin.join("initdb"))
                .arg("-D")
                .arg(root.join("pg"))
                .args(["-U", "postgres", "-A", "trust", "--no-sync"]),
            "initdb",
        );
        let mut tries = 0;
        let postgres = loop {
            let log = std::fs::File::create(root.join("pg.log")).unwrap();
            let mut postgres = unprivileged(&pg.bin.join("postgres"))
                .arg("-D")
                .arg(root.join("pg"))
                .args([
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-p",
                    &pg.port.to_string(),
                    "-k",
                ])
                .arg(&root)
                .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
                .args(["-c", "full_page_writes=off", "-c", "max_connections=50"])
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("postgres starts");
            if wait_listening(&mut postgres, pg.port, "postgres") {
                break postgres;
            }
            tries += 1;
            assert!(
                tries < PORT_TRIES,
                "postgres found no port to listen on: {}",
                std::fs::read_to_string(root.join("pg.log")).unwrap_or_default()
            );
            pg.port = free_port();
            // The file exists: rewriting it keeps its owner.
            std::fs::write(root.join("www/config.php"), config_php(&root, pg.port)).unwrap();
        };
        // Postgres may accept connections a moment before it accepts logins.
        let deadline = Instant::now() + Duration::from_secs(10);
        while pg.try_psql("postgres", "postgres", "SELECT 1").is_err() {
            assert!(Instant::now() < deadline, "postgres never accepted a login");
            std::thread::sleep(Duration::from_millis(50));
        }
        pg.psql("postgres", "postgres", "CREATE USER ttrss PASSWORD 'ttrss'");
        pg.psql("postgres", "postgres", "CREATE DATABASE ttrss OWNER ttrss");
        run(
            Command::new(pg.bin.join("psql"))
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p"])
                .arg(pg.port.to_string())
                .args(["-U", "ttrss", "-d", "ttrss", "-f", SCHEMA])
                .env("PGPASSWORD", "ttrss")
                .env("PGOPTIONS", "-c client_min_messages=warning"),
            "loading the tt-rss schema",
        );
        let http = HttpServer::new(&root);
        Ttrss {
            root,
            pg,
            http,
            _postgres: Mutex::new(postgres),
            _watchdog: watchdog,
        }
    }

    /// Runs SQL on the server's database; the output, unaligned, one row a line.
    pub fn sql(&self, sql: &str) -> String {
        self.pg.psql("ttrss", "ttrss", sql)
    }

    /// The main web server (its url is the `[sync]` url).
    pub fn http(&self) -> &HttpServer {
        &self.http
    }

    pub fn url(&self) -> String {
        self.http.url()
    }

    /// Another `php -S` on the same database, which a test may stop and start without
    /// disturbing the others.
    pub fn extra_http(&self) -> HttpServer {
        HttpServer::new(&self.root)
    }

    /// CPU time used so far by the server: PostgreSQL and the main `php -S` with all their
    /// processes, finished ones included (for benchmarks: where the time goes).
    pub fn cpu_time(&self) -> Duration {
        let roots: Vec<u32> = [
            Some(self._postgres.lock().unwrap().id()),
            self.http.child.lock().unwrap().as_ref().map(Child::id),
        ]
        .into_iter()
        .flatten()
        .collect();
        // SAFETY: sysconf has no preconditions.
        let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let mut ticks = 0u64;
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // Fields after the command name (which may hold spaces) in parentheses.
            let Some((head, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let pid: u32 = head
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            let f: Vec<u64> = rest
                .split_whitespace()
                .map(|x| x.parse().unwrap_or(0))
                .collect();
            // f[1] is the parent; utime, stime, cutime, cstime are f[11..15].
            if f.len() < 15 {
                continue;
            }
            if roots.contains(&pid) {
                ticks += f[11] + f[12] + f[13] + f[14];
            } else if roots.contains(&(f[1] as u32)) {
                ticks += f[11] + f[12];
            }
        }
        Duration::from_secs_f64(ticks as f64 / tick)
    }

    /// A new user with API access and password `pw-<login>`.
    pub fn user(&self, name: &str) -> User {
        let n = USERS.fetch_add(1, Ordering::Relaxed);
        let login = format!("{name}{n}");
        let password = format!("pw-{login}");
        let id: i64 = self
            .sql(&format!(
                "INSERT INTO ttrss_users (login, pwd_hash, salt, access_level, created)
                 VALUES ('{login}', 'MODE2:' || encode(sha256(('salt{n}' || '{password}')::bytea), 'hex'),
                         'salt{n}', 0, now()) RETURNING id"
            ))
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        self.set_api_access(id, true);
        User {
            id,
            login,
            password,
        }
    }

    pub fn set_api_access(&self, uid: i64, on: bool) {
        self.sql(&format!(
            "DELETE FROM ttrss_user_prefs WHERE owner_uid = {uid} AND pref_name = 'ENABLE_API_ACCESS';
             INSERT INTO ttrss_user_prefs (owner_uid, pref_name, value)
             VALUES ({uid}, 'ENABLE_API_ACCESS', '{on}')"
        ));
    }

    pub fn category(&self, uid: i64, title: &str) -> i64 {
        self.sql(&format!(
            "INSERT INTO ttrss_feed_categories (owner_uid, title) VALUES ({uid}, '{title}') RETURNING id"
        ))
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap()
    }

    /// A subscription (never fetched by the server: articles come from [`Ttrss::articles`]).
    pub fn feed(&self, uid: i64, title: &str, url: &str, category: Option<i64>) -> i64 {
        let cat = category.map_or("NULL".to_string(), |c| c.to_string());
        self.sql(&format!(
            "INSERT INTO ttrss_feeds (owner_uid, title, feed_url, cat_id, site_url, last_updated)
             VALUES ({uid}, '{title}', '{url}', {cat}, '{url}', now()) RETURNING id"
        ))
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap()
    }

    /// `n` unread articles in `feed`, newest last; their ids, ascending. Titles are
    /// "<label> <i>", links https://example.org/<feed>/<label>/<i>.
    pub fn articles(&self, uid: i64, feed: i64, n: usize, label: &str) -> Vec<i64> {
        let ids = self.sql(&format!(
            "WITH e AS (
               INSERT INTO ttrss_entries (title, guid, link, updated, content, content_hash,
                                          date_entered, date_updated, author)
               SELECT '{label} ' || i, '{uid}-{feed}-{label}-' || i,
                      'https://example.org/{feed}/{label}/' || i,
                      now() - ((1000 - i) || ' minutes')::interval,
                      '<p>Body of {label} ' || i || '. ' || repeat('Some text of the article. ', 40) || '</p>',
                      'h', clock_timestamp(), now(), 'Author ' || i
               FROM generate_series(1, {n}) i
               RETURNING id)
             INSERT INTO ttrss_user_entries (ref_id, uuid, feed_id, owner_uid, tag_cache,
                                             label_cache, unread, marked)
             SELECT id, '', {feed}, {uid}, '', '', true, false FROM e RETURNING ref_id"
        ));
        let mut ids: Vec<i64> = ids.lines().map(|l| l.parse().unwrap()).collect();
        ids.sort();
        ids
    }

    /// (unread, starred) of an article for `uid`.
    pub fn flags(&self, uid: i64, article: i64) -> (bool, bool) {
        let row = self.sql(&format!(
            "SELECT unread, marked FROM ttrss_user_entries WHERE owner_uid = {uid} AND ref_id = {article}"
        ));
        let mut parts = row.split('|');
        (parts.next() == Some("t"), parts.next() == Some("t"))
    }

    /// Sets flags on the server, as another client would.
    pub fn set_flags(
        &self,
        uid: i64,
        articles: &[i64],
        unread: Option<bool>,
        starred: Option<bool>,
    ) {
        let list = articles
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        if let Some(u) = unread {
            self.sql(&format!(
                "UPDATE ttrss_user_entries SET unread = {u}, last_read = now()
                 WHERE owner_uid = {uid} AND ref_id IN ({list})"
            ));
        }
        if let Some(s) = starred {
            self.sql(&format!(
                "UPDATE ttrss_user_entries SET marked = {s}, last_marked = now()
                 WHERE owner_uid = {uid} AND ref_id IN ({list})"
            ));
        }
    }

    /// Forgets the API sessions of `uid` (as if they expired).
    pub fn expire_sessions(&self, uid: i64) {
        self.sql(&format!(
            "DELETE FROM ttrss_sessions WHERE {}",
            session_of(uid)
        ));
    }

    /// How many logged-in sessions `uid` has.
    pub fn sessions(&self, uid: i64) -> usize {
        self.sql(&format!(
            "SELECT count(*) FROM ttrss_sessions WHERE {}",
            session_of(uid)
        ))
        .parse()
        .unwrap()
    }
}

/// SQL matching the sessions of `uid` (PHP-serialized, base64 in the table).
fn session_of(uid: i64) -> String {
    format!("position('uid|i:{uid};' in convert_from(decode(data, 'base64'), 'UTF8')) > 0")
}

/// A TCP proxy in front of a server that can stop one kind of request in its tracks: the
/// request is sent to the server (or not), and the answer never comes back. For killing a
/// client at a precise moment.
pub struct HoldingProxy {
    pub port: u16,
    held: Arc<(Mutex<usize>, Condvar)>,
}

/// When the proxy stops a matching request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Before the server sees it.
    BeforeServer,
    /// After the server answered (the answer is dropped).
    AfterServer,
}

impl HoldingProxy {
    /// Proxies to `upstream`, holding requests whose body contains `needle`.
    pub fn start(upstream: u16, needle: &'static str, hold: Hold) -> HoldingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = Arc::new((Mutex::new(0usize), Condvar::new()));
        let shared = Arc::clone(&held);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let held = Arc::clone(&shared);
                std::thread::spawn(move || serve(conn, upstream, needle, hold, &held));
            }
        });
        HoldingProxy { port, held }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Waits until a request was held; false after `timeout`.
    pub fn wait_held(&self, timeout: Duration) -> bool {
        let (lock, cv) = &*self.held;
        let guard = lock.lock().unwrap();
        let (guard, _) = cv.wait_timeout_while(guard, timeout, |n| *n == 0).unwrap();
        *guard > 0
    }
}

/// Reads one HTTP request: head (without the final blank line) and body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(Vec<String>, Vec<u8>)> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let len = head
        .iter()
        .find_map(|h| {
            let (k, v) = h.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn serve(conn: TcpStream, upstream: u16, needle: &str, hold: Hold, held: &(Mutex<usize>, Condvar)) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut client = conn;
    // One request per connection: the server closes after answering, and so does the proxy.
    if let Some((head, body)) = read_request(&mut reader) {
        let matches = String::from_utf8_lossy(&body).contains(needle);
        let mut answer = Vec::new();
        if !(matches && hold == Hold::BeforeServer) {
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                return;
            };
            let mut request = String::new();
            for h in &head {
                if !h.to_ascii_lowercase().starts_with("connection:") {
                    request.push_str(h);
                    request.push_str("\r\n");
                }
            }
            request.push_str("Connection: close\r\n\r\n");
            let _ = server.write_all(request.as_bytes());
            let _ = server.write_all(&body);
            let _ = server.read_to_end(&mut answer);
        }
        if matches {
            let (lock, cv) = held;
            *lock.lock().unwrap() += 1;
            cv.notify_all();
            // Never answer: the client waits until it is killed.
            std::thread::sleep(Duration::from_secs(3600));
            return;
        }
        if client.write_all(&answer).is_ok() {
            let _ = client.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// A server that answers every request with the same response (HTML, garbage...).
pub struct FixedServer {
    pub port: u16,
}

impl FixedServer {
    pub fn start(status: u16, content_type: &'static str, body: &'static str) -> FixedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(conn.try_clone().unwrap());
                    let mut conn = conn;
                    while read_request(&mut reader).is_some() {
                        let response = format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n\
                             Content-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if conn.write_all(response.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        FixedServer { port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/tt-rss/", self.port)
    }
}
