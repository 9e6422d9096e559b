//! Faults the daemon must live through, each with a clear error in its logs and feed health,
//! no crash, and nothing lost once the fault clears: a full disk under the store (a real tmpfs
//! the test mounts) and a disk the kernel takes read-only (ext4 on a loop device). (Sink faults are in `digest`, hostile servers in `fetching`.) And no secret
//! in any output or log.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::common::daemon::Daemon;
use crate::common::{feed_block, http_get, sample, wait_for, Reply, TestServer, Workspace};

/// A small file system mounted on a directory for the test's life (the tests run as root, as
/// CI does): a tmpfs to fill, or ext4 on a loop device that the kernel can force read-only.
struct Disk {
    dir: PathBuf,
    /// The loop device under an ext4 disk.
    loop_device: Option<String>,
}

/// Runs a command that must succeed, naming it when it does not.
fn must(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} (these tests run as root, as CI does): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Disk {
    /// A tmpfs of `megabytes` on `dir`.
    fn tmpfs(dir: &Path, megabytes: u32) -> Disk {
        std::fs::create_dir_all(dir).unwrap();
        let size = format!("size={megabytes}m");
        must(
            "mount",
            &["-t", "tmpfs", "-o", &size, "tmpfs", &dir.to_string_lossy()],
        );
        Disk {
            dir: dir.to_path_buf(),
            loop_device: None,
        }
    }

    /// ext4 on a loop device over `image`, mounted on `dir` to turn read-only at its first
    /// error, as servers mount their disks.
    fn ext4(dir: &Path, image: &Path, megabytes: u64) -> Disk {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::File::create(image)
            .unwrap()
            .set_len(megabytes * 1024 * 1024)
            .unwrap();
        let device = must("losetup", &["--find", "--show", &image.to_string_lossy()]);
        must("mkfs.ext4", &["-q", &device]);
        must(
            "mount",
            &["-o", "errors=remount-ro", &device, &dir.to_string_lossy()],
        );
        Disk {
            dir: dir.to_path_buf(),
            loop_device: Some(device),
        }
    }

    /// Fills it up with one file, which `drain` removes.
    fn fill(&self) {
        let mut file = std::fs::File::create(self.dir.join("filler")).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        // The last partial block, byte by byte.
        while file.write_all(&[0]).is_ok() {}
        let _ = file.sync_all();
    }

    fn drain(&self) {
        std::fs::remove_file(self.dir.join("filler")).unwrap();
    }

    /// Has the kernel take the file system read-only, as it does at a disk error: every write
    /// after, to files already open too, fails with EROFS.
    fn force_read_only(&self) {
        let device = self.loop_device.as_deref().expect("an ext4 disk");
        let name = device.trim_start_matches("/dev/");
        std::fs::write(
            format!("/sys/fs/ext4/{name}/trigger_fs_error"),
            "treatywatch fault test\n",
        )
        .unwrap();
        let probe = std::fs::File::create(self.dir.join("probe"));
        assert_eq!(
            probe.map_err(|e| e.raw_os_error()).err(),
            Some(Some(30)),
            "{device} is still writable"
        );
    }

    /// What an operator does about a disk gone read-only: copies the store off it onto a
    /// good disk mounted in its place. The daemon runs on meanwhile, holding the old files.
    fn replace(&self) {
        let rescue = self.dir.with_extension("rescued");
        let (from, to) = (
            format!("{}/.", self.dir.display()),
            rescue.to_string_lossy().to_string(),
        );
        must("cp", &["-a", &from, &to]);
        must("umount", &["-l", &self.dir.to_string_lossy()]);
        if let Some(device) = &self.loop_device {
            let _ = std::process::Command::new("losetup")
                .args(["-d", device])
                .status();
        }
        must(
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                "size=64m",
                "tmpfs",
                &self.dir.to_string_lossy(),
            ],
        );
        let (from, to) = (
            format!("{}/.", rescue.display()),
            self.dir.to_string_lossy().to_string(),
        );
        must("cp", &["-a", &from, &to]);
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.dir)
            .status();
        if let Some(device) = &self.loop_device {
            // Already detached when the disk was replaced.
            let _ = std::process::Command::new("losetup")
                .args(["-d", device])
                .stderr(std::process::Stdio::null())
                .status();
        }
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
fn survives(make: impl Fn(&Workspace) -> Disk, fault: impl Fn(&Disk), clear: impl Fn(&Disk), symptom: &str) {
    let (server, open) = gated_feeds();
    let ws = Workspace::new();
    let disk = make(&ws);
    ws.write_config(&format!(
        "[api]\nlisten = \"127.0.0.1:0\"\n\n{}",
        feeds_config(&server)
    ));
    let mut daemon = Daemon::start(&ws);
    let addr = daemon.metrics_addr();
    assert_eq!(http_get(&addr, "/healthz").0, 200);
    fault(&disk);
    open.store(true, Ordering::SeqCst);

    // The polls fail by the store's error, named; the daemon goes on, and says it is unwell.
    // The first may still succeed: sled holds writes in memory for a moment before its
    // background flush meets the fault.
    let mut said = String::new();
    wait_for("a poll failing by the store's error", || {
        let (code, out) = run(&ws, &["poll", "--once"]);
        said = out;
        code == Some(6) && said.contains(symptom)
    });
    let (code, again) = run(&ws, &["poll", "--once"]);
    assert_eq!(
        code,
        Some(6),
        "a poll after the first failure: {again}\nfirst: {said}"
    );
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
    // The log is read from the daemon's stderr by another thread: it may trail /healthz.
    wait_for("the reopening logged", || daemon.logged("reopened"));
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
    survives(
        |ws| Disk::tmpfs(&ws.store_path(), 16),
        Disk::fill,
        Disk::drain,
        "No space left on device",
    );
}

#[test]
fn a_store_disk_gone_read_only_fails_the_polls_by_name_and_nothing_is_lost_on_a_good_disk() {
    survives(
        |ws| Disk::ext4(&ws.store_path(), &ws.dir.path().join("disk.img"), 32),
        Disk::force_read_only,
        Disk::replace,
        "Read-only file system",
    );
}

/// A daemon started while its store's disk is read-only (a server booted with a file system
/// the kernel mounted read-only) neither exits, which under systemd would loop, nor mistakes
/// the store for a damaged one and restores a backup over it: it runs unwell, says why, and
/// opens the store and its API socket once the disk is writable.
#[test]
fn a_daemon_started_on_a_read_only_disk_waits_for_it_and_loses_nothing() {
    let (server, open) = gated_feeds();
    open.store(true, Ordering::SeqCst);
    let ws = Workspace::new();
    let disk = Disk::ext4(&ws.store_path(), &ws.dir.path().join("disk.img"), 32);
    ws.write_config(&format!(
        "[api]\nlisten = \"127.0.0.1:0\"\n\n{}",
        feeds_config(&server)
    ));
    // A store with the first feed's articles in it, and a backup that must not be restored.
    let (code, said) = run(&ws, &["poll", "--once", "--feed", "vnexpress"]);
    assert_eq!(code, Some(0), "{said}");
    let (code, said) = run(
        &ws,
        &["backup", &ws.dir.path().join("old.backup").to_string_lossy()],
    );
    assert_eq!(code, Some(0), "{said}");
    let dir = disk.dir.to_string_lossy().to_string();
    must("mount", &["-o", "remount,ro", &dir]);

    let mut daemon = Daemon::start(&ws);
    let addr = daemon.metrics_addr();
    let (status, health) = http_get(&addr, "/healthz");
    assert_eq!(status, 503, "{health}");
    assert!(health.contains("Read-only file system"), "{health}");
    assert!(daemon.logged("the disk refuses the store"));
    wait_for("a failed poll", || {
        sample(
            &http_get(&addr, "/metrics").1,
            "treatywatch_poll_failures_total{kind=\"store\"}",
        )
        .is_some_and(|n| n >= 1.0)
    });
    assert!(daemon.running());

    must("mount", &["-o", "remount,rw", &dir]);
    wait_for("the store and its socket", || {
        run(&ws, &["poll", "--once"]).0 == Some(0)
    });
    wait_for("/healthz passing", || http_get(&addr, "/healthz").0 == 200);
    let (status, logs) = daemon.stop();
    assert!(status.success(), "{}", logs.join("\n"));
    assert!(
        !logs.iter().any(|l| l.contains("rebuilt from")),
        "{}",
        logs.join("\n")
    );
    let set_aside = std::fs::read_dir(ws.store_path())
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("corrupt-"));
    assert!(!set_aside, "the store was set aside as damaged");
    let (code, said) = run(&ws, &["check-store"]);
    assert_eq!(code, Some(0), "{said}");
    let mut feeds: Vec<String> = ws
        .list_json(&[])
        .iter()
        .map(|a| a["feed"].as_str().unwrap().to_string())
        .collect();
    feeds.sort();
    assert_eq!(feeds, ["onu-fr", "onu-fr", "vnexpress", "vnexpress", "vnexpress"]);
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
