//! `update()` behaviour: navigation, opening, next unread, Space, read/star/feed-read commands,
//! selection stability when items arrive, the highlights view, full text, links, key overrides.

mod ui_fixture;

use chrono::Duration;
use crossterm::event::KeyCode;
use tidings::config::{KeyOverride, SortOrder};
use tidings::engine::{
    Command, Event, FullTextError, PollStatus, Progress, RefreshMode, RefreshRequest,
};
use tidings::fetch::FetchFailure;
use tidings::model::{ErrorKind, FeedId, FeedState};
use tidings::ui::state::{ListView, Pane};
use tidings::ui::{update, Effect, Keymap, Msg};
use ui_fixture::*;

fn sent(fx: &[Effect]) -> Vec<Command> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn reader_text(s: &tidings::ui::AppState) -> String {
    s.reader_lines
        .iter()
        .map(|l| l.plain_text())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn starts_on_all_articles_newest_first() {
    let s = state((120, 40));
    assert_eq!(s.view, ListView::All);
    assert_eq!(s.focus, Pane::Articles);
    assert_eq!(s.list.len(), 9);
    assert_eq!(selected_title(&s), "Alpha one: city council meets");
    assert_eq!(s.total_unread, 8);
    // Feed titles: config title, else the feed's own (sanitised), else the url.
    assert_eq!(s.feeds[0].title, "Alpha News");
    assert!(
        !s.feeds[1].title.contains('\u{1b}'),
        "{:?}",
        s.feeds[1].title
    );
    assert!(s.feeds[1].title.contains("Beta") && s.feeds[1].title.contains("Blog"));
    assert_eq!(s.feeds[0].unread, 3);
    assert_eq!(s.feeds[1].highlighted_unread, 1);
}

#[test]
fn moves_with_j_k_g_g_and_pages() {
    let mut s = state((120, 40));
    press(&mut s, "jj");
    assert_eq!(
        selected_title(&s),
        "Gamma one: security advisory CVE-2024-1"
    );
    press(&mut s, "k");
    assert_eq!(selected_title(&s), "Beta one: Rust 2.0 released");
    press(&mut s, "G");
    assert_eq!(selected_title(&s), "Beta three: a recipe");
    press(&mut s, "j");
    assert_eq!(s.article_cursor.selected, 8, "stays on the last row");
    press(&mut s, "g");
    assert_eq!(s.article_cursor.selected, 0);
    update(&mut s, code(KeyCode::Down));
    assert_eq!(s.article_cursor.selected, 1);
    update(&mut s, code(KeyCode::PageDown));
    assert_eq!(s.article_cursor.selected, 8);
    update(&mut s, ctrl('u'));
    assert!(s.article_cursor.selected < 8);
    update(&mut s, code(KeyCode::PageUp));
    assert_eq!(s.article_cursor.selected, 0);
}

#[test]
fn moving_in_feeds_switches_the_list() {
    let mut s = state((120, 40));
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.focus, Pane::Feeds);
    press(&mut s, "j");
    assert_eq!(s.view, ListView::Feed(FeedId::from_url(FEED_A)));
    assert_eq!(s.list.len(), 4);
    press(&mut s, "j");
    assert_eq!(s.list.len(), 3);
    assert_eq!(selected_title(&s), "Beta one: Rust 2.0 released");
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.focus, Pane::Articles);
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(s.focus, Pane::Feeds, "no reader open: Tab skips it");
}

#[test]
fn enter_opens_marks_read_and_loads_the_body() {
    let mut s = state((120, 40));
    let id = s.selected.unwrap();
    let fx = update(&mut s, code(KeyCode::Enter));
    let cmds = sent(&fx);
    assert!(
        cmds.contains(&Command::SetRead {
            ids: vec![id],
            read: true
        }),
        "{cmds:?}"
    );
    assert!(cmds.contains(&Command::LoadBody(id)) || s.reader.is_some());
    assert_eq!(s.focus, Pane::Reader);
    assert!(s.article(id).unwrap().read);
    assert_eq!(s.total_unread, 7);
    assert!(reader_text(&s).contains("loading…"), "{}", reader_text(&s));
    loaded(
        &mut s,
        id,
        html("<p>Hello <b>council</b>.</p><script>alert(1)</script>"),
    );
    let text = reader_text(&s);
    assert!(text.contains("Hello council."), "{text}");
    assert!(!text.contains("alert"), "{text}");
    assert!(text.contains("Alpha one: city council meets") && text.contains("Ada Writer"));
    // Opening a read article sends no SetRead.
    update(&mut s, code(KeyCode::Esc));
    let fx = update(&mut s, code(KeyCode::Enter));
    assert!(!sent(&fx)
        .iter()
        .any(|c| matches!(c, Command::SetRead { .. })));
}

#[test]
fn prefetches_the_selected_body_once() {
    let mut s = state((120, 40));
    let fx = press(&mut s, "j");
    let id = s.selected.unwrap();
    assert_eq!(sent(&fx), vec![Command::LoadBody(id)]);
    press(&mut s, "k");
    let fx = press(&mut s, "j");
    assert!(sent(&fx).is_empty(), "already requested");
    let fx = update(&mut s, code(KeyCode::Enter));
    assert!(!sent(&fx).contains(&Command::LoadBody(id)));
}

#[test]
fn next_unread_goes_across_feeds() {
    let mut s = state((120, 40));
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "j"); // feed A
    update(&mut s, code(KeyCode::Enter));
    press(&mut s, "G"); // A4, the last of A
    let fx = press(&mut s, "n");
    assert_eq!(
        s.reader.map(|r| r.id),
        Some(id_of(FEED_A, 4)),
        "the selected unread one first"
    );
    assert!(sent(&fx).contains(&Command::SetRead {
        ids: vec![id_of(FEED_A, 4)],
        read: true
    }));
    press(&mut s, "n");
    // Feed A has unread A1 and A3 before the selection, but n goes forward: to feed B.
    assert_eq!(s.view, ListView::Feed(FeedId::from_url(FEED_B)));
    assert_eq!(s.reader.map(|r| r.id), Some(id_of(FEED_B, 1)));
    assert_eq!(s.feed_cursor.selected, 2);
    press(&mut s, "nnn"); // B2, B3, then C1
    assert_eq!(s.reader.map(|r| r.id), Some(id_of(FEED_C, 1)));
    press(&mut s, "nn"); // C2, then wraps to A1
    assert_eq!(s.reader.map(|r| r.id), Some(id_of(FEED_A, 1)));
    press(&mut s, "n"); // A3
    assert_eq!(s.total_unread, 0);
    press(&mut s, "n");
    assert_eq!(s.notice.as_deref(), Some("no unread articles left"));
}

#[test]
fn space_scrolls_then_opens_the_next_unread() {
    let mut s = state((120, 40));
    let first = s.selected.unwrap();
    update(&mut s, code(KeyCode::Enter));
    loaded(&mut s, first, long_body(60));
    let total = s.reader_lines.len();
    let height = s.reader_height();
    assert!(total > height * 2, "{total} lines, {height} rows");
    press(&mut s, " ");
    let scroll = s.reader.unwrap().scroll;
    assert_eq!(scroll, height - 1, "a page, keeping one line of context");
    let mut presses = 1;
    while s.reader.unwrap().id == first {
        press(&mut s, " ");
        presses += 1;
        assert!(presses < 20);
    }
    assert_eq!(s.reader.unwrap().id, id_of(FEED_B, 1));
    assert_eq!(s.reader.unwrap().scroll, 0);
    assert!(presses >= 3);
}

#[test]
fn reader_scrolls_with_j_k_and_clamps() {
    let mut s = state((80, 24));
    let id = s.selected.unwrap();
    update(&mut s, code(KeyCode::Enter));
    loaded(&mut s, id, long_body(40));
    press(&mut s, "jjj");
    assert_eq!(s.reader.unwrap().scroll, 3);
    press(&mut s, "G");
    let max = s.reader_lines.len() - s.reader_height();
    assert_eq!(s.reader.unwrap().scroll, max);
    press(&mut s, "j");
    assert_eq!(s.reader.unwrap().scroll, max);
    press(&mut s, "g");
    assert_eq!(s.reader.unwrap().scroll, 0);
}

#[test]
fn toggles_emit_commands() {
    let mut s = state((120, 40));
    let id = s.selected.unwrap();
    let fx = press(&mut s, "m");
    assert_eq!(
        sent(&fx),
        vec![Command::SetRead {
            ids: vec![id],
            read: true
        }]
    );
    let fx = press(&mut s, "m");
    assert_eq!(
        sent(&fx),
        vec![Command::SetRead {
            ids: vec![id],
            read: false
        }]
    );
    let fx = press(&mut s, "s");
    assert_eq!(sent(&fx), vec![Command::SetStarred { id, starred: true }]);
    assert!(s.article(id).unwrap().starred);
    let fx = press(&mut s, "s");
    assert_eq!(sent(&fx), vec![Command::SetStarred { id, starred: false }]);
}

#[test]
fn mark_feed_read_sends_every_unread_of_the_list() {
    let mut s = state((120, 40));
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "j"); // feed A
    let fx = press(&mut s, "A");
    let cmds = sent(&fx);
    assert_eq!(cmds.len(), 1);
    let Command::SetRead { ids, read: true } = &cmds[0] else {
        panic!("{cmds:?}");
    };
    let mut ids = ids.clone();
    ids.sort();
    let mut want = vec![id_of(FEED_A, 1), id_of(FEED_A, 3), id_of(FEED_A, 4)];
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(s.feeds[0].unread, 0);
    assert_eq!(s.total_unread, 5);
    assert!(sent(&press(&mut s, "A")).is_empty(), "nothing left to mark");
}

#[test]
fn refresh_keys() {
    let mut s = state((120, 40));
    assert_eq!(
        sent(&press(&mut s, "R")),
        vec![Command::Refresh(RefreshRequest::all(RefreshMode::Force))]
    );
    assert_eq!(
        sent(&press(&mut s, "r")),
        vec![Command::Refresh(RefreshRequest::all(RefreshMode::Force))],
        "on \"All articles\""
    );
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "jj");
    assert_eq!(
        sent(&press(&mut s, "r")),
        vec![Command::Refresh(RefreshRequest::one(
            FeedId::from_url(FEED_B),
            RefreshMode::Force
        ))]
    );
}

#[test]
fn new_items_do_not_move_the_selection() {
    let mut s = state((80, 24));
    // Many articles, so the list scrolls.
    let more: Vec<_> = (10..60)
        .map(|n| article(FEED_A, n, &format!("Filler {n}"), 100 + i64::from(n)))
        .collect();
    let mut all = articles();
    all.extend(more);
    let mut s2 = state_with(config(), feed_states(), all, (80, 24));
    press(&mut s2, "jjjjjjjjjjjjjjjjjjjj"); // row 20
    let id = s2.selected.unwrap();
    let row = s2.article_cursor.selected - s2.article_cursor.offset;
    let new: Vec<_> = (100..105)
        .map(|n| article(FEED_B, n, &format!("Fresh {n}"), 0))
        .collect();
    let state_b = FeedState::new(FEED_B);
    update(
        &mut s2,
        Msg::Engine(Event::FeedUpdated {
            state: state_b,
            new_articles: new,
            status: PollStatus::Modified { bytes: 0 },
            took: std::time::Duration::ZERO,
        }),
    );
    assert_eq!(s2.list.len(), 64);
    assert_eq!(s2.selected, Some(id), "same article selected");
    assert_eq!(
        s2.article_cursor.selected - s2.article_cursor.offset,
        row,
        "on the same screen row"
    );
    assert!(s2.articles[s2.list[0]].title.starts_with("Fresh"));

    // The open article's scroll position does not change either.
    let open = s.selected.unwrap();
    update(&mut s, code(KeyCode::Enter));
    loaded(&mut s, open, long_body(40));
    press(&mut s, "jjjj");
    let new = vec![article(FEED_C, 100, "Fresh C", 0)];
    update(
        &mut s,
        Msg::Engine(Event::FeedUpdated {
            state: FeedState::new(FEED_C),
            new_articles: new,
            status: PollStatus::Modified { bytes: 0 },
            took: std::time::Duration::ZERO,
        }),
    );
    assert_eq!(s.reader.unwrap().scroll, 4);
    assert_eq!(s.reader.unwrap().id, open);
    assert_eq!(s.selected, Some(open));
}

#[test]
fn feed_updated_applies_state_and_counts() {
    let mut s = state((120, 40));
    let mut st = FeedState::new(FEED_C);
    st.last_error = Some("HTTP 500".into());
    let new = vec![with(
        article(FEED_C, 9, "Gamma nine: Rust security", 0),
        |a| a.highlights = vec![0, 1],
    )];
    update(
        &mut s,
        Msg::Engine(Event::FeedUpdated {
            state: st,
            new_articles: new.clone(),
            status: PollStatus::Modified { bytes: 0 },
            took: std::time::Duration::ZERO,
        }),
    );
    assert!(s.feeds[2].is_failing());
    assert_eq!(s.feeds[2].unread, 3);
    assert_eq!(s.feeds[2].highlighted_unread, 2);
    // The same article again is not duplicated.
    update(
        &mut s,
        Msg::Engine(Event::FeedUpdated {
            state: FeedState::new(FEED_C),
            new_articles: new,
            status: PollStatus::Modified { bytes: 0 },
            took: std::time::Duration::ZERO,
        }),
    );
    assert_eq!(s.articles.len(), 10);
    update(
        &mut s,
        Msg::Engine(Event::Progress(Progress {
            total: 3,
            done: 1,
            failed: 1,
            running: true,
        })),
    );
    assert!(s.progress.running);
    update(
        &mut s,
        Msg::Engine(Event::Notice("store \u{1b}]52;c;x\u{7} moved".into())),
    );
    assert!(!s.notice.as_deref().unwrap().contains('\u{1b}'));
}

#[test]
fn highlights_view_lists_matches_newest_first() {
    let mut cfg = config();
    cfg.sort = SortOrder::HighlightFirst;
    let mut s = state_with(cfg, feed_states(), articles(), (120, 40));
    // highlight-first: priority 5 (security) before priority 1 (rust), then the rest by date.
    assert_eq!(
        selected_title(&s),
        "Gamma one: security advisory CVE-2024-1"
    );
    assert_eq!(s.articles[s.list[1]].title, "Beta one: Rust 2.0 released");
    assert_eq!(s.articles[s.list[2]].title, "Alpha one: city council meets");
    press(&mut s, "H");
    assert_eq!(s.view, ListView::Highlights);
    let titles: Vec<_> = s
        .list
        .iter()
        .map(|&i| s.articles[i].title.as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "Beta one: Rust 2.0 released",
            "Gamma one: security advisory CVE-2024-1"
        ]
    );
    press(&mut s, "H");
    assert_eq!(s.view, ListView::All);
    assert_eq!(s.list.len(), 9);
}

#[test]
fn highlights_updated_resorts() {
    let mut cfg = config();
    cfg.sort = SortOrder::HighlightFirst;
    let mut s = state_with(cfg, feed_states(), articles(), (120, 40));
    update(
        &mut s,
        Msg::Engine(Event::HighlightsUpdated(vec![(id_of(FEED_A, 4), vec![1])])),
    );
    // A4 now matches "security" (priority 5) and is older than C1: C1 first, then A4.
    assert_eq!(
        s.articles[s.list[1]].title,
        "Alpha four: a long long title that will need truncating in narrow panes"
    );
    assert_eq!(s.feeds[0].highlighted_unread, 1);
}

#[test]
fn full_text_toggle() {
    let mut s = state((120, 40));
    let id = s.selected.unwrap();
    update(&mut s, code(KeyCode::Enter));
    loaded(&mut s, id, html("<p>Feed summary only.</p>"));
    let fx = press(&mut s, "f");
    let url = s.article(id).unwrap().link.clone().unwrap();
    assert_eq!(
        sent(&fx),
        vec![Command::FetchFullText {
            id,
            url: url.clone()
        }]
    );
    assert!(reader_text(&s).contains("fetching full article…"));
    update(
        &mut s,
        Msg::Engine(Event::FullTextLoaded {
            id,
            result: Ok(html("<p>The whole story.</p>")),
        }),
    );
    assert!(reader_text(&s).contains("The whole story."));
    press(&mut s, "f");
    assert!(reader_text(&s).contains("Feed summary only."));
    // Cached: no second fetch.
    let fx = press(&mut s, "f");
    assert!(sent(&fx).is_empty());
    assert!(reader_text(&s).contains("The whole story."));

    // A failure shows in the pane, with the feed's text; f twice retries.
    let mut s = state((120, 40));
    update(&mut s, code(KeyCode::Enter));
    loaded(&mut s, id, html("<p>Feed summary only.</p>"));
    press(&mut s, "f");
    update(
        &mut s,
        Msg::Engine(Event::FullTextLoaded {
            id,
            result: Err(FullTextError::Fetch(FetchFailure::new(
                ErrorKind::HttpStatus,
                "HTTP 404",
            ))),
        }),
    );
    let text = reader_text(&s);
    assert!(
        text.contains("full article failed: HTTP 404") && text.contains("Feed summary only."),
        "{text}"
    );
    press(&mut s, "f");
    let fx = press(&mut s, "f");
    assert_eq!(sent(&fx), vec![Command::FetchFullText { id, url }]);
}

#[test]
fn feeds_with_full_text_fetch_on_open() {
    let mut cfg = config();
    cfg.feeds[0].full_text = true;
    let mut s = state_with(cfg, feed_states(), articles(), (120, 40));
    let id = s.selected.unwrap();
    let fx = update(&mut s, code(KeyCode::Enter));
    assert!(sent(&fx)
        .iter()
        .any(|c| matches!(c, Command::FetchFullText { id: i, .. } if *i == id)));
    assert!(s.reader.unwrap().full);
}

#[test]
fn links_open_only_on_the_web() {
    let mut s = state((120, 40));
    let id = s.selected.unwrap();
    let fx = press(&mut s, "o");
    let link = s.article(id).unwrap().link.clone().unwrap();
    assert_eq!(fx, vec![Effect::OpenUrl(link)]);
    update(&mut s, code(KeyCode::Enter));
    loaded(&mut s, id, long_body(1));
    assert_eq!(
        press(&mut s, "2"),
        vec![Effect::OpenUrl("https://example.org/two".into())]
    );
    assert!(press(&mut s, "9").is_empty());
    assert!(s.notice.as_deref().unwrap().contains("[9]"));

    let bad = with(article(FEED_A, 77, "Bad link", 0), |a| {
        a.link = Some("javascript:alert(1)".into())
    });
    let mut s = state_with(config(), vec![], vec![bad], (120, 40));
    assert!(press(&mut s, "o").is_empty());
    assert!(s.notice.is_some());
}

#[test]
fn help_overlay_takes_keys() {
    let mut s = state((80, 24));
    press(&mut s, "?");
    assert_eq!(s.help, Some(0));
    press(&mut s, "jj");
    assert_eq!(s.help, Some(2));
    assert_eq!(s.article_cursor.selected, 0, "keys go to the overlay");
    let fx = press(&mut s, "x");
    assert!(fx.is_empty());
    assert_eq!(s.help, None);
    assert_eq!(press(&mut s, "q"), vec![Effect::Quit]);
}

#[test]
fn key_overrides_change_dispatch() {
    let mut cfg = config();
    cfg.keys = vec![
        KeyOverride {
            action: "down".into(),
            keys: vec!["Ctrl-n".into(), "J".into()],
            line: 3,
            column: 1,
        },
        KeyOverride {
            action: "quit".into(),
            keys: vec!["x".into()],
            line: 4,
            column: 1,
        },
    ];
    let mut s = state_with(cfg.clone(), vec![], articles(), (120, 40));
    update(&mut s, ctrl('n'));
    press(&mut s, "J");
    assert_eq!(s.article_cursor.selected, 2);
    press(&mut s, "j");
    assert_eq!(s.article_cursor.selected, 2, "j is no longer bound");
    assert!(press(&mut s, "q").is_empty());
    assert_eq!(press(&mut s, "x"), vec![Effect::Quit]);

    cfg.keys.push(KeyOverride {
        action: "teleport".into(),
        keys: vec!["t".into()],
        line: 9,
        column: 5,
    });
    let err = Keymap::from_config(&cfg.keys).unwrap_err().to_string();
    assert!(
        err.contains("line 9, column 5") && err.contains("teleport"),
        "{err}"
    );
}

#[test]
fn resize_keeps_selection_visible() {
    let more: Vec<_> = (10..80)
        .map(|n| article(FEED_A, n, &format!("Filler {n}"), i64::from(n)))
        .collect();
    let mut s = state_with(config(), vec![], more, (120, 40));
    press(&mut s, "G");
    update(&mut s, Msg::Resize(50, 12));
    let h = s.article_list_height();
    let c = s.article_cursor;
    assert!(
        c.selected >= c.offset && c.selected < c.offset + h,
        "{c:?} h={h}"
    );
}

#[test]
fn dates_in_the_list_follow_the_clock() {
    let s = state((120, 40));
    let a = s.selected_article().unwrap();
    assert_eq!(
        tidings::ui::text::short_date(a.date(), s.now, s.tz),
        "17:00"
    );
    assert_eq!(
        tidings::ui::text::short_date(a.date() - Duration::days(3), s.now, s.tz),
        "Nov 24"
    );
}

#[test]
fn untouched_list_follows_the_top_while_feeds_fill_it() {
    let mut s = state_with(config(), vec![], vec![], (120, 40));
    let first = vec![article(FEED_A, 1, "Older", 5)];
    update(
        &mut s,
        Msg::Engine(Event::FeedUpdated {
            state: FeedState::new(FEED_A),
            new_articles: first,
            status: PollStatus::Modified { bytes: 0 },
            took: std::time::Duration::ZERO,
        }),
    );
    assert_eq!(selected_title(&s), "Older");
    let newer = vec![article(FEED_B, 1, "Newer", 1)];
    update(
        &mut s,
        Msg::Engine(Event::FeedUpdated {
            state: FeedState::new(FEED_B),
            new_articles: newer,
            status: PollStatus::Modified { bytes: 0 },
            took: std::time::Duration::ZERO,
        }),
    );
    assert_eq!(
        selected_title(&s),
        "Newer",
        "nobody chose a row yet: stay at the top"
    );
    assert_eq!(s.article_cursor.offset, 0);
    // Once the user moves, the selection sticks to its article.
    press(&mut s, "j");
    let newest = vec![article(FEED_C, 1, "Newest", 0)];
    update(
        &mut s,
        Msg::Engine(Event::FeedUpdated {
            state: FeedState::new(FEED_C),
            new_articles: newest,
            status: PollStatus::Modified { bytes: 0 },
            took: std::time::Duration::ZERO,
        }),
    );
    assert_eq!(selected_title(&s), "Older");
}
