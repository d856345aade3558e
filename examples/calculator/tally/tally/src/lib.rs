//! The `tally` module. `service` and `build` are yours; `generated` is rewritten by
//! `cargo modgen generate` from modgen.toml and the protos.

pub mod generated;
pub mod service;

use std::sync::Arc;

use modgen_runtime::oop::{BoxError, ModuleHandle};

pub use generated::TallyConfig;
pub use service::Tally;

/// Builds the module from its config, wherever it runs: `main` hands it to
/// `generated::run` (its own process), the workspace's host binary to `generated::local`
/// (`type: local`, inside the host).
///
/// The calculator is wired here, once, at start: from the host's client hub when it runs
/// in the same process, else through the directory. A missing calculator fails the start
/// rather than the first call; the host YAML's `deps: [calculator]` makes the host start
/// the tally only once the calculator is ready.
pub async fn build(config: TallyConfig, handle: ModuleHandle) -> Result<Arc<Tally>, BoxError> {
    let directory = handle
        .resolver()
        .ok_or("the tally needs a directory to find the calculator: run it under a host")?;
    let calculator = calculator_sdk::wire_client(handle.hub(), directory).await?;
    Ok(Arc::new(Tally::new(config, calculator)))
}
