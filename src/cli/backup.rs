//! `treatywatch backup FILE` and `treatywatch restore FILE`: a consistent snapshot of the
//! store (through the daemon while it runs), and the store rebuilt from one; `treatywatch
//! compact`, the store rebuilt from a snapshot of itself.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::output::stdout;
use super::Cli;
use crate::api::client::{ApiClient, Found};
use crate::store::backup::{self, BackupError};
use crate::store::compact;
use crate::store::{Store, StoreError};

/// Arguments of `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the snapshot
    pub file: PathBuf,
}

/// Arguments of `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The snapshot to rebuild the store from
    pub file: PathBuf,
}

/// Writes a snapshot: from the daemon when it holds the store, else from the store itself;
/// the file is checked in full before the command says it is done.
pub fn backup(cli: &Cli, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    let config = cli.optional_config()?;
    let store_path = cli.store_path(config.as_ref())?;
    let socket = crate::api::socket_path(config.as_ref().and_then(|c| c.api_socket.as_deref()), &store_path);
    let temp = args.file.with_extension("partial");
    let through = match ApiClient::find(&socket)? {
        Found::Daemon(client) => {
            let mut file =
                std::fs::File::create(&temp).with_context(|| format!("cannot write {}", temp.display()))?;
            client.backup(&mut file)?;
            file.sync_all()?;
            "the running daemon"
        }
        Found::Absent | Found::Stale(_) => {
            let store = super::open_existing_store(cli, config.as_ref())?;
            store.backup_to(&temp)?;
            "the store"
        }
    };
    let entries = backup::verify(&temp).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        anyhow::Error::from(e).context("the snapshot did not arrive whole")
    })?;
    std::fs::rename(&temp, &args.file).with_context(|| format!("cannot write {}", args.file.display()))?;
    let mut out = stdout();
    writeln!(
        out,
        "backed up {entries} records from {through} to {}",
        args.file.display()
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Compacts the store now: through the daemon when it holds the store, else by itself.
pub fn compact(cli: &Cli) -> anyhow::Result<ExitCode> {
    let config = cli.optional_config()?;
    let store_path = cli.store_path(config.as_ref())?;
    let socket = crate::api::socket_path(config.as_ref().and_then(|c| c.api_socket.as_deref()), &store_path);
    let (done, through) = match ApiClient::find(&socket)? {
        Found::Daemon(client) => (client.compact()?, "the running daemon"),
        Found::Absent | Found::Stale(_) => {
            let handle = crate::store::StoreHandle::new(super::open_existing_store(cli, config.as_ref())?);
            let runtime = tokio::runtime::Builder::new_current_thread().build()?;
            let done = runtime
                .block_on(handle.compact_if_grown(compact::Policy::always()))?
                .context("the store closed before it could be compacted")?;
            (done, "the store")
        }
    };
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    let mut out = stdout();
    writeln!(
        out,
        "compacted {} from {:.1} MiB to {:.1} MiB on disk ({} records, by {through})",
        store_path.display(),
        mib(done.before),
        mib(done.after),
        done.entries
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Rebuilds the store from a snapshot; the store's current files are moved aside, not
/// deleted. No process may hold the store.
pub fn restore(cli: &Cli, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let config = cli.optional_config()?;
    let store_path = cli.store_path(config.as_ref())?;
    let entries = backup::verify(&args.file).map_err(|e| match e {
        BackupError::Invalid { .. } => super::exit(super::EXIT_USAGE, e.to_string()),
        e => e.into(),
    })?;
    let mut aside = None;
    if store_path.exists() {
        // Held by a daemon or a poll: refuse before anything moves.
        match Store::open(&store_path) {
            Err(e @ StoreError::Locked { .. }) => {
                return Err(super::exit(
                    super::EXIT_STORE,
                    format!("{e}: stop the daemon (systemctl stop treatywatch) before restoring"),
                ))
            }
            Ok(store) => drop(store),
            // A store that will not open is what restores are for.
            Err(_) => {}
        }
        let name = format!("before-restore-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"));
        aside = Some(backup::move_aside(&store_path, &name)?);
    } else {
        std::fs::create_dir_all(&store_path)?;
    }
    backup::restore_in_place(&args.file, &store_path)?;
    Store::open(&store_path).context("the restored store does not open")?;
    let mut out = stdout();
    writeln!(
        out,
        "restored {entries} records from {} into {}",
        args.file.display(),
        store_path.display()
    )?;
    if let Some(aside) = aside {
        writeln!(out, "the store's previous files are in {}", aside.display())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
