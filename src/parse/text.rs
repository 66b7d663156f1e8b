//! The text of a feed document: XML character data decoded (entity and character references,
//! HTML named entities, CDATA, line ends), titles turned into one line of plain text (HTML
//! markup removed only where it is markup), and the repairs real feeds need (Windows-1252 C1
//! characters, base64). Pure functions; borrows from the input whenever nothing changes.

use std::borrow::Cow;

use crate::clean::sanitize_inline;

/// How the raw content of an element is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Character data: references and CDATA decoded. Markup nested in the element (invalid
    /// in plain RSS, common in practice) is kept as it is, so it reads as HTML.
    Escaped,
    /// Inline XML (Atom `type="xhtml"`, `mode="xml"`): the content *is* markup and is kept as
    /// HTML source: references stay escaped, CDATA is escaped, namespace prefixes of tags go.
    Markup,
}

/// Entities declared in the document's internal DTD subset (`<!ENTITY name "value">`).
#[derive(Debug, Default)]
pub(crate) struct Entities(Vec<(String, String)>);

impl Entities {
    /// Reads the declarations of a `<!DOCTYPE ...>` body.
    pub(crate) fn read_doctype(&mut self, doctype: &str) {
        let mut rest = doctype;
        while let Some(at) = rest.find("<!ENTITY") {
            rest = &rest[at + 8..];
            let mut words = rest.trim_start();
            if words.starts_with('%') {
                continue; // parameter entities: not text
            }
            let name_len = words
                .find(|c: char| c.is_whitespace())
                .unwrap_or(words.len());
            let name = &words[..name_len];
            words = words[name_len..].trim_start();
            let Some(quote) = words.chars().next().filter(|q| *q == '"' || *q == '\'') else {
                continue;
            };
            let Some(end) = words[1..].find(quote) else {
                break;
            };
            let value = &words[1..1 + end];
            if !name.is_empty() && !self.0.iter().any(|(n, _)| n == name) {
                let value = decode(value, Mode::Escaped, &Entities::default()).into_owned();
                self.0.push((name.to_string(), value));
            }
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Finds the end of a CDATA section (the searcher is built once).
pub(crate) fn find_cdata_end(haystack: &[u8]) -> Option<usize> {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"]]>"));
    FINDER.find(haystack)
}

/// Decodes the raw source of an element's content (what lies between its tags).
pub(crate) fn decode<'a>(raw: &'a str, mode: Mode, dtd: &Entities) -> Cow<'a, str> {
    let bytes = raw.as_bytes();
    if memchr::memchr3(b'&', b'<', b'\r', bytes).is_none() {
        return Cow::Borrowed(raw);
    }
    // The common case of a body in one CDATA section: borrow its inside.
    if mode == Mode::Escaped {
        let t = raw.trim();
        if let Some(inner) = t
            .strip_prefix("<![CDATA[")
            .and_then(|s| s.strip_suffix("]]>"))
        {
            let b = inner.as_bytes();
            if find_cdata_end(b).is_none() && memchr::memchr(b'\r', b).is_none() {
                return Cow::Borrowed(inner);
            }
        }
    }
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    let mut depth = 0usize;
    while i < raw.len() {
        let Some(off) = memchr::memchr3(b'&', b'<', b'\r', &bytes[i..]) else {
            out.push_str(&raw[i..]);
            break;
        };
        out.push_str(&raw[i..i + off]);
        i += off;
        match bytes[i] {
            b'\r' => {
                out.push('\n');
                i += 1;
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'&' => {
                if mode == Mode::Escaped && depth == 0 {
                    match reference(&raw[i..], dtd) {
                        Some((len, value)) => {
                            value.push_to(&mut out);
                            i += len;
                        }
                        None => {
                            out.push('&');
                            i += 1;
                        }
                    }
                } else {
                    // Markup keeps references for the HTML parser, except the ones only this
                    // document's DTD knows.
                    match reference(&raw[i..], dtd) {
                        Some((len, Ref::Text(value))) => {
                            escape_html_into(&mut out, value);
                            i += len;
                        }
                        _ => {
                            out.push('&');
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                let rest = &raw[i..];
                if let Some(body) = rest.strip_prefix("<![CDATA[") {
                    let end = find_cdata_end(body.as_bytes()).unwrap_or(body.len());
                    let inner = &body[..end];
                    if mode == Mode::Escaped && depth == 0 {
                        push_normalized(&mut out, inner);
                    } else {
                        escape_html_into(&mut out, inner);
                    }
                    i += 9 + (end + 3).min(body.len());
                } else if rest.starts_with("<!--") {
                    i +=
                        memchr::memmem::find(rest.as_bytes(), b"-->").map_or(rest.len(), |e| e + 3);
                } else if rest.starts_with("<?") {
                    i += rest.find("?>").map_or(rest.len(), |e| e + 2);
                } else if rest.starts_with("<!") {
                    i += rest.find('>').map_or(rest.len(), |e| e + 1);
                } else {
                    let Some(len) = tag_len(rest) else {
                        out.push_str(rest);
                        break;
                    };
                    let tag = &rest[..len];
                    if tag.starts_with("</") {
                        depth = depth.saturating_sub(1);
                    } else if !tag.ends_with("/>") {
                        depth += 1;
                    }
                    if mode == Mode::Markup {
                        push_unprefixed_tag(&mut out, tag);
                    } else {
                        out.push_str(tag);
                    }
                    i += len;
                }
            }
        }
    }
    Cow::Owned(out)
}

/// Length of the tag at the start of `s` (`<...>`, quotes respected), if it closes.
fn tag_len(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, b) in s.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// `<xhtml:p class="x">` as `<p class="x">`: HTML knows no namespace prefixes.
fn push_unprefixed_tag(out: &mut String, tag: &str) {
    let open = if tag.starts_with("</") { 2 } else { 1 };
    let name_end = tag[open..]
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .map_or(tag.len(), |e| e + open);
    match tag[open..name_end].rfind(':') {
        Some(colon) => {
            out.push_str(&tag[..open]);
            out.push_str(&tag[open + colon + 1..]);
        }
        None => out.push_str(tag),
    }
}

fn push_normalized(out: &mut String, s: &str) {
    if s.contains('\r') {
        out.push_str(&s.replace("\r\n", "\n").replace('\r', "\n"));
    } else {
        out.push_str(s);
    }
}

pub(crate) fn escape_html_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => {}
            _ => out.push(c),
        }
    }
}

/// A resolved reference.
enum Ref<'d> {
    Char(char),
    Pair(char, char),
    Text(&'d str),
}

impl Ref<'_> {
    fn push_to(&self, out: &mut String) {
        match self {
            Ref::Char(c) => out.push(*c),
            Ref::Pair(a, b) => {
                out.push(*a);
                out.push(*b);
            }
            Ref::Text(t) => out.push_str(t),
        }
    }
}

/// The reference at the start of `s` (`&amp;`, `&#8217;`, `&#x2019;`, `&eacute;`): its length
/// and value. Character references in the C1 range are read as Windows-1252, as HTML does.
/// `None` for a lone `&` or a name nobody defines (it is then kept as written).
fn reference<'d>(s: &str, dtd: &'d Entities) -> Option<(usize, Ref<'d>)> {
    let b = s.as_bytes();
    let semi = b.iter().take(40).position(|c| *c == b';')?;
    let name = &s[1..semi];
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() => u32::from_str_radix(hex, 16).ok()?,
            Some(_) => return None,
            None if !num.is_empty() => num.parse::<u32>().ok()?,
            None => return None,
        };
        return Some((semi + 1, Ref::Char(char_from_code(code))));
    }
    if name.is_empty()
        || !name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.')
    {
        return None;
    }
    let value = match name {
        "lt" => Ref::Char('<'),
        "gt" => Ref::Char('>'),
        "amp" => Ref::Char('&'),
        "quot" => Ref::Char('"'),
        "apos" => Ref::Char('\''),
        _ => {
            if let Some(text) = dtd.get(name) {
                Ref::Text(text)
            } else {
                // HTML's table, keyed with the semicolon: RSS 0.91's DTD and habit put
                // `&nbsp;` and `&eacute;` in feeds.
                let &(a, b2) = web_atoms::NAMED_ENTITIES.get(&s[1..=semi])?;
                let a = char::from_u32(a)?;
                match char::from_u32(b2).filter(|_| b2 != 0) {
                    Some(second) => Ref::Pair(a, second),
                    None => Ref::Char(a),
                }
            }
        }
    };
    Some((semi + 1, value))
}

fn char_from_code(code: u32) -> char {
    match code {
        0 => '\u{FFFD}',
        0x80..=0x9F => windows_1252(code as u8).unwrap_or('\u{FFFD}'),
        _ => char::from_u32(code).unwrap_or('\u{FFFD}'),
    }
}

/// What a byte 0x80..=0x9F means in Windows-1252 (`None` for the five it leaves undefined).
pub(crate) fn windows_1252(byte: u8) -> Option<char> {
    web_atoms::C1_REPLACEMENTS
        .get(usize::from(byte.wrapping_sub(0x80)))
        .copied()
        .flatten()
}

/// Replaces C1 control characters (U+0080..U+009F) with what Windows-1252 meant by those
/// bytes (`\u{92}` is `’`), as browsers and other readers repair text mislabelled as Latin-1.
/// The five bytes Windows-1252 leaves undefined are kept (the sanitiser drops them).
pub(crate) fn repair_c1(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let has_c1 = memchr::memchr_iter(0xC2, b).any(|i| matches!(b.get(i + 1), Some(0x80..=0x9F)));
    if !has_c1 {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{80}'..='\u{9F}' => windows_1252(c as u8).unwrap_or(c),
                _ => c,
            })
            .collect(),
    )
}

/// Decodes base64 (standard or URL-safe alphabet, whitespace and missing padding tolerated).
pub(crate) fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// What a title (or a name) is known to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// Declared plain text (Atom `type="text"`): angle brackets are text.
    Plain,
    /// Declared HTML (Atom `type="html"`, `type="xhtml"`).
    Html,
    /// Undeclared (RSS, JSON Feed): plain text unless it holds real inline markup.
    Guess,
}

/// A title as one line of plain text: markup removed where it is markup, entities decoded,
/// sanitised (no control characters, escape sequences or bidi overrides; C1 repaired).
pub(crate) fn inline(text: &str, kind: TextKind) -> String {
    match kind {
        TextKind::Plain => sanitize_inline(text),
        TextKind::Html => sanitize_inline(&html_entities(&strip_markup(text, true))),
        TextKind::Guess if has_markup(text) => {
            sanitize_inline(&html_entities(&strip_markup(text, false)))
        }
        TextKind::Guess => sanitize_inline(text),
    }
}

/// HTML elements whose tags in a title are markup, not text.
const HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "b",
    "big",
    "blink",
    "blockquote",
    "br",
    "center",
    "cite",
    "code",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "nobr",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "time",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
    "script",
    "style",
];

/// Elements that end a line or a block: a space stands in for them in one-line text.
const BREAKING_TAGS: &[&str] = &[
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "ul",
];

/// One tag at the start of `s`: (length, name lower-cased, closing, has attributes).
fn parse_tag(s: &str) -> Option<(usize, String, bool, bool)> {
    let b = s.as_bytes();
    let closing = b.get(1) == Some(&b'/');
    let start = if closing { 2 } else { 1 };
    if !b.get(start)?.is_ascii_alphabetic() {
        return None;
    }
    let name_len = b[start..]
        .iter()
        .position(|c| !c.is_ascii_alphanumeric() && *c != b':' && *c != b'-')
        .unwrap_or(b.len() - start);
    let after = *b.get(start + name_len)?;
    if !(after.is_ascii_whitespace() || after == b'>' || after == b'/') {
        return None;
    }
    let len = tag_len(s)?;
    let name = s[start..start + name_len].to_ascii_lowercase();
    let attrs = s[start + name_len..len - 1]
        .trim()
        .trim_end_matches('/')
        .trim();
    Some((len, name, closing, !attrs.is_empty()))
}

fn known_tag(name: &str) -> bool {
    let name = name.rsplit(':').next().unwrap_or(name);
    HTML_TAGS.contains(&name)
}

/// True when `s` holds real inline HTML markup: a known element's end tag, a `<br>` or
/// `<img>`, or a known element with attributes. `Vec<T>` and `a <p> tag` are not markup.
pub(crate) fn has_markup(s: &str) -> bool {
    if !s.contains('<') {
        return false;
    }
    let mut rest = s;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if let Some((len, name, closing, attrs)) = parse_tag(rest) {
            if known_tag(&name)
                && (closing || attrs || matches!(name.as_str(), "br" | "img" | "hr" | "wbr"))
            {
                return true;
            }
            rest = &rest[len..];
        } else {
            rest = &rest[1..];
        }
    }
    false
}

/// Removes tags: every tag (`all`, for declared HTML) or only known HTML elements (a guessed
/// title). The content of `script` and `style` goes with them; comments go. Tags that break
/// a line leave a space. Text between other angle brackets is kept.
fn strip_markup(s: &str, all: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |e| &rest[e + 3..]);
            continue;
        }
        match parse_tag(rest) {
            Some((len, name, closing, _)) if all || known_tag(&name) => {
                let local = name.rsplit(':').next().unwrap_or(&name).to_string();
                if BREAKING_TAGS.contains(&local.as_str()) {
                    out.push(' ');
                }
                rest = &rest[len..];
                if !closing && (local == "script" || local == "style") {
                    let end = format!("</{local}");
                    let lower = rest.to_ascii_lowercase();
                    rest = match lower.find(&end) {
                        Some(e) => {
                            let after = &rest[e..];
                            after.find('>').map_or("", |g| &after[g + 1..])
                        }
                        None => "",
                    };
                }
            }
            _ => {
                out.push('<');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes HTML references (`&amp;`, `&#8217;`, `&eacute;`) once; nothing else changes.
fn html_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let none = Entities::default();
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match reference(rest, &none) {
            Some((len, value)) => {
                value.push_to(&mut out);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Removes markup for matching and for titles. Not a renderer: the cleaner renders bodies.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        decode(s, Mode::Escaped, &Entities::default()).into_owned()
    }

    #[test]
    fn character_data_is_decoded_and_borrowed_when_plain() {
        assert!(matches!(
            decode("plain", Mode::Escaped, &Entities::default()),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            decode(
                " <![CDATA[<p>x</p>]]>\n",
                Mode::Escaped,
                &Entities::default()
            ),
            Cow::Borrowed("<p>x</p>")
        ));
        assert_eq!(
            esc("AT&T &amp; &lt;b&gt; &#x2019; &#8217;"),
            "AT&T & <b> \u{2019} \u{2019}"
        );
        assert_eq!(
            esc("caf&eacute; &nbsp;&unknown; &#146;"),
            "caf\u{e9} \u{a0}&unknown; \u{2019}"
        );
        assert_eq!(esc("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(esc("<![CDATA[x &amp;]]> &amp; y"), "x &amp; & y");
        assert_eq!(
            esc("a <b>b &amp; c</b> d<!-- no -->"),
            "a <b>b &amp; c</b> d"
        );
    }

    #[test]
    fn markup_mode_keeps_html_source() {
        let m = |s| decode(s, Mode::Markup, &Entities::default()).into_owned();
        assert_eq!(
            m("<xhtml:div xmlns:xhtml=\"x\"><xhtml:p>a &amp; b</xhtml:p><br/></xhtml:div>"),
            "<div xmlns:xhtml=\"x\"><p>a &amp; b</p><br/></div>"
        );
        assert_eq!(m("<![CDATA[<b>]]>"), "&lt;b&gt;");
    }

    #[test]
    fn doctype_entities_are_read() {
        let mut e = Entities::default();
        e.read_doctype(r#"rss [ <!ENTITY mdash "&#x2014;"> <!ENTITY co 'Acme &amp; Co'> ]"#);
        assert_eq!(
            decode("a&mdash;b &co;", Mode::Escaped, &e),
            "a\u{2014}b Acme & Co"
        );
    }

    #[test]
    fn c1_is_windows_1252() {
        assert_eq!(
            repair_c1("don\u{92}t \u{93}q\u{94} \u{80}5"),
            "don\u{2019}t \u{201c}q\u{201d} \u{20ac}5"
        );
        assert!(matches!(repair_c1("caf\u{e9}"), Cow::Borrowed(_)));
        assert_eq!(repair_c1("\u{81}"), "\u{81}");
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(base64("PHA+aGk8L3A+").unwrap(), b"<p>hi</p>");
        assert_eq!(base64("PHA+aGk8\nL3A+\n").unwrap(), b"<p>hi</p>");
        assert_eq!(base64("aGk").unwrap(), b"hi");
        assert!(base64("*").is_none());
    }

    #[test]
    fn titles_lose_markup_only_where_it_is_markup() {
        assert_eq!(inline("<b>Bold</b> move", TextKind::Guess), "Bold move");
        assert_eq!(inline("E = mc<sup>2</sup>", TextKind::Guess), "E = mc2");
        assert_eq!(
            inline("<a href=\"x\">Link</a> text", TextKind::Guess),
            "Link text"
        );
        assert_eq!(
            inline("Vec<T> is not Box<[T]>", TextKind::Guess),
            "Vec<T> is not Box<[T]>"
        );
        assert_eq!(
            inline("Use the <p> element", TextKind::Guess),
            "Use the <p> element"
        );
        assert_eq!(
            inline("Vec<T> in <code>std</code>", TextKind::Guess),
            "Vec<T> in std"
        );
        assert_eq!(inline("<b>x</b> y", TextKind::Plain), "<b>x</b> y");
        assert_eq!(inline("a<br>b &amp; c", TextKind::Html), "a b & c");
        assert_eq!(
            inline("<script>alert(1)</script>safe", TextKind::Html),
            "safe"
        );
        assert_eq!(
            inline("History of the &lt;blink&gt; tag", TextKind::Html),
            "History of the <blink> tag"
        );
    }
}
