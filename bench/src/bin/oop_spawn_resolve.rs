//! Time from starting an out-of-process module under the host library to the first
//! successful resolve of its service through the host's directory.
//!
//! ```text
//! cargo build --release -p modgen-echo-module -p modgen-bench
//! target/release/oop_spawn_resolve [--runs 20] [--module target/release/modgen-echo-module]
//!                                  [--service echo.v1.Echo]
//! ```
//!
//! Each run is a fresh host (directory + one module), so the figure includes what a user
//! waits for after `cargo modgen run`: fork/exec, the module's runtime start, bind,
//! registration, and one resolve round trip. The clock starts before `host::start`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use modgen_runtime::directory::DirectoryClient;
use modgen_runtime::host::{self, Execution, HostConfig, ModuleEntry, ModuleRuntime, RuntimeKind};
use tokio_util::sync::CancellationToken;

/// A run that has not resolved by then is a failure, not a slow sample.
const GIVE_UP_AFTER: Duration = Duration::from_secs(30);

struct Args {
    runs: usize,
    module: PathBuf,
    service: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        runs: 20,
        module: default_module()?,
        service: "echo.v1.Echo".to_owned(),
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--runs" => args.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--module" => args.module = PathBuf::from(value()?),
            "--service" => args.service = value()?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.runs == 0 {
        return Err("--runs must be at least 1".to_owned());
    }
    Ok(args)
}

/// The fixture next to this binary: `target/<profile>/modgen-echo-module`.
fn default_module() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let dir = exe.parent().ok_or("the bench binary has no directory")?;
    Ok(dir.join("modgen-echo-module"))
}

fn config(module: &Path) -> HostConfig {
    let mut config = HostConfig::default();
    config.modules.push(ModuleEntry {
        name: "echo".to_owned(),
        runtime: ModuleRuntime {
            kind: RuntimeKind::Oop,
            execution: Execution {
                executable_path: module.to_path_buf(),
                args: Vec::new(),
                working_directory: None,
                // Keep the module's info logs out of the figures' output.
                environment: [("RUST_LOG".to_owned(), "warn".to_owned())].into(),
            },
        },
        config: None,
        deps: Vec::new(),
        tokenless: false,
        access: None,
        transport: None,
    });
    config
}

struct Sample {
    to_resolve: Duration,
    /// The module did not stop cleanly; not what is timed, but worth saying.
    unclean_stop: bool,
}

/// One fresh host: start it, poll resolve until it answers, stop it.
async fn one_run(module: &Path, service: &str) -> Result<Sample, String> {
    let cancel = CancellationToken::new();
    let started = Instant::now();
    let running = host::start(config(module), cancel.clone())
        .await
        .map_err(|e| e.to_string())?;
    let directory = DirectoryClient::connect(running.directory_endpoint())
        .await
        .map_err(|e| e.to_string())?;
    let elapsed = loop {
        if directory.resolve(service).await.is_ok() {
            break started.elapsed();
        }
        if started.elapsed() > GIVE_UP_AFTER {
            cancel.cancel();
            return Err(format!(
                "`{service}` not resolvable after {GIVE_UP_AFTER:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    cancel.cancel();
    let outcome = running.wait().await.map_err(|e| e.to_string())?;
    Ok(Sample {
        to_resolve: elapsed,
        unclean_stop: !outcome.is_clean(),
    })
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("oop_spawn_resolve: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    if !args.module.is_file() {
        eprintln!(
            "oop_spawn_resolve: no module at {} (cargo build --release -p modgen-echo-module)",
            args.module.display()
        );
        return std::process::ExitCode::from(2);
    }
    let mut samples = Vec::with_capacity(args.runs);
    let mut unclean_stops = 0;
    for run in 1..=args.runs {
        match one_run(&args.module, &args.service).await {
            Ok(sample) => {
                samples.push(sample.to_resolve);
                unclean_stops += usize::from(sample.unclean_stop);
            }
            Err(message) => {
                eprintln!("oop_spawn_resolve: run {run}: {message}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    samples.sort();
    let p50 = samples[(samples.len() - 1) / 2];
    println!(
        "oop spawn -> first resolve over {} runs ({}): min {}, p50 {}, max {}",
        samples.len(),
        args.module.display(),
        millis(samples[0]),
        millis(p50),
        millis(samples[samples.len() - 1]),
    );
    if unclean_stops > 0 {
        println!(
            "(the module did not stop cleanly in {unclean_stops} of the runs; see its output above)"
        );
    }
    std::process::ExitCode::SUCCESS
}
