//! Link identity and safety, shared by every stage that meets a URL: the canonical form that
//! makes one article reached by several links one article, and the policy that decides which
//! links may be followed (never into the machine's own networks).

use std::net::IpAddr;

use url::{Host, Url};

/// Query parameters that only track the reader, never select content.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "wt.mc_id",
    "cmpid",
    "ocid",
    "ncid",
    // BBC marks every feed link with these.
    "at_medium",
    "at_campaign",
    "at_custom1",
    "at_custom2",
    "at_custom3",
    "at_custom4",
    "at_link_id",
    "at_link_origin",
    "at_link_type",
    "at_format",
    "at_ptr_name",
    "at_bbc_team",
];

/// Prefixes of tracking parameter families.
const TRACKING_PREFIXES: &[&str] = &["utm_", "pk_", "mtm_"];

fn is_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    TRACKING_PARAMS.contains(&key.as_str()) || TRACKING_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// The article a redirect wrapper points at: Google's `/url?q=` or `?url=`, Bing News's
/// `apiclick.aspx?url=`, Facebook's `l.php?u=`; other URLs as they are. Alert and news-search
/// feeds link through these, and the article must be the one its own outlet's feed brings.
/// (FeedBurner's `~r/` links and `t.co` need a request to resolve: FeedBurner items carry
/// `feedburner:origLink`, read instead; `t.co` links stay as they are.)
pub fn unwrap_redirect(url: &Url) -> Url {
    let mut current = url.clone();
    // Wrappers of wrappers exist (an alert of a shared link); a few levels are plenty.
    for _ in 0..3 {
        let host = current
            .host_str()
            .unwrap_or("")
            .trim_start_matches("www.")
            .to_ascii_lowercase();
        let path = current.path();
        let keys: &[&str] = if (host.starts_with("google.") || host.contains(".google.")) && path == "/url" {
            &["url", "q"]
        } else if (host == "bing.com" || host.ends_with(".bing.com")) && path.ends_with("/apiclick.aspx") {
            &["url"]
        } else if (host == "l.facebook.com" || host == "lm.facebook.com") && path == "/l.php" {
            &["u"]
        } else {
            return current;
        };
        let target = keys.iter().find_map(|key| {
            current
                .query_pairs()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| Url::parse(&v).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        });
        match target {
            Some(target) => current = target,
            None => return current,
        }
    }
    current
}

/// The canonical form of an article URL: lower-case scheme and host (done by `Url`), no default
/// port, no fragment, no tracking parameters, the remaining query sorted by key so that the same
/// page reached through differently ordered links has one identity.
pub fn canonical_url(url: &Url) -> Url {
    let mut canonical = url.clone();
    canonical.set_fragment(None);
    // `Url` already drops a port equal to the scheme's default when parsing; a URL built another
    // way can still carry one.
    if canonical.port().is_some() && canonical.port() == default_port(canonical.scheme()) {
        let _ = canonical.set_port(None);
    }
    if let Some(host) = canonical.host_str() {
        // A fully-qualified host ("example.com.") is the same site.
        if host.ends_with('.') && host.len() > 1 {
            let trimmed = host.trim_end_matches('.').to_string();
            let _ = canonical.set_host(Some(&trimmed));
        }
    }
    if canonical.query().is_some() {
        let mut pairs: Vec<(String, String)> = canonical
            .query_pairs()
            .filter(|(k, _)| !k.is_empty() && !is_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        // Stable sort keeps repeated keys (a=1&a=2) in their original order.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        if pairs.is_empty() {
            canonical.set_query(None);
        } else {
            canonical.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    canonical
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Which links of a source may be followed: its own host, the hosts the config names, and never
/// an address inside the machine's networks unless that is where the source itself lives.
#[derive(Debug, Clone)]
pub struct LinkPolicy {
    own: Url,
    follow_hosts: Vec<String>,
}

impl LinkPolicy {
    /// The policy for links found on (or through) the source at `own`.
    pub fn new(own: &Url, follow_hosts: &[String]) -> LinkPolicy {
        LinkPolicy {
            own: own.clone(),
            follow_hosts: follow_hosts.to_vec(),
        }
    }

    /// Whether `url` may be fetched.
    pub fn allows(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        if url.host().is_none() {
            return false;
        }
        if same_host(url, &self.own) {
            // The configured source itself, wherever it is (tests run on 127.0.0.1).
            return true;
        }
        if is_internal(url) {
            return false;
        }
        let name = strip_www(url.host_str().unwrap_or_default());
        self.follow_hosts.iter().any(|h| strip_www(h) == name)
    }
}

/// Same host (ignoring a leading `www.`) and port.
fn same_host(a: &Url, b: &Url) -> bool {
    let host = |u: &Url| u.host_str().map(|h| strip_www(h).to_ascii_lowercase());
    host(a) == host(b) && a.port_or_known_default() == b.port_or_known_default()
}

fn strip_www(host: &str) -> &str {
    host.strip_prefix("www.").unwrap_or(host)
}

/// Whether `url` points inside the machine's networks: an address that is not public, or
/// `localhost` (which resolves to loopback by definition, RFC 6761). Other names are not
/// resolved. A URL without a host counts as inside.
pub fn is_internal(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => true,
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared
/// (CGNAT), multicast, broadcast, unspecified or reserved for documentation.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0xdb8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_wrappers_unwrap_to_the_article() {
        let unwrapped = |u: &str| unwrap_redirect(&Url::parse(u).unwrap()).to_string();
        let article = "https://www.outlet.example/world/hanoi-convention-signed?id=7";
        for wrapped in [
            "https://www.google.com/url?rct=j&sa=t&url=https%3A%2F%2Fwww.outlet.example%2Fworld%2Fhanoi-convention-signed%3Fid%3D7&ct=ga&cd=1",
            "https://www.google.co.uk/url?q=https://www.outlet.example/world/hanoi-convention-signed?id%3D7&sa=U",
            "https://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1&url=https%3a%2f%2fwww.outlet.example%2fworld%2fhanoi-convention-signed%3fid%3d7&c=1",
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.google.com%2Furl%3Furl%3Dhttps%253A%252F%252Fwww.outlet.example%252Fworld%252Fhanoi-convention-signed%253Fid%253D7",
        ] {
            assert_eq!(unwrapped(wrapped), article, "{wrapped}");
        }
        // Not wrappers, or wrappers of nothing usable: left alone.
        for kept in [
            "https://www.google.com/search?q=hanoi",
            "https://www.google.com/url?url=javascript:alert(1)",
            "https://www.outlet.example/url?url=https://elsewhere.example/",
            "https://t.co/abc123",
        ] {
            assert_eq!(unwrapped(kept), kept);
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn canon(s: &str) -> String {
        canonical_url(&Url::parse(s).unwrap()).to_string()
    }

    #[test]
    fn canonical_urls() {
        let cases = [
            (
                "HTTPS://News.UN.org:443/feed?b=2&a=1#top",
                "https://news.un.org/feed?a=1&b=2",
            ),
            ("http://example.com:80/a", "http://example.com/a"),
            ("http://example.com:8080/a", "http://example.com:8080/a"),
            (
                "https://x.vn/a.html?utm_source=rss&utm_medium=feed",
                "https://x.vn/a.html",
            ),
            (
                "https://x.vn/a?id=7&fbclid=abc&gclid=1&mc_cid=2&mc_eid=3",
                "https://x.vn/a?id=7",
            ),
            (
                "https://www.bbc.com/arabic/articles/c1?at_medium=RSS&at_campaign=rss",
                "https://www.bbc.com/arabic/articles/c1",
            ),
            ("https://x.vn/a?", "https://x.vn/a"),
            ("https://x.vn/a?q=a+b&p=%C3%A9", "https://x.vn/a?p=%C3%A9&q=a+b"),
            ("https://x.vn/a?t=2&t=1", "https://x.vn/a?t=2&t=1"),
            ("https://example.com./a", "https://example.com/a"),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input), want, "for {input}");
        }
    }

    #[test]
    fn canonical_is_idempotent() {
        for s in [
            "https://a.b/c?z=1&utm_x=2&a=%20b#f",
            "http://A.B:80/?&&x",
            "https://a.b/%7Euser/",
        ] {
            let once = canonical_url(&Url::parse(s).unwrap());
            assert_eq!(canonical_url(&once), once, "for {s}");
        }
    }

    #[test]
    fn links_stay_on_allowed_public_hosts() {
        let policy = LinkPolicy::new(
            &url("https://kinhtedothi.vn/the-gioi"),
            &["media.example.com".into()],
        );
        assert!(policy.allows(&url("https://kinhtedothi.vn/a-b-c-d.html")));
        assert!(policy.allows(&url("https://www.kinhtedothi.vn/a-b-c-d.html")));
        assert!(policy.allows(&url("https://media.example.com/x")));
        assert!(!policy.allows(&url("https://other.example.org/a-b-c-d.html")));
        for private in [
            "http://127.0.0.1/x",
            "http://localhost/x",
            "http://10.0.0.8/x",
            "http://192.168.1.1/x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/x",
            "http://[fe80::1]/x",
            "http://224.0.0.1/x",
            "http://100.64.0.1/x",
        ] {
            assert!(!policy.allows(&url(private)), "{private}");
        }
        assert!(!policy.allows(&url("file:///etc/passwd")));

        // A source on loopback may follow its own links, and only those.
        let local = LinkPolicy::new(&url("http://127.0.0.1:8080/news"), &[]);
        assert!(local.allows(&url("http://127.0.0.1:8080/a-b-c-d")));
        assert!(!local.allows(&url("http://127.0.0.1:9090/a-b-c-d")));
        assert!(!local.allows(&url("http://127.0.0.2:8080/a-b-c-d")));
    }
}

#[cfg(test)]
mod properties {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use url::Url;

    use super::{canonical_url, is_tracking};

    /// Article URLs as feeds write them: either scheme, a host in any case (sometimes fully
    /// qualified), default or other ports, paths, tracking and real parameters in any order,
    /// repeated keys, fragments.
    fn article_url() -> impl Strategy<Value = String> {
        let host = prop::sample::select(vec![
            "example.com",
            "News.Example.ORG",
            "example.com.",
            "xn--bcher-kva.example",
        ]);
        let port = prop::option::of(prop::sample::select(vec![80u16, 443, 8080]));
        let key = prop::sample::select(vec![
            "id",
            "p",
            "page",
            "utm_source",
            "utm_medium",
            "fbclid",
            "gclid",
            "lang",
            "a",
            "ref",
        ]);
        let value = "[a-zA-Z0-9 %&=+./-]{0,6}";
        (
            prop::sample::select(vec!["http", "https"]),
            host,
            port,
            prop::collection::vec("[a-zA-Z0-9%._~-]{0,8}", 0..4),
            prop::collection::vec((key, value), 0..6),
            prop::option::of("[a-z0-9]{0,6}"),
        )
            .prop_map(|(scheme, host, port, segments, query, fragment)| {
                let mut url = format!("{scheme}://{host}");
                if let Some(port) = port {
                    url.push_str(&format!(":{port}"));
                }
                for segment in segments {
                    url.push('/');
                    url.push_str(&segment);
                }
                if !query.is_empty() {
                    let pairs: Vec<String> = query
                        .iter()
                        .map(|(k, v)| {
                            format!(
                                "{k}={}",
                                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                            )
                        })
                        .collect();
                    url.push('?');
                    url.push_str(&pairs.join("&"));
                }
                if let Some(fragment) = fragment {
                    url.push('#');
                    url.push_str(&fragment);
                }
                url
            })
    }

    /// The parameters a server reads, each key's values in their order.
    fn served_parameters(url: &Url) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in url.query_pairs() {
            if !k.is_empty() && !is_tracking(&k) {
                out.entry(k.into_owned()).or_default().push(v.into_owned());
            }
        }
        out
    }

    proptest! {
        #[test]
        fn canonical_urls_are_canonical(raw in article_url()) {
            let url = Url::parse(&raw).expect("the strategy writes URLs");
            let once = canonical_url(&url);
            prop_assert_eq!(canonical_url(&once), once.clone());
            // Nothing a server reads changes: scheme, host, port, path, the parameters
            // that are not tracking ones with their values in order.
            prop_assert_eq!(once.scheme(), url.scheme());
            prop_assert_eq!(
                once.host_str().map(|h| h.trim_end_matches('.').to_string()),
                url.host_str().map(|h| h.trim_end_matches('.').to_string())
            );
            prop_assert_eq!(once.port_or_known_default(), url.port_or_known_default());
            prop_assert_eq!(once.path(), url.path());
            prop_assert_eq!(served_parameters(&once), served_parameters(&url));
            prop_assert_eq!(once.fragment(), None);
            prop_assert!(once.query_pairs().all(|(k, _)| !is_tracking(&k)));
        }
    }
}
