//! The inputs `cargo modgen new` writes before generating: the starter proto (when the
//! user brings none) and `modgen.toml`. Text only; the CLI does the writing.

use std::fmt::Write;

use crate::emit::toml::quoted;
use crate::names::{crate_ident, module_camel};

/// Where the starter proto goes, relative to the workspace root (`proto/<pkg>/v1/<pkg>.proto`).
pub fn starter_proto_path(module_name: &str) -> String {
    let package = crate_ident(module_name);
    format!("proto/{package}/v1/{package}.proto")
}

/// A small service with a unary and a server-streaming RPC: enough to see both kinds
/// through `run` and `call` before writing one's own.
pub fn starter_proto(module_name: &str) -> String {
    let package = crate_ident(module_name);
    let camel = module_camel(module_name);
    format!(
        r#"syntax = "proto3";

// The API of the `{module_name}` module. Edit it, then run `cargo modgen generate`.
package {package}.v1;

// {camel}Service is the starter service of the `{module_name}` module.
service {camel}Service {{
  // Returns a greeting for the given name.
  rpc Greet(GreetRequest) returns (GreetReply);

  // Counts from 1 to `count`, one reply per number.
  rpc Count(CountRequest) returns (stream CountReply);
}}

message GreetRequest {{
  // Who to greet; must not be empty.
  string name = 1;
}}

message GreetReply {{
  string message = 1;
}}

message CountRequest {{
  // How many replies to stream back.
  uint32 count = 1;
}}

message CountReply {{
  uint32 number = 1;
}}
"#
    )
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
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# The `{}` module: what `cargo modgen generate` generates from.",
            self.module_name
        );
        let _ = writeln!(
            out,
            "# Every key is described in modgen's docs/manifest.md."
        );
        if !self.services.is_empty() {
            let list: Vec<String> = self.services.iter().map(|s| quoted(s)).collect();
            let _ = writeln!(out, "services = [{}]", list.join(", "));
        }
        let _ = writeln!(out, "\n[module]");
        let _ = writeln!(out, "name = {}", quoted(&self.module_name));
        let _ = writeln!(out, "version = \"0.1.0\"");
        let _ = writeln!(out, "\n[proto]");
        let files: Vec<String> = self
            .proto_files
            .iter()
            .map(|f| quoted(&format!("proto/{f}")))
            .collect();
        let _ = writeln!(out, "files = [{}]", files.join(", "));
        let _ = writeln!(out, "includes = [\"proto\"]");
        let _ = writeln!(
            out,
            "\n# Error variants of the SDK's error type, each owning one gRPC status code."
        );
        let _ = writeln!(out, "[[errors.variant]]");
        let _ = writeln!(out, "name = \"InvalidArgument\"");
        let _ = writeln!(out, "code = \"INVALID_ARGUMENT\"");
        let _ = writeln!(
            out,
            "doc = \"The request breaks a rule the caller can fix.\""
        );
        if self.sample_config {
            let _ = writeln!(
                out,
                "\n# The module's configuration: typed, with defaults and bounds checked at start."
            );
            let _ = writeln!(out, "[config.fields.greeting]");
            let _ = writeln!(out, "type = \"string\"");
            let _ = writeln!(out, "default = \"Hello\"");
            let _ = writeln!(out, "doc = \"The word `Greet` puts before the name.\"");
            let _ = writeln!(out, "\n[config.fields.max_count]");
            let _ = writeln!(out, "type = \"u32\"");
            let _ = writeln!(out, "default = 100");
            let _ = writeln!(out, "min = 1");
            let _ = writeln!(out, "max = 10000");
            let _ = writeln!(
                out,
                "doc = \"The largest `count` a `Count` call may ask for.\""
            );
        }
        let _ = writeln!(out, "\n[runtime]");
        let _ = writeln!(out, "heartbeat_interval = \"5s\"");
        out
    }
}
