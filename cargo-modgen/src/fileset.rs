//! What the generators produce: files with contents and an owner. Writing them is the
//! shells' job (see `write`), so the core stays pure.

use std::path::{Path, PathBuf};

/// Who may change a file after it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// Rewritten by every `generate`; hand edits are detected by the header hash.
    Generator,
    /// Written once (scaffolding); never overwritten afterwards.
    User,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contents {
    Text(String),
    Binary(Vec<u8>),
}

impl Contents {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Contents::Text(text) => text.as_bytes(),
            Contents::Binary(bytes) => bytes,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the set's root, `/`-separated.
    pub path: PathBuf,
    pub contents: Contents,
    pub owner: Owner,
}

/// Files in path order, so every consumer (writer, snapshots, diffs) sees the same order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileSet {
    files: Vec<GeneratedFile>,
}

impl FileSet {
    pub fn new() -> Self {
        FileSet::default()
    }

    /// Adds a generator-owned text file; a second file at the same path replaces the first.
    pub fn text(&mut self, path: impl Into<PathBuf>, contents: String) {
        self.insert(GeneratedFile {
            path: path.into(),
            contents: Contents::Text(contents),
            owner: Owner::Generator,
        });
    }

    pub fn binary(&mut self, path: impl Into<PathBuf>, contents: Vec<u8>) {
        self.insert(GeneratedFile {
            path: path.into(),
            contents: Contents::Binary(contents),
            owner: Owner::Generator,
        });
    }

    pub fn insert(&mut self, file: GeneratedFile) {
        match self.files.binary_search_by(|f| f.path.cmp(&file.path)) {
            Ok(i) => self.files[i] = file,
            Err(i) => self.files.insert(i, file),
        }
    }

    pub fn files(&self) -> &[GeneratedFile] {
        &self.files
    }

    pub fn get(&self, path: impl AsRef<Path>) -> Option<&GeneratedFile> {
        let path = path.as_ref();
        self.files.iter().find(|f| f.path == path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The same files under `dir` (e.g. `calculator-sdk/`), to compose several sets.
    pub fn nest(self, dir: impl AsRef<Path>) -> FileSet {
        let dir = dir.as_ref();
        FileSet {
            files: self
                .files
                .into_iter()
                .map(|f| GeneratedFile {
                    path: dir.join(f.path),
                    ..f
                })
                .collect(),
        }
    }

    /// Merges `other` in; its files win on equal paths.
    pub fn merge(&mut self, other: FileSet) {
        for file in other.files {
            self.insert(file);
        }
    }
}

impl IntoIterator for FileSet {
    type Item = GeneratedFile;
    type IntoIter = std::vec::IntoIter<GeneratedFile>;

    fn into_iter(self) -> Self::IntoIter {
        self.files.into_iter()
    }
}
