//! What the benchmark binaries share.

pub mod directory_backend;
