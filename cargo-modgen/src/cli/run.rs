//! `cargo modgen run`: build the workspace, then run the host until Ctrl-C: in-process
//! (directory plus every module of `host.yaml`, out of process) when every module is
//! `type: oop`, else the workspace's host binary, which links the `type: local` ones
//! (`host_process.rs`).

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use cargo_metadata::{Artifact, Message};
use modgen_runtime::host::{self, HostConfig, RuntimeKind};
use modgen_runtime::lifecycle;

use super::workspace::{MANIFEST_FILE, directory_endpoint_file, find_manifest, module_dirs};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The workspace's modgen.toml (default: the nearest one above the current directory).
    #[arg(long)]
    pub manifest_path: Option<PathBuf>,
    /// The host YAML (default: host.yaml beside modgen.toml).
    #[arg(long)]
    pub host_config: Option<PathBuf>,
    /// Build and run the release profile.
    #[arg(long)]
    pub release: bool,
}

pub fn run(args: &RunArgs) -> Result<ExitCode, String> {
    let manifest = find_manifest(args.manifest_path.as_deref())?;
    let root = manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let host_yaml = args
        .host_config
        .clone()
        .unwrap_or_else(|| root.join("host.yaml"));
    // Read before building so a broken host.yaml fails in a second, not after a build.
    let mut config = HostConfig::from_yaml_file(&host_yaml).map_err(|error| error.to_string())?;

    let modules = module_names(&root)?;
    let host_package = modgen::host_package_of(modules.first().map(String::as_str));
    let locals: Vec<&str> = config
        .modules
        .iter()
        .filter(|module| module.runtime.kind == RuntimeKind::Local)
        .map(|module| module.name.as_str())
        .collect();
    let runs_host = !locals.is_empty();
    if runs_host {
        check_linking_host(&root, &host_yaml, &modules, &host_package, &locals)?;
    }
    let packages = packages_to_build(&root, &modules, &host_package, runs_host)?;
    let binaries = build(&root, &packages, args.release)?;
    if runs_host {
        let binary = binaries.get(&host_package).ok_or_else(|| {
            format!(
                "cargo built no `{host_package}` binary: is `{}` a member of the workspace?",
                modgen::HOST_DIR
            )
        })?;
        return super::host_process::run(binary, &host_yaml, &root);
    }
    point_at_built_binaries(&mut config, &binaries);
    run_in_process(config, &root)
}

/// The host library in this process, every module of `config` out of process.
fn run_in_process(config: HostConfig, root: &Path) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    runtime.block_on(async {
        lifecycle::hook_signals().map_err(|error| format!("cannot hook signals: {error}"))?;
        let running = host::start(config, lifecycle::root_token())
            .await
            .map_err(|error| error.to_string())?;
        let endpoint_file = directory_endpoint_file(root);
        announce_endpoint(&endpoint_file, running.directory_endpoint());
        let outcome = running.wait().await.map_err(|error| error.to_string());
        let _ = std::fs::remove_file(&endpoint_file);
        Ok(if outcome?.is_clean() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

/// The names of the workspace's modules, in the host's order; only their manifests are
/// read (the build compiles the protos).
fn module_names(root: &Path) -> Result<Vec<String>, String> {
    module_dirs(root, None)?
        .iter()
        .map(|dir| {
            let manifest = modgen::read_manifest(&root.join(dir).join(MANIFEST_FILE))
                .map_err(|errors| errors.to_string())?;
            Ok(manifest.module_name.value)
        })
        .collect()
}

/// Refuses a workspace without a host package (`package`) to link the `type: local`
/// modules `locals`, and a local module it does not link.
fn check_linking_host(
    root: &Path,
    host_yaml: &Path,
    modules: &[String],
    package: &str,
    locals: &[&str],
) -> Result<(), String> {
    if !super::host_crate::keeps_host_crate(root) || !root.join(modgen::HOST_DIR).is_dir() {
        return Err(format!(
            "{}: `type: local` modules ({}) run inside the workspace's host binary, and {} has \
             none; run `cargo modgen generate` there to create `{}/`",
            host_yaml.display(),
            locals.join(", "),
            root.display(),
            modgen::HOST_DIR
        ));
    }
    if let Some(missing) = locals
        .iter()
        .find(|name| !modules.iter().any(|module| module == *name))
    {
        return Err(format!(
            "{}: module '{missing}' is `type: local`, but the workspace's host binary \
             `{package}` does not link it (it links: {}); make it `type: oop`, or add the \
             module to this workspace",
            host_yaml.display(),
            modules.join(", ")
        ));
    }
    Ok(())
}

/// A workspace made by `new` (its own `[workspace]` beside modgen.toml) is built whole,
/// but for the host crate when nothing runs in it; modules whose crates are members of a
/// larger workspace (this repository's examples) build just their module crates (and the
/// host crate when it is needed) with what they depend on. Cargo says which workspace
/// `root` belongs to (`cargo metadata`), so a virtual manifest, a `[workspace]` table
/// written inline or an enclosing workspace are all read as cargo reads them.
fn packages_to_build(
    root: &Path,
    modules: &[String],
    host_package: &str,
    runs_host: bool,
) -> Result<Packages, String> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .current_dir(root)
        .no_deps()
        .exec()
        .map_err(|error| format!("cargo metadata in {}: {error}", root.display()))?;
    let same_dir = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    let has_host = metadata
        .packages
        .iter()
        .any(|p| p.name.as_str() == host_package);
    if same_dir(metadata.workspace_root.as_std_path(), root) {
        let exclude = (!runs_host && has_host).then(|| host_package.to_owned());
        return Ok(Packages::Workspace { exclude });
    }
    let mut packages = modules.to_vec();
    if runs_host {
        packages.push(host_package.to_owned());
    }
    Ok(Packages::Only(packages))
}

/// What `cargo build` builds.
enum Packages {
    /// `--workspace`, but for one package (the host crate, when nothing runs in it).
    Workspace { exclude: Option<String> },
    /// `-p` each.
    Only(Vec<String>),
}

/// `cargo build` of `packages`; returns the built
/// executables by target name, read from cargo's JSON messages so CARGO_TARGET_DIR and
/// profiles are respected.
fn build(
    root: &Path,
    packages: &Packages,
    release: bool,
) -> Result<BTreeMap<String, PathBuf>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["build", "--message-format=json-render-diagnostics"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    match packages {
        Packages::Workspace { exclude } => {
            command.arg("--workspace");
            if let Some(package) = exclude {
                command.args(["--exclude", package]);
            }
        }
        Packages::Only(packages) => {
            for package in packages {
                command.args(["-p", package]);
            }
        }
    }
    if release {
        command.arg("--release");
    }
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or("cargo's output is not readable")?;
    let mut binaries = BTreeMap::new();
    for message in Message::parse_stream(BufReader::new(stdout)) {
        let message = message.map_err(|error| format!("reading cargo's output: {error}"))?;
        if let Message::CompilerArtifact(Artifact {
            target,
            executable: Some(executable),
            ..
        }) = message
        {
            binaries.insert(target.name, executable.into_std_path_buf());
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("waiting for cargo: {error}"))?;
    if !status.success() {
        return Err(format!(
            "cargo build failed in {} ({status})",
            root.display()
        ));
    }
    Ok(binaries)
}

/// host.yaml names `target/debug/<bin>`, which is wrong under another CARGO_TARGET_DIR or
/// `--release`: a module whose executable has the name of a binary just built runs that
/// binary.
fn point_at_built_binaries(config: &mut HostConfig, binaries: &BTreeMap<String, PathBuf>) {
    for module in &mut config.modules {
        let execution = &mut module.runtime.execution;
        let built = execution
            .executable_path
            .file_name()
            .and_then(|name| binaries.get(name.to_string_lossy().as_ref()));
        if let Some(built) = built {
            execution.executable_path = built.clone();
        }
    }
}

/// Remembers the running host's directory for `cargo modgen call` and tells the user how
/// to call.
pub(super) fn announce_endpoint(file: &Path, endpoint: &str) {
    remember_endpoint(file, endpoint);
    eprintln!(
        "modgen: call a module with `cargo modgen call <package.Service>/<Method> '<json>'` \
         (directory {endpoint}); Ctrl-C stops everything"
    );
}

fn remember_endpoint(file: &Path, endpoint: &str) {
    let written = file
        .parent()
        .map(std::fs::create_dir_all)
        .unwrap_or(Ok(()))
        .and_then(|()| std::fs::write(file, endpoint));
    if let Err(error) = written {
        eprintln!(
            "modgen: warning: cannot write {} ({error}); pass --directory {endpoint} to `call`",
            file.display()
        );
    }
}
