//! Emitters: pure functions from a checked model to files. One module per output family.

mod deps;
pub mod header;
pub mod module;
mod proto_docs;
mod proto_types;
pub(crate) mod rust;
pub mod sdk;
#[cfg(feature = "files")]
pub(crate) mod text;

pub use deps::{RUNTIME_VERSION, WORKSPACE_VERSIONS};
pub use module::WorkspaceOptions;
pub use sdk::{RuntimeDep, SdkOptions};
