//! Language identification on text nobody here wrote: the development part of lingua-rs's test
//! data (`../shared/dev/langid/`, Apache-2.0; origin in its README), sentences, word pairs and
//! single words in our seven languages, and Persian and Urdu, which share Arabic's script and
//! which a store of the seven languages must not take for Arabic when their feed says what they
//! are. Without the data it says so and exits.
//!
//! `cargo bench --bench langid_dev [-- --shared DIR]` runs the detector the daemon runs (the
//! seven languages allowed, no hint) on every line and prints the share detected right per
//! language and kind of text, and the share it gave no language (too little to tell, which the
//! pipeline then takes from the feed or page); for Persian and Urdu the share taken for Arabic,
//! with no hint and with the hint their feed would give.

#[path = "support/mod.rs"]
mod support;

use treatywatch::pipeline::lang::LangDetector;

const LANGUAGES: [&str; 7] = ["vi", "ar", "en", "fr", "ru", "es", "zh"];
const KINDS: [&str; 3] = ["sentences", "word-pairs", "single-words"];

fn main() {
    let root = support::shared_dir().join("dev/langid");
    if !root.join("en/sentences.txt").exists() {
        println!(
            "langid_dev: {} not found; this benchmark needs ../shared/dev/langid",
            root.display()
        );
        return;
    }
    let detector = LangDetector::default();
    let lines = |lang: &str, kind: &str| -> Vec<String> {
        std::fs::read_to_string(root.join(lang).join(format!("{kind}.txt")))
            .map(|t| {
                t.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    println!("right, and (none) where the detector would not say; {:?}", KINDS);
    let mut totals = [(0usize, 0usize); 3];
    for lang in LANGUAGES {
        let mut row = format!("{lang:<6}");
        for (k, kind) in KINDS.iter().enumerate() {
            let texts = lines(lang, kind);
            let said: Vec<Option<String>> = texts.iter().map(|t| detector.detect(t, None).lang).collect();
            let right = said.iter().filter(|l| l.as_deref() == Some(lang)).count();
            let unsure = said.iter().filter(|l| l.is_none()).count();
            totals[k].0 += right;
            totals[k].1 += texts.len();
            let share = |n: usize| 100.0 * n as f64 / texts.len().max(1) as f64;
            row.push_str(&format!(
                " {:>5.1} % ({:>4.1} % none)",
                share(right),
                share(unsure)
            ));
        }
        println!("{row}");
    }
    let mut row = format!("{:<6}", "all");
    for (right, all) in totals {
        row.push_str(&format!(
            " {:>5.1} %              ",
            100.0 * right as f64 / all.max(1) as f64
        ));
    }
    println!("{row}");
    for lang in ["fa", "ur"] {
        let texts = lines(lang, "sentences");
        let arabic = |hint: Option<&str>| {
            let n = texts
                .iter()
                .filter(|t| detector.detect(t, hint).lang.as_deref() == Some("ar"))
                .count();
            100.0 * n as f64 / texts.len().max(1) as f64
        };
        println!(
            "{lang} sentences taken for Arabic: {:.1} % of {} with no hint, {:.1} % when the feed says {lang}",
            arabic(None),
            texts.len(),
            arabic(Some(lang))
        );
    }
}
