//! The user's `feeds.toml`: the file's serde structs (`file`), validated once at load
//! (`validate`) into the runtime [`Config`]. Every error names the file, the line (from the
//! TOML parser's spans) and the key; validation collects every problem, not just the first.
//! Defaults are defined here, once.

pub mod digest;
mod file;
pub mod opml;
pub mod topic;
mod validate;
mod values;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::de::{DeTable, DeValue};

use crate::model::Feed;
pub use digest::{DigestConfig, DigestFormat, SinkConfig, SinkKind, SmtpServer, SmtpTls, WebhookFormat};
pub use topic::TopicConfig;
pub use values::{parse_byte_size, parse_duration};

/// Daily backups kept unless `[store] backups` says otherwise.
pub const DEFAULT_BACKUPS: usize = 7;

/// How long an article stays findable by likeness unless `[store] dedup_window` says otherwise:
/// copies and rewrites of a story appear within days.
pub const DEFAULT_DEDUP_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);

/// The six UN languages and Vietnamese: where the convention is covered.
pub const DEFAULT_LANGUAGES: &[&str] = &["ar", "zh", "en", "fr", "ru", "es", "vi"];

/// `[fetch]`: politeness and bounds for every HTTP request, as the daemon runs with them.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchConfig {
    /// Requests in flight at once, over all hosts.
    pub concurrency: usize,
    /// Requests in flight at once to one host.
    pub per_host: usize,
    /// Limit on a whole request, from connecting to the last body byte.
    pub timeout: Duration,
    /// Limit on establishing the connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body: u64,
    /// How often each feed is polled, unless it says otherwise.
    pub interval: Duration,
    /// Whether intervals follow how often each feed really publishes.
    pub adaptive: bool,
    /// Shortest adaptive interval.
    pub min_interval: Duration,
    /// Longest adaptive interval.
    pub max_interval: Duration,
}

impl Default for FetchConfig {
    /// The defaults of every `[fetch]` key.
    fn default() -> Self {
        FetchConfig {
            concurrency: 16,
            per_host: 2,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body: 10 * 1024 * 1024,
            interval: Duration::from_secs(15 * 60),
            adaptive: false,
            min_interval: Duration::from_secs(5 * 60),
            max_interval: Duration::from_secs(6 * 3600),
        }
    }
}

/// The validated configuration the program runs on.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this came from.
    pub source: PathBuf,
    /// Store directory from `[store] path`, already resolved against the file's directory.
    pub store_path: Option<PathBuf>,
    /// `[api] socket`, already resolved against the file's directory; the store's
    /// directory holds it when unset.
    pub api_socket: Option<PathBuf>,
    /// `[api] listen`: where `/metrics`, `/healthz` and `/feed.atom` are served; off when unset.
    pub api_listen: Option<std::net::SocketAddr>,
    /// `[store] dedup_window`: how long an article can be matched by likeness.
    pub dedup_window: Duration,
    /// `[store] keep`: articles fetched longer ago are pruned daily; `None` keeps them all.
    pub keep: Option<Duration>,
    /// `[store] backups`: daily backups the daemon keeps in the store's `backups/` (0: none).
    pub backups: usize,
    /// Fetch bounds.
    pub fetch: FetchConfig,
    /// Feeds in file order.
    pub feeds: Vec<Feed>,
    /// Languages detection may choose from (ISO 639-1), including those feeds and topics name.
    pub languages: Vec<String>,
    /// Topic definitions, in file order (empty: the built-in topic applies).
    pub topics: Vec<TopicConfig>,
    /// The daily digest, when the file has a `[digest]`.
    pub digest: Option<DigestConfig>,
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
        let file: file::FileConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let mut message = e.message().trim().to_string();
            if let Some(table) = table_at(text, offset) {
                message = format!("{message} in {table}");
            }
            invalid(vec![Problem {
                line: line_of(text, offset),
                message,
            }])
        })?;
        validate::validate(file, text, path).map_err(invalid)
    }
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The `[table]` or `[[array]]` whose header is the last before a byte offset, by the
/// parser's spans of the headers, for messages.
fn table_at(text: &str, offset: usize) -> Option<String> {
    let document = DeTable::parse(text).ok()?;
    let mut headers: Vec<(usize, String)> = Vec::new();
    collect_headers(document.get_ref(), "", &mut headers);
    // Inline tables (`phrases = { … }`) have no header of their own.
    headers.retain(|(start, _)| text[*start..].starts_with('['));
    headers
        .into_iter()
        .filter(|(start, _)| *start <= offset)
        .max_by_key(|(start, _)| *start)
        .map(|(_, name)| name)
}

/// Every table header below `table` (`[a]`, `[a.b]`, `[[a.c]]`) with where it starts.
fn collect_headers(table: &DeTable, prefix: &str, out: &mut Vec<(usize, String)>) {
    for (key, value) in table {
        let name = format!("{prefix}{}", key.get_ref());
        match value.get_ref() {
            DeValue::Table(inner) => {
                out.push((value.span().start, format!("[{name}]")));
                collect_headers(inner, &format!("{name}."), out);
            }
            DeValue::Array(items) => {
                for item in items.iter() {
                    if let DeValue::Table(inner) = item.get_ref() {
                        out.push((item.span().start, format!("[[{name}]]")));
                        collect_headers(inner, &format!("{name}."), out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RequestLimits, SourceKind};

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
        let digest = config.digest.expect("the shipped config sends a digest");
        assert_eq!(digest.time, jiff::civil::Time::constant(7, 0, 0, 0));
        assert_eq!(digest.zone.iana_name(), Some("Asia/Ho_Chi_Minh"));
        assert_eq!(digest.topic.as_deref(), Some(topic::BUILTIN_TOPIC));
        assert!(matches!(
            digest.sinks[..],
            [SinkConfig {
                kind: SinkKind::File {
                    dir: None,
                    format: DigestFormat::Html
                },
                ..
            }]
        ));
    }

    #[test]
    fn a_template_override_that_does_not_compile_names_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("digest.html"),
            "<h1>{{ digest.title }}</h1>\n<p>{% for s in digest.stories %}</p>\n",
        )
        .unwrap();
        let text = format!(
            "[digest]\ntemplates = \"{}\"\n[[digest.sink]]\nkind = \"file\"\n",
            dir.path().display()
        );
        let p = problems(&text);
        assert_eq!(p[0].line, 2, "{p:?}");
        assert!(p[0].message.contains("digest.html: line 2"), "{}", p[0].message);
        let p =
            problems("[digest]\ntemplates = \"/nonexistent/templates\"\n[[digest.sink]]\nkind = \"file\"\n");
        assert!(p[0].message.contains("is not a folder"), "{p:?}");
    }

    #[test]
    fn digest_keys_are_checked_with_their_lines() {
        let text = "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[digest]\ntime = \"25:00\"\ntimezone = \"Mars/Olympus_Mons\"\nlocale = \"de\"\ntopic = \"sports\"\nmax_stories = 0\n\n[[digest.sink]]\nkind = \"carrier-pigeon\"\n\n[[digest.sink]]\nkind = \"file\"\nformat = \"pdf\"\n";
        let p = problems(text);
        let located: Vec<(usize, bool)> = p.iter().map(|p| (p.line, true)).collect();
        assert_eq!(
            located.iter().map(|l| l.0).collect::<Vec<_>>(),
            vec![6, 7, 8, 9, 10, 13, 17],
            "{p:?}"
        );
        assert!(
            p[0].message.contains("'25:00' is not a time of day"),
            "{}",
            p[0].message
        );
        assert!(p[1].message.contains("Mars/Olympus_Mons"), "{}", p[1].message);
        assert!(p[2].message.contains("locale 'de'"), "{}", p[2].message);
        assert!(p[3].message.contains("topic 'sports'"), "{}", p[3].message);
        assert!(p[4].message.contains("max_stories"), "{}", p[4].message);
        assert!(p[5].message.contains("carrier-pigeon"), "{}", p[5].message);
        assert!(p[6].message.contains("format 'pdf'"), "{}", p[6].message);
        let p = problems("[digest]\ntime = \"07:00\"\n");
        assert_eq!(
            (p[0].line, p[0].message.contains("no [[digest.sink]]")),
            (1, true),
            "{p:?}"
        );
        let p = problems("[digest]\ntime = \"07:00\"\n[[digest.sink]]\nkind = \"file\"\nsmtp = \"x\"\n");
        assert_eq!(p[0].line, 5, "{p:?}");
        assert!(
            p[0].message.contains("smtp") && p[0].message.contains("[[digest.sink]]"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn sinks_of_every_kind_are_read_and_their_secrets_masked() {
        std::env::set_var("TW_UNIT_SMTP_PASSWORD", "hunter2-secret");
        let text = "[digest]\n[[digest.sink]]\nkind = \"webhook\"\nurl = \"https://chat.example/hook\"\nformat = \"teams\"\n\n[[digest.sink]]\nkind = \"email\"\nsmtp = \"smtp://mail.example:587?tls=required\"\nfrom = \"treatywatch <digest@example.org>\"\nto = [\"a@example.org\", \"a@example.org\", \"b@example.org\"]\nuser = \"digest\"\npassword_env = \"TW_UNIT_SMTP_PASSWORD\"\n";
        let p = problems(text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].line, 5);
        assert!(p[0]
            .message
            .contains("format 'teams' is not json, slack, discord, matrix or ntfy"));
        let config = Config::parse(&text.replace("teams", "slack"), Path::new("feeds.toml")).unwrap();
        let digest = config.digest.unwrap();
        let SinkKind::Email {
            server, to, login, ..
        } = &digest.sinks[1].kind
        else {
            panic!("{:?}", digest.sinks[1]);
        };
        assert_eq!(server.to_string(), "smtp://mail.example:587?tls=required");
        assert_eq!(server.tls, SmtpTls::Required);
        assert_eq!(to.len(), 2, "a recipient listed twice gets one message");
        assert_eq!(login.as_ref().map(|l| l.0.as_str()), Some("digest"));
        let dumped = format!("{digest:?}");
        assert!(!dumped.contains("hunter2") && dumped.contains("***"), "{dumped}");
        assert_eq!(
            digest.sinks[0].name,
            format!(
                "webhook:https://chat.example…#{:08x}",
                crate::fingerprint::short_hash(b"https://chat.example/hook")
            )
        );
        for (url, port, tls) in [
            ("smtp://mail.example", 25, SmtpTls::Opportunistic),
            ("smtps://mail.example", 465, SmtpTls::Wrapper),
            ("smtp://[::1]:2525", 2525, SmtpTls::Opportunistic),
        ] {
            let server = digest::parse_smtp_url(url).unwrap();
            assert_eq!((server.port, server.tls), (port, tls), "{url}");
        }
        assert!(digest::parse_smtp_url("smtps://mail.example?tls=opportunistic").is_err());
        assert!(digest::parse_smtp_url("smtp://mail.example/inbox").is_err());
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
    fn the_api_socket_is_relative_to_the_file() {
        let c = Config::parse(
            "[api]\nsocket = \"run/tw.sock\"\n",
            Path::new("/etc/tw/feeds.toml"),
        )
        .unwrap();
        assert_eq!(c.api_socket, Some(PathBuf::from("/etc/tw/run/tw.sock")));
        assert_eq!(
            Config::parse("", Path::new("/etc/tw/feeds.toml"))
                .unwrap()
                .api_socket,
            None
        );
        let p = problems("[api]\nsockets = \"x\"\n");
        assert_eq!(p[0].line, 2, "{p:?}");
        assert!(p[0].message.contains("sockets"), "{p:?}");
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
    fn a_feeds_timezone_is_checked_at_its_line() {
        let good = parse(
            "[[feed]]\nname = \"vn\"\nurl = \"https://vn.example/\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n",
        )
        .unwrap();
        assert_eq!(
            crate::pipeline::dates::feed_zone(&good.feeds[0]),
            jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap()
        );
        let default =
            parse("[[feed]]\nname = \"ru\"\nurl = \"https://ru.example/\"\nlanguage = \"ru\"\n").unwrap();
        assert_eq!(
            crate::pipeline::dates::feed_zone(&default.feeds[0]),
            jiff::tz::TimeZone::get("Europe/Moscow").unwrap()
        );
        let p = problems(
            "[[feed]]\nname = \"vn\"\nurl = \"https://vn.example/\"\ntimezone = \"Asia/Hanoi_City\"\n",
        );
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 4);
        assert!(
            p[0].message.contains("'timezone' of feed 'vn'"),
            "{}",
            p[0].message
        );
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

        // A topic's actors: each needs a spelling.
        let text = "[[topic]]\nname = \"t\"\nphrases = { en = [\"treaty\"] }\nactors = { waly = [\"Ghada Waly\", \"غادة والي\"] }\n";
        assert_eq!(parse(text).unwrap().topics[0].actors["waly"].len(), 2);
        let p =
            problems("[[topic]]\nname = \"t\"\nphrases = { en = [\"treaty\"] }\nactors = { waly = [] }\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].line, 1);
        assert!(p[0].message.contains("actor 'waly'"), "{}", p[0].message);
    }

    #[test]
    fn fetch_counts_and_unknown_fetch_keys_are_located() {
        let p =
            problems("[store]\npath = \"x\"\n\n[fetch]\ntimeout = \"5s\"\nper_host = 0\nconcurrency = 0\n");
        let located: Vec<(usize, &str)> = p.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            located,
            [
                (6, "[fetch] per_host must be at least 1"),
                (7, "[fetch] concurrency must be at least 1")
            ]
        );
        let p = problems("[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[fetch]\nconcurency = 4\n");
        assert_eq!(p[0].line, 6);
        assert!(
            p[0].message.contains("concurency") && p[0].message.ends_with("in [fetch]"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn error_display_is_file_line_message() {
        let err = parse("[[feed]]\nname = \"a\"\nurl = 3\n").unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("feeds.toml:3: "), "{shown}");
    }
}
