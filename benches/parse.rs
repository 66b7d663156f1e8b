//! Feed parsing hot path: one 50-item feed of each format (RSS 2.0, RSS 1.0, Atom, JSON Feed
//! 1.1, 1-4 KB HTML bodies) through `tidings::parse::parse_feed`. The feeds come from
//! the same seeded generator as `tidings-bench`, so the numbers describe the same corpus.
//! Run: `cargo bench --bench parse` (`-- --test` runs each once, as CI does).

use std::hint::black_box;

use chrono::DateTime;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tidings::parse::parse_feed;

#[allow(dead_code)] // the harness uses more of the generator than this bench does
#[path = "harness/src/corpus.rs"]
mod corpus;

const ITEMS: usize = 50;

fn bench_parse(c: &mut Criterion) {
    let now = DateTime::from_timestamp(corpus::EPOCH, 0).expect("valid epoch");
    let mut group = c.benchmark_group("parse");
    for feed in 0..4 {
        let format = corpus::Format::of_feed(feed);
        let doc = corpus::feed_doc(1, feed, ITEMS);
        let url = format!("http://127.0.0.1:8080{}", doc.path);
        let text = String::from_utf8(doc.body).expect("the corpus is UTF-8");
        let parsed = parse_feed(&url, &text, now).expect("the corpus parses");
        assert_eq!(parsed.articles.len(), ITEMS, "{}", format.name());
        group.throughput(Throughput::Bytes(text.len() as u64));
        let name = format!("{}_{ITEMS}_items", format.extension());
        group.bench_function(name, |b| {
            b.iter(|| black_box(parse_feed(&url, black_box(&text), now)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
