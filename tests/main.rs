//! The one integration-test binary. What lives where (a new test goes with the behaviour it
//! checks):
//! - `common`: a real HTTP server on 127.0.0.1, the fixture feeds, and a workspace that drives
//!   the real binary against a temporary config and store.
//! - `config`: config errors with file, line and key.
//! - `polling`: `poll --once` over every feed format, failing feeds, `parse`.
//! - `reading`: `list`, `show`, and read commands under a closed pipe.
//! - `faults`: a full disk under the running daemon; no secret in any output or log.
//! - `fetching`: validators and 304, Retry-After, backoff, hostile servers.
//! - `digest`: `digest --preview`, `--send` and `--history` through the real binary.
//! - `fuzzed`: the fuzz targets' corpora replayed.
//! - `pages`: page sources, `fetch_full`, link safety, `discover`.
//! - `scheduling`: the daemon in-process on a paused clock: schedules, backoff, store
//!   failures, shutdown grace, the digest hour.
//! - `crash`: the daemon killed again and again while a site publishes; nothing lost or
//!   sent twice.
//! - `service`: `run` as a child process under signals and systemd's notify protocol.
//! - `eval`: language, topic, story and extraction accuracy on the labelled sets in
//!   `fixtures/eval/` and `fixtures/pages/`.

mod common;
mod config;
mod crash;
mod digest;
mod eval;
mod faults;
mod fetching;
mod fuzzed;
mod pages;
mod polling;
mod reading;
mod scheduling;
mod service;
