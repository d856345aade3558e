//! The `{{ package }}` module. `service` is yours; `generated` is rewritten by `cargo modgen
//! generate` from modgen.toml and the protos.

pub mod generated;
pub mod service;

pub use generated::{{ config_struct }};
pub use service::{{ service_struct }};
