//! Enclosure downloads against a real HTTP server on 127.0.0.1: a download cut off mid-body
//! resumes with `Range` into a byte-identical file; a server that ignores `Range` restarts it
//! cleanly; a complete `.part` is finished on 416; the size limit; hostile file names; the
//! engine's bound on parallel downloads, the stored `downloaded` mark, and `.part` files left
//! for the next try when the engine stops.

mod store_support;
mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use store_support::article;
use support::{Response, TestServer};
use tidings::config::Config;
use tidings::engine::{self, Command, EnclosureError, EngineSetup, Event, Polling};
use tidings::fetch::download::{file_name, part_path};
use tidings::fetch::{DownloadError, DownloadRequest, DownloadSource, Fetcher, Limits};
use tidings::highlight::Highlighter;
use tidings::model::{Enclosure, ErrorKind, MediaMark, NewArticle};
use tidings::store::{OpenMode, Store, Writer};

/// `n` bytes that are not all alike, so that a misplaced range shows.
fn file(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(10),
        ..Limits::default()
    }
}

/// The `.part` files in `dir`.
fn parts(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".part"))
        .collect()
}

#[test]
fn a_cut_off_download_resumes_with_range_into_an_identical_file() {
    let rt = runtime();
    rt.block_on(async {
        let data = file(200_000);
        let calls = Arc::new(AtomicUsize::new(0));
        let server = {
            let (data, calls) = (data.clone(), calls.clone());
            TestServer::start(move |req| {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Response::ok(data.clone()).cut_off(70_000)
                } else {
                    Response::range_of(req, &data)
                }
            })
            .await
        };
        let fetcher = Fetcher::new(limits()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = server.url("/show/ep%201.mp3");
        let source = DownloadSource::Http(url.clone());
        let req = DownloadRequest {
            source: &source,
            url: &url,
            mime: Some("audio/mpeg"),
            dir: dir.path(),
            max_size: 10 << 20,
        };

        let mut seen = Vec::new();
        let err = fetcher
            .download(&req, &mut |done, total| seen.push((done, total)))
            .await
            .unwrap_err();
        let DownloadError::Incomplete { got, want } = err else {
            panic!("expected an incomplete download, got {err:?}");
        };
        assert_eq!(want, 200_000);
        assert!(got > 0 && got <= 70_000, "{got}");
        assert_eq!(seen.last(), Some(&(got, Some(200_000))));
        let part = parts(dir.path());
        assert_eq!(part.len(), 1, "the part stays for a resume");
        assert_eq!(std::fs::metadata(&part[0]).unwrap().len(), got);

        let done = fetcher.download(&req, &mut |_, _| {}).await.unwrap();
        assert_eq!(done.resumed_from, got);
        assert_eq!(done.bytes, 200_000);
        assert_eq!(done.path, dir.path().join("ep 1.mp3"));
        assert!(std::fs::read(&done.path).unwrap() == data, "byte-identical");
        assert!(parts(dir.path()).is_empty());
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].header("Range"), None);
        assert_eq!(
            requests[1].header("Range"),
            Some(format!("bytes={got}-").as_str())
        );
        assert_eq!(requests[1].header("Accept-Encoding"), Some("identity"));
    });
}

#[test]
fn a_server_that_ignores_range_starts_the_file_over() {
    let rt = runtime();
    rt.block_on(async {
        let data = file(50_000);
        let server = {
            let data = data.clone();
            TestServer::start(move |_| Response::ok(data.clone())).await
        };
        let fetcher = Fetcher::new(limits()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = server.url("/ep.mp3");
        // A part of bytes that are not the file's: they must all go.
        let part = part_path(dir.path(), &url, &file_name(&url, None));
        std::fs::write(&part, vec![0xAA; 30_000]).unwrap();
        let source = DownloadSource::Http(url.clone());
        let req = DownloadRequest {
            source: &source,
            url: &url,
            mime: None,
            dir: dir.path(),
            max_size: 10 << 20,
        };
        let done = fetcher.download(&req, &mut |_, _| {}).await.unwrap();
        assert_eq!(done.resumed_from, 0);
        assert!(std::fs::read(&done.path).unwrap() == data);
        assert_eq!(server.requests()[0].header("Range"), Some("bytes=30000-"));
        assert!(parts(dir.path()).is_empty());
    });
}

#[test]
fn a_complete_part_is_finished_when_the_server_says_416() {
    let rt = runtime();
    rt.block_on(async {
        let data = file(10_000);
        let server = {
            let data = data.clone();
            TestServer::start(move |req| Response::range_of(req, &data)).await
        };
        let fetcher = Fetcher::new(limits()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = server.url("/ep.ogg");
        std::fs::write(part_path(dir.path(), &url, "ep.ogg"), &data).unwrap();
        let source = DownloadSource::Http(url.clone());
        let req = DownloadRequest {
            source: &source,
            url: &url,
            mime: None,
            dir: dir.path(),
            max_size: 10 << 20,
        };
        let done = fetcher.download(&req, &mut |_, _| {}).await.unwrap();
        assert_eq!(done.bytes, 10_000);
        assert!(std::fs::read(&done.path).unwrap() == data);
        // An existing file of the same name is kept: the new one gets a suffix.
        std::fs::write(part_path(dir.path(), &url, "ep.ogg"), &data).unwrap();
        let again = fetcher.download(&req, &mut |_, _| {}).await.unwrap();
        assert_eq!(again.path, dir.path().join("ep-2.ogg"));
    });
}

#[test]
fn max_download_size_stops_a_download_and_leaves_nothing() {
    let rt = runtime();
    rt.block_on(async {
        let server = TestServer::start(|req| {
            if req.path() == "/sized.mp3" {
                Response::ok(file(5_000))
            } else {
                Response::ok(file(5_000)).until_close()
            }
        })
        .await;
        let fetcher = Fetcher::new(limits()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for path in ["/sized.mp3", "/unsized.mp3"] {
            let url = server.url(path);
            let source = DownloadSource::Http(url.clone());
            let req = DownloadRequest {
                source: &source,
                url: &url,
                mime: None,
                dir: dir.path(),
                max_size: 1_000,
            };
            let err = fetcher.download(&req, &mut |_, _| {}).await.unwrap_err();
            assert!(
                matches!(&err, DownloadError::Fetch(f) if f.kind == ErrorKind::TooLarge),
                "{path}: {err:?}"
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    });
}

#[test]
fn hostile_url_paths_never_leave_the_download_dir() {
    let rt = runtime();
    rt.block_on(async {
        let server = TestServer::start(|_| Response::ok("x")).await;
        let fetcher = Fetcher::new(limits()).unwrap();
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("downloads");
        for path in [
            "/../../etc/passwd",
            "/..%2F..%2Fetc%2Fpasswd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/a/..%5C..%5Cwin.ini",
            "/.bashrc",
        ] {
            let url = server.url(path);
            let source = DownloadSource::Http(url.clone());
            let req = DownloadRequest {
                source: &source,
                url: &url,
                mime: None,
                dir: &dir,
                max_size: 1_000,
            };
            let done = fetcher.download(&req, &mut |_, _| {}).await.unwrap();
            assert_eq!(done.path.parent(), Some(dir.as_path()), "{path}");
            let name = done.path.file_name().unwrap().to_string_lossy();
            assert!(
                !name.starts_with('.') && !name.contains(['/', '\\']),
                "{path}: {name}"
            );
        }
        // Nothing was written outside the download dir.
        let outside: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(outside, vec![std::ffi::OsString::from("downloads")]);
    });
}

/// Article `n` with one enclosure at `url`.
fn episode(n: u32, url: String) -> NewArticle {
    let mut a = article("https://podcast.example.org/feed.xml", n);
    a.enclosures = vec![Enclosure {
        url,
        mime: Some("audio/mpeg".into()),
        length: Some(4_000),
        duration: Some(Duration::from_secs(60)),
    }];
    a.meta.media = MediaMark::Attached;
    a
}

/// An engine over a store holding `articles`, downloading into `downloads`.
fn engine_with(
    data: &Path,
    downloads: &Path,
    articles: &[NewArticle],
    max_downloads: usize,
) -> engine::EngineHandle {
    let store = Store::open(data, OpenMode::ReadWrite).unwrap().store;
    store.insert_articles(articles).unwrap();
    let config = Config {
        max_downloads,
        max_per_host: 8,
        download_dir: Some(downloads.to_path_buf()),
        ..Config::default()
    };
    let writer = Writer::spawn(&store).unwrap();
    let runtime = engine::runtime().unwrap();
    let fetcher = {
        let _guard = runtime.enter();
        Fetcher::new(Limits {
            max_per_host: 8,
            ..limits()
        })
        .unwrap()
    };
    engine::start(
        EngineSetup {
            config: Arc::new(config),
            writer,
            reader: store,
            fetcher,
            highlighter: Arc::new(Highlighter::new(&[]).unwrap()),
            polling: Polling::OnRequest,
        },
        runtime,
    )
}

#[test]
fn the_engine_runs_at_most_max_downloads_at_once_and_stores_the_files() {
    let server_rt = runtime();
    let server = server_rt.block_on(TestServer::start(|_| {
        Response::ok(file(4_000)).delay(Duration::from_millis(150))
    }));
    let home = tempfile::tempdir().unwrap();
    let (data, downloads) = (home.path().join("data"), home.path().join("downloads"));
    let articles: Vec<NewArticle> = (0..5)
        .map(|n| episode(n, server.url(&format!("/ep{n}.mp3"))))
        .collect();
    let mut engine = engine_with(&data, &downloads, &articles, 2);
    let mut events = engine.events.take().unwrap();
    for a in &articles {
        let _ = engine.commands.send(Command::Download {
            id: a.meta.id,
            index: 0,
        });
    }
    // A second request for one already queued is refused, not run twice.
    let _ = engine.commands.send(Command::Download {
        id: articles[4].meta.id,
        index: 0,
    });
    let mut finished = Vec::new();
    let mut refused = 0;
    while finished.len() < 5 {
        match events.blocking_recv().expect("the engine runs") {
            Event::DownloadFinished {
                result: Err(EnclosureError::AlreadyQueued),
                ..
            } => refused += 1,
            Event::DownloadFinished { id, result, .. } => {
                finished.push((id, result.expect("downloaded")))
            }
            _ => {}
        }
    }
    engine.shutdown();
    assert_eq!(refused, 1);
    assert_eq!(server.request_count(), 5);
    assert_eq!(server.gauge().max(), 2, "max_downloads = 2");

    let store = Store::open(&data, OpenMode::ReadOnly).unwrap().store;
    for a in &articles {
        let (_, done) = finished.iter().find(|(id, _)| *id == a.meta.id).unwrap();
        assert!(done.path.starts_with(&downloads));
        assert_eq!(std::fs::metadata(&done.path).unwrap().len(), 4_000);
        let stored = store.enclosures(a.meta.id).unwrap();
        assert_eq!(stored[0].downloaded.as_ref(), Some(&done.path));
    }
    let marks: Vec<MediaMark> = store
        .load_articles()
        .unwrap()
        .iter()
        .map(|a| a.media)
        .collect();
    assert_eq!(marks, vec![MediaMark::Downloaded; 5]);
}

#[test]
fn stopping_the_engine_keeps_the_part_of_a_running_download() {
    let server_rt = runtime();
    let server = server_rt.block_on(TestServer::start(|_| {
        Response::ok(file(2_000)).drip(Duration::from_millis(5))
    }));
    let home = tempfile::tempdir().unwrap();
    let (data, downloads) = (home.path().join("data"), home.path().join("downloads"));
    let articles = vec![episode(1, server.url("/slow.mp3"))];
    let mut engine = engine_with(&data, &downloads, &articles, 2);
    let mut events = engine.events.take().unwrap();
    let _ = engine.commands.send(Command::Download {
        id: articles[0].meta.id,
        index: 0,
    });
    loop {
        match events.blocking_recv().expect("the engine runs") {
            Event::DownloadProgress { done, .. } if done > 0 => break,
            Event::DownloadFinished { result, .. } => panic!("finished early: {result:?}"),
            _ => {}
        }
    }
    engine.shutdown();
    let part = parts(&downloads);
    assert_eq!(part.len(), 1, "{part:?}");
    let kept = std::fs::metadata(&part[0]).unwrap().len();
    assert!(kept > 0 && kept < 2_000, "{kept}");
    assert_eq!(std::fs::read_dir(&downloads).unwrap().count(), 1);
}
