//! Emitters: pure functions from a checked model to files. One module per output family.

pub mod header;
pub mod module;
mod proto_types;
mod rust;
pub mod sdk;

pub use sdk::{RuntimeDep, SdkOptions};
