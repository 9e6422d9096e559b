//! The real daemon as a child process, as systemd runs it: it polls on its schedule, tells systemd (a real
//! `NOTIFY_SOCKET` datagram socket) when it is ready and stopping, survives a broken config on
//! SIGHUP, picks up a fixed one, and exits 0 on SIGTERM with the store intact.

use std::process::Stdio;
use std::thread;

use crate::common::daemon::Daemon;
use crate::common::{feed_block, wait_for, Reply, TestServer, Workspace};
use crate::common::{http_get, sample};

fn requests_to(server: &TestServer, path: &str) -> usize {
    server.seen().iter().filter(|s| s.path == path).count()
}

#[test]
fn daemon_polls_on_schedule_and_exits_cleanly_on_sigterm() {
    let vi = std::fs::read(crate::common::fixture("feeds/rss2_vietnamese.xml")).unwrap();
    let server = TestServer::handler(move |req| {
        if req.headers.contains_key("if-none-match") {
            return Reply::status(304).header("ETag", "\"x\"");
        }
        Reply::ok("application/rss+xml", vi.clone()).header("ETag", "\"x\"")
    });
    let ws = Workspace::new();
    ws.write_config(&format!(
        "{}interval = \"1s\"\n",
        feed_block("vn", &server.url("/vi.rss"))
    ));

    let daemon = Daemon::start(&ws);
    wait_for("READY=1", || daemon.notified("READY=1"));
    wait_for("three polls", || requests_to(&server, "/vi.rss") >= 3);
    assert!(
        daemon.logged("polling more often than once a minute"),
        "a 1s interval is warned about"
    );
    // The first poll was unconditional, the ones after it sent the ETag and got 304.
    let seen = server.seen();
    assert!(!seen[0].headers.contains_key("if-none-match"));
    assert!(seen[1..]
        .iter()
        .all(|s| s.headers.get("if-none-match").map(String::as_str) == Some("\"x\"")));

    let notices = daemon.notices.clone();
    let (status, logs) = daemon.stop();
    assert!(
        status.success(),
        "exit status {status:?}; logs:\n{}",
        logs.join("\n")
    );
    assert!(notices.lock().unwrap().iter().any(|n| n.contains("STOPPING=1")));
    assert!(logs.iter().any(|l| l.contains("daemon stopped")), "{logs:?}");

    // The store is intact and readable by the next process.
    let articles = ws.list_json(&[]);
    assert_eq!(articles.len(), 3);
    let out = ws.cmd().args(["feeds", "--json"]).output().unwrap();
    let health: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(health["name"], "vn");
    assert_eq!(health["last_status"], 304);
    assert!(health["next_poll"].is_string());
}

#[test]
fn sighup_keeps_running_on_a_broken_config_and_applies_a_good_one() {
    let vi = std::fs::read(crate::common::fixture("feeds/rss2_vietnamese.xml")).unwrap();
    let ru = std::fs::read(crate::common::fixture("feeds/rss1_rdf_russian.xml")).unwrap();
    let server = TestServer::routes(vec![
        ("/vi.rss", Reply::ok("application/rss+xml", vi)),
        ("/ru.rdf", Reply::ok("application/rdf+xml", ru)),
    ]);
    let ws = Workspace::new();
    let first = format!("{}interval = \"1s\"\n", feed_block("vn", &server.url("/vi.rss")));
    ws.write_config(&first);
    let mut daemon = Daemon::start(&ws);
    wait_for("the first poll", || requests_to(&server, "/vi.rss") >= 1);

    ws.write_config(&format!("{first}\n[[feed]]\nname = \"ru\"\nurll = \"x\"\n"));
    daemon.signal("HUP");
    wait_for("the reload error", || daemon.logged("keeping the running config"));
    assert!(daemon.logged("unknown field `urll`"), "the log names the key");
    let before = requests_to(&server, "/vi.rss");
    wait_for("polling to go on", || {
        requests_to(&server, "/vi.rss") > before + 1
    });
    assert!(daemon.running());

    // Remove vn, add ru.
    ws.write_config(&format!(
        "{}interval = \"1s\"\n",
        feed_block("ru", &server.url("/ru.rdf"))
    ));
    daemon.signal("HUP");
    wait_for("the reload", || daemon.logged("config reloaded"));
    wait_for("the new feed's poll", || requests_to(&server, "/ru.rdf") >= 1);
    assert!(
        daemon.logged("added=1 removed=1 changed=0"),
        "{:?}",
        daemon.logs.lock().unwrap()
    );
    wait_for("the new feed's articles", || {
        daemon
            .logs
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("feed=ru") && l.contains("new=2"))
    });
    // vn is no longer polled: after one more ru poll, its count stays put.
    let vn_after = requests_to(&server, "/vi.rss");
    let ru_now = requests_to(&server, "/ru.rdf");
    wait_for("two more ru polls", || {
        requests_to(&server, "/ru.rdf") >= ru_now + 2
    });
    assert_eq!(requests_to(&server, "/vi.rss"), vn_after);

    let (status, logs) = daemon.stop();
    assert!(status.success(), "{logs:?}");
    assert_eq!(ws.list_json(&[]).len(), 5);
}

#[test]
fn a_daemon_killed_between_recording_and_sending_a_digest_delivers_it_once_on_restart() {
    use crate::common::smtp::SmtpServer;
    let feeds = crate::common::fixture_server();
    let smtp = SmtpServer::start();
    // Connections get no greeting: the daemon will have recorded the digest and be waiting to
    // send it when it is killed.
    smtp.stall(true);
    let ws = Workspace::new();
    // The digest hour a few seconds from now, so that this run makes one.
    let at = chrono::Utc::now() + chrono::Duration::seconds(6);
    ws.write_config(&format!(
        "{}[digest]\ntime = \"{}\"\ntimezone = \"UTC\"\n\n[[digest.sink]]\nkind = \"email\"\nsmtp = \"{}\"\nfrom = \"digest@example.org\"\nto = [\"desk@example.org\", \"field@example.org\"]\n",
        crate::common::good_feeds(&feeds),
        at.format("%H:%M:%S"),
        smtp.url()
    ));
    ws.cmd().args(["poll", "--once"]).assert().success();

    let mut daemon = Daemon::start(&ws);
    wait_for("the digest is made", || daemon.logged("digest made"));
    wait_for("the daemon is sending", || smtp.connections() >= 1);
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    let history = ws.cmd().args(["digest", "--history", "--json"]).output().unwrap();
    let history = String::from_utf8_lossy(&history.stdout).into_owned();
    assert_eq!(history.lines().count(), 1, "{history}");
    assert_eq!(
        history.matches("\"state\":\"pending\"").count(),
        2,
        "recorded, not sent: {history}"
    );
    assert!(smtp.received().is_empty());

    smtp.stall(false);
    let daemon = Daemon::start(&ws);
    wait_for("both copies delivered", || {
        daemon
            .logs
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("digest delivered"))
            .count()
            >= 2
    });
    // The history while the daemon holds the store, through its API, is the one after.
    let running = read(&ws, &["digest", "--history", "--json"]);
    assert_eq!(running.matches("\"state\":\"delivered\"").count(), 2, "{running}");
    let (status, logs) = daemon.stop();
    assert!(status.success(), "{}", logs.join("\n"));
    assert_eq!(read(&ws, &["digest", "--history", "--json"]), running);
    let received = smtp.received();
    let mut to: Vec<&str> = received.iter().map(|r| r.to[0].as_str()).collect();
    to.sort();
    assert_eq!(
        to,
        ["desk@example.org", "field@example.org"],
        "each copy exactly once"
    );
    assert!(
        !logs.iter().any(|l| l.contains("digest made")),
        "no second digest: {logs:?}"
    );
}

#[test]
fn digests_are_previewed_sent_and_resent_through_a_running_daemon() {
    use crate::common::smtp::SmtpServer;
    let feeds = crate::common::fixture_server();
    let smtp = SmtpServer::start();
    let ws = Workspace::new();
    // The digest hour half a day away: only the requests below make digests.
    let at = chrono::Utc::now() + chrono::Duration::hours(12);
    ws.write_config(&format!(
        "{}[digest]\ntime = \"{}\"\ntimezone = \"UTC\"\nsend_empty = false\n\n[[digest.sink]]\nkind = \"email\"\nsmtp = \"{}\"\nfrom = \"digest@example.org\"\nto = [\"desk@example.org\"]\n",
        crate::common::good_feeds(&feeds),
        at.format("%H:%M"),
        smtp.url()
    ));
    ws.cmd().args(["poll", "--once"]).assert().success();
    let preview = read(&ws, &["digest", "--preview", "--format", "markdown"]);
    assert!(preview.contains("Hanoi"), "{preview}");

    let daemon = Daemon::start(&ws);
    wait_for("READY=1", || daemon.notified("READY=1"));
    assert_eq!(
        read(&ws, &["digest", "--preview", "--format", "markdown"]),
        preview
    );
    let sent = read(&ws, &["digest", "--send"]);
    let lines: Vec<&str> = sent.lines().collect();
    assert_eq!(lines.len(), 2, "{sent}");
    let id = lines[0]
        .strip_prefix("digest ")
        .and_then(|l| l.split_once(": "))
        .map(|(id, _)| id.to_string())
        .unwrap_or_else(|| panic!("{sent}"));
    assert!(
        lines[1].ends_with(&format!("→ desk@example.org: delivered (digest {id})")),
        "{sent}"
    );
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(
        read(&ws, &["digest", "--send"]),
        "nothing new since the last digest; none made (send_empty = false)\n"
    );
    let resent = read(&ws, &["digest", "--resend", &id]);
    assert_eq!(resent, format!("{}\n", lines[1]));
    let received = smtp.received();
    assert_eq!(received.len(), 2);
    let message_id = |data: &[u8]| {
        let text = String::from_utf8_lossy(data).into_owned();
        text.lines()
            .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
            .map(str::to_string)
            .unwrap()
    };
    assert_eq!(
        message_id(&received[0].data),
        message_id(&received[1].data),
        "the same bytes again"
    );
    let missing = ws.cmd().args(["digest", "--resend", "99"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no digest 99"));
    let wrong_sink = ws
        .cmd()
        .args(["digest", "--resend", &id, "--sink", "nope"])
        .output()
        .unwrap();
    assert_eq!(wrong_sink.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong_sink.stderr).contains("has no sink named 'nope'"));

    let (status, logs) = daemon.stop();
    assert!(status.success(), "{}", logs.join("\n"));
    assert!(
        logs.iter().any(|l| l.contains("digest made")),
        "the daemon logs what it made: {logs:?}"
    );
    assert_eq!(logs.iter().filter(|l| l.contains("digest delivered")).count(), 2);
    let history = read(&ws, &["digest", "--history", "--json"]);
    assert_eq!(history.lines().count(), 1, "{history}");
    assert!(history.contains("\"attempts\":2"), "{history}");
}

/// Runs a read command and returns its stdout, asserting it succeeded.
fn read(ws: &Workspace, args: &[&str]) -> String {
    let out = ws.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_cli_reads_through_the_running_daemon_exactly_as_from_the_store() {
    let (_server, ws) = crate::common::polled_fixtures();
    let first_url = ws.list_json(&[])[0]["url"].as_str().unwrap().to_string();
    let total_articles = ws.list_json(&["--limit", "0"]).len();
    let all_stories = read(&ws, &["stories", "--json", "--limit", "0"]);
    let total_stories = all_stories.lines().count();
    let largest_story = all_stories
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .max_by_key(|s| s["members"].as_array().unwrap().len())
        .unwrap()["id"]
        .to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["list", "--json", "--lang", "fr"],
        vec!["list", "--json", "--since", "2000-01-01", "--limit", "3"],
        vec!["stories", "--json"],
        vec!["stories"],
        vec!["stories", &largest_story, "--json"],
        vec!["show", "1", "--json"],
        vec!["show", &first_url],
        vec!["search", "convention", "--json"],
        vec!["export"],
        vec!["export", "--format", "csv", "--lang", "vi"],
        vec!["check-store"],
        vec!["check-store", "--json"],
    ];

    // The daemon holds the store: every read goes through its socket, beside the store.
    let daemon = Daemon::start(&ws);
    wait_for("READY=1", || daemon.notified("READY=1"));
    let socket = ws.store_path().join("api.sock");
    assert!(socket.exists());
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&socket).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o660);
    let through_daemon: Vec<String> = commands.iter().map(|c| read(&ws, c)).collect();
    // The counts too; the bytes on disk move as sled writes its log.
    let counts = |text: String| {
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(v["store_bytes"].as_u64().unwrap() > 0);
        v.as_object_mut().unwrap().remove("store_bytes");
        v
    };
    let stats = counts(read(&ws, &["stats", "--json"]));
    assert_eq!(stats["articles"].as_u64(), Some(total_articles as u64));
    assert_eq!(stats["stories"].as_u64(), Some(total_stories as u64));
    assert_eq!(
        stats["by_language"]["fr"].as_u64(),
        Some(through_daemon[1].lines().count() as u64)
    );
    let feeds = read(&ws, &["feeds", "--json"]);
    assert_eq!(feeds.lines().count(), 6, "{feeds}");
    let missing = ws.cmd().args(["show", "999999"]).output().unwrap();
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no article 999999"));
    let missing = ws.cmd().args(["stories", "999999"]).output().unwrap();
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no story 999999"));
    let (status, _) = daemon.stop();
    assert!(status.success());
    assert!(!socket.exists(), "the daemon removes its socket when it stops");

    assert_eq!(counts(read(&ws, &["stats", "--json"])), stats);
    // Without it, the same commands open the store and print the same bytes.
    for (command, before) in commands.iter().zip(&through_daemon) {
        assert!(!before.is_empty(), "{command:?} printed nothing");
        assert_eq!(&read(&ws, command), before, "{command:?}");
    }
}

#[test]
fn a_stale_socket_or_another_api_version_is_named() {
    let (_server, ws) = crate::common::polled_fixtures();
    let socket = ws.store_path().join("api.sock");

    // A killed daemon's socket: nobody answers, and the store is free, so it is read.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    assert!(!read(&ws, &["list"]).is_empty());

    // The store held by another process and nobody on the socket: both are said.
    let held = treatywatch::store::Store::open(&ws.store_path()).unwrap();
    let out = ws.cmd().arg("list").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "the store's exit code");
    assert!(
        stderr.contains("in use by another process") && stderr.contains("stale socket"),
        "{stderr}"
    );
    drop(held);

    // A daemon of another API version.
    std::fs::remove_file(&socket).unwrap();
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut request = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut request);
            let body = r#"{"api":2,"version":"9.0.0","store":"/elsewhere"}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = std::io::Write::write_all(&mut stream, reply.as_bytes());
        }
    });
    let out = ws.cmd().arg("list").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "the daemon's exit code");
    assert!(stderr.contains("speaks API 2, this treatywatch 1"), "{stderr}");
}

/// Runs `program args` with `input` on stdin; returns whether it succeeded and what it said.
fn run_with_input(program: &str, args: &[&str], input: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} is needed by this test (.ci/run installs it): {e}"));
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[test]
fn metrics_health_and_the_coverage_feed_are_served_while_the_daemon_runs() {
    let server = crate::common::fixture_server();
    let ws = Workspace::new();
    ws.write_config(&format!(
        "[fetch]\ninterval = \"1s\"\n\n[api]\nlisten = \"127.0.0.1:0\"\n\n{}{}",
        crate::common::good_feeds(&server),
        feed_block("failing", &server.url("/error.rss"))
    ));
    let daemon = Daemon::start(&ws);
    let addr = daemon.metrics_addr();

    // Every feed polled at least twice: the counters have moved.
    let stored = "treatywatch_polls_total{outcome=\"stored\"}";
    wait_for("polls", || {
        sample(&http_get(&addr, "/metrics").1, stored).is_some_and(|n| n >= 6.0)
    });
    let (status, first) = http_get(&addr, "/metrics");
    assert_eq!(status, 200);
    let polled = sample(&first, stored).unwrap();
    wait_for("more polls", || {
        sample(&http_get(&addr, "/metrics").1, stored).is_some_and(|n| n > polled)
    });
    let (_, metrics) = http_get(&addr, "/metrics");
    let (valid, said) = run_with_input("promtool", &["check", "metrics"], &metrics);
    assert!(valid, "promtool: {said}\n{metrics}");
    let failed = sample(&metrics, "treatywatch_poll_failures_total{kind=\"http_status\"}").unwrap();
    assert!(failed >= 1.0, "{metrics}");
    assert!(sample(&metrics, "treatywatch_polls_total{outcome=\"failed\"}").unwrap() >= failed);
    let fetches = sample(&metrics, "treatywatch_fetch_duration_seconds_count").unwrap();
    assert!(fetches >= polled + failed, "{metrics}");
    assert!(sample(&metrics, "treatywatch_store_bytes").unwrap() > 0.0);
    assert!(sample(&metrics, "treatywatch_last_successful_poll_age_seconds").unwrap() < 3600.0);
    assert_eq!(sample(&metrics, "treatywatch_feeds"), Some(7.0));
    let ingested = sample(&metrics, "treatywatch_articles_ingested_total").unwrap();
    let created = sample(&metrics, "treatywatch_stories_created_total").unwrap()
        - sample(&metrics, "treatywatch_stories_merged_total").unwrap();
    // The French report joins the English one; the aggregator's copy joins its original (or,
    // polled first, the original joins it).
    let joined = sample(&metrics, "treatywatch_articles_joined_total").unwrap();
    assert!(joined >= 2.0, "{metrics}");
    assert!(sample(&metrics, "treatywatch_duplicates_merged_total").unwrap() <= joined);

    assert_eq!(http_get(&addr, "/healthz"), (200, "ok\n".to_string()));

    let (status, atom) = http_get(&addr, "/feed.atom");
    assert_eq!(status, 200);
    let feed = feed_rs::parser::parse(atom.as_bytes()).expect("feed-rs reads /feed.atom");
    let python = "import sys, feedparser\n\
                  d = feedparser.parse(sys.stdin.buffer.read())\n\
                  assert not d.bozo, d.bozo_exception\n\
                  print(len(d.entries), d.feed.title)";
    let (valid, said) = run_with_input("python3", &["-c", python], &atom);
    assert!(valid, "feedparser: {said}\n{atom}");
    assert!(
        said.starts_with(&format!("{} treatywatch: ", feed.entries.len())),
        "{said}"
    );
    let (status, _) = daemon.stop();
    assert!(status.success());

    // What the daemon counted is what the store holds.
    let stats: serde_json::Value = serde_json::from_str(&read(&ws, &["stats", "--json"])).unwrap();
    assert_eq!(stats["articles"].as_f64(), Some(ingested));
    let stories = read(&ws, &["stories", "--json", "--limit", "0"]);
    assert_eq!(stories.lines().count() as f64, created, "{stories}");
    // One entry per story of the topic, with every version linked.
    let topical = read(&ws, &["stories", "--json", "--topic", "un-cybercrime-convention"]);
    let topical: Vec<serde_json::Value> = topical
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!topical.is_empty());
    assert_eq!(feed.entries.len(), topical.len());
    for (entry, story) in feed.entries.iter().zip(&topical) {
        assert_eq!(entry.id, format!("urn:treatywatch:story:{}", story["id"]));
        let members: Vec<&str> = story["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["url"].as_str().unwrap())
            .collect();
        let links: Vec<&str> = entry.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(links, members);
    }
}

#[test]
fn poll_once_while_the_daemon_runs_asks_it_to_poll_now() {
    let server = crate::common::fixture_server();
    let ws = Workspace::new();
    ws.write_config(&format!(
        "{}{}",
        crate::common::good_feeds(&server),
        feed_block("failing", &server.url("/error.rss"))
    ));
    let daemon = Daemon::start(&ws);
    wait_for("READY=1", || daemon.notified("READY=1"));
    // Each feed's first poll comes within the start spread; the next only in 15 minutes.
    wait_for("the first polls", || {
        requests_to(&server, "/error.rss") >= 1 && requests_to(&server, "/vi.rss") >= 1
    });

    let out = ws
        .cmd()
        .args(["poll", "--once", "--feed", "vnexpress"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "vnexpress: 0 new, 0 updated, 3 unchanged\n"
    );
    assert_eq!(requests_to(&server, "/vi.rss"), 2, "polled now, by the daemon");

    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6), "one feed fails");
    let lines = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = lines.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "vnexpress",
            "arabic-1256",
            "onu-fr",
            "un-en",
            "oon-ru",
            "aggregator",
            "failing"
        ],
        "every feed, in the config's order: {lines}"
    );
    assert!(lines.contains("failing: failed: http 500"), "{lines}");
    assert_eq!(requests_to(&server, "/vi.rss"), 3);

    let out = ws
        .cmd()
        .args(["poll", "--once", "--feed", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no feed named 'nope'"));
    let (status, _) = daemon.stop();
    assert!(status.success());
}

#[test]
fn poll_once_draws_a_progress_bar_only_on_a_terminal() {
    let server = crate::common::fixture_server();
    let ws = Workspace::new();
    ws.write_config(&crate::common::good_feeds(&server));
    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    assert!(out.status.success());
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("feeds"),
        "no bar into a pipe"
    );

    // `script` gives the command a terminal and copies what it drew.
    let command = format!(
        "{} --config {} poll --once",
        env!("CARGO_BIN_EXE_treatywatch"),
        ws.config_path().display()
    );
    let typescript = ws.dir.path().join("typescript");
    let status = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &command])
        .arg(&typescript)
        .current_dir(ws.dir.path())
        .env("HOME", ws.dir.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .status()
        .expect("script(1) from util-linux");
    assert!(status.success());
    let drawn = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert!(
        drawn.contains("6/6 feeds") || drawn.contains("/6 feeds"),
        "{drawn}"
    );
    assert!(drawn.contains("vnexpress: 0 new"), "{drawn}");
}

/// The fixtures' feeds polled every second by a daemon that has polled one of them `polls`
/// times.
fn polling_every_second(polls: usize) -> (TestServer, Workspace, Daemon) {
    let (server, ws) = crate::common::polled_fixtures();
    ws.write_config(&format!(
        "[fetch]\ninterval = \"1s\"\n\n{}",
        crate::common::good_feeds(&server)
    ));
    let daemon = Daemon::start(&ws);
    wait_for("READY=1", || daemon.notified("READY=1"));
    wait_for("polls", || requests_to(&server, "/vi.rss") >= polls);
    (server, ws, daemon)
}

#[test]
fn a_backup_taken_while_the_daemon_writes_restores_and_a_corrupt_store_starts_from_one() {
    let (_server, ws, daemon) = polling_every_second(3);
    let file = ws.dir.path().join("snapshot.twbak");
    let said = read(&ws, &["backup", file.to_str().unwrap()]);
    assert!(said.contains("from the running daemon"), "{said}");
    let (status, _) = daemon.stop();
    assert!(status.success());
    let listed = read(&ws, &["list", "--json", "--limit", "0"]);
    let stories = read(&ws, &["stories", "--json", "--limit", "0"]);

    // Restored, the store opens and lists what it held; its old files are kept aside.
    let said = read(&ws, &["restore", file.to_str().unwrap()]);
    assert!(said.contains("previous files are in"), "{said}");
    assert_eq!(read(&ws, &["list", "--json", "--limit", "0"]), listed);
    assert_eq!(read(&ws, &["stories", "--json", "--limit", "0"]), stories);

    // A damaged snapshot is refused and the store left alone.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    let damaged = ws.dir.path().join("damaged.twbak");
    std::fs::write(&damaged, bytes).unwrap();
    let out = ws
        .cmd()
        .args(["restore", damaged.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Which check catches the flipped byte depends on what it lands in: a value (the
    // digest), a length or a record's tag.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        ["digest does not match", "cut short", "an unknown record"]
            .iter()
            .any(|reason| stderr.contains(reason)),
        "{stderr}"
    );

    // The daemon's own backup is there; then the store's bytes are overwritten.
    let backups = ws.store_path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    std::fs::copy(&file, backups.join("treatywatch-20261201T000000Z.twbak")).unwrap();
    let db = ws.store_path().join("db");
    let len = std::fs::metadata(&db).unwrap().len() as usize;
    std::fs::write(&db, vec![0xab; len]).unwrap();
    let out = ws.cmd().arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "the damage is seen");

    let daemon = Daemon::start(&ws);
    wait_for("READY=1", || daemon.notified("READY=1"));
    assert!(
        daemon.logged("rebuilt from the newest backup"),
        "{:?}",
        daemon.logs.lock().unwrap()
    );
    let (status, _) = daemon.stop();
    assert!(status.success());
    assert_eq!(read(&ws, &["list", "--json", "--limit", "0"]), listed);
    let aside: Vec<String> = std::fs::read_dir(ws.store_path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "the damaged files are kept for a post-mortem");
}

#[test]
fn compact_rebuilds_the_store_through_the_daemon_and_by_itself_and_keeps_every_record() {
    let (server, ws, daemon) = polling_every_second(2);
    let said = read(&ws, &["compact"]);
    assert!(said.contains("by the running daemon"), "{said}");
    // The daemon goes on with the new store: it polls and answers.
    let polls = requests_to(&server, "/vi.rss");
    wait_for("polls after the compaction", || {
        requests_to(&server, "/vi.rss") > polls + 1
    });
    assert!(
        daemon.logged("store compacted"),
        "{:?}",
        daemon.logs.lock().unwrap()
    );
    let (status, _) = daemon.stop();
    assert!(status.success());
    let listed = read(&ws, &["list", "--json", "--limit", "0"]);
    let stories = read(&ws, &["stories", "--json", "--limit", "0"]);
    assert!(!listed.is_empty());

    let said = read(&ws, &["compact"]);
    assert!(said.contains("by the store"), "{said}");
    assert_eq!(read(&ws, &["list", "--json", "--limit", "0"]), listed);
    assert_eq!(read(&ws, &["stories", "--json", "--limit", "0"]), stories);
    let report = read(&ws, &["check-store", "--json"]);
    assert!(report.contains("\"problem_count\":0"), "{report}");
}

#[test]
fn the_socket_refuses_a_user_without_permission() {
    use std::os::unix::fs::PermissionsExt;
    let (_server, ws) = crate::common::polled_fixtures();
    let daemon = Daemon::start(&ws);
    wait_for("READY=1", || daemon.notified("READY=1"));
    let socket = ws.store_path().join("api.sock");
    // Let another user reach the socket's folder, so that only the socket's own mode stands
    // between it and the daemon.
    for dir in [ws.dir.path(), &ws.store_path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // Perl, from the base system, is on a path every user may run.
    let connect = format!(
        "use IO::Socket::UNIX; IO::Socket::UNIX->new(Peer => '{}') or die \"refused: $!\\n\"; print \"connected\\n\"",
        socket.display()
    );
    // nobody (65534): neither the daemon's user nor in its group.
    let out = std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/perl",
            "-e",
            &connect,
        ])
        .output()
        .expect("setpriv(1) from util-linux; the tests run as root, as CI does");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "nobody connected");
    assert!(said.contains("refused: Permission denied"), "{said}");
    // The daemon's own user still reads through it.
    assert!(!read(&ws, &["list"]).is_empty());
    let (status, _) = daemon.stop();
    assert!(status.success());
}
