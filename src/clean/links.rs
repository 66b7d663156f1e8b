//! Link targets of an article: resolving relative references (RFC 3986, section 5) against
//! the article's URL and deciding which targets may be offered to the browser. Never opens
//! anything and never lets a `javascript:`/`data:` or control-character URL through.

/// Resolves `href` against `base` and returns it if it is an http, https or mailto URL.
/// ASCII tabs and newlines are removed (as browsers do); any other control or whitespace
/// character makes the link unusable. In-page anchors (`#x`) are not offered.
pub(crate) fn resolve(base: Option<&str>, href: &str) -> Option<String> {
    let href: String = href
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    if href
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || !super::sanitize::is_safe(c))
    {
        return None;
    }
    let absolute = if scheme_of(&href).is_some() {
        href
    } else {
        join(base?, &href)?
    };
    let scheme = scheme_of(&absolute)?.to_ascii_lowercase();
    match scheme.as_str() {
        "http" | "https" => {
            // Needs a host: "http:foo" or "https:///x" are not links a browser can open.
            let rest = &absolute[scheme.len() + 1..];
            let host = rest.strip_prefix("//")?;
            if host.is_empty() || host.starts_with('/') {
                return None;
            }
            Some(absolute)
        }
        "mailto" => (absolute.len() > "mailto:".len()).then_some(absolute),
        _ => None,
    }
}

/// The scheme of an absolute URL (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`).
fn scheme_of(s: &str) -> Option<&str> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// Splits an absolute hierarchical URL into (scheme, authority, path, query+fragment rest).
fn split(base: &str) -> Option<(&str, &str, &str)> {
    let scheme = scheme_of(base)?;
    let rest = &base[scheme.len() + 1..];
    let rest = rest.strip_prefix("//")?;
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    let after = &rest[auth_end..];
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    Some((scheme, authority, &after[..path_end]))
}

fn join(base: &str, href: &str) -> Option<String> {
    let (scheme, authority, base_path) = split(base)?;
    if let Some(rest) = href.strip_prefix("//") {
        return Some(format!("{scheme}://{rest}"));
    }
    let (path_part, tail) = match href.find(['?', '#']) {
        Some(i) => (&href[..i], &href[i..]),
        None => (href, ""),
    };
    let path = if path_part.is_empty() {
        if tail.starts_with('#') {
            // Fragment of the base document itself: keep its query as well.
            let base_no_frag = base.split('#').next().unwrap_or(base);
            return Some(format!("{base_no_frag}{tail}"));
        }
        base_path.to_string()
    } else if path_part.starts_with('/') {
        remove_dot_segments(path_part)
    } else {
        let dir = match base_path.rfind('/') {
            Some(i) => &base_path[..=i],
            None => "/",
        };
        remove_dot_segments(&format!("{dir}{path_part}"))
    };
    Some(format!("{scheme}://{authority}{path}{tail}"))
}

fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolves_like_rfc3986() {
        let b = Some("https://ex.org/a/b/c?q=1#f");
        assert_eq!(resolve(b, "d").unwrap(), "https://ex.org/a/b/d");
        assert_eq!(resolve(b, "../d").unwrap(), "https://ex.org/a/d");
        assert_eq!(resolve(b, "../../../d").unwrap(), "https://ex.org/d");
        assert_eq!(resolve(b, "/x/./y").unwrap(), "https://ex.org/x/y");
        assert_eq!(resolve(b, "//cdn.org/z").unwrap(), "https://cdn.org/z");
        assert_eq!(resolve(b, "?p=2").unwrap(), "https://ex.org/a/b/c?p=2");
        assert_eq!(resolve(b, "./").unwrap(), "https://ex.org/a/b/");
        assert_eq!(
            resolve(Some("https://ex.org"), "x").unwrap(),
            "https://ex.org/x"
        );
        assert_eq!(resolve(None, "HTTP://A.b/").unwrap(), "HTTP://A.b/");
    }

    #[test]
    fn rejects_unsafe_and_relative_without_base() {
        assert_eq!(resolve(None, "/x"), None);
        assert_eq!(resolve(None, "javascript:alert(1)"), None);
        assert_eq!(resolve(None, "data:text/html,x"), None);
        assert_eq!(resolve(None, "#top"), None);
        assert_eq!(resolve(None, "https://a.b/\u{1b}]52;c;x"), None);
        assert_eq!(resolve(None, "https://a.b/\u{202e}x"), None);
        assert_eq!(resolve(None, "java\nscript:x"), None);
        assert_eq!(resolve(None, "mailto:me@x.org").unwrap(), "mailto:me@x.org");
        assert_eq!(resolve(None, "http:foo"), None);
    }
}
