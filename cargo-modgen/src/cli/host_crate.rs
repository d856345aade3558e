//! The workspace's host crate (`host/`) from the shells' side: which modules it links,
//! whether the workspace keeps one, and bringing it up to date through the freshness
//! engine, as `generate` and `check` do for every other generated file.

use std::path::{Path, PathBuf};

use modgen::workspace::{Target, host_target};
use modgen::{HOST_DIR, HostMember, Model};

use super::workspace::MANIFEST_FILE;

/// The modules of the workspace at `root`, in the host's order: the root's own module,
/// then each module added to it (`<root>/<dir>/modgen.toml`) in name order. Each with
/// its directory relative to the root. Hidden directories are not modules (`new` stages
/// a module in one before moving it into place).
pub fn workspace_modules(root: &Path) -> Result<Vec<(PathBuf, Model)>, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|error| format!("cannot read {}: {error}", root.display()))?
        .filter_map(Result::ok)
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .filter(|entry| entry.path().join(MANIFEST_FILE).is_file())
        .map(|entry| PathBuf::from(entry.file_name()))
        .collect();
    dirs.sort();
    std::iter::once(PathBuf::new())
        .chain(dirs)
        .map(|dir| {
            let model = modgen::load(&root.join(&dir).join(MANIFEST_FILE))
                .map_err(|errors| errors.to_string())?;
            Ok((dir, model))
        })
        .collect()
}

/// A workspace keeps a host crate when `new` made it (a root `Cargo.toml` with a
/// `[workspace]` table) or when it already has one (the repository's examples, whose
/// crates are members of an enclosing workspace). A module added to a workspace is not
/// a workspace of its own: its parent holds a `modgen.toml`.
pub fn keeps_host_crate(root: &Path) -> bool {
    let is_member = root
        .canonicalize()
        .ok()
        .and_then(|dir| dir.parent().map(|parent| parent.join(MANIFEST_FILE)))
        .is_some_and(|parent| parent.is_file());
    if is_member {
        return false;
    }
    root.join(HOST_DIR).join("Cargo.toml").is_file()
        || std::fs::read_to_string(root.join("Cargo.toml")).is_ok_and(|text| {
            text.parse::<toml_edit::DocumentMut>()
                .is_ok_and(|doc| doc.contains_table("workspace"))
        })
}

/// The host crate's generated files for `modules` (as [`workspace_modules`] lists them).
pub fn target(root: &Path, modules: &[(PathBuf, Model)]) -> Result<Target, String> {
    let members: Vec<HostMember<'_>> = modules
        .iter()
        .map(|(dir, model)| HostMember { dir, model })
        .collect();
    host_target(root, &members, None).map_err(|errors| errors.to_string())
}

/// The host crate of the workspace whose root holds `manifest`, when it keeps one.
pub fn target_for(manifest: &Path) -> Result<Option<Target>, String> {
    let root = super::generate::workspace_root(manifest);
    if !keeps_host_crate(&root) {
        return Ok(None);
    }
    target(&root, &workspace_modules(&root)?).map(Some)
}

/// A note when the root `Cargo.toml` has a `[workspace]` whose members lack the host
/// crate (a workspace made before there was one): cargo would not build it.
pub fn unlisted_note(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let document = text.parse::<toml_edit::DocumentMut>().ok()?;
    let members = document.get("workspace")?.get("members")?.as_array()?;
    if members
        .iter()
        .any(|member| member.as_str() == Some(HOST_DIR))
    {
        return None;
    }
    Some(format!(
        "note: add \"{HOST_DIR}\" to [workspace].members in {} so that cargo builds the host \
         binary (`type: local` modules run in it)",
        root.join("Cargo.toml").display()
    ))
}
