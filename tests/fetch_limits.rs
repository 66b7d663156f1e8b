//! Fetcher limits against hostile or slow servers on 127.0.0.1: timeouts, body caps,
//! compression bombs, and the global and per-host concurrency limits.

mod support;

use support::fetching::{failure, http};

use std::io::Read;
use std::time::{Duration, Instant};

use support::{gzip_bomb, Gauge, Response, TestServer};
use tidings::fetch::{FetchOutcome, Fetcher, Limits};
use tidings::model::ErrorKind;

/// Deadlines that only end a test that hangs: a loaded machine can starve a loopback request
/// for seconds, and none of these tests is about them (one that is sets its own).
fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(10),
        ..Limits::default()
    }
}

#[tokio::test]
async fn dripping_body_times_out() {
    let server =
        TestServer::start(|_| Response::ok(vec![b'x'; 100]).drip(Duration::from_secs(1))).await;
    let fetcher = Fetcher::new(Limits {
        timeout: Duration::from_secs(1),
        ..limits()
    })
    .unwrap();
    let started = Instant::now();
    let f = failure(fetcher.fetch_feed(&http(&server.url("/slow"))).await);
    assert_eq!(f.kind, ErrorKind::Timeout);
    assert_eq!(f.message, "timed out after 1s");
    // Not a performance assertion: the drip would take 100 s; the limit is what ended it.
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let big = vec![b'a'; 200 * 1024];
    let server = TestServer::start(move |req| match req.path() {
        "/declared" => Response::ok(big.clone()),
        "/undeclared" => Response::ok(big.clone()).until_close(),
        _ => Response::ok(vec![b'a'; 64 * 1024]),
    })
    .await;
    let fetcher = Fetcher::new(Limits {
        max_body_size: 64 * 1024,
        ..limits()
    })
    .unwrap();
    for path in ["/declared", "/undeclared"] {
        let f = failure(fetcher.fetch_feed(&http(&server.url(path))).await);
        assert_eq!(f.kind, ErrorKind::TooLarge, "{path}");
        assert_eq!(f.message, "body larger than 64 KiB", "{path}");
    }
    // Exactly at the limit is fine.
    match fetcher.fetch_feed(&http(&server.url("/exact"))).await {
        FetchOutcome::Modified(fetched) => assert_eq!(fetched.bytes, 64 * 1024),
        other => panic!("expected a body, got {other:?}"),
    }
}

#[test]
fn gzip_bomb_helper_is_valid_gzip() {
    for len in [1u64, 258, 259, 1000, 3 * 1024 * 1024 + 7] {
        let bomb = gzip_bomb(len);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bomb[..])
            .read_to_end(&mut out)
            .expect("valid gzip (CRC and size checked)");
        assert_eq!(out.len() as u64, len);
        assert!(out.iter().all(|b| *b == 0));
    }
    assert!(gzip_bomb(100 << 20).len() < 120 * 1024);
}

#[tokio::test]
async fn gzip_bomb_is_cut_off() {
    // ~200 KB on the wire, 200 MiB inflated.
    let bomb = gzip_bomb(200 << 20);
    let wire = bomb.len();
    let server = TestServer::start(move |_| {
        Response::ok(bomb.clone())
            .header("Content-Encoding", "gzip")
            .header("Content-Type", "application/rss+xml")
    })
    .await;
    let fetcher = Fetcher::new(Limits {
        max_body_size: 1 << 20,
        ..limits()
    })
    .unwrap();
    let f = failure(fetcher.fetch_feed(&http(&server.url("/bomb.xml"))).await);
    assert_eq!(f.kind, ErrorKind::TooLarge, "{f:?} (wire size {wire})");
    assert_eq!(f.message, "body larger than 1 MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_host_never_sees_more_than_max_per_host() {
    let busy = TestServer::start(|_| Response::ok("<rss/>").delay(Duration::from_millis(20))).await;
    let other = TestServer::start(|_| Response::ok("<rss/>")).await;
    let fetcher = Fetcher::new(Limits {
        max_per_host: 2,
        max_concurrent: 4,
        ..limits()
    })
    .unwrap();

    let mut tasks = Vec::new();
    for i in 0..300 {
        let fetcher = fetcher.clone();
        let url = busy.url(&format!("/feed/{i}"));
        tasks.push(tokio::spawn(async move {
            fetcher.fetch_feed(&http(&url)).await
        }));
    }
    // Feeds queued behind the busy host hold no global slot, so another host is served
    // at once rather than after the whole queue.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let outcome = fetcher.fetch_feed(&http(&other.url("/feed"))).await;
    assert!(matches!(outcome, FetchOutcome::Modified(_)), "{outcome:?}");
    assert!(
        busy.request_count() < 300,
        "the other host waited for the busy one"
    );

    for task in tasks {
        let outcome = task.await.unwrap();
        assert!(matches!(outcome, FetchOutcome::Modified(_)), "{outcome:?}");
    }
    assert_eq!(busy.request_count(), 300);
    assert_eq!(
        busy.gauge().max(),
        2,
        "at most (and, with 300 queued, exactly) 2 at once"
    );
    assert_eq!(busy.gauge().current(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_limit_holds_across_hosts() {
    let shared = Gauge::new();
    let mut servers = Vec::new();
    for _ in 0..8 {
        let handler =
            |_: &support::Request| Response::ok("<rss/>").delay(Duration::from_millis(20));
        servers.push(TestServer::start_with(handler, Some(shared.clone())).await);
    }
    let fetcher = Fetcher::new(Limits {
        max_per_host: 2,
        max_concurrent: 5,
        ..limits()
    })
    .unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        for server in &servers {
            let fetcher = fetcher.clone();
            let url = server.url(&format!("/feed/{i}"));
            tasks.push(tokio::spawn(async move {
                fetcher.fetch_feed(&http(&url)).await
            }));
        }
    }
    for task in tasks {
        let outcome = task.await.unwrap();
        assert!(matches!(outcome, FetchOutcome::Modified(_)), "{outcome:?}");
    }
    assert!(shared.max() <= 5, "global limit exceeded: {}", shared.max());
    assert!(
        shared.max() >= 3,
        "requests should overlap: {}",
        shared.max()
    );
    for server in &servers {
        assert_eq!(server.request_count(), 20);
        assert!(server.gauge().max() <= 2);
    }
}
