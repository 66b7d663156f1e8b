//! The sync server's subscriptions as entries of a run's feed list: each becomes a
//! [`FeedConfig`] marked `synced` (its title the server's, its category a tag), so that the
//! feeds pane, tag groups, `feed:`/`tag:` queries, `list` and kill rules treat it like a
//! `[[feeds]]` table. Plain data: never reads the store or the network (callers pass what
//! `Store::synced_feeds` returned), never writes the config file.

use std::collections::HashSet;

use crate::config::{Config, FeedConfig, FeedLocation};
use crate::model::FeedId;
use crate::store::SyncedFeed;

/// The feed list entry for one of the server's subscriptions.
pub fn feed_config(feed: &SyncedFeed) -> FeedConfig {
    FeedConfig {
        url: feed.url.clone(),
        location: FeedLocation::Http(feed.url.clone()),
        title: Some(feed.title.trim().to_string()).filter(|t| !t.is_empty()),
        tags: feed.tags.clone(),
        refresh_interval: None,
        full_text: false,
        synced: true,
    }
}

/// Appends the server's subscriptions to `config.feeds`, after the config file's own, except
/// those the list already has (a `[[feeds]]` table for the same url keeps its own title and
/// tags; the engine does not poll it either, the server brings its articles). Returns the
/// entries added, in the server's order (by title).
pub fn merge_synced_feeds(config: &mut Config, feeds: &[SyncedFeed]) -> Vec<FeedConfig> {
    let mut listed: HashSet<FeedId> = config.feeds.iter().map(FeedConfig::id).collect();
    let added: Vec<FeedConfig> = feeds
        .iter()
        .filter(|f| listed.insert(FeedId::from_url(&f.url)))
        .map(feed_config)
        .collect();
    config.feeds.extend(added.iter().cloned());
    added
}

/// For a config read again from its file (which lists no synced feed): takes the synced
/// entries of `previous`, the run's feed list so far, except those the file now lists.
pub fn carry_synced_feeds(config: &mut Config, previous: &Config) {
    let mut listed: HashSet<FeedId> = config.feeds.iter().map(FeedConfig::id).collect();
    let carried: Vec<FeedConfig> = previous
        .feeds
        .iter()
        .filter(|f| f.synced && listed.insert(f.id()))
        .cloned()
        .collect();
    config.feeds.extend(carried);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synced(url: &str, title: &str, tag: Option<&str>) -> SyncedFeed {
        SyncedFeed {
            id: FeedId::from_url(url),
            remote_id: url.len().to_string(),
            url: url.into(),
            title: title.into(),
            tags: tag.into_iter().map(str::to_string).collect(),
        }
    }

    fn local(url: &str) -> FeedConfig {
        FeedConfig {
            url: url.into(),
            location: FeedLocation::Http(url.into()),
            title: Some("Mine".into()),
            tags: vec!["own".into()],
            refresh_interval: None,
            full_text: true,
            synced: false,
        }
    }

    #[test]
    fn server_feeds_follow_the_config_and_skip_what_it_lists() {
        let mut config = Config {
            feeds: vec![local("https://a.example/feed")],
            ..Config::default()
        };
        let added = merge_synced_feeds(
            &mut config,
            &[
                synced("https://a.example/feed", "A on the server", Some("News")),
                synced("https://b.example/rss", " B ", Some("Tech")),
                synced("https://c.example/atom", "", None),
            ],
        );
        assert_eq!(added.len(), 2);
        let urls: Vec<&str> = config.feeds.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://a.example/feed",
                "https://b.example/rss",
                "https://c.example/atom"
            ]
        );
        // The config's own entry keeps its title, tags and settings.
        assert_eq!(config.feeds[0], local("https://a.example/feed"));
        let b = &config.feeds[1];
        assert!(b.synced && !b.full_text);
        assert_eq!(b.title.as_deref(), Some("B"));
        assert_eq!(b.tags, ["Tech"]);
        assert_eq!(config.feeds[2].title, None);
        assert!(config.feeds[2].tags.is_empty());
    }

    #[test]
    fn a_reloaded_config_keeps_the_synced_feeds_it_does_not_list() {
        let mut before = Config {
            feeds: vec![local("https://a.example/feed")],
            ..Config::default()
        };
        merge_synced_feeds(
            &mut before,
            &[
                synced("https://b.example/rss", "B", None),
                synced("https://c.example/atom", "C", None),
            ],
        );
        let mut reloaded = Config {
            feeds: vec![local("https://c.example/atom")],
            ..Config::default()
        };
        carry_synced_feeds(&mut reloaded, &before);
        let urls: Vec<(&str, bool)> = reloaded
            .feeds
            .iter()
            .map(|f| (f.url.as_str(), f.synced))
            .collect();
        assert_eq!(
            urls,
            [
                ("https://c.example/atom", false),
                ("https://b.example/rss", true)
            ]
        );
    }
}
