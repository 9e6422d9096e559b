//! One source refresh, as plain function calls: fetch → decode → parse → language → store.
//! I/O stages are async; parsing and judging run on the blocking pool, off the reactor.

pub mod decode;
pub mod dedup;
pub mod feed;
pub mod fetch;
pub mod lang;
pub mod text;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::Feed;
use crate::store::{FeedState, Store, StoreError, UpsertCounts};
use feed::{ParseError, ParsedFeed};
use fetch::{FetchError, HttpClient, Validators};
use lang::LangDetector;

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

/// Everything a refresh needs, shared by all feeds.
pub struct Pipeline {
    /// The HTTP client with its limits.
    pub http: HttpClient,
    /// The store.
    pub store: Store,
    /// The language detector.
    pub detector: Arc<LangDetector>,
}

impl Pipeline {
    /// Fetches, parses and stores one feed, and records its health in the store.
    pub async fn refresh(&self, feed: &Feed, now: DateTime<Utc>) -> Result<RefreshOutcome, RefreshError> {
        let previous = self
            .blocking_store(|s, name| s.feed_state(name), &feed.name)
            .await?
            .unwrap_or_default();
        let mut state = FeedState {
            url: feed.url.to_string(),
            last_attempt: Some(now),
            ..previous.clone()
        };
        // Validators only apply to the address they came from.
        let validators = if previous.url == feed.url.as_str() {
            Validators {
                etag: previous.etag.clone(),
                last_modified: previous.last_modified.clone(),
            }
        } else {
            Validators::default()
        };
        let result = self.refresh_inner(feed, &validators, now, &mut state).await;
        match &result {
            Ok(_) => {
                state.last_success = Some(now);
                state.consecutive_failures = 0;
                state.last_error = None;
            }
            Err(e) => {
                state.consecutive_failures += 1;
                state.last_error = Some(e.to_string());
                if let RefreshError::Fetch(FetchError::Status { status, .. }) = e {
                    state.last_status = Some(*status);
                }
            }
        }
        let name = feed.name.clone();
        self.blocking_store(move |s, _| s.put_feed_state(&name, &state), &feed.name)
            .await?;
        result
    }

    async fn refresh_inner(
        &self,
        feed: &Feed,
        validators: &Validators,
        now: DateTime<Utc>,
        state: &mut FeedState,
    ) -> Result<RefreshOutcome, RefreshError> {
        let fetched = self.http.get(&feed.url, validators).await?;
        state.last_status = Some(fetched.status);
        if fetched.not_modified() {
            return Ok(RefreshOutcome::NotModified);
        }
        let detector = self.detector.clone();
        let hint = feed.language.clone();
        let base = fetched.final_url.clone();
        let new_validators = fetched.validators.clone();
        let name = feed.name.clone();
        let parsed: ParsedFeed = tokio::task::spawn_blocking(move || {
            let decoded = decode::decode(&fetched.body, fetched.content_type.as_deref());
            if decoded.source == decode::CharsetSource::Guessed || decoded.lossy {
                tracing::warn!(feed = %name, encoding = decoded.encoding.name(), lossy = decoded.lossy, "charset not declared or wrong; decoded by best guess");
            }
            feed::parse_feed(&decoded.text, &base, hint.as_deref(), &detector)
        })
        .await
        .map_err(|e| ParseError::Malformed(format!("parser crashed: {e}")))??;
        let store = self.store.clone();
        let name = feed.name.clone();
        let entries = parsed.entries;
        let count = entries.len();
        let counts = tokio::task::spawn_blocking(move || store.upsert_entries(&name, &entries, now))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        state.etag = new_validators.etag;
        state.last_modified = new_validators.last_modified;
        state.title = parsed.title;
        state.articles_new += counts.new as u64;
        state.last_entries = count;
        Ok(RefreshOutcome::Stored {
            counts,
            skipped: parsed.skipped,
        })
    }

    async fn blocking_store<T, F>(&self, f: F, name: &str) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store, &str) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        let name = name.to_string();
        tokio::task::spawn_blocking(move || f(&store, &name))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }
}
