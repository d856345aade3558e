//! Slow (a cargo check of every generated crate): the module crate of every corpus proto
//! and of the stress proto (several services, config, messages named `Box`, `Option`,
//! `Vec`), generated with its SDK into one temporary workspace, must pass
//! `cargo clippy --all-targets -- -D warnings`. Shares this repository's target dir and
//! `Cargo.lock`, so only the generated crates compile; `--offline` proves nothing else is
//! needed.

mod common;

use std::path::Path;
use std::process::Command;

use modgen::{RuntimeDep, WorkspaceOptions};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

#[test]
fn every_generated_module_crate_is_clippy_clean() {
    let workspace = tempfile::Builder::new()
        .prefix("modgen-modules-")
        .tempdir()
        .unwrap();
    let runtime = Path::new(REPO).join("runtime-min").canonicalize().unwrap();
    let options = WorkspaceOptions {
        runtime: RuntimeDep::Path(runtime.display().to_string()),
        cargo_workspace: false,
        target_dir: "target".into(),
    };
    let mut members = Vec::new();
    for case in common::CASES {
        let model = case.model();
        let files = modgen::generate_workspace(&model, &options)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        modgen::write_fileset(&workspace.path().join(case.name), &files).unwrap();
        members.push(format!("\"{}/{}\"", case.name, model.sdk.crate_name));
        members.push(format!("\"{}/{}\"", case.name, model.module.name));
    }
    // The repository's dev profile, so its compiled dependencies are reused.
    std::fs::write(
        workspace.path().join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n",
            members.join(", ")
        ),
    )
    .unwrap();
    std::fs::copy(
        Path::new(REPO).join("Cargo.lock"),
        workspace.path().join("Cargo.lock"),
    )
    .unwrap();

    let output = Command::new(env!("CARGO"))
        .args([
            "clippy",
            "--all-targets",
            "--offline",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(workspace.path())
        .env("CARGO_TARGET_DIR", Path::new(REPO).join("target"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "clippy failed on the generated modules in {}:\n{stderr}",
        workspace.keep().display()
    );
}
