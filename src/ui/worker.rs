//! The TUI's store reader: a thread with its own read-only connection that answers word-term
//! look-ups in the full-text index (for the search prompt and the saved views) and writes
//! the search history file. The UI thread only sends it jobs and reads answers from the
//! inbox (`Msg::Words`); it never waits on it. Searches are debounced here too: when several
//! wait, only the newest is looked up.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::query::{Expr, Query, Term};
use crate::store::{OpenMode, Store};

use super::inbox::Inbox;
use super::update::Msg;
use super::views::{WordAnswer, WordJob};

/// The search history, one query per line, in the data dir.
pub const HISTORY_FILE: &str = "search-history";

/// What the thread is asked to do.
enum Task {
    Words(WordJob),
    SaveHistory(String),
    /// The reader quits: save the history still queued, skip the look-ups, and stop.
    Quit,
}

/// Where jobs go. Dropping it saves the history still queued and ends the thread (waiting
/// for it: a search accepted just before `q` is in the history of the next start).
pub struct Worker {
    tx: Sender<Task>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread on the store of `data_dir` (opened read-only, on the thread).
    pub fn start(data_dir: PathBuf, inbox: Arc<Inbox>) -> std::io::Result<Worker> {
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("tidings-ui-search".into())
            .spawn(move || run(&data_dir, &rx, &inbox))?;
        Ok(Worker {
            tx,
            thread: Some(thread),
        })
    }

    pub fn words(&self, job: WordJob) {
        let _ = self.tx.send(Task::Words(job));
    }

    pub fn save_history(&self, text: String) {
        let _ = self.tx.send(Task::SaveHistory(text));
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // At most one look-up in progress to wait for (tens of ms on a big store), and the
        // small history file; the look-ups still queued are skipped.
        let _ = self.tx.send(Task::Quit);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads the search history (a missing or unreadable file is an empty history).
pub fn load_history(data_dir: &Path) -> String {
    std::fs::read_to_string(data_dir.join(HISTORY_FILE)).unwrap_or_default()
}

fn run(data_dir: &Path, rx: &Receiver<Task>, inbox: &Inbox) {
    let mut store: Option<Store> = None;
    while let Ok(first) = rx.recv() {
        // Everything waiting: only the newest search of them is looked up.
        let mut tasks = vec![first];
        tasks.extend(rx.try_iter());
        let newest_search = tasks
            .iter()
            .rposition(|t| matches!(t, Task::Words(WordJob::Search { .. })));
        let quit = tasks.iter().any(|t| matches!(t, Task::Quit));
        for (i, task) in tasks.into_iter().enumerate() {
            match task {
                Task::Quit => {}
                // Nobody will read the answer.
                Task::Words(_) if quit => {}
                Task::SaveHistory(text) => {
                    if let Err(e) = save_history(data_dir, &text) {
                        let message = format!("could not save the search history: {e}");
                        inbox.push_event(crate::engine::Event::Notice(message));
                    }
                }
                Task::Words(WordJob::Search { .. }) if Some(i) != newest_search => {}
                Task::Words(job) => {
                    let answer = match open(&mut store, data_dir) {
                        Ok(store) => answer(store, job),
                        Err(e) => WordAnswer::Failed(e),
                    };
                    inbox.push_input(Msg::Words(answer));
                }
            }
        }
        if quit {
            return;
        }
    }
}

fn open<'a>(store: &'a mut Option<Store>, data_dir: &Path) -> Result<&'a Store, String> {
    if store.is_none() {
        let opened = Store::open(data_dir, OpenMode::ReadOnly).map_err(|e| e.to_string())?;
        *store = Some(opened.store);
    }
    Ok(store.as_ref().expect("opened above"))
}

/// A query that holds each term once (for `word_hits`, which looks each up).
fn of_terms(terms: &[Term]) -> Query {
    let mut all: Vec<Expr> = terms.iter().cloned().map(Expr::Term).collect();
    let root = if all.len() == 1 {
        all.pop().expect("one")
    } else {
        Expr::Or(all)
    };
    Query { root }
}

fn answer(store: &Store, job: WordJob) -> WordAnswer {
    let result = match job {
        WordJob::Terms(terms) if terms.is_empty() => return WordAnswer::Terms(Vec::new()),
        WordJob::Terms(terms) => store
            .word_hits(&of_terms(&terms))
            .map(|h| WordAnswer::Terms(h.into_terms())),
        WordJob::Search { seq, terms } if terms.is_empty() => {
            return WordAnswer::Search {
                seq,
                hits: Vec::new(),
            }
        }
        WordJob::Search { seq, terms } => {
            store
                .word_hits(&of_terms(&terms))
                .map(|h| WordAnswer::Search {
                    seq,
                    hits: h.into_terms(),
                })
        }
        WordJob::Classify { ids, terms } if terms.is_empty() => {
            return WordAnswer::Classified {
                ids,
                hits: Vec::new(),
            }
        }
        WordJob::Classify { ids, terms } => {
            store
                .word_hits_among(&of_terms(&terms), &ids)
                .map(|h| WordAnswer::Classified {
                    ids,
                    hits: h.into_terms(),
                })
        }
    };
    result.unwrap_or_else(|e| WordAnswer::Failed(e.to_string()))
}

/// Writes the history next to the store (a temporary file renamed over the old one).
fn save_history(data_dir: &Path, text: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join(HISTORY_FILE);
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, &path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    #[test]
    fn terms_become_one_query_holding_each() {
        let q = parse("rust or title:\"open source\"").unwrap();
        let terms = super::super::views::word_terms(&q);
        assert_eq!(of_terms(&terms), q);
        let one = parse("zürich").unwrap();
        assert_eq!(of_terms(&super::super::views::word_terms(&one)), one);
    }

    /// Quitting right after a search waits for its history line: a detached thread lost it
    /// in 15 of 20 quick `/query<Enter>q` runs.
    #[test]
    fn the_history_queued_before_quitting_is_saved() {
        let dir = tempfile::tempdir().unwrap();
        let worker = Worker::start(dir.path().to_path_buf(), Inbox::new()).unwrap();
        // A look-up queued ahead of it (on a store that does not exist) is skipped or fails;
        // neither keeps the history from being written.
        worker.words(WordJob::Terms(Vec::new()));
        worker.save_history("zürich\n".into());
        drop(worker);
        assert_eq!(load_history(dir.path()), "zürich\n");
    }

    #[test]
    fn history_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_history(dir.path()), "");
        save_history(&dir.path().join("sub"), "a\nb\n").unwrap();
        assert_eq!(load_history(&dir.path().join("sub")), "a\nb\n");
    }
}
