//! `treatywatch feeds`: the health of every feed, as the store recorded it.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::output::rfc3339;
use super::Cli;
use crate::store::FeedState;

/// Arguments of `feeds`.
#[derive(Debug, Args)]
pub struct FeedsArgs {
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct FeedJson<'a> {
    name: &'a str,
    url: &'a str,
    /// Whether the feed is in the current config (a removed feed keeps its history).
    configured: bool,
    title: Option<&'a str>,
    last_attempt: Option<String>,
    last_success: Option<String>,
    last_status: Option<u16>,
    consecutive_failures: u32,
    last_error: Option<&'a str>,
    next_poll: Option<String>,
    etag: Option<&'a str>,
    last_modified: Option<&'a str>,
    articles: u64,
    last_entries: usize,
    /// Page sources: article pages that failed, with why and when they are tried again.
    unfetched: Vec<UnfetchedJson<'a>>,
}

#[derive(Serialize)]
struct UnfetchedJson<'a> {
    url: &'a str,
    failures: u32,
    error: &'a str,
    retry_at: String,
}

/// Prints every configured feed's health, and that of feeds no longer configured.
pub fn run(cli: &Cli, args: &FeedsArgs) -> anyhow::Result<ExitCode> {
    let config = cli.optional_config()?;
    let store = super::open_existing_store(cli, config.as_ref())?;
    let mut states: BTreeMap<String, FeedState> = store.feed_states()?.into_iter().collect();
    let mut rows: Vec<(String, bool, FeedState)> = Vec::new();
    for feed in config.iter().flat_map(|c| &c.feeds) {
        let state = states.remove(&feed.name).unwrap_or_else(|| FeedState {
            url: feed.url.to_string(),
            ..FeedState::default()
        });
        rows.push((feed.name.clone(), true, state));
    }
    rows.extend(states.into_iter().map(|(name, state)| (name, false, state)));
    if args.json {
        for (name, configured, s) in &rows {
            let json = FeedJson {
                name,
                url: &s.url,
                configured: *configured,
                title: s.title.as_deref(),
                last_attempt: s.last_attempt.map(rfc3339),
                last_success: s.last_success.map(rfc3339),
                last_status: s.last_status,
                consecutive_failures: s.consecutive_failures,
                last_error: s.last_error.as_deref(),
                next_poll: s.next_poll.map(rfc3339),
                etag: s.etag.as_deref(),
                last_modified: s.last_modified.as_deref(),
                articles: s.articles_new,
                last_entries: s.last_entries,
                unfetched: s
                    .unfetched
                    .iter()
                    .map(|(url, u)| UnfetchedJson {
                        url,
                        failures: u.failures,
                        error: &u.error,
                        retry_at: rfc3339(u.retry_at),
                    })
                    .collect(),
            };
            println!("{}", serde_json::to_string(&json)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
    println!(
        "{:<width$}  {:<6}  {:<20}  {:<20}  {:>5}  {:>8}  STATE",
        "FEED", "STATUS", "LAST SUCCESS", "NEXT POLL", "FAILS", "ARTICLES"
    );
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(rfc3339).unwrap_or_else(|| "never".into());
    for (name, configured, s) in &rows {
        let state = match (&s.last_error, configured) {
            (_, false) => "not in config".to_string(),
            (Some(e), _) => format!("failing: {e}"),
            (None, _) if s.last_attempt.is_none() => "not polled yet".to_string(),
            (None, _) if !s.unfetched.is_empty() => {
                format!("ok; {} article pages failing", s.unfetched.len())
            }
            (None, _) => "ok".to_string(),
        };
        println!(
            "{:<width$}  {:<6}  {:<20}  {:<20}  {:>5}  {:>8}  {state}",
            name,
            s.last_status.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
            when(s.last_success),
            if *configured {
                when(s.next_poll)
            } else {
                "-".into()
            },
            s.consecutive_failures,
            s.articles_new,
        );
    }
    Ok(ExitCode::SUCCESS)
}
