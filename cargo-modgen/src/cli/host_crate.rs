//! The workspace's host crate (`host/`) from the shells' side: which modules it links,
//! whether the workspace keeps one, and bringing it up to date through the freshness
//! engine, as `generate` and `check` do for every other generated file.

use std::path::{Path, PathBuf};

use modgen::workspace::{Target, host_target};
use modgen::{HOST_DIR, HostMember, Model};

use super::workspace::MANIFEST_FILE;

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

/// The host crate's generated files for `modules`, each with its directory relative to
/// `root`, in the order `workspace::module_dirs` lists them.
pub fn target(root: &Path, modules: &[(PathBuf, Model)]) -> Result<Target, String> {
    let members: Vec<HostMember<'_>> = modules
        .iter()
        .map(|(dir, model)| HostMember { dir, model })
        .collect();
    host_target(root, &members, None).map_err(|errors| errors.to_string())
}

/// The host crate of the workspace at `root` (`modules` as for [`target`]), when it
/// keeps one.
pub fn target_for(root: &Path, modules: &[(PathBuf, Model)]) -> Result<Option<Target>, String> {
    if !keeps_host_crate(root) {
        return Ok(None);
    }
    target(root, modules).map(Some)
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
