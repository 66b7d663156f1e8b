//! Web pages the tests serve as articles' full text.

/// A page with one article among navigation and footer boilerplate: readability keeps the
/// three paragraphs ("orbital mechanics") and drops the rest ("Privacy policy").
pub const ARTICLE_PAGE: &str = r#"<!doctype html><html><head><title>Long read</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/subscribe">Subscribe</a></nav>
<article><h1>Long read</h1>
<p>The first paragraph of the full article explains why the feed only carried a summary, and
it goes on for long enough that a readability algorithm recognises it as the main content.</p>
<p>A second paragraph adds detail about orbital mechanics, launch windows and the patience
that planetary missions require from the people who plan them for years in advance.</p>
<p>The third paragraph closes the story with a quote from the mission team, thanking the
engineers who built the spacecraft and the operators who fly it every single day.</p>
</article>
<footer>Copyright 2026. All rights reserved. Privacy policy. Terms of use.</footer>
</body></html>"#;
