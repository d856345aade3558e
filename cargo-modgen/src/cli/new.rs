//! `cargo modgen new <name>`: a module workspace that builds and runs at once; inside an
//! existing one (and without `--dir`), a module added to it (`new_member.rs`).
//!
//! Everything is built in a staging directory next to the target and renamed into place
//! at the end, so an error (a bad proto, an unknown service) leaves nothing behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use modgen::scaffold::{self, ManifestText};
use modgen::{FileSet, Manifest, Owner, RuntimeDep, WorkspaceOptions};

/// This checkout's runtime, which a workspace made here depends on by default: it then
/// builds offline, from the same sources as the generator that wrote it.
const CHECKOUT_RUNTIME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime-min");

/// The registry version used when this checkout's runtime is not on disk (an installed
/// binary whose sources moved).
const REGISTRY_RUNTIME: &str = concat!("=", env!("CARGO_PKG_VERSION"));

#[derive(clap::Args, Debug)]
pub struct NewArgs {
    /// The module's name: lowercase letters, digits, `-` and `_`, starting with a letter.
    pub name: String,
    /// Build the module from this proto instead of the starter one (repeatable).
    #[arg(long, value_name = "FILE")]
    pub proto: Vec<PathBuf>,
    /// An include root for `--proto`'s imports; the imported files are copied too.
    #[arg(long, value_name = "DIR", requires = "proto")]
    pub include: Vec<PathBuf>,
    /// Generate for this service only (`pkg.Service` or `Service`; repeatable).
    #[arg(long, value_name = "NAME", requires = "proto")]
    pub service: Vec<String>,
    /// Where to create the workspace (default: `./<name>`). Must not exist, or be empty.
    /// Without it, inside a module workspace, the module is added to that workspace.
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// Depend on this registry version of modgen-runtime.
    #[arg(long, value_name = "VER", conflicts_with = "runtime_path")]
    pub runtime_version: Option<String>,
    /// Depend on the modgen-runtime at this path (default: this checkout's runtime-min).
    #[arg(long, value_name = "PATH")]
    pub runtime_path: Option<PathBuf>,
}

pub fn run(args: &NewArgs) -> Result<(), String> {
    modgen::names::check_package_name(&args.name)
        .map_err(|why| format!("invalid module name `{}`: {why}", args.name))?;
    if args.name == modgen::HOST_DIR {
        return Err(format!(
            "invalid module name `{}`: the workspace's host crate lives in `{}/`",
            args.name,
            modgen::HOST_DIR
        ));
    }
    if args.dir.is_none() {
        let here = std::env::current_dir()
            .map_err(|e| format!("cannot read the current directory: {e}"))?;
        if let Some(root) = super::new_member::enclosing_workspace(&here) {
            return super::new_member::run(args, &root);
        }
    }
    let target = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    refuse_non_empty(&target)?;
    let runtime = runtime_dep(args)?;
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let staging = Staging::create(&parent, &args.name)?;

    let manifest_text = write_inputs(args, staging.path())?;
    let manifest = Manifest::parse(&manifest_text, "modgen.toml").map_err(|e| e.to_string())?;
    let model = modgen::load_manifest(&manifest, staging.path(), "modgen.toml")
        .map_err(|e| e.to_string())?;
    let options = WorkspaceOptions {
        runtime: runtime.clone(),
        cargo_workspace: true,
        target_dir: "target".to_string(),
    };
    let files = modgen::generate_workspace(&model, &options).map_err(|e| e.to_string())?;
    modgen::write_fileset(staging.path(), &files)
        .map_err(|e| format!("cannot write into {}: {e}", staging.path().display()))?;
    modgen::baseline::write(staging.path(), &model)
        .map_err(|e| format!("cannot write into {}: {e}", staging.path().display()))?;
    format_user_rust(staging.path(), &files);
    staging.finish(&target)?;

    println!("Created module `{}` in {}", args.name, target.display());
    println!(
        "  {}/src/service.rs   your implementation (stubs answer UNIMPLEMENTED)",
        model.module.name
    );
    println!(
        "  {}/               the SDK, generated",
        model.sdk.crate_name
    );
    println!(
        "  {}/                        the host binary linking the modules (`type: local`), generated",
        modgen::HOST_DIR
    );
    if let RuntimeDep::Path(path) = &runtime {
        println!("  modgen-runtime from {path}");
    }
    println!(
        "Next: cd {} && cargo build && cargo modgen run",
        target.display()
    );
    Ok(())
}

/// The user's Rust files come from prettyplease, whose line breaks and import order differ
/// from rustfmt's: without this, the first `cargo fmt --check` in a fresh workspace fails.
/// (Generated files carry `rustfmt::skip` instead: they must stay as generated.) Best
/// effort: without rustfmt on PATH, or if it fails, the files stay as printed, which
/// builds all the same. Run in the staging directory, so that a `rustfmt.toml` above the
/// target applies as it will to the user's own `cargo fmt`.
pub(super) fn format_user_rust(root: &Path, files: &FileSet) {
    let paths: Vec<PathBuf> = files
        .files()
        .iter()
        .filter(|file| file.owner == Owner::User)
        .filter(|file| file.path.extension().is_some_and(|ext| ext == "rs"))
        .map(|file| root.join(&file.path))
        .collect();
    if paths.is_empty() {
        return;
    }
    // The edition of the crates `generate_workspace` writes; rustfmt alone defaults to 2015.
    let _ = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(&paths)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

pub(super) fn refuse_non_empty(target: &Path) -> Result<(), String> {
    match fs::read_dir(target) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                Err(format!(
                    "{} exists and is not empty; choose another --dir",
                    target.display()
                ))
            } else {
                Ok(())
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(format!(
            "{} exists and is not a directory",
            target.display()
        )),
        Err(e) => Err(format!("cannot read {}: {e}", target.display())),
    }
}

pub(super) fn runtime_dep(args: &NewArgs) -> Result<RuntimeDep, String> {
    if let Some(version) = &args.runtime_version {
        return Ok(RuntimeDep::Version(version.clone()));
    }
    if let Some(path) = &args.runtime_path {
        // Absolute, because both crates sit one directory below the workspace root.
        let absolute = path
            .canonicalize()
            .map_err(|e| format!("--runtime-path {}: {e}", path.display()))?;
        if !absolute.join("Cargo.toml").is_file() {
            return Err(format!(
                "--runtime-path {}: no Cargo.toml there",
                path.display()
            ));
        }
        return Ok(RuntimeDep::Path(absolute.display().to_string()));
    }
    match Path::new(CHECKOUT_RUNTIME).canonicalize() {
        Ok(path) if path.join("Cargo.toml").is_file() => {
            Ok(RuntimeDep::Path(path.display().to_string()))
        }
        _ => {
            eprintln!(
                "note: this checkout's runtime-min is gone ({CHECKOUT_RUNTIME}); depending on modgen-runtime {REGISTRY_RUNTIME} from the registry"
            );
            Ok(RuntimeDep::Version(REGISTRY_RUNTIME.to_string()))
        }
    }
}

/// Writes `proto/` and `modgen.toml` into `root`; returns the manifest's text.
pub(super) fn write_inputs(args: &NewArgs, root: &Path) -> Result<String, String> {
    let (proto_files, sample_config) = if args.proto.is_empty() {
        let path = scaffold::starter_proto_path(&args.name);
        write(&root.join(&path), &scaffold::starter_proto(&args.name))?;
        let name = path.strip_prefix("proto/").unwrap_or(&path).to_string();
        (vec![name], true)
    } else {
        (copy_protos(args, &root.join("proto"))?, false)
    };
    let text = ManifestText {
        module_name: args.name.clone(),
        proto_files,
        services: args.service.clone(),
        sample_config,
    }
    .render();
    write(&root.join("modgen.toml"), &text)?;
    Ok(text)
}

/// Compiles the user's protos where they are (so errors point at the user's files), then
/// copies every file that was opened, imports included, under `dest` by its import name.
/// Returns the names of the `--proto` files.
fn copy_protos(args: &NewArgs, dest: &Path) -> Result<Vec<String>, String> {
    let absolute = |path: &Path, what: &str| {
        path.canonicalize()
            .map_err(|e| format!("{what} {}: {e}", path.display()))
    };
    let protos = args
        .proto
        .iter()
        .map(|p| absolute(p, "--proto"))
        .collect::<Result<Vec<_>, _>>()?;
    // `--include` roots first: a proto under one gets its import name relative to it.
    let mut includes = args
        .include
        .iter()
        .map(|i| absolute(i, "--include"))
        .collect::<Result<Vec<_>, _>>()?;
    for proto in &protos {
        if let Some(parent) = proto.parent()
            && !includes.iter().any(|i| proto.starts_with(i))
            && !includes.contains(&parent.to_path_buf())
        {
            includes.push(parent.to_path_buf());
        }
    }
    let compiled = modgen::proto::compile(&protos, &includes).map_err(|e| e.to_string())?;
    for opened in &compiled.opened_paths {
        let opened = absolute(opened, "proto")?;
        let name = includes
            .iter()
            .find_map(|include| opened.strip_prefix(include).ok())
            .ok_or_else(|| format!("{}: outside every include root", opened.display()))?;
        let target = dest.join(name);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        fs::copy(&opened, &target).map_err(|e| format!("cannot copy {}: {e}", opened.display()))?;
    }
    Ok(compiled.file_names)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The staging directory; removed on drop unless [`Staging::finish`] moved it into place.
pub(super) struct Staging {
    path: Option<PathBuf>,
}

impl Staging {
    pub(super) fn create(parent: &Path, name: &str) -> Result<Self, String> {
        let path = parent.join(format!(".{name}.modgen-new.{}", std::process::id()));
        // A leftover of a killed run with the same pid is ours to replace.
        let _ = fs::remove_dir_all(&path);
        fs::create_dir(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Staging { path: Some(path) })
    }

    pub(super) fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new("."))
    }

    /// Renames the staging directory to `target` (which may exist if empty: rename
    /// replaces an empty directory).
    pub(super) fn finish(mut self, target: &Path) -> Result<(), String> {
        let path = self.path.clone().unwrap_or_default();
        fs::rename(&path, target)
            .map_err(|e| format!("cannot move the new workspace to {}: {e}", target.display()))?;
        self.path = None;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = fs::remove_dir_all(path);
        }
    }
}
