//! The SDK's `Cargo.toml` and `README.md`.

use std::fmt::Write;

use super::SdkOptions;
use crate::emit::deps::{TONIC_FEATURES, version};
use crate::emit::header::{Comment, with_header};
use crate::emit::toml::{quoted, runtime_dependency, string_array};
use crate::model::Model;

pub fn manifest(model: &Model, options: &SdkOptions, uses_prost_types: bool) -> String {
    let streams = model
        .services
        .iter()
        .flat_map(|s| &s.methods)
        .any(|m| m.streaming != crate::model::Streaming::Unary);
    let runtime = runtime_dependency(&options.runtime);
    let features = string_array(TONIC_FEATURES);
    let mut out = String::new();
    let _ = writeln!(out, "[package]");
    let _ = writeln!(out, "name = {}", quoted(&model.sdk.crate_name));
    let _ = writeln!(out, "version = {}", quoted(&model.module.version));
    let _ = writeln!(out, "edition = \"2024\"");
    let _ = writeln!(
        out,
        "description = {}",
        quoted(&format!(
            "SDK of the `{}` module: API trait, client, wiring and proto types.",
            model.module.name
        ))
    );
    let _ = writeln!(out, "publish = false");
    let _ = writeln!(out);
    let _ = writeln!(out, "[dependencies]");
    let _ = writeln!(out, "async-trait = {}", quoted(version("async-trait")));
    let _ = writeln!(out, "futures-core = {}", quoted(version("futures-core")));
    if streams {
        let _ = writeln!(out, "futures-util = {}", quoted(version("futures-util")));
    }
    let _ = writeln!(out, "modgen-runtime = {runtime}");
    let _ = writeln!(out, "prost = {}", quoted(version("prost")));
    if uses_prost_types {
        let _ = writeln!(out, "prost-types = {}", quoted(version("prost-types")));
    }
    let _ = writeln!(out, "thiserror = {}", quoted(version("thiserror")));
    let _ = writeln!(
        out,
        "tonic = {{ version = {}, default-features = false, features = {features} }}",
        quoted(version("tonic"))
    );
    let _ = writeln!(out, "tonic-prost = {}", quoted(version("tonic-prost")));
    with_header(Comment::Hash, &model.protos.inputs, &out)
}

pub fn readme(model: &Model) -> String {
    let krate = crate::names::crate_ident(&model.sdk.crate_name);
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", model.sdk.crate_name);
    let _ = writeln!(
        out,
        "The SDK of the `{}` module. Depend on it to call the module, in process or out of process,\nthrough one trait.\n",
        model.module.name
    );
    let _ = writeln!(out, "| service | trait | client |");
    let _ = writeln!(out, "|---|---|---|");
    for service in &model.services {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | `{}` |",
            service.full_name, service.trait_name, service.client_name
        );
    }
    if let Some(service) = model.services.first() {
        let wire = super::item(service, "wire_client");
        let _ = writeln!(
            out,
            "\n```rust,ignore\nlet api = {krate}::{wire}(&hub, directory).await?;\n// api: Arc<dyn {krate}::{}>\n```\n",
            service.trait_name
        );
    }
    let _ = writeln!(
        out,
        "- `api`: the traits and `ApiStream`\n- `error`: `{}`, mapped both ways to `tonic::Status`\n- `client`: gRPC clients implementing the traits (context as metadata, timeouts, retry on `UNAVAILABLE`)\n- `wiring`: a registered local implementation, else a remote client through the directory\n- `server`: adapters serving any implementation of a trait as its tonic service\n- `testing`: serve an implementation on a loopback port and get a connected client\n- `proto`: the prost message types",
        model.sdk.error_type
    );
    with_header(Comment::Html, &model.protos.inputs, &out)
}
