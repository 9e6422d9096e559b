//! Whether the daemon is well: its scheduler still beats and its store still takes a write.
//! The systemd watchdog and the API's `/healthz` ask the same question here.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::store::StoreHandle;

/// When the scheduler's loop last ran. Cheap to clone; clones share it.
#[derive(Clone)]
pub struct Heartbeat {
    /// Set by the scheduler on every beat, read by the watchdog and `/healthz`.
    last: Arc<Mutex<tokio::time::Instant>>,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat::new()
    }
}

impl Heartbeat {
    /// A heart that has just beaten.
    pub fn new() -> Heartbeat {
        Heartbeat {
            last: Arc::new(Mutex::new(tokio::time::Instant::now())),
        }
    }

    /// The scheduler is alive.
    pub fn beat(&self) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = tokio::time::Instant::now();
    }

    /// How long since the last beat.
    pub fn age(&self) -> Duration {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).elapsed()
    }
}

/// What is wrong with the daemon.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// The scheduler's loop has not run for this long.
    #[error("the scheduler has not run for {}", humantime::format_duration(Duration::from_secs(.0.as_secs())))]
    Silent(Duration),
    /// A small write to the store did not come back within this long.
    #[error("the store did not answer a write within {}", humantime::format_duration(*.0))]
    StoreHung(Duration),
    /// The store refused a small write (a full or read-only disk): the store's handle keeps
    /// reopening it, so a restart would not mend it.
    #[error("the store failed: {0}")]
    StoreFailing(String),
}

impl Problem {
    /// Whether restarting the daemon could mend it: a wedged scheduler or a hung store, not a
    /// disk that refuses writes.
    pub fn restart_helps(&self) -> bool {
        !matches!(self, Problem::StoreFailing(_))
    }
}

/// What is wrong, if anything: the scheduler silent for longer than `max_silence`, or the
/// store failing (or not answering within `probe_timeout`) a small write.
pub async fn problem(
    heartbeat: &Heartbeat,
    store: &StoreHandle,
    max_silence: Duration,
    probe_timeout: Duration,
) -> Option<Problem> {
    let probe = tokio::time::timeout(probe_timeout, store.call(|s| s.probe())).await;
    match probe {
        _ if heartbeat.age() > max_silence => Some(Problem::Silent(heartbeat.age())),
        Err(_) => Some(Problem::StoreHung(probe_timeout)),
        Ok(Err(e)) => Some(Problem::StoreFailing(e.to_string())),
        Ok(Ok(())) => None,
    }
}
