//! Fuzz target: arbitrary bytes as an HTML (and plain-text) body must clean and lay out
//! without panicking, and no control character may reach a laid-out line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings::clean::Cleaner;
use tidings::model::{ArticleBody, BodyKind};

fuzz_target!(|data: &[u8]| {
    let content = String::from_utf8_lossy(data).into_owned();
    let cleaner = Cleaner::default();
    for kind in [BodyKind::Html, BodyKind::Text] {
        let body = ArticleBody {
            kind,
            content: content.clone(),
        };
        let doc = cleaner.clean(&body, Some("https://example.org/a/b.html"));
        for line in doc.layout(40) {
            for span in &line.spans {
                assert!(!span.text.chars().any(char::is_control));
            }
        }
        let _ = doc.plain_text();
    }
});
