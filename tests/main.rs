//! The one integration-test binary. What lives where:
//! - `common`: a real HTTP server on 127.0.0.1 and a workspace that drives the real binary.
//! - `skeleton`: config errors, `poll --once` over every feed format, `list`, `show`, `parse`.
//! - `daemon`: validators, Retry-After, backoff, hostile servers; `run` under signals and systemd.
//! - `eval`: language and topic accuracy on the labelled set in `fixtures/eval/`.

mod common;
mod daemon;
mod eval;
mod pages;
mod skeleton;
