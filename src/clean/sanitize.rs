//! Sanitising of text that came from the network: what may reach the terminal and what may not.
//! Owns the character policy (control characters, escape sequences, bidi overrides) and the
//! extra entity-decoding level for double-escaped publishers; never touches layout or styles.

use dom_query::Document as DomDocument;

/// Visible stand-in for ESC (U+001B): "SYMBOL FOR ESCAPE". An escape sequence in a feed thus
/// shows as harmless text such as `␛[31m` or `␛]52;c;…` instead of acting on the terminal.
pub const ESC_PLACEHOLDER: char = '\u{241B}';

/// What to do with one character of network text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CharClass {
    /// Keep as is.
    Keep,
    /// Collapsible whitespace (space, tab, newline, CR, form feed, NBSP, line separators).
    Space,
    /// Replace with [`ESC_PLACEHOLDER`].
    Escape,
    /// Drop silently: other C0/C1 controls, DEL, bidi embeddings/overrides/isolates, BOM,
    /// soft hyphen.
    Drop,
}

/// Classifies one character. The policy: ESC becomes a visible placeholder; every other C0
/// and C1 control (including the 8-bit CSI U+009B and OSC U+009D), DEL, the bidi controls
/// U+202A..U+202E and U+2066..U+2069, U+061C, the BOM and soft hyphens are dropped; tab,
/// newline, CR, form feed, vertical tab, NBSP and U+2028/U+2029 are whitespace.
#[inline]
pub(crate) fn classify(c: char) -> CharClass {
    match c {
        ' ' | '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{A0}' | '\u{2028}' | '\u{2029}' => {
            CharClass::Space
        }
        '\u{1B}' => CharClass::Escape,
        '\u{00}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => CharClass::Drop,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' => CharClass::Drop,
        '\u{FEFF}' | '\u{AD}' => CharClass::Drop,
        _ => CharClass::Keep,
    }
}

/// True when `c` may be written to the terminal as is (not whitespace-mapped, not dropped).
#[inline]
pub(crate) fn is_safe(c: char) -> bool {
    classify(c) == CharClass::Keep
}

/// One-line text from a feed (titles, authors, feed names): entities left by a double-escaping
/// publisher decoded, no control characters, escape sequences or bidi overrides, every run
/// of whitespace collapsed to one space, trimmed.
pub fn sanitize_inline(s: &str) -> String {
    let decoded = decode_extra_level(s);
    let mut out = String::with_capacity(decoded.len());
    let mut pending_space = false;
    for c in decoded.chars() {
        let class = if c.is_whitespace() {
            CharClass::Space
        } else {
            classify(c)
        };
        match class {
            CharClass::Keep => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            }
            CharClass::Space => pending_space = true,
            CharClass::Escape => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(ESC_PLACEHOLDER);
            }
            CharClass::Drop => {}
        }
    }
    out
}

/// Sanitises one line of verbatim text (a `pre` line): controls dropped, ESC made visible,
/// tabs expanded to 4-column stops, no trailing whitespace.
pub(crate) fn sanitize_verbatim_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut col = 0usize;
    for c in line.chars() {
        match c {
            '\t' => {
                let n = 4 - col % 4;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            ' ' | '\u{A0}' => {
                out.push(' ');
                col += 1;
            }
            _ => match classify(c) {
                CharClass::Keep => {
                    out.push(c);
                    col += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                }
                CharClass::Escape => {
                    out.push(ESC_PLACEHOLDER);
                    col += 1;
                }
                CharClass::Space | CharClass::Drop => {}
            },
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// Length in bytes of an entity reference (`&amp;`, `&#8217;`, `&#x2019;`) starting at the
/// beginning of `s`, if there is one.
fn entity_len(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'&') {
        return None;
    }
    let rest = &s[1..];
    let (body, max) = match rest.first()? {
        b'#' => match rest.get(1)? {
            b'x' | b'X' => {
                let n = rest[2..]
                    .iter()
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count();
                (2 + n, (1..=6).contains(&n))
            }
            _ => {
                let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
                (1 + n, (1..=7).contains(&n))
            }
        },
        b if b.is_ascii_alphabetic() => {
            let n = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            (n, (2..=32).contains(&n))
        }
        _ => return None,
    };
    (max && rest.get(body) == Some(&b';')).then_some(body + 2)
}

/// True when `s` still contains something that looks like an entity reference.
pub(crate) fn has_entity(s: &str) -> bool {
    let b = s.as_bytes();
    memchr_amp(b).any(|i| entity_len(&b[i..]).is_some())
}

fn memchr_amp(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    b.iter()
        .enumerate()
        .filter(|(_, c)| **c == b'&')
        .map(|(i, _)| i)
}

/// Decodes one more level of entities when the (already once decoded) text still contains
/// an entity pattern, as publishers that escape twice send it (`&amp;amp;`, `&amp;#8217;`).
/// Uses html5ever's own entity table by parsing the text as an HTML fragment with `<`
/// escaped, so no markup can appear. Text without an entity pattern is returned unchanged.
pub(crate) fn decode_extra_level(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') || !has_entity(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let escaped = s.replace('<', "&lt;");
    let doc = DomDocument::fragment(escaped);
    std::borrow::Cow::Owned(doc.root().text().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_drops_controls_and_bidi() {
        assert_eq!(
            sanitize_inline("  a\u{1b}[31mred\u{7}\u{202E}x\u{2066}  b\n"),
            "a\u{241B}[31mredx b"
        );
        assert_eq!(sanitize_inline("\u{9b}31m ok"), "31m ok");
    }

    #[test]
    fn extra_level_only_when_needed() {
        assert_eq!(decode_extra_level("Tom &amp; Jerry"), "Tom & Jerry");
        assert_eq!(decode_extra_level("it&#8217;s"), "it\u{2019}s");
        assert_eq!(decode_extra_level("a & b <c>"), "a & b <c>");
        assert_eq!(decode_extra_level("&lt;b&gt;"), "<b>");
        assert!(!has_entity("AT&T; & co"));
        assert!(has_entity("x &#x41; y"));
    }

    #[test]
    fn verbatim_expands_tabs() {
        assert_eq!(
            sanitize_verbatim_line("\tx\ty \u{1b}"),
            "    x   y \u{241B}"
        );
    }
}
