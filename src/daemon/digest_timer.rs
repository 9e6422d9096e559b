//! The digest timer: at the digest hour it makes the day's digest and delivers it; failed
//! copies are retried when due. On start it first delivers what a previous run left pending,
//! and if a digest hour passed while the daemon was down, one digest covering the whole gap
//! goes out at once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::DigestConfig;
use crate::digest::outbox::{self, digest_time};
use crate::digest::render::Renderer;
use crate::events::{DeliveryAttempted, DigestMade, Events};
use crate::sinks::Sink;
use crate::store::{DeliveryState, StoreHandle};

/// When nothing else is due, the timer still looks again this often (a clock that jumped, a
/// store that failed).
const LOOK_AGAIN: Duration = Duration::from_secs(3600);

/// The timer's settings.
pub(super) struct DigestTimer {
    pub(super) config: DigestConfig,
    pub(super) renderer: Arc<Renderer>,
    pub(super) store: StoreHandle,
    pub(super) store_dir: PathBuf,
    pub(super) clock: Clock,
    pub(super) events: Events,
}

impl DigestTimer {
    /// Runs until `shutdown`; a digest being delivered is finished first (each attempt is
    /// short and its outcome is recorded; what is left stays pending for the next start).
    pub(super) async fn run(self, shutdown: CancellationToken) {
        let sinks: Arc<Vec<(String, Sink)>> = Arc::new(outbox::sinks(&self.config, &self.store_dir));
        let time = digest_time(&self.config);
        loop {
            self.deliver(&sinks).await;
            // "Now" on both clocks at once: the wait below is measured from here, however long
            // the store takes to answer in between.
            let (now, started) = (self.clock.now(), tokio::time::Instant::now());
            let cursor = match self.store.call(|s| s.digest_cursor()).await {
                Ok(cursor) => cursor,
                Err(e) => {
                    tracing::error!(error = %e, "digest: cannot read the outbox; trying again later");
                    if sleep_or_stop(started + LOOK_AGAIN, &shutdown).await {
                        return;
                    }
                    continue;
                }
            };
            // The first digest hour after the last digest; before any digest, the next one.
            let due = time.next_after(cursor.at.unwrap_or(now));
            if due > now {
                let wake = match self.next_retry(&sinks).await {
                    Some(retry) if retry < due => retry,
                    _ => due,
                };
                let wait = (wake - now).to_std().unwrap_or(Duration::ZERO).min(LOOK_AGAIN);
                if sleep_or_stop(started + wait, &shutdown).await {
                    return;
                }
                if self.clock.now() < due {
                    continue;
                }
            }
            self.make(&sinks).await;
        }
    }

    /// Makes and records the next digest.
    async fn make(&self, sinks: &Arc<Vec<(String, Sink)>>) {
        let (config, renderer, sinks) = (self.config.clone(), self.renderer.clone(), sinks.clone());
        let now = self.clock.now();
        let made = self
            .store
            .write(move |s| {
                outbox::make_next(s, &config, &renderer, &sinks, now)
                    .map_err(|e| crate::store::StoreError::Task(e.to_string()))
            })
            .await;
        match made {
            Ok(Some(record)) => DigestMade { record: &record }.emit(&self.events),
            Ok(None) => tracing::info!("digest: nothing new, and send_empty is off; none made"),
            Err(e) => {
                tracing::error!(error = %e, "digest: cannot make the digest; trying again at the next look")
            }
        }
    }

    /// Delivers whatever is due.
    async fn deliver(&self, sinks: &[(String, Sink)]) {
        match outbox::deliver_due(&self.store, sinks, self.config.give_up, self.clock.now()).await {
            Ok(attempts) => {
                for attempt in attempts {
                    DeliveryAttempted(attempt).emit(&self.events);
                }
            }
            Err(e) => tracing::error!(error = %e, "digest: cannot record a delivery; it stays pending"),
        }
    }

    /// The earliest retry of a failed copy of a sink still configured.
    async fn next_retry(&self, sinks: &Arc<Vec<(String, Sink)>>) -> Option<DateTime<Utc>> {
        let records = self.store.call(|s| s.digests()).await.ok()?;
        records
            .iter()
            .flat_map(|r| &r.deliveries)
            .filter(|d| sinks.iter().any(|(name, _)| *name == d.sink))
            .filter_map(|d| match &d.state {
                DeliveryState::Failed { next_try, .. } => Some(*next_try),
                _ => None,
            })
            .min()
    }
}

/// Sleeps until `deadline`; `true` when shutdown came first.
async fn sleep_or_stop(deadline: tokio::time::Instant, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => true,
        _ = tokio::time::sleep_until(deadline) => false,
    }
}
