//! Golden-text tests of the cleaner: every `tests/fixtures/clean/NAME.html` (or `NAME.text`
//! for a plain-text body) is cleaned and laid out, and the result must equal `NAME.txt`.
//! Run with `UPDATE_GOLDEN=1` to rewrite the expected files (then review them by eye).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tidings::clean::Cleaner;
use tidings::model::{ArticleBody, BodyKind};

/// Width used unless the fixture's first line says `<!-- width: N -->`.
const DEFAULT_WIDTH: u16 = 60;
const BASE_URL: &str = "https://news.example.org/2024/05/article.html";

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clean");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("html" | "text")
            )
        })
        .collect();
    v.sort();
    v
}

/// The text capture of a fixture: the laid-out lines' text, one per line (styles are not
/// shown; `clean_api.rs` tests them).
fn render(path: &Path) -> String {
    let content = std::fs::read_to_string(path).unwrap();
    let kind = if path.extension().unwrap() == "text" {
        BodyKind::Text
    } else {
        BodyKind::Html
    };
    let width = content
        .lines()
        .next()
        .and_then(|l| l.trim().strip_prefix("<!-- width:"))
        .and_then(|l| l.trim_end_matches("-->").trim().parse().ok())
        .unwrap_or(DEFAULT_WIDTH);
    let doc = Cleaner::default().clean(&ArticleBody { kind, content }, Some(BASE_URL));
    let mut out = String::new();
    for line in doc.layout(width) {
        writeln!(out, "{}", line.plain_text()).unwrap();
    }
    out
}

fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => writeln!(out, "  {x}").unwrap(),
            (x, y) => {
                if let Some(x) = x {
                    writeln!(out, "- {x}").unwrap();
                }
                if let Some(y) = y {
                    writeln!(out, "+ {y}").unwrap();
                }
            }
        }
    }
    out
}

#[test]
fn golden_fixtures() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let files = fixtures();
    assert!(
        files.len() >= 25,
        "expected at least 25 fixtures, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let actual = render(path);
        let golden = path.with_extension("txt");
        if update {
            std::fs::write(&golden, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "=== {} (- expected, + actual)\n{}",
                golden.display(),
                diff(&expected, &actual)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden file(s) differ; if the new output is right, rerun with UPDATE_GOLDEN=1 \
         and review the diff:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
