//! Article identity: canonical URLs, so that one article reached by several links is stored once.
//! (Near-duplicate and cross-language story detection will live here too.)

use url::Url;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
