//! Loading one image: from the disk cache, else the network (through the engine's
//! `Fetcher`: its global and per-host limits, timeout and redirects, with `max_image_size` as
//! the body cap), or from a file next to a local feed; then decoded and shrunk on a blocking
//! thread. A cached entry that no longer decodes is deleted and fetched again.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::fetch::Fetcher;
use crate::model::ErrorKind;

use super::{decode, DecodedImage, ImageCache, ImageError, ImageKey, ImageSource};

/// Loads images for the engine. Cheap to share (`Arc`); the cache opens on first use.
pub struct Loader {
    fetcher: Fetcher,
    max_size: u64,
    cache_dir: Option<PathBuf>,
    cache_bound: u64,
    cache: OnceCell<Option<Arc<ImageCache>>>,
    /// Why the cache could not be opened, once (for a notice).
    cache_problem: std::sync::Mutex<Option<String>>,
    problem_told: AtomicBool,
}

impl Loader {
    /// `cache_dir` `None` (or a bound of 0) keeps nothing on disk.
    pub fn new(
        fetcher: Fetcher,
        max_size: u64,
        cache_dir: Option<PathBuf>,
        cache_bound: u64,
    ) -> Loader {
        Loader {
            fetcher,
            max_size,
            cache_dir: cache_dir.filter(|_| cache_bound > 0),
            cache_bound,
            cache: OnceCell::new(),
            cache_problem: std::sync::Mutex::new(None),
            problem_told: AtomicBool::new(false),
        }
    }

    /// The cache, opened (listed and trimmed) on a blocking thread the first time.
    pub async fn cache(&self) -> Option<Arc<ImageCache>> {
        self.cache
            .get_or_init(|| async {
                let dir = self.cache_dir.clone()?;
                let bound = self.cache_bound;
                let opened = tokio::task::spawn_blocking(move || {
                    ImageCache::open(&dir, bound).map_err(|e| format!("{}: {e}", dir.display()))
                })
                .await;
                match opened {
                    Ok(Ok(cache)) => Some(Arc::new(cache)),
                    Ok(Err(e)) => {
                        *self.cache_problem.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        None
                    }
                    Err(e) => {
                        *self.cache_problem.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(e.to_string());
                        None
                    }
                }
            })
            .await
            .clone()
    }

    /// Why the cache is not used, the first time this is asked after it failed to open.
    pub fn take_cache_problem(&self) -> Option<String> {
        let problem = self
            .cache_problem
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        (!self.problem_told.swap(true, Ordering::Relaxed)).then_some(problem)
    }

    /// Loads, decodes and shrinks the image `key` names.
    pub async fn load(&self, key: &ImageKey) -> Result<DecodedImage, ImageError> {
        let (w, h) = (key.max_width, key.max_height);
        match &key.source {
            ImageSource::Web(url) => self.load_web(url, w, h).await,
            ImageSource::File { path, web } => {
                let max = self.max_size;
                let read = {
                    let path = path.clone();
                    blocking(move || read_file(&path, max)).await?
                };
                match read {
                    Ok(bytes) => blocking(move || decode(&bytes, w, h)).await?,
                    Err(FileError::Missing) if web.is_some() => {
                        let url = web.as_deref().unwrap_or_default();
                        self.load_web(url, w, h).await
                    }
                    Err(FileError::Missing) => Err(ImageError::File {
                        message: format!("no file {}", path.display()),
                    }),
                    Err(FileError::Other(e)) => Err(e),
                }
            }
        }
    }

    async fn load_web(&self, url: &str, w: u32, h: u32) -> Result<DecodedImage, ImageError> {
        let cache = self.cache().await;
        if let Some(cache) = cache.clone() {
            let key = url.to_string();
            let cached = blocking(move || {
                let bytes = cache.get(&key)?;
                match decode(&bytes, w, h) {
                    Ok(image) => Some(image),
                    Err(_) => {
                        // Damaged, or written by a version that kept other things: fetch anew.
                        cache.remove(&key);
                        None
                    }
                }
            })
            .await?;
            if let Some(image) = cached {
                return Ok(image);
            }
        }
        let bytes = self
            .fetcher
            .fetch_image(url, self.max_size)
            .await
            .map_err(|f| match f.kind {
                ErrorKind::TooLarge => ImageError::TooLarge {
                    limit: self.max_size,
                },
                _ => ImageError::Fetch(f),
            })?;
        let url = url.to_string();
        blocking(move || {
            let image = decode(&bytes, w, h)?;
            if let Some(cache) = cache {
                cache.put(&url, &bytes);
            }
            Ok(image)
        })
        .await?
    }
}

/// Runs CPU or disk work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ImageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ImageError::Crashed(e.to_string()))
}

enum FileError {
    Missing,
    Other(ImageError),
}

/// Reads a local image, at most `max` bytes.
fn read_file(path: &Path, max: u64) -> Result<Vec<u8>, FileError> {
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FileError::Missing,
        _ => FileError::Other(ImageError::File {
            message: format!("cannot read {}: {e}", path.display()),
        }),
    })?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(|e| {
        FileError::Other(ImageError::File {
            message: format!("cannot read {}: {e}", path.display()),
        })
    })?;
    if bytes.len() as u64 > max {
        return Err(FileError::Other(ImageError::TooLarge { limit: max }));
    }
    Ok(bytes)
}
