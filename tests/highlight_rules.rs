//! Highlighter behaviour: Unicode case folding, whole words, phrases across whitespace and
//! line wraps, overlaps and priorities, regex rules, marking spans and documents.

use tidings::clean::Cleaner;
use tidings::config::{HighlightRule, HighlightStyle};
use tidings::highlight::{Highlighter, Match};
use tidings::model::{ArticleBody, BodyKind};
use tidings::styled::{Span, SpanStyle};

fn kw(words: &[&str]) -> HighlightRule {
    HighlightRule {
        name: None,
        keywords: words.iter().map(|s| s.to_string()).collect(),
        regex: None,
        whole_word: true,
        case_sensitive: false,
        priority: 0,
        style: HighlightStyle::default(),
    }
}

fn re(pattern: &str) -> HighlightRule {
    HighlightRule {
        regex: Some(pattern.to_string()),
        ..kw(&[])
    }
}

fn found<'a>(h: &Highlighter, text: &'a str) -> Vec<(&'a str, u16)> {
    h.find(text)
        .into_iter()
        .map(|m| (&text[m.start..m.end], m.rule))
        .collect()
}

#[test]
fn unicode_case_folding() {
    let h = Highlighter::new(&[kw(&["Zürich"]), kw(&["straße"]), kw(&["ΟΔΥΣΣΕΥΣ"])]).unwrap();
    assert_eq!(
        found(&h, "ZÜRICH and zürich"),
        [("ZÜRICH", 0), ("zürich", 0)]
    );
    assert_eq!(
        found(&h, "STRASSE, Straße"),
        [("STRASSE", 1), ("Straße", 1)]
    );
    assert_eq!(found(&h, "ὁ Οδυσσεύς"), []); // accents differ: no match
    assert_eq!(found(&h, "οδυσσευς!"), [("οδυσσευς", 2)]);
}

#[test]
fn case_sensitive_rules() {
    let mut r = kw(&["Go"]);
    r.case_sensitive = true;
    let h = Highlighter::new(&[r]).unwrap();
    assert_eq!(found(&h, "Go go GO"), [("Go", 0)]);
}

#[test]
fn whole_words_by_default() {
    let mut sub = kw(&["data"]);
    sub.whole_word = false;
    let h = Highlighter::new(&[kw(&["Meta"]), sub, kw(&["C++"])]).unwrap();
    assert_eq!(found(&h, "metadata"), [("data", 1)]);
    assert_eq!(found(&h, "Meta's plan, (meta)"), [("Meta", 0), ("meta", 0)]);
    assert_eq!(found(&h, "C++ and C++17"), [("C++", 2), ("C++", 2)]);
    assert_eq!(found(&h, "metaverse"), []);
}

#[test]
fn cjk_keywords_need_no_word_boundary() {
    let h = Highlighter::new(&[kw(&["東京"])]).unwrap();
    assert_eq!(found(&h, "東京都の発表"), [("東京", 0)]);
}

#[test]
fn phrases_match_across_whitespace() {
    let h = Highlighter::new(&[kw(&["open  source"])]).unwrap();
    assert_eq!(found(&h, "open\n  SOURCE models"), [("open\n  SOURCE", 0)]);
}

#[test]
fn overlaps_resolved_by_priority_then_length_then_position() {
    let mut high = kw(&["AI"]);
    high.priority = 5;
    let h = Highlighter::new(&[kw(&["AI chips"]), high]).unwrap();
    assert_eq!(found(&h, "new AI chips"), [("AI", 1)]);

    let h = Highlighter::new(&[kw(&["AI"]), kw(&["AI chips"])]).unwrap();
    assert_eq!(found(&h, "new AI chips"), [("AI chips", 1)]);

    let mut a = kw(&["ab"]);
    a.whole_word = false;
    let mut b = kw(&["bc"]);
    b.whole_word = false;
    let h = Highlighter::new(&[b, a]).unwrap();
    assert_eq!(found(&h, "abc"), [("ab", 1)]);

    // Same keyword in two rules: the lower index wins, deterministically.
    let h = Highlighter::new(&[kw(&["rust"]), kw(&["Rust"])]).unwrap();
    assert_eq!(
        h.find("Rust"),
        [Match {
            start: 0,
            end: 4,
            rule: 0
        }]
    );
    assert_eq!(h.rules_in("Rust", ""), [0]);
}

#[test]
fn regex_rules() {
    let h = Highlighter::new(&[re(r"GPT-\d+"), re(r"(?-i)NASA")]).unwrap();
    assert_eq!(found(&h, "gpt-4 and GPT-4o"), [("gpt-4", 0)]);
    assert_eq!(found(&h, "NASA nasa"), [("NASA", 1)]);
    assert!(Highlighter::new(&[re("(")]).is_err());
}

#[test]
fn rules_in_title_and_body() {
    let h = Highlighter::new(&[kw(&["rust"]), kw(&["zig"]), kw(&["go"])]).unwrap();
    assert_eq!(h.rules_in("Why Go?", "Rust and rust again"), [0, 2]);
    assert!(h.rules_in("", "").is_empty());
    assert!(Highlighter::new(&[]).unwrap().is_empty());
}

#[test]
fn mark_splits_spans_and_skips_decoration() {
    let h = Highlighter::new(&[kw(&["Acme Corp"])]).unwrap();
    let deco = SpanStyle {
        decoration: true,
        ..SpanStyle::default()
    };
    let spans = vec![
        Span::plain("Shares of Acme"),
        Span::new("[1]", deco),
        Span::plain(" Corp fell."),
    ];
    let out = h.mark(spans);
    let hl: Vec<(&str, Option<u16>)> = out
        .iter()
        .map(|s| (s.text.as_str(), s.style.highlight))
        .collect();
    assert_eq!(
        hl,
        [
            ("Shares of ", None),
            ("Acme", Some(0)),
            ("[1]", None),
            (" Corp", Some(0)),
            (" fell.", None)
        ]
    );
}

#[test]
fn phrase_across_a_line_wrap_is_marked_on_both_lines() {
    let h = Highlighter::new(&[kw(&["electric ferries"])]).unwrap();
    let body = ArticleBody {
        kind: BodyKind::Html,
        content: "<p>The harbour authority bets on electric ferries for the crossing.</p>".into(),
    };
    let mut doc = Cleaner::default().clean(&body, None);
    h.mark_document(&mut doc);
    let lines = doc.layout(40);
    let marked: Vec<String> = lines
        .iter()
        .flat_map(|l| l.spans.iter())
        .filter(|s| s.style.highlight == Some(0))
        .map(|s| s.text.clone())
        .collect();
    assert_eq!(
        lines[0].plain_text(),
        "The harbour authority bets on electric"
    );
    assert_eq!(marked, ["electric", "ferries"]);
}

#[test]
fn fingerprint_tracks_matching_changes_only() {
    let a = Highlighter::new(&[kw(&["rust"])]).unwrap();
    let mut styled = kw(&["rust"]);
    styled.style.bold = true;
    styled.name = Some("Rust".into());
    let b = Highlighter::new(&[styled]).unwrap();
    let c = Highlighter::new(&[kw(&["rust", "cargo"])]).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_ne!(a.fingerprint(), c.fingerprint());
    assert_eq!(b.label(0), "Rust");
    assert_eq!(c.label(0), "rust, cargo");
    assert_eq!(c.label(9), "?");
    assert_eq!(c.priority(9), 0);
}
