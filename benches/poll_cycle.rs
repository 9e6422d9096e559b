//! Full poll cycles of the real binary against the standard corpus on 127.0.0.1.
//!
//! `cargo bench --bench poll_cycle` (options after `--`: `--feeds N`, `--items N`, `--runs N`,
//! `--per-host N`, `--shared DIR`). It generates the corpus with `../shared/bench/gen_corpus.py`,
//! serves it with `../shared/bench/serve.py` (nginx when installed, else Python), then times:
//! - cold: `poll --once` on an empty store (every feed answers 200);
//! - warm: `poll --once` again (every feed answers 304 to our validators);
//! - the daemon: `run` until it has polled every feed once, reading its peak RSS (VmHWM).
//!
//! Each phase's figures are the median of `--runs` runs (fresh store for cold ones).

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Options {
    feeds: usize,
    items: usize,
    runs: usize,
    per_host: usize,
    shared: PathBuf,
}

fn options() -> Options {
    let mut o = Options {
        feeds: 1000,
        items: 30,
        runs: 3,
        per_host: 2,
        shared: Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--feeds" => o.feeds = value.parse().expect("--feeds N"),
            "--items" => o.items = value.parse().expect("--items N"),
            "--runs" => o.runs = value.parse().expect("--runs N"),
            "--per-host" => o.per_host = value.parse().expect("--per-host N"),
            "--shared" => o.shared = PathBuf::from(value),
            // cargo bench passes --bench; anything else is not ours.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

/// The corpus server, stopped on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    wait_until("the corpus server", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

/// Runs a command to completion; returns wall time and the child's peak RSS in KiB.
// The child is reaped by wait4 below, which std's Child cannot do while also returning rusage.
#[allow(clippy::zombie_processes)]
fn timed(cmd: &mut Command) -> (Duration, u64) {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid out-pointers; std's Child is not waited again.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(waited, pid, "wait4 failed");
    // Exit 1 means some feed failed; the corpus has none, so anything but 0 is a bench error.
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "poll failed: status {status}"
    );
    (elapsed, usage.ru_maxrss as u64)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let o = options();
    let bin = env!("CARGO_BIN_EXE_treatywatch");
    let work = tempfile::tempdir().unwrap();
    let corpus = work.path().join("corpus");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");

    let generated = Command::new("python3")
        .arg(o.shared.join("bench/gen_corpus.py"))
        .arg(&corpus)
        .args([
            "--feeds",
            &o.feeds.to_string(),
            "--items",
            &o.items.to_string(),
            "--base-url",
            &base,
        ])
        .status()
        .expect("python3 runs gen_corpus.py");
    assert!(generated.success());

    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .any(|p| Path::new(p).exists());
    let engine = if nginx { "nginx" } else { "python" };
    let _server = Server(
        Command::new("python3")
            .arg(o.shared.join("bench/serve.py"))
            .arg(&corpus)
            .args(["--port", &port.to_string(), "--engine", engine, "--rundir"])
            .arg(work.path().join("run"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs serve.py"),
    );
    wait_for_port(port);

    let urls = std::fs::read_to_string(corpus.join("urls.txt")).unwrap();
    let config = work.path().join("feeds.toml");
    let mut f = std::fs::File::create(&config).unwrap();
    writeln!(f, "[fetch]\nper_host = {}\n", o.per_host).unwrap();
    for (i, url) in urls.lines().enumerate() {
        writeln!(f, "[[feed]]\nname = \"f{i:04}\"\nurl = \"{url}\"\n").unwrap();
    }
    drop(f);

    println!(
        "corpus: {} feeds x {} items on {base} ({engine}); per_host = {}; {} runs per phase",
        o.feeds, o.items, o.per_host, o.runs
    );
    let poll = |store: &Path| {
        let mut cmd = Command::new(bin);
        cmd.arg("--config")
            .arg(&config)
            .arg("--store")
            .arg(store)
            .args(["-q", "poll", "--once"]);
        cmd
    };
    let (mut cold, mut warm, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..o.runs {
        let store = work.path().join(format!("store-{run}"));
        let (t, r) = timed(&mut poll(&store));
        cold.push(t);
        rss.push(r);
        let (t, r) = timed(&mut poll(&store));
        warm.push(t);
        rss.push(r);
    }
    let peak_rss = rss.iter().max().copied().unwrap_or(0);
    println!(
        "cold cycle (all 200): median {:.2} s  (runs: {:?})",
        median(cold.clone()).as_secs_f64(),
        secs(&cold)
    );
    println!(
        "warm cycle (all 304): median {:.2} s  (runs: {:?})",
        median(warm.clone()).as_secs_f64(),
        secs(&warm)
    );
    println!("poll --once peak RSS: {:.1} MB", peak_rss as f64 / 1024.0);

    // Every poll above asked for every feed once; the daemon's requests come after those.
    let (daemon_time, daemon_rss) = daemon_cycle(
        bin,
        &config,
        &work.path().join("store-daemon"),
        &work.path().join("run/access.log"),
        o.feeds,
        o.runs * 2 * o.feeds,
    );
    println!(
        "daemon: first cycle of {} feeds in {:.2} s (first polls are spread over up to 10 s by design); peak RSS {:.1} MB",
        o.feeds,
        daemon_time.as_secs_f64(),
        daemon_rss as f64 / 1024.0
    );
}

fn secs(v: &[Duration]) -> Vec<String> {
    v.iter().map(|d| format!("{:.2}", d.as_secs_f64())).collect()
}

/// Starts `run` on an empty store, waits until it has finished a refresh of every feed (its
/// debug log, one outcome line per refresh, is the witness), reads the daemon's peak RSS, and
/// stops it with SIGTERM. `served_before` feed requests are in the access log from earlier
/// phases; the daemon starts once they have all landed (nginx flushes the log every second).
fn daemon_cycle(
    bin: &str,
    config: &Path,
    store: &Path,
    access_log: &Path,
    feeds: usize,
    served_before: usize,
) -> (Duration, u64) {
    wait_until("earlier phases' requests in the access log", || {
        count_feed_requests(access_log) >= served_before
    });
    let log = store.with_extension("log");
    let start = Instant::now();
    let mut child = Command::new(bin)
        .arg("--config")
        .arg(config)
        .arg("--store")
        .arg(store)
        .args(["-v", "run"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    wait_until("the daemon to refresh every feed", || {
        refreshes_logged(&log) >= feeds
    });
    let elapsed = start.elapsed();
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "daemon exit {exit:?}");
    (elapsed, hwm)
}

/// Polls `condition` until it holds; the bound only turns a hang into a message.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !condition() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Refresh outcomes the daemon logged (one per feed refresh at debug level).
fn refreshes_logged(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .map(|s| {
            s.lines()
                .filter(|l| l.contains("polled") || l.contains("not modified") || l.contains("poll failed"))
                .count()
        })
        .unwrap_or(0)
}

fn count_feed_requests(access_log: &Path) -> usize {
    std::fs::read_to_string(access_log)
        .map(|s| s.lines().filter(|l| l.contains("/feeds/")).count())
        .unwrap_or(0)
}
