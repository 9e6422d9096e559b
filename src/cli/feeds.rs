//! `treatywatch feeds`: the health of every feed, as the store recorded it.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::output::stdout;
use super::Cli;

/// Arguments of `feeds`.
#[derive(Debug, Args)]
pub struct FeedsArgs {
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

/// Prints every configured feed's health, and that of feeds no longer configured.
pub fn run(cli: &Cli, args: &FeedsArgs) -> anyhow::Result<ExitCode> {
    let config = cli.optional_config()?;
    let reader = super::open_reader(cli, config.as_ref())?;
    let trouble = reader.store_trouble().map(|t| {
        format!(
            "STORE FAILING since {}: {} (the daemon reopens it and goes on; what the feeds list is fetched again)",
            t.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            t.error
        )
    });
    let feeds = match (
        reader.feeds(config.as_ref().map_or(&[][..], |c| &c.feeds)),
        &trouble,
    ) {
        (Ok(feeds), _) => feeds,
        // Nothing to read the feeds from: the store's trouble is the health there is.
        (Err(_), Some(trouble)) => return Err(super::exit(super::EXIT_STORE, trouble.clone())),
        (Err(e), None) => return Err(e),
    };
    let mut out = stdout();
    if args.json {
        for feed in &feeds {
            writeln!(out, "{}", serde_json::to_string(feed)?)?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = feeds.iter().map(|f| f.name.len()).max().unwrap_or(4).max(4);
    writeln!(
        out,
        "{:<width$}  {:<6}  {:<20}  {:<20}  {:>5}  {:>8}  STATE",
        "FEED", "STATUS", "LAST SUCCESS", "NEXT POLL", "FAILS", "ARTICLES"
    )?;
    let when = |t: &Option<String>| t.clone().unwrap_or_else(|| "never".into());
    for f in &feeds {
        let mut state = match (&f.last_error, f.configured) {
            (_, false) => "not in config".to_string(),
            (Some(e), _) => format!("failing: {e}"),
            (None, _) if f.last_attempt.is_none() => "not polled yet".to_string(),
            (None, _) if !f.unfetched.is_empty() => {
                format!("ok; {} article pages failing", f.unfetched.len())
            }
            (None, _) => "ok".to_string(),
        };
        if let Some(e) = &f.store_error {
            state.push_str(&format!("; store failed: {e}"));
        }
        writeln!(
            out,
            "{:<width$}  {:<6}  {:<20}  {:<20}  {:>5}  {:>8}  {state}",
            f.name,
            f.last_status.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
            when(&f.last_success),
            if f.configured {
                when(&f.next_poll)
            } else {
                "-".into()
            },
            f.consecutive_failures,
            f.articles,
        )?;
    }
    // Feed states cannot be recorded while the store fails: the daemon says so itself.
    if let Some(trouble) = &trouble {
        writeln!(out, "\n{trouble}")?;
    }
    // Digest copies are part of the health an operator looks at: a dead one is a lost day
    // until someone resends it.
    let undelivered = reader.undelivered()?;
    if !undelivered.is_empty() {
        writeln!(out, "\nDIGEST COPIES NOT DELIVERED")?;
        for u in &undelivered {
            let target = crate::digest::outbox::copy_label(&u.sink, u.recipient.as_deref());
            match &u.next_try {
                Some(next) => writeln!(
                    out,
                    "digest {} ({})  {target}: failing ({} attempts), next try {next}: {}",
                    u.digest, u.date, u.attempts, u.error
                )?,
                None => writeln!(
                    out,
                    "digest {} ({})  {target}: dead after {} attempts: {} (resend: treatywatch digest --resend {})",
                    u.digest, u.date, u.attempts, u.error, u.digest
                )?,
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
