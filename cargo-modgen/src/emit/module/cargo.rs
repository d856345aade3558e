//! The module crate's `Cargo.toml`: user-owned (written once), so it carries no header and
//! the user adds dependencies to it freely.

use std::fmt::Write;

use super::RuntimeDep;
use super::names::ModuleNames;
use crate::emit::deps::{TOKIO_FEATURES, version};
use crate::emit::toml::{quoted, runtime_dependency, string_array};
use crate::model::{MessageRef, Model, Streaming};

pub fn manifest(model: &Model, names: &ModuleNames, runtime: &RuntimeDep) -> String {
    let methods = || model.services.iter().flat_map(|s| &s.methods);
    let streams = methods().any(|m| m.streaming != Streaming::Unary);
    let well_known = methods().any(|m| {
        [&m.input, &m.output]
            .iter()
            .any(|r| matches!(r, MessageRef::WellKnown(name) if name != "StringValue"))
    });
    let runtime = runtime_dependency(runtime);
    let tokio_features = string_array(TOKIO_FEATURES);
    let mut out = String::new();
    let _ = writeln!(out, "[package]");
    let _ = writeln!(out, "name = {}", quoted(&names.package));
    let _ = writeln!(out, "version = {}", quoted(&model.module.version));
    let _ = writeln!(out, "edition = \"2024\"");
    let _ = writeln!(
        out,
        "description = {}",
        quoted(&format!(
            "The `{}` module: its implementation and out-of-process entry point.",
            names.package
        ))
    );
    let _ = writeln!(out, "publish = false");
    let _ = writeln!(out);
    let _ = writeln!(out, "[dependencies]");
    let _ = writeln!(out, "async-trait = {}", quoted(version("async-trait")));
    if streams {
        let _ = writeln!(out, "futures-util = {}", quoted(version("futures-util")));
    }
    let _ = writeln!(out, "modgen-runtime = {runtime}");
    if well_known {
        let _ = writeln!(out, "prost-types = {}", quoted(version("prost-types")));
    }
    let _ = writeln!(
        out,
        "{} = {{ path = {} }}",
        model.sdk.crate_name,
        quoted(&format!("../{}", model.sdk.crate_name))
    );
    let _ = writeln!(
        out,
        "serde = {{ version = {}, features = [\"derive\"] }}",
        quoted(version("serde"))
    );
    let _ = writeln!(
        out,
        "tokio = {{ version = {}, features = {tokio_features} }}",
        quoted(version("tokio"))
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "[dev-dependencies]");
    // tests/api_surface.rs snapshots the SDK's wire contract.
    let _ = writeln!(out, "insta = {}", quoted(version("insta")));
    out
}
