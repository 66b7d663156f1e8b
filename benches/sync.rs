//! Sync against a local Tiny Tiny RSS (the test harness's private server, `php -S` with 4
//! workers): first sync of 10,000 articles in 50 feeds, a sync with nothing new, and pushing
//! 1,000 read flags. Issue 12's targets: < 10 s, < 0.3 s, < 1 s.
//! Run: `cargo bench --bench sync` (without `--bench`, as `cargo test --all-targets` runs it,
//! it syncs a small store once as a smoke test and prints no timings).
//!
//! Prints wall time, this process's CPU time (the client: HTTP, JSON, highlighting, SQLite),
//! the server's CPU time (PHP and PostgreSQL, all processes) and the syncer's phases.

#[path = "../tests/support/ttrss.rs"]
#[allow(dead_code)]
mod ttrss;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tidings::config::{PasswordSource, Retention, Secret, SyncBackend, SyncConfig};
use tidings::highlight::Highlighter;
use tidings::model::ArticleId;
use tidings::store::{OpenMode, Store};
use tidings::sync::{article_id, SyncReport, SyncSetup, Syncer};

use ttrss::{Ttrss, User};

/// CPU time (user + system) of this process so far.
fn cpu() -> Duration {
    // SAFETY: getrusage writes into the struct we pass.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

struct Bench {
    config: SyncConfig,
    user: User,
    data: tempfile::TempDir,
}

impl Bench {
    /// A syncer as `tidings sync` makes one: new store connection, new login.
    fn syncer(&self) -> Syncer {
        let store = Store::open(self.data.path(), OpenMode::ReadWrite)
            .unwrap()
            .store;
        Syncer::new(SyncSetup {
            config: self.config.clone(),
            password: Secret::new(self.user.password.clone()),
            store,
            highlighter: Arc::new(Highlighter::new(&[]).unwrap()),
            retention: Retention::default(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(5),
        })
        .unwrap()
    }
}

/// What one sync cost.
struct Cost {
    wall: Duration,
    client: Duration,
    server: Duration,
}

/// Runs one sync; returns the report and what it cost.
fn timed(rt: &tokio::runtime::Runtime, syncer: &Syncer) -> (SyncReport, Cost) {
    let server = Ttrss::shared();
    let (w, c, s) = (Instant::now(), cpu(), server.cpu_time());
    let report = rt.block_on(syncer.sync());
    let cost = Cost {
        wall: w.elapsed(),
        client: cpu() - c,
        server: server.cpu_time().saturating_sub(s),
    };
    assert!(report.is_ok(), "sync failed: {:?}", report.result);
    (report, cost)
}

fn show(label: &str, r: &SyncReport, cost: &Cost) {
    println!(
        "{label:<28} {:>7.3}s wall {:>6.3}s client CPU {:>6.3}s server CPU  (login {:.3}s, push \
         {:.3}s, pull {:.3}s) {} new, {} pushed, {} pulled",
        cost.wall.as_secs_f64(),
        cost.client.as_secs_f64(),
        cost.server.as_secs_f64(),
        r.phases.login.as_secs_f64(),
        r.phases.push.as_secs_f64(),
        r.phases.pull.as_secs_f64(),
        r.new_articles,
        r.pushed,
        r.pulled,
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (feeds, per_feed, pushes, repeats) = if full {
        (50, 200, 1000, 7)
    } else {
        (3, 20, 10, 1)
    };
    let server = Ttrss::shared();
    let user = server.user("bench");
    let t = Instant::now();
    for f in 0..feeds {
        let feed = server.feed(
            user.id,
            &format!("Feed {f}"),
            &format!("https://feeds.example.org/{f}.xml"),
            None,
        );
        server.articles(user.id, feed, per_feed, &format!("f{f}"));
    }
    if full {
        println!(
            "server: {} articles in {feeds} feeds seeded in {:.1}s",
            feeds * per_feed,
            t.elapsed().as_secs_f64()
        );
    }
    let bench = Bench {
        config: SyncConfig {
            backend: SyncBackend::Ttrss,
            url: server.url(),
            user: user.login.clone(),
            password: PasswordSource::Env("UNUSED".into()),
            allow_insecure_http: false,
            warning: None,
        },
        user,
        data: tempfile::tempdir().unwrap(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();

    // 1. First sync: everything.
    let syncer = bench.syncer();
    let (r, first) = timed(&rt, &syncer);
    assert_eq!(r.new_articles, feeds * per_feed);
    if full {
        show("first sync (10,000 articles)", &r, &first);
    }
    drop(syncer);

    // 2. Nothing new, as `tidings sync` does it (new process: new login) and as a running
    // reader does (session kept).
    let mut walls = Vec::new();
    for _ in 0..repeats {
        let syncer = bench.syncer();
        let (r, cost) = timed(&rt, &syncer);
        assert_eq!((r.new_articles, r.pushed, r.pulled), (0, 0, 0));
        if full {
            show("nothing new (fresh login)", &r, &cost);
        }
        walls.push(cost.wall);
    }
    let fresh = median(walls);
    let kept = bench.syncer();
    timed(&rt, &kept);
    let mut walls = Vec::new();
    for _ in 0..repeats {
        let (r, cost) = timed(&rt, &kept);
        if full {
            show("nothing new (session kept)", &r, &cost);
        }
        walls.push(cost.wall);
    }
    let warm = median(walls);
    drop(kept);

    // 3. Pushing 1,000 read flags (and 1,000 unread, alternately).
    let account = bench.config.account();
    let ids: Vec<ArticleId> = {
        let store = Store::open(bench.data.path(), OpenMode::ReadWrite)
            .unwrap()
            .store;
        let mut held = store.held_articles().unwrap();
        held.sort_by_key(|h| h.remote_id);
        held.iter()
            .take(pushes)
            .map(|h| article_id(&account, h.remote_id))
            .collect()
    };
    let mut walls = Vec::new();
    let mut push_phase = Vec::new();
    for i in 0..repeats {
        let read = i % 2 == 0;
        Store::open(bench.data.path(), OpenMode::ReadWrite)
            .unwrap()
            .store
            .set_read(&ids, read)
            .unwrap();
        let syncer = bench.syncer();
        let (r, cost) = timed(&rt, &syncer);
        assert_eq!(r.pushed, pushes);
        assert_eq!(r.queued, 0);
        if full {
            show(
                if read {
                    "push 1,000 read flags"
                } else {
                    "push 1,000 unread flags"
                },
                &r,
                &cost,
            );
        }
        walls.push(cost.wall);
        push_phase.push(r.phases.push);
    }
    if full {
        println!(
            "\nmedians: first sync {:.2}s (< 10 s) · nothing new {:.3}s with a fresh login, \
             {:.3}s with a kept session (< 0.3 s) · push 1,000 flags {:.3}s whole sync, {:.3}s \
             the push itself (< 1 s)",
            first.wall.as_secs_f64(),
            fresh.as_secs_f64(),
            warm.as_secs_f64(),
            median(walls).as_secs_f64(),
            median(push_phase).as_secs_f64(),
        );
    } else {
        println!("sync bench: smoke run ok (run with `cargo bench --bench sync` for figures)");
    }
}
