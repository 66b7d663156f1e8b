//! Kill rules (`[[ignore]]`): a query and what to do with the articles it matches. This
//! module decides the action for one new article (at ingest); the store applies the rules
//! to stored articles (`store/ignore.rs`). Both follow the same precedence.

use chrono::{DateTime, Utc};

use super::ast::Query;
use super::eval::{searchable_text, Article, Subject};
use super::Context;
use crate::model::{ArticleId, NewArticle};

/// What a kill rule does with the articles it matches. Ordered by strength: when several
/// rules match an article, the strongest action wins (drop, then hide, then read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IgnoreAction {
    /// Mark them read.
    Read,
    /// Keep them stored but out of every list (they come back when the rule goes).
    Hide,
    /// Delete them, and never fetch them again. Starred articles are never dropped.
    Drop,
}

impl IgnoreAction {
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoreAction::Read => "read",
            IgnoreAction::Hide => "hide",
            IgnoreAction::Drop => "drop",
        }
    }

    /// Whether the action applies to a starred article (hide and drop never touch one).
    pub fn applies_to_starred(self) -> bool {
        self == IgnoreAction::Read
    }

    /// Strongest first.
    pub const BY_STRENGTH: [IgnoreAction; 3] =
        [IgnoreAction::Drop, IgnoreAction::Hide, IgnoreAction::Read];
}

/// One `[[ignore]]` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreRule {
    pub query: Query,
    pub action: IgnoreAction,
}

/// What the kill rules decided for a batch of new articles ([`IgnoreRules::sort_out`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdicts {
    /// Articles to store hidden.
    pub hidden: Vec<ArticleId>,
    /// Articles not to store, and never to fetch again.
    pub dropped: Vec<ArticleId>,
    /// How many articles each rule caught, by rule index.
    pub caught: Vec<usize>,
}

/// The feed of an article, as kill rules see it.
#[derive(Clone, Copy, Debug)]
pub struct FeedRef<'a> {
    /// The display title (the config's title, else the feed's own, else its url).
    pub title: &'a str,
    pub url: &'a str,
    pub tags: &'a [String],
}

/// The configured kill rules, ready to judge new articles.
#[derive(Clone, Debug, Default)]
pub struct IgnoreRules {
    rules: Vec<IgnoreRule>,
    rule_labels: Vec<String>,
    words: bool,
}

impl IgnoreRules {
    /// `rule_labels`: the highlight rules' labels by index, for `hl:NAME`.
    pub fn new(rules: Vec<IgnoreRule>, rule_labels: Vec<String>) -> IgnoreRules {
        let words = rules.iter().any(|r| r.query.uses_words());
        IgnoreRules {
            rules,
            rule_labels,
            words,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rules(&self) -> &[IgnoreRule] {
        &self.rules
    }

    /// What to do with a new article of `feed` (its `meta.highlights` already computed),
    /// and the index of the rule that decided it; None to keep it as it is.
    pub fn action_for(
        &self,
        article: &NewArticle,
        feed: FeedRef<'_>,
        now: DateTime<Utc>,
    ) -> Option<(usize, IgnoreAction)> {
        if self.rules.is_empty() {
            return None;
        }
        let text = searchable_text(article, self.words);
        let subject = Subject::new(Article::of_new(article, feed, &text));
        let ctx = Context {
            now,
            rule_labels: self.rule_labels.clone(),
            feeds: Vec::new(),
        };
        self.decide(&subject, &ctx)
    }

    /// Applies the rules to the new articles of one feed before they are stored: marks
    /// `read` ones read (in `articles`), takes `drop` ones out of `articles`, and returns
    /// those and the ids to hide. The caller stores what is left of `articles`, then sends
    /// `WriteOp::SetHidden(hidden, true)` and `WriteOp::Drop(feed, dropped)`, and shows the
    /// front end only the articles not hidden.
    pub fn sort_out(
        &self,
        articles: &mut Vec<NewArticle>,
        feed: FeedRef<'_>,
        now: DateTime<Utc>,
    ) -> Verdicts {
        let mut out = Verdicts {
            caught: vec![0; self.rules.len()],
            ..Verdicts::default()
        };
        if self.rules.is_empty() {
            return out;
        }
        articles.retain_mut(|a| match self.action_for(a, feed, now) {
            None => true,
            Some((rule, action)) => {
                out.caught[rule] += 1;
                match action {
                    IgnoreAction::Read => {
                        a.meta.read = true;
                        true
                    }
                    IgnoreAction::Hide => {
                        out.hidden.push(a.meta.id);
                        true
                    }
                    IgnoreAction::Drop => {
                        out.dropped.push(a.meta.id);
                        false
                    }
                }
            }
        });
        out
    }

    /// The deciding rule for an article already prepared as a [`Subject`].
    pub fn decide(&self, subject: &Subject<'_>, ctx: &Context) -> Option<(usize, IgnoreAction)> {
        let starred = subject.article().starred;
        IgnoreAction::BY_STRENGTH
            .into_iter()
            .filter(|a| !starred || a.applies_to_starred())
            .find_map(|action| {
                self.rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.action == action)
                    .find(|(_, r)| r.query.matches(subject, ctx))
                    .map(|(i, _)| (i, action))
            })
    }
}
