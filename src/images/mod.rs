//! Article images as data: where an image comes from, loading it (fetched under the feeds'
//! politeness limits, or read next to a local feed file), the bounded on-disk cache, and
//! decoding + downscaling into a pixel box. Never draws anything and never imports ratatui:
//! the reader turns the decoded pixels into a terminal picture.

pub mod cache;
pub mod decode;
mod load;

use std::path::PathBuf;

pub use cache::ImageCache;
pub use decode::{decode, DecodedImage};
pub use load::Loader;

use crate::fetch::{format_size, FetchFailure};

/// Where an image is read from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ImageSource {
    /// An http(s) url.
    Web(String),
    /// A file next to a local feed file (only articles of local feeds refer to files).
    /// `web` is the same reference resolved against the article's link, tried when there is
    /// no such file.
    File { path: PathBuf, web: Option<String> },
}

impl ImageSource {
    /// The url or path, for messages.
    pub fn shown(&self) -> String {
        match self {
            ImageSource::Web(url) => url.clone(),
            ImageSource::File { path, .. } => path.display().to_string(),
        }
    }
}

/// One image at one size: its source and the box (in pixels) its picture must fit in. Two
/// slots showing the same image at the same size share one load.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageKey {
    pub source: ImageSource,
    pub max_width: u32,
    pub max_height: u32,
}

/// Why an image could not be shown. Displayed after "image unavailable: ".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The network said no (status, timeout, size cap, not an image...).
    #[error("{0}")]
    Fetch(FetchFailure),
    /// A local image file could not be read.
    #[error("{message}")]
    File { message: String },
    /// Bigger than `max_image_size`.
    #[error("larger than {}", format_size(*limit))]
    TooLarge { limit: u64 },
    /// Not a format tidings decodes (PNG, JPEG, GIF, WebP), or damaged.
    #[error("cannot decode it ({0})")]
    Decode(String),
    /// The loading task died (a bug, reported rather than swallowed).
    #[error("loading crashed: {0}")]
    Crashed(String),
}
