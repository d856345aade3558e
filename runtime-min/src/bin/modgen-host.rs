//! `modgen-host [--config host.yaml] [-v]`: runs the directory and the modules of a host
//! YAML until SIGINT/SIGTERM. Exit status: 0 when every module stopped cleanly, 1 when
//! one did not (or the host gave up on one), 2 when the YAML is unusable.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use modgen_runtime::host::{self, HostConfig, HostError};
use modgen_runtime::lifecycle;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    version,
    about = "Runs the modgen directory and the out-of-process modules of a host YAML"
)]
struct Args {
    /// The host YAML (ModKit's `modules.<name>.runtime` shape).
    #[arg(short, long, default_value = "host.yaml")]
    config: PathBuf,
    /// More of the host's own logging on stderr (-v info, -vv debug); RUST_LOG wins.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing(args.verbose);
    let config = match HostConfig::from_yaml_file(&args.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("modgen-host: {error}");
            return ExitCode::from(2);
        }
    };
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
        match host::run(config, cancel).await {
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
