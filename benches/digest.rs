//! Building and rendering a digest at scale: `cargo bench --bench digest` (options after `--`:
//! `--articles N` stored first (default 1,000,000), `--stories N` in the digest's window
//! (default 2,000), `--runs N`).
//!
//! The store is filled with N synthetic articles (each its own story, in seven languages), then
//! the window's stories arrive: half of them in two languages (a translation citing its
//! original), some about the topic, the rest not. Each run times one digest as the daemon makes
//! it: `build` over the window, then rendering HTML, text and JSON.

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use chrono::{DateTime, Utc};
use treatywatch::config::DigestFormat;
use treatywatch::digest::render::Renderer;
use treatywatch::digest::schedule::DigestTime;
use treatywatch::digest::{build, Focus, Window};
use treatywatch::model::{Entry, LangGuess, LangMethod, TopicMatch};
use treatywatch::store::Store;

const LANGS: &[&str] = &["en", "fr", "es", "ru", "zh", "ar", "vi"];

fn entry(i: usize, lang: &str, about: bool, cited: Option<String>) -> Entry {
    let url = format!("https://outlet{}.example/{lang}/{i}", i % 50);
    Entry {
        link: url.clone(),
        url,
        title: format!("Report {i} on the convention from outlet {}", i % 50),
        text: format!(
            "Report {i}. States met again on the treaty's protocol; talks continue next month in Vienna."
        ),
        summary: None,
        published: None,
        updated: None,
        authors: vec![],
        lang: LangGuess {
            lang: Some(lang.to_string()),
            confidence: 1.0,
            method: LangMethod::Text,
        },
        topics: if about {
            vec![TopicMatch {
                name: "un-cybercrime-convention".into(),
                score: 2.0,
                matched: vec!["UN Convention against Cybercrime".into()],
            }]
        } else {
            vec![]
        },
        links: vec![],
        cited: cited.into_iter().collect(),
        fingerprint: None,
        event: Default::default(),
    }
}

fn main() {
    let articles = support::arg("--articles", 1_000_000);
    let stories = support::arg("--stories", 2_000);
    let runs = support::arg("--runs", 5);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let now: DateTime<Utc> = "2026-11-28T00:00:00Z".parse().unwrap();
    let started = Instant::now();
    for batch in (0..articles).collect::<Vec<_>>().chunks(1000) {
        let entries: Vec<Entry> = batch
            .iter()
            .map(|&i| entry(i, LANGS[i % LANGS.len()], i % 3 == 0, None))
            .collect();
        store
            .upsert_entries(&format!("feed{}", batch[0] % 50), &entries, now)
            .unwrap();
    }
    println!(
        "store: {articles} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The window: `stories` stories about the topic, half of them translated.
    let from = store.article_id_end().unwrap();
    let mut window_entries = Vec::new();
    for s in 0..stories {
        let i = articles + s * 2;
        window_entries.push(entry(i, LANGS[s % LANGS.len()], true, None));
        if s % 2 == 0 {
            let original = window_entries.last().unwrap().url.clone();
            window_entries.push(entry(i + 1, LANGS[(s + 3) % LANGS.len()], true, Some(original)));
        }
        // Noise in the window: articles about something else.
        window_entries.push(entry(i + 2_000_000, LANGS[s % LANGS.len()], false, None));
    }
    for chunk in window_entries.chunks(1000) {
        store.upsert_entries("window", chunk, now).unwrap();
    }
    let window = Window {
        start: Some(now - chrono::Duration::days(1)),
        end: now,
        from,
        to: store.article_id_end().unwrap(),
    };
    let time = DigestTime {
        time: jiff::civil::Time::constant(7, 0, 0, 0),
        zone: jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap(),
    };
    let focus = Focus {
        topic: Some("un-cybercrime-convention"),
        locale: "en",
        max_stories: stories,
        time: &time,
    };
    let renderer = Renderer::new(None).unwrap();
    let mut times = Vec::new();
    let mut sizes = (0, 0, 0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let digest = build(&store, &window, &focus).unwrap();
        let html = renderer.render(&digest, DigestFormat::Html).unwrap();
        let text = renderer.render(&digest, DigestFormat::Text).unwrap();
        let json = renderer.render(&digest, DigestFormat::Json).unwrap();
        times.push(t.elapsed().as_secs_f64());
        sizes = (digest.story_ids.len(), html.len(), text.len(), json.len());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "digest of {} stories from a store of {} articles: median {:.3} s over {runs} runs (min {:.3}, max {:.3}); HTML {} KB (budgeted), text {} KB, JSON {} KB",
        sizes.0,
        articles + window_entries.len(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        sizes.1 / 1024,
        sizes.2 / 1024,
        sizes.3 / 1024
    );
}
