//! Full-article extraction: finds the main content of a fetched web page with dom_smoothie
//! (a port of Mozilla Readability) and returns it as HTML for the cleaner. No network access
//! here (the fetcher brings the page) and no rendering (the cleaner does that).

use dom_smoothie::{Config, Readability};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadabilityError {
    #[error("no article text found on the page; open it in the browser with `o` instead")]
    NoArticle,
    #[error(
        "the page is too large to extract ({found} elements, limit {limit}); open it in the browser with `o` instead"
    )]
    TooLarge { found: usize, limit: usize },
}

/// Pages with more elements than this are not analysed (keeps extraction fast and bounded).
const MAX_ELEMENTS: usize = 40_000;

/// Extracts the main article of `html` (a whole page) and returns its HTML. `url` is the
/// page's address: relative links and images in the result are made absolute against it.
/// An invalid `url` is ignored rather than failing the extraction.
pub fn extract(html: &str, url: &str) -> Result<String, ReadabilityError> {
    let cfg = || Config {
        max_elements_to_parse: MAX_ELEMENTS,
        ..Config::default()
    };
    let mut readability = match Readability::new(html, Some(url), Some(cfg())) {
        Ok(r) => r,
        // Only a non-absolute document URL is rejected here; extract without one.
        Err(_) => {
            Readability::new(html, None, Some(cfg())).map_err(|_| ReadabilityError::NoArticle)?
        }
    };
    match readability.parse() {
        Ok(article) => {
            let content = article.content.to_string();
            if article.text_content.trim().is_empty() {
                Err(ReadabilityError::NoArticle)
            } else {
                Ok(content)
            }
        }
        Err(dom_smoothie::ReadabilityError::TooManyElements(found, limit)) => {
            Err(ReadabilityError::TooLarge { found, limit })
        }
        Err(_) => Err(ReadabilityError::NoArticle),
    }
}
