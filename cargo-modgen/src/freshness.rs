//! The regeneration policy, in one place: how the files on disk compare to what the
//! generator makes now, and what bringing them up to date does.
//!
//! Every consumer uses it: `cargo modgen generate` (refuse hand edits, write, remove
//! orphans), `cargo modgen check` (report and fail), the build.rs helper, and this
//! repository's own freshness tests over its checked-in generated code. Reading the disk
//! is [`survey`]'s job; [`classify`] is the pure rule, file by file.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::emit::header::{HeaderState, verify};
use crate::fileset::{Contents, FileSet, GeneratedFile, Owner};

/// Where the generator's files live under a root: the files of a [`FileSet`] and, for
/// orphan detection, the directories that hold nothing but generated files.
#[derive(Clone, Debug, Default)]
pub struct Ownership {
    /// Relative to the root. A file in one of them that carries an intact modgen header
    /// but is not in the set is an orphan; a file without a header there is left alone.
    pub generated_dirs: Vec<PathBuf>,
}

impl Ownership {
    pub fn new(generated_dirs: impl IntoIterator<Item = PathBuf>) -> Self {
        Ownership {
            generated_dirs: generated_dirs.into_iter().collect(),
        }
    }
}

/// How one generator-owned file on disk stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileState {
    /// Byte for byte what the generator makes now.
    Fresh,
    /// Written by an earlier generation and untouched since, but the inputs moved on.
    Stale,
    /// Not on disk.
    Missing,
    /// Changed by hand since it was generated, or its header was removed.
    Edited,
    /// Generated earlier, no longer produced (a renamed package, a removed service).
    Orphaned,
}

impl FileState {
    pub fn label(self) -> &'static str {
        match self {
            FileState::Fresh => "fresh",
            FileState::Stale => "stale",
            FileState::Missing => "missing",
            FileState::Edited => "edited by hand",
            FileState::Orphaned => "orphaned",
        }
    }
}

/// One file's state, with what is on disk and what is wanted, for diffs.
#[derive(Clone, Debug)]
pub struct FileStatus {
    /// Relative to the surveyed root.
    pub path: PathBuf,
    pub state: FileState,
    /// The bytes on disk, when there are any.
    pub on_disk: Option<Vec<u8>>,
    /// What the generator makes now; `None` for an orphan.
    pub wanted: Option<Contents>,
}

impl FileStatus {
    /// A unified diff from disk to the wanted contents, at most `max_lines` lines of it;
    /// `None` for binary files, or when there is nothing to compare.
    pub fn diff(&self, max_lines: usize) -> Option<String> {
        let old = match &self.on_disk {
            Some(bytes) => std::str::from_utf8(bytes).ok()?,
            None => "",
        };
        let new = match &self.wanted {
            Some(Contents::Text(text)) => text.as_str(),
            Some(Contents::Binary(_)) => return None,
            None => "",
        };
        if old == new {
            return None;
        }
        let path = self.path.display().to_string();
        let diff = similar::TextDiff::from_lines(old, new);
        let text = diff
            .unified_diff()
            .context_radius(2)
            .header(&format!("{path} (on disk)"), &format!("{path} (generated)"))
            .to_string();
        let mut lines: Vec<&str> = text.lines().collect();
        let total = lines.len();
        lines.truncate(max_lines);
        let mut shown = lines.join("\n");
        if total > max_lines {
            shown.push_str(&format!("\n… {} more diff lines", total - max_lines));
        }
        Some(shown)
    }
}

/// The classification of every generator-owned file under one root.
#[derive(Clone, Debug, Default)]
pub struct Survey {
    /// In path order: the set's generator-owned files, then orphans merged in.
    pub files: Vec<FileStatus>,
}

impl Survey {
    pub fn is_fresh(&self) -> bool {
        self.files.iter().all(|f| f.state == FileState::Fresh)
    }

    /// Files that are not fresh.
    pub fn problems(&self) -> impl Iterator<Item = &FileStatus> {
        self.files.iter().filter(|f| f.state != FileState::Fresh)
    }

    pub fn with_state(&self, state: FileState) -> impl Iterator<Item = &FileStatus> {
        self.files.iter().filter(move |f| f.state == state)
    }

    pub fn count(&self, state: FileState) -> usize {
        self.with_state(state).count()
    }

    /// What [`apply`] would refuse to overwrite without `force`.
    pub fn edited(&self) -> Vec<&Path> {
        self.with_state(FileState::Edited)
            .map(|f| f.path.as_path())
            .collect()
    }
}

impl fmt::Display for Survey {
    /// One line per file that is not fresh: `stale: calculator-sdk/src/api.rs`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for status in self.problems() {
            writeln!(f, "{}: {}", status.state.label(), status.path.display())?;
        }
        Ok(())
    }
}

/// The rule for one generator-owned file: `on_disk` against `wanted`.
pub fn classify(wanted: &Contents, on_disk: Option<&[u8]>) -> FileState {
    let Some(current) = on_disk else {
        return FileState::Missing;
    };
    if current == wanted.as_bytes() {
        return FileState::Fresh;
    }
    match wanted {
        // Binary files (the descriptor set) carry no header: they are always ours.
        Contents::Binary(_) => FileState::Stale,
        Contents::Text(_) => match std::str::from_utf8(current).map(verify) {
            Ok(HeaderState::Intact) => FileState::Stale,
            _ => FileState::Edited,
        },
    }
}

/// Compares the generator-owned files of `files` with the disk under `root`, and finds
/// orphans in `ownership`'s directories. User-owned files are not surveyed: they belong
/// to the user once written.
pub fn survey(root: &Path, files: &FileSet, ownership: &Ownership) -> io::Result<Survey> {
    let mut statuses = Vec::new();
    for file in generator_files(files) {
        let on_disk = read_if_present(&root.join(&file.path))?;
        statuses.push(FileStatus {
            path: file.path.clone(),
            state: classify(&file.contents, on_disk.as_deref()),
            on_disk,
            wanted: Some(file.contents.clone()),
        });
    }
    let wanted: BTreeSet<&Path> = files.files().iter().map(|f| f.path.as_path()).collect();
    for path in orphans(root, &ownership.generated_dirs, &wanted)? {
        let on_disk = read_if_present(&root.join(&path))?;
        statuses.push(FileStatus {
            path,
            state: FileState::Orphaned,
            on_disk,
            wanted: None,
        });
    }
    statuses.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Survey { files: statuses })
}

/// What [`apply`] did, by path relative to the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub written: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
    pub unchanged: usize,
}

impl fmt::Display for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} written, {} unchanged, {} removed",
            self.written.len(),
            self.unchanged,
            self.removed.len()
        )
    }
}

/// Why [`apply`] wrote nothing.
#[derive(Debug)]
pub enum ApplyError {
    /// Generated files were changed by hand; `force` overwrites them.
    Edited(Vec<PathBuf>),
    Io {
        path: PathBuf,
        error: io::Error,
    },
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::Edited(paths) => {
                write!(
                    f,
                    "generated files were edited by hand (or lost their `@generated` header); \
                     nothing was written (pass --force to overwrite them):"
                )?;
                for path in paths {
                    write!(f, "\n{}", path.display())?;
                }
                Ok(())
            }
            ApplyError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for ApplyError {}

/// Brings `root` up to date with `survey`: writes every stale, missing (and, with
/// `force`, edited) file atomically, removes orphans, leaves fresh files untouched so
/// their mtimes stay. Without `force`, a hand-edited file stops the run before anything
/// is written.
pub fn apply(root: &Path, survey: &Survey, force: bool) -> Result<Applied, ApplyError> {
    let edited = survey.edited();
    if !force && !edited.is_empty() {
        return Err(ApplyError::Edited(
            edited.iter().map(|p| root.join(p)).collect(),
        ));
    }
    let mut applied = Applied::default();
    for status in &survey.files {
        let target = root.join(&status.path);
        let io_error = |error| ApplyError::Io {
            path: target.clone(),
            error,
        };
        match (&status.state, &status.wanted) {
            (FileState::Fresh, _) => applied.unchanged += 1,
            (FileState::Orphaned, _) => {
                fs::remove_file(&target).map_err(io_error)?;
                applied.removed.push(status.path.clone());
            }
            (_, Some(contents)) => {
                write_atomically(&target, contents.as_bytes()).map_err(io_error)?;
                applied.written.push(status.path.clone());
            }
            (_, None) => {}
        }
    }
    Ok(applied)
}

/// Writes `bytes` to a temporary file next to `target` and renames it into place, so a
/// reader never sees half a file.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir)?;
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = target.with_file_name(format!(".{name}.modgen-tmp.{}", std::process::id()));
    fs::write(&temp, bytes)?;
    fs::rename(&temp, target).inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })
}

fn generator_files(files: &FileSet) -> impl Iterator<Item = &GeneratedFile> {
    files
        .files()
        .iter()
        .filter(|file| file.owner == Owner::Generator)
}

fn read_if_present(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io::Error::new(
            error.kind(),
            format!("{}: {error}", path.display()),
        )),
    }
}

/// Files with an intact modgen header inside `dirs` that `wanted` does not hold. Nested
/// `target/` directories are skipped (a crate built in place).
fn orphans(root: &Path, dirs: &[PathBuf], wanted: &BTreeSet<&Path>) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = dirs.to_vec();
    while let Some(dir) = pending.pop() {
        let entries = match fs::read_dir(root.join(&dir)) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        for entry in entries {
            let entry = entry?;
            // `.` as an owned directory means the root itself: paths in a FileSet have no `./`.
            let relative: PathBuf = dir
                .join(entry.file_name())
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            let kind = entry.file_type()?;
            if kind.is_dir() && entry.file_name() != "target" {
                pending.push(relative);
            } else if kind.is_file() && !wanted.contains(relative.as_path()) {
                let ours = fs::read_to_string(entry.path())
                    .is_ok_and(|text| verify(&text) == HeaderState::Intact);
                if ours {
                    found.push(relative);
                }
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::header::{Comment, with_header};

    fn generated(body: &str) -> String {
        with_header(Comment::Slashes, &["modgen.toml".into()], body)
    }

    fn set_of(files: &[(&str, &str)]) -> FileSet {
        let mut set = FileSet::new();
        for (path, body) in files {
            set.text(*path, generated(body));
        }
        set
    }

    #[test]
    fn classify_tells_fresh_stale_missing_and_edited_apart() {
        let wanted = Contents::Text(generated("fn b() {}\n"));
        let earlier = generated("fn a() {}\n");
        let edited = earlier.replace("a()", "a2()");
        assert_eq!(classify(&wanted, None), FileState::Missing);
        assert_eq!(classify(&wanted, Some(wanted.as_bytes())), FileState::Fresh);
        assert_eq!(
            classify(&wanted, Some(earlier.as_bytes())),
            FileState::Stale
        );
        assert_eq!(
            classify(&wanted, Some(edited.as_bytes())),
            FileState::Edited
        );
        assert_eq!(
            classify(&wanted, Some(b"fn a() {}\n".as_slice())),
            FileState::Edited,
            "a file without the header is someone's work"
        );
        let binary = Contents::Binary(vec![1, 2, 3]);
        assert_eq!(classify(&binary, Some(&[1, 2])), FileState::Stale);
    }

    #[test]
    fn survey_finds_orphans_only_inside_generated_dirs_and_only_with_a_header() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        fs::create_dir_all(dir.join("sdk/src")).unwrap();
        fs::write(dir.join("sdk/src/old.rs"), generated("old\n")).unwrap();
        fs::write(dir.join("sdk/src/notes.md"), "mine\n").unwrap();
        fs::write(dir.join("elsewhere.rs"), generated("old\n")).unwrap();
        let files = set_of(&[("sdk/src/lib.rs", "lib\n")]);
        let survey = survey(dir, &files, &Ownership::new([PathBuf::from("sdk")])).unwrap();
        let states: Vec<(String, FileState)> = survey
            .files
            .iter()
            .map(|f| (f.path.display().to_string(), f.state))
            .collect();
        assert_eq!(
            states,
            [
                ("sdk/src/lib.rs".to_string(), FileState::Missing),
                ("sdk/src/old.rs".to_string(), FileState::Orphaned),
            ]
        );
    }

    #[test]
    fn apply_refuses_hand_edits_and_writes_nothing() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        let first = set_of(&[("a.rs", "a\n"), ("b.rs", "b\n")]);
        let survey1 = survey(dir, &first, &Ownership::default()).unwrap();
        apply(dir, &survey1, false).unwrap();
        fs::write(dir.join("a.rs"), generated("a\n") + "// mine\n").unwrap();

        let second = set_of(&[("a.rs", "a2\n"), ("b.rs", "b2\n")]);
        let survey2 = survey(dir, &second, &Ownership::default()).unwrap();
        let error = apply(dir, &survey2, false).unwrap_err();
        assert!(matches!(&error, ApplyError::Edited(paths) if paths.len() == 1));
        assert_eq!(
            fs::read_to_string(dir.join("b.rs")).unwrap(),
            generated("b\n")
        );

        let applied = apply(dir, &survey2, true).unwrap();
        assert_eq!(applied.written.len(), 2);
        assert_eq!(
            fs::read_to_string(dir.join("a.rs")).unwrap(),
            generated("a2\n")
        );
    }

    #[test]
    fn apply_leaves_fresh_files_alone_and_removes_orphans() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        let ownership = Ownership::new([PathBuf::from("gen")]);
        let first = set_of(&[("gen/a.rs", "a\n"), ("gen/old.rs", "old\n")]);
        apply(dir, &survey(dir, &first, &ownership).unwrap(), false).unwrap();
        let mtime = fs::metadata(dir.join("gen/a.rs"))
            .unwrap()
            .modified()
            .unwrap();

        let second = set_of(&[("gen/a.rs", "a\n")]);
        let survey2 = survey(dir, &second, &ownership).unwrap();
        assert_eq!(survey2.to_string(), "orphaned: gen/old.rs\n");
        let applied = apply(dir, &survey2, false).unwrap();
        assert_eq!(applied.removed, [PathBuf::from("gen/old.rs")]);
        assert_eq!(applied.unchanged, 1);
        assert!(!dir.join("gen/old.rs").exists());
        assert_eq!(
            fs::metadata(dir.join("gen/a.rs"))
                .unwrap()
                .modified()
                .unwrap(),
            mtime
        );
        assert!(survey(dir, &second, &ownership).unwrap().is_fresh());
    }

    #[test]
    fn diff_shows_the_changed_lines_and_is_capped() {
        let status = FileStatus {
            path: "a.rs".into(),
            state: FileState::Stale,
            on_disk: Some(b"one\ntwo\nthree\n".to_vec()),
            wanted: Some(Contents::Text("one\n2\nthree\n".into())),
        };
        let diff = status.diff(40).unwrap();
        assert!(diff.contains("-two\n+2"), "{diff}");
        let capped = status.diff(3).unwrap();
        assert_eq!(capped.lines().count(), 4, "{capped}");
        assert!(capped.ends_with("more diff lines"), "{capped}");
    }
}
