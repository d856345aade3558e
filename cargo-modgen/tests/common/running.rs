//! `cargo modgen run` and `cargo modgen call` as a user runs them, for the end-to-end
//! tests: the binary under test as a child, its output as lines, and the shared target
//! directory, so the generated crates' dependencies are built once for every test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub const CHECKOUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// Covers a cold build of the generated crates on 2 busy cores.
pub const BUILD_PATIENCE: Duration = Duration::from_secs(900);
pub const PATIENCE: Duration = Duration::from_secs(30);

/// `cargo modgen run` as a child, its stdout and stderr merged into one line channel.
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    pub fn start(workspace: &Path) -> Running {
        Self::start_with(workspace, &[])
    }

    /// `cargo modgen run <args>`.
    pub fn start_with(workspace: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
            .args(["modgen", "run"])
            .args(args)
            .current_dir(workspace)
            .env("CARGO_TARGET_DIR", target_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (sender, lines) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if sender.send(line).is_err() {
                        return;
                    }
                }
            });
        }
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The endpoint the host's directory listens on, as it prints it.
    pub fn wait_for_directory(&mut self) -> String {
        let line =
            self.wait_for_line_within("modgen-host: directory listening on ", BUILD_PATIENCE);
        line.rsplit(' ').next().unwrap().to_owned()
    }

    pub fn wait_for_line(&mut self, start: &str) -> String {
        self.wait_for_line_within(start, PATIENCE)
    }

    pub fn wait_for_line_within(&mut self, start: &str, patience: Duration) -> String {
        let deadline = Instant::now() + patience;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with(start) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    let _ = self.child.kill();
                    panic!(
                        "no line starting with {start:?}; output so far:\n{}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    /// SIGTERM, then everything the run printed until it exited.
    pub fn terminate(mut self) -> (ExitStatus, String) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "`run` did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        // The reader threads end when the pipes close.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (status, self.seen.join("\n"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(CHECKOUT).join("target"))
}

/// The checkout's lockfile pins the generated workspace to the versions already built in
/// the shared target directory, so only the generated crates compile.
pub fn share_lockfile(workspace: &Path) {
    std::fs::copy(
        Path::new(CHECKOUT).join("Cargo.lock"),
        workspace.join("Cargo.lock"),
    )
    .unwrap();
}

pub fn modgen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .arg("modgen")
        .args(args)
        .current_dir(dir)
        .env_remove("MODGEN_DIRECTORY_ENDPOINT")
        .output()
        .unwrap()
}

pub fn modgen_ok(dir: &Path, args: &[&str]) -> String {
    let output = modgen(dir, args);
    assert!(
        output.status.success(),
        "cargo modgen {args:?} failed:\n{}",
        stderr(&output)
    );
    stdout(&output)
}

pub fn cargo_with_env(dir: &Path, args: &[&str], vars: &[(&str, &std::ffi::OsStr)]) -> Output {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .envs(vars.iter().copied())
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{error}: {text}"))
}
