//! The cleaner's API beyond the golden texts: styles of spans, links, user boilerplate
//! patterns, plain text, inline sanitising and readability extraction of a local page.

use tidings::clean::{sanitize_inline, Cleaner};
use tidings::model::{ArticleBody, BodyKind};
use tidings::styled::StyledLine;

fn html(s: &str) -> ArticleBody {
    ArticleBody {
        kind: BodyKind::Html,
        content: s.to_string(),
    }
}

fn spans_of(lines: &[StyledLine]) -> Vec<(String, tidings::styled::SpanStyle)> {
    lines
        .iter()
        .flat_map(|l| l.spans.iter())
        .map(|s| (s.text.clone(), s.style))
        .collect()
}

#[test]
fn styles_are_semantic() {
    let doc = Cleaner::default().clean(
        &html("<h2>Title</h2><p>a <b>b</b> <a href=\"https://x.org/\">link text</a> <code>c</code></p><ul><li>item</li></ul><blockquote>q</blockquote>"),
        None,
    );
    let spans = spans_of(&doc.layout(40));
    let find = |t: &str| spans.iter().find(|(s, _)| s == t).unwrap().1;
    assert!(find("Title").heading && find("Title").bold);
    assert!(find("b").bold);
    assert!(find("link text").link);
    assert!(find("[1]").decoration && !find("[1]").link);
    assert!(find("c").code);
    assert!(find("• ").decoration);
    assert!(find("│ ").decoration);
    // The space after a link is not part of the link.
    assert!(spans.iter().any(|(t, s)| t == " " && !s.link));
}

#[test]
fn relative_links_without_base_are_text_only() {
    let body = html("<p><a href=\"/a\">rel</a> and <a href=\"https://x.org/b\">abs</a></p>");
    let doc = Cleaner::default().clean(&body, None);
    assert_eq!(doc.links, ["https://x.org/b"]);
    assert_eq!(doc.plain_text(), "rel and abs[1]");
    let doc = Cleaner::default().clean(&body, Some("https://site.org/x/y"));
    assert_eq!(doc.links, ["https://site.org/a", "https://x.org/b"]);
}

#[test]
fn base_element_is_respected() {
    let body = html("<html><head><base href=\"https://cdn.example.com/blog/\"></head><body><p><a href=\"post\">p</a></p></body></html>");
    let doc = Cleaner::default().clean(&body, Some("https://example.com/feed"));
    assert_eq!(doc.links, ["https://cdn.example.com/blog/post"]);
}

#[test]
fn user_patterns_extend_the_builtin_rules() {
    let cleaner = Cleaner::new(&["Sponsored by Acme".to_string()]).unwrap();
    let doc = cleaner.clean(
        &html("<p>Real news.</p><p>Sponsored by ACME</p><p>Read more</p>"),
        None,
    );
    assert_eq!(doc.plain_text(), "Real news.");
    let err = Cleaner::new(&["re:[".to_string()]).unwrap_err().to_string();
    assert!(err.contains("re:[") && err.contains("config"), "{err}");
}

#[test]
fn plain_text_keeps_structure_without_wrapping() {
    let body = html(
        "<p>one two three four five six seven eight nine ten eleven twelve</p><ol><li>x</li></ol>",
    );
    let doc = Cleaner::default().clean(&body, None);
    assert_eq!(
        doc.plain_text(),
        "one two three four five six seven eight nine ten eleven twelve\n\n1. x"
    );
    assert!(!doc.is_empty());
    assert!(Cleaner::default()
        .clean(&html("<script>x</script>"), None)
        .is_empty());
}

#[test]
fn inline_sanitising() {
    assert_eq!(
        sanitize_inline(" Big\u{1b}]52;c;aGk=\u{7} news\u{202e}\n  today &amp; more "),
        "Big news today & more"
    );
}

#[test]
fn readability_extracts_main_text_and_drops_chrome() {
    let mut paragraphs = String::new();
    for i in 0..8 {
        paragraphs.push_str(&format!(
            "<p>Paragraph {i} of the harbour story: the ferry operators, the council and the \
             fishing cooperative spent the winter arguing about the new quay, its cost, and who \
             should pay for the dredging that the larger boats will need, and nobody agreed.</p>"
        ));
    }
    let page = format!(
        "<!doctype html><html><head><title>Quay dispute</title></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/sport\">Sport</a> <a href=\"/weather\">Weather</a></nav>\
         <div class=\"sidebar\"><h3>Most read</h3><ul><li><a href=\"/a\">Other story</a></li></ul></div>\
         <article><h1>Quay dispute drags on</h1>{paragraphs}</article>\
         <footer><p>Copyright Example Media. All rights reserved. Contact us.</p></footer>\
         </body></html>"
    );
    let article = tidings::readability::extract(&page, "https://news.example.org/quay").unwrap();
    let doc = Cleaner::default().clean(&html(&article), Some("https://news.example.org/quay"));
    let text = doc.plain_text();
    assert!(text.contains("Paragraph 0 of the harbour story"), "{text}");
    assert!(text.contains("Paragraph 7"), "{text}");
    assert!(!text.contains("Weather"), "{text}");
    assert!(!text.contains("Copyright"), "{text}");
    assert!(tidings::readability::extract("<html><body></body></html>", "not a url").is_err());
}
