//! `treatywatch run`: the daemon, in the foreground (systemd supervises it), stopped by SIGTERM
//! or SIGINT and reloaded by SIGHUP.

use std::process::ExitCode;

use clap::Args;
use tokio_util::sync::CancellationToken;

use super::Cli;
use crate::daemon::{self, signals, Control, Options};
use crate::store::StoreHandle;

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {}

/// Opens the store and runs the daemon until SIGTERM or SIGINT.
pub fn run(cli: &Cli, _args: &RunArgs) -> anyhow::Result<ExitCode> {
    let config = cli.load_config()?;
    let store = open_or_recover(cli, &config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        let shutdown = CancellationToken::new();
        let reload = signals::forward(shutdown.clone())?;
        daemon::run(config, store, Control { shutdown, reload }, Options::default()).await
    });
    // Refreshes abandoned after the grace period may still hold blocking-pool threads; do not
    // wait on them forever.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the store; one that will not open (damaged files, or a panic inside sled while
/// reading them) is moved aside and rebuilt from the newest good backup, so that systemd does
/// not restart a daemon that can never start. One that its disk refuses (full, read-only) is
/// not damaged: the daemon starts without it, says so in its health, and opens it when the
/// disk mends. A store held by another process, or of a newer schema, is an error as it is.
fn open_or_recover(cli: &Cli, config: &crate::config::Config) -> anyhow::Result<StoreHandle> {
    use crate::store::StoreError;
    let attempt = || std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cli.open_store(Some(config))));
    let failure = match attempt() {
        Ok(Ok(store)) => return Ok(StoreHandle::new(store)),
        Ok(Err(e)) => {
            let store_error = e.chain().find_map(|c| c.downcast_ref::<StoreError>());
            if matches!(
                store_error,
                Some(StoreError::Locked { .. } | StoreError::Schema { .. })
            ) {
                return Err(e);
            }
            if let Some(refused) = store_error.filter(|e| e.refused_by_disk()) {
                let path = cli.store_path(Some(config))?;
                tracing::error!(
                    store = %path.display(), error = %refused, retry = ?crate::store::REOPEN_PAUSE,
                    "the disk refuses the store; the daemon runs without it and opens it when the disk mends"
                );
                return Ok(StoreHandle::unopened(path, refused, super::prepare_store(config)));
            }
            format!("{e:#}")
        }
        Err(_) => "the store's files made its reader panic".to_string(),
    };
    let path = cli.store_path(Some(config))?;
    match crate::store::backup::recover(&path, chrono::Utc::now())? {
        Some(recovered) => {
            tracing::error!(
                store = %path.display(), problem = %failure,
                moved_to = %recovered.moved_to.display(), backup = %recovered.backup.display(),
                entries = recovered.entries,
                "the store would not open; its files were moved aside and it was rebuilt from the newest backup (what came after that backup is lost)"
            );
            match attempt() {
                Ok(result) => result.map(StoreHandle::new),
                Err(_) => anyhow::bail!(
                    "the store rebuilt from {} would not open either",
                    recovered.backup.display()
                ),
            }
        }
        None => Err(super::exit(
            super::EXIT_STORE,
            format!(
                "{failure}; and there is no usable backup in {} to start from",
                path.join(crate::store::backup::BACKUP_DIR).display()
            ),
        )),
    }
}
