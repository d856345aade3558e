//! Slow (cargo builds of generated workspaces, sharing this repository's target dir and
//! `Cargo.lock` so only the generated crates compile): what `cargo modgen new` makes
//! builds clippy-clean offline against this checkout's runtime, and the module binary
//! refuses a bad config before it binds, naming the key and the rule.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");

fn target_dir() -> PathBuf {
    Path::new(REPO).join("target")
}

/// `cargo modgen new <args>` in `cwd`, with the default runtime (this checkout's).
fn new(args: &[&str], cwd: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .arg("new")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "new failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn cargo(root: &Path, args: &[&str]) {
    std::fs::copy(Path::new(REPO).join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo {} failed in {}:\n{}",
        args.join(" "),
        root.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn run_module(binary: &str, args: &[&str], cwd: &Path) -> Output {
    Command::new(target_dir().join("debug").join(binary))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

#[test]
fn starter_workspace_is_clippy_clean_and_its_module_refuses_a_bad_config() {
    let base = tempfile::Builder::new()
        .prefix("modgen-new-")
        .tempdir()
        .unwrap();
    // A name no other test builds, so no two tests race for the binary's path.
    let name = "modgen-new-starter";
    new(&[name], base.path());
    let root = base.path().join(name);
    cargo(
        &root,
        &[
            "clippy",
            "--all-targets",
            "--offline",
            "--",
            "-D",
            "warnings",
        ],
    );
    cargo(&root, &["build", "--offline"]);

    std::fs::write(root.join("bad.yaml"), "greeting: Hi\nmax_count: 0\n").unwrap();
    let bad = run_module(name, &["--config", "bad.yaml"], &root);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("max_count: must be >= 1 (got 0)"),
        "{stderr}"
    );
    assert!(
        bad.stdout.is_empty(),
        "nothing is served: {}",
        String::from_utf8_lossy(&bad.stdout)
    );

    std::fs::write(root.join("typo.yaml"), "max_cuont: 5\n").unwrap();
    let typo = run_module(name, &["--config", "typo.yaml"], &root);
    assert_eq!(typo.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&typo.stderr);
    assert!(
        stderr.contains("max_cuont") && stderr.contains("unknown field"),
        "{stderr}"
    );

    std::fs::write(root.join("good.yaml"), "config:\n  greeting: Hi\n").unwrap();
    let printed = run_module(name, &["--config", "good.yaml", "--print-config"], &root);
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&printed.stdout),
        "greeting: Hi\nmax_count: 100\n"
    );

    let example = format!("{name}/config/{name}.example.yaml");
    let defaults = run_module(name, &["--config", &example, "--print-config"], &root);
    assert_eq!(
        String::from_utf8_lossy(&defaults.stdout),
        "greeting: Hello\nmax_count: 100\n"
    );
}

#[test]
fn route_guide_workspace_with_all_streaming_kinds_is_clippy_clean() {
    let base = tempfile::Builder::new()
        .prefix("modgen-new-")
        .tempdir()
        .unwrap();
    let proto = Path::new(CORPUS).join("grpc/examples/route_guide.proto");
    new(
        &["modgen-new-route-guide", "--proto", proto.to_str().unwrap()],
        base.path(),
    );
    cargo(
        &base.path().join("modgen-new-route-guide"),
        &[
            "clippy",
            "--all-targets",
            "--offline",
            "--",
            "-D",
            "warnings",
        ],
    );
}

/// `cargo test -p <package> --test api_surface` in `root`, with CI's insta behaviour (no
/// `.snap.new` files left behind).
fn api_surface_test(root: &Path, package: &str) -> Output {
    Command::new(env!("CARGO"))
        .args(["test", "--offline", "-p", package, "--test", "api_surface"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CI", "true")
        .env_remove("INSTA_UPDATE")
        .output()
        .unwrap()
}

#[test]
fn the_user_api_snapshot_passes_after_new_and_shows_a_proto_change_as_a_diff() {
    let base = tempfile::Builder::new()
        .prefix("modgen-new-")
        .tempdir()
        .unwrap();
    let name = "modgen-new-snapshot";
    new(&[name], base.path());
    let root = base.path().join(name);
    std::fs::copy(Path::new(REPO).join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    let fresh = api_surface_test(&root, name);
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );

    // Renumbering a field breaks every deployed client: the snapshot must say so.
    let proto = root.join("proto/modgen_new_snapshot/v1/modgen_new_snapshot.proto");
    let text = std::fs::read_to_string(&proto).unwrap();
    assert!(text.contains("string message = 1;"), "{text}");
    std::fs::write(
        &proto,
        text.replace("string message = 1;", "string message = 2;"),
    )
    .unwrap();
    let generate = Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .arg("generate")
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(generate.status.success());

    let changed = api_surface_test(&root, name);
    assert!(!changed.status.success());
    let report = String::from_utf8_lossy(&changed.stdout).into_owned()
        + &String::from_utf8_lossy(&changed.stderr);
    // insta's diff: the old line removed, the new one added, both named.
    let line_with = |marker: char, text: &str| {
        report
            .lines()
            .any(|line| line.contains(marker) && line.contains(text))
    };
    assert!(
        line_with('-', "1 message: string  json=message"),
        "{report}"
    );
    assert!(
        line_with('+', "2 message: string  json=message"),
        "{report}"
    );
}
