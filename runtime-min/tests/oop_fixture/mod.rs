//! Starting the `modgen-echo-module` fixture binary as a child process.
//!
//! The binary belongs to another workspace package, so cargo gives no `CARGO_BIN_EXE_`
//! for it, and `cargo test -p modgen-runtime` does not build it. It is taken from the
//! target directory this test binary lives in (same profile): as it is when it is newer
//! than every source it is built from (the case after `cargo test --workspace`),
//! else after `cargo build -p modgen-echo-module` into that directory. The check matters:
//! that build resolves features without the test-only ones, so it is a second, slow
//! build of the whole stack. `MODGEN_ECHO_MODULE_BIN=<path>` names a binary instead.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| match std::env::var_os("MODGEN_ECHO_MODULE_BIN") {
        Some(path) => PathBuf::from(path),
        None => locate(),
    })
}

fn locate() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // <target>/<profile>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary under <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("target dir");
    let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let binary = profile_dir.join("modgen-echo-module");
    if is_fresh(&binary) {
        return binary;
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "modgen-echo-module",
            "--profile",
            profile,
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .status()
        .expect("run cargo build for the fixture");
    assert!(status.success(), "cargo build -p modgen-echo-module failed");
    assert!(
        binary.exists(),
        "{} missing after the build",
        binary.display()
    );
    binary
}

/// Whether `binary` is newer than the runtime's and the fixture's sources and the lock
/// file: the inputs that change it while a developer works.
fn is_fresh(binary: &Path) -> bool {
    let Ok(built) = binary.metadata().and_then(|meta| meta.modified()) else {
        return false;
    };
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inputs = [
        crate_dir.join("src"),
        crate_dir.join("Cargo.toml"),
        crate_dir.join("fixtures/echo-module"),
        crate_dir.join("../Cargo.toml"),
        crate_dir.join("../Cargo.lock"),
    ];
    inputs
        .iter()
        .all(|input| newest(input).is_some_and(|newest| newest <= built))
}

/// The newest modification time under `path` (a file or a directory tree).
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    let mut latest = meta.modified().ok()?;
    for entry in std::fs::read_dir(path).ok()? {
        latest = latest.max(newest(&entry.ok()?.path())?);
    }
    Some(latest)
}

/// A command for the fixture with a clean module environment (none of the host variables
/// leak in from the test runner's own environment).
pub fn command() -> Command {
    let mut command = Command::new(binary());
    for key in [
        "MODGEN_MODULE_CONFIG",
        "MODKIT_MODULE_CONFIG",
        "MODGEN_DIRECTORY_ENDPOINT",
        "MODKIT_DIRECTORY_ENDPOINT",
        "MODGEN_DIRECTORY_TOKEN",
        "MODGEN_INSTANCE_ID",
        "MODGEN_LISTEN_SOCKET",
        "RUST_LOG",
    ] {
        command.env_remove(key);
    }
    command.kill_on_drop(true);
    command
}

/// Runs the fixture to completion (for runs that must exit on their own).
pub async fn run(mut command: Command) -> Output {
    command.stdin(Stdio::null());
    tokio::time::timeout(Duration::from_secs(30), command.output())
        .await
        .expect("the fixture exits within 30 s")
        .expect("the fixture starts")
}

/// A started fixture that printed its ready line.
pub struct Running {
    pub child: Child,
    /// From the ready line: `http://127.0.0.1:PORT`.
    pub endpoint: String,
    stderr: tokio::task::JoinHandle<String>,
}

pub async fn start(mut command: Command) -> Running {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the fixture starts");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
    let endpoint = match line {
        Ok(Ok(Some(line))) => match line.strip_prefix("modgen: listening on ") {
            Some(endpoint) => endpoint.to_owned(),
            None => panic!("unexpected first stdout line: {line:?}"),
        },
        other => {
            let _ = child.kill().await;
            let stderr = stderr.await.unwrap_or_default();
            panic!("no ready line ({other:?}); stderr:\n{stderr}");
        }
    };
    Running {
        child,
        endpoint,
        stderr,
    }
}

impl Running {
    pub fn pid(&self) -> i32 {
        self.child.id().expect("still running") as i32
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: a plain kill(2) on our own child's pid.
        let sent = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(sent, 0, "kill({}, {signal})", self.pid());
    }

    /// Waits for the exit; returns the exit status and everything written to stderr.
    pub async fn wait(mut self, limit: Duration) -> (std::process::ExitStatus, String) {
        let status = match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(status) => status.expect("wait for the fixture"),
            Err(_) => {
                let _ = self.child.kill().await;
                let stderr = self.stderr.await.unwrap_or_default();
                panic!("the fixture did not exit within {limit:?}; stderr:\n{stderr}");
            }
        };
        let stderr = self.stderr.await.unwrap_or_default();
        (status, stderr)
    }
}
