//! Property tests of the cleaner: for arbitrary strings and arbitrary HTML-ish input it
//! never panics, never lets a control character, ESC or bidi override through, and never
//! lays out a line wider than the requested width.

use proptest::prelude::*;
use tidings::clean::{sanitize_inline, Cleaner};
use tidings::model::{ArticleBody, BodyKind};
use unicode_width::UnicodeWidthStr;

fn forbidden(c: char) -> bool {
    c.is_control() // C0, DEL, C1 (newline/tab included: lines and spans never contain them)
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Fragments that stress the cleaner: tags of every kind, entities, escapes, bidi, wide text.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<br>".to_string()),
        Just("<ul><li>".to_string()),
        Just("<ol start=\"-3\"><li>".to_string()),
        Just("</li></ul>".to_string()),
        Just("<blockquote>".to_string()),
        Just("</blockquote>".to_string()),
        Just("<pre>".to_string()),
        Just("</pre>".to_string()),
        Just("<table><tr><td>".to_string()),
        Just("</td><th>".to_string()),
        Just("</tr></table>".to_string()),
        Just("<a href=\"/x\">".to_string()),
        Just("<a href=\"javascript:x\">".to_string()),
        Just("</a>".to_string()),
        Just("<img alt=\"a\u{1b}b\">".to_string()),
        Just("<h2>".to_string()),
        Just("&amp;amp;".to_string()),
        Just("&#27;&#x9b;&#8238;".to_string()),
        Just("\u{1b}]52;c;aGk=\u{7}".to_string()),
        Just("\u{1b}[2J\u{9b}1m".to_string()),
        Just("\u{202e}\u{2066}\u{2069}".to_string()),
        Just("東京都🚀👩‍👩‍👧e\u{301}".to_string()),
        Just("\t\r\n  ".to_string()),
        Just("Read more".to_string()),
        "[a-z ]{0,30}",
        any::<String>(),
    ]
}

fn html() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..40).prop_map(|v| v.concat())
}

fn check(body: ArticleBody, width: u16) -> Result<(), TestCaseError> {
    let doc = Cleaner::default().clean(&body, Some("https://example.org/a/b"));
    let plain = doc.plain_text();
    prop_assert!(
        !plain.chars().any(|c| c != '\n' && forbidden(c)),
        "plain text: {plain:?}"
    );
    for line in doc.layout(width) {
        for span in &line.spans {
            prop_assert!(!span.text.chars().any(forbidden), "span: {:?}", span.text);
        }
        let text = line.plain_text();
        prop_assert!(
            text.width() <= usize::from(width),
            "line wider than {width}: {text:?}"
        );
    }
    for link in &doc.links {
        prop_assert!(!link.chars().any(|c| forbidden(c) || c.is_whitespace()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_strings_as_html(s in any::<String>(), width in 4u16..120) {
        check(ArticleBody { kind: BodyKind::Html, content: s }, width)?;
    }

    #[test]
    fn arbitrary_strings_as_text(s in any::<String>(), width in 4u16..120) {
        check(ArticleBody { kind: BodyKind::Text, content: s }, width)?;
    }

    #[test]
    fn html_ish_input(s in html(), width in 4u16..120) {
        check(ArticleBody { kind: BodyKind::Html, content: s }, width)?;
    }

    #[test]
    fn inline_is_one_clean_line(s in any::<String>()) {
        let out = sanitize_inline(&s);
        prop_assert!(!out.chars().any(forbidden));
        prop_assert_eq!(out.trim(), out.as_str());
        prop_assert!(!out.contains("  "));
    }
}
