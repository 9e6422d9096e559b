//! treatywatch watches the world's news for one treaty, the UN Convention against Cybercrime (the
//! "Hanoi Convention"), in every language it is covered in.
//!
//! # Layout
//! The modules follow an article's path; each imports only modules listed before it (none
//! imports one that imports it back):
//! - Shared by several stages: [`normalize`] (text normalisation for matching),
//!   [`fingerprint`] (MinHash signatures, LSH bands, the likeness threshold, a short stable
//!   hash), [`details`] (a lead's numbers and names, which tell an event from its
//!   look-alikes), [`links`]
//!   (canonical URLs, which links may be followed), [`markup`] (escaping for HTML and XML we write), [`language_codes`] (ISO 639 codes),
//!   [`paths`] (default places for files).
//! - [`model`]: the nouns: feeds and their health, entries, articles.
//! - [`config`]: `feeds.toml`, validated once into runtime types (with [`config::topic`]).
//! - [`schedule`]: when each feed is due (intervals, backoff, server wishes); [`clock`]: where
//!   "now" comes from.
//! - [`store`]: the sled database behind a typed API (articles, feed health, stories), and
//!   [`store::StoreHandle`], its async face.
//! - [`pipeline`]: one source refresh: [`pipeline::fetch`] → [`pipeline::decode`] →
//!   [`pipeline::feed`] (with [`pipeline::text`] and [`pipeline::cite`]) or [`pipeline::page`]
//!   and [`pipeline::extract`] → [`pipeline::judge`] ([`pipeline::lang`],
//!   [`pipeline::topic`], the fingerprint) → store.
//! - [`health`]: whether the daemon is well (the scheduler's heartbeat, a store probe).
//! - [`query`]: the read operations over the store, for the CLI and the local API.
//! - [`api`]: the daemon's local API (HTTP over a Unix socket) serving [`query`], the CLI's
//!   client of it, and the optional TCP listener for `/metrics`, `/healthz` and `/feed.atom`.
//! - [`sinks`]: where digests go (files, webhooks); [`digest`]: which stories a window brings,
//!   rendered from templates, recorded in the store's outbox and delivered through the sinks.
//! - [`telemetry`]: the Prometheus recorder and metric names; [`events`]: what happens in the
//!   daemon, logged, counted (and observed) in one place each.
//! - [`daemon`]: `run`: components (the feed scheduler, the digest timer, the systemd
//!   watchdog) under the caller's cancellation token; [`daemon::signals`] turns signals into it.
//! - [`cli`]: the subcommands; [`logging`] serves them.

pub mod api;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod details;
pub mod digest;
pub mod events;
pub mod failpoint;
pub mod fingerprint;
#[doc(hidden)]
pub mod fuzzing;
pub mod health;
pub mod language_codes;
pub mod links;
pub mod logging;
pub mod markup;
pub mod model;
pub mod normalize;
pub mod paths;
pub mod pipeline;
pub mod query;
pub mod schedule;
pub mod sinks;
pub mod store;
pub mod telemetry;
