//! Validation: the file's structs ([`super::file`]) into the runtime [`Config`], every
//! problem collected with the line the parser's spans give it.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::file::{FeedFile, FetchFile, FileConfig, KindFile};
use super::values::HumanDuration;
use super::{line_of, Config, FetchConfig, Problem, DEFAULT_DEDUP_WINDOW, DEFAULT_LANGUAGES};
use crate::language_codes::lang_of_code;
use crate::model::{Feed, PageRules, RequestLimits, Schedule, SourceKind};

/// Intervals shorter than this are accepted with a warning: few news feeds change that often,
/// and their owners notice.
const POLITE_INTERVAL: Duration = Duration::from_secs(60);

/// The runtime config of a parsed file, or every problem found in it, in line order.
pub(super) fn validate(file: FileConfig, text: &str, path: &Path) -> Result<Config, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let fetch = fetch_config(&file.fetch, text, &mut problems);
    let dedup_window = match &file.store.dedup_window {
        Some(w) if w.get_ref().0 < Duration::from_secs(3600) => {
            problems.push(Problem {
                line: line_of(text, w.span().start),
                message: "[store] dedup_window must be at least 1h".into(),
            });
            DEFAULT_DEDUP_WINDOW
        }
        Some(w) => w.get_ref().0,
        None => DEFAULT_DEDUP_WINDOW,
    };
    // Articles still in the likeness window must be there to be matched: keep covers it.
    let keep = file.store.keep.as_ref().and_then(|k| {
        let at_least = dedup_window.max(Duration::from_secs(24 * 3600));
        if k.get_ref().0 < at_least {
            problems.push(Problem {
                line: line_of(text, k.span().start),
                message: format!(
                    "[store] keep must be at least 1d and at least dedup_window ({})",
                    humantime::format_duration(dedup_window)
                ),
            });
            return None;
        }
        Some(k.get_ref().0)
    });
    let schedule_keys = [
        ("interval", &file.fetch.interval),
        ("min_interval", &file.fetch.min_interval),
        ("max_interval", &file.fetch.max_interval),
    ];
    check_schedule(
        "[fetch]",
        fetch.interval,
        fetch.min_interval,
        fetch.max_interval,
        &|key| {
            // A key left to its default is fine alone; a clash is shown where a key was set.
            let line = |(_, v): &(&str, &Option<Spanned<HumanDuration>>)| {
                v.as_ref().map(|v| line_of(text, v.span().start))
            };
            schedule_keys
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(line)
                .or_else(|| schedule_keys.iter().find_map(line))
                .unwrap_or(1)
        },
        &mut problems,
        &mut warnings,
    );
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut feeds = Vec::with_capacity(file.feeds.len());
    for feed in &file.feeds {
        let name = feed.name.get_ref().trim();
        let name_line = line_of(text, feed.name.span().start);
        if name.is_empty() {
            problems.push(Problem {
                line: name_line,
                message: "empty 'name' in [[feed]]".into(),
            });
        } else if let Some(first) = seen.insert(name, name_line) {
            problems.push(Problem {
                line: name_line,
                message: format!("duplicate feed name '{name}' in [[feed]] (first at line {first})"),
            });
        }
        let url_line = line_of(text, feed.url.span().start);
        let url = match Url::parse(feed.url.get_ref().trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Some(url),
            Ok(url) => {
                problems.push(Problem {
                    line: url_line,
                    message: format!("'url' of feed '{name}' must be http or https with a host, not '{url}'"),
                });
                None
            }
            Err(e) => {
                problems.push(Problem {
                    line: url_line,
                    message: format!("'url' of feed '{name}' does not parse: {e}"),
                });
                None
            }
        };
        let language = feed.language.as_ref().and_then(|l| {
            let code = l.get_ref().trim().to_ascii_lowercase();
            let valid = (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase());
            if !valid {
                problems.push(Problem {
                    line: line_of(text, l.span().start),
                    message: format!(
                        "'language' of feed '{name}' must be an ISO 639 code such as \"vi\", not '{}'",
                        l.get_ref()
                    ),
                });
            }
            valid.then_some(code)
        });
        let line_or = |field: &Option<Spanned<HumanDuration>>| {
            field
                .as_ref()
                .map(|f| line_of(text, f.span().start))
                .unwrap_or(name_line)
        };
        let pick = |field: &Option<Spanned<HumanDuration>>, default: Duration| {
            field.as_ref().map(|f| f.get_ref().0).unwrap_or(default)
        };
        let schedule = Schedule {
            interval: pick(&feed.interval, fetch.interval),
            adaptive: feed.adaptive.unwrap_or(fetch.adaptive),
            min_interval: pick(&feed.min_interval, fetch.min_interval),
            max_interval: pick(&feed.max_interval, fetch.max_interval),
        };
        if feed.interval.is_some() || feed.min_interval.is_some() || feed.max_interval.is_some() {
            check_schedule(
                &format!("feed '{name}'"),
                schedule.interval,
                schedule.min_interval,
                schedule.max_interval,
                &|key| match key {
                    "interval" => line_or(&feed.interval),
                    "min_interval" => line_or(&feed.min_interval),
                    _ => line_or(&feed.max_interval),
                },
                &mut problems,
                &mut warnings,
            );
        }
        let limits = RequestLimits {
            timeout: feed.timeout.map(|t| t.0).unwrap_or(fetch.timeout),
            max_body: feed.max_body.map(|b| b.0).unwrap_or(fetch.max_body),
        };
        let kind = source_kind(text, feed, name, &mut problems);
        let follow_hosts = follow_hosts(text, feed, name, &mut problems);
        let timezone = feed.timezone.as_ref().and_then(|z| {
            let found = jiff::tz::TimeZone::get(z.get_ref().trim()).ok();
            if found.is_none() {
                problems.push(Problem {
                    line: line_of(text, z.span().start),
                    message: format!(
                        "'timezone' of feed '{name}': '{}' is not a time zone this system knows; write an IANA name such as \"Asia/Ho_Chi_Minh\"",
                        z.get_ref()
                    ),
                });
            }
            found
        });
        if let (Some(url), Some(kind)) = (url, kind) {
            feeds.push(Feed {
                name: name.to_string(),
                url,
                language,
                schedule,
                limits,
                kind,
                follow_hosts,
                timezone,
            });
        }
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut languages: Vec<String> = Vec::new();
    let allowed = file.language.allow.clone().unwrap_or_else(|| {
        DEFAULT_LANGUAGES
            .iter()
            .map(|l| Spanned::new(0..0, l.to_string()))
            .collect()
    });
    for code in &allowed {
        match lang_of_code(code.get_ref()) {
            Some(_) => languages.push(code.get_ref().trim().to_ascii_lowercase()),
            None => problems.push(Problem {
                line: line_of(text, code.span().start),
                message: format!(
                    "[language] allow: '{}' is not a language detection knows",
                    code.get_ref()
                ),
            }),
        }
    }
    let mut topic_names: HashMap<&str, ()> = HashMap::new();
    for spanned in &file.topics {
        let (topic, line) = (spanned.get_ref(), line_of(text, spanned.span().start));
        if topic.name.trim().is_empty() {
            problems.push(Problem {
                line,
                message: "empty 'name' in [[topic]]".into(),
            });
        } else if topic_names.insert(topic.name.as_str(), ()).is_some() {
            problems.push(Problem {
                line,
                message: format!("duplicate topic name '{}' in [[topic]]", topic.name),
            });
        }
        if topic
            .phrases
            .values()
            .all(|p| p.iter().all(|p| p.trim().is_empty()))
        {
            problems.push(Problem {
                line,
                message: format!("topic '{}' has no phrases", topic.name),
            });
        }
        for (actor, spellings) in &topic.actors {
            if actor.trim().is_empty() || spellings.iter().all(|s| s.trim().is_empty()) {
                problems.push(Problem {
                    line,
                    message: format!(
                        "topic '{}': actor '{actor}' in 'actors' needs an id and at least one spelling",
                        topic.name
                    ),
                });
            }
        }
        for lang in topic.phrases.keys().chain(topic.exclude.keys()) {
            match lang_of_code(lang) {
                Some(_) => languages.push(lang.clone()),
                None => problems.push(Problem {
                    line,
                    message: format!(
                        "topic '{}': '{lang}' is not an ISO 639-1 language code",
                        topic.name
                    ),
                }),
            }
        }
    }
    for feed in &feeds {
        if let Some(lang) = &feed.language {
            if lang_of_code(lang).is_some() {
                languages.push(lang.clone());
            }
        }
    }
    languages.sort();
    languages.dedup();
    let digest = file
        .digest
        .as_ref()
        .and_then(|d| super::digest::validate(d, text, base, &mut problems));
    if let Some(d) = file.digest.as_ref().map(|d| d.get_ref()) {
        // A topic the digest or a sink names must exist.
        let known: Vec<&str> = if file.topics.is_empty() {
            vec![crate::config::topic::BUILTIN_TOPIC]
        } else {
            file.topics.iter().map(|t| t.get_ref().name.as_str()).collect()
        };
        let named = d
            .topic
            .iter()
            .chain(d.sink.iter().filter_map(|s| s.get_ref().topic.as_ref()));
        for topic in named {
            if !known.contains(&topic.get_ref().trim()) {
                problems.push(Problem {
                    line: line_of(text, topic.span().start),
                    message: format!(
                        "[digest] topic '{}' is not a topic of this config ({})",
                        topic.get_ref(),
                        known.join(", ")
                    ),
                });
            }
        }
    }
    let api_listen = file.api.listen.as_ref().and_then(|listen| {
        let line = line_of(text, listen.span().start);
        match listen.get_ref().trim().parse::<std::net::SocketAddr>() {
            Ok(addr) => {
                if !addr.ip().is_loopback() {
                    warnings.push(Problem {
                        line,
                        message: format!(
                            "[api] listen = '{addr}' serves the metrics and the coverage feed beyond this machine"
                        ),
                    });
                }
                Some(addr)
            }
            Err(_) => {
                problems.push(Problem {
                    line,
                    message: format!(
                        "[api] listen: '{}' is not an address and port (like \"127.0.0.1:9184\")",
                        listen.get_ref()
                    ),
                });
                None
            }
        }
    });
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }
    warnings.sort_by_key(|p| p.line);
    Ok(Config {
        source: path.to_path_buf(),
        store_path: file.store.path.map(|p| base.join(p)),
        api_socket: file.api.socket.map(|p| base.join(p)),
        api_listen,
        dedup_window,
        keep,
        backups: file.store.backups.unwrap_or(super::DEFAULT_BACKUPS),
        fetch,
        feeds,
        languages,
        topics: file.topics.into_iter().map(Spanned::into_inner).collect(),
        digest,
        warnings,
    })
}

/// `[fetch]` with defaults filled in; a count of zero is a problem at its line.
fn fetch_config(file: &FetchFile, text: &str, problems: &mut Vec<Problem>) -> FetchConfig {
    let defaults = FetchConfig::default();
    let mut at_least_one = |key: &str, value: &Option<Spanned<usize>>, default: usize| match value {
        Some(v) if *v.get_ref() == 0 => {
            problems.push(Problem {
                line: line_of(text, v.span().start),
                message: format!("[fetch] {key} must be at least 1"),
            });
            default
        }
        Some(v) => *v.get_ref(),
        None => default,
    };
    let duration =
        |v: &Option<Spanned<HumanDuration>>, default: Duration| v.as_ref().map_or(default, |v| v.get_ref().0);
    FetchConfig {
        concurrency: at_least_one("concurrency", &file.concurrency, defaults.concurrency),
        per_host: at_least_one("per_host", &file.per_host, defaults.per_host),
        timeout: file.timeout.map_or(defaults.timeout, |t| t.0),
        connect_timeout: file.connect_timeout.map_or(defaults.connect_timeout, |t| t.0),
        max_body: file.max_body.map_or(defaults.max_body, |b| b.0),
        interval: duration(&file.interval, defaults.interval),
        adaptive: file.adaptive.unwrap_or(defaults.adaptive),
        min_interval: duration(&file.min_interval, defaults.min_interval),
        max_interval: duration(&file.max_interval, defaults.max_interval),
    }
}

/// The kind of source a `[[feed]]` is, with the keys only that kind takes.
fn source_kind(text: &str, feed: &FeedFile, name: &str, problems: &mut Vec<Problem>) -> Option<SourceKind> {
    let line = |span: std::ops::Range<usize>| line_of(text, span.start);
    let kind = feed.kind.as_ref().map(|k| *k.get_ref()).unwrap_or(KindFile::Feed);
    match kind {
        KindFile::Feed => {
            let page_only = [
                ("link_selector", feed.link_selector.as_ref().map(|s| s.span())),
                ("include", feed.include.as_ref().map(|s| s.span())),
                ("exclude", feed.exclude.as_ref().map(|s| s.span())),
            ];
            let mut ok = true;
            for (key, span) in page_only {
                if let Some(span) = span {
                    problems.push(Problem {
                        line: line(span),
                        message: format!("'{key}' of feed '{name}' applies only to kind = \"page\""),
                    });
                    ok = false;
                }
            }
            ok.then(|| SourceKind::Feed {
                fetch_full: feed.fetch_full.as_ref().is_some_and(|f| *f.get_ref()),
            })
        }
        KindFile::Page => {
            let mut ok = true;
            if let Some(f) = &feed.fetch_full {
                problems.push(Problem {
                    line: line(f.span()),
                    message: format!(
                        "'fetch_full' of feed '{name}' applies only to feeds: a page source always fetches its articles"
                    ),
                });
                ok = false;
            }
            let link_selector =
                feed.link_selector
                    .as_ref()
                    .and_then(|s| match scraper::Selector::parse(s.get_ref()) {
                        Ok(_) => Some(s.get_ref().trim().to_string()),
                        Err(e) => {
                            problems.push(Problem {
                                line: line(s.span()),
                                message: format!(
                                    "'link_selector' of feed '{name}' is not a valid CSS selector: {e}"
                                ),
                            });
                            ok = false;
                            None
                        }
                    });
            let patterns = |field: &Option<Spanned<Vec<String>>>, key: &str, problems: &mut Vec<Problem>| {
                let Some(field) = field else { return Vec::new() };
                let mut out = Vec::new();
                for p in field.get_ref() {
                    if p.trim().is_empty() {
                        problems.push(Problem {
                            line: line(field.span()),
                            message: format!("'{key}' of feed '{name}' has an empty pattern"),
                        });
                    } else {
                        out.push(p.trim().to_string());
                    }
                }
                out
            };
            let include = patterns(&feed.include, "include", problems);
            let exclude = patterns(&feed.exclude, "exclude", problems);
            ok.then_some(SourceKind::Page(PageRules {
                link_selector,
                include,
                exclude,
            }))
        }
    }
}

/// `follow_hosts`: host names (lower-cased), each checked to be one.
fn follow_hosts(text: &str, feed: &FeedFile, name: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    let Some(hosts) = &feed.follow_hosts else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for host in hosts.get_ref() {
        let host = host.trim().to_ascii_lowercase();
        match url::Host::parse(&host) {
            Ok(_) if !host.is_empty() && !host.contains(['/', ':', '@']) => out.push(host),
            _ => problems.push(Problem {
                line: line_of(text, hosts.span().start),
                message: format!(
                    "'follow_hosts' of feed '{name}': '{host}' is not a host name (write \"www.example.com\", without scheme or path)"
                ),
            }),
        }
    }
    out
}

/// Checks one set of schedule values: intervals of at least a second (below a minute only with
/// a warning) and a minimum not above the maximum. `line` locates a key.
fn check_schedule(
    owner: &str,
    interval: Duration,
    min_interval: Duration,
    max_interval: Duration,
    line: &dyn Fn(&str) -> usize,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) {
    for (key, value) in [
        ("interval", interval),
        ("min_interval", min_interval),
        ("max_interval", max_interval),
    ] {
        if value < Duration::from_secs(1) {
            problems.push(Problem {
                line: line(key),
                message: format!("'{key}' of {owner} must be at least 1s"),
            });
        } else if value < POLITE_INTERVAL {
            warnings.push(Problem {
                line: line(key),
                message: format!(
                    "'{key}' of {owner} is {}; polling more often than once a minute may get you blocked",
                    humantime::format_duration(value)
                ),
            });
        }
    }
    if min_interval > max_interval {
        problems.push(Problem {
            line: line("min_interval"),
            message: format!("'min_interval' of {owner} is longer than its 'max_interval'"),
        });
    }
}
