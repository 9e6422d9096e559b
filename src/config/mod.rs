//! The user's `feeds.toml`: plain serde structs, parsed and validated once at load, then turned
//! into the runtime [`Config`]. Every error names the file, the line and the key.

pub mod topic;
mod values;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::language_codes::lang_of_code;
use crate::model::{Feed, PageRules, RequestLimits, Schedule, SourceKind};
pub use topic::TopicConfig;
pub use values::{parse_byte_size, parse_duration};
use values::{ByteSize, HumanDuration};

/// The whole file as written by the user.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    /// Where the store lives.
    #[serde(default)]
    store: StoreConfig,
    /// How feeds are fetched.
    #[serde(default)]
    fetch: FetchConfig,
    /// The sources to watch.
    #[serde(default, rename = "feed")]
    feeds: Vec<FeedConfig>,
    /// Language detection.
    #[serde(default)]
    language: LanguageConfig,
    /// What articles are about; the built-in convention topic when none is given.
    #[serde(default, rename = "topic")]
    topics: Vec<TopicConfig>,
}

/// `[language]`: which languages detection may choose from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageConfig {
    /// ISO 639-1 codes; feed `language` hints and topic languages are added to these.
    #[serde(default = "default_allow")]
    allow: Vec<Spanned<String>>,
}

impl Default for LanguageConfig {
    fn default() -> Self {
        LanguageConfig {
            allow: default_allow(),
        }
    }
}

fn default_allow() -> Vec<Spanned<String>> {
    DEFAULT_LANGUAGES
        .iter()
        .map(|l| Spanned::new(0..0, l.to_string()))
        .collect()
}

/// How long an article stays findable by likeness unless `[store] dedup_window` says otherwise.
pub const DEFAULT_DEDUP_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);

/// The six UN languages and Vietnamese: where the convention is covered.
pub const DEFAULT_LANGUAGES: &[&str] = &["ar", "zh", "en", "fr", "ru", "es", "vi"];

/// `[store]`: where the sled database lives.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreConfig {
    /// Directory of the store; relative paths are taken from the config file's directory.
    path: Option<PathBuf>,
    /// How long an article stays findable by likeness (the near-duplicate index's window).
    dedup_window: Option<Spanned<HumanDuration>>,
}

/// `[fetch]`: politeness and bounds for every HTTP request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// Requests in flight at once, over all hosts.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Requests in flight at once to one host.
    #[serde(default = "default_per_host")]
    pub per_host: usize,
    /// Limit on a whole request, from connecting to the last body byte.
    #[serde(default = "default_timeout", deserialize_with = "values::duration")]
    pub timeout: Duration,
    /// Limit on establishing the connection (TCP and TLS).
    #[serde(default = "default_connect_timeout", deserialize_with = "values::duration")]
    pub connect_timeout: Duration,
    /// Largest body accepted, counted after decompression.
    #[serde(default = "default_max_body", deserialize_with = "values::byte_size")]
    pub max_body: u64,
    /// How often each feed is polled, unless it says otherwise.
    #[serde(default = "default_interval", deserialize_with = "values::duration")]
    pub interval: Duration,
    /// Whether intervals follow how often each feed really publishes.
    #[serde(default)]
    pub adaptive: bool,
    /// Shortest adaptive interval.
    #[serde(default = "default_min_interval", deserialize_with = "values::duration")]
    pub min_interval: Duration,
    /// Longest adaptive interval.
    #[serde(default = "default_max_interval", deserialize_with = "values::duration")]
    pub max_interval: Duration,
}

fn default_concurrency() -> usize {
    16
}
fn default_per_host() -> usize {
    2
}
fn default_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_connect_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_max_body() -> u64 {
    10 * 1024 * 1024
}
fn default_interval() -> Duration {
    Duration::from_secs(15 * 60)
}
fn default_min_interval() -> Duration {
    Duration::from_secs(5 * 60)
}
fn default_max_interval() -> Duration {
    Duration::from_secs(6 * 3600)
}

/// Intervals shorter than this are accepted with a warning: few news feeds change that often,
/// and their owners notice.
const POLITE_INTERVAL: Duration = Duration::from_secs(60);

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            concurrency: default_concurrency(),
            per_host: default_per_host(),
            timeout: default_timeout(),
            connect_timeout: default_connect_timeout(),
            max_body: default_max_body(),
            interval: default_interval(),
            adaptive: false,
            min_interval: default_min_interval(),
            max_interval: default_max_interval(),
        }
    }
}

/// `[[feed]]`: one source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedConfig {
    /// Unique name, used in logs, the CLI and the store.
    name: Spanned<String>,
    /// Address of the feed (http or https).
    url: Spanned<String>,
    /// Language hint (ISO 639-1), used when detection is unsure.
    language: Option<Spanned<String>>,
    /// Overrides `[fetch] interval`.
    interval: Option<Spanned<HumanDuration>>,
    /// Overrides `[fetch] adaptive`.
    adaptive: Option<bool>,
    /// Overrides `[fetch] min_interval`.
    min_interval: Option<Spanned<HumanDuration>>,
    /// Overrides `[fetch] max_interval`.
    max_interval: Option<Spanned<HumanDuration>>,
    /// Overrides `[fetch] timeout`.
    timeout: Option<HumanDuration>,
    /// Overrides `[fetch] max_body`.
    max_body: Option<ByteSize>,
    /// `feed` (the default) or `page`.
    kind: Option<Spanned<KindConfig>>,
    /// Pages: CSS selector of the article links.
    link_selector: Option<Spanned<String>>,
    /// Pages: URL patterns an article link must match.
    include: Option<Spanned<Vec<String>>>,
    /// Pages: URL patterns an article link must not match.
    exclude: Option<Spanned<Vec<String>>>,
    /// Feeds: fetch each new item's page for its full text.
    fetch_full: Option<Spanned<bool>>,
    /// Hosts besides the source's own whose links may be followed.
    follow_hosts: Option<Spanned<Vec<String>>>,
}

/// `kind` of a `[[feed]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindConfig {
    Feed,
    Page,
}

/// The validated configuration the program runs on.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this came from.
    pub source: PathBuf,
    /// Store directory from `[store] path`, already resolved against the file's directory.
    pub store_path: Option<PathBuf>,
    /// `[store] dedup_window`: how long an article can be matched by likeness.
    pub dedup_window: Duration,
    /// Fetch bounds.
    pub fetch: FetchConfig,
    /// Feeds in file order.
    pub feeds: Vec<Feed>,
    /// Languages detection may choose from (ISO 639-1), including those feeds and topics name.
    pub languages: Vec<String>,
    /// Topic definitions, in file order (empty: the built-in topic applies).
    pub topics: Vec<TopicConfig>,
    /// Things that work but are probably not what the user wants.
    pub warnings: Vec<Problem>,
}

/// One problem found in a config file, located by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the file.
    pub line: usize,
    /// What is wrong, naming the key.
    pub message: String,
}

/// Why a config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The file was read but is not a valid config.
    #[error("{}", ProblemList { path, problems })]
    Invalid { path: PathBuf, problems: Vec<Problem> },
    /// No config file was given and none was found in the usual places.
    #[error("no config file found (looked in: {})", looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    NotFound { looked: Vec<PathBuf> },
}

struct ProblemList<'a> {
    path: &'a Path,
    problems: &'a [Problem],
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}: {}", self.path.display(), p.line, p.message)?;
        }
        Ok(())
    }
}

/// Where to look for the config when `--config` is not given, in order.
pub fn search_path() -> Vec<PathBuf> {
    let mut looked = vec![PathBuf::from("feeds.toml")];
    if let Some(dir) = crate::paths::xdg_config_home() {
        looked.push(dir.join("treatywatch").join("feeds.toml"));
    }
    looked.push(PathBuf::from("/etc/treatywatch/feeds.toml"));
    looked
}

/// Finds the config file: the explicit path (from `--config` or `$TREATYWATCH_CONFIG`) or the
/// first of [`search_path`] that exists.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    let looked = search_path();
    looked
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or(ConfigError::NotFound { looked })
}

impl Config {
    /// Logs what works but is probably not what the user wants.
    pub fn log_warnings(&self) {
        for w in &self.warnings {
            tracing::warn!(config = %self.source.display(), line = w.line, "{}", w.message);
        }
    }

    /// Reads, parses and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates config text; `path` names it in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |problems| ConfigError::Invalid {
            path: path.to_path_buf(),
            problems,
        };
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let mut message = e.message().trim().to_string();
            if let Some(table) = enclosing_table(text, offset) {
                message = format!("{message} in {table}");
            }
            invalid(vec![Problem {
                line: line_of(text, offset),
                message,
            }])
        })?;
        let mut problems = Vec::new();
        let fetch = file.fetch;
        if fetch.concurrency == 0 {
            problems.push(problem_at_key(
                text,
                "concurrency",
                "[fetch] concurrency must be at least 1",
            ));
        }
        if fetch.per_host == 0 {
            problems.push(problem_at_key(
                text,
                "per_host",
                "[fetch] per_host must be at least 1",
            ));
        }
        let mut warnings = Vec::new();
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
        check_schedule(
            "[fetch]",
            fetch.interval,
            fetch.min_interval,
            fetch.max_interval,
            &|key| problem_at_key(text, key, "").line,
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
                        message: format!(
                            "'url' of feed '{name}' must be http or https with a host, not '{url}'"
                        ),
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
            if let (Some(url), Some(kind)) = (url, kind) {
                feeds.push(Feed {
                    name: name.to_string(),
                    url,
                    language,
                    schedule,
                    limits,
                    kind,
                    follow_hosts,
                });
            }
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut languages: Vec<String> = Vec::new();
        for code in &file.language.allow {
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
        for (i, topic) in file.topics.iter().enumerate() {
            let line = nth_header_line(text, "[[topic]]", i);
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
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(invalid(problems));
        }
        warnings.sort_by_key(|p| p.line);
        Ok(Config {
            source: path.to_path_buf(),
            store_path: file.store.path.map(|p| base.join(p)),
            dedup_window,
            fetch,
            feeds,
            languages,
            topics: file.topics,
            warnings,
        })
    }
}

/// The kind of source a `[[feed]]` is, with the keys only that kind takes.
fn source_kind(text: &str, feed: &FeedConfig, name: &str, problems: &mut Vec<Problem>) -> Option<SourceKind> {
    let line = |span: std::ops::Range<usize>| line_of(text, span.start);
    let kind = feed
        .kind
        .as_ref()
        .map(|k| *k.get_ref())
        .unwrap_or(KindConfig::Feed);
    match kind {
        KindConfig::Feed => {
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
        KindConfig::Page => {
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
fn follow_hosts(text: &str, feed: &FeedConfig, name: &str, problems: &mut Vec<Problem>) -> Vec<String> {
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

/// The line of the `n`th (0-based) occurrence of a table header such as `[[topic]]`.
fn nth_header_line(text: &str, header: &str, n: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .nth(n)
        .map(|(i, _)| i + 1)
        .unwrap_or(1)
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The `[table]` or `[[array]]` header that a byte offset falls under, for messages.
fn enclosing_table(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let before = text.get(..offset)?;
    before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.split('#').next().unwrap_or(l).trim().to_string())
}

/// Locates a problem in `[fetch]` at the line assigning `key` (or the table's header when the
/// key is a default), for values checked after parsing.
fn problem_at_key(text: &str, key: &str, message: &str) -> Problem {
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.iter().position(|l| l.trim() == "[fetch]");
    let section = header.map(|h| h + 1).unwrap_or(0);
    let end = lines[section..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map(|e| e + section)
        .unwrap_or(lines.len());
    let assigns = |l: &&str| {
        let l = l.trim_start();
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    let line = lines[section..end]
        .iter()
        .position(assigns)
        .map(|i| i + section + 1)
        .or(header.map(|h| h + 1))
        .unwrap_or(1);
    Problem {
        line,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("feeds.toml"))
    }

    fn problems(text: &str) -> Vec<Problem> {
        match parse(text) {
            Err(ConfigError::Invalid { problems, .. }) => problems,
            other => panic!("expected invalid config, got {other:?}"),
        }
    }

    #[test]
    fn shipped_feeds_toml_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml");
        let config = Config::load(&path).expect("shipped feeds.toml must load");
        assert!(config.feeds.len() >= 8);
        assert!(config.feeds.iter().any(|f| f.name == "vnexpress-the-gioi"));
        let pages: Vec<&str> = config
            .feeds
            .iter()
            .filter(|f| matches!(f.kind, SourceKind::Page(_)))
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(pages, ["kinhtedothi-the-gioi", "unodc-press"]);
    }

    #[test]
    fn dedup_window_defaults_and_is_bounded() {
        let c = Config::parse("", Path::new("feeds.toml")).unwrap();
        assert_eq!(c.dedup_window, DEFAULT_DEDUP_WINDOW);
        let c = Config::parse("[store]\ndedup_window = \"7d\"\n", Path::new("feeds.toml")).unwrap();
        assert_eq!(c.dedup_window, Duration::from_secs(7 * 24 * 3600));
        let p = problems("[store]\ndedup_window = \"5m\"\n");
        assert_eq!(
            (p[0].line, p[0].message.as_str()),
            (2, "[store] dedup_window must be at least 1h")
        );
    }

    #[test]
    fn unknown_key_names_line_key_and_table() {
        let text = "[store]\npath = \"x\"\n\n[[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\n\n[[feed]]\nnmae = \"b\"\nurl = \"https://b.example/rss\"\n";
        let p = problems(text);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 9);
        assert!(p[0].message.contains("nmae"), "{}", p[0].message);
        assert!(p[0].message.contains("[[feed]]"), "{}", p[0].message);
    }

    #[test]
    fn semantic_errors_are_all_collected_with_lines() {
        let text = "[[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\n[[feed]]\nname = \"a\"\nurl = \"ftp://a.example/rss\"\n[[feed]]\nname = \"c\"\nurl = \"not a url\"\n";
        let p = problems(text);
        let lines: Vec<usize> = p.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![5, 6, 9], "{p:?}");
        assert!(p[0].message.contains("duplicate feed name 'a'"));
        assert!(p[1].message.contains("http or https"));
        assert!(p[2].message.contains("does not parse"));
    }

    #[test]
    fn bad_duration_is_located() {
        let p = problems("[fetch]\ntimeout = \"30 parsecs\"\n");
        assert_eq!(p[0].line, 2);
        assert!(p[0].message.contains("duration"), "{}", p[0].message);
    }

    #[test]
    fn defaults_apply_and_store_path_is_relative_to_file() {
        let c = Config::parse("[store]\npath = \"data\"\n", Path::new("/etc/tw/feeds.toml")).unwrap();
        assert_eq!(c.store_path, Some(PathBuf::from("/etc/tw/data")));
        assert_eq!(c.fetch, FetchConfig::default());
        assert!(c.feeds.is_empty());
    }

    #[test]
    fn per_feed_overrides_and_schedule_checks() {
        let text = "[fetch]\ninterval = \"10m\"\ntimeout = \"20s\"\n\n[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\ninterval = \"30s\"\nmax_body = \"1MiB\"\nadaptive = true\n\n[[feed]]\nname = \"b\"\nurl = \"https://b.example/\"\n";
        let c = parse(text).unwrap();
        assert_eq!(c.feeds[0].schedule.interval, Duration::from_secs(30));
        assert!(c.feeds[0].schedule.adaptive);
        assert_eq!(
            c.feeds[0].limits,
            RequestLimits {
                timeout: Duration::from_secs(20),
                max_body: 1 << 20
            }
        );
        assert_eq!(c.feeds[1].schedule.interval, Duration::from_secs(600));
        assert!(!c.feeds[1].schedule.adaptive);
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(c.warnings[0].line, 8);
        assert!(c.warnings[0].message.contains("feed 'a'"), "{:?}", c.warnings);

        let p = problems(
            "[fetch]\nconcurrency = 4\ninterval = \"0s\"\nmin_interval = \"2h\"\nmax_interval = \"1h\"\n",
        );
        assert_eq!(p.iter().map(|p| p.line).collect::<Vec<_>>(), vec![3, 4], "{p:?}");
    }

    #[test]
    fn topics_and_languages() {
        let text = "[language]\nallow = [\"en\", \"de\"]\n\n[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nlanguage = \"it\"\n\n[[topic]]\nname = \"t\"\nphrases = { fr = [\"traité\"] }\n";
        let c = parse(text).unwrap();
        assert_eq!(c.languages, vec!["de", "en", "fr", "it"]);
        assert_eq!(c.topics[0].name, "t");
        assert_eq!(parse("").unwrap().languages.len(), 7);

        let p = problems("[language]\nallow = [\"xx\"]\n[[topic]]\nname = \"t\"\n[[topic]]\nname = \"t\"\nphrases = { qq = [\"a\"] }\n");
        let lines: Vec<usize> = p.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 5, 5], "{p:?}");
        assert!(p[1].message.contains("no phrases"));
        assert!(p[2].message.contains("duplicate topic name"));
        assert!(p[3].message.contains("'qq'"));
    }

    #[test]
    fn error_display_is_file_line_message() {
        let err = parse("[[feed]]\nname = \"a\"\nurl = 3\n").unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("feeds.toml:3: "), "{shown}");
    }
}
