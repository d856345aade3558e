//! The per-run directory a host keeps its secrets in: module credentials and the
//! operator credential `cargo modgen call` presents. Only the host's user can open it
//! (0700, files 0600), so "can read the credential" means "is that user".
//!
//! Its path follows from the directory endpoint, so a client that knows the directory
//! (every client does) finds the operator credential without being told.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The caller name of the credential a host leaves for its user's own tools.
pub const OPERATOR: &str = "operator";

/// `$XDG_RUNTIME_DIR/modgen` when set (already private to the user), else
/// `<tmp>/modgen-<uid>`.
pub fn user_base() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("modgen"),
        // SAFETY: getuid cannot fail.
        None => std::env::temp_dir().join(format!("modgen-{}", unsafe { libc::getuid() })),
    }
}

/// The run directory of the host whose directory listens at `directory_endpoint`.
pub fn for_directory(directory_endpoint: &str) -> PathBuf {
    let authority = directory_endpoint
        .split_once("://")
        .map_or(directory_endpoint, |(_, rest)| rest)
        .trim_end_matches('/');
    let safe: String = authority
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    user_base().join(format!("run-{safe}"))
}

/// Where the operator credential of that host is.
pub fn operator_credential(directory_endpoint: &str) -> PathBuf {
    for_directory(directory_endpoint).join(format!("{OPERATOR}.credential"))
}

/// Creates `dir` afresh (a killed host's leftovers are removed) with mode 0700, under a
/// base directory that must be the user's own and closed to others: a base another
/// user created in a shared `/tmp` would let them read every credential.
pub fn create_private(dir: &Path) -> std::io::Result<()> {
    let base = dir.parent().unwrap_or(dir);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(base)?;
    let meta = std::fs::metadata(base)?;
    // SAFETY: getuid cannot fail.
    let me = unsafe { libc::getuid() };
    if meta.uid() != me || meta.permissions().mode() & 0o077 != 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} must belong to uid {me} with mode 0700 (it is uid {}, mode {:o})",
                base.display(),
                meta.uid(),
                meta.permissions().mode() & 0o777
            ),
        ));
    }
    match std::fs::remove_dir_all(dir) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

/// Writes `text` to `path` with mode 0600, whole or not at all (a reader never sees a
/// half-written credential): written beside it, then renamed over it.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let staging = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&staging)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&staging, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_dir_is_named_after_the_directory_authority() {
        let dir = for_directory("http://127.0.0.1:50051");
        assert_eq!(dir.file_name().unwrap(), "run-127-0-0-1-50051");
        assert_eq!(dir.parent().unwrap(), user_base());
    }

    #[test]
    fn files_and_directories_are_private() {
        let scratch = tempfile::tempdir().unwrap();
        let base = scratch.path().join("base");
        let run = base.join("run-x");
        create_private(&run).unwrap();
        let file = run.join("a.credential");
        write_private(&file, "secret").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&run), 0o700);
        assert_eq!(mode(&file), 0o600);

        // A base others can open is refused rather than trusted.
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        let error = create_private(&run).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
    }
}
