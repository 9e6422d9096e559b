//! What the daemon serves over TCP when `[api] listen` is set: `/metrics` (Prometheus text),
//! `/healthz` (200 only while the scheduler beats and the store takes a write) and
//! `/feed.atom` (the topic's stories). Read-only and without the `/v1/` API, which stays on the
//! Unix socket where file permissions guard it.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::health::Heartbeat;
use crate::store::{ArticleFilter, StoreHandle};

/// `/healthz` fails when the scheduler has been silent this long (it beats every second).
const MAX_SILENCE: Duration = Duration::from_secs(30);

/// How long `/healthz` waits for the store to take its probe write.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Stories in `/feed.atom` unless `?limit=` says otherwise.
const FEED_STORIES: usize = 50;

/// What the handlers share.
#[derive(Clone)]
pub struct WebState {
    /// The open store.
    pub store: StoreHandle,
    /// The scheduler's heartbeat.
    pub heartbeat: Heartbeat,
    /// The process's metrics (`None`: another recorder owns them, and `/metrics` says so).
    pub metrics: Option<&'static PrometheusHandle>,
    /// The topic `/feed.atom` shows without `?topic=`.
    pub topic: String,
}

/// Serves the routes on `listener` until `shutdown`.
pub async fn serve(listener: TcpListener, state: WebState, shutdown: CancellationToken) {
    let addr = listener.local_addr().ok();
    if let Err(e) = axum::serve(listener, router(state))
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
    {
        tracing::error!(error = %e, addr = ?addr, "metrics listener stopped");
    }
}

/// The routes.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/feed.atom", get(feed))
        .with_state(state)
}

async fn metrics(State(state): State<WebState>) -> Response {
    let Some(handle) = state.metrics else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics are not recorded in this process\n",
        )
            .into_response();
    };
    let bytes = state.store.call(|s| s.bytes_on_disk()).await.ok();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        crate::telemetry::render(handle, bytes),
    )
        .into_response()
}

async fn healthz(State(state): State<WebState>) -> Response {
    match crate::health::problem(&state.heartbeat, &state.store, MAX_SILENCE, PROBE_TIMEOUT).await {
        None => (StatusCode::OK, "ok\n".to_string()).into_response(),
        Some(problem) => (StatusCode::SERVICE_UNAVAILABLE, format!("{problem}\n")).into_response(),
    }
}

/// `/feed.atom`'s parameters.
#[derive(Debug, Deserialize)]
struct FeedParams {
    topic: Option<String>,
    limit: Option<usize>,
}

async fn feed(State(state): State<WebState>, Query(params): Query<FeedParams>) -> Response {
    let topic = params.topic.unwrap_or(state.topic);
    let filter = ArticleFilter {
        topic: Some(topic.clone()),
        limit: Some(params.limit.unwrap_or(FEED_STORIES).clamp(1, 500)),
        ..ArticleFilter::default()
    };
    let stories = state.store.call(move |s| crate::query::stories(s, &filter)).await;
    match stories {
        Ok(stories) => (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            super::atom::feed(&topic, &stories, chrono::Utc::now()),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::store::Store;

    async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await.unwrap();
        let (head, body) = reply.split_once("\r\n\r\n").unwrap();
        (head[9..12].parse().unwrap(), body.to_string())
    }

    #[tokio::test]
    async fn healthz_fails_while_the_store_refuses_writes_and_recovers_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let state = WebState {
            store: StoreHandle::new(store.clone()),
            heartbeat: Heartbeat::new(),
            metrics: None,
            topic: "t".into(),
        };
        let server = tokio::spawn(serve(listener, state, shutdown.clone()));
        assert_eq!(get(addr, "/healthz").await, (200, "ok\n".into()));
        store.fail_article_writes(true);
        let (status, body) = get(addr, "/healthz").await;
        assert_eq!(status, 503);
        assert!(body.contains("the store failed"), "{body}");
        store.fail_article_writes(false);
        assert_eq!(get(addr, "/healthz").await.0, 200);
        // Without a recorder, /metrics says so rather than serving nothing.
        assert_eq!(get(addr, "/metrics").await.0, 503);
        assert_eq!(
            get(addr, "/v1/articles").await.0,
            404,
            "the /v1/ API stays on the socket"
        );
        shutdown.cancel();
        server.await.unwrap();
    }
}
