//! Triage through `update` and `view`: the search prompt (typing, the debounced look-up,
//! stale answers, Enter, Esc, history, syntax errors with their column), saved views and
//! their live counts, tag groups and folding, sort cycling, undo of `m`, `s` and `A`, partial
//! feeds, the `a` prompt and its picker; TestBackend snapshots of the feeds pane with views
//! and tags and of the prompt.

mod ui_fixture;

use std::collections::HashSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tidings::config::{Config, SortOrder, View};
use tidings::engine::{Command, Event, RunTotals};
use tidings::fetch::discover::FeedLink;
use tidings::model::{ArticleId, FeedId, FeedState, FeedWarning, WarningKind};
use tidings::query::{parse, Field, Term};
use tidings::subscribe::{AddError, CheckedFeed, NewFeed};
use tidings::ui::feeds_pane::Row;
use tidings::ui::state::{ListView, Pane};
use tidings::ui::subscriber::{Answer, Job, Request};
use tidings::ui::views::{WordAnswer, WordJob};
use tidings::ui::{update, AppState, Effect, Msg};
use ui_fixture::*;

/// Feed A tagged news and local, B tech, C untagged; three views (flags and highlights, a
/// feed, a word).
fn triage_config() -> Config {
    let mut c = config();
    c.feeds[0].tags = vec!["news".into(), "local".into()];
    c.feeds[1].tags = vec!["tech".into()];
    c.views = vec![
        view("Hot", "unread and hl"),
        view("Beta", "feed:beta"),
        view("Council", "council"),
    ];
    c
}

fn view(name: &str, query: &str) -> View {
    View {
        name: name.into(),
        query: parse(query).unwrap(),
    }
}

fn triage_state(size: (u16, u16)) -> AppState {
    state_with(triage_config(), feed_states(), articles(), size)
}

fn sent(fx: &[Effect]) -> Vec<Command> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn searches(fx: &[Effect]) -> Vec<(u64, Vec<Term>)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Words(WordJob::Search { seq, terms }) => Some((*seq, terms.clone())),
            _ => None,
        })
        .collect()
}

/// Types text into the prompt, one key at a time, collecting the effects.
fn typed(s: &mut AppState, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| update(s, key(c))).collect()
}

/// Does what the run loop does with the newest search of a batch of keys: answers it, with
/// `hits` for the words it asks about.
fn answer_search(s: &mut AppState, fx: &[Effect], hits: &[(Term, Vec<ArticleId>)]) {
    let Some((seq, terms)) = searches(fx).pop() else {
        panic!("no search asked for: {fx:?}");
    };
    let hits = terms
        .into_iter()
        .map(|t| {
            let ids = hits
                .iter()
                .find(|(h, _)| *h == t)
                .map(|(_, ids)| ids.iter().copied().collect())
                .unwrap_or_default();
            (t, ids)
        })
        .collect();
    update(s, Msg::Words(WordAnswer::Search { seq, hits }));
}

fn word(text: &str) -> Term {
    Term::Words {
        field: Field::Any,
        text: text.into(),
        prefix: false,
    }
}

fn view_counts(s: &AppState) -> Vec<Option<usize>> {
    s.views.saved.iter().map(|v| v.unread).collect()
}

fn feeds_pane_rows(s: &AppState) -> Vec<Row> {
    s.pane.rows().to_vec()
}

// ---------------------------------------------------------------- search prompt

#[test]
fn search_follows_typing_and_enter_keeps_the_result() {
    let mut s = state((120, 40));
    update(&mut s, key('/'));
    assert!(s.prompt.is_some());
    let fx = typed(&mut s, "unread feed:gamma");
    // Every edit asks; the run loop looks up only the newest of a batch of keys.
    let asked = searches(&fx);
    assert!(asked.len() > 1);
    assert!(asked.windows(2).all(|w| w[0].0 < w[1].0), "{asked:?}");
    assert!(asked.last().unwrap().1.is_empty(), "no word to look up");
    answer_search(&mut s, &fx, &[]);
    assert_eq!(s.view, ListView::Search);
    assert_eq!(
        list_titles(&s),
        [
            "Gamma one: security advisory CVE-2024-1",
            "Gamma two: weekly digest"
        ]
    );
    let fx = update(&mut s, code(KeyCode::Enter));
    assert!(s.prompt.is_none());
    assert_eq!(s.view, ListView::Search);
    assert!(
        fx.contains(&Effect::SaveHistory("unread feed:gamma\n".into())),
        "{fx:?}"
    );
    let text = screen(&s);
    assert!(text.contains("Search: unread feed:gamma"), "{text}");
    // The kept list moves like any other.
    press(&mut s, "j");
    assert_eq!(selected_title(&s), "Gamma two: weekly digest");
    // Esc to the feeds pane, Esc again: the feeds pane's row lists again.
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.focus, Pane::Feeds);
    assert_eq!(s.view, ListView::Search);
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.view, ListView::All);
    assert!(list_titles(&s).len() > 2);
    assert!(!screen(&s).contains("Search: "));
}

#[test]
fn word_terms_wait_for_the_index_and_stale_answers_are_dropped() {
    let mut s = state((120, 40));
    update(&mut s, key('/'));
    let first = typed(&mut s, "council");
    let (seq_first, terms) = searches(&first).pop().unwrap();
    assert_eq!(terms, [word("council")]);
    // Until the answer, the list says it is searching.
    assert!(s.query_pending());
    assert!(screen(&s).contains("searching…"));
    let second = typed(&mut s, " or rust");
    assert_eq!(
        searches(&second).pop().unwrap().1,
        [word("council"), word("rust")]
    );
    // An old answer arrives late: its hits are kept, but the newest query needs more.
    update(
        &mut s,
        Msg::Words(WordAnswer::Search {
            seq: seq_first,
            hits: vec![(word("council"), HashSet::from([id_of(FEED_A, 1)]))],
        }),
    );
    assert!(s.query_pending(), "the newest query is not answered yet");
    answer_search(&mut s, &second, &[(word("rust"), vec![id_of(FEED_B, 1)])]);
    assert_eq!(
        list_titles(&s),
        [
            "Alpha one: city council meets",
            "Beta one: Rust 2.0 released"
        ]
    );
    assert!(screen(&s).contains("2 matches"));
}

#[test]
fn esc_goes_back_to_the_list_and_selection_before() {
    let mut s = state((120, 40));
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "jj"); // feed B
    update(&mut s, code(KeyCode::Enter));
    press(&mut s, "j");
    let before = s.selected;
    assert_eq!(s.view, ListView::Feed(FeedId::from_url(FEED_B)));
    update(&mut s, key('/'));
    let fx = typed(&mut s, "starred");
    answer_search(&mut s, &fx, &[]);
    assert_eq!(list_titles(&s).len(), 1);
    update(&mut s, code(KeyCode::Esc));
    assert!(s.prompt.is_none());
    assert_eq!(s.view, ListView::Feed(FeedId::from_url(FEED_B)));
    assert_eq!(s.selected, before);
    assert_eq!(s.focus, Pane::Articles);
    assert_eq!(s.feed_cursor.selected, 2);
    // Erasing the query shows the list from before too, with the prompt still open.
    update(&mut s, key('/'));
    let fx = typed(&mut s, "read");
    answer_search(&mut s, &fx, &[]);
    assert_eq!(s.view, ListView::Search);
    for _ in 0..4 {
        update(&mut s, code(KeyCode::Backspace));
    }
    assert_eq!(s.view, ListView::Feed(FeedId::from_url(FEED_B)));
    assert!(s.prompt.is_some());
}

#[test]
fn a_syntax_error_shows_its_column_and_keeps_the_last_result() {
    let mut s = state((100, 30));
    update(&mut s, key('/'));
    let fx = typed(&mut s, "unread");
    answer_search(&mut s, &fx, &[]);
    let unread = list_titles(&s);
    assert_eq!(unread.len(), 8);
    let fx = typed(&mut s, " and (");
    assert!(
        searches(&fx).last().is_some(),
        "`unread and` parsed on the way"
    );
    let error = s.prompt.as_ref().unwrap().error.clone().expect("an error");
    assert_eq!(error.column, 13);
    assert_eq!(
        list_titles(&s),
        unread,
        "the list keeps the last good result"
    );
    // Enter keeps the prompt open on its error; nothing goes to the history.
    let fx = update(&mut s, code(KeyCode::Enter));
    assert!(s.prompt.is_some());
    assert!(!fx.iter().any(|e| matches!(e, Effect::SaveHistory(_))));
    let text = screen(&s);
    let lines: Vec<&str> = text.lines().collect();
    let prompt_line = lines[lines.len() - 1];
    let caret_line = lines[lines.len() - 2];
    assert!(prompt_line.contains("/unread and ("), "{text}");
    // The caret is under the column (the prompt's `/` takes the first cell).
    let caret = caret_line.find('^').expect("a caret");
    assert_eq!(caret, prompt_line.find('(').unwrap() + 1, "{text}");
    assert!(caret_line.contains("column 13"), "{text}");
    // Fixing it clears the error.
    let fx = typed(&mut s, "starred)");
    answer_search(&mut s, &fx, &[]);
    assert!(s.prompt.as_ref().unwrap().error.is_none());
    assert_eq!(list_titles(&s), ["Gamma one: security advisory CVE-2024-1"]);
}

#[test]
fn any_text_gives_a_result_or_an_error_never_a_panic() {
    let mut s = state((60, 20));
    update(&mut s, key('/'));
    for text in [
        "\"",
        "(",
        ")",
        "age<",
        "-",
        "tag:",
        "ü\"(",
        "after:2024-13-01",
        "∀x",
    ] {
        let fx = typed(&mut s, text);
        if let Some((seq, _)) = searches(&fx).pop() {
            update(&mut s, Msg::Words(WordAnswer::Search { seq, hits: vec![] }));
        }
        screen(&s);
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        );
    }
}

#[test]
fn history_walks_with_up_and_down() {
    let mut s = state((120, 40));
    for q in ["starred", "unread", "starred"] {
        update(&mut s, key('/'));
        let fx = typed(&mut s, q);
        answer_search(&mut s, &fx, &[]);
        update(&mut s, code(KeyCode::Enter));
    }
    assert_eq!(s.history.entries(), ["unread", "starred"], "de-duplicated");
    update(&mut s, key('/'));
    typed(&mut s, "dr");
    update(&mut s, code(KeyCode::Up));
    assert_eq!(s.prompt.as_ref().unwrap().text, "starred");
    update(&mut s, code(KeyCode::Up));
    assert_eq!(s.prompt.as_ref().unwrap().text, "unread");
    update(&mut s, code(KeyCode::Down));
    update(&mut s, code(KeyCode::Down));
    assert_eq!(s.prompt.as_ref().unwrap().text, "dr");
}

// ---------------------------------------------------------------- views

#[test]
fn views_count_live_under_read_changes_and_new_articles() {
    let mut s = triage_state((120, 40));
    // Hot: B1 and C1 (unread, highlighted). Beta: B's 3 unread. Council: waits for its word.
    assert_eq!(view_counts(&s), [Some(2), Some(3), None]);
    update(
        &mut s,
        Msg::Words(WordAnswer::Terms(vec![(
            word("council"),
            HashSet::from([id_of(FEED_A, 1)]),
        )])),
    );
    assert_eq!(view_counts(&s), [Some(2), Some(3), Some(1)]);
    // Reading B1 (the selection's second row) takes it out of Hot and Beta at once.
    press(&mut s, "jm");
    assert_eq!(selected_title(&s), "Beta one: Rust 2.0 released");
    assert_eq!(view_counts(&s), [Some(1), Some(2), Some(1)]);
    press(&mut s, "m");
    assert_eq!(view_counts(&s), [Some(2), Some(3), Some(1)]);
    // A new highlighted article of B counts in Hot and Beta; its words are asked about once
    // the run is committed.
    let fresh = with(
        article(FEED_B, 9, "Beta nine: Rust and the council", 0),
        |a| a.highlights = vec![0],
    );
    let fx = update(&mut s, Msg::Engine(polled(FEED_B, vec![fresh])));
    assert!(!fx.iter().any(|e| matches!(e, Effect::Words(_))));
    assert_eq!(view_counts(&s), [Some(3), Some(4), Some(1)]);
    let fx = update(
        &mut s,
        Msg::Engine(Event::RunFinished(RunTotals::default())),
    );
    let job = fx
        .iter()
        .find_map(|e| match e {
            Effect::Words(WordJob::Classify { ids, terms }) => Some((ids.clone(), terms.clone())),
            _ => None,
        })
        .expect("new articles are classified");
    assert_eq!(job, (vec![id_of(FEED_B, 9)], vec![word("council")]));
    update(
        &mut s,
        Msg::Words(WordAnswer::Classified {
            ids: job.0,
            hits: vec![(word("council"), HashSet::from([id_of(FEED_B, 9)]))],
        }),
    );
    assert_eq!(view_counts(&s), [Some(3), Some(4), Some(2)]);
    let text = screen(&s);
    assert!(text.contains("≡ Council"), "{text}");
}

#[test]
fn opening_a_view_lists_its_articles_and_follows_new_ones() {
    let mut s = triage_state((120, 40));
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "j");
    assert_eq!(s.view, ListView::View(0));
    assert_eq!(
        list_titles(&s),
        [
            "Beta one: Rust 2.0 released",
            "Gamma one: security advisory CVE-2024-1"
        ]
    );
    assert!(screen(&s).contains("Articles · ≡ Hot"));
    let fresh = with(article(FEED_C, 7, "Gamma seven: security", 0), |a| {
        a.highlights = vec![1]
    });
    update(&mut s, Msg::Engine(polled(FEED_C, vec![fresh])));
    assert_eq!(list_titles(&s)[0], "Gamma seven: security");
    // The view waiting for its word hits says so.
    press(&mut s, "jj");
    assert_eq!(s.view, ListView::View(2));
    assert!(s.query_pending());
    update(
        &mut s,
        Msg::Words(WordAnswer::Terms(vec![(
            word("council"),
            HashSet::from([id_of(FEED_A, 1)]),
        )])),
    );
    assert_eq!(list_titles(&s), ["Alpha one: city council meets"]);
}

// ---------------------------------------------------------------- tags

#[test]
fn tags_group_feeds_and_fold() {
    let mut s = triage_state((120, 40));
    let a = FeedId::from_url(FEED_A);
    assert_eq!(
        feeds_pane_rows(&s),
        [
            Row::All,
            Row::View(0),
            Row::View(1),
            Row::View(2),
            Row::Tag(0),
            Row::Feed {
                feed: 0,
                tag: Some(0)
            },
            Row::Tag(1),
            Row::Feed {
                feed: 0,
                tag: Some(1)
            },
            Row::Tag(2),
            Row::Feed {
                feed: 1,
                tag: Some(2)
            },
            Row::Feed { feed: 2, tag: None },
        ]
    );
    assert_eq!(s.tag_unread(0), (3, 0));
    assert_eq!(s.tag_unread(2), (3, 1));
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "jjjj"); // the "news" heading
    assert_eq!(s.view, ListView::Tag(0));
    assert_eq!(list_titles(&s).len(), 4);
    assert!(list_titles(&s).iter().all(|t| t.starts_with("Alpha")));
    press(&mut s, "j");
    assert_eq!(s.view, ListView::Feed(a));
    // z on a feed under a tag folds its group and lands on the heading.
    press(&mut s, "z");
    assert_eq!(s.feed_cursor.selected, 4);
    assert_eq!(s.view, ListView::Tag(0));
    assert_eq!(s.feed_rows(), 10);
    press(&mut s, "z");
    assert_eq!(s.feed_rows(), 11);
    press(&mut s, "Z");
    assert_eq!(s.feed_rows(), 8, "every group folded");
    let text = screen(&s);
    assert!(text.contains("▸ news") && text.contains("▸ tech"), "{text}");
    press(&mut s, "Z");
    assert_eq!(s.feed_rows(), 11);
    // Marking a tag's list read changes the summed count.
    press(&mut s, "A");
    assert_eq!(s.tag_unread(0), (0, 0));
    assert_eq!(s.tag_unread(1), (0, 0));
}

#[test]
fn next_unread_unfolds_the_group_of_the_feed_it_goes_to() {
    let mut s = triage_state((120, 40));
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "Z");
    // Open feed C (untagged, last row) and read it through; `n` goes on to feed A.
    press(&mut s, "G");
    update(&mut s, code(KeyCode::Enter));
    press(&mut s, "nn");
    press(&mut s, "n");
    assert_eq!(s.view, ListView::Feed(FeedId::from_url(FEED_A)));
    assert_eq!(
        s.selected_row(),
        Row::Feed {
            feed: 0,
            tag: Some(0)
        }
    );
}

// ---------------------------------------------------------------- sort

#[test]
fn sort_cycles_and_keeps_the_selection() {
    let mut s = triage_state((120, 40));
    press(&mut s, "jjj"); // Alpha two (5h)
    let chosen = s.selected;
    assert_eq!(s.sort, SortOrder::Date);
    press(&mut s, "S");
    assert_eq!(s.sort, SortOrder::OldestFirst);
    assert_eq!(s.selected, chosen);
    assert_eq!(selected_title(&s), "Alpha two: weather report");
    assert_eq!(list_titles(&s)[0], "Beta three: a recipe");
    let text = screen(&s);
    assert!(text.contains("oldest first"), "{text}");
    press(&mut s, "S");
    // By feed, in the feeds pane's order (A under news, B under tech, then C), newest first.
    assert_eq!(s.sort, SortOrder::Feed);
    let titles = list_titles(&s);
    assert_eq!(titles[0], "Alpha one: city council meets");
    assert_eq!(titles[4], "Beta one: Rust 2.0 released");
    assert_eq!(titles[7], "Gamma one: security advisory CVE-2024-1");
    assert_eq!(s.selected, chosen);
    press(&mut s, "S");
    assert_eq!(s.sort, SortOrder::HighlightFirst);
    assert_eq!(
        list_titles(&s)[..2],
        [
            "Gamma one: security advisory CVE-2024-1",
            "Beta one: Rust 2.0 released"
        ]
    );
    assert_eq!(s.selected, chosen);
    press(&mut s, "S");
    assert_eq!(s.sort, SortOrder::Date);
    assert_eq!(list_titles(&s)[0], "Alpha one: city council meets");
    // New articles land at their place in the chosen order.
    press(&mut s, "S");
    update(
        &mut s,
        Msg::Engine(polled(FEED_C, vec![article(FEED_C, 5, "Gamma five", 0)])),
    );
    assert_eq!(list_titles(&s).last().unwrap(), "Gamma five");
}

#[test]
fn sort_starts_from_the_config() {
    let mut c = triage_config();
    c.sort = SortOrder::OldestFirst;
    let s = state_with(c, feed_states(), articles(), (120, 40));
    assert_eq!(s.sort, SortOrder::OldestFirst);
    assert_eq!(list_titles(&s)[0], "Beta three: a recipe");
}

// ---------------------------------------------------------------- undo

#[test]
fn undo_sets_read_star_and_mark_all_back() {
    let mut s = state((120, 40));
    let id = s.selected.unwrap();
    press(&mut s, "m");
    assert!(s.article(id).unwrap().read);
    let fx = press(&mut s, "u");
    assert_eq!(
        sent(&fx),
        vec![Command::SetRead {
            ids: vec![id],
            read: false
        }]
    );
    assert!(!s.article(id).unwrap().read);
    assert!(s.notice.as_deref().unwrap().contains("undone"));
    press(&mut s, "s");
    let fx = press(&mut s, "u");
    assert_eq!(sent(&fx), vec![Command::SetStarred { id, starred: false }]);
    // A on the whole list, then undo: exactly the articles it marked are unread again.
    let unread_before = s.total_unread;
    press(&mut s, "A");
    assert_eq!(s.total_unread, 0);
    let fx = press(&mut s, "u");
    let cmds = sent(&fx);
    let [Command::SetRead { ids, read: false }] = &cmds[..] else {
        panic!("{cmds:?}");
    };
    assert_eq!(ids.len(), unread_before);
    assert_eq!(s.total_unread, unread_before);
    assert!(
        !ids.contains(&id_of(FEED_A, 2)),
        "A2 was read before: it stays read"
    );
    assert!(s.article(id_of(FEED_A, 2)).unwrap().read);
    assert!(s.notice.as_deref().unwrap().contains("mark all read"));
    assert_eq!(press(&mut s, "u"), vec![]);
    assert_eq!(s.notice.as_deref(), Some("nothing to undo"));
}

#[test]
fn undo_goes_back_more_than_twenty_steps() {
    let mut s = state((120, 40));
    let start: Vec<(bool, bool)> = s.articles.iter().map(|a| (a.read, a.starred)).collect();
    let counts_before = counts(&s);
    // 27 changes: m and s on every row, and A at the end.
    for row in 0..9 {
        s.article_cursor.selected = 0;
        press(&mut s, "g");
        for _ in 0..row {
            press(&mut s, "j");
        }
        press(&mut s, "ms");
    }
    press(&mut s, "A");
    let mut undone = 0;
    loop {
        let fx = press(&mut s, "u");
        if sent(&fx).is_empty() {
            break;
        }
        undone += 1;
    }
    assert!(undone >= 19, "{undone}");
    let now: Vec<(bool, bool)> = s.articles.iter().map(|a| (a.read, a.starred)).collect();
    assert_eq!(now, start);
    assert_eq!(counts(&s), counts_before);
}

// ---------------------------------------------------------------- partial feeds

#[test]
fn partial_feeds_have_their_own_mark_and_say_why() {
    let mut feeds = feed_states();
    let mut c = FeedState::new(FEED_C);
    c.warning = Some(Box::new(FeedWarning {
        kind: WarningKind::Partial,
        message: "XML error at line 3, column 14: unexpected end; kept the 2 items before it"
            .into(),
    }));
    feeds.push(c);
    let mut s = state_with(config(), feeds, articles(), (120, 40));
    let text = screen(&s);
    assert!(text.contains("│◐ Gamma Weekly"), "{text}");
    assert!(!text.contains('✗'), "{text}");
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "jjj");
    let text = screen(&s);
    // Under the feeds list, wrapped to the pane.
    assert!(text.contains("│◐ partial: XML error at"), "{text}");
    assert!(text.contains("│end; kept the 2 items before"), "{text}");
}

// ---------------------------------------------------------------- subscribing

#[test]
fn a_asks_for_a_url_and_a_page_s_feeds_are_picked() {
    let mut s = state((120, 40));
    update(&mut s, key('a'));
    typed(&mut s, "blog.example --tag rust");
    let fx = update(&mut s, code(KeyCode::Enter));
    let [Effect::Subscribe(Job::LookUp { request, known })] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert_eq!(
        request,
        &Request {
            input: "blog.example".into(),
            tags: vec!["rust".into()],
            ..Request::default()
        }
    );
    assert_eq!(known.len(), 3);
    assert!(screen(&s).contains("looking up blog.example"));
    let feeds = vec![
        FeedLink {
            url: "https://blog.example/rss".into(),
            title: Some("RSS".into()),
        },
        FeedLink {
            url: "https://blog.example/atom".into(),
            title: None,
        },
    ];
    update(
        &mut s,
        Msg::Subscribe(Answer::Choose {
            page: "https://blog.example".into(),
            feeds,
            title: None,
            tags: vec!["rust".into()],
        }),
    );
    let text = screen(&s);
    assert!(
        text.contains("1. https://blog.example/rss  (RSS)"),
        "{text}"
    );
    // Keys go to the picker, not to the lists.
    press(&mut s, "j");
    assert_eq!(s.article_cursor.selected, 0);
    let fx = update(&mut s, code(KeyCode::Enter));
    let [Effect::Subscribe(Job::Check { url, tags, .. })] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert_eq!(url, "https://blog.example/atom");
    assert_eq!(tags, &["rust"]);
    let fx = update(
        &mut s,
        Msg::Subscribe(Answer::Added {
            feed: CheckedFeed {
                url: "https://blog.example/atom".into(),
                title: Some("A Blog".into()),
                items: 3,
                found_on: Some("https://blog.example".into()),
            },
            new: NewFeed {
                url: "https://blog.example/atom".into(),
                title: None,
                tags: vec!["rust".into()],
            },
            path: "/tmp/config.toml".into(),
        }),
    );
    assert_eq!(fx, vec![Effect::ConfigChanged]);
    assert!(s.notice.as_deref().unwrap().contains("added A Blog"));
    assert!(s.subscribing.is_none());
}

#[test]
fn subscribing_errors_show_in_the_status_bar() {
    let mut s = state((120, 40));
    update(&mut s, key('a'));
    typed(&mut s, "x --nope");
    let fx = update(&mut s, code(KeyCode::Enter));
    assert!(fx.is_empty());
    assert!(s.notice.as_deref().unwrap().contains("--nope"));
    update(&mut s, code(KeyCode::Esc));
    assert!(s.prompt.is_none());
    update(&mut s, key('a'));
    typed(&mut s, "https://a.example/feed.xml");
    update(&mut s, code(KeyCode::Enter));
    update(
        &mut s,
        Msg::Subscribe(Answer::Failed(AddError::Duplicate {
            url: FEED_A.into(),
            found_on: None,
        })),
    );
    assert!(screen(&s).contains("already subscribed"));
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshot_feeds_pane_with_views_and_tags() {
    let mut s = triage_state((100, 24));
    update(
        &mut s,
        Msg::Words(WordAnswer::Terms(vec![(
            word("council"),
            HashSet::from([id_of(FEED_A, 1)]),
        )])),
    );
    update(&mut s, code(KeyCode::Esc));
    press(&mut s, "jjjjjjjj"); // the "tech" heading
    press(&mut s, "z");
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_search_prompt_with_an_error() {
    let mut s = state((80, 20));
    update(&mut s, key('/'));
    let fx = typed(&mut s, "unread");
    answer_search(&mut s, &fx, &[]);
    typed(&mut s, " -(title:");
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_search_kept_as_the_list() {
    let mut s = state((80, 20));
    update(&mut s, key('/'));
    let fx = typed(&mut s, "hl or starred");
    answer_search(&mut s, &fx, &[]);
    update(&mut s, code(KeyCode::Enter));
    press(&mut s, "S");
    insta::assert_snapshot!(screen(&s));
}
