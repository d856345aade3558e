//! The workspace around the two crates, written once by `new` (all user-owned): the root
//! `Cargo.toml`, `host.yaml`, `README.md`, `.gitignore`. `modgen.toml` and the protos are
//! inputs, written by `new` before anything is generated (see `crate::scaffold`).

use std::fmt::Write;

use modgen_contract::host_defaults;

use super::config_rs::duration_text;
use super::example_yaml;
use super::names::ModuleNames;
use super::{WorkspaceOptions, user_file};
use crate::emit::toml::quoted;
use crate::fileset::FileSet;
use crate::model::Model;

pub fn files(model: &Model, names: &ModuleNames, options: &WorkspaceOptions) -> FileSet {
    let mut files = FileSet::new();
    if options.cargo_workspace {
        files.insert(user_file("Cargo.toml", root_manifest(model, names)));
        files.insert(user_file(".gitignore", "/target\n".to_string()));
    }
    files.insert(user_file("host.yaml", host_yaml(model, names, options)));
    files.insert(user_file("README.md", readme(model, names)));
    files
}

/// The dev profile matches the modgen repository's: line tables only (debug info is the
/// slowest part of linking the tonic stack), none for dependencies. Sharing a target dir
/// with the repository then also shares its compiled dependencies.
fn root_manifest(model: &Model, names: &ModuleNames) -> String {
    format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}, {}]\n\n\
         [profile.dev]\ndebug = \"line-tables-only\"\n\n\
         [profile.dev.package.\"*\"]\ndebug = false\n",
        quoted(&model.sdk.crate_name),
        quoted(&names.package)
    )
}

fn host_yaml(model: &Model, names: &ModuleNames, options: &WorkspaceOptions) -> String {
    let name = &model.module.name;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Runs the `{name}` module out of process: `cargo modgen run` builds the workspace"
    );
    let _ = writeln!(
        out,
        "# and starts this host (or: `modgen-host --config host.yaml` after `cargo build`)."
    );
    let _ = writeln!(
        out,
        "# ModKit's shape; relative paths resolve against this file's directory."
    );
    let _ = writeln!(out, "modules:");
    let _ = writeln!(out, "  {name}:");
    let _ = writeln!(out, "    runtime:");
    let _ = writeln!(out, "      type: oop");
    let _ = writeln!(out, "      execution:");
    let _ = writeln!(
        out,
        "        executable_path: {}/debug/{}",
        options.target_dir.trim_end_matches('/'),
        names.package
    );
    let _ = writeln!(out, "        args: []");
    let _ = writeln!(out, "        environment:");
    let _ = writeln!(out, "          RUST_LOG: info");
    let _ = writeln!(
        out,
        "    # Handed to the module as its config (schema: {}/config/{}.schema.json).",
        names.package, names.package
    );
    if model.module.config.is_empty() {
        let _ = writeln!(out, "    config: {{}}");
    } else {
        let _ = writeln!(out, "    config:");
        for field in &model.module.config {
            let mut entry = String::new();
            example_yaml::entry(&mut entry, field);
            for line in entry.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "# The embedded directory the modules register with.");
    let _ = writeln!(out, "directory:");
    let _ = writeln!(out, "  listen: {}", host_defaults::DIRECTORY_LISTEN);
    // Three missed heartbeats before eviction, and never below the host's own default.
    let ttl = host_defaults::directory_ttl_for(model.module.heartbeat_interval);
    let _ = writeln!(out, "  ttl: {}", duration_text(ttl));
    let _ = writeln!(out);
    let _ = writeln!(out, "restart:");
    let _ = writeln!(out, "  max_restarts: {}", host_defaults::MAX_RESTARTS);
    let _ = writeln!(
        out,
        "  initial_backoff: {}",
        duration_text(host_defaults::RESTART_INITIAL_BACKOFF)
    );
    out
}

fn readme(model: &Model, names: &ModuleNames) -> String {
    let name = &model.module.name;
    let package = &names.package;
    let sdk = &model.sdk.crate_name;
    let example_call = model
        .services
        .first()
        .and_then(|s| {
            s.methods
                .first()
                .map(|m| format!("{}/{}", s.full_name, m.proto_name))
        })
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "# {name}\n");
    let _ = writeln!(
        out,
        "An out-of-process gRPC module made with `cargo modgen new`. The protos in `proto/`\n\
         and `modgen.toml` are the source of truth; the SDK and the module's glue are generated\n\
         from them.\n"
    );
    let _ = writeln!(out, "| path | what | owner |");
    let _ = writeln!(out, "|---|---|---|");
    let _ = writeln!(
        out,
        "| `modgen.toml`, `proto/` | the module's manifest and API | you |"
    );
    let _ = writeln!(
        out,
        "| `{sdk}/` | the SDK consumers depend on: trait, client, wiring, proto types | generated |"
    );
    let _ = writeln!(
        out,
        "| `{package}/src/service.rs` | the implementation (stubs answer `UNIMPLEMENTED`) | you |"
    );
    let _ = writeln!(
        out,
        "| `{package}/src/main.rs`, `src/lib.rs`, `Cargo.toml` | entry point and crate | you |"
    );
    let _ = writeln!(
        out,
        "| `{package}/src/generated/` | config type, OoP entry point | generated |"
    );
    let _ = writeln!(
        out,
        "| `{package}/config/` | config JSON Schema and example | generated |"
    );
    let _ = writeln!(
        out,
        "| `host.yaml` | runs the module under `modgen-host` | you |"
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "## Build, run, call\n");
    let _ = writeln!(out, "```sh");
    let _ = writeln!(out, "cargo build");
    let _ = writeln!(
        out,
        "cargo modgen run                      # directory + the module, out of process; Ctrl-C stops"
    );
    let _ = writeln!(
        out,
        "cargo modgen call {example_call} '{{}}'   # in another terminal"
    );
    let _ = writeln!(out, "```\n");
    let _ = writeln!(
        out,
        "The module binary alone: `cargo run -p {package} -- --config {package}/config/{package}.example.yaml`\n\
         (`--print-config` shows the effective config, `--listen`, `--directory` and\n\
         `--instance-id` override what the host would hand over, `-v` logs more). A config that\n\
         breaks a rule stops it before it binds, naming the key.\n"
    );
    let _ = writeln!(out, "## Regenerate\n");
    let _ = writeln!(
        out,
        "After editing `proto/` or `modgen.toml`:\n\n\
         ```sh\ncargo modgen generate   # rewrites generated files only; never your files\n```\n\n\
         Generated files carry a hash of their contents: an edited one is reported, not\n\
         overwritten. A new RPC gets a stub (answering UNIMPLEMENTED) in your\n\
         `impl` of the API trait, wherever it is under `{package}/src/`; the rest of the file\n\
         stays as it was (`--no-edit` prints the stubs instead). `cargo modgen check` (for CI) fails when a generated file is stale,\n\
         missing, edited by hand or orphaned, and shows a short diff.\n"
    );
    let _ = writeln!(out, "## Snapshot-test the API\n");
    let _ = writeln!(
        out,
        "`{package}/tests/api_surface.rs` snapshots the SDK's wire contract\n\
         (`{sdk}::testing::API_SURFACE`: every RPC, message field and enum value, with numbers\n\
         and JSON names) with [insta](https://insta.rs). After a proto change and\n\
         `cargo modgen generate`, `cargo test` fails with a diff of what callers send and\n\
         receive; review it, then accept it with `cargo insta review` (or\n\
         `INSTA_UPDATE=always cargo test`), and the snapshot change goes into the pull request\n\
         beside the proto change.",
        sdk = crate::names::crate_ident(&model.sdk.crate_name),
    );
    out
}
