//! Writing a [`FileSet`] to disk: the one place the core's output touches the file system,
//! shared by the CLI and tests. Not part of the pure core.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::fileset::{FileSet, Owner};

/// What a write did, file by file (paths relative to the root).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Written because they were missing or their contents changed.
    pub written: Vec<PathBuf>,
    /// Left alone: identical contents (mtime kept, so cargo rebuilds nothing), or a
    /// user-owned file that already exists.
    pub unchanged: Vec<PathBuf>,
}

/// Writes every file of `files` under `root`. Each file is written to a temporary file
/// next to it and renamed over the target, so a reader never sees half a file; a file
/// whose contents are already right is not touched. User-owned files are only created.
pub fn write_fileset(root: &Path, files: &FileSet) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    for file in files.files() {
        let target = root.join(&file.path);
        let wanted = file.contents.as_bytes();
        let existing = fs::read(&target).ok();
        let keep = match (file.owner, &existing) {
            (Owner::User, Some(_)) => true,
            (_, Some(current)) => current.as_slice() == wanted,
            (_, None) => false,
        };
        if keep {
            report.unchanged.push(file.path.clone());
            continue;
        }
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir)?;
        }
        replace_file(&target, wanted)?;
        report.written.push(file.path.clone());
    }
    Ok(report)
}

/// Writes `contents` to a temporary file next to `target` and renames it over `target`,
/// so a reader (or a crash) never sees half a file.
pub fn replace_file(target: &Path, contents: &[u8]) -> io::Result<()> {
    let temp = temp_path(target);
    fs::write(&temp, contents)?;
    if let Err(e) = fs::rename(&temp, target) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    Ok(())
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.modgen-tmp.{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fileset::{Contents, GeneratedFile};

    #[test]
    fn unchanged_files_are_not_rewritten_and_user_files_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = FileSet::new();
        files.text("src/lib.rs", "pub fn a() {}\n".to_string());
        files.insert(GeneratedFile {
            path: "src/service.rs".into(),
            contents: Contents::Text("// stub\n".into()),
            owner: Owner::User,
        });
        let first = write_fileset(dir.path(), &files).unwrap();
        assert_eq!(first.written.len(), 2);

        fs::write(dir.path().join("src/service.rs"), "// mine\n").unwrap();
        let second = write_fileset(dir.path(), &files).unwrap();
        assert!(second.written.is_empty(), "{second:?}");
        assert_eq!(
            fs::read_to_string(dir.path().join("src/service.rs")).unwrap(),
            "// mine\n"
        );

        files.text("src/lib.rs", "pub fn b() {}\n".to_string());
        let third = write_fileset(dir.path(), &files).unwrap();
        assert_eq!(third.written, [PathBuf::from("src/lib.rs")]);
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("src"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("modgen-tmp")
            })
            .collect();
        assert!(leftovers.is_empty());
    }
}
