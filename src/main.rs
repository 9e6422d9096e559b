//! The `treatywatch` binary: parse the command line, set up logging, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use treatywatch::cli::{self, Cli, Exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    treatywatch::logging::init(cli.verbose, cli.quiet);
    match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            if let Some(exit) = e.downcast_ref::<Exit>() {
                eprintln!("error: {}", exit.message);
                return ExitCode::from(exit.code);
            }
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
