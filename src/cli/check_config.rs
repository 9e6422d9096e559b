//! `treatywatch check-config`: validates the config and prints it as the daemon will run it,
//! defaults filled in and paths resolved; secrets never appear.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::output::stdout;
use super::Cli;
use crate::config::{Config, SinkKind};
use crate::model::SourceKind;

/// Arguments of `check-config`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {}

/// Loads the config (a problem exits 2, naming file, line and key) and prints it resolved.
pub fn run(cli: &Cli, _args: &CheckConfigArgs) -> anyhow::Result<ExitCode> {
    let config = cli.load_config()?;
    let mut out = stdout();
    write_resolved(&mut out, cli, &config)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn human(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// A URL without a password in it.
fn shown_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

fn write_resolved(out: &mut impl Write, cli: &Cli, c: &Config) -> anyhow::Result<()> {
    writeln!(
        out,
        "# {}: valid; as the daemon runs it (defaults filled in, secrets masked)",
        c.source.display()
    )?;
    for w in &c.warnings {
        writeln!(out, "# warning, line {}: {}", w.line, w.message)?;
    }
    let store = cli.store_path(Some(c))?;
    writeln!(
        out,
        "\n[store]\npath = {:?}\ndedup_window = {:?}",
        store.display().to_string(),
        human(c.dedup_window)
    )?;
    let socket = crate::api::socket_path(c.api_socket.as_deref(), &store);
    writeln!(out, "\n[api]\nsocket = {:?}", socket.display().to_string())?;
    match c.api_listen {
        Some(addr) => writeln!(out, "listen = \"{addr}\"")?,
        None => writeln!(out, "# listen: off (no /metrics, /healthz or /feed.atom)")?,
    }
    let f = &c.fetch;
    writeln!(
        out,
        "\n[fetch]\nconcurrency = {}\nper_host = {}\ntimeout = {:?}\nconnect_timeout = {:?}\nmax_body = {}\ninterval = {:?}\nadaptive = {}\nmin_interval = {:?}\nmax_interval = {:?}",
        f.concurrency,
        f.per_host,
        human(f.timeout),
        human(f.connect_timeout),
        f.max_body,
        human(f.interval),
        f.adaptive,
        human(f.min_interval),
        human(f.max_interval)
    )?;
    writeln!(out, "\n[language]\nallow = {:?}", c.languages)?;
    for feed in &c.feeds {
        writeln!(
            out,
            "\n[[feed]]\nname = {:?}\nurl = {:?}",
            feed.name,
            shown_url(&feed.url)
        )?;
        match &feed.kind {
            SourceKind::Feed { fetch_full } => writeln!(out, "kind = \"feed\"\nfetch_full = {fetch_full}")?,
            SourceKind::Page(rules) => {
                writeln!(out, "kind = \"page\"")?;
                if let Some(s) = &rules.link_selector {
                    writeln!(out, "link_selector = {s:?}")?;
                }
                writeln!(
                    out,
                    "include = {:?}\nexclude = {:?}",
                    rules.include, rules.exclude
                )?;
            }
        }
        if let Some(lang) = &feed.language {
            writeln!(out, "language = {lang:?}")?;
        }
        let s = &feed.schedule;
        writeln!(
            out,
            "interval = {:?}\nadaptive = {}\nmin_interval = {:?}\nmax_interval = {:?}\ntimeout = {:?}\nmax_body = {}",
            human(s.interval),
            s.adaptive,
            human(s.min_interval),
            human(s.max_interval),
            human(feed.limits.timeout),
            feed.limits.max_body
        )?;
        if !feed.follow_hosts.is_empty() {
            writeln!(out, "follow_hosts = {:?}", feed.follow_hosts)?;
        }
    }
    if c.topics.is_empty() {
        writeln!(
            out,
            "\n# topics: the built-in {:?}",
            crate::config::topic::BUILTIN_TOPIC
        )?;
    }
    for t in &c.topics {
        let phrases: Vec<String> = t
            .phrases
            .iter()
            .map(|(lang, p)| format!("{lang}: {}", p.len()))
            .collect();
        writeln!(
            out,
            "\n[[topic]]\nname = {:?}\nmin_score = {}\nmax_gap = {}\n# phrases per language: {}",
            t.name,
            t.min_score,
            t.max_gap,
            phrases.join(", ")
        )?;
    }
    let Some(d) = &c.digest else {
        writeln!(out, "\n# no [digest]: none is sent")?;
        return Ok(());
    };
    writeln!(
        out,
        "\n[digest]\ntime = \"{}\"\ntimezone = {:?}\nlocale = {:?}\nsend_empty = {}\nmax_stories = {}\ngive_up = {:?}",
        d.time,
        d.zone.iana_name().unwrap_or("system"),
        d.locale,
        d.send_empty,
        d.max_stories,
        human(d.give_up)
    )?;
    if let Some(topic) = &d.topic {
        writeln!(out, "topic = {topic:?}")?;
    }
    if let Some(templates) = &d.templates {
        writeln!(out, "templates = {:?}", templates.display().to_string())?;
    }
    for sink in &d.sinks {
        writeln!(out, "\n[[digest.sink]]  # {}", sink.name)?;
        match &sink.kind {
            SinkKind::File { dir, format } => {
                writeln!(
                    out,
                    "kind = \"file\"\nformat = {}",
                    serde_json::to_string(format)?
                )?;
                match dir {
                    Some(dir) => writeln!(out, "dir = {:?}", dir.display().to_string())?,
                    None => writeln!(out, "# dir: the store's digests folder")?,
                }
            }
            SinkKind::Webhook { url, format, secret } => writeln!(
                out,
                "kind = \"webhook\"\nurl = {:?}  # tokens masked\nformat = {}\n# secret: {}",
                crate::config::digest::shown_webhook(url, *format),
                serde_json::to_string(format)?,
                if secret.is_some() { "set (***)" } else { "none" }
            )?,
            SinkKind::Email {
                server,
                from,
                to,
                login,
            } => {
                let to: Vec<String> = to.iter().map(ToString::to_string).collect();
                writeln!(
                    out,
                    "kind = \"email\"\nsmtp = \"{server}\"\nfrom = {:?}\nto = {to:?}",
                    from.to_string()
                )?;
                if let Some((user, _)) = login {
                    writeln!(out, "user = {user:?}\n# password: set (***)")?;
                }
            }
        }
    }
    Ok(())
}
