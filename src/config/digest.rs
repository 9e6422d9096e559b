//! `[digest]` and `[[digest.sink]]`: the runtime types and their validation, every problem
//! located by the parser's spans.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::file::{DigestFile, SinkFile};
use super::{line_of, Problem};

/// The digest's own words, unless a sink says otherwise.
pub const DEFAULT_LOCALE: &str = "en";

/// The locales the digest speaks.
pub const LOCALES: &[&str] = &["en", "fr", "es", "ru", "zh", "ar", "vi"];

/// Stories listed in full, unless `max_stories` says otherwise.
pub const DEFAULT_MAX_STORIES: usize = 50;

/// How long a failing delivery is retried, unless `give_up` says otherwise.
pub const DEFAULT_GIVE_UP: Duration = Duration::from_secs(3 * 24 * 3600);

/// How a digest is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestFormat {
    /// HTML for mail clients and browsers.
    Html,
    /// Markdown.
    Markdown,
    /// Plain text.
    Text,
    /// The digest's data as JSON.
    Json,
}

impl DigestFormat {
    /// The format a name means.
    pub fn parse(name: &str) -> Option<DigestFormat> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "html" => DigestFormat::Html,
            "markdown" | "md" => DigestFormat::Markdown,
            "text" | "txt" => DigestFormat::Text,
            "json" => DigestFormat::Json,
            _ => return None,
        })
    }

    /// The file extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            DigestFormat::Html => "html",
            DigestFormat::Markdown => "md",
            DigestFormat::Text => "txt",
            DigestFormat::Json => "json",
        }
    }
}

/// `[digest]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestConfig {
    /// The local time of day it goes out.
    pub time: Time,
    /// The zone that time is read in.
    pub zone: TimeZone,
    /// Only stories about this topic; `None`: every topic.
    pub topic: Option<String>,
    /// The locale of its own words.
    pub locale: String,
    /// Whether an empty day still gets a short "nothing new" digest.
    pub send_empty: bool,
    /// Stories listed in full; the rest by title only.
    pub max_stories: usize,
    /// Template overrides.
    pub templates: Option<PathBuf>,
    /// How long a failing delivery is retried.
    pub give_up: Duration,
    /// Where it goes.
    pub sinks: Vec<SinkConfig>,
}

impl Default for DigestConfig {
    /// What `digest --preview` uses without a `[digest]`: 07:00 in the system's zone, every
    /// topic, in English.
    fn default() -> Self {
        DigestConfig {
            time: Time::constant(7, 0, 0, 0),
            zone: TimeZone::system(),
            topic: None,
            locale: DEFAULT_LOCALE.into(),
            send_empty: true,
            max_stories: DEFAULT_MAX_STORIES,
            templates: None,
            give_up: DEFAULT_GIVE_UP,
            sinks: Vec::new(),
        }
    }
}

/// One place a digest goes.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkConfig {
    /// What it is called in the history and logs (`file:/var/lib/treatywatch/digests`).
    pub name: String,
    /// What it is.
    pub kind: SinkKind,
    /// Its own topic, else the digest's.
    pub topic: Option<String>,
    /// Its own locale, else the digest's.
    pub locale: Option<String>,
}

/// A secret from the environment or a file: never printed (`Debug` shows `***`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that signs with it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The kinds of sink.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkKind {
    /// One file per digest in `dir`.
    File {
        /// The directory; `None`: the store's `digests` folder.
        dir: Option<PathBuf>,
        /// How it is rendered.
        format: DigestFormat,
    },
    /// An HTTP POST of the digest, signed as Standard Webhooks says when a secret is set.
    Webhook {
        /// Where to POST.
        url: url::Url,
        /// The body's shape.
        format: WebhookFormat,
        /// The signing secret (`whsec_…` base64, or any string).
        secret: Option<Secret>,
    },
    /// Mail through an SMTP server, one message per recipient.
    Email {
        /// The server.
        server: SmtpServer,
        /// The sender.
        from: lettre::message::Mailbox,
        /// The recipients.
        to: Vec<lettre::message::Mailbox>,
        /// The SMTP login and its password.
        login: Option<(String, Secret)>,
    },
}

/// What a webhook's body looks like: the digest's JSON, or a chat service's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The digest's data as JSON.
    Json,
    /// A Slack incoming-webhook message (`text` in mrkdwn).
    Slack,
    /// A Discord webhook message (`content` in Discord's Markdown).
    Discord,
    /// A Matrix `m.room.message` event (text and HTML).
    Matrix,
    /// An ntfy JSON publish (`topic`, `title`, `message` in Markdown).
    Ntfy,
}

impl WebhookFormat {
    /// The format a name means.
    pub fn parse(name: &str) -> Option<WebhookFormat> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "json" => WebhookFormat::Json,
            "slack" => WebhookFormat::Slack,
            "discord" => WebhookFormat::Discord,
            "matrix" => WebhookFormat::Matrix,
            "ntfy" => WebhookFormat::Ntfy,
            _ => return None,
        })
    }
}

/// A webhook's URL as names, logs and errors show it. Tokens live in the query (Matrix's
/// `access_token`) or, for Slack and Discord, in the path itself: those are replaced by a short
/// hash, which tells two sinks apart without giving their tokens away.
pub fn shown_webhook(url: &url::Url, format: WebhookFormat) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    if matches!(format, WebhookFormat::Slack | WebhookFormat::Discord) {
        let hash = crate::fingerprint::short_hash(url.as_str().as_bytes());
        shown.set_path("");
        return format!("{}…#{hash:08x}", shown.as_str().trim_end_matches('/'));
    }
    shown.to_string()
}

/// How the SMTP link is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtp://`: STARTTLS when the server offers it, plain otherwise.
    Opportunistic,
    /// `smtp://…?tls=required`: STARTTLS or no delivery.
    Required,
    /// `smtps://`: TLS from the first byte.
    Wrapper,
}

/// An SMTP server, from an `smtp://` or `smtps://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    /// Its host name or address.
    pub host: String,
    /// Its port (25 for `smtp://`, 465 for `smtps://` unless given).
    pub port: u16,
    /// How the link is protected.
    pub tls: SmtpTls,
}

impl std::fmt::Display for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls == SmtpTls::Wrapper {
            "smtps"
        } else {
            "smtp"
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "{scheme}://{host}:{}", self.port)?;
        if self.tls == SmtpTls::Required {
            f.write_str("?tls=required")?;
        }
        Ok(())
    }
}

/// An `smtp://` or `smtps://` URL as a server, or what is wrong with it.
pub fn parse_smtp_url(text: &str) -> Result<SmtpServer, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("is not a URL ({e})"))?;
    let tls = match url.scheme() {
        "smtp" => SmtpTls::Opportunistic,
        "smtps" => SmtpTls::Wrapper,
        other => return Err(format!("has scheme '{other}'; write smtp:// or smtps://")),
    };
    let host = match url.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Ipv6(a)) => a.to_string(),
        _ => return Err("has no host".into()),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("carries a login; give 'user' and 'password_env' or 'password_file' instead, so the password stays out of the config".into());
    }
    let mut server = SmtpServer {
        host,
        port: url
            .port()
            .unwrap_or(if tls == SmtpTls::Wrapper { 465 } else { 25 }),
        tls,
    };
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("tls", "required") if tls == SmtpTls::Opportunistic => server.tls = SmtpTls::Required,
            ("tls", "required") => {}
            ("tls", "opportunistic") if tls == SmtpTls::Opportunistic => {}
            ("tls", other) => {
                return Err(format!(
                "has tls={other}; smtp:// takes ?tls=required (STARTTLS or nothing), smtps:// is TLS already"
            ))
            }
            (other, _) => {
                return Err(format!(
                    "has '{other}=', which is not an option here (only ?tls=required)"
                ))
            }
        }
    }
    if url.path() != "" && url.path() != "/" {
        return Err(format!("has a path '{}', which SMTP has no use for", url.path()));
    }
    Ok(server)
}

/// `[digest]` of a file, or its problems added to `problems`.
pub(super) fn validate(
    file: &Spanned<DigestFile>,
    text: &str,
    base: &Path,
    problems: &mut Vec<Problem>,
) -> Option<DigestConfig> {
    let before = problems.len();
    let header = line_of(text, file.span().start);
    let d = file.get_ref();
    let mut problem = |at: usize, message: String| problems.push(Problem { line: at, message });
    let defaults = DigestConfig::default();
    let time = match &d.time {
        Some(t) => match parse_time(t.get_ref()) {
            Some(time) => time,
            None => {
                problem(
                    line_of(text, t.span().start),
                    format!(
                        "[digest] time '{}' is not a time of day; write it like \"07:00\"",
                        t.get_ref()
                    ),
                );
                defaults.time
            }
        },
        None => defaults.time,
    };
    let zone = match &d.timezone {
        Some(z) => match TimeZone::get(z.get_ref().trim()) {
            Ok(zone) => zone,
            Err(_) => {
                problem(
                    line_of(text, z.span().start),
                    format!(
                        "[digest] timezone '{}' is not a time zone this system knows; write an IANA name such as \"Asia/Ho_Chi_Minh\"",
                        z.get_ref()
                    ),
                );
                defaults.zone.clone()
            }
        },
        None => defaults.zone.clone(),
    };
    let locale = match &d.locale {
        Some(l) if !LOCALES.contains(&l.get_ref().trim().to_ascii_lowercase().as_str()) => {
            problem(
                line_of(text, l.span().start),
                format!(
                    "[digest] locale '{}' is not one of {}",
                    l.get_ref(),
                    LOCALES.join(", ")
                ),
            );
            defaults.locale.clone()
        }
        Some(l) => l.get_ref().trim().to_ascii_lowercase(),
        None => defaults.locale.clone(),
    };
    let max_stories = match &d.max_stories {
        Some(n) if *n.get_ref() == 0 => {
            problem(
                line_of(text, n.span().start),
                "[digest] max_stories must be at least 1".into(),
            );
            defaults.max_stories
        }
        Some(n) => *n.get_ref(),
        None => defaults.max_stories,
    };
    let give_up = match &d.give_up {
        Some(g) if g.get_ref().0 < Duration::from_secs(3600) => {
            problem(
                line_of(text, g.span().start),
                "[digest] give_up must be at least 1h".into(),
            );
            defaults.give_up
        }
        Some(g) => g.get_ref().0,
        None => defaults.give_up,
    };
    let mut sinks = Vec::new();
    for sink in &d.sink {
        if let Some(sink) = validate_sink(sink, text, base, &mut problem) {
            sinks.push(sink);
        }
    }
    if d.sink.is_empty() {
        problem(
            header,
            "[digest] has no [[digest.sink]]: say where digests go (kind = \"file\" writes them to a folder)"
                .into(),
        );
    }
    let templates = d.templates.as_ref().map(|t| {
        let dir = base.join(t.get_ref());
        for problem_text in check_templates(&dir) {
            problem(line_of(text, t.span().start), problem_text);
        }
        dir
    });
    let topic = d.topic.as_ref().map(|t| t.get_ref().trim().to_string());
    (problems.len() == before).then_some(DigestConfig {
        time,
        zone,
        topic,
        locale,
        send_empty: d.send_empty.unwrap_or(defaults.send_empty),
        max_stories,
        templates,
        give_up,
        sinks,
    })
}

fn validate_sink(
    sink: &Spanned<SinkFile>,
    text: &str,
    base: &Path,
    problem: &mut impl FnMut(usize, String),
) -> Option<SinkConfig> {
    let s = sink.get_ref();
    let at = |span: std::ops::Range<usize>| line_of(text, span.start);
    let kind = s.kind.get_ref().trim().to_ascii_lowercase();
    if !matches!(kind.as_str(), "file" | "webhook" | "email") {
        problem(
            at(s.kind.span()),
            format!(
                "[[digest.sink]] kind '{}' is not one this version delivers to: \"file\", \"webhook\" or \"email\"",
                s.kind.get_ref()
            ),
        );
        return None;
    }
    let mut ok = true;
    // Each key a kind does not use is an error, not silently ignored: a `url` on a file sink is
    // a sign the user meant another kind.
    let keys: [(&str, Option<std::ops::Range<usize>>, &str); 10] = [
        ("url", s.url.as_ref().map(|v| v.span()), "webhook"),
        ("secret_env", s.secret_env.as_ref().map(|v| v.span()), "webhook"),
        ("secret_file", s.secret_file.as_ref().map(|v| v.span()), "webhook"),
        ("dir", s.dir.as_ref().map(|_| s.kind.span()), "file"),
        ("smtp", s.smtp.as_ref().map(|v| v.span()), "email"),
        ("from", s.from.as_ref().map(|v| v.span()), "email"),
        ("to", s.to.as_ref().map(|v| v.span()), "email"),
        ("user", s.user.as_ref().map(|v| v.span()), "email"),
        ("password_env", s.password_env.as_ref().map(|v| v.span()), "email"),
        (
            "password_file",
            s.password_file.as_ref().map(|v| v.span()),
            "email",
        ),
    ];
    for (key, span, owner) in keys {
        if owner != kind {
            ok &= only_for(key, span, owner, text, problem);
        }
    }
    let mut locale = None;
    if let Some(l) = &s.locale {
        let code = l.get_ref().trim().to_ascii_lowercase();
        if LOCALES.contains(&code.as_str()) {
            locale = Some(code);
        } else {
            problem(
                at(l.span()),
                format!(
                    "[[digest.sink]] locale '{}' is not one of {}",
                    l.get_ref(),
                    LOCALES.join(", ")
                ),
            );
            ok = false;
        }
    }
    let topic = s.topic.as_ref().map(|t| t.get_ref().trim().to_string());
    let (name, kind) = match kind.as_str() {
        "file" => {
            let format = match &s.format {
                Some(f) => match DigestFormat::parse(f.get_ref()) {
                    Some(format) => format,
                    None => {
                        problem(
                            at(f.span()),
                            format!(
                                "[[digest.sink]] format '{}' is not html, markdown, text or json",
                                f.get_ref()
                            ),
                        );
                        return None;
                    }
                },
                None => DigestFormat::Html,
            };
            let dir = s.dir.as_ref().map(|d| base.join(d));
            let name = format!(
                "file:{}",
                dir.as_ref()
                    .map_or("<store>/digests".to_string(), |d| d.display().to_string())
            );
            (name, SinkKind::File { dir, format })
        }
        "webhook" => {
            let format = match &s.format {
                Some(f) => match WebhookFormat::parse(f.get_ref()) {
                    Some(format) => format,
                    None => {
                        problem(
                            at(f.span()),
                            format!(
                                "[[digest.sink]] webhook format '{}' is not json, slack, discord, matrix or ntfy",
                                f.get_ref()
                            ),
                        );
                        return None;
                    }
                },
                None => WebhookFormat::Json,
            };
            let url = match &s.url {
                None => {
                    problem(
                        at(s.kind.span()),
                        "[[digest.sink]] kind = \"webhook\" needs a 'url'".into(),
                    );
                    return None;
                }
                Some(u) => match url::Url::parse(u.get_ref().trim()) {
                    Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => url,
                    _ => {
                        problem(
                            at(u.span()),
                            format!(
                                "[[digest.sink]] url '{}' is not an http or https URL with a host",
                                u.get_ref()
                            ),
                        );
                        return None;
                    }
                },
            };
            if format == WebhookFormat::Ntfy
                && url
                    .path_segments()
                    .and_then(|mut p| p.next_back())
                    .is_none_or(str::is_empty)
            {
                problem(
                    at(s.url.as_ref().map_or(s.kind.span(), |u| u.span())),
                    "[[digest.sink]] an ntfy url names its topic: \"https://ntfy.example/topic\"".into(),
                );
                return None;
            }
            let secret = by_reference(
                "secret",
                s.secret_env.as_ref(),
                s.secret_file.as_ref(),
                text,
                base,
                problem,
            )?;
            (
                format!("webhook:{}", shown_webhook(&url, format)),
                SinkKind::Webhook { url, format, secret },
            )
        }
        _ => {
            if let Some(f) = &s.format {
                problem(
                    at(f.span()),
                    "[[digest.sink]] an email carries text and HTML; it takes no 'format'".into(),
                );
                ok = false;
            }
            let server = match &s.smtp {
                None => {
                    problem(
                        at(s.kind.span()),
                        "[[digest.sink]] kind = \"email\" needs 'smtp', like \"smtp://127.0.0.1:25\"".into(),
                    );
                    return None;
                }
                Some(u) => match parse_smtp_url(u.get_ref()) {
                    Ok(server) => server,
                    Err(why) => {
                        problem(
                            at(u.span()),
                            format!("[[digest.sink]] smtp '{}' {why}", u.get_ref()),
                        );
                        return None;
                    }
                },
            };
            let from = match &s.from {
                None => {
                    problem(
                        at(s.kind.span()),
                        "[[digest.sink]] kind = \"email\" needs 'from', like \"treatywatch <digest@example.org>\"".into(),
                    );
                    None
                }
                Some(f) => match f.get_ref().trim().parse::<lettre::message::Mailbox>() {
                    Ok(mailbox) => Some(mailbox),
                    Err(e) => {
                        problem(
                            at(f.span()),
                            format!(
                                "[[digest.sink]] from '{}' is not a mail address ({e})",
                                f.get_ref()
                            ),
                        );
                        None
                    }
                },
            };
            let mut to = Vec::new();
            match &s.to {
                None => problem(
                    at(s.kind.span()),
                    "[[digest.sink]] kind = \"email\" needs 'to': one address or a list".into(),
                ),
                Some(list) if list.get_ref().items().is_empty() => {
                    problem(at(list.span()), "[[digest.sink]] 'to' is empty".into())
                }
                Some(list) => {
                    for address in list.get_ref().items() {
                        match address.trim().parse::<lettre::message::Mailbox>() {
                            Ok(mailbox) if !to.contains(&mailbox) => to.push(mailbox),
                            Ok(_) => {}
                            Err(e) => {
                                problem(
                                    at(list.span()),
                                    format!("[[digest.sink]] to: '{address}' is not a mail address ({e})"),
                                );
                                ok = false;
                            }
                        }
                    }
                }
            }
            let password = by_reference(
                "password",
                s.password_env.as_ref(),
                s.password_file.as_ref(),
                text,
                base,
                problem,
            )?;
            let login = match (&s.user, password) {
                (Some(user), Some(password)) => Some((user.get_ref().trim().to_string(), password)),
                (None, None) => None,
                (Some(user), None) => {
                    problem(
                        at(user.span()),
                        "[[digest.sink]] 'user' needs its password: password_env or password_file".into(),
                    );
                    return None;
                }
                (None, Some(_)) => {
                    problem(
                        at(s.kind.span()),
                        "[[digest.sink]] a password needs its 'user'".into(),
                    );
                    return None;
                }
            };
            let (Some(from), false) = (from, to.is_empty()) else {
                return None;
            };
            (
                format!("email:{server}"),
                SinkKind::Email {
                    server,
                    from,
                    to,
                    login,
                },
            )
        }
    };
    ok.then_some(SinkConfig {
        name,
        kind,
        topic,
        locale,
    })
}

/// A secret given by reference (`{what}_env` or `{what}_file`), read now; `None` in the outer
/// option when it is given wrongly (the problem is reported), in the inner when not at all.
fn by_reference(
    what: &str,
    env: Option<&Spanned<String>>,
    file: Option<&Spanned<PathBuf>>,
    text: &str,
    base: &Path,
    problem: &mut impl FnMut(usize, String),
) -> Option<Option<Secret>> {
    let at = |span: std::ops::Range<usize>| line_of(text, span.start);
    match (env, file) {
        (Some(_), Some(file)) => {
            problem(
                at(file.span()),
                format!("[[digest.sink]] give {what}_env or {what}_file, not both"),
            );
            None
        }
        (Some(var), None) => match std::env::var(var.get_ref().trim()) {
            Ok(value) if !value.trim().is_empty() => Some(Some(Secret(value.trim().to_string()))),
            _ => {
                problem(
                    at(var.span()),
                    format!(
                        "[[digest.sink]] {what}_env: the environment variable {} is not set",
                        var.get_ref()
                    ),
                );
                None
            }
        },
        (None, Some(file)) => {
            let path = base.join(file.get_ref());
            match std::fs::read_to_string(&path) {
                Ok(value) if !value.trim().is_empty() => Some(Some(Secret(value.trim().to_string()))),
                Ok(_) => {
                    problem(
                        at(file.span()),
                        format!("[[digest.sink]] {what}_file {} is empty", path.display()),
                    );
                    None
                }
                Err(e) => {
                    problem(
                        at(file.span()),
                        format!("[[digest.sink]] {what}_file {}: {e}", path.display()),
                    );
                    None
                }
            }
        }
        (None, None) => Some(None),
    }
}

/// A key of another kind of sink, reported; `true` when there is none.
fn only_for(
    key: &str,
    span: Option<std::ops::Range<usize>>,
    kind: &str,
    text: &str,
    problem: &mut impl FnMut(usize, String),
) -> bool {
    match span {
        Some(span) => {
            problem(
                line_of(text, span.start),
                format!("[[digest.sink]] '{key}' applies only to kind = \"{kind}\""),
            );
            false
        }
        None => true,
    }
}

/// The template files a folder overrides the shipped ones with, checked to compile: what is
/// wrong with each, naming its file and line.
fn check_templates(dir: &Path) -> Vec<String> {
    if !dir.is_dir() {
        return vec![format!("[digest] templates: {} is not a folder", dir.display())];
    }
    let mut problems = Vec::new();
    for name in ["digest.txt", "digest.md", "digest.html"] {
        let path = dir.join(name);
        if !path.is_file() {
            continue;
        }
        let compiled = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|source| {
                minijinja::Environment::new()
                    .template_from_named_str(name, &source)
                    .map(|_| ())
                    .map_err(|e| match e.line() {
                        Some(line) => format!("line {line}: {}", e.detail().unwrap_or("syntax error")),
                        None => e.to_string(),
                    })
            });
        if let Err(e) = compiled {
            problems.push(format!("[digest] template {}: {e}", path.display()));
        }
    }
    problems
}

/// `"HH:MM"` (or `"HH:MM:SS"`) as a time of day.
fn parse_time(text: &str) -> Option<Time> {
    let mut parts = text.trim().split(':');
    let hour: i8 = parts.next()?.parse().ok()?;
    let minute: i8 = parts.next()?.parse().ok()?;
    let second: i8 = match parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Time::new(hour, minute, second, 0).ok()
}
