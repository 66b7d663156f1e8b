//! OPML 1.0/2.0 subscription lists: parse an import, write an export, append imported feeds
//! to a config file's text. Text in, text out: never touches files, the network or the terminal.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::Write as _;

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// One subscription found in (or written to) an OPML file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpmlFeed {
    /// The feed's address (`xmlUrl`), trimmed.
    pub url: String,
    /// The outline's `title`, else its `text`; `None` when absent, empty or just the url.
    pub title: Option<String>,
    /// Names of the enclosing folder outlines (outermost first), then the `category` entries.
    pub tags: Vec<String>,
}

/// Why an OPML document could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpmlError {
    #[error(
        "the OPML file is not well-formed XML at line {line}, column {column}: {message}. \
         Fix the file there (or export it again from your old reader) and retry"
    )]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "the file is not an OPML document: its root element is <{found}> at line {line}, \
         column {column}, expected <opml>. Export your subscriptions as OPML and retry"
    )]
    NotOpml {
        found: String,
        line: usize,
        column: usize,
    },
    #[error(
        "the OPML file is empty or has no <opml> element. Export your subscriptions as OPML \
         and retry"
    )]
    Empty,
}

/// Parses an OPML 1.0 or 2.0 document into its feed subscriptions, in document order.
///
/// Folders (outlines without `xmlUrl` that contain other outlines) become tags of the feeds
/// inside them, outermost first; a `category` attribute adds more (comma-separated, slash
/// paths split into their parts). Attribute names are matched case-insensitively
/// (`xmlUrl`, `xmlurl`, `XMLURL`), any `type` is accepted, and outlines without `xmlUrl`
/// that contain nothing are skipped. A url listed twice is kept once, with the tags merged.
pub fn parse(text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;

    let mut feeds: Vec<OpmlFeed> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    // Open elements, and for each open <outline> the folder name it contributes (if any).
    let mut depth = 0usize;
    let mut saw_root = false;
    let mut in_body = false;
    let mut folders: Vec<Option<String>> = Vec::new();

    loop {
        let start_pos = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                let pos = (reader.error_position() as usize).max(start_pos);
                return Err(syntax_error(text, pos, &err.to_string()));
            }
        };
        // Text before a tag belongs to the previous event's span; point at the '<'.
        let tag_pos = start_pos + leading_ws(&text[start_pos.min(text.len())..]);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name = local_name_lower(e);
                if !saw_root {
                    if name != "opml" {
                        let (line, column) = line_column(text, tag_pos);
                        return Err(OpmlError::NotOpml {
                            found: e.name().as_ref().to_string(),
                            line,
                            column,
                        });
                    }
                    saw_root = true;
                }
                if name == "body" && depth == 1 && !is_empty {
                    in_body = true;
                }
                if in_body && name == "outline" {
                    let attrs = OutlineAttrs::read(e, text, tag_pos)?;
                    match attrs.xml_url {
                        Some(url) => {
                            let mut tags: Vec<String> = folders.iter().flatten().cloned().collect();
                            tags.extend(split_categories(attrs.category.as_deref()));
                            dedup_in_place(&mut tags);
                            let title = attrs
                                .title
                                .or(attrs.text)
                                .filter(|t| !t.is_empty() && *t != url);
                            if let Some(&index) = seen.get(&url) {
                                let existing = &mut feeds[index];
                                existing.tags.extend(tags);
                                dedup_in_place(&mut existing.tags);
                                if existing.title.is_none() {
                                    existing.title = title;
                                }
                            } else {
                                seen.insert(url.clone(), feeds.len());
                                feeds.push(OpmlFeed { url, title, tags });
                            }
                            if !is_empty {
                                // A feed outline with children (rare): its children are not
                                // in a folder named after it.
                                folders.push(None);
                            }
                        }
                        None if !is_empty => {
                            folders.push(attrs.text.or(attrs.title).filter(|t| !t.is_empty()))
                        }
                        None => {}
                    }
                } else if !is_empty && in_body {
                    // Unknown element inside the body: keep the folder stack aligned.
                    folders.push(None);
                }
                if !is_empty {
                    depth += 1;
                }
            }
            Event::End(ref e) => {
                depth = depth.saturating_sub(1);
                let name = e.local_name().as_ref().to_ascii_lowercase();
                if in_body && name == "body" && depth == 1 {
                    in_body = false;
                } else if in_body {
                    folders.pop();
                }
            }
            Event::Eof => {
                if !saw_root {
                    return Err(OpmlError::Empty);
                }
                if depth > 0 {
                    return Err(syntax_error(
                        text,
                        text.len(),
                        "the file ends before </opml>; it may be truncated",
                    ));
                }
                break;
            }
            _ => {}
        }
    }
    Ok(feeds)
}

/// Writes an OPML 2.0 document listing `feeds`.
///
/// Feeds without tags come first, then one folder outline per distinct first tag (in order
/// of first appearance). Tags after the first go in the `category` attribute, so
/// [`parse`] reads back the same tags (as long as no tag contains `,` or `/`). A feed
/// without a title uses its url as the required `text`, which [`parse`] reads back as `None`.
pub fn write(feeds: &[OpmlFeed], title: &str) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<opml version=\"2.0\">\n");
    out.push_str("  <head>\n");
    let _ = writeln!(out, "    <title>{}</title>", xml_escape(title));
    out.push_str("  </head>\n");
    out.push_str("  <body>\n");

    let mut folder_order: Vec<&str> = Vec::new();
    for feed in feeds {
        match feed.tags.first() {
            None => write_outline(&mut out, feed, &feed.tags, 2),
            Some(folder) => {
                if !folder_order.contains(&folder.as_str()) {
                    folder_order.push(folder);
                }
            }
        }
    }
    for folder in folder_order {
        let name = xml_escape(folder);
        let _ = writeln!(out, "    <outline text=\"{name}\" title=\"{name}\">");
        for feed in feeds
            .iter()
            .filter(|f| f.tags.first().map(String::as_str) == Some(folder))
        {
            write_outline(&mut out, feed, &feed.tags[1..], 3);
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n");
    out.push_str("</opml>\n");
    out
}

/// Appends `feeds` as `[[feeds]]` tables to the text of a config file, keeping every byte of
/// the existing text (comments included). Feeds whose url the config already lists, or that
/// appear twice in `feeds`, are skipped. Returns the new text, how many feeds were added and
/// how many were skipped as duplicates.
///
/// Existing urls are read by parsing the text as TOML; if it does not parse, `url = "..."`
/// lines are scanned instead so a half-edited config still avoids duplicates.
pub fn append_to_config(config_text: &str, feeds: &[OpmlFeed]) -> (String, usize, usize) {
    append_feeds(config_text, feeds, Some("Imported from OPML."))
}

/// [`append_to_config`] with the comment line put above the first new table (`heading`,
/// without its `# `), or none. `tidings add` and `import-opml` both append through here.
pub fn append_feeds(
    config_text: &str,
    feeds: &[OpmlFeed],
    heading: Option<&str>,
) -> (String, usize, usize) {
    let mut known = existing_urls(config_text);
    let mut out = config_text.to_string();
    let mut added = 0;
    let mut skipped = 0;
    for feed in feeds {
        let url = feed.url.trim();
        if url.is_empty() {
            continue;
        }
        if !known.insert(url.to_string()) {
            skipped += 1;
            continue;
        }
        if added == 0 {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            if let Some(heading) = heading {
                let _ = writeln!(out, "# {heading}");
            }
        } else {
            out.push('\n');
        }
        out.push_str("[[feeds]]\n");
        let _ = writeln!(out, "url = {}", toml_string(url));
        if let Some(title) = feed.title.as_deref().filter(|t| !t.is_empty()) {
            let _ = writeln!(out, "title = {}", toml_string(title));
        }
        if !feed.tags.is_empty() {
            let tags: Vec<String> = feed.tags.iter().map(|t| toml_string(t)).collect();
            let _ = writeln!(out, "tags = [{}]", tags.join(", "));
        }
        added += 1;
    }
    (out, added, skipped)
}

/// The attributes of an `<outline>` that matter, entity-decoded and trimmed.
struct OutlineAttrs {
    xml_url: Option<String>,
    text: Option<String>,
    title: Option<String>,
    category: Option<String>,
}

impl OutlineAttrs {
    fn read(e: &BytesStart<'_>, text: &str, pos: usize) -> Result<OutlineAttrs, OpmlError> {
        let mut attrs = OutlineAttrs {
            xml_url: None,
            text: None,
            title: None,
            category: None,
        };
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| syntax_error(text, pos, &err.to_string()))?;
            let key = attr.key.local_name().as_ref().to_ascii_lowercase();
            let slot = match key.as_str() {
                "xmlurl" => &mut attrs.xml_url,
                "text" => &mut attrs.text,
                "title" => &mut attrs.title,
                "category" => &mut attrs.category,
                _ => continue,
            };
            let value = attr
                .normalized_value_with(XmlVersion::Implicit1_0, 4, resolve_entity)
                .map_err(|err| syntax_error(text, pos, &err.to_string()))?;
            let value = collapse_whitespace(&value);
            if !value.is_empty() && slot.is_none() {
                *slot = Some(value);
            }
        }
        Ok(attrs)
    }
}

/// XML's five entities plus the HTML ones that exporters put in attributes anyway.
fn resolve_entity(name: &str) -> Option<&'static str> {
    resolve_xml_entity(name).or(match name {
        "nbsp" => Some("\u{a0}"),
        "ndash" => Some("\u{2013}"),
        "mdash" => Some("\u{2014}"),
        "hellip" => Some("\u{2026}"),
        "lsquo" => Some("\u{2018}"),
        "rsquo" => Some("\u{2019}"),
        "ldquo" => Some("\u{201c}"),
        "rdquo" => Some("\u{201d}"),
        "laquo" => Some("\u{ab}"),
        "raquo" => Some("\u{bb}"),
        "copy" => Some("\u{a9}"),
        "reg" => Some("\u{ae}"),
        "trade" => Some("\u{2122}"),
        "middot" => Some("\u{b7}"),
        "bull" => Some("\u{2022}"),
        "euro" => Some("\u{20ac}"),
        "eacute" => Some("\u{e9}"),
        "egrave" => Some("\u{e8}"),
        "aacute" => Some("\u{e1}"),
        "agrave" => Some("\u{e0}"),
        "ouml" => Some("\u{f6}"),
        "uuml" => Some("\u{fc}"),
        "auml" => Some("\u{e4}"),
        "szlig" => Some("\u{df}"),
        "ccedil" => Some("\u{e7}"),
        "ntilde" => Some("\u{f1}"),
        _ => None,
    })
}

fn local_name_lower(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_ascii_lowercase()
}

/// `"Tech, /News/World"` -> `["Tech", "News", "World"]`.
fn split_categories(category: Option<&str>) -> Vec<String> {
    category
        .unwrap_or("")
        .split(',')
        .flat_map(|c| c.split('/'))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

fn dedup_in_place(tags: &mut Vec<String>) {
    let mut seen = HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn leading_ws(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

fn syntax_error(text: &str, pos: usize, message: &str) -> OpmlError {
    let (line, column) = line_column(text, pos);
    OpmlError::Syntax {
        line,
        column,
        message: message.to_string(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, pos: usize) -> (usize, usize) {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn write_outline(out: &mut String, feed: &OpmlFeed, categories: &[String], indent: usize) {
    let url = xml_escape(feed.url.trim());
    let text = feed
        .title
        .as_deref()
        .filter(|t| !t.is_empty())
        .map_or_else(|| url.clone(), xml_escape);
    for _ in 0..indent {
        out.push_str("  ");
    }
    let _ = write!(
        out,
        "<outline type=\"rss\" text=\"{text}\" title=\"{text}\""
    );
    let _ = write!(out, " xmlUrl=\"{url}\"");
    if !categories.is_empty() {
        let _ = write!(out, " category=\"{}\"", xml_escape(&categories.join(",")));
    }
    out.push_str("/>\n");
}

/// Escapes text for an XML attribute or element. Characters XML 1.0 forbids (C0 controls
/// other than tab and newlines) are dropped; tabs and newlines become spaces so attribute
/// normalisation cannot change them on the way back.
fn xml_escape(s: &str) -> Cow<'_, str> {
    let needs_work = s
        .chars()
        .any(|c| matches!(c, '<' | '>' | '&' | '"' | '\'') || c.is_control());
    if !needs_work {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A TOML basic string, quoted and escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Urls the config already lists under `[[feeds]]`.
fn existing_urls(config_text: &str) -> HashSet<String> {
    if let Ok(table) = config_text.parse::<toml::Table>() {
        return table
            .get("feeds")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|feed| feed.get("url").and_then(toml::Value::as_str))
            .map(|url| url.trim().to_string())
            .collect();
    }
    config_text
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("url")?.trim_start();
            let rest = rest.strip_prefix('=')?.trim();
            let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
            let inner = &rest[1..];
            let end = inner.find(quote)?;
            Some(inner[..end].trim().to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        let text = "ab\nçd<x";
        assert_eq!(line_column(text, text.find('<').unwrap()), (2, 3));
        assert_eq!(line_column(text, 0), (1, 1));
    }

    #[test]
    fn toml_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(toml_string("a\"b\\c\u{1b}"), "\"a\\\"b\\\\c\\u001B\"");
    }

    #[test]
    fn categories_split_on_commas_and_slashes() {
        assert_eq!(
            split_categories(Some("Tech, /News/World,,")),
            vec!["Tech", "News", "World"]
        );
    }
}
