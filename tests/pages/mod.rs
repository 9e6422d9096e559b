//! Sources without feeds, and feeds whose items are teasers: listing pages on a real server on
//! 127.0.0.1, their article pages fetched, extracted and stored; links that leave the allowed
//! hosts never followed; `discover`.

use serde_json::Value;

use crate::common::{fixture, Reply, TestServer, Workspace};

fn page(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("pages/{name}"))).unwrap()
}

fn listing(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .map(|href| {
            format!("<li><h3><a href=\"{href}\">A headline long enough to be an article link</a></h3></li>")
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>World</title></head><body>\
         <header><nav><a href=\"/\">Home</a><a href=\"/world\">World</a><a href=\"/tag/hanoi-convention-news-and-more\">Hanoi convention tag page</a></nav></header>\
         <main><ul>{items}</ul><a href=\"/world?page=2\">Next page of the world section news</a></main>\
         <footer><a href=\"/about-this-newspaper-and-its-staff\">About this newspaper and its staff</a></footer></body></html>"
    )
}

#[test]
fn a_page_source_stores_its_articles_and_never_leaves_its_host() {
    // Another loopback server: reachable, so a link followed to it would show in its log.
    let elsewhere = TestServer::routes(vec![(
        "/world/elsewhere-on-another-host.html",
        Reply::ok("text/html", page("01-en-bbc.html")),
    )]);
    let foreign = elsewhere.url("/world/elsewhere-on-another-host.html");
    let site = {
        let foreign = foreign.clone();
        TestServer::handler(move |req| match req.path.as_str() {
            "/world" => Reply::ok(
                "text/html; charset=utf-8",
                listing(&[
                    "/world/hon-60-quoc-gia-ky-cong-uoc-ha-noi.html",
                    "/world/2026/02/06/1234567",
                    &foreign,
                    "http://169.254.169.254/latest/meta-data/iam-credentials-here",
                    "/world/moved-to-an-internal-address-now.html",
                ]),
            ),
            "/world/hon-60-quoc-gia-ky-cong-uoc-ha-noi.html" => {
                Reply::ok("text/html", page("07-vi-kinhtedothi.html"))
            }
            // No charset in the HTTP header: the page's own <meta> (windows-1256) decides.
            "/world/2026/02/06/1234567" => Reply::ok("text/html", page("11-ar-aljazeera.html")),
            // A redirect from an allowed page into another loopback server.
            "/world/moved-to-an-internal-address-now.html" => Reply::status(302).header("Location", &foreign),
            _ => Reply::status(404),
        })
    };
    let ws = Workspace::new();
    ws.write_config(&format!(
        "[[feed]]\nname = \"site\"\nurl = \"{}\"\nkind = \"page\"\n",
        site.url("/world")
    ));
    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("site: 2 new") && stdout.contains("1 article pages not fetched"),
        "{stdout}"
    );

    let articles = ws.list_json(&[]);
    assert_eq!(articles.len(), 2, "{articles:?}");
    let by_lang = |lang: &str| -> &Value {
        articles
            .iter()
            .find(|a| a["lang"] == lang)
            .unwrap_or_else(|| panic!("no {lang} article in {articles:?}"))
    };
    let vi = by_lang("vi");
    assert_eq!(vi["feed"], "site");
    assert_eq!(vi["published"], "2026-02-08T08:49:00Z");
    assert_eq!(
        vi["title"],
        "Việt Nam chuẩn bị phê chuẩn công ước về tội phạm mạng"
    );
    assert_eq!(
        vi["cited"],
        serde_json::json!(["https://vnexpress.net/cong-uoc-ha-noi-4870000.html"])
    );
    assert_eq!(vi["topics"], serde_json::json!(["un-cybercrime-convention"]));
    let ar = by_lang("ar");
    assert_eq!(ar["title"], "أكثر من ستين دولة توقع اتفاقية هانوي");

    let shown = ws
        .cmd()
        .args(["show", "--json", vi["url"].as_str().unwrap()])
        .output()
        .unwrap();
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    let text = shown["text"].as_str().unwrap();
    assert!(
        text.starts_with("Bộ Công an") && !text.contains("Bình luận") && !text.contains("Quảng cáo"),
        "{text}"
    );

    assert!(
        elsewhere.seen().is_empty(),
        "a link or redirect reached another host: {:?}",
        elsewhere.seen().iter().map(|s| &s.path).collect::<Vec<_>>()
    );
    let fetched = |path: &str| site.seen().iter().filter(|s| s.path == path).count();
    assert_eq!(
        fetched("/tag/hanoi-convention-news-and-more"),
        0,
        "navigation is not an article"
    );

    // A second poll reads the listing again but no known article.
    ws.cmd().args(["poll", "--once"]).assert().success();
    assert_eq!(fetched("/world"), 2);
    assert_eq!(fetched("/world/hon-60-quoc-gia-ky-cong-uoc-ha-noi.html"), 1);
    assert_eq!(fetched("/world/2026/02/06/1234567"), 1);
    // The page whose redirect was refused waits out its backoff (the 15-minute interval).
    assert_eq!(fetched("/world/moved-to-an-internal-address-now.html"), 1);
    let health = ws.cmd().args(["feeds", "--json"]).output().unwrap();
    let health: Value = serde_json::from_slice(&health.stdout).unwrap();
    let unfetched = &health["unfetched"][0];
    assert_eq!(
        unfetched["url"],
        site.url("/world/moved-to-an-internal-address-now.html")
    );
    assert!(
        unfetched["error"].as_str().unwrap().contains("refused"),
        "{unfetched}"
    );
    assert_eq!(unfetched["failures"], 1);
    assert_eq!(ws.list_json(&[]).len(), 2);
}

/// A feed of one teaser item whose link is `link(base)`, `base` being this server's address.
fn teaser_feed(base: &str, link: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title><link>{base}/</link>\
         <item><title>Dozens of states sign UN cybercrime treaty in Hanoi</title>\
         <link>{link}</link><description>Sixty countries signed.</description>\
         <pubDate>Mon, 02 Feb 2026 02:07:00 GMT</pubDate></item></channel></rss>"
    )
}

fn show(ws: &Workspace, url: &str) -> Value {
    let out = ws.cmd().args(["show", "--json", url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn fetch_full_stores_the_page_text_beside_the_teaser() {
    let server = TestServer::handler(|req| {
        let base = format!("http://{}", req.headers.get("host").cloned().unwrap_or_default());
        match req.path.as_str() {
            "/rss" => Reply::ok(
                "application/rss+xml",
                teaser_feed(&base, &format!("{base}/story/hanoi.html")),
            ),
            "/story/hanoi.html" => Reply::ok("text/html; charset=utf-8", page("01-en-bbc.html")),
            _ => Reply::status(404),
        }
    });
    let ws = Workspace::new();
    ws.write_config(&format!(
        "[[feed]]\nname = \"wire\"\nurl = \"{}\"\nfetch_full = true\n",
        server.url("/rss")
    ));
    for _ in 0..2 {
        ws.cmd().args(["poll", "--once"]).assert().success();
        let list = ws.list_json(&[]);
        assert_eq!(list.len(), 1);
        let shown = show(&ws, list[0]["url"].as_str().unwrap());
        let text = shown["text"].as_str().unwrap();
        assert!(text.starts_with("More than sixty countries signed"), "{shown}");
        assert!(!text.contains("cookies") && !text.contains("Related"), "{text}");
        assert_eq!(shown["summary"], "Sixty countries signed.");
    }
    // Polled twice; the page fetched once.
    assert_eq!(
        server
            .seen()
            .iter()
            .filter(|s| s.path == "/story/hanoi.html")
            .count(),
        1
    );
}

#[test]
fn fetch_full_does_not_follow_items_to_another_host() {
    let elsewhere = TestServer::routes(vec![(
        "/story/hanoi.html",
        Reply::ok("text/html", page("01-en-bbc.html")),
    )]);
    let link = elsewhere.url("/story/hanoi.html");
    let server = TestServer::handler(move |req| {
        let base = format!("http://{}", req.headers.get("host").cloned().unwrap_or_default());
        Reply::ok("application/rss+xml", teaser_feed(&base, &link))
    });
    let ws = Workspace::new();
    ws.write_config(&format!(
        "[[feed]]\nname = \"wire\"\nurl = \"{}\"\nfetch_full = true\n",
        server.url("/rss")
    ));
    ws.cmd().args(["poll", "--once"]).assert().success();
    let list = ws.list_json(&[]);
    assert_eq!(
        show(&ws, list[0]["url"].as_str().unwrap())["text"],
        "Sixty countries signed."
    );
    assert!(elsewhere.seen().is_empty(), "the other host was asked");
}

#[test]
fn discover_lists_advertised_feeds_or_suggests_a_page_source() {
    let server = TestServer::routes(vec![
        (
            "/with-feeds",
            Reply::ok(
                "text/html",
                "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" title=\"World\" href=\"/rss/world.rss\">\
                 <link rel=\"alternate\" type=\"application/atom+xml\" href=\"https://other.example/atom.xml\">\
                 <link rel=\"alternate\" hreflang=\"fr\" href=\"/fr/\"></head><body></body></html>",
            ),
        ),
        ("/world", Reply::ok("text/html", listing(&["/world/hon-60-quoc-gia-ky-cong-uoc-ha-noi.html"]))),
    ]);
    let ws = Workspace::new();
    ws.write_raw_config("");
    let out = ws
        .cmd()
        .args(["discover", &server.url("/with-feeds")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with(&format!("{} ", server.url("/rss/world.rss"))),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("https://other.example/atom.xml "),
        "{stdout}"
    );

    let out = ws
        .cmd()
        .args(["discover", &server.url("/world")])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("kind = \"page\"") && stdout.contains(&format!("url = \"{}\"", server.url("/world"))),
        "{stdout}"
    );
    assert!(stdout.contains("(1 article links found on it now)"), "{stdout}");
    // The suggestion is a config that works.
    let snippet: String = stdout
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    ws.write_config(&snippet);
    ws.cmd().args(["poll", "--once"]).assert().success();
}

#[test]
fn page_keys_are_checked_with_their_line() {
    let ws = Workspace::new();
    ws.write_raw_config(
        "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nkind = \"page\"\nlink_selector = \"h3 >> a\"\n\n\
         [[feed]]\nname = \"b\"\nurl = \"https://b.example/rss\"\ninclude = [\"/world/\"]\n",
    );
    let out = ws.cmd().args(["feeds"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("feeds.toml:5: 'link_selector' of feed 'a' is not a valid CSS selector"),
        "{stderr}"
    );
    assert!(
        stderr.contains("feeds.toml:10: 'include' of feed 'b' applies only to kind = \"page\""),
        "{stderr}"
    );
}
