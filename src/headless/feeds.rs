//! Display names of feeds for headless output: the config's title, else the feed's own, else its url.

use std::collections::HashMap;

use crate::config::Config;
use crate::model::{FeedId, FeedState};

pub struct FeedNames {
    /// Title (as resolved when built) and url of every known feed.
    names: HashMap<FeedId, (String, String)>,
    /// Titles given in the config: they win over anything a feed says.
    configured: HashMap<FeedId, String>,
}

impl FeedNames {
    pub fn new(config: &Config, states: &[FeedState]) -> FeedNames {
        let configured: HashMap<FeedId, String> = config
            .feeds
            .iter()
            .filter_map(|f| f.title.clone().map(|t| (f.id(), t)))
            .collect();
        let mut names: HashMap<FeedId, (String, String)> = HashMap::new();
        for state in states {
            names.insert(
                state.id,
                (display_title(&configured, state), state.url.clone()),
            );
        }
        for feed in &config.feeds {
            names.entry(feed.id()).or_insert_with(|| {
                let title = configured.get(&feed.id()).unwrap_or(&feed.url).clone();
                (title, feed.url.clone())
            });
        }
        FeedNames { names, configured }
    }

    pub fn title(&self, id: FeedId) -> &str {
        self.names.get(&id).map_or("(unknown feed)", |(t, _)| t)
    }

    /// The title for a state fresher than the one these names were built from.
    pub fn title_for(&self, state: &FeedState) -> String {
        display_title(&self.configured, state)
    }

    pub fn url(&self, id: FeedId) -> &str {
        self.names.get(&id).map_or("", |(_, u)| u)
    }

    /// Feeds whose title or url contains `needle`, case-insensitively.
    pub fn matching(&self, needle: &str) -> Vec<FeedId> {
        let needle = needle.to_lowercase();
        self.names
            .iter()
            .filter(|(_, (title, url))| {
                title.to_lowercase().contains(&needle) || url.to_lowercase().contains(&needle)
            })
            .map(|(id, _)| *id)
            .collect()
    }
}

fn display_title(configured: &HashMap<FeedId, String>, state: &FeedState) -> String {
    configured
        .get(&state.id)
        .or(state.feed_title.as_ref())
        .unwrap_or(&state.url)
        .clone()
}
