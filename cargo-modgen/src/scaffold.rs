//! The inputs `cargo modgen new` writes before generating: the starter proto (when the
//! user brings none) and `modgen.toml`. Text only; the CLI does the writing.

use crate::emit::text::{NewManifest, StarterProto, render};
use crate::names::{crate_ident, module_camel};

/// Where the starter proto goes, relative to the workspace root (`proto/<pkg>/v1/<pkg>.proto`).
pub fn starter_proto_path(module_name: &str) -> String {
    let package = crate_ident(module_name);
    format!("proto/{package}/v1/{package}.proto")
}

/// A small service with a unary and a server-streaming RPC: enough to see both kinds
/// through `run` and `call` before writing one's own (`templates/new/starter.proto`).
pub fn starter_proto(module_name: &str) -> String {
    render(&StarterProto {
        module_name,
        package: &crate_ident(module_name),
        camel: &module_camel(module_name),
    })
}

/// What `new` puts into `modgen.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestText {
    pub module_name: String,
    /// Proto files relative to `proto/` (which is the include root).
    pub proto_files: Vec<String>,
    /// `--service` selections; empty selects every service of the files.
    pub services: Vec<String>,
    /// Adds a sample config field, so the config struct, schema and validation have
    /// something to show (the starter module's `Greet` uses it).
    pub sample_config: bool,
}

impl ManifestText {
    /// The manifest's text (`templates/new/modgen.toml`).
    pub fn render(&self) -> String {
        render(&NewManifest {
            module_name: &self.module_name,
            services: &self.services,
            proto_files: self
                .proto_files
                .iter()
                .map(|file| format!("proto/{file}"))
                .collect(),
            sample_config: self.sample_config,
        })
    }
}
