//! The digest through the real binary: `digest --preview` after a poll shows what the next
//! digest holds without recording it, `--send` makes and delivers it once (a second `--send`
//! has nothing new), `--history` lists both with their sinks' states.

mod mail;

use crate::common::{fixture_server, good_feeds, Workspace};

fn digest_config(ws: &Workspace, feeds: &str) {
    ws.write_config(&format!(
        "{feeds}[digest]\ntime = \"07:00\"\ntimezone = \"Asia/Ho_Chi_Minh\"\ntopic = \"un-cybercrime-convention\"\n\n[[digest.sink]]\nkind = \"file\"\ndir = \"out\"\nformat = \"html\"\n\n[[digest.sink]]\nkind = \"file\"\ndir = \"out-vi\"\nformat = \"text\"\nlocale = \"vi\"\n"
    ));
}

fn stdout(ws: &Workspace, args: &[&str]) -> String {
    let out = ws.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn a_digest_is_previewed_then_sent_once_and_listed() {
    let server = fixture_server();
    let ws = Workspace::new();
    digest_config(&ws, &good_feeds(&server));
    ws.cmd().args(["poll", "--once"]).assert().success();

    let preview = stdout(&ws, &["digest", "--preview"]);
    assert!(
        preview.starts_with("UN Convention against Cybercrime\n"),
        "{preview}"
    );
    assert!(
        preview.contains("Countries sign landmark UN Convention against Cybercrime in Hanoi"),
        "{preview}"
    );
    // The seed: the Arabic report and its Vietnamese source are one story with both languages.
    assert!(
        preview.contains("ar, vi") || preview.contains("ar, en, vi"),
        "{preview}"
    );
    let html = stdout(&ws, &["digest", "--preview", "--format", "html"]);
    assert!(html.contains(r#"lang="ar" dir="rtl""#), "{html}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&ws, &["digest", "--preview", "--format", "json"])).unwrap();
    let stories = json["stories"].as_array().unwrap().len();
    assert!(stories >= 4, "{json}");
    assert!(
        files(&ws.dir.path().join("out")).is_empty(),
        "a preview records and sends nothing"
    );

    let sent = stdout(&ws, &["digest", "--send"]);
    assert!(sent.contains("delivered"), "{sent}");
    let html_files = files(&ws.dir.path().join("out"));
    let text_files = files(&ws.dir.path().join("out-vi"));
    assert_eq!((html_files.len(), text_files.len()), (1, 1), "{sent}");
    let delivered = std::fs::read_to_string(&html_files[0]).unwrap();
    // The sink gets the stories the preview showed (the window's end, a minute later, may not).
    let headings = |page: &str| -> Vec<String> {
        page.lines()
            .filter(|l| l.contains("<h2"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(headings(&delivered), headings(&html));
    assert!(!headings(&html).is_empty());
    let vietnamese = std::fs::read_to_string(&text_files[0]).unwrap();
    assert!(
        vietnamese.starts_with("Công ước của Liên hợp quốc về chống tội phạm mạng"),
        "{vietnamese}"
    );

    // Nothing new since: the next digest says so, and nothing is sent twice.
    assert!(stdout(&ws, &["digest", "--preview"]).contains("Nothing new since the last digest."));
    stdout(&ws, &["digest", "--send"]);
    let html_files = files(&ws.dir.path().join("out"));
    assert_eq!(html_files.len(), 2);
    let second = std::fs::read_to_string(&html_files[1]).unwrap();
    assert!(
        second.contains("Nothing new since the last digest.") && !second.contains("Countries sign landmark"),
        "{second}"
    );

    let history: Vec<serde_json::Value> = stdout(&ws, &["digest", "--history", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["stories"].as_u64().unwrap() as usize, stories);
    assert_eq!(history[0]["stories"], 0);
    for digest in &history {
        for sink in digest["sinks"].as_array().unwrap() {
            assert_eq!(sink["state"], "delivered", "{digest}");
            assert_eq!(sink["attempts"], 1, "{digest}");
        }
    }
    assert_eq!(
        history[0]["window_start"], history[1]["window_end"],
        "windows follow each other"
    );
}

#[test]
fn a_sink_that_cannot_write_keeps_its_copy_pending_for_a_retry() {
    let server = fixture_server();
    let ws = Workspace::new();
    digest_config(&ws, &good_feeds(&server));
    ws.cmd().args(["poll", "--once"]).assert().success();
    // A file where the folder should be: the sink cannot write.
    std::fs::write(ws.dir.path().join("out"), "not a folder").unwrap();
    let out = ws.cmd().args(["digest", "--send"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("failed, retried from"), "{text}");
    let history = stdout(&ws, &["digest", "--history"]);
    assert!(history.contains("failed (1 attempts)"), "{history}");
    assert!(
        history.contains("out-vi: delivered"),
        "the other sink is not held back: {history}"
    );
}

/// Debian's Chromium, which `.ci/run` installs; the README lists it among the test needs.
fn chromium() -> std::path::PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
        .expect("the HTML digest is checked in a real browser: install Chromium (Debian: apt-get install chromium)")
}

#[test]
fn the_html_digest_opens_in_a_real_browser_with_each_language_in_its_direction() {
    let server = fixture_server();
    let ws = Workspace::new();
    digest_config(&ws, &good_feeds(&server));
    ws.cmd().args(["poll", "--once"]).assert().success();
    let page = ws.dir.path().join("digest.html");
    std::fs::write(&page, stdout(&ws, &["digest", "--preview", "--format", "html"])).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The DOM as the browser built it: every story there, Arabic blocks right to left.
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("Countries sign landmark UN Convention against Cybercrime in Hanoi"),
        "{dom}"
    );
    assert!(dom.contains(r#"lang="ar" dir="rtl""#), "{dom}");
    assert!(
        dom.contains(r#"lang="zh-Hans""#) || !dom.contains("联合国"),
        "Chinese blocks are tagged zh-Hans"
    );
    assert!(!dom.contains("<script"), "{dom}");
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The Standard Webhooks signature, computed here independently of the sink.
fn expected_signature(id: &str, timestamp: &str, body: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &b64.decode(&SECRET[6..]).unwrap());
    let signed = [id.as_bytes(), b".", timestamp.as_bytes(), b".", body].concat();
    format!("v1,{}", b64.encode(ring::hmac::sign(&key, &signed).as_ref()))
}

fn webhook_config(ws: &Workspace, feeds: &str, url: &str) {
    ws.write_config(&format!(
        "{feeds}[digest]\ntime = \"07:00\"\ntimezone = \"UTC\"\n\n[[digest.sink]]\nkind = \"webhook\"\nurl = \"{url}\"\nformat = \"json\"\nsecret_env = \"TW_TEST_WEBHOOK_SECRET\"\n"
    ));
}

fn with_secret(ws: &Workspace, args: &[&str]) -> std::process::Output {
    ws.cmd()
        .env("TW_TEST_WEBHOOK_SECRET", SECRET)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_webhook_that_fails_then_recovers_gets_the_same_signed_message_twice() {
    let feeds = fixture_server();
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let receiver = {
        let answered = answered.clone();
        crate::common::TestServer::handler(move |_| {
            if answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                crate::common::Reply::status(500)
            } else {
                crate::common::Reply::ok("text/plain", "ok")
            }
        })
    };
    let ws = Workspace::new();
    webhook_config(&ws, &good_feeds(&feeds), &receiver.url("/hook"));
    ws.cmd()
        .args(["poll", "--once"])
        .env("TW_TEST_WEBHOOK_SECRET", SECRET)
        .assert()
        .success();

    let sent = with_secret(&ws, &["digest", "--send"]);
    let text = String::from_utf8_lossy(&sent.stdout);
    assert_eq!(sent.status.code(), Some(6), "{text}");
    assert!(
        text.contains("failed, retried from") && text.contains("500"),
        "{text}"
    );
    let id = text
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    let resent = with_secret(&ws, &["digest", "--resend", &id]);
    assert!(
        resent.status.success(),
        "{}",
        String::from_utf8_lossy(&resent.stdout)
    );

    let posts = receiver.seen();
    assert_eq!(posts.len(), 2);
    for post in &posts {
        assert_eq!((post.method.as_str(), post.path.as_str()), ("POST", "/hook"));
        assert_eq!(post.headers["content-type"], "application/json");
        let signature = expected_signature(
            &post.headers["webhook-id"],
            &post.headers["webhook-timestamp"],
            &post.body,
        );
        assert_eq!(post.headers["webhook-signature"], signature);
        let digest: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
        assert!(digest["stories"].as_array().unwrap().len() >= 4, "{digest}");
    }
    assert_eq!(
        posts[0].headers["webhook-id"], posts[1].headers["webhook-id"],
        "a resend is recognisably the same message"
    );
    assert_eq!(posts[0].body, posts[1].body, "the same stored bytes");
    let history = String::from_utf8(with_secret(&ws, &["digest", "--history"]).stdout).unwrap();
    assert!(history.contains(": delivered"), "{history}");
}

#[test]
fn a_webhook_refusal_is_given_up_at_once_with_the_receivers_words() {
    let feeds = fixture_server();
    let receiver = crate::common::TestServer::handler(|_| crate::common::Reply {
        status: 403,
        headers: vec![],
        body: b"forbidden: unknown sender".to_vec(),
        drip: None,
    });
    let ws = Workspace::new();
    webhook_config(&ws, &good_feeds(&feeds), &receiver.url("/hook"));
    ws.cmd()
        .args(["poll", "--once"])
        .env("TW_TEST_WEBHOOK_SECRET", SECRET)
        .assert()
        .success();
    let sent = with_secret(&ws, &["digest", "--send"]);
    let text = String::from_utf8_lossy(&sent.stdout);
    assert_eq!(sent.status.code(), Some(6), "{text}");
    assert!(
        text.contains("given up") && text.contains("forbidden: unknown sender"),
        "{text}"
    );
    let history = String::from_utf8(with_secret(&ws, &["digest", "--history"]).stdout).unwrap();
    assert!(history.contains("dead after 1 attempts"), "{history}");
    // The secret is never printed, and a missing one is an error at load naming the key.
    assert!(!history.contains(&SECRET[6..]) && !text.contains(&SECRET[6..]));
    let out = ws.cmd().args(["digest", "--history"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("secret_env: the environment variable TW_TEST_WEBHOOK_SECRET is not set"));
}

#[test]
fn chat_webhooks_get_their_services_message_shapes() {
    let feeds = fixture_server();
    let receiver = crate::common::TestServer::handler(|_| crate::common::Reply::ok("application/json", "{}"));
    let ws = Workspace::new();
    let sink = |format: &str, path: &str| {
        format!(
            "[[digest.sink]]\nkind = \"webhook\"\nformat = \"{format}\"\nurl = \"{}\"\n\n",
            receiver.url(path)
        )
    };
    ws.write_config(&format!(
        "{}[digest]\ntime = \"07:00\"\ntimezone = \"UTC\"\n\n{}{}{}{}",
        good_feeds(&feeds),
        sink("slack", "/services/T1/B2/slacktoken"),
        sink("discord", "/api/webhooks/1/discordtoken"),
        sink(
            "matrix",
            "/_matrix/client/v3/rooms/!room:example.org/send/m.room.message?access_token=matrixtoken"
        ),
        sink("ntfy", "/treaty-news"),
    ));
    ws.cmd().args(["poll", "--once"]).assert().success();
    let sent = stdout(&ws, &["digest", "--send"]);
    assert_eq!(sent.matches(": delivered").count(), 4, "{sent}");
    let seen = receiver.seen();
    let find = |prefix: &str| {
        seen.iter()
            .find(|s| s.path.starts_with(prefix))
            .unwrap_or_else(|| panic!("nothing at {prefix}: {seen:?}"))
    };
    let json = |s: &crate::common::Seen| -> serde_json::Value { serde_json::from_slice(&s.body).unwrap() };
    let slack = find("/services/");
    assert_eq!(slack.method, "POST");
    assert!(json(slack)["text"]
        .as_str()
        .unwrap()
        .contains("Countries sign landmark"));
    let discord = find("/api/webhooks/");
    assert!(json(discord)["content"].as_str().unwrap().chars().count() <= 2000);
    // Matrix: a PUT at a transaction id of its own, the webhook-id, so a replay is dropped.
    let matrix = find("/_matrix/");
    assert_eq!(matrix.method, "PUT");
    let txn = matrix.path.split('?').next().unwrap().rsplit('/').next().unwrap();
    assert_eq!(txn, matrix.headers["webhook-id"]);
    assert!(
        matrix.path.ends_with("?access_token=matrixtoken"),
        "{}",
        matrix.path
    );
    assert_eq!(json(matrix)["msgtype"], "m.notice");
    // ntfy: JSON at the server's root, naming the topic.
    let ntfy = seen
        .iter()
        .find(|s| s.path == "/")
        .expect("ntfy posts to its root");
    let publish = json(ntfy);
    assert_eq!(publish["topic"], "treaty-news");
    assert!(publish["title"]
        .as_str()
        .unwrap()
        .starts_with("UN Convention against Cybercrime"));
    // Tokens in a query or in a Slack or Discord path stay out of what is printed.
    let history = stdout(&ws, &["digest", "--history"]);
    for token in ["matrixtoken", "slacktoken", "discordtoken"] {
        assert!(!history.contains(token) && !sent.contains(token), "{history}");
    }
    assert_eq!(history.matches("webhook:").count(), 4, "{history}");
}
