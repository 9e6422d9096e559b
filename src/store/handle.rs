//! The store's async face, used by everything that runs on tokio (the daemon, the pipeline,
//! `poll`): sled calls block, so each one hops to the blocking pool, and writes queue at an
//! async gate first.
//!
//! sled poisons a database at its first failed write (a full disk, a read-only directory):
//! every later call returns that error, even once the disk has room again. So when a call fails
//! with an I/O error and the store no longer takes a probe write, the handle closes it and opens
//! it again (at most every [`REOPEN_PAUSE`]); what the poisoned database held only in memory is
//! lost, and feeds whose state went with it are fetched again.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::backup::BackupError;
use super::compact::{self, Compacted};
use super::{Store, StoreError};

/// The shortest time between two attempts to reopen a failing store.
pub const REOPEN_PAUSE: Duration = Duration::from_secs(5);

/// A store failing its writes: since when, and the last error. Kept in memory, since the store
/// cannot record it, so that `treatywatch feeds` can say so through the daemon.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoreTrouble {
    /// The first failure of this spell.
    pub since: chrono::DateTime<chrono::Utc>,
    /// The last error.
    pub error: String,
}

/// The open store, or none while it could not be reopened; and when that was last tried.
struct Current {
    store: RwLock<Option<Store>>,
    /// When an attempt to reopen was last made, and why the last one failed.
    tried: Mutex<(Option<Instant>, String)>,
    /// Set by a failed call, cleared by a batch of articles written.
    trouble: Mutex<Option<StoreTrouble>>,
    /// The settings of the store last closed, for the one opened in its place.
    settings: Mutex<Option<super::Settings>>,
    /// What a store that was never open is told once it opens (the config's settings).
    prepare: Option<Prepare>,
    path: PathBuf,
}

/// Tells a newly opened store what the config says.
pub type Prepare = Arc<dyn Fn(&Store) + Send + Sync>;

/// A store shared by async tasks. Cheap to clone; all clones share one store and one gate.
#[derive(Clone)]
pub struct StoreHandle {
    current: Arc<Current>,
    /// Taken before a write is handed to the blocking pool, released when it is done. The store
    /// admits one writer at a time; without this gate every waiting write held a pool thread
    /// (and its allocator cache) while parsing waited for threads.
    writes: Arc<tokio::sync::Mutex<()>>,
}

impl From<Store> for StoreHandle {
    fn from(store: Store) -> StoreHandle {
        StoreHandle::new(store)
    }
}

impl StoreHandle {
    /// The async handle of an open store.
    pub fn new(store: Store) -> StoreHandle {
        StoreHandle {
            current: Arc::new(Current {
                path: store.path().to_path_buf(),
                store: RwLock::new(Some(store)),
                tried: Mutex::new((None, String::new())),
                trouble: Mutex::new(None),
                settings: Mutex::new(None),
                prepare: None,
            }),
            writes: Arc::default(),
        }
    }

    /// The handle of a store at `path` that its disk refused to open (`error`): every call
    /// fails with that error until an attempt to open it (at most every [`REOPEN_PAUSE`])
    /// succeeds, and the store is then given `prepare`.
    pub fn unopened(path: PathBuf, error: &StoreError, prepare: Prepare) -> StoreHandle {
        let current = Current {
            path,
            store: RwLock::new(None),
            tried: Mutex::new((Some(Instant::now()), error.to_string())),
            trouble: Mutex::new(None),
            settings: Mutex::new(None),
            prepare: Some(prepare),
        };
        current.troubled(error);
        StoreHandle {
            current: Arc::new(current),
            writes: Arc::default(),
        }
    }

    /// The store's directory.
    pub fn path(&self) -> PathBuf {
        self.current.path.clone()
    }

    /// The store itself, for synchronous callers; an error while it cannot be reopened.
    pub fn store(&self) -> Result<Store, StoreError> {
        self.current.get()
    }

    /// Runs a store call on the blocking pool: reads, and small writes such as feed state.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let current = self.current.clone();
        tokio::task::spawn_blocking(move || {
            let store = current.get().inspect_err(|e| current.troubled(e))?;
            let result = f(&store);
            if let Err(e @ StoreError::Io(_)) = &result {
                current.troubled(e);
                drop(store);
                current.reopen_if_poisoned();
            }
            result
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs a batch of article writes on the blocking pool, one batch at a time.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let _turn = self.writes.lock().await;
        let result = self.call(f).await;
        if result.is_ok() {
            *self.current.trouble.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        result
    }

    /// Rebuilds the store from a snapshot of itself when its files have outgrown it as
    /// `policy` says (see [`compact`]); `None` when they have not. Writes and reads wait
    /// meanwhile (seconds: a restore of the snapshot).
    pub async fn compact_if_grown(&self, policy: compact::Policy) -> Result<Option<Compacted>, BackupError> {
        let _turn = self.writes.lock().await;
        let current = self.current.clone();
        tokio::task::spawn_blocking(move || current.compact_if_grown(policy))
            .await
            .map_err(|e| BackupError::Store(StoreError::Task(e.to_string())))?
    }

    /// Whether the store is failing its writes: since when, and why.
    pub fn trouble(&self) -> Option<StoreTrouble> {
        self.current
            .trouble
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Current {
    /// The open store; when there is none, one attempt to open it (if the last was long enough
    /// ago).
    fn get(&self) -> Result<Store, StoreError> {
        if let Some(store) = self.store.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return Ok(store.clone());
        }
        let mut slot = self.store.write().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        if !self.may_try() {
            return Err(StoreError::Reopening {
                path: self.path.clone(),
                cause: self.tried.lock().unwrap_or_else(|e| e.into_inner()).1.clone(),
            });
        }
        let store = Store::open(&self.path).inspect_err(|e| self.failed(e))?;
        match self.settings.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            Some(settings) => store.apply(settings),
            None => {
                if let Some(prepare) = &self.prepare {
                    prepare(&store);
                }
            }
        }
        tracing::warn!(store = %self.path.display(), "store reopened");
        *slot = Some(store.clone());
        Ok(store)
    }

    /// Whether an attempt to reopen may be made now (and if so, it counts as made).
    fn may_try(&self) -> bool {
        let mut tried = self.tried.lock().unwrap_or_else(|e| e.into_inner());
        if tried.0.is_some_and(|at| at.elapsed() < REOPEN_PAUSE) {
            return false;
        }
        tried.0 = Some(Instant::now());
        true
    }

    /// See [`StoreHandle::compact_if_grown`]. Holds the slot throughout, so no call starts
    /// meanwhile, and waits for the calls under way to end before it closes the store.
    fn compact_if_grown(&self, policy: compact::Policy) -> Result<Option<Compacted>, BackupError> {
        let mut slot = self.store.write().unwrap_or_else(|e| e.into_inner());
        let Some(store) = slot.as_ref() else {
            return Ok(None);
        };
        let before = store.bytes_on_disk()?;
        // The newest backup says cheaply whether a snapshot is worth taking.
        let newest = super::backup::backups(&self.path)
            .first()
            .and_then(|b| std::fs::metadata(b).ok())
            .map_or(0, |m| m.len());
        if !policy.worth_it(before, newest) {
            return Ok(None);
        }
        let waited = Instant::now();
        while store.handles() > 1 {
            if waited.elapsed() > policy.wait {
                return Err(BackupError::Invalid {
                    path: self.path.clone(),
                    reason: format!("still in use after {:?}; compaction put off", policy.wait),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let snapshot = compact::snapshot_path(&self.path);
        if let Some(dir) = snapshot.parent() {
            std::fs::create_dir_all(dir).map_err(|source| BackupError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        store.backup_to(&snapshot)?;
        let snapshot_bytes = std::fs::metadata(&snapshot).map_or(0, |m| m.len());
        if !policy.worth_it(before, snapshot_bytes) {
            let _ = std::fs::remove_file(&snapshot);
            return Ok(None);
        }
        let settings = store.settings();
        store.flush()?;
        // The last handle goes: sled closes the database.
        *slot = None;
        let rebuilt = compact::rebuild(&self.path, &snapshot);
        let _ = std::fs::remove_file(&snapshot);
        // The new store, or the old one if the rebuild was undone.
        match Store::open(&self.path) {
            Ok(reopened) => {
                reopened.apply(settings);
                let after = reopened.bytes_on_disk();
                *slot = Some(reopened);
                let entries = rebuilt?;
                Ok(Some(Compacted {
                    before,
                    after: after?,
                    entries,
                }))
            }
            Err(e) => {
                // Opened again by the next call, with these settings.
                *self.settings.lock().unwrap_or_else(|e| e.into_inner()) = Some(settings);
                self.failed(&e);
                Err(rebuilt.err().unwrap_or(BackupError::Store(e)))
            }
        }
    }

    /// Notes a failed call in the trouble record.
    fn troubled(&self, error: &StoreError) {
        let mut trouble = self.trouble.lock().unwrap_or_else(|e| e.into_inner());
        let since = trouble.as_ref().map_or_else(chrono::Utc::now, |t| t.since);
        *trouble = Some(StoreTrouble {
            since,
            error: error.to_string(),
        });
    }

    /// Keeps why an attempt to reopen failed, for the errors until the next.
    fn failed(&self, error: &StoreError) {
        self.tried.lock().unwrap_or_else(|e| e.into_inner()).1 = error.to_string();
    }

    /// After an I/O error: if the store refuses a probe write too, it is poisoned; it is
    /// closed and opened again, keeping its settings.
    fn reopen_if_poisoned(&self) {
        let mut slot = self.store.write().unwrap_or_else(|e| e.into_inner());
        let Some(store) = slot.as_ref() else { return };
        if !store.is_poisoned() || !self.may_try() {
            return;
        }
        let settings = store.settings();
        *self.settings.lock().unwrap_or_else(|e| e.into_inner()) = Some(settings.clone());
        // The last handle must go before sled lets the directory be opened again; calls under
        // way hold theirs a moment longer, which `Store::open` waits out.
        *slot = None;
        match Store::open(&self.path) {
            Ok(reopened) => {
                reopened.apply(settings);
                tracing::warn!(
                    store = %self.path.display(),
                    "the store failed a write and was reopened; what it held only in memory is fetched again"
                );
                *slot = Some(reopened);
            }
            Err(e) => {
                self.failed(&e);
                tracing::error!(
                store = %self.path.display(), error = %e,
                retry = ?REOPEN_PAUSE,
                    "the store failed a write and cannot be opened again yet"
                )
            }
        }
    }
}
