//! `cargo modgen generate` after an RPC is added to the proto, through the binary: the
//! user's `service.rs` gains exactly one stub and not one other byte changes, and the
//! workspace builds (slow: a cargo build of the generated workspace, sharing the target
//! dir and `Cargo.lock` of this repository). `--no-edit` prints the stub instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const PROTO: &str = "proto/greeter/v1/greeter.proto";
const SERVICE: &str = "greeter/src/service.rs";

fn modgen(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `cargo modgen new greeter <extra>` in a temp dir; returns it and the workspace root.
fn new_greeter(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let base = tempfile::Builder::new()
        .prefix("modgen-stubs-")
        .tempdir()
        .unwrap();
    let output = modgen(&[&["new", "greeter"], extra].concat(), base.path());
    assert!(output.status.success(), "{}", text(&output.stderr));
    let root = base.path().join("greeter");
    (base, root)
}

/// The starter proto with a `Farewell` RPC after `Greet`.
fn add_farewell(root: &Path) {
    let path = root.join(PROTO);
    let proto = std::fs::read_to_string(&path).unwrap();
    let edited = proto.replace(
        "  rpc Greet(GreetRequest) returns (GreetReply);\n",
        "  rpc Greet(GreetRequest) returns (GreetReply);\n  rpc Farewell(GreetRequest) returns (GreetReply);\n",
    );
    assert_ne!(edited, proto, "the starter proto changed shape");
    std::fs::write(path, edited).unwrap();
}

/// What `after` inserts into `before`, asserting that nothing else differs.
fn insertion(before: &str, after: &str) -> String {
    let prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = before[prefix..]
        .bytes()
        .rev()
        .zip(after[prefix..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    assert_eq!(
        prefix + suffix,
        before.len(),
        "not a pure insertion:\n{after}"
    );
    after[prefix..after.len() - suffix].to_owned()
}

fn cargo(root: &Path, args: &[&str]) {
    std::fs::copy(Path::new(REPO).join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(REPO).join("target"));
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo {} failed:\n{}",
        args.join(" "),
        text(&output.stderr)
    );
}

#[test]
fn a_new_rpc_gets_one_stub_the_rest_of_the_file_stays_and_the_workspace_builds() {
    // The default runtime: this checkout's, by path, so the build works offline.
    let (_base, root) = new_greeter(&[]);
    let before = std::fs::read_to_string(root.join(SERVICE)).unwrap();
    add_farewell(&root);

    let output = modgen(&["generate"], &root);

    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("added stub GreeterApi::farewell in "),
        "{}",
        text(&output.stderr)
    );
    let after = std::fs::read_to_string(root.join(SERVICE)).unwrap();
    let added = insertion(&before, &after);
    assert_eq!(added.matches("async fn ").count(), 1, "{added}");
    assert!(added.starts_with("\n    async fn farewell(\n"), "{added}");
    assert!(
        added.contains("\"/greeter.v1.GreeterService/Farewell is not implemented yet\""),
        "{added}"
    );
    cargo(&root, &["build", "--offline"]);

    // Everything is in place now: a second run edits nothing.
    let again = modgen(&["generate"], &root);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(std::fs::read_to_string(root.join(SERVICE)).unwrap(), after);
    let stderr = text(&again.stderr);
    assert!(!stderr.contains("added stub"), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn no_edit_leaves_the_service_untouched_and_prints_the_stub() {
    let (_base, root) = new_greeter(&["--runtime-version", "0.1.0"]);
    let before = std::fs::read(root.join(SERVICE)).unwrap();
    add_farewell(&root);

    let output = modgen(&["generate", "--no-edit"], &root);

    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(std::fs::read(root.join(SERVICE)).unwrap(), before);
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("    async fn farewell(\n"), "{stdout}");
    assert_eq!(stdout.matches("async fn ").count(), 1, "{stdout}");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("stubs for GreeterApi::farewell were not inserted: --no-edit"),
        "{stderr}"
    );
}

#[test]
fn a_service_file_that_does_not_parse_is_untouched_and_the_stubs_are_printed() {
    let (_base, root) = new_greeter(&["--runtime-version", "0.1.0"]);
    let path = root.join(SERVICE);
    let broken =
        std::fs::read_to_string(&path)
            .unwrap()
            .replacen("impl Greeter {", "impl Greeter {{", 1);
    std::fs::write(&path, &broken).unwrap();
    add_farewell(&root);

    let output = modgen(&["generate"], &root);

    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("src/service.rs:"), "{stderr}");
    assert!(stderr.contains("does not parse"), "{stderr}");
    assert!(
        text(&output.stdout).contains("    async fn farewell(\n"),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn a_method_whose_rpc_was_removed_is_reported_and_kept() {
    let (_base, root) = new_greeter(&["--runtime-version", "0.1.0"]);
    let before = std::fs::read(root.join(SERVICE)).unwrap();
    let proto_path = root.join(PROTO);
    let proto = std::fs::read_to_string(&proto_path).unwrap();
    let without_count = proto.replace(
        "  rpc Count(CountRequest) returns (stream CountReply);\n",
        "",
    );
    assert_ne!(without_count, proto, "the starter proto changed shape");
    std::fs::write(&proto_path, without_count).unwrap();

    let output = modgen(&["generate"], &root);

    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(std::fs::read(root.join(SERVICE)).unwrap(), before);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("warning: GreeterApi::count (") && stderr.contains("has no RPC any more"),
        "{stderr}"
    );
}
