//! The searchable text of an article body: HTML reduced to its words in one cheap pass (no
//! DOM), for the full-text index (at write time) and for in-memory matching (kill rules at
//! ingest). Both use this one function, so both see the same words.
//!
//! Word boundaries follow what a reader sees: inline tags (`<b>`, `<a>`, `<span>`…) do not
//! split a word, other tags do; entities are decoded (`caf&eacute;` is one word); `<script>`,
//! `<style>` and comments are skipped. Pure computation.

use std::borrow::Cow;

use crate::model::{ArticleBody, BodyKind};

/// The text of `body` to search: HTML reduced to text, plain text as it is.
pub fn body_text(body: &ArticleBody) -> Cow<'_, str> {
    match body.kind {
        BodyKind::Text => Cow::Borrowed(&body.content),
        BodyKind::Html => Cow::Owned(html_to_text(&body.content)),
    }
}

/// Elements that do not break a word when they start or end inside one.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time",
    "tt", "u", "var", "wbr",
];

/// Elements whose content is not text.
const SKIPPED: &[&str] = &["script", "style", "template", "noscript"];

/// Reduces HTML to the words a reader sees (with spaces where blocks and line breaks are).
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut run = 0; // start of plain text not copied yet
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let Some(tag) = read_tag(html, i) else {
                    i += 1;
                    continue;
                };
                out.push_str(&html[run..i]);
                i = tag.end;
                if let Some(name) = tag.name {
                    let lower = name.to_ascii_lowercase();
                    if !tag.closing && SKIPPED.contains(&lower.as_str()) {
                        i = skip_element(html, i, &lower);
                    }
                    if !INLINE.contains(&lower.as_str()) {
                        out.push(' ');
                    }
                } else {
                    out.push(' ');
                }
                run = i;
            }
            b'&' => {
                if let Some((decoded, len)) = entity(&html[i..]) {
                    out.push_str(&html[run..i]);
                    if let Some(c) = decoded {
                        out.push(c);
                    }
                    i += len;
                    run = i;
                } else {
                    i += 1;
                }
            }
            0xC2 if bytes.get(i + 1) == Some(&0xAD) => {
                // A soft hyphen is invisible inside a word: drop it.
                out.push_str(&html[run..i]);
                i += 2;
                run = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&html[run..]);
    out
}

struct Tag<'a> {
    /// None for comments, doctypes and processing instructions.
    name: Option<&'a str>,
    closing: bool,
    /// Byte offset just past the tag.
    end: usize,
}

/// The tag starting at `html[at] == '<'`, if it is one (`a < b` is text).
fn read_tag(html: &str, at: usize) -> Option<Tag<'_>> {
    let rest = &html[at + 1..];
    let first = *rest.as_bytes().first()?;
    if let Some(comment) = rest.strip_prefix("!--") {
        let end = comment
            .find("-->")
            .map_or(html.len(), |k| at + 1 + 3 + k + 3);
        return Some(Tag {
            name: None,
            closing: false,
            end,
        });
    }
    if first == b'!' || first == b'?' {
        let end = rest.find('>').map_or(html.len(), |k| at + 1 + k + 1);
        return Some(Tag {
            name: None,
            closing: false,
            end,
        });
    }
    let (closing, name_at) = if first == b'/' { (true, 1) } else { (false, 0) };
    let name_len = rest[name_at..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b':')
        .count();
    if name_len == 0 || !rest.as_bytes()[name_at].is_ascii_alphabetic() {
        return None;
    }
    let name = &rest[name_at..name_at + name_len];
    // Find the closing '>' outside quoted attribute values.
    let mut quote: Option<u8> = None;
    let mut end = html.len();
    for (k, b) in rest.bytes().enumerate().skip(name_at + name_len) {
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => {
                end = at + 1 + k + 1;
                break;
            }
            _ => {}
        }
    }
    Some(Tag {
        name: Some(name),
        closing,
        end,
    })
}

/// Skips to just past `</name…>` (case-insensitively), or to the end.
fn skip_element(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(k) = html[i..].find("</") {
        let at = i + k;
        let after = at + 2;
        let candidate = bytes.get(after..after + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
            return html[after..]
                .find('>')
                .map_or(html.len(), |e| after + e + 1);
        }
        i = after;
    }
    html.len()
}

/// The entity at the start of `s` (`&amp;`, `&#8217;`, `&#x2019;`): the character it stands
/// for (None for one that is dropped, like `&shy;`) and its length. Unknown names are not
/// entities (browsers show them as written).
fn entity(s: &str) -> Option<(Option<char>, usize)> {
    let end = s.as_bytes().iter().take(40).position(|&b| b == b';')?;
    let body = &s[1..end];
    let len = end + 1;
    if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()
            }
            None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => num.parse().ok(),
            _ => return None,
        };
        let c = code
            .filter(|&c| c != 0)
            .and_then(char::from_u32)
            .unwrap_or('\u{FFFD}');
        return Some(((c != '\u{AD}').then_some(c), len));
    }
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    named(body).map(|c| (c, len))
}

/// Latin-1 entity names, U+00A0 to U+00FF.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Greek letter entity names, U+0391 to U+03A9 (upper, no U+03A2) and U+03B1 to U+03C9.
const GREEK: [&str; 24] = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi",
    "psi", "omega",
];

/// Decodes a named entity: the common ones (XML, Latin-1, Greek, typography). `Some(None)`
/// for one that stands for nothing visible; None for a name it does not know (left as text,
/// as browsers show it).
fn named(name: &str) -> Option<Option<char>> {
    if let Some(k) = LATIN1.iter().position(|n| *n == name) {
        let c = char::from_u32(0xA0 + k as u32)?;
        return Some((c != '\u{AD}').then_some(c));
    }
    if let Some(k) = GREEK.iter().position(|n| *n == name) {
        return Some(char::from_u32(0x3B1 + k as u32 + u32::from(k >= 17)));
    }
    let mut lower = name.chars();
    if let (Some(first), rest) = (lower.next(), lower.as_str()) {
        if first.is_ascii_uppercase() {
            let low = format!("{}{rest}", first.to_ascii_lowercase());
            if let Some(k) = GREEK.iter().position(|n| *n == low) {
                return Some(char::from_u32(0x391 + k as u32 + u32::from(k >= 17)));
            }
        }
    }
    let code = match name {
        "quot" => 0x22,
        "amp" => 0x26,
        "apos" => 0x27,
        "lt" => 0x3C,
        "gt" => 0x3E,
        "OElig" => 0x152,
        "oelig" => 0x153,
        "Scaron" => 0x160,
        "scaron" => 0x161,
        "Yuml" => 0x178,
        "fnof" => 0x192,
        "circ" => 0x2C6,
        "tilde" => 0x2DC,
        "sigmaf" => 0x3C2,
        "ensp" => 0x2002,
        "emsp" => 0x2003,
        "thinsp" => 0x2009,
        "zwnj" | "zwj" | "lrm" | "rlm" => return Some(None),
        "ndash" => 0x2013,
        "mdash" => 0x2014,
        "lsquo" => 0x2018,
        "rsquo" => 0x2019,
        "sbquo" => 0x201A,
        "ldquo" => 0x201C,
        "rdquo" => 0x201D,
        "bdquo" => 0x201E,
        "dagger" => 0x2020,
        "Dagger" => 0x2021,
        "bull" => 0x2022,
        "hellip" => 0x2026,
        "permil" => 0x2030,
        "prime" => 0x2032,
        "Prime" => 0x2033,
        "lsaquo" => 0x2039,
        "rsaquo" => 0x203A,
        "euro" => 0x20AC,
        "trade" => 0x2122,
        "larr" => 0x2190,
        "uarr" => 0x2191,
        "rarr" => 0x2192,
        "darr" => 0x2193,
        "harr" => 0x2194,
        "minus" => 0x2212,
        _ => return None,
    };
    Some(char::from_u32(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_tags_keep_words_together_blocks_split_them() {
        assert_eq!(
            html_to_text("<p>foo<b>bar</b></p><p>baz</p>")
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["foobar", "baz"]
        );
        assert_eq!(
            html_to_text("one<br>two")
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["one", "two"]
        );
        assert_eq!(
            html_to_text("<a href=\"x>y\" title='a>b'>link</a>text"),
            "linktext"
        );
    }

    #[test]
    fn entities_decode() {
        assert_eq!(
            html_to_text("caf&eacute; &amp; the&nbsp;end"),
            "café & the\u{a0}end"
        );
        assert_eq!(
            html_to_text("it&#8217;s &#x41;&#0; AT&T; a&b"),
            "it\u{2019}s A\u{FFFD} AT&T; a&b"
        );
        assert_eq!(
            html_to_text("con&shy;tinue con\u{AD}tinue"),
            "continue continue"
        );
        assert_eq!(
            html_to_text("&Sigma;&sigma;&sigmaf;&Omega;&omega;"),
            "ΣσςΩω"
        );
    }

    #[test]
    fn scripts_styles_comments_are_not_text() {
        let html = "a<script>var x = '<p>no</p>';</script>b<!-- c --><STYLE>p{}</style>d<?x?>e";
        assert_eq!(
            html_to_text(html).split_whitespace().collect::<String>(),
            "abde"
        );
        assert_eq!(html_to_text("1 < 2 and <3"), "1 < 2 and <3");
        assert_eq!(html_to_text("<script>never closed"), " ");
    }
}
