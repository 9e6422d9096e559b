//! `treatywatch run`: the daemon, in the foreground (systemd supervises it), stopped by SIGTERM
//! or SIGINT and reloaded by SIGHUP.

use std::process::ExitCode;

use clap::Args;
use tokio_util::sync::CancellationToken;

use super::Cli;
use crate::daemon::{self, signals, Control, Options};

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {}

/// Opens the store and runs the daemon until SIGTERM or SIGINT.
pub fn run(cli: &Cli, _args: &RunArgs) -> anyhow::Result<ExitCode> {
    let config = cli.load_config()?;
    let store = cli.open_store(Some(&config))?;
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
