//! The daemon in-process on tokio's paused clock, against real HTTP servers on 127.0.0.1 and a
//! real sled store: feeds are polled when due, failing feeds back off and recover, a store
//! failure is nobody's backoff, and shutdown waits the injected grace and no longer. Time moves
//! only when a test advances it: a blocking task holds tokio's auto-advance off while real I/O
//! happens, so hours of schedule pass in a moment and no test sleeps.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use treatywatch::clock::Clock;
use treatywatch::config::Config;
use treatywatch::daemon::{self, Control, DaemonError, Options};
use treatywatch::events::{Event, Events, RefreshSummary};
use treatywatch::pipeline::RefreshOutcome;
use treatywatch::store::Store;

use crate::common::{feed_block, Reply, TestServer};

const INTERVAL: Duration = Duration::from_secs(600);

/// The start-up spread (at most 10 s), and a little: every feed's first poll falls within it.
const SPREAD: Duration = Duration::from_secs(11);

/// An RSS feed of `n` items on the convention.
fn rss(n: usize) -> String {
    let items: String = (0..n)
        .map(|i| {
            format!(
                "<item><title>State {i} signs the UN Convention against Cybercrime</title>\
                 <link>https://news.example/{i}</link><description>Report {i} from Hanoi.</description></item>"
            )
        })
        .collect();
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>")
}

/// Keeps tokio's paused clock from advancing by itself: auto-advance is off while any blocking
/// task runs. Dropping it lets the clock go; so does a test stuck for two minutes of real time,
/// whose pending timers then fire and fail it with a message instead of a hang.
struct ClockHold(#[allow(dead_code)] std::sync::mpsc::Sender<()>);

fn hold_clock() -> ClockHold {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    tokio::task::spawn_blocking(move || {
        let _ = rx.recv_timeout(Duration::from_secs(120));
    });
    ClockHold(tx)
}

/// A daemon running in this test's runtime.
struct InProcess {
    shutdown: CancellationToken,
    events: mpsc::UnboundedReceiver<Event>,
    run: tokio::task::JoinHandle<Result<(), DaemonError>>,
    clock: Clock,
    store: Store,
    /// Asks for a reload, as SIGHUP does.
    reload: mpsc::Sender<()>,
    config_path: std::path::PathBuf,
    _hold: ClockHold,
}

impl InProcess {
    /// Starts the daemon on `config_text` (written to a file in `dir`) with `grace`.
    fn start(dir: &Path, config_text: &str, grace: Duration) -> InProcess {
        InProcess::start_on(dir, config_text, grace, Clock::tokio)
    }

    /// The same on the clock `clock` makes from the start time.
    fn start_on(
        dir: &Path,
        config_text: &str,
        grace: Duration,
        clock: impl FnOnce(DateTime<Utc>) -> Clock,
    ) -> InProcess {
        let hold = hold_clock();
        let path = dir.join("feeds.toml");
        // No daily backups: these tests watch the feeds and the digest, not upkeep.
        std::fs::write(
            &path,
            format!("[store]\npath = \"store\"\nbackups = 0\n\n{config_text}"),
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        let path = path.clone();
        let store = Store::open(&dir.join("store")).unwrap();
        let (events, rx) = Events::observed();
        let clock = clock("2026-12-01T06:00:00Z".parse().unwrap());
        let shutdown = CancellationToken::new();
        let (reload_tx, reload) = mpsc::channel(1);
        let control = Control {
            shutdown: shutdown.clone(),
            reload,
        };
        let options = Options { grace, clock, events };
        let run = tokio::spawn(daemon::run(config, store.clone(), control, options));
        InProcess {
            shutdown,
            events: rx,
            run,
            clock,
            store,
            reload: reload_tx,
            config_path: path,
            _hold: hold,
        }
    }

    /// Waits until every feed is scheduled: advancing the clock before would only move the
    /// start.
    async fn started(&mut self) {
        match self.events.recv().await {
            Some(Event::Started { .. }) => {}
            other => panic!("expected the start, got {other:?}"),
        }
    }

    /// Waits until the daemon has seen the shutdown and started its grace period.
    async fn stopping(&mut self) {
        match self.events.recv().await {
            Some(Event::Stopping) => {}
            other => panic!("expected the shutdown, got {other:?}"),
        }
    }

    /// The next refresh, however long it takes in real time (the clock is held meanwhile).
    async fn next_refresh(&mut self) -> RefreshSummary {
        match self.events.recv().await {
            Some(Event::Refreshed(r)) => r,
            other => panic!("expected a refresh, got {other:?}"),
        }
    }

    /// Moves the clock just past `t` (timers round their deadlines up to the next
    /// millisecond), never back.
    async fn advance_to(&self, t: DateTime<Utc>) {
        let t = t + chrono::Duration::milliseconds(2);
        if let Ok(d) = (t - self.clock.now()).to_std() {
            tokio::time::advance(d).await;
        }
    }

    /// Moves the clock to the feed's next poll and returns that refresh; no refresh of any
    /// feed may come before.
    async fn refresh_when_due(&mut self, previous: &RefreshSummary) -> RefreshSummary {
        assert!(
            self.events.try_recv().is_err(),
            "a refresh came before anything was due"
        );
        self.advance_to(previous.next_poll).await;
        let next = self.next_refresh().await;
        assert_eq!(next.feed, previous.feed);
        next
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

fn minutes(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 60_000.0
}

/// Asserts that `gap` is `expected` within the schedule's ±10 % jitter.
fn assert_gap(gap: chrono::Duration, expected: Duration, what: &str) {
    let (got, want) = (minutes(gap), expected.as_secs_f64() / 60.0);
    assert!(
        got >= want * 0.899 && got <= want * 1.101,
        "{what}: {got:.2} min, expected {want:.2} min ± 10 %"
    );
}

/// The time a refresh started is the time it was due (timers fire to the millisecond).
fn assert_on_time(refresh: &RefreshSummary, due: DateTime<Utc>) {
    let late = refresh.at - due;
    assert!(
        late >= chrono::Duration::zero() && late < chrono::Duration::seconds(1),
        "{} polled at {}, due at {due}",
        refresh.feed,
        refresh.at
    );
}

#[test]
fn feeds_are_polled_when_due_and_failing_ones_back_off_then_recover() {
    let up = Arc::new(AtomicBool::new(false));
    let server = {
        let up = up.clone();
        TestServer::handler(move |req| match req.path.as_str() {
            "/ok.rss" => Reply::ok("application/rss+xml", rss(3)),
            "/flaky.rss" if up.load(Ordering::SeqCst) => Reply::ok("application/rss+xml", rss(1)),
            _ => Reply::status(500),
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{}interval = \"10m\"\n\n{}interval = \"10m\"\n",
        feed_block("ok", &server.url("/ok.rss")),
        feed_block("flaky", &server.url("/flaky.rss"))
    );
    runtime().block_on(async {
        let mut daemon = InProcess::start(dir.path(), &config, Duration::from_secs(10));
        daemon.started().await;
        let started = daemon.clock.now();
        // Both feeds are first due within the start-up spread.
        tokio::time::advance(SPREAD).await;
        let (mut ok, mut flaky) = (None, None);
        for _ in 0..2 {
            let r = daemon.next_refresh().await;
            assert!(r.at - started <= chrono::Duration::from_std(SPREAD).unwrap(), "{r:?}");
            match r.feed.as_str() {
                "ok" => ok = Some(r),
                _ => flaky = Some(r),
            }
        }
        let (mut ok, mut flaky) = (ok.unwrap(), flaky.unwrap());
        assert!(
            matches!(&ok.outcome, Ok(RefreshOutcome::Stored { counts, .. }) if counts.new == 3),
            "{ok:?}"
        );
        assert!(flaky.outcome.is_err() && flaky.feed_fault, "{flaky:?}");

        // Walk the clock from due time to due time: the healthy feed keeps its interval, the
        // failing one doubles its wait after each failure.
        let mut flaky_waits = Vec::new();
        let mut ok_polls = 1;
        while flaky_waits.len() < 3 {
            if ok.next_poll <= flaky.next_poll {
                let next = daemon.refresh_when_due(&ok).await;
                assert_on_time(&next, ok.next_poll);
                assert_gap(next.at - ok.at, INTERVAL, "healthy feed");
                assert!(
                    matches!(&next.outcome, Ok(RefreshOutcome::Stored { counts, .. }) if counts.unchanged == 3),
                    "{next:?}"
                );
                ok_polls += 1;
                ok = next;
            } else {
                let next = daemon.refresh_when_due(&flaky).await;
                assert_on_time(&next, flaky.next_poll);
                flaky_waits.push(next.at - flaky.at);
                assert!(next.outcome.is_err() && next.feed_fault, "{next:?}");
                flaky = next;
            }
        }
        // The first failure waits the interval; then 2x, 4x.
        for (i, wait) in flaky_waits.iter().enumerate() {
            assert_gap(*wait, INTERVAL * (1 << i), &format!("wait after failure {}", i + 1));
        }
        assert!(ok_polls >= 6, "the healthy feed kept its rhythm meanwhile ({ok_polls} polls)");
        let state = daemon.store.feed_state("flaky").unwrap().unwrap();
        assert_eq!(state.consecutive_failures, 4);
        assert!(state.last_error.as_deref().unwrap().contains("500"), "{state:?}");

        // The server recovers: one success resets the backoff to the interval.
        up.store(true, Ordering::SeqCst);
        while ok.next_poll <= flaky.next_poll {
            ok = daemon.refresh_when_due(&ok).await;
        }
        let recovered = daemon.refresh_when_due(&flaky).await;
        assert!(recovered.outcome.is_ok(), "{recovered:?}");
        assert_gap(recovered.next_poll - recovered.at, INTERVAL, "after recovery");
        let state = daemon.store.feed_state("flaky").unwrap().unwrap();
        assert_eq!((state.consecutive_failures, state.last_error), (0, None));

        daemon.shutdown.cancel();
        daemon.run.await.unwrap().unwrap();
    });
}

/// Log lines written by the code under test, on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A subscriber that writes every log line to `logs`.
fn capturing(logs: &Captured) -> impl tracing::Subscriber + Send + Sync {
    let logs = logs.clone();
    tracing_subscriber::fmt()
        .with_writer(move || logs.clone())
        .with_ansi(false)
        .finish()
}

#[test]
fn a_store_failure_is_logged_as_an_error_and_leaves_the_feed_backoff_alone() {
    let server = TestServer::routes(vec![(
        "/ok.rss",
        Reply::ok("application/rss+xml", rss(2)).header("ETag", "\"v1\""),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let config = format!("{}interval = \"10m\"\n", feed_block("ok", &server.url("/ok.rss")));
    let logs = Captured::default();
    let _logging = tracing::subscriber::set_default(capturing(&logs));
    runtime().block_on(async {
        let mut daemon = InProcess::start(dir.path(), &config, Duration::from_secs(10));
        daemon.started().await;
        // The disk is full while the first poll stores its articles.
        daemon.store.fail_article_writes(true);
        tokio::time::advance(SPREAD).await;
        let failed = daemon.next_refresh().await;
        assert!(failed.outcome.is_err() && !failed.feed_fault, "{failed:?}");
        let state = daemon.store.feed_state("ok").unwrap().unwrap();
        assert_eq!(state.consecutive_failures, 0, "not the feed's fault");
        assert_eq!(state.last_error, None);
        assert_eq!(state.etag, None, "no validators kept for articles never stored");
        let store_error = state
            .store_error
            .expect("the store's failure is recorded for `feeds`");
        assert!(store_error.error.contains("no space left"), "{store_error:?}");
        assert_gap(
            failed.next_poll - failed.at,
            INTERVAL,
            "next poll after a store failure",
        );
        let logged = logs.text();
        let line = logged
            .lines()
            .find(|l| l.contains("store failed"))
            .unwrap_or_else(|| panic!("no store failure logged in {logged}"));
        assert!(line.contains("ERROR") && line.contains("feed=ok"), "{line}");

        // The disk has room again: the next poll stores everything, nothing lost.
        daemon.store.fail_article_writes(false);
        let stored = daemon.refresh_when_due(&failed).await;
        assert!(
            matches!(&stored.outcome, Ok(RefreshOutcome::Stored { counts, .. }) if counts.new == 2),
            "{stored:?}"
        );
        let state = daemon.store.feed_state("ok").unwrap().unwrap();
        assert_eq!((state.consecutive_failures, state.store_error), (0, None));
        assert_eq!(state.etag.as_deref(), Some("\"v1\""));
        daemon.shutdown.cancel();
        daemon.run.await.unwrap().unwrap();
    });
}

#[test]
fn shutdown_waits_for_an_in_flight_refresh_up_to_the_grace_and_no_longer() {
    // A server that never finishes its body: the refresh is in flight when shutdown comes.
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    let server = TestServer::handler(move |_| {
        let _ = seen_tx.send(());
        Reply {
            drip: Some((1, Duration::from_secs(1))),
            ..Reply::ok("application/rss+xml", vec![b' '; 600])
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{}timeout = \"1h\"\n",
        feed_block("slow", &server.url("/slow.rss"))
    );
    let grace = Duration::from_secs(30);
    let logs = Captured::default();
    let _logging = tracing::subscriber::set_default(capturing(&logs));
    runtime().block_on(async {
        let mut daemon = InProcess::start(dir.path(), &config, grace);
        daemon.started().await;
        tokio::time::advance(SPREAD).await;
        seen_rx.recv().await.expect("the fetch started");
        let cancelled_at = daemon.clock.now();
        daemon.shutdown.cancel();
        daemon.stopping().await;
        tokio::time::advance(grace - Duration::from_secs(1)).await;
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!daemon.run.is_finished(), "stopped before the grace was over");
        tokio::time::advance(Duration::from_secs(2)).await;
        (&mut daemon.run).await.unwrap().unwrap();
        let waited = daemon.clock.now() - cancelled_at;
        assert!(
            waited >= chrono::Duration::from_std(grace).unwrap() && waited <= chrono::Duration::seconds(31),
            "waited {waited}"
        );
        assert!(
            daemon.events.try_recv().is_err(),
            "the abandoned refresh reported nothing"
        );
        let logged = logs.text();
        assert!(
            logged
                .lines()
                .any(|l| l.contains("WARN") && l.contains("abandoning")),
            "{logged}"
        );
    });
}

#[test]
fn shutdown_with_nothing_in_flight_is_immediate() {
    let server = TestServer::routes(vec![("/ok.rss", Reply::ok("application/rss+xml", rss(1)))]);
    let dir = tempfile::tempdir().unwrap();
    let config = feed_block("ok", &server.url("/ok.rss"));
    runtime().block_on(async {
        let mut daemon = InProcess::start(dir.path(), &config, Duration::from_secs(3600));
        daemon.started().await;
        tokio::time::advance(SPREAD).await;
        daemon.next_refresh().await;
        let cancelled_at = daemon.clock.now();
        daemon.shutdown.cancel();
        (&mut daemon.run).await.unwrap().unwrap();
        assert_eq!(daemon.clock.now(), cancelled_at, "no time passed");
        assert_eq!(daemon.store.article_count(), 1);
    });
}

#[test]
fn a_reload_starts_new_feeds_and_names_what_needs_a_restart() {
    let server = TestServer::routes(vec![
        ("/a.rss", Reply::ok("application/rss+xml", rss(1))),
        ("/b.rss", Reply::ok("application/rss+xml", rss(2))),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let logs = Captured::default();
    let _logging = tracing::subscriber::set_default(capturing(&logs));
    runtime().block_on(async {
        let mut daemon = InProcess::start(
            dir.path(),
            &feed_block("a", &server.url("/a.rss")),
            Duration::from_secs(10),
        );
        daemon.started().await;
        tokio::time::advance(SPREAD).await;
        assert_eq!(daemon.next_refresh().await.feed, "a");
        let text = std::fs::read_to_string(&daemon.config_path).unwrap();
        let text = text.replace("[store]\n", "[store]\ndedup_window = \"7d\"\n");
        std::fs::write(
            &daemon.config_path,
            format!("{text}{}", feed_block("b", &server.url("/b.rss"))),
        )
        .unwrap();
        daemon.reload.send(()).await.unwrap();
        match daemon.events.recv().await {
            Some(Event::Reloaded) => {}
            other => panic!("expected the reload, got {other:?}"),
        }
        // The new feed starts within the spread; the running one is not due yet.
        tokio::time::advance(SPREAD).await;
        let added = daemon.next_refresh().await;
        assert_eq!(added.feed, "b");
        let logged = logs.text();
        assert!(logged.contains("added=1 removed=0 changed=0"), "{logged}");
        assert!(
            logged
                .lines()
                .any(|l| l.contains("WARN") && l.contains("dedup_window changed")),
            "{logged}"
        );
        daemon.shutdown.cancel();
        daemon.run.await.unwrap().unwrap();
    });
}

/// The next digest event, skipping refreshes.
async fn next_digest_event(daemon: &mut InProcess) -> Event {
    loop {
        match daemon.events.recv().await {
            Some(Event::Refreshed(_)) => continue,
            Some(event) => return event,
            None => panic!("the daemon stopped sending events"),
        }
    }
}

fn digest_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.retain(|n| !n.starts_with('.'));
    names.sort();
    names
}

#[test]
fn the_digest_goes_out_at_its_hour_each_day_and_a_missed_one_on_restart() {
    let server = TestServer::routes(vec![("/ok.rss", Reply::ok("application/rss+xml", rss(2)))]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("digests");
    // The clock starts at 06:00 UTC; the digest hour is 07:00 in Hanoi, 00:00 UTC.
    let config = format!(
        "{}interval = \"6h\"\n\n[digest]\ntime = \"07:00\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\n[[digest.sink]]\nkind = \"file\"\ndir = \"digests\"\nformat = \"text\"\n",
        feed_block("ok", &server.url("/ok.rss"))
    );
    runtime().block_on(async {
        let mut daemon = InProcess::start(dir.path(), &config, Duration::from_secs(10));
        daemon.started().await;
        tokio::time::advance(SPREAD).await;
        daemon.next_refresh().await;
        assert!(digest_files(&out).is_empty(), "no digest before its hour");

        // 2026-12-02 00:00 UTC is 07:00 in Hanoi.
        daemon.advance_to("2026-12-02T00:00:00Z".parse().unwrap()).await;
        let made = next_digest_event(&mut daemon).await;
        assert!(matches!(made, Event::DigestMade { stories: 2, .. }), "{made:?}");
        let delivered = next_digest_event(&mut daemon).await;
        assert!(matches!(&delivered, Event::Delivery(a) if matches!(a.state, treatywatch::store::DeliveryState::Delivered { .. })), "{delivered:?}");
        let files = digest_files(&out);
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].starts_with("treatywatch-2026-12-02-"), "{files:?}");
        let text = std::fs::read_to_string(out.join(&files[0])).unwrap();
        assert!(text.contains("State 0 signs the UN Convention against Cybercrime"), "{text}");
        assert!(text.contains("2 stories in 1 language"), "{text}");

        // A day later: nothing new, and the (default) short digest says so.
        daemon.advance_to("2026-12-03T00:00:00Z".parse().unwrap()).await;
        assert!(matches!(next_digest_event(&mut daemon).await, Event::DigestMade { stories: 0, .. }));
        assert!(matches!(next_digest_event(&mut daemon).await, Event::Delivery(_)));
        let files = digest_files(&out);
        assert_eq!(files.len(), 2, "{files:?}");
        let text = std::fs::read_to_string(out.join(&files[1])).unwrap();
        assert!(text.contains("Nothing new since the last digest."), "{text}");
        daemon.shutdown.cancel();
        daemon.run.await.unwrap().unwrap();
    });

    // The daemon is down over the next digest hour: when it starts again, one digest covers
    // the gap at once.
    runtime().block_on(async {
        let path = dir.path().join("feeds.toml");
        let config = Config::load(&path).unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let (events, mut rx) = Events::observed();
        let _hold = hold_clock();
        let shutdown = CancellationToken::new();
        let (_reload_tx, reload) = mpsc::channel(1);
        let options = Options {
            grace: Duration::from_secs(10),
            clock: Clock::tokio("2026-12-05T03:00:00Z".parse().unwrap()),
            events,
        };
        let run = tokio::spawn(daemon::run(
            config,
            store,
            Control {
                shutdown: shutdown.clone(),
                reload,
            },
            options,
        ));
        let made = loop {
            match rx.recv().await {
                Some(Event::DigestMade { id, .. }) => break id,
                Some(_) => continue,
                None => panic!("no digest after the restart"),
            }
        };
        assert!(made > 0);
        assert!(matches!(rx.recv().await, Some(Event::Delivery(_))));
        assert_eq!(digest_files(&out).len(), 3);
        shutdown.cancel();
        run.await.unwrap().unwrap();
    });
}

#[test]
fn a_day_with_nothing_new_sends_nothing_when_empty_digests_are_off() {
    let fresh = Arc::new(AtomicBool::new(false));
    let server = {
        let fresh = fresh.clone();
        TestServer::handler(move |_| {
            Reply::ok(
                "application/rss+xml",
                rss(if fresh.load(Ordering::SeqCst) { 3 } else { 1 }),
            )
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("digests");
    let config = format!(
        "{}interval = \"6h\"\n\n[digest]\ntime = \"00:00\"\ntimezone = \"UTC\"\nsend_empty = false\n\n[[digest.sink]]\nkind = \"file\"\ndir = \"digests\"\nformat = \"json\"\n",
        feed_block("ok", &server.url("/ok.rss"))
    );
    runtime().block_on(async {
        let mut daemon = InProcess::start(dir.path(), &config, Duration::from_secs(10));
        daemon.started().await;
        tokio::time::advance(SPREAD).await;
        daemon.next_refresh().await;
        daemon.advance_to("2026-12-02T00:00:00Z".parse().unwrap()).await;
        assert!(matches!(
            next_digest_event(&mut daemon).await,
            Event::DigestMade { stories: 1, .. }
        ));
        assert!(matches!(next_digest_event(&mut daemon).await, Event::Delivery(_)));

        // The next hour brings nothing: no digest, once, and no retrying in a loop.
        daemon.advance_to("2026-12-03T00:00:00Z".parse().unwrap()).await;
        assert!(matches!(
            next_digest_event(&mut daemon).await,
            Event::DigestSkipped
        ));
        let mut skipped = 1;
        fresh.store(true, Ordering::SeqCst);
        let tally = |event: Event, hour: i32, skipped: &mut i32| match event {
            Event::DigestSkipped => *skipped += 1,
            Event::DigestMade { stories, .. } => {
                assert_eq!(hour, 24, "a digest only at the next hour");
                assert_eq!(stories, 2, "the two items published since");
            }
            _ => {}
        };
        let mut next_poll = daemon.store.feed_state("ok").unwrap().unwrap().next_poll.unwrap();
        for hour in 1..=24 {
            let target = daemon.clock.now() + chrono::Duration::hours(1);
            // Each poll is waited for before the clock moves on: a jump past a request still
            // in flight would time it out, and a loaded machine is slow to answer.
            while next_poll <= target {
                daemon.advance_to(next_poll).await;
                loop {
                    match daemon.events.recv().await {
                        Some(Event::Refreshed(r)) => {
                            next_poll = r.next_poll;
                            break;
                        }
                        Some(event) => tally(event, hour, &mut skipped),
                        None => panic!("the daemon stopped sending events"),
                    }
                }
            }
            daemon.advance_to(target).await;
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
            while let Ok(event) = daemon.events.try_recv() {
                tally(event, hour, &mut skipped);
            }
        }
        assert_eq!(skipped, 1, "one empty hour, one skip");
        let files = digest_files(&out);
        assert!(files.len() <= 2, "{files:?}");
        daemon.shutdown.cancel();
        daemon.run.await.unwrap().unwrap();
    });
}

#[test]
fn the_daemon_prunes_what_is_older_than_keep_soon_after_it_starts() {
    let server = TestServer::routes(vec![("/ok.rss", Reply::ok("application/rss+xml", rss(1)))]);
    let dir = tempfile::tempdir().unwrap();
    // Two articles fetched in September, before the daemon's clock (1 December) less 30 days.
    {
        let store = Store::open(&dir.path().join("store")).unwrap();
        let old = |n: usize| treatywatch::model::Entry {
            url: format!("https://old.example/{n}"),
            link: format!("https://old.example/{n}"),
            title: format!("Old story {n}"),
            text: format!("An old story, number {n}, long since read."),
            summary: None,
            published: None,
            updated: None,
            authors: vec![],
            topics: vec![],
            links: vec![],
            cited: vec![],
            fingerprint: None,
            event: Default::default(),
            lang: treatywatch::model::LangGuess {
                lang: Some("en".into()),
                confidence: 1.0,
                method: treatywatch::model::LangMethod::Text,
            },
        };
        let september: DateTime<Utc> = "2026-09-01T00:00:00Z".parse().unwrap();
        store.upsert_entries("old", &[old(1), old(2)], september).unwrap();
    }
    let config = format!("keep = \"30d\"\n\n{}", feed_block("ok", &server.url("/ok.rss")));
    runtime().block_on(async {
        let mut daemon = InProcess::start(dir.path(), &config, Duration::from_secs(10));
        daemon.started().await;
        tokio::time::advance(SPREAD).await;
        daemon.next_refresh().await;
        assert_eq!(daemon.store.article_count(), 3);
        tokio::time::advance(Duration::from_secs(60)).await;
        match daemon.events.recv().await {
            Some(Event::Pruned(Ok(pruned))) => assert_eq!(pruned.articles, 2),
            other => panic!("expected a prune, got {other:?}"),
        }
        assert_eq!(daemon.store.article_count(), 1, "the feed's new article stays");
        daemon.shutdown.cancel();
        daemon.run.await.unwrap().unwrap();
    });
}

/// Follows the feed through `steps` more polls, moving tokio's (monotonic) clock by the wait
/// each poll set (its `next_poll` less its start: the system clock may jump meanwhile); returns
/// the other events seen meanwhile and the last poll.
async fn polls(
    daemon: &mut InProcess,
    mut last: RefreshSummary,
    steps: usize,
) -> (Vec<Event>, RefreshSummary) {
    let mut others = Vec::new();
    for _ in 0..steps {
        let wait = (last.next_poll - last.at).to_std().unwrap() + Duration::from_millis(2);
        tokio::time::advance(wait).await;
        // The poll, however long its real I/O takes (the clock is held meanwhile).
        last = loop {
            match daemon.events.recv().await {
                Some(Event::Refreshed(r)) => break r,
                Some(other) => others.push(other),
                None => panic!("the daemon stopped sending events"),
            }
        };
        assert!(last.outcome.is_ok(), "{last:?}");
    }
    (others, last)
}

#[test]
fn a_clock_jumping_back_an_hour_or_forward_a_day_sends_each_digest_once_and_polls_on() {
    let server = TestServer::routes(vec![("/ok.rss", Reply::ok("application/rss+xml", rss(2)))]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("digests");
    let config = format!(
        "{}interval = \"15m\"\n\n[digest]\ntime = \"07:00\"\ntimezone = \"UTC\"\n\n[[digest.sink]]\nkind = \"file\"\ndir = \"digests\"\nformat = \"text\"\n",
        feed_block("ok", &server.url("/ok.rss"))
    );
    let shift: &'static AtomicI64 = Box::leak(Box::new(AtomicI64::new(0)));
    runtime().block_on(async {
        let mut daemon = InProcess::start_on(dir.path(), &config, Duration::from_secs(10), |at| {
            Clock::shifted(at, shift)
        });
        daemon.started().await;
        tokio::time::advance(SPREAD).await;
        daemon.next_refresh().await;
        daemon.advance_to("2026-12-01T07:00:00Z".parse().unwrap()).await;
        // The 07:00 poll and digest, in either order.
        let (mut made, mut delivered, mut last) = (0, 0, None);
        while made == 0 || delivered == 0 || last.is_none() {
            match daemon.events.recv().await {
                Some(Event::DigestMade { .. }) => made += 1,
                Some(Event::Delivery(_)) => delivered += 1,
                Some(Event::Refreshed(r)) => last = Some(r),
                other => panic!("{other:?}"),
            }
        }
        let last = last.unwrap();
        // Back an hour, just after the digest: 07:00 comes round again, and nothing goes out;
        // the feed keeps its quarter hours.
        shift.fetch_sub(3600, Ordering::SeqCst);
        let (events, last) = polls(&mut daemon, last, 8).await;
        assert!(
            matches!(events.first(), Some(Event::ClockJumped(-3600))),
            "the jump is reported: {events:?}"
        );
        assert!(
            !events.iter().any(|e| matches!(e, Event::DigestMade { .. })),
            "no second digest for the same hour: {events:?}"
        );
        assert_eq!(digest_files(&out).len(), 1);

        // Forward a day, past the next 07:00: that day's digest goes out at once, once.
        shift.fetch_add(24 * 3600, Ordering::SeqCst);
        let jumped_to = daemon.clock.now();
        // The scheduler's next beat sees the jump.
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(matches!(
            daemon.events.recv().await,
            Some(Event::ClockJumped(86400))
        ));
        assert!(matches!(
            next_digest_event(&mut daemon).await,
            Event::DigestMade { .. }
        ));
        let made = daemon.store.digests().unwrap()[0].created;
        assert!(
            made - jumped_to < chrono::Duration::seconds(5),
            "made at once ({made}), not at the timer's next look after the jump to {jumped_to}"
        );
        let (events, _) = polls(&mut daemon, last, 8).await;
        assert!(
            !events.iter().any(|e| matches!(e, Event::DigestMade { .. })),
            "{events:?}"
        );
        let files = digest_files(&out);
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(files[1].starts_with("treatywatch-2026-12-02-"), "{files:?}");
        daemon.shutdown.cancel();
        daemon.run.await.unwrap().unwrap();
    });
}
