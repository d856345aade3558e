//! A real etcd for a test: Debian's `etcd` binary (package `etcd-server`) on free
//! loopback ports with a temporary data directory, stopped by its PID when dropped.
//!
//! Without the binary a test is skipped with a note on stderr, except under `CI=true`,
//! where a missing etcd is a failure: CI installs it, so its absence is a broken setup,
//! not a reason to pass.

#![allow(dead_code)] // each test crate uses a different part of it

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// etcd answers its health check this soon on an idle machine; the CI machine may be
/// building other crates meanwhile.
const STARTUP: Duration = Duration::from_secs(20);

pub struct Etcd {
    child: Option<Child>,
    binary: PathBuf,
    client_port: u16,
    peer_port: u16,
    /// Data and log; kept across [`Etcd::restart`].
    dir: tempfile::TempDir,
}

/// The etcd binary: `$MODGEN_TEST_ETCD`, else `etcd` on PATH, else Debian's path.
fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MODGEN_TEST_ETCD") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("etcd"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| Some(PathBuf::from("/usr/bin/etcd")).filter(|p| p.is_file()))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Etcd {
    /// A fresh single-member etcd, healthy; `None` (after a note) when etcd is not
    /// installed and this is not CI.
    pub fn start() -> Option<Etcd> {
        let Some(binary) = find_binary() else {
            let ci = std::env::var("CI").is_ok_and(|value| value == "true");
            assert!(
                !ci,
                "etcd is not installed (apt-get install etcd-server, or set MODGEN_TEST_ETCD): \
                 the etcd tests must run in CI"
            );
            eprintln!("SKIPPED: etcd is not installed (apt-get install etcd-server)");
            return None;
        };
        let mut etcd = Etcd {
            child: None,
            binary,
            client_port: free_port(),
            peer_port: free_port(),
            dir: tempfile::tempdir().expect("tempdir for etcd"),
        };
        etcd.launch();
        Some(etcd)
    }

    /// `http://127.0.0.1:<port>`, what the directory is configured with.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn launch(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("etcd.log")).expect("etcd log");
        let client = format!("http://127.0.0.1:{}", self.client_port);
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let child = Command::new(&self.binary)
            .args(["--name", "test"])
            .arg("--data-dir")
            .arg(self.dir.path().join("data"))
            .args([
                "--listen-client-urls",
                &client,
                "--advertise-client-urls",
                &client,
            ])
            .args([
                "--listen-peer-urls",
                &peer,
                "--initial-advertise-peer-urls",
                &peer,
            ])
            .arg(format!("--initial-cluster=test={peer}"))
            // A fast election makes startup quick and lets leases be as short as 1 s
            // (etcd's floor is 1.5 election timeouts, rounded up to whole seconds).
            .args(["--election-timeout", "500", "--heartbeat-interval", "50"])
            .args(["--logger", "zap", "--log-level", "error"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", self.binary.display()));
        self.child = Some(child);
        self.wait_healthy();
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            if self.healthy() {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("etcd exited with {status} at startup:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("etcd not healthy within {STARTUP:?}:\n{}", self.log());
    }

    /// etcd's own `/health` over plain HTTP/1.0: no client library involved.
    fn healthy(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.client_port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        if stream.write_all(b"GET /health HTTP/1.0\r\n\r\n").is_err() {
            return false;
        }
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply.contains("\"health\":\"true\"")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default()
    }

    /// SIGKILL by PID and reap: etcd is gone at once, as on a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill(2) on our own unreaped child.
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
            let _ = child.wait();
        }
    }

    /// Starts etcd again on the same ports and data directory (after [`Etcd::kill`]).
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// Starts etcd again on the same ports with an empty data directory: every key and
    /// lease is lost, as when a single-member cluster is rebuilt.
    pub fn restart_empty(&mut self) {
        self.kill();
        std::fs::remove_dir_all(self.dir.path().join("data")).expect("remove etcd data");
        self.launch();
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
    }
}
