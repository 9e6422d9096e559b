//! The daemon's local API: HTTP over a Unix socket, so that the CLI reads the store while the
//! daemon holds it (sled admits one process). Versioned JSON under `/v1/`; every answer is
//! what the query layer gives the CLI when it opens the store itself, so both print alike.
//! [`web`] is the other listener: metrics, health and the coverage as Atom, over TCP.

pub mod atom;
pub mod client;
pub mod web;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

pub use crate::digest::desk::{DigestAction, DigestRefused, DigestReport};
use crate::events::RefreshSummary;
use crate::model::Feed;
use crate::query::{self, ArticleKey};
use crate::store::compact::{Compacted, Policy};
use crate::store::{ArticleFilter, StoreError, StoreHandle};

/// The API version this build speaks: the `/v1/` of every path, and `api` in `/v1/health`.
pub const API_VERSION: u32 = 1;

/// The socket's file name in the store's directory when `[api] socket` is not set.
pub const DEFAULT_SOCKET_NAME: &str = "api.sock";

/// Where the API listens: `[api] socket`, else `api.sock` in the store's directory (the CLI
/// finds it from the same config or `--store`).
pub fn socket_path(configured: Option<&Path>, store_dir: &Path) -> PathBuf {
    configured.map_or_else(|| store_dir.join(DEFAULT_SOCKET_NAME), Path::to_path_buf)
}

/// Why the API could not start.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Another process answers on the socket: a second daemon on this store.
    #[error("another daemon answers on {0}")]
    InUse(PathBuf),
    /// Binding or setting up the socket failed.
    #[error("cannot listen on {path}: {source}")]
    Bind {
        /// The socket.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// Binds the socket, mode 0660 (the daemon's user and group), replacing a stale one that a
/// killed daemon left behind.
pub fn bind(path: &Path) -> Result<UnixListener, ApiError> {
    let bind_error = |source| ApiError::Bind {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(ApiError::InUse(path.to_path_buf()));
        }
        std::fs::remove_file(path).map_err(bind_error)?;
    }
    let listener = UnixListener::bind(path).map_err(bind_error)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)).map_err(bind_error)?;
    Ok(listener)
}

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// The open store.
    pub store: StoreHandle,
    /// The feeds the daemon runs (replaced on reload).
    pub feeds: Arc<RwLock<Vec<Feed>>>,
    /// To the scheduler, which polls the feeds asked for at once and answers on the request's
    /// reply channel; closed when the scheduler stops (the API then answers 503).
    pub poll: mpsc::Sender<PollRequest>,
    /// To the digest timer, which makes, resends and previews digests one at a time with its
    /// own deliveries, so that no copy goes out twice.
    pub digest: mpsc::Sender<DigestRequest>,
    /// Where what the API does besides reading (a compaction) is logged and counted.
    pub events: crate::events::Events,
}

/// A digest action and where its answer goes.
pub struct DigestRequest {
    /// What to do.
    pub action: DigestAction,
    /// Receives what was done, or why not.
    pub reply: oneshot::Sender<Result<DigestReport, DigestRefused>>,
}

/// A request to poll now: one feed by name, or all.
pub struct PollRequest {
    /// The feed, or `None` for every feed.
    pub feed: Option<String>,
    /// Receives each refresh's summary once all are done, in the config's order, or why none
    /// could start (no such feed).
    pub reply: oneshot::Sender<Result<Vec<RefreshSummary>, String>>,
}

/// Serves the API on `listener` until `shutdown`, then removes the socket.
pub async fn serve(listener: UnixListener, path: PathBuf, state: ApiState, shutdown: CancellationToken) {
    let app = router(state);
    let stop = shutdown.clone();
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
    {
        tracing::error!(error = %e, socket = %path.display(), "local API stopped");
    }
    let _ = std::fs::remove_file(&path);
}

/// The routes of `/v1/`.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/articles", get(articles))
        .route("/v1/articles/{key}", get(article))
        .route("/v1/stories", get(stories))
        .route("/v1/stories/{id}", get(story))
        .route("/v1/feeds", get(feeds))
        .route("/v1/undelivered", get(undelivered))
        .route("/v1/stats", get(stats))
        .route("/v1/check", get(check))
        .route("/v1/search", get(search))
        .route("/v1/export", get(export))
        .route("/v1/poll", post(poll))
        .route("/v1/backup", get(backup))
        .route("/v1/compact", post(compact))
        .route("/v1/digests", get(digests))
        .route("/v1/digest", post(digest))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .with_state(state)
}

/// The largest request body the API reads: its only body, a digest action, is a few bytes.
pub const MAX_REQUEST_BODY: usize = 64 * 1024;

/// What `/v1/health` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// The API version the daemon speaks.
    pub api: u32,
    /// The daemon's release.
    pub version: String,
    /// The store it holds.
    pub store: PathBuf,
    /// Whether that store is failing its writes (a full disk, a read-only directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_trouble: Option<crate::store::StoreTrouble>,
}

/// The filter of `/v1/articles` and `/v1/stories`, as query parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterParams {
    /// Only this language.
    pub lang: Option<String>,
    /// Only from this feed.
    pub feed: Option<String>,
    /// Only about this topic.
    pub topic: Option<String>,
    /// Only since this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// `/v1/search`: the text, and the filter of `/v1/articles`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchParams {
    /// What to look for.
    pub q: String,
    /// Only this language.
    pub lang: Option<String>,
    /// Only from this feed.
    pub feed: Option<String>,
    /// Only about this topic.
    pub topic: Option<String>,
    /// Only since this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// At most this many.
    pub limit: Option<usize>,
}

impl SearchParams {
    /// The text and the filter apart.
    fn split(self) -> (String, ArticleFilter) {
        let filter = ArticleFilter::from(FilterParams {
            lang: self.lang,
            feed: self.feed,
            topic: self.topic,
            since: self.since,
            limit: self.limit,
        });
        (self.q, filter)
    }
}

impl From<FilterParams> for ArticleFilter {
    fn from(p: FilterParams) -> ArticleFilter {
        ArticleFilter {
            lang: p.lang,
            feed: p.feed,
            topic: p.topic,
            since: p.since,
            limit: p.limit,
        }
    }
}

impl From<&ArticleFilter> for FilterParams {
    fn from(f: &ArticleFilter) -> FilterParams {
        FilterParams {
            lang: f.lang.clone(),
            feed: f.feed.clone(),
            topic: f.topic.clone(),
            since: f.since,
            limit: f.limit,
        }
    }
}

/// An error answer: its status and `{"error": …}`.
struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        tracing::error!(error = %e, "local API: store read failed");
        Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

async fn health(State(state): State<ApiState>) -> Json<Health> {
    Json(Health {
        api: API_VERSION,
        version: env!("CARGO_PKG_VERSION").to_string(),
        store: state.store.path(),
        store_trouble: state.store.trouble(),
    })
}

async fn articles(
    State(state): State<ApiState>,
    Query(params): Query<FilterParams>,
) -> Result<Json<Vec<query::ArticleView>>, Failure> {
    let filter = ArticleFilter::from(params);
    Ok(Json(
        state.store.call(move |s| query::articles(s, &filter)).await?,
    ))
}

async fn article(
    State(state): State<ApiState>,
    UrlPath(key): UrlPath<String>,
) -> Result<Json<query::ArticleView>, Failure> {
    let parsed = match key.parse::<u64>() {
        Ok(id) => ArticleKey::Id(id),
        Err(_) => match url::Url::parse(&key) {
            Ok(url) => ArticleKey::Url(url),
            Err(e) => {
                return Err(Failure(
                    StatusCode::BAD_REQUEST,
                    format!("{key}: neither an id nor a URL: {e}"),
                ))
            }
        },
    };
    match state.store.call(move |s| query::article(s, &parsed)).await? {
        Some(view) => Ok(Json(view)),
        None => Err(Failure(StatusCode::NOT_FOUND, format!("no article {key}"))),
    }
}

async fn stories(
    State(state): State<ApiState>,
    Query(params): Query<FilterParams>,
) -> Result<Json<Vec<query::StoryView>>, Failure> {
    let filter = ArticleFilter::from(params);
    Ok(Json(state.store.call(move |s| query::stories(s, &filter)).await?))
}

async fn story(
    State(state): State<ApiState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<query::StoryView>, Failure> {
    let Ok(number) = id.parse::<u64>() else {
        return Err(Failure(StatusCode::BAD_REQUEST, format!("{id}: not a story id")));
    };
    match state.store.call(move |s| query::story(s, number)).await? {
        Some(view) => Ok(Json(view)),
        None => Err(Failure(StatusCode::NOT_FOUND, format!("no story {id}"))),
    }
}

/// `POST /v1/poll`'s parameters.
#[derive(Debug, Deserialize)]
struct PollParams {
    /// Only this feed.
    feed: Option<String>,
}

async fn poll(
    State(state): State<ApiState>,
    Query(params): Query<PollParams>,
) -> Result<Json<Vec<query::PollView>>, Failure> {
    let (reply, answer) = oneshot::channel();
    let stopped = || Failure(StatusCode::SERVICE_UNAVAILABLE, "the daemon is stopping".into());
    state
        .poll
        .send(PollRequest {
            feed: params.feed,
            reply,
        })
        .await
        .map_err(|_| stopped())?;
    match answer.await.map_err(|_| stopped())? {
        Ok(summaries) => Ok(Json(summaries.iter().map(RefreshSummary::view).collect())),
        Err(message) => Err(Failure(StatusCode::NOT_FOUND, message)),
    }
}

/// `POST /v1/compact`: the store rebuilt from a snapshot of itself now, whatever its size, as
/// the daily upkeep does when it has grown; logged and counted as the upkeep's are.
async fn compact(State(state): State<ApiState>) -> Result<Json<Compacted>, Failure> {
    let started = tokio::time::Instant::now();
    let result = state.store.compact_if_grown(Policy::always()).await;
    let answer = match &result {
        Ok(Some(done)) => Ok(Json(done.clone())),
        Ok(None) => Err(Failure(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store is closed (reopening after a failure); try again".into(),
        )),
        Err(e) => Err(Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    };
    crate::events::CompactFinished {
        took: started.elapsed(),
        result,
    }
    .emit(&state.events);
    answer
}

/// `POST /v1/digest` with a [`DigestAction`] as its JSON body.
async fn digest(
    State(state): State<ApiState>,
    Json(action): Json<DigestAction>,
) -> Result<Json<DigestReport>, Failure> {
    let (reply, answer) = oneshot::channel();
    let stopped = || Failure(StatusCode::SERVICE_UNAVAILABLE, "the daemon is stopping".into());
    state
        .digest
        .send(DigestRequest { action, reply })
        .await
        .map_err(|_| stopped())?;
    match answer.await.map_err(|_| stopped())? {
        Ok(report) => Ok(Json(report)),
        Err(refused @ DigestRefused::NotFound(_)) => Err(Failure(StatusCode::NOT_FOUND, refused.to_string())),
        Err(refused @ DigestRefused::Invalid(_)) => Err(Failure(StatusCode::CONFLICT, refused.to_string())),
        Err(refused @ DigestRefused::Failed(_)) => {
            Err(Failure(StatusCode::INTERNAL_SERVER_ERROR, refused.to_string()))
        }
    }
}

async fn feeds(State(state): State<ApiState>) -> Result<Json<Vec<query::FeedView>>, Failure> {
    let configured = state.feeds.read().map(|f| f.clone()).unwrap_or_default();
    Ok(Json(
        state.store.call(move |s| query::feeds(s, &configured)).await?,
    ))
}

async fn search(
    State(state): State<ApiState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<Vec<query::ArticleView>>, Failure> {
    let (text, filter) = params.split();
    Ok(Json(
        state
            .store
            .call(move |s| query::search(s, &text, &filter))
            .await?,
    ))
}

/// JSON Lines of full articles, streamed as the store is read: an export of a large store
/// never sits in memory.
async fn export(State(state): State<ApiState>, Query(params): Query<FilterParams>) -> Response {
    let filter = ArticleFilter::from(params);
    let (lines, received) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(64);
    let store = match state.store.store() {
        Ok(store) => store,
        Err(e) => return Failure::from(e).into_response(),
    };
    tokio::task::spawn_blocking(move || {
        let sent = query::export(&store, &filter, |view| {
            let mut line = serde_json::to_vec(&view).unwrap_or_default();
            line.push(b'\n');
            // A client that went away ends the scan.
            Ok(lines.blocking_send(Ok(line)).is_ok())
        });
        if let Err(e) = sent {
            tracing::error!(error = %e, "local API: export failed");
            let _ = lines.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let stream =
        futures_util::stream::unfold(
            received,
            |mut r| async move { r.recv().await.map(|item| (item, r)) },
        );
    (
        [(axum::http::header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// Sends chunks of a blocking writer's output to an async body.
struct ChannelWriter(mpsc::Sender<Result<Vec<u8>, std::io::Error>>);

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(buf.to_vec()))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `GET /v1/backup`: a snapshot of the store, streamed as it is written (the format of
/// [`crate::store::backup`]; the client checks its digest).
async fn backup(State(state): State<ApiState>) -> Response {
    let (chunks, received) = mpsc::channel::<Result<Vec<u8>, std::io::Error>>(64);
    let store = match state.store.store() {
        Ok(store) => store,
        Err(e) => return Failure::from(e).into_response(),
    };
    tokio::task::spawn_blocking(move || {
        let sender = chunks.clone();
        if let Err(e) = store.backup(ChannelWriter(chunks)) {
            tracing::warn!(error = %e, "local API: backup not finished");
            let _ = sender.blocking_send(Err(e));
        }
    });
    let stream =
        futures_util::stream::unfold(
            received,
            |mut r| async move { r.recv().await.map(|item| (item, r)) },
        );
    (
        [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

async fn digests(State(state): State<ApiState>) -> Result<Json<Vec<crate::store::DigestRecord>>, Failure> {
    Ok(Json(state.store.call(|s| s.digests()).await?))
}

async fn stats(State(state): State<ApiState>) -> Result<Json<crate::store::StoreStats>, Failure> {
    Ok(Json(state.store.call(query::stats).await?))
}

async fn check(State(state): State<ApiState>) -> Result<Json<crate::store::StoreCheck>, Failure> {
    Ok(Json(state.store.call(query::check).await?))
}

async fn undelivered(State(state): State<ApiState>) -> Result<Json<Vec<query::UndeliveredView>>, Failure> {
    Ok(Json(state.store.call(query::undelivered).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stale_socket_is_replaced_and_a_live_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = socket_path(None, dir.path());
        assert_eq!(path, dir.path().join("api.sock"));
        // Left by a killed daemon: nobody listens.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let live = bind(&path).expect("a stale socket is replaced");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o660);
        assert!(matches!(bind(&path), Err(ApiError::InUse(_))));
        drop(live);
    }

    /// POSTs `body` over the socket at `path`; returns the status line.
    fn post(path: &Path, body: &[u8]) -> String {
        use std::io::{BufRead, Write};
        let mut stream = std::os::unix::net::UnixStream::connect(path).unwrap();
        let head = format!(
            "POST /v1/digest HTTP/1.1\r\nHost: treatywatch\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        // The server may answer and close before reading all of an oversized body.
        let _ = stream.write_all(body);
        let mut status = String::new();
        std::io::BufReader::new(stream).read_line(&mut status).unwrap();
        status
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_body_past_the_limit_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("store")).unwrap();
        let (poll, _polls) = mpsc::channel(1);
        let (digest, mut digests) = mpsc::channel::<DigestRequest>(1);
        let state = ApiState {
            store: StoreHandle::new(store),
            feeds: Arc::default(),
            poll,
            digest,
            events: crate::events::Events::default(),
        };
        let path = dir.path().join("api.sock");
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(bind(&path).unwrap(), path.clone(), state, shutdown.clone()));

        let huge = vec![b' '; 4 * MAX_REQUEST_BODY];
        let socket = path.clone();
        let status = tokio::task::spawn_blocking(move || post(&socket, &huge))
            .await
            .unwrap();
        assert!(status.contains(" 413 "), "{status}");
        assert!(
            digests.try_recv().is_err(),
            "an oversized request reached the digest timer"
        );

        // A body within the limit is read (this one is not a digest action: 422).
        let socket = path.clone();
        let status = tokio::task::spawn_blocking(move || post(&socket, b"{\"nothing\": 1}"))
            .await
            .unwrap();
        assert!(status.contains(" 422 "), "{status}");
        shutdown.cancel();
        server.await.unwrap();
    }
}
