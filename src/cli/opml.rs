//! `treatywatch opml import FILE` and `opml export`: bring in the subscriptions another feed
//! reader keeps, and hand ours to one.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::output::stdout;
use super::Cli;
use crate::config::{self, opml, Config};

/// Arguments of `opml`.
#[derive(Debug, Args)]
pub struct OpmlArgs {
    /// What to do
    #[command(subcommand)]
    pub action: OpmlAction,
}

/// `opml import` or `opml export`.
#[derive(Debug, Subcommand)]
pub enum OpmlAction {
    /// Add the feeds of an OPML file to the config as [[feed]] entries (comments and layout kept;
    /// feeds already there skipped)
    Import {
        /// The OPML file
        file: std::path::PathBuf,
        /// Print the config as it would be, and change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the configured feeds as OPML 2.0
    Export,
}

/// Runs `opml`.
pub fn run(cli: &Cli, args: &OpmlArgs) -> anyhow::Result<ExitCode> {
    match &args.action {
        OpmlAction::Import { file, dry_run } => import(cli, file, *dry_run),
        OpmlAction::Export => {
            let config = cli.load_config()?;
            let mut out = stdout();
            write!(out, "{}", opml::export(&config.feeds, "treatywatch feeds"))?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn import(cli: &Cli, file: &Path, dry_run: bool) -> anyhow::Result<ExitCode> {
    // The config must be valid before and after: an import never leaves a broken file.
    let path =
        config::locate(cli.config.as_deref()).map_err(|e| super::exit(super::EXIT_USAGE, e.to_string()))?;
    cli.load_config()?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let (feeds, refused) = opml::parse(text.trim_start_matches('\u{feff}'))
        .map_err(|e| super::exit(super::EXIT_USAGE, format!("{}: {e}", file.display())))?;
    let current =
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let source = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let (updated, report) = opml::add_to_config(&current, &feeds, &source)
        .map_err(|e| super::exit(super::EXIT_USAGE, format!("{}: {e}", path.display())))?;
    Config::parse(&updated, &path).map_err(|e| {
        super::exit(
            super::EXIT_USAGE,
            format!("the config with these feeds would not be valid; nothing was changed:\n{e}"),
        )
    })?;
    let mut out = stdout();
    if dry_run {
        write!(out, "{updated}")?;
    } else if !report.added.is_empty() {
        replace_file(&path, &updated)?;
    }
    let mut err = std::io::stderr().lock();
    let verb = if dry_run { "would add" } else { "added" };
    writeln!(err, "{verb} {} feed(s) to {}", report.added.len(), path.display())?;
    for name in &report.added {
        writeln!(err, "  + {name}")?;
    }
    for (title, url) in &report.already {
        writeln!(err, "  = {title} ({url}): already there")?;
    }
    for (title, why) in &refused {
        writeln!(err, "  ! {title}: {why}")?;
    }
    if !dry_run && !report.added.is_empty() {
        writeln!(
            err,
            "a running daemon polls them after a reload (systemctl reload treatywatch, or SIGHUP)"
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Replaces `path` with `text` atomically (a crash leaves the old file or the new one), with
/// the old file's permissions.
fn replace_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.opml-import"));
    std::fs::write(&temp, text).with_context(|| format!("cannot write {}", temp.display()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&temp, meta.permissions())?;
    }
    std::fs::rename(&temp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}
