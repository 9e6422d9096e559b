//! A document named on the command line: an http(s) URL fetched under the config's bounds, or a
//! file read from disk. Shared by `parse` and `extract`.

use anyhow::Context;
use url::Url;

use crate::config::Config;
use crate::model::RequestLimits;
use crate::pipeline::fetch::{HttpClient, Validators};

/// The raw bytes of a document and what came with them.
pub struct Loaded {
    /// The body, not yet decoded.
    pub bytes: Vec<u8>,
    /// `Content-Type` when fetched.
    pub content_type: Option<String>,
    /// `Content-Language` when fetched.
    pub content_language: Option<String>,
    /// The address relative links resolve against (after redirects; `file://` for files).
    pub base: Url,
}

/// Fetches `source` when it is an http(s) URL, else reads it as a file.
pub fn load(source: &str, config: Option<&Config>) -> anyhow::Result<Loaded> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let url = Url::parse(source).with_context(|| format!("'{source}' is not a valid URL"))?;
        let fetch = config.map(|c| c.fetch.clone()).unwrap_or_default();
        // The source named on the command line is the user's own: it may be on their LAN.
        let hosts = url.host_str().map(str::to_string);
        let client = HttpClient::new(&fetch, crate::pipeline::resolve::GuardedResolver::new(hosts))?;
        let limits = RequestLimits {
            timeout: fetch.timeout,
            max_body: fetch.max_body,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let fetched = runtime
            .block_on(client.get(&url, &Validators::default(), &limits))
            .with_context(|| format!("fetching {url}"))?;
        return Ok(Loaded {
            bytes: fetched.body,
            content_type: fetched.content_type,
            content_language: fetched.content_language,
            base: fetched.final_url,
        });
    }
    let path = std::path::absolute(source)?;
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let base =
        Url::from_file_path(&path).map_err(|_| anyhow::anyhow!("cannot make a URL of {}", path.display()))?;
    Ok(Loaded {
        bytes,
        content_type: None,
        content_language: None,
        base,
    })
}
