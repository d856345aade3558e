//! `cargo modgen generate`: refresh the generator-owned files from `modgen.toml`.
//!
//! A shell over the core's freshness engine (`modgen::freshness`): user-owned files are
//! never written here (`new` creates them once); a generated file edited by hand stops
//! the run before anything is written, unless `--force`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use modgen::RuntimeDep;
use modgen::workspace::{Target, sdk_target, workspace_target};

use super::workspace::find_manifest;

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// The module manifest (default: the nearest modgen.toml above the current directory).
    #[arg(long, alias = "manifest-path")]
    pub manifest: Option<PathBuf>,
    /// Generate only the SDK crate, into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Depend on modgen-runtime by this path (relative to each generated crate) instead of
    /// what the workspace's SDK already depends on.
    #[arg(long, conflicts_with = "runtime_version")]
    pub runtime_path: Option<String>,
    /// Depend on this crates.io version of modgen-runtime.
    #[arg(long)]
    pub runtime_version: Option<String>,
    /// Overwrite generated files even when they were edited by hand.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &GenerateArgs) -> Result<ExitCode, String> {
    let (_model, target) = load_target(
        args.manifest.as_deref(),
        args.out.as_deref(),
        chosen_runtime(args),
    )?;
    let survey = modgen::freshness::survey(&target.root, &target.files, &target.ownership)
        .map_err(|error| error.to_string())?;
    let applied = modgen::freshness::apply(&target.root, &survey, args.force)
        .map_err(|error| error.to_string())?;
    eprintln!("{}: {applied}", target.root.display());
    Ok(ExitCode::SUCCESS)
}

/// The checked model and the generated files for the manifest (found as `find_manifest`
/// does): the whole workspace next to it, or the SDK alone into `out`.
pub fn load_target(
    manifest: Option<&Path>,
    out: Option<&Path>,
    runtime: Option<RuntimeDep>,
) -> Result<(modgen::Model, Target), String> {
    let manifest = find_manifest(manifest)?;
    let model = modgen::load(&manifest).map_err(|errors| errors.to_string())?;
    let target = match out {
        Some(out) => sdk_target(&model, out, runtime),
        None => workspace_target(&model, &workspace_root(&manifest), runtime),
    }
    .map_err(|errors| errors.to_string())?;
    Ok((model, target))
}

/// The directory holding the manifest; `--manifest modgen.toml` has an empty parent,
/// which reads badly in messages.
pub fn workspace_root(manifest: &Path) -> PathBuf {
    manifest
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn chosen_runtime(args: &GenerateArgs) -> Option<RuntimeDep> {
    match (&args.runtime_path, &args.runtime_version) {
        (Some(path), _) => Some(RuntimeDep::Path(path.clone())),
        (None, Some(version)) => Some(RuntimeDep::Version(version.clone())),
        (None, None) => None,
    }
}
