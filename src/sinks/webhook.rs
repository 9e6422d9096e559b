//! The webhook sink: the digest's JSON, or a chat service's message, in one HTTP request, with the Standard Webhooks headers
//! (`webhook-id` fixed per digest and sink, so that a receiver can drop a replay;
//! `webhook-timestamp`; and with a secret, `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">`).

use std::time::Duration;

use base64::Engine;

use super::SinkError;
use crate::config::digest::{Secret, WebhookFormat};

/// How long one POST may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A webhook receiver.
#[derive(Debug, Clone)]
pub struct WebhookSink {
    /// Where to POST.
    pub url: url::Url,
    /// The body's shape.
    pub format: WebhookFormat,
    /// The signing secret.
    pub secret: Option<Secret>,
    /// Stands for the sink in `webhook-id`, so that two sinks get two ids.
    pub tag: u32,
}

/// The Standard Webhooks signature of a message: `v1,` and the base64 HMAC-SHA256, keyed with
/// the secret's bytes (a `whsec_` secret is base64; any other string is used as it is).
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key_bytes = secret
        .strip_prefix("whsec_")
        .and_then(|k| b64.decode(k).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec());
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);
    let mut message = format!("{id}.{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    format!("v1,{}", b64.encode(ring::hmac::sign(&key, &message).as_ref()))
}

impl WebhookSink {
    /// The `webhook-id` of digest `id` for this sink.
    pub fn message_id(&self, id: u64) -> String {
        format!("msg_treatywatch_{id}_{:08x}", self.tag)
    }

    /// The ntfy topic: the URL's last path segment.
    pub fn ntfy_topic(&self) -> String {
        self.url
            .path_segments()
            .and_then(|mut p| p.next_back())
            .unwrap_or_default()
            .to_string()
    }

    /// Where the POST goes: ntfy takes JSON at its root, with the topic inside; Matrix takes
    /// each message at its own transaction id (a replay with the same id is dropped by the
    /// server), by PUT.
    fn target(&self, message_id: &str) -> (reqwest::Method, url::Url) {
        let mut url = self.url.clone();
        match self.format {
            WebhookFormat::Ntfy => {
                if let Ok(mut path) = url.path_segments_mut() {
                    path.pop();
                }
                (reqwest::Method::POST, url)
            }
            WebhookFormat::Matrix => {
                if let Ok(mut path) = url.path_segments_mut() {
                    path.pop_if_empty().push(message_id);
                }
                (reqwest::Method::PUT, url)
            }
            _ => (reqwest::Method::POST, url),
        }
    }

    /// The receiver as logs and errors show it: without its tokens.
    pub fn shown(&self) -> String {
        crate::config::digest::shown_webhook(&self.url, self.format)
    }

    pub(super) async fn deliver(&self, id: u64, body: &str) -> Result<(), SinkError> {
        crate::pipeline::fetch::install_crypto_provider();
        let failed = |status: Option<u16>, message: String| SinkError::Webhook {
            url: self.shown(),
            status,
            message,
        };
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // A receiver that redirects is misconfigured; following could post the digest elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(crate::pipeline::fetch::user_agent())
            .build()
            .map_err(|e| failed(None, e.to_string()))?;
        let message_id = self.message_id(id);
        let timestamp = chrono::Utc::now().timestamp();
        let (method, target) = self.target(&message_id);
        let mut request = client
            .request(method, target)
            .header("content-type", "application/json")
            .header("webhook-id", &message_id)
            .header("webhook-timestamp", timestamp.to_string());
        if let Some(secret) = &self.secret {
            request = request.header(
                "webhook-signature",
                signature(secret.expose(), &message_id, timestamp, body.as_bytes()),
            );
        }
        let response = request
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| failed(None, e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let words: String = response
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        Err(failed(
            Some(status.as_u16()),
            format!("{status}: {}", words.trim()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_specifications_test_vector() {
        // The reference vector of the Standard Webhooks specification's test suite.
        assert_eq!(
            signature(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
