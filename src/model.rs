//! The nouns every stage shares: feeds and their health, entries as parsed and judged, and
//! articles as stored.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::details::event::Event;
use crate::fingerprint::Signature;

/// A configured source, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// Unique name from the config.
    pub name: String,
    /// Where it is fetched from.
    pub url: Url,
    /// Language hint (ISO 639-1) from the config.
    pub language: Option<String>,
    /// How often it is polled.
    pub schedule: Schedule,
    /// Bounds on each request for it.
    pub limits: RequestLimits,
    /// A feed, or a page whose article links are followed.
    pub kind: SourceKind,
    /// Hosts besides the source's own whose links may be followed (pages, full text).
    pub follow_hosts: Vec<String>,
    /// `timezone`: the zone of times it writes without one; else its language's default.
    pub timezone: Option<jiff::tz::TimeZone>,
}

/// What a source's URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// An RSS, Atom or JSON feed.
    Feed {
        /// Whether each new item's page is fetched for its full text.
        fetch_full: bool,
    },
    /// A listing page (a section front, a press-release index) whose article links are
    /// followed.
    Page(PageRules),
}

/// Which links of a listing page are articles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageRules {
    /// CSS selector for the article links; without one they are found by their look.
    pub link_selector: Option<String>,
    /// URL patterns a link must match (any of them), when given.
    pub include: Vec<String>,
    /// URL patterns a link must not match.
    pub exclude: Vec<String>,
}

/// How often a feed is polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The regular interval (the starting point when adaptive).
    pub interval: Duration,
    /// Whether the interval follows how often the feed publishes.
    pub adaptive: bool,
    /// Shortest adaptive interval.
    pub min_interval: Duration,
    /// Longest adaptive interval.
    pub max_interval: Duration,
}

/// Bounds on one HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// The whole request, from connecting to the last body byte.
    pub timeout: Duration,
    /// Largest body accepted, after decompression.
    pub max_body: u64,
}

/// How an article's language was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LangMethod {
    /// The text's words decided it (whatlang on a clear sentence, else lingua).
    Text,
    /// The text's script belongs to only one allowed language (Arabic, Cyrillic, Han).
    Script,
    /// Detection was unsure; the feed's or page's declared language was used.
    Hint,
    /// Nothing decided it.
    Unknown,
}

/// The language of a text as decided by the language stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LangGuess {
    /// ISO 639-1 code where one exists (else 639-3), or `None` when unknown.
    pub lang: Option<String>,
    /// 0.0 to 1.0.
    pub confidence: f64,
    /// What decided it.
    pub method: LangMethod,
}

/// An entry as a parser or page reader found it, before the judges have seen it: its
/// `lang`, `topics` and `fingerprint` are still empty. Only the pipeline's judges turn it
/// into an [`Entry`] to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Unjudged {
    /// The entry, unjudged.
    pub entry: Entry,
    /// The language its source declares (the config's, the item's or the feed's, the page's),
    /// used when detection is unsure.
    pub lang_hint: Option<String>,
}

impl Unjudged {
    /// An entry with nothing judged yet.
    pub fn new(entry: Entry, lang_hint: Option<String>) -> Unjudged {
        Unjudged { entry, lang_hint }
    }
}

/// One item of a feed or one article page, as parsed and judged, before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Canonical URL: the article's identity.
    pub url: String,
    /// The link exactly as the feed gave it.
    pub link: String,
    /// Title, plain text.
    pub title: String,
    /// Body or summary, plain text with paragraph breaks.
    pub text: String,
    /// The feed's own summary, when `text` is the full text fetched from the article's page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Publication time as the feed states it.
    pub published: Option<DateTime<Utc>>,
    /// Last modification time as the feed states it.
    pub updated: Option<DateTime<Utc>>,
    /// Author names.
    pub authors: Vec<String>,
    /// Detected language.
    pub lang: LangGuess,
    /// Topics it is about.
    #[serde(default)]
    pub topics: Vec<TopicMatch>,
    /// Every link in its body (canonical URLs).
    #[serde(default)]
    pub links: Vec<String>,
    /// The links it names as its source (canonical URLs).
    #[serde(default)]
    pub cited: Vec<String>,
    /// Its MinHash signature, computed by the judges (`None`: too little text to compare).
    /// Stored apart, not in the record.
    #[serde(skip)]
    pub fingerprint: Option<Signature>,
    /// Its event details, read by the judges. Stored apart, with the fingerprint.
    #[serde(skip)]
    pub event: Event,
}

/// A topic an article matched, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicMatch {
    /// The topic's name.
    pub name: String,
    /// Phrases found, each counting 1, or 2 when in the title.
    pub score: f64,
    /// The phrases found, as the topic writes them.
    pub matched: Vec<String>,
}

/// An article in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Store-assigned id, stable for the article's life.
    pub id: u64,
    /// Name of the feed that first brought it.
    pub feed: String,
    /// When it was first stored.
    pub fetched: DateTime<Utc>,
    /// When its content last changed in the store, if ever.
    #[serde(default)]
    pub changed: Option<DateTime<Utc>>,
    /// What the feed said.
    #[serde(flatten)]
    pub entry: Entry,
}

impl Article {
    /// The time an article sorts by: publication if known, else first sight.
    pub fn sort_time(&self) -> DateTime<Utc> {
        sort_time(&self.entry, self.fetched)
    }
}

/// The time an entry sorts by when stored at `fetched`: its publication time, unless it has none
/// or claims to be from the future (some feeds stamp items days ahead), then first sight.
pub fn sort_time(entry: &Entry, fetched: DateTime<Utc>) -> DateTime<Utc> {
    entry
        .published
        .filter(|p| *p <= fetched + chrono::Duration::hours(1))
        .unwrap_or(fetched)
}

impl LangGuess {
    /// Nothing known about the language (yet).
    pub fn unknown() -> LangGuess {
        LangGuess {
            lang: None,
            confidence: 0.0,
            method: LangMethod::Unknown,
        }
    }
}

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
    /// When the current run of failures began (`None` while the feed works).
    pub failing_since: Option<DateTime<Utc>>,
    /// Why the last poll failed; cleared on success.
    pub last_error: Option<String>,
    /// The store's last failure while refreshing this feed (not the feed's fault: its failures
    /// and backoff are left alone), and when; cleared when its articles are stored again.
    pub store_error: Option<StoreFailure>,
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

/// A store failure met while refreshing a feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreFailure {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What the store said.
    pub error: String,
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
