//! Rendering with ratatui's `TestBackend`: insta snapshots of the panes at 120x40, 80x24 and
//! 50x20, the help overlay, the welcome screen, a failing feed, hostile titles, and a resize
//! loop over every size from 1x1 to 200x60.

mod ui_fixture;

use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use tidings::engine::{Event, Progress};
use tidings::model::FeedState;
use tidings::ui::{update, view, AppState, Msg};
use ui_fixture::*;

const ARTICLE_HTML: &str = "<h2>What the council decided</h2>\
    <p>The council met on <b>Tuesday</b> and agreed on a new budget for the \
    <a href=\"https://example.org/parks\">city parks</a>. Rust was mentioned twice.</p>\
    <ul><li>More trees</li><li>Longer opening hours</li></ul>\
    <blockquote>We listened to everyone.</blockquote>\
    <pre>budget = 1_000_000</pre>\
    <p>Cookie notice: we use cookies.</p>";

/// The standard scene: feed B failing, an article open with its body, a refresh running.
fn scene(size: (u16, u16)) -> AppState {
    let mut feeds = feed_states();
    let mut c = FeedState::new(FEED_C);
    c.last_error = Some("HTTP 503 Service Unavailable".into());
    c.error_kind = Some(tidings::model::ErrorKind::HttpStatus);
    c.last_success = Some(now() - chrono::Duration::days(2));
    feeds.push(c);
    let mut s = state_with(config(), feeds, articles(), size);
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

#[test]
fn snapshot_120x40() {
    insta::assert_snapshot!(screen(&scene((120, 40))));
}

#[test]
fn snapshot_80x24() {
    insta::assert_snapshot!(screen(&scene((80, 24))));
}

#[test]
fn snapshot_50x20_reader_and_list() {
    let mut s = scene((50, 20));
    let reader = screen(&s);
    update(&mut s, code(KeyCode::Esc));
    let list = screen(&s);
    update(&mut s, code(KeyCode::Esc));
    let feeds = screen(&s);
    insta::assert_snapshot!(format!("{reader}\n{list}\n{feeds}"));
}

#[test]
fn snapshot_wide_three_columns() {
    insta::assert_snapshot!(screen(&scene((180, 30))));
}

#[test]
fn snapshot_failing_feed_selected() {
    let mut s = scene((100, 24));
    update(&mut s, code(KeyCode::Esc));
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "jjj"); // feed C (failing)
    let text = screen(&s);
    assert!(
        text.contains("HTTP 503") && text.contains("Service Unavailable"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn snapshot_help_overlay() {
    let mut s = scene((100, 40));
    press(&mut s, "?");
    let text = screen(&s);
    for needle in [
        "next unread",
        "highlight",
        "full article",
        "1-9",
        "quit",
        "Ctrl-d",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn snapshot_welcome() {
    let mut s = state_with(tidings::config::Config::default(), vec![], vec![], (80, 24));
    s.welcome = Some(
        "No config file at /home/u/.config/tidings/config.toml.\n\nTry the demo: tidings --demo\n\
         Or copy config.example.toml to that path and add your feeds."
            .into(),
    );
    let text = screen(&s);
    assert!(text.contains("tidings --demo"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn failing_feed_shows_mark_in_error_colour() {
    let s = scene((120, 40));
    let t = render(&s);
    let buf = t.backend().buffer();
    let theme_error = s.theme.error.fg.unwrap();
    let mut found = false;
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            if cell.symbol() == "✗" {
                assert_eq!(cell.fg, theme_error);
                found = true;
            }
        }
    }
    assert!(found, "{}", t.backend());
    assert_ne!(theme_error, Color::Reset);
}

#[test]
fn hostile_titles_are_harmless() {
    let evil = with(
        article(
            FEED_A,
            66,
            "Pwn \u{1b}]52;c;ZXZpbA==\u{7} \u{1b}[2J\u{202e}gnp.exe",
            0,
        ),
        |a| {
            a.author = Some("\u{1b}[31mMallory".into());
            a.link = Some("https://evil.example/\u{1b}[1m".into());
        },
    );
    let mut s = state_with(config(), vec![], vec![evil], (100, 30));
    let id = s.selected.unwrap();
    update(&mut s, code(KeyCode::Enter));
    loaded(&mut s, id, html("<p>x\u{1b}[2Jy \u{9b}31m</p>"));
    let t = render(&s);
    for cell in t.backend().buffer().content() {
        for ch in cell.symbol().chars() {
            assert!(!ch.is_control(), "control char {ch:?} reached the screen");
            assert!(
                !matches!(ch, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'),
                "bidi override on screen"
            );
        }
    }
    assert!(t.backend().to_string().contains("Pwn"));
}

#[test]
fn too_small_says_so() {
    let s = state((29, 10));
    assert!(screen(&s).contains("terminal too small"));
}

/// Draws every size with `widths` x 1..=60 (focus cycling so every layout branch is drawn).
fn draw_every_size(widths: std::ops::RangeInclusive<u16>) {
    let mut s = scene((120, 40));
    let mut t = Terminal::new(TestBackend::new(1, 1)).unwrap();
    for w in widths {
        for h in 1..=60u16 {
            if (w + h) % 7 == 0 {
                update(&mut s, code(KeyCode::Tab));
            }
            update(&mut s, Msg::Resize(w, h));
            t.backend_mut().resize(w, h);
            t.draw(|f| view(&s, f)).unwrap();
        }
    }
}

// Every size from 1x1 to 200x60, in four tests so that they run in parallel.
#[test]
fn every_size_renders_without_panic_1_to_50() {
    draw_every_size(1..=50);
}

#[test]
fn every_size_renders_without_panic_51_to_100() {
    draw_every_size(51..=100);
}

#[test]
fn every_size_renders_without_panic_101_to_150() {
    draw_every_size(101..=150);
}

#[test]
fn every_size_renders_without_panic_151_to_200() {
    draw_every_size(151..=200);
}

#[test]
fn help_overlay_on_small_terminals() {
    let mut s = scene((120, 40));
    press(&mut s, "?");
    let mut t = Terminal::new(TestBackend::new(1, 1)).unwrap();
    for (w, h) in [(1, 1), (10, 3), (14, 5), (30, 8), (40, 10), (60, 12)] {
        update(&mut s, Msg::Resize(w, h));
        t.backend_mut().resize(w, h);
        t.draw(|f| view(&s, f)).unwrap();
    }
}

#[test]
fn list_of_100k_renders_only_visible_rows() {
    let many: Vec<_> = (0..100_000u32)
        .map(|n| {
            article(
                if n % 2 == 0 { FEED_A } else { FEED_B },
                n,
                &format!("Story {n}"),
                i64::from(n),
            )
        })
        .collect();
    let mut s = state_with(config(), vec![], many, (120, 40));
    press(&mut s, "G");
    let text = screen(&s);
    assert!(text.contains("Story 99999"), "{text}");
    assert!(text.contains("100000/100000"));
}
