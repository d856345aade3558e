//! `generate`'s last step: stubs for new RPCs in the user's implementation. Reads the
//! module crate's `src/**.rs` (not the generator's `src/generated/`), asks the core for a
//! plan (`modgen::stubs`), writes each edited file by temp file + rename, and reports:
//! stubs added, stubs to paste (on stdout) with the reason they were not inserted, and
//! methods whose RPC is gone (never deleted).

use std::path::{Path, PathBuf};

use modgen::Model;
use modgen::stubs::{Mode, Outcome, SourceFile, StubPlan};

/// Runs the step for the module crate under `root`; `no_edit` prints every stub instead.
/// A workspace without the module crate's `src/` (only an SDK) has nothing to do.
pub fn add_stubs(model: &Model, root: &Path, no_edit: bool) -> Result<(), String> {
    let crate_dir = shown_join(root, &model.module.name);
    if !crate_dir.join("src").is_dir() {
        return Ok(());
    }
    let sources = read_sources(&crate_dir)?;
    let mode = if no_edit { Mode::Print } else { Mode::Edit };
    let plan = modgen::stubs::plan(model, &sources, mode);
    for edit in &plan.edits {
        modgen::freshness::write_atomically(&edit.path, edit.new_text.as_bytes())
            .map_err(|error| format!("{}: {error}", edit.path.display()))?;
    }
    report(&plan);
    Ok(())
}

fn report(plan: &StubPlan) {
    for service in &plan.services {
        let name = &service.trait_name;
        match &service.outcome {
            Outcome::Complete => {}
            Outcome::Edited { path, added } => {
                for method in added {
                    eprintln!("added stub {name}::{method} in {}", path.display());
                }
            }
            Outcome::Printed {
                reason,
                methods,
                stubs_text,
            } => {
                let methods: Vec<String> = methods.iter().map(|m| format!("{name}::{m}")).collect();
                eprintln!(
                    "warning: stubs for {} were not inserted: {reason}; they follow on stdout, to paste",
                    methods.join(", ")
                );
                println!("{stubs_text}");
            }
        }
    }
    for removed in &plan.removed {
        eprintln!(
            "warning: {}::{} ({}) has no RPC any more; it was kept, delete it when you are ready",
            removed.trait_name, removed.method, removed.at
        );
    }
}

/// `root/name`, without a leading `./` when the root is the current directory.
fn shown_join(root: &Path, name: &str) -> PathBuf {
    if root == Path::new(".") {
        PathBuf::from(name)
    } else {
        root.join(name)
    }
}

/// Every `.rs` file under `<crate>/src/` but `src/generated/`, in path order, each named
/// as messages show it (the crate directory joined with its path inside).
fn read_sources(crate_dir: &Path) -> Result<Vec<SourceFile>, String> {
    let mut sources = Vec::new();
    let mut pending = vec![PathBuf::from("src")];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(crate_dir.join(&dir))
            .map_err(|error| format!("{}: {error}", crate_dir.join(&dir).display()))?;
        for entry in entries {
            let entry = entry.map_err(|error| format!("{}: {error}", dir.display()))?;
            let relative = dir.join(entry.file_name());
            let shown = crate_dir.join(&relative);
            if shown.is_dir() {
                if relative != Path::new("src/generated") {
                    pending.push(relative);
                }
            } else if relative.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&shown)
                    .map_err(|error| format!("{}: {error}", shown.display()))?;
                sources.push(SourceFile { path: shown, text });
            }
        }
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(sources)
}
