//! systemd's notify protocol: READY=1 once the store is open and the scheduler runs, RELOADING=1
//! around SIGHUP, STOPPING=1 on shutdown, WATCHDOG=1 pings when `WatchdogSec=` is set. Outside
//! systemd (`$NOTIFY_SOCKET` unset) every call is a no-op.

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

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

/// Pings the watchdog at half its period until `shutdown`, when systemd asked for it.
pub fn spawn_watchdog(shutdown: CancellationToken) -> Option<tokio::task::JoinHandle<()>> {
    let period = sd_notify::watchdog_enabled()? / 2;
    tracing::debug!(?period, "systemd watchdog enabled");
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticks.tick() => send(&[NotifyState::Watchdog]),
            }
        }
    }))
}
