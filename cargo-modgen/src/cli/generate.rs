//! `cargo modgen generate`: refresh the generator-owned files from `modgen.toml`.
//!
//! A shell over the core's freshness engine (`modgen::freshness`) and compatibility
//! baseline (`modgen::baseline`): user-owned files are never written here (`new` creates
//! them once); a generated file edited by hand stops the run before anything is written,
//! unless `--force`; breaking proto changes are reported, and refused under
//! `--deny-breaking`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use modgen::workspace::{Target, sdk_target, workspace_target};
use modgen::{Manifest, Model, RuntimeDep};

use super::compat::{self, BreakingPolicy};
use super::workspace::{find_manifest, workspace_manifests, workspace_root};

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
    /// Print the stubs for new RPCs instead of adding them to your impl blocks.
    #[arg(long)]
    pub no_edit: bool,
    #[command(flatten)]
    pub breaking: BreakingPolicy,
}

/// A module workspace loaded for regeneration: inputs, and the files they make.
pub struct Loaded {
    pub manifest: Manifest,
    pub model: Model,
    pub target: Target,
    /// Where the workspace lives; `None` for `--out` (an SDK alone has no baseline).
    pub workspace_root: Option<PathBuf>,
}

/// Every module of the workspace unless `--manifest` or `--out` names one.
pub fn run(args: &GenerateArgs) -> Result<ExitCode, String> {
    if args.manifest.is_some() || args.out.is_some() {
        let loaded = load(
            args.manifest.as_deref(),
            args.out.as_deref(),
            chosen_runtime(args),
        )?;
        return run_one(args, &loaded);
    }
    let manifests = workspace_manifests()?;
    let root = workspace_root(&manifests[0].path);
    let mut modules = Vec::with_capacity(manifests.len());
    for module in manifests {
        let loaded = load(Some(&module.path), None, chosen_runtime(args))?;
        run_one(args, &loaded)?;
        modules.push((module.dir, loaded.model));
    }
    if let Some(host) = super::host_crate::target_for(&root, &modules)? {
        refresh(&host, args.force)?;
        if let Some(note) = super::host_crate::unlisted_note(&host.root) {
            eprintln!("{note}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Brings `target`'s generated files up to date (see `modgen::freshness`).
fn refresh(target: &Target, force: bool) -> Result<(), String> {
    let survey = modgen::freshness::survey(&target.root, &target.files, &target.ownership)
        .map_err(|error| error.to_string())?;
    let applied = modgen::freshness::apply(&target.root, &survey, force)
        .map_err(|error| error.to_string())?;
    eprintln!("{}: {applied}", target.root.display());
    Ok(())
}

/// Regenerates one loaded module: its breaking-change report and baseline, its generated
/// files, and stubs for new RPCs.
fn run_one(args: &GenerateArgs, loaded: &Loaded) -> Result<ExitCode, String> {
    let report = compat::report(loaded)?;
    args.breaking.refuse_denied(loaded, report.as_ref())?;

    refresh(&loaded.target, args.force)?;
    compat::record_baseline(loaded, report.as_ref(), args.breaking.accept_breaking)?;

    // Stubs for new RPCs in the user's impls (`--out` generates an SDK alone: no impls).
    if let Some(root) = &loaded.workspace_root {
        super::stubs::add_stubs(&loaded.model, root, args.no_edit)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The manifest (found as `find_manifest` does), the checked model, and the generated
/// files: the whole workspace next to the manifest, or the SDK alone into `out`.
pub fn load(
    manifest: Option<&Path>,
    out: Option<&Path>,
    runtime: Option<RuntimeDep>,
) -> Result<Loaded, String> {
    let manifest_path = find_manifest(manifest)?;
    let (manifest, model) =
        modgen::load_with_manifest(&manifest_path).map_err(|errors| errors.to_string())?;
    let root = workspace_root(&manifest_path);
    let (target, workspace_root) = match out {
        Some(out) => (sdk_target(&model, out, runtime), None),
        None => (workspace_target(&model, &root, runtime), Some(root)),
    };
    let target = target.map_err(|errors| errors.to_string())?;
    Ok(Loaded {
        manifest,
        model,
        target,
        workspace_root,
    })
}

fn chosen_runtime(args: &GenerateArgs) -> Option<RuntimeDep> {
    match (&args.runtime_path, &args.runtime_version) {
        (Some(path), _) => Some(RuntimeDep::Path(path.clone())),
        (None, Some(version)) => Some(RuntimeDep::Version(version.clone())),
        (None, None) => None,
    }
}
