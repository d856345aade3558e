//! Slow (builds a crate with cargo, three times over): a crate using `sdk!` is recompiled
//! when a proto its service imports changes, and stays `Fresh` when a file under the same
//! include directory that nothing imports changes. Read from cargo's own `-v` lines.

use std::fs::{self, File};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

const SERVICE_PROTO: &str = r#"syntax = "proto3";
package probe;
import "probe_types.proto";
service Probe { rpc Echo(Ping) returns (Ping); }
"#;
const TYPES_PROTO: &str = r#"syntax = "proto3";
package probe;
message Ping { string text = 1; }
"#;
const UNRELATED_PROTO: &str = r#"syntax = "proto3";
package other;
message Unrelated {}
"#;

#[test]
fn touching_an_imported_proto_rebuilds_and_an_unrelated_file_does_not() {
    let dir = tempfile::Builder::new()
        .prefix("modgen-rebuild-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    write_probe_crate(root);

    let first = build(root);
    assert!(first.contains("Compiling rebuild-probe"), "{first}");
    let again = build(root);
    assert!(
        again.contains("Fresh rebuild-probe"),
        "a no-op build rebuilt:\n{again}"
    );

    touch(&root.join("proto/unrelated.proto"));
    touch(&root.join("proto/README.txt"));
    let unrelated = build(root);
    assert!(
        unrelated.contains("Fresh rebuild-probe"),
        "a file nothing imports rebuilt the crate:\n{unrelated}"
    );

    touch(&root.join("proto/probe_types.proto"));
    let imported = build(root);
    assert!(
        imported.contains("Compiling rebuild-probe"),
        "changing an imported proto did not rebuild:\n{imported}"
    );
}

fn write_probe_crate(root: &Path) {
    let macros = Path::new(REPO)
        .join("modgen-macros")
        .canonicalize()
        .unwrap();
    let runtime = Path::new(REPO).join("runtime-min").canonicalize().unwrap();
    let manifest = format!(
        r#"[package]
name = "rebuild-probe"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
modgen-macros = {{ path = "{macros}" }}
modgen-runtime = {{ path = "{runtime}" }}
async-trait = "0.1"
futures-core = "0.3"
prost = "0.14.1"
thiserror = "2"
tonic = {{ version = "0.14.9", default-features = false, features = ["transport", "codegen", "router", "server", "channel"] }}
tonic-prost = "0.14.9"

[workspace]

[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
debug = false
"#,
        macros = macros.display(),
        runtime = runtime.display()
    );
    fs::write(root.join("Cargo.toml"), manifest).unwrap();
    // The repository's lock, so every dependency is one already built (`--offline`).
    fs::copy(Path::new(REPO).join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    fs::create_dir_all(root.join("proto")).unwrap();
    fs::create_dir_all(root.join("src")).unwrap();
    fs::write(root.join("proto/probe.proto"), SERVICE_PROTO).unwrap();
    fs::write(root.join("proto/probe_types.proto"), TYPES_PROTO).unwrap();
    fs::write(root.join("proto/unrelated.proto"), UNRELATED_PROTO).unwrap();
    fs::write(root.join("proto/README.txt"), "not a proto\n").unwrap();
    fs::write(
        root.join("src/lib.rs"),
        "pub mod probe {\n    modgen_macros::sdk!(proto = \"proto/probe.proto\", includes = [\"proto\"]);\n}\n",
    )
    .unwrap();
}

/// `cargo build -v`'s stderr, where each crate is `Fresh` or `Compiling`.
fn build(root: &Path) -> String {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .unwrap_or_else(|| Path::new(REPO).join("target").into_os_string());
    let output = Command::new(env!("CARGO"))
        .args(["build", "-v", "--offline"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("MODGEN_MACROS_TEST_ROOT")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "build failed:\n{stderr}");
    stderr
}

/// A later modification time than any build so far (file systems keep coarse times, so
/// "now" may equal the last build's).
fn touch(path: &Path) {
    let later = SystemTime::now() + Duration::from_secs(5);
    File::options()
        .append(true)
        .open(path)
        .unwrap()
        .set_modified(later)
        .unwrap();
}
