//! Slow (a cargo clippy and a cargo doc of every generated crate): the SDK crate and the
//! module crate of every corpus proto (and a host crate linking every module), of the stress proto (keywords, std names,
//! recursion, several services, config, messages named `Box`, `Option`, `Vec`) and of the
//! comments proto (every comment shape that once broke rustdoc or clippy, a large oneof
//! variant), generated into one temporary workspace, must pass
//! `cargo clippy --all-targets -- -D warnings` and `RUSTDOCFLAGS="-D warnings" cargo doc
//! --no-deps`. One workspace, one cargo run per tool, this repository's target dir and
//! `Cargo.lock`, so only the generated crates compile; `--offline` proves nothing else is
//! needed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use modgen::{RuntimeDep, WorkspaceOptions};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The target dir this test runs under (so nested builds reuse its compiled
/// dependencies), else the repository's.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(REPO).join("target"))
}

/// Every case's SDK and module crate as members of one workspace, written once per run.
fn generated_workspace() -> &'static Path {
    static WORKSPACE: OnceLock<PathBuf> = OnceLock::new();
    WORKSPACE.get_or_init(|| {
        // In the target dir, not a temp dir: the tests share it for the whole run and it
        // is left for inspection when one fails. Rewritten from scratch every run.
        let workspace = target_dir().join("modgen-tests/module-builds");
        if workspace.exists() {
            std::fs::remove_dir_all(&workspace).unwrap();
        }
        let runtime = Path::new(REPO).join("runtime-min").canonicalize().unwrap();
        let options = WorkspaceOptions {
            runtime: RuntimeDep::Path(runtime.display().to_string()),
            cargo_workspace: false,
            target_dir: "target".into(),
        };
        let mut members = Vec::new();
        let mut models = Vec::new();
        for case in common::CASES {
            let model = case.model();
            let files = modgen::generate_workspace(&model, &options)
                .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            modgen::write_fileset(&workspace.join(case.name), &files).unwrap();
            members.push(format!("\"{}/{}\"", case.name, model.sdk.crate_name));
            members.push(format!("\"{}/{}\"", case.name, model.module.name));
            models.push((PathBuf::from(case.name), model));
        }
        // A host crate linking every module, as `new` makes one for a workspace.
        let host: Vec<_> = models
            .iter()
            .map(|(dir, model)| modgen::HostMember { dir, model })
            .collect();
        let host = modgen::generate_host(&host, &options.runtime).unwrap();
        modgen::write_fileset(&workspace, &host).unwrap();
        members.push(format!("\"{}\"", modgen::HOST_DIR));
        // The repository's dev profile, so its compiled dependencies are reused.
        std::fs::write(
            workspace.join("Cargo.toml"),
            format!(
                "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n",
                members.join(", ")
            ),
        )
        .unwrap();
        std::fs::copy(
            Path::new(REPO).join("Cargo.lock"),
            workspace.join("Cargo.lock"),
        )
        .unwrap();
        workspace
    })
    .as_path()
}

/// `cargo doc` over the generated workspace, run once; its HTML is in `target/doc`.
fn documented() -> &'static Output {
    static DOC: OnceLock<Output> = OnceLock::new();
    DOC.get_or_init(|| {
        Command::new(env!("CARGO"))
            .args(["doc", "--no-deps", "--offline"])
            .current_dir(generated_workspace())
            .env("CARGO_TARGET_DIR", target_dir())
            .env("RUSTDOCFLAGS", "-D warnings")
            .output()
            .unwrap()
    })
}

#[test]
fn every_generated_sdk_and_module_crate_is_clippy_clean() {
    let output = Command::new(env!("CARGO"))
        .args([
            "clippy",
            "--all-targets",
            "--offline",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(generated_workspace())
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "clippy failed on the generated modules in {}:\n{stderr}",
        generated_workspace().display()
    );
}

#[test]
fn every_generated_crate_documents_without_a_warning() {
    let output = documented();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && !stderr.contains("warning"),
        "cargo doc failed or warned on the generated modules in {}:\n{stderr}",
        generated_workspace().display()
    );
}

/// A page of the comments SDK's docs, after `cargo doc`.
fn comments_sdk_page(page: &str) -> String {
    assert!(documented().status.success(), "cargo doc failed");
    let path = target_dir().join("doc/comments_sdk").join(page);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_proto_reference_in_a_comment_links_to_the_generated_item() {
    // `// The [Item.name][] of the item to get.` on `GetItemRequest.name`.
    let request = comments_sdk_page("proto/comments/v1/struct.GetItemRequest.html");
    assert!(
        request.contains(r#"<a href="struct.Item.html#structfield.name""#),
        "no link to Item::name in:\n{request}"
    );
    // `// Gets one [Item][comments.v1.Item] ...` on the RPC, from the API trait's page.
    let api = comments_sdk_page("api/trait.ItemsApi.html");
    assert!(
        api.contains(r#"<a href="../proto/comments/v1/struct.Item.html""#),
        "no link to proto::comments::v1::Item in:\n{api}"
    );
    // `[google.api.HttpRule][]` names nothing generated: text, brackets and all.
    let item = comments_sdk_page("proto/comments/v1/struct.Item.html");
    assert!(
        item.contains("[google.api.HttpRule][]"),
        "unresolved reference not kept as text in:\n{item}"
    );
}

#[test]
fn a_non_rust_block_in_a_comment_renders_verbatim() {
    let item = comments_sdk_page("proto/comments/v1/struct.Item.html");
    let block = "item {\n  name: &quot;projects/p/items/i&quot;\n  labels { key: &quot;a&quot; value: &quot;b&quot; }\n}";
    let pre = item
        .split("<pre")
        .skip(1)
        .find(|pre| pre.contains(block))
        .unwrap_or_else(|| panic!("no <pre> holding the example verbatim in:\n{item}"));
    assert!(
        !pre.split("</pre>").next().unwrap().contains("rust"),
        "the example is rendered as Rust: <pre{pre}"
    );
}

/// A manifest with one config field of every kind: required, bounded, durations, lists.
const CONFIG_KINDS: &str = r#"
[module]
name = "modgen-config-kinds"

[proto]
files = ["examples/helloworld.proto"]

[config.fields.name]
type = "string"
required = true
doc = "Who the module is."

[config.fields.timeout]
type = "duration"
default = "5s"
min = "100ms"
max = "1m"

[config.fields.deadline]
type = "duration"
required = true

[config.fields.ratio]
type = "f64"
default = 0.5
min = 0.0
max = 1.0

[config.fields.offset]
type = "i64"
default = -3
min = -10

[config.fields.tags]
type = "list<string>"
default = ["a", "b"]

[config.fields.verbose]
type = "bool"

[config.fields.limit]
type = "u64"
max = 100
"#;

#[test]
fn every_config_kind_loads_validates_and_prints_back() {
    let base = tempfile::Builder::new()
        .prefix("modgen-config-")
        .tempdir()
        .unwrap();
    let root = base.path();
    let manifest = modgen::Manifest::parse(CONFIG_KINDS, "modgen.toml").unwrap();
    let model = modgen::load_manifest(
        &manifest,
        &Path::new(common::CORPUS).join("grpc"),
        "modgen.toml",
    )
    .unwrap();
    let runtime = Path::new(REPO).join("runtime-min").canonicalize().unwrap();
    let options = WorkspaceOptions {
        runtime: RuntimeDep::Path(runtime.display().to_string()),
        ..WorkspaceOptions::default()
    };
    let files = modgen::generate_workspace(&model, &options).unwrap();
    modgen::write_fileset(root, &files).unwrap();
    std::fs::copy(Path::new(REPO).join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    for args in [
        &[
            "clippy",
            "--all-targets",
            "--offline",
            "--",
            "-D",
            "warnings",
        ][..],
        &["build", "--offline"],
    ] {
        let output = Command::new(env!("CARGO"))
            .args(args)
            .current_dir(root)
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "cargo {args:?}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let binary = target_dir().join("debug/modgen-config-kinds");
    let run = |yaml: &str| {
        std::fs::write(root.join("config.yaml"), yaml).unwrap();
        let output = Command::new(&binary)
            .args(["--config", "config.yaml", "--print-config"])
            .current_dir(root)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let refused = |yaml: &str, expected: &str| {
        let (code, _, stderr) = run(yaml);
        assert_eq!(code, Some(2), "{yaml}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{yaml}: expected `{expected}` in\n{stderr}"
        );
    };

    refused("{}", "name: is required");
    refused("name: x\n", "deadline: is required");
    refused("name: ' '\ndeadline: 1s\n", "name: must not be empty");
    refused(
        "name: x\ndeadline: 1s\ntimeout: 50ms\n",
        "timeout: must be >= 100ms (got 50ms)",
    );
    refused(
        "name: x\ndeadline: 1s\ntimeout: 2m\n",
        "timeout: must be <= 60s (got 120s)",
    );
    refused("name: x\ndeadline: 1s\ntimeout: soon\n", "timeout");
    refused(
        "name: x\ndeadline: 1s\nratio: 1.5\n",
        "ratio: must be <= 1.0 (got 1.5)",
    );
    refused(
        "name: x\ndeadline: 1s\noffset: -11\n",
        "offset: must be >= -10 (got -11)",
    );
    refused(
        "name: x\ndeadline: 1s\nlimit: 101\n",
        "limit: must be <= 100 (got 101)",
    );
    refused("name: x\ndeadline: 1s\nlimit: -1\n", "limit");

    let (code, stdout, stderr) = run("name: x\ndeadline: 1500ms\ntags: [c]\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "name: x\ntimeout: 5s\ndeadline: 1500ms\nratio: 0.5\noffset: -3\ntags:\n- c\nverbose: false\nlimit: 0\n"
    );
}
