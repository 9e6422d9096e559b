//! What the store remembers about each feed between polls: health for operators, validators for
//! cheap re-polls, and the schedule.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Per-feed health and fetch state. Every field has a default so that records written by an
/// older version still load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedState {
    /// The feed's address when last polled.
    pub url: String,
    /// When a poll last started.
    pub last_attempt: Option<DateTime<Utc>>,
    /// When a poll last succeeded (including 304).
    pub last_success: Option<DateTime<Utc>>,
    /// HTTP status of the last response, if one came.
    pub last_status: Option<u16>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// Why the last poll failed; cleared on success.
    pub last_error: Option<String>,
    /// When the feed is next due.
    pub next_poll: Option<DateTime<Utc>>,
    /// `ETag` to send next time.
    pub etag: Option<String>,
    /// `Last-Modified` to send next time.
    pub last_modified: Option<String>,
    /// The feed's own title, as it last said.
    pub title: Option<String>,
    /// Articles this feed brought that were new to the store.
    pub articles_new: u64,
    /// Entries this feed last listed.
    pub last_entries: usize,
    /// When the feed was last fetched without validators (see `schedule::UNCONDITIONAL_EVERY`).
    pub last_unconditional: Option<DateTime<Utc>>,
    /// The interval estimated from the feed's rhythm, in seconds, when adaptive.
    pub adaptive_interval_secs: Option<u64>,
    /// The feed's own `<ttl>`, in minutes.
    pub ttl_minutes: Option<u32>,
    /// Page sources: article pages on the listing that could not be fetched or read, by URL,
    /// so that a broken link is retried with backoff rather than on every poll.
    pub unfetched: BTreeMap<String, Unfetched>,
}

/// An article page that failed, and when to try it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unfetched {
    /// Failures in a row.
    pub failures: u32,
    /// Not tried again before this.
    pub retry_at: DateTime<Utc>,
    /// Why it last failed.
    pub error: String,
}
