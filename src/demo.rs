//! The bundled demo: feeds and a config embedded in the binary, written to a throw-away
//! directory so that `tidings --demo` works offline from any install. Never uses the user's dirs.

use std::path::{Path, PathBuf};

/// The demo's files could not be laid out.
#[derive(Debug, thiserror::Error)]
#[error("could not {action} {path} for the demo: {source}")]
pub struct DemoError {
    action: &'static str,
    path: PathBuf,
    source: std::io::Error,
}

macro_rules! demo_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../assets/demo/", $name)))),*]
    };
}

/// Every file of `assets/demo/`, by name.
const DEMO_FILES: &[(&str, &str)] = demo_files![
    "config.toml",
    "broken-feed.xml",
    "city-transit.rdf",
    "climate-desk.json",
    "kernel-weekly.xml",
    "open-hardware-digest.xml",
    "orbital-notes.atom",
    "rust-gazette.atom",
    "night-shift-radio.xml",
];

/// The demo podcast's audio (tiny generated WAV files), written next to its feed.
const DEMO_MEDIA: &[(&str, &[u8])] = &[
    (
        "episode-1.wav",
        include_bytes!("../assets/demo/episode-1.wav"),
    ),
    (
        "episode-2.wav",
        include_bytes!("../assets/demo/episode-2.wav"),
    ),
];

/// The demo's images, referenced by articles of its local feeds (shown inline where the
/// terminal can draw them).
const DEMO_IMAGES: &[(&str, &[u8])] = &[
    (
        "aurora-lake.png",
        include_bytes!("../assets/demo/aurora-lake.png"),
    ),
    (
        "kp-index.png",
        include_bytes!("../assets/demo/kp-index.png"),
    ),
];

/// A temporary directory holding the demo feeds, its config and its data dir; removed on drop.
pub struct DemoDir {
    root: PathBuf,
}

impl DemoDir {
    pub fn create() -> Result<DemoDir, DemoError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let root =
            std::env::temp_dir().join(format!("tidings-demo-{}-{nanos:08x}", std::process::id()));
        let write = |path: &Path, bytes: &[u8]| {
            std::fs::write(path, bytes).map_err(|source| DemoError {
                action: "write",
                path: path.to_path_buf(),
                source,
            })
        };
        std::fs::create_dir_all(root.join("data")).map_err(|source| DemoError {
            action: "create",
            path: root.clone(),
            source,
        })?;
        let dir = DemoDir { root };
        for (name, text) in DEMO_FILES {
            write(&dir.root.join(name), text.as_bytes())?;
        }
        for (name, bytes) in DEMO_MEDIA.iter().chain(DEMO_IMAGES) {
            write(&dir.root.join(name), bytes)?;
        }
        Ok(dir)
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
