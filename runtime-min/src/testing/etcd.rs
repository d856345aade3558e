//! A real, throwaway etcd for tests and benchmarks: the `etcd` binary (Debian package
//! `etcd-server`) as one member on free loopback ports with a temporary data directory,
//! stopped by its PID when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// etcd answers its health check well within this on an idle machine; the CI machine
/// may be compiling other crates meanwhile.
const STARTUP: Duration = Duration::from_secs(20);

pub struct TestEtcd {
    child: Option<Child>,
    binary: PathBuf,
    client_port: u16,
    peer_port: u16,
    /// Data and log; kept across restarts, removed on drop.
    dir: PathBuf,
}

/// The etcd binary: `$MODGEN_TEST_ETCD`, else `etcd` on PATH, else Debian's path.
pub fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MODGEN_TEST_ETCD") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("etcd"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| Some(PathBuf::from("/usr/bin/etcd")).filter(|path| path.is_file()))
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl TestEtcd {
    /// A fresh single-member etcd, healthy when this returns.
    pub fn start() -> Result<TestEtcd, String> {
        let binary = find_binary().ok_or(
            "etcd is not installed (apt-get install etcd-server, or set MODGEN_TEST_ETCD)",
        )?;
        let dir = std::env::temp_dir().join(format!("modgen-etcd-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        let ports = free_port().and_then(|client| Ok((client, free_port()?)));
        let (client_port, peer_port) = ports.map_err(|error| format!("no free port: {error}"))?;
        let mut etcd = TestEtcd {
            child: None,
            binary,
            client_port,
            peer_port,
            dir,
        };
        etcd.launch()?;
        Ok(etcd)
    }

    /// `http://127.0.0.1:<port>`, what a directory is configured with.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("etcd.log")).unwrap_or_default()
    }

    /// SIGKILL by PID and reap: etcd is gone at once, as on a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: kill(2) on our own child, not yet reaped, so the pid is still ours.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            let _ = child.wait();
        }
    }

    /// Starts etcd again on the same ports and data directory.
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.launch()
    }

    /// Starts etcd again on the same ports with an empty data directory: every key and
    /// lease is lost, as when a single-member cluster is rebuilt.
    pub fn restart_empty(&mut self) -> Result<(), String> {
        self.kill();
        let data = self.dir.join("data");
        std::fs::remove_dir_all(&data).map_err(|error| format!("{}: {error}", data.display()))?;
        self.launch()
    }

    fn launch(&mut self) -> Result<(), String> {
        let log_path = self.dir.join("etcd.log");
        let log = std::fs::File::create(&log_path)
            .and_then(|log| Ok((log.try_clone()?, log)))
            .map_err(|error| format!("{}: {error}", log_path.display()))?;
        let client = self.endpoint();
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let child = Command::new(&self.binary)
            .args(["--name", "test"])
            .arg("--data-dir")
            .arg(self.dir.join("data"))
            .args(["--listen-client-urls", &client])
            .args(["--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .arg(format!("--initial-cluster=test={peer}"))
            // A fast election makes startup quick and lets leases be as short as 1 s
            // (etcd's floor is 1.5 election timeouts, rounded up to whole seconds).
            .args(["--election-timeout", "500", "--heartbeat-interval", "50"])
            .args(["--logger", "zap", "--log-level", "error"])
            .stdin(Stdio::null())
            .stdout(log.0)
            .stderr(log.1)
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", self.binary.display()))?;
        self.child = Some(child);
        self.wait_healthy()
    }

    fn wait_healthy(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            if healthy(self.client_port) {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                return Err(format!(
                    "etcd exited with {status} at startup:\n{}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "etcd not healthy within {STARTUP:?}:\n{}",
            self.log()
        ))
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }
}

/// etcd's own `/health` over plain HTTP/1.0: no client library involved.
fn healthy(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
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

impl Drop for TestEtcd {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
