//! URLs in a feed: relative references resolved against `xml:base` (nested, relative to the
//! document's URL or to each other) and absolute ones normalised the way article ids have
//! always been computed; relative `href`/`src` in HTML content rewritten against the content's
//! `xml:base`. Pure functions.

use std::borrow::Cow;

use url::Url;

/// A link as tidings keeps it: an absolute URL normalised by the URL standard (as article
/// ids have always been derived from), a relative one resolved against `base`, anything
/// unparseable as written. `None` when empty.
pub(crate) fn link(href: &str, base: Option<&Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    if already_normal(href) {
        return Some(href.to_string());
    }
    Some(match Url::parse(href) {
        Ok(url) => url.into(),
        Err(url::ParseError::RelativeUrlWithoutBase) => match base.map(|b| b.join(href)) {
            Some(Ok(url)) => url.into(),
            _ => href.to_string(),
        },
        Err(_) => href.to_string(),
    })
}

/// True when `href` is an http(s) URL that the URL standard would serialise exactly as it is
/// written (lower-case host name, a path, nothing to percent-encode or to resolve), so that
/// parsing it can be skipped: most links in feeds are. Conservative: `false` means "parse".
fn already_normal(href: &str) -> bool {
    let Some(rest) = href
        .strip_prefix("https://")
        .or_else(|| href.strip_prefix("http://"))
    else {
        return false;
    };
    let Some(slash) = rest.find('/') else {
        return false; // the standard adds the "/" path
    };
    let (host, path) = rest.split_at(slash);
    let host_ok = !host.is_empty()
        && host
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with("xn--"))
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.as_bytes()[0].is_ascii_lowercase());
    let path_ok = path.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
                    | b'?'
                    | b'#'
            )
    });
    let path_only = path.split(['?', '#']).next().unwrap_or("");
    let no_dots = !path_only
        .split('/')
        .any(|segment| segment == "." || segment == "..");
    host_ok && path_ok && no_dots
}

/// The base an `xml:base` attribute sets, relative to the base in scope.
pub(crate) fn join(base: Option<&Url>, value: &str) -> Option<Url> {
    let value = value.trim();
    match Url::parse(value) {
        Ok(url) => Some(url),
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(value).ok(),
        Err(_) => None,
    }
}

/// True when `value` is already absolute (has a scheme) or only points inside the page.
fn is_absolute(value: &str) -> bool {
    let v = value.trim_start();
    if v.starts_with('#') || v.is_empty() {
        return true;
    }
    match v.find(':') {
        Some(colon) => {
            let scheme = &v[..colon];
            !scheme.is_empty()
                && scheme.as_bytes()[0].is_ascii_alphabetic()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                && !scheme.contains('/')
        }
        None => false,
    }
}

/// Rewrites relative `href` and `src` attribute values in HTML against `base`, so that links
/// and images of content under an `xml:base` point where the publisher meant.
pub(crate) fn absolutize_html<'a>(html: &'a str, base: &Url) -> Cow<'a, str> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + lt;
        i = start + 1;
        if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        // Walk the attributes of this start tag.
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
            i += 1;
        }
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let name_start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let name = &html[name_start..i];
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if bytes.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let (value_start, value_end, next) = match bytes.get(i) {
                Some(q @ (b'"' | b'\'')) => {
                    let end =
                        memchr::memchr(*q, &bytes[i + 1..]).map_or(bytes.len(), |e| i + 1 + e);
                    (i + 1, end, (end + 1).min(bytes.len()))
                }
                _ => {
                    let s = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    (s, i, i)
                }
            };
            i = next;
            if !(name.eq_ignore_ascii_case("href") || name.eq_ignore_ascii_case("src")) {
                continue;
            }
            let value = &html[value_start..value_end];
            if is_absolute(value) {
                continue;
            }
            let unescaped = value.replace("&amp;", "&");
            let Ok(resolved) = base.join(unescaped.trim()) else {
                continue;
            };
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len() + 64));
            buf.push_str(&html[copied..value_start]);
            buf.push_str(&resolved.as_str().replace('&', "&amp;").replace('"', "%22"));
            copied = value_end;
        }
    }
    match out {
        Some(mut buf) => {
            buf.push_str(&html[copied..]);
            Cow::Owned(buf)
        }
        None => Cow::Borrowed(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_normalised_and_resolved() {
        let base = Url::parse("https://e.x/blog/feed.xml").ok();
        assert_eq!(link(" https://E.x ", None).unwrap(), "https://e.x/");
        assert_eq!(
            link("post/1", base.as_ref()).unwrap(),
            "https://e.x/blog/post/1"
        );
        assert_eq!(link("/a b", base.as_ref()).unwrap(), "https://e.x/a%20b");
        assert_eq!(link("post/1", None).unwrap(), "post/1");
        assert_eq!(link("  ", None), None);
    }

    #[test]
    fn the_fast_path_serialises_as_the_url_standard_does() {
        for href in [
            "https://example.org/",
            "https://example.org/a/b.html?x=1&y=2#frag",
            "http://blog.example.co.uk/2024/03/05/post-title/",
            "https://e.x/a;b=c/d:e@f!$*()+,",
        ] {
            assert!(already_normal(href), "{href}");
            assert_eq!(Url::parse(href).unwrap().as_str(), href);
        }
        for href in [
            "https://Example.org/",
            "https://example.org",
            "https://example.org:443/",
            "https://127.0.0.1/",
            "https://example.org/a/../b",
            "https://example.org/a b",
            "https://example.org/%2e/",
            "https://xn--bcher-kva.example/",
            "https://example.org/a'b",
            "HTTPS://example.org/",
            "https://user@example.org/",
        ] {
            assert!(!already_normal(href), "{href}");
        }
    }

    proptest::proptest! {
        #[test]
        fn whatever_the_fast_path_takes_parses_to_itself(
            host in "[a-z0-9.-]{1,12}",
            path in "/[a-zA-Z0-9._~!$&()*+,;=:@/?#%'-]{0,24}",
            https in proptest::bool::ANY,
        ) {
            let href = format!("{}://{host}{path}", if https { "https" } else { "http" });
            if already_normal(&href) {
                let parsed = Url::parse(&href).map(String::from);
                proptest::prop_assert_eq!(parsed.ok(), Some(href));
            }
        }
    }

    #[test]
    fn xml_base_nests() {
        let doc = Url::parse("https://e.x/feed/").ok();
        let outer = join(doc.as_ref(), "/blog/").unwrap();
        let inner = join(Some(&outer), "2006/").unwrap();
        assert_eq!(inner.as_str(), "https://e.x/blog/2006/");
        assert_eq!(join(None, "rel/"), None);
    }

    #[test]
    fn html_hrefs_and_srcs_are_made_absolute() {
        let base = Url::parse("http://example.com/test/").unwrap();
        let html = r#"<p>See <a href="test.html">t</a>, <a href='/x?a=1&amp;b=2'>x</a>, <a href=#top>top</a>, <img src=img.png alt="i"> and <a href="https://o.x/">o</a>.</p>"#;
        assert_eq!(
            absolutize_html(html, &base),
            r#"<p>See <a href="http://example.com/test/test.html">t</a>, <a href='http://example.com/x?a=1&amp;b=2'>x</a>, <a href=#top>top</a>, <img src=http://example.com/test/img.png alt="i"> and <a href="https://o.x/">o</a>.</p>"#
        );
        assert!(matches!(
            absolutize_html("<p>no links</p>", &base),
            Cow::Borrowed(_)
        ));
    }
}
