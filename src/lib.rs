//! treatywatch watches the world's news for one treaty, the UN Convention against Cybercrime (the
//! "Hanoi Convention"), in every language it is covered in.
//!
//! # Layout
//! The modules follow an article's path:
//! - [`config`]: `feeds.toml`, validated once into runtime types.
//! - [`pipeline`]: one source refresh: [`pipeline::fetch`] → [`pipeline::decode`] →
//!   [`pipeline::feed`] (with [`pipeline::text`] and [`pipeline::cite`]) → [`pipeline::lang`] →
//!   [`pipeline::topic`] → [`pipeline::dedup`] → store.
//! - [`schedule`]: when each feed is due (intervals, backoff, server wishes).
//! - [`store`]: the sled database behind a typed API: articles, feed health, stories.
//! - [`model`]: the nouns shared by every stage.
//! - [`daemon`]: `run`: one task per feed, signals, reload, systemd.
//! - [`cli`]: the subcommands; [`logging`] and [`paths`] serve them.

pub mod cli;
pub mod config;
pub mod daemon;
pub mod logging;
pub mod model;
pub mod paths;
pub mod pipeline;
pub mod schedule;
pub mod store;
