//! The `treatywatch` binary: parse the command line, set up logging, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use treatywatch::cli::{self, Cli};

/// jemalloc: in a profile of a cold poll cycle, glibc's malloc (its bin searches and
/// consolidation) took a fifth of the CPU. Hand runs of `poll --once` on the standard corpus
/// (1000 feeds): glibc 4.8-5.3 s at 90-91 MB peak RSS; jemalloc with its defaults 3.3-3.8 s at
/// 119-122 MB.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// One arena (this is a small-server daemon; thread caches absorb the contention), small
/// thread caches, and freed pages returned at once. On the daemon's first cycle of the
/// standard corpus (`poll_cycle`, 16 MiB store cache) returning dirty pages within half a
/// second and 4 KiB thread caches peaked at 106 MB RSS; at once and 1 KiB caches with a
/// quarter of the slots, at 99 MB (95.6 MB in the bench), for some 0.7 s more system time in a
/// cold `poll --once` (of 9-13 s of CPU in all on this shared machine).
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8] =
    b"narenas:1,tcache_max:1024,lg_tcache_nslots_mul:-2,dirty_decay_ms:0,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let cli = Cli::parse();
    treatywatch::logging::init(cli.verbose, cli.quiet);
    match cli::run(cli) {
        Ok(code) => code,
        // The reader went away (`list | head -1`): what it wanted, it has.
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let (code, message) = cli::exit_for(&e);
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}
