//! Shared test helpers: a real HTTP server and a real SMTP server (`smtp`) on 127.0.0.1, and a
//! way to drive the real binary against a temporary config and store.

#![allow(dead_code)]

pub mod daemon;
pub mod smtp;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use assert_cmd::Command;

/// The fixture folder.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// What the server answers on one path.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Send the body this many bytes at a time, pausing between them (a slow server).
    pub drip: Option<(usize, Duration)>,
}

impl Reply {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            drip: None,
        }
    }

    pub fn fixture(content_type: &str, name: &str) -> Reply {
        Reply::ok(
            content_type,
            std::fs::read(fixture(name)).expect("fixture exists"),
        )
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: format!("status {status}").into_bytes(),
            drip: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// A real HTTP/1.1 server on an ephemeral loopback port, answering from a handler in a thread
/// per request, and logging every request.
pub struct TestServer {
    pub base: String,
    server: Arc<tiny_http::Server>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestServer {
    /// Serves fixed replies by path; other paths get 404.
    pub fn routes(routes: Vec<(&str, Reply)>) -> TestServer {
        let routes: HashMap<String, Reply> = routes.into_iter().map(|(p, r)| (p.to_string(), r)).collect();
        TestServer::handler(move |seen| {
            routes
                .get(&seen.path)
                .cloned()
                .unwrap_or_else(|| Reply::status(404))
        })
    }

    /// Serves whatever `handler` replies.
    pub fn handler(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> TestServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let server = server.clone();
            let seen = seen.clone();
            thread::spawn(move || {
                for request in server.incoming_requests() {
                    let handler = handler.clone();
                    let seen = seen.clone();
                    thread::spawn(move || serve(request, &*handler, &seen));
                }
            });
        }
        TestServer {
            base: format!("http://127.0.0.1:{port}"),
            server,
            seen,
        }
    }

    /// Absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn serve(mut request: tiny_http::Request, handler: &Handler, seen: &Mutex<Vec<Seen>>) {
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    let entry = Seen {
        method: request.method().as_str().to_string(),
        body,
        path: request.url().to_string(),
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_string(),
                )
            })
            .collect(),
    };
    seen.lock().unwrap().push(entry.clone());
    let reply = handler(&entry);
    let headers: Vec<tiny_http::Header> = reply
        .headers
        .iter()
        .map(|(k, v)| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header"))
        .collect();
    let length = reply.body.len();
    let reader: Box<dyn Read + Send> = match reply.drip {
        Some((bytes, pause)) => Box::new(Drip {
            body: reply.body,
            at: 0,
            bytes,
            pause,
        }),
        None => Box::new(std::io::Cursor::new(reply.body)),
    };
    let response = tiny_http::Response::new(reply.status.into(), headers, reader, Some(length), None);
    // The client may hang up first (that is what several tests provoke).
    let _ = request.respond(response);
}

/// A body that trickles out, for slow-server tests.
struct Drip {
    body: Vec<u8>,
    at: usize,
    bytes: usize,
    pause: Duration,
}

impl Read for Drip {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at >= self.body.len() {
            return Ok(0);
        }
        if self.at > 0 {
            thread::sleep(self.pause);
        }
        let n = self.bytes.min(buf.len()).min(self.body.len() - self.at);
        buf[..n].copy_from_slice(&self.body[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A temporary home for one test: config file, store directory, isolated environment.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("feeds.toml")
    }

    pub fn store_path(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Writes `feeds.toml` with a `[store]` pointing into the workspace, then `body`.
    pub fn write_config(&self, body: &str) {
        let text = format!("[store]\npath = \"store\"\n\n{body}");
        std::fs::write(self.config_path(), text).expect("write config");
    }

    /// Writes `feeds.toml` exactly as given.
    pub fn write_raw_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).expect("write config");
    }

    /// The real binary, with the workspace's config and an environment that cannot leak in
    /// the developer's own files.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// The same, as a `std::process::Command`, for running the daemon as a child.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_treatywatch"));
        cmd.current_dir(self.dir.path())
            .env_remove("TREATYWATCH_CONFIG")
            .env_remove("STATE_DIRECTORY")
            .env_remove("RUST_LOG")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env("XDG_DATA_HOME", self.dir.path().join("xdg-data"))
            .arg("--config")
            .arg(self.config_path());
        cmd
    }

    /// Runs `list --json` and parses every line.
    pub fn list_json(&self, extra: &[&str]) -> Vec<serde_json::Value> {
        let out = self
            .cmd()
            .args(["list", "--json"])
            .args(extra)
            .output()
            .expect("run list");
        assert!(
            out.status.success(),
            "list failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8 output")
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect()
    }
}

/// Waits for `condition`, polling. The bound only turns a hang into a failure with a message;
/// it is far above what any healthy run needs, so it asserts nothing about speed.
pub fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "gave up waiting for {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// GETs `path` from a TCP listener the way a scraper does; returns the status and the body.
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8(reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    // axum sends a length, not chunks, for these bodies.
    (status, body.to_string())
}

/// The value of the sample `name` (with its labels, as printed), if it is there.
pub fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// A `[[feed]]` block.
pub fn feed_block(name: &str, url: &str) -> String {
    format!("[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n\n")
}

/// A workspace whose store holds every fixture feed, polled once, and the server (kept
/// alive for the test).
pub fn polled_fixtures() -> (TestServer, Workspace) {
    let server = fixture_server();
    let ws = Workspace::new();
    ws.write_config(&good_feeds(&server));
    let out = ws.cmd().args(["poll", "--once"]).output().expect("run poll");
    assert!(
        out.status.success(),
        "poll failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (server, ws)
}

/// Every fixture feed, served the way real servers serve them.
pub fn fixture_server() -> TestServer {
    TestServer::routes(vec![
        (
            "/vi.rss",
            Reply::fixture("application/rss+xml; charset=utf-8", "feeds/rss2_vietnamese.xml"),
        ),
        // Declared only in the XML prolog: the HTTP header has no charset.
        (
            "/ar.rss",
            Reply::fixture("application/rss+xml", "feeds/rss2_windows1256_arabic.xml"),
        ),
        (
            "/fr.atom",
            Reply::fixture("application/atom+xml", "feeds/atom_french.xml"),
        ),
        (
            "/en.json",
            Reply::fixture("application/feed+json", "feeds/jsonfeed_english.json"),
        ),
        (
            "/ru.rdf",
            Reply::fixture("application/rdf+xml", "feeds/rss1_rdf_russian.xml"),
        ),
        (
            "/copies.rss",
            Reply::fixture("text/xml", "feeds/rss2_utm_copies.xml"),
        ),
        (
            "/page.html",
            Reply::ok(
                "text/html; charset=utf-8",
                "<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>",
            ),
        ),
        (
            "/broken.rss",
            Reply::ok(
                "application/rss+xml",
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><title>x</item></channel>",
            ),
        ),
        ("/error.rss", Reply::status(500)),
    ])
}

pub fn good_feeds(server: &TestServer) -> String {
    [
        ("vnexpress", "/vi.rss"),
        ("arabic-1256", "/ar.rss"),
        ("onu-fr", "/fr.atom"),
        ("un-en", "/en.json"),
        ("oon-ru", "/ru.rdf"),
        ("aggregator", "/copies.rss"),
    ]
    .iter()
    .map(|(name, path)| feed_block(name, &server.url(path)))
    .collect()
}
