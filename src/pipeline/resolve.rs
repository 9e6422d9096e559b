//! Name resolution for the HTTP client that keeps links and redirects out of the machine's own
//! networks: a name that resolves only to loopback, private or link-local addresses is refused
//! unless it is the host of a configured source (a feed or page the user named, or a host its
//! `follow_hosts` allows). Literal addresses never reach the resolver; [`crate::links`] and the
//! redirect policy judge those. Checking at resolution, not by the name, is what stops a public
//! name pointed at 127.0.0.1 or 169.254.169.254.

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::links::is_public;

/// Looks a host name up: the system's resolver, or a test's.
pub type Lookup = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<SocketAddr>>> + Send>> + Send + Sync,
>;

/// A name that resolves only inside the machine's networks.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} resolves only to internal addresses, which are refused for hosts that are not a configured source"
)]
pub struct InternalOnly(pub String);

/// A name the resolver could not look up (no DNS server answering, no such name).
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {0}: {1}")]
pub struct Unresolved(pub String, #[source] pub std::io::Error);

/// The resolver the HTTP client uses.
#[derive(Clone)]
pub struct GuardedResolver {
    allowed: Arc<HashSet<String>>,
    lookup: Lookup,
}

impl GuardedResolver {
    /// Resolves with the system's resolver; `allowed` hosts may resolve anywhere.
    pub fn new(allowed: impl IntoIterator<Item = String>) -> GuardedResolver {
        let lookup: Lookup = Arc::new(|host: String| {
            Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.collect()) })
        });
        GuardedResolver::with_lookup(allowed, lookup)
    }

    /// Resolves with `lookup` (tests map names to loopback servers with it).
    pub fn with_lookup(allowed: impl IntoIterator<Item = String>, lookup: Lookup) -> GuardedResolver {
        GuardedResolver {
            allowed: Arc::new(allowed.into_iter().map(|h| normal_host(&h)).collect()),
            lookup,
        }
    }

    /// The addresses a connection to `host` may use.
    pub async fn addresses(
        &self,
        host: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let host = normal_host(host);
        let found = (self.lookup)(host.clone())
            .await
            .map_err(|e| Unresolved(host.clone(), e))?;
        if self.allowed.contains(&host) {
            return Ok(found);
        }
        let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
        if public.is_empty() {
            return Err(Box::new(InternalOnly(host)));
        }
        Ok(public)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addresses = resolver.addresses(&host).await?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// A host as compared: lower case, without a final dot or a leading `www.`.
fn normal_host(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host.strip_prefix("www.").map(str::to_string).unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolving_to(ip: &'static str) -> Lookup {
        Arc::new(move |_host: String| {
            Box::pin(async move { Ok(vec![SocketAddr::new(ip.parse().unwrap(), 0)]) })
        })
    }

    #[tokio::test]
    async fn a_name_resolving_inside_is_refused_unless_it_is_a_source() {
        for inside in ["127.0.0.2", "10.1.2.3", "169.254.169.254", "::1", "fd00::1"] {
            let resolver = GuardedResolver::with_lookup(["feeds.example".to_string()], resolving_to(inside));
            let refused = resolver.addresses("canary.example").await.unwrap_err();
            assert!(
                refused
                    .to_string()
                    .contains("canary.example resolves only to internal"),
                "{refused}"
            );
            // The configured source itself may live there (a feed on the LAN, our tests).
            assert_eq!(resolver.addresses("WWW.Feeds.Example.").await.unwrap().len(), 1);
        }
        let public = GuardedResolver::with_lookup([], resolving_to("93.184.216.34"));
        assert_eq!(public.addresses("news.example").await.unwrap().len(), 1);
    }
}
