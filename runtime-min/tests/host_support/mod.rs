//! Runs the real `modgen-host` binary on a YAML and watches its output. Only plumbing
//! lives here; what is checked stays in the tests.

#![allow(dead_code)] // each test crate uses a different part of it

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Everything slow enough to need waiting for gets this long: the 2-core CI machine
/// builds other crates while the tests run.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct Host {
    pub child: Child,
    pub stdout: Lines,
    pub stderr: Lines,
    /// Keeps the YAML (and anything the test put next to it) alive.
    pub dir: tempfile::TempDir,
}

impl Host {
    /// Writes `yaml` to `host.yaml` in a fresh directory and starts `modgen-host` on it.
    pub fn start(yaml: &str) -> Host {
        let dir = tempfile::tempdir().expect("tempdir");
        Self::start_in(dir, yaml)
    }

    pub fn start_in(dir: tempfile::TempDir, yaml: &str) -> Host {
        let file = dir.path().join("host.yaml");
        std::fs::write(&file, yaml).expect("write host.yaml");
        let mut child = Command::new(env!("CARGO_BIN_EXE_modgen-host"))
            // Its own group, like a shell job, so a test can send what Ctrl-C sends.
            .process_group(0)
            .arg("--config")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn modgen-host");
        let stdout = Lines::collect(child.stdout.take().expect("piped"));
        let stderr = Lines::collect(child.stderr.take().expect("piped"));
        Host {
            child,
            stdout,
            stderr,
            dir,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own unreaped child.
        assert_eq!(unsafe { libc::kill(self.pid(), signal) }, 0, "kill host");
    }

    /// What a terminal's Ctrl-C does: `signal` to every process in the host's group.
    pub fn signal_process_group(&self, signal: i32) {
        // SAFETY: kill(2) on the process group our child leads.
        assert_eq!(
            unsafe { libc::kill(-self.pid(), signal) },
            0,
            "kill host group"
        );
    }

    /// The endpoint from `modgen-host: directory listening on <endpoint>`.
    pub fn directory_endpoint(&self) -> String {
        let line = self
            .stdout
            .wait_for("modgen-host: directory listening on ", PATIENCE);
        line.rsplit(' ').next().expect("endpoint").to_owned()
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "modgen-host still running after {timeout:?}\nstdout:\n{}\nstderr:\n{}",
                    self.stdout.text(),
                    self.stderr.text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // A failed test must not leave a host (and, through PDEATHSIG, its modules) behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// All lines read so far from one of the host's streams.
#[derive(Clone)]
pub struct Lines {
    inner: Arc<(Mutex<Vec<String>>, Condvar)>,
}

impl Lines {
    fn collect(stream: impl Read + Send + 'static) -> Lines {
        let lines = Lines {
            inner: Arc::new((Mutex::new(Vec::new()), Condvar::new())),
        };
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                let (all, changed) = &*sink.inner;
                all.lock().expect("lock").push(line);
                changed.notify_all();
            }
        });
        lines
    }

    pub fn all(&self) -> Vec<String> {
        self.inner.0.lock().expect("lock").clone()
    }

    pub fn text(&self) -> String {
        self.all().join("\n")
    }

    /// The first line containing `needle`, waiting for it up to `timeout`.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        self.wait_for_nth(needle, 1, timeout)
    }

    /// The `n`th line (1-based) containing `needle`.
    pub fn wait_for_nth(&self, needle: &str, n: usize, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let (all, changed) = &*self.inner;
        let mut lines = all.lock().expect("lock");
        loop {
            if let Some(line) = lines.iter().filter(|l| l.contains(needle)).nth(n - 1) {
                return line.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                panic!(
                    "no line #{n} containing {needle:?} within {timeout:?}; got:\n{}",
                    lines.join("\n")
                );
            }
            lines = changed.wait_timeout(lines, deadline - now).expect("lock").0;
        }
    }

    pub fn count(&self, needle: &str) -> usize {
        self.all().iter().filter(|l| l.contains(needle)).count()
    }
}

/// True while `pid` is a live (not zombie) process.
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name: `123 (sleep) S ...`.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

pub fn wait_until_dead(pid: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    !alive(pid)
}

/// The pid in a line ending in `pid=<n>`.
pub fn pid_in(line: &str) -> i32 {
    line.rsplit("pid=")
        .next()
        .and_then(|pid| pid.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid in {line:?}"))
}

/// The echo fixture module (`runtime-min/fixtures/echo-module`), built next to
/// `modgen-host`. Built on every call: cargo answers fast when it is fresh, and a stale
/// fixture would test yesterday's runtime.
pub fn echo_module_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let binary =
                Path::new(env!("CARGO_BIN_EXE_modgen-host")).with_file_name("modgen-echo-module");
            // Same profile as the tests: `target/<profile>/modgen-host`.
            let profile = binary
                .parent()
                .and_then(Path::file_name)
                .and_then(|name| name.to_str())
                .unwrap_or("debug");
            let profile = if profile == "debug" { "dev" } else { profile };
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "--profile", profile])
                .args(["-p", "modgen-echo-module", "--bin", "modgen-echo-module"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("run cargo build");
            assert!(status.success(), "cargo build -p modgen-echo-module failed");
            assert!(binary.is_file(), "no fixture at {}", binary.display());
            binary
        })
        .clone()
}

/// Live direct children of `pid`, found by their parent pid in `/proc/*/stat`
/// (`/proc/<pid>/task/*/children` is not available on every kernel).
pub fn children_of(pid: i32) -> Vec<i32> {
    let mut children = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return children;
    };
    for entry in entries.flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces, so split after its `)`.
        let mut fields = stat
            .rsplit_once(") ")
            .map(|(_, rest)| rest)
            .unwrap_or("")
            .split(' ');
        let state = fields.next();
        let parent = fields.next().and_then(|p| p.parse::<i32>().ok());
        if parent == Some(pid) && !matches!(state, Some("Z" | "X")) {
            children.push(child);
        }
    }
    children.sort_unstable();
    children
}

/// The value of `key` in the environment `pid` was started with.
pub fn environ_of(pid: i32, key: &str) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let prefix = format!("{key}=");
    environ
        .split(|&b| b == 0)
        .filter_map(|entry| std::str::from_utf8(entry).ok())
        .find_map(|entry| entry.strip_prefix(&prefix).map(str::to_owned))
}

/// One connection attempt to a module endpoint as the host's modules register it
/// (`unix:/path` by default, `http://127.0.0.1:PORT` on `transport: tcp`).
pub async fn dial(
    endpoint: &str,
) -> Result<tonic::transport::Channel, modgen_runtime::client::ConnectError> {
    let options = modgen_runtime::client::ClientOptions {
        retry: modgen_runtime::client::RetryPolicy::never(),
        ..Default::default()
    };
    modgen_runtime::client::connect(endpoint, &options).await
}

/// Asserts a call was refused with `code` and a message containing `needle`.
pub fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, tonic::Status>,
    code: tonic::Code,
    needle: &str,
) {
    match result {
        Ok(reply) => panic!("expected {code:?} ({needle}), got a reply: {reply:?}"),
        Err(status) => {
            assert_eq!(status.code(), code, "{}", status.message());
            assert!(
                status.message().contains(needle),
                "{:?} does not contain {needle:?}",
                status.message()
            );
        }
    }
}

/// When a call started, how long it took, and the code it failed with, if it did.
pub type CallResult = (Instant, Duration, Result<(), tonic::Code>);

/// Calls `call(n)` (the n-th call) one after another until `successes` calls started after
/// `killed_at` succeeded, or [`PATIENCE`] after `killed_at` ran out.
pub async fn steady_calls<F, Fut>(
    successes: usize,
    killed_at: Instant,
    mut call: F,
) -> Vec<CallResult>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), tonic::Code>>,
{
    let mut results = Vec::new();
    let mut successes_after = 0;
    while successes_after < successes && Instant::now() < killed_at + PATIENCE {
        let started = Instant::now();
        let result = call(results.len()).await;
        if result.is_ok() && started > killed_at {
            successes_after += 1;
        }
        results.push((started, started.elapsed(), result));
    }
    results
}
