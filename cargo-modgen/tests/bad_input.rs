//! Bad input through the real binary: one line per problem with file:line:col, a non-zero
//! exit, and nothing written.

use std::fs;
use std::path::Path;
use std::process::Command;

const MANIFEST: &str = r#"[module]
name = "bad"

[proto]
files = ["proto/bad/v1/bad.proto"]
includes = ["proto"]
"#;

const GOOD_PROTO: &str = r#"syntax = "proto3";
package bad.v1;
message Foo {}
service Things { rpc Get(Foo) returns (Foo); }
"#;

/// Runs `cargo-modgen generate` on a project made of `manifest` and `proto`; returns
/// (exit success, stderr with a shell's `error: ` line prefix removed). Panics when a
/// failed run touched the output directory.
fn generate(manifest: &str, proto: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("proto/bad/v1")).unwrap();
    fs::write(dir.path().join("modgen.toml"), manifest).unwrap();
    fs::write(dir.path().join("proto/bad/v1/bad.proto"), proto).unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("keep.txt"), "mine").unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .args(["generate", "--manifest", "modgen.toml", "--out", "out"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = without_prefix(&String::from_utf8(output.stderr).unwrap());
    if !output.status.success() {
        assert_untouched(&out);
    }
    (output.status.success(), stderr)
}

/// The CLI may mark error lines rustc-style (`error: file:line:col: ...`); the location
/// and message are what these tests specify.
fn without_prefix(stderr: &str) -> String {
    stderr
        .lines()
        .map(|line| format!("{}\n", line.strip_prefix("error: ").unwrap_or(line)))
        .collect()
}

fn assert_untouched(out: &Path) {
    let entries: Vec<_> = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(entries, ["keep.txt"], "the output directory was written to");
    assert_eq!(fs::read_to_string(out.join("keep.txt")).unwrap(), "mine");
}

#[test]
fn good_input_generates_the_sdk() {
    let (ok, stderr) = generate(MANIFEST, GOOD_PROTO);
    assert!(ok, "{stderr}");
}

#[test]
fn proto_syntax_error_names_the_line() {
    let proto = "syntax = \"proto3\";\npackage bad.v1;\nmessage Foo {\n  string name = 1\n}\n";
    let (ok, stderr) = generate(MANIFEST, proto);
    assert!(!ok);
    assert_eq!(
        stderr,
        "proto/bad/v1/bad.proto:5:1: expected ';' or '[', but found '}'\n"
    );
}

#[test]
fn missing_import_names_the_import() {
    let proto =
        "syntax = \"proto3\";\npackage bad.v1;\nimport \"nope/missing.proto\";\nmessage Foo {}\n";
    let (ok, stderr) = generate(MANIFEST, proto);
    assert!(!ok);
    assert_eq!(
        stderr,
        "proto/bad/v1/bad.proto:3:1: import 'nope/missing.proto' not found\n"
    );
}

#[test]
fn unknown_type_names_its_use() {
    let proto = "syntax = \"proto3\";\npackage bad.v1;\nmessage Foo {\n  Missing field = 1;\n}\n";
    let (ok, stderr) = generate(MANIFEST, proto);
    assert!(!ok);
    assert_eq!(
        stderr,
        "proto/bad/v1/bad.proto:4:3: name 'Missing' is not defined\n"
    );
}

#[test]
fn service_the_proto_lacks_is_located_in_the_manifest() {
    let manifest = format!("services = [\"bad.v1.Thing\"]\n{MANIFEST}");
    let (ok, stderr) = generate(&manifest, GOOD_PROTO);
    assert!(!ok);
    assert_eq!(
        stderr,
        "modgen.toml:1:13: no service `bad.v1.Thing` in the manifest's proto files; did you mean `bad.v1.Things`?\n"
    );
}

#[test]
fn invalid_module_name_is_located() {
    let manifest = MANIFEST.replace("name = \"bad\"", "name = \"Bad-Module\"");
    let (ok, stderr) = generate(&manifest, GOOD_PROTO);
    assert!(!ok);
    assert_eq!(
        stderr,
        "modgen.toml:2:8: invalid module name `Bad-Module`: must start with a lowercase ASCII letter\n"
    );
}

#[test]
fn unknown_manifest_key_gets_a_suggestion() {
    let manifest = MANIFEST.replace("includes =", "include =");
    let (ok, stderr) = generate(&manifest, GOOD_PROTO);
    assert!(!ok);
    assert_eq!(
        stderr,
        "modgen.toml:6:1: unknown key `include`, expected `files` or `includes`; did you mean `includes`?\n"
    );
}

#[test]
fn missing_proto_file_is_located_in_the_manifest() {
    let manifest = MANIFEST.replace("bad.proto", "typo.proto");
    let (ok, stderr) = generate(&manifest, GOOD_PROTO);
    assert!(!ok);
    assert_eq!(
        stderr,
        "modgen.toml:5:10: proto file `proto/bad/v1/typo.proto` not found\n"
    );
}

#[test]
fn proto2_files_generate() {
    let proto = "syntax = \"proto2\";\npackage bad.v1;\nmessage Foo {\n  optional string a = 1;\n  required int32 b = 2;\n}\nservice Things { rpc Get(Foo) returns (Foo); }\n";
    let (ok, stderr) = generate(MANIFEST, proto);
    assert!(ok, "{stderr}");
}

#[test]
fn proto_errors_are_shown_relative_to_where_the_manifest_was_named() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    fs::create_dir_all(project.join("proto/bad/v1")).unwrap();
    fs::write(project.join("modgen.toml"), MANIFEST).unwrap();
    let proto = "syntax = \"proto3\";\npackage bad.v1;\nmessage Foo {\n  Missing field = 1;\n}\n";
    fs::write(project.join("proto/bad/v1/bad.proto"), proto).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .args([
            "generate",
            "--manifest",
            "project/modgen.toml",
            "--out",
            "out",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_eq!(
        without_prefix(&String::from_utf8(output.stderr).unwrap()),
        "project/proto/bad/v1/bad.proto:4:3: name 'Missing' is not defined\n"
    );
    assert!(!dir.path().join("out").exists());
}

/// A proto declaring errors with modgen's options; `values` are the enum's values after
/// the unspecified one, starting on line 6, and `extra` follows the enum.
fn errors_proto(values: &str, extra: &str) -> String {
    format!(
        "syntax = \"proto3\";\npackage bad.v1;\nimport \"modgen/options/v1/errors.proto\";\n\
         enum Reason {{\n  REASON_UNSPECIFIED = 0;\n{values}}}\n{extra}\
         message Foo {{}}\nservice Things {{ rpc Get(Foo) returns (Foo); }}\n"
    )
}

#[test]
fn errors_declared_in_the_proto_generate_with_no_include_for_the_options() {
    let proto = errors_proto(
        "  GONE = 1 [(modgen.options.v1.error) = { code: \"NOT_FOUND\", detail: \"Where\" }];\n",
        "message Where { string shelf = 1; }\n",
    );
    let (ok, stderr) = generate(MANIFEST, &proto);
    assert!(ok, "{stderr}");
}

#[test]
fn a_declared_error_with_an_unknown_code_names_its_line() {
    let proto = errors_proto(
        "  GONE = 1 [(modgen.options.v1.error) = { code: \"NOT_FUOND\" }];\n",
        "",
    );
    let (ok, stderr) = generate(MANIFEST, &proto);
    assert!(!ok);
    assert_eq!(
        stderr,
        "proto/bad/v1/bad.proto:6:3: unknown gRPC code `NOT_FUOND`; did you mean `NOT_FOUND`?\n"
    );
}

#[test]
fn a_duplicate_reason_names_both_places() {
    let manifest =
        format!("{MANIFEST}\n[[errors.variant]]\nname = \"Gone\"\ncode = \"NOT_FOUND\"\n");
    let proto = errors_proto(
        "  GONE = 1 [(modgen.options.v1.error) = { code: \"NOT_FOUND\", name: \"Vanished\" }];\n",
        "",
    );
    let (ok, stderr) = generate(&manifest, &proto);
    assert!(!ok);
    assert_eq!(
        stderr,
        "proto/bad/v1/bad.proto:6:3: duplicate error reason `GONE` (also declared by the \
         manifest's variant `Gone`)\n"
    );
}

#[test]
fn a_detail_message_that_does_not_exist_is_refused() {
    let proto = errors_proto(
        "  GONE = 1 [(modgen.options.v1.error) = { code: \"NOT_FOUND\", detail: \"Nowhere\" }];\n",
        "",
    );
    let (ok, stderr) = generate(MANIFEST, &proto);
    assert!(!ok);
    assert_eq!(
        stderr,
        "proto/bad/v1/bad.proto:6:3: detail message `Nowhere` of error `GONE` not found; \
         name a message by its full name (`pkg.Msg`) or relative to the package of the enum \
         (of the first service, for a manifest variant)\n"
    );
}

#[test]
fn a_detail_field_that_is_no_scalar_is_refused() {
    let proto = errors_proto(
        "  GONE = 1 [(modgen.options.v1.error) = { code: \"NOT_FOUND\", detail: \"Where\" }];\n",
        "message Where { repeated string shelves = 1; }\n",
    );
    let (ok, stderr) = generate(MANIFEST, &proto);
    assert!(!ok);
    assert_eq!(
        stderr,
        "proto/bad/v1/bad.proto:6:3: field `shelves` of detail message `bad.v1.Where` is not a \
         plain scalar (bool, integer, float or string)\n"
    );
}

#[test]
fn a_variant_named_like_a_built_in_is_refused() {
    let proto = errors_proto(
        "  INTERNAL = 1 [(modgen.options.v1.error) = { code: \"INTERNAL\" }];\n",
        "",
    );
    let (ok, stderr) = generate(MANIFEST, &proto);
    assert!(!ok);
    assert_eq!(
        stderr,
        "proto/bad/v1/bad.proto:6:3: error `INTERNAL` would be the variant `Internal`, which is \
         built into every SDK error type; rename the value, or give the variant a name with \
         `name: \"...\"`\n"
    );
}

#[test]
fn a_variant_named_like_a_keyword_is_refused() {
    let proto = errors_proto(
        "  SELF = 1 [(modgen.options.v1.error) = { code: \"ABORTED\" }];\n",
        "",
    );
    let (ok, stderr) = generate(MANIFEST, &proto);
    assert!(!ok);
    assert_eq!(
        stderr,
        "proto/bad/v1/bad.proto:6:3: error `SELF` would be the variant `Self`, which is a Rust \
         keyword; rename the value, or give the variant a name with `name: \"...\"`\n"
    );
}

#[test]
fn every_bad_declaration_is_reported_at_once() {
    let proto = errors_proto(
        "  A = 1 [(modgen.options.v1.error) = { code: \"NOPE\" }];\n  \
         B = 2 [(modgen.options.v1.error) = { code: \"ABORTED\", retry_delay: \"soon\" }];\n",
        "",
    );
    let (ok, stderr) = generate(MANIFEST, &proto);
    assert!(!ok);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("proto/bad/v1/bad.proto:6:3: unknown gRPC code `NOPE`"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("proto/bad/v1/bad.proto:7:3: invalid retry_delay `soon`"),
        "{stderr}"
    );
}

#[test]
fn a_manifest_variant_can_carry_a_detail_message_and_a_missing_one_is_located() {
    let good = format!(
        "{MANIFEST}\n[[errors.variant]]\nname = \"Gone\"\ncode = \"NOT_FOUND\"\ndetail = \"Foo\"\n"
    );
    let (ok, stderr) = generate(&good, GOOD_PROTO);
    assert!(ok, "{stderr}");

    let bad = good.replace("detail = \"Foo\"", "detail = \"Bar\"");
    let (ok, stderr) = generate(&bad, GOOD_PROTO);
    assert!(!ok);
    assert_eq!(
        stderr,
        "modgen.toml:11:10: detail message `Bar` of error `GONE` not found; name a message by \
         its full name (`pkg.Msg`) or relative to the package of the enum (of the first \
         service, for a manifest variant)\n"
    );
}
