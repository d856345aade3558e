//! The `routeguide` module. `service` is yours; `generated` is rewritten by
//! `cargo modgen generate` from modgen.toml and the protos.

pub mod features;
pub mod generated;
pub mod service;

pub use generated::RouteguideConfig;
pub use service::Routeguide;
