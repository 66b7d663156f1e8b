//! Sanitising of text that came from the network: what may reach the terminal and what may not.
//! Owns the character policy (control characters, escape sequences, bidi overrides, C1
//! repair) and the extra entity-decoding level for double-escaped publishers; never touches
//! layout or styles.

use std::borrow::Cow;

use dom_query::Document as DomDocument;

/// What to do with one character of network text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CharClass {
    /// Keep as is.
    Keep,
    /// Collapsible whitespace (space, tab, newline, CR, form feed, NBSP, line separators).
    Space,
    /// Show this character instead: a C1 control (U+0080..U+009F) is what Windows-1252
    /// meant by that byte (`\u{92}` is `’`), as browsers repair mislabelled text.
    Replace(char),
    /// Drop silently: other C0/C1 controls (ESC alone included: whole escape sequences are
    /// removed before classification), DEL, bidi embeddings/overrides/isolates, BOM, soft
    /// hyphen.
    Drop,
}

/// What a C1 control means in Windows-1252 (`None` for the five bytes it leaves undefined).
fn windows_1252(c: char) -> Option<char> {
    let index = (c as u32).checked_sub(0x80)?;
    web_atoms::C1_REPLACEMENTS
        .get(usize::try_from(index).ok()?)
        .copied()
        .flatten()
}

/// Classifies one character (of text whose escape sequences [`strip_escape_sequences`] has
/// removed). The policy: C1 controls become their Windows-1252 character, or are dropped when
/// it has none; every C0 control, DEL, the bidi controls U+202A..U+202E and U+2066..U+2069,
/// U+061C, the BOM and soft hyphens are dropped; tab, newline, CR, form feed, vertical tab,
/// NBSP and U+2028/U+2029 are whitespace. Nothing a terminal acts on is ever kept.
#[inline]
pub(crate) fn classify(c: char) -> CharClass {
    match c {
        ' ' | '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{A0}' | '\u{2028}' | '\u{2029}' => {
            CharClass::Space
        }
        '\u{80}'..='\u{9F}' => windows_1252(c).map_or(CharClass::Drop, CharClass::Replace),
        '\u{00}'..='\u{1F}' | '\u{7F}' => CharClass::Drop,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' => CharClass::Drop,
        '\u{FEFF}' | '\u{AD}' => CharClass::Drop,
        _ => CharClass::Keep,
    }
}

/// True when `c` may be written to the terminal as is (not whitespace-mapped, replaced or
/// dropped).
#[inline]
pub(crate) fn is_safe(c: char) -> bool {
    classify(c) == CharClass::Keep
}

/// Removes terminal escape sequences whole, so that `ESC[31mBREAKING ESC[0m` reads
/// `BREAKING`: CSI (`ESC [` parameters, intermediates, final byte; and the 8-bit CSI U+009B
/// followed by parameters), OSC, DCS, SOS, PM and APC strings (`ESC ]` ... up to BEL, `ESC \`
/// or U+009C; the 8-bit OSC U+009D and DCS U+0090), and the other `ESC` sequences (`ESC (B`,
/// `ESC 7`). An unterminated string sequence runs to the end of the text, as a terminal would
/// read it. A lone ESC is left for [`classify`] to drop.
pub(crate) fn strip_escape_sequences(s: &str) -> Cow<'_, str> {
    if !s.contains(['\u{1B}', '\u{9B}', '\u{9D}', '\u{90}']) {
        return Cow::Borrowed(s);
    }
    let in_range =
        |c: Option<&char>, lo: u32, hi: u32| c.is_some_and(|c| (lo..=hi).contains(&(*c as u32)));
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    // Consumes a control string up to and including its terminator.
    fn string_body(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
        while let Some(c) = chars.next() {
            match c {
                '\u{07}' | '\u{9C}' => return,
                '\u{1B}' if chars.peek() == Some(&'\\') => {
                    chars.next();
                    return;
                }
                _ => {}
            }
        }
    }
    while let Some(c) = chars.next() {
        match c {
            '\u{1B}' => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    while in_range(chars.peek(), 0x30, 0x3F) {
                        chars.next();
                    }
                    while in_range(chars.peek(), 0x20, 0x2F) {
                        chars.next();
                    }
                    if in_range(chars.peek(), 0x40, 0x7E) {
                        chars.next();
                    }
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    string_body(&mut chars);
                }
                Some(n) if (0x20..=0x2F).contains(&(n as u32)) => {
                    while in_range(chars.peek(), 0x20, 0x2F) {
                        chars.next();
                    }
                    if in_range(chars.peek(), 0x30, 0x7E) {
                        chars.next();
                    }
                }
                Some(n) if (0x30..=0x7E).contains(&(n as u32)) => {
                    chars.next();
                }
                _ => out.push(c), // a lone ESC: dropped by `classify`
            },
            '\u{9B}' => {
                // An 8-bit CSI only when parameters and a final byte follow (`\u{9B}2J`);
                // otherwise the Windows-1252 `›` it usually is.
                let mut ahead = chars.clone();
                let mut params = 0;
                while in_range(ahead.peek(), 0x30, 0x3F) {
                    ahead.next();
                    params += 1;
                }
                while in_range(ahead.peek(), 0x20, 0x2F) {
                    ahead.next();
                }
                if params > 0 && in_range(ahead.peek(), 0x40, 0x7E) {
                    ahead.next();
                    chars = ahead;
                } else {
                    out.push(c);
                }
            }
            '\u{9D}' | '\u{90}' => string_body(&mut chars),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One-line text from a feed (titles, authors, feed names): entities left by a double-escaping
/// publisher decoded, escape sequences removed whole, C1 controls repaired, no control
/// characters or bidi overrides, every run of whitespace collapsed to one space, trimmed.
pub fn sanitize_inline(s: &str) -> String {
    // Most titles are already clean: printable ASCII, single spaces, nothing to decode.
    let b = s.as_bytes();
    let clean = b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && b.iter()
            .all(|c| (0x21..0x7F).contains(c) && *c != b'&' || *c == b' ')
        && memchr::memmem::find(b, b"  ").is_none();
    if clean {
        return s.to_string();
    }
    let decoded = decode_extra_level(s);
    let stripped = strip_escape_sequences(&decoded);
    let mut out = String::with_capacity(stripped.len());
    let mut pending_space = false;
    for c in stripped.chars() {
        let class = if c.is_whitespace() {
            CharClass::Space
        } else {
            classify(c)
        };
        let shown = match class {
            CharClass::Keep => c,
            CharClass::Replace(r) => r,
            CharClass::Space => {
                pending_space = true;
                continue;
            }
            CharClass::Drop => continue,
        };
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(shown);
    }
    out
}

/// Sanitises one line of verbatim text (a `pre` line): escape sequences removed, controls
/// dropped, C1 repaired, tabs expanded to 4-column stops, no trailing whitespace.
pub(crate) fn sanitize_verbatim_line(line: &str) -> String {
    let line = strip_escape_sequences(line);
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
                CharClass::Replace(r) => {
                    out.push(r);
                    col += unicode_width::UnicodeWidthChar::width(r).unwrap_or(0);
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
            "aredx b"
        );
        // An 8-bit CSI with its parameters goes whole; a lone U+009B is Windows-1252's `›`.
        assert_eq!(sanitize_inline("\u{9b}31m ok"), "ok");
        assert_eq!(sanitize_inline("Next \u{9b}"), "Next \u{203a}");
    }

    #[test]
    fn escape_sequences_are_removed_whole() {
        let s = |t| strip_escape_sequences(t).into_owned();
        assert_eq!(s("\u{1b}[31mBREAKING\u{1b}[0m"), "BREAKING");
        assert_eq!(s("\u{1b}[1;2;3 qx"), "x");
        assert_eq!(s("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(s("a\u{1b}]52;c;ZXZpbA==\u{1b}\\b"), "ab");
        assert_eq!(s("a\u{1b}Pq#0;2\u{1b}\\b"), "ab");
        assert_eq!(s("a\u{1b}(Bb\u{1b}7c"), "abc");
        assert_eq!(s("a\u{9d}8;;http://x\u{9c}b"), "ab");
        assert_eq!(s("a\u{1b}]0;never ends"), "a");
        assert_eq!(s("no escapes"), "no escapes");
        assert!(matches!(strip_escape_sequences("plain"), Cow::Borrowed(_)));
        // Whatever is left is never something a terminal acts on.
        for t in [
            "\u{1b}",
            "\u{1b}\u{1b}[",
            "\u{1b}[",
            "\u{9b}",
            "x\u{1b}\u{9b}1",
        ] {
            assert!(!sanitize_inline(t).chars().any(char::is_control), "{t:?}");
        }
    }

    #[test]
    fn c1_controls_are_windows_1252() {
        assert_eq!(sanitize_inline("don\u{92}t"), "don\u{2019}t");
        assert_eq!(
            sanitize_inline("\u{93}quoted\u{94}"),
            "\u{201c}quoted\u{201d}"
        );
        assert_eq!(sanitize_inline("a\u{81}b"), "ab");
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
        assert_eq!(sanitize_verbatim_line("\tx\ty \u{1b}"), "    x   y");
        assert_eq!(
            sanitize_verbatim_line("\u{1b}[2Jcode\u{92}s"),
            "code\u{2019}s"
        );
    }
}
