//! `cargo modgen generate` through the binary, on workspaces `new` made: it rewrites only
//! what changed, never the user's files, and writes nothing at all when it refuses (a hand
//! edit without `--force`, a broken proto). No build here.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

fn modgen(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh `calc` workspace in a temp dir; returns the dir and the workspace root.
fn new_workspace() -> (tempfile::TempDir, PathBuf) {
    let base = tempfile::tempdir().unwrap();
    // A registry version keeps the test independent of where the checkout is.
    let output = modgen(&["new", "calc", "--runtime-version", "0.1.0"], base.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let root = base.path().join("calc");
    (base, root)
}

/// What a write would change about each file: its inode (a rename makes a new one), its
/// mtime, its bytes.
#[derive(Debug, PartialEq, Eq)]
struct FileState {
    inode: u64,
    modified: SystemTime,
    bytes: Vec<u8>,
}

fn tree(root: &Path) -> BTreeMap<PathBuf, FileState> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::metadata(&path).unwrap();
            if meta.is_dir() {
                dirs.push(path);
            } else {
                let state = FileState {
                    inode: meta.ino(),
                    modified: meta.modified().unwrap(),
                    bytes: std::fs::read(&path).unwrap(),
                };
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), state);
            }
        }
    }
    files
}

fn changed(
    before: &BTreeMap<PathBuf, FileState>,
    after: &BTreeMap<PathBuf, FileState>,
) -> Vec<String> {
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(path, state)| before.get(*path) != Some(state))
        .map(|(path, _)| path.display().to_string())
        .collect();
    changed.extend(
        before
            .keys()
            .filter(|path| !after.contains_key(*path))
            .map(|path| format!("{} (removed)", path.display())),
    );
    changed
}

const PROTO: &str = "proto/calc/v1/calc.proto";

/// The starter proto with one more unary RPC.
fn add_rpc(root: &Path) {
    let path = root.join(PROTO);
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        "  rpc Greet(GreetRequest) returns (GreetReply);\n",
        "  rpc Greet(GreetRequest) returns (GreetReply);\n  rpc Farewell(GreetRequest) returns (GreetReply);\n",
    );
    assert!(text.contains("Farewell"), "the starter proto changed shape");
    std::fs::write(path, text).unwrap();
}

#[test]
fn generate_right_after_new_rewrites_nothing() {
    let (_base, root) = new_workspace();
    let before = tree(&root);

    let output = modgen(&["generate"], &root);

    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(changed(&before, &tree(&root)), Vec::<String>::new());
    assert!(
        stderr(&output).contains(" 0 written"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn generate_after_a_new_rpc_updates_the_sdk_and_only_adds_a_stub_to_the_service() {
    let (_base, root) = new_workspace();
    let service_before = std::fs::read_to_string(root.join("calc/src/service.rs")).unwrap();
    let sdk_manifest_before = std::fs::read(root.join("calc-sdk/Cargo.toml")).unwrap();
    add_rpc(&root);

    let output = modgen(&["generate", "--manifest", "modgen.toml"], &root);

    assert!(output.status.success(), "{}", stderr(&output));
    let api = std::fs::read_to_string(root.join("calc-sdk/src/api.rs")).unwrap();
    assert!(api.contains("async fn farewell("), "{api}");
    // The service keeps every byte it had, before the impl's closing brace gets the stub
    // (`generate_stubs.rs` has the details).
    let service = std::fs::read_to_string(root.join("calc/src/service.rs")).unwrap();
    let (kept, closing) = service_before.rsplit_once("}\n").unwrap();
    assert!(service.starts_with(kept), "{service}");
    assert!(service.ends_with(&format!("}}\n{closing}")), "{service}");
    assert_eq!(
        service[kept.len()..].matches("async fn farewell(").count(),
        1,
        "{service}"
    );
    // The runtime dependency `new` chose is read back, not replaced by a default.
    assert_eq!(
        std::fs::read(root.join("calc-sdk/Cargo.toml")).unwrap(),
        sdk_manifest_before
    );
}

#[test]
fn generate_refuses_hand_edited_files_unless_forced() {
    let (_base, root) = new_workspace();
    add_rpc(&root);
    let client = root.join("calc-sdk/src/client.rs");
    let client_text = std::fs::read_to_string(&client).unwrap();
    std::fs::write(&client, format!("{client_text}// mine\n")).unwrap();
    let schema = root.join("calc/config/calc.schema.json");
    let schema_text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(
        &schema,
        schema_text.replacen("\"type\"", "\"description\": \"mine\",\n  \"type\"", 1),
    )
    .unwrap();
    let before = tree(&root);

    let refused = modgen(&["generate"], &root);

    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(message.contains("calc-sdk/src/client.rs"), "{message}");
    assert!(
        message.contains("calc/config/calc.schema.json"),
        "{message}"
    );
    assert!(!message.contains("api.rs"), "{message}");
    assert_eq!(changed(&before, &tree(&root)), Vec::<String>::new());

    let forced = modgen(&["generate", "--force"], &root);

    assert!(forced.status.success(), "{}", stderr(&forced));
    let client_after = std::fs::read_to_string(&client).unwrap();
    assert!(!client_after.contains("// mine"), "{client_after}");
    assert_eq!(
        modgen::verify_header(&client_after),
        modgen::HeaderState::Intact
    );
    let schema_after = std::fs::read_to_string(&schema).unwrap();
    assert_eq!(
        modgen::verify_header(&schema_after),
        modgen::HeaderState::Intact
    );
    let api = std::fs::read_to_string(root.join("calc-sdk/src/api.rs")).unwrap();
    assert!(api.contains("async fn farewell("), "{api}");
}

#[test]
fn generate_refuses_a_generated_file_whose_header_was_removed() {
    let (_base, root) = new_workspace();
    let api = root.join("calc-sdk/src/api.rs");
    let text = std::fs::read_to_string(&api).unwrap();
    let without_header: String = text.splitn(3, '\n').nth(2).unwrap().to_string();
    std::fs::write(&api, &without_header).unwrap();
    let before = tree(&root);

    let output = modgen(&["generate"], &root);

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("calc-sdk/src/api.rs"),
        "{}",
        stderr(&output)
    );
    assert_eq!(changed(&before, &tree(&root)), Vec::<String>::new());
}

#[test]
fn generate_with_a_proto_syntax_error_names_the_place_and_writes_nothing() {
    let (_base, root) = new_workspace();
    add_rpc(&root);
    let path = root.join(PROTO);
    let text = std::fs::read_to_string(&path).unwrap();
    // Line 9 (after the comment lines and `service ... {`), the `)` after the request.
    std::fs::write(
        &path,
        text.replacen("rpc Greet(GreetRequest)", "rpc Greet(GreetRequest", 1),
    )
    .unwrap();
    let before = tree(&root);

    let output = modgen(&["generate"], &root);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("proto/calc/v1/calc.proto:9:26: "),
        "{message}"
    );
    assert_eq!(changed(&before, &tree(&root)), Vec::<String>::new());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The examples are members of the repository's workspace: a root `Cargo.toml` with its
/// own `[workspace]` would break it.
#[test]
fn generate_in_the_calculator_example_changes_nothing_and_adds_no_workspace() {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("calculator");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/calculator"),
        &root,
    );
    assert!(!root.join("Cargo.toml").exists());
    let before = tree(&root);

    let output = modgen(&["generate"], &root.join("calculator/src"));

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!root.join("Cargo.toml").exists());
    assert_eq!(changed(&before, &tree(&root)), Vec::<String>::new());
}

#[test]
fn generate_removes_generated_files_the_proto_no_longer_produces_and_nothing_else() {
    let (_base, root) = new_workspace();
    let proto = std::fs::read_to_string(root.join(PROTO)).unwrap();
    std::fs::write(
        root.join(PROTO),
        proto.replace("package calc.v1;", "package calc.v2;"),
    )
    .unwrap();
    // A file of the user's inside the SDK: no modgen header, so not the generator's.
    std::fs::write(root.join("calc-sdk/src/proto/calc/NOTES.md"), "mine\n").unwrap();
    let service_before = std::fs::read(root.join("calc/src/service.rs")).unwrap();

    let output = modgen(&["generate"], &root);

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(" 1 removed"),
        "{}",
        stderr(&output)
    );
    assert!(!root.join("calc-sdk/src/proto/calc/v1.rs").exists());
    assert!(root.join("calc-sdk/src/proto/calc/v2.rs").exists());
    assert!(root.join("calc-sdk/src/proto/calc/NOTES.md").exists());
    assert_eq!(
        std::fs::read(root.join("calc/src/service.rs")).unwrap(),
        service_before
    );
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn check_passes_right_after_new_and_writes_nothing() {
    let (_base, root) = new_workspace();
    let before = tree(&root);
    let output = modgen(&["check"], &root);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert!(stderr(&output).contains("are fresh"), "{}", stderr(&output));
    assert_eq!(changed(&before, &tree(&root)), Vec::<String>::new());
}

#[test]
fn check_fails_on_a_stale_file_with_a_diff_and_writes_nothing() {
    let (_base, root) = new_workspace();
    add_rpc(&root);
    let before = tree(&root);
    let output = modgen(&["check"], &root);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("stale: "), "{out}");
    assert!(out.contains("calc-sdk/src/api.rs"), "{out}");
    assert!(
        out.contains("+    async fn farewell("),
        "the diff shows the new method:\n{out}"
    );
    assert!(
        stderr(&output).contains("run `cargo modgen generate`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(changed(&before, &tree(&root)), Vec::<String>::new());

    let generate = modgen(&["generate"], &root);
    assert!(generate.status.success(), "{}", stderr(&generate));
    assert!(modgen(&["check"], &root).status.success());
}

#[test]
fn check_fails_on_an_edited_file() {
    let (_base, root) = new_workspace();
    let api = root.join("calc-sdk/src/api.rs");
    let text = std::fs::read_to_string(&api).unwrap();
    std::fs::write(&api, text + "// a hand edit\n").unwrap();
    let output = modgen(&["check"], &root);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains(&format!("edited by hand: {}", api.display())),
        "{}",
        stdout(&output)
    );
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
}

#[test]
fn check_fails_on_a_missing_file() {
    let (_base, root) = new_workspace();
    let config = root.join("calc/src/generated/config.rs");
    std::fs::remove_file(&config).unwrap();
    let output = modgen(&["check", "--quiet"], &root);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), format!("missing: {}\n", config.display()));
}

#[test]
fn check_fails_on_an_orphaned_file() {
    let (_base, root) = new_workspace();
    let orphan = root.join("calc-sdk/src/old.rs");
    std::fs::copy(root.join("calc-sdk/src/api.rs"), &orphan).unwrap();
    // A file without the generator's header is not the generator's: check leaves it be.
    std::fs::write(root.join("calc-sdk/NOTES.md"), "mine\n").unwrap();
    let output = modgen(&["check", "--quiet"], &root);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), format!("orphaned: {}\n", orphan.display()));
}

/// The starter proto with `GreetReply.message` renumbered: every deployed client breaks.
fn renumber_field(root: &Path) {
    let path = root.join(PROTO);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("  string message = 1;\n"),
        "the starter proto changed shape"
    );
    std::fs::write(
        path,
        text.replace("  string message = 1;\n", "  string message = 2;\n"),
    )
    .unwrap();
}

const RENUMBERED: &str = "proto/calc/v1/calc.proto:21:3: breaking: field `calc.v1.GreetReply.message` number changed from 1 to 2";

#[test]
fn generate_reports_a_breaking_change_with_its_place_and_keeps_the_baseline_until_accepted() {
    let (_base, root) = new_workspace();
    let baseline = std::fs::read(root.join("modgen.baseline.binpb")).unwrap();
    renumber_field(&root);

    let first = modgen(&["generate"], &root);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stderr(&first).contains(RENUMBERED), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("major bump needed"),
        "{}",
        stderr(&first)
    );
    assert_eq!(
        std::fs::read(root.join("modgen.baseline.binpb")).unwrap(),
        baseline
    );

    let check = modgen(&["check"], &root);
    assert!(
        check.status.success(),
        "a warning by default: {}",
        stderr(&check)
    );
    assert!(stderr(&check).contains(RENUMBERED), "{}", stderr(&check));

    let accept = modgen(&["generate", "--accept-breaking"], &root);
    assert!(accept.status.success(), "{}", stderr(&accept));
    assert_ne!(
        std::fs::read(root.join("modgen.baseline.binpb")).unwrap(),
        baseline
    );
    let after = modgen(&["generate"], &root);
    assert!(!stderr(&after).contains("breaking"), "{}", stderr(&after));
}

#[test]
fn deny_breaking_writes_nothing_from_the_flag_or_the_manifest() {
    let (_base, root) = new_workspace();
    renumber_field(&root);
    let before = tree(&root);
    let denied = modgen(&["generate", "--deny-breaking"], &root);
    assert_eq!(denied.status.code(), Some(1));
    assert!(stderr(&denied).contains(RENUMBERED), "{}", stderr(&denied));
    assert!(
        stderr(&denied).contains("nothing was written"),
        "{}",
        stderr(&denied)
    );
    assert_eq!(changed(&before, &tree(&root)), Vec::<String>::new());

    let manifest = root.join("modgen.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}\n[sdk]\ndeny_breaking = true\n")).unwrap();
    let before = tree(&root);
    let by_manifest = modgen(&["generate"], &root);
    assert_eq!(
        by_manifest.status.code(),
        Some(1),
        "{}",
        stderr(&by_manifest)
    );
    assert_eq!(changed(&before, &tree(&root)), Vec::<String>::new());
    let check = modgen(&["check"], &root);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
}

#[test]
fn an_additive_change_is_not_breaking_and_moves_the_baseline() {
    let (_base, root) = new_workspace();
    let baseline = std::fs::read(root.join("modgen.baseline.binpb")).unwrap();
    add_rpc(&root);
    let output = modgen(&["generate", "--deny-breaking"], &root);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stderr(&output);
    assert!(
        report.contains("additive: RPC `calc.v1.CalcService.Farewell` added"),
        "{report}"
    );
    assert!(report.contains("minor bump needed"), "{report}");
    assert!(!report.contains("breaking:"), "{report}");
    assert_ne!(
        std::fs::read(root.join("modgen.baseline.binpb")).unwrap(),
        baseline
    );
}

#[test]
fn check_fails_without_a_baseline_and_generate_writes_one() {
    let (_base, root) = new_workspace();
    let baseline = root.join("modgen.baseline.binpb");
    std::fs::remove_file(&baseline).unwrap();
    let output = modgen(&["check", "--quiet"], &root);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        format!("missing: {}\n", baseline.display())
    );
    assert!(modgen(&["generate"], &root).status.success());
    assert!(baseline.is_file());
    assert!(modgen(&["check"], &root).status.success());
}
