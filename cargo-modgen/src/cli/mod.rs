//! The `cargo-modgen` command line: a thin shell over the core. Each subcommand parses
//! its arguments, calls the core or the runtime, and renders errors for a terminal.

pub mod call;
pub mod check;
pub mod compat;
mod dynamic_codec;
pub mod generate;
mod host_crate;
mod host_process;
mod lookup;
pub mod new;
mod new_member;
mod reflection;
pub mod run;
mod stubs;
pub mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "cargo-modgen",
    bin_name = "cargo modgen",
    version,
    about = "Generates and runs out-of-process gRPC modules"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a module workspace: manifest, proto, SDK crate, module crate, host.yaml.
    New(new::NewArgs),
    /// Regenerate the generator-owned files from modgen.toml; user files are never touched.
    Generate(generate::GenerateArgs),
    /// Fail (exit 1) when generated files are stale, missing, edited by hand or orphaned.
    Check(check::CheckArgs),
    /// Build the workspace and run it: the directory plus every module, out of process.
    Run(run::RunArgs),
    /// Call a method of a running module, resolved through the directory.
    Call(CallArgs),
}

#[derive(clap::Args, Debug)]
pub struct CallArgs {
    /// `<Service>/<Method>`, e.g. `oop.calculator.v1.CalculatorService/Add`; the service
    /// may be shortened to its last segments (`CalculatorService/Add`) when exactly one
    /// live service ends with them.
    pub target: String,
    /// The request as JSON (`-` reads it from stdin). Client-streaming and bidi methods
    /// take an array: one message per element.
    #[arg(default_value = "{}")]
    pub json: String,
    /// The directory to resolve through (default: $MODGEN_DIRECTORY_ENDPOINT, else the one
    /// `cargo modgen run` started for this workspace).
    #[arg(long)]
    pub directory: Option<String>,
    /// Call this endpoint directly instead of resolving through a directory.
    #[arg(long, conflicts_with = "directory")]
    pub endpoint: Option<String>,
    /// Deadline of the call, in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
}

/// `cargo modgen <command>` runs `cargo-modgen modgen <command>`: drop that word.
pub fn parse_args() -> Cli {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|arg| arg == "modgen") {
        args.remove(1);
    }
    Cli::parse_from(args)
}

pub fn main() -> ExitCode {
    let cli = parse_args();
    let result = match cli.command {
        Command::New(args) => new::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Generate(args) => generate::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Call(args) => run_call(args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            for line in message.lines() {
                eprintln!("error: {line}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run_call(args: CallArgs) -> Result<ExitCode, String> {
    let json = if args.json == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|error| format!("cannot read the request from stdin: {error}"))?
    } else {
        args.json
    };
    let directory = match (args.directory, &args.endpoint) {
        (Some(directory), _) => Some(directory),
        (None, Some(_)) => None,
        (None, None) => default_directory(),
    };
    let timeout = Duration::try_from_secs_f64(args.timeout)
        .map_err(|_| format!("--timeout {}: not a duration in seconds", args.timeout))?;
    let request = call::CallRequest {
        target: args.target,
        json,
        directory,
        endpoint: args.endpoint,
        timeout,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    let mut stdout = std::io::stdout().lock();
    runtime
        .block_on(call::call(request, &mut stdout))
        .map(|()| ExitCode::SUCCESS)
        .map_err(|error| error.to_string())
}

fn default_directory() -> Option<String> {
    if let Some(endpoint) = modgen_contract::env::DIRECTORY_ENDPOINT_VARS
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
    {
        return Some(endpoint);
    }
    let manifest = workspace::find_manifest(None).ok()?;
    let root: PathBuf = manifest.parent()?.to_path_buf();
    std::fs::read_to_string(workspace::directory_endpoint_file(&root))
        .ok()
        .map(|text| text.trim().to_owned())
}
