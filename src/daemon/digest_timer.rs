//! The digest timer: at the digest hour it makes the day's digest and delivers it; failed
//! copies are retried when due. On start it first delivers what a previous run left pending,
//! and if a digest hour passed while the daemon was down, one digest covering the whole gap
//! goes out at once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::api::DigestRequest;
use crate::digest::desk::{self, DigestAction, DigestRefused};

use crate::clock::Clock;
use crate::config::DigestConfig;
use crate::digest::outbox::{self, digest_time};
use crate::digest::render::Renderer;
use crate::events::{DeliveryAttempted, DigestMade, DigestSkipped, Events};
use crate::sinks::Sink;
use crate::store::{DeliveryState, StoreHandle};

/// When nothing else is due, the timer still looks again this often (a clock that jumped, a
/// store that failed).
const LOOK_AGAIN: Duration = Duration::from_secs(3600);

/// How long after a failed attempt to make a digest the next one is tried.
const MAKE_AGAIN: Duration = Duration::from_secs(5 * 60);

/// What an attempt to make a digest did.
enum Made {
    /// A digest was recorded.
    Recorded,
    /// The window brought nothing and empty digests are not sent: the window stays open.
    Nothing,
    /// It failed; it is tried again after [`MAKE_AGAIN`].
    Failed,
}

/// The timer's settings.
pub(super) struct DigestTimer {
    /// Whether the config has a `[digest]`: without one the timer only answers the API, with
    /// previews (sends are refused: no sink is configured).
    pub(super) scheduled: bool,
    pub(super) config: DigestConfig,
    /// The config file, named when a send is refused.
    pub(super) source: PathBuf,
    /// The API's requests, done between the timer's own rounds.
    pub(super) requests: mpsc::Receiver<DigestRequest>,
    pub(super) renderer: Arc<Renderer>,
    pub(super) store: StoreHandle,
    pub(super) store_dir: PathBuf,
    pub(super) clock: Clock,
    pub(super) events: Events,
    /// Told when the system clock jumps: a wait measured before is wrong after.
    pub(super) clock_jumped: Arc<tokio::sync::Notify>,
}

impl DigestTimer {
    /// Runs until `shutdown`; a digest being delivered is finished first (each attempt is
    /// short and its outcome is recorded; what is left stays pending for the next start).
    pub(super) async fn run(mut self, shutdown: CancellationToken) {
        let sinks: Arc<Vec<(String, Sink)>> = Arc::new(outbox::sinks(&self.config, &self.store_dir));
        if !self.scheduled {
            while let Some(request) = tokio::select! {
                _ = shutdown.cancelled() => None,
                request = self.requests.recv() => request,
            } {
                self.serve(request, &sinks).await;
            }
            return;
        }
        let time = digest_time(&self.config);
        // When this run last made (or declined to make) a digest: a day with nothing to send
        // leaves the cursor where it was, and must not be tried again until the next hour.
        let mut handled: Option<DateTime<Utc>> = None;
        loop {
            self.deliver(&sinks).await;
            // "Now" on both clocks at once: the wait below is measured from here, however long
            // the store takes to answer in between.
            let (now, started) = (self.clock.now(), tokio::time::Instant::now());
            let cursor = match self.store.call(|s| s.digest_cursor()).await {
                Ok(cursor) => cursor,
                Err(e) => {
                    tracing::error!(error = %e, "digest: cannot read the outbox; trying again later");
                    if self.sleep_or_serve(started + LOOK_AGAIN, &shutdown, &sinks).await {
                        return;
                    }
                    continue;
                }
            };
            // The first digest hour after the last digest; before any digest, the next one.
            let anchor = match (cursor.at, handled) {
                (Some(at), Some(h)) => at.max(h),
                (at, h) => at.or(h).unwrap_or(now),
            };
            let due = time.next_after(anchor);
            if due > now {
                let wake = match self.next_retry(&sinks).await {
                    Some(retry) if retry < due => retry,
                    _ => due,
                };
                let wait = (wake - now).to_std().unwrap_or(Duration::ZERO).min(LOOK_AGAIN);
                if self.sleep_or_serve(started + wait, &shutdown, &sinks).await {
                    return;
                }
                if self.clock.now() < due {
                    continue;
                }
            }
            let attempted = self.clock.now();
            match self.make(&sinks).await {
                Made::Recorded | Made::Nothing => handled = Some(attempted),
                Made::Failed => {
                    if self
                        .sleep_or_serve(tokio::time::Instant::now() + MAKE_AGAIN, &shutdown, &sinks)
                        .await
                    {
                        return;
                    }
                }
            }
        }
    }

    /// Makes and records the next digest.
    async fn make(&self, sinks: &Arc<Vec<(String, Sink)>>) -> Made {
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
            Ok(Some(record)) => {
                DigestMade { record: &record }.emit(&self.events);
                Made::Recorded
            }
            Ok(None) => {
                DigestSkipped.emit(&self.events);
                Made::Nothing
            }
            Err(e) => {
                tracing::error!(error = %e, retry = ?MAKE_AGAIN, "digest: cannot make the digest");
                Made::Failed
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

impl DigestTimer {
    /// Sleeps until `deadline`, or until a request came and was done; `true` when shutdown
    /// came first.
    async fn sleep_or_serve(
        &mut self,
        deadline: tokio::time::Instant,
        shutdown: &CancellationToken,
        sinks: &Arc<Vec<(String, Sink)>>,
    ) -> bool {
        tokio::select! {
            _ = shutdown.cancelled() => true,
            _ = tokio::time::sleep_until(deadline) => false,
            _ = self.clock_jumped.notified() => false,
            Some(request) = self.requests.recv() => {
                self.serve(request, sinks).await;
                false
            }
        }
    }

    /// Does what the API asked, logging and counting as the timer's own rounds do.
    async fn serve(&self, request: DigestRequest, sinks: &Arc<Vec<(String, Sink)>>) {
        let report = match &request.action {
            DigestAction::Send | DigestAction::Resend { .. } if !self.scheduled => {
                Err(DigestRefused::Invalid(desk::no_digest(&self.source)))
            }
            action => {
                desk::act(
                    &self.store,
                    &self.config,
                    &self.renderer,
                    sinks,
                    action,
                    self.clock.now(),
                )
                .await
            }
        };
        if let Ok(report) = &report {
            if let Some((id, _)) = &report.made {
                let id = *id;
                if let Ok(Some(record)) = self.store.call(move |s| s.digest(id)).await {
                    DigestMade { record: &record }.emit(&self.events);
                }
            }
            if report.skipped {
                DigestSkipped.emit(&self.events);
            }
            for attempt in &report.attempts {
                DeliveryAttempted(attempt.clone()).emit(&self.events);
            }
        }
        let _ = request.reply.send(report);
    }
}
