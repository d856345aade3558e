//! Finding the module workspace a command runs in: the directory holding `modgen.toml`.

use std::path::{Path, PathBuf};

pub const MANIFEST_FILE: &str = "modgen.toml";

/// `explicit` when given, else the nearest `modgen.toml` at or above the current directory.
pub fn find_manifest(explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(format!("{}: no such manifest", path.display()))
        };
    }
    let cwd = std::env::current_dir()
        .map_err(|error| format!("cannot read the current directory: {error}"))?;
    cwd.ancestors()
        .map(|dir| dir.join(MANIFEST_FILE))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            format!(
                "no {MANIFEST_FILE} in {} or any parent directory (create a module with `cargo modgen new <name>`)",
                cwd.display()
            )
        })
}

/// One module of a workspace: its directory relative to the workspace root (empty for
/// the root's own module) and its manifest.
pub struct ModuleManifest {
    pub dir: PathBuf,
    pub path: PathBuf,
}

/// The manifests a command without `--manifest` works on: the nearest one, and when
/// that is a workspace root, the manifest of every module added to it, as [`module_dirs`]
/// lists them. Inside an added module's directory the nearest manifest is that module's,
/// so only it is worked on.
pub fn workspace_manifests() -> Result<Vec<ModuleManifest>, String> {
    let primary = find_manifest(None)?;
    let root = workspace_root(&primary);
    let modules = module_dirs(&root, None)?
        .into_iter()
        .map(|dir| ModuleManifest {
            path: if dir.as_os_str().is_empty() {
                primary.clone()
            } else {
                root.join(&dir).join(MANIFEST_FILE)
            },
            dir,
        })
        .collect();
    Ok(modules)
}

/// The modules of the workspace at `root`, each as its directory relative to the root,
/// in the host's order: the root's own module (an empty path), then each module added to
/// it (`<root>/<dir>/modgen.toml`, see `new_member.rs`) in name order, `adding` among
/// them (a module about to be added, not in place yet). Hidden directories are not
/// modules (`new` stages a module in one before moving it into place).
pub fn module_dirs(root: &Path, adding: Option<&Path>) -> Result<Vec<PathBuf>, String> {
    let mut added: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|error| format!("cannot read {}: {error}", root.display()))?
        .filter_map(Result::ok)
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .filter(|entry| entry.path().join(MANIFEST_FILE).is_file())
        .map(|entry| PathBuf::from(entry.file_name()))
        .chain(adding.map(Path::to_path_buf))
        .collect();
    added.sort();
    Ok(std::iter::once(PathBuf::new()).chain(added).collect())
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

/// Where `run` leaves the directory endpoint for `call` in another terminal. Under the
/// workspace's own `target/` whatever CARGO_TARGET_DIR says, so both commands agree.
pub fn directory_endpoint_file(workspace_root: &Path) -> PathBuf {
    workspace_root
        .join("target")
        .join("modgen")
        .join("directory-endpoint")
}
