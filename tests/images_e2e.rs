//! End to end in a pseudo-terminal: the real binary on a copy of the demo with
//! `images = "halfblocks"` opens the demo's Kp index article and draws its chart (a PNG next
//! to the feed file) with half blocks under the `[image: ...]` line; and with the default
//! `images = "auto"` on a terminal without a graphics protocol the same article keeps its
//! `[image: ...]` line and nothing else.

mod support;

use std::path::Path;

use support::pty::Session;

/// The demo's feeds, images and config in `dir`, with `extra` put first in the config.
fn demo_copy(dir: &Path, extra: &str) -> std::path::PathBuf {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    for entry in std::fs::read_dir(assets).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let config = dir.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{extra}\n{text}")).unwrap();
    config
}

/// Rows of the feeds pane from "All articles" down to the first row naming `feed`, once the
/// screen shows both.
fn rows_down_to(screen: &str, feed: &str) -> Option<usize> {
    let row = |name: &str| {
        screen
            .lines()
            .position(|l| l.starts_with('│') && l.split("││").next().unwrap().contains(name))
    };
    Some(row(feed)? - row("All articles")?)
}

/// Opens "How to read an aurora forecast" (the second article of Orbital Notes, the fourth
/// feed) and returns the screen once `ready` holds.
fn open_kp_article(s: &mut Session, ready: impl Fn(&str) -> bool) -> String {
    s.wait_for(&["Orbital Notes"]);
    let position = regex::Regex::new(r" \d+/\d+ ┘").unwrap();
    let screen = s.wait_until("the article list and Orbital Notes' row", |screen| {
        position.is_match(screen) && rows_down_to(screen, "Orbital Notes").is_some()
    });
    // To the feeds pane with `h` (Esc's twin): an Esc read together with the `j`s that follow,
    // as happens when tidings is slow to read, would be one Alt key.
    s.press("h");
    // Down to Orbital Notes' first row (under a tag group), counted on the screen.
    s.press(&"j".repeat(rows_down_to(&screen, "Orbital Notes").unwrap()));
    s.press("\r");
    // The feed's own list (the article's title may be on screen already in the whole list).
    s.wait_for(&["Articles · Orbital Notes", "How to read an aurora forecast"]);
    s.press("j");
    s.press("\r");
    s.wait_until("the Kp article and its image", ready)
}

#[test]
fn the_demo_draws_its_chart_with_half_blocks() {
    let home = tempfile::tempdir().unwrap();
    let config = demo_copy(home.path(), "images = \"halfblocks\"");
    let data = home.path().join("data");
    let mut s = Session::start(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        home.path(),
    );
    let screen = open_kp_article(&mut s, |screen| {
        screen.contains("[image: Bar chart of the Kp index") && screen.matches('▀').count() > 20
    });
    assert!(!screen.contains("image unavailable"), "{screen}");
    // The text after the picture is there too (scroll to it).
    s.press("G");
    s.wait_for(&["Forecasts give the expected Kp"]);
    s.press("q");
    assert_eq!(s.wait_exit(), 0, "exit status");
}

#[test]
fn without_a_graphics_protocol_the_demo_keeps_alt_lines() {
    let home = tempfile::tempdir().unwrap();
    let config = demo_copy(home.path(), "");
    let data = home.path().join("data");
    let mut s = Session::start(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        home.path(),
    );
    let screen = open_kp_article(&mut s, |screen| {
        screen.contains("[image: Bar chart of the Kp index")
    });
    // The figure caption follows the alt line directly: no rows were reserved.
    let lines: Vec<&str> = screen.lines().collect();
    let alt = lines
        .iter()
        .position(|l| l.contains("[image: Bar chart"))
        .unwrap();
    let rest = lines[alt + 1..].join("\n");
    assert!(
        !rest.contains('▀') && !rest.contains("loading image"),
        "{screen}"
    );
    s.press("q");
    assert_eq!(s.wait_exit(), 0, "exit status");
}
