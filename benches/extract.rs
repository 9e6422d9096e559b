//! Extraction throughput on one core: `cargo bench --bench extract` (options after `--`:
//! `--seconds N`, default 5).
//!
//! The page is a labelled evaluation page (`tests/fixtures/pages/`, an English article in a
//! Guardian-like layout) grown to about 100 KB the way real pages are large: an inline
//! analytics script and a JSON state blob in the head, a mega-menu of 300 links, a body of 40
//! paragraphs, related and "most read" boxes, a long footer. Each iteration decodes the bytes
//! (charset sniffing included) and extracts, as `extract` and page sources do.

use std::time::{Duration, Instant};

use treatywatch::pipeline::decode;
use treatywatch::pipeline::extract::extract;
use url::Url;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn page() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pages/02-en-guardian2.html"
    );
    let base = std::fs::read_to_string(path).expect("the evaluation page");
    let script = format!(
        "<script>window.__STATE__ = {{\"items\": [{}]}};</script>",
        (0..700)
            .map(|i| format!(
                "{{\"id\": {i}, \"slug\": \"story-{i}\", \"section\": \"world\", \"score\": {}}}",
                i * 7 % 13
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let menu: String = (0..300)
        .map(|i| format!("<li><a href=\"/section/{i}\">Section number {i}</a></li>"))
        .collect();
    let body: String = (0..40)
        .map(|i| {
            format!(
                "<p>Paragraph {i}: delegates from more than sixty countries met again to discuss how the convention \
                 would be implemented, which safeguards national laws should contain, and how electronic evidence \
                 would be shared between authorities, officials said on Saturday.</p>"
            )
        })
        .collect();
    let boxes: String = (0..150)
        .map(|i| {
            format!(
                "<li><a href=\"/story/{i}.html\">Another headline about something else, number {i}</a></li>"
            )
        })
        .collect();
    base.replacen("</head>", &format!("{script}</head>"), 1)
        .replacen(
            "<header>",
            &format!("<header><ul class=\"mega-menu\">{menu}</ul>"),
            1,
        )
        .replacen(
            "<div class=\"newsletter-promo\">",
            &format!("{body}</div><div class=\"newsletter-promo\">"),
            1,
        )
        .replacen(
            "<footer>",
            &format!("<div class=\"most-read\"><ul>{boxes}</ul></div><footer><ul>{boxes}</ul>"),
            1,
        )
}

fn main() {
    let html = page();
    let bytes = html.as_bytes();
    let url = Url::parse("https://news.example.com/02-en-guardian2.html").unwrap();
    let check = extract(&decode::decode(bytes, None).text, &url, None);
    assert!(
        check.text.contains("Paragraph 39"),
        "the bench page must extract its body"
    );
    let budget = Duration::from_secs(arg("--seconds", 5));
    let start = Instant::now();
    let mut pages = 0u64;
    while start.elapsed() < budget {
        let decoded = decode::decode(bytes, Some("text/html"));
        let extracted = extract(&decoded.text, &url, None);
        std::hint::black_box(extracted);
        pages += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "extraction of a {:.0} KB page on one thread: {pages} pages in {elapsed:.1} s = {:.0} pages/s ({:.2} ms per page); {} lines of text",
        bytes.len() as f64 / 1024.0,
        pages as f64 / elapsed,
        elapsed * 1000.0 / pages as f64,
        check.text.lines().count()
    );
}
