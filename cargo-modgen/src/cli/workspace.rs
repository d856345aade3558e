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

/// Where `run` leaves the directory endpoint for `call` in another terminal. Under the
/// workspace's own `target/` whatever CARGO_TARGET_DIR says, so both commands agree.
pub fn directory_endpoint_file(workspace_root: &Path) -> PathBuf {
    workspace_root
        .join("target")
        .join("modgen")
        .join("directory-endpoint")
}
