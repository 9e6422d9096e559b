//! A month of running in minutes: `cargo bench --bench soak` (options after `--`: `--feeds N`
//! (default 1,000), `--days N` (default 30), `--keep N` days of retention (default 7),
//! `--out DIR` (default `target/soak`)).
//!
//! The real daemon (`treatywatch::daemon::run`) runs in this process on tokio's paused clock,
//! against a site on 127.0.0.1 served from the same runtime: `feeds` feeds, each publishing a
//! new item every 3 to 24 simulated hours, a quarter of them about the convention, answering
//! 304 to a poll that brings nothing new. The daemon polls each feed hourly, makes a digest
//! every simulated day into a file sink, prunes daily (likeness matched over 3 days) and keeps
//! two backups. Time moves as
//! soon as the daemon waits for nothing but timers (tokio's auto-advance; store calls on the
//! blocking pool hold it), so the month passes as fast as the work allows.
//!
//! Every simulated hour it samples the process's resident memory, its open file descriptors,
//! the store's bytes on disk (and its backups'), and the runtime's live tasks; it writes them
//! to `soak.csv` and draws them in `soak.svg`, and it prints whether memory and descriptors
//! stayed flat and the store bounded over the last two thirds of the run.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use treatywatch::clock::Clock;
use treatywatch::config::Config;
use treatywatch::daemon::{self, Control, Options};
use treatywatch::events::{Event, Events};
use treatywatch::pipeline::RefreshOutcome;
use treatywatch::store::Store;

#[path = "support/mod.rs"]
mod support;

const START: &str = "2026-11-01T00:00:00Z";

/// Countries that sign, for the on-topic titles: each signature is its own event.
const COUNTRIES: &[&str] = &[
    "Viet Nam", "France", "Austria", "Egypt", "Jordan", "Brazil", "Chile", "Kenya", "Norway", "Japan",
    "Mexico", "Morocco", "Peru", "Senegal", "Tunisia", "Uruguay", "Ghana", "Qatar",
];

/// Cities for the off-topic titles.
const CITIES: &[&str] = &[
    "Lyon",
    "Hue",
    "Graz",
    "Alexandria",
    "Porto",
    "Osaka",
    "Lagos",
    "Quito",
    "Tromso",
    "Fes",
];

struct Args {
    feeds: usize,
    days: u32,
    keep: u32,
    out: PathBuf,
}

fn args() -> Args {
    let mut args = Args {
        feeds: 1000,
        days: 30,
        keep: 7,
        out: PathBuf::from("target/soak"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--feeds" => args.feeds = value().parse().expect("--feeds N"),
            "--days" => args.days = value().parse().expect("--days N"),
            "--keep" => args.keep = value().parse().expect("--keep N"),
            "--out" => args.out = PathBuf::from(value()),
            // cargo bench passes --bench.
            _ => {}
        }
    }
    args
}

/// The site: every feed's items follow from the simulated time of the request alone, so the
/// site itself holds no state that grows.
struct Site {
    start: tokio::time::Instant,
    at: DateTime<Utc>,
    requests: AtomicU64,
    not_modified: AtomicU64,
}

impl Site {
    fn now(&self) -> DateTime<Utc> {
        self.at + chrono::Duration::from_std(self.start.elapsed()).unwrap()
    }
}

/// Feed `feed` publishes its `k`-th item `offset + k * period` after the start.
fn schedule(feed: usize) -> (chrono::Duration, chrono::Duration) {
    let period = chrono::Duration::minutes(60 * (3 + (feed * 7 % 22) as i64) + (feed % 60) as i64);
    let offset = chrono::Duration::minutes((feed * 37 % 180) as i64);
    (offset, period)
}

fn item(feed: usize, k: i64, published: DateTime<Utc>) -> String {
    let n = feed * 131 + k as usize;
    let (title, lead) = if (feed + k as usize).is_multiple_of(4) {
        let country = COUNTRIES[n % COUNTRIES.len()];
        let states = 40 + n % 90;
        (
            format!("{country} signs the UN Convention against Cybercrime; {states} states have now signed"),
            format!("{country} signed the UN Convention against Cybercrime on {}, bringing the number of signatories to {states}.", published.format("%-d %B")),
        )
    } else {
        let city = CITIES[n % CITIES.len()];
        (
            format!("Markets in {city} close {} points higher", n % 300),
            format!(
                "Traders in {city} reported a quiet session on {}.",
                published.format("%-d %B")
            ),
        )
    };
    let words: Vec<&str> = (0..60)
        .map(|i| support::WORDS[(n * 7 + i * 13) % support::WORDS.len()])
        .collect();
    format!(
        "<item><title>{title}</title><link>https://outlet{}.example/{feed}/{k}</link>\
         <guid>https://outlet{}.example/{feed}/{k}</guid><pubDate>{}</pubDate>\
         <description>{lead} {}</description></item>",
        feed % 50,
        feed % 50,
        published.to_rfc2822(),
        words.join(" ")
    )
}

async fn feed(State(site): State<Arc<Site>>, UrlPath(feed): UrlPath<usize>, headers: HeaderMap) -> Response {
    site.requests.fetch_add(1, Ordering::Relaxed);
    let (offset, period) = schedule(feed);
    let since = site.now() - site.at - offset;
    let Some(latest) =
        (since >= chrono::Duration::zero()).then(|| since.num_seconds() / period.num_seconds())
    else {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/rss+xml")],
            rss(feed, &[]),
        )
            .into_response();
    };
    let etag = format!("\"{feed}-{latest}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        site.not_modified.fetch_add(1, Ordering::Relaxed);
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let items: Vec<String> = (latest.saturating_sub(7)..=latest)
        .rev()
        .map(|k| item(feed, k, site.at + offset + period * k as i32))
        .collect();
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
            (header::ETAG, etag),
        ],
        rss(feed, &items),
    )
        .into_response()
}

fn rss(feed: usize, items: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
         <title>Outlet {feed}</title><link>https://outlet{}.example/</link>{}</channel></rss>",
        feed % 50,
        items.concat()
    )
}

/// One figure of a sample.
type Metric = fn(&Sample) -> f64;

/// One sample, taken every simulated hour.
#[derive(Clone, Copy)]
struct Sample {
    hours: f64,
    rss_mib: f64,
    fds: f64,
    store_mib: f64,
    backups_mib: f64,
    tasks: f64,
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn open_fds() -> f64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count()) as f64
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// Counts of what the daemon did, from its events.
#[derive(Default)]
struct Tally {
    refreshes: u64,
    failed: u64,
    new: u64,
    digests: u64,
    /// Store compactions: bytes on disk before and after.
    compactions: Vec<(u64, u64)>,
    failed_compactions: u64,
    first_failure: Option<String>,
}

fn main() {
    let args = args();
    // The daemon's config and store stay in `out/run` for a look afterwards.
    let work = args.out.join("run");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    println!(
        "soak: {} feeds, {} simulated days, keep {} days, into {}",
        args.feeds,
        args.days,
        args.keep,
        args.out.display()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let (samples, tally, site) = runtime.block_on(soak(&args, &work));
    let real = started.elapsed();

    write_csv(&args.out.join("soak.csv"), &samples);
    plot(&args.out.join("soak.svg"), &samples, &args);
    println!(
        "ran {} simulated days in {:.0} s: {} polls ({} answered 304), {} refreshes ({} failed{}), {} new articles, {} digests",
        args.days,
        real.as_secs_f64(),
        site.requests.load(Ordering::Relaxed),
        site.not_modified.load(Ordering::Relaxed),
        tally.refreshes,
        tally.failed,
        tally.first_failure.map(|f| format!(", first: {f}")).unwrap_or_default(),
        tally.new,
        tally.digests
    );
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let compactions: Vec<String> = tally
        .compactions
        .iter()
        .map(|(before, after)| format!("{:.0} -> {:.0} MiB", mib(*before), mib(*after)))
        .collect();
    println!(
        "store compactions: {} ({}), {} failed",
        compactions.len(),
        compactions.join(", "),
        tally.failed_compactions
    );
    report(&samples);
    println!(
        "wrote {} and {}",
        args.out.join("soak.csv").display(),
        args.out.join("soak.svg").display()
    );
}

async fn soak(args: &Args, dir: &Path) -> (Vec<Sample>, Tally, Arc<Site>) {
    let at: DateTime<Utc> = START.parse().unwrap();
    let site = Arc::new(Site {
        start: tokio::time::Instant::now(),
        at,
        requests: AtomicU64::new(0),
        not_modified: AtomicU64::new(0),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new()
        .route("/feed/{n}", axum::routing::get(feed))
        .with_state(site.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut config = format!(
        "[store]\npath = \"store\"\nkeep = \"{}d\"\ndedup_window = \"3d\"\nbackups = 2\n\n\
         [fetch]\ninterval = \"1h\"\nper_host = 8\n\n\
         [digest]\ntime = \"07:00\"\ntimezone = \"UTC\"\n\n\
         [[digest.sink]]\nkind = \"file\"\ndir = \"digests\"\nformat = \"json\"\n\n",
        args.keep
    );
    for n in 0..args.feeds {
        config.push_str(&format!(
            "[[feed]]\nname = \"feed-{n:04}\"\nurl = \"http://127.0.0.1:{port}/feed/{n}\"\n\n"
        ));
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, config).unwrap();
    let config = Config::load(&path).unwrap();
    let store_dir = dir.join("store");
    let store = Store::open(&store_dir).unwrap();
    let (events, mut observed) = Events::observed();
    let shutdown = CancellationToken::new();
    let (_reload, reload) = mpsc::channel(1);
    let options = Options {
        grace: Duration::from_secs(30),
        clock: Clock::tokio(at),
        events,
    };
    let control = Control {
        shutdown: shutdown.clone(),
        reload,
    };
    // The daemon's handle must be the store's only one, as under `treatywatch run`: compaction
    // closes the store, and waits for every other clone to go first.
    let run = tokio::spawn(daemon::run(config, store, control, options));

    let counting = tokio::spawn(async move {
        let mut tally = Tally::default();
        while let Some(event) = observed.recv().await {
            match event {
                Event::Refreshed(r) => {
                    tally.refreshes += 1;
                    match r.outcome {
                        Ok(RefreshOutcome::Stored { counts, .. }) => tally.new += counts.new as u64,
                        Ok(RefreshOutcome::NotModified) => {}
                        Err(e) => {
                            tally.failed += 1;
                            tally.first_failure.get_or_insert(format!("{}: {e}", r.feed));
                        }
                    }
                }
                Event::DigestMade { .. } => tally.digests += 1,
                Event::Compacted(Ok(c)) => tally.compactions.push((c.before, c.after)),
                Event::Compacted(Err(e)) => {
                    tally.failed_compactions += 1;
                    tally.first_failure.get_or_insert(format!("compaction: {e}"));
                }
                _ => {}
            }
        }
        tally
    });

    let mut samples = Vec::new();
    let hours = args.days as u64 * 24;
    let backups = store_dir.join("backups");
    for hour in 0..=hours {
        let backups_bytes = dir_bytes(&backups);
        samples.push(Sample {
            hours: hour as f64,
            rss_mib: rss_mib(),
            fds: open_fds(),
            store_mib: (dir_bytes(&store_dir) - backups_bytes) as f64 / (1024.0 * 1024.0),
            backups_mib: backups_bytes as f64 / (1024.0 * 1024.0),
            tasks: tokio::runtime::Handle::current().metrics().num_alive_tasks() as f64,
        });
        if hour % 24 == 0 {
            let s = samples.last().unwrap();
            println!(
                "day {:>3}: rss {:>6.1} MiB, fds {:>4}, store {:>7.1} MiB, backups {:>7.1} MiB, tasks {:>5}",
                hour / 24,
                s.rss_mib,
                s.fds,
                s.store_mib,
                s.backups_mib,
                s.tasks
            );
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    shutdown.cancel();
    run.await.unwrap().unwrap();
    let tally = counting.await.unwrap();
    (samples, tally, site)
}

fn write_csv(path: &Path, samples: &[Sample]) {
    let mut csv = String::from("hours,rss_mib,open_fds,store_mib,backups_mib,tasks\n");
    for s in samples {
        csv.push_str(&format!(
            "{},{:.1},{},{:.2},{:.2},{}\n",
            s.hours, s.rss_mib, s.fds, s.store_mib, s.backups_mib, s.tasks
        ));
    }
    std::fs::write(path, csv).unwrap();
}

/// The largest value of `metric` over the samples between `from` and `to` (fractions of the
/// run).
fn peak(samples: &[Sample], from: f64, to: f64, metric: Metric) -> f64 {
    let n = samples.len() as f64;
    samples[(n * from) as usize..(n * to) as usize]
        .iter()
        .map(metric)
        .fold(0.0, f64::max)
}

/// The least-squares slope of `metric` per simulated day over the last two thirds.
fn slope(samples: &[Sample], metric: Metric) -> f64 {
    let tail = &samples[samples.len() / 3..];
    let n = tail.len() as f64;
    let (mx, my) = tail.iter().fold((0.0, 0.0), |(x, y), s| {
        (x + s.hours / 24.0 / n, y + metric(s) / n)
    });
    let (sxy, sxx) = tail.iter().fold((0.0, 0.0), |(xy, xx), s| {
        let dx = s.hours / 24.0 - mx;
        (xy + dx * (metric(s) - my), xx + dx * dx)
    });
    if sxx == 0.0 {
        0.0
    } else {
        sxy / sxx
    }
}

/// Flat means the last third's peak is within 10 % (and a small absolute margin) of the
/// middle third's, and the trend over the last two thirds would add no more than that in
/// another run as long: after warming up, nothing keeps growing.
fn report(samples: &[Sample]) {
    let metrics: [(&str, Metric, f64); 4] = [
        ("resident memory (MiB)", |s| s.rss_mib, 8.0),
        ("open descriptors", |s| s.fds, 4.0),
        ("store on disk (MiB)", |s| s.store_mib, 4.0),
        ("live tasks", |s| s.tasks, 8.0),
    ];
    for (name, metric, margin) in metrics {
        let middle = peak(samples, 1.0 / 3.0, 2.0 / 3.0, metric);
        let last = peak(samples, 2.0 / 3.0, 1.0, metric);
        let trend = slope(samples, metric);
        let days = samples.last().map_or(0.0, |s| s.hours / 24.0);
        let flat = last <= middle * 1.10 + margin && trend * days <= middle * 0.10 + margin;
        println!(
            "{name:<24} peak in the middle third {middle:>8.1}, in the last third {last:>8.1}, trend {trend:>+6.2}/day over the last two thirds: {}",
            if flat { "flat" } else { "GROWING" }
        );
    }
}

fn plot(path: &Path, samples: &[Sample], args: &Args) {
    use plotters::prelude::*;
    let root = SVGBackend::new(path, (1000, 800)).into_drawing_area();
    root.fill(&WHITE).unwrap();
    let root = root
        .titled(
            &format!(
                "treatywatch soak: {} feeds, {} simulated days, retention {} days",
                args.feeds, args.days, args.keep
            ),
            ("sans-serif", 22),
        )
        .unwrap();
    let panels = root.split_evenly((2, 2));
    let days = args.days as f64;
    let series: [(&str, Metric, RGBColor); 4] = [
        ("resident memory (MiB)", |s| s.rss_mib, RED),
        ("open file descriptors", |s| s.fds, BLUE),
        ("store on disk (MiB), backups dashed", |s| s.store_mib, GREEN),
        ("live tokio tasks", |s| s.tasks, MAGENTA),
    ];
    for (panel, (name, metric, colour)) in panels.iter().zip(series) {
        let top = samples
            .iter()
            .map(metric)
            .chain(samples.iter().map(|s| {
                if name.starts_with("store") {
                    s.backups_mib
                } else {
                    0.0
                }
            }))
            .fold(1.0, f64::max)
            * 1.15;
        let mut chart = ChartBuilder::on(panel)
            .caption(name, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..days, 0.0..top)
            .unwrap();
        chart
            .configure_mesh()
            .x_desc("simulated day")
            .light_line_style(WHITE)
            .draw()
            .unwrap();
        chart
            .draw_series(LineSeries::new(
                samples.iter().map(|s| (s.hours / 24.0, metric(s))),
                colour.stroke_width(2),
            ))
            .unwrap();
        if name.starts_with("store") {
            chart
                .draw_series(DashedLineSeries::new(
                    samples.iter().map(|s| (s.hours / 24.0, s.backups_mib)),
                    6,
                    4,
                    colour.mix(0.6).stroke_width(1),
                ))
                .unwrap();
        }
    }
    root.present().unwrap();
}
