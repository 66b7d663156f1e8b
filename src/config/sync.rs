//! The `[sync]` table: which feed server to sync with and where the password comes from.
//! Plain settings only: this module never runs the password command or reads the variable
//! (see `crate::sync`), and a password it holds never shows in `Debug` output or messages.

use std::fmt;

/// Feed servers tidings can sync with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncBackend {
    /// Tiny Tiny RSS, through its JSON API (`/api/`, API level 14 or newer).
    Ttrss,
}

impl SyncBackend {
    /// The name the config file uses.
    pub fn key(self) -> &'static str {
        match self {
            SyncBackend::Ttrss => "ttrss",
        }
    }

    /// The name to show people.
    pub fn label(self) -> &'static str {
        match self {
            SyncBackend::Ttrss => "Tiny Tiny RSS",
        }
    }

    /// Every backend, for messages listing the choices.
    pub const ALL: &'static [SyncBackend] = &[SyncBackend::Ttrss];

    pub fn from_key(key: &str) -> Option<SyncBackend> {
        SyncBackend::ALL.iter().copied().find(|b| b.key() == key)
    }
}

/// The `[sync]` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncConfig {
    pub backend: SyncBackend,
    /// The server's base url as written (trimmed), e.g. `https://rss.example.org/tt-rss/`.
    pub url: String,
    pub user: String,
    pub password: PasswordSource,
    /// `http://` to a host other than loopback was allowed explicitly.
    pub allow_insecure_http: bool,
    /// Something to tell the user whenever sync runs (a password written in the config file).
    pub warning: Option<String>,
}

impl SyncConfig {
    /// Identifies the account: backend, host (without scheme, port or path, so that moving to
    /// https or another port keeps it) and user. The store keeps one account's ids and starts
    /// over when this changes; synced articles' ids derive from it.
    pub fn account(&self) -> String {
        format!(
            "{} {} {}",
            self.backend.key(),
            url_host(&self.url),
            self.user
        )
    }
}

/// Where the sync password comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    /// `password_command`: a program and its arguments, run without a shell; the first line
    /// of its output is the password.
    Command(Vec<String>),
    /// `password_env`: the name of an environment variable holding the password.
    Env(String),
    /// `password`: written in the config file (allowed, warned about).
    Inline(Secret),
}

/// A password. `Debug` never shows it and there is no `Display`: reading it takes a
/// deliberate [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The password itself: only for the request that logs in.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The host of an http(s) url, lowercased, without user, port or brackets.
fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    host.to_ascii_lowercase()
}

/// Whether `url`'s host is this machine (127.0.0.0/8, ::1 or localhost): plain http there
/// sends nothing over a network.
pub fn is_loopback_url(url: &str) -> bool {
    if !url.contains("://") {
        return false;
    }
    let host = url_host(url);
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://127.0.0.1:8080/tt-rss/",
            "http://127.1.2.3/",
            "http://localhost/",
            "http://LOCALHOST:80",
            "http://[::1]:8080/",
            "http://me.localhost/",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://rss.example.org/",
            "http://10.0.0.1/",
            "http://localhost.example.org/",
            "http://[::2]/",
            "no scheme",
            "http://127.0.0.1.evil.org/",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn the_account_survives_a_change_of_scheme_port_or_path() {
        let mut c = SyncConfig {
            backend: SyncBackend::Ttrss,
            url: "https://RSS.example.org/tt-rss/".into(),
            user: "me".into(),
            password: PasswordSource::Env("X".into()),
            allow_insecure_http: false,
            warning: None,
        };
        assert_eq!(c.account(), "ttrss rss.example.org me");
        c.url = "http://rss.example.org:8080/rss".into();
        assert_eq!(c.account(), "ttrss rss.example.org me");
        c.url = "https://[::1]:8443/".into();
        assert_eq!(c.account(), "ttrss ::1 me");
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s = Secret::new("hunter2");
        let shown = format!("{:?}", PasswordSource::Inline(s.clone()));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(s.expose(), "hunter2");
    }
}
