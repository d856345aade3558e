//! The protos every generator test runs on: each corpus proto with the manifest a module
//! author would write for it, the stress proto, and the comments proto (every comment
//! shape that rustdoc or clippy once rejected).

#![allow(dead_code)]

pub mod running;
pub mod snapshots;

use std::path::{Path, PathBuf};

use modgen::{FileSet, Manifest, Model, SdkOptions};

/// The shared corpus; CI checks the repository out next to a copy of `shared/`.
pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");
/// The repository's own test protos.
pub const TEST_PROTOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/protos");

pub struct Case {
    /// Snapshot prefix and module name.
    pub name: &'static str,
    /// The directory the manifest would sit in.
    pub base: &'static str,
    pub manifest: &'static str,
}

impl Case {
    pub fn base_dir(&self) -> PathBuf {
        Path::new(self.base).to_path_buf()
    }

    pub fn model(&self) -> Model {
        let manifest = Manifest::parse(self.manifest, "modgen.toml")
            .unwrap_or_else(|e| panic!("{}: manifest: {e}", self.name));
        modgen::load_manifest(&manifest, &self.base_dir(), "modgen.toml")
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    pub fn sdk(&self, options: &SdkOptions) -> FileSet {
        modgen::generate_sdk(&self.model(), options)
            .unwrap_or_else(|e| panic!("{}: generate: {e}", self.name))
    }
}

pub const CASES: &[Case] = &[
    Case {
        name: "calculator",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/hyperspot"),
        manifest: r#"
[module]
name = "calculator"
version = "0.1.0"

[proto]
files = ["oop/calculator/v1/accum.proto"]

[[errors.variant]]
name = "InvalidInput"
code = "INVALID_ARGUMENT"
doc = "An operand is out of range."

[[errors.variant]]
name = "Overflow"
code = "OUT_OF_RANGE"
"#,
    },
    Case {
        name: "directory",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/hyperspot"),
        manifest: r#"
[module]
name = "directory"
version = "1.0.0"

[proto]
files = ["directory/v1/directory.proto"]

[[errors.variant]]
name = "NotFound"
code = "NOT_FOUND"

[[errors.variant]]
name = "PermissionDenied"
code = "PERMISSION_DENIED"
"#,
    },
    Case {
        name: "route-guide",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/grpc"),
        manifest: r#"
services = ["routeguide.RouteGuide"]

[module]
name = "route-guide"

[proto]
files = ["examples/route_guide.proto"]
"#,
    },
    Case {
        name: "helloworld",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/grpc"),
        manifest: r#"
[module]
name = "helloworld"

[proto]
files = ["examples/helloworld.proto"]

[sdk]
trait = "Greeter"
"#,
    },
    Case {
        name: "health",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/grpc"),
        manifest: r#"
[module]
name = "health"

[proto]
files = ["health/v1/health.proto"]

[[errors.variant]]
name = "NotFound"
code = "NOT_FOUND"
"#,
    },
    Case {
        name: "reflection",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/grpc"),
        manifest: r#"
[module]
name = "reflection"

[proto]
files = ["reflection/v1/reflection.proto"]
"#,
    },
    Case {
        name: "otel-trace",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/otel"),
        manifest: r#"
[module]
name = "otel-trace"

[proto]
files = ["opentelemetry/proto/collector/trace/v1/trace_service.proto"]
"#,
    },
    Case {
        name: "stress",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/protos"),
        manifest: r#"
[module]
name = "stress"
version = "0.3.0"

[proto]
files = ["stress/v1/stress.proto"]
includes = ["."]

[[services]]
name = "stress.v1.Stress"

[[services]]
name = "Client"
client = "ClientServiceClient"

[[errors.variant]]
name = "NotFound"
code = "NOT_FOUND"
doc = "No such thing."

[[errors.variant]]
name = "Conflict"
code = "ALREADY_EXISTS"

[config.fields.max_items]
type = "u32"
default = 100
min = 1
max = 1000
doc = "Upper bound on items per call."

[runtime]
heartbeat_interval = "2s"
"#,
    },
    Case {
        name: "comments",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/protos"),
        manifest: r#"
[module]
name = "comments"

[proto]
files = ["comments/v1/comments.proto"]
includes = ["."]
"#,
    },
    Case {
        name: "legacy",
        base: concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/protos"),
        manifest: r#"
[module]
name = "legacy"

[proto]
files = ["legacy/v1/legacy.proto"]
"#,
    },
];
