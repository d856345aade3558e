//! modgen core: manifest + protos → model → emitters → [`FileSet`].
//!
//! Data flows one way: [`load`] reads the inputs (the only I/O besides [`write_fileset`])
//! and returns a checked [`Model`]; [`generate_sdk`] is a pure function of it. Shells (the
//! CLI, build scripts, the proc-macro) render [`Errors`] their own way.

pub mod baseline;
pub mod breaking;
pub mod check;
pub mod docs;
pub mod emit;
pub mod error;
pub mod fileset;
pub mod freshness;
pub mod manifest;
pub mod model;
pub mod names;
pub mod proto;
pub mod scaffold;
pub mod stubs;
pub mod surface;
pub mod workspace;
pub mod write;

use std::path::Path;

pub use breaking::{CompatReport, SemverBump};
pub use emit::header::{HeaderState, verify as verify_header};
pub use emit::{RuntimeDep, SdkOptions};
pub use error::{Error, ErrorKind, Errors, Location};
pub use fileset::{Contents, FileSet, GeneratedFile, Owner};
pub use freshness::{FileState, Ownership, Survey};
pub use manifest::Manifest;
pub use model::Model;
pub use write::{WriteReport, write_fileset};

/// Reads `modgen.toml` at `manifest_path`, compiles its protos and returns the checked
/// model. Paths in the manifest are relative to its directory; errors name the manifest
/// as `manifest_path` is written.
pub fn load(manifest_path: &Path) -> Result<Model, Errors> {
    load_with_manifest(manifest_path).map(|(_, model)| model)
}

/// [`load`], keeping the parsed manifest too (for settings the model does not carry, such
/// as `deny_breaking`, and the include directories as the user wrote them).
pub fn load_with_manifest(manifest_path: &Path) -> Result<(Manifest, Model), Errors> {
    let shown = manifest_path.display().to_string();
    let text = std::fs::read_to_string(manifest_path).map_err(|e| {
        Error::new(
            ErrorKind::ManifestIo,
            format!("cannot read the manifest: {e}"),
        )
        .in_file(&shown)
    })?;
    let manifest = Manifest::parse(&text, &shown)?;
    let base_dir = manifest_path.parent().unwrap_or(Path::new("."));
    let name = manifest_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or(shown);
    let model = load_manifest(&manifest, base_dir, &name)?;
    Ok((manifest, model))
}

/// [`load`] for a manifest already parsed (tests, the proc-macro): compiles the protos
/// relative to `base_dir`. `manifest_name` is how generated headers name the manifest.
pub fn load_manifest(
    manifest: &Manifest,
    base_dir: &Path,
    manifest_name: &str,
) -> Result<Model, Errors> {
    let compiled = proto::compile(manifest, base_dir)?;
    let model = model::build(manifest, &compiled, manifest_name)?;
    check::check(&model, manifest)?;
    Ok(model)
}

/// The SDK crate for `model`: every file, paths relative to the crate's root.
pub fn generate_sdk(model: &Model, options: &SdkOptions) -> Result<FileSet, Errors> {
    emit::sdk::generate(model, options)
}

pub use emit::module::{WorkspaceOptions, generate_module};

/// The whole module workspace for `model`: the SDK under `<sdk crate>/`, the module crate
/// under `<module name>/`, and `new`'s scaffolding, each file with its owner; paths
/// relative to the workspace root. Writers create user-owned files only when absent.
pub fn generate_workspace(model: &Model, options: &WorkspaceOptions) -> Result<FileSet, Errors> {
    emit::module::generate_workspace(model, options)
}
