//! systemd's notify protocol: READY=1 once the store is open and the scheduler runs, RELOADING=1
//! around a reload, STOPPING=1 on shutdown, WATCHDOG=1 pings when `WatchdogSec=` is set and the
//! daemon is healthy. Outside systemd (`$NOTIFY_SOCKET` unset) every call is a no-op.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

use crate::store::StoreHandle;

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// The daemon is (again) serving `feeds` feeds.
pub fn ready(feeds: usize) {
    let status = format!("polling {feeds} feeds");
    send(&[NotifyState::Ready, NotifyState::Status(&status)]);
}

/// A reload has started.
pub fn reloading() {
    // systemd ≥ 253 wants MONOTONIC_USEC with RELOADING=1 for Type=notify-reload; older ones
    // ignore it.
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// Shutdown has started.
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

/// The watchdog's period, when systemd asked for one (`WatchdogSec=`).
pub fn watchdog_period() -> Option<Duration> {
    sd_notify::watchdog_enabled()
}

/// When the scheduler's loop last ran, for the watchdog. Cheap to clone; clones share it.
#[derive(Clone)]
pub struct Heartbeat {
    /// Set by the scheduler on every beat, read by the watchdog.
    last: Arc<Mutex<tokio::time::Instant>>,
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

/// Pings the watchdog at half its period until `shutdown`, but only while the scheduler beats
/// and the store answers a write: a daemon whose scheduler is wedged, or whose store has
/// stopped working, goes unpinged and systemd restarts it.
pub async fn watchdog(
    period: Duration,
    heartbeat: Heartbeat,
    store: StoreHandle,
    shutdown: CancellationToken,
) {
    tracing::debug!(?period, "systemd watchdog enabled");
    let mut ticks = tokio::time::interval(period / 2);
    let mut healthy = true;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let probe = tokio::time::timeout(period / 2, store.call(|s| s.probe())).await;
        let problem = match probe {
            _ if heartbeat.age() > period => {
                Some("the scheduler has not run for a watchdog period".to_string())
            }
            Err(_) => Some("the store did not answer within half a watchdog period".to_string()),
            Ok(Err(e)) => Some(format!("the store failed: {e}")),
            Ok(Ok(())) => None,
        };
        match problem {
            None => {
                if !healthy {
                    tracing::info!("healthy again; pinging the systemd watchdog");
                }
                healthy = true;
                send(&[NotifyState::Watchdog]);
            }
            Some(problem) => {
                if healthy {
                    tracing::error!(%problem, "not pinging the systemd watchdog");
                }
                healthy = false;
            }
        }
    }
}
