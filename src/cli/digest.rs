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
use crate::api::client::{ApiClient, ClientError, Found};
use crate::config::DigestFormat;
use crate::digest::desk::{self, DigestAction, DigestRefused, DigestReport};
use crate::digest::outbox;
use crate::digest::render::Renderer;
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
    /// The article ids it covered: from `articles_from` up to, not including, `articles_to`.
    articles_from: u64,
    articles_to: u64,
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
    let now = Utc::now();
    let action = if let Some(id) = args.resend {
        DigestAction::Resend {
            id,
            sink: args.sink.clone(),
        }
    } else if args.send {
        if config.digest.is_none() {
            return Err(refused(DigestRefused::Invalid(desk::no_digest(&config.source))));
        }
        DigestAction::Send
    } else {
        let format = DigestFormat::parse(&args.format).ok_or_else(|| Exit {
            code: EXIT_USAGE,
            message: format!("--format '{}' is not text, html, markdown or json", args.format),
        })?;
        let since = args.since.as_deref().map(|s| parse_since(s, now)).transpose()?;
        DigestAction::Preview { format, since }
    };
    // While the daemon runs, its digest timer does it: it holds the store, and one deliverer
    // at a time is what keeps a copy from going out twice.
    let socket = crate::api::socket_path(config.api_socket.as_deref(), &store_dir);
    let report = match ApiClient::find(&socket)? {
        Found::Daemon(client) => match client.digest(&action) {
            Err(ClientError::Failed {
                status: 404 | 409,
                message,
                ..
            }) => {
                return Err(Exit {
                    code: EXIT_USAGE,
                    message,
                }
                .into())
            }
            answer => answer?,
        },
        Found::Absent | Found::Stale(_) => {
            let store = match action {
                DigestAction::Send => cli.open_store(Some(&config))?,
                _ => super::open_existing_store(cli, Some(&config))?,
            };
            let renderer = std::sync::Arc::new(Renderer::new(digest.templates.as_deref())?);
            let sinks = outbox::sinks(&digest, &store_dir);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let handle = StoreHandle::new(store.clone());
            let report = runtime
                .block_on(desk::act(&handle, &digest, &renderer, &sinks, &action, now))
                .map_err(refused)?;
            store.flush()?;
            report
        }
    };
    print_report(&mut out, &report)
}

fn refused(refusal: DigestRefused) -> anyhow::Error {
    match refusal {
        DigestRefused::Failed(message) => anyhow::anyhow!(message),
        DigestRefused::NotFound(message) | DigestRefused::Invalid(message) => Exit {
            code: EXIT_USAGE,
            message,
        }
        .into(),
    }
}

/// Prints what an action did; exit 6 (partial) when a delivery failed.
fn print_report(out: &mut impl Write, report: &DigestReport) -> anyhow::Result<ExitCode> {
    if let Some(preview) = &report.preview {
        write!(out, "{preview}")?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    match &report.made {
        Some((id, subject)) => writeln!(out, "digest {id}: {subject}")?,
        None if report.skipped => writeln!(
            out,
            "nothing new since the last digest; none made (send_empty = false)"
        )?,
        None => {}
    }
    let mut failed = 0;
    for a in &report.attempts {
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
    Ok(if failed > 0 {
        ExitCode::from(super::EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}

fn history(out: &mut impl Write, records: &[crate::store::DigestRecord], json: bool) -> anyhow::Result<()> {
    for r in records {
        if json {
            let line = HistoryJson {
                id: r.id,
                created: rfc3339(r.created),
                window_start: r.window_start.map(rfc3339),
                window_end: rfc3339(r.window_end),
                articles_from: r.articles_from,
                articles_to: r.articles_to,
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
