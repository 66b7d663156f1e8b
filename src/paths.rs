//! Where the config file and the data dir are: command line, else environment, else the
//! platform's directories. Only computes paths; never creates, reads or writes anything.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;

/// Environment variable naming the config file.
pub const CONFIG_ENV: &str = "TIDINGS_CONFIG";
/// Environment variable naming the data dir.
pub const DATA_DIR_ENV: &str = "TIDINGS_DATA_DIR";

/// The config file to use, and whether the user chose it (`--config` or `$TIDINGS_CONFIG`).
/// A missing file is an error only when it was explicit; otherwise it means "no config yet".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigLocation {
    pub path: PathBuf,
    pub explicit: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error(
        "cannot find your home directory to locate the default {what}: pass {flag} PATH or set \
         {env}"
    )]
    NoHomeDir {
        what: &'static str,
        flag: &'static str,
        env: &'static str,
    },
}

/// The config file: `cli`, else `$TIDINGS_CONFIG`, else `<platform config dir>/config.toml`
/// (e.g. `~/.config/tidings/config.toml` on Linux).
pub fn config_path(cli: Option<&Path>) -> Result<ConfigLocation, PathsError> {
    resolve_config_path(cli, std::env::var_os(CONFIG_ENV), || {
        project_dirs().map(|d| d.config_dir().join("config.toml"))
    })
}

/// The data dir: `cli`, else `$TIDINGS_DATA_DIR`, else the platform data dir
/// (e.g. `~/.local/share/tidings` on Linux).
pub fn data_dir(cli: Option<&Path>) -> Result<PathBuf, PathsError> {
    resolve_data_dir(cli, std::env::var_os(DATA_DIR_ENV), || {
        project_dirs().map(|d| d.data_dir().to_path_buf())
    })
}

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "tidings")
}

/// [`config_path`] with the environment and platform lookups passed in, for tests.
fn resolve_config_path(
    cli: Option<&Path>,
    env: Option<OsString>,
    default: impl FnOnce() -> Option<PathBuf>,
) -> Result<ConfigLocation, PathsError> {
    if let Some(path) = explicit(cli, env) {
        return Ok(ConfigLocation {
            path,
            explicit: true,
        });
    }
    let path = default().ok_or(PathsError::NoHomeDir {
        what: "config file",
        flag: "--config",
        env: CONFIG_ENV,
    })?;
    Ok(ConfigLocation {
        path,
        explicit: false,
    })
}

/// [`data_dir`] with the environment and platform lookups passed in, for tests.
fn resolve_data_dir(
    cli: Option<&Path>,
    env: Option<OsString>,
    default: impl FnOnce() -> Option<PathBuf>,
) -> Result<PathBuf, PathsError> {
    explicit(cli, env)
        .or_else(default)
        .ok_or(PathsError::NoHomeDir {
            what: "data directory",
            flag: "--data-dir",
            env: DATA_DIR_ENV,
        })
}

/// The command-line path, else the environment's (an empty variable counts as unset).
fn explicit(cli: Option<&Path>, env: Option<OsString>) -> Option<PathBuf> {
    cli.map(Path::to_path_buf)
        .or_else(|| env.filter(|v| !v.is_empty()).map(PathBuf::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_config() -> Option<PathBuf> {
        Some(PathBuf::from("/home/u/.config/tidings/config.toml"))
    }

    #[test]
    fn config_cli_beats_env_beats_default() {
        let cli = Path::new("/cli/config.toml");
        let env = || Some(OsString::from("/env/config.toml"));
        let loc = resolve_config_path(Some(cli), env(), default_config).unwrap();
        assert_eq!(
            loc,
            ConfigLocation {
                path: cli.into(),
                explicit: true
            }
        );
        let loc = resolve_config_path(None, env(), default_config).unwrap();
        assert_eq!(loc.path, Path::new("/env/config.toml"));
        assert!(loc.explicit);
        let loc = resolve_config_path(None, None, default_config).unwrap();
        assert_eq!(loc.path, default_config().unwrap());
        assert!(!loc.explicit);
        // An empty variable is as good as unset.
        let loc = resolve_config_path(None, Some(OsString::new()), default_config).unwrap();
        assert!(!loc.explicit);
    }

    #[test]
    fn data_dir_cli_beats_env_beats_default() {
        let default = || Some(PathBuf::from("/home/u/.local/share/tidings"));
        let env = || Some(OsString::from("/env/data"));
        let cli = Path::new("rel/data");
        assert_eq!(resolve_data_dir(Some(cli), env(), default).unwrap(), cli);
        assert_eq!(
            resolve_data_dir(None, env(), default).unwrap(),
            Path::new("/env/data")
        );
        assert_eq!(
            resolve_data_dir(None, None, default).unwrap(),
            default().unwrap()
        );
    }

    #[test]
    fn no_home_is_an_error_that_says_what_to_do() {
        let err = resolve_data_dir(None, None, || None).unwrap_err();
        assert!(
            err.to_string()
                .contains("--data-dir PATH or set TIDINGS_DATA_DIR"),
            "{err}"
        );
        let err = resolve_config_path(None, None, || None).unwrap_err();
        assert!(
            err.to_string()
                .contains("--config PATH or set TIDINGS_CONFIG"),
            "{err}"
        );
    }

    #[test]
    fn platform_default_ends_in_tidings() {
        // Computes a path only; nothing is created or read.
        if let Some(dirs) = project_dirs() {
            assert!(dirs
                .config_dir()
                .join("config.toml")
                .ends_with("config.toml"));
            assert!(dirs.data_dir().to_string_lossy().contains("tidings"));
        }
    }
}
