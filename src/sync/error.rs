//! Why a sync failed, as kinds with messages that say what to do. No message ever contains
//! the password (requests are never quoted; quoted answers are scrubbed of it).

use crate::store::StoreError;

/// Why the password could not be had.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("could not run password_command `{program}`: {detail}")]
    Spawn { program: String, detail: String },
    #[error("password_command `{program}` failed ({status}); run it by hand to see why")]
    Failed { program: String, status: String },
    #[error("password_command `{program}` printed no password (its first line is used)")]
    EmptyOutput { program: String },
    #[error("password_command `{program}` printed something that is not UTF-8 text")]
    NotText { program: String },
    #[error(
        "the environment variable {name} (password_env in [sync]) is not set: export it, or use \
         password_command"
    )]
    EnvMissing { name: String },
    #[error("the environment variable {name} (password_env in [sync]) is empty or not UTF-8")]
    EnvUnusable { name: String },
    #[error("the password in [sync] is empty")]
    Empty,
}

/// Why a sync (or one request of it) failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Nothing answered, or a proxy said the server is down: changes stay queued.
    #[error(
        "cannot reach the sync server at {url}: {detail}. Nothing is lost: local changes stay \
         queued and are sent on the next sync"
    )]
    Offline { url: String, detail: String },

    /// `LOGIN_ERROR`: wrong user or password.
    #[error(
        "{server} at {url} refused the login of user `{user}`: wrong user or password. Check \
         `user` and the password (password_command, password_env or password) in [sync]"
    )]
    LoginFailed {
        server: &'static str,
        url: String,
        user: String,
    },

    /// `API_DISABLED`: the account may not use the API.
    #[error(
        "API access is disabled for user `{user}` on {url}: log in to Tiny Tiny RSS in a \
         browser, open Preferences, tick \"Enable API\" (under General), save, then sync again"
    )]
    ApiDisabled { url: String, user: String },

    /// The session was refused even right after logging in again.
    #[error(
        "{url} keeps refusing the session right after a successful login (NOT_LOGGED_IN): the \
         server's session storage may be broken; try again later or ask its admin"
    )]
    SessionLost { url: String },

    /// HTML, garbage, or JSON of another shape: not the API tidings expects.
    #[error(
        "{url} did not answer like the {server} API: {what}. Check that `url` in [sync] points \
         at your {server} (the folder that holds api/, like https://rss.example.org/tt-rss/)"
    )]
    NotTheApi {
        server: &'static str,
        url: String,
        what: String,
    },

    /// The server's API is too old.
    #[error(
        "the {server} at {url} speaks API level {found}; tidings needs level {needed} or newer: \
         update the server"
    )]
    ApiLevel {
        server: &'static str,
        url: String,
        found: i64,
        needed: i64,
    },

    /// An HTTP status that means neither "down" nor "not the API".
    #[error("{url} answered HTTP {status}{hint}")]
    Http {
        url: String,
        status: u16,
        hint: &'static str,
    },

    /// The TLS handshake failed (certificate, protocol).
    #[error("secure connection to {url} failed: {detail}")]
    Tls { url: String, detail: String },

    /// The API refused a request.
    #[error("the sync server refused {op}: {error}")]
    Api { op: String, error: String },

    #[error("{0}")]
    Password(#[from] PasswordError),

    #[error("{0}")]
    Store(#[from] StoreError),

    /// The thread that owns the store connection is gone (it panicked).
    #[error("the sync's store thread stopped unexpectedly")]
    StoreGone,

    #[error("could not start the HTTP client for sync: {0}")]
    Client(String),
}

impl SyncError {
    /// A short label for summaries and the status bar: "offline", "login failed", ...
    pub fn label(&self) -> &'static str {
        match self {
            SyncError::Offline { .. } => "offline",
            SyncError::LoginFailed { .. } => "login failed",
            SyncError::ApiDisabled { .. } => "API disabled",
            SyncError::SessionLost { .. } => "session lost",
            SyncError::NotTheApi { .. } => "not a sync server",
            SyncError::ApiLevel { .. } => "server too old",
            SyncError::Http { .. } => "HTTP error",
            SyncError::Tls { .. } => "TLS error",
            SyncError::Api { .. } => "refused",
            SyncError::Password(_) => "no password",
            SyncError::Store(_) | SyncError::StoreGone => "store error",
            SyncError::Client(_) => "error",
        }
    }

    /// Whether retrying later may help without the user doing anything (the front end retries
    /// these with backoff; the others need a fix first).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SyncError::Offline { .. } | SyncError::SessionLost { .. } | SyncError::Http { .. }
        )
    }
}
