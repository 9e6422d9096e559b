//! The email sink: one `multipart/alternative` message (text and HTML) per recipient, composed
//! once when the digest is recorded and stored whole, so that a retry or a resend puts the
//! same bytes on the wire with the same `Message-ID` (fixed per digest, sink and recipient).
//! SMTP cannot be exactly-once: a link that drops after the final "." and before the server's
//! "250" leaves the digest pending, and the resend is then a duplicate the Message-ID makes
//! recognisable.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::address::Envelope;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{tag_of, SinkError};
use crate::config::digest::{Secret, SmtpServer, SmtpTls};

/// How long one SMTP conversation may stall at any step.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A mail server and the digest's recipients.
#[derive(Debug, Clone)]
pub struct EmailSink {
    /// The server.
    pub server: SmtpServer,
    /// The sender.
    pub from: Mailbox,
    /// The recipients.
    pub to: Vec<Mailbox>,
    /// The login.
    pub login: Option<(String, Secret)>,
    /// Stands for the sink in Message-IDs, so that two sinks send two messages.
    pub tag: u32,
}

/// What one digest's mail says, before it is addressed.
#[derive(Debug, Clone, Copy)]
pub struct Letter<'a> {
    /// The digest's id.
    pub digest: u64,
    /// When it was made: the `Date` header.
    pub created: DateTime<Utc>,
    /// The subject line.
    pub subject: &'a str,
    /// The plain-text part.
    pub text: &'a str,
    /// The HTML part.
    pub html: &'a str,
    /// What the list is about, for `List-Id` (a topic id, or `all`).
    pub list: &'a str,
}

/// `List-Id` (RFC 2919), so that mail clients can filter and group the digests.
#[derive(Debug, Clone)]
struct ListId(String);

impl Header for ListId {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Id")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListId(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834), so that vacation responders stay quiet.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

impl EmailSink {
    /// The sink for a config's server and addresses.
    pub fn new(
        server: &SmtpServer,
        from: &Mailbox,
        to: &[Mailbox],
        login: Option<(String, Secret)>,
        name: &str,
    ) -> EmailSink {
        EmailSink {
            server: server.clone(),
            from: from.clone(),
            to: to.to_vec(),
            login,
            tag: tag_of(name),
        }
    }

    /// The `Message-ID` of digest `digest` to `recipient`.
    pub fn message_id(&self, digest: u64, recipient: &Mailbox) -> String {
        format!(
            "<treatywatch.{digest}.{:08x}.{:08x}@{}>",
            self.tag,
            tag_of(&recipient.email.to_string().to_lowercase()),
            self.from.email.domain()
        )
    }

    /// One message per recipient, each as its recipient's address and its whole text.
    pub fn compose(&self, letter: &Letter<'_>) -> Result<Vec<(String, String)>, SinkError> {
        let failed = |e: lettre::error::Error| SinkError::Email {
            server: self.server.to_string(),
            code: None,
            permanent: true,
            message: format!("cannot compose the message: {e}"),
        };
        let list_id = format!(
            "treatywatch digest <{}.treatywatch.{}>",
            list_label(letter.list),
            self.from.email.domain()
        );
        let mut copies = Vec::with_capacity(self.to.len());
        for recipient in &self.to {
            let message = Message::builder()
                .from(self.from.clone())
                .to(recipient.clone())
                .subject(letter.subject)
                .date(letter.created.into())
                .message_id(Some(self.message_id(letter.digest, recipient)))
                .header(ListId(list_id.clone()))
                .header(AutoSubmitted)
                .multipart(MultiPart::alternative_plain_html(
                    letter.text.to_string(),
                    letter.html.to_string(),
                ))
                .map_err(failed)?;
            // The parts are quoted-printable or base64, the headers RFC 2047: ASCII throughout.
            let text = String::from_utf8_lossy(&message.formatted()).into_owned();
            copies.push((recipient.email.to_string(), text));
        }
        Ok(copies)
    }

    /// Sends the stored `message` to `recipient`.
    pub(super) async fn deliver(&self, recipient: &str, message: &str) -> Result<(), SinkError> {
        crate::pipeline::fetch::install_crypto_provider();
        let failed = |code: Option<u16>, permanent: bool, message: String| SinkError::Email {
            server: self.server.to_string(),
            code,
            permanent,
            message,
        };
        let to = recipient
            .parse()
            .map_err(|e| failed(None, true, format!("'{recipient}' is not a mail address: {e}")))?;
        let envelope = Envelope::new(Some(self.from.email.clone()), vec![to])
            .map_err(|e| failed(None, true, e.to_string()))?;
        let parameters = TlsParameters::new(self.server.host.clone())
            .map_err(|e| failed(None, false, format!("TLS: {e}")))?;
        let tls = match self.server.tls {
            SmtpTls::Opportunistic => Tls::Opportunistic(parameters),
            SmtpTls::Required => Tls::Required(parameters),
            SmtpTls::Wrapper => Tls::Wrapper(parameters),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.server.host.as_str())
            .port(self.server.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some((user, password)) = &self.login {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
        }
        let transport = builder.build();
        match transport.send_raw(&envelope, message.as_bytes()).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let code = e.status().map(u16::from);
                Err(failed(code, e.is_permanent(), describe(&e)))
            }
        }
    }
}

/// The error with its causes, which carry the server's words.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A topic id as a `List-Id` label: letters, digits and hyphens.
fn list_label(topic: &str) -> String {
    let label: String = topic
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let label = label.trim_matches('-');
    if label.is_empty() {
        "all".into()
    } else {
        label.to_string()
    }
}
