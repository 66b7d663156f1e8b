//! Loading article images against a loopback server: decoded and shrunk to the asked box,
//! kept in the disk cache (a second load, and a load after a restart, make no request), the
//! `max_image_size` cap honoured with and without a Content-Length, the per-host limit
//! shared with feeds, errors named, a damaged cache entry fetched again, local files with
//! their web fallback, and the engine answering `FetchImage` with `ImageLoaded`.

mod support;

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use image::{ImageFormat, Rgba, RgbaImage};
use support::{Response, TestServer};
use tidings::config::Config;
use tidings::engine::{self, Command, EngineSetup, Event, Polling};
use tidings::fetch::{Fetcher, Limits};
use tidings::highlight::Highlighter;
use tidings::images::{ImageCache, ImageError, ImageKey, ImageSource, Loader};
use tidings::model::ErrorKind;
use tidings::store::{OpenMode, Store, Writer};

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, _| {
        if x % 2 == 0 {
            Rgba([220, 40, 40, 255])
        } else {
            Rgba([40, 40, 220, 255])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

const CAP: u64 = 16 * 1024;

/// How long the server holds the image whose load the engine test cancels: far longer than
/// the engine takes to get to the cancel right behind the fetch in its queue, even on a
/// loaded machine, so that the load cannot finish (and answer) first.
const HELD: Duration = Duration::from_secs(2);

async fn server() -> TestServer {
    TestServer::start(|req| match req.path() {
        "/wide.png" => Response::ok(png(400, 100)).header("content-type", "image/png"),
        "/slow.png" => Response::ok(png(8, 8)).delay(Duration::from_millis(150)),
        "/held.png" => Response::ok(png(8, 8)).delay(HELD),
        // Noise does not compress: larger than the cap.
        "/huge.png" => Response::ok(
            (0..CAP as usize * 4)
                .map(|i| (i * 31 % 251) as u8)
                .collect::<Vec<u8>>(),
        ),
        "/huge-unsized.png" => Response::ok(vec![7u8; CAP as usize * 4]).until_close(),
        "/page.png" => Response::ok("<html><body>Sign in</body></html>")
            .header("content-type", "text/html; charset=utf-8"),
        "/junk.png" => Response::ok(b"GIF89a but not really".to_vec()),
        _ => Response::new(404),
    })
    .await
}

fn key(url: String) -> ImageKey {
    ImageKey {
        source: ImageSource::Web(url),
        max_width: 100,
        max_height: 100,
    }
}

fn loader(cache: Option<&std::path::Path>, limits: Limits) -> Loader {
    Loader::new(
        Fetcher::new(limits).unwrap(),
        CAP,
        cache.map(|c| c.to_path_buf()),
        1024 * 1024,
    )
}

fn requests(server: &TestServer, path: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path() == path)
        .count()
}

#[tokio::test]
async fn loads_shrinks_and_caches_on_disk() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("images");
    let l = loader(Some(&cache_dir), Limits::default());
    let image = l.load(&key(server.url("/wide.png"))).await.unwrap();
    assert_eq!(image.natural, (400, 100));
    assert_eq!((image.width(), image.height()), (100, 25), "fits the box");
    let again = l.load(&key(server.url("/wide.png"))).await.unwrap();
    assert_eq!(again, image);
    assert_eq!(
        requests(&server, "/wide.png"),
        1,
        "the second load is cached"
    );
    let accept = server.requests()[0]
        .header("accept")
        .unwrap_or("")
        .to_string();
    assert!(accept.starts_with("image/png"), "{accept}");

    // Another size of the same image comes from the same cached bytes.
    let bigger = ImageKey {
        max_width: 200,
        ..key(server.url("/wide.png"))
    };
    assert_eq!(l.load(&bigger).await.unwrap().width(), 200);

    // A restart finds it on disk.
    drop(l);
    let l = loader(Some(&cache_dir), Limits::default());
    l.load(&key(server.url("/wide.png"))).await.unwrap();
    assert_eq!(requests(&server, "/wide.png"), 1, "cached across restarts");
    let cache = ImageCache::open(&cache_dir, 1024 * 1024).unwrap();
    assert!(cache.contains(&server.url("/wide.png")));
}

#[tokio::test]
async fn max_image_size_is_a_hard_cap() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("images");
    let l = loader(Some(&cache_dir), Limits::default());
    for path in ["/huge.png", "/huge-unsized.png"] {
        let e = l.load(&key(server.url(path))).await.unwrap_err();
        assert_eq!(e, ImageError::TooLarge { limit: CAP }, "{path}");
        assert_eq!(e.to_string(), "larger than 16 KiB");
    }
    // Feeds keep their own (larger) cap: the image cap is separate.
    assert_eq!(Limits::default().max_body_size, 20 * 1024 * 1024);
    let cache = ImageCache::open(&cache_dir, 1024 * 1024).unwrap();
    assert!(cache.is_empty(), "nothing too large is cached");
}

#[tokio::test]
async fn failures_say_what_went_wrong() {
    let server = server().await;
    let l = loader(None, Limits::default());
    match l.load(&key(server.url("/missing.png"))).await {
        Err(ImageError::Fetch(f)) => {
            assert_eq!(f.kind, ErrorKind::HttpStatus);
            assert_eq!(f.to_string(), "HTTP 404 Not Found");
        }
        other => panic!("{other:?}"),
    }
    let e = l.load(&key(server.url("/page.png"))).await.unwrap_err();
    assert_eq!(e.to_string(), "not an image (the server sent a web page)");
    let e = l.load(&key(server.url("/junk.png"))).await.unwrap_err();
    assert!(matches!(e, ImageError::Decode(_)), "{e:?}");
}

#[tokio::test]
async fn a_damaged_cache_entry_is_fetched_again() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("images");
    let url = server.url("/wide.png");
    {
        // An entry whose body is not an image any more (disk trouble, another version).
        let cache = ImageCache::open(&cache_dir, 1024 * 1024).unwrap();
        cache.put(&url, b"\x89PNG but cut short");
    }
    let l = loader(Some(&cache_dir), Limits::default());
    let image = l.load(&key(url.clone())).await.unwrap();
    assert_eq!(image.natural, (400, 100));
    assert_eq!(requests(&server, "/wide.png"), 1);
    let cache = ImageCache::open(&cache_dir, 1024 * 1024).unwrap();
    let stored = cache.get(&url).unwrap();
    assert_eq!(
        stored,
        png(400, 100),
        "the good image replaced the damaged one"
    );
}

#[tokio::test]
async fn images_share_the_per_host_limit() {
    let server = server().await;
    let limits = Limits {
        max_per_host: 1,
        ..Limits::default()
    };
    let l = Arc::new(loader(None, limits));
    let mut tasks = Vec::new();
    for n in 0..4 {
        let l = l.clone();
        let k = ImageKey {
            max_width: 10 + n,
            ..key(server.url("/slow.png"))
        };
        tasks.push(tokio::spawn(async move { l.load(&k).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(requests(&server, "/slow.png"), 4);
    assert_eq!(server.gauge().max(), 1, "one request at a time to one host");
}

#[tokio::test]
async fn local_images_and_their_web_fallback() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chart.png");
    std::fs::write(&file, png(30, 20)).unwrap();
    let l = loader(None, Limits::default());
    let local = |path: std::path::PathBuf, web: Option<String>| ImageKey {
        source: ImageSource::File { path, web },
        max_width: 100,
        max_height: 100,
    };
    let image = l.load(&local(file.clone(), None)).await.unwrap();
    assert_eq!(image.natural, (30, 20));
    // No such file: the same reference resolved against the article's link.
    let missing = dir.path().join("wide.png");
    let image = l
        .load(&local(missing.clone(), Some(server.url("/wide.png"))))
        .await
        .unwrap();
    assert_eq!(image.natural, (400, 100));
    match l.load(&local(missing, None)).await {
        Err(ImageError::File { message }) => assert!(message.starts_with("no file "), "{message}"),
        other => panic!("{other:?}"),
    }
    // The size cap holds for files too.
    let big = dir.path().join("big.png");
    std::fs::write(&big, vec![0u8; CAP as usize + 1]).unwrap();
    assert_eq!(
        l.load(&local(big, None)).await.unwrap_err(),
        ImageError::TooLarge { limit: CAP }
    );
}

/// The engine loads images for a front end: `FetchImage` is answered by `ImageLoaded`, the
/// image lands in `<data dir>/images`, and a cancelled load sends nothing.
#[test]
fn the_engine_answers_fetch_image() {
    let test_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = test_rt.block_on(server());
    let dir = tempfile::tempdir().unwrap();
    let config = Config::parse(
        "max_image_size = \"16KiB\"\nimage_cache_mb = 1\n",
        &dir.path().join("config.toml"),
    )
    .unwrap();
    let data = dir.path().join("data");
    let store = Store::open(&data, OpenMode::ReadWrite).unwrap().store;
    let writer = Writer::spawn(&store).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
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
    let held = key(server.url("/held.png"));
    let wide = key(server.url("/wide.png"));
    let huge = key(server.url("/huge.png"));
    let sent = std::time::Instant::now();
    for k in [&held, &wide, &huge] {
        handle
            .commands
            .send(Command::FetchImage(k.clone()))
            .unwrap();
    }
    handle
        .commands
        .send(Command::CancelImages(vec![held.clone()]))
        .unwrap();
    let mut answered = Vec::new();
    test_rt.block_on(async {
        while answered.len() < 2 {
            match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
                Ok(Some(Event::ImageLoaded { key, result })) => answered.push((key, result)),
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        // The cancelled one never answers: not by the time the server lets it go, nor
        // shortly after.
        let until = tokio::time::Instant::from_std(sent + HELD + Duration::from_millis(400));
        while let Ok(Some(event)) = tokio::time::timeout_at(until, events.recv()).await {
            assert!(!matches!(event, Event::ImageLoaded { .. }), "{event:?}");
        }
    });
    handle.shutdown();
    answered.sort_by_key(|(k, _)| k.source.shown());
    assert_eq!(answered.len(), 2, "{answered:?}");
    assert_eq!(answered[0].0, huge);
    assert_eq!(
        answered[0].1,
        Err(ImageError::TooLarge { limit: 16 * 1024 })
    );
    assert_eq!(answered[1].0, wide);
    assert_eq!(answered[1].1.as_ref().unwrap().natural, (400, 100));
    let cache = ImageCache::open(&data.join("images"), 1024 * 1024).unwrap();
    assert!(cache.contains(&server.url("/wide.png")));
}
