//! Stories across languages on text nobody here wrote: the development part of NTREX-128
//! (`../shared/dev/ntrex/`, 62 news documents professionally translated into vi, ar, en, fr,
//! ru, es and zh; CC BY-SA 4.0). Each version is one article of its own outlet, all published
//! at one time, so only their content can join them.
//!
//! `cargo bench --bench ntrex [-- --shared DIR]` ingests every version through the real
//! judges and store and prints the cross-language pairwise precision and recall of the stories
//! and the share of stories that hold more than one document. Without the data set it says so
//! and exits.

#[path = "support/mod.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use treatywatch::model::{Entry, Unjudged};
use treatywatch::pipeline::Judges;
use treatywatch::store::Store;

#[derive(Deserialize)]
struct Version {
    doc: String,
    lang: String,
    title: String,
    text: String,
}

fn main() {
    let path = support::shared_dir().join("dev/ntrex/ntrex-dev.jsonl");
    let Ok(data) = std::fs::read_to_string(&path) else {
        println!(
            "ntrex: {} not found; this benchmark needs ../shared/dev/ntrex",
            path.display()
        );
        return;
    };
    let versions: Vec<Version> = data
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("an NTREX line"))
        .collect();
    let judges = Judges::default();
    let published = "2019-06-01T09:00:00Z".parse().ok();
    let mut by_lang: BTreeMap<&str, Vec<Entry>> = BTreeMap::new();
    for v in &versions {
        let url = format!("https://{}.ntrex.example/{}", v.lang, v.doc);
        let entry = Entry {
            url: url.clone(),
            link: url,
            title: v.title.clone(),
            text: v.text.clone(),
            summary: None,
            published,
            updated: None,
            authors: vec![],
            lang: treatywatch::model::LangGuess::unknown(),
            topics: vec![],
            links: vec![],
            cited: vec![],
            fingerprint: None,
            event: Default::default(),
        };
        let judged = judges.judge_entry(Unjudged {
            entry,
            lang_hint: Some(v.lang.clone()),
        });
        by_lang.entry(v.lang.as_str()).or_default().push(judged);
    }
    if std::env::var("NTREX_DEBUG").is_ok() {
        for lang in ["en", "fr", "zh", "ar", "ru"] {
            let e = &by_lang[lang][0];
            let d = treatywatch::details::event::marked(&e.title, &e.text, Some(lang), e.published);
            println!("{lang} {:?} shape {:?}\n   {}", e.title, e.event.shape, d);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let now = chrono::Utc::now();
    // One outlet per language, polled in turn.
    for (lang, entries) in &by_lang {
        store
            .upsert_entries(&format!("outlet-{lang}"), entries, now)
            .unwrap();
    }
    let mut story_of: Vec<u64> = Vec::new();
    for v in &versions {
        let url = format!("https://{}.ntrex.example/{}", v.lang, v.doc);
        let id = store.article_by_url(&url).unwrap().expect("stored").id;
        story_of.push(store.story_of(id).unwrap());
    }
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    for a in 0..versions.len() {
        for b in a + 1..versions.len() {
            if versions[a].lang == versions[b].lang {
                continue;
            }
            match (story_of[a] == story_of[b], versions[a].doc == versions[b].doc) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fneg += 1,
                (false, false) => {}
            }
        }
    }
    let mut docs_of: HashMap<u64, Vec<&str>> = HashMap::new();
    for (v, s) in versions.iter().zip(&story_of) {
        docs_of.entry(*s).or_default().push(&v.doc);
    }
    if std::env::var("NTREX_DEBUG").is_ok() {
        for (story, docs) in &docs_of {
            if docs.iter().any(|d| *d != docs[0]) {
                println!("MIXED story {story}:");
                for (v, s) in versions.iter().zip(&story_of) {
                    if s == story {
                        let e = by_lang[v.lang.as_str()]
                            .iter()
                            .find(|e| e.url.ends_with(&format!("/{}", v.doc)))
                            .unwrap();
                        println!("   {} {} {}", v.lang, v.doc, e.title);
                    }
                }
            }
        }
    }
    let joined: Vec<&Vec<&str>> = docs_of.values().filter(|d| d.len() > 1).collect();
    let mixed = joined.iter().filter(|d| d.iter().any(|x| *x != d[0])).count();
    println!(
        "ntrex: {} versions of {} documents; cross-language pairs precision {:.3}, recall {:.3} (tp {tp}, fp {fp}, fn {fneg}); {} stories of several versions, {} ({:.1} %) holding more than one document",
        versions.len(),
        versions.iter().map(|v| &v.doc).collect::<std::collections::BTreeSet<_>>().len(),
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / (tp + fneg).max(1) as f64,
        joined.len(),
        mixed,
        100.0 * mixed as f64 / joined.len().max(1) as f64,
    );
    // What `details::event` weighs a translation's length by: characters (spaces aside) per
    // character of the English version, the median over the documents.
    let length = |v: &Version| v.text.chars().filter(|c| !c.is_whitespace()).count() as f64;
    let english: BTreeMap<&str, f64> = versions
        .iter()
        .filter(|v| v.lang == "en")
        .map(|v| (v.doc.as_str(), length(v)))
        .collect();
    let mut medians = Vec::new();
    for lang in ["vi", "ar", "fr", "ru", "es", "zh"] {
        let mut ratios: Vec<f64> = versions
            .iter()
            .filter(|v| v.lang == lang)
            .filter_map(|v| {
                english
                    .get(v.doc.as_str())
                    .filter(|e| **e > 0.0)
                    .map(|e| length(v) / e)
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        if let Some(median) = ratios.get(ratios.len() / 2) {
            medians.push(format!("{lang} {median:.2}"));
        }
    }
    println!(
        "characters per English character (median): {}",
        medians.join(", ")
    );
}
