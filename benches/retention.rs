//! Disk under steady load with retention: `cargo bench --bench retention` (options after `--`:
//! `--days N` (default 90), `--per-day N` (default 5,000), `--keep N` days (default 14)).
//!
//! Each simulated day stores `per-day` new articles (about 1 KB of text each, a tenth about the
//! convention, in seven languages) and then prunes what was fetched more than `keep` days
//! before, as the daemon does daily; every ten days it prints the articles held and the bytes
//! on disk. sled reclaims space only as it rewrites segments, so the question is whether the
//! size levels off once pruning keeps pace, or keeps growing.

use treatywatch::model::{Entry, LangGuess, LangMethod};
use treatywatch::store::Store;

#[path = "support/mod.rs"]
mod support;

/// The first 17 of the shared list: the figures in the README were measured with these.
const WORDS: &[&str] = support::WORDS.split_at(17).0;

fn entry(n: usize) -> Entry {
    let text: Vec<&str> = (0..140).map(|i| WORDS[(n * 7 + i * 13) % WORDS.len()]).collect();
    Entry {
        url: format!("https://site{}.example/{n}", n % 300),
        link: format!("https://site{}.example/{n}", n % 300),
        title: format!("Report {n}"),
        text: text.join(" "),
        summary: None,
        published: None,
        updated: None,
        authors: vec![],
        topics: vec![],
        links: vec![format!("https://cited{}.example/{}", n % 50, n / 3)],
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

fn main() {
    let days = support::arg("--days", 90);
    let per_day = support::arg("--per-day", 5000);
    let keep = support::arg("--keep", 14) as i64;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let start: chrono::DateTime<chrono::Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    println!("day  articles  MB on disk  (keep {keep} days, {per_day} new a day)");
    let mut n = 0;
    for day in 1..=days {
        let now = start + chrono::Duration::days(day as i64);
        for _ in 0..per_day / 1000 {
            let batch: Vec<Entry> = (n..n + 1000).map(entry).collect();
            n += 1000;
            store.upsert_entries("feed", &batch, now).unwrap();
        }
        store.prune(now - chrono::Duration::days(keep), now).unwrap();
        store.flush().unwrap();
        if day % 10 == 0 || day == days {
            println!(
                "{day:>3}  {:>8}  {:>10.1}",
                store.article_count(),
                store.bytes_on_disk().unwrap() as f64 / 1e6
            );
        }
    }
}
