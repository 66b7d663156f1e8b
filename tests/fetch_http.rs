//! Fetcher protocol behaviour against a real HTTP server on 127.0.0.1: compression,
//! conditional GET, status handling, redirects, character sets, discovery, files.

mod support;

use support::fetching::{failure, http};

use std::time::Duration;

use chrono::{DateTime, Utc};
use support::{refused_url, Response, TestServer};
use tidings::config::FeedLocation;
use tidings::fetch::charset::decode_document;
use tidings::fetch::discover::{feed_links, looks_like_html};
use tidings::fetch::{FeedRequest, FetchOutcome, Fetched, Fetcher, Limits};
use tidings::model::ErrorKind;

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Loopback</title>
<item><title>Hello</title><link>http://127.0.0.1/1</link><guid>1</guid></item>
</channel></rss>"#;

/// Deadlines that only end a test that hangs: a loaded machine can starve a loopback request
/// for seconds, and none of these tests is about them (one that is sets its own).
fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(10),
        ..Limits::default()
    }
}

fn fetcher() -> Fetcher {
    Fetcher::new(limits()).expect("fetcher")
}

fn modified(outcome: FetchOutcome) -> Fetched {
    match outcome {
        FetchOutcome::Modified(fetched) => fetched,
        other => panic!("expected new content, got {other:?}"),
    }
}

#[tokio::test]
async fn gzip_body_is_inflated() {
    let server = TestServer::start(|_| {
        Response::ok(RSS)
            .header("Content-Type", "application/rss+xml; charset=utf-8")
            .header("ETag", "\"abc\"")
            .gzip()
    })
    .await;
    let got = modified(fetcher().fetch_feed(&http(&server.url("/feed.xml"))).await);
    assert_eq!(got.body, RSS.as_bytes());
    assert_eq!(got.bytes, RSS.len() as u64);
    assert_eq!(
        got.content_type.as_deref(),
        Some("application/rss+xml; charset=utf-8")
    );
    assert_eq!(got.etag.as_deref(), Some("\"abc\""));
    assert_eq!(got.permanent_redirect, None);

    let seen = &server.requests()[0];
    assert!(seen.header("Accept-Encoding").unwrap().contains("gzip"));
    assert!(seen.header("Accept-Encoding").unwrap().contains("br"));
    let agent = seen.header("User-Agent").unwrap();
    assert!(agent.starts_with("tidings/"), "{agent}");
    assert!(
        agent.contains("https://github.com/tidings-rs/tidings"),
        "{agent}"
    );
    assert!(seen
        .header("Accept")
        .unwrap()
        .contains("application/rss+xml"));
}

#[tokio::test]
async fn second_poll_sends_validators_and_gets_304() {
    const LAST_MODIFIED: &str = "Wed, 01 May 2024 12:00:00 GMT";
    let server = TestServer::start(|req| {
        if req.header("If-None-Match") == Some("\"v1\"") {
            Response::new(304).header("Cache-Control", "max-age=600")
        } else {
            Response::ok(RSS)
                .header("ETag", "\"v1\"")
                .header("Last-Modified", LAST_MODIFIED)
                .header("Cache-Control", "public, max-age=300")
        }
    })
    .await;
    let fetcher = fetcher();
    let mut request = http(&server.url("/feed.xml"));
    let before = Utc::now();
    let first = modified(fetcher.fetch_feed(&request).await);
    let not_before = first.not_before.expect("max-age gives a hint");
    assert!(not_before >= before + chrono::Duration::seconds(300));
    assert!(not_before <= Utc::now() + chrono::Duration::seconds(300));

    request.etag = first.etag;
    request.last_modified = first.last_modified;
    match fetcher.fetch_feed(&request).await {
        FetchOutcome::NotModified { not_before } => {
            assert!(not_before.unwrap() >= before + chrono::Duration::seconds(600));
        }
        other => panic!("expected 304, got {other:?}"),
    }

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("If-None-Match"), None);
    assert_eq!(seen[0].header("If-Modified-Since"), None);
    assert_eq!(seen[1].header("If-None-Match"), Some("\"v1\""));
    assert_eq!(seen[1].header("If-Modified-Since"), Some(LAST_MODIFIED));
}

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    let server = TestServer::start(|req| match req.path() {
        "/seconds" => Response::new(429).header("Retry-After", "120"),
        "/date" => Response::new(503).header("Retry-After", "Wed, 01 May 2030 13:30:00 GMT"),
        _ => Response::new(429).header("Retry-After", "whenever"),
    })
    .await;
    let fetcher = fetcher();

    let before = Utc::now();
    let f = failure(fetcher.fetch_feed(&http(&server.url("/seconds"))).await);
    let after = Utc::now();
    assert_eq!(f.kind, ErrorKind::HttpStatus);
    assert_eq!(f.status, Some(429));
    assert_eq!(f.message, "HTTP 429 Too Many Requests");
    let retry = f.retry_after.expect("Retry-After in seconds");
    assert!(retry >= before + chrono::Duration::seconds(120));
    assert!(retry <= after + chrono::Duration::seconds(120));

    let f = failure(fetcher.fetch_feed(&http(&server.url("/date"))).await);
    assert_eq!(f.status, Some(503));
    assert_eq!(f.message, "HTTP 503 Service Unavailable");
    let expected = DateTime::parse_from_rfc3339("2030-05-01T13:30:00Z").unwrap();
    assert_eq!(f.retry_after, Some(expected.with_timezone(&Utc)));

    let f = failure(fetcher.fetch_feed(&http(&server.url("/garbage"))).await);
    assert_eq!(f.status, Some(429));
    assert_eq!(f.retry_after, None);
}

#[tokio::test]
async fn server_errors_are_http_status_failures() {
    let server = TestServer::start(|req| match req.path() {
        "/missing" => Response::new(404).body("nope"),
        _ => Response::new(500).header("Retry-After", "60").body("boom"),
    })
    .await;
    let fetcher = fetcher();
    let f = failure(fetcher.fetch_feed(&http(&server.url("/feed"))).await);
    assert_eq!(f.kind, ErrorKind::HttpStatus);
    assert_eq!(f.message, "HTTP 500 Internal Server Error");
    assert_eq!(f.status, Some(500));
    // Only 429 and 503 mean "come back later".
    assert_eq!(f.retry_after, None);

    let f = failure(fetcher.fetch_feed(&http(&server.url("/missing"))).await);
    assert_eq!(f.message, "HTTP 404 Not Found");
    assert_eq!(f.status, Some(404));
}

#[tokio::test]
async fn permanent_redirect_chain_is_reported() {
    let server = TestServer::start(|req| match req.path() {
        "/old" => Response::redirect(301, "/middle"),
        "/middle" => Response::redirect(308, "/new.xml"),
        "/temp" => Response::redirect(302, "/old"),
        "/new.xml" => Response::ok(RSS),
        _ => Response::new(404),
    })
    .await;
    let fetcher = fetcher();
    let mut request = http(&server.url("/old"));
    request.etag = Some("\"e\"".into());
    let got = modified(fetcher.fetch_feed(&request).await);
    assert_eq!(got.body, RSS.as_bytes());
    assert_eq!(got.permanent_redirect, Some(server.url("/new.xml")));
    let paths: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(paths, ["/old", "/middle", "/new.xml"]);
    // Validators go along every hop: they belong to the final document.
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("If-None-Match") == Some("\"e\"")));

    // A temporary hop anywhere: the configured URL stays the entry point.
    let got = modified(fetcher.fetch_feed(&http(&server.url("/temp"))).await);
    assert_eq!(got.body, RSS.as_bytes());
    assert_eq!(got.permanent_redirect, None);
}

#[tokio::test]
async fn redirect_loops_and_long_chains_fail() {
    let server = TestServer::start(|req| match req.path() {
        "/a" => Response::redirect(302, "/b"),
        "/b" => Response::redirect(301, &format!("http://{}/a", req.header("Host").unwrap())),
        p => {
            let n: u32 = p.trim_start_matches("/hop/").parse().unwrap_or(0);
            Response::redirect(302, &format!("/hop/{}", n + 1))
        }
    })
    .await;
    let fetcher = Fetcher::new(Limits {
        max_redirects: 3,
        ..limits()
    })
    .unwrap();

    let f = failure(fetcher.fetch_feed(&http(&server.url("/a"))).await);
    assert_eq!(f.kind, ErrorKind::TooManyRedirects);
    assert_eq!(f.message, format!("redirect loop at {}", server.url("/a")));
    assert_eq!(server.request_count(), 2);

    let f = failure(fetcher.fetch_feed(&http(&server.url("/hop/0"))).await);
    assert_eq!(f.kind, ErrorKind::TooManyRedirects);
    assert!(
        f.message.starts_with("more than 3 redirects"),
        "{}",
        f.message
    );
    // The original request plus three redirects followed, no more.
    assert_eq!(server.request_count(), 2 + 4);
}

#[tokio::test]
async fn non_utf8_feeds_decode_from_header_or_prolog() {
    let (koi8, _, _) = encoding_rs::KOI8_R.encode(
        "<?xml version=\"1.0\" encoding=\"KOI8-R\"?><rss><channel><title>Новости</title></channel></rss>",
    );
    let koi8 = koi8.into_owned();
    let latin1 = b"<rss><channel><title>Caf\xE9 \x93cr\xE8me\x94</title></channel></rss>".to_vec();
    let server = TestServer::start(move |req| match req.path() {
        "/koi8.xml" => Response::ok(koi8.clone()).header("Content-Type", "application/rss+xml"),
        _ => Response::ok(latin1.clone()).header("Content-Type", "text/xml; charset=ISO-8859-1"),
    })
    .await;
    let fetcher = fetcher();

    let got = modified(fetcher.fetch_feed(&http(&server.url("/koi8.xml"))).await);
    let text = decode_document(&got.body, got.content_type.as_deref());
    assert_eq!(
        text,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><title>Новости</title></channel></rss>"
    );

    let got = modified(fetcher.fetch_feed(&http(&server.url("/latin1.xml"))).await);
    let text = decode_document(&got.body, got.content_type.as_deref());
    assert_eq!(
        text,
        "<rss><channel><title>Café \u{201C}crème\u{201D}</title></channel></rss>"
    );
}

#[tokio::test]
async fn html_page_points_to_its_feed() {
    let page = b"<!DOCTYPE html><html><head><meta charset=\"windows-1252\">\
        <title>Caf\xE9</title>\
        <link rel=\"alternate\" type=\"application/atom+xml\" href=\"/blog/atom.xml\">\
        </head><body>\x93hi\x94</body></html>"
        .to_vec();
    let server = TestServer::start(move |req| match req.path() {
        "/blog/" => Response::ok(page.clone()).header("Content-Type", "text/html"),
        "/blog/atom.xml" => Response::ok(RSS),
        "/paper.pdf" => Response::ok("%PDF-1.4").header("Content-Type", "application/pdf"),
        _ => Response::new(404),
    })
    .await;
    let fetcher = fetcher();
    let page_url = server.url("/blog/");
    let got = modified(fetcher.fetch_feed(&http(&page_url)).await);
    let text = decode_document(&got.body, got.content_type.as_deref());
    assert!(looks_like_html(&text));
    let links = feed_links(&text, &page_url);
    assert_eq!(links, [server.url("/blog/atom.xml")]);
    let feed = modified(fetcher.fetch_feed(&http(&links[0])).await);
    assert!(!looks_like_html(&decode_document(&feed.body, None)));

    // Full-text pages come back decoded.
    let html = fetcher.fetch_page(&page_url).await.unwrap();
    assert!(html.contains("<title>Café</title>"), "{html}");
    assert!(html.contains("\u{201C}hi\u{201D}"));
    let page_request = server.requests().last().cloned().unwrap();
    assert!(page_request
        .header("Accept")
        .unwrap()
        .starts_with("text/html"));
    let f = fetcher
        .fetch_page(&server.url("/paper.pdf"))
        .await
        .unwrap_err();
    assert_eq!(f.kind, ErrorKind::Other);
    assert!(
        f.message.starts_with("not a web page (application/pdf)"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn connection_refused_is_a_connect_failure() {
    let url = refused_url().await;
    let f = failure(fetcher().fetch_feed(&http(&url)).await);
    assert_eq!(f.kind, ErrorKind::Connect, "{f:?}");
    assert_eq!(f.message, "connection refused");
    assert_eq!(f.status, None);
}

#[tokio::test]
async fn local_files_are_read_with_a_validator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.xml");
    std::fs::write(&path, RSS).unwrap();
    let fetcher = fetcher();

    let mut request = FeedRequest::new(FeedLocation::File(path.clone()));
    let got = modified(fetcher.fetch_feed(&request).await);
    assert_eq!(got.body, RSS.as_bytes());
    assert_eq!(got.content_type.as_deref(), Some("application/xml"));
    assert_eq!(got.etag, None);
    let validator = got.last_modified.expect("files have a validator");

    request.last_modified = Some(validator.clone());
    assert_eq!(
        fetcher.fetch_feed(&request).await,
        FetchOutcome::NotModified { not_before: None }
    );

    // A change in size changes the validator even within the same clock tick.
    std::fs::write(&path, format!("{RSS}\n")).unwrap();
    let got = modified(fetcher.fetch_feed(&request).await);
    assert_ne!(got.last_modified, Some(validator));

    let missing = FeedRequest::new(FeedLocation::File(dir.path().join("nope.xml")));
    let f = failure(fetcher.fetch_feed(&missing).await);
    assert_eq!(f.kind, ErrorKind::Io);
    assert!(f.message.starts_with("file not found: "), "{}", f.message);

    let small = Fetcher::new(Limits {
        max_body_size: 16,
        ..limits()
    })
    .unwrap();
    let f = failure(
        small
            .fetch_feed(&FeedRequest::new(FeedLocation::File(path)))
            .await,
    );
    assert_eq!(
        (f.kind, f.message.as_str()),
        (ErrorKind::TooLarge, "body larger than 16 bytes")
    );
}
