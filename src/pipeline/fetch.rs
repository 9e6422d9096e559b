//! HTTP for every source: conditional GET, bounded in time, size and redirects, limited per host
//! and overall. Returns bytes and the headers that matter, never a decoded `String`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use super::resolve::GuardedResolver;
use crate::config::FetchConfig;
use crate::model::RequestLimits;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// The User-Agent every request carries, so that site owners can see who polls them.
pub fn user_agent() -> String {
    format!(
        "treatywatch/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// Validators from a previous response, sent so the server can answer 304.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` last seen.
    pub etag: Option<String>,
    /// The `Last-Modified` last seen.
    pub last_modified: Option<String>,
}

/// A response with status 2xx or 304.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// HTTP status: 2xx, or 304 with an empty body.
    pub status: u16,
    /// The address after redirects.
    pub final_url: Url,
    /// `Content-Type`, if sent.
    pub content_type: Option<String>,
    /// `Content-Language`, if sent.
    pub content_language: Option<String>,
    /// Validators to send next time.
    pub validators: Validators,
    /// `Cache-Control: max-age`, if sent.
    pub max_age: Option<Duration>,
    /// `Expires`, if sent and valid.
    pub expires: Option<DateTime<Utc>>,
    /// The body, decompressed, at most `max_body` bytes.
    pub body: Vec<u8>,
}

impl Fetched {
    /// Whether the server answered 304 Not Modified.
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The whole request took longer than the configured timeout.
    #[error("timed out after {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// No connection could be made (DNS, refused, TLS).
    #[error("cannot connect: {0}")]
    Connect(String),
    /// More than [`MAX_REDIRECTS`] redirects, or a loop.
    #[error("too many redirects (more than {MAX_REDIRECTS})")]
    TooManyRedirects,
    /// A redirect into a loopback, private or link-local address from elsewhere.
    #[error("redirect to {0} refused: not a public address")]
    RedirectRefused(String),
    /// The server answered with an error status.
    #[error("http {status}{}", reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default())]
    Status {
        /// The status code.
        status: u16,
        /// Its reason phrase.
        reason: Option<String>,
        /// When the server asked us to come back (`Retry-After`).
        retry_after: Option<DateTime<Utc>>,
    },
    /// The body is larger than `max_body` (after decompression).
    #[error("response larger than the {limit}-byte limit")]
    TooLarge {
        /// The limit that was hit.
        limit: u64,
    },
    /// The connection broke or the body could not be decompressed.
    #[error("bad response: {0}")]
    Body(String),
}

impl FetchError {
    /// Whether trying again later may succeed (everything but a client error).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            FetchError::TooLarge { .. } | FetchError::TooManyRedirects | FetchError::RedirectRefused(_) => {
                false
            }
            _ => true,
        }
    }

    /// The time the server asked us to wait until, if it did.
    pub fn retry_after(&self) -> Option<DateTime<Utc>> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Shared HTTP client with global and per-host concurrency limits.
pub struct HttpClient {
    client: reqwest::Client,
    per_host: usize,
    /// Bounds requests in flight over all hosts; a permit is held for one whole request.
    global: Arc<Semaphore>,
    /// One semaphore per `host:port`, created on first use and kept: the set of hosts is the
    /// set of configured sources, so it stays small.
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl HttpClient {
    /// Builds a client from the `[fetch]` settings, resolving names with `resolver`.
    pub fn new(config: &FetchConfig, resolver: GuardedResolver) -> Result<HttpClient, FetchError> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .user_agent(user_agent())
            .dns_resolver(resolver)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(TooManyRedirects);
                }
                // A server may not bounce us into the machine's own networks (the cloud
                // metadata address, a router): only a source that lives there stays there.
                let origin = attempt.previous().first().cloned();
                let policy = origin.map(|o| crate::links::LinkPolicy::new(&o, &[]));
                let inside = crate::links::is_internal(attempt.url());
                match policy {
                    Some(policy) if inside && !policy.allows(attempt.url()) => {
                        let refused = RedirectRefused(attempt.url().to_string());
                        attempt.error(refused)
                    }
                    _ => attempt.follow(),
                }
            }))
            .build()
            .map_err(|e| FetchError::Connect(error_chain(&e)))?;
        Ok(HttpClient {
            client,
            per_host: config.per_host.max(1),
            global: Arc::new(Semaphore::new(config.concurrency.max(1))),
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// GETs `url` within `limits`, sending `validators` when given. 2xx and 304 are `Ok`.
    pub async fn get(
        &self,
        url: &Url,
        validators: &Validators,
        limits: &RequestLimits,
    ) -> Result<Fetched, FetchError> {
        let _permits = self.acquire(url).await;
        // reqwest's own timeout covers connect through the last body byte; this outer one also
        // bounds our chunk loop, whatever the server does.
        match tokio::time::timeout(
            limits.timeout + Duration::from_secs(1),
            self.get_unbounded(url, validators, limits),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(limits.timeout)),
        }
    }

    async fn get_unbounded(
        &self,
        url: &Url,
        validators: &Validators,
        limits: &RequestLimits,
    ) -> Result<Fetched, FetchError> {
        let classify = |e| classify(e, limits.timeout);
        let mut request = self.client.get(url.clone()).timeout(limits.timeout);
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, modified);
        }
        let mut response = request.send().await.map_err(classify)?;
        let status = response.status();
        let headers = response.headers().clone();
        if !(status.is_success() || status == reqwest::StatusCode::NOT_MODIFIED) {
            return Err(FetchError::Status {
                status: status.as_u16(),
                reason: status.canonical_reason().map(str::to_string),
                retry_after: header_str(&headers, header::RETRY_AFTER)
                    .and_then(|v| parse_retry_after(v, Utc::now())),
            });
        }
        let mut body = Vec::new();
        if status != reqwest::StatusCode::NOT_MODIFIED {
            if response.content_length().is_some_and(|len| len > limits.max_body) {
                return Err(FetchError::TooLarge {
                    limit: limits.max_body,
                });
            }
            // Read chunk by chunk under the cap: after decompression Content-Length is gone,
            // so a gzip bomb is only stopped here.
            while let Some(chunk) = response.chunk().await.map_err(classify)? {
                if body.len() as u64 + chunk.len() as u64 > limits.max_body {
                    return Err(FetchError::TooLarge {
                        limit: limits.max_body,
                    });
                }
                body.extend_from_slice(&chunk);
            }
        }
        Ok(Fetched {
            status: status.as_u16(),
            final_url: response.url().clone(),
            content_type: header_str(&headers, header::CONTENT_TYPE).map(str::to_string),
            content_language: header_str(&headers, header::CONTENT_LANGUAGE).map(str::to_string),
            validators: Validators {
                etag: header_str(&headers, header::ETAG).map(str::to_string),
                last_modified: header_str(&headers, header::LAST_MODIFIED).map(str::to_string),
            },
            max_age: header_str(&headers, header::CACHE_CONTROL).and_then(parse_max_age),
            expires: header_str(&headers, header::EXPIRES).and_then(parse_http_date),
            body,
        })
    }

    async fn acquire(&self, url: &Url) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let host = {
            // Invariant: the lock is never held across an await or a panic point.
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        // Host first, then global: a task waiting on a busy host must not hold a global slot.
        // Invariant: the semaphores are never closed, so acquiring cannot fail.
        let host_permit = host
            .acquire_owned()
            .await
            .expect("host semaphore is never closed");
        let global_permit = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("global semaphore is never closed");
        (host_permit, global_permit)
    }
}

fn classify(e: reqwest::Error, timeout: Duration) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout(timeout)
    } else if e.is_redirect() {
        match find_source::<RedirectRefused>(&e) {
            Some(refused) => FetchError::RedirectRefused(refused.0.clone()),
            None => FetchError::TooManyRedirects,
        }
    } else if e.is_connect() {
        FetchError::Connect(error_chain(&e))
    } else {
        FetchError::Body(error_chain(&e))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("too many redirects")]
struct TooManyRedirects;

#[derive(Debug, thiserror::Error)]
#[error("redirect to {0} refused")]
struct RedirectRefused(String);

/// The first error of type `T` among `e`'s causes.
fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(found) = s.downcast_ref::<T>() {
            return Some(found);
        }
        source = s.source();
    }
    None
}

/// rustls needs exactly one process-wide crypto provider; we build with ring only. Every
/// HTTP client (fetching, webhooks) installs it first.
pub fn install_crypto_provider() {
    // Err means one is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An error and its causes on one line, innermost last.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// `Retry-After`: delay in seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        // A day is plenty; a bigger number is a server bug, not a request.
        let seconds = seconds.min(24 * 3600) as i64;
        return Some(now + chrono::Duration::seconds(seconds));
    }
    parse_http_date(value)
}

/// An HTTP date (RFC 7231 IMF-fixdate, which is RFC 2822 shaped).
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// `max-age` from a `Cache-Control` header (`no-cache`/`no-store` mean none).
pub fn parse_max_age(value: &str) -> Option<Duration> {
    let directives: Vec<String> = value.split(',').map(|d| d.trim().to_ascii_lowercase()).collect();
    if directives.iter().any(|d| d == "no-cache" || d == "no-store") {
        return None;
    }
    directives
        .iter()
        .find_map(|d| d.strip_prefix("max-age="))
        .and_then(|v| v.trim_matches('"').parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(now + chrono::Duration::seconds(120))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 13:00:00 GMT", now),
            Some(now + chrono::Duration::hours(1))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn max_age_forms() {
        assert_eq!(
            parse_max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(parse_max_age("max-age=600, no-cache"), None);
        assert_eq!(parse_max_age("private"), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_canary_on_127_0_0_2_behind_a_name_sees_no_request() {
        let canary = Arc::new(tiny_http::Server::http("127.0.0.2:0").expect("127.0.0.2 is loopback"));
        let port = canary.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (server, counter) = (canary.clone(), seen.clone());
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = request.respond(tiny_http::Response::from_string("<rss/>"));
            }
        });
        // Every name resolves to the canary, as a hostile DNS answer would have it.
        let to_canary: crate::pipeline::resolve::Lookup = Arc::new(move |_host: String| {
            Box::pin(async move { Ok(vec![std::net::SocketAddr::from(([127, 0, 0, 2], 0))]) })
        });
        let limits = RequestLimits {
            timeout: Duration::from_secs(10),
            max_body: 1 << 20,
        };
        let url = Url::parse(&format!("http://canary.example:{port}/feed")).unwrap();
        let guarded = HttpClient::new(
            &FetchConfig::default(),
            GuardedResolver::with_lookup(["feeds.example".to_string()], to_canary.clone()),
        )
        .unwrap();
        let refused = guarded
            .get(&url, &Validators::default(), &limits)
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("internal addresses"), "{refused}");
        assert_eq!(
            seen.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "the canary saw a request"
        );
        // Named as a source, the same host is fetched: the refusal above was the guard's.
        let trusting = HttpClient::new(
            &FetchConfig::default(),
            GuardedResolver::with_lookup(["canary.example".to_string()], to_canary),
        )
        .unwrap();
        let fetched = trusting.get(&url, &Validators::default(), &limits).await.unwrap();
        assert_eq!(fetched.body, b"<rss/>");
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
        canary.unblock();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dns_failure_names_the_host_and_the_next_lookup_that_answers_fetches() {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let serving = server.clone();
        std::thread::spawn(move || {
            for request in serving.incoming_requests() {
                let _ = request.respond(tiny_http::Response::from_string("<rss/>"));
            }
        });
        // The resolver's first answer is the one a machine without DNS gets.
        let lookups = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = lookups.clone();
        let flaky: crate::pipeline::resolve::Lookup = Arc::new(move |_host: String| {
            let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async move {
                if n == 0 {
                    return Err(std::io::Error::other(
                        "failed to lookup address information: Temporary failure in name resolution",
                    ));
                }
                Ok(vec![std::net::SocketAddr::from(([127, 0, 0, 1], 0))])
            })
        });
        let client = HttpClient::new(
            &FetchConfig::default(),
            GuardedResolver::with_lookup(["feeds.example".to_string()], flaky),
        )
        .unwrap();
        let limits = RequestLimits {
            timeout: Duration::from_secs(10),
            max_body: 1 << 20,
        };
        let url = Url::parse(&format!("http://feeds.example:{port}/feed")).unwrap();
        let failed = client
            .get(&url, &Validators::default(), &limits)
            .await
            .unwrap_err();
        let said = failed.to_string();
        assert!(
            said.contains("cannot resolve feeds.example")
                && said.contains("Temporary failure in name resolution"),
            "{said}"
        );
        let fetched = client.get(&url, &Validators::default(), &limits).await.unwrap();
        assert_eq!(fetched.body, b"<rss/>");
        server.unblock();
    }

    #[test]
    fn user_agent_names_version_and_url() {
        let ua = user_agent();
        assert!(
            ua.starts_with(&format!("treatywatch/{} (+http", env!("CARGO_PKG_VERSION"))),
            "{ua}"
        );
        assert!(ua.ends_with(')'));
    }
}
