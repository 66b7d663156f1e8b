//! What the triage keys do, for `update`: the prompt (`/` search as you type, `a` subscribe
//! and its picker), sorting (`S`), undo (`u`), folding tag groups (`z`, `Z`), and the
//! answers that come back for them (word hits, subscriptions). Pure like `update`: effects
//! say what the run loop must start.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::clean::sanitize_inline;
use crate::engine::Command;
use crate::model::ArticleId;
use crate::query::{parse, QueryErrorKind};

use super::list::ListView;
use super::prompt::{Edit, Picker, Prompt, PromptKind};
use super::state::{AppState, Back, Pane};
use super::strings;
use super::subscriber::{Answer, Job, Request};
use super::undo::Change;
use super::update::Effect;

// ---------------------------------------------------------------- search

/// `/`: opens the search prompt; the list follows the query as it is typed.
pub fn open_search(state: &mut AppState) {
    state.search_back = Some(Back {
        view: state.view,
        search: state.views.search.clone(),
        feed_cursor: state.feed_cursor,
        selected: state.selected,
        focus: state.focus,
    });
    state.prompt = Some(Prompt::new(PromptKind::Search));
}

/// `a`: opens the prompt for a feed or page url.
pub fn open_subscribe(state: &mut AppState) {
    state.prompt = Some(Prompt::new(PromptKind::Subscribe));
}

/// A key while the prompt is open: it takes every key.
pub fn prompt_key(state: &mut AppState, key: &KeyEvent, fx: &mut Vec<Effect>) {
    let Some(prompt) = state.prompt.as_mut() else {
        return;
    };
    let search = prompt.kind == PromptKind::Search;
    match key.code {
        KeyCode::Esc => {
            state.prompt = None;
            if search {
                search_cancelled(state);
            }
        }
        KeyCode::Char('c' | 'g') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.prompt = None;
            if search {
                search_cancelled(state);
            }
        }
        KeyCode::Enter => {
            if search {
                search_accepted(state, fx);
            } else {
                subscribe_accepted(state, fx);
            }
        }
        KeyCode::Up | KeyCode::Down if search => {
            let older = key.code == KeyCode::Up;
            if prompt.walk_history(&state.history, older) {
                search_changed(state);
            }
        }
        _ => {
            if prompt.edit(key) == Edit::Changed && search {
                search_changed(state);
            }
        }
    }
}

/// The search text changed: parse it and show its result (or its error) as the list.
fn search_changed(state: &mut AppState) {
    let Some(prompt) = state.prompt.as_mut() else {
        return;
    };
    let text = prompt.text.clone();
    match parse(&text) {
        Ok(query) => {
            prompt.error = None;
            state.set_search(&text, query);
            show_search(state);
        }
        Err(e) if e.kind == QueryErrorKind::Empty => {
            // Nothing typed (any more): the list is what it was.
            prompt.error = None;
            state.views.search_seq += 1;
            if let Some(back) = state.search_back.clone() {
                state.views.search = back.search;
                show_list(state, back.view, back.selected);
            }
        }
        // The list keeps the last good query's result; the prompt shows where the error is.
        Err(e) => prompt.error = Some(e),
    }
}

/// Lists the search's result (filled when its word hits are in: `Msg::Words`).
fn show_search(state: &mut AppState) {
    state.view = ListView::Search;
    state.list_touched = false;
    if state.focus == Pane::Feeds && state.size.0 < super::layout::MEDIUM {
        state.focus = Pane::Articles;
    }
}

fn show_list(state: &mut AppState, view: ListView, selected: Option<ArticleId>) {
    state.view = view;
    state.selected = selected;
    state.list_touched = selected.is_some();
    state.rebuild_list(true);
}

/// `Esc` in the feeds pane while the list is a kept search: back to the list of the feeds
/// pane's row (the search stays in the history). Returns whether there was one to leave.
pub(crate) fn leave_kept_search(state: &mut AppState) -> bool {
    if state.view != ListView::Search || state.prompt.is_some() {
        return false;
    }
    state.views.search = None;
    state.views.search_seq += 1;
    state.views.forget_unused();
    let view = state.view_for_feed_row();
    show_list(state, view, None);
    refresh_view_for_row(state);
    true
}

fn search_cancelled(state: &mut AppState) {
    state.views.search_seq += 1;
    if let Some(back) = state.search_back.take() {
        state.views.search = back.search;
        state.feed_cursor = back.feed_cursor;
        state.focus = back.focus;
        show_list(state, back.view, back.selected);
    }
    state.views.forget_unused();
}

fn search_accepted(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(prompt) = state.prompt.as_ref() else {
        return;
    };
    if prompt.text.trim().is_empty() {
        state.prompt = None;
        search_cancelled(state);
        return;
    }
    if prompt.error.is_some() {
        // Nothing to keep: the prompt stays open on its error.
        return;
    }
    let text = prompt.text.clone();
    state.prompt = None;
    state.search_back = None;
    if state.history.push(&text) {
        fx.push(Effect::SaveHistory(state.history.to_text()));
    }
    if state.focus == Pane::Feeds {
        state.focus = Pane::Articles;
    }
    super::update::resized(state);
}

/// Opens a saved view from the feeds pane (resolving its feeds and ages again first).
pub fn refresh_view_for_row(state: &mut AppState) {
    if let ListView::View(v) = state.view {
        state.refresh_view(v);
    }
}

// ---------------------------------------------------------------- subscribe

fn subscribe_accepted(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(prompt) = state.prompt.as_ref() else {
        return;
    };
    if prompt.text.trim().is_empty() {
        state.prompt = None;
        return;
    }
    match Request::parse(&prompt.text) {
        Ok(request) => {
            state.prompt = None;
            state.push_notice(strings::looking_up(&request.input));
            state.subscribing = Some(request.input.clone());
            let known = known_urls(state);
            fx.push(Effect::Subscribe(Job::LookUp { request, known }));
        }
        Err(e) => state.push_notice(e),
    }
}

fn known_urls(state: &AppState) -> Vec<String> {
    state.feeds.iter().map(|f| f.url.clone()).collect()
}

/// A key while the picker of feeds is shown: j/k or arrows move, Enter or 1-9 picks, Esc
/// (or q) gives up.
pub fn picker_key(state: &mut AppState, key: &KeyEvent, fx: &mut Vec<Effect>) {
    let Some(picker) = state.picker.as_mut() else {
        return;
    };
    let n = picker.feeds.len();
    let chosen = match key.code {
        KeyCode::Char('j') | KeyCode::Down | KeyCode::Tab => {
            picker.selected = (picker.selected + 1).min(n.saturating_sub(1));
            None
        }
        KeyCode::Char('k') | KeyCode::Up | KeyCode::BackTab => {
            picker.selected = picker.selected.saturating_sub(1);
            None
        }
        KeyCode::Enter => Some(picker.selected),
        KeyCode::Char(c @ '1'..='9') => {
            let i = c as usize - '1' as usize;
            (i < n).then_some(i)
        }
        KeyCode::Esc | KeyCode::Char('q') => {
            state.picker = None;
            state.subscribing = None;
            state.push_notice(strings::SUBSCRIBE_CANCELLED);
            return;
        }
        _ => None,
    };
    if let Some(i) = chosen {
        let Some(picker) = state.picker.take() else {
            return;
        };
        let url = picker.feeds[i].url.clone();
        state.push_notice(strings::looking_up(&url));
        state.subscribing = Some(url.clone());
        let known = known_urls(state);
        fx.push(Effect::Subscribe(Job::Check {
            url,
            page: picker.page,
            title: picker.title,
            tags: picker.tags,
            known,
        }));
    }
}

/// The subscribing thread's answer.
pub fn subscribe_answered(state: &mut AppState, answer: Answer, fx: &mut Vec<Effect>) {
    match answer {
        Answer::Choose {
            page,
            feeds,
            title,
            tags,
        } => {
            state.picker = Some(Picker {
                page,
                feeds,
                selected: 0,
                title,
                tags,
            });
        }
        Answer::Added { feed, new, path } => {
            state.subscribing = None;
            let title = new.title.as_deref().or(feed.title.as_deref());
            state.push_notice(strings::subscribed(
                &sanitize_inline(&feed.url),
                title.map(sanitize_inline).as_deref(),
                feed.items,
                &path,
            ));
            fx.push(Effect::ConfigChanged);
        }
        Answer::Failed(e) => {
            state.subscribing = None;
            state.push_notice(format!("{e}; {}", strings::SUBSCRIBE_CANCELLED));
        }
    }
}

// ---------------------------------------------------------------- sort, fold

/// `S`: the next order.
pub fn cycle_sort(state: &mut AppState) {
    if state.is_loading() {
        state.push_notice(strings::STILL_LOADING);
        return;
    }
    let next = state.sort.next();
    state.set_sort(next);
    state.push_notice(strings::sorted(next));
}

/// `z` / `Z`.
pub fn fold(state: &mut AppState, all: bool) {
    if !state.fold(all) {
        state.push_notice(strings::NO_TAGS);
        return;
    }
    let view = state.view_for_feed_row();
    if state.focus == Pane::Feeds && view != state.view {
        state.view = view;
        state.rebuild_list(false);
    }
}

// ---------------------------------------------------------------- undo

/// `u`: sets the last read/unread/star change back, in the state and (by commands) in the
/// store and the sync outbox.
pub fn undo(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(change) = state.undo.pop() else {
        state.push_notice(strings::NOTHING_TO_UNDO);
        return;
    };
    match change {
        Change::Read { ids, read, all } => {
            let back = !read;
            let changed = state.set_read(&ids, back);
            state.push_notice(strings::undid_read(changed.len(), back, all));
            if let [id] = changed[..] {
                select(state, id);
            }
            if !changed.is_empty() {
                fx.push(Effect::Send(Command::SetRead {
                    ids: changed,
                    read: back,
                }));
            }
        }
        Change::Star { id, starred } => {
            let back = !starred;
            if state.set_star(id, back) {
                fx.push(Effect::Send(Command::SetStarred { id, starred: back }));
            }
            state.push_notice(strings::undid_star(back));
            select(state, id);
        }
    }
}

/// Selects an article's row when the list holds it.
fn select(state: &mut AppState, id: ArticleId) {
    if let Some(row) = state.row_of(id) {
        let height = state.article_list_height();
        let len = state.list.len();
        state.article_cursor.select(row, len, height);
        state.selected = Some(id);
    }
}
