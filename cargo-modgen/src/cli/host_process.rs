//! `cargo modgen run` for a host YAML with `type: local` modules: those run inside the
//! workspace's host binary (`host/`, which links them), so that binary is the host, run
//! as a child until Ctrl-C. Its output passes through; the directory line it prints is
//! remembered for `cargo modgen call`, as the in-process host's is.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use modgen_runtime::lifecycle;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::workspace::directory_endpoint_file;

/// Runs `binary --config host_yaml --executables-dir <its directory>` until it exits or
/// this process gets SIGINT/SIGTERM, which is passed on as one SIGTERM (the host stops
/// its modules gracefully); the exit status is the host's.
pub fn run(binary: &Path, host_yaml: &Path, root: &Path) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    runtime.block_on(supervise(binary, host_yaml, root))
}

async fn supervise(binary: &Path, host_yaml: &Path, root: &Path) -> Result<ExitCode, String> {
    lifecycle::hook_signals().map_err(|error| format!("cannot hook signals: {error}"))?;
    let mut command = tokio::process::Command::new(binary);
    command
        .arg("--config")
        .arg(host_yaml)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if let Some(dir) = binary.parent() {
        command.arg("--executables-dir").arg(dir);
    }
    // Its own process group: a terminal's Ctrl-C reaches this process only, which passes
    // on exactly one SIGTERM (a second signal would make the host skip the graceful stop).
    command.as_std_mut().process_group(0);
    // SAFETY: prctl(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or("the host's output is not readable")?;
    let endpoint_file = directory_endpoint_file(root);
    let forward = tokio::spawn(forward_output(stdout, endpoint_file.clone()));

    let cancel = lifecycle::root_token();
    let status = tokio::select! {
        status = child.wait() => status,
        () = cancel.cancelled() => {
            if let Some(pid) = child.id().and_then(|pid| i32::try_from(pid).ok()) {
                // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
            child.wait().await
        }
    }
    .map_err(|error| format!("waiting for {}: {error}", binary.display()))?;
    let _ = forward.await;
    let _ = std::fs::remove_file(&endpoint_file);
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// Copies the host's stdout to ours line by line, remembering the directory's endpoint.
async fn forward_output(stdout: tokio::process::ChildStdout, endpoint_file: PathBuf) {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(endpoint) = modgen_runtime::host::announced_directory(&line) {
            super::run::announce_endpoint(&endpoint_file, endpoint);
        }
        // One short line at a time, so a blocking write is fine; a closed stdout is not a
        // reason to stop the host.
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}
