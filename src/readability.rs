//! Full-article extraction: finds the main content of a fetched web page with dom_smoothie
//! (a port of Mozilla Readability) and returns it as HTML for the cleaner. Before that, page
//! furniture that sites put inside their article element (bylines, share bars, newsletter
//! and paywall boxes, "related" links, cookie notices, wiki edit links) is taken out by its
//! class or id. No network access here (the fetcher brings the page) and no rendering (the
//! cleaner does that).

use dom_query::{Document, NodeRef, Selection};
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

/// An extract with less text than this outside links is navigation, not an article.
const MIN_ARTICLE_CHARS: usize = 80;

/// Extracts the main article of `html` (a whole page) and returns its HTML. `url` is the
/// page's address: relative links and images in the result are made absolute against it.
/// An invalid `url` is ignored rather than failing the extraction.
pub fn extract(html: &str, url: &str) -> Result<String, ReadabilityError> {
    let cfg = || Config {
        max_elements_to_parse: MAX_ELEMENTS,
        ..Config::default()
    };
    let page = || {
        let document = Document::from(html);
        remove_furniture(&document);
        document
    };
    let mut readability = match Readability::with_document(page(), Some(url), Some(cfg())) {
        Ok(r) => r,
        // Only a non-absolute document URL is rejected here; extract without one.
        Err(_) => Readability::with_document(page(), None, Some(cfg()))
            .map_err(|_| ReadabilityError::NoArticle)?,
    };
    match readability.parse() {
        Ok(article) => {
            let content = article.content.to_string();
            if text_outside_links(&content) < MIN_ARTICLE_CHARS {
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

/// Characters of text in `html` that are not inside a link (whitespace not counted).
fn text_outside_links(html: &str) -> usize {
    let document = Document::from(html);
    let count = |text: &str| text.chars().filter(|c| !c.is_whitespace()).count();
    let all = count(&document.select("body").text());
    let links = count(&document.select("a").text());
    all.saturating_sub(links)
}

/// Class or id parts (a class token split at `-` and `_`) that name page furniture.
/// Matched as whole parts: `share-bar`, `post_meta`, `Article-related`, `Review_byline__f6`.
const FURNITURE_PARTS: &[&str] = &[
    // Who wrote it and when: the reader's header already says so.
    "byline",
    "dateline",
    "meta",
    "kicker",
    "eyebrow",
    // Sharing and reactions.
    "share",
    "sharing",
    "sharebar",
    "social",
    "ufi",
    // Selling: newsletters, subscriptions, paywalls, promotions, affiliate notes.
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "paywall",
    "cta",
    "promo",
    "disclosure",
    "affiliate",
    // Elsewhere on the site.
    "related",
    "recommended",
    "explore",
    "navbox",
    "editsection",
    "noprint",
    // Consent notices.
    "consent",
    "cookie",
    "cookies",
    "gdpr",
    "cmp",
    // About the author, after the article.
    "bio",
];

/// Class and id words that contain a furniture word without a separator (`sharedaddy`,
/// `newsletterbox`, `paywallOverlay`): matched as substrings of the lower-cased token.
const FURNITURE_SUBSTRINGS: &[&str] = &[
    "sharedaddy",
    "newsletter",
    "paywall",
    "subscribe",
    "byline",
    "editsection",
    "authorbox",
    "author-box",
    "author-bio",
    "call-to-action",
];

/// Class and id parts that name a discussion under the article: replies can outweigh a
/// short article, so these go whatever their size, as long as paragraphs remain outside.
const DISCUSSION_PARTS: &[&str] = &[
    "comment",
    "comments",
    "discussion",
    "thread",
    "reply",
    "replies",
    "responses",
];

/// No single furniture removal may take more than this share of the page's text: a match
/// on the element that holds the article itself (a WordPress `tag-newsletter` class...) is
/// a coincidence, not furniture.
const MAX_SHARE_OF_PAGE: f64 = 0.3;

/// A discussion is removed only if at least this much paragraph text (`<p>`, in
/// characters) remains outside it: on a page that is all discussion (a forum thread), the
/// discussion is the article.
const MIN_TEXT_BESIDE_DISCUSSION: usize = 300;

/// What an element's class or id says it is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Furniture {
    /// Bylines, share bars, subscription boxes...: removed when small.
    Small,
    /// Comments and replies: removed when the article is elsewhere.
    Discussion,
}

/// Removes the elements whose class or id names page furniture (see [`FURNITURE_PARTS`]) or
/// a discussion (see [`DISCUSSION_PARTS`]), never one that holds an `<article>` or `<main>`.
fn remove_furniture(document: &Document) {
    let count = |text: &str| text.chars().filter(|c| !c.is_whitespace()).count();
    let Some(body) = document.select("body").nodes().first().cloned() else {
        return;
    };
    let page_chars = count(&body.text()).max(1);
    let p_chars = |node: &NodeRef| count(&Selection::from(*node).select("p").text());
    // Paragraph text left in the page, kept up to date as elements go.
    let mut paragraphs_left = count(&document.select("body p").text());
    let candidates: Vec<(NodeRef, Furniture)> = document
        .select("body [class], body [id]")
        .nodes()
        .iter()
        .filter(|node| {
            !["article", "main", "body", "html"]
                .iter()
                .any(|name| node.has_name(name))
        })
        .filter_map(|node| furniture_kind(node).map(|kind| (*node, kind)))
        .collect();
    for (node, kind) in candidates {
        // Inside an element removed before (candidates come in document order).
        let attached = node.ancestors_it(None).any(|a| a.has_name("body"));
        let holds_article = || {
            node.descendants_it()
                .any(|d| d.has_name("article") || d.has_name("main"))
        };
        if !attached || holds_article() {
            continue;
        }
        let inside = p_chars(&node);
        let remove = match kind {
            Furniture::Small => count(&node.text()) as f64 <= MAX_SHARE_OF_PAGE * page_chars as f64,
            Furniture::Discussion => {
                paragraphs_left.saturating_sub(inside) >= MIN_TEXT_BESIDE_DISCUSSION
            }
        };
        if remove {
            paragraphs_left = paragraphs_left.saturating_sub(inside);
            node.remove_from_parent();
        }
    }
}

fn furniture_kind(node: &NodeRef) -> Option<Furniture> {
    if is_furniture(node) {
        Some(Furniture::Small)
    } else if class_parts(node).any(|part| DISCUSSION_PARTS.contains(&part.as_str())) {
        Some(Furniture::Discussion)
    } else {
        None
    }
}

/// The parts of the element's class tokens and id, lower-cased, split at `-` and `_`.
fn class_parts(node: &NodeRef) -> impl Iterator<Item = String> {
    let mut parts = Vec::new();
    for value in [node.attr("class"), node.attr("id")].into_iter().flatten() {
        for token in value.to_lowercase().split_ascii_whitespace() {
            if token.starts_with("tag-") || token.starts_with("category-") {
                continue;
            }
            parts.extend(token.split(['-', '_']).map(str::to_string));
        }
    }
    parts.into_iter()
}

fn is_furniture(node: &NodeRef) -> bool {
    class_parts(node).any(|part| FURNITURE_PARTS.contains(&part.as_str()))
        || [node.attr("class"), node.attr("id")]
            .into_iter()
            .flatten()
            .map(|value| value.to_lowercase())
            .any(|value| {
                value
                    .split_ascii_whitespace()
                    .filter(|t| !t.starts_with("tag-") && !t.starts_with("category-"))
                    .any(|token| FURNITURE_SUBSTRINGS.iter().any(|s| token.contains(s)))
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "<p>The harbour board met on Tuesday to agree the dredging schedule for \
        the coming season, after a winter in which the larger boats waited offshore for the \
        tide.</p><p>Skippers said the delays cost them fuel and the best prices at the morning \
        auction, and asked for a firm date in writing.</p>";

    fn page(article: &str) -> String {
        format!(
            "<!doctype html><html><head><title>t</title></head><body>\
             <nav><a href=\"/\">Home</a></nav><article>{article}</article>\
             <footer>Copyright</footer></body></html>"
        )
    }

    #[test]
    fn furniture_inside_the_article_is_removed() {
        let html = page(&format!(
            "<p class=\"story__meta\">By A. Writer · 3 March</p>\
             <div class=\"share-bar\"><a href=\"#\">Share on X</a></div>{STORY}\
             <p class=\"Article-related\"><b>Related:</b> <a href=\"/x\">Another story</a></p>\
             <div class=\"newsletterBox\"><p>Get our newsletter every morning.</p></div>\
             <div id=\"paywall\"><h2>Keep reading with a subscription</h2></div>"
        ));
        let out = extract(&html, "https://example.com/a").unwrap();
        assert!(out.contains("dredging schedule"), "{out}");
        for gone in [
            "By A. Writer",
            "Share on X",
            "Another story",
            "newsletter every",
            "Keep reading",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
    }

    #[test]
    fn the_article_itself_is_never_furniture() {
        // WordPress classes name the post's tags; a wrapper may carry an unlucky class.
        let html = format!(
            "<html><body><div class=\"post tag-newsletter category-share\">\
             <div class=\"entry-content related-wrapper\">{STORY}{STORY}</div></div></body></html>"
        );
        let out = extract(&html, "https://example.com/a").unwrap();
        assert!(out.contains("dredging schedule"), "{out}");
    }

    #[test]
    fn a_long_discussion_goes_but_a_page_of_discussion_stays() {
        let reply = |who: &str| {
            format!(
                "<div class=\"post reply\"><b>{who}</b><p>I tried this on my own plot for \
                 three winters running and the results were much the same each time, so I \
                 would not worry too much about the exact week you choose to do it.</p></div>"
            )
        };
        let replies: String = ["Ann", "Bo", "Cy", "Di", "Ed", "Flo"].map(reply).concat();
        let html = format!(
            "<html><body><div class=\"wrap\"><div class=\"post-text\">{STORY}</div>\
             <div class=\"thread\"><h2>Discussion</h2>{replies}</div></div></body></html>"
        );
        let out = extract(&html, "https://example.com/a").unwrap();
        assert!(out.contains("dredging schedule"), "{out}");
        assert!(!out.contains("three winters"), "{out}");
        // A forum thread with nothing else: the discussion is the article.
        let html = format!("<html><body><div class=\"thread\">{replies}</div></body></html>");
        let out = extract(&html, "https://example.com/t").unwrap();
        assert!(out.contains("three winters"), "{out}");
    }

    #[test]
    fn a_page_of_links_is_not_an_article() {
        let html = "<html><body><nav><a href=\"/\">Home</a> <a href=\"/a\">About us</a></nav>\
                    <p><a href=\"/b\">A headline that links elsewhere and is quite long</a></p></body></html>";
        assert_eq!(
            extract(html, "https://example.com/"),
            Err(ReadabilityError::NoArticle)
        );
    }
}
