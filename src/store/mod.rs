//! The store: a typed API over sled, one tree per concern, so that the engine stays a local
//! decision. It stores what it is given (entries already judged, fingerprints included) and
//! decides only what needs the stored data: whether a URL is new, and which story an article
//! joins. Values are JSON (readable when debugging, additive as the schema grows); keys are
//! big-endian so that sled's byte order is the order we list in (`codec`).
//!
//! Trees:
//! - `articles`: id (u64 BE) → [`Article`](crate::model::Article) (`articles`)
//! - `article_by_url`: canonical URL → id
//! - `article_by_time`: sort time (i64 micros, sign-flipped BE) ++ id → ()
//! - `feeds`: feed name → [`FeedState`](crate::model::FeedState) (`feed_state`)
//! - `fingerprints`, `refs`, `stories`: near-duplicate index, links and stories (`stories`,
//!   `ingest`, `near_dup`)
//! - `digests`: the digest outbox (`outbox`)
//! - `search_postings`, `search_segments`, `search_dirty`: the search index (`search_index`)
//! - `pruned_urls`: canonical URL of an article retention removed → when its feed last listed
//!   it (i64 BE seconds), so that a feed still listing it does not bring it back (`retention`)
//! - `meta`: `schema_version` → u32 BE; `digest_cursor` (`outbox`)
//!
//! [`StoreHandle`] is the async face of a store: the hop to the blocking pool and the gate
//! that keeps waiting writes from holding pool threads.

mod articles;
pub mod backup;
mod check;
mod codec;
pub mod compact;
mod feed_state;
mod handle;
mod ingest;
mod near_dup;
mod outbox;
mod retention;
mod search_index;
mod stories;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub use articles::{ArticleFilter, StoreStats, UpsertCounts};
pub use check::StoreCheck;
pub use handle::{Prepare, StoreHandle, StoreTrouble, REOPEN_PAUSE};
pub use outbox::{Cursor, Delivery, DeliveryState, DigestRecord};
pub use retention::Pruned;
pub use search_index::{Indexed, TermQuery};
pub use stories::{JoinReason, Story};

/// The `meta` key of the highest id given out, as retention last saw it.
const ID_MARK: &str = "highest_id";

/// Bumped when stored data changes shape incompatibly.
const SCHEMA_VERSION: u32 = 1;

/// How often, and how far apart, opening a locked store is retried (half a second in all).
const LOCK_RETRIES: u32 = 10;
const LOCK_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// sled's default page cache is about 1 GiB. The daemon's peak RSS in its first cycle of the
/// standard corpus (1000 feeds, `poll_cycle`, before jemalloc's settings in `main.rs` were
/// trimmed): 138 MB with 64 MiB, 121 with 32, 106 with 16.
/// The daemon paces its polls, so its first cycle took 10.1 s with each; a cold `poll --once`,
/// which ingests as fast as it can, took 7.05 s with 16 MiB and 6.74 s with 64 (a miss
/// rebuilds a page from the OS's file cache), and `ingest_scale` at 200,000 articles measured
/// 5,219 articles/s with 64 MiB and 5,068 with 16.
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

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
    /// The store failed and could not be opened again yet; it is retried.
    #[error("store {} failed and cannot be opened again yet ({cause}); retried", path.display())]
    Reopening {
        /// The store directory.
        path: PathBuf,
        /// Why the last attempt failed.
        cause: String,
    },
    /// A stored value does not decode.
    #[error("corrupt record in {tree}: {message}")]
    Corrupt {
        /// Which tree.
        tree: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl StoreError {
    /// Whether the disk refused the store (full, read-only, over quota, or not ours to write):
    /// the files are not damaged, and the store opens once the disk mends.
    pub fn refused_by_disk(&self) -> bool {
        let io = match self {
            StoreError::Open {
                source: sled::Error::Io(io),
                ..
            }
            | StoreError::Io(sled::Error::Io(io)) => io,
            _ => return false,
        };
        use std::io::ErrorKind::*;
        matches!(
            io.kind(),
            ReadOnlyFilesystem | StorageFull | QuotaExceeded | PermissionDenied
        )
    }
}

/// What a store is told after opening, kept when it is reopened.
#[derive(Clone)]
pub(super) struct Settings {
    dedup_window_secs: Arc<AtomicI64>,
    writes_fail: Arc<AtomicBool>,
    actors: Arc<Mutex<Arc<crate::details::actors::Actors>>>,
}

/// The article store. Cheap to clone; all clones share one database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    meta: sled::Tree,
    articles: sled::Tree,
    by_url: sled::Tree,
    by_time: sled::Tree,
    feeds: sled::Tree,
    fingerprints: sled::Tree,
    refs: sled::Tree,
    stories: sled::Tree,
    digests: sled::Tree,
    search_postings: sled::Tree,
    search_segments: sled::Tree,
    search_dirty: sled::Tree,
    pruned_urls: sled::Tree,
    /// The directory it lives in.
    path: PathBuf,
    /// Held while articles are added: every clone shares it, so one writer decides stories at
    /// a time. Readers never take it.
    writer: Arc<Mutex<()>>,
    /// Built from the stored signatures when first needed: listing articles never pays for it.
    near_dups: Arc<OnceLock<Mutex<near_dup::NearDupIndex>>>,
    /// How long articles stay in that index, in seconds (see [`Store::set_dedup_window`]).
    dedup_window_secs: Arc<AtomicI64>,
    /// A failpoint: while armed, article writes (and the watchdog's probe) fail as on a full
    /// disk, while feed state can still be recorded. Tests and fault injection arm it; nothing
    /// else does.
    writes_fail: Arc<AtomicBool>,
    /// Tells article writes apart for the search indexer: counts up from the opening time in
    /// microseconds, so that it never repeats a value across restarts.
    write_sequence: Arc<AtomicU64>,
    /// The highest article, story or digest id given out or stored: new ids go above it.
    /// sled's own generator restarts near zero in a database rebuilt from a backup (a restore,
    /// a recovery, a compaction), where it handed out ids of stored articles again and new
    /// articles overwrote old ones.
    last_id: Arc<AtomicU64>,
    /// The topics' actors, to name them in the explanations of stories (see
    /// [`Store::set_actors`]).
    actors: Arc<Mutex<Arc<crate::details::actors::Actors>>>,
}

impl Store {
    /// Opens (creating if needed) the store in directory `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        // A compaction cut short (a crash, a kill) is rolled back or forward first, so that
        // sled opens one whole store.
        compact::finish(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            source: sled::Error::Io(std::io::Error::other(e.to_string())),
        })?;
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
        let store = Store {
            path: path.to_path_buf(),
            meta,
            articles: db.open_tree("articles")?,
            by_url: db.open_tree("article_by_url")?,
            by_time: db.open_tree("article_by_time")?,
            feeds: db.open_tree("feeds")?,
            fingerprints: db.open_tree("fingerprints")?,
            refs: db.open_tree("refs")?,
            stories: db.open_tree("stories")?,
            digests: db.open_tree("digests")?,
            search_postings: db.open_tree("search_postings")?,
            search_segments: db.open_tree("search_segments")?,
            search_dirty: db.open_tree("search_dirty")?,
            pruned_urls: db.open_tree("pruned_urls")?,
            writer: Default::default(),
            near_dups: Default::default(),
            dedup_window_secs: Arc::new(AtomicI64::new(
                crate::config::DEFAULT_DEDUP_WINDOW.as_secs() as i64
            )),
            writes_fail: Arc::default(),
            write_sequence: Arc::new(AtomicU64::new(chrono::Utc::now().timestamp_micros().max(0) as u64)),
            last_id: Arc::new(AtomicU64::new(0)),
            actors: Arc::new(Mutex::new(Arc::new(crate::details::actors::Actors::new(
                &crate::config::topic::builtin_actors(),
            )))),
            db,
        };
        store.last_id.store(store.highest_stored_id()?, Ordering::SeqCst);
        store.start_search_index()?;
        Ok(store)
    }

    /// The highest id the store holds: of its newest article, story and digest, and the mark
    /// retention leaves before it removes the newest (see [`Store::mark_ids`]).
    fn highest_stored_id(&self) -> Result<u64, StoreError> {
        let id_in = |key: &[u8]| -> u64 {
            key.get(..8)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_be_bytes)
        };
        let mut highest = self.meta.get(ID_MARK)?.map_or(0, |v| id_in(&v));
        // Article and digest keys are the ids, big-endian: the last key is the highest.
        for tree in [&self.articles, &self.digests] {
            if let Some(item) = tree
                .iter()
                .rev()
                .find(|i| i.as_ref().map_or(true, |(k, _)| k.len() == 8))
            {
                highest = highest.max(id_in(&item?.0));
            }
        }
        if let Some(item) = self.stories.scan_prefix(b"S").next_back() {
            highest = highest.max(id_in(&item?.0[1..]));
        }
        Ok(highest)
    }

    /// A new article, story or digest id: above every one given out or stored.
    pub(super) fn new_id(&self) -> Result<u64, StoreError> {
        let generated = self.db.generate_id()?;
        let mut last = self.last_id.load(Ordering::SeqCst);
        loop {
            let id = generated.max(last + 1);
            match self
                .last_id
                .compare_exchange(last, id, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return Ok(id),
                Err(now) => last = now,
            }
        }
    }

    /// Records the highest id given out, for a store whose newest records retention is about
    /// to remove: ids are never given twice.
    pub(super) fn mark_ids(&self) -> Result<(), StoreError> {
        let last = self.last_id.load(Ordering::SeqCst);
        self.meta.insert(ID_MARK, &last.to_be_bytes())?;
        Ok(())
    }

    /// Sets how long an article stays findable by likeness (`[store] dedup_window`). Takes
    /// effect when the index is built, so set it right after opening.
    pub fn set_dedup_window(&self, window: chrono::Duration) {
        self.dedup_window_secs
            .store(window.num_seconds(), Ordering::Relaxed);
    }

    /// Sets the topics' actors (the built-in topic's until set), which a story's explanation
    /// names ("actor:guterres").
    pub fn set_actors(&self, actors: Arc<crate::details::actors::Actors>) {
        *self.actors.lock().unwrap_or_else(|e| e.into_inner()) = actors;
    }

    /// The topics' actors.
    pub(crate) fn actors(&self) -> Arc<crate::details::actors::Actors> {
        self.actors.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How long an article stays findable by likeness.
    pub fn dedup_window(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.dedup_window_secs.load(Ordering::Relaxed))
    }

    /// Whether the store answers a write: what the daemon's watchdog asks before telling
    /// systemd that all is well.
    pub fn probe(&self) -> Result<(), StoreError> {
        self.check_writable()?;
        self.meta
            .insert("probe", &chrono::Utc::now().timestamp().to_be_bytes())?;
        Ok(())
    }

    /// Whether sled has poisoned the database: it refuses a probe write after a failed one.
    /// The injected failure is not poisoning: it clears when disarmed.
    pub fn is_poisoned(&self) -> bool {
        if self.writes_fail.load(Ordering::Relaxed) {
            return false;
        }
        self.meta
            .insert("probe", &chrono::Utc::now().timestamp().to_be_bytes())
            .is_err()
            || self.db.flush().is_err()
    }

    /// The settings a reopened store keeps.
    pub(super) fn settings(&self) -> Settings {
        Settings {
            dedup_window_secs: self.dedup_window_secs.clone(),
            writes_fail: self.writes_fail.clone(),
            actors: self.actors.clone(),
        }
    }

    /// Gives a reopened store the settings of the one it replaces.
    pub(super) fn apply(&self, settings: Settings) {
        self.dedup_window_secs.store(
            settings.dedup_window_secs.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        self.writes_fail
            .store(settings.writes_fail.load(Ordering::Relaxed), Ordering::Relaxed);
        let actors = settings.actors.lock().unwrap_or_else(|e| e.into_inner()).clone();
        *self.actors.lock().unwrap_or_else(|e| e.into_inner()) = actors;
    }

    /// Arms (or disarms) the write-failure failpoint: while armed, article writes and the
    /// probe fail with an I/O error, as on a full disk. For tests and fault injection.
    #[doc(hidden)]
    pub fn fail_article_writes(&self, armed: bool) {
        self.writes_fail.store(armed, Ordering::Relaxed);
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        if self.writes_fail.load(Ordering::Relaxed) {
            return Err(StoreError::Io(sled::Error::Io(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "no space left on device (injected)",
            ))));
        }
        Ok(())
    }

    /// How many clones of this store exist (this one included): compaction waits for the
    /// others to go before it closes the database.
    pub(super) fn handles(&self) -> usize {
        Arc::strong_count(&self.writer)
    }

    /// The bytes the store's files take on disk.
    pub fn bytes_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.path
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FeedState;

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
    fn an_armed_failpoint_fails_article_writes_and_the_rest_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.fail_article_writes(true);
        assert!(matches!(store.probe(), Err(StoreError::Io(_))));
        assert!(matches!(
            store.upsert_entries("f", &[], chrono::Utc::now()),
            Err(StoreError::Io(_))
        ));
        store.put_feed_state("f", &FeedState::default()).unwrap();
        assert!(store.feed_state("f").unwrap().is_some());
        store.fail_article_writes(false);
        store.probe().unwrap();
        store.upsert_entries("f", &[], chrono::Utc::now()).unwrap();
    }
}
