//! Query lists of the TUI: the saved views (`[[views]]`) with their live unread counts, and
//! the search prompt's query. Both are evaluated in memory over the articles the state
//! holds (`query::Prepared`); word terms are answered by a cache of the store's full-text
//! hits (`WordCache`), filled by the store reader thread (`worker`): once per view term at
//! start, once per search term, and for new articles once their run is committed.
//!
//! Counts move by deltas: the state takes an article's share out before changing it and
//! puts it back after (`Views::count`), so a read/unread change or a new article costs one
//! evaluation per view, never a pass over the store. Pure: no I/O.

use std::collections::HashSet;

use crate::model::{ArticleId, ArticleMeta};
use crate::query::{Context, Prepared, Query, Term};

/// For each word term, the articles it matches (a union of every answer so far).
#[derive(Clone, Debug, Default)]
pub struct WordCache {
    terms: Vec<(Term, HashSet<ArticleId>)>,
}

impl WordCache {
    pub fn has(&self, term: &Term) -> bool {
        self.terms.iter().any(|(t, _)| t == term)
    }

    /// Whether `id` matches `term` (false while the term is not cached).
    pub fn contains(&self, term: &Term, id: ArticleId) -> bool {
        self.terms
            .iter()
            .find(|(t, _)| t == term)
            .is_some_and(|(_, ids)| ids.contains(&id))
    }

    /// Adds the articles `ids` to `term`'s matches.
    pub fn add(&mut self, term: Term, ids: HashSet<ArticleId>) {
        match self.terms.iter_mut().find(|(t, _)| *t == term) {
            Some((_, have)) => have.extend(ids),
            None => self.terms.push((term, ids)),
        }
    }

    /// The terms of `wanted` not cached yet.
    pub fn missing(&self, wanted: &[Term]) -> Vec<Term> {
        wanted.iter().filter(|t| !self.has(t)).cloned().collect()
    }

    /// Keeps only the terms `keep` wants.
    pub fn retain(&mut self, keep: impl Fn(&Term) -> bool) {
        self.terms.retain(|(t, _)| keep(t));
    }

    pub fn terms(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter().map(|(t, _)| t)
    }
}

/// The distinct word terms of a query.
pub fn word_terms(query: &Query) -> Vec<Term> {
    let mut terms: Vec<Term> = Vec::new();
    query.root.visit_terms(&mut |t| {
        if matches!(t, Term::Words { .. }) && !terms.contains(t) {
            terms.push(t.clone());
        }
    });
    terms
}

/// A query shown as a list: a saved view, or the search.
#[derive(Clone, Debug)]
pub struct QueryView {
    /// The view's name (for the search: the query as typed).
    pub name: String,
    pub query: Query,
    prepared: Prepared,
    terms: Vec<Term>,
    /// Unread articles it matches; `None` until it can be counted (every article in memory
    /// and its word terms cached).
    pub unread: Option<usize>,
}

impl QueryView {
    pub fn new(name: String, query: Query, ctx: &Context) -> QueryView {
        QueryView {
            name,
            prepared: query.prepare(ctx),
            terms: word_terms(&query),
            query,
            unread: None,
        }
    }

    /// Resolves feeds, tags and ages again (titles changed, time passed).
    pub fn prepare(&mut self, ctx: &Context) {
        self.prepared = self.query.prepare(ctx);
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    pub fn matches(&self, a: &ArticleMeta, cache: &WordCache) -> bool {
        self.prepared
            .matches_meta(a, &mut |t| cache.contains(t, a.id))
    }

    /// Whether every word term is answered.
    pub fn ready(&self, cache: &WordCache) -> bool {
        self.terms.iter().all(|t| cache.has(t))
    }

    /// Counts the unread articles it matches (one pass), when its terms are cached.
    fn recount(&mut self, articles: &[ArticleMeta], cache: &WordCache) {
        self.unread = self.ready(cache).then(|| {
            articles
                .iter()
                .filter(|a| !a.read && self.matches(a, cache))
                .count()
        });
    }
}

/// Which query list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Saved(usize),
    Search,
}

/// The saved views, the search, and the word cache they share.
#[derive(Clone, Debug, Default)]
pub struct Views {
    pub saved: Vec<QueryView>,
    /// The search prompt's query: its live result while typing, the article list after Enter.
    pub search: Option<QueryView>,
    /// Number of the newest search query: answers for older ones are dropped.
    pub search_seq: u64,
    cache: WordCache,
    /// New articles whose word terms the store has not answered yet (their run is not
    /// committed): until then word terms do not match them.
    unclassified: Vec<ArticleId>,
}

impl Views {
    pub fn new(saved: Vec<QueryView>) -> Views {
        Views {
            saved,
            ..Views::default()
        }
    }

    pub fn get(&self, which: Which) -> Option<&QueryView> {
        match which {
            Which::Saved(i) => self.saved.get(i),
            Which::Search => self.search.as_ref(),
        }
    }

    pub fn cache(&self) -> &WordCache {
        &self.cache
    }

    /// Whether the list `which` can be evaluated (its word terms are cached).
    pub fn ready(&self, which: Which) -> bool {
        self.get(which).is_some_and(|v| v.ready(&self.cache))
    }

    pub fn matches(&self, which: Which, a: &ArticleMeta) -> bool {
        self.get(which).is_some_and(|v| v.matches(a, &self.cache))
    }

    /// Word terms of the saved views not cached yet (asked of the store at start).
    pub fn missing_saved_terms(&self) -> Vec<Term> {
        let mut all: Vec<Term> = Vec::new();
        for v in &self.saved {
            for t in self.cache.missing(&v.terms) {
                if !all.contains(&t) {
                    all.push(t);
                }
            }
        }
        all
    }

    /// Every term in use (the saved views' and the search's).
    pub fn terms_in_use(&self) -> Vec<Term> {
        let mut all: Vec<Term> = Vec::new();
        for v in self.saved.iter().chain(self.search.as_ref()) {
            for t in &v.terms {
                if !all.contains(t) {
                    all.push(t.clone());
                }
            }
        }
        all
    }

    /// Adds an article's share (`add`) to the counts, or takes it away. Call with `false`
    /// before changing an article and with `true` after, so counts never drift.
    pub fn count(&mut self, a: &ArticleMeta, add: bool) {
        if a.read {
            return;
        }
        for v in &mut self.saved {
            let Some(n) = v.unread.as_mut() else {
                continue;
            };
            if v.prepared
                .matches_meta(a, &mut |t| self.cache.contains(t, a.id))
            {
                *n = if add { *n + 1 } else { n.saturating_sub(1) };
            }
        }
    }

    /// Counts saved view `v` again (one pass over `articles`).
    pub fn recount_one(&mut self, v: usize, articles: &[ArticleMeta]) {
        if let Some(view) = self.saved.get_mut(v) {
            view.recount(articles, &self.cache);
        }
    }

    /// Counts every saved view again (one pass each over `articles`).
    pub fn recount(&mut self, articles: &[ArticleMeta]) {
        for v in &mut self.saved {
            v.recount(articles, &self.cache);
        }
    }

    /// Resolves every saved view's feeds, tags and ages again and counts them.
    pub fn reprepare(&mut self, ctx: &Context, articles: &[ArticleMeta]) {
        for v in &mut self.saved {
            v.prepare(ctx);
        }
        if let Some(s) = self.search.as_mut() {
            s.prepare(ctx);
        }
        self.recount(articles);
    }

    /// Takes the store's answer for terms (a union with what is cached; counts are the
    /// caller's to redo).
    pub fn add_hits(&mut self, hits: Vec<(Term, HashSet<ArticleId>)>) {
        for (term, ids) in hits {
            self.cache.add(term, ids);
        }
    }

    /// Drops cached terms no list uses any more (old search terms).
    pub fn forget_unused(&mut self) {
        let used = self.terms_in_use();
        self.cache.retain(|t| used.contains(t));
    }

    /// Notes a new article whose word terms are unknown (when any list uses word terms).
    pub fn arrived(&mut self, id: ArticleId) {
        if self.uses_words() {
            self.unclassified.push(id);
        }
    }

    pub fn uses_words(&self) -> bool {
        self.saved
            .iter()
            .chain(self.search.as_ref())
            .any(|v| !v.terms.is_empty())
    }

    /// The new articles to ask the store about (their run is committed), and forgets them.
    pub fn take_unclassified(&mut self) -> Vec<ArticleId> {
        std::mem::take(&mut self.unclassified)
    }
}

/// A look-up in the store's full-text index, for the store reader thread (`worker`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WordJob {
    /// The saved views' word terms, over every article (at start).
    Terms(Vec<Term>),
    /// A search's word terms not cached yet (none: the run loop answers at once). Only the
    /// newest search of a batch of keys is looked up: typing faster than answers come skips
    /// the queries in between.
    Search { seq: u64, terms: Vec<Term> },
    /// Which of these new articles each term matches (once their run is committed).
    Classify {
        ids: Vec<ArticleId>,
        terms: Vec<Term>,
    },
}

/// The store's answer to a [`WordJob`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WordAnswer {
    Terms(Vec<(Term, HashSet<ArticleId>)>),
    Search {
        seq: u64,
        hits: Vec<(Term, HashSet<ArticleId>)>,
    },
    Classified {
        ids: Vec<ArticleId>,
        hits: Vec<(Term, HashSet<ArticleId>)>,
    },
    /// The store could not answer (the message says why).
    Failed(String),
}
