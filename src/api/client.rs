//! The CLI's side of the local API: the same query-layer views, read from a running daemon.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::{FilterParams, Health, API_VERSION};
use crate::pipeline::fetch::{error_chain, install_crypto_provider};
use crate::query::{ArticleKey, ArticleView, FeedView, PollView, StoryView, UndeliveredView};
use crate::store::ArticleFilter;

/// How long the CLI waits for the daemon's answer: reads are quick, a hung daemon is not.
const TIMEOUT: Duration = Duration::from_secs(30);

/// How long `poll` waits for the daemon's refreshes (a thousand feeds within the fetch limits).
const POLL_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Why the daemon could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The daemon speaks another version of the API.
    #[error("the daemon on {socket} speaks API {daemon}, this treatywatch {API_VERSION}: run the same release of both")]
    Version {
        /// The socket.
        socket: PathBuf,
        /// What the daemon said (a number, or that it has no `/v1/`).
        daemon: String,
    },
    /// The request failed or timed out.
    #[error("the daemon on {socket} did not answer: {message}")]
    Unreachable {
        /// The socket.
        socket: PathBuf,
        /// What failed.
        message: String,
    },
    /// The daemon answered with an error.
    #[error("the daemon on {socket} answered {status}: {message}")]
    Failed {
        /// The socket.
        socket: PathBuf,
        /// The HTTP status.
        status: u16,
        /// Its error message.
        message: String,
    },
}

/// What is at a socket path.
pub enum Found {
    /// A daemon of this API version answers.
    Daemon(ApiClient),
    /// Nothing: no file there.
    Absent,
    /// A socket file nobody answers on (a daemon that was killed), with what failed.
    Stale(String),
}

/// A connection to a running daemon's API.
pub struct ApiClient {
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    socket: PathBuf,
    /// What `/v1/health` said.
    pub health: Health,
}

impl ApiClient {
    /// Looks for a daemon on `socket`; a daemon of another API version is an error.
    pub fn find(socket: &Path) -> Result<Found, ClientError> {
        if !socket.exists() {
            return Ok(Found::Absent);
        }
        let unreachable = |message: String| ClientError::Unreachable {
            socket: socket.to_path_buf(),
            message,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        install_crypto_provider();
        // The client's connector is made on a runtime.
        let _entered = runtime.enter();
        let http = reqwest::Client::builder()
            .unix_socket(socket)
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        let probe = runtime.block_on(http.get("http://daemon/v1/health").send());
        let response = match probe {
            Ok(r) => r,
            Err(e) if e.is_connect() => return Ok(Found::Stale(error_chain(&e))),
            Err(e) => return Err(unreachable(error_chain(&e))),
        };
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(ClientError::Version {
                socket: socket.to_path_buf(),
                daemon: "another version (it has no /v1/)".into(),
            });
        }
        let body = runtime
            .block_on(response.bytes())
            .map_err(|e| unreachable(error_chain(&e)))?;
        let health: Health =
            serde_json::from_slice(&body).map_err(|e| unreachable(format!("bad health answer: {e}")))?;
        if health.api != API_VERSION {
            return Err(ClientError::Version {
                socket: socket.to_path_buf(),
                daemon: health.api.to_string(),
            });
        }
        Ok(Found::Daemon(ApiClient {
            http,
            runtime,
            socket: socket.to_path_buf(),
            health,
        }))
    }

    /// The socket it talks to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    fn get<T: DeserializeOwned>(&self, path: &str, params: Option<&FilterParams>) -> Result<T, ClientError> {
        self.get_with(path, params, None)
    }

    fn get_with<T: DeserializeOwned>(
        &self,
        path: &str,
        params: Option<&FilterParams>,
        text: Option<&str>,
    ) -> Result<T, ClientError> {
        let url = request_url(path, params, text);
        self.send(self.http.get(url.as_str()), path)
    }

    /// Sends `request` and reads its JSON answer; an error status becomes `Failed` with the
    /// daemon's message.
    fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        path: &str,
    ) -> Result<T, ClientError> {
        let unreachable = |e: reqwest::Error| ClientError::Unreachable {
            socket: self.socket.clone(),
            message: error_chain(&e),
        };
        let (status, body) = self
            .runtime
            .block_on(async {
                let response = request.send().await?;
                let status = response.status();
                Ok::<_, reqwest::Error>((status, response.bytes().await?))
            })
            .map_err(unreachable)?;
        if !status.is_success() {
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            return Err(ClientError::Failed {
                socket: self.socket.clone(),
                status: status.as_u16(),
                message,
            });
        }
        serde_json::from_slice(&body).map_err(|e| ClientError::Unreachable {
            socket: self.socket.clone(),
            message: format!("bad answer to {path}: {e}"),
        })
    }

    /// `query::articles`, from the daemon.
    pub fn articles(&self, filter: &ArticleFilter) -> Result<Vec<ArticleView>, ClientError> {
        self.get("/v1/articles", Some(&FilterParams::from(filter)))
    }

    /// `query::article`, from the daemon.
    pub fn article(&self, key: &ArticleKey) -> Result<Option<ArticleView>, ClientError> {
        let key = match key {
            ArticleKey::Id(id) => id.to_string(),
            ArticleKey::Url(url) => url.to_string(),
        };
        // One path segment: a URL's slashes are escaped.
        let segment: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
        match self.get(&format!("/v1/articles/{segment}"), None) {
            Ok(view) => Ok(Some(view)),
            Err(ClientError::Failed { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `query::stories`, from the daemon.
    pub fn stories(&self, filter: &ArticleFilter) -> Result<Vec<StoryView>, ClientError> {
        self.get("/v1/stories", Some(&FilterParams::from(filter)))
    }

    /// `query::story`, from the daemon.
    pub fn story(&self, id: u64) -> Result<Option<StoryView>, ClientError> {
        match self.get(&format!("/v1/stories/{id}"), None) {
            Ok(view) => Ok(Some(view)),
            Err(ClientError::Failed { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Asks the daemon to poll one feed (or all) now, and waits for what each refresh did.
    pub fn poll(&self, feed: Option<&str>) -> Result<Vec<PollView>, ClientError> {
        let mut url = url::Url::parse("http://daemon/v1/poll").expect("a valid literal URL");
        if let Some(feed) = feed {
            url.query_pairs_mut().append_pair("feed", feed);
        }
        // Every feed's refresh is bounded by its fetch timeouts; this only stops a wedged wait.
        self.send(self.http.post(url.as_str()).timeout(POLL_TIMEOUT), "/v1/poll")
    }

    /// `query::feeds` of the daemon's own feeds.
    pub fn feeds(&self) -> Result<Vec<FeedView>, ClientError> {
        self.get("/v1/feeds", None)
    }

    /// `query::search`, from the daemon.
    pub fn search(&self, text: &str, filter: &ArticleFilter) -> Result<Vec<ArticleView>, ClientError> {
        self.get_with("/v1/search", Some(&FilterParams::from(filter)), Some(text))
    }

    /// Has the daemon's digest timer send, resend or preview a digest.
    pub fn digest(&self, action: &crate::api::DigestAction) -> Result<crate::api::DigestReport, ClientError> {
        let request = self
            .http
            .post("http://daemon/v1/digest")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(action).expect("actions always serialize"))
            // Bounded by each sink's own timeouts; this only stops a wedged wait.
            .timeout(POLL_TIMEOUT);
        self.send(request, "/v1/digest")
    }

    /// Every digest record, newest first, from the daemon.
    pub fn digests(&self) -> Result<Vec<crate::store::DigestRecord>, ClientError> {
        self.get("/v1/digests", None)
    }

    /// Has the daemon compact its store now.
    pub fn compact(&self) -> Result<crate::store::compact::Compacted, ClientError> {
        // Compaction copies every record; a large store takes a while, never this long.
        self.send(
            self.http.post("http://daemon/v1/compact").timeout(POLL_TIMEOUT),
            "/v1/compact",
        )
    }

    /// A snapshot of the daemon's store, written to `out` as it arrives.
    pub fn backup(&self, out: &mut impl std::io::Write) -> Result<(), ClientError> {
        let failed = |message: String| ClientError::Unreachable {
            socket: self.socket.clone(),
            message,
        };
        self.runtime.block_on(async {
            let mut response = self
                .http
                .get("http://daemon/v1/backup")
                .timeout(POLL_TIMEOUT)
                .send()
                .await
                .map_err(|e| failed(error_chain(&e)))?;
            while let Some(chunk) = response.chunk().await.map_err(|e| failed(error_chain(&e)))? {
                out.write_all(&chunk).map_err(|e| failed(e.to_string()))?;
            }
            Ok(())
        })
    }

    /// `query::export`, from the daemon: each article as it arrives.
    pub fn export(
        &self,
        filter: &ArticleFilter,
        mut visit: impl FnMut(ArticleView) -> std::io::Result<()>,
    ) -> Result<(), ClientError> {
        let url = request_url("/v1/export", Some(&FilterParams::from(filter)), None);
        let failed = |message: String| ClientError::Unreachable {
            socket: self.socket.clone(),
            message,
        };
        self.runtime.block_on(async {
            let mut response = self
                .http
                .get(url.as_str())
                .send()
                .await
                .map_err(|e| failed(error_chain(&e)))?;
            let mut pending: Vec<u8> = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| failed(error_chain(&e)))? {
                pending.extend_from_slice(&chunk);
                while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let view: ArticleView =
                        serde_json::from_slice(&line).map_err(|e| failed(format!("bad export line: {e}")))?;
                    visit(view).map_err(|e| failed(e.to_string()))?;
                }
            }
            if !pending.is_empty() {
                return Err(failed("the export ended mid-line".into()));
            }
            Ok(())
        })
    }

    /// `query::stats`, from the daemon.
    pub fn stats(&self) -> Result<crate::store::StoreStats, ClientError> {
        self.get("/v1/stats", None)
    }

    /// `query::check`, from the daemon.
    pub fn check(&self) -> Result<crate::store::StoreCheck, ClientError> {
        self.get("/v1/check", None)
    }

    /// `query::undelivered`, from the daemon.
    pub fn undelivered(&self) -> Result<Vec<UndeliveredView>, ClientError> {
        self.get("/v1/undelivered", None)
    }
}

/// The URL of a request to the daemon: `path`, the search text as `q`, the filter's fields.
fn request_url(path: &str, params: Option<&FilterParams>, text: Option<&str>) -> url::Url {
    let mut url = url::Url::parse("http://daemon/").expect("a valid base");
    url.set_path(path);
    let mut pairs = url.query_pairs_mut();
    if let Some(q) = text {
        pairs.append_pair("q", q);
    }
    if let Some(p) = params {
        for (key, value) in [
            ("lang", p.lang.clone()),
            ("feed", p.feed.clone()),
            ("topic", p.topic.clone()),
            ("since", p.since.map(|t| t.to_rfc3339())),
            ("limit", p.limit.map(|l| l.to_string())),
        ] {
            if let Some(value) = value {
                pairs.append_pair(key, &value);
            }
        }
    }
    drop(pairs);
    // No parameters: no empty `?`.
    if url.query() == Some("") {
        url.set_query(None);
    }
    url
}
