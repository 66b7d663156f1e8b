//! Small helpers for the fetch tests: build requests, unwrap outcomes.

use tidings::config::FeedLocation;
use tidings::fetch::{FeedRequest, FetchFailure, FetchOutcome};

/// A request for `url` with no validators.
pub fn http(url: &str) -> FeedRequest {
    FeedRequest::new(FeedLocation::Http(url.to_string()))
}

/// The failure of an outcome that must have failed.
pub fn failure(outcome: FetchOutcome) -> FetchFailure {
    match outcome {
        FetchOutcome::Failed(f) => f,
        other => panic!("expected a failure, got {other:?}"),
    }
}
