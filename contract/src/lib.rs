//! What modgen's generator (`cargo-modgen`) and its runtime (`modgen-runtime`) must agree
//! on, each fact in one table: the generator writes code, docs, schemas and host files
//! that the runtime reads back, so neither may keep its own copy. No dependencies, so
//! the core library can use it without pulling in the runtime's gRPC stack.

pub mod duration;
pub mod env;
pub mod grpc_code;
pub mod host_defaults;
pub mod module_cli;
