//! Emitters: pure functions from a checked model to files. One module per output family.

mod deps;
pub mod header;
pub mod module;
mod proto_docs;
mod proto_types;
pub(crate) mod rust;
pub mod sdk;
pub(crate) mod toml;

pub use deps::{RUNTIME_VERSION, WORKSPACE_VERSIONS};
pub use module::WorkspaceOptions;
pub use sdk::{RuntimeDep, SdkOptions};
