//! `treatywatch classify`: the language and topics of a text, with the phrases that matched, so
//! that users can test their topic rules before the daemon applies them.

use std::io::Read;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use super::output::stdout;
use super::Cli;
use crate::model::{LangMethod, TopicMatch};
use crate::pipeline::text::html_to_text;
use crate::pipeline::{Judged, Judges};

/// Arguments of `classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// A text or HTML file; standard input when absent or "-"
    pub file: Option<String>,
    /// A title, which counts double for topics
    #[arg(long)]
    pub title: Option<String>,
    /// Language hint, used when detection is unsure
    #[arg(long, value_name = "L")]
    pub language: Option<String>,
    /// As one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Classified<'a> {
    lang: Option<&'a str>,
    lang_confidence: f64,
    lang_method: LangMethod,
    topics: &'a [TopicMatch],
}

/// Classifies one text with the config's languages and topics (or the defaults).
pub fn run(cli: &Cli, args: &ClassifyArgs) -> anyhow::Result<ExitCode> {
    let mut out = stdout();
    let mut raw = Vec::new();
    match args.file.as_deref() {
        None | Some("-") => {
            std::io::stdin()
                .read_to_end(&mut raw)
                .context("reading standard input")?;
        }
        Some(path) => raw = std::fs::read(path).with_context(|| format!("reading {path}"))?,
    }
    let decoded = crate::pipeline::decode::decode(&raw, None);
    let text = html_to_text(&decoded.text);
    let title = args.title.clone().unwrap_or_default();
    let judges = cli
        .optional_config()?
        .as_ref()
        .map(Judges::from_config)
        .unwrap_or_default();
    let Judged { lang, topics, .. } = judges.judge(&title, &text, args.language.as_deref());
    if args.json {
        let json = Classified {
            lang: lang.lang.as_deref(),
            lang_confidence: lang.confidence,
            lang_method: lang.method,
            topics: &topics,
        };
        writeln!(out, "{}", serde_json::to_string(&json)?)?;
    } else {
        writeln!(
            out,
            "language: {} (confidence {:.2}, by {:?})",
            lang.lang.as_deref().unwrap_or("unknown"),
            lang.confidence,
            lang.method
        )?;
        if topics.is_empty() {
            let names: Vec<&str> = judges.topics.names().collect();
            writeln!(out, "topics:   none of {}", names.join(", "))?;
        }
        for t in &topics {
            writeln!(
                out,
                "topic:    {} (score {}): {}",
                t.name,
                t.score,
                t.matched.join("; ")
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
