//! The user's first minutes, timed: `cargo modgen new` from the ModKit calculator proto,
//! the first `cargo build` of the new workspace, then `cargo modgen run` until the module
//! is resolvable through the directory.
//!
//! ```text
//! cargo build --release -p cargo-modgen -p modgen-bench
//! target/release/quickstart            # first build against the warm shared target dir
//! target/release/quickstart --cold     # first build in an empty target dir (all deps)
//! ```

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use modgen_runtime::directory::DirectoryClient;

const CHECKOUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");
const SERVICE: &str = "oop.calculator.v1.CalculatorService";

fn main() {
    let cold = std::env::args().any(|arg| arg == "--cold");
    let modgen = sibling_binary("cargo-modgen");
    let temp = tempfile::tempdir().expect("temp dir");
    let workspace = temp.path().join("calculator");
    let cold_target = temp.path().join("target");
    let target_dir = if cold {
        cold_target
    } else {
        Path::new(CHECKOUT).join("target")
    };

    let started = Instant::now();
    let status = Command::new(&modgen)
        .args(["modgen", "new", "calculator", "--proto"])
        .arg(format!("{CORPUS}/hyperspot/oop/calculator/v1/accum.proto"))
        .arg("--include")
        .arg(format!("{CORPUS}/hyperspot"))
        .current_dir(temp.path())
        .stdout(Stdio::null())
        .status()
        .expect("run cargo-modgen new");
    assert!(status.success(), "cargo modgen new failed");
    let new_time = started.elapsed();
    // Same dependency versions as the checkout, so the warm case reuses its artifacts.
    std::fs::copy(
        Path::new(CHECKOUT).join("Cargo.lock"),
        workspace.join("Cargo.lock"),
    )
    .expect("copy Cargo.lock");

    let started = Instant::now();
    let status = Command::new("cargo")
        .args(["build", "--workspace", "--quiet"])
        .current_dir(&workspace)
        .env("CARGO_TARGET_DIR", &target_dir)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "the generated workspace does not build");
    let build_time = started.elapsed();

    let (to_directory, to_resolvable) = run_until_resolvable(&modgen, &workspace, &target_dir);

    println!(
        "quickstart ({} target dir)",
        if cold { "empty" } else { "warm shared" }
    );
    println!("| step | time |");
    println!("|---|---|");
    println!(
        "| `cargo modgen new` (calculator proto) | {} |",
        show(new_time)
    );
    println!(
        "| first `cargo build` of the new workspace | {} |",
        show(build_time)
    );
    println!(
        "| `cargo modgen run` → directory listening (includes cargo's up-to-date check) | {} |",
        show(to_directory)
    );
    println!(
        "| `cargo modgen run` → module resolvable | {} |",
        show(to_resolvable)
    );
}

/// Starts `cargo modgen run`, returns (spawn → directory up, spawn → service resolvable),
/// then stops it with SIGTERM and checks it exits 0.
fn run_until_resolvable(
    modgen: &Path,
    workspace: &Path,
    target_dir: &Path,
) -> (Duration, Duration) {
    let started = Instant::now();
    let mut run = Command::new(modgen)
        .args(["modgen", "run"])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", target_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run cargo-modgen run");
    let stdout = run.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let endpoint = loop {
        let line = lines
            .next()
            .expect("`run` ended before its directory listened")
            .expect("read `run` output");
        if let Some(endpoint) = modgen_runtime::host::announced_directory(&line) {
            break endpoint.to_owned();
        }
    };
    let to_directory = started.elapsed();
    // Keep draining so the host never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});

    let runtime = tokio::runtime::Runtime::new().expect("tokio");
    let to_resolvable = runtime.block_on(async {
        let directory = DirectoryClient::connect(&endpoint)
            .await
            .expect("directory");
        loop {
            if directory.resolve(SERVICE).await.is_ok() {
                break started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "never resolvable"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });

    let pid = i32::try_from(run.id()).expect("pid");
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = run.wait().expect("wait for `run`");
    assert!(status.success(), "`run` did not stop cleanly: {status}");
    (to_directory, to_resolvable)
}

fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let path = exe.with_file_name(name);
    assert!(
        path.is_file(),
        "{} is missing: cargo build --release -p cargo-modgen",
        path.display()
    );
    path
}

fn show(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        format!("{:.1} s", duration.as_secs_f64())
    } else {
        format!("{} ms", duration.as_millis())
    }
}
