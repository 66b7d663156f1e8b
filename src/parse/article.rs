//! One item of any format, as read (`Draft`), turned into a `NewArticle`: the id by the
//! de-duplication contract (guid, else link, else title + date), the title as one line, the
//! body chosen and repaired, the enclosures completed. Shared by the XML and JSON readers.

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::clean::sanitize_inline;
use crate::model::{ArticleBody, ArticleId, ArticleMeta, BodyKind, Enclosure, FeedId, NewArticle};

use super::base;
use super::text::{self, TextKind};

/// A body as the feed gave it.
#[derive(Debug)]
pub(crate) struct Body<'a> {
    pub text: Cow<'a, str>,
    pub kind: BodyKind,
    /// An `xml:base` in scope: relative links in the HTML are resolved against it.
    pub base: Option<Url>,
}

/// An item as read, before it becomes an article.
#[derive(Debug, Default)]
pub(crate) struct Draft<'a> {
    pub guid: Option<Cow<'a, str>>,
    /// The guid, resolved, when it may serve as the link (RSS `isPermaLink` not false).
    pub guid_link: Option<String>,
    pub link: Option<String>,
    /// A link of last resort (`rdf:about`, a non-alternate Atom link).
    pub other_link: Option<String>,
    pub title: Option<(Cow<'a, str>, TextKind)>,
    /// A title from a secondary source (`dc:title`, `media:title`).
    pub title_alt: Option<Cow<'a, str>>,
    pub published: Option<DateTime<Utc>>,
    /// A publication date from a secondary source (`dcterms:issued`, Atom 0.3 `created`).
    pub published_alt: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub author: Option<Cow<'a, str>>,
    /// `itunes:author` and the like: used when nothing better names the author.
    pub author_alt: Option<Cow<'a, str>>,
    pub content: Option<Body<'a>>,
    pub summary: Option<Body<'a>>,
    /// A summary from a secondary source (`dc:description`, `itunes:summary`).
    pub summary_alt: Option<Body<'a>>,
    pub enclosures: Vec<Enclosure>,
    /// `itunes:duration`: the play time of the item's enclosure.
    pub duration: Option<Duration>,
}

impl Draft<'_> {
    /// Adds an enclosure, or completes the one already known with the same URL.
    pub(crate) fn enclose(&mut self, enclosure: Enclosure) {
        if let Some(known) = self.enclosures.iter_mut().find(|e| e.url == enclosure.url) {
            known.mime = known.mime.take().or(enclosure.mime);
            known.length = known.length.or(enclosure.length);
            known.duration = known.duration.or(enclosure.duration);
        } else {
            self.enclosures.push(enclosure);
        }
    }
}

/// Where an article comes from and what it may inherit.
pub(crate) struct Context<'c> {
    pub feed_url: &'c str,
    pub feed: FeedId,
    pub feed_author: Option<&'c str>,
    /// The document's URL, when it is one.
    pub doc_base: Option<&'c Url>,
    pub now: DateTime<Utc>,
}

/// Turns a draft into an article.
pub(crate) fn finish(draft: Draft<'_>, ctx: &Context<'_>) -> NewArticle {
    let guid = draft
        .guid
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty());
    let link = draft.link.or(draft.guid_link).or(draft.other_link);
    let title = draft
        .title
        .map(|(t, kind)| text::inline(&t, kind))
        .filter(|t| !t.is_empty())
        .or_else(|| draft.title_alt.map(|t| text::inline(&t, TextKind::Guess)))
        .unwrap_or_default();
    let published = draft.published.or(draft.published_alt).or(draft.updated);
    let id = ArticleId::derive(
        ctx.feed_url,
        guid.as_deref(),
        link.as_deref(),
        &title,
        published,
    );
    let author = draft
        .author
        .as_deref()
        .map(author_name)
        .filter(|a| !a.is_empty())
        .or_else(|| {
            draft
                .author_alt
                .as_deref()
                .map(author_name)
                .filter(|a| !a.is_empty())
        })
        .or_else(|| ctx.feed_author.map(author_name).filter(|a| !a.is_empty()));
    let chosen = [draft.content, draft.summary, draft.summary_alt]
        .into_iter()
        .flatten()
        .find(|b| !b.text.trim().is_empty());
    let body = chosen.map_or_else(ArticleBody::default, |mut b| {
        // Without a link, the cleaner has no base for relative links: use the document's.
        if b.base.is_none() && link.is_none() {
            b.base = ctx.doc_base.cloned();
        }
        body(b)
    });
    let mut enclosures = draft.enclosures;
    if let Some(duration) = draft.duration {
        for e in enclosures.iter_mut().filter(|e| e.duration.is_none()) {
            e.duration = Some(duration);
        }
    }
    NewArticle {
        meta: ArticleMeta {
            id,
            feed: ctx.feed,
            guid,
            title: if title.is_empty() {
                "(untitled)".to_string()
            } else {
                title
            },
            link,
            author,
            published,
            first_seen: ctx.now,
            read: false,
            starred: false,
            highlights: Vec::new(),
            media: crate::model::MediaMark::of(&enclosures),
        },
        body,
        updated: draft.updated,
        enclosures,
    }
}

fn body(b: Body<'_>) -> ArticleBody {
    let trimmed = match &b.text {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    };
    let repaired = match text::repair_c1(&trimmed) {
        Cow::Owned(s) => Cow::Owned(s),
        Cow::Borrowed(_) => trimmed,
    };
    let content = match (&b.base, b.kind) {
        (Some(base), BodyKind::Html) => match base::absolutize_html(&repaired, base) {
            Cow::Owned(s) => s,
            Cow::Borrowed(_) => repaired.into_owned(),
        },
        _ => repaired.into_owned(),
    };
    ArticleBody {
        kind: b.kind,
        content,
    }
}

/// An author as one line: RSS writes `email (Name)` or `Name <email>`; the name is kept, an
/// address alone is kept as it is.
pub(crate) fn author_name(raw: &str) -> String {
    let name = sanitize_inline(raw);
    if let Some(inner) = name.strip_prefix('(').and_then(|n| n.strip_suffix(')')) {
        if !inner.trim().is_empty() {
            return inner.trim().to_string();
        }
        return name;
    }
    // `jo@e.x (Jo Smith)`
    if let (Some(open), true) = (name.find(" ("), name.ends_with(')')) {
        let inner = name[open + 2..name.len() - 1].trim();
        if name[..open].contains('@') && !inner.is_empty() {
            return inner.to_string();
        }
    }
    // `Jo Smith <jo@e.x>`
    if let (Some(open), true) = (name.find(" <"), name.ends_with('>')) {
        if name[open..].contains('@') && !name[..open].trim().is_empty() {
            return name[..open].trim().to_string();
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_author_forms() {
        assert_eq!(author_name("(Sara Keller)"), "Sara Keller");
        assert_eq!(author_name("Ann"), "Ann");
        assert_eq!(author_name("()"), "()");
        assert_eq!(author_name("sara@e.x (Sara Keller)"), "Sara Keller");
        assert_eq!(author_name("Sara Keller <sara@e.x>"), "Sara Keller");
        assert_eq!(author_name("sara@e.x"), "sara@e.x");
    }

    #[test]
    fn enclosures_with_the_same_url_merge() {
        let mut d = Draft::default();
        d.enclose(Enclosure {
            url: "u".into(),
            mime: Some("audio/mpeg".into()),
            length: None,
            duration: None,
        });
        d.enclose(Enclosure {
            url: "u".into(),
            mime: None,
            length: Some(5),
            duration: Some(Duration::from_secs(3)),
        });
        assert_eq!(d.enclosures.len(), 1);
        assert_eq!(d.enclosures[0].length, Some(5));
        assert_eq!(d.enclosures[0].mime.as_deref(), Some("audio/mpeg"));
    }
}
