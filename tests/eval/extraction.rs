//! Extraction on the labelled pages of `tests/fixtures/pages/` (written by `make.py` there):
//! token precision, recall and F1 of the main text against the expected text, and how often the
//! title and the publication time are right. `cargo test --test main extraction -- --nocapture`
//! prints the figures.

use std::collections::HashMap;

use serde::Deserialize;
use treatywatch::pipeline::decode;
use treatywatch::pipeline::extract::extract;
use url::Url;

use crate::common::{fixture, Workspace};

#[derive(Deserialize)]
struct Labelled {
    page: Vec<Page>,
}

#[derive(Deserialize)]
struct Page {
    file: String,
    url: String,
    charset: String,
    lang: String,
    title: String,
    published: String,
    text: String,
    cited: Vec<String>,
}

fn pages() -> Vec<Page> {
    let text = std::fs::read_to_string(fixture("pages/pages.toml")).unwrap();
    toml::from_str::<Labelled>(&text).unwrap().page
}

/// Lower-cased words; each Han character is a token of its own.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.to_lowercase().split(|c: char| !c.is_alphanumeric()) {
        let mut latin = String::new();
        for c in word.chars() {
            if ('\u{3400}'..='\u{9FFF}').contains(&c) {
                if !latin.is_empty() {
                    out.push(std::mem::take(&mut latin));
                }
                out.push(c.to_string());
            } else {
                latin.push(c);
            }
        }
        if !latin.is_empty() {
            out.push(latin);
        }
    }
    out
}

/// Precision, recall and F1 of `got` against `want`, over token multisets.
fn prf(got: &str, want: &str) -> (f64, f64, f64) {
    let (got, want) = (tokens(got), tokens(want));
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for t in &want {
        *counts.entry(t).or_default() += 1;
    }
    let mut common = 0;
    for t in &got {
        if let Some(c) = counts.get_mut(t.as_str()) {
            if *c > 0 {
                *c -= 1;
                common += 1;
            }
        }
    }
    let p = if got.is_empty() {
        0.0
    } else {
        common as f64 / got.len() as f64
    };
    let r = if want.is_empty() {
        0.0
    } else {
        common as f64 / want.len() as f64
    };
    let f = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
    (p, r, f)
}

#[test]
fn extraction_targets_hold_on_the_labelled_pages() {
    let pages = pages();
    assert!(pages.len() >= 30, "at least 30 pages");
    for lang in ["vi", "ar", "en", "fr", "ru", "es", "zh"] {
        assert!(pages.iter().any(|p| p.lang == lang), "a page in {lang}");
    }
    let (mut sum_p, mut sum_r, mut sum_f) = (0.0, 0.0, 0.0);
    let (mut titles, mut dates) = (0, 0);
    let mut report = Vec::new();
    for page in &pages {
        let bytes = std::fs::read(fixture(&format!("pages/{}", page.file))).unwrap();
        // No HTTP header: the page's own <meta> must decide its charset.
        let decoded = decode::decode(&bytes, None);
        assert!(
            decoded.encoding.name().eq_ignore_ascii_case(&page.charset),
            "{}: decoded as {}",
            page.file,
            decoded.encoding.name()
        );
        let got = extract(&decoded.text, &Url::parse(&page.url).unwrap(), None);
        let (p, r, f) = prf(&got.text, &page.text);
        sum_p += p;
        sum_r += r;
        sum_f += f;
        let title_ok = got.title == page.title;
        let want_time = chrono::DateTime::parse_from_rfc3339(&page.published).unwrap();
        let date_ok = got.published == Some(want_time.to_utc());
        titles += usize::from(title_ok);
        dates += usize::from(date_ok);
        assert_eq!(got.cited, page.cited, "{}: cited sources", page.file);
        report.push(format!(
            "{:<24} P {:.3} R {:.3} F1 {:.3}  title {}  date {}",
            page.file,
            p,
            r,
            f,
            if title_ok { "ok" } else { "WRONG" },
            if date_ok { "ok" } else { "WRONG" }
        ));
        if f < 0.95 || !title_ok || !date_ok {
            report.push(format!(
                "    got title {:?}, published {:?}\n    got text {:?}",
                got.title, got.published, got.text
            ));
        }
    }
    let n = pages.len() as f64;
    let (mean_f, title_rate, date_rate) = (sum_f / n, titles as f64 / n, dates as f64 / n);
    println!("{}", report.join("\n"));
    println!(
        "extraction on {} pages: mean precision {:.3}, recall {:.3}, F1 {:.3}; title right {:.1} %, date right {:.1} %",
        pages.len(),
        sum_p / n,
        sum_r / n,
        mean_f,
        title_rate * 100.0,
        date_rate * 100.0
    );
    assert!(
        mean_f >= 0.95,
        "mean F1 {mean_f:.3} below 0.95:\n{}",
        report.join("\n")
    );
    assert!(
        title_rate >= 0.95,
        "titles right on {:.1} %:\n{}",
        title_rate * 100.0,
        report.join("\n")
    );
    assert!(
        date_rate >= 0.95,
        "dates right on {:.1} %:\n{}",
        date_rate * 100.0,
        report.join("\n")
    );
}

#[test]
fn the_seed_page_cites_its_source_and_drops_its_furniture() {
    let page = pages()
        .into_iter()
        .find(|p| p.file.contains("ar-aljazeera") && p.cited.iter().any(|c| c.contains("kinhtedothi")))
        .expect("the seed page");
    let bytes = std::fs::read(fixture(&format!("pages/{}", page.file))).unwrap();
    let got = extract(
        &decode::decode(&bytes, None).text,
        &Url::parse(&page.url).unwrap(),
        None,
    );
    assert_eq!(
        got.cited,
        ["https://kinhtedothi.vn/lhq-se-to-chuc-le-ky-cong-uoc-ve-chong-toi-pham-mang-tai-viet-nam.html"]
    );
    assert!(got.text.contains("فو لي ثاي هوانغ"), "{}", got.text);
    // The ad marker, the comment counter, the "read also" box, the share bar.
    for furniture in ["إعلان", "تعليق", "اقرأ أيضا", "ارتفاع أسعار النفط", "Facebook"]
    {
        assert!(!got.text.contains(furniture), "{furniture:?} in {}", got.text);
    }
}

#[test]
fn extract_command_decodes_a_legacy_page_by_its_meta_charset() {
    let page = pages()
        .into_iter()
        .find(|p| p.charset == "windows-1256")
        .expect("a windows-1256 page");
    let ws = Workspace::new();
    ws.write_raw_config("");
    let output = ws
        .cmd()
        .args(["extract", "--json"])
        .arg(fixture(&format!("pages/{}", page.file)))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["charset"], "windows-1256");
    assert_eq!(json["title"], page.title.as_str());
    assert_eq!(json["lang_hint"], "ar");
    assert!(json["text"]
        .as_str()
        .unwrap()
        .starts_with(page.text.lines().next().unwrap()));
    let published =
        chrono::DateTime::parse_from_rfc3339(json["published"].as_str().expect("a publication time"))
            .unwrap()
            .with_timezone(&chrono::Utc);
    assert_eq!(
        published,
        page.published.parse::<chrono::DateTime<chrono::Utc>>().unwrap()
    );
    assert!(!json["author"].as_str().expect("an author").trim().is_empty());
    assert_eq!(
        json["canonical"],
        serde_json::Value::Null,
        "the page declares no address of its own"
    );
    let cited: Vec<&str> = json["cited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cited, page.cited);
}
