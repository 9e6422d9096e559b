//! Polite, bounded fetching through `poll --once`: validators and 304, Retry-After, backoff,
//! and every kind of hostile server (a connection reset mid-body too) ending in a recorded
//! error while good feeds keep flowing.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::common::{feed_block, Reply, TestServer, Workspace};

fn feeds_json(ws: &Workspace) -> Vec<Value> {
    let out = ws.cmd().args(["feeds", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn feed<'a>(feeds: &'a [Value], name: &str) -> &'a Value {
    feeds
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no feed {name} in {feeds:?}"))
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn second_poll_sends_validators_and_a_304_stores_nothing() {
    let vi = std::fs::read(crate::common::fixture("feeds/rss2_vietnamese.xml")).unwrap();
    let server = TestServer::handler(move |req| {
        if req.headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
            return Reply::status(304).header("ETag", "\"v1\"");
        }
        Reply::ok("application/rss+xml", vi.clone())
            .header("ETag", "\"v1\"")
            .header("Last-Modified", "Thu, 06 Feb 2025 10:00:00 GMT")
    });
    let ws = Workspace::new();
    ws.write_config(&feed_block("vn", &server.url("/vi.rss")));
    ws.cmd().args(["poll", "--once"]).assert().success();
    let first = feeds_json(&ws);
    assert_eq!(feed(&first, "vn")["etag"], "\"v1\"");

    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "vn: not modified");

    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].headers.get("if-none-match"),
        None,
        "first poll is unconditional"
    );
    assert_eq!(
        seen[1].headers.get("if-none-match").map(String::as_str),
        Some("\"v1\"")
    );
    assert_eq!(
        seen[1].headers.get("if-modified-since").map(String::as_str),
        Some("Thu, 06 Feb 2025 10:00:00 GMT")
    );
    let ua = &seen[0].headers["user-agent"];
    assert!(
        ua.starts_with(&format!("treatywatch/{} (+http", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );

    let second = feeds_json(&ws);
    let vn = feed(&second, "vn");
    assert_eq!(vn["last_status"], 304);
    assert_eq!(vn["articles"], 3);
    assert_eq!(vn["consecutive_failures"], 0);
    assert_eq!(ws.list_json(&[]).len(), 3);
}

#[test]
fn retry_after_pushes_next_poll_and_backoff_resets_on_success() {
    let failures_left = Arc::new(AtomicUsize::new(2));
    let vi = std::fs::read(crate::common::fixture("feeds/rss2_vietnamese.xml")).unwrap();
    let counter = failures_left.clone();
    let server = TestServer::handler(move |req| match req.path.as_str() {
        "/busy" => Reply::status(503).header("Retry-After", "7200"),
        "/limited" => Reply::status(429).header("Retry-After", "Wed, 01 Dec 2100 00:00:00 GMT"),
        _ if counter.load(Ordering::SeqCst) > 0 => {
            counter.fetch_sub(1, Ordering::SeqCst);
            Reply::status(500)
        }
        _ => Reply::ok("application/rss+xml", vi.clone()),
    });
    let ws = Workspace::new();
    ws.write_config(&format!(
        "[fetch]\ninterval = \"10m\"\n\n{}{}{}",
        feed_block("busy", &server.url("/busy")),
        feed_block("limited", &server.url("/limited")),
        feed_block("flaky", &server.url("/flaky")),
    ));
    // Times are printed to the second.
    let before = Utc::now() - chrono::Duration::seconds(1);
    ws.cmd().args(["poll", "--once"]).assert().code(6);
    let feeds = feeds_json(&ws);
    let busy = feed(&feeds, "busy");
    assert_eq!(busy["last_status"], 503);
    assert!(busy["last_error"].as_str().unwrap().contains("http 503"));
    assert!(
        time(&busy["next_poll"]) >= before + chrono::Duration::seconds(7200),
        "{busy}"
    );
    // A date a lifetime away is capped at a day, so a broken server cannot park a feed forever.
    let limited = feed(&feeds, "limited");
    assert!(time(&limited["next_poll"]) <= Utc::now() + chrono::Duration::hours(24));
    assert!(time(&limited["next_poll"]) >= before + chrono::Duration::hours(23));

    let flaky = feed(&feeds, "flaky");
    assert_eq!(flaky["consecutive_failures"], 1);
    let first_wait = time(&flaky["next_poll"]) - time(&flaky["last_attempt"]);
    ws.cmd().args(["poll", "--once"]).assert().code(6);
    let flaky = feeds_json(&ws)
        .into_iter()
        .find(|f| f["name"] == "flaky")
        .unwrap();
    assert_eq!(flaky["consecutive_failures"], 2);
    let second_wait = time(&flaky["next_poll"]) - time(&flaky["last_attempt"]);
    // 10m then 20m, each within ±10 % jitter.
    assert!(first_wait >= chrono::Duration::minutes(9) && first_wait <= chrono::Duration::minutes(11));
    assert!(second_wait >= chrono::Duration::minutes(18) && second_wait <= chrono::Duration::minutes(22));

    ws.cmd().args(["poll", "--once"]).assert().code(6);
    let flaky = feeds_json(&ws)
        .into_iter()
        .find(|f| f["name"] == "flaky")
        .unwrap();
    assert_eq!(flaky["consecutive_failures"], 0);
    assert!(flaky["last_error"].is_null());
    let wait = time(&flaky["next_poll"]) - time(&flaky["last_attempt"]);
    assert!(
        wait <= chrono::Duration::minutes(11),
        "back to the normal interval: {wait}"
    );
}

#[test]
fn hostile_servers_end_in_recorded_errors_while_good_feeds_flow() {
    let vi = std::fs::read(crate::common::fixture("feeds/rss2_vietnamese.xml")).unwrap();
    let ru = std::fs::read(crate::common::fixture("feeds/rss1_rdf_russian.xml")).unwrap();
    let zeros = vec![b' '; 64 * 1024 * 1024];
    let bomb = gzip(&zeros);
    assert!(
        bomb.len() < 1024 * 1024,
        "the bomb itself is small: {}",
        bomb.len()
    );
    let big: Vec<u8> = std::iter::repeat_n(b'x', 3 * 1024 * 1024).collect();
    let server = TestServer::routes(vec![
        ("/good.rss", Reply::ok("application/rss+xml", vi)),
        (
            "/gzipped.rdf",
            Reply::ok("application/rdf+xml", gzip(&ru)).header("Content-Encoding", "gzip"),
        ),
        (
            "/bomb.rss",
            Reply::ok("application/rss+xml", bomb).header("Content-Encoding", "gzip"),
        ),
        ("/big.rss", Reply::ok("application/rss+xml", big)),
        (
            "/slow.rss",
            Reply {
                drip: Some((1, Duration::from_secs(1))),
                ..Reply::ok("application/rss+xml", vec![b' '; 60])
            },
        ),
        ("/loop", Reply::status(302).header("Location", "/loop")),
        (
            "/malformed.rss",
            Reply::ok("application/rss+xml", "<rss version=\"2.0\"><channel><item>"),
        ),
    ]);
    let ws = Workspace::new();
    let mut config = String::from("[fetch]\nmax_body = \"2MiB\"\ntimeout = \"10s\"\n\n");
    for (name, path) in [
        ("good", "/good.rss"),
        ("gzipped", "/gzipped.rdf"),
        ("bomb", "/bomb.rss"),
        ("big", "/big.rss"),
        ("loop", "/loop"),
        ("malformed", "/malformed.rss"),
    ] {
        config.push_str(&feed_block(name, &server.url(path)));
    }
    config.push_str(&feed_block("slow", &server.url("/slow.rss")));
    config.push_str("timeout = \"2s\"\n");
    ws.write_config(&config);

    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{stdout}");
    assert!(stdout.contains("good: 3 new"), "{stdout}");
    assert!(stdout.contains("gzipped: 2 new"), "{stdout}");
    let expected = [
        ("bomb", "response larger than the 2097152-byte limit"),
        ("big", "response larger than the 2097152-byte limit"),
        ("slow", "timed out after 2s"),
        ("loop", "too many redirects"),
        ("malformed", "malformed feed"),
    ];
    let feeds = feeds_json(&ws);
    for (name, error) in expected {
        assert!(
            stdout.contains(&format!("{name}: failed: {error}")),
            "{name}: {stdout}"
        );
        let health = feed(&feeds, name);
        assert!(health["last_error"].as_str().unwrap().contains(error), "{health}");
        assert_eq!(health["consecutive_failures"], 1);
        assert!(health["last_success"].is_null());
        assert!(health["next_poll"].is_string());
    }
    assert_eq!(feed(&feeds, "good")["last_error"], Value::Null);
    assert_eq!(ws.list_json(&[]).len(), 5);
}

/// A server on 127.0.0.1 that answers the first `resets` requests with the headers and part
/// of the body, then resets the connection (SO_LINGER 0, so the kernel sends RST), and the
/// whole feed after that.
fn resetting_server(feed: Vec<u8>, resets: usize) -> String {
    use std::io::{BufRead, BufReader};
    use std::os::fd::AsRawFd;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                feed.len()
            );
            let _ = stream.write_all(head.as_bytes());
            if n < resets {
                let _ = stream.write_all(&feed[..feed.len() / 3]);
                let _ = stream.flush();
                let linger = libc::linger {
                    l_onoff: 1,
                    l_linger: 0,
                };
                // SAFETY: a valid socket and a correctly sized linger struct.
                unsafe {
                    libc::setsockopt(
                        stream.as_raw_fd(),
                        libc::SOL_SOCKET,
                        libc::SO_LINGER,
                        std::ptr::addr_of!(linger).cast(),
                        std::mem::size_of::<libc::linger>() as libc::socklen_t,
                    );
                }
            } else {
                let _ = stream.write_all(&feed);
            }
        }
    });
    format!("http://{addr}/reset.rss")
}

#[test]
fn a_connection_reset_mid_body_is_the_feeds_error_and_the_next_poll_stores_it_whole() {
    let vi = std::fs::read(crate::common::fixture("feeds/rss2_vietnamese.xml")).unwrap();
    let url = resetting_server(vi, 1);
    let ws = Workspace::new();
    ws.write_config(&feed_block("reset", &url));

    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{stdout}");
    assert!(stdout.contains("reset: failed:"), "{stdout}");
    let health = feed(&feeds_json(&ws), "reset").clone();
    let error = health["last_error"].as_str().unwrap();
    assert!(error.contains("Connection reset by peer"), "{health}");
    assert_eq!(health["consecutive_failures"], 1);
    assert!(ws.list_json(&[]).is_empty(), "a cut body stored nothing");

    // The next poll (not before its backoff in the daemon; `poll --once` polls now) gets it.
    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("reset: 3 new"), "{stdout}");
    assert_eq!(feed(&feeds_json(&ws), "reset")["last_error"], Value::Null);
}
