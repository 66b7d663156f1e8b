//! Shared helpers for the `store_*` tests: deterministic articles and feed states.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use tidings::model::{
    ArticleBody, ArticleId, ArticleMeta, BodyKind, FeedId, FeedState, NewArticle,
};

pub const FEED_A: &str = "https://a.example.org/feed.xml";
pub const FEED_B: &str = "https://b.example.org/atom";

pub fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
}

pub fn days_ago(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    now - Duration::days(days)
}

/// Article `n` of `feed_url`, published at `t(n * 60)`.
pub fn article(feed_url: &str, n: u32) -> NewArticle {
    article_at(feed_url, n, t(i64::from(n) * 60))
}

pub fn article_at(feed_url: &str, n: u32, published: DateTime<Utc>) -> NewArticle {
    let guid = format!("{feed_url}#item-{n}");
    let link = format!("{feed_url}/posts/{n}");
    NewArticle {
        meta: ArticleMeta {
            id: ArticleId::derive(feed_url, Some(&guid), Some(&link), "", None),
            feed: FeedId::from_url(feed_url),
            guid: Some(guid),
            title: format!("Title {n} — ünïcödé"),
            link: Some(link),
            author: Some(format!("Author {n}")),
            published: Some(published),
            first_seen: published,
            read: false,
            starred: false,
            highlights: Vec::new(),
            media: tidings::model::MediaMark::None,
        },
        body: ArticleBody {
            kind: BodyKind::Html,
            content: format!("<p>Body of article {n}</p>"),
        },
        updated: None,
        enclosures: Vec::new(),
    }
}

pub fn feed_state(url: &str) -> FeedState {
    FeedState::new(url)
}
