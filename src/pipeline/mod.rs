//! One source refresh, as plain function calls: fetch → decode → parse → language → topics →
//! store (which fingerprints each new article and puts it in its story).
//! I/O stages are async; parsing and judging run on the blocking pool, off the reactor.

pub mod cite;
pub mod decode;
pub mod dedup;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod lang;
pub mod page;
pub mod text;
pub mod topic;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::model::{Entry, Feed, PageRules, SourceKind};
use crate::schedule::{self, PollResult};
use crate::store::{FeedState, Store, StoreError, Unfetched, UpsertCounts};
use dedup::canonical_url;
use extract::Extracted;
use feed::{ParseError, ParsedFeed};
use fetch::{FetchError, Fetched, HttpClient, Validators};
use futures_util::StreamExt;
use lang::LangDetector;
use page::LinkPolicy;
use topic::Topics;
use url::Url;

/// Article pages of one source fetched at once (the per-host limit applies as well).
const PAGE_FETCHES: usize = 4;

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

/// The result of one refresh and when the feed is due again.
#[derive(Debug)]
pub struct Refreshed {
    /// What happened.
    pub result: Result<RefreshOutcome, RefreshError>,
    /// When to poll next (already recorded in the store when the store works).
    pub next_poll: DateTime<Utc>,
}

/// A successful poll and the earliest time the server allows the next one.
struct Polled {
    outcome: RefreshOutcome,
    not_before: Option<DateTime<Utc>>,
}

/// The pure judges every entry passes: language, then topics. Built once from the config.
#[derive(Default)]
pub struct Judges {
    /// Language detection over the allowed languages.
    pub lang: LangDetector,
    /// The topics (the built-in one when the config has none).
    pub topics: Topics,
}

/// What the judges decide about one text.
pub struct Judged {
    /// Its language.
    pub lang: crate::model::LangGuess,
    /// The topics it is about.
    pub topics: Vec<crate::model::TopicMatch>,
    /// Its near-duplicate fingerprint, if it has enough text.
    pub fingerprint: Option<dedup::Signature>,
}

impl Judges {
    /// Language, topics and fingerprint of a title and text, normalising the text once.
    pub fn judge(&self, title: &str, text: &str, hint: Option<&str>) -> Judged {
        let lang = self.lang.detect(&format!("{title}\n{text}"), hint);
        let (title, text) = (topic::normalize(title), topic::normalize(text));
        let code = lang.lang.as_deref();
        let topics = self.topics.classify_normalized(&title, &text, code);
        let fingerprint = dedup::fingerprint_normalized(&format!("{title}\n{text}"), code);
        Judged {
            lang,
            topics,
            fingerprint,
        }
    }

    /// The judges a config asks for.
    pub fn from_config(config: &Config) -> Judges {
        Judges {
            lang: LangDetector::from_codes(&config.languages),
            topics: Topics::new(&config.topics),
        }
    }
}

/// Everything a refresh needs, shared by all feeds.
pub struct Pipeline {
    /// The HTTP client with its limits.
    pub http: HttpClient,
    /// The store.
    pub store: Store,
    /// Language and topic judges.
    pub judges: Arc<Judges>,
    /// Taken before a store write is handed to the blocking pool. The store admits one writer
    /// at a time; without this gate every waiting write held a pool thread (and its allocator
    /// cache) while parsing waited for threads.
    writes: tokio::sync::Mutex<()>,
}

impl Pipeline {
    /// A pipeline over one client, store and set of judges.
    pub fn new(http: HttpClient, store: Store, judges: Arc<Judges>) -> Pipeline {
        Pipeline {
            http,
            store,
            judges,
            writes: tokio::sync::Mutex::new(()),
        }
    }

    /// Fetches, parses and stores one feed, records its health and next poll in the store.
    /// Never fails as a whole: whatever happens is in `result`, and a next poll time is always
    /// given, so one feed's trouble never stops the caller.
    pub async fn refresh(&self, feed: &Feed, now: DateTime<Utc>) -> Refreshed {
        let jitter = schedule::random_jitter(&feed.name);
        let previous = match self
            .blocking_store(|s, name| s.feed_state(name), &feed.name)
            .await
        {
            Ok(state) => state.unwrap_or_default(),
            Err(e) => {
                let result = PollResult::Failure {
                    consecutive: 1,
                    retry_after: None,
                };
                return Refreshed {
                    next_poll: schedule::next_poll(&feed.schedule, &result, now, jitter),
                    result: Err(e.into()),
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
        let result = self.refresh_inner(feed, &validators, now, &mut state).await;
        let poll_result = match &result {
            Ok(polled) => {
                state.last_success = Some(now);
                state.consecutive_failures = 0;
                state.last_error = None;
                if unconditional {
                    state.last_unconditional = Some(now);
                }
                PollResult::Success {
                    adaptive_interval: state.adaptive_interval_secs.map(Duration::from_secs),
                    not_before: polled.not_before,
                }
            }
            Err(e) => {
                state.consecutive_failures = state.consecutive_failures.saturating_add(1);
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
        let saved = self
            .blocking_store(move |s, _| s.put_feed_state(&name, &state), &feed.name)
            .await;
        let result = match (result, saved) {
            (Ok(_), Err(e)) => Err(e.into()),
            (result, _) => result.map(|polled| polled.outcome),
        };
        Refreshed { result, next_poll }
    }

    async fn refresh_inner(
        &self,
        feed: &Feed,
        validators: &Validators,
        now: DateTime<Utc>,
        state: &mut FeedState,
    ) -> Result<Polled, RefreshError> {
        let fetched = self.http.get(&feed.url, validators, &feed.limits).await?;
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
        let not_before = schedule::server_not_before(now, None, max_age, expires);
        let fetch_full = match &feed.kind {
            SourceKind::Page(rules) => {
                let (entries, failed) = self.read_page(feed, rules, fetched, now, state).await?;
                let counts = self.store_entries(feed, entries, now, state).await?;
                return Ok(Polled {
                    outcome: RefreshOutcome::Stored {
                        counts,
                        skipped: 0,
                        unfetched: failed,
                    },
                    not_before,
                });
            }
            SourceKind::Feed { fetch_full } => *fetch_full,
        };
        let mut parsed = self.parse(feed, fetched).await?;
        let mut unfetched = 0;
        if fetch_full {
            (parsed.entries, unfetched) = self.full_text(feed, parsed.entries).await?;
        }
        state.title = parsed.title.clone();
        state.ttl_minutes = parsed.ttl_minutes;
        let published: Vec<DateTime<Utc>> = parsed.entries.iter().filter_map(|e| e.published).collect();
        if let Some(interval) = schedule::adaptive_interval(&feed.schedule, &published) {
            state.adaptive_interval_secs = Some(interval.as_secs());
        }
        let counts = self.store_entries(feed, parsed.entries, now, state).await?;
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

    async fn store_entries(
        &self,
        feed: &Feed,
        entries: Vec<Entry>,
        now: DateTime<Utc>,
        state: &mut FeedState,
    ) -> Result<UpsertCounts, RefreshError> {
        state.last_entries = entries.len();
        let _turn = self.writes.lock().await;
        let counts = self
            .blocking_store(move |s, name| s.upsert_entries(name, &entries, now), &feed.name)
            .await?;
        state.articles_new += counts.new as u64;
        Ok(counts)
    }

    /// A listing page's new articles, fetched and extracted, and how many could not be.
    async fn read_page(
        &self,
        feed: &Feed,
        rules: &PageRules,
        listing: Fetched,
        now: DateTime<Utc>,
        state: &mut FeedState,
    ) -> Result<(Vec<Entry>, usize), RefreshError> {
        let policy = LinkPolicy::new(&feed.url, &feed.follow_hosts);
        let rules = rules.clone();
        let links = tokio::task::spawn_blocking(move || {
            let decoded = decode::decode(&listing.body, listing.content_type.as_deref());
            page::article_links(&decoded.text, &listing.final_url, &rules, &policy)
        })
        .await
        .map_err(|e| ParseError::Malformed(format!("link finder crashed: {e}")))?;
        let new = self.unknown(feed, links).await?;
        // Forget failures of links that left the listing (or were stored meanwhile); wait out
        // the backoff of the others.
        state
            .unfetched
            .retain(|url, _| new.iter().any(|u| u.as_str() == url));
        let new: Vec<Url> = new
            .into_iter()
            .filter(|u| state.unfetched.get(u.as_str()).is_none_or(|f| f.retry_at <= now))
            .collect();
        if new.len() > page::MAX_ARTICLES_PER_POLL {
            tracing::info!(
                feed = %feed.name,
                found = new.len(),
                "more new article links than one poll reads; the rest follow on the next polls"
            );
        }
        let pages = self
            .fetch_pages(feed, new.into_iter().take(page::MAX_ARTICLES_PER_POLL).collect())
            .await;
        let failed = pages.iter().filter(|p| p.1.is_err()).count();
        for (url, result) in &pages {
            match result {
                Ok(_) => {
                    state.unfetched.remove(url.as_str());
                }
                Err(error) => {
                    let failures = state.unfetched.get(url.as_str()).map_or(0, |f| f.failures) + 1;
                    let delay = schedule::backoff(feed.schedule.interval, failures);
                    state.unfetched.insert(
                        url.to_string(),
                        Unfetched {
                            failures,
                            retry_at: now + schedule::to_chrono(delay),
                            error: error.clone(),
                        },
                    );
                }
            }
        }
        let entries = pages
            .into_iter()
            .filter_map(|(url, extracted)| {
                extracted
                    .ok()
                    .map(|x| page::entry_from_page(&url, x, feed.language.as_deref(), &self.judges))
            })
            .collect();
        Ok((entries, failed))
    }

    /// A feed's new items with the full text of their pages; the feed's text becomes the
    /// summary. Items whose page cannot be fetched keep the feed's text.
    async fn full_text(&self, feed: &Feed, entries: Vec<Entry>) -> Result<(Vec<Entry>, usize), RefreshError> {
        let policy = LinkPolicy::new(&feed.url, &feed.follow_hosts);
        let urls: Vec<String> = entries.iter().map(|e| e.url.clone()).collect();
        let known = self
            .blocking_store(move |s, _| s.known_urls(&urls), &feed.name)
            .await?;
        let wanted: Vec<Url> = entries
            .iter()
            .zip(&known)
            .filter(|(_, known)| !**known)
            .filter_map(|(e, _)| Url::parse(&e.link).ok())
            .filter(|u| {
                let allowed = policy.allows(u);
                if !allowed {
                    tracing::debug!(feed = %feed.name, url = %u, "full text not fetched: host not followed");
                }
                allowed
            })
            .take(page::MAX_ARTICLES_PER_POLL)
            .collect();
        let fetched = self.fetch_pages(feed, wanted).await;
        let unfetched = fetched.iter().filter(|p| p.1.is_err()).count();
        let mut pages: std::collections::HashMap<String, Extracted> = fetched
            .into_iter()
            .filter_map(|(url, x)| x.ok().map(|x| (url.to_string(), x)))
            .collect();
        let judges = self.judges.clone();
        let hint = feed.language.clone();
        let entries = entries
            .into_iter()
            .map(|mut entry| {
                let key = Url::parse(&entry.link).map(|u| u.to_string()).unwrap_or_default();
                let Some(page) = pages.remove(&key).filter(|p| !p.text.is_empty()) else {
                    return entry;
                };
                let summary = std::mem::replace(&mut entry.text, page.text);
                entry.summary = Some(summary);
                entry.published = entry.published.or(page.published);
                for link in page.links {
                    if !entry.links.contains(&link) {
                        entry.links.push(link);
                    }
                }
                for cited in page.cited {
                    if !entry.cited.contains(&cited) {
                        entry.cited.push(cited);
                    }
                }
                let hint = page.lang_hint.as_deref().or(hint.as_deref());
                let judged = judges.judge(&entry.title, &entry.text, hint);
                (entry.lang, entry.topics, entry.fingerprint) =
                    (judged.lang, judged.topics, judged.fingerprint);
                entry
            })
            .collect();
        Ok((entries, unfetched))
    }

    /// The links not stored yet, in order.
    async fn unknown(&self, feed: &Feed, links: Vec<Url>) -> Result<Vec<Url>, RefreshError> {
        let urls: Vec<String> = links.iter().map(|u| canonical_url(u).to_string()).collect();
        let known = self
            .blocking_store(move |s, _| s.known_urls(&urls), &feed.name)
            .await?;
        Ok(links
            .into_iter()
            .zip(known)
            .filter(|(_, k)| !k)
            .map(|(u, _)| u)
            .collect())
    }

    /// Fetches and extracts article pages, a few at a time (the client's per-host limit holds
    /// too); a page that fails is logged with the source's name and comes back as the reason.
    async fn fetch_pages(&self, feed: &Feed, urls: Vec<Url>) -> Vec<(Url, Result<Extracted, String>)> {
        let fetches = urls.into_iter().map(|url| async move {
            let fetched = match self.http.get(&url, &Validators::default(), &feed.limits).await {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!(feed = %feed.name, url = %url, error = %e, "article page not fetched");
                    return (url, Err(e.to_string()));
                }
            };
            let base = fetched.final_url.clone();
            let extracted = tokio::task::spawn_blocking(move || {
                let decoded = decode::decode(&fetched.body, fetched.content_type.as_deref());
                extract::extract(&decoded.text, &base, fetched.content_language.as_deref())
            })
            .await;
            match extracted {
                Ok(x) => (url, Ok(x)),
                Err(e) => {
                    tracing::warn!(feed = %feed.name, url = %url, error = %e, "article page not extracted");
                    (url, Err(format!("extraction crashed: {e}")))
                }
            }
        });
        futures_util::stream::iter(fetches)
            .buffered(PAGE_FETCHES)
            .collect()
            .await
    }

    /// Decodes and parses on the blocking pool: HTML stripping and language detection are CPU
    /// work that must not stall the reactor.
    async fn parse(&self, feed: &Feed, fetched: Fetched) -> Result<ParsedFeed, RefreshError> {
        let judges = self.judges.clone();
        let hint = feed.language.clone();
        let name = feed.name.clone();
        let parsed = tokio::task::spawn_blocking(move || {
            let decoded = decode::decode(&fetched.body, fetched.content_type.as_deref());
            if decoded.source == decode::CharsetSource::Guessed || decoded.lossy {
                tracing::warn!(
                    feed = %name,
                    encoding = decoded.encoding.name(),
                    lossy = decoded.lossy,
                    "charset undeclared or wrong; decoded by best guess"
                );
            }
            feed::parse_feed(&decoded.text, &fetched.final_url, hint.as_deref(), &judges)
        })
        .await
        .map_err(|e| ParseError::Malformed(format!("parser crashed: {e}")))??;
        Ok(parsed)
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
