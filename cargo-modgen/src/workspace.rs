//! A module workspace on disk, as regeneration sees it: which files the generator makes
//! there, which directories it owns, and which runtime dependency the workspace chose.
//!
//! `generate`, `check` and the repository's freshness tests all start here, so they agree
//! on what "the generated files of this workspace" means.

use std::path::{Path, PathBuf};

use crate::emit::{RuntimeDep, SdkOptions, WorkspaceOptions};
use crate::error::Errors;
use crate::fileset::{FileSet, Owner};
use crate::freshness::Ownership;
use crate::model::Model;

/// The generator's output for one root directory, and what it owns there.
#[derive(Clone, Debug)]
pub struct Target {
    pub root: PathBuf,
    /// Generator-owned files only: user files are written once, by `new`.
    pub files: FileSet,
    pub ownership: Ownership,
}

/// The directories under a workspace root that hold nothing but generated files: the
/// whole SDK crate and the module crate's `src/generated/`.
pub fn generated_dirs(model: &Model) -> Vec<PathBuf> {
    vec![
        PathBuf::from(&model.sdk.crate_name),
        Path::new(&model.module.name).join("src").join("generated"),
    ]
}

/// The generated files of the workspace at `root`. The runtime dependency is `runtime`
/// when given, else the one the workspace's SDK already uses (what `new` chose), else
/// the registry version.
pub fn workspace_target(
    model: &Model,
    root: &Path,
    runtime: Option<RuntimeDep>,
) -> Result<Target, Errors> {
    let runtime = runtime
        .or_else(|| runtime_of_existing_sdk(&root.join(&model.sdk.crate_name)))
        .unwrap_or_else(|| SdkOptions::default().runtime);
    // Only the generator-owned files are kept, and `cargo_workspace` changes none of
    // them: it adds the user-owned root files and the host crate, which links every
    // module of the workspace and so is `host_target`'s.
    let options = WorkspaceOptions {
        runtime,
        cargo_workspace: false,
        target_dir: "target".to_owned(),
    };
    let files = crate::generate_workspace(model, &options)?;
    Ok(Target {
        root: root.to_path_buf(),
        files: generator_owned(files),
        ownership: Ownership::new(generated_dirs(model)),
    })
}

/// The SDK alone, into `out`. `out` may be any directory: nothing there is assumed to be
/// the generator's to remove, so there are no orphans.
pub fn sdk_target(
    model: &Model,
    out: &Path,
    runtime: Option<RuntimeDep>,
) -> Result<Target, Errors> {
    let runtime = runtime.unwrap_or_else(|| SdkOptions::default().runtime);
    let files = crate::generate_sdk(model, &SdkOptions { runtime })?;
    Ok(Target {
        root: out.to_path_buf(),
        files,
        ownership: Ownership::default(),
    })
}

/// Regeneration keeps the runtime dependency `new` chose: it is read back from the SDK's
/// own (generated) Cargo.toml.
pub fn runtime_of_existing_sdk(sdk_dir: &Path) -> Option<RuntimeDep> {
    let text = std::fs::read_to_string(sdk_dir.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = text.parse().ok()?;
    let dependency = manifest.get("dependencies")?.get("modgen-runtime")?;
    if let Some(path) = dependency.get("path").and_then(toml::Value::as_str) {
        return Some(RuntimeDep::Path(path.to_owned()));
    }
    dependency
        .get("version")
        .and_then(toml::Value::as_str)
        .or_else(|| dependency.as_str())
        .map(|version| RuntimeDep::Version(version.to_owned()))
}

/// The generator-owned files: user files are written once, by `new`.
fn generator_owned(files: FileSet) -> FileSet {
    let mut owned = FileSet::new();
    for file in files {
        if file.owner == Owner::Generator {
            owned.insert(file);
        }
    }
    owned
}

/// The workspace's host crate (`host/`, see `emit::module::host_crate`) for the modules
/// `members` (in the host's order, the workspace's first module first), under `root`.
/// The runtime dependency is the first module's SDK's unless `runtime` is given: the host
/// crate sits one level below the root, as that module's crates do.
pub fn host_target(
    root: &Path,
    members: &[crate::HostMember<'_>],
    runtime: Option<RuntimeDep>,
) -> Result<Target, Errors> {
    let runtime = runtime
        .or_else(|| {
            let first = members.first()?;
            runtime_of_existing_sdk(&root.join(first.dir).join(&first.model.sdk.crate_name))
        })
        .unwrap_or_else(|| SdkOptions::default().runtime);
    let files = crate::generate_host(members, &runtime).map_err(Errors::from)?;
    Ok(Target {
        root: root.to_path_buf(),
        files,
        ownership: Ownership::new([PathBuf::from(crate::HOST_DIR)]),
    })
}
