//! A config read again while the TUI runs, with everything the TUI builds from it
//! (highlighter, cleaner, key table, theme), ready to swap in at once. Built off the UI
//! thread (on the config watcher's, see `crate::config_watch`): a bad key binding or rule is
//! an error like bad TOML, and keeps the running config. No I/O, no state.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clean::{CleanError, Cleaner};
use crate::config::{Config, ConfigError, ThemeName};
use crate::config_watch::Change;
use crate::highlight::{HighlightError, Highlighter};

use super::keys::{Keymap, KeymapError};
use super::theme::Theme;

/// A new config and what the TUI builds from it.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    pub config: Arc<Config>,
    pub highlighter: Arc<Highlighter>,
    pub cleaner: Arc<Cleaner>,
    pub keymap: Keymap,
    pub theme: Theme,
}

/// Equal when the configs are (everything else is built from the config).
impl PartialEq for LiveConfig {
    fn eq(&self, other: &LiveConfig) -> bool {
        self.config == other.config
    }
}

/// Why a config read while running is not used.
#[derive(Debug, thiserror::Error)]
pub enum LiveConfigError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("error in config file {}, {error}", path.display())]
    Keys { path: PathBuf, error: KeymapError },
    #[error("error in config file {}, in the [[highlight]] rules: {error}", path.display())]
    Highlight {
        path: PathBuf,
        error: HighlightError,
    },
    #[error("error in config file {}, in the boilerplate patterns: {error}", path.display())]
    Clean { path: PathBuf, error: CleanError },
}

impl LiveConfigError {
    /// The message for the status bar: the first line (file, line, column and what is
    /// wrong; the source line and caret under it do not fit a status bar).
    pub fn status_line(&self) -> String {
        let text = self.to_string();
        text.lines().next().unwrap_or_default().to_string()
    }
}

impl LiveConfig {
    /// Builds everything from `config` (compiles rules and patterns, checks `[keys]`).
    pub fn prepare(config: Config) -> Result<LiveConfig, LiveConfigError> {
        let path = config
            .path
            .clone()
            .unwrap_or_else(|| Path::new("config.toml").to_path_buf());
        let keymap = Keymap::from_config(&config.keys).map_err(|error| LiveConfigError::Keys {
            path: path.clone(),
            error,
        })?;
        let highlighter =
            Highlighter::new(&config.highlight).map_err(|error| LiveConfigError::Highlight {
                path: path.clone(),
                error,
            })?;
        let cleaner = Cleaner::new(&config.boilerplate)
            .map_err(|error| LiveConfigError::Clean { path, error })?;
        Ok(LiveConfig {
            theme: theme_for(&config),
            config: Arc::new(config),
            highlighter: Arc::new(highlighter),
            cleaner: Arc::new(cleaner),
            keymap,
        })
    }

    /// What the config watcher saw, ready to use or the error that keeps the running config.
    pub fn from_change(change: Change) -> Result<LiveConfig, LiveConfigError> {
        match change {
            Change::Config(config) => LiveConfig::prepare(*config),
            Change::Broken(error) => Err(LiveConfigError::Config(error)),
        }
    }

    /// What changed from `old`, for the status bar ("feeds +1 -2, highlight rules, keys").
    pub fn changes_from(&self, old: &Config) -> String {
        let new = &self.config;
        let mut parts: Vec<String> = Vec::new();
        let old_ids: std::collections::HashSet<_> = old.feeds.iter().map(|f| f.id()).collect();
        let new_ids: std::collections::HashSet<_> = new.feeds.iter().map(|f| f.id()).collect();
        let added = new_ids.difference(&old_ids).count();
        let removed = old_ids.difference(&new_ids).count();
        if added > 0 || removed > 0 {
            parts.push(format!("feeds +{added} -{removed}"));
        } else if old.feeds != new.feeds {
            parts.push("feeds".into());
        }
        let mut part = |changed: bool, name: &str| {
            if changed {
                parts.push(name.to_string());
            }
        };
        part(old.highlight != new.highlight, "highlight rules");
        part(old.ignore != new.ignore, "kill rules");
        part(old.views != new.views, "views");
        part(old.keys != new.keys, "keys");
        part(old.sort != new.sort, "sort");
        part(old.boilerplate != new.boilerplate, "boilerplate");
        part(old.theme != new.theme, "theme");
        part(old.notify != new.notify, "notify");
        part(old.browser != new.browser, "browser");
        part(
            old.player != new.player
                || old.download_dir != new.download_dir
                || old.max_downloads != new.max_downloads
                || old.max_download_size != new.max_download_size,
            "podcasts",
        );
        part(old.retention != new.retention, "retention");
        part(
            old.refresh_interval != new.refresh_interval
                || old.max_concurrent_fetches != new.max_concurrent_fetches
                || old.max_per_host != new.max_per_host
                || old.timeout != new.timeout
                || old.connect_timeout != new.connect_timeout
                || old.max_body_size != new.max_body_size
                || old.max_redirects != new.max_redirects,
            "limits",
        );
        part(
            old.mouse != new.mouse,
            if new.mouse { "mouse on" } else { "mouse off" },
        );
        // The sync job and the image loader keep what they started with; `tidings sync`
        // reads `[sync]` each time it runs.
        part(old.sync != new.sync, "[sync] (from the next start)");
        part(
            old.images != new.images
                || old.image_cache_mb != new.image_cache_mb
                || old.max_image_size != new.max_image_size,
            "images (from the next start)",
        );
        if parts.is_empty() {
            parts.push("settings".into());
        }
        parts.join(", ")
    }
}

/// The colours the config selects: its `theme`, else `mono` when NO_COLOR is set, else
/// `dark`. Read at start and at each reload.
pub fn theme_for(config: &Config) -> Theme {
    Theme::named(ThemeName::resolve(
        config.theme,
        crate::config::no_color_requested(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KeyOverride;

    #[test]
    fn bad_keys_are_a_config_error_with_file_line_and_column() {
        let config = Config {
            keys: vec![KeyOverride {
                action: "jump".into(),
                keys: vec!["j".into()],
                line: 4,
                column: 1,
            }],
            path: Some(PathBuf::from("/home/u/tidings.toml")),
            ..Config::default()
        };
        let err = LiveConfig::prepare(config).unwrap_err();
        let line = err.status_line();
        assert!(
            line.starts_with("error in config file /home/u/tidings.toml, config line 4, column 1:"),
            "{line}"
        );
    }

    #[test]
    fn changes_are_named() {
        let old = Config::default();
        let new = Config {
            mouse: false,
            sort: crate::config::SortOrder::OldestFirst,
            ..Config::default()
        };
        let live = LiveConfig::prepare(new).unwrap();
        assert_eq!(live.changes_from(&old), "sort, mouse off");
        let same = LiveConfig::prepare(Config::default()).unwrap();
        assert_eq!(same.changes_from(&old), "settings");
    }
}
