//! The module crate's `Cargo.toml` (`templates/module/Cargo.toml`): user-owned (written
//! once), so it carries no header and the user adds dependencies to it freely.

use super::RuntimeDep;
use super::names::ModuleNames;
use crate::emit::deps::TOKIO_FEATURES;
use crate::emit::text::{ModuleManifest, render, runtime_toml};
use crate::model::{MessageRef, Model, Streaming};

pub fn manifest(model: &Model, names: &ModuleNames, runtime: &RuntimeDep) -> String {
    let methods = || model.services.iter().flat_map(|s| &s.methods);
    render(&ModuleManifest {
        package: &names.package,
        version: &model.module.version,
        description: format!(
            "The `{}` module: its implementation and out-of-process entry point.",
            names.package
        ),
        streams: methods().any(|m| m.streaming != Streaming::Unary),
        well_known: methods().any(|m| {
            [&m.input, &m.output]
                .iter()
                .any(|r| matches!(r, MessageRef::WellKnown(name) if name != "StringValue"))
        }),
        runtime: runtime_toml(runtime),
        sdk_crate: &model.sdk.crate_name,
        sdk_path: format!("../{}", model.sdk.crate_name),
        tokio_features: TOKIO_FEATURES,
    })
}
