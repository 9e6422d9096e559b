//! The crash harness: the real daemon against a loopback site that keeps publishing (new
//! items, edits, republished copies, translations; two feeds and a page source), killed with
//! SIGKILL again and again — at random moments, mid-fetch (a site that drips its bodies),
//! mid-ingest, mid-digest and mid-compaction (failpoints it arms with `TREATYWATCH_PAUSE_AT`;
//! `treatywatch compact` starts a compaction), and mid-send (a webhook receiver that holds the
//! request) — and restarted each time. After every kill the
//! store must open and hold together (`check-store`); at the end every published article is in
//! it exactly once with its latest words, the digests' windows follow each other without a gap,
//! and every digest reached the mail server and the webhook receiver, twice only where a kill
//! fell between a sink's acceptance and its record (then with the same id).
//!
//! `TREATYWATCH_CRASH_KILLS` sets the number of kills (24 in the normal test run; the figure
//! quoted in the README is from 200), `TREATYWATCH_CRASH_SEED` the seed (printed on failure).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::common::daemon::Daemon;
use crate::common::smtp::SmtpServer;
use crate::common::{wait_for, Reply, TestServer, Workspace};

/// SplitMix64: a seeded sequence, so that a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Where the site publishes an item.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Outlet {
    /// An RSS feed carrying the whole text.
    Wire,
    /// An RSS feed of teasers whose pages the daemon fetches (`fetch_full`).
    Teaser,
    /// A listing page without a feed (`kind = "page"`).
    Listing,
}

#[derive(Clone, Debug)]
struct Item {
    path: String,
    outlet: Outlet,
    title: String,
    text: String,
    lang: &'static str,
    published: DateTime<Utc>,
}

const COUNTRIES: &[(&str, &str, &str)] = &[
    ("Kenya", "Le Kenya", "Nairobi"),
    ("Norway", "La Norvège", "Oslo"),
    ("Chile", "Le Chili", "Santiago"),
    ("Ghana", "Le Ghana", "Accra"),
    ("Peru", "Le Pérou", "Lima"),
    ("Nepal", "Le Népal", "Kathmandu"),
    ("Jordan", "La Jordanie", "Amman"),
    ("Uruguay", "L'Uruguay", "Montevideo"),
    ("Mongolia", "La Mongolie", "Ulaanbaatar"),
    ("Tunisia", "La Tunisie", "Tunis"),
    ("Fiji", "Les Fidji", "Suva"),
    ("Iceland", "L'Islande", "Reykjavik"),
];

/// The site: what it has published, served as two feeds, a listing page and article pages.
#[derive(Default)]
struct Site {
    items: Vec<Item>,
    /// While set, every reply trickles out: a kill then lands mid-fetch.
    drip: bool,
    base: DateTime<Utc>,
}

impl Site {
    fn publish(&mut self, rng: &mut Rng) {
        let new = 1 + rng.below(3);
        for _ in 0..new {
            let n = self.items.len();
            let published = self.base + chrono::Duration::minutes(n as i64 * 7);
            let outlet = match rng.below(5) {
                0 | 1 => Outlet::Wire,
                2 | 3 => Outlet::Teaser,
                _ => Outlet::Listing,
            };
            let (country, pays, capital) = COUNTRIES[rng.below(COUNTRIES.len() as u64) as usize];
            let states = 40 + rng.below(60);
            let kind = if n > 3 { rng.below(4) } else { 0 };
            let item = match kind {
                // A copy of an earlier report under another URL.
                1 => {
                    let original = self.items[rng.below(n as u64) as usize].clone();
                    Item {
                        path: String::new(),
                        outlet,
                        published,
                        ..original
                    }
                }
                // A French report of an earlier English one.
                2 => {
                    let original = self.items[rng.below(n as u64) as usize].clone();
                    let (pays, capital) = COUNTRIES
                        .iter()
                        .find(|c| original.title.starts_with(c.0))
                        .map(|c| (c.1, c.2))
                        .unwrap_or((pays, capital));
                    Item {
                        path: String::new(),
                        outlet,
                        title: format!("{pays} signe la Convention des Nations unies contre la cybercriminalité"),
                        text: format!(
                            "{pays} a signé à {capital} la Convention des Nations unies contre la cybercriminalité. \
                             Le ministre des affaires étrangères a déclaré que le pays coopérera avec les autres \
                             États parties pour échanger des preuves électroniques. Le parlement doit encore \
                             ratifier le traité avant qu'il n'entre en vigueur pour le pays."
                        ),
                        lang: "fr",
                        published,
                    }
                }
                _ => Item {
                    path: String::new(),
                    outlet,
                    title: format!("{country} signs the UN Convention against Cybercrime"),
                    text: format!(
                        "{country} signed the United Nations Convention against Cybercrime in {capital} \
                         on Tuesday, becoming one of {states} states to do so. The foreign minister said \
                         the country would work with other parties to share electronic evidence. \
                         Parliament still has to ratify the treaty before it enters into force there."
                    ),
                    lang: "en",
                    published,
                },
            };
            let slug = match item.outlet {
                Outlet::Wire => "wire",
                Outlet::Teaser => "story",
                Outlet::Listing => "world",
            };
            self.items.push(Item {
                path: format!("/{slug}/convention-report-number-{n}-of-the-day.html"),
                ..item
            });
        }
        // An edit: a wire item's title changes (the feed carries the new words).
        if rng.below(3) == 0 {
            let wire: Vec<usize> = (0..self.items.len())
                .filter(|&i| self.items[i].outlet == Outlet::Wire)
                .collect();
            if !wire.is_empty() {
                let i = wire[rng.below(wire.len() as u64) as usize];
                let edits = self.items[i].title.matches(" (updated)").count();
                if edits < 3 {
                    self.items[i].title.push_str(" (updated)");
                }
            }
        }
    }

    fn rss(&self, base: &str, outlet: Outlet) -> String {
        let items: String = self
            .items
            .iter()
            .filter(|i| i.outlet == outlet)
            .map(|i| {
                let description = match outlet {
                    Outlet::Teaser => i.text.split(". ").next().unwrap_or_default().to_string(),
                    _ => i.text.clone(),
                };
                format!(
                    "<item><title>{}</title><link>{base}{}</link><description>{}</description>\
                     <pubDate>{}</pubDate><language>{}</language></item>",
                    i.title,
                    i.path,
                    description,
                    i.published.to_rfc2822(),
                    i.lang
                )
            })
            .collect();
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Site</title>\
             <link>{base}/</link>{items}</channel></rss>"
        )
    }

    fn listing(&self) -> String {
        let links: String = self
            .items
            .iter()
            .filter(|i| i.outlet == Outlet::Listing)
            .map(|i| format!("<li><a href=\"{}\">{}</a></li>", i.path, i.title))
            .collect();
        format!(
            "<!DOCTYPE html><html><head><meta charset=utf-8><title>World</title></head><body>\
             <nav><a href=\"/\">Home</a></nav><main><ul>{links}</ul></main></body></html>"
        )
    }

    fn page(&self, path: &str) -> Option<String> {
        let item = self.items.iter().find(|i| i.path == path)?;
        let paragraphs: String = item.text.split(". ").map(|s| format!("<p>{s}.</p>")).collect();
        Some(format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=utf-8><title>{}</title>\
             <meta property=\"article:published_time\" content=\"{}\"></head><body><nav><a href=\"/\">Home</a></nav>\
             <article><h1>{}</h1>{paragraphs}</article><footer>Site</footer></body></html>",
            item.lang,
            item.title,
            item.published.to_rfc3339(),
            item.title
        ))
    }
}

/// A webhook receiver that can hold a request before answering: a kill then lands mid-send.
struct Receiver {
    server: TestServer,
    /// While set, requests wait (at most a minute) before they are answered.
    hold: Arc<(Mutex<bool>, Condvar)>,
}

impl Receiver {
    fn start() -> Receiver {
        let hold = Arc::new((Mutex::new(false), Condvar::new()));
        let held = hold.clone();
        let server = TestServer::handler(move |_| {
            let (holding, released) = &*held;
            let _ = released.wait_timeout_while(holding.lock().unwrap(), Duration::from_secs(60), |h| *h);
            Reply::status(204)
        });
        Receiver { server, hold }
    }

    /// Starts or stops holding requests.
    fn holding(&self, hold: bool) {
        let (holding, released) = &*self.hold;
        *holding.lock().unwrap() = hold;
        released.notify_all();
    }

    /// The digest id of each webhook received, in order.
    fn digests(&self) -> Vec<u64> {
        self.server
            .seen()
            .iter()
            .filter(|s| s.method == "POST")
            .map(|s| {
                let id = &s.headers["webhook-id"];
                id.strip_prefix("msg_treatywatch_")
                    .and_then(|rest| rest.split('_').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("a webhook-id that names no digest: {id}"))
            })
            .collect()
    }
}

/// Where a round's kill lands.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kill {
    /// At a random moment of a poll and a digest sent at once.
    Anytime,
    /// While a feed's body is arriving.
    MidFetch,
    /// At a failpoint the daemon is started with.
    At(&'static str),
    /// While the webhook receiver holds the digest's request.
    MidSend,
}

impl Kill {
    fn pick(rng: &mut Rng) -> Kill {
        match rng.below(12) {
            0..=2 => Kill::Anytime,
            3 => Kill::MidFetch,
            4 => Kill::At("ingest.transaction"),
            5 => Kill::At("ingest.committed"),
            6 => Kill::At("digest.rendered"),
            7 => Kill::At("digest.delivered"),
            8 => Kill::At("compact.built"),
            9 => Kill::At("compact.moved"),
            _ => Kill::MidSend,
        }
    }

    /// Whether a kill here may leave a copy a sink accepted recorded as pending.
    fn in_the_gap(self) -> bool {
        matches!(self, Kill::At("digest.delivered") | Kill::MidSend)
    }
}

/// The two sinks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SinkKind {
    Mail,
    Webhook,
}

impl SinkKind {
    fn name(self) -> &'static str {
        match self {
            SinkKind::Mail => "mail",
            SinkKind::Webhook => "webhook",
        }
    }
}

/// Every digest copy the store holds: digest, sink, state.
fn copies(ws: &Workspace) -> Vec<(u64, SinkKind, String)> {
    json_lines(ws, &["digest", "--history", "--json"])
        .iter()
        .flat_map(|d| {
            let id = d["id"].as_u64().unwrap();
            d["sinks"].as_array().unwrap().iter().map(move |c| {
                let sink = if c["sink"].as_str().unwrap().starts_with("email") {
                    SinkKind::Mail
                } else {
                    SinkKind::Webhook
                };
                (id, sink, c["state"].as_str().unwrap().to_string())
            })
        })
        .collect()
}

fn mail_received(smtp: &SmtpServer) -> Vec<u64> {
    smtp.received().iter().map(|m| message_digest(&m.data)).collect()
}

/// Runs the CLI in the background. It is killed with the daemon: one that started late would
/// find no daemon and deliver by itself, after the kill, what the harness must see undelivered.
fn spawn_cli(ws: &Workspace, args: &[&str]) -> std::process::Child {
    ws.std_cmd()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the CLI")
}

fn start(ws: &Workspace, pause_at: Option<&str>) -> Daemon {
    let daemon = match pause_at {
        Some(point) => Daemon::start_with(ws, &[("TREATYWATCH_PAUSE_AT", point)]),
        None => Daemon::start(ws),
    };
    wait_for("READY=1", || daemon.notified("READY=1"));
    daemon
}

fn kill(mut daemon: Daemon) -> Vec<String> {
    daemon.child.kill().expect("SIGKILL");
    daemon.child.wait().expect("reaped");
    let logs = daemon.logs.lock().unwrap().clone();
    logs
}

/// `check-store --json` on the store no daemon holds.
fn check_store(ws: &Workspace) -> Result<Value, String> {
    let out = ws.cmd().args(["check-store", "--json"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    match (out.status.code(), stdout.lines().next()) {
        (Some(0), Some(line)) => Ok(serde_json::from_str(line).unwrap()),
        (code, _) => Err(format!(
            "exit {code:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

fn json_lines(ws: &Workspace, args: &[&str]) -> Vec<Value> {
    let out = ws.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn message_digest(data: &[u8]) -> u64 {
    let id = mail_parser::MessageParser::default()
        .parse(data)
        .and_then(|m| m.message_id().map(str::to_string))
        .expect("a Message-ID");
    id.strip_prefix("treatywatch.")
        .and_then(|rest| rest.split('.').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a Message-ID that names no digest: {id}"))
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn the_daemon_killed_at_every_step_loses_and_repeats_nothing() {
    let kills = env_number("TREATYWATCH_CRASH_KILLS", 24);
    let seed = env_number("TREATYWATCH_CRASH_SEED", 20_261_202);
    let mut rng = Rng(seed);
    let ctx = format!("(seed {seed}, TREATYWATCH_CRASH_SEED={seed} replays it)");

    let site = Arc::new(Mutex::new(Site {
        base: Utc::now() - chrono::Duration::days(3),
        ..Site::default()
    }));
    let server = {
        let site = site.clone();
        let base = Arc::new(Mutex::new(String::new()));
        let served = base.clone();
        let server = TestServer::handler(move |req| {
            let site = site.lock().unwrap();
            let base = served.lock().unwrap().clone();
            let reply = match req.path.as_str() {
                "/wire.xml" => Reply::ok("application/rss+xml", site.rss(&base, Outlet::Wire)),
                "/teasers.xml" => Reply::ok("application/rss+xml", site.rss(&base, Outlet::Teaser)),
                "/world" => Reply::ok("text/html; charset=utf-8", site.listing()),
                path => match site.page(path) {
                    Some(page) => Reply::ok("text/html; charset=utf-8", page),
                    None => Reply::status(404),
                },
            };
            Reply {
                drip: site.drip.then_some((64, Duration::from_millis(40))),
                ..reply
            }
        });
        *base.lock().unwrap() = server.base.clone();
        server
    };
    let smtp = SmtpServer::start();
    let receiver = Receiver::start();
    let ws = Workspace::new();
    ws.write_config(&format!(
        "[[feed]]\nname = \"wire\"\nurl = \"{}\"\n\n\
         [[feed]]\nname = \"teasers\"\nurl = \"{}\"\nfetch_full = true\n\n\
         [[feed]]\nname = \"world\"\nurl = \"{}\"\nkind = \"page\"\n\n\
         [digest]\ntime = \"03:00\"\ntimezone = \"UTC\"\nsend_empty = true\n\n\
         [[digest.sink]]\nkind = \"email\"\nsmtp = \"{}\"\nfrom = \"digest@example.org\"\nto = [\"desk@example.org\"]\n\n\
         [[digest.sink]]\nkind = \"webhook\"\nurl = \"{}\"\n",
        server.url("/wire.xml"),
        server.url("/teasers.xml"),
        server.url("/world"),
        smtp.url(),
        receiver.server.url("/hook"),
    ));

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut gap_kills = 0;
    // (digest, sink, copies it had) after a kill that left its copy pending.
    let mut gaps: HashSet<(u64, SinkKind, usize)> = HashSet::new();
    let mut recoveries = 0;
    for round in 0..kills {
        site.lock().unwrap().publish(&mut rng);
        let kind = Kill::pick(&mut rng);
        let point = match kind {
            Kill::At(point) => Some(point),
            _ => None,
        };
        let daemon = start(&ws, point);
        let seen_before = server.seen().len();
        let received_before = receiver.server.seen().len();
        let mut clients = Vec::new();
        match kind {
            Kill::Anytime => {
                clients.push(spawn_cli(&ws, &["poll", "--once"]));
                clients.push(spawn_cli(&ws, &["digest", "--send"]));
                // After a random number of the daemon's log lines, or when the work is done:
                // a moment set by progress, not by wall time, so that a seed replays it.
                let lines = daemon.logs.lock().unwrap().len() + rng.below(12) as usize;
                wait_for("a random moment", || {
                    daemon.logs.lock().unwrap().len() >= lines
                        || clients.iter_mut().all(|c| c.try_wait().ok().flatten().is_some())
                });
            }
            Kill::MidFetch => {
                site.lock().unwrap().drip = true;
                clients.push(spawn_cli(&ws, &["poll", "--once"]));
                // The body drips for seconds: a kill as soon as it is asked for lands mid-body.
                wait_for("a fetch", || server.seen().len() > seen_before);
            }
            Kill::At(point) if point.starts_with("ingest") => {
                clients.push(spawn_cli(&ws, &["poll", "--once"]));
                wait_for(point, || daemon.logged("failpoint reached"));
            }
            Kill::At(point) if point.starts_with("compact") => {
                clients.push(spawn_cli(&ws, &["compact"]));
                wait_for(point, || daemon.logged("failpoint reached"));
            }
            Kill::At(point) => {
                clients.push(spawn_cli(&ws, &["digest", "--send"]));
                wait_for(point, || daemon.logged("failpoint reached"));
            }
            Kill::MidSend => {
                receiver.holding(true);
                clients.push(spawn_cli(&ws, &["digest", "--send"]));
                wait_for("a webhook request", || {
                    receiver.server.seen().len() > received_before
                });
            }
        }
        for client in &mut clients {
            let _ = client.kill();
        }
        let logs = kill(daemon);
        site.lock().unwrap().drip = false;
        receiver.holding(false);
        for mut client in clients {
            client.wait().unwrap();
        }
        if kind.in_the_gap() {
            gap_kills += 1;
        }
        recoveries += logs
            .iter()
            .filter(|l| l.contains("rebuilt from the newest backup"))
            .count();
        *counts.entry(format!("{kind:?}")).or_default() += 1;
        match check_store(&ws) {
            Ok(report) => {
                assert_eq!(
                    report["problem_count"],
                    0,
                    "round {round} ({kind:?}): {report} {ctx}\n{}",
                    logs.join("\n")
                );
                // A copy its sink has and the store still holds as pending will go out again: that is
                // the one repeat a kill may cause, and it must be the only kind.
                for (digest, sink, state) in copies(&ws) {
                    let had = match sink {
                        SinkKind::Mail => mail_received(&smtp).iter().filter(|&&d| d == digest).count(),
                        SinkKind::Webhook => receiver.digests().iter().filter(|&&d| d == digest).count(),
                    };
                    if state != "delivered" && had > 0 {
                        gaps.insert((digest, sink, had));
                    }
                }
            }
            // The next start must rebuild it from a backup (counted above when it does).
            Err(e) if e.contains("would not open") || e.contains("corrupt") => {
                eprintln!("round {round} ({kind:?}): the store does not open: {e}")
            }
            Err(e) => panic!("round {round} ({kind:?}): {e} {ctx}\n{}", logs.join("\n")),
        }
        // A backup now and then, as the daemon keeps daily, for a store that would not open.
        if round % 8 == 7 {
            let stamp = (Utc::now() + chrono::Duration::seconds(round as i64)).format("%Y%m%dT%H%M%SZ");
            let file = ws.store_path().join(format!("backups/treatywatch-{stamp}.twbak"));
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            ws.cmd().arg("backup").arg(&file).assert().success();
        }
    }

    // Caught up, without kills: a poll, a last digest, every copy delivered.
    let daemon = start(&ws, None);
    let poll = ws.cmd().args(["poll", "--once"]).output().unwrap();
    assert!(
        poll.status.success(),
        "{} {ctx}",
        String::from_utf8_lossy(&poll.stdout)
    );
    ws.cmd().args(["digest", "--send"]).assert().success();
    wait_for("every copy delivered", || {
        let history = ws.cmd().args(["digest", "--history", "--json"]).output().unwrap();
        let history = String::from_utf8_lossy(&history.stdout).into_owned();
        !history.contains("\"pending\"") && !history.contains("\"failed\"")
    });
    let (status, logs) = daemon.stop();
    assert!(status.success(), "{} {ctx}", logs.join("\n"));
    let report = check_store(&ws).unwrap_or_else(|e| panic!("{e} {ctx}"));
    assert_eq!(report["problem_count"], 0, "{report} {ctx}");

    // Every article exactly once, with its latest title.
    let site = site.lock().unwrap();
    let stored = json_lines(&ws, &["export", "--format", "jsonl"]);
    let mut by_url: HashMap<String, Vec<&Value>> = HashMap::new();
    for article in &stored {
        by_url
            .entry(article["url"].as_str().unwrap().to_string())
            .or_default()
            .push(article);
    }
    for item in &site.items {
        let url = server.url(&item.path);
        let found = by_url.get(&url).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(found.len(), 1, "{url}: stored {} times {ctx}", found.len());
        assert_eq!(found[0]["title"], item.title.as_str(), "{url} {ctx}");
    }
    assert_eq!(stored.len(), site.items.len(), "nothing else stored {ctx}");

    // The digests' windows follow each other; each reached both sinks, twice only after a kill
    // in the gap between a sink's acceptance and its record.
    let mut history = json_lines(&ws, &["digest", "--history", "--json"]);
    history.sort_by_key(|d| d["id"].as_u64().unwrap());
    for pair in history.windows(2) {
        assert_eq!(pair[1]["window_start"], pair[0]["window_end"], "{ctx}");
        assert_eq!(pair[1]["articles_from"], pair[0]["articles_to"], "{ctx}");
    }
    let ids: HashSet<u64> = history.iter().map(|d| d["id"].as_u64().unwrap()).collect();
    let mut repeats: BTreeMap<&str, usize> = BTreeMap::new();
    for (sink, received) in [
        (SinkKind::Mail, mail_received(&smtp)),
        (SinkKind::Webhook, receiver.digests()),
    ] {
        let mut times: HashMap<u64, usize> = HashMap::new();
        for id in received {
            assert!(
                ids.contains(&id),
                "{sink:?}: a digest no record names: {id} {ctx}"
            );
            *times.entry(id).or_default() += 1;
        }
        for id in &ids {
            let expected = 1 + gaps.iter().filter(|g| g.0 == *id && g.1 == sink).count();
            assert_eq!(
                times.get(id).copied().unwrap_or(0),
                expected,
                "{sink:?}: digest {id} arrived otherwise than once plus once per kill in its gap {ctx}"
            );
        }
        repeats.insert(sink.name(), times.values().map(|n| n - 1).sum());
    }
    eprintln!(
        "crash harness, seed {seed}: {kills} kills {counts:?}; {} articles published, each stored once; \
         {} digests, each delivered to both sinks once, repeated only after a kill between a \
         sink's acceptance and its record ({repeats:?}; {gap_kills} kills aimed there); {recoveries} \
         stores rebuilt from a backup",
        site.items.len(),
        history.len()
    );
}
