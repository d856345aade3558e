//! Every generated file of every corpus proto (and the stress proto), reviewed as text.
//! A change to the generators shows up here as a snapshot diff.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use modgen::{Contents, SdkOptions};

#[test]
fn sdk_files_match_their_snapshots() {
    for (name, text) in common::snapshots::sdk_snapshots() {
        insta::assert_snapshot!(name, text);
    }
}

/// insta names a snapshot file `<test file stem>__<name>.snap`. A snapshot no test takes
/// any more would be reviewed as if it still meant something: none may be left over, here
/// or in a directory insta wrote by mistake.
#[test]
fn every_snapshot_file_is_taken_by_a_test() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut expected: BTreeSet<String> = BTreeSet::new();
    for (name, _) in common::snapshots::sdk_snapshots() {
        expected.insert(format!("snapshots__{name}.snap"));
    }
    for (name, _) in common::snapshots::module_snapshots() {
        expected.insert(format!("module_snapshots__{name}.snap"));
    }
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let unreferenced: Vec<&String> = on_disk.difference(&expected).collect();
    assert!(
        unreferenced.is_empty(),
        "snapshot files no test takes (remove them, or take them in a test and list them in \
         tests/common/snapshots.rs):\n{unreferenced:#?}"
    );
    let stray = Path::new(env!("CARGO_MANIFEST_DIR")).join("cargo-modgen");
    assert!(!stray.exists(), "{} holds stray snapshots", stray.display());
}

#[test]
fn generation_is_deterministic() {
    let options = SdkOptions::default();
    for case in common::CASES {
        assert_eq!(case.sdk(&options), case.sdk(&options), "{}", case.name);
    }
}

#[test]
fn every_generated_text_file_has_an_intact_header() {
    let options = SdkOptions::default();
    for case in common::CASES {
        for file in case.sdk(&options).files() {
            if let Contents::Text(text) = &file.contents {
                assert_eq!(
                    modgen::verify_header(text),
                    modgen::HeaderState::Intact,
                    "{}: {}",
                    case.name,
                    file.path.display()
                );
                let edited = format!("{text}// a hand edit\n");
                assert_eq!(modgen::verify_header(&edited), modgen::HeaderState::Edited);
            }
        }
    }
}
