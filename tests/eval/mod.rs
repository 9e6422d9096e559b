//! Evaluations on labelled sets written for treatywatch (`tests/fixtures/eval/`). Each prints
//! its figures (`cargo test --test main eval -- --nocapture`) and holds the targets.

mod extraction;

use std::collections::BTreeMap;

use serde::Deserialize;
use treatywatch::config::topic::BUILTIN_TOPIC;
use treatywatch::details::event::Event;
use treatywatch::pipeline::Judges;

#[derive(Deserialize)]
struct Labelled {
    article: Vec<Article>,
}

#[derive(Deserialize)]
struct Article {
    id: String,
    lang: String,
    kind: String,
    title: String,
    text: String,
}

fn load(name: &str) -> Vec<Article> {
    let text = std::fs::read_to_string(crate::common::fixture(&format!("eval/{name}"))).unwrap();
    toml::from_str::<Labelled>(&text).unwrap().article
}

#[test]
fn language_and_topic_targets_hold_on_the_labelled_set() {
    let articles = load("topics.toml");
    let judges = Judges::default();
    let kinds = ["relevant", "hard-negative", "unrelated"];
    for kind in kinds {
        assert!(
            articles.iter().filter(|a| a.kind == kind).count() >= 20,
            "at least 20 {kind}"
        );
    }
    let (mut lang_total, mut lang_right) = (0, 0);
    let mut all_right = 0;
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    let mut per_lang: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut mistakes = Vec::new();
    for a in &articles {
        assert!(kinds.contains(&a.kind.as_str()), "{}: kind {}", a.id, a.kind);
        let sample = format!("{}\n{}", a.title, a.text);
        // Language: no hint, so the detector alone is measured.
        let guess = judges.lang.detect(&sample, None);
        all_right += usize::from(guess.lang.as_deref() == Some(a.lang.as_str()));
        if sample.chars().count() > 200 {
            lang_total += 1;
            let right = guess.lang.as_deref() == Some(a.lang.as_str());
            lang_right += usize::from(right);
            let entry = per_lang.entry(a.lang.as_str()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(right);
            if !right {
                mistakes.push(format!("{}: language {:?}", a.id, guess.lang));
            }
        }
        let topics = judges.topics.classify(&a.title, &a.text, guess.lang.as_deref());
        let predicted = topics.iter().any(|t| t.name == BUILTIN_TOPIC);
        let relevant = a.kind == "relevant";
        match (predicted, relevant) {
            (true, true) => tp += 1,
            (true, false) => {
                fp += 1;
                mistakes.push(format!("{}: false positive via {:?}", a.id, topics[0].matched));
            }
            (false, true) => {
                fneg += 1;
                mistakes.push(format!("{}: missed", a.id));
            }
            (false, false) => {}
        }
    }
    let accuracy = lang_right as f64 / lang_total as f64;
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fneg).max(1) as f64;
    println!(
        "labelled set: {} articles ({} over 200 characters)",
        articles.len(),
        lang_total
    );
    for (lang, (n, right)) in &per_lang {
        println!("  {lang}: language {right}/{n}");
    }
    println!(
        "language accuracy: {accuracy:.3} over 200 characters; {:.3} on all texts with their titles",
        all_right as f64 / articles.len() as f64
    );
    println!(
        "topic {BUILTIN_TOPIC}: precision {precision:.3}, recall {recall:.3} (tp {tp}, fp {fp}, fn {fneg})"
    );
    for m in &mistakes {
        println!("  {m}");
    }
    assert!(
        accuracy >= 0.99,
        "language accuracy {accuracy:.3} < 0.99: {mistakes:?}"
    );
    // Issue 14's targets: no hard negative in any language is ever taken for the convention.
    assert!(
        precision >= 1.0,
        "topic precision {precision:.3} < 1.0: {mistakes:?}"
    );
    assert!(recall >= 0.98, "topic recall {recall:.3} < 0.98: {mistakes:?}");
}

#[derive(Deserialize)]
struct DuplicateSet {
    article: Vec<GroupedArticle>,
}

#[derive(Deserialize)]
struct GroupedArticle {
    group: String,
    url: String,
    lang: String,
    title: String,
    text: String,
    /// When it was published; the duplicate set leaves it out.
    #[serde(default)]
    published: Option<chrono::DateTime<chrono::Utc>>,
}

/// Entries as the judges see them, in file order.
fn judged_entries(articles: &[GroupedArticle]) -> Vec<treatywatch::model::Entry> {
    use treatywatch::fingerprint::fingerprint;
    use treatywatch::model::Entry;
    use treatywatch::pipeline::cite::refs_of;
    use url::Url;

    let judges = Judges::default();
    articles
        .iter()
        .map(|a| {
            let lang = judges.lang.detect(&format!("{}\n{}", a.title, a.text), None);
            assert_eq!(lang.lang.as_deref(), Some(a.lang.as_str()), "{}", a.url);
            let refs = refs_of(&a.text, &a.text, &Url::parse(&a.url).unwrap());
            // The store indexes the fingerprint the judges computed; it computes none itself.
            let fingerprint = fingerprint(&a.title, &a.text, lang.lang.as_deref());
            let event = Event::of(&a.title, &a.text, lang.lang.as_deref(), a.published);
            Entry {
                url: a.url.clone(),
                link: a.url.clone(),
                title: a.title.clone(),
                text: a.text.clone(),
                summary: None,
                published: a.published,
                updated: None,
                authors: vec![],
                topics: judges.topics.classify(&a.title, &a.text, lang.lang.as_deref()),
                lang,
                links: refs.links,
                cited: refs.cited,
                fingerprint,
                event,
            }
        })
        .collect()
}

/// The story of each entry after ingesting them one by one into a fresh store.
fn stories_of(entries: &[treatywatch::model::Entry]) -> Vec<u64> {
    let dir = tempfile::tempdir().unwrap();
    let store = treatywatch::store::Store::open(dir.path()).unwrap();
    let now = chrono::Utc::now();
    for entry in entries {
        store
            .upsert_entries("eval", std::slice::from_ref(entry), now)
            .unwrap();
    }
    entries
        .iter()
        .map(|e| {
            store
                .story_of(store.article_by_url(&e.url).unwrap().unwrap().id)
                .unwrap()
        })
        .collect()
}

/// Pairwise precision and recall of stories against the labelled groups, over the pairs
/// `counted` selects, with the mistakes.
fn pair_scores(
    articles: &[GroupedArticle],
    story: &[u64],
    counted: impl Fn(&GroupedArticle, &GroupedArticle) -> bool,
) -> (f64, f64, Vec<String>) {
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    let mut mistakes = Vec::new();
    for i in 0..articles.len() {
        for j in i + 1..articles.len() {
            if !counted(&articles[i], &articles[j]) {
                continue;
            }
            match (story[i] == story[j], articles[i].group == articles[j].group) {
                (true, true) => tp += 1,
                (true, false) => {
                    fp += 1;
                    mistakes.push(format!("joined {} and {}", articles[i].url, articles[j].url));
                }
                (false, true) => {
                    fneg += 1;
                    mistakes.push(format!("split {} and {}", articles[i].url, articles[j].url));
                }
                (false, false) => {}
            }
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fneg).max(1) as f64;
    (precision, recall, mistakes)
}

#[test]
fn story_targets_hold_on_the_labelled_events() {
    let text = std::fs::read_to_string(crate::common::fixture("eval/events.toml")).unwrap();
    let articles = toml::from_str::<DuplicateSet>(&text).unwrap().article;
    let events: std::collections::BTreeSet<&str> = articles
        .iter()
        .map(|a| a.group.as_str())
        .filter(|g| !g.starts_with("like-"))
        .collect();
    let langs: std::collections::BTreeSet<&str> = articles.iter().map(|a| a.lang.as_str()).collect();
    assert!(
        events.len() >= 4 && langs.len() == 7,
        "four events in seven languages"
    );

    let entries = judged_entries(&articles);
    let story = stories_of(&entries);
    let (within_p, within_r, within_mistakes) = pair_scores(&articles, &story, |a, b| a.lang == b.lang);
    let (cross_p, cross_r, cross_mistakes) = pair_scores(&articles, &story, |a, b| a.lang != b.lang);
    println!(
        "events: {} articles, {} events and {} look-alikes; within one language precision {within_p:.3}, recall {within_r:.3}; across languages precision {cross_p:.3}, recall {cross_r:.3}",
        articles.len(),
        events.len(),
        articles.iter().map(|a| a.group.as_str()).filter(|g| g.starts_with("like-")).collect::<std::collections::BTreeSet<_>>().len()
    );
    for m in within_mistakes.iter().chain(&cross_mistakes) {
        println!("  {m}");
    }
    assert!(
        within_p >= 0.98,
        "within-language precision {within_p:.3}: {within_mistakes:?}"
    );
    assert!(
        within_r >= 0.9,
        "within-language recall {within_r:.3}: {within_mistakes:?}"
    );
    assert!(
        cross_p >= 0.95,
        "cross-language precision {cross_p:.3}: {cross_mistakes:?}"
    );
    assert!(
        cross_r >= 0.8,
        "cross-language recall {cross_r:.3}: {cross_mistakes:?}"
    );
}

#[test]
fn story_targets_hold_on_the_labelled_duplicate_set() {
    use treatywatch::fingerprint::DUPLICATE_SIMILARITY;

    let text = std::fs::read_to_string(crate::common::fixture("eval/duplicates.toml")).unwrap();
    let set: DuplicateSet = toml::from_str(&text).unwrap();
    let articles = set.article;
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &articles {
        *sizes.entry(a.group.as_str()).or_default() += 1;
    }
    let groups = sizes.values().filter(|n| **n > 1).count();
    let singles = sizes.values().filter(|n| **n == 1).count();
    assert!(
        groups >= 15 && singles >= 15,
        "15 duplicate groups and as many look-alikes"
    );
    let entries = judged_entries(&articles);

    // The sweep the threshold is chosen from: similarity of every same-language pair.
    let sigs: Vec<_> = entries.iter().map(|e| e.fingerprint).collect();
    let (mut same, mut different) = (Vec::new(), Vec::new());
    for i in 0..entries.len() {
        for j in i + 1..entries.len() {
            if articles[i].lang != articles[j].lang {
                continue;
            }
            if let (Some(a), Some(b)) = (&sigs[i], &sigs[j]) {
                let s = a.similarity(b);
                if articles[i].group == articles[j].group {
                    same.push(s);
                } else {
                    different.push(s);
                }
            }
        }
    }
    same.sort_by(f64::total_cmp);
    different.sort_by(f64::total_cmp);
    println!(
        "same-language similarity: duplicates min {:.3} median {:.3}; others max {:.3} (threshold {DUPLICATE_SIMILARITY})",
        same[0],
        same[same.len() / 2],
        different.last().unwrap()
    );

    let story = stories_of(&entries);
    let (precision, recall, mistakes) = pair_scores(&articles, &story, |_, _| true);
    println!(
        "stories: {} articles, {groups} duplicate groups, {singles} look-alikes; pairwise precision {precision:.3}, recall {recall:.3}",
        articles.len()
    );
    for m in &mistakes {
        println!("  {m}");
    }
    assert!(
        precision >= 0.98,
        "duplicate precision {precision:.3} < 0.98: {mistakes:?}"
    );
    assert!(
        recall >= 0.90,
        "duplicate recall {recall:.3} < 0.90: {mistakes:?}"
    );
}
