//! `cargo modgen new` inside a module workspace adds the module to it: its directory, the
//! workspace's `Cargo.toml` members (edited, the user's comments kept) and its
//! `host.yaml` entry; a taken name changes nothing. No build here (see
//! `new_workspace_builds.rs`); `cargo metadata` proves cargo sees every member.

use std::path::Path;
use std::process::{Command, Output};

fn modgen(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn new(name: &str, cwd: &Path) -> Output {
    modgen(&["new", name, "--runtime-version", "0.1.0"], cwd)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// A `calc` workspace whose Cargo.toml the user has commented.
fn calc_workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let base = tempfile::tempdir().unwrap();
    let output = new("calc", base.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let root = base.path().join("calc");
    let cargo = root.join("Cargo.toml");
    std::fs::write(
        &cargo,
        format!("# Our services, one crate pair each.\n{}", read(&cargo)),
    )
    .unwrap();
    (base, root)
}

#[test]
fn new_inside_a_workspace_adds_the_module_to_its_members_and_host() {
    let (_base, root) = calc_workspace();
    // From inside one of the workspace's crates, as from its root.
    let output = new("greeter", &root.join("calc"));
    assert!(output.status.success(), "{}", stderr(&output));

    let cargo = read(&root.join("Cargo.toml"));
    assert!(
        cargo.starts_with("# Our services, one crate pair each.\n"),
        "{cargo}"
    );
    let members = cargo
        .lines()
        .find(|line| line.starts_with("members"))
        .unwrap();
    assert_eq!(
        members,
        r#"members = ["calc-sdk", "calc", "host", "greeter/greeter-sdk", "greeter/greeter"]"#
    );
    // The host binary links the added module too, so `type: local` can run it.
    let host_main = read(&root.join("host/src/main.rs"));
    assert!(
        host_main.contains("calc::generated::local(calc::build)")
            && host_main.contains("greeter::generated::local(greeter::build)"),
        "{host_main}"
    );
    assert!(
        read(&root.join("host/Cargo.toml"))
            .contains(r#"greeter = { path = "../greeter/greeter" }"#)
    );
    for file in [
        "modgen.toml",
        "greeter/Cargo.toml",
        "greeter-sdk/Cargo.toml",
        "host.yaml",
    ] {
        assert!(root.join("greeter").join(file).is_file(), "greeter/{file}");
    }
    assert!(
        !root.join("greeter/Cargo.toml").exists(),
        "no workspace of its own"
    );

    let host = read(&root.join("host.yaml"));
    let at = |needle: &str| {
        host.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in:\n{host}"))
    };
    assert!(at("  calc:\n") < at("  greeter:\n"));
    assert!(
        at("  greeter:\n") < at("\ndirectory:"),
        "inside the modules block:\n{host}"
    );
    assert!(
        host.contains("executable_path: target/debug/greeter\n"),
        "{host}"
    );
    assert!(
        host.contains("# The embedded directory"),
        "comments kept:\n{host}"
    );
    // The module's own host.yaml runs it alone, from its directory.
    assert!(
        read(&root.join("greeter/host.yaml")).contains("executable_path: ../target/debug/greeter")
    );

    let metadata = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(metadata.status.success(), "{}", stderr(&metadata));
    let json = String::from_utf8_lossy(&metadata.stdout);
    for package in [
        "\"name\":\"greeter\"",
        "\"name\":\"greeter-sdk\"",
        "\"name\":\"calc\"",
        "\"name\":\"calc-host\"",
    ] {
        assert!(json.contains(package), "{package} not a member");
    }

    // The added module's own commands work from its directory.
    let check = modgen(&["check"], &root.join("greeter"));
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn generate_and_check_at_the_root_work_on_every_module() {
    let (_base, root) = calc_workspace();
    assert!(new("greeter", &root).status.success());

    let check = modgen(&["check"], &root);
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(
        stderr(&check).matches("generated files are fresh").count(),
        3,
        "both modules and the host crate: {}",
        stderr(&check)
    );

    let api = root.join("greeter/greeter-sdk/src/api.rs");
    std::fs::remove_file(&api).unwrap();
    let host_main = root.join("host/src/main.rs");
    std::fs::remove_file(&host_main).unwrap();
    let check = modgen(&["check"], &root);
    assert!(!check.status.success());
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains("greeter/greeter-sdk/src/api.rs")
            && stdout.contains("missing: ")
            && stdout.contains("host/src/main.rs"),
        "{stdout}"
    );

    let generate = modgen(&["generate"], &root);
    assert!(generate.status.success(), "{}", stderr(&generate));
    assert!(
        api.is_file() && host_main.is_file(),
        "generate at the root regenerated the added module and the host crate"
    );
    assert!(modgen(&["check"], &root).status.success());
}

/// `new` stages a module in a hidden directory before moving it into place: one left
/// behind (an interrupted `new`) is no module of the workspace, for `check` as for the
/// host crate.
#[test]
fn a_hidden_directory_with_a_manifest_is_not_a_module() {
    let (_base, root) = calc_workspace();
    let hidden = root.join(".staging");
    std::fs::create_dir(&hidden).unwrap();
    std::fs::copy(root.join("modgen.toml"), hidden.join("modgen.toml")).unwrap();

    let check = modgen(&["check"], &root);
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(
        stderr(&check).matches("generated files are fresh").count(),
        2,
        "the root's module and the host crate only: {}",
        stderr(&check)
    );
}

#[test]
fn a_module_name_the_host_already_has_changes_nothing() {
    let (_base, root) = calc_workspace();
    let host = root.join("host.yaml");
    let host_before = read(&host);
    std::fs::write(
        &host,
        host_before.replace("modules:\n", "modules:\n  greeter:\n    runtime: { type: oop, execution: { executable_path: /bin/true } }\n"),
    )
    .unwrap();
    let (cargo_before, host_before) = (read(&root.join("Cargo.toml")), read(&host));

    let output = new("greeter", &root);

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("host.yaml:5: a module named `greeter` is already there"),
        "{}",
        stderr(&output)
    );
    assert!(!root.join("greeter").exists());
    assert_eq!(read(&root.join("Cargo.toml")), cargo_before);
    assert_eq!(read(&host), host_before);
    let leftovers: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("modgen-new"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_host_crate_edited_by_hand_is_not_overwritten_and_nothing_is_added() {
    let (_base, root) = calc_workspace();
    let host_main = root.join("host/src/main.rs");
    std::fs::write(
        &host_main,
        read(&host_main).replace("fn main()", "fn main /* mine */ ()"),
    )
    .unwrap();
    let (cargo_before, host_before, main_before) = (
        read(&root.join("Cargo.toml")),
        read(&root.join("host.yaml")),
        read(&host_main),
    );

    let output = new("greeter", &root);

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("host/src/main.rs: edited by hand"),
        "{}",
        stderr(&output)
    );
    assert!(!root.join("greeter").exists());
    let staged: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().contains("greeter"))
        .collect();
    assert!(staged.is_empty(), "{staged:?}");
    assert_eq!(read(&root.join("Cargo.toml")), cargo_before);
    assert_eq!(read(&root.join("host.yaml")), host_before);
    assert_eq!(read(&host_main), main_before);
}
