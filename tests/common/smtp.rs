//! A real SMTP server on 127.0.0.1: the `mailin` protocol state machine over TCP, one thread per
//! connection. It keeps what it accepted, and can be told how to answer the next messages:
//! accept, refuse with a code, or take the message and drop the link before replying (the gap
//! no SMTP client can close).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use mailin::{Action, Handler, Response, SessionBuilder};

/// How the server answers a message's final ".".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    /// 250: taken.
    Accept,
    /// This code (4xx or 5xx) and nothing kept.
    Refuse(u16),
    /// Taken, then the connection closed before the reply.
    DropAfterDot,
}

/// A message the server took.
#[derive(Debug, Clone)]
pub struct Received {
    /// MAIL FROM.
    pub from: String,
    /// RCPT TO.
    pub to: Vec<String>,
    /// The message as sent, dots unstuffed.
    pub data: Vec<u8>,
}

#[derive(Default)]
struct State {
    plan: VecDeque<Answer>,
    received: Vec<Received>,
    attempts: usize,
    connections: usize,
    /// While set, a new connection gets no greeting: the client waits mid-send.
    stalled: bool,
    /// The login the server offers AUTH PLAIN for, when it does.
    login: Option<(String, String)>,
    /// The logins clients tried: user, password.
    logins: Vec<(String, String)>,
}

/// The state, and the signal that a stall was lifted.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    released: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The server; it stops listening when dropped.
pub struct SmtpServer {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<Shared>,
    stop: Arc<AtomicBool>,
}

/// A port on 127.0.0.1 that nothing listens on now (for a server that is down, then up).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpServer {
    /// A server on a port of its own.
    pub fn start() -> SmtpServer {
        SmtpServer::on(0)
    }

    /// A server on `port` of 127.0.0.1.
    pub fn on(port: u16) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (state_for, stop_for) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                // Drop wakes the blocking accept with a connection of its own.
                if stop_for.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let peer = stream
                    .peer_addr()
                    .map_or(IpAddr::from([127, 0, 0, 1]), |p| p.ip());
                let state = state_for.clone();
                std::thread::spawn(move || serve(stream, peer, state));
            }
        });
        SmtpServer { addr, state, stop }
    }

    /// The URL of the server for a sink.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Answers the next messages so, in order; after them, it accepts.
    pub fn plan(&self, answers: &[Answer]) {
        self.state.lock().plan.extend(answers);
    }

    /// What it took, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().received.clone()
    }

    /// Messages that reached the final ".", taken or not.
    pub fn attempts(&self) -> usize {
        self.state.lock().attempts
    }

    /// Offers AUTH PLAIN (on a plain link, as a test may) and takes only this login.
    pub fn require_login(&self, user: &str, password: &str) {
        self.state.lock().login = Some((user.into(), password.into()));
    }

    /// The logins clients tried.
    pub fn logins(&self) -> Vec<(String, String)> {
        self.state.lock().logins.clone()
    }

    /// Connections so far.
    pub fn connections(&self) -> usize {
        self.state.lock().connections
    }

    /// Holds (or releases) new connections before the greeting, so that a client is caught
    /// between connecting and sending.
    pub fn stall(&self, stalled: bool) {
        self.state.lock().stalled = stalled;
        self.state.released.notify_all();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

struct Session {
    state: Arc<Shared>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
    drop_now: Arc<AtomicBool>,
    close_after_reply: Arc<AtomicBool>,
}

impl Handler for Session {
    fn auth_plain(&mut self, _authorization_id: &str, user: &str, password: &str) -> Response {
        let mut state = self.state.lock();
        state.logins.push((user.into(), password.into()));
        if state.login.as_ref() == Some(&(user.to_string(), password.to_string())) {
            mailin::response::AUTH_OK
        } else {
            mailin::response::INVALID_CREDENTIALS
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mut state = self.state.lock();
        state.attempts += 1;
        let answer = state.plan.pop_front().unwrap_or(Answer::Accept);
        let received = Received {
            from: self.from.clone(),
            to: self.to.clone(),
            data: std::mem::take(&mut self.data),
        };
        match answer {
            Answer::Accept => {
                state.received.push(received);
                mailin::response::OK
            }
            Answer::DropAfterDot => {
                state.received.push(received);
                self.drop_now.store(true, Ordering::SeqCst);
                mailin::response::OK
            }
            Answer::Refuse(code) => {
                // mailin stays in its DATA state after a refused message (it would take the
                // client's QUIT as message text): reply, then hang up.
                self.close_after_reply.store(true, Ordering::SeqCst);
                Response::custom(code, format!("test server refuses ({code})"))
            }
        }
    }
}

fn serve(stream: TcpStream, peer: IpAddr, state: Arc<Shared>) {
    stream.set_nonblocking(false).unwrap();
    state.lock().connections += 1;
    drop(state.released.wait_while(state.lock(), |s| s.stalled).unwrap());
    let drop_now = Arc::new(AtomicBool::new(false));
    let close_after_reply = Arc::new(AtomicBool::new(false));
    let handler = Session {
        state,
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
        drop_now: drop_now.clone(),
        close_after_reply: close_after_reply.clone(),
    };
    let mut builder = SessionBuilder::new("smtp.test");
    if handler.state.lock().login.is_some() {
        builder
            .enable_auth(mailin::AuthMechanism::Plain)
            .insecure_enable_plaintext_auth();
    }
    let mut session = builder.build(peer, handler);
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    if session.greeting().write_to(&mut writer).is_err() {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = session.process(&line);
        if drop_now.load(Ordering::SeqCst) {
            let _ = writer.shutdown(std::net::Shutdown::Both);
            return;
        }
        let close = response.action == Action::Close || close_after_reply.load(Ordering::SeqCst);
        match response.action {
            Action::NoReply => {}
            _ if close => {
                let _ = response.write_to(&mut writer);
                let _ = writer.flush();
                return;
            }
            Action::Close | Action::Reply | Action::UpgradeTls => {
                if response.write_to(&mut writer).is_err() {
                    return;
                }
            }
        }
    }
}
