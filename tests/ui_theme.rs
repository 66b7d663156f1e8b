//! The reader's themes drawn into ratatui's `TestBackend`: `mono` (NO_COLOR) has no colour in
//! any cell, yet marks the selection (reverse), unread titles (bold) and highlights (underline)
//! with modifiers; `light` differs from the default `dark`.

mod ui_fixture;

use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use tidings::config::ThemeName;
use tidings::ui::theme::Theme;
use tidings::ui::{update, AppState};
use ui_fixture::*;

const BODY: &str =
    "<h2>Budget</h2><p>The council met. <a href=\"https://example.org/p\">Parks</a> \
                    got money and Rust was mentioned.</p><pre>x = 1</pre>";

/// Articles list focused, then the reader open on the selected article.
fn scene(theme: ThemeName) -> (AppState, Terminal<TestBackend>, Terminal<TestBackend>) {
    let mut s = state((120, 30));
    s.theme = Theme::named(theme);
    let list = render(&s);
    let id = s.selected.unwrap();
    update(&mut s, code(KeyCode::Enter));
    loaded(&mut s, id, html(BODY));
    let reader = render(&s);
    (s, list, reader)
}

/// Cells of the first row containing `text`, from where it starts, `text`'s width long.
fn cells_of<'a>(buf: &'a Buffer, text: &str) -> Vec<&'a ratatui::buffer::Cell> {
    for y in 0..buf.area.height {
        let row: Vec<&ratatui::buffer::Cell> = (0..buf.area.width).map(|x| &buf[(x, y)]).collect();
        let line: String = row.iter().map(|c| c.symbol()).collect();
        if let Some(at) = line.find(text) {
            // Cells are one column each here (ASCII needles); count chars before `at`.
            let start = line[..at].chars().count();
            return row[start..start + text.chars().count()].to_vec();
        }
    }
    panic!("{text:?} not on screen");
}

fn no_colour_anywhere(buf: &Buffer) {
    for cell in buf.content() {
        assert_eq!(
            (cell.fg, cell.bg),
            (Color::Reset, Color::Reset),
            "a coloured cell {:?}",
            cell.symbol()
        );
    }
}

#[test]
fn mono_has_no_colour_but_marks_selection_unread_and_highlights() {
    let (_, list, reader) = scene(ThemeName::Mono);
    let buf = list.backend().buffer();
    no_colour_anywhere(buf);
    no_colour_anywhere(reader.backend().buffer());

    // The selected row (the newest article, focused list) is in reverse video.
    for cell in cells_of(buf, "Alpha one") {
        assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    }
    // Unread titles are bold, read ones are not.
    for cell in cells_of(buf, "gardening tips") {
        assert!(cell.modifier.contains(Modifier::BOLD), "{cell:?}");
        assert!(!cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    }
    for cell in cells_of(buf, "weather report") {
        assert!(!cell.modifier.contains(Modifier::BOLD), "{cell:?}");
    }
    // A highlighted keyword in a title, and in the reader's text, is underlined (the rule's
    // own colour is gone).
    for cell in cells_of(buf, "Rust") {
        assert!(cell.modifier.contains(Modifier::UNDERLINED), "{cell:?}");
    }
    let text = reader.backend().buffer();
    let cells = cells_of(text, "Rust was");
    for (i, cell) in cells.iter().enumerate() {
        let underlined = cell.modifier.contains(Modifier::UNDERLINED);
        assert_eq!(underlined, i < 4, "{i}: {cell:?}");
    }
}

#[test]
fn mono_keeps_focus_visible_when_the_reader_has_it() {
    let (_, _, reader) = scene(ThemeName::Mono);
    let buf = reader.backend().buffer();
    // The list's selection while the reader is focused: still reverse video, dimmed.
    for cell in cells_of(buf, "Alpha one") {
        assert!(
            cell.modifier.contains(Modifier::REVERSED | Modifier::DIM),
            "{cell:?}"
        );
    }
}

#[test]
fn dark_keeps_rule_colours_and_light_differs() {
    let (_, dark, _) = scene(ThemeName::Dark);
    let rust = cells_of(dark.backend().buffer(), "Rust")[0].fg;
    assert_eq!(rust, Color::Magenta, "the rule's own colour");
    let (_, light, _) = scene(ThemeName::Light);
    assert_ne!(
        dark.backend().buffer(),
        light.backend().buffer(),
        "light and dark draw differently"
    );
    assert_eq!(
        cells_of(light.backend().buffer(), "Rust")[0].fg,
        Color::Magenta
    );
}

#[test]
fn theme_follows_config_and_no_color() {
    assert_eq!(ThemeName::resolve(None, false), ThemeName::Dark);
    assert_eq!(ThemeName::resolve(None, true), ThemeName::Mono);
    // An explicit choice in the config wins over NO_COLOR.
    assert_eq!(
        ThemeName::resolve(Some(ThemeName::Light), true),
        ThemeName::Light
    );
    assert_eq!(Theme::bundled(), Theme::named(ThemeName::Dark));
}
