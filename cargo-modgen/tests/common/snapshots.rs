//! The snapshots the snapshot tests take, by name, so that the tests and the check for
//! unreferenced snapshot files agree on what exists.

use modgen::{Contents, Owner, RuntimeDep, SdkOptions, WorkspaceOptions};
use prost::Message;

use super::CASES;

/// The cases whose module and workspace files are snapshotted (all cases' SDKs are).
pub const MODULE_CASES: &[&str] = &["calculator", "route-guide", "stress"];

/// Every SDK file of every case: `(snapshot name, contents)`.
pub fn sdk_snapshots() -> Vec<(String, String)> {
    let options = SdkOptions {
        runtime: RuntimeDep::Version("0.1.0".into()),
    };
    let mut snapshots = Vec::new();
    for case in CASES {
        for file in case.sdk(&options) {
            let path = file.path.to_string_lossy().replace('/', "__");
            let text = match &file.contents {
                Contents::Text(text) => text.clone(),
                // The bytes are prost's encoding; the snapshot says what they hold.
                Contents::Binary(bytes) => {
                    let set = prost_types::FileDescriptorSet::decode(bytes.as_slice()).unwrap();
                    let names: Vec<&str> = set.file.iter().map(|f| f.name()).collect();
                    names.join("\n")
                }
            };
            snapshots.push((format!("{}__{path}", case.name), text));
        }
    }
    snapshots
}

/// The module crate and workspace files of [`MODULE_CASES`], SDK left out, each with its
/// owner on the first line.
pub fn module_snapshots() -> Vec<(String, String)> {
    let options = WorkspaceOptions {
        runtime: RuntimeDep::Version("0.1.0".into()),
        cargo_workspace: true,
        target_dir: "target".into(),
    };
    let mut snapshots = Vec::new();
    for name in MODULE_CASES {
        let case = CASES.iter().find(|c| c.name == *name).unwrap();
        let model = case.model();
        let files = modgen::generate_workspace(&model, &options).unwrap();
        let sdk_dir = format!("{}/", model.sdk.crate_name);
        for file in files {
            let path = file.path.to_string_lossy().into_owned();
            if path.starts_with(&sdk_dir) {
                continue;
            }
            let Contents::Text(text) = &file.contents else {
                panic!("{path}: the module has no binary files");
            };
            let owner = match file.owner {
                Owner::Generator => "generated",
                Owner::User => "user",
            };
            let snapshot = format!("{name}__{}", path.replace('/', "__"));
            snapshots.push((snapshot, format!("owner: {owner}\n{text}")));
        }
    }
    snapshots.extend(host_snapshots());
    snapshots
}

/// The host crate of a workspace made from [`MODULE_CASES`]' first case, the others added
/// to it, as `workspace-host__<path>`.
fn host_snapshots() -> Vec<(String, String)> {
    let models: Vec<_> = MODULE_CASES
        .iter()
        .map(|name| CASES.iter().find(|c| c.name == *name).unwrap().model())
        .collect();
    let dirs: Vec<std::path::PathBuf> = MODULE_CASES
        .iter()
        .enumerate()
        .map(|(i, name)| if i == 0 { "".into() } else { (*name).into() })
        .collect();
    let members: Vec<modgen::HostMember<'_>> = models
        .iter()
        .zip(&dirs)
        .map(|(model, dir)| modgen::HostMember { dir, model })
        .collect();
    let files = modgen::generate_host(&members, &RuntimeDep::Version("0.1.0".into())).unwrap();
    files
        .into_iter()
        .map(|file| {
            let Contents::Text(text) = file.contents else {
                panic!("the host crate has no binary files");
            };
            let path = file.path.to_string_lossy().replace('/', "__");
            (format!("workspace-host__{path}"), text)
        })
        .collect()
}
