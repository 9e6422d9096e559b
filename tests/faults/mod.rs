//! Faults the daemon must live through, each with a clear error in its logs and feed health,
//! no crash, and nothing lost once the fault clears: a full disk under the store (a real tmpfs
//! the test mounts). (Sink faults are in `digest`, hostile servers in `fetching`.) And no secret
//! in any output or log.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::common::daemon::Daemon;
use crate::common::{feed_block, http_get, sample, wait_for, Reply, TestServer, Workspace};

/// A tmpfs of `megabytes` mounted on `dir` for the test's life (the tests run as root, as CI
/// does).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, megabytes: u32) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("mount(8)");
        assert!(
            out.status.success(),
            "mounting a tmpfs needs root, as CI runs: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(dir.to_path_buf())
    }

    /// Fills it up with one file, which `drain` removes.
    fn fill(&self) {
        let mut file = std::fs::File::create(self.0.join("filler")).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        // The last partial block, byte by byte.
        while file.write_all(&[0]).is_ok() {}
        let _ = file.sync_all();
    }

    fn drain(&self) {
        std::fs::remove_file(self.0.join("filler")).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Two fixture feeds behind a gate: 503 until it opens.
fn gated_feeds() -> (TestServer, Arc<AtomicBool>) {
    let open = Arc::new(AtomicBool::new(false));
    let gate = open.clone();
    let server = TestServer::handler(move |req| {
        if !gate.load(Ordering::SeqCst) {
            return Reply::status(503);
        }
        match req.path.as_str() {
            "/vi.rss" => Reply::fixture("application/rss+xml", "feeds/rss2_vietnamese.xml"),
            "/fr.atom" => Reply::fixture("application/atom+xml", "feeds/atom_french.xml"),
            _ => Reply::status(404),
        }
    });
    (server, open)
}

fn feeds_config(server: &TestServer) -> String {
    format!(
        "{}{}",
        feed_block("vnexpress", &server.url("/vi.rss")),
        feed_block("onu-fr", &server.url("/fr.atom"))
    )
}

fn run(ws: &Workspace, args: &[&str]) -> (Option<i32>, String) {
    let out = ws.cmd().args(args).output().unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The daemon polls into a store on a tmpfs; `fault` breaks the tmpfs, `clear` mends it. Each
/// poll under the fault fails naming `symptom`, health and metrics say so, the daemon goes on;
/// once mended, the store is reopened and every article is stored once.
fn survives(fault: impl Fn(&Tmpfs), clear: impl Fn(&Tmpfs), symptom: &str) {
    let (server, open) = gated_feeds();
    let ws = Workspace::new();
    let disk = Tmpfs::mount(&ws.store_path(), 16);
    ws.write_config(&format!(
        "[api]\nlisten = \"127.0.0.1:0\"\n\n{}",
        feeds_config(&server)
    ));
    let mut daemon = Daemon::start(&ws);
    let addr = daemon.metrics_addr();
    assert_eq!(http_get(&addr, "/healthz").0, 200);
    fault(&disk);
    open.store(true, Ordering::SeqCst);

    // Each poll fails by the store's error, named; the daemon goes on, and says it is unwell.
    let (code, said) = run(&ws, &["poll", "--once"]);
    assert_eq!(code, Some(6), "{said}");
    assert!(said.contains(symptom), "{said}");
    wait_for("/healthz failing", || http_get(&addr, "/healthz").0 == 503);
    let (code, said) = run(&ws, &["feeds"]);
    assert!(matches!(code, Some(0 | 3)), "{said}");
    assert!(said.contains("STORE FAILING since"), "{said}");
    assert!(said.contains(symptom), "{said}");
    let failures = "treatywatch_poll_failures_total{kind=\"store\"}";
    assert!(sample(&http_get(&addr, "/metrics").1, failures).is_some_and(|n| n >= 1.0));
    assert!(daemon.running());

    // Mended: the store is reopened and the next polls store everything.
    clear(&disk);
    wait_for("a poll that stores", || {
        run(&ws, &["poll", "--once"]).0 == Some(0)
    });
    wait_for("/healthz passing", || http_get(&addr, "/healthz").0 == 200);
    assert!(daemon.logged("reopened"));
    let (_, said) = run(&ws, &["feeds"]);
    assert!(!said.contains("STORE FAILING"), "{said}");
    let (status, logs) = daemon.stop();
    assert!(status.success(), "{}", logs.join("\n"));
    let (code, said) = run(&ws, &["check-store"]);
    assert_eq!(code, Some(0), "{said}");
    let stored = ws.list_json(&[]);
    let mut feeds: Vec<&str> = stored.iter().map(|a| a["feed"].as_str().unwrap()).collect();
    feeds.sort();
    assert_eq!(feeds, ["onu-fr", "onu-fr", "vnexpress", "vnexpress", "vnexpress"]);
}

#[test]
fn a_full_disk_fails_the_polls_by_name_and_nothing_is_lost_when_it_clears() {
    survives(Tmpfs::fill, Tmpfs::drain, "No space left on device");
}

/// Every command, the daemon's logs at trace level and what it serves, with a known secret in
/// `password_file` and another in `secret_env`: neither appears anywhere, while both are used
/// (the mail server logs in, the webhook is signed).
#[test]
fn no_command_output_or_log_shows_a_secret() {
    use crate::common::smtp::SmtpServer;
    const PASSWORD: &str = "pw-Zq8-never-shown";
    const WEBHOOK_SECRET: &str = "whsec-K4t-never-shown";
    let smtp = SmtpServer::start();
    smtp.require_login("digest", PASSWORD);
    let hook = TestServer::handler(|_| Reply::status(204));
    let feeds = crate::common::fixture_server();
    let ws = Workspace::new();
    std::fs::write(ws.dir.path().join("smtp-password"), format!("{PASSWORD}\n")).unwrap();
    ws.write_config(&format!(
        "[api]\nlisten = \"127.0.0.1:0\"\n\n{}[digest]\ntime = \"07:00\"\ntimezone = \"UTC\"\n\n\
         [[digest.sink]]\nkind = \"email\"\nsmtp = \"{}\"\nfrom = \"digest@example.org\"\nto = \"desk@example.org\"\n\
         user = \"digest\"\npassword_file = \"smtp-password\"\n\n\
         [[digest.sink]]\nkind = \"webhook\"\nurl = \"{}\"\nsecret_env = \"TW_TEST_WEBHOOK_SECRET\"\n",
        crate::common::good_feeds(&feeds),
        smtp.url(),
        hook.url("/hook")
    ));
    let mut said = Vec::new();
    let mut run = |args: &[&str]| {
        let out = ws
            .cmd()
            .env("TW_TEST_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("RUST_LOG", "trace")
            .args(["-vv"])
            .args(args)
            .output()
            .unwrap();
        said.push((
            args.join(" "),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ));
        out.status.code()
    };
    let commands: &[&[&str]] = &[
        &["check-config"],
        &["poll", "--once"],
        &["list"],
        &["feeds"],
        &["feeds", "--json"],
        &["stats", "--json"],
        &["digest", "--preview"],
        &["digest", "--send"],
        &["digest", "--history", "--json"],
        &["export"],
        &["opml", "export"],
        &["check-store", "--json"],
    ];
    for args in commands {
        run(args);
    }
    assert_eq!(smtp.logins().len(), 1, "the password was used");
    let signed = hook.seen();
    assert!(
        signed.iter().any(|s| s.headers.contains_key("webhook-signature")),
        "the secret was used"
    );

    // The daemon at trace level, and every command again through it.
    let mut daemon = crate::common::daemon::Daemon::start_with(
        &ws,
        &[("TW_TEST_WEBHOOK_SECRET", WEBHOOK_SECRET), ("RUST_LOG", "trace")],
    );
    let addr = daemon.metrics_addr();
    for args in commands {
        run(args);
    }
    assert!(daemon.running());
    for path in ["/metrics", "/healthz", "/feed.atom"] {
        said.push((path.to_string(), http_get(&addr, path).1));
    }
    let (_, logs) = daemon.stop();
    assert!(logs.iter().any(|l| l.contains("TRACE")), "logs at trace level");
    said.push(("the daemon's log".to_string(), logs.join("\n")));
    for (what, text) in &said {
        for secret in [PASSWORD, WEBHOOK_SECRET] {
            assert!(!text.contains(secret), "{what} shows a secret:\n{text}");
        }
    }
    assert!(
        said.iter().any(|(w, t)| w == "check-config" && t.contains("***")),
        "masked, not left out"
    );
    assert!(
        said.iter()
            .any(|(w, t)| w == "digest --send" && t.contains("TRACE")),
        "commands log at trace level too"
    );
}
