//! The store: a typed API over sled, one tree per concern, so that the engine stays a local
//! decision. Values are JSON (readable when debugging, additive as the schema grows); keys are
//! big-endian so that sled's byte order is the order we list in.
//!
//! Trees:
//! - `articles`: id (u64 BE) → [`Article`]
//! - `article_by_url`: canonical URL → id
//! - `article_by_time`: sort time (i64 micros, sign-flipped BE) ++ id → ()
//! - `feeds`: feed name → [`FeedState`]
//! - `fingerprints`, `refs`, `stories`: near-duplicate index, links and stories (see `stories`)
//! - `meta`: `schema_version` → u32 BE

mod feed_state;
mod ingest;
mod near_dup;
mod stories;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use chrono::{DateTime, Utc};

use crate::model::{Article, Entry};
use crate::pipeline::dedup::{fingerprint, Signature};
pub use feed_state::{FeedState, Unfetched};
pub use stories::Story;

/// How long an article stays findable by likeness unless set otherwise: copies and rewrites of
/// a story appear within days.
pub const DEFAULT_DEDUP_WINDOW: chrono::Duration = chrono::Duration::days(30);

/// Bumped when stored data changes shape incompatibly.
const SCHEMA_VERSION: u32 = 1;

/// How often, and how far apart, opening a locked store is retried (half a second in all).
const LOCK_RETRIES: u32 = 10;
const LOCK_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// sled's default page cache is about 1 GiB. On the standard corpus (1000 feeds, an 82 MB store
/// after the first cycle) 32 MiB made sled re-read and rebuild pages on every write: hand runs
/// of a cold `poll --once` took 5.4-6.2 s at 84-86 MB peak RSS, against 4.6-4.9 s at 94 MB with
/// 64 MiB.
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
    fingerprints: sled::Tree,
    refs: sled::Tree,
    stories: sled::Tree,
    /// Held while articles are added: every clone shares it, so one writer decides stories at
    /// a time. Readers never take it.
    writer: Arc<Mutex<()>>,
    /// Built from the stored signatures when first needed: listing articles never pays for it.
    near_dups: Arc<OnceLock<Mutex<near_dup::NearDupIndex>>>,
    /// How long articles stay in that index, in seconds (see [`Store::set_dedup_window`]).
    dedup_window_secs: Arc<std::sync::atomic::AtomicI64>,
}

impl Store {
    /// Opens (creating if needed) the store in directory `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        // sled drops its file lock from a background thread after the last handle goes, so a
        // store closed a moment ago (a test, a daemon that just exited) can still look locked.
        let mut attempts = 0;
        let db = loop {
            match sled::Config::new()
                .path(path)
                .cache_capacity(CACHE_BYTES)
                .mode(sled::Mode::HighThroughput)
                .open()
            {
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
            fingerprints: db.open_tree("fingerprints")?,
            refs: db.open_tree("refs")?,
            stories: db.open_tree("stories")?,
            writer: Default::default(),
            near_dups: Default::default(),
            dedup_window_secs: Arc::new(std::sync::atomic::AtomicI64::new(
                DEFAULT_DEDUP_WINDOW.num_seconds(),
            )),
            db,
        })
    }

    /// Stores a feed's entries in one transaction: new URLs become articles in their stories,
    /// known URLs whose content changed are updated in place (same id and story), the rest are
    /// left alone.
    pub fn upsert_entries(
        &self,
        feed: &str,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        // Fingerprinting is CPU work: done before taking the writer lock.
        let signatures: Vec<Option<Signature>> = entries
            .iter()
            .map(|e| {
                e.fingerprint
                    .or_else(|| fingerprint(&e.title, &e.text, e.lang.lang.as_deref()))
            })
            .collect();
        // One writer at a time: a new article's story is decided by reading what is stored, and
        // nothing may be stored between that reading and the write.
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut index = self.near_dup_index()?;
        // Before deciding: an article that left the window must not be matched.
        index.evict(now);
        let mut ingest = ingest::Ingest::new(self, &index, now);
        for (entry, signature) in entries.iter().zip(&signatures) {
            ingest.add(feed, entry, signature.as_ref())?;
        }
        let (counts, fingerprinted) = ingest.commit()?;
        for f in fingerprinted {
            index.insert(f.id, now, f.lang, f.signature);
        }
        Ok(counts)
    }

    /// Sets how long an article stays findable by likeness (`[store] dedup_window`). Takes
    /// effect when the index is built, so set it right after opening.
    pub fn set_dedup_window(&self, window: chrono::Duration) {
        self.dedup_window_secs
            .store(window.num_seconds(), std::sync::atomic::Ordering::Relaxed);
    }

    /// How long an article stays findable by likeness.
    pub fn dedup_window(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.dedup_window_secs.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// The near-duplicate index, built from the stored signatures on first use.
    fn near_dup_index(&self) -> Result<MutexGuard<'_, near_dup::NearDupIndex>, StoreError> {
        if self.near_dups.get().is_none() {
            let built = self.build_near_dup_index(Utc::now())?;
            // Another thread may have built it meanwhile; both read the same records.
            let _ = self.near_dups.set(Mutex::new(built));
        }
        let index = self.near_dups.get().expect("set above");
        Ok(index.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn build_near_dup_index(&self, now: DateTime<Utc>) -> Result<near_dup::NearDupIndex, StoreError> {
        let window = self.dedup_window();
        let mut index = near_dup::NearDupIndex::new(window);
        let horizon = now - window;
        // Ids grow with time, so records come oldest first, as the index wants them.
        for item in self.fingerprints.scan_prefix(b"S") {
            let (key, value) = item?;
            let id = id_from(&key[1..], "fingerprints")?;
            let record = match near_dup::decode_record(&value) {
                Some(record) => record,
                // A signature stored alone, before records carried language and time.
                None => match (Signature::from_bytes(&value), self.article(id)?) {
                    (Some(signature), Some(article)) => (
                        signature,
                        near_dup::lang_code(article.entry.lang.lang.as_deref()),
                        article.fetched,
                    ),
                    _ => continue,
                },
            };
            let (signature, lang, at) = record;
            if at >= horizon {
                index.insert(id, at, lang, signature);
            }
        }
        // Buckets kept in the store by earlier versions: the index replaces them.
        let legacy: Vec<sled::IVec> = self
            .fingerprints
            .scan_prefix(b"B")
            .keys()
            .collect::<Result<_, _>>()?;
        for key in legacy {
            self.fingerprints.remove(key)?;
        }
        Ok(index)
    }

    /// Which of these canonical URLs are stored already.
    pub fn known_urls(&self, urls: &[String]) -> Result<Vec<bool>, StoreError> {
        urls.iter()
            .map(|u| Ok(self.by_url.contains_key(u.as_bytes())?))
            .collect()
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
            summary: None,
            published: Some(published.parse().unwrap()),
            updated: None,
            authors: vec![],
            topics: vec![],
            links: vec![],
            cited: vec![],
            fingerprint: None,
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

    const WIRE: &str = "More than sixty countries signed the United Nations Convention against Cybercrime at a \
        ceremony in Hanoi on Saturday, opening a new chapter in cooperation on electronic evidence. The treaty \
        enters into force ninety days after the fortieth ratification.";

    fn article(url: &str, lang: &str, text: &str) -> Entry {
        let mut e = entry(url, "Title", "2026-11-01T00:00:00Z");
        e.text = text.to_string();
        e.lang.lang = Some(lang.into());
        e
    }

    #[test]
    fn copies_citations_and_shared_sources_make_one_story() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let original = article("https://wire.example/a", "en", WIRE);
        store.upsert_entries("wire", &[original], now()).unwrap();
        let a = store
            .article_by_url("https://wire.example/a")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(
            store.story_of(a).unwrap(),
            a,
            "a first article starts its own story"
        );

        // A republished copy with a new headline line under another URL.
        let copy = article(
            "https://paper.example/b",
            "en",
            &format!("UPDATE: {WIRE} Rights groups objected."),
        );
        // A translation that cites the original.
        let mut translation = article(
            "https://vi.example/c",
            "vi",
            "Hơn 60 quốc gia đã ký Công ước tại Hà Nội.",
        );
        translation.cited = vec!["https://wire.example/a".into()];
        // Another outlet citing the same source as the translation... and a later article that
        // the first one turns out to cite.
        let mut sibling = article(
            "https://ar.example/d",
            "ar",
            "وقعت أكثر من ستين دولة على الاتفاقية في هانوي.",
        );
        sibling.cited = vec!["https://source.example/original".into()];
        let mut cousin = article(
            "https://fr.example/e",
            "fr",
            "Plus de soixante États ont signé la convention.",
        );
        cousin.cited = vec!["https://source.example/original".into()];
        store
            .upsert_entries("mixed", &[copy, translation, sibling, cousin], now())
            .unwrap();
        let id = |u: &str| store.article_by_url(u).unwrap().unwrap().id;
        assert_eq!(store.story_of(id("https://paper.example/b")).unwrap(), a);
        assert_eq!(store.story_of(id("https://vi.example/c")).unwrap(), a);
        let d = id("https://ar.example/d");
        assert_eq!(store.story_of(id("https://fr.example/e")).unwrap(), d);
        assert_ne!(store.story_of(d).unwrap(), a);

        // The source itself arrives, and it links to the wire story: the two stories merge
        // into the older one, and the younger id still resolves.
        let mut source = article("https://source.example/original", "en", "A short source note.");
        source.links = vec!["https://wire.example/a".into()];
        store.upsert_entries("src", &[source], now()).unwrap();
        for url in [
            "https://ar.example/d",
            "https://fr.example/e",
            "https://source.example/original",
        ] {
            assert_eq!(store.story_of(id(url)).unwrap(), a, "{url}");
        }
        let merged = store.story(d).unwrap().unwrap();
        assert_eq!(merged.id, a);
        assert_eq!(merged.size, 6);
        assert_eq!(store.story_members(d).unwrap().len(), 6);
        assert_eq!(store.stories_of(&ArticleFilter::default()).unwrap().len(), 1);
        // A story of one has no record, and is its article's.
        assert_eq!(store.story_members(12345).unwrap(), vec![12345]);
    }

    #[test]
    fn look_alikes_same_site_links_and_other_languages_stay_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let first = article("https://wire.example/a", "en", WIRE);
        // Shares its opening clause, then tells another story.
        let look_alike = article(
            "https://wire.example/b",
            "en",
            "More than sixty countries signed a trade pact in Geneva on Saturday, cutting tariffs on farm goods \
             and machinery. Ministers said talks on services would follow next spring.",
        );
        // Links to the first, but from the same site: a "related" box, not a citation.
        let mut related = article(
            "https://www.wire.example/c",
            "en",
            "Markets rallied as the central bank held rates steady.",
        );
        related.links = vec!["https://wire.example/a".into()];
        // The same words in a record marked as another language are not compared.
        let other_lang = article("https://wire.example/d", "fr", WIRE);
        store
            .upsert_entries("wire", &[first, look_alike, related, other_lang], now())
            .unwrap();
        assert_eq!(store.stories_of(&ArticleFilter::default()).unwrap().len(), 4);
    }

    #[test]
    fn the_near_duplicate_index_is_rebuilt_from_stored_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let store = Store::open(dir.path()).unwrap();
            store
                .upsert_entries("wire", &[article("https://wire.example/a", "en", WIRE)], now())
                .unwrap();
            store.flush().unwrap();
            store
                .article_by_url("https://wire.example/a")
                .unwrap()
                .unwrap()
                .id
        };
        // A new process: the index starts empty and is rebuilt on first use.
        let store = Store::open(dir.path()).unwrap();
        let copy = article(
            "https://reposter.example/b",
            "en",
            &format!("{WIRE} Reporting by staff."),
        );
        store.upsert_entries("reposter", &[copy], now()).unwrap();
        let second = store
            .article_by_url("https://reposter.example/b")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(store.story_of(second).unwrap(), first);

        // Articles stored longer ago than the window are not found by likeness.
        let later = now() + store.dedup_window() + chrono::Duration::days(1);
        let late = article("https://late.example/c", "en", WIRE);
        store.upsert_entries("late", &[late], later).unwrap();
        let third = store
            .article_by_url("https://late.example/c")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(store.story_of(third).unwrap(), third);
    }

    #[test]
    fn the_window_is_configurable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.set_dedup_window(chrono::Duration::days(1));
        store
            .upsert_entries("wire", &[article("https://wire.example/a", "en", WIRE)], now())
            .unwrap();
        let copy = article("https://reposter.example/b", "en", WIRE);
        store
            .upsert_entries("reposter", &[copy], now() + chrono::Duration::days(2))
            .unwrap();
        let second = store
            .article_by_url("https://reposter.example/b")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(store.story_of(second).unwrap(), second);
    }

    #[test]
    fn a_store_of_the_first_layout_is_read() {
        // Signatures stored alone and buckets kept in sled, as the first version wrote them.
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let store = Store::open(dir.path()).unwrap();
            let original = article("https://wire.example/a", "en", WIRE);
            store
                .upsert_entries("wire", std::slice::from_ref(&original), now())
                .unwrap();
            let id = store
                .article_by_url("https://wire.example/a")
                .unwrap()
                .unwrap()
                .id;
            let signature = fingerprint(&original.title, &original.text, Some("en")).unwrap();
            store
                .fingerprints
                .insert(stories::signature_key(id), signature.to_bytes())
                .unwrap();
            store
                .fingerprints
                .insert(b"Ben\0\x03bucketkey", &id.to_be_bytes())
                .unwrap();
            store.flush().unwrap();
            id
        };
        let store = Store::open(dir.path()).unwrap();
        let copy = article("https://reposter.example/b", "en", WIRE);
        store.upsert_entries("reposter", &[copy], now()).unwrap();
        let second = store
            .article_by_url("https://reposter.example/b")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(store.story_of(second).unwrap(), first);
        assert_eq!(
            store.fingerprints.scan_prefix(b"B").count(),
            0,
            "old buckets are removed"
        );
    }

    #[test]
    fn another_feed_does_not_overwrite_an_article() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let original = entry("https://a/1", "One", "2026-11-01T00:00:00Z");
        let copy = Entry {
            text: "a shorter summary".into(),
            summary: None,
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
