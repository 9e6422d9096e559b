//! `treatywatch extract URL|FILE`: what extraction finds on one article page, for users tuning a
//! page source and for the evaluation.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::output::stdout;
use super::Cli;
use crate::pipeline::decode;
use crate::pipeline::extract::{extract, Extracted};

/// Arguments of `extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// An HTML file, or an http(s) URL to fetch
    pub source: String,
    /// One JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ExtractJson<'a> {
    #[serde(flatten)]
    extracted: &'a Extracted,
    /// The charset the page was decoded from.
    charset: &'a str,
}

/// Fetches or reads one page and prints what extraction found.
pub fn run(cli: &Cli, args: &ExtractArgs) -> anyhow::Result<ExitCode> {
    let mut out = stdout();
    let config = cli.optional_config()?;
    let loaded = super::source::load(&args.source, config.as_ref())?;
    let decoded = decode::decode(&loaded.bytes, loaded.content_type.as_deref());
    let base = loaded.base.clone();
    let content_language = loaded.content_language.clone();
    // Parsing builds a tree that is not `Send`; here there is no runtime to keep free anyway.
    let extracted = extract(&decoded.text, &base, content_language.as_deref());
    if args.json {
        let line = ExtractJson {
            extracted: &extracted,
            charset: decoded.charset,
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let or_none = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    writeln!(out, "title:     {}", extracted.title)?;
    writeln!(
        out,
        "published: {}",
        or_none(extracted.published.map(|t| t.to_rfc3339()))
    )?;
    writeln!(
        out,
        "modified:  {}",
        or_none(extracted.modified.map(|t| t.to_rfc3339()))
    )?;
    writeln!(out, "author:    {}", or_none(extracted.author.clone()))?;
    writeln!(out, "canonical: {}", or_none(extracted.canonical.clone()))?;
    writeln!(out, "language:  {}", or_none(extracted.lang_hint.clone()))?;
    writeln!(out, "charset:   {} ({:?})", decoded.charset, decoded.source)?;
    for cited in &extracted.cited {
        writeln!(out, "cited:     {cited}")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", extracted.text)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
