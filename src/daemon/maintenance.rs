//! Daily upkeep while the daemon runs: retention (`[store] keep`) prunes what was fetched too
//! long ago, then a backup goes into the store's `backups/` (`[store] backups` kept), then the
//! store is compacted if its files have outgrown what it holds. The first round comes shortly
//! after the start, so a daemon restarted every day still does all three.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::events::{BackupFinished, CompactFinished, Events, IndexFinished, PruneFinished};
use crate::store::StoreHandle;

/// The wait before the first round: the start's polls go first.
const FIRST_ROUND: Duration = Duration::from_secs(60);

/// Between search-indexing rounds: what is not yet indexed is read by every search, so this
/// bounds how much that is (a few thousand articles at most at any ingest rate we reach).
const INDEX_PERIOD: Duration = Duration::from_secs(30);

/// Between rounds.
const PERIOD: Duration = Duration::from_secs(24 * 3600);

/// What upkeep does and with what.
pub(super) struct Maintenance {
    pub(super) store: StoreHandle,
    /// `[store] keep`; without it there is nothing to prune.
    pub(super) keep: Option<Duration>,
    /// `[store] backups`: how many daily backups to keep; 0 takes none.
    pub(super) backups: usize,
    pub(super) clock: Clock,
    pub(super) events: Events,
}

impl Maintenance {
    /// Runs a round after [`FIRST_ROUND`] and then every [`PERIOD`] until `shutdown`; a round
    /// in progress finishes its current transaction.
    pub(super) async fn run(self, shutdown: CancellationToken) {
        let mut wait = FIRST_ROUND;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            wait = PERIOD;
            if let Some(keep) = self.keep {
                let now = self.clock.now();
                let cutoff = now - crate::schedule::to_chrono(keep);
                let started = tokio::time::Instant::now();
                let result = self.store.call(move |s| s.prune(cutoff, now)).await;
                PruneFinished {
                    cutoff,
                    took: started.elapsed(),
                    result,
                }
                .emit(&self.events);
            }
            if self.backups > 0 {
                let (keep, now) = (self.backups, self.clock.now());
                let started = tokio::time::Instant::now();
                let result = self
                    .store
                    .call(move |s| Ok(crate::store::backup::rotate(s, keep, now)))
                    .await
                    .map_err(crate::store::backup::BackupError::from)
                    .and_then(|r| r);
                BackupFinished {
                    took: started.elapsed(),
                    result,
                }
                .emit(&self.events);
            }
            let started = tokio::time::Instant::now();
            let result = self
                .store
                .compact_if_grown(crate::store::compact::Policy::default())
                .await;
            CompactFinished {
                took: started.elapsed(),
                result,
            }
            .emit(&self.events);
        }
    }
}

/// Keeps the search index current until `shutdown`: rounds at the start (which also build the
/// index for a store older than it) and every [`INDEX_PERIOD`], one segment per blocking call
/// so that a stop never waits for a whole build.
pub(super) async fn index_for_search(store: StoreHandle, shutdown: CancellationToken) {
    loop {
        let started = tokio::time::Instant::now();
        let mut total = crate::store::Indexed::default();
        let result = loop {
            if shutdown.is_cancelled() {
                return;
            }
            match store
                .call(|s| Ok((crate::query::index_pass(s, false)?, s.search_index_built()?)))
                .await
            {
                Ok((pass, built)) => {
                    total.articles += pass.articles;
                    total.segments += pass.segments;
                    total.merged += pass.merged;
                    if pass.segments == 0 && pass.merged == 0 && built {
                        break Ok(total);
                    }
                }
                Err(e) => break Err(e),
            }
        };
        IndexFinished {
            took: started.elapsed(),
            result,
        }
        .emit();
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(INDEX_PERIOD) => {}
        }
    }
}
