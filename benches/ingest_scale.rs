//! Ingest and near-duplicate lookup at scale: `cargo bench --bench ingest_scale` (options after
//! `--`: `--articles N` (default 1,000,000), `--lookups N`, `--shared DIR`).
//!
//! Articles are synthetic but shaped like the standard corpus: each language's words come from
//! the corpus (`../shared/bench/`), titles of 8-12 words, bodies of 80-150, and 15 % are light
//! edits of a recent article in the same language (a word changed here and there), so stories
//! form. Each article goes through what the daemon does after parsing: language detection, topic
//! matching, fingerprinting and story assignment, and the store write — detection and matching
//! on a second thread, as the daemon's blocking pool does, and one writer. Then the lookups time
//! `Store::near_duplicates` on stored and unseen texts, and the store's size on disk is divided
//! by the article count.
//!
//! `NO_EVENT=1` leaves the event details out of the judging (`details::event`), to measure
//! what reading them costs.

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use treatywatch::details::event::Event;
use treatywatch::fingerprint::fingerprint;
use treatywatch::model::Entry;
use treatywatch::pipeline::Judges;
use treatywatch::store::Store;

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Roughly Zipf: small indexes far more often, as words in text.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

fn main() {
    let total = support::arg("--articles", 1_000_000);
    let lookups = support::arg("--lookups", 10_000);
    let work = tempfile::tempdir().unwrap();
    let base = "http://127.0.0.1:8089";
    support::generate(&work.path().join("corpus"), 300, 30, base);
    let judges = Judges::default();
    let corpus = support::parse_corpus(&work.path().join("corpus"), base, &judges);

    // Vocabulary per language, most frequent first.
    let mut counts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (entry, _) in &corpus {
        let lang = entry.lang.lang.clone().unwrap_or_default();
        let words = counts.entry(lang.clone()).or_default();
        let text = format!("{} {}", entry.title, entry.text);
        let units: Vec<String> = if lang == "zh" {
            text.chars()
                .filter(|c| c.is_alphanumeric())
                .map(String::from)
                .collect()
        } else {
            text.split_whitespace().map(String::from).collect()
        };
        for w in units {
            *words.entry(w).or_default() += 1;
        }
    }
    let vocab: Vec<(String, Vec<String>)> = counts
        .into_iter()
        .filter(|(l, _)| !l.is_empty())
        .map(|(lang, words)| {
            let mut words: Vec<(String, usize)> = words.into_iter().collect();
            words.sort_by_key(|w| std::cmp::Reverse(w.1));
            (lang, words.into_iter().map(|(w, _)| w).collect())
        })
        .collect();
    println!(
        "vocabulary from the corpus: {}",
        vocab
            .iter()
            .map(|(l, w)| format!("{l} {}", w.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let store_dir = work.path().join("store");
    let store = Store::open(&store_dir).unwrap();
    let workers = 2;
    let start = Instant::now();
    let now = chrono::Utc::now();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let store = store.clone();
            let vocab = vocab.clone();
            std::thread::spawn(move || {
                let judges = Judges::default();
                let mut rng = Rng(0x5eed_1234_abcd_ef01 ^ (w as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                // Texts as word indexes, so that making one costs no more than writing it out.
                let mut recent: Vec<Option<(Vec<usize>, Vec<usize>)>> = vec![None; vocab.len()];
                let mut storing = Duration::ZERO;
                let mut batch = Vec::with_capacity(30);
                // Worker w takes every articles i with i % workers == w, in feed-sized batches.
                for i in (w..total).step_by(workers) {
                    let l = rng.below(vocab.len());
                    let (lang, words) = &vocab[l];
                    let sep = if lang == "zh" { "" } else { " " };
                    let (title, body) = match recent[l].clone() {
                        Some((t, mut b)) if rng.below(100) < 15 => {
                            for _ in 0..3 {
                                let at = rng.below(b.len());
                                b[at] = rng.zipf(words.len());
                            }
                            (t, b)
                        }
                        _ => {
                            let t: Vec<usize> =
                                (0..8 + rng.below(5)).map(|_| rng.zipf(words.len())).collect();
                            let b: Vec<usize> =
                                (0..80 + rng.below(71)).map(|_| rng.zipf(words.len())).collect();
                            recent[l] = Some((t.clone(), b.clone()));
                            (t, b)
                        }
                    };
                    let write = |indexes: &[usize]| {
                        let mut out = String::with_capacity(indexes.len() * 8);
                        for (n, w) in indexes.iter().enumerate() {
                            if n > 0 {
                                out.push_str(sep);
                            }
                            out.push_str(&words[*w]);
                        }
                        out
                    };
                    let title = write(&title);
                    let text = write(&body);
                    let judged = judges.judge(&title, &text, Some(lang));
                    let event = if std::env::var("NO_EVENT").is_ok() {
                        Event::default()
                    } else {
                        Event::of(&title, &text, Some(lang), None)
                    };
                    let url = format!("https://outlet{}.example/{lang}/{i}.html", i % 997);
                    batch.push(Entry {
                        link: url.clone(),
                        url,
                        title,
                        text,
                        summary: None,
                        published: None,
                        updated: None,
                        authors: vec![],
                        lang: judged.lang,
                        topics: judged.topics,
                        fingerprint: judged.fingerprint,
                        event,
                        links: vec![],
                        cited: vec![],
                    });
                    if batch.len() == 30 {
                        let t = Instant::now();
                        store.upsert_entries("bench", &batch, now).unwrap();
                        storing += t.elapsed();
                        batch.clear();
                    }
                }
                if !batch.is_empty() {
                    let t = Instant::now();
                    store.upsert_entries("bench", &batch, now).unwrap();
                    storing += t.elapsed();
                }
                storing
            })
        })
        .collect();
    let storing: Vec<Duration> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    store.flush().unwrap();
    let elapsed = start.elapsed();
    let stored = total;
    println!(
        "ingest (generate, detect, match, fingerprint, dedup, store) on {workers} workers: {stored} articles in {:.1} s = {:.0} articles/s",
        elapsed.as_secs_f64(),
        stored as f64 / elapsed.as_secs_f64(),
    );
    println!(
        "  time in Store::upsert_entries per worker: {:?} s",
        storing
            .iter()
            .map(|d| format!("{:.1}", d.as_secs_f64()))
            .collect::<Vec<_>>()
    );

    // Lookups: half for stored texts (they find themselves), half for unseen ones.
    let mut rng = Rng(0xfeed_beef_0bad_cafe);
    let mut times = Vec::with_capacity(lookups);
    let mut found = 0;
    for q in 0..lookups {
        let (entry_title, entry_text, lang) = if q % 2 == 0 {
            let id = 1 + rng.below(stored) as u64;
            match store.article(id).unwrap() {
                Some(a) => (a.entry.title, a.entry.text, a.entry.lang.lang),
                None => continue,
            }
        } else {
            let (lang, words) = &vocab[rng.below(vocab.len())];
            let sep = if lang == "zh" { "" } else { " " };
            let t: Vec<&str> = (0..10).map(|_| words[rng.zipf(words.len())].as_str()).collect();
            let b: Vec<&str> = (0..100).map(|_| words[rng.zipf(words.len())].as_str()).collect();
            (t.join(sep), b.join(sep), Some(lang.clone()))
        };
        let Some(sig) = fingerprint(&entry_title, &entry_text, lang.as_deref()) else {
            continue;
        };
        let t = Instant::now();
        let alike = store.near_duplicates(lang.as_deref(), &sig).unwrap();
        times.push(t.elapsed());
        found += usize::from(!alike.is_empty());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0;
    println!(
        "near-duplicate lookup over {stored} articles: {} lookups, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({found} found a match)",
        times.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    // The near-duplicate index lives in memory: what it costs shows in the peak RSS.
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!(
        "peak RSS of this process (store cache, near-duplicate index of {stored} articles, corpus): {peak}"
    );
    drop(store);
    let bytes = dir_size(&store_dir);
    println!(
        "store on disk: {:.1} MB = {:.0} bytes per article (sled; JSON records, indexes, fingerprints, stories)",
        bytes as f64 / 1e6,
        bytes as f64 / stored as f64
    );
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let m = e.metadata().unwrap();
                    if m.is_dir() {
                        dir_size(&e.path())
                    } else {
                        m.len()
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
