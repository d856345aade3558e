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

/// The manifests a command without `--manifest` works on: the nearest one, and when
/// that is a workspace root, the manifest of every module added to it (`<root>/<dir>/
/// modgen.toml`, see `new_member.rs`), in name order. Inside an added module's directory
/// the nearest manifest is that module's, so only it is worked on.
pub fn workspace_manifests() -> Result<Vec<PathBuf>, String> {
    let primary = find_manifest(None)?;
    let root = match primary.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut members: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|error| format!("cannot read {}: {error}", root.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join(MANIFEST_FILE))
        .filter(|manifest| manifest.is_file())
        .collect();
    members.sort();
    Ok(std::iter::once(primary).chain(members).collect())
}

/// Where `run` leaves the directory endpoint for `call` in another terminal. Under the
/// workspace's own `target/` whatever CARGO_TARGET_DIR says, so both commands agree.
pub fn directory_endpoint_file(workspace_root: &Path) -> PathBuf {
    workspace_root
        .join("target")
        .join("modgen")
        .join("directory-endpoint")
}
