//! The host as a program: `modgen-host` and a workspace's host binary (which links its
//! modules and hands them over as [`LocalModule`]s) share this `main`.
//!
//! `[--config host.yaml] [-v] [--executables-dir DIR]`. Exit status: 0 when every module
//! stopped cleanly, 1 when one did not (or the host gave up on one), 2 when the YAML is
//! unusable or a `type: local` module is not linked into this binary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use tokio_util::sync::CancellationToken;

use super::{HostConfig, HostError, LocalModule, RuntimeKind};
use crate::lifecycle;

#[derive(Parser)]
#[command(
    version,
    about = "Runs the modgen directory and the modules of a host YAML"
)]
struct Args {
    /// The host YAML (ModKit's `modules.<name>.runtime` shape).
    #[arg(short, long, default_value = "host.yaml")]
    config: PathBuf,
    /// More of the host's own logging on stderr (-v info, -vv debug); RUST_LOG wins.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Run each `type: oop` module from this directory when it holds an executable of the
    /// file name the YAML gives (cargo's output directory: `cargo modgen run` passes it, so
    /// another CARGO_TARGET_DIR or `--release` runs what was just built).
    #[arg(long, value_name = "DIR")]
    executables_dir: Option<PathBuf>,
}

/// Parses the command line, loads the YAML, runs the host with `locals` linked in until
/// SIGINT/SIGTERM, and maps the outcome to the exit status above.
pub fn main(locals: Vec<LocalModule>) -> ExitCode {
    let args = Args::parse();
    init_tracing(args.verbose);
    let mut config = match HostConfig::from_yaml_file(&args.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("modgen-host: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = &args.executables_dir {
        run_executables_from(&mut config, dir);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("modgen-host: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let cancel = match cancel_on_signals() {
            Ok(cancel) => cancel,
            Err(error) => {
                eprintln!("modgen-host: cannot install signal handlers: {error}");
                return ExitCode::FAILURE;
            }
        };
        let outcome = match super::start_with(config, locals, cancel).await {
            Ok(running) => running.wait().await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(outcome) if outcome.is_clean() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(error @ HostError::Launch(_)) => {
                for line in error.to_string().lines() {
                    eprintln!("modgen-host: {line}");
                }
                ExitCode::from(2)
            }
            Err(error) => {
                eprintln!("modgen-host: {error}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Points every `type: oop` module whose executable's file name is in `dir` at that file.
pub(crate) fn run_executables_from(config: &mut HostConfig, dir: &Path) {
    for module in &mut config.modules {
        if module.runtime.kind != RuntimeKind::Oop {
            continue;
        }
        let execution = &mut module.runtime.execution;
        let built = execution
            .executable_path
            .file_name()
            .map(|name| dir.join(name))
            .filter(|built| built.is_file());
        if let Some(built) = built {
            execution.executable_path = built;
        }
    }
}

/// The first SIGINT/SIGTERM cancels the runtime's root token (hooked once, by the
/// lifecycle) and so starts the graceful stop. The lifecycle takes a second signal as
/// "do not wait": the process exits at once, and the kernel SIGKILLs the modules (they
/// were spawned with PR_SET_PDEATHSIG).
fn cancel_on_signals() -> std::io::Result<CancellationToken> {
    lifecycle::hook_signals()?;
    Ok(lifecycle::root_token())
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn oop_modules_run_what_the_executables_dir_holds_and_local_ones_are_left_alone() {
        let built = tempfile::tempdir().unwrap();
        std::fs::write(built.path().join("calc"), "").unwrap();
        let yaml = "modules:
  calc:
    runtime: { type: oop, execution: { executable_path: /elsewhere/target/debug/calc } }
  other:
    runtime: { type: oop, execution: { executable_path: /elsewhere/target/debug/other } }
  inside:
    runtime: { type: local, execution: { executable_path: /elsewhere/target/debug/calc } }
";
        let mut config = HostConfig::from_yaml_str(yaml, Path::new("/w/host.yaml")).unwrap();

        run_executables_from(&mut config, built.path());

        let paths: Vec<_> = config
            .modules
            .iter()
            .map(|m| m.runtime.execution.executable_path.clone())
            .collect();
        assert_eq!(
            paths,
            [
                built.path().join("calc"),
                "/elsewhere/target/debug/other".into(),
                "/elsewhere/target/debug/calc".into(),
            ]
        );
    }
}
