//! Mouse events through `update`: a click selects (a feed, an article), a second click on
//! the same row within the double-click time opens it, the wheel moves the pane under the
//! pointer whichever has the focus, a click on a `[N]` mark in the reader opens link N;
//! `mouse = false` (also live) turns it all off. Positions are found on the drawn screen,
//! so hit-testing is checked against what `view` really draws.

mod ui_fixture;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use tidings::config::Config;
use tidings::engine::Command;
use tidings::model::FeedId;
use tidings::ui::state::{ListView, Pane};
use tidings::ui::{update, AppState, Effect, LiveConfig, Msg};
use ui_fixture::*;

/// Where `text` is drawn (its first cell), the first time it appears at or right of `from_x`.
fn find(s: &AppState, text: &str, from_x: u16) -> (u16, u16) {
    find_in(s, text, from_x, u16::MAX)
}

/// The same, within the columns `from_x..to_x`.
fn find_in(s: &AppState, text: &str, from_x: u16, to_x: u16) -> (u16, u16) {
    let terminal = render(s);
    let buffer = terminal.backend().buffer();
    let needle: Vec<String> = text.chars().map(|c| c.to_string()).collect();
    for y in 0..buffer.area.height {
        let row: Vec<&str> = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        let end = row.len().min(usize::from(to_x));
        for x in usize::from(from_x)..end.saturating_sub(needle.len() - 1) {
            if row[x..x + needle.len()]
                .iter()
                .zip(&needle)
                .all(|(a, b)| *a == b.as_str())
            {
                return (x as u16, y);
            }
        }
    }
    panic!("{text:?} is not on the screen:\n{}", screen(s));
}

fn mouse(kind: MouseEventKind, (column, row): (u16, u16), at: Instant) -> Msg {
    Msg::Mouse {
        event: MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        },
        at,
    }
}

fn click(s: &mut AppState, at: (u16, u16), when: Instant) -> Vec<Effect> {
    update(s, mouse(MouseEventKind::Down(MouseButton::Left), at, when))
}

fn wheel(s: &mut AppState, down: bool, at: (u16, u16)) -> Vec<Effect> {
    let kind = if down {
        MouseEventKind::ScrollDown
    } else {
        MouseEventKind::ScrollUp
    };
    update(s, mouse(kind, at, Instant::now()))
}

fn ms(t: Instant, n: u64) -> Instant {
    t + Duration::from_millis(n)
}

#[test]
fn a_click_selects_an_article_and_a_double_click_opens_it() {
    // Three columns, two, and one pane at a time.
    for size in [(200, 50), (120, 40), (50, 20)] {
        let mut s = state(size);
        let t = Instant::now();
        let at = find(&s, "Gamma one", 0);
        let fx = click(&mut s, at, t);
        assert_eq!(
            selected_title(&s),
            "Gamma one: security advisory CVE-2024-1"
        );
        assert_eq!(s.focus, Pane::Articles);
        assert_eq!(s.reader, None, "one click does not open");
        // The body is fetched ahead, as for `j`.
        assert!(fx.contains(&Effect::Send(Command::LoadBody(id_of(FEED_C, 1)))));
        // The second click of a double click opens it.
        click(&mut s, (at.0 + 1, at.1), ms(t, 250));
        assert_eq!(s.reader.map(|r| r.id), Some(id_of(FEED_C, 1)), "{size:?}");
        assert_eq!(s.focus, Pane::Reader);
    }
}

#[test]
fn clicks_too_far_apart_are_two_clicks() {
    let mut s = state((120, 40));
    let t = Instant::now();
    let at = find(&s, "Beta two", 0);
    click(&mut s, at, t);
    click(&mut s, at, ms(t, 600));
    assert_eq!(s.reader, None);
    assert_eq!(selected_title(&s), "Beta two: gardening tips");
    // Nor is a click on another row the second of a double click.
    let other = find(&s, "Alpha three", 0);
    click(&mut s, other, ms(t, 700));
    assert_eq!(s.reader, None);
    assert_eq!(selected_title(&s), "Alpha three: local sports");
    // A third click right after a double click starts again.
    click(&mut s, other, ms(t, 800));
    assert!(s.reader.is_some());
    update(&mut s, code(KeyCode::Esc));
    click(&mut s, other, ms(t, 900));
    assert_eq!(s.focus, Pane::Articles, "not a double click again");
}

#[test]
fn a_click_on_a_feed_lists_it_and_a_double_click_goes_to_its_articles() {
    let mut s = state((120, 40));
    let t = Instant::now();
    // In the feeds pane (the articles list shows feed names too).
    let at = find_in(&s, "Beta Blog", 0, 30);
    click(&mut s, at, t);
    assert_eq!(s.focus, Pane::Feeds);
    assert_eq!(s.view, ListView::Feed(FeedId::from_url(FEED_B)));
    assert_eq!(s.list.len(), 3);
    click(&mut s, at, ms(t, 200));
    assert_eq!(s.focus, Pane::Articles);
    // "All articles", the pane's first row.
    let all = find(&s, "All articles", 0);
    click(&mut s, all, ms(t, 2000));
    assert_eq!(s.view, ListView::All);
    // A click on a border or an empty row only focuses the pane.
    click(&mut s, (0, 30), ms(t, 3000));
    assert_eq!(s.view, ListView::All);
    assert_eq!(s.focus, Pane::Feeds);
}

#[test]
fn the_wheel_moves_the_pane_under_the_pointer_not_the_focused_one() {
    let mut s = state((120, 40));
    assert_eq!(s.focus, Pane::Articles);
    let feeds = find_in(&s, "Gamma Weekly", 0, 30);
    wheel(&mut s, true, feeds);
    assert_eq!(s.feed_cursor.selected, 1);
    assert_eq!(s.view, ListView::Feed(FeedId::from_url(FEED_A)));
    assert_eq!(s.focus, Pane::Articles, "the focus stays");
    wheel(&mut s, false, feeds);
    assert_eq!(s.view, ListView::All);
    let articles = find(&s, "Alpha one", 0);
    wheel(&mut s, true, articles);
    assert_eq!(s.article_cursor.selected, 3);

    // The reader scrolls under the pointer while the list has the keyboard.
    update(&mut s, code(KeyCode::Enter));
    let open = s.reader.unwrap().id;
    loaded(&mut s, open, long_body(60));
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.focus, Pane::Articles);
    let selected = s.article_cursor.selected;
    let text = find(&s, "Paragraph 0", 0);
    wheel(&mut s, true, text);
    wheel(&mut s, true, text);
    assert_eq!(s.reader.unwrap().scroll, 6);
    assert_eq!(s.article_cursor.selected, selected);
    wheel(&mut s, false, text);
    assert_eq!(s.reader.unwrap().scroll, 3);
    // Over the status bar: nothing moves.
    wheel(&mut s, true, (5, 39));
    assert_eq!(s.reader.unwrap().scroll, 3);
    assert_eq!(s.article_cursor.selected, selected);
}

#[test]
fn a_click_on_a_link_mark_opens_that_link() {
    let mut s = state((120, 40));
    update(&mut s, code(KeyCode::Enter));
    let open = s.reader.unwrap().id;
    loaded(&mut s, open, long_body(2));
    update(&mut s, code(KeyCode::Esc));
    let reader_x = find(&s, "Feed: ", 0).0;
    let (x, y) = find(&s, "[2]", reader_x);
    // Any of its columns; the same Effect as the `2` key.
    for dx in 0..3 {
        let fx = click(
            &mut s,
            (x + dx, y),
            Instant::now() + Duration::from_secs(u64::from(dx)),
        );
        assert_eq!(fx, [Effect::OpenUrl("https://example.org/two".into())]);
    }
    assert_eq!(s.focus, Pane::Reader);
    assert_eq!(
        press(&mut s, "2"),
        [Effect::OpenUrl("https://example.org/two".into())]
    );
    // The mark in the link list at the end of the text opens it too.
    let (x, y) = find(&s, "[1] https", reader_x);
    let fx = click(&mut s, (x, y), Instant::now() + Duration::from_secs(9));
    assert_eq!(fx, [Effect::OpenUrl("https://example.org/one".into())]);
    // Text next to it is only text.
    let (x, y) = find(&s, "Intro", reader_x);
    assert!(click(&mut s, (x, y), Instant::now() + Duration::from_secs(20)).is_empty());
}

#[test]
fn the_help_overlay_takes_the_mouse() {
    let mut s = state((120, 40));
    press(&mut s, "?");
    wheel(&mut s, true, (60, 20));
    assert_eq!(s.help, Some(3));
    click(&mut s, (60, 20), Instant::now());
    assert_eq!(s.help, None);
    assert_eq!(s.reader, None, "the click only closed the overlay");
}

#[test]
fn mouse_false_turns_it_off_also_live() {
    let mut s = state((120, 40));
    let at = find(&s, "Beta two", 0);
    let off = Config {
        mouse: false,
        ..config()
    };
    let fx = update(
        &mut s,
        Msg::Config(Box::new(LiveConfig::prepare(off).unwrap())),
    );
    assert!(fx.contains(&Effect::SetMouse(false)), "{fx:?}");
    assert!(click(&mut s, at, Instant::now()).is_empty());
    wheel(&mut s, true, at);
    assert_eq!(s.article_cursor.selected, 0);
    let fx = update(
        &mut s,
        Msg::Config(Box::new(LiveConfig::prepare(config()).unwrap())),
    );
    assert!(fx.contains(&Effect::SetMouse(true)), "{fx:?}");
    click(&mut s, at, Instant::now());
    assert_eq!(selected_title(&s), "Beta two: gardening tips");
}
