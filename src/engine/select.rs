//! Which feeds a refresh request polls and which it lets wait, from each feed's `next_due`
//! and `due_reason`. Pure: the clock is an argument.

use chrono::{DateTime, Utc};

use crate::model::{DueReason, FeedState};

use super::RefreshMode;

/// Why a request leaves a feed alone (`None`: poll it). A feed never polled is always polled.
pub fn waits(
    state: Option<&FeedState>,
    mode: RefreshMode,
    now: DateTime<Utc>,
) -> Option<DueReason> {
    let state = state?;
    state.next_due.filter(|due| *due > now)?;
    match (mode, state.due_reason) {
        (RefreshMode::Force, _) | (RefreshMode::Polite, DueReason::Schedule) => None,
        (RefreshMode::Polite | RefreshMode::Due, reason) => Some(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap()
    }

    fn state(due_in_secs: i64, reason: DueReason) -> FeedState {
        FeedState {
            next_due: Some(now() + chrono::Duration::seconds(due_in_secs)),
            due_reason: reason,
            ..FeedState::new("u")
        }
    }

    #[test]
    fn each_mode_skips_what_it_promises() {
        use DueReason::*;
        use RefreshMode::*;
        for reason in [Schedule, ServerAsked, Backoff] {
            // Nothing waits for a due feed, and force polls everything.
            for mode in [Force, Polite, Due] {
                assert_eq!(waits(Some(&state(-1, reason)), mode, now()), None);
                assert_eq!(waits(Some(&state(0, reason)), mode, now()), None);
            }
            assert_eq!(waits(Some(&state(60, reason)), Force, now()), None);
            // --due skips whatever is not due yet.
            assert_eq!(waits(Some(&state(60, reason)), Due, now()), Some(reason));
        }
        // The default skips only what a server or the backoff holds.
        assert_eq!(waits(Some(&state(60, Schedule)), Polite, now()), None);
        assert_eq!(
            waits(Some(&state(60, ServerAsked)), Polite, now()),
            Some(ServerAsked)
        );
        assert_eq!(
            waits(Some(&state(60, Backoff)), Polite, now()),
            Some(Backoff)
        );
        // A new feed, or one with no schedule yet, is polled.
        assert_eq!(waits(None, Due, now()), None);
        assert_eq!(waits(Some(&FeedState::new("u")), Due, now()), None);
    }
}
