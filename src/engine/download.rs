//! Enclosure downloads as engine jobs: find the enclosure in the store, resolve where it comes
//! from (an http(s) url, or a file next to a local feed), stream it into the download dir with
//! the fetcher (resumable), remember the file in the store, and report progress as events.
//! The engine runs at most `max_downloads` of these at once and aborts them on shutdown (the
//! `.part` stays for the next try). Never touches the terminal.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use crate::config::Config;
use crate::fetch::{DownloadError, DownloadRequest, DownloadSource, Fetcher};
use crate::model::ArticleId;
use crate::store::{Store, WriteOp, Writer};

use super::Event;

/// Progress events of one download come at most this often (plus one at the start and one
/// at the end), so that a fast download does not flood the front end.
const PROGRESS_EVERY: Duration = Duration::from_millis(150);

/// Why an enclosure could not be downloaded (displayed without a prefix).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnclosureError {
    #[error("no article {0} in the store")]
    NoArticle(ArticleId),
    #[error("the article has no enclosure {}{}", index + 1, match count {
        0 => " (it has none)".to_string(),
        n => format!(" (it has {n})"),
    })]
    NoEnclosure { index: usize, count: usize },
    #[error("no download directory: set download_dir in the config file")]
    NoDownloadDir,
    #[error("this enclosure is already being downloaded")]
    AlreadyQueued,
    #[error("{0}")]
    Download(DownloadError),
    #[error("could not read the store: {0}")]
    Store(String),
    /// The download task panicked (a bug, reported rather than swallowed).
    #[error("the download crashed: {0}")]
    Crashed(String),
}

/// A finished (or already present) download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadDone {
    pub path: PathBuf,
    pub bytes: u64,
    /// Bytes a `.part` from an earlier try already held.
    pub resumed_from: u64,
    /// The file was downloaded before and is still there: nothing was fetched.
    pub already: bool,
}

/// What a download job needs from the engine.
#[derive(Clone)]
pub(super) struct JobContext {
    pub config: Arc<Config>,
    pub fetcher: Fetcher,
    pub reader: Arc<Mutex<Store>>,
    pub writer: Writer,
    pub events: UnboundedSender<Event>,
}

/// Runs one download to its end, sending `Event::DownloadProgress` on the way; the caller
/// sends the finishing event.
pub(super) async fn run_job(
    ctx: JobContext,
    id: ArticleId,
    index: usize,
) -> Result<DownloadDone, EnclosureError> {
    let (feed, enclosures) = {
        let reader = ctx.reader.clone();
        let writer = ctx.writer.clone();
        tokio::task::spawn_blocking(move || {
            // The article may still be in the writer's queue (a refresh just brought it).
            writer.flush();
            let store = reader
                .lock()
                .map_err(|_| EnclosureError::Store("a reader crashed".into()))?;
            let feed = store
                .article_feed(id)
                .map_err(|e| EnclosureError::Store(e.to_string()))?
                .ok_or(EnclosureError::NoArticle(id))?;
            let enclosures = store
                .enclosures(id)
                .map_err(|e| EnclosureError::Store(e.to_string()))?;
            Ok::<_, EnclosureError>((feed, enclosures))
        })
        .await
        .map_err(|e| EnclosureError::Crashed(e.to_string()))??
    };
    let count = enclosures.len();
    let stored = enclosures
        .into_iter()
        .find(|e| e.index == index)
        .ok_or(EnclosureError::NoEnclosure { index, count })?;
    if let Some(path) = stored.downloaded.as_ref().filter(|p| p.is_file()) {
        let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
        return Ok(DownloadDone {
            path: path.clone(),
            bytes,
            resumed_from: 0,
            already: true,
        });
    }
    let location = ctx.config.feed(feed).map(|f| &f.location);
    let source = DownloadSource::for_enclosure(&stored.enclosure.url, location)
        .map_err(EnclosureError::Download)?;
    let dir = ctx
        .config
        .download_dir()
        .ok_or(EnclosureError::NoDownloadDir)?;
    let request = DownloadRequest {
        source: &source,
        url: &stored.enclosure.url,
        mime: stored.enclosure.mime.as_deref(),
        dir: &dir,
        max_size: ctx.config.max_download_size,
    };
    let events = ctx.events.clone();
    let mut last: Option<Instant> = None;
    let mut report = move |done: u64, total: Option<u64>| {
        let total = total.or(stored.enclosure.length);
        let finished = total == Some(done);
        if finished || last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
            last = Some(Instant::now());
            let _ = events.send(Event::DownloadProgress {
                id,
                index,
                done,
                total,
            });
        }
    };
    let got = ctx
        .fetcher
        .download(&request, &mut report)
        .await
        .map_err(EnclosureError::Download)?;
    ctx.writer.send(WriteOp::SetDownloaded {
        id,
        index,
        path: Some(got.path.clone()),
    });
    Ok(DownloadDone {
        path: got.path,
        bytes: got.bytes,
        resumed_from: got.resumed_from,
        already: false,
    })
}
