//! The real daemon as a child process, as systemd runs it: its stderr and its systemd
//! notifications (a real `NOTIFY_SOCKET` datagram socket) collected as they come.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

use super::Workspace;

/// A running `treatywatch run`, its stderr and its systemd notifications collected as they come.
pub struct Daemon {
    pub child: Child,
    pub logs: Arc<Mutex<Vec<String>>>,
    pub notices: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    pub fn start(ws: &Workspace) -> Daemon {
        Daemon::start_with(ws, &[])
    }

    /// Starts it with these variables in its environment as well.
    pub fn start_with(ws: &Workspace, env: &[(&str, &str)]) -> Daemon {
        let socket_path = ws.dir.path().join("notify.sock");
        // A previous daemon of this workspace (killed, say) leaves its socket behind.
        let _ = std::fs::remove_file(&socket_path);
        let socket = UnixDatagram::bind(&socket_path).expect("bind notify socket");
        let mut child = ws
            .std_cmd()
            .arg("run")
            .envs(env.iter().copied())
            .env("NOTIFY_SOCKET", &socket_path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start daemon");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let notices = Arc::new(Mutex::new(Vec::new()));
        let sink = notices.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = socket.recv(&mut buf) {
                sink.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        });
        Daemon { child, logs, notices }
    }

    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The address of its `[api] listen` (`127.0.0.1:0` in the tests), once it says it serves.
    pub fn metrics_addr(&self) -> String {
        super::wait_for("the metrics listener", || self.logged("serving /metrics"));
        let logs = self.logs.lock().unwrap();
        let line = logs.iter().find(|l| l.contains("serving /metrics")).unwrap();
        let at = line.find("addr=").unwrap() + "addr=".len();
        line[at..].split_whitespace().next().unwrap().to_string()
    }

    pub fn logged(&self, needle: &str) -> bool {
        self.logs.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    pub fn notified(&self, needle: &str) -> bool {
        self.notices.lock().unwrap().iter().any(|n| n.contains(needle))
    }

    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn stop(mut self) -> (std::process::ExitStatus, Vec<String>) {
        self.signal("TERM");
        let status = self.child.wait().unwrap();
        let logs = self.logs.lock().unwrap().clone();
        (status, logs)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
