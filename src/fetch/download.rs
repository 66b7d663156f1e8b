//! Downloading an enclosure to a file: streamed to `<name>.<hash>.part` in the download dir,
//! resumed with HTTP Range from the part's length (a server that answers 200 instead of 206
//! starts it over), then renamed to a free name (`episode.mp3`, else `episode-2.mp3`...).
//! The politeness of feed fetches applies (a per-host slot and a global slot for the whole
//! transfer, the connect timeout, `timeout` for the answer and for each stall of the body);
//! the feeds' body cap does not, `max_download_size` does. The enclosure of a local feed (the
//! demo's) is copied the same way. File names come from the url, sanitised: never a path
//! separator, never a leading dot, so a download always lands directly in the download dir.
//! Never touches the store.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use reqwest::header;
use reqwest::{StatusCode, Url};

use crate::config::{percent_decode, FeedLocation};
use crate::model::{fnv1a64, ErrorKind};

use super::client::{check_scheme, text};
use super::error::FetchFailure;
use super::Fetcher;

/// Where an enclosure comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownloadSource {
    /// An http(s) url.
    Http(String),
    /// A file next to a local feed (a relative enclosure of a feed read from disk).
    File(PathBuf),
}

impl DownloadSource {
    /// The source of enclosure `url` of a feed at `feed`: an http(s) url as it is; for a
    /// feed read from a local file, a relative path (or a `file://` url) that stays inside
    /// the feed file's directory. Anything else (a remote feed naming a local file, `..`)
    /// is refused.
    pub fn for_enclosure(
        url: &str,
        feed: Option<&FeedLocation>,
    ) -> Result<DownloadSource, DownloadError> {
        let trimmed = url.trim();
        let lower = trimmed.get(..8).unwrap_or(trimmed).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return Ok(DownloadSource::Http(trimmed.to_string()));
        }
        let refused = || DownloadError::NotDownloadable {
            url: url.to_string(),
        };
        let Some(FeedLocation::File(feed_file)) = feed else {
            return Err(refused());
        };
        let dir = feed_file.parent().ok_or_else(refused)?;
        local_enclosure(trimmed, dir)
            .map(DownloadSource::File)
            .ok_or_else(refused)
    }
}

/// `rel` (a relative path or a `file://` url) as a file inside `dir`, judged by the path's
/// text alone (no disk access: the UI calls this on a key press).
pub fn local_enclosure(rel: &str, dir: &Path) -> Option<PathBuf> {
    let path = if rel
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("file://"))
    {
        Url::parse(rel).ok()?.to_file_path().ok()?
    } else if rel.contains("://") || rel.starts_with('/') || rel.is_empty() {
        return None;
    } else {
        dir.join(rel)
    };
    let clean = path.components().all(|c| {
        matches!(
            c,
            Component::Normal(_) | Component::RootDir | Component::CurDir
        )
    });
    (clean && path.starts_with(dir) && path != dir).then_some(path)
}

/// Why a download failed. Plain data, so that it travels in engine events.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    /// The network or the server: refused, timed out, HTTP status, larger than allowed.
    #[error("{0}")]
    Fetch(FetchFailure),
    /// The download dir or the file could not be written (or a local source read).
    #[error("could not {action} {}: {message}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        message: String,
    },
    /// The body ended before the length the server announced (the part is kept for a resume).
    #[error("the connection closed after {got} of {want} bytes (try again to resume)")]
    Incomplete { got: u64, want: u64 },
    /// Not an http(s) url, nor a file next to the local feed that names it.
    #[error("{url} is neither a web address nor a file next to its local feed")]
    NotDownloadable { url: String },
}

impl DownloadError {
    fn io(action: &'static str, path: &Path, e: std::io::Error) -> DownloadError {
        DownloadError::Io {
            action,
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// One download: what, from where, to which directory, up to what size.
#[derive(Clone, Debug)]
pub struct DownloadRequest<'a> {
    pub source: &'a DownloadSource,
    /// The enclosure's url as the feed gives it: names the file and its `.part`.
    pub url: &'a str,
    /// The enclosure's type, for an extension when the url has none.
    pub mime: Option<&'a str>,
    pub dir: &'a Path,
    /// `max_download_size`.
    pub max_size: u64,
}

/// A finished download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downloaded {
    pub path: PathBuf,
    pub bytes: u64,
    /// Bytes a `.part` already held and that were kept (0 for a fresh start).
    pub resumed_from: u64,
}

/// Bytes written so far and the size when known; reported after every chunk.
pub type ProgressFn<'a> = dyn FnMut(u64, Option<u64>) + Send + 'a;

/// Bytes read from a local source per step.
const COPY_CHUNK: usize = 256 * 1024;

impl Fetcher {
    /// Downloads `req` into its directory (created if needed) and returns the file. A
    /// `.part` left by an interrupted download of the same url is resumed. Cancelling (dropping
    /// the future) leaves the `.part` for the next try.
    pub async fn download(
        &self,
        req: &DownloadRequest<'_>,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Downloaded, DownloadError> {
        fs::create_dir_all(req.dir)
            .map_err(|e| DownloadError::io("create the download dir", req.dir, e))?;
        let name = file_name(req.url, req.mime);
        let part = part_path(req.dir, req.url, &name);
        let (bytes, resumed_from) = match req.source {
            DownloadSource::Http(url) => self.fetch_to(url, &part, req.max_size, progress).await?,
            DownloadSource::File(src) => {
                let _slot = self.global_slot().await;
                copy_to(src, &part, req.max_size, progress).await?
            }
        };
        let path = free_path(req.dir, &name);
        fs::rename(&part, &path).map_err(|e| DownloadError::io("rename", &part, e))?;
        Ok(Downloaded {
            path,
            bytes,
            resumed_from,
        })
    }

    /// Streams `url` into `part`, resuming from its length. Returns (size, bytes kept).
    async fn fetch_to(
        &self,
        url: &str,
        part: &Path,
        max: u64,
        progress: &mut ProgressFn<'_>,
    ) -> Result<(u64, u64), DownloadError> {
        let fail = DownloadError::Fetch;
        let start_url = Url::parse(url.trim()).map_err(|e| {
            fail(FetchFailure::new(
                ErrorKind::Other,
                format!("invalid URL {url:?}: {e}"),
            ))
        })?;
        check_scheme(&start_url).map_err(fail)?;
        let limits = self.limits().clone();
        // One restart without Range when the server's answer does not fit the part.
        let mut restarted = false;
        'attempt: loop {
            let have = fs::metadata(part).map_or(0, |m| m.len());
            let mut url = start_url.clone();
            let mut seen = HashSet::from([url.to_string()]);
            loop {
                let _slots = self.slots(&url).await;
                let mut request = self
                    .http()
                    .get(url.clone())
                    .header(header::ACCEPT, "*/*")
                    // Byte ranges of the file itself, never of a compressed rendition.
                    .header(header::ACCEPT_ENCODING, "identity");
                if have > 0 {
                    request = request.header(header::RANGE, format!("bytes={have}-"));
                }
                let mut response = match tokio::time::timeout(limits.timeout, request.send()).await
                {
                    Ok(Ok(r)) => r,
                    Ok(Err(e)) => return Err(fail(self.failure(&e, &url))),
                    Err(_) => return Err(fail(FetchFailure::timeout(limits.timeout))),
                };
                let status = response.status();
                let headers = response.headers();
                if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                    let to = text(headers, header::LOCATION)
                        .and_then(|loc| url.join(loc.trim()).ok())
                        .ok_or_else(|| {
                            let mut f = FetchFailure::http_status(status.as_u16(), None);
                            f.message.push_str(" without a valid Location");
                            fail(f)
                        })?;
                    check_scheme(&to).map_err(fail)?;
                    if !seen.insert(to.to_string()) || seen.len() > limits.max_redirects + 1 {
                        return Err(fail(FetchFailure::new(
                            ErrorKind::TooManyRedirects,
                            format!("redirect loop or too many redirects (last to {to})"),
                        )));
                    }
                    url = to;
                    continue;
                }
                let (from, total) = match status {
                    StatusCode::PARTIAL_CONTENT if have > 0 => {
                        match content_range(text(headers, header::CONTENT_RANGE)) {
                            Some((start, total)) if start == have => (have, total),
                            // A range that is not the one asked for: start over, once.
                            _ if !restarted => {
                                restarted = true;
                                truncate(part)?;
                                continue 'attempt;
                            }
                            _ => {
                                return Err(fail(FetchFailure::new(
                                    ErrorKind::Other,
                                    "the server answered a different byte range than asked",
                                )))
                            }
                        }
                    }
                    StatusCode::RANGE_NOT_SATISFIABLE if have > 0 => {
                        // The part may already hold the whole file.
                        let total = text(headers, header::CONTENT_RANGE)
                            .and_then(|v| v.trim().strip_prefix("bytes */"))
                            .and_then(|n| n.trim().parse::<u64>().ok());
                        if total == Some(have) {
                            progress(have, Some(have));
                            return Ok((have, have));
                        }
                        if restarted {
                            return Err(fail(FetchFailure::http_status(416, None)));
                        }
                        restarted = true;
                        truncate(part)?;
                        continue 'attempt;
                    }
                    s if s.is_success() => (0, response.content_length()),
                    s => return Err(fail(FetchFailure::http_status(s.as_u16(), None))),
                };
                if total.is_some_and(|t| t > max) {
                    let _ = fs::remove_file(part);
                    return Err(fail(FetchFailure::too_large(max)));
                }
                let file = if from > 0 {
                    OpenOptions::new().append(true).open(part)
                } else {
                    File::create(part)
                };
                let file = file.map_err(|e| DownloadError::io("write", part, e))?;
                let mut out = BufWriter::with_capacity(COPY_CHUNK, file);
                let mut done = from;
                progress(done, total);
                loop {
                    let chunk = match tokio::time::timeout(limits.timeout, response.chunk()).await {
                        Ok(Ok(Some(chunk))) => chunk,
                        Ok(Ok(None)) => break,
                        Ok(Err(e)) => {
                            // What arrived is kept for a resume.
                            let _ = out.flush();
                            return Err(match total {
                                Some(want) if done < want => {
                                    DownloadError::Incomplete { got: done, want }
                                }
                                _ => fail(self.failure(&e, &url)),
                            });
                        }
                        Err(_) => {
                            let _ = out.flush();
                            return Err(fail(FetchFailure::timeout(limits.timeout)));
                        }
                    };
                    done += chunk.len() as u64;
                    if done > max {
                        drop(out);
                        let _ = fs::remove_file(part);
                        return Err(fail(FetchFailure::too_large(max)));
                    }
                    out.write_all(&chunk)
                        .map_err(|e| DownloadError::io("write", part, e))?;
                    progress(done, total);
                }
                finish(out, part)?;
                if let Some(want) = total.filter(|&want| done < want) {
                    return Err(DownloadError::Incomplete { got: done, want });
                }
                return Ok((done, from));
            }
        }
    }
}

/// Copies a local file into `part`, resuming from its length.
async fn copy_to(
    src: &Path,
    part: &Path,
    max: u64,
    progress: &mut ProgressFn<'_>,
) -> Result<(u64, u64), DownloadError> {
    let mut input = File::open(src).map_err(|e| DownloadError::io("read", src, e))?;
    let total = input
        .metadata()
        .map_err(|e| DownloadError::io("read", src, e))?
        .len();
    if total > max {
        return Err(DownloadError::Fetch(FetchFailure::too_large(max)));
    }
    let have = fs::metadata(part).map_or(0, |m| m.len());
    let from = if have <= total { have } else { 0 };
    let file = if from > 0 {
        input
            .seek(SeekFrom::Start(from))
            .map_err(|e| DownloadError::io("read", src, e))?;
        OpenOptions::new().append(true).open(part)
    } else {
        File::create(part)
    };
    let mut out = BufWriter::with_capacity(
        COPY_CHUNK,
        file.map_err(|e| DownloadError::io("write", part, e))?,
    );
    let mut buf = vec![0u8; COPY_CHUNK];
    let mut done = from;
    progress(done, Some(total));
    loop {
        let n = input
            .read(&mut buf)
            .map_err(|e| DownloadError::io("read", src, e))?;
        if n == 0 {
            break;
        }
        done += n as u64;
        out.write_all(&buf[..n])
            .map_err(|e| DownloadError::io("write", part, e))?;
        progress(done, Some(total));
        // Local reads are quick; let other tasks run between chunks of a big file.
        tokio::task::yield_now().await;
    }
    finish(out, part)?;
    Ok((done, from))
}

/// Flushes and syncs the part before it is renamed into place.
fn finish(out: BufWriter<File>, part: &Path) -> Result<(), DownloadError> {
    let file = out
        .into_inner()
        .map_err(|e| DownloadError::io("write", part, e.into_error()))?;
    file.sync_all()
        .map_err(|e| DownloadError::io("write", part, e))
}

fn truncate(part: &Path) -> Result<(), DownloadError> {
    match fs::remove_file(part) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(DownloadError::io("remove", part, e)),
    }
}

/// `bytes START-END/TOTAL` (TOTAL may be `*`): the start and the total, when given.
fn content_range(value: Option<&str>) -> Option<(u64, Option<u64>)> {
    let rest = value?.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    let total = match total.trim() {
        "*" => None,
        n => Some(n.parse().ok()?),
    };
    Some((start.trim().parse().ok()?, total))
}

/// The most a file name keeps (in characters), extension included.
const MAX_NAME: usize = 120;

/// The file name for an enclosure: the url path's last segment, percent-decoded, with every
/// character that is not a letter, digit, space or one of `.-_+,()[]` replaced by `_`,
/// without leading or trailing dots or spaces, at most 120 characters, given an extension
/// from `mime` when it has none. Never empty, never a path.
pub fn file_name(url: &str, mime: Option<&str>) -> String {
    let segment = match Url::parse(url.trim()) {
        Ok(u) if u.scheme() == "file" => u
            .to_file_path()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default(),
        Ok(u) => u
            .path_segments()
            .and_then(|mut s| s.rfind(|s| !s.is_empty()))
            .map(percent_decode)
            .unwrap_or_default(),
        // A relative path of a local feed.
        Err(_) => url.rsplit(['/', '\\']).next().unwrap_or("").to_string(),
    };
    let cleaned: String = segment
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " .-_+,()[]".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut name = cleaned.trim_matches(['.', ' ']).to_string();
    if name.is_empty() {
        name = "enclosure".to_string();
    }
    let has_extension = name
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && (1..=5).contains(&ext.len()));
    if !has_extension {
        if let Some(ext) = mime.and_then(extension_for) {
            name = format!("{name}.{ext}");
        }
    }
    shorten(&name)
}

/// Keeps the name within `MAX_NAME` characters, extension kept.
fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_NAME {
        return name.to_string();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 5 => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    let keep = MAX_NAME - ext.chars().count();
    let stem: String = stem.chars().take(keep).collect();
    format!("{}{ext}", stem.trim_end_matches(['.', ' ']))
}

/// A file extension for common enclosure types.
fn extension_for(mime: &str) -> Option<&'static str> {
    let mime = mime.split(';').next()?.trim().to_ascii_lowercase();
    Some(match mime.as_str() {
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/mp4" | "audio/x-m4a" | "audio/m4a" => "m4a",
        "audio/aac" => "aac",
        "audio/ogg" | "application/ogg" => "ogg",
        "audio/opus" => "opus",
        "audio/flac" | "audio/x-flac" => "flac",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        "video/quicktime" => "mov",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "application/pdf" => "pdf",
        _ => return None,
    })
}

/// The partial file of `url`'s download: the file name plus a hash of the url, so that two
/// enclosures with the same file name never resume each other's bytes.
pub fn part_path(dir: &Path, url: &str, name: &str) -> PathBuf {
    let hash = fnv1a64(&[url.trim().as_bytes()]) as u32;
    dir.join(format!("{name}.{hash:08x}.part"))
}

/// `dir/name`, or `dir/stem-2.ext`, `dir/stem-3.ext`... whichever does not exist yet.
pub fn free_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    (2..)
        .map(|n| dir.join(format!("{stem}-{n}{ext}")))
        .find(|p| !p.exists())
        .expect("some suffix is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_url_path_and_never_escape_the_dir() {
        let name = |u: &str| file_name(u, None);
        assert_eq!(
            name("https://cdn.example.org/shows/ep%2042.mp3?x=1"),
            "ep 42.mp3"
        );
        assert_eq!(name("https://e.org/a/b/"), "b");
        // `..` segments are resolved away by the URL standard; encoded ones are not, and
        // their separators and leading dots are neutralised.
        assert_eq!(name("https://e.org/x/../../etc/passwd"), "passwd");
        let evil = name("https://e.org/..%2F..%2Fetc%2Fpasswd");
        assert!(!evil.contains('/') && !evil.starts_with('.'), "{evil}");
        assert_eq!(evil, "_.._etc_passwd");
        assert_eq!(name("https://e.org/%2e%2e"), "enclosure");
        assert_eq!(name("https://e.org/.hidden.mp3"), "hidden.mp3");
        assert_eq!(name("https://e.org/a%5Cb%3A%00c.mp3"), "a_b__c.mp3");
        assert_eq!(name("https://e.org/"), "enclosure");
        assert_eq!(
            file_name("https://e.org/feed/42", Some("audio/mpeg")),
            "42.mp3"
        );
        assert_eq!(
            file_name("https://e.org/", Some("audio/x-m4a")),
            "enclosure.m4a"
        );
        assert_eq!(name("episode-1.wav"), "episode-1.wav");
        assert_eq!(name("../secret.wav"), "secret.wav");
        let long = name(&format!("https://e.org/{}.mp3", "a".repeat(300)));
        assert_eq!(long.chars().count(), MAX_NAME);
        assert!(long.ends_with(".mp3"));
    }

    #[test]
    fn collisions_get_a_suffix_and_parts_are_per_url() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_path(dir.path(), "ep.mp3"), dir.path().join("ep.mp3"));
        fs::write(dir.path().join("ep.mp3"), b"x").unwrap();
        assert_eq!(free_path(dir.path(), "ep.mp3"), dir.path().join("ep-2.mp3"));
        fs::write(dir.path().join("ep-2.mp3"), b"x").unwrap();
        assert_eq!(free_path(dir.path(), "ep.mp3"), dir.path().join("ep-3.mp3"));
        fs::write(dir.path().join("README"), b"x").unwrap();
        assert_eq!(free_path(dir.path(), "README"), dir.path().join("README-2"));
        let a = part_path(dir.path(), "https://a.org/ep.mp3", "ep.mp3");
        let b = part_path(dir.path(), "https://b.org/ep.mp3", "ep.mp3");
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(dir.path()));
        assert!(a.to_string_lossy().ends_with(".part"));
    }

    #[test]
    fn content_ranges() {
        assert_eq!(
            content_range(Some("bytes 100-199/200")),
            Some((100, Some(200)))
        );
        assert_eq!(content_range(Some("bytes 5-9/*")), Some((5, None)));
        assert_eq!(content_range(Some("bytes */200")), None);
        assert_eq!(content_range(None), None);
    }

    #[test]
    fn local_enclosures_stay_next_to_their_feed() {
        let dir = Path::new("/tmp/demo");
        let feed = FeedLocation::File(dir.join("podcast.xml"));
        assert_eq!(
            DownloadSource::for_enclosure("episode-1.wav", Some(&feed)),
            Ok(DownloadSource::File(dir.join("episode-1.wav")))
        );
        assert_eq!(
            DownloadSource::for_enclosure("file:///tmp/demo/media/a.ogg", Some(&feed)),
            Ok(DownloadSource::File(dir.join("media/a.ogg")))
        );
        for bad in [
            "../x.wav",
            "/etc/passwd",
            "file:///etc/passwd",
            "a/../../x",
            "ftp://h/x",
        ] {
            assert!(
                DownloadSource::for_enclosure(bad, Some(&feed)).is_err(),
                "{bad}"
            );
        }
        // A remote feed never names a local file.
        let remote = FeedLocation::Http("https://e.org/feed".into());
        assert!(DownloadSource::for_enclosure("episode-1.wav", Some(&remote)).is_err());
        assert_eq!(
            DownloadSource::for_enclosure("HTTPS://e.org/a.mp3", None),
            Ok(DownloadSource::Http("HTTPS://e.org/a.mp3".into()))
        );
    }
}
