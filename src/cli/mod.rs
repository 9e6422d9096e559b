//! The command line: clap definitions and one module per subcommand. Errors here are `anyhow`;
//! the exit code says what kind of failure it was.

mod backup;
mod check_config;
mod check_store;
mod classify;
mod completions;
mod digest;
mod discover;
mod export;
mod extract;
mod feeds;
mod list;
mod opml;
mod output;
mod parse;
mod poll;
mod prune;
mod reader;
mod run;
mod source;
mod stats;
mod stories;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

pub use output::is_broken_pipe;

use crate::config::{self, Config, ConfigError};
use crate::store::Store;

/// Watches the world's news for the UN Convention against Cybercrime, in every language.
#[derive(Debug, Parser)]
#[command(name = "treatywatch", version, about, propagate_version = true)]
pub struct Cli {
    /// Config file [default: ./feeds.toml, then $XDG_CONFIG_HOME/treatywatch/feeds.toml, then
    /// /etc/treatywatch/feeds.toml]
    #[arg(long, global = true, env = "TREATYWATCH_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Store directory (overrides `[store] path`)
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// More log output (-v: debug, -vv: trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Less log output (-q: errors only, -qq: nothing)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch every feed once, store new articles, print a line per feed
    Poll(poll::PollArgs),
    /// List stored articles, newest first
    List(list::ListArgs),
    /// Show one stored article in full
    Show(list::ShowArgs),
    /// Find stored articles whose title or text contains a text, in any language
    Search(list::SearchArgs),
    /// Parse one feed (file or URL) and print its entries without storing anything
    Parse(parse::ParseArgs),
    /// Run the daemon: poll every feed on its schedule until SIGTERM (SIGHUP reloads the config)
    Run(run::RunArgs),
    /// Show every feed's health: last success, failures, last error, next poll
    Feeds(feeds::FeedsArgs),
    /// Print the language and topics of a text (file or stdin), with the phrases that matched
    Classify(classify::ClassifyArgs),
    /// List stories: articles about one event, in every language, with their outlets
    Stories(stories::StoriesArgs),
    /// Extract the article (title, dates, author, text, cited sources) from one page, file or URL
    Extract(extract::ExtractArgs),
    /// List the feeds a page advertises, or suggest a page source for a site without one
    Discover(discover::DiscoverArgs),
    /// Preview the next daily digest, send it now, or list what was sent
    Digest(digest::DigestArgs),
    /// Validate the config and print it as the daemon runs it (defaults filled in, secrets masked)
    CheckConfig(check_config::CheckConfigArgs),
    /// Check that the store holds together: every article by URL, time and story
    CheckStore(check_store::CheckStoreArgs),
    /// Write every article in full as JSON Lines or CSV
    Export(export::ExportArgs),
    /// Count what the store holds: articles per language, feed and day, stories, size
    Stats(stats::StatsArgs),
    /// Remove what was fetched longer ago than [store] keep (the daemon does it daily)
    Prune(prune::PruneArgs),
    /// Write a consistent snapshot of the store to FILE (through the daemon while it runs)
    Backup(backup::BackupArgs),
    /// Rebuild the store from a snapshot (its current files are moved aside, not deleted)
    Restore(backup::RestoreArgs),
    /// Rebuild the store from a snapshot of itself now, giving back the space sled keeps (the
    /// daemon does it daily once its files have grown; through the daemon while it runs)
    Compact,
    /// Import feeds from an OPML file into the config, or export the configured feeds as OPML
    Opml(opml::OpmlArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(completions::CompletionsArgs),
    /// Print the man page
    Man,
}

/// An error that maps to a specific exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    /// The process exit code.
    pub code: u8,
    /// What to print, if anything.
    pub message: String,
}

/// Exit code for an error none of the others names (I/O, a fetch by `parse` or `extract`).
pub const EXIT_ERROR: u8 = 1;
/// Exit code for a bad config or bad arguments (clap's own, too).
pub const EXIT_USAGE: u8 = 2;
/// Exit code when the store cannot be read or written: none yet, held by another process with
/// no daemon answering, or failing.
pub const EXIT_STORE: u8 = 3;
/// Exit code when the daemon's API refuses: another version, or an error it answered.
pub const EXIT_DAEMON: u8 = 4;
/// Exit code when the article or story asked for is not there.
pub const EXIT_NOT_FOUND: u8 = 5;
/// Exit code when part of the work failed (some feeds, some sinks) and the rest was done; the
/// failures are retried.
pub const EXIT_PARTIAL: u8 = 6;

/// The exit code and message for an error: the first cause in its chain that names one.
pub fn exit_for(e: &anyhow::Error) -> (u8, String) {
    for cause in e.chain() {
        if let Some(exit) = cause.downcast_ref::<Exit>() {
            return (exit.code, exit.message.clone());
        }
        if cause.is::<crate::api::client::ClientError>() {
            return (EXIT_DAEMON, format!("{e:#}"));
        }
        if cause.is::<crate::store::StoreError>() {
            return (EXIT_STORE, format!("{e:#}"));
        }
    }
    (EXIT_ERROR, format!("{e:#}"))
}

/// An error with its exit code.
pub fn exit(code: u8, message: impl Into<String>) -> anyhow::Error {
    Exit {
        code,
        message: message.into(),
    }
    .into()
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Poll(args) => poll::run(&cli, args),
        Command::List(args) => list::list(&cli, args),
        Command::Show(args) => list::show(&cli, args),
        Command::Search(args) => list::search(&cli, args),
        Command::Parse(args) => parse::run(&cli, args),
        Command::Run(args) => run::run(&cli, args),
        Command::Feeds(args) => feeds::run(&cli, args),
        Command::Classify(args) => classify::run(&cli, args),
        Command::Stories(args) => stories::run(&cli, args),
        Command::Extract(args) => extract::run(&cli, args),
        Command::Discover(args) => discover::run(&cli, args),
        Command::Digest(args) => digest::run(&cli, args),
        Command::Stats(args) => stats::run(&cli, args),
        Command::Export(args) => export::run(&cli, args),
        Command::CheckConfig(args) => check_config::run(&cli, args),
        Command::CheckStore(args) => check_store::run(&cli, args),
        Command::Opml(args) => opml::run(&cli, args),
        Command::Prune(args) => prune::run(&cli, args),
        Command::Backup(args) => backup::backup(&cli, args),
        Command::Restore(args) => backup::restore(&cli, args),
        Command::Compact => backup::compact(&cli),
        Command::Completions(args) => completions::completions(args),
        Command::Man => completions::man(),
    }
}

impl Cli {
    /// The config, which must exist and be valid.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        let path = config::locate(self.config.as_deref()).map_err(config_exit)?;
        let config = Config::load(&path).map_err(config_exit)?;
        config.log_warnings();
        Ok(config)
    }

    /// The config if one is given or found; `None` when there is none to find.
    pub fn optional_config(&self) -> anyhow::Result<Option<Config>> {
        match config::locate(self.config.as_deref()) {
            Ok(path) => Config::load(&path).map(Some).map_err(config_exit),
            Err(ConfigError::NotFound { .. }) => Ok(None),
            Err(e) => Err(config_exit(e)),
        }
    }

    /// The store directory: `--store`, else the config's, else the default for this system.
    pub fn store_path(&self, config: Option<&Config>) -> anyhow::Result<PathBuf> {
        self.store
            .clone()
            .or_else(|| config.and_then(|c| c.store_path.clone()))
            .or_else(crate::paths::default_store_dir)
            .context("no store directory: pass --store, set [store] path, or set $HOME")
    }

    /// Opens the store for a command that needs the config anyway.
    pub fn open_store(&self, config: Option<&Config>) -> anyhow::Result<Store> {
        let path = self.store_path(config)?;
        let store = open_store_at(&path)?;
        if let Some(config) = config {
            prepare_store(config)(&store);
        }
        Ok(store)
    }
}

/// What a store opened for `config` is told: its dedup window and the topics' actors.
fn prepare_store(config: &Config) -> crate::store::Prepare {
    let window = crate::schedule::to_chrono(config.dedup_window);
    let actors = crate::pipeline::topic::Topics::new(&config.topics)
        .actors()
        .clone();
    std::sync::Arc::new(move |store: &Store| {
        store.set_dedup_window(window);
        store.set_actors(actors.clone());
    })
}

fn open_store_at(path: &Path) -> anyhow::Result<Store> {
    Ok(Store::open(path)?)
}

/// Opens the store for reading, refusing to create an empty one where none exists.
fn open_existing_store(cli: &Cli, config: Option<&Config>) -> anyhow::Result<Store> {
    let path = cli.store_path(config)?;
    if !path.exists() {
        return Err(no_store_yet(&path));
    }
    open_store_at(&path)
}

/// The reader of a read command: the running daemon's API, else the store itself.
fn open_reader(cli: &Cli, config: Option<&Config>) -> anyhow::Result<reader::Reader> {
    reader::Reader::open(cli.store_path(config)?, config)
}

/// The reader of a command that needs the config only for its store and socket: with
/// `--store`, no config is read (a broken one does not stop a read).
fn open_store_reader(cli: &Cli) -> anyhow::Result<reader::Reader> {
    let config = if cli.store.is_some() {
        None
    } else {
        cli.optional_config()?
    };
    open_reader(cli, config.as_ref())
}

/// The error for a store that does not exist yet.
fn no_store_yet(path: &Path) -> anyhow::Error {
    exit(
        EXIT_STORE,
        format!(
            "no store at {} yet: run `treatywatch poll --once` or `treatywatch run` first",
            path.display()
        ),
    )
}

fn config_exit(e: ConfigError) -> anyhow::Error {
    Exit {
        code: EXIT_USAGE,
        message: e.to_string(),
    }
    .into()
}
