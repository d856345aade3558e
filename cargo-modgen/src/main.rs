//! `cargo modgen`: the CLI shell over the `modgen` core. Thin on purpose: parse the
//! arguments, call the core, write the FileSet, print errors as `file:line:col: message`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use modgen::{RuntimeDep, SdkOptions};

#[derive(Parser)]
#[command(name = "cargo-modgen", bin_name = "cargo modgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the SDK crate from the manifest and its protos.
    Generate {
        /// The module manifest.
        #[arg(long, default_value = "modgen.toml")]
        manifest: PathBuf,
        /// Where the SDK crate goes (default: `<sdk crate name>/` next to the manifest).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Depend on modgen-runtime by this path (relative to the SDK crate) instead of
        /// by version.
        #[arg(long)]
        runtime_path: Option<String>,
    },
}

fn main() -> ExitCode {
    // As `cargo modgen ...`, cargo passes `modgen` as the first argument.
    let args = std::env::args_os()
        .enumerate()
        .filter(|(i, arg)| !(*i == 1 && arg == "modgen"))
        .map(|(_, arg)| arg);
    match Cli::parse_from(args).command {
        Command::Generate {
            manifest,
            out,
            runtime_path,
        } => generate(manifest, out, runtime_path),
    }
}

fn generate(manifest: PathBuf, out: Option<PathBuf>, runtime_path: Option<String>) -> ExitCode {
    let options = SdkOptions {
        runtime: match runtime_path {
            Some(path) => RuntimeDep::Path(path),
            None => SdkOptions::default().runtime,
        },
    };
    let files = match modgen::load(&manifest).and_then(|model| {
        let files = modgen::generate_sdk(&model, &options)?;
        Ok((model, files))
    }) {
        Ok(done) => done,
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::FAILURE;
        }
    };
    let (model, files) = files;
    let out = out.unwrap_or_else(|| {
        manifest
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join(&model.sdk.crate_name)
    });
    match modgen::write_fileset(&out, &files) {
        Ok(report) => {
            eprintln!(
                "{}: {} written, {} unchanged",
                out.display(),
                report.written.len(),
                report.unchanged.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
