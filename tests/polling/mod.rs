//! `poll --once` over every feed format: fixture feeds served on 127.0.0.1, polled by the real
//! binary into a real sled store, with languages, canonical URLs and stories; failing feeds
//! reported while the others are stored; `parse` shows a feed without storing it.

use std::collections::HashMap;

use serde_json::Value;

use crate::common::{feed_block, fixture_server, good_feeds, Workspace};

fn by_url(articles: &[Value]) -> HashMap<String, Value> {
    articles
        .iter()
        .map(|a| (a["url"].as_str().unwrap().to_string(), a.clone()))
        .collect()
}

#[test]
fn poll_once_stores_every_format_with_language_and_canonical_url() {
    let server = fixture_server();
    let ws = Workspace::new();
    ws.write_config(&good_feeds(&server));

    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "poll failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("arabic-1256: 2 new"), "{stdout}");
    // The aggregator and VnExpress carry one article; whichever is polled first stores it.
    let new: usize = stdout
        .lines()
        .filter_map(|l| l.split(": ").nth(1)?.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert_eq!(new, 14, "{stdout}");

    let articles = ws.list_json(&[]);
    let urls = by_url(&articles);
    // 3 vi + 2 ar + 2 fr + 2 en + 2 ru + 4 from the aggregator, of which one is a utm_ copy of a
    // VnExpress article: 14 distinct articles.
    assert_eq!(articles.len(), 14, "{:#?}", urls.keys().collect::<Vec<_>>());
    for article in &articles {
        assert!(article["id"].as_u64().is_some(), "{article}");
        for field in ["url", "title", "lang", "feed", "fetched"] {
            let value = article[field].as_str().unwrap_or_default();
            assert!(!value.is_empty(), "{field} of {article}");
        }
        // Every fixture item carries a date; published comes out as RFC 3339.
        let published = article["published"].as_str().unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(published).is_ok(),
            "published of {article}"
        );
    }

    let expected_lang = [
        (
            "https://vnexpress.net/lhq-le-ky-cong-uoc-chong-toi-pham-mang-4812345.html",
            "vi",
        ),
        ("https://vnexpress.net/hoi-nghi-khi-hau-4812500.html", "vi"),
        (
            "https://arabic.example.com/world/2025/02/un-cybercrime-convention-hanoi.html",
            "ar",
        ),
        ("https://arabic.example.com/economy/2025/02/oil-prices.html", "ar"),
        ("https://news.un.org/fr/story/2025/10/1157001", "fr"),
        ("https://news.un.org/fr/story/2025/10/1157002", "fr"),
        ("https://news.un.org/en/story/2025/10/1166001", "en"),
        ("https://news.un.org/ru/story/2025/10/1467001", "ru"),
        ("https://news.un.org/es/story/2025/10/1541001", "es"),
        ("https://news.un.org/zh/story/2025/10/1142001", "zh"),
    ];
    for (url, lang) in expected_lang {
        let article = urls
            .get(url)
            .unwrap_or_else(|| panic!("{url} not stored; have {:?}", urls.keys()));
        assert_eq!(article["lang"], lang, "language of {url}");
    }

    // The built-in topic finds the convention in every language and nothing else.
    let about: Vec<&str> = articles
        .iter()
        .filter(|a| {
            a["topics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "un-cybercrime-convention")
        })
        .map(|a| a["url"].as_str().unwrap())
        .collect();
    let mut about = about;
    about.sort();
    assert_eq!(
        about,
        vec![
            "https://arabic.example.com/world/2025/02/un-cybercrime-convention-hanoi.html",
            "https://kinhtedothi.vn/lhq-se-to-chuc-le-ky-cong-uoc-ve-chong-toi-pham-mang-tai-viet-nam.html",
            "https://news.un.org/en/story/2025/10/1166001",
            "https://news.un.org/es/story/2025/10/1541001",
            "https://news.un.org/fr/story/2025/10/1157001",
            "https://news.un.org/ru/story/2025/10/1467001",
            "https://news.un.org/zh/story/2025/10/1142001",
            "https://vnexpress.net/lhq-le-ky-cong-uoc-chong-toi-pham-mang-4812345.html",
        ]
    );
    let topic_listed = ws.list_json(&["--topic", "un-cybercrime-convention"]);
    assert_eq!(topic_listed.len(), 8);

    // The Arabic seed is a translation that cites its Vietnamese source, and VnExpress reported
    // the same consultation in the same words: one story of three articles in two languages,
    // whichever feed was stored first.
    let seed_story =
        &urls["https://arabic.example.com/world/2025/02/un-cybercrime-convention-hanoi.html"]["story"];
    let source_story = &urls
        ["https://kinhtedothi.vn/lhq-se-to-chuc-le-ky-cong-uoc-ve-chong-toi-pham-mang-tai-viet-nam.html"]
        ["story"];
    assert_eq!(seed_story, source_story);
    let stories: std::collections::HashSet<String> =
        articles.iter().map(|a| a["story"].to_string()).collect();
    // UN News's French and English reports of the signing name the same details (Hanoi, the
    // Saturday of that week) in sentences of the same shape: one story across languages. (Its
    // Russian, Spanish and Chinese versions name no more than Hanoi and the day in one
    // sentence, too little to tell them from another report from Hanoi that week.)
    assert_eq!(
        urls["https://news.un.org/fr/story/2025/10/1157001"]["story"],
        urls["https://news.un.org/en/story/2025/10/1166001"]["story"]
    );
    assert_eq!(stories.len(), 11);
    let out = ws.cmd().args(["stories", "--json"]).output().unwrap();
    let stories: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let joined = stories
        .iter()
        .find(|s| {
            s["languages"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("ar"))
        })
        .expect("the seed's story");
    assert_eq!(joined["members"].as_array().unwrap().len(), 3);
    // Each member says why it joined: the founder nothing, the others by what evidence.
    let reasons: Vec<&Value> = joined["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["joined"])
        .collect();
    assert_eq!(reasons.iter().filter(|r| r.is_null()).count(), 1, "{reasons:?}");
    for reason in reasons.iter().filter(|r| !r.is_null()) {
        assert!(
            ["copy", "citation", "link", "details", "merged"].contains(&reason["by"].as_str().unwrap_or("")),
            "{reason}"
        );
        assert!(
            reason["with"].as_u64().or(reason["via"].as_u64()).is_some(),
            "{reason}"
        );
    }
    assert_eq!(joined["languages"], serde_json::json!(["ar", "vi"]));
    // The VnExpress report is owned by whichever of its two feeds was polled first.
    let outlets: Vec<&str> = joined["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert!(
        outlets.contains(&"aggregator") && outlets.contains(&"arabic-1256"),
        "{outlets:?}"
    );
    assert!(
        outlets
            .iter()
            .all(|o| ["aggregator", "arabic-1256", "vnexpress"].contains(o)),
        "{outlets:?}"
    );
    assert_eq!(&joined["id"], seed_story);

    // The utm_ copy (upper-case host, default port, fragment, tracking parameters) is the
    // VnExpress article, stored once under the feed that brought it first.
    let copies: Vec<_> = articles
        .iter()
        .filter(|a| a["url"].as_str().unwrap().contains("4812345"))
        .collect();
    assert_eq!(copies.len(), 1);

    // The windows-1256 feed decoded to real Arabic, and the seed article is Arabic.
    let seed = &urls["https://arabic.example.com/world/2025/02/un-cybercrime-convention-hanoi.html"];
    assert_eq!(
        seed["title"],
        "الأمم المتحدة تعقد مشاورة بشأن اتفاقية مكافحة الجرائم الإلكترونية قبل حفل التوقيع في هانوي"
    );
    assert_eq!(seed["published"], "2025-02-07T12:00:00Z");
    let shown = ws
        .cmd()
        .args(["show", &seed["id"].to_string(), "--json"])
        .output()
        .unwrap();
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert!(shown["text"]
        .as_str()
        .unwrap()
        .contains("اتفاقية الأمم المتحدة لمكافحة الجرائم الإلكترونية"));

    // A second poll adds nothing.
    let again = ws.cmd().args(["poll", "--once"]).output().unwrap();
    let again_out = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success());
    assert_eq!(again_out.matches(" 0 new, 0 updated").count(), 6, "{again_out}");
    assert_eq!(ws.list_json(&[]).len(), 14);
}

#[test]
fn failing_feeds_are_reported_and_the_others_stored() {
    let server = fixture_server();
    let ws = Workspace::new();
    let mut feeds = good_feeds(&server);
    feeds.push_str(&feed_block("html-page", &server.url("/page.html")));
    feeds.push_str(&feed_block("malformed", &server.url("/broken.rss")));
    feeds.push_str(&feed_block("server-error", &server.url("/error.rss")));
    feeds.push_str(&feed_block("missing", &server.url("/nothing-here.rss")));
    ws.write_config(&feeds);

    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{stdout}");
    assert!(
        stdout.contains("html-page: failed: not a feed: the document is an HTML page"),
        "{stdout}"
    );
    assert!(stdout.contains("malformed: failed: malformed feed"), "{stdout}");
    assert!(stdout.contains("server-error: failed: http 500"), "{stdout}");
    assert!(stdout.contains("missing: failed: http 404"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("4 of 10 feeds failed"));
    assert_eq!(ws.list_json(&[]).len(), 14);
}

#[test]
fn parse_prints_entries_without_storing() {
    let server = fixture_server();
    let ws = Workspace::new();
    ws.write_config("");
    // From a URL: the HTTP path.
    let lines = parse_json(&ws, &server.url("/ar.rss"));
    assert_eq!(lines.len(), 3, "the feed's line, then its two entries");
    assert_eq!(lines[0]["feed"]["title"], "أخبار العالم");
    assert_eq!(lines[0]["feed"]["entries"], 2);
    assert_eq!(lines[1]["feed_title"], "أخبار العالم");
    assert_eq!(lines[1]["lang"], "ar");
    assert!(lines[1]["id"].is_null());
    // From a file: the same decoding rules.
    let file = crate::common::fixture("feeds/rss2_vietnamese.xml");
    let out = ws
        .cmd()
        .args(["parse", file.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let first: Value =
        serde_json::from_str(String::from_utf8(out.stdout).unwrap().lines().nth(1).unwrap()).unwrap();
    assert_eq!(first["feed_language"], "vi-vn");
    assert_eq!(first["lang"], "vi");
    assert!(!ws.store_path().exists(), "parse must not create a store");
    // Not a feed: a clear error.
    let out = ws
        .cmd()
        .args(["parse", &server.url("/page.html")])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a feed"));
    // A feed without entries still prints its own line.
    let empty = ws.dir.path().join("empty.xml");
    std::fs::write(
        &empty,
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Quiet &amp; empty</title></channel></rss>",
    )
    .unwrap();
    let lines = parse_json(&ws, empty.to_str().unwrap());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["feed"]["title"], "Quiet & empty");
    assert_eq!(lines[0]["feed"]["entries"], 0);
}

/// The lines `parse SOURCE --json` prints, which must succeed.
fn parse_json(ws: &Workspace, source: &str) -> Vec<Value> {
    let out = ws.cmd().args(["parse", source, "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
