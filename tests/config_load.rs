//! Loading config files from disk: missing files, relative feed paths, positioned errors.

use std::path::{Path, PathBuf};

use tidings::config::{Config, ConfigError, FeedLocation};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn missing_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent/config.toml");
    let err = Config::load(&path).unwrap_err();
    assert!(matches!(err, ConfigError::NotFound { .. }), "{err:?}");
    assert_eq!(err.path(), path);
    let shown = err.to_string();
    assert!(shown.contains(&path.display().to_string()), "{shown}");
    assert!(shown.contains("does not exist"), "{shown}");
}

#[test]
fn relative_feed_paths_follow_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "conf/tidings.toml",
        "[[feeds]]\nurl = \"demo/a.xml\"\n[[feeds]]\nurl = \"https://example.org/rss\"\n",
    );
    let config = Config::load(&path).unwrap();
    assert_eq!(config.path.as_deref(), Some(path.as_path()));
    assert_eq!(
        config.feeds[0].location,
        FeedLocation::File(dir.path().join("conf/demo/a.xml"))
    );
    assert_eq!(
        config.feeds[1].location,
        FeedLocation::Http("https://example.org/rss".into())
    );
}

#[test]
fn error_from_disk_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "config.toml",
        "refresh_interval = \"30m\"\n\n[[feeds]]\nurl = \"https://example.org/rss\"\nrefersh_interval = \"1h\"\n",
    );
    let err = Config::load(&path).unwrap_err();
    assert_eq!((err.line(), err.column()), (Some(5), Some(1)));
    let shown = err.to_string();
    let first_line = shown.lines().next().unwrap();
    assert!(
        first_line.starts_with(&format!(
            "error in config file {}, line 5, column 1: unknown field `refersh_interval`, expected one of",
            path.display()
        )),
        "{shown}"
    );
    // One paragraph: the source line and a caret follow, never a blank line.
    assert!(!shown.contains("\n\n"), "{shown}");
    assert!(shown.contains("5 | refersh_interval = \"1h\""), "{shown}");
    assert!(shown.ends_with("| ^^^^^^^^^^^^^^^^"), "{shown}");
}

#[test]
fn a_directory_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = Config::load(dir.path()).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("cannot read config file"),
        "{err}"
    );
}

#[test]
fn browser_command_uses_the_configured_line() {
    let config = Config::parse(
        "browser = \"'/opt/My Browser/bin/browser' --private {url}\"\n",
        Path::new("/tmp/c.toml"),
    )
    .unwrap();
    let (program, args) = config.browser_command("https://example.org/x").unwrap();
    assert_eq!(program, "/opt/My Browser/bin/browser");
    assert_eq!(args, ["--private", "https://example.org/x"]);
    assert_eq!(config.browser_command("file:///etc/passwd"), None);
}
