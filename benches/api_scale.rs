//! The local API and the metrics endpoint on a large store: `cargo bench --bench api_scale`
//! (options after `--`: `--articles N`, default 1,000,000; `--rounds N`, default 50).
//!
//! Fills a store with synthetic articles in several languages (a tenth of them about the
//! convention), serves it as the daemon does (the `/v1/` API on a Unix socket, `/metrics` on
//! 127.0.0.1), and times, through the real client and a real TCP request: `list --json
//! --limit 100`, `search` for a common phrase (the first page of 50), for a word only the
//! oldest article has and for one some 1,500 articles have (all of them), and `/metrics`.
//! Also times building the search index for the whole store. Targets (issue 11): list ≤ 50
//! ms, search ≤ 500 ms, `/metrics` ≤ 10 ms.

use std::io::{Read, Write};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use treatywatch::api::client::{ApiClient, Found};
use treatywatch::model::{Entry, LangGuess, LangMethod, TopicMatch};
use treatywatch::store::{ArticleFilter, Store, StoreHandle};

#[path = "support/mod.rs"]
mod support;

/// Distinct words beyond [`support::WORDS`]: each article has [`TAIL`] of them, so that, as in real
/// text, most of an article's index terms are rare (each is in about 1,500 of a million).
const VOCABULARY: usize = 100_000;
const TAIL: usize = 150;

/// Word `i` of the vocabulary: letters only, so that it is stemmed as real words are.
fn vocabulary_word(mut i: usize) -> String {
    let mut word = String::from("v");
    loop {
        word.push((b'a' + (i % 26) as u8) as char);
        i /= 26;
        if i == 0 {
            return word;
        }
    }
}

fn entry(n: usize) -> Entry {
    let words: Vec<&str> = (0..60)
        .map(|i| support::WORDS[(n * 7 + i * 13) % support::WORDS.len()])
        .collect();
    let about = n.is_multiple_of(10);
    let mut text = words.join(" ");
    for i in 0..TAIL {
        text.push(' ');
        text.push_str(&vocabulary_word((n * 7919 + i * 104_729) % VOCABULARY));
    }
    if about {
        text.push_str(" under the UN Convention against Cybercrime.");
    }
    if n == 0 {
        text.push_str(" zanzibarite");
    }
    Entry {
        url: format!("https://site{}.example/{n}", n % 500),
        link: format!("https://site{}.example/{n}", n % 500),
        title: format!("Report {n}: {} {}", words[0], words[1]),
        text,
        summary: None,
        published: None,
        updated: None,
        authors: vec![],
        topics: if about {
            vec![TopicMatch {
                name: "un-cybercrime-convention".into(),
                score: 3.0,
                matched: vec!["UN Convention against Cybercrime".into()],
            }]
        } else {
            vec![]
        },
        links: vec![],
        cited: vec![],
        fingerprint: None,
        event: Default::default(),
        lang: LangGuess {
            lang: Some(["en", "fr", "es", "ru", "ar", "zh", "vi"][n % 7].into()),
            confidence: 1.0,
            method: LangMethod::Text,
        },
    }
}

fn timed(rounds: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut all: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    all.sort();
    (all[all.len() / 2], all[all.len() * 99 / 100])
}

fn main() {
    let total = support::arg("--articles", 1_000_000);
    let rounds = support::arg("--rounds", 50);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let start = Instant::now();
    let now = chrono::Utc::now() - chrono::Duration::days(1);
    for batch in (0..total).collect::<Vec<_>>().chunks(1000) {
        let entries: Vec<Entry> = batch.iter().map(|&n| entry(n)).collect();
        store
            .upsert_entries(
                "feed",
                &entries,
                now + chrono::Duration::milliseconds(batch[0] as i64),
            )
            .unwrap();
    }
    store.flush().unwrap();
    println!(
        "stored {total} articles in {:.1} s; {:.0} MB on disk",
        start.elapsed().as_secs_f64(),
        store.bytes_on_disk().unwrap() as f64 / 1e6
    );
    // What the daemon's indexer does every 30 s, all at once: the tail it leaves (under one
    // segment) stays dirty and is read by every search, as it would be.
    let start = Instant::now();
    let indexed = treatywatch::query::index_for_search(&store, false).unwrap();
    store.flush().unwrap();
    println!(
        "indexed {} articles in {} segments in {:.1} s ({:.0} articles/s on one thread); {:.0} MB on disk",
        indexed.articles,
        indexed.segments,
        start.elapsed().as_secs_f64(),
        indexed.articles as f64 / start.elapsed().as_secs_f64(),
        store.bytes_on_disk().unwrap() as f64 / 1e6
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let socket = dir.path().join("api.sock");
    let handle = StoreHandle::new(store.clone());
    let shutdown = tokio_util::sync::CancellationToken::new();
    let metrics = treatywatch::telemetry::install();
    let tcp = runtime.block_on(async {
        let listener = treatywatch::api::bind(&socket).unwrap();
        let (poll, _requests) = tokio::sync::mpsc::channel(1);
        let (digest, _digests) = tokio::sync::mpsc::channel(1);
        let state = treatywatch::api::ApiState {
            store: handle.clone(),
            feeds: Arc::new(RwLock::new(vec![])),
            poll,
            digest,
            events: treatywatch::events::Events::default(),
        };
        tokio::spawn(treatywatch::api::serve(
            listener,
            socket.clone(),
            state,
            shutdown.clone(),
        ));
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let web = treatywatch::api::web::WebState {
            store: handle.clone(),
            heartbeat: treatywatch::health::Heartbeat::new(),
            metrics,
            topic: "un-cybercrime-convention".into(),
        };
        tokio::spawn(treatywatch::api::web::serve(tcp, web, shutdown.clone()));
        addr
    });
    let Found::Daemon(client) = ApiClient::find(&socket).unwrap() else {
        panic!("the API does not answer")
    };
    let page = ArticleFilter {
        limit: Some(100),
        ..ArticleFilter::default()
    };
    let (p50, p99) = timed(rounds, || assert_eq!(client.articles(&page).unwrap().len(), 100));
    println!(
        "list --json --limit 100 via socket: p50 {:.1} ms, p99 {:.1} ms (target ≤ 50)",
        ms(p50),
        ms(p99)
    );
    let first = ArticleFilter {
        limit: Some(50),
        ..ArticleFilter::default()
    };
    let (p50, p99) = timed(rounds, || {
        assert_eq!(client.search("convention", &first).unwrap().len(), 50)
    });
    println!(
        "search 'convention' (first 50) via socket: p50 {:.1} ms, p99 {:.1} ms (target ≤ 500)",
        ms(p50),
        ms(p99)
    );
    let (p50, p99) = timed(rounds.min(5), || {
        assert_eq!(client.search("zanzibarite", &first).unwrap().len(), 1)
    });
    println!(
        "search 'zanzibarite' (the oldest article only) via socket: p50 {:.1} ms, p99 {:.1} ms (target ≤ 500)",
        ms(p50),
        ms(p99)
    );
    let middling = vocabulary_word(12_345);
    let (p50, p99) = timed(rounds.min(20), || {
        assert_eq!(client.search(&middling, &first).unwrap().len(), 50)
    });
    println!(
        "search '{middling}' (held by 0.3% of articles; first 50) via socket: p50 {:.1} ms, p99 {:.1} ms (target ≤ 500)",
        ms(p50),
        ms(p99)
    );
    let everywhere = ArticleFilter::default();
    let mut held = 0;
    let (p50, p99) = timed(rounds.min(20), || {
        held = client.search(&middling, &everywhere).unwrap().len();
        assert!(held > 0);
    });
    println!(
        "search '{middling}' (all {held} articles holding it, newest first) via socket: p50 {:.1} ms, p99 {:.1} ms",
        ms(p50),
        ms(p99)
    );
    let (p50, p99) = timed(rounds, || {
        let mut s = std::net::TcpStream::connect(tcp).unwrap();
        write!(s, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        assert!(body.contains("treatywatch_store_bytes"));
    });
    println!(
        "/metrics over TCP: p50 {:.2} ms, p99 {:.2} ms (target ≤ 10)",
        ms(p50),
        ms(p99)
    );
    shutdown.cancel();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
