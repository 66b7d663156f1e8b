//! Saved views and the search: the word-hit look-ups they need (jobs `update` hands to the
//! run loop), the store's answers, terms resolved again as feeds and time change. Never
//! reads the store itself and never waits for an answer (the UI thread).

use crate::ui::list::ListView;
use crate::ui::strings;
use crate::ui::views::{QueryView, WordAnswer, WordJob};

use super::AppState;

impl AppState {
    /// Asks for the saved views' word hits when some are missing, and counts the views that
    /// can be counted (every article in memory).
    pub(super) fn views_ready(&mut self) {
        let missing = self.views.missing_saved_terms();
        if !missing.is_empty() {
            self.jobs.push(WordJob::Terms(missing));
        }
        if self.loading.is_none() {
            self.views.recount(&self.articles);
        }
    }

    /// The store look-ups to start (taken by `update`, which hands them to the run loop).
    pub(crate) fn take_jobs(&mut self) -> Vec<WordJob> {
        std::mem::take(&mut self.jobs)
    }

    /// Takes the store's answer about word terms.
    pub(crate) fn words_answered(&mut self, answer: WordAnswer) {
        match answer {
            WordAnswer::Terms(hits) => {
                self.views.add_hits(hits);
                if self.loading.is_none() {
                    self.views.recount(&self.articles);
                }
                if matches!(self.view, ListView::View(_)) {
                    self.rebuild_list(true);
                }
            }
            WordAnswer::Search { seq, hits } => {
                // An answer for an older query still holds good hits (a newer query may
                // share its terms); the list changes for the newest query only.
                let pending = self.query_pending();
                self.views.add_hits(hits);
                self.views.forget_unused();
                let newest = seq == self.views.search_seq;
                if self.view == ListView::Search && (newest || pending) && !self.query_pending() {
                    self.rebuild_list(false);
                }
            }
            WordAnswer::Classified { ids, hits } => {
                // Each article's share comes out under the old answers and goes back under
                // the new ones; its place in the list is looked at again.
                let rows: Vec<usize> = ids
                    .iter()
                    .filter_map(|id| self.article_index.get(id).copied())
                    .collect();
                for &i in &rows {
                    self.count(i, false);
                }
                self.views.add_hits(hits);
                for &i in &rows {
                    self.count(i, true);
                }
                if matches!(self.view, ListView::View(_) | ListView::Search) {
                    self.moved.extend(rows);
                }
            }
            WordAnswer::Failed(e) => {
                self.push_notice(format!("{} {e}", strings::SEARCH_FAILED));
            }
        }
    }

    /// Sets the search's query (from the prompt) and asks for its word hits: a job for the
    /// run loop, which answers at once when every term is cached.
    pub(crate) fn set_search(&mut self, text: &str, query: crate::query::Query) {
        let ctx = self.query_context();
        let view = QueryView::new(text.trim().to_string(), query, &ctx);
        let terms = self.views.cache().missing(view.terms());
        self.views.search = Some(view);
        self.views.search_seq += 1;
        self.jobs.push(WordJob::Search {
            seq: self.views.search_seq,
            terms,
        });
    }

    /// The run finished and is committed: asks which new articles the word terms match,
    /// and resolves `feed:` terms again when feed titles changed.
    pub(super) fn run_finished(&mut self) {
        let ids = self.views.take_unclassified();
        if !ids.is_empty() {
            let terms = self.views.terms_in_use();
            self.jobs.push(WordJob::Classify { ids, terms });
        }
        if std::mem::take(&mut self.titles_changed) && self.loading.is_none() {
            let ctx = self.query_context();
            self.views.reprepare(&ctx, &self.articles);
            if matches!(self.view, ListView::View(_) | ListView::Search) {
                self.rebuild_list(true);
            }
        }
    }

    /// Resolves a saved view's feeds, tags and ages again (time passes) and counts it.
    pub(crate) fn refresh_view(&mut self, v: usize) {
        if self.loading.is_some() {
            return;
        }
        let ctx = self.query_context();
        if let Some(view) = self.views.saved.get_mut(v) {
            view.prepare(&ctx);
        }
        self.views.recount_one(v, &self.articles);
    }
}
