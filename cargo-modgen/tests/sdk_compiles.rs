//! Slow (a cargo build of every generated SDK; about a minute with a warm target dir):
//! generates the SDK of every corpus proto and of the stress proto into one temporary
//! workspace and requires `cargo clippy --all-targets -- -D warnings` to pass on it.
//!
//! The workspace shares this repository's target dir and `Cargo.lock`, so it compiles
//! only the generated crates; `--offline` proves no dependency outside the lock is needed.

mod common;

use std::path::Path;
use std::process::Command;

use modgen::{RuntimeDep, SdkOptions};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

#[test]
fn every_generated_sdk_is_clippy_clean() {
    let workspace = tempfile::Builder::new()
        .prefix("modgen-sdks-")
        .tempdir()
        .unwrap();
    let runtime = Path::new(REPO).join("runtime-min").canonicalize().unwrap();
    let options = SdkOptions {
        runtime: RuntimeDep::Path(runtime.display().to_string()),
    };
    let mut members = Vec::new();
    for case in common::CASES {
        let dir = format!("{}-sdk", case.name);
        modgen::write_fileset(&workspace.path().join(&dir), &case.sdk(&options)).unwrap();
        members.push(format!("\"{dir}\""));
    }
    std::fs::write(
        workspace.path().join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
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
        "clippy failed on the generated SDKs in {}:\n{stderr}",
        workspace.keep().display()
    );
}
