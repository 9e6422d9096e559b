//! The bodies of the fuzz targets in `fuzz/`, shared with the test that replays their corpora
//! in every test run (`tests/fuzzed/`). Each takes arbitrary bytes, must not panic, and checks
//! what must hold whatever the input.

use std::sync::OnceLock;

use url::Url;

use crate::pipeline::{decode, extract, feed, judge::Judges, page};

fn base() -> Url {
    // Invariant: a constant, valid URL.
    Url::parse("https://news.example/section/feed").expect("valid base URL")
}

/// The input as text: the fuzzer's bytes, lossily.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A feed as fetched: charset detection and decoding, then parsing.
pub fn feed(data: &[u8]) {
    let decoded = decode::decode(data, None);
    if let Ok(parsed) = feed::parse_feed(&decoded.text, &base(), None, &jiff::tz::TimeZone::UTC) {
        for entry in &parsed.entries {
            let url = &entry.entry.url;
            assert!(Url::parse(url).is_ok(), "an entry URL that is no URL: {url}");
        }
    }
}

/// A page as fetched: decoding, article extraction, and the article links of a listing.
pub fn page(data: &[u8]) {
    let decoded = decode::decode(data, Some("text/html"));
    let base = base();
    let _ = extract::extract(&decoded.text, &base, None);
    let policy = crate::links::LinkPolicy::new(&base, &[]);
    for link in page::article_links(&decoded.text, &base, &Default::default(), &policy) {
        assert_eq!(
            link.host_str(),
            base.host_str(),
            "a link followed off its host: {link}"
        );
    }
}

/// URL canonicalisation: idempotent, and a URL stays a URL.
pub fn url(data: &[u8]) {
    let Ok(url) = Url::parse(&text(data)) else { return };
    let canonical = crate::links::canonical_url(&url);
    assert_eq!(crate::links::canonical_url(&canonical), canonical, "from {url}");
    let _ = crate::links::unwrap_redirect(&url);
}

/// The config file: loads or names its file in the error.
pub fn config(data: &[u8]) {
    let path = std::path::Path::new("/etc/treatywatch/fuzzed.toml");
    if let Err(e) = crate::config::Config::parse(&text(data), path) {
        let said = e.to_string();
        assert!(
            said.contains("fuzzed.toml"),
            "an error that names no file: {said}"
        );
    }
}

/// Language and topic judging, and the search terms of a text (first line: the title).
pub fn topic(data: &[u8]) {
    static JUDGES: OnceLock<Judges> = OnceLock::new();
    let judges = JUDGES.get_or_init(Judges::default);
    let text = text(data);
    let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
    let judged = judges.judge(title, body, None);
    let _ = crate::pipeline::topic::search_terms(title, body, judged.lang.lang.as_deref());
}

/// Event details, in each script's reading, and two events compared (first byte: the
/// language; then the title line).
pub fn details(data: &[u8]) {
    const LANGS: [Option<&str>; 8] = [
        None,
        Some("en"),
        Some("fr"),
        Some("es"),
        Some("ru"),
        Some("zh"),
        Some("ar"),
        Some("vi"),
    ];
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let lang = LANGS[usize::from(first) % LANGS.len()];
    let text = text(rest);
    let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
    let published = chrono::DateTime::from_timestamp(1_764_000_000, 0);
    let _ = crate::details::event::read(title, body, lang, published);
    // The event as stories compare it: its people's sounds, its shape and length.
    let event = crate::details::event::Event::of(title, body, lang, published);
    let other = crate::details::event::Event::of(body, title, lang, published);
    let _ = (event.conflicts_with(&other), event.persons_conflict(&event));
}

/// What the local API parses from a request: the query string of the listings and the body
/// of a digest action.
pub fn api(data: &[u8]) {
    let _ = serde_json::from_slice::<crate::digest::desk::DigestAction>(data);
    let uri = format!("/v1/articles?{}", text(data));
    if let Ok(uri) = uri.parse::<axum::http::Uri>() {
        if let Ok(axum::extract::Query(params)) =
            axum::extract::Query::<crate::api::FilterParams>::try_from_uri(&uri)
        {
            let _ = crate::store::ArticleFilter::from(params);
        }
    }
}
