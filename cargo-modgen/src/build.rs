//! The build-script shell: generates the SDK into `OUT_DIR` at build time, so a crate can
//! follow its protos without checking generated code in.
//!
//! ```ignore
//! // build.rs (with `cargo-modgen = { version = "…", default-features = false }` under
//! // [build-dependencies])
//! fn main() {
//!     modgen::build::Builder::new()
//!         .manifest("modgen.toml")
//!         .generate()
//!         .unwrap_or_else(|errors| panic!("{errors}"));
//! }
//! ```
//!
//! The crate then includes the file with the one line below (its name is the SDK's
//! library name; [`Builder::out_file`] changes it), and refers to `calculator_sdk::…`:
//!
//! ```ignore
//! pub mod calculator_sdk { include!(concat!(env!("OUT_DIR"), "/calculator_sdk.rs")); }
//! ```
//!
//! The file holds the same tokens the CLI spreads over an SDK crate's files and the
//! proc-macro expands to (see [`crate::sdk_tokens`]). It is written only when its contents
//! change, and cargo is told to rerun the script for exactly the manifest and the proto
//! files protox opened, imports included: not whole include directories, which would
//! rebuild on any unrelated file (tonic-build's own `emit_rerun_if_changed` is never
//! applied, tonic #2511).

use std::path::PathBuf;

use crate::emit::header::{Comment, with_header};
use crate::error::{Error, ErrorKind, Errors};
use crate::fileset::FileSet;
use crate::freshness::{self, Ownership};
use crate::{emit, load_in, names, sdk_tokens};

/// Generates a module's SDK from its manifest into `OUT_DIR`.
#[derive(Clone, Debug)]
pub struct Builder {
    manifest: PathBuf,
    out_file: Option<String>,
    root: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    print_rerun: bool,
}

/// What [`Builder::generate`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// The file to `include!`, inside `OUT_DIR`.
    pub path: PathBuf,
    /// Whether its contents changed (an unchanged file is not rewritten).
    pub written: bool,
    /// The files cargo reruns the build script for: the manifest and every proto opened.
    pub rerun_if_changed: Vec<PathBuf>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// `modgen.toml` in the crate's directory, written to `OUT_DIR/<sdk library name>.rs`.
    pub fn new() -> Self {
        Builder {
            manifest: PathBuf::from("modgen.toml"),
            out_file: None,
            root: None,
            out_dir: None,
            print_rerun: true,
        }
    }

    /// The manifest, relative to the crate's directory (`CARGO_MANIFEST_DIR`).
    pub fn manifest(mut self, path: impl Into<PathBuf>) -> Self {
        self.manifest = path.into();
        self
    }

    /// The file name inside `OUT_DIR` (default: the SDK's library name, `calculator_sdk.rs`).
    pub fn out_file(mut self, name: impl Into<String>) -> Self {
        self.out_file = Some(name.into());
        self
    }

    /// The directory the manifest path is relative to, instead of `CARGO_MANIFEST_DIR`.
    pub fn root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root = Some(dir.into());
        self
    }

    /// The output directory, instead of `OUT_DIR` (tests, tools).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines (default: yes; off outside cargo).
    pub fn print_rerun_if_changed(mut self, print: bool) -> Self {
        self.print_rerun = print;
        self
    }

    /// Loads the manifest and its protos, writes the SDK into the output directory, and
    /// tells cargo which files to watch. Errors are `file:line:col: message` lines.
    pub fn generate(&self) -> Result<Generated, Errors> {
        let root = self.dir(&self.root, "CARGO_MANIFEST_DIR")?;
        let out_dir = self.dir(&self.out_dir, "OUT_DIR")?;
        // Watch the manifest before loading it: when it is broken, the fixed version must
        // rerun the script.
        let manifest = root.join(&self.manifest);
        if self.print_rerun {
            println!("cargo:rerun-if-changed={}", manifest.display());
        }
        let (_, model) = load_in(&root, &self.manifest)?;
        let mut rerun_if_changed = vec![manifest];
        rerun_if_changed.extend(model.protos.opened_paths.iter().cloned());
        if self.print_rerun {
            for path in &rerun_if_changed[1..] {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }

        let body = emit::rust::print(sdk_tokens(&model)?)?;
        let text = with_header(Comment::Slashes, &model.protos.inputs, &body);
        let name = self
            .out_file
            .clone()
            .unwrap_or_else(|| format!("{}.rs", names::crate_ident(&model.sdk.crate_name)));
        let mut files = FileSet::new();
        files.text(&name, text);
        // The freshness engine every shell uses: an unchanged file keeps its mtime. OUT_DIR
        // is cargo's, shared with other build outputs: no orphans there, and no hand edits
        // to respect (`force`).
        let cannot_write = |e: &dyn std::fmt::Display| {
            Error::new(ErrorKind::Output, format!("cannot write the SDK: {e}"))
                .in_file(out_dir.join(&name).display().to_string())
        };
        let survey = freshness::survey(&out_dir, &files, &Ownership::default())
            .map_err(|e| cannot_write(&e))?;
        let applied = freshness::apply(&out_dir, &survey, true).map_err(|e| cannot_write(&e))?;
        Ok(Generated {
            path: out_dir.join(&name),
            written: !applied.written.is_empty(),
            rerun_if_changed,
        })
    }

    fn dir(&self, set: &Option<PathBuf>, variable: &str) -> Result<PathBuf, Error> {
        if let Some(dir) = set {
            return Ok(dir.clone());
        }
        std::env::var_os(variable)
            .map(PathBuf::from)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Output,
                    format!("`{variable}` is not set: run this from a build script"),
                )
            })
    }
}
