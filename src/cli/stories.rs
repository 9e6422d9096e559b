//! `treatywatch stories`: articles grouped into stories, with their languages and outlets.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::list::{since_arg, DEFAULT_LIMIT};
use super::output::stdout;
use super::Cli;

/// Arguments of `stories`.
#[derive(Debug, Args)]
pub struct StoriesArgs {
    /// Only this story (its id, or an id it had before a merge)
    #[arg(value_name = "ID")]
    pub id: Option<u64>,
    /// Only stories with an article about this topic
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,
    /// Only stories with an article published since a duration ago ("2d") or a date ("2026-11-01")
    #[arg(long, value_name = "DURATION|DATE")]
    pub since: Option<String>,
    /// At most N stories, newest first; 0 for all
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT)]
    pub limit: usize,
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

/// Lists stories, newest activity first.
pub fn run(cli: &Cli, args: &StoriesArgs) -> anyhow::Result<ExitCode> {
    let since = since_arg(args.since.as_deref())?;
    let reader = super::open_store_reader(cli)?;
    let filter = crate::store::ArticleFilter {
        since,
        topic: args.topic.clone(),
        limit: (args.limit > 0).then_some(args.limit),
        ..Default::default()
    };
    let stories = match args.id {
        Some(id) => match reader.story(id)? {
            Some(story) => vec![story],
            None => return Err(super::exit(super::EXIT_NOT_FOUND, format!("no story {id}"))),
        },
        None => reader.stories(&filter)?,
    };
    let mut out = stdout();
    for story in stories {
        if args.json {
            writeln!(out, "{}", serde_json::to_string(&story)?)?;
            continue;
        }
        writeln!(
            out,
            "story {} — {} article(s) in {} from {}",
            story.id,
            story.members.len(),
            story.languages.join(", "),
            story.outlets.join(", ")
        )?;
        for a in &story.members {
            writeln!(
                out,
                "  {:>6}  {:<3} \u{2068}{}\u{2069}  {}",
                a.id,
                a.lang.as_deref().unwrap_or("?"),
                a.title,
                a.url
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
