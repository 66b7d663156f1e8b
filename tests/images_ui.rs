//! Inline images in the reader, through `update` and `view` with ratatui's `TestBackend`:
//! without pictures (images off, or no graphics protocol) the screens are exactly the ones
//! of before (the existing snapshots) and articles keep their `[image: alt]` lines; with
//! pictures, rows are reserved before the image arrives and stay when it does, only images
//! near the visible rows are loaded, leaving the article cancels its loads, a local feed's
//! images are files next to it, and half blocks draw coloured cells, not text.

mod ui_fixture;

use std::io::Cursor;
use std::path::PathBuf;

use crossterm::event::KeyCode;
use image::{ImageFormat, Rgba, RgbaImage};
use ratatui::style::Color;
use tidings::clean::Cleaner;
use tidings::config::{Config, FeedLocation, ImagesMode};
use tidings::engine::{Command, Event, Progress};
use tidings::images::{decode, ImageError, ImageKey, ImageSource};
use tidings::model::{ArticleId, FeedState};
use tidings::ui::layout;
use tidings::ui::picture::{EncodeJob, Pictures};
use tidings::ui::reader::{Load, ReaderImages};
use tidings::ui::{update, AppState, Effect, Msg};
use ui_fixture::*;

/// The article of `tests/ui_render.rs`'s scene, unchanged.
const ARTICLE_HTML: &str = "<h2>What the council decided</h2>\
    <p>The council met on <b>Tuesday</b> and agreed on a new budget for the \
    <a href=\"https://example.org/parks\">city parks</a>. Rust was mentioned twice.</p>\
    <ul><li>More trees</li><li>Longer opening hours</li></ul>\
    <blockquote>We listened to everyone.</blockquote>\
    <pre>budget = 1_000_000</pre>\
    <p>Cookie notice: we use cookies.</p>";

/// `ui_render.rs`'s standard scene, with the images of `pictures`.
fn scene(size: (u16, u16), config: Config, pictures: Pictures) -> AppState {
    let mut feeds = feed_states();
    let mut c = FeedState::new(FEED_C);
    c.last_error = Some("HTTP 503 Service Unavailable".into());
    c.error_kind = Some(tidings::model::ErrorKind::HttpStatus);
    c.last_success = Some(now() - chrono::Duration::days(2));
    feeds.push(c);
    let mut s = state_with(config, feeds, articles(), size);
    s.images = ReaderImages::new(pictures);
    update(
        &mut s,
        Msg::Engine(Event::Progress(Progress {
            total: 40,
            done: 12,
            failed: 2,
            running: true,
        })),
    );
    let id = s.selected.unwrap();
    update(&mut s, code(KeyCode::Enter));
    loaded(&mut s, id, html(ARTICLE_HTML));
    s
}

/// The screen stored in an insta snapshot of `tests/ui_render.rs`.
fn snapshot(name: &str) -> String {
    let path = format!(
        "{}/tests/snapshots/ui_render__{name}.snap",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    // Front matter between two `---` lines, then the screen.
    let body = text.splitn(3, "---\n").nth(2).unwrap();
    body.trim_end_matches('\n').to_string()
}

fn same_screen(s: &AppState) -> String {
    screen(s).trim_end_matches('\n').to_string()
}

#[test]
fn without_a_graphics_protocol_the_screens_are_those_of_before() {
    // `images = "auto"` on a terminal with no protocol gets no pictures: what `detect`
    // returns there (asking a real terminal is not for tests).
    for mode in [ImagesMode::Auto, ImagesMode::Off] {
        let config = Config {
            images: mode,
            ..config()
        };
        for (size, name) in [
            ((80, 24), "snapshot_80x24"),
            ((120, 40), "snapshot_120x40"),
            ((180, 30), "snapshot_wide_three_columns"),
        ] {
            let s = scene(size, config.clone(), Pictures::off());
            assert_eq!(same_screen(&s), snapshot(name), "{mode:?} {name}");
        }
    }
}

const WITH_IMAGES: &str = "<p>Before the chart.</p>\
    <p><img src=\"/media/chart.png\" alt=\"A chart of the budget\"></p>\
    <p>Between, with an icon <a href=\"https://example.org/x\"><img src=\"icon.png\"></a> inline.</p>\
    <img src=\"https://img.example/nameless.jpg\">\
    <img src=\"https://track.example/p.gif\" width=\"1\" height=\"1\" alt=\"pixel\">\
    <p>After the pictures.</p>";

/// A state with an article open whose body is `body`.
fn open_with(
    size: (u16, u16),
    config: Config,
    pictures: Pictures,
    body: &str,
) -> (AppState, Vec<Effect>) {
    let mut s = state_with(config, feed_states(), articles(), size);
    s.images = ReaderImages::new(pictures);
    let id = s.selected.unwrap();
    let mut fx = update(&mut s, code(KeyCode::Enter));
    fx.extend(update(
        &mut s,
        Msg::Engine(Event::BodyLoaded {
            id,
            body: Some(html(body)),
        }),
    ));
    (s, fx)
}

fn fetches(fx: &[Effect]) -> Vec<ImageKey> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send(Command::FetchImage(k)) => Some(k.clone()),
            _ => None,
        })
        .collect()
}

fn texts(s: &AppState) -> Vec<String> {
    s.reader_lines.iter().map(|l| l.plain_text()).collect()
}

#[test]
fn images_off_keep_the_alt_lines_of_today_and_fetch_nothing() {
    let (s, fx) = open_with((100, 40), config(), Pictures::off(), WITH_IMAGES);
    assert!(fetches(&fx).is_empty());
    assert!(s.images.slots().is_empty());
    // The reader's text is the cleaned document's layout, as before images existed.
    let id = s.reader.unwrap().id;
    let link = s.article(id).unwrap().link.clone();
    let doc = Cleaner::default().clean(&html(WITH_IMAGES), link.as_deref());
    let width = layout::reader_size(s.size).0;
    let want: Vec<String> = doc.layout(width).iter().map(|l| l.plain_text()).collect();
    let got = texts(&s);
    assert!(got.ends_with(&want), "{got:#?}\n{want:#?}");
    let shown = screen(&s);
    assert!(shown.contains("[image: A chart of the budget]"), "{shown}");
    assert!(
        !shown.contains("pixel"),
        "tracking pixels stay hidden: {shown}"
    );
    assert!(!shown.contains("loading image"), "{shown}");
}

#[test]
fn with_pictures_rows_are_reserved_and_loads_asked_for() {
    let (s, fx) = open_with((100, 40), config(), Pictures::halfblocks(), WITH_IMAGES);
    let (off, _) = open_with((100, 40), config(), Pictures::off(), WITH_IMAGES);
    let slots = s.images.slots();
    // Three images with a source; the tracking pixel has none.
    assert_eq!(slots.len(), 3, "{slots:#?}");
    let reserved: usize = slots.iter().map(|slot| usize::from(slot.rows)).sum();
    assert_eq!(s.reader_lines.len(), off.reader_lines.len() + reserved);
    // Relative references resolve against the article's link.
    let link = s
        .article(s.reader.unwrap().id)
        .unwrap()
        .link
        .clone()
        .unwrap();
    let host = link.split('/').take(3).collect::<Vec<_>>().join("/");
    assert_eq!(
        slots[0].key.source,
        ImageSource::Web(format!("{host}/media/chart.png"))
    );
    assert_eq!(slots[0].alt, "A chart of the budget");
    // Each picture goes right after the paragraph that holds its image.
    let t = texts(&s);
    let label = t
        .iter()
        .position(|l| l.contains("[image: A chart"))
        .unwrap();
    assert_eq!(slots[0].line, label + 1);
    assert!(t[slots[0].line..slots[0].line + usize::from(slots[0].rows)]
        .iter()
        .all(String::is_empty));
    // No size given: the pane's width at 16:9, within the row cap.
    let width = layout::reader_size(s.size).0;
    assert_eq!(slots[0].cols, width);
    assert!(slots[0].rows <= tidings::ui::reader::MAX_IMAGE_ROWS);
    // The visible ones are asked for, once.
    let asked = fetches(&fx);
    assert!(asked.contains(&slots[0].key), "{asked:#?}");
    let mut unique = asked.clone();
    unique.dedup();
    assert_eq!(unique.len(), asked.len());
    assert_eq!(s.images.load(&slots[0].key), Some(&Load::Requested));
}

fn two_colour_png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |_, y| {
        if y < h / 2 {
            Rgba([230, 30, 30, 255])
        } else {
            Rgba([30, 30, 230, 255])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Delivers the engine's image and runs the encoder as the run loop would.
fn deliver(s: &mut AppState, key: &ImageKey, w: u32, h: u32) -> Vec<Effect> {
    let image = decode(&two_colour_png(w, h), key.max_width, key.max_height).unwrap();
    let fx = update(
        s,
        Msg::Engine(Event::ImageLoaded {
            key: key.clone(),
            result: Ok(image),
        }),
    );
    let jobs: Vec<EncodeJob> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Encode(job) => Some(job.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), 1, "one picture to encode: {fx:?}");
    let ready = s.images.pictures.encode(&jobs[0]);
    update(s, Msg::Picture(ready))
}

#[test]
fn the_text_does_not_move_when_the_picture_arrives() {
    let body =
        "<p>Before.</p><img src=\"https://img.example/a.png\" alt=\"A\"><p>After the picture.</p>";
    let (mut s, fx) = open_with((100, 40), config(), Pictures::halfblocks(), body);
    let key = fetches(&fx).pop().unwrap();
    let before = texts(&s);
    let slot = s.images.slots()[0].clone();
    let after_line = before
        .iter()
        .position(|l| l == "After the picture.")
        .unwrap();
    // A tall image, unlike the 16:9 that was reserved: it is fitted in, nothing moves.
    deliver(&mut s, &key, 60, 240);
    assert_eq!(texts(&s), before);
    assert_eq!(s.images.slots()[0], slot);
    assert!(matches!(s.images.load(&key), Some(Load::Ready(_))));
    // A later layout of the same article and width (here: its highlights changed, which
    // adds a header line) keeps the reserved rows, although the real aspect is now known.
    let id = s.reader.unwrap().id;
    update(
        &mut s,
        Msg::Engine(Event::HighlightsUpdated(vec![(id, vec![0])])),
    );
    assert_eq!(s.article(id).unwrap().highlights, vec![0], "laid out again");
    let again = texts(&s);
    let text_start = |t: &[String]| t.iter().position(|l| l == "Before.").unwrap();
    assert_eq!(again[text_start(&again)..], before[text_start(&before)..]);
    let moved = text_start(&again) - text_start(&before);
    assert_eq!(
        again
            .iter()
            .position(|l| l == "After the picture.")
            .unwrap(),
        after_line + moved
    );
    let slot_now = &s.images.slots()[0];
    assert_eq!((slot_now.cols, slot_now.rows), (slot.cols, slot.rows));
}

#[test]
fn half_blocks_draw_coloured_cells_not_text() {
    let body = "<p>Before.</p><img src=\"https://img.example/a.png\" width=\"200\" height=\"100\" alt=\"A\"><p>After.</p>";
    let (mut s, fx) = open_with((100, 40), config(), Pictures::halfblocks(), body);
    let key = fetches(&fx).pop().unwrap();
    let slot = s.images.slots()[0].clone();
    // 200x100 at a 10x20 cell: 20 columns, 5 rows.
    assert_eq!((slot.cols, slot.rows), (20, 5));
    let area = layout::reader_text(
        layout::compute(s.size.0, s.size.1, s.focus, true, false)
            .reader
            .unwrap(),
    );
    let scroll = s.reader.unwrap().scroll;
    let top = area.y + (slot.line - scroll) as u16;

    // While it loads: the reserved box says so.
    let t = render(&s);
    let waiting: String = (top..top + slot.rows)
        .map(|y| row_text(&t, area.x, y, slot.cols))
        .collect();
    assert!(waiting.contains("loading image"), "{waiting}");

    deliver(&mut s, &key, 200, 100);
    let t = render(&s);
    let buf = t.backend().buffer();
    let mut red = 0;
    let mut blue = 0;
    for y in top..top + slot.rows {
        for x in area.x..area.x + slot.cols {
            let cell = &buf[(x, y)];
            assert!(
                !cell.symbol().chars().any(char::is_alphanumeric),
                "text in the picture at {x},{y}: {:?}",
                cell.symbol()
            );
            for c in [cell.fg, cell.bg] {
                if let Color::Rgb(r, _, b) = c {
                    if r > 150 && b < 100 {
                        red += 1;
                    } else if b > 150 && r < 100 {
                        blue += 1;
                    }
                }
            }
        }
    }
    assert!(red >= 20 && blue >= 20, "red {red}, blue {blue}");
    // The text around it is where it was.
    let shown = t.backend().to_string();
    assert!(
        shown.contains("Before.") && shown.contains("After."),
        "{shown}"
    );
}

fn row_text(
    t: &ratatui::Terminal<ratatui::backend::TestBackend>,
    x: u16,
    y: u16,
    w: u16,
) -> String {
    let buf = t.backend().buffer();
    (x..x + w)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

#[test]
fn a_failed_image_says_why_in_its_box() {
    let body = "<p>Before.</p><img src=\"https://img.example/a.png\" width=\"400\" height=\"200\" alt=\"A\"><p>After.</p>";
    let (mut s, fx) = open_with((100, 40), config(), Pictures::halfblocks(), body);
    let key = fetches(&fx).pop().unwrap();
    let lines = s.reader_lines.len();
    let failure = tidings::fetch::FetchFailure::http_status(404, None);
    let fx = update(
        &mut s,
        Msg::Engine(Event::ImageLoaded {
            key: key.clone(),
            result: Err(ImageError::Fetch(failure)),
        }),
    );
    assert!(fetches(&fx).is_empty(), "a failure is not asked for again");
    assert_eq!(s.reader_lines.len(), lines);
    let shown = screen(&s);
    assert!(shown.contains("image unavailable: HTTP 404"), "{shown}");
}

#[test]
fn only_images_near_the_visible_rows_load() {
    let mut body = String::from("<img src=\"https://img.example/top.png\" alt=\"top\">");
    for i in 0..150 {
        body.push_str(&format!("<p>Paragraph {i} of a long article.</p>"));
    }
    body.push_str("<img src=\"https://img.example/bottom.png\" alt=\"bottom\">");
    let (mut s, fx) = open_with((100, 30), config(), Pictures::halfblocks(), &body);
    let asked = fetches(&fx);
    let top = ImageSource::Web("https://img.example/top.png".into());
    let bottom = ImageSource::Web("https://img.example/bottom.png".into());
    assert!(asked.iter().any(|k| k.source == top));
    assert!(!asked.iter().any(|k| k.source == bottom), "{asked:#?}");
    let fx = update(&mut s, code(KeyCode::End));
    let asked = fetches(&fx);
    assert_eq!(asked.len(), 1, "{asked:#?}");
    assert_eq!(asked[0].source, bottom);
}

#[test]
fn leaving_the_article_cancels_its_loads() {
    let body = "<p>Text.</p><img src=\"https://img.example/a.png\" alt=\"A\">";
    let (mut s, fx) = open_with((100, 40), config(), Pictures::halfblocks(), body);
    let image = fetches(&fx).pop().unwrap();
    // Back to the list and on to the next article.
    update(&mut s, code(KeyCode::Esc));
    update(&mut s, key('j'));
    let fx = update(&mut s, code(KeyCode::Enter));
    let cancelled: Vec<ImageKey> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Send(Command::CancelImages(keys)) => Some(keys.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(cancelled, vec![image.clone()]);
    // Its answer arriving late is ignored.
    let late = decode(&two_colour_png(10, 10), 10, 10).unwrap();
    let fx = update(
        &mut s,
        Msg::Engine(Event::ImageLoaded {
            key: image.clone(),
            result: Ok(late),
        }),
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::Encode(_))), "{fx:?}");
    assert_eq!(s.images.load(&image), None);
}

#[test]
fn a_local_feeds_images_are_files_next_to_it() {
    let dir = PathBuf::from("/srv/demo");
    let mut config = config();
    config.feeds[0].location = FeedLocation::File(dir.join("alpha.xml"));
    let body = "<p>Local.</p><img src=\"charts/kp.png\" alt=\"Kp\">\
        <img src=\"https://cdn.example/remote.png\" alt=\"remote\">";
    // The first article of the list is feed A's.
    let (s, fx) = open_with((100, 40), config, Pictures::halfblocks(), body);
    let article: ArticleId = s.reader.unwrap().id;
    assert_eq!(
        s.article(article).unwrap().feed,
        tidings::model::FeedId::from_url(FEED_A)
    );
    let sources: Vec<ImageSource> = fetches(&fx).into_iter().map(|k| k.source).collect();
    let link = s.article(article).unwrap().link.clone().unwrap();
    let web = link[..link.rfind('/').unwrap() + 1].to_string() + "charts/kp.png";
    assert_eq!(
        sources,
        vec![
            ImageSource::File {
                path: dir.join("charts/kp.png"),
                web: Some(web),
            },
            ImageSource::Web("https://cdn.example/remote.png".into()),
        ]
    );
}
