//! The byte budget (`Limits::max_bytes_in_flight`) against a loopback server: fetches hold
//! at most the budget at once, a body larger than the whole budget goes through alone, time
//! spent waiting for the budget does not count against the timeout, and a refresh of many
//! large feeds (plain, gzip without a length, and sent without a length until close) with a
//! budget smaller than one of them completes with every article stored.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{Response, TestServer};
use tidings::config::{Config, FeedLocation};
use tidings::engine::{self, Command, EngineSetup, Event, Polling, RefreshMode, RefreshRequest};
use tidings::fetch::{FeedRequest, FetchOutcome, Fetcher, Limits};
use tidings::highlight::Highlighter;
use tidings::store::{OpenMode, Store, Writer};

/// An RSS feed of `items` items of about 3 KB each.
fn big_feed(name: &str, items: usize) -> String {
    let mut xml = format!("<rss version=\"2.0\"><channel><title>{name}</title>");
    let paragraph = "<p>Some words of a long article body, repeated to make it big.</p>".repeat(45);
    for i in 0..items {
        xml.push_str(&format!(
            "<item><guid>{name}-{i}</guid><title>{name} item {i}</title>\
             <description><![CDATA[{paragraph}]]></description></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn fetches_hold_at_most_the_budget_and_a_larger_body_goes_through_alone() {
    runtime().block_on(async {
        let body = big_feed("f", 60); // about 180 KB
        let len = body.len() as u64;
        let server = {
            let body = body.clone();
            TestServer::start(move |req| {
                let r = Response::ok(body.clone());
                match req.path() {
                    "/gzip.xml" => r.gzip(),
                    "/close.xml" => r.until_close(),
                    _ => r,
                }
            })
            .await
        };
        // Room for two bodies, not three; a timeout that the waits would exceed if they
        // counted (the last turns wait 6 and 7.5 s), and that leaves a fetch's own work
        // seconds even on a loaded machine (1.5 s did not always do).
        let fetcher = Fetcher::new(Limits {
            max_bytes_in_flight: len * 2 + len / 2,
            timeout: Duration::from_secs(5),
            max_per_host: 16,
            max_concurrent: 16,
            ..Limits::default()
        })
        .unwrap();
        let holding = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..12 {
            let path = ["/plain.xml", "/gzip.xml", "/close.xml"][i % 3];
            let url = format!("{}?{i}", server.url(path));
            let (fetcher, holding, most) = (fetcher.clone(), holding.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                let request = FeedRequest::new(FeedLocation::Http(url));
                let (outcome, held) = fetcher.fetch_feed_held(&request).await;
                let now = holding.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Parsing and handing over take a while: 12 x 1.5 s held in turns of at
                // most two (9 s) is well past the 5 s timeout.
                tokio::time::sleep(Duration::from_millis(1500)).await;
                holding.fetch_sub(1, Ordering::SeqCst);
                let bytes = held.bytes();
                drop(held);
                (outcome, bytes)
            }));
        }
        for task in tasks {
            let (outcome, bytes) = task.await.unwrap();
            match outcome {
                FetchOutcome::Modified(f) => assert_eq!(f.body.len() as u64, len),
                other => panic!("expected the body, got {other:?}"),
            }
            assert!(bytes >= len, "the body's bytes were held: {bytes} < {len}");
        }
        assert!(
            most.load(Ordering::SeqCst) <= 2,
            "at most two bodies held at once"
        );
        assert_eq!(fetcher.byte_budget().available(), len * 2 + len / 2);

        // A budget smaller than one body: each goes through alone, none fails.
        let tiny = Fetcher::new(Limits {
            max_bytes_in_flight: 10_000,
            max_per_host: 8,
            max_concurrent: 8,
            ..Limits::default()
        })
        .unwrap();
        let mut tasks = Vec::new();
        for i in 0..6 {
            let path = ["/plain.xml", "/gzip.xml", "/close.xml"][i % 3];
            let request = FeedRequest::new(FeedLocation::Http(server.url(path)));
            let tiny = tiny.clone();
            tasks.push(tokio::spawn(async move {
                let (outcome, held) = tiny.fetch_feed_held(&request).await;
                assert_eq!(held.bytes(), 10_000, "the whole budget");
                outcome
            }));
        }
        for task in tasks {
            let outcome = tokio::time::timeout(Duration::from_secs(20), task)
                .await
                .expect("no deadlock")
                .unwrap();
            assert!(matches!(outcome, FetchOutcome::Modified(_)), "{outcome:?}");
        }
        assert_eq!(tiny.byte_budget().available(), 10_000);
    });
}

#[test]
fn a_refresh_of_many_large_feeds_with_a_small_budget_stores_everything() {
    const FEEDS: usize = 24;
    const ITEMS: usize = 40;
    let runtime = runtime();
    let server = runtime.block_on(TestServer::start(|req| {
        let n: usize = req
            .path()
            .trim_start_matches("/f")
            .trim_end_matches(".xml")
            .parse()
            .unwrap_or(0);
        let r = Response::ok(big_feed(&format!("feed{n}"), ITEMS));
        match n % 3 {
            0 => r,
            1 => r.gzip(),
            _ => r.until_close(),
        }
    }));
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("max_concurrent_fetches = 16\nmax_per_host = 16\n");
    for i in 0..FEEDS {
        text.push_str(&format!(
            "[[feeds]]\nurl = \"{}\"\n",
            server.url(&format!("/f{i}.xml"))
        ));
    }
    let config = Config::parse(&text, &dir.path().join("config.toml")).unwrap();
    let store = Store::open(&dir.path().join("data"), OpenMode::ReadWrite)
        .unwrap()
        .store;
    let writer = Writer::spawn(&store).unwrap();
    let engine_runtime = engine::runtime().unwrap();
    let fetcher = {
        let _guard = engine_runtime.enter();
        // Each feed is about 120 KB: a budget of 100 KB lets one through at a time.
        Fetcher::new(Limits {
            max_bytes_in_flight: 100_000,
            ..Limits::from_config(&config)
        })
        .unwrap()
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
        engine_runtime,
    );
    let mut events = handle.events.take().unwrap();
    handle
        .commands
        .send(Command::Refresh(RefreshRequest::all(RefreshMode::Force)))
        .unwrap();
    let totals = runtime.block_on(async {
        loop {
            match tokio::time::timeout(Duration::from_secs(60), events.recv()).await {
                Ok(Some(Event::RunFinished(totals))) => break totals,
                Ok(Some(_)) => {}
                other => panic!("the refresh did not finish: {other:?}"),
            }
        }
    });
    handle.shutdown();
    assert_eq!(totals.feeds, FEEDS);
    assert_eq!(totals.ok, FEEDS, "{totals:?}");
    assert_eq!(totals.failed, 0, "{totals:?}");
    assert_eq!(totals.new_articles, FEEDS * ITEMS);
    let store = Store::open(&dir.path().join("data"), OpenMode::ReadOnly)
        .unwrap()
        .store;
    assert_eq!(store.load_articles().unwrap().len(), FEEDS * ITEMS);
}
