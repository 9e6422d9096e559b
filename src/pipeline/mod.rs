//! One source refresh, as plain function calls: fetch → decode → parse (a feed) or read a
//! listing's article pages (`article_pages`) → judge (`judge`: language, topics, fingerprint)
//! → store. I/O stages are async; decoding, parsing, extraction and judging run on the
//! blocking pool, off the reactor, and every entry is judged exactly once, after its full text
//! is known.

mod article_pages;
pub mod cite;
pub mod dates;
pub mod decode;
pub mod extract;
pub mod feed;
pub mod feed_repair;
pub mod fetch;
pub mod judge;
pub mod lang;
pub mod page;
pub mod resolve;
pub mod text;
pub mod topic;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::model::{Entry, Feed, FeedState, SourceKind, StoreFailure, Unjudged};
use crate::schedule::{self, PollResult};
use crate::store::{StoreError, StoreHandle, UpsertCounts};
use feed::{ParseError, ParsedFeed};
use fetch::{FetchError, Fetched, HttpClient, Validators};
pub use judge::{Judged, Judges};

/// What one refresh of one feed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The server said 304 Not Modified.
    NotModified,
    /// The feed was fetched and its entries stored.
    Stored {
        /// What the store did with the entries.
        counts: UpsertCounts,
        /// Entries without a usable link.
        skipped: usize,
        /// Article pages that could not be fetched or read (page sources, full text); they
        /// are tried again on the next poll.
        unfetched: usize,
    },
}

/// Why a refresh failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The fetch failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The document is not a usable feed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The store failed; this is not the feed's fault.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RefreshError {
    /// A short name for the kind of failure, as metrics label it.
    pub fn kind(&self) -> &'static str {
        match self {
            RefreshError::Fetch(FetchError::Timeout(_)) => "timeout",
            RefreshError::Fetch(FetchError::Connect(_)) => "connect",
            RefreshError::Fetch(FetchError::TooManyRedirects | FetchError::RedirectRefused(_)) => "redirect",
            RefreshError::Fetch(FetchError::Status { .. }) => "http_status",
            RefreshError::Fetch(FetchError::TooLarge { .. }) => "too_large",
            RefreshError::Fetch(FetchError::Body(_)) => "body",
            RefreshError::Parse(_) => "parse",
            RefreshError::Store(_) => "store",
        }
    }

    /// Whether the feed is to blame (and so backs off), rather than this machine's store.
    pub fn is_feed_fault(&self) -> bool {
        !matches!(self, RefreshError::Store(_))
    }
}

/// The result of one refresh and when the feed is due again.
#[derive(Debug)]
pub struct Refreshed {
    /// What happened.
    pub result: Result<RefreshOutcome, RefreshError>,
    /// When to poll next (already recorded in the store when the store works).
    pub next_poll: DateTime<Utc>,
    /// How long the feed's own document took to fetch (answered or failed); `None` when no
    /// request was made.
    pub fetch_time: Option<Duration>,
}

/// A successful poll and the earliest time the server allows the next one.
struct Polled {
    outcome: RefreshOutcome,
    not_before: Option<DateTime<Utc>>,
}

/// Everything a refresh needs, shared by all feeds.
pub struct Pipeline {
    /// The HTTP client with its limits.
    pub http: HttpClient,
    /// The store.
    pub store: StoreHandle,
    /// Language and topic judges.
    pub judges: Arc<Judges>,
    /// Bounds refreshes in progress, from the fetch to the store write. Fetch permits alone
    /// bound only requests in flight: when the one store writer falls behind, every fetched
    /// feed waits for it with its parsed entries in memory (seen in the daemon's first cycle
    /// of 1000 feeds under a heap profiler: 30,000 entries' texts at once).
    refreshing: Arc<tokio::sync::Semaphore>,
}

/// The hosts the config names as sources (feeds, pages and the hosts they may follow): the
/// only names allowed to resolve inside the machine's networks.
pub fn source_hosts(config: &Config) -> Vec<String> {
    config
        .feeds
        .iter()
        .flat_map(|f| {
            f.url
                .host_str()
                .map(str::to_string)
                .into_iter()
                .chain(f.follow_hosts.iter().cloned())
        })
        .collect()
}

impl Pipeline {
    /// A pipeline over one client, store and set of judges, refreshing at most `concurrency`
    /// feeds at a time.
    pub fn new(http: HttpClient, store: StoreHandle, judges: Arc<Judges>, concurrency: usize) -> Pipeline {
        let refreshing = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        Pipeline {
            http,
            store,
            judges,
            refreshing,
        }
    }

    /// The pipeline a config asks for, over `store`: what `run` and `poll` both refresh with.
    pub fn from_config(config: &Config, store: StoreHandle) -> Result<Pipeline, FetchError> {
        Ok(Pipeline::new(
            HttpClient::new(&config.fetch, resolve::GuardedResolver::new(source_hosts(config)))?,
            store,
            Arc::new(Judges::from_config(config)),
            config.fetch.concurrency,
        ))
    }

    /// Fetches, parses and stores one feed, records its health and next poll in the store.
    /// Never fails as a whole: whatever happens is in `result`, and a next poll time is always
    /// given, so one feed's trouble never stops the caller. A store failure is not the feed's:
    /// it leaves the feed's failures, backoff and validators as they were (so nothing the
    /// server sent is skipped next time) and is recorded as the feed's `store_error`.
    pub async fn refresh(&self, feed: &Feed, now: DateTime<Utc>) -> Refreshed {
        // Never closed, so acquiring fails never; without a permit the refresh goes on.
        let _refreshing = self.refreshing.acquire().await.ok();
        let jitter = schedule::random_jitter(&feed.name);
        let name = feed.name.clone();
        let previous = match self.store.call(move |s| s.feed_state(&name)).await {
            Ok(state) => state.unwrap_or_default(),
            Err(e) => {
                let regular = PollResult::Success {
                    adaptive_interval: None,
                    not_before: None,
                };
                let next_poll = schedule::next_poll(&feed.schedule, &regular, now, jitter);
                return Refreshed {
                    next_poll,
                    result: Err(e.into()),
                    fetch_time: None,
                };
            }
        };
        let mut state = FeedState {
            last_attempt: Some(now),
            ..previous.clone()
        };
        if previous.url != feed.url.as_str() {
            // A new address: what we knew about the old one does not apply.
            state = FeedState {
                url: feed.url.to_string(),
                last_attempt: Some(now),
                articles_new: previous.articles_new,
                ..FeedState::default()
            };
        }
        let unconditional = schedule::due_unconditional(state.last_unconditional, now);
        let validators = if unconditional {
            Validators::default()
        } else {
            Validators {
                etag: state.etag.clone(),
                last_modified: state.last_modified.clone(),
            }
        };
        let mut fetch_time = None;
        let result = self
            .poll(feed, &validators, now, &mut state, &mut fetch_time)
            .await;
        let poll_result = match &result {
            Ok(polled) => {
                state.last_success = Some(now);
                state.consecutive_failures = 0;
                state.failing_since = None;
                state.last_error = None;
                state.store_error = None;
                if unconditional {
                    state.last_unconditional = Some(now);
                }
                PollResult::Success {
                    adaptive_interval: state.adaptive_interval_secs.map(Duration::from_secs),
                    not_before: polled.not_before,
                }
            }
            Err(RefreshError::Store(e)) => {
                // Keep what the feed's own record said; only the attempt and the store's
                // complaint are new.
                state = FeedState {
                    last_attempt: Some(now),
                    store_error: Some(StoreFailure {
                        at: now,
                        error: e.to_string(),
                    }),
                    ..previous
                };
                if state.consecutive_failures > 0 {
                    // A feed that was backing off keeps backing off as it was.
                    PollResult::Failure {
                        consecutive: state.consecutive_failures,
                        retry_after: None,
                    }
                } else {
                    PollResult::Success {
                        adaptive_interval: state.adaptive_interval_secs.map(Duration::from_secs),
                        not_before: None,
                    }
                }
            }
            Err(e) => {
                state.consecutive_failures = state.consecutive_failures.saturating_add(1);
                state.failing_since = state.failing_since.or(Some(now));
                state.last_error = Some(e.to_string());
                if let RefreshError::Fetch(FetchError::Status { status, .. }) = e {
                    state.last_status = Some(*status);
                }
                PollResult::Failure {
                    consecutive: state.consecutive_failures,
                    retry_after: match e {
                        RefreshError::Fetch(f) => f.retry_after(),
                        _ => None,
                    },
                }
            }
        };
        let next_poll = schedule::next_poll(&feed.schedule, &poll_result, now, jitter);
        state.next_poll = Some(next_poll);
        let name = feed.name.clone();
        let saved = self.store.call(move |s| s.put_feed_state(&name, &state)).await;
        let result = match (result, saved) {
            (Ok(_), Err(e)) => Err(e.into()),
            (result, _) => result.map(|polled| polled.outcome),
        };
        Refreshed {
            result,
            next_poll,
            fetch_time,
        }
    }

    /// One fetch of the source and what follows from it, updating `state` as it learns and
    /// `fetch_time` with how long the fetch took.
    async fn poll(
        &self,
        feed: &Feed,
        validators: &Validators,
        now: DateTime<Utc>,
        state: &mut FeedState,
        fetch_time: &mut Option<Duration>,
    ) -> Result<Polled, RefreshError> {
        let started = tokio::time::Instant::now();
        let fetched = self.http.get(&feed.url, validators, &feed.limits).await;
        *fetch_time = Some(started.elapsed());
        let fetched = fetched?;
        state.last_status = Some(fetched.status);
        let (max_age, expires) = (fetched.max_age, fetched.expires);
        if fetched.not_modified() {
            let ttl = state.ttl_minutes.map(|m| Duration::from_secs(u64::from(m) * 60));
            return Ok(Polled {
                outcome: RefreshOutcome::NotModified,
                not_before: schedule::server_not_before(now, ttl, max_age, expires),
            });
        }
        // Keep validators the server stopped sending out of the next request.
        state.etag = fetched.validators.etag.clone();
        state.last_modified = fetched.validators.last_modified.clone();
        let fetch_full = match &feed.kind {
            SourceKind::Page(rules) => {
                let (entries, failed) = self.read_page(feed, rules, fetched, now, state).await?;
                let counts = self.judge_and_store(feed, entries, now, state).await?;
                return Ok(Polled {
                    outcome: RefreshOutcome::Stored {
                        counts,
                        skipped: 0,
                        unfetched: failed,
                    },
                    not_before: schedule::server_not_before(now, None, max_age, expires),
                });
            }
            SourceKind::Feed { fetch_full } => *fetch_full,
        };
        let mut parsed = self.parse(feed, fetched).await?;
        let mut unfetched = 0;
        if fetch_full {
            unfetched = self.full_text(feed, &mut parsed.entries, now).await?;
        }
        state.title = parsed.title.clone();
        state.ttl_minutes = parsed.ttl_minutes;
        let published: Vec<DateTime<Utc>> = parsed.entries.iter().filter_map(|e| e.entry.published).collect();
        if let Some(interval) = schedule::adaptive_interval(&feed.schedule, &published) {
            state.adaptive_interval_secs = Some(interval.as_secs());
        }
        let counts = self.judge_and_store(feed, parsed.entries, now, state).await?;
        let ttl = state.ttl_minutes.map(|m| Duration::from_secs(u64::from(m) * 60));
        Ok(Polled {
            outcome: RefreshOutcome::Stored {
                counts,
                skipped: parsed.skipped,
                unfetched,
            },
            not_before: schedule::server_not_before(now, ttl, max_age, expires),
        })
    }

    /// Judges the entries on the blocking pool, then stores them as one batch.
    async fn judge_and_store(
        &self,
        feed: &Feed,
        entries: Vec<Unjudged>,
        now: DateTime<Utc>,
        state: &mut FeedState,
    ) -> Result<UpsertCounts, RefreshError> {
        state.last_entries = entries.len();
        let judges = self.judges.clone();
        let entries: Vec<Entry> =
            tokio::task::spawn_blocking(move || entries.into_iter().map(|e| judges.judge_entry(e)).collect())
                .await
                .map_err(|e| ParseError::Malformed(format!("judges crashed: {e}")))?;
        let name = feed.name.clone();
        let counts = self
            .store
            .write(move |s| s.upsert_entries(&name, &entries, now))
            .await?;
        state.articles_new += counts.new as u64;
        Ok(counts)
    }

    /// Decodes and parses on the blocking pool: HTML stripping is CPU work that must not stall
    /// the reactor.
    async fn parse(&self, feed: &Feed, fetched: Fetched) -> Result<ParsedFeed, RefreshError> {
        let hint = feed.language.clone();
        let name = feed.name.clone();
        let zone = dates::feed_zone(feed);
        let parsed = tokio::task::spawn_blocking(move || {
            let decoded = decode::decode(&fetched.body, fetched.content_type.as_deref());
            if decoded.source == decode::CharsetSource::Guessed || decoded.lossy {
                tracing::warn!(
                    feed = %name,
                    encoding = decoded.charset,
                    lossy = decoded.lossy,
                    "charset undeclared or wrong; decoded by best guess"
                );
            }
            feed::parse_feed(&decoded.text, &fetched.final_url, hint.as_deref(), &zone)
        })
        .await
        .map_err(|e| ParseError::Malformed(format!("parser crashed: {e}")))??;
        Ok(parsed)
    }
}
