//! The store's async face, used by everything that runs on tokio (the daemon, the pipeline,
//! `poll`): sled calls block, so each one hops to the blocking pool, and writes queue at an
//! async gate first.

use std::sync::Arc;

use super::{Store, StoreError};

/// A store shared by async tasks. Cheap to clone; all clones share one store and one gate.
#[derive(Clone)]
pub struct StoreHandle {
    store: Store,
    /// Taken before a write is handed to the blocking pool, released when it is done. The store
    /// admits one writer at a time; without this gate every waiting write held a pool thread
    /// (and its allocator cache) while parsing waited for threads.
    writes: Arc<tokio::sync::Mutex<()>>,
}

impl StoreHandle {
    /// The async handle of an open store.
    pub fn new(store: Store) -> StoreHandle {
        StoreHandle {
            store,
            writes: Arc::default(),
        }
    }

    /// The store itself, for synchronous callers.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs a store call on the blocking pool: reads, and small writes such as feed state.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
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
        self.call(f).await
    }
}
