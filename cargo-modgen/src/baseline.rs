//! The compatibility baseline: the protos' descriptors as of the last accepted
//! generation, kept next to the manifest, against which `generate` and `check` report
//! breaking changes (see `breaking`).
//!
//! The baseline moves forward with every generation that breaks nothing, so the report
//! always says what changed since the SDK was last regenerated cleanly. A breaking change
//! leaves it where it was, and is reported again by every `generate` and `check`, until
//! someone accepts it (`--accept-breaking`). Comments are stripped: a reworded comment
//! changes no contract, and should not change a checked-in binary file.

use std::io;
use std::path::{Path, PathBuf};

use prost::Message;
use prost_types::FileDescriptorSet;

use crate::breaking::{self, CompatReport};
use crate::error::Error;
use crate::manifest::Manifest;
use crate::model::Model;

/// The baseline's file name, next to `modgen.toml`.
pub const BASELINE_FILE: &str = "modgen.baseline.binpb";

/// Where workspaces made before the baseline existed keep the same descriptors: the SDK's
/// descriptor set (with comments, which the comparison ignores).
const LEGACY_BASELINE: &str = "src/file_descriptor_set.bin";

pub fn path(root: &Path) -> PathBuf {
    root.join(BASELINE_FILE)
}

/// The baseline of the workspace at `root`, if it has one.
pub fn read(root: &Path, model: &Model) -> io::Result<Option<Vec<u8>>> {
    for candidate in [
        path(root),
        root.join(&model.sdk.crate_name).join(LEGACY_BASELINE),
    ] {
        match std::fs::read(&candidate) {
            Ok(bytes) => return Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => {
                return Err(io::Error::new(
                    error.kind(),
                    format!("{}: {error}", candidate.display()),
                ));
            }
        }
    }
    Ok(None)
}

/// What the baseline file holds for `model`: its descriptors without source info.
pub fn encode(model: &Model) -> Result<Vec<u8>, Error> {
    let mut set = FileDescriptorSet::decode(model.protos.descriptor_set.as_slice())
        .map_err(|e| Error::new(crate::ErrorKind::Codegen, format!("internal: {e}")))?;
    for file in &mut set.file {
        file.source_code_info = None;
    }
    Ok(set.encode_to_vec())
}

/// Writes the baseline for `model` unless the file already holds it; `true` when written.
pub fn write(root: &Path, model: &Model) -> io::Result<bool> {
    let bytes = encode(model).map_err(|e| io::Error::other(e.to_string()))?;
    let target = path(root);
    if std::fs::read(&target).is_ok_and(|current| current == bytes) {
        return Ok(false);
    }
    crate::freshness::write_atomically(&target, &bytes)?;
    Ok(true)
}

/// The changes from `baseline` to `model`'s protos, with proto files shown as the user
/// reaches them from the workspace root (`proto/greeter/v1/greeter.proto`).
pub fn compare(
    baseline: &[u8],
    model: &Model,
    manifest: &Manifest,
    root: &Path,
) -> Result<CompatReport, Error> {
    let report = breaking::compare(baseline, &model.protos.descriptor_set)?;
    Ok(report.map_files(|name| shown_proto(root, manifest, name)))
}

/// `name` (relative to an include root) as a path from the workspace root, through the
/// first include directory that holds it.
fn shown_proto(root: &Path, manifest: &Manifest, name: &str) -> String {
    manifest
        .includes
        .iter()
        .map(|include| Path::new(&include.value).join(name))
        .find(|candidate| root.join(candidate).is_file())
        .map(|path| path.display().to_string())
        .unwrap_or_else(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_has_no_comments_and_is_written_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proto")).unwrap();
        std::fs::write(
            dir.path().join("proto/a.proto"),
            "syntax = \"proto3\";\npackage a.v1;\n// A service.\nservice S { rpc Get(M) returns (M); }\nmessage M {}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("modgen.toml"),
            "[module]\nname = \"a\"\n[proto]\nfiles = [\"proto/a.proto\"]\nincludes = [\"proto\"]\n",
        )
        .unwrap();
        let model = crate::load(&dir.path().join("modgen.toml")).unwrap();
        assert!(write(dir.path(), &model).unwrap());
        assert!(
            !write(dir.path(), &model).unwrap(),
            "unchanged: not rewritten"
        );
        let stored = read(dir.path(), &model).unwrap().unwrap();
        let set = FileDescriptorSet::decode(stored.as_slice()).unwrap();
        assert!(set.file.iter().all(|f| f.source_code_info.is_none()));
        let report = breaking::compare(&stored, &model.protos.descriptor_set).unwrap();
        assert!(report.changes.is_empty(), "{report}");
    }
}
