//! `treatywatch discover URL`: the feeds a page advertises, or a page source for a site that
//! advertises none.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use scraper::{Html, Selector};
use serde::Serialize;
use url::Url;

use super::output::stdout;
use super::Cli;
use crate::links::LinkPolicy;
use crate::model::PageRules;
use crate::pipeline::decode;
use crate::pipeline::page::article_links;

/// Arguments of `discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// A web page (http or https), or an HTML file
    pub source: String,
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

/// A feed a page advertises.
#[derive(Debug, Serialize)]
struct Advertised {
    url: String,
    #[serde(rename = "type")]
    kind: String,
    title: Option<String>,
}

/// Link types that are feeds.
const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "text/xml",
    "application/xml",
];

/// Fetches or reads one page and prints its feeds, or a suggested page source.
pub fn run(cli: &Cli, args: &DiscoverArgs) -> anyhow::Result<ExitCode> {
    let mut out = stdout();
    let config = cli.optional_config()?;
    let loaded = super::source::load(&args.source, config.as_ref())?;
    let decoded = decode::decode(&loaded.bytes, loaded.content_type.as_deref());
    let feeds = advertised(&decoded.text, &loaded.base);
    if !feeds.is_empty() {
        for feed in &feeds {
            if args.json {
                writeln!(out, "{}", serde_json::to_string(feed)?)?;
            } else {
                writeln!(
                    out,
                    "{}  ({}{})",
                    feed.url,
                    feed.kind,
                    feed.title
                        .as_deref()
                        .map(|t| format!(", \"{t}\""))
                        .unwrap_or_default()
                )?;
            }
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let policy = LinkPolicy::new(&loaded.base, &[]);
    let links = article_links(&decoded.text, &loaded.base, &PageRules::default(), &policy);
    let name = loaded
        .base
        .host_str()
        .unwrap_or("page")
        .trim_start_matches("www.")
        .to_string();
    if args.json {
        let suggestion = serde_json::json!({
            "suggest": {"name": name, "url": loaded.base.as_str(), "kind": "page"},
            "article_links": links.iter().map(Url::as_str).collect::<Vec<_>>(),
        });
        writeln!(out, "{suggestion}")?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "# No feed advertised. As a page source ({} article links found on it now):",
        links.len()
    )?;
    writeln!(
        out,
        "[[feed]]\nname = \"{name}\"\nurl = \"{}\"\nkind = \"page\"",
        loaded.base
    )?;
    for link in links.iter().take(10) {
        writeln!(out, "#   {link}")?;
    }
    if links.is_empty() {
        writeln!(
            out,
            "# Nothing here looks like an article link; add link_selector = \"…\" (CSS) to pick them."
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `<link rel="alternate">` feeds, absolute, in page order.
fn advertised(html: &str, base: &Url) -> Vec<Advertised> {
    let document = Html::parse_document(html);
    // Invariant: a constant, valid selector.
    let links = Selector::parse("link[rel~=alternate][href], link[rel~=feed][href]").expect("valid selector");
    let mut out: Vec<Advertised> = Vec::new();
    for link in document.select(&links) {
        let el = link.value();
        let kind = el.attr("type").unwrap_or("").trim().to_ascii_lowercase();
        if !FEED_TYPES.contains(&kind.as_str()) {
            continue;
        }
        let Some(url) = el.attr("href").and_then(|h| base.join(h.trim()).ok()) else {
            continue;
        };
        if out.iter().any(|f| f.url == url.as_str()) {
            continue;
        }
        out.push(Advertised {
            url: url.to_string(),
            kind,
            title: el
                .attr("title")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        });
    }
    out
}
