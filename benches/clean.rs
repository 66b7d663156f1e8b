//! Reading-pane hot paths: cleaning one average article (about 6 KB of feed HTML) and laying
//! it out, and highlighting one article with 50 rules.
//! Run: `cargo bench --bench clean` (`-- --test` runs each once, as CI does).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use tidings::clean::Cleaner;
use tidings::config::{HighlightRule, HighlightStyle};
use tidings::highlight::Highlighter;
use tidings::model::{ArticleBody, BodyKind};

/// A typical feed article: headings, ten paragraphs with links and emphasis, a list, a quote,
/// an image, a tracking pixel and the usual boilerplate at the end.
fn article() -> ArticleBody {
    let mut html =
        String::from("<div class=\"entry\"><h1>Harbour authority bets on electric ferries</h1>");
    for i in 0..10 {
        html.push_str(&format!(
            "<p>Paragraph {i}: the <a href=\"/news/{i}\">harbour authority</a> said on Thursday \
             that its <em>diesel fleet</em> will be replaced within six years, and that the \
             quay at Westmere needs <strong>new charging points</strong> before the first \
             vessel arrives. Operators told the council&rsquo;s transport committee that \
             battery prices &amp; grid fees remain the largest risks to the schedule.</p>"
        ));
        if i == 3 {
            html.push_str(
                "<h2>What changes for passengers</h2><ul><li>Quieter crossings</li>\
                 <li>New timetable from <a href=\"/timetable\">spring</a></li>\
                 <li>Fares unchanged until next year</li></ul>",
            );
        }
        if i == 6 {
            html.push_str(
                "<blockquote><p>We cannot wait for the perfect moment to start.</p></blockquote>\
                 <figure><img src=\"/img/ferry.jpg\" alt=\"A ferry at the quay\"><figcaption>\
                 The current fleet.</figcaption></figure>",
            );
        }
    }
    html.push_str(
        "<p><a href=\"https://source.example.com/x\">Read source</a></p>\
         <p>This website uses cookies. By continuing to use this site, you accept our use of cookies.</p>\
         <img src=\"https://t.example.com/p.gif\" width=\"1\" height=\"1\"></div>",
    );
    ArticleBody {
        kind: BodyKind::Html,
        content: html,
    }
}

fn rules() -> Vec<HighlightRule> {
    let words = [
        "ferry",
        "harbour",
        "battery",
        "council",
        "grid",
        "timetable",
        "fares",
        "quay",
        "diesel",
        "charging",
        "transport",
        "schedule",
        "vessel",
        "passengers",
        "crossing",
        "operator",
        "Westmere",
        "authority",
        "electric",
        "fleet",
        "risk",
        "spring",
        "price",
        "committee",
        "Thursday",
    ];
    let mut rules = Vec::new();
    for (i, w) in words.iter().enumerate() {
        rules.push(HighlightRule {
            name: None,
            keywords: vec![w.to_string(), format!("{w} plan"), format!("new {w}")],
            regex: None,
            whole_word: true,
            case_sensitive: false,
            priority: (i % 3) as i32,
            style: HighlightStyle::default(),
        });
        rules.push(HighlightRule {
            name: Some(format!("re{i}")),
            keywords: Vec::new(),
            regex: Some(format!(r"{}\w*\s+\d+", &w[..3])),
            whole_word: i % 2 == 0,
            case_sensitive: false,
            priority: 0,
            style: HighlightStyle::default(),
        });
    }
    rules
}

fn bench(c: &mut Criterion) {
    let cleaner = Cleaner::default();
    let body = article();
    let base = Some("https://news.example.org/2024/05/ferries.html");
    c.bench_function("clean one article", |b| {
        b.iter(|| black_box(cleaner.clean(black_box(&body), base)))
    });
    let doc = cleaner.clean(&body, base);
    c.bench_function("layout one article at 80 columns", |b| {
        b.iter(|| black_box(doc.layout(black_box(80))))
    });
    let highlighter = Highlighter::new(&rules()).unwrap();
    assert_eq!(rules().len(), 50);
    let text = doc.plain_text();
    c.bench_function("highlight one article with 50 rules", |b| {
        b.iter(|| {
            let mut d = doc.clone();
            highlighter.mark_document(&mut d);
            black_box(highlighter.rules_in("Harbour authority bets on electric ferries", &text));
            black_box(d)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
