//! The barest client, run as a child of the harness (`--internal-fetch FILE`): plain HTTP/1.1
//! GETs on keep-alive connections to the corpus server, each body read by its Content-Length
//! and dropped, on one thread. No client can do less per request, so what it costs is the
//! floor under curl and under tidings: the requests' work in the kernel and in the server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Fetches every URL of `list` (one per line, all `http://127.0.0.1:PORT/...`) over
/// `parallel` connections; returns how many answered 200, or what went wrong.
pub fn fetch_all(list: &str, parallel: usize) -> Result<usize, String> {
    let urls: Vec<(String, String)> = list
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(split_url)
        .collect::<Result<_, _>>()?;
    let Some((authority, _)) = urls.first().cloned() else {
        return Ok(0);
    };
    if let Some((other, _)) = urls.iter().find(|(a, _)| *a != authority) {
        return Err(format!(
            "every URL must be on one server: {authority} and {other}"
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| format!("could not start the runtime: {e}"))?;
    let urls = Arc::new(urls);
    let next = Arc::new(AtomicUsize::new(0));
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..parallel.clamp(1, urls.len()) {
            let (urls, next) = (Arc::clone(&urls), Arc::clone(&next));
            tasks.spawn(async move { connection(&urls, &next).await });
        }
        let mut ok = 0;
        while let Some(done) = tasks.join_next().await {
            ok += done.map_err(|e| format!("a connection task failed: {e}"))??;
        }
        Ok(ok)
    })
}

/// `http://HOST:PORT/PATH` -> (`HOST:PORT`, `/PATH`).
fn split_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .trim()
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http:// URL: {url}"))?;
    let slash = rest.find('/').unwrap_or(rest.len());
    let path = if slash == rest.len() {
        "/"
    } else {
        &rest[slash..]
    };
    Ok((rest[..slash].to_string(), path.to_string()))
}

/// One keep-alive connection taking URLs from the shared list until none is left.
async fn connection(urls: &[(String, String)], next: &AtomicUsize) -> Result<usize, String> {
    let authority = &urls[0].0;
    let mut stream = TcpStream::connect(authority.as_str())
        .await
        .map_err(|e| format!("could not connect to {authority}: {e}"))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut ok = 0;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some((_, path)) = urls.get(i) else {
            return Ok(ok);
        };
        let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("could not send GET {path}: {e}"))?;
        let (status, body_left) = read_head(&mut stream, &mut buf, path).await?;
        let mut left = body_left;
        while left > 0 {
            let want = left.min(buf.len());
            let n = stream
                .read(&mut buf[..want])
                .await
                .map_err(|e| format!("could not read the body of {path}: {e}"))?;
            if n == 0 {
                return Err(format!("the server closed the connection inside {path}"));
            }
            left -= n;
        }
        if status == 200 {
            ok += 1;
        }
    }
}

/// Reads a response head; returns its status and how many body bytes are still to read
/// (the head's read may already hold the start of the body).
async fn read_head(
    stream: &mut TcpStream,
    buf: &mut [u8],
    path: &str,
) -> Result<(u16, usize), String> {
    let mut filled = 0;
    loop {
        let n = stream
            .read(&mut buf[filled..])
            .await
            .map_err(|e| format!("could not read the answer to {path}: {e}"))?;
        if n == 0 {
            return Err(format!(
                "the server closed the connection before answering {path}"
            ));
        }
        filled += n;
        if let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end])
                .map_err(|_| format!("the answer to {path} has a head that is not UTF-8"))?;
            let (status, length) = parse_head(head)
                .ok_or_else(|| format!("could not read the answer to {path}: {head:?}"))?;
            let already = filled - (end + 4);
            return Ok((status, length.saturating_sub(already)));
        }
        if filled == buf.len() {
            return Err(format!("the head of the answer to {path} is over 64 KiB"));
        }
    }
}

/// Status and Content-Length (0 when absent: a 304 has no body) of a response head.
fn parse_head(head: &str) -> Option<(u16, usize)> {
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut length = 0;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().ok()?;
        }
    }
    Some((status, length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_and_urls() {
        assert_eq!(
            parse_head("HTTP/1.1 200 OK\r\nContent-Type: x\r\ncontent-length: 42"),
            Some((200, 42))
        );
        assert_eq!(
            parse_head("HTTP/1.1 304 Not Modified\r\nETag: \"a\""),
            Some((304, 0))
        );
        assert_eq!(parse_head("garbage"), None);
        assert_eq!(
            split_url("http://127.0.0.1:8080/feeds/1.rss"),
            Ok(("127.0.0.1:8080".into(), "/feeds/1.rss".into()))
        );
        assert!(split_url("https://example.org/").is_err());
    }

    #[test]
    fn fetches_every_url_from_the_corpus_server() {
        use crate::corpus::{feed_doc, feed_path};
        let server =
            crate::server::Server::start((0..20).map(|i| feed_doc(1, i, 3)).collect()).unwrap();
        let url = |path: &str| format!("http://{}{path}\n", server.addr);
        let list: String = (0..20).map(|i| url(&feed_path(i))).collect();
        assert_eq!(fetch_all(&list, 4), Ok(20));
        let s = server.stats.snapshot();
        assert_eq!((s.ok, s.connections), (20, 4));
        // A 404 is read (its empty body too) and not counted.
        assert_eq!(fetch_all(&url("/feeds/none.rss"), 4), Ok(0));
    }
}
