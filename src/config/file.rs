//! The file as the user writes it: plain serde structs that refuse unknown keys, with every
//! value that validation may complain about kept `Spanned`, so that a problem names its line
//! from the parser's own spans. A new section gets located errors by spanning its fields.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::topic::TopicConfig;
use super::values::{ByteSize, HumanDuration};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    /// Where the store lives.
    #[serde(default)]
    pub(super) store: StoreFile,
    /// How feeds are fetched.
    #[serde(default)]
    pub(super) fetch: FetchFile,
    /// The sources to watch.
    #[serde(default, rename = "feed")]
    pub(super) feeds: Vec<FeedFile>,
    /// Language detection.
    #[serde(default)]
    pub(super) language: LanguageFile,
    /// What articles are about; the built-in convention topic when none is given. Each span is
    /// its `[[topic]]` header.
    #[serde(default, rename = "topic")]
    pub(super) topics: Vec<Spanned<TopicConfig>>,
    /// The daily digest; none is sent without it.
    pub(super) digest: Option<Spanned<DigestFile>>,
    /// The daemon's local API.
    #[serde(default)]
    pub(super) api: ApiFile,
}

/// `[api]`: where the daemon answers the CLI.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApiFile {
    /// The Unix socket; relative paths are taken from the config file's directory.
    pub(super) socket: Option<PathBuf>,
    /// `host:port` for `/metrics`, `/healthz` and `/feed.atom` over TCP; off when absent.
    pub(super) listen: Option<Spanned<String>>,
}

/// `[digest]`: when the daily digest goes out, what it holds, in which words.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DigestFile {
    /// Local time of day, `"HH:MM"`.
    pub(super) time: Option<Spanned<String>>,
    /// IANA time zone name; the system's when absent.
    pub(super) timezone: Option<Spanned<String>>,
    /// Only stories about this topic; every topic when absent.
    pub(super) topic: Option<Spanned<String>>,
    /// The digest's own words: one of the seven locales.
    pub(super) locale: Option<Spanned<String>>,
    /// Whether an empty day still gets a short "nothing new" digest.
    pub(super) send_empty: Option<bool>,
    /// Stories listed in full; the rest by title only.
    pub(super) max_stories: Option<Spanned<usize>>,
    /// A directory whose `digest.txt`, `digest.md`, `digest.html` replace the shipped templates.
    pub(super) templates: Option<Spanned<PathBuf>>,
    /// How long a failing delivery is retried before it is given up.
    pub(super) give_up: Option<Spanned<HumanDuration>>,
    /// Where it goes. Each span is its `[[digest.sink]]` header.
    #[serde(default)]
    pub(super) sink: Vec<Spanned<SinkFile>>,
}

/// `[[digest.sink]]`: one place a digest goes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SinkFile {
    /// `file` (one file per digest), `webhook` (an HTTP POST) or `email` (SMTP).
    pub(super) kind: Spanned<String>,
    /// Email: the server, `smtp://host[:port][?tls=required]` or `smtps://host[:port]`.
    pub(super) smtp: Option<Spanned<String>>,
    /// Email: the sender, `Name <address>`.
    pub(super) from: Option<Spanned<String>>,
    /// Email: the recipients (one address or a list).
    pub(super) to: Option<Spanned<OneOrMany>>,
    /// Email: the SMTP login.
    pub(super) user: Option<Spanned<String>>,
    /// Email: the environment variable holding the SMTP password.
    pub(super) password_env: Option<Spanned<String>>,
    /// Email: the file holding the SMTP password (systemd `LoadCredential=`).
    pub(super) password_file: Option<Spanned<PathBuf>>,
    /// Webhooks: where to POST.
    pub(super) url: Option<Spanned<String>>,
    /// Webhooks: the environment variable holding the signing secret.
    pub(super) secret_env: Option<Spanned<String>>,
    /// Webhooks: the file holding the signing secret (systemd `LoadCredential=`).
    pub(super) secret_file: Option<Spanned<PathBuf>>,
    /// Files: the directory (relative to the config's); the store's `digests` folder when
    /// absent.
    pub(super) dir: Option<PathBuf>,
    /// Files: `html`, `markdown`, `text` or `json`; webhooks: `json`, `slack`, `discord`,
    /// `matrix` or `ntfy`.
    pub(super) format: Option<Spanned<String>>,
    /// This sink's own topic.
    pub(super) topic: Option<Spanned<String>>,
    /// This sink's own locale.
    pub(super) locale: Option<Spanned<String>>,
}

/// One string or a list of them (`to = "a@b"` or `to = ["a@b", "c@d"]`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// Each of them.
    pub(super) fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(one) => vec![one.as_str()],
            OneOrMany::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }
}

/// `[store]`: where the sled database lives.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StoreFile {
    /// Directory of the store; relative paths are taken from the config file's directory.
    pub(super) path: Option<PathBuf>,
    /// How long an article stays findable by likeness (the near-duplicate index's window).
    pub(super) dedup_window: Option<Spanned<HumanDuration>>,
    /// How long articles are kept after they were fetched; forever when absent.
    pub(super) keep: Option<Spanned<HumanDuration>>,
    /// Daily backups the daemon keeps (0: none).
    pub(super) backups: Option<usize>,
}

/// `[fetch]`: politeness and bounds for every HTTP request; what is left out takes the
/// defaults of [`super::FetchConfig`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FetchFile {
    /// Requests in flight at once, over all hosts.
    pub(super) concurrency: Option<Spanned<usize>>,
    /// Requests in flight at once to one host.
    pub(super) per_host: Option<Spanned<usize>>,
    /// Limit on a whole request, from connecting to the last body byte.
    pub(super) timeout: Option<HumanDuration>,
    /// Limit on establishing the connection (TCP and TLS).
    pub(super) connect_timeout: Option<HumanDuration>,
    /// Largest body accepted, counted after decompression.
    pub(super) max_body: Option<ByteSize>,
    /// How often each feed is polled, unless it says otherwise.
    pub(super) interval: Option<Spanned<HumanDuration>>,
    /// Whether intervals follow how often each feed really publishes.
    pub(super) adaptive: Option<bool>,
    /// Shortest adaptive interval.
    pub(super) min_interval: Option<Spanned<HumanDuration>>,
    /// Longest adaptive interval.
    pub(super) max_interval: Option<Spanned<HumanDuration>>,
}

/// `[[feed]]`: one source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FeedFile {
    /// Unique name, used in logs, the CLI and the store.
    pub(super) name: Spanned<String>,
    /// Address of the feed (http or https).
    pub(super) url: Spanned<String>,
    /// Language hint (ISO 639-1), used when detection is unsure.
    pub(super) language: Option<Spanned<String>>,
    /// The IANA zone of times the source writes without a zone.
    pub(super) timezone: Option<Spanned<String>>,
    /// Overrides `[fetch] interval`.
    pub(super) interval: Option<Spanned<HumanDuration>>,
    /// Overrides `[fetch] adaptive`.
    pub(super) adaptive: Option<bool>,
    /// Overrides `[fetch] min_interval`.
    pub(super) min_interval: Option<Spanned<HumanDuration>>,
    /// Overrides `[fetch] max_interval`.
    pub(super) max_interval: Option<Spanned<HumanDuration>>,
    /// Overrides `[fetch] timeout`.
    pub(super) timeout: Option<HumanDuration>,
    /// Overrides `[fetch] max_body`.
    pub(super) max_body: Option<ByteSize>,
    /// `feed` (the default) or `page`.
    pub(super) kind: Option<Spanned<KindFile>>,
    /// Pages: CSS selector of the article links.
    pub(super) link_selector: Option<Spanned<String>>,
    /// Pages: URL patterns an article link must match.
    pub(super) include: Option<Spanned<Vec<String>>>,
    /// Pages: URL patterns an article link must not match.
    pub(super) exclude: Option<Spanned<Vec<String>>>,
    /// Feeds: fetch each new item's page for its full text.
    pub(super) fetch_full: Option<Spanned<bool>>,
    /// Hosts besides the source's own whose links may be followed.
    pub(super) follow_hosts: Option<Spanned<Vec<String>>>,
}

/// `kind` of a `[[feed]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum KindFile {
    Feed,
    Page,
}

/// `[language]`: which languages detection may choose from.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LanguageFile {
    /// ISO 639-1 codes (default: [`super::DEFAULT_LANGUAGES`]); feed `language` hints and
    /// topic languages are added to these.
    pub(super) allow: Option<Vec<Spanned<String>>>,
}
