//! Every generated file of every corpus proto (and the stress proto), reviewed as text.
//! A change to the generators shows up here as a snapshot diff.

mod common;

use modgen::{Contents, RuntimeDep, SdkOptions};
use prost::Message;

#[test]
fn sdk_files_match_their_snapshots() {
    let options = SdkOptions {
        runtime: RuntimeDep::Version("0.1.0".into()),
    };
    for case in common::CASES {
        let files = case.sdk(&options);
        for file in files.files() {
            let path = file.path.to_string_lossy().replace('/', "__");
            let name = format!("{}__{path}", case.name);
            match &file.contents {
                Contents::Text(text) => insta::assert_snapshot!(name, text),
                Contents::Binary(bytes) => {
                    // The bytes are prost's encoding; the snapshot says what they hold.
                    let set = prost_types::FileDescriptorSet::decode(bytes.as_slice()).unwrap();
                    let names: Vec<&str> = set.file.iter().map(|f| f.name()).collect();
                    insta::assert_snapshot!(name, names.join("\n"));
                }
            }
        }
    }
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
