//! Message types, client and server stubs for `module_orchestrator.v1.directory`,
//! generated from `proto/modgen/directory/v1/directory.proto` and checked in (see
//! `tests/directory_proto_fresh.rs`). `include!` keeps rustfmt off the generated text, so
//! the freshness check compares exactly what prost and tonic wrote.

include!("module_orchestrator.v1.directory.rs");
