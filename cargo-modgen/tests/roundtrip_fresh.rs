//! `tests/roundtrip/stress-sdk` is checked in so that the round-trip tests
//! (`tests/roundtrip/roundtrip-tests`) build as plain workspace members; this test keeps it
//! the generator's real output, through the freshness engine `generate` and `check` use:
//! every file must be fresh, and the whole directory is the generator's, so anything else
//! there with a modgen header is an orphan. `MODGEN_BLESS=1` regenerates it instead.

use std::path::{Path, PathBuf};

use modgen::RuntimeDep;
use modgen::freshness::{self, Ownership};

const ROUNDTRIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/roundtrip");
const SDK_DIR: &str = "stress-sdk";

#[test]
fn checked_in_roundtrip_sdk_is_exactly_what_the_generator_makes() {
    let root = Path::new(ROUNDTRIP);
    let model = modgen::load(&root.join("modgen.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.sdk.crate_name, SDK_DIR);
    // The SDK depends on this repository's runtime, relative to the SDK crate.
    let runtime = RuntimeDep::Path("../../../runtime-min".into());
    let mut target = modgen::workspace::sdk_target(&model, &root.join(SDK_DIR), Some(runtime))
        .unwrap_or_else(|e| panic!("{e}"));
    target.ownership = Ownership::new([PathBuf::from(".")]);
    let survey = freshness::survey(&target.root, &target.files, &target.ownership).unwrap();

    if std::env::var_os("MODGEN_BLESS").is_some_and(|v| v == "1") {
        freshness::apply(&target.root, &survey, true).unwrap();
        return;
    }
    let diffs: Vec<String> = survey.problems().filter_map(|f| f.diff(20)).collect();
    assert!(
        survey.is_fresh(),
        "tests/roundtrip/{SDK_DIR} is stale; run \
         `MODGEN_BLESS=1 cargo test -p cargo-modgen --test roundtrip_fresh`:\n{survey}\n{}",
        diffs.join("\n")
    );
}
