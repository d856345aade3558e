//! `tests/roundtrip/stress-sdk` is checked in so that the round-trip tests
//! (`tests/roundtrip/roundtrip-tests`) build as plain workspace members; this test keeps it
//! the generator's real output: it regenerates the SDK from `tests/roundtrip/modgen.toml`
//! in memory and requires every file on disk to be byte-for-byte what the generator makes
//! now, and no other file to be there. `MODGEN_BLESS=1` rewrites the SDK instead.

use std::path::{Path, PathBuf};

use modgen::{Owner, RuntimeDep, SdkOptions};

const ROUNDTRIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/roundtrip");
const SDK_DIR: &str = "stress-sdk";

/// The SDK depends on this repository's runtime, relative to the SDK crate.
fn options() -> SdkOptions {
    SdkOptions {
        runtime: RuntimeDep::Path("../../../runtime-min".into()),
    }
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    found
}

#[test]
fn checked_in_roundtrip_sdk_is_exactly_what_the_generator_makes() {
    let root = Path::new(ROUNDTRIP);
    let model = modgen::load(&root.join("modgen.toml")).unwrap_or_else(|e| panic!("{e}"));
    let files = modgen::generate_sdk(&model, &options()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.sdk.crate_name, SDK_DIR);
    let sdk = root.join(SDK_DIR);
    let generated: Vec<PathBuf> = files.files().iter().map(|f| f.path.clone()).collect();

    if std::env::var_os("MODGEN_BLESS").is_some_and(|v| v == "1") {
        modgen::write_fileset(&sdk, &files).unwrap();
        for extra in files_under(&sdk) {
            if !generated.contains(&extra) {
                std::fs::remove_file(sdk.join(extra)).unwrap();
            }
        }
        return;
    }

    let mut stale = Vec::new();
    for file in files.files() {
        assert_eq!(
            file.owner,
            Owner::Generator,
            "{}: the SDK holds no user file",
            file.path.display()
        );
        match std::fs::read(sdk.join(&file.path)) {
            Err(_) => stale.push(format!("{}: missing", file.path.display())),
            Ok(bytes) if bytes != file.contents.as_bytes() => stale.push(format!(
                "{}: differs from what the generator makes",
                file.path.display()
            )),
            Ok(_) => {}
        }
    }
    for extra in files_under(&sdk) {
        if !generated.contains(&extra) {
            stale.push(format!("{}: not generated any more", extra.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "tests/roundtrip/{SDK_DIR} is stale; run \
         `MODGEN_BLESS=1 cargo test -p cargo-modgen --test roundtrip_fresh`:\n{}",
        stale.join("\n")
    );
}
