//! `cargo modgen new` through the binary: what it refuses, what it leaves behind when it
//! fails (nothing), and what it copies from `--proto`/`--include`. No build here; the
//! generated workspaces are built in `new_workspace_builds.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");

fn new(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .arg("new")
        .args(args)
        // A registry version keeps these tests independent of where the checkout is.
        .args(["--runtime-version", "0.1.0"])
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn new_refuses_a_non_empty_directory_and_touches_nothing() {
    let base = tempfile::tempdir().unwrap();
    let target = base.path().join("calc");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), "mine").unwrap();

    let output = new(&["calc", "--dir", "calc"], base.path());

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("calc exists and is not empty"),
        "{}",
        stderr(&output)
    );
    assert_eq!(entries(base.path()), ["calc"]);
    assert_eq!(entries(&target), ["notes.txt"]);
}

#[test]
fn new_refuses_invalid_module_names() {
    let base = tempfile::tempdir().unwrap();
    for (name, why) in [
        ("Calc", "must start with a lowercase ASCII letter"),
        ("9lives", "must start with a lowercase ASCII letter"),
        ("my module", "found ` `"),
        ("calc-", "must not end with `-` or `_`"),
        ("type", "is a Rust keyword"),
        ("host", "the workspace's host crate lives in `host/`"),
    ] {
        let output = new(&[name], base.path());
        assert!(!output.status.success(), "{name} was accepted");
        let message = stderr(&output);
        assert!(
            message.contains(&format!("invalid module name `{name}`")),
            "{message}"
        );
        assert!(message.contains(why), "{name}: {message}");
    }
    assert!(
        entries(base.path()).is_empty(),
        "{:?}",
        entries(base.path())
    );
}

#[test]
fn new_with_a_broken_proto_reports_it_and_leaves_nothing_behind() {
    let base = tempfile::tempdir().unwrap();
    std::fs::write(
        base.path().join("broken.proto"),
        "syntax = \"proto3\";\npackage broken.v1;\nservice Broken {\n  rpc Go(Nope) returns (Nope);\n}\n",
    )
    .unwrap();

    let output = new(&["broken", "--proto", "broken.proto"], base.path());

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("broken.proto"), "{message}");
    assert!(message.contains("Nope"), "{message}");
    assert_eq!(entries(base.path()), ["broken.proto"]);
}

#[test]
fn new_with_an_unknown_service_leaves_nothing_behind() {
    let base = tempfile::tempdir().unwrap();
    let proto = PathBuf::from(CORPUS).join("grpc/examples/helloworld.proto");
    let output = new(
        &[
            "hello",
            "--proto",
            proto.to_str().unwrap(),
            "--service",
            "helloworld.Nope",
        ],
        base.path(),
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("helloworld.Nope"),
        "{}",
        stderr(&output)
    );
    assert!(
        entries(base.path()).is_empty(),
        "{:?}",
        entries(base.path())
    );
}

#[test]
fn new_copies_the_proto_and_its_imports_from_the_include_dir() {
    let base = tempfile::tempdir().unwrap();
    let include = PathBuf::from(CORPUS).join("otel");
    let proto = include.join("opentelemetry/proto/collector/trace/v1/trace_service.proto");

    let output = new(
        &[
            "traces",
            "--proto",
            proto.to_str().unwrap(),
            "--include",
            include.to_str().unwrap(),
        ],
        base.path(),
    );

    assert!(output.status.success(), "{}", stderr(&output));
    let root = base.path().join("traces");
    for file in [
        "collector/trace/v1/trace_service.proto",
        "trace/v1/trace.proto",
        "common/v1/common.proto",
        "resource/v1/resource.proto",
    ] {
        let copied = root.join("proto/opentelemetry/proto").join(file);
        let original = include.join("opentelemetry/proto").join(file);
        assert_eq!(
            std::fs::read(&copied).unwrap(),
            std::fs::read(&original).unwrap(),
            "{file}"
        );
    }
    let manifest = std::fs::read_to_string(root.join("modgen.toml")).unwrap();
    assert!(
        manifest.contains(
            "files = [\"proto/opentelemetry/proto/collector/trace/v1/trace_service.proto\"]"
        ),
        "{manifest}"
    );
    assert!(root.join("traces-sdk/src/lib.rs").is_file());
    assert!(root.join("traces/src/service.rs").is_file());
}

#[test]
fn new_fills_an_existing_empty_directory_with_the_starter_workspace() {
    let base = tempfile::tempdir().unwrap();
    std::fs::create_dir(base.path().join("ws")).unwrap();

    let output = new(&["starter", "--dir", "ws"], base.path());

    assert!(output.status.success(), "{}", stderr(&output));
    let root = base.path().join("ws");
    assert_eq!(
        entries(&root),
        [
            ".gitignore",
            "Cargo.toml",
            "README.md",
            "host",
            "host.yaml",
            "modgen.baseline.binpb",
            "modgen.toml",
            "proto",
            "starter",
            "starter-sdk"
        ]
    );
    assert!(root.join("proto/starter/v1/starter.proto").is_file());
    let generated = std::fs::read_to_string(root.join("starter/src/generated/config.rs")).unwrap();
    assert!(
        generated.starts_with("// @generated by cargo-modgen"),
        "{generated}"
    );
    let service = std::fs::read_to_string(root.join("starter/src/service.rs")).unwrap();
    assert!(
        !service.contains("@generated"),
        "user files carry no header:\n{service}"
    );
    assert_eq!(
        entries(base.path()),
        ["ws"],
        "the staging directory is gone"
    );
}

/// Generated files carry `rustfmt::skip` and the user's files are run through rustfmt, so
/// the first `cargo fmt --check` of a new workspace (a CI step users add early) passes.
#[test]
fn a_new_workspace_is_rustfmt_clean() {
    let base = tempfile::tempdir().unwrap();
    let output = new(&["calc"], base.path());
    assert!(output.status.success(), "{}", stderr(&output));

    let fmt = Command::new("cargo")
        .args(["fmt", "--all", "--", "--check"])
        .current_dir(base.path().join("calc"))
        .output()
        .unwrap();

    assert!(
        fmt.status.success(),
        "{}{}",
        String::from_utf8_lossy(&fmt.stdout),
        stderr(&fmt)
    );
}
