//! `update`: applies one message (key, resize, engine event) to the state and says what the
//! run loop must do (send commands, open a url, quit). Pure: no terminal, no I/O, no waiting.

use crossterm::event::{KeyEvent, KeyEventKind};

use crate::clean::sanitize_inline;
use crate::engine::{Command, Event, RefreshMode, RefreshRequest};
use crate::model::ArticleId;

use super::keys::Action;
use super::load::Loaded;
use super::picture::{EncodeJob, PictureReady};
use super::state::{AppState, BodyState, FullState, ListView, Pane, Reader};
use super::strings;

/// Something that happened. (Engine events are large but each is moved once: no boxing.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Engine(Event),
    /// Several engine events at once (the run loop takes them in batches): the lists are
    /// brought up to date once for the batch.
    Events(Vec<Event>),
    /// Every stored article, read in the background after the first frame.
    Loaded(Box<Loaded>),
    /// A picture the encoder made for the reader (see `Effect::Encode`).
    Picture(PictureReady),
}

/// Something the run loop must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Send(Command),
    /// Open this http(s) url in the browser.
    OpenUrl(String),
    /// Turn decoded pixels into a picture for the terminal, off the UI thread; answered by
    /// `Msg::Picture`.
    Encode(EncodeJob),
    Quit,
}

/// Applies a message to the state.
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return fx;
            }
            state.notice = None;
            on_key(state, &key, &mut fx);
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            resized(state);
        }
        Msg::Engine(event) => state.apply(event),
        Msg::Events(events) => {
            for event in events {
                state.apply(event);
            }
        }
        Msg::Loaded(loaded) => state.articles_loaded(*loaded),
        Msg::Picture(ready) => state.images.picture_ready(ready),
    }
    state.settle();
    image_work(state, &mut fx);
    fx
}

/// Loads for the image slots in or near the reader's visible rows, pictures to encode, and
/// loads the reader no longer needs (nothing at all while images are off).
fn image_work(state: &mut AppState, fx: &mut Vec<Effect>) {
    if !state.images.enabled() {
        return;
    }
    let height = state.reader_height();
    let view = state.reader.map(|r| (r.scroll, height));
    let work = state.images.work(view);
    if !work.cancel.is_empty() {
        fx.push(Effect::Send(Command::CancelImages(work.cancel)));
    }
    fx.extend(
        work.fetch
            .into_iter()
            .map(|key| Effect::Send(Command::FetchImage(key))),
    );
    fx.extend(work.encode.into_iter().map(Effect::Encode));
}

fn resized(state: &mut AppState) {
    let h = state.article_list_height();
    state.article_cursor.scroll_into_view(state.list.len(), h);
    let h = state.feed_list_height();
    state.feed_cursor.scroll_into_view(state.feed_rows(), h);
    state.relayout_reader();
}

fn on_key(state: &mut AppState, key: &KeyEvent, fx: &mut Vec<Effect>) {
    let action = state.keymap.action(key);
    if let Some(scroll) = state.help {
        // The overlay takes every key: movement scrolls it, anything else closes it.
        let rows = state.keymap.help_rows().len();
        state.help = match action {
            Some(Action::Down) => Some((scroll + 1).min(rows.saturating_sub(1))),
            Some(Action::Up) => Some(scroll.saturating_sub(1)),
            Some(Action::PageDown | Action::HalfPageDown) => {
                Some((scroll + 10).min(rows.saturating_sub(1)))
            }
            Some(Action::PageUp | Action::HalfPageUp) => Some(scroll.saturating_sub(10)),
            Some(Action::Top) => Some(0),
            Some(Action::Quit) => {
                fx.push(Effect::Quit);
                None
            }
            _ => None,
        };
        return;
    }
    let Some(action) = action else {
        return;
    };
    match action {
        Action::Quit => fx.push(Effect::Quit),
        Action::Help => state.help = Some(0),
        Action::Down => move_by(state, 1, fx),
        Action::Up => move_by(state, -1, fx),
        Action::Top => move_by(state, isize::MIN / 2, fx),
        Action::Bottom => move_by(state, isize::MAX / 2, fx),
        Action::PageDown => {
            let page = page(state);
            move_by(state, page, fx);
        }
        Action::PageUp => {
            let page = page(state);
            move_by(state, -page, fx);
        }
        Action::HalfPageDown => {
            let page = (page(state) / 2).max(1);
            move_by(state, page, fx);
        }
        Action::HalfPageUp => {
            let page = (page(state) / 2).max(1);
            move_by(state, -page, fx);
        }
        Action::Open => match state.focus {
            Pane::Feeds => set_focus(state, Pane::Articles),
            Pane::Articles => {
                if let Some(id) = state.selected {
                    open_article(state, id, fx);
                }
            }
            Pane::Reader => {}
        },
        Action::Back => match state.focus {
            Pane::Reader => set_focus(state, Pane::Articles),
            Pane::Articles => set_focus(state, Pane::Feeds),
            Pane::Feeds => {}
        },
        Action::NextPane => {
            let next = match state.focus {
                Pane::Feeds => Pane::Articles,
                Pane::Articles if state.reader.is_some() => Pane::Reader,
                Pane::Articles | Pane::Reader => Pane::Feeds,
            };
            set_focus(state, next);
        }
        Action::NextUnread => next_unread(state, fx),
        Action::ScrollOrNextUnread => {
            let height = state.reader_height();
            match state.reader.as_mut() {
                Some(r) if r.scroll + height < state.reader_lines.len() => {
                    let max = state.reader_lines.len().saturating_sub(height);
                    r.scroll = (r.scroll + height.saturating_sub(1).max(1)).min(max);
                }
                _ => next_unread(state, fx),
            }
        }
        Action::ToggleRead => {
            if let Some(id) = target_article(state) {
                let read = !state.article(id).is_some_and(|a| a.read);
                let ids = state.set_read(&[id], read);
                if !ids.is_empty() {
                    fx.push(Effect::Send(Command::SetRead { ids, read }));
                }
            }
        }
        Action::ToggleStar => {
            if let Some(id) = target_article(state) {
                if let Some(starred) = state.toggle_star(id) {
                    fx.push(Effect::Send(Command::SetStarred { id, starred }));
                }
            }
        }
        Action::MarkFeedRead => {
            if state.is_loading() {
                // The list does not hold all its articles yet: marking only some is wrong.
                state.push_notice(strings::STILL_LOADING);
                return;
            }
            let ids: Vec<ArticleId> = state
                .list
                .iter()
                .map(|&i| &state.articles[i])
                .filter(|a| !a.read)
                .map(|a| a.id)
                .collect();
            let ids = state.set_read(&ids, true);
            state.push_notice(strings::marked_read(ids.len()));
            if !ids.is_empty() {
                fx.push(Effect::Send(Command::SetRead { ids, read: true }));
            }
        }
        Action::RefreshFeed => match state.selected_feed() {
            Some(f) => fx.push(Effect::Send(Command::Refresh(RefreshRequest::one(
                f.id,
                RefreshMode::Force,
            )))),
            None => fx.push(Effect::Send(Command::Refresh(RefreshRequest::all(
                RefreshMode::Force,
            )))),
        },
        Action::RefreshAll => fx.push(Effect::Send(Command::Refresh(RefreshRequest::all(
            RefreshMode::Force,
        )))),
        Action::OpenBrowser => {
            let link = target_article(state)
                .and_then(|id| state.article(id))
                .map(|a| a.link.clone());
            match link {
                Some(Some(url)) => open_url(state, &url, fx),
                Some(None) => state.push_notice(strings::NO_LINK),
                None => {}
            }
        }
        Action::FullText => toggle_full_text(state, fx),
        Action::HighlightsOnly => {
            state.view = if state.view == ListView::Highlights {
                state.view_for_feed_row()
            } else {
                ListView::Highlights
            };
            state.rebuild_list(true);
            if state.focus == Pane::Feeds {
                set_focus(state, Pane::Articles);
            }
        }
        Action::OpenLink(n) => {
            let url = state
                .reader_document()
                .map(|d| d.links.get(usize::from(n) - 1).cloned());
            match url {
                Some(Some(url)) => open_url(state, &url, fx),
                Some(None) => state.push_notice(strings::link_number_hint(usize::from(n))),
                None => state.push_notice(strings::NO_ARTICLE_OPEN),
            }
        }
    }
}

/// Rows of a page in the focused pane.
fn page(state: &AppState) -> isize {
    let rows = match state.focus {
        Pane::Feeds => state.feed_list_height(),
        Pane::Articles => state.article_list_height(),
        Pane::Reader => state.reader_height().saturating_sub(1),
    };
    rows.max(1) as isize
}

fn set_focus(state: &mut AppState, pane: Pane) {
    state.focus = pane;
    // The narrow layout shows only the focused pane: sizes change with the focus.
    resized(state);
}

/// Moves the focused pane's selection (or the reader's scroll) by `delta` rows.
fn move_by(state: &mut AppState, delta: isize, fx: &mut Vec<Effect>) {
    match state.focus {
        Pane::Feeds => {
            let len = state.feed_rows();
            let to = state
                .feed_cursor
                .selected
                .saturating_add_signed(delta)
                .min(len - 1);
            if to == state.feed_cursor.selected {
                return;
            }
            let height = state.feed_list_height();
            state.feed_cursor.select(to, len, height);
            state.view = state.view_for_feed_row();
            state.rebuild_list(false);
            // The details of a failing feed take rows from the list.
            let height = state.feed_list_height();
            state.feed_cursor.scroll_into_view(len, height);
        }
        Pane::Articles => {
            let len = state.list.len();
            if len == 0 {
                return;
            }
            let to = state
                .article_cursor
                .selected
                .saturating_add_signed(delta)
                .min(len - 1);
            select_article_row(state, to, fx);
        }
        Pane::Reader => {
            let height = state.reader_height();
            if let Some(r) = state.reader.as_mut() {
                let max = state.reader_lines.len().saturating_sub(height);
                r.scroll = r.scroll.saturating_add_signed(delta).min(max);
            }
        }
    }
}

fn select_article_row(state: &mut AppState, row: usize, fx: &mut Vec<Effect>) {
    state.list_touched = true;
    let height = state.article_list_height();
    state.article_cursor.select(row, state.list.len(), height);
    let id = state
        .list
        .get(state.article_cursor.selected)
        .map(|&i| state.articles[i].id);
    state.selected = id;
    // Prefetch the body so that opening is instant.
    if let Some(id) = id {
        if state.body_state(id).is_none() {
            state.set_body_state(id, BodyState::Loading);
            fx.push(Effect::Send(Command::LoadBody(id)));
        }
    }
}

/// The article `m`, `s`, `o` act on: the open one in the reader, else the selected one.
fn target_article(state: &AppState) -> Option<ArticleId> {
    match (state.focus, state.reader) {
        (Pane::Reader, Some(r)) => Some(r.id),
        _ => state.selected,
    }
}

/// Shows an article in the reader, marks it read, loads its body (and its full text when the
/// feed asks for it).
pub(crate) fn open_article(state: &mut AppState, id: ArticleId, fx: &mut Vec<Effect>) {
    let Some(article) = state.article(id) else {
        return;
    };
    let auto_full = article.link.is_some() && state.feed(article.feed).is_some_and(|f| f.full_text);
    let was_read = article.read;
    let link = article.link.clone();
    state.list_touched = true;
    state.reader = Some(Reader {
        id,
        scroll: 0,
        full: auto_full,
    });
    if !was_read {
        let ids = state.set_read(&[id], true);
        fx.push(Effect::Send(Command::SetRead { ids, read: true }));
    }
    if !matches!(
        state.body_state(id),
        Some(BodyState::Ready(_) | BodyState::Missing)
    ) {
        if state.body_state(id).is_none() {
            fx.push(Effect::Send(Command::LoadBody(id)));
        }
        state.set_body_state(id, BodyState::Loading);
    }
    if auto_full {
        if let Some(url) = link {
            request_full_text(state, id, url, fx);
        }
    }
    // Keep the list's selection on the open article.
    if state.selected != Some(id) {
        if let Some(pos) = state.list.iter().position(|&i| state.articles[i].id == id) {
            let height = state.article_list_height();
            state.article_cursor.select(pos, state.list.len(), height);
        }
        state.selected = Some(id);
    }
    state.focus = Pane::Reader;
    resized(state);
}

fn request_full_text(state: &mut AppState, id: ArticleId, url: String, fx: &mut Vec<Effect>) {
    match state.full_state(id) {
        Some(FullState::Ready(_) | FullState::Fetching) => {}
        Some(FullState::Failed(_)) | None => {
            state.set_full_state(id, FullState::Fetching);
            fx.push(Effect::Send(Command::FetchFullText { id, url }));
        }
    }
}

fn toggle_full_text(state: &mut AppState, fx: &mut Vec<Effect>) {
    let id = match state.reader {
        Some(r) if state.focus == Pane::Reader || state.selected == Some(r.id) => r.id,
        _ => match state.selected {
            Some(id) => {
                open_article(state, id, fx);
                if state.reader.is_some_and(|r| r.full) {
                    return;
                }
                id
            }
            None => return,
        },
    };
    let Some(reader) = state.reader else {
        return;
    };
    if reader.full {
        state.reader = Some(Reader {
            full: false,
            scroll: 0,
            ..reader
        });
    } else {
        let Some(url) = state.article(id).and_then(|a| a.link.clone()) else {
            state.push_notice(strings::NO_LINK);
            return;
        };
        state.reader = Some(Reader {
            full: true,
            scroll: 0,
            ..reader
        });
        request_full_text(state, id, url, fx);
    }
    state.relayout_reader();
}

/// Opens the next unread article: after the selection in the current list, else in the next
/// feed (in config order, wrapping) that has unread articles.
fn next_unread(state: &mut AppState, fx: &mut Vec<Effect>) {
    let open = state.reader.map(|r| r.id);
    let sel = state.article_cursor.selected;
    let is_candidate = |state: &AppState, i: usize| {
        let a = &state.articles[i];
        !a.read && Some(a.id) != open
    };
    // The selected article itself counts when it is unread and not the open one.
    let found = state
        .list
        .iter()
        .enumerate()
        .skip(sel)
        .find(|&(_, &i)| is_candidate(state, i))
        .map(|(p, _)| p);
    if let Some(pos) = found {
        let id = state.articles[state.list[pos]].id;
        select_article_row(state, pos, fx);
        open_article(state, id, fx);
        return;
    }
    if let ListView::Feed(current) = state.view {
        let n = state.feeds.len();
        let start = state
            .feeds
            .iter()
            .position(|f| f.id == current)
            .unwrap_or(0);
        for step in 1..=n {
            let i = (start + step) % n;
            if state.feeds[i].unread == 0 {
                continue;
            }
            let height = state.feed_list_height();
            state.feed_cursor.select(i + 1, state.feed_rows(), height);
            state.view = ListView::Feed(state.feeds[i].id);
            state.rebuild_list(false);
            if let Some(pos) = state.list.iter().position(|&i| is_candidate(state, i)) {
                let id = state.articles[state.list[pos]].id;
                select_article_row(state, pos, fx);
                open_article(state, id, fx);
                return;
            }
        }
    } else if let Some(pos) = state
        .list
        .iter()
        .take(sel)
        .position(|&i| is_candidate(state, i))
    {
        let id = state.articles[state.list[pos]].id;
        select_article_row(state, pos, fx);
        open_article(state, id, fx);
        return;
    }
    state.push_notice(if state.is_loading() {
        strings::STILL_LOADING
    } else {
        strings::NO_UNREAD
    });
}

/// Asks the run loop to open a url, when it is a web link.
fn open_url(state: &mut AppState, url: &str, fx: &mut Vec<Effect>) {
    if is_web_url(url) {
        state.push_notice(format!("{} {}", strings::OPENING, sanitize_inline(url)));
        fx.push(Effect::OpenUrl(url.to_string()));
    } else {
        state.push_notice(strings::NOT_WEB_LINK);
    }
}

/// Only http and https urls go to the browser (never `file:`, `javascript:` or a command).
pub fn is_web_url(url: &str) -> bool {
    let lower = url
        .trim_start()
        .get(..8)
        .unwrap_or(url)
        .to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_urls_only() {
        assert!(is_web_url("https://example.com/a"));
        assert!(is_web_url("HTTP://example.com"));
        assert!(!is_web_url("file:///etc/passwd"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("https://x.com/a b"));
        assert!(!is_web_url("https://x.com/\u{1b}[2J"));
        assert!(!is_web_url("-https://x"));
    }
}
