//! The streaming reader of XML feeds: RSS 0.90, 0.91-0.94, 1.0 and 2.0 (with any or no
//! namespace) and Atom 0.3 and 1.0, with the Dublin Core, content, Media RSS, iTunes and
//! syndication modules. One pass over the document with quick-xml, borrowing text from it.
//! A break in the document ends the pass and keeps every item completed before it; items,
//! roots and namespaces it does not understand are counted and reported, never dropped
//! silently.

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, Utc};
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceResolver, ResolveResult};
use url::Url;

use crate::fetch::schedule::feed_interval_hint;
use crate::model::{BodyKind, Enclosure, FeedId, NewArticle};

use super::article::{self, Body, Context, Draft};
use super::text::{self, Entities, Mode, TextKind};
use super::{base, date, line_column, Break, FeedFormat, ParseError, ParsedFeed};

const ATOM10: &str = "http://www.w3.org/2005/Atom";
const ATOM03: &str = "http://purl.org/atom/ns#";
const RSS_NAMESPACES: &[&str] = &[
    "http://purl.org/rss/1.0/",
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://channel.netscape.com/rdf/simple/0.9/",
    "http://backend.userland.com/rss2",
    "http://backend.userland.com/rss",
    "http://blogs.law.harvard.edu/tech/rss",
];
const RSS090: &str = "http://my.netscape.com/rdf/simple/0.9/";

/// The vocabulary an element belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ns {
    /// The feed's own vocabulary (RSS or Atom, whatever namespace the document gives it).
    Core,
    /// Atom inside an RSS document (`atom:link`, `atom:updated`).
    Atom,
    Dc,
    DcTerms,
    Content,
    Media,
    Itunes,
    Sy,
    Xhtml,
    Other,
}

/// Which vocabulary the root element announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Rss,
    Atom,
    /// A root that is not a feed's: items are read as they come, with a warning.
    Unknown,
}

fn ns_by_uri(uri: &str, family: Family, root_ns: Option<&str>) -> Ns {
    let rss = RSS_NAMESPACES.contains(&uri);
    let atom = uri == ATOM10 || uri == ATOM03;
    match family {
        Family::Rss if rss => return Ns::Core,
        Family::Rss if atom => return Ns::Atom,
        Family::Atom if atom => return Ns::Core,
        Family::Unknown if rss || atom => return Ns::Core,
        _ => {}
    }
    match uri {
        "http://purl.org/dc/elements/1.1/" | "http://purl.org/dc/elements/1.0/" => Ns::Dc,
        "http://purl.org/dc/terms/" => Ns::DcTerms,
        "http://purl.org/rss/1.0/modules/content/" => Ns::Content,
        "http://search.yahoo.com/mrss/" | "http://search.yahoo.com/mrss" => Ns::Media,
        "http://purl.org/rss/1.0/modules/syndication/" => Ns::Sy,
        "http://www.w3.org/1999/xhtml" => Ns::Xhtml,
        _ if uri.eq_ignore_ascii_case("http://www.itunes.com/dtds/podcast-1.0.dtd") => Ns::Itunes,
        _ if Some(uri) == root_ns => Ns::Core,
        _ => Ns::Other,
    }
}

/// Undeclared prefixes are common in hand-written feeds: read the usual ones by their name.
fn ns_by_prefix(prefix: &str) -> Ns {
    match prefix {
        "dc" => Ns::Dc,
        "dcterms" => Ns::DcTerms,
        "content" => Ns::Content,
        "media" => Ns::Media,
        "itunes" => Ns::Itunes,
        "sy" => Ns::Sy,
        "atom" => Ns::Atom,
        "xhtml" => Ns::Xhtml,
        _ => Ns::Other,
    }
}

fn classify(r: &ResolveResult<'_>, family: Family, root_ns: Option<&str>) -> Ns {
    match r {
        ResolveResult::Unbound => Ns::Core,
        ResolveResult::Bound(ns) => ns_by_uri(ns.0, family, root_ns),
        ResolveResult::Unknown(prefix) => ns_by_prefix(prefix),
    }
}

fn local_of<'x>(e: &'x BytesStart<'_>) -> &'x str {
    let name = e.name().0;
    name.rsplit(':').next().unwrap_or(name)
}

/// RSS element names as iTunes reads them: case-insensitively (`<TiTlE>`).
fn canonical(local: &str) -> &str {
    if !local.bytes().any(|b| b.is_ascii_uppercase()) {
        return local;
    }
    const NAMES: &[&str] = &[
        "pubDate",
        "title",
        "link",
        "description",
        "guid",
        "author",
        "category",
        "comments",
        "enclosure",
        "source",
        "item",
        "channel",
        "ttl",
        "image",
        "language",
        "copyright",
        "lastBuildDate",
        "rss",
        "fullitem",
        "body",
    ];
    NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(local))
        .copied()
        .unwrap_or(local)
}

/// The value of attribute `name` (qualified as written, `xml:base`), references decoded.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.0 == name)
        .map(|a| text::decode(&a.value, Mode::Escaped, &Entities::default()).into_owned())
}

/// Counts of one element name (`item`, `entry`): seen in the document, read as articles.
#[derive(Debug, Default)]
struct Count {
    seen: usize,
    understood: usize,
}

/// Where the reader stopped early.
struct Stop {
    offset: usize,
    message: String,
    /// The document ended before its elements closed.
    at_end: bool,
}

struct Reader<'a> {
    /// quick-xml's reader, with namespaces resolved here (not by `NsReader`) so that simple
    /// content can be taken as one slice through `Reader::stream`.
    reader: quick_xml::Reader<&'a [u8]>,
    ns: NamespaceResolver,
    /// The scope of the last empty element or end tag is left at the next read.
    pending_pop: bool,
    /// The text given to quick-xml and its offset in the whole document.
    text: &'a str,
    offset: usize,
    ctx_url: &'a str,
    family: Family,
    format: FeedFormat,
    root_name: String,
    root_ns: Option<String>,
    depth: usize,
    /// `xml:base` in scope: (depth of the element that set it, base).
    bases: Vec<(usize, Url)>,
    doc_base: Option<Url>,
    /// Depth of the children of RSS `<channel>` (feed-level elements live there).
    channel_depth: Option<usize>,
    dtd: Entities,
    items: Count,
    entries: Count,
    // feed level
    title: Option<String>,
    title_alt: Option<String>,
    ttl: Option<u32>,
    sy_period: Option<String>,
    sy_frequency: Option<u32>,
    feed_author: Option<String>,
    drafts: Vec<Draft<'a>>,
}

/// Parses an XML feed document. `text` starts at its first `<`; `offset` is where that is in
/// `whole` (for line and column numbers).
pub(crate) fn parse(
    feed_url: &str,
    whole: &str,
    offset: usize,
    now: DateTime<Utc>,
) -> Result<ParsedFeed, ParseError> {
    let text = &whole[offset..];
    let mut reader = quick_xml::Reader::from_str(text);
    {
        let config = reader.config_mut();
        config.allow_dangling_amp = true;
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
    }
    let mut r = Reader {
        reader,
        ns: NamespaceResolver::default(),
        pending_pop: false,
        text,
        offset,
        ctx_url: feed_url,
        family: Family::Unknown,
        format: FeedFormat::Unknown,
        root_name: String::new(),
        root_ns: None,
        depth: 0,
        bases: Vec::new(),
        doc_base: Url::parse(feed_url).ok(),
        channel_depth: None,
        dtd: Entities::default(),
        items: Count::default(),
        entries: Count::default(),
        title: None,
        title_alt: None,
        ttl: None,
        sy_period: None,
        sy_frequency: None,
        feed_author: None,
        drafts: Vec::new(),
    };
    let stop = r.run().err();
    r.finish(stop, whole, now)
}

impl<'a> Reader<'a> {
    fn base(&self) -> Option<&Url> {
        self.bases.last().map(|(_, u)| u).or(self.doc_base.as_ref())
    }

    /// The `xml:base` in scope when one was declared (not merely the document's URL), the
    /// element just entered included.
    fn declared_base(&self) -> Option<Url> {
        self.bases.last().map(|(_, u)| u.clone())
    }

    fn read(&mut self) -> Result<(Ns, Event<'a>), Stop> {
        if self.pending_pop {
            self.ns.pop();
            self.pending_pop = false;
        }
        let event = self.reader.read_event().map_err(|e| self.stop(e))?;
        let ns = match &event {
            Event::Start(e) | Event::Empty(e) => {
                if let Err(err) = self.ns.push(e) {
                    return Err(self.stop(quick_xml::Error::Namespace(err)));
                }
                self.pending_pop = matches!(event, Event::Empty(_));
                let (r, _) = self.ns.resolve_element(e.name());
                classify(&r, self.family, self.root_ns.as_deref())
            }
            Event::End(_) => {
                self.pending_pop = true;
                Ns::Other
            }
            _ => Ns::Other,
        };
        Ok((ns, event))
    }

    fn stop(&self, error: quick_xml::Error) -> Stop {
        use quick_xml::errors::IllFormedError;
        // quick-xml reports syntax errors when the input ends inside markup.
        let at_end = matches!(
            &error,
            quick_xml::Error::Syntax(_)
                | quick_xml::Error::IllFormed(IllFormedError::MissingEndTag(_))
        );
        let offset = match &error {
            quick_xml::Error::IllFormed(IllFormedError::MissingEndTag(_)) => self.text.len(),
            _ => usize::try_from(self.reader.error_position()).unwrap_or(self.text.len()),
        };
        Stop {
            offset: offset.min(self.text.len()),
            message: error.to_string(),
            at_end,
        }
    }

    /// Enters an element: depth and `xml:base`.
    fn enter(&mut self, e: &BytesStart<'_>) {
        self.depth += 1;
        let attrs = e.attributes_raw().as_bytes();
        if attrs.len() > 8 && memchr::memmem::find(attrs, b"xml:base").is_some() {
            if let Some(value) = attr(e, "xml:base") {
                if let Some(url) = base::join(self.base(), &value) {
                    self.bases.push((self.depth, url));
                }
            }
        }
    }

    /// Leaves the element entered last.
    fn leave(&mut self) {
        while self.bases.last().is_some_and(|(d, _)| *d >= self.depth) {
            self.bases.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// The raw content of the element just entered, up to its end tag (which is consumed).
    fn raw(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<&'a str, Stop> {
        if empty {
            return Ok("");
        }
        let start = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
        let rest = self.text.get(start..).unwrap_or("");
        // Most content is text or one CDATA section right up to the end tag: take it as one
        // slice, and let quick-xml read (and check) only the end tag.
        if let Some(len) = simple_content_len(rest, e.name().0) {
            self.reader.stream().consume(len);
            match self.reader.read_event() {
                Ok(Event::End(_)) => {
                    self.ns.pop();
                    return Ok(&rest[..len]);
                }
                Ok(_) => {
                    return Err(Stop {
                        offset: start + len,
                        message: "end tag expected".to_string(),
                        at_end: false,
                    })
                }
                Err(err) => return Err(self.stop(err)),
            }
        }
        match self.reader.read_to_end(e.name()) {
            Ok(span) => {
                self.ns.pop();
                let (start, end) = (span.start as usize, span.end as usize);
                Ok(self.text.get(start..end).unwrap_or(""))
            }
            Err(err) => Err(self.stop(err)),
        }
    }

    /// The decoded text of a simple element, leaving it.
    fn leaf(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<Cow<'a, str>, Stop> {
        let raw = self.raw(e, empty)?;
        self.leave();
        Ok(text::decode(raw, Mode::Escaped, &self.dtd))
    }

    /// Skips an element and everything in it, leaving it.
    fn skip(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), Stop> {
        self.raw(e, empty)?;
        self.leave();
        Ok(())
    }

    fn run(&mut self) -> Result<(), Stop> {
        loop {
            let (ns, event) = self.read()?;
            let (e, empty) = match event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => {
                    self.leave();
                    if self.depth == 0 {
                        return Ok(()); // what follows the root is not the feed's
                    }
                    if self.channel_depth.is_some_and(|d| self.depth < d) {
                        self.channel_depth = None;
                    }
                    continue;
                }
                Event::DocType(d) => {
                    self.dtd.read_doctype(&d);
                    continue;
                }
                Event::Eof if self.depth > 0 => {
                    return Err(Stop {
                        offset: self.text.len(),
                        message: format!(
                            "the document ends with {} element{} still open",
                            self.depth,
                            if self.depth == 1 { "" } else { "s" }
                        ),
                        at_end: true,
                    });
                }
                Event::Eof => return Ok(()),
                _ => continue,
            };
            if self.open(ns, &e, empty)? {
                return Ok(()); // not a feed at all
            }
        }
    }

    /// Handles a start tag outside items. Returns true when the document is not a feed.
    fn open(&mut self, ns: Ns, e: &BytesStart<'a>, empty: bool) -> Result<bool, Stop> {
        let local = match (ns, self.family) {
            (Ns::Core, Family::Rss | Family::Unknown) => canonical(local_of(e)),
            _ => local_of(e),
        };
        if self.depth == 0 {
            if self.root(e, local) {
                return Ok(true);
            }
            self.enter(e);
            if self.family == Family::Atom && local == "entry" {
                // A document of one Atom entry.
                self.entries.seen += 1;
                let draft = self.entry(empty).inspect_err(|_| self.entries.seen -= 1);
                if let Some(draft) = draft? {
                    self.entries.understood += 1;
                    self.drafts.push(draft);
                }
                return Ok(false);
            }
            if local == "channel" {
                self.channel_depth = Some(self.depth);
            }
            if empty {
                self.leave();
            }
            return Ok(false);
        }
        self.enter(e);
        match local {
            "item" | "entry" => {
                let rss = local == "item";
                self.count(rss).seen += 1;
                let fits = match self.family {
                    Family::Rss => rss,
                    Family::Atom => !rss,
                    Family::Unknown => true,
                };
                if ns != Ns::Core || !fits {
                    return self.skip(e, empty).map(|()| false);
                }
                let draft = if rss {
                    let about = attr(e, "rdf:about");
                    self.item(empty, about)
                } else {
                    self.entry(empty)
                };
                // An item cut off by the break is neither read nor "not understood".
                let draft = draft.inspect_err(|_| self.count(rss).seen -= 1)?;
                if let Some(draft) = draft {
                    self.count(rss).understood += 1;
                    self.drafts.push(draft);
                }
                return Ok(false);
            }
            "channel" if ns == Ns::Core && self.family != Family::Atom => {
                self.channel_depth = Some(self.depth);
                if empty {
                    self.leave();
                }
                return Ok(false);
            }
            _ => {}
        }
        let feed_level = match self.family {
            Family::Atom => self.depth == 2,
            _ => self.channel_depth.is_some_and(|d| self.depth == d + 1),
        };
        if feed_level && self.feed_field(ns, local, e, empty)? {
            return Ok(false);
        }
        if empty {
            self.leave();
        }
        Ok(false)
    }

    fn count(&mut self, rss: bool) -> &mut Count {
        if rss {
            &mut self.items
        } else {
            &mut self.entries
        }
    }

    /// Identifies the root element. Returns true when the document is certainly no feed.
    fn root(&mut self, e: &BytesStart<'a>, local: &str) -> bool {
        self.root_name = e.name().0.to_string();
        let (r, _) = self.ns.resolve_element(e.name());
        self.root_ns = match r {
            ResolveResult::Bound(ns) => Some(ns.0.to_string()),
            _ => None,
        };
        let version = attr(e, "version");
        match local {
            "rss" => {
                self.family = Family::Rss;
                self.format = match version.as_deref().map(str::trim) {
                    Some("0.91") => FeedFormat::Rss091,
                    Some("0.92" | "0.93" | "0.94") => FeedFormat::Rss092,
                    _ => FeedFormat::Rss20,
                };
            }
            "channel" => {
                self.family = Family::Rss;
                self.format = FeedFormat::Rss092;
            }
            "RDF" => {
                self.family = Family::Rss;
                let default_ns = attr(e, "xmlns").unwrap_or_default();
                self.format = if default_ns.trim() == RSS090 {
                    FeedFormat::Rss090
                } else {
                    FeedFormat::Rss10
                };
            }
            "feed" | "entry" => {
                self.family = Family::Atom;
                let v03 = self.root_ns.as_deref() == Some(ATOM03)
                    || version.as_deref().map(str::trim) == Some("0.3");
                self.format = if v03 {
                    FeedFormat::Atom03
                } else {
                    FeedFormat::Atom10
                };
            }
            other if other.eq_ignore_ascii_case("html") => return true,
            _ => {}
        }
        // The feed's vocabulary is the root's namespace, whatever it is.
        if matches!(self.family, Family::Rss) && local == "RDF" {
            // The RDF root is in the RDF namespace; the feed's vocabulary is the default one.
            self.root_ns = attr(e, "xmlns").map(|s| s.trim().to_string());
        }
        false
    }

    /// Reads a feed-level element (title, ttl, syndication hints, author). Returns false when
    /// the element is not one of them (it is then still open).
    fn feed_field(
        &mut self,
        ns: Ns,
        local: &str,
        e: &BytesStart<'a>,
        empty: bool,
    ) -> Result<bool, Stop> {
        match (ns, local) {
            (Ns::Core, "title") => {
                let (t, kind) = if self.family == Family::Atom {
                    let (t, _, kind) = self.construct(e, empty)?;
                    (t, kind)
                } else {
                    (self.leaf(e, empty)?, TextKind::Guess)
                };
                if self.title.is_none() {
                    let t = text::inline(&t, kind);
                    if !t.is_empty() {
                        self.title = Some(t);
                    }
                }
            }
            (Ns::Core, "ttl") => {
                let v = self.leaf(e, empty)?;
                self.ttl = v.trim().parse().ok();
            }
            (Ns::Sy, "updatePeriod") => {
                let v = self.leaf(e, empty)?;
                self.sy_period = Some(v.trim().to_string());
            }
            (Ns::Sy, "updateFrequency") => {
                let v = self.leaf(e, empty)?;
                self.sy_frequency = v.trim().parse().ok();
            }
            (Ns::Core, "author") if self.family == Family::Atom => {
                let name = self.person(empty)?;
                if self.feed_author.is_none() {
                    self.feed_author = name.map(Cow::into_owned);
                }
            }
            (Ns::Dc, "creator") | (Ns::Itunes, "author") => {
                let v = self.leaf(e, empty)?;
                if self.feed_author.is_none() && !v.trim().is_empty() {
                    self.feed_author = Some(v.trim().to_string());
                }
            }
            (Ns::Dc, "title") => {
                let v = self.leaf(e, empty)?;
                if self.title_alt.is_none() {
                    self.title_alt =
                        Some(text::inline(&v, TextKind::Guess)).filter(|t| !t.is_empty());
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// An Atom person (`author`, `contributor`): its name, else its email.
    fn person(&mut self, empty: bool) -> Result<Option<Cow<'a, str>>, Stop> {
        if empty {
            self.leave();
            return Ok(None);
        }
        let depth = self.depth;
        let (mut name, mut email) = (None, None);
        loop {
            let (_, event) = self.read()?;
            match event {
                Event::Start(c) => {
                    self.enter(&c);
                    match local_of(&c) {
                        "name" => name = Some(self.leaf(&c, false)?),
                        "email" => email = Some(self.leaf(&c, false)?),
                        _ => self.skip(&c, false)?,
                    }
                }
                Event::End(_) => {
                    self.leave();
                    if self.depth < depth {
                        break;
                    }
                }
                Event::Eof => return Err(self.eof()),
                _ => {}
            }
        }
        let pick = |v: Option<Cow<'a, str>>| v.filter(|s| !s.trim().is_empty());
        Ok(pick(name).or(pick(email)))
    }

    fn eof(&self) -> Stop {
        Stop {
            offset: self.text.len(),
            message: "the document ends inside an item".to_string(),
            at_end: true,
        }
    }

    /// An Atom text construct or content element: its text, decoded as its `type` and
    /// (Atom 0.3) `mode` say, and what kind of text that is. `None` for binary content.
    fn construct(
        &mut self,
        e: &BytesStart<'a>,
        empty: bool,
    ) -> Result<(Cow<'a, str>, Option<BodyKind>, TextKind), Stop> {
        let ty = attr(e, "type").map(|t| t.trim().to_ascii_lowercase());
        let mode = attr(e, "mode").map(|m| m.trim().to_ascii_lowercase());
        let raw = self.raw(e, empty)?;
        self.leave();
        let html_type = |t: &str| t == "html" || t.contains("html");
        let kind_of = |t: Option<&str>| match t {
            Some(t) if html_type(t) => BodyKind::Html,
            _ => BodyKind::Text,
        };
        let t = ty.as_deref();
        let decoded = match mode.as_deref() {
            Some("escaped") => (
                text::decode(raw, Mode::Escaped, &self.dtd),
                Some(kind_of(t)),
            ),
            Some("base64") => base64_text(text::decode(raw, Mode::Escaped, &self.dtd), t),
            Some(_) => {
                // Atom 0.3's default mode: inline XML.
                let kind = kind_of(t);
                let mode = if kind == BodyKind::Html {
                    Mode::Markup
                } else {
                    Mode::Escaped
                };
                (text::decode(raw, mode, &self.dtd), Some(kind))
            }
            None => match t {
                None | Some("text" | "text/plain") => (
                    text::decode(raw, Mode::Escaped, &self.dtd),
                    Some(BodyKind::Text),
                ),
                Some("html" | "text/html") => (
                    text::decode(raw, Mode::Escaped, &self.dtd),
                    Some(BodyKind::Html),
                ),
                Some("xhtml" | "application/xhtml+xml") => (
                    text::decode(raw, Mode::Markup, &self.dtd),
                    Some(BodyKind::Html),
                ),
                Some(t) if self.format == FeedFormat::Atom03 && html_type(t) => {
                    // Atom 0.3 without a mode means inline XML.
                    (
                        text::decode(raw, Mode::Markup, &self.dtd),
                        Some(BodyKind::Html),
                    )
                }
                Some(t) if t.starts_with("text/") => (
                    text::decode(raw, Mode::Escaped, &self.dtd),
                    Some(BodyKind::Text),
                ),
                Some(t) if t.ends_with("/xml") || t.ends_with("+xml") => (
                    text::decode(raw, Mode::Markup, &self.dtd),
                    Some(BodyKind::Html),
                ),
                Some(t) => base64_text(text::decode(raw, Mode::Escaped, &self.dtd), Some(t)),
            },
        };
        // As a title: Atom 1.0 text is plain text; Atom 0.3's default `text/plain` is often
        // HTML in practice, so it is guessed.
        let title_kind = match decoded.1 {
            Some(BodyKind::Html) => TextKind::Html,
            _ if self.format == FeedFormat::Atom03 => TextKind::Guess,
            _ => TextKind::Plain,
        };
        Ok((decoded.0, decoded.1, title_kind))
    }

    /// Reads an RSS `<item>` (entered, not yet read).
    fn item(&mut self, empty: bool, about: Option<String>) -> Result<Option<Draft<'a>>, Stop> {
        let mut d = Draft::default();
        if empty {
            self.leave();
            return Ok(None);
        }
        let depth = self.depth;
        loop {
            let (ns, event) = self.read()?;
            let (e, child_empty) = match event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => {
                    if self.depth == depth && d.link.is_none() {
                        // RSS 1.0's rdf:about, resolved under the item's own xml:base.
                        d.other_link = about.as_deref().and_then(|a| base::link(a, self.base()));
                    }
                    self.leave();
                    if self.depth < depth {
                        break;
                    }
                    continue;
                }
                Event::Eof => return Err(self.eof()),
                _ => continue,
            };
            self.enter(&e);
            let direct = self.depth == depth + 1;
            let local = if ns == Ns::Core {
                canonical(local_of(&e))
            } else {
                local_of(&e)
            };
            match (ns, local) {
                (Ns::Core, "title") if direct => {
                    d.title = Some((self.leaf(&e, child_empty)?, TextKind::Guess));
                }
                (Ns::Core, "link") if direct => {
                    let v = self.leaf(&e, child_empty)?;
                    if d.link.is_none() {
                        d.link = base::link(&v, self.base());
                    }
                }
                (Ns::Atom, "link") if direct => {
                    // Only a fallback: RSS's own <link> decides (and always has decided ids).
                    let rel = attr(&e, "rel").unwrap_or_default();
                    let href = attr(&e, "href");
                    let mime = attr(&e, "type").map(|t| t.trim().to_string());
                    let length = attr(&e, "length").and_then(|l| l.trim().parse().ok());
                    self.skip(&e, child_empty)?;
                    if let Some(href) = href {
                        let rel = if rel.trim() == "enclosure" {
                            "enclosure"
                        } else {
                            "related"
                        };
                        self.atom_link(&mut d, Some(rel), &href, mime, length);
                    }
                }
                (Ns::Core, "guid") if direct => {
                    let permalink = attr(&e, "isPermaLink")
                        .is_none_or(|p| !p.trim().eq_ignore_ascii_case("false"));
                    let v = self.leaf(&e, child_empty)?;
                    d.guid_link = if permalink {
                        guid_link(&v, self.base())
                    } else {
                        None
                    };
                    d.guid = Some(v);
                }
                (Ns::Core, "description") if direct => {
                    let b = self.body(&e, child_empty, Mode::Escaped)?;
                    d.summary = Some(b);
                }
                (Ns::Content, "encoded") if direct => {
                    let b = self.body(&e, child_empty, Mode::Escaped)?;
                    if !b.text.trim().is_empty() {
                        d.content = Some(b);
                    }
                }
                (Ns::Core, "fullitem") if direct => {
                    let b = self.body(&e, child_empty, Mode::Escaped)?;
                    if d.content.is_none() && !b.text.trim().is_empty() {
                        d.content = Some(b);
                    }
                }
                (Ns::Xhtml | Ns::Core, "body") | (Ns::Xhtml, "div") if direct => {
                    let b = self.body(&e, child_empty, Mode::Markup)?;
                    if d.content.is_none() && !b.text.trim().is_empty() {
                        d.content = Some(b);
                    }
                }
                (Ns::Core, "pubDate") | (Ns::Dc, "date") if direct => {
                    d.published = date::parse(&self.leaf(&e, child_empty)?);
                }
                (Ns::DcTerms, "issued" | "created" | "date") if direct => {
                    d.published_alt = d
                        .published_alt
                        .or(date::parse(&self.leaf(&e, child_empty)?));
                }
                (Ns::Core | Ns::Atom, "updated") | (Ns::DcTerms, "modified") if direct => {
                    d.updated = date::parse(&self.leaf(&e, child_empty)?);
                }
                (Ns::Core, "author") | (Ns::Dc, "creator") if direct => {
                    let v = self.leaf(&e, child_empty)?;
                    if d.author.is_none() && !v.trim().is_empty() {
                        d.author = Some(v);
                    }
                }
                (Ns::Itunes, "author") if direct => {
                    d.author_alt = Some(self.leaf(&e, child_empty)?);
                }
                (Ns::Dc, "title") | (Ns::Media, "title") => {
                    let v = self.leaf(&e, child_empty)?;
                    d.title_alt = d.title_alt.take().or(Some(v));
                }
                (Ns::Dc, "description") | (Ns::Itunes, "summary") if direct => {
                    let b = self.body(&e, child_empty, Mode::Escaped)?;
                    if d.summary_alt.is_none() {
                        d.summary_alt = Some(b);
                    }
                }
                (Ns::Core, "enclosure") if direct => {
                    let enclosure = self.enclosure_attrs(&e, "url", "length", None);
                    self.skip(&e, child_empty)?;
                    if let Some(enclosure) = enclosure {
                        d.enclose(enclosure);
                    }
                }
                (Ns::Itunes, "duration") if direct => {
                    d.duration = duration(&self.leaf(&e, child_empty)?);
                }
                _ => self.media_or_skip(ns, local, &e, child_empty, &mut d)?,
            }
        }
        // RSS: an item's update time defaults to its publication time.
        d.updated = d.updated.or(d.published);
        Ok(Some(d))
    }

    /// Media RSS anywhere in an item (`media:content`, inside `media:group` too); anything
    /// else is skipped whole.
    fn media_or_skip(
        &mut self,
        ns: Ns,
        local: &str,
        e: &BytesStart<'a>,
        empty: bool,
        d: &mut Draft<'a>,
    ) -> Result<(), Stop> {
        match (ns, local) {
            (Ns::Media, "group") => {
                if empty {
                    self.leave();
                }
                // Its children come through the item's loop.
                Ok(())
            }
            (Ns::Media, "content") => {
                let enclosure = self.enclosure_attrs(e, "url", "fileSize", Some("duration"));
                self.skip(e, empty)?;
                if let Some(enclosure) = enclosure {
                    d.enclose(enclosure);
                }
                Ok(())
            }
            _ => self.skip(e, empty),
        }
    }

    fn enclosure_attrs(
        &self,
        e: &BytesStart<'_>,
        url: &str,
        length: &str,
        duration_attr: Option<&str>,
    ) -> Option<Enclosure> {
        let href = attr(e, url)?;
        let url = base::link(&href, self.base())?;
        Some(Enclosure {
            url,
            mime: attr(e, "type")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            length: attr(e, length)
                .and_then(|l| l.trim().parse::<u64>().ok())
                .filter(|l| *l > 0),
            duration: duration_attr
                .and_then(|a| attr(e, a))
                .and_then(|v| duration(&v)),
        })
    }

    /// An Atom link (or `atom:link` in RSS): the article's link, an enclosure, or a link of
    /// last resort.
    fn atom_link(
        &self,
        d: &mut Draft<'a>,
        rel: Option<&str>,
        href: &str,
        mime: Option<String>,
        length: Option<u64>,
    ) {
        let rel = rel.map(str::trim).unwrap_or("alternate");
        let Some(url) = base::link(href, self.base()) else {
            return;
        };
        match rel {
            "alternate" | "http://www.iana.org/assignments/relation/alternate" => {
                if d.link.is_none() {
                    d.link = Some(url);
                }
            }
            "enclosure" => d.enclose(Enclosure {
                url,
                mime,
                length: length.filter(|l| *l > 0),
                duration: None,
            }),
            _ => {
                if d.other_link.is_none() {
                    d.other_link = Some(url);
                }
            }
        }
    }

    /// A body element's text, with the `xml:base` its links resolve against.
    fn body(&mut self, e: &BytesStart<'a>, empty: bool, mode: Mode) -> Result<Body<'a>, Stop> {
        let base = self.declared_base();
        let raw = self.raw(e, empty)?;
        self.leave();
        Ok(Body {
            text: text::decode(raw, mode, &self.dtd),
            kind: BodyKind::Html,
            base,
        })
    }

    /// Reads an Atom `<entry>` (entered, not yet read).
    fn entry(&mut self, empty: bool) -> Result<Option<Draft<'a>>, Stop> {
        if empty {
            self.leave();
            return Ok(None);
        }
        let mut d = Draft::default();
        let depth = self.depth;
        loop {
            let (ns, event) = self.read()?;
            let (e, child_empty) = match event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => {
                    self.leave();
                    if self.depth < depth {
                        break;
                    }
                    continue;
                }
                Event::Eof => return Err(self.eof()),
                _ => continue,
            };
            self.enter(&e);
            let direct = self.depth == depth + 1;
            let local = local_of(&e);
            match (ns, local) {
                (Ns::Core, "id") if direct => d.guid = Some(self.leaf(&e, child_empty)?),
                (Ns::Core, "title") if direct => {
                    let (t, _, kind) = self.construct(&e, child_empty)?;
                    d.title = Some((t, kind));
                }
                (Ns::Core, "link") if direct => {
                    let rel = attr(&e, "rel");
                    let href = attr(&e, "href");
                    let mime = attr(&e, "type").map(|t| t.trim().to_string());
                    let length = attr(&e, "length").and_then(|l| l.trim().parse().ok());
                    if let Some(href) = href {
                        self.atom_link(&mut d, rel.as_deref(), &href, mime, length);
                    }
                    self.skip(&e, child_empty)?;
                }
                (Ns::Core, "updated" | "modified") if direct => {
                    d.updated = date::parse(&self.leaf(&e, child_empty)?);
                }
                (Ns::Core, "published" | "issued" | "pubDate") if direct => {
                    d.published = date::parse(&self.leaf(&e, child_empty)?);
                }
                (Ns::Core, "created") | (Ns::DcTerms, "issued" | "created") if direct => {
                    d.published_alt = date::parse(&self.leaf(&e, child_empty)?);
                }
                (Ns::Dc, "date") if direct => {
                    d.published_alt = d
                        .published_alt
                        .or(date::parse(&self.leaf(&e, child_empty)?));
                }
                (Ns::Core, "author") if direct => {
                    let name = self.person(child_empty)?;
                    if d.author.is_none() {
                        d.author = name;
                    }
                }
                (Ns::Dc, "creator") if direct => {
                    d.author_alt = Some(self.leaf(&e, child_empty)?);
                }
                (Ns::Core, "content") if direct => {
                    let base = self.declared_base();
                    if attr(&e, "src").is_some() {
                        self.skip(&e, child_empty)?; // out of line: the summary stands in
                    } else {
                        let (t, kind, _) = self.construct(&e, child_empty)?;
                        if let (Some(kind), None) = (kind, &d.content) {
                            d.content = Some(Body {
                                text: t,
                                kind,
                                base,
                            });
                        }
                    }
                }
                (Ns::Core, "summary") if direct => {
                    let base = self.declared_base();
                    let (t, kind, _) = self.construct(&e, child_empty)?;
                    if let Some(kind) = kind {
                        d.summary = Some(Body {
                            text: t,
                            kind,
                            base,
                        });
                    }
                }
                (Ns::Itunes, "duration") if direct => {
                    d.duration = duration(&self.leaf(&e, child_empty)?);
                }
                _ => self.media_or_skip(ns, local, &e, child_empty, &mut d)?,
            }
        }
        Ok(Some(d))
    }

    fn finish(
        self,
        stop: Option<Stop>,
        whole: &str,
        now: DateTime<Utc>,
    ) -> Result<ParsedFeed, ParseError> {
        let position = |offset: usize| line_column(whole, self.offset + offset);
        if self.format == FeedFormat::Unknown && self.drafts.is_empty() {
            let described = describe_root(&self.root_name, self.root_ns.as_deref());
            return Err(match stop {
                Some(stop) if self.root_name.is_empty() => {
                    let (line, column) = position(stop.offset);
                    ParseError::syntax(line, column, &stop.message, stop.at_end)
                }
                _ if self.root_name.is_empty() => ParseError::not_a_feed(
                    "not a feed (no RSS, Atom or JSON Feed root element)".to_string(),
                ),
                _ => ParseError::not_a_feed(format!(
                    "not a feed (root element {described}; expected <rss>, <rdf:RDF> or <feed>)"
                )),
            });
        }
        let broken = match stop {
            None => None,
            Some(stop) => {
                let (line, column) = position(stop.offset);
                if self.drafts.is_empty() {
                    return Err(ParseError::syntax(line, column, &stop.message, stop.at_end));
                }
                Some(Break {
                    line,
                    column,
                    message: stop.message,
                    at_end: stop.at_end,
                })
            }
        };
        let mut not_understood = Vec::new();
        let described = describe_root(&self.root_name, self.root_ns.as_deref());
        for (name, count) in [("item", &self.items), ("entry", &self.entries)] {
            if count.seen > count.understood {
                not_understood.push(format!(
                    "root {described}: {} <{name}> element{}, {} understood",
                    count.seen,
                    if count.seen == 1 { "" } else { "s" },
                    count.understood
                ));
            }
        }
        if self.family == Family::Unknown {
            let read = self.items.understood + self.entries.understood;
            not_understood.push(format!(
                "root {described} is not RSS or Atom: read {read} item{} anyway",
                if read == 1 { "" } else { "s" }
            ));
        }
        let feed_url = self.ctx_url;
        let ctx = Context {
            feed_url,
            feed: FeedId::from_url(feed_url),
            feed_author: self.feed_author.as_deref(),
            doc_base: self.doc_base.as_ref(),
            now,
        };
        let articles: Vec<NewArticle> = self
            .drafts
            .into_iter()
            .map(|d| article::finish(d, &ctx))
            .collect();
        Ok(ParsedFeed {
            title: self.title.or(self.title_alt),
            format: self.format,
            articles,
            interval_hint: feed_interval_hint(
                self.ttl,
                self.sy_period.as_deref(),
                self.sy_frequency,
            ),
            broken,
            not_understood,
        })
    }
}

/// The length of `rest` up to the end tag `</name>`, when all before it is text or CDATA
/// (no element, comment or processing instruction); `None` otherwise.
fn simple_content_len(rest: &str, name: &str) -> Option<usize> {
    let b = rest.as_bytes();
    let mut i = 0;
    loop {
        let lt = i + memchr::memchr(b'<', &b[i..])?;
        let tail = &rest[lt..];
        if let Some(cdata) = tail.strip_prefix("<![CDATA[") {
            i = lt + 9 + text::find_cdata_end(cdata.as_bytes())? + 3;
            continue;
        }
        let after = tail.strip_prefix("</")?.strip_prefix(name)?;
        let close = after.trim_start_matches([' ', '\t', '\r', '\n']);
        return close.starts_with('>').then_some(lt);
    }
}

/// `<feed> in namespace http://purl.org/atom/ns#`, `<rss> with no namespace`.
fn describe_root(name: &str, ns: Option<&str>) -> String {
    match ns {
        Some(ns) if !ns.is_empty() => format!("<{name}> in namespace {ns}"),
        _ => format!("<{name}> with no namespace"),
    }
}

/// Base64 content: its text when it decodes to text (HTML if it holds markup, or if its type
/// says so), else nothing (an image, a PDF).
fn base64_text<'a>(encoded: Cow<'_, str>, ty: Option<&str>) -> (Cow<'a, str>, Option<BodyKind>) {
    let Some(decoded) = text::base64(&encoded).and_then(|b| String::from_utf8(b).ok()) else {
        return (Cow::Borrowed(""), None);
    };
    if decoded.contains('\u{0}') {
        return (Cow::Borrowed(""), None);
    }
    let kind = match ty {
        Some(t) if t.contains("html") => BodyKind::Html,
        _ if text::has_markup(&decoded) => BodyKind::Html,
        _ => BodyKind::Text,
    };
    (Cow::Owned(decoded), Some(kind))
}

/// An RSS guid that is a permalink: the item's link when it has no `<link>`.
fn guid_link(guid: &str, base: Option<&Url>) -> Option<String> {
    let g = guid.trim();
    let lower = g.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        base::link(g, base)
    } else {
        None
    }
}

/// `itunes:duration` and Media RSS durations: `HH:MM:SS`, `MM:SS`, or seconds (fractions
/// ignored).
pub(crate) fn duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let mut secs: u64 = 0;
    let parts: Vec<&str> = t.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    for part in &parts {
        let whole = part.split('.').next().unwrap_or("");
        let n: u64 = whole.trim().parse().ok()?;
        secs = secs.checked_mul(60)?.checked_add(n)?;
    }
    Some(Duration::from_secs(secs))
}
