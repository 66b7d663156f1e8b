//! Turns fetched bytes into UTF-8 text: finds the character set (BOM, HTTP header, XML
//! prolog or HTML `<meta>`) and decodes it. Never fails: invalid bytes become U+FFFD.

use std::borrow::Cow;
use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use regex::Regex;

/// How far into a document the prolog / `<meta>` is looked for (the HTML spec uses 1024).
const SNIFF_LEN: usize = 2048;

/// Decodes a document to UTF-8. The encoding is taken from, in order: a byte order mark,
/// the `charset` of the HTTP `Content-Type`, the XML declaration's `encoding` (or an HTML
/// `<meta charset>` / `http-equiv` tag), else UTF-8. Labels follow the WHATWG Encoding
/// standard (so `ISO-8859-1` decodes as windows-1252, as browsers do). The XML
/// declaration's `encoding` is rewritten to `UTF-8` so an XML parser reading the result
/// does not try to decode it a second time.
pub fn decode_document(bytes: &[u8], content_type: Option<&str>) -> String {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((enc, bom_len)) => (enc, &bytes[bom_len..]),
        None => (
            content_type
                .and_then(charset_param)
                .and_then(|label| Encoding::for_label(label.as_bytes()))
                .or_else(|| sniff(bytes))
                .unwrap_or(UTF_8),
            bytes,
        ),
    };
    // A label may name UTF-16 for bytes that have no BOM; decode as declared (e.g. HTTP
    // said so), the sniffer itself never picks UTF-16 (see `sniff`).
    let text = encoding.decode_without_bom_handling(body).0;
    let mut text = match text {
        Cow::Borrowed(s) => s.to_string(),
        Cow::Owned(s) => s,
    };
    rewrite_xml_declaration(&mut text);
    text
}

/// [`decode_document`] for a body the caller gives up: a UTF-8 body (the usual case) becomes
/// the text without a copy.
pub fn decode_document_owned(bytes: Vec<u8>, content_type: Option<&str>) -> String {
    let utf8 = match Encoding::for_bom(&bytes) {
        Some(_) => false,
        None => {
            content_type
                .and_then(charset_param)
                .and_then(|label| Encoding::for_label(label.as_bytes()))
                .or_else(|| sniff(&bytes))
                .unwrap_or(UTF_8)
                == UTF_8
        }
    };
    if !utf8 {
        return decode_document(&bytes, content_type);
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            rewrite_xml_declaration(&mut text);
            text
        }
        Err(e) => decode_document(e.as_bytes(), content_type),
    }
}

/// The `charset` parameter of a `Content-Type` value, unquoted.
pub fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

static XML_DECL: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r#"^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']"#)
        .expect("valid regex")
});

static META_CHARSET: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r#"(?i)<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)"#)
        .expect("valid regex")
});

/// Encoding declared inside the document: XML prolog first, else an HTML `<meta>`.
/// Only ASCII-compatible declarations are honoured: a document that says "UTF-16" in
/// ASCII bytes is not UTF-16 (the HTML spec treats that as UTF-8, and so do we).
fn sniff(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    let label = XML_DECL
        .captures(head)
        .or_else(|| META_CHARSET.captures(head))
        .map(|c| c.get(1).expect("group 1").as_bytes())?;
    let enc = Encoding::for_label(label)?;
    if enc == UTF_16LE || enc == UTF_16BE {
        Some(UTF_8)
    } else {
        Some(enc)
    }
}

static XML_DECL_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*<\?xml\b[^>]*?\?>"#).expect("valid regex"));
static ENCODING_ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bencoding\s*=\s*(?:"[^"]*"|'[^']*')"#).expect("valid regex"));

/// Sets the XML declaration's `encoding` to UTF-8 (the text now is UTF-8, whatever the
/// bytes were). Leaves everything else, including a missing declaration, alone.
fn rewrite_xml_declaration(text: &mut String) {
    let Some(decl) = XML_DECL_TEXT.find(text) else {
        return;
    };
    let decl_range = decl.range();
    let decl = decl.as_str();
    let Some(attr) = ENCODING_ATTR.find(decl) else {
        return;
    };
    let value = attr.as_str()["encoding".len()..]
        .trim_start()
        .trim_start_matches('=')
        .trim()
        .trim_matches(|c| c == '"' || c == '\'');
    if value.eq_ignore_ascii_case("utf-8") {
        return;
    }
    let start = decl_range.start + attr.start();
    let end = decl_range.start + attr.end();
    text.replace_range(start..end, r#"encoding="UTF-8""#);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owned_decoder_gives_the_same_text() {
        let cases: [(&[u8], Option<&str>); 6] = [
            (
                b"<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xC3\xA9</a>",
                None,
            ),
            (
                b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\xE9</a>",
                None,
            ),
            (b"<a>\xE9</a>", Some("text/xml; charset=windows-1252")),
            (b"<a>bad \xFF utf-8</a>", None),
            (
                b"\xEF\xBB\xBF<a>\xC3\xA9</a>",
                Some("text/xml; charset=koi8-r"),
            ),
            (b"<a>plain</a>", Some("application/rss+xml")),
        ];
        for (bytes, ct) in cases {
            assert_eq!(
                decode_document_owned(bytes.to_vec(), ct),
                decode_document(bytes, ct),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn bom_wins_over_everything() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>é</a>".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let text = decode_document(&bytes, Some("text/xml; charset=iso-8859-1"));
        assert_eq!(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>é</a>");

        let mut be = vec![0xFE, 0xFF];
        for unit in "<a>ж</a>".encode_utf16() {
            be.extend_from_slice(&unit.to_be_bytes());
        }
        assert_eq!(decode_document(&be, None), "<a>ж</a>");

        let utf8_bom = b"\xEF\xBB\xBF<a>\xC3\xA9</a>";
        assert_eq!(
            decode_document(utf8_bom, Some("text/xml; charset=koi8-r")),
            "<a>é</a>"
        );
    }

    #[test]
    fn http_charset_then_prolog() {
        // ISO-8859-1 declared in HTTP only.
        let text = decode_document(
            b"<a>caf\xE9</a>",
            Some("application/rss+xml; charset=\"ISO-8859-1\""),
        );
        assert_eq!(text, "<a>café</a>");
        // HTTP beats the prolog (RFC 7303).
        let doc = b"<?xml version='1.0' encoding='koi8-r'?><a>\xE9</a>";
        assert_eq!(
            decode_document(doc, Some("text/xml; charset=iso-8859-1")),
            "<?xml version='1.0' encoding=\"UTF-8\"?><a>é</a>"
        );
        // Prolog alone.
        assert_eq!(
            decode_document(doc, Some("text/xml")),
            "<?xml version='1.0' encoding=\"UTF-8\"?><a>\u{0418}</a>"
        );
    }

    #[test]
    fn windows_1252_curly_quotes() {
        let doc = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><t>\x93quoted\x94 \x80</t>";
        assert_eq!(
            decode_document(doc, None),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>\u{201C}quoted\u{201D} \u{20AC}</t>"
        );
        // ISO-8859-1 labels decode as windows-1252, like browsers.
        let doc = b"<t>\x93x\x94</t>";
        assert_eq!(
            decode_document(doc, Some("text/xml;charset=latin1")),
            "<t>\u{201C}x\u{201D}</t>"
        );
    }

    #[test]
    fn koi8r_and_shift_jis() {
        let (koi, _, _) =
            encoding_rs::KOI8_R.encode("<?xml version=\"1.0\" encoding=\"KOI8-R\"?><t>Привет</t>");
        assert_eq!(
            decode_document(&koi, None),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>Привет</t>"
        );
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("<t>日本語のニュース</t>");
        assert_eq!(
            decode_document(&sjis, Some("text/xml; charset=Shift_JIS")),
            "<t>日本語のニュース</t>"
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let text = decode_document(b"<t>ok \xFF\xFE bad \xC3</t>", None);
        assert_eq!(text, "<t>ok \u{FFFD}\u{FFFD} bad \u{FFFD}</t>");
        // Unknown labels fall through to the next source, then UTF-8.
        assert_eq!(
            decode_document(b"<t>\xC3\xA9</t>", Some("text/xml; charset=bogus")),
            "<t>é</t>"
        );
    }

    #[test]
    fn html_meta_charset() {
        let page =
            b"<html><head><meta charset=\"windows-1251\"><title>\xCF\xF0\xE8\xE2\xE5\xF2</title>";
        assert!(decode_document(page, Some("text/html")).contains("<title>Привет</title>"));
        let page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-15\"></head><p>\xA4</p>";
        assert!(decode_document(page, None).contains("<p>€</p>"));
        // A meta claiming UTF-16 in ASCII bytes is UTF-8.
        let page = b"<meta charset=utf-16><p>\xC3\xA9</p>";
        assert!(decode_document(page, None).contains("<p>é</p>"));
    }

    #[test]
    fn utf8_declaration_is_left_alone() {
        let doc = "<?xml version=\"1.0\" encoding='utf-8' standalone=\"yes\"?><a/>";
        assert_eq!(decode_document(doc.as_bytes(), None), doc);
        assert_eq!(
            decode_document(b"<?xml version=\"1.0\"?><a/>", None),
            "<?xml version=\"1.0\"?><a/>"
        );
    }
}
