//! `treatywatch digest`: what the next digest would hold (`--preview`, the default), making
//! and sending it now (`--send`), and what was sent (`--history`).

use std::io::Write;
use std::process::ExitCode;

use chrono::Utc;
use clap::Args;
use serde::Serialize;

use super::list::parse_since;
use super::output::stdout;
use super::{Cli, Exit, EXIT_USAGE};
use crate::config::{DigestConfig, DigestFormat};
use crate::digest::outbox::{self, digest_time};
use crate::digest::render::Renderer;
use crate::digest::{build, Focus, Window};
use crate::query::rfc3339;
use crate::store::{DeliveryState, StoreHandle};

/// Arguments of `digest`.
#[derive(Debug, Args)]
pub struct DigestArgs {
    /// Print what the next digest would hold, recording nothing (the default)
    #[arg(long, conflicts_with_all = ["send", "history"])]
    pub preview: bool,
    /// Make the next digest now and deliver it through the configured sinks
    #[arg(long, conflicts_with = "history")]
    pub send: bool,
    /// List past digests with each sink's delivery state
    #[arg(long, conflicts_with = "resend")]
    pub history: bool,
    /// Deliver a past digest (its id from --history) again, the same bytes, to every sink or one
    #[arg(long, value_name = "ID", conflicts_with_all = ["preview", "send"])]
    pub resend: Option<u64>,
    /// With --resend: only this sink (its name from --history)
    #[arg(long, value_name = "NAME", requires = "resend")]
    pub sink: Option<String>,
    /// Preview format: text, html, markdown or json
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
    /// Preview articles stored since a duration ago ("2d") or a date, instead of since the last digest
    #[arg(long, value_name = "DURATION|DATE")]
    pub since: Option<String>,
    /// With --history: one JSON object per digest
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct HistoryJson<'a> {
    id: u64,
    created: String,
    window_start: Option<String>,
    window_end: String,
    subject: &'a str,
    stories: usize,
    sinks: Vec<SinkJson<'a>>,
}

#[derive(Serialize)]
struct SinkJson<'a> {
    sink: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<&'a str>,
    attempts: u32,
    #[serde(flatten)]
    state: &'a DeliveryState,
}

/// Runs `digest`.
pub fn run(cli: &Cli, args: &DigestArgs) -> anyhow::Result<ExitCode> {
    let config = cli.load_config()?;
    let digest = config.digest.clone().unwrap_or_default();
    let store_dir = cli.store_path(Some(&config))?;
    let mut out = stdout();
    if args.history {
        // Also while the daemon runs: through its API.
        let reader = super::open_reader(cli, Some(&config))?;
        history(&mut out, &reader.digests()?, args.json)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(id) = args.resend {
        let store = super::open_existing_store(cli, Some(&config))?;
        let Some(record) = store.digest(id)? else {
            return Err(Exit {
                code: EXIT_USAGE,
                message: format!("no digest {id}: `treatywatch digest --history` lists them"),
            }
            .into());
        };
        let mut chosen = 0;
        for (index, delivery) in record.deliveries.iter().enumerate() {
            if args.sink.as_ref().is_none_or(|s| *s == delivery.sink) {
                store.set_delivery(id, index, delivery.attempts, DeliveryState::Pending)?;
                chosen += 1;
            }
        }
        if chosen == 0 {
            return Err(Exit {
                code: EXIT_USAGE,
                message: format!(
                    "digest {id} has no sink named '{}'",
                    args.sink.as_deref().unwrap_or("")
                ),
            }
            .into());
        }
        return deliver_now(&mut out, &store, &digest, &store_dir);
    }
    let renderer = Renderer::new(digest.templates.as_deref())?;
    if args.send {
        if config.digest.is_none() {
            return Err(Exit {
                code: EXIT_USAGE,
                message: format!(
                    "{} has no [digest]: nothing says where digests go",
                    config.source.display()
                ),
            }
            .into());
        }
        let store = cli.open_store(Some(&config))?;
        let sinks = outbox::sinks(&digest, &store_dir);
        let now = Utc::now();
        let made = outbox::make_next(&store, &digest, &renderer, &sinks, now)?;
        match &made {
            Some(record) => writeln!(out, "digest {}: {}", record.id, record.subject)?,
            None => writeln!(
                out,
                "nothing new since the last digest; none made (send_empty = false)"
            )?,
        }
        return deliver_now(&mut out, &store, &digest, &store_dir);
    }
    let format = DigestFormat::parse(&args.format).ok_or_else(|| Exit {
        code: EXIT_USAGE,
        message: format!("--format '{}' is not text, html, markdown or json", args.format),
    })?;
    let store = super::open_existing_store(cli, Some(&config))?;
    let now = Utc::now();
    let window = match &args.since {
        Some(since) => {
            let since = parse_since(since, now)?;
            Window {
                start: Some(since),
                end: now,
                from: store.first_article_since(since)?,
                to: store.article_id_end()?,
            }
        }
        None => outbox::next_window(&store, now)?,
    };
    preview(&mut out, &store, &digest, &renderer, &window, format)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Delivers every copy that is due now, printing each outcome; exit 6 (partial) when any failed.
fn deliver_now(
    out: &mut impl Write,
    store: &crate::store::Store,
    digest: &DigestConfig,
    store_dir: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let sinks = outbox::sinks(digest, store_dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let attempts = runtime.block_on(outbox::deliver_due(
        &StoreHandle::new(store.clone()),
        &sinks,
        digest.give_up,
        Utc::now(),
    ))?;
    let mut failed = 0;
    for a in &attempts {
        match &a.state {
            DeliveryState::Delivered { .. } => {
                writeln!(out, "  {}: delivered (digest {})", a.label(), a.digest)?
            }
            DeliveryState::Failed { error, next_try } => {
                failed += 1;
                writeln!(
                    out,
                    "  {}: failed, retried from {}: {error}",
                    a.label(),
                    rfc3339(*next_try)
                )?
            }
            DeliveryState::Dead { error } => {
                failed += 1;
                writeln!(out, "  {}: given up: {error}", a.label())?
            }
            DeliveryState::Pending => {}
        }
    }
    out.flush()?;
    store.flush()?;
    Ok(if failed > 0 {
        ExitCode::from(super::EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}

fn preview(
    out: &mut impl Write,
    store: &crate::store::Store,
    digest: &DigestConfig,
    renderer: &Renderer,
    window: &Window,
    format: DigestFormat,
) -> anyhow::Result<()> {
    let time = digest_time(digest);
    let focus = Focus {
        topic: digest.topic.as_deref(),
        locale: &digest.locale,
        max_stories: digest.max_stories,
        time: &time,
    };
    let built = build(store, window, &focus)?;
    write!(out, "{}", renderer.render(&built, format)?)?;
    Ok(())
}

fn history(out: &mut impl Write, records: &[crate::store::DigestRecord], json: bool) -> anyhow::Result<()> {
    for r in records {
        if json {
            let line = HistoryJson {
                id: r.id,
                created: rfc3339(r.created),
                window_start: r.window_start.map(rfc3339),
                window_end: rfc3339(r.window_end),
                subject: &r.subject,
                stories: r.stories.len(),
                sinks: r
                    .deliveries
                    .iter()
                    .map(|d| SinkJson {
                        sink: &d.sink,
                        recipient: d.recipient.as_deref(),
                        attempts: d.attempts,
                        state: &d.state,
                    })
                    .collect(),
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
            continue;
        }
        writeln!(out, "digest {}  {}  {}", r.id, rfc3339(r.created), r.subject)?;
        for d in &r.deliveries {
            let state = match &d.state {
                DeliveryState::Pending => "pending".to_string(),
                DeliveryState::Delivered { at } => format!("delivered {}", rfc3339(*at)),
                DeliveryState::Failed { error, next_try } => {
                    format!(
                        "failed ({} attempts), next try {}: {error}",
                        d.attempts,
                        rfc3339(*next_try)
                    )
                }
                DeliveryState::Dead { error } => format!("dead after {} attempts: {error}", d.attempts),
            };
            writeln!(
                out,
                "  {}: {state}",
                outbox::copy_label(&d.sink, d.recipient.as_deref())
            )?;
        }
    }
    Ok(())
}
