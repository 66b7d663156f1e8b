//! The reader's notification decision, through `update`: a run's `notify` matches become one
//! `Effect::Notify` when the user is not looking (the terminal lost focus, or the articles are
//! not on screen when the terminal does not report focus), and only a status-bar notice when
//! they are.

mod ui_fixture;

use tidings::engine::{Event, NotifyArticle};
use tidings::model::ArticleMeta;
use tidings::ui::{update, AppState, Effect, Msg};
use ui_fixture::*;

fn entry(a: &ArticleMeta) -> NotifyArticle {
    NotifyArticle {
        id: a.id,
        feed: a.feed,
        title: a.title.clone(),
        feed_title: "Beta Blog".to_string(),
    }
}

/// `n` new articles of feed B arrive in one refresh, and all of them match `notify`: the
/// engine's events for the run, in the order it sends them, as one batch.
fn run_with_matches(s: &mut AppState, n: u32, hours: i64) -> (Vec<Effect>, Vec<NotifyArticle>) {
    let new = many(FEED_B, 100, n, hours);
    let batch: Vec<NotifyArticle> = new.iter().map(entry).collect();
    let fx = update(
        s,
        Msg::Events(vec![polled(FEED_B, new), Event::Notify(batch.clone())]),
    );
    (fx, batch)
}

fn notifications(fx: &[Effect]) -> Vec<&tidings::notify::Notification> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n),
            _ => None,
        })
        .collect()
}

#[test]
fn focus_lost_notifies_once_for_the_whole_batch() {
    let mut s = state((120, 40));
    update(&mut s, Msg::Focus(false));
    let (fx, batch) = run_with_matches(&mut s, 5, 0);
    let sent = notifications(&fx);
    assert_eq!(sent.len(), 1, "{fx:?}");
    assert_eq!(sent[0].count, 5);
    assert_eq!(sent[0].titles[0], batch[0].title);
}

#[test]
fn focused_terminal_gets_a_notice_instead() {
    let mut s = state((120, 40));
    update(&mut s, Msg::Focus(false));
    update(&mut s, Msg::Focus(true));
    let (fx, _) = run_with_matches(&mut s, 2, 0);
    assert!(notifications(&fx).is_empty(), "{fx:?}");
    let notice = s.notice.clone().unwrap_or_default();
    assert!(notice.starts_with("2 new articles: Item 100"), "{notice}");
}

#[test]
fn without_focus_reports_articles_on_screen_do_not_notify() {
    // The list shows the 9 fixture articles and the 3 new ones, newest first: all on screen.
    let mut s = state((120, 40));
    assert_eq!(s.terminal_focus, None);
    let (fx, _) = run_with_matches(&mut s, 3, 0);
    assert!(notifications(&fx).is_empty(), "{fx:?}");
    assert!(s.notice.is_some());
}

#[test]
fn without_focus_reports_only_the_articles_off_screen_notify() {
    // 20 rows: the pane shows 17 of the 9 + 30 articles, newest first; the new ones below
    // the fold notify, exactly those the screen does not show.
    let mut s = state((120, 20));
    let (fx, batch) = run_with_matches(&mut s, 30, 0);
    let sent = notifications(&fx);
    assert_eq!(sent.len(), 1, "{fx:?}");
    let drawn = screen(&s);
    let off_screen: Vec<&String> = batch
        .iter()
        .map(|a| &a.title)
        .filter(|t| !drawn.contains(t.split(" of ").next().unwrap()))
        .collect();
    assert!(off_screen.len() > 5 && off_screen.len() < 30, "{drawn}");
    assert_eq!(sent[0].titles.iter().collect::<Vec<_>>(), off_screen);
}

#[test]
fn the_help_overlay_hides_the_list() {
    let mut s = state((120, 40));
    press(&mut s, "?");
    let (fx, _) = run_with_matches(&mut s, 2, 0);
    assert_eq!(notifications(&fx).len(), 1, "{fx:?}");
}

#[test]
fn no_matches_no_notification() {
    let mut s = state((120, 40));
    update(&mut s, Msg::Focus(false));
    let fx = update(
        &mut s,
        Msg::Events(vec![polled(FEED_B, many(FEED_B, 100, 4, 0))]),
    );
    assert!(notifications(&fx).is_empty(), "{fx:?}");
    assert!(s.notice.is_none(), "{:?}", s.notice);
}
