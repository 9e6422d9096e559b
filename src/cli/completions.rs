//! `treatywatch completions SHELL` and `treatywatch man`: generated from the clap definitions,
//! so they never drift from the commands.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, CommandFactory};

use super::output::stdout;
use super::Cli;

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command();
    let mut out = stdout();
    clap_complete::generate(args.shell, &mut command, "treatywatch", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the man page (roff): the options and every subcommand.
pub fn man() -> anyhow::Result<ExitCode> {
    let mut out = stdout();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
