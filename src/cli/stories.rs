//! `treatywatch stories`: articles grouped into stories, with their languages and outlets.

use std::collections::BTreeSet;
use std::process::ExitCode;

use chrono::Utc;
use clap::Args;
use serde::Serialize;

use super::list::parse_since;
use super::output::rfc3339;
use super::Cli;

/// Arguments of `stories`.
#[derive(Debug, Args)]
pub struct StoriesArgs {
    /// Only stories with an article about this topic
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,
    /// Only stories with an article published since a duration ago ("2d") or a date ("2026-11-01")
    #[arg(long, value_name = "DURATION|DATE")]
    pub since: Option<String>,
    /// At most N stories
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct StoryJson<'a> {
    id: u64,
    title: &'a str,
    first_seen: String,
    updated: String,
    languages: Vec<&'a str>,
    outlets: Vec<&'a str>,
    topics: Vec<&'a str>,
    members: Vec<MemberJson<'a>>,
}

#[derive(Serialize)]
struct MemberJson<'a> {
    id: u64,
    url: &'a str,
    title: &'a str,
    lang: Option<&'a str>,
    feed: &'a str,
    published: Option<String>,
}

/// Lists stories, newest activity first.
pub fn run(cli: &Cli, args: &StoriesArgs) -> anyhow::Result<ExitCode> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, Utc::now()))
        .transpose()?;
    let config = if cli.store.is_some() {
        None
    } else {
        cli.optional_config()?
    };
    let store = super::open_existing_store(cli, config.as_ref())?;
    let filter = crate::store::ArticleFilter {
        since,
        topic: args.topic.clone(),
        limit: args.limit,
        ..Default::default()
    };
    for (id, members) in store.stories_of(&filter)? {
        let Some(first) = members.first() else { continue };
        let languages: BTreeSet<&str> = members
            .iter()
            .filter_map(|a| a.entry.lang.lang.as_deref())
            .collect();
        let outlets: BTreeSet<&str> = members.iter().map(|a| a.feed.as_str()).collect();
        let topics: BTreeSet<&str> = members
            .iter()
            .flat_map(|a| a.entry.topics.iter().map(|t| t.name.as_str()))
            .collect();
        let first_seen = members.iter().map(|a| a.fetched).min().unwrap_or(first.fetched);
        let updated = members.iter().map(|a| a.fetched).max().unwrap_or(first.fetched);
        if args.json {
            let json = StoryJson {
                id,
                title: &first.entry.title,
                first_seen: rfc3339(first_seen),
                updated: rfc3339(updated),
                languages: languages.into_iter().collect(),
                outlets: outlets.into_iter().collect(),
                topics: topics.into_iter().collect(),
                members: members
                    .iter()
                    .map(|a| MemberJson {
                        id: a.id,
                        url: &a.entry.url,
                        title: &a.entry.title,
                        lang: a.entry.lang.lang.as_deref(),
                        feed: &a.feed,
                        published: a.entry.published.map(rfc3339),
                    })
                    .collect(),
            };
            println!("{}", serde_json::to_string(&json)?);
        } else {
            println!(
                "story {} — {} article(s) in {} from {}",
                id,
                members.len(),
                languages.into_iter().collect::<Vec<_>>().join(", "),
                outlets.into_iter().collect::<Vec<_>>().join(", ")
            );
            for a in &members {
                println!(
                    "  {:>6}  {:<3} \u{2068}{}\u{2069}  {}",
                    a.id,
                    a.entry.lang.lang.as_deref().unwrap_or("?"),
                    a.entry.title,
                    a.entry.url
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
