//! modgen core: manifest + protos → model → emitters → [`FileSet`].
//!
//! Data flows one way: [`load`] reads the inputs (the only I/O besides [`write_fileset`])
//! and returns a checked [`Model`]; [`generate_sdk`] is a pure function of it. Shells (the
//! CLI, build scripts, the proc-macro) render [`Errors`] their own way.

pub mod baseline;
pub mod breaking;
pub mod build;
pub mod check;
pub mod docs;
pub mod emit;
pub mod error;
pub mod expand;
pub mod fileset;
pub mod freshness;
pub mod manifest;
pub mod members;
pub mod model;
pub mod names;
pub mod proto;
pub mod proto_errors;
#[cfg(feature = "files")]
pub mod scaffold;
pub mod stubs;
pub mod surface;
#[cfg(feature = "files")]
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
    load_in(Path::new(""), manifest_path)
}

/// [`load_with_manifest`] with `manifest_path` relative to `root` rather than the working
/// directory (the proc-macro passes the calling crate's `CARGO_MANIFEST_DIR`). Messages
/// show every path relative to `root`, as the user wrote it.
pub fn load_in(root: &Path, manifest_path: &Path) -> Result<(Manifest, Model), Errors> {
    let manifest = read_manifest_in(root, manifest_path)?;
    let manifest_dir = manifest_path.parent().unwrap_or(Path::new(""));
    let name = manifest_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| manifest_path.display().to_string());
    let compiled = proto::compile_manifest(&manifest, root, manifest_dir)?;
    let model = build_model(&manifest, &compiled, &name)?;
    Ok((manifest, model))
}

/// `modgen.toml` at `manifest_path`, parsed and checked, without compiling its protos
/// (for what needs only the manifest's settings, such as the module's name).
pub fn read_manifest(manifest_path: &Path) -> Result<Manifest, Errors> {
    read_manifest_in(Path::new(""), manifest_path)
}

/// [`read_manifest`] with `manifest_path` relative to `root`, named in errors as written.
fn read_manifest_in(root: &Path, manifest_path: &Path) -> Result<Manifest, Errors> {
    let shown = manifest_path.display().to_string();
    let text = std::fs::read_to_string(root.join(manifest_path)).map_err(|e| {
        Error::new(
            ErrorKind::ManifestIo,
            format!("cannot read the manifest: {e}"),
        )
        .in_file(&shown)
    })?;
    Manifest::parse(&text, &shown)
}

/// [`load`] for a manifest already parsed (tests, `new`): compiles the protos relative to
/// `base_dir`. `manifest_name` is how generated headers name the manifest.
pub fn load_manifest(
    manifest: &Manifest,
    base_dir: &Path,
    manifest_name: &str,
) -> Result<Model, Errors> {
    let compiled = proto::compile_manifest(manifest, Path::new(""), base_dir)?;
    build_model(manifest, &compiled, manifest_name)
}

/// The checked model of protos already compiled (by [`proto::compile`] or the above).
pub fn build_model(
    manifest: &Manifest,
    compiled: &proto::Compiled,
    manifest_name: &str,
) -> Result<Model, Errors> {
    let model = model::build(manifest, compiled, manifest_name)?;
    check::check(&model, manifest)?;
    Ok(model)
}

/// The SDK as one token stream: the root's items with every module inline (`pub mod api
/// { … }`), paths relative to the SDK root, no inner attribute at the top. What the
/// proc-macro expands to and the build-script helper prints into `OUT_DIR`; the same
/// tokens [`generate_sdk`] spreads over files.
pub fn sdk_tokens(model: &Model) -> Result<proc_macro2::TokenStream, Errors> {
    emit::sdk::tokens(model)
}

/// The SDK crate for `model`: every file, paths relative to the crate's root.
#[cfg(feature = "files")]
pub fn generate_sdk(model: &Model, options: &SdkOptions) -> Result<FileSet, Errors> {
    emit::sdk::generate(model, options)
}

#[cfg(feature = "files")]
pub use emit::module::generate_module;
/// The workspace's host crate (`host/`), linking every module of the workspace.
#[cfg(feature = "files")]
pub use emit::module::{HOST_DIR, HostMember, generate_host, host_package_of};
pub use emit::module::{WorkspaceOptions, module_tokens};

/// The whole module workspace for `model`: the SDK under `<sdk crate>/`, the module crate
/// under `<module name>/`, and `new`'s scaffolding, each file with its owner; paths
/// relative to the workspace root. Writers create user-owned files only when absent.
#[cfg(feature = "files")]
pub fn generate_workspace(model: &Model, options: &WorkspaceOptions) -> Result<FileSet, Errors> {
    emit::module::generate_workspace(model, options)
}
