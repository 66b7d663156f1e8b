//! The JSON Feed reader (1.0 and 1.1): one pass with serde_json, strings borrowed from the
//! document, fields read leniently (a number where a string belongs, an author given as a
//! string). Items are kept as they complete, so a document that breaks keeps the items
//! before the break.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use url::Url;

use crate::model::{BodyKind, Enclosure, FeedId};

use super::article::{self, Body, Context, Draft};
use super::text::TextKind;
use super::{base, date, Break, FeedFormat, ParseError, ParsedFeed};

/// A string, leniently: numbers and booleans become text, anything else is no value.
#[derive(Debug, Default)]
struct Loose<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Loose<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                Loose::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A number, leniently (a string holding one counts).
#[derive(Debug, Default)]
struct Number(Option<f64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Loose::deserialize(d)?;
        Ok(Number(v.0.and_then(|s| s.trim().parse().ok())))
    }
}

/// An author object, or a bare string naming one.
#[derive(Debug, Default)]
struct Author<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Author<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Author<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an author")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Author(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Author(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Author(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut name = None;
                while let Some(key) = map.next_key::<Loose<'de>>()? {
                    if key.0.as_deref() == Some("name") {
                        name = map.next_value::<Loose<'de>>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Author(name))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A list, leniently: anything else is an empty list.
#[derive(Debug)]
struct Many<T>(Vec<T>);

impl<T> Default for Many<T> {
    fn default() -> Self {
        Many(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Many<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = seq.next_element()? {
                    v.push(x);
                }
                Ok(Many(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Many(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Many(Vec::new()))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Many(Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Many(Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Many(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Many(Vec::new()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Many(Vec::new()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Attachment<'a> {
    #[serde(borrow)]
    url: Loose<'a>,
    #[serde(borrow)]
    mime_type: Loose<'a>,
    size_in_bytes: Number,
    duration_in_seconds: Number,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Item<'a> {
    #[serde(borrow)]
    id: Loose<'a>,
    #[serde(borrow)]
    url: Loose<'a>,
    #[serde(borrow)]
    external_url: Loose<'a>,
    #[serde(borrow)]
    title: Loose<'a>,
    #[serde(borrow)]
    content_html: Loose<'a>,
    #[serde(borrow)]
    content_text: Loose<'a>,
    #[serde(borrow)]
    summary: Loose<'a>,
    #[serde(borrow)]
    date_published: Loose<'a>,
    #[serde(borrow)]
    date_modified: Loose<'a>,
    #[serde(borrow)]
    author: Author<'a>,
    #[serde(borrow)]
    authors: Many<Author<'a>>,
    #[serde(borrow)]
    attachments: Many<Attachment<'a>>,
}

/// What the top-level object gave, kept as it is read.
#[derive(Default)]
struct Out<'a> {
    object: bool,
    version: Option<Cow<'a, str>>,
    title: Option<Cow<'a, str>>,
    author: Option<Cow<'a, str>>,
    items_not_a_list: bool,
    items: Vec<Item<'a>>,
}

struct FeedVisitor<'o, 'a> {
    out: &'o mut Out<'a>,
}

impl<'de: 'a, 'a> Visitor<'de> for FeedVisitor<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON Feed object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.out.object = true;
        while let Some(key) = map.next_key::<Loose<'de>>()? {
            match key.0.as_deref() {
                Some("version") => self.out.version = map.next_value::<Loose<'de>>()?.0,
                Some("title") => self.out.title = map.next_value::<Loose<'de>>()?.0,
                Some("author") => {
                    let a = map.next_value::<Author<'de>>()?.0;
                    self.out.author = self.out.author.take().or(a);
                }
                Some("authors") => {
                    let a = map.next_value::<Many<Author<'de>>>()?;
                    let first = a.0.into_iter().find_map(|a| a.0);
                    self.out.author = self.out.author.take().or(first);
                }
                Some("items") => {
                    map.next_value_seed(ItemsSeed {
                        out: &mut *self.out,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}

struct ItemsSeed<'o, 'a> {
    out: &'o mut Out<'a>,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for ItemsSeed<'_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for ItemsSeed<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // Each item is kept as soon as it is complete: a break keeps the ones before it.
        while let Some(item) = seq.next_element::<Item<'de>>()? {
            self.out.items.push(item);
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.out.items_not_a_list = true;
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.out.items_not_a_list = true;
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.out.items_not_a_list = true;
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.out.items_not_a_list = true;
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.out.items_not_a_list = true;
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.out.items_not_a_list = true;
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.out.items_not_a_list = true;
        Ok(())
    }
}

/// Parses a JSON Feed document.
pub(crate) fn parse(
    feed_url: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ParsedFeed, ParseError> {
    let mut out = Out::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let result = (&mut de)
        .deserialize_any(FeedVisitor { out: &mut out })
        .and_then(|()| de.end());
    let data_error = result
        .as_ref()
        .is_err_and(|e| e.classify() == serde_json::error::Category::Data);
    let broken = result.err().map(|e| {
        let mut message = e.to_string();
        if let Some(at) = message.rfind(" at line ") {
            message.truncate(at);
        }
        Break {
            line: e.line(),
            column: e.column(),
            message,
            at_end: e.is_eof(),
        }
    });
    let version = out.version.as_deref().map(str::trim).unwrap_or("");
    let is_json_feed = version.contains("jsonfeed.org/version/");
    let syntax = |b: &Break| ParseError::syntax_in("JSON", b.line, b.column, &b.message, b.at_end);
    if !out.object {
        return Err(match &broken {
            Some(b) if !data_error => syntax(b),
            _ => ParseError::not_a_feed("not a feed (JSON, but not an object)".to_string()),
        });
    }
    if out.items.is_empty() {
        if let Some(b) = &broken {
            return Err(syntax(b));
        }
        if !is_json_feed {
            return Err(ParseError::not_a_feed(
                "not a feed (JSON without a JSON Feed `version` or `items`)".to_string(),
            ));
        }
    }
    let format = if version.contains("jsonfeed.org/version/1.1") || !is_json_feed {
        FeedFormat::JsonFeed11
    } else {
        FeedFormat::JsonFeed10
    };
    let mut not_understood = Vec::new();
    if !is_json_feed {
        not_understood.push(if version.is_empty() {
            "JSON without a JSON Feed version: read as JSON Feed 1.1".to_string()
        } else {
            format!("unknown JSON Feed version {version:?}: read as JSON Feed 1.1")
        });
    } else if !(version.ends_with("/1") || version.ends_with("/1.1") || version.ends_with("/1/")) {
        not_understood.push(format!(
            "unknown JSON Feed version {version:?}: read as JSON Feed 1.1"
        ));
    }
    if out.items_not_a_list {
        not_understood.push("`items` is not a list: no item read".to_string());
    }
    let doc_base = Url::parse(feed_url).ok();
    let ctx = Context {
        feed_url,
        feed: FeedId::from_url(feed_url),
        feed_author: out.author.as_deref(),
        doc_base: doc_base.as_ref(),
        now,
    };
    let articles = out
        .items
        .into_iter()
        .map(|item| article::finish(draft(item, doc_base.as_ref()), &ctx))
        .collect();
    let title = out
        .title
        .as_deref()
        .map(|t| super::text::inline(t, TextKind::Guess))
        .filter(|t| !t.is_empty());
    Ok(ParsedFeed {
        title,
        format,
        articles,
        interval_hint: None,
        broken,
        not_understood,
    })
}

fn draft<'a>(item: Item<'a>, doc_base: Option<&Url>) -> Draft<'a> {
    let mut d = Draft {
        guid: item.id.0,
        link: item
            .url
            .0
            .as_deref()
            .and_then(|u| base::link(u, doc_base))
            .or_else(|| {
                item.external_url
                    .0
                    .as_deref()
                    .and_then(|u| base::link(u, doc_base))
            }),
        title: item.title.0.map(|t| (t, TextKind::Guess)),
        published: item.date_published.0.as_deref().and_then(date::parse),
        updated: item.date_modified.0.as_deref().and_then(date::parse),
        author: item
            .author
            .0
            .or_else(|| item.authors.0.into_iter().find_map(|a| a.0)),
        ..Draft::default()
    };
    let text = item.content_text.0.map(|t| Body {
        text: t,
        kind: BodyKind::Text,
        base: None,
    });
    match item.content_html.0 {
        Some(html) => {
            d.content = Some(Body {
                text: html,
                kind: BodyKind::Html,
                base: None,
            });
            d.summary = item
                .summary
                .0
                .map(|s| Body {
                    text: s,
                    kind: BodyKind::Text,
                    base: None,
                })
                .or(text);
        }
        None => {
            d.content = text;
            d.summary = item.summary.0.map(|s| Body {
                text: s,
                kind: BodyKind::Text,
                base: None,
            });
        }
    }
    for a in item.attachments.0 {
        let Some(url) = a.url.0.as_deref().and_then(|u| base::link(u, doc_base)) else {
            continue;
        };
        d.enclose(Enclosure {
            url,
            mime: a
                .mime_type
                .0
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty()),
            length: a.size_in_bytes.0.filter(|n| *n >= 1.0).map(|n| n as u64),
            duration: a
                .duration_in_seconds
                .0
                .and_then(|n| Duration::try_from_secs_f64(n).ok())
                .filter(|d| !d.is_zero()),
        });
    }
    d
}
