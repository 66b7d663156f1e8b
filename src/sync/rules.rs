//! The config's kill rules (`[[ignore]]`) and `notify` query, applied to the articles a sync
//! stores for the first time, as the engine's ingest applies them to polled ones: `read`
//! marks them read (a local change, sent to the server like the user's own), `hide` stores
//! them hidden, `drop` deletes them and remembers them so they never come back; the ones that
//! match `notify` are handed to the front end. The feed a rule sees is the config's entry
//! when it lists the url (its title and tags), else the server's subscription (its title, its
//! category as a tag). Pure decisions: the caller applies them to the store.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::clean::sanitize_inline;
use crate::config::Config;
use crate::engine::NotifyArticle;
use crate::highlight::Highlighter;
use crate::model::{ArticleId, FeedId, NewArticle};
use crate::notify::Matcher;
use crate::query::{FeedRef, IgnoreRules};

/// A feed as rules see it: display title, url, tags.
#[derive(Clone, Debug, Default)]
pub(super) struct RuleFeed {
    pub title: String,
    pub url: String,
    pub tags: Vec<String>,
}

/// The rules a sync applies to new articles.
pub struct SyncRules {
    ignore: IgnoreRules,
    notify: Option<Matcher>,
    /// The config's own feeds: their title (when given) and tags win over the server's.
    configured: HashMap<FeedId, (Option<String>, Vec<String>)>,
    /// How the rules are named in notices (`` kill rule 2 (`title:ad`, hide) ``).
    names: Vec<String>,
}

/// What the rules decided for a page of new articles.
#[derive(Debug, Default)]
pub(super) struct Judged {
    pub read: Vec<ArticleId>,
    pub hidden: Vec<ArticleId>,
    pub dropped: Vec<(FeedId, Vec<ArticleId>)>,
    /// New articles each kill rule caught, by rule index.
    pub caught: Vec<usize>,
    pub notify: Vec<NotifyArticle>,
}

impl SyncRules {
    pub fn new(config: &Config, highlighter: &Highlighter) -> SyncRules {
        let labels = (0..config.highlight.len())
            .map(|i| highlighter.label(i as u16).to_string())
            .collect();
        SyncRules {
            ignore: IgnoreRules::new(config.ignore.clone(), labels),
            notify: Matcher::new(config),
            configured: config
                .feeds
                .iter()
                .filter(|f| !f.synced)
                .map(|f| {
                    let title = f.title.as_deref().map(sanitize_inline);
                    (f.id(), (title, f.tags.clone()))
                })
                .collect(),
            names: config
                .ignore
                .iter()
                .enumerate()
                .map(|(i, r)| format!("kill rule {} (`{}`, {})", i + 1, r.query, r.action.as_str()))
                .collect(),
        }
    }

    /// No kill rule and no `notify`: nothing to judge.
    pub fn is_empty(&self) -> bool {
        self.ignore.is_empty() && self.notify.is_none()
    }

    /// How many kill rules there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// The notice for rule `i` having caught `n` new articles.
    pub fn caught_line(&self, i: usize, n: usize) -> Option<String> {
        let name = self.names.get(i)?;
        Some(format!(
            "{name} caught {n} new synced article{}",
            if n == 1 { "" } else { "s" }
        ))
    }

    /// Judges the new articles of a page (any feeds). `server` describes the feeds as the
    /// server has them.
    pub(super) fn judge(
        &self,
        fresh: Vec<NewArticle>,
        server: &HashMap<FeedId, RuleFeed>,
        now: DateTime<Utc>,
    ) -> Judged {
        let mut out = Judged {
            caught: vec![0; self.names.len()],
            ..Judged::default()
        };
        let mut by_feed: Vec<(FeedId, Vec<NewArticle>)> = Vec::new();
        for a in fresh {
            match by_feed.iter_mut().find(|(f, _)| *f == a.meta.feed) {
                Some((_, list)) => list.push(a),
                None => by_feed.push((a.meta.feed, vec![a])),
            }
        }
        for (feed, mut articles) in by_feed {
            let remote = server.get(&feed).cloned().unwrap_or_default();
            let (title, tags) = match self.configured.get(&feed) {
                Some((title, tags)) => (title.clone().unwrap_or(remote.title), tags.clone()),
                None => (remote.title, remote.tags),
            };
            let feed_ref = FeedRef {
                title: &title,
                url: &remote.url,
                tags: &tags,
            };
            let unread: Vec<ArticleId> = articles
                .iter()
                .filter(|a| !a.meta.read)
                .map(|a| a.meta.id)
                .collect();
            let verdicts = self.ignore.sort_out(&mut articles, feed_ref, now);
            for (total, n) in out.caught.iter_mut().zip(verdicts.caught) {
                *total += n;
            }
            out.read.extend(
                articles
                    .iter()
                    .filter(|a| a.meta.read && unread.contains(&a.meta.id))
                    .map(|a| a.meta.id),
            );
            if let Some(matcher) = &self.notify {
                out.notify
                    .extend(matcher.matching(&articles, &verdicts.hidden, feed_ref, now));
            }
            out.hidden.extend(verdicts.hidden);
            if !verdicts.dropped.is_empty() {
                out.dropped.push((feed, verdicts.dropped));
            }
        }
        out
    }
}
