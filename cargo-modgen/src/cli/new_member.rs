//! `cargo modgen new <name>` inside a module workspace: adds the module to it instead of
//! creating a workspace of its own. The module gets its own directory `<root>/<name>/`
//! (its `modgen.toml`, protos, SDK and module crates, and a `host.yaml` that runs it
//! alone); the workspace's `Cargo.toml` lists its two crates and the workspace's
//! `host.yaml` runs it beside the others.
//!
//! Everything is computed before anything is written: a taken name or an unreadable
//! `Cargo.toml` leaves the workspace as it was.

use std::fs;
use std::path::{Path, PathBuf};

use modgen::workspace::Target;
use modgen::{FileState, Manifest, Model, Survey, WorkspaceOptions, members};

use super::new::{NewArgs, Staging, format_user_rust, refuse_non_empty, runtime_dep, write_inputs};
use super::workspace::{MANIFEST_FILE, module_dirs};

/// The nearest directory at or above `from` holding a `Cargo.toml` with a `[workspace]`
/// table and a `host.yaml`: a workspace `new` made (or one shaped like it).
pub fn enclosing_workspace(from: &Path) -> Option<PathBuf> {
    from.ancestors()
        .find(|dir| {
            dir.join("host.yaml").is_file()
                && fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|text| {
                    text.parse::<toml_edit::DocumentMut>()
                        .is_ok_and(|doc| doc.contains_table("workspace"))
                })
        })
        .map(Path::to_path_buf)
}

pub fn run(args: &NewArgs, root: &Path) -> Result<(), String> {
    let name = &args.name;
    let target = root.join(name);
    refuse_non_empty(&target)?;
    let runtime = runtime_dep(args)?;
    let staging = Staging::create(root, name)?;

    let manifest_text = write_inputs(args, staging.path())?;
    let manifest = Manifest::parse(&manifest_text, "modgen.toml").map_err(|e| e.to_string())?;
    let model = modgen::load_manifest(&manifest, staging.path(), "modgen.toml")
        .map_err(|e| e.to_string())?;
    let options = WorkspaceOptions {
        runtime,
        cargo_workspace: false,
        // The workspace's target directory, one level up from the module's.
        target_dir: "../target".to_string(),
    };
    let files = modgen::generate_workspace(&model, &options).map_err(|e| e.to_string())?;
    modgen::write_fileset(staging.path(), &files)
        .map_err(|e| format!("cannot write into {}: {e}", staging.path().display()))?;
    modgen::baseline::write(staging.path(), &model)
        .map_err(|e| format!("cannot write into {}: {e}", staging.path().display()))?;
    format_user_rust(staging.path(), &files);

    // The crates are the generated directories holding a Cargo.toml; the SDK first, as
    // `new` lists them.
    let mut crates: Vec<String> = files
        .files()
        .iter()
        .filter(|file| file.path.file_name().is_some_and(|f| f == "Cargo.toml"))
        .filter_map(|file| file.path.parent()?.to_str().map(str::to_owned))
        .filter(|dir| !dir.is_empty())
        .map(|dir| format!("{name}/{dir}"))
        .collect();
    let sdk = format!("{name}/{}", model.sdk.crate_name);
    crates.sort_by_key(|member| *member != sdk);
    // The host crate links every module, so it is regenerated with this one in it (and
    // listed, for a workspace made before there was one).
    let (host, host_survey) = host_with(root, name, &model)?;
    crates.push(modgen::HOST_DIR.to_owned());
    let cargo_path = root.join("Cargo.toml");
    let cargo_toml = members::add_cargo_members(
        &read(&cargo_path)?,
        &cargo_path.display().to_string(),
        &crates,
    )?;
    let host_path = root.join("host.yaml");
    let entries = members::module_entries(&read(&staging.path().join("host.yaml"))?, |path| {
        path.strip_prefix("../").unwrap_or(path).to_owned()
    })?;
    let host_yaml = members::add_host_modules(
        &read(&host_path)?,
        &host_path.display().to_string(),
        name,
        &entries,
    )?;

    staging.finish(&target)?;
    replace(&cargo_path, &cargo_toml)?;
    replace(&host_path, &host_yaml)?;
    modgen::freshness::apply(&host.root, &host_survey, false).map_err(|e| e.to_string())?;

    println!(
        "Added module `{name}` to the workspace at {}",
        root.display()
    );
    println!(
        "  {name}/{}/src/service.rs   your implementation",
        model.module.name
    );
    println!("  Cargo.toml   members += {}", crates.join(", "));
    println!("  host.yaml    modules += {name}");
    println!("  {}/        links {name} too", modgen::HOST_DIR);
    println!("Next: cargo build && cargo modgen run");
    Ok(())
}

/// The workspace's host crate with the module `name` added, and how its files on disk
/// stand; refused when one was edited by hand (nothing is written then).
fn host_with(root: &Path, name: &str, model: &Model) -> Result<(Target, Survey), String> {
    // In the order `generate` lists the modules: the file written now is then fresh.
    let modules = module_dirs(root, Some(Path::new(name)))?
        .into_iter()
        .map(|dir| {
            let model = if dir == Path::new(name) {
                model.clone()
            } else {
                modgen::load(&root.join(&dir).join(MANIFEST_FILE)).map_err(|e| e.to_string())?
            };
            Ok((dir, model))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let host = super::host_crate::target(root, &modules)?;
    let survey = modgen::freshness::survey(&host.root, &host.files, &host.ownership)
        .map_err(|e| e.to_string())?;
    if let Some(edited) = survey.problems().find(|f| f.state == FileState::Edited) {
        return Err(format!(
            "{}: edited by hand; run `cargo modgen generate --force` first, then add the module",
            root.join(&edited.path).display()
        ));
    }
    Ok((host, survey))
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Writes beside, then renames over: a reader never sees half a file.
fn replace(path: &Path, text: &str) -> Result<(), String> {
    let temporary = path.with_extension(format!("modgen-new.{}", std::process::id()));
    fs::write(&temporary, text)
        .and_then(|()| fs::rename(&temporary, path))
        .map_err(|e| {
            let _ = fs::remove_file(&temporary);
            format!("cannot write {}: {e}", path.display())
        })
}
