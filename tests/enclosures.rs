//! Enclosures end to end: stored with their article and loaded on demand (and following it
//! through retention, renames and gc); the reader's `♫` lines, the list's mark and the status
//! bar's download progress (TestBackend); `e` and `E` producing the right effects; and the
//! headless `list --enclosures`, `show` and `download` on a local podcast feed; and `E` / `e`
//! on the demo's podcast in the real binary.

mod store_support;
mod support;
mod ui_fixture;

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::KeyCode;
use store_support::{article, FEED_A, FEED_B};
use tidings::config::{FeedLocation, Retention};
use tidings::engine::{Command, DownloadDone, EnclosureError, Event};
use tidings::model::{ArticleId, Enclosure, MediaMark, NewArticle, StoredEnclosure};
use tidings::store::{OpenMode, Store, WriteOp, Writer};
use tidings::ui::{update, AppState, Effect, Msg};
use ui_fixture::{code, key, screen, state_with, with};

fn mp3(url: &str) -> Enclosure {
    Enclosure {
        url: url.to_string(),
        mime: Some("audio/mpeg".into()),
        length: Some(38_000_000),
        duration: Some(Duration::from_secs(42 * 60)),
    }
}

fn bare(url: &str) -> Enclosure {
    Enclosure {
        url: url.to_string(),
        mime: None,
        length: None,
        duration: None,
    }
}

fn with_enclosures(mut a: NewArticle, enclosures: Vec<Enclosure>) -> NewArticle {
    a.meta.media = MediaMark::of(&enclosures);
    a.enclosures = enclosures;
    a
}

fn open_rw(dir: &Path) -> Store {
    Store::open(dir, OpenMode::ReadWrite).unwrap().store
}

// ---- the store ----

#[test]
fn enclosures_are_stored_with_their_article_and_loaded_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let episode = with_enclosures(
        article(FEED_A, 1),
        vec![
            mp3("https://cdn.example.org/ep1.mp3"),
            bare("https://cdn.example.org/c.jpg"),
        ],
    );
    let plain = article(FEED_A, 2);
    store
        .insert_articles(&[episode.clone(), plain.clone()])
        .unwrap();
    // A refresh that sees the article again adds nothing.
    store
        .insert_articles(std::slice::from_ref(&episode))
        .unwrap();

    let id = episode.meta.id;
    let stored = store.enclosures(id).unwrap();
    let want: Vec<StoredEnclosure> = episode
        .enclosures
        .iter()
        .enumerate()
        .map(|(index, e)| StoredEnclosure {
            article: id,
            index,
            enclosure: e.clone(),
            downloaded: None,
        })
        .collect();
    assert_eq!(stored, want);
    assert!(store.enclosures(plain.meta.id).unwrap().is_empty());
    let mark = |store: &Store, id: ArticleId| {
        store
            .load_articles()
            .unwrap()
            .into_iter()
            .find(|a| a.id == id)
            .unwrap()
            .media
    };
    assert_eq!(mark(&store, id), MediaMark::Attached);
    assert_eq!(mark(&store, plain.meta.id), MediaMark::None);
    // The start-up snapshot reads the mark too.
    let newest = store.snapshot().unwrap().newest_articles(10).unwrap();
    assert!(newest
        .iter()
        .any(|a| a.id == id && a.media == MediaMark::Attached));

    let path = dir.path().join("ep1.mp3");
    store.set_downloaded(id, 0, Some(&path)).unwrap();
    assert_eq!(mark(&store, id), MediaMark::Downloaded);
    assert_eq!(store.enclosures(id).unwrap()[0].downloaded, Some(path));
    assert_eq!(store.enclosures(id).unwrap()[1].downloaded, None);
    store.set_downloaded(id, 0, None).unwrap();
    assert_eq!(mark(&store, id), MediaMark::Attached);

    // Through the writer, as the engine does it.
    let writer = Writer::spawn(&store).unwrap();
    writer.send(WriteOp::SetDownloaded {
        id,
        index: 1,
        path: Some(PathBuf::from("/tmp/c.jpg")),
    });
    writer.try_flush().unwrap();
    assert_eq!(mark(&store, id), MediaMark::Downloaded);
    assert_eq!(
        store.enclosures(id).unwrap()[1].downloaded.as_deref(),
        Some(Path::new("/tmp/c.jpg"))
    );
}

#[test]
fn enclosures_follow_their_article_through_retention_renames_and_gc() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_rw(dir.path());
    let mut old = with_enclosures(article(FEED_A, 1), vec![mp3("https://x.org/1.mp3")]);
    old.meta.read = true;
    old.meta.published = Some(Utc::now() - chrono::Duration::days(400));
    let kept = with_enclosures(article(FEED_A, 2), vec![mp3("https://x.org/2.mp3")]);
    store.insert_articles(&[old.clone(), kept.clone()]).unwrap();
    let retention = Retention {
        max_articles_per_feed: None,
        max_age_days: Some(30),
    };
    let feed = old.meta.feed;
    assert_eq!(
        store.apply_retention(feed, &retention, Utc::now()).unwrap(),
        1
    );
    assert!(store.enclosures(old.meta.id).unwrap().is_empty());
    assert_eq!(store.enclosures(kept.meta.id).unwrap().len(), 1);

    // A moved feed re-keys its articles: the enclosures come along.
    let new_url = "https://a.example.org/new-feed.xml";
    assert_eq!(store.rename_feed(FEED_A, new_url).unwrap(), 1);
    assert!(store.enclosures(kept.meta.id).unwrap().is_empty());
    let moved = store.load_articles().unwrap()[0].clone();
    assert_ne!(moved.id, kept.meta.id);
    assert_eq!(moved.media, MediaMark::Attached);
    assert_eq!(
        store.enclosures(moved.id).unwrap()[0].enclosure.url,
        "https://x.org/2.mp3"
    );

    // gc of a feed no longer configured drops its enclosures with its articles.
    let other = with_enclosures(article(FEED_B, 3), vec![mp3("https://y.org/3.mp3")]);
    store.insert_articles(std::slice::from_ref(&other)).unwrap();
    store
        .gc(&[tidings::model::FeedId::from_url(new_url)])
        .unwrap();
    assert!(store.enclosures(other.meta.id).unwrap().is_empty());
    assert_eq!(store.enclosures(moved.id).unwrap().len(), 1);
}

// ---- the TUI ----

const PODCAST: &str = "https://pod.example.org/feed.xml";

fn podcast_state() -> (AppState, ArticleId) {
    let mut config = ui_fixture::config();
    config
        .feeds
        .push(ui_fixture::feed(PODCAST, Some("Night Radio")));
    let mut articles = ui_fixture::articles();
    let episode = with(
        ui_fixture::article(PODCAST, 1, "Episode 42: the long night", 0),
        |a| a.media = MediaMark::Attached,
    );
    let id = episode.id;
    articles.push(episode);
    let s = state_with(config, ui_fixture::feed_states(), articles, (120, 40));
    (s, id)
}

fn stored(id: ArticleId, index: usize, e: Enclosure) -> StoredEnclosure {
    StoredEnclosure {
        article: id,
        index,
        enclosure: e,
        downloaded: None,
    }
}

fn enclosures_loaded(s: &mut AppState, id: ArticleId, list: Vec<StoredEnclosure>) -> Vec<Effect> {
    update(
        s,
        Msg::Engine(Event::EnclosuresLoaded {
            id,
            enclosures: list,
        }),
    )
}

fn commands(fx: &[Effect]) -> Vec<Command> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn reader_text(s: &AppState) -> String {
    s.reader_lines
        .iter()
        .map(|l| l.plain_text())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_reader_shows_a_line_per_enclosure_and_the_list_a_mark() {
    let (mut s, id) = podcast_state();
    // The newest article is the episode: selected at start, marked in the list.
    assert_eq!(s.selected, Some(id));
    let row = screen(&s)
        .lines()
        .find(|l| l.contains("Episode 42"))
        .unwrap()
        .to_string();
    assert!(row.contains("♫"), "{row}");
    let fx = update(&mut s, code(KeyCode::Enter));
    assert!(
        commands(&fx).contains(&Command::LoadEnclosures(id)),
        "{fx:?}"
    );
    assert!(!reader_text(&s).contains('♫'), "nothing before they load");
    enclosures_loaded(
        &mut s,
        id,
        vec![stored(id, 0, mp3("https://cdn.example.org/ep42.mp3"))],
    );
    let text = reader_text(&s);
    assert!(
        text.contains("♫ 42 min · 38 MB · audio/mpeg  https://cdn.example.org/ep42.mp3"),
        "{text}"
    );
    // Under the header, before the text.
    let lines: Vec<&str> = text.lines().collect();
    let media = lines.iter().position(|l| l.starts_with('♫')).unwrap();
    let date = lines.iter().position(|l| l.starts_with("Date: ")).unwrap();
    assert!(media > date, "{text}");
    let drawn = screen(&s);
    assert!(drawn.contains("♫ 42 min · 38 MB · audio/mpeg"), "{drawn}");
    // Other articles have no mark.
    let plain = drawn
        .lines()
        .find(|l| l.contains("Alpha one"))
        .unwrap()
        .to_string();
    assert!(!plain.contains('♫') && !plain.contains('↓'), "{plain}");
}

#[test]
fn e_loads_the_enclosures_then_plays_through_an_effect() {
    let (mut s, id) = podcast_state();
    let url = "https://cdn.example.org/ep42.mp3";
    let fx = update(&mut s, key('e'));
    assert_eq!(commands(&fx), vec![Command::LoadEnclosures(id)]);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Play { .. })));
    let fx = enclosures_loaded(&mut s, id, vec![stored(id, 0, mp3(url))]);
    assert_eq!(
        fx,
        vec![Effect::Play {
            url: url.into(),
            file: None
        }]
    );
    assert!(s.notice.as_deref().unwrap().starts_with("playing ♫ 42 min"));

    // Once downloaded, e plays the file; the list marks the article.
    let path = PathBuf::from("/home/u/Downloads/ep42.mp3");
    update(
        &mut s,
        Msg::Engine(Event::DownloadFinished {
            id,
            index: 0,
            result: Ok(DownloadDone {
                path: path.clone(),
                bytes: 38_000_000,
                resumed_from: 0,
                already: false,
            }),
        }),
    );
    assert_eq!(s.article(id).unwrap().media, MediaMark::Downloaded);
    let fx = update(&mut s, key('e'));
    assert_eq!(
        fx,
        vec![Effect::Play {
            url: url.into(),
            file: Some(path)
        }]
    );
    let row = screen(&s)
        .lines()
        .find(|l| l.contains("Episode 42"))
        .unwrap()
        .to_string();
    assert!(row.contains('↓'), "{row}");

    // An article without enclosures: a notice, no effect.
    update(&mut s, key('j'));
    let fx = update(&mut s, key('e'));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.notice.as_deref(), Some("this article has no enclosure"));
}

#[test]
fn e_asks_which_enclosure_when_there_are_several() {
    let (mut s, id) = podcast_state();
    let list = vec![
        stored(id, 0, mp3("https://cdn.example.org/a.mp3")),
        stored(id, 1, bare("https://cdn.example.org/b.ogg")),
    ];
    update(&mut s, key('e'));
    let fx = enclosures_loaded(&mut s, id, list.clone());
    assert!(fx.is_empty());
    assert_eq!(
        s.notice.as_deref(),
        Some("play which enclosure? 1-2 (Esc cancels)")
    );
    let fx = update(&mut s, key('2'));
    assert_eq!(
        fx,
        vec![Effect::Play {
            url: "https://cdn.example.org/b.ogg".into(),
            file: None
        }]
    );
    // Esc cancels; a number out of range cancels and does what it does (link 3).
    update(&mut s, key('e'));
    assert!(update(&mut s, code(KeyCode::Esc)).is_empty());
    assert_eq!(s.media.pending, None);
    // E with a choice queues the chosen download.
    update(&mut s, key('E'));
    let fx = update(&mut s, key('1'));
    assert_eq!(commands(&fx), vec![Command::Download { id, index: 0 }]);
    // The reader numbers them.
    update(&mut s, code(KeyCode::Enter));
    let text = reader_text(&s);
    assert!(text.contains("1) ♫ 42 min"), "{text}");
    assert!(text.contains("2) ♫ unknown type"), "{text}");
}

#[test]
fn a_local_feeds_enclosure_plays_its_file_and_other_schemes_are_refused() {
    let mut config = ui_fixture::config();
    let dir = PathBuf::from("/srv/podcasts");
    let mut local = ui_fixture::feed("demo.xml", Some("Local"));
    local.location = FeedLocation::File(dir.join("demo.xml"));
    config.feeds.push(local);
    let episode = with(
        ui_fixture::article("demo.xml", 1, "Local episode", 0),
        |a| a.media = MediaMark::Attached,
    );
    let id = episode.id;
    let mut s = state_with(config, Vec::new(), vec![episode], (100, 30));
    update(&mut s, key('e'));
    let fx = enclosures_loaded(
        &mut s,
        id,
        vec![
            stored(id, 0, bare("episode-1.wav")),
            stored(id, 1, bare("file:///etc/passwd")),
        ],
    );
    assert!(fx.is_empty());
    let fx = update(&mut s, key('1'));
    assert_eq!(
        fx,
        vec![Effect::Play {
            url: "episode-1.wav".into(),
            file: Some(dir.join("episode-1.wav"))
        }]
    );
    update(&mut s, key('e'));
    let fx = update(&mut s, key('2'));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.notice.as_deref().unwrap().starts_with("cannot play"));
}

#[test]
fn capital_e_queues_a_download_with_progress_in_the_status_bar() {
    let (mut s, id) = podcast_state();
    update(&mut s, key('E'));
    let fx = enclosures_loaded(&mut s, id, vec![stored(id, 0, mp3("https://c.org/e.mp3"))]);
    assert_eq!(commands(&fx), vec![Command::Download { id, index: 0 }]);
    // Pressing it again while it runs asks nothing of the engine.
    assert!(commands(&update(&mut s, key('E'))).is_empty());
    update(
        &mut s,
        Msg::Events(vec![Event::DownloadProgress {
            id,
            index: 0,
            done: 13_300_000,
            total: Some(38_000_000),
        }]),
    );
    let status = screen(&s).lines().last().unwrap().to_string();
    assert!(status.contains("downloading 1 · 35% of 38 MB"), "{status}");
    update(
        &mut s,
        Msg::Engine(Event::DownloadFinished {
            id,
            index: 0,
            result: Err(EnclosureError::NoDownloadDir),
        }),
    );
    let status = screen(&s).lines().last().unwrap().to_string();
    assert!(!status.contains("downloading"), "{status}");
    assert!(
        status.contains("download failed: no download directory"),
        "{status}"
    );
    assert_eq!(s.article(id).unwrap().media, MediaMark::Attached);
}

// ---- headless ----

/// A config with a local podcast feed (one local enclosure, one remote, one article without)
/// in a temp dir, downloads in `<dir>/downloads`.
struct Podcast {
    dir: tempfile::TempDir,
}

const FEED: &str = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Local Pod</title>
<item><guid>e2</guid><title>Two enclosures</title><pubDate>Thu, 26 Nov 2026 21:00:00 GMT</pubDate>
  <itunes:duration>42:00</itunes:duration>
  <enclosure url="https://cdn.example.org/two.mp3" length="38000000" type="audio/mpeg"/>
  <enclosure url="media/clip.ogg" length="1234" type="audio/ogg"/>
</item>
<item><guid>e1</guid><title>Notes only</title><pubDate>Wed, 25 Nov 2026 21:00:00 GMT</pubDate>
  <description>No audio here.</description></item>
</channel></rss>"#;

impl Podcast {
    fn new() -> Podcast {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pod.xml"), FEED).unwrap();
        std::fs::create_dir(dir.path().join("media")).unwrap();
        std::fs::write(dir.path().join("media/clip.ogg"), vec![7u8; 1234]).unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "download_dir = \"downloads\"\n[[feeds]]\nurl = \"pod.xml\"\n",
        )
        .unwrap();
        let pod = Podcast { dir };
        assert!(pod.run(&["refresh"]).status.success());
        pod
    }

    fn run(&self, args: &[&str]) -> Output {
        Process::new(env!("CARGO_BIN_EXE_tidings"))
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .arg("--data-dir")
            .arg(self.dir.path().join("data"))
            .args(args)
            .env_remove("TIDINGS_CONFIG")
            .env_remove("TIDINGS_DATA_DIR")
            .output()
            .unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn list_enclosures_show_and_download_on_a_local_podcast() {
    let pod = Podcast::new();
    let all = pod.run(&["list"]);
    assert_eq!(stdout(&all).lines().count(), 2, "{}", stdout(&all));

    let plain = pod.run(&["list", "--enclosures"]);
    let text = stdout(&plain);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].ends_with("Local Pod  Two enclosures"), "{text}");
    assert_eq!(
        lines[1],
        "    ♫ 42 min · 38 MB · audio/mpeg  https://cdn.example.org/two.mp3"
    );
    assert_eq!(
        lines[2],
        "    ♫ 42 min · 1.2 kB · audio/ogg  media/clip.ogg"
    );
    let id = lines[0].split_whitespace().next().unwrap().to_string();

    let json = pod.run(&["list", "--enclosures", "--format", "json"]);
    let rows: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["enclosures"],
        serde_json::json!([
            {"url": "https://cdn.example.org/two.mp3", "type": "audio/mpeg",
             "length": 38000000, "duration_seconds": 2520, "downloaded_path": null},
            {"url": "media/clip.ogg", "type": "audio/ogg",
             "length": 1234, "duration_seconds": 2520, "downloaded_path": null}
        ])
    );
    // Without the flag, JSON lines have no enclosures field.
    let without = pod.run(&["list", "--format", "json"]);
    assert!(!stdout(&without).contains("\"enclosures\":"));

    let show = pod.run(&["show", &id, "--color", "never"]);
    let text = stdout(&show);
    assert!(
        text.contains("1) ♫ 42 min · 38 MB · audio/mpeg  https://cdn.example.org/two.mp3\n"),
        "{text}"
    );

    // Enclosure 2 is a file next to the local feed: "downloading" copies it.
    let got = pod.run(&["download", &id, "--enclosure", "2"]);
    assert_eq!(got.status.code(), Some(0), "{}", stderr(&got));
    let path = PathBuf::from(stdout(&got).trim());
    assert_eq!(path, pod.dir.path().join("downloads/clip.ogg"));
    assert_eq!(std::fs::read(&path).unwrap(), vec![7u8; 1234]);
    let after = pod.run(&["list", "--enclosures"]);
    assert!(
        stdout(&after).contains(&format!("media/clip.ogg  ↓ {}", path.display())),
        "{}",
        stdout(&after)
    );
    let show = pod.run(&["show", &id, "--color", "never"]);
    assert!(
        stdout(&show).contains(&format!("  ↓ {}", path.display())),
        "{}",
        stdout(&show)
    );
    // A second time: nothing is fetched, the same path is printed.
    let again = pod.run(&["download", &id, "--enclosure", "2"]);
    assert_eq!(stdout(&again).trim(), path.to_string_lossy());
    assert!(
        stderr(&again).contains("already downloaded"),
        "{}",
        stderr(&again)
    );

    // Failures: exit status 1 with the reason.
    let none = pod.run(&["download", &id, "--enclosure", "3"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        stderr(&none).contains("has no enclosure 3 (it has 2)"),
        "{}",
        stderr(&none)
    );
    let notes = lines_of(&pod.run(&["list"]))
        .into_iter()
        .find(|l| l.contains("Notes only"))
        .unwrap();
    let notes_id = notes.split_whitespace().next().unwrap().to_string();
    let no_enclosure = pod.run(&["download", &notes_id]);
    assert_eq!(no_enclosure.status.code(), Some(1));
    assert!(stderr(&no_enclosure).contains("has no enclosure"));
    let unknown = pod.run(&["download", "0000000000000001"]);
    assert_eq!(unknown.status.code(), Some(1));
}

fn lines_of(o: &Output) -> Vec<String> {
    stdout(o).lines().map(str::to_string).collect()
}

/// The demo's podcast in the real binary: `E` downloads the episode (the file lands in the
/// download dir, the list marks it), `e` launches the player (`true` here) on it.
#[test]
fn the_demo_podcast_downloads_and_plays_in_the_reader() {
    let home = tempfile::tempdir().unwrap();
    let demo = home.path().join("demo");
    std::fs::create_dir(&demo).unwrap();
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    for entry in std::fs::read_dir(&assets).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, demo.join(path.file_name().unwrap())).unwrap();
    }
    let config = demo.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("player = \"true %u\"\n{text}")).unwrap();
    let data = home.path().join("state");
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let mut s = support::pty::Session::start(&args, home.path());
    let screen = s.wait_for(&["Night Shift Radio", "62 unread"]);
    // The feeds pane, down to the podcast's row (under its tag group), then its list.
    let row = |name: &str| {
        screen
            .lines()
            .position(|l| l.starts_with("│") && l.contains(name))
            .unwrap()
    };
    let steps = row("Night Shift Radio") - row("All articles");
    s.press("h");
    s.press(&"j".repeat(steps));
    s.press("l");
    s.wait_for(&["Articles · Night Shift Radio", "Episode 2: Two notes up"]);
    s.press("E");
    s.wait_for(&["downloaded episode-2.wav"]);
    let file = demo.join("downloads/episode-2.wav");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(assets.join("episode-2.wav")).unwrap()
    );
    let screen = s.wait_until("the downloaded mark", |screen| {
        screen
            .lines()
            .any(|l| l.contains("Episode 2: Two notes up") && l.contains('↓'))
    });
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Episode 1: A chime") && l.contains('♫')),
        "{screen}"
    );
    s.press("e");
    let screen = s.wait_for(&["playing ♫ 1 s · 6 kB · audio/wav"]);
    assert!(!screen.contains("could not start"), "{screen}");
    s.press("\r");
    s.wait_for(&["♫ 1 s · 6 kB · audio/wav · ↓ episode-2.wav"]);
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
}
