//! Boilerplate rules: which whole short blocks (cookie notices, "Read more", share prompts...)
//! are dropped. Owns the rule syntax of `assets/boilerplate.txt` and of the config's
//! `boilerplate` patterns; never removes a block longer than [`MAX_WORDS`] words.

use regex::{Regex, RegexBuilder};

use super::CleanError;

/// The built-in rules, one per line (see the file for the syntax).
pub(crate) const BUILTIN: &str = include_str!("../../assets/boilerplate.txt");

/// No rule ever removes a block with more words than this: a real paragraph that merely
/// mentions cookies or sharing is always longer than a notice.
pub(crate) const MAX_WORDS: usize = 40;

/// Blocks that `start:` rules may remove are at most this long.
const MAX_START_WORDS: usize = 25;

#[derive(Debug)]
enum Rule {
    /// The phrase occurs (at word boundaries) and makes up at least half the block's words.
    Phrase { text: String, words: usize },
    /// The block starts with the phrase and has at most `MAX_START_WORDS` words.
    Start(String),
    /// The block contains the phrase anywhere (distinctive phrases only).
    Any(String),
    /// The regular expression matches the normalised block.
    Re(Regex),
}

/// A compiled set of boilerplate rules.
#[derive(Debug)]
pub(crate) struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// Built-in rules plus the user's patterns (same syntax; a plain line is a phrase).
    pub(crate) fn new(extra: &[String]) -> Result<Rules, CleanError> {
        let mut rules = Vec::new();
        for (i, line) in BUILTIN.lines().enumerate() {
            if let Some(rule) = parse_line(line).map_err(|reason| CleanError::BadPattern {
                origin: format!("assets/boilerplate.txt line {}", i + 1),
                pattern: line.to_string(),
                reason,
            })? {
                rules.push(rule);
            }
        }
        for pattern in extra {
            if let Some(rule) = parse_line(pattern).map_err(|reason| CleanError::BadPattern {
                origin: "the config's `boilerplate` list".to_string(),
                pattern: pattern.clone(),
                reason,
            })? {
                rules.push(rule);
            }
        }
        Ok(Rules { rules })
    }

    /// True when the block whose visible text is `text` is boilerplate.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let norm = normalize(text);
        if norm.is_empty() {
            return false;
        }
        let words = norm.split(' ').count();
        if words > MAX_WORDS {
            return false;
        }
        self.rules.iter().any(|rule| match rule {
            Rule::Phrase { text, words: 1 } => norm == *text,
            Rule::Phrase { text, words: n } => *n * 2 >= words && contains_words(&norm, text),
            Rule::Start(p) => {
                words <= MAX_START_WORDS
                    && norm.starts_with(p.as_str())
                    && boundary_after(&norm, p.len())
            }
            Rule::Any(p) => contains_words(&norm, p),
            Rule::Re(re) => re.is_match(&norm),
        })
    }
}

fn parse_line(line: &str) -> Result<Option<Rule>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let nonempty = |p: String| {
        if p.is_empty() {
            Err("the pattern is empty after normalisation".to_string())
        } else {
            Ok(p)
        }
    };
    let rule = if let Some(re) = line.strip_prefix("re:") {
        let re = RegexBuilder::new(re.trim())
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| format!("not a valid regular expression: {e}"))?;
        Rule::Re(re)
    } else if let Some(p) = line.strip_prefix("start:") {
        Rule::Start(nonempty(normalize(p))?)
    } else if let Some(p) = line.strip_prefix("any:") {
        Rule::Any(nonempty(normalize(p))?)
    } else {
        let text = nonempty(normalize(line))?;
        let words = text.split(' ').count();
        Rule::Phrase { text, words }
    };
    Ok(Some(rule))
}

/// Lower-cases, unifies apostrophes, collapses whitespace and trims non-alphanumeric
/// characters (arrows, ellipses, brackets, punctuation) from both ends.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        match c {
            '\u{2019}' | '\u{2018}' | '`' => out.push('\''),
            c => out.extend(c.to_lowercase()),
        }
    }
    let trimmed = out.trim_matches(|c: char| !c.is_alphanumeric());
    trimmed.to_string()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

fn boundary_after(s: &str, end: usize) -> bool {
    s[end..].chars().next().is_none_or(|c| !is_word(c))
}

fn contains_words(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let before_ok = hay[..start].chars().next_back().is_none_or(|c| !is_word(c));
        if before_ok && boundary_after(hay, end) {
            return true;
        }
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::new(&[]).unwrap()
    }

    #[test]
    fn builtin_rules_parse_and_match_notices() {
        let r = rules();
        assert!(r.matches("READ SOURCE"));
        assert!(r.matches("Read more »"));
        assert!(r.matches("Continue reading \u{201c}A long title here\u{201d} \u{2192}"));
        assert!(r.matches(
            "This website uses cookies. By continuing to use this site, you accept our use of cookies."
        ));
        assert!(r.matches("The post Ten things appeared first on Example Blog."));
        assert!(r.matches("Advertisement"));
        assert!(r.matches("Share on Twitter"));
        assert!(r.matches("Share: Facebook, Twitter, LinkedIn, Email"));
        assert!(r.matches("Follow us on Mastodon and Bluesky"));
    }

    #[test]
    fn real_content_stays() {
        let r = rules();
        assert!(!r.matches("I read more books this year than in the last five."));
        assert!(!r.matches("Grandma baked cookies for the whole street."));
        assert!(!r.matches(
            "Advertisers rely on third-party cookies to follow people across sites, and browser \
             makers have promised for years to phase them out; regulators now say the share of \
             tracked users has barely moved, and they want a deadline that holds this time."
        ));
    }

    #[test]
    fn user_patterns_and_errors() {
        let r = Rules::new(&["Sponsored by Acme".into(), "re:^promo code \\w+$".into()]).unwrap();
        assert!(r.matches("Sponsored by ACME!"));
        assert!(r.matches("Promo code SAVE10"));
        let err = Rules::new(&["re:(".into()]).unwrap_err();
        assert!(err.to_string().contains("boilerplate"), "{err}");
    }
}
