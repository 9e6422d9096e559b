//! Near-duplicate thresholds on the standard corpus (`../shared/bench/`), whose `truth.tsv`
//! labels every item's story: edited copies under other URLs are duplicates; different stories
//! built from the same stock sentences are look-alikes that must stay apart.
//!
//! `cargo bench --bench dedup` prints, for a sweep of similarity thresholds, the pairwise
//! precision and recall of LSH candidates above it (pairs of distinct canonical URLs), then
//! ingests everything through the real store and scores its story assignment.

#[path = "support/mod.rs"]
mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use treatywatch::fingerprint::{fingerprint, DUPLICATE_SIMILARITY};
use treatywatch::pipeline::Judges;
use treatywatch::store::Store;

fn main() {
    let feeds = support::arg("--feeds", 1000);
    let work = tempfile::tempdir().unwrap();
    let base = "http://127.0.0.1:8089";
    support::generate(&work.path().join("corpus"), feeds, 30, base);
    let judges = Judges::default();
    let entries = support::parse_corpus(&work.path().join("corpus"), base, &judges);

    // One record per canonical URL (utm copies are the same article, not near-duplicates).
    let mut by_url: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (i, (entry, story)) in entries.iter().enumerate() {
        by_url.entry(entry.url.clone()).or_insert((i, story.clone()));
    }
    let records: Vec<(usize, String)> = by_url.into_values().collect();
    let signatures: Vec<_> = records
        .iter()
        .map(|(i, _)| {
            let e = &entries[*i].0;
            fingerprint(&e.title, &e.text, e.lang.lang.as_deref())
        })
        .collect();

    // Truth: pairs of distinct URLs in one story.
    let mut members: HashMap<&str, Vec<usize>> = HashMap::new();
    for (r, (_, story)) in records.iter().enumerate() {
        members.entry(story.as_str()).or_default().push(r);
    }
    let truth: HashSet<(usize, usize)> = members
        .values()
        .flat_map(|m| {
            m.iter()
                .flat_map(move |a| m.iter().filter(move |b| a < *b).map(move |b| (*a, *b)))
        })
        .collect();

    // Candidates: records sharing an LSH band in one language.
    let mut buckets: HashMap<(String, usize, u64), Vec<usize>> = HashMap::new();
    for (r, sig) in signatures.iter().enumerate() {
        let Some(sig) = sig else { continue };
        let lang = entries[records[r].0].0.lang.lang.clone().unwrap_or_default();
        for (band, key) in sig.bands().iter().enumerate() {
            buckets.entry((lang.clone(), band, *key)).or_default().push(r);
        }
    }
    let mut candidates: HashMap<(usize, usize), f64> = HashMap::new();
    for ids in buckets.values() {
        for (x, a) in ids.iter().enumerate() {
            for b in &ids[x + 1..] {
                let pair = (*a.min(b), *a.max(b));
                candidates.entry(pair).or_insert_with(|| {
                    signatures[pair.0]
                        .as_ref()
                        .unwrap()
                        .similarity(signatures[pair.1].as_ref().unwrap())
                });
            }
        }
    }
    let unfingerprinted = signatures.iter().filter(|s| s.is_none()).count();
    println!(
        "corpus: {} entries, {} distinct URLs ({} too short to fingerprint), {} duplicate pairs, {} LSH candidate pairs",
        entries.len(),
        records.len(),
        unfingerprinted,
        truth.len(),
        candidates.len()
    );
    println!("threshold  precision  recall   (pairwise, distinct URLs)");
    for t in [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8] {
        let predicted: Vec<&(usize, usize)> = candidates
            .iter()
            .filter(|(_, s)| **s >= t)
            .map(|(p, _)| p)
            .collect();
        let tp = predicted.iter().filter(|p| truth.contains(p)).count();
        let marker = if (t - DUPLICATE_SIMILARITY).abs() < 1e-9 {
            "  <- DUPLICATE_SIMILARITY"
        } else {
            ""
        };
        println!(
            "{t:>9.2}  {:>9.4}  {:>6.4}{marker}",
            tp as f64 / predicted.len().max(1) as f64,
            tp as f64 / truth.len().max(1) as f64
        );
    }

    // End to end through the store: stories as assigned, scored pairwise against the truth.
    let store = Store::open(&work.path().join("store")).unwrap();
    let now = chrono::Utc::now();
    let start = Instant::now();
    for chunk in entries.chunks(30) {
        let batch: Vec<_> = chunk.iter().map(|(e, _)| e.clone()).collect();
        store.upsert_entries("bench", &batch, now).unwrap();
    }
    let elapsed = start.elapsed();
    let mut story_of: Vec<u64> = Vec::with_capacity(records.len());
    for (i, _) in &records {
        let id = store.article_by_url(&entries[*i].0.url).unwrap().unwrap().id;
        story_of.push(store.story_of(id).unwrap());
    }
    let mut predicted: HashSet<(usize, usize)> = HashSet::new();
    let mut by_story: HashMap<u64, Vec<usize>> = HashMap::new();
    for (r, s) in story_of.iter().enumerate() {
        by_story.entry(*s).or_default().push(r);
    }
    for m in by_story.values() {
        for (x, a) in m.iter().enumerate() {
            for b in &m[x + 1..] {
                predicted.insert((*a, *b));
            }
        }
    }
    let tp = predicted.intersection(&truth).count();
    if std::env::var("DEDUP_DEBUG").is_ok() {
        // Each wrongly joined story once: its members, their titles and why each joined.
        let mut seen = HashSet::new();
        for (a, _) in predicted.difference(&truth) {
            let story = story_of[*a];
            if !seen.insert(story) || seen.len() > 60 {
                continue;
            }
            println!("WRONG STORY {story}");
            let event_of = |url: &str| {
                entries
                    .iter()
                    .filter(|(e, _)| e.url == url)
                    .map(|(e, _)| e.event.clone())
                    .collect::<Vec<_>>()
            };
            let founder_events = event_of(&store.article(story).unwrap().unwrap().entry.url);
            for (member, reason) in store.join_reasons(story).unwrap() {
                let article = store.article(member).unwrap().unwrap();
                let conflicts: Vec<bool> = event_of(&article.entry.url)
                    .iter()
                    .flat_map(|e| founder_events.iter().map(move |f| e.conflicts_with(f)))
                    .collect();
                println!("      versions conflicting with the founder's: {conflicts:?}");
                let truth_story = records
                    .iter()
                    .find(|(i, _)| entries[*i].0.url == article.entry.url)
                    .map_or("?", |(_, s)| s.as_str());
                let why = reason.map_or("founder".to_string(), |r| {
                    serde_json::to_string(&r)
                        .unwrap_or_default()
                        .chars()
                        .take(240)
                        .collect()
                });
                println!(
                    "   {member} {truth_story} [{}] {}\n      {why}",
                    article.entry.lang.lang.as_deref().unwrap_or("?"),
                    article.entry.title
                );
            }
        }
        for (a, b) in predicted.difference(&truth).take(40) {
            let (ea, eb) = (&entries[records[*a].0].0, &entries[records[*b].0].0);
            println!(
                "FALSE {} | {}\n   A: {}\n   B: {}",
                records[*a].1,
                records[*b].1,
                ea.text.chars().take(300).collect::<String>(),
                eb.text.chars().take(300).collect::<String>()
            );
        }
    }
    println!(
        "store stories at {DUPLICATE_SIMILARITY}: precision {:.4}, recall {:.4} ({} stories for {} URLs; store ingest {:.0} articles/s)",
        tp as f64 / predicted.len().max(1) as f64,
        tp as f64 / truth.len().max(1) as f64,
        by_story.len(),
        records.len(),
        entries.len() as f64 / elapsed.as_secs_f64()
    );

    // By kind: a true pair is a syndicated pair when one side is a syndicated copy (same
    // language), a translation pair when the two are in different languages; look-alike pairs
    // are an item of a look-alike story with an item of the story it resembles.
    let kinds = support::truth_kinds(&work.path().join("corpus"));
    let kind_of = |r: usize| &kinds[&entries[records[r].0].0.link];
    let lang_of = |r: usize| entries[records[r].0].0.lang.lang.clone();
    let recall_of = |pairs: Vec<&(usize, usize)>| {
        let found = pairs.iter().filter(|p| predicted.contains(p)).count();
        (found, pairs.len())
    };
    let syndicated = recall_of(
        truth
            .iter()
            .filter(|(a, b)| {
                lang_of(*a) == lang_of(*b) && (kind_of(*a).0 == "syndicated" || kind_of(*b).0 == "syndicated")
            })
            .collect(),
    );
    let translated = recall_of(truth.iter().filter(|(a, b)| lang_of(*a) != lang_of(*b)).collect());
    if std::env::var("DEDUP_DEBUG").is_ok() {
        let show = |r: usize| {
            let e = &entries[records[r].0].0;
            let d =
                treatywatch::details::event::marked(&e.title, &e.text, e.lang.lang.as_deref(), e.published);
            format!("[{:?} {:?}] {}\n      {}", e.lang.lang, e.published, e.title, d)
        };
        let jaccard = |a: usize, b: usize| {
            let (ea, eb) = (&entries[records[a].0].0.event, &entries[records[b].0].0.event);
            let sa: HashSet<u32> = ea.comparable_said().collect();
            let sb: HashSet<u32> = eb.comparable_said().collect();
            let la: HashSet<u32> = ea.lead.iter().copied().filter(|k| sa.contains(k)).collect();
            let lb: HashSet<u32> = eb.lead.iter().copied().filter(|k| sb.contains(k)).collect();
            let j = |x: &HashSet<u32>, y: &HashSet<u32>| {
                x.intersection(y).count() as f64 / x.union(y).count().max(1) as f64
            };
            (j(&sa, &sb), j(&la, &lb))
        };
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for (i, _) in &records {
            for k in &entries[*i].0.event.said {
                *counts.entry(*k).or_default() += 1;
            }
        }
        for (a, b) in truth
            .iter()
            .filter(|(a, b)| lang_of(*a) != lang_of(*b) && !predicted.contains(&(*a, *b)))
            .take(40)
        {
            let (ea, eb) = (&entries[records[*a].0].0.event, &entries[records[*b].0].0.event);
            let weight = |k: u32| {
                let n = records.len().max(1000) as f64;
                let c = *counts.get(&k).unwrap_or(&0) as f64;
                let w = ((n + 1.0) / (c + 1.0)).ln();
                if treatywatch::details::event::Event::is_small_number(k) {
                    w * 0.5
                } else {
                    w
                }
            };
            let score: f64 = ea.said_both(eb).map(weight).sum();
            let unshared =
                |e: &treatywatch::details::event::Event, o: &treatywatch::details::event::Event| -> f64 {
                    e.comparable_said().filter(|k| !o.says(*k)).map(weight).sum()
                };
            let agreement = score / (score + unshared(ea, eb) + unshared(eb, ea));
            let same_story = story_of[*a] == story_of[*b];
            let sizes = (by_story[&story_of[*a]].len(), by_story[&story_of[*b]].len());
            println!(
                "  score {score:.1} agreement {agreement:.2} stories of size {sizes:?} same {same_story}"
            );
            let shared = ea
                .said_both(eb)
                .filter(|k| !treatywatch::details::event::Event::is_small_number(*k))
                .count();
            println!(
                "MISSED shared {shared} lead-shared {} shape {:?} sentences {}/{} conflict {}\n   {}\n   {}",
                ea.shared(eb).count(),
                ea.shape_distance(eb),
                ea.shape.len(),
                eb.shape.len(),
                ea.conflicts_with(eb),
                show(*a),
                show(*b)
            );
        }
        for (a, b) in truth
            .iter()
            .filter(|(a, b)| {
                lang_of(*a) == lang_of(*b)
                    && (kind_of(*a).0 == "syndicated" || kind_of(*b).0 == "syndicated")
                    && !predicted.contains(&(*a, *b))
            })
            .take(12)
        {
            let text = |r: usize| entries[records[r].0].0.text.chars().take(400).collect::<String>();
            println!(
                "MISSED COPY\n   {}\n   {}\n   A: {}\n   B: {}",
                show(*a),
                show(*b),
                text(*a),
                text(*b)
            );
        }
        let histogram = |name: &str, pairs: Vec<(usize, usize)>| {
            let mut said = [0usize; 11];
            let mut lead = [0usize; 11];
            let mut shape = [0usize; 12];
            let mut ratio = [0usize; 11];
            for (a, b) in &pairs {
                let (s, l) = jaccard(*a, *b);
                said[(s * 10.0) as usize] += 1;
                lead[(l * 10.0) as usize] += 1;
                let (ea, eb) = (&entries[records[*a].0].0.event, &entries[records[*b].0].0.event);
                match ea.shape_distance(eb) {
                    Some(d) => {
                        shape[((d * 20.0) as usize).min(10)] += 1;
                        if d <= 0.2 {
                            let (x, y) = (&entries[records[*a].0].0, &entries[records[*b].0].0);
                            let len = |e: &treatywatch::model::Entry| {
                                e.text.chars().filter(|c| !c.is_whitespace()).count().max(1) as f64
                            };
                            let factor = |e: &treatywatch::model::Entry| match e.lang.lang.as_deref() {
                                Some("zh") => 0.38,
                                Some("ar") => 0.9,
                                Some("fr") => 1.18,
                                Some("es") => 1.15,
                                Some("ru") => 1.1,
                                _ => 1.0,
                            };
                            let dev = ((len(x) / factor(x)) / (len(y) / factor(y))).ln().abs();
                            ratio[((dev * 20.0) as usize).min(10)] += 1;
                        }
                    }
                    None => shape[11] += 1,
                }
            }
            println!(
                "JACCARD {name} ({}): said {:?} lead {:?} shape(0.05 steps, last=unlike count) {:?} length ratio of shapes within 0.2 (|ln| 0.05 steps) {:?}",
                pairs.len(),
                said,
                lead,
                shape,
                ratio
            );
        };
        histogram(
            "true translations",
            truth
                .iter()
                .filter(|(a, b)| lang_of(*a) != lang_of(*b))
                .copied()
                .collect(),
        );
        histogram(
            "wrong cross-language",
            predicted
                .difference(&truth)
                .filter(|(a, b)| lang_of(*a) != lang_of(*b))
                .copied()
                .collect(),
        );
        {
            use treatywatch::details::event::Event;
            let weight = |k: u32| {
                let n = records.len().max(1000) as f64;
                let c = *counts.get(&k).unwrap_or(&0) as f64;
                let w = ((n + 1.0) / (c + 1.0)).ln();
                if Event::is_small_number(k) {
                    w * 0.5
                } else {
                    w
                }
            };
            let features = |a: usize, b: usize| {
                let (ea, eb) = (&entries[records[a].0].0.event, &entries[records[b].0].0.event);
                let comparable = ea.said_both(eb).filter(|k| Event::comparable(*k)).count();
                let score: f64 = ea.said_both(eb).map(weight).sum();
                let unshared = |e: &Event, o: &Event| -> f64 {
                    e.comparable_said().filter(|k| !o.says(*k)).map(weight).sum()
                };
                let agreement = score / (score + unshared(ea, eb) + unshared(eb, ea));
                let tr = ea.shape_distance(eb).is_some_and(|d| d <= 0.2);
                format!(
                    "tr={} comp={} agr={:.1}",
                    u8::from(tr),
                    comparable.min(5),
                    (agreement * 10.0).floor() / 10.0
                )
            };
            let mut table: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for (a, b) in predicted.iter().filter(|(a, b)| lang_of(*a) != lang_of(*b)) {
                let f = features(*a, *b);
                let e = table.entry(f).or_default();
                if truth.contains(&(*a, *b)) {
                    e.0 += 1
                } else {
                    e.1 += 1
                }
            }
            for (a, b) in truth
                .iter()
                .filter(|(a, b)| lang_of(*a) != lang_of(*b) && !predicted.contains(&(*a, *b)))
            {
                let f = features(*a, *b);
                if f.starts_with("tr=1") && !f.contains("comp=1") && !f.contains("comp=0") {
                    let (ea, eb) = (&entries[records[*a].0].0, &entries[records[*b].0].0);
                    // The figures each title names that the other never says, readable.
                    let unsaid =
                        |one: &treatywatch::model::Entry, other: &treatywatch::model::Entry| -> Vec<String> {
                            let keys: Vec<u32> = one.event.title_figures_unsaid_by(&other.event).collect();
                            treatywatch::details::event::read(
                                &one.title,
                                "",
                                one.lang.lang.as_deref(),
                                one.published,
                            )
                            .into_iter()
                            .filter(|(d, _)| keys.contains(&d.key()))
                            .map(|(d, _)| d.to_string())
                            .collect()
                        };
                    println!(
                        "MISSED TRANSLATION {f} persons {} titles {} conflict {} unsaid {:?} {:?}\n   {} [{:?}]\n   {} [{:?}]",
                        ea.event.persons_conflict(&eb.event),
                        ea.event.titles_conflict(&eb.event),
                        ea.event.conflicts_with(&eb.event),
                        unsaid(ea, eb),
                        unsaid(eb, ea),
                        ea.title,
                        String::from_utf8_lossy(&ea.event.persons),
                        eb.title,
                        String::from_utf8_lossy(&eb.event.persons)
                    );
                }
                table.entry(format!("{f} MISSED")).or_default().0 += 1;
            }
            for (k, (right, wrong)) in &table {
                println!("FEATURES {k}: right {right} wrong {wrong}");
            }
        }
        let wrong: Vec<_> = predicted.difference(&truth).collect();
        let cross = wrong.iter().filter(|(a, b)| lang_of(*a) != lang_of(*b)).count();
        println!("WRONG PAIRS {} of which cross-language {}", wrong.len(), cross);
        for (a, b) in predicted
            .difference(&truth)
            .filter(|(a, b)| (lang_of(*a) == lang_of(*b)) == std::env::var("DEDUP_CROSS").is_err())
            .take(
                std::env::var("DEDUP_SHOW")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(16),
            )
        {
            println!("WRONG\n   {}\n   {}", show(*a), show(*b));
            let story = story_of[*a];
            for (member, reason) in store.join_reasons(story).unwrap() {
                let title = store
                    .article(member)
                    .unwrap()
                    .map(|m| m.entry.title)
                    .unwrap_or_default();
                println!(
                    "      member {member} {title:?}: {}",
                    serde_json::to_string(&reason).unwrap()
                );
            }
        }
    }
    let mut lookalike_pairs = 0usize;
    let mut lookalike_merged = 0usize;
    let story_rows: HashMap<&str, &Vec<usize>> = members.iter().map(|(k, v)| (*k, v)).collect();
    for (story, rows) in &members {
        let of = &kind_of(rows[0]).1;
        let Some(original) = story_rows.get(of.as_str()) else {
            continue;
        };
        if of == story {
            continue;
        }
        for a in rows.iter() {
            for b in original.iter() {
                lookalike_pairs += 1;
                lookalike_merged += usize::from(story_of[*a] == story_of[*b]);
            }
        }
    }
    let largest = by_story.values().map(Vec::len).max().unwrap_or(0);
    let share = |(found, all): (usize, usize)| found as f64 / all.max(1) as f64;
    println!(
        "by kind: syndicated copies recall {:.4} ({}/{}); translations recall {:.4} ({}/{}); look-alike pairs merged {:.2} % ({lookalike_merged}/{lookalike_pairs}); largest story {largest} articles",
        share(syndicated),
        syndicated.0,
        syndicated.1,
        share(translated),
        translated.0,
        translated.1,
        100.0 * lookalike_merged as f64 / lookalike_pairs.max(1) as f64,
    );
}
