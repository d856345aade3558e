//! The workspace around the two crates, written once by `new` (all user-owned): the root
//! `Cargo.toml`, `host.yaml`, `README.md`, `.gitignore`, from `templates/workspace/`.
//! `modgen.toml` and the protos are inputs, written by `new` before anything is generated
//! (see `crate::scaffold`).

use modgen_contract::host_defaults;

use super::config_rs::duration_text;
use super::example_yaml;
use super::names::ModuleNames;
use super::{WorkspaceOptions, user_file};
use crate::emit::text::{GitIgnore, HostYaml, WorkspaceManifest, WorkspaceReadme, render};
use crate::fileset::FileSet;
use crate::model::Model;

pub fn files(model: &Model, names: &ModuleNames, options: &WorkspaceOptions) -> FileSet {
    let mut files = FileSet::new();
    if options.cargo_workspace {
        files.insert(user_file("Cargo.toml", root_manifest(model, names)));
        files.insert(user_file(".gitignore", render(&GitIgnore)));
    }
    files.insert(user_file("host.yaml", host_yaml(model, names, options)));
    files.insert(user_file(
        "README.md",
        readme(model, names, options.cargo_workspace),
    ));
    files
}

/// The dev profile matches the modgen repository's: line tables only (debug info is the
/// slowest part of linking the tonic stack), none for dependencies. Sharing a target dir
/// with the repository then also shares its compiled dependencies.
fn root_manifest(model: &Model, names: &ModuleNames) -> String {
    render(&WorkspaceManifest {
        members: [&model.sdk.crate_name, &names.package, super::HOST_DIR],
    })
}

fn host_yaml(model: &Model, names: &ModuleNames, options: &WorkspaceOptions) -> String {
    // Three missed heartbeats before eviction, and never below the host's own default.
    let ttl = host_defaults::directory_ttl_for(model.module.heartbeat_interval);
    render(&HostYaml {
        module_name: &model.module.name,
        package: &names.package,
        executable_path: format!(
            "{}/debug/{}",
            options.target_dir.trim_end_matches('/'),
            names.package
        ),
        config: example_yaml::entries(&model.module.config),
        directory_listen: host_defaults::DIRECTORY_LISTEN,
        directory_ttl: duration_text(ttl),
        max_restarts: host_defaults::MAX_RESTARTS,
        initial_backoff: duration_text(host_defaults::RESTART_INITIAL_BACKOFF),
    })
}

fn readme(model: &Model, names: &ModuleNames, host_crate: bool) -> String {
    let example_call = model
        .services
        .first()
        .and_then(|s| {
            s.methods
                .first()
                .map(|m| format!("{}/{}", s.full_name, m.proto_name))
        })
        .unwrap_or_default();
    render(&WorkspaceReadme {
        module_name: &model.module.name,
        package: &names.package,
        sdk_crate: &model.sdk.crate_name,
        sdk_lib: crate::names::crate_ident(&model.sdk.crate_name),
        example_call,
        host_crate,
    })
}
