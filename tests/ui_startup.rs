//! Start-up from the first window (counts from the store, the rest loaded in the background)
//! and lists kept up to date incrementally: whatever the order of events, the state ends as
//! if it had been built from every article at once; selections never jump.

mod ui_fixture;

use crossterm::event::KeyCode;
use tidings::config::SortOrder;
use tidings::engine::{Command, Event, PollStatus};
use tidings::model::{ArticleMeta, FeedId, FeedState};
use tidings::ui::state::{ListView, Pane};
use tidings::ui::{strings, update, AppState, Effect, Msg};
use ui_fixture::*;

/// 60 articles over the three feeds: some read, some highlighted.
fn store() -> Vec<ArticleMeta> {
    let mut all = many(FEED_A, 1, 25, 1);
    all.extend(many(FEED_B, 1, 20, 2));
    all.extend(many(FEED_C, 1, 15, 3));
    for (n, a) in all.iter_mut().enumerate() {
        a.read = n % 4 == 0;
        if n % 7 == 0 {
            a.highlights = vec![(n % 2) as u16];
        }
    }
    all
}

/// The state built from every article at once, for comparison.
fn full(config: tidings::config::Config, articles: Vec<ArticleMeta>) -> AppState {
    state_with(config, feed_states(), articles, (120, 40))
}

#[test]
fn the_first_frame_has_the_stores_counts_and_the_lists_first_rows() {
    let all = store();
    let s = starting_state(config(), feed_states(), &all, 10, (120, 40));
    let whole = full(config(), all.clone());
    assert!(s.is_loading());
    assert_eq!(counts(&s), counts(&whole), "every count right at once");
    assert_eq!(s.list.len(), 10);
    assert_eq!(s.list_len(), 60);
    assert_eq!(list_titles(&s), list_titles(&whole)[..10].to_vec());
    assert_eq!(s.selected, whole.selected);
    let shown = screen(&s);
    assert!(shown.contains(" 1/60 "), "{shown}");
}

#[test]
fn the_load_keeps_the_selection_its_row_and_what_the_user_did() {
    let all = store();
    let mut s = starting_state(config(), feed_states(), &all, 30, (120, 40));
    press(&mut s, "jjjjj");
    let id = s.selected.unwrap();
    let row = s.article_cursor.selected - s.article_cursor.offset;
    // Read and star it before the rest arrives.
    let was_read = s.article(id).unwrap().read;
    press(&mut s, "ms");
    let before = counts(&s);
    let msg = loaded_msg(&s, &all);
    update(&mut s, msg);
    assert!(!s.is_loading());
    assert_eq!(s.selected, Some(id));
    assert_eq!(s.article_cursor.selected - s.article_cursor.offset, row);
    let a = s.article(id).unwrap();
    assert_eq!(a.read, !was_read, "the user's read flag survives the load");
    assert!(a.starred, "the star survives the load");
    assert_eq!(counts(&s), before, "the load changes no count");
    let mut expected = all.clone();
    for a in expected.iter_mut().filter(|a| a.id == id) {
        a.read = !was_read;
        a.starred = true;
    }
    let whole = full(config(), expected);
    assert_eq!(counts(&s), counts(&whole));
    assert_eq!(list_titles(&s), list_titles(&whole));
}

#[test]
fn articles_arriving_before_the_load_are_placed_once_it_lands() {
    let all = store();
    let mut s = starting_state(config(), feed_states(), &all, 8, (120, 40));
    let newest = article(FEED_B, 900, "Brand new", 0);
    let oldest = article(FEED_C, 901, "Very old but new to us", 5000);
    update(&mut s, Msg::Engine(polled(FEED_B, vec![newest.clone()])));
    update(&mut s, Msg::Engine(polled(FEED_C, vec![oldest.clone()])));
    assert_eq!(
        list_titles(&s)[0],
        "Brand new",
        "it sorts into the known rows"
    );
    assert!(
        !list_titles(&s).contains(&oldest.title),
        "its place is among rows not loaded yet"
    );
    assert_eq!(s.list_len(), 62);
    let msg = loaded_msg(&s, &all);
    update(&mut s, msg);
    let mut everything = all.clone();
    everything.extend([newest, oldest]);
    let whole = full(config(), everything);
    assert_eq!(list_titles(&s), list_titles(&whole));
    assert_eq!(counts(&s), counts(&whole));
}

#[test]
fn highlight_changes_and_other_views_wait_for_the_load() {
    let all = store();
    let mut s = starting_state(config(), feed_states(), &all, 8, (120, 40));
    let target = all
        .iter()
        .find(|a| !a.read && a.highlights.is_empty())
        .unwrap()
        .id;
    update(
        &mut s,
        Msg::Engine(Event::HighlightsUpdated(vec![(target, vec![1])])),
    );
    // The feeds pane: moving to a feed while loading shows that the list is on its way.
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.focus, Pane::Feeds);
    press(&mut s, "j");
    assert_eq!(s.view, ListView::Feed(FeedId::from_url(FEED_A)));
    assert!(s.list.is_empty());
    assert!(screen(&s).contains(strings::LOADING_LIST));
    // Marking a whole list read must wait: it would miss the rows not loaded yet.
    let fx = press(&mut s, "A");
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.notice.as_deref(), Some(strings::STILL_LOADING));

    let msg = loaded_msg(&s, &all);
    update(&mut s, msg);
    let mut expected = all.clone();
    for a in expected.iter_mut().filter(|a| a.id == target) {
        a.highlights = vec![1];
    }
    let whole = full(config(), expected);
    assert_eq!(
        counts(&s),
        counts(&whole),
        "the deferred highlights applied"
    );
    assert_eq!(s.list.len(), 25, "feed A's list is there now");
    let fx = press(&mut s, "A");
    assert!(matches!(
        &fx[..],
        [Effect::Send(Command::SetRead { read: true, .. })]
    ));
}

#[test]
fn highlight_first_shows_old_highlighted_articles_at_once() {
    let mut cfg = config();
    cfg.sort = SortOrder::HighlightFirst;
    let mut all = store();
    for a in &mut all {
        a.highlights.clear();
    }
    let old = all
        .iter_mut()
        .max_by_key(|a| std::cmp::Reverse(a.date()))
        .unwrap();
    old.highlights = vec![1];
    old.read = false;
    let title = old.title.clone();
    let s = starting_state(cfg.clone(), feed_states(), &all, 5, (120, 40));
    assert_eq!(
        list_titles(&s)[0],
        title,
        "the oldest article matches a rule: first"
    );
    let whole = full(cfg, all);
    assert_eq!(
        list_titles(&s),
        list_titles(&whole)[..s.list.len()].to_vec()
    );
}

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn incremental_lists_equal_a_full_rebuild() {
    for sort in [SortOrder::Date, SortOrder::HighlightFirst] {
        for view_key in ["", "H", "feed"] {
            let mut cfg = config();
            cfg.sort = sort;
            let base = store();
            let mut s = full(cfg.clone(), base.clone());
            match view_key {
                "H" => {
                    press(&mut s, "H");
                }
                "feed" => {
                    update(&mut s, code(KeyCode::Esc));
                    press(&mut s, "jj");
                    update(&mut s, code(KeyCode::Enter));
                }
                _ => {}
            }
            let view = s.view;
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            let mut everything = base.clone();
            let urls = [FEED_A, FEED_B, FEED_C];
            let mut batch = Vec::new();
            for n in 0..40u32 {
                let feed = urls[rng.next(3) as usize];
                let mut new = Vec::new();
                for k in 0..rng.next(4) {
                    let mut a = article(
                        feed,
                        1000 + n * 10 + k as u32,
                        &format!("new {n}.{k}"),
                        rng.next(200) as i64,
                    );
                    if rng.next(5) == 0 {
                        a.highlights = vec![rng.next(2) as u16];
                    }
                    new.push(a);
                }
                everything.extend(new.iter().cloned());
                let event = polled(feed, new);
                if n % 3 == 0 {
                    batch.push(event);
                } else {
                    update(&mut s, Msg::Engine(event));
                }
                if batch.len() == 4 {
                    update(&mut s, Msg::Events(std::mem::take(&mut batch)));
                }
            }
            update(&mut s, Msg::Events(batch));
            let mut whole = full(cfg, everything);
            if view != ListView::All {
                // Build the same view from scratch (H or the feed row).
                match view {
                    ListView::Highlights => {
                        press(&mut whole, "H");
                    }
                    _ => {
                        update(&mut whole, code(KeyCode::Esc));
                        press(&mut whole, "jj");
                    }
                }
            }
            assert_eq!(whole.view, view);
            assert_eq!(
                list_titles(&s),
                list_titles(&whole),
                "{sort:?}, view {view:?}"
            );
            assert_eq!(counts(&s), counts(&whole), "{sort:?}, view {view:?}");
        }
    }
}

#[test]
fn a_304_changes_the_feed_state_and_nothing_else() {
    let mut s = full(config(), store());
    press(&mut s, "jjj");
    let (titles, c, cursor) = (list_titles(&s), counts(&s), s.article_cursor);
    let mut st = FeedState::new(FEED_B);
    st.feed_title = Some("Beta, renamed".into());
    st.etag = Some("\"v2\"".into());
    update(
        &mut s,
        Msg::Engine(Event::FeedUpdated {
            state: st,
            new_articles: Vec::new(),
            status: PollStatus::NotModified,
            took: std::time::Duration::ZERO,
        }),
    );
    assert_eq!(s.feeds[1].title, "Beta, renamed");
    assert_eq!(list_titles(&s), titles);
    assert_eq!(counts(&s), c);
    assert_eq!(s.article_cursor, cursor);
}
