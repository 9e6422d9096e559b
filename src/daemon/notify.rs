//! systemd's notify protocol: READY=1 once the store is open and the scheduler runs, RELOADING=1
//! around a reload, STOPPING=1 on shutdown, WATCHDOG=1 pings when `WatchdogSec=` is set and the
//! daemon is healthy. Outside systemd (`$NOTIFY_SOCKET` unset) every call is a no-op.

use std::time::Duration;

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

pub use crate::health::Heartbeat;
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

/// Pings systemd's watchdog at half its period until `shutdown`, while the daemon is healthy.
pub async fn watchdog(
    period: Duration,
    heartbeat: Heartbeat,
    store: StoreHandle,
    shutdown: CancellationToken,
) {
    watch(period, heartbeat, store, shutdown, || {
        send(&[NotifyState::Watchdog])
    })
    .await
}

/// Calls `ping` at half of `period` until `shutdown`, but only while the scheduler beats and
/// the store answers: a daemon whose scheduler is wedged, or whose store hangs, goes unpinged
/// and systemd restarts it. A store that refuses writes (a full or read-only disk) is pinged
/// through: the store's handle reopens it when the disk mends, and a restart every watchdog
/// period would only loop.
async fn watch(
    period: Duration,
    heartbeat: Heartbeat,
    store: StoreHandle,
    shutdown: CancellationToken,
    mut ping: impl FnMut(),
) {
    tracing::debug!(?period, "systemd watchdog enabled");
    let mut ticks = tokio::time::interval(period / 2);
    let mut healthy = true;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        match crate::health::problem(&heartbeat, &store, period, period / 2).await {
            None => {
                if !healthy {
                    tracing::info!("healthy again; pinging the systemd watchdog");
                }
                healthy = true;
                ping();
            }
            Some(problem) if !problem.restart_helps() => {
                if healthy {
                    tracing::error!(%problem, "unwell, but a restart would not help; still pinging the systemd watchdog");
                }
                healthy = false;
                ping();
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::store::Store;

    #[tokio::test(start_paused = true)]
    async fn the_watchdog_is_pinged_while_the_scheduler_beats_even_when_the_store_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let heartbeat = Heartbeat::new();
        let shutdown = CancellationToken::new();
        let pings = Arc::new(AtomicUsize::new(0));
        let period = Duration::from_secs(10);
        let watcher = tokio::spawn(watch(
            period,
            heartbeat.clone(),
            StoreHandle::new(store.clone()),
            shutdown.clone(),
            {
                let pings = pings.clone();
                move || {
                    pings.fetch_add(1, Ordering::SeqCst);
                }
            },
        ));
        // Healthy: a ping every 5 s (the first at once).
        for _ in 0..4 {
            heartbeat.beat();
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        let healthy = pings.load(Ordering::SeqCst);
        assert!((4..=5).contains(&healthy), "{healthy} pings in 20 s");

        // The store refuses writes (a full disk): a restart would not mend it, so pings go on.
        store.fail_article_writes(true);
        for _ in 0..4 {
            heartbeat.beat();
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        assert!(
            pings.load(Ordering::SeqCst) >= healthy + 3,
            "a refusing store stopped the pings, and systemd would restart in a loop"
        );
        store.fail_article_writes(false);

        // The scheduler stops beating: pings stop once a period has passed.
        let before = pings.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(30)).await;
        let after = pings.load(Ordering::SeqCst);
        assert!(
            after <= before + 3,
            "pinged {} times without a heartbeat",
            after - before
        );
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(
            pings.load(Ordering::SeqCst),
            after,
            "still pinging without a heartbeat"
        );

        // It beats again: pings resume.
        heartbeat.beat();
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(pings.load(Ordering::SeqCst) > after);
        shutdown.cancel();
        watcher.await.unwrap();
    }
}
