//! Shared by the benchmarks: the standard corpus from `../shared/bench/`, generated on demand.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use treatywatch::model::Entry;
use treatywatch::pipeline::{decode, feed, Judges};
use url::Url;

/// The binary's allocator and settings (src/main.rs), so that in-process figures match the
/// daemon's.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8] = b"narenas:1,tcache_max:4096,dirty_decay_ms:500,muzzy_decay_ms:0\0";

/// The shared folder: `--shared DIR` or `../shared` beside the repository.
pub fn shared_dir() -> PathBuf {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--shared")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// A numeric option `--name N`, or its default.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number")))
        .unwrap_or(default)
}

/// Generates the corpus into `dir` (deterministic: same arguments, same bytes).
pub fn generate(dir: &Path, feeds: usize, items: usize, base: &str) {
    let status = Command::new("python3")
        .arg(shared_dir().join("bench/gen_corpus.py"))
        .arg(dir)
        .args([
            "--feeds",
            &feeds.to_string(),
            "--items",
            &items.to_string(),
            "--base-url",
            base,
        ])
        .status()
        .expect("python3 runs gen_corpus.py");
    assert!(status.success());
}

/// What `truth.tsv` says of one item (by its link): its duplicate kind (`-`, `utm`,
/// `syndicated`, `translated`) and the story its story is a look-alike of (`-` if none).
pub fn truth_kinds(dir: &Path) -> HashMap<String, (String, String)> {
    let truth = std::fs::read_to_string(dir.join("truth.tsv")).unwrap();
    let header: Vec<&str> = truth.lines().next().unwrap_or("").split('\t').collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (kind, lookalike) = (column("dup_kind"), column("lookalike_of"));
    truth
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let at = |c: Option<usize>| c.and_then(|c| cols.get(c)).unwrap_or(&"-").to_string();
            (cols[2].to_string(), (at(kind), at(lookalike)))
        })
        .collect()
}

/// Every entry of every feed in a generated corpus, parsed by the real pipeline, with the story
/// id `truth.tsv` gives its link.
pub fn parse_corpus(dir: &Path, base: &str, judges: &Judges) -> Vec<(Entry, String)> {
    let truth = std::fs::read_to_string(dir.join("truth.tsv")).unwrap();
    let mut story_of_link: HashMap<String, String> = HashMap::new();
    for line in truth.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        story_of_link.insert(cols[2].to_string(), cols[3].to_string());
    }
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let url = Url::parse(&format!(
            "{base}/feeds/{}",
            path.file_name().unwrap().to_string_lossy()
        ))
        .unwrap();
        let decoded = decode::decode(&bytes, None);
        let parsed = feed::parse_feed(&decoded.text, &url, None, &jiff::tz::TimeZone::UTC).unwrap();
        for entry in parsed.entries.into_iter().map(|e| judges.judge_entry(e)) {
            let story = story_of_link
                .get(&entry.link)
                .cloned()
                .unwrap_or_else(|| panic!("{} not in truth", entry.link));
            out.push((entry, story));
        }
    }
    out
}

/// Everyday news words the synthetic benches (`api_scale`, `retention`) write articles from.
pub const WORDS: &[&str] = &[
    "government",
    "minister",
    "ceremony",
    "signed",
    "treaty",
    "cooperation",
    "evidence",
    "police",
    "court",
    "network",
    "citizens",
    "report",
    "council",
    "budget",
    "harvest",
    "weather",
    "election",
    "market",
    "trade",
    "energy",
    "health",
    "school",
    "transport",
    "football",
    "festival",
];
