//! The store: a typed API over sled, one tree per concern, so that the engine stays a local
//! decision. Values are JSON (readable when debugging, additive as the schema grows); keys are
//! big-endian so that sled's byte order is the order we list in.
//!
//! Trees:
//! - `articles`: id (u64 BE) → [`Article`]
//! - `article_by_url`: canonical URL → id
//! - `article_by_time`: sort time (i64 micros, sign-flipped BE) ++ id → ()
//! - `feeds`: feed name → [`FeedState`]
//! - `meta`: `schema_version` → u32 BE

mod feed_state;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

use crate::model::{Article, Entry};
pub use feed_state::FeedState;

/// Bumped when stored data changes shape incompatibly.
const SCHEMA_VERSION: u32 = 1;

/// How often, and how far apart, opening a locked store is retried (half a second in all).
const LOCK_RETRIES: u32 = 10;
const LOCK_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// sled's default page cache is about 1 GiB; this keeps a small server's RSS low.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (usually the daemon) has the store open.
    #[error("store {} is in use by another process (is `treatywatch run` running?)", path.display())]
    Locked {
        /// The store directory.
        path: PathBuf,
    },
    /// The store could not be opened.
    #[error("cannot open store {}: {source}", path.display())]
    Open {
        /// The store directory.
        path: PathBuf,
        /// What sled said.
        source: sled::Error,
    },
    /// The store was written by a newer treatywatch.
    #[error("store {} has schema version {found}; this treatywatch understands up to {SCHEMA_VERSION}", path.display())]
    Schema {
        /// The store directory.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// A read or write failed.
    #[error("store i/o: {0}")]
    Io(#[from] sled::Error),
    /// A store task on the blocking pool panicked or was cancelled.
    #[error("store task failed: {0}")]
    Task(String),
    /// A stored value does not decode.
    #[error("corrupt record in {tree}: {message}")]
    Corrupt {
        /// Which tree.
        tree: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// What storing one feed's entries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Articles stored for the first time.
    pub new: usize,
    /// Articles already stored whose content changed.
    pub updated: usize,
    /// Articles already stored as they are.
    pub unchanged: usize,
}

/// Which articles to list.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only this language.
    pub lang: Option<String>,
    /// Only from this feed.
    pub feed: Option<String>,
    /// Only articles that matched this topic.
    pub topic: Option<String>,
    /// Only articles whose sort time is at or after this.
    pub since: Option<DateTime<Utc>>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// The article store. Cheap to clone; all clones share one database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    articles: sled::Tree,
    by_url: sled::Tree,
    by_time: sled::Tree,
    feeds: sled::Tree,
}

impl Store {
    /// Opens (creating if needed) the store in directory `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        // sled drops its file lock from a background thread after the last handle goes, so a
        // store closed a moment ago (a test, a daemon that just exited) can still look locked.
        let mut attempts = 0;
        let db = loop {
            match sled::Config::new().path(path).cache_capacity(CACHE_BYTES).open() {
                Ok(db) => break db,
                Err(e) if is_lock_error(&e) && attempts < LOCK_RETRIES => {
                    attempts += 1;
                    std::thread::sleep(LOCK_RETRY_PAUSE);
                }
                Err(e) if is_lock_error(&e) => {
                    return Err(StoreError::Locked {
                        path: path.to_path_buf(),
                    })
                }
                Err(source) => {
                    return Err(StoreError::Open {
                        path: path.to_path_buf(),
                        source,
                    })
                }
            }
        };
        let meta = db.open_tree("meta")?;
        match meta.get("schema_version")? {
            Some(v) => {
                let found = u32::from_be_bytes(v.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                    tree: "meta",
                    message: "schema_version is not 4 bytes".into(),
                })?);
                if found > SCHEMA_VERSION {
                    return Err(StoreError::Schema {
                        path: path.to_path_buf(),
                        found,
                    });
                }
            }
            None => {
                meta.insert("schema_version", &SCHEMA_VERSION.to_be_bytes())?;
            }
        }
        Ok(Store {
            articles: db.open_tree("articles")?,
            by_url: db.open_tree("article_by_url")?,
            by_time: db.open_tree("article_by_time")?,
            feeds: db.open_tree("feeds")?,
            db,
        })
    }

    /// Stores a feed's entries in one transaction: new URLs become articles, known URLs whose
    /// content changed are updated in place (same id), the rest are left alone.
    pub fn upsert_entries(
        &self,
        feed: &str,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        let result =
            (&self.articles, &self.by_url, &self.by_time).transaction(|(articles, by_url, by_time)| {
                let mut counts = UpsertCounts::default();
                for entry in entries {
                    match by_url.get(entry.url.as_bytes())? {
                        None => {
                            let id = articles.generate_id()?;
                            let article = Article {
                                id,
                                feed: feed.to_string(),
                                fetched: now,
                                changed: None,
                                entry: entry.clone(),
                            };
                            put_article(articles, by_time, &article)?;
                            by_url.insert(entry.url.as_bytes(), &id.to_be_bytes())?;
                            counts.new += 1;
                        }
                        Some(id) => {
                            let Some(bytes) = articles.get(&id)? else {
                                return abort(format!(
                                    "article_by_url points at missing article for {}",
                                    entry.url
                                ));
                            };
                            let mut article: Article =
                                decode(&bytes).map_err(ConflictableTransactionError::Abort)?;
                            // Only the feed that brought an article may update it: a second
                            // feed carrying the same URL with another summary would otherwise
                            // flip it back and forth on every poll.
                            if article.feed != feed || same_content(&article.entry, entry) {
                                counts.unchanged += 1;
                                continue;
                            }
                            by_time.remove(time_key(article.sort_time(), article.id).as_slice())?;
                            article.entry = Entry {
                                // Keep what a thin update would lose: a later feed copy without the
                                // body or the date must not erase them.
                                text: if entry.text.is_empty() {
                                    article.entry.text.clone()
                                } else {
                                    entry.text.clone()
                                },
                                published: entry.published.or(article.entry.published),
                                ..entry.clone()
                            };
                            article.changed = Some(now);
                            put_article(articles, by_time, &article)?;
                            counts.updated += 1;
                        }
                    }
                }
                Ok(counts)
            });
        result.map_err(|e| match e {
            TransactionError::Abort(message) => StoreError::Corrupt {
                tree: "articles",
                message,
            },
            TransactionError::Storage(e) => StoreError::Io(e),
        })
    }

    /// One article by id.
    pub fn article(&self, id: u64) -> Result<Option<Article>, StoreError> {
        self.articles
            .get(id.to_be_bytes())?
            .map(|b| {
                decode(&b).map_err(|message| StoreError::Corrupt {
                    tree: "articles",
                    message,
                })
            })
            .transpose()
    }

    /// One article by URL (canonicalised by the caller).
    pub fn article_by_url(&self, url: &str) -> Result<Option<Article>, StoreError> {
        match self.by_url.get(url.as_bytes())? {
            Some(id) => self.article(id_from(&id, "article_by_url")?),
            None => Ok(None),
        }
    }

    /// Articles newest first, filtered.
    pub fn list(&self, filter: &ArticleFilter) -> Result<Vec<Article>, StoreError> {
        let limit = filter.limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        for item in self.by_time.iter().rev() {
            if out.len() >= limit {
                break;
            }
            let (key, _) = item?;
            if let Some(since) = filter.since {
                // Keys descend in time, so the first one before `since` ends the scan.
                if time_from_key(&key) < since.timestamp_micros() {
                    break;
                }
            }
            let id = id_from(&key[8..], "article_by_time")?;
            let Some(article) = self.article(id)? else {
                continue;
            };
            if filter
                .lang
                .as_deref()
                .is_some_and(|l| article.entry.lang.lang.as_deref() != Some(l))
            {
                continue;
            }
            if filter.feed.as_deref().is_some_and(|f| article.feed != f) {
                continue;
            }
            if filter
                .topic
                .as_deref()
                .is_some_and(|t| !article.entry.topics.iter().any(|m| m.name == t))
            {
                continue;
            }
            out.push(article);
        }
        Ok(out)
    }

    /// Number of articles stored.
    pub fn article_count(&self) -> usize {
        self.articles.len()
    }

    /// The health and validators of one feed.
    pub fn feed_state(&self, name: &str) -> Result<Option<FeedState>, StoreError> {
        self.feeds
            .get(name.as_bytes())?
            .map(|b| {
                decode(&b).map_err(|message| StoreError::Corrupt {
                    tree: "feeds",
                    message,
                })
            })
            .transpose()
    }

    /// Records the health and validators of one feed.
    pub fn put_feed_state(&self, name: &str, state: &FeedState) -> Result<(), StoreError> {
        self.feeds.insert(name.as_bytes(), encode(state))?;
        Ok(())
    }

    /// Every feed's state, by name.
    pub fn feed_states(&self) -> Result<Vec<(String, FeedState)>, StoreError> {
        self.feeds
            .iter()
            .map(|item| {
                let (k, v) = item?;
                let state = decode(&v).map_err(|message| StoreError::Corrupt {
                    tree: "feeds",
                    message,
                })?;
                Ok((String::from_utf8_lossy(&k).into_owned(), state))
            })
            .collect()
    }

    /// Writes everything buffered to disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}

fn is_lock_error(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock)
        || e.to_string().contains("could not acquire lock")
}

/// Whether storing `new` over `old` would change what a reader sees.
fn same_content(old: &Entry, new: &Entry) -> bool {
    old.title == new.title
        && (new.text.is_empty() || old.text == new.text)
        && (new.published.is_none() || old.published == new.published)
        && old.link == new.link
}

fn put_article(
    articles: &TransactionalTree,
    by_time: &TransactionalTree,
    article: &Article,
) -> Result<(), ConflictableTransactionError<String>> {
    articles.insert(&article.id.to_be_bytes(), encode(article))?;
    by_time.insert(time_key(article.sort_time(), article.id).as_slice(), &[])?;
    Ok(())
}

fn abort<T>(message: String) -> Result<T, ConflictableTransactionError<String>> {
    Err(ConflictableTransactionError::Abort(message))
}

/// Key ordering by time then id: microseconds with the sign bit flipped, so negative (pre-1970)
/// times still sort before positive ones as unsigned bytes.
fn time_key(time: DateTime<Utc>, id: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&((time.timestamp_micros() as u64) ^ (1 << 63)).to_be_bytes());
    key[8..].copy_from_slice(&id.to_be_bytes());
    key
}

fn time_from_key(key: &[u8]) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&key[..8]);
    (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64
}

fn id_from(bytes: &[u8], tree: &'static str) -> Result<u64, StoreError> {
    bytes
        .try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt {
            tree,
            message: format!("id of {} bytes", bytes.len()),
        })
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Invariant: our records are plain structs of strings, numbers and times; serde_json cannot
    // fail on them.
    serde_json::to_vec(value).expect("records always serialize")
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LangGuess, LangMethod};

    fn entry(url: &str, title: &str, published: &str) -> Entry {
        Entry {
            url: url.into(),
            link: url.into(),
            title: title.into(),
            text: format!("{title} body"),
            published: Some(published.parse().unwrap()),
            updated: None,
            authors: vec![],
            topics: vec![],
            lang: LangGuess {
                lang: Some("en".into()),
                confidence: 1.0,
                method: LangMethod::Text,
            },
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-11-28T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn upsert_is_idempotent_and_updates_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = entry("https://a/1", "One", "2026-11-01T00:00:00Z");
        let b = entry("https://a/2", "Two", "2026-11-02T00:00:00Z");
        let c = store.upsert_entries("f", &[a.clone(), b.clone()], now()).unwrap();
        assert_eq!(
            c,
            UpsertCounts {
                new: 2,
                updated: 0,
                unchanged: 0
            }
        );
        let c = store.upsert_entries("f", &[a.clone(), b.clone()], now()).unwrap();
        assert_eq!(
            c,
            UpsertCounts {
                new: 0,
                updated: 0,
                unchanged: 2
            }
        );

        let id = store.article_by_url("https://a/1").unwrap().unwrap().id;
        let edited = Entry {
            title: "One, edited".into(),
            published: Some("2026-11-03T00:00:00Z".parse().unwrap()),
            ..a
        };
        let c = store.upsert_entries("f", &[edited], now()).unwrap();
        assert_eq!(
            c,
            UpsertCounts {
                new: 0,
                updated: 1,
                unchanged: 0
            }
        );
        let article = store.article(id).unwrap().unwrap();
        assert_eq!(article.entry.title, "One, edited");
        assert_eq!(article.changed, Some(now()));
        // The time index moved with the new date: still two entries, edited one first.
        let listed = store.list(&ArticleFilter::default()).unwrap();
        assert_eq!(listed.iter().map(|a| a.id).collect::<Vec<_>>().len(), 2);
        assert_eq!(listed[0].entry.title, "One, edited");
    }

    #[test]
    fn another_feed_does_not_overwrite_an_article() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let original = entry("https://a/1", "One", "2026-11-01T00:00:00Z");
        let copy = Entry {
            text: "a shorter summary".into(),
            ..original.clone()
        };
        store
            .upsert_entries("first", std::slice::from_ref(&original), now())
            .unwrap();
        for _ in 0..2 {
            let c = store
                .upsert_entries("second", std::slice::from_ref(&copy), now())
                .unwrap();
            assert_eq!(
                c,
                UpsertCounts {
                    new: 0,
                    updated: 0,
                    unchanged: 1
                }
            );
            let c = store
                .upsert_entries("first", std::slice::from_ref(&original), now())
                .unwrap();
            assert_eq!(
                c,
                UpsertCounts {
                    new: 0,
                    updated: 0,
                    unchanged: 1
                }
            );
        }
        let stored = store.article_by_url("https://a/1").unwrap().unwrap();
        assert_eq!(
            (stored.feed.as_str(), stored.entry.text.as_str()),
            ("first", "One body")
        );
    }

    #[test]
    fn list_filters_and_orders_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut old = entry("https://a/old", "Old", "1969-07-20T20:17:00Z");
        old.lang.lang = Some("fr".into());
        let mid = entry("https://a/mid", "Mid", "2026-10-01T00:00:00Z");
        let new = entry("https://a/new", "New", "2026-11-20T00:00:00Z");
        store.upsert_entries("f", &[mid, old, new], now()).unwrap();
        let titles = |f: &ArticleFilter| -> Vec<String> {
            store
                .list(f)
                .unwrap()
                .into_iter()
                .map(|a| a.entry.title)
                .collect()
        };
        assert_eq!(titles(&ArticleFilter::default()), ["New", "Mid", "Old"]);
        assert_eq!(
            titles(&ArticleFilter {
                lang: Some("fr".into()),
                ..Default::default()
            }),
            ["Old"]
        );
        assert_eq!(
            titles(&ArticleFilter {
                since: Some("2026-09-01T00:00:00Z".parse().unwrap()),
                ..Default::default()
            }),
            ["New", "Mid"]
        );
        assert_eq!(
            titles(&ArticleFilter {
                limit: Some(1),
                ..Default::default()
            }),
            ["New"]
        );
        assert!(titles(&ArticleFilter {
            feed: Some("other".into()),
            ..Default::default()
        })
        .is_empty());
    }

    #[test]
    fn second_open_reports_lock() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open(dir.path()).unwrap();
        match Store::open(dir.path()) {
            Err(StoreError::Locked { .. }) => {}
            Err(other) => panic!("expected Locked, got {other}"),
            Ok(_) => panic!("expected Locked, got a second handle"),
        }
    }

    #[test]
    fn survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .upsert_entries("f", &[entry("https://a/1", "One", "2026-11-01T00:00:00Z")], now())
                .unwrap();
            store
                .put_feed_state(
                    "f",
                    &FeedState {
                        consecutive_failures: 3,
                        ..Default::default()
                    },
                )
                .unwrap();
            store.flush().unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.article_count(), 1);
        assert_eq!(store.feed_state("f").unwrap().unwrap().consecutive_failures, 3);
    }
}
