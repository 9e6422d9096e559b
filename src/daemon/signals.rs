//! Unix signals, turned into what the daemon understands: SIGTERM and SIGINT cancel the
//! shutdown token, SIGHUP asks for a reload. The daemon itself never installs a handler.

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::DaemonError;

/// Installs the handlers (before anything else runs: a signal between start and install would
/// kill the process uncleanly) and forwards signals until `shutdown` is cancelled. The
/// receiver gets one message per SIGHUP.
pub fn forward(shutdown: CancellationToken) -> Result<mpsc::Receiver<()>, DaemonError> {
    let mut sigterm = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;
    // Reloads do not pile up: one pending request re-reads the latest file anyway.
    let (reload, requests) = mpsc::channel(1);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = sigterm.recv() => { tracing::info!("SIGTERM: stopping"); shutdown.cancel(); }
                _ = sigint.recv() => { tracing::info!("SIGINT: stopping"); shutdown.cancel(); }
                _ = sighup.recv() => {
                    tracing::info!("SIGHUP: reloading the config");
                    let _ = reload.try_send(());
                }
            }
        }
    });
    Ok(requests)
}
