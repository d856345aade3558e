//! `cargo modgen generate`: refresh the generator-owned files from `modgen.toml`.
//!
//! User-owned files are never written here (`new` creates them once). A generated file
//! whose body no longer matches the hash in its header was edited by hand: it is listed
//! and nothing is written unless `--force` says to overwrite it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use modgen::{Contents, FileSet, HeaderState, Owner, RuntimeDep, SdkOptions, WorkspaceOptions};

use super::workspace::find_manifest;

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// The module manifest (default: the nearest modgen.toml above the current directory).
    #[arg(long, alias = "manifest-path")]
    pub manifest: Option<PathBuf>,
    /// Generate only the SDK crate, into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Depend on modgen-runtime by this path (relative to each generated crate) instead of
    /// what the workspace's SDK already depends on.
    #[arg(long, conflicts_with = "runtime_version")]
    pub runtime_path: Option<String>,
    /// Depend on this crates.io version of modgen-runtime.
    #[arg(long)]
    pub runtime_version: Option<String>,
    /// Overwrite generated files even when they were edited by hand.
    #[arg(long)]
    pub force: bool,
    /// Print the stubs for new RPCs instead of adding them to your impl blocks.
    #[arg(long)]
    pub no_edit: bool,
}

pub fn run(args: &GenerateArgs) -> Result<ExitCode, String> {
    let manifest = find_manifest(args.manifest.as_deref())?;
    let model = modgen::load(&manifest).map_err(|errors| errors.to_string())?;
    let root = manifest
        .parent()
        // `--manifest modgen.toml` has an empty parent, which reads badly in messages.
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));

    let (out, files, generated_dirs) = match &args.out {
        Some(out) => {
            let runtime = chosen_runtime(args).unwrap_or_else(|| SdkOptions::default().runtime);
            let files = modgen::generate_sdk(&model, &SdkOptions { runtime })
                .map_err(|errors| errors.to_string())?;
            // `--out` may name any directory: nothing there is assumed to be ours to remove.
            (out.clone(), files, Vec::new())
        }
        None => {
            let sdk_dir = root.join(&model.sdk.crate_name);
            let runtime = chosen_runtime(args)
                .or_else(|| runtime_of_existing_sdk(&sdk_dir))
                .unwrap_or_else(|| SdkOptions::default().runtime);
            let options = WorkspaceOptions {
                runtime,
                cargo_workspace: root.join("Cargo.toml").is_file(),
                target_dir: "target".to_owned(),
            };
            let files = modgen::generate_workspace(&model, &options)
                .map_err(|errors| errors.to_string())?;
            let generated_dirs = vec![
                PathBuf::from(&model.sdk.crate_name),
                Path::new(&model.module.name).join("src").join("generated"),
            ];
            (root.clone(), generator_owned(files), generated_dirs)
        }
    };

    if !args.force {
        refuse_hand_edited(&out, &files)?;
    }
    let stale = stale_generated_files(&out, &generated_dirs, &files);
    let report = modgen::write_fileset(&out, &files)
        .map_err(|error| format!("{}: {error}", out.display()))?;
    for path in &stale {
        std::fs::remove_file(out.join(path))
            .map_err(|error| format!("{}: {error}", out.join(path).display()))?;
    }
    eprintln!(
        "{}: {} written, {} unchanged, {} removed",
        out.display(),
        report.written.len(),
        report.unchanged.len(),
        stale.len()
    );

    // Stubs for new RPCs in the user's impls (`--out` generates an SDK alone: no impls).
    if args.out.is_none() {
        super::stubs::add_stubs(&model, &root, args.no_edit)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Files an earlier `generate` wrote that this one no longer produces (a renamed proto
/// package, a removed service). Only inside directories that belong to the generator, and
/// only files whose header is intact, so nothing a person wrote or edited is removed.
fn stale_generated_files(root: &Path, dirs: &[PathBuf], files: &FileSet) -> Vec<PathBuf> {
    let wanted: std::collections::BTreeSet<&Path> = files
        .files()
        .iter()
        .map(|file| file.path.as_path())
        .collect();
    let mut stale = Vec::new();
    let mut pending: Vec<PathBuf> = dirs.to_vec();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let relative = dir.join(entry.file_name());
            match entry.file_type() {
                Ok(kind) if kind.is_dir() && entry.file_name() != "target" => {
                    pending.push(relative)
                }
                Ok(kind) if kind.is_file() && !wanted.contains(relative.as_path()) => {
                    let generated = std::fs::read_to_string(entry.path())
                        .is_ok_and(|text| modgen::verify_header(&text) == HeaderState::Intact);
                    if generated {
                        stale.push(relative);
                    }
                }
                _ => {}
            }
        }
    }
    stale.sort();
    stale
}

fn chosen_runtime(args: &GenerateArgs) -> Option<RuntimeDep> {
    match (&args.runtime_path, &args.runtime_version) {
        (Some(path), _) => Some(RuntimeDep::Path(path.clone())),
        (None, Some(version)) => Some(RuntimeDep::Version(version.clone())),
        (None, None) => None,
    }
}

/// Regeneration keeps the runtime dependency `new` chose: it is read back from the SDK's
/// own (generated) Cargo.toml.
fn runtime_of_existing_sdk(sdk_dir: &Path) -> Option<RuntimeDep> {
    let text = std::fs::read_to_string(sdk_dir.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = text.parse().ok()?;
    let dependency = manifest.get("dependencies")?.get("modgen-runtime")?;
    if let Some(path) = dependency.get("path").and_then(toml::Value::as_str) {
        return Some(RuntimeDep::Path(path.to_owned()));
    }
    dependency
        .get("version")
        .and_then(toml::Value::as_str)
        .or_else(|| dependency.as_str())
        .map(|version| RuntimeDep::Version(version.to_owned()))
}

fn generator_owned(files: FileSet) -> FileSet {
    let mut owned = FileSet::new();
    for file in files.files() {
        if file.owner == Owner::Generator {
            owned.insert(file.clone());
        }
    }
    owned
}

/// A file at a generated path that does not carry an intact header is someone's work: an
/// edited body, or a header removed (which hides any edit below it), or a file modgen
/// never wrote. Binary files (the descriptor set) have no header and are always ours.
fn refuse_hand_edited(root: &Path, files: &FileSet) -> Result<(), String> {
    let edited: Vec<String> = files
        .files()
        .iter()
        .filter(|file| file.owner == Owner::Generator)
        .filter(|file| matches!(file.contents, Contents::Text(_)))
        .filter_map(|file| {
            let path = root.join(&file.path);
            let bytes = std::fs::read(&path).ok()?;
            let intact = std::str::from_utf8(&bytes)
                .is_ok_and(|text| modgen::verify_header(text) == HeaderState::Intact);
            (!intact).then(|| path.display().to_string())
        })
        .collect();
    if edited.is_empty() {
        return Ok(());
    }
    Err(format!(
        "generated files were edited by hand (or lost their `@generated` header); nothing was written (pass --force to overwrite them):\n{}",
        edited.join("\n")
    ))
}
