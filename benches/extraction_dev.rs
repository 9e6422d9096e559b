//! Extraction accuracy on real pages nobody here wrote: the development halves of the Zyte
//! article-extraction benchmark and of trafilatura's evaluation set (`../shared/dev/extraction/`,
//! MIT and Apache-2.0; origin and metrics in its README). Without the data it says so and exits.
//!
//! `cargo bench --bench extraction_dev [-- --shared DIR]` decodes each page as fetching does
//! (charset sniffing included), extracts it, and prints
//! - for Zyte, upstream's metric: word 4-gram shingles of the expected and extracted text, mean
//!   precision and mean recall over pages, F1 of the two means, the share of exact matches and
//!   the pages that came out empty;
//! - for trafilatura, upstream's: each `with` segment found in the output is a true positive
//!   (else a false negative), each `without` segment found a false positive; precision, recall
//!   and F1 over all segments, the title and date right where the set gives them, and the pages
//!   that came out empty;
//! - the pages per second decoding and extraction took on one thread.
//!
//! `EXTRACT_DEBUG=1` lists the pages with the lowest recall; `EXTRACT_SHOW=ID` prints what a Zyte
//! page gave.

#[path = "support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde_json::Value;
use treatywatch::pipeline::decode;
use treatywatch::pipeline::extract::{extract, Extracted};
use url::Url;

fn main() {
    let root = support::shared_dir().join("dev/extraction");
    if !root.join("zyte/ground-truth.json").exists() {
        println!(
            "extraction_dev: {} not found; this benchmark needs ../shared/dev/extraction",
            root.display()
        );
        return;
    }
    zyte(&root.join("zyte"));
    trafilatura(&root.join("trafilatura"));
    speed(&root);
}

/// Speed on a shared machine: the pages read into memory once, then decoded and extracted in
/// several passes, the fastest quoted (other work only ever slows a pass down).
fn speed(root: &Path) {
    let mut pages = Vec::new();
    for set in ["zyte", "trafilatura"] {
        let dir = root.join(set);
        for (id, record) in &ground_truth(&dir) {
            pages.extend(page(&dir, id, record["url"].as_str().unwrap_or_default()));
        }
    }
    let passes: Vec<f64> = (0..SPEED_PASSES)
        .map(|_| {
            let started = std::time::Instant::now();
            for (bytes, base) in &pages {
                let decoded = decode::decode(bytes, Some("text/html"));
                std::hint::black_box(extract(&decoded.text, base, None));
            }
            pages.len() as f64 / started.elapsed().as_secs_f64()
        })
        .collect();
    let best = passes.iter().copied().fold(0.0, f64::max);
    let list: Vec<String> = passes.iter().map(|r| format!("{r:.0}")).collect();
    println!(
        "speed, one thread, {} pages, {SPEED_PASSES} passes: fastest {best:.0} pages/s (passes {})",
        pages.len(),
        list.join(", ")
    );
}

/// Timed passes over all pages.
const SPEED_PASSES: usize = 5;

/// A page's bytes as published, and the address it was fetched from.
fn page(dir: &Path, id: &str, url: &str) -> Option<(Vec<u8>, Url)> {
    let file = std::fs::File::open(dir.join("html").join(format!("{id}.html.gz"))).ok()?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut bytes).ok()?;
    let base = Url::parse(url).unwrap_or_else(|_| Url::parse("https://example.org/").unwrap());
    Some((bytes, base))
}

/// A page decoded and extracted as a page source does.
fn extracted(dir: &Path, id: &str, url: &str) -> Option<Extracted> {
    let (bytes, base) = page(dir, id, url)?;
    let decoded = decode::decode(&bytes, Some("text/html"));
    Some(extract(&decoded.text, &base, None))
}

fn ground_truth(dir: &Path) -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(dir.join("ground-truth.json")).expect("ground truth");
    match serde_json::from_str(&text).expect("ground truth is JSON") {
        Value::Object(map) => map,
        _ => panic!("ground truth is an object"),
    }
}

/// Upstream's tokens: runs of Python's `\w` (alphanumeric or `_`), which excludes combining
/// marks and U+200D.
fn tokens(text: &str) -> Vec<&str> {
    let is_word = |c: char| {
        (c.is_alphanumeric() || c == '_')
            && !unicode_normalization::char::is_combining_mark(c)
            && c != '\u{200d}'
    };
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_word(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// The multiset of a text's word 4-gram shingles (one shingle of all tokens for 1–3).
fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let toks = tokens(text);
    let mut out: HashMap<Vec<&str>, usize> = HashMap::new();
    if toks.is_empty() {
        return out;
    }
    if toks.len() < 4 {
        out.insert(toks, 1);
        return out;
    }
    for w in toks.windows(4) {
        *out.entry(w.to_vec()).or_default() += 1;
    }
    out
}

fn zyte(dir: &Path) {
    let truth = ground_truth(dir);
    let (mut precisions, mut recalls, mut exact) = (Vec::new(), Vec::new(), 0usize);
    let mut empty = 0usize;
    let mut worst: Vec<(f64, String, String)> = Vec::new();
    for (id, record) in &truth {
        let url = record["url"].as_str().unwrap_or_default();
        let expected = record["articleBody"].as_str().unwrap_or_default();
        let got = extracted(dir, id, url).map(|e| e.text).unwrap_or_default();
        empty += usize::from(got.trim().is_empty());
        if std::env::var("EXTRACT_SHOW").is_ok_and(|show| *id == show) {
            println!("{id}:\n{got}");
        }
        let (want, have) = (shingles(expected), shingles(&got));
        let mut tp = 0usize;
        for (s, n) in &have {
            tp += (*n).min(*want.get(s).unwrap_or(&0));
        }
        let out_total: usize = have.values().sum();
        let exp_total: usize = want.values().sum();
        if out_total > 0 {
            precisions.push(tp as f64 / out_total as f64);
            if std::env::var("EXTRACT_DEBUG").is_ok() {
                println!("  zyte precision {:.3} {id} {url}", tp as f64 / out_total as f64);
            }
        }
        if exp_total > 0 {
            let r = tp as f64 / exp_total as f64;
            recalls.push(r);
            worst.push((r, id.clone(), url.to_string()));
        }
        exact += usize::from(tokens(expected) == tokens(&got));
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (p, r) = (mean(&precisions), mean(&recalls));
    println!(
        "zyte ({} pages): precision {p:.3}, recall {r:.3}, F1 {:.3}, exact {:.1} %, empty {empty}",
        truth.len(),
        2.0 * p * r / (p + r).max(f64::EPSILON),
        100.0 * exact as f64 / truth.len().max(1) as f64
    );
    if std::env::var("EXTRACT_DEBUG").is_ok() {
        worst.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (r, id, url) in worst.iter().take(15) {
            println!("  zyte recall {r:.2} {id} {url}");
        }
    }
}

/// Whitespace collapsed, as segments and outputs are compared.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn trafilatura(dir: &Path) {
    let truth = ground_truth(dir);
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    let (mut titles, mut titles_right, mut dates, mut dates_right) = (0, 0, 0, 0);
    let mut empty = 0usize;
    let mut worst: Vec<(f64, String)> = Vec::new();
    for (id, record) in &truth {
        let url = record["url"].as_str().unwrap_or_default();
        let got = extracted(dir, id, url);
        let text = got.as_ref().map(|e| collapsed(&e.text)).unwrap_or_default();
        if std::env::var("EXTRACT_SHOW").is_ok_and(|show| *id == show) {
            println!(
                "{id}:\n{}",
                got.as_ref().map(|e| e.text.as_str()).unwrap_or_default()
            );
        }
        empty += usize::from(text.is_empty());
        let segments = |key: &str| -> Vec<String> {
            record[key]
                .as_array()
                .map(|a| a.iter().filter_map(|s| s.as_str()).map(collapsed).collect())
                .unwrap_or_default()
        };
        let (with, without) = (segments("with"), segments("without"));
        let found = with.iter().filter(|s| text.contains(s.as_str())).count();
        tp += found;
        fneg += with.len() - found;
        let leaked = without.iter().filter(|s| text.contains(s.as_str())).count();
        fp += leaked;
        if std::env::var("EXTRACT_DEBUG").is_ok() && (found < with.len() || leaked > 0) {
            println!(
                "  page {id}: missed {} of {}, leaked {leaked} of {}, {} words",
                with.len() - found,
                with.len(),
                without.len(),
                text.split(' ').count()
            );
        }
        worst.push((found as f64 / with.len().max(1) as f64, id.clone()));
        if let Some(title) = record.get("title").and_then(Value::as_str) {
            titles += 1;
            titles_right += usize::from(
                got.as_ref()
                    .is_some_and(|e| collapsed(&e.title) == collapsed(title)),
            );
        }
        if let Some(date) = record.get("date").and_then(Value::as_str) {
            dates += 1;
            dates_right += usize::from(
                got.as_ref()
                    .and_then(|e| e.published)
                    .is_some_and(|p| p.format("%Y-%m-%d").to_string() == date),
            );
        }
    }
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = tp as f64 / (tp + fneg).max(1) as f64;
    println!(
        "trafilatura ({} pages): precision {p:.3}, recall {r:.3}, F1 {:.3} (segments tp {tp}, fp {fp}, fn {fneg}); title right {:.1} % of {titles}, date right {:.1} % of {dates}; empty {empty}",
        truth.len(),
        2.0 * p * r / (p + r).max(f64::EPSILON),
        100.0 * titles_right as f64 / f64::from(titles.max(1)),
        100.0 * dates_right as f64 / f64::from(dates.max(1)),
    );
    if std::env::var("EXTRACT_DEBUG").is_ok() {
        worst.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (r, id) in worst.iter().take(15) {
            println!("  trafilatura recall {r:.2} {id}");
        }
    }
}
