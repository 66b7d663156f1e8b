//! Keyword highlighting: the config's `[[highlight]]` rules compiled once into one
//! aho-corasick matcher per case mode plus a regex set, and the marking of styled text.
//! Pure computation: never touches the terminal, the store or the network.

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::clean::Document;
use crate::config::{HighlightRule, HighlightStyle};
use crate::model::fnv1a64;
use crate::styled::Span;

/// One match: byte offsets into the searched text and the index of the rule that won.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub rule: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum HighlightError {
    #[error("too many highlight rules ({0}); at most 65535 are supported, merge some keywords into one rule")]
    TooManyRules(usize),
    #[error("highlight rule `{rule}`: the regex does not compile ({error}); fix its `regex` in the config")]
    BadRegex { rule: String, error: String },
    #[error("highlight keywords could not be compiled ({0}); try fewer or shorter keywords")]
    Keywords(String),
}

#[derive(Debug)]
struct Rule {
    label: String,
    style: HighlightStyle,
    priority: i32,
    whole_word: bool,
}

/// Keywords of one case mode: patterns (whitespace-normalised, folded if case-insensitive)
/// and, per pattern, the rules that own it.
#[derive(Debug)]
struct Keywords {
    ac: AhoCorasick,
    owners: Vec<Vec<u16>>,
    fold: bool,
}

/// The compiled highlight rules.
#[derive(Debug)]
pub struct Highlighter {
    rules: Vec<Rule>,
    keywords: Vec<Keywords>,
    set: Option<RegexSet>,
    regexes: Vec<(u16, Regex)>,
    fingerprint: u64,
}

/// Style returned for a rule index that does not exist (e.g. a stale stored index).
static FALLBACK_STYLE: HighlightStyle = HighlightStyle {
    fg: None,
    bg: None,
    bold: true,
    underline: false,
};

/// Bumped when matching semantics change, so stored highlight sets are recomputed.
const MATCHER_VERSION: &str = "tidings-highlight-1";

impl Highlighter {
    /// Compiles the rules. Rule indices (`Match::rule`, `rules_in`) are positions in `rules`.
    pub fn new(rules: &[HighlightRule]) -> Result<Highlighter, HighlightError> {
        if rules.len() > usize::from(u16::MAX) {
            return Err(HighlightError::TooManyRules(rules.len()));
        }
        let mut compiled = Vec::with_capacity(rules.len());
        // (pattern, rule) per case mode: [folded, exact].
        let mut patterns: [Vec<(String, u16)>; 2] = [Vec::new(), Vec::new()];
        let mut regex_sources = Vec::new();
        let mut regexes = Vec::new();
        let mut fp = vec![MATCHER_VERSION.to_string()];
        for (i, rule) in rules.iter().enumerate() {
            let idx = i as u16;
            compiled.push(Rule {
                label: rule.label(),
                style: rule.style,
                priority: rule.priority,
                whole_word: rule.whole_word,
            });
            fp.push(format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                rule.keywords.join("\u{1e}"),
                rule.regex.as_deref().unwrap_or(""),
                rule.whole_word,
                rule.case_sensitive
            ));
            let fold = !rule.case_sensitive;
            for kw in &rule.keywords {
                let (norm, _) = normalize(kw.trim(), fold);
                let norm = norm.trim().to_string();
                if !norm.is_empty() {
                    patterns[usize::from(!fold)].push((norm, idx));
                }
            }
            if let Some(src) = rule.regex.as_deref().filter(|r| !r.is_empty()) {
                let re = RegexBuilder::new(src)
                    .case_insensitive(fold)
                    .build()
                    .map_err(|e| HighlightError::BadRegex {
                        rule: rule.label(),
                        error: e.to_string(),
                    })?;
                regex_sources.push(if fold {
                    format!("(?i:{src})")
                } else {
                    src.to_string()
                });
                regexes.push((idx, re));
            }
        }
        let mut keywords = Vec::new();
        for (mode, list) in patterns.into_iter().enumerate() {
            if list.is_empty() {
                continue;
            }
            let mut uniq: Vec<String> = Vec::new();
            let mut owners: Vec<Vec<u16>> = Vec::new();
            for (p, r) in list {
                match uniq.iter().position(|u| *u == p) {
                    Some(j) => {
                        if !owners[j].contains(&r) {
                            owners[j].push(r);
                        }
                    }
                    None => {
                        uniq.push(p);
                        owners.push(vec![r]);
                    }
                }
            }
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&uniq)
                .map_err(|e| HighlightError::Keywords(e.to_string()))?;
            keywords.push(Keywords {
                ac,
                owners,
                fold: mode == 0,
            });
        }
        let set = if regex_sources.is_empty() {
            None
        } else {
            Some(RegexSetBuilder::new(&regex_sources).build().map_err(|e| {
                HighlightError::BadRegex {
                    rule: "(regex set)".into(),
                    error: e.to_string(),
                }
            })?)
        };
        let parts: Vec<&[u8]> = fp.iter().map(|s| s.as_bytes()).collect();
        Ok(Highlighter {
            rules: compiled,
            keywords,
            set,
            regexes,
            fingerprint: fnv1a64(&parts),
        })
    }

    /// True when there are no rules (callers can skip matching altogether).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Non-overlapping matches in `text`, sorted by start. Where matches overlap, the rule
    /// with the higher priority wins, then the longer match, then the leftmost one, then the
    /// lower rule index.
    pub fn find(&self, text: &str) -> Vec<Match> {
        if self.rules.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let mut cands: Vec<Match> = Vec::new();
        for kw in &self.keywords {
            let (norm, map) = normalize(text, kw.fold);
            for m in kw.ac.find_overlapping_iter(&norm) {
                let start = map[m.start()];
                let last = map[m.end() - 1];
                let end = last + text[last..].chars().next().map_or(1, char::len_utf8);
                for &rule in &kw.owners[m.pattern().as_usize()] {
                    if !self.rules[usize::from(rule)].whole_word || whole_word(text, start, end) {
                        cands.push(Match { start, end, rule });
                    }
                }
            }
        }
        if let Some(set) = &self.set {
            for i in set.matches(text).iter() {
                let (rule, re) = &self.regexes[i];
                let ww = self.rules[usize::from(*rule)].whole_word;
                for m in re.find_iter(text) {
                    if m.start() < m.end() && (!ww || whole_word(text, m.start(), m.end())) {
                        cands.push(Match {
                            start: m.start(),
                            end: m.end(),
                            rule: *rule,
                        });
                    }
                }
            }
        }
        self.resolve(cands)
    }

    fn resolve(&self, mut cands: Vec<Match>) -> Vec<Match> {
        cands.sort_by(|a, b| {
            let pa = self.priority(a.rule);
            let pb = self.priority(b.rule);
            pb.cmp(&pa)
                .then((b.end - b.start).cmp(&(a.end - a.start)))
                .then(a.start.cmp(&b.start))
                .then(a.rule.cmp(&b.rule))
        });
        // Accepted matches, kept sorted by start.
        let mut taken: Vec<Match> = Vec::new();
        for c in cands {
            let pos = taken.partition_point(|t| t.start < c.start);
            let clash_prev = pos > 0 && taken[pos - 1].end > c.start;
            let clash_next = taken.get(pos).is_some_and(|t| t.start < c.end);
            if !clash_prev && !clash_next {
                taken.insert(pos, c);
            }
        }
        taken
    }

    /// Indices of the rules that match the title or the body text, sorted, without
    /// duplicates.
    pub fn rules_in(&self, title: &str, body_text: &str) -> Vec<u16> {
        let mut out: Vec<u16> = self
            .find(title)
            .into_iter()
            .chain(self.find(body_text))
            .map(|m| m.rule)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Splits spans at match boundaries and sets `style.highlight` on the matched parts.
    /// The spans are matched as one text; decoration (link numbers, markers) is skipped, so
    /// "Acme[1] Corp" still matches the phrase "Acme Corp".
    pub fn mark(&self, spans: Vec<Span>) -> Vec<Span> {
        if self.rules.is_empty() {
            return spans;
        }
        let mut text = String::new();
        let mut offsets = Vec::with_capacity(spans.len());
        for s in &spans {
            offsets.push(text.len());
            if !s.style.decoration {
                text.push_str(&s.text);
            }
        }
        let matches = self.find(&text);
        if matches.is_empty() {
            return spans;
        }
        let mut out = Vec::with_capacity(spans.len() + matches.len() * 2);
        let mut mi = 0;
        for (span, off) in spans.into_iter().zip(offsets) {
            if span.style.decoration || span.text.is_empty() {
                out.push(span);
                continue;
            }
            let end = off + span.text.len();
            let mut pos = off;
            while pos < end {
                while mi < matches.len() && matches[mi].end <= pos {
                    mi += 1;
                }
                let (next, rule) = match matches.get(mi) {
                    Some(m) if m.start <= pos => (m.end.min(end), Some(m.rule)),
                    Some(m) if m.start < end => (m.start, None),
                    _ => (end, None),
                };
                let mut style = span.style;
                if rule.is_some() {
                    style.highlight = rule;
                }
                out.push(Span::new(&span.text[pos - off..next - off], style));
                pos = next;
            }
        }
        out
    }

    /// Marks every text run of a cleaned document (before layout, so a phrase that a line
    /// wrap later splits is still found).
    pub fn mark_document(&self, doc: &mut Document) {
        if self.rules.is_empty() {
            return;
        }
        for run in doc.text_runs_mut() {
            let spans = std::mem::take(run);
            *run = self.mark(spans);
        }
    }

    /// The rule's label (its name, else its keywords, else its regex); "?" for an unknown index.
    pub fn label(&self, rule: u16) -> &str {
        self.rules
            .get(usize::from(rule))
            .map_or("?", |r| r.label.as_str())
    }

    pub fn style(&self, rule: u16) -> &HighlightStyle {
        self.rules
            .get(usize::from(rule))
            .map_or(&FALLBACK_STYLE, |r| &r.style)
    }

    /// The rule's priority (0 for an unknown index).
    pub fn priority(&self, rule: u16) -> i32 {
        self.rules.get(usize::from(rule)).map_or(0, |r| r.priority)
    }

    /// Changes whenever what the rules match changes (keywords, regex, flags, order), so
    /// stored highlight sets can be recognised as stale. Names, styles and priorities do
    /// not affect it.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}

/// Case folding for matching: lower case plus the full folds that lower-casing misses
/// (ß and ẞ fold to "ss", final sigma to sigma).
fn fold_char(c: char, out: &mut String) {
    match c {
        'ß' | 'ẞ' => out.push_str("ss"),
        'ς' => out.push('σ'),
        c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
        c => out.extend(c.to_lowercase()),
    }
}

/// The text prepared for keyword matching: runs of whitespace become one space, and case is
/// folded when `fold`. `map[i]` is the byte offset in `text` of the character that produced
/// byte `i` of the result.
fn normalize(text: &str, fold: bool) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
                map.push(i);
            }
            in_space = true;
            continue;
        }
        in_space = false;
        let before = out.len();
        if fold {
            fold_char(c, &mut out);
        } else {
            out.push(c);
        }
        map.extend(std::iter::repeat_n(i, out.len() - before));
    }
    (out, map)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || ('\u{300}'..='\u{36F}').contains(&c)
}

/// Scripts written without spaces between words: no word boundary is required there.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x0E00..=0x0EFF | 0x20000..=0x3FFFF)
}

/// A match is a whole word when it does not continue a word on either side. The check only
/// applies on a side whose edge character is itself a word character, so "C++" or ".NET"
/// work as keywords.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let first = text[start..].chars().next();
    let last = text[..end].chars().next_back();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let left_ok = match (first, before) {
        (Some(f), Some(b)) if is_word_char(f) && !is_unspaced(f) => !is_word_char(b),
        _ => true,
    };
    let right_ok = match (last, after) {
        (Some(l), Some(a)) if is_word_char(l) && !is_unspaced(l) => !is_word_char(a),
        _ => true,
    };
    left_ok && right_ok
}
