//! Words exactly as the store's full-text index sees them, so that matching an article in
//! memory (kill rules at ingest) and through the index (search, views) always agree.
//!
//! The index uses SQLite FTS5's `unicode61` tokenizer with [`FTS_TOKENIZER`]'s options: a
//! word is a run of letters, digits, marks, private-use characters and `_`; everything else
//! separates words; case is folded (Unicode simple folding, so "ZÜRICH" = "Zürich") and
//! diacritics are kept ("Zurich" is another word than "Zürich", as in highlight rules). Which
//! characters are word characters and how they fold comes from a table generated from SQLite
//! itself (`unicode_table.rs`; `tests/query_tokenizer.rs` checks every code point against
//! the bundled SQLite and regenerates the table when asked). Pure computation.

use super::unicode_table::{CLASS_RUNS, FOLD_RUNS};

/// The tokenizer the store's full-text index is created with (see `store/schema.rs`).
pub const FTS_TOKENIZER: &str =
    "unicode61 remove_diacritics 0 categories 'L* N* Co M*' tokenchars '_'";

/// A character can start a word.
const START: u8 = 1;
/// A character can continue a word.
const CONTINUE: u8 = 2;

fn class(c: char) -> u8 {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() || c == '_' {
            START | CONTINUE
        } else {
            0
        };
    }
    let cp = c as u32;
    let i = CLASS_RUNS.partition_point(|&(start, _)| start <= cp);
    // Runs start at 0x80, so every non-ASCII code point falls in one.
    CLASS_RUNS
        .get(i.wrapping_sub(1))
        .map_or(0, |&(_, class)| class)
}

fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let cp = c as u32;
    let i = FOLD_RUNS.partition_point(|&(start, _, _, _)| start <= cp);
    if let Some(&(start, count, delta, stride)) = FOLD_RUNS.get(i.wrapping_sub(1)) {
        let off = cp - start;
        if off.is_multiple_of(u32::from(stride)) && off / u32::from(stride) < u32::from(count) {
            return char::from_u32(cp.wrapping_add_signed(delta)).unwrap_or(c);
        }
    }
    c
}

/// Calls `f(folded_word)` for every word of `text`, in order; `buf` is scratch space.
fn each_token(text: &str, mut f: impl FnMut(&str)) {
    let mut word = String::new();
    let mut in_word = false;
    for c in text.chars() {
        let cl = class(c);
        if in_word && cl & CONTINUE != 0 || !in_word && cl & START != 0 {
            word.push(fold(c));
            in_word = true;
        } else if in_word {
            f(&word);
            word.clear();
            in_word = cl & START != 0;
            if in_word {
                word.push(fold(c));
            }
        }
    }
    if in_word {
        f(&word);
    }
}

/// The folded words of `text`.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_token(text, |w| out.push(w.to_string()));
    out
}

/// Whether `text` holds at least one word.
pub fn has_token(text: &str) -> bool {
    text.chars().any(|c| class(c) & START != 0)
}

/// The words of one text, folded, kept in one buffer (a 4 KB article has hundreds of words;
/// one allocation each would dominate matching).
#[derive(Clone, Debug, Default)]
pub struct TokenList {
    buf: String,
    ends: Vec<u32>,
}

impl TokenList {
    pub fn new(text: &str) -> TokenList {
        let mut list = TokenList {
            buf: String::with_capacity(text.len()),
            ends: Vec::new(),
        };
        each_token(text, |w| {
            list.buf.push_str(w);
            list.ends.push(list.buf.len() as u32);
        });
        list
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }

    /// Whether `phrase` (folded words, at least one) occurs as consecutive words; with
    /// `prefix` the last word only has to start the word found there.
    pub fn contains_phrase(&self, phrase: &[String], prefix: bool) -> bool {
        let Some((last, head)) = phrase.split_last() else {
            return false;
        };
        if phrase.len() > self.len() {
            return false;
        }
        (0..=self.len() - phrase.len()).any(|at| {
            head.iter()
                .enumerate()
                .all(|(k, w)| self.get(at + k) == w.as_str())
                && {
                    let word = self.get(at + head.len());
                    if prefix {
                        word.starts_with(last.as_str())
                    } else {
                        word == last.as_str()
                    }
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_and_keep_diacritics() {
        assert_eq!(
            tokens("Zürich ZÜRICH zurich"),
            ["zürich", "zürich", "zurich"]
        );
        assert_eq!(
            tokens("rust-lang's C++ snake_case"),
            ["rust", "lang", "s", "c", "snake_case"]
        );
        assert_eq!(tokens("  ,.;  "), Vec::<String>::new());
        assert_eq!(tokens("ΣΊΣΥΦΟΣ"), ["σίσυφοσ"]);
        assert_eq!(tokens("日本語のテキスト"), ["日本語のテキスト"]);
    }

    #[test]
    fn phrases_and_prefixes() {
        let list = TokenList::new("The Rust compiler, version 1.90");
        let p = |s: &str| tokens(s);
        assert!(list.contains_phrase(&p("rust compiler"), false));
        assert!(!list.contains_phrase(&p("compiler rust"), false));
        assert!(list.contains_phrase(&p("rust comp"), true));
        assert!(!list.contains_phrase(&p("rust comp"), false));
        assert!(list.contains_phrase(&p("1 90"), false));
        assert!(!list.contains_phrase(&p("rus"), false));
        assert!(!list.contains_phrase(&[], false));
    }
}
