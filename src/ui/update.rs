//! `update`: applies one message (key, mouse, resize, focus, engine event, reloaded config
//! or articles) to the state and says what the run loop must do (send commands, open a url,
//! notify, read the store, quit). Pure: no terminal, no I/O, no waiting.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};

use crate::clean::sanitize_inline;
use crate::config::FeedLocation;
use crate::config_watch::Change as ConfigChange;
use crate::engine::{Command, Event, NotifyArticle, RefreshMode, RefreshRequest};
use crate::fetch::download::local_enclosure;
use crate::model::{ArticleId, MediaMark};
use crate::notify::Notification;

use super::keys::Action;
use super::live::LiveConfig;
use super::load::Loaded;
use super::media::{MediaAction, Pending};
use super::mouse::{self, Target};
use super::picture::{EncodeJob, PictureReady};
use super::state::{AppState, BodyState, Click, FullState, ListView, Pane, Reader};
use super::strings;
use super::subscriber;
use super::triage;
use super::undo::Change;
use super::views::{WordAnswer, WordJob};

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
    /// The store's answer about word terms (searches, views, new articles).
    Words(WordAnswer),
    /// The answer to subscribing (`a`).
    Subscribe(subscriber::Answer),
    /// The terminal window gained (true) or lost (false) focus.
    Focus(bool),
    /// A mouse event, and when it happened (two clicks close together are a double click).
    Mouse {
        event: MouseEvent,
        at: Instant,
    },
    /// The config file changed: the new config, ready to use (see `apply_config`).
    Config(Box<LiveConfig>),
    /// The config file changed but cannot be used: why (file, line, column). The last good
    /// config keeps running.
    ConfigError(String),
    /// Every stored article, read again after kill rules changed them (`Effect::ReadArticles`),
    /// or why they could not be read.
    Reloaded(Result<Box<Loaded>, String>),
    /// A picture the encoder made for the reader (see `Effect::Encode`).
    Picture(PictureReady),
}

impl Msg {
    /// What the config watcher saw, as a message: the new config with everything built from
    /// it (rules compiled, keys checked: work for the watcher's thread), or the error.
    pub fn from_config_change(change: ConfigChange) -> Msg {
        match LiveConfig::from_change(change) {
            Ok(live) => Msg::Config(Box::new(live)),
            Err(e) => Msg::ConfigError(e.status_line()),
        }
    }
}

/// Something the run loop must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Send(Command),
    /// Open this http(s) url in the browser.
    OpenUrl(String),
    /// Look word terms up in the store's full-text index; answered by `Msg::Words`. A
    /// search without terms to look up is answered by the run loop at once.
    Words(WordJob),
    /// Write the search history (this text) to its file.
    SaveHistory(String),
    /// Subscribe (`a`); answered by `Msg::Subscribe`.
    Subscribe(subscriber::Job),
    /// The reader changed the config file (a feed was added): read it again and let the
    /// engine poll what is new.
    ConfigChanged,
    /// Send this desktop notification (`notify_command`, the terminal's escape sequence).
    Notify(Notification),
    /// Play an enclosure with the `player`: `file` when it is given and still exists (a
    /// download, or a local feed's file), else `url` when it is http(s).
    Play {
        url: String,
        file: Option<PathBuf>,
    },
    /// Read every article from the store (in the background) and answer `Msg::Reloaded`.
    ReadArticles,
    /// Turn mouse capture on or off (`mouse` in the config).
    SetMouse(bool),
    /// Turn the terminal's focus reports on or off (wanted while `notify` is set).
    SetFocusReports(bool),
    /// Look at the config file now rather than within a second (after tidings wrote it).
    CheckConfig,
    /// Turn decoded pixels into a picture for the terminal, off the UI thread; answered by
    /// `Msg::Picture`.
    Encode(EncodeJob),
    Quit,
}

/// Applies a message to the state.
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    let mut to_notify = Vec::new();
    match msg {
        Msg::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return fx;
            }
            state.notice = None;
            if !pending_key(state, &key, &mut fx) {
                on_key(state, &key, &mut fx);
            }
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            resized(state);
        }
        Msg::Engine(event) => {
            apply(state, event, &mut to_notify, &mut fx);
            resume_pending(state, &mut fx);
        }
        Msg::Events(events) => {
            for event in events {
                apply(state, event, &mut to_notify, &mut fx);
            }
            resume_pending(state, &mut fx);
        }
        Msg::Loaded(loaded) => state.articles_loaded(*loaded),
        Msg::Mouse { event, at } => {
            if state.config.mouse {
                on_mouse(state, event, at, &mut fx);
            }
        }
        Msg::Config(live) => apply_config(state, *live, &mut fx),
        Msg::ConfigError(error) => {
            state.push_notice(format!("{error} {}", strings::CONFIG_KEPT));
            state.config_error = Some(error);
        }
        Msg::Reloaded(loaded) => {
            if state.articles_reloaded(loaded.map(|l| *l)) {
                fx.push(Effect::Send(Command::Flush));
            }
            load_reader_body(state, &mut fx);
        }
        Msg::Focus(focused) => state.terminal_focus = Some(focused),
        Msg::Words(answer) => state.words_answered(answer),
        Msg::Subscribe(answer) => triage::subscribe_answered(state, answer, &mut fx),
        Msg::Picture(ready) => state.images.picture_ready(ready),
    }
    state.settle();
    image_work(state, &mut fx);
    if !to_notify.is_empty() {
        // After `settle`: the new articles are in the lists, where the user may see them.
        notify(state, to_notify, &mut fx);
    }
    fx.extend(state.take_jobs().into_iter().map(Effect::Words));
    fx
}

/// Applies an engine event; a run's `notify` matches are kept for the decision.
fn apply(
    state: &mut AppState,
    event: Event,
    to_notify: &mut Vec<NotifyArticle>,
    fx: &mut Vec<Effect>,
) {
    match event {
        Event::Notify(articles) => to_notify.extend(articles),
        // Kill rules changed stored articles: read them again, once the engine has committed
        // what was asked for before (the user's own changes).
        Event::StoredArticlesChanged => {
            if state.stored_articles_changed() {
                fx.push(Effect::Send(Command::Flush));
            }
        }
        Event::Flushed => {
            if state.flushed() {
                fx.push(Effect::ReadArticles);
            }
        }
        event => state.apply(event),
    }
}

/// Runs on a new config from now on: the engine first (feeds, rules, limits), then the
/// state (feeds pane, rules, key table, theme, order, mouse). A config equal to the one
/// running only clears an error shown for a broken edit. The one way a config is applied
/// while running, whether the watcher read it or the TUI wrote it.
pub fn apply_config(state: &mut AppState, mut live: LiveConfig, fx: &mut Vec<Effect>) {
    // The file lists no synced subscription: they stay in the run's feed list.
    crate::sync::carry_synced_feeds(std::sync::Arc::make_mut(&mut live.config), &state.config);
    let fixed = state.config_error.take().is_some();
    if live.config == state.config {
        if fixed {
            state.push_notice(strings::CONFIG_FIXED);
        }
        return;
    }
    let changes = live.changes_from(&state.config);
    if live.config.mouse != state.config.mouse {
        fx.push(Effect::SetMouse(live.config.mouse));
    }
    if live.config.notify.is_some() != state.config.notify.is_some() {
        fx.push(Effect::SetFocusReports(live.config.notify.is_some()));
    }
    fx.push(Effect::Send(Command::Reconfigure(live.config.clone())));
    state.reconfigure(live);
    state.push_notice(format!("{} {changes}", strings::CONFIG_RELOADED));
    load_reader_body(state, fx);
}

/// Asks for the open article's body (and full text) when the state has none: after a
/// reload dropped the cached ones.
fn load_reader_body(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(r) = state.reader else {
        return;
    };
    if state.body_state(r.id).is_none() {
        state.set_body_state(r.id, BodyState::Loading);
        fx.push(Effect::Send(Command::LoadBody(r.id)));
    }
    if r.full && state.full_state(r.id).is_none() {
        if let Some(url) = state.article(r.id).and_then(|a| a.link.clone()) {
            request_full_text(state, r.id, url, fx);
        }
    }
    state.relayout_reader();
}

/// A click selects (a feed, an article) and focuses its pane, a second click on the same
/// row opens it (a feed's list, an article in the reader), a click on a link mark `[N]` in
/// the reader opens that link; the wheel moves the pane under the pointer, whichever has the
/// keyboard.
fn on_mouse(state: &mut AppState, event: MouseEvent, at: Instant, fx: &mut Vec<Effect>) {
    let (column, row) = (event.column, event.row);
    let step = match event.kind {
        MouseEventKind::ScrollDown => 1,
        MouseEventKind::ScrollUp => -1,
        MouseEventKind::Down(MouseButton::Left) => 0,
        _ => return,
    };
    if let Some(scroll) = state.help {
        // The overlay is on top of everything: the wheel scrolls it, a click closes it.
        let rows = state.keymap.help_rows().len();
        state.help = match step {
            0 => None,
            _ => Some(
                scroll
                    .saturating_add_signed(step * mouse::WHEEL_ROWS)
                    .min(rows.saturating_sub(1)),
            ),
        };
        return;
    }
    if step != 0 {
        if let Some(pane) = mouse::pane_at(state, column, row) {
            let rows = if pane == Pane::Feeds {
                1
            } else {
                mouse::WHEEL_ROWS
            };
            move_in(state, pane, step * rows, fx);
        }
        return;
    }
    state.notice = None;
    let click = Click { at, column, row };
    let double = mouse::is_double(state.last_click, click);
    // A third click starts again.
    state.last_click = (!double).then_some(click);
    match mouse::target(state, column, row) {
        Some(Target::FeedRow(row)) => {
            set_focus(state, Pane::Feeds);
            select_pane_row(state, row);
            if double {
                set_focus(state, Pane::Articles);
            }
        }
        Some(Target::ArticleRow(row)) => {
            set_focus(state, Pane::Articles);
            select_article_row(state, row, fx);
            if double {
                if let Some(id) = state.selected {
                    open_article(state, id, fx);
                }
            }
        }
        Some(Target::Link(n)) => {
            set_focus(state, Pane::Reader);
            open_link(state, n, fx);
        }
        Some(Target::Pane(pane)) if pane != Pane::Reader || state.reader.is_some() => {
            set_focus(state, pane);
        }
        Some(Target::Pane(_)) | None => {}
    }
}

/// New articles that match `notify` (one batch per refresh run): a desktop notification,
/// unless the user is looking at the reader. The rule: the terminal says its window has
/// focus: no notification; it says it lost focus: a notification about all of them; it never
/// said (not every terminal reports focus): a notification about those not shown in the
/// article list on screen, if any. Without a notification the status bar says it.
fn notify(state: &mut AppState, articles: Vec<NotifyArticle>, fx: &mut Vec<Effect>) {
    let unseen: Vec<NotifyArticle> = match state.terminal_focus {
        Some(true) => Vec::new(),
        Some(false) => articles.clone(),
        None => {
            let visible = visible_articles(state);
            articles
                .iter()
                .filter(|a| !visible.contains(&a.id))
                .cloned()
                .collect()
        }
    };
    match Notification::new(&unseen) {
        Some(notification) => fx.push(Effect::Notify(notification)),
        None => {
            if let Some(notification) = Notification::new(&articles) {
                state.push_notice(notification.summary());
            }
        }
    }
}

/// The articles whose rows the articles pane shows now (none under the help overlay).
fn visible_articles(state: &AppState) -> HashSet<ArticleId> {
    let areas = state.areas();
    let Some(pane) = areas.articles.filter(|_| state.help.is_none()) else {
        return HashSet::new();
    };
    let height = usize::from(super::layout::inner(pane).height);
    // Where the view draws from (see `view::draw_articles`).
    let mut cursor = state.article_cursor;
    cursor.scroll_into_view(state.list.len(), height);
    let end = state.list.len().min(cursor.offset + height);
    (cursor.offset..end)
        .map(|pos| state.articles[state.list[pos]].id)
        .collect()
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

pub(crate) fn resized(state: &mut AppState) {
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
    if state.picker.is_some() {
        triage::picker_key(state, key, fx);
        return;
    }
    if state.prompt.is_some() {
        triage::prompt_key(state, key, fx);
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
            Pane::Feeds => {
                triage::leave_kept_search(state);
            }
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
                    state.undo.push(Change::Read {
                        ids: ids.clone(),
                        read,
                        all: false,
                    });
                    fx.push(Effect::Send(Command::SetRead { ids, read }));
                }
            }
        }
        Action::ToggleStar => {
            if let Some(id) = target_article(state) {
                if let Some(starred) = state.toggle_star(id) {
                    state.undo.push(Change::Star { id, starred });
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
                state.undo.push(Change::Read {
                    ids: ids.clone(),
                    read: true,
                    all: true,
                });
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
        Action::Search => triage::open_search(state),
        Action::Subscribe => triage::open_subscribe(state),
        Action::CycleSort => triage::cycle_sort(state),
        Action::Undo => triage::undo(state, fx),
        Action::ToggleFold => triage::fold(state, false),
        Action::ToggleFoldAll => triage::fold(state, true),
        Action::PlayEnclosure => media_key(state, MediaAction::Play, fx),
        Action::DownloadEnclosure => media_key(state, MediaAction::Download, fx),
        Action::OpenLink(n) => open_link(state, usize::from(n), fx),
    }
}

/// Opens link `n` (from 1) of the article in the reader (keys 1-9, a click on `[n]`).
fn open_link(state: &mut AppState, n: usize, fx: &mut Vec<Effect>) {
    let url = state
        .reader_document()
        .map(|d| n.checked_sub(1).and_then(|i| d.links.get(i)).cloned());
    match url {
        Some(Some(url)) => open_url(state, &url, fx),
        Some(None) => state.push_notice(strings::link_number_hint(n)),
        None => state.push_notice(strings::NO_ARTICLE_OPEN),
    }
}

/// A key while `e`/`E` waits for the user to pick an enclosure: 1-9 picks, Esc cancels,
/// any other key cancels and does what it does. Returns whether the key was used up.
fn pending_key(state: &mut AppState, key: &KeyEvent, fx: &mut Vec<Effect>) -> bool {
    match state.media.pending.take() {
        Some(Pending::Choose { id, action, count }) => match key.code {
            KeyCode::Char(c @ '1'..='9') if (c as usize - '0' as usize) <= count => {
                act_on_enclosure(state, id, c as usize - '1' as usize, action, fx);
                true
            }
            KeyCode::Esc => true,
            _ => false,
        },
        // Loading takes moments; a key meanwhile means the user moved on.
        Some(Pending::Loading { .. }) | None => false,
    }
}

/// `e` / `E`: acts on the target article's enclosure (asks which one when it has several),
/// loading the enclosures first if needed.
fn media_key(state: &mut AppState, action: MediaAction, fx: &mut Vec<Effect>) {
    let Some(id) = target_article(state) else {
        return;
    };
    if state.article(id).is_none_or(|a| a.media == MediaMark::None) {
        state.push_notice(strings::NO_ENCLOSURE);
        return;
    }
    match state.media.enclosures(id).map(<[_]>::len) {
        Some(count) => choose_enclosure(state, id, action, count, fx),
        None => {
            if state.media.start_loading(id) {
                fx.push(Effect::Send(Command::LoadEnclosures(id)));
            }
            state.media.pending = Some(Pending::Loading { id, action });
            state.push_notice(strings::LOADING_ENCLOSURES);
        }
    }
}

/// After engine events: a pending `e`/`E` whose enclosures arrived goes on.
fn resume_pending(state: &mut AppState, fx: &mut Vec<Effect>) {
    if let Some(Pending::Loading { id, action }) = state.media.pending {
        if let Some(count) = state.media.enclosures(id).map(<[_]>::len) {
            state.media.pending = None;
            choose_enclosure(state, id, action, count, fx);
        }
    }
}

fn choose_enclosure(
    state: &mut AppState,
    id: ArticleId,
    action: MediaAction,
    count: usize,
    fx: &mut Vec<Effect>,
) {
    match count {
        0 => state.push_notice(strings::NO_ENCLOSURE),
        1 => act_on_enclosure(state, id, 0, action, fx),
        _ => {
            state.media.pending = Some(Pending::Choose { id, action, count });
            state.push_notice(strings::choose_enclosure(
                action == MediaAction::Play,
                count,
            ));
        }
    }
}

/// Plays or queues the download of enclosure `index` of `id` (loaded).
fn act_on_enclosure(
    state: &mut AppState,
    id: ArticleId,
    index: usize,
    action: MediaAction,
    fx: &mut Vec<Effect>,
) {
    let Some(e) = state
        .media
        .enclosures(id)
        .and_then(|list| list.iter().find(|e| e.index == index))
        .cloned()
    else {
        state.push_notice(strings::NO_ENCLOSURE);
        return;
    };
    let summary = sanitize_inline(&e.enclosure.summary());
    match action {
        MediaAction::Play => {
            let file = e.downloaded.clone().or_else(|| {
                // A local feed's enclosure (the demo's) is a file next to the feed.
                let feed = state.config.feed(state.article(id)?.feed)?;
                match &feed.location {
                    FeedLocation::File(path) => local_enclosure(&e.enclosure.url, path.parent()?),
                    FeedLocation::Http(_) => None,
                }
            });
            if file.is_none() && !is_web_url(&e.enclosure.url) {
                state.push_notice(strings::CANNOT_PLAY);
                return;
            }
            state.push_notice(format!("playing {summary}"));
            fx.push(Effect::Play {
                url: e.enclosure.url,
                file,
            });
        }
        MediaAction::Download => {
            if !state.media.queue(id, index, e.enclosure.length) {
                state.push_notice("already downloading this enclosure");
                return;
            }
            state.push_notice(format!("download queued: {summary}"));
            fx.push(Effect::Send(Command::Download { id, index }));
        }
    }
}

/// Asks the engine for an article's enclosures ahead of `e`/`E` and the reader.
fn prefetch_enclosures(state: &mut AppState, id: ArticleId, fx: &mut Vec<Effect>) {
    let has = state
        .article(id)
        .is_some_and(|a| a.media != MediaMark::None);
    if has && state.media.start_loading(id) {
        fx.push(Effect::Send(Command::LoadEnclosures(id)));
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
    move_in(state, state.focus, delta, fx);
}

/// Selects row `row` of the feeds pane (and lists its articles).
fn select_pane_row(state: &mut AppState, row: usize) {
    let len = state.feed_rows();
    let to = row.min(len - 1);
    if to == state.feed_cursor.selected {
        return;
    }
    let height = state.feed_list_height();
    state.feed_cursor.select(to, len, height);
    state.view = state.view_for_feed_row();
    triage::refresh_view_for_row(state);
    state.rebuild_list(false);
    // The details of a failing feed take rows from the list.
    let height = state.feed_list_height();
    state.feed_cursor.scroll_into_view(len, height);
}

/// Moves a pane's selection (or the reader's scroll) by `delta` rows.
fn move_in(state: &mut AppState, pane: Pane, delta: isize, fx: &mut Vec<Effect>) {
    match pane {
        Pane::Feeds => {
            let to = state.feed_cursor.selected.saturating_add_signed(delta);
            select_pane_row(state, to);
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
        prefetch_enclosures(state, id, fx);
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
        state.undo.push(Change::Read {
            ids: ids.clone(),
            read: true,
            all: false,
        });
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
    prefetch_enclosures(state, id, fx);
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
            state.select_feed_row(i);
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
