//! The in-memory tokenizer of `tidings::query` against the bundled SQLite's FTS5 `unicode61`
//! tokenizer (with the options the store uses), on every Unicode code point: kill rules
//! evaluated at ingest and searches through the index must split and fold words the same way.
//!
//! When SQLite's Unicode tables change (a rusqlite upgrade), the first test fails; regenerate
//! `src/query/unicode_table.rs` with
//! `cargo test --test query_tokenizer -- --ignored regenerate_unicode_table`.

use std::fmt::Write as _;

use rusqlite::Connection;
use tidings::query::{tokens, FTS_TOKENIZER};

/// Code points per probe document.
const CHUNK: u32 = 0x8000;

fn probe_db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE probe USING fts5(x, tokenize = \"{FTS_TOKENIZER}\");
         CREATE VIRTUAL TABLE probe_v USING fts5vocab(probe, 'instance');"
    ))
    .unwrap();
    conn
}

/// The words SQLite makes of `text`, in order.
fn sqlite_tokens(conn: &Connection, text: &str) -> Vec<String> {
    conn.execute("DELETE FROM probe", []).unwrap();
    conn.execute("INSERT INTO probe (rowid, x) VALUES (1, ?1)", [text])
        .unwrap();
    let mut stmt = conn
        .prepare("SELECT term FROM probe_v WHERE doc = 1 ORDER BY offset")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Non-ASCII code points (no surrogates), in chunks; with `sampled`, every code point of
/// planes 0 to 2 (where SQLite's tables have letters, digits and marks) and every 61st one
/// above (tags, private use), so the test stays fast on an unoptimised SQLite.
fn chunks(sampled: bool) -> impl Iterator<Item = Vec<char>> {
    (0x80..=0x10FFFFu32).step_by(CHUNK as usize).map(move |lo| {
        let step = if sampled && lo >= 0x30000 { 61 } else { 1 };
        (lo..(lo + CHUNK).min(0x110000))
            .step_by(step)
            .filter_map(char::from_u32)
            .collect()
    })
}

/// Two probes per code point c: "q{c} " (does c continue a word, and how does it fold?)
/// and "{c}q " (does c start one?).
fn probes(cps: &[char]) -> (String, String) {
    let mut cont = String::new();
    let mut start = String::new();
    for &c in cps {
        let _ = write!(cont, "q{c} ");
        let _ = write!(start, "{c}q ");
    }
    (cont, start)
}

#[test]
fn code_points_split_and_fold_as_in_sqlite() {
    let conn = probe_db();
    let ascii: String = (1..128u8)
        .map(|b| format!("q{} {}q ", b as char, b as char))
        .collect();
    assert_eq!(tokens(&ascii), sqlite_tokens(&conn, &ascii), "ASCII");
    for cps in chunks(true) {
        let (cont, start) = probes(&cps);
        for doc in [cont, start] {
            let ours = tokens(&doc);
            let theirs = sqlite_tokens(&conn, &doc);
            if ours != theirs {
                let at = ours
                    .iter()
                    .zip(&theirs)
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                panic!(
                    "the tokenizer differs from SQLite's in the chunk from U+{:04X} (ours {:?}, \
                     SQLite {:?}); regenerate src/query/unicode_table.rs (see this file's header)",
                    cps[0] as u32,
                    ours.get(at),
                    theirs.get(at)
                );
            }
        }
    }
}

#[test]
#[ignore = "writes src/query/unicode_table.rs; run by hand after a SQLite upgrade"]
fn regenerate_unicode_table() {
    let conn = probe_db();
    // class per code point from 0x80, and folds.
    let mut classes: Vec<(u32, u8)> = Vec::new();
    let mut folds: Vec<(u32, u32)> = Vec::new();
    for cps in chunks(false) {
        let (cont, start) = probes(&cps);
        let cont = sqlite_tokens(&conn, &cont);
        let start = sqlite_tokens(&conn, &start);
        assert_eq!(cont.len(), cps.len());
        assert_eq!(start.len(), cps.len());
        for (k, &c) in cps.iter().enumerate() {
            let mut class = 0;
            if cont[k] != "q" {
                class |= 2;
                let folded: Vec<char> = cont[k][1..].chars().collect();
                assert_eq!(folded.len(), 1, "U+{:04X} folds to several", c as u32);
                if folded[0] != c {
                    folds.push((c as u32, folded[0] as u32));
                }
            }
            if start[k] != "q" {
                class |= 1;
            }
            if classes.last().is_none_or(|&(_, last)| last != class) {
                classes.push((c as u32, class));
            }
        }
    }
    // Surrogates are no chars: the run before them covers them, harmlessly.
    let mut runs: Vec<(u32, u32, i64, u32)> = Vec::new(); // start, count, delta, stride
    for (cp, to) in folds {
        let delta = i64::from(to) - i64::from(cp);
        if let Some(run) = runs.last_mut() {
            let (start, count, d, stride) = *run;
            if d == delta && count < u32::from(u16::MAX) {
                if count == 1 && (cp - start == 1 || cp - start == 2) {
                    *run = (start, 2, d, cp - start);
                    continue;
                }
                if count > 1 && cp == start + count * stride {
                    run.1 += 1;
                    continue;
                }
            }
        }
        runs.push((cp, 1, delta, 1));
    }
    let version: String = conn
        .query_row("SELECT sqlite_version()", [], |r| r.get(0))
        .unwrap();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! Generated from SQLite {version}'s FTS5 unicode61 tokenizer with the options of\n\
         //! `tokenize::FTS_TOKENIZER` by `cargo test --test query_tokenizer -- --ignored\n\
         //! regenerate_unicode_table`. Do not edit by hand.\n"
    );
    let _ = writeln!(
        out,
        "/// (first code point, class) runs from U+0080: class bit 1 = starts a word, bit 2 =\n\
         /// continues one.\n#[rustfmt::skip]\npub(super) static CLASS_RUNS: &[(u32, u8)] = &["
    );
    for line in classes.chunks(8) {
        let items: Vec<String> = line
            .iter()
            .map(|(c, k)| format!("(0x{c:X}, {k})"))
            .collect();
        let _ = writeln!(out, "    {},", items.join(", "));
    }
    let _ = writeln!(
        out,
        "];\n\n/// (first, count, delta, stride): code points first + k * stride (k < count) fold to\n\
         /// themselves + delta; every other code point folds to itself.\n#[rustfmt::skip]\n\
         pub(super) static FOLD_RUNS: &[(u32, u16, i32, u8)] = &["
    );
    for line in runs.chunks(6) {
        let items: Vec<String> = line
            .iter()
            .map(|(c, n, d, s)| format!("(0x{c:X}, {n}, {d}, {s})"))
            .collect();
        let _ = writeln!(out, "    {},", items.join(", "));
    }
    out.push_str("];\n");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/query/unicode_table.rs");
    std::fs::write(&path, out).unwrap();
    eprintln!(
        "wrote {} ({} class runs, {} fold runs)",
        path.display(),
        classes.len(),
        runs.len()
    );
}
