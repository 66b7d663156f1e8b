//! Full-article text: an article's web page, fetched under the fetcher's global and per-host
//! limits and reduced to its main content, for on-demand requests (`f`) and for the refresh's
//! prefetch of `full_text = true` feeds. Extraction runs on a blocking thread; nothing here
//! touches the terminal.

use std::sync::{Arc, Mutex};

use crate::fetch::{FetchFailure, Fetcher};
use crate::model::{ArticleBody, ArticleId, BodyKind};
use crate::readability::{self, ReadabilityError};
use crate::store::{Store, WriteOp, Writer};

/// Why an article's full text could not be had. Displayed without a prefix: the front end
/// says what failed ("full article failed: HTTP 404 Not Found").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FullTextError {
    /// The article's link is not an http(s) URL (a `file:` or `mailto:` link...).
    #[error("{url} is not a web address")]
    NotAWebAddress { url: String },
    /// The page could not be fetched (network, HTTP status, size, not a web page...).
    #[error("{0}")]
    Fetch(FetchFailure),
    /// The page was fetched but holds no article the extractor recognises.
    #[error("{0}")]
    Extract(ReadabilityError),
    /// The extraction thread panicked (a bug, reported rather than swallowed).
    #[error("extraction crashed: {0}")]
    Crashed(String),
}

/// Whether `url` is something the fetcher may ask for a page.
pub fn is_web_address(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// Fetches the page at `url` and extracts its article as HTML.
pub async fn fetch_article(fetcher: &Fetcher, url: &str) -> Result<String, FullTextError> {
    if !is_web_address(url) {
        return Err(FullTextError::NotAWebAddress {
            url: url.to_string(),
        });
    }
    let page = fetcher
        .fetch_page(url)
        .await
        .map_err(FullTextError::Fetch)?;
    let page_url = url.to_string();
    tokio::task::spawn_blocking(move || readability::extract(&page, &page_url))
        .await
        .map_err(|e| FullTextError::Crashed(e.to_string()))?
        .map_err(FullTextError::Extract)
}

/// The article's full text: from the store's cache, else fetched, extracted and cached.
pub async fn full_text(
    id: ArticleId,
    url: &str,
    reader: Arc<Mutex<Store>>,
    writer: &Writer,
    fetcher: &Fetcher,
) -> Result<ArticleBody, FullTextError> {
    let cached = {
        let writer = writer.clone();
        tokio::task::spawn_blocking(move || {
            // A prefetch of this article may still be in the writer's queue.
            writer.flush();
            reader
                .lock()
                .ok()
                .and_then(|s| s.full_text(id).ok().flatten())
        })
        .await
        .ok()
        .flatten()
    };
    let html = match cached {
        Some(html) => html,
        None => {
            let html = fetch_article(fetcher, url).await?;
            writer.send(WriteOp::SaveFullText(id, html.clone()));
            html
        }
    };
    Ok(ArticleBody {
        kind: BodyKind::Html,
        content: html,
    })
}

/// Fetches and saves the full text of a new article; the result is only for counting.
pub async fn prefetch(
    fetcher: &Fetcher,
    writer: &Writer,
    id: ArticleId,
    url: &str,
) -> Result<(), FullTextError> {
    let html = fetch_article(fetcher, url).await?;
    writer.send(WriteOp::SaveFullText(id, html));
    Ok(())
}
