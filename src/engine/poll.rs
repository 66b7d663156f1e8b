//! One poll of one feed: fetch, decode, parse, match highlights, and the feed's next state
//! (validators, schedule, backoff, errors, and why it is next due). Run by the engine loop
//! only, whichever front end asked.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::FeedConfig;
use crate::fetch::{
    self, charset, discover, schedule, FeedRequest, FetchFailure, FetchOutcome, Fetched, Held,
};
use crate::highlight::Highlighter;
use crate::model::{DueReason, ErrorKind, FeedState, NewArticle};

use super::parse::{parse_feed, ParseErrorKind};
use super::rehighlight::rules_for;

/// Documents up to this size are parsed on the async worker that fetched them. Measured on
/// 10,000 feeds of 16 KB: the hop to a blocking thread (a wake-up, a context switch, a
/// second wake-up to come back) cost more CPU than parsing one.
const INLINE_PARSE_BYTES: usize = 32 * 1024;

/// What a poll did, for summaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollStatus {
    /// 200 with a body that parsed.
    Modified {
        bytes: u64,
    },
    /// 200 with a body that parsed only in part: the articles read are kept and
    /// `state.warning` says what is missing (`partial: ...` when the document broke,
    /// `warning: ...` when it holds what tidings does not read). Neither ok nor failed.
    Partial {
        bytes: u64,
    },
    /// 304, or a file that did not change: nothing parsed.
    NotModified,
    Failed,
}

/// The result of polling one feed.
#[derive(Debug)]
pub(super) struct PollResult {
    pub state: FeedState,
    pub status: PollStatus,
    /// Every article in the document (not yet de-duplicated against the store).
    pub articles: Vec<NewArticle>,
    pub took: Duration,
    /// Fingerprint of the highlight rules the articles were matched with (the rules may
    /// change while the poll is in flight: see `Engine::finish`).
    pub matched_with: u64,
    /// The document's share of the fetcher's byte budget, held until the writer has
    /// committed its articles (`Ingest::apply` sends it as `WriteOp::Release`), so that
    /// parsed feeds waiting to be applied or written count against it too.
    pub held: Held,
}

/// Everything a poll needs besides the feed. Cheap to clone.
#[derive(Clone)]
pub(super) struct PollContext {
    pub fetcher: fetch::Fetcher,
    pub highlighter: Arc<Highlighter>,
    pub default_interval: Duration,
}

/// Fetches and parses one feed. Never fails: a failure is recorded in the returned state.
pub(super) async fn poll_feed(
    ctx: &PollContext,
    feed: &FeedConfig,
    state: FeedState,
) -> PollResult {
    let started = std::time::Instant::now();
    let request = FeedRequest {
        location: feed.location.clone(),
        etag: state.etag.clone(),
        last_modified: state.last_modified.clone(),
    };
    let (outcome, held) = ctx.fetcher.fetch_feed_held(&request).await;
    let interval = feed.refresh_interval.unwrap_or(ctx.default_interval);
    let feed_url = feed.url.clone();
    let retry_after = match &outcome {
        FetchOutcome::Failed(failure) => failure.retry_after,
        _ => None,
    };
    let big = matches!(&outcome, FetchOutcome::Modified(f) if f.body.len() > INLINE_PARSE_BYTES);
    let (mut state, status, articles) = if big {
        // Decoding, parsing and matching are CPU work: keep them off the async workers.
        let highlighter = ctx.highlighter.clone();
        let result = tokio::task::spawn_blocking(move || {
            process_outcome(
                &feed_url,
                &highlighter,
                state,
                outcome,
                interval,
                Utc::now(),
            )
        })
        .await;
        match result {
            Ok(done) => done,
            Err(join_error) => {
                let mut failed = FeedState::new(&feed.url);
                failed.last_error = Some(format!("internal error while parsing: {join_error}"));
                failed.error_kind = Some(ErrorKind::Other);
                (failed, PollStatus::Failed, Vec::new())
            }
        }
    } else {
        // A 304, a failure or a small document: a few field updates, or well under a
        // millisecond of parsing, less than the hop to a blocking thread and back costs.
        process_outcome(
            &feed_url,
            &ctx.highlighter,
            state,
            outcome,
            interval,
            Utc::now(),
        )
    };
    state.due_reason = due_reason(status, state.next_due, retry_after);
    PollResult {
        state,
        status,
        articles,
        took: started.elapsed(),
        matched_with: ctx.highlighter.fingerprint(),
        held,
    }
}

/// Why a polled feed's `next_due` is what `process_outcome` made it: after a failure, the
/// server's `Retry-After` when that is what pushed it furthest, else the backoff; after a
/// success, its schedule (interval, feed hints and caching headers).
pub fn due_reason(
    status: PollStatus,
    next_due: Option<DateTime<Utc>>,
    retry_after: Option<DateTime<Utc>>,
) -> DueReason {
    match status {
        PollStatus::Failed if retry_after.is_some() && next_due == retry_after => {
            DueReason::ServerAsked
        }
        PollStatus::Failed => DueReason::Backoff,
        _ => DueReason::Schedule,
    }
}

/// Applies a fetch outcome to a feed's state: the pure heart of the poller, tested alone.
pub fn process_outcome(
    feed_url: &str,
    highlighter: &Highlighter,
    mut state: FeedState,
    outcome: FetchOutcome,
    interval: Duration,
    now: DateTime<Utc>,
) -> (FeedState, PollStatus, Vec<NewArticle>) {
    state.last_attempt = Some(now);
    match outcome {
        FetchOutcome::NotModified { not_before } => {
            succeed(&mut state, now, interval, not_before, None);
            (state, PollStatus::NotModified, Vec::new())
        }
        FetchOutcome::Modified(Fetched {
            body,
            content_type,
            etag,
            last_modified,
            permanent_redirect,
            not_before,
            bytes,
        }) => {
            let text = charset::decode_document_owned(body, content_type.as_deref());
            match parse_feed(feed_url, &text, now) {
                Ok(parsed) => {
                    state.etag = etag;
                    state.last_modified = last_modified;
                    state.moved_to = permanent_redirect;
                    state.discovered = None;
                    state.warning = parsed.warning();
                    if parsed.title.is_some() {
                        state.feed_title = parsed.title;
                    }
                    let mut articles = parsed.articles;
                    for article in &mut articles {
                        article.meta.highlights =
                            rules_for(highlighter, &article.meta.title, &article.body);
                    }
                    succeed(&mut state, now, interval, not_before, parsed.interval_hint);
                    let status = if state.warning.is_some() {
                        PollStatus::Partial { bytes }
                    } else {
                        PollStatus::Modified { bytes }
                    };
                    (state, status, articles)
                }
                Err(error) => {
                    let (kind, message) = match error.kind {
                        // A web page is not a feed, even one that is not well-formed XML.
                        _ if discover::looks_like_html(&text) => {
                            let links = discover::feed_links(&text, feed_url);
                            state.discovered = links.first().cloned();
                            let message = match links.first() {
                                Some(link) => format!(
                                    "not a feed: this is a web page; its feed is {link} (use that url in the config)"
                                ),
                                None => "not a feed: this is a web page that links to no feed".to_string(),
                            };
                            (ErrorKind::NotAFeed, message)
                        }
                        ParseErrorKind::NotAFeed => (ErrorKind::NotAFeed, error.message),
                        ParseErrorKind::Syntax { .. } => (ErrorKind::Parse, error.message),
                    };
                    fail(&mut state, now, kind, message, None);
                    (state, PollStatus::Failed, Vec::new())
                }
            }
        }
        FetchOutcome::Failed(FetchFailure {
            kind,
            message,
            retry_after,
            ..
        }) => {
            fail(&mut state, now, kind, message, retry_after);
            (state, PollStatus::Failed, Vec::new())
        }
    }
}

fn succeed(
    state: &mut FeedState,
    now: DateTime<Utc>,
    interval: Duration,
    not_before: Option<DateTime<Utc>>,
    feed_hint: Option<Duration>,
) {
    state.last_success = Some(now);
    state.last_error = None;
    state.error_kind = None;
    state.failures = 0;
    // Never more often than the user asks, nor than the server or the feed asks.
    let wait = feed_hint.map_or(interval, |hint| hint.max(interval));
    let mut due = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
    if let Some(not_before) = not_before {
        due = due.max(not_before);
    }
    state.next_due = Some(due);
}

fn fail(
    state: &mut FeedState,
    now: DateTime<Utc>,
    kind: ErrorKind,
    message: String,
    retry_after: Option<DateTime<Utc>>,
) {
    state.failures = state.failures.saturating_add(1);
    state.last_error = Some(message);
    state.error_kind = Some(kind);
    let backoff = schedule::backoff(state.failures, state.id.0);
    let mut due = now + chrono::Duration::from_std(backoff).unwrap_or(chrono::Duration::hours(6));
    if let Some(retry_after) = retry_after {
        due = due.max(retry_after);
    }
    state.next_due = Some(due);
}

/// Whether a feed should be polled now (unless forced by the user).
pub fn is_due(state: &FeedState, now: DateTime<Utc>) -> bool {
    state.next_due.is_none_or(|due| due <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WarningKind;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap()
    }

    fn no_rules() -> Highlighter {
        Highlighter::new(&[]).unwrap()
    }

    const RSS: &str = r#"<rss version="2.0"><channel><title>Feed</title><item><guid>1</guid><title>Hello</title></item></channel></rss>"#;

    fn modified(body: &str) -> FetchOutcome {
        FetchOutcome::Modified(Fetched {
            body: body.as_bytes().to_vec(),
            content_type: Some("application/rss+xml".into()),
            etag: Some("\"v1\"".into()),
            last_modified: None,
            permanent_redirect: None,
            not_before: None,
            bytes: body.len() as u64,
        })
    }

    #[test]
    fn success_keeps_validators_and_schedules_the_next_poll() {
        let hour = Duration::from_secs(3600);
        let (state, status, articles) = process_outcome(
            "u",
            &no_rules(),
            FeedState::new("u"),
            modified(RSS),
            hour,
            now(),
        );
        assert_eq!(
            status,
            PollStatus::Modified {
                bytes: RSS.len() as u64
            }
        );
        assert_eq!(articles.len(), 1);
        assert_eq!(state.etag.as_deref(), Some("\"v1\""));
        assert_eq!(state.feed_title.as_deref(), Some("Feed"));
        assert_eq!(state.next_due, Some(now() + chrono::Duration::hours(1)));
        assert!(!is_due(&state, now()));
    }

    #[test]
    fn failures_back_off_and_honour_retry_after() {
        let failure = |retry_after| {
            FetchOutcome::Failed(FetchFailure {
                kind: ErrorKind::HttpStatus,
                message: "HTTP 429 Too Many Requests".into(),
                status: Some(429),
                retry_after,
            })
        };
        let later = now() + chrono::Duration::hours(3);
        let (state, status, _) = process_outcome(
            "u",
            &no_rules(),
            FeedState::new("u"),
            failure(Some(later)),
            Duration::from_secs(60),
            now(),
        );
        assert_eq!(status, PollStatus::Failed);
        assert_eq!(state.failures, 1);
        assert_eq!(state.next_due, Some(later));
        assert!(state.last_error.as_deref().unwrap().contains("429"));
        let (state, _, _) = process_outcome(
            "u",
            &no_rules(),
            state,
            failure(None),
            Duration::from_secs(60),
            now(),
        );
        assert_eq!(state.failures, 2);
        // A second failure waits longer than the first backoff step.
        assert!(state.next_due.unwrap() > now() + chrono::Duration::seconds(90));
    }

    #[test]
    fn the_due_reason_says_who_set_next_due() {
        let later = now() + chrono::Duration::hours(3);
        let failed = PollStatus::Failed;
        // Retry-After further than the backoff: the server asked.
        assert_eq!(
            due_reason(failed, Some(later), Some(later)),
            DueReason::ServerAsked
        );
        // A Retry-After shorter than the backoff, or none: backing off.
        let sooner = now() + chrono::Duration::seconds(1);
        assert_eq!(
            due_reason(failed, Some(later), Some(sooner)),
            DueReason::Backoff
        );
        assert_eq!(due_reason(failed, Some(later), None), DueReason::Backoff);
        // Success: the schedule, whatever the caching headers said.
        assert_eq!(
            due_reason(PollStatus::NotModified, Some(later), None),
            DueReason::Schedule
        );
        assert_eq!(
            due_reason(PollStatus::Modified { bytes: 1 }, Some(later), None),
            DueReason::Schedule
        );
    }

    #[test]
    fn an_html_page_is_a_failure_that_names_the_feed_it_links_to() {
        let page = r#"<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>x</body></html>"#;
        let (state, status, _) = process_outcome(
            "https://e.x/blog",
            &no_rules(),
            FeedState::new("https://e.x/blog"),
            modified(page),
            Duration::from_secs(60),
            now(),
        );
        assert_eq!(status, PollStatus::Failed);
        assert_eq!(state.error_kind, Some(ErrorKind::NotAFeed));
        assert_eq!(state.discovered.as_deref(), Some("https://e.x/feed.xml"));
        assert!(state.last_error.unwrap().contains("https://e.x/feed.xml"));
    }

    #[test]
    fn a_broken_document_is_partial_with_its_items_and_position() {
        let broken = "<rss version=\"2.0\"><channel><title>Feed</title>\n<item><guid>1</guid><title>One</title></item>\n<item><guid>2</guid><title>Two</tit></item></channel></rss>";
        let (state, status, articles) = process_outcome(
            "u",
            &no_rules(),
            FeedState::new("u"),
            modified(broken),
            Duration::from_secs(60),
            now(),
        );
        assert_eq!(
            status,
            PollStatus::Partial {
                bytes: broken.len() as u64
            }
        );
        assert_eq!(articles.len(), 1);
        // Not a failure: no error, no backoff, validators kept.
        assert!(!state.is_failing());
        assert_eq!(state.failures, 0);
        assert_eq!(state.etag.as_deref(), Some("\"v1\""));
        let warning = state.warning.unwrap();
        assert_eq!(warning.kind, WarningKind::Partial);
        assert!(
            warning
                .message
                .starts_with("XML error at line 3, column 31: "),
            "{}",
            warning.message
        );
        assert!(warning.message.ends_with("; kept the 1 item before it"));
    }

    #[test]
    fn items_not_understood_are_a_warning_and_a_clean_parse_clears_it() {
        let odd = r#"<rss version="2.0"><channel><title>Feed</title><x:item xmlns:x="urn:x"><title>One</title></x:item></channel></rss>"#;
        let (state, status, articles) = process_outcome(
            "u",
            &no_rules(),
            FeedState::new("u"),
            modified(odd),
            Duration::from_secs(60),
            now(),
        );
        assert!(matches!(status, PollStatus::Partial { .. }));
        assert!(articles.is_empty());
        let warning = state.warning.clone().unwrap();
        assert_eq!(warning.kind, WarningKind::NotUnderstood);
        assert_eq!(
            warning.message,
            "root <rss> with no namespace: 1 <item> element, 0 understood"
        );
        // A 304 keeps it (the document did not change) ...
        let (state, status, _) = process_outcome(
            "u",
            &no_rules(),
            state,
            FetchOutcome::NotModified { not_before: None },
            Duration::from_secs(60),
            now(),
        );
        assert_eq!(status, PollStatus::NotModified);
        assert_eq!(state.warning, Some(warning));
        // ... and a clean document clears it.
        let (state, status, _) = process_outcome(
            "u",
            &no_rules(),
            state,
            modified(RSS),
            Duration::from_secs(60),
            now(),
        );
        assert!(matches!(status, PollStatus::Modified { .. }));
        assert_eq!(state.warning, None);
    }

    #[test]
    fn parse_failures_are_classified_by_kind() {
        let run = |body: &str| {
            process_outcome(
                "u",
                &no_rules(),
                FeedState::new("u"),
                modified(body),
                Duration::from_secs(60),
                now(),
            )
        };
        let (state, status, _) = run("<rss><channel><title>x</tit></channel></rss>");
        assert_eq!(status, PollStatus::Failed);
        assert_eq!(state.error_kind, Some(ErrorKind::Parse));
        assert!(state
            .last_error
            .unwrap()
            .starts_with("XML error at line 1, column 23: "));
        let (state, _, _) = run("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>x</loc></url></urlset>");
        assert_eq!(state.error_kind, Some(ErrorKind::NotAFeed));
        assert_eq!(
            state.last_error.as_deref(),
            Some("not a feed (root element <urlset> in namespace http://www.sitemaps.org/schemas/sitemap/0.9; expected <rss>, <rdf:RDF> or <feed>)")
        );
        // A web page that is not even well-formed XML is still "not a feed".
        let (state, _, _) = run("<p>Hello <br> world</p>");
        assert_eq!(state.error_kind, Some(ErrorKind::NotAFeed));
    }

    #[test]
    fn not_modified_clears_an_old_error() {
        let mut state = FeedState::new("u");
        state.last_error = Some("boom".into());
        state.failures = 3;
        let (state, status, _) = process_outcome(
            "u",
            &no_rules(),
            state,
            FetchOutcome::NotModified { not_before: None },
            Duration::from_secs(60),
            now(),
        );
        assert_eq!(status, PollStatus::NotModified);
        assert_eq!(state.failures, 0);
        assert!(!state.is_failing());
    }
}
