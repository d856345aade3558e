//! The `{{ package }}` module. `service` and `build` are yours; `generated` is rewritten by
//! `cargo modgen generate` from modgen.toml and the protos.

pub mod generated;
pub mod service;

use std::sync::Arc;

use modgen_runtime::oop::{BoxError, ModuleHandle};

pub use generated::{{ config_struct }};
pub use service::{{ service_struct }};

/// Builds the module from its config, wherever it runs: `main` hands it to
/// `generated::run` (its own process), the workspace's host binary to `generated::local`
/// (`type: local`, inside the host). Other modules are reached through `handle`, with
/// their SDK's `wire_client(handle.hub(), resolver)`: the same code in both cases.
pub async fn build(
    config: {{ config_struct }},
    _handle: ModuleHandle,
) -> Result<Arc<{{ service_struct }}>, BoxError> {
    Ok(Arc::new({{ service_struct }}::new(config)))
}
